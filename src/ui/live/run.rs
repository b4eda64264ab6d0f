//! The live view's loop: count once, then fold in what the store
//! announces, redraw, and follow the clerk's keys and clicks.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers, MouseButton, MouseEventKind};

use super::keys::Cmd;
use super::scroll::Move;
use super::state::{Action, Live, Source};
use super::view::{self, Hit, Hits};
use crate::core::response::Response;
use crate::core::survey::Lang;
use crate::core::tally::Grouping;
use crate::remote::{Access, View};
use crate::store::{ReadStore, StoreError, StoreEvent};
use crate::ui::events::{Events, Incoming};
use crate::ui::strings::views::fill;
use crate::ui::term::TerminalGuard;
use crate::ui::theme::Theme;

/// What the live view shows.
pub struct LiveSetup {
    pub survey: String,
    pub grouping: Grouping,
    pub utc_offset_ms: i64,
    pub theme: Theme,
    /// `--lang` or the environment's; `None`: English words and the
    /// survey's first language.
    pub lang: Option<Lang>,
    /// Fold every response even where the store keeps counts ready
    /// (`KIOSKI_FULL_SCAN=1`, to compare).
    pub full_scan: bool,
}

/// How often the responses beside the kept counts are read again when one
/// was stored while they were read, before every response is folded.
const KEPT_TRIES: usize = 3;

/// How often the view redraws with nothing happening (the clock, today).
const REDRAW: Duration = Duration::from_secs(20);

/// How often a view whose kiosk stopped looks for it again (and takes
/// the store back when none runs).
const RECONNECT: Duration = Duration::from_secs(2);

/// How often a view that handed its store over looks for the kiosk's
/// socket, which comes up a moment later.
const HANDED: Duration = Duration::from_millis(200);

fn now_ms() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}

/// The source of figures for `access`.
pub fn source_of(access: &Access) -> Source {
    match access {
        Access::Local(_) => Source::Own,
        Access::Remote(client) => Source::Through(client.owner().to_owned()),
    }
}

/// Counts the store's responses to `setup.survey` from scratch.
pub fn count(access: &Access, setup: &LiveSetup, grouping: Grouping) -> Result<Live, StoreError> {
    count_in(access.read(), source_of(access), setup, grouping)
}

/// [`count`] in `read`: from the counts it keeps ready where it can,
/// else by folding every response.
pub fn count_in(
    read: &dyn ReadStore,
    source: Source,
    setup: &LiveSetup,
    grouping: Grouping,
) -> Result<Live, StoreError> {
    let latest = read.latest(&setup.survey)?;
    let survey = Arc::new(latest.survey);
    // A newer version may have dropped the question grouped by.
    let mut live = match Live::new(
        survey.clone(),
        latest.hash,
        grouping.clone(),
        setup.utc_offset_ms,
        source.clone(),
    ) {
        Ok(live) => live,
        Err(_) => Live::new(
            survey,
            latest.hash,
            Grouping {
                by: None,
                ..grouping
            },
            setup.utc_offset_ms,
            source,
        )
        .map_err(|e| StoreError::InvalidResponse {
            survey: setup.survey.clone(),
            reason: e.to_string(),
        })?,
    };
    live.lang = setup.lang;
    // Notices began before this; responses stored from here on may be
    // both counted and announced.
    let now = now_ms();
    live.count_starts_at(now);
    if !setup.full_scan && count_kept(read, &mut live, &setup.survey, now)? {
        return Ok(live);
    }
    for response in read.responses(&setup.survey) {
        let response = response?;
        let survey = read.survey_of(&response.version)?;
        live.fold(&response, &survey);
    }
    Ok(live)
}

/// Fills `live` from the counts `read` keeps ready, and its hours from
/// the responses of today and the hours shown; false when it keeps none
/// that fit (the caller folds every response).
///
/// Those responses are read before and after the counts: the same ids
/// both times means none was stored meanwhile, so the counts hold exactly
/// them and the older ones, and a notice for a newer one counts it once.
fn count_kept(
    read: &dyn ReadStore,
    live: &mut Live,
    id: &str,
    now: i64,
) -> Result<bool, StoreError> {
    let from = live.hours_needed_from(now);
    let ids = |rs: &[Response]| rs.iter().map(|r| r.id).collect::<Vec<_>>();
    for _ in 0..KEPT_TRIES {
        let Some(before) = read.responses_since(id, from)? else {
            return Ok(false);
        };
        let mut kept = live.empty_tally();
        if !read.tally_kept(id, &mut kept)? {
            return Ok(false);
        }
        let Some(after) = read.responses_since(id, from)? else {
            return Ok(false);
        };
        if ids(&before) != ids(&after) {
            tracing::debug!("live view: a response arrived while counting; again");
            continue;
        }
        let recent = after
            .into_iter()
            .map(|r| read.survey_of(&r.version).map(|s| (r, s)))
            .collect::<Result<Vec<_>, _>>()?;
        return Ok(live.take_kept(kept, from, &recent, now));
    }
    Ok(false)
}

