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
    /// 128 + N: the kiosk ended on signal N (143 for SIGTERM, 129 for
    /// SIGHUP), after storing the partial, as a shell reports a killed
    /// command, so a service manager sees why it stopped.
    Signal(i32),
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> ExitCode {
        ExitCode::from(match exit {
            Exit::Ok => 0,
            Exit::Invalid => 1,
            Exit::Usage => 2,
            Exit::Store => 3,
            Exit::Signal(n) => u8::try_from(128 + n.clamp(0, 127)).unwrap_or(u8::MAX),
        })
    }
}
