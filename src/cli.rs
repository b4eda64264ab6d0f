//! The command line: arguments, one module per command, and exit codes.
//! The only layer that reads the environment and the clock.

mod args;
mod cmd;
/// `kioski report` in process, for tests comparing another view's report with it.
#[cfg(test)]
pub(crate) use cmd::{
    kiosk::LangArg,
    report::{ReportArgs, run as report},
};
pub mod confirm;
mod error;
mod exit;
mod logging;
pub mod out;
mod paths;
pub mod report;
mod survey_file;

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::process::ExitCode;

use clap::Parser as _;
use jiff::Timestamp;
use jiff::tz::TimeZone;

pub use args::{Cli, Command};
pub use error::CliError;
pub use exit::Exit;

use crate::remote::Access;
use crate::store::{ReadStore, Store};

/// Runs kioski with the process's arguments and returns its exit code.
pub fn main() -> ExitCode {
    private_umask();
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let _ = anstream::stderr().lock().write_all(e.render().as_bytes());
            e.exit.into()
        }
    }
}

/// Every file and directory kioski creates from here on, sled's included,
/// is its user's alone (0600 / 0700): the store holds answers and contact
/// details, and exports and bundles carry them.
fn private_umask() {
    #[cfg(unix)]
    rustix::process::umask(rustix::fs::Mode::from_raw_mode(0o077));
}

fn run(cli: Cli) -> Result<(), CliError> {
    // The kiosk's options sit at the top level for plain `kioski`; with
    // another command they would be silently ignored, so they are refused.
    if cli.command.is_some() && cli.kiosk.any_given() {
        return Err(CliError::new(
            Exit::Usage,
            "kiosk options go with `kioski` or `kioski kiosk`, not another command.",
        )
        .with_hint("put --survey, --terminal, --idle-timeout and --lang after `kioski kiosk`"));
    }
    let ctx = Context {
        store_flag: cli.store,
        now_ms: Timestamp::now().as_millisecond(),
        runtime_dir: std::env::var_os("XDG_RUNTIME_DIR")
            .map(std::path::PathBuf::from)
            .filter(|p| p.is_absolute()),
    };
    match &cli.command {
        None => cmd::kiosk::run_kiosk(&cli.kiosk, &ctx),
        Some(Command::Kiosk(args)) => cmd::kiosk::run_kiosk(args, &ctx),
        Some(Command::Validate(args)) => cmd::validate::run(args),
        Some(Command::Load(args)) => cmd::load::run(args, &ctx),
        Some(Command::Surveys(args)) => cmd::surveys::run(args, &ctx),
        Some(Command::Activate(args)) => cmd::activate::run(args, &ctx),
        Some(Command::Simulate(args)) => cmd::simulate::run(args, &ctx),
        Some(Command::Tally(args)) => cmd::tally::run(args, &ctx),
        Some(Command::Export(args)) => cmd::export::run(args, &ctx),
        Some(Command::Report(args)) => cmd::report::run(args, &ctx),
        Some(Command::Bundle(args)) => cmd::bundle::run(args, &ctx),
        Some(Command::Pin(args)) => cmd::pin::run(args, &ctx),
        Some(Command::Admin(args)) => cmd::admin::run(args, &ctx),
        Some(Command::Delete(args)) => cmd::delete::run(args, &ctx),
        Some(Command::Prize(args)) => cmd::prize::run(args, &ctx),
        Some(Command::Backup(args)) => cmd::backup::run(args, &ctx),
        Some(Command::Restore(args)) => cmd::restore::run(args, &ctx),
        Some(Command::Check(args)) => cmd::check::run(args, &ctx),
        Some(Command::Sync(args)) => cmd::sync::run(args, &ctx),
    }
}

/// What every command may need from outside: where the store is, and now.
pub struct Context {
    store_flag: Option<std::path::PathBuf>,
    pub now_ms: i64,
    /// `$XDG_RUNTIME_DIR`: where the socket of a store too deep for a
    /// Unix socket path goes.
    pub runtime_dir: Option<std::path::PathBuf>,
}

impl Context {
    /// A context on the store at `store`, at the time `now_ms` (tests that
    /// compare a command's output with another view's).
    #[cfg(test)]
    pub(crate) fn at(store: std::path::PathBuf, now_ms: i64) -> Context {
        Context {
            store_flag: Some(store),
            now_ms,
            runtime_dir: None,
        }
    }

    /// Serves `store` on its socket for `command` (see `remote::serve`).
    pub fn serve(
        &self,
        store: &std::sync::Arc<Store>,
        command: &str,
    ) -> std::io::Result<crate::remote::Server> {
        crate::remote::serve(store.clone(), command, self.runtime_dir.as_deref())
    }

    /// [`Context::serve`] with a [`crate::remote::Role`].
    pub fn serve_as(
        &self,
        store: &std::sync::Arc<Store>,
        command: &str,
        role: crate::remote::Role,
    ) -> std::io::Result<crate::remote::Server> {
        crate::remote::serve_as(store.clone(), command, role, self.runtime_dir.as_deref())
    }

