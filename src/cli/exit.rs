//! Exit codes, as the product contract fixes them for scripts.

use std::process::ExitCode;

/// How a command ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// 0: everything worked.
    Ok,
    /// 1: invalid input (a bad survey file, a bad bundle).
    Invalid,
    /// 2: a usage error (clap exits with 2 itself for bad arguments).
    Usage,
    /// 3: a store problem (locked, unreadable, newer format).
    Store,
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> ExitCode {
        ExitCode::from(match exit {
            Exit::Ok => 0,
            Exit::Invalid => 1,
            Exit::Usage => 2,
            Exit::Store => 3,
        })
    }
}
