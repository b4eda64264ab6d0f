//! Rewriting the sled database into a fresh one, so that what was deleted
//! leaves the store's files.
//!
//! sled 0.34 marks a removed record as gone, but its bytes stay in the
//! log segment that held it (and in `snap.*`) until sled happens to reuse
//! that segment. So after a delete the owner copies every tree's live
//! records into a new database beside the old one and swaps the two
//! directories (docs/store.md, "Deleting for real"):
//!
//! 1. `db.new/` is made (one left over is removed first), every tree is
//!    copied into it, sled flushes, each of its files is `fsync`ed, and
//!    the marker `db.new/kioski-complete` is written and synced;
//! 2. `db/` is renamed `db.old/`;
//! 3. `db.new/` is renamed `db/`;
//! 4. `db.old/` is removed.
//!
//! The store directory is `fsync`ed after each rename. [`recover`] runs
//! at every open, before sled, and finishes or undoes a rewrite that a
//! crash cut short, so the store is always the old one or the new one.

use std::fs::File;
use std::io;
use std::path::Path;
use std::time::{Duration, Instant};

/// The sled database's directory in the store.
pub const DB_DIR: &str = "db";
/// Where the rewrite builds the new database.
pub const NEW_DIR: &str = "db.new";
/// Where the old database waits, between the two renames.
pub const OLD_DIR: &str = "db.old";
/// Written into `db.new/` once the copy is complete and durable.
pub const COMPLETE: &str = "kioski-complete";

/// The steps of a rewrite, in order: a test can stop after any of them,
/// as a crash would.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Step {
    /// Part of the records are in `db.new/`.
    Copying,
    /// Every record is in `db.new/`, flushed and synced; no marker yet.
    Copied,
    /// The marker is written: `db.new/` is complete.
    Marked,
    /// `db/` is now `db.old/`; there is no `db/`.
    OldMoved,
    /// `db.new/` is now `db/`; `db.old/` is still there.
    NewMoved,
}

/// What [`recover`] found and did at open.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Recovered {
    /// No rewrite was under way.
    Nothing,
    /// A rewrite stopped before the swap: the old database stays, the
    /// partial new one was removed.
    KeptOld,
    /// A rewrite stopped between the renames: the complete new database
    /// was moved into place.
    FinishedNew,
    /// A rewrite stopped after the swap: the old database was removed.
    RemovedOld,
}

/// Finishes or undoes a rewrite that was cut short, from what is on disk:
///
/// | found | means | done |
/// |---|---|---|
/// | `db/` and `db.new/` | stopped in step 1 (or before 2) | `db.new/` removed: the old store |
/// | no `db/`, `db.old/`, a complete `db.new/` | stopped between 2 and 3 | `db.new/` → `db/`, `db.old/` removed: the new store |
/// | no `db/`, `db.old/`, no complete `db.new/` | cannot happen (the marker comes before step 2); handled anyway | `db.old/` → `db/`: the old store |
/// | `db/` and `db.old/` | stopped in step 4 | `db.old/` removed: the new store |
///
/// `db/` with both `db.new/` and `db.old/` cannot happen either (step 1
/// starts only after an earlier rewrite has been recovered).
pub fn recover(dir: &Path) -> io::Result<Recovered> {
    let (db, new, old) = (dir.join(DB_DIR), dir.join(NEW_DIR), dir.join(OLD_DIR));
    let mut done = Recovered::Nothing;
    if !db.exists() && old.exists() {
        if new.join(COMPLETE).exists() {
            std::fs::rename(&new, &db)?;
            std::fs::remove_file(db.join(COMPLETE))?;
            done = Recovered::FinishedNew;
        } else {
            std::fs::rename(&old, &db)?;
            done = Recovered::KeptOld;
        }
        sync_dir(dir)?;
    }
    if new.exists() {
        std::fs::remove_dir_all(&new)?;
        sync_dir(dir)?;
        if done == Recovered::Nothing {
            done = Recovered::KeptOld;
        }
    }
    if old.exists() {
        std::fs::remove_dir_all(&old)?;
        sync_dir(dir)?;
        if done == Recovered::Nothing {
            done = Recovered::RemovedOld;
        }
    }
    Ok(done)
}

/// Copies every tree of `from` into `to`, record by record, leaving out
/// the records `skip` names; returns how many were copied. sled's single
/// inserts are faster than its batches, and nothing here needs to be
/// atomic: a cut copy is thrown away whole.
pub fn copy_trees(
    from: &sled::Db,
    to: &sled::Db,
    skip: impl Fn(&[u8], &[u8]) -> bool,
    stop_after: Option<usize>,
) -> sled::Result<u64> {
    let mut copied = 0u64;
    for name in from.tree_names() {
        let source = from.open_tree(&name)?;
        let target = to.open_tree(&name)?;
        for item in source.iter() {
            let (key, value) = item?;
            if skip(&name, &key) {
                continue;
            }
            target.insert(key, value)?;
            copied += 1;
            if stop_after.is_some_and(|n| copied as usize >= n) {
                return Ok(copied);
            }
        }
    }
    Ok(copied)
}

