//! A question's figures in words in the live view's language: the same
//! figures as `ui/figures.rs` gives the printed tally (in English they
//! read the same), with labels in the chosen language.

use crate::core::sanitize::strip;
use crate::core::survey::{Lang, Survey};
use crate::core::tally::{Detail, QuestionResult};
use crate::ui::figures::num;
use crate::ui::strings::views::{ViewTexts, fill};

/// An option's label in `lang` (stripped of control characters), or the
/// key itself (grades, scores, `yes`/`no`).
pub fn option_label(survey: &Survey, question: &str, key: &str, lang: Lang) -> String {
    survey
        .question(question)
        .and_then(|q| q.kind.options().iter().find(|o| o.id == key))
        .map_or_else(|| key.to_owned(), |o| strip(o.label.get(lang), false))
}

fn pct(v: Option<f64>) -> String {
    v.map_or("-".into(), |t| format!("{:.0} %", t * 100.0))
}

/// The key figures of a question in one line (empty for choice, multi,
/// ranking and text).
pub fn summary(q: &QuestionResult, t: &ViewTexts) -> String {
    match &q.detail {
        Detail::Rating {
            mean, median, top2, ..
        } => format!(
            "{} {}  {} {}  {} {}",
            t.mean,
            num(*mean),
            t.median,
            num(*median),
            t.top2,
            pct(*top2)
        ),
        Detail::Nps { nps, bands, .. } => format!(
            "NPS {}  {}",
            nps.map_or("-".into(), |n| format!("{n:+.0}")),
            fill(
                t.nps_bands,
                &[&bands.promoters, &bands.passives, &bands.detractors]
            )
        ),
        Detail::YesNo { yes_share } => format!("{} {}", t.yes, pct(*yes_share)),
        Detail::Number {
            min,
            max,
            mean,
            median,
        } => format!(
            "{} {}  {} {}  {} {}  {} {}",
            t.min,
            min.map_or("-".into(), |v| v.to_string()),
            t.mean,
            num(*mean),
            t.median,
            num(*median),
            t.max,
            max.map_or("-".into(), |v| v.to_string())
        ),
        _ => String::new(),
    }
}

/// The one figure that sums up a question, as text and as a share 0..=1
/// for a bar: mean grade, NPS, yes share, top option's share (by its
/// label in `lang`).
pub fn headline(
    q: &QuestionResult,
    survey: &Survey,
    lang: Lang,
    t: &ViewTexts,
) -> Option<(String, f64)> {
    match &q.detail {
        Detail::Rating {
            mean, scale, top2, ..
        } => mean.map(|m| {
            let top2 = top2.map_or(String::new(), |s| {
                format!("  {} {:.0} %", t.top2, s * 100.0)
            });
            (
                format!("{} {m:.2}{top2}", t.mean),
                (m - 1.0) / f64::from((*scale).max(2) - 1),
            )
        }),
        Detail::Nps { nps, .. } => nps.map(|n| (format!("NPS {n:+.0}"), (n + 100.0) / 200.0)),
        Detail::YesNo { yes_share } => {
            yes_share.map(|y| (format!("{} {:.0} %", t.yes, y * 100.0), y))
        }
        Detail::Number { mean, .. } => mean.map(|m| (format!("{} {m:.2}", t.mean), 0.0)),
        Detail::Text { answers } => Some((ViewTexts::count(t.answers, answers.len() as u64), 0.0)),
        _ => {
            let (key, p) = q.percent.iter().max_by(|a, b| a.1.total_cmp(&b.1))?;
            let label = option_label(survey, &q.id, key, lang);
            Some((format!("{label} {p:.0} %"), p / 100.0))
        }
    }
}
