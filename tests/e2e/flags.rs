//! Response flags (issue 13): ballot-stuffing at the kiosk is stored as
//! suspect, never dropped, and tallies leave it out unless asked;
//! `simulate` marks its responses and asks before mixing them with real
//! ones; tallies, exports, `surveys` and bundles carry both flags.

use std::path::Path;

use kioski::core::response::Response;
use serde_json::Value;

use crate::pty::{PtyKiosk, keys};
use crate::store::{surveys_json, with_store};
use crate::support::{TempDir, kioski};

/// One yes/no question in English; a repeat within a minute is suspect
/// (longer than the default 10 s, so a slow machine cannot make the
/// journey's quick repeats look slow).
const QUICK: &str = r#"id = "nopea"
languages = ["en"]
title = { en = "Quick question" }
thanks = { en = "Thanks a lot" }

[kiosk]
min_seconds = 60

[[question]]
id = "good"
type = "yesno"
required = true
text = { en = "Was it good?" }
"#;

fn quick_store(label: &str) -> TempDir {
    let dir = TempDir::new(label);
    let file = dir.write("nopea.toml", QUICK);
    kioski(["load", file.to_str().unwrap()])
        .store(dir.path())
        .run()
        .expect_code(0);
    dir
}

fn responses(dir: &Path, survey: &str) -> Vec<Response> {
    with_store(dir, |store| {
        store
            .responses(survey)
            .collect::<Result<Vec<_>, _>>()
            .expect("read the stored responses")
    })
}

/// One respondent at the kiosk: Start, the digit of an answer, Enter,
/// the thank-you screen, then any key back to the welcome.
fn answer(k: &PtyKiosk, digit: &[u8]) {
    k.wait_for_text("Start");
    k.send(keys::ENTER);
    k.wait_for_text("Was it good?");
    k.send(digit);
    k.send(keys::ENTER);
    k.wait_for_text("Thanks a lot");
    k.send(b" ");
    k.wait_for_gone("Thanks a lot");
}

fn json(dir: &Path, args: &[&str]) -> Value {
    let run = kioski(args).store(dir).run();
    run.expect_code(0);
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}: {}", run.stdout))
}

