//! One process owns a store: a second one gets exit 3 naming the owner.
//! A damaged, foreign or newer store gets exit 3 with its path, never a
//! panic, and never a misread.

use std::path::Path;
use std::process::Stdio;

use kioski::store::keys;

use crate::store::surveys_json;
use crate::support::{
    KillOnDrop, TempDir, copy_dir, kioski, kioski_command, volatile_filters, wait_until,
};

/// Every command that opens a store, with what it needs on stdin.
fn store_commands(work: &Path) -> Vec<(Vec<String>, &'static str)> {
    let bundle = work.join("other.kioski").to_string_lossy().into_owned();
    let csv = work.join("out.csv").to_string_lossy().into_owned();
    let args = |a: &[&str]| a.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    vec![
        (args(&["surveys"]), ""),
        (args(&["surveys", "--format", "json"]), ""),
        (args(&["load", "surveys/pulssi.toml"]), ""),
        (args(&["activate", "palvelupiste"]), ""),
        (args(&["simulate", "--respondents", "1"]), ""),
        (args(&["export", "--survey", "palvelupiste"]), ""),
        (
            args(&["export", "--survey", "palvelupiste", "--out", &csv]),
            "",
        ),
        (args(&["bundle", "export", "--out", &bundle]), ""),
        (args(&["bundle", "import", &bundle]), ""),
        (args(&["pin", "set"]), "482913\n"),
    ]
}

