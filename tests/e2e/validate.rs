//! `kioski validate`: the bad surveys in `tests/data/invalid/`, the seed
//! surveys, output formats, exit codes, and input that is not a plain
//! survey file (stdin, other encodings, a byte-order mark, huge files).

use std::path::Path;

use crate::support::{TempDir, crate_root, kioski};

/// A small valid survey, for generated files.
pub const VALID: &str = r#"id = "pieni"
languages = ["fi", "en"]
title = { fi = "Pieni kysely", en = "Small survey" }

[[question]]
id = "overall"
type = "rating"
scale = 5
text = { fi = "Arvosana", en = "Grade" }

[[question]]
id = "improve"
type = "text"
show_if = "overall <= 2"
text = { fi = "Mitä parantaisit?", en = "What would you improve?" }
"#;

/// `tests/data/invalid/NAME.toml` for a fixture path, as the output shows it.
pub fn relative(path: &Path) -> String {
    let root = crate_root()
        .canonicalize()
        .unwrap_or_else(|_| crate_root().to_owned());
    path.strip_prefix(&root)
        .or_else(|_| path.strip_prefix(crate_root()))
        .expect("fixture inside the crate")
        .to_string_lossy()
        .replace('\\', "/")
}

#[test]
fn invalid_fixtures() {
    insta::glob!("../data/invalid", "*.toml", |path| {
        let file = relative(path);
        let run = kioski(["validate", file.as_str()]).run();
        run.expect_code(1).expect_store_untouched();
        assert!(
            run.stdout.is_empty(),
            "an invalid file printed to stdout:\n{run}"
        );
        assert!(
            run.stderr.starts_with(&format!("{file}:")),
            "the first problem does not name the file:\n{run}"
        );
        assert!(
            run.stderr.ends_with(" in all.\n"),
            "no summary line:\n{run}"
        );
        insta::assert_snapshot!(run.to_string());
    });
}

#[test]
fn every_fixture_says_what_is_wrong() {
    let dir = crate_root().join("tests/data/invalid");
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "toml") {
            continue;
        }
        count += 1;
        let text = String::from_utf8_lossy(&std::fs::read(&path).unwrap()).into_owned();
        // The empty file cannot hold a comment.
        if path.ends_with("empty.toml") {
            assert!(text.is_empty());
            continue;
        }
        assert!(
            text.starts_with("# "),
            "{} does not start with a `#` comment saying what is wrong",
            path.display()
        );
    }
    assert!(count >= 20, "only {count} invalid fixtures");
}

#[test]
fn seed_surveys_are_valid() {
    let mut files: Vec<String> = std::fs::read_dir(crate_root().join("surveys"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .map(|p| relative(&p))
        .collect();
    files.sort();
    assert!(!files.is_empty());
    let mut args = vec!["validate".to_owned()];
    args.extend(files.iter().cloned());
    let run = kioski(args).run();
    run.expect_code(0).expect_store_untouched();
    assert_eq!(run.stderr, "", "{run}");
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), files.len(), "one line per file:\n{run}");
    for (line, file) in lines.iter().zip(&files) {
        assert!(line.starts_with(&format!("{file}: ok: `")), "{run}");
        assert!(
            line.ends_with(" questions") || line.ends_with(" question"),
            "{run}"
        );
    }
}

#[test]
fn valid_and_invalid_together() {
    let dir = TempDir::new("mixed");
    dir.write("good.toml", VALID);
    let bad = crate_root().join("tests/data/invalid/multi-typos.toml");
    dir.write("bad.toml", std::fs::read(bad).unwrap());
    let run = kioski(["validate", "good.toml", "bad.toml", "good.toml"])
        .current_dir(dir.path())
        .run();
    run.expect_code(1).expect_store_untouched();
    insta::assert_snapshot!(run.to_string());
}

#[test]
fn json_format() {
    let dir = TempDir::new("json");
    dir.write("good.toml", VALID);
    let bad = crate_root().join("tests/data/invalid/show-if-unknown-option.toml");
    dir.write("bad.toml", std::fs::read(bad).unwrap());
    let run = kioski(["validate", "--format", "json", "good.toml", "bad.toml"])
        .current_dir(dir.path())
        .run();
    run.expect_code(1).expect_store_untouched();
    assert_eq!(run.stderr, "", "JSON goes to stdout only:\n{run}");

    // The keys editors and scripts rely on.
    let json: serde_json::Value = serde_json::from_str(&run.stdout).expect("one JSON document");
    assert_eq!(json["valid"], false);
    let files = json["files"].as_array().unwrap();
    assert_eq!(files.len(), 2);
    assert_eq!(files[0]["file"], "good.toml");
    assert_eq!(files[0]["valid"], true);
    assert_eq!(files[0]["survey"]["id"], "pieni");
    assert_eq!(files[0]["problems"].as_array().unwrap().len(), 0);
    assert_eq!(files[1]["valid"], false);
    let problem = &files[1]["problems"][0];
    assert_eq!(problem["file"], "bad.toml");
    assert_eq!(problem["line"], 50);
    assert_eq!(problem["col"], 23);
    assert!(problem["message"].as_str().unwrap().contains("`email`"));

    insta::assert_snapshot!(run.to_string());
}

