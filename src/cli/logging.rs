//! Logs go to `kioski.log` in the store directory, never to the screen.
//! Ids, counts and events only: never answers or contact details.

use std::fs::OpenOptions;
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
        .with_writer(Mutex::new(file))
        .with_ansi(false)
        .with_target(false)
        .try_init();
}
