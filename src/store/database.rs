//! [`Store`]: an opened store directory, owned by this process.

mod raw;
pub(crate) use raw::RawRecord;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};

use uuid::Uuid;

use super::codec::CodecError;
use super::error::{StoreError, disk_full, read_error, write_error};
use super::keys;
use super::lock::{self, StoreLock};
use super::outbox::Outbox;
use super::private;
use super::prizes::{PrizeEntryV1, Prizes};
use super::read::{ReadStore, Responses, SurveyCache};
use super::record::{self, SurveyEntryV1, VersionRefV1, VersionV2};
use super::watch::{StoreEvent, Watchers};
use crate::core::pin::{self, Lockout, PinCheck};
use crate::core::response::{Response, check_terminal_name};
use crate::core::survey::Survey;
use crate::core::tally::GroupedTally;
use crate::core::version::VersionHash;

/// sled's page cache. Bounds the memory of long scans (export, tally) and
/// of long writes (bundle import): with 16 MiB, scans, lookups and writes
/// of 1,000,000 records took as long as with 64 MiB, in 70-80 MB less
/// memory (docs/performance.md, "Bundle import memory").
const CACHE_BYTES: u64 = 16 * 1024 * 1024;

/// Responses `submit_many` writes in one atomic write with their tally
/// cells: each write adds up the chunk's cells once.
const SUBMIT_MANY_CHUNK: usize = 10_000;

/// The sled database's directory inside the store directory.
const SLED_DIR: &str = super::rewrite::DB_DIR;

/// One loaded version of a survey. Stored as its text, hash and load time
/// (`record::VersionV2`); the `Survey` is rebuilt from the text on read.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredVersion {
    pub hash: VersionHash,
    pub survey: Survey,
    /// The file's text as loaded, for people and for bundles.
    pub source: String,
    pub loaded_ms: i64,
}

/// A survey id and its versions, oldest load first.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SurveyEntry {
    pub id: String,
    pub versions: Vec<VersionRef>,
}

/// One version of a survey and when it was first loaded (on any terminal).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VersionRef {
    pub hash: VersionHash,
    pub loaded_ms: i64,
}

/// What `load` did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadOutcome {
    pub hash: VersionHash,
    /// 1-based number of this version among the survey's versions.
    pub number: usize,
    /// False when the same content was already stored.
    pub added: bool,
    /// True when this load made the survey the active one.
    pub activated: bool,
}

/// Response counts and times of one survey.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SurveyStats {
    pub complete: u64,
    pub partial: u64,
    /// Of all responses, how many are flagged suspect and simulated.
    pub suspect: u64,
    pub simulated: u64,
    pub first_ms: Option<i64>,
    pub last_ms: Option<i64>,
}

/// sled's handles on one opening of the database: swapped whole when the
/// store reopens after an I/O error.
pub(super) struct Sled {
    pub(super) db: sled::Db,
    pub(super) meta: sled::Tree,
    pub(super) versions: sled::Tree,
    pub(super) surveys: sled::Tree,
    pub(super) responses: sled::Tree,
    /// Survey id -> the version (32 bytes) the kiosk shows of it.
    pub(super) shown: sled::Tree,
    /// Tallies kept ready and free texts (`aggregate.rs`).
    pub(super) tallies: sled::Tree,
    pub(super) texts: sled::Tree,
    /// Seq -> a change a sync has not sent yet (`outbox.rs`).
    pub(super) outbox: sled::Tree,
    /// sled's data file, for the `fdatasync` after each flush.
    data_file: File,
}

/// sled's handles for a write, with the write gate held for as long as
/// they are: a rewrite (`delete.rs`) waits for every write in progress
/// and holds new ones back while it copies, so nothing written lands in
/// the old copy after it was read. Reads never take the gate.
pub(super) struct ForWrite<'a> {
    sled: Arc<Sled>,
    _gate: std::sync::RwLockReadGuard<'a, ()>,
}

impl std::ops::Deref for ForWrite<'_> {
    type Target = Sled;

    fn deref(&self) -> &Sled {
        &self.sled
    }
}

/// An open store. Only one process holds one at a time (see `lock`).
///
/// Thread-safe: socket threads share it. Every read-modify-write of the
/// surveys, versions, shown versions and meta trees, and every batch
/// import's "which are new" check, holds one guard, so concurrent loads,
/// activates and imports never lose a version or count a response twice.
///
/// After an I/O error sled 0.34 fails every later write until it is
/// opened again (its error is kept for the life of the database), so the
/// store drops its handles and reopens sled at the next write, once no
/// scan holds the old ones and the disk has room. Reads go on meanwhile.
/// Our `kioski.lock` stays held throughout.
pub struct Store {
    pub(super) dir: PathBuf,
    /// `None` while closed: reopening after an error failed (the disk is
    /// still full); the next call tries again.
    pub(super) sled: RwLock<Option<Arc<Sled>>>,
    /// An I/O error was seen: reopen at the next write.
    broken: AtomicBool,
    /// Held across every read-modify-write.
    pub(super) writing: Mutex<()>,
    /// Read by every write for its whole length ([`ForWrite`]); written
    /// by a rewrite while it copies.
    pub(super) gate: RwLock<()>,
    /// The version each survey showed when a store without `shown`
    /// records was opened (one written before they existed): kept until
    /// the first change writes them, so that a later import cannot move
    /// them.
    pub(super) unrecorded: Mutex<HashMap<String, VersionHash>>,
    /// Prize-draw contacts: a file of their own, apart from the answers.
    prizes: Prizes,
    /// Surveys by version, decoded once.
    cache: SurveyCache,
    pub(super) watchers: Watchers,
    /// Held for one whole PIN attempt (read, verify, store), so attempts
    /// from the kiosk and the socket at once are counted one by one.
    pin_attempts: Mutex<()>,
    /// Held across a submit's suspect look-up and its insert, so two
    /// submits at once cannot both miss each other. Its own lock, not
    /// `writing`: a kiosk's submit never waits for a bundle import.
    submitting: Mutex<()>,
    /// The outbox's sequence numbers (`outbox.rs`).
    pub(super) outbox: Outbox,
    /// Syncs that fail as a full disk would, for tests of the recovery.
    #[cfg(test)]
    failing_syncs: std::sync::atomic::AtomicU32,
    /// How often sled was reopened after an error, for tests.
    #[cfg(test)]
    reopened: std::sync::atomic::AtomicU32,
    /// `None` once handed over to a kiosk (see [`Store::hand_over`]).
    lock: Mutex<Option<StoreLock>>,
    /// Handed over: sled is closed for good in this process.
    handed_over: AtomicBool,
}

impl Store {
    /// Opens (creating if needed) the store in `dir` for the kioski
    /// command `command`, which the lock records for others to see. The
    /// directory is made 0700 and its files 0600 (see `private`).
    pub fn open(dir: &Path, command: &str) -> Result<Store, StoreError> {
        let open_error = |reason: String| StoreError::Open {
            dir: dir.to_owned(),
            reason,
        };
        if dir.exists() && !dir.is_dir() {
            return Err(open_error("it is a file, not a directory".into()));
        }
        private::create_dir(dir)?;
        let lock = lock::acquire(dir, command)?;
        // A rewrite cut short by a crash is finished or undone first, so
        // sled opens the old store or the new one, never a mix.
        match super::rewrite::recover(dir) {
            Ok(super::rewrite::Recovered::Nothing) => {}
            Ok(done) => tracing::warn!("a rewrite of the store was cut short: {done:?}"),
            Err(e) => {
                return Err(open_error(format!(
                    "a rewrite cut short cannot be finished ({})",
                    io_reason(&e)
                )));
            }
        }
        let sled = open_again(dir)?;
        private::tighten(dir)?;
        let prizes = Prizes::new(dir);
        migrate_prizes(dir, &sled.db, &prizes)?;
        let unrecorded = shown_at_open(&sled);
        let outbox = Outbox::at_open(&sled)?;
        let store = Store {
            dir: dir.to_owned(),
            sled: RwLock::new(Some(Arc::new(sled))),
            broken: AtomicBool::new(false),
            writing: Mutex::new(()),
            gate: RwLock::new(()),
            unrecorded: Mutex::new(unrecorded),
            prizes,
            cache: SurveyCache::default(),
            watchers: Watchers::default(),
            pin_attempts: Mutex::new(()),
            submitting: Mutex::new(()),
            outbox,
            #[cfg(test)]
            failing_syncs: Default::default(),
            #[cfg(test)]
            reopened: Default::default(),
            lock: Mutex::new(Some(lock)),
            handed_over: AtomicBool::new(false),
        };
        // A delete whose rewrite did not happen (a crash, a long reading)
        // leaves its bytes in the files until this one.
        if store.rewrite_due()?
            && let Err(e) = store.rewrite()
        {
            tracing::warn!("the rewrite due after a delete failed again: {e}");
        }
        Ok(store)
    }

