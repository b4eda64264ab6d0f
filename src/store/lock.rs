//! `kioski.lock`: one process owns a store at a time, and says who it is.
//!
//! sled refuses a second opener too, but only with "could not acquire
//! lock". This lock comes first and records the owner's pid and command,
//! so a refused process can say exactly which process holds the store.
//! The operating system releases the lock when the owner exits, however
//! it exits, so a stale lock file never blocks anyone.

use std::fmt;
use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::Path;

use super::StoreError;

pub const LOCK_FILE: &str = "kioski.lock";

/// Who holds a store.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Owner {
    pub pid: Option<u32>,
    /// The kioski command, e.g. `kiosk`.
    pub command: String,
}

impl fmt::Display for Owner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.pid {
            Some(pid) => write!(f, "`kioski {}` (pid {pid})", self.command),
            None => write!(f, "another process"),
        }
    }
}

/// The commands of a clerk's views: while one owns a store, it hands
/// the store over to a kiosk that asks (see `remote::access`).
pub const VIEW_COMMANDS: [&str; 2] = ["tally --live", "admin"];

impl Owner {
    /// Whether the owner is a clerk's view, which hands the store over to
    /// a starting kiosk.
    pub fn is_view(&self) -> bool {
        VIEW_COMMANDS.contains(&self.command.as_str())
    }

    /// Whether the owner is a kiosk (which never hands the store over).
    pub fn is_kiosk(&self) -> bool {
        self.command == "kiosk"
    }
}

/// The held lock; dropping it (or exiting) releases the store.
#[derive(Debug)]
pub struct StoreLock {
    _file: File,
}

/// Takes the store's lock for `command`, or names who has it.
pub fn acquire(dir: &Path, command: &str) -> Result<StoreLock, StoreError> {
    let path = dir.join(LOCK_FILE);
    let open_error = |e: std::io::Error| {
        if super::error::disk_full(&e) {
            return StoreError::DiskFull;
        }
        StoreError::Open {
            dir: dir.to_owned(),
            reason: format!("{}: {}", path.display(), super::database::io_reason(&e)),
        }
    };
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&path).map_err(open_error)?;
    let mut tries = 0;
    loop {
        match file.try_lock() {
            Ok(()) => break,
            Err(TryLockError::WouldBlock) => {
                let mut text = String::new();
                let _ = file.rewind().and_then(|()| file.read_to_string(&mut text));
                let owner = parse_owner(&text);
                // Our own pid: this process closed the store a moment ago,
                // but a child it was starting (fork, then exec) still held
                // the lock's file for an instant. It is gone at the exec.
                if owner.pid == Some(std::process::id()) && tries < 50 {
                    tries += 1;
                    std::thread::sleep(std::time::Duration::from_millis(20));
                    continue;
                }
                return Err(StoreError::InUse {
                    dir: dir.to_owned(),
                    owner,
                });
            }
            Err(TryLockError::Error(e)) => return Err(open_error(e)),
        }
    }
    let record = format!("pid={}\ncommand={command}\n", std::process::id());
    file.set_len(0)
        .and_then(|()| file.rewind())
        .and_then(|()| file.write_all(record.as_bytes()))
        .and_then(|()| file.sync_data())
        .map_err(open_error)?;
    Ok(StoreLock { _file: file })
}

fn parse_owner(text: &str) -> Owner {
    let field = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix('='))
            .map(str::trim)
    };
    Owner {
        pid: field("pid").and_then(|p| p.parse().ok()),
        command: field("command")
            .filter(|c| {
                c.chars()
                    .all(|ch| ch.is_ascii_alphanumeric() || " -_".contains(ch))
            })
            .unwrap_or("?")
            .to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_names_the_first_owner() {
        let dir = tempfile::tempdir().unwrap();
        let held = acquire(dir.path(), "kiosk").unwrap();
        match acquire(dir.path(), "load") {
            Err(StoreError::InUse { owner, .. }) => {
                assert_eq!(owner.pid, Some(std::process::id()));
                assert_eq!(owner.command, "kiosk");
            }
            other => panic!("{other:?}"),
        }
        drop(held);
        assert!(acquire(dir.path(), "load").is_ok());
    }

    #[cfg(unix)]
    #[test]
    fn the_lock_file_is_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let _held = acquire(dir.path(), "kiosk").unwrap();
        let mode = std::fs::metadata(dir.path().join(LOCK_FILE))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "mode {mode:o}");
    }

    #[test]
    fn views_are_told_apart_from_kiosks_and_other_commands() {
        let owner = |text: &str| parse_owner(text);
        assert!(owner("pid=7\ncommand=tally --live\n").is_view());
        assert!(owner("pid=7\ncommand=admin\n").is_view());
        assert!(owner("pid=7\ncommand=kiosk\n").is_kiosk());
        for other in ["kiosk", "tally", "load", "?"] {
            assert!(
                !owner(&format!("pid=7\ncommand={other}\n")).is_view(),
                "{other}"
            );
        }
    }

    #[test]
    fn a_garbled_lock_file_still_gives_a_message() {
        let owner = parse_owner("\u{1b}[2Jnonsense");
        assert_eq!(owner.to_string(), "another process");
    }
}
