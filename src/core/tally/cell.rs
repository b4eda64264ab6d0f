//! Tallies kept ready: the counts of a set of responses, without the
//! responses, so a store can keep them beside its records and a tally can
//! add them up instead of decoding every response.
//!
//! [`TallyCounts`] is what a [`Tally`] holds minus its free texts, for one
//! homogeneous set of responses (one day, terminal and flag combination,
//! see [`CellFlags`]), counted on the survey's newest version with partial
//! and suspect responses in. Counts add like tallies do, so a cell is kept
//! up to date by adding the counts of each new response
//! ([`counts_of_response`]) and a tally is the sum of its cells
//! ([`GroupedTally::add_counts`]), which leaves out what the tally's
//! options leave out. Free texts come from [`TextEntry`]s instead
//! ([`GroupedTally::add_texts`]). The result is the one a fold of every
//! response gives, byte for byte (the store's tests compare both).

use super::*;

/// The flags a cell's responses share.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CellFlags {
    pub complete: bool,
    pub suspect: bool,
    pub simulated: bool,
}

impl CellFlags {
    pub fn of(r: &Response) -> CellFlags {
        CellFlags {
            complete: r.complete,
            suspect: r.suspect,
            simulated: r.simulated,
        }
    }

    /// One byte: bit 0 complete, bit 1 suspect, bit 2 simulated.
    pub fn bits(self) -> u8 {
        u8::from(self.complete) | u8::from(self.suspect) << 1 | u8::from(self.simulated) << 2
    }

    pub fn from_bits(bits: u8) -> Option<CellFlags> {
        (bits < 8).then_some(CellFlags {
            complete: bits & 1 != 0,
            suspect: bits & 2 != 0,
            simulated: bits & 4 != 0,
        })
    }
}

/// Counts of one survey version's responses in a cell.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionCounts {
    pub version: [u8; 32],
    pub responses: u64,
    /// Per entry of what the version's answers leave out (in the order
    /// the tally lists them), the answers kept out.
    pub left_out_answers: Vec<u64>,
    pub first_ms: i64,
    pub last_ms: i64,
}

/// Counts of one question, in the newest version's option order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum QuestionCounts {
    Choice {
        counts: Vec<u64>,
    },
    Multi {
        counts: Vec<u64>,
        respondents: u64,
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
        counts: Vec<u64>,
    },
    YesNo {
        yes: u64,
        no: u64,
    },
    Number {
        counts: Vec<(i64, u64)>,
    },
    Text,
}

/// The counts of a set of responses; see the module docs.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TallyCounts {
    pub responses: u64,
    pub suspect: u64,
    pub simulated: u64,
    pub complete: u64,
    pub partial: u64,
    pub versions: Vec<VersionCounts>,
    pub questions: Vec<QuestionCounts>,
}

