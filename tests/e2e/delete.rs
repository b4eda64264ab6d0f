//! `kioski delete` (issue 13, point 2) on the real binary: simulated,
//! partial and old responses, a whole survey (`--all`), the prompt that
//! refuses without a terminal or `--yes`, the bytes of a deleted answer
//! gone from every file of the store, and a delete through a running
//! owner while answers keep arriving.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use kioski::core::answer::Answer;
use kioski::core::response::Response;
use kioski::core::validate::survey_from_str;
use kioski::store::Store;
use serde_json::Value;

use crate::support::{Run, files_contain, kioski, short_store_dir};

/// A survey with one free-text question, so a response's bytes are easy
/// to find in the store's files.
const NOTE: &str = r#"
id = "muistio"
languages = ["en"]
title = { en = "Notes" }
thanks = { en = "Thanks" }

[[question]]
id = "note"
type = "text"
required = true
text = { en = "Anything to add?" }
"#;

const NOW: i64 = 1_790_000_000_000;

#[track_caller]
fn ok(store: &Path, args: &[&str]) -> Run {
    let run = kioski(args).store(store).run();
    run.expect_code(0);
    run
}

fn fill(store: &Path, id: &str, n: u32, seed: u32) {
    ok(store, &["load", &format!("surveys/{id}.toml")]);
    ok(
        store,
        &[
            "simulate",
            "--survey",
            id,
            "--respondents",
            &n.to_string(),
            "--seed",
            &seed.to_string(),
            "--bulk",
        ],
    );
}

/// Every response of `id` as JSON Lines rows.
fn rows(store: &Path, id: &str) -> Vec<Value> {
    let run = ok(store, &["export", "--survey", id, "--format", "jsonl"]);
    run.stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect()
}

fn ids(rows: &[Value]) -> BTreeSet<String> {
    rows.iter()
        .map(|r| r["id"].as_str().expect("an id").to_owned())
        .collect()
}

fn is_partial(row: &Value) -> bool {
    row["complete"] == Value::Bool(false)
}

#[test]
fn delete_partial_responses_keeps_the_complete_ones() {
    let (_tmp, store) = short_store_dir("kd-");
    fill(&store, "pulssi", 300, 5);
    let before = rows(&store, "pulssi");
    let partial = before.iter().filter(|r| is_partial(r)).count();
    assert!(partial > 0, "the simulation made no partial response");

    let run = ok(
        &store,
        &["delete", "--survey", "pulssi", "--partial", "--yes"],
    );
    assert!(
        run.stdout.contains(&format!("partial: {partial}")),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(&format!("Deleted {partial} ")),
        "{}",
        run.stdout
    );
    let after = rows(&store, "pulssi");
    assert_eq!(after.len(), before.len() - partial);
    assert!(after.iter().all(|r| !is_partial(r)));
    let kept: BTreeSet<_> = before
        .iter()
        .filter(|r| !is_partial(r))
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids(&after), kept);
}

#[test]
fn delete_before_a_day_and_partial_combine_with_and() {
    let (_tmp, store) = short_store_dir("kd-");
    fill(&store, "pulssi", 400, 6);
    let before = rows(&store, "pulssi");
    // Simulated answers spread over the past year: cut half a year ago.
    let cut = jiff::Timestamp::now() - jiff::SignedDuration::from_hours(24 * 183);
    let day = jiff::tz::TimeZone::UTC.to_datetime(cut).date();
    let cut_ms = day
        .to_zoned_datetime(jiff::tz::TimeZone::UTC)
        .unwrap()
        .timestamp()
        .as_millisecond();
    let submitted = |r: &Value| {
        r["submitted"]
            .as_str()
            .expect("a submit time")
            .parse::<jiff::Timestamp>()
            .unwrap()
            .as_millisecond()
    };
    let old = before.iter().filter(|r| submitted(r) < cut_ms).count();
    let old_partial = before
        .iter()
        .filter(|r| submitted(r) < cut_ms && is_partial(r))
        .count();
    assert!(old > 0 && old_partial > 0 && old < before.len());

    let date = day.to_string();
    let run = ok(
        &store,
        &[
            "delete",
            "--survey",
            "pulssi",
            "--before",
            &date,
            "--partial",
            "--yes",
        ],
    );
    assert!(
        run.stdout.contains(&format!("Deleted {old_partial} ")),
        "{}",
        run.stdout
    );
    assert_eq!(rows(&store, "pulssi").len(), before.len() - old_partial);

    let run = ok(
        &store,
        &["delete", "--survey", "pulssi", "--before", &date, "--yes"],
    );
    assert!(
        run.stdout
            .contains(&format!("Deleted {} ", old - old_partial)),
        "{}",
        run.stdout
    );
    let after = rows(&store, "pulssi");
    assert_eq!(after.len(), before.len() - old);
    assert!(after.iter().all(|r| submitted(r) >= cut_ms));
}

