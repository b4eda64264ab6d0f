//! Bundles move responses, and the survey versions they answer, between
//! terminals.
//!
//! Layout (all integers little-endian):
//!
//! ```text
//! "KIOSKIB\n"                      8 bytes, magic
//! format                           u16
//! record*                          kind u8, length u32, body
//!   kind 1 header                  codec: BundleHeader
//!   kind 2 survey version          codec: BundleVersion (source text, not the model)
//!   kind 3 response                codec: record::ResponseV1 (V2 if flagged)
//!   kind 4 prize-draw entry        codec: prizes::PrizeEntryV1 (format 2 only)
//! 0xFF, SHA-256 of all bytes before the 0xFF
//! ```
//!
//! Format 2 is written only when the bundle carries prize-draw entries
//! (`bundle export --prizes` on a store that has some); any other bundle
//! is format 1, byte for byte as before. In format 2 the header also
//! counts the entries, and the entries come last, after every response,
//! in a fresh random order: nothing in them or their place links an entry
//! to a response. They are imported by their digest of (survey, fields),
//! so an entry already present is never added twice (see
//! `prizes::Prizes::import`).
//!
//! Memory stays bounded whatever the bundle's size. Export makes one pass
//! over the store's responses into an unnamed spool file, counting what it
//! writes, then writes the header, the versions and the spooled responses:
//! the header counts exactly the records that follow, even while responses
//! keep arriving. Prize-draw entries (format 2) are held in memory: the
//! prize file they come from is bounded. Import makes two passes over the file. The first checks
//! it all without touching a store: the checksum, every record decoded, a
//! survey version validated and hashed to the hash it claims, a response
//! checked against its version (which comes before it), no id twice, the
//! header's counts; it keeps only the versions, the ids seen and a digest
//! per batch of records. The second stores the versions, then the
//! responses in batches of [`IMPORT_BATCH`], each atomic and synced, each
//! written only if its bytes still match the digest the first pass took.
//! Responses already present (by id) are skipped, so importing a bundle
//! twice adds nothing, and an import cut short (a crash, a full disk)
//! leaves whole batches that the next run of the same import skips.
//! Every length is checked against what is left of the file and a fixed
//! bound before anything is allocated.

use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::Path;

use serde::{Deserialize, Serialize};

use uuid::Uuid;

use rand::seq::SliceRandom;

use super::ReadStore;
use super::codec::{self, CodecError};
use super::framed::{
    CHECKSUM_LEN, FrameError, HashingWriter, RECORDS_START, Records, write_record,
};
use super::prizes::PrizeEntryV1;
use super::record;
use super::{Store, StoreError, StoredVersion};
use crate::core::response::Response;
use crate::core::survey::ContactField;
use crate::core::validate::survey_from_str;
use crate::core::version::VersionHash;

pub const MAGIC: &[u8; 8] = b"KIOSKIB\n";
/// The newest format this kioski reads and writes (with prize entries).
pub const FORMAT: u16 = 2;
/// The format of a bundle without prize-draw entries.
pub const FORMAT_PLAIN: u16 = 1;
const KIND_HEADER: u8 = 1;
const KIND_VERSION: u8 = 2;
const KIND_RESPONSE: u8 = 3;
const KIND_PRIZE: u8 = 4;
/// Responses stored per atomic, synced batch on import. sled 0.34 keeps
/// the garbage of every insert in a batch until the batch ends, so its
/// memory grows with the batch far beyond the batch's bytes: 500,000
/// records in batches of 10,000 peaked at 300 MB, of 2,000 at 120 MB, of
/// 500 at 67 MB (docs/performance.md, "Bundle import memory").
pub const IMPORT_BATCH: usize = 500;
/// The smallest a response record can be (kind, length, format byte and
/// a 16-byte id at least): bounds what a header's count may reserve.
const MIN_RESPONSE_RECORD: u64 = 5 + 1 + 16;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BundleHeader {
    pub created_ms: i64,
    pub versions: u64,
    pub responses: u64,
}

/// The header of format 2: format 1's, and the number of prize entries.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct BundleHeaderV2 {
    created_ms: i64,
    versions: u64,
    responses: u64,
    prizes: u64,
}

/// A survey version as a bundle carries it: the text, re-validated on import.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct BundleVersion {
    hash: [u8; 32],
    source: String,
    loaded_ms: i64,
}

