//! The owner's background sync: while the store has a sync target, each
//! new response is sent within a couple of seconds; while PostgreSQL
//! cannot be reached the worker waits (`core::backoff`) and tries again,
//! for as long as it takes. It runs on its own thread and reads the store
//! as any reader does, so a respondent's submit never waits for it.

use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use crate::core::backoff::retry_delay;
use crate::sink::{Sink, Target};
use crate::store::Store;

/// How long the worker gathers notices after the first before it sends:
/// a bundle import or a quick run of submits goes in one sync.
const GATHER: Duration = Duration::from_millis(500);

/// How often the worker looks at the store even when nothing was heard
/// (a target set while it slept, a missed notice).
const LOOK: Duration = Duration::from_secs(30);

/// The password for a target, looked up afresh at every connect (the CLI
/// reads `PGPASSWORD` and the password file; the admin may add one to the
/// file while the kiosk runs).
pub type PasswordLookup = Arc<dyn Fn(&Target) -> Option<String> + Send + Sync>;

/// A wake-up for the worker.
enum Wake {
    /// The store changed: something may wait to be sent.
    Changed,
    /// The target was set or switched off: try now, forget the backoff.
    Now,
    Stop,
}

/// The running worker; told to stop when dropped. It is not waited for:
/// a kiosk that quits never waits on a slow network (the thread holds
/// only a weak handle on the store, and a batch is one transaction).
pub struct Worker {
    wake: Sender<Wake>,
}

impl Worker {
    /// Starts the worker on `store`, with `now` giving Unix milliseconds.
    pub fn spawn(store: &Arc<Store>, password: PasswordLookup, now: fn() -> i64) -> Worker {
        let (wake, woken) = mpsc::channel();
        forward_store_events(store, wake.clone());
        let weak = Arc::downgrade(store);
        if let Err(e) = std::thread::Builder::new()
            .name("kioski-sync".into())
            .spawn(move || run(&weak, &woken, &*password, now))
        {
            tracing::warn!("cannot start the sync thread: {e}");
        }
        Worker { wake }
    }

    /// Try now: the target changed.
    pub fn poke(&self) {
        let _ = self.wake.send(Wake::Now);
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        let _ = self.wake.send(Wake::Stop);
    }
}

/// Passes the store's change notices on as `Wake::Changed`, until the
/// store closes or the worker stops.
fn forward_store_events(store: &Store, wake: Sender<Wake>) {
    let events = store.watch();
    let spawned = std::thread::Builder::new()
        .name("kioski-sync-events".into())
        .spawn(move || {
            while let Ok(event) = events.recv() {
                let wake_up = match event {
                    crate::store::StoreEvent::SyncTargetChanged => Wake::Now,
                    _ => Wake::Changed,
                };
                if wake.send(wake_up).is_err() {
                    return;
                }
            }
        });
    if let Err(e) = spawned {
        tracing::warn!("cannot start the sync notice thread: {e}");
    }
}

fn run(
    store: &Weak<Store>,
    woken: &Receiver<Wake>,
    password: &dyn Fn(&Target) -> Option<String>,
    now: fn() -> i64,
) {
    let mut failures: u32 = 0;
    let mut sink: Option<(String, Sink)> = None;
    // The first round goes at once: a kiosk that starts after weeks
    // offline sends what waits without waiting for a new response.
    let mut wait = Duration::ZERO;
    // While failing, a new response does not cut the backoff short.
    let mut retry_at: Option<Instant> = None;
    loop {
        match wait_for(woken, wait) {
            Some(Wake::Stop) => return,
            Some(Wake::Now) => {
                failures = 0;
                retry_at = None;
            }
            Some(Wake::Changed) => {
                if let Some(at) = retry_at.filter(|at| *at > Instant::now()) {
                    wait = at - Instant::now();
                    continue;
                }
            }
            None => {}
        }
        let Some(store) = store.upgrade() else { return };
        if store.handed_over() {
            return;
        }
        let target = match store.sync_target() {
            Ok(Some(t)) => t,
            Ok(None) => {
                sink = None;
                wait = LOOK;
                continue;
            }
            Err(e) => {
                tracing::warn!("sync cannot read its target: {e}");
                wait = LOOK;
                continue;
            }
        };
        match round(&store, &target, &mut sink, password, now) {
            Ok(()) => {
                failures = 0;
                retry_at = None;
                wait = LOOK;
            }
            Err(e) => {
                sink = None;
                failures = failures.saturating_add(1);
                wait = retry_delay(failures, rand::random::<f64>());
                retry_at = Some(Instant::now() + wait);
                tracing::warn!(
                    failures,
                    retry_in_ms = wait.as_millis() as u64,
                    "sync failed: {e}"
                );
            }
        }
    }
}

/// One sync to `target`, on the kept connection if it is still to that
/// target.
fn round(
    store: &Store,
    target: &str,
    kept: &mut Option<(String, Sink)>,
    password: &dyn Fn(&Target) -> Option<String>,
    now: fn() -> i64,
) -> Result<(), super::SyncError> {
    let parsed = Target::parse(target)?;
    if kept.as_ref().is_none_or(|(t, _)| t != target) {
        let sink = Sink::connect(&parsed, password(&parsed).as_deref()).map_err(|e| {
            let e = super::SyncError::from(e);
            super::note_failure(store, &e, now());
            e
        })?;
        *kept = Some((target.to_owned(), sink));
    }
    let Some((_, sink)) = kept.as_mut() else {
        return Ok(());
    };
    let sent = super::sync_once(store, &parsed, sink, now(), &mut |_| {})?;
    if sent.inserted + sent.deleted > 0 {
        tracing::info!(
            inserted = sent.inserted,
            deleted = sent.deleted,
            cursor = sent.cursor,
            "synced"
        );
    }
    Ok(())
}

/// Waits up to `wait` for a wake-up; a `Changed` is followed by a short
/// gathering of more, so a burst makes one round. `Now` and `Stop` win
/// over `Changed`s heard with them.
fn wait_for(woken: &Receiver<Wake>, wait: Duration) -> Option<Wake> {
    let first = match woken.recv_timeout(wait) {
        Ok(w) => w,
        Err(RecvTimeoutError::Timeout) => return None,
        Err(RecvTimeoutError::Disconnected) => return Some(Wake::Stop),
    };
    if !matches!(first, Wake::Changed) {
        return Some(first);
    }
    let until = Instant::now() + GATHER;
    loop {
        let left = until.saturating_duration_since(Instant::now());
        match woken.recv_timeout(left) {
            Ok(Wake::Changed) => continue,
            Ok(other) => return Some(other),
            Err(RecvTimeoutError::Timeout) => return Some(Wake::Changed),
            Err(RecvTimeoutError::Disconnected) => return Some(Wake::Stop),
        }
    }
}
