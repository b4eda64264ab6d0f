//! The view drawn at 80x24, 100x30 and 200x60 on the seeded demo desk,
//! as insta snapshots without colour; and where clicks land.

use super::*;
use crate::ui::live::view::{Hit, MIN_HEIGHT, MIN_WIDTH};

/// Snapshots `live` at every size as `live_{name}_{w}x{h}`.
fn each(name: &str, live: &Live) {
    for (w, h) in SIZES {
        snap(&format!("{name}_{w}x{h}"), live, w, h);
    }
}

fn lost() -> Source {
    Source::Lost("`kioski kiosk` (pid 4242)".into())
}

#[test]
fn default_view() {
    each("default", &Desk::new().live);
}

#[test]
fn live_through_a_kiosk() {
    let mut d = Desk::new();
    d.live.source = Source::Through("`kioski kiosk` (pid 4242)".into());
    snap("through_80x24", &d.live, 80, 24);
}

#[test]
fn the_kiosk_went_away() {
    let mut d = Desk::new();
    d.live.source = lost();
    each("lost", &d.live);
}

#[test]
fn each_question_type_on_its_own() {
    let mut d = Desk::new();
    for (digit, name) in [('2', "one_visit"), ('3', "compared"), ('5', "recommend")] {
        d.press(KeyCode::Char(digit));
        snap(&format!("{name}_100x30"), &d.live, 100, 30);
    }
}

#[test]
fn grouped_by_a_question() {
    let mut d = Desk::new();
    d.press(KeyCode::Char('g'));
    assert_eq!(
        d.live.grouping().by.as_ref().and_then(By::question),
        Some("one_visit")
    );
    each("by_one_visit", &d.live);
    d.press(KeyCode::Char('g'));
    assert_eq!(
        d.live.grouping().by.as_ref().and_then(By::question),
        Some("compared")
    );
    d.press(KeyCode::Char('5'));
    snap("by_compared_recommend_100x30", &d.live, 100, 30);
}

#[test]
fn per_month() {
    let mut d = Desk::new();
    d.presses(&[KeyCode::Char('p'), KeyCode::Char('p'), KeyCode::Char('p')]);
    assert_eq!(
        d.live.grouping().period,
        Some(crate::core::tally::Period::Month)
    );
    each("period_month", &d.live);
    // Grouped and per month: groups × months, with the margins.
    d.presses(&[KeyCode::Char('g'), KeyCode::Char('g')]);
    snap("by_compared_month_200x60", &d.live, 200, 60);
}

#[test]
fn free_texts() {
    let mut d = Desk::new();
    d.presses(&[KeyCode::Char('4'), KeyCode::Char('t')]);
    assert_eq!(d.live.survey.questions[d.live.selected].id, "improve");
    assert!(d.live.texts);
    each("texts_improve", &d.live);
    // A text question shows its texts without `t` too.
    d.press(KeyCode::Char('t'));
    snap("improve_without_t_80x24", &d.live, 80, 24);
    // The "other" texts of a choice question.
    d.presses(&[KeyCode::Char('6'), KeyCode::Char('t')]);
    snap("texts_group_other_100x30", &d.live, 100, 30);
}

#[test]
fn too_small_a_terminal() {
    let d = Desk::new();
    snap("too_small_59x15", &d.live, 59, 15);
    let asks = |w: u16, h: u16| screen_text(&d.live, w, h).contains("Please enlarge");
    assert!(asks(MIN_WIDTH - 1, MIN_HEIGHT));
    assert!(asks(MIN_WIDTH, MIN_HEIGHT - 1));
    assert!(!asks(MIN_WIDTH, MIN_HEIGHT));
    // Nothing to click on the notice.
    let (_, hits) = draw(&d.live, 59, 15);
    for y in 0..15 {
        for x in 0..59 {
            assert_eq!(hits.at(x, y), None);
        }
    }
}

#[test]
fn no_responses_yet() {
    let live = scanned(&desk(), grouping(OFFSET_MS), OFFSET_MS, &[]);
    snap("empty_80x24", &live, 80, 24);
}

// --- Clicks ---------------------------------------------------------------

