//! The tally as Markdown to paste into a report: one table per question,
//! with groups (`--by`) or periods as columns, so a `--by --period` tally
//! stays a page or two instead of a section per cell.

use std::fmt::Write as _;

use super::grid::{Grid, rows};
use super::{Page, counts_line};
use crate::core::tally::{By, Detail, QuestionResult, question_text, tally_words};

/// Text from respondents and files made inert in Markdown and HTML: no
/// control characters or line breaks, `& < >` as entities, and every
/// character that starts emphasis, code, links, tables or headings
/// escaped with a backslash.
pub(super) fn md(s: &str) -> String {
    let clean = crate::core::sanitize::strip(s, false);
    let mut out = String::with_capacity(clean.len());
    for (i, c) in clean.chars().enumerate() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '#' | '~' | '!' => {
                out.push('\\');
                out.push(c);
            }
            // A list or a heading only where a line starts.
            '-' | '+' | '=' if i == 0 => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

pub(super) fn markdown(page: &Page<'_>) -> String {
    let r = page.result;
    let mut out = String::new();
    let _ = writeln!(out, "# {}\n", md(page.survey.title.get(page.lang)));
    let w = tally_words(page.lang);
    let _ = write!(out, "{}, {}", counts_line(&r.total, page.lang), page.range);
    if let Some(v) = &page.version {
        let _ = write!(out, ", {v}");
    }
    out.push_str(".\n");
    if !page.left_out.is_empty() {
        out.push('\n');
        for line in &page.left_out {
            let _ = writeln!(out, "- {line}");
        }
    }
    let grid = Grid::of(page);
    if let Some(By::Question(by)) = &r.by {
        let _ = writeln!(
            out,
            "\n{} “{}”.",
            w.md_columns_answer,
            md(&question_text(page.survey, by, page.lang))
        );
    } else if r.by == Some(By::Terminal) {
        let _ = writeln!(out, "\n{}", w.md_columns_terminal);
    } else if r.period.is_some() {
        let _ = writeln!(out, "\n{}", w.md_columns_periods);
    }
    for (i, q) in r.total.questions.iter().enumerate() {
        question(&mut out, page, &grid, i, q);
    }
    out
}

fn question(out: &mut String, page: &Page<'_>, grid: &Grid<'_>, i: usize, q: &QuestionResult) {
    let text = question_text(page.survey, &q.id, page.lang);
    let _ = writeln!(out, "\n### {}\n", md(&text));
    let _ = writeln!(out, "`{}`, n = {}.", q.id, q.answered);
    let periods = grid.blocks.iter().any(|(p, _)| p.is_some());
    if !matches!(q.detail, Detail::Text { .. }) {
        out.push('\n');
        let head: Vec<String> = grid.columns.iter().map(|c| md(c)).collect();
        let w = tally_words(page.lang);
        let what = match q.detail {
            Detail::Ranking { .. } => format!("{} · {}", w.mean_rank, w.first_place),
            _ => w.answer.to_owned(),
        };
        let lead = if periods {
            format!("| {} ", w.period)
        } else {
            String::new()
        };
        let _ = writeln!(out, "{lead}| {what} | {} |", head.join(" | "));
        let rule = vec!["---:"; head.len()].join(" | ");
        let _ = writeln!(out, "{}|---| {rule} |", if periods { "|---" } else { "" });
        for (period, results) in &grid.blocks {
            let cells: Vec<Option<&QuestionResult>> = results
                .iter()
                .map(|r| r.and_then(|r| r.questions.get(i)))
                .collect();
            for (name, row) in rows(page, q, &cells) {
                if let Some(p) = period {
                    let _ = write!(out, "| {} ", md(p));
                }
                let _ = writeln!(out, "| {} | {} |", md(&name), row.join(" | "));
            }
        }
    }
    let texts = q.detail.texts();
    if !texts.is_empty() {
        out.push('\n');
    }
    for t in texts.iter().take(10) {
        let _ = writeln!(out, "- {}", md(&t.text));
    }
    if texts.len() > 10 {
        let more = tally_words(page.lang)
            .and_more
            .replace("{n}", &(texts.len() - 10).to_string());
        let _ = writeln!(out, "- … {more}");
    }
}
