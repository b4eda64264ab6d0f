//! `kioski prize count|draw|purge`: the prize draw among the contacts
//! respondents left (on this terminal and every one merged by bundles).
//!
//! Contact details reach only the admin: the terminal, or a 0600 file
//! with `--out`; never the log, never a pipe by accident.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;

use clap::{Args, Subcommand, ValueEnum};

use crate::cli::confirm::confirm;
use crate::cli::out::{self, outln};
use crate::cli::{CliError, Context, Exit, write_atomically};
use crate::core::draw;
use crate::core::sanitize::{escape, plural, strip};

/// The prize draw: count the entries, draw winners, purge the contacts.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  kioski prize count\n  kioski prize draw --survey palvelupiste --winners 3 --seed \"kevät 2026\"\n  kioski prize purge --survey palvelupiste"
)]
pub struct PrizeArgs {
    #[command(subcommand)]
    pub command: PrizeCommand,
}

#[derive(Debug, Subcommand)]
pub enum PrizeCommand {
    Count(CountArgs),
    Draw(DrawArgs),
    Purge(PurgeArgs),
}

/// Prize-draw entries per survey (equal contact details count once).
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  kioski prize count\n  kioski prize count --survey palvelupiste --format json"
)]
pub struct CountArgs {
    /// Only this survey (prints just its number).
    #[arg(long, value_name = "ID")]
    pub survey: Option<String>,

    /// Text for people, or one JSON object {"SURVEY": ENTRIES} for scripts.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
}

/// Draw winners among a survey's entries, fairly and checkably: the result
/// depends only on the seed and the entries, so anyone with the same
/// entries (the same bundles) can run it again. The winners' contact
/// details go to the terminal, or with --out to a file only you can read.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  kioski prize draw --survey palvelupiste --winners 3\n  kioski prize draw --survey palvelupiste --winners 3 --seed \"kevät 2026\" --out voittajat.txt"
)]
pub struct DrawArgs {
    /// The survey whose entries are drawn from.
    #[arg(long, value_name = "ID")]
    pub survey: String,

    /// How many winners (all entries when there are fewer).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub winners: u32,

    /// The draw's seed; announce it beforehand. A fresh one is made and
    /// printed when none is given.
    #[arg(long, value_name = "TEXT")]
    pub seed: Option<String>,

    /// Write the winners to FILE (mode 0600) instead of the terminal.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// Delete a survey's prize-draw entries for good (asks first, or --yes).
#[derive(Debug, Args)]
#[command(after_help = "Example:\n  kioski prize purge --survey palvelupiste --yes")]
pub struct PurgeArgs {
    /// The survey whose entries are deleted.
    #[arg(long, value_name = "ID")]
    pub survey: String,

