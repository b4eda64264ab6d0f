//! kioski: a terminal survey kiosk and tally tool.
//!
//! Layers, inner to outer (each uses only the ones above it):
//! - [`core`]: survey files, conditions, answers and flow; pure, no I/O.
//! - store, server, access: the sled store and its one owner (to come).
//! - ui: the kiosk and clerk screens (to come).
//! - [`cli`]: arguments, commands, exit codes; the only place that reads
//!   the environment.

pub mod cli;
pub mod core;
pub mod remote;
pub mod report;
pub mod sink;
pub mod store;
pub mod sync;
pub mod ui;
