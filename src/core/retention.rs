//! Which responses a delete takes, and how many: the filters of `kioski
//! delete` and a survey's `keep_days`, as pure rules (times passed in).

use super::response::Response;

/// One day in milliseconds.
pub const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// The responses of one survey a delete takes: every filter given at
/// once (they combine with AND). No filter takes nothing; a whole survey
/// goes another way (`--all`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Selection {
    /// Submitted before this time (Unix ms).
    pub before_ms: Option<i64>,
    /// Only partial responses.
    pub partial: bool,
    /// Only responses made by `simulate`.
    pub simulated: bool,
}

impl Selection {
    /// True when no filter is given.
    pub fn is_empty(&self) -> bool {
        self.before_ms.is_none() && !self.partial && !self.simulated
    }

    /// Whether `r` is taken: it passes every given filter, and at least
    /// one is given.
    pub fn matches(&self, r: &Response) -> bool {
        !self.is_empty()
            && self.before_ms.is_none_or(|b| r.submitted_ms < b)
            && (!self.partial || !r.complete)
            && (!self.simulated || is_simulated(r))
    }

    /// What `keep_days = N` takes at `now_ms`: everything submitted more
    /// than N whole days ago.
    pub fn older_than_days(now_ms: i64, days: u32) -> Selection {
        Selection {
            before_ms: Some(now_ms.saturating_sub(i64::from(days) * DAY_MS)),
            ..Selection::default()
        }
    }
}

/// Whether a response was made by `simulate`.
fn is_simulated(r: &Response) -> bool {
    r.simulated
}

/// How many responses each filter would take alone, and all of them
/// together: what `kioski delete` shows before it asks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Every response of the survey.
    pub total: u64,
    pub before: u64,
    pub partial: u64,
    pub simulated: u64,
    /// Those that every given filter takes: what would be deleted.
    pub matching: u64,
}

impl Counts {
    /// Counts `r` against `selection`.
    pub fn add(&mut self, selection: &Selection, r: &Response) {
        self.total += 1;
        if selection.before_ms.is_some_and(|b| r.submitted_ms < b) {
            self.before += 1;
        }
        if !r.complete {
            self.partial += 1;
        }
        if is_simulated(r) {
            self.simulated += 1;
        }
        if selection.matches(r) {
            self.matching += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::survey::Lang;
    use crate::core::version::VersionHash;

    fn response(submitted_ms: i64, complete: bool) -> Response {
        Response {
            id: uuid::Uuid::nil(),
            survey: "s".into(),
            version: VersionHash([0; 32]),
            terminal: "t".into(),
            lang: Lang::En,
            started_ms: submitted_ms - 10,
            submitted_ms,
            complete,
            answers: Default::default(),
            simulated: false,
            suspect: false,
        }
    }

    #[test]
    fn filters_combine_with_and_and_none_takes_nothing() {
        let old_partial = response(100, false);
        let old_complete = response(100, true);
        let new_partial = response(900, false);
        assert!(!Selection::default().matches(&old_partial));
        let both = Selection {
            before_ms: Some(500),
            partial: true,
            simulated: false,
        };
        assert!(both.matches(&old_partial));
        assert!(!both.matches(&old_complete));
        assert!(!both.matches(&new_partial));
        let mut counts = Counts::default();
        for r in [&old_partial, &old_complete, &new_partial] {
            counts.add(&both, r);
        }
        assert_eq!(
            counts,
            Counts {
                total: 3,
                before: 2,
                partial: 2,
                simulated: 0,
                matching: 1
            }
        );
    }

    #[test]
    fn keep_days_takes_what_is_older_than_that_many_days() {
        let now = 100 * DAY_MS;
        let keep = Selection::older_than_days(now, 30);
        assert!(keep.matches(&response(now - 30 * DAY_MS - 1, true)));
        assert!(!keep.matches(&response(now - 30 * DAY_MS, true)));
    }
}
