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
//!   kind 3 response                codec: record::ResponseV1
//! 0xFF, SHA-256 of all bytes before the 0xFF
//! ```
//!
//! Import verifies the checksum and decodes and checks every record before
//! it writes anything: a survey version must validate and hash to the hash
//! it claims; a response must fit its version. Then versions are added and
//! all new responses are written in one atomic batch; responses already
//! present (by id) are skipped, so importing a bundle twice adds nothing.
//! Every length is checked against what is left of the file and a fixed
//! bound before anything is allocated.

use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom, Write};
use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::ReadStore;
use super::codec::{self, CodecError};
use super::record;
use super::{Store, StoreError, StoredVersion};
use crate::core::response::Response;
use crate::core::validate::survey_from_str;
use crate::core::version::VersionHash;

pub const MAGIC: &[u8; 8] = b"KIOSKIB\n";
pub const FORMAT: u16 = 1;
const KIND_HEADER: u8 = 1;
const KIND_VERSION: u8 = 2;
const KIND_RESPONSE: u8 = 3;
const KIND_END: u8 = 0xFF;
const CHECKSUM_LEN: u64 = 32;
/// Largest record body accepted (a survey file is at most 1 MiB).
const MAX_BODY: u32 = 4 * 1024 * 1024;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BundleHeader {
    pub created_ms: i64,
    pub versions: u64,
    pub responses: u64,
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
}

/// What an import did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Imported {
    pub versions_added: u64,
    pub responses_added: u64,
    pub responses_present: u64,
}

/// Writes a bundle of `surveys` (every survey when empty) with responses
/// submitted at or after `since_ms`, to `out`. The file appears only when
/// complete: it is written beside `out` and renamed.
pub fn export(
    store: &(impl ReadStore + ?Sized),
    surveys: &[String],
    since_ms: Option<i64>,
    now_ms: i64,
    out: &Path,
) -> Result<Exported, BundleError> {
    let ids: Vec<String> = if surveys.is_empty() {
        store.survey_entries()?.into_iter().map(|e| e.id).collect()
    } else {
        surveys.to_vec()
    };
    // Which versions the chosen responses need, and how many there are.
    let mut needed: Vec<VersionHash> = Vec::new();
    let mut count = 0u64;
    for id in &ids {
        if store.survey_entry(id)?.is_none() {
            return Err(StoreError::UnknownSurvey(id.clone()).into());
        }
        for r in store.responses(id) {
            let r = r?;
            if since_ms.is_some_and(|t| r.submitted_ms < t) {
                continue;
            }
            count += 1;
            if !needed.contains(&r.version) {
                needed.push(r.version);
            }
        }
    }
    let write_error = |e: io::Error| BundleError::Write {
        path: out.display().to_string(),
        reason: super::database::io_reason(&e),
    };
    let written = super::atomic::write_file(out, write_error, |file| {
        let mut w = HashingWriter {
            inner: file,
            hasher: Sha256::new(),
        };
        w.write_all(MAGIC)?;
        w.write_all(&FORMAT.to_le_bytes())?;
        let header = BundleHeader {
            created_ms: now_ms,
            versions: needed.len() as u64,
            responses: count,
        };
        write_record(&mut w, KIND_HEADER, &encode(&header)?)?;
        for hash in &needed {
            let v = store
                .version(hash)?
                .ok_or_else(|| StoreError::UnknownVersion(hash.to_string()))?;
            let wire = BundleVersion {
                hash: v.hash.0,
                source: v.source,
                loaded_ms: v.loaded_ms,
            };
            write_record(&mut w, KIND_VERSION, &encode(&wire)?)?;
        }
        let mut written = 0u64;
        for id in &ids {
            for r in store.responses(id) {
                let r = r?;
                if since_ms.is_some_and(|t| r.submitted_ms < t) {
                    continue;
                }
                write_record(&mut w, KIND_RESPONSE, &encode_response(&r)?)?;
                written += 1;
            }
        }
        let checksum = w.hasher.clone().finalize();
        w.inner.write_all(&[KIND_END])?;
        w.inner.write_all(&checksum)?;
        Ok(written)
    })
    // Writing the records reports plain I/O errors; they are write errors
    // of the bundle file, named as such.
    .map_err(|e| match e {
        BundleError::Io(e) => write_error(e),
        e => e,
    })?;
    Ok(Exported {
        versions: needed.len() as u64,
        responses: written,
    })
}

/// Verifies a whole bundle, then imports it all or not at all.
pub fn import(store: &Store, path: &Path, now_ms: i64) -> Result<Imported, BundleError> {
    import_verified(store, read_verified(path)?, now_ms)
}

/// Imports a bundle that [`read_verified`] accepted.
pub fn import_verified(
    store: &Store,
    contents: Verified,
    now_ms: i64,
) -> Result<Imported, BundleError> {
    let mut imported = Imported::default();
    // Versions first: a version without responses is harmless, and the
    // responses need them to be checked. They never change what the kiosk
    // shows: only `load` and `activate` do.
    for v in &contents.versions {
        let outcome = store.import_version(&v.survey, &v.source, v.loaded_ms.min(now_ms))?;
        imported.versions_added += u64::from(outcome.added);
    }
    let added = store.submit_batch(&contents.responses)? as u64;
    imported.responses_added = added;
    imported.responses_present = contents.responses.len() as u64 - added;
    Ok(imported)
}

/// A bundle whose every record was checked.
pub struct Verified {
    pub header: BundleHeader,
    pub versions: Vec<StoredVersion>,
    pub responses: Vec<Response>,
}