/// Runs the live view until the clerk quits. The caller has already
/// forwarded `access`'s store notices into `events` (so nothing stored
/// after the count is missed) and entered the terminal.
pub fn run(
    guard: &mut TerminalGuard,
    events: &Events,
    view: &mut View,
    setup: &LiveSetup,
) -> std::io::Result<()> {
    let mut live = match count(view.access(), setup, setup.grouping.clone()) {
        Ok(live) => live,
        Err(e) => {
            tracing::warn!("live view cannot count: {e}");
            return Ok(());
        }
    };
    let mut last_try = Instant::now();
    let mut note: Option<String> = None;
    // This view handed its store to a starting kiosk and goes on through
    // it as soon as the kiosk serves; the figures stay meanwhile.
    let mut handed = false;
    loop {
        live.result();
        let hits = draw(guard, &live, setup, note.as_deref())?;
        live.scroll.seen(hits.rows.0, hits.rows.1);
        let lost = matches!(live.source, Source::Lost(_));
        let timeout = if handed {
            HANDED
        } else if lost {
            RECONNECT
        } else {
            REDRAW
        };
        let incoming = events.next(Some(timeout));
        let mut action = Action::None;
        match incoming {
            None => {}
            Some(Incoming::Signal(_)) => return Ok(()),
            Some(Incoming::InputClosed(_)) => return Ok(()),
            Some(Incoming::Terminal(Event::Key(key))) => {
                note = None;
                action = live.key(key);
            }
            Some(Incoming::Terminal(Event::Mouse(m))) => match m.kind {
                MouseEventKind::Down(MouseButton::Left) => {
                    action = click(&mut live, hits.at(m.column, m.row));
                }
                MouseEventKind::ScrollDown => {
                    action = live.command(Cmd::Scroll(Move::WheelDown), KeyCode::Null)
                }
                MouseEventKind::ScrollUp => {
                    action = live.command(Cmd::Scroll(Move::WheelUp), KeyCode::Null)
                }
                _ => {}
            },
            Some(
                Incoming::Terminal(_)
                | Incoming::Saved(..)
                | Incoming::PinChecked(_)
                | Incoming::Store(StoreEvent::PinChanged | StoreEvent::SyncTargetChanged),
            ) => {}
            Some(Incoming::Store(StoreEvent::Stored(response))) => {
                match view.access().read().survey_of(&response.version) {
                    Ok(survey) => {
                        live.accept(&response, &survey);
                        if live.stale() {
                            action = Action::Regroup(live.grouping().clone());
                        }
                    }
                    Err(e) => tracing::warn!("live view: {e}"),
                }
            }
            Some(Incoming::Store(StoreEvent::Imported)) => {
                action = Action::Regroup(live.grouping().clone())
            }
            Some(Incoming::Store(StoreEvent::SurveysChanged)) => {
                let newer = view
                    .access()
                    .read()
                    .latest(&setup.survey)
                    .map(|v| v.hash != live.version);
                if newer.unwrap_or(false) {
                    action = Action::Regroup(live.grouping().clone());
                }
            }
            Some(Incoming::StoreGone) => {
                if view.handed_over() {
                    tracing::info!("live view: handed the store over to a kiosk");
                    handed = true;
                } else if let Source::Through(owner) = &live.source {
                    tracing::info!("live view: {owner} stopped");
                    live.source = Source::Lost(owner.clone());
                }
            }
        }
        // A view whose kiosk stopped looks for a new one, and takes the
        // store back when none runs (a kiosk starting later is handed it).
        let due = if handed {
            true
        } else {
            matches!(live.source, Source::Lost(_)) && last_try.elapsed() >= RECONNECT
        };
        let mut reconnected = false;
        if due {
            last_try = Instant::now();
            if view.reconnect() {
                handed = false;
                reconnected = true;
                action = Action::Reload;
            }
        }
        let regroup = match action {
            Action::None => None,
            Action::Quit => return Ok(()),
            Action::Regroup(grouping) => Some(grouping),
            Action::Reload => {
                let lost = matches!(live.source, Source::Lost(_));
                if reconnected || lost || matches!(view.access(), Access::Remote(_)) {
                    if !reconnected {
                        view.reconnect();
                    }
                    match view.access().watch() {
                        Ok(rx) => {
                            events.forward_store(rx);
                            Some(live.grouping().clone())
                        }
                        Err(e) => {
                            note = Some(fill(live.words().cannot_reconnect, &[&e]));
                            None
                        }
                    }
                } else {
                    Some(live.grouping().clone())
                }
            }
        };
        if let Some(grouping) = regroup {
            draw(guard, &live, setup, Some(live.words().counting))?;
            match count(view.access(), setup, grouping) {
                Ok(mut fresh) => {
                    fresh.carry_view_from(&live);
                    live = fresh;
                }
                Err(e) => note = Some(fill(live.words().cannot_count, &[&e])),
            }
        }
    }
}

fn key(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

/// What a click on `hit` does.
fn click(live: &mut Live, hit: Option<Hit>) -> Action {
    match hit {
        Some(Hit::Question(i)) => {
            live.select(i);
            Action::None
        }
        Some(Hit::Prev) => live.key(key(KeyCode::Left)),
        Some(Hit::Next) => live.key(key(KeyCode::Right)),
        Some(Hit::Group) => live.key(key(KeyCode::Char('g'))),
        Some(Hit::Period) => live.key(key(KeyCode::Char('p'))),
        Some(Hit::Texts) => live.key(key(KeyCode::Char('t'))),
        Some(Hit::Reload) => Action::Reload,
        Some(Hit::Quit) => Action::Quit,
        None => Action::None,
    }
}

/// Draws the view, with a note (a count under way, an error) above the
/// footer; returns where the clickable things are.
fn draw(
    guard: &mut TerminalGuard,
    live: &Live,
    setup: &LiveSetup,
    note: Option<&str>,
) -> std::io::Result<Hits> {
    let now = now_ms();
    let mut hits = Hits::default();
    guard.draw(|frame| {
        let area = frame.area();
        hits = view::render(live, now, setup.theme, area, frame.buffer_mut());
        if let Some(note) = note {
            let y = area.y + area.height.saturating_sub(2);
            let note = crate::core::sanitize::truncate_to_width(note, area.width as usize);
            frame
                .buffer_mut()
                .set_string(area.x, y, note, setup.theme.selected());
        }
    })?;
    Ok(hits)
}
