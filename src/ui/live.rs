//! The live tally view (`kioski tally --live`, and the admin view's
//! tallies): a clerk watches the figures change as respondents answer.
//!
//! The view counts the store once, then folds in each new response the
//! store (or the kiosk that owns it) announces, so it never scans again
//! unless the clerk regroups.

pub mod keys;
pub mod run;
pub mod scroll;
pub mod state;
pub mod view;
pub mod words;

#[cfg(test)]
mod tests;