    /// The sled handles for a write: after an I/O error, sled is opened
    /// again first (see [`Store`]), once the disk has room for it.
    pub(super) fn sled_for_write(&self) -> Result<ForWrite<'_>, StoreError> {
        if self.broken.load(Ordering::SeqCst) {
            if let Some(e) = self.reopen() {
                return Err(e);
            }
            if self.broken.load(Ordering::SeqCst) && !has_room(&self.dir) {
                // Deferred (a scan holds the handles) on a disk still full.
                return Err(StoreError::DiskFull);
            }
        }
        let gate = self.gate.read().map_err(|_| poisoned())?;
        Ok(ForWrite {
            sled: self.sled()?,
            _gate: gate,
        })
    }

    /// The sled handles for a read. Reads go on through handles that a
    /// write error broke (sled keeps failing writes, not reads), so a full
    /// disk stops only writes.
    pub(super) fn sled(&self) -> Result<Arc<Sled>, StoreError> {
        let current = self.sled.read().map_err(|_| poisoned())?.clone();
        match current {
            Some(sled) => Ok(sled),
            // Closed: the last reopen failed; this call tries once more,
            // and says why it failed (a full disk, most likely).
            None if self.handed_over.load(Ordering::SeqCst) => Err(self.handed_over_error()),
            None => {
                let failed = self.reopen();
                let sled = self.sled.read().map_err(|_| poisoned())?.clone();
                sled.ok_or_else(|| {
                    failed.unwrap_or_else(|| StoreError::Closed {
                        dir: self.dir.clone(),
                    })
                })
            }
        }
    }

    /// Drops sled's handles and opens it again, if nobody else uses them
    /// now (a reader in the middle of a scan); otherwise a later call does.
    /// Returns why opening failed, if it did.
    fn reopen(&self) -> Option<StoreError> {
        let Ok(mut slot) = self.sled.write() else {
            return Some(poisoned());
        };
        if self.handed_over.load(Ordering::SeqCst) {
            return Some(self.handed_over_error());
        }
        if !self.broken.load(Ordering::SeqCst) && slot.is_some() {
            return None; // another thread reopened it meanwhile
        }
        if slot.as_ref().is_some_and(|s| Arc::strong_count(s) > 1) {
            return None;
        }
        // Opening writes a snapshot: on a disk still full it would fail and
        // leave the store closed to reads as well.
        if !has_room(&self.dir) {
            return Some(StoreError::DiskFull);
        }
        // sled's lock on its files goes with its last handle.
        drop(slot.take());
        match open_again(&self.dir) {
            Ok(sled) => {
                *slot = Some(Arc::new(sled));
                self.broken.store(false, Ordering::SeqCst);
                #[cfg(test)]
                self.reopened.fetch_add(1, Ordering::SeqCst);
                tracing::info!("the store was opened again after a write error");
                None
            }
            Err(e) => {
                tracing::warn!("the store cannot be opened again yet: {e}");
                Some(e)
            }
        }
    }

    /// A sled error of a read, noting an I/O error for [`Store::reopen`].
    pub(super) fn read_failed(&self, e: sled::Error) -> StoreError {
        self.note(&e);
        read_error(e)
    }

    /// A sled error of a write, noting an I/O error for [`Store::reopen`].
    pub(super) fn write_failed(&self, e: sled::Error) -> StoreError {
        self.note(&e);
        write_error(e)
    }

    fn note(&self, e: &sled::Error) {
        if matches!(e, sled::Error::Io(_)) {
            self.broken.store(true, Ordering::SeqCst);
        }
    }

    /// The guard of every read-modify-write. Shown versions of an old
    /// store that are not yet recorded are written first.
    pub(super) fn writing(&self, sled: &Sled) -> Result<MutexGuard<'_, ()>, StoreError> {
        let writing = self.writing.lock().map_err(|_| poisoned())?;
        let mut unrecorded = self.unrecorded.lock().map_err(|_| poisoned())?;
        // Each goes into the tree before it leaves the map, so a reader
        // (the map first, then the tree) always finds it in one.
        for (id, hash) in unrecorded.iter() {
            sled.shown
                .insert(id.as_bytes(), &hash.0)
                .map_err(|e| self.write_failed(e))?;
        }
        unrecorded.clear();
        Ok(writing)
    }

    /// Whether sled is open here and well: not handed to a kiosk, not
    /// closed or broken by an error (reading then would open it again).
    pub(super) fn is_open_and_well(&self) -> bool {
        !self.handed_over.load(Ordering::SeqCst)
            && !self.broken.load(Ordering::SeqCst)
            && self.sled.read().is_ok_and(|s| s.is_some())
    }

    /// Closes sled for good in this process, its data flushed and synced,
    /// if no other handle of it is alive; `false` (and left open) if one is.
    pub(super) fn close_sled(&mut self) -> bool {
        let Ok(slot) = self.sled.get_mut() else {
            return false;
        };
        let Some(sled) = slot.take() else {
            return false;
        };
        match Arc::try_unwrap(sled) {
            Ok(sled) => {
                let flushed = sled.db.flush().is_ok() && sled.data_file.sync_data().is_ok();
                // sled's last handle joins its flusher thread on drop.
                drop(sled);
                flushed
            }
            Err(sled) => {
                *slot = Some(sled);
                false
            }
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Gives the store up for a kiosk that asked for it (through the
    /// socket of the clerk's view that owns it): once no scan holds sled's
    /// handles (waiting up to `wait`; new reads wait meanwhile), sled is
    /// flushed and closed, every watcher's channel ends, and `kioski.lock`
    /// is released. Every later call fails with a message that says so;
    /// the view goes on through the kiosk's socket. On a timeout nothing
    /// has changed.
    pub fn hand_over(&self, wait: std::time::Duration) -> Result<(), StoreError> {
        let until = std::time::Instant::now() + wait;
        loop {
            let mut slot = self.sled.write().map_err(|_| poisoned())?;
            let busy = slot.as_ref().is_some_and(|s| Arc::strong_count(s) > 1);
            if !busy {
                self.handed_over.store(true, Ordering::SeqCst);
                if let Some(sled) = slot.take()
                    && let Err(e) = sled.db.flush()
                {
                    // Every write was synced when it was made.
                    tracing::warn!("flush before the hand-over failed: {e}");
                }
                drop(slot);
                self.watchers.close();
                self.lock.lock().map_err(|_| poisoned())?.take();
                tracing::info!("the store was handed over");
                return Ok(());
            }
            drop(slot);
            if std::time::Instant::now() >= until {
                return Err(StoreError::Relayed {
                    message: "a long reading still uses the store, so it cannot be handed over yet"
                        .into(),
                    hint: Some("try again in a moment".into()),
                    store_problem: true,
                });
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
    }

    /// Whether [`Store::hand_over`] gave the store up.
    pub fn handed_over(&self) -> bool {
        self.handed_over.load(Ordering::SeqCst)
    }

    fn handed_over_error(&self) -> StoreError {
        StoreError::Relayed {
            message: format!(
                "this process handed the store {} over to a starting kiosk",
                self.dir.display()
            ),
            hint: Some("go through the kiosk: run the command again".into()),
            store_problem: true,
        }
    }

    /// Makes everything written so far durable: sled's flush, then an
    /// `fdatasync` of its data file, since sled 0.34's flush ends in
    /// `sync_file_range`, which survives a killed process but not a power
    /// cut.
    pub fn sync(&self) -> Result<(), StoreError> {
        self.sync_handles(&*self.sled_for_write()?)
    }

    pub(super) fn sync_handles(&self, sled: &Sled) -> Result<(), StoreError> {
        #[cfg(test)]
        if self
            .failing_syncs
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
        {
            return Err(self.write_failed(sled::Error::Io(std::io::Error::from(
                std::io::ErrorKind::StorageFull,
            ))));
        }
        let committed = self.outbox.committed();
        sled.db.flush().map_err(|e| self.write_failed(e))?;
        sled.data_file.sync_data().map_err(|e| {
            // The flush may have reached sled's files only in part.
            self.broken.store(true, Ordering::SeqCst);
            if disk_full(&e) {
                StoreError::DiskFull
            } else {
                StoreError::Write(io_reason(&e))
            }
        })?;
        self.outbox.made_durable(committed);
        Ok(())
    }

    /// Makes the next `n` syncs fail as on a full disk.
    #[cfg(test)]
    fn fail_syncs(&self, n: u32) {
        self.failing_syncs.store(n, Ordering::SeqCst);
    }

    // ---- surveys and versions ----------------------------------------

    /// Stores a validated survey as a version of its id; the same content
    /// again adds nothing. When the loaded version is the survey's newest
    /// (new content, or the newest loaded again after a bundle brought it)
    /// the kiosk shows it from its next welcome screen. The first survey
    /// loaded into a store becomes the active one.
    pub fn load(
        &self,
        survey: &Survey,
        source: &str,
        now_ms: i64,
    ) -> Result<LoadOutcome, StoreError> {
        let outcome = self.add_version(survey, source, now_ms, true)?;
        // The tally cells on the newest version from now on, so every
        // submit adds to them (counted again here if it is a new one).
        // The version is stored either way; cells not made now are made
        // at the next tally.
        if let Err(e) = self.ensure_aggregates(&survey.id) {
            tracing::warn!(
                "the tally cells of {} wait for the next tally: {e}",
                survey.id
            );
        }
        Ok(outcome)
    }

    /// Stores a survey version from a bundle: like [`Store::load`], but
    /// what the kiosk shows stays as it was (only `load` and `activate`
    /// change that).
    pub fn import_version(
        &self,
        survey: &Survey,
        source: &str,
        loaded_ms: i64,
    ) -> Result<LoadOutcome, StoreError> {
        self.add_version(survey, source, loaded_ms, false)
    }

    fn add_version(
        &self,
        survey: &Survey,
        source: &str,
        now_ms: i64,
        show: bool,
    ) -> Result<LoadOutcome, StoreError> {
        let hash = VersionHash::of(survey);
        // The text is what is stored and rebuilt on every read, so it must
        // be the text of this very survey.
        self.cache
            .rebuild(&hash, source)
            .map_err(|e| record_error(&self.dir, keys::VERSIONS, &hash.0, e))?;
        let sled = self.sled_for_write()?;
        let _writing = self.writing(&sled)?;
        let mut entry = self
            .entry_in(&sled, &survey.id)?
            .unwrap_or_else(|| SurveyEntry {
                id: survey.id.clone(),
                versions: Vec::new(),
            });
        let added = !entry.versions.iter().any(|v| v.hash == hash);
        if added {
            let version = VersionV2 {
                hash: hash.0,
                source: source.to_owned(),
                loaded_ms: now_ms,
            };
            let bytes = record::encode_version(&version).map_err(encode_error)?;
            sled.versions
                .insert(hash.0, bytes)
                .map_err(|e| self.write_failed(e))?;
            // Kept in load order, so a version imported from another
            // terminal takes its place in time, and the newest is last.
            let at = entry.versions.partition_point(|v| v.loaded_ms <= now_ms);
            entry.versions.insert(
                at,
                VersionRef {
                    hash,
                    loaded_ms: now_ms,
                },
            );
            self.put_entry(&sled, &entry)?;
        }
        // An older version loaded again adds nothing and shows nothing new,
        // as before there were shown records.
        if show && entry.versions.last().map(|v| v.hash) == Some(hash) {
            sled.shown
                .insert(survey.id.as_bytes(), &hash.0)
                .map_err(|e| self.write_failed(e))?;
        }
        let activated = self.active_in(&sled)?.is_none();
        if activated {
            sled.meta
                .insert(keys::META_ACTIVE, survey.id.as_bytes())
                .map_err(|e| self.write_failed(e))?;
        }
        self.sync_handles(&sled)?;
        self.watchers.notify(StoreEvent::SurveysChanged);
        let number = entry
            .versions
            .iter()
            .position(|v| v.hash == hash)
            .map_or(0, |i| i + 1);
        Ok(LoadOutcome {
            hash,
            number,
            added,
            activated,
        })
    }

    /// Makes `id` the survey the kiosk shows, at its newest version.
    pub fn activate(&self, id: &str) -> Result<(), StoreError> {
        let sled = self.sled_for_write()?;
        let _writing = self.writing(&sled)?;
        let entry = self
            .entry_in(&sled, id)?
            .ok_or_else(|| StoreError::UnknownSurvey(id.to_owned()))?;
        let newest = entry
            .versions
            .last()
            .ok_or_else(|| StoreError::UnknownSurvey(id.to_owned()))?;
        sled.meta
            .insert(keys::META_ACTIVE, id.as_bytes())
            .map_err(|e| self.write_failed(e))?;
        sled.shown
            .insert(id.as_bytes(), &newest.hash.0)
            .map_err(|e| self.write_failed(e))?;
        self.sync_handles(&sled)?;
        self.watchers.notify(StoreEvent::SurveysChanged);
        Ok(())
    }

    /// The id of the active survey.
    pub fn active(&self) -> Result<Option<String>, StoreError> {
        self.active_in(&*self.sled()?)
    }

    pub(super) fn active_in(&self, sled: &Sled) -> Result<Option<String>, StoreError> {
        let value = sled
            .meta
            .get(keys::META_ACTIVE)
            .map_err(|e| self.read_failed(e))?;
        Ok(value.map(|v| String::from_utf8_lossy(&v).into_owned()))
    }

    /// The version of survey `id` the kiosk shows: the one last loaded
    /// or activated. A survey never loaded or activated here (it came in
    /// a bundle) shows its newest version.
    pub fn shown_version(&self, id: &str) -> Result<Option<VersionHash>, StoreError> {
        // Before the record: a writer records, then forgets.
        if let Some(hash) = self.unrecorded_shown(id)? {
            return Ok(Some(hash));
        }
        let sled = self.sled()?;
        if let Some(value) = sled
            .shown
            .get(id.as_bytes())
            .map_err(|e| self.read_failed(e))?
            && let Ok(bytes) = <[u8; 32]>::try_from(value.as_ref())
        {
            return Ok(Some(VersionHash(bytes)));
        }
        Ok(self
            .entry_in(&sled, id)?
            .and_then(|e| e.versions.last().map(|v| v.hash)))
    }

    fn unrecorded_shown(&self, id: &str) -> Result<Option<VersionHash>, StoreError> {
        let unrecorded = self.unrecorded.lock().map_err(|_| poisoned())?;
        Ok(unrecorded.get(id).copied())
    }

    /// Records the version of `id` the kiosk shows, where nothing is
    /// recorded yet, so that a later import cannot change it.
    pub fn record_shown(&self, id: &str) -> Result<(), StoreError> {
        let sled = self.sled_for_write()?;
        let _writing = self.writing(&sled)?;
        if sled
            .shown
            .contains_key(id.as_bytes())
            .map_err(|e| self.read_failed(e))?
        {
            return Ok(());
        }
        let Some(newest) = self
            .entry_in(&sled, id)?
            .and_then(|e| e.versions.last().map(|v| v.hash))
        else {
            return Err(StoreError::UnknownSurvey(id.to_owned()));
        };
        sled.shown
            .insert(id.as_bytes(), &newest.0)
            .map_err(|e| self.write_failed(e))?;
        self.sync_handles(&sled)
    }

    pub fn survey_entry(&self, id: &str) -> Result<Option<SurveyEntry>, StoreError> {
        self.entry_in(&*self.sled()?, id)
    }

    pub(super) fn entry_in(
        &self,
        sled: &Sled,
        id: &str,
    ) -> Result<Option<SurveyEntry>, StoreError> {
        match sled
            .surveys
            .get(id.as_bytes())
            .map_err(|e| self.read_failed(e))?
        {
            Some(value) => self.decode_entry(id.as_bytes(), &value).map(Some),
            None => Ok(None),
        }
    }

    fn decode_entry(&self, key: &[u8], value: &[u8]) -> Result<SurveyEntry, StoreError> {
        record::decode_entry(value)
            .map(SurveyEntry::from)
            .map_err(|e| record_error(&self.dir, keys::SURVEYS, key, e))
    }

    fn put_entry(&self, sled: &Sled, entry: &SurveyEntry) -> Result<(), StoreError> {
        let bytes = record::encode_entry(&entry.into()).map_err(encode_error)?;
        sled.surveys
            .insert(entry.id.as_bytes(), bytes)
            .map_err(|e| self.write_failed(e))?;
        Ok(())
    }

    /// Every stored survey, by id.
    pub fn survey_entries(&self) -> Result<Vec<SurveyEntry>, StoreError> {
        let sled = self.sled()?;
        sled.surveys
            .iter()
            .map(|item| {
                let (key, value) = item.map_err(|e| self.read_failed(e))?;
                self.decode_entry(&key, &value)
            })
            .collect()
    }

    /// A stored version, its survey rebuilt from its text (once; cached).
    pub fn version(&self, hash: &VersionHash) -> Result<Option<StoredVersion>, StoreError> {
        let Some(value) = self
            .sled()?
            .versions
            .get(hash.0)
            .map_err(|e| self.read_failed(e))?
        else {
            return Ok(None);
        };
        let failed = |e| record_error(&self.dir, keys::VERSIONS, &hash.0, e);
        let stored = record::decode_version(&value).map_err(failed)?;
        if stored.hash != hash.0 {
            return Err(failed(CodecError::Malformed(
                "it is stored under another version's key".into(),
            )));
        }
        let survey = self.cache.rebuild(hash, &stored.source).map_err(failed)?;
        Ok(Some(StoredVersion {
            hash: *hash,
            survey: (*survey).clone(),
            source: stored.source,
            loaded_ms: stored.loaded_ms,
        }))
    }

    /// The survey of a version, decoded once and kept.
    pub fn survey_of(&self, hash: &VersionHash) -> Result<Arc<Survey>, StoreError> {
        self.cache.get_or_read(hash, |h| self.version(h))
    }

    // ---- responses --------------------------------------------------

    /// Checks and stores one response, and returns only once it is durable.
    /// A complete response that repeats the previous one on its terminal
    /// too soon is stored flagged suspect (`core::suspect`; the previous
    /// one is looked up here, so the rule holds across restarts and for
    /// every process that submits).
    pub fn submit(&self, response: &Response) -> Result<(), StoreError> {
        let survey = self.survey_of(&response.version)?;
        self.check(response)?;
        let sled = self.sled_for_write()?;
        let min_seconds = survey.kiosk.min_seconds;
        let mut stored = response.clone();
        {
            // The look-up and the insert are one step, so two submits at
            // once cannot both miss each other.
            let guard = (response.complete && min_seconds > 0).then(|| {
                self.submitting
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
            });
            if guard.is_some() && !stored.suspect {
                stored.suspect = self.repeats_previous(&sled, &stored, min_seconds)?;
            }
            let bytes = record::encode_response(&stored).map_err(encode_error)?;
            let key = keys::response(&stored.survey, &stored.id);
            self.write_with_aggregates(&sled, &[(key, bytes, &stored)])?;
        }
        self.sync_handles(&sled)?;
        self.watchers.notify(StoreEvent::Stored(Box::new(stored)));
        Ok(())
    }

    /// Whether `next` repeats the last complete response before it on its
    /// terminal within `min_seconds`: a backward scan of only the responses
    /// stored in that window (keys start with the submit time).
    fn repeats_previous(
        &self,
        sled: &Sled,
        next: &Response,
        min_seconds: u32,
    ) -> Result<bool, StoreError> {
        let from = keys::responses_since(
            &next.survey,
            crate::core::suspect::window_start_ms(next, min_seconds),
        );
        // Up to the end of `next`'s millisecond (one stored just before it
        // in the same millisecond may have a larger id), or to its own key
        // if its id is later than its submit time.
        let to = keys::responses_since(&next.survey, next.submitted_ms.saturating_add(1))
            .max(keys::response(&next.survey, &next.id));
        for item in sled.responses.range(from..to).rev() {
            let (key, value) = item.map_err(|e| self.read_failed(e))?;
            // A record that cannot be read never keeps a response from
            // being stored: it is passed over (and reported by the reads
            // that need it).
            let previous = match Store::decode_response_record(&self.dir, &key, &value) {
                Ok(previous) => previous,
                Err(e) => {
                    tracing::warn!("suspect check passes over a record: {e}");
                    continue;
                }
            };
            if previous.id == next.id || previous.submitted_ms > next.submitted_ms {
                continue;
            }
            if previous.complete && previous.terminal == next.terminal {
                return Ok(crate::core::suspect::repeats_too_soon(
                    &previous,
                    next,
                    min_seconds,
                ));
            }
        }
        Ok(false)
    }

    /// Checks and stores many responses in one atomic batch, then makes
    /// them durable; returns how many were new (ids already stored, or
    /// twice in the batch, are skipped). Concurrent batches are applied
    /// one after the other, so each response counts as new once.
    pub fn submit_batch(&self, responses: &[Response]) -> Result<usize, StoreError> {
        let mut keyed = Vec::with_capacity(responses.len());
        for response in responses {
            self.check(response)?;
            keyed.push((keys::response(&response.survey, &response.id), response));
        }
        keyed.sort_by(|a, b| a.0.cmp(&b.0));
        keyed.dedup_by(|a, b| a.0 == b.0);
        let sled = self.sled_for_write()?;
        let _writing = self.writing(&sled)?;
        let existing = self.existing_keys(&sled, &keyed)?;
        let mut batch = Vec::new();
        for (key, response) in keyed {
            if !existing.contains(&key) {
                let bytes = record::encode_response(response).map_err(encode_error)?;
                batch.push((key, bytes, response));
            }
        }
        // One transaction: the batch, its changes, counts and texts.
        let added = self.write_with_aggregates(&sled, &batch)?;
        self.sync_handles(&sled)?;
        if added > 0 {
            self.watchers.notify(StoreEvent::Imported);
        }
        Ok(added)
    }

    /// Checks and stores responses with fresh ids (from `simulate`), then
    /// makes them durable. Unlike [`Store::submit_batch`] the group is not
    /// atomic: after a crash, part of it may be stored (each response whole),
    /// which is fine for synthetic data, and sled's single inserts are much
    /// faster than its batches. Nothing is acknowledged before the sync.
    pub fn submit_many(&self, responses: &[Response]) -> Result<usize, StoreError> {
        let mut records = Vec::with_capacity(responses.len());
        for r in responses {
            self.check(r)?;
            records.push((
                keys::response(&r.survey, &r.id),
                record::encode_response(r).map_err(encode_error)?,
                r,
            ));
        }
        let sled = self.sled_for_write()?;
        for chunk in records.chunks(SUBMIT_MANY_CHUNK) {
            self.write_with_aggregates(&sled, chunk)?;
        }
        self.sync_handles(&sled)?;
        self.watchers.notify(StoreEvent::Imported);
        Ok(responses.len())
    }

    /// Which of these sorted keys are stored. One range scan over their
    /// span is cheap when new responses follow the stored ones in time (the
    /// usual case); when the span holds many other responses, each key is
    /// looked up instead.
    fn existing_keys(
        &self,
        sled: &Sled,
        sorted: &[(Vec<u8>, &Response)],
    ) -> Result<HashSet<Vec<u8>>, StoreError> {
        let mut found = HashSet::new();
        let (Some(first), Some(last)) = (sorted.first(), sorted.last()) else {
            return Ok(found);
        };
        let limit = sorted.len() * 4 + 16;
        let mut scanned = 0;
        for item in sled.responses.range(first.0.as_slice()..=last.0.as_slice()) {
            let (key, _) = item.map_err(|e| self.read_failed(e))?;
            scanned += 1;
            if scanned > limit {
                found.clear();
                for (key, _) in sorted {
                    if sled
                        .responses
                        .contains_key(key)
                        .map_err(|e| self.read_failed(e))?
                    {
                        found.insert(key.clone());
                    }
                }
                return Ok(found);
            }
            found.insert(key.to_vec());
        }
        // Keys in the span that are not in this batch do not matter.
        found.retain(|k| {
            sorted
                .binary_search_by(|(s, _)| s.as_slice().cmp(k))
                .is_ok()
        });
        Ok(found)
    }

    /// Whether a response with this id is stored.
    pub fn has_response(&self, survey: &str, id: &Uuid) -> Result<bool, StoreError> {
        self.sled()?
            .responses
            .contains_key(keys::response(survey, id))
            .map_err(|e| self.read_failed(e))
    }

    fn check(&self, response: &Response) -> Result<(), StoreError> {
        let survey = self.survey_of(&response.version)?;
        response
            .check(&survey)
            .map_err(|e| StoreError::InvalidResponse {
                survey: response.survey.clone(),
                reason: e.to_string(),
            })
    }

    /// The stored records of survey `id`, oldest first, read lazily. The
    /// scan keeps its own handle on sled, so the store reopens only after
    /// it ends.
    fn scan(
        &self,
        id: &str,
    ) -> impl Iterator<Item = Result<(sled::IVec, sled::IVec), StoreError>> + '_ {
        let (sled, failed) = match self.sled() {
            Ok(sled) => (Some(sled), None),
            Err(e) => (None, Some(Err(e))),
        };
        let prefix = keys::survey_prefix(id);
        let items = sled.into_iter().flat_map(move |sled| Scan {
            iter: sled.responses.scan_prefix(&prefix),
            _sled: sled,
        });
        failed
            .into_iter()
            .chain(items.map(|item| item.map_err(|e| self.read_failed(e))))
    }

    /// The responses to survey `id`, oldest first, read lazily.
    pub fn responses(&self, id: &str) -> impl Iterator<Item = Result<Response, StoreError>> + '_ {
        self.scan(id).map(|item| {
            let (key, value) = item?;
            Store::decode_response_record(&self.dir, &key, &value)
        })
    }

    /// The stored records (key, encoded response) of survey `id`, oldest
    /// first, undecoded: the socket server passes them on as they are.
    pub fn response_records(
        &self,
        id: &str,
    ) -> impl Iterator<Item = Result<(Vec<u8>, Vec<u8>), StoreError>> + '_ {
        self.scan(id).map(|item| {
            let (key, value) = item?;
            Ok((key.to_vec(), value.to_vec()))
        })
    }

    /// Decodes a record from [`Store::response_records`] (in the process
    /// that asked for it).
    pub fn decode_response_record(
        dir: &Path,
        key: &[u8],
        value: &[u8],
    ) -> Result<Response, StoreError> {
        record::decode_response(value).map_err(|e| record_error(dir, keys::RESPONSES, key, e))
    }

    // ---- prize draw, PIN, terminal name -----------------------------

    /// Stores prize-draw contact details in the prize file, which holds no
    /// response id and no time and is rewritten in a random order, and
    /// returns once they are durable.
    pub fn add_prize_entry(
        &self,
        survey: &str,
        fields: &[(String, String)],
    ) -> Result<(), StoreError> {
        let entry = PrizeEntryV1 {
            survey: survey.to_owned(),
            fields: fields.to_vec(),
        };
        self.prizes.add(entry, &mut rand::rng())
    }

    /// The prize-draw entries of survey `id`, in random order.
    pub fn prize_entries(&self, id: &str) -> Result<Vec<Vec<(String, String)>>, StoreError> {
        Ok(self
            .prizes
            .entries()?
            .into_iter()
            .filter(|e| e.survey == id)
            .map(|e| e.fields)
            .collect())
    }

    /// Entries per survey (surveys with none are left out), counting equal
    /// contact details once, as the draw does (see `core::draw`).
    pub fn prize_counts(&self) -> Result<BTreeMap<String, u64>, StoreError> {
        let mut seen = std::collections::HashSet::new();
        let mut counts = BTreeMap::new();
        for e in self.prizes.entries()? {
            if seen.insert(e.digest()) {
                *counts.entry(e.survey).or_insert(0) += 1;
            }
        }
        Ok(counts)
    }

    /// Every prize-draw entry of `surveys` (all when empty), in random
    /// order: for a bundle.
    pub fn prize_entries_of(&self, surveys: &[String]) -> Result<Vec<PrizeEntryV1>, StoreError> {
        Ok(self
            .prizes
            .entries()?
            .into_iter()
            .filter(|e| surveys.is_empty() || surveys.contains(&e.survey))
            .collect())
    }

    /// Removes the prize-draw entries of survey `id` from the prize file
    /// and returns how many went. Entries that an older store kept in sled
    /// (moved to the file at its first open) may still sit in sled's log
    /// until sled reuses that space (see docs/store.md, "Prize draw").
    pub fn purge_prizes(&self, id: &str) -> Result<usize, StoreError> {
        let gone = self.prizes.purge(id, &mut rand::rng())?;
        if gone > 0 {
            tracing::info!(survey = id, entries = gone, "prize-draw entries purged");
        }
        Ok(gone)
    }

    /// Adds a bundle's prize-draw entries that are not here yet; returns
    /// (added, already present).
    pub fn import_prizes(&self, entries: Vec<PrizeEntryV1>) -> Result<(u64, u64), StoreError> {
        self.prizes.import(entries, &mut rand::rng())
    }

    /// Purges the prize-draw entries of every survey whose latest version
    /// says `delete_after` a day before `today` (local); returns the
    /// surveys purged and how many entries each lost.
    pub fn apply_prize_deadlines(
        &self,
        today: jiff::civil::Date,
    ) -> Result<Vec<(String, usize)>, StoreError> {
        let counts = self.prize_counts()?;
        let mut done = Vec::new();
        for id in counts.keys() {
            let Ok(latest) = self.latest(id) else {
                continue; // entries of a survey this store does not know
            };
            let passed = latest
                .survey
                .prize_draw
                .as_ref()
                .and_then(|d| d.delete_after)
                .is_some_and(|day| day < today);
            if passed {
                done.push((id.clone(), self.purge_prizes(id)?));
            }
        }
        Ok(done)
    }

    /// The admin PIN's hash, if one is set. Only this process sees it:
    /// the socket never hands it out ([`Store::check_pin`] instead).
    pub fn pin_hash(&self) -> Result<Option<String>, StoreError> {
        self.meta_text(keys::META_PIN)
    }

    /// Whether an admin PIN is set (without it the kiosk runs in demo mode).
    pub fn has_pin(&self) -> Result<bool, StoreError> {
        Ok(self.pin_hash()?.is_some())
    }

    /// Stores the admin PIN's hash and clears the count of wrong PINs;
    /// anything but an argon2 PHC string is refused, so a stored PIN
    /// always verifies or fails cleanly.
    pub fn set_pin_hash(&self, hash: &str) -> Result<(), StoreError> {
        self.write_pin_hash(Some(hash))?;
        self.watchers.notify(StoreEvent::PinChanged);
        Ok(())
    }

    /// Sets the admin PIN only where none is set (demo mode): what `pin
    /// set` may do through a running kiosk. False when a PIN is set (it
    /// stays; changing it takes the old one, [`Store::change_pin`]).
    pub fn set_first_pin(&self, hash: &str) -> Result<bool, StoreError> {
        let _one_at_a_time = self.pin_lock();
        if self.has_pin()? {
            return Ok(false);
        }
        self.set_pin_hash(hash)?;
        Ok(true)
    }

    /// Replaces the admin PIN with `new_hash`, or removes it (`None`: demo
    /// mode), if `old` is the PIN set now. The old PIN is one attempt like
    /// any other: a wrong one counts toward the lockout, and a locked
    /// prompt refuses even the right one. `NoPin`: there was none, nothing
    /// changed. Only `Right` changed it.
    pub fn change_pin(
        &self,
        old: &str,
        new_hash: Option<&str>,
        now_ms: i64,
    ) -> Result<PinCheck, StoreError> {
        if let Some(hash) = new_hash
            && !pin::is_hash(hash)
        {
            return Err(StoreError::Setting(
                "the PIN hash is not an argon2 PHC string".into(),
            ));
        }
        let _one_at_a_time = self.pin_lock();
        let check = self.attempt_pin(old, now_ms)?;
        if check == PinCheck::Right {
            self.write_pin_hash(new_hash)?;
            self.watchers.notify(StoreEvent::PinChanged);
        }
        Ok(check)
    }

    /// Attempts are checked, and PINs changed, one at a time.
    fn pin_lock(&self) -> std::sync::MutexGuard<'_, ()> {
        self.pin_attempts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Stores a PIN hash, or removes it, and clears the count of wrong PINs.
    fn write_pin_hash(&self, hash: Option<&str>) -> Result<(), StoreError> {
        if let Some(hash) = hash
            && !pin::is_hash(hash)
        {
            return Err(StoreError::Setting(
                "the PIN hash is not an argon2 PHC string".into(),
            ));
        }
        let mut batch = sled::Batch::default();
        match hash {
            Some(hash) => batch.insert(keys::META_PIN, hash.as_bytes()),
            None => batch.remove(keys::META_PIN),
        }
        batch.remove(keys::META_PIN_LOCKOUT);
        let sled = self.sled_for_write()?;
        sled.meta
            .apply_batch(batch)
            .map_err(|e| self.write_failed(e))?;
        self.sync_handles(&sled)
    }

    /// The wrong PINs in a row and the lock they earned, as stored.
    pub fn pin_lockout(&self) -> Result<Lockout, StoreError> {
        let value = self
            .sled()?
            .meta
            .get(keys::META_PIN_LOCKOUT)
            .map_err(|e| self.read_failed(e))?;
        Ok(value.map_or_else(Lockout::default, |v| decode_lockout(&v)))
    }

    /// Checks one admin PIN attempt at `now_ms`: the owner verifies it
    /// (argon2, about 0.2 s) unless the prompt is locked, and stores the
    /// count of wrong PINs and the lock before answering, so they hold for
    /// every prompt (kiosk, `kioski admin`) and across restarts. Attempts
    /// are checked one at a time.
    pub fn check_pin(&self, attempt: &str, now_ms: i64) -> Result<PinCheck, StoreError> {
        let _one_at_a_time = self.pin_lock();
        self.attempt_pin(attempt, now_ms)
    }

    /// One attempt, counted; the caller holds [`Store::pin_lock`].
    fn attempt_pin(&self, attempt: &str, now_ms: i64) -> Result<PinCheck, StoreError> {
        let Some(hash) = self.pin_hash()? else {
            return Ok(PinCheck::NoPin);
        };
        let stored = self.pin_lockout()?;
        let (check, next) = pin::attempt(stored, now_ms, || pin::verify(attempt, &hash));
        if next != stored {
            let sled = self.sled_for_write()?;
            if next == Lockout::default() {
                sled.meta
                    .remove(keys::META_PIN_LOCKOUT)
                    .map_err(|e| self.write_failed(e))?;
            } else {
                sled.meta
                    .insert(keys::META_PIN_LOCKOUT, &encode_lockout(next)[..])
                    .map_err(|e| self.write_failed(e))?;
            }
            self.sync_handles(&sled)?;
        }
        Ok(check)
    }

    /// The terminal name an admin set for this store, if any. A name that
    /// breaks the rule (stored by 0.1.0, which did not check) reads as
    /// unset, with a warning in the log, so it cannot make every response
    /// fail; setting a good name replaces it.
    pub fn terminal_name(&self) -> Result<Option<String>, StoreError> {
        let Some(name) = self.meta_text(keys::META_TERMINAL)? else {
            return Ok(None);
        };
        match check_terminal_name(&name) {
            Ok(()) => Ok(Some(name)),
            Err(e) => {
                tracing::warn!(
                    "ignoring the stored terminal name ({e}); set a new one with `kioski admin`"
                );
                Ok(None)
            }
        }
    }

    fn meta_text(&self, key: &[u8]) -> Result<Option<String>, StoreError> {
        let value = self
            .sled()?
            .meta
            .get(key)
            .map_err(|e| self.read_failed(e))?;
        Ok(value.map(|v| String::from_utf8_lossy(&v).into_owned()))
    }

    /// Names this terminal in the responses it stores from now on (the
    /// kiosk takes it at its next welcome screen). A name that a response
    /// could not carry is refused and nothing is stored.
    pub fn set_terminal_name(&self, name: &str) -> Result<(), StoreError> {
        check_terminal_name(name).map_err(|e| StoreError::Setting(e.to_string()))?;
        let sled = self.sled_for_write()?;
        sled.meta
            .insert(keys::META_TERMINAL, name.as_bytes())
            .map_err(|e| self.write_failed(e))?;
        self.sync_handles(&sled)?;
        self.watchers.notify(StoreEvent::SurveysChanged);
        Ok(())
    }

    // ---- watching -----------------------------------------------------

    /// Notices of what changes from now on, each sent once it is durable.
    pub fn watch(&self) -> std::sync::mpsc::Receiver<StoreEvent> {
        self.watchers.watch()
    }
}

/// A record of `tree` in the store `dir` that does not decode, named.
pub(super) fn record_error(
    dir: &Path,
    tree: &'static str,
    key: &[u8],
    error: CodecError,
) -> StoreError {
    match error {
        CodecError::Newer { found, newest } => StoreError::Newer {
            dir: dir.to_owned(),
            found,
            supported: newest,
        },
        error => StoreError::Record {
            tree,
            key: if tree == keys::RESPONSES {
                keys::show_response(key)
            } else {
                keys::show(key)
            },
            error,
        },
    }
}

pub(super) fn encode_error(e: CodecError) -> StoreError {
    StoreError::Write(e.to_string())
}

impl From<SurveyEntryV1> for SurveyEntry {
    fn from(e: SurveyEntryV1) -> Self {
        SurveyEntry {
            id: e.id,
            versions: e
                .versions
                .into_iter()
                .map(|v| VersionRef {
                    hash: VersionHash(v.hash),
                    loaded_ms: v.loaded_ms,
                })
                .collect(),
        }
    }
}

impl From<&SurveyEntry> for SurveyEntryV1 {
    fn from(e: &SurveyEntry) -> Self {
        SurveyEntryV1 {
            id: e.id.clone(),
            versions: e
                .versions
                .iter()
                .map(|v| VersionRefV1 {
                    hash: v.hash.0,
                    loaded_ms: v.loaded_ms,
                })
                .collect(),
        }
    }
}

/// A scan that holds its own handle on sled: the store reopens (after an
/// I/O error) only once no scan uses the old handles.
struct Scan {
    iter: sled::Iter,
    _sled: Arc<Sled>,
}

impl Iterator for Scan {
    type Item = sled::Result<(sled::IVec, sled::IVec)>;

    fn next(&mut self) -> Option<Self::Item> {
        self.iter.next()
    }
}

/// A clean close leaves the survey list beside the store (`listing.rs`).
impl Drop for Store {
    fn drop(&mut self) {
        self.close_with_listing();
    }
}

impl ReadStore for Store {
    fn active(&self) -> Result<Option<String>, StoreError> {
        Store::active(self)
    }
    fn survey_entries(&self) -> Result<Vec<SurveyEntry>, StoreError> {
        Store::survey_entries(self)
    }
    fn survey_entry(&self, id: &str) -> Result<Option<SurveyEntry>, StoreError> {
        Store::survey_entry(self, id)
    }
    fn version(&self, hash: &VersionHash) -> Result<Option<StoredVersion>, StoreError> {
        Store::version(self, hash)
    }
    fn survey_of(&self, hash: &VersionHash) -> Result<Arc<Survey>, StoreError> {
        Store::survey_of(self, hash)
    }
    fn responses<'a>(&'a self, id: &str) -> Responses<'a> {
        Box::new(Store::responses(self, id))
    }
    fn has_pin(&self) -> Result<bool, StoreError> {
        Store::has_pin(self)
    }
    fn terminal_name(&self) -> Result<Option<String>, StoreError> {
        Store::terminal_name(self)
    }
    fn shown_version(&self, id: &str) -> Result<Option<VersionHash>, StoreError> {
        Store::shown_version(self, id)
    }
    /// From the tally cells: no response is read.
    fn holds_flagged(&self, id: &str) -> Result<bool, StoreError> {
        let s = self.stats_from_aggregates(id)?;
        Ok(s.suspect + s.simulated > 0)
    }
    /// From the tally cells: no response is read.
    fn stats(&self, id: &str) -> Result<SurveyStats, StoreError> {
        self.stats_from_aggregates(id)
    }
    fn tally_kept(&self, id: &str, tally: &mut GroupedTally) -> Result<bool, StoreError> {
        self.tally_from_aggregates(id, tally)
    }
    fn responses_since(
        &self,
        id: &str,
        since_ms: i64,
    ) -> Result<Option<Vec<Response>>, StoreError> {
        Store::responses_since(self, id, since_ms).map(Some)
    }
}

