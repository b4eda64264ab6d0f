//! Backups: everything one terminal holds, in one checked file, and back.
//!
//! Layout (all integers little-endian), framed like a bundle:
//!
//! ```text
//! "KIOSKIS\n"                      8 bytes, magic
//! format                           u16 (1)
//! record*                          kind u8, length u32, body; kinds in this order
//!   kind 1 header                  codec: BackupHeaderV1 (counts of what follows)
//!   kind 2 meta                    codec: MetaV1 (a `meta` entry: active, pin, terminal, ...)
//!   kind 3 survey version          the stored version record, as stored
//!   kind 4 survey entry            the stored survey entry record, as stored
//!   kind 5 shown version           codec: ShownV1
//!   kind 6 prize entry             codec: prizes::PrizeEntryV1, in random order
//!   kind 7 response                the stored response record, as stored, in key order
//! 0xFF, SHA-256 of all bytes before the 0xFF
//! ```
//!
//! Stored records travel as their bytes, so a record of any format this
//! store holds comes back the same. Memory stays bounded: the backup reads
//! the responses once into an unnamed spool file beside the target and
//! counts them there, then writes header, settings, surveys, prizes and
//! the spool; a restore checks the whole file first (every record decoded,
//! every version rebuilt from its text, every response checked against its
//! version, keys strictly increasing, counts) keeping only the settings,
//! versions and a digest per batch, then writes it in a second pass.

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::sync::Arc;

use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};

use super::codec::{self, CodecError};
use super::database::RawRecord;
use super::framed::{
    CHECKSUM_LEN, FrameError, HashingWriter, RECORDS_START, Records, read_up_to, write_record,
};
use super::prizes::PrizeEntryV1;
use super::{Store, StoreError, SurveyCache, keys, record};
use crate::core::pin;
use crate::core::sanitize::plural;
use crate::core::survey::Survey;
use crate::core::version::VersionHash;

pub const MAGIC: &[u8; 8] = b"KIOSKIS\n";
pub const FORMAT: u16 = 1;
const KIND_HEADER: u8 = 1;
const KIND_META: u8 = 2;
const KIND_VERSION: u8 = 3;
const KIND_ENTRY: u8 = 4;
const KIND_SHOWN: u8 = 5;
const KIND_PRIZE: u8 = 6;
const KIND_RESPONSE: u8 = 7;
/// Prize entries held while checking, in bytes: the prize file's own bound.
const MAX_PRIZE_BYTES: u64 = codec::MAX_RECORD_BYTES;
/// Responses per atomic, synced batch on restore (as bundle import).
pub const RESTORE_BATCH: usize = super::bundle::IMPORT_BATCH;

/// What a backup holds, counted; the header's counts are exactly the
/// records that follow.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackupHeaderV1 {
    pub created_ms: i64,
    /// The kioski that wrote it, for people.
    pub kioski: String,
    pub meta: u64,
    pub versions: u64,
    pub surveys: u64,
    pub shown: u64,
    pub prizes: u64,
    pub responses: u64,
}

/// One `meta` entry, as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct MetaV1 {
    key: Vec<u8>,
    value: Vec<u8>,
}

/// The version a survey shows, where the store recorded one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct ShownV1 {
    survey: String,
    version: [u8; 32],
}

/// Why a backup cannot be written or restored.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("cannot read the backup: {}", super::io_reason(.0))]
    Io(#[from] io::Error),
    #[error("cannot write the backup {path}: {reason}")]
    Write { path: String, reason: String },
    #[error("not a kioski backup (the file does not start with the backup mark)")]
    NotABackup,
    #[error("this is a bundle, not a backup")]
    Bundle,
    #[error("the backup has format {0}, made by a newer kioski (this one reads format {FORMAT})")]
    Newer(u16),
    #[error("the backup holds a record of format {0}, made by a newer kioski")]
    NewerRecord(u8),
    #[error("the backup is damaged or cut short: {0}")]
    Damaged(String),
    #[error("the backup changed while it was being restored")]
    Changed,
    #[error("the store changed while it was backed up: {0}")]
    StoreChanged(String),
    #[error("the store {dir} is not empty ({what}): a backup is restored only into an empty store")]
    NotEmpty { dir: String, what: String },
    #[error(
        "a restore of another backup was cut short in the store {0}, so it holds part of that one"
    )]
    OtherRestore(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl BackupError {
    /// What to do about it.
    pub fn hint(&self) -> Option<String> {
        Some(match self {
            BackupError::Store(e) => return e.hint(),
            BackupError::Write { .. } => {
                "check that the folder exists, that you may write there, and free disk space".into()
            }
            BackupError::Bundle => {
                "add a bundle's responses with `kioski bundle import FILE`; nothing was stored".into()
            }
            BackupError::StoreChanged(_) => "run `kioski backup` again".into(),
            BackupError::NotEmpty { .. } => "restore into a new store with `kioski --store NEW_DIR restore FILE`; to add another terminal's answers to this store, use `kioski bundle import`; nothing was changed".into(),
            BackupError::OtherRestore(_) => "restore that backup again to finish it, or restore into a new store with --store NEW_DIR".into(),
            BackupError::Changed => {
                "restore it again once nothing writes to the file; it goes on where it stopped".into()
            }
            _ => "nothing was stored; make a new backup on the terminal it came from (`kioski backup --out FILE`)".into(),
        })
    }

    /// Whether the problem is with the store (exit 3) rather than the file.
    pub fn is_store_problem(&self) -> bool {
        matches!(self, BackupError::Store(e) if e.is_store_problem())
    }
}

/// What a backup holds, or what a restore stored.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub surveys: u64,
    pub versions: u64,
    pub responses: u64,
    pub prizes: u64,
}

