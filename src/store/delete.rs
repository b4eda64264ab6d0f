//! Deleting responses and surveys for real: the records go, then the
//! database is rewritten so that their bytes leave the files
//! (`rewrite.rs`; docs/store.md, "Deleting for real").

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::database::{Sled, Store, open_again, open_sled, poisoned, record_error};
use super::error::{StoreError, write_error};
use super::keys;
use super::record;
use super::rewrite::{self, Step};
use super::watch::StoreEvent;
use crate::core::retention::Selection;

/// How long a rewrite waits for readings in progress (a long export
/// through the socket) to let go of sled's handles.
const REWRITE_WAIT: Duration = Duration::from_secs(10);

/// What a delete of responses did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Deleted {
    pub responses: u64,
    /// False when the rewrite failed or had to wait (the records are gone
    /// from every reading; their bytes leave the files at the next open).
    pub rewritten: bool,
}

/// What `delete --all` did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SurveyDeleted {
    pub versions: u64,
    pub responses: u64,
    /// It was the active survey (no survey is active now).
    pub was_active: bool,
    pub rewritten: bool,
}

/// What one rewrite did, for the log and docs/performance.md.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Rewritten {
    pub records: u64,
    pub bytes_before: u64,
    pub bytes_after: u64,
    pub millis: u64,
}

impl Store {
    /// Deletes the responses of survey `id` that `selection` takes (all
    /// its filters at once), then rewrites the database so that their
    /// bytes leave the files. Responses stored meanwhile are never taken:
    /// the keys are chosen by one scan, and only those are removed.
    pub fn delete_responses(&self, id: &str, selection: &Selection) -> Result<Deleted, StoreError> {
        let responses = self.remove_matching(id, selection)?;
        if responses == 0 {
            return Ok(Deleted {
                responses,
                rewritten: true,
            });
        }
        tracing::info!(survey = id, deleted = responses, "responses deleted");
        Ok(Deleted {
            responses,
            rewritten: self.rewrite_logged(),
        })
    }

    /// Deletes what each survey's `keep_days` (in the version the kiosk
    /// shows) no longer keeps at `now_ms`, then rewrites the store once.
    /// Returns how many responses went; logs the count per survey, never
    /// an answer.
    pub fn apply_keep_days(&self, now_ms: i64) -> Result<u64, StoreError> {
        let mut total = 0;
        for entry in self.survey_entries()? {
            let Some(shown) = self.shown_version(&entry.id)? else {
                continue;
            };
            let Some(days) = self.survey_of(&shown)?.keep_days else {
                continue;
            };
            let n = self.remove_matching(&entry.id, &Selection::older_than_days(now_ms, days))?;
            if n > 0 {
                tracing::info!(
                    survey = %entry.id,
                    keep_days = days,
                    deleted = n,
                    "responses older than keep_days deleted"
                );
            }
            total += n;
        }
        if total > 0 {
            self.rewrite_logged();
        }
        Ok(total)
    }

    /// Removes the responses of survey `id` that `selection` takes, marking
    /// a rewrite due first; returns how many went (no rewrite yet).
    fn remove_matching(&self, id: &str, selection: &Selection) -> Result<u64, StoreError> {
        if selection.is_empty() {
            return Err(StoreError::Setting(
                "a delete needs at least one filter".into(),
            ));
        }
        let sled = self.sled_for_write()?;
        if self.entry_in(&sled, id)?.is_none() {
            return Err(StoreError::UnknownSurvey(id.to_owned()));
        }
        let mut chosen = Vec::new();
        for item in sled.responses.scan_prefix(keys::survey_prefix(id)) {
            let (key, value) = item.map_err(|e| self.read_failed(e))?;
            let response = record::decode_response(&value)
                .map_err(|e| record_error(&self.dir, keys::RESPONSES, &key, e))?;
            if selection.matches(&response) {
                chosen.push(key);
            }
        }
        let n = chosen.len() as u64;
        if n > 0 {
            self.mark_rewrite_due(&sled)?;
            // In transactions of a thousand, each remove with its outbox
            // change: a sled batch of 200,000 removes took seconds and a
            // gigabyte. Not atomic as a whole, and it need not be: after
            // a crash part of them are gone, and the same delete again
            // takes the rest (docs/store.md, "Deleting for real").
            self.aggregates_stale(&sled, id)?;
            self.drop_texts(&sled, id)?;
            self.outbox_remove(&sled, &chosen)?;
            self.sync_handles(&sled)?;
            drop(sled);
            self.watchers.notify(StoreEvent::Imported);
        }
        Ok(n)
    }

