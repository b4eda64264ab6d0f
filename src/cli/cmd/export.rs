//! `kioski export`: one row per response, as CSV or JSON Lines.

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, ValueEnum};

use crate::cli::out::noteln;
use crate::cli::{CliError, Context, write_atomically};
use crate::core::sanitize::plural;
use crate::store::export::{self, Format as StoreFormat};

/// Export responses: one row per response, one column per question
/// (multi: one 0/1 column per option; ranking: one column per rank).
///
/// Text cells that a spreadsheet would run as a formula are prefixed with
/// `'`. With --out the file appears only when complete.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  kioski export --survey palvelupiste --format csv --out palaute.csv\n  kioski export --survey palvelupiste --format csv --excel --out palaute-excel.csv\n  kioski export --survey pulssi --format jsonl | jq ."
)]
pub struct ExportArgs {
    /// The survey (default: the active one).
    #[arg(long, value_name = "ID")]
    pub survey: Option<String>,

    /// The file format: one row (CSV) or one object (JSON Lines) per response.
    #[arg(long, value_enum, default_value_t = Format::Csv)]
    pub format: Format,

    /// CSV for Finnish Excel: `;` separator, UTF-8 byte-order mark, local times.
    #[arg(long)]
    pub excel: bool,

    /// Write here instead of standard output.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// RFC 4180 comma-separated values.
    Csv,
    /// One JSON object per line.
    Jsonl,
}

pub fn run(args: &ExportArgs, ctx: &Context) -> Result<(), CliError> {
    let format = match (args.format, args.excel) {
        (Format::Csv, false) => StoreFormat::Csv,
        (Format::Csv, true) => StoreFormat::ExcelCsv,
        (Format::Jsonl, false) => StoreFormat::Jsonl,
        (Format::Jsonl, true) => {
            return Err(
                CliError::new(crate::cli::Exit::Usage, "--excel goes with --format csv.")
                    .with_hint("leave out --excel, or use --format csv"),
            );
        }
    };
    let access = ctx.access("export")?;
    let store = access.read();
    let id = ctx.survey_or_active(store, args.survey.as_deref())?;
    match &args.out {
        Some(path) => {
            let rows = write_atomically(path, |w| Ok(export::export(store, &id, format, w)?))?;
            noteln!(
                "Wrote {} of `{id}` to {}.",
                plural(rows, "response"),
                path.display()
            );
        }
        None => {
            let mut out = crate::cli::out::raw();
            export::export(store, &id, format, &mut out)?;
            out.flush()
                .map_err(|e| CliError::from(export::ExportError::Io(e)))?;
        }
    }
    Ok(())
}
