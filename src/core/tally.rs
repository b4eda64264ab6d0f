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
//! total as well.
//!
//! Partial responses (the respondent walked away) are counted in `partial`
//! and left out of everything else unless the tally includes them.

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
    pub text: String,
    /// Unix milliseconds of the response's submit.
    pub submitted_ms: i64,
    /// The response it belongs to (a time-ordered id, no identity).
    pub response: Uuid,
}

impl TextAnswer {
    fn of(text: &str, r: &Response) -> TextAnswer {
        TextAnswer {
            text: text.to_owned(),
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
    /// A response to another survey: ignored.
    OtherSurvey,
    /// Submitted outside `since..until`: ignored.
    OutOfRange,
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
    first_ms: i64,
    last_ms: i64,
}

/// Per-question counts of a survey's responses; see the module docs.
#[derive(Clone, Debug)]
pub struct Tally {
    schema: Arc<Schema>,
    include_partial: bool,
    /// Responses whose answers are in the tally.
    responses: u64,
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
            responses: 0,
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
        if r.complete {
            self.complete += 1;
        } else {
            self.partial += 1;
            if !self.include_partial {
                return Folded::SkippedPartial;
            }
        }
        self.responses += 1;
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
        Folded::Counted
    }

    /// Adds `other`'s counts: the result is the tally of both sets of
    /// responses. Both must be of the same survey version and options.
    pub fn merge(&mut self, other: Tally) -> Result<(), MergeError> {
        if self.schema.version != other.schema.version || self.schema.survey != other.schema.survey
        {
            return Err(MergeError::DifferentSurvey);
        }
        if self.include_partial != other.include_partial {
            return Err(MergeError::DifferentOptions);
        }
        self.merge_unchecked(other);
        Ok(())
    }

    fn merge_unchecked(&mut self, other: Tally) {
        self.responses += other.responses;
        self.complete += other.complete;
        self.partial += other.partial;
        for v in other.versions {
            match self.slot(v.hash) {
                Some(i) => {
                    let mine = &mut self.versions[i];
                    mine.responses += v.responses;
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

// ---------------------------------------------------------------------------
// Results.

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

    fn has_percent(&self) -> bool {
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

// ---------------------------------------------------------------------------
// Groups and periods.

/// A calendar period for trends. Weeks are ISO weeks (Monday first; the
/// week belongs to the year of its Thursday).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Period {
    Day,
    Week,
    Month,
    Year,
}

impl Period {
    pub const ALL: [Period; 4] = [Period::Day, Period::Week, Period::Month, Period::Year];

    /// The name used on the command line: `day`, `week`, `month`, `year`.
    pub fn name(self) -> &'static str {
        match self {
            Period::Day => "day",
            Period::Week => "week",
            Period::Month => "month",
            Period::Year => "year",
        }
    }

    pub fn from_name(name: &str) -> Option<Period> {
        Period::ALL.into_iter().find(|p| p.name() == name)
    }

    /// The first day of the period `date` is in.
    pub fn start(self, date: Date) -> Date {
        match self {
            Period::Day => date,
            Period::Week => date
                .iso_week_date()
                .first_of_week()
                .map_or(date, |w| w.date()),
            Period::Month => date.first_of_month(),
            Period::Year => date.first_of_year(),
        }
    }

    /// The first day of the period after the one starting on `start`.
    pub fn next_start(self, start: Date) -> Option<Date> {
        match self {
            Period::Day => start.tomorrow().ok(),
            Period::Week => Span::new()
                .try_days(7)
                .ok()
                .and_then(|week| self.start(start).checked_add(week).ok()),
            Period::Month => start.last_of_month().tomorrow().ok(),
            Period::Year => start.last_of_year().tomorrow().ok(),
        }
    }

    /// The period's key: `2025-03-07`, `2025-W10`, `2025-03` or `2025`.
    pub fn label(self, date: Date) -> String {
        let start = self.start(date);
        match self {
            Period::Day => format!(
                "{:04}-{:02}-{:02}",
                start.year(),
                start.month(),
                start.day()
            ),
            Period::Week => {
                let week = start.iso_week_date();
                format!("{:04}-W{:02}", week.year(), week.week())
            }
            Period::Month => format!("{:04}-{:02}", start.year(), start.month()),
            Period::Year => format!("{:04}", start.year()),
        }
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How a [`GroupedTally`] splits and filters responses.
#[derive(Clone, Debug, PartialEq)]
pub struct Grouping {
    /// A choice or yesno question to group by.
    pub by: Option<String>,
    pub period: Option<Period>,
    /// The time zone periods are calendar periods of.
    pub time_zone: TimeZone,
    /// Only responses submitted at or after this (Unix ms)...
    pub since_ms: Option<i64>,
    /// ...and before this.
    pub until_ms: Option<i64>,
    pub include_partial: bool,
}

impl Default for Grouping {
    fn default() -> Grouping {
        Grouping {
            by: None,
            period: None,
            time_zone: TimeZone::UTC,
            since_ms: None,
            until_ms: None,
            include_partial: false,
        }
    }
}

/// Why a grouping does not fit a survey.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum GroupError {
    #[error("the survey has no question `{0}` to group by")]
    UnknownQuestion(String),
    #[error(
        "`{question}` is a {kind} question; responses can be grouped by a choice or yesno question"
    )]
    NotGroupable {
        question: String,
        kind: &'static str,
    },
}

/// A group of responses by their answer to the `by` question, in the
/// survey's order: listed options, "other", then no answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Group {
    Option(usize),
    Yes,
    No,
    Other,
    Unanswered,
}

/// One key of a cell: a value, or the margin over all values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Slot<T> {
    One(T),
    All,
}

/// The period a timestamp is in, for the last period looked up: responses
/// arrive nearly in time order, so most look-ups are two comparisons.
#[derive(Clone, Copy, Debug)]
struct PeriodCache {
    from_ms: i64,
    to_ms: i64,
    start: Date,
}

/// Tallies by group and period, within a time range, with the total.
#[derive(Clone, Debug)]
pub struct GroupedTally {
    grouping: Grouping,
    /// An empty tally, cloned for each new cell.
    empty: Tally,
    /// The `by` question's index in the schema.
    by: Option<usize>,
    plans: Vec<(VersionHash, Arc<Plan>)>,
    cells: BTreeMap<(Option<Group>, Option<Date>), Tally>,
    cache: Option<PeriodCache>,
}

impl GroupedTally {
    pub fn new(survey: &Survey, grouping: Grouping) -> Result<GroupedTally, GroupError> {
        let schema = Arc::new(Schema::of(survey));
        let by = match &grouping.by {
            None => None,
            Some(id) => {
                let i = schema
                    .index(id)
                    .ok_or_else(|| GroupError::UnknownQuestion(id.clone()))?;
                let kind = schema.questions[i].kind;
                if !matches!(kind, Kind::Choice | Kind::YesNo) {
                    return Err(GroupError::NotGroupable {
                        question: id.clone(),
                        kind: kind.type_name(),
                    });
                }
                Some(i)
            }
        };
        Ok(GroupedTally {
            empty: Tally::of_schema(schema, grouping.include_partial),
            grouping,
            by,
            plans: Vec::new(),
            cells: BTreeMap::new(),
            cache: None,
        })
    }

    pub fn grouping(&self) -> &Grouping {
        &self.grouping
    }

    /// Adds one response to its group and period; see [`Tally::fold`].
    pub fn fold(&mut self, response: &Response, survey_of_its_version: &Survey) -> Folded {
        if response.survey != self.empty.schema.survey {
            return Folded::OtherSurvey;
        }
        let ms = response.submitted_ms;
        let g = &self.grouping;
        if g.since_ms.is_some_and(|since| ms < since) || g.until_ms.is_some_and(|until| ms >= until)
        {
            return Folded::OutOfRange;
        }
        let plan_index = match self.plans.iter().position(|(h, _)| *h == response.version) {
            Some(i) => i,
            None => {
                let plan = Plan::new(&self.empty.schema, survey_of_its_version);
                self.plans.push((response.version, Arc::new(plan)));
                self.plans.len() - 1
            }
        };
        let group = self.group_of(response, &self.plans[plan_index].1);
        let period = self.period_of(ms);
        let cell = self
            .cells
            .entry((group, period))
            .or_insert_with(|| self.empty.clone());
        cell.fold_planned(response, &self.plans[plan_index].1)
    }

    fn group_of(&self, r: &Response, plan: &Plan) -> Option<Group> {
        let by = self.by?;
        let q = &self.empty.schema.questions[by];
        if plan.target(&q.id) != Some(by) {
            return Some(Group::Unanswered);
        }
        Some(match r.answers.get(&q.id) {
            Some(Answer::Choice(Picked::Option(id))) => {
                q.option_index(id).map_or(Group::Unanswered, Group::Option)
            }
            Some(Answer::Choice(Picked::Other(_))) if q.other => Group::Other,
            Some(Answer::YesNo(true)) => Group::Yes,
            Some(Answer::YesNo(false)) => Group::No,
            _ => Group::Unanswered,
        })
    }

    fn period_of(&mut self, ms: i64) -> Option<Date> {
        let period = self.grouping.period?;
        if let Some(c) = self.cache
            && c.from_ms <= ms
            && ms < c.to_ms
        {
            return Some(c.start);
        }
        let tz = &self.grouping.time_zone;
        let start = period.start(local_date(tz, ms));
        let bounds = period
            .next_start(start)
            .and_then(|next| Some((start_ms(tz, start)?, start_ms(tz, next)?)));
        // Local dates only move forward as time does, so every instant
        // between the two midnights is in this period.
        if let Some((from_ms, to_ms)) = bounds
            && from_ms <= ms
            && ms < to_ms
        {
            self.cache = Some(PeriodCache {
                from_ms,
                to_ms,
                start,
            });
        }
        Some(start)
    }

    /// Adds `other`'s cells; both must have the same survey version and
    /// grouping.
    pub fn merge(&mut self, other: GroupedTally) -> Result<(), MergeError> {
        if self.empty.schema.version != other.empty.schema.version {
            return Err(MergeError::DifferentSurvey);
        }
        if self.grouping != other.grouping {
            return Err(MergeError::DifferentOptions);
        }
        for (hash, plan) in other.plans {
            if !self.plans.iter().any(|(h, _)| *h == hash) {
                self.plans.push((hash, plan));
            }
        }
        for (key, tally) in other.cells {
            match self.cells.get_mut(&key) {
                Some(mine) => mine.merge_unchecked(tally),
                None => {
                    self.cells.insert(key, tally);
                }
            }
        }
        Ok(())
    }

    /// All groups and periods together.
    pub fn total(&self) -> Tally {
        let mut total = self.empty.clone();
        for tally in self.cells.values() {
            total.merge_unchecked(tally.clone());
        }
        total
    }

    /// The total, and a result per group, per period, per group and
    /// period, and (with both) per group over all periods and per period
    /// over all groups, labelled [`ALL`].
    pub fn results(&self) -> GroupedResult {
        let both = self.by.is_some() && self.grouping.period.is_some();
        let mut cells: BTreeMap<(Slot<Group>, Slot<Date>), Tally> = BTreeMap::new();
        let mut add = |key, tally: &Tally| {
            cells
                .entry(key)
                .or_insert_with(|| self.empty.clone())
                .merge_unchecked(tally.clone());
        };
        for ((g, p), tally) in &self.cells {
            let g = g.map_or(Slot::All, Slot::One);
            let p = p.map_or(Slot::All, Slot::One);
            add((g, p), tally);
            if both {
                add((g, Slot::All), tally);
                add((Slot::All, p), tally);
            }
        }
        let schema = &self.empty.schema;
        let group_label = |g: Slot<Group>| {
            self.by.map(|by| match g {
                Slot::All => ALL.to_owned(),
                Slot::One(Group::Option(i)) => schema.questions[by].options[i].clone(),
                Slot::One(Group::Yes) => "yes".to_owned(),
                Slot::One(Group::No) => "no".to_owned(),
                Slot::One(Group::Other) => OTHER_OPTION.to_owned(),
                Slot::One(Group::Unanswered) => NO_GROUP.to_owned(),
            })
        };
        let period_label = |p: Slot<Date>| {
            self.grouping.period.map(|period| match p {
                Slot::All => ALL.to_owned(),
                Slot::One(start) => period.label(start),
            })
        };
        GroupedResult {
            total: self.total().results(),
            by: self.grouping.by.clone(),
            period: self.grouping.period,
            since_ms: self.grouping.since_ms,
            until_ms: self.grouping.until_ms,
            cells: cells
                .into_iter()
                .filter(|(key, _)| *key != (Slot::All, Slot::All))
                .map(|((g, p), tally)| CellResult {
                    group: group_label(g),
                    period: period_label(p),
                    result: tally.results(),
                })
                .collect(),
        }
    }
}

/// The local date of a Unix-ms instant (clamped to the years jiff knows).
fn local_date(tz: &TimeZone, ms: i64) -> Date {
    let ms = ms.clamp(
        Timestamp::MIN.as_millisecond(),
        Timestamp::MAX.as_millisecond(),
    );
    let ts = Timestamp::from_millisecond(ms).unwrap_or(Timestamp::UNIX_EPOCH);
    tz.to_datetime(ts).date()
}

/// The first instant of `date` in `tz` (its midnight, or the end of a gap
/// that swallowed midnight), in Unix ms.
fn start_ms(tz: &TimeZone, date: Date) -> Option<i64> {
    tz.to_ambiguous_timestamp(date.to_datetime(Time::midnight()))
        .compatible()
        .ok()
        .map(Timestamp::as_millisecond)
}

/// A grouped tally's figures. Serialised, the total's keys come first (so
/// the shape is the plain tally's), then `by`, `period` and `cells`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GroupedResult {
    #[serde(flatten)]
    pub total: TallyResult,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period: Option<Period>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub since_ms: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub until_ms: Option<i64>,
    /// Groups in survey order (options, `other`, `(none)`, then `(all)`),
    /// each period ascending then `(all)`. Empty without `by` and `period`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cells: Vec<CellResult>,
}

/// The figures of one group and/or period.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CellResult {
    /// The option id, `yes`/`no`, `other`, [`NO_GROUP`] or [`ALL`]; absent
    /// without `by`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// The period's key (see [`Period::label`]) or [`ALL`]; absent without
    /// `period`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period: Option<String>,
    #[serde(flatten)]
    pub result: TallyResult,
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::LazyLock;

