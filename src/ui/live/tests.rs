//! The live view's tests: the pure state (folding, dedup of announced
//! responses, hourly counts, keys) and the drawing, as insta snapshots
//! through ratatui's `TestBackend`.
//!
//! Everything runs on a fixed clock ([`NOW`]) and a fixed UTC offset, with
//! seeded simulated respondents, so every figure and snapshot is stable.

mod clock;
mod folding;
mod hostile;
mod kept;
mod keys;
mod screens;
mod scrolling;

use std::collections::HashSet;
use std::sync::Arc;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use insta::Settings;
use jiff::tz::TimeZone;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use uuid::Uuid;

use super::state::{Action, Live, Source};
use super::view::{self, Hits};
use crate::core::answer::{Answer, Answers};
use crate::core::response::{Response, time_ordered_id};
use crate::core::simulate::{self, Setup};
use crate::core::survey::{Lang, Survey};
use crate::core::tally::{By, Grouping};
use crate::core::validate::survey_from_str;
use crate::core::version::VersionHash;
use crate::ui::theme::Theme;

/// A fixed wall clock: 2025-06-15 15:06:40 UTC (a Sunday).
pub const NOW: i64 = 1_750_000_000_000;
pub const HOUR_MS: i64 = 3_600_000;
pub const DAY_MS: i64 = 24 * HOUR_MS;
/// The UTC offset the snapshots are drawn in (local time 17:06 at [`NOW`]).
pub const OFFSET_MS: i64 = 2 * HOUR_MS;
/// The sizes every live snapshot is drawn at.
pub const SIZES: [(u16, u16); 3] = [(80, 24), (100, 30), (200, 60)];

/// The built-in demo survey (fi, sv, en), as `kioski` ships it.
pub fn desk() -> Arc<Survey> {
    Arc::new(survey_from_str(crate::core::demo::DEMO_SOURCE).unwrap())
}

/// The survey with every question type (fi, en).
pub fn all_types() -> Arc<Survey> {
    Arc::new(survey_from_str(include_str!("../../core/testdata/all_types.toml")).unwrap())
}

/// `n` seeded respondents to `survey` over the year before [`NOW`] (never
/// today), in time order as a kiosk would have stored them.
pub fn simulated(survey: &Survey, seed: u64, n: usize, utc_offset_ms: i64) -> Vec<Response> {
    let setup = Setup {
        survey,
        version: VersionHash::of(survey),
        terminal: "desk-1",
        now_ms: NOW,
        utc_offset_ms,
    };
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut out: Vec<Response> = (0..n)
        .map(|i| simulate::respondent(&mut rng, &setup, i as f64 / n.max(1) as f64))
        .collect();
    out.sort_by_key(|r| r.id);
    out
}

/// Seeded respondents moved to `times` (Unix ms), with ids of those times:
/// what a kiosk stores today while the view watches.
pub fn at_times(survey: &Survey, seed: u64, times: &[i64], utc_offset_ms: i64) -> Vec<Response> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5eed);
    simulated(survey, seed, times.len(), utc_offset_ms)
        .into_iter()
        .zip(times)
        .map(|(mut r, &t)| {
            let took = r.submitted_ms - r.started_ms;
            r.submitted_ms = t;
            r.started_ms = t - took;
            r.id = time_ordered_id(&mut rng, t);
            r
        })
        .collect()
}

/// A bare response to `survey` submitted at `ms`, answering only
/// `answers`: for checking exact counts.
pub fn bare(survey: &Survey, ms: i64, complete: bool, answers: Answers) -> Response {
    let mut rng = ChaCha8Rng::seed_from_u64(ms as u64);
    Response {
        id: time_ordered_id(&mut rng, ms),
        survey: survey.id.clone(),
        version: VersionHash::of(survey),
        terminal: "desk-1".to_owned(),
        lang: Lang::Fi,
        started_ms: ms - 30_000,
        submitted_ms: ms,
        complete,
        answers,
        simulated: false,
        suspect: false,
    }
}

/// `bare` with the one answer every demo response has.
pub fn graded(survey: &Survey, ms: i64, complete: bool) -> Response {
    bare(
        survey,
        ms,
        complete,
        Answers::from([("overall".to_owned(), Answer::Rating(4))]),
    )
}

