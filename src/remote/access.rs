//! [`Access`]: how a command reaches a store: by owning it, or through the
//! process that does.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

use super::client::Client;
use super::place;
use super::server::{Role, Server, serve_as};
use crate::core::pin::PinCheck;
use crate::core::retention::Selection;
use crate::core::survey::Survey;
use crate::store::backup::{self, BackupError, Counts};
use crate::store::bundle::{self, BundleError, Imported, Verified};
use crate::store::prizes::PrizeEntryV1;
use crate::store::{Deleted, LoadOutcome, ReadStore, Store, StoreError, StoreEvent, SurveyDeleted};

pub enum Access {
    /// This process owns the store.
    Local(Arc<Store>),
    /// Another process owns it and answers on its socket.
    Remote(Client),
}

impl Access {
    /// Asks the store's owner if one answers on the socket; otherwise
    /// opens (and owns) the store for `command`.
    pub fn open(dir: &Path, command: &str) -> Result<Access, StoreError> {
        if let Some(client) = Client::connect(dir)? {
            tracing::debug!(owner = client.owner(), "going through the store's owner");
            return Ok(Access::Remote(client));
        }
        let store = Store::open(dir, command)?;
        // This process holds the lock now, so a socket file is stale.
        place::remove_stale(dir);
        Ok(Access::Local(Arc::new(store)))
    }

    /// Reading, the same either way.
    pub fn read(&self) -> &dyn ReadStore {
        match self {
            Access::Local(store) => store.as_ref(),
            Access::Remote(client) => client,
        }
    }

    pub fn dir(&self) -> &Path {
        match self {
            Access::Local(store) => store.dir(),
            Access::Remote(client) => client.dir(),
        }
    }

    /// Stores a validated survey as a version.
    pub fn load(
        &self,
        survey: &Survey,
        source: &str,
        now_ms: i64,
    ) -> Result<LoadOutcome, StoreError> {
        match self {
            Access::Local(store) => store.load(survey, source, now_ms),
            Access::Remote(client) => client.load(source, now_ms),
        }
    }

    pub fn activate(&self, id: &str) -> Result<(), StoreError> {
        match self {
            Access::Local(store) => store.activate(id),
            Access::Remote(client) => client.activate(id),
        }
    }

    /// Checks an admin PIN attempt where the store is: the owner verifies
    /// it and keeps the count of wrong ones (the hash never leaves it).
    pub fn check_pin(&self, attempt: &str, now_ms: i64) -> Result<PinCheck, StoreError> {
        match self {
            Access::Local(store) => store.check_pin(attempt, now_ms),
            Access::Remote(client) => client.check_pin(attempt),
        }
    }

    /// Sets the admin PIN's hash. Owning the store, this replaces any PIN
    /// (whoever can open the store's files can reset it); through a
    /// running kiosk only where none is set, demo mode (false: a PIN is
    /// set there, nothing changed).
    pub fn set_pin(&self, hash: &str) -> Result<bool, StoreError> {
        match self {
            Access::Local(store) => store.set_pin_hash(hash).map(|()| true),
            Access::Remote(client) => client.set_first_pin(hash),
        }
    }

    /// Changes the admin PIN to `hash`, or clears it (`None`), if `old`
    /// is right (see [`Store::change_pin`]); `old` counts as an attempt.
    pub fn change_pin(
        &self,
        old: &str,
        hash: Option<&str>,
        now_ms: i64,
    ) -> Result<PinCheck, StoreError> {
        match self {
            Access::Local(store) => store.change_pin(old, hash, now_ms),
            Access::Remote(client) => client.change_pin(old, hash),
        }
    }

    pub fn set_terminal_name(&self, name: &str) -> Result<(), StoreError> {
        match self {
            Access::Local(store) => store.set_terminal_name(name),
            Access::Remote(client) => client.set_terminal_name(name),
        }
    }

    /// Imports a bundle already checked by [`bundle::read_verified`] (the
    /// owner checks its own reading again).
    pub fn import(
        &self,
        path: &Path,
        verified: Verified,
        now_ms: i64,
    ) -> Result<Imported, BundleError> {
        match self {
            Access::Local(store) => bundle::import_verified(store, path, verified, now_ms),
            Access::Remote(client) => client.import(path, now_ms),
        }
    }

