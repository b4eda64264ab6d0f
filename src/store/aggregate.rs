//! Tallies kept ready (issue 16): counts per survey, day, flags and
//! terminal (`tallies`), and every response's free texts (`texts`),
//! written in the same atomic write as the response, so a plain tally and
//! the survey listing add up a few hundred cells instead of decoding every
//! response. See docs/store.md, "Tallies kept ready".
//!
//! The cells are derived data: a marker per survey (in `tallies`, so it
//! travels with the cells it describes) says which newest version they are
//! counted on and in which format. Whenever it is missing, names another
//! version or format, or a cell does not decode, the survey's cells and
//! texts are counted again from the responses before they are used.

use std::collections::BTreeMap;

use sled::Transactional;
use sled::transaction::{ConflictableTransactionError, TransactionError};
use uuid::Uuid;

use super::codec::{self, CodecError};
use super::database::{Sled, Store, SurveyStats, encode_error};
use super::error::StoreError;
use super::keys;
use super::texts;
use crate::core::response::Response;
use crate::core::survey::Survey;
use crate::core::tally::{CellCounter, CellFit, CellFlags, GroupedTally, TallyCounts, TextEntry};
use crate::core::version::VersionHash;

/// The layout of cells, texts and markers. Another number in a marker
/// (an older or newer kioski wrote them) means: count again.
pub const AGGREGATE_FORMAT: u8 = 4;

fn encode_cell(c: &TallyCounts) -> Result<Vec<u8>, CodecError> {
    codec::encode(AGGREGATE_FORMAT, c)
}

fn decode_cell(bytes: &[u8]) -> Result<TallyCounts, CodecError> {
    let (_, body) = codec::split(bytes, AGGREGATE_FORMAT)?;
    codec::decode_body(body)
}

/// A marker: the format, then the version the cells are counted on.
fn encode_marker(hash: &VersionHash) -> Vec<u8> {
    let mut v = vec![AGGREGATE_FORMAT];
    v.extend_from_slice(&hash.0);
    v
}

fn decode_marker(bytes: &[u8]) -> Option<VersionHash> {
    match bytes.split_first() {
        Some((&AGGREGATE_FORMAT, hash)) if hash.len() == 32 => {
            let mut h = [0u8; 32];
            h.copy_from_slice(hash);
            Some(VersionHash(h))
        }
        _ => None,
    }
}

/// Text entries (each as [`texts::encode_entry`] writes it) by the key
/// start of their hour's blocks ([`keys::text_hour`]).
type TextsByHour = BTreeMap<Vec<u8>, Vec<Vec<u8>>>;

/// Adds response `r`'s free texts, if it has any, to `out`.
fn add_entry(out: &mut TextsByHour, r: &Response) {
    if let Some(t) = TextEntry::of(r) {
        let mut entry = Vec::new();
        texts::encode_entry(&t, &mut entry);
        out.entry(keys::text_hour(&r.survey, r.submitted_ms))
            .or_default()
            .push(entry);
    }
}

/// The cells and texts of one survey, counted from its responses.
#[derive(Default)]
struct Recount {
    cells: BTreeMap<Vec<u8>, TallyCounts>,
    texts: TextsByHour,
}

/// Cells by key, decoded.
type Cells = Vec<(Vec<u8>, TallyCounts)>;

/// How filling a tally from cells went.
enum Filled {
    /// Exactly as folding every response.
    Whole,
    /// A cell's span crosses an edge of the tally's periods or range that
    /// no kept cell is fine enough for: only the responses can say.
    NotExact,
    /// A cell or text does not decode or fit: count them again.
    Damaged,
}

/// What `kioski check` found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CheckReport {
    pub surveys: u64,
    /// Responses counted again.
    pub responses: u64,
    /// Each difference in words; none: the kept counts agree.
    pub differences: Vec<String>,
}

impl Store {
    /// The version survey `id`'s cells are counted on, if they are whole.
    fn marker(&self, sled: &Sled, id: &str) -> Result<Option<VersionHash>, StoreError> {
        Ok(sled
            .tallies
            .get(keys::tally_marker(id))
            .map_err(|e| self.read_failed(e))?
            .and_then(|v| decode_marker(&v)))
    }

    /// The newest version of survey `id`, which tallies count on.
    fn newest(&self, id: &str) -> Result<Option<VersionHash>, StoreError> {
        Ok(self
            .survey_entry(id)?
            .and_then(|e| e.versions.last().map(|v| v.hash)))
    }