/// Why a bundle cannot be imported.
#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    #[error("cannot read the bundle: {}", super::database::io_reason(.0))]
    Io(#[from] io::Error),
    #[error("cannot write the bundle {path}: {reason}")]
    Write { path: String, reason: String },
    #[error("not a kioski bundle (the file does not start with the bundle mark)")]
    NotABundle,
    #[error("the bundle has format {0}, made by a newer kioski (this one reads format {FORMAT})")]
    Newer(u16),
    #[error("the bundle holds a record of format {0}, made by a newer kioski")]
    NewerRecord(u8),
    #[error("the bundle is damaged or incomplete: {0}")]
    Damaged(String),
    #[error(
        "the bundle changed while it was being imported ({} of it stored, each whole)",
        crate::core::sanitize::plural(*stored, "response")
    )]
    Changed { stored: u64 },
    #[error("survey version {0} in the bundle does not match its content")]
    VersionMismatch(String),
    #[error("survey version {hash} in the bundle is not a valid survey: {reason}")]
    InvalidVersion { hash: String, reason: String },
    #[error("response {id} does not fit its survey: {reason}")]
    InvalidResponse { id: String, reason: String },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl BundleError {
    /// What to do about it.
    pub fn hint(&self) -> Option<String> {
        match self {
            BundleError::Store(e) => e.hint(),
            BundleError::Write { .. } => {
                Some("check that the folder exists and that you may write there".into())
            }
            BundleError::Changed { .. } => Some(
                "import it again once nothing writes to the file; responses already stored are skipped"
                    .into(),
            ),
            _ => Some("nothing was imported; ask for a new bundle from the other terminal (`kioski bundle export`)".into()),
        }
    }

    /// Whether the problem is with the store (exit 3) rather than the file.
    pub fn is_store_problem(&self) -> bool {
        matches!(self, BundleError::Store(e) if e.is_store_problem())
    }
}

/// What an export wrote.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Exported {
    pub versions: u64,
    pub responses: u64,
    pub prizes: u64,
}

/// What an import did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Imported {
    pub versions_added: u64,
    pub responses_added: u64,
    pub responses_present: u64,
    pub prizes_added: u64,
    pub prizes_present: u64,
}

/// Writes a bundle of `surveys` (every survey when empty) with responses
/// submitted at or after `since_ms`, to `out`. The file appears only when
/// complete: it is written beside `out` and renamed.
///
/// The responses are read once, into an unnamed spool file beside `out`
/// (readable by no one else, gone when closed), and counted as they are
/// written there; the header is written after, so a response stored
/// meanwhile is either in the bundle and counted, or in neither.
pub fn export(
    store: &(impl ReadStore + ?Sized),
    surveys: &[String],
    since_ms: Option<i64>,
    now_ms: i64,
    out: &Path,
    prizes: &[PrizeEntryV1],
) -> Result<Exported, BundleError> {
    let ids: Vec<String> = if surveys.is_empty() {
        store.survey_entries()?.into_iter().map(|e| e.id).collect()
    } else {
        surveys.to_vec()
    };
    for id in &ids {
        if store.survey_entry(id)?.is_none() {
            return Err(StoreError::UnknownSurvey(id.clone()).into());
        }
    }
    let write_error = |e: io::Error| BundleError::Write {
        path: out.display().to_string(),
        reason: super::database::io_reason(&e),
    };
    // Plain I/O errors while writing are write errors of the bundle file,
    // named as such.
    let named = |e: BundleError| match e {
        BundleError::Io(e) => write_error(e),
        e => e,
    };
    let dir = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut spool = BufWriter::new(tempfile::tempfile_in(dir).map_err(write_error)?);
    // Which versions the responses need, in the order first needed.
    let mut needed: Vec<VersionHash> = Vec::new();
    let mut count = 0u64;
    for id in &ids {
        for r in store.responses(id) {
            let r = r?;
            if since_ms.is_some_and(|t| r.submitted_ms < t) {
                continue;
            }
            write_record(&mut spool, KIND_RESPONSE, &encode_response(&r)?)
                .map_err(|e| named(e.into()))?;
            count += 1;
            if !needed.contains(&r.version) {
                needed.push(r.version);
            }
        }
    }
    let mut spool = spool
        .into_inner()
        .map_err(|e| write_error(e.into_error()))?;
    spool.seek(SeekFrom::Start(0)).map_err(write_error)?;
    let mut versions = Vec::with_capacity(needed.len());
    for hash in &needed {
        let v = store
            .version(hash)?
            .ok_or_else(|| StoreError::UnknownVersion(hash.to_string()))?;
        versions.push(encode_version(&v)?);
    }
    super::atomic::write_file(out, write_error, |file| {
        let mut w = HashingWriter::new(file);
        w.write_all(MAGIC)?;
        let header = BundleHeader {
            created_ms: now_ms,
            versions: versions.len() as u64,
            responses: count,
        };
        if prizes.is_empty() {
            w.write_all(&FORMAT_PLAIN.to_le_bytes())?;
            write_record(&mut w, KIND_HEADER, &encode_header(&header)?)?;
        } else {
            w.write_all(&FORMAT.to_le_bytes())?;
            let header = BundleHeaderV2 {
                created_ms: header.created_ms,
                versions: header.versions,
                responses: header.responses,
                prizes: prizes.len() as u64,
            };
            write_record(&mut w, KIND_HEADER, &encode(&header)?)?;
        }
        for body in &versions {
            write_record(&mut w, KIND_VERSION, body)?;
        }
        io::copy(&mut BufReader::new(&mut spool), &mut w)?;
        let mut shuffled: Vec<&PrizeEntryV1> = prizes.iter().collect();
        shuffled.shuffle(&mut rand::rng());
        for entry in shuffled {
            write_record(&mut w, KIND_PRIZE, &encode(entry)?)?;
        }
        w.finish()?;
        Ok(())
    })
    .map_err(named)?;
    Ok(Exported {
        versions: needed.len() as u64,
        responses: count,
        prizes: prizes.len() as u64,
    })
}

