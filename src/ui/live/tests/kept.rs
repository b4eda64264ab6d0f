//! The first count from the counts a store keeps ready: no response is
//! decoded but today's and the last hours', the figures are a full fold's,
//! and a response stored around the count is counted once, on a store of
//! its own and through a running kiosk's socket.

use std::cell::{Cell, RefCell};
use std::os::unix::net::UnixListener;
use std::path::Path;

use super::*;
use crate::core::tally::GroupedTally;
use crate::remote::protocol::{
    Failure, MAX_REPLY_BYTES, MAX_REQUEST_BYTES, Reply, Request, read_frame, write_frame,
};
use crate::remote::{Client, serve};
use crate::store::{
    ReadStore, Responses, Store, StoreError, StoreEvent, StoredVersion, SurveyEntry,
};
use crate::ui::live::run::{LiveSetup, count_in};

/// A store that counts the responses it decodes for a full scan, and can
/// store one more the moment it is asked for its kept counts (as if a
/// respondent finished just then).
struct Watched<'a> {
    store: &'a Store,
    decoded: Cell<usize>,
    kept_asked: Cell<usize>,
    during_kept: RefCell<Option<Response>>,
}

impl<'a> Watched<'a> {
    fn new(store: &'a Store) -> Watched<'a> {
        Watched {
            store,
            decoded: Cell::new(0),
            kept_asked: Cell::new(0),
            during_kept: RefCell::new(None),
        }
    }
}

impl ReadStore for Watched<'_> {
    fn active(&self) -> Result<Option<String>, StoreError> {
        self.store.active()
    }
    fn survey_entries(&self) -> Result<Vec<SurveyEntry>, StoreError> {
        self.store.survey_entries()
    }
    fn survey_entry(&self, id: &str) -> Result<Option<SurveyEntry>, StoreError> {
        self.store.survey_entry(id)
    }
    fn version(&self, hash: &VersionHash) -> Result<Option<StoredVersion>, StoreError> {
        self.store.version(hash)
    }
    fn survey_of(&self, hash: &VersionHash) -> Result<Arc<Survey>, StoreError> {
        self.store.survey_of(hash)
    }
    fn responses<'a>(&'a self, id: &str) -> Responses<'a> {
        Box::new(self.store.responses(id).inspect(|_| {
            self.decoded.set(self.decoded.get() + 1);
        }))
    }
    fn has_pin(&self) -> Result<bool, StoreError> {
        self.store.has_pin()
    }
    fn terminal_name(&self) -> Result<Option<String>, StoreError> {
        self.store.terminal_name()
    }
    fn shown_version(&self, id: &str) -> Result<Option<VersionHash>, StoreError> {
        self.store.shown_version(id)
    }
    fn tally_kept(&self, id: &str, tally: &mut GroupedTally) -> Result<bool, StoreError> {
        self.kept_asked.set(self.kept_asked.get() + 1);
        if let Some(r) = self.during_kept.borrow_mut().take() {
            self.store.submit(&r)?;
        }
        ReadStore::tally_kept(self.store, id, tally)
    }
    fn responses_since(
        &self,
        id: &str,
        since_ms: i64,
    ) -> Result<Option<Vec<Response>>, StoreError> {
        ReadStore::responses_since(self.store, id, since_ms)
    }
}

fn now() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}

fn short_dir() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("kk-")
        .tempdir_in("/tmp")
        .unwrap()
}

/// The demo survey's store: a year of respondents before `now`, and some
/// today, in the last hours and one dated ahead (another terminal's clock).
fn desk_store(dir: &Path, now: i64) -> (Store, Arc<Survey>) {
    let store = Store::open(dir, "test").unwrap();
    let survey = desk();
    store
        .load(&survey, crate::core::demo::DEMO_SOURCE, now)
        .unwrap();
    let setup = Setup {
        survey: &survey,
        version: VersionHash::of(&survey),
        terminal: "desk-1",
        now_ms: now,
        utc_offset_ms: OFFSET_MS,
    };
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let year: Vec<Response> = (0..300)
        .map(|i| simulate::respondent(&mut rng, &setup, f64::from(i) / 300.0))
        .collect();
    store.submit_many(&year).unwrap();
    let times = [
        now - 50 * HOUR_MS,
        now - 26 * HOUR_MS,
        now - 3 * HOUR_MS,
        now - 20 * 60_000,
        now - 60_000,
        now + 10 * 60_000,
    ];
    for r in live_responses(&survey, 3, &times) {
        store.submit(&r).unwrap();
    }
    (store, survey)
}

/// Respondents at `times` (ids of those times, as a kiosk makes them).
fn live_responses(survey: &Survey, seed: u64, times: &[i64]) -> Vec<Response> {
    at_times(survey, seed, times, OFFSET_MS)
}

fn live_setup(full_scan: bool) -> LiveSetup {
    LiveSetup {
        survey: "palvelupiste".into(),
        grouping: grouping(OFFSET_MS),
        utc_offset_ms: OFFSET_MS,
        theme: Theme::PLAIN,
        lang: None,
        full_scan,
    }
}

/// What the view shows, at `at` and an hour and a day later.
fn figures(live: &mut Live, at: i64) -> String {
    let result = live.result().clone();
    let mut out = serde_json::to_string(&result).unwrap();
    for t in [at, at + HOUR_MS, at + 11 * 60_000, at + DAY_MS] {
        out.push_str(&format!(
            "\n{} {:?} {:?}",
            live.today(t),
            live.per_hour(t, 72),
            live.last_response_ms(t)
        ));
    }
    out
}