    /// Deletes survey `id` whole: its responses, versions, entry and shown
    /// version, and the active mark if it was the active survey (then no
    /// survey is active); then rewrites the database.
    pub fn delete_survey(&self, id: &str) -> Result<SurveyDeleted, StoreError> {
        let mut done = SurveyDeleted::default();
        {
            let sled = self.sled_for_write()?;
            let _writing = self.writing(&sled)?;
            let entry = self
                .entry_in(&sled, id)?
                .ok_or_else(|| StoreError::UnknownSurvey(id.to_owned()))?;
            self.mark_rewrite_due(&sled)?;
            let mut chosen = Vec::new();
            for item in sled.responses.scan_prefix(keys::survey_prefix(id)).keys() {
                chosen.push(item.map_err(|e| self.read_failed(e))?);
            }
            self.drop_aggregates(&sled, id)?;
            done.responses = self.outbox_remove(&sled, &chosen)?;
            for v in &entry.versions {
                sled.versions
                    .remove(v.hash.0)
                    .map_err(|e| self.write_failed(e))?;
                done.versions += 1;
            }
            sled.shown
                .remove(id.as_bytes())
                .map_err(|e| self.write_failed(e))?;
            done.was_active = self.active_in(&sled)?.as_deref() == Some(id);
            if done.was_active {
                sled.meta
                    .remove(keys::META_ACTIVE)
                    .map_err(|e| self.write_failed(e))?;
            }
            // The entry last: a survey listed always has its versions.
            sled.surveys
                .remove(id.as_bytes())
                .map_err(|e| self.write_failed(e))?;
            self.unrecorded.lock().map_err(|_| poisoned())?.remove(id);
            self.sync_handles(&sled)?;
        }
        self.watchers.notify(StoreEvent::SurveysChanged);
        tracing::info!(
            survey = id,
            responses = done.responses,
            versions = done.versions,
            "survey deleted"
        );
        done.rewritten = self.rewrite_logged();
        Ok(done)
    }

    fn mark_rewrite_due(&self, sled: &Sled) -> Result<(), StoreError> {
        sled.meta
            .insert(keys::META_REWRITE_DUE, &[1u8])
            .map_err(|e| self.write_failed(e))?;
        self.sync_handles(sled)
    }

    /// Whether a rewrite is due (a delete was not followed by one).
    pub fn rewrite_due(&self) -> Result<bool, StoreError> {
        self.sled()?
            .meta
            .contains_key(keys::META_REWRITE_DUE)
            .map_err(|e| self.read_failed(e))
    }

    /// A rewrite, its failure logged: the delete it follows stands.
    fn rewrite_logged(&self) -> bool {
        match self.rewrite() {
            Ok(done) => {
                tracing::info!(
                    records = done.records,
                    bytes_before = done.bytes_before,
                    bytes_after = done.bytes_after,
                    ms = done.millis,
                    "store rewritten"
                );
                true
            }
            Err(e) => {
                tracing::warn!("the store could not be rewritten now (at the next open): {e}");
                false
            }
        }
    }

    /// Copies every live record into a fresh database and swaps it in
    /// (see `rewrite.rs`), so that deleted records leave the files. Every
    /// other use of the store in this process waits meanwhile; our
    /// `kioski.lock` stays held throughout.
    pub fn rewrite(&self) -> Result<Rewritten, StoreError> {
        self.rewrite_until(None)
    }