    /// Opens the store for a starting kiosk: a clerk's view that owns it
    /// hands it over (see `remote::open_for_kiosk`).
    pub fn open_kiosk_store(&self) -> Result<Store, CliError> {
        let store = self.in_store_dir(|dir| crate::remote::open_for_kiosk(dir, "kiosk"))?;
        purge_passed_prizes(&store, self.now_ms);
        Ok(store)
    }

    /// A clerk's view on the store (see `remote::View`).
    pub fn view(&self, command: &str) -> Result<crate::remote::View, CliError> {
        let view = self.in_store_dir(|dir| {
            crate::remote::View::open(dir, command, self.runtime_dir.as_deref())
        })?;
        if let Access::Local(store) = view.access() {
            purge_passed_prizes(store, self.now_ms);
        }
        Ok(view)
    }

    /// Opens the store for `command`, which other processes will see as
    /// its owner while it runs.
    pub fn open_store(&self, command: &str) -> Result<Store, CliError> {
        let store = self.in_store_dir(|dir| Store::open(dir, command))?;
        purge_passed_prizes(&store, self.now_ms);
        Ok(store)
    }

    /// The surveys as listed at the store's last close, while that list
    /// still holds (`store::listing`), with the store's directory; `None`:
    /// reach the store instead.
    pub fn listed_surveys(
        &self,
    ) -> Option<(std::path::PathBuf, Vec<crate::store::listing::ListedSurvey>)> {
        let dir = paths::store_dir(self.store_flag.clone()).ok()?;
        let listed = crate::store::listing::listed(&dir.path, "surveys", local_day(self.now_ms))?;
        Some((dir.path, listed))
    }

    /// Reaches the store for `command`: through the process that owns it
    /// (a running kiosk) if one answers, else by owning it while it runs.
    /// (An owner applies `delete_after` itself.)
    pub fn access(&self, command: &str) -> Result<Access, CliError> {
        let access = self.in_store_dir(|dir| Access::open(dir, command))?;
        if let Access::Local(store) = &access {
            purge_passed_prizes(store, self.now_ms);
        }
        Ok(access)
    }

    /// Runs `open` on the store directory; a store problem says where
    /// the directory came from.
    fn in_store_dir<T>(
        &self,
        open: impl FnOnce(&Path) -> Result<T, crate::store::StoreError>,
    ) -> Result<T, CliError> {
        let dir = paths::store_dir(self.store_flag.clone())?;
        open(&dir.path).map_err(|e| {
            let mut err = CliError::from(e);
            if err.exit == Exit::Store {
                err.note = Some(format!("the store directory was chosen by {}", dir.from));
            }
            err
        })
    }

    /// This machine's offset from UTC now, in milliseconds.
    pub fn utc_offset_ms(&self) -> i64 {
        Timestamp::from_millisecond(self.now_ms)
            .map(|t| i64::from(TimeZone::system().to_offset(t).seconds()) * 1000)
            .unwrap_or(0)
    }

    /// `id`, or the active survey when none is given.
    pub fn survey_or_active(
        &self,
        store: &dyn ReadStore,
        id: Option<&str>,
    ) -> Result<String, CliError> {
        match id {
            Some(id) => Ok(id.to_owned()),
            None => store.active()?.ok_or_else(|| {
                CliError::invalid("no survey is active, and none was named.")
                    .with_hint("name one with --survey ID, or load one with `kioski load FILE`")
            }),
        }
    }
}

/// The local day of `now_ms`.
pub fn local_day(now_ms: i64) -> jiff::civil::Date {
    Timestamp::from_millisecond(now_ms)
        .map(|t| t.to_zoned_datetime(TimeZone::system()).date())
        .unwrap_or_default()
}

/// Purges the prize-draw entries of every survey whose `delete_after`
/// day has passed (the store's owner does this on every open, and a
/// kiosk daily). A failure is logged; the command goes on.
pub fn purge_passed_prizes(store: &Store, now_ms: i64) {
    match store.apply_prize_deadlines(local_day(now_ms)) {
        Ok(done) => {
            for (survey, entries) in done {
                tracing::info!(%survey, entries, "delete_after passed: prize-draw entries purged");
            }
        }
        Err(e) => tracing::warn!("cannot apply delete_after to the prize draw: {e}"),
    }
}

/// `--theme`: how the full-screen views are coloured (`ui::theme::Scheme`
/// says what each looks like; no doc comments here, so `--help` stays one
/// line per argument).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ThemeArg {
    Dark,
    Light,
    Contrast,
    Mono,
}

