//! The outbox: what a sync has not sent yet (docs/store.md, "The outbox").
//!
//! Every response write and every deletion appends a change to the
//! `outbox` tree, keyed by a sequence number, in the same sled
//! transaction as the write itself: a response is never stored without
//! its change, nor a change kept for a write that did not happen.
//! Sequence numbers are taken and committed under one mutex, so they are
//! committed in order; and a reader sees only numbers that a sync made
//! durable. So a reader that has seen N has seen every entry below N,
//! and no entry it sees can vanish in a crash and be numbered again.
//!
//! Only once changes are logged, though (`changes_logged` in `meta`, set
//! by the first `sync set` or sync and never cleared but by a restore): a
//! store that never synced has no cursor in any database, its first sync
//! sends everything anyway, and a million entries nobody reads would
//! make every open of it slower.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};

use serde::{Deserialize, Serialize};
use sled::Transactional;
use sled::transaction::{TransactionError, TransactionResult};
use uuid::Uuid;

use super::codec::{self, CodecError};
use super::database::{Sled, Store, encode_error, poisoned, record_error};
use super::error::StoreError;
use super::keys;
use crate::core::response::Response;

/// Records per sled transaction when many are written or removed at once
/// (a simulate batch, a delete): each transaction is held in memory whole.
pub(super) const CHUNK: usize = 1000;

/// One change, as [`Store::changes_after`] gives it.
#[derive(Clone, Debug, PartialEq)]
pub enum Change {
    /// A response was stored (read from the store when asked for).
    Stored(Response),
    /// A response was deleted.
    Deleted { survey: String, id: Uuid },
}

/// What [`Store::change_batch`] found: the changes, and how far it looked.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ChangeBatch {
    pub changes: Vec<(u64, Change)>,
    /// Every entry up to this seq was looked at (those of responses deleted
    /// since are skipped): a cursor can move here even when `changes` is
    /// empty. Equal to `after` when there was nothing to look at.
    pub upto: u64,
}

/// What the last sync did, for `kioski sync status` (in `meta`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncState {
    /// The cursor the target confirmed last.
    pub sent_seq: u64,
    /// When the last sync succeeded (Unix ms).
    pub last_ok_ms: Option<i64>,
    pub last_error: Option<String>,
    pub last_error_ms: Option<i64>,
    /// Responses sent, all time.
    pub sent_total: u64,
}

/// An outbox entry as stored (record format 1): the response's key parts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
enum ChangeV1 {
    Stored { survey: String, id: [u8; 16] },
    Deleted { survey: String, id: [u8; 16] },
}

const CHANGE_FORMAT: u8 = 1;
const SYNC_STATE_FORMAT: u8 = 1;

fn encode_change(change: &ChangeV1) -> Result<Vec<u8>, StoreError> {
    codec::encode(CHANGE_FORMAT, change).map_err(encode_error)
}

fn decode_change(bytes: &[u8]) -> Result<ChangeV1, CodecError> {
    let (_, body) = codec::split(bytes, CHANGE_FORMAT)?;
    codec::decode_body(body)
}

/// The outbox's numbers in this process. `last` is the highest seq
/// committed (only raised under `lock`, after its transaction), `durable`
/// the highest a sync has made durable: readers see up to `durable`.
/// `logging`: the `changes_logged` mark, read at open, so that a write
/// checks it without a read of `meta`; changed only under `lock`.
#[derive(Debug, Default)]
pub(super) struct Outbox {
    lock: Mutex<()>,
    last: AtomicU64,
    durable: AtomicU64,
    logging: AtomicBool,
}

impl Outbox {
    /// The numbers of the database just opened: what is on disk is durable.
    pub(super) fn at_open(sled: &Sled) -> Result<Outbox, StoreError> {
        let last = last_on_disk(sled)?;
        let logging = sled
            .meta
            .contains_key(keys::META_CHANGES_LOGGED)
            .map_err(super::error::read_error)?;
        Ok(Outbox {
            lock: Mutex::new(()),
            last: AtomicU64::new(last),
            durable: AtomicU64::new(last),
            logging: AtomicBool::new(logging),
        })
    }

    fn logging(&self) -> bool {
        self.logging.load(Ordering::SeqCst)
    }

    /// The highest seq committed; read before a flush, and given to
    /// [`Outbox::made_durable`] once it succeeded (everything committed
    /// before a flush is durable after it).
    pub(super) fn committed(&self) -> u64 {
        self.last.load(Ordering::SeqCst)
    }

    pub(super) fn made_durable(&self, seq: u64) {
        self.durable.fetch_max(seq, Ordering::SeqCst);
    }

    fn durable(&self) -> u64 {
        self.durable.load(Ordering::SeqCst)
    }

    fn lock(&self) -> Result<MutexGuard<'_, ()>, StoreError> {
        self.lock.lock().map_err(|_| poisoned())
    }
}

/// The highest seq the database holds or has pruned.
fn last_on_disk(sled: &Sled) -> Result<u64, StoreError> {
    let last = match sled.outbox.last().map_err(super::error::read_error)? {
        Some((key, _)) => keys::change_seq(&key).unwrap_or(0),
        None => 0,
    };
    Ok(last.max(floor_in(sled)?))
}

fn floor_in(sled: &Sled) -> Result<u64, StoreError> {
    Ok(sled
        .meta
        .get(keys::META_OUTBOX_FLOOR)
        .map_err(super::error::read_error)?
        .and_then(|v| keys::change_seq(&v))
        .unwrap_or(0))
}

impl Store {
    // ---- the hooks of the write paths ----------------------------------

