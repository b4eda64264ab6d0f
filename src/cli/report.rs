//! Survey diagnostics for people (`file:line:col: error:` with the source
//! line and a caret, like rustc) and for programs (JSON).
//!
//! The text is written with ANSI styles; `anstream` removes them when the
//! output is not a terminal or `NO_COLOR` is set.

use anstyle::{AnsiColor, Style};
use serde::Serialize;

use crate::core::diagnostic::{Diagnostic, SourceMap};
use crate::core::sanitize::{escape, is_forbidden, width};

/// Widest source excerpt shown, in columns; longer lines are cut around
/// the problem so a pasted megabyte line cannot flood the terminal.
const MAX_SNIPPET_WIDTH: usize = 100;

const ERROR: Style = AnsiColor::Red.on_default().bold();
const LOCATION: Style = Style::new().bold();
const GUTTER: Style = AnsiColor::Blue.on_default().bold();
const HINT: Style = AnsiColor::Cyan.on_default().bold();

/// One problem as JSON shows it.
#[derive(Clone, Debug, Serialize)]
pub struct Problem {
    pub file: String,
    /// 1-based; absent for problems that have no place (an unreadable file).
    pub line: Option<usize>,
    pub col: Option<usize>,
    pub end_line: Option<usize>,
    pub end_col: Option<usize>,
    pub message: String,
    pub hint: Option<String>,
}

impl Problem {
    pub fn without_position(file: &str, message: String, hint: &str) -> Self {
        Problem {
            file: file.to_owned(),
            line: None,
            col: None,
            end_line: None,
            end_col: None,
            message,
            hint: Some(hint.to_owned()),
        }
    }
}

/// The diagnostics of one file as [`Problem`]s.
pub fn problems(file: &str, source: &str, diagnostics: &[Diagnostic]) -> Vec<Problem> {
    let map = SourceMap::new(source);
    diagnostics
        .iter()
        .map(|d| {
            let start = map.line_col(d.span.start);
            let end = map.line_col(d.span.end);
            Problem {
                file: file.to_owned(),
                line: Some(start.line),
                col: Some(start.col),
                end_line: Some(end.line),
                end_col: Some(end.col),
                message: d.message.clone(),
                hint: d.hint.clone(),
            }
        })
        .collect()
}

/// `error:` in its style.
pub fn error_label() -> String {
    format!("{ERROR}error{ERROR:#}")
}

/// A problem without a place: `FILE: error: MESSAGE` and its hint.
pub fn render_unplaced(problem: &Problem) -> String {
    let mut out = format!(
        "{LOCATION}{}{LOCATION:#}: {}: {}\n",
        problem.file,
        error_label(),
        problem.message
    );
    if let Some(hint) = &problem.hint {
        out.push_str(&format!("  {HINT}= hint{HINT:#}: {hint}\n"));
    }
    out
}

/// Every diagnostic of one file, each as
///
/// ```text
/// FILE:LINE:COL: error: MESSAGE
///    |
/// 12 | the source line
///    |     ^^^^^
///    = hint: what to do
/// ```
pub fn render(file: &str, source: &str, diagnostics: &[Diagnostic]) -> String {
    let map = SourceMap::new(source);
    let mut out = String::new();
    for d in diagnostics {
        let start = map.line_col(d.span.start);
        let end = map.line_col(d.span.end);
        out.push_str(&format!(
            "{LOCATION}{file}:{}:{}{LOCATION:#}: {}: {}\n",
            start.line,
            start.col,
            error_label(),
            escape(&d.message)
        ));
        let line = map.line_text(start.line);
        let end_col = if end.line == start.line {
            end.col
        } else {
            usize::MAX
        };
        let (shown, caret_at, caret_width) = excerpt(line, start.col, end_col);
        let number = start.line.to_string();
        let pad = " ".repeat(number.len());
        out.push_str(&format!("{pad} {GUTTER}|{GUTTER:#}\n"));
        out.push_str(&format!("{GUTTER}{number} |{GUTTER:#} {shown}\n"));
        out.push_str(&format!(
            "{pad} {GUTTER}|{GUTTER:#} {}{ERROR}{}{ERROR:#}\n",
            " ".repeat(caret_at),
            "^".repeat(caret_width)
        ));
        if let Some(hint) = &d.hint {
            let hint = escape(hint);
            out.push_str(&format!("{pad} {HINT}= hint{HINT:#}: {hint}\n"));
        }
    }
    out
}