/// Why stored counts do not fit the tally: they were made on another
/// version or are damaged. The store counts again from the responses.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the kept counts do not fit the survey ({0})")]
pub struct CountsMismatch(pub &'static str);

fn add_into(a: &mut Vec<u64>, b: &[u64]) -> Result<(), CountsMismatch> {
    if a.is_empty() && !b.is_empty() {
        a.resize(b.len(), 0);
    }
    if a.len() != b.len() {
        return Err(CountsMismatch("a count list has another length"));
    }
    a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
    Ok(())
}

impl QuestionCounts {
    fn add(&mut self, other: &QuestionCounts) -> Result<(), CountsMismatch> {
        use QuestionCounts as Q;
        match (self, other) {
            (Q::Choice { counts }, Q::Choice { counts: c })
            | (Q::Rating { counts }, Q::Rating { counts: c })
            | (Q::Nps { counts }, Q::Nps { counts: c }) => add_into(counts, c),
            (
                Q::Multi {
                    counts,
                    respondents,
                },
                Q::Multi {
                    counts: c,
                    respondents: r,
                },
            ) => {
                *respondents += r;
                add_into(counts, c)
            }
            (
                Q::Ranking {
                    first,
                    rank_sum,
                    ranked,
                    respondents,
                },
                Q::Ranking {
                    first: f,
                    rank_sum: s,
                    ranked: k,
                    respondents: r,
                },
            ) => {
                *respondents += r;
                add_into(first, f)?;
                add_into(rank_sum, s)?;
                add_into(ranked, k)
            }
            (Q::YesNo { yes, no }, Q::YesNo { yes: y, no: n }) => {
                *yes += y;
                *no += n;
                Ok(())
            }
            (Q::Number { counts }, Q::Number { counts: c }) => {
                let mut merged: BTreeMap<i64, u64> = counts.iter().copied().collect();
                for (v, n) in c {
                    *merged.entry(*v).or_insert(0) += n;
                }
                *counts = merged.into_iter().collect();
                Ok(())
            }
            (Q::Text, Q::Text) => Ok(()),
            _ => Err(CountsMismatch("a question has another type")),
        }
    }
}

impl TallyCounts {
    /// Adds `other`'s counts to these (both of the same survey version).
    pub fn add(&mut self, other: &TallyCounts) -> Result<(), CountsMismatch> {
        if self.questions.is_empty() {
            self.questions = other.questions.clone();
        } else {
            if self.questions.len() != other.questions.len() {
                return Err(CountsMismatch("another number of questions"));
            }
            for (a, b) in self.questions.iter_mut().zip(&other.questions) {
                a.add(b)?;
            }
        }
        self.responses += other.responses;
        self.suspect += other.suspect;
        self.simulated += other.simulated;
        self.complete += other.complete;
        self.partial += other.partial;
        // Versions kept sorted, so equal counts are equal values.
        for v in &other.versions {
            match self
                .versions
                .binary_search_by(|m| m.version.cmp(&v.version))
                .map(|i| &mut self.versions[i])
            {
                Ok(mine) => {
                    mine.responses += v.responses;
                    add_into(&mut mine.left_out_answers, &v.left_out_answers)?;
                    mine.first_ms = mine.first_ms.min(v.first_ms);
                    mine.last_ms = mine.last_ms.max(v.last_ms);
                }
                Err(at) => self.versions.insert(at, v.clone()),
            }
        }
        Ok(())
    }

    /// The earliest and latest submit of these responses.
    pub fn span_ms(&self) -> Option<(i64, i64)> {
        let first = self.versions.iter().map(|v| v.first_ms).min()?;
        let last = self.versions.iter().map(|v| v.last_ms).max()?;
        Some((first, last))
    }
}

impl QState {
    fn counts(&self) -> QuestionCounts {
        use QuestionCounts as Q;
        match self {
            QState::Choice { counts, .. } => Q::Choice {
                counts: counts.clone(),
            },
            QState::Multi {
                counts,
                respondents,
                ..
            } => Q::Multi {
                counts: counts.clone(),
                respondents: *respondents,
            },
            QState::Ranking {
                first,
                rank_sum,
                ranked,
                respondents,
            } => Q::Ranking {
                first: first.clone(),
                rank_sum: rank_sum.clone(),
                ranked: ranked.clone(),
                respondents: *respondents,
            },
            QState::Rating { counts } => Q::Rating {
                counts: counts.clone(),
            },
            QState::Nps { counts } => Q::Nps {
                counts: counts.to_vec(),
            },
            QState::YesNo { yes, no } => Q::YesNo { yes: *yes, no: *no },
            QState::Number { counts } => Q::Number {
                counts: counts.iter().map(|(v, c)| (*v, *c)).collect(),
            },
            QState::Text { .. } => Q::Text,
        }
    }

    /// Adds stored counts; lengths must be this question's.
    pub(super) fn add_counts(&mut self, c: &QuestionCounts) -> Result<(), CountsMismatch> {
        use QuestionCounts as Q;
        fn same(a: &mut [u64], b: &[u64]) -> Result<(), CountsMismatch> {
            if a.len() != b.len() {
                return Err(CountsMismatch("a count list has another length"));
            }
            a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
            Ok(())
        }
        match (self, c) {
            (QState::Choice { counts, .. }, Q::Choice { counts: c })
            | (QState::Rating { counts }, Q::Rating { counts: c }) => same(counts, c),
            (QState::Nps { counts }, Q::Nps { counts: c }) => same(counts, c),
            (
                QState::Multi {
                    counts,
                    respondents,
                    ..
                },
                Q::Multi {
                    counts: c,
                    respondents: r,
                },
            ) => {
                *respondents += r;
                same(counts, c)
            }
            (
                QState::Ranking {
                    first,
                    rank_sum,
                    ranked,
                    respondents,
                },
                Q::Ranking {
                    first: f,
                    rank_sum: s,
                    ranked: k,
                    respondents: r,
                },
            ) => {
                *respondents += r;
                same(first, f)?;
                same(rank_sum, s)?;
                same(ranked, k)
            }
            (QState::YesNo { yes, no }, Q::YesNo { yes: y, no: n }) => {
                *yes += y;
                *no += n;
                Ok(())
            }
            (QState::Number { counts }, Q::Number { counts: c }) => {
                for (v, n) in c {
                    *counts.entry(*v).or_insert(0) += n;
                }
                Ok(())
            }
            (QState::Text { .. }, Q::Text) => Ok(()),
            _ => Err(CountsMismatch("a question has another type")),
        }
    }

    /// Adds a free text the way [`QState::add`] keeps it, and nothing else.
    fn add_text(&mut self, q: &QSchema, answer: &Answer, submitted_ms: i64, response: Uuid) {
        let of = |text: &str| TextAnswer {
            text: text.into(),
            submitted_ms,
            response,
        };
        match (self, answer) {
            (QState::Choice { other, .. }, Answer::Choice(Picked::Other(text))) if q.other => {
                other.push(of(text));
            }
            (
                QState::Multi { other, .. },
                Answer::Multi {
                    other: Some(text), ..
                },
            ) if q.other => other.push(of(text)),
            (QState::Text { answers }, Answer::Text(text)) => {
                answers.push(of(text));
            }
            _ => {}
        }
    }
}

impl Tally {
    /// What this tally counted, without its free texts.
    pub fn counts(&self) -> TallyCounts {
        TallyCounts {
            responses: self.responses,
            suspect: self.suspect,
            simulated: self.simulated,
            complete: self.complete,
            partial: self.partial,
            versions: self
                .versions
                .iter()
                .map(|v| VersionCounts {
                    version: v.hash.0,
                    responses: v.responses,
                    left_out_answers: v.left_out_answers.clone(),
                    first_ms: v.first_ms,
                    last_ms: v.last_ms,
                })
                .collect(),
            questions: self.questions.iter().map(QState::counts).collect(),
        }
    }
}

/// Where a response is counted: the survey's plain cells, or the cells of
/// one group of a choice or yesno question (`--by`); a UTC day's cell, or
/// a UTC hour's (for local periods and dates whose edges fall inside a
/// UTC day).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CellPlace {
    /// The question's index in the newest version and the response's
    /// group by it ([`group_code`]); `None`: the plain cells.
    pub question: Option<(u16, u16)>,
    pub hour: bool,
}

