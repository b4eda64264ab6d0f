//! Input, signals and deadlines, turned into one stream of events.
//!
//! A thread reads the terminal and sends what it reads; another waits for
//! SIGTERM, SIGHUP and SIGINT; the kiosk's writer answers its saves here
//! too. Each stops when the receiver is gone. The loop waits on the
//! channel with a timeout set to its next deadline, so an idle kiosk
//! sleeps instead of polling.

use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::time::Duration;

use crossterm::event::Event;

use crate::core::pin::PinCheck;
use crate::store::StoreEvent;

/// Something from outside the loop.
#[derive(Debug)]
pub enum Incoming {
    Terminal(Event),
    /// SIGTERM, SIGHUP or SIGINT, by number.
    Signal(i32),
    /// Reading the terminal failed; the loop should end.
    InputClosed(String),
    /// A change in the store (from this process or, through the socket,
    /// from the store's owner).
    Store(StoreEvent),
    /// The store's notices stopped: its owner went away.
    StoreGone,
    /// The store's verdict on an admin PIN attempt (checked on a worker
    /// thread, so the screen keeps drawing).
    PinChecked(Result<PinCheck, String>),
    /// The kiosk's writer thread finished a save.
    Saved(Saved, Result<(), String>),
}

/// What the kiosk's writer saved.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Saved {
    /// The response the Saving screen waits for.
    Response,
    /// A partial left on the way out (idle reset, signal, leaving).
    Partial,
    PrizeEntry,
}

pub struct Events {
    rx: Receiver<Incoming>,
    tx: Sender<Incoming>,
}

impl Events {
    /// Starts the input and signal threads.
    pub fn start() -> std::io::Result<Events> {
        let (tx, rx) = mpsc::channel();
        spawn_input(tx.clone());
        spawn_signals(tx.clone())?;
        Ok(Events { rx, tx })
    }

    /// A sender into the channel, for threads the loop starts itself.
    pub fn sender(&self) -> Sender<Incoming> {
        self.tx.clone()
    }

    /// Passes on the store's notices as [`Incoming::Store`], then
    /// [`Incoming::StoreGone`] when they end.
    pub fn forward_store(&self, events: Receiver<StoreEvent>) {
        let tx = self.tx.clone();
        std::thread::spawn(move || {
            for event in events {
                if tx.send(Incoming::Store(event)).is_err() {
                    return;
                }
            }
            let _ = tx.send(Incoming::StoreGone);
        });
    }

    /// The next event, or `None` when `timeout` passes first.
    pub fn next(&self, timeout: Option<Duration>) -> Option<Incoming> {
        match timeout {
            Some(t) => match self.rx.recv_timeout(t) {
                Ok(e) => Some(e),
                Err(RecvTimeoutError::Timeout) => None,
                Err(RecvTimeoutError::Disconnected) => {
                    Some(Incoming::InputClosed("input threads ended".into()))
                }
            },
            None => Some(
                self.rx
                    .recv()
                    .unwrap_or(Incoming::InputClosed("input threads ended".into())),
            ),
        }
    }

    /// An event already waiting, without blocking (to draw once per batch).
    pub fn try_next(&self) -> Option<Incoming> {
        self.rx.try_recv().ok()
    }
}

fn spawn_input(tx: Sender<Incoming>) {
    std::thread::spawn(move || {
        loop {
            let event = match crossterm::event::read() {
                Ok(e) => Incoming::Terminal(e),
                Err(e) => {
                    let _ = tx.send(Incoming::InputClosed(e.to_string()));
                    return;
                }
            };
            if tx.send(event).is_err() {
                return;
            }
        }
    });
}

fn spawn_signals(tx: Sender<Incoming>) -> std::io::Result<()> {
    use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
    let mut signals = signal_hook::iterator::Signals::new([SIGTERM, SIGHUP, SIGINT])?;
    std::thread::spawn(move || {
        for signal in signals.forever() {
            if tx.send(Incoming::Signal(signal)).is_err() {
                return;
            }
        }
    });
    Ok(())
}
