//! Every screen and question type drawn at 40x12, 80x24 and 200x60, in
//! Finnish and English (Swedish at 80x24), as insta snapshots without
//! colour; then the selection checked cell by cell, since a snapshot
//! cannot show reverse video.

use crossterm::event::KeyCode;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Modifier;

use super::*;
use crate::ui::kiosk::state::Focus;
use crate::ui::theme::Scheme;

/// Snapshots `build(lang)` in Finnish and English at every size, as
/// `{name}_{lang}_{w}x{h}`.
fn each(name: &str, build: impl Fn(Lang) -> Rig) {
    for lang in [Lang::Fi, Lang::En] {
        let rig = build(lang);
        for (w, h) in SIZES {
            snap(&format!("{name}_{lang}_{w}x{h}"), &rig, w, h);
        }
    }
}

/// A typed text per language, so snapshots read naturally.
fn say(lang: Lang, fi: &str, en: &str) -> String {
    match lang {
        Lang::Fi => fi.to_owned(),
        _ => en.to_owned(),
    }
}

/// The every-type survey started in `lang` and answered plainly up to `id`.
fn at(lang: Lang, id: &str) -> Rig {
    let mut rig = Rig::started(lang);
    rig.skip_to(id);
    rig
}

/// The demo survey started in `lang` and answered plainly up to `id`.
fn desk_at(lang: Lang, id: &str) -> Rig {
    let mut rig = Rig::new(desk(), Some(lang), true);
    rig.tap(Target::Start);
    rig.skip_to(id);
    rig
}

// --- Welcome ------------------------------------------------------------

#[test]
fn welcome_locked() {
    each("welcome", |lang| Rig::new(desk(), Some(lang), true));
}

#[test]
fn welcome_demo_mode_has_the_banner() {
    each("welcome_demo", |lang| Rig::new(desk(), Some(lang), false));
}

#[test]
fn welcome_every_type_survey() {
    let rig = Rig::new(all_types(), Some(Lang::En), true);
    snap("welcome_all_types_en_80x24", &rig, 80, 24);
}

#[test]
fn welcome_swedish() {
    snap(
        "welcome_sv_80x24",
        &Rig::new(desk(), Some(Lang::Sv), true),
        80,
        24,
    );
    snap(
        "welcome_demo_sv_80x24",
        &Rig::new(desk(), Some(Lang::Sv), false),
        80,
        24,
    );
}

#[test]
fn welcome_big_title() {
    let big = Theme {
        scheme: Scheme::Mono,
        big_text: true,
    };
    for (w, h) in [(80, 24), (200, 60)] {
        let rig = Rig::new(desk(), Some(Lang::En), true);
        snap_with(&format!("welcome_big_title_en_{w}x{h}"), &rig, w, h, big);
    }
}

// --- Every question type --------------------------------------------------

#[test]
fn question_choice_with_other_typed() {
    each("question_choice", |lang| {
        let mut rig = Rig::started(lang);
        rig.press(KeyCode::Char('3'));
        rig.type_text(&say(lang, "Naapuri", "Neighbour"));
        rig
    });
}

#[test]
fn question_multi_two_picked() {
    each("question_multi", |lang| {
        let mut rig = at(lang, "channels");
        rig.tap(Target::Item(0));
        rig.tap(Target::Item(2));
        rig
    });
}

#[test]
fn question_ranking_in_order() {
    each("question_ranking", |lang| {
        let mut rig = at(lang, "priorities");
        rig.presses(&[KeyCode::Char('3'), KeyCode::Char('1')]);
        rig
    });
}

#[test]
fn question_rating_graded() {
    each("question_rating", |lang| {
        let mut rig = at(lang, "overall");
        rig.press(KeyCode::Char('4'));
        rig
    });
}

#[test]
fn question_rating_with_end_labels() {
    each("question_rating_labels", |lang| {
        let mut rig = desk_at(lang, "overall");
        rig.press(KeyCode::Char('4'));
        rig
    });
}

#[test]
fn question_nps_long_text() {
    each("question_nps", |lang| {
        let mut rig = desk_at(lang, "recommend");
        rig.press(KeyCode::Char('8'));
        rig
    });
}

#[test]
fn question_yesno_answered() {
    each("question_yesno", |lang| {
        let mut rig = at(lang, "solved");
        rig.tap(Target::Item(0));
        rig
    });
}

#[test]
fn question_number_typed() {
    each("question_number", |lang| {
        let mut rig = at(lang, "visits");
        rig.type_text("42");
        rig
    });
}

