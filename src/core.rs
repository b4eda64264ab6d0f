//! The pure core: survey files, answers and a respondent's walk.
//!
//! Nothing here touches files, sockets, the terminal, the clock or threads;
//! callers pass in text, answers and times. That keeps every rule testable
//! on its own and lets the kiosk, the store and the CLI share one truth.

pub mod answer;
pub mod answer_json;
pub mod backoff;
pub mod canonical;
pub mod condition;
pub mod demo;
pub mod diagnostic;
pub mod draw;
pub mod export;
pub mod flow;
pub mod parse;
pub mod pin;
pub mod report;
pub mod response;
pub mod retention;
pub mod sanitize;
pub mod simulate;
pub mod stats;
pub mod suggest;
pub mod survey;
pub mod suspect;
pub mod tally;
#[cfg(test)]
mod testdata;
pub mod validate;
pub mod version;