/// Three identical quick responses at the kiosk: the second and third are
/// suspect, the first is not; a different answer right after is not.
/// Tallies leave the suspect ones out and say so; --include-suspect
/// counts them; `surveys` and exports show them.
#[test]
fn quick_identical_responses_at_the_kiosk_are_stored_suspect_and_left_out_of_tallies() {
    let dir = quick_store("flags-kiosk");
    let mut k = PtyKiosk::start(dir.path());
    for digit in [b"1", b"1", b"1", b"2"] {
        answer(&k, digit);
    }
    // Through the running kiosk too.
    let surveys = surveys_json(dir.path());
    assert_eq!(surveys[0]["suspect"], 2, "{surveys:?}");
    let tally = json(dir.path(), &["tally", "--format", "json"]);
    assert_eq!(
        (&tally["responses"], &tally["suspect"]),
        (&2.into(), &2.into()),
        "{tally}"
    );
    k.send(keys::CTRL_C);
    assert_eq!(k.wait_exit(), 0);

    let stored = responses(dir.path(), "nopea");
    let flags: Vec<(bool, bool)> = stored.iter().map(|r| (r.complete, r.suspect)).collect();
    assert_eq!(
        flags,
        [(true, false), (true, true), (true, true), (true, false)],
        "{stored:#?}"
    );
    assert!(stored.iter().all(|r| !r.simulated));

    // The table and markdown say how many were left out.
    for format in ["table", "markdown"] {
        let run = kioski(["tally", "--format", format])
            .store(dir.path())
            .run();
        run.expect_code(0);
        assert!(
            run.stdout.contains("2 responses"),
            "{format}:\n{}",
            run.stdout
        );
        assert!(
            run.stdout.contains("2 suspect left out"),
            "{format}:\n{}",
            run.stdout
        );
        let run = kioski(["tally", "--format", format, "--include-suspect"])
            .store(dir.path())
            .run();
        assert!(
            run.stdout.contains("4 responses"),
            "{format}:\n{}",
            run.stdout
        );
        assert!(
            run.stdout.contains("2 suspect counted"),
            "{format}:\n{}",
            run.stdout
        );
    }
    let tally = json(dir.path(), &["tally", "--format", "json"]);
    assert_eq!(tally["responses"], 2, "{tally}");
    assert_eq!(tally["suspect"], 2, "{tally}");
    let yes = &tally["questions"][0]["counts"]["yes"];
    assert_eq!(yes, 1, "{tally}");
    let tally = json(
        dir.path(),
        &["tally", "--format", "json", "--include-suspect"],
    );
    assert_eq!(tally["responses"], 4, "{tally}");
    assert_eq!(tally["include_suspect"], true, "{tally}");
    assert_eq!(tally["questions"][0]["counts"]["yes"], 3, "{tally}");
    let csv = kioski(["tally", "--format", "csv"]).store(dir.path()).run();
    assert!(
        csv.stdout.contains("\r\nnopea,,,,suspect_left_out,,2,,"),
        "{}",
        csv.stdout
    );

    // `surveys` counts them.
    let surveys = surveys_json(dir.path());
    assert_eq!(surveys[0]["suspect"], 2, "{surveys:?}");
    let run = kioski(["surveys"]).store(dir.path()).run();
    let mut table = run.stdout.lines();
    let header = table.next().unwrap();
    let row = table.next().unwrap();
    let at = header.find("SUSPECT").expect("a SUSPECT column");
    assert_eq!(
        row[at..].split_whitespace().next(),
        Some("2"),
        "{}",
        run.stdout
    );

    // Exports carry the flag.
    let export = kioski(["export", "--survey", "nopea", "--format", "csv"])
        .store(dir.path())
        .run();
    let mut lines = export.stdout.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let column = header
        .iter()
        .position(|h| *h == "suspect")
        .expect("a suspect column");
    let cells: Vec<String> = lines
        .map(|l| l.split(',').nth(column).unwrap().to_owned())
        .collect();
    assert_eq!(cells, ["0", "1", "1", "0"], "{}", export.stdout);
    let jsonl = kioski(["export", "--survey", "nopea", "--format", "jsonl"])
        .store(dir.path())
        .run();
    let suspect: Vec<Value> = jsonl
        .stdout
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap()["suspect"].clone())
        .collect();
    assert_eq!(suspect, [false, true, true, false]);
}

/// A flagged response travels in a bundle as it was stored.
#[test]
fn flags_survive_a_bundle_export_and_import() {
    let dir = quick_store("flags-bundle");
    let file = dir.path().join("nopea.toml");
    let version = kioski::core::validate::survey_from_str(QUICK).unwrap();
    let hash = kioski::core::version::VersionHash::of(&version);
    with_store(dir.path(), |store| {
        let mut r = Response {
            id: uuid::Uuid::now_v7(),
            survey: "nopea".into(),
            version: hash,
            terminal: "desk-1".into(),
            lang: kioski::core::survey::Lang::En,
            started_ms: 1_790_000_000_000,
            submitted_ms: 1_790_000_001_000,
            complete: true,
            answers: [("good".to_owned(), kioski::core::answer::Answer::YesNo(true))].into(),
            simulated: false,
            suspect: false,
        };
        store.submit(&r).unwrap();
        r.id = uuid::Uuid::now_v7();
        r.submitted_ms += 1_000;
        store.submit(&r).unwrap();
        r.id = uuid::Uuid::now_v7();
        r.submitted_ms += 100_000;
        r.simulated = true;
        store.submit(&r).unwrap();
    });
    let before = responses(dir.path(), "nopea");
    let flags = |rs: &[Response]| -> Vec<(bool, bool)> {
        rs.iter().map(|r| (r.suspect, r.simulated)).collect()
    };
    assert_eq!(
        flags(&before),
        [(false, false), (true, false), (false, true)]
    );
    let bundle = dir.path().join("b.kioski");
    kioski(["bundle", "export", "--out", bundle.to_str().unwrap()])
        .store(dir.path())
        .run()
        .expect_code(0);
    let other = TempDir::new("flags-bundle-other");
    kioski(["load", file.to_str().unwrap()])
        .store(other.path())
        .run()
        .expect_code(0);
    kioski(["bundle", "import", bundle.to_str().unwrap()])
        .store(other.path())
        .run()
        .expect_code(0);
    let after = responses(other.path(), "nopea");
    assert_eq!(after, before);
}

