//! Problems found in a survey file, located by byte span.
//!
//! The core reports *where* (a byte range of the source) and *what*; turning
//! that into `file:line:col`, a source snippet or JSON is the caller's job,
//! so the core stays free of files and terminals.

use std::fmt;

/// A byte range `start..end` in a source text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Self {
        Span { start, end }
    }

    /// An empty span at `offset`, for "something is missing here".
    pub fn at(offset: usize) -> Self {
        Span::new(offset, offset)
    }

    /// The span clamped into `text` and widened to whole characters, so
    /// that slicing `text` with it never fails.
    pub fn fit(self, text: &str) -> Span {
        let mut start = self.start.min(text.len());
        let mut end = self.end.clamp(start, text.len());
        while !text.is_char_boundary(start) {
            start -= 1;
        }
        while !text.is_char_boundary(end) {
            end += 1;
        }
        Span::new(start, end)
    }

    /// The span shifted right by `offset` bytes (from a sub-text to its file).
    pub fn shift(self, offset: usize) -> Self {
        Span::new(self.start + offset, self.end + offset)
    }
}

/// One problem in a survey file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub span: Span,
    pub message: String,
    /// What to do about it, where that is not obvious from the message.
    pub hint: Option<String>,
}

impl Diagnostic {
    pub fn new(span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            span,
            message: message.into(),
            hint: None,
        }
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

/// A 1-based line and column; the column counts characters, not bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct LineCol {
    pub line: usize,
    pub col: usize,
}

impl fmt::Display for LineCol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.col)
    }
}

/// Maps byte offsets of one source text to lines and columns.
pub struct SourceMap<'a> {
    text: &'a str,
    line_starts: Vec<usize>,
}

impl<'a> SourceMap<'a> {
    pub fn new(text: &'a str) -> Self {
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        SourceMap { text, line_starts }
    }

    /// The whole source text.
    pub fn text(&self) -> &'a str {
        self.text
    }

    /// The line and column of a byte offset (clamped into the text).
    pub fn line_col(&self, offset: usize) -> LineCol {
        let offset = self.floor_char_boundary(offset.min(self.text.len()));
        let line = self.line_starts.partition_point(|&s| s <= offset) - 1;
        let start = self.line_starts[line];
        // A byte-order mark is invisible in editors; columns do not count it.
        let bom = usize::from(line == 0 && self.text.starts_with('\u{feff}') && offset > 0);
        let col = self.text[start..offset].chars().count() + 1 - bom;
        LineCol {
            line: line + 1,
            col,
        }
    }

    /// The text of a 1-based line, without its line break.
    pub fn line_text(&self, line: usize) -> &'a str {
        let Some(&start) = self.line_starts.get(line.saturating_sub(1)) else {
            return "";
        };
        let end = self
            .line_starts
            .get(line)
            .map_or(self.text.len(), |&next| next - 1);
        let text = self.text[start..end].trim_end_matches('\r');
        if line == 1 {
            text.trim_start_matches('\u{feff}')
        } else {
            text
        }
    }

    fn floor_char_boundary(&self, mut offset: usize) -> usize {
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        offset
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters_from_one() {
        let map = SourceMap::new("ab\nää x\n");
        assert_eq!(map.line_col(0), LineCol { line: 1, col: 1 });
        assert_eq!(map.line_col(3), LineCol { line: 2, col: 1 });
        // "ää " is 5 bytes but 3 characters.
        assert_eq!(map.line_col(8), LineCol { line: 2, col: 4 });
        assert_eq!(map.line_text(2), "ää x");
        // Past the end: the position after the last character.
        assert_eq!(map.line_col(100), LineCol { line: 3, col: 1 });
    }

    #[test]
    fn a_byte_order_mark_is_not_a_column() {
        let map = SourceMap::new("\u{feff}id = 1\nx");
        assert_eq!(map.line_col(3), LineCol { line: 1, col: 1 });
        assert_eq!(map.line_col(8), LineCol { line: 1, col: 6 });
        assert_eq!(map.line_text(1), "id = 1");
    }

    #[test]
    fn fit_widens_to_whole_characters() {
        assert_eq!(Span::new(1, 2).fit("äb"), Span::new(0, 2));
        assert_eq!(Span::new(0, 1).fit("ä"), Span::new(0, 2));
        assert_eq!(Span::new(5, 9).fit("ab"), Span::new(2, 2));
    }

    #[test]
    fn offset_inside_a_character_rounds_down() {
        let map = SourceMap::new("ä");
        assert_eq!(map.line_col(1), LineCol { line: 1, col: 1 });
    }
}