    /// Runs `write(start, log)`, one sled transaction that (when `log`:
    /// changes are logged) appends changes numbered from `start + 1` on
    /// and returns the last number it used, under the outbox's mutex:
    /// numbers are taken and committed in order, the highest committed is
    /// raised only after the commit, and the mark cannot be set between
    /// `log` read and the commit (see [`Store::log_changes`]). Every
    /// response write goes through here (`Store::write_with_aggregates`,
    /// one transaction over responses, tallies, texts and outbox). The
    /// caller syncs.
    pub(super) fn outbox_numbered(
        &self,
        write: impl FnOnce(u64, bool) -> Result<u64, StoreError>,
    ) -> Result<(), StoreError> {
        let _lock = self.outbox.lock()?;
        let start = self.outbox.committed();
        let last = write(start, self.outbox.logging())?;
        self.outbox.last.store(last, Ordering::SeqCst);
        Ok(())
    }

    /// Removes response records by key, each with a `Deleted` change
    /// (once changes are logged) in the same transaction (one per
    /// [`CHUNK`]); a key not stored (any more) gets no change. The caller
    /// marks the survey's tally cells for a recount and drops its kept
    /// texts first.
    /// Returns how many went. The caller syncs.
    pub(super) fn outbox_remove(
        &self,
        sled: &Sled,
        chosen: &[sled::IVec],
    ) -> Result<u64, StoreError> {
        let mut removed = 0;
        for chunk in chosen.chunks(CHUNK) {
            let mut changes = Vec::with_capacity(chunk.len());
            for key in chunk {
                changes.push(deleted_change(key)?);
            }
            let _lock = self.outbox.lock()?;
            let start = self.outbox.committed();
            let log = self.outbox.logging();
            let result: TransactionResult<(u64, u64), ()> = (&sled.responses, &sled.outbox)
                .transaction(|(responses, outbox)| {
                    let (mut seq, mut gone) = (start, 0);
                    for (key, change) in chunk.iter().zip(&changes) {
                        if responses.remove(key)?.is_some() {
                            gone += 1;
                            if log {
                                seq += 1;
                                outbox.insert(&keys::change(seq), change.as_slice())?;
                            }
                        }
                    }
                    Ok((seq, gone))
                });
            let (last, gone) = self.committed(result)?;
            removed += gone;
            self.outbox.last.store(last, Ordering::SeqCst);
        }
        Ok(removed)
    }

    /// A restore starts the outbox afresh: no entries, floor 0, no sync
    /// state, and a new store id at the next call (its first sync is a
    /// full send to every target). Changes are logged from now on only if
    /// the backup brought a sync target (a store with a target always
    /// logs: its kiosk syncs); else, as in a new store, from the first
    /// sync. The caller syncs.
    pub(super) fn outbox_reset(&self, sled: &Sled) -> Result<(), StoreError> {
        let _lock = self.outbox.lock()?;
        sled.outbox.clear().map_err(|e| self.write_failed(e))?;
        for key in keys::OUTBOX_META {
            sled.meta.remove(key).map_err(|e| self.write_failed(e))?;
        }
        self.outbox.last.store(0, Ordering::SeqCst);
        self.outbox.durable.store(0, Ordering::SeqCst);
        self.outbox.logging.store(false, Ordering::SeqCst);
        let target = sled
            .meta
            .contains_key(keys::META_SYNC_TARGET)
            .map_err(|e| self.read_failed(e))?;
        if target {
            // Floor 1: the responses restored next have no entries.
            self.begin_log(sled, true)?;
        }
        Ok(())
    }

    /// At open, for a store without the `changes_logged` mark (written by
    /// a kioski that logged every change, or never synced): one that has
    /// a store id (it synced) or a sync target logs from now on; one that
    /// has neither drops the entries it logged for nobody (no database
    /// can hold a cursor for a store id that was never made), once.
    pub(super) fn outbox_at_open(&self) -> Result<(), StoreError> {
        if self.outbox.logging() {
            return Ok(());
        }
        let sled = self.sled_for_write()?;
        let read = |key: &[u8]| sled.meta.contains_key(key).map_err(|e| self.read_failed(e));
        if read(keys::META_STORE_ID)? || read(keys::META_SYNC_TARGET)? {
            // Its log is whole (it logged every change): the mark only,
            // not a new floor, so its target's cursor still reaches.
            let _lock = self.outbox.lock()?;
            self.outbox.logging.store(true, Ordering::SeqCst);
            sled.meta
                .insert(keys::META_CHANGES_LOGGED, &[1u8])
                .map_err(|e| self.write_failed(e))?;
            return self.sync_handles(&sled);
        }
        if sled.outbox.is_empty() {
            return Ok(());
        }
        let _lock = self.outbox.lock()?;
        let last = self.outbox.committed();
        // The floor first, as a prune does: numbering goes on after it.
        if last > floor_in(&sled)? {
            sled.meta
                .insert(keys::META_OUTBOX_FLOOR, &keys::change(last))
                .map_err(|e| self.write_failed(e))?;
        }
        sled.outbox.clear().map_err(|e| self.write_failed(e))?;
        self.sync_handles(&sled)?;
        tracing::info!("dropped the change log of a store that never synced");
        Ok(())
    }

    fn committed<T>(&self, result: TransactionResult<T, ()>) -> Result<T, StoreError> {
        result.map_err(|e| match e {
            TransactionError::Storage(e) => self.write_failed(e),
            TransactionError::Abort(()) => StoreError::Write("the write was aborted".into()),
        })
    }

    // ---- the API of a sync ---------------------------------------------

    /// From now on every change enters the outbox, durably (the
    /// `changes_logged` mark): the first `sync set` and every sync call
    /// this before they read a response. It takes the outbox's mutex,
    /// which each write holds from reading the mark to its commit, so a
    /// write not logged was committed before this returned: a full send's
    /// scan, begun after, sees it. Never undone but by a restore.
    pub fn log_changes(&self) -> Result<(), StoreError> {
        if self.outbox.logging() {
            return Ok(());
        }
        let sled = self.sled_for_write()?;
        let _lock = self.outbox.lock()?;
        // Under the mutex every unlogged write has committed: exact.
        let unlogged = !sled.responses.is_empty();
        self.begin_log(&sled, unlogged)?;
        self.sync_handles(&sled)
    }

