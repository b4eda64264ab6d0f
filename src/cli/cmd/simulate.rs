//! `kioski simulate`: store synthetic responses through the kiosk's path.

use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::cli::confirm::confirm;
use crate::cli::out::outln;
use crate::cli::{CliError, Context};
use crate::core::sanitize::plural;
use crate::core::simulate::{Setup, respondent};
use crate::store::ReadStore as _;

/// Responses written per batch with --bulk.
const BATCH: usize = 50_000;

/// Store synthetic, valid responses: for demos, load tests and benchmarks.
///
/// Each is flagged simulated: tallies and exports say how many they hold,
/// and `kioski delete --simulated` removes them. Into a survey that
/// already holds real responses it asks first (or --yes).
///
/// Respondents follow the survey's flow and conditions; grades lean to 4-5,
/// a few walk away (partial responses), open answers come from a phrase
/// list, and submit times spread over the past year. Without --bulk each
/// response is made durable on its own, exactly as the kiosk does; with
/// --bulk they are written in flushed batches. The count printed is what
/// is on disk.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  kioski simulate --respondents 2000\n  kioski simulate --survey pulssi --respondents 1000000 --bulk --seed 7"
)]
pub struct SimulateArgs {
    /// The survey to answer (default: the active one).
    #[arg(long, value_name = "ID")]
    pub survey: Option<String>,

    /// How many respondents.
    #[arg(long, value_name = "N")]
    pub respondents: u64,

    /// Seed for repeatable runs (default: a random one, printed).
    #[arg(long, value_name = "S")]
    pub seed: Option<u64>,

    /// Write in batches of 50,000, each flushed, instead of one by one.
    #[arg(long)]
    pub bulk: bool,

    /// The terminal name stored with each response.
    #[arg(long, value_name = "NAME", default_value = "simulated", value_parser = super::kiosk::terminal_name)]
    pub terminal: String,

    /// Go ahead without asking when the survey already holds real
    /// (not simulated) responses.
    #[arg(long)]
    pub yes: bool,

    /// Print each response id once it is durable (for the crash test).
    #[arg(long, hide = true)]
    pub print_ids: bool,
}

pub fn run(args: &SimulateArgs, ctx: &Context) -> Result<(), CliError> {
    let store = ctx.open_store("simulate")?;
    let id = ctx.survey_or_active(&store, args.survey.as_deref())?;
    if holds_real(&store, &id)?
        && !confirm(
            &format!(
                "`{id}` already holds real responses; simulated ones would be stored beside them (flagged simulated). Store {}?",
                plural(args.respondents, "simulated response")
            ),
            args.yes,
        )
        .map_err(|e| e.with_hint(format!(
            "`{id}` holds real responses: pass --yes to add simulated ones beside them, or simulate into another store with --store"
        )))?
    {
        return outln!("Nothing was stored.");
    }
    // The version the kiosk shows: simulated respondents answer what a
    // real one would.
    let version = store.shown(&id)?;
    let seed = args.seed.unwrap_or_else(rand::random);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let setup = Setup {
        survey: &version.survey,
        version: version.hash,
        terminal: &args.terminal,
        now_ms: ctx.now_ms,
        utc_offset_ms: ctx.utc_offset_ms(),
    };

    let bar = ProgressBar::new(args.respondents);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} responses, {per_sec}, {eta} left")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let mut stored = 0u64;
    let result = (|| {
        if args.bulk {
            // One thread makes respondents while this one writes them: the
            // two halves of the work take about as long as each other.
            let total = args.respondents;
            let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<crate::core::response::Response>>(2);
            std::thread::scope(|scope| {
                let setup = &setup;
                let rng = &mut rng;
                scope.spawn(move || {
                    let mut made = 0u64;
                    while made < total {
                        let n = (total - made).min(BATCH as u64);
                        let batch = (made..made + n)
                            .map(|i| respondent(rng, setup, i as f64 / total as f64))
                            .collect();
                        made += n;
                        // The writer has stopped (an error): stop too.
                        if tx.send(batch).is_err() {
                            break;
                        }
                    }
                });
                for batch in rx {
                    stored += store.submit_many(&batch)? as u64;
                    bar.set_position(stored);
                }
                Ok::<_, CliError>(())
            })?;
        } else {
            let mut told = Ok(());
            for i in 0..args.respondents {
                let response = respondent(&mut rng, &setup, i as f64 / args.respondents as f64);
                store.submit(&response)?;
                stored += 1;
                if args.print_ids {
                    // Acknowledged: printed only after the submit is durable.
                    told = told.and(outln!("{}", response.id));
                }
                bar.set_position(stored);
            }
            told?;
        }
        Ok::<_, CliError>(())
    })();
    bar.finish_and_clear();
    let told = outln!(
        "Stored {} to `{id}` (seed {seed}).",
        plural(stored, "simulated response")
    );
    result?;
    told
}

/// Whether survey `id` holds a response a person gave (one not made by
/// `simulate`); stops at the first.
fn holds_real(store: &crate::store::Store, id: &str) -> Result<bool, CliError> {
    for r in store.responses(id) {
        if !r?.simulated {
            return Ok(true);
        }
    }
    Ok(false)
}
