//! Opening a file someone named (a bundle to import) without letting it
//! block a thread: a FIFO, a device or a directory is refused at once.

use std::fs::{File, Metadata, OpenOptions};
use std::io;
use std::os::unix::fs::{FileTypeExt, OpenOptionsExt};
use std::path::Path;

/// Opens `path` for reading if it is a regular file (a symlink to one is
/// fine). The type is checked before opening, the file is opened with
/// `O_NONBLOCK` (so a FIFO swapped in after the check cannot block the
/// open), and checked again on the open file (`fstat`).
pub fn open_regular_file(path: &Path) -> io::Result<File> {
    check(&std::fs::metadata(path)?)?;
    let file = OpenOptions::new()
        .read(true)
        // The flag's bits fit an i32 (O_NONBLOCK is 0o4000 on Linux).
        .custom_flags(rustix::fs::OFlags::NONBLOCK.bits().cast_signed())
        .open(path)?;
    check(&file.metadata()?)?;
    Ok(file)
}

fn check(meta: &Metadata) -> io::Result<()> {
    if meta.is_file() {
        return Ok(());
    }
    let t = meta.file_type();
    let what = if t.is_dir() {
        "a directory"
    } else if t.is_fifo() {
        "a FIFO"
    } else if t.is_socket() {
        "a socket"
    } else if t.is_char_device() || t.is_block_device() {
        "a device"
    } else {
        "not a file"
    };
    Err(io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("it is not a regular file ({what})"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_regular_files_open() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("b");
        std::fs::write(&file, b"x").unwrap();
        assert!(open_regular_file(&file).is_ok());
        for path in [dir.path(), Path::new("/dev/null")] {
            let e = open_regular_file(path).unwrap_err();
            assert!(e.to_string().contains("not a regular file"), "{e}");
        }
        assert_eq!(
            open_regular_file(&dir.path().join("none"))
                .unwrap_err()
                .kind(),
            io::ErrorKind::NotFound
        );
    }
}
