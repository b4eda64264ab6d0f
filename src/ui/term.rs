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

/// Lets the terminal backend write colours, or not. crossterm drops every
/// colour while `NO_COLOR` is set; a theme chosen with `--theme` wins over
/// `NO_COLOR` (as no-color.org allows), so it has to say so. Process-wide:
/// set once, before the first frame.
pub fn allow_colour(allowed: bool) {
    crossterm::style::force_color_output(allowed);
}

/// Raw mode, alternate screen, hidden cursor, mouse capture and bracketed
/// paste, undone in reverse order when dropped. `ratatui::restore` alone
/// would leave mouse capture on.
pub struct TerminalGuard {
    /// Always `Some` until drop.
    terminal: Option<Term>,
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
        Ok(TerminalGuard {
            terminal: Some(terminal),
        })
    }

    /// Draws one frame.
    pub fn draw(&mut self, render: impl FnOnce(&mut ratatui::Frame)) -> io::Result<()> {
        match self.terminal.as_mut() {
            Some(t) => t.draw(render).map(|_| ()),
            None => Ok(()),
        }
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore();
        // ratatui's Terminal shows a hidden cursor when dropped and prints to
        // stderr if it cannot, which panics when the terminal is gone (a
        // closed SSH session). The cursor was shown above; if the terminal
        // still refuses, the Terminal is forgotten rather than dropped.
        if let Some(mut terminal) = self.terminal.take()
            && terminal.show_cursor().is_err()
        {
            std::mem::forget(terminal);
        }
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
