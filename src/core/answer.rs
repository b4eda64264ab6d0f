//! Answer values and the rules each question type puts on them.
//!
//! The kiosk builds answers from key presses and clicks, the store checks
//! them again before writing (issue: never store an invalid answer), and
//! bundles from other terminals are checked with the same function.

use std::collections::BTreeMap;

use super::sanitize;
use super::survey::{OTHER_OPTION, Question, QuestionKind};

/// Longest free text accepted in an "Other, what?" field, in characters.
pub const OTHER_MAX_LEN: u32 = 200;

/// One respondent's answers, by question id. A question without an entry
/// is unanswered.
pub type Answers = BTreeMap<String, Answer>;

/// The answer to one question.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    Choice(Picked),
    Multi {
        options: Vec<String>,
        /// The "Other, what?" text, when that was chosen.
        other: Option<String>,
    },
    /// Option ids, best first.
    Ranking(Vec<String>),
    Rating(u8),
    Nps(u8),
    YesNo(bool),
    Number(i64),
    Text(String),
}

/// What a respondent chose in a single-choice question.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Picked {
    Option(String),
    /// "Other, what?" with the respondent's text.
    Other(String),
}

/// Why an answer does not fit its question.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AnswerError {
    #[error("this question needs an answer")]
    Required,
    #[error("a {expected} question cannot take this kind of answer")]
    WrongType { expected: &'static str },
    #[error("`{0}` is not an option of this question")]
    UnknownOption(String),
    #[error("`{0}` is chosen twice")]
    DuplicateOption(String),
    #[error("this question has no \"other\" option")]
    OtherNotOffered,
    #[error("the text is empty")]
    EmptyText,
    #[error("the text is longer than {}", crate::core::sanitize::plural(*max, "character"))]
    TooLong { max: u32 },
    #[error("the text holds control characters or surrounding spaces")]
    Unclean,
    #[error("choose at least {min}")]
    TooFew { min: u32 },
    #[error("choose at most {max}")]
    TooMany { max: u32 },
    #[error("rank exactly {}", crate::core::sanitize::plural(*pick, "option"))]
    WrongPickCount { pick: u32 },
    #[error("the answer must be between {min} and {max}")]
    OutOfRange { min: i64, max: i64 },
}

/// Checks `answer` against `question`'s type and settings.
pub fn check(question: &Question, answer: &Answer) -> Result<(), AnswerError> {
    use QuestionKind as K;
    match (&question.kind, answer) {
        (K::Choice { .. }, Answer::Choice(Picked::Option(id))) => known_option(question, id),
        (K::Choice { other, .. }, Answer::Choice(Picked::Other(text))) => other_text(*other, text),
        (
            K::Multi {
                min, max, other, ..
            },
            Answer::Multi {
                options,
                other: text,
            },
        ) => {
            distinct_known(question, options)?;
            if let Some(text) = text {
                other_text(*other, text)?;
            }
            let count = options.len() + usize::from(text.is_some());
            if count < (*min).max(1) as usize {
                return Err(AnswerError::TooFew { min: (*min).max(1) });
            }
            if count > *max as usize {
                return Err(AnswerError::TooMany { max: *max });
            }
            Ok(())
        }
        (K::Ranking { pick, .. }, Answer::Ranking(order)) => {
            distinct_known(question, order)?;
            if order.len() != *pick as usize {
                return Err(AnswerError::WrongPickCount { pick: *pick });
            }
            Ok(())
        }
        (K::Rating { .. }, Answer::Rating(v)) | (K::Nps, Answer::Nps(v)) => {
            in_range(&question.kind, i64::from(*v))
        }
        (K::YesNo, Answer::YesNo(_)) => Ok(()),
        (K::Number { .. }, Answer::Number(v)) => in_range(&question.kind, *v),
        (K::Text { max_len }, Answer::Text(text)) => clean_text(text, *max_len),
        (kind, _) => Err(AnswerError::WrongType {
            expected: kind.type_name(),
        }),
    }
}

/// Checks that a required question is answered, then the answer itself.
pub fn check_optional(question: &Question, answer: Option<&Answer>) -> Result<(), AnswerError> {
    match answer {
        Some(answer) => check(question, answer),
        None if question.required => Err(AnswerError::Required),
        None => Ok(()),
    }
}

fn in_range(kind: &QuestionKind, value: i64) -> Result<(), AnswerError> {
    let (min, max) = kind.int_range().unwrap_or((i64::MIN, i64::MAX));
    if (min..=max).contains(&value) {
        Ok(())
    } else {
        Err(AnswerError::OutOfRange { min, max })
    }
}

fn known_option(question: &Question, id: &str) -> Result<(), AnswerError> {
    // "other" is answered as `Picked::Other` with its text, never as an id.
    if id != OTHER_OPTION && question.kind.has_option(id) {
        Ok(())
    } else {
        Err(AnswerError::UnknownOption(id.to_owned()))
    }
}

fn distinct_known(question: &Question, ids: &[String]) -> Result<(), AnswerError> {
    for (i, id) in ids.iter().enumerate() {
        known_option(question, id)?;
        if ids[..i].contains(id) {
            return Err(AnswerError::DuplicateOption(id.clone()));
        }
    }
    Ok(())
}

