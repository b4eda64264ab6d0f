//! What the live view shows and how keys change it. Pure: no terminal,
//! no store, no clock (times come in as arguments).

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use uuid::Uuid;

use crate::core::response::Response;
use crate::core::survey::{Lang, QuestionKind, Survey};
use crate::core::tally::{By, Folded, GroupError, GroupedResult, GroupedTally, Grouping, Period};
use crate::core::version::VersionHash;
use crate::ui::live::keys::{self, Cmd};
use crate::ui::live::scroll::Scroll;
use crate::ui::seen::RecentIds;
use crate::ui::strings::views::ViewTexts;

const HOUR_MS: i64 = 3_600_000;

/// How far before the count started a scanned response is remembered by
/// id: a notice for a response stored while the scan ran (or queued just
/// before it) names one of these. An hour also covers a clock stepped
/// back by up to that much during the count.
pub const SCAN_WINDOW_MS: i64 = HOUR_MS;

/// The most hours the view shows per hour: a view filled from kept counts
/// holds the hours of today and these only.
pub const HOURS_SHOWN: usize = 72;

/// How many announced ids are remembered, to count a response announced
/// twice (a reconnect while the old notice stream still runs) once.
pub const ANNOUNCED_KEPT: usize = 10_000;

/// Where the figures come from, for the header.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// This process owns the store (no kiosk runs on it).
    Own,
    /// Through the kiosk (or other owner) named, e.g. "`kioski kiosk` (pid 7)".
    Through(String),
    /// The owner went away; the figures are as they were.
    Lost(String),
}

/// The live view's state.
pub struct Live {
    pub survey: Arc<Survey>,
    pub version: VersionHash,
    tally: GroupedTally,
    result: GroupedResult,
    dirty: bool,
    /// Ids counted that a notice may still name: see [`Live::accept`].
    counted: Counted,
    /// Counted responses per local hour (hours since the epoch, shifted
    /// by `utc_offset_ms`), with the newest submit time in each: of every
    /// response, or (filled from kept counts) of those submitted from
    /// `hours_from_ms` on.
    hours: BTreeMap<i64, Hour>,
    /// The earliest submit time `hours` is whole from.
    hours_from_ms: i64,
    /// Filled from kept counts: the newest counted submit time before
    /// `hours_from_ms`, if any.
    older_newest_ms: Option<i64>,
    /// A notice named a response older than `hours_from_ms`, which the
    /// kept counts may or may not hold: the loop counts again.
    stale: bool,
    pub utc_offset_ms: i64,
    pub source: Source,
    /// The question on screen, an index into the survey's questions.
    pub selected: usize,
    /// Show the free texts (text answers, "other" texts) instead of bars.
    pub texts: bool,
    /// The language chosen (`--lang` or the environment); `None`: none
    /// was, so the words are English and the survey's texts its first
    /// language's.
    pub lang: Option<Lang>,
    /// Which grouped rows are on screen.
    pub scroll: Scroll,
}

const MINUTE_MS: i64 = 60_000;

/// The responses counted in one local hour, by minute too: "today" and
/// "last" stop at now, and a response may be dated later in this hour.
#[derive(Clone, Debug)]
struct Hour {
    n: u64,
    newest_ms: i64,
    by_minute: Box<[u32; 60]>,
}

impl Hour {
    /// How many were submitted at or before `now_ms` (to the minute);
    /// `offset_ms` is the view's UTC offset, as the hours are local.
    fn up_to(&self, now_ms: i64, offset_ms: i64) -> u64 {
        if self.newest_ms <= now_ms {
            return self.n;
        }
        let minute = minute_of_hour(now_ms + offset_ms);
        self.by_minute[..=minute]
            .iter()
            .map(|n| u64::from(*n))
            .sum()
    }

    /// The newest submit time at or before `now_ms` (to the minute when
    /// some of the hour are dated after now).
    fn newest_up_to(&self, now_ms: i64, offset_ms: i64) -> Option<i64> {
        if self.newest_ms <= now_ms {
            return Some(self.newest_ms);
        }
        let local = now_ms + offset_ms;
        let last = self.by_minute[..=minute_of_hour(local)]
            .iter()
            .rposition(|n| *n > 0)?;
        Some(local - local.rem_euclid(HOUR_MS) + last as i64 * MINUTE_MS - offset_ms)
    }
}