    /// [`Store::rewrite`], stopped after `stop` as a crash would (tests).
    pub(super) fn rewrite_until(&self, stop: Option<Step>) -> Result<Rewritten, StoreError> {
        let started = Instant::now();
        // Every write in progress ends first, and new ones wait until the
        // new database is in place; reads go on through the old handles,
        // which nothing changes meanwhile.
        let _gate = self.gate.write().map_err(|_| poisoned())?;
        let old = self.sled()?;
        let failed = |e: std::io::Error| StoreError::Write(format!("rewriting the store: {e}"));
        let db_dir = self.dir.join(rewrite::DB_DIR);
        let new_dir = self.dir.join(rewrite::NEW_DIR);
        let bytes_before = rewrite::size_of(&db_dir);
        let copied = (|| {
            if new_dir.exists() {
                std::fs::remove_dir_all(&new_dir).map_err(failed)?;
            }
            let new = open_sled(&self.dir, &new_dir)?;
            let cut = (stop == Some(Step::Copying)).then_some(1);
            let records = rewrite::copy_trees(
                &old.db,
                &new,
                |tree, key| tree == keys::META.as_bytes() && key == keys::META_REWRITE_DUE,
                cut,
            )
            .map_err(write_error)?;
            new.flush().map_err(write_error)?;
            drop(new);
            rewrite::wait_released(&new_dir.join("db"), REWRITE_WAIT).map_err(failed)?;
            if stop == Some(Step::Copying) {
                return Ok(records);
            }
            rewrite::sync_tree(&new_dir).map_err(failed)?;
            if stop != Some(Step::Copied) {
                rewrite::mark_complete(&new_dir).map_err(failed)?;
            }
            Ok(records)
        })();
        let records = match copied {
            Ok(records) => records,
            Err(e) => {
                let _ = std::fs::remove_dir_all(&new_dir);
                return Err(e);
            }
        };
        if matches!(stop, Some(Step::Copying | Step::Copied | Step::Marked)) {
            // A crash here leaves the old store and the new copy: the old
            // one goes on, as `recover` makes it at the next open.
            return Ok(Rewritten::default());
        }
        // The swap: from here reads wait too, once the readings still
        // using the old handles (a scan in progress) have ended.
        let until = Instant::now() + REWRITE_WAIT;
        let mut slot = loop {
            let slot = self.sled.write().map_err(|_| poisoned())?;
            // The slot's handle and `old`: nobody else's.
            if slot.as_ref().is_none_or(|s| Arc::strong_count(s) <= 2) {
                break slot;
            }
            drop(slot);
            if Instant::now() >= until {
                let _ = std::fs::remove_dir_all(&new_dir);
                return Err(StoreError::Relayed {
                    message: "a long reading still uses the store, so it cannot be rewritten yet"
                        .into(),
                    hint: Some("try again in a moment".into()),
                    store_problem: true,
                });
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        drop(slot.take());
        drop(old);
        // sled's lock on its data file goes with its last handle, a moment
        // after the drop; the swap waits for it, so no thread of the old
        // database still writes while its directory goes.
        rewrite::wait_released(&db_dir.join("db"), REWRITE_WAIT).map_err(failed)?;
        if let Err(e) = rewrite::swap(&self.dir, stop) {
            tracing::warn!("the rewrite's swap failed: {e}");
            rewrite::recover(&self.dir).map_err(failed)?;
            *slot = Some(Arc::new(open_again(&self.dir)?));
            return Err(failed(e));
        }
        if stop.is_some() {
            return Ok(Rewritten::default());
        }
        *slot = Some(Arc::new(open_again(&self.dir)?));
        Ok(Rewritten {
            records,
            bytes_before,
            bytes_after: rewrite::size_of(&db_dir),
            millis: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::answer::Answer;
    use crate::core::response::Response;
    use crate::core::validate::survey_from_str;
    use std::path::Path;

    const NOTE: &str = "id = \"muistio\"\nlanguages = [\"en\"]\ntitle = { en = \"Notes\" }\nthanks = { en = \"Thanks\" }\n\n[[question]]\nid = \"note\"\ntype = \"text\"\nrequired = true\ntext = { en = \"Anything?\" }\n";
    const NOW: i64 = 1_790_000_000_000;

    fn note(store: &Store, n: u128, text: &str, complete: bool) -> Response {
        let survey = survey_from_str(NOTE).unwrap();
        let version = store.load(&survey, NOTE, NOW).unwrap().hash;
        let r = Response {
            id: uuid::Uuid::from_u128((0x0190_0000_0000_7000_8000_u128 << 48) + n),
            survey: "muistio".into(),
            version,
            terminal: "t".into(),
            lang: survey.languages[0],
            started_ms: NOW,
            submitted_ms: NOW + 1,
            complete,
            answers: [("note".to_owned(), Answer::Text(text.into()))].into(),
            simulated: false,
            suspect: false,
        };
        store.submit(&r).unwrap();
        r
    }

    fn files_contain(dir: &Path, needle: &str) -> bool {
        std::fs::read_dir(dir).unwrap().flatten().any(|e| {
            let path = e.path();
            if path.is_dir() {
                files_contain(&path, needle)
            } else {
                std::fs::read(&path)
                    .unwrap()
                    .windows(needle.len())
                    .any(|w| w == needle.as_bytes())
            }
        })
    }

    fn texts(store: &Store) -> Vec<String> {
        store
            .responses("muistio")
            .map(|r| match &r.unwrap().answers["note"] {
                Answer::Text(t) => t.clone(),
                other => panic!("{other:?}"),
            })
            .collect()
    }

    #[test]
    fn a_delete_leaves_no_byte_of_the_deleted_answer_in_any_file() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), "test").unwrap();
        note(&store, 1, "keep-alpha-1f", true);
        note(&store, 2, "gone-bravo-2e", false);
        note(&store, 3, "keep-charlie-3d", true);
        assert!(files_contain(dir.path(), "gone-bravo-2e"));
        let partial = Selection {
            partial: true,
            ..Selection::default()
        };
        let done = store.delete_responses("muistio", &partial).unwrap();
        assert_eq!(done.responses, 1);
        assert!(done.rewritten);
        assert!(!files_contain(dir.path(), "gone-bravo-2e"));
        assert!(files_contain(dir.path(), "keep-alpha-1f"));
        // The store goes on as before, in this process and the next.
        note(&store, 4, "keep-delta-4c", true);
        assert_eq!(
            texts(&store),
            ["keep-alpha-1f", "keep-charlie-3d", "keep-delta-4c"]
        );
        assert!(!store.rewrite_due().unwrap());
        drop(store);
        let store = Store::open(dir.path(), "test").unwrap();
        assert_eq!(texts(&store).len(), 3);
        assert_eq!(store.active().unwrap().as_deref(), Some("muistio"));
    }

    /// A rewrite cut after each of its steps (as a crash would cut it)
    /// opens to a whole store with every kept record, and the deleted
    /// bytes leave the files at that open.
    #[test]
    fn a_rewrite_cut_at_any_step_opens_to_the_old_or_the_new_store() {
        for stop in [
            Step::Copying,
            Step::Copied,
            Step::Marked,
            Step::OldMoved,
            Step::NewMoved,
        ] {
            let dir = tempfile::tempdir().unwrap();
            let store = Store::open(dir.path(), "test").unwrap();
            note(&store, 1, "keep-alpha-1f", true);
            let gone = note(&store, 2, "gone-bravo-2e", false);
            note(&store, 3, "keep-charlie-3d", true);
            {
                let sled = store.sled().unwrap();
                store.mark_rewrite_due(&sled).unwrap();
                // As `remove_matching` does: the texts, then the response.
                store.aggregates_stale(&sled, "muistio").unwrap();
                store.drop_texts(&sled, "muistio").unwrap();
                sled.responses
                    .remove(keys::response("muistio", &gone.id))
                    .unwrap();
                store.sync_handles(&sled).unwrap();
            }
            store.rewrite_until(Some(stop)).unwrap();
            drop(store);
            let store = Store::open(dir.path(), "test").unwrap();
            assert_eq!(
                texts(&store),
                ["keep-alpha-1f", "keep-charlie-3d"],
                "cut at {stop:?}"
            );
            assert!(!store.rewrite_due().unwrap(), "cut at {stop:?}");
            for left in [rewrite::NEW_DIR, rewrite::OLD_DIR] {
                assert!(!dir.path().join(left).exists(), "{left} after {stop:?}");
            }
            assert!(
                !files_contain(dir.path(), "gone-bravo-2e"),
                "cut at {stop:?}"
            );
            note(&store, 4, "keep-delta-4c", true);
            assert_eq!(texts(&store).len(), 3, "cut at {stop:?}");
        }
    }

    #[test]
    fn delete_all_takes_the_survey_and_its_active_mark() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), "test").unwrap();
        note(&store, 1, "alpha-note-91", true);
        note(&store, 2, "bravo-note-92", false);
        let done = store.delete_survey("muistio").unwrap();
        assert_eq!(
            done,
            SurveyDeleted {
                versions: 1,
                responses: 2,
                was_active: true,
                rewritten: true
            }
        );
        assert!(store.survey_entries().unwrap().is_empty());
        assert_eq!(store.active().unwrap(), None);
        assert_eq!(store.responses("muistio").count(), 0);
        assert!(!files_contain(dir.path(), "alpha-note-91"));
        assert!(!files_contain(dir.path(), "Anything?"));
        assert!(matches!(
            store.delete_survey("muistio"),
            Err(StoreError::UnknownSurvey(_))
        ));
    }

    /// A thread that submits while deletes and rewrites run loses
    /// nothing: each submit waits for the rewrite, or lands before it and
    /// is copied.
    #[test]
    fn submits_during_a_rewrite_are_all_kept() {
        use std::sync::atomic::{AtomicBool, Ordering};
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(Store::open(dir.path(), "test").unwrap());
        let template = note(&store, 1, "first", false);
        let stop = Arc::new(AtomicBool::new(false));
        let writer = {
            let (store, stop) = (store.clone(), stop.clone());
            std::thread::spawn(move || {
                let mut ids = Vec::new();
                let mut n = 0u128;
                while !stop.load(Ordering::SeqCst) {
                    n += 1;
                    let mut r = template.clone();
                    r.id = uuid::Uuid::from_u128((0x0191_0000_0000_7000_8000_u128 << 48) + n);
                    r.complete = true;
                    store.submit(&r).unwrap();
                    ids.push(r.id);
                }
                ids
            })
        };
        let partial = Selection {
            partial: true,
            ..Selection::default()
        };
        for _ in 0..5 {
            store.delete_responses("muistio", &partial).unwrap();
            store.rewrite().unwrap();
        }
        stop.store(true, Ordering::SeqCst);
        let ids = writer.join().unwrap();
        for id in &ids {
            assert!(store.has_response("muistio", id).unwrap(), "{id} was lost");
        }
        assert_eq!(store.responses("muistio").count(), ids.len());
    }

    fn pulse_store(dir: &Path, n: usize, keep: Option<u32>) -> Store {
        use crate::core::simulate::{Setup, respondent};
        use rand::SeedableRng;
        let source = include_str!("../../surveys/pulssi.toml");
        let source = match keep {
            Some(days) => format!("keep_days = {days}\n{source}"),
            None => source.to_owned(),
        };
        let store = Store::open(dir, "test").unwrap();
        let survey = survey_from_str(&source).unwrap();
        let version = store.load(&survey, &source, NOW).unwrap().hash;
        let setup = Setup {
            survey: &survey,
            version,
            terminal: "t",
            now_ms: NOW,
            utc_offset_ms: 0,
        };
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
        let all: Vec<Response> = (0..n)
            .map(|i| respondent(&mut rng, &setup, i as f64 / n as f64))
            .collect();
        store.submit_many(&all).unwrap();
        store
    }

    /// Reads go on while the rewrite copies: one finishes while
    /// `db.new/` is still being written.
    #[test]
    fn reads_go_on_while_a_rewrite_copies() {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(pulse_store(dir.path(), 40_000, None));
        let rewriting = {
            let store = store.clone();
            std::thread::spawn(move || store.rewrite().unwrap())
        };
        let new = dir.path().join(rewrite::NEW_DIR);
        while !new.exists() && !rewriting.is_finished() {
            std::thread::yield_now();
        }
        assert_eq!(store.active().unwrap().as_deref(), Some("pulssi"));
        let copying = new.exists() && !new.join(rewrite::COMPLETE).exists();
        rewriting.join().unwrap();
        assert!(copying, "the read waited for the whole rewrite");
        assert_eq!(store.responses("pulssi").count(), 40_000);
    }

    #[test]
    fn keep_days_deletes_only_what_is_older() {
        let dir = tempfile::tempdir().unwrap();
        let store = pulse_store(dir.path(), 500, Some(90));
        let cut = NOW - 90 * crate::core::retention::DAY_MS;
        let old = store
            .responses("pulssi")
            .filter(|r| r.as_ref().unwrap().submitted_ms < cut)
            .count() as u64;
        assert!(old > 0 && old < 500);
        assert_eq!(store.apply_keep_days(NOW).unwrap(), old);
        assert!(
            store
                .responses("pulssi")
                .all(|r| r.unwrap().submitted_ms >= cut)
        );
        assert_eq!(store.apply_keep_days(NOW).unwrap(), 0);
        // A survey without the key keeps everything.
        let dir = tempfile::tempdir().unwrap();
        let store = pulse_store(dir.path(), 100, None);
        assert_eq!(store.apply_keep_days(NOW + 10_000 * 86_400_000).unwrap(), 0);
        assert_eq!(store.responses("pulssi").count(), 100);
    }
}