    use proptest::prelude::*;
    use rand::{RngExt, SeedableRng};
    use rand_chacha::ChaCha8Rng;
    use serde_json::{Value, json};

    use crate::core::answer::Answers;
    use crate::core::simulate::{self, Setup};
    use crate::core::survey::{Label, Lang, Question, QuestionOption};
    use crate::core::validate::survey_from_str;

    const NOW_MS: i64 = 1_790_000_000_000;
    const HOUR_MS: i64 = 3_600_000;

    static SURVEYS: LazyLock<Vec<Survey>> = LazyLock::new(|| {
        crate::core::testdata::SURVEYS
            .into_iter()
            .map(|text| survey_from_str(text).unwrap())
            .collect()
    });

    /// An older version of `all_types`: an option since removed, a rating
    /// on another scale, a question of another type and a dropped question.
    static OLD: LazyLock<Survey> = LazyLock::new(|| {
        let mut old = SURVEYS[0].clone();
        let label =
            |text: &str| Label::new([(Lang::Fi, text.to_owned()), (Lang::En, text.to_owned())]);
        for q in &mut old.questions {
            match (q.id.as_str(), &mut q.kind) {
                ("channels", QuestionKind::Multi { options, .. }) => {
                    options.push(QuestionOption {
                        id: "fax".into(),
                        label: label("Fax"),
                    });
                }
                ("overall", QuestionKind::Rating { scale, .. }) => *scale = 7,
                ("visits", kind) => *kind = QuestionKind::Text { max_len: 20 },
                _ => {}
            }
        }
        old.questions.push(Question {
            id: "legacy".into(),
            text: label("Legacy"),
            required: true,
            show_if: None,
            kind: QuestionKind::YesNo,
        });
        old
    });