/// A source line made safe to print, with where the caret goes: returns
/// the shown text, the caret's column offset and its width. `start_col`
/// and `end_col` are 1-based character columns (`end_col` exclusive).
fn excerpt(line: &str, start_col: usize, end_col: usize) -> (String, usize, usize) {
    // Each character as shown: tabs as four spaces, controls as U+FFFD.
    let cells: Vec<(String, usize)> = line
        .chars()
        .map(|c| match c {
            '\t' => ("    ".to_owned(), 4),
            c if is_forbidden(c) => ("\u{fffd}".to_owned(), 1),
            c => (c.to_string(), width(c.encode_utf8(&mut [0; 4]))),
        })
        .collect();
    let start = start_col.saturating_sub(1).min(cells.len());
    let end = end_col.saturating_sub(1).clamp(start, cells.len());
    let caret_width = cells[start..end]
        .iter()
        .map(|(_, w)| w)
        .sum::<usize>()
        .max(1);

    // Cut long lines to a window around the problem.
    let total: usize = cells.iter().map(|(_, w)| w).sum();
    let mut first = 0;
    if total > MAX_SNIPPET_WIDTH {
        let mut before: usize = cells[..start].iter().map(|(_, w)| w).sum();
        while before > MAX_SNIPPET_WIDTH / 3 && first < start {
            before -= cells[first].1;
            first += 1;
        }
    }
    let mut shown = String::new();
    let mut used = 0;
    let mut caret_at = 0;
    if first > 0 {
        shown.push('…');
        used += 1;
    }
    for (i, (text, w)) in cells.iter().enumerate().skip(first) {
        if i == start {
            caret_at = used;
        }
        if used + w > MAX_SNIPPET_WIDTH {
            shown.push('…');
            break;
        }
        shown.push_str(text);
        used += w;
    }
    if start >= cells.len() {
        caret_at = used;
    }
    let caret_width = caret_width.min(MAX_SNIPPET_WIDTH.saturating_sub(caret_at).max(1));
    (shown, caret_at, caret_width)
}

#[cfg(test)]
mod tests {
    use super::excerpt;

    #[test]
    fn caret_sits_under_the_column() {
        assert_eq!(
            excerpt("scale = 12", 9, 11),
            ("scale = 12".to_owned(), 8, 2)
        );
        assert_eq!(excerpt("\tx = 1", 2, 3), ("    x = 1".to_owned(), 4, 1));
        // Wide characters take two columns.
        assert_eq!(excerpt("日本 = x", 6, 7).1, 7);
    }

    #[test]
    fn controls_are_not_printed() {
        let (shown, _, _) = excerpt("a\u{1b}[31mb", 1, 2);
        assert!(!shown.contains('\u{1b}'));
    }

    #[test]
    fn long_lines_are_cut_around_the_problem() {
        let line = format!("{}BAD{}", "x".repeat(5000), "y".repeat(5000));
        let (shown, at, w) = excerpt(&line, 5001, 5004);
        assert!(shown.chars().count() <= 102);
        assert_eq!(&shown.chars().skip(at).take(3).collect::<String>(), "BAD");
        assert_eq!(w, 3);
    }

    #[test]
    fn caret_at_end_of_line() {
        assert_eq!(excerpt("a = ", 5, 5), ("a = ".to_owned(), 4, 1));
    }
}
