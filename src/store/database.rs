//! [`Store`]: an opened store directory, owned by this process.

use std::collections::HashSet;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::codec::CodecError;
use super::error::{StoreError, read_error, write_error};
use super::keys;
use super::lock::{self, StoreLock};
use super::read::{ReadStore, Responses, SurveyCache};
use super::record::{self, SurveyEntryV1, VersionRefV1, VersionV2};
use super::watch::{StoreEvent, Watchers};
use crate::core::pin::{self, Lockout, PinCheck};
use crate::core::response::{Response, check_terminal_name};
use crate::core::survey::Survey;
use crate::core::version::VersionHash;

/// sled's page cache. Bounds the memory of long scans (export, tally) and
/// of long writes (bundle import): with 16 MiB, scans, lookups and writes
/// of 1,000,000 records took as long as with 64 MiB, in 70-80 MB less
/// memory (docs/performance.md, "Bundle import memory").
const CACHE_BYTES: u64 = 16 * 1024 * 1024;

/// The sled database's directory inside the store directory.
const SLED_DIR: &str = "db";

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
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SurveyStats {
    pub complete: u64,
    pub partial: u64,
    pub first_ms: Option<i64>,
    pub last_ms: Option<i64>,
}

/// An open store. Only one process holds one at a time (see `lock`).
pub struct Store {
    dir: PathBuf,
    db: sled::Db,
    meta: sled::Tree,
    versions: sled::Tree,
    surveys: sled::Tree,
    responses: sled::Tree,
    prizes: sled::Tree,
    /// sled's data file, for the `fdatasync` after each flush.
    data_file: File,
    /// Surveys by version, decoded once.
    cache: SurveyCache,
    watchers: Watchers,
    /// Held for one whole PIN attempt (read, verify, store), so attempts
    /// from the kiosk and the socket at once are counted one by one.
    pin_attempts: Mutex<()>,
    _lock: StoreLock,
}

