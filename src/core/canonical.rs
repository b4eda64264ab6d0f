//! The canonical form of a survey, version 1: what a version's hash covers.
//!
//! The hash must never change for a survey that means the same thing, across
//! releases, so it is not taken from the model's own serde (which may change
//! with every new feature) but from the frozen mirror types below. They are
//! the survey model as release 0.1 (commit 6b57f67) had it, field for field
//! and variant for variant: their JSON is byte for byte what that release
//! hashed, and their bincode is what it stored inside a version record
//! (`store::record` decodes old records with them).
//!
//! **Keys added later.** A key added to the survey format after version 1
//! joins the canonical form only when its value differs from its default
//! (see [`Extension`] and [`EXTENSIONS`]), so every survey that does not use
//! it keeps its hash. The written rule is in `docs/store.md`.
//!
//! Never edit these types: add to [`EXTENSIONS`] instead.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use super::condition::{CmpOp, Condition, Value};
use super::survey::{
    ContactField, Label, Lang, PrizeDraw, Question, QuestionKind, QuestionOption, Survey,
};

/// Bumped only if version 1's rule itself ever had to change, so that old
/// and new hashes of one survey never collide by accident.
pub const DOMAIN: &[u8] = b"kioski-survey-v1\n";

/// The bytes a version's hash covers: [`DOMAIN`], then the JSON below.
pub fn form(survey: &Survey) -> Vec<u8> {
    form_with(survey, EXTENSIONS)
}

/// [`form`] with a given list of later keys (tests try hypothetical ones).
pub fn form_with(survey: &Survey, extensions: &[Extension]) -> Vec<u8> {
    let mut json = to_json(&SurveyV1::from(survey));
    for extension in extensions {
        extension.apply(survey, &mut json);
    }
    let mut out = DOMAIN.to_vec();
    // Writing a JSON value into memory cannot fail.
    out.extend(serde_json::to_vec(&json).unwrap_or_default());
    out
}

fn to_json(value: &impl Serialize) -> Json {
    serde_json::to_value(value).unwrap_or(Json::Null)
}

/// A key added to the survey format after version 1.
pub struct Extension {
    /// Its name in the canonical JSON.
    pub key: &'static str,
    pub at: ExtensionAt,
}

/// Where an [`Extension`] lives and how to read its value; `None` means the
/// value is the key's default, and then the key is left out.
pub enum ExtensionAt {
    Survey(fn(&Survey) -> Option<Json>),
    Question(fn(&Question) -> Option<Json>),
}

impl Extension {
    fn apply(&self, survey: &Survey, json: &mut Json) {
        match &self.at {
            ExtensionAt::Survey(value) => {
                if let (Some(v), Some(object)) = (value(survey), json.as_object_mut()) {
                    object.insert(self.key.to_owned(), v);
                }
            }
            ExtensionAt::Question(value) => {
                let Some(questions) = json.get_mut("questions").and_then(Json::as_array_mut) else {
                    return;
                };
                for (question, object) in survey.questions.iter().zip(questions) {
                    if let (Some(v), Some(object)) = (value(question), object.as_object_mut()) {
                        object.insert(self.key.to_owned(), v);
                    }
                }
            }
        }
    }
}

/// The keys added since version 1, oldest first.
pub const EXTENSIONS: &[Extension] = &[Extension {
    key: "prize_draw_delete_after",
    at: ExtensionAt::Survey(prize_delete_after),
}];

/// `[prize_draw] delete_after`, as `"YYYY-MM-DD"`, when set.
fn prize_delete_after(s: &Survey) -> Option<Json> {
    let day = s.prize_draw.as_ref()?.delete_after?;
    Some(Json::String(day.to_string()))
}

