//! The store: the only code that names sled.
//!
//! One directory holds a lock file (who owns the store), a sled database
//! and a log. Every record goes through [`codec`]; every key is built in
//! [`keys`]. A response is acknowledged only after it is on disk.

mod aggregate;
pub mod atomic;
pub mod backup;
pub mod bundle;
pub mod codec;
mod database;
mod delete;
mod error;
pub mod export;
mod framed;
pub mod keep;
pub mod keys;
pub mod listing;
mod lock;
mod outbox;
mod private;
pub mod prizes;
mod read;
mod recent;
pub mod record;
mod regular_file;
pub mod rewrite;
mod watch;

pub use aggregate::CheckReport;
pub use database::{
    LoadOutcome, Store, StoredVersion, SurveyEntry, SurveyStats, VersionRef, io_reason,
};
pub use delete::{Deleted, Rewritten, SurveyDeleted};
pub use error::StoreError;
pub use lock::{Owner, VIEW_COMMANDS};
pub use outbox::{Change, ChangeBatch, SyncState};
pub use read::{ReadStore, Responses, SurveyCache, SurveySummary};
pub use regular_file::open_regular_file;
pub use watch::StoreEvent;
