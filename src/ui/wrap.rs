//! Word wrapping by display width, shared by layout (how tall) and view
//! (what to draw), so the two always agree.

use unicode_segmentation::UnicodeSegmentation;

use crate::core::sanitize::{truncate_to_width, width};

/// `text` broken into lines of at most `max` columns: at spaces where
/// possible, inside a word only when the word alone is too long. Line
/// breaks in the text are kept.
pub fn wrap(text: &str, max: usize) -> Vec<String> {
    let max = max.max(1);
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let mut line = String::new();
        for word in paragraph.split(' ').filter(|w| !w.is_empty()) {
            let needed = if line.is_empty() {
                width(word)
            } else {
                width(&line) + 1 + width(word)
            };
            if needed <= max {
                if !line.is_empty() {
                    line.push(' ');
                }
                line.push_str(word);
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            // A word longer than a line is cut at character clusters.
            let mut rest = word;
            while width(rest) > max {
                let mut cut = 0;
                let mut used = 0;
                for g in rest.graphemes(true) {
                    if used + width(g) > max {
                        break;
                    }
                    used += width(g);
                    cut += g.len();
                }
                if cut == 0 {
                    cut = rest.graphemes(true).next().map_or(rest.len(), str::len);
                }
                lines.push(rest[..cut].to_owned());
                rest = &rest[cut..];
            }
            line.push_str(rest);
        }
        lines.push(line);
    }
    lines
}

/// At most `rows` wrapped lines; the last ends in `…` when text was left out.
pub fn wrap_rows(text: &str, max: usize, rows: usize) -> Vec<String> {
    let mut lines = wrap(text, max);
    if lines.len() > rows {
        lines.truncate(rows);
        if let Some(last) = lines.last_mut() {
            *last = truncate_to_width(&format!("{last} …"), max);
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_at_spaces_and_cuts_long_words() {
        assert_eq!(
            wrap("Miten käyntisi sujui tänään?", 12),
            ["Miten", "käyntisi", "sujui", "tänään?"]
        );
        assert_eq!(wrap("Hur gick ditt besök?", 20), ["Hur gick ditt besök?"]);
        assert_eq!(
            wrap("asiakaspalvelupiste", 8),
            ["asiakasp", "alvelupi", "ste"]
        );
        assert_eq!(wrap("a\nb", 10), ["a", "b"]);
        assert_eq!(wrap("日本語のテキスト", 6), ["日本語", "のテキ", "スト"]);
    }

    #[test]
    fn rows_are_bounded() {
        let lines = wrap_rows("one two three four five", 5, 2);
        assert_eq!(lines.len(), 2);
        assert!(lines[1].ends_with('…'));
    }
}