#[test]
fn json_format_all_valid() {
    let run = kioski(["validate", "--format", "json", "-"])
        .stdin(VALID)
        .run();
    run.expect_code(0).expect_store_untouched();
    let json: serde_json::Value = serde_json::from_str(&run.stdout).expect("one JSON document");
    assert_eq!(json["valid"], true);
    assert_eq!(json["files"][0]["file"], "<stdin>");
    assert_eq!(json["files"][0]["survey"]["questions"], 2);
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        vec!["validate"],
        vec!["validate", "--frobnicate", "x.toml"],
        vec!["validate", "--format", "yaml", "x.toml"],
        vec!["frobnicate"],
    ] {
        let run = kioski(args).run();
        run.expect_code(2).expect_store_untouched();
        assert_eq!(run.stdout, "", "usage errors go to stderr:\n{run}");
        assert!(run.stderr.starts_with("error: "), "{run}");
        insta::assert_snapshot!(run.to_string());
    }
}

#[test]
fn missing_file() {
    let run = kioski(["validate", "tests/data/no-such-survey.toml"]).run();
    run.expect_code(1).expect_store_untouched();
    insta::assert_snapshot!(run.to_string());
}

#[test]
fn directory_instead_of_file() {
    let run = kioski(["validate", "surveys"]).run();
    run.expect_code(1).expect_store_untouched();
    insta::assert_snapshot!(run.to_string());
}

#[test]
fn stdin_valid() {
    let run = kioski(["validate", "-"]).stdin(VALID).run();
    run.expect_code(0).expect_store_untouched();
    insta::assert_snapshot!(run.to_string());
}

#[test]
fn stdin_invalid() {
    let text = VALID.replace("scale = 5", "scale = 12");
    let run = kioski(["validate", "-"]).stdin(text).run();
    run.expect_code(1).expect_store_untouched();
    assert!(run.stderr.starts_with("<stdin>:8:9: error: "), "{run}");
    insta::assert_snapshot!(run.to_string());
}

#[test]
fn stdin_empty() {
    let run = kioski(["validate", "-"]).run();
    run.expect_code(1).expect_store_untouched();
    assert!(run.stderr.contains("file is empty"), "{run}");
}

#[test]
fn not_utf8() {
    let dir = TempDir::new("latin1");
    // "Kävijä" in Latin-1: 0xE4 is "ä".
    let text = VALID.replace("Pieni kysely", "K\u{0}vij\u{0}");
    let bytes: Vec<u8> = text
        .bytes()
        .map(|b| if b == 0 { 0xE4 } else { b })
        .collect();
    dir.write("latin1.toml", bytes);
    let run = kioski(["validate", "latin1.toml"])
        .current_dir(dir.path())
        .run();
    run.expect_code(1).expect_store_untouched();
    assert!(run.stderr.starts_with("latin1.toml:3:18: error: "), "{run}");
    assert!(run.stderr.contains("UTF-8"), "{run}");
    insta::assert_snapshot!(run.to_string());
}

#[test]
fn byte_order_mark_is_accepted() {
    let dir = TempDir::new("bom");
    dir.write("bom.toml", format!("\u{feff}{VALID}"));
    let run = kioski(["validate", "bom.toml"])
        .current_dir(dir.path())
        .run();
    run.expect_code(0).expect_store_untouched();
    assert_eq!(run.stdout, "bom.toml: ok: `pieni` in fi, en, 2 questions\n");
}

#[test]
fn byte_order_mark_keeps_columns_after_line_1() {
    let dir = TempDir::new("bom-error");
    dir.write(
        "bom.toml",
        format!("\u{feff}{}", VALID.replace("scale = 5", "scale = 0")),
    );
    let run = kioski(["validate", "bom.toml"])
        .current_dir(dir.path())
        .run();
    run.expect_code(1);
    assert!(run.stderr.starts_with("bom.toml:8:9: error: "), "{run}");
}

/// An editor does not show the byte-order mark, so `id` is in column 1
/// and the bad id's first letter in column 7.
#[test]
fn byte_order_mark_does_not_shift_line_1() {
    let dir = TempDir::new("bom-line-1");
    dir.write(
        "bom.toml",
        format!("\u{feff}{}", VALID.replace("\"pieni\"", "\"Pieni\"")),
    );
    let run = kioski(["validate", "bom.toml"])
        .current_dir(dir.path())
        .run();
    run.expect_code(1);
    assert!(run.stderr.starts_with("bom.toml:1:7: error: "), "{run}");
    assert!(!run.stderr.contains('\u{feff}'), "{run}");
}

