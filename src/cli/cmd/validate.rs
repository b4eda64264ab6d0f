//! `kioski validate FILE...`: check survey files without touching a store.

use std::io::{self, Write};
use std::path::PathBuf;

use clap::{Args, ValueEnum};
use serde::Serialize;

use crate::cli::out;
use crate::cli::report::{self, Problem};
use crate::cli::survey_file::{self, SurveyFile};
use crate::cli::{CliError, Exit};
use crate::core::sanitize::plural;
use crate::core::survey::Survey;

/// Check survey files and report every problem with its line and column.
///
/// Prints one line per valid file (id, languages, question count) and, for
/// an invalid one, every problem as `FILE:LINE:COL: error: MESSAGE` with the
/// source line. Exit code 0 when every file is valid, 1 otherwise. Reads no
/// store.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  kioski validate surveys/*.toml\n  kioski validate --format json my-survey.toml\n  cat my-survey.toml | kioski validate -"
)]
pub struct ValidateArgs {
    /// Survey files to check (`-` reads standard input).
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,

    /// How to print the result.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// For people: problems with the source line and a caret.
    Text,
    /// For editors and scripts: one JSON document on standard output.
    Json,
}

/// One file's outcome, as JSON prints it.
#[derive(Serialize)]
struct FileReport<'a> {
    file: &'a str,
    valid: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    survey: Option<SurveySummary>,
    problems: &'a [Problem],
}

#[derive(Serialize)]
struct SurveySummary {
    id: String,
    languages: Vec<&'static str>,
    questions: usize,
}

impl SurveySummary {
    fn of(survey: &Survey) -> Self {
        SurveySummary {
            id: survey.id.clone(),
            languages: survey.languages.iter().map(|l| l.code()).collect(),
            questions: survey.questions.len(),
        }
    }
}

/// The line `validate` prints for a valid file.
pub fn ok_line(name: &str, survey: &Survey) -> String {
    let n = survey.questions.len();
    let langs: Vec<&str> = survey.languages.iter().map(|l| l.code()).collect();
    format!(
        "{name}: ok: `{}` in {}, {}\n",
        survey.id,
        langs.join(", "),
        plural(n as u64, "question")
    )
}

pub fn run(args: &ValidateArgs) -> Result<(), CliError> {
    let files: Vec<SurveyFile> = args.files.iter().map(|p| survey_file::read(p)).collect();
    let written = match args.format {
        Format::Json => print_json(&files),
        Format::Text => print_text(&files),
    };
    match written {
        // A closed pipe (`| head`) is not an error of the files.
        Err(e) if out::is_closed(&e) => {}
        Err(e) => return Err(out::written(e)),
        Ok(()) => {}
    }
    if files.iter().all(|f| f.outcome.is_ok()) {
        Ok(())
    } else {
        Err(CliError::reported(Exit::Invalid))
    }
}

fn print_json(files: &[SurveyFile]) -> io::Result<()> {
    #[derive(Serialize)]
    struct All<'a> {
        valid: bool,
        files: Vec<FileReport<'a>>,
    }
    let reports = files
        .iter()
        .map(|f| match &f.outcome {
            Ok((survey, _)) => FileReport {
                file: &f.name,
                valid: true,
                survey: Some(SurveySummary::of(survey)),
                problems: &[],
            },
            Err(failure) => FileReport {
                file: &f.name,
                valid: false,
                survey: None,
                problems: &failure.problems,
            },
        })
        .collect();
    let all = All {
        valid: files.iter().all(|f| f.outcome.is_ok()),
        files: reports,
    };
    let mut out = out::raw();
    serde_json::to_writer_pretty(&mut out, &all).map_err(|e| {
        e.io_error_kind()
            .map_or_else(|| io::Error::other(e), io::Error::from)
    })?;
    writeln!(out)?;
    out.flush()
}

/// Valid files go to standard output, problems to standard error.
fn print_text(files: &[SurveyFile]) -> io::Result<()> {
    let mut out = anstream::stdout().lock();
    let mut err = anstream::stderr().lock();
    let mut invalid = 0;
    let mut problems = 0;
    for f in files {
        match &f.outcome {
            Ok((survey, _)) => out.write_all(ok_line(&f.name, survey).as_bytes())?,
            Err(failure) => {
                invalid += 1;
                problems += failure.problems.len();
                err.write_all(failure.text.as_bytes())?;
            }
        }
    }
    if invalid > 0 {
        writeln!(
            err,
            "{}: {invalid} of {} invalid, {} in all.",
            report::error_label(),
            plural(files.len() as u64, "file"),
            plural(problems as u64, "problem"),
        )?;
    }
    Ok(())
}
