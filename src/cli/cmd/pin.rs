//! `kioski pin set`, `pin change`, `pin clear`: the admin PIN that
//! unlocks the kiosk, for its whole life. Each works on a store of its
//! own or through a running kiosk, which takes the change at its next
//! welcome screen. A PIN comes from the terminal (without echo), from a
//! private `--pin-file`, or as one line of standard input otherwise; never
//! from the command line, where the shell's history would keep it.

use std::io::{BufRead, IsTerminal, Read};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use rand::RngExt;

use crate::cli::out::outln;
use crate::cli::{CliError, Context, Exit};
use crate::core::pin::{self, PinCheck};
use crate::core::sanitize::plural;

/// Manage the admin PIN.
#[derive(Debug, Args)]
pub struct PinArgs {
    #[command(subcommand)]
    pub command: PinCommand,
}

#[derive(Debug, Subcommand)]
pub enum PinCommand {
    /// Set the admin PIN: 6 to 64 digits, asked twice without echo on a
    /// terminal (or from --pin-file, or one line of standard input). Only
    /// an argon2id hash is stored, and the count of wrong PINs starts
    /// over. Through a running kiosk only in demo mode (no PIN set yet).
    #[command(
        after_help = "Examples:\n  kioski pin set\n  kioski pin set --pin-file ~/.config/kioski/pin"
    )]
    Set(SetArgs),
    /// Change the admin PIN: the current one first, then the new one
    /// twice. A wrong current PIN changes nothing and counts toward the
    /// lockout, like one typed at the kiosk.
    #[command(
        after_help = "Examples:\n  kioski pin change\n  kioski pin change --old-pin-file old.pin --pin-file new.pin"
    )]
    Change(ChangeArgs),
    /// Remove the admin PIN, back to demo mode (the kiosk shows a banner
    /// and Ctrl-C quits it): asks for the PIN first, and a wrong one
    /// counts toward the lockout.
    #[command(
        after_help = "Examples:\n  kioski pin clear\n  kioski pin clear --pin-file admin.pin"
    )]
    Clear(ClearArgs),
}

