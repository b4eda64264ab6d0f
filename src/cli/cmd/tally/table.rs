//! The tally as aligned text with bars, in the chosen language.

use std::fmt::Write as _;

use super::grid::{Grid, rows};
use super::{Page, counts_line, key_figures, mean_rank};
use crate::core::sanitize::{strip, truncate_to_width, width};
use crate::core::survey::Lang;
use crate::core::tally::{
    QuestionResult, TallyResult, by_text, decimal, key_label, question_text, tally_words,
};

pub(super) fn table(page: &Page<'_>) -> String {
    let r = page.result;
    let w = tally_words(page.lang);
    if r.by.is_none() && r.period.is_none() {
        return part(page, &r.total, w.all_responses);
    }
    // Groups and periods side by side: one grid per question.
    let mut out = header(page, &r.total, w.all_responses);
    if let Some(by) = &r.by {
        let _ = write!(
            out,
            "\n  {}: {}",
            w.columns,
            truncate_to_width(&by_text(page.survey, by, page.lang), 70)
        );
    } else {
        let _ = write!(out, "\n  {}: {}", w.columns, w.periods);
    }
    out.push('\n');
    let grid = Grid::of(page);
    for (i, q) in r.total.questions.iter().enumerate() {
        out.push('\n');
        grid_question(&mut out, page, &grid, i, q);
    }
    out
}

/// Widest column of a grid, in terminal columns.
const CELL_WIDTH: usize = 16;

fn grid_question(out: &mut String, page: &Page<'_>, grid: &Grid<'_>, i: usize, q: &QuestionResult) {
    let text = question_text(page.survey, &q.id, page.lang);
    let _ = writeln!(out, "{} · {}", q.id, truncate_to_width(&text, 60));
    let ranking = matches!(q.detail, crate::core::tally::Detail::Ranking { .. });
    let mut lines: Vec<Vec<String>> = Vec::new();
    let periods = grid.blocks.iter().any(|(p, _)| p.is_some());
    let lead = |p: &str| {
        if periods {
            vec![p.to_owned()]
        } else {
            Vec::new()
        }
    };
    let w = tally_words(page.lang);
    let what = if ranking {
        format!("{} · {}", w.mean_rank, w.first)
    } else {
        String::new()
    };
    lines.push([lead(""), vec![what], grid.columns.clone()].concat());
    for (period, results) in &grid.blocks {
        let cells: Vec<Option<&QuestionResult>> = results
            .iter()
            .map(|r| r.and_then(|r| r.questions.get(i)))
            .collect();
        for (name, row) in rows(page, q, &cells) {
            lines.push([lead(period.as_deref().unwrap_or_default()), vec![name], row].concat());
        }
    }
    let columns = lines.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|c| {
            lines
                .iter()
                .filter_map(|l| l.get(c))
                .map(|s| width(&truncate_to_width(s, CELL_WIDTH)))
                .max()
                .unwrap_or(0)
        })
        .collect();
    let labels = usize::from(periods) + 1;
    if !matches!(q.detail, crate::core::tally::Detail::Text { .. }) {
        for line in &lines {
            let mut shown = String::from(" ");
            for (c, cell) in line.iter().enumerate() {
                let cell = truncate_to_width(cell, CELL_WIDTH);
                let pad = " ".repeat(widths[c].saturating_sub(width(&cell)));
                // Labels to the left, figures to the right.
                if c < labels {
                    let _ = write!(shown, " {cell}{pad}");
                } else {
                    let _ = write!(shown, "  {pad}{cell}");
                }
            }
            let _ = writeln!(out, "{}", shown.trim_end());
        }
    }
    texts(out, q, page.lang);
}

fn header(page: &Page<'_>, r: &TallyResult, heading: &str) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "{} ({heading}): {}",
        strip(page.survey.title.get(page.lang), false),
        counts_line(r, page.lang)
    );
    let _ = write!(out, "\n  {}", page.range);
    if let Some(v) = &page.version {
        let _ = write!(out, ", {v}");
    }
    for line in &page.left_out {
        let _ = write!(out, "\n  {line}");
    }
    out
}

fn texts(out: &mut String, q: &QuestionResult, lang: Lang) {
    let texts = q.detail.texts();
    for t in texts.iter().take(5) {
        let _ = writeln!(out, "  “{}”", truncate_to_width(&strip(&t.text, false), 70));
    }
    if texts.len() > 5 {
        let more = tally_words(lang).more_export;
        let _ = writeln!(out, "  … {} {more}", texts.len() - 5);
    }
}

fn part(page: &Page<'_>, r: &TallyResult, heading: &str) -> String {
    let mut out = header(page, r, heading);
    out.push('\n');
    for q in &r.questions {
        out.push('\n');
        question(&mut out, page, q);
    }
    out
}

fn question(out: &mut String, page: &Page<'_>, q: &QuestionResult) {
    let text = question_text(page.survey, &q.id, page.lang);
    let _ = writeln!(
        out,
        "{} · {} · n={}",
        q.id,
        truncate_to_width(&text, 60),
        q.answered
    );
    let w = tally_words(page.lang);
    let figures: Vec<String> = key_figures(q, page.lang)
        .into_iter()
        .map(|(name, _, shown)| format!("{} {shown}", figure_word(name, page.lang)))
        .collect();
    if !figures.is_empty() {
        let _ = writeln!(out, "  {}", figures.join("  "));
    }
    let ranking = matches!(q.detail, crate::core::tally::Detail::Ranking { .. });
    for ((key, count), (_, pct)) in q.counts.iter().zip(&q.percent) {
        let bar = "█".repeat((pct / 100.0 * 30.0).round() as usize);
        let label = key_label(page.survey, &q.id, key, page.lang);
        let rank = if ranking {
            mean_rank(q, key).map_or(format!("  {} -   ", w.mean_rank), |m| {
                format!("  {} {}", w.mean_rank, decimal(m, 2, page.lang))
            })
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "  {:<28} {:>6} {:>6} %{rank} {bar}",
            truncate_to_width(&label, 28),
            count,
            decimal(*pct, 1, page.lang)
        );
    }
    texts(out, q, page.lang);
}

/// A figure's name as the table and markdown show it.
pub(super) fn figure_word(name: &str, lang: Lang) -> &str {
    let w = tally_words(lang);
    match name {
        "mean" => w.mean,
        "median" => w.median,
        "top2" => w.top2,
        "nps" => w.nps,
        "yes_share" => w.yes,
        "min" => w.min,
        "max" => w.max,
        "promoters" => w.promoters,
        "passives" => w.passives,
        "detractors" => w.detractors,
        other => other,
    }
}