/// `meta/pin_lockout`: failures (u32 LE), then the lock's end (i64 LE, 0
/// for none).
fn encode_lockout(l: Lockout) -> [u8; 12] {
    let mut out = [0u8; 12];
    out[..4].copy_from_slice(&l.failures.to_le_bytes());
    out[4..].copy_from_slice(&l.until_ms.unwrap_or(0).to_le_bytes());
    out
}

/// Reads `meta/pin_lockout`; a damaged record counts as one full round of
/// wrong PINs with no lock, so damage never unlocks more than a restart
/// used to.
fn decode_lockout(bytes: &[u8]) -> Lockout {
    match (bytes.get(..4), bytes.get(4..12)) {
        (Some(f), Some(u)) if bytes.len() == 12 => {
            let failures = u32::from_le_bytes([f[0], f[1], f[2], f[3]]);
            let mut until = [0u8; 8];
            until.copy_from_slice(u);
            let until = i64::from_le_bytes(until);
            Lockout {
                failures,
                until_ms: (until != 0).then_some(until),
            }
        }
        _ => Lockout {
            failures: pin::PIN_TRIES - 1,
            until_ms: None,
        },
    }
}

/// Opens sled's database in the store `dir` with its trees and data file.
fn open_handles(dir: &Path) -> Result<Sled, StoreError> {
    let open_error = |reason: String| StoreError::Open {
        dir: dir.to_owned(),
        reason,
    };
    let sled_dir = dir.join(SLED_DIR);
    // No listing may lie beside files that this opening may change.
    super::listing::forget(dir);
    remove_partial_snapshots(&sled_dir);
    let db = open_sled(dir, &sled_dir)?;
    let tree = |name: &str| {
        db.open_tree(name).map_err(|e| match e {
            sled::Error::Io(e) => open_io_error(dir, &e),
            e => open_error(e.to_string()),
        })
    };
    let meta = tree(keys::META)?;
    check_format(dir, &meta)?;
    let data_file = File::open(sled_dir.join("db")).map_err(|e| open_io_error(dir, &e))?;
    Ok(Sled {
        versions: tree(keys::VERSIONS)?,
        surveys: tree(keys::SURVEYS)?,
        responses: tree(keys::RESPONSES)?,
        shown: tree(keys::SHOWN)?,
        tallies: tree(keys::TALLIES)?,
        texts: tree(keys::TEXTS)?,
        outbox: tree(keys::OUTBOX)?,
        meta,
        db,
        data_file,
    })
}