    /// Do not ask.
    #[arg(long)]
    pub yes: bool,
}

pub fn run(args: &PrizeArgs, ctx: &Context) -> Result<(), CliError> {
    match &args.command {
        PrizeCommand::Count(a) => count(a, ctx),
        PrizeCommand::Draw(a) => draw_winners(a, ctx),
        PrizeCommand::Purge(a) => purge(a, ctx),
    }
}

fn count(args: &CountArgs, ctx: &Context) -> Result<(), CliError> {
    let access = ctx.access("prize count")?;
    let mut counts = access.prize_counts()?;
    if let Some(id) = &args.survey {
        let n = counts.get(id).copied().unwrap_or(0);
        counts = std::iter::once((id.clone(), n)).collect();
    }
    match (args.format, &args.survey) {
        (Format::Json, _) => {
            let json = serde_json::to_string(&counts)
                .map_err(|e| CliError::invalid(format!("cannot write JSON: {e}.")))?;
            outln!("{json}")
        }
        (Format::Text, Some(id)) => outln!("{}", counts.get(id).copied().unwrap_or(0)),
        (Format::Text, None) if counts.is_empty() => outln!("No prize-draw entries."),
        (Format::Text, None) => {
            let width = counts.keys().map(String::len).max().unwrap_or(0);
            for (id, n) in &counts {
                outln!("{id:<width$}  {n}")?;
            }
            Ok(())
        }
    }
}

fn draw_winners(args: &DrawArgs, ctx: &Context) -> Result<(), CliError> {
    // Checked before anything is read: contacts never reach a pipe.
    if args.out.is_none() && !std::io::stdout().is_terminal() {
        return Err(CliError::new(
            Exit::Usage,
            "the winners' contact details go only to a terminal, and standard output is not one.",
        )
        .with_hint("write them to a file only you can read with --out FILE"));
    }
    let access = ctx.access("prize draw")?;
    let contacts: Vec<Vec<(String, String)>> = access
        .prize_entries(std::slice::from_ref(&args.survey))?
        .into_iter()
        .filter(|e| e.survey == args.survey)
        .map(|e| e.fields)
        .collect();
    if contacts.is_empty() {
        return Err(CliError::invalid(format!(
            "survey `{}` has no prize-draw entries.",
            escape(&args.survey)
        ))
        .with_hint("see which surveys have entries with `kioski prize count`"));
    }
    let seed = args.seed.clone().unwrap_or_else(fresh_seed);
    let wanted = args.winners as usize;
    let outcome = draw::draw(&args.survey, &contacts, &seed, wanted);
    tracing::info!(
        survey = %args.survey,
        entries = outcome.tickets,
        winners = outcome.winners.len(),
        "prize draw"
    );
    outln!("Survey: {}", escape(&args.survey))?;
    outln!("Seed: {}", strip(&seed, false))?;
    outln!("Entries digest: {}", outcome.entries_digest)?;
    if outcome.winners.len() < wanted {
        outln!(
            "Drew all {} (fewer than the {wanted} asked for).",
            plural(outcome.tickets as u64, "entry")
        )?;
    } else {
        outln!(
            "Drew {} of {}.",
            plural(outcome.winners.len() as u64, "winner"),
            plural(outcome.tickets as u64, "entry")
        )?;
    }
    let mut lines = Vec::new();
    for (i, fields) in outcome.winners.iter().enumerate() {
        let shown: Vec<String> = fields
            .iter()
            .map(|(k, v)| format!("{}: {}", strip(k, false), strip(v, false)))
            .collect();
        lines.push(format!("{}. {}", i + 1, shown.join("; ")));
    }
    match &args.out {
        Some(path) => {
            write_atomically(path, |w| {
                let io = |e: std::io::Error| {
                    CliError::invalid(format!("cannot write {}: {e}.", path.display()))
                };
                writeln!(
                    w,
                    "# kioski prize draw: survey {}, seed {}, entries digest {}",
                    escape(&args.survey),
                    strip(&seed, false),
                    outcome.entries_digest
                )
                .map_err(io)?;
                for line in &lines {
                    writeln!(w, "{line}").map_err(io)?;
                }
                Ok(())
            })?;
            outln!("The winners' contact details are in {}.", path.display())?;
        }
        None => {
            for line in &lines {
                outln!("{line}")?;
            }
        }
    }
    if args.seed.is_none() {
        outln!(
            "To check it: kioski prize draw --survey {} --winners {} --seed {seed}",
            args.survey,
            args.winners
        )?;
        out::note(format_args!(
            "hint: next time announce a seed beforehand and pass it with --seed"
        ));
    }
    Ok(())
}

/// A seed no one could have guessed: 128 random bits as hex.
fn fresh_seed() -> String {
    let bits: u128 = rand::random();
    format!("{bits:032x}")
}

fn purge(args: &PurgeArgs, ctx: &Context) -> Result<(), CliError> {
    let access = ctx.access("prize purge")?;
    let n = access
        .prize_counts()?
        .get(&args.survey)
        .copied()
        .unwrap_or(0);
    if n == 0 {
        return outln!(
            "No prize-draw entries of survey `{}`: nothing deleted.",
            escape(&args.survey)
        );
    }
    if !confirm(
        &format!(
            "Delete the {} of survey `{}` for good?",
            plural(n, "prize-draw entry"),
            escape(&args.survey)
        ),
        args.yes,
    )? {
        return outln!("Nothing was deleted.");
    }
    let gone = access.purge_prizes(&args.survey)?;
    outln!(
        "Deleted {} of survey `{}`.",
        plural(gone as u64, "prize-draw entry"),
        escape(&args.survey)
    )
}