/// The minute within its hour of a local time.
fn minute_of_hour(ms: i64) -> usize {
    (ms.rem_euclid(HOUR_MS) / MINUTE_MS) as usize
}

/// The ids a notice could repeat, bounded: scanned ids only from the
/// scan's window (everything stored earlier was stored before the notices
/// began, so it is never announced), announced ids only the newest
/// [`ANNOUNCED_KEPT`].
struct Counted {
    /// Scanned in the window and not yet announced.
    scanned: HashSet<Uuid>,
    announced: RecentIds,
    /// Scanned responses submitted at or after this are remembered.
    window_from_ms: i64,
}

impl Counted {
    /// Remembers an announced id; false when it was counted already.
    fn announce(&mut self, id: Uuid) -> bool {
        // A scanned id is named again only by a second stream, close
        // behind the first: from now on it ages out like an announced one.
        let scanned = self.scanned.remove(&id);
        self.announced.insert(id) && !scanned
    }
}

/// What a key asks of the loop.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    None,
    Quit,
    /// Count again with another grouping (the clerk switched `by` or period).
    Regroup(Grouping),
    /// Reconnect and count again.
    Reload,
}

impl Live {
    pub fn new(
        survey: Arc<Survey>,
        version: VersionHash,
        grouping: Grouping,
        utc_offset_ms: i64,
        source: Source,
    ) -> Result<Live, GroupError> {
        let tally = GroupedTally::new(&survey, grouping)?;
        let result = tally.results();
        Ok(Live {
            survey,
            version,
            tally,
            result,
            dirty: false,
            counted: Counted {
                scanned: HashSet::new(),
                announced: RecentIds::new(ANNOUNCED_KEPT),
                window_from_ms: i64::MIN,
            },
            hours: BTreeMap::new(),
            hours_from_ms: i64::MIN,
            older_newest_ms: None,
            stale: false,
            utc_offset_ms,
            source,
            selected: 0,
            texts: false,
            lang: None,
            scroll: Scroll::default(),
        })
    }

