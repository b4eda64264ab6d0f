//! `kioski report`: the board-meeting report, one self-contained HTML file.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use crate::cli::cmd::kiosk::LangArg;
use crate::cli::cmd::tally::{GroupingArgs, grouping, notes, tally};
use crate::cli::out::noteln;
use crate::cli::{CliError, Context, write_atomically};
use crate::core::survey::Lang;
use crate::remote::exports::{Reported, report_file_name, report_html};
use clap::Args;

/// Write a report to take to a meeting: one HTML file with every question
/// charted, a summary table with 95 % intervals, groups side by side
/// (--by) and each period against the one before (--period).
///
/// The file is self-contained: inline styles and charts, no script, and
/// nothing is fetched when it opens, so it works offline and can be
/// mailed as is. It prints on A4 (the browser's "Print to PDF" makes the
/// PDF). The options choose responses as `kioski tally`'s do.
///
/// Where it goes: --out FILE (written whole or not at all); else, when
/// standard output is a terminal, `report-SURVEY-YYYY-MM-DD.html` in the
/// current directory; else standard output (`kioski report > file.html`).
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  kioski report\n  kioski report --survey palvelupiste --lang fi --by group --out raportti.html\n  kioski report --period year --since 2024-01-01 > vuodet.html\n  kioski report --by terminal --terminal kirjasto-1,kirjasto-2",
    mut_arg("by", |a| a.help("Compare groups: the answer to a choice or yesno question, or `terminal`: the terminal each response was stored on (`@terminal` when the survey has a question named `terminal`)")),
    mut_arg("period", |a| a.help("A trend by day, ISO week, month or year (local time), and the latest period compared with the one before")),
    mut_arg("until", |a| a.help("Only responses submitted before this day (YYYY-MM-DD)")),
    mut_arg("include_suspect", |a| a.help("Count suspect responses too (see `kioski tally --help`)")),
)]
pub struct ReportArgs {
    /// The survey (default: the active one).
    #[arg(long, value_name = "ID")]
    pub survey: Option<String>,

    /// Write the report to this file (default: see above).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,

    /// The report's language (default: the survey's first).
    #[arg(long, value_enum)]
    pub lang: Option<LangArg>,

    #[command(flatten)]
    pub select: GroupingArgs,
}

pub fn run(args: &ReportArgs, ctx: &Context) -> Result<(), CliError> {
    let grouping = grouping(&args.select)?;
    let (latest, result) = tally(
        ctx,
        "report",
        args.survey.as_deref(),
        grouping,
        args.select.from.as_deref(),
    )?;
    let survey = &latest.survey;
    notes(survey, &args.select, &result);
    let lang = args.lang.map_or_else(|| survey.default_lang(), Lang::from);
    let html = report_html(survey, &result, lang, ctx.now_ms)
        .map_err(|e| CliError::invalid(format!("{e}.")))?;

    let path = match &args.out {
        Some(path) => Some(path.clone()),
        None if std::io::stdout().is_terminal() => {
            Some(PathBuf::from(report_file_name(&survey.id, ctx.now_ms)))
        }
        None => None,
    };
    match path {
        Some(path) => {
            write_atomically(&path, |w| {
                w.write_all(html.as_bytes()).map_err(|e| {
                    CliError::invalid(format!("cannot write {}: {e}.", path.display()))
                })
            })?;
            let done = Reported {
                survey: survey.id.clone(),
                path,
            };
            noteln!("{done}");
        }
        None => {
            let mut out = crate::cli::out::raw();
            out.write_all(html.as_bytes())
                .and_then(|()| out.flush())
                .map_err(crate::cli::out::written)?;
        }
    }
    Ok(())
}
