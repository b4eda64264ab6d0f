//! Answers as JSON (PostgreSQL's `responses.answers jsonb`) and as long
//! rows (the `answers` table), and back from JSON exactly.
//!
//! Each answer is an object with one key naming its kind, so a rating of
//! 4 and a number 4 stay apart and decoding needs no survey:
//! `{"q": {"rating": 4}}`, `{"nps": 9}`, `{"number": -3}`,
//! `{"yesno": true}`, `{"choice": "bus"}`, `{"other": "by boat"}` (a
//! choice's "Other, what?"), `{"multi": ["a", "b"], "other": "c"}`,
//! `{"ranking": ["a", "b"]}`, `{"text": "..."}`. A BI query reads
//! `answers->'q'->>'rating'`.

use serde_json::{Map, Value};

use super::answer::{Answer, Answers, Picked};
use super::survey::OTHER_OPTION;

/// Why a JSON value is not an answers object.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the answer to `{question}` is not in kioski's JSON form: {reason}")]
pub struct AnswerJsonError {
    pub question: String,
    pub reason: String,
}

/// The JSON form of `answers` (keys in question-id order).
pub fn to_json(answers: &Answers) -> Value {
    let mut out = Map::new();
    for (question, answer) in answers {
        out.insert(question.clone(), answer_json(answer));
    }
    Value::Object(out)
}

fn answer_json(answer: &Answer) -> Value {
    let one = |k: &str, v: Value| {
        let mut m = Map::new();
        m.insert(k.to_owned(), v);
        Value::Object(m)
    };
    let strings = |v: &[String]| Value::Array(v.iter().cloned().map(Value::String).collect());
    match answer {
        Answer::Choice(Picked::Option(id)) => one("choice", Value::String(id.clone())),
        Answer::Choice(Picked::Other(text)) => one("other", Value::String(text.clone())),
        Answer::Multi { options, other } => {
            let mut m = Map::new();
            m.insert("multi".into(), strings(options));
            if let Some(text) = other {
                m.insert("other".into(), Value::String(text.clone()));
            }
            Value::Object(m)
        }
        Answer::Ranking(order) => one("ranking", strings(order)),
        Answer::Rating(v) => one("rating", Value::from(*v)),
        Answer::Nps(v) => one("nps", Value::from(*v)),
        Answer::YesNo(b) => one("yesno", Value::Bool(*b)),
        Answer::Number(n) => one("number", Value::from(*n)),
        Answer::Text(t) => one("text", Value::String(t.clone())),
    }
}

/// Answers back from [`to_json`]'s form.
pub fn from_json(value: &Value) -> Result<Answers, AnswerJsonError> {
    let Value::Object(map) = value else {
        return Err(AnswerJsonError {
            question: String::new(),
            reason: "the answers are not a JSON object".into(),
        });
    };
    map.iter()
        .map(|(q, v)| {
            answer_from(v)
                .map(|a| (q.clone(), a))
                .map_err(|reason| AnswerJsonError {
                    question: q.clone(),
                    reason,
                })
        })
        .collect()
}

fn answer_from(v: &Value) -> Result<Answer, String> {
    let Value::Object(m) = v else {
        return Err("not an object".into());
    };
    let string = |v: &Value| v.as_str().map(str::to_owned).ok_or("not a string");
    let strings = |v: &Value| -> Result<Vec<String>, String> {
        v.as_array()
            .ok_or("not a list")?
            .iter()
            .map(|s| string(s).map_err(str::to_owned))
            .collect()
    };
    let small = |v: &Value| {
        v.as_u64()
            .and_then(|n| u8::try_from(n).ok())
            .ok_or("not a whole number from 0 to 255")
    };
    let only = |n: usize| {
        if m.len() == n {
            Ok(())
        } else {
            Err(format!(
                "unexpected keys {:?}",
                m.keys().collect::<Vec<_>>()
            ))
        }
    };
    if let Some(options) = m.get("multi") {
        let other = m.get("other").map(string).transpose()?;
        only(1 + usize::from(other.is_some()))?;
        return Ok(Answer::Multi {
            options: strings(options)?,
            other,
        });
    }
    only(1)?;
    let (kind, v) = m.iter().next().ok_or("an empty object")?;
    Ok(match kind.as_str() {
        "choice" => Answer::Choice(Picked::Option(string(v)?)),
        "other" => Answer::Choice(Picked::Other(string(v)?)),
        "ranking" => Answer::Ranking(strings(v)?),
        "rating" => Answer::Rating(small(v)?),
        "nps" => Answer::Nps(small(v)?),
        "yesno" => Answer::YesNo(v.as_bool().ok_or("not true or false")?),
        "number" => Answer::Number(v.as_i64().ok_or("not a whole number")?),
        "text" => Answer::Text(string(v)?),
        other => return Err(format!("unknown kind `{other}`")),
    })
}

/// One row of the long `answers` table.
#[derive(Clone, Debug, PartialEq)]
pub struct LongRow<'a> {
    pub question: &'a str,
    /// The question type's name: choice, multi, ranking, rating, nps,
    /// yesno, number, text.
    pub kind: &'static str,
    /// A chosen option's id (`other` for "Other, what?"; `yes`/`no`).
    pub option: Option<&'a str>,
    /// A rating, NPS, number (as a double), or 1/0 for yes/no.
    pub value: Option<f64>,
    /// Free text: a text answer or an "other" text.
    pub text: Option<&'a str>,
    /// A ranking's place, 1 = best.
    pub position: Option<i32>,
}