#[test]
fn delete_needs_a_filter_and_names_them() {
    let (_tmp, store) = short_store_dir("kd-");
    fill(&store, "pulssi", 10, 1);
    let run = kioski(["delete", "--survey", "pulssi", "--yes"])
        .store(&store)
        .run();
    run.expect_code(2);
    for flag in ["--before", "--partial", "--simulated", "--all"] {
        assert!(run.stderr.contains(flag), "{flag}: {}", run.stderr);
    }
    assert_eq!(rows(&store, "pulssi").len(), 10);
}

#[test]
fn delete_refuses_without_yes_when_not_a_terminal() {
    let (_tmp, store) = short_store_dir("kd-");
    fill(&store, "pulssi", 50, 2);
    let run = kioski(["delete", "--survey", "pulssi", "--partial"])
        .store(&store)
        .stdin("y\n")
        .run();
    run.expect_code(2);
    assert!(run.stderr.contains("--yes"), "{}", run.stderr);
    // It said what it would delete before refusing.
    assert!(run.stdout.contains("partial:"), "{}", run.stdout);
    assert_eq!(rows(&store, "pulssi").len(), 50);
}

/// Three responses with a text answer each, stored by the library (the
/// test's own way in, not a production path): one partial to delete.
fn notes(store: &Path) -> [Response; 3] {
    let db = Store::open(store, "test").unwrap();
    let survey = survey_from_str(NOTE).unwrap();
    let version = db.load(&survey, NOTE, NOW).unwrap().hash;
    let make = |n: u8, text: &str, complete: bool| Response {
        id: uuid::Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0000 + u128::from(n)),
        survey: "muistio".into(),
        version,
        terminal: "t".into(),
        lang: survey.languages[0],
        started_ms: NOW + i64::from(n) * 1000,
        submitted_ms: NOW + i64::from(n) * 1000 + 500,
        complete,
        answers: [("note".to_owned(), Answer::Text(text.into()))].into(),
        simulated: false,
        suspect: false,
    };
    let all = [
        make(1, "Keep-me-Alpha-8f31", true),
        make(2, "Delete-me-Bravo-2c77", false),
        make(3, "Keep-me-Charlie-51ad", true),
    ];
    for r in &all {
        db.submit(r).unwrap();
    }
    all
}

#[test]
fn deleted_answers_are_gone_from_every_file_of_the_store() {
    let (_tmp, store) = short_store_dir("kd-");
    notes(&store);
    assert!(files_contain(&store, b"Delete-me-Bravo-2c77"));

    ok(
        &store,
        &["delete", "--survey", "muistio", "--partial", "--yes"],
    );
    assert!(
        !files_contain(&store, b"Delete-me-Bravo-2c77"),
        "the deleted answer is still in a file of the store"
    );
    for kept in ["Keep-me-Alpha-8f31", "Keep-me-Charlie-51ad"] {
        assert!(files_contain(&store, kept.as_bytes()), "{kept} was lost");
    }
    let after = rows(&store, "muistio");
    assert_eq!(after.len(), 2);
    // The store still opens, counts and takes answers.
    ok(&store, &["surveys"]);
}

#[test]
fn delete_all_removes_the_survey_its_versions_and_its_answers() {
    let (_tmp, store) = short_store_dir("kd-");
    notes(&store);
    fill(&store, "pulssi", 20, 3);
    ok(&store, &["activate", "muistio"]);

    let run = kioski(["delete", "--survey", "muistio", "--all"])
        .store(&store)
        .run();
    run.expect_code(2);
    assert!(run.stdout.contains("3 responses"), "{}", run.stdout);

    let run = ok(&store, &["delete", "--survey", "muistio", "--all", "--yes"]);
    assert!(
        run.stdout.contains("No survey is active now"),
        "{}",
        run.stdout
    );
    let run = ok(&store, &["surveys", "--format", "json"]);
    let surveys: Value = serde_json::from_str(&run.stdout).unwrap();
    let listed: Vec<_> = surveys
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(listed, ["pulssi"]);
    for gone in [
        "Keep-me-Alpha-8f31",
        "Delete-me-Bravo-2c77",
        "Anything to add?",
    ] {
        assert!(
            !files_contain(&store, gone.as_bytes()),
            "{gone} is still there"
        );
    }
    assert_eq!(rows(&store, "pulssi").len(), 20);
    let run = kioski(["delete", "--survey", "muistio", "--all", "--yes"])
        .store(&store)
        .run();
    run.expect_code(1);
    assert!(run.stderr.contains("muistio"), "{}", run.stderr);
}