/// The columns of the last row holding `text` (one cell per character:
/// the footer is narrow text only).
fn footer_span(terminal: &Terminal<TestBackend>, text: &str) -> Option<(u16, u16)> {
    let buf = terminal.backend().buffer();
    let y = buf.area.height - 1;
    let row: Vec<char> = (0..buf.area.width)
        .map(|x| buf[(x, y)].symbol().chars().next().unwrap_or(' '))
        .collect();
    let needle: Vec<char> = text.chars().collect();
    row.windows(needle.len())
        .position(|w| w == needle.as_slice())
        .map(|x| (x as u16, needle.len() as u16))
}

#[test]
fn the_question_list_rows_select_their_question() {
    let d = Desk::new();
    for (w, h) in [(100, 30), (200, 60)] {
        let (terminal, hits) = draw(&d.live, w, h);
        let buf = terminal.backend().buffer();
        for (i, q) in d.live.survey.questions.iter().enumerate() {
            let y = 6 + i as u16;
            // The row shows the question's id...
            let row: String = (0..25).map(|x| buf[(x, y)].symbol()).collect();
            assert!(row.contains(&q.id), "{row:?} at {w}x{h}");
            // ...and a click anywhere on it selects that question.
            for x in [0, 2, 12, 24] {
                assert_eq!(
                    hits.at(x, y),
                    Some(Hit::Question(i)),
                    "({x}, {y}) at {w}x{h}"
                );
            }
            // The panel beside it is not the list.
            assert_eq!(hits.at(25, y), None);
            assert_eq!(hits.at(60, y), None);
        }
        let below = 6 + d.live.survey.questions.len() as u16;
        assert_eq!(hits.at(0, below), None);
        // Above the body: the header, counts and sparkline.
        for y in 0..6 {
            assert_eq!(hits.at(0, y), None);
        }
    }
}

#[test]
fn narrow_screens_have_prev_and_next_instead_of_the_list() {
    let mut d = Desk::new();
    d.press(KeyCode::Char('3'));
    let (terminal, hits) = draw(&d.live, 80, 24);
    let buf = terminal.backend().buffer();
    let nav: String = (0..9).map(|x| buf[(x, 6)].symbol()).collect();
    assert_eq!(nav, "◀ 3 / 6 ▶");
    assert_eq!(hits.at(0, 6), Some(Hit::Prev));
    assert_eq!(hits.at(8, 6), Some(Hit::Next));
    for x in 1..8 {
        assert_eq!(hits.at(x, 6), None);
    }
    assert!(!(0..24).any(|y| matches!(hits.at(0, y), Some(Hit::Question(_)))));
}

#[test]
fn the_footer_items_are_clickable_where_they_are_drawn() {
    let mut d = Desk::new();
    let check = |live: &Live, w: u16, h: u16, items: &[(&str, Option<Hit>)]| {
        let (terminal, hits) = draw(live, w, h);
        let y = h - 1;
        for (text, hit) in items {
            let (x, len) =
                footer_span(&terminal, text).unwrap_or_else(|| panic!("{text:?} at {w}x{h}"));
            assert_eq!(hits.at(x, y), *hit, "start of {text:?} at {w}x{h}");
            assert_eq!(hits.at(x + len - 1, y), *hit, "end of {text:?} at {w}x{h}");
            // The gap after an item is not part of it.
            assert_eq!(hits.at(x + len, y), None, "after {text:?} at {w}x{h}");
            // Nor the row above.
            if hit.is_some() {
                assert_ne!(hits.at(x, y - 1), *hit, "above {text:?} at {w}x{h}");
            }
        }
    };
    for (w, h) in SIZES {
        check(
            &d.live,
            w,
            h,
            &[
                ("◀", Some(Hit::Prev)),
                ("▶ question", Some(Hit::Next)),
                ("g by: -", Some(Hit::Group)),
                ("p period: -", Some(Hit::Period)),
                ("t texts", Some(Hit::Texts)),
                ("r reload", Some(Hit::Reload)),
                ("q quit", Some(Hit::Quit)),
            ],
        );
    }
    d.presses(&[
        KeyCode::Char('g'),
        KeyCode::Char('g'),
        KeyCode::Char('p'),
        KeyCode::Char('p'),
        KeyCode::Char('p'),
        KeyCode::Char('t'),
    ]);
    check(
        &d.live,
        80,
        24,
        &[
            ("g by: compared", Some(Hit::Group)),
            ("p period: month", Some(Hit::Period)),
            ("t bars", Some(Hit::Texts)),
            ("q quit", Some(Hit::Quit)),
        ],
    );
}

