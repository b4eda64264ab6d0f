//! A one-line or multi-line text field: the text, a cursor, and edits
//! that keep both valid. Pasted text is cleaned and bounded here, so no
//! control character or escape sequence ever reaches the answer.
//! Keys held with Ctrl or Alt are editing commands as in readline
//! ([`TextField::command`]), never text.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::core::sanitize;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TextField {
    text: String,
    /// Cursor position in characters, `0..=len`.
    cursor: usize,
}

impl TextField {
    pub fn with_text(text: &str) -> Self {
        TextField {
            text: text.to_owned(),
            cursor: text.chars().count(),
        }
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    pub fn cursor(&self) -> usize {
        self.cursor
    }

    pub fn len(&self) -> usize {
        self.text.chars().count()
    }

    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    fn byte_at(&self, chars: usize) -> usize {
        self.text
            .char_indices()
            .nth(chars)
            .map_or(self.text.len(), |(i, _)| i)
    }

    /// Inserts typed or pasted text at the cursor, cleaned of control
    /// characters (line breaks become spaces) and cut so the field holds
    /// at most `max` characters.
    pub fn insert(&mut self, text: &str, max: usize) {
        let room = max.saturating_sub(self.len());
        if room == 0 {
            return;
        }
        // Clean a bounded prefix only: a pasted megabyte costs no more than
        // what can fit (the stripping of escape sequences needs a little
        // more than `room` characters of input to see them whole).
        let window: String = text
            .chars()
            .take(room.saturating_mul(4).saturating_add(64))
            .collect();
        let clean: String = sanitize::strip(&window, false).chars().take(room).collect();
        let at = self.byte_at(self.cursor);
        self.text.insert_str(at, &clean);
        self.cursor += clean.chars().count();
    }

    pub fn backspace(&mut self) {
        if self.cursor > 0 {
            self.cursor -= 1;
            let at = self.byte_at(self.cursor);
            self.text.remove(at);
        }
    }

    pub fn delete(&mut self) {
        if self.cursor < self.len() {
            let at = self.byte_at(self.cursor);
            self.text.remove(at);
        }
    }

    pub fn left(&mut self) {
        self.cursor = self.cursor.saturating_sub(1);
    }

    pub fn right(&mut self) {
        self.cursor = (self.cursor + 1).min(self.len());
    }

    pub fn home(&mut self) {
        self.cursor = 0;
    }

    pub fn end(&mut self) {
        self.cursor = self.len();
    }

    /// Whether `key` is a command for the field rather than text: a
    /// character held with Ctrl or Alt. (Ctrl and Alt together on a
    /// character that is not a letter is AltGr on some systems, e.g. `@`
    /// on a Finnish keyboard: that is text.)
    pub fn is_command(key: &KeyEvent) -> bool {
        let KeyCode::Char(c) = key.code else {
            return false;
        };
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let alt = key.modifiers.contains(KeyModifiers::ALT);
        match (ctrl, alt) {
            (true, true) => c.is_ascii_alphabetic(),
            (false, false) => false,
            _ => true,
        }
    }

    /// Runs a Ctrl or Alt key as readline does: Ctrl-A/E start and end,
    /// Ctrl-B/F a character back and on, Ctrl-D and Ctrl-H delete, Ctrl-U
    /// and Ctrl-K cut to the start and to the end, Ctrl-W the word before
    /// the cursor; Alt-B/F a word back and on, Alt-D the word after. Any
    /// other such key does nothing: it is never typed.
    pub fn command(&mut self, key: &KeyEvent) {
        let KeyCode::Char(c) = key.code else {
            return;
        };
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        let alt = key.modifiers.contains(KeyModifiers::ALT);
        match (ctrl, alt, c.to_ascii_lowercase()) {
            (true, false, 'a') => self.home(),
            (true, false, 'e') => self.end(),
            (true, false, 'b') => self.left(),
            (true, false, 'f') => self.right(),
            (true, false, 'd') => self.delete(),
            (true, false, 'h') => self.backspace(),
            (true, false, 'u') => self.cut(0, self.cursor),
            (true, false, 'k') => self.cut(self.cursor, self.len()),
            (true, false, 'w') => self.cut(self.word_start(), self.cursor),
            (false, true, 'b') => self.cursor = self.word_start(),
            (false, true, 'f') => self.cursor = self.word_end(),
            (false, true, 'd') => self.cut(self.cursor, self.word_end()),
            _ => {}
        }
    }

    /// Removes the characters `from..to` and leaves the cursor at `from`.
    fn cut(&mut self, from: usize, to: usize) {
        if from >= to {
            return;
        }
        let (a, b) = (self.byte_at(from), self.byte_at(to));
        self.text.replace_range(a..b, "");
        self.cursor = from;
    }

    /// Where the word before the cursor starts (spaces before it skipped),
    /// as readline's Ctrl-W and Alt-B find it.
    fn word_start(&self) -> usize {
        let chars: Vec<char> = self.text.chars().collect();
        let mut i = self.cursor;
        while i > 0 && !chars[i - 1].is_alphanumeric() {
            i -= 1;
        }
        while i > 0 && chars[i - 1].is_alphanumeric() {
            i -= 1;
        }
        i
    }

    /// Where the word after the cursor ends, as Alt-F and Alt-D find it.
    fn word_end(&self) -> usize {
        let chars: Vec<char> = self.text.chars().collect();
        let mut i = self.cursor;
        while i < chars.len() && !chars[i].is_alphanumeric() {
            i += 1;
        }
        while i < chars.len() && chars[i].is_alphanumeric() {
            i += 1;
        }
        i
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edits_keep_the_cursor_in_characters() {
        let mut f = TextField::default();
        f.insert("hyvä", 10);
        assert_eq!((f.text(), f.cursor()), ("hyvä", 4));
        f.left();
        f.backspace();
        assert_eq!((f.text(), f.cursor()), ("hyä", 2));
        f.home();
        f.delete();
        assert_eq!(f.text(), "yä");
        f.end();
        f.insert("!", 10);
        assert_eq!(f.text(), "yä!");
    }

    #[test]
    fn paste_is_clean_and_bounded() {
        let mut f = TextField::default();
        let hostile = format!("a\u{1b}[2Jb\u{1b}]0;title\u{7}c\n{}", "x".repeat(1_000_000));
        f.insert(&hostile, 10);
        assert_eq!(f.text(), "abc xxxxxx");
        f.insert("more", 10);
        assert_eq!(f.len(), 10);
    }

    fn ctrl(c: char) -> KeyEvent {
        KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL)
    }

    fn alt(c: char) -> KeyEvent {
        KeyEvent::new(KeyCode::Char(c), KeyModifiers::ALT)
    }

    /// Runs `keys` on a field holding `text` with the cursor at `at`.
    fn after(text: &str, at: usize, keys: &[KeyEvent]) -> (String, usize) {
        let mut f = TextField::with_text(text);
        f.cursor = at;
        for key in keys {
            assert!(TextField::is_command(key), "{key:?}");
            f.command(key);
        }
        (f.text().to_owned(), f.cursor())
    }

    #[test]
    fn ctrl_keys_edit_as_in_readline() {
        let s = |t: &str, c| (t.to_owned(), c);
        assert_eq!(after("hyvä päivä", 4, &[ctrl('a')]), s("hyvä päivä", 0));
        assert_eq!(after("hyvä päivä", 4, &[ctrl('e')]), s("hyvä päivä", 10));
        assert_eq!(after("hyvä päivä", 5, &[ctrl('u')]), s("päivä", 0));
        assert_eq!(after("hyvä päivä", 4, &[ctrl('k')]), s("hyvä", 4));
        assert_eq!(after("hyvä päivä", 10, &[ctrl('w')]), s("hyvä ", 5));
        assert_eq!(after("hyvä päivä  ", 12, &[ctrl('w')]), s("hyvä ", 5));
        assert_eq!(after("hyvä päivä", 10, &[ctrl('w'), ctrl('w')]), s("", 0));
        assert_eq!(
            after("ab", 1, &[ctrl('b'), ctrl('f'), ctrl('d')]),
            s("a", 1)
        );
        assert_eq!(after("ab", 1, &[ctrl('h')]), s("b", 0));
        // At the edges nothing breaks.
        assert_eq!(after("", 0, &[ctrl('u'), ctrl('k'), ctrl('w')]), s("", 0));
        assert_eq!(
            after("ab", 0, &[ctrl('u'), ctrl('w'), ctrl('h')]),
            s("ab", 0)
        );
        assert_eq!(after("ab", 2, &[ctrl('k'), ctrl('d')]), s("ab", 2));
    }

    #[test]
    fn alt_keys_move_and_cut_by_word() {
        let s = |t: &str, c| (t.to_owned(), c);
        assert_eq!(after("yksi kaksi", 10, &[alt('b')]), s("yksi kaksi", 5));
        assert_eq!(after("yksi kaksi", 0, &[alt('f')]), s("yksi kaksi", 4));
        assert_eq!(after("yksi kaksi", 4, &[alt('f')]), s("yksi kaksi", 10));
        assert_eq!(after("yksi kaksi", 4, &[alt('d')]), s("yksi", 4));
    }

    #[test]
    fn other_ctrl_and_alt_keys_are_never_typed() {
        let mut f = TextField::with_text("ok");
        for key in [ctrl('x'), ctrl('z'), alt('u'), alt('x'), alt('1')] {
            assert!(TextField::is_command(&key), "{key:?}");
            f.command(&key);
        }
        assert_eq!((f.text(), f.cursor()), ("ok", 2));
        // Plain and shifted characters are text, and so is AltGr's `@`
        // where it arrives as Ctrl+Alt.
        for key in [
            KeyEvent::new(KeyCode::Char('u'), KeyModifiers::NONE),
            KeyEvent::new(KeyCode::Char('U'), KeyModifiers::SHIFT),
            KeyEvent::new(
                KeyCode::Char('@'),
                KeyModifiers::CONTROL | KeyModifiers::ALT,
            ),
        ] {
            assert!(!TextField::is_command(&key), "{key:?}");
        }
    }
}