    type Item = (Response, &'static Survey);

    /// `n` simulated responses to survey `which`, some (for `all_types`)
    /// to its older version, at random times in the year before `NOW_MS`.
    fn corpus(which: usize, seed: u64, n: usize) -> Vec<Item> {
        let new: &'static Survey = &SURVEYS[which];
        let old: Option<&'static Survey> = (which == 0).then(|| &*OLD);
        let setup = |s: &'static Survey| Setup {
            survey: s,
            version: VersionHash::of(s),
            terminal: "t",
            now_ms: NOW_MS,
            utc_offset_ms: 2 * HOUR_MS,
        };
        let setups = [Some(setup(new)), old.map(setup)];
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        (0..n)
            .map(|_| {
                let s = match &setups[1] {
                    Some(old) if rng.random_bool(0.3) => old,
                    _ => setups[0].as_ref().unwrap(),
                };
                let progress = rng.random::<f64>();
                (simulate::respondent(&mut rng, s, progress), s.survey)
            })
            .collect()
    }

    fn fold_all(survey: &Survey, items: &[Item], include_partial: bool) -> Tally {
        let mut t = Tally::with_partial(survey, include_partial);
        for (r, v) in items {
            t.fold(r, v);
        }
        t
    }

    fn shuffled(items: &[Item], seed: u64) -> Vec<Item> {
        let mut out = items.to_vec();
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        for i in (1..out.len()).rev() {
            out.swap(i, rng.random_range(0..=i));
        }
        out
    }

    /// A recount straight from the responses, by question and option id,
    /// with raw values sorted for medians: nothing shared with the engine.
    #[derive(Default, Debug)]
    struct Naive {
        answered: u64,
        counts: BTreeMap<String, u64>,
        values: Vec<i64>,
        ranks: BTreeMap<String, Vec<u64>>,
        texts: Vec<(i64, Uuid, String)>,
    }

    struct Recount {
        responses: u64,
        partial: u64,
        questions: BTreeMap<String, Naive>,
        versions: BTreeMap<String, u64>,
    }