/// A group as a number for cell keys: an option's index, or one of the
/// codes above every index a survey can have.
pub(super) fn group_code(g: Group) -> Option<u16> {
    match g {
        Group::Option(i) => u16::try_from(i).ok().filter(|i| *i < GROUP_CODES),
        Group::Yes => Some(0xFFF0),
        Group::No => Some(0xFFF1),
        Group::Other => Some(0xFFFE),
        Group::Unanswered => Some(0xFFFF),
        Group::Terminal(_) => None,
    }
}

/// Codes from here up are not options' indices.
const GROUP_CODES: u16 = 0xFF00;

fn group_of_code(code: u16) -> Group {
    match code {
        0xFFF0 => Group::Yes,
        0xFFF1 => Group::No,
        0xFFFE => Group::Other,
        0xFFFF => Group::Unanswered,
        i => Group::Option(usize::from(i)),
    }
}

/// The questions of `schema` that cells are kept for: every choice and
/// yesno question whose index and options fit a cell key.
fn groupable(schema: &Schema) -> Vec<usize> {
    schema
        .questions
        .iter()
        .enumerate()
        .filter(|(i, q)| {
            matches!(q.kind, Kind::Choice | Kind::YesNo)
                && u16::try_from(*i).is_ok()
                && q.options.len() < usize::from(GROUP_CODES)
        })
        .map(|(i, _)| i)
        .collect()
}

/// Counts responses into cells keyed by `K` (the store's cell keys), on
/// the survey's newest version, partial and suspect responses in: the
/// counts to add to the stored cells. One schema and one plan per version
/// for all of them; each response is folded once and its counts added
/// to each of its cells (no free texts are kept: they have their own index).
pub struct CellCounter<K> {
    empty: Tally,
    groupable: Vec<usize>,
    plans: Vec<(VersionHash, Arc<Plan>)>,
    cells: BTreeMap<K, TallyCounts>,
}

