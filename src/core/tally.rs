//! Incremental tallies: fold one response at a time, merge two, read results.
//!
//! A [`Tally`] is built on the newest version of a survey, which defines
//! the questions, options and their order. Each response is folded with the
//! survey version it answered: an answer counts where the question id and
//! type (and a rating's scale) are the same in both versions, and an option
//! counts where the newest version still lists it. What was left out is
//! worked out once per version and reported in the result.
//!
//! The state is counts only (plus the free texts, which are the answers
//! themselves), so two tallies merge by adding: a tally of one terminal's
//! store merged with another's is the tally of both, and folding in any
//! order gives the same result. Folding looks answers up by index into the
//! survey's lists and allocates nothing except to keep free text.
//!
//! A [`GroupedTally`] splits the same tallies by the answer to a choice or
//! yes/no question (`--by`) and by calendar period in a time zone the caller
//! passes in (`--period`), within `since`/`until`; its result always has the
//! total as well. It can also split by the terminal a response was stored
//! on (`--by terminal`) and count only some terminals (`--terminal`), read
//! from each response's own `terminal`, so a tally of responses read from
//! anywhere (a store, a merged bundle, PostgreSQL) groups them alike.
//!
//! Partial responses (the respondent walked away) are counted in `partial`
//! and left out of everything else unless the tally includes them; suspect
//! responses (`core::suspect`) likewise in `suspect`.

use std::cmp::Reverse;
use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;
use jiff::{Span, Timestamp};
use serde::ser::{SerializeMap, SerializeStruct};
use serde::{Deserialize, Serialize, Serializer};
use uuid::Uuid;

use super::answer::{Answer, Picked};
use super::response::Response;
use super::stats::{self, Interval, NpsBands, Share};
use super::survey::{NPS_MAX, OTHER_OPTION, QuestionKind, Survey};
use super::version::VersionHash;

/// The group of responses that did not answer the `--by` question.
mod cell;
mod grouped;
mod kept;
mod labels;
mod result;
#[cfg(test)]
mod tests;
mod words;

pub use cell::*;
pub use grouped::*;
pub use kept::*;
pub use labels::*;
pub use result::*;
pub use words::*;

pub const NO_GROUP: &str = "(none)";
/// The label of a margin: all groups, or all periods.
pub const ALL: &str = "(all)";

const NPS_POINTS: usize = NPS_MAX as usize + 1;

// ---------------------------------------------------------------------------
// The survey as a tally sees it.

/// What a tally needs of a question, with option ids for index lookups.
#[derive(Debug)]
struct QSchema {
    id: String,
    kind: Kind,
    /// Listed option ids of choice, multi and ranking questions.
    options: Vec<String>,
    /// Whether "Other, what?" is offered.
    other: bool,
}

impl QSchema {
    fn option_index(&self, id: &str) -> Option<usize> {
        self.options.iter().position(|o| o == id)
    }
}

/// A question's type, with the setting that changes what its numbers mean.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Choice,
    Multi,
    Ranking,
    Rating(u8),
    Nps,
    YesNo,
    Number,
    Text,
}

impl Kind {
    fn of(kind: &QuestionKind) -> Kind {
        match kind {
            QuestionKind::Choice { .. } => Kind::Choice,
            QuestionKind::Multi { .. } => Kind::Multi,
            QuestionKind::Ranking { .. } => Kind::Ranking,
            QuestionKind::Rating { scale, .. } => Kind::Rating(*scale),
            QuestionKind::Nps => Kind::Nps,
            QuestionKind::YesNo => Kind::YesNo,
            QuestionKind::Number { .. } => Kind::Number,
            QuestionKind::Text { .. } => Kind::Text,
        }
    }

    fn type_name(self) -> &'static str {
        match self {
            Kind::Choice => "choice",
            Kind::Multi => "multi",
            Kind::Ranking => "ranking",
            Kind::Rating(_) => "rating",
            Kind::Nps => "nps",
            Kind::YesNo => "yesno",
            Kind::Number => "number",
            Kind::Text => "text",
        }
    }
}

#[derive(Debug)]
struct Schema {
    survey: String,
    version: VersionHash,
    population: Option<u32>,
    questions: Vec<QSchema>,
}

