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

use serde::{Deserialize, Serialize};
use sled::Transactional;
use sled::transaction::{ConflictableTransactionError, TransactionError};
use uuid::Uuid;

use super::codec::{self, CodecError};
use super::database::{Sled, Store, SurveyStats, encode_error};
use super::error::StoreError;
use super::keys;
use crate::core::answer::{Answer, Picked};
use crate::core::response::Response;
use crate::core::survey::Survey;
use crate::core::tally::{CellCounter, CellFlags, GroupedTally, TallyCounts, TextEntry};
use crate::core::version::VersionHash;

/// The layout of cells, texts and markers. Another number in a marker
/// (an older or newer kioski wrote them) means: count again.
pub const AGGREGATE_FORMAT: u8 = 1;

/// A response's free texts as stored in `texts`.
#[derive(Serialize, Deserialize)]
struct TextEntryV1 {
    version: [u8; 32],
    submitted_ms: i64,
    flags: u8,
    terminal: String,
    /// Question id, 0 text / 1 a choice's "other" / 2 a multi's "other", text.
    answers: Vec<(String, u8, String)>,
}

fn encode_text(e: &TextEntry) -> Result<Vec<u8>, CodecError> {
    let answers = e
        .answers
        .iter()
        .filter_map(|(id, a)| match a {
            Answer::Text(t) => Some((id.clone(), 0, t.clone())),
            Answer::Choice(Picked::Other(t)) => Some((id.clone(), 1, t.clone())),
            Answer::Multi { other: Some(t), .. } => Some((id.clone(), 2, t.clone())),
            _ => None,
        })
        .collect();
    codec::encode(
        AGGREGATE_FORMAT,
        &TextEntryV1 {
            version: e.version.0,
            submitted_ms: e.submitted_ms,
            flags: e.flags.bits(),
            terminal: e.terminal.clone(),
            answers,
        },
    )
}

fn decode_text(key: &[u8], bytes: &[u8]) -> Result<TextEntry, CodecError> {
    let (_, body) = codec::split(bytes, AGGREGATE_FORMAT)?;
    let e: TextEntryV1 = codec::decode_body(body)?;
    let malformed = |what: &str| CodecError::Malformed(what.to_owned());
    let id = key
        .len()
        .checked_sub(16)
        .and_then(|at| Uuid::from_slice(&key[at..]).ok())
        .ok_or_else(|| malformed("a text entry's key holds no response id"))?;
    let answers = e
        .answers
        .into_iter()
        .map(|(q, kind, text)| {
            let a = match kind {
                0 => Answer::Text(text),
                1 => Answer::Choice(Picked::Other(text)),
                2 => Answer::Multi {
                    options: Vec::new(),
                    other: Some(text),
                },
                _ => return Err(malformed("a text entry of an unknown kind")),
            };
            Ok((q, a))
        })
        .collect::<Result<_, _>>()?;
    Ok(TextEntry {
        response: id,
        version: VersionHash(e.version),
        submitted_ms: e.submitted_ms,
        flags: CellFlags::from_bits(e.flags).ok_or_else(|| malformed("unknown flags"))?,
        terminal: e.terminal,
        answers,
    })
}

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

/// The cells and texts of one survey, counted from its responses.
#[derive(Default)]
struct Recount {
    cells: BTreeMap<Vec<u8>, TallyCounts>,
    texts: Vec<(Vec<u8>, Vec<u8>)>,
}

