//! The kiosk loop: draw, wait for input or the next deadline, update, run
//! the effects. The only part of the kiosk that touches the terminal, the
//! clock and the store.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use crossterm::event::{Event, MouseButton, MouseEventKind};

use super::layout::{self, Layout};
use super::msg::{Effect, Msg, Submission};
use super::state::Kiosk;
use super::update::update;
use super::view::View;
use crate::core::response::{Response, time_ordered_id};
use crate::core::survey::{Lang, Survey};
use crate::core::version::VersionHash;
use crate::store::{ReadStore, Store, StoreEvent};
use crate::ui::events::{Events, Incoming};
use crate::ui::term::TerminalGuard;
use crate::ui::theme::Theme;

/// What the kiosk runs with.
pub struct Setup {
    pub survey: Arc<Survey>,
    pub version: VersionHash,
    /// The survey given with `--survey`; without it the kiosk follows the
    /// active survey.
    pub pinned: Option<String>,
    pub terminal: String,
    /// `--terminal`, which outranks the name an admin stores.
    pub terminal_flag: Option<String>,
    pub lang: Option<Lang>,
    pub idle_timeout_ms: i64,
    pub pin_hash: Option<String>,
    pub theme: Theme,
}

fn now_ms() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}

/// Runs the kiosk until the admin leaves it (or a signal ends it).
pub fn run(store: &Store, mut setup: Setup) -> std::io::Result<()> {
    let mut guard = TerminalGuard::enter()?;
    let events = Events::start()?;
    events.forward_store(store.watch());
    let mut changed = false;
    let mut kiosk = Kiosk::new(
        setup.survey.clone(),
        setup.version,
        setup.lang,
        setup.idle_timeout_ms,
        setup.pin_hash.clone(),
        now_ms(),
    );
    let mut last_layout = Layout::default();
    tracing::info!(survey = %kiosk.survey.id, version = %kiosk.version.short(), "kiosk started");
    loop {
        let now = now_ms();
        guard.draw(|frame| {
            let area = frame.area();
            last_layout = layout::compute(area, &kiosk, setup.theme, now);
            let view = View {
                kiosk: &kiosk,
                layout: &last_layout,
                theme: setup.theme,
                now_ms: now,
            };
            frame.render_widget(&view, area);
        })?;

        let timeout = kiosk
            .next_deadline_ms(now)
            .map(|d| Duration::from_millis((d - now).max(0) as u64));
        let mut msgs = Vec::new();
        match events.next(timeout) {
            None => msgs.push(Msg::Tick),
            Some(Incoming::Store(StoreEvent::SurveysChanged)) => changed = true,
            Some(incoming) => msgs.extend(to_msg(incoming, &last_layout)),
        }
        // Everything already waiting is handled before the next frame.
        while let Some(incoming) = events.try_next() {
            match incoming {
                Incoming::Store(StoreEvent::SurveysChanged) => changed = true,
                incoming => msgs.extend(to_msg(incoming, &last_layout)),
            }
        }
        if kiosk
            .next_deadline_ms(now_ms())
            .is_some_and(|d| d <= now_ms())
        {
            msgs.push(Msg::Tick);
        }

        let mut effects: VecDeque<Effect> = VecDeque::new();
        for msg in msgs {
            effects.extend(update(&mut kiosk, msg, now_ms()));
            while let Some(effect) = effects.pop_front() {
                match effect {
                    Effect::Submit(submission) => {
                        let result = submit(store, &setup, &kiosk, submission);
                        effects.extend(update(&mut kiosk, Msg::Saved(result), now_ms()));
                    }
                    Effect::Log(line) => tracing::info!("{line}"),
                    Effect::PrizeEntry(fields) => {
                        // Logged without the details: they are personal data.
                        if let Err(e) = store.add_prize_entry(&kiosk.survey.id, &fields) {
                            tracing::error!("could not store a prize-draw entry: {e}");
                        }
                    }
                    Effect::Quit => {
                        tracing::info!("kiosk stopped");
                        return Ok(());
                    }
                }
            }
        }
        // A load or activate takes effect between respondents, never in
        // the middle of someone's survey.
        if changed && kiosk.is_idle() {
            changed = false;
            follow_store(store, &mut setup, &mut kiosk);
        }
    }
}

/// Takes up the survey and terminal name the store now says.
fn follow_store(store: &Store, setup: &mut Setup, kiosk: &mut Kiosk) {
    if setup.terminal_flag.is_none()
        && let Ok(Some(name)) = store.terminal_name()
    {
        setup.terminal = name;
    }
    let id = match &setup.pinned {
        Some(id) => Some(id.clone()),
        None => store.active().ok().flatten(),
    };
    let Some(id) = id else { return };
    // The version a load or activate chose: a bundle never moves it.
    match ReadStore::shown(store, &id) {
        Ok(shown) if shown.hash != kiosk.version => {
            tracing::info!(survey = %id, version = %shown.hash.short(), "now showing");
            kiosk.switch_survey(Arc::new(shown.survey), shown.hash);
        }
        Ok(_) => {}
        Err(e) => tracing::warn!("cannot read survey `{id}`: {e}"),
    }
}

/// A terminal event as a kiosk message; clicks are resolved against the
/// layout that was last drawn.
fn to_msg(incoming: Incoming, layout: &Layout) -> Option<Msg> {
    match incoming {
        Incoming::Signal => Some(Msg::Shutdown),
        Incoming::InputClosed(why) => {
            tracing::warn!("terminal input ended: {why}");
            Some(Msg::Shutdown)
        }
        Incoming::Terminal(Event::Key(key)) => Some(Msg::Key(key)),
        Incoming::Terminal(Event::Paste(text)) => Some(Msg::Paste(text)),
        Incoming::Terminal(Event::Mouse(m))
            if m.kind == MouseEventKind::Down(MouseButton::Left) =>
        {
            Some(
                layout
                    .hit(m.column, m.row)
                    .map_or(Msg::TapElsewhere, Msg::Tap),
            )
        }
        // Resizes need only the redraw every pass of the loop does.
        Incoming::Terminal(_) | Incoming::Store(_) | Incoming::StoreGone => None,
    }
}

/// Stores a response durably; the error text goes to the log only.
fn submit(store: &Store, setup: &Setup, kiosk: &Kiosk, s: Submission) -> Result<(), String> {
    let now = now_ms();
    let response = Response {
        id: time_ordered_id(&mut rand::rng(), now),
        survey: kiosk.survey.id.clone(),
        version: kiosk.version,
        terminal: setup.terminal.clone(),
        lang: s.lang,
        started_ms: s.started_ms.min(now),
        submitted_ms: now,
        complete: s.complete,
        answers: s.answers,
    };
    match store.submit(&response) {
        Ok(()) => {
            tracing::info!(id = %response.id, complete = response.complete, answers = response.answers.len(), "response stored");
            Ok(())
        }
        Err(e) => Err(e.to_string()),
    }
}
