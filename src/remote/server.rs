//! The owner's side: a thread that accepts connections on the socket and
//! a thread per connection (a few at most) that answers one request.
//!
//! Nothing here touches the kiosk's screen: a slow, stalled or hostile
//! client costs one of these threads, never the respondent's loop. Every
//! read and write has a timeout; a malformed or oversized request is
//! refused with a reply, logged, and the connection closed.

use std::io::{self, BufWriter, Read};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc::RecvTimeoutError;
use std::time::{Duration, Instant};

use super::place::{self, Place};

use super::protocol::{
    CHUNK_BYTES, EventV1, Failure, FrameError, GroupingV1, MAX_REPLY_BYTES, MAX_REQUEST_BYTES,
    Reply, Request, read_frame, write_frame,
};
use crate::core::tally::GroupedTally;
use crate::core::validate::survey_from_str;
use crate::core::version::VersionHash;
use crate::store::backup;
use crate::store::bundle::{self, BundleError};
use crate::store::{ReadStore, Store, StoreError};

/// Requests answered at once; more get the owner's "busy" reply.
const MAX_CONNECTIONS: usize = 16;

/// Live-view watchers served at once, apart from the requests: a watcher
/// stays connected for hours, so it must not take a request's slot.
const MAX_WATCHERS: usize = 64;

/// A client has this long to send its whole request, however the bytes
/// trickle in (a deadline for the request, not a timeout per read).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);

/// A client that reads nothing for this long is dropped.
const WRITE_TIMEOUT: Duration = Duration::from_secs(30);

/// A watcher hears at least this often, so a gone client is noticed.
const HEARTBEAT: Duration = Duration::from_secs(1);

/// A view that hands its store over waits this long for a reading in
/// progress to end.
const HAND_OVER_WAIT: Duration = Duration::from_secs(5);

/// The running server. Dropping it stops accepting and removes the socket.
pub struct Server {
    shared: Arc<Shared>,
}

/// What the server's threads and its handle share.
struct Shared {
    place: Place,
    stop: AtomicBool,
    /// The socket was removed: once only, since after a hand-over the
    /// same path is the kiosk's socket.
    removed: AtomicBool,
}

impl Shared {
    /// Stops accepting and removes the socket (once).
    fn shut(&self) {
        if self.removed.swap(true, Ordering::SeqCst) {
            return;
        }
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the accept loop so it sees the flag.
        let _ = UnixStream::connect(&self.place.socket);
        self.place.remove();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.shared.shut();
    }
}

impl Server {
    /// Whether the server stopped by itself (it handed the store over).
    pub fn stopped(&self) -> bool {
        self.shared.stop.load(Ordering::SeqCst)
    }
}

/// What the serving process does beyond answering requests.
#[derive(Clone, Debug, Default)]
pub struct Role {
    /// A clerk's view: hands the store over to a kiosk that asks.
    pub hands_over: bool,
    /// The survey a kiosk started with `--survey` shows: while it runs,
    /// other commands hear it as the active survey (the stored choice is
    /// left as the admin made it).
    pub shows: Option<String>,
}

/// Serves `store` on its socket: `kioski.sock` in its directory, or, when
/// that path is too long for a Unix socket, in a private directory under
/// `runtime_dir` (the CLI passes `$XDG_RUNTIME_DIR`) or `/tmp`, which
/// clients find through the store (see `place`). A socket file left
/// there is stale: this process holds the store's lock, so no one else
/// serves it.
pub fn serve(store: Arc<Store>, command: &str, runtime_dir: Option<&Path>) -> io::Result<Server> {
    serve_as(store, command, Role::default(), runtime_dir)
}

/// [`serve`], for a kiosk or a clerk's view (see [`Role`]).
pub fn serve_as(
    store: Arc<Store>,
    command: &str,
    role: Role,
    runtime_dir: Option<&Path>,
) -> io::Result<Server> {
    let place = place::make(store.dir(), runtime_dir)?;
    let path = place.socket.clone();
    let listener = match UnixListener::bind(&path) {
        Ok(l) => l,
        Err(e) => {
            place.remove();
            return Err(e);
        }
    };
    let shared = Arc::new(Shared {
        place,
        stop: AtomicBool::new(false),
        removed: AtomicBool::new(false),
    });
    let server = Server {
        shared: shared.clone(),
    };
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))?;
    let owner = Owner {
        command: command.to_owned(),
        pid: std::process::id(),
        role,
    };
    std::thread::Builder::new()
        .name("kioski-socket".into())
        .spawn(move || accept_loop(listener, store, owner, shared))?;
    tracing::info!(socket = %path.display(), "serving the store to other kioski commands");
    Ok(server)
}

