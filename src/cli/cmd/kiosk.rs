//! `kioski kiosk` (and plain `kioski`): the respondent's screen.

use std::io::IsTerminal;
use std::path::Path;
use std::sync::Arc;

use clap::{Args, ValueEnum};

use crate::cli::survey_file;
use crate::cli::{CliError, Context, Exit};
use crate::core::demo::DEMO_SOURCE;
use crate::core::survey::{Lang, Survey};
use crate::core::validate::survey_from_str;
use crate::store::ReadStore as _;
use crate::store::Store;
use crate::ui::kiosk::run::{Ended, Setup, run};

/// Run the survey kiosk for walk-in respondents.
///
/// Shows the active survey (or the one named). On a brand-new store the
/// built-in demo survey is loaded first. Ctrl-C, Ctrl-Z, Esc and q do not
/// leave the kiosk: Ctrl+Alt+K opens the admin PIN prompt, and the right
/// PIN exits. With no PIN set (`kioski pin set`) the kiosk runs in demo
/// mode, where Ctrl-C exits.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  kioski\n  kioski kiosk --survey pulssi --terminal kirjasto-1\n  kioski kiosk --survey surveys/tilat.toml --idle-timeout 90 --lang sv"
)]
pub struct KioskArgs {
    /// A stored survey id, or a survey file to validate, load and show.
    #[arg(long, value_name = "ID|FILE")]
    pub survey: Option<String>,

    /// This terminal's name, stored with each response (default: host name).
    #[arg(long, value_name = "NAME", value_parser = terminal_name)]
    pub terminal: Option<String>,

    /// Seconds without input before the answers so far are saved as a
    /// partial response and the screen resets (10 to 3600).
    #[arg(long, value_name = "SECS", default_value_t = 60, value_parser = clap::value_parser!(u32).range(10..=3600))]
    pub idle_timeout: u32,

    /// The language each respondent starts in (default: the survey's first).
    #[arg(long, value_enum)]
    pub lang: Option<LangArg>,
    /// Colours (default: dark, which paints its own background; mono, no
    /// colours, when NO_COLOR is set).
    #[arg(long, value_enum, value_name = "THEME")]
    pub theme: Option<crate::cli::ThemeArg>,
}

/// `--terminal`: checked by the same rule as a stored response's terminal,
/// so a name that every later response would fail on is never taken.
pub fn terminal_name(text: &str) -> Result<String, String> {
    crate::core::response::check_terminal_name(text)
        .map(|()| text.to_owned())
        .map_err(|e| format!("{e}"))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LangArg {
    Fi,
    Sv,
    En,
}

impl From<LangArg> for Lang {
    fn from(l: LangArg) -> Lang {
        match l {
            LangArg::Fi => Lang::Fi,
            LangArg::Sv => Lang::Sv,
            LangArg::En => Lang::En,
        }
    }
}

impl KioskArgs {
    /// Whether any kiosk option was given (the idle timeout differs from
    /// its default).
    pub fn any_given(&self) -> bool {
        self.survey.is_some()
            || self.terminal.is_some()
            || self.lang.is_some()
            || self.theme.is_some()
            || self.idle_timeout != 60
    }
}

pub fn run_kiosk(args: &KioskArgs, ctx: &Context) -> Result<(), CliError> {
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        return Err(CliError::new(Exit::Usage, "the kiosk needs a terminal.")
            .with_hint("run it in a terminal window or over SSH with a TTY (ssh -t)"));
    }
    let lang = args.lang.map(Lang::from);
    // Every argument is checked before anything is stored: a survey file
    // is read and checked (with `--lang`) before the store is opened.
    let wanted = wanted_survey(args, lang)?;
    // A clerk's view that owns the store hands it over (remote::access).
    let store = Arc::new(ctx.open_kiosk_store()?);
    crate::cli::logging::to_store_dir(store.dir());
    // A kiosk started with `--survey` shows that survey, and other
    // commands hear it as the active one while it runs; the stored
    // choice (`activate`) stays as the admin made it.
    let pinned = match &wanted {
        Wanted::File(survey, _) => Some(survey.id.clone()),
        Wanted::Id(id) => Some(id.clone()),
        Wanted::Active => None,
    };
    // Other commands (tally, export, load, activate, admin) go through
    // this process while it owns the store.
    // A kiosk that nothing can reach would keep every other command
    // locked out of its store, so it does not start.
    let role = crate::remote::Role {
        hands_over: false,
        shows: pinned.clone(),
    };
    let _server = ctx.serve_as(&store, "kiosk", role).map_err(|e| {
        tracing::error!("cannot serve the store on its socket: {e}");
        CliError::new(
            Exit::Store,
            format!(
                "cannot make the store's socket, so other commands could not reach the kiosk: {}.",
                crate::store::io_reason(&e)
            ),
        )
        .with_hint(
            "use a store directory with a shorter path (--store DIR), or set XDG_RUNTIME_DIR",
        )
    })?;
    // The owner deletes what `keep_days` no longer keeps, now and daily.
    crate::store::keep::spawn(&store, || jiff::Timestamp::now().as_millisecond());
    // With a sync target set, new responses go to PostgreSQL from here.
    let _sync = crate::sync::worker::Worker::spawn(
        &store,
        crate::cli::cmd::sync::password_lookup(),
        || jiff::Timestamp::now().as_millisecond(),
    );
    let id = choose_survey(&store, wanted, ctx)?;
    let version = store.shown(&id)?;
    if let Some(l) = lang.filter(|l| !version.survey.languages.contains(l)) {
        return Err(not_offered(&id, l));
    }
    // Recorded, so that a bundle imported while the kiosk runs cannot
    // change it (a store from before such records, or a survey that only
    // came in a bundle).
    if let Err(e) = store.record_shown(&id) {
        tracing::warn!("cannot record the version shown of `{id}`: {e}");
    }
    let setup = Setup {
        survey: Arc::new(version.survey.clone()),
        version: version.hash,
        pinned,
        terminal: match &args.terminal {
            Some(name) => name.clone(),
            None => store
                .terminal_name()?
                .unwrap_or_else(crate::cli::paths::host_name),
        },
        terminal_flag: args.terminal.clone(),
        lang,
        idle_timeout_ms: i64::from(args.idle_timeout) * 1000,
        pin_set: store.has_pin()?,
        lockout: store.pin_lockout()?,
        theme: crate::cli::theme_from_env(args.theme),
    };
    let _daily = DailyPurge::start(store.clone());
    match run(&store, setup) {
        Ok(Ended::Left) => Ok(()),
        Ok(Ended::Signal(n)) => Err(CliError::reported(Exit::Signal(n))),
        Err(e) => Err(CliError::new(
            Exit::Usage,
            format!("the terminal failed: {e}."),
        )),
    }
}

