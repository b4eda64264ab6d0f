//! What can go wrong with a store, named by what the user sees: the
//! directory, the other process, the record.

use std::path::PathBuf;

use super::codec::CodecError;
use super::lock::Owner;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the store {dir} is in use by {owner}")]
    InUse { dir: PathBuf, owner: Owner },

    #[error(
        "the store {dir} was written by a newer kioski (store format {found}; this kioski reads up to {supported})"
    )]
    Newer {
        dir: PathBuf,
        found: u8,
        supported: u8,
    },

    #[error("cannot open the store {dir}: {reason}")]
    Open { dir: PathBuf, reason: String },

    #[error("the store {dir} belongs to another user (uid {owner}), and kioski runs as uid {me}")]
    ForeignOwner { dir: PathBuf, owner: u32, me: u32 },

    #[error("the store {dir} is damaged: {reason}")]
    Damaged { dir: PathBuf, reason: String },

    #[error("the prize-draw file {path} cannot be read: {reason}")]
    PrizeFile {
        path: PathBuf,
        reason: String,
        /// Written by a newer kioski, rather than damaged.
        newer: bool,
    },

    #[error("cannot write to the store: {0}")]
    Write(String),

    /// The disk has no room for a write: what is stored stays stored.
    #[error("{DISK_FULL}")]
    DiskFull,

    /// Closed after an I/O error, and it cannot be opened again yet.
    #[error("the store {dir} is closed after a write error and cannot be opened again yet")]
    Closed { dir: PathBuf },

    #[error("cannot read the store: {0}")]
    Read(String),

    #[error("record {key} in tree `{tree}` cannot be read: {error}")]
    Record {
        tree: &'static str,
        key: String,
        error: CodecError,
    },

    #[error("no survey `{0}` in the store")]
    UnknownSurvey(String),

    #[error("no survey version {0} in the store")]
    UnknownVersion(String),

    /// A setting (terminal name, PIN) that breaks its rule; nothing stored.
    #[error("{0}")]
    Setting(String),

    #[error("the response does not fit survey `{survey}`: {reason}")]
    InvalidResponse { survey: String, reason: String },

    /// An error the store's owner reported through its socket (already in
    /// words, with its hint), or a failure of the socket itself.
    #[error("{message}")]
    Relayed {
        message: String,
        hint: Option<String>,
        store_problem: bool,
    },
}

impl StoreError {
    /// Whether the problem is with the store itself (exit 3), rather than
    /// with what was asked of it.
    pub fn is_store_problem(&self) -> bool {
        !matches!(
            self,
            StoreError::UnknownSurvey(_)
                | StoreError::UnknownVersion(_)
                | StoreError::InvalidResponse { .. }
                | StoreError::Setting(_)
                | StoreError::Relayed {
                    store_problem: false,
                    ..
                }
        )
    }

    /// What to do about it.
    pub fn hint(&self) -> Option<String> {
        Some(match self {
            StoreError::InUse { .. } => "stop that process first (for example quit the kiosk with its exit chord), or use another store with --store".into(),
            StoreError::Newer { .. } => "use the newer kioski that wrote this store, or another store with --store".into(),
            StoreError::Open { .. } => "check that the directory exists and is yours (`ls -ld`), or choose another with --store".into(),
            StoreError::ForeignOwner { dir, .. } => format!(
                "run kioski as the user who owns {0}, or use a store of your own with --store; to take it over, `sudo chown -R \"$(id -un)\" {0}`",
                dir.display()
            ),
            StoreError::Damaged { dir, .. } => format!(
                "keep a copy (`cp -a {0} {0}.damaged`), then start a new store and import bundles from the other terminals",
                dir.display()
            ),
            StoreError::PrizeFile { newer: true, .. } => "use the newer kioski that wrote it, or another store with --store".into(),
            StoreError::PrizeFile { path, .. } => format!(
                "the answers are not affected; keep a copy (`cp {0} {0}.damaged`), then move the file aside to start the draw again empty",
                path.display()
            ),
            StoreError::Write(_) => "check free disk space (`df -h`) and the store directory's permissions".into(),
            StoreError::DiskFull => "free space on the disk that holds the store (`df -h`), then try again".into(),
            StoreError::Closed { .. } => "check free disk space (`df -h`); the next try opens it again".into(),
            StoreError::Record { .. } => "the store may be damaged; keep a copy of it and export what can be read".into(),
            StoreError::UnknownSurvey(_) => "see the stored surveys with `kioski surveys`, or load one with `kioski load FILE`".into(),
            StoreError::Relayed { hint, .. } => return hint.clone(),
            _ => return None,
        })
    }
}

/// The words for a full disk, the same in every message.
pub const DISK_FULL: &str = "the disk is full: free space, nothing is lost";

/// Whether an I/O error says that the disk (or the user's quota) is full.
pub(crate) fn disk_full(e: &std::io::Error) -> bool {
    use std::io::ErrorKind;
    matches!(e.kind(), ErrorKind::StorageFull | ErrorKind::QuotaExceeded)
}

pub(crate) fn read_error(e: sled::Error) -> StoreError {
    match e {
        sled::Error::Io(e) if disk_full(&e) => StoreError::DiskFull,
        e => StoreError::Read(sled_reason(&e)),
    }
}

pub(crate) fn write_error(e: sled::Error) -> StoreError {
    match e {
        sled::Error::Io(e) if disk_full(&e) => StoreError::DiskFull,
        e => StoreError::Write(sled_reason(&e)),
    }
}

/// A sled error in words: sled's own text shows an I/O error's debug
/// form (`Os { code: .. }`).
fn sled_reason(e: &sled::Error) -> String {
    match e {
        sled::Error::Io(e) => super::database::io_reason(e),
        e => e.to_string(),
    }
}
