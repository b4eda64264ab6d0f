//! The rules of one screen at a time: notices, limits, the idle reset,
//! the screens after the last question, and pasted text.

use std::collections::BTreeSet;

use crossterm::event::KeyCode;

use super::*;
use crate::core::answer::{Answer, Picked};
use crate::ui::kiosk::state::{COUNTDOWN_MS, FAILED_MS, Focus, THANKS_MS};
use crate::ui::strings::Texts;

// --- Notices ----------------------------------------------------------------

#[test]
fn required_question_blocks_next_with_a_notice_in_the_language_on_screen() {
    for lang in [Lang::Fi, Lang::En] {
        let mut rig = Rig::started(lang);
        assert!(rig.tap(Target::Next).is_empty());
        assert_eq!(rig.qid(), "group");
        assert_eq!(rig.notice().as_deref(), Some(Texts::of(lang).required));
        // Keys say the same.
        let mut rig = Rig::started(lang);
        rig.press(KeyCode::PageDown);
        assert_eq!(rig.notice().as_deref(), Some(Texts::of(lang).required));
    }
    let mut rig = Rig::new(desk(), Some(Lang::Sv), true);
    rig.tap(Target::Start);
    rig.tap(Target::Next);
    assert_eq!(
        rig.notice().as_deref(),
        Some("Den här frågan behöver ett svar.")
    );
    assert_eq!(rig.qid(), "overall");
    // Answering clears the notice.
    rig.tap(Target::Item(2));
    assert_eq!(rig.notice(), None);
}

#[test]
fn other_needs_its_text() {
    let mut rig = Rig::started(Lang::En);
    rig.tap(Target::Item(2));
    rig.tap(Target::Next);
    assert_eq!(
        rig.notice().as_deref(),
        Some("Please write your answer in the field.")
    );
    assert_eq!(rig.qid(), "group");
    // Only spaces is still empty.
    rig.type_text("   ");
    rig.tap(Target::Next);
    assert_eq!(rig.qid(), "group");
    rig.type_text("x");
    rig.tap(Target::Next);
    assert_eq!(rig.qid(), "channels");
    assert_eq!(
        rig.answering().walk.answers()["group"],
        Answer::Choice(Picked::Other("x".into()))
    );
}

#[test]
fn multi_refuses_more_than_max() {
    for (lang, text) in [
        (Lang::En, "Choose at most 2"),
        (Lang::Fi, "Valitse enintään 2"),
    ] {
        let mut rig = Rig::started(lang);
        rig.skip_to("channels");
        for i in 0..3 {
            rig.tap(Target::Item(i));
        }
        assert_eq!(rig.notice().as_deref(), Some(text));
        let picked = |rig: &Rig| match rig.draft() {
            Draft::Multi { picked, .. } => picked,
            d => panic!("{d:?}"),
        };
        assert_eq!(picked(&rig), BTreeSet::from([0, 1]));
        // Taking one back makes room, and the notice goes.
        rig.tap(Target::Item(0));
        assert_eq!(rig.notice(), None);
        rig.tap(Target::Item(2));
        assert_eq!(picked(&rig), BTreeSet::from([1, 2]));
        // "Other" counts towards the maximum too.
        rig.tap(Target::Item(3));
        assert_eq!(rig.notice().as_deref(), Some(text));
        assert_eq!(picked(&rig), BTreeSet::from([1, 2]));
    }
}

#[test]
fn ranking_adds_in_order_and_removes_on_a_second_choice() {
    let mut rig = Rig::started(Lang::En);
    rig.skip_to("priorities");
    let order = |rig: &Rig| match rig.draft() {
        Draft::Ranking { order } => order,
        d => panic!("{d:?}"),
    };
    rig.press(KeyCode::Char('3'));
    rig.press(KeyCode::Char('1'));
    assert_eq!(order(&rig), [2, 0]);
    // A third is refused: only two are ranked.
    rig.press(KeyCode::Char('2'));
    assert_eq!(order(&rig), [2, 0]);
    assert_eq!(rig.notice().as_deref(), Some("Choose 2 options in order"));
    // Choosing the first again takes it out; the rest moves up.
    rig.press(KeyCode::Char('3'));
    assert_eq!(order(&rig), [0]);
    assert_eq!(rig.notice(), None);
    rig.tap(Target::Next);
    assert_eq!(rig.notice().as_deref(), Some("Choose 2 options in order"));
    rig.press(KeyCode::Char('2'));
    assert_eq!(order(&rig), [0, 1]);
    rig.tap(Target::Next);
    assert_eq!(rig.qid(), "overall");
    assert_eq!(
        rig.answering().walk.answers()["priorities"],
        Answer::Ranking(vec!["speed".into(), "quality".into()])
    );
}