impl Schema {
    fn of(survey: &Survey) -> Schema {
        Schema {
            survey: survey.id.clone(),
            version: VersionHash::of(survey),
            population: survey.population,
            questions: survey
                .questions
                .iter()
                .map(|q| QSchema {
                    id: q.id.clone(),
                    kind: Kind::of(&q.kind),
                    options: q.kind.options().iter().map(|o| o.id.clone()).collect(),
                    other: q.kind.has_other(),
                })
                .collect(),
        }
    }

    fn index(&self, id: &str) -> Option<usize> {
        self.questions.iter().position(|q| q.id == id)
    }
}

/// How the answers of one survey version map onto the tally's questions.
#[derive(Debug)]
struct Plan {
    /// `(question id, index of the tally's question)` for every question
    /// whose answers count, sorted by id (the order of [`Answers`] keys).
    ///
    /// [`Answers`]: super::answer::Answers
    targets: Vec<(String, usize)>,
    left_out: Vec<LeftOut>,
}

impl Plan {
    fn new(schema: &Schema, version: &Survey) -> Plan {
        let mut targets = Vec::new();
        let mut left_out = Vec::new();
        for q in &version.questions {
            let Some(t) = schema.index(&q.id) else {
                left_out.push(LeftOut::Removed {
                    question: q.id.clone(),
                });
                continue;
            };
            let (was, now) = (Kind::of(&q.kind), schema.questions[t].kind);
            match (was, now) {
                (Kind::Rating(a), Kind::Rating(b)) if a != b => {
                    left_out.push(LeftOut::ScaleChanged {
                        question: q.id.clone(),
                        was: a,
                        now: b,
                    });
                    continue;
                }
                _ if was.type_name() != now.type_name() => {
                    left_out.push(LeftOut::TypeChanged {
                        question: q.id.clone(),
                        was: was.type_name().to_owned(),
                        now: now.type_name().to_owned(),
                    });
                    continue;
                }
                _ => {}
            }
            let target = &schema.questions[t];
            for option in q.kind.options() {
                if target.option_index(&option.id).is_none() {
                    left_out.push(LeftOut::OptionRemoved {
                        question: q.id.clone(),
                        option: option.id.clone(),
                    });
                }
            }
            if q.kind.has_other() && !target.other {
                left_out.push(LeftOut::OptionRemoved {
                    question: q.id.clone(),
                    option: OTHER_OPTION.to_owned(),
                });
            }
            targets.push((q.id.clone(), t));
        }
        targets.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        Plan { targets, left_out }
    }

    /// Which of `left_out` keeps this answer out of the tally, if any:
    /// its question is gone or changed, or it names a removed option.
    fn left_out_of(&self, id: &str, answer: &Answer) -> Option<usize> {
        let names = |option: &str| {
            self.left_out.iter().position(|l| {
                matches!(l, LeftOut::OptionRemoved { question, option: o } if question == id && o == option)
            })
        };
        self.left_out
            .iter()
            .position(|l| match l {
                LeftOut::Removed { question }
                | LeftOut::TypeChanged { question, .. }
                | LeftOut::ScaleChanged { question, .. } => question == id,
                LeftOut::OptionRemoved { .. } => false,
            })
            .or_else(|| match answer {
                Answer::Choice(Picked::Option(o)) => names(o),
                Answer::Choice(Picked::Other(_)) => names(OTHER_OPTION),
                Answer::Multi { options, other } => options
                    .iter()
                    .find_map(|o| names(o))
                    .or_else(|| other.as_ref().and_then(|_| names(OTHER_OPTION))),
                Answer::Ranking(order) => order.iter().find_map(|o| names(o)),
                _ => None,
            })
    }

    /// The tally's question that answers to `id` count for.
    fn target(&self, id: &str) -> Option<usize> {
        self.targets
            .binary_search_by(|(k, _)| k.as_str().cmp(id))
            .ok()
            .map(|i| self.targets[i].1)
    }
}

