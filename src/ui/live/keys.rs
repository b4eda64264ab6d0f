//! The live view's key table: which keys do what, and the footer's hint
//! for them. [`Live::key`](super::state::Live::key) looks every key up
//! here and the footer is drawn from the same rows, so a hint never
//! promises what a key does not do.

use crossterm::event::KeyCode;

use super::scroll::Move;
use super::view::Hit;
use crate::ui::strings::views::ViewTexts;

/// What a key asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cmd {
    Quit,
    Prev,
    Next,
    /// Select the question numbered by the digit.
    Digit,
    Group,
    Period,
    Texts,
    Reload,
    Scroll(Move),
}

/// When a row's hint shows in the footer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shown {
    Never,
    Always,
    /// Only when some grouped rows did not fit.
    WhenScrollable,
}

/// One row of the table.
pub struct Binding {
    pub keys: &'static [KeyCode],
    pub cmd: Cmd,
    /// The keys as the footer shows them.
    pub glyph: &'static str,
    /// What the keys do, in the view's language.
    pub label: fn(&ViewTexts) -> &'static str,
    pub shown: Shown,
    /// What a click on the hint does.
    pub hit: Option<Hit>,
}

fn none(_: &ViewTexts) -> &'static str {
    ""
}

/// Every key of the live view (Ctrl-C, which always quits, aside).
pub const KEYS: &[Binding] = &[
    Binding {
        keys: &[KeyCode::Left, KeyCode::Char('h'), KeyCode::BackTab],
        cmd: Cmd::Prev,
        glyph: "◀",
        label: none,
        shown: Shown::Always,
        hit: Some(Hit::Prev),
    },
    Binding {
        keys: &[KeyCode::Right, KeyCode::Char('l'), KeyCode::Tab],
        cmd: Cmd::Next,
        glyph: "▶",
        label: |t| t.key_question,
        shown: Shown::Always,
        hit: Some(Hit::Next),
    },
    Binding {
        keys: &[KeyCode::Up, KeyCode::Char('k')],
        cmd: Cmd::Scroll(Move::Up),
        glyph: "↑↓",
        label: |t| t.key_rows,
        shown: Shown::WhenScrollable,
        hit: None,
    },
    Binding {
        keys: &[KeyCode::Down, KeyCode::Char('j')],
        cmd: Cmd::Scroll(Move::Down),
        glyph: "",
        label: none,
        shown: Shown::Never,
        hit: None,
    },
    Binding {
        keys: &[KeyCode::PageUp],
        cmd: Cmd::Scroll(Move::PageUp),
        glyph: "PgUp",
        label: none,
        shown: Shown::Never,
        hit: None,
    },
    Binding {
        keys: &[KeyCode::PageDown, KeyCode::Char(' ')],
        cmd: Cmd::Scroll(Move::PageDown),
        glyph: "PgDn",
        label: none,
        shown: Shown::Never,
        hit: None,
    },
    Binding {
        keys: &[KeyCode::Home],
        cmd: Cmd::Scroll(Move::Top),
        glyph: "Home",
        label: none,
        shown: Shown::Never,
        hit: None,
    },
    Binding {
        keys: &[KeyCode::End],
        cmd: Cmd::Scroll(Move::Bottom),
        glyph: "End",
        label: none,
        shown: Shown::Never,
        hit: None,
    },
    Binding {
        keys: &[KeyCode::Char('g')],
        cmd: Cmd::Group,
        glyph: "g",
        label: |t| t.key_by,
        shown: Shown::Always,
        hit: Some(Hit::Group),
    },
    Binding {
        keys: &[KeyCode::Char('p')],
        cmd: Cmd::Period,
        glyph: "p",
        label: |t| t.key_period,
        shown: Shown::Always,
        hit: Some(Hit::Period),
    },
    Binding {
        keys: &[KeyCode::Char('t')],
        cmd: Cmd::Texts,
        glyph: "t",
        label: |t| t.key_texts,
        shown: Shown::Always,
        hit: Some(Hit::Texts),
    },
    Binding {
        keys: &[KeyCode::Char('r')],
        cmd: Cmd::Reload,
        glyph: "r",
        label: |t| t.key_reload,
        shown: Shown::Always,
        hit: Some(Hit::Reload),
    },
    Binding {
        keys: &[KeyCode::Char('q'), KeyCode::Esc],
        cmd: Cmd::Quit,
        glyph: "q",
        label: |t| t.key_quit,
        shown: Shown::Always,
        hit: Some(Hit::Quit),
    },
];

/// The command of `code`: a row of [`KEYS`], or a digit.
pub fn lookup(code: KeyCode) -> Option<Cmd> {
    if let KeyCode::Char('1'..='9') = code {
        return Some(Cmd::Digit);
    }
    KEYS.iter().find(|b| b.keys.contains(&code)).map(|b| b.cmd)
}

/// The row of a command, for a click that means the same as its key.
pub fn binding(cmd: Cmd) -> Option<&'static Binding> {
    KEYS.iter().find(|b| b.cmd == cmd)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_key_is_bound_twice() {
        let mut seen = Vec::new();
        for b in KEYS {
            for k in b.keys {
                assert!(!seen.contains(k), "{k:?} twice");
                seen.push(*k);
            }
        }
    }

    #[test]
    fn every_shown_row_has_a_glyph_and_a_label_in_every_language() {
        for lang in crate::core::survey::Lang::ALL {
            let t = ViewTexts::of(lang);
            for b in KEYS.iter().filter(|b| b.shown != Shown::Never) {
                assert!(!b.glyph.is_empty());
                if b.cmd != Cmd::Prev {
                    assert!(!(b.label)(t).is_empty(), "{:?} {lang}", b.cmd);
                }
            }
        }
    }
}