#[test]
fn question_text_with_cursor() {
    each("question_text", |lang| {
        let mut rig = at(lang, "why");
        rig.type_text(&say(lang, "Jono oli pitkä", "The queue was long"));
        rig.presses(&[KeyCode::Left, KeyCode::Left, KeyCode::Left, KeyCode::Left]);
        rig
    });
}

#[test]
fn question_long_choice_list() {
    each("question_choice_long", |lang| {
        let mut rig = desk_at(lang, "group");
        rig.press(KeyCode::Char('5'));
        rig.type_text(&say(lang, "Opiskelija", "Student"));
        rig
    });
}

#[test]
fn question_with_required_notice() {
    each("question_notice", |lang| {
        let mut rig = Rig::started(lang);
        rig.tap(Target::Next);
        rig
    });
}

#[test]
fn questions_in_swedish() {
    let mut rig = desk_at(Lang::Sv, "overall");
    rig.tap(Target::Next);
    snap("question_notice_sv_80x24", &rig, 80, 24);
    rig.press(KeyCode::Char('4'));
    snap("question_rating_labels_sv_80x24", &rig, 80, 24);
    let mut rig = desk_at(Lang::Sv, "compared");
    rig.press(KeyCode::Char('2'));
    snap("question_choice_sv_80x24", &rig, 80, 24);
    let mut rig = desk_at(Lang::Sv, "improve");
    rig.type_text("Kortare kö");
    snap("question_text_sv_80x24", &rig, 80, 24);
    let mut rig = desk_at(Lang::Sv, "recommend");
    rig.press(KeyCode::Char('9'));
    snap("question_nps_sv_80x24", &rig, 80, 24);
}

// --- Overlays -------------------------------------------------------------

#[test]
fn idle_countdown_overlay() {
    each("countdown", |lang| {
        let mut rig = at(lang, "channels");
        rig.tap(Target::Item(1));
        rig.wait(IDLE_MS - 5_000);
        rig
    });
}

#[test]
fn pin_prompt_overlay() {
    each("pin_prompt", |lang| {
        let mut rig = Rig::new(desk(), Some(lang), true);
        rig.send(chord());
        rig.type_text("12");
        rig
    });
}

#[test]
fn pin_wrong_overlay() {
    each("pin_wrong", |lang| {
        let mut rig = Rig::new(desk(), Some(lang), true);
        rig.send(chord());
        rig.type_text("1111");
        rig.press(KeyCode::Enter);
        rig
    });
}

#[test]
fn pin_locked_overlay() {
    let mut rig = Rig::new(desk(), Some(Lang::Fi), true);
    rig.send(chord());
    for _ in 0..crate::ui::kiosk::state::PIN_TRIES {
        rig.type_text("0000");
        rig.press(KeyCode::Enter);
    }
    rig.wait(1_500);
    for lang in [Lang::Fi, Lang::En] {
        rig.k.lang = lang;
        for (w, h) in SIZES {
            snap(&format!("pin_locked_{lang}_{w}x{h}"), &rig, w, h);
        }
    }
}

// --- After the last question ------------------------------------------------

fn finished(survey: Arc<Survey>, lang: Lang, reply: Option<Result<(), String>>) -> Rig {
    let mut rig = Rig::new(survey, Some(lang), true);
    rig.tap(Target::Start);
    assert_eq!(submissions(&rig.finish()).len(), 1);
    if let Some(reply) = reply {
        rig.send(Msg::Saved(reply));
    }
    rig
}

#[test]
fn saving_screen() {
    each("saving", |lang| finished(all_types(), lang, None));
}

#[test]
fn thanks_screen() {
    each("thanks", |lang| finished(desk(), lang, Some(Ok(()))));
    snap(
        "thanks_sv_80x24",
        &finished(desk(), Lang::Sv, Some(Ok(()))),
        80,
        24,
    );
    // A survey without its own thank-you text gets kioski's.
    snap(
        "thanks_default_en_80x24",
        &finished(all_types(), Lang::En, Some(Ok(()))),
        80,
        24,
    );
}

#[test]
fn failed_screen() {
    each("failed", |lang| {
        finished(desk(), lang, Some(Err("disk full".into())))
    });
    snap(
        "failed_sv_80x24",
        &finished(desk(), Lang::Sv, Some(Err("disk full".into()))),
        80,
        24,
    );
}

