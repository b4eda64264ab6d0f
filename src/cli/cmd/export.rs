//! `kioski export`: one row per response, as CSV or JSON Lines, or the
//! survey's codebook.

use std::io::Write;
use std::path::PathBuf;

use clap::{Args, ValueEnum};

use crate::cli::cmd::kiosk::LangArg;
use crate::cli::out::noteln;
use crate::cli::{CliError, Context};
use crate::core::export::{Format as StoreFormat, Labels, Options};
use crate::core::survey::Lang;
use crate::remote::Export;
use crate::store::export::ExportError;

/// Export responses: one row per response, one column per question
/// (multi: one 0/1 column per option; ranking: one column per rank).
///
/// Text cells that a spreadsheet would run as a formula are prefixed with
/// `'`. With --out the file appears only when complete.
///
/// With --labels, choice and ranking cells hold the option's label instead
/// of its id (JSON Lines too: the keys stay the column ids); headers,
/// numbers and the 0/1 of multi and yes/no columns stay as they are.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  kioski export --survey palvelupiste --format csv --out palaute.csv\n  kioski export --survey palvelupiste --format csv --excel --out palaute-excel.csv\n  kioski export --survey palvelupiste --excel --labels --lang fi --out palaute-tekstit.csv\n  kioski export --survey palvelupiste --codebook --out koodikirja.csv\n  kioski export --survey pulssi --format jsonl | jq ."
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

    /// Option labels instead of option ids.
    #[arg(long, conflicts_with = "codebook")]
    pub labels: bool,

    /// The labels' language (default: the survey's first).
    #[arg(long, value_enum, requires = "labels")]
    pub lang: Option<LangArg>,

    /// The survey's codebook instead of its responses: one CSV row per
    /// option (and per question without options), with the question's
    /// type, the texts in each of the survey's languages and the option's
    /// id and labels.
    #[arg(long)]
    pub codebook: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// RFC 4180 comma-separated values.
    Csv,
    /// One JSON object per line.
    Jsonl,
}

pub fn run(args: &ExportArgs, ctx: &Context) -> Result<(), CliError> {
    let usage =
        |text: &str, hint: &str| Err(CliError::new(crate::cli::Exit::Usage, text).with_hint(hint));
    let format = match (args.format, args.excel) {
        (Format::Csv, false) => StoreFormat::Csv,
        (Format::Csv, true) => StoreFormat::ExcelCsv,
        (Format::Jsonl, false) => StoreFormat::Jsonl,
        (Format::Jsonl, true) => {
            return usage(
                "--excel goes with --format csv.",
                "leave out --excel, or use --format csv",
            );
        }
    };
    let what = if args.codebook {
        if format == StoreFormat::Jsonl {
            return usage(
                "--codebook is written as CSV.",
                "leave out --format jsonl (--excel makes it Excel's CSV)",
            );
        }
        Export::Codebook {
            excel: format == StoreFormat::ExcelCsv,
        }
    } else {
        Export::Responses(Options {
            labels: match (args.labels, args.lang) {
                (false, _) => Labels::Ids,
                (true, None) => Labels::Default,
                (true, Some(LangArg::Fi)) => Labels::In(Lang::Fi),
                (true, Some(LangArg::Sv)) => Labels::In(Lang::Sv),
                (true, Some(LangArg::En)) => Labels::In(Lang::En),
            },
            ..Options::ids(format, jiff::tz::TimeZone::system())
        })
    };
    let access = ctx.access("export")?;
    let id = ctx.survey_or_active(access.read(), args.survey.as_deref())?;
    match &args.out {
        Some(path) => {
            let done = access.export(&id, &what, path)?;
            noteln!("{done}");
        }
        None => {
            let mut out = crate::cli::out::raw();
            access.export_to(&id, &what, &mut out)?;
            out.flush()
                .map_err(|e| CliError::from(ExportError::Io(e)))?;
        }
    }
    Ok(())
}
