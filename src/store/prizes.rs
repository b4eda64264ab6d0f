//! `prizes.kioski`: the prize-draw contact details, apart from the answers.
//!
//! In sled's log an entry landed a few bytes after its respondent's
//! response, which linked the two. Here the whole small set is one file in
//! the store directory, rewritten atomically on each entry in a fresh
//! random order: neither the order of the entries nor where they sit in a
//! file says which came when. The file holds no response id and no time.
//!
//! ```text
//! "KIOSKIP\n"     magic, 8 bytes
//! u8              file format (1)
//! body            bincode of PrizeFileV1 (through `codec`)
//! SHA-256         of every byte before it
//! ```

use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use rand::Rng;
use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::StoreError;
use super::codec;
use super::database::io_reason;

/// The file's name in the store directory.
pub const PRIZE_FILE: &str = "prizes.kioski";

const MAGIC: &[u8; 8] = b"KIOSKIP\n";

/// The file format this kioski writes and reads.
pub const FORMAT: u8 = 1;

/// Largest body read or written (some 100,000 entries): a damaged or
/// foreign file is never read whole into memory.
const MAX_BODY: u64 = codec::MAX_RECORD_BYTES;

const CHECKSUM_LEN: usize = 32;

/// One entry: the survey it was made for and the contact details given.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PrizeEntryV1 {
    pub survey: String,
    /// (field, value), e.g. ("phone", "040 123 4567").
    pub fields: Vec<(String, String)>,
}

impl PrizeEntryV1 {
    /// What identifies the entry (see `core::draw::entry_digest`).
    pub fn digest(&self) -> [u8; 32] {
        crate::core::draw::entry_digest(&self.survey, &self.fields)
    }
}

/// The file's body, format 1.
#[derive(Debug, Serialize, Deserialize)]
struct PrizeFileV1 {
    entries: Vec<PrizeEntryV1>,
}

/// The prize-draw file of one store. Its owner is the store's owner; the
/// mutex keeps each read-modify-write whole between the owner's threads.
#[derive(Debug)]
pub struct Prizes {
    path: PathBuf,
    lock: Mutex<()>,
}

impl Prizes {
    pub fn new(store_dir: &Path) -> Prizes {
        Prizes {
            path: store_dir.join(PRIZE_FILE),
            lock: Mutex::new(()),
        }
    }

    /// Every entry, in the file's (random) order; none when there is no
    /// file yet.
    pub fn entries(&self) -> Result<Vec<PrizeEntryV1>, StoreError> {
        let _held = self.hold();
        self.read()
    }

    /// Adds one entry, and returns once the file is durable.
    pub fn add(&self, entry: PrizeEntryV1, rng: &mut impl Rng) -> Result<(), StoreError> {
        let _held = self.hold();
        let mut entries = self.read()?;
        entries.push(entry);
        self.write(entries, rng)
    }

    /// Adds the entries of an older store's sled tree, skipping as many
    /// equal entries as the file already holds: a migration cut short
    /// after the file was written but before the tree was dropped runs
    /// again at the next open without doubling anyone's entry. Returns how
    /// many were added.
    pub fn merge(&self, old: Vec<PrizeEntryV1>, rng: &mut impl Rng) -> Result<usize, StoreError> {
        let _held = self.hold();
        let mut entries = self.read()?;
        let mut present: HashMap<PrizeEntryV1, usize> = HashMap::new();
        for e in &entries {
            *present.entry(e.clone()).or_default() += 1;
        }
        let mut added = 0;
        for e in old {
            match present.get_mut(&e) {
                Some(n) if *n > 0 => *n -= 1,
                _ => {
                    entries.push(e);
                    added += 1;
                }
            }
        }
        if added > 0 {
            self.write(entries, rng)?;
        }
        Ok(added)
    }

    /// Removes every entry of `survey` (a fresh file without them takes
    /// the old one's place, atomically) and returns how many went.
    pub fn purge(&self, survey: &str, rng: &mut impl Rng) -> Result<usize, StoreError> {
        let _held = self.hold();
        let entries = self.read()?;
        let before = entries.len();
        let kept: Vec<_> = entries.into_iter().filter(|e| e.survey != survey).collect();
        let gone = before - kept.len();
        if gone > 0 {
            self.write(kept, rng)?;
        }
        Ok(gone)
    }