/// Checks a whole bundle, then imports it (see [`import_verified`]).
pub fn import(store: &Store, path: &Path, now_ms: i64) -> Result<Imported, BundleError> {
    let verified = read_verified(path)?;
    import_verified(store, path, verified, now_ms)
}

/// Imports the bundle at `path` that [`read_verified`] accepted: its
/// versions, then its responses in atomic, synced batches. A batch whose
/// bytes differ from what the check saw is not written
/// ([`BundleError::Changed`]); the batches before it stay stored.
pub fn import_verified(
    store: &Store,
    path: &Path,
    verified: Verified,
    now_ms: i64,
) -> Result<Imported, BundleError> {
    let mut imported = Imported::default();
    // Versions first: a version without responses is harmless, and the
    // responses need them to be checked. They never change what the kiosk
    // shows: only `load` and `activate` do.
    for v in &verified.versions {
        let outcome = store.import_version(&v.survey, &v.source, v.loaded_ms.min(now_ms))?;
        imported.versions_added += u64::from(outcome.added);
    }
    each_batch(path, &verified, |batch| {
        let added = store.submit_batch(batch)? as u64;
        imported.responses_added += added;
        imported.responses_present += batch.len() as u64 - added;
        Ok(())
    })?;
    // Last, once every record read again matched: the entries the check
    // kept (nothing links them to the responses just stored).
    if !verified.prizes.is_empty() {
        let (added, present) = store.import_prizes(verified.prizes)?;
        imported.prizes_added = added;
        imported.prizes_present = present;
    }
    Ok(imported)
}

/// Every response of a bundle that [`read_verified`] accepted, in one
/// `Vec`: for small bundles and tests (an import never holds them all).
pub fn read_responses(path: &Path, verified: &Verified) -> Result<Vec<Response>, BundleError> {
    let mut all = Vec::new();
    each_batch(path, verified, |batch| {
        all.extend_from_slice(batch);
        Ok(())
    })?;
    Ok(all)
}

/// The second pass: reads the responses again and hands them to `take`
/// a batch at a time, each only after its bytes matched the digest the
/// checking pass took of them.
fn each_batch(
    path: &Path,
    verified: &Verified,
    mut take: impl FnMut(&[Response]) -> Result<(), BundleError>,
) -> Result<(), BundleError> {
    let mut done = 0u64;
    let (file, len, _) = open_bundle(path)?;
    if len != verified.len {
        return Err(BundleError::Changed { stored: done });
    }
    let mut records = Records::new(file, len)?;
    let mut digests = verified.digests.iter();
    let mut batch: Vec<Response> = Vec::with_capacity(
        verified
            .batch
            .min(usize::try_from(verified.responses).unwrap_or(usize::MAX)),
    );
    // A record that no longer reads or decodes means the file changed.
    let changed = |e: BundleError, done: u64| match e {
        BundleError::Io(e) if e.kind() != io::ErrorKind::UnexpectedEof => BundleError::Io(e),
        _ => BundleError::Changed { stored: done },
    };
    loop {
        let record = records.next().map_err(|e| changed(e.into(), done))?;
        let end = record.is_none();
        if let Some((KIND_RESPONSE, body)) = record {
            batch.push(decode_response(&body).map_err(|e| changed(e, done))?);
        }
        if end || batch.len() == verified.batch {
            if digests.next() != Some(&records.batch_digest()) {
                return Err(BundleError::Changed { stored: done });
            }
            if !batch.is_empty() {
                take(&batch)?;
                done += batch.len() as u64;
                batch.clear();
            }
        }
        if end {
            return Ok(());
        }
    }
}