#[test]
fn number_outside_its_range_says_the_range() {
    let mut rig = Rig::started(Lang::Fi);
    rig.skip_to("visits");
    rig.type_text("999");
    rig.press(KeyCode::Enter);
    assert_eq!(rig.qid(), "visits");
    assert_eq!(rig.notice().as_deref(), Some("Anna luku väliltä 0 – 365"));
    rig.press(KeyCode::Backspace);
    rig.press(KeyCode::Backspace);
    rig.press(KeyCode::Enter);
    assert_eq!(rig.answering().walk.answers()["visits"], Answer::Number(9));
    // A minus sign only at the start; the number field takes no letters.
    let mut rig = Rig::started(Lang::Fi);
    rig.skip_to("visits");
    rig.type_text("-1-2a");
    match rig.draft() {
        Draft::Number { field } => assert_eq!(field.text(), "-12"),
        d => panic!("{d:?}"),
    }
}

#[test]
fn digits_pick_grades_by_value() {
    let mut rig = Rig::started(Lang::En);
    rig.skip_to("overall");
    rig.press(KeyCode::Char('0'));
    assert_eq!(rig.draft(), Draft::Scale { picked: None }, "no grade 0");
    rig.press(KeyCode::Char('6'));
    assert_eq!(rig.draft(), Draft::Scale { picked: None }, "no grade 6");
    rig.press(KeyCode::Char('3'));
    assert_eq!(rig.draft(), Draft::Scale { picked: Some(3) });
    assert_eq!(rig.answering().focus, Focus::Item(2));
    rig.tap(Target::Next);
    rig.press(KeyCode::Char('0'));
    assert_eq!(rig.draft(), Draft::Scale { picked: Some(0) }, "NPS has 0");
}

#[test]
fn key_releases_are_not_presses() {
    use crossterm::event::{KeyEvent, KeyEventKind, KeyEventState, KeyModifiers};
    let mut rig = Rig::started(Lang::En);
    let release = KeyEvent {
        code: KeyCode::Char('2'),
        modifiers: KeyModifiers::NONE,
        kind: KeyEventKind::Release,
        state: KeyEventState::NONE,
    };
    rig.wait(1_000);
    assert!(rig.send(Msg::Key(release)).is_empty());
    assert!(matches!(rig.draft(), Draft::Choice { picked: None, .. }));
    // Nor do they count as the respondent still being there.
    assert_eq!(rig.k.last_input_ms, NOW);
}

#[test]
fn tab_cycles_items_next_and_back() {
    let mut rig = Rig::started(Lang::En);
    rig.skip_to("channels");
    rig.press(KeyCode::Tab);
    assert_eq!(rig.answering().focus, Focus::Next);
    rig.press(KeyCode::Tab);
    assert_eq!(rig.answering().focus, Focus::Back);
    rig.press(KeyCode::Tab);
    assert_eq!(rig.answering().focus, Focus::Item(0));
    rig.press(KeyCode::BackTab);
    assert_eq!(rig.answering().focus, Focus::Back);
    rig.press(KeyCode::Enter);
    assert_eq!(rig.qid(), "group");
}

#[test]
fn focus_never_lands_on_a_button_that_is_not_drawn() {
    let mut rig = Rig::started(Lang::En);
    rig.presses(&[KeyCode::Tab, KeyCode::Tab]);
    // Back on the first question is drawn: it leads to the welcome screen.
    assert!(rig.can_tap(80, 24, Target::Back));
    assert_eq!(rig.answering().focus, Focus::Back);
}

#[test]
fn enter_on_the_welcome_screen_starts_in_the_language_shown() {
    let mut rig = Rig::new(desk(), Some(Lang::En), true);
    rig.press(KeyCode::Enter);
    assert_eq!(rig.k.lang, Lang::En);
}