#[test]
fn the_footer_never_runs_past_the_edge() {
    let mut d = Desk::new();
    d.presses(&[KeyCode::Char('g'), KeyCode::Char('g'), KeyCode::Char('p')]);
    for w in MIN_WIDTH..=90 {
        let (_, hits) = draw(&d.live, w, MIN_HEIGHT);
        for x in w..w + 20 {
            assert_eq!(hits.at(x, MIN_HEIGHT - 1), None, "{x} at width {w}");
        }
    }
}

/// Every theme: where each style lands, and a colour theme paints every
/// cell itself.
#[test]
fn every_theme() {
    use crate::ui::theme::Scheme;
    use ratatui::style::Color;
    let d = Desk::new();
    for scheme in Scheme::ALL {
        let theme = Theme {
            scheme,
            big_text: false,
        };
        let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
        terminal
            .draw(|f| {
                view::render(&d.live, NOW, theme, f.area(), f.buffer_mut());
            })
            .unwrap();
        let buf = terminal.backend().buffer();
        if scheme != Scheme::Mono {
            for p in buf.area.positions() {
                let own = |c: Color| matches!(c, Color::Indexed(16..=255));
                assert!(own(buf[p].fg) && own(buf[p].bg), "{scheme:?} at {p:?}");
            }
        }
        let text = crate::ui::buffer_styles(buf);
        let mut settings = Settings::clone_current();
        settings.set_prepend_module_to_snapshot(false);
        settings.set_omit_expression(true);
        settings.bind(|| insta::assert_snapshot!(format!("live_theme_{}", scheme.name()), text));
    }
}

#[test]
fn the_header_counts_suspect_responses_left_out() {
    let survey = desk();
    let mut responses = simulated(&survey, 5, 20, 0);
    for r in responses.iter_mut().filter(|r| r.complete).take(3) {
        r.suspect = true;
    }
    let live = scanned(&survey, grouping(0), 0, &responses);
    let text = screen_text(&live, 120, 30);
    assert!(text.contains("3 suspect left out"), "{text}");
    let with = Grouping {
        include_suspect: true,
        ..grouping(0)
    };
    let live = scanned(&survey, with, 0, &responses);
    assert!(screen_text(&live, 120, 30).contains("3 suspect counted"));
}

// --- Languages --------------------------------------------------------------

/// Every word in the chosen language, the survey's texts too, at the
/// usual sizes and a narrow one.
#[test]
fn in_every_language() {
    for lang in Lang::ALL {
        let mut d = Desk::new();
        d.live.lang = Some(lang);
        d.presses(&[KeyCode::Char('p'), KeyCode::Char('p'), KeyCode::Char('p')]);
        d.press(KeyCode::Char('g'));
        d.press(KeyCode::Char('g'));
        for (w, h) in [(80, 24), (100, 30), (60, 16)] {
            snap(&format!("lang_{lang}_by_month_{w}x{h}"), &d.live, w, h);
        }
        d.press(KeyCode::Char('5'));
        snap(&format!("lang_{lang}_recommend_100x30"), &d.live, 100, 30);
        // A choice question's rows name their top option by its label.
        d.press(KeyCode::Char('6'));
        snap(&format!("lang_{lang}_group_100x30"), &d.live, 100, 30);
        d.presses(&[KeyCode::Char('4'), KeyCode::Char('t')]);
        snap(&format!("lang_{lang}_texts_80x24"), &d.live, 80, 24);
        snap(&format!("lang_{lang}_too_small"), &d.live, 59, 15);
    }
}

#[test]
fn the_words_follow_the_language() {
    let mut d = Desk::new();
    for (lang, words) in [
        (Lang::Fi, ["Reaaliaikainen tulos", "vastausta", "lopeta"]),
        (Lang::Sv, ["Resultat i realtid", "svar", "avsluta"]),
        (Lang::En, ["Live tally", "responses", "quit"]),
    ] {
        d.live.lang = Some(lang);
        let text = screen_text(&d.live, 100, 30);
        for w in words {
            assert!(text.contains(w), "{lang}: no {w:?} in\n{text}");
        }
    }
    // The survey's own texts follow too: the demo survey has all three.
    d.live.lang = Some(Lang::En);
    assert!(screen_text(&d.live, 100, 30).contains("Overall, how would you rate"));
}
