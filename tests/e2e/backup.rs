//! `kioski backup` and `kioski restore`: a whole terminal in one file.
//!
//! A backup of a store with responses, a survey version nobody answered
//! yet, a terminal name, a PIN (with a wrong attempt counted) and prize
//! entries, restored into an empty store, gives the same output command by
//! command. A backup taken through a running kiosk while answers arrive is
//! consistent. A store that holds anything is refused, and so is a damaged
//! or cut-short file, and nothing is stored.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use crate::store::{surveys_json, with_store};
use crate::support::{Run, TempDir, copy_dir, crate_root, kioski};

const PIN: &str = "482913";

/// The golden store (five surveys, two versions of `pulssi`, responses,
/// the PIN 482913, terminal `kirjasto-1`, two prize entries), plus a
/// third version of `tilat` that nobody answered (the active survey is
/// another one) and one wrong PIN counted.
fn full_store(work: &TempDir) -> PathBuf {
    let store = work.path().join("a");
    copy_dir(&crate_root().join("tests/data/golden/store"), &store);
    let tilat = std::fs::read_to_string(crate_root().join("surveys/tilat.toml")).unwrap();
    let edited = tilat.replacen(
        "How well do our premises work?",
        "How do our premises work?",
        1,
    );
    assert_ne!(edited, tilat, "the edit changes the survey");
    let v3 = work.write("tilat-v3.toml", edited);
    kioski(["load", &v3.to_string_lossy()])
        .store(&store)
        .run()
        .expect_code(0);
    let wrong = pin_file(work, "wrong.pin", "000000");
    let right = pin_file(work, "right.pin", PIN);
    kioski([
        "pin",
        "change",
        "--old-pin-file",
        &wrong.to_string_lossy(),
        "--pin-file",
        &right.to_string_lossy(),
    ])
    .store(&store)
    .run()
    .expect_code(1);
    store
}

fn pin_file(work: &TempDir, name: &str, pin: &str) -> PathBuf {
    let path = work.write(name, format!("{pin}\n"));
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    path
}

fn run_on(store: &Path, args: &[&str]) -> Run {
    kioski(args).store(store).run()
}

/// Everything the commands print of a store: `surveys` (table and JSON),
/// `prize count`, and per survey every export format and the tally.
fn outputs(store: &Path) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut take = |args: &[&str]| {
        let run = run_on(store, args);
        run.expect_code(0);
        out.push((args.join(" "), run.stdout));
    };
    take(&["surveys"]);
    take(&["surveys", "--format", "json"]);
    take(&["prize", "count"]);
    take(&["prize", "count", "--format", "json"]);
    for row in surveys_json(store) {
        let id = row["id"].as_str().unwrap().to_owned();
        take(&["export", "--survey", &id, "--format", "csv"]);
        take(&["export", "--survey", &id, "--format", "csv", "--excel"]);
        take(&["export", "--survey", &id, "--format", "jsonl"]);
        take(&[
            "tally",
            "--survey",
            &id,
            "--format",
            "json",
            "--include-partial",
        ]);
        take(&["tally", "--survey", &id]);
    }
    out
}

/// What only the library shows: PIN state, terminal name, prize entries.
fn settings(store: &Path) -> String {
    with_store(store, |s| {
        let mut prizes: Vec<String> = s
            .survey_entries()
            .unwrap()
            .iter()
            .flat_map(|e| s.prize_entries(&e.id).unwrap())
            .map(|fields| format!("{fields:?}"))
            .collect();
        prizes.sort();
        format!(
            "pin set: {}\nlockout: {:?}\nterminal: {:?}\nactive: {:?}\nprizes: {prizes:?}",
            s.has_pin().unwrap(),
            s.pin_lockout().unwrap(),
            s.terminal_name().unwrap(),
            s.active().unwrap(),
        )
    })
}