/// Opens sled, at the start or again after its handles were dropped.
/// Our `kioski.lock` is held, so only this process's earlier handles can
/// hold sled's lock on `db/db`, and sled's background threads may keep it
/// for a moment after the drop: that refusal is tried again for up to a
/// second. Any other failure is returned at once.
pub(super) fn open_again(dir: &Path) -> Result<Sled, StoreError> {
    let mut tries = 0;
    loop {
        match open_handles(dir) {
            Err(StoreError::Open { reason, .. }) if reason == STILL_HELD && tries < 40 => {
                tries += 1;
                std::thread::sleep(std::time::Duration::from_millis(25));
            }
            done => return done,
        }
    }
}

/// sled writes a snapshot as `snap.N.generating`, then renames it; one
/// left behind (the disk filled while it was written) is incomplete by
/// definition, and sled 0.34 would read it as the newest snapshot and
/// call the whole store corrupt. Removed before sled opens.
fn remove_partial_snapshots(sled_dir: &Path) {
    let Ok(entries) = std::fs::read_dir(sled_dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with("snap.") && name.ends_with(".generating") {
            match std::fs::remove_file(entry.path()) {
                Ok(()) => tracing::warn!("removed an incomplete snapshot, {name}"),
                Err(e) => tracing::warn!("cannot remove an incomplete snapshot, {name}: {e}"),
            }
        }
    }
}