    /// Starts the log (the caller holds the outbox's mutex and syncs).
    /// Responses stored so far (`unlogged`) have no entries, so then the
    /// floor goes one past the last number: a database whose cursor is
    /// below it (none, or 0 from a first full send cut short, which moves
    /// the cursor only at its end) gets a full send, never the outbox
    /// alone.
    fn begin_log(&self, sled: &Sled, unlogged: bool) -> Result<(), StoreError> {
        // On before the mark is durable, and even if it cannot be made so:
        // logging more than needed is harmless, and a store that got a
        // store id or a target logs after its next open anyway.
        self.outbox.logging.store(true, Ordering::SeqCst);
        let mut batch = sled::Batch::default();
        let floor = self.outbox.committed() + 1;
        if unlogged {
            batch.insert(keys::META_OUTBOX_FLOOR, &keys::change(floor));
        }
        batch.insert(keys::META_CHANGES_LOGGED, &[1u8]);
        sled.meta
            .apply_batch(batch)
            .map_err(|e| self.write_failed(e))?;
        if unlogged {
            self.outbox.last.store(floor, Ordering::SeqCst);
        }
        Ok(())
    }

    /// Whether changes are logged (see [`Store::log_changes`]).
    pub fn logs_changes(&self) -> bool {
        self.outbox.logging()
    }

    /// This store's own id (random UUID v4, made at the first call, kept
    /// in `meta`); a sync target keys its cursor by it. A restore gives
    /// the store a new one.
    pub fn store_id(&self) -> Result<Uuid, StoreError> {
        let sled = self.sled()?;
        if let Some(id) = self.read_store_id(&sled)? {
            return Ok(id);
        }
        drop(sled);
        let sled = self.sled_for_write()?;
        let _lock = self.outbox.lock()?;
        if let Some(id) = self.read_store_id(&sled)? {
            return Ok(id);
        }
        let id = Uuid::new_v4();
        sled.meta
            .insert(keys::META_STORE_ID, id.as_bytes())
            .map_err(|e| self.write_failed(e))?;
        self.sync_handles(&sled)?;
        Ok(id)
    }

    fn read_store_id(&self, sled: &Sled) -> Result<Option<Uuid>, StoreError> {
        let value = sled
            .meta
            .get(keys::META_STORE_ID)
            .map_err(|e| self.read_failed(e))?;
        value
            .map(|v| {
                Uuid::from_slice(&v).map_err(|_| StoreError::Damaged {
                    dir: self.dir.clone(),
                    reason: "its store id is not 16 bytes".into(),
                })
            })
            .transpose()
    }

    /// Up to `limit` changes with seq > `after`, in order. A `Stored`
    /// whose response is gone (deleted since) is skipped.
    pub fn changes_after(
        &self,
        after: u64,
        limit: usize,
    ) -> Result<Vec<(u64, Change)>, StoreError> {
        Ok(self.change_batch(after, limit)?.changes)
    }

    /// [`Store::changes_after`], and how far it looked: skipped entries
    /// count toward no limit, so a long run of deleted responses never
    /// ends a batch early, and `upto` lets a cursor move past them.
    pub fn change_batch(&self, after: u64, limit: usize) -> Result<ChangeBatch, StoreError> {
        let sled = self.sled()?;
        let durable = self.outbox.durable();
        let mut batch = ChangeBatch {
            changes: Vec::new(),
            upto: after,
        };
        if after >= durable || limit == 0 {
            return Ok(batch);
        }
        let range = keys::change(after + 1)..=keys::change(durable);
        for item in sled.outbox.range(range) {
            let (key, value) = item.map_err(|e| self.read_failed(e))?;
            let Some(seq) = keys::change_seq(&key) else {
                continue;
            };
            let change = decode_change(&value)
                .map_err(|e| record_error(&self.dir, keys::OUTBOX, &key, e))?;
            let change = match change {
                ChangeV1::Stored { survey, id } => {
                    let key = keys::response(&survey, &Uuid::from_bytes(id));
                    match sled.responses.get(&key).map_err(|e| self.read_failed(e))? {
                        Some(value) => Some(Change::Stored(Store::decode_response_record(
                            &self.dir, &key, &value,
                        )?)),
                        None => None,
                    }
                }
                ChangeV1::Deleted { survey, id } => Some(Change::Deleted {
                    survey,
                    id: Uuid::from_bytes(id),
                }),
            };
            batch.upto = seq;
            if let Some(change) = change {
                batch.changes.push((seq, change));
                if batch.changes.len() >= limit {
                    break;
                }
            }
        }
        Ok(batch)
    }

    /// The highest seq written (and durable) so far; 0: none.
    pub fn last_change(&self) -> Result<u64, StoreError> {
        Ok(self.outbox.durable())
    }

    /// Entries <= `upto` are no longer needed (sent to the configured
    /// target): they go, and the floor remembers how far. `upto` past the
    /// last change is taken as the last change; the floor never goes down.
    pub fn prune_changes(&self, upto: u64) -> Result<(), StoreError> {
        let sled = self.sled_for_write()?;
        let upto = upto.min(self.outbox.durable());
        if upto <= floor_in(&sled)? {
            return Ok(());
        }
        // The floor first: a crash in the middle leaves entries at or
        // below it, which a cursor past them never reads.
        sled.meta
            .insert(keys::META_OUTBOX_FLOOR, &keys::change(upto))
            .map_err(|e| self.write_failed(e))?;
        let mut gone = Vec::new();
        for item in sled.outbox.range(..=keys::change(upto)).keys() {
            gone.push(item.map_err(|e| self.read_failed(e))?);
        }
        for key in gone {
            sled.outbox.remove(key).map_err(|e| self.write_failed(e))?;
        }
        self.sync_handles(&sled)
    }

    /// Every entry <= the floor has been pruned (0: none). A target whose
    /// cursor is below the floor needs a full send.
    pub fn change_floor(&self) -> Result<u64, StoreError> {
        floor_in(&*self.sled()?)
    }

