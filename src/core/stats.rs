//! Mean, median, NPS, top-2-box and Wilson intervals: the arithmetic of tallies.
//!
//! Everything here works on counts, never on raw answers: a distribution is
//! a list of `(value, count)` pairs in ascending value order, so a tally of a
//! million responses needs a handful of numbers per question, and the median
//! is read off the cumulative counts instead of a sorted list.
//!
//! Shares are `0.0..=1.0`; the NPS is in points, `-100.0..=100.0`.

use serde::{Deserialize, Serialize};

/// The 97.5th percentile of the standard normal distribution: 95 % intervals.
pub const Z95: f64 = 1.959_963_984_540_054;

/// Below this many answers an interval is always shown.
pub const SMALL_N: u64 = 100;

/// An interval wider than this either side of its share (5 percentage
/// points, or 5 NPS points on the −100..100 scale) is shown.
pub const WIDE_HALF: f64 = 0.05;

/// The mean of a distribution; `None` when it is empty.
pub fn mean(dist: impl IntoIterator<Item = (i64, u64)>) -> Option<f64> {
    let (sum, n) = dist
        .into_iter()
        .fold((0i128, 0u64), |(sum, n), (value, count)| {
            (sum + i128::from(value) * i128::from(count), n + count)
        });
    (n > 0).then(|| sum as f64 / n as f64)
}

/// The median of a distribution given in ascending value order: the middle
/// value, or the midpoint of the two middle values when the count is even.
/// `None` when it is empty.
pub fn median<I>(dist: I) -> Option<f64>
where
    I: IntoIterator<Item = (i64, u64)>,
    I::IntoIter: Clone,
{
    let iter = dist.into_iter();
    let n: u64 = iter.clone().map(|(_, count)| count).sum();
    if n == 0 {
        return None;
    }
    // 0-based ranks of the two middle answers (equal when n is odd).
    let (lower_rank, upper_rank) = ((n - 1) / 2, n / 2);
    let mut seen = 0u64;
    let mut lower = None;
    for (value, count) in iter {
        seen += count;
        if lower.is_none() && seen > lower_rank {
            lower = Some(value);
        }
        if seen > upper_rank {
            let lower = lower.unwrap_or(value);
            return Some((i128::from(lower) + i128::from(value)) as f64 / 2.0);
        }
    }
    None
}

/// `k` of `n`: a share with the counts behind it, so that its interval can
/// be computed and two shares compared exactly.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Share {
    pub k: u64,
    pub n: u64,
}

impl Share {
    pub fn new(k: u64, n: u64) -> Share {
        Share { k, n }
    }

    /// `k / n`; `None` when `n` is 0.
    pub fn ratio(self) -> Option<f64> {
        (self.n > 0).then(|| self.k as f64 / self.n as f64)
    }

    /// The Wilson 95 % interval; see [`wilson`].
    pub fn wilson(self) -> Option<Interval> {
        wilson(self.k, self.n)
    }

    /// The Wilson interval when it is worth showing; see [`interval_matters`].
    pub fn interval_if_it_matters(self) -> Option<Interval> {
        self.wilson()
            .filter(|interval| interval_matters(self.n, *interval))
    }
}

/// A closed interval of shares (or, for [`nps_interval`], of NPS points).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Interval {
    pub low: f64,
    pub high: f64,
}

impl Interval {
    /// Half the width: the "±" of the interval.
    pub fn half_width(self) -> f64 {
        (self.high - self.low) / 2.0
    }

    /// The same interval with both ends multiplied by `factor` (e.g. 100
    /// for percentages).
    pub fn scaled(self, factor: f64) -> Interval {
        Interval {
            low: self.low * factor,
            high: self.high * factor,
        }
    }
}

/// The Wilson score interval at 95 % for `k` successes in `n` trials;
/// `None` when `n` is 0. Unlike `p ± 1.96·√(p(1−p)/n)` it stays inside
/// 0..=1 and does not collapse to a point at 0 of `n` or `n` of `n`, which
/// is exactly where small kiosk samples live.
pub fn wilson(k: u64, n: u64) -> Option<Interval> {
    if n == 0 {
        return None;
    }
    let n_f = n as f64;
    let p = k.min(n) as f64 / n_f;
    let z2 = Z95 * Z95;
    let denominator = 1.0 + z2 / n_f;
    let centre = (p + z2 / (2.0 * n_f)) / denominator;
    let half = Z95 / denominator * (p * (1.0 - p) / n_f + z2 / (4.0 * n_f * n_f)).sqrt();
    Some(Interval {
        low: (centre - half).max(0.0),
        high: (centre + half).min(1.0),
    })
}

/// Whether an interval is worth printing next to its value.
///
/// The rule: always below [`SMALL_N`] (100) answers, where every share is
/// shaky; at 100 or more, only when the interval reaches more than
/// [`WIDE_HALF`] (5 percentage points) either side. For a share near 50 %
/// that is up to about 380 answers; for shares near 0 or 100 % the interval
/// stops mattering sooner. NPS intervals use the same rule with 5 NPS points.
pub fn interval_matters(n: u64, interval: Interval) -> bool {
    n > 0 && (n < SMALL_N || interval.half_width() > WIDE_HALF + 1e-12)
}