/// Contacts are not answers: deleting a survey keeps its prize-draw
/// entries (a draw may still be due) and says how to purge them.
#[test]
fn delete_all_keeps_the_prize_entries_and_says_how_to_purge_them() {
    let (_tmp, store) = short_store_dir("kd-");
    crate::support::copy_dir(
        &crate::support::crate_root().join("tests/data/golden/store"),
        &store,
    );
    let run = ok(
        &store,
        &["delete", "--survey", "palvelulupaus", "--all", "--yes"],
    );
    assert!(
        run.stdout
            .contains("Its 2 prize-draw entries stay: `kioski prize purge --survey palvelulupaus`"),
        "{run}"
    );
    let count = ok(&store, &["prize", "count", "--survey", "palvelulupaus"]);
    assert_eq!(count.stdout.trim(), "2", "{count}");
}

/// The owner (here the test process, serving its store like a kiosk)
/// takes answers the whole time `kioski delete` runs through its socket:
/// every answer acknowledged is still there afterwards, and the deleted
/// ones are gone from the files.
#[test]
fn delete_through_a_running_owner_loses_no_new_answer() {
    let (_tmp, store) = short_store_dir("kd-");
    let first = notes(&store);
    let db = Arc::new(Store::open(&store, "kiosk").unwrap());
    let _server = kioski::remote::serve(db.clone(), "kiosk", None).unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (db, stop, template) = (db.clone(), stop.clone(), first[0].clone());
        std::thread::spawn(move || {
            let mut stored = Vec::new();
            let mut n: u128 = 0;
            while !stop.load(Ordering::SeqCst) || stored.len() < 20 {
                n += 1;
                let mut r = template.clone();
                r.id = uuid::Uuid::from_u128(0x0191_0000_0000_7000_8000_0000_0000_0000 + n);
                r.answers = [("note".to_owned(), Answer::Text(format!("new-{n}")))].into();
                db.submit(&r).unwrap();
                stored.push(r.id.to_string());
            }
            stored
        })
    };
    let count = || db.responses("muistio").count();
    crate::support::wait_until("answers arrive", || count() > 10);
    let before = count();
    let run = ok(
        &store,
        &["delete", "--survey", "muistio", "--partial", "--yes"],
    );
    assert!(run.stdout.contains("Deleted 1 "), "{}", run.stdout);
    assert!(count() > before, "no answer arrived while the delete ran");
    stop.store(true, Ordering::SeqCst);
    let stored = writer.join().unwrap();

    let kept = ids(&rows(&store, "muistio"));
    for id in &stored {
        assert!(kept.contains(id), "answer {id} was lost by the delete");
    }
    assert_eq!(kept.len(), stored.len() + 2);
    assert!(!files_contain(&store, b"Delete-me-Bravo-2c77"));
    drop(_server);
}

#[test]
fn delete_simulated_responses_keeps_the_real_ones() {
    let (_tmp, store) = short_store_dir("kd-");
    let [real, ..] = notes(&store);
    {
        let db = Store::open(&store, "simulate").unwrap();
        for n in 0..4u128 {
            let mut r = real.clone();
            r.id = uuid::Uuid::from_u128(0x0192_0000_0000_7000_8000_0000_0000_0000 + n);
            r.simulated = true;
            r.answers = [("note".to_owned(), Answer::Text(format!("Robot-{n}-e41")))].into();
            db.submit(&r).unwrap();
        }
    }
    let run = ok(
        &store,
        &["delete", "--survey", "muistio", "--simulated", "--yes"],
    );
    assert!(run.stdout.contains("simulated: 4"), "{}", run.stdout);
    assert!(run.stdout.contains("Deleted 4 "), "{}", run.stdout);
    let after = rows(&store, "muistio");
    assert_eq!(after.len(), 3);
    assert!(!files_contain(&store, b"Robot-2-e41"));
    assert!(files_contain(&store, b"Keep-me-Alpha-8f31"));
}

