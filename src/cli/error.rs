//! One error type for every command: an exit code, a message, a hint.

use std::fmt::Write as _;

use super::Exit;
use super::report::error_label;
use crate::store::StoreError;
use crate::store::backup::BackupError;
use crate::store::bundle::BundleError;
use crate::store::export::ExportError;

/// A command's failure as the user sees it.
#[derive(Debug)]
pub struct CliError {
    pub exit: Exit,
    /// Empty when the problem was already reported (e.g. diagnostics).
    pub message: String,
    pub hint: Option<String>,
    /// Context worth knowing, e.g. where the store directory came from.
    pub note: Option<String>,
}

impl CliError {
    pub fn new(exit: Exit, message: impl Into<String>) -> Self {
        CliError {
            exit,
            message: message.into(),
            hint: None,
            note: None,
        }
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// The same error with `prefix` (e.g. a file name) before its message.
    pub fn prefixed(mut self, prefix: &str) -> Self {
        self.message.insert_str(0, prefix);
        self
    }

    /// A failure whose details were already printed.
    pub fn reported(exit: Exit) -> Self {
        CliError::new(exit, "")
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        CliError::new(Exit::Invalid, message)
    }

    /// `error: MESSAGE` and `hint: …`, for standard error.
    pub fn render(&self) -> String {
        let mut out = String::new();
        if !self.message.is_empty() {
            let _ = writeln!(out, "{}: {}", error_label(), self.message);
        }
        if let Some(note) = &self.note {
            let _ = writeln!(out, "note: {note}");
        }
        if let Some(hint) = &self.hint {
            let _ = writeln!(out, "hint: {hint}");
        }
        out
    }
}

impl From<StoreError> for CliError {
    fn from(e: StoreError) -> Self {
        let exit = if e.is_store_problem() {
            Exit::Store
        } else {
            Exit::Invalid
        };
        let hint = e.hint();
        let mut err = CliError::new(exit, format!("{e}."));
        err.hint = hint;
        err
    }
}

impl From<BundleError> for CliError {
    fn from(e: BundleError) -> Self {
        match e {
            BundleError::Store(e) => e.into(),
            e => {
                let mut err = CliError::invalid(format!("{e}."));
                err.hint = e.hint();
                err
            }
        }
    }
}

impl From<BackupError> for CliError {
    fn from(e: BackupError) -> Self {
        match e {
            BackupError::Store(e) => e.into(),
            e => {
                let mut err = CliError::invalid(format!("{e}."));
                err.hint = e.hint();
                err
            }
        }
    }
}

impl From<ExportError> for CliError {
    fn from(e: ExportError) -> Self {
        match e {
            ExportError::Store(e) => e.into(),
            // A closed pipe (`| head`) is the reader's choice, not a failure.
            ExportError::Io(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
                CliError::reported(Exit::Ok)
            }
            ExportError::Io(e) => CliError::new(
                Exit::Invalid,
                format!("cannot write the export: {}.", crate::store::io_reason(&e)),
            ),
            e @ ExportError::Write { .. } => CliError::new(Exit::Invalid, format!("{e}."))
                .with_hint("check that the folder exists and that you may write there"),
            ExportError::Lang(e) => CliError::new(Exit::Usage, format!("{e}."))
                .with_hint("pick one of the survey's languages with --lang, or leave --lang out"),
        }
    }
}
