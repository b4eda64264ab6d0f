//! The report's key figures: what a board meeting reads off a tally, each
//! with its 95 % interval, and whether a change between two periods is
//! more than chance. Pure: tally results in, figures out.
//!
//! Figures keep the units of `tally --format json` (shares 0..=1, option
//! percentages 0..=100, NPS −100..=100), so the page can carry them as
//! data attributes that a test compares with the JSON number for number.

pub mod words;

use crate::core::stats::{self, Interval, Z95};
use crate::core::tally::{Detail, QuestionResult};

/// What a figure measures.
#[derive(Clone, Debug, PartialEq)]
pub enum What {
    /// Mean grade or number.
    Mean,
    /// Share of the two best grades, 0..=1.
    Top2,
    /// Net promoter score, −100..=100.
    Nps,
    /// Share of yes, 0..=1.
    Yes,
    /// Percent (0..=100) of respondents who chose (or ranked first) this option.
    Percent(String),
    /// Mean place of this option among those who ranked it.
    MeanRank(String),
}

impl What {
    /// The figure's key in the JSON (`mean`, `percent.<option>`, …).
    pub fn key(&self) -> String {
        match self {
            What::Mean => "mean".into(),
            What::Top2 => "top2".into(),
            What::Nps => "nps".into(),
            What::Yes => "yes_share".into(),
            What::Percent(o) => format!("percent.{o}"),
            What::MeanRank(o) => format!("mean_rank.{o}"),
        }
    }

    /// Whether the figure is a share (shown as a percentage).
    pub fn is_share(&self) -> bool {
        matches!(self, What::Top2 | What::Yes | What::Percent(_))
    }
}

/// What a figure's interval and comparisons are computed from.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Basis {
    /// `k` of `n`, in the figure's scale (`scale` 1 for 0..=1, 100 for percent).
    Share { k: u64, n: u64, scale: f64 },
    /// A mean with its sample variance.
    Mean { mean: f64, variance: f64, n: u64 },
    /// Promoters and detractors of `n`.
    Nps {
        promoters: u64,
        detractors: u64,
        n: u64,
    },
    /// Nothing to test with (a ranking's mean rank keeps no spread).
    None,
}

/// One key figure of one question.
#[derive(Clone, Debug, PartialEq)]
pub struct Figure {
    pub question: String,
    pub what: What,
    pub value: f64,
    /// 95 %: Wilson for shares, mean ± 1.96·s/√n for means, adjusted Wald
    /// for NPS (as `core::stats`).
    pub interval: Option<Interval>,
    pub n: u64,
    pub basis: Basis,
}

impl Figure {
    /// `question.key`, as in the page's `data-figure` attributes.
    pub fn name(&self) -> String {
        format!("{}.{}", self.question, self.what.key())
    }
}

/// The key figures of one question, in the order the page lists them.
/// Text questions have none.
pub fn figures(q: &QuestionResult) -> Vec<Figure> {
    let mut out = Vec::new();
    let mut push = |what: What, value: Option<f64>, basis: Basis| {
        if let Some(value) = value {
            out.push(Figure {
                question: q.id.clone(),
                interval: interval(basis),
                what,
                value,
                n: q.answered,
                basis,
            });
        }
    };
    match &q.detail {
        Detail::Rating { mean, top2, .. } => {
            push(What::Mean, *mean, mean_basis(q));
            let k = stats::top2(&grade_counts(q)).map_or(0, |s| s.k);
            push(What::Top2, *top2, share(k, q.answered, 1.0));
        }
        Detail::Number { mean, .. } => push(What::Mean, *mean, mean_basis(q)),
        Detail::Nps { nps, bands, .. } => push(
            What::Nps,
            *nps,
            Basis::Nps {
                promoters: bands.promoters,
                detractors: bands.detractors,
                n: bands.total(),
            },
        ),
        Detail::YesNo { yes_share } => {
            let k = q.count("yes").unwrap_or(0);
            push(What::Yes, *yes_share, share(k, q.answered, 1.0));
        }
        Detail::Choice { .. } | Detail::Multi { .. } => {
            for (key, count) in &q.counts {
                let value = q.percent_of(key);
                push(
                    What::Percent(key.clone()),
                    value,
                    share(*count, q.answered, 100.0),
                );
            }
        }
        Detail::Ranking { mean_rank, .. } => {
            for (key, count) in &q.counts {
                let value = q.percent_of(key);
                push(
                    What::Percent(key.clone()),
                    value,
                    share(*count, q.answered, 100.0),
                );
            }
            for (key, rank) in mean_rank {
                push(What::MeanRank(key.clone()), *rank, Basis::None);
            }
        }
        Detail::Text { .. } => {}
    }
    out
}

fn share(k: u64, n: u64, scale: f64) -> Basis {
    Basis::Share { k, n, scale }
}

/// The counts of grades `1..=scale` of a rating, in order.
fn grade_counts(q: &QuestionResult) -> Vec<u64> {
    q.counts.iter().map(|(_, c)| *c).collect()
}