#[test]
fn welcome_keys_choose_the_language() {
    // A digit shows the welcome in that language; the same digit starts.
    let mut rig = Rig::new(desk(), None, true);
    rig.press(KeyCode::Char('2'));
    assert_eq!(rig.k.lang, Lang::Sv);
    assert_eq!(rig.k.screen, Screen::Welcome { focus: 1 });
    rig.press(KeyCode::Char('2'));
    assert_eq!(rig.qid(), "overall");
    // Arrows wrap round the languages and Start.
    let mut rig = Rig::new(desk(), None, true);
    rig.presses(&[KeyCode::Left, KeyCode::Left]);
    assert_eq!(rig.k.screen, Screen::Welcome { focus: 2 });
    rig.press(KeyCode::Char(' '));
    assert_eq!(rig.k.lang, Lang::En);
    assert!(matches!(rig.k.screen, Screen::Welcome { .. }));
    // Start keeps the language on screen; a digit past the list does nothing.
    let mut rig = Rig::new(all_types(), Some(Lang::En), true);
    rig.press(KeyCode::Char('3'));
    // Focus starts on the home language, English (second of fi, en).
    assert_eq!(rig.k.screen, Screen::Welcome { focus: 1 });
    rig.presses(&[KeyCode::Tab, KeyCode::Enter]);
    assert_eq!(rig.k.lang, Lang::En);
    assert_eq!(rig.qid(), "group");
}

// --- Idle timeout -------------------------------------------------------------

#[test]
fn idle_with_nothing_answered_resets_without_a_submit() {
    let mut rig = Rig::started(Lang::En);
    rig.wait(IDLE_MS);
    let effects = rig.send(Msg::Tick);
    assert!(submissions(&effects).is_empty(), "{effects:?}");
    assert_eq!(rig.k.screen, Screen::Welcome { focus: 0 });
    assert_eq!(rig.k.lang, Lang::Fi);
}

#[test]
fn idle_saves_a_partial_and_leaves_nothing_for_the_next_person() {
    let mut rig = Rig::started(Lang::En);
    rig.press(KeyCode::Char('3'));
    rig.type_text("Secret");
    rig.press(KeyCode::Enter);
    // On the multi question, one option chosen but Next not pressed.
    rig.tap(Target::Item(0));
    rig.wait(IDLE_MS - COUNTDOWN_MS - 1);
    assert!(rig.send(Msg::Tick).is_empty());
    assert_eq!(rig.k.counting_down(rig.now), None);
    rig.wait(COUNTDOWN_MS - 4_000);
    assert_eq!(rig.k.counting_down(rig.now), Some(4_001));
    assert!(rig.send(Msg::Tick).is_empty(), "the countdown only shows");
    assert_eq!(rig.qid(), "channels");
    rig.wait(4_001);
    let effects = rig.send(Msg::Tick);
    assert_eq!(
        submissions(&effects),
        [&Submission {
            answers: [
                (
                    "group".to_owned(),
                    Answer::Choice(Picked::Other("Secret".into()))
                ),
                (
                    "channels".to_owned(),
                    Answer::Multi {
                        options: vec!["phone".into()],
                        other: None
                    }
                ),
            ]
            .into(),
            complete: false,
            lang: Lang::En,
            started_ms: NOW,
        }]
    );
    // Welcome, in the home language, with focus on the first button.
    assert_eq!(rig.k.screen, Screen::Welcome { focus: 0 });
    assert_eq!(rig.k.lang, Lang::Fi);
    assert!(rig.k.pin.is_none());
    // The partial's reply leaves the welcome screen alone.
    assert!(rig.send(Msg::Saved(Ok(()))).is_empty());
    assert_eq!(rig.k.screen, Screen::Welcome { focus: 0 });

    // The next person starts clean, also after Back.
    rig.tap(Target::Start);
    let a = rig.answering();
    assert!(!a.walk.has_answers());
    assert_eq!(a.drafts.len(), 1);
    assert_eq!(
        rig.draft(),
        Draft::Choice {
            picked: None,
            other: Default::default()
        }
    );
    assert_eq!(a.started_ms, rig.now);
    rig.tap(Target::Back);
    rig.tap(Target::Start);
    assert_eq!(rig.qid(), "group");
    rig.tap(Target::Item(0));
    rig.tap(Target::Next);
    assert_eq!(
        rig.draft(),
        Draft::Multi {
            picked: BTreeSet::new(),
            other: Default::default()
        }
    );
}

