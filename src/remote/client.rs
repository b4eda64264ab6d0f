//! The asking side: a [`ReadStore`] whose every call is a request to the
//! process that owns the store.

use std::io::{self, BufReader, ErrorKind};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::{self, Receiver};
use std::time::Duration;

use super::protocol::{
    FrameError, GroupingV1, MAX_REPLY_BYTES, MAX_REQUEST_BYTES, Reply, Request, read_frame,
    write_frame,
};
use crate::core::pin::PinCheck;
use crate::core::response::Response;
use crate::core::retention::Selection;
use crate::core::survey::Survey;
use crate::core::tally::GroupedTally;
use crate::core::version::VersionHash;
use crate::store::backup::{BackupError, Counts};
use crate::store::bundle::{BundleError, Imported};
use crate::store::prizes::PrizeEntryV1;
use crate::store::{
    Deleted, LoadOutcome, ReadStore, Responses, Store, StoreError, StoreEvent, StoredVersion,
    SurveyCache, SurveyDeleted, SurveyEntry, SurveyStats,
};

/// How long a single answer may take (a stats scan of a big store).
const REPLY_TIMEOUT: Duration = Duration::from_secs(120);

/// How long the owner may take to write a backup.
const BACKUP_TIMEOUT: Duration = Duration::from_secs(3600);

/// A connection point to the process that owns a store.
pub struct Client {
    dir: PathBuf,
    socket: PathBuf,
    /// Who serves, e.g. "`kioski kiosk` (pid 4242)".
    owner: String,
    cache: SurveyCache,
}

/// What a reply that did not fit the request says.
fn unexpected(reply: &Reply) -> StoreError {
    match reply {
        Reply::Failed(f) => StoreError::Relayed {
            message: f.message.clone(),
            hint: f.hint.clone(),
            store_problem: f.store_problem,
        },
        _ => StoreError::Relayed {
            message: "the store's owner sent an unexpected reply".into(),
            hint: Some("use the same kioski version as the running kiosk".into()),
            store_problem: true,
        },
    }
}