/// What the checking pass learned of a bundle: enough to write it in a
/// second pass, and small whatever the bundle holds.
#[derive(Debug)]
pub struct Verified {
    pub header: BundleHeader,
    pub versions: Vec<StoredVersion>,
    /// How many responses the bundle holds.
    pub responses: u64,
    /// Its prize-draw entries (format 2), checked.
    pub prizes: Vec<PrizeEntryV1>,
    /// The file's length.
    len: u64,
    /// Responses per batch, and the SHA-256 of each batch's records.
    batch: usize,
    digests: Vec<[u8; 32]>,
}

/// Reads and checks a bundle without touching any store, in one pass.
pub fn read_verified(path: &Path) -> Result<Verified, BundleError> {
    read_verified_in_batches(path, IMPORT_BATCH)
}

/// [`read_verified`] with batches of `batch` responses (tests use small ones).
#[doc(hidden)]
pub fn read_verified_in_batches(path: &Path, batch: usize) -> Result<Verified, BundleError> {
    let (file, len, format) = open_bundle(path)?;
    let mut records = Records::new(file, len)?;
    let mut check = Check {
        format,
        batch: batch.max(1),
        room: len / MIN_RESPONSE_RECORD,
        ..Check::default()
    };
    let checked: Result<(), BundleError> = (|| {
        while let Some((kind, body)) = records.next()? {
            check.record(kind, &body, &mut records)?;
        }
        Ok(())
    })();
    // The records after the last full batch (perhaps none).
    check.digests.push(records.batch_digest());
    // A file cut short or changed is named as such, whatever else is
    // wrong with it: the checksum decides first.
    if records.checksum()?.is_none() {
        return Err(damaged(
            "the checksum does not match (the file was cut short or changed)",
        ));
    }
    checked?;
    check.finish(len)
}

/// What the checking pass keeps as it goes.
#[derive(Default)]
struct Check {
    format: u16,
    batch: usize,
    header: Option<BundleHeader>,
    /// Format 2's count of prize entries.
    prizes_expected: u64,
    prizes: Vec<PrizeEntryV1>,
    versions: Vec<StoredVersion>,
    responses: u64,
    in_batch: usize,
    digests: Vec<[u8; 32]>,
    /// Every id, 16 bytes each (8 MB for 500,000 responses), sorted at
    /// the end to find one that appears twice: half a hash set's memory.
    ids: Vec<u128>,
    /// The largest number of responses the file can hold.
    room: u64,
    /// The first response whose version was not (yet) in the bundle.
    orphan: Option<(Uuid, VersionHash)>,
}

impl Check {
    fn record(&mut self, kind: u8, body: &[u8], records: &mut Records) -> Result<(), BundleError> {
        match kind {
            KIND_HEADER if self.header.is_none() => {
                let header = if self.format >= 2 {
                    let h: BundleHeaderV2 = decode(body)?;
                    self.prizes_expected = h.prizes;
                    BundleHeader {
                        created_ms: h.created_ms,
                        versions: h.versions,
                        responses: h.responses,
                    }
                } else {
                    decode_header(body)?
                };
                let expected = header.responses.min(self.room);
                self.ids
                    .reserve_exact(usize::try_from(expected).unwrap_or(0));
                self.header = Some(header);
            }
            KIND_VERSION if self.prizes.is_empty() => {
                self.versions.push(check_version(decode_version(body)?)?)
            }
            KIND_PRIZE if self.format >= 2 && self.header.is_some() => {
                let entry: PrizeEntryV1 = decode(body)?;
                check_prize(&entry)?;
                if self.prizes.len() as u64 >= self.prizes_expected {
                    return Err(damaged("the record counts do not match the header"));
                }
                self.prizes.push(entry);
            }
            KIND_RESPONSE if self.prizes.is_empty() => {
                let r = decode_response(body)?;
                self.ids.push(r.id.as_u128());
                match self.versions.iter().find(|v| v.hash == r.version) {
                    Some(v) => r
                        .check(&v.survey)
                        .map_err(|e| BundleError::InvalidResponse {
                            id: r.id.to_string(),
                            reason: e.to_string(),
                        })?,
                    None => {
                        self.orphan.get_or_insert((r.id, r.version));
                    }
                }
                self.responses += 1;
                self.in_batch += 1;
                if self.in_batch == self.batch {
                    self.digests.push(records.batch_digest());
                    self.in_batch = 0;
                }
            }
            other => return Err(damaged(&format!("unexpected record kind {other}"))),
        }
        Ok(())
    }