impl From<&BackupHeaderV1> for Counts {
    fn from(h: &BackupHeaderV1) -> Self {
        Counts {
            surveys: h.surveys,
            versions: h.versions,
            responses: h.responses,
            prizes: h.prizes,
        }
    }
}

// ---- backup --------------------------------------------------------------

/// Writes a backup of `store` to `out` (mode 0600, appearing only when
/// complete and checked as a restore would check it).
///
/// The responses are read first, into an unnamed spool beside `out`, and
/// counted there; the surveys and settings are read after them, so every
/// response in the file has its survey version, even while a kiosk keeps
/// storing answers meanwhile (those stored after the scan passed are in
/// the next backup).
pub fn write(store: &Store, out: &Path, now_ms: i64) -> Result<Counts, BackupError> {
    let write_error = |e: io::Error| BackupError::Write {
        path: out.display().to_string(),
        reason: super::io_reason(&e),
    };
    let named = |e: BackupError| match e {
        BackupError::Io(e) => write_error(e),
        e => e,
    };
    let dir = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut spool = BufWriter::new(tempfile::tempfile_in(dir).map_err(write_error)?);
    let mut needed: HashSet<VersionHash> = HashSet::new();
    let mut responses = 0u64;
    for (id, _) in store.raw_entries()? {
        let id = String::from_utf8_lossy(&id).into_owned();
        for item in store.response_records(&id) {
            let (key, value) = item?;
            // Decoded to learn its version (and to find a damaged record
            // now, not at the restore); written as stored.
            let r = Store::decode_response_record(store.dir(), &key, &value)?;
            needed.insert(r.version);
            write_record(&mut spool, KIND_RESPONSE, &value).map_err(|e| named(e.into()))?;
            responses += 1;
        }
    }
    let mut spool = spool
        .into_inner()
        .map_err(|e| write_error(e.into_error()))?;
    spool.seek(SeekFrom::Start(0)).map_err(write_error)?;

    let entries = store.raw_entries()?;
    let mut versions = Vec::new();
    let mut shown = Vec::new();
    for (key, value) in &entries {
        let entry =
            record::decode_entry(value).map_err(|e| stored_damage(keys::SURVEYS, key, e))?;
        for v in &entry.versions {
            let hash = VersionHash(v.hash);
            let raw = store
                .raw_version(&hash)?
                .ok_or_else(|| StoreError::UnknownVersion(hash.to_string()))?;
            needed.remove(&hash);
            versions.push(raw);
        }
        if let Some(hash) = store.shown_record(&entry.id)? {
            shown.push(encode(&ShownV1 {
                survey: entry.id.clone(),
                version: hash.0,
            })?);
        }
    }
    if let Some(hash) = needed.iter().next() {
        return Err(BackupError::StoreChanged(format!(
            "survey version {} of stored responses is gone",
            hash.short()
        )));
    }
    let meta: Vec<Vec<u8>> = store
        .raw_meta()?
        .into_iter()
        .map(|(key, value)| encode(&MetaV1 { key, value }))
        .collect::<Result<_, _>>()?;
    let mut prizes = store.all_prize_entries()?;
    // No order to link an entry to the responses around it.
    prizes.shuffle(&mut rand::rng());
    let prizes: Vec<Vec<u8>> = prizes.iter().map(encode).collect::<Result<_, _>>()?;
    let header = BackupHeaderV1 {
        created_ms: now_ms,
        kioski: env!("CARGO_PKG_VERSION").to_owned(),
        meta: meta.len() as u64,
        versions: versions.len() as u64,
        surveys: entries.len() as u64,
        shown: shown.len() as u64,
        prizes: prizes.len() as u64,
        responses,
    };
    let verified = super::atomic::write_file(out, write_error, |file| {
        let mut w = HashingWriter::new(file);
        w.write_all(MAGIC)?;
        w.write_all(&FORMAT.to_le_bytes())?;
        write_record(&mut w, KIND_HEADER, &encode(&header)?)?;
        for body in &meta {
            write_record(&mut w, KIND_META, body)?;
        }
        for body in &versions {
            write_record(&mut w, KIND_VERSION, body)?;
        }
        for (_, value) in &entries {
            write_record(&mut w, KIND_ENTRY, value)?;
        }
        for body in &shown {
            write_record(&mut w, KIND_SHOWN, body)?;
        }
        for body in &prizes {
            write_record(&mut w, KIND_PRIZE, body)?;
        }
        io::copy(&mut BufReader::new(&mut spool), &mut w)?;
        let file = w.finish()?;
        // What was written is read back and checked as a restore will
        // check it, before it takes the target's name: a file that does
        // not check never replaces a good backup there.
        file.flush()?;
        let written = file.get_ref().try_clone()?;
        verify_file(written, RESTORE_BATCH).map_err(|e| match e {
            BackupError::Io(e) => BackupError::Io(e),
            e => BackupError::Write {
                path: out.display().to_string(),
                reason: format!("the written file does not check ({e})"),
            },
        })
    })
    .map_err(named)?;
    Ok(Counts::from(&verified.header))
}

