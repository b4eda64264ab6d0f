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

/// Writes `value` as pretty JSON and a newline to standard output, as
/// [`text`] would show it, streamed through a buffered lock (no copy of
/// the whole; a tally of a million responses is 22 MB of JSON). JSON
/// escapes every control below U+0020, so where the stripping of styles
/// is on, all it could take is DEL, and [`WithoutDel`] takes that.
pub fn json<T: serde::Serialize>(value: &T) -> Result<(), CliError> {
    let strips = anstream::stdout().current_choice() == anstream::ColorChoice::Never;
    let stdout = io::stdout().lock();
    // serde_json writes token by token: the buffer comes first, so DEL
    // is looked for in whole buffers, not in every token.
    if strips {
        json_to(
            io::BufWriter::with_capacity(JSON_BUFFER, WithoutDel(stdout)),
            value,
        )
    } else {
        json_to(io::BufWriter::with_capacity(JSON_BUFFER, stdout), value)
    }
}

/// The buffer between serde_json's many small writes and standard output.
const JSON_BUFFER: usize = 1 << 16;

fn json_to<W: Write, T: serde::Serialize>(mut out: W, value: &T) -> Result<(), CliError> {
    serde_json::to_writer_pretty(&mut out, value).map_err(|e| match e.io_error_kind() {
        Some(kind) => written(io::Error::from(kind)),
        None => CliError::invalid(format!("{e}.")),
    })?;
    out.write_all(b"\n")
        .and_then(|()| out.flush())
        .map_err(written)
}

/// A writer that drops DEL (0x7F), as the stripping of styles does.
struct WithoutDel<W>(W);

impl<W: Write> Write for WithoutDel<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        for part in buf.split(|b| *b == 0x7f) {
            self.0.write_all(part)?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
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

    /// JSON with every kind of control in its strings, stripped as
    /// [`text`] strips it, is the JSON [`WithoutDel`] writes.
    #[test]
    fn json_without_del_is_json_stripped() {
        let nasty: String = (0u8..0x80)
            .map(char::from)
            .chain("\u{85}\u{9b}[2J\u{202e}ä😀".chars())
            .collect();
        let value = serde_json::json!({ "t": [nasty, "\x1b[31mred\x7f\x7f", "plain"] });
        let pretty = serde_json::to_string_pretty(&value).unwrap();
        let stripped = anstream::adapter::strip_str(&pretty).to_string();
        assert_ne!(stripped, pretty);
        let mut ours = Vec::new();
        serde_json::to_writer_pretty(WithoutDel(&mut ours), &value).unwrap();
        assert_eq!(String::from_utf8(ours).unwrap(), stripped);
    }
}