    /// Stores responses (key, record, response) in one sled transaction
    /// with their outbox changes (`outbox.rs`: one per new key, numbered
    /// under the outbox's mutex, once changes are logged), their counts and their texts, where the
    /// survey's cells are whole (else no counts: the cells are counted
    /// again before their next use). A key already stored (a retried
    /// submit) is written again with no second change, and its survey's
    /// cells are marked for a recount (they would count it twice).
    /// Submit, import and simulate write through here; returns how many
    /// keys were new. The caller syncs.
    pub(super) fn write_with_aggregates(
        &self,
        sled: &Sled,
        records: &[(Vec<u8>, Vec<u8>, &Response)],
    ) -> Result<usize, StoreError> {
        // Per survey whose cells are whole, a counter on their version.
        let mut counters: BTreeMap<&str, Option<CellCounter<Vec<u8>>>> = BTreeMap::new();
        let mut texts = TextsByHour::new();
        let mut changes = Vec::with_capacity(records.len());
        for (key, _, r) in records {
            changes.push(super::outbox::stored_change(key)?);
            if !counters.contains_key(r.survey.as_str()) {
                let counter = match self.marker(sled, &r.survey)? {
                    Some(h) => Some(CellCounter::new(&*self.survey_of(&h)?)),
                    None => None,
                };
                counters.insert(&r.survey, counter);
            }
            let Some(Some(counter)) = counters.get_mut(r.survey.as_str()) else {
                continue;
            };
            counter.add(r, &*self.survey_of(&r.version)?, |place| {
                keys::tally_cell(r, place)
            });
            add_entry(&mut texts, r);
        }
        // Each hour's last block, where its new texts go (looked at again
        // in the transaction: a block filled meanwhile is passed over).
        let mut heads = Vec::with_capacity(texts.len());
        for hour in texts.keys() {
            let last = sled.texts.scan_prefix(hour).keys().next_back().transpose();
            let last = last.map_err(|e| self.read_failed(e))?;
            heads.push(last.and_then(|k| keys::text_block_number(&k)).unwrap_or(0));
        }
        let cells: Vec<(Vec<u8>, TallyCounts)> = counters
            .into_values()
            .flatten()
            .flat_map(CellCounter::finish)
            .collect();
        let trees = (&sled.responses, &sled.tallies, &sled.texts, &sled.outbox);
        let mut added = 0;
        self.outbox_numbered(|start, log| {
            let result = trees.transaction(|(responses, tallies, text_tree, outbox)| {
                let (mut seq, mut new) = (start, 0);
                for ((key, value, r), change) in records.iter().zip(&changes) {
                    if responses
                        .insert(key.as_slice(), value.as_slice())?
                        .is_none()
                    {
                        new += 1;
                        if log {
                            seq += 1;
                            outbox.insert(&keys::change(seq), change.as_slice())?;
                        }
                    } else {
                        tallies.remove(keys::tally_marker(&r.survey))?;
                    }
                }
                for (key, delta) in &cells {
                    let mut cell = match tallies.get(key)? {
                        None => TallyCounts::default(),
                        Some(bytes) => match decode_cell(&bytes) {
                            Ok(c) => c,
                            // Damaged: the survey is counted again later.
                            Err(_) => {
                                drop_marker(tallies, key)?;
                                continue;
                            }
                        },
                    };
                    if cell.add(delta).is_err() {
                        drop_marker(tallies, key)?;
                        continue;
                    }
                    let bytes = encode_cell(&cell)
                        .map_err(|e| ConflictableTransactionError::Abort(encode_error(e)))?;
                    tallies.insert(key.as_slice(), bytes)?;
                }
                for ((hour, entries), head) in texts.iter().zip(&heads) {
                    append_texts(text_tree, hour, *head, entries)?;
                }
                Ok((seq, new))
            });
            let (seq, new) = result.map_err(|e| match e {
                TransactionError::Abort(e) => e,
                TransactionError::Storage(e) => self.write_failed(e),
            })?;
            added = new;
            Ok(seq)
        })?;
        Ok(added)
    }

    /// Survey `id`'s cells are no longer whole (its responses changed
    /// without them: a delete, a restore): the next use counts them again.
    pub(super) fn aggregates_stale(&self, sled: &Sled, id: &str) -> Result<(), StoreError> {
        sled.tallies
            .remove(keys::tally_marker(id))
            .map_err(|e| self.write_failed(e))?;
        Ok(())
    }

    /// Removes survey `id`'s cells, texts and marker (the survey is deleted).
    pub(super) fn drop_aggregates(&self, sled: &Sled, id: &str) -> Result<(), StoreError> {
        self.aggregates_stale(sled, id)?;
        for key in sled.tallies.scan_prefix(keys::survey_prefix(id)).keys() {
            let key = key.map_err(|e| self.read_failed(e))?;
            sled.tallies.remove(key).map_err(|e| self.write_failed(e))?;
        }
        self.drop_texts(sled, id)
    }

    /// Removes survey `id`'s kept texts. A delete does this (after
    /// [`Self::aggregates_stale`]) rather than cut each deleted response
    /// out of its block: the next tally counts them again anyway, and no
    /// byte of a deleted text is left for the rewrite to copy.
    pub(super) fn drop_texts(&self, sled: &Sled, id: &str) -> Result<(), StoreError> {
        for key in sled.texts.scan_prefix(keys::survey_prefix(id)).keys() {
            let key = key.map_err(|e| self.read_failed(e))?;
            sled.texts.remove(key).map_err(|e| self.write_failed(e))?;
        }
        Ok(())
    }

    /// Every survey's cells are no longer whole (see [`Self::aggregates_stale`]).
    pub(super) fn all_aggregates_stale(&self, sled: &Sled) -> Result<(), StoreError> {
        for key in sled.tallies.scan_prefix([keys::TALLY_MARKER]).keys() {
            let key = key.map_err(|e| self.read_failed(e))?;
            sled.tallies.remove(key).map_err(|e| self.write_failed(e))?;
        }
        Ok(())
    }

    /// Counts survey `id`'s responses on `newest` into cells and texts.
    fn recount(&self, id: &str, newest: &Survey) -> Result<Recount, StoreError> {
        let mut out = Recount::default();
        let mut counter = CellCounter::new(newest);
        for r in self.responses(id) {
            let r = r?;
            counter.add(&r, &*self.survey_of(&r.version)?, |place| {
                keys::tally_cell(&r, place)
            });
            add_entry(&mut out.texts, &r);
        }
        out.cells = counter.finish();
        Ok(out)
    }

    /// Makes survey `id`'s cells whole, counting them again from the
    /// responses when its marker says they are not; returns the version
    /// they are counted on (`None`: no such survey).
    pub(super) fn ensure_aggregates(&self, id: &str) -> Result<Option<VersionHash>, StoreError> {
        let Some(newest) = self.newest(id)? else {
            return Ok(None);
        };
        if self.marker(&*self.sled()?, id)? == Some(newest) {
            return Ok(Some(newest));
        }
        self.rebuild_aggregates(id, newest)?;
        Ok(Some(newest))
    }

    /// Whether survey `id`'s cells are counted on its newest version (no
    /// recount due).
    pub(super) fn aggregates_whole(&self, id: &str) -> Result<bool, StoreError> {
        Ok(self.marker(&*self.sled()?, id)? == self.newest(id)?)
    }