#[test]
fn too_small() {
    let rig = at(Lang::En, "channels");
    for (w, h) in [(39, 12), (40, 11), (20, 5)] {
        assert_eq!(rig.layout(w, h), Layout::TooSmall, "{w}x{h}");
        snap(&format!("too_small_{w}x{h}"), &rig, w, h);
    }
    assert_ne!(rig.layout(40, 12), Layout::TooSmall);
}

// --- Selection without colour, cell by cell -----------------------------

/// Every cell of `r` carries `m`.
fn all_have(buf: &Buffer, r: Rect, m: Modifier) -> bool {
    r.positions().all(|p| buf[p].modifier.contains(m))
}

/// No cell of `r` carries `m`.
fn none_have(buf: &Buffer, r: Rect, m: Modifier) -> bool {
    r.positions().all(|p| !buf[p].modifier.contains(m))
}

fn item_rect(layout: &QuestionLayout, i: usize) -> Rect {
    layout
        .items()
        .iter()
        .find(|(j, _)| *j == i)
        .map(|(_, r)| *r)
        .unwrap_or_else(|| panic!("item {i} is not drawn"))
}

fn row_text(buf: &Buffer, r: Rect) -> String {
    r.positions().map(|p| buf[p].symbol().to_owned()).collect()
}

#[test]
fn chosen_option_is_reverse_video_in_every_cell() {
    for (w, h) in SIZES {
        let mut rig = Rig::started(Lang::En);
        rig.tap(Target::Item(1));
        // Focus moves off the options, so only the choice is marked.
        rig.press(KeyCode::Tab);
        assert_eq!(rig.answering().focus, Focus::Next);
        let layout = rig.question_layout(w, h);
        let terminal = rig.draw(w, h);
        let buf = terminal.backend().buffer();
        let picked = item_rect(&layout, 1);
        assert!(all_have(buf, picked, Modifier::REVERSED), "{w}x{h}");
        for i in [0, 2] {
            let r = item_rect(&layout, i);
            assert!(none_have(buf, r, Modifier::REVERSED), "{w}x{h} item {i}");
        }
        assert!(row_text(buf, picked).contains("(•)"), "{w}x{h}");
        // The focused Next button is reverse video and underlined too.
        let next = layout.next;
        assert!(all_have(buf, next, Modifier::REVERSED), "{w}x{h}");
        assert!(all_have(buf, next, Modifier::UNDERLINED), "{w}x{h}");
    }
}

#[test]
fn focused_item_is_marked_and_underlined() {
    for (w, h) in SIZES {
        let mut rig = Rig::started(Lang::Fi);
        rig.press(KeyCode::Down);
        let layout = rig.question_layout(w, h);
        let terminal = rig.draw(w, h);
        let buf = terminal.backend().buffer();
        let focused = item_rect(&layout, 1);
        assert!(all_have(buf, focused, Modifier::UNDERLINED), "{w}x{h}");
        // Focus alone is not a choice: no reverse video.
        assert!(none_have(buf, focused, Modifier::REVERSED), "{w}x{h}");
        assert!(row_text(buf, focused).contains('▶'), "{w}x{h}");
        let other = item_rect(&layout, 0);
        assert!(none_have(buf, other, Modifier::UNDERLINED), "{w}x{h}");
        assert!(!row_text(buf, other).contains('▶'), "{w}x{h}");
    }
}

#[test]
fn chosen_grade_is_reverse_video_in_every_cell() {
    for (w, h) in SIZES {
        let mut rig = at(Lang::En, "overall");
        rig.press(KeyCode::Char('4'));
        rig.press(KeyCode::Tab);
        let layout = rig.question_layout(w, h);
        let terminal = rig.draw(w, h);
        let buf = terminal.backend().buffer();
        assert!(
            all_have(buf, item_rect(&layout, 3), Modifier::REVERSED),
            "{w}x{h}"
        );
        for i in [0, 1, 2, 4] {
            let r = item_rect(&layout, i);
            assert!(none_have(buf, r, Modifier::REVERSED), "{w}x{h} grade {i}");
        }
    }
}

