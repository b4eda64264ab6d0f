//! Logs go to `kioski.log` in the store directory, never to the screen.
//! Ids, counts and events only: never answers or contact details.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::Path;
use std::sync::Mutex;

/// Sends `tracing` output to the store's log file (appending). Logging is
/// a help, not a duty: if the file cannot be opened, nothing is logged.
pub fn to_store_dir(dir: &Path) {
    let mut options = OpenOptions::new();
    options.create(true).append(true);
    // Private whatever the umask; the store's open makes an older log so.
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let Ok(file) = options.open(dir.join("kioski.log")) else {
        return;
    };
    let _ = tracing_subscriber::fmt()
        .with_writer(Mutex::new(Quiet(file)))
        .with_ansi(false)
        .with_target(false)
        // Its own complaint about a failed write would go to stderr, which
        // is the kiosk's screen.
        .log_internal_errors(false)
        .try_init();
}

/// A log writer whose failures (a full disk) go nowhere: a line that cannot
/// be written is dropped, and never reaches the terminal.
pub struct Quiet<W = File>(pub W);

impl<W: Write> Write for Quiet<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let _ = self.0.write_all(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        let _ = self.0.flush();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A writer on a full disk.
    struct Full;

    impl Write for Full {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            Err(io::Error::from(io::ErrorKind::StorageFull))
        }
        fn flush(&mut self) -> io::Result<()> {
            Err(io::Error::from(io::ErrorKind::StorageFull))
        }
    }

    #[test]
    fn a_failed_log_write_is_dropped_without_an_error() {
        let mut quiet = Quiet(Full);
        assert_eq!(quiet.write(b"a line\n").unwrap(), 7);
        quiet.flush().unwrap();
        // Through tracing: the event is dropped, and nothing fails.
        let subscriber = tracing_subscriber::fmt()
            .with_writer(Mutex::new(Quiet(Full)))
            .log_internal_errors(false)
            .finish();
        tracing::subscriber::with_default(subscriber, || tracing::info!("dropped"));
    }
}
