//! The respondent's screens: state, messages, a pure update, layout, view,
//! and the loop that runs them in a real terminal.

pub mod field;
pub mod keys;
pub mod layout;
pub mod msg;
pub mod run;
pub mod state;
pub mod update;
pub mod view;

#[cfg(test)]
mod tests;