    fn finish(mut self, len: u64) -> Result<Verified, BundleError> {
        // Bundles list responses in key order, so this sort has little to do.
        self.ids.sort_unstable();
        if let Some(twice) = self.ids.windows(2).find(|w| w[0] == w[1]) {
            let id = Uuid::from_u128(twice[0]);
            return Err(damaged(&format!("response {id} appears twice")));
        }
        drop(std::mem::take(&mut self.ids));
        let header = self.header.ok_or_else(|| damaged("no header"))?;
        if header.responses != self.responses
            || header.versions != self.versions.len() as u64
            || self.prizes_expected != self.prizes.len() as u64
        {
            return Err(damaged("the record counts do not match the header"));
        }
        if let Some((id, hash)) = self.orphan {
            let reason = if self.versions.iter().any(|v| v.hash == hash) {
                format!(
                    "it comes before its survey version {} in the bundle",
                    hash.short()
                )
            } else {
                format!("its survey version {} is not in the bundle", hash.short())
            };
            return Err(BundleError::InvalidResponse {
                id: id.to_string(),
                reason,
            });
        }
        Ok(Verified {
            header,
            versions: self.versions,
            responses: self.responses,
            prizes: self.prizes,
            len,
            batch: self.batch,
            digests: self.digests,
        })
    }
}