fn other_text(offered: bool, text: &str) -> Result<(), AnswerError> {
    if !offered {
        return Err(AnswerError::OtherNotOffered);
    }
    clean_text(text, OTHER_MAX_LEN)
}

/// Free text must already be what [`sanitize::clean_answer`] makes of it.
fn clean_text(text: &str, max_len: u32) -> Result<(), AnswerError> {
    if text.is_empty() {
        return Err(AnswerError::EmptyText);
    }
    if text.chars().count() > max_len as usize {
        return Err(AnswerError::TooLong { max: max_len });
    }
    if sanitize::clean_answer(text, max_len as usize, true) != text {
        return Err(AnswerError::Unclean);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::survey::Survey;
    use crate::core::validate::survey_from_str;

    fn survey() -> Survey {
        survey_from_str(include_str!("testdata/all_types.toml")).unwrap()
    }

    fn check_on(id: &str, answer: Answer) -> Result<(), AnswerError> {
        let s = survey();
        check(s.question(id).unwrap(), &answer)
    }

    fn ids(xs: &[&str]) -> Vec<String> {
        xs.iter().map(|x| (*x).to_owned()).collect()
    }

    #[test]
    fn choice_takes_a_listed_option_or_other_text() {
        assert_eq!(
            check_on("group", Answer::Choice(Picked::Option("staff".into()))),
            Ok(())
        );
        assert_eq!(
            check_on("group", Answer::Choice(Picked::Other("kävijä".into()))),
            Ok(())
        );
        assert_eq!(
            check_on("group", Answer::Choice(Picked::Option("other".into()))),
            Err(AnswerError::UnknownOption("other".into()))
        );
        assert_eq!(
            check_on("group", Answer::Choice(Picked::Other(" ".into()))),
            Err(AnswerError::Unclean)
        );
        assert_eq!(
            check_on("group", Answer::Choice(Picked::Other(String::new()))),
            Err(AnswerError::EmptyText)
        );
    }

    #[test]
    fn multi_counts_other_and_enforces_min_and_max() {
        let multi = |o: &[&str], other: Option<&str>| Answer::Multi {
            options: ids(o),
            other: other.map(Into::into),
        };
        assert_eq!(check_on("channels", multi(&["phone"], None)), Ok(()));
        assert_eq!(
            check_on("channels", multi(&["phone"], Some("chat"))),
            Ok(())
        );
        assert_eq!(
            check_on("channels", multi(&["phone", "email"], Some("chat"))),
            Err(AnswerError::TooMany { max: 2 })
        );
        assert_eq!(
            check_on("channels", multi(&[], None)),
            Err(AnswerError::TooFew { min: 1 })
        );
        assert_eq!(
            check_on("channels", multi(&["phone", "phone"], None)),
            Err(AnswerError::DuplicateOption("phone".into()))
        );
    }

    #[test]
    fn ranking_needs_exactly_pick_distinct_options() {
        assert_eq!(
            check_on("priorities", Answer::Ranking(ids(&["quality", "speed"]))),
            Ok(())
        );
        assert_eq!(
            check_on("priorities", Answer::Ranking(ids(&["quality"]))),
            Err(AnswerError::WrongPickCount { pick: 2 })
        );
        assert_eq!(
            check_on("priorities", Answer::Ranking(ids(&["quality", "quality"]))),
            Err(AnswerError::DuplicateOption("quality".into()))
        );
    }

    #[test]
    fn numbers_stay_in_range() {
        assert_eq!(check_on("overall", Answer::Rating(5)), Ok(()));
        assert_eq!(
            check_on("overall", Answer::Rating(0)),
            Err(AnswerError::OutOfRange { min: 1, max: 5 })
        );
        assert_eq!(check_on("recommend", Answer::Nps(0)), Ok(()));
        assert_eq!(
            check_on("recommend", Answer::Nps(11)),
            Err(AnswerError::OutOfRange { min: 0, max: 10 })
        );
        assert_eq!(
            check_on("visits", Answer::Number(366)),
            Err(AnswerError::OutOfRange { min: 0, max: 365 })
        );
        // An NPS answer is not a rating, even with a value in range.
        assert_eq!(
            check_on("overall", Answer::Nps(3)),
            Err(AnswerError::WrongType { expected: "rating" })
        );
    }

    #[test]
    fn text_is_bounded_in_characters_and_must_be_clean() {
        assert_eq!(check_on("why", Answer::Text("ä".repeat(20))), Ok(()));
        assert_eq!(
            check_on("why", Answer::Text("ä".repeat(21))),
            Err(AnswerError::TooLong { max: 20 })
        );
        assert_eq!(
            check_on("why", Answer::Text("a\u{1b}[2Jb".into())),
            Err(AnswerError::Unclean)
        );
        assert_eq!(check_on("why", Answer::Text("rivi\ntoinen".into())), Ok(()));
    }

    #[test]
    fn required_questions_need_an_answer() {
        let s = survey();
        assert_eq!(
            check_optional(s.question("group").unwrap(), None),
            Err(AnswerError::Required)
        );
        assert_eq!(check_optional(s.question("overall").unwrap(), None), Ok(()));
    }
}
