//! The tally as aligned text with bars, in the chosen language.

use std::fmt::Write as _;

use super::{Page, counts_line, key_figures, mean_rank};
use crate::core::sanitize::{strip, truncate_to_width};
use crate::core::tally::{
    QuestionResult, TallyResult, group_label, key_label, period_label, question_text,
};

pub(super) fn table(page: &Page<'_>) -> String {
    let r = page.result;
    let mut out = part(page, &r.total, "all responses", true);
    for cell in &r.cells {
        let name = cell_name(page, cell.group.as_deref(), cell.period.as_deref());
        out.push('\n');
        out.push_str(&part(page, &cell.result, &name, false));
    }
    out
}

/// A cell's name: its group's label and its period, ` · ` between.
pub(super) fn cell_name(page: &Page<'_>, group: Option<&str>, period: Option<&str>) -> String {
    let by = page.result.by.as_deref().unwrap_or_default();
    let group = group.map(|g| group_label(page.survey, by, g, page.lang));
    let period = period.map(|p| period_label(p, page.lang));
    [group, period]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" · ")
}

fn part(page: &Page<'_>, r: &TallyResult, heading: &str, first: bool) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "{} ({heading}): {}",
        strip(page.survey.title.get(page.lang), false),
        counts_line(r)
    );
    if first {
        let _ = write!(out, "\n  {}", page.range);
        if let Some(v) = &page.version {
            let _ = write!(out, ", {v}");
        }
        for line in &page.left_out {
            let _ = write!(out, "\n  {line}");
        }
    }
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
    let figures: Vec<String> = key_figures(q)
        .into_iter()
        .map(|(name, _, shown)| format!("{} {shown}", figure_word(name)))
        .collect();
    if !figures.is_empty() {
        let _ = writeln!(out, "  {}", figures.join("  "));
    }
    let ranking = matches!(q.detail, crate::core::tally::Detail::Ranking { .. });
    for ((key, count), (_, pct)) in q.counts.iter().zip(&q.percent) {
        let bar = "█".repeat((pct / 100.0 * 30.0).round() as usize);
        let label = key_label(page.survey, &q.id, key, page.lang);
        let rank = if ranking {
            mean_rank(q, key).map_or("  mean rank -   ".to_owned(), |m| {
                format!("  mean rank {m:.2}")
            })
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "  {:<28} {:>6} {:>6.1} %{rank} {bar}",
            truncate_to_width(&label, 28),
            count,
            pct
        );
    }
    let texts = q.detail.texts();
    for t in texts.iter().take(5) {
        let _ = writeln!(out, "  “{}”", truncate_to_width(&strip(&t.text, false), 70));
    }
    if texts.len() > 5 {
        let _ = writeln!(out, "  … {} more (kioski export for all)", texts.len() - 5);
    }
}

/// A figure's name as the table and markdown show it.
pub(super) fn figure_word(name: &str) -> &str {
    match name {
        "top2" => "top-2",
        "nps" => "NPS",
        "yes_share" => "yes",
        other => other,
    }
}