#[derive(Clone)]
struct Owner {
    command: String,
    pid: u32,
    role: Role,
}

fn accept_loop(listener: UnixListener, store: Arc<Store>, owner: Owner, shared: Arc<Shared>) {
    let busy = Arc::new(AtomicUsize::new(0));
    let watchers = Arc::new(AtomicUsize::new(0));
    for conn in listener.incoming() {
        if shared.stop.load(Ordering::SeqCst) {
            return;
        }
        let mut conn = match conn {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!("socket accept failed: {e}");
                std::thread::sleep(Duration::from_millis(50));
                continue;
            }
        };
        if busy.load(Ordering::SeqCst) >= MAX_CONNECTIONS {
            tracing::warn!("socket busy: refused a connection");
            let _ = conn.set_write_timeout(Some(REQUEST_TIMEOUT));
            let _ = write_frame(
                &mut conn,
                &Reply::Failed(failure(
                    format!(
                        "{} is answering {MAX_CONNECTIONS} other requests",
                        owner.describe()
                    ),
                    Some("try again in a moment".into()),
                    true,
                )),
                MAX_REPLY_BYTES,
            );
            continue;
        }
        let slot = Slot::take(&busy);
        let (store, owner, watchers, shared) = (
            store.clone(),
            owner.clone(),
            watchers.clone(),
            shared.clone(),
        );
        let spawned = std::thread::Builder::new()
            .name("kioski-socket-conn".into())
            .spawn(move || handle(conn, slot, &watchers, &store, &owner, &shared));
        if let Err(e) = spawned {
            tracing::warn!("cannot start a socket thread: {e}");
        }
    }
}

/// One of the server's places (a request's or a watcher's), given back
/// when dropped, however the connection ends.
struct Slot(Arc<AtomicUsize>);

impl Slot {
    fn take(count: &Arc<AtomicUsize>) -> Slot {
        count.fetch_add(1, Ordering::SeqCst);
        Slot(count.clone())
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Reads from a connection until a deadline for the whole request: each
/// read may wait only for what is left of it, so a client that sends a
/// byte every few seconds is dropped like a silent one.
struct Deadline<'a> {
    conn: &'a UnixStream,
    until: Instant,
}

impl Read for Deadline<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let late = || {
            io::Error::new(
                io::ErrorKind::TimedOut,
                format!(
                    "the request did not arrive within {} s",
                    REQUEST_TIMEOUT.as_secs()
                ),
            )
        };
        let left = self.until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(late());
        }
        self.conn.set_read_timeout(Some(left))?;
        let mut conn = self.conn;
        conn.read(buf).map_err(|e| match e.kind() {
            io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => late(),
            _ => e,
        })
    }
}

impl Owner {
    fn describe(&self) -> String {
        format!("`kioski {}` (pid {})", self.command, self.pid)
    }
}

fn failure(message: String, hint: Option<String>, store_problem: bool) -> Failure {
    Failure {
        message,
        hint,
        store_problem,
    }
}

fn store_failure(e: &StoreError) -> Reply {
    Reply::Failed(failure(e.to_string(), e.hint(), e.is_store_problem()))
}

