//! `kioski delete`: delete responses, or a whole survey, for good.

use clap::Args;

use crate::cli::confirm::confirm;
use crate::cli::out::outln;
use crate::cli::{CliError, Context, Exit, parse_date};
use crate::core::retention::{Counts, Selection};
use crate::core::sanitize::plural;

/// Delete responses of a survey, or the whole survey, for good.
///
/// Give at least one filter; filters combine with AND (`--before
/// 2026-01-01 --partial` takes the partial responses submitted before that
/// day). It prints what it would delete and asks, or goes ahead with
/// --yes. Deleted answers leave the store's files: the store is rewritten
/// after the delete. A bundle or export made earlier still holds them.
/// Works through a running kiosk too.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  kioski delete --survey pulssi --simulated\n  kioski delete --survey pulssi --before 2026-01-01 --partial --yes\n  kioski delete --survey vanha-kysely --all"
)]
pub struct DeleteArgs {
    /// The survey, as `kioski surveys` lists it.
    #[arg(long, value_name = "ID")]
    pub survey: String,

    /// Only responses submitted before this day (YYYY-MM-DD: midnight at
    /// the start of that day, in this machine's time zone).
    #[arg(long, value_name = "DATE")]
    pub before: Option<String>,

    /// Only partial responses (the respondent walked away).
    #[arg(long)]
    pub partial: bool,

    /// Only responses made by `kioski simulate`.
    #[arg(long)]
    pub simulated: bool,

    /// The whole survey: every version, every response, and its shown and
    /// active state.
    #[arg(long, conflicts_with_all = ["before", "partial", "simulated"])]
    pub all: bool,

    /// Go ahead without asking (needed when standard input is not a
    /// terminal).
    #[arg(long, short = 'y')]
    pub yes: bool,
}

pub fn run(args: &DeleteArgs, ctx: &Context) -> Result<(), CliError> {
    let selection = Selection {
        before_ms: args.before.as_deref().map(parse_date).transpose()?,
        partial: args.partial,
        simulated: args.simulated,
    };
    if !args.all && selection.is_empty() {
        return Err(CliError::new(
            Exit::Usage,
            "say what to delete: --before DATE, --partial or --simulated (they combine), or --all for the whole survey.",
        )
        .with_hint("for example `kioski delete --survey ID --simulated`"));
    }
    let access = ctx.access("delete")?;
    // What was deleted, and the rewrite's figures, stay on record (counts
    // only); through a kiosk, the kiosk logs them.
    if matches!(access, crate::remote::Access::Local(_)) {
        crate::cli::logging::to_store_dir(access.dir());
    }
    let id = &args.survey;
    let Some(entry) = access.read().survey_entry(id)? else {
        return Err(CliError::invalid(format!("no survey `{id}` in the store."))
            .with_hint("see the stored surveys with `kioski surveys`"));
    };
    let mut counts = Counts::default();
    for response in access.read().responses(id) {
        counts.add(&selection, &response?);
    }
    if args.all {
        outln!(
            "Survey `{id}`: {}, {}.",
            plural(entry.versions.len() as u64, "version"),
            plural(counts.total, "response")
        )?;
        if !confirm(
            &format!("Delete the survey `{id}` with all its versions and responses?"),
            args.yes,
        )? {
            return outln!("Nothing was deleted.");
        }
        let done = access.delete_survey(id)?;
        outln!(
            "Deleted the survey `{id}`: {}, {}.",
            plural(done.versions, "version"),
            plural(done.responses, "response")
        )?;
        if done.was_active {
            outln!(
                "It was the active survey. No survey is active now: choose one with `kioski activate ID`."
            )?;
        } else if let Some(active) = access.read().active()? {
            outln!("The active survey is still `{active}`.")?;
        }
        // Contacts are not answers: a draw may still be due, so they stay
        // until the admin purges them.
        if let Some(n) = access.prize_counts()?.get(id).copied().filter(|n| *n > 0) {
            let stay = if n == 1 { "stays" } else { "stay" };
            outln!(
                "Its {} {stay}: `kioski prize purge --survey {id}` deletes them.",
                plural(n, "prize-draw entry")
            )?;
        }
        return rewritten(done.rewritten);
    }

    outln!("Survey `{id}`: {}.", plural(counts.total, "response"))?;
    if let Some(day) = &args.before {
        outln!("  submitted before {day}: {}", counts.before)?;
    }
    if args.partial {
        outln!("  partial: {}", counts.partial)?;
    }
    if args.simulated {
        outln!("  simulated: {}", counts.simulated)?;
    }
    if counts.matching == 0 {
        return outln!("Nothing to delete.");
    }
    outln!(
        "To delete: {} (those that every filter takes).",
        plural(counts.matching, "response")
    )?;
    if !confirm(
        &format!(
            "Delete {} of `{id}` for good?",
            plural(counts.matching, "response")
        ),
        args.yes,
    )? {
        return outln!("Nothing was deleted.");
    }
    let done = access.delete_responses(id, &selection)?;
    outln!("Deleted {} of `{id}`.", plural(done.responses, "response"))?;
    rewritten(done.rewritten)
}

fn rewritten(done: bool) -> Result<(), CliError> {
    if done {
        outln!("The store was rewritten: the deleted answers are gone from its files.")
    } else {
        outln!(
            "The store could not be rewritten yet: the deleted answers are gone from every count and export, and leave its files when the store is next opened."
        )
    }
}