#[test]
fn huge_file_is_refused() {
    let dir = TempDir::new("huge");
    let mut text = String::from(VALID);
    while text.len() < 2 * 1024 * 1024 {
        text.push_str("# padding padding padding padding padding padding padding\n");
    }
    dir.write("huge.toml", &text);
    let run = kioski(["validate", "huge.toml"])
        .current_dir(dir.path())
        .run();
    run.expect_code(1).expect_store_untouched();
    assert!(run.stderr.contains("larger than 1048576 bytes"), "{run}");
    assert!(run.stderr.len() < 1000, "the report is too long:\n{run}");
    insta::assert_snapshot!(run.to_string());

    // The same through standard input.
    let run = kioski(["validate", "-"]).stdin(text).run();
    run.expect_code(1).expect_store_untouched();
    assert!(run.stderr.contains("larger than 1048576 bytes"), "{run}");
}

#[test]
fn huge_file_reports_its_size() {
    let dir = TempDir::new("huge-size");
    dir.write("huge.toml", vec![b'#'; 2_000_000]);
    let run = kioski(["validate", "huge.toml"])
        .current_dir(dir.path())
        .run();
    run.expect_code(1);
    assert!(run.stderr.contains("larger than 1048576 bytes"), "{run}");
}

#[test]
fn long_line_is_cut_in_the_report() {
    let dir = TempDir::new("long-line");
    let long = "x".repeat(200 * 1024);
    let text = VALID.replace(
        "en = \"Small survey\" }",
        &format!("en = \"{long}\", fi = \"again\" }}"),
    );
    dir.write("long.toml", &text);
    let run = kioski(["validate", "long.toml"])
        .current_dir(dir.path())
        .run();
    run.expect_code(1).expect_store_untouched();
    assert!(
        run.stderr.len() < 2000,
        "the whole line was printed:\n{run}"
    );
    // The duplicate `fi` comes after 200 KB of text on line 3.
    assert!(run.stderr.starts_with("long.toml:3:"), "{run}");
    insta::assert_snapshot!(run.to_string());
}

#[test]
fn long_label_is_cut_in_the_report() {
    let dir = TempDir::new("long-label");
    let long = "x".repeat(200 * 1024);
    let text = VALID.replace("Small survey", &long);
    dir.write("long.toml", &text);
    let run = kioski(["validate", "long.toml"])
        .current_dir(dir.path())
        .run();
    run.expect_code(1).expect_store_untouched();
    assert!(
        run.stderr.len() < 2000,
        "the whole line was printed:\n{run}"
    );
    assert!(run.stderr.contains("at most 2000"), "{run}");
    insta::assert_snapshot!(run.to_string());
}

/// Columns count characters: tabs, CRLF line ends and wide characters
/// before a problem must not move it.
#[test]
fn columns_with_tabs_crlf_and_wide_characters() {
    let dir = TempDir::new("columns");
    let text = "id = \"kysely\"\r\nlanguages = [\"fi\"]\r\ntitle = \"日本語\"\r\n\r\n\
                [[question]]\r\n\tid = \"a\"\r\n\ttype = \"yesno\"\r\n\ttext = \"Kävitkö?\"\r\n\
                \tshow_if = \"a == yes\"\r\n\r\n[[question]]\r\nid = \"b\"\r\ntype = \"yesno\"\r\n\
                text = \"日本\"\r\nshow_if = '日本 == yes'\r\n";
    dir.write("columns.toml", text);
    let run = kioski(["validate", "columns.toml"])
        .current_dir(dir.path())
        .run();
    run.expect_code(1);
    let places: Vec<&str> = run
        .stderr
        .lines()
        .filter_map(|l| l.strip_prefix("columns.toml:"))
        .filter_map(|l| l.split(": error:").next())
        .collect();
    assert_eq!(places, ["9:13", "15:12"], "{run}");
    assert!(
        !run.stderr.contains('\r'),
        "a carriage return was printed:\n{run}"
    );
    insta::assert_snapshot!(run.to_string());
}

/// Control characters in a file must never reach the terminal raw, not
/// even inside an error message (NO_COLOR hides this: anstream then strips
/// escape sequences from everything it prints).
#[test]
fn raw_control_characters_never_reach_the_terminal() {
    let file = "tests/data/invalid/raw-escape-in-string.toml";
    let run = kioski(["validate", file])
        .env("NO_COLOR", None)
        .env("CLICOLOR_FORCE", Some("1"))
        .run();
    run.expect_code(1);
    // Remove the report's own colour codes (ESC [ ... m); no ESC may remain.
    let mut rest = run.stderr.as_str();
    let mut plain = String::new();
    while let Some(at) = rest.find("\u{1b}[") {
        plain.push_str(&rest[..at]);
        let after = &rest[at + 2..];
        let end = after.find('m').map_or(after.len(), |i| i + 1);
        rest = &after[end..];
    }
    plain.push_str(rest);
    assert!(
        !plain.contains('\u{1b}'),
        "a raw ESC was printed:\n{plain:?}"
    );
}