fn stored_damage(tree: &'static str, key: &[u8], error: CodecError) -> BackupError {
    BackupError::Store(StoreError::Record {
        tree,
        key: keys::show(key),
        error,
    })
}

// ---- checking ------------------------------------------------------------

/// What the checking pass kept of a backup: everything but the responses
/// (a digest per batch of them instead), small whatever the file holds.
#[derive(Debug)]
pub struct Verified {
    pub header: BackupHeaderV1,
    meta: Vec<RawRecord>,
    versions: Vec<RawRecord>,
    entries: Vec<RawRecord>,
    shown: Vec<RawRecord>,
    prizes: Vec<PrizeEntryV1>,
    /// The file's length and checksum.
    len: u64,
    checksum: [u8; 32],
    batch: usize,
    digests: Vec<[u8; 32]>,
}

impl Verified {
    /// Whether the backup has an admin PIN, and the terminal's name.
    pub fn pin_and_terminal(&self) -> (bool, Option<String>) {
        let value = |key: &[u8]| {
            self.meta
                .iter()
                .find(|(k, _)| k == key)
                .map(|(_, v)| String::from_utf8_lossy(v).into_owned())
        };
        (value(keys::META_PIN).is_some(), value(keys::META_TERMINAL))
    }
}

/// Reads and checks a whole backup without touching any store.
pub fn read_verified(path: &Path) -> Result<Verified, BackupError> {
    read_verified_in_batches(path, RESTORE_BATCH)
}

fn read_verified_in_batches(path: &Path, batch: usize) -> Result<Verified, BackupError> {
    verify_file(super::open_regular_file(path)?, batch)
}

/// Checks the backup open as `file` (from its start), as
/// [`read_verified`] does.
fn verify_file(file: File, batch: usize) -> Result<Verified, BackupError> {
    let (file, len) = check_start(file)?;
    let mut records = Records::new(file, len)?;
    let mut check = Check {
        batch: batch.max(1),
        ..Check::default()
    };
    let checked: Result<(), BackupError> = (|| {
        while let Some((kind, body)) = records.next()? {
            check.record(kind, &body, &mut records)?;
        }
        Ok(())
    })();
    check.digests.push(records.batch_digest());
    // A file cut short or changed is named as such first.
    let checksum = records.checksum()?;
    let Some(checksum) = checksum else {
        return Err(damaged(
            "the checksum does not match (the file was cut short or changed)",
        ));
    };
    checked?;
    check.finish(len, checksum)
}

#[derive(Default)]
struct Check {
    batch: usize,
    header: Option<BackupHeaderV1>,
    /// The kind of the record before: sections come in kind order.
    last_kind: u8,
    meta: Vec<RawRecord>,
    versions: Vec<RawRecord>,
    /// Each version's survey, rebuilt from its text.
    surveys: HashMap<VersionHash, Arc<Survey>>,
    cache: SurveyCache,
    entries: Vec<RawRecord>,
    /// Survey id -> its versions.
    entry_versions: HashMap<String, Vec<VersionHash>>,
    shown: Vec<RawRecord>,
    prizes: Vec<PrizeEntryV1>,
    prize_bytes: u64,
    /// The key of the last response: keys must strictly increase.
    last_key: Vec<u8>,
    responses: u64,
    in_batch: usize,
    digests: Vec<[u8; 32]>,
}