    /// The sync target (a URL without its password); `None`: sync is off.
    pub fn sync_target(&self) -> Result<Option<String>, StoreError> {
        let value = self
            .sled()?
            .meta
            .get(keys::META_SYNC_TARGET)
            .map_err(|e| self.read_failed(e))?;
        Ok(value.map(|v| String::from_utf8_lossy(&v).into_owned()))
    }

    /// Sets (`Some`) or clears the sync target, durably. A target set
    /// starts the change log first (kept when the target is cleared: a
    /// later target may be the same database, which must learn of the
    /// deletions made meanwhile).
    pub fn set_sync_target(&self, url: Option<&str>) -> Result<(), StoreError> {
        if url.is_some_and(|u| u.trim().is_empty() || u.chars().any(char::is_control)) {
            return Err(StoreError::Setting(
                "the sync target is empty or holds control characters: give a postgresql:// URL"
                    .into(),
            ));
        }
        if url.is_some() {
            self.log_changes()?;
        }
        let sled = self.sled_for_write()?;
        match url {
            Some(url) => sled
                .meta
                .insert(keys::META_SYNC_TARGET, url.as_bytes())
                .map(|_| ()),
            None => sled.meta.remove(keys::META_SYNC_TARGET).map(|_| ()),
        }
        .map_err(|e| self.write_failed(e))?;
        self.sync_handles(&sled)?;
        self.watchers
            .notify(super::watch::StoreEvent::SyncTargetChanged);
        Ok(())
    }

    /// What the last sync did (the default before any).
    pub fn sync_state(&self) -> Result<SyncState, StoreError> {
        let Some(value) = self
            .sled()?
            .meta
            .get(keys::META_SYNC_STATE)
            .map_err(|e| self.read_failed(e))?
        else {
            return Ok(SyncState::default());
        };
        codec::split(&value, SYNC_STATE_FORMAT)
            .and_then(|(_, body)| codec::decode_body(body))
            .map_err(|e| record_error(&self.dir, keys::META, keys::META_SYNC_STATE, e))
    }

    /// Records what a sync did, durably.
    pub fn set_sync_state(&self, state: &SyncState) -> Result<(), StoreError> {
        let bytes = codec::encode(SYNC_STATE_FORMAT, state).map_err(encode_error)?;
        let sled = self.sled_for_write()?;
        sled.meta
            .insert(keys::META_SYNC_STATE, bytes)
            .map_err(|e| self.write_failed(e))?;
        self.sync_handles(&sled)
    }
}

pub(super) fn stored_change(key: &[u8]) -> Result<Vec<u8>, StoreError> {
    let (survey, id) = split(key)?;
    encode_change(&ChangeV1::Stored { survey, id })
}

fn deleted_change(key: &[u8]) -> Result<Vec<u8>, StoreError> {
    let (survey, id) = split(key)?;
    encode_change(&ChangeV1::Deleted { survey, id })
}

