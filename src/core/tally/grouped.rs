//! Tallies per group (`--by`) and per period, with their margins.

use super::*;
use std::collections::{BTreeSet, HashMap};

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

/// What a grouped tally splits responses by (`--by`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum By {
    /// The answer to a choice or yesno question, by its id. The id
    /// `terminal` means [`By::Terminal`] where the survey has no question
    /// of that id ([`GroupedTally::new`] decides, with the survey at hand).
    Question(String),
    /// The terminal each response was stored on, its name as the group.
    Terminal,
}

impl By {
    /// The word `--by` takes for the terminals.
    pub const TERMINAL_WORD: &str = "terminal";

    /// `--by NAME`: `@terminal` is always the terminals (a question id
    /// has no `@`); any other name is a question, `terminal` included
    /// until [`GroupedTally::new`] finds the survey has no such question.
    pub fn parse(name: &str) -> By {
        if name == By::Terminal.name() {
            By::Terminal
        } else {
            By::Question(name.to_owned())
        }
    }

    /// The name that gives this grouping back to `--by`, and the JSON's
    /// `by`: the question's id, or `@terminal`.
    pub fn name(&self) -> &str {
        match self {
            By::Question(id) => id,
            By::Terminal => "@terminal",
        }
    }

    /// The question grouped by, if it is one.
    pub fn question(&self) -> Option<&str> {
        match self {
            By::Question(id) => Some(id),
            By::Terminal => None,
        }
    }
}

/// As [`By::parse`]: a name given to `--by`.
impl From<&str> for By {
    fn from(name: &str) -> By {
        By::parse(name)
    }
}