/// Applies `delete_after` again whenever the day changes while the kiosk
/// runs (checked every ten minutes); stops when dropped.
struct DailyPurge {
    stop: Option<std::sync::mpsc::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl DailyPurge {
    fn start(store: Arc<Store>) -> DailyPurge {
        let (stop, stopped) = std::sync::mpsc::channel::<()>();
        let thread = std::thread::Builder::new()
            .name("delete_after".into())
            .spawn(move || {
                let now = || jiff::Timestamp::now().as_millisecond();
                let mut day = crate::cli::local_day(now());
                while let Err(std::sync::mpsc::RecvTimeoutError::Timeout) =
                    stopped.recv_timeout(std::time::Duration::from_secs(600))
                {
                    let today = crate::cli::local_day(now());
                    if today != day {
                        day = today;
                        crate::cli::purge_passed_prizes(&store, now());
                    }
                }
            })
            .map_err(|e| tracing::warn!("cannot start the daily delete_after check: {e}"))
            .ok();
        DailyPurge {
            stop: Some(stop),
            thread,
        }
    }
}

impl Drop for DailyPurge {
    fn drop(&mut self) {
        drop(self.stop.take());
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn not_offered(id: &str, l: Lang) -> CliError {
    CliError::new(
        Exit::Usage,
        format!("survey `{id}` is not offered in `{l}`."),
    )
    .with_hint("leave out --lang, or add the language to the survey file")
}

/// What `--survey` asks for, checked before the store is opened.
enum Wanted {
    /// A valid survey file: the survey and its text.
    File(Box<Survey>, String),
    /// A stored survey's id.
    Id(String),
    /// The active survey (or the demo on a brand-new store).
    Active,
}

/// Reads and checks a survey file given to `--survey` (and `--lang`
/// against its languages), storing nothing.
fn wanted_survey(args: &KioskArgs, lang: Option<Lang>) -> Result<Wanted, CliError> {
    let Some(given) = &args.survey else {
        return Ok(Wanted::Active);
    };
    let path = Path::new(given);
    if !(given.ends_with(".toml") || path.is_file()) {
        return Ok(Wanted::Id(given.clone()));
    }
    let file = survey_file::read(path);
    match file.outcome {
        Ok((survey, source)) => {
            if let Some(l) = lang.filter(|l| !survey.languages.contains(l)) {
                return Err(not_offered(&survey.id, l));
            }
            Ok(Wanted::File(Box::new(survey), source))
        }
        Err(failure) => {
            // anstream drops the styles when stderr is not a terminal
            // or NO_COLOR is set, as `validate` does.
            let _ =
                std::io::Write::write_all(&mut anstream::stderr().lock(), failure.text.as_bytes());
            Err(CliError::invalid(format!(
                "{} is not a valid survey; the kiosk did not start.",
                file.name
            )))
        }
    }
}

/// The survey to show: a file (loaded), an id, the active one, or on a
/// brand-new store the built-in demo.
fn choose_survey(store: &Store, wanted: Wanted, ctx: &Context) -> Result<String, CliError> {
    match wanted {
        Wanted::File(survey, source) => {
            store.load(&survey, &source, ctx.now_ms)?;
            return Ok(survey.id);
        }
        Wanted::Id(id) => return Ok(id),
        Wanted::Active => {}
    }
    if let Some(active) = store.active()? {
        return Ok(active);
    }
    let demo = survey_from_str(DEMO_SOURCE).map_err(|_| {
        CliError::new(
            Exit::Invalid,
            "the built-in demo survey is invalid (a bug in kioski).",
        )
    })?;
    store.load(&demo, DEMO_SOURCE, ctx.now_ms)?;
    Ok(demo.id)
}