/// Makes every file under `dir` durable, then `dir` itself.
pub fn sync_tree(dir: &Path) -> io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        if entry.file_type()?.is_dir() {
            sync_tree(&path)?;
        } else {
            File::open(&path)?.sync_all()?;
        }
    }
    sync_dir(dir)
}

/// Writes the marker that says `db.new/` is complete, durably.
pub fn mark_complete(new: &Path) -> io::Result<()> {
    let marker = new.join(COMPLETE);
    std::fs::write(&marker, b"complete\n")?;
    File::open(&marker)?.sync_all()?;
    sync_dir(new)
}

/// Steps 2 to 4: the swap, from a complete `db.new/`. Stops after
/// `stop_at`, as a crash would, for tests.
pub fn swap(dir: &Path, stop_at: Option<Step>) -> io::Result<()> {
    let (db, new, old) = (dir.join(DB_DIR), dir.join(NEW_DIR), dir.join(OLD_DIR));
    std::fs::rename(&db, &old)?;
    sync_dir(dir)?;
    if stop_at == Some(Step::OldMoved) {
        return Ok(());
    }
    std::fs::rename(&new, &db)?;
    sync_dir(dir)?;
    if stop_at == Some(Step::NewMoved) {
        return Ok(());
    }
    // The marker has done its work; the next rewrite starts clean.
    std::fs::remove_file(db.join(COMPLETE))?;
    std::fs::remove_dir_all(&old)?;
    sync_dir(dir)
}

/// Waits until no handle holds sled's lock on its data `file` (sled's
/// threads let go a moment after its last handle is dropped).
pub fn wait_released(file: &Path, wait: Duration) -> io::Result<()> {
    use rustix::fs::{FlockOperation, flock};
    let until = Instant::now() + wait;
    let f = match File::open(file) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    loop {
        match flock(&f, FlockOperation::NonBlockingLockExclusive) {
            Ok(()) => {
                let _ = flock(&f, FlockOperation::Unlock);
                return Ok(());
            }
            Err(e) if e == rustix::io::Errno::WOULDBLOCK && Instant::now() < until => {
                std::thread::sleep(Duration::from_millis(5));
            }
            Err(e) if e == rustix::io::Errno::WOULDBLOCK => {
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "the old database was still in use after its last handle closed",
                ));
            }
            Err(e) => return Err(e.into()),
        }
    }
}

/// `fsync` of a directory, so that a rename or removal in it is durable.
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

/// The total size of the files under `dir`, in bytes.
pub fn size_of(dir: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| match e.file_type() {
            Ok(t) if t.is_dir() => size_of(&e.path()),
            _ => e.metadata().map_or(0, |m| m.len()),
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Makes the named database directories, each holding a file that
    /// says which it is; `marked` puts the marker in `db.new/`.
    fn layout(dirs: &[&str], marked: bool) -> tempfile::TempDir {
        let tmp = tempfile::tempdir().unwrap();
        for d in dirs {
            std::fs::create_dir(tmp.path().join(d)).unwrap();
            std::fs::write(tmp.path().join(d).join("which"), d).unwrap();
        }
        if marked {
            std::fs::write(tmp.path().join(NEW_DIR).join(COMPLETE), "").unwrap();
        }
        tmp
    }

    fn which(dir: &Path) -> String {
        std::fs::read_to_string(dir.join(DB_DIR).join("which")).unwrap()
    }

    fn only_db(dir: &Path) -> bool {
        dir.join(DB_DIR).exists() && !dir.join(NEW_DIR).exists() && !dir.join(OLD_DIR).exists()
    }

    #[test]
    fn recover_follows_its_table() {
        let cases: [(&[&str], bool, Recovered, &str); 5] = [
            (&[DB_DIR], false, Recovered::Nothing, DB_DIR),
            (&[DB_DIR, NEW_DIR], true, Recovered::KeptOld, DB_DIR),
            (&[OLD_DIR, NEW_DIR], true, Recovered::FinishedNew, NEW_DIR),
            (&[OLD_DIR, NEW_DIR], false, Recovered::KeptOld, OLD_DIR),
            (&[DB_DIR, OLD_DIR], false, Recovered::RemovedOld, DB_DIR),
        ];
        for (dirs, marked, done, kept) in cases {
            let tmp = layout(dirs, marked);
            assert_eq!(recover(tmp.path()).unwrap(), done, "{dirs:?}");
            assert!(only_db(tmp.path()), "{dirs:?}");
            assert_eq!(which(tmp.path()), kept, "{dirs:?}");
            assert!(!tmp.path().join(DB_DIR).join(COMPLETE).exists());
            // Recovering again changes nothing.
            assert_eq!(recover(tmp.path()).unwrap(), Recovered::Nothing);
        }
    }
}