impl Store {
    /// Opens (creating if needed, mode 0700) the store in `dir` for the
    /// kioski command `command`, which the lock records for others to see.
    pub fn open(dir: &Path, command: &str) -> Result<Store, StoreError> {
        let open_error = |reason: String| StoreError::Open {
            dir: dir.to_owned(),
            reason,
        };
        if dir.exists() && !dir.is_dir() {
            return Err(open_error("it is a file, not a directory".into()));
        }
        create_private_dir(dir).map_err(|e| open_error(io_reason(&e)))?;
        let lock = lock::acquire(dir, command)?;
        let sled_dir = dir.join(SLED_DIR);
        let db = open_sled(&sled_dir).map_err(|(reason, damaged)| {
            if damaged {
                StoreError::Damaged {
                    dir: dir.to_owned(),
                    reason,
                }
            } else {
                open_error(reason)
            }
        })?;
        let tree = |name: &str| db.open_tree(name).map_err(|e| open_error(e.to_string()));
        let meta = tree(keys::META)?;
        check_format(dir, &meta)?;
        let data_file = File::open(sled_dir.join("db")).map_err(|e| open_error(io_reason(&e)))?;
        let store = Store {
            dir: dir.to_owned(),
            versions: tree(keys::VERSIONS)?,
            surveys: tree(keys::SURVEYS)?,
            responses: tree(keys::RESPONSES)?,
            prizes: tree(keys::PRIZES)?,
            meta,
            db,
            data_file,
            cache: SurveyCache::default(),
            watchers: Watchers::default(),
            pin_attempts: Mutex::new(()),
            _lock: lock,
        };
        Ok(store)
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Makes everything written so far durable: sled's flush, then an
    /// `fdatasync` of its data file, since sled 0.34's flush ends in
    /// `sync_file_range`, which survives a killed process but not a power
    /// cut.
    pub fn sync(&self) -> Result<(), StoreError> {
        self.db.flush().map_err(write_error)?;
        self.data_file
            .sync_data()
            .map_err(|e| StoreError::Write(e.to_string()))
    }

    // ---- surveys and versions ----------------------------------------

    /// Stores a validated survey as a version of its id; the same content
    /// again adds nothing. The first survey loaded into a store becomes
    /// the active one.
    pub fn load(
        &self,
        survey: &Survey,
        source: &str,
        now_ms: i64,
    ) -> Result<LoadOutcome, StoreError> {
        let hash = VersionHash::of(survey);
        // The text is what is stored and rebuilt on every read, so it must
        // be the text of this very survey.
        self.cache
            .rebuild(&hash, source)
            .map_err(|e| record_error(&self.dir, keys::VERSIONS, &hash.0, e))?;
        let mut entry = self
            .survey_entry(&survey.id)?
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
            self.versions.insert(hash.0, bytes).map_err(write_error)?;
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
            self.put_entry(&entry)?;
        }
        let activated = self.active()?.is_none();
        if activated {
            self.meta
                .insert(keys::META_ACTIVE, survey.id.as_bytes())
                .map_err(write_error)?;
        }
        self.sync()?;
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

    /// Makes `id` the survey the kiosk shows.
    pub fn activate(&self, id: &str) -> Result<(), StoreError> {
        if self.survey_entry(id)?.is_none() {
            return Err(StoreError::UnknownSurvey(id.to_owned()));
        }
        self.meta
            .insert(keys::META_ACTIVE, id.as_bytes())
            .map_err(write_error)?;
        self.sync()?;
        self.watchers.notify(StoreEvent::SurveysChanged);
        Ok(())
    }

    /// The id of the active survey.
    pub fn active(&self) -> Result<Option<String>, StoreError> {
        let value = self.meta.get(keys::META_ACTIVE).map_err(read_error)?;
        Ok(value.map(|v| String::from_utf8_lossy(&v).into_owned()))
    }

    pub fn survey_entry(&self, id: &str) -> Result<Option<SurveyEntry>, StoreError> {
        match self.surveys.get(id.as_bytes()).map_err(read_error)? {
            Some(value) => self.decode_entry(id.as_bytes(), &value).map(Some),
            None => Ok(None),
        }
    }

    fn decode_entry(&self, key: &[u8], value: &[u8]) -> Result<SurveyEntry, StoreError> {
        record::decode_entry(value)
            .map(SurveyEntry::from)
            .map_err(|e| record_error(&self.dir, keys::SURVEYS, key, e))
    }

    fn put_entry(&self, entry: &SurveyEntry) -> Result<(), StoreError> {
        let bytes = record::encode_entry(&entry.into()).map_err(encode_error)?;
        self.surveys
            .insert(entry.id.as_bytes(), bytes)
            .map_err(write_error)?;
        Ok(())
    }

    /// Every stored survey, by id.
    pub fn survey_entries(&self) -> Result<Vec<SurveyEntry>, StoreError> {
        self.surveys
            .iter()
            .map(|item| {
                let (key, value) = item.map_err(read_error)?;
                self.decode_entry(&key, &value)
            })
            .collect()
    }

    /// A stored version, its survey rebuilt from its text (once; cached).
    pub fn version(&self, hash: &VersionHash) -> Result<Option<StoredVersion>, StoreError> {
        let Some(value) = self.versions.get(hash.0).map_err(read_error)? else {
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
    pub fn submit(&self, response: &Response) -> Result<(), StoreError> {
        self.check(response)?;
        let bytes = record::encode_response(response).map_err(encode_error)?;
        self.responses
            .insert(keys::response(&response.survey, &response.id), bytes)
            .map_err(write_error)?;
        self.sync()?;
        self.watchers
            .notify(StoreEvent::Stored(Box::new(response.clone())));
        Ok(())
    }

    /// Checks and stores many responses in one atomic batch, then makes
    /// them durable; returns how many were new (ids already stored, or
    /// twice in the batch, are skipped).
    pub fn submit_batch(&self, responses: &[Response]) -> Result<usize, StoreError> {
        let mut keyed = Vec::with_capacity(responses.len());
        for response in responses {
            self.check(response)?;
            keyed.push((keys::response(&response.survey, &response.id), response));
        }
        keyed.sort_by(|a, b| a.0.cmp(&b.0));
        keyed.dedup_by(|a, b| a.0 == b.0);
        let existing = self.existing_keys(&keyed)?;
        let mut batch = sled::Batch::default();
        let mut added = 0;
        for (key, response) in keyed {
            if !existing.contains(&key) {
                batch.insert(
                    key,
                    record::encode_response(response).map_err(encode_error)?,
                );
                added += 1;
            }
        }
        self.responses.apply_batch(batch).map_err(write_error)?;
        self.sync()?;
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
            ));
        }
        for (key, value) in records {
            self.responses.insert(key, value).map_err(write_error)?;
        }
        self.sync()?;
        self.watchers.notify(StoreEvent::Imported);
        Ok(responses.len())
    }

