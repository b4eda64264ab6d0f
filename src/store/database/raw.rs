//! The store's records as stored bytes, for `store::backup`: read for a
//! backup, and written back as they were by a restore, so every record
//! format (older, newer, flagged) survives unchanged.

use super::Store;
use crate::core::version::VersionHash;
use crate::store::StoreError;
use crate::store::StoreEvent;
use crate::store::keys;
use crate::store::prizes::PrizeEntryV1;

/// A `(key, value)` pair as sled holds it.
pub type RawRecord = (Vec<u8>, Vec<u8>);

impl Store {
    /// Every `meta` entry but the store format, a restore's mark and the
    /// outbox's own (store id, floor, sync state; see `outbox.rs`): the
    /// active survey, the PIN hash, the lockout, the terminal name, the
    /// sync target, and whatever a later kioski keeps there.
    pub(crate) fn raw_meta(&self) -> Result<Vec<RawRecord>, StoreError> {
        let sled = self.sled()?;
        let mut out = Vec::new();
        for item in sled.meta.iter() {
            let (key, value) = item.map_err(|e| self.read_failed(e))?;
            let own = key.as_ref() == keys::META_FORMAT
                || key.as_ref() == keys::META_RESTORING
                || keys::OUTBOX_META.contains(&key.as_ref());
            if !own {
                out.push((key.to_vec(), value.to_vec()));
            }
        }
        Ok(out)
    }

    /// Every survey entry record, by id.
    pub(crate) fn raw_entries(&self) -> Result<Vec<RawRecord>, StoreError> {
        let sled = self.sled()?;
        sled.surveys
            .iter()
            .map(|item| {
                let (key, value) = item.map_err(|e| self.read_failed(e))?;
                Ok((key.to_vec(), value.to_vec()))
            })
            .collect()
    }

    /// A version's record as stored.
    pub(crate) fn raw_version(&self, hash: &VersionHash) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self
            .sled()?
            .versions
            .get(hash.0)
            .map_err(|e| self.read_failed(e))?
            .map(|v| v.to_vec()))
    }

    /// The version recorded as shown for survey `id`, if one is (no
    /// fallback to the newest, unlike [`Store::shown_version`]).
    pub(crate) fn shown_record(&self, id: &str) -> Result<Option<VersionHash>, StoreError> {
        if let Some(hash) = self.unrecorded_shown(id)? {
            return Ok(Some(hash));
        }
        let value = self
            .sled()?
            .shown
            .get(id.as_bytes())
            .map_err(|e| self.read_failed(e))?;
        Ok(value.and_then(|v| <[u8; 32]>::try_from(v.as_ref()).ok().map(VersionHash)))
    }

    /// Every prize-draw entry of every survey.
    pub(crate) fn all_prize_entries(&self) -> Result<Vec<PrizeEntryV1>, StoreError> {
        self.prizes.entries()
    }

    /// What a restore would overwrite or mix with: counts of survey
    /// entries, versions, responses and prize entries.
    pub(crate) fn contents(&self) -> Result<[u64; 4], StoreError> {
        let sled = self.sled()?;
        let responses = if sled.responses.is_empty() {
            0
        } else {
            sled.responses.len() as u64
        };
        Ok([
            sled.surveys.len() as u64,
            sled.versions.len() as u64,
            responses,
            self.prizes.entries()?.len() as u64,
        ])
    }

    /// The mark of a restore that began here and has not ended: the
    /// checksum of its backup.
    pub(crate) fn restore_mark(&self) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self
            .sled()?
            .meta
            .get(keys::META_RESTORING)
            .map_err(|e| self.read_failed(e))?
            .map(|v| v.to_vec()))
    }

    /// Marks (`Some`) or unmarks a restore in progress, durably.
    pub(crate) fn set_restore_mark(&self, mark: Option<&[u8]>) -> Result<(), StoreError> {
        let sled = self.sled_for_write()?;
        match mark {
            Some(m) => sled.meta.insert(keys::META_RESTORING, m).map(|_| ()),
            None => sled.meta.remove(keys::META_RESTORING).map(|_| ()),
        }
        .map_err(|e| self.write_failed(e))?;
        self.sync_handles(&sled)
    }

    /// Writes a backup's settings and surveys as they were stored: `meta`
    /// entries (those it lacks removed), version records (keyed by their hash), survey entries
    /// (keyed by id) and shown versions, each tree in one batch, synced.
    pub(crate) fn restore_records(
        &self,
        meta: &[RawRecord],
        versions: &[RawRecord],
        entries: &[RawRecord],
        shown: &[RawRecord],
    ) -> Result<(), StoreError> {
        let sled = self.sled_for_write()?;
        let _writing = self.writing(&sled)?;
        // The backup's settings replace the empty store's: one it does not
        // have (a PIN set here before) goes.
        let mut gone = sled::Batch::default();
        for (key, _) in self.raw_meta()? {
            if !meta.iter().any(|(k, _)| *k == key) {
                gone.remove(key);
            }
        }
        sled.meta
            .apply_batch(gone)
            .map_err(|e| self.write_failed(e))?;
        for (tree, records) in [
            (&sled.versions, versions),
            (&sled.surveys, entries),
            (&sled.shown, shown),
            (&sled.meta, meta),
        ] {
            let mut batch = sled::Batch::default();
            for (key, value) in records {
                // The outbox's own entries describe another database.
                if !keys::OUTBOX_META.contains(&key.as_slice()) {
                    batch.insert(key.as_slice(), value.as_slice());
                }
            }
            tree.apply_batch(batch).map_err(|e| self.write_failed(e))?;
        }
        // A restored store is a new one to a sync target: an empty outbox,
        // floor 0, a new store id, so its first sync sends everything.
        self.outbox_reset(&sled)?;
        self.sync_handles(&sled)?;
        self.watchers.notify(StoreEvent::SurveysChanged);
        self.watchers.notify(StoreEvent::PinChanged);
        Ok(())
    }

    /// Writes response records as they were stored, in one atomic batch,
    /// synced.
    pub(crate) fn restore_responses(&self, records: &[RawRecord]) -> Result<(), StoreError> {
        let sled = self.sled_for_write()?;
        // Raw records carry no counts: the next tally counts them in.
        self.all_aggregates_stale(&sled)?;
        let mut batch = sled::Batch::default();
        for (key, value) in records {
            batch.insert(key.as_slice(), value.as_slice());
        }
        sled.responses
            .apply_batch(batch)
            .map_err(|e| self.write_failed(e))?;
        self.sync_handles(&sled)?;
        self.watchers.notify(StoreEvent::Imported);
        Ok(())
    }

    /// Adds a backup's prize entries (those already there from a restore
    /// cut short are not added twice).
    pub(crate) fn restore_prizes(&self, entries: Vec<PrizeEntryV1>) -> Result<usize, StoreError> {
        self.prizes.merge(entries, &mut rand::rng())
    }
}