#[test]
fn a_second_process_gets_exit_3_naming_the_owner() {
    let work = TempDir::new("owner");
    let store = work.path().join("store");
    let other = work.path().join("other");
    kioski(["load", "surveys/palvelupiste.toml"])
        .store(&store)
        .run()
        .expect_code(0);
    // A valid bundle from elsewhere, for `bundle import`.
    kioski(["load", "surveys/palvelupiste.toml"])
        .store(&other)
        .run()
        .expect_code(0);
    let out = work.path().join("other.kioski");
    kioski(["bundle", "export", "--out", &out.to_string_lossy()])
        .store(&other)
        .run()
        .expect_code(0);

    // The owner: a long simulate on the same store.
    let mut owner = KillOnDrop(
        kioski_command(&store)
            .args(["simulate", "--respondents", "100000", "--seed", "1"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let pid = owner.0.id();
    let lock = store.join("kioski.lock");
    wait_until("the simulate child holds the store", || {
        std::fs::read_to_string(&lock).is_ok_and(|t| t.contains(&format!("pid={pid}\n")))
    });

    let mut transcript = String::new();
    for (args, stdin) in store_commands(work.path()) {
        let mut command = kioski(&args).store(&store);
        if !stdin.is_empty() {
            command = command.stdin(stdin);
        }
        let run = command.run();
        run.expect_code(3);
        assert!(
            run.stderr.contains("in use by `kioski simulate`")
                && run.stderr.contains(&format!("(pid {pid})")),
            "the message does not name the owner:\n{run}"
        );
        assert!(run.stderr.contains("hint:"), "{run}");
        assert!(
            owner.0.try_wait().unwrap().is_none(),
            "the owner stopped while `{}` ran",
            run.command
        );
        if args[0] == "surveys" && args.len() == 1 {
            transcript.push_str(&run.redacted().replace(&pid.to_string(), "[OWNER PID]"));
        }
    }
    // Nothing that was refused reached the store.
    assert!(!work.path().join("out.csv").exists());

    // The library says the same.
    match kioski::store::Store::open(&store, "e2e test") {
        Err(kioski::store::StoreError::InUse { owner: o, .. }) => {
            assert_eq!(o.pid, Some(pid));
            assert_eq!(o.command, "simulate");
        }
        Err(e) => panic!("another error: {e}"),
        Ok(_) => panic!("opened a store that another process holds"),
    }

    // Once the owner is gone (however it went), the store is free, and
    // what it stored is readable.
    owner.0.kill().unwrap();
    owner.0.wait().unwrap();
    let rows = surveys_json(&store);
    let stored = rows[0]["complete"].as_u64().unwrap() + rows[0]["partial"].as_u64().unwrap();
    assert!(stored > 0, "the owner stored nothing before it was killed");
    insta::assert_snapshot!(transcript);
}

/// A store with some answers.
fn real_store(dir: &Path) {
    kioski(["load", "surveys/palvelupiste.toml"])
        .store(dir)
        .run()
        .expect_code(0);
    kioski(["simulate", "--respondents", "200", "--seed", "3"])
        .store(dir)
        .run()
        .expect_code(0);
}

/// A deterministic stream of bytes that look random.
fn noise(len: usize, mut seed: u64) -> Vec<u8> {
    (0..len)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed as u8
        })
        .collect()
}

#[test]
fn a_damaged_store_gets_exit_3_never_a_panic() {
    let work = TempDir::new("damaged");
    let base = work.path().join("base");
    real_store(&base);
    let copy = |name: &str| {
        let to = work.path().join(name);
        copy_dir(&base, &to);
        to
    };
    let sled_file = |dir: &Path, name: &str| dir.join("db").join(name);

    let mut cases: Vec<(&str, std::path::PathBuf)> = Vec::new();
    let s = copy("garbage-db");
    let len = std::fs::metadata(sled_file(&s, "db")).unwrap().len() as usize;
    std::fs::write(sled_file(&s, "db"), noise(len, 1)).unwrap();
    cases.push(("random bytes over db/db", s));

    let s = copy("empty-db");
    std::fs::write(sled_file(&s, "db"), b"").unwrap();
    cases.push(("an empty db/db", s));

    let s = copy("garbage-conf");
    std::fs::write(sled_file(&s, "conf"), noise(62, 2)).unwrap();
    cases.push(("random bytes over db/conf", s));

    let s = copy("garbage-snapshot");
    for entry in std::fs::read_dir(s.join("db")).unwrap() {
        let path = entry.unwrap().path();
        if path
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("snap.")
        {
            let len = std::fs::metadata(&path).unwrap().len() as usize;
            std::fs::write(&path, noise(len, 3)).unwrap();
        }
    }
    cases.push(("random bytes over the snapshot", s));

    let s = work.path().join("a-file");
    std::fs::write(&s, "not a store\n").unwrap();
    cases.push(("the store is a file", s));

    let s = work.path().join("db-is-a-file");
    std::fs::create_dir(&s).unwrap();
    std::fs::write(s.join("db"), "x").unwrap();
    cases.push(("db is a file", s));

    let mut transcript = String::new();
    for (what, dir) in &cases {
        let run = kioski(["surveys"]).store(dir).run();
        run.expect_code(3);
        assert!(run.stdout.is_empty(), "{what}:\n{run}");
        assert!(
            run.stderr.contains(&dir.to_string_lossy().into_owned()),
            "{what}: the message does not name the store:\n{run}"
        );
        assert!(run.stderr.contains("hint:"), "{what}:\n{run}");
        // Another command says the same.
        kioski(["export"]).store(dir).run().expect_code(3);
        transcript.push_str(&format!("# {what}\n{}\n", run.redacted()));
    }
    volatile_filters().bind(|| insta::assert_snapshot!(transcript));
}

/// Known bug (in sled's recovery, unhandled by kioski): bytes damaged in
/// the middle of sled's log are taken for the torn end of a write, and
/// everything after them is silently dropped: `kioski surveys` exits 0
/// with fewer responses, and the next write makes the loss permanent.
/// Each damaged copy must either be refused (exit 3) or show every
/// response.
#[test]
#[ignore = "known bug: damage in the middle of the store drops later responses silently"]
fn damage_in_the_middle_of_the_store_is_never_silent() {
    let work = TempDir::new("damaged-middle");
    let base = work.path().join("base");
    real_store(&base);
    let db = base.join("db").join("db");
    let len = std::fs::metadata(&db).unwrap().len() as usize;
    let mut silent = Vec::new();
    for step in 1..20 {
        let at = len * step / 20;
        let dir = work.path().join(format!("at-{at}"));
        copy_dir(&base, &dir);
        let path = dir.join("db").join("db");
        let mut bytes = std::fs::read(&path).unwrap();
        for b in &mut bytes[at..at + 8] {
            *b ^= 0xa5;
        }
        std::fs::write(&path, bytes).unwrap();
        let run = kioski(["surveys", "--format", "json"]).store(&dir).run();
        if run.code == Some(0) {
            let rows: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
            let n = rows[0]["complete"].as_u64().unwrap() + rows[0]["partial"].as_u64().unwrap();
            if n != 200 {
                silent.push(format!(
                    "8 bytes damaged at {at} of {len}: exit 0, {n} of 200 responses"
                ));
            }
        } else {
            run.expect_code(3);
        }
    }
    assert!(silent.is_empty(), "{}", silent.join("\n"));
}

/// Writes into a closed store's sled database directly, as a newer or
/// broken kioski might have.
fn with_sled(store: &Path, f: impl FnOnce(&sled::Db)) {
    let db = sled::Config::new()
        .path(store.join("db"))
        .open()
        .expect("open sled");
    f(&db);
    db.flush().unwrap();
}

#[test]
fn a_newer_or_unreadable_store_is_refused_never_misread() {
    let work = TempDir::new("newer");
    let mut transcript = String::new();

    // The store format byte of a newer kioski.
    let newer = work.path().join("newer-store");
    real_store(&newer);
    with_sled(&newer, |db| {
        let meta = db.open_tree(keys::META).unwrap();
        assert_eq!(
            meta.get(keys::META_FORMAT).unwrap().as_deref(),
            Some(&[keys::STORE_FORMAT][..])
        );
        meta.insert(keys::META_FORMAT, &[keys::STORE_FORMAT + 1])
            .unwrap();
    });
    for args in [vec!["surveys"], vec!["load", "surveys/pulssi.toml"]] {
        let run = kioski(args).store(&newer).run();
        run.expect_code(3);
        assert!(run.stderr.contains("newer kioski"), "{run}");
        transcript.push_str(&format!(
            "# store format {}\n{}\n",
            keys::STORE_FORMAT + 1,
            run.redacted()
        ));
    }
    // Refused, not rewritten.
    with_sled(&newer, |db| {
        let meta = db.open_tree(keys::META).unwrap();
        assert_eq!(
            meta.get(keys::META_FORMAT).unwrap().as_deref(),
            Some(&[keys::STORE_FORMAT + 1][..])
        );
    });

    // One response record of a newer kioski among readable ones.
    let record = work.path().join("newer-record");
    real_store(&record);
    let key = with_first_response(&record, |value| value[0] = 3);
    // Every command that reads the records (`surveys` reads the kept
    // counts instead, made while the records were this kioski's own;
    // `check` reads them all again).
    for args in [
        vec!["export", "--survey", "palvelupiste"],
        vec!["check"],
        vec!["bundle", "export", "--out", "b.kioski"],
    ] {
        let run = kioski(args).current_dir(work.path()).store(&record).run();
        run.expect_code(3);
        assert!(run.stderr.contains("newer kioski"), "{run}");
        assert!(!run.stdout.contains(&key), "{run}");
    }
    assert!(!work.path().join("b.kioski").exists());

    // A response record that does not decode: named by its key.
    let broken = work.path().join("broken-record");
    real_store(&broken);
    with_first_response(&broken, |value| value.truncate(value.len() / 2));
    let run = kioski(["export", "--survey", "palvelupiste"])
        .store(&broken)
        .run();
    run.expect_code(3);
    assert!(run.stderr.contains("cannot be read"), "{run}");
    assert!(run.stderr.contains("responses"), "{run}");
    transcript.push_str(&format!("# a record cut in half\n{}\n", run.redacted()));
    // The library reports it as an error, not a panic, and reads the rest.
    crate::store::with_store(&broken, |s| {
        let results: Vec<_> = s.responses("palvelupiste").collect();
        assert_eq!(results.len(), 200);
        assert_eq!(results.iter().filter(|r| r.is_err()).count(), 1);
    });
    volatile_filters().bind(|| insta::assert_snapshot!(transcript));
}

/// Changes the bytes of the first stored response; returns its key as hex.
fn with_first_response(store: &Path, change: impl FnOnce(&mut Vec<u8>)) -> String {
    let mut shown = String::new();
    with_sled(store, |db| {
        let responses = db.open_tree(keys::RESPONSES).unwrap();
        let (key, value) = responses.iter().next().unwrap().unwrap();
        let mut value = value.to_vec();
        change(&mut value);
        responses.insert(&key, value).unwrap();
        shown = key.iter().map(|b| format!("{b:02x}")).collect();
    });
    shown
}