    /// Deletes the responses of `survey` that `selection` takes, where
    /// the store is, and rewrites it so their bytes leave its files.
    pub fn delete_responses(
        &self,
        survey: &str,
        selection: &Selection,
    ) -> Result<Deleted, StoreError> {
        match self {
            Access::Local(store) => store.delete_responses(survey, selection),
            Access::Remote(client) => client.delete_responses(survey, selection),
        }
    }

    /// Deletes survey `id` whole (refused by a kiosk that shows it).
    pub fn delete_survey(&self, id: &str) -> Result<SurveyDeleted, StoreError> {
        match self {
            Access::Local(store) => store.delete_survey(id),
            Access::Remote(client) => client.delete_survey(id),
        }
    }

    /// The store's sync target, what waits and how the last sync went.
    pub fn sync_status(&self) -> Result<crate::sync::Status, StoreError> {
        match self {
            Access::Local(store) => crate::sync::status(store),
            Access::Remote(client) => client.sync_status(),
        }
    }

    /// Stores the sync target (`None`: off); a kiosk that owns the store
    /// starts sending at once.
    pub fn set_sync_target(&self, target: Option<&str>) -> Result<(), StoreError> {
        match self {
            Access::Local(store) => store.set_sync_target(target),
            Access::Remote(client) => client.set_sync_target(target),
        }
    }

    /// Prize-draw entries per survey (see [`Store::prize_counts`]).
    pub fn prize_counts(&self) -> Result<std::collections::BTreeMap<String, u64>, StoreError> {
        match self {
            Access::Local(store) => store.prize_counts(),
            Access::Remote(client) => client.prize_counts(),
        }
    }

    /// The prize-draw entries of `surveys` (all when empty), contacts
    /// included: for a draw or a bundle, never for a log.
    pub fn prize_entries(&self, surveys: &[String]) -> Result<Vec<PrizeEntryV1>, StoreError> {
        match self {
            Access::Local(store) => store.prize_entries_of(surveys),
            Access::Remote(client) => client.prize_entries(surveys),
        }
    }

    /// Removes survey `id`'s prize-draw entries; returns how many went.
    pub fn purge_prizes(&self, id: &str) -> Result<usize, StoreError> {
        match self {
            Access::Local(store) => store.purge_prizes(id),
            Access::Remote(client) => client.purge_prizes(id),
        }
    }

    /// Writes a backup of the whole store to `out`: here, or by the owner
    /// (which keeps the PIN hash and the contacts to itself).
    pub fn backup(&self, out: &Path, now_ms: i64) -> Result<Counts, BackupError> {
        match self {
            Access::Local(store) => backup::write(store, out, now_ms),
            Access::Remote(client) => client.backup(out, now_ms),
        }
    }

    /// Store events from now on.
    pub fn watch(&self) -> Result<Receiver<StoreEvent>, StoreError> {
        match self {
            Access::Local(store) => Ok(store.watch()),
            Access::Remote(client) => client.watch(),
        }
    }
}

/// How long a starting kiosk waits for the store: for a clerk's view to
/// hand it over, or for a short command (`tally`, `load`) to finish.
const KIOSK_PATIENCE: Duration = Duration::from_secs(10);

/// How long a view started beside a starting kiosk waits for its socket.
const VIEW_PATIENCE: Duration = Duration::from_secs(3);