impl<K: Ord> CellCounter<K> {
    pub fn new(newest: &Survey) -> CellCounter<K> {
        let empty = Tally::with_partial(newest, true).including_suspect(true);
        CellCounter {
            groupable: groupable(&empty.schema),
            empty,
            plans: Vec::new(),
            cells: BTreeMap::new(),
        }
    }

    /// Counts `r` in each of its cells, keyed by `key` of its place: its
    /// day and its hour, plain and per groupable question. `its_version`
    /// is the version it answered.
    pub fn add(&mut self, r: &Response, its_version: &Survey, key: impl Fn(CellPlace) -> K) {
        let plan = match self.plans.iter().find(|(h, _)| *h == r.version) {
            Some((_, plan)) => Arc::clone(plan),
            None => {
                let plan = Arc::new(Plan::new(&self.empty.schema, its_version));
                self.plans.push((r.version, Arc::clone(&plan)));
                plan
            }
        };
        let mut questions = Vec::with_capacity(1 + self.groupable.len());
        questions.push(None);
        for &q in &self.groupable {
            let group = question_group(&self.empty.schema, q, r, &plan);
            if let (Ok(index), Some(code)) = (u16::try_from(q), group_code(group)) {
                questions.push(Some((index, code)));
            }
        }
        let mut one = self.empty.clone();
        one.fold_planned(r, &plan);
        let counts = one.counts();
        for hour in [false, true] {
            for question in &questions {
                let place = CellPlace {
                    question: *question,
                    hour,
                };
                match self.cells.entry(key(place)) {
                    std::collections::btree_map::Entry::Vacant(v) => {
                        v.insert(counts.clone());
                    }
                    std::collections::btree_map::Entry::Occupied(mut o) => {
                        // Same schema on both sides: the shapes always fit.
                        let added = o.get_mut().add(&counts);
                        debug_assert!(added.is_ok(), "{added:?}");
                    }
                }
            }
        }
    }

    /// Each cell's counts.
    pub fn finish(self) -> BTreeMap<K, TallyCounts> {
        self.cells
            .into_iter()
            .map(|(k, mut c)| {
                c.versions.sort_by_key(|v| v.version);
                (k, c)
            })
            .collect()
    }
}

/// The free texts of one response, as a tally keeps them: its text answers
/// and "other" texts, with what a tally needs to place them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TextEntry {
    pub response: Uuid,
    pub version: VersionHash,
    pub submitted_ms: i64,
    pub flags: CellFlags,
    pub terminal: String,
    /// Question id and the answer, reduced to its text.
    pub answers: Vec<(String, Answer)>,
    /// The response's answers to its `choice` and `yesno` questions, so a
    /// grouped tally can place the texts in their `--by` group.
    pub groups: Vec<(String, Answer)>,
}

impl TextEntry {
    /// The response's free texts, or `None` when it has none.
    pub fn of(r: &Response) -> Option<TextEntry> {
        let answers: Vec<(String, Answer)> = r
            .answers
            .iter()
            .filter_map(|(id, a)| {
                let kept = match a {
                    Answer::Text(t) => Answer::Text(t.clone()),
                    Answer::Choice(Picked::Other(t)) => Answer::Choice(Picked::Other(t.clone())),
                    Answer::Multi { other: Some(t), .. } => Answer::Multi {
                        options: Vec::new(),
                        other: Some(t.clone()),
                    },
                    _ => return None,
                };
                Some((id.clone(), kept))
            })
            .collect();
        (!answers.is_empty()).then(|| TextEntry {
            response: r.id,
            version: r.version,
            submitted_ms: r.submitted_ms,
            flags: CellFlags::of(r),
            terminal: r.terminal.clone(),
            answers,
            groups: r
                .answers
                .iter()
                .filter(|(_, a)| matches!(a, Answer::Choice(_) | Answer::YesNo(_)))
                .map(|(id, a)| (id.clone(), a.clone()))
                .collect(),
        })
    }
}

/// Where a kept cell of a time span goes in a grouped tally.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CellFit {
    /// Wholly outside `--since`/`--until`: left out.
    Out,
    /// Wholly inside, and in one period: added there.
    In(CellPeriod),
    /// Partly inside, or across a period's edge: a finer cell must say.
    Split,
}

