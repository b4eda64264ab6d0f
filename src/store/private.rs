//! The store directory is its owner's alone: mode 0700, every file in it
//! 0600, and never a directory another user owns.
//!
//! New files get their mode from the umask, which the command line sets
//! to 077 before anything else (sled creates its files with the umask's
//! mode). Stores made by the release before, under a 022 umask, had
//! world-readable files; each open makes whatever is there private again.

use std::io;
use std::path::Path;

use super::StoreError;
use super::database::io_reason;

/// Creates `dir` and its parents (0700), or makes an existing one 0700;
/// refuses a directory that belongs to another user, before anything is
/// written in it.
pub fn create_dir(dir: &Path) -> Result<(), StoreError> {
    let open_error = |e: io::Error| StoreError::Open {
        dir: dir.to_owned(),
        reason: io_reason(&e),
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(open_error)?;
        // Checked and changed through one handle, so the directory that is
        // checked is the one that is changed.
        let handle = std::fs::File::open(dir).map_err(open_error)?;
        let meta = handle.metadata().map_err(open_error)?;
        let me = rustix::process::geteuid().as_raw();
        if meta.uid() != me {
            return Err(StoreError::ForeignOwner {
                dir: dir.to_owned(),
                owner: meta.uid(),
                me,
            });
        }
        if meta.mode() & 0o777 != 0o700 {
            handle
                .set_permissions(std::fs::Permissions::from_mode(0o700))
                .map_err(open_error)?;
        }
        Ok(())
    }
    #[cfg(not(unix))]
    {
        std::fs::create_dir_all(dir).map_err(open_error)
    }
}

/// How deep the store's own tree goes (`db/blobs/...`); deeper is not ours.
const MAX_DEPTH: usize = 4;

/// Makes every directory under `dir` 0700 and every regular file 0600.
/// Symlinks are not followed and sockets are left as they are (the
/// socket is created 0600 already).
pub fn tighten(dir: &Path) -> Result<(), StoreError> {
    tighten_in(dir, dir, 0)
}

fn tighten_in(store: &Path, dir: &Path, depth: usize) -> Result<(), StoreError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{MetadataExt, PermissionsExt};
        let error = |path: &Path, e: io::Error| StoreError::Open {
            dir: store.to_owned(),
            reason: format!("cannot make {} private: {}", path.display(), io_reason(&e)),
        };
        let entries = std::fs::read_dir(dir).map_err(|e| error(dir, e))?;
        for entry in entries {
            let entry = entry.map_err(|e| error(dir, e))?;
            let path = entry.path();
            let meta = match std::fs::symlink_metadata(&path) {
                Ok(m) => m,
                // Gone since it was listed (a temporary file of sled's).
                Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                Err(e) => return Err(error(&path, e)),
            };
            let want = if meta.is_dir() {
                0o700
            } else if meta.is_file() {
                0o600
            } else {
                continue;
            };
            if meta.mode() & 0o777 != want {
                match std::fs::set_permissions(&path, std::fs::Permissions::from_mode(want)) {
                    Ok(()) => {}
                    Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
                    Err(e) => return Err(error(&path, e)),
                }
            }
            if meta.is_dir() && depth < MAX_DEPTH {
                tighten_in(store, &path, depth + 1)?;
            }
        }
        Ok(())
    }
    #[cfg(not(unix))]
    {
        let _ = (store, dir, depth);
        Ok(())
    }
}