fn split(key: &[u8]) -> Result<(String, [u8; 16]), StoreError> {
    keys::split_response(key)
        .map(|(survey, id)| (survey.to_owned(), id.into_bytes()))
        .ok_or_else(|| StoreError::Write(format!("{} is not a response key", keys::show(key))))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::answer::Answer;
    use crate::core::retention::Selection;
    use crate::core::validate::survey_from_str;
    use crate::core::version::VersionHash;
    use std::collections::HashSet;

    const NOTE: &str = "id = \"muistio\"\nlanguages = [\"en\"]\ntitle = { en = \"Notes\" }\nthanks = { en = \"Thanks\" }\nkeep_days = 1\n\n[[question]]\nid = \"note\"\ntype = \"text\"\nrequired = true\ntext = { en = \"Anything?\" }\n";
    const NOW: i64 = 1_790_000_000_000;
    const DAY: i64 = 24 * 60 * 60 * 1000;

    fn open(dir: &tempfile::TempDir) -> Store {
        Store::open(dir.path(), "test").unwrap()
    }

    /// A store whose changes are logged, as after its first `sync set`.
    fn logging(dir: &tempfile::TempDir) -> Store {
        let store = open(dir);
        store.log_changes().unwrap();
        store
    }

    fn load(store: &Store) -> VersionHash {
        let survey = survey_from_str(NOTE).unwrap();
        store.load(&survey, NOTE, NOW).unwrap().hash
    }

    /// Response `n`: complete when `n` is even, submitted `n` ms after NOW.
    fn note(version: VersionHash, n: u128) -> Response {
        Response {
            id: Uuid::from_u128((0x0190_0000_0000_7000_8000_u128 << 48) + n),
            survey: "muistio".into(),
            version,
            terminal: "t".into(),
            lang: crate::core::survey::Lang::En,
            started_ms: NOW,
            submitted_ms: NOW + n as i64,
            complete: n.is_multiple_of(2),
            answers: [("note".to_owned(), Answer::Text(format!("note {n}")))].into(),
            simulated: false,
            suspect: false,
        }
    }

    fn all(store: &Store) -> Vec<(u64, Change)> {
        store.changes_after(0, usize::MAX).unwrap()
    }

    fn stored_ids(changes: &[(u64, Change)]) -> Vec<Uuid> {
        changes
            .iter()
            .filter_map(|(_, c)| match c {
                Change::Stored(r) => Some(r.id),
                Change::Deleted { .. } => None,
            })
            .collect()
    }

    fn deleted_ids(changes: &[(u64, Change)]) -> Vec<Uuid> {
        changes
            .iter()
            .filter_map(|(_, c)| match c {
                Change::Deleted { id, .. } => Some(*id),
                Change::Stored(_) => None,
            })
            .collect()
    }

    /// Entries in the outbox tree, pruned or not.
    fn entries(store: &Store) -> usize {
        store.sled().unwrap().outbox.len()
    }

    #[test]
    fn a_store_never_synced_logs_no_changes() {
        let dir = tempfile::tempdir().unwrap();
        let store = open(&dir);
        let v = load(&store);
        for n in 0..4 {
            store.submit(&note(v, n)).unwrap();
        }
        let bundle: Vec<Response> = (10..20).map(|n| note(v, n)).collect();
        assert_eq!(store.submit_batch(&bundle).unwrap(), 10);
        let simulated: Vec<Response> = (100..(CHUNK as u128 + 110)).map(|n| note(v, n)).collect();
        assert_eq!(store.submit_many(&simulated).unwrap(), simulated.len());
        let partial = Selection {
            partial: true,
            ..Selection::default()
        };
        assert!(
            store
                .delete_responses("muistio", &partial)
                .unwrap()
                .responses
                > 0
        );
        assert!(store.apply_keep_days(NOW + 2 * DAY).unwrap() > 0);
        assert_eq!(entries(&store), 0);
        assert_eq!(store.last_change().unwrap(), 0);
        assert!(all(&store).is_empty());
        drop(store);
        assert_eq!(entries(&open(&dir)), 0);
    }

    #[test]
    fn a_sync_target_starts_the_log_and_sync_off_keeps_it() {
        let dir = tempfile::tempdir().unwrap();
        {
            let store = open(&dir);
            let v = load(&store);
            store.submit(&note(v, 1)).unwrap();
            assert!(!store.logs_changes());
            store.set_sync_target(Some("postgresql://db/k")).unwrap();
            assert!(store.logs_changes());
            // Response 1 has no entry: a cursor below 1 needs a full send.
            assert_eq!(store.change_floor().unwrap(), 1);
            store.set_sync_target(None).unwrap();
            assert!(store.logs_changes());
            // A delete while sync is off is logged, for a later target.
            store.delete_survey("muistio").unwrap();
            assert_eq!(deleted_ids(&all(&store)), vec![note(v, 1).id]);
        }
        let store = open(&dir);
        assert!(store.logs_changes());
        let v = load(&store);
        store.submit(&note(v, 2)).unwrap();
        assert_eq!(stored_ids(&all(&store)), vec![note(v, 2).id]);
    }

    /// Removes the mark, as in a store written before it existed.
    fn unmark(store: &Store) {
        let sled = store.sled_for_write().unwrap();
        sled.meta.remove(keys::META_CHANGES_LOGGED).unwrap();
        store.sync_handles(&sled).unwrap();
    }

    #[test]
    fn an_earlier_store_that_never_synced_drops_its_log_at_open() {
        let dir = tempfile::tempdir().unwrap();
        {
            let store = logging(&dir);
            let v = load(&store);
            for n in 0..5 {
                store.submit(&note(v, n)).unwrap();
            }
            unmark(&store);
            assert_eq!(entries(&store), 5);
        }
        let store = open(&dir);
        assert!(!store.logs_changes());
        assert_eq!(entries(&store), 0);
        // Numbering would go on after the floor.
        assert_eq!(store.change_floor().unwrap(), 5);
        assert_eq!(store.last_change().unwrap(), 5);
        let v = load(&store);
        store.submit(&note(v, 9)).unwrap();
        assert_eq!(entries(&store), 0);
        assert_eq!(crate::sync::status(&store).unwrap().waiting, 0);
    }

    #[test]
    fn an_earlier_store_that_synced_or_has_a_target_keeps_logging() {
        for synced in [true, false] {
            let dir = tempfile::tempdir().unwrap();
            {
                let store = logging(&dir);
                let v = load(&store);
                for n in 0..3 {
                    store.submit(&note(v, n)).unwrap();
                }
                if synced {
                    store.store_id().unwrap();
                } else {
                    store.set_sync_target(Some("postgresql://db/k")).unwrap();
                }
                unmark(&store);
            }
            let store = open(&dir);
            assert!(store.logs_changes(), "synced: {synced}");
            assert_eq!(entries(&store), 3);
            let v = load(&store);
            store.submit(&note(v, 7)).unwrap();
            assert_eq!(store.last_change().unwrap(), 4);
            drop(store);
            // The mark is written at that open, so it stays.
            let store = open(&dir);
            let sled = store.sled().unwrap();
            assert!(sled.meta.contains_key(keys::META_CHANGES_LOGGED).unwrap());
        }
    }

    #[test]
    fn a_restore_without_a_target_logs_nothing_until_a_sync() {
        let dir = tempfile::tempdir().unwrap();
        let source = open(&dir);
        let v = load(&source);
        source.submit(&note(v, 1)).unwrap();
        let file = dir.path().join("b.kioski-backup");
        super::super::backup::write(&source, &file, NOW).unwrap();

        let target = tempfile::tempdir().unwrap();
        // A store that logged (it synced once) takes the backup's state.
        let restored = logging(&target);
        let verified = super::super::backup::read_verified(&file).unwrap();
        super::super::backup::restore(&restored, &file, verified).unwrap();
        assert!(!restored.logs_changes());
        restored.submit(&note(v, 2)).unwrap();
        assert_eq!(entries(&restored), 0);
        drop(restored);
        assert!(!open(&target).logs_changes());
    }

    /// The mark is set under the outbox's mutex, which each write holds
    /// from reading it to its commit: whatever a scan begun after
    /// [`Store::log_changes`] misses is in the outbox (what the first
    /// full send relies on, `sync::send`).
    #[test]
    fn a_write_racing_the_mark_is_in_the_scan_after_it_or_in_the_outbox() {
        for round in 0..4u128 {
            let dir = tempfile::tempdir().unwrap();
            let store = open(&dir);
            let v = load(&store);
            let (threads, each) = (3u128, 60u128);
            let scanned: HashSet<Uuid> = std::thread::scope(|s| {
                for t in 0..threads {
                    let store = &store;
                    s.spawn(move || {
                        for i in 0..each {
                            store.submit(&note(v, 10_000 * (t + 1) + i)).unwrap();
                        }
                    });
                }
                std::thread::sleep(std::time::Duration::from_millis(5 * round as u64));
                store.log_changes().unwrap();
                store.responses("muistio").map(|r| r.unwrap().id).collect()
            });
            let logged: HashSet<Uuid> = stored_ids(&all(&store)).into_iter().collect();
            let stored: HashSet<Uuid> = store.responses("muistio").map(|r| r.unwrap().id).collect();
            assert_eq!(stored.len(), (threads * each) as usize);
            let missed: Vec<_> = stored
                .difference(&scanned)
                .filter(|id| !logged.contains(id))
                .collect();
            assert!(
                missed.is_empty(),
                "round {round}: {} neither scanned nor logged",
                missed.len()
            );
        }
    }

    #[test]
    fn every_submitted_response_appears_once_in_submit_order() {
        let dir = tempfile::tempdir().unwrap();
        let store = logging(&dir);
        let v = load(&store);
        // Submitted out of id order: the outbox keeps the submit order.
        let order = [5u128, 1, 4, 2, 3];
        for n in order {
            store.submit(&note(v, n)).unwrap();
        }
        // The same response again is no new change.
        store.submit(&note(v, 4)).unwrap();
        let changes = all(&store);
        let want: Vec<Uuid> = order.iter().map(|n| note(v, *n).id).collect();
        assert_eq!(stored_ids(&changes), want);
        let seqs: Vec<u64> = changes.iter().map(|(s, _)| *s).collect();
        assert_eq!(seqs, vec![1, 2, 3, 4, 5]);
        assert_eq!(store.last_change().unwrap(), 5);
        assert!(matches!(&changes[0].1, Change::Stored(r) if *r == note(v, 5)));
        // A cursor and a limit read the rest in order.
        let rest = store.changes_after(2, 2).unwrap();
        assert_eq!(rest.iter().map(|(s, _)| *s).collect::<Vec<_>>(), vec![3, 4]);
    }

    #[test]
    fn concurrent_submits_never_put_an_entry_behind_a_reader() {
        let dir = tempfile::tempdir().unwrap();
        let store = logging(&dir);
        let v = load(&store);
        let (threads, each) = (4u128, 40u128);
        let done = std::sync::atomic::AtomicBool::new(false);
        let seen = std::thread::scope(|s| {
            let writers: Vec<_> = (0..threads)
                .map(|t| {
                    let store = &store;
                    s.spawn(move || {
                        for i in 0..each {
                            store.submit(&note(v, 1000 * (t + 1) + i)).unwrap();
                        }
                    })
                })
                .collect();
            let reader = s.spawn(|| {
                // A sync's loop: read after the cursor, move it to where
                // the batch looked. An entry committed behind it is lost.
                let (mut cursor, mut seen) = (0, Vec::new());
                loop {
                    let finished = done.load(Ordering::SeqCst);
                    let batch = store.change_batch(cursor, 7).unwrap();
                    for (seq, change) in &batch.changes {
                        assert!(*seq > cursor);
                        if let Change::Stored(r) = change {
                            seen.push(r.id);
                        }
                    }
                    cursor = batch.upto;
                    if finished && batch.changes.is_empty() {
                        return seen;
                    }
                }
            });
            for w in writers {
                w.join().unwrap();
            }
            done.store(true, Ordering::SeqCst);
            reader.join().unwrap()
        });
        assert_eq!(seen.len(), (threads * each) as usize);
        assert_eq!(seen.iter().collect::<HashSet<_>>().len(), seen.len());
    }

    #[test]
    fn an_import_appends_only_the_new_responses() {
        let dir = tempfile::tempdir().unwrap();
        let store = logging(&dir);
        let v = load(&store);
        let first: Vec<Response> = (0..10).map(|n| note(v, n)).collect();
        assert_eq!(store.submit_batch(&first).unwrap(), 10);
        let second: Vec<Response> = (5..15).map(|n| note(v, n)).collect();
        assert_eq!(store.submit_batch(&second).unwrap(), 5);
        assert_eq!(store.submit_batch(&second).unwrap(), 0);
        let want: Vec<Uuid> = (0..15).map(|n| note(v, n).id).collect();
        assert_eq!(stored_ids(&all(&store)), want);
        assert_eq!(store.last_change().unwrap(), 15);
    }

    #[test]
    fn simulated_batches_append_every_response() {
        let dir = tempfile::tempdir().unwrap();
        let store = logging(&dir);
        let v = load(&store);
        // More than one transaction's chunk.
        let many: Vec<Response> = (0..(CHUNK as u128 + 10)).map(|n| note(v, n)).collect();
        assert_eq!(store.submit_many(&many).unwrap(), many.len());
        let ids: Vec<Uuid> = many.iter().map(|r| r.id).collect();
        assert_eq!(stored_ids(&all(&store)), ids);
    }

    #[test]
    fn a_delete_appends_deleted_and_the_stored_entry_is_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let store = logging(&dir);
        let v = load(&store);
        for n in 0..6 {
            store.submit(&note(v, n)).unwrap();
        }
        let partial = Selection {
            partial: true,
            ..Selection::default()
        };
        let done = store.delete_responses("muistio", &partial).unwrap();
        assert_eq!(done.responses, 3);
        let changes = all(&store);
        let odd: Vec<Uuid> = [1, 3, 5].iter().map(|n| note(v, *n).id).collect();
        let even: Vec<Uuid> = [0, 2, 4].iter().map(|n| note(v, *n).id).collect();
        assert_eq!(stored_ids(&changes), even);
        assert_eq!(deleted_ids(&changes), odd);
        assert_eq!(changes.last().unwrap().0, 9);
        // A batch that looked past skipped entries says how far it looked.
        let batch = store.change_batch(0, 1).unwrap();
        assert_eq!(batch.changes.len(), 1);
        assert_eq!(batch.upto, 1);
        let tail = store.change_batch(5, 10).unwrap();
        assert_eq!(deleted_ids(&tail.changes), odd);
        assert_eq!(tail.upto, 9);

        // The survey whole: each response left gets its Deleted.
        store.delete_survey("muistio").unwrap();
        let changes = all(&store);
        assert!(stored_ids(&changes).is_empty());
        let mut gone = deleted_ids(&changes);
        gone.sort();
        let mut want = [odd, even].concat();
        want.sort();
        assert_eq!(gone, want);
    }

    #[test]
    fn keep_days_appends_deleted_for_what_it_takes() {
        let dir = tempfile::tempdir().unwrap();
        let store = logging(&dir);
        let v = load(&store);
        for n in 0..3 {
            store.submit(&note(v, n)).unwrap();
        }
        assert_eq!(store.apply_keep_days(NOW + 2 * DAY).unwrap(), 3);
        let changes = all(&store);
        assert!(stored_ids(&changes).is_empty());
        assert_eq!(deleted_ids(&changes).len(), 3);
    }

    #[test]
    fn prize_entries_never_enter_the_outbox() {
        let dir = tempfile::tempdir().unwrap();
        let store = logging(&dir);
        load(&store);
        store
            .add_prize_entry("muistio", &[("email".into(), "a@b.fi".into())])
            .unwrap();
        assert_eq!(store.last_change().unwrap(), 0);
        assert!(all(&store).is_empty());
    }

    #[test]
    fn prune_drops_entries_and_keeps_the_floor_and_the_numbers() {
        let dir = tempfile::tempdir().unwrap();
        {
            let store = logging(&dir);
            let v = load(&store);
            for n in 0..5 {
                store.submit(&note(v, n)).unwrap();
            }
            store.prune_changes(3).unwrap();
            assert_eq!(store.change_floor().unwrap(), 3);
            let seqs: Vec<u64> = all(&store).iter().map(|(s, _)| *s).collect();
            assert_eq!(seqs, vec![4, 5]);
            // The floor never goes down, and never past the last change.
            store.prune_changes(1).unwrap();
            assert_eq!(store.change_floor().unwrap(), 3);
            store.prune_changes(1000).unwrap();
            assert_eq!(store.change_floor().unwrap(), 5);
            assert!(all(&store).is_empty());
            assert_eq!(store.last_change().unwrap(), 5);
        }
        // Reopened with an empty outbox: numbers go on from the floor.
        let store = open(&dir);
        assert_eq!(store.last_change().unwrap(), 5);
        let v = load(&store);
        store.submit(&note(v, 9)).unwrap();
        let seqs: Vec<u64> = all(&store).iter().map(|(s, _)| *s).collect();
        assert_eq!(seqs, vec![6]);
    }

    #[test]
    fn the_outbox_survives_a_rewrite_and_a_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let before = {
            let store = logging(&dir);
            let v = load(&store);
            for n in 0..4 {
                store.submit(&note(v, n)).unwrap();
            }
            store.prune_changes(1).unwrap();
            let done = store.delete_responses(
                "muistio",
                &Selection {
                    partial: true,
                    ..Selection::default()
                },
            );
            assert!(done.unwrap().rewritten);
            let changes = all(&store);
            assert_eq!(changes.last().unwrap().0, 6);
            // Written after the rewrite, into the new database.
            store.submit(&note(v, 10)).unwrap();
            all(&store)
        };
        let store = open(&dir);
        assert_eq!(all(&store), before);
        assert_eq!(store.change_floor().unwrap(), 1);
        assert_eq!(store.last_change().unwrap(), 7);
    }

    #[test]
    fn the_store_id_is_made_once_and_kept() {
        let dir = tempfile::tempdir().unwrap();
        let id = {
            let store = open(&dir);
            let id = store.store_id().unwrap();
            assert_eq!(store.store_id().unwrap(), id);
            assert_eq!(id.get_version_num(), 4);
            id
        };
        assert_eq!(open(&dir).store_id().unwrap(), id);
        let other = tempfile::tempdir().unwrap();
        assert_ne!(open(&other).store_id().unwrap(), id);
    }

    #[test]
    fn the_sync_target_and_state_are_kept() {
        let dir = tempfile::tempdir().unwrap();
        let state = SyncState {
            sent_seq: 7,
            last_ok_ms: Some(NOW),
            last_error: Some("connection refused".into()),
            last_error_ms: Some(NOW + 1),
            sent_total: 12,
        };
        {
            let store = open(&dir);
            assert_eq!(store.sync_target().unwrap(), None);
            assert_eq!(store.sync_state().unwrap(), SyncState::default());
            store
                .set_sync_target(Some("postgresql://kioski@db.example/kioski"))
                .unwrap();
            store.set_sync_state(&state).unwrap();
            assert!(store.set_sync_target(Some(" ")).is_err());
        }
        let store = open(&dir);
        assert_eq!(
            store.sync_target().unwrap().as_deref(),
            Some("postgresql://kioski@db.example/kioski")
        );
        assert_eq!(store.sync_state().unwrap(), state);
        store.set_sync_target(None).unwrap();
        assert_eq!(store.sync_target().unwrap(), None);
    }

    #[test]
    fn a_restored_store_starts_a_new_outbox_under_a_new_id() {
        let dir = tempfile::tempdir().unwrap();
        let store = logging(&dir);
        let v = load(&store);
        for n in 0..3 {
            store.submit(&note(v, n)).unwrap();
        }
        let id = store.store_id().unwrap();
        store.set_sync_target(Some("postgresql://db/k")).unwrap();
        store
            .set_sync_state(&SyncState {
                sent_seq: 3,
                ..SyncState::default()
            })
            .unwrap();
        store.prune_changes(2).unwrap();
        let file = dir.path().join("b.kioski-backup");
        super::super::backup::write(&store, &file, NOW).unwrap();

        let target = tempfile::tempdir().unwrap();
        let restored = open(&target);
        // An empty store that already had an id and synced nothing.
        let empty_id = restored.store_id().unwrap();
        let verified = super::super::backup::read_verified(&file).unwrap();
        super::super::backup::restore(&restored, &file, verified).unwrap();
        assert_eq!(restored.responses("muistio").count(), 3);
        assert!(all(&restored).is_empty());
        // The target came along, so changes are logged; the restored
        // responses are not, so floor 1: a cursor of 0 (a first full send
        // cut short) gets a full send again, not the outbox alone.
        assert!(restored.logs_changes());
        assert_eq!(restored.last_change().unwrap(), 1);
        assert_eq!(restored.change_floor().unwrap(), 1);
        assert_eq!(restored.sync_state().unwrap(), SyncState::default());
        let new_id = restored.store_id().unwrap();
        assert_ne!(new_id, id);
        assert_ne!(new_id, empty_id);
        // The target is a setting, like the terminal name: it travels.
        assert_eq!(
            restored.sync_target().unwrap().as_deref(),
            Some("postgresql://db/k")
        );
        // New answers are numbered from 2.
        restored.submit(&note(v, 8)).unwrap();
        assert_eq!(restored.last_change().unwrap(), 2);
    }

    #[derive(Clone, Debug)]
    enum Op {
        Submit(u128),
        Import(Vec<u128>),
        DeletePartial,
    }

    fn op() -> impl proptest::strategy::Strategy<Value = Op> {
        use proptest::prelude::*;
        prop_oneof![
            4 => (0u128..24).prop_map(Op::Submit),
            2 => proptest::collection::vec(0u128..24, 0..6).prop_map(Op::Import),
            1 => Just(Op::DeletePartial),
        ]
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(12))]
        /// Whatever the order of submits, imports and deletes, reading the
        /// outbox from 0 gives each stored response once, in the order it
        /// was first stored, and a Deleted for each removal, in order.
        #[test]
        fn the_outbox_replays_to_the_store(ops in proptest::collection::vec(op(), 1..16)) {
            let dir = tempfile::tempdir().unwrap();
            let store = logging(&dir);
            let v = load(&store);
            let (mut present, mut deleted): (Vec<u128>, Vec<u128>) = (vec![], vec![]);
            for op in ops {
                match op {
                    Op::Submit(n) => {
                        store.submit(&note(v, n)).unwrap();
                        if !present.contains(&n) {
                            present.push(n);
                        }
                    }
                    Op::Import(ns) => {
                        let batch: Vec<Response> = ns.iter().map(|n| note(v, *n)).collect();
                        store.submit_batch(&batch).unwrap();
                        let mut new: Vec<u128> =
                            ns.into_iter().filter(|n| !present.contains(n)).collect();
                        // A batch is written in key (= id) order.
                        new.sort();
                        new.dedup();
                        present.extend(new);
                    }
                    Op::DeletePartial => {
                        let partial = Selection { partial: true, ..Selection::default() };
                        store.delete_responses("muistio", &partial).unwrap();
                        let mut odd: Vec<u128> =
                            present.iter().copied().filter(|n| n % 2 == 1).collect();
                        odd.sort();
                        deleted.extend(odd);
                        present.retain(|n| n % 2 == 0);
                    }
                }
            }
            let changes = all(&store);
            let seqs: Vec<u64> = changes.iter().map(|(s, _)| *s).collect();
            proptest::prop_assert!(seqs.windows(2).all(|w| w[0] < w[1]));
            let id = |n: &u128| note(v, *n).id;
            // A response deleted and stored again shows its first entry.
            let mut first_order: Vec<Uuid> = Vec::new();
            for (_, c) in &changes {
                if let Change::Stored(r) = c && !first_order.contains(&r.id) {
                    first_order.push(r.id);
                }
            }
            let mut got = first_order.clone();
            got.sort();
            let mut want: Vec<Uuid> = present.iter().map(id).collect();
            want.sort();
            proptest::prop_assert_eq!(got, want);
            proptest::prop_assert_eq!(deleted_ids(&changes), deleted.iter().map(id).collect::<Vec<_>>());
        }
    }

    /// What the outbox, the tally cells and the free texts add to one
    /// submit, without the sync (which they do not change): a plain insert
    /// against the submit path's one transaction over responses, tallies,
    /// texts and outbox. Figures in docs/performance.md ("The outbox",
    /// "Tallies kept ready").
    /// `cargo test [--release] --lib outbox_cost -- --ignored --nocapture`
    #[test]
    #[ignore = "a measurement, not a check"]
    fn outbox_cost() {
        let dir = tempfile::tempdir().unwrap();
        let store = logging(&dir);
        let v = load(&store);
        // The cells are whole, so every write counts its response in.
        assert_eq!(store.ensure_aggregates("muistio").unwrap(), Some(v));
        let n = 5000u128;
        let records = |from: u128| -> Vec<(Vec<u8>, Vec<u8>, Response)> {
            (from..from + n)
                .map(|i| {
                    let r = note(v, i);
                    let bytes = crate::store::record::encode_response(&r).unwrap();
                    (keys::response(&r.survey, &r.id), bytes, r)
                })
                .collect()
        };
        let sled = store.sled_for_write().unwrap();
        for round in 0..3 {
            let plain = records(1_000_000 * (2 * round + 1));
            let started = std::time::Instant::now();
            for (key, value, _) in &plain {
                sled.responses
                    .insert(key.as_slice(), value.as_slice())
                    .unwrap();
            }
            let plain_us = started.elapsed().as_secs_f64() * 1e6 / n as f64;
            let with = records(1_000_000 * (2 * round + 2));
            let started = std::time::Instant::now();
            for (key, value, r) in &with {
                store
                    .write_with_aggregates(&sled, &[(key.clone(), value.clone(), r)])
                    .unwrap();
            }
            let with_us = started.elapsed().as_secs_f64() * 1e6 / n as f64;
            store.sync_handles(&sled).unwrap();
            #[allow(clippy::print_stdout)]
            {
                println!(
                    "round {round}: plain insert {plain_us:.1} us, with outbox, cell and text {with_us:.1} us, added {:.1} us",
                    with_us - plain_us
                );
            }
        }
    }
}