    /// Counts survey `id`'s cells again, with every write held back (the
    /// write gate), so no response is stored between the count and the
    /// marker.
    fn rebuild_aggregates(&self, id: &str, newest: VersionHash) -> Result<(), StoreError> {
        let _gate = self
            .gate
            .write()
            .map_err(|_| StoreError::Write("a writer panicked".into()))?;
        let sled = self.sled()?;
        if self.marker(&sled, id)? == Some(newest) {
            return Ok(());
        }
        tracing::info!("counting the cells of survey {id} again from its responses");
        self.drop_aggregates(&sled, id)?;
        let survey = self.survey_of(&newest)?;
        let recount = self.recount(id, &survey)?;
        let mut batch = sled::Batch::default();
        for (key, cell) in &recount.cells {
            batch.insert(key.as_slice(), encode_cell(cell).map_err(encode_error)?);
        }
        sled.tallies
            .apply_batch(batch)
            .map_err(|e| self.write_failed(e))?;
        let mut batch = sled::Batch::default();
        let mut in_batch = 0;
        for (hour, entries) in &recount.texts {
            for (n, block) in (0u32..).zip(texts::pack(entries)) {
                in_batch += block.len();
                batch.insert(keys::text_block(hour, n), block);
            }
            // Batches of a few megabytes: one of every text took a gigabyte.
            if in_batch > 4 << 20 {
                let full = std::mem::take(&mut batch);
                sled.texts
                    .apply_batch(full)
                    .map_err(|e| self.write_failed(e))?;
                in_batch = 0;
            }
        }
        sled.texts
            .apply_batch(batch)
            .map_err(|e| self.write_failed(e))?;
        sled.tallies
            .insert(keys::tally_marker(id), encode_marker(&newest))
            .map_err(|e| self.write_failed(e))?;
        self.sync_handles(&sled)
    }

    /// Survey `id`'s plain day cells, by key, decoded; `None` when one
    /// does not decode.
    fn stored_cells(&self, sled: &Sled, id: &str) -> Result<Option<Cells>, StoreError> {
        let mut out = Vec::new();
        let (from, to) = keys::tally_cells(id, None, false, None, None);
        for item in sled.tallies.range(from..to) {
            let (key, value) = item.map_err(|e| self.read_failed(e))?;
            match decode_cell(&value) {
                Ok(c) => out.push((key.to_vec(), c)),
                Err(e) => {
                    tracing::warn!("a tally cell of survey {id} does not decode: {e}");
                    return Ok(None);
                }
            }
        }
        Ok(Some(out))
    }

    /// Folds survey `id`'s kept cells and texts into `tally` (empty, of
    /// the newest version); `false` when they cannot make it (the caller
    /// folds the responses): no cells for its `--by`, or a period's or
    /// range's edge inside a UTC hour that has responses.
    pub fn tally_from_aggregates(
        &self,
        id: &str,
        tally: &mut GroupedTally,
    ) -> Result<bool, StoreError> {
        let Some(question) = tally.cells_by() else {
            return Ok(false);
        };
        for attempt in 0..2 {
            // Cells that cannot be made now (a full disk) leave the scan.
            match self.ensure_aggregates(id) {
                Ok(Some(v)) if v == tally.version() => {}
                Ok(_) => return Ok(false),
                Err(e) => {
                    tracing::warn!("tally of {id} folds the responses: {e}");
                    return Ok(false);
                }
            }
            let sled = self.sled()?;
            let mut filled = tally.clone();
            match self.fill_from_cells(&sled, id, question, &mut filled)? {
                Filled::Whole => {
                    *tally = filled;
                    return Ok(true);
                }
                Filled::NotExact => return Ok(false),
                // Damaged: count again, once.
                Filled::Damaged if attempt == 0 => self.aggregates_stale(&sled, id)?,
                Filled::Damaged => {}
            }
        }
        Ok(false)
    }

    /// Adds survey `id`'s cells of `question` (`None`: the plain ones)
    /// and its texts to `tally`: each UTC day's cell that [`GroupedTally::fit`]s
    /// whole, the hour cells of the days that do not.
    fn fill_from_cells(
        &self,
        sled: &Sled,
        id: &str,
        question: Option<u16>,
        tally: &mut GroupedTally,
    ) -> Result<Filled, StoreError> {
        let survey_of = |h: &VersionHash| self.survey_of(h).ok();
        // `--terminal`'s notes name every terminal of the survey, as the
        // fold asks for each response, in range or not.
        if tally.filters_terminals() {
            let (from, to) = keys::tally_cells(id, None, false, None, None);
            let mut last = Vec::new();
            for key in sled.tallies.range(from..to).keys() {
                let key = key.map_err(|e| self.read_failed(e))?;
                let Some(k) = keys::parse_tally_cell(&key) else {
                    return Ok(Filled::Damaged);
                };
                if k.terminal.as_bytes() != last.as_slice() {
                    tally.note_terminal(k.terminal);
                    last = k.terminal.as_bytes().to_vec();
                }
            }
        }
        let (since, until) = tally.range_ms();
        let days = (
            since.map(|ms| ms.div_euclid(keys::DAY_MS)),
            until.map(|ms| ms.div_euclid(keys::DAY_MS).saturating_add(1)),
        );
        // The days whose cells are split: their hours say.
        let mut split_days = Vec::new();
        let (from, to) = keys::tally_cells(id, question, false, days.0, days.1);
        let mut last = None;
        for item in sled.tallies.range(from..to) {
            let (key, value) = item.map_err(|e| self.read_failed(e))?;
            match add_cell(
                tally,
                &key,
                &value,
                &mut Some(&mut split_days),
                &mut last,
                &survey_of,
            ) {
                Filled::Whole => {}
                other => return Ok(other),
            }
        }
        for day in split_days {
            let hours = day.saturating_mul(24);
            let (from, to) = keys::tally_cells(
                id,
                question,
                true,
                Some(hours),
                Some(hours.saturating_add(24)),
            );
            let mut last = None;
            for item in sled.tallies.range(from..to) {
                let (key, value) = item.map_err(|e| self.read_failed(e))?;
                match add_cell(tally, &key, &value, &mut None, &mut last, &survey_of) {
                    Filled::Whole => {}
                    other => return Ok(other),
                }
            }
        }
        // Newest block first, each newest entry first: the order of a
        // scan (the result sorts them by time and id anyway).
        let mut entry = texts::scratch();
        for item in sled.texts.scan_prefix(keys::survey_prefix(id)).rev() {
            let (_, block) = item.map_err(|e| self.read_failed(e))?;
            let Ok(bodies) = texts::entries(&block) else {
                return Ok(Filled::Damaged);
            };
            for body in bodies.into_iter().rev() {
                if texts::decode_into(body, &mut entry).is_err()
                    || tally.add_texts(&entry, id, &survey_of).is_err()
                {
                    return Ok(Filled::Damaged);
                }
            }
        }
        Ok(Filled::Whole)
    }

