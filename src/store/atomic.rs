//! Files that appear only when complete: written to a fresh temporary file
//! beside their target, synced, renamed over it, and the directory synced.
//! A failure removes the temporary file, so a reader never sees half an
//! export or half a bundle.
//!
//! The temporary file is created exclusively (`O_EXCL`), mode 0600, under
//! an unpredictable name (tempfile's `NamedTempFile`): another user who
//! can write the target directory cannot plant a symlink that takes the
//! data elsewhere, nor read it while it is written. The target then has
//! mode 0600 too, whatever the umask.

use std::fs::File;
use std::io::{self, BufWriter};
use std::path::Path;

/// Writes `path` through `write`; I/O failures of the file itself become
/// errors through `io_error`, so each caller keeps its own error type.
pub fn write_file<T, E>(
    path: &Path,
    io_error: impl Fn(io::Error) -> E,
    write: impl FnOnce(&mut BufWriter<File>) -> Result<T, E>,
) -> Result<T, E> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut prefix = std::ffi::OsString::from(".");
    prefix.push(path.file_name().unwrap_or_default());
    prefix.push(".");
    let (file, tmp) = tempfile::Builder::new()
        .prefix(&prefix)
        .suffix(".partial")
        .tempfile_in(dir)
        .map_err(&io_error)?
        .into_parts();
    let mut w = BufWriter::new(file);
    let value = write(&mut w)?;
    let file = w.into_inner().map_err(|e| io_error(e.into_error()))?;
    file.sync_all().map_err(&io_error)?;
    drop(file);
    // Dropping `tmp` on an error above removes the temporary file; after
    // the rename there is nothing left to remove.
    tmp.persist(path).map_err(|e| io_error(e.error))?;
    sync_dir(dir).map_err(&io_error)?;
    Ok(value)
}

/// Makes a rename in `dir` durable (the new name survives a power cut).
fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        File::open(dir)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    #[test]
    fn the_file_appears_only_when_complete() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.csv");
        let failed: Result<(), io::Error> = write_file(
            &path,
            |e| e,
            |w| {
                w.write_all(b"half")?;
                Err(io::Error::other("stopped"))
            },
        );
        assert!(failed.is_err());
        assert!(!path.exists());
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            0,
            "no partial file left"
        );
        write_file(&path, |e| e, |w| w.write_all(b"whole")).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"whole");
    }

    #[cfg(unix)]
    #[test]
    fn the_file_is_private_whatever_the_umask() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.csv");
        write_file(&path, |e| e, |w| w.write_all(b"answers")).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "mode {mode:o}");
    }

    /// The release before wrote through `NAME.partial-PID`, opened with
    /// `File::create`: a symlink planted there by another user took the
    /// export wherever it pointed.
    #[cfg(unix)]
    #[test]
    fn a_symlink_at_a_guessable_partial_name_redirects_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        std::fs::write(&victim, b"precious").unwrap();
        let path = dir.path().join("out.csv");
        let planted = dir
            .path()
            .join(format!("out.csv.partial-{}", std::process::id()));
        std::os::unix::fs::symlink(&victim, &planted).unwrap();
        write_file(&path, |e| e, |w| w.write_all(b"answers")).unwrap();
        assert_eq!(std::fs::read(&victim).unwrap(), b"precious");
        assert_eq!(std::fs::read(&path).unwrap(), b"answers");
        assert!(
            !std::fs::symlink_metadata(&path)
                .unwrap()
                .file_type()
                .is_symlink()
        );
    }

    #[test]
    fn a_second_write_replaces_the_first() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("plain");
        write_file(&path, |e| e, |w| w.write_all(b"1")).unwrap();
        write_file(&path, |e| e, |w| w.write_all(b"2")).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"2");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
