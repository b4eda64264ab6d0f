//! `kioski restore FILE`: a backup back into an empty store.

use std::path::PathBuf;

use clap::Args;

use crate::cli::out::outln;
use crate::cli::{CliError, Context};
use crate::core::sanitize::plural;
use crate::store::backup;

/// Restore a backup made by `kioski backup` into an empty store.
///
/// An empty store has no surveys and no responses; after the restore it
/// is the backup's store: surveys, exports, tallies, the PIN and the
/// prize-draw entries as they were. The whole file is checked before
/// anything is stored. The store must be this command's alone: stop the
/// kiosk (and any `admin` or `tally --live` view) first.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  kioski --store /srv/kioski restore kirjasto-1-2026-06-01.backup"
)]
pub struct RestoreArgs {
    /// The backup file.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
}

pub fn run(args: &RestoreArgs, ctx: &Context) -> Result<(), CliError> {
    // The whole file is checked before the store is opened or changed.
    let verified = backup::read_verified(&args.file)
        .map_err(|e| CliError::from(e).prefixed(&format!("{}: ", args.file.display())))?;
    // Never through a running kiosk: a restore sets the PIN, the terminal
    // name and the active survey under it, which it took when it started.
    let store = ctx.open_store("restore").map_err(|mut e| {
        if e.message.contains("in use by") {
            e.hint = Some(
                "a restore needs the store to itself: stop the kiosk (or the `admin` or `tally --live` view) first, then run `kioski restore` again"
                    .into(),
            );
        }
        e
    })?;
    let (pin, terminal) = verified.pin_and_terminal();
    let done = backup::restore(&store, &args.file, verified)?;
    outln!(
        "Restored {}, {} ({}) and {} into {}.",
        plural(done.responses, "response"),
        plural(done.surveys, "survey"),
        plural(done.versions, "version"),
        plural(done.prizes, "prize-draw entry"),
        store.dir().display()
    )?;
    let pin = if pin {
        "the admin PIN is the backup's"
    } else {
        "no admin PIN is set (demo mode)"
    };
    match terminal {
        Some(name) => outln!(
            "Terminal name `{}`; {pin}.",
            crate::core::sanitize::strip(&name, false)
        )?,
        None => outln!("No terminal name is set; {pin}.")?,
    }
    Ok(())
}
