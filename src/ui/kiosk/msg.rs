//! What can happen to the kiosk, and what it asks the loop to do.

use crossterm::event::KeyEvent;

use super::layout::Target;
use crate::core::answer::Answers;
use crate::core::pin::PinCheck;
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
    /// The store's answer to a `Submit`.
    Saved(Result<(), String>),
    /// The store's answer to a `CheckPin`.
    PinChecked(Result<PinCheck, String>),
    /// SIGTERM, SIGHUP or SIGINT from outside.
    Shutdown,
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
    /// Store prize-draw contact details, unlinked from any response.
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