/// Something in an older survey version whose answers a tally leaves out.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum LeftOut {
    /// The newest version has no question with this id.
    Removed { question: String },
    /// The question has the same id but another type now.
    TypeChanged {
        question: String,
        was: String,
        now: String,
    },
    /// A rating's scale changed: grades of the two scales do not mix.
    ScaleChanged { question: String, was: u8, now: u8 },
    /// The newest version no longer offers this option (or "other").
    OptionRemoved { question: String, option: String },
}

// ---------------------------------------------------------------------------
// Per-question state.

/// A free-text answer with when it was submitted.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TextAnswer {
    /// Shared: a tally's result and its margins copy the texts, not
    /// their bytes (a million responses hold some 128,000 of them).
    pub text: std::sync::Arc<str>,
    /// Unix milliseconds of the response's submit.
    pub submitted_ms: i64,
    /// The response it belongs to (a time-ordered id, no identity).
    pub response: Uuid,
}

impl TextAnswer {
    fn of(text: &str, r: &Response) -> TextAnswer {
        TextAnswer {
            text: text.into(),
            submitted_ms: r.submitted_ms,
            response: r.id,
        }
    }
}

/// Newest first; the response id breaks ties so the order never depends
/// on the order responses were folded in.
fn newest_first(texts: &[TextAnswer]) -> Vec<TextAnswer> {
    let mut out = texts.to_vec();
    out.sort_by_key(|t| Reverse((t.submitted_ms, t.response)));
    out
}

/// Counts of one question. Option counts are indexed like the tally
/// survey's option list; choice and multi keep "other" in one extra slot.
#[derive(Clone, Debug)]
enum QState {
    Choice {
        counts: Vec<u64>,
        other: Vec<TextAnswer>,
    },
    Multi {
        counts: Vec<u64>,
        respondents: u64,
        other: Vec<TextAnswer>,
    },
    Ranking {
        first: Vec<u64>,
        rank_sum: Vec<u64>,
        ranked: Vec<u64>,
        respondents: u64,
    },
    Rating {
        counts: Vec<u64>,
    },
    Nps {
        counts: [u64; NPS_POINTS],
    },
    YesNo {
        yes: u64,
        no: u64,
    },
    /// A count per distinct value: memory grows with distinct values, not
    /// with responses, and the median is read off it.
    Number {
        counts: BTreeMap<i64, u64>,
    },
    Text {
        answers: Vec<TextAnswer>,
    },
}

impl QState {
    fn new(q: &QSchema) -> QState {
        let n = q.options.len();
        match q.kind {
            Kind::Choice => QState::Choice {
                counts: vec![0; n + 1],
                other: Vec::new(),
            },
            Kind::Multi => QState::Multi {
                counts: vec![0; n + 1],
                respondents: 0,
                other: Vec::new(),
            },
            Kind::Ranking => QState::Ranking {
                first: vec![0; n],
                rank_sum: vec![0; n],
                ranked: vec![0; n],
                respondents: 0,
            },
            Kind::Rating(scale) => QState::Rating {
                counts: vec![0; usize::from(scale)],
            },
            Kind::Nps => QState::Nps {
                counts: [0; NPS_POINTS],
            },
            Kind::YesNo => QState::YesNo { yes: 0, no: 0 },
            Kind::Number => QState::Number {
                counts: BTreeMap::new(),
            },
            Kind::Text => QState::Text {
                answers: Vec::new(),
            },
        }
    }