    /// Survey `id`'s counts and times from its cells, without reading a
    /// response (counted again first when they are not whole).
    pub(super) fn stats_from_aggregates(&self, id: &str) -> Result<SurveyStats, StoreError> {
        let mut stats = SurveyStats::default();
        match self.ensure_aggregates(id) {
            Ok(Some(_)) => {}
            Ok(None) => return Ok(stats),
            // Cells that cannot be made now (a full disk): read them all.
            Err(e) => {
                tracing::warn!("counts of {id} read every response: {e}");
                return self.stats_by_scan(id);
            }
        }
        let sled = self.sled()?;
        let cells = match self.stored_cells(&sled, id)? {
            Some(cells) => cells,
            None => {
                self.aggregates_stale(&sled, id)?;
                self.ensure_aggregates(id)?;
                self.stored_cells(&sled, id)?.ok_or_else(|| {
                    StoreError::Read(format!(
                        "the tally cells of survey {id} do not decode even after counting them again"
                    ))
                })?
            }
        };
        for (_, c) in cells {
            stats.complete += c.complete;
            stats.partial += c.partial;
            stats.suspect += c.suspect;
            stats.simulated += c.simulated;
            if let Some((first, last)) = c.span_ms() {
                stats.first_ms = Some(stats.first_ms.map_or(first, |t| t.min(first)));
                stats.last_ms = Some(stats.last_ms.map_or(last, |t| t.max(last)));
            }
        }
        Ok(stats)
    }

    /// Survey `id`'s counts and times from every response.
    fn stats_by_scan(&self, id: &str) -> Result<SurveyStats, StoreError> {
        let mut s = SurveyStats::default();
        for r in self.responses(id) {
            let r = r?;
            s.complete += u64::from(r.complete);
            s.partial += u64::from(!r.complete);
            s.suspect += u64::from(r.suspect);
            s.simulated += u64::from(r.simulated);
            s.first_ms = Some(s.first_ms.map_or(r.submitted_ms, |t| t.min(r.submitted_ms)));
            s.last_ms = Some(s.last_ms.map_or(r.submitted_ms, |t| t.max(r.submitted_ms)));
        }
        Ok(s)
    }

    /// `kioski check`: counts every survey's responses again and compares
    /// with the kept cells and texts; each difference in words (none: they
    /// agree). Cells not made yet or due for a recount are made first.
    pub fn check_aggregates(&self) -> Result<CheckReport, StoreError> {
        let mut report = CheckReport::default();
        let out = &mut report.differences;
        let sled = self.sled()?;
        for entry in self.survey_entries()? {
            report.surveys += 1;
            let id = &entry.id;
            let Some(newest) = entry.versions.last().map(|v| v.hash) else {
                continue;
            };
            // Not made yet, or due for a recount (a newer version, a
            // delete, a restore): made now, as the next tally would.
            if self.marker(&sled, id)? != Some(newest) {
                self.ensure_aggregates(id)?;
            }
            let survey = self.survey_of(&newest)?;
            let recount = self.recount(id, &survey)?;
            // Each response is in one plain day cell (and in others too).
            report.responses += recount
                .cells
                .iter()
                .filter(|(key, _)| {
                    keys::parse_tally_cell(key).is_some_and(|k| k.question.is_none() && !k.hour)
                })
                .map(|(_, c)| c.responses)
                .sum::<u64>();
            let mut stored: BTreeMap<Vec<u8>, Result<TallyCounts, CodecError>> = BTreeMap::new();
            for item in sled.tallies.scan_prefix(keys::survey_prefix(id)) {
                let (key, value) = item.map_err(|e| self.read_failed(e))?;
                stored.insert(key.to_vec(), decode_cell(&value));
            }
            for (key, counted) in &recount.cells {
                let cell = keys::show_tally_cell(key);
                match stored.remove(key) {
                    None => out.push(format!(
                        "survey {id}, {cell}: {} responses counted, no kept cell",
                        counted.responses
                    )),
                    Some(Err(e)) => out.push(format!("survey {id}, {cell}: the kept cell {e}")),
                    Some(Ok(kept)) if kept != *counted => out.push(format!(
                        "survey {id}, {cell}: kept {} responses ({} complete), counted {} ({} complete){}",
                        kept.responses,
                        kept.complete,
                        counted.responses,
                        counted.complete,
                        if kept.responses == counted.responses {
                            ", and the answers' counts differ"
                        } else {
                            ""
                        }
                    )),
                    Some(Ok(_)) => {}
                }
            }
            for key in stored.keys() {
                out.push(format!(
                    "survey {id}, {}: a kept cell with no response behind it",
                    keys::show_tally_cell(key)
                ));
            }
            // Entries by response: the blocks they are packed in depend on
            // the order responses came in, the entries do not.
            let (mut missing, mut differ, mut extra, mut damaged) = (0u64, 0u64, 0u64, 0u64);
            let mut kept_texts: BTreeMap<Uuid, Vec<u8>> = BTreeMap::new();
            for item in sled.texts.scan_prefix(keys::survey_prefix(id)) {
                let (_, block) = item.map_err(|e| self.read_failed(e))?;
                let Ok(bodies) = texts::entries(&block) else {
                    damaged += 1;
                    continue;
                };
                for body in bodies {
                    match texts::entry_response(body) {
                        Some(r) if !kept_texts.contains_key(&r) => {
                            kept_texts.insert(r, body.to_vec());
                        }
                        _ => extra += 1,
                    }
                }
            }
            for entry in recount.texts.values().flatten() {
                let body = entry.get(4..).unwrap_or_default();
                let Some(r) = texts::entry_response(body) else {
                    continue;
                };
                match kept_texts.remove(&r) {
                    None => missing += 1,
                    Some(v) if v != body => differ += 1,
                    Some(_) => {}
                }
            }
            extra += kept_texts.len() as u64;
            if missing + differ + extra + damaged > 0 {
                let damaged = match damaged {
                    0 => String::new(),
                    n => format!(", {n} blocks that do not decode"),
                };
                out.push(format!(
                    "survey {id}: free texts: {missing} missing, {differ} different, {extra} with no response behind them{damaged}"
                ));
            }
        }
        Ok(report)
    }

