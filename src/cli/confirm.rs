//! Asking before something that cannot be undone: `y` or `yes` on the
//! terminal goes ahead, anything else does not; `--yes` skips the
//! question; with no terminal to ask on (a script, a pipe) and no
//! `--yes`, the command refuses with exit 2 rather than guess.

use std::io::{BufRead, IsTerminal, Write};

use super::{CliError, Exit};

/// Asks `question` (it should end with `?`) on the terminal, unless
/// `yes`. `Ok(true)`: go ahead; `Ok(false)`: the person said no.
pub fn confirm(question: &str, yes: bool) -> Result<bool, CliError> {
    if yes {
        return Ok(true);
    }
    let stdin = std::io::stdin();
    if !stdin.is_terminal() {
        return Err(CliError::new(
            Exit::Usage,
            "standard input is not a terminal, so kioski cannot ask before going ahead.",
        )
        .with_hint("pass --yes to go ahead without asking"));
    }
    {
        // The question goes to standard error, so it shows even when
        // standard output is redirected.
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "{question} [y/N] ");
        let _ = err.flush();
    }
    let mut answer = String::new();
    stdin
        .lock()
        .read_line(&mut answer)
        .map_err(|e| CliError::new(Exit::Usage, format!("cannot read the answer: {e}.")))?;
    Ok(is_yes(&answer))
}

/// `y` or `yes`, in any case, with spaces around; nothing else.
fn is_yes(answer: &str) -> bool {
    matches!(answer.trim().to_lowercase().as_str(), "y" | "yes")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_y_or_yes_goes_ahead() {
        for yes in ["y\n", "Y", " yes \n", "YES"] {
            assert!(is_yes(yes), "{yes:?}");
        }
        for no in ["", "\n", "n", "no", "yy", "kyllä", "y es"] {
            assert!(!is_yes(no), "{no:?}");
        }
    }

    #[test]
    fn yes_skips_the_question() {
        assert!(confirm("Delete?", true).unwrap());
    }
}