#[derive(Debug, Args)]
pub struct SetArgs {
    /// Read the new PIN from the first line of FILE, a regular file only
    /// its owner can read (chmod 600), instead of the terminal.
    #[arg(long, value_name = "FILE")]
    pub pin_file: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ChangeArgs {
    /// Read the current PIN from the first line of FILE (chmod 600)
    /// instead of the terminal.
    #[arg(long, value_name = "FILE")]
    pub old_pin_file: Option<PathBuf>,
    /// Read the new PIN from the first line of FILE (chmod 600) instead
    /// of the terminal.
    #[arg(long, value_name = "FILE")]
    pub pin_file: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ClearArgs {
    /// Read the PIN from the first line of FILE (chmod 600) instead of
    /// the terminal.
    #[arg(long, value_name = "FILE")]
    pub pin_file: Option<PathBuf>,
}

pub fn run(args: &PinArgs, ctx: &Context) -> Result<(), CliError> {
    match &args.command {
        PinCommand::Set(a) => set(a, ctx),
        PinCommand::Change(a) => change(a, ctx),
        PinCommand::Clear(a) => clear(a, ctx),
    }
}

fn set(args: &SetArgs, ctx: &Context) -> Result<(), CliError> {
    // Every PIN is read and checked before the store is reached: a PIN
    // that breaks the rules stores nothing.
    let hash = new_hash(&read_new(args.pin_file.as_deref(), "pin set")?, "pin set")?;
    let access = ctx.access("pin set")?;
    if !access.set_pin(&hash)? {
        let owner = match &access {
            crate::remote::Access::Remote(client) => client.owner().to_owned(),
            crate::remote::Access::Local(_) => "this command".to_owned(),
        };
        return Err(CliError::new(
            Exit::Invalid,
            format!(
                "an admin PIN is set already, and {owner} serves the store; nothing was changed."
            ),
        )
        .with_hint("change it with `kioski pin change`, or remove it with `kioski pin clear`"));
    }
    outln!("The admin PIN is set.")?;
    Ok(())
}

fn change(args: &ChangeArgs, ctx: &Context) -> Result<(), CliError> {
    let old = read_current(args.old_pin_file.as_deref(), "Current admin PIN: ")?;
    let hash = new_hash(
        &read_new(args.pin_file.as_deref(), "pin change")?,
        "pin change",
    )?;
    let access = ctx.access("pin change")?;
    match access.change_pin(&old, Some(&hash), now_ms())? {
        PinCheck::Right => {
            outln!("The admin PIN is changed.")?;
            Ok(())
        }
        PinCheck::NoPin => Err(CliError::new(
            Exit::Invalid,
            "no admin PIN is set, so there is none to change; nothing was changed.",
        )
        .with_hint("set one with `kioski pin set`")),
        refused => Err(refusal(refused, "pin change")),
    }
}

fn clear(args: &ClearArgs, ctx: &Context) -> Result<(), CliError> {
    let old = read_current(args.pin_file.as_deref(), "Admin PIN: ")?;
    let access = ctx.access("pin clear")?;
    match access.change_pin(&old, None, now_ms())? {
        PinCheck::Right => {
            outln!("The admin PIN is removed: the kiosk runs in demo mode.")?;
            Ok(())
        }
        PinCheck::NoPin => {
            outln!("No admin PIN is set: the kiosk runs in demo mode already.")?;
            Ok(())
        }
        refused => Err(refusal(refused, "pin clear")),
    }
}

fn now_ms() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}

/// A wrong PIN, or a locked prompt, as an error that says where the
/// count stands.
fn refusal(check: PinCheck, command: &str) -> CliError {
    let message = match check {
        PinCheck::Wrong {
            locked_for_ms: Some(wait),
            ..
        } => format!(
            "the PIN is wrong, and {} in a row lock the prompt for {} s; nothing was changed.",
            plural(pin::PIN_TRIES, "wrong PIN"),
            wait / 1000
        ),
        PinCheck::Wrong { lockout, .. } => format!(
            "the PIN is wrong ({} in a row; {} lock the prompt); nothing was changed.",
            plural(lockout.failures, "wrong PIN"),
            pin::PIN_TRIES
        ),
        PinCheck::Locked { lockout } => {
            let left = lockout
                .until_ms
                .map_or(0, |t| (t - now_ms()).max(0) / 1000 + 1);
            format!(
                "too many wrong PINs: the prompt is locked for {} s more; nothing was changed.",
                left
            )
        }
        PinCheck::Right | PinCheck::NoPin => "the PIN was not checked.".to_owned(),
    };
    CliError::new(Exit::Invalid, message)
        .with_hint(format!("run `kioski {command}` again with the right PIN"))
}

/// Checks a new PIN against the rules and hashes it with a fresh salt.
fn new_hash(pin: &str, command: &str) -> Result<String, CliError> {
    let salt: [u8; 16] = rand::rng().random();
    pin::hash(pin, &salt).map_err(|e| {
        CliError::new(Exit::Usage, format!("{e}; nothing was changed.")).with_hint(format!(
            "choose a PIN of {} to {} digits and run `kioski {command}` again",
            pin::MIN_PIN_LEN,
            pin::MAX_PIN_LEN
        ))
    })
}

fn io_error(e: std::io::Error) -> CliError {
    CliError::new(Exit::Usage, format!("cannot read the PIN: {e}."))
}

/// A new PIN: from the file, asked twice on a terminal, or one line of
/// standard input.
fn read_new(file: Option<&Path>, command: &str) -> Result<String, CliError> {
    if let Some(file) = file {
        return read_pin_file(file);
    }
    if !std::io::stdin().is_terminal() {
        return read_line();
    }
    let first = rpassword::prompt_password("New admin PIN: ").map_err(io_error)?;
    let second = rpassword::prompt_password("The same PIN again: ").map_err(io_error)?;
    if first != second {
        return Err(
            CliError::new(Exit::Usage, "the two PINs differ; nothing was changed.")
                .with_hint(format!("run `kioski {command}` again")),
        );
    }
    Ok(first)
}

/// The PIN set now: from the file, asked once on a terminal, or one line
/// of standard input.
fn read_current(file: Option<&Path>, prompt: &str) -> Result<String, CliError> {
    match file {
        Some(file) => read_pin_file(file),
        None if std::io::stdin().is_terminal() => {
            rpassword::prompt_password(prompt).map_err(io_error)
        }
        None => read_line(),
    }
}

/// One line of standard input, without its line break (standard input's
/// buffer is shared, so a second call reads the next line).
fn read_line() -> Result<String, CliError> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .take(1024)
        .read_line(&mut line)
        .map_err(io_error)?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

/// The first and only line of a PIN file: a regular file (never a FIFO
/// or a device that could block) that no one but its owner can read or
/// write, as ssh asks of a key.
fn read_pin_file(path: &Path) -> Result<String, CliError> {
    let shown = path.display();
    let file = crate::store::open_regular_file(path).map_err(|e| {
        CliError::new(
            Exit::Usage,
            format!("cannot read the PIN file {shown}: {e}."),
        )
        .with_hint("name a regular file holding the PIN on one line")
    })?;
    let mode = file.metadata().map_err(io_error)?.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err(CliError::new(
            Exit::Usage,
            format!("the PIN file {shown} is open to others (mode {mode:o}); nothing was changed."),
        )
        .with_hint(format!(
            "make it private with `chmod 600 {shown}`, then run the command again"
        )));
    }
    let mut text = String::new();
    file.take(1024).read_to_string(&mut text).map_err(|e| {
        CliError::new(
            Exit::Usage,
            format!("cannot read the PIN file {shown}: {e}."),
        )
    })?;
    let text = text.strip_suffix('\n').unwrap_or(&text);
    let text = text.strip_suffix('\r').unwrap_or(text);
    if text.contains('\n') {
        return Err(CliError::new(
            Exit::Usage,
            format!("the PIN file {shown} holds more than one line; nothing was changed."),
        )
        .with_hint("put the PIN alone on the file's first line"));
    }
    Ok(text.to_owned())
}
