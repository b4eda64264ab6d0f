//! `kioski validate FILE...`: check survey files without touching a store.

use std::io::{self, Read, Write};
use std::path::PathBuf;

use clap::{Args, ValueEnum};
use serde::Serialize;

use crate::cli::Exit;
use crate::cli::report::{self, Problem};
use crate::core::sanitize;
use crate::core::survey::Survey;
use crate::core::validate::{MAX_FILE_BYTES, survey_from_bytes};

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
struct FileReport {
    file: String,
    valid: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    survey: Option<SurveySummary>,
    problems: Vec<Problem>,
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

pub fn run(args: &ValidateArgs) -> Exit {
    let reports: Vec<(FileReport, String)> = args.files.iter().map(check_file).collect();
    let all_valid = reports.iter().all(|(r, _)| r.valid);
    let written = match args.format {
        Format::Json => print_json(&reports),
        Format::Text => print_text(&reports),
    };
    match written {
        // A closed pipe (`| head`) is not an error of the files.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {}
        Err(e) => {
            eprintln!("error: cannot write the report: {e}");
            return Exit::Invalid;
        }
        Ok(()) => {}
    }
    if all_valid { Exit::Ok } else { Exit::Invalid }
}

/// Reads and checks one file; returns its report and its rendered text.
fn check_file(path: &PathBuf) -> (FileReport, String) {
    // A file name is shown on a terminal too: no escape sequences.
    let name = if path.as_os_str() == "-" {
        "<stdin>".to_owned()
    } else {
        sanitize::strip(&path.display().to_string(), false)
    };
    let bytes = match read(path) {
        Ok(bytes) => bytes,
        Err(e) => {
            let problem = Problem::without_position(
                &name,
                format!("cannot read the file: {}", describe_io(&e)),
                "check the path and that you may read it",
            );
            let text = report::render_unplaced(&problem);
            return (
                FileReport {
                    file: name,
                    valid: false,
                    survey: None,
                    problems: vec![problem],
                },
                text,
            );
        }
    };
    match survey_from_bytes(&bytes) {
        Ok(survey) => {
            let summary = SurveySummary::of(&survey);
            let text = format!(
                "{name}: ok: `{}` in {}, {} question{}\n",
                summary.id,
                summary.languages.join(", "),
                summary.questions,
                if summary.questions == 1 { "" } else { "s" }
            );
            (
                FileReport {
                    file: name,
                    valid: true,
                    survey: Some(summary),
                    problems: Vec::new(),
                },
                text,
            )
        }
        Err(diagnostics) => {
            let source = String::from_utf8_lossy(&bytes);
            let problems = report::problems(&name, &source, &diagnostics);
            let text = report::render(&name, &source, &diagnostics);
            (
                FileReport {
                    file: name,
                    valid: false,
                    survey: None,
                    problems,
                },
                text,
            )
        }
    }
}

/// An I/O error in words, without the "(os error N)" tail.
fn describe_io(e: &io::Error) -> String {
    let text = e.to_string();
    match text.find(" (os error") {
        Some(i) => text[..i].to_lowercase(),
        None => text,
    }
}

/// Reads a file, or standard input for `-`, refusing more than the survey
/// size limit (plus one byte, so that the limit's own message is shown).
fn read(path: &PathBuf) -> io::Result<Vec<u8>> {
    let limit = MAX_FILE_BYTES as u64 + 1;
    let mut bytes = Vec::new();
    if path.as_os_str() == "-" {
        io::stdin().lock().take(limit).read_to_end(&mut bytes)?;
    } else {
        std::fs::File::open(path)?
            .take(limit)
            .read_to_end(&mut bytes)?;
    }
    Ok(bytes)
}

fn print_json(reports: &[(FileReport, String)]) -> io::Result<()> {
    #[derive(Serialize)]
    struct All<'a> {
        valid: bool,
        files: Vec<&'a FileReport>,
    }
    let all = All {
        valid: reports.iter().all(|(r, _)| r.valid),
        files: reports.iter().map(|(r, _)| r).collect(),
    };
    let mut out = io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, &all).map_err(|e| {
        e.io_error_kind()
            .map_or_else(|| io::Error::other(e), io::Error::from)
    })?;
    writeln!(out)
}

/// Valid files go to standard output, problems to standard error.
fn print_text(reports: &[(FileReport, String)]) -> io::Result<()> {
    let mut out = anstream::stdout().lock();
    let mut err = anstream::stderr().lock();
    for (report, text) in reports {
        if report.valid {
            out.write_all(text.as_bytes())?;
        } else {
            err.write_all(text.as_bytes())?;
        }
    }
    let invalid: Vec<&FileReport> = reports
        .iter()
        .map(|(r, _)| r)
        .filter(|r| !r.valid)
        .collect();
    if !invalid.is_empty() {
        let problems: usize = invalid.iter().map(|r| r.problems.len()).sum();
        writeln!(
            err,
            "{}: {} of {} file{} invalid, {problems} problem{} in all.",
            report::error_label(),
            invalid.len(),
            reports.len(),
            if reports.len() == 1 { "" } else { "s" },
            if problems == 1 { "" } else { "s" },
        )?;
    }
    Ok(())
}