/// The period a cell is added to (none without `--period`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CellPeriod(Option<Date>);

impl GroupedTally {
    /// Whether stored cells can make this tally at all (some time zones
    /// and ranges still need the responses: [`GroupedTally::fit`] says).
    pub fn counts_apply(&self) -> bool {
        self.cells_by().is_some()
    }

    /// Which cells make this tally: `Some(None)` the plain ones (no
    /// `--by`, or `--by @terminal`: cells are per terminal),
    /// `Some(Some(q))` those of the `--by` question's index `q`; `None`:
    /// no cells are kept for it.
    pub fn cells_by(&self) -> Option<Option<u16>> {
        match self.by {
            None => Some(None),
            Some(q) => groupable(&self.empty.schema)
                .contains(&q)
                .then(|| u16::try_from(q).ok())
                .flatten()
                .map(Some),
        }
    }

    /// Whether `--terminal` is given: then every terminal of the survey's
    /// cells must be noted ([`GroupedTally::note_terminal`]), in range or not.
    pub fn filters_terminals(&self) -> bool {
        self.filter.is_on()
    }

    /// Notes that a response of the survey came from `terminal`, as
    /// folding each response does (for `--terminal`'s notes).
    pub fn note_terminal(&mut self, terminal: &str) {
        if self.filter.is_on() {
            self.filter.admits(terminal);
        }
    }

    /// `--since` and `--until`, in Unix ms.
    pub fn range_ms(&self) -> (Option<i64>, Option<i64>) {
        (self.grouping.since_ms, self.grouping.until_ms)
    }

    /// Where the cell of responses submitted in `[from_ms, to_ms)` goes.
    pub fn fit(&mut self, from_ms: i64, to_ms: i64) -> CellFit {
        let g = &self.grouping;
        if g.since_ms.is_some_and(|s| to_ms <= s) || g.until_ms.is_some_and(|u| from_ms >= u) {
            return CellFit::Out;
        }
        if g.since_ms.is_some_and(|s| from_ms < s) || g.until_ms.is_some_and(|u| to_ms > u) {
            return CellFit::Split;
        }
        // Local dates only move forward as time does: the same period at
        // both ends is the same period throughout.
        let first = self.period_of(from_ms);
        if first != self.period_of(to_ms - 1) {
            return CellFit::Split;
        }
        CellFit::In(CellPeriod(first))
    }

    /// The version the tally's questions are of.
    pub fn version(&self) -> VersionHash {
        self.empty.version()
    }

    fn plan_of(
        &mut self,
        hash: VersionHash,
        survey_of: &dyn Fn(&VersionHash) -> Option<Arc<Survey>>,
    ) -> Result<Arc<Plan>, CountsMismatch> {
        if let Some((_, plan)) = self.plans.iter().find(|(h, _)| *h == hash) {
            return Ok(Arc::clone(plan));
        }
        let survey = survey_of(&hash).ok_or(CountsMismatch("a version is not stored"))?;
        let plan = Arc::new(Plan::new(&self.empty.schema, &survey));
        self.plans.push((hash, Arc::clone(&plan)));
        Ok(plan)
    }

    fn cell(&mut self, group: Option<Group>, period: Option<Date>) -> &mut Tally {
        self.cells
            .entry((group, period))
            .or_insert_with(|| self.empty.clone())
    }

    /// The group of a cell of `terminal` with `code` in its key.
    fn kept_group(
        &mut self,
        terminal: &str,
        code: Option<u16>,
    ) -> Result<Option<Group>, CountsMismatch> {
        match (&self.grouping.by, self.by, code) {
            (Some(By::Terminal), _, None) => Ok(Some(self.terminal_group(terminal))),
            (None, None, None) => Ok(None),
            (Some(By::Question(_)), Some(_), Some(code)) => match group_of_code(code) {
                Group::Option(i)
                    if self
                        .by
                        .is_some_and(|by| i >= self.empty.schema.questions[by].options.len()) =>
                {
                    Err(CountsMismatch("a group of no option"))
                }
                g => Ok(Some(g)),
            },
            _ => Err(CountsMismatch("a cell of another grouping")),
        }
    }

