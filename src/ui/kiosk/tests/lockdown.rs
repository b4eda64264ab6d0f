//! Lock-down: nothing but the chord and the right PIN leaves a locked
//! kiosk; demo mode (no PIN) leaves on Ctrl-C; a signal always leaves,
//! saving the partial first.

use crossterm::event::{KeyCode, KeyModifiers};

use super::*;
use crate::core::answer::{Answer, Picked};
use crate::ui::kiosk::state::{COUNTDOWN_MS, LOCKOUT_MS, PIN_TRIES, PinPrompt};

/// Keys that leave or suspend an ordinary terminal program.
fn escape_keys() -> Vec<Msg> {
    vec![
        ctrl('c'),
        ctrl('z'),
        ctrl('\\'),
        ctrl('d'),
        key(KeyCode::Esc),
        key(KeyCode::Char('q')),
        key_with(KeyCode::Char('q'), KeyModifiers::CONTROL),
        key_with(KeyCode::F(4), KeyModifiers::ALT),
        key_with(
            KeyCode::Char('c'),
            KeyModifiers::CONTROL | KeyModifiers::SHIFT,
        ),
    ]
}

/// What a respondent would notice changing.
fn visible_state(rig: &Rig) -> String {
    format!(
        "{:?} {:?} {:?} {:?}",
        rig.k.screen, rig.k.lang, rig.k.pin, rig.k.lockout
    )
}

#[test]
fn escape_keys_do_nothing_when_a_pin_is_set() {
    let mut on_welcome = Rig::new(all_types(), None, true);
    let mut on_choice = Rig::started(Lang::En);
    on_choice.tap(Target::Item(0));
    let mut on_text = Rig::started(Lang::En);
    on_text.skip_to("why");
    on_text.type_text("hi");
    for rig in [&mut on_welcome, &mut on_choice, &mut on_text] {
        for msg in escape_keys() {
            // `q` is a letter like any other in a text field.
            if matches!(rig.k.screen, Screen::Question(_))
                && rig.qid() == "why"
                && msg == key(KeyCode::Char('q'))
            {
                continue;
            }
            let before = visible_state(rig);
            let effects = rig.send(msg.clone());
            assert!(effects.is_empty(), "{msg:?}: {effects:?}");
            assert_eq!(visible_state(rig), before, "{msg:?}");
        }
    }
    match on_text.draft() {
        Draft::Text { field } => assert_eq!(field.text(), "hi"),
        d => panic!("{d:?}"),
    }
}

#[test]
fn demo_mode_ctrl_c_quits_after_saving_the_partial() {
    // Nothing answered: just quit.
    let mut rig = Rig::new(all_types(), None, false);
    let effects = rig.send(ctrl('c'));
    assert!(
        matches!(effects.as_slice(), [Effect::Log(_), Effect::Quit]),
        "{effects:?}"
    );

    let mut rig = Rig::new(all_types(), None, false);
    rig.tap(Target::Lang(Lang::En));
    rig.tap(Target::Start);
    rig.tap(Target::Item(0));
    let effects = rig.send(ctrl('c'));
    assert_eq!(effects.len(), 3, "{effects:?}");
    assert_eq!(
        effects[0],
        Effect::Submit(Submission {
            answers: [(
                "group".to_owned(),
                Answer::Choice(Picked::Option("resident".into()))
            )]
            .into(),
            complete: false,
            lang: Lang::En,
            started_ms: NOW,
        })
    );
    assert_eq!(effects[2], Effect::Quit);

    // Esc and q are not ways out, even in demo mode.
    let mut rig = Rig::new(all_types(), None, false);
    for msg in [key(KeyCode::Esc), key(KeyCode::Char('q')), ctrl('z')] {
        assert!(rig.send(msg).is_empty());
    }
}

