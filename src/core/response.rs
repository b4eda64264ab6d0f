//! A response record: one respondent's answers to one survey version.
//!
//! Ids and times are passed in (the core has no clock or randomness); the
//! store makes them. No respondent identity is ever part of a response.

use rand::Rng;

use uuid::{Builder, Uuid};

use super::answer::{self, AnswerError, Answers};
use super::flow;
use super::survey::{Lang, Survey};
use super::version::VersionHash;

/// Longest terminal name, in characters.
pub const MAX_TERMINAL_LEN: usize = 64;

/// Why a terminal name cannot be used.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TerminalNameError {
    #[error("the terminal name is empty")]
    Empty,
    #[error("the terminal name has {0} characters; at most {MAX_TERMINAL_LEN} are allowed")]
    TooLong(usize),
    #[error("the terminal name contains a control character")]
    Control,
}

/// The one rule for a terminal name, wherever it enters (`--terminal`, the
/// admin view, the socket, a stored response): checked before it is
/// stored, so a stored name can never make later responses fail.
pub fn check_terminal_name(name: &str) -> Result<(), TerminalNameError> {
    let n = name.chars().count();
    if n == 0 {
        return Err(TerminalNameError::Empty);
    }
    if n > MAX_TERMINAL_LEN {
        return Err(TerminalNameError::TooLong(n));
    }
    if super::sanitize::first_forbidden(name, false).is_some() {
        return Err(TerminalNameError::Control);
    }
    Ok(())
}

/// One stored response.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Response {
    /// Time-ordered (UUID v7, from the submit time), unique across terminals.
    pub id: Uuid,
    pub survey: String,
    pub version: VersionHash,
    /// Which kiosk took it, for merged data.
    pub terminal: String,
    pub lang: Lang,
    /// Unix milliseconds of the first screen and of the submit.
    pub started_ms: i64,
    pub submitted_ms: i64,
    /// False when the respondent walked away (idle timeout, shutdown).
    pub complete: bool,
    pub answers: Answers,
    /// Made by `kioski simulate`, not by a person: counted apart, deletable.
    pub simulated: bool,
    /// Looks like ballot-stuffing (see docs/store.md, "Suspect
    /// responses"): kept and exported, but left out of tallies by default.
    pub suspect: bool,
}

/// A response id: UUID v7 from the submit time `ms`, so ids sort in time
/// order, with random bits from `rng` (the caller's; the core has none).
pub fn time_ordered_id(rng: &mut impl Rng, ms: i64) -> Uuid {
    let mut random = [0u8; 10];
    rng.fill_bytes(&mut random);
    Builder::from_unix_timestamp_millis(u64::try_from(ms).unwrap_or(0), &random).into_uuid()
}

/// Why a response cannot be stored.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ResponseError {
    #[error("the response is for survey `{found}`, not `{expected}`")]
    WrongSurvey { expected: String, found: String },
    #[error("the survey has no question `{0}`")]
    UnknownQuestion(String),
    #[error("answer to `{question}`: {error}")]
    BadAnswer {
        question: String,
        error: AnswerError,
    },
    #[error("answer to `{0}`, which its conditions hide")]
    HiddenAnswer(String),
    #[error("marked complete, but a required question is unanswered")]
    NotComplete,
    #[error("the survey is not offered in `{0}`")]
    Language(String),
    #[error("the submit time is before the start time")]
    Times,
    #[error("{0}")]
    Terminal(#[from] TerminalNameError),
}

impl Response {
    /// Checks the response against the survey version it claims to answer,
    /// with the same rules the kiosk follows. Nothing invalid is stored.
    pub fn check(&self, survey: &Survey) -> Result<(), ResponseError> {
        if self.survey != survey.id {
            return Err(ResponseError::WrongSurvey {
                expected: survey.id.clone(),
                found: self.survey.clone(),
            });
        }
        if !survey.languages.contains(&self.lang) {
            return Err(ResponseError::Language(self.lang.to_string()));
        }
        if self.submitted_ms < self.started_ms {
            return Err(ResponseError::Times);
        }
        check_terminal_name(&self.terminal)?;
        for (id, a) in &self.answers {
            let q = survey
                .question(id)
                .ok_or_else(|| ResponseError::UnknownQuestion(id.clone()))?;
            answer::check(q, a).map_err(|error| ResponseError::BadAnswer {
                question: id.clone(),
                error,
            })?;
        }
        let visible = flow::visibility(survey, &self.answers);
        let hidden = survey
            .questions
            .iter()
            .zip(&visible)
            .find(|(q, v)| !**v && self.answers.contains_key(&q.id));
        if let Some((q, _)) = hidden {
            return Err(ResponseError::HiddenAnswer(q.id.clone()));
        }
        if self.complete && !flow::complete_given(survey, &self.answers, &visible) {
            return Err(ResponseError::NotComplete);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_terminal_name_is_short_printable_and_not_empty() {
        assert_eq!(check_terminal_name("kirjasto-1"), Ok(()));
        assert_eq!(check_terminal_name(&"ä".repeat(MAX_TERMINAL_LEN)), Ok(()));
        assert_eq!(check_terminal_name(""), Err(TerminalNameError::Empty));
        assert_eq!(
            check_terminal_name(&"x".repeat(MAX_TERMINAL_LEN + 1)),
            Err(TerminalNameError::TooLong(MAX_TERMINAL_LEN + 1))
        );
        assert_eq!(
            check_terminal_name("a\u{1b}[2Jb"),
            Err(TerminalNameError::Control)
        );
    }
}
