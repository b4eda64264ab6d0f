//! `keep_days`: the store's owner (a kiosk, or a clerk's view that owns
//! the store) deletes what a survey no longer keeps at start and then
//! once a day, on a thread of its own.

use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use super::database::Store;

/// How often the rule runs after the first time.
const EVERY: Duration = Duration::from_secs(24 * 60 * 60);

/// How often the thread looks whether its store is still there.
const LOOK: Duration = Duration::from_secs(30);

/// Runs [`Store::apply_keep_days`] now and then daily, with `now` giving
/// the wall clock in Unix ms, until the store is dropped or handed over.
pub fn spawn(store: &Arc<Store>, now: fn() -> i64) {
    let weak: Weak<Store> = Arc::downgrade(store);
    let spawned = std::thread::Builder::new()
        .name("kioski-keep-days".into())
        .spawn(move || {
            let mut next = Instant::now();
            loop {
                if Instant::now() >= next {
                    let Some(store) = weak.upgrade() else { return };
                    if store.handed_over() {
                        return;
                    }
                    match store.apply_keep_days(now()) {
                        Ok(0) => {}
                        Ok(n) => tracing::info!(deleted = n, "keep_days applied"),
                        Err(e) => tracing::warn!("keep_days could not be applied: {e}"),
                    }
                    next = Instant::now() + EVERY;
                }
                std::thread::sleep(LOOK);
                if weak.strong_count() == 0 {
                    return;
                }
            }
        });
    if let Err(e) = spawned {
        tracing::warn!("cannot start the keep_days thread: {e}");
    }
}