    /// Counts every survey's cells again from its responses.
    pub fn recount_aggregates(&self) -> Result<(), StoreError> {
        for entry in self.survey_entries()? {
            self.aggregates_stale(&*self.sled_for_write()?, &entry.id)?;
            self.ensure_aggregates(&entry.id)?;
        }
        Ok(())
    }
}

/// Appends an hour's text entries to its blocks, from block `head` on
/// (the last one when the write began): a block as long as
/// [`texts::BLOCK_BYTES`] is passed over, and an entry that does not fit
/// goes on in the next block (made when there is none).
fn append_texts(
    tree: &sled::transaction::TransactionalTree,
    hour: &[u8],
    head: u32,
    entries: &[Vec<u8>],
) -> Result<(), ConflictableTransactionError<StoreError>> {
    let open = |mut n: u32| -> Result<(u32, Vec<u8>), ConflictableTransactionError<StoreError>> {
        loop {
            match tree.get(keys::text_block(hour, n))? {
                Some(b) if b.len() >= texts::BLOCK_BYTES => n += 1,
                Some(b) => return Ok((n, b.to_vec())),
                None => return Ok((n, texts::empty_block())),
            }
        }
    };
    let (mut n, mut block) = open(head)?;
    let mut changed = false;
    for entry in entries {
        while !texts::fits(&block, entry) {
            if changed {
                tree.insert(keys::text_block(hour, n), std::mem::take(&mut block))?;
            }
            (n, block) = open(n + 1)?;
            changed = false;
        }
        block.extend_from_slice(entry);
        changed = true;
    }
    if changed {
        tree.insert(keys::text_block(hour, n), block)?;
    }
    Ok(())
}

/// Adds one kept cell to `tally` where it [`GroupedTally::fit`]s (`last`:
/// the fit of the previous cell's span, as cells come in time order).
/// A day's cell that is split goes to `split_days` (its hours say); an
/// hour's (`split_days: None`) that is split: not exact.
fn add_cell(
    tally: &mut GroupedTally,
    key: &[u8],
    value: &[u8],
    split_days: &mut Option<&mut Vec<i64>>,
    last: &mut Option<(i64, CellFit)>,
    survey_of: &dyn Fn(&VersionHash) -> Option<std::sync::Arc<Survey>>,
) -> Filled {
    let Some(k) = keys::parse_tally_cell(key) else {
        return Filled::Damaged;
    };
    let Some(flags) = CellFlags::from_bits(k.flags) else {
        return Filled::Damaged;
    };
    let fit = match last {
        Some((t, fit)) if *t == k.time => *fit,
        _ => {
            let (from, to) = k.span_ms();
            let fit = tally.fit(from, to);
            *last = Some((k.time, fit));
            fit
        }
    };
    match (fit, split_days) {
        (CellFit::Out, _) => Filled::Whole,
        (CellFit::Split, None) => Filled::NotExact,
        (CellFit::Split, Some(days)) => {
            if days.last() != Some(&k.time) {
                days.push(k.time);
            }
            Filled::Whole
        }
        (CellFit::In(period), _) => match decode_cell(value) {
            Ok(c) => match tally.add_counts(&c, flags, k.terminal, k.group, period, survey_of) {
                Ok(()) => Filled::Whole,
                Err(_) => Filled::Damaged,
            },
            Err(_) => Filled::Damaged,
        },
    }
}

