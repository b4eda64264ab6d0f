//! What the live view shows and how keys change it. Pure: no terminal,
//! no store, no clock (times come in as arguments).

use std::collections::BTreeMap;
use std::sync::Arc;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use uuid::Uuid;

use crate::core::response::Response;
use crate::core::survey::{QuestionKind, Survey};
use crate::core::tally::{GroupError, GroupedResult, GroupedTally, Grouping, Period};
use crate::core::version::VersionHash;

const HOUR_MS: i64 = 3_600_000;

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
    /// The newest response counted: an announced one at or before it was
    /// already counted by the scan.
    newest: Option<Uuid>,
    /// Counted responses per local hour (hours since the epoch, shifted
    /// by `utc_offset_ms`).
    hours: BTreeMap<i64, u64>,
    pub utc_offset_ms: i64,
    pub last_response_ms: Option<i64>,
    pub source: Source,
    /// The question on screen, an index into the survey's questions.
    pub selected: usize,
    /// Show the free texts (text answers, "other" texts) instead of bars.
    pub texts: bool,
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
            newest: None,
            hours: BTreeMap::new(),
            utc_offset_ms,
            last_response_ms: None,
            source,
            selected: 0,
            texts: false,
        })
    }

    pub fn grouping(&self) -> &Grouping {
        self.tally.grouping()
    }

    /// Counts one response of the scan.
    pub fn fold(&mut self, response: &Response, survey_of_its_version: &Survey) {
        if self.newest.is_none_or(|n| response.id > n) {
            self.newest = Some(response.id);
        }
        self.tally.fold(response, survey_of_its_version);
        let g = self.tally.grouping();
        let in_range = g.since_ms.is_none_or(|t| response.submitted_ms >= t)
            && g.until_ms.is_none_or(|t| response.submitted_ms < t);
        if in_range && (response.complete || g.include_partial) {
            let hour = (response.submitted_ms + self.utc_offset_ms).div_euclid(HOUR_MS);
            *self.hours.entry(hour).or_default() += 1;
            self.last_response_ms = Some(
                self.last_response_ms
                    .map_or(response.submitted_ms, |t| t.max(response.submitted_ms)),
            );
        }
        self.dirty = true;
    }

    /// Counts a response the store announced, unless it is another
    /// survey's or the scan already counted it. Responses are announced
    /// in the order they are stored, with time-ordered ids, so one
    /// comparison tells.
    pub fn accept(&mut self, response: &Response, survey_of_its_version: &Survey) -> bool {
        if response.survey != self.survey.id || self.newest.is_some_and(|n| response.id <= n) {
            return false;
        }
        self.fold(response, survey_of_its_version);
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

    /// Counted responses since local midnight of `now_ms`.
    pub fn today(&self, now_ms: i64) -> u64 {
        let local = now_ms + self.utc_offset_ms;
        let midnight_hour = local.div_euclid(24 * HOUR_MS) * 24;
        self.hours.range(midnight_hour..).map(|(_, n)| n).sum()
    }

    /// Counted responses in each of the last `n` hours, oldest first.
    pub fn per_hour(&self, now_ms: i64, n: usize) -> Vec<u64> {
        if n == 0 {
            return Vec::new();
        }
        let now_hour = (now_ms + self.utc_offset_ms).div_euclid(HOUR_MS);
        let first = now_hour - n as i64 + 1;
        let mut out = vec![0; n];
        for (hour, count) in self.hours.range(first..=now_hour) {
            out[(hour - first) as usize] = *count;
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
        g.by = match &g.by {
            None => ids.first().map(|s| (*s).to_owned()),
            Some(by) => ids
                .iter()
                .position(|id| id == by)
                .and_then(|i| ids.get(i + 1))
                .map(|s| (*s).to_owned()),
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
        self.selected = i.min(self.survey.questions.len().saturating_sub(1));
    }

    pub fn key(&mut self, key: KeyEvent) -> Action {
        let n = self.survey.questions.len();
        if key.modifiers.contains(KeyModifiers::CONTROL) {
            return match key.code {
                KeyCode::Char('c') => Action::Quit,
                _ => Action::None,
            };
        }
        match key.code {
            KeyCode::Char('q') | KeyCode::Esc => return Action::Quit,
            KeyCode::Right
            | KeyCode::Down
            | KeyCode::Char('l')
            | KeyCode::Char('j')
            | KeyCode::Tab => {
                self.select((self.selected + 1) % n.max(1));
            }
            KeyCode::Left
            | KeyCode::Up
            | KeyCode::Char('h')
            | KeyCode::Char('k')
            | KeyCode::BackTab => {
                self.select((self.selected + n.max(1) - 1) % n.max(1));
            }
            KeyCode::Home => self.select(0),
            KeyCode::End => self.select(n.saturating_sub(1)),
            KeyCode::Char(c @ '1'..='9') => self.select(c as usize - '1' as usize),
            KeyCode::Char('t') => self.texts = !self.texts,
            KeyCode::Char('g') => return Action::Regroup(self.next_by()),
            KeyCode::Char('p') => return Action::Regroup(self.next_period()),
            KeyCode::Char('r') => return Action::Reload,
            _ => {}
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
    }
}
