//! The command line: arguments, one module per command, and exit codes.

mod args;
mod cmd;
mod exit;
pub mod report;

use std::process::ExitCode;

use clap::Parser as _;

pub use args::{Cli, Command};
pub use exit::Exit;

/// Runs kioski with the process's arguments and returns its exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let exit = match cli.command {
        Command::Validate(args) => cmd::validate::run(&args),
    };
    exit.into()
}