/// For a store written before `shown` records existed: each survey without
/// one shows its newest version as of this opening. Unreadable entries are
/// left to the reads that need them.
fn shown_at_open(sled: &Sled) -> HashMap<String, VersionHash> {
    let mut out = HashMap::new();
    for (key, value) in sled.surveys.iter().flatten() {
        let Ok(entry) = record::decode_entry(&value).map(SurveyEntry::from) else {
            continue;
        };
        if sled.shown.contains_key(&key).unwrap_or(true) {
            continue;
        }
        if let Some(newest) = entry.versions.last() {
            out.insert(entry.id, newest.hash);
        }
    }
    out
}

/// Why sled refused to open: its lock is held (by this process's earlier
/// handles, since our lock came first).
const STILL_HELD: &str = "its database is still held by this process's previous handles";

/// Opens sled. sled 0.34 panics on some kinds of damaged files instead of
/// returning an error; the panic is caught here, the one place sled reads
/// a store from disk, and reported as a damaged store. The panic message
/// is silenced on this thread for the call ([`silently`]) so no backtrace
/// reaches the user.
pub(super) fn open_sled(dir: &Path, path: &Path) -> Result<sled::Db, StoreError> {
    let damaged = |reason: String| StoreError::Damaged {
        dir: dir.to_owned(),
        reason,
    };
    let opened = silently(|| {
        sled::Config::new()
            .path(path)
            .mode(sled::Mode::HighThroughput)
            // sled's default cache is 1 GiB and fills on any long scan
            // (export of 1M responses reached 382 MiB); a kiosk machine
            // may be small, so the cache is bounded (docs/performance.md).
            .cache_capacity(CACHE_BYTES)
            .open()
    });
    match opened {
        Ok(Ok(db)) => Ok(db),
        Ok(Err(sled::Error::Corruption { .. })) => {
            Err(damaged("its database files are corrupt".into()))
        }
        // sled's own lock refusal carries Rust debug text; our lock came
        // first, so only this process's old handles can hold it.
        Ok(Err(sled::Error::Io(e))) if e.to_string().starts_with("could not acquire lock") => {
            Err(StoreError::Open {
                dir: dir.to_owned(),
                reason: STILL_HELD.into(),
            })
        }
        Ok(Err(sled::Error::Io(e))) => Err(open_io_error(dir, &e)),
        // Anything else sled reports about its own files means they are bad.
        Ok(Err(e)) => Err(damaged(format!("its database files cannot be read ({e})"))),
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            Err(damaged(format!(
                "its database files cannot be read ({what})"
            )))
        }
    }
}