/// `keep_days = 60`: a kiosk started on the store deletes what is older
/// (and logs only the count); a delete then goes through the running
/// kiosk, which keeps running.
#[test]
fn a_starting_kiosk_deletes_what_keep_days_no_longer_keeps() {
    use crate::pty::PtyKiosk;
    let (tmp, store) = short_store_dir("kd-");
    let source = std::fs::read_to_string("surveys/pulssi.toml").unwrap();
    let file = tmp.path().join("pulssi.toml");
    std::fs::write(&file, format!("keep_days = 60\n{source}")).unwrap();
    ok(&store, &["load", file.to_str().unwrap()]);
    ok(
        &store,
        &["simulate", "--respondents", "300", "--seed", "9", "--bulk"],
    );
    let cut = jiff::Timestamp::now().as_millisecond() - 60 * 86_400_000;
    let submitted = |r: &Value| {
        r["submitted"]
            .as_str()
            .unwrap()
            .parse::<jiff::Timestamp>()
            .unwrap()
            .as_millisecond()
    };
    let before = rows(&store, "pulssi");
    let young = before.iter().filter(|r| submitted(r) >= cut).count();
    assert!(young > 0 && young < before.len());

    let kiosk = PtyKiosk::start(&store);
    crate::support::wait_until("the kiosk applied keep_days", || {
        let run = kioski(["export", "--survey", "pulssi", "--format", "jsonl"])
            .store(&store)
            .run();
        run.code == Some(0) && run.stdout.lines().count() == young
    });
    assert!(rows(&store, "pulssi").iter().all(|r| submitted(r) >= cut));
    let log = std::fs::read_to_string(store.join("kioski.log")).unwrap();
    assert!(log.contains("keep_days"), "{log}");

    let partial = rows(&store, "pulssi")
        .iter()
        .filter(|r| is_partial(r))
        .count();
    let run = ok(
        &store,
        &["delete", "--survey", "pulssi", "--partial", "--yes"],
    );
    assert!(
        run.stdout.contains(&format!("Deleted {partial} ")),
        "{}",
        run.stdout
    );
    // Through the kiosk: it still owns the store and answers.
    let run = kioski(["delete", "--survey", "pulssi", "--all", "--yes"])
        .store(&store)
        .run();
    run.expect_code(1);
    assert!(run.stderr.contains("shows the survey"), "{}", run.stderr);
    assert_eq!(rows(&store, "pulssi").len(), young - partial);
    drop(kiosk);
}

/// On a terminal the delete asks: `n` (or anything but y/yes) keeps
/// everything, `y` deletes.
#[test]
fn on_a_terminal_delete_asks_and_only_yes_deletes() {
    use crate::pty::PtyKiosk;
    let (_tmp, store) = short_store_dir("kd-");
    notes(&store);
    let ask = |answer: &[u8]| {
        let mut run = PtyKiosk::builder(&store)
            .args(["delete", "--survey", "muistio", "--partial"])
            .start();
        run.wait_for_text("[y/N]");
        run.send(answer);
        let code = run.wait_exit();
        (code, run.text())
    };
    let (code, screen) = ask(b"n\r");
    assert_eq!(code, 0, "{screen}");
    assert!(screen.contains("Nothing was deleted."), "{screen}");
    assert_eq!(rows(&store, "muistio").len(), 3);
    let (code, screen) = ask(b"y\r");
    assert_eq!(code, 0, "{screen}");
    assert!(screen.contains("Deleted 1 response"), "{screen}");
    assert_eq!(rows(&store, "muistio").len(), 2);
}

/// `simulate` flags what it makes, so `delete --simulated` takes all of
/// it and nothing else.
#[test]
fn delete_simulated_takes_what_simulate_made() {
    let (_tmp, store) = short_store_dir("kd-");
    notes(&store);
    fill(&store, "pulssi", 120, 4);
    let run = ok(
        &store,
        &["delete", "--survey", "pulssi", "--simulated", "--yes"],
    );
    assert!(run.stdout.contains("simulated: 120"), "{}", run.stdout);
    assert!(run.stdout.contains("Deleted 120 "), "{}", run.stdout);
    assert!(rows(&store, "pulssi").is_empty());
    let run = ok(
        &store,
        &["delete", "--survey", "muistio", "--simulated", "--yes"],
    );
    assert!(run.stdout.contains("Nothing to delete."), "{}", run.stdout);
    assert_eq!(rows(&store, "muistio").len(), 3);
}
