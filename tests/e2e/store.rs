//! `kioski load`, `surveys` and `activate` as a person uses them: survey
//! versions by content, the active survey, counts, and what the store
//! holds afterwards (checked through the library).

use std::path::Path;

use kioski::store::Store;
use serde_json::Value;

use crate::support::{Run, TempDir, crate_root, kioski, volatile_filters};

/// Opens `dir` with the library, runs `f`, and closes the store again
/// before the next `kioski` run needs it.
pub fn with_store<T>(dir: &Path, f: impl FnOnce(&Store) -> T) -> T {
    let store = Store::open(dir, "e2e test").expect("open the store with the library");
    f(&store)
}

/// `kioski surveys --format json` on `dir`, parsed.
pub fn surveys_json(dir: &Path) -> Vec<Value> {
    let run = kioski(["surveys", "--format", "json"]).store(dir).run();
    run.expect_code(0);
    let value: Value = serde_json::from_str(&run.stdout).expect("surveys --format json is JSON");
    value.as_array().expect("a JSON array").clone()
}

/// The one entry of `surveys --format json` with this id.
pub fn survey_row<'a>(rows: &'a [Value], id: &str) -> &'a Value {
    rows.iter()
        .find(|r| r["id"] == id)
        .unwrap_or_else(|| panic!("no `{id}` in {rows:?}"))
}

/// The version hash that a `load` or `activate` line names.
fn hash_in(line: &str) -> String {
    let start = line.find('(').expect("a hash in parentheses") + 1;
    line[start..start + 12].to_owned()
}

/// Appends a run to a journey transcript.
fn log(transcript: &mut String, run: &Run) {
    transcript.push_str(&run.redacted());
    transcript.push('\n');
}

