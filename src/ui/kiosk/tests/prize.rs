//! The prize-draw form: offered only after the response is stored, its
//! contact details handed over on their own, never with the answers.

use std::sync::Arc;

use crossterm::event::KeyCode;

use super::*;
use crate::core::survey::Survey;
use crate::core::validate::survey_from_str;
use crate::ui::kiosk::layout::Target;
use crate::ui::kiosk::msg::{Effect, Msg};
use crate::ui::kiosk::state::Screen;

/// The service-promise survey: its prize draw asks for name and phone.
fn promise() -> Arc<Survey> {
    Arc::new(survey_from_str(include_str!("../../../../surveys/palvelulupaus.toml")).unwrap())
}

/// A rig on the prize form: survey answered, response stored.
fn on_the_form() -> Rig {
    let mut rig = Rig::new(promise(), Some(Lang::En), true);
    rig.press(KeyCode::Enter);
    let effects = rig.finish();
    assert_eq!(submissions(&effects).len(), 1, "{effects:?}");
    assert_eq!(
        rig.k.screen,
        Screen::Saving,
        "nothing is offered before the store answers"
    );
    rig.send(Msg::Saved(Ok(())));
    assert!(
        matches!(rig.k.screen, Screen::Prize(_)),
        "{:?}",
        rig.k.screen
    );
    rig
}

#[test]
fn the_draw_is_offered_only_after_the_response_is_stored() {
    let mut rig = Rig::new(promise(), Some(Lang::En), true);
    rig.press(KeyCode::Enter);
    rig.finish();
    rig.send(Msg::Saved(Err("disk full".into())));
    assert!(matches!(rig.k.screen, Screen::Failed { .. }));
    // A survey without a draw goes straight to the thank-you screen.
    let mut rig = Rig::new(desk(), Some(Lang::En), true);
    rig.press(KeyCode::Enter);
    rig.finish();
    rig.send(Msg::Saved(Ok(())));
    assert!(matches!(rig.k.screen, Screen::Thanks { .. }));
}

#[test]
fn joining_hands_over_only_the_contact_details() {
    let mut rig = on_the_form();
    rig.type_text("Maija Meikäläinen");
    rig.press(KeyCode::Enter);
    rig.type_text("040 123 4567");
    let effects = rig.tap(Target::Next);
    assert_eq!(
        effects[0],
        Effect::PrizeEntry(vec![
            ("name".into(), "Maija Meikäläinen".into()),
            ("phone".into(), "040 123 4567".into()),
        ])
    );
    // Nothing else travels with it: no response, no id, no time.
    assert!(effects.iter().all(|e| !matches!(e, Effect::Submit(_))));
    assert_eq!(rig.k.screen, Screen::Saving);
    rig.send(Msg::PrizeSaved(Ok(())));
    assert!(matches!(rig.k.screen, Screen::Thanks { .. }));
}

/// The confirmation (the thank-you screen) comes only once the entry is
/// durable: until then "Saving…" shows and keys do nothing.
#[test]
fn the_confirmation_waits_until_the_entry_is_stored() {
    let mut rig = on_the_form();
    rig.type_text("Maija");
    let effects = rig.tap(Target::Next);
    assert!(matches!(effects[0], Effect::PrizeEntry(_)), "{effects:?}");
    assert_eq!(rig.k.screen, Screen::Saving);
    assert!(rig.press(KeyCode::Enter).is_empty());
    assert!(rig.tap(Target::Back).is_empty());
    assert_eq!(rig.k.screen, Screen::Saving);
    // A failed entry is logged by the loop; the respondent is thanked.
    rig.send(Msg::PrizeSaved(Err("disk full".into())));
    assert!(matches!(rig.k.screen, Screen::Thanks { .. }));
}

/// A log line at the moment of an entry would sit next to the
/// "response stored" line of the same respondent.
#[test]
fn joining_writes_no_log_line() {
    let mut rig = on_the_form();
    rig.type_text("Maija");
    let effects = rig.tap(Target::Next);
    assert!(matches!(effects[0], Effect::PrizeEntry(_)), "{effects:?}");
    assert!(
        effects.iter().all(|e| !matches!(e, Effect::Log(_))),
        "{effects:?}"
    );
}

#[test]
fn bad_details_get_a_notice_and_nothing_is_handed_over() {
    let mut rig = on_the_form();
    assert!(rig.tap(Target::Next).is_empty());
    assert!(prize_notice(&rig).is_some_and(|n| n.contains("at least one field")));
    rig.press(KeyCode::Tab);
    rig.type_text("abc");
    assert!(rig.tap(Target::Next).is_empty());
    assert_eq!(
        prize_notice(&rig).as_deref(),
        Some("Please check the phone number.")
    );
}

#[test]
fn skipping_and_walking_away_store_nothing() {
    let mut rig = on_the_form();
    rig.type_text("Maija");
    assert!(rig.tap(Target::Back).is_empty());
    assert!(matches!(rig.k.screen, Screen::Thanks { .. }));

    let mut rig = on_the_form();
    rig.type_text("Maija");
    rig.wait(IDLE_MS);
    assert!(
        rig.send(Msg::Tick)
            .iter()
            .all(|e| matches!(e, Effect::Log(_)))
    );
    assert!(matches!(rig.k.screen, Screen::Welcome { .. }));
}

#[test]
fn the_form_by_keys() {
    let mut rig = on_the_form();
    rig.type_text("Maija");
    rig.presses(&[KeyCode::Tab, KeyCode::Tab]);
    let effects = rig.press(KeyCode::Enter);
    assert_eq!(
        effects[0],
        Effect::PrizeEntry(vec![("name".into(), "Maija".into())])
    );
}

#[test]
fn prize_form_snapshots() {
    let mut rig = on_the_form();
    rig.type_text("Maija");
    for (w, h) in SIZES {
        snap(&format!("prize_form_en_{w}x{h}"), &rig, w, h);
    }
}

fn prize_notice(rig: &Rig) -> Option<String> {
    match &rig.k.screen {
        Screen::Prize(form) => form.notice.clone(),
        _ => None,
    }
}

/// With `delete_after`, the respondent reads when the contacts go, in
/// their language, after the privacy text.
#[test]
fn the_form_says_when_the_contacts_are_deleted() {
    let text = include_str!("../../../../surveys/palvelulupaus.toml").replacen(
        "[prize_draw]\n",
        "[prize_draw]\ndelete_after = \"2026-06-30\"\n",
        1,
    );
    let survey = Arc::new(survey_from_str(&text).unwrap());
    for (lang, words) in [
        (Lang::Fi, "Yhteystiedot poistetaan 2026-06-30 jälkeen."),
        (Lang::Sv, "Kontaktuppgifterna raderas efter 2026-06-30."),
        (
            Lang::En,
            "The contact details are deleted after 2026-06-30.",
        ),
    ] {
        let mut rig = Rig::new(survey.clone(), Some(lang), true);
        rig.press(KeyCode::Enter);
        rig.finish();
        rig.send(Msg::Saved(Ok(())));
        assert!(matches!(rig.k.screen, Screen::Prize(_)));
        let shown = rig
            .screen_text(200, 60)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        assert!(shown.contains(words), "{lang:?}: {shown}");
    }
    // Without it, nothing is added (the snapshots above).
    let rig = on_the_form();
    assert!(!rig.screen_text(200, 60).contains("deleted after"));
}