    /// Which of these sorted keys are stored. One range scan over their
    /// span is cheap when new responses follow the stored ones in time (the
    /// usual case); when the span holds many other responses, each key is
    /// looked up instead.
    fn existing_keys(
        &self,
        sorted: &[(Vec<u8>, &Response)],
    ) -> Result<HashSet<Vec<u8>>, StoreError> {
        let mut found = HashSet::new();
        let (Some(first), Some(last)) = (sorted.first(), sorted.last()) else {
            return Ok(found);
        };
        let limit = sorted.len() * 4 + 16;
        let mut scanned = 0;
        for item in self.responses.range(first.0.as_slice()..=last.0.as_slice()) {
            let (key, _) = item.map_err(read_error)?;
            scanned += 1;
            if scanned > limit {
                found.clear();
                for (key, _) in sorted {
                    if self.responses.contains_key(key).map_err(read_error)? {
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
        self.responses
            .contains_key(keys::response(survey, id))
            .map_err(read_error)
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

    /// The responses to survey `id`, oldest first, read lazily.
    pub fn responses(&self, id: &str) -> impl Iterator<Item = Result<Response, StoreError>> + '_ {
        self.responses
            .scan_prefix(keys::survey_prefix(id))
            .map(|item| {
                let (key, value) = item.map_err(read_error)?;
                Store::decode_response_record(&self.dir, &key, &value)
            })
    }

    /// The stored records (key, encoded response) of survey `id`, oldest
    /// first, undecoded: the socket server passes them on as they are.
    pub fn response_records(
        &self,
        id: &str,
    ) -> impl Iterator<Item = Result<(Vec<u8>, Vec<u8>), StoreError>> + '_ {
        self.responses
            .scan_prefix(keys::survey_prefix(id))
            .map(|item| {
                let (key, value) = item.map_err(read_error)?;
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

    /// Stores prize-draw contact details under a random key: nothing links
    /// them to a response, not even the time.
    pub fn add_prize_entry(
        &self,
        survey: &str,
        fields: &[(String, String)],
    ) -> Result<(), StoreError> {
        let entry = (survey.to_owned(), fields.to_vec());
        let bytes = super::codec::encode(1, &entry).map_err(encode_error)?;
        self.prizes
            .insert(Uuid::new_v4().as_bytes(), bytes)
            .map_err(write_error)?;
        self.sync()
    }

    /// The prize-draw entries of survey `id`, in random order.
    pub fn prize_entries(&self, id: &str) -> Result<Vec<Vec<(String, String)>>, StoreError> {
        let mut out = Vec::new();
        for item in self.prizes.iter() {
            let (key, value) = item.map_err(read_error)?;
            let (survey, fields): (String, Vec<(String, String)>) = super::codec::split(&value, 1)
                .and_then(|(_, body)| super::codec::decode_body(body))
                .map_err(|e| record_error(&self.dir, keys::PRIZES, &key, e))?;
            if survey == id {
                out.push(fields);
            }
        }
        Ok(out)
    }

    /// The admin PIN's hash, if one is set. Only this process sees it:
    /// the socket never hands it out ([`Store::check_pin`] instead).
    pub fn pin_hash(&self) -> Result<Option<String>, StoreError> {
        let value = self.meta.get(keys::META_PIN).map_err(read_error)?;
        Ok(value.map(|v| String::from_utf8_lossy(&v).into_owned()))
    }

    /// Whether an admin PIN is set (without it the kiosk runs in demo mode).
    pub fn has_pin(&self) -> Result<bool, StoreError> {
        Ok(self.pin_hash()?.is_some())
    }

    /// Stores the admin PIN's hash and clears the count of wrong PINs;
    /// anything but an argon2 PHC string is refused, so a stored PIN
    /// always verifies or fails cleanly.
    pub fn set_pin_hash(&self, hash: &str) -> Result<(), StoreError> {
        if !pin::is_hash(hash) {
            return Err(StoreError::Setting(
                "the PIN hash is not an argon2 PHC string".into(),
            ));
        }
        let mut batch = sled::Batch::default();
        batch.insert(keys::META_PIN, hash.as_bytes());
        batch.remove(keys::META_PIN_LOCKOUT);
        self.meta.apply_batch(batch).map_err(write_error)?;
        self.sync()
    }

    /// The wrong PINs in a row and the lock they earned, as stored.
    pub fn pin_lockout(&self) -> Result<Lockout, StoreError> {
        let value = self.meta.get(keys::META_PIN_LOCKOUT).map_err(read_error)?;
        Ok(value.map_or_else(Lockout::default, |v| decode_lockout(&v)))
    }

    /// Checks one admin PIN attempt at `now_ms`: the owner verifies it
    /// (argon2, about 0.2 s) unless the prompt is locked, and stores the
    /// count of wrong PINs and the lock before answering, so they hold for
    /// every prompt (kiosk, `kioski admin`) and across restarts. Attempts
    /// are checked one at a time.
    pub fn check_pin(&self, attempt: &str, now_ms: i64) -> Result<PinCheck, StoreError> {
        let _one_at_a_time = self
            .pin_attempts
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let Some(hash) = self.pin_hash()? else {
            return Ok(PinCheck::NoPin);
        };
        let stored = self.pin_lockout()?;
        let (check, next) = pin::attempt(stored, now_ms, || pin::verify(attempt, &hash));
        if next != stored {
            if next == Lockout::default() {
                self.meta
                    .remove(keys::META_PIN_LOCKOUT)
                    .map_err(write_error)?;
            } else {
                self.meta
                    .insert(keys::META_PIN_LOCKOUT, &encode_lockout(next)[..])
                    .map_err(write_error)?;
            }
            self.sync()?;
        }
        Ok(check)
    }

    /// The terminal name an admin set for this store, if any. A name that
    /// breaks the rule (stored by 0.1.0, which did not check) reads as
    /// unset, with a warning in the log, so it cannot make every response
    /// fail; setting a good name replaces it.
    pub fn terminal_name(&self) -> Result<Option<String>, StoreError> {
        let value = self.meta.get(keys::META_TERMINAL).map_err(read_error)?;
        let Some(value) = value else { return Ok(None) };
        let name = String::from_utf8_lossy(&value).into_owned();
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

    /// Names this terminal in the responses it stores from now on (the
    /// kiosk takes it at its next welcome screen). A name that a response
    /// could not carry is refused and nothing is stored.
    pub fn set_terminal_name(&self, name: &str) -> Result<(), StoreError> {
        check_terminal_name(name).map_err(|e| StoreError::Setting(e.to_string()))?;
        self.meta
            .insert(keys::META_TERMINAL, name.as_bytes())
            .map_err(write_error)?;
        self.sync()?;
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
fn record_error(dir: &Path, tree: &'static str, key: &[u8], error: CodecError) -> StoreError {
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

fn encode_error(e: CodecError) -> StoreError {
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

/// Opens sled. sled 0.34 panics on some kinds of damaged files instead of
/// returning an error; the panic is caught here, the one place sled reads
/// a store from disk, and reported as a damaged store. The panic hook is
/// silenced for the call so no backtrace reaches the user. Returns the
/// reason and whether the store is damaged (rather than unreachable).
fn open_sled(path: &Path) -> Result<sled::Db, (String, bool)> {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let opened = std::panic::catch_unwind(|| {
        sled::Config::new()
            .path(path)
            .mode(sled::Mode::HighThroughput)
            // sled's default cache is 1 GiB and fills on any long scan
            // (export of 1M responses reached 382 MiB); a kiosk machine
            // may be small, so the cache is bounded (docs/performance.md).
            .cache_capacity(CACHE_BYTES)
            .open()
    });
    std::panic::set_hook(previous);
    match opened {
        Ok(Ok(db)) => Ok(db),
        Ok(Err(sled::Error::Corruption { .. })) => {
            Err(("its database files are corrupt".into(), true))
        }
        Ok(Err(sled::Error::Io(e))) => Err((io_reason(&e), false)),
        // Anything else sled reports about its own files means they are bad.
        Ok(Err(e)) => Err((format!("its database files cannot be read ({e})"), true)),
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            Err((format!("its database files cannot be read ({what})"), true))
        }
    }
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

/// An I/O error in words, without the "(os error N)" tail.
pub fn io_reason(e: &std::io::Error) -> String {
    let text = e.to_string();
    match text.find(" (os error") {
        Some(i) => text[..i].to_lowercase(),
        None => text,
    }
}

/// Creates `dir` and its parents; the store itself is readable only by
/// its owner (answers and prize-draw contacts live here).
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
    }
    #[cfg(not(unix))]
    {
        std::fs::create_dir_all(dir)
    }
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
                .meta
                .insert(keys::META_TERMINAL, "x".repeat(65).as_bytes())
                .unwrap();
            store.sync().unwrap();
        }
        let store = open(&dir);
        assert_eq!(store.terminal_name().unwrap(), None);
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
}
