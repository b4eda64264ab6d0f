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

    #[error("the store {dir} is damaged: {reason}")]
    Damaged { dir: PathBuf, reason: String },

    #[error("cannot write to the store: {0}")]
    Write(String),

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
            StoreError::Damaged { dir, .. } => format!(
                "keep a copy (`cp -a {0} {0}.damaged`), then start a new store and import bundles from the other terminals",
                dir.display()
            ),
            StoreError::Write(_) => "check free disk space (`df -h`) and the store directory's permissions".into(),
            StoreError::Record { .. } => "the store may be damaged; keep a copy of it and export what can be read".into(),
            StoreError::UnknownSurvey(_) => "see the stored surveys with `kioski surveys`, or load one with `kioski load FILE`".into(),
            StoreError::Relayed { hint, .. } => return hint.clone(),
            _ => return None,
        })
    }
}

pub(crate) fn read_error(e: sled::Error) -> StoreError {
    StoreError::Read(e.to_string())
}

pub(crate) fn write_error(e: sled::Error) -> StoreError {
    StoreError::Write(e.to_string())
}