/// Reads and checks a bundle without touching any store.
pub fn read_verified(path: &Path) -> Result<Verified, BundleError> {
    // A FIFO or device would block this thread; refused at once.
    let mut file = super::open_regular_file(path)?;
    let len = file.metadata()?.len();
    let fixed = MAGIC.len() as u64 + 2 + 1 + CHECKSUM_LEN;
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

    // The checksum covers everything before the end mark.
    let body_end = len - 1 - CHECKSUM_LEN;
    file.seek(SeekFrom::Start(0))?;
    let mut hasher = Sha256::new();
    io::copy(&mut (&mut file).take(body_end), &mut hasher)?;
    let mut end = [0u8; 1 + CHECKSUM_LEN as usize];
    file.read_exact(&mut end)?;
    if end[0] != KIND_END || end[1..] != hasher.finalize()[..] {
        return Err(damaged(
            "the checksum does not match (the file was cut short or changed)",
        ));
    }

    file.seek(SeekFrom::Start(MAGIC.len() as u64 + 2))?;
    let mut reader = BufReader::new(file.take(body_end - MAGIC.len() as u64 - 2));
    let mut left = body_end - MAGIC.len() as u64 - 2;
    let mut header = None;
    let mut versions: Vec<StoredVersion> = Vec::new();
    let mut responses = Vec::new();
    let mut ids = std::collections::HashSet::new();
    while left > 0 {
        let (kind, body) = read_record(&mut reader, &mut left)?;
        match kind {
            KIND_HEADER if header.is_none() => header = Some(decode::<BundleHeader>(&body)?),
            KIND_VERSION => versions.push(check_version(decode(&body)?)?),
            KIND_RESPONSE => {
                let r = decode_response(&body)?;
                if !ids.insert(r.id) {
                    return Err(damaged(&format!("response {} appears twice", r.id)));
                }
                responses.push(r);
            }
            other => return Err(damaged(&format!("unexpected record kind {other}"))),
        }
    }
    let header = header.ok_or_else(|| damaged("no header"))?;
    if header.responses != responses.len() as u64 || header.versions != versions.len() as u64 {
        return Err(damaged("the record counts do not match the header"));
    }
    for r in &responses {
        let v = versions
            .iter()
            .find(|v| v.hash == r.version)
            .ok_or_else(|| BundleError::InvalidResponse {
                id: r.id.to_string(),
                reason: format!(
                    "its survey version {} is not in the bundle",
                    r.version.short()
                ),
            })?;
        r.check(&v.survey)
            .map_err(|e| BundleError::InvalidResponse {
                id: r.id.to_string(),
                reason: e.to_string(),
            })?;
    }
    Ok(Verified {
        header,
        versions,
        responses,
    })
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

fn starts_with_magic(file: &mut File) -> io::Result<bool> {
    let mut magic = [0u8; 8];
    file.seek(SeekFrom::Start(0))?;
    match file.read_exact(&mut magic) {
        Ok(()) => Ok(&magic == MAGIC),
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => Ok(false),
        Err(e) => Err(e),
    }
}

fn read_record(r: &mut impl Read, left: &mut u64) -> Result<(u8, Vec<u8>), BundleError> {
    if *left < 5 {
        return Err(damaged("a record is cut short"));
    }
    let mut head = [0u8; 5];
    r.read_exact(&mut head)?;
    *left -= 5;
    let len = u32::from_le_bytes([head[1], head[2], head[3], head[4]]);
    if len > MAX_BODY || u64::from(len) > *left {
        return Err(damaged(&format!(
            "a record claims {len} bytes, more than the file holds"
        )));
    }
    let mut body = vec![0u8; len as usize];
    r.read_exact(&mut body)?;
    *left -= u64::from(len);
    Ok((head[0], body))
}

fn write_record(w: &mut impl Write, kind: u8, body: &[u8]) -> Result<(), BundleError> {
    let len = u32::try_from(body.len()).map_err(|_| damaged("a record is too large"))?;
    w.write_all(&[kind])?;
    w.write_all(&len.to_le_bytes())?;
    w.write_all(body)?;
    Ok(())
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

/// Response bodies: the store's own response record.
fn encode_response(r: &Response) -> Result<Vec<u8>, BundleError> {
    record::encode_response(r).map_err(|e| damaged(&e.to_string()))
}

fn decode_response(body: &[u8]) -> Result<Response, BundleError> {
    record::decode_response(body).map_err(codec_error)
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

struct HashingWriter<W: Write> {
    inner: W,
    hasher: Sha256,
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::simulate::{Setup, respondent};
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

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
        let done = export(&store, &[], None, NOW, &out).unwrap();
        assert_eq!(
            done,
            Exported {
                versions: 1,
                responses: n as u64
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
                responses_present: 0
            }
        );
        let second = import(&b, &bundle, NOW).unwrap();
        assert_eq!(
            second,
            Imported {
                versions_added: 0,
                responses_added: 0,
                responses_present: 30
            }
        );
        assert_eq!(ids(&a), ids(&b));
        assert_eq!(b.active().unwrap().as_deref(), Some("pulssi"));
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
        body.extend_from_slice(&FORMAT.to_le_bytes());
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
        assert!(matches!(read_verified(&path), Err(BundleError::Newer(2))));
        std::fs::write(&path, b"PK\x03\x04 this is a zip file, not a bundle at all").unwrap();
        assert!(matches!(read_verified(&path), Err(BundleError::NotABundle)));
    }

    #[test]
    fn a_version_whose_text_does_not_match_its_hash_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let honest = VersionHash::of(&survey_from_str(PULSE).unwrap());
        let tampered = PULSE.replace("Quick feedback", "Something else");
        let mut body = MAGIC.to_vec();
        body.extend_from_slice(&FORMAT.to_le_bytes());
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
}
