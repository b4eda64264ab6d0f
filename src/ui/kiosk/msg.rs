//! What can happen to the kiosk, and what it asks the loop to do.

use crossterm::event::KeyEvent;

use super::layout::Target;
use crate::core::answer::Answers;
use crate::core::pin::{Lockout, PinCheck};
use crate::core::survey::Lang;

/// Something that happened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Msg {
    Key(KeyEvent),
    /// A click or tap, already mapped to what was drawn there.
    Tap(Target),
    /// A click or tap on nothing in particular.
    TapElsewhere,
    Paste(String),
    /// Time passed (a deadline the loop slept until).
    Tick,
    /// The store's answer to the `Submit` the Saving screen waits for
    /// (partials are the loop's own business).
    Saved(Result<(), String>),
    /// The store's answer to a `PrizeEntry`.
    PrizeSaved(Result<(), String>),
    /// The store's answer to a `CheckPin`.
    PinChecked(Result<PinCheck, String>),
    /// SIGTERM, SIGHUP or SIGINT from outside.
    Shutdown,
}

/// The two clocks `update` reads: a monotonic one for every deadline
/// (idle reset, countdown, thank-you, PIN prompt), so that a wall-clock
/// step neither fires nor freezes them, and the wall clock only for the
/// times stored in a response.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Now {
    /// Milliseconds on a monotonic clock (any origin).
    pub mono_ms: i64,
    /// Unix milliseconds.
    pub wall_ms: i64,
}

impl Now {
    /// A stored lockout (its end on the wall clock, so that it survives
    /// a restart) with its end moved to the monotonic clock the kiosk's
    /// deadlines run on.
    pub fn lockout_on_mono(&self, stored: Lockout) -> Lockout {
        Lockout {
            failures: stored.failures,
            until_ms: stored
                .until_ms
                .map(|t| self.mono_ms.saturating_add(t.saturating_sub(self.wall_ms))),
        }
    }
}

impl From<i64> for Now {
    /// Both clocks at `ms`, as tests run them.
    fn from(ms: i64) -> Now {
        Now {
            mono_ms: ms,
            wall_ms: ms,
        }
    }
}

/// Something for the loop to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Effect {
    /// Store a response; the loop answers with `Msg::Saved`.
    Submit(Submission),
    /// Leave the kiosk (right PIN, or demo mode's Ctrl-C, or a signal).
    Quit,
    /// Write a line to the log file (never to the screen).
    Log(String),
    /// Store prize-draw contact details, unlinked from any response; the
    /// loop answers with `Msg::PrizeSaved`.
    PrizeEntry(Vec<(String, String)>),
    /// Have the store check an admin PIN attempt (off the drawing thread:
    /// argon2 takes a while); the loop answers with `Msg::PinChecked`.
    CheckPin(String),
}

/// A response as the kiosk hands it over; the loop adds id, version,
/// terminal and submit time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Submission {
    pub answers: Answers,
    pub complete: bool,
    pub lang: Lang,
    pub started_ms: i64,
}