#[test]
fn multi_and_ranking_choices_are_reverse_video() {
    let mut rig = at(Lang::En, "channels");
    rig.tap(Target::Item(0));
    rig.tap(Target::Item(2));
    rig.press(KeyCode::Tab);
    for (w, h) in SIZES {
        let layout = rig.question_layout(w, h);
        let terminal = rig.draw(w, h);
        let buf = terminal.backend().buffer();
        for (i, on) in [(0, true), (1, false), (2, true), (3, false)] {
            let r = item_rect(&layout, i);
            assert_eq!(all_have(buf, r, Modifier::REVERSED), on, "{w}x{h} {i}");
            assert_eq!(none_have(buf, r, Modifier::REVERSED), !on, "{w}x{h} {i}");
        }
    }
    rig.tap(Target::Next);
    rig.tap(Target::Item(2));
    rig.press(KeyCode::Tab);
    let layout = rig.question_layout(80, 24);
    let terminal = rig.draw(80, 24);
    let buf = terminal.backend().buffer();
    assert!(all_have(buf, item_rect(&layout, 2), Modifier::REVERSED));
    assert!(row_text(buf, item_rect(&layout, 2)).contains("#1"));
    assert!(none_have(buf, item_rect(&layout, 0), Modifier::REVERSED));
}

#[test]
fn welcome_language_in_use_is_reverse_video() {
    let rig = Rig::new(desk(), Some(Lang::Sv), true);
    for (w, h) in SIZES {
        let layout = rig.welcome_layout(w, h);
        let terminal = rig.draw(w, h);
        let buf = terminal.backend().buffer();
        for (lang, r) in &layout.langs {
            let on = *lang == Lang::Sv;
            assert_eq!(all_have(buf, *r, Modifier::REVERSED), on, "{w}x{h} {lang}");
        }
    }
}

#[test]
fn text_cursor_cell_is_reverse_video() {
    let mut rig = at(Lang::En, "why");
    rig.type_text("abcdef");
    rig.presses(&[KeyCode::Left, KeyCode::Left]);
    for (w, h) in SIZES {
        let layout = rig.question_layout(w, h);
        let terminal = rig.draw(w, h);
        let buf = terminal.backend().buffer();
        let field = field_rect(&layout);
        let reversed: Vec<String> = field
            .positions()
            .filter(|p| buf[*p].modifier.contains(Modifier::REVERSED))
            .map(|p| buf[p].symbol().to_owned())
            .collect();
        assert_eq!(reversed, ["e"], "{w}x{h}");
    }
}

// --- Text a person needs, cut or missing (known bugs) ---------------------

#[test]
fn number_range_hint_is_whole() {
    let rig = at(Lang::En, "visits");
    for (w, h) in SIZES {
        let text = rig.screen_text(w, h);
        assert!(
            text.contains("Give a number from 0 to 365"),
            "{w}x{h}\n{text}"
        );
    }
}

#[test]
fn ranking_hint_is_whole_at_80x24() {
    let rig = at(Lang::Fi, "priorities");
    let text = rig.screen_text(80, 24);
    assert!(
        text.contains("Uusi valinta poistaa järjestyksestä."),
        "{text}"
    );
}

#[test]
fn nps_end_labels_are_whole_at_40x12() {
    let rig = at(Lang::En, "recommend");
    let text = rig.screen_text(40, 12);
    assert!(text.contains("Not at all likely"), "{text}");
    assert!(text.contains("Extremely likely"), "{text}");
}

#[test]
fn demo_banner_says_how_to_lock_at_40x12() {
    for lang in [Lang::Fi, Lang::En] {
        let rig = Rig::new(desk(), Some(lang), false);
        let text = rig.screen_text(40, 12);
        assert!(text.contains("kioski pin set"), "{text}");
    }
}

#[test]
fn welcome_footer_lists_the_surveys_own_languages() {
    let rig = Rig::new(all_types(), Some(Lang::En), true);
    let text = rig.screen_text(80, 24);
    assert!(text.contains("2 English"), "{text}");
    assert!(!text.contains("Svenska"), "{text}");
}

#[test]
fn text_cursor_stays_in_view_after_home() {
    let mut rig = Rig::new(desk(), Some(Lang::Fi), true);
    rig.tap(Target::Start);
    rig.skip_to("improve");
    rig.type_text(&"pitkä jono ja hidas palvelu ".repeat(8));
    rig.press(KeyCode::Home);
    let layout = rig.question_layout(40, 12);
    let terminal = rig.draw(40, 12);
    let buf = terminal.backend().buffer();
    let field = field_rect(&layout);
    let cursor: Vec<String> = field
        .positions()
        .filter(|p| buf[*p].modifier.contains(Modifier::REVERSED))
        .map(|p| buf[p].symbol().to_owned())
        .collect();
    assert_eq!(cursor, ["p"], "{}", rig.screen_text(40, 12));
}
