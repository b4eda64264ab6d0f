//! `kioski check`: the counts kept ready for tallies against a recount.

use clap::Args;

use crate::cli::out::outln;
use crate::cli::{CliError, Context};
use crate::core::sanitize::plural;

/// Count every response again and compare with the counts kept for tallies
///
/// The store keeps counts per survey, day, terminal and flags, and the free
/// texts, ready for `tally` and `surveys`. Any difference is printed and
/// exits 1; the counts are then made again from the responses, so a second
/// check agrees.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  kioski check")]
pub struct CheckArgs {}

pub fn run(_args: &CheckArgs, ctx: &Context) -> Result<(), CliError> {
    let store = ctx.open_store("check")?;
    let report = store.check_aggregates()?;
    let differences = &report.differences;
    if differences.is_empty() {
        return outln!(
            "The kept counts agree with a recount of {} in {}.",
            plural(report.responses, "response"),
            plural(report.surveys, "survey")
        );
    }
    for d in differences {
        outln!("{d}")?;
    }
    store.recount_aggregates()?;
    Err(CliError::invalid(format!(
        "the kept counts differ from a recount of the responses in {}; they were made again from the responses.",
        plural(differences.len() as u64, "place")
    ))
    .with_hint("tallies made before this check may have been wrong there; `kioski check` again should agree now, and if it does not, back the store up (`kioski backup`) and report it"))
}
