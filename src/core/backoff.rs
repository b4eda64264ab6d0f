//! How long a background sync waits before it tries again: one second
//! after the first failure, doubling up to five minutes, with a fifth of
//! jitter so that tens of kiosks cut off by the same outage do not all
//! knock at the same second when the network returns.

use std::time::Duration;

/// The first wait.
pub const FIRST: Duration = Duration::from_secs(1);
/// The longest wait: a kiosk offline for weeks still tries every five
/// minutes, and catches up within one wait of the network's return.
pub const LONGEST: Duration = Duration::from_secs(300);

/// The wait after `failures` failures in a row (0: none, no wait), with
/// `unit` in `[0, 1)` from the caller's randomness spreading it by ±20 %.
pub fn retry_delay(failures: u32, unit: f64) -> Duration {
    if failures == 0 {
        return Duration::ZERO;
    }
    let doubled = FIRST
        .checked_mul(1u32 << failures.saturating_sub(1).min(16))
        .unwrap_or(LONGEST)
        .min(LONGEST);
    let spread = 0.8 + 0.4 * unit.clamp(0.0, 1.0);
    doubled.mul_f64(spread)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_failure_no_wait() {
        assert_eq!(retry_delay(0, 0.5), Duration::ZERO);
    }

    #[test]
    fn the_wait_doubles_from_one_second_to_five_minutes() {
        let middle: Vec<u64> = (1..=12).map(|n| retry_delay(n, 0.5).as_secs()).collect();
        assert_eq!(middle, [1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300, 300]);
        assert_eq!(retry_delay(u32::MAX, 0.5), LONGEST);
    }

    #[test]
    fn jitter_stays_within_a_fifth() {
        for n in 1..40 {
            let mid = retry_delay(n, 0.5);
            for unit in [0.0, 0.25, 0.999, 1.0, -3.0, 7.0] {
                let d = retry_delay(n, unit);
                assert!(
                    d >= mid.mul_f64(0.8) && d <= mid.mul_f64(1.2),
                    "{n} {unit}: {d:?}"
                );
            }
        }
    }
}
