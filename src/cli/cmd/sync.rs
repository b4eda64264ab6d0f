//! `kioski sync`: send the store's responses to PostgreSQL now (`--to
//! URL`, or the stored target), and `sync set URL` / `sync off` /
//! `sync status` for the kiosk's background sync. Works on a store of its
//! own or through the kiosk that owns it (which then does the sending).
//!
//! The password never enters the store, the log or the command line: it
//! comes from `PGPASSWORD`, a password file (`PGPASSFILE`, else
//! `~/.pgpass`, libpq's format, 0600) or a prompt on the terminal.

use std::io::IsTerminal;
use std::sync::Arc;

use clap::{Args, Subcommand, ValueEnum};

use crate::cli::out::outln;
use crate::cli::{CliError, Context, Exit};
use crate::remote::Access;
use crate::sink::Target;
use crate::sync::worker::PasswordLookup;

/// Send responses to PostgreSQL, now or in the background.
#[derive(Debug, Args)]
#[command(
    args_conflicts_with_subcommands = true,
    after_help = "Examples:\n  kioski sync --to postgresql://kioski@db.example.fi/kyselyt?sslmode=verify-full\n  kioski sync set postgresql://kioski@db.example.fi/kyselyt?sslmode=require\n  kioski sync status\n  kioski sync off\n\nThe password comes from PGPASSWORD, a password file (PGPASSFILE, else\n~/.pgpass) or a prompt; it is never stored or logged."
)]
pub struct SyncArgs {
    #[command(subcommand)]
    pub command: Option<SyncCommand>,

    /// The database to send to (postgresql://USER@HOST:PORT/DB?sslmode=...);
    /// without it, the target stored by `kioski sync set`.
    #[arg(long, value_name = "URL")]
    pub to: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum SyncCommand {
    /// Store URL as the sync target: the kiosk then sends each new
    /// response within seconds while the database is reachable, and
    /// catches up when it was not. The password stays outside the store.
    #[command(
        after_help = "Example:\n  kioski sync set postgresql://kioski@db.example.fi/kyselyt?sslmode=verify-full"
    )]
    Set(SetArgs),
    /// Stop sending in the background (what was sent stays there).
    Off,
    /// The target, what waits to be sent, the last success and error.
    Status(StatusArgs),
}

#[derive(Debug, Args)]
pub struct SetArgs {
    /// postgresql://USER@HOST:PORT/DB?sslmode=... (no password in it).
    #[arg(value_name = "URL")]
    pub url: String,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Text for people, or one JSON object for scripts and monitoring.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
}

pub fn run(args: &SyncArgs, ctx: &Context) -> Result<(), CliError> {
    match &args.command {
        None => send(args.to.as_deref(), ctx),
        Some(SyncCommand::Set(a)) => set(Some(&a.url), ctx),
        Some(SyncCommand::Off) => set(None, ctx),
        Some(SyncCommand::Status(a)) => status(a.format, ctx),
    }
}

fn send(to: Option<&str>, ctx: &Context) -> Result<(), CliError> {
    let access = ctx.access("sync")?;
    let url = match to {
        Some(url) => url.to_owned(),
        None => access.sync_status()?.target.ok_or_else(|| {
            CliError::new(Exit::Usage, "no sync target is set.")
                .with_hint("give one with --to URL, or store one with `kioski sync set URL`")
        })?,
    };
    let target = Target::parse(&url).map_err(target_error)?;
    let lookup = password_lookup();
    let mut password = lookup(&target);
    loop {
        let sent = match &access {
            Access::Local(store) => {
                let bar = indicatif::ProgressBar::new_spinner();
                bar.set_style(
                    indicatif::ProgressStyle::with_template("{pos} responses sent, {per_sec}")
                        .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
                );
                let sent = crate::sync::connect_and_send(
                    store,
                    &target,
                    password.as_deref(),
                    ctx.now_ms,
                    &mut |n| bar.set_position(n),
                );
                bar.finish_and_clear();
                sent
            }
            Access::Remote(client) => client.sync_now(&target.redacted(), password.clone())?,
        };
        match sent {
            Ok(sent) => return outln!("{sent}"),
            Err(e) if e.needs_password && password.is_none() && std::io::stdin().is_terminal() => {
                let typed =
                    rpassword::prompt_password(format!("Password for {}: ", target.redacted()))
                        .map_err(|e| {
                            CliError::new(Exit::Usage, format!("cannot read the password: {e}."))
                        })?;
                password = Some(typed);
            }
            Err(e) => {
                let err = CliError::new(
                    Exit::Store,
                    format!("the sync to {} failed: {e}.", target.redacted()),
                )
                .with_hint(e.hint.clone().unwrap_or_else(|| {
                    "nothing is lost: what was not sent goes with the next sync".to_owned()
                }));
                return Err(err);
            }
        }
    }
}

