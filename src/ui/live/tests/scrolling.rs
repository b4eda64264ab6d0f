//! Rows that do not fit: the clerk scrolls to every one of them, and a
//! row's label never loses the part that tells it apart.

use super::*;
use crate::core::tally::{ALL, Period};

/// The desk grouped by `by` and `period`, with the screen's question.
fn grouped(by: &str, period: Period) -> Desk {
    let mut d = Desk::new();
    let g = Grouping {
        by: Some(By::Question(by.to_owned())),
        period: Some(period),
        ..grouping(OFFSET_MS)
    };
    d.live = regroup(&d.live, g, &d.responses);
    d
}

/// The labels of the grouped rows on screen (the text before ` n=`).
fn row_labels(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| l.split_once(" n=").map(|(a, _)| a))
        .map(|a| a.trim().trim_matches('"').trim().to_owned())
        .filter(|a| a.contains(" · "))
        .map(|a| a.rsplit("  ").next().unwrap_or(&a).trim().to_owned())
        .collect()
}

/// Draws a frame and tells the scroll what it drew, as the loop does.
fn look(live: &mut Live, w: u16, h: u16) -> String {
    let (terminal, hits) = draw(live, w, h);
    live.scroll.seen(hits.rows.0, hits.rows.1);
    crate::ui::buffer_text(terminal.backend().buffer())
}

#[test]
fn home_reaches_the_first_row_and_end_the_last() {
    let mut d = grouped("compared", Period::Month);
    let cells = d.live.last_result().cells.clone();
    assert!(cells.len() > 40, "{}", cells.len());
    let first = |c: &crate::core::tally::CellResult| c.period.clone().unwrap_or_default();
    let (w, h) = (80, 24);
    // The newest rows show first.
    let text = look(&mut d.live, w, h);
    assert!(text.contains(&first(cells.last().unwrap())), "{text}");
    d.press(KeyCode::Home);
    let text = look(&mut d.live, w, h);
    let labels = row_labels(&text);
    assert!(
        labels
            .first()
            .is_some_and(|l| l.ends_with(&first(&cells[0]))),
        "Home shows the first row ({:?}):\n{text}",
        cells[0].period
    );
    // Page by page down to the last row, every row seen on the way.
    let mut seen: Vec<String> = labels;
    for _ in 0..cells.len() {
        d.press(KeyCode::PageDown);
        seen.extend(row_labels(&look(&mut d.live, w, h)));
    }
    seen.dedup();
    let periods: HashSet<String> = seen
        .iter()
        .filter_map(|l| l.rsplit(" · ").next().map(str::to_owned))
        .collect();
    for c in &cells {
        let p = first(c);
        assert!(periods.contains(&p), "never showed {p:?}: {seen:?}");
    }
    d.press(KeyCode::Home);
    look(&mut d.live, w, h);
    d.press(KeyCode::End);
    let text = look(&mut d.live, w, h);
    assert!(text.contains(&first(cells.last().unwrap())), "{text}");
}

#[test]
fn a_grouped_row_keeps_its_period_at_every_size() {
    for by in ["one_visit", "compared", "group"] {
        for period in [Period::Day, Period::Week, Period::Month, Period::Year] {
            let d = grouped(by, period);
            let cells = &d.live.last_result().cells;
            for (w, h) in [(60, 16), (80, 24), (100, 30), (200, 60)] {
                let text = screen_text(&d.live, w, h);
                for label in row_labels(&text) {
                    let p = label.rsplit(" · ").next().unwrap_or("");
                    let known = cells.iter().any(|c| c.period.as_deref() == Some(p)) || p == ALL;
                    assert!(
                        known,
                        "{by} {period:?} {w}x{h}: {label:?} lost its period:\n{text}"
                    );
                }
            }
        }
    }
}
