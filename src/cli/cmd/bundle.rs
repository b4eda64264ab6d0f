//! `kioski bundle export|import`: move responses between terminals.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use crate::cli::out::outln;
use crate::cli::{CliError, Context, parse_date};
use crate::remote::BundleSpec;
use crate::store::bundle;

/// Move responses, and the survey versions they answer, between terminals.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  kioski bundle export --out kirjasto-1.kioski\n  kioski bundle import kirjasto-1.kioski kirjasto-2.kioski"
)]
pub struct BundleArgs {
    #[command(subcommand)]
    pub command: BundleCommand,
}

#[derive(Debug, Subcommand)]
pub enum BundleCommand {
    Export(ExportArgs),
    Import(ImportArgs),
}

/// Write a bundle file of this store's responses.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  kioski bundle export --out kirjasto-1.kioski\n  kioski bundle export --survey pulssi --since 2026-01-01 --out pulssi-2026.kioski"
)]
pub struct ExportArgs {
    /// The bundle file to write.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,

    /// Only these surveys (repeatable; default: all).
    #[arg(long = "survey", value_name = "ID")]
    pub surveys: Vec<String>,

    /// Only responses submitted on or after this day (YYYY-MM-DD, local time).
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,

    /// Also carry the prize-draw entries (contact details) of these
    /// surveys, so one draw covers every terminal. Off by default: the
    /// contacts leave this terminal only when asked to.
    #[arg(long)]
    pub prizes: bool,
}

/// Import bundle files. Each file is checked whole before anything is
/// written; responses already present are skipped, so importing the same
/// bundle twice adds nothing.
#[derive(Debug, Args)]
#[command(after_help = "Example:\n  kioski bundle import kirjasto-1.kioski kirjasto-2.kioski")]
pub struct ImportArgs {
    /// Bundle files made by `kioski bundle export` on any terminal.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
}

pub fn run(args: &BundleArgs, ctx: &Context) -> Result<(), CliError> {
    match &args.command {
        BundleCommand::Export(a) => export(a, ctx),
        BundleCommand::Import(a) => import(a, ctx),
    }
}

fn export(args: &ExportArgs, ctx: &Context) -> Result<(), CliError> {
    let since = args.since.as_deref().map(parse_date).transpose()?;
    let access = ctx.access("bundle export")?;
    let spec = BundleSpec {
        surveys: args.surveys.clone(),
        since_ms: since,
        prizes: args.prizes,
    };
    let done = access.export_bundle(&spec, &args.out, ctx.now_ms)?;
    outln!("{done}")?;
    Ok(())
}

fn import(args: &ImportArgs, ctx: &Context) -> Result<(), CliError> {
    // Every file is verified before the store is opened or changed.
    let mut verified = Vec::new();
    for path in &args.files {
        let v = bundle::read_verified(path)
            .map_err(|e| CliError::from(e).prefixed(&format!("{}: ", path.display())))?;
        verified.push((path, v));
    }
    let access = ctx.access("bundle import")?;
    for (path, v) in verified {
        let done = access.import_bundle(path, v, ctx.now_ms)?;
        outln!("{done}")?;
    }
    Ok(())
}
