//! The kiosk loop: draw, wait for input or the next deadline, update, run
//! the effects. The only part of the kiosk that touches the terminal, the
//! clocks and the store. Durable writes run on a writer thread, so that
//! "Saving…" is drawn while the disk syncs, and their results come back
//! into the one channel as messages.

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::mpsc::{self, Sender};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crossterm::event::{Event, MouseButton, MouseEventKind};

use super::layout::{self, Layout};
use super::msg::{Effect, Msg, Now, Submission};
use super::state::{Kiosk, Screen};
use super::update::update;
use super::view::View;
use crate::core::pin::{Lockout, PinCheck};
use crate::core::response::{Response, time_ordered_id};
use crate::core::survey::{Lang, Survey};
use crate::core::version::VersionHash;
use crate::store::{ReadStore, Store, StoreError, StoreEvent};
use crate::ui::events::{Events, Incoming, Saved};
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
    /// Whether an admin PIN is set (the store checks attempts).
    pub pin_set: bool,
    /// The stored lockout at start (wall clock): a restart does not lift
    /// a lock.
    pub lockout: Lockout,
    pub theme: Theme,
}

/// How the kiosk ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ended {
    /// The admin left it (right PIN, or Ctrl-C in demo mode), or the
    /// terminal went away.
    Left,
    /// A signal (SIGTERM, SIGHUP, SIGINT) ended it, by number: the
    /// process exits with 128 + the number, as a shell reports it.
    Signal(i32),
}

/// The two clocks: deadlines on the monotonic one, so that a wall-clock
/// step neither fires nor freezes them; stamps from the wall clock.
struct Clock {
    start: Instant,
}

impl Clock {
    fn now(&self) -> Now {
        Now {
            mono_ms: i64::try_from(self.start.elapsed().as_millis()).unwrap_or(i64::MAX),
            wall_ms: jiff::Timestamp::now().as_millisecond(),
        }
    }
}

/// Runs the kiosk until the admin leaves it or a signal ends it. Every
/// save handed to the writer is durable before this returns (and before
/// the terminal is restored).
pub fn run(store: &Arc<Store>, mut setup: Setup) -> std::io::Result<Ended> {
    let mut guard = TerminalGuard::enter()?;
    let events = Events::start()?;
    events.forward_store(store.watch());
    let writer = Writer::start(store.clone(), events.sender());
    let ended = run_loop(&mut guard, &events, store, &mut setup, &writer);
    writer.finish();
    ended
}

fn run_loop(
    guard: &mut TerminalGuard,
    events: &Events,
    store: &Store,
    setup: &mut Setup,
    writer: &Writer,
) -> std::io::Result<Ended> {
    let clock = Clock {
        start: Instant::now(),
    };
    let mut changed = false;
    let mut signal = None;
    let mut kiosk = Kiosk::new(
        setup.survey.clone(),
        setup.version,
        setup.lang,
        setup.idle_timeout_ms,
        setup.pin_set,
        clock.now().mono_ms,
    );
    kiosk.lockout = clock.now().lockout_on_mono(setup.lockout);
    let mut last_layout = Layout::default();
    tracing::info!(survey = %kiosk.survey.id, version = %kiosk.version.short(), "kiosk started");
    loop {
        let now = clock.now().mono_ms;
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
        let mut take = |incoming: Incoming, msgs: &mut Vec<Msg>| match incoming {
            Incoming::Store(StoreEvent::SurveysChanged | StoreEvent::PinChanged) => changed = true,
            Incoming::Signal(n) => {
                signal.get_or_insert(n);
                msgs.push(Msg::Shutdown);
            }
            incoming => msgs.extend(to_msg(incoming, &last_layout)),
        };
        match events.next(timeout) {
            None => msgs.push(Msg::Tick),
            Some(incoming) => take(incoming, &mut msgs),
        }
        // Everything already waiting is handled before the next frame.
        while let Some(incoming) = events.try_next() {
            take(incoming, &mut msgs);
        }
        let now = clock.now();
        if kiosk
            .next_deadline_ms(now.mono_ms)
            .is_some_and(|d| d <= now.mono_ms)
        {
            msgs.push(Msg::Tick);
        }

        for msg in msgs {
            if apply(&mut kiosk, setup, writer, msg, clock.now()) {
                return Ok(signal.map_or(Ended::Left, Ended::Signal));
            }
        }
        // A load or activate takes effect between respondents, never in
        // the middle of someone's survey.
        if changed && kiosk.is_idle() {
            changed = false;
            follow_store(store, setup, &mut kiosk);
            follow_pin(store, &mut kiosk, clock.now());
        }
    }
}

