//! `kioski pin set`: the admin PIN that unlocks the kiosk.

use std::io::{BufRead, IsTerminal};

use clap::{Args, Subcommand};
use rand::RngExt;

use crate::cli::out::outln;
use crate::cli::{CliError, Context, Exit};
use crate::core::pin;

/// Manage the admin PIN.
#[derive(Debug, Args)]
pub struct PinArgs {
    #[command(subcommand)]
    pub command: PinCommand,
}

#[derive(Debug, Subcommand)]
pub enum PinCommand {
    /// Set the admin PIN (asked twice without echo on a terminal, or one
    /// line from standard input): at least 6 digits. Only
    /// an argon2id hash is stored, and the count of wrong PINs starts over.
    #[command(after_help = "Examples:\n  kioski pin set\n  echo 482913 | kioski pin set")]
    Set,
}

pub fn run(args: &PinArgs, ctx: &Context) -> Result<(), CliError> {
    match args.command {
        PinCommand::Set => set(ctx),
    }
}

fn set(ctx: &Context) -> Result<(), CliError> {
    let pin = read_pin()?;
    let salt: [u8; 16] = rand::rng().random();
    // A PIN that breaks the rules is a usage error, found before the
    // store is opened: nothing is stored.
    let hash = pin::hash(&pin, &salt).map_err(|e| {
        CliError::new(Exit::Usage, format!("{e}; nothing was changed."))
            .with_hint("choose a PIN of 6 to 64 digits and run `kioski pin set` again")
    })?;
    let store = ctx.open_store("pin set")?;
    store.set_pin_hash(&hash)?;
    outln!("The admin PIN is set.")?;
    Ok(())
}

fn read_pin() -> Result<String, CliError> {
    let io_error =
        |e: std::io::Error| CliError::new(Exit::Usage, format!("cannot read the PIN: {e}."));
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("New admin PIN: ").map_err(io_error)?;
        let second = rpassword::prompt_password("The same PIN again: ").map_err(io_error)?;
        if first != second {
            return Err(
                CliError::new(Exit::Usage, "the two PINs differ; nothing was changed.")
                    .with_hint("run `kioski pin set` again"),
            );
        }
        Ok(first)
    } else {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(io_error)?;
        Ok(line.trim_end_matches(['\r', '\n']).to_owned())
    }
}