    /// Adds one answer. Answers of the wrong kind or naming options the
    /// tally's survey does not list are ignored (the plan says which).
    fn add(&mut self, q: &QSchema, answer: &Answer, r: &Response) {
        match (self, answer) {
            (QState::Choice { counts, .. }, Answer::Choice(Picked::Option(id))) => {
                if let Some(i) = q.option_index(id) {
                    counts[i] += 1;
                }
            }
            (QState::Choice { counts, other }, Answer::Choice(Picked::Other(text))) if q.other => {
                counts[q.options.len()] += 1;
                other.push(TextAnswer::of(text, r));
            }
            (
                QState::Multi {
                    counts,
                    respondents,
                    other,
                },
                Answer::Multi {
                    options,
                    other: text,
                },
            ) => {
                let mut any = false;
                for id in options {
                    if let Some(i) = q.option_index(id) {
                        counts[i] += 1;
                        any = true;
                    }
                }
                if let Some(text) = text.as_deref().filter(|_| q.other) {
                    counts[q.options.len()] += 1;
                    other.push(TextAnswer::of(text, r));
                    any = true;
                }
                *respondents += u64::from(any);
            }
            (
                QState::Ranking {
                    first,
                    rank_sum,
                    ranked,
                    respondents,
                },
                Answer::Ranking(order),
            ) => {
                let mut any = false;
                for (place, id) in order.iter().enumerate() {
                    if let Some(i) = q.option_index(id) {
                        rank_sum[i] += place as u64 + 1;
                        ranked[i] += 1;
                        if place == 0 {
                            first[i] += 1;
                        }
                        any = true;
                    }
                }
                *respondents += u64::from(any);
            }
            (QState::Rating { counts }, Answer::Rating(grade)) => {
                if let Some(c) = usize::from(*grade)
                    .checked_sub(1)
                    .and_then(|i| counts.get_mut(i))
                {
                    *c += 1;
                }
            }
            (QState::Nps { counts }, Answer::Nps(score)) => {
                if let Some(c) = counts.get_mut(usize::from(*score)) {
                    *c += 1;
                }
            }
            (QState::YesNo { yes, no }, Answer::YesNo(answer)) => {
                if *answer {
                    *yes += 1;
                } else {
                    *no += 1;
                }
            }
            (QState::Number { counts }, Answer::Number(value)) => {
                *counts.entry(*value).or_insert(0) += 1;
            }
            (QState::Text { answers }, Answer::Text(text)) => {
                answers.push(TextAnswer::of(text, r));
            }
            _ => {}
        }
    }

    fn merge(&mut self, other: QState) {
        fn add(a: &mut [u64], b: &[u64]) {
            a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
        }
        match (self, other) {
            (
                QState::Choice { counts, other },
                QState::Choice {
                    counts: c,
                    other: o,
                },
            ) => {
                add(counts, &c);
                other.extend(o);
            }
            (
                QState::Multi {
                    counts,
                    respondents,
                    other,
                },
                QState::Multi {
                    counts: c,
                    respondents: r,
                    other: o,
                },
            ) => {
                add(counts, &c);
                *respondents += r;
                other.extend(o);
            }
            (
                QState::Ranking {
                    first,
                    rank_sum,
                    ranked,
                    respondents,
                },
                QState::Ranking {
                    first: f,
                    rank_sum: s,
                    ranked: k,
                    respondents: r,
                },
            ) => {
                add(first, &f);
                add(rank_sum, &s);
                add(ranked, &k);
                *respondents += r;
            }
            (QState::Rating { counts }, QState::Rating { counts: c }) => add(counts, &c),
            (QState::Nps { counts }, QState::Nps { counts: c }) => add(counts, &c),
            (QState::YesNo { yes, no }, QState::YesNo { yes: y, no: n }) => {
                *yes += y;
                *no += n;
            }
            (QState::Number { counts }, QState::Number { counts: c }) => {
                for (value, count) in c {
                    *counts.entry(value).or_insert(0) += count;
                }
            }
            (QState::Text { answers }, QState::Text { answers: a }) => answers.extend(a),
            // Tallies of one schema have the same kinds in the same places.
            _ => {}
        }
    }