#[test]
fn load_surveys_and_activate_journey() {
    let work = TempDir::new("journey");
    let store = work.path().join("store");
    let mut transcript = String::new();

    // An empty store says what to do.
    let run = kioski(["surveys"]).store(&store).run();
    run.expect_code(0);
    assert!(run.stdout.contains("kioski load"), "{run}");
    log(&mut transcript, &run);

    // First load: version 1, and the first survey becomes active.
    let run = kioski(["load", "surveys/palvelupiste.toml"])
        .store(&store)
        .run();
    run.expect_code(0);
    assert!(
        run.stdout.contains("loaded as `palvelupiste` version 1 (")
            && run.stdout.trim_end().ends_with("now active"),
        "{run}"
    );
    let v1 = hash_in(&run.stdout);
    log(&mut transcript, &run);

    // The same content again: no new version, not "now active" again.
    let run = kioski(["load", "surveys/palvelupiste.toml"])
        .store(&store)
        .run();
    run.expect_code(0);
    assert!(
        run.stdout.contains("unchanged: `palvelupiste` version 1 (")
            && !run.stdout.contains("now active"),
        "{run}"
    );
    assert_eq!(hash_in(&run.stdout), v1);
    log(&mut transcript, &run);

    // Comments and layout do not count as content.
    let original = std::fs::read_to_string(crate_root().join("surveys/palvelupiste.toml")).unwrap();
    let reformatted = format!("# a new comment\n\n{}\n\n# trailing\n", original);
    work.write("palvelupiste-comment.toml", reformatted);
    let run = kioski(["load", "palvelupiste-comment.toml"])
        .current_dir(work.path())
        .store(&store)
        .run();
    run.expect_code(0);
    assert!(run.stdout.contains("unchanged:"), "{run}");
    assert_eq!(hash_in(&run.stdout), v1);
    log(&mut transcript, &run);

    // An edited copy: version 2 of the same survey, still active.
    let edited = original.replace("Palvelupisteen asiakaskysely", "Palvelupisteen kysely 2026");
    assert_ne!(edited, original, "the edit changed nothing");
    work.write("palvelupiste-2026.toml", &edited);
    let run = kioski(["load", "palvelupiste-2026.toml"])
        .current_dir(work.path())
        .store(&store)
        .run();
    run.expect_code(0);
    assert!(
        run.stdout.contains("loaded as `palvelupiste` version 2 (")
            && !run.stdout.contains("now active"),
        "{run}"
    );
    let v2 = hash_in(&run.stdout);
    assert_ne!(v1, v2);
    log(&mut transcript, &run);

    // Loading version 1 again after version 2 adds nothing either.
    let run = kioski(["load", "surveys/palvelupiste.toml"])
        .store(&store)
        .run();
    run.expect_code(0);
    assert!(
        run.stdout.contains("unchanged: `palvelupiste` version 1"),
        "{run}"
    );

    // A second survey: loaded, but the first one stays active.
    let run = kioski(["load", "surveys/pulssi.toml"]).store(&store).run();
    run.expect_code(0);
    assert!(
        run.stdout.contains("loaded as `pulssi` version 1") && !run.stdout.contains("now active"),
        "{run}"
    );
    log(&mut transcript, &run);

    // Some answers to the newest palvelupiste, so the counts show.
    let run = kioski([
        "simulate",
        "--respondents",
        "40",
        "--seed",
        "5",
        "--terminal",
        "kirjasto-1",
    ])
    .store(&store)
    .run();
    run.expect_code(0);
    assert!(
        run.stdout
            .contains("Stored 40 simulated responses to `palvelupiste`"),
        "{run}"
    );
    log(&mut transcript, &run);

    let run = kioski(["surveys"]).store(&store).run();
    run.expect_code(0);
    log(&mut transcript, &run);

    let rows = surveys_json(&store);
    assert_eq!(rows.len(), 2, "{rows:?}");
    let p = survey_row(&rows, "palvelupiste");
    assert_eq!(p["versions"], 2);
    assert_eq!(p["latest"], v2.as_str());
    assert_eq!(p["title"], "Palvelupisteen kysely 2026");
    assert_eq!(p["active"], true);
    let answered = p["complete"].as_u64().unwrap() + p["partial"].as_u64().unwrap();
    assert_eq!(answered, 40, "{p}");
    assert!(p["complete"].as_u64().unwrap() > 0);
    assert!(p["first_response"].is_string() && p["last_response"].is_string());
    let q = survey_row(&rows, "pulssi");
    assert_eq!(q["versions"], 1);
    assert_eq!(q["active"], false);
    assert_eq!(q["complete"], 0);
    assert_eq!(q["partial"], 0);
    assert!(q["first_response"].is_null());
    let keys: Vec<&str> = p.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "id",
            "title",
            "versions",
            "latest",
            "complete",
            "partial",
            // Shown only when some are: all of these are simulated.
            "simulated",
            "first_response",
            "last_response",
            "active"
        ]
    );

    // Every simulated response answers the newest version, from kirjasto-1.
    with_store(&store, |s| {
        let entry = s.survey_entry("palvelupiste").unwrap().unwrap();
        assert_eq!(entry.versions.len(), 2);
        assert_eq!(entry.versions[0].hash.short(), v1);
        assert_eq!(entry.versions[1].hash.short(), v2);
        let responses: Vec<_> = s.responses("palvelupiste").map(Result::unwrap).collect();
        assert_eq!(responses.len(), 40);
        assert!(responses.iter().all(|r| r.version.short() == v2));
        assert!(responses.iter().all(|r| r.terminal == "kirjasto-1"));
        assert_eq!(s.responses("pulssi").count(), 0);
        assert_eq!(s.active().unwrap().as_deref(), Some("palvelupiste"));
    });

    // Choose what the kiosk shows.
    let run = kioski(["activate", "pulssi"]).store(&store).run();
    run.expect_code(0);
    assert!(run.stdout.contains("`pulssi` is now active"), "{run}");
    log(&mut transcript, &run);
    let rows = surveys_json(&store);
    assert_eq!(survey_row(&rows, "pulssi")["active"], true);
    assert_eq!(survey_row(&rows, "palvelupiste")["active"], false);
    with_store(&store, |s| {
        assert_eq!(s.active().unwrap().as_deref(), Some("pulssi"));
    });

    // A survey that is not there: exit 1, a hint, nothing changed.
    let run = kioski(["activate", "nosuch"]).store(&store).run();
    run.expect_code(1);
    assert!(run.stdout.is_empty(), "{run}");
    assert!(run.stderr.contains("nosuch"), "{run}");
    assert!(
        run.stderr.contains("hint:") && run.stderr.contains("kioski surveys"),
        "{run}"
    );
    log(&mut transcript, &run);
    with_store(&store, |s| {
        assert_eq!(s.active().unwrap().as_deref(), Some("pulssi"));
    });

    // Without --survey, simulate now answers the active survey.
    let run = kioski(["simulate", "--respondents", "3", "--seed", "1"])
        .store(&store)
        .run();
    run.expect_code(0);
    assert!(run.stdout.contains("to `pulssi`"), "{run}");
    let rows = surveys_json(&store);
    let q = survey_row(&rows, "pulssi");
    assert_eq!(
        q["complete"].as_u64().unwrap() + q["partial"].as_u64().unwrap(),
        3
    );

    volatile_filters().bind(|| insta::assert_snapshot!(transcript));
}