/// Feeds one message to `update` and runs what it asks for: saves go to
/// the writer (their results come back as messages), log lines to the
/// log. True when the kiosk is to end.
pub fn apply(kiosk: &mut Kiosk, setup: &Setup, writer: &Writer, msg: Msg, now: Now) -> bool {
    let effects = update(kiosk, msg, now);
    run_effects(kiosk, setup, writer, effects, now)
}

/// Runs the effects of one `update` (and of the updates they lead to).
pub fn run_effects(
    kiosk: &mut Kiosk,
    setup: &Setup,
    writer: &Writer,
    effects: Vec<Effect>,
    now: Now,
) -> bool {
    let mut effects: VecDeque<Effect> = effects.into();
    while let Some(effect) = effects.pop_front() {
        match effect {
            Effect::Submit(submission) => {
                // The Saving screen waits for this one; a partial left on
                // the way out (idle, signal, leaving) is written aside.
                let what = if kiosk.screen == Screen::Saving {
                    Saved::Response
                } else {
                    Saved::Partial
                };
                let response = response_of(kiosk, setup, submission, now.wall_ms);
                if let Err(e) = writer.save(Job::Response { response, what }) {
                    match what {
                        Saved::Response => effects.extend(update(kiosk, Msg::Saved(Err(e)), now)),
                        _ => tracing::error!("could not save a partial response: {e}"),
                    }
                }
            }
            Effect::Log(line) => tracing::info!("{line}"),
            Effect::CheckPin(attempt) => {
                // argon2 takes a while: the writer checks, the loop draws on.
                let job = Job::CheckPin {
                    attempt,
                    wall_ms: now.wall_ms,
                };
                if let Err(e) = writer.save(job) {
                    effects.extend(update(kiosk, Msg::PinChecked(Err(e)), now));
                }
            }
            Effect::PrizeEntry(fields) => {
                let survey = kiosk.survey.id.clone();
                if let Err(e) = writer.save(Job::Prize { survey, fields }) {
                    effects.extend(update(kiosk, Msg::PrizeSaved(Err(e)), now));
                }
            }
            Effect::Quit => {
                tracing::info!("kiosk stopped");
                return true;
            }
        }
    }
    false
}

/// What the writer thread writes through: the store, or in tests a
/// stand-in that is slow or fails on purpose.
pub trait Durable: Send + Sync {
    /// Stores a response and returns once it is durable.
    fn submit(&self, response: &Response) -> Result<(), StoreError>;
    /// Stores prize-draw contact details, unlinked from any response.
    fn add_prize_entry(&self, survey: &str, fields: &[(String, String)]) -> Result<(), StoreError>;
    /// Checks an admin PIN attempt and stores the count of wrong ones.
    fn check_pin(&self, attempt: &str, wall_ms: i64) -> Result<PinCheck, StoreError>;
}

impl Durable for Store {
    fn submit(&self, response: &Response) -> Result<(), StoreError> {
        Store::submit(self, response)
    }

    fn add_prize_entry(&self, survey: &str, fields: &[(String, String)]) -> Result<(), StoreError> {
        Store::add_prize_entry(self, survey, fields)
    }

    fn check_pin(&self, attempt: &str, wall_ms: i64) -> Result<PinCheck, StoreError> {
        Store::check_pin(self, attempt, wall_ms)
    }
}

/// One save for the writer thread.
pub enum Job {
    Response {
        response: Response,
        what: Saved,
    },
    Prize {
        survey: String,
        fields: Vec<(String, String)>,
    },
    /// An admin PIN attempt, answered as [`Incoming::PinChecked`].
    CheckPin {
        attempt: String,
        wall_ms: i64,
    },
}

/// The writer thread: saves in the order given, each answered into the
/// loop's channel as [`Incoming::Saved`]. It goes on writing after the
/// loop has gone, so a partial handed over on the way out is stored.
pub struct Writer {
    jobs: Option<Sender<Job>>,
    thread: Option<JoinHandle<()>>,
}

impl Writer {
    pub fn start(durable: Arc<dyn Durable>, answers: Sender<Incoming>) -> Writer {
        let (jobs, rx) = mpsc::channel::<Job>();
        let thread = std::thread::spawn(move || {
            let mut prize_failures = PrizeFailures::default();
            for job in rx {
                let answer = match job {
                    Job::CheckPin { attempt, wall_ms } => {
                        let started = Instant::now();
                        let check = durable
                            .check_pin(&attempt, wall_ms)
                            .map_err(|e| e.to_string());
                        tracing::debug!(ms = started.elapsed().as_millis(), "admin PIN checked");
                        Incoming::PinChecked(check)
                    }
                    job => {
                        let (what, result) = write(&*durable, job);
                        if let (Saved::PrizeEntry, Err(e)) = (&what, &result) {
                            prize_failures.add(e);
                        }
                        Incoming::Saved(what, result)
                    }
                };
                let _ = answers.send(answer);
            }
            prize_failures.log();
        });
        Writer {
            jobs: Some(jobs),
            thread: Some(thread),
        }
    }

