//! A reader that stops early (`kioski surveys | head -n 1`): every command
//! ends quietly with exit 0, never with a panic about a broken pipe.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::Stdio;

use crate::support::{TempDir, kioski, kioski_command};

/// A store with the demo survey and some responses to print.
fn store_with_responses(label: &str, respondents: &str) -> TempDir {
    let dir = TempDir::new(label);
    kioski(["load", "surveys/palvelupiste.toml"])
        .store(dir.path())
        .run()
        .expect_code(0);
    kioski([
        "simulate",
        "--survey",
        "palvelupiste",
        "--respondents",
        respondents,
        "--seed",
        "7",
    ])
    .store(dir.path())
    .run()
    .expect_code(0);
    dir
}

/// Runs `kioski ARGS` with standard output a pipe whose reader is closed
/// before the command writes anything; returns (exit code, stderr).
fn into_closed_pipe(store: &Path, args: &[&str]) -> (Option<i32>, String) {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let out = kioski_command(store)
        .args(args)
        .stdout(writer)
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

#[test]
fn every_printing_command_ends_quietly_on_a_closed_pipe() {
    let dir = store_with_responses("pipe-closed", "20");
    let commands: &[&[&str]] = &[
        &["surveys"],
        &["surveys", "--format", "json"],
        &["tally"],
        &["tally", "--format", "json"],
        &["export", "--survey", "palvelupiste", "--format", "csv"],
        &["activate", "palvelupiste"],
        &["validate", "surveys/palvelupiste.toml"],
        &["load", "surveys/palvelupiste.toml"],
    ];
    for args in commands {
        let (code, stderr) = into_closed_pipe(dir.path(), args);
        assert_eq!(code, Some(0), "kioski {args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "kioski {args:?}: {stderr}");
        assert!(!stderr.contains("Broken pipe"), "kioski {args:?}: {stderr}");
    }
}

/// `head -n 1` for real: the first line is read, then the pipe closes
/// while the export (far more than a pipe's buffer) is still writing.
#[test]
fn export_into_head_ends_quietly_after_the_first_line() {
    let dir = store_with_responses("pipe-head", "3000");
    let mut child = kioski_command(dir.path())
        .args(["export", "--survey", "palvelupiste", "--format", "jsonl"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(first.starts_with('{'), "{first}");
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "{stderr}");
    assert_eq!(stderr, "");
}