impl Check {
    fn record(&mut self, kind: u8, body: &[u8], records: &mut Records) -> Result<(), BackupError> {
        if kind == KIND_HEADER {
            if self.header.is_some() || self.last_kind != 0 {
                return Err(damaged("a second header"));
            }
            self.header = Some(decode(body)?);
            self.last_kind = kind;
            return Ok(());
        }
        if self.header.is_none() {
            return Err(damaged("the header is missing"));
        }
        if kind < self.last_kind {
            return Err(damaged(&format!("a record of kind {kind} is out of order")));
        }
        self.last_kind = kind;
        match kind {
            KIND_META => {
                let m: MetaV1 = decode(body)?;
                check_meta(&m)?;
                if self.meta.last().is_some_and(|(k, _)| *k >= m.key) {
                    return Err(damaged("the settings are out of order"));
                }
                self.meta.push((m.key, m.value));
            }
            KIND_VERSION => {
                let v = record::decode_version(body).map_err(codec_error)?;
                let hash = VersionHash(v.hash);
                let survey = self
                    .cache
                    .rebuild(&hash, &v.source)
                    .map_err(|e| damaged(&format!("survey version {}: {e}", hash.short())))?;
                if self.surveys.insert(hash, survey).is_some() {
                    return Err(damaged(&format!(
                        "survey version {} appears twice",
                        hash.short()
                    )));
                }
                self.versions.push((hash.0.to_vec(), body.to_vec()));
            }
            KIND_ENTRY => {
                let e = record::decode_entry(body).map_err(codec_error)?;
                if self
                    .entries
                    .last()
                    .is_some_and(|(k, _)| k.as_slice() >= e.id.as_bytes())
                {
                    return Err(damaged("the surveys are out of order"));
                }
                let mut hashes = Vec::new();
                for v in &e.versions {
                    let hash = VersionHash(v.hash);
                    match self.surveys.get(&hash) {
                        Some(s) if s.id == e.id => hashes.push(hash),
                        _ => {
                            return Err(damaged(&format!(
                                "survey `{}` lists version {}, which the backup does not hold for it",
                                e.id,
                                hash.short()
                            )));
                        }
                    }
                }
                self.entries.push((e.id.as_bytes().to_vec(), body.to_vec()));
                self.entry_versions.insert(e.id, hashes);
            }
            KIND_SHOWN => {
                let s: ShownV1 = decode(body)?;
                let hash = VersionHash(s.version);
                if !self
                    .entry_versions
                    .get(&s.survey)
                    .is_some_and(|vs| vs.contains(&hash))
                {
                    return Err(damaged(&format!(
                        "survey `{}` shows a version it does not have",
                        s.survey
                    )));
                }
                if self.shown.iter().any(|(k, _)| k == s.survey.as_bytes()) {
                    return Err(damaged("a shown version appears twice"));
                }
                self.shown.push((s.survey.into_bytes(), s.version.to_vec()));
            }
            KIND_PRIZE => {
                self.prize_bytes += body.len() as u64;
                if self.prize_bytes > MAX_PRIZE_BYTES {
                    return Err(damaged("more prize-draw entries than a store can hold"));
                }
                self.prizes.push(decode(body)?);
            }
            KIND_RESPONSE => {
                let r = record::decode_response(body).map_err(codec_error)?;
                let key = keys::response(&r.survey, &r.id);
                if key <= self.last_key {
                    return Err(damaged(&format!(
                        "response {} is out of order or appears twice",
                        r.id
                    )));
                }
                self.last_key = key;
                let survey = self
                    .surveys
                    .get(&r.version)
                    .filter(|s| s.id == r.survey)
                    .ok_or_else(|| {
                        damaged(&format!(
                            "response {}: its survey version {} is not in the backup",
                            r.id,
                            r.version.short()
                        ))
                    })?;
                r.check(survey)
                    .map_err(|e| damaged(&format!("response {}: {e}", r.id)))?;
                self.responses += 1;
                self.in_batch += 1;
                if self.in_batch == self.batch {
                    self.digests.push(records.batch_digest());
                    self.in_batch = 0;
                }
            }
            other => return Err(damaged(&format!("unknown record kind {other}"))),
        }
        Ok(())
    }