/// Mean and variance of the values behind `counts` (grades or numbers).
fn mean_basis(q: &QuestionResult) -> Basis {
    let values: Vec<(f64, u64)> = q
        .counts
        .iter()
        .filter_map(|(k, c)| k.parse::<f64>().ok().map(|v| (v, *c)))
        .collect();
    let n: u64 = values.iter().map(|(_, c)| c).sum();
    if n == 0 {
        return Basis::None;
    }
    let nf = n as f64;
    let mean = values.iter().map(|(v, c)| v * *c as f64).sum::<f64>() / nf;
    let variance = if n > 1 {
        values
            .iter()
            .map(|(v, c)| (v - mean).powi(2) * *c as f64)
            .sum::<f64>()
            / (nf - 1.0)
    } else {
        0.0
    };
    Basis::Mean { mean, variance, n }
}

/// The 95 % interval of a figure from its basis.
fn interval(basis: Basis) -> Option<Interval> {
    match basis {
        Basis::Share { k, n, scale } => stats::wilson(k, n).map(|i| i.scaled(scale)),
        Basis::Mean { mean, variance, n } if n > 1 => {
            let half = Z95 * (variance / n as f64).sqrt();
            Some(Interval {
                low: mean - half,
                high: mean + half,
            })
        }
        Basis::Nps {
            promoters,
            detractors,
            n,
        } => {
            let mut counts = [0u64; 11];
            counts[0] = detractors;
            counts[10] = promoters;
            counts[8] = n.saturating_sub(promoters + detractors);
            stats::nps_interval(&counts)
        }
        _ => None,
    }
}

/// A change of one figure from the previous period to this one.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Change {
    /// This period minus the previous, in the figure's display unit:
    /// percentage points for shares, points for means and NPS.
    pub diff: f64,
    /// The 95 % interval of the difference; see [`change`].
    pub interval: Option<Interval>,
}

impl Change {
    /// Whether the change is more than chance: its interval leaves out 0.
    pub fn significant(&self) -> bool {
        self.interval.is_some_and(|i| i.low > 0.0 || i.high < 0.0)
    }
}

/// How `now` differs from `before`, with a 95 % interval of the
/// difference: Newcombe's hybrid score interval (from the two Wilson
/// intervals) for shares, Welch's `d ± 1.96·√(s₁²/n₁ + s₂²/n₂)` for
/// means, and `d ± 1.96·√(v₁ + v₂)` with each NPS's multinomial variance
/// for NPS. A ranking's mean rank gets a difference without interval.
pub fn change(before: &Figure, now: &Figure) -> Change {
    let unit = if now.what.is_share() && !matches!(now.what, What::Percent(_)) {
        100.0
    } else {
        1.0
    };
    let diff = (now.value - before.value) * unit;
    let interval = match (before.basis, now.basis) {
        (Basis::Share { k: k1, n: n1, .. }, Basis::Share { k: k2, n: n2, .. }) => {
            newcombe(k1, n1, k2, n2).map(|i| i.scaled(100.0))
        }
        (
            Basis::Mean {
                mean: m1,
                variance: v1,
                n: n1,
            },
            Basis::Mean {
                mean: m2,
                variance: v2,
                n: n2,
            },
        ) if n1 > 1 && n2 > 1 => {
            let half = Z95 * (v1 / n1 as f64 + v2 / n2 as f64).sqrt();
            Some(Interval {
                low: m2 - m1 - half,
                high: m2 - m1 + half,
            })
        }
        (
            Basis::Nps {
                promoters: p1,
                detractors: d1,
                n: n1,
            },
            Basis::Nps {
                promoters: p2,
                detractors: d2,
                n: n2,
            },
        ) if n1 > 0 && n2 > 0 => {
            let v = |p: u64, d: u64, n: u64| {
                let (p, d, n) = (p as f64 / n as f64, d as f64 / n as f64, n as f64);
                (p + d - (p - d).powi(2)) / n
            };
            let half = 100.0 * Z95 * (v(p1, d1, n1) + v(p2, d2, n2)).sqrt();
            Some(Interval {
                low: diff - half,
                high: diff + half,
            })
        }
        _ => None,
    };
    Change { diff, interval }
}

/// Newcombe's hybrid score interval (his method 10) of `k2/n2 − k1/n1`,
/// as shares 0..=1; `None` when either sample is empty.
pub fn newcombe(k1: u64, n1: u64, k2: u64, n2: u64) -> Option<Interval> {
    let (w1, w2) = (stats::wilson(k1, n1)?, stats::wilson(k2, n2)?);
    let (p1, p2) = (k1 as f64 / n1 as f64, k2 as f64 / n2 as f64);
    let d = p2 - p1;
    Some(Interval {
        low: d - ((p2 - w2.low).powi(2) + (w1.high - p1).powi(2)).sqrt(),
        high: d + ((w2.high - p2).powi(2) + (p1 - w1.low).powi(2)).sqrt(),
    })
}

#[cfg(test)]
pub(crate) mod tests;
