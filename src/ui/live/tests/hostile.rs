//! Text from the store never reaches the terminal with its escape
//! sequences or control characters: every cell of every frame is clean.

use super::*;
use crate::core::answer::Picked;
use crate::core::sanitize::is_forbidden;
use crate::core::survey::Label;

/// Answers a respondent might paste (or a bundle might carry).
const HOSTILE: [&str; 6] = [
    "\u{1b}[2J\u{7}evil\r\n",
    "\u{1b}]0;owned\u{7}evil title",
    "\u{9b}31mevil red\u{9c}",
    "evil\u{202e}desrever\u{2066}x\u{2069}",
    "\u{0}\u{8}\u{7f}evil\ttab\u{85}",
    "evil\u{1b}[1;1H\u{1b}[?1049l\u{1b}P+q\u{1b}\\ done",
];

/// What would be left on screen of [`HOSTILE`]'s escape sequences had
/// only their control characters been dropped (ratatui's `set_string`
/// already drops control characters, so a clean buffer alone does not
/// show that the view stripped the sequences).
const REMNANTS: [&str; 7] = ["[2J", "]0;", "owned", "31m", "[1;1H", "[?1049l", "P+q"];

/// Every cell whose symbol holds a control or bidi character.
fn dirty_cells(terminal: &Terminal<TestBackend>) -> Vec<(u16, u16, String)> {
    let buf = terminal.backend().buffer();
    let mut out = Vec::new();
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            let s = buf[(x, y)].symbol();
            if s.chars().any(|c| c.is_control() || is_forbidden(c)) {
                out.push((x, y, s.escape_debug().to_string()));
            }
        }
    }
    out
}

fn hostile_label(prefix: &str, i: usize) -> Label {
    let text = format!("{prefix} {}", HOSTILE[i % HOSTILE.len()]);
    Label::new([
        (Lang::Fi, text.clone()),
        (Lang::Sv, text.clone()),
        (Lang::En, text),
    ])
}

/// The demo survey with hostile texts everywhere a survey file could put
/// them (the validator refuses these; a damaged store might not).
fn hostile_survey() -> Arc<Survey> {
    let mut s = (*desk()).clone();
    s.title = hostile_label("Title", 0);
    for (i, q) in s.questions.iter_mut().enumerate() {
        q.text = hostile_label("Question", i);
        if let crate::core::survey::QuestionKind::Choice { options, .. } = &mut q.kind {
            for (j, o) in options.iter_mut().enumerate() {
                o.label = hostile_label("Option", i + j);
            }
        }
    }
    Arc::new(s)
}

fn hostile_responses(survey: &Survey) -> Vec<Response> {
    HOSTILE
        .iter()
        .enumerate()
        .map(|(i, text)| {
            bare(
                survey,
                NOW - (HOSTILE.len() - i) as i64 * 10 * 60_000,
                true,
                Answers::from([
                    ("overall".to_owned(), Answer::Rating(1)),
                    ("one_visit".to_owned(), Answer::YesNo(false)),
                    ("improve".to_owned(), Answer::Text((*text).to_owned())),
                    (
                        "group".to_owned(),
                        Answer::Choice(Picked::Other((*text).to_owned())),
                    ),
                ]),
            )
        })
        .collect()
}

/// A desk with the hostile responses announced after the seeded scan.
fn hostile_desk(survey: &Arc<Survey>) -> Desk {
    let mut responses = simulated(survey, 11, 200, OFFSET_MS);
    let scan_len = responses.len();
    responses.extend(hostile_responses(survey));
    let mut live = scanned(
        survey,
        grouping(OFFSET_MS),
        OFFSET_MS,
        &responses[..scan_len],
    );
    for r in &responses[scan_len..] {
        assert!(live.accept(r, survey));
    }
    live.result();
    Desk { responses, live }
}

/// Draws every question, in bars and texts, grouped and not, at every
/// size; checks every cell. Returns all the frames' text.
fn every_frame_is_clean(d: &mut Desk) -> String {
    let mut all = String::new();
    let sizes = [(60, 16), (80, 24), (100, 30), (200, 60), (59, 15)];
    for keys in [
        &[][..],
        &[KeyCode::Char('g')],
        &[KeyCode::Char('g'), KeyCode::Char('g')],
        &[KeyCode::Char('p'), KeyCode::Char('p'), KeyCode::Char('p')],
    ] {
        d.presses(keys);
        for texts in [false, true] {
            d.live.texts = texts;
            for i in 0..d.live.survey.questions.len() {
                d.live.select(i);
                for (w, h) in sizes {
                    let (terminal, _) = draw(&d.live, w, h);
                    let dirty = dirty_cells(&terminal);
                    assert!(
                        dirty.is_empty(),
                        "question {i}, texts {texts}, keys {keys:?} at {w}x{h}: {dirty:?}\n{}",
                        terminal.backend()
                    );
                    let text = screen_text(&d.live, w, h);
                    for r in REMNANTS {
                        assert!(
                            !text.contains(r),
                            "{r:?}: question {i}, texts {texts}, keys {keys:?} at {w}x{h}\n{text}"
                        );
                    }
                    all.push_str(&text);
                }
            }
        }
    }
    all
}

#[test]
fn hostile_answers_are_drawn_without_control_characters() {
    let survey = desk();
    let mut d = hostile_desk(&survey);
    let all = every_frame_is_clean(&mut d);
    // The texts were drawn (cleaned), not dropped.
    assert!(all.contains("“evil ”"), "the ESC [2J BEL text");
    assert!(all.contains("“evil red”"));
    assert!(all.contains("“evil title”"));
    assert!(all.contains("evil done"));
}

#[test]
fn the_exact_brief_example_is_cleaned_in_the_texts_view() {
    let survey = desk();
    let r = bare(
        &survey,
        NOW - 60_000,
        true,
        Answers::from([
            ("overall".to_owned(), Answer::Rating(2)),
            (
                "improve".to_owned(),
                Answer::Text("\u{1b}[2J\u{7}evil\r\n".to_owned()),
            ),
        ]),
    );
    let mut live = scanned(&survey, grouping(0), 0, &[]);
    assert!(live.accept(&r, &survey));
    live.result();
    live.select(3);
    live.texts = true;
    for (w, h) in SIZES {
        let (terminal, _) = draw(&live, w, h);
        assert_eq!(dirty_cells(&terminal), vec![]);
        let text = screen_text(&live, w, h);
        // Free texts carry their date even when it is today's.
        assert!(text.contains("2025-06-15 15:05  “evil ”"), "{text}");
        assert!(!text.contains("[2J"), "{text}");
    }
}

#[test]
fn hostile_survey_texts_are_drawn_without_control_characters() {
    let survey = hostile_survey();
    let mut d = hostile_desk(&survey);
    let all = every_frame_is_clean(&mut d);
    assert!(all.contains("Live tally · Title evil"));
    assert!(all.contains("Question evil"));
    assert!(all.contains("Option evil"));
}
