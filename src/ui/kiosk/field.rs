//! A one-line or multi-line text field: the text, a cursor, and edits
//! that keep both valid. Pasted text is cleaned and bounded here, so no
//! control character or escape sequence ever reaches the answer.

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
}
