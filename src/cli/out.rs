//! Standard output and error for every command, through one writer that
//! can fail. `println!` panics when the reader has gone (`kioski surveys |
//! head -n 1`); here a closed pipe ends the command quietly with exit 0,
//! as ripgrep does (not 141: the reader chose to stop, nothing failed).
//! Clippy's `print_stdout` and `print_stderr` keep every other path out.

use std::fmt;
use std::io::{self, Write};

use super::{CliError, Exit};

/// Writes `args` and a newline to standard output (styles dropped when it
/// is not a terminal).
pub fn line(args: fmt::Arguments<'_>) -> Result<(), CliError> {
    let mut out = anstream::stdout().lock();
    out.write_fmt(args)
        .and_then(|()| out.write_all(b"\n"))
        .and_then(|()| out.flush())
        .map_err(written)
}

/// Writes `text` as it is to standard output.
pub fn text(text: &str) -> Result<(), CliError> {
    let mut out = anstream::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(written)
}

/// Writes `bytes` to standard output as [`text`] would, without its cost
/// when nothing in them is what the styles' stripping removes (escape
/// sequences, controls other than white space, DEL): then they go out
/// unchanged through a buffered lock. A tally's JSON of a million
/// responses is 22 MB; byte by byte through the stripping it took a
/// tenth of the command. Anything else (a style, a control that got in)
/// goes through the stripping as before, so the output is the same.
pub fn bytes(bytes: &[u8]) -> Result<(), CliError> {
    if bytes.iter().copied().any(stripped) {
        let mut out = anstream::stdout().lock();
        out.write_all(bytes)
            .and_then(|()| out.flush())
            .map_err(written)
    } else {
        let mut out = raw();
        out.write_all(bytes)
            .and_then(|()| out.flush())
            .map_err(written)
    }
}

/// Whether the stripping of styles (`anstream`, off a terminal) may drop
/// or change byte `b` and what follows it.
fn stripped(b: u8) -> bool {
    (b < 0x20 && !b.is_ascii_whitespace()) || b == 0x7f
}

/// Standard output as bytes, unchanged and buffered (exports, JSON);
/// flush it, and map its errors with [`written`].
pub fn raw() -> io::BufWriter<io::StdoutLock<'static>> {
    io::BufWriter::new(io::stdout().lock())
}

/// Writes a note for the person (not for a pipe) to standard error. A
/// standard error that cannot be written to has no one to tell.
pub fn note(args: fmt::Arguments<'_>) {
    let mut err = anstream::stderr().lock();
    let _ = err.write_fmt(args).and_then(|()| err.write_all(b"\n"));
}

/// Whether a write failed because the reader went away.
pub fn is_closed(e: &io::Error) -> bool {
    e.kind() == io::ErrorKind::BrokenPipe
}

/// A failed write to standard output as the command's error: a closed
/// pipe is a quiet success.
pub fn written(e: io::Error) -> CliError {
    if is_closed(&e) {
        CliError::reported(Exit::Ok)
    } else {
        CliError::invalid(format!("cannot write to standard output: {e}."))
    }
}

/// `println!` through [`line`]: evaluates to `Result<(), CliError>`.
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::cli::out::line(format_args!($($arg)*))
    };
}

/// `eprintln!` through [`note`].
macro_rules! noteln {
    ($($arg:tt)*) => {
        $crate::cli::out::note(format_args!($($arg)*))
    };
}

pub(crate) use {noteln, outln};

#[cfg(test)]
mod tests {
    use super::*;

    /// Text with no byte [`stripped`] names is what the stripping leaves
    /// it, to the byte; each byte it names the stripping changes.
    #[test]
    fn bytes_the_stripping_keeps_go_out_unchanged() {
        for b in 0u8..0x80 {
            let s = format!("a{}b", char::from(b));
            let kept = anstream::adapter::strip_str(&s).to_string() == s;
            assert_eq!(kept, !stripped(b), "byte {b:#04x}");
        }
        let clean = "ä \u{85} \u{9b}[2J \u{202e} 😀 \t\r\n\x0c{\"a\": \"\\u001b\"}";
        for s in [
            clean,
            "\u{85}\u{9b}\u{9c}\u{80}\u{9f}",
            "Åsa: \"bättre\"\n  \"x\"",
        ] {
            assert!(!s.bytes().any(stripped), "{s:?}");
            assert_eq!(anstream::adapter::strip_str(s).to_string(), s, "{s:?}");
        }
    }
}
