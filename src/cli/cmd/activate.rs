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
    let version = access.read().shown(&args.id)?;
    outln!(
        "`{}` is now active (version {}).",
        args.id,
        version.hash.short()
    )?;
    // A kiosk started with `--survey` keeps its survey until it stops.
    if let Some(shown) = access.read().active()?.filter(|a| *a != args.id) {
        outln!(
            "The running kiosk was started with --survey {shown} and shows it until it is restarted."
        )?;
    }
    Ok(())
}