#[test]
fn a_key_during_the_countdown_only_says_still_here() {
    let mut rig = Rig::started(Lang::En);
    rig.wait(IDLE_MS - 3_000);
    assert!(rig.k.counting_down(rig.now).is_some());
    assert!(rig.layout(80, 24).overlay().is_some());
    rig.press(KeyCode::Char('1'));
    assert_eq!(
        rig.draft(),
        Draft::Choice {
            picked: None,
            other: Default::default()
        },
        "the key is not also an answer"
    );
    assert_eq!(rig.k.counting_down(rig.now), None);
    assert!(rig.layout(80, 24).overlay().is_none());
    // A full timeout later it resets.
    rig.wait(IDLE_MS);
    rig.send(Msg::Tick);
    assert_eq!(rig.k.screen, Screen::Welcome { focus: 0 });
}

#[test]
fn a_tap_during_the_countdown_keeps_the_respondent() {
    let mut rig = Rig::started(Lang::En);
    rig.wait(IDLE_MS - 1_000);
    rig.send(Msg::TapElsewhere);
    rig.wait(1_000);
    assert!(rig.send(Msg::Tick).is_empty());
    assert_eq!(rig.qid(), "group");
}

#[test]
fn next_deadline_sleeps_on_welcome_and_wakes_for_the_countdown() {
    let mut rig = Rig::new(all_types(), None, true);
    assert_eq!(rig.k.next_deadline_ms(rig.now), None);
    rig.wait(10 * IDLE_MS);
    assert_eq!(rig.k.next_deadline_ms(rig.now), None);
    assert!(rig.send(Msg::Tick).is_empty());
    let demo = Rig::new(all_types(), None, false);
    assert_eq!(demo.k.next_deadline_ms(demo.now), None);

    rig.tap(Target::Start);
    let start = rig.now;
    assert_eq!(
        rig.k.next_deadline_ms(rig.now),
        Some(start + IDLE_MS - COUNTDOWN_MS)
    );
    // During the countdown, once a second, never past the reset.
    rig.wait(IDLE_MS - COUNTDOWN_MS + 300);
    assert_eq!(
        rig.k.next_deadline_ms(rig.now),
        Some(start + IDLE_MS - COUNTDOWN_MS + 1_000)
    );
    rig.wait(COUNTDOWN_MS - 300 - 10);
    assert_eq!(rig.k.next_deadline_ms(rig.now), Some(start + IDLE_MS));

    // Saving waits for the store, with no deadline; Thanks has its own.
    let mut rig = Rig::started(Lang::En);
    rig.finish();
    assert_eq!(rig.k.screen, Screen::Saving);
    assert_eq!(rig.k.next_deadline_ms(rig.now), None);
    rig.send(Msg::Saved(Ok(())));
    assert_eq!(rig.k.next_deadline_ms(rig.now), Some(rig.now + THANKS_MS));
}

// --- After the last question ----------------------------------------------------

fn saving() -> Rig {
    let mut rig = Rig::started(Lang::En);
    let effects = rig.finish();
    assert_eq!(submissions(&effects).len(), 1);
    assert!(submissions(&effects)[0].complete);
    assert_eq!(rig.k.screen, Screen::Saving);
    rig
}

#[test]
fn saved_ok_thanks_then_welcome_after_the_deadline() {
    let mut rig = saving();
    // Keys while saving do nothing.
    assert!(rig.press(KeyCode::Enter).is_empty());
    assert_eq!(rig.k.screen, Screen::Saving);
    rig.send(Msg::Saved(Ok(())));
    assert_eq!(
        rig.k.screen,
        Screen::Thanks {
            until_ms: rig.now + THANKS_MS
        }
    );
    rig.wait(THANKS_MS - 1);
    rig.send(Msg::Tick);
    assert!(matches!(rig.k.screen, Screen::Thanks { .. }));
    rig.wait(1);
    rig.send(Msg::Tick);
    assert_eq!(rig.k.screen, Screen::Welcome { focus: 0 });
    assert_eq!(rig.k.lang, Lang::Fi);
}