    fn finish(self, len: u64, checksum: [u8; 32]) -> Result<Verified, BackupError> {
        let header = self
            .header
            .ok_or_else(|| damaged("the header is missing"))?;
        let counted = BackupHeaderV1 {
            created_ms: header.created_ms,
            kioski: header.kioski.clone(),
            meta: self.meta.len() as u64,
            versions: self.versions.len() as u64,
            surveys: self.entries.len() as u64,
            shown: self.shown.len() as u64,
            prizes: self.prizes.len() as u64,
            responses: self.responses,
        };
        if counted != header {
            return Err(damaged("the record counts do not match the header"));
        }
        let listed: usize = self.entry_versions.values().map(Vec::len).sum();
        if listed != self.versions.len() {
            return Err(damaged("a survey version belongs to no survey"));
        }
        if let Some((_, active)) = self.meta.iter().find(|(k, _)| k == keys::META_ACTIVE)
            && !self.entries.iter().any(|(id, _)| id == active)
        {
            return Err(damaged("the active survey is not in the backup"));
        }
        Ok(Verified {
            header,
            meta: self.meta,
            versions: self.versions,
            entries: self.entries,
            shown: self.shown,
            prizes: self.prizes,
            len,
            checksum,
            batch: self.batch,
            digests: self.digests,
        })
    }
}

/// The settings kioski knows are checked by the rule they were stored
/// by; the store format and a restore's own mark never travel.
fn check_meta(m: &MetaV1) -> Result<(), BackupError> {
    let key = m.key.as_slice();
    if key == keys::META_FORMAT || key == keys::META_RESTORING {
        return Err(damaged("it carries a store's own mark"));
    }
    if key == keys::META_PIN && !std::str::from_utf8(&m.value).is_ok_and(pin::is_hash) {
        return Err(damaged("the admin PIN's hash is not an argon2 hash"));
    }
    if key == keys::META_PIN_LOCKOUT && m.value.len() != 12 {
        return Err(damaged("the count of wrong PINs is malformed"));
    }
    Ok(())
}

// ---- restore -------------------------------------------------------------

/// Restores a backup that [`read_verified`] accepted into `store`, which
/// must hold nothing (no surveys, versions, responses or prize entries),
/// or hold part of this very backup from a restore cut short.
///
/// A mark in `meta` (the backup's checksum) is stored first and removed
/// last: a restore cut short is finished by running it again.
pub fn restore(store: &Store, path: &Path, verified: Verified) -> Result<Counts, BackupError> {
    let mark = store.restore_mark()?;
    match mark {
        Some(m) if m == verified.checksum => {}
        Some(_) => return Err(BackupError::OtherRestore(store.dir().display().to_string())),
        None => {
            let [surveys, versions, responses, prizes] = store.contents()?;
            if surveys + versions + responses + prizes > 0 {
                let mut what = Vec::new();
                for (n, word) in [
                    (surveys, "survey"),
                    (responses, "response"),
                    (prizes, "prize-draw entry"),
                ] {
                    if n > 0 {
                        what.push(plural(n, word));
                    }
                }
                if what.is_empty() {
                    what.push(plural(versions, "survey version"));
                }
                return Err(BackupError::NotEmpty {
                    dir: store.dir().display().to_string(),
                    what: what.join(", "),
                });
            }
            store.set_restore_mark(Some(&verified.checksum))?;
        }
    }
    store.restore_records(
        &verified.meta,
        &verified.versions,
        &verified.entries,
        &verified.shown,
    )?;
    each_batch(path, &verified, |batch| Ok(store.restore_responses(batch)?))?;
    store.restore_prizes(verified.prizes)?;
    store.set_restore_mark(None)?;
    Ok(Counts::from(&verified.header))
}

/// The second pass: reads the responses again, a batch at a time, each
/// handed to `take` (as stored keys and records) only once its bytes match
/// the digest the checking pass took of them.
fn each_batch(
    path: &Path,
    verified: &Verified,
    mut take: impl FnMut(&[RawRecord]) -> Result<(), BackupError>,
) -> Result<(), BackupError> {
    let (file, len) = open_backup(path)?;
    if len != verified.len {
        return Err(BackupError::Changed);
    }
    let mut records = Records::new(file, len)?;
    let mut digests = verified.digests.iter();
    let mut batch: Vec<RawRecord> = Vec::with_capacity(verified.batch);
    loop {
        let record = records.next().map_err(|_| BackupError::Changed)?;
        let end = record.is_none();
        if let Some((KIND_RESPONSE, body)) = record {
            let r = record::decode_response(&body).map_err(|_| BackupError::Changed)?;
            batch.push((keys::response(&r.survey, &r.id), body));
        }
        // As in the checking pass, the records before the first response
        // go into the first batch's digest.
        if end || batch.len() == verified.batch {
            if digests.next() != Some(&records.batch_digest()) {
                return Err(BackupError::Changed);
            }
            if !batch.is_empty() {
                take(&batch)?;
                batch.clear();
            }
        }
        if end {
            return Ok(());
        }
    }
}

