//! Clean text before it reaches a screen, a store or a CSV cell.
//!
//! Text comes from survey files, respondents (including pasted text) and
//! bundles from other terminals. None of it may move a cursor, change
//! colours, set a window title or reorder what is shown, so escape
//! sequences, control characters and bidirectional overrides are removed.

use unicode_segmentation::UnicodeSegmentation;
use unicode_width::UnicodeWidthStr;

const ESC: char = '\u{1b}';
const BEL: char = '\u{7}';
/// The 8-bit control sequence introducer and string terminator.
const C1_CSI: char = '\u{9b}';
const C1_ST: char = '\u{9c}';

/// Whether `c` may never be shown as is: C0 and C1 controls, DEL, and the
/// bidirectional embedding, override and isolate characters.
pub fn is_forbidden(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// The first forbidden character of `s`, other than a line break when
/// `multiline` is set.
pub fn first_forbidden(s: &str, multiline: bool) -> Option<(usize, char)> {
    s.char_indices()
        .find(|&(_, c)| is_forbidden(c) && !(multiline && c == '\n'))
}

/// Removes escape sequences and forbidden characters. With `multiline`,
/// line breaks are kept (`\r\n` and `\r` become `\n`); without, every line
/// break and tab becomes one space. Nothing else is changed.
pub fn strip(s: &str, multiline: bool) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            ESC => skip_escape(&mut chars),
            C1_CSI => skip_csi(&mut chars),
            '\r' | '\n' => {
                if c == '\r' && chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push(if multiline { '\n' } else { ' ' });
            }
            '\t' => out.push(' '),
            c if is_forbidden(c) => {}
            c => out.push(c),
        }
    }
    out
}

/// A respondent's free text as it may be stored: stripped, trimmed, and cut
/// to at most `max_chars` characters without splitting a character cluster.
pub fn clean_answer(s: &str, max_chars: usize, multiline: bool) -> String {
    let stripped = strip(s, multiline);
    let trimmed = stripped.trim();
    let mut out = String::new();
    let mut count = 0;
    for grapheme in trimmed.graphemes(true) {
        let n = grapheme.chars().count();
        if count + n > max_chars {
            break;
        }
        count += n;
        out.push_str(grapheme);
    }
    // Cutting may leave trailing white space.
    out.truncate(out.trim_end().len());
    out
}