/// The grouping the view starts with, in the fixed offset's time zone.
pub fn grouping(utc_offset_ms: i64) -> Grouping {
    Grouping {
        time_zone: TimeZone::fixed(
            jiff::tz::Offset::from_seconds((utc_offset_ms / 1000) as i32).unwrap(),
        ),
        ..Grouping::default()
    }
}

/// A view that scanned `responses` (the survey's own version).
pub fn scanned(
    survey: &Arc<Survey>,
    grouping: Grouping,
    utc_offset_ms: i64,
    responses: &[Response],
) -> Live {
    let mut live = Live::new(
        survey.clone(),
        VersionHash::of(survey),
        grouping,
        utc_offset_ms,
        Source::Own,
    )
    .unwrap();
    for r in responses {
        live.fold(r, survey);
    }
    live.result();
    live
}

/// Counts again with `grouping` and keeps the view, as the loop does on
/// `Action::Regroup`.
pub fn regroup(before: &Live, grouping: Grouping, responses: &[Response]) -> Live {
    let mut fresh = scanned(&before.survey, grouping, before.utc_offset_ms, responses);
    fresh.source = before.source.clone();
    fresh.carry_view_from(before);
    fresh
}

/// The demo desk as the snapshots see it: a year of seeded answers
/// scanned, then a morning's worth announced while the view watches.
pub struct Desk {
    pub responses: Vec<Response>,
    pub live: Live,
}

impl Desk {
    pub fn new() -> Desk {
        let survey = desk();
        let mut responses = simulated(&survey, 11, 400, OFFSET_MS);
        let scan_len = responses.len();
        // Local 17:06 at NOW: respondents at 08:15..16:55 local today.
        let local_midnight = NOW + OFFSET_MS - (NOW + OFFSET_MS).rem_euclid(DAY_MS) - OFFSET_MS;
        let today: Vec<i64> = (0..14)
            .map(|i| local_midnight + 8 * HOUR_MS + 15 * 60_000 + i * 40 * 60_000)
            .collect();
        responses.extend(at_times(&survey, 12, &today, OFFSET_MS));
        let mut live = scanned(
            &survey,
            grouping(OFFSET_MS),
            OFFSET_MS,
            &responses[..scan_len],
        );
        for r in &responses[scan_len..] {
            assert!(live.accept(r, &survey));
        }
        live.result();
        Desk { responses, live }
    }

    /// Presses `code` and follows what it asks, as the loop does.
    pub fn press(&mut self, code: KeyCode) -> Action {
        let action = self.live.key(key(code));
        if let Action::Regroup(g) = &action {
            self.live = regroup(&self.live, g.clone(), &self.responses);
        }
        action
    }

    pub fn presses(&mut self, codes: &[KeyCode]) {
        for c in codes {
            self.press(*c);
        }
    }
}

pub fn key(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

pub fn ctrl(c: char) -> KeyEvent {
    KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)
}

/// Draws one frame as the loop does (after `live.result()`), into a test
/// terminal; returns it with the frame's hits.
pub fn draw(live: &Live, width: u16, height: u16) -> (Terminal<TestBackend>, Hits) {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    let mut hits = Hits::default();
    terminal
        .draw(|f| {
            hits = view::render(live, NOW, Theme::PLAIN, f.area(), f.buffer_mut());
        })
        .unwrap();
    (terminal, hits)
}

/// The frame as text, one line per row.
pub fn screen_text(live: &Live, width: u16, height: u16) -> String {
    let (terminal, _) = draw(live, width, height);
    crate::ui::buffer_text(terminal.backend().buffer())
}

/// Snapshots one frame as `src/ui/live/snapshots/live_NAME.snap`.
pub fn snap(name: &str, live: &Live, width: u16, height: u16) {
    let (terminal, _) = draw(live, width, height);
    let mut settings = Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.bind(|| insta::assert_snapshot!(format!("live_{name}"), terminal.backend()));
}

/// Ids are time-ordered: a later submit has a larger id.
#[test]
fn fixture_ids_follow_submit_times() {
    let d = Desk::new();
    let mut by_time = d.responses.clone();
    by_time.sort_by_key(|r| (r.submitted_ms, r.id));
    let ids: Vec<Uuid> = by_time.iter().map(|r| r.id).collect();
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(ids, sorted);
    assert!(d.responses.iter().all(|r| r.submitted_ms <= NOW));
}