impl Serialize for By {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

/// How a [`GroupedTally`] splits and filters responses.
#[derive(Clone, Debug, PartialEq)]
pub struct Grouping {
    /// A choice or yesno question, or the terminal, to group by.
    pub by: Option<By>,
    /// Only responses from these terminals (`--terminal`), as given: each
    /// a name, or a comma list of names (see [`TerminalFilter`]). Empty:
    /// every terminal.
    pub terminals: Vec<String>,
    pub period: Option<Period>,
    /// The time zone periods are calendar periods of.
    pub time_zone: TimeZone,
    /// Only responses submitted at or after this (Unix ms)...
    pub since_ms: Option<i64>,
    /// ...and before this.
    pub until_ms: Option<i64>,
    pub include_partial: bool,
    /// Count suspect responses too (left out by default).
    pub include_suspect: bool,
}

impl Default for Grouping {
    fn default() -> Grouping {
        Grouping {
            by: None,
            terminals: Vec::new(),
            period: None,
            time_zone: TimeZone::UTC,
            since_ms: None,
            until_ms: None,
            include_partial: false,
            include_suspect: false,
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
/// survey's order: listed options, "other", then no answer; or by their
/// terminal (an index into [`Terminals::names`] while folding, the
/// name's place in name order in results).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Group {
    Option(usize),
    Yes,
    No,
    Other,
    Unanswered,
    Terminal(usize),
}

/// `--terminal`: which terminals' responses count, and which of the
/// names asked for no response of the survey came from.
///
/// A value matches a terminal of exactly that name and each name of it
/// read as a comma list (spaces around the names ignored), so
/// `--terminal a,b` is `a` and `b` and a terminal named
/// `Pääkirjasto, 2. krs` can still be asked for whole.
#[derive(Clone, Debug, Default)]
pub(super) struct TerminalFilter {
    /// Every name a response's terminal may have, unique.
    accepted: Vec<String>,
    /// Per value asked for: its index in `accepted` whole, and of each part.
    asked: Vec<(usize, Vec<usize>)>,
    /// Per `accepted` name, whether a response of the survey had it.
    pub(super) seen: Vec<bool>,
    /// Every terminal a response of the survey came from (kept only with
    /// a filter, for the note that names an unknown one).
    pub(super) all: BTreeSet<String>,
}

impl TerminalFilter {
    fn new(values: &[String]) -> TerminalFilter {
        let mut f = TerminalFilter::default();
        let index =
            |name: &str, f: &mut TerminalFilter| match f.accepted.iter().position(|a| a == name) {
                Some(i) => i,
                None => {
                    f.accepted.push(name.to_owned());
                    f.accepted.len() - 1
                }
            };
        for value in values {
            let whole = index(value, &mut f);
            let parts = if value.contains(',') {
                value
                    .split(',')
                    .map(str::trim)
                    .filter(|p| !p.is_empty())
                    .map(|p| index(p, &mut f))
                    .collect()
            } else {
                Vec::new()
            };
            f.asked.push((whole, parts));
        }
        f.seen = vec![false; f.accepted.len()];
        f
    }

    pub(super) fn is_on(&self) -> bool {
        !self.accepted.is_empty()
    }

    /// Whether `terminal`'s responses count; remembers that it was seen.
    pub(super) fn admits(&mut self, terminal: &str) -> bool {
        if !self.all.contains(terminal) {
            self.all.insert(terminal.to_owned());
        }
        match self.accepted.iter().position(|a| a == terminal) {
            Some(i) => {
                self.seen[i] = true;
                true
            }
            None => false,
        }
    }

    fn merge(&mut self, other: TerminalFilter) {
        for (mine, theirs) in self.seen.iter_mut().zip(other.seen) {
            *mine |= theirs;
        }
        self.all.extend(other.all);
    }

    /// The names asked for that no response came from: a value seen
    /// whole is known; else each of its unseen names (or itself).
    fn unknown(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for (whole, parts) in &self.asked {
            if self.seen[*whole] {
                continue;
            }
            let names: Vec<usize> = if parts.is_empty() {
                vec![*whole]
            } else {
                parts.clone()
            };
            for i in names {
                let name = &self.accepted[i];
                if !self.seen[i] && !out.contains(name) {
                    out.push(name.clone());
                }
            }
        }
        out
    }
}

/// The terminals met while grouping by terminal, in the order first met.
#[derive(Clone, Debug, Default)]
pub(super) struct Terminals {
    pub(super) names: Vec<String>,
    index: HashMap<String, usize>,
    /// The last name looked up and its index: a store's responses come in
    /// runs from one terminal.
    last: Option<usize>,
}

impl Terminals {
    pub(super) fn index_of(&mut self, name: &str) -> usize {
        if let Some(i) = self.last
            && self.names[i] == name
        {
            return i;
        }
        let i = match self.index.get(name) {
            Some(i) => *i,
            None => {
                self.names.push(name.to_owned());
                self.index.insert(name.to_owned(), self.names.len() - 1);
                self.names.len() - 1
            }
        };
        self.last = Some(i);
        i
    }

    /// Per index, its place when the names are sorted; and the sorted names.
    fn ranks(&self) -> (Vec<usize>, Vec<&str>) {
        let mut order: Vec<usize> = (0..self.names.len()).collect();
        order.sort_by(|a, b| self.names[*a].cmp(&self.names[*b]));
        let mut rank = vec![0; order.len()];
        for (place, i) in order.iter().enumerate() {
            rank[*i] = place;
        }
        let sorted = order.iter().map(|i| self.names[*i].as_str()).collect();
        (rank, sorted)
    }
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
    pub(super) grouping: Grouping,
    /// An empty tally, cloned for each new cell.
    pub(super) empty: Tally,
    /// The `by` question's index in the schema, when grouping by one.
    pub(super) by: Option<usize>,
    /// `--terminal`, when given.
    pub(super) filter: TerminalFilter,
    /// The terminals grouped by, with `by: Some(By::Terminal)`.
    pub(super) terminals: Terminals,
    pub(super) plans: Vec<(VersionHash, Arc<Plan>)>,
    pub(super) cells: BTreeMap<(Option<Group>, Option<Date>), Tally>,
    cache: Option<PeriodCache>,
}

impl GroupedTally {
    /// A tally of `survey` (the newest version) split by `grouping`. A
    /// `by` of [`By::Question`] `terminal` becomes [`By::Terminal`] when
    /// the survey has no question of that id ([`GroupedTally::grouping`]
    /// says which it became).
    pub fn new(survey: &Survey, mut grouping: Grouping) -> Result<GroupedTally, GroupError> {
        let schema = Arc::new(Schema::of(survey));
        if let Some(By::Question(id)) = &grouping.by
            && id == By::TERMINAL_WORD
            && schema.index(id).is_none()
        {
            grouping.by = Some(By::Terminal);
        }
        let by = match &grouping.by {
            None | Some(By::Terminal) => None,
            Some(By::Question(id)) => {
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
            empty: Tally::of_schema(schema, grouping.include_partial)
                .including_suspect(grouping.include_suspect),
            filter: TerminalFilter::new(&grouping.terminals),
            terminals: Terminals::default(),
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
        if self.filter.is_on() && !self.filter.admits(&response.terminal) {
            return Folded::OtherTerminal;
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
        let plan = self.plans[plan_index].1.clone();
        let group = self.group_of(response, &plan);
        let period = self.period_of(ms);
        let cell = self
            .cells
            .entry((group, period))
            .or_insert_with(|| self.empty.clone());
        cell.fold_planned(response, &plan)
    }

    fn group_of(&mut self, r: &Response, plan: &Plan) -> Option<Group> {
        if self.grouping.by == Some(By::Terminal) {
            return Some(Group::Terminal(self.terminals.index_of(&r.terminal)));
        }
        let by = self.by?;
        Some(question_group(&self.empty.schema, by, r, plan))
    }

    pub(super) fn terminal_group(&mut self, terminal: &str) -> Group {
        Group::Terminal(self.terminals.index_of(terminal))
    }

    pub(super) fn period_of(&mut self, ms: i64) -> Option<Date> {
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
        self.filter.merge(other.filter);
        for ((group, period), tally) in other.cells {
            // The other's terminals by this one's indices.
            let group = match group {
                Some(Group::Terminal(i)) => Some(Group::Terminal(
                    self.terminals.index_of(&other.terminals.names[i]),
                )),
                g => g,
            };
            let key = (group, period);
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
        let both = self.grouping.by.is_some() && self.grouping.period.is_some();
        let (rank, terminals) = self.terminals.ranks();
        let mut cells: BTreeMap<(Slot<Group>, Slot<Date>), Tally> = BTreeMap::new();
        let mut add = |key, tally: &Tally| {
            cells
                .entry(key)
                .or_insert_with(|| self.empty.clone())
                .merge_unchecked(tally.clone());
        };
        // Without groups or periods every cell is the total's, which
        // `total` makes: nothing to copy here.
        let split = self.grouping.by.is_some() || self.grouping.period.is_some();
        for ((g, p), tally) in self.cells.iter().filter(|_| split) {
            // Terminals in name order.
            let g = match g {
                Some(Group::Terminal(i)) => Some(Group::Terminal(rank[*i])),
                g => *g,
            };
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
            self.grouping.by.as_ref().map(|_| match g {
                Slot::All => ALL.to_owned(),
                Slot::One(Group::Terminal(place)) => terminals[place].to_owned(),
                // Options only arise with a question to group by.
                Slot::One(Group::Option(i)) => self
                    .by
                    .map_or_else(String::new, |by| schema.questions[by].options[i].clone()),
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
            terminals: self.grouping.terminals.clone(),
            unknown_terminals: self.filter.unknown(),
            known_terminals: self.filter.all.iter().cloned().collect(),
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

/// The group `r` is in by question `by` of `schema` (a choice or yesno
/// question), with the plan of `r`'s version onto `schema`.
pub(super) fn question_group(schema: &Schema, by: usize, r: &Response, plan: &Plan) -> Group {
    let q = &schema.questions[by];
    if plan.target(&q.id) != Some(by) {
        return Group::Unanswered;
    }
    match r.answers.get(&q.id) {
        Some(Answer::Choice(Picked::Option(id))) => {
            q.option_index(id).map_or(Group::Unanswered, Group::Option)
        }
        Some(Answer::Choice(Picked::Other(_))) if q.other => Group::Other,
        Some(Answer::YesNo(true)) => Group::Yes,
        Some(Answer::YesNo(false)) => Group::No,
        _ => Group::Unanswered,
    }
}

/// The local date of a Unix-ms instant (clamped to the years jiff knows).
pub(super) fn local_date(tz: &TimeZone, ms: i64) -> Date {
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
    /// The question's id, or `@terminal`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub by: Option<By>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period: Option<Period>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub since_ms: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub until_ms: Option<i64>,
    /// `--terminal`, as given.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub terminals: Vec<String>,
    /// The names in `terminals` no response of the survey came from.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unknown_terminals: Vec<String>,
    /// With `terminals`: every terminal the survey's responses came from,
    /// sorted, for a note that names an unknown one. Not in the JSON.
    #[serde(skip)]
    pub known_terminals: Vec<String>,
    /// Groups in survey order (options, `other`, `(none)`, then `(all)`),
    /// or terminals by name then `(all)`; each period ascending then
    /// `(all)`. Empty without `by` and `period`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cells: Vec<CellResult>,
}

/// The figures of one group and/or period.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CellResult {
    /// The option id, `yes`/`no`, `other`, [`NO_GROUP`], the terminal's
    /// name, or [`ALL`]; absent without `by`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    /// The period's key (see [`Period::label`]) or [`ALL`]; absent without
    /// `period`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period: Option<String>,
    #[serde(flatten)]
    pub result: TallyResult,
}
