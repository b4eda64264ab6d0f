//! Sending a store's responses to PostgreSQL (issue 15): what the store's
//! outbox holds past PostgreSQL's cursor for this store, in batches, each
//! batch one transaction that also moves the cursor. A crash of either
//! side at any moment leaves a batch wholly sent or not at all, and the
//! next sync starts from the cursor PostgreSQL holds, so nothing is lost
//! and, with `ON CONFLICT DO NOTHING` behind it, nothing arrives twice.
//!
//! The layer sits on `store` (the outbox) and `sink` (PostgreSQL); the
//! kiosk runs [`worker`] in the background, `kioski sync` runs
//! [`sync_once`] (itself, or through the kiosk that owns the store).

pub mod worker;

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::Mutex;

use uuid::Uuid;

use crate::core::response::Response;
use crate::core::sanitize::plural;
use crate::core::version::VersionHash;
use crate::sink::{Batch, Sink, SinkError, Target, TargetError};
use crate::store::{Change, SyncState};
use crate::store::{Store, StoreError, StoredVersion};

/// Changes per transaction: large enough that a batch's round trips and
/// commit are small beside its rows, small enough that a batch of long
/// text answers stays a few megabytes (docs/performance.md, "PostgreSQL
/// sync").
pub const BATCH: usize = 10_000;

/// One sync at a time per process: the kiosk's worker and a `kioski sync`
/// that came through the socket would otherwise read the same cursor.
static SYNCING: Mutex<()> = Mutex::new(());

/// What one sync did.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Sent {
    /// The target, without any password.
    pub target: String,
    /// Responses PostgreSQL did not have.
    pub inserted: u64,
    /// Responses sent again that PostgreSQL already had (after a crash,
    /// or held through another terminal's bundle).
    pub already_there: u64,
    /// Responses deleted there because they were deleted here.
    pub deleted: u64,
    /// PostgreSQL's cursor for this store afterwards.
    pub cursor: u64,
    /// Whether every stored response was sent (a new target, or one whose
    /// cursor the outbox no longer reaches), not only the outbox.
    pub full: bool,
}

impl fmt::Display for Sent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Sent {} to {}",
            plural(self.inserted, "new response"),
            self.target
        )?;
        if self.already_there > 0 {
            write!(f, " ({} already there)", self.already_there)?;
        }
        if self.deleted > 0 {
            write!(f, "; deleted {} there", plural(self.deleted, "response"))?;
        }
        if self.full {
            write!(
                f,
                "; every stored response was offered, as this database had no cursor for this store"
            )?;
        }
        write!(f, ".")
    }
}