fn drop_marker(
    tallies: &sled::transaction::TransactionalTree,
    cell_key: &[u8],
) -> Result<(), ConflictableTransactionError<StoreError>> {
    if let Some(survey) = keys::tally_cell_survey(cell_key) {
        tallies.remove(keys::tally_marker(survey))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::answer::Answer;
    use crate::core::retention::Selection;
    use crate::core::simulate::{Setup, respondent};
    use crate::core::tally::{By, GroupedResult, Grouping, Period};
    use crate::core::validate::survey_from_str;
    use crate::store::ReadStore;
    use rand::RngExt;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    const NOW: i64 = 1_790_000_000_000;
    const SURVEYS: [(&str, &str); 5] = [
        (
            "palvelupiste",
            include_str!("../../surveys/palvelupiste.toml"),
        ),
        ("pulssi", include_str!("../../surveys/pulssi.toml")),
        ("tilat", include_str!("../../surveys/tilat.toml")),
        (
            "asiointikanavat",
            include_str!("../../surveys/asiointikanavat.toml"),
        ),
        (
            "palvelulupaus",
            include_str!("../../surveys/palvelulupaus.toml"),
        ),
    ];

    /// `n` simulated responses to the newest version of `id`, on two
    /// terminals, every seventh flagged suspect.
    fn simulated(store: &Store, id: &str, n: usize, seed: u64) -> Vec<Response> {
        let version = store.latest(id).unwrap();
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        (0..n)
            .map(|i| {
                let terminal = if i % 3 == 0 { "desk-2" } else { "desk-1" };
                let setup = Setup {
                    survey: &version.survey,
                    version: version.hash,
                    terminal,
                    now_ms: NOW,
                    utc_offset_ms: 0,
                };
                let mut r = respondent(&mut rng, &setup, i as f64 / n as f64);
                // At any hour, so local periods' edges (mid-UTC-day in
                // most zones) have responses on both sides.
                let shift = rng.random_range(-12 * HOUR_MS..12 * HOUR_MS);
                r.submitted_ms += shift;
                r.started_ms += shift;
                r.suspect = i % 7 == 3;
                r.simulated = i % 2 == 0;
                r
            })
            .collect()
    }

    /// The reference: today's full scan, folding every response.
    fn full_scan(store: &Store, id: &str, grouping: &Grouping) -> GroupedResult {
        let survey = store.latest(id).unwrap().survey;
        let mut tally = GroupedTally::new(&survey, grouping.clone()).unwrap();
        for r in store.responses(id) {
            let r = r.unwrap();
            tally.fold(&r, &store.survey_of(&r.version).unwrap());
        }
        tally.results()
    }

    fn kept(store: &Store, id: &str, grouping: &Grouping) -> Option<GroupedResult> {
        let survey = store.latest(id).unwrap().survey;
        let mut tally = GroupedTally::new(&survey, grouping.clone()).unwrap();
        store
            .tally_kept(id, &mut tally)
            .unwrap()
            .then(|| tally.results())
    }

    const HOUR_MS: i64 = 3_600_000;

    fn zone(name: &str) -> jiff::tz::TimeZone {
        jiff::tz::TimeZone::get(name).unwrap()
    }

    /// Local midnight of `date` in `tz`, in Unix ms (as `--since` reads a date).
    fn midnight(tz: &jiff::tz::TimeZone, date: &str) -> i64 {
        let date: jiff::civil::Date = date.parse().unwrap();
        tz.to_ambiguous_timestamp(date.to_datetime(jiff::civil::Time::midnight()))
            .compatible()
            .unwrap()
            .as_millisecond()
    }

    /// Every way to ask for a tally, each with whether the kept cells must
    /// make it: plain ones (flags and terminals), and by each of the
    /// survey's groupable questions and the terminal, per period, with
    /// since/until, in UTC, a zone with both DST changes in range, another
    /// whole-hour zone, and a half-hour zone (the cells may not make it
    /// there: falls back to the scan). The ranges span both DST changes of
    /// 2025-10-26 and 2026-03-29.
    fn groupings(survey: &Survey) -> Vec<(Grouping, bool)> {
        let mut flags = Vec::new();
        for include_partial in [false, true] {
            for include_suspect in [false, true] {
                for terminals in [&[][..], &["desk-2"][..], &["desk-1,nosuch"][..]] {
                    flags.push(Grouping {
                        include_partial,
                        include_suspect,
                        terminals: terminals.iter().map(|t| t.to_string()).collect(),
                        ..Grouping::default()
                    });
                }
            }
        }
        let mut out: Vec<(Grouping, bool)> = flags.iter().map(|g| (g.clone(), true)).collect();
        let groupable: Vec<String> = survey
            .questions
            .iter()
            .filter(|q| {
                GroupedTally::new(
                    survey,
                    Grouping {
                        by: Some(By::Question(q.id.clone())),
                        ..Grouping::default()
                    },
                )
                .is_ok()
            })
            .map(|q| q.id.clone())
            .collect();
        let mut bys = vec![None, Some(By::Terminal)];
        bys.extend(groupable.first().map(|q| Some(By::Question(q.clone()))));
        if groupable.len() > 1 {
            bys.extend(groupable.last().map(|q| Some(By::Question(q.clone()))));
        }
        let periods = [
            None,
            Some(Period::Day),
            Some(Period::Week),
            Some(Period::Month),
            Some(Period::Year),
        ];
        let zones = [
            ("UTC", true),
            ("Europe/Helsinki", true),
            ("America/New_York", true),
            ("Asia/Kolkata", false),
        ];
        let mut i = 0usize;
        for (z, (name, whole_hours)) in zones.iter().enumerate() {
            let tz = zone(name);
            let ranges = [
                (None, None, true),
                (Some(midnight(&tz, "2025-10-10")), None, true),
                (None, Some(midnight(&tz, "2026-04-15")), true),
                (
                    Some(midnight(&tz, "2025-10-10")),
                    Some(midnight(&tz, "2026-04-15")),
                    true,
                ),
                // Mid-hour: only the scan can say.
                (Some(midnight(&tz, "2025-11-03") + 1_800_000), None, false),
            ];
            for (b, by) in bys.iter().enumerate() {
                for (p, period) in periods.iter().enumerate() {
                    let (since_ms, until_ms, on_hours) = ranges[(p + 2 * b + z) % ranges.len()];
                    let base = &flags[(i * 7 + 3) % flags.len()];
                    i += 1;
                    let timed = period.is_some() || since_ms.is_some() || until_ms.is_some();
                    out.push((
                        Grouping {
                            by: by.clone(),
                            period: *period,
                            time_zone: tz.clone(),
                            since_ms,
                            until_ms,
                            ..base.clone()
                        },
                        on_hours && (*whole_hours || !timed),
                    ));
                }
            }
        }
        out
    }

    /// Both paths give the same result, to the byte of its JSON; the
    /// kept cells make every tally they can be exact for (and where they
    /// fall back, the scan gives the same result).
    fn assert_same(store: &Store, id: &str) {
        assert_same_every(store, id, 1);
    }

    /// [`assert_same`] with every `step`th grouping (plain ones all), to
    /// keep the tests quick where the cells' shape is not the point.
    /// Returns how many groupings fell back to the scan.
    fn assert_same_every(store: &Store, id: &str, step: usize) -> usize {
        let survey = store.latest(id).unwrap().survey;
        let mut fell_back = 0;
        let all = groupings(&survey);
        let chosen = all
            .into_iter()
            .enumerate()
            .filter(|(i, (g, _))| i % step == 0 || (g.by.is_none() && g.period.is_none()));
        for (_, (g, must_keep)) in chosen {
            let full = full_scan(store, id, &g);
            let result = match kept(store, id, &g) {
                Some(result) => result,
                None => {
                    assert!(!must_keep, "the kept counts make {id} with {g:?}");
                    fell_back += 1;
                    continue;
                }
            };
            assert_eq!(
                serde_json::to_string_pretty(&result).unwrap(),
                serde_json::to_string_pretty(&full).unwrap(),
                "{id} with {g:?}"
            );
            assert_eq!(result, full, "{id} with {g:?}");
        }
        let by_scan = store.stats_by_scan(id).unwrap();
        assert_eq!(store.stats(id).unwrap(), by_scan, "{id}");
        fell_back
    }

    fn load(store: &Store, text: &str, at: i64) {
        store
            .load(&survey_from_str(text).unwrap(), text, at)
            .unwrap();
    }

    #[test]
    fn kept_counts_give_the_full_scans_tally_for_every_survey_and_option() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), "test").unwrap();
        for (i, (id, text)) in SURVEYS.iter().enumerate() {
            load(&store, text, NOW - 400 * 86_400_000);
            let rs = simulated(&store, id, 600, i as u64);
            // Every way in: single submits, an import's batch, simulate's.
            for r in &rs[..40] {
                store.submit(r).unwrap();
            }
            store.submit_batch(&rs[40..200]).unwrap();
            store.submit_many(&rs[200..]).unwrap();
            let fell_back = assert_same_every(&store, id, if i == 0 { 1 } else { 5 });
            // Not vacuous: a half-hour zone's split hours took the scan.
            if i == 0 {
                assert!(fell_back > 0, "{id}: the half-hour zone never fell back");
            }
            assert!(store.check_aggregates().unwrap().differences.is_empty());
        }
    }

    #[test]
    fn kept_counts_follow_a_newer_version_that_drops_a_question_and_an_option() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), "test").unwrap();
        let (id, v1) = SURVEYS[0];
        load(&store, v1, NOW - 400 * 86_400_000);
        store.submit_many(&simulated(&store, id, 500, 1)).unwrap();
        assert_same_every(&store, id, 5);
        let v2 = v1.replace("one_visit", "one_visit_now").replace(
            "  { id = \"partner\", fi = \"Yhteistyökumppani\", sv = \"Samarbetspartner\", en = \"Partner organisation\" },\n",
            "",
        );
        assert_ne!(v1, v2);
        load(&store, &v2, NOW - 300 * 86_400_000);
        // The cells were counted on version 1: counted again on version 2.
        assert_same_every(&store, id, 5);
        let rs = simulated(&store, id, 300, 2);
        for r in &rs[..20] {
            store.submit(r).unwrap();
        }
        store.submit_many(&rs[20..]).unwrap();
        assert_same(&store, id);
        let result = kept(&store, id, &Grouping::default()).unwrap();
        assert!(
            result.total.versions.iter().any(|v| !v.left_out.is_empty()),
            "{:?}",
            result.total.versions
        );
        let differences = store.check_aggregates().unwrap().differences;
        assert!(differences.is_empty(), "{differences:?}");
    }

    #[test]
    fn deletes_restores_and_damage_are_counted_again_from_the_responses() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), "test").unwrap();
        let (id, text) = SURVEYS[0];
        load(&store, text, NOW - 400 * 86_400_000);
        store.submit_many(&simulated(&store, id, 400, 5)).unwrap();
        assert_same_every(&store, id, 7);
        let selection = Selection {
            before_ms: Some(NOW - 200 * 86_400_000),
            ..Selection::default()
        };
        assert!(store.delete_responses(id, &selection).unwrap().responses > 0);
        assert_same_every(&store, id, 7);

        // A cell that does not decode.
        let sled = store.sled().unwrap();
        let (key, _) = sled
            .tallies
            .scan_prefix(keys::survey_prefix(id))
            .next()
            .unwrap()
            .unwrap();
        sled.tallies
            .insert(&key, &[AGGREGATE_FORMAT, 0xFF, 0xFF][..])
            .unwrap();
        assert!(!store.check_aggregates().unwrap().differences.is_empty());
        assert_same_every(&store, id, 7);
        assert!(store.check_aggregates().unwrap().differences.is_empty());

        // A cell that decodes but counts wrong: check sees it.
        let (key, value) = sled
            .tallies
            .scan_prefix(keys::survey_prefix(id))
            .next()
            .unwrap()
            .unwrap();
        let mut cell = decode_cell(&value).unwrap();
        cell.responses += 1;
        sled.tallies
            .insert(&key, encode_cell(&cell).unwrap())
            .unwrap();
        let differences = store.check_aggregates().unwrap().differences;
        assert_eq!(differences.len(), 1, "{differences:?}");
        assert!(differences[0].contains("kept"), "{}", differences[0]);

        // Marked for a recount (a restore does this): counted again.
        store.all_aggregates_stale(&sled).unwrap();
        assert_same_every(&store, id, 7);
        assert!(store.check_aggregates().unwrap().differences.is_empty());
    }

    /// Stored free texts, however they are packed: how many responses
    /// have an entry, and how many sled values hold them.
    fn stored_texts(store: &Store) -> (usize, usize) {
        let sled = store.sled().unwrap();
        let entries = sled
            .texts
            .iter()
            .map(|item| texts::entries(&item.unwrap().1).unwrap().len())
            .sum();
        (entries, sled.texts.len())
    }

    /// Every raw byte of the `texts` tree, to look for a deleted answer.
    fn texts_contain(store: &Store, needle: &str) -> bool {
        let sled = store.sled().unwrap();
        sled.texts.iter().any(|item| {
            let (_, v) = item.unwrap();
            v.windows(needle.len()).any(|w| w == needle.as_bytes())
        })
    }

    /// Many texts submitted in one millisecond (ties the order breaks by
    /// response id), so many that they fill more than one block of their
    /// hour, singly and in batches: a few sled values hold them, and the
    /// kept tally is the scan's, newest first, to the byte.
    #[test]
    fn many_texts_in_one_millisecond_fill_blocks_and_tally_as_the_scan() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), "test").unwrap();
        let (id, text) = SURVEYS[0];
        load(&store, text, NOW - 400 * 86_400_000);
        let mut rs = simulated(&store, id, 1500, 21);
        for r in &mut rs {
            r.submitted_ms = NOW;
            r.started_ms = r.started_ms.min(NOW);
        }
        for r in &rs[..100] {
            store.submit(r).unwrap();
        }
        store.submit_batch(&rs[100..400]).unwrap();
        store.submit_many(&rs[400..]).unwrap();
        let with_texts = rs.iter().filter(|r| TextEntry::of(r).is_some()).count();
        let (entries, values) = stored_texts(&store);
        assert_eq!(entries, with_texts);
        assert!(
            values > 1 && values * 10 < entries,
            "{entries} texts in {values} sled values"
        );
        assert_same(&store, id);
        assert!(store.check_aggregates().unwrap().differences.is_empty());
        // After a recount (as a new format or a restore makes): the same.
        store.recount_aggregates().unwrap();
        assert_eq!(stored_texts(&store).0, with_texts);
        assert_same(&store, id);
        // The ties in one millisecond are in response id order, newest first.
        let result = kept(&store, id, &Grouping::default()).unwrap();
        let mut tied = 0;
        for q in &result.total.questions {
            let ids: Vec<Uuid> = q.detail.texts().iter().map(|t| t.response).collect();
            assert!(ids.windows(2).all(|w| w[0] > w[1]), "{}", q.id);
            tied += ids.len();
        }
        assert!(tied > 50, "{tied}");
    }

    /// A delete of one response whose text shares a block with others:
    /// its text leaves the tree at once, the others stay countable, and
    /// the tally is the scan's.
    #[test]
    fn a_delete_of_one_response_takes_its_text_out_of_the_block() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), "test").unwrap();
        let (id, text) = SURVEYS[0];
        load(&store, text, NOW - 400 * 86_400_000);
        let mut rs = simulated(&store, id, 400, 22);
        for r in &mut rs {
            r.submitted_ms = NOW;
            r.started_ms = r.started_ms.min(NOW);
        }
        let gone = rs
            .iter()
            .position(|r| r.answers.values().any(|a| matches!(a, Answer::Text(_))))
            .unwrap();
        for a in rs[gone].answers.values_mut() {
            if let Answer::Text(t) = a {
                *t = "gone-echo-5b".to_owned();
            }
        }
        rs[gone].submitted_ms = NOW - 60_000;
        rs[gone].started_ms = rs[gone].started_ms.min(NOW - 60_000);
        for r in &rs[..50] {
            store.submit(r).unwrap();
        }
        store.submit_many(&rs[50..]).unwrap();
        assert!(texts_contain(&store, "gone-echo-5b"));
        let before = Selection {
            before_ms: Some(NOW - 1),
            ..Selection::default()
        };
        assert_eq!(store.delete_responses(id, &before).unwrap().responses, 1);
        assert!(!texts_contain(&store, "gone-echo-5b"));
        assert_same(&store, id);
        assert!(store.check_aggregates().unwrap().differences.is_empty());
        let with_texts = rs.iter().filter(|r| TextEntry::of(r).is_some()).count();
        assert_eq!(stored_texts(&store).0, with_texts - 1);
        // Submits go on into the blocks after the recount.
        let more = simulated(&store, id, 50, 23);
        for r in &more {
            store.submit(r).unwrap();
        }
        assert_same(&store, id);
    }

    /// A block of texts that does not decode: check names it, the tally
    /// counts the texts again from the responses and is the scan's.
    #[test]
    fn a_damaged_text_block_is_counted_again() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), "test").unwrap();
        let (id, text) = SURVEYS[0];
        load(&store, text, NOW - 400 * 86_400_000);
        store.submit_many(&simulated(&store, id, 800, 24)).unwrap();
        assert_same(&store, id);
        let sled = store.sled().unwrap();
        let (key, value) = sled.texts.iter().next_back().unwrap().unwrap();
        sled.texts.insert(&key, &value[..value.len() / 2]).unwrap();
        let differences = store.check_aggregates().unwrap().differences;
        assert!(
            differences.iter().any(|d| d.contains("free texts")),
            "{differences:?}"
        );
        assert_same(&store, id);
        sled.texts
            .insert(&key, &[AGGREGATE_FORMAT, 0xFF, 0xFF, 0xFF, 0xFF, 1][..])
            .unwrap();
        assert_same(&store, id);
        assert!(store.check_aggregates().unwrap().differences.is_empty());
    }

    /// One transaction per write over responses, tallies, texts and the
    /// outbox: each response has its change, its counts and its texts, a
    /// retried submit (same id) neither numbers a second change nor counts
    /// twice, and a delete takes the texts with the response and numbers
    /// its `Deleted` after every `Stored`.
    #[test]
    fn writes_and_deletes_keep_the_outbox_and_the_cells_in_step() {
        use crate::store::Change;
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), "test").unwrap();
        // As after a `sync set`: changes are logged.
        store.log_changes().unwrap();
        let (id, text) = SURVEYS[0];
        load(&store, text, NOW - 400 * 86_400_000);
        let rs = simulated(&store, id, 300, 9);
        for r in &rs[..30] {
            store.submit(r).unwrap();
        }
        assert_same_every(&store, id, 7);
        // Retried: the same responses again, one by one and as a batch.
        for r in &rs[..10] {
            store.submit(r).unwrap();
        }
        assert_eq!(store.submit_batch(&rs[..60]).unwrap(), 30);
        store.submit_many(&rs[60..]).unwrap();
        store.submit_many(&rs[290..]).unwrap();
        assert_same_every(&store, id, 7);
        assert!(store.check_aggregates().unwrap().differences.is_empty());
        let changes = store.changes_after(0, usize::MAX).unwrap();
        let seqs: Vec<u64> = changes.iter().map(|(s, _)| *s).collect();
        assert_eq!(seqs, (1..=300).collect::<Vec<u64>>());
        let texts = |store: &Store| stored_texts(store).0;
        let with_texts = rs.iter().filter(|r| TextEntry::of(r).is_some()).count();
        assert!(with_texts > 0);
        assert_eq!(texts(&store), with_texts);

        let partial = Selection {
            partial: true,
            ..Selection::default()
        };
        let gone = store.delete_responses(id, &partial).unwrap().responses;
        assert!(gone > 0);
        assert_same_every(&store, id, 7);
        assert!(store.check_aggregates().unwrap().differences.is_empty());
        let left = rs.iter().filter(|r| r.complete).collect::<Vec<_>>();
        let left_texts = left.iter().filter(|r| TextEntry::of(r).is_some()).count();
        assert_eq!(texts(&store), left_texts);
        let changes = store.changes_after(0, usize::MAX).unwrap();
        let deleted = changes
            .iter()
            .filter(|(s, c)| *s > 300 && matches!(c, Change::Deleted { .. }))
            .count();
        assert_eq!(deleted as u64, gone);
        assert_eq!(store.last_change().unwrap(), 300 + gone);

        store.delete_survey(id).unwrap();
        assert_eq!(texts(&store), 0);
        assert_eq!(store.sled().unwrap().tallies.len(), 0);
        assert_eq!(store.last_change().unwrap(), 300 + gone + left.len() as u64);
    }
}
