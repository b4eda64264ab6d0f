//! `kioski surveys`: what the store holds.

use clap::{Args, ValueEnum};
use serde::Serialize;

use crate::cli::out::{self, outln};
use crate::cli::{CliError, Context, local_time};
use crate::store::listing::ListedSurvey;

/// List stored surveys: versions, response counts (with the suspect and
/// simulated ones, when there are any), first and last response, and
/// which one the kiosk shows.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  kioski surveys\n  kioski surveys --format json")]
pub struct SurveysArgs {
    /// How to print the list: a table for people, JSON for scripts.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Aligned columns, for people.
    Table,
    /// One JSON array of surveys, for scripts.
    Json,
}

#[derive(Serialize)]
struct Row {
    id: String,
    title: String,
    versions: usize,
    latest: String,
    /// The version the kiosk shows (the last loaded or activated), when
    /// it is not the newest (a bundle brought a newer one).
    #[serde(skip_serializing_if = "Option::is_none")]
    shown: Option<String>,
    #[serde(skip)]
    shown_number: usize,
    complete: u64,
    partial: u64,
    /// Flagged responses, in the JSON only when there are any (so a store
    /// without them lists as it always did).
    #[serde(skip_serializing_if = "is_zero")]
    suspect: u64,
    #[serde(skip_serializing_if = "is_zero")]
    simulated: u64,
    first_response: Option<String>,
    last_response: Option<String>,
    active: bool,
}

pub fn run(args: &SurveysArgs, ctx: &Context) -> Result<(), CliError> {
    // The list left at the store's last close, while it holds; else the
    // store (or the kiosk that owns it).
    let (dir, listed) = match ctx.listed_surveys() {
        Some(listed) => listed,
        None => {
            let access = ctx.access("surveys")?;
            let listed = access
                .read()
                .summaries()?
                .iter()
                .map(ListedSurvey::of)
                .collect();
            (access.dir().to_owned(), listed)
        }
    };
    let rows: Vec<Row> = listed.into_iter().map(Row::of).collect();
    match args.format {
        Format::Json => {
            outln!(
                "{}",
                serde_json::to_string_pretty(&rows)
                    .map_err(|e| CliError::invalid(e.to_string()))?
            )?;
        }
        Format::Table if rows.is_empty() => {
            outln!("No surveys in {}.", dir.display())?;
            outln!("hint: load one with `kioski load surveys/palvelupiste.toml`")?;
        }
        Format::Table => {
            // The flag columns only when some survey has flagged responses.
            let suspect = rows.iter().any(|r| r.suspect > 0);
            let simulated = rows.iter().any(|r| r.simulated > 0);
            let mut header = vec!["", "ID", "TITLE", "VERSIONS", "COMPLETE", "PARTIAL"];
            header.extend(suspect.then_some("SUSPECT"));
            header.extend(simulated.then_some("SIMULATED"));
            header.extend(["FIRST", "LAST"]);
            let mut table: Vec<Vec<String>> =
                vec![header.iter().map(|s| (*s).to_owned()).collect()];
            for r in &rows {
                let mut flags = Vec::new();
                flags.extend(suspect.then(|| r.suspect.to_string()));
                flags.extend(simulated.then(|| r.simulated.to_string()));
                let mut row = vec![
                    if r.active { "*".into() } else { String::new() },
                    r.id.clone(),
                    crate::core::sanitize::truncate_to_width(&r.title, 32),
                    match &r.shown {
                        None => format!("{} ({})", r.versions, r.latest),
                        Some(shown) => {
                            format!("{}, shows {} ({shown})", r.versions, r.shown_number)
                        }
                    },
                    r.complete.to_string(),
                    r.partial.to_string(),
                ];
                row.extend(flags);
                row.extend([
                    r.first_response.clone().unwrap_or_else(|| "-".into()),
                    r.last_response.clone().unwrap_or_else(|| "-".into()),
                ]);
                table.push(row);
            }
            out::text(&align(&table))?;
            outln!("* active: the survey the kiosk shows")?;
            if suspect {
                outln!(
                    "SUSPECT: quick repeats of the same answers on one terminal, left out of tallies unless --include-suspect"
                )?;
            }
        }
    }
    Ok(())
}

impl Row {
    fn of(s: ListedSurvey) -> Row {
        let (latest, shown) = (s.latest(), s.shown());
        Row {
            title: s.title,
            versions: s.versions as usize,
            latest: latest.short(),
            shown: (shown != latest).then(|| shown.short()),
            shown_number: s.shown_number as usize,
            complete: s.complete,
            partial: s.partial,
            suspect: s.suspect,
            simulated: s.simulated,
            first_response: s.first_ms.map(local_time),
            last_response: s.last_ms.map(local_time),
            active: s.active,
            id: s.id,
        }
    }
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// Columns padded to their widest cell.
fn align(rows: &[Vec<String>]) -> String {
    use crate::core::sanitize::width;
    let cols = rows.first().map_or(0, Vec::len);
    let widths: Vec<usize> = (0..cols)
        .map(|c| rows.iter().map(|r| width(&r[c])).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for row in rows {
        let line: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(cell, w)| format!("{cell}{}", " ".repeat(w - width(cell))))
            .collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
    }
    out
}