    /// Adds a stored cell of responses sharing `flags`, `terminal` and
    /// (`code`, with `--by` a question) their group, in `period` (see
    /// [`GroupedTally::fit`]), as folding each of them would. Only for a
    /// tally that [`counts_apply`](Self::counts_apply).
    pub fn add_counts(
        &mut self,
        c: &TallyCounts,
        flags: CellFlags,
        terminal: &str,
        code: Option<u16>,
        period: CellPeriod,
        survey_of: &dyn Fn(&VersionHash) -> Option<Arc<Survey>>,
    ) -> Result<(), CountsMismatch> {
        // As `fold` asks for every response: the same terminals are seen.
        if self.filter.is_on() && !self.filter.admits(terminal) {
            return Ok(());
        }
        let mut plans = Vec::with_capacity(c.versions.len());
        for v in &c.versions {
            plans.push(self.plan_of(VersionHash(v.version), survey_of)?);
        }
        let group = self.kept_group(terminal, code)?;
        let tally = self.cell(group, period.0);
        if c.questions.len() != tally.questions.len() {
            return Err(CountsMismatch("another number of questions"));
        }
        // The order of `Tally::fold_at`: suspect first, then partial.
        tally.suspect += c.suspect;
        if flags.suspect && !tally.include_suspect {
            return Ok(());
        }
        tally.complete += c.complete;
        tally.partial += c.partial;
        if !flags.complete && !tally.include_partial {
            return Ok(());
        }
        tally.responses += c.responses;
        tally.simulated += c.simulated;
        for (v, plan) in c.versions.iter().zip(plans) {
            if v.left_out_answers.len() != plan.left_out.len() {
                return Err(CountsMismatch("left-out counts of another length"));
            }
            let hash = VersionHash(v.version);
            let slot = match tally.slot(hash) {
                Some(slot) => slot,
                None => tally.add_slot(hash, plan),
            };
            let mine = &mut tally.versions[slot];
            mine.responses += v.responses;
            for (a, b) in mine.left_out_answers.iter_mut().zip(&v.left_out_answers) {
                *a += b;
            }
            mine.first_ms = mine.first_ms.min(v.first_ms);
            mine.last_ms = mine.last_ms.max(v.last_ms);
        }
        for (state, q) in tally.questions.iter_mut().zip(&c.questions) {
            state.add_counts(q)?;
        }
        Ok(())
    }

    /// Adds one response's free texts, where folding it would keep them:
    /// of an admitted terminal, in range, in its group and period.
    pub fn add_texts(
        &mut self,
        e: &TextEntry,
        survey: &str,
        survey_of: &dyn Fn(&VersionHash) -> Option<Arc<Survey>>,
    ) -> Result<(), CountsMismatch> {
        if self.filter.is_on() && !self.filter.admits(&e.terminal) {
            return Ok(());
        }
        let ms = e.submitted_ms;
        let g = &self.grouping;
        if g.since_ms.is_some_and(|since| ms < since) || g.until_ms.is_some_and(|until| ms >= until)
        {
            return Ok(());
        }
        let plan = self.plan_of(e.version, survey_of)?;
        let group = match (&self.grouping.by, self.by) {
            (Some(By::Terminal), _) => Some(self.terminal_group(&e.terminal)),
            (_, Some(by)) => {
                // The group as the fold finds it: from the response's
                // choice and yesno answers, which the entry keeps.
                let r = Response {
                    id: e.response,
                    survey: survey.to_owned(),
                    version: e.version,
                    terminal: e.terminal.clone(),
                    lang: crate::core::survey::Lang::Fi,
                    started_ms: e.submitted_ms,
                    submitted_ms: e.submitted_ms,
                    complete: e.flags.complete,
                    answers: e.groups.iter().cloned().collect(),
                    simulated: e.flags.simulated,
                    suspect: e.flags.suspect,
                };
                Some(question_group(&self.empty.schema, by, &r, &plan))
            }
            _ => None,
        };
        let period = self.period_of(ms);
        let tally = self.cell(group, period);
        if (e.flags.suspect && !tally.include_suspect)
            || (!e.flags.complete && !tally.include_partial)
        {
            return Ok(());
        }
        for (id, answer) in &e.answers {
            if let Some(t) = plan.target(id) {
                tally.questions[t].add_text(
                    &tally.schema.questions[t],
                    answer,
                    e.submitted_ms,
                    e.response,
                );
            }
        }
        Ok(())
    }
}