/// How many answers the top two grades of a `1..=scale` rating got, of all
/// answers. `counts[i]` is the count of grade `i + 1`, so the scale is
/// `counts.len()`. `None` for scales under 4: the two best grades of a 2- or
/// 3-point scale are all or most of it, and the figure would mislead.
pub fn top2(counts: &[u64]) -> Option<Share> {
    if counts.len() < 4 {
        return None;
    }
    let n: u64 = counts.iter().sum();
    let k = counts[counts.len() - 2..].iter().sum();
    Some(Share::new(k, n))
}

/// The top-2-box share of a rating; see [`top2`].
pub fn top2_share(counts: &[u64]) -> Option<f64> {
    top2(counts).and_then(Share::ratio)
}

/// Detractors (0-6), passives (7-8) and promoters (9-10) of an NPS
/// distribution (`counts[i]` = answers of `i`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NpsBands {
    pub detractors: u64,
    pub passives: u64,
    pub promoters: u64,
}

impl NpsBands {
    pub fn of(counts: &[u64; 11]) -> NpsBands {
        NpsBands {
            detractors: counts[..7].iter().sum(),
            passives: counts[7..9].iter().sum(),
            promoters: counts[9..].iter().sum(),
        }
    }

    pub fn total(self) -> u64 {
        self.detractors + self.passives + self.promoters
    }
}

/// The Net Promoter Score: % promoters (9-10) minus % detractors (0-6),
/// in −100..=100; `None` when nobody answered.
pub fn nps(counts: &[u64; 11]) -> Option<f64> {
    let bands = NpsBands::of(counts);
    let n = bands.total();
    (n > 0).then(|| 100.0 * (bands.promoters as f64 - bands.detractors as f64) / n as f64)
}

/// A 95 % interval for the NPS, in points: the adjusted Wald interval that
/// Rocks (2016, "Interval estimation for the Net Promoter Score", The
/// American Statistician) found to perform best: add 3 to n and ¾ to each
/// of promoters and detractors, then use the variance of the difference of
/// the two shares. Clamped to −100..=100; `None` when nobody answered.
pub fn nps_interval(counts: &[u64; 11]) -> Option<Interval> {
    let bands = NpsBands::of(counts);
    if bands.total() == 0 {
        return None;
    }
    let n = bands.total() as f64 + 3.0;
    let promoters = (bands.promoters as f64 + 0.75) / n;
    let detractors = (bands.detractors as f64 + 0.75) / n;
    let score = promoters - detractors;
    let variance = (promoters + detractors - score * score).max(0.0) / n;
    let half = Z95 * variance.sqrt();
    Some(Interval {
        low: ((score - half) * 100.0).max(-100.0),
        high: ((score + half) * 100.0).min(100.0),
    })
}

