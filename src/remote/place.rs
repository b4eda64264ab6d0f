//! Where a store's socket lives. Normally `kioski.sock` in the store
//! directory; when that path is too long for a Unix socket (`sun_path`
//! holds 108 bytes), in a fresh 0700 directory under the runtime
//! directory (`$XDG_RUNTIME_DIR`, passed in by the CLI) or `/tmp`, named
//! in the file `kioski.sock.path` in the store directory, where every
//! client looks first. Only the store's owner can write that file (the
//! store directory is 0700), and the socket's directory is created
//! exclusively with an unpredictable name, so no one else can put a
//! socket where clients look.

use std::io;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{DirBuilderExt, FileTypeExt};
use std::path::{Path, PathBuf};

use rand::RngExt;

use super::protocol::SOCKET_FILE;

/// The file in the store directory that names a socket kept elsewhere.
pub const SOCKET_POINTER: &str = "kioski.sock.path";

/// Longest socket path, in bytes (`sun_path` is 108 with its NUL).
pub const MAX_SOCKET_PATH: usize = 107;

/// Prefix of the directories made for sockets of deep stores.
const DIR_PREFIX: &str = "kioski-sock-";

fn fits(path: &Path) -> bool {
    path.as_os_str().as_bytes().len() <= MAX_SOCKET_PATH
}

/// Where clients find the socket of the store in `dir`.
pub fn find(dir: &Path) -> PathBuf {
    read_pointer(dir).unwrap_or_else(|| dir.join(SOCKET_FILE))
}

fn read_pointer(dir: &Path) -> Option<PathBuf> {
    let text = std::fs::read_to_string(dir.join(SOCKET_POINTER)).ok()?;
    let path = PathBuf::from(text.trim_end_matches('\n'));
    (path.is_absolute() && fits(&path)).then_some(path)
}

/// A socket path made for serving, and the directory made for it.
pub struct Place {
    pub socket: PathBuf,
    /// The private directory made beside a deep store, removed with it.
    pub made_dir: Option<PathBuf>,
    pointer: Option<PathBuf>,
}

impl Place {
    /// Removes the socket, and the directory and pointer made for it.
    pub fn remove(&self) {
        let _ = std::fs::remove_file(&self.socket);
        if let Some(dir) = &self.made_dir {
            let _ = std::fs::remove_dir(dir);
        }
        if let Some(pointer) = &self.pointer {
            let _ = std::fs::remove_file(pointer);
        }
    }
}

/// Chooses the socket path for the store in `dir`, which this process
/// owns: the store directory when the path fits, else a new private
/// directory in `runtime_dir` or `/tmp`. A stale socket (and a directory
/// made for one) is removed first.
pub fn make(dir: &Path, runtime_dir: Option<&Path>) -> io::Result<Place> {
    remove_stale(dir);
    let direct = dir.join(SOCKET_FILE);
    if fits(&direct) {
        return Ok(Place {
            socket: direct,
            made_dir: None,
            pointer: None,
        });
    }
    let bases = runtime_dir
        .into_iter()
        .map(Path::to_owned)
        .chain([PathBuf::from("/tmp")]);
    for base in bases {
        let name = format!("{DIR_PREFIX}{:016x}", rand::rng().random::<u64>());
        let made = base.join(name);
        let socket = made.join(SOCKET_FILE);
        if !fits(&socket) || !base.is_dir() {
            continue;
        }
        // Not recursive: fails if the name exists, so the directory is ours.
        match std::fs::DirBuilder::new().mode(0o700).create(&made) {
            Ok(()) => {}
            Err(e) => {
                tracing::warn!(dir = %made.display(), "cannot make a socket directory: {e}");
                continue;
            }
        }
        let pointer = dir.join(SOCKET_POINTER);
        let partial = dir.join(format!("{SOCKET_POINTER}.partial"));
        let written = std::fs::write(&partial, format!("{}\n", socket.display()))
            .and_then(|()| std::fs::rename(&partial, &pointer));
        if let Err(e) = written {
            let _ = std::fs::remove_dir(&made);
            return Err(e);
        }
        return Ok(Place {
            socket,
            made_dir: Some(made),
            pointer: Some(pointer),
        });
    }
    Err(io::Error::new(
        io::ErrorKind::InvalidInput,
        format!(
            "the store path {} is too long for a Unix socket ({} bytes at most), and neither the runtime directory nor /tmp can hold one",
            dir.display(),
            MAX_SOCKET_PATH - SOCKET_FILE.len() - 1
        ),
    ))
}

/// Removes a socket no process serves: the store's own, and one named
/// by a pointer file, with the directory made for it. Only the process
/// that holds the store's lock calls this.
pub fn remove_stale(dir: &Path) {
    remove_socket_file(&dir.join(SOCKET_FILE));
    // Only a socket, where the pointer says: never another kind of file.
    if let Some(socket) = read_pointer(dir)
        .filter(|p| std::fs::symlink_metadata(p).is_ok_and(|m| m.file_type().is_socket()))
    {
        remove_socket_file(&socket);
        if let Some(parent) = socket.parent()
            && parent
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with(DIR_PREFIX))
        {
            let _ = std::fs::remove_dir(parent);
        }
    }
    let _ = std::fs::remove_file(dir.join(SOCKET_POINTER));
}

fn remove_socket_file(path: &Path) {
    if std::fs::symlink_metadata(path).is_ok() {
        match std::fs::remove_file(path) {
            Ok(()) => tracing::info!(socket = %path.display(), "removed a stale socket"),
            Err(e) => tracing::warn!(socket = %path.display(), "cannot remove a stale socket: {e}"),
        }
    }
}