    fn result(&self, q: &QSchema) -> QuestionResult {
        let keyed = |values: &[u64]| -> Vec<(String, u64)> {
            q.options
                .iter()
                .cloned()
                .chain(q.other.then(|| OTHER_OPTION.to_owned()))
                .zip(values.iter().copied())
                .collect()
        };
        let numbered = |values: &[u64], first: i64| -> Vec<(String, u64)> {
            (first..)
                .zip(values)
                .map(|(v, c)| (v.to_string(), *c))
                .collect()
        };
        let grades = |values: &[u64], first: i64| {
            (first..)
                .zip(values.iter().copied())
                .collect::<Vec<(i64, u64)>>()
        };
        let (answered, counts, detail) = match self {
            QState::Choice { counts, other } => (
                counts.iter().sum(),
                keyed(counts),
                Detail::Choice {
                    other_texts: newest_first(other),
                },
            ),
            QState::Multi {
                counts,
                respondents,
                other,
            } => (
                *respondents,
                keyed(counts),
                Detail::Multi {
                    other_texts: newest_first(other),
                },
            ),
            QState::Ranking {
                first,
                rank_sum,
                ranked,
                respondents,
            } => (
                *respondents,
                keyed(first),
                Detail::Ranking {
                    mean_rank: q
                        .options
                        .iter()
                        .zip(rank_sum.iter().zip(ranked))
                        .map(|(id, (sum, k))| {
                            (id.clone(), (*k > 0).then(|| *sum as f64 / *k as f64))
                        })
                        .collect(),
                    ranked: keyed(ranked),
                },
            ),
            QState::Rating { counts } => {
                let dist = grades(counts, 1);
                let top2 = stats::top2(counts);
                (
                    counts.iter().sum(),
                    numbered(counts, 1),
                    Detail::Rating {
                        scale: u8::try_from(counts.len()).unwrap_or(u8::MAX),
                        mean: stats::mean(dist.iter().copied()),
                        median: stats::median(dist.iter().copied()),
                        top2: top2.and_then(Share::ratio),
                        top2_interval: top2.and_then(Share::interval_if_it_matters),
                    },
                )
            }
            QState::Nps { counts } => {
                let bands = NpsBands::of(counts);
                let n = bands.total();
                (
                    n,
                    numbered(counts, 0),
                    Detail::Nps {
                        nps: stats::nps(counts),
                        nps_interval: stats::nps_interval(counts)
                            .filter(|i| stats::nps_interval_matters(n, *i)),
                        bands,
                    },
                )
            }
            QState::YesNo { yes, no } => (
                yes + no,
                vec![("yes".to_owned(), *yes), ("no".to_owned(), *no)],
                Detail::YesNo {
                    yes_share: Share::new(*yes, yes + no).ratio(),
                },
            ),
            QState::Number { counts } => {
                let dist = || counts.iter().map(|(v, c)| (*v, *c));
                (
                    counts.values().sum(),
                    dist().map(|(v, c)| (v.to_string(), c)).collect(),
                    Detail::Number {
                        min: counts.keys().next().copied(),
                        max: counts.keys().next_back().copied(),
                        mean: stats::mean(dist()),
                        median: stats::median(dist()),
                    },
                )
            }
            QState::Text { answers } => (
                answers.len() as u64,
                Vec::new(),
                Detail::Text {
                    answers: newest_first(answers),
                },
            ),
        };
        let (percent, intervals) = if detail.has_percent() && answered > 0 {
            percentages(&counts, answered)
        } else {
            (Vec::new(), Vec::new())
        };
        QuestionResult {
            id: q.id.clone(),
            answered,
            counts,
            percent,
            intervals,
            detail,
        }
    }
}

/// Percent of `n` per key, and the Wilson intervals that matter (in percent).
/// Percent per key and the intervals that matter.
type Percentages = (Vec<(String, f64)>, Vec<(String, Interval)>);

fn percentages(counts: &[(String, u64)], n: u64) -> Percentages {
    let percent = counts
        .iter()
        .map(|(k, c)| (k.clone(), 100.0 * *c as f64 / n as f64))
        .collect();
    let intervals = counts
        .iter()
        .filter_map(|(k, c)| {
            Share::new(*c, n)
                .interval_if_it_matters()
                .map(|i| (k.clone(), i.scaled(100.0)))
        })
        .collect();
    (percent, intervals)
}

// ---------------------------------------------------------------------------
// The tally.

/// What [`Tally::fold`] (or [`GroupedTally::fold`]) did with a response.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Folded {
    /// Its answers are in the tally.
    Counted,
    /// A partial response, counted in `partial` only.
    SkippedPartial,
    /// A suspect response, counted in `suspect` only.
    SkippedSuspect,
    /// A response to another survey: ignored.
    OtherSurvey,
    /// Submitted outside `since..until`: ignored.
    OutOfRange,
    /// From a terminal `--terminal` did not name: ignored.
    OtherTerminal,
}