fn handle(
    mut conn: UnixStream,
    slot: Slot,
    watchers: &Arc<AtomicUsize>,
    store: &Store,
    owner: &Owner,
    shared: &Shared,
) {
    let _ = conn.set_write_timeout(Some(WRITE_TIMEOUT));
    let mut reader = Deadline {
        conn: &conn,
        until: Instant::now() + REQUEST_TIMEOUT,
    };
    let read = read_frame(&mut reader, MAX_REQUEST_BYTES);
    let request: Request = match read {
        Ok(r) => r,
        Err(FrameError::Io(e)) if e.kind() == io::ErrorKind::UnexpectedEof => return,
        Err(e) => {
            tracing::warn!("socket: refused a request: {e}");
            let slow = matches!(&e, FrameError::Io(e) if e.kind() == io::ErrorKind::TimedOut);
            let hint = if slow {
                "send the whole request at once"
            } else {
                "use the same kioski version as the running kiosk"
            };
            let reply = Reply::Failed(failure(
                format!("{} refused the request: {e}", owner.describe()),
                Some(hint.into()),
                false,
            ));
            let _ = write_frame(&mut conn, &reply, MAX_REPLY_BYTES);
            return;
        }
    };
    tracing::debug!(request = request.name(), "socket request");
    let mut w = BufWriter::new(&conn);
    let sent = match request {
        Request::Responses(id) => stream_responses(&mut w, store, &id),
        Request::ResponsesSince { survey, since_ms } => {
            match store.response_records_since(&survey, since_ms) {
                Ok(records) => send_records(&mut w, records.into_iter().map(Ok)),
                Err(e) => write_frame(&mut w, &store_failure(&e), MAX_REPLY_BYTES),
            }
        }
        Request::TallyKept { survey, grouping } => {
            match write_frame(
                &mut w,
                &tally_kept(store, &survey, &grouping),
                MAX_REPLY_BYTES,
            ) {
                // Over the reply's limit (free texts): the asker folds.
                Err(e) if e.kind() == io::ErrorKind::InvalidData => {
                    tracing::info!("socket: a kept tally of {survey} is too large to send");
                    write_frame(&mut w, &Reply::TallyKept(None), MAX_REPLY_BYTES)
                }
                sent => sent,
            }
        }
        Request::Watch => {
            // A watcher gives its request slot back and counts apart.
            drop(slot);
            if watchers.load(Ordering::SeqCst) >= MAX_WATCHERS {
                tracing::warn!("socket: refused a watcher (too many)");
                let reply = Reply::Failed(failure(
                    format!(
                        "{} already serves {MAX_WATCHERS} live views",
                        owner.describe()
                    ),
                    Some("close a live or admin view, then try again".into()),
                    true,
                ));
                let _ = write_frame(&mut w, &reply, MAX_REPLY_BYTES);
                return;
            }
            let _watching = Slot::take(watchers);
            watch(&mut w, store, &shared.stop)
        }
        Request::HandOver { command, pid } => {
            let reply = hand_over(store, owner, shared, &command, pid);
            write_frame(&mut w, &reply, MAX_REPLY_BYTES)
        }
        request => write_frame(&mut w, &answer(request, store, owner), MAX_REPLY_BYTES),
    };
    if let Err(e) = sent {
        tracing::debug!("socket: client went away: {e}");
    }
}

/// A starting kiosk asks for the store: a clerk's view closes the store
/// and stops serving (its socket goes, so the kiosk can make its own)
/// before it answers `Done`; the view then goes on through the kiosk.
/// Only a view hands over, and only to a kiosk.
fn hand_over(store: &Store, owner: &Owner, shared: &Shared, command: &str, pid: u32) -> Reply {
    let refuse = |why: String| {
        Reply::Failed(failure(
            why,
            Some("stop that process first, or use another store with --store".into()),
            true,
        ))
    };
    if !owner.role.hands_over {
        return refuse(format!("{} does not hand the store over", owner.describe()));
    }
    if command != "kiosk" {
        return refuse(format!(
            "{} hands the store over only to a kiosk",
            owner.describe()
        ));
    }
    tracing::info!(kiosk = pid, "handing the store over to a starting kiosk");
    match store.hand_over(HAND_OVER_WAIT) {
        Ok(()) => {
            // Before the answer, so the kiosk can make its socket there.
            shared.shut();
            Reply::Done
        }
        // Nothing changed: the view still owns and serves the store.
        Err(e) => {
            tracing::warn!("cannot hand the store over: {e}");
            store_failure(&e)
        }
    }
}