#[test]
fn saved_err_failed_then_welcome_after_the_deadline() {
    let mut rig = saving();
    let effects = rig.send(Msg::Saved(Err("No space left on device".into())));
    assert_eq!(
        rig.k.screen,
        Screen::Failed {
            until_ms: rig.now + FAILED_MS
        }
    );
    // The error goes to the log, never to the screen.
    assert!(matches!(effects.as_slice(), [Effect::Log(l)] if l.contains("No space")));
    assert!(!rig.screen_text(80, 24).contains("No space"));
    assert!(rig.screen_text(80, 24).contains("Please tell the staff."));
    rig.wait(FAILED_MS - 1);
    rig.send(Msg::Tick);
    assert!(matches!(rig.k.screen, Screen::Failed { .. }));
    rig.wait(1);
    rig.send(Msg::Tick);
    assert_eq!(rig.k.screen, Screen::Welcome { focus: 0 });
}

#[test]
fn any_key_or_tap_leaves_thanks_and_failed_at_once() {
    for reply in [Ok(()), Err("gone".to_owned())] {
        for input in [
            key(KeyCode::Char('x')),
            key(KeyCode::Enter),
            key(KeyCode::Esc),
            Msg::TapElsewhere,
            Msg::Tap(Target::Next),
        ] {
            let mut rig = saving();
            rig.send(Msg::Saved(reply.clone()));
            assert!(rig.send(input.clone()).is_empty());
            assert_eq!(rig.k.screen, Screen::Welcome { focus: 0 }, "{input:?}");
            assert_eq!(rig.k.lang, Lang::Fi);
        }
    }
}

// --- Pasted text ----------------------------------------------------------------

/// A megabyte of text with escape sequences and controls throughout.
fn hostile_megabyte() -> String {
    let chunk = "ok\u{1b}[2J\u{1b}]0;pwned\u{7}\u{1b}[31m\r\n\u{9b}1m\u{0}\t";
    let mut s = String::from("\u{1b}[31mred\u{1b}[0m ");
    while s.len() < 1 << 20 {
        s.push_str(chunk);
    }
    s
}

fn is_clean(s: &str) -> bool {
    !s.chars().any(crate::core::sanitize::is_forbidden)
}

#[test]
fn a_pasted_megabyte_becomes_a_bounded_clean_answer() {
    let mut rig = Rig::started(Lang::En);
    rig.skip_to("why");
    rig.send(Msg::Paste(hostile_megabyte()));
    let text = match rig.draft() {
        Draft::Text { field } => field.text().to_owned(),
        d => panic!("{d:?}"),
    };
    assert!(text.chars().count() <= 20, "{text:?}");
    assert!(is_clean(&text), "{text:?}");
    assert!(text.starts_with("red ok"), "{text:?}");
    // More pasting adds nothing past the limit.
    rig.send(Msg::Paste("more".into()));
    match rig.draft() {
        Draft::Text { field } => assert_eq!(field.text(), text),
        d => panic!("{d:?}"),
    }
    rig.tap(Target::Back);
    let answer = &rig.answering().walk.answers()["why"];
    match answer {
        Answer::Text(t) => {
            assert!(t.chars().count() <= 20 && is_clean(t), "{t:?}");
            assert_eq!(t, text.trim());
        }
        a => panic!("{a:?}"),
    }
    // The frame shows no escape either.
    rig.tap(Target::Next);
    assert!(is_clean(&rig.screen_text(80, 24).replace('\n', "")));
}

#[test]
fn a_pasted_megabyte_into_other_is_bounded_by_the_other_limit() {
    let mut rig = Rig::started(Lang::En);
    rig.tap(Target::Item(2));
    rig.send(Msg::Paste(hostile_megabyte()));
    rig.tap(Target::Next);
    assert_eq!(rig.qid(), "channels");
    match &rig.answering().walk.answers()["group"] {
        Answer::Choice(Picked::Other(t)) => {
            assert!(
                t.chars().count() <= crate::core::answer::OTHER_MAX_LEN as usize,
                "{}",
                t.len()
            );
            assert!(is_clean(t));
        }
        a => panic!("{a:?}"),
    }
}

#[test]
fn paste_into_a_number_keeps_digits_and_paste_elsewhere_is_ignored() {
    let mut rig = Rig::started(Lang::En);
    // No field on screen: a paste changes nothing.
    let before = rig.draft();
    rig.send(Msg::Paste("1".into()));
    assert_eq!(rig.draft(), before);
    rig.skip_to("visits");
    rig.send(Msg::Paste("1\u{1b}[2J2\u{1b}]0;x\u{7}3 apples".into()));
    match rig.draft() {
        Draft::Number { field } => assert_eq!(field.text(), "123"),
        d => panic!("{d:?}"),
    }
}