thread_local! {
    /// Set while this thread opens sled, whose panics are caught and
    /// reported as a damaged store: no backtrace for the user.
    static SILENCED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs `f`, catching a panic, with the panic message silenced on this
/// thread only. The hook is installed once and defers to the one before
/// it on every other thread, so a panic elsewhere (another test, another
/// thread of the kiosk) is still reported, and two threads opening stores
/// at once cannot leave the silent hook behind.
fn silently<T>(f: impl FnOnce() -> T) -> std::thread::Result<T> {
    static INSTALL: std::sync::Once = std::sync::Once::new();
    INSTALL.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !SILENCED.with(std::cell::Cell::get) {
                previous(info);
            }
        }));
    });
    SILENCED.with(|s| s.set(true));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    SILENCED.with(|s| s.set(false));
    result
}

/// Room on the store's disk that opening sled again needs: it writes a
/// snapshot, and its log may start a new 512 KiB segment.
const REOPEN_ROOM: u64 = 1024 * 1024;

/// Whether the disk of `dir` has room to open sled again (yes when it
/// cannot be told).
fn has_room(dir: &Path) -> bool {
    rustix::fs::statvfs(dir).map_or(true, |s| {
        s.f_bavail.saturating_mul(s.f_frsize) >= REOPEN_ROOM
    })
}

/// An I/O error while opening the store `dir`.
fn open_io_error(dir: &Path, e: &std::io::Error) -> StoreError {
    if disk_full(e) {
        StoreError::DiskFull
    } else {
        StoreError::Open {
            dir: dir.to_owned(),
            reason: io_reason(e),
        }
    }
}

pub(super) fn poisoned() -> StoreError {
    StoreError::Write("a thread failed while it held the store (a bug in kioski)".into())
}

/// The store format is recorded on first open and checked on every open.
fn check_format(dir: &Path, meta: &sled::Tree) -> Result<(), StoreError> {
    match meta.get(keys::META_FORMAT).map_err(read_error)? {
        None => {
            meta.insert(keys::META_FORMAT, &[keys::STORE_FORMAT])
                .map_err(write_error)?;
            Ok(())
        }
        Some(v) => match v.first() {
            Some(&found) if found > keys::STORE_FORMAT => Err(StoreError::Newer {
                dir: dir.to_owned(),
                found,
                supported: keys::STORE_FORMAT,
            }),
            Some(&found) if found < keys::STORE_FORMAT => {
                meta.insert(keys::META_FORMAT, &[keys::STORE_FORMAT])
                    .map_err(write_error)?;
                Ok(())
            }
            Some(_) => Ok(()),
            None => Err(StoreError::Open {
                dir: dir.to_owned(),
                reason: "the store's format record is empty".into(),
            }),
        },
    }
}

/// An I/O error in words, without the "(os error N)" tail; a full disk
/// in the words every message uses for it.
pub fn io_reason(e: &std::io::Error) -> String {
    if disk_full(e) {
        return super::error::DISK_FULL.into();
    }
    let text = e.to_string();
    match text.find(" (os error") {
        Some(i) => text[..i].to_lowercase(),
        None => text,
    }
}

