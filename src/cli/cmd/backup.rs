//! `kioski backup --out FILE`: everything this terminal holds, in one
//! checked file, through a running kiosk too.

use std::path::{Path, PathBuf};

use clap::Args;

use crate::cli::out::outln;
use crate::cli::{CliError, Context, Exit};
use crate::core::sanitize::plural;

/// Write a backup of the whole store into one checked, private file.
///
/// It holds every survey version (answered or not), which survey is active and which versions are shown, every
/// response as stored, the terminal name, the admin PIN's hash and lockout,
/// and the prize-draw entries. The file is private (0600), appears only
/// when complete, and is checked after it is written. Restore it with
/// `kioski restore FILE` into an empty store: this, never a copy of the
/// store's files, is how a store moves to another machine.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  kioski backup --out kirjasto-1-2026-06-01.backup\n  kioski --store /srv/kioski backup --out /media/usb/kirjasto-1.backup"
)]
pub struct BackupArgs {
    /// The backup file to write (replaced if it exists).
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
}

pub fn run(args: &BackupArgs, ctx: &Context) -> Result<(), CliError> {
    let access = ctx.access("backup")?;
    if inside(&args.out, access.dir()) {
        return Err(CliError::new(
            Exit::Usage,
            format!(
                "{} is inside the store directory {}, which a backup is meant to outlive; nothing was written.",
                args.out.display(),
                access.dir().display()
            ),
        )
        .with_hint("write the backup elsewhere, best on another disk or machine"));
    }
    let done = access.backup(&args.out, ctx.now_ms)?;
    outln!(
        "Wrote {}, {} ({}) and {} to {}.",
        plural(done.responses, "response"),
        plural(done.surveys, "survey"),
        plural(done.versions, "version"),
        plural(done.prizes, "prize-draw entry"),
        args.out.display()
    )?;
    Ok(())
}

/// Whether the file `out` would be in the store directory `store` (or
/// below it).
fn inside(out: &Path, store: &Path) -> bool {
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    match (parent.canonicalize(), store.canonicalize()) {
        (Ok(parent), Ok(store)) => parent.starts_with(store),
        _ => false,
    }
}