    fn recount(survey: &Survey, items: &[Item], include_partial: bool) -> Recount {
        let mut out = Recount {
            responses: 0,
            partial: 0,
            questions: BTreeMap::new(),
            versions: BTreeMap::new(),
        };
        for (r, v) in items {
            if !r.complete {
                out.partial += 1;
                if !include_partial {
                    continue;
                }
            }
            out.responses += 1;
            *out.versions.entry(r.version.to_string()).or_default() += 1;
            for q in &survey.questions {
                let e = out.questions.entry(q.id.clone()).or_default();
                let (Some(a), Some(vq)) = (r.answers.get(&q.id), v.question(&q.id)) else {
                    continue;
                };
                if vq.kind.type_name() != q.kind.type_name() {
                    continue;
                }
                if let (
                    QuestionKind::Rating { scale: a, .. },
                    QuestionKind::Rating { scale: b, .. },
                ) = (&vq.kind, &q.kind)
                    && a != b
                {
                    continue;
                }
                let known = |id: &str| q.kind.options().iter().any(|o| o.id == id);
                let mut bump = |key: String| *e.counts.entry(key).or_default() += 1;
                let text = (r.submitted_ms, r.id);
                match a {
                    Answer::Choice(Picked::Option(id)) if known(id) => {
                        bump(id.clone());
                        e.answered += 1;
                    }
                    Answer::Choice(Picked::Other(t)) if q.kind.has_other() => {
                        bump("other".into());
                        e.answered += 1;
                        e.texts.push((text.0, text.1, t.clone()));
                    }
                    Answer::Multi { options, other } => {
                        let mut any = false;
                        for id in options.iter().filter(|id| known(id)) {
                            bump(id.clone());
                            any = true;
                        }
                        if let Some(t) = other.as_ref().filter(|_| q.kind.has_other()) {
                            bump("other".into());
                            e.texts.push((text.0, text.1, t.clone()));
                            any = true;
                        }
                        e.answered += u64::from(any);
                    }
                    Answer::Ranking(order) => {
                        let mut any = false;
                        for (place, id) in order.iter().enumerate().filter(|(_, id)| known(id)) {
                            if place == 0 {
                                bump(id.clone());
                            }
                            e.ranks
                                .entry(id.clone())
                                .or_default()
                                .push(place as u64 + 1);
                            any = true;
                        }
                        e.answered += u64::from(any);
                    }
                    Answer::Rating(x) | Answer::Nps(x) => {
                        bump(x.to_string());
                        e.values.push(i64::from(*x));
                        e.answered += 1;
                    }
                    Answer::YesNo(yes) => {
                        bump(if *yes { "yes" } else { "no" }.into());
                        e.values.push(i64::from(*yes));
                        e.answered += 1;
                    }
                    Answer::Number(x) => {
                        bump(x.to_string());
                        e.values.push(*x);
                        e.answered += 1;
                    }
                    Answer::Text(t) => {
                        e.texts.push((text.0, text.1, t.clone()));
                        e.answered += 1;
                    }
                    _ => {}
                }
            }
        }
        for q in out.questions.values_mut() {
            q.values.sort_unstable();
            q.texts.sort_by_key(|t| Reverse((t.0, t.1)));
        }
        out
    }

    fn close(a: Option<f64>, b: Option<f64>) -> bool {
        match (a, b) {
            (Some(a), Some(b)) => (a - b).abs() < 1e-9,
            (None, None) => true,
            _ => false,
        }
    }

    fn naive_mean(values: &[i64]) -> Option<f64> {
        (!values.is_empty()).then(|| values.iter().sum::<i64>() as f64 / values.len() as f64)
    }

    fn naive_median(sorted: &[i64]) -> Option<f64> {
        let n = sorted.len();
        (n > 0).then(|| (sorted[(n - 1) / 2] + sorted[n / 2]) as f64 / 2.0)
    }

    fn share(k: usize, n: usize) -> Option<f64> {
        (n > 0).then(|| k as f64 / n as f64)
    }

    fn texts(list: &[TextAnswer]) -> Vec<(i64, Uuid, String)> {
        list.iter()
            .map(|t| (t.submitted_ms, t.response, t.text.clone()))
            .collect()
    }

    /// Checks every figure of `result` against the recount.
    fn agrees(survey: &Survey, result: &TallyResult, naive: &Recount) -> Result<(), String> {
        let fail = |what: &str| Err(what.to_owned());
        if (result.responses, result.partial) != (naive.responses, naive.partial) {
            return fail("response counts");
        }
        let versions: BTreeMap<String, u64> = result
            .versions
            .iter()
            .map(|v| (v.version.clone(), v.responses))
            .collect();
        if versions != naive.versions {
            return Err(format!("versions {versions:?} vs {:?}", naive.versions));
        }
        for (q, qr) in survey.questions.iter().zip(&result.questions) {
            let empty = Naive::default();
            let n = naive.questions.get(&q.id).unwrap_or(&empty);
            let ctx = |what: &str| format!("{}: {what}\n{qr:#?}\n{n:#?}", q.id);
            if qr.id != q.id || qr.answered != n.answered {
                return Err(ctx("answered"));
            }
            let nonzero: BTreeMap<String, u64> =
                qr.counts.iter().filter(|(_, c)| *c > 0).cloned().collect();
            if nonzero != n.counts {
                return Err(ctx("counts"));
            }
            for (k, p) in &qr.percent {
                let c = n.counts.get(k).copied().unwrap_or(0);
                if !close(Some(*p), Some(100.0 * c as f64 / n.answered as f64)) {
                    return Err(ctx("percent"));
                }
            }
            if qr.percent.is_empty() != (n.answered == 0 || !qr.detail.has_percent()) {
                return Err(ctx("percent keys"));
            }
            let v = &n.values;
            let ok = match &qr.detail {
                Detail::Choice { other_texts } | Detail::Multi { other_texts } => {
                    texts(other_texts) == n.texts
                }
                Detail::Text { answers } => texts(answers) == n.texts,
                Detail::Ranking { mean_rank, .. } => mean_rank.iter().all(|(id, m)| {
                    let ranks = n.ranks.get(id).map_or(&[][..], Vec::as_slice);
                    let mean = (!ranks.is_empty())
                        .then(|| ranks.iter().sum::<u64>() as f64 / ranks.len() as f64);
                    close(*m, mean)
                }),
                Detail::Rating {
                    scale,
                    mean,
                    median,
                    top2,
                    ..
                } => {
                    let top = v.iter().filter(|g| **g >= i64::from(*scale) - 1).count();
                    close(*mean, naive_mean(v))
                        && close(*median, naive_median(v))
                        && close(*top2, share(top, v.len()).filter(|_| *scale >= 4))
                }
                Detail::Nps { nps, bands, .. } => {
                    let pro = v.iter().filter(|x| **x >= 9).count();
                    let det = v.iter().filter(|x| **x <= 6).count();
                    bands.total() == v.len() as u64
                        && close(
                            *nps,
                            (!v.is_empty())
                                .then(|| 100.0 * (pro as f64 - det as f64) / v.len() as f64),
                        )
                }
                Detail::YesNo { yes_share } => close(
                    *yes_share,
                    share(v.iter().filter(|x| **x == 1).count(), v.len()),
                ),
                Detail::Number {
                    min,
                    max,
                    mean,
                    median,
                } => {
                    *min == v.first().copied()
                        && *max == v.last().copied()
                        && close(*mean, naive_mean(v))
                        && close(*median, naive_median(v))
                }
            };
            if !ok {
                return Err(ctx("type figures"));
            }
        }
        Ok(())
    }