impl Client {
    /// Connects to the owner of the store in `dir`, if one serves it.
    /// `None` when no socket answers (none there, or a stale one).
    pub fn connect(dir: &Path) -> Result<Option<Client>, StoreError> {
        let socket = super::place::find(dir);
        if !socket.exists() {
            return Ok(None);
        }
        let mut client = Client {
            dir: dir.to_owned(),
            socket,
            owner: "the store's owner".into(),
            cache: SurveyCache::default(),
        };
        match client.call(&Request::Owner) {
            Ok(Reply::Owner { command, pid }) => {
                client.owner = format!("`kioski {command}` (pid {pid})");
                Ok(Some(client))
            }
            Ok(other) => Err(unexpected(&other)),
            Err(ConnectError::NoServer) => Ok(None),
            Err(ConnectError::Store(e)) => Err(e),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Who serves the store.
    pub fn owner(&self) -> &str {
        &self.owner
    }

    fn lost(&self, e: impl std::fmt::Display) -> StoreError {
        StoreError::Relayed {
            message: format!(
                "lost the connection to {} that owns the store: {e}",
                self.owner
            ),
            hint: Some("check that the kiosk is still running, then try again".into()),
            store_problem: true,
        }
    }

    fn open(&self, request: &Request) -> Result<BufReader<UnixStream>, ConnectError> {
        let mut conn = UnixStream::connect(&self.socket).map_err(|e| match e.kind() {
            ErrorKind::ConnectionRefused | ErrorKind::NotFound => ConnectError::NoServer,
            _ => ConnectError::Store(self.lost(e)),
        })?;
        let _ = conn.set_read_timeout(Some(REPLY_TIMEOUT));
        let _ = conn.set_write_timeout(Some(REPLY_TIMEOUT));
        write_frame(&mut conn, request, MAX_REQUEST_BYTES)
            .map_err(|e| ConnectError::Store(self.lost(e)))?;
        Ok(BufReader::new(conn))
    }

    fn call(&self, request: &Request) -> Result<Reply, ConnectError> {
        let mut conn = self.open(request)?;
        read_frame(&mut conn, MAX_REPLY_BYTES).map_err(|e| ConnectError::Store(self.lost(e)))
    }

    fn ask(&self, request: &Request) -> Result<Reply, StoreError> {
        match self.call(request) {
            Ok(Reply::Failed(f)) => Err(unexpected(&Reply::Failed(f))),
            Ok(reply) => Ok(reply),
            Err(ConnectError::NoServer) => Err(self.lost("it has stopped")),
            Err(ConnectError::Store(e)) => Err(e),
        }
    }

    fn text(&self, request: &Request) -> Result<Option<String>, StoreError> {
        match self.ask(request)? {
            Reply::Text(t) => Ok(t),
            other => Err(unexpected(&other)),
        }
    }

    fn done(&self, request: &Request) -> Result<(), StoreError> {
        match self.ask(request)? {
            Reply::Done => Ok(()),
            other => Err(unexpected(&other)),
        }
    }

    /// Asks the owner to delete the responses `selection` takes.
    pub fn delete_responses(
        &self,
        survey: &str,
        selection: &Selection,
    ) -> Result<Deleted, StoreError> {
        let request = Request::DeleteResponses {
            survey: survey.to_owned(),
            selection: selection.into(),
        };
        match self.ask(&request)? {
            Reply::Deleted(d) => Ok(d.into()),
            other => Err(unexpected(&other)),
        }
    }

    /// Asks the owner to delete survey `id` whole.
    pub fn delete_survey(&self, id: &str) -> Result<SurveyDeleted, StoreError> {
        match self.ask(&Request::DeleteSurvey(id.to_owned()))? {
            Reply::SurveyDeleted(d) => Ok(d.into()),
            other => Err(unexpected(&other)),
        }
    }

    /// Stores a survey file's text as a version (the owner validates it).
    pub fn load(&self, source: &str, now_ms: i64) -> Result<LoadOutcome, StoreError> {
        match self.ask(&Request::Load {
            source: source.to_owned(),
            now_ms,
        })? {
            Reply::Loaded(outcome) => Ok(outcome.into()),
            other => Err(unexpected(&other)),
        }
    }

    pub fn activate(&self, id: &str) -> Result<(), StoreError> {
        self.done(&Request::Activate(id.to_owned()))
    }

    /// Has the owner check an admin PIN attempt (it keeps the count).
    pub fn check_pin(&self, attempt: &str) -> Result<PinCheck, StoreError> {
        match self.ask(&Request::CheckPin(attempt.to_owned()))? {
            Reply::Pin(check) => Ok(check.into()),
            other => Err(unexpected(&other)),
        }
    }

    /// Has the owner set the admin PIN, only if none is set (false: one
    /// is, and nothing changed).
    pub fn set_first_pin(&self, hash: &str) -> Result<bool, StoreError> {
        match self.ask(&Request::SetPin(hash.to_owned()))? {
            Reply::Flag(set) => Ok(set),
            other => Err(unexpected(&other)),
        }
    }

    /// Has the owner change (or, with `None`, clear) the admin PIN if
    /// `old` is right; the owner counts `old` as an attempt.
    pub fn change_pin(&self, old: &str, hash: Option<&str>) -> Result<PinCheck, StoreError> {
        let request = Request::ChangePin {
            old: old.to_owned(),
            hash: hash.map(str::to_owned),
        };
        match self.ask(&request)? {
            Reply::Pin(check) => Ok(check.into()),
            other => Err(unexpected(&other)),
        }
    }

    /// Asks the clerk's view that owns the store to hand it over to this
    /// kiosk; `Ok` once it has released the store.
    pub fn hand_over(&self) -> Result<(), StoreError> {
        self.done(&Request::HandOver {
            command: "kiosk".into(),
            pid: std::process::id(),
        })
    }

    pub fn set_terminal_name(&self, name: &str) -> Result<(), StoreError> {
        self.done(&Request::SetTerminalName(name.to_owned()))
    }

    /// Has the owner import the bundle at `path`, prize entries too.
    pub fn import(&self, path: &Path, now_ms: i64) -> Result<Imported, BundleError> {
        let path = std::path::absolute(path)?;
        match self.ask(&Request::ImportWithPrizes { path, now_ms })? {
            Reply::ImportedWithPrizes {
                imported,
                prizes_added,
                prizes_present,
            } => Ok(Imported {
                prizes_added,
                prizes_present,
                ..imported.into()
            }),
            other => Err(unexpected(&other).into()),
        }
    }

    /// Has the owner sync to `target` now (see [`crate::sync::sync_once`]);
    /// a 1,000,000-response first sync takes about a minute.
    pub fn sync_now(
        &self,
        target: &str,
        password: Option<String>,
    ) -> Result<Result<crate::sync::Sent, crate::sync::Failure>, StoreError> {
        let request = Request::SyncNow {
            target: target.to_owned(),
            password,
            now_ms: jiff::Timestamp::now().as_millisecond(),
        };
        let mut conn = match self.open(&request) {
            Ok(c) => c,
            Err(ConnectError::NoServer) => return Err(self.lost("it has stopped")),
            Err(ConnectError::Store(e)) => return Err(e),
        };
        let _ = conn.get_ref().set_read_timeout(Some(BACKUP_TIMEOUT));
        match read_frame::<Reply>(&mut conn, MAX_REPLY_BYTES) {
            Ok(Reply::Synced(result)) => Ok(result),
            Ok(other) => Err(unexpected(&other)),
            Err(e) => Err(self.lost(frame_reason(&e))),
        }
    }

    pub fn set_sync_target(&self, target: Option<&str>) -> Result<(), StoreError> {
        self.done(&Request::SetSyncTarget(target.map(str::to_owned)))
    }

    pub fn sync_status(&self) -> Result<crate::sync::Status, StoreError> {
        match self.ask(&Request::SyncStatus)? {
            Reply::SyncStatus(s) => Ok(s),
            other => Err(unexpected(&other)),
        }
    }

    pub fn prize_counts(&self) -> Result<std::collections::BTreeMap<String, u64>, StoreError> {
        match self.ask(&Request::PrizeCounts)? {
            Reply::PrizeCounts(c) => Ok(c.into_iter().collect()),
            other => Err(unexpected(&other)),
        }
    }

    pub fn prize_entries(&self, surveys: &[String]) -> Result<Vec<PrizeEntryV1>, StoreError> {
        match self.ask(&Request::PrizeEntries(surveys.to_vec()))? {
            Reply::PrizeEntries(e) => Ok(e),
            other => Err(unexpected(&other)),
        }
    }

    pub fn purge_prizes(&self, survey: &str) -> Result<usize, StoreError> {
        match self.ask(&Request::PurgePrizes(survey.to_owned()))? {
            Reply::Count(n) => Ok(usize::try_from(n).unwrap_or(usize::MAX)),
            other => Err(unexpected(&other)),
        }
    }

    /// Has the owner write a backup of the whole store to `path`. A big
    /// store takes a while: the answer is waited for up to an hour.
    pub fn backup(&self, path: &Path, now_ms: i64) -> Result<Counts, BackupError> {
        let path = std::path::absolute(path)?;
        let mut conn = match self.open(&Request::Backup { path, now_ms }) {
            Ok(c) => c,
            Err(ConnectError::NoServer) => return Err(self.lost("it has stopped").into()),
            Err(ConnectError::Store(e)) => return Err(e.into()),
        };
        let _ = conn.get_ref().set_read_timeout(Some(BACKUP_TIMEOUT));
        match read_frame::<Reply>(&mut conn, MAX_REPLY_BYTES) {
            Ok(Reply::BackedUp(done)) => Ok(done.into()),
            Ok(other) => Err(unexpected(&other).into()),
            Err(e) => Err(self.lost(frame_reason(&e)).into()),
        }
    }

    /// Store events from the owner, from now on. The channel ends when
    /// the connection does.
    pub fn watch(&self) -> Result<Receiver<StoreEvent>, StoreError> {
        let mut conn = match self.open(&Request::Watch) {
            Ok(c) => c,
            Err(ConnectError::NoServer) => return Err(self.lost("it has stopped")),
            Err(ConnectError::Store(e)) => return Err(e),
        };
        // The owner subscribes before its first heartbeat.
        match read_frame::<Reply>(&mut conn, MAX_REPLY_BYTES) {
            Ok(Reply::Heartbeat) => {}
            Ok(other) => return Err(unexpected(&other)),
            Err(e) => return Err(self.lost(e)),
        }
        let _ = conn
            .get_ref()
            .set_read_timeout(Some(Duration::from_secs(10)));
        let (tx, rx) = mpsc::channel();
        std::thread::Builder::new()
            .name("kioski-watch".into())
            .spawn(move || {
                loop {
                    match read_frame::<Reply>(&mut conn, MAX_REPLY_BYTES) {
                        Ok(Reply::Event(event)) => {
                            if tx.send(event.into()).is_err() {
                                return;
                            }
                        }
                        Ok(Reply::Heartbeat) => {}
                        Ok(_) | Err(_) => return,
                    }
                }
            })
            .map_err(|e| self.lost(e))?;
        Ok(rx)
    }
}

enum ConnectError {
    /// Nothing listens on the socket.
    NoServer,
    Store(StoreError),
}

impl ReadStore for Client {
    fn active(&self) -> Result<Option<String>, StoreError> {
        self.text(&Request::Active)
    }

    fn survey_entries(&self) -> Result<Vec<SurveyEntry>, StoreError> {
        match self.ask(&Request::SurveyEntries)? {
            Reply::Entries(es) => Ok(es.into_iter().map(Into::into).collect()),
            other => Err(unexpected(&other)),
        }
    }

    fn survey_entry(&self, id: &str) -> Result<Option<SurveyEntry>, StoreError> {
        match self.ask(&Request::SurveyEntry(id.to_owned()))? {
            Reply::Entry(e) => Ok(e.map(Into::into)),
            other => Err(unexpected(&other)),
        }
    }

    fn version(&self, hash: &VersionHash) -> Result<Option<StoredVersion>, StoreError> {
        match self.ask(&Request::Version(hash.0))? {
            Reply::Version(None) => Ok(None),
            Reply::Version(Some(v)) => {
                // The owner's text is rebuilt here, like a stored one.
                let survey =
                    self.cache
                        .rebuild(hash, &v.source)
                        .map_err(|e| StoreError::Relayed {
                            message: format!("survey version {} from the kiosk: {e}", hash.short()),
                            hint: None,
                            store_problem: true,
                        })?;
                Ok(Some(StoredVersion {
                    hash: *hash,
                    survey: (*survey).clone(),
                    source: v.source,
                    loaded_ms: v.loaded_ms,
                }))
            }
            other => Err(unexpected(&other)),
        }
    }

    fn survey_of(&self, hash: &VersionHash) -> Result<Arc<Survey>, StoreError> {
        self.cache.get_or_read(hash, |h| self.version(h))
    }

    fn responses<'a>(&'a self, id: &str) -> Responses<'a> {
        match self.open(&Request::Responses(id.to_owned())) {
            Ok(conn) => Box::new(RecordStream {
                client: self,
                conn: Some(conn),
                chunk: Vec::new().into_iter(),
            }),
            Err(ConnectError::NoServer) => {
                Box::new(std::iter::once(Err(self.lost("it has stopped"))))
            }
            Err(ConnectError::Store(e)) => Box::new(std::iter::once(Err(e))),
        }
    }

