//! kioski: a terminal survey kiosk and tally tool.
//!
//! Layers, inner to outer (each uses only the ones above it):
//! - [`core`]: survey files, conditions, answers and flow; pure, no I/O.
//! - [`store`]: the sled store, its one owner, bundles, backups, the
//!   outbox and the kept tally cells.
//! - [`sink`]: PostgreSQL (issue 15); [`sync`]: the outbox sent to it.
//! - [`remote`]: the owner's socket and `Access` (own or ask the owner).
//! - [`ui`]: the kiosk, live tally and admin screens.
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