// ---- the frozen version 1 shapes -----------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum LangV1 {
    Fi,
    Sv,
    En,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LabelV1(pub BTreeMap<LangV1, String>);

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SurveyV1 {
    pub id: String,
    pub languages: Vec<LangV1>,
    pub title: LabelV1,
    pub intro: Option<LabelV1>,
    pub thanks: Option<LabelV1>,
    pub population: Option<u32>,
    pub prize_draw: Option<PrizeDrawV1>,
    pub questions: Vec<QuestionV1>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrizeDrawV1 {
    pub text: LabelV1,
    pub privacy: LabelV1,
    pub fields: Vec<ContactFieldV1>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ContactFieldV1 {
    Name,
    Phone,
    Email,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QuestionV1 {
    pub id: String,
    pub text: LabelV1,
    pub required: bool,
    pub show_if: Option<ConditionV1>,
    pub kind: KindV1,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum KindV1 {
    Choice {
        options: Vec<OptionV1>,
        other: bool,
    },
    Multi {
        options: Vec<OptionV1>,
        min: u32,
        max: u32,
        other: bool,
    },
    Ranking {
        options: Vec<OptionV1>,
        pick: u32,
    },
    Rating {
        scale: u8,
        low: Option<LabelV1>,
        high: Option<LabelV1>,
    },
    Nps,
    YesNo,
    Number {
        min: Option<i64>,
        max: Option<i64>,
    },
    Text {
        max_len: u32,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OptionV1 {
    pub id: String,
    pub label: LabelV1,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ConditionV1 {
    Or(Vec<ConditionV1>),
    And(Vec<ConditionV1>),
    Not(Box<ConditionV1>),
    Answered(String),
    Contains {
        question: String,
        option: String,
    },
    Compare {
        question: String,
        op: CmpOpV1,
        value: ValueV1,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CmpOpV1 {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ValueV1 {
    Int(i64),
    Option(String),
    Bool(bool),
}

// ---- from the model ------------------------------------------------------

impl From<Lang> for LangV1 {
    fn from(lang: Lang) -> Self {
        match lang {
            Lang::Fi => LangV1::Fi,
            Lang::Sv => LangV1::Sv,
            Lang::En => LangV1::En,
        }
    }
}

impl From<LangV1> for Lang {
    fn from(lang: LangV1) -> Self {
        match lang {
            LangV1::Fi => Lang::Fi,
            LangV1::Sv => Lang::Sv,
            LangV1::En => Lang::En,
        }
    }
}

impl From<&Label> for LabelV1 {
    fn from(label: &Label) -> Self {
        LabelV1(
            label
                .langs()
                .map(|lang| (lang.into(), label.get(lang).to_owned()))
                .collect(),
        )
    }
}

impl From<&Survey> for SurveyV1 {
    fn from(s: &Survey) -> Self {
        SurveyV1 {
            id: s.id.clone(),
            languages: s.languages.iter().map(|&l| l.into()).collect(),
            title: (&s.title).into(),
            intro: s.intro.as_ref().map(Into::into),
            thanks: s.thanks.as_ref().map(Into::into),
            population: s.population,
            prize_draw: s.prize_draw.as_ref().map(Into::into),
            questions: s.questions.iter().map(Into::into).collect(),
        }
    }
}

impl From<&PrizeDraw> for PrizeDrawV1 {
    fn from(p: &PrizeDraw) -> Self {
        PrizeDrawV1 {
            text: (&p.text).into(),
            privacy: (&p.privacy).into(),
            fields: p
                .fields
                .iter()
                .map(|f| match f {
                    ContactField::Name => ContactFieldV1::Name,
                    ContactField::Phone => ContactFieldV1::Phone,
                    ContactField::Email => ContactFieldV1::Email,
                })
                .collect(),
        }
    }
}

impl From<&Question> for QuestionV1 {
    fn from(q: &Question) -> Self {
        QuestionV1 {
            id: q.id.clone(),
            text: (&q.text).into(),
            required: q.required,
            show_if: q.show_if.as_ref().map(Into::into),
            kind: (&q.kind).into(),
        }
    }
}

fn options(options: &[QuestionOption]) -> Vec<OptionV1> {
    options
        .iter()
        .map(|o| OptionV1 {
            id: o.id.clone(),
            label: (&o.label).into(),
        })
        .collect()
}

impl From<&QuestionKind> for KindV1 {
    fn from(kind: &QuestionKind) -> Self {
        match kind {
            QuestionKind::Choice { options: o, other } => KindV1::Choice {
                options: options(o),
                other: *other,
            },
            QuestionKind::Multi {
                options: o,
                min,
                max,
                other,
            } => KindV1::Multi {
                options: options(o),
                min: *min,
                max: *max,
                other: *other,
            },
            QuestionKind::Ranking { options: o, pick } => KindV1::Ranking {
                options: options(o),
                pick: *pick,
            },
            QuestionKind::Rating { scale, low, high } => KindV1::Rating {
                scale: *scale,
                low: low.as_ref().map(Into::into),
                high: high.as_ref().map(Into::into),
            },
            QuestionKind::Nps => KindV1::Nps,
            QuestionKind::YesNo => KindV1::YesNo,
            QuestionKind::Number { min, max } => KindV1::Number {
                min: *min,
                max: *max,
            },
            QuestionKind::Text { max_len } => KindV1::Text { max_len: *max_len },
        }
    }
}

impl From<&Condition> for ConditionV1 {
    fn from(c: &Condition) -> Self {
        match c {
            Condition::Or(xs) => ConditionV1::Or(xs.iter().map(Into::into).collect()),
            Condition::And(xs) => ConditionV1::And(xs.iter().map(Into::into).collect()),
            Condition::Not(x) => ConditionV1::Not(Box::new(x.as_ref().into())),
            Condition::Answered(q) => ConditionV1::Answered(q.clone()),
            Condition::Contains { question, option } => ConditionV1::Contains {
                question: question.clone(),
                option: option.clone(),
            },
            Condition::Compare {
                question,
                op,
                value,
            } => ConditionV1::Compare {
                question: question.clone(),
                op: match op {
                    CmpOp::Eq => CmpOpV1::Eq,
                    CmpOp::Ne => CmpOpV1::Ne,
                    CmpOp::Lt => CmpOpV1::Lt,
                    CmpOp::Le => CmpOpV1::Le,
                    CmpOp::Gt => CmpOpV1::Gt,
                    CmpOp::Ge => CmpOpV1::Ge,
                },
                value: match value {
                    Value::Int(n) => ValueV1::Int(*n),
                    Value::Option(o) => ValueV1::Option(o.clone()),
                    Value::Bool(b) => ValueV1::Bool(*b),
                },
            },
        }
    }
}