    /// The view's own words.
    pub fn words(&self) -> &'static ViewTexts {
        ViewTexts::of(self.lang.unwrap_or(Lang::En))
    }

    /// The language of the survey's texts: the chosen one where the
    /// survey has it, else the survey's first.
    pub fn survey_lang(&self) -> Lang {
        self.lang
            .filter(|l| self.survey.languages.contains(l))
            .unwrap_or_else(|| self.survey.default_lang())
    }

    pub fn grouping(&self) -> &Grouping {
        self.tally.grouping()
    }

    /// Says when the count starts (wall clock), before the scan: scanned
    /// responses from [`SCAN_WINDOW_MS`] before it on are remembered by id.
    /// Without it every scanned id is remembered.
    pub fn count_starts_at(&mut self, now_ms: i64) {
        self.counted.window_from_ms = now_ms.saturating_sub(SCAN_WINDOW_MS);
    }

    /// How many ids are remembered (bounded; see [`Counted`]).
    pub fn remembered(&self) -> usize {
        self.counted.scanned.len() + self.counted.announced.len()
    }

    /// Counts one response of the scan.
    pub fn fold(&mut self, response: &Response, survey_of_its_version: &Survey) {
        if response.submitted_ms >= self.counted.window_from_ms {
            self.counted.scanned.insert(response.id);
        }
        self.count(response, survey_of_its_version);
    }

    fn count(&mut self, response: &Response, survey_of_its_version: &Survey) {
        if self.tally.fold(response, survey_of_its_version) == Folded::Counted {
            self.count_hour(response);
        }
        self.dirty = true;
    }

    /// Counts a response the tally counted in its hour.
    fn count_hour(&mut self, response: &Response) {
        let hour = (response.submitted_ms + self.utc_offset_ms).div_euclid(HOUR_MS);
        let h = self.hours.entry(hour).or_insert_with(|| Hour {
            n: 0,
            newest_ms: response.submitted_ms,
            by_minute: Box::new([0; 60]),
        });
        h.n += 1;
        h.newest_ms = h.newest_ms.max(response.submitted_ms);
        h.by_minute[minute_of_hour(response.submitted_ms + self.utc_offset_ms)] += 1;
    }

    /// The earliest submit time the hours must hold for the view at
    /// `now_ms` and later: the start of the first of the [`HOURS_SHOWN`]
    /// hours shown, or of today, whichever is earlier.
    pub fn hours_needed_from(&self, now_ms: i64) -> i64 {
        let local = now_ms + self.utc_offset_ms;
        let first_hour = local.div_euclid(HOUR_MS) - HOURS_SHOWN as i64 + 1;
        let midnight = local.div_euclid(24 * HOUR_MS) * 24 * HOUR_MS;
        (first_hour * HOUR_MS).min(midnight) - self.utc_offset_ms
    }

    /// An empty tally of this view's survey and grouping, for the store
    /// to fill from the counts it keeps ready.
    pub fn empty_tally(&self) -> GroupedTally {
        self.tally.clone()
    }

    /// Takes the figures from `kept`, a tally the store filled from its
    /// kept counts, and the hours from `recent`: every response submitted
    /// from `from_ms` on, each with the survey of its version, read so
    /// that `kept` counts exactly these and the older ones (the caller
    /// read them before and after `kept` and found the same ids). A notice
    /// for one of `recent` is not counted again; one for a response
    /// stored after is. `from_ms` must be at most
    /// [`hours_needed_from`](Self::hours_needed_from) of now. False (and
    /// nothing taken) when the newest counted response up to `now_ms` is
    /// older than `from_ms` but `kept` holds a newer one (dated after
    /// now): the caller folds every response instead.
    pub fn take_kept(
        &mut self,
        kept: GroupedTally,
        from_ms: i64,
        recent: &[(Response, Arc<Survey>)],
        now_ms: i64,
    ) -> bool {
        // What `kept` counted, response by response, without its figures.
        let mut hours = self.empty_tally();
        let newest = kept
            .total()
            .counts()
            .versions
            .iter()
            .filter(|v| v.responses > 0)
            .map(|v| v.last_ms)
            .max();
        let mut counted = Vec::new();
        for (r, survey) in recent {
            if r.submitted_ms >= from_ms && hours.fold(r, survey) == Folded::Counted {
                counted.push(r);
            }
        }
        let newest_recent = counted
            .iter()
            .map(|r| r.submitted_ms)
            .filter(|ms| *ms <= now_ms)
            .max();
        let older_newest = match newest {
            Some(last) if last < from_ms => Some(last),
            Some(_) if newest_recent.is_none() => return false,
            _ => None,
        };
        self.tally = kept;
        for r in counted {
            self.count_hour(r);
        }
        self.counted.scanned = recent.iter().map(|(r, _)| r.id).collect();
        self.hours_from_ms = from_ms;
        self.older_newest_ms = older_newest;
        self.dirty = true;
        true
    }

    /// Whether a notice named a response the kept counts may hold already
    /// (see [`Live::accept`]): the view must count again.
    pub fn stale(&self) -> bool {
        self.stale
    }

    /// Counts a response the store announced, unless it is another
    /// survey's or already counted. Dedup is by id, never by order: ids
    /// follow the clocks of whoever stored them, and one dated a year
    /// ahead (or a clock stepped back) must not stop the counting.
    ///
    /// Every notice is for a response stored after the notices began,
    /// which was just before the count; the scan remembers the ids of its
    /// window, so a response stored while the scan ran is counted once.
    pub fn accept(&mut self, response: &Response, survey_of_its_version: &Survey) -> bool {
        if response.survey != self.survey.id || !self.counted.announce(response.id) {
            return false;
        }
        // Not among the responses read beside the kept counts: perhaps
        // counted in them already, perhaps not.
        if response.submitted_ms < self.hours_from_ms {
            self.stale = true;
            return false;
        }
        self.count(response, survey_of_its_version);
        true
    }

    /// The figures, worked out again only after a change.
    pub fn result(&mut self) -> &GroupedResult {
        if self.dirty {
            self.result = self.tally.results();
            self.dirty = false;
        }
        &self.result
    }

    /// The figures as last worked out (for drawing without `&mut`).
    pub fn last_result(&self) -> &GroupedResult {
        &self.result
    }

    /// Counted responses from local midnight of `now_ms` up to `now_ms`.
    /// A response dated after now (another terminal's clock) is in the
    /// totals and its own period, but not today's until its time comes.
    pub fn today(&self, now_ms: i64) -> u64 {
        let local = now_ms + self.utc_offset_ms;
        let midnight_hour = local.div_euclid(24 * HOUR_MS) * 24;
        let now_hour = local.div_euclid(HOUR_MS);
        let before: u64 = self
            .hours
            .range(midnight_hour..now_hour)
            .map(|(_, h)| h.n)
            .sum();
        before
            + self
                .hours
                .get(&now_hour)
                .map_or(0, |h| h.up_to(now_ms, self.utc_offset_ms))
    }

    /// The newest counted response's submit time up to `now_ms`: one dated
    /// in the future is not "last" until its time comes.
    pub fn last_response_ms(&self, now_ms: i64) -> Option<i64> {
        let now_hour = (now_ms + self.utc_offset_ms).div_euclid(HOUR_MS);
        self.hours
            .range(..=now_hour)
            .rev()
            .find_map(|(_, h)| h.newest_up_to(now_ms, self.utc_offset_ms))
            .or(self.older_newest_ms)
    }

    /// Counted responses in each of the last `n` hours, oldest first.
    pub fn per_hour(&self, now_ms: i64, n: usize) -> Vec<u64> {
        if n == 0 {
            return Vec::new();
        }
        let now_hour = (now_ms + self.utc_offset_ms).div_euclid(HOUR_MS);
        let first = now_hour - n as i64 + 1;
        let mut out = vec![0; n];
        for (hour, h) in self.hours.range(first..=now_hour) {
            out[(hour - first) as usize] = h.n;
        }
        out
    }

    /// The questions responses can be grouped by: choice and yesno.
    pub fn groupable(&self) -> Vec<&str> {
        self.survey
            .questions
            .iter()
            .filter(|q| matches!(q.kind, QuestionKind::Choice { .. } | QuestionKind::YesNo))
            .map(|q| q.id.as_str())
            .collect()
    }

    /// The grouping after `g`: none, each groupable question, none again.
    fn next_by(&self) -> Grouping {
        let mut g = self.grouping().clone();
        let ids = self.groupable();
        g.by = match g.by.as_ref().map(By::question) {
            None => ids.first().map(|s| By::Question((*s).to_owned())),
            Some(by) => ids
                .iter()
                .position(|id| Some(*id) == by)
                .and_then(|i| ids.get(i + 1))
                .map(|s| By::Question((*s).to_owned())),
        };
        g
    }

    /// The grouping after `p`: none, day, week, month, year, none again.
    fn next_period(&self) -> Grouping {
        let mut g = self.grouping().clone();
        g.period = match g.period {
            None => Some(Period::Day),
            Some(Period::Day) => Some(Period::Week),
            Some(Period::Week) => Some(Period::Month),
            Some(Period::Month) => Some(Period::Year),
            Some(Period::Year) => None,
        };
        g
    }

    /// Selects question `i` (clamped).
    pub fn select(&mut self, i: usize) {
        let i = i.min(self.survey.questions.len().saturating_sub(1));
        if i != self.selected {
            self.scroll.reset();
        }
        self.selected = i;
    }

    pub fn key(&mut self, key: KeyEvent) -> Action {
        if key.modifiers.contains(KeyModifiers::CONTROL) {
            return match key.code {
                KeyCode::Char('c') => Action::Quit,
                _ => Action::None,
            };
        }
        let Some(cmd) = keys::lookup(key.code) else {
            return Action::None;
        };
        self.command(cmd, key.code)
    }

    /// Does what a row of the key table (or a click on its hint) asks.
    pub fn command(&mut self, cmd: Cmd, code: KeyCode) -> Action {
        let n = self.survey.questions.len().max(1);
        match cmd {
            Cmd::Quit => return Action::Quit,
            Cmd::Next => self.select((self.selected + 1) % n),
            Cmd::Prev => self.select((self.selected + n - 1) % n),
            Cmd::Digit => {
                if let KeyCode::Char(c @ '1'..='9') = code {
                    self.select(c as usize - '1' as usize);
                }
            }
            Cmd::Texts => self.texts = !self.texts,
            Cmd::Group => return Action::Regroup(self.next_by()),
            Cmd::Period => return Action::Regroup(self.next_period()),
            Cmd::Reload => return Action::Reload,
            Cmd::Scroll(m) => self.scroll.apply(m),
        }
        Action::None
    }

    /// Keeps what the clerk was looking at when counting starts over.
    pub fn carry_view_from(&mut self, before: &Live) {
        let id = before
            .survey
            .questions
            .get(before.selected)
            .map(|q| q.id.as_str());
        self.selected = id
            .and_then(|id| self.survey.questions.iter().position(|q| q.id == id))
            .unwrap_or(0);
        self.texts = before.texts;
        self.lang = before.lang;
    }
}