fn mode_of(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn a_backup_restored_into_an_empty_store_is_the_same_store() {
    let work = TempDir::new("backup-same");
    let a = full_store(&work);
    let file = work.path().join("kirjasto-1.backup");
    let done = run_on(&a, &["backup", "--out", &file.to_string_lossy()]);
    done.expect_code(0);
    assert!(done.stdout.contains("responses"), "{done}");
    assert_eq!(mode_of(&file), 0o600);
    let log = std::fs::read_to_string(a.join("kioski.log")).unwrap_or_default();
    assert!(!log.contains("Meikäläinen"), "{log}");

    let b = work.path().join("b");
    let restored = run_on(&b, &["restore", &file.to_string_lossy()]);
    restored.expect_code(0);
    assert!(restored.stdout.contains("Restored"), "{restored}");

    let (before, after) = (outputs(&a), outputs(&b));
    assert_eq!(before.len(), after.len());
    for ((command, a_out), (_, b_out)) in before.iter().zip(&after) {
        assert_eq!(a_out, b_out, "`kioski {command}` differs after restore");
    }
    let shown = settings(&a);
    assert!(shown.contains("failures: 1"), "{shown}");
    assert!(shown.contains("Matti Virtanen"), "{shown}");
    assert_eq!(settings(&b), shown);
    // A survey version with no answers came back, and is the one shown.
    let rows = surveys_json(&b);
    let tilat = rows.iter().find(|r| r["id"] == "tilat").unwrap();
    assert_eq!(tilat["versions"].as_u64(), Some(2), "{tilat}");

    // The same PIN works on the restored store, and a wrong one does not.
    let wrong = pin_file(&work, "w.pin", "111111");
    let right = pin_file(&work, "r.pin", PIN);
    let (w, r) = (wrong.to_string_lossy(), right.to_string_lossy());
    run_on(
        &b,
        &["pin", "change", "--old-pin-file", &w, "--pin-file", &r],
    )
    .expect_code(1);
    run_on(
        &b,
        &["pin", "change", "--old-pin-file", &r, "--pin-file", &r],
    )
    .expect_code(0);

    // The restored store backs up to a file that restores the same again.
    let again = work.path().join("again.backup");
    run_on(&b, &["backup", "--out", &again.to_string_lossy()]).expect_code(0);
    let c = work.path().join("c");
    run_on(&c, &["restore", &again.to_string_lossy()]).expect_code(0);
    assert_eq!(outputs(&c), after);
}

#[test]
fn restore_refuses_a_store_that_holds_anything() {
    let work = TempDir::new("backup-nonempty");
    let a = work.path().join("a");
    run_on(&a, &["load", "surveys/pulssi.toml"]).expect_code(0);
    run_on(&a, &["simulate", "--respondents", "5", "--seed", "3"]).expect_code(0);
    let file = work.path().join("a.backup");
    run_on(&a, &["backup", "--out", &file.to_string_lossy()]).expect_code(0);

    // A backup inside the store directory would go with the store.
    let inside = a.join("db").join("a.backup");
    let run = run_on(&a, &["backup", "--out", &inside.to_string_lossy()]);
    run.expect_code(2);
    assert!(run.stderr.contains("inside the store directory"), "{run}");
    assert!(!inside.exists());

    let b = work.path().join("b");
    run_on(&b, &["load", "surveys/tilat.toml"]).expect_code(0);
    let before = outputs(&b);
    let refused = run_on(&b, &["restore", &file.to_string_lossy()]);
    refused.expect_code(1);
    assert!(refused.stderr.contains("not empty"), "{refused}");
    assert!(refused.stderr.contains("hint:"), "{refused}");
    assert!(refused.stderr.contains("--store"), "{refused}");
    assert_eq!(outputs(&b), before);

    // Restoring twice into the same store: the second is refused too.
    let c = work.path().join("c");
    run_on(&c, &["restore", &file.to_string_lossy()]).expect_code(0);
    run_on(&c, &["restore", &file.to_string_lossy()]).expect_code(1);
    assert_eq!(outputs(&c), outputs(&a));
}

#[test]
fn a_damaged_or_cut_short_backup_is_refused_and_stores_nothing() {
    let work = TempDir::new("backup-damaged");
    let a = full_store(&work);
    let file = work.path().join("a.backup");
    run_on(&a, &["backup", "--out", &file.to_string_lossy()]).expect_code(0);
    let bytes = std::fs::read(&file).unwrap();
    let bad = work.path().join("bad.backup");
    let n = bytes.len();
    let cuts = [0, 3, 8, 10, 11, 40, n / 3, n / 2, n - 33, n - 1];
    for len in cuts {
        std::fs::write(&bad, &bytes[..len]).unwrap();
        let run = kioski(["restore", &bad.to_string_lossy()]).run();
        run.expect_code(1).expect_store_untouched();
        assert!(
            run.stderr.contains("cut short") || run.stderr.contains("not a kioski backup"),
            "length {len}:\n{run}"
        );
    }
    for at in [20, 40, n / 4, n / 2, n - 2] {
        let mut flipped = bytes.clone();
        flipped[at] ^= 0x20;
        std::fs::write(&bad, &flipped).unwrap();
        let run = kioski(["restore", &bad.to_string_lossy()]).run();
        run.expect_code(1).expect_store_untouched();
        assert!(run.stderr.contains("damaged"), "flip at {at}:\n{run}");
    }
    // A bundle is not a backup, and says so.
    let bundle = crate_root().join("tests/data/golden/bundle.kioski");
    let run = kioski(["restore", &bundle.to_string_lossy()]).run();
    run.expect_code(1).expect_store_untouched();
    assert!(run.stderr.contains("bundle import"), "{run}");
}

#[test]
fn a_backup_through_a_running_kiosk_while_answers_arrive_is_consistent() {
    use kioski::core::response::Response;
    use kioski::core::simulate::{Setup, respondent};
    use kioski::store::Store;
    use rand::SeedableRng;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

    const NOW: i64 = 1_790_000_000_000;
    let (tmp, dir) = crate::support::short_store_dir("kbkrace");
    let store = Arc::new(Store::open(&dir, "kiosk").unwrap());
    let source = std::fs::read_to_string(crate_root().join("surveys/pulssi.toml")).unwrap();
    let survey = kioski::core::validate::survey_from_str(&source).unwrap();
    let hash = store.load(&survey, &source, NOW).unwrap().hash;
    store.set_terminal_name("race").unwrap();
    store
        .add_prize_entry("pulssi", &[("name".into(), "Maija".into())])
        .unwrap();
    let setup = Setup {
        survey: &survey,
        version: hash,
        terminal: "race",
        now_ms: NOW,
        utc_offset_ms: 0,
    };
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(21);
    let first: Vec<Response> = (0..2000)
        .map(|i| respondent(&mut rng, &setup, f64::from(i) / 2000.0))
        .collect();
    store.submit_batch(&first).unwrap();
    let _server = kioski::remote::serve(store.clone(), "kiosk", None).unwrap();

    let stop = Arc::new(AtomicBool::new(false));
    let submitted = Arc::new(AtomicUsize::new(0));
    let writer = {
        let (store, stop, submitted, survey) = (
            store.clone(),
            stop.clone(),
            submitted.clone(),
            survey.clone(),
        );
        std::thread::spawn(move || {
            let setup = Setup {
                survey: &survey,
                version: hash,
                terminal: "race",
                now_ms: NOW,
                utc_offset_ms: 0,
            };
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(22);
            while !stop.load(Ordering::SeqCst) {
                let r = respondent(&mut rng, &setup, 0.5);
                store.submit(&r).unwrap();
                submitted.fetch_add(1, Ordering::SeqCst);
            }
        })
    };

    let mut raced = 0;
    for round in 0..3 {
        let before = submitted.load(Ordering::SeqCst);
        let out = tmp.path().join(format!("race-{round}.backup"));
        // The kiosk holds the store: the backup can only go through it.
        let done = run_on(&dir, &["backup", "--out", &out.to_string_lossy()]);
        done.expect_code(0);
        let after = submitted.load(Ordering::SeqCst);
        raced += usize::from(after > before);
        assert_eq!(mode_of(&out), 0o600);
        let count = with_counts(&done.stdout);
        assert!(
            (2000 + before as u64..=2001 + after as u64).contains(&count),
            "round {round}: {count} responses, {before}..{after} submitted meanwhile:\n{done}"
        );
        let target = tmp.path().join(format!("t{round}"));
        let restored = run_on(&target, &["restore", &out.to_string_lossy()]);
        restored.expect_code(0);
        assert_eq!(with_counts(&restored.stdout), count, "{restored}");
        with_store(&target, |s| {
            assert_eq!(s.responses("pulssi").count() as u64, count);
            assert_eq!(s.terminal_name().unwrap().as_deref(), Some("race"));
            assert_eq!(s.prize_entries("pulssi").unwrap().len(), 1);
        });
    }
    stop.store(true, Ordering::SeqCst);
    writer.join().unwrap();
    assert!(raced > 0, "no response arrived during a backup");

    // A restore never goes through a running kiosk: it needs the store to
    // itself, and says so.
    let empty = tmp.path().join("e");
    let other = Arc::new(Store::open(&empty, "kiosk").unwrap());
    let _other_server = kioski::remote::serve(other.clone(), "kiosk", None).unwrap();
    let out = tmp.path().join("race-0.backup");
    let refused = run_on(&empty, &["restore", &out.to_string_lossy()]);
    refused.expect_code(3);
    assert!(refused.stderr.contains("kiosk"), "{refused}");
    assert!(refused.stderr.contains("stop"), "{refused}");
    assert!(other.survey_entries().unwrap().is_empty());
}

/// The number before "responses" in a command's summary line.
fn with_counts(stdout: &str) -> u64 {
    let words: Vec<&str> = stdout.split_whitespace().collect();
    let at = words
        .iter()
        .position(|w| w.starts_with("response"))
        .unwrap_or_else(|| panic!("no response count in {stdout:?}"));
    words[at - 1].replace(',', "").parse().unwrap()
}

#[test]
fn a_backup_through_the_real_kiosk_restores_to_what_the_kiosk_serves() {
    use crate::pty::{PtyKiosk, keys};

    let (tmp, store) = crate::support::short_store_dir("kbkpty");
    run_on(&store, &["load", "surveys/palvelupiste.toml"]).expect_code(0);
    run_on(&store, &["simulate", "--respondents", "60", "--seed", "9"]).expect_code(0);
    with_store(&store, |s| {
        s.set_terminal_name("aula").unwrap();
        s.add_prize_entry("palvelupiste", &[("phone".into(), "040 1".into())])
            .unwrap();
    });
    let mut k = PtyKiosk::start(&store);
    k.wait_for_text("Aloita");
    // Read through the kiosk, backed up by it, restored elsewhere.
    let served = outputs(&store);
    let file = tmp.path().join("aula.backup");
    let done = run_on(&store, &["backup", "--out", &file.to_string_lossy()]);
    done.expect_code(0);
    assert!(done.stdout.contains("60 responses"), "{done}");
    assert!(done.stdout.contains("1 prize-draw entry"), "{done}");
    assert_eq!(mode_of(&file), 0o600);
    let refused = run_on(&store, &["restore", &file.to_string_lossy()]);
    refused.expect_code(3);
    assert!(refused.stderr.contains("stop the kiosk"), "{refused}");
    k.send(keys::CTRL_C);
    assert_eq!(k.wait_exit(), 0, "the kiosk did not exit cleanly");

    let fresh = tmp.path().join("fresh");
    run_on(&fresh, &["restore", &file.to_string_lossy()]).expect_code(0);
    assert_eq!(outputs(&fresh), served);
    assert_eq!(settings(&fresh), settings(&store));
    let log = std::fs::read_to_string(store.join("kioski.log")).unwrap();
    assert!(log.contains("backup written through the socket"), "{log}");
    assert!(!log.contains("040 1"), "{log}");
}