/// The reply to a request answered in one frame.
fn answer(request: Request, store: &Store, owner: &Owner) -> Reply {
    let result = match request {
        Request::Owner => Ok(Reply::Owner {
            command: owner.command.clone(),
            pid: owner.pid,
        }),
        // What a kiosk started with `--survey` shows, while it runs.
        Request::Active => match &owner.role.shows {
            Some(id) => Ok(Reply::Text(Some(id.clone()))),
            None => store.active().map(Reply::Text),
        },
        Request::SurveyEntries => store
            .survey_entries()
            .map(|es| Reply::Entries(es.iter().map(Into::into).collect())),
        Request::SurveyEntry(id) => store
            .survey_entry(&id)
            .map(|e| Reply::Entry(e.as_ref().map(Into::into))),
        Request::Version(hash) => store
            .version(&VersionHash(hash))
            .map(|v| Reply::Version(v.as_ref().map(|v| Box::new(v.into())))),
        Request::Stats(id) => ReadStore::stats(store, &id).map(|s| Reply::Stats((&s).into())),
        Request::FlaggedStats(id) => {
            ReadStore::stats(store, &id).map(|s| Reply::FlaggedStats((&s).into()))
        }
        // Release 0.1's clients asked for the hash; it never leaves now.
        Request::PinHash => Ok(Reply::Failed(failure(
            "this kiosk checks PIN attempts itself and never hands out the PIN hash".into(),
            Some("use the same kioski version as the running kiosk".into()),
            false,
        ))),
        Request::HasPin => store.has_pin().map(Reply::Flag),
        // The owner's clock, not the client's: a client cannot wait out
        // a lock by claiming a later time.
        Request::CheckPin(attempt) => store
            .check_pin(&attempt, jiff::Timestamp::now().as_millisecond())
            .map(|c| Reply::Pin(c.into())),
        Request::SetPin(hash) => store.set_first_pin(&hash).map(Reply::Flag),
        Request::ChangePin { old, hash } => store
            .change_pin(
                &old,
                hash.as_deref(),
                jiff::Timestamp::now().as_millisecond(),
            )
            .map(|c| Reply::Pin(c.into())),
        Request::TerminalName => store.terminal_name().map(Reply::Text),
        Request::ShownVersion(id) => store
            .shown_version(&id)
            .map(|v| Reply::Text(v.map(|h| h.to_string()))),
        Request::Activate(id) => store.activate(&id).map(|()| Reply::Done),
        Request::SetTerminalName(name) => store.set_terminal_name(&name).map(|()| Reply::Done),
        Request::Load { source, now_ms } => {
            return match survey_from_str(&source) {
                Ok(survey) => match store.load(&survey, &source, now_ms) {
                    Ok(outcome) => {
                        tracing::info!(survey = %survey.id, version = %outcome.hash.short(), "loaded through the socket");
                        Reply::Loaded((&outcome).into())
                    }
                    Err(e) => store_failure(&e),
                },
                Err(_) => Reply::Failed(failure(
                    "the survey is not valid".into(),
                    Some("check it with `kioski validate FILE`".into()),
                    false,
                )),
            };
        }
        Request::Import { path, now_ms } => {
            return match bundle::import(store, &path, now_ms) {
                Ok(done) => {
                    tracing::info!(
                        added = done.responses_added,
                        "bundle imported through the socket"
                    );
                    Reply::Imported((&done).into())
                }
                Err(e) => bundle_failure(&e),
            };
        }
        Request::PrizeCounts => store
            .prize_counts()
            .map(|c| Reply::PrizeCounts(c.into_iter().collect())),
        Request::PrizeEntries(surveys) => store.prize_entries_of(&surveys).map(Reply::PrizeEntries),
        Request::PurgePrizes(id) => store.purge_prizes(&id).map(|n| Reply::Count(n as u64)),
        Request::ImportWithPrizes { path, now_ms } => {
            return match bundle::import(store, &path, now_ms) {
                Ok(done) => {
                    tracing::info!(
                        added = done.responses_added,
                        "bundle imported through the socket"
                    );
                    Reply::ImportedWithPrizes {
                        imported: (&done).into(),
                        prizes_added: done.prizes_added,
                        prizes_present: done.prizes_present,
                    }
                }
                Err(e) => bundle_failure(&e),
            };
        }
        Request::Backup { path, now_ms } => {
            return match backup::write(store, &path, now_ms) {
                Ok(done) => {
                    tracing::info!(
                        responses = done.responses,
                        "backup written through the socket"
                    );
                    Reply::BackedUp((&done).into())
                }
                Err(e) => Reply::Failed(failure(e.to_string(), e.hint(), e.is_store_problem())),
            };
        }
        Request::SyncNow {
            target,
            password,
            now_ms,
        } => {
            let result = crate::sink::Target::parse(&target)
                .map_err(|e| crate::sync::Failure::from(&crate::sync::SyncError::from(e)))
                .and_then(|t| {
                    crate::sync::connect_and_send(
                        store,
                        &t,
                        password.as_deref(),
                        now_ms,
                        &mut |_| {},
                    )
                });
            if let Ok(sent) = &result {
                tracing::info!(inserted = sent.inserted, "sync through the socket");
            }
            return Reply::Synced(result);
        }
        Request::SetSyncTarget(target) => store
            .set_sync_target(target.as_deref())
            .map(|()| Reply::Done),
        Request::SyncStatus => crate::sync::status(store).map(Reply::SyncStatus),
        Request::DeleteResponses { survey, selection } => store
            .delete_responses(&survey, &selection.into())
            .map(|d| Reply::Deleted((&d).into())),
        Request::DeleteSurvey(id) => {
            if let Some(refused) = refuse_deleting_shown(store, owner, &id) {
                return refused;
            }
            store
                .delete_survey(&id)
                .map(|d| Reply::SurveyDeleted((&d).into()))
        }
        Request::Responses(_)
        | Request::ResponsesSince { .. }
        | Request::TallyKept { .. }
        | Request::Watch
        | Request::HandOver { .. } => unreachable_stream(),
    };
    result.unwrap_or_else(|e| store_failure(&e))
}