// ---- the file ------------------------------------------------------------

/// Opens a backup and checks its mark and format.
fn open_backup(path: &Path) -> Result<(File, u64), BackupError> {
    check_start(super::open_regular_file(path)?)
}

/// Checks an open backup's mark and format; returns it with its length.
fn check_start(mut file: File) -> Result<(File, u64), BackupError> {
    file.seek(SeekFrom::Start(0))?;
    let len = file.metadata()?.len();
    let mut magic = [0u8; 8];
    let got = read_up_to(&mut file, &mut magic)?;
    if &magic == super::bundle::MAGIC {
        return Err(BackupError::Bundle);
    }
    // A few bytes of the mark are a backup cut short; others, a stranger.
    if magic[..got] != MAGIC[..got] {
        return Err(BackupError::NotABackup);
    }
    if len < RECORDS_START + 1 + CHECKSUM_LEN {
        return Err(if len == 0 {
            damaged("the file is empty (cut short)")
        } else {
            damaged("the file is too short (cut short)")
        });
    }
    let mut format = [0u8; 2];
    file.read_exact(&mut format)?;
    let format = u16::from_le_bytes(format);
    if format > FORMAT {
        return Err(BackupError::Newer(format));
    }
    if format == 0 {
        return Err(damaged("format 0"));
    }
    Ok((file, len))
}

/// The backup's own records: format 1 of its types.
fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, BackupError> {
    codec::encode(1, value).map_err(|e| damaged(&e.to_string()))
}

fn decode<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, BackupError> {
    codec::split(body, 1)
        .and_then(|(_, body)| codec::decode_body(body))
        .map_err(codec_error)
}

fn codec_error(e: CodecError) -> BackupError {
    match e {
        CodecError::Newer { found, .. } => BackupError::NewerRecord(found),
        e => damaged(&e.to_string()),
    }
}

fn damaged(what: &str) -> BackupError {
    BackupError::Damaged(what.to_owned())
}