/// `simulate` marks its responses, and tallies and exports say how many
/// they hold.
#[test]
fn simulated_responses_are_flagged_and_counted_in_tallies_and_exports() {
    let dir = quick_store("flags-simulated");
    kioski(["simulate", "--respondents", "30", "--seed", "4"])
        .store(dir.path())
        .run()
        .expect_code(0);
    let stored = responses(dir.path(), "nopea");
    assert_eq!(stored.len(), 30);
    assert!(stored.iter().all(|r| r.simulated));

    let tally = json(
        dir.path(),
        &["tally", "--format", "json", "--include-partial"],
    );
    assert_eq!(tally["simulated"], 30, "{tally}");
    // Of the responses counted: the partial one is left out by default.
    let run = kioski(["tally"]).store(dir.path()).run();
    assert!(run.stdout.contains("29 simulated"), "{}", run.stdout);
    let run = kioski(["tally", "--format", "markdown", "--include-partial"])
        .store(dir.path())
        .run();
    assert!(run.stdout.contains("30 simulated"), "{}", run.stdout);
    let run = kioski(["tally", "--format", "csv", "--include-partial"])
        .store(dir.path())
        .run();
    assert!(
        run.stdout.contains("\r\nnopea,,,,simulated,,30,,"),
        "{}",
        run.stdout
    );

    let export = kioski(["export", "--survey", "nopea", "--format", "csv"])
        .store(dir.path())
        .run();
    let mut lines = export.stdout.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let column = header
        .iter()
        .position(|h| *h == "simulated")
        .expect("a simulated column");
    assert!(
        lines.all(|l| l.split(',').nth(column) == Some("1")),
        "{}",
        export.stdout
    );
    let jsonl = kioski(["export", "--survey", "nopea", "--format", "jsonl"])
        .store(dir.path())
        .run();
    assert!(
        jsonl
            .stdout
            .lines()
            .all(|l| serde_json::from_str::<Value>(l).unwrap()["simulated"] == true),
        "{}",
        jsonl.stdout
    );
    let surveys = surveys_json(dir.path());
    assert_eq!(surveys[0]["simulated"], 30, "{surveys:?}");
}

/// Into a store that holds real responses, `simulate` asks first; with no
/// terminal to ask on and no --yes it refuses (exit 2) and stores nothing.
#[test]
fn simulate_into_real_responses_refuses_without_yes_when_not_asked_on_a_terminal() {
    let dir = quick_store("flags-simulate-real");
    // Simulated ones only: no question.
    kioski(["simulate", "--respondents", "5", "--seed", "1"])
        .store(dir.path())
        .run()
        .expect_code(0);
    let mut k = PtyKiosk::start(dir.path());
    answer(&k, b"1");
    k.send(keys::CTRL_C);
    assert_eq!(k.wait_exit(), 0);
    assert_eq!(responses(dir.path(), "nopea").len(), 6);

    let run = kioski(["simulate", "--respondents", "5", "--seed", "2"])
        .store(dir.path())
        .run();
    run.expect_code(2);
    assert!(run.stderr.contains("real responses"), "{run}");
    assert!(run.stderr.contains("--yes"), "{run}");
    assert_eq!(responses(dir.path(), "nopea").len(), 6);

    kioski(["simulate", "--respondents", "5", "--seed", "2", "--yes"])
        .store(dir.path())
        .run()
        .expect_code(0);
    assert_eq!(responses(dir.path(), "nopea").len(), 11);
}