    // --- known answers -----------------------------------------------------

    const KNOWN: &str = r#"
id = "known"
languages = ["en"]
title = { en = "Known answers" }
population = 80

[[question]]
id = "overall"
type = "rating"
scale = 5
text = { en = "Grade" }

[[question]]
id = "recommend"
type = "nps"
text = { en = "How likely are you to recommend us?" }

[[question]]
id = "would"
type = "yesno"
text = { en = "Would you recommend us?" }

[[question]]
id = "why"
type = "text"
text = { en = "Why?" }
"#;

    fn response(survey: &Survey, i: u128, ms: i64, complete: bool, answers: Answers) -> Response {
        Response {
            id: Uuid::from_u128(i),
            survey: survey.id.clone(),
            version: VersionHash::of(survey),
            terminal: "t".into(),
            lang: Lang::En,
            started_ms: ms - 60_000,
            submitted_ms: ms,
            complete,
            answers,
        }
    }

    /// 40 responses: grades 2×1, 3×2, 5×3, 15×4, 15×5 (3 in 4 grade 4-5,
    /// mean 3.95); NPS 20 promoters, 14 passives, 6 detractors (+35);
    /// 22 of 25 would recommend (88 %); and one partial response.
    fn known() -> (Survey, Vec<Response>) {
        let survey = survey_from_str(KNOWN).unwrap();
        let grades = [(1u8, 2), (2, 3), (3, 5), (4, 15), (5, 15)];
        let scores = [(10u8, 12), (9, 8), (8, 9), (7, 5), (6, 3), (5, 2), (0, 1)];
        let expand = |list: &[(u8, usize)]| -> Vec<u8> {
            list.iter()
                .flat_map(|(v, c)| std::iter::repeat_n(*v, *c))
                .collect()
        };
        let (grades, scores) = (expand(&grades), expand(&scores));
        let mut out = Vec::new();
        for i in 0..40 {
            let mut a = Answers::new();
            a.insert("overall".into(), Answer::Rating(grades[i]));
            a.insert("recommend".into(), Answer::Nps(scores[i]));
            if i < 25 {
                a.insert("would".into(), Answer::YesNo(i < 22));
            }
            if i == 3 || i == 30 {
                a.insert("why".into(), Answer::Text(format!("answer {i}")));
            }
            // One a day from 2025-01-01T10:00Z.
            let ms = 1_735_725_600_000 + i as i64 * 24 * HOUR_MS;
            out.push(response(&survey, i as u128, ms, true, a));
        }
        let mut a = Answers::new();
        a.insert("overall".into(), Answer::Rating(1));
        out.push(response(&survey, 99, 1_735_725_600_000, false, a));
        (survey, out)
    }

