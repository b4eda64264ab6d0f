//! Command-line arguments (clap derive); each command's own arguments live
//! beside its code in `cmd/`.

use clap::{Parser, Subcommand};

use super::cmd::validate::ValidateArgs;

/// A terminal survey kiosk and tally tool.
#[derive(Debug, Parser)]
#[command(name = "kioski", version, about, long_about = None)]
#[command(after_help = "Example:\n  kioski validate surveys/*.toml")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    Validate(ValidateArgs),
}