#[test]
fn an_invalid_file_loads_nothing() {
    let work = TempDir::new("load-invalid");
    work.write("broken.toml", "id = \"rikki\"\nlanguages = [\"fi\"]\n");
    let store = work.path().join("store");
    let run = kioski(["load", "valid.toml", "broken.toml"])
        .current_dir(work.path())
        .store(&store)
        .run();
    // valid.toml does not exist either: both are reported.
    run.expect_code(1);
    assert!(run.stdout.is_empty(), "{run}");
    assert!(run.stderr.contains("nothing was loaded"), "{run}");
    assert!(!store.exists(), "a refused load created the store:\n{run}");

    // One valid and one invalid file: the valid one is not stored either.
    std::fs::copy(
        crate_root().join("surveys/pulssi.toml"),
        work.path().join("valid.toml"),
    )
    .unwrap();
    let run = kioski(["load", "valid.toml", "broken.toml"])
        .current_dir(work.path())
        .store(&store)
        .run();
    run.expect_code(1);
    assert!(
        run.stderr
            .contains("1 of 2 files invalid; nothing was loaded"),
        "{run}"
    );
    assert!(!store.exists(), "a refused load created the store:\n{run}");
    insta::assert_snapshot!(run.redacted());

    // Then only the valid one: loaded.
    let run = kioski(["load", "valid.toml"])
        .current_dir(work.path())
        .store(&store)
        .run();
    run.expect_code(0);
    assert_eq!(surveys_json(&store).len(), 1);
}

#[test]
fn several_files_in_one_load() {
    let store = TempDir::new("load-many");
    let run = kioski([
        "load",
        "surveys/pulssi.toml",
        "surveys/tilat.toml",
        "surveys/pulssi.toml",
    ])
    .store(store.path())
    .run();
    run.expect_code(0);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{run}");
    assert!(lines[0].contains("loaded as `pulssi` version 1") && lines[0].ends_with("now active"));
    assert!(lines[1].contains("`tilat` version 1") && !lines[1].contains("now active"));
    assert!(lines[2].contains("unchanged: `pulssi` version 1"), "{run}");
    let rows = surveys_json(store.path());
    assert_eq!(rows.len(), 2);
    assert_eq!(survey_row(&rows, "pulssi")["active"], true);
}

#[test]
fn store_directory_is_private() {
    let work = TempDir::new("private");
    let store = work.path().join("a/b/store");
    kioski(["load", "surveys/pulssi.toml"])
        .store(&store)
        .run()
        .expect_code(0);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&store).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700, "store mode {mode:o}");
    }
    assert!(store.join("kioski.lock").is_file());
}

/// `listing.kioski`'s modification time, if the file is there.
fn listing_time(store: &Path) -> Option<std::time::SystemTime> {
    std::fs::metadata(store.join(kioski::store::listing::LISTING_FILE))
        .and_then(|m| m.modified())
        .ok()
}

#[test]
fn surveys_prints_the_list_left_at_close_exactly_as_the_store_would() {
    let dir = TempDir::new("listing");
    let store = dir.path();
    kioski(["load", "surveys/palvelupiste.toml", "surveys/pulssi.toml"])
        .store(store)
        .run()
        .expect_code(0);
    kioski(["simulate", "--respondents", "40", "--seed", "3"])
        .store(store)
        .run()
        .expect_code(0);
    let left = listing_time(store).expect("a closed store leaves its list");
    let from_list = [
        kioski(["surveys"]).store(store).run(),
        kioski(["surveys", "--format", "json"]).store(store).run(),
    ];
    // The list was read, not made again: no command opened the store.
    assert_eq!(listing_time(store), Some(left));
    std::fs::remove_file(store.join(kioski::store::listing::LISTING_FILE)).unwrap();
    let from_store = [
        kioski(["surveys"]).store(store).run(),
        kioski(["surveys", "--format", "json"]).store(store).run(),
    ];
    for (a, b) in from_list.iter().zip(&from_store) {
        a.expect_code(0);
        assert_eq!(a.stdout, b.stdout);
        assert_eq!(a.stderr, b.stderr);
    }
    assert!(
        from_list[0].stdout.contains("40"),
        "{}",
        from_list[0].stdout
    );
    assert!(
        listing_time(store).is_some(),
        "the store's close left a new list"
    );
}

#[test]
fn a_change_by_any_command_shows_in_the_next_list() {
    let dir = TempDir::new("listing-change");
    let store = dir.path();
    kioski(["load", "surveys/palvelupiste.toml", "surveys/pulssi.toml"])
        .store(store)
        .run()
        .expect_code(0);
    let rows = surveys_json(store);
    assert_eq!(survey_row(&rows, "palvelupiste")["complete"], 0);
    kioski(["simulate", "--respondents", "7", "--seed", "1"])
        .store(store)
        .run()
        .expect_code(0);
    kioski(["activate", "pulssi"])
        .store(store)
        .run()
        .expect_code(0);
    let rows = surveys_json(store);
    let p = survey_row(&rows, "palvelupiste");
    assert_eq!(
        p["complete"].as_u64().unwrap() + p["partial"].as_u64().unwrap(),
        7
    );
    assert_eq!(survey_row(&rows, "pulssi")["active"], true);
    // While a process holds the store, no list lies beside it.
    with_store(store, |s| {
        let rows = kioski::store::ReadStore::summaries(s).unwrap();
        assert_eq!(rows.len(), 2);
        assert!(!store.join(kioski::store::listing::LISTING_FILE).exists());
    });
}
