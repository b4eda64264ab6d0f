//! The key rules of issue 12: Back lands on the saved answer, Enter never
//! changes an answer, digits (two of them for 10 and up) choose, and the
//! language can be changed before starting and on every question.

use std::collections::BTreeSet;

use crossterm::event::KeyCode;

use super::*;
use crate::ui::kiosk::state::Focus;

#[test]
fn back_then_enter_keeps_a_rating() {
    let mut rig = Rig::started(Lang::En);
    rig.skip_to("overall");
    rig.press(KeyCode::Char('4'));
    rig.press(KeyCode::Enter);
    assert_eq!(rig.qid(), "recommend");
    rig.press(KeyCode::PageUp);
    assert_eq!(rig.qid(), "overall");
    assert_eq!(
        rig.answering().focus,
        Focus::Item(3),
        "focus on the saved 4"
    );
    rig.press(KeyCode::Enter);
    assert_eq!(rig.qid(), "recommend");
    rig.press(KeyCode::PageUp);
    assert_eq!(rig.draft(), Draft::Scale { picked: Some(4) });
}

#[test]
fn back_then_enter_keeps_nps_ten() {
    let mut rig = Rig::started(Lang::En);
    rig.skip_to("recommend");
    rig.tap(Target::Item(10));
    rig.tap(Target::Next);
    assert_eq!(rig.qid(), "solved");
    rig.press(KeyCode::PageUp);
    assert_eq!(rig.answering().focus, Focus::Item(10));
    rig.press(KeyCode::Enter);
    assert_eq!(rig.qid(), "solved");
    rig.press(KeyCode::PageUp);
    assert_eq!(rig.draft(), Draft::Scale { picked: Some(10) });
}

#[test]
fn enter_on_a_multi_moves_on_with_every_tick() {
    let mut rig = Rig::started(Lang::En);
    rig.skip_to("channels");
    rig.type_text("12");
    rig.press(KeyCode::Enter);
    assert_eq!(rig.qid(), "priorities", "Enter moves on");
    rig.press(KeyCode::PageUp);
    match rig.draft() {
        Draft::Multi { picked, .. } => assert_eq!(picked, BTreeSet::from([0, 1])),
        d => panic!("{d:?}"),
    }
}

#[test]
fn enter_on_a_single_choice_keeps_the_choice_whatever_has_focus() {
    let mut rig = Rig::started(Lang::En);
    rig.press(KeyCode::Char('2'));
    rig.press(KeyCode::Up);
    assert_eq!(rig.answering().focus, Focus::Item(0));
    rig.press(KeyCode::Enter);
    assert_eq!(rig.qid(), "channels");
    assert_eq!(
        rig.answering().walk.answers()["group"],
        crate::core::answer::Answer::Choice(crate::core::answer::Picked::Option("staff".into()))
    );
}

#[test]
fn enter_with_nothing_chosen_chooses_the_focused_grade() {
    let mut rig = Rig::started(Lang::En);
    rig.skip_to("overall");
    rig.presses(&[KeyCode::Right, KeyCode::Right, KeyCode::Enter]);
    assert_eq!(rig.qid(), "recommend");
    rig.press(KeyCode::PageUp);
    assert_eq!(rig.draft(), Draft::Scale { picked: Some(3) });
}

#[test]
fn one_then_zero_types_ten() {
    let mut rig = Rig::started(Lang::En);
    rig.skip_to("recommend");
    rig.press(KeyCode::Char('1'));
    rig.wait(300);
    rig.press(KeyCode::Char('0'));
    assert_eq!(rig.draft(), Draft::Scale { picked: Some(10) });
    rig.press(KeyCode::Enter);
    assert_eq!(rig.qid(), "solved");
}

#[test]
fn one_alone_is_one_after_the_window() {
    let mut rig = Rig::started(Lang::En);
    rig.skip_to("recommend");
    rig.press(KeyCode::Char('1'));
    assert_eq!(rig.draft(), Draft::Scale { picked: None }, "waits for a 0");
    let deadline = rig.k.next_deadline_ms(rig.now).unwrap();
    assert!(
        deadline <= rig.now + 1_000,
        "wakes for the window: {deadline}"
    );
    rig.now = deadline;
    rig.send(Msg::Tick);
    assert_eq!(rig.draft(), Draft::Scale { picked: Some(1) });
    // A 0 after the window is a 0 of its own.
    rig.wait(2_000);
    rig.press(KeyCode::Char('0'));
    assert_eq!(rig.draft(), Draft::Scale { picked: Some(0) });
}