/// A running kiosk's survey is not deleted under it: the one it was
/// started with (`--survey`), or the active one it follows.
fn refuse_deleting_shown(store: &Store, owner: &Owner, id: &str) -> Option<Reply> {
    let shown = match &owner.role.shows {
        Some(shown) => Some(shown.clone()),
        None if owner.command == "kiosk" => store.active().ok().flatten(),
        None => None,
    };
    (shown.as_deref() == Some(id)).then(|| {
        Reply::Failed(failure(
            format!("{} shows the survey `{id}`", owner.describe()),
            Some(if owner.role.shows.is_some() {
                "stop the kiosk first, then delete it".into()
            } else {
                "activate another survey first (`kioski activate ID`), or stop the kiosk".into()
            }),
            false,
        ))
    })
}

/// Streamed requests never reach [`answer`]; said so rather than panicking.
fn unreachable_stream() -> Result<Reply, StoreError> {
    Ok(Reply::Failed(failure(
        "a streamed request was answered as a single one (a bug in kioski)".into(),
        None,
        false,
    )))
}

fn bundle_failure(e: &BundleError) -> Reply {
    Reply::Failed(failure(e.to_string(), e.hint(), e.is_store_problem()))
}

/// Sends a survey's stored records in chunks, then `End`.
fn stream_responses(w: &mut impl io::Write, store: &Store, id: &str) -> io::Result<()> {
    if let Err(e) = store.survey_entry(id).and_then(|e| {
        e.map(|_| ())
            .ok_or_else(|| StoreError::UnknownSurvey(id.to_owned()))
    }) {
        return write_frame(w, &store_failure(&e), MAX_REPLY_BYTES);
    }
    send_records(w, store.response_records(id))
}

/// A tally of survey `id` filled from the counts the store keeps ready.
fn tally_kept(store: &Store, id: &str, grouping: &GroupingV1) -> Reply {
    let grouping = match grouping.grouping() {
        Ok(g) => g,
        Err(why) => return Reply::Failed(failure(why, None, false)),
    };
    let kept = store.latest(id).and_then(|latest| {
        // A grouping the newest version cannot make: the asker says why.
        let Ok(mut tally) = GroupedTally::new(&latest.survey, grouping) else {
            return Ok(None);
        };
        Ok(ReadStore::tally_kept(store, id, &mut tally)?.then(|| Box::new(tally.kept())))
    });
    match kept {
        Ok(kept) => Reply::TallyKept(kept),
        Err(e) => store_failure(&e),
    }
}

/// Sends records in chunks, then `End` (or the error that stopped them).
fn send_records(
    w: &mut impl io::Write,
    records: impl Iterator<Item = Result<(Vec<u8>, Vec<u8>), StoreError>>,
) -> io::Result<()> {
    let mut chunk = Vec::new();
    let mut bytes = 0;
    for record in records {
        match record {
            Ok((key, value)) => {
                bytes += key.len() + value.len() + 16;
                chunk.push((key, value));
                if bytes >= CHUNK_BYTES {
                    write_frame(
                        w,
                        &Reply::Records(std::mem::take(&mut chunk)),
                        MAX_REPLY_BYTES,
                    )?;
                    bytes = 0;
                }
            }
            Err(e) => return write_frame(w, &store_failure(&e), MAX_REPLY_BYTES),
        }
    }
    if !chunk.is_empty() {
        write_frame(w, &Reply::Records(chunk), MAX_REPLY_BYTES)?;
    }
    write_frame(w, &Reply::End, MAX_REPLY_BYTES)
}

/// Sends store events until the client hangs up or the server stops.
fn watch(w: &mut impl io::Write, store: &Store, stop: &AtomicBool) -> io::Result<()> {
    let events = store.watch();
    // The first heartbeat tells the client it is subscribed, so nothing
    // stored after this point is missed.
    write_frame(w, &Reply::Heartbeat, MAX_REPLY_BYTES)?;
    while !stop.load(Ordering::SeqCst) {
        let reply = match events.recv_timeout(HEARTBEAT) {
            Ok(event) => match EventV1::of(&event) {
                Some(event) => Reply::Event(event),
                None => continue,
            },
            Err(RecvTimeoutError::Timeout) => Reply::Heartbeat,
            Err(RecvTimeoutError::Disconnected) => return Ok(()),
        };
        write_frame(w, &reply, MAX_REPLY_BYTES)?;
    }
    Ok(())
}