fn count(read: &dyn ReadStore, survey: &Survey, full_scan: bool, g: Grouping) -> Live {
    let mut setup = live_setup(full_scan);
    setup.survey = survey.id.clone();
    count_in(read, Source::Own, &setup, g).unwrap()
}

#[test]
fn the_first_count_takes_the_kept_counts_and_decodes_only_the_recent_responses() {
    let tmp = short_dir();
    let now = now();
    let (store, survey) = desk_store(&tmp.path().join("s"), now);
    let by = Grouping {
        by: Some(By::Question("compared".into())),
        ..grouping(OFFSET_MS)
    };
    let partial = Grouping {
        include_partial: true,
        include_suspect: true,
        ..grouping(OFFSET_MS)
    };
    for g in [grouping(OFFSET_MS), by, partial] {
        let watched = Watched::new(&store);
        let mut kept = count(&watched, &survey, false, g.clone());
        if GroupedTally::new(&survey, g.clone())
            .unwrap()
            .counts_apply()
        {
            assert_eq!(watched.decoded.get(), 0, "{g:?}: a full scan");
        }
        let mut full = count(&watched, &survey, true, g.clone());
        assert!(watched.decoded.get() >= 306, "{}", watched.decoded.get());
        assert_eq!(figures(&mut kept, now), figures(&mut full, now), "{g:?}");
    }
}

#[test]
fn a_response_stored_around_the_count_is_counted_once() {
    let tmp = short_dir();
    let now = now();
    let (store, survey) = desk_store(&tmp.path().join("s"), now);
    // The loop forwards notices from before the count on.
    let notices = store.watch();
    let [before, during, after]: [Response; 3] =
        live_responses(&survey, 9, &[now - 3_000, now - 2_000, now - 1_000])
            .try_into()
            .unwrap();
    store.submit(&before).unwrap();
    let watched = Watched::new(&store);
    *watched.during_kept.borrow_mut() = Some(during.clone());
    let mut live = count(&watched, &survey, false, grouping(OFFSET_MS));
    // The one stored between the reads beside the counts: read again.
    assert_eq!(watched.kept_asked.get(), 2);
    assert_eq!(watched.decoded.get(), 0);
    store.submit(&after).unwrap();
    let mut accepted = Vec::new();
    while let Ok(StoreEvent::Stored(r)) = notices.try_recv() {
        accepted.push((r.id, live.accept(&r, &survey)));
    }
    assert_eq!(
        accepted,
        vec![(before.id, false), (during.id, false), (after.id, true)]
    );
    assert!(!live.stale());
    let mut full = count(&store, &survey, true, grouping(OFFSET_MS));
    assert_eq!(figures(&mut live, now), figures(&mut full, now));

    // A notice of a response older than the hours read (an import's):
    // perhaps in the counts already, so the view counts again.
    let old = live_responses(&survey, 10, &[now - 20 * DAY_MS]).remove(0);
    assert!(!live.accept(&old, &survey));
    assert!(live.stale());
}

#[test]
fn through_a_running_kiosk_the_first_count_is_the_owners_kept_tally() {
    let tmp = short_dir();
    let dir = tmp.path().join("s");
    let now = now();
    let (store, survey) = desk_store(&dir, now);
    let store = Arc::new(store);
    let _server = serve(store.clone(), "kiosk", None).unwrap();
    let client = Client::connect(&dir).unwrap().expect("the kiosk serves");
    let mut empty = GroupedTally::new(&survey, grouping(OFFSET_MS)).unwrap();
    assert!(
        client.tally_kept(&survey.id, &mut empty).unwrap(),
        "the kiosk sent no kept tally"
    );
    let by = Grouping {
        by: Some(By::Question("compared".into())),
        period: Some(crate::core::tally::Period::Month),
        ..grouping(OFFSET_MS)
    };
    for g in [grouping(OFFSET_MS), by] {
        let mut through = count(&client, &survey, false, g.clone());
        let mut full = count(store.as_ref(), &survey, true, g.clone());
        assert_eq!(figures(&mut through, now), figures(&mut full, now), "{g:?}");
    }
}

/// An owner older than the new requests refuses them as it refuses any
/// request it cannot read: the client folds the responses instead.
#[test]
fn an_owner_that_refuses_the_new_requests_leaves_the_client_folding() {
    let tmp = short_dir();
    let dir = tmp.path().join("s");
    std::fs::create_dir_all(&dir).unwrap();
    let listener = UnixListener::bind(dir.join("kioski.sock")).unwrap();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            let Ok(mut conn) = conn else { return };
            // It reads `Owner`; what it cannot read it refuses, in words.
            let reply = match read_frame::<Request>(&mut conn, MAX_REQUEST_BYTES) {
                Ok(Request::Owner) => Reply::Owner {
                    command: "kiosk".into(),
                    pid: 1,
                },
                _ => Reply::Failed(Failure {
                    message: "`kioski kiosk` (pid 1) refused the request: the message is \
                              malformed"
                        .into(),
                    hint: Some("use the same kioski version as the running kiosk".into()),
                    store_problem: false,
                }),
            };
            let _ = write_frame(&mut conn, &reply, MAX_REPLY_BYTES);
        }
    });
    let client = Client::connect(&dir).unwrap().expect("it answers");
    let survey = desk();
    let mut tally = GroupedTally::new(&survey, grouping(OFFSET_MS)).unwrap();
    assert!(!client.tally_kept(&survey.id, &mut tally).unwrap());
    assert_eq!(client.responses_since(&survey.id, now()).unwrap(), None);
}
