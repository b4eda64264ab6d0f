//! Change notices from a store to whoever watches it in this process: the
//! kiosk (to switch surveys at its next welcome screen) and the socket
//! server (to push new responses to live tally views).

use std::sync::Mutex;
use std::sync::mpsc::{self, Receiver, Sender};

use crate::core::response::Response;

/// What changed. Sent only after the change is durable.
#[derive(Clone, Debug, PartialEq)]
pub enum StoreEvent {
    /// One response was submitted (by the kiosk).
    Stored(Box<Response>),
    /// Responses arrived in bulk (a bundle import, `simulate`); watchers
    /// that keep totals should count again.
    Imported,
    /// A survey was loaded or activated, or the terminal name changed.
    SurveysChanged,
    /// The admin PIN was set, changed or cleared (the kiosk leaves or
    /// enters demo mode). Never sent on the socket: no view needs it.
    PinChanged,
    /// The sync target was set or switched off: the owner's sync worker
    /// tries at once. Never sent on the socket.
    SyncTargetChanged,
}

/// The senders of every watcher; a watcher that has gone is dropped at
/// the next notice.
pub(crate) struct Watchers {
    /// `None` once closed: the store was handed over.
    senders: Mutex<Option<Vec<Sender<StoreEvent>>>>,
}

impl Default for Watchers {
    fn default() -> Self {
        Watchers {
            senders: Mutex::new(Some(Vec::new())),
        }
    }
}

impl Watchers {
    pub(crate) fn watch(&self) -> Receiver<StoreEvent> {
        let (tx, rx) = mpsc::channel();
        // A closed store's watcher hears nothing: its channel ends at once.
        if let Ok(mut senders) = self.senders.lock()
            && let Some(senders) = senders.as_mut()
        {
            senders.push(tx);
        }
        rx
    }

    pub(crate) fn notify(&self, event: StoreEvent) {
        if let Ok(mut senders) = self.senders.lock()
            && let Some(senders) = senders.as_mut()
        {
            senders.retain(|tx| tx.send(event.clone()).is_ok());
        }
    }

    /// Ends every watcher's channel, now and for later watchers.
    pub(crate) fn close(&self) {
        if let Ok(mut senders) = self.senders.lock() {
            senders.take();
        }
    }
}
