//! Tallies per group (`--by`) and per period, with their margins.

use super::*;

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
    /// Count suspect responses too (left out by default).
    pub include_suspect: bool,
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
/// survey's order: listed options, "other", then no answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Group {
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
    pub(super) grouping: Grouping,
    /// An empty tally, cloned for each new cell.
    pub(super) empty: Tally,
    /// The `by` question's index in the schema.
    pub(super) by: Option<usize>,
    pub(super) plans: Vec<(VersionHash, Arc<Plan>)>,
    pub(super) cells: BTreeMap<(Option<Group>, Option<Date>), Tally>,
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
            empty: Tally::of_schema(schema, grouping.include_partial)
                .including_suspect(grouping.include_suspect),
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