#[test]
fn the_chord_opens_the_pin_prompt_and_esc_closes_it() {
    let mut rig = Rig::started(Lang::En);
    rig.tap(Target::Item(0));
    assert!(rig.send(chord()).is_empty());
    assert_eq!(rig.k.pin, Some(PinPrompt::default()));
    assert!(rig.layout(80, 24).overlay().is_some());
    // Keys go to the prompt, not to the question beneath.
    rig.press(KeyCode::Char('2'));
    assert!(matches!(
        rig.draft(),
        Draft::Choice {
            picked: Some(0),
            ..
        }
    ));
    assert_eq!(rig.k.pin.as_ref().unwrap().digits, "2");
    // The digits never show.
    let text = rig.screen_text(80, 24);
    assert!(text.contains('•') && !text.contains("▏2"), "{text}");
    // Taps beneath do nothing; a tap elsewhere or Esc closes it.
    rig.tap(Target::Item(1));
    assert!(matches!(
        rig.draft(),
        Draft::Choice {
            picked: Some(0),
            ..
        }
    ));
    rig.press(KeyCode::Esc);
    assert_eq!(rig.k.pin, None);
    rig.send(chord());
    rig.send(Msg::TapElsewhere);
    assert_eq!(rig.k.pin, None);
    // Only the chord: Ctrl+K or Alt+K alone is nothing.
    rig.send(key_with(KeyCode::Char('k'), KeyModifiers::CONTROL));
    rig.send(key_with(KeyCode::Char('k'), KeyModifiers::ALT));
    assert_eq!(rig.k.pin, None);
}

#[test]
fn the_chord_in_demo_mode_quits() {
    let mut rig = Rig::new(all_types(), None, false);
    let effects = rig.send(chord());
    assert_eq!(effects.last(), Some(&Effect::Quit));
}

#[test]
fn wrong_pins_are_counted_and_five_lock_the_prompt_for_a_minute() {
    let mut rig = Rig::started(Lang::En);
    rig.tap(Target::Item(0));
    rig.send(chord());
    for n in 1..=PIN_TRIES {
        rig.type_text("1111");
        let effects = rig.press(KeyCode::Enter);
        assert!(!effects.contains(&Effect::Quit));
        // The log says how many, never what was typed.
        assert!(
            effects
                .iter()
                .all(|e| matches!(e, Effect::Log(l) if !l.contains("1111"))),
            "{effects:?}"
        );
        assert_eq!(rig.k.lockout.failures, n);
        let prompt = rig.k.pin.as_ref().unwrap();
        assert!(prompt.wrong && prompt.digits.is_empty());
    }
    let locked_at = rig.now;
    assert_eq!(rig.k.lockout.until_ms, Some(locked_at + LOCKOUT_MS));
    // The loop wakes for the idle countdown first (the question is still
    // beneath the prompt), and at the latest when the lock ends.
    assert_eq!(
        rig.k.next_deadline_ms(rig.now),
        Some((locked_at + IDLE_MS - COUNTDOWN_MS).min(locked_at + LOCKOUT_MS))
    );
    assert!(
        rig.screen_text(80, 24)
            .contains("Too many wrong attempts. Wait 60 seconds")
    );

    // While locked even the right PIN does nothing; Enter is ignored.
    rig.wait(LOCKOUT_MS - 1);
    rig.type_text(PIN);
    assert_eq!(rig.k.pin.as_ref().unwrap().digits, "");
    assert!(rig.press(KeyCode::Enter).is_empty());
    assert_eq!(rig.k.lockout.failures, PIN_TRIES);
    // Closing and reopening the prompt does not lift the lock.
    rig.press(KeyCode::Esc);
    rig.send(chord());
    rig.type_text(PIN);
    assert!(rig.press(KeyCode::Enter).is_empty());

    // After the minute the right PIN leaves, saving the partial first.
    rig.wait(1);
    rig.type_text(PIN);
    let effects = rig.press(KeyCode::Enter);
    assert_eq!(effects.len(), 3, "{effects:?}");
    assert!(matches!(&effects[0], Effect::Submit(s) if !s.complete));
    assert_eq!(effects[2], Effect::Quit);
}

