//! Where the store is: `--store`, else `$KIOSKI_STORE`, else the platform
//! data directory (e.g. `~/.local/share/kioski`).

use std::path::PathBuf;

use super::{CliError, Exit};

/// The store directory and how it was chosen, for messages.
#[derive(Clone, Debug)]
pub struct StoreDir {
    pub path: PathBuf,
    pub from: &'static str,
}

pub fn store_dir(flag: Option<PathBuf>) -> Result<StoreDir, CliError> {
    if let Some(path) = flag {
        return Ok(StoreDir {
            path,
            from: "--store",
        });
    }
    if let Some(path) = std::env::var_os("KIOSKI_STORE").filter(|v| !v.is_empty()) {
        return Ok(StoreDir {
            path: path.into(),
            from: "KIOSKI_STORE",
        });
    }
    directories::ProjectDirs::from("", "", "kioski")
        .map(|dirs| StoreDir {
            path: dirs.data_dir().to_owned(),
            from: "the platform data directory",
        })
        .ok_or_else(|| {
            CliError::new(
                Exit::Usage,
                "cannot find a data directory for the store (no home directory).",
            )
            .with_hint("choose one with --store DIR or KIOSKI_STORE=DIR")
        })
}

/// This machine's name, the default terminal name.
pub fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .ok()
        .map(|s| crate::core::sanitize::strip(s.trim(), false))
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.chars()
                .take(crate::core::response::MAX_TERMINAL_LEN)
                .collect()
        })
        .unwrap_or_else(|| "kioski".to_owned())
}