/// Why a sync stopped.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error(transparent)]
    Target(#[from] TargetError),
    #[error(transparent)]
    Sink(#[from] SinkError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A failed sync as the one who asked sees it (also across the socket).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Failure {
    pub message: String,
    /// What to do about it.
    pub hint: Option<String>,
    /// The server wants a password and none was given: a terminal may
    /// ask for one and try again.
    pub needs_password: bool,
}

impl From<&SyncError> for Failure {
    fn from(e: &SyncError) -> Failure {
        Failure {
            message: e.to_string(),
            hint: match e {
                SyncError::Sink(s) => Some(s.hint()),
                SyncError::Target(_) | SyncError::Store(_) => None,
            },
            needs_password: matches!(e, SyncError::Sink(SinkError::NoPassword { .. })),
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// Connects to `target` and sends (see [`sync_once`]): what `kioski sync`
/// does, in its own process or in the store's owner.
pub fn connect_and_send(
    store: &Store,
    target: &Target,
    password: Option<&str>,
    now_ms: i64,
    progress: &mut dyn FnMut(u64),
) -> Result<Sent, Failure> {
    let mut sink = match Sink::connect(target, password) {
        Ok(sink) => sink,
        Err(e) => {
            let e = SyncError::from(e);
            note_failure(store, &e, now_ms);
            return Err(Failure::from(&e));
        }
    };
    sync_once(store, target, &mut sink, now_ms, progress).map_err(|e| Failure::from(&e))
}

/// Sends what `sink` lacks of `store`, then records the outcome in the
/// store's sync state (and, when `sink` is the store's own sync target,
/// drops the outbox entries it confirmed). `progress` hears the running
/// count of responses sent.
pub fn sync_once(
    store: &Store,
    target: &Target,
    sink: &mut Sink,
    now_ms: i64,
    progress: &mut dyn FnMut(u64),
) -> Result<Sent, SyncError> {
    let _one = SYNCING
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let result = send(store, target, sink, progress);
    let mut state = store.sync_state()?;
    match &result {
        Ok(sent) => {
            state.sent_seq = sent.cursor;
            state.last_ok_ms = Some(now_ms);
            state.sent_total = state.sent_total.saturating_add(sent.inserted);
            state.last_error = None;
            state.last_error_ms = None;
            store.set_sync_state(&state)?;
            if store.sync_target()?.as_deref() == Some(target.redacted().as_str()) {
                store.prune_changes(sent.cursor)?;
            }
        }
        Err(e) => note_failure(store, e, now_ms),
    }
    result
}

/// Notes a failed sync (also one that could not connect) in the store's
/// sync state, for `kioski sync status`. The error is what the caller
/// reports: a failure to note it only goes to the log.
pub fn note_failure(store: &Store, e: &SyncError, now_ms: i64) {
    let noted = store.sync_state().and_then(|mut state| {
        state.last_error = Some(e.to_string());
        state.last_error_ms = Some(now_ms);
        store.set_sync_state(&state)
    });
    if let Err(note) = noted {
        tracing::warn!("cannot note the sync error in the store: {note}");
    }
}

fn send(
    store: &Store,
    target: &Target,
    sink: &mut Sink,
    progress: &mut dyn FnMut(u64),
) -> Result<Sent, SyncError> {
    sink.migrate()?;
    // Before the cursor, the outbox's end and the scan are read: every
    // response stored from here on is logged, and one stored before is
    // in the scan (`Store::log_changes`).
    store.log_changes()?;
    let store_id = store.store_id()?;
    let terminal = store
        .terminal_name()?
        .unwrap_or_else(|| "kioski".to_owned());
    let mut pusher = Pusher {
        store,
        sink,
        store_id,
        terminal: &terminal,
        versions: HashMap::new(),
        pushed_versions: HashSet::new(),
        sent: Sent {
            target: target.redacted(),
            ..Sent::default()
        },
        progress,
    };
    let cursor = pusher.sink.cursor(store_id)?;
    let last = store.last_change()?;
    let floor = store.change_floor()?;
    let cursor = match cursor {
        // The outbox reaches back to the cursor: send what follows it.
        Some(c) if c >= floor && c <= last => c,
        // A new database, one that missed entries since pruned, or one
        // whose cursor is past this store's (a store restored from a
        // backup): offer every response, then carry on from the outbox.
        _ => {
            pusher.sent.full = true;
            pusher.send_everything(cursor.unwrap_or(0), last)?;
            last
        }
    };
    pusher.sent.cursor = cursor;
    pusher.send_outbox(cursor)?;
    Ok(pusher.sent)
}

struct Pusher<'a> {
    store: &'a Store,
    sink: &'a mut Sink,
    store_id: Uuid,
    terminal: &'a str,
    versions: HashMap<VersionHash, StoredVersion>,
    /// Versions already sent on this connection (each batch names only
    /// new ones; PostgreSQL keeps them by hash anyway).
    pushed_versions: HashSet<VersionHash>,
    sent: Sent,
    progress: &'a mut dyn FnMut(u64),
}

impl Pusher<'_> {
    /// Every stored response, in batches that leave the cursor where it
    /// is (`before`, as PostgreSQL holds it); the last one sets it to `upto`, the outbox's end when this
    /// began (a response stored since is both in the scan and the outbox,
    /// and counts once there).
    fn send_everything(&mut self, before: u64, upto: u64) -> Result<(), SyncError> {
        for entry in self.store.survey_entries()? {
            let mut chunk = Vec::with_capacity(BATCH);
            for response in self.store.responses(&entry.id) {
                chunk.push(response?);
                if chunk.len() == BATCH {
                    self.push(std::mem::take(&mut chunk), Vec::new(), before)?;
                }
            }
            self.push(chunk, Vec::new(), before)?;
        }
        self.push(Vec::new(), Vec::new(), upto)
    }

    /// The outbox past `cursor`, batch by batch.
    fn send_outbox(&mut self, mut cursor: u64) -> Result<(), SyncError> {
        loop {
            let batch = self.store.change_batch(cursor, BATCH)?;
            // `upto` passes entries of responses deleted since, too.
            if batch.upto <= cursor {
                return Ok(());
            }
            let (responses, deleted) = net_changes(batch.changes);
            self.push(responses, deleted, batch.upto)?;
            cursor = batch.upto;
        }
    }

    fn push(
        &mut self,
        responses: Vec<Response>,
        deleted: Vec<Uuid>,
        cursor: u64,
    ) -> Result<(), SyncError> {
        let mut new_versions = Vec::new();
        for r in &responses {
            if !self.pushed_versions.contains(&r.version) && !new_versions.contains(&r.version) {
                if !self.versions.contains_key(&r.version) {
                    let v = self
                        .store
                        .version(&r.version)?
                        .ok_or_else(|| StoreError::UnknownVersion(r.version.to_string()))?;
                    self.versions.insert(r.version, v);
                }
                new_versions.push(r.version);
            }
        }
        let batch = Batch {
            store: self.store_id,
            terminal: self.terminal,
            versions: new_versions
                .iter()
                .filter_map(|h| self.versions.get(h))
                .collect(),
            responses: responses.iter().collect(),
            deleted,
            cursor,
        };
        let counts = self.sink.push(&batch)?;
        self.pushed_versions.extend(new_versions);
        self.sent.inserted += counts.inserted;
        self.sent.already_there += counts.already_there;
        self.sent.deleted += counts.deleted;
        self.sent.cursor = cursor;
        (self.progress)(self.sent.inserted + self.sent.already_there);
        Ok(())
    }
}

/// A run of outbox changes as one batch's effect: the last change of an
/// id wins, so a response deleted later in the run is not sent, and one
/// stored again after a deletion (imported anew) is sent and not deleted.
fn net_changes(changes: Vec<(u64, Change)>) -> (Vec<Response>, Vec<Uuid>) {
    let mut last: HashMap<Uuid, usize> = HashMap::new();
    for (at, (_, change)) in changes.iter().enumerate() {
        let id = match change {
            Change::Stored(r) => r.id,
            Change::Deleted { id, .. } => *id,
        };
        last.insert(id, at);
    }
    let mut responses = Vec::new();
    let mut deleted = Vec::new();
    for (at, (_, change)) in changes.into_iter().enumerate() {
        match change {
            Change::Stored(r) if last.get(&r.id) == Some(&at) => responses.push(r),
            Change::Deleted { id, .. } if last.get(&id) == Some(&at) => deleted.push(id),
            _ => {}
        }
    }
    (responses, deleted)
}

/// What `kioski sync status` shows.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Status {
    /// The stored target, without any password; `None`: sync is off.
    pub target: Option<String>,
    /// Outbox entries not yet confirmed by the target (responses stored
    /// or deleted since the last sync).
    pub waiting: u64,
    pub state: SyncState,
}

/// The store's sync status.
pub fn status(store: &Store) -> Result<Status, StoreError> {
    let state = store.sync_state()?;
    let last = store.last_change()?;
    Ok(Status {
        target: store.sync_target()?,
        waiting: last.saturating_sub(state.sent_seq.max(store.change_floor()?)),
        state,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::answer::Answers;
    use crate::core::survey::Lang;

    fn response(n: u128) -> Response {
        Response {
            id: Uuid::from_u128(n),
            survey: "s".into(),
            version: VersionHash([0; 32]),
            terminal: "t".into(),
            lang: Lang::Fi,
            started_ms: 0,
            submitted_ms: 0,
            complete: true,
            answers: Answers::default(),
            simulated: false,
            suspect: false,
        }
    }

    fn deleted(n: u128) -> Change {
        Change::Deleted {
            survey: "s".into(),
            id: Uuid::from_u128(n),
        }
    }

    #[test]
    fn the_last_change_of_an_id_wins_within_a_batch() {
        let changes = vec![
            (1, Change::Stored(response(1))),
            (2, Change::Stored(response(2))),
            (3, deleted(1)),
            (4, deleted(3)),
            (5, Change::Stored(response(3))),
        ];
        let (responses, gone) = net_changes(changes);
        let ids: Vec<_> = responses.iter().map(|r| r.id.as_u128()).collect();
        assert_eq!(ids, [2, 3]);
        assert_eq!(gone, [Uuid::from_u128(1)]);
    }
}