/// Moves the prize-draw entries of a store made by the release before
/// (sled tree `prizes`, random keys) into the prize file, then drops the
/// tree, and marks a rewrite due so the contacts leave sled's files too.
/// A migration cut short runs again at the next open; the file's merge
/// keeps it from doubling entries.
fn migrate_prizes(dir: &Path, db: &sled::Db, prizes: &Prizes) -> Result<(), StoreError> {
    let name = keys::PRIZES.as_bytes();
    if !db.tree_names().iter().any(|n| &n[..] == name) {
        return Ok(());
    }
    let tree = db.open_tree(name).map_err(read_error)?;
    let mut old = Vec::new();
    for item in tree.iter() {
        let (key, value) = item.map_err(read_error)?;
        // Written by the release before as format 1 of `codec`.
        let (survey, fields): (String, Vec<(String, String)>) = super::codec::split(&value, 1)
            .and_then(|(_, body)| super::codec::decode_body(body))
            .map_err(|e| record_error(dir, keys::PRIZES, &key, e))?;
        old.push(PrizeEntryV1 { survey, fields });
    }
    prizes.merge(old, &mut rand::rng())?;
    drop(tree);
    // Dropping the tree leaves its bytes in sled's log: the rewrite that
    // `open` runs when one is due takes them out of the files.
    db.open_tree(keys::META)
        .and_then(|meta| meta.insert(keys::META_REWRITE_DUE, &[1u8]))
        .map_err(write_error)?;
    db.drop_tree(name).map_err(write_error)?;
    db.flush().map_err(write_error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::answer::Answer;
    use crate::core::simulate::{Setup, respondent};
    use crate::core::validate::survey_from_str;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    const PULSE: &str = include_str!("../../surveys/pulssi.toml");
    const DESK: &str = include_str!("../../surveys/palvelupiste.toml");
    const NOW: i64 = 1_790_000_000_000;

    fn open(dir: &tempfile::TempDir) -> Store {
        Store::open(dir.path(), "test").unwrap()
    }

    fn responses(store: &Store, id: &str, n: usize) -> Vec<Response> {
        let version = store.latest(id).unwrap();
        let setup = Setup {
            survey: &version.survey,
            version: version.hash,
            terminal: "t",
            now_ms: NOW,
            utc_offset_ms: 0,
        };
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        (0..n)
            .map(|i| respondent(&mut rng, &setup, i as f64 / n as f64))
            .collect()
    }

    #[test]
    fn the_same_content_is_one_version_and_the_first_load_activates() {
        let dir = tempfile::tempdir().unwrap();
        let store = open(&dir);
        let survey = survey_from_str(PULSE).unwrap();
        let first = store.load(&survey, PULSE, NOW).unwrap();
        assert!(first.added && first.activated);
        assert_eq!(first.number, 1);
        let again = store
            .load(&survey, &format!("# edited comment\n{PULSE}"), NOW + 1)
            .unwrap();
        assert!(!again.added && !again.activated);
        assert_eq!(again.hash, first.hash);

        let changed_text = PULSE.replace("Quick feedback", "Quick feedback, please");
        let changed = survey_from_str(&changed_text).unwrap();
        // A text that is not the survey's own is refused.
        assert!(store.load(&changed, PULSE, NOW + 2).is_err());
        let second = store.load(&changed, &changed_text, NOW + 2).unwrap();
        assert!(second.added);
        assert_eq!(second.number, 2);
        assert_eq!(store.latest("pulssi").unwrap().hash, second.hash);

        let desk = survey_from_str(DESK).unwrap();
        assert!(!store.load(&desk, DESK, NOW).unwrap().activated);
        assert_eq!(store.active().unwrap().as_deref(), Some("pulssi"));
        store.activate("palvelupiste").unwrap();
        assert_eq!(store.active().unwrap().as_deref(), Some("palvelupiste"));
        assert!(matches!(
            store.activate("nosuch"),
            Err(StoreError::UnknownSurvey(_))
        ));
    }

    #[test]
    fn responses_survive_reopening_and_come_back_in_time_order() {
        let dir = tempfile::tempdir().unwrap();
        let stored = {
            let store = open(&dir);
            store
                .load(&survey_from_str(DESK).unwrap(), DESK, NOW)
                .unwrap();
            let rs = responses(&store, "palvelupiste", 50);
            for r in &rs[..10] {
                store.submit(r).unwrap();
            }
            assert_eq!(store.submit_many(&rs[10..30]).unwrap(), 20);
            assert_eq!(store.submit_batch(&rs[30..]).unwrap(), 20);
            // Submitting the same ids again in a batch adds nothing.
            assert_eq!(store.submit_batch(&rs).unwrap(), 0);
            rs
        };
        let store = open(&dir);
        let back: Vec<Response> = store
            .responses("palvelupiste")
            .map(Result::unwrap)
            .collect();
        assert_eq!(back.len(), 50);
        let mut expected = stored.clone();
        expected.sort_by_key(|r| r.id);
        assert_eq!(back, expected);
        let stats = store.stats("palvelupiste").unwrap();
        assert_eq!(stats.complete + stats.partial, 50);
        assert!(stats.first_ms <= stats.last_ms);
    }

    /// A complete response to pulssi on `terminal` at `ms` with `grade`.
    fn graded(store: &Store, terminal: &str, ms: i64, grade: u8) -> Response {
        use crate::core::answer::Answer;
        Response {
            id: crate::core::response::time_ordered_id(&mut rand::rng(), ms),
            survey: "pulssi".into(),
            version: store.latest("pulssi").unwrap().hash,
            terminal: terminal.into(),
            lang: crate::core::survey::Lang::Fi,
            started_ms: ms - 2_000,
            submitted_ms: ms,
            complete: true,
            answers: [("visit".to_owned(), Answer::Rating(grade))].into(),
            simulated: false,
            suspect: false,
        }
    }

    fn suspects(store: &Store) -> Vec<bool> {
        store
            .responses("pulssi")
            .map(|r| r.unwrap().suspect)
            .collect()
    }

    #[test]
    fn a_quick_repeat_of_the_same_answers_on_one_terminal_is_stored_as_suspect() {
        let dir = tempfile::tempdir().unwrap();
        {
            let store = open(&dir);
            store
                .load(&survey_from_str(PULSE).unwrap(), PULSE, NOW)
                .unwrap();
            store.submit(&graded(&store, "desk-1", NOW, 5)).unwrap();
            store
                .submit(&graded(&store, "desk-1", NOW + 2_000, 5))
                .unwrap();
            // Another terminal, and other answers, are other people.
            store
                .submit(&graded(&store, "desk-2", NOW + 3_000, 5))
                .unwrap();
            store
                .submit(&graded(&store, "desk-1", NOW + 4_000, 4))
                .unwrap();
        }
        // The rule finds the previous response in the store: it holds
        // across a restart of the kiosk.
        let store = open(&dir);
        store
            .submit(&graded(&store, "desk-1", NOW + 6_000, 4))
            .unwrap();
        // Ten seconds or more later is a new person.
        store
            .submit(&graded(&store, "desk-1", NOW + 16_000, 4))
            .unwrap();
        assert_eq!(suspects(&store), [false, true, false, false, true, false],);
        assert_eq!(store.stats("pulssi").unwrap().suspect, 2);
    }

    #[test]
    fn of_identical_submits_at_once_only_the_first_stored_is_not_suspect() {
        let dir = tempfile::tempdir().unwrap();
        let store = open(&dir);
        store
            .load(&survey_from_str(PULSE).unwrap(), PULSE, NOW)
            .unwrap();
        // The same millisecond: ids in random order against the order
        // they are stored in.
        let all: Vec<Response> = (0..8).map(|_| graded(&store, "desk-1", NOW, 5)).collect();
        std::thread::scope(|s| {
            for r in &all {
                let store = &store;
                s.spawn(move || store.submit(r).unwrap());
            }
        });
        let plain = suspects(&store).iter().filter(|s| !**s).count();
        assert_eq!(plain, 1, "{:?}", suspects(&store));
    }

    #[test]
    fn a_damaged_record_in_the_window_never_keeps_a_response_out() {
        let dir = tempfile::tempdir().unwrap();
        let store = open(&dir);
        store
            .load(&survey_from_str(PULSE).unwrap(), PULSE, NOW)
            .unwrap();
        let first = graded(&store, "desk-1", NOW, 5);
        store
            .sled_for_write()
            .unwrap()
            .responses
            .insert(keys::response("pulssi", &first.id), &[1u8, 0xff, 0xff][..])
            .unwrap();
        store
            .submit(&graded(&store, "desk-1", NOW + 1_000, 5))
            .unwrap();
        assert!(store.has_response("pulssi", &first.id).unwrap());
        assert_eq!(store.responses("pulssi").filter(Result::is_ok).count(), 1);
    }

    #[test]
    fn min_seconds_0_turns_the_suspect_rule_off() {
        let dir = tempfile::tempdir().unwrap();
        let store = open(&dir);
        let text = format!("{PULSE}\n[kiosk]\nmin_seconds = 0\n");
        store
            .load(&survey_from_str(&text).unwrap(), &text, NOW)
            .unwrap();
        store.submit(&graded(&store, "desk-1", NOW, 5)).unwrap();
        store.submit(&graded(&store, "desk-1", NOW + 1, 5)).unwrap();
        assert_eq!(suspects(&store), [false, false]);
    }

    #[test]
    fn an_invalid_answer_is_never_stored() {
        let dir = tempfile::tempdir().unwrap();
        let store = open(&dir);
        store
            .load(&survey_from_str(DESK).unwrap(), DESK, NOW)
            .unwrap();
        let mut r = responses(&store, "palvelupiste", 1).remove(0);
        r.answers.insert("overall".into(), Answer::Rating(9));
        assert!(matches!(
            store.submit(&r),
            Err(StoreError::InvalidResponse { .. })
        ));
        r.answers.insert("overall".into(), Answer::Rating(3));
        r.answers.insert("nosuch".into(), Answer::YesNo(true));
        assert!(store.submit(&r).is_err());
        assert!(store.submit_batch(std::slice::from_ref(&r)).is_err());
        assert!(store.submit_many(std::slice::from_ref(&r)).is_err());
        assert_eq!(store.responses("palvelupiste").count(), 0);
    }

    #[test]
    fn prize_draw_entries_carry_no_link_to_responses() {
        let dir = tempfile::tempdir().unwrap();
        let store = open(&dir);
        let fields = vec![
            ("name".to_owned(), "Maija".to_owned()),
            ("phone".to_owned(), "040 123".to_owned()),
        ];
        store.add_prize_entry("palvelulupaus", &fields).unwrap();
        assert_eq!(store.prize_entries("palvelulupaus").unwrap(), vec![fields]);
        assert!(store.prize_entries("pulssi").unwrap().is_empty());
    }

    #[test]
    fn a_second_open_is_refused_with_the_owner() {
        let dir = tempfile::tempdir().unwrap();
        let _store = open(&dir);
        match Store::open(dir.path(), "surveys") {
            Err(StoreError::InUse { owner, .. }) => assert_eq!(owner.command, "test"),
            Err(e) => panic!("{e}"),
            Ok(_) => panic!("opened twice"),
        }
    }

    #[test]
    fn loads_from_many_threads_at_once_keep_every_version() {
        let dir = tempfile::tempdir().unwrap();
        let store = open(&dir);
        let (rounds, threads) = (10, 8);
        for round in 0..rounds {
            let barrier = std::sync::Barrier::new(threads);
            std::thread::scope(|s| {
                for t in 0..threads {
                    let (store, barrier) = (&store, &barrier);
                    s.spawn(move || {
                        let text =
                            PULSE.replace("Quick feedback", &format!("Quick feedback {round}-{t}"));
                        let survey = survey_from_str(&text).unwrap();
                        barrier.wait();
                        assert!(store.load(&survey, &text, NOW).unwrap().added);
                    });
                }
            });
        }
        let entry = store.survey_entry("pulssi").unwrap().unwrap();
        assert_eq!(entry.versions.len(), rounds * threads);
        for v in &entry.versions {
            assert!(store.version(&v.hash).unwrap().is_some());
        }
    }

    #[test]
    fn imports_of_one_batch_at_once_count_each_response_once() {
        let dir = tempfile::tempdir().unwrap();
        let store = open(&dir);
        store
            .load(&survey_from_str(DESK).unwrap(), DESK, NOW)
            .unwrap();
        let all = responses(&store, "palvelupiste", 2000);
        let threads = 6;
        for batch in all.chunks(200) {
            let barrier = std::sync::Barrier::new(threads);
            let added: Vec<usize> = std::thread::scope(|s| {
                let handles: Vec<_> = (0..threads)
                    .map(|_| {
                        let (store, barrier) = (&store, &barrier);
                        s.spawn(move || {
                            barrier.wait();
                            store.submit_batch(batch).unwrap()
                        })
                    })
                    .collect();
                handles.into_iter().map(|h| h.join().unwrap()).collect()
            });
            assert_eq!(added.iter().sum::<usize>(), batch.len(), "{added:?}");
        }
        assert_eq!(store.responses("palvelupiste").count(), all.len());
    }

    fn pulse_titled(title: &str) -> (Survey, String) {
        let text = PULSE.replace("Quick feedback", title);
        (survey_from_str(&text).unwrap(), text)
    }

    #[test]
    fn a_bundle_never_changes_the_shown_version_but_load_and_activate_do() {
        let dir = tempfile::tempdir().unwrap();
        let store = open(&dir);
        let (v1, t1) = pulse_titled("one");
        let (v2, t2) = pulse_titled("two");
        let (v3, t3) = pulse_titled("three");
        let first = store.load(&v1, &t1, NOW).unwrap();
        let shown = |store: &Store| store.shown_version("pulssi").unwrap().unwrap();
        assert_eq!(shown(&store), first.hash);
        let imported = store.import_version(&v2, &t2, NOW + 1).unwrap();
        assert!(imported.added && !imported.activated);
        assert_eq!(store.latest("pulssi").unwrap().hash, imported.hash);
        assert_eq!(
            shown(&store),
            first.hash,
            "an import moved the shown version"
        );
        // Loading the bundle's version shows it: it is the newest.
        store.load(&v2, &t2, NOW + 2).unwrap();
        assert_eq!(shown(&store), imported.hash);
        // `load` of new content shows it; an older one again changes nothing.
        let third = store.load(&v3, &t3, NOW + 3).unwrap();
        assert_eq!(shown(&store), third.hash);
        store.load(&v1, &t1, NOW + 4).unwrap();
        assert_eq!(shown(&store), third.hash);
        // `activate` shows the newest.
        store
            .import_version(&pulse_titled("four").0, &pulse_titled("four").1, NOW + 5)
            .unwrap();
        assert_eq!(shown(&store), third.hash);
        store.activate("pulssi").unwrap();
        assert_eq!(shown(&store), store.latest("pulssi").unwrap().hash);
        assert_ne!(shown(&store), third.hash);
        // A survey that only came in a bundle shows its newest version.
        let desk = survey_from_str(DESK).unwrap();
        let d = store.import_version(&desk, DESK, NOW).unwrap();
        assert_eq!(store.shown_version("palvelupiste").unwrap(), Some(d.hash));
        assert_eq!(store.shown_version("nosuch").unwrap(), None);
    }

    #[test]
    fn a_store_from_before_shown_records_keeps_what_it_showed_at_opening() {
        let dir = tempfile::tempdir().unwrap();
        let (v1, t1) = pulse_titled("one");
        let (v2, t2) = pulse_titled("two");
        let first = {
            let store = open(&dir);
            let first = store.load(&v1, &t1, NOW).unwrap();
            // As an older kioski left it: no record of the shown version.
            store.sled().unwrap().shown.clear().unwrap();
            store.sync().unwrap();
            first
        };
        let store = open(&dir);
        assert_eq!(store.shown_version("pulssi").unwrap(), Some(first.hash));
        store.import_version(&v2, &t2, NOW + 1).unwrap();
        assert_eq!(store.shown_version("pulssi").unwrap(), Some(first.hash));
        drop(store);
        // Written at that first change, so it holds after reopening too.
        let store = open(&dir);
        assert_eq!(store.shown_version("pulssi").unwrap(), Some(first.hash));
    }

    #[test]
    fn after_a_failed_write_the_store_reopens_and_stores_again() {
        let dir = tempfile::tempdir().unwrap();
        let store = open(&dir);
        store
            .load(&survey_from_str(DESK).unwrap(), DESK, NOW)
            .unwrap();
        let rs = responses(&store, "palvelupiste", 8);
        for r in &rs[..3] {
            store.submit(r).unwrap();
        }
        let reopened = |store: &Store| store.reopened.load(Ordering::SeqCst);

        store.fail_syncs(1);
        let error = store.submit(&rs[3]).unwrap_err();
        assert!(matches!(error, StoreError::DiskFull), "{error:?}");
        assert_eq!(error.to_string(), super::super::error::DISK_FULL);
        // Reads go on through the broken handles; only a write reopens.
        assert!(store.responses("palvelupiste").count() >= 3);
        assert_eq!(reopened(&store), 0);
        store.submit(&rs[4]).unwrap();
        assert_eq!(reopened(&store), 1, "the next call reopens sled");

        // A scan in progress keeps the old handles: the reopen waits for it.
        let mut scan = store.responses("palvelupiste");
        assert!(scan.next().is_some());
        store.fail_syncs(1);
        assert!(store.submit(&rs[5]).is_err());
        store.submit(&rs[6]).unwrap();
        assert_eq!(reopened(&store), 1, "reopened under a running scan");
        assert!(scan.count() >= 4, "the scan goes on");
        store.submit(&rs[7]).unwrap();
        assert_eq!(reopened(&store), 2);

        let stored: HashSet<Uuid> = store
            .responses("palvelupiste")
            .map(|r| r.unwrap().id)
            .collect();
        for r in rs[..3].iter().chain([&rs[4], &rs[6], &rs[7]]) {
            assert!(stored.contains(&r.id), "response {} is lost", r.id);
        }
    }

    #[test]
    fn an_incomplete_snapshot_left_by_a_full_disk_is_removed_at_open() {
        let dir = tempfile::tempdir().unwrap();
        {
            let store = open(&dir);
            store
                .load(&survey_from_str(DESK).unwrap(), DESK, NOW)
                .unwrap();
            let rs = responses(&store, "palvelupiste", 5);
            store.submit_batch(&rs).unwrap();
        }
        // What sled leaves when the disk fills while it writes a snapshot.
        std::fs::write(dir.path().join("db/snap.FFFFFFFFFFFFFFFF.generating"), b"").unwrap();
        let store = open(&dir);
        assert_eq!(store.responses("palvelupiste").count(), 5);
        assert!(
            !dir.path()
                .join("db/snap.FFFFFFFFFFFFFFFF.generating")
                .exists()
        );
    }

    #[test]
    fn an_over_long_terminal_name_is_refused_and_nothing_is_stored() {
        let dir = tempfile::tempdir().unwrap();
        let store = open(&dir);
        store.set_terminal_name("kirjasto-1").unwrap();
        for bad in ["x".repeat(65), String::new(), "a\u{1b}[2Jb".into()] {
            assert!(store.set_terminal_name(&bad).is_err(), "{bad:?} was stored");
        }
        assert_eq!(
            store.terminal_name().unwrap().as_deref(),
            Some("kirjasto-1")
        );
    }

    #[test]
    fn a_bad_terminal_name_from_an_older_release_reads_as_unset() {
        let dir = tempfile::tempdir().unwrap();
        {
            let store = open(&dir);
            // What 0.1.0 stored without a check.
            store
                .sled()
                .unwrap()
                .meta
                .insert(keys::META_TERMINAL, "x".repeat(65).as_bytes())
                .unwrap();
            store.sync().unwrap();
        }
        let store = open(&dir);
        assert_eq!(store.terminal_name().unwrap(), None);
    }

    #[test]
    fn changing_the_pin_takes_the_old_one_and_counts_a_wrong_one() {
        let dir = tempfile::tempdir().unwrap();
        let store = open(&dir);
        let events = store.watch();
        let new = pin::hash("135790", &[6; 16]).unwrap();
        // No PIN: nothing to change; a first PIN may be set.
        assert_eq!(
            store.change_pin("x", Some(&new), NOW).unwrap(),
            PinCheck::NoPin
        );
        assert!(!store.has_pin().unwrap());
        assert!(
            store
                .set_first_pin(&pin::hash("482913", &[4; 16]).unwrap())
                .unwrap()
        );
        assert_eq!(events.try_recv(), Ok(StoreEvent::PinChanged));
        // A PIN is set: set_first_pin changes nothing.
        assert!(!store.set_first_pin(&new).unwrap());
        assert!(pin::verify("482913", &store.pin_hash().unwrap().unwrap()));
        // A wrong old PIN: refused and counted, no event.
        assert!(matches!(
            store.change_pin("000000", Some(&new), NOW).unwrap(),
            PinCheck::Wrong { .. }
        ));
        assert_eq!(store.pin_lockout().unwrap().failures, 1);
        assert!(pin::verify("482913", &store.pin_hash().unwrap().unwrap()));
        assert!(events.try_recv().is_err());
        // Not a hash: refused before any attempt.
        assert!(store.change_pin("482913", Some("135790"), NOW).is_err());
        assert_eq!(store.pin_lockout().unwrap().failures, 1);
        // The right one: changed, the count starts over.
        assert_eq!(
            store.change_pin("482913", Some(&new), NOW).unwrap(),
            PinCheck::Right
        );
        assert_eq!(store.pin_lockout().unwrap(), Lockout::default());
        assert!(pin::verify("135790", &store.pin_hash().unwrap().unwrap()));
        assert_eq!(events.try_recv(), Ok(StoreEvent::PinChanged));
        // Cleared: demo mode.
        assert_eq!(
            store.change_pin("135790", None, NOW).unwrap(),
            PinCheck::Right
        );
        assert_eq!(store.pin_hash().unwrap(), None);
        assert_eq!(events.try_recv(), Ok(StoreEvent::PinChanged));
    }

    #[test]
    fn the_pin_lockout_survives_reopening_the_store() {
        let dir = tempfile::tempdir().unwrap();
        {
            let store = open(&dir);
            assert_eq!(store.check_pin("482913", NOW).unwrap(), PinCheck::NoPin);
            store
                .set_pin_hash(&pin::hash("482913", &[4; 16]).unwrap())
                .unwrap();
            for _ in 0..pin::PIN_TRIES {
                assert!(matches!(
                    store.check_pin("000000", NOW).unwrap(),
                    PinCheck::Wrong { .. }
                ));
            }
        }
        let store = open(&dir);
        // The right PIN is refused while the lock lasts, after a restart.
        assert!(matches!(
            store.check_pin("482913", NOW + 1_000).unwrap(),
            PinCheck::Locked { .. }
        ));
        assert_eq!(
            store.check_pin("482913", NOW + pin::LOCKOUT_MS).unwrap(),
            PinCheck::Right
        );
        assert_eq!(store.pin_lockout().unwrap(), Lockout::default());
        // A new PIN clears the count.
        store.check_pin("000000", NOW + pin::LOCKOUT_MS).unwrap();
        assert_eq!(store.pin_lockout().unwrap().failures, 1);
        store
            .set_pin_hash(&pin::hash("135790", &[5; 16]).unwrap())
            .unwrap();
        assert_eq!(store.pin_lockout().unwrap(), Lockout::default());
        assert!(store.set_pin_hash("4321").is_err());
    }

    #[cfg(unix)]
    #[test]
    fn the_store_directory_is_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("new-store");
        let _store = Store::open(&path, "test").unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700);
    }

    #[cfg(unix)]
    #[test]
    fn a_store_directory_that_already_exists_is_made_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        drop(open(&dir));
        let mode = std::fs::metadata(dir.path()).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700, "mode {mode:o}");
    }

    /// Every file and directory under `dir` whose mode is not private.
    #[cfg(unix)]
    fn not_private(dir: &Path) -> Vec<String> {
        use std::os::unix::fs::MetadataExt;
        let mut out = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let meta = std::fs::symlink_metadata(&path).unwrap();
            let want = if meta.is_dir() { 0o700 } else { 0o600 };
            if (meta.is_dir() || meta.is_file()) && meta.mode() & 0o777 != want {
                out.push(format!("{} {:o}", path.display(), meta.mode() & 0o777));
            }
            if meta.is_dir() {
                out.extend(not_private(&path));
            }
        }
        out
    }

    #[cfg(unix)]
    #[test]
    fn files_an_older_release_left_readable_are_made_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        {
            let store = open(&dir);
            store
                .load(&survey_from_str(DESK).unwrap(), DESK, NOW)
                .unwrap();
            store
                .add_prize_entry("palvelupiste", &[("name".into(), "Maija".into())])
                .unwrap();
        }
        fn open_up(dir: &Path) {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                let is_dir = path.is_dir();
                let mode = if is_dir { 0o755 } else { 0o644 };
                std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
                if is_dir {
                    open_up(&path);
                }
            }
        }
        open_up(dir.path());
        assert!(!not_private(dir.path()).is_empty());
        drop(open(&dir));
        assert_eq!(not_private(dir.path()), Vec::<String>::new());
    }

    #[cfg(unix)]
    #[test]
    fn a_store_directory_of_another_user_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("theirs");
        std::fs::create_dir(&path).unwrap();
        if std::os::unix::fs::chown(&path, Some(12345), None).is_err() {
            // Not permitted here (not root): nothing to test.
            return;
        }
        match Store::open(&path, "test") {
            Err(e @ StoreError::ForeignOwner { .. }) => {
                assert!(e.is_store_problem());
                assert!(e.to_string().contains("uid 12345"), "{e}");
                assert!(e.hint().is_some_and(|h| h.contains("--store")));
            }
            Err(e) => panic!("{e}"),
            Ok(_) => panic!("opened another user's store"),
        }
        assert_eq!(std::fs::read_dir(&path).unwrap().count(), 0);
    }

    /// All the bytes of every file under `dir`.
    fn bytes_under(dir: &Path) -> Vec<u8> {
        let mut out = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                out.extend(bytes_under(&path));
            } else {
                out.extend(std::fs::read(&path).unwrap());
            }
        }
        out
    }

    fn contains(haystack: &[u8], needle: &str) -> bool {
        haystack
            .windows(needle.len())
            .any(|w| w == needle.as_bytes())
    }

    #[test]
    fn prize_contacts_never_enter_the_response_log() {
        let dir = tempfile::tempdir().unwrap();
        {
            let store = open(&dir);
            store
                .load(&survey_from_str(DESK).unwrap(), DESK, NOW)
                .unwrap();
            for r in responses(&store, "palvelupiste", 3) {
                store.submit(&r).unwrap();
                store
                    .add_prize_entry(
                        "palvelupiste",
                        &[
                            ("name".into(), "Maija Meikäläinen".into()),
                            ("phone".into(), "040 123 4567".into()),
                        ],
                    )
                    .unwrap();
            }
        }
        let db = bytes_under(&dir.path().join(SLED_DIR));
        assert!(contains(&db, "palvelupiste"), "the responses are there");
        assert!(!contains(&db, "Meikäläinen"));
        assert!(!contains(&db, "040 123 4567"));
        let file = dir.path().join(super::super::prizes::PRIZE_FILE);
        assert!(contains(&std::fs::read(&file).unwrap(), "Meikäläinen"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&file).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "mode {mode:o}");
        }
        assert_eq!(open(&dir).prize_entries("palvelupiste").unwrap().len(), 3);
    }

    /// The release before kept each entry in the sled tree `prizes`
    /// under a random key: the first open moves them to the prize file.
    #[test]
    fn prize_entries_of_an_older_store_are_kept() {
        let dir = tempfile::tempdir().unwrap();
        let old: Vec<(String, Vec<(String, String)>)> = (0..5)
            .map(|i| {
                let survey = if i < 3 { "palvelulupaus" } else { "pulssi" };
                (
                    survey.to_owned(),
                    vec![("name".to_owned(), format!("Nimi {i}"))],
                )
            })
            .collect();
        {
            drop(open(&dir));
            // sled's background threads may hold its lock for a moment
            // after the store is dropped.
            let db = (0..200)
                .find_map(|_| {
                    let opened = sled::open(dir.path().join(SLED_DIR)).ok();
                    if opened.is_none() {
                        std::thread::sleep(std::time::Duration::from_millis(10));
                    }
                    opened
                })
                .unwrap();
            let tree = db.open_tree(keys::PRIZES).unwrap();
            for entry in &old {
                tree.insert(
                    Uuid::new_v4().as_bytes(),
                    super::super::codec::encode(1, entry).unwrap(),
                )
                .unwrap();
            }
            db.flush().unwrap();
        }
        let names = |store: &Store, id: &str| {
            let mut n: Vec<String> = store
                .prize_entries(id)
                .unwrap()
                .into_iter()
                .map(|f| f[0].1.clone())
                .collect();
            n.sort();
            n
        };
        for _ in 0..2 {
            let store = open(&dir);
            assert_eq!(
                names(&store, "palvelulupaus"),
                ["Nimi 0", "Nimi 1", "Nimi 2"]
            );
            assert_eq!(names(&store, "pulssi"), ["Nimi 3", "Nimi 4"]);
            assert!(
                !store
                    .sled()
                    .unwrap()
                    .db
                    .tree_names()
                    .iter()
                    .any(|n| &n[..] == keys::PRIZES.as_bytes())
            );
        }
        assert!(dir.path().join(super::super::prizes::PRIZE_FILE).is_file());
    }

    #[test]
    fn prize_entries_are_not_kept_in_the_order_they_came() {
        let dir = tempfile::tempdir().unwrap();
        let store = open(&dir);
        let names: Vec<String> = (0..30).map(|i| format!("Nimi {i}")).collect();
        for name in &names {
            store
                .add_prize_entry("palvelulupaus", &[("name".into(), name.clone())])
                .unwrap();
        }
        let stored: Vec<String> = store
            .prize_entries("palvelulupaus")
            .unwrap()
            .into_iter()
            .map(|f| f[0].1.clone())
            .collect();
        // A random order of 30 is the insertion order once in 30! (1e32).
        assert_ne!(stored, names);
        let mut sorted = stored.clone();
        sorted.sort_by_key(|n| n[5..].parse::<u32>().unwrap());
        assert_eq!(sorted, names, "every entry is there once");
    }
}
