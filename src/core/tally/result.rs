//! A tally's figures and their JSON shape (the product contract's keys).

use super::*;

/// A tally's figures. Serialised, this is the `--format json` shape of
/// the product contract; floating-point figures are rounded to 4 decimals
/// there (the fields keep full precision).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TallyResult {
    pub survey: String,
    /// The version (hex) that defines the questions: the newest.
    pub version: String,
    /// Responses whose answers are counted: complete ones, plus partial
    /// ones when `include_partial`.
    pub responses: u64,
    /// Partial responses seen, whether counted or not.
    pub partial: u64,
    pub include_partial: bool,
    /// Suspect responses seen (see `core::suspect`), counted in
    /// `responses` only when `include_suspect`. These three keys are in
    /// the JSON only when set, so a tally without flagged responses has
    /// the shape it always had.
    #[serde(skip_serializing_if = "is_zero")]
    pub suspect: u64,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub include_suspect: bool,
    /// Of `responses`, how many `kioski simulate` made.
    #[serde(skip_serializing_if = "is_zero")]
    pub simulated: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub population: Option<u32>,
    /// Complete responses per person invited (`population`), 0..; partial
    /// responses never count as responding.
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "rounded_opt"
    )]
    pub response_rate: Option<f64>,
    pub first_submitted_ms: Option<i64>,
    pub last_submitted_ms: Option<i64>,
    /// The survey versions whose responses are counted, most recently
    /// answered first, each with what of it was left out.
    pub versions: Vec<VersionResult>,
    pub questions: Vec<QuestionResult>,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

impl TallyResult {
    /// The result of the question with this id.
    pub fn question(&self, id: &str) -> Option<&QuestionResult> {
        self.questions.iter().find(|q| q.id == id)
    }
}

/// One survey version a tally counted responses of.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct VersionResult {
    pub version: String,
    /// Whether this is the version that defines the tally's questions.
    pub current: bool,
    pub responses: u64,
    pub left_out: Vec<LeftOut>,
    /// Per entry of `left_out`, how many answers of the responses counted
    /// it kept out. Not in the JSON, whose shape stays release 0.1's.
    #[serde(skip)]
    pub left_out_answers: Vec<u64>,
}

/// One question's figures. `counts` keys are option ids (choice and multi
/// with `"other"` last when offered), grades `"1"`..`"scale"`, NPS scores
/// `"0"`..`"10"`, `"yes"`/`"no"`, or number values ascending; for a ranking
/// they are first-place counts. Text questions have no counts.
#[derive(Clone, Debug, PartialEq)]
pub struct QuestionResult {
    pub id: String,
    /// Respondents who answered (with something the newest version lists).
    pub answered: u64,
    pub counts: Vec<(String, u64)>,
    /// Per key of `counts`, percent (0..=100) of `answered`, so a multi's
    /// column (percent of respondents) can sum past 100. Empty for number
    /// and text questions, and when nobody answered.
    pub percent: Vec<(String, f64)>,
    /// Wilson 95 % intervals of `percent` (in percent), only for the keys
    /// where [`stats::interval_matters`].
    pub intervals: Vec<(String, Interval)>,
    pub detail: Detail,
}

impl QuestionResult {
    /// The question's type name, as in survey files.
    pub fn type_name(&self) -> &'static str {
        self.detail.type_name()
    }

    /// The count of one key of `counts`.
    pub fn count(&self, key: &str) -> Option<u64> {
        self.counts.iter().find(|(k, _)| k == key).map(|(_, c)| *c)
    }

    /// The percent of one key of `percent`.
    pub fn percent_of(&self, key: &str) -> Option<f64> {
        self.percent.iter().find(|(k, _)| k == key).map(|(_, p)| *p)
    }
}

/// The figures only one question type has. A figure that is `None` has no
/// answers to come from (and is `null` in JSON).
#[derive(Clone, Debug, PartialEq)]
pub enum Detail {
    Choice {
        /// "Other, what?" texts, newest first.
        other_texts: Vec<TextAnswer>,
    },
    Multi {
        other_texts: Vec<TextAnswer>,
    },
    Ranking {
        /// Mean place (1 = first) per option, of those who ranked it.
        mean_rank: Vec<(String, Option<f64>)>,
        /// How many ranked each option at any place.
        ranked: Vec<(String, u64)>,
    },
    Rating {
        scale: u8,
        mean: Option<f64>,
        median: Option<f64>,
        /// Share (0..=1) of the two best grades; `None` on scales under 4.
        top2: Option<f64>,
        /// Its Wilson interval, where it matters.
        top2_interval: Option<Interval>,
    },
    Nps {
        /// −100..=100.
        nps: Option<f64>,
        /// Adjusted Wald 95 % interval in NPS points, where it matters.
        nps_interval: Option<Interval>,
        bands: NpsBands,
    },
    YesNo {
        /// Share (0..=1) of yes.
        yes_share: Option<f64>,
    },
    Number {
        min: Option<i64>,
        max: Option<i64>,
        mean: Option<f64>,
        median: Option<f64>,
    },
    Text {
        /// Newest first.
        answers: Vec<TextAnswer>,
    },
}

