//! Ballot-stuffing, flagged and never dropped.
//!
//! HappyOrNot's terminals filter out excessive presses; kioski keeps every
//! response and marks the doubtful ones, so a tally can leave them out
//! while the data still shows what happened. A complete response is
//! *suspect* when the previous complete response on the same terminal, to
//! the same survey, had the same answers and was stored less than the
//! survey's `min_seconds` before it: a child pressing through the same
//! answers again and again, not a queue of people who agree. The store
//! finds that previous response at submit (`Store::submit`); the rule
//! itself is here, pure.

use super::response::Response;

/// Whether `next` repeats `previous` too soon to be another person:
/// both complete, same survey and terminal, the same answers, and `next`
/// submitted less than `min_seconds` after `previous` (never when
/// `min_seconds` is 0). `previous` must be the last complete response
/// before `next` on that terminal.
pub fn repeats_too_soon(previous: &Response, next: &Response, min_seconds: u32) -> bool {
    let gap = next.submitted_ms.saturating_sub(previous.submitted_ms);
    min_seconds > 0
        && previous.complete
        && next.complete
        && previous.survey == next.survey
        && previous.terminal == next.terminal
        && (0..i64::from(min_seconds) * 1000).contains(&gap)
        && previous.answers == next.answers
}

/// How far back a store must look for the previous complete response of
/// `next`: responses submitted before this can never make it suspect.
pub fn window_start_ms(next: &Response, min_seconds: u32) -> i64 {
    next.submitted_ms
        .saturating_sub(i64::from(min_seconds) * 1000)
        .saturating_add(1)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use uuid::Uuid;

    use super::*;
    use crate::core::answer::{Answer, Answers};
    use crate::core::survey::Lang;
    use crate::core::version::VersionHash;

    fn response(ms: i64, grade: u8) -> Response {
        Response {
            id: Uuid::from_u128(ms as u128),
            survey: "pulssi".into(),
            version: VersionHash([1; 32]),
            terminal: "desk-1".into(),
            lang: Lang::Fi,
            started_ms: ms - 3_000,
            submitted_ms: ms,
            complete: true,
            answers: Answers::from([("overall".to_owned(), Answer::Rating(grade))]),
            simulated: false,
            suspect: false,
        }
    }

    #[test]
    fn the_same_answers_again_within_the_window_are_suspect() {
        let first = response(100_000, 5);
        assert!(repeats_too_soon(&first, &response(100_000, 5), 10));
        assert!(repeats_too_soon(&first, &response(109_999, 5), 10));
        assert!(!repeats_too_soon(&first, &response(110_000, 5), 10));
        assert!(!repeats_too_soon(&first, &response(101_000, 4), 10));
    }

    #[test]
    fn zero_seconds_turns_the_rule_off() {
        let first = response(100_000, 5);
        assert!(!repeats_too_soon(&first, &response(100_001, 5), 0));
    }

    #[test]
    fn only_complete_responses_of_one_terminal_and_survey_count() {
        let first = response(100_000, 5);
        let partial = Response {
            complete: false,
            ..response(101_000, 5)
        };
        assert!(!repeats_too_soon(&partial, &response(102_000, 5), 10));
        assert!(!repeats_too_soon(&first, &partial, 10));
        let elsewhere = Response {
            terminal: "desk-2".into(),
            ..response(101_000, 5)
        };
        assert!(!repeats_too_soon(&first, &elsewhere, 10));
        let other_survey = Response {
            survey: "other".into(),
            ..response(101_000, 5)
        };
        assert!(!repeats_too_soon(&first, &other_survey, 10));
    }

    #[test]
    fn an_earlier_response_never_makes_a_later_one_suspect_backwards() {
        assert!(!repeats_too_soon(
            &response(105_000, 5),
            &response(100_000, 5),
            10
        ));
    }

    proptest! {
        /// Suspect exactly when the gap is within [0, min_seconds) and the
        /// answers are equal; and the store's window holds every response
        /// that could make it so.
        #[test]
        fn suspect_iff_same_answers_within_the_window(
            t0 in 0i64..10_000_000,
            gap in -20_000i64..4_000_000,
            a in 1u8..=5,
            b in 1u8..=5,
            min in 0u32..=3600,
        ) {
            let previous = response(t0, a);
            let next = response(t0 + gap, b);
            let expected = min > 0 && a == b && gap >= 0 && gap < i64::from(min) * 1000;
            prop_assert_eq!(repeats_too_soon(&previous, &next, min), expected);
            if expected {
                prop_assert!(previous.submitted_ms >= window_start_ms(&next, min));
            }
        }
    }
}
