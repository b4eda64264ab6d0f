//! A tally's figures in words and bars, shared by `kioski tally`'s table
//! and markdown and the live view, so both say the same thing.

use crate::core::sanitize::{plural, strip};
use crate::core::survey::Survey;
use crate::core::tally::{Detail, QuestionResult};

/// A figure with two decimals, or `-`.
pub fn num(v: Option<f64>) -> String {
    v.map_or("-".into(), |v| format!("{v:.2}"))
}

/// The key figures of a question in one line (empty for choice, multi,
/// ranking and text).
pub fn summary(q: &QuestionResult) -> String {
    match &q.detail {
        Detail::Rating {
            mean, median, top2, ..
        } => format!(
            "mean {}  median {}  top-2 {}",
            num(*mean),
            num(*median),
            top2.map_or("-".into(), |t| format!("{:.0} %", t * 100.0))
        ),
        Detail::Nps { nps, bands, .. } => format!(
            "NPS {}  (promoters {}, passives {}, detractors {})",
            nps.map_or("-".into(), |n| format!("{n:+.0}")),
            bands.promoters,
            bands.passives,
            bands.detractors
        ),
        Detail::YesNo { yes_share } => format!(
            "yes {}",
            yes_share.map_or("-".into(), |y| format!("{:.0} %", y * 100.0))
        ),
        Detail::Number {
            min,
            max,
            mean,
            median,
        } => format!(
            "min {}  mean {}  median {}  max {}",
            min.map_or("-".into(), |v| v.to_string()),
            num(*mean),
            num(*median),
            max.map_or("-".into(), |v| v.to_string())
        ),
        _ => String::new(),
    }
}

/// An option's label in the survey's first language (stripped of control
/// characters), or the key itself (grades, scores, `yes`/`no`).
pub fn option_label(survey: &Survey, question: &str, key: &str) -> String {
    let lang = survey.default_lang();
    survey
        .question(question)
        .and_then(|q| q.kind.options().iter().find(|o| o.id == key))
        .map_or_else(|| key.to_owned(), |o| strip(o.label.get(lang), false))
}

/// The one figure that sums up a question, as text and as a share 0..=1
/// for a bar: mean grade, NPS, yes share, top option's share.
pub fn headline(q: &QuestionResult) -> Option<(String, f64)> {
    match &q.detail {
        Detail::Rating {
            mean, scale, top2, ..
        } => mean.map(|m| {
            let top2 = top2.map_or(String::new(), |t| format!("  top-2 {:.0} %", t * 100.0));
            (
                format!("mean {m:.2}{top2}"),
                (m - 1.0) / f64::from((*scale).max(2) - 1),
            )
        }),
        Detail::Nps { nps, .. } => nps.map(|n| (format!("NPS {n:+.0}"), (n + 100.0) / 200.0)),
        Detail::YesNo { yes_share } => yes_share.map(|y| (format!("yes {:.0} %", y * 100.0), y)),
        Detail::Number { mean, .. } => mean.map(|m| (format!("mean {m:.2}"), 0.0)),
        Detail::Text { answers } => Some((plural(answers.len() as u64, "answer"), 0.0)),
        _ => {
            let (key, pct) = q.percent.iter().max_by(|a, b| a.1.total_cmp(&b.1))?;
            Some((format!("{key} {pct:.0} %"), pct / 100.0))
        }
    }
}

/// A horizontal bar of `width` cells for a share 0..=1, in eighths.
pub fn bar(share: f64, width: usize) -> String {
    const PARTS: [&str; 8] = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"];
    let eighths = (share.clamp(0.0, 1.0) * width as f64 * 8.0).round() as usize;
    let mut out = "█".repeat(eighths / 8);
    out.push_str(PARTS[eighths % 8]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_grow_in_eighths_and_stay_in_their_width() {
        assert_eq!(bar(0.0, 10), "");
        assert_eq!(bar(1.0, 10), "██████████");
        assert_eq!(bar(0.5, 3), "█▌");
        assert_eq!(bar(2.0, 4), "████");
        assert_eq!(bar(-1.0, 4), "");
        assert_eq!(bar(f64::NAN, 4), "");
    }
}