    #[test]
    fn known_answers_in_the_json_shape() {
        let (survey, responses) = known();
        let mut t = Tally::new(&survey);
        for r in &responses {
            t.fold(r, &survey);
        }
        let result = t.results();
        let json = serde_json::to_value(&result).unwrap();
        assert_eq!(json["survey"], "known");
        assert_eq!(json["version"], VersionHash::of(&survey).to_string());
        assert_eq!(json["responses"], 40);
        assert_eq!(json["partial"], 1);
        assert_eq!(json["response_rate"], 0.5);
        assert_eq!(json["versions"][0]["responses"], 40);
        assert_eq!(json["versions"][0]["current"], true);
        assert_eq!(json["versions"][0]["left_out"], json!([]));

        let overall = &json["questions"][0];
        assert_eq!(
            overall,
            &json!({
                "id": "overall", "type": "rating", "answered": 40,
                "counts": {"1": 2, "2": 3, "3": 5, "4": 15, "5": 15},
                "percent": {"1": 5.0, "2": 7.5, "3": 12.5, "4": 37.5, "5": 37.5},
                "intervals": {
                    "1": {"low": 1.3821, "high": 16.5039},
                    "2": {"low": 2.5836, "high": 19.8642},
                    "3": {"low": 5.4595, "high": 26.1121},
                    "4": {"low": 24.223, "high": 52.9676},
                    "5": {"low": 24.223, "high": 52.9676}
                },
                "scale": 5, "mean": 3.95, "median": 4.0, "top2": 0.75,
                "top2_interval": {"low": 0.5981, "high": 0.8581}
            })
        );
        let recommend = &json["questions"][1];
        assert_eq!(recommend["answered"], 40);
        assert_eq!(recommend["nps"], 35.0);
        assert_eq!(
            recommend["bands"],
            json!({"detractors": 6, "passives": 14, "promoters": 20})
        );
        assert_eq!(recommend["counts"]["0"], 1);
        assert_eq!(recommend["counts"]["1"], 0);
        assert_eq!(recommend["counts"].as_object().unwrap().len(), 11);
        let i = &recommend["nps_interval"];
        assert!(i["low"].as_f64().unwrap() < 35.0 && i["high"].as_f64().unwrap() > 35.0);

        let would = &json["questions"][2];
        assert_eq!(would["answered"], 25);
        assert_eq!(would["yes_share"], 0.88);
        assert_eq!(would["counts"], json!({"yes": 22, "no": 3}));
        assert_eq!(would["percent"], json!({"yes": 88.0, "no": 12.0}));

        let why = &json["questions"][3];
        assert_eq!(why["answered"], 2);
        assert_eq!(why.get("counts"), None);
        let answers: Vec<&str> = why["answers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["text"].as_str().unwrap())
            .collect();
        assert_eq!(answers, ["answer 30", "answer 3"], "newest first");

        // The partial response counts when asked for.
        let mut t = Tally::with_partial(&survey, true);
        for r in &responses {
            t.fold(r, &survey);
        }
        let r = t.results();
        assert_eq!((r.responses, r.partial), (41, 1));
        assert_eq!(r.question("overall").unwrap().count("1"), Some(3));
        assert_eq!(
            r.response_rate,
            Some(0.5),
            "partials never count as responding"
        );
    }

    #[test]
    fn figures_are_null_without_answers() {
        let (survey, _) = known();
        let json = serde_json::to_value(Tally::new(&survey).results()).unwrap();
        let overall = &json["questions"][0];
        assert_eq!(overall["answered"], 0);
        assert_eq!(overall["mean"], Value::Null);
        assert_eq!(overall["top2"], Value::Null);
        assert_eq!(overall["percent"], json!({}));
        assert_eq!(json["questions"][1]["nps"], Value::Null);
        assert_eq!(json["response_rate"], 0.0);
        assert_eq!(json["first_submitted_ms"], Value::Null);
    }

    #[test]
    fn multi_percent_is_of_respondents_and_ranking_has_mean_ranks() {
        let survey = SURVEYS[0].clone();
        let mut t = Tally::new(&survey);
        let multi = |o: &[&str], other: Option<&str>| Answer::Multi {
            options: o.iter().map(|x| (*x).to_owned()).collect(),
            other: other.map(Into::into),
        };
        let rank = |o: &[&str]| Answer::Ranking(o.iter().map(|x| (*x).to_owned()).collect());
        let answers = [
            (
                multi(&["phone", "email"], None),
                rank(&["speed", "quality"]),
            ),
            (multi(&["phone"], Some("chat")), rank(&["quality", "speed"])),
            (multi(&["desk"], None), rank(&["speed", "access"])),
            (multi(&["phone", "desk"], None), rank(&["speed", "quality"])),
        ];
        for (i, (m, r)) in answers.into_iter().enumerate() {
            let mut a = Answers::new();
            a.insert(
                "group".into(),
                Answer::Choice(Picked::Option("staff".into())),
            );
            a.insert("channels".into(), m);
            a.insert("priorities".into(), r);
            t.fold(&response(&survey, i as u128, NOW_MS, true, a), &survey);
        }
        let r = t.results();
        let channels = r.question("channels").unwrap();
        assert_eq!(channels.answered, 4);
        assert_eq!(channels.percent_of("phone"), Some(75.0));
        assert_eq!(channels.percent_of("other"), Some(25.0));
        let total: f64 = channels.percent.iter().map(|(_, p)| p).sum();
        assert_eq!(total, 175.0, "a multi's column sums past 100 %");
        let Detail::Multi { other_texts } = &channels.detail else {
            panic!("{channels:?}");
        };
        assert_eq!(other_texts[0].text, "chat");

        let priorities = r.question("priorities").unwrap();
        assert_eq!(priorities.count("speed"), Some(3), "first places");
        assert_eq!(priorities.count("quality"), Some(1));
        let Detail::Ranking { mean_rank, ranked } = &priorities.detail else {
            panic!("{priorities:?}");
        };
        assert_eq!(
            mean_rank,
            &vec![
                ("speed".to_owned(), Some(1.25)),
                ("quality".to_owned(), Some(5.0 / 3.0)),
                ("access".to_owned(), Some(2.0)),
            ]
        );
        assert_eq!(ranked[0], ("speed".to_owned(), 4));
        let json = serde_json::to_value(priorities).unwrap();
        assert_eq!(json["mean_rank"]["quality"], 1.6667);
    }

    #[test]
    fn older_versions_count_where_id_and_type_match() {
        let new = &SURVEYS[0];
        let old = &*OLD;
        let mut a = Answers::new();
        a.insert(
            "group".into(),
            Answer::Choice(Picked::Option("resident".into())),
        );
        a.insert(
            "channels".into(),
            Answer::Multi {
                options: vec!["fax".into(), "email".into()],
                other: None,
            },
        );
        a.insert("overall".into(), Answer::Rating(7));
        a.insert("visits".into(), Answer::Text("often".into()));
        a.insert("legacy".into(), Answer::YesNo(true));
        let mut r = response(old, 1, NOW_MS, true, a);
        r.version = VersionHash::of(old);
        assert_eq!(r.check(old), Ok(()));
        let mut t = Tally::new(new);
        assert_eq!(t.fold(&r, old), Folded::Counted);
        let result = t.results();
        assert_eq!(result.responses, 1);
        assert_eq!(result.question("group").unwrap().count("resident"), Some(1));
        let channels = result.question("channels").unwrap();
        assert_eq!((channels.answered, channels.count("email")), (1, Some(1)));
        assert_eq!(result.question("overall").unwrap().answered, 0);
        assert_eq!(result.question("visits").unwrap().answered, 0);
        assert_eq!(result.versions.len(), 1);
        assert!(!result.versions[0].current);
        assert_eq!(
            result.versions[0].left_out,
            vec![
                LeftOut::OptionRemoved {
                    question: "channels".into(),
                    option: "fax".into()
                },
                LeftOut::ScaleChanged {
                    question: "overall".into(),
                    was: 7,
                    now: 5
                },
                LeftOut::TypeChanged {
                    question: "visits".into(),
                    was: "text".into(),
                    now: "number".into()
                },
                LeftOut::Removed {
                    question: "legacy".into()
                },
            ]
        );
        let json = serde_json::to_value(&result.versions[0].left_out[1]).unwrap();
        assert_eq!(
            json,
            json!({"reason": "scale_changed", "question": "overall", "was": 7, "now": 5})
        );
    }

    #[test]
    fn other_surveys_are_ignored_and_mismatched_merges_refused() {
        let (known, responses) = known();
        let mut t = Tally::new(&SURVEYS[0]);
        assert_eq!(t.fold(&responses[0], &known), Folded::OtherSurvey);
        assert_eq!(t.responses(), 0);
        assert_eq!(
            t.clone().merge(Tally::new(&known)),
            Err(MergeError::DifferentSurvey)
        );
        assert_eq!(
            t.merge(Tally::with_partial(&SURVEYS[0], true)),
            Err(MergeError::DifferentOptions)
        );
    }

    // --- groups and periods -------------------------------------------------

    fn helsinki() -> TimeZone {
        TimeZone::get("Europe/Helsinki").unwrap()
    }

    #[test]
    fn period_labels_follow_the_calendar() {
        use jiff::civil::date;
        let d = date(2024, 12, 30);
        assert_eq!(Period::Day.label(d), "2024-12-30");
        assert_eq!(
            Period::Week.label(d),
            "2025-W01",
            "ISO week of the Thursday"
        );
        assert_eq!(Period::Week.label(date(2021, 1, 3)), "2020-W53");
        assert_eq!(Period::Week.start(date(2021, 1, 3)), date(2020, 12, 28));
        assert_eq!(Period::Month.label(d), "2024-12");
        assert_eq!(Period::Year.label(d), "2024");
        assert_eq!(
            Period::Month.next_start(date(2024, 2, 1)),
            Some(date(2024, 3, 1))
        );
        assert_eq!(
            Period::Week.next_start(date(2024, 12, 30)),
            Some(date(2025, 1, 6))
        );
        assert_eq!(
            Period::Year.next_start(date(2024, 1, 1)),
            Some(date(2025, 1, 1))
        );
        for p in Period::ALL {
            assert_eq!(Period::from_name(p.name()), Some(p));
        }
        assert_eq!(Period::from_name("fortnight"), None);
    }

    #[test]
    fn periods_are_local_and_the_cache_never_changes_an_answer() {
        let tz = helsinki();
        let grouping = |period| Grouping {
            period: Some(period),
            time_zone: tz.clone(),
            ..Grouping::default()
        };
        // Around the spring and autumn changes of 2025 and a new year, in
        // steps of 17 minutes, forward and then back over the same span.
        let starts = [1_743_292_800_000i64, 1_761_436_800_000, 1_735_680_000_000];
        for period in Period::ALL {
            let mut g = GroupedTally::new(&SURVEYS[0], grouping(period)).unwrap();
            for start in starts {
                let steps: Vec<i64> = (0..400)
                    .map(|i| start - 2 * 86_400_000 + i * 17 * 60_000)
                    .collect();
                for ms in steps.iter().chain(steps.iter().rev()) {
                    let direct = period.start(local_date(&tz, *ms));
                    assert_eq!(g.period_of(*ms), Some(direct), "{period} at {ms}");
                }
            }
        }
        // 2025-01-31T22:30Z is already February in Helsinki (UTC+2).
        let ms = 1_738_362_600_000;
        assert_eq!(Period::Month.label(local_date(&tz, ms)), "2025-02");
        assert_eq!(
            Period::Month.label(local_date(&TimeZone::UTC, ms)),
            "2025-01"
        );
    }

    #[test]
    fn grouping_needs_a_choice_or_yesno_question() {
        let g = |by: &str| Grouping {
            by: Some(by.into()),
            ..Grouping::default()
        };
        assert!(GroupedTally::new(&SURVEYS[0], g("group")).is_ok());
        assert!(GroupedTally::new(&SURVEYS[0], g("solved")).is_ok());
        assert_eq!(
            GroupedTally::new(&SURVEYS[0], g("nope")).unwrap_err(),
            GroupError::UnknownQuestion("nope".into())
        );
        assert_eq!(
            GroupedTally::new(&SURVEYS[0], g("overall")).unwrap_err(),
            GroupError::NotGroupable {
                question: "overall".into(),
                kind: "rating"
            }
        );
    }

    #[test]
    fn grouped_known_answers() {
        let (survey, responses) = known();
        let grouping = Grouping {
            by: Some("would".into()),
            period: Some(Period::Month),
            time_zone: helsinki(),
            // From 2025-01-03 (UTC), so the first two days are left out.
            since_ms: Some(1_735_862_400_000),
            until_ms: None,
            include_partial: false,
        };
        let mut g = GroupedTally::new(&survey, grouping).unwrap();
        let folded: Vec<Folded> = responses.iter().map(|r| g.fold(r, &survey)).collect();
        assert_eq!(
            folded.iter().filter(|f| **f == Folded::OutOfRange).count(),
            3
        );
        let result = g.results();
        assert_eq!(result.total.responses, 38);
        let keys: Vec<(String, String, u64)> = result
            .cells
            .iter()
            .map(|c| {
                (
                    c.group.clone().unwrap(),
                    c.period.clone().unwrap(),
                    c.result.responses,
                )
            })
            .collect();
        let k = |g: &str, p: &str, n| (g.to_owned(), p.to_owned(), n);
        assert_eq!(
            keys,
            [
                k("yes", "2025-01", 20),
                k("yes", ALL, 20),
                k("no", "2025-01", 3),
                k("no", ALL, 3),
                k(NO_GROUP, "2025-01", 6),
                k(NO_GROUP, "2025-02", 9),
                k(NO_GROUP, ALL, 15),
                k(ALL, "2025-01", 29),
                k(ALL, "2025-02", 9),
            ]
        );
        let json = serde_json::to_value(&result).unwrap();
        assert_eq!(json["responses"], 38);
        assert_eq!(json["by"], "would");
        assert_eq!(json["period"], "month");
        assert_eq!(json["cells"][0]["group"], "yes");
        assert_eq!(json["cells"][0]["questions"][2]["yes_share"], 1.0);
        assert!(json["cells"][0].get("cells").is_none());
    }

    // --- properties ---------------------------------------------------------

    fn groupable(survey: &Survey) -> Option<String> {
        survey
            .questions
            .iter()
            .find(|q| matches!(q.kind, QuestionKind::Choice { .. } | QuestionKind::YesNo))
            .map(|q| q.id.clone())
    }

    fn grouped(survey: &Survey, grouping: &Grouping, items: &[Item]) -> GroupedTally {
        let mut g = GroupedTally::new(survey, grouping.clone()).unwrap();
        for (r, v) in items {
            g.fold(r, v);
        }
        g
    }

    fn arb_grouping(which: usize) -> impl Strategy<Value = Grouping> {
        let by = groupable(&SURVEYS[which]);
        (
            any::<bool>(),
            proptest::option::of(proptest::sample::select(Period::ALL.to_vec())),
            proptest::option::of(0i64..200),
            proptest::option::of(200i64..366),
            any::<bool>(),
        )
            .prop_map(move |(use_by, period, since, until, include_partial)| {
                let day_ms = 24 * HOUR_MS;
                Grouping {
                    by: by.clone().filter(|_| use_by),
                    period,
                    time_zone: TimeZone::fixed(jiff::tz::offset(2)),
                    since_ms: since.map(|d| NOW_MS - 366 * day_ms + d * day_ms),
                    until_ms: until.map(|d| NOW_MS - 366 * day_ms + d * day_ms),
                    include_partial,
                }
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

        #[test]
        fn folding_order_does_not_matter(
            which in 0..6usize, seed in any::<u64>(), n in 0..300usize, order in any::<u64>(),
        ) {
            let survey = &SURVEYS[which];
            let items = corpus(which, seed, n);
            let a = fold_all(survey, &items, false).results();
            let b = fold_all(survey, &shuffled(&items, order), false).results();
            prop_assert_eq!(&a, &b);
            let reversed: Vec<Item> = items.iter().rev().cloned().collect();
            prop_assert_eq!(&a, &fold_all(survey, &reversed, false).results());
            prop_assert_eq!(
                serde_json::to_string(&a).unwrap(),
                serde_json::to_string(&b).unwrap()
            );
        }

        #[test]
        fn merging_is_folding_the_concatenation(
            which in 0..6usize, seed in any::<u64>(), n in 0..300usize,
            cut in 0.0..=1.0f64, include_partial in any::<bool>(),
        ) {
            let survey = &SURVEYS[which];
            let items = corpus(which, seed, n);
            let (a, b) = items.split_at((n as f64 * cut) as usize);
            let mut merged = fold_all(survey, a, include_partial);
            merged.merge(fold_all(survey, b, include_partial)).unwrap();
            prop_assert_eq!(
                merged.results(),
                fold_all(survey, &items, include_partial).results()
            );
        }

        #[test]
        fn figures_agree_with_a_naive_recount(
            which in 0..6usize, seed in any::<u64>(), n in 0..300usize,
            include_partial in any::<bool>(),
        ) {
            let survey = &SURVEYS[which];
            let items = corpus(which, seed, n);
            let result = fold_all(survey, &items, include_partial).results();
            let naive = recount(survey, &items, include_partial);
            agrees(survey, &result, &naive).map_err(TestCaseError::fail)?;
        }

        #[test]
        fn groups_sum_to_the_total(
            (which, grouping) in (0..6usize).prop_flat_map(|w| (Just(w), arb_grouping(w))),
            seed in any::<u64>(), n in 0..300usize, cut in 0.0..=1.0f64,
        ) {
            let survey = &SURVEYS[which];
            let items = corpus(which, seed, n);
            let g = grouped(survey, &grouping, &items);
            let result = g.results();

            // The total is the plain tally of the responses in range.
            let in_range: Vec<Item> = items
                .iter()
                .filter(|(r, _)| {
                    grouping.since_ms.is_none_or(|s| r.submitted_ms >= s)
                        && grouping.until_ms.is_none_or(|u| r.submitted_ms < u)
                })
                .cloned()
                .collect();
            let plain = fold_all(survey, &in_range, grouping.include_partial).results();
            prop_assert_eq!(&result.total, &plain);
            let naive = recount(survey, &in_range, grouping.include_partial);
            agrees(survey, &result.total, &naive).map_err(TestCaseError::fail)?;

            // Along each dimension, the cells of one margin sum to it.
            let by_group = |c: &&CellResult| grouping.by.is_none() || c.group.as_deref() != Some(ALL);
            let by_period = |c: &&CellResult| grouping.period.is_none() || c.period.as_deref() != Some(ALL);
            let sum_of = |cells: &[&CellResult]| {
                let mut responses = 0;
                let mut counts: BTreeMap<(String, String), u64> = BTreeMap::new();
                for c in cells {
                    responses += c.result.responses;
                    for q in &c.result.questions {
                        for (k, n) in q.counts.iter().filter(|(_, n)| *n > 0) {
                            *counts.entry((q.id.clone(), k.clone())).or_default() += n;
                        }
                    }
                }
                (responses, counts)
            };
            let total = sum_of(&[&CellResult { group: None, period: None, result: plain.clone() }]);
            let inner: Vec<&CellResult> = result.cells.iter().filter(by_group).filter(by_period).collect();
            if grouping.by.is_some() || grouping.period.is_some() {
                prop_assert_eq!(&sum_of(&inner), &total);
            }
            if grouping.by.is_some() && grouping.period.is_some() {
                let group_margins: Vec<&CellResult> = result.cells.iter().filter(|c| !by_period(c)).collect();
                let period_margins: Vec<&CellResult> = result.cells.iter().filter(|c| !by_group(c)).collect();
                prop_assert_eq!(&sum_of(&group_margins), &total);
                prop_assert_eq!(&sum_of(&period_margins), &total);
            }

            // Each group holds exactly the responses with its answer.
            if let Some(by) = &grouping.by {
                for c in result.cells.iter().filter(by_group) {
                    let group = c.group.as_deref().unwrap_or_default();
                    let q = c.result.question(by).unwrap();
                    let expected = if group == NO_GROUP { 0 } else { q.answered };
                    prop_assert_eq!(q.count(group).unwrap_or(0), expected, "{}", group);
                    prop_assert_eq!(q.answered, expected);
                }
            }

            // Grouped tallies merge like plain ones.
            let (a, b) = items.split_at((n as f64 * cut) as usize);
            let mut merged = grouped(survey, &grouping, a);
            merged.merge(grouped(survey, &grouping, b)).unwrap();
            prop_assert_eq!(merged.results(), result);
        }
    }
}