#[test]
fn one_then_enter_is_one() {
    let mut rig = Rig::started(Lang::En);
    rig.skip_to("recommend");
    rig.press(KeyCode::Char('1'));
    rig.press(KeyCode::Enter);
    assert_eq!(rig.qid(), "solved");
    rig.press(KeyCode::PageUp);
    assert_eq!(rig.draft(), Draft::Scale { picked: Some(1) });
}

#[test]
fn a_number_out_of_range_says_so_in_the_language_on_screen() {
    let mut rig = Rig::started(Lang::Fi);
    rig.skip_to("overall");
    rig.press(KeyCode::Char('7'));
    assert_eq!(rig.draft(), Draft::Scale { picked: None });
    assert_eq!(rig.notice().as_deref(), Some("Anna luku väliltä 1 – 5"));
    let mut rig = Rig::started(Lang::En);
    rig.press(KeyCode::Char('9'));
    assert_eq!(rig.notice().as_deref(), Some("Give a number from 1 to 3"));
}

#[test]
fn the_footer_says_how_to_type_ten() {
    let mut rig = Rig::started(Lang::En);
    rig.skip_to("recommend");
    let text = rig.screen_text(80, 24);
    assert!(text.contains("1 0 = 10"), "{text}");
    rig.tap(Target::Next);
    rig.skip_to("solved");
    assert!(!rig.screen_text(80, 24).contains("1 0 = 10"));
}

// --- Language and a way back -------------------------------------------------

#[test]
fn a_language_chosen_on_the_welcome_screen_shows_the_welcome_in_it() {
    let mut rig = Rig::new(desk(), None, false);
    rig.press(KeyCode::Char('2'));
    assert!(
        matches!(rig.k.screen, Screen::Welcome { .. }),
        "not started"
    );
    assert_eq!(rig.k.lang, Lang::Sv);
    let text = rig.screen_text(80, 24);
    assert!(text.contains("Börja"), "{text}");
    assert!(
        text.contains("DEMOLÄGE"),
        "the banner speaks Swedish: {text}"
    );
    // A tap on another language also only shows it; Start starts.
    rig.tap(Target::Lang(Lang::En));
    assert!(matches!(rig.k.screen, Screen::Welcome { .. }));
    assert!(rig.screen_text(80, 24).contains("DEMO MODE"));
    rig.press(KeyCode::Enter);
    assert_eq!(rig.k.lang, Lang::En);
    assert_eq!(rig.qid(), "overall");
}

#[test]
fn the_language_switches_on_a_question_by_key_and_by_tap() {
    let mut rig = Rig::started(Lang::Fi);
    rig.press(KeyCode::Char('2'));
    rig.press(KeyCode::F(2));
    assert_eq!(rig.k.lang, Lang::En);
    assert_eq!(rig.qid(), "group", "same question");
    assert!(matches!(
        rig.draft(),
        Draft::Choice {
            picked: Some(1),
            ..
        }
    ));
    let (lang, r) = rig.question_layout(80, 24).langs[0];
    assert_eq!(lang, Lang::Fi, "the other language is offered");
    assert_eq!(
        rig.layout(80, 24).hit(r.x, r.y),
        Some(Target::Lang(Lang::Fi))
    );
    rig.tap(Target::Lang(Lang::Fi));
    assert_eq!(rig.k.lang, Lang::Fi);
}

#[test]
fn back_on_the_first_question_returns_to_the_welcome_screen_and_keeps_the_answer() {
    let mut rig = Rig::started(Lang::En);
    rig.press(KeyCode::Char('2'));
    assert!(rig.can_tap(80, 24, Target::Back), "Back is drawn");
    rig.press(KeyCode::PageUp);
    assert!(matches!(rig.k.screen, Screen::Welcome { .. }));
    assert!(!rig.k.is_idle(), "a respondent is still there");
    rig.press(KeyCode::Char('1'));
    assert_eq!(rig.k.lang, Lang::Fi);
    rig.tap(Target::Start);
    assert_eq!(rig.qid(), "group");
    assert!(matches!(
        rig.draft(),
        Draft::Choice {
            picked: Some(1),
            ..
        }
    ));
    // Left on the welcome screen, the answer is saved as partial on idle.
    rig.press(KeyCode::PageUp);
    rig.wait(IDLE_MS);
    let effects = rig.send(Msg::Tick);
    assert_eq!(submissions(&effects).len(), 1, "{effects:?}");
    assert!(rig.k.is_idle());
}