    fn has_pin(&self) -> Result<bool, StoreError> {
        match self.ask(&Request::HasPin)? {
            Reply::Flag(set) => Ok(set),
            other => Err(unexpected(&other)),
        }
    }

    fn terminal_name(&self) -> Result<Option<String>, StoreError> {
        self.text(&Request::TerminalName)
    }

    fn shown_version(&self, id: &str) -> Result<Option<VersionHash>, StoreError> {
        match self.text(&Request::ShownVersion(id.to_owned()))? {
            None => Ok(None),
            Some(hex) => hex
                .parse()
                .map(Some)
                .map_err(|_| unexpected(&Reply::Text(Some(hex)))),
        }
    }

    fn stats(&self, id: &str) -> Result<SurveyStats, StoreError> {
        match self.ask(&Request::FlaggedStats(id.to_owned()))? {
            Reply::FlaggedStats(s) => Ok(s.into()),
            other => Err(unexpected(&other)),
        }
    }

    /// The owner fills the tally from its kept counts and sends the
    /// filled state; `false` (fold the responses) when it keeps none that
    /// fit, is older than this request, or sent counts that do not fit.
    fn tally_kept(&self, id: &str, tally: &mut GroupedTally) -> Result<bool, StoreError> {
        let Some(grouping) = GroupingV1::of(tally.grouping()) else {
            return Ok(false);
        };
        let request = Request::TallyKept {
            survey: id.to_owned(),
            grouping,
        };
        let kept = match self.call(&request) {
            Ok(Reply::TallyKept(Some(kept))) => kept,
            Ok(Reply::TallyKept(None)) => return Ok(false),
            Ok(Reply::Failed(f)) => {
                tracing::debug!("{} keeps no tally to send: {}", self.owner, f.message);
                return Ok(false);
            }
            Ok(other) => return Err(unexpected(&other)),
            Err(ConnectError::NoServer) => return Err(self.lost("it has stopped")),
            Err(ConnectError::Store(e)) => return Err(e),
        };
        let survey_of = |h: &VersionHash| self.survey_of(h).ok();
        match tally.fill_from_kept(&kept, &survey_of) {
            Ok(()) => Ok(true),
            Err(e) => {
                tracing::warn!("the tally {} sent: {e}; folding the responses", self.owner);
                Ok(false)
            }
        }
    }