/// Whether an NPS interval (in points) is worth printing: the rule of
/// [`interval_matters`] with 5 NPS points.
pub fn nps_interval_matters(n: u64, interval: Interval) -> bool {
    interval_matters(n, interval.scaled(0.01))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-4
    }

    fn grades(counts: &[u64]) -> impl Iterator<Item = (i64, u64)> + Clone + '_ {
        counts.iter().enumerate().map(|(i, c)| (i as i64 + 1, *c))
    }

    #[test]
    fn mean_of_a_distribution() {
        // 2×1, 3×2, 5×3, 15×4, 15×5 = 158 / 40.
        assert_eq!(mean(grades(&[2, 3, 5, 15, 15])), Some(3.95));
        assert_eq!(mean(grades(&[0, 0, 0])), None);
        assert_eq!(mean([(-5, 1), (5, 1)]), Some(0.0));
        // No overflow with extreme values.
        assert_eq!(mean([(i64::MAX, 2)]), Some(i64::MAX as f64));
    }

    #[test]
    fn median_walks_the_cumulative_counts() {
        assert_eq!(median(grades(&[2, 3, 5, 15, 15])), Some(4.0));
        // Odd count: the middle one.
        assert_eq!(median([(1, 1), (2, 1), (9, 1)]), Some(2.0));
        // Even count across a gap: the midpoint of the two middle values.
        assert_eq!(median([(1, 2), (4, 2)]), Some(2.5));
        assert_eq!(median([(1, 1), (3, 0), (4, 1)]), Some(2.5));
        assert_eq!(median([(7, 1)]), Some(7.0));
        assert_eq!(median(grades(&[0, 0])), None);
        assert_eq!(median([(i64::MIN, 1), (i64::MAX, 1)]), Some(-0.5));
    }

    #[test]
    fn median_agrees_with_sorting() {
        let dist = [(0, 3), (1, 0), (2, 5), (10, 1), (11, 4)];
        for cut in 0..dist.len() {
            let d = &dist[..=cut];
            let mut raw: Vec<i64> = d
                .iter()
                .flat_map(|(v, c)| std::iter::repeat_n(*v, *c as usize))
                .collect();
            raw.sort_unstable();
            let expected = match raw.len() {
                0 => None,
                n if n % 2 == 1 => Some(raw[n / 2] as f64),
                n => Some((raw[n / 2 - 1] + raw[n / 2]) as f64 / 2.0),
            };
            assert_eq!(median(d.iter().copied()), expected, "{d:?}");
        }
    }

    #[test]
    fn three_in_four_grade_four_or_five() {
        assert_eq!(top2_share(&[2, 3, 5, 15, 15]), Some(0.75));
        assert_eq!(top2(&[1, 0, 0, 1, 2]), Some(Share::new(3, 4)));
        assert_eq!(top2_share(&[0; 7]), None, "no answers");
        assert_eq!(top2(&[1, 2, 3]), None, "3-point scale");
        // 10-point scale: 9 and 10.
        assert_eq!(top2_share(&[1, 1, 1, 1, 1, 1, 1, 1, 1, 1]), Some(0.2));
    }

    #[test]
    fn nps_is_promoters_minus_detractors() {
        // 50 promoters, 30 passives, 20 detractors: +30.
        let mut counts = [0u64; 11];
        counts[10] = 30;
        counts[9] = 20;
        counts[8] = 20;
        counts[7] = 10;
        counts[6] = 15;
        counts[0] = 5;
        assert_eq!(nps(&counts), Some(30.0));
        assert_eq!(
            NpsBands::of(&counts),
            NpsBands {
                detractors: 20,
                passives: 30,
                promoters: 50
            }
        );
        assert_eq!(nps(&[0; 11]), None);
        let mut all_ten = [0u64; 11];
        all_ten[10] = 7;
        assert_eq!(nps(&all_ten), Some(100.0));
        let mut all_six = [0u64; 11];
        all_six[6] = 3;
        assert_eq!(nps(&all_six), Some(-100.0));
        // 88 promoters, 12 detractors: 88 % would recommend, NPS 76.
        let mut recommend = [0u64; 11];
        recommend[9] = 88;
        recommend[3] = 12;
        assert_eq!(nps(&recommend), Some(76.0));
    }

    #[test]
    fn nps_interval_follows_the_adjusted_wald() {
        let mut counts = [0u64; 11];
        counts[10] = 50;
        counts[7] = 30;
        counts[0] = 20;
        // n' = 103, p+ = 50.75/103, p- = 20.75/103.
        let i = nps_interval(&counts).unwrap();
        let (p, d): (f64, f64) = (50.75 / 103.0, 20.75 / 103.0);
        let half = Z95 * ((p + d - (p - d) * (p - d)) / 103.0).sqrt();
        assert!(close(i.low, (p - d - half) * 100.0), "{i:?}");
        assert!(close(i.high, (p - d + half) * 100.0), "{i:?}");
        assert!(nps_interval_matters(100, i), "±{} points", i.half_width());
        // All promoters: still an interval, inside the scale.
        let mut all = [0u64; 11];
        all[10] = 5;
        let i = nps_interval(&all).unwrap();
        assert!(i.high <= 100.0 && i.low < 100.0 && i.low > 0.0, "{i:?}");
        assert_eq!(nps_interval(&[0; 11]), None);
    }

    #[test]
    fn wilson_known_answers() {
        // Values from the closed form, checked against R's prop.test(correct = FALSE).
        let i = wilson(5, 10).unwrap();
        assert!(close(i.low, 0.236_593) && close(i.high, 0.763_407), "{i:?}");
        let i = wilson(0, 10).unwrap();
        assert!(close(i.low, 0.0) && close(i.high, 0.277_533), "{i:?}");
        let i = wilson(10, 10).unwrap();
        assert!(close(i.low, 0.722_467) && close(i.high, 1.0), "{i:?}");
        let i = wilson(88, 100).unwrap();
        assert!(close(i.low, 0.801_9) && close(i.high, 0.930_0), "{i:?}");
        assert_eq!(wilson(0, 0), None);
        // Symmetric: k of n mirrors n-k of n.
        let (a, b) = (wilson(3, 17).unwrap(), wilson(14, 17).unwrap());
        assert!(close(a.low, 1.0 - b.high) && close(a.high, 1.0 - b.low));
    }

    #[test]
    fn when_an_interval_matters() {
        let share = |k, n| Share::new(k, n).interval_if_it_matters();
        // Small samples always.
        assert!(share(0, 99).is_some());
        assert!(share(50, 99).is_some());
        // 100+ answers: only when wider than ±5 points.
        assert!(share(50, 100).is_some(), "±9.6 points");
        assert!(share(200, 400).is_none(), "±4.9 points");
        assert!(share(190, 380).is_some(), "±5.002 points");
        assert!(share(5, 100).is_none(), "5 %: ±4.5 points");
        assert!(share(0, 0).is_none(), "nothing to show");
    }

    #[test]
    fn share_ratio() {
        assert_eq!(Share::new(3, 4).ratio(), Some(0.75));
        assert_eq!(Share::new(0, 0).ratio(), None);
    }
}