/// Why two tallies cannot be merged.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum MergeError {
    #[error("the tallies are of different surveys or survey versions")]
    DifferentSurvey,
    #[error("the tallies were made with different options")]
    DifferentOptions,
}

#[derive(Clone, Debug)]
struct VersionSlot {
    hash: VersionHash,
    plan: Arc<Plan>,
    responses: u64,
    /// Per entry of the plan's `left_out`, the answers it kept out.
    left_out_answers: Vec<u64>,
    first_ms: i64,
    last_ms: i64,
}

/// Per-question counts of a survey's responses; see the module docs.
#[derive(Clone, Debug)]
pub struct Tally {
    schema: Arc<Schema>,
    include_partial: bool,
    include_suspect: bool,
    /// Responses whose answers are in the tally.
    responses: u64,
    /// Suspect responses seen (in `responses` only with `include_suspect`).
    suspect: u64,
    /// Simulated responses among `responses`.
    simulated: u64,
    /// Complete responses among them.
    complete: u64,
    /// Partial responses seen (in `responses` only with `include_partial`).
    partial: u64,
    versions: Vec<VersionSlot>,
    questions: Vec<QState>,
}

impl Tally {
    /// An empty tally of `survey`, the newest version; partial responses
    /// are left out.
    pub fn new(survey: &Survey) -> Tally {
        Tally::with_partial(survey, false)
    }

    /// An empty tally that counts partial responses too when `include_partial`.
    pub fn with_partial(survey: &Survey, include_partial: bool) -> Tally {
        Tally::of_schema(Arc::new(Schema::of(survey)), include_partial)
    }

    fn of_schema(schema: Arc<Schema>, include_partial: bool) -> Tally {
        Tally {
            questions: schema.questions.iter().map(QState::new).collect(),
            schema,
            include_partial,
            include_suspect: false,
            responses: 0,
            suspect: 0,
            simulated: 0,
            complete: 0,
            partial: 0,
            versions: Vec::new(),
        }
    }

    /// The tally's survey id.
    pub fn survey(&self) -> &str {
        &self.schema.survey
    }

    /// The version of the survey that defines the tally's questions.
    pub fn version(&self) -> VersionHash {
        self.schema.version
    }

    /// Responses whose answers are counted.
    pub fn responses(&self) -> u64 {
        self.responses
    }

    /// Partial responses seen, whether counted or not.
    pub fn partial(&self) -> u64 {
        self.partial
    }

    pub fn include_partial(&self) -> bool {
        self.include_partial
    }

    /// The same tally, counting suspect responses too when `yes` (they
    /// are left out by default).
    pub fn including_suspect(mut self, yes: bool) -> Tally {
        self.include_suspect = yes;
        self
    }

    /// Adds one response. `survey_of_its_version` is the survey version the
    /// response answered (`response.version`); it is read only the first
    /// time that version is seen.
    pub fn fold(&mut self, response: &Response, survey_of_its_version: &Survey) -> Folded {
        if response.survey != self.schema.survey {
            return Folded::OtherSurvey;
        }
        let slot = match self.slot(response.version) {
            Some(slot) => slot,
            None => {
                let plan = Arc::new(Plan::new(&self.schema, survey_of_its_version));
                self.add_slot(response.version, plan)
            }
        };
        self.fold_at(slot, response)
    }

    fn slot(&self, hash: VersionHash) -> Option<usize> {
        self.versions.iter().position(|v| v.hash == hash)
    }

    fn add_slot(&mut self, hash: VersionHash, plan: Arc<Plan>) -> usize {
        self.versions.push(VersionSlot {
            hash,
            left_out_answers: vec![0; plan.left_out.len()],
            plan,
            responses: 0,
            first_ms: i64::MAX,
            last_ms: i64::MIN,
        });
        self.versions.len() - 1
    }

    /// Folds with a plan the caller already has (a grouped tally's cells
    /// share one plan per version).
    fn fold_planned(&mut self, response: &Response, plan: &Arc<Plan>) -> Folded {
        let slot = match self.slot(response.version) {
            Some(slot) => slot,
            None => self.add_slot(response.version, Arc::clone(plan)),
        };
        self.fold_at(slot, response)
    }