/// `--theme` if given (even with `NO_COLOR` set); else mono when `NO_COLOR` is set or the terminal is
/// dumb, else dark. The colour themes paint their own background, so the
/// default looks the same on a light and a dark terminal. Big text except
/// on the Linux console, whose font lacks the block characters.
pub fn theme_from_env(arg: Option<ThemeArg>) -> crate::ui::theme::Theme {
    use crate::ui::theme::Scheme;
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let term = std::env::var("TERM").unwrap_or_default();
    let scheme = match arg {
        Some(ThemeArg::Dark) => Scheme::Dark,
        Some(ThemeArg::Light) => Scheme::Light,
        Some(ThemeArg::Contrast) => Scheme::Contrast,
        Some(ThemeArg::Mono) => Scheme::Mono,
        None if no_color || term == "dumb" => Scheme::Mono,
        None => Scheme::Dark,
    };
    crate::ui::term::allow_colour(scheme != Scheme::Mono);
    crate::ui::theme::Theme {
        scheme,
        big_text: term != "linux" && term != "dumb",
    }
}

/// A Unix time in milliseconds as local `YYYY-MM-DD HH:MM`.
pub use crate::remote::exports::local_time;

/// `YYYY-MM-DD` (local midnight) or an RFC 3339 time, as Unix milliseconds.
pub fn parse_date(text: &str) -> Result<i64, CliError> {
    if let Ok(t) = text.parse::<Timestamp>() {
        return Ok(t.as_millisecond());
    }
    text.parse::<jiff::civil::Date>()
        .ok()
        .and_then(|d| d.to_zoned_datetime(TimeZone::system()).ok())
        .map(|z| z.timestamp().as_millisecond())
        .ok_or_else(|| {
            CliError::new(
                Exit::Usage,
                format!("`{}` is not a date.", crate::core::sanitize::escape(text)),
            )
            .with_hint("write a day as YYYY-MM-DD, e.g. 2026-01-31")
        })
}

/// Writes a file so that it appears only when complete (see
/// `store::atomic`), with the CLI's message for a file it cannot write.
pub fn write_atomically<T>(
    path: &Path,
    write: impl FnOnce(&mut BufWriter<File>) -> Result<T, CliError>,
) -> Result<T, CliError> {
    let io_error =
        |e: std::io::Error| CliError::invalid(format!("cannot write {}: {e}.", path.display()));
    crate::store::atomic::write_file(path, io_error, write)
}

/// The language of the live and admin views: `--lang`, else the locale
/// (`LC_ALL`, then `LC_MESSAGES`, then `LANG`: the first set and not
/// empty decides), else none (English words, the survey's first language).
pub fn view_lang(arg: Option<cmd::kiosk::LangArg>) -> Option<crate::core::survey::Lang> {
    if let Some(l) = arg {
        return Some(l.into());
    }
    locale_lang()
}

/// The language `LC_ALL`, `LC_MESSAGES` or `LANG` names (the first set,
/// non-empty one); none for another language or `C`.
pub fn locale_lang() -> Option<crate::core::survey::Lang> {
    let vars = ["LC_ALL", "LC_MESSAGES", "LANG"].map(|v| std::env::var(v).ok());
    lang_of_locale(&vars)
}

/// The language part of the first set, non-empty locale of `vars`
/// (`fi_FI.UTF-8` is Finnish); none when it is another language (or `C`).
fn lang_of_locale(vars: &[Option<String>]) -> Option<crate::core::survey::Lang> {
    let locale = vars.iter().flatten().find(|v| !v.is_empty())?;
    let part = locale
        .split(['_', '.', '@', '-'])
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    crate::core::survey::Lang::from_code(&part)
}

#[cfg(test)]
mod view_lang_tests {
    use super::lang_of_locale;
    use crate::core::survey::Lang;

    fn of(vars: [Option<&str>; 3]) -> Option<Lang> {
        lang_of_locale(&vars.map(|v| v.map(str::to_owned)))
    }

    #[test]
    fn the_first_set_locale_decides() {
        assert_eq!(of([None, None, Some("fi_FI.UTF-8")]), Some(Lang::Fi));
        assert_eq!(
            of([None, Some("sv_FI.UTF-8"), Some("fi_FI.UTF-8")]),
            Some(Lang::Sv)
        );
        assert_eq!(
            of([Some("en_GB.UTF-8"), Some("sv_FI"), Some("fi_FI")]),
            Some(Lang::En)
        );
        assert_eq!(of([Some(""), None, Some("sv_SE@euro")]), Some(Lang::Sv));
        assert_eq!(of([None, None, Some("fi")]), Some(Lang::Fi));
    }

    #[test]
    fn another_language_or_none_is_english_words() {
        assert_eq!(of([None, None, None]), None);
        assert_eq!(of([None, None, Some("C.UTF-8")]), None);
        assert_eq!(of([None, None, Some("POSIX")]), None);
        // The first set one decides, even when it is not ours.
        assert_eq!(of([Some("de_DE.UTF-8"), None, Some("fi_FI.UTF-8")]), None);
    }
}