    /// Hands a save over; an error only when the writer has stopped.
    pub fn save(&self, job: Job) -> Result<(), String> {
        self.jobs
            .as_ref()
            .and_then(|jobs| jobs.send(job).ok())
            .ok_or_else(|| "the kiosk's writer thread stopped".to_owned())
    }

    /// Waits until every save handed over is written.
    pub fn finish(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        self.jobs = None;
        if let Some(thread) = self.thread.take()
            && thread.join().is_err()
        {
            tracing::error!("the kiosk's writer thread panicked");
        }
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Writes one save; the error text goes to the log and the loop only.
fn write(durable: &dyn Durable, job: Job) -> (Saved, Result<(), String>) {
    match job {
        Job::Response { response, what } => match durable.submit(&response) {
            Ok(()) => {
                tracing::info!(id = %response.id, complete = response.complete, answers = response.answers.len(), "response stored");
                (what, Ok(()))
            }
            Err(e) => (what, Err(e.to_string())),
        },
        Job::Prize { survey, fields } => {
            // Never logged one by one (see `PrizeFailures`).
            let result = durable.add_prize_entry(&survey, &fields);
            (Saved::PrizeEntry, result.map_err(|e| e.to_string()))
        }
        // Answered by the writer's loop, never written here.
        Job::CheckPin { .. } => (
            Saved::Partial,
            Err("a PIN check reached the writer's save path (a bug in kioski)".into()),
        ),
    }
}

/// Prize-draw entries that could not be stored, told once when the writer
/// stops: a log line at the moment of an entry, even a failed one, would
/// sit beside the "response stored" line of the same respondent.
#[derive(Default)]
struct PrizeFailures {
    count: u64,
    last: Option<String>,
}

impl PrizeFailures {
    fn add(&mut self, error: &str) {
        self.count += 1;
        self.last = Some(error.to_owned());
    }

    fn log(&self) {
        if let Some(e) = &self.last {
            tracing::error!(
                "prize-draw entries not stored: {}; the last error: {e}",
                self.count
            );
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

/// A PIN set, changed or cleared (`kioski pin` through the socket): the
/// kiosk leaves or enters demo mode, and shows the count as it stands.
fn follow_pin(store: &Store, kiosk: &mut Kiosk, now: Now) {
    match (store.has_pin(), store.pin_lockout()) {
        (Ok(set), Ok(lockout)) => {
            if set != kiosk.pin_set {
                tracing::info!(pin_set = set, "the admin PIN changed");
            }
            kiosk.pin_set = set;
            kiosk.lockout = now.lockout_on_mono(lockout);
        }
        (Err(e), _) | (_, Err(e)) => tracing::warn!("cannot read the admin PIN's state: {e}"),
    }
}

/// A terminal event as a kiosk message; clicks are resolved against the
/// layout that was last drawn.
pub fn to_msg(incoming: Incoming, layout: &Layout) -> Option<Msg> {
    match incoming {
        Incoming::Signal(_) => Some(Msg::Shutdown),
        Incoming::Saved(Saved::Response, result) => Some(Msg::Saved(result)),
        Incoming::Saved(Saved::PrizeEntry, result) => Some(Msg::PrizeSaved(result)),
        Incoming::Saved(Saved::Partial, result) => {
            if let Err(e) = result {
                tracing::error!("could not save a partial response: {e}");
            }
            None
        }
        Incoming::InputClosed(why) => {
            tracing::warn!("terminal input ended: {why}");
            Some(Msg::Shutdown)
        }
        Incoming::PinChecked(check) => Some(Msg::PinChecked(check)),
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

/// The response for a submission: the loop adds the id, version,
/// terminal and the submit time, from the wall clock.
fn response_of(kiosk: &Kiosk, setup: &Setup, s: Submission, wall_ms: i64) -> Response {
    Response {
        id: time_ordered_id(&mut rand::rng(), wall_ms),
        survey: kiosk.survey.id.clone(),
        version: kiosk.version,
        terminal: setup.terminal.clone(),
        lang: s.lang,
        started_ms: s.started_ms.min(wall_ms),
        submitted_ms: wall_ms,
        complete: s.complete,
        answers: s.answers,
        simulated: false,
        suspect: false,
    }
}