    fn fold_at(&mut self, slot: usize, r: &Response) -> Folded {
        if r.suspect {
            self.suspect += 1;
            if !self.include_suspect {
                return Folded::SkippedSuspect;
            }
        }
        if r.complete {
            self.complete += 1;
        } else {
            self.partial += 1;
            if !self.include_partial {
                return Folded::SkippedPartial;
            }
        }
        self.responses += 1;
        self.simulated += u64::from(r.simulated);
        let version = &mut self.versions[slot];
        version.responses += 1;
        version.first_ms = version.first_ms.min(r.submitted_ms);
        version.last_ms = version.last_ms.max(r.submitted_ms);
        // Answers and targets are both sorted by id: one merge pass.
        let mut targets = version.plan.targets.iter().peekable();
        for (id, answer) in &r.answers {
            while targets.next_if(|(k, _)| k < id).is_some() {}
            if let Some((_, t)) = targets.next_if(|(k, _)| k == id) {
                self.questions[*t].add(&self.schema.questions[*t], answer, r);
            }
        }
        if !version.plan.left_out.is_empty() {
            for (id, answer) in &r.answers {
                if let Some(i) = version.plan.left_out_of(id, answer) {
                    version.left_out_answers[i] += 1;
                }
            }
        }
        Folded::Counted
    }

    /// Adds `other`'s counts: the result is the tally of both sets of
    /// responses. Both must be of the same survey version and options.
    pub fn merge(&mut self, other: Tally) -> Result<(), MergeError> {
        if self.schema.version != other.schema.version || self.schema.survey != other.schema.survey
        {
            return Err(MergeError::DifferentSurvey);
        }
        if self.include_partial != other.include_partial
            || self.include_suspect != other.include_suspect
        {
            return Err(MergeError::DifferentOptions);
        }
        self.merge_unchecked(other);
        Ok(())
    }

    fn merge_unchecked(&mut self, other: Tally) {
        self.responses += other.responses;
        self.complete += other.complete;
        self.partial += other.partial;
        self.suspect += other.suspect;
        self.simulated += other.simulated;
        for v in other.versions {
            match self.slot(v.hash) {
                Some(i) => {
                    let mine = &mut self.versions[i];
                    mine.responses += v.responses;
                    for (a, b) in mine.left_out_answers.iter_mut().zip(&v.left_out_answers) {
                        *a += b;
                    }
                    mine.first_ms = mine.first_ms.min(v.first_ms);
                    mine.last_ms = mine.last_ms.max(v.last_ms);
                }
                None => self.versions.push(v),
            }
        }
        for (mine, theirs) in self.questions.iter_mut().zip(other.questions) {
            mine.merge(theirs);
        }
    }

    /// The figures, ready to print or serialise.
    pub fn results(&self) -> TallyResult {
        let counted = || self.versions.iter().filter(|v| v.responses > 0);
        let mut versions: Vec<&VersionSlot> = counted().collect();
        versions.sort_by_key(|v| (Reverse(v.last_ms), v.hash));
        TallyResult {
            survey: self.schema.survey.clone(),
            version: self.schema.version.to_string(),
            responses: self.responses,
            partial: self.partial,
            include_partial: self.include_partial,
            suspect: self.suspect,
            include_suspect: self.include_suspect,
            simulated: self.simulated,
            population: self.schema.population,
            response_rate: self
                .schema
                .population
                .filter(|p| *p > 0)
                .map(|p| self.complete as f64 / f64::from(p)),
            first_submitted_ms: counted().map(|v| v.first_ms).min(),
            last_submitted_ms: counted().map(|v| v.last_ms).max(),
            versions: versions
                .into_iter()
                .map(|v| VersionResult {
                    version: v.hash.to_string(),
                    current: v.hash == self.schema.version,
                    responses: v.responses,
                    left_out: v.plan.left_out.clone(),
                    left_out_answers: v.left_out_answers.clone(),
                })
                .collect(),
            questions: self
                .questions
                .iter()
                .zip(&self.schema.questions)
                .map(|(state, q)| state.result(q))
                .collect(),
        }
    }
}