#[test]
fn a_locked_prompt_on_the_welcome_screen_wakes_when_the_lock_ends() {
    let mut rig = Rig::new(all_types(), None, true);
    rig.send(chord());
    for _ in 0..PIN_TRIES {
        rig.type_text("9999");
        rig.press(KeyCode::Enter);
    }
    assert_eq!(rig.k.next_deadline_ms(rig.now), Some(rig.now + LOCKOUT_MS));
    // Closed, the prompt needs no wake-up.
    rig.press(KeyCode::Esc);
    assert_eq!(rig.k.next_deadline_ms(rig.now), None);
}

#[test]
fn the_right_pin_quits_at_once() {
    let mut rig = Rig::new(all_types(), None, true);
    rig.send(chord());
    rig.type_text("43210");
    rig.press(KeyCode::Backspace);
    let effects = rig.press(KeyCode::Enter);
    assert!(
        matches!(effects.as_slice(), [Effect::Log(_), Effect::Quit]),
        "{effects:?}"
    );
}

#[test]
fn control_keys_are_not_typed_into_the_pin() {
    let mut rig = Rig::new(all_types(), None, true);
    rig.send(chord());
    rig.type_text("43");
    rig.send(ctrl('c'));
    rig.type_text("21");
    assert_eq!(rig.k.pin.as_ref().unwrap().digits, "4321");
}

#[test]
fn shutdown_saves_the_partial_and_quits() {
    let mut rig = Rig::started(Lang::Fi);
    rig.skip_to("priorities");
    rig.tap(Target::Item(2));
    let effects = rig.send(Msg::Shutdown);
    assert_eq!(effects.len(), 3, "{effects:?}");
    match &effects[0] {
        Effect::Submit(s) => {
            assert!(!s.complete);
            assert_eq!(s.lang, Lang::Fi);
            // Half a ranking is not an answer; the two before it are.
            let ids: Vec<&str> = s.answers.keys().map(String::as_str).collect();
            assert_eq!(ids, ["channels", "group"]);
        }
        e => panic!("{e:?}"),
    }
    assert_eq!(effects[2], Effect::Quit);
    // Locked or not, a signal from outside always ends the kiosk.
    let mut rig = Rig::new(all_types(), None, true);
    assert!(matches!(
        rig.send(Msg::Shutdown).as_slice(),
        [Effect::Log(_), Effect::Quit]
    ));
}

#[test]
fn the_store_checks_the_pin_and_keys_wait_for_its_answer() {
    let mut rig = Rig::new(all_types(), None, true);
    rig.send(chord());
    rig.type_text(PIN);
    // Straight through `update`: Enter hands the digits to the store.
    let effects = update(&mut rig.k, key(KeyCode::Enter), rig.now);
    assert_eq!(effects, vec![Effect::CheckPin(PIN.into())]);
    let prompt = rig.k.pin.as_ref().unwrap();
    assert!(prompt.checking && prompt.digits.is_empty());
    // Keys typed meanwhile wait (none is taken as a second attempt).
    assert!(update(&mut rig.k, key(KeyCode::Char('1')), rig.now).is_empty());
    assert!(update(&mut rig.k, key(KeyCode::Enter), rig.now).is_empty());
    assert_eq!(rig.k.pin.as_ref().unwrap().digits, "");
    let effects = update(
        &mut rig.k,
        Msg::PinChecked(Ok(crate::core::pin::PinCheck::Right)),
        rig.now,
    );
    assert_eq!(effects.last(), Some(&Effect::Quit));
}

#[test]
fn a_kiosk_started_during_a_stored_lockout_shows_the_lock() {
    let mut rig = Rig::new(all_types(), None, true);
    rig.send(chord());
    for _ in 0..PIN_TRIES {
        rig.type_text("1111");
        rig.press(KeyCode::Enter);
    }
    // A new kiosk (a restart) on the same store, as the loop sets it up.
    let stored = rig.stored_lockout;
    let mut again = Rig::new(all_types(), Some(Lang::En), true);
    again.stored_lockout = stored;
    again.k.lockout = stored;
    again.now = rig.now + 1_000;
    again.send(chord());
    assert!(
        again
            .screen_text(80, 24)
            .contains("Too many wrong attempts.")
    );
    again.type_text(PIN);
    assert!(again.press(KeyCode::Enter).is_empty());
}