/// How many terminal columns `s` takes.
pub fn width(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

/// `s` cut to at most `max_width` columns, ending in `…` when cut; never
/// splits a character cluster (so combining marks stay with their letter).
pub fn truncate_to_width(s: &str, max_width: usize) -> String {
    if width(s) <= max_width {
        return s.to_owned();
    }
    let budget = max_width.saturating_sub(1);
    let mut out = String::new();
    let mut used = 0;
    for grapheme in s.graphemes(true) {
        let w = width(grapheme);
        if used + w > budget {
            break;
        }
        used += w;
        out.push_str(grapheme);
    }
    if max_width > 0 {
        out.push('…');
    }
    out
}

/// `s` with every forbidden character written as `\u{..}`, for messages
/// that quote text from a file.
pub fn escape(s: &str) -> String {
    s.chars()
        .map(|c| {
            if is_forbidden(c) {
                c.escape_unicode().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// A user-written name shown inside a message: forbidden characters
/// escaped, cut to a sensible length.
pub fn quote(s: &str) -> String {
    const MAX: usize = 40;
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i == MAX {
            out.push('…');
            break;
        }
        if is_forbidden(c) {
            out.extend(c.escape_unicode());
        } else {
            out.push(c);
        }
    }
    format!("`{out}`")
}

/// Skips the rest of an escape sequence whose ESC was just read.
fn skip_escape(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    match chars.next() {
        Some('[') => skip_csi(chars),
        // OSC, DCS, SOS, PM, APC: a string ended by BEL or ST (ESC \).
        Some(']' | 'P' | 'X' | '^' | '_') => {
            while let Some(c) = chars.next() {
                if c == BEL || c == C1_ST {
                    break;
                }
                if c == ESC {
                    if chars.peek() == Some(&'\\') {
                        chars.next();
                    }
                    break;
                }
            }
        }
        // nF sequences: intermediates 0x20..=0x2F, then one final byte.
        Some(' '..='/') => {
            while chars.next_if(|c| matches!(c, ' '..='/')).is_some() {}
            chars.next();
        }
        // Any other two-character sequence, or a lone ESC at the end.
        _ => {}
    }
}

/// Skips CSI parameters and intermediates up to and including the final byte.
fn skip_csi(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    for c in chars.by_ref() {
        if matches!(c, '@'..='~') {
            break;
        }
        if !matches!(c, '0'..='?' | ' '..='/') {
            // Not a well-formed CSI: stop at the odd character (dropped).
            break;
        }
    }
}

/// "1 option", "3 options", "2 prize-draw entries": a count and an
/// English noun for messages (a consonant's `y` becomes `ies`).
pub fn plural(n: impl Into<i128>, word: &str) -> String {
    match n.into() {
        1 => format!("1 {word}"),
        n => match word.strip_suffix('y') {
            Some(stem) if !stem.ends_with(['a', 'e', 'o', 'u']) => format!("{n} {stem}ies"),
            _ => format!("{n} {word}s"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn plural_takes_ies_after_a_consonant_only() {
        assert_eq!(plural(1, "prize-draw entry"), "1 prize-draw entry");
        assert_eq!(plural(2, "prize-draw entry"), "2 prize-draw entries");
        assert_eq!(plural(0, "survey"), "0 surveys");
        assert_eq!(plural(3, "day"), "3 days");
        assert_eq!(plural(2, "response"), "2 responses");
    }

    #[test]
    fn strips_escape_sequences_and_controls() {
        assert_eq!(strip("a\u{1b}[31mred\u{1b}[0m b", false), "ared b");
        assert_eq!(strip("x\u{1b}]0;title\u{7}y", false), "xy");
        assert_eq!(strip("x\u{1b}]8;;http://e\u{1b}\\link", false), "xlink");
        assert_eq!(strip("a\u{9b}2Jb", false), "ab");
        assert_eq!(strip("a\u{0}b\u{7f}c\u{85}d", false), "abcd");
        assert_eq!(strip("right\u{202e}to left", false), "rightto left");
        assert_eq!(strip("tab\there", false), "tab here");
    }

    #[test]
    fn multiline_keeps_and_normalises_line_breaks() {
        assert_eq!(strip("a\r\nb\rc\nd", true), "a\nb\nc\nd");
        assert_eq!(strip("a\r\nb", false), "a b");
    }

    #[test]
    fn clean_answer_trims_and_bounds_by_characters() {
        assert_eq!(
            clean_answer("  hyvä palvelu \n", 500, false),
            "hyvä palvelu"
        );
        assert_eq!(clean_answer("äöåäö", 3, false), "äöå");
        // A combining mark is never separated from its letter.
        assert_eq!(clean_answer("ae\u{301}", 2, false), "a");
        assert_eq!(clean_answer("ab cd", 3, false), "ab");
    }

    #[test]
    fn truncate_to_width_counts_columns() {
        assert_eq!(truncate_to_width("kioski", 10), "kioski");
        assert_eq!(truncate_to_width("palvelupiste", 6), "palve…");
        // Wide characters take two columns each.
        assert_eq!(truncate_to_width("日本語テキスト", 5), "日本…");
        assert_eq!(
            truncate_to_width("e\u{301}e\u{301}e\u{301}", 2),
            "e\u{301}…"
        );
    }

    #[test]
    fn quote_escapes_controls() {
        assert_eq!(quote("a\u{1b}b"), "`a\\u{1b}b`");
    }

    proptest! {
        #[test]
        fn stripped_text_has_no_forbidden_characters(s in any::<String>(), multiline: bool) {
            let out = strip(&s, multiline);
            prop_assert!(first_forbidden(&out, multiline).is_none(), "{:?}", out);
        }

        #[test]
        fn clean_answer_respects_the_bound(s in any::<String>(), max in 0usize..50) {
            let out = clean_answer(&s, max, true);
            prop_assert!(out.chars().count() <= max);
            prop_assert!(first_forbidden(&out, true).is_none());
            prop_assert_eq!(out.trim(), out.as_str());
        }

        #[test]
        fn truncated_text_fits(s in "\\PC*", max in 0usize..40) {
            prop_assert!(width(&truncate_to_width(&s, max)) <= max);
        }
    }
}