fn set(url: Option<&str>, ctx: &Context) -> Result<(), CliError> {
    let redacted = url
        .map(|u| Target::parse(u).map(|t| t.redacted()))
        .transpose()
        .map_err(target_error)?;
    let access = ctx.access("sync")?;
    access.set_sync_target(redacted.as_deref())?;
    match &redacted {
        Some(t) => outln!(
            "The sync target is now {t}. The kiosk sends new responses there while it runs; `kioski sync` sends now, `kioski sync status` shows what waits."
        ),
        None => {
            outln!("Sync is off: the kiosk no longer sends responses. What was sent stays there.")
        }
    }
}

fn status(format: Format, ctx: &Context) -> Result<(), CliError> {
    let access = ctx.access("sync status")?;
    let status = access.sync_status()?;
    if format == Format::Json {
        let json = serde_json::to_string(&status)
            .map_err(|e| CliError::invalid(format!("cannot write JSON: {e}.")))?;
        return outln!("{json}");
    }
    let when = |ms: Option<i64>| {
        ms.and_then(|ms| jiff::Timestamp::from_millisecond(ms).ok())
            .map(|t| {
                t.to_zoned_datetime(jiff::tz::TimeZone::system())
                    .strftime("%Y-%m-%d %H:%M:%S")
                    .to_string()
            })
            .unwrap_or_else(|| "never".to_owned())
    };
    outln!(
        "target:        {}",
        status.target.as_deref().unwrap_or("none (sync is off)")
    )?;
    outln!(
        "waiting:       {}",
        crate::core::sanitize::plural(status.waiting, "change")
    )?;
    outln!("last success:  {}", when(status.state.last_ok_ms))?;
    outln!("sent in all:   {}", status.state.sent_total)?;
    match &status.state.last_error {
        Some(e) => outln!("last error:    {} ({e})", when(status.state.last_error_ms)),
        None => outln!("last error:    none"),
    }
}

fn target_error(e: crate::sink::TargetError) -> CliError {
    CliError::new(Exit::Usage, format!("{e}."))
}

/// The password for a target, looked up afresh each time: `PGPASSWORD`,
/// then the password file (`PGPASSFILE`, else `~/.pgpass`).
pub fn password_lookup() -> PasswordLookup {
    let from_env = std::env::var("PGPASSWORD").ok();
    let file = std::env::var_os("PGPASSFILE")
        .map(std::path::PathBuf::from)
        .or_else(|| {
            crate::sink::password::default_passfile(
                std::env::var_os("HOME")
                    .map(std::path::PathBuf::from)
                    .as_deref(),
            )
        });
    Arc::new(move |target: &Target| {
        let found = crate::sink::password::find(target, from_env.as_deref(), file.as_deref());
        if let Some(w) = &found.warning {
            tracing::warn!("{w}");
        }
        found.password
    })
}

/// Opens a synced database for reading (`tally --from`, `report
/// --from`): the password as for a sync, asked on a terminal when the
/// server wants one and none was found.
pub fn open_database(url: &str) -> Result<crate::sink::PgStore, CliError> {
    let target = Target::parse(url).map_err(target_error)?;
    let mut password = password_lookup()(&target);
    loop {
        match crate::sink::PgStore::open(&target, password.as_deref()) {
            Ok(pg) => return Ok(pg),
            Err(crate::sink::SinkError::NoPassword { .. })
                if password.is_none() && std::io::stdin().is_terminal() =>
            {
                password = Some(
                    rpassword::prompt_password(format!("Password for {}: ", target.redacted()))
                        .map_err(|e| {
                            CliError::new(Exit::Usage, format!("cannot read the password: {e}."))
                        })?,
                );
            }
            Err(e) => {
                let hint = e.hint();
                return Err(CliError::new(Exit::Store, format!("{e}.")).with_hint(hint));
            }
        }
    }
}
