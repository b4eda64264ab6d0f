//! One question's figures as a grid: groups (`--by`) or periods as
//! columns, periods as blocks of rows when both are given. Markdown and
//! the grouped table draw it.

use super::table::figure_word;
use super::{Page, key_figures, mean_rank};
use crate::core::tally::{
    ALL, By, Detail, QuestionResult, TallyResult, decimal, group_label, key_label, period_label,
};

/// Which result goes in which column, and per block of rows (periods,
/// when both `--by` and `--period` are given).
pub(super) struct Grid<'a> {
    /// Column headings and, per block, the result of each column.
    pub columns: Vec<String>,
    pub blocks: Vec<(Option<String>, Vec<Option<&'a TallyResult>>)>,
}

impl<'a> Grid<'a> {
    pub fn of(page: &Page<'a>) -> Grid<'a> {
        let r = page.result;
        let lang = page.lang;
        // Read only where `by` is given.
        let by = r.by.clone().unwrap_or(By::Terminal);
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
                        .map(|g| group_label(page.survey, &by, g, lang))
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
                        .map(|g| group_label(page.survey, &by, g, lang))
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

/// The rows of one question's table: its key figures, then a row per
/// option (number questions: figures only), a cell per column.
pub(super) fn rows(
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
    for (k, (name, _, _)) in key_figures(q, page.lang).iter().enumerate() {
        if matches!(*name, "promoters" | "passives" | "detractors" | "yes_share") {
            continue;
        }
        let shown = by_cell(&|c| {
            key_figures(c, page.lang)
                .get(k)
                .map_or_else(String::new, |(_, _, s)| s.clone())
        });
        out.push((figure_word(name, page.lang).to_owned(), shown));
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
                let rank = mean_rank(c, key).map_or("-".to_owned(), |m| decimal(m, 2, page.lang));
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