/// Cells by key, decoded.
type Cells = Vec<(Vec<u8>, TallyCounts)>;

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
    /// under the outbox's mutex), their counts and their texts, where the
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
        let mut texts = Vec::new();
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
            counter.add(keys::tally_cell(r), r, &*self.survey_of(&r.version)?);
            if let Some(t) = TextEntry::of(r) {
                texts.push((
                    keys::response(&r.survey, &r.id),
                    encode_text(&t).map_err(encode_error)?,
                ));
            }
        }
        let cells: Vec<(Vec<u8>, TallyCounts)> = counters
            .into_values()
            .flatten()
            .flat_map(CellCounter::finish)
            .collect();
        let trees = (&sled.responses, &sled.tallies, &sled.texts, &sled.outbox);
        self.outbox_numbered(|start| {
            let result = trees.transaction(|(responses, tallies, text_tree, outbox)| {
                let mut seq = start;
                for ((key, value, r), change) in records.iter().zip(&changes) {
                    if responses
                        .insert(key.as_slice(), value.as_slice())?
                        .is_none()
                    {
                        seq += 1;
                        outbox.insert(&keys::change(seq), change.as_slice())?;
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
                for (key, value) in &texts {
                    text_tree.insert(key.as_slice(), value.as_slice())?;
                }
                Ok(seq)
            });
            result.map_err(|e| match e {
                TransactionError::Abort(e) => e,
                TransactionError::Storage(e) => self.write_failed(e),
            })
        })
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
        for tree in [&sled.tallies, &sled.texts] {
            for key in tree.scan_prefix(keys::survey_prefix(id)).keys() {
                let key = key.map_err(|e| self.read_failed(e))?;
                tree.remove(key).map_err(|e| self.write_failed(e))?;
            }
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
            counter.add(keys::tally_cell(&r), &r, &*self.survey_of(&r.version)?);
            if let Some(t) = TextEntry::of(&r) {
                out.texts.push((
                    keys::response(&r.survey, &r.id),
                    encode_text(&t).map_err(encode_error)?,
                ));
            }
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
        for chunk in recount.texts.chunks(10_000) {
            let mut batch = sled::Batch::default();
            for (key, value) in chunk {
                batch.insert(key.as_slice(), value.as_slice());
            }
            sled.texts
                .apply_batch(batch)
                .map_err(|e| self.write_failed(e))?;
        }
        sled.tallies
            .insert(keys::tally_marker(id), encode_marker(&newest))
            .map_err(|e| self.write_failed(e))?;
        self.sync_handles(&sled)
    }

    /// Survey `id`'s stored cells, by key, decoded; `None` when one does
    /// not decode.
    fn stored_cells(&self, sled: &Sled, id: &str) -> Result<Option<Cells>, StoreError> {
        let mut out = Vec::new();
        for item in sled.tallies.scan_prefix(keys::survey_prefix(id)) {
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
    /// the newest version, one that [`GroupedTally::counts_apply`]);
    /// `false` when they cannot make it (the caller folds the responses).
    pub fn tally_from_aggregates(
        &self,
        id: &str,
        tally: &mut GroupedTally,
    ) -> Result<bool, StoreError> {
        if !tally.counts_apply() {
            return Ok(false);
        }
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
            let Some(cells) = self.stored_cells(&sled, id)? else {
                // Damaged: count again, once.
                if attempt == 0 {
                    self.aggregates_stale(&sled, id)?;
                    continue;
                }
                return Ok(false);
            };
            let mut filled = tally.clone();
            let survey_of = |h: &VersionHash| self.survey_of(h).ok();
            let mut fits = true;
            for (key, c) in &cells {
                let (Some(flags), Some(terminal)) = (
                    keys::tally_cell_flags(key).and_then(CellFlags::from_bits),
                    keys::tally_cell_terminal(key),
                ) else {
                    fits = false;
                    break;
                };
                if filled.add_counts(c, flags, terminal, &survey_of).is_err() {
                    fits = false;
                    break;
                }
            }
            if fits {
                for item in sled.texts.scan_prefix(keys::survey_prefix(id)).rev() {
                    let (key, value) = item.map_err(|e| self.read_failed(e))?;
                    match decode_text(&key, &value) {
                        Ok(e) if filled.add_texts(&e, id, &survey_of).is_ok() => {}
                        _ => {
                            fits = false;
                            break;
                        }
                    }
                }
            }
            if fits {
                *tally = filled;
                return Ok(true);
            }
            if attempt == 0 {
                self.aggregates_stale(&sled, id)?;
            }
        }
        Ok(false)
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
            report.responses += recount.cells.values().map(|c| c.responses).sum::<u64>();
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
            let mut kept_texts: BTreeMap<Vec<u8>, Vec<u8>> = BTreeMap::new();
            for item in sled.texts.scan_prefix(keys::survey_prefix(id)) {
                let (key, value) = item.map_err(|e| self.read_failed(e))?;
                kept_texts.insert(key.to_vec(), value.to_vec());
            }
            let (mut missing, mut differ) = (0u64, 0u64);
            for (key, value) in &recount.texts {
                match kept_texts.remove(key) {
                    None => missing += 1,
                    Some(v) if v != *value => differ += 1,
                    Some(_) => {}
                }
            }
            let extra = kept_texts.len();
            if missing + differ > 0 || extra > 0 {
                out.push(format!(
                    "survey {id}: free texts: {missing} missing, {differ} different, {extra} with no response behind them"
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
    use crate::core::retention::Selection;
    use crate::core::simulate::{Setup, respondent};
    use crate::core::tally::{GroupedResult, Grouping};
    use crate::core::validate::survey_from_str;
    use crate::store::ReadStore;
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

    fn groupings() -> Vec<Grouping> {
        let mut out = Vec::new();
        for include_partial in [false, true] {
            for include_suspect in [false, true] {
                for terminals in [&[][..], &["desk-2"][..], &["desk-1,nosuch"][..]] {
                    out.push(Grouping {
                        include_partial,
                        include_suspect,
                        terminals: terminals.iter().map(|t| t.to_string()).collect(),
                        ..Grouping::default()
                    });
                }
            }
        }
        out
    }

    /// Both paths give the same result, to the byte of its JSON.
    fn assert_same(store: &Store, id: &str) {
        for g in groupings() {
            let full = full_scan(store, id, &g);
            let kept = kept(store, id, &g).expect("the kept counts make a plain tally");
            assert_eq!(
                serde_json::to_string_pretty(&kept).unwrap(),
                serde_json::to_string_pretty(&full).unwrap(),
                "{id} with {g:?}"
            );
            assert_eq!(kept, full);
        }
        let by_scan = store.stats_by_scan(id).unwrap();
        assert_eq!(store.stats(id).unwrap(), by_scan, "{id}");
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
            assert_same(&store, id);
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
        assert_same(&store, id);
        let v2 = v1.replace("one_visit", "one_visit_now").replace(
            "  { id = \"partner\", fi = \"Yhteistyökumppani\", sv = \"Samarbetspartner\", en = \"Partner organisation\" },\n",
            "",
        );
        assert_ne!(v1, v2);
        load(&store, &v2, NOW - 300 * 86_400_000);
        // The cells were counted on version 1: counted again on version 2.
        assert_same(&store, id);
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
        assert_same(&store, id);
        let selection = Selection {
            before_ms: Some(NOW - 200 * 86_400_000),
            ..Selection::default()
        };
        assert!(store.delete_responses(id, &selection).unwrap().responses > 0);
        assert_same(&store, id);

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
        assert_same(&store, id);
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
        let (id, text) = SURVEYS[0];
        load(&store, text, NOW - 400 * 86_400_000);
        let rs = simulated(&store, id, 300, 9);
        for r in &rs[..30] {
            store.submit(r).unwrap();
        }
        assert_same(&store, id);
        // Retried: the same responses again, one by one and as a batch.
        for r in &rs[..10] {
            store.submit(r).unwrap();
        }
        assert_eq!(store.submit_batch(&rs[..60]).unwrap(), 30);
        store.submit_many(&rs[60..]).unwrap();
        store.submit_many(&rs[290..]).unwrap();
        assert_same(&store, id);
        assert!(store.check_aggregates().unwrap().differences.is_empty());
        let changes = store.changes_after(0, usize::MAX).unwrap();
        let seqs: Vec<u64> = changes.iter().map(|(s, _)| *s).collect();
        assert_eq!(seqs, (1..=300).collect::<Vec<u64>>());
        let texts = |store: &Store| store.sled().unwrap().texts.len();
        let with_texts = rs.iter().filter(|r| TextEntry::of(r).is_some()).count();
        assert!(with_texts > 0);
        assert_eq!(texts(&store), with_texts);

        let partial = Selection {
            partial: true,
            ..Selection::default()
        };
        let gone = store.delete_responses(id, &partial).unwrap().responses;
        assert!(gone > 0);
        assert_same(&store, id);
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
