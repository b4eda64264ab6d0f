//! Each problem's `FILE:LINE:COL` points at the token it is about.
//!
//! A fixture in `tests/data/invalid/` lists, in its header comment, one
//! `# error at: TOKEN` line per expected problem, in file order. The source
//! at each reported line and column must start with that token. Special
//! tokens: `<start>` (column 1 of the first line that is not blank or a
//! comment, or 1:1 when there is none: something missing from the whole
//! file) and `<ESC>` (the escape character, which a comment cannot hold).
//!
//! A fixture with a `# known bug:` line shows a validator bug; it is left
//! out here and checked by the ignored `known_bugs_are_fixed`, so that
//! `cargo test -- --ignored` shows when one is fixed. (It checks places and
//! counts only; a bug in a message's wording shows in the snapshot.)

use std::path::PathBuf;

use crate::support::{crate_root, kioski};
use crate::validate::relative;

struct Fixture {
    path: PathBuf,
    source: String,
    expected: Vec<String>,
    known_bug: bool,
}

fn fixtures() -> Vec<Fixture> {
    let mut out: Vec<Fixture> = std::fs::read_dir(crate_root().join("tests/data/invalid"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .map(|path| {
            let source = String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned();
            let header = source.lines().take_while(|l| l.starts_with('#'));
            let mut expected = Vec::new();
            let mut known_bug = false;
            for line in header {
                if let Some(token) = line.strip_prefix("# error at: ") {
                    expected.push(token.trim_end().replace("<ESC>", "\u{1b}"));
                }
                known_bug |= line.starts_with("# known bug:");
            }
            Fixture {
                path,
                source,
                expected,
                known_bug,
            }
        })
        .collect();
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

/// The 1-based number of the first line that is not blank or a comment.
fn first_content_line(source: &str) -> usize {
    source
        .lines()
        .position(|l| {
            let l = l.trim_start_matches('\u{feff}').trim();
            !l.is_empty() && !l.starts_with('#')
        })
        .map_or(1, |i| i + 1)
}

/// The `LINE:COL` of every problem `kioski validate FILE` reports.
fn reported(file: &str) -> (Vec<(usize, usize)>, String) {
    let run = kioski(["validate", file]).run();
    run.expect_code(1);
    let places = run
        .stderr
        .lines()
        .filter_map(|l| l.strip_prefix(file)?.strip_prefix(':'))
        .filter_map(|l| {
            let (place, _) = l.split_once(": error: ")?;
            let (line, col) = place.split_once(':')?;
            Some((line.parse().ok()?, col.parse().ok()?))
        })
        .collect();
    (places, run.to_string())
}

/// The source from 1-based `line` and character `col` to the end of the line.
fn source_at(source: &str, line: usize, col: usize) -> String {
    let text = source.split('\n').nth(line - 1).unwrap_or("");
    text.trim_end_matches('\r').chars().skip(col - 1).collect()
}

/// Every way `fixture`'s report differs from its `# error at:` lines.
fn mismatches(fixture: &Fixture) -> Vec<String> {
    let file = relative(&fixture.path);
    let (places, run) = reported(&file);
    let mut out = Vec::new();
    if places.len() != fixture.expected.len() {
        out.push(format!(
            "{file}: {} problems reported, {} expected\n{run}",
            places.len(),
            fixture.expected.len()
        ));
        return out;
    }
    for (&(line, col), token) in places.iter().zip(&fixture.expected) {
        let ok = if token == "<start>" {
            (line, col) == (first_content_line(&fixture.source), 1)
        } else {
            source_at(&fixture.source, line, col).starts_with(token.as_str())
        };
        if !ok {
            out.push(format!(
                "{file}:{line}:{col}: expected the source there to start with {token:?}, found {:?}",
                source_at(&fixture.source, line, col)
            ));
        }
    }
    out
}

fn has_expectations(fixture: &Fixture) -> bool {
    // The empty file has no header; it is checked by its snapshot.
    fixture.path.file_name() == Some("empty.toml".as_ref()) || !fixture.expected.is_empty()
}

#[test]
fn problems_point_at_their_token() {
    let fixtures = fixtures();
    let mut failures = Vec::new();
    let mut checked = 0;
    for fixture in &fixtures {
        assert!(
            has_expectations(fixture),
            "{} has no `# error at:` line",
            fixture.path.display()
        );
        if fixture.known_bug || fixture.expected.is_empty() {
            continue;
        }
        checked += 1;
        failures.extend(mismatches(fixture));
    }
    assert!(checked >= 20, "only {checked} fixtures checked");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
#[ignore = "fixtures with a `# known bug:` line; passes once those bugs are fixed"]
fn known_bugs_are_fixed() {
    let failures: Vec<String> = fixtures()
        .iter()
        .filter(|f| f.known_bug)
        .flat_map(mismatches)
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn source_at_counts_characters() {
    let source = "ab\r\nää = x\n";
    assert_eq!(source_at(source, 1, 2), "b");
    assert_eq!(source_at(source, 2, 2), "ä = x");
    assert_eq!(source_at(source, 3, 1), "");
}