    /// Adds the entries of a bundle that are not here yet: an entry whose
    /// digest of (survey, fields) is present already is skipped, so a
    /// bundle imported twice, or a terminal's own entries coming back in
    /// another's bundle, adds nothing. Returns (added, present).
    pub fn import(
        &self,
        new: Vec<PrizeEntryV1>,
        rng: &mut impl Rng,
    ) -> Result<(u64, u64), StoreError> {
        let _held = self.hold();
        let mut entries = self.read()?;
        let mut seen: std::collections::HashSet<[u8; 32]> =
            entries.iter().map(PrizeEntryV1::digest).collect();
        let (mut added, mut present) = (0, 0);
        for e in new {
            if seen.insert(e.digest()) {
                entries.push(e);
                added += 1;
            } else {
                present += 1;
            }
        }
        if added > 0 {
            self.write(entries, rng)?;
        }
        Ok((added, present))
    }

    fn hold(&self) -> MutexGuard<'_, ()> {
        // The guarded data is `()`: a panic elsewhere leaves nothing torn.
        self.lock.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn read(&self) -> Result<Vec<PrizeEntryV1>, StoreError> {
        let file = match std::fs::File::open(&self.path) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(self.read_error(&e)),
        };
        let limit = MAGIC.len() as u64 + 1 + MAX_BODY + CHECKSUM_LEN as u64;
        let mut bytes = Vec::new();
        file.take(limit + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| self.read_error(&e))?;
        if bytes.len() as u64 > limit {
            return Err(self.damaged("it is larger than any prize-draw file kioski writes"));
        }
        self.decode(&bytes)
    }

    fn decode(&self, bytes: &[u8]) -> Result<Vec<PrizeEntryV1>, StoreError> {
        let Some(rest) = bytes.strip_prefix(MAGIC) else {
            return Err(self.damaged("it is not a kioski prize-draw file"));
        };
        let Some((&format, _)) = rest.split_first() else {
            return Err(self.damaged("it is cut short"));
        };
        if format > FORMAT {
            return Err(StoreError::PrizeFile {
                path: self.path.clone(),
                reason: format!(
                    "it has format {format}, written by a newer kioski (this one reads format {FORMAT})"
                ),
                newer: true,
            });
        }
        if format != FORMAT {
            return Err(self.damaged(&format!("it has unknown format {format}")));
        }
        let Some(split) = bytes.len().checked_sub(CHECKSUM_LEN) else {
            return Err(self.damaged("it is cut short"));
        };
        let (signed, checksum) = bytes.split_at(split);
        if signed.len() <= MAGIC.len() || Sha256::digest(signed).as_slice() != checksum {
            return Err(self.damaged("its checksum does not match (damaged or cut short)"));
        }
        let body = &signed[MAGIC.len() + 1..];
        let file: PrizeFileV1 =
            codec::decode_message(body, MAX_BODY).map_err(|e| self.damaged(&e.to_string()))?;
        Ok(file.entries)
    }

    /// Writes `entries` in a fresh random order, atomically and durably.
    fn write(&self, mut entries: Vec<PrizeEntryV1>, rng: &mut impl Rng) -> Result<(), StoreError> {
        entries.shuffle(rng);
        let body = codec::encode_message(&PrizeFileV1 { entries }, MAX_BODY).map_err(|e| {
            StoreError::Write(format!(
                "the prize draw cannot take more entries ({e}); draw and purge it first"
            ))
        })?;
        let mut bytes = Vec::with_capacity(MAGIC.len() + 1 + body.len() + CHECKSUM_LEN);
        bytes.extend_from_slice(MAGIC);
        bytes.push(FORMAT);
        bytes.extend_from_slice(&body);
        let checksum = Sha256::digest(&bytes);
        bytes.extend_from_slice(&checksum);
        let io_error =
            |e: io::Error| StoreError::Write(format!("{}: {}", self.path.display(), io_reason(&e)));
        super::atomic::write_file(&self.path, io_error, |w| {
            w.write_all(&bytes).map_err(io_error)
        })
    }

    fn read_error(&self, e: &io::Error) -> StoreError {
        StoreError::Read(format!("{}: {}", self.path.display(), io_reason(e)))
    }

    fn damaged(&self, reason: &str) -> StoreError {
        StoreError::PrizeFile {
            path: self.path.clone(),
            reason: reason.to_owned(),
            newer: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    use super::*;

    fn entry(survey: &str, name: &str) -> PrizeEntryV1 {
        PrizeEntryV1 {
            survey: survey.into(),
            fields: vec![("name".into(), name.into())],
        }
    }

    #[test]
    fn entries_come_back_after_a_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let prizes = Prizes::new(dir.path());
        assert!(prizes.entries().unwrap().is_empty());
        prizes.add(entry("a", "Maija"), &mut rng).unwrap();
        prizes.add(entry("b", "Matti"), &mut rng).unwrap();
        let mut back = Prizes::new(dir.path()).entries().unwrap();
        back.sort_by(|x, y| x.survey.cmp(&y.survey));
        assert_eq!(back, [entry("a", "Maija"), entry("b", "Matti")]);
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temporary file left"
        );
    }

    /// Where the newest entry lands says nothing about it: over many adds
    /// to a file of five, it is in each place about equally often.
    #[test]
    fn the_newest_entry_lands_anywhere() {
        let dir = tempfile::tempdir().unwrap();
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let prizes = Prizes::new(dir.path());
        for i in 0..4 {
            prizes
                .add(entry("s", &format!("old {i}")), &mut rng)
                .unwrap();
        }
        const ROUNDS: usize = 100;
        let mut at = [0usize; 5];
        for round in 0..ROUNDS {
            let name = format!("new {round}");
            prizes.add(entry("s", &name), &mut rng).unwrap();
            let entries = prizes.entries().unwrap();
            let place = entries.iter().position(|e| e.fields[0].1 == name).unwrap();
            at[place] += 1;
            // Back to four: drop the newest again.
            let kept: Vec<_> = entries
                .into_iter()
                .filter(|e| e.fields[0].1 != name)
                .collect();
            prizes.write(kept, &mut rng).unwrap();
        }
        // 20 expected per place; with this seed the counts are fixed, and
        // the bound (3 standard deviations) lets any fair shuffle pass.
        assert!(at.iter().all(|&n| (8..=32).contains(&n)), "{at:?}");
    }

    #[test]
    fn an_interrupted_migration_does_not_double_entries() {
        let dir = tempfile::tempdir().unwrap();
        let mut rng = ChaCha8Rng::seed_from_u64(2);
        let prizes = Prizes::new(dir.path());
        let old = vec![entry("s", "A"), entry("s", "A"), entry("s", "B")];
        assert_eq!(prizes.merge(old.clone(), &mut rng).unwrap(), 3);
        assert_eq!(prizes.merge(old, &mut rng).unwrap(), 0);
        assert_eq!(prizes.entries().unwrap().len(), 3);
    }

    fn file_bytes(dir: &Path) -> Vec<u8> {
        std::fs::read(dir.join(PRIZE_FILE)).unwrap()
    }

    #[test]
    fn damage_and_newer_formats_are_reported_never_misread() {
        let dir = tempfile::tempdir().unwrap();
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let prizes = Prizes::new(dir.path());
        prizes.add(entry("s", "Maija"), &mut rng).unwrap();
        let good = file_bytes(dir.path());
        let path = dir.path().join(PRIZE_FILE);
        let reason = |bytes: &[u8]| {
            std::fs::write(&path, bytes).unwrap();
            match prizes.entries() {
                Err(StoreError::PrizeFile { reason, newer, .. }) => (reason, newer),
                other => panic!("{other:?}"),
            }
        };
        let mut flipped = good.clone();
        flipped[12] ^= 1;
        assert!(reason(&flipped).0.contains("checksum"));
        assert!(reason(&good[..good.len() - 1]).0.contains("checksum"));
        assert!(
            reason(&good[..9]).0.contains("cut short") || reason(&good[..9]).0.contains("checksum")
        );
        assert!(reason(b"").0.contains("not a kioski prize-draw file"));
        assert!(reason(b"name,phone\n").0.contains("not a kioski"));
        let mut newer = good.clone();
        newer[8] = FORMAT + 1;
        let (text, is_newer) = reason(&newer);
        assert!(is_newer && text.contains("newer kioski"), "{text}");
        // A damaged file is never overwritten by the next entry.
        assert!(prizes.add(entry("s", "Matti"), &mut rng).is_err());
        assert_eq!(file_bytes(dir.path()), newer);
    }
}