/// The long rows of `answers`: one per chosen option (a multi or ranking
/// has several), one per other answer.
pub fn long_rows(answers: &Answers) -> Vec<LongRow<'_>> {
    let mut rows = Vec::with_capacity(answers.len());
    for (question, answer) in answers {
        let row = |kind, option, value, text, position| LongRow {
            question,
            kind,
            option,
            value,
            text,
            position,
        };
        match answer {
            Answer::Choice(Picked::Option(id)) => {
                rows.push(row("choice", Some(id.as_str()), None, None, None));
            }
            Answer::Choice(Picked::Other(t)) => {
                rows.push(row(
                    "choice",
                    Some(OTHER_OPTION),
                    None,
                    Some(t.as_str()),
                    None,
                ));
            }
            Answer::Multi { options, other } => {
                for id in options {
                    rows.push(row("multi", Some(id.as_str()), None, None, None));
                }
                if let Some(t) = other {
                    rows.push(row(
                        "multi",
                        Some(OTHER_OPTION),
                        None,
                        Some(t.as_str()),
                        None,
                    ));
                }
            }
            Answer::Ranking(order) => {
                for (i, id) in order.iter().enumerate() {
                    let place = i32::try_from(i + 1).unwrap_or(i32::MAX);
                    rows.push(row("ranking", Some(id.as_str()), None, None, Some(place)));
                }
            }
            Answer::Rating(v) => rows.push(row("rating", None, Some(f64::from(*v)), None, None)),
            Answer::Nps(v) => rows.push(row("nps", None, Some(f64::from(*v)), None, None)),
            Answer::YesNo(b) => rows.push(row(
                "yesno",
                Some(if *b { "yes" } else { "no" }),
                Some(f64::from(u8::from(*b))),
                None,
                None,
            )),
            // A double column (exact to 2^53); the jsonb keeps every i64.
            Answer::Number(n) => rows.push(row("number", None, Some(*n as f64), None, None)),
            Answer::Text(t) => rows.push(row("text", None, None, Some(t.as_str()), None)),
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn id() -> impl Strategy<Value = String> {
        "[a-z_][a-z0-9_]{0,8}"
    }

    fn text() -> impl Strategy<Value = String> {
        // Any Unicode, quotes and backslashes included.
        any::<String>()
    }

    fn answer() -> impl Strategy<Value = Answer> {
        prop_oneof![
            id().prop_map(|i| Answer::Choice(Picked::Option(i))),
            text().prop_map(|t| Answer::Choice(Picked::Other(t))),
            (prop::collection::vec(id(), 0..4), prop::option::of(text()))
                .prop_map(|(options, other)| Answer::Multi { options, other }),
            prop::collection::vec(id(), 0..4).prop_map(Answer::Ranking),
            any::<u8>().prop_map(Answer::Rating),
            any::<u8>().prop_map(Answer::Nps),
            any::<bool>().prop_map(Answer::YesNo),
            any::<i64>().prop_map(Answer::Number),
            text().prop_map(Answer::Text),
        ]
    }

    proptest! {
        #[test]
        fn every_answer_kind_round_trips(answers in prop::collection::btree_map(id(), answer(), 0..8)) {
            let json = to_json(&answers);
            prop_assert_eq!(from_json(&json).unwrap(), answers.clone());
            // Through text too, as PostgreSQL sends it back.
            let again: Value = serde_json::from_str(&json.to_string()).unwrap();
            prop_assert_eq!(from_json(&again).unwrap(), answers);
        }
    }

    #[test]
    fn the_form_is_readable() {
        let mut a = Answers::new();
        a.insert("r".into(), Answer::Rating(4));
        a.insert("n".into(), Answer::Number(4));
        a.insert(
            "m".into(),
            Answer::Multi {
                options: vec!["a".into()],
                other: Some("b".into()),
            },
        );
        assert_eq!(
            to_json(&a).to_string(),
            r#"{"m":{"multi":["a"],"other":"b"},"n":{"number":4},"r":{"rating":4}}"#
        );
    }

    #[test]
    fn foreign_json_is_refused_in_words() {
        for bad in [
            r#"[]"#,
            r#"{"q": 4}"#,
            r#"{"q": {"rating": 400}}"#,
            r#"{"q": {"rating": 4, "nps": 3}}"#,
            r#"{"q": {"colour": "red"}}"#,
            r#"{"q": {"multi": ["a"], "x": 1}}"#,
        ] {
            let v: Value = serde_json::from_str(bad).unwrap();
            assert!(from_json(&v).is_err(), "{bad}");
        }
    }

    #[test]
    fn long_rows_one_per_option() {
        let mut a = Answers::new();
        a.insert("rank".into(), Answer::Ranking(vec!["x".into(), "y".into()]));
        a.insert("yn".into(), Answer::YesNo(false));
        let rows = long_rows(&a);
        assert_eq!(rows.len(), 3);
        assert_eq!(rows[1].position, Some(2));
        assert_eq!((rows[2].option, rows[2].value), (Some("no"), Some(0.0)));
    }
}
