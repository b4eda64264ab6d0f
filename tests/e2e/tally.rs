//! `kioski tally`: the JSON keys scripts rely on, and figures that agree
//! with the responses in the store.

use crate::support::{TempDir, kioski};

fn filled(dir: &std::path::Path) {
    kioski(["load", "surveys/palvelupiste.toml"])
        .store(dir)
        .run()
        .expect_code(0);
    kioski(["simulate", "--respondents", "500", "--seed", "11"])
        .store(dir)
        .run()
        .expect_code(0);
}

#[test]
fn json_has_the_contract_keys_and_consistent_counts() {
    let dir = TempDir::new("tally-json");
    filled(dir.path());
    let run = kioski(["tally", "--format", "json"])
        .store(dir.path())
        .run();
    run.expect_code(0);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).expect("one JSON document");
    assert_eq!(json["survey"], "palvelupiste");
    let responses = json["responses"].as_u64().unwrap();
    let partial = json["partial"].as_u64().unwrap();
    assert_eq!(responses + partial, 500, "{}", run.stdout);
    let questions = json["questions"].as_array().unwrap();
    let overall = questions.iter().find(|q| q["id"] == "overall").unwrap();
    assert_eq!(overall["type"], "rating");
    let counts: u64 = overall["counts"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_u64().unwrap())
        .sum();
    assert_eq!(counts, overall["answered"].as_u64().unwrap());
    assert!(overall["mean"].as_f64().unwrap() > 1.0 && overall["top2"].as_f64().unwrap() <= 1.0);
    let nps = questions.iter().find(|q| q["type"] == "nps").unwrap();
    let value = nps["nps"].as_f64().unwrap();
    assert!((-100.0..=100.0).contains(&value));

    // With the partials, every response counts.
    let run = kioski(["tally", "--format", "json", "--include-partial"])
        .store(dir.path())
        .run();
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(json["responses"].as_u64().unwrap(), 500);
}

#[test]
fn the_table_shows_every_question_and_groups_add_up() {
    let dir = TempDir::new("tally-table");
    filled(dir.path());
    let run = kioski(["tally"]).store(dir.path()).run();
    run.expect_code(0);
    for id in ["overall", "one_visit", "compared", "recommend", "group"] {
        assert!(
            run.stdout.contains(&format!("\n{id} · ")),
            "{id}:\n{}",
            run.stdout
        );
    }
    assert!(run.stdout.contains("NPS "), "{}", run.stdout);

    let run = kioski(["tally", "--format", "json", "--by", "group"])
        .store(dir.path())
        .run();
    run.expect_code(0);
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let total = json["responses"].as_u64().unwrap();
    let cells: u64 = json["cells"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["responses"].as_u64().unwrap())
        .sum();
    assert_eq!(cells, total);
}

#[test]
fn grouping_by_a_text_question_is_a_usage_error() {
    let dir = TempDir::new("tally-bad-by");
    filled(dir.path());
    let run = kioski(["tally", "--by", "improve"]).store(dir.path()).run();
    run.expect_code(2);
    assert!(run.stderr.contains("choice or yesno"), "{run}");
}

