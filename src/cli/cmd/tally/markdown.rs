//! The tally as Markdown to paste into a report: one table per question,
//! with groups (`--by`) or periods as columns, so a `--by --period` tally
//! stays a page or two instead of a section per cell.

use std::fmt::Write as _;

use super::table::figure_word;
use super::{Page, counts_line, key_figures, mean_rank};
use crate::core::tally::{
    ALL, Detail, QuestionResult, TallyResult, group_label, key_label, period_label, question_text,
};

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
    let _ = write!(out, "{}, {}", counts_line(&r.total), page.range);
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
    if let Some(by) = &r.by {
        let _ = writeln!(
            out,
            "\nColumns: the answer to “{}”.",
            md(&question_text(page.survey, by, page.lang))
        );
    } else if r.period.is_some() {
        out.push_str("\nColumns: periods.\n");
    }
    for (i, q) in r.total.questions.iter().enumerate() {
        question(&mut out, page, &grid, i, q);
    }
    out
}

/// Which result goes in which column, and per block of rows (periods,
/// when both `--by` and `--period` are given).
struct Grid<'a> {
    /// Column headings and, per block, the result of each column.
    columns: Vec<String>,
    blocks: Vec<(Option<String>, Vec<Option<&'a TallyResult>>)>,
}

impl<'a> Grid<'a> {
    fn of(page: &Page<'a>) -> Grid<'a> {
        let r = page.result;
        let lang = page.lang;
        let by = r.by.as_deref().unwrap_or_default();
        // Keys in the cells' order, the margin (ALL) first.
        let keys = |pick: fn(&crate::core::tally::CellResult) -> Option<&str>| {
            let mut keys: Vec<&str> = vec![ALL];
            for c in &r.cells {
                if let Some(k) = pick(c)
                    && !keys.contains(&k)
                {
                    keys.push(k);
                }
            }
            keys
        };
        let find = |g: Option<&str>, p: Option<&str>| -> Option<&'a TallyResult> {
            let all = |k: Option<&str>| k.is_none_or(|k| k == ALL);
            if all(g) && all(p) {
                return Some(&r.total);
            }
            r.cells
                .iter()
                .find(|c| {
                    c.group.as_deref().unwrap_or(ALL) == g.unwrap_or(ALL)
                        && c.period.as_deref().unwrap_or(ALL) == p.unwrap_or(ALL)
                })
                .map(|c| &c.result)
        };
        match (r.by.is_some(), r.period.is_some()) {
            (false, false) => Grid {
                columns: vec![period_label(ALL, lang)],
                blocks: vec![(None, vec![Some(&r.total)])],
            },
            (true, false) => {
                let groups = keys(|c| c.group.as_deref());
                Grid {
                    columns: groups
                        .iter()
                        .map(|g| group_label(page.survey, by, g, lang))
                        .collect(),
                    blocks: vec![(None, groups.iter().map(|g| find(Some(g), None)).collect())],
                }
            }
            (false, true) => {
                let periods = keys(|c| c.period.as_deref());
                Grid {
                    columns: periods.iter().map(|p| period_label(p, lang)).collect(),
                    blocks: vec![(None, periods.iter().map(|p| find(None, Some(p))).collect())],
                }
            }
            (true, true) => {
                let groups = keys(|c| c.group.as_deref());
                let periods = keys(|c| c.period.as_deref());
                Grid {
                    columns: groups
                        .iter()
                        .map(|g| group_label(page.survey, by, g, lang))
                        .collect(),
                    blocks: periods
                        .iter()
                        .map(|p| {
                            (
                                Some(period_label(p, lang)),
                                groups.iter().map(|g| find(Some(g), Some(p))).collect(),
                            )
                        })
                        .collect(),
                }
            }
        }
    }
}

fn question(out: &mut String, page: &Page<'_>, grid: &Grid<'_>, i: usize, q: &QuestionResult) {
    let text = question_text(page.survey, &q.id, page.lang);
    let _ = writeln!(out, "\n### {}\n", md(&text));
    let _ = writeln!(out, "`{}`, n = {}.", q.id, q.answered);
    let periods = grid.blocks.iter().any(|(p, _)| p.is_some());
    if !matches!(q.detail, Detail::Text { .. }) {
        out.push('\n');
        let head: Vec<String> = grid.columns.iter().map(|c| md(c)).collect();
        let what = match q.detail {
            Detail::Ranking { .. } => "mean rank · first place",
            _ => "answer",
        };
        let lead = if periods { "| period " } else { "" };
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
        let _ = writeln!(out, "- … and {} more", texts.len() - 10);
    }
}

/// The rows of one question's table: its key figures, then a row per
/// option (number questions: figures only), a cell per column.
fn rows(
    page: &Page<'_>,
    q: &QuestionResult,
    cells: &[Option<&QuestionResult>],
) -> Vec<(String, Vec<String>)> {
    let mut out = Vec::new();
    let by_cell = |f: &dyn Fn(&QuestionResult) -> String| -> Vec<String> {
        cells
            .iter()
            .map(|c| c.map_or_else(|| "–".to_owned(), f))
            .collect()
    };
    let several = cells.len() > 1;
    if several {
        out.push(("n".to_owned(), by_cell(&|c| c.answered.to_string())));
    }
    for (k, (name, _, _)) in key_figures(q).iter().enumerate() {
        if matches!(*name, "promoters" | "passives" | "detractors" | "yes_share") {
            continue;
        }
        let shown = by_cell(&|c| {
            key_figures(c)
                .get(k)
                .map_or_else(String::new, |(_, _, s)| s.clone())
        });
        out.push((figure_word(name).to_owned(), shown));
    }
    if matches!(q.detail, Detail::Number { .. }) {
        return out;
    }
    let ranking = matches!(q.detail, Detail::Ranking { .. });
    for (key, _) in &q.counts {
        let label = key_label(page.survey, &q.id, key, page.lang);
        let shown = by_cell(&|c| {
            let count = c.count(key).unwrap_or(0);
            let pct = c
                .percent_of(key)
                .map_or_else(String::new, |p| format!("{p:.0} %"));
            if ranking {
                let rank = mean_rank(c, key).map_or("-".to_owned(), |m| format!("{m:.2}"));
                format!("{rank} · {pct} ({count})")
            } else if pct.is_empty() {
                count.to_string()
            } else {
                format!("{pct} ({count})")
            }
        });
        out.push((label, shown));
    }
    out
}
