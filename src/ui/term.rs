//! `TerminalGuard`: puts the terminal into kiosk mode and always puts it
//! back, on return, on error and on panic.

use std::io::{self, Stdout, Write};

use crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture,
};
use crossterm::execute;
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

pub type Term = Terminal<CrosstermBackend<Stdout>>;

/// Raw mode, alternate screen, hidden cursor, mouse capture and bracketed
/// paste, undone in reverse order when dropped. `ratatui::restore` alone
/// would leave mouse capture on.
pub struct TerminalGuard {
    pub terminal: Term,
}

impl TerminalGuard {
    pub fn enter() -> io::Result<TerminalGuard> {
        install_panic_hook();
        enable_raw_mode()?;
        let mut stdout = io::stdout();
        if let Err(e) = execute!(
            stdout,
            EnterAlternateScreen,
            EnableMouseCapture,
            EnableBracketedPaste
        ) {
            restore();
            return Err(e);
        }
        let mut terminal = match Terminal::new(CrosstermBackend::new(stdout)) {
            Ok(t) => t,
            Err(e) => {
                restore();
                return Err(e);
            }
        };
        let _ = terminal.hide_cursor();
        let _ = terminal.clear();
        Ok(TerminalGuard { terminal })
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore();
    }
}

/// Undoes everything `enter` did; safe to call more than once. Failures
/// are logged, never raised: this runs while unwinding too.
pub fn restore() {
    let mut stdout = io::stdout();
    let steps: [(&str, io::Result<()>); 3] = [
        (
            "leave modes",
            execute!(
                stdout,
                DisableBracketedPaste,
                DisableMouseCapture,
                LeaveAlternateScreen
            ),
        ),
        ("show cursor", execute!(stdout, crossterm::cursor::Show)),
        ("raw mode", disable_raw_mode()),
    ];
    for (what, result) in steps {
        if let Err(e) = result {
            tracing::warn!("restoring the terminal ({what}): {e}");
        }
    }
    let _ = stdout.flush();
}

/// On panic: restore the terminal first, then the previous hook prints.
fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        tracing::error!("panic: {info}");
        previous(info);
    }));
}