/// A prize entry names a survey and asks only the contact fields kioski
/// knows, each at most once.
fn check_prize(entry: &PrizeEntryV1) -> Result<(), BundleError> {
    let known = |k: &str| ContactField::ALL.iter().any(|c| c.key() == k);
    let mut names: Vec<&str> = entry.fields.iter().map(|(k, _)| k.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    if entry.survey.is_empty()
        || entry.fields.is_empty()
        || names.len() != entry.fields.len()
        || !names.iter().all(|k| known(k))
    {
        return Err(damaged("a prize-draw entry is malformed"));
    }
    Ok(())
}

fn check_version(v: BundleVersion) -> Result<StoredVersion, BundleError> {
    let hash = VersionHash(v.hash);
    let survey = survey_from_str(&v.source).map_err(|ds| BundleError::InvalidVersion {
        hash: hash.short(),
        reason: ds.first().map_or_else(String::new, |d| d.message.clone()),
    })?;
    if VersionHash::of(&survey) != hash {
        return Err(BundleError::VersionMismatch(hash.short()));
    }
    Ok(StoredVersion {
        hash,
        survey,
        source: v.source,
        loaded_ms: v.loaded_ms,
    })
}

/// Opens a bundle and checks its mark and format; returns the file, its
/// length and its format.
fn open_bundle(path: &Path) -> Result<(File, u64, u16), BundleError> {
    // A FIFO or device would block this thread; refused at once.
    let mut file = super::open_regular_file(path)?;
    let len = file.metadata()?.len();
    let fixed = RECORDS_START + 1 + CHECKSUM_LEN;
    if len < fixed {
        return Err(if starts_with_magic(&mut file)? {
            damaged("the file is too short")
        } else {
            BundleError::NotABundle
        });
    }
    if !starts_with_magic(&mut file)? {
        return Err(BundleError::NotABundle);
    }
    let mut format = [0u8; 2];
    file.read_exact(&mut format)?;
    let format = u16::from_le_bytes(format);
    if format > FORMAT {
        return Err(BundleError::Newer(format));
    }
    if format == 0 {
        return Err(damaged("format 0"));
    }
    Ok((file, len, format))
}

fn starts_with_magic(file: &mut File) -> io::Result<bool> {
    let mut magic = [0u8; 8];
    file.seek(SeekFrom::Start(0))?;
    match file.read_exact(&mut magic) {
        Ok(()) => Ok(&magic == MAGIC),
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => Ok(false),
        Err(e) => Err(e),
    }
}

// ---- record bodies: one helper per kind and direction ------------------

fn encode_header(header: &BundleHeader) -> Result<Vec<u8>, BundleError> {
    encode(header)
}

fn decode_header(body: &[u8]) -> Result<BundleHeader, BundleError> {
    decode(body)
}

fn encode_version(v: &StoredVersion) -> Result<Vec<u8>, BundleError> {
    encode(&BundleVersion {
        hash: v.hash.0,
        source: v.source.clone(),
        loaded_ms: v.loaded_ms,
    })
}

fn decode_version(body: &[u8]) -> Result<BundleVersion, BundleError> {
    decode(body)
}

/// Response bodies: the store's own response record.
fn encode_response(r: &Response) -> Result<Vec<u8>, BundleError> {
    record::encode_response(r).map_err(|e| damaged(&e.to_string()))
}

fn decode_response(body: &[u8]) -> Result<Response, BundleError> {
    record::decode_response(body).map_err(codec_error)
}

/// Header and version bodies: format 1 of the bundle's own types.
fn encode<T: Serialize>(value: &T) -> Result<Vec<u8>, BundleError> {
    codec::encode(1, value).map_err(|e| damaged(&e.to_string()))
}

fn decode<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, BundleError> {
    codec::split(body, 1)
        .and_then(|(_, body)| codec::decode_body(body))
        .map_err(codec_error)
}

fn codec_error(e: CodecError) -> BundleError {
    match e {
        CodecError::Newer { found, .. } => BundleError::NewerRecord(found),
        e => damaged(&e.to_string()),
    }
}

fn damaged(what: &str) -> BundleError {
    BundleError::Damaged(what.to_owned())
}

impl From<FrameError> for BundleError {
    fn from(e: FrameError) -> Self {
        match e {
            FrameError::Io(e) => BundleError::Io(e),
            FrameError::Damaged(what) => BundleError::Damaged(what),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::simulate::{Setup, respondent};
    use crate::store::framed::KIND_END;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;
    use sha2::{Digest, Sha256};

    const PULSE: &str = include_str!("../../surveys/pulssi.toml");
    const NOW: i64 = 1_790_000_000_000;

    /// A store with `n` responses to the pulse survey, and its bundle.
    fn exported(n: usize) -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("a"), "test").unwrap();
        let survey = survey_from_str(PULSE).unwrap();
        let loaded = store.load(&survey, PULSE, NOW).unwrap();
        let setup = Setup {
            survey: &survey,
            version: loaded.hash,
            terminal: "a",
            now_ms: NOW,
            utc_offset_ms: 0,
        };
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let rs: Vec<Response> = (0..n)
            .map(|i| respondent(&mut rng, &setup, i as f64 / n as f64))
            .collect();
        store.submit_batch(&rs).unwrap();
        let out = dir.path().join("a.kioski");
        let done = export(&store, &[], None, NOW, &out, &[]).unwrap();
        assert_eq!(
            done,
            Exported {
                versions: 1,
                responses: n as u64,
                prizes: 0,
            }
        );
        (dir, out)
    }

    fn ids(store: &Store) -> Vec<uuid::Uuid> {
        store.responses("pulssi").map(|r| r.unwrap().id).collect()
    }

    #[test]
    fn a_bundle_round_trips_and_a_second_import_adds_nothing() {
        let (dir, bundle) = exported(30);
        let a = Store::open(&dir.path().join("a"), "test").unwrap();
        let b = Store::open(&dir.path().join("b"), "test").unwrap();
        let first = import(&b, &bundle, NOW).unwrap();
        assert_eq!(
            first,
            Imported {
                versions_added: 1,
                responses_added: 30,
                responses_present: 0,
                ..Imported::default()
            }
        );
        let second = import(&b, &bundle, NOW).unwrap();
        assert_eq!(
            second,
            Imported {
                versions_added: 0,
                responses_added: 0,
                responses_present: 30,
                ..Imported::default()
            }
        );
        assert_eq!(ids(&a), ids(&b));
        assert_eq!(b.active().unwrap().as_deref(), Some("pulssi"));
    }

    #[test]
    fn an_import_goes_in_batches_and_a_cut_short_one_completes_when_run_again() {
        let (dir, bundle) = exported(25);
        let verified = read_verified_in_batches(&bundle, 7).unwrap();
        assert_eq!(verified.responses, 25);
        // 7 + 7 + 7 + 4: four batches, and the empty rest after the last.
        assert_eq!(verified.digests.len(), 4);
        let all = read_responses(&bundle, &verified).unwrap();
        assert_eq!(all.len(), 25);

        // An import cut short after its first batch left those 7 stored.
        let b = Store::open(&dir.path().join("b"), "test").unwrap();
        let survey = survey_from_str(PULSE).unwrap();
        b.load(&survey, PULSE, NOW).unwrap();
        b.submit_batch(&all[..7]).unwrap();
        let done = import_verified(&b, &bundle, verified, NOW).unwrap();
        assert_eq!(
            done,
            Imported {
                versions_added: 0,
                responses_added: 18,
                responses_present: 7,
                ..Imported::default()
            }
        );
        assert_eq!(ids(&b).len(), 25);
        let again = import_verified(
            &b,
            &bundle,
            read_verified_in_batches(&bundle, 7).unwrap(),
            NOW,
        )
        .unwrap();
        assert_eq!((again.responses_added, again.responses_present), (0, 25));
    }

    #[test]
    fn a_bundle_changed_after_its_check_is_written_only_up_to_the_change() {
        let (dir, bundle) = exported(25);
        let verified = read_verified_in_batches(&bundle, 7).unwrap();
        // Another valid response in place of the 17th (same length, same
        // version): the third batch no longer matches what was checked.
        let mut bytes = std::fs::read(&bundle).unwrap();
        let all = read_responses(&bundle, &verified).unwrap();
        let mut at = RECORDS_START as usize;
        let mut seen = 0;
        while seen < 17 {
            let len = u32::from_le_bytes(bytes[at + 1..at + 5].try_into().unwrap()) as usize;
            if bytes[at] == KIND_RESPONSE {
                seen += 1;
            }
            if seen < 17 {
                at += 5 + len;
            }
        }
        let mut other = all[16].clone();
        other.id = uuid::Uuid::from_u128(other.id.as_u128() ^ 1);
        let body = encode_response(&other).unwrap();
        assert_eq!(body.len(), encode_response(&all[16]).unwrap().len());
        bytes[at + 5..at + 5 + body.len()].copy_from_slice(&body);
        std::fs::write(&bundle, &bytes).unwrap();

        let b = Store::open(&dir.path().join("b"), "test").unwrap();
        let err = import_verified(&b, &bundle, verified, NOW).unwrap_err();
        assert!(matches!(err, BundleError::Changed { stored: 14 }), "{err}");
        assert_eq!(ids(&b).len(), 14);
        assert!(!ids(&b).contains(&other.id));
        // Checked again, the changed file is refused as a whole.
        assert!(read_verified(&bundle).is_err());
    }

    #[test]
    fn a_response_before_its_version_is_named_as_such() {
        let (dir, bundle) = exported(2);
        let verified = read_verified(&bundle).unwrap();
        let all = read_responses(&bundle, &verified).unwrap();
        let mut body = MAGIC.to_vec();
        body.extend_from_slice(&FORMAT_PLAIN.to_le_bytes());
        let header = BundleHeader {
            created_ms: NOW,
            versions: 1,
            responses: 1,
        };
        write_record(&mut body, KIND_HEADER, &encode_header(&header).unwrap()).unwrap();
        write_record(&mut body, KIND_RESPONSE, &encode_response(&all[0]).unwrap()).unwrap();
        let version = encode_version(&verified.versions[0]).unwrap();
        write_record(&mut body, KIND_VERSION, &version).unwrap();
        let checksum = Sha256::digest(&body);
        body.push(KIND_END);
        body.extend_from_slice(&checksum);
        let path = dir.path().join("late-version.kioski");
        std::fs::write(&path, &body).unwrap();
        match read_verified(&path) {
            Err(BundleError::InvalidResponse { reason, .. }) => {
                assert!(reason.contains("comes before"), "{reason}");
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn every_truncation_and_a_flipped_byte_are_refused_without_changes() {
        let (dir, bundle) = exported(5);
        let bytes = std::fs::read(&bundle).unwrap();
        let b = Store::open(&dir.path().join("b"), "test").unwrap();
        let cut = dir.path().join("cut.kioski");
        for len in 0..bytes.len() {
            std::fs::write(&cut, &bytes[..len]).unwrap();
            assert!(import(&b, &cut, NOW).is_err(), "length {len} was accepted");
        }
        for at in [8, 12, bytes.len() / 2, bytes.len() - 1] {
            let mut flipped = bytes.clone();
            flipped[at] ^= 0x40;
            std::fs::write(&cut, &flipped).unwrap();
            assert!(import(&b, &cut, NOW).is_err(), "flip at {at} was accepted");
        }
        assert!(ids(&b).is_empty());
        assert!(b.survey_entries().unwrap().is_empty());
    }

    #[test]
    fn a_huge_length_with_a_valid_checksum_is_refused_quickly() {
        let dir = tempfile::tempdir().unwrap();
        let mut body = MAGIC.to_vec();
        body.extend_from_slice(&FORMAT_PLAIN.to_le_bytes());
        body.push(KIND_RESPONSE);
        body.extend_from_slice(&u32::MAX.to_le_bytes());
        let checksum = Sha256::digest(&body);
        body.push(KIND_END);
        body.extend_from_slice(&checksum);
        let path = dir.path().join("huge.kioski");
        std::fs::write(&path, &body).unwrap();
        assert!(matches!(read_verified(&path), Err(BundleError::Damaged(_))));
    }

    #[test]
    fn a_newer_format_and_a_stranger_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let mut body = MAGIC.to_vec();
        body.extend_from_slice(&(FORMAT + 1).to_le_bytes());
        let checksum = Sha256::digest(&body);
        body.push(KIND_END);
        body.extend_from_slice(&checksum);
        let path = dir.path().join("newer.kioski");
        std::fs::write(&path, &body).unwrap();
        assert!(matches!(read_verified(&path), Err(BundleError::Newer(3))));
        std::fs::write(&path, b"PK\x03\x04 this is a zip file, not a bundle at all").unwrap();
        assert!(matches!(read_verified(&path), Err(BundleError::NotABundle)));
    }

    #[test]
    fn a_version_whose_text_does_not_match_its_hash_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let honest = VersionHash::of(&survey_from_str(PULSE).unwrap());
        let tampered = PULSE.replace("Quick feedback", "Something else");
        let mut body = MAGIC.to_vec();
        body.extend_from_slice(&FORMAT_PLAIN.to_le_bytes());
        let header = BundleHeader {
            created_ms: NOW,
            versions: 1,
            responses: 0,
        };
        write_record(&mut body, KIND_HEADER, &encode(&header).unwrap()).unwrap();
        let version = BundleVersion {
            hash: honest.0,
            source: tampered,
            loaded_ms: NOW,
        };
        write_record(&mut body, KIND_VERSION, &encode(&version).unwrap()).unwrap();
        let checksum = Sha256::digest(&body);
        body.push(KIND_END);
        body.extend_from_slice(&checksum);
        let path = dir.path().join("tampered.kioski");
        std::fs::write(&path, &body).unwrap();
        assert!(matches!(
            read_verified(&path),
            Err(BundleError::VersionMismatch(_))
        ));
    }

    fn prize(survey: &str, name: &str) -> PrizeEntryV1 {
        PrizeEntryV1 {
            survey: survey.into(),
            fields: vec![("name".into(), name.into())],
        }
    }

    /// With prize entries a bundle is format 2, its entries after the
    /// responses; they import once, however often the bundle comes.
    #[test]
    fn prize_entries_travel_in_their_own_section_and_import_once() {
        let (dir, plain) = exported(3);
        let bytes = std::fs::read(&plain).unwrap();
        assert_eq!(&bytes[8..10], &FORMAT_PLAIN.to_le_bytes());
        let a = Store::open(&dir.path().join("a"), "test").unwrap();
        let out = dir.path().join("p.kioski");
        let entries = [prize("pulssi", "Maija"), prize("pulssi", "Matti")];
        let done = export(&a, &[], None, NOW, &out, &entries).unwrap();
        assert_eq!(done.prizes, 2);
        let bytes = std::fs::read(&out).unwrap();
        assert_eq!(&bytes[8..10], &FORMAT.to_le_bytes());
        let verified = read_verified(&out).unwrap();
        assert_eq!(verified.prizes.len(), 2);
        let b = Store::open(&dir.path().join("b"), "test").unwrap();
        b.add_prize_entry("pulssi", &entries[0].fields).unwrap();
        let first = import(&b, &out, NOW).unwrap();
        assert_eq!((first.prizes_added, first.prizes_present), (1, 1));
        let again = import(&b, &out, NOW).unwrap();
        assert_eq!((again.prizes_added, again.prizes_present), (0, 2));
        assert_eq!(b.prize_counts().unwrap().get("pulssi"), Some(&2));
        drop(a);
    }

    /// Rebuilds a bundle from `records` with a valid checksum.
    fn bundle_of(format: u16, records: &[(u8, Vec<u8>)]) -> Vec<u8> {
        let mut out = MAGIC.to_vec();
        out.extend_from_slice(&format.to_le_bytes());
        for (kind, body) in records {
            write_record(&mut out, *kind, body).unwrap();
        }
        let checksum = Sha256::digest(&out);
        out.push(KIND_END);
        out.extend_from_slice(&checksum);
        out
    }

    #[test]
    fn a_prize_record_out_of_place_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.kioski");
        let header = BundleHeaderV2 {
            created_ms: NOW,
            versions: 0,
            responses: 0,
            prizes: 1,
        };
        let entry = encode(&prize("s", "Maija")).unwrap();
        // In format 1 there is no such record.
        let h1 = encode_header(&BundleHeader {
            created_ms: NOW,
            versions: 0,
            responses: 0,
        })
        .unwrap();
        std::fs::write(&path, bundle_of(1, &[(1, h1), (KIND_PRIZE, entry.clone())])).unwrap();
        assert!(matches!(read_verified(&path), Err(BundleError::Damaged(_))));
        // More entries than the header counts.
        let h2 = encode(&header).unwrap();
        std::fs::write(
            &path,
            bundle_of(
                2,
                &[
                    (1, h2.clone()),
                    (KIND_PRIZE, entry.clone()),
                    (KIND_PRIZE, entry.clone()),
                ],
            ),
        )
        .unwrap();
        assert!(matches!(read_verified(&path), Err(BundleError::Damaged(_))));
        // A field kioski never asks for.
        let odd = encode(&PrizeEntryV1 {
            survey: "s".into(),
            fields: vec![("address".into(), "x".into())],
        })
        .unwrap();
        std::fs::write(&path, bundle_of(2, &[(1, h2.clone()), (KIND_PRIZE, odd)])).unwrap();
        assert!(matches!(read_verified(&path), Err(BundleError::Damaged(_))));
        // The right one reads.
        std::fs::write(&path, bundle_of(2, &[(1, h2), (KIND_PRIZE, entry)])).unwrap();
        assert_eq!(read_verified(&path).unwrap().prizes, [prize("s", "Maija")]);
    }
}
