//! One module per subcommand: its arguments and its `run`.

pub mod activate;
pub mod admin;
pub mod backup;
pub mod bundle;
pub mod check;
pub mod delete;
pub mod export;
pub mod kiosk;
pub mod load;
pub mod pin;
pub mod prize;
pub mod report;
pub mod restore;
pub mod simulate;
pub mod surveys;
pub mod sync;
pub mod tally;
pub mod validate;