    fn responses_since(
        &self,
        id: &str,
        since_ms: i64,
    ) -> Result<Option<Vec<Response>>, StoreError> {
        let request = Request::ResponsesSince {
            survey: id.to_owned(),
            since_ms,
        };
        let mut conn = match self.open(&request) {
            Ok(conn) => conn,
            Err(ConnectError::NoServer) => return Err(self.lost("it has stopped")),
            Err(ConnectError::Store(e)) => return Err(e),
        };
        let mut out = Vec::new();
        loop {
            match read_frame::<Reply>(&mut conn, MAX_REPLY_BYTES) {
                Ok(Reply::Records(records)) => {
                    for (key, value) in records {
                        out.push(Store::decode_response_record(&self.dir, &key, &value)?);
                    }
                }
                Ok(Reply::End) => return Ok(Some(out)),
                // An owner older than the request refuses it at once.
                Ok(Reply::Failed(f)) if out.is_empty() && !f.store_problem => {
                    tracing::debug!("{} reads no responses by time: {}", self.owner, f.message);
                    return Ok(None);
                }
                Ok(other) => return Err(unexpected(&other)),
                Err(e) => return Err(self.lost(frame_reason(&e))),
            }
        }
    }
}

/// Responses read chunk by chunk from one connection.
struct RecordStream<'a> {
    client: &'a Client,
    /// `None` once the stream has ended (or failed).
    conn: Option<BufReader<UnixStream>>,
    chunk: std::vec::IntoIter<(Vec<u8>, Vec<u8>)>,
}

impl Iterator for RecordStream<'_> {
    type Item = Result<Response, StoreError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some((key, value)) = self.chunk.next() {
                return Some(Store::decode_response_record(
                    &self.client.dir,
                    &key,
                    &value,
                ));
            }
            let conn = self.conn.as_mut()?;
            match read_frame::<Reply>(conn, MAX_REPLY_BYTES) {
                Ok(Reply::Records(records)) => self.chunk = records.into_iter(),
                Ok(Reply::End) => {
                    self.conn = None;
                    return None;
                }
                Ok(other) => {
                    self.conn = None;
                    return Some(Err(unexpected(&other)));
                }
                Err(e) => {
                    self.conn = None;
                    return Some(Err(self.client.lost(frame_reason(&e))));
                }
            }
        }
    }
}

fn frame_reason(e: &FrameError) -> String {
    match e {
        FrameError::Io(e) if e.kind() == io::ErrorKind::UnexpectedEof => {
            "it closed the connection".into()
        }
        e => e.to_string(),
    }
}
