//! Files that appear only when complete: written beside their target,
//! synced, then renamed over it. A failure removes the partial file, so a
//! reader never sees half an export or half a bundle.

use std::fs::File;
use std::io::{self, BufWriter};
use std::path::{Path, PathBuf};

/// Writes `path` through `write`; I/O failures of the file itself become
/// errors through `io_error`, so each caller keeps its own error type.
pub fn write_file<T, E>(
    path: &Path,
    io_error: impl Fn(io::Error) -> E,
    write: impl FnOnce(&mut BufWriter<File>) -> Result<T, E>,
) -> Result<T, E> {
    let tmp = partial_path(path);
    let result = (|| {
        let mut w = BufWriter::new(File::create(&tmp).map_err(&io_error)?);
        let value = write(&mut w)?;
        let file = w.into_inner().map_err(|e| io_error(e.into_error()))?;
        file.sync_all().map_err(&io_error)?;
        std::fs::rename(&tmp, path).map_err(&io_error)?;
        Ok(value)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// `NAME.partial-PID` beside `path`.
fn partial_path(path: &Path) -> PathBuf {
    let mut name = path
        .file_name()
        .map(|n| n.to_os_string())
        .unwrap_or_default();
    name.push(format!(".partial-{}", std::process::id()));
    path.with_file_name(name)
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
}