impl From<FrameError> for BackupError {
    fn from(e: FrameError) -> Self {
        match e {
            FrameError::Io(e) => BackupError::Io(e),
            FrameError::Damaged(what) => BackupError::Damaged(what),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::simulate::{Setup, respondent};
    use crate::core::validate::survey_from_str;
    use crate::store::framed::KIND_END;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;
    use sha2::{Digest, Sha256};

    const PULSE: &str = include_str!("../../surveys/pulssi.toml");
    const SPACES: &str = include_str!("../../surveys/tilat.toml");
    const NOW: i64 = 1_790_000_000_000;

    /// A store with two versions of the pulse survey (the newer one
    /// unanswered and not shown), an unanswered survey that is active,
    /// responses of which some are flagged (record format 2), a terminal
    /// name, a PIN with one wrong attempt counted, and prize entries.
    fn full(dir: &Path) -> Store {
        let store = Store::open(dir, "test").unwrap();
        let survey = survey_from_str(PULSE).unwrap();
        let hash = store.load(&survey, PULSE, NOW).unwrap().hash;
        let setup = Setup {
            survey: &survey,
            version: hash,
            terminal: "a",
            now_ms: NOW,
            utc_offset_ms: 0,
        };
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let rs: Vec<_> = (0..40)
            .map(|i| {
                let mut r = respondent(&mut rng, &setup, f64::from(i) / 40.0);
                r.simulated = i % 3 == 0;
                r.suspect = i % 7 == 0;
                r
            })
            .collect();
        store.submit_batch(&rs).unwrap();
        let newer = PULSE.replacen("Pikapalaute", "Pikapalaute 2", 1);
        let newer_survey = survey_from_str(&newer).unwrap();
        store
            .import_version(&newer_survey, &newer, NOW + 1)
            .unwrap();
        let spaces = survey_from_str(SPACES).unwrap();
        store.load(&spaces, SPACES, NOW + 2).unwrap();
        store.activate("tilat").unwrap();
        store.set_terminal_name("kirjasto-1").unwrap();
        store
            .set_pin_hash(&pin::hash("482913", b"0123456789abcdef").unwrap())
            .unwrap();
        store.check_pin("000000", NOW).unwrap();
        for name in ["Maija", "Matti", "Maija"] {
            store
                .add_prize_entry("pulssi", &[("name".into(), name.into())])
                .unwrap();
        }
        store
    }

    /// Every stored byte a backup carries, in a comparable order.
    fn stored(store: &Store) -> Vec<RawRecord> {
        let mut out = store.raw_meta().unwrap();
        for (id, entry) in store.raw_entries().unwrap() {
            let id = String::from_utf8(id).unwrap();
            out.push((id.clone().into_bytes(), entry.clone()));
            for v in record::decode_entry(&entry).unwrap().versions {
                let hash = VersionHash(v.hash);
                out.push((v.hash.to_vec(), store.raw_version(&hash).unwrap().unwrap()));
            }
            if let Some(shown) = store.shown_record(&id).unwrap() {
                out.push((b"shown".to_vec(), shown.0.to_vec()));
            }
            out.extend(store.response_records(&id).map(Result::unwrap));
        }
        let mut prizes: Vec<String> = store
            .all_prize_entries()
            .unwrap()
            .iter()
            .map(|e| format!("{e:?}"))
            .collect();
        prizes.sort();
        out.push((b"prizes".to_vec(), prizes.join("\n").into_bytes()));
        out
    }

    #[test]
    fn every_stored_record_comes_back_byte_for_byte() {
        let dir = tempfile::tempdir().unwrap();
        let a = full(&dir.path().join("a"));
        let file = dir.path().join("a.backup");
        let written = write(&a, &file, NOW).unwrap();
        assert_eq!(
            written,
            Counts {
                surveys: 2,
                versions: 3,
                responses: 40,
                prizes: 3
            }
        );
        let flagged = a
            .response_records("pulssi")
            .filter(|r| r.as_ref().unwrap().1[0] == 2)
            .count();
        assert!(flagged > 0, "some records are of format 2");

        let b = Store::open(&dir.path().join("b"), "test").unwrap();
        let restored = restore(&b, &file, read_verified(&file).unwrap()).unwrap();
        assert_eq!(restored, written);
        assert_eq!(stored(&b), stored(&a));
        assert_eq!(b.restore_mark().unwrap(), None);
        assert_eq!(b.pin_lockout().unwrap().failures, 1);
        assert_eq!(
            b.check_pin("482913", NOW).unwrap(),
            crate::core::pin::PinCheck::Right
        );
    }

    #[test]
    fn a_restore_cut_short_is_finished_by_the_same_backup_only() {
        let dir = tempfile::tempdir().unwrap();
        let a = full(&dir.path().join("a"));
        let file = dir.path().join("a.backup");
        write(&a, &file, NOW).unwrap();
        let other = dir.path().join("other.backup");
        let lone = Store::open(&dir.path().join("lone"), "test").unwrap();
        lone.load(&survey_from_str(PULSE).unwrap(), PULSE, NOW)
            .unwrap();
        write(&lone, &other, NOW).unwrap();

        // Cut short after the surveys and settings, before any response.
        let b = Store::open(&dir.path().join("b"), "test").unwrap();
        let verified = read_verified_in_batches(&file, 7).unwrap();
        b.set_restore_mark(Some(&verified.checksum)).unwrap();
        b.restore_records(
            &verified.meta,
            &verified.versions,
            &verified.entries,
            &verified.shown,
        )
        .unwrap();
        let mut first = true;
        each_batch(&file, &verified, |batch| {
            if first {
                b.restore_responses(batch)?;
                first = false;
            }
            Ok(())
        })
        .unwrap();
        assert_eq!(b.response_records("pulssi").count(), 7);

        match restore(&b, &other, read_verified(&other).unwrap()) {
            Err(BackupError::OtherRestore(_)) => {}
            other => panic!("{other:?}"),
        }
        // That other backup (no responses, no PIN) goes into a fresh store,
        // whose PIN it then does not have either.
        let fresh = Store::open(&dir.path().join("fresh"), "test").unwrap();
        fresh
            .set_pin_hash(&pin::hash("123456", b"0123456789abcdef").unwrap())
            .unwrap();
        restore(&fresh, &other, read_verified(&other).unwrap()).unwrap();
        assert_eq!(stored(&fresh), stored(&lone));
        assert!(!fresh.has_pin().unwrap());
        restore(&b, &file, read_verified(&file).unwrap()).unwrap();
        assert_eq!(stored(&b), stored(&a));
        // Done: the store is no longer empty for anyone.
        match restore(&b, &file, read_verified(&file).unwrap()) {
            Err(BackupError::NotEmpty { what, .. }) => {
                assert_eq!(what, "2 surveys, 40 responses, 3 prize-draw entries")
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_backup_that_does_not_check_never_replaces_the_one_before() {
        let dir = tempfile::tempdir().unwrap();
        let a = full(&dir.path().join("a"));
        let out = dir.path().join("out").join("a.backup");
        std::fs::create_dir(out.parent().unwrap()).unwrap();
        write(&a, &out, NOW).unwrap();
        let good = std::fs::read(&out).unwrap();
        // A record that decodes but breaks its survey's rules, as only
        // damage could leave it in a store.
        let mut r = a.responses("pulssi").next().unwrap().unwrap();
        r.answers.insert(
            "no-such-question".into(),
            crate::core::answer::Answer::YesNo(true),
        );
        r.id = uuid::Uuid::from_u128(u128::MAX);
        let bytes = record::encode_response(&r).unwrap();
        a.restore_responses(&[(keys::response(&r.survey, &r.id), bytes)])
            .unwrap();
        match write(&a, &out, NOW + 1) {
            Err(BackupError::Write { reason, .. }) => {
                assert!(reason.contains("does not check"), "{reason}")
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(std::fs::read(&out).unwrap(), good);
        let left: Vec<_> = std::fs::read_dir(out.parent().unwrap()).unwrap().collect();
        assert_eq!(left.len(), 1, "no partial file is left");
    }

    /// A record's kind and body.
    type Framed = (u8, Vec<u8>);

    /// A backup file made of these records, with its checksum.
    fn framed(records: &[Framed]) -> Vec<u8> {
        let mut bytes = MAGIC.to_vec();
        bytes.extend_from_slice(&FORMAT.to_le_bytes());
        for (kind, body) in records {
            write_record(&mut bytes, *kind, body).unwrap();
        }
        let checksum = Sha256::digest(&bytes);
        bytes.push(KIND_END);
        bytes.extend_from_slice(&checksum);
        bytes
    }

    #[test]
    fn crafted_backups_are_refused_naming_what_is_wrong() {
        let dir = tempfile::tempdir().unwrap();
        let a = full(&dir.path().join("a"));
        let file = dir.path().join("a.backup");
        write(&a, &file, NOW).unwrap();
        let bytes = std::fs::read(&file).unwrap();
        // The records of the real file, to rearrange.
        let mut records = Vec::new();
        let mut at = RECORDS_START as usize;
        while bytes[at] != KIND_END || at + 33 != bytes.len() {
            let len = u32::from_le_bytes(bytes[at + 1..at + 5].try_into().unwrap()) as usize;
            records.push((bytes[at], bytes[at + 5..at + 5 + len].to_vec()));
            at += 5 + len;
        }
        let first_response = records
            .iter()
            .position(|(k, _)| *k == KIND_RESPONSE)
            .unwrap();
        let cases: Vec<(&str, Vec<Framed>)> = vec![
            ("appears twice", {
                let mut r = records.clone();
                r.insert(first_response, r[first_response].clone());
                r
            }),
            ("counts do not match", {
                let mut r = records.clone();
                r.pop();
                r
            }),
            ("out of order", {
                let mut r = records.clone();
                r.swap(first_response, first_response + 1);
                r
            }),
            ("header is missing", records[1..].to_vec()),
            ("not in the backup", {
                // Responses without the versions they answer.
                records
                    .iter()
                    .filter(|(k, _)| *k != KIND_VERSION && *k != KIND_ENTRY && *k != KIND_SHOWN)
                    .cloned()
                    .collect()
            }),
            ("kind 2 is out of order", {
                let mut r = records.clone();
                let meta = r.remove(1);
                r.insert(first_response - 1, meta);
                r
            }),
            ("unknown record kind", {
                let mut r = records.clone();
                r.push((9, vec![1, 2, 3]));
                r
            }),
        ];
        let crafted = dir.path().join("crafted.backup");
        for (expected, records) in cases {
            std::fs::write(&crafted, framed(&records)).unwrap();
            let err = read_verified(&crafted).unwrap_err();
            let text = err.to_string();
            assert!(
                text.contains(expected)
                    || (expected == "not in the backup" && text.contains("active")),
                "{expected}: {text}"
            );
        }
        // Rebuilt unchanged, it is accepted: the cases above fail for
        // what they changed.
        std::fs::write(&crafted, framed(&records)).unwrap();
        read_verified(&crafted).unwrap();
    }

    #[test]
    fn a_backup_changed_after_its_check_is_not_written_past_the_change() {
        let dir = tempfile::tempdir().unwrap();
        let a = full(&dir.path().join("a"));
        let file = dir.path().join("a.backup");
        write(&a, &file, NOW).unwrap();
        let verified = read_verified_in_batches(&file, 7).unwrap();
        let mut bytes = std::fs::read(&file).unwrap();
        let n = bytes.len();
        // A byte of the last response's record.
        bytes[n - 40] ^= 1;
        std::fs::write(&file, &bytes).unwrap();
        let b = Store::open(&dir.path().join("b"), "test").unwrap();
        match restore(&b, &file, verified) {
            Err(BackupError::Changed) => {}
            other => panic!("{other:?}"),
        }
        assert_eq!(b.response_records("pulssi").count(), 35);
        assert!(b.restore_mark().unwrap().is_some());
    }
}
