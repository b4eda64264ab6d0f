//! The survey model: what a validated survey file means.
//!
//! Values of these types are only built by [`crate::core::validate`], so code
//! that holds a [`Survey`] may rely on every rule of the file format: ids are
//! well formed and unique, every label exists in every listed language,
//! ranges are sane and every condition names an earlier question.

use std::collections::BTreeMap;
use std::fmt;

use super::condition::Condition;

/// A language kioski can show its own screens in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Lang {
    /// Finnish.
    Fi,
    /// Swedish.
    Sv,
    /// English.
    En,
}

impl Lang {
    /// Every supported language, in the order kioski lists them.
    pub const ALL: [Lang; 3] = [Lang::Fi, Lang::Sv, Lang::En];

    /// The ISO 639-1 code used in survey files (`fi`, `sv`, `en`).
    pub fn code(self) -> &'static str {
        match self {
            Lang::Fi => "fi",
            Lang::Sv => "sv",
            Lang::En => "en",
        }
    }

    /// Parses an ISO 639-1 code; `None` for languages kioski has no screens in.
    pub fn from_code(code: &str) -> Option<Lang> {
        Lang::ALL.into_iter().find(|lang| lang.code() == code)
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// One text in every language of a survey.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label(BTreeMap<Lang, String>);

impl Label {
    /// Builds a label from `(language, text)` pairs.
    pub fn new(texts: impl IntoIterator<Item = (Lang, String)>) -> Self {
        Label(texts.into_iter().collect())
    }

    /// The text in `lang`; falls back to any language so that a caller never
    /// shows an empty screen (validation guarantees every survey language).
    pub fn get(&self, lang: Lang) -> &str {
        self.0
            .get(&lang)
            .or_else(|| self.0.values().next())
            .map_or("", String::as_str)
    }

    /// The languages this label has text in.
    pub fn langs(&self) -> impl Iterator<Item = Lang> + '_ {
        self.0.keys().copied()
    }
}

/// A validated survey.
#[derive(Clone, Debug, PartialEq)]
pub struct Survey {
    /// Stable id, `[a-z0-9_-]+`, kept across edits of the file.
    pub id: String,
    /// The survey's languages; the first is the default.
    pub languages: Vec<Lang>,
    pub title: Label,
    pub intro: Option<Label>,
    /// Shown after the answers are stored; kioski has its own words when absent.
    pub thanks: Option<Label>,
    /// How many people were invited, for the response rate.
    pub population: Option<u32>,
    pub prize_draw: Option<PrizeDraw>,
    pub questions: Vec<Question>,
}

impl Survey {
    /// The language a kiosk starts in.
    pub fn default_lang(&self) -> Lang {
        self.languages.first().copied().unwrap_or(Lang::Fi)
    }

    /// The question with this id.
    pub fn question(&self, id: &str) -> Option<&Question> {
        self.questions.iter().find(|q| q.id == id)
    }
}

/// The optional prize draw offered after a response is stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrizeDraw {
    pub text: Label,
    /// What is kept, for how long, and that it is not linked to the answers.
    pub privacy: Label,
    pub fields: Vec<ContactField>,
    /// The last day the entries are kept: the day after, the kiosk and
    /// every command that opens the store purge them.
    pub delete_after: Option<jiff::civil::Date>,
}

/// A contact detail a prize draw may ask for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ContactField {
    Name,
    Phone,
    Email,
}

impl ContactField {
    pub const ALL: [ContactField; 3] =
        [ContactField::Name, ContactField::Phone, ContactField::Email];

    pub fn key(self) -> &'static str {
        match self {
            ContactField::Name => "name",
            ContactField::Phone => "phone",
            ContactField::Email => "email",
        }
    }
}

/// One question of a survey.
#[derive(Clone, Debug, PartialEq)]
pub struct Question {
    pub id: String,
    pub text: Label,
    pub required: bool,
    /// Shown only when this holds; see [`Condition::eval`] for unanswered questions.
    pub show_if: Option<Condition>,
    pub kind: QuestionKind,
}

/// The id of the free-text option that `other = true` adds.
pub const OTHER_OPTION: &str = "other";

/// Default and upper bound of a text answer's length, in characters.
pub const DEFAULT_MAX_LEN: u32 = 500;
pub const MAX_MAX_LEN: u32 = 10_000;

/// The answer an NPS question takes: 0..=10.
pub const NPS_MAX: u8 = 10;

/// What kind of answer a question takes, with the settings of that kind.
#[derive(Clone, Debug, PartialEq)]
pub enum QuestionKind {
    /// Exactly one option, or free text when `other` is on.
    Choice {
        options: Vec<QuestionOption>,
        other: bool,
    },
    /// `min..=max` options (counting a free-text "other").
    Multi {
        options: Vec<QuestionOption>,
        min: u32,
        max: u32,
        other: bool,
    },
    /// An ordered list of `pick` distinct options.
    Ranking {
        options: Vec<QuestionOption>,
        pick: u32,
    },
    /// A grade `1..=scale`.
    Rating {
        scale: u8,
        low: Option<Label>,
        high: Option<Label>,
    },
    /// "How likely are you to recommend us", 0..=10.
    Nps,
    YesNo,
    /// A whole number, optionally bounded.
    Number {
        min: Option<i64>,
        max: Option<i64>,
    },
    /// Free text of at most `max_len` characters.
    Text {
        max_len: u32,
    },
}

impl QuestionKind {
    /// The `type` key's value for this kind.
    pub fn type_name(&self) -> &'static str {
        match self {
            QuestionKind::Choice { .. } => "choice",
            QuestionKind::Multi { .. } => "multi",
            QuestionKind::Ranking { .. } => "ranking",
            QuestionKind::Rating { .. } => "rating",
            QuestionKind::Nps => "nps",
            QuestionKind::YesNo => "yesno",
            QuestionKind::Number { .. } => "number",
            QuestionKind::Text { .. } => "text",
        }
    }

    /// The listed options of choice, multi and ranking questions.
    pub fn options(&self) -> &[QuestionOption] {
        match self {
            QuestionKind::Choice { options, .. }
            | QuestionKind::Multi { options, .. }
            | QuestionKind::Ranking { options, .. } => options,
            _ => &[],
        }
    }

    /// Whether a free-text "other" option is offered.
    pub fn has_other(&self) -> bool {
        matches!(
            self,
            QuestionKind::Choice { other: true, .. } | QuestionKind::Multi { other: true, .. }
        )
    }

    /// Whether `id` names an option of this question (including "other").
    pub fn has_option(&self, id: &str) -> bool {
        self.options().iter().any(|o| o.id == id) || (self.has_other() && id == OTHER_OPTION)
    }

    /// The inclusive range of integer answers, for rating, nps and number.
    pub fn int_range(&self) -> Option<(i64, i64)> {
        match self {
            QuestionKind::Rating { scale, .. } => Some((1, i64::from(*scale))),
            QuestionKind::Nps => Some((0, i64::from(NPS_MAX))),
            QuestionKind::Number { min, max } => {
                Some((min.unwrap_or(i64::MIN), max.unwrap_or(i64::MAX)))
            }
            _ => None,
        }
    }
}

/// The question types, as written in the `type` key.
pub const TYPE_NAMES: [&str; 8] = [
    "choice", "multi", "ranking", "rating", "nps", "yesno", "number", "text",
];

/// One option of a choice, multi or ranking question.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuestionOption {
    pub id: String,
    pub label: Label,
}