impl Detail {
    /// The free texts kept: text answers, or the "Other, what?" texts of a
    /// choice or multi question; newest first.
    pub fn texts(&self) -> &[TextAnswer] {
        match self {
            Detail::Text { answers } => answers,
            Detail::Choice { other_texts } | Detail::Multi { other_texts } => other_texts,
            _ => &[],
        }
    }

    pub fn type_name(&self) -> &'static str {
        match self {
            Detail::Choice { .. } => "choice",
            Detail::Multi { .. } => "multi",
            Detail::Ranking { .. } => "ranking",
            Detail::Rating { .. } => "rating",
            Detail::Nps { .. } => "nps",
            Detail::YesNo { .. } => "yesno",
            Detail::Number { .. } => "number",
            Detail::Text { .. } => "text",
        }
    }

    pub(super) fn has_percent(&self) -> bool {
        !matches!(self, Detail::Number { .. } | Detail::Text { .. })
    }
}

/// JSON figures are rounded to this many decimals.
const DECIMALS: f64 = 1e4;

fn round(x: f64) -> f64 {
    (x * DECIMALS).round() / DECIMALS
}

fn rounded_opt<S: Serializer>(x: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
    x.map(round).serialize(s)
}

/// A rounded interval, as `{"low": …, "high": …}`.
struct R(Interval);

impl Serialize for R {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        Interval {
            low: round(self.0.low),
            high: round(self.0.high),
        }
        .serialize(s)
    }
}

/// `[(key, value)]` as a JSON object, in order.
struct Pairs<'a, T>(&'a [(String, T)], fn(&T) -> Rounded);

/// A value of a pairs map after rounding.
#[derive(Serialize)]
#[serde(untagged)]
enum Rounded {
    Count(u64),
    Float(Option<f64>),
    Interval(Interval),
}

impl<T> Serialize for Pairs<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in self.0 {
            map.serialize_entry(k, &(self.1)(v))?;
        }
        map.end()
    }
}

fn count(c: &u64) -> Rounded {
    Rounded::Count(*c)
}

fn float(x: &f64) -> Rounded {
    Rounded::Float(Some(round(*x)))
}

fn float_opt(x: &Option<f64>) -> Rounded {
    Rounded::Float(x.map(round))
}

fn interval(i: &Interval) -> Rounded {
    Rounded::Interval(Interval {
        low: round(i.low),
        high: round(i.high),
    })
}

impl Serialize for QuestionResult {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_struct("QuestionResult", 10)?;
        m.serialize_field("id", &self.id)?;
        m.serialize_field("type", self.type_name())?;
        m.serialize_field("answered", &self.answered)?;
        if !matches!(self.detail, Detail::Text { .. }) {
            m.serialize_field("counts", &Pairs(&self.counts, count))?;
        }
        if self.detail.has_percent() {
            m.serialize_field("percent", &Pairs(&self.percent, float))?;
            m.serialize_field("intervals", &Pairs(&self.intervals, interval))?;
        }
        let opt = |x: &Option<f64>| x.map(round);
        match &self.detail {
            Detail::Choice { other_texts } | Detail::Multi { other_texts } => {
                m.serialize_field("other_texts", other_texts)?;
            }
            Detail::Ranking { mean_rank, ranked } => {
                m.serialize_field("mean_rank", &Pairs(mean_rank, float_opt))?;
                m.serialize_field("ranked", &Pairs(ranked, count))?;
            }
            Detail::Rating {
                scale,
                mean,
                median,
                top2,
                top2_interval,
            } => {
                m.serialize_field("scale", scale)?;
                m.serialize_field("mean", &opt(mean))?;
                m.serialize_field("median", &opt(median))?;
                m.serialize_field("top2", &opt(top2))?;
                m.serialize_field("top2_interval", &top2_interval.map(R))?;
            }
            Detail::Nps {
                nps,
                nps_interval,
                bands,
            } => {
                m.serialize_field("nps", &opt(nps))?;
                m.serialize_field("nps_interval", &nps_interval.map(R))?;
                m.serialize_field("bands", bands)?;
            }
            Detail::YesNo { yes_share } => {
                m.serialize_field("yes_share", &opt(yes_share))?;
            }
            Detail::Number {
                min,
                max,
                mean,
                median,
            } => {
                m.serialize_field("min", min)?;
                m.serialize_field("max", max)?;
                m.serialize_field("mean", &opt(mean))?;
                m.serialize_field("median", &opt(median))?;
            }
            Detail::Text { answers } => m.serialize_field("answers", answers)?,
        }
        m.end()
    }
}
