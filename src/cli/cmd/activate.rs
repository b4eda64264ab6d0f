//! `kioski activate ID`: choose the survey the kiosk shows.

use clap::Args;

use crate::cli::out::outln;
use crate::cli::{CliError, Context};

/// Choose which stored survey the kiosk shows (its newest version).
#[derive(Debug, Args)]
#[command(after_help = "Example:\n  kioski activate pulssi")]
pub struct ActivateArgs {
    /// The survey id, as `kioski surveys` lists it.
    pub id: String,
}

pub fn run(args: &ActivateArgs, ctx: &Context) -> Result<(), CliError> {
    let access = ctx.access("activate")?;
    access.activate(&args.id)?;
    let version = access.read().latest(&args.id)?;
    outln!(
        "`{}` is now active (version {}).",
        args.id,
        version.hash.short()
    )?;
    Ok(())
}