/// Opens the store for a starting kiosk, which always gets it: when a
/// clerk's view (`tally --live`, `kioski admin`) owns it, the kiosk asks
/// the view on its socket to hand it over (`Request::HandOver`) and takes
/// the lock once the view has let go; another command holding it is
/// waited for a few seconds. Only another kiosk is refused at once.
pub fn open_for_kiosk(dir: &Path, command: &str) -> Result<Store, StoreError> {
    let until = Instant::now() + KIOSK_PATIENCE;
    // The owner last asked, and when: asked again after a second, or at
    // once when another view took the store meanwhile.
    let mut asked: Option<(Option<u32>, Instant)> = None;
    loop {
        let owner = match Store::open(dir, command) {
            Err(StoreError::InUse { owner, .. }) if !owner.is_kiosk() && Instant::now() < until => {
                owner
            }
            done => return done,
        };
        let due = asked
            .is_none_or(|(pid, at)| pid != owner.pid || at.elapsed() >= Duration::from_secs(1));
        if owner.is_view() && due {
            asked = Some((owner.pid, Instant::now()));
            match Client::connect(dir) {
                Ok(Some(client)) => match client.hand_over() {
                    Ok(()) => {
                        tracing::info!(view = %owner, "the view handed the store over");
                        continue;
                    }
                    Err(e) => {
                        tracing::warn!(view = %owner, "the view did not hand the store over: {e}")
                    }
                },
                // Not serving yet (just started), or a view of a release
                // before hand-over: asked again in a moment.
                Ok(None) => {}
                Err(e) => tracing::warn!(view = %owner, "cannot ask the view for the store: {e}"),
            }
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// How a clerk's view (`tally --live`, `kioski admin`) reaches the store,
/// and keeps reaching it: through a running kiosk, or by owning the store
/// and serving it until a starting kiosk asks for it. After handing it
/// over, or when the kiosk it went through stops, [`View::reconnect`]
/// goes through the new owner, or takes the store back when none runs.
pub struct View {
    access: Access,
    server: Option<Server>,
    dir: PathBuf,
    command: String,
    runtime_dir: Option<PathBuf>,
    /// When this view handed the store over: it does not take it back
    /// before the kiosk has had time to take it.
    handed_at: Option<Instant>,
}

impl View {
    /// Reaches the store in `dir` for the view `command`. A kiosk that
    /// holds the store but serves no socket yet (it is starting) is
    /// waited for a moment.
    pub fn open(dir: &Path, command: &str, runtime_dir: Option<&Path>) -> Result<View, StoreError> {
        let until = Instant::now() + VIEW_PATIENCE;
        let access = loop {
            match Access::open(dir, command) {
                Err(StoreError::InUse { owner, .. })
                    if owner.is_kiosk() && Instant::now() < until =>
                {
                    std::thread::sleep(Duration::from_millis(100));
                }
                done => break done?,
            }
        };
        let mut view = View {
            access,
            server: None,
            dir: dir.to_owned(),
            command: command.to_owned(),
            runtime_dir: runtime_dir.map(Path::to_owned),
            handed_at: None,
        };
        view.serve();
        Ok(view)
    }

    /// A view on `access` that never serves or reconnects (tests).
    pub fn fixed(access: Access) -> View {
        View {
            dir: access.dir().to_owned(),
            access,
            server: None,
            command: String::new(),
            runtime_dir: None,
            handed_at: None,
        }
    }

    /// While this view owns the store, other commands (and a starting
    /// kiosk) reach it on its socket.
    fn serve(&mut self) {
        if let Access::Local(store) = &self.access {
            let role = Role {
                hands_over: true,
                shows: None,
            };
            match serve_as(
                store.clone(),
                &self.command,
                role,
                self.runtime_dir.as_deref(),
            ) {
                Ok(server) => self.server = Some(server),
                Err(e) => tracing::warn!("the view cannot serve the store: {e}"),
            }
            // The owner deletes what `keep_days` no longer keeps.
            crate::store::keep::spawn(store, || jiff::Timestamp::now().as_millisecond());
        }
    }

    pub fn access(&self) -> &Access {
        &self.access
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Whether this view owned the store and handed it over to a kiosk.
    pub fn handed_over(&self) -> bool {
        matches!(&self.access, Access::Local(store) if store.handed_over())
    }

    /// Reaches the store again after its owner stopped or this view
    /// handed it over: through whoever serves it now, else by owning it
    /// (not within a few seconds of handing it over, which would take it
    /// from the kiosk that asked). `false` while neither works yet.
    pub fn reconnect(&mut self) -> bool {
        if matches!(&self.access, Access::Local(store) if !store.handed_over()) {
            return true; // it owns the store still
        }
        if self.handed_over() && self.handed_at.is_none() {
            self.handed_at = Some(Instant::now());
        }
        // While this view's own server still runs (the moment between
        // handing over and closing its socket), what answers is itself.
        let serving = self.server.as_ref().is_some_and(|s| !s.stopped());
        if !serving && let Ok(Some(client)) = Client::connect(&self.dir) {
            self.server = None;
            self.access = Access::Remote(client);
            // Through the kiosk now: when it stops, the store is free.
            self.handed_at = None;
            return true;
        }
        if self
            .handed_at
            .is_some_and(|at| at.elapsed() < KIOSK_PATIENCE)
        {
            return false;
        }
        if self.fixed_view() {
            return false;
        }
        match Store::open(&self.dir, &self.command) {
            Ok(store) => {
                place::remove_stale(&self.dir);
                self.server = None;
                self.access = Access::Local(Arc::new(store));
                self.handed_at = None;
                self.serve();
                tracing::info!("the view owns the store again");
                true
            }
            Err(e) => {
                tracing::debug!("the view cannot take the store back yet: {e}");
                false
            }
        }
    }

    fn fixed_view(&self) -> bool {
        self.command.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::net::UnixStream;

    use super::*;
    use crate::remote::protocol::{MAX_REPLY_BYTES, MAX_REQUEST_BYTES, Reply, Request};
    use crate::remote::protocol::{read_frame, write_frame};
    use crate::remote::serve;

    fn short_dir() -> tempfile::TempDir {
        tempfile::Builder::new()
            .prefix("ka-")
            .tempdir_in("/tmp")
            .unwrap()
    }

    /// One raw request to the socket of the store in `dir`.
    fn ask(dir: &Path, request: &Request) -> Reply {
        let mut conn = UnixStream::connect(place::find(dir)).unwrap();
        write_frame(&mut conn, request, MAX_REQUEST_BYTES).unwrap();
        read_frame(&mut conn, MAX_REPLY_BYTES).unwrap()
    }

    #[test]
    fn a_view_hands_the_store_to_a_kiosk_goes_through_it_and_takes_it_back() {
        let tmp = short_dir();
        let dir = tmp.path().join("s");
        let mut view = View::open(&dir, "tally --live", None).unwrap();
        assert!(matches!(view.access(), Access::Local(_)));
        let notices = view.access().watch().unwrap();

        let kiosk = Arc::new(open_for_kiosk(&dir, "kiosk").unwrap());
        assert!(view.handed_over());
        // The view's notices end, which wakes its loop.
        assert!(notices.recv().is_err());
        // Its old store says what happened.
        let err = view.access().read().active().unwrap_err();
        assert!(err.to_string().contains("handed the store"), "{err}");

        let server = serve(kiosk.clone(), "kiosk", None).unwrap();
        assert!(view.reconnect());
        match view.access() {
            Access::Remote(client) => {
                assert!(client.owner().contains("kiosk"), "{}", client.owner())
            }
            Access::Local(_) => panic!("the view took the store from the kiosk"),
        }
        assert_eq!(view.access().read().survey_entries().unwrap().len(), 0);

        // The kiosk stops: the view owns the store again and serves it.
        drop(server);
        drop(kiosk);
        // The kiosk's socket threads let go of its store a moment later.
        let until = Instant::now() + Duration::from_secs(5);
        while !view.reconnect() {
            assert!(Instant::now() < until, "the view never took the store back");
            std::thread::sleep(Duration::from_millis(20));
        }
        assert!(matches!(view.access(), Access::Local(_)));
        let client = Client::connect(&dir)
            .unwrap()
            .expect("the view serves the store");
        assert!(
            client.owner().contains("tally --live"),
            "{}",
            client.owner()
        );
    }

    #[test]
    fn a_kiosk_never_hands_over_and_a_view_only_to_a_kiosk() {
        let tmp = short_dir();
        let dir = tmp.path().join("s");
        let store = Arc::new(Store::open(&dir, "kiosk").unwrap());
        let _server = serve(store.clone(), "kiosk", None).unwrap();
        let reply = ask(
            &dir,
            &Request::HandOver {
                command: "kiosk".into(),
                pid: 1,
            },
        );
        assert!(
            matches!(&reply, Reply::Failed(f) if f.message.contains("does not hand the store over")),
            "{reply:?}"
        );
        assert!(!store.handed_over());
        drop(_server);
        drop(store);

        let view = View::open(&dir, "admin", None).unwrap();
        let reply = ask(
            &dir,
            &Request::HandOver {
                command: "tally --live".into(),
                pid: 1,
            },
        );
        assert!(
            matches!(&reply, Reply::Failed(f) if f.message.contains("only to a kiosk")),
            "{reply:?}"
        );
        assert!(!view.handed_over());
    }

    #[test]
    fn a_kiosk_that_pinned_a_survey_is_heard_as_its_active_one() {
        let tmp = short_dir();
        let dir = tmp.path().join("s");
        let store = Arc::new(Store::open(&dir, "kiosk").unwrap());
        let role = Role {
            hands_over: false,
            shows: Some("pulssi".into()),
        };
        let _server = serve_as(store.clone(), "kiosk", role, None).unwrap();
        let client = Client::connect(&dir).unwrap().unwrap();
        assert_eq!(client.active().unwrap().as_deref(), Some("pulssi"));
        // Nothing was stored as the active survey.
        assert_eq!(store.active().unwrap(), None);
    }
}