#[test]
fn csv_is_long_format_and_agrees_with_json() {
    let dir = TempDir::new("tally-csv");
    filled(dir.path());
    let run = kioski(["tally", "--format", "csv", "--by", "group"])
        .store(dir.path())
        .run();
    run.expect_code(0);
    let mut reader = csv::Reader::from_reader(run.stdout.as_bytes());
    let headers = reader.headers().unwrap().clone();
    assert_eq!(
        headers.iter().collect::<Vec<_>>(),
        [
            "survey", "group", "period", "question", "type", "option", "count", "percent",
            "answered", "figure", "value", "text"
        ]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    // The total's grade counts add up to its `answered`.
    let overall: Vec<&csv::StringRecord> = rows
        .iter()
        .filter(|r| r[1].is_empty() && &r[3] == "overall" && r[9].is_empty())
        .collect();
    let sum: u64 = overall.iter().map(|r| r[6].parse::<u64>().unwrap()).sum();
    assert_eq!(sum, overall[0][8].parse::<u64>().unwrap());
    // Every group appears, and the JSON says the same.
    let json = kioski(["tally", "--format", "json"])
        .store(dir.path())
        .run();
    let json: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    let five = json["questions"][0]["counts"]["5"].as_u64().unwrap();
    let csv_five = overall.iter().find(|r| &r[5] == "5").unwrap()[6]
        .parse::<u64>()
        .unwrap();
    assert_eq!(five, csv_five);
    // Groups by their label in the survey's first language.
    assert!(
        rows.iter().any(|r| &r[1] == "Kuntalainen"),
        "{}",
        run.stdout
    );
}

#[test]
fn markdown_is_a_report_with_a_table_per_question() {
    let dir = TempDir::new("tally-md");
    filled(dir.path());
    let run = kioski(["tally", "--format", "markdown", "--lang", "en"])
        .store(dir.path())
        .run();
    run.expect_code(0);
    assert!(
        run.stdout.starts_with("# Service desk feedback\n"),
        "{}",
        run.stdout
    );
    assert_eq!(run.stdout.matches("\n### ").count(), 6, "{}", run.stdout);
    assert!(run.stdout.contains("| answer | (all) |"), "{}", run.stdout);
    assert!(run.stdout.contains("NPS "));
    assert!(!run.stdout.contains('\u{1b}'));
}

/// Every format and option of a tally (plain, by a question or the
/// terminal, per period, within dates), from the kept counts and from a
/// full scan of the responses (KIOSKI_FULL_SCAN=1): byte for byte.
#[test]
fn kept_counts_print_what_a_full_scan_prints() {
    let dir = TempDir::new("tally-kept");
    filled(dir.path());
    for format in ["json", "table", "csv", "markdown"] {
        for options in [
            &[][..],
            &["--include-partial"][..],
            &["--include-suspect"][..],
            &["--include-partial", "--include-suspect", "--lang", "sv"][..],
            &["--terminal", "simulated"][..],
            &["--terminal", "nosuch,simulated", "--include-partial"][..],
            &["--by", "group"][..],
            &["--by", "one_visit", "--period", "week", "--include-partial"][..],
            &["--by", "group", "--period", "month"][..],
            &["--by", "compared", "--period", "year", "--include-suspect"][..],
            &["--by", "@terminal", "--period", "day"][..],
            &["--by", "@terminal", "--terminal", "simulated,nosuch"][..],
            &["--period", "month", "--since", "2026-01-01"][..],
            &["--since", "2025-12-15", "--until", "2026-03-30"][..],
            &[
                "--by",
                "group",
                "--period",
                "week",
                "--since",
                "2026-03-20",
                "--until",
                "2026-10-30",
                "--terminal",
                "simulated",
                "--include-partial",
            ][..],
        ] {
            // Local periods and dates: UTC, and a zone whose month edges
            // fall mid-UTC-day, with both DST changes in range.
            for tz in ["UTC", "Europe/Helsinki"] {
                let args = || {
                    let mut a = vec!["tally", "--format", format];
                    a.extend_from_slice(options);
                    a
                };
                let kept = kioski(args()).store(dir.path()).env("TZ", Some(tz)).run();
                kept.expect_code(0);
                let full = kioski(args())
                    .store(dir.path())
                    .env("TZ", Some(tz))
                    .env("KIOSKI_FULL_SCAN", Some("1"))
                    .run();
                full.expect_code(0);
                assert_eq!(kept.stdout, full.stdout, "{format} {options:?} {tz}");
            }
        }
    }
}

/// `kioski check` agrees on a sound store; with a kept cell removed behind
/// the store's back it exits 1 naming the cell, counts again, and then
/// agrees, and the tally is the full scan's again.
#[test]
fn check_finds_damaged_kept_counts_and_counts_them_again() {
    let dir = TempDir::new("tally-check");
    filled(dir.path());
    let run = kioski(["check"]).store(dir.path()).run();
    run.expect_code(0);
    assert!(run.stdout.contains("agree"), "{}", run.stdout);
    assert!(run.stdout.contains("500 responses"), "{}", run.stdout);
    {
        let db = sled::Config::new()
            .path(dir.path().join("db"))
            .open()
            .unwrap();
        let tree = db.open_tree(kioski::store::keys::TALLIES).unwrap();
        let (key, _) = tree
            .scan_prefix(kioski::store::keys::survey_prefix("palvelupiste"))
            .next()
            .unwrap()
            .unwrap();
        tree.remove(key).unwrap();
        db.flush().unwrap();
    }
    let run = kioski(["check"]).store(dir.path()).run();
    run.expect_code(1);
    assert!(run.stdout.contains("no kept cell"), "{}", run.stdout);
    assert!(run.stderr.contains("made again"), "{}", run.stderr);
    kioski(["check"]).store(dir.path()).run().expect_code(0);
    let kept = kioski(["tally", "--format", "json"])
        .store(dir.path())
        .run();
    let full = kioski(["tally", "--format", "json"])
        .store(dir.path())
        .env("KIOSKI_FULL_SCAN", Some("1"))
        .run();
    assert_eq!(kept.stdout, full.stdout);
}
