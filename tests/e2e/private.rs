//! Private by default: the store directory is 0700 and every file kioski
//! writes in it, sled's included, is 0600, also in a store that an older
//! release left readable; exports and bundles are 0600; a store that
//! belongs to another user is refused before anything is written in it.
//! A prize-draw entry made at the real kiosk never reaches sled's files
//! or the log.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

use crate::pty::{PtyKiosk, keys};
use crate::store::with_store;
use crate::support::{TempDir, copy_dir, kioski};

/// Every file and directory under `dir` (not following symlinks), with
/// its permission bits.
fn modes_under(dir: &Path) -> Vec<(PathBuf, bool, u32)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let meta = std::fs::symlink_metadata(&path).unwrap();
        if meta.is_dir() {
            out.push((path.clone(), true, meta.mode() & 0o777));
            out.extend(modes_under(&path));
        } else if meta.is_file() {
            out.push((path, false, meta.mode() & 0o777));
        }
    }
    out
}

#[track_caller]
fn assert_private(store: &Path) {
    let mode = std::fs::metadata(store).unwrap().mode() & 0o777;
    assert_eq!(mode, 0o700, "store directory mode {mode:o}");
    let all = modes_under(store);
    assert!(
        all.iter().any(|(p, ..)| p.ends_with("db/db")),
        "sled's files are there: {all:?}"
    );
    let open: Vec<_> = all
        .iter()
        .filter(|(_, dir, mode)| *mode != if *dir { 0o700 } else { 0o600 })
        .map(|(p, _, mode)| format!("{} {mode:o}", p.display()))
        .collect();
    assert!(open.is_empty(), "not private: {open:#?}");
}

#[track_caller]
fn mode_of(path: &Path) -> u32 {
    std::fs::metadata(path).unwrap().mode() & 0o777
}

fn fill(store: &Path) {
    kioski(["load", "surveys/palvelupiste.toml"])
        .store(store)
        .run()
        .expect_code(0);
    kioski([
        "simulate",
        "--survey",
        "palvelupiste",
        "--respondents",
        "30",
        "--seed",
        "1",
    ])
    .store(store)
    .run()
    .expect_code(0);
}

#[test]
fn every_file_kioski_writes_is_private_whatever_the_umask() {
    // The test runs under the caller's umask (usually 022), which would
    // leave sled's files, the lock and exports readable by everyone.
    let work = TempDir::new("private-files");
    let store = work.path().join("store");
    fill(&store);
    assert_private(&store);

    let csv = work.path().join("out.csv");
    let bundle = work.path().join("out.kioski");
    kioski([
        "export",
        "--survey",
        "palvelupiste",
        "--format",
        "csv",
        "--out",
        &csv.to_string_lossy(),
    ])
    .store(&store)
    .run()
    .expect_code(0);
    kioski(["bundle", "export", "--out", &bundle.to_string_lossy()])
        .store(&store)
        .run()
        .expect_code(0);
    assert_eq!(mode_of(&csv), 0o600, "export");
    assert_eq!(mode_of(&bundle), 0o600, "bundle");
    assert_private(&store);
}

#[test]
fn a_store_an_older_release_left_readable_is_made_private() {
    let work = TempDir::new("private-old");
    let store = work.path().join("store");
    fill(&store);
    // What the previous release left under a 022 umask, and a directory
    // someone made before the first run.
    for (path, dir, _) in modes_under(&store) {
        let mode = if dir { 0o755 } else { 0o644 };
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
    }
    std::fs::set_permissions(&store, std::fs::Permissions::from_mode(0o755)).unwrap();
    kioski(["surveys"]).store(&store).run().expect_code(0);
    assert_private(&store);

    // A directory made by hand, world-readable, before kioski first ran.
    let made = work.path().join("made");
    std::fs::create_dir(&made).unwrap();
    std::fs::set_permissions(&made, std::fs::Permissions::from_mode(0o755)).unwrap();
    kioski(["load", "surveys/pulssi.toml"])
        .store(&made)
        .run()
        .expect_code(0);
    assert_eq!(mode_of(&made), 0o700);
}

#[test]
fn a_store_of_another_user_is_refused_and_left_alone() {
    let work = TempDir::new("private-foreign");
    let store = work.path().join("store");
    std::fs::create_dir(&store).unwrap();
    std::fs::set_permissions(&store, std::fs::Permissions::from_mode(0o755)).unwrap();
    if let Err(e) = std::os::unix::fs::chown(&store, Some(12345), Some(12345)) {
        eprintln!("skipped: cannot give a directory to another user here ({e})");
        return;
    }
    let run = kioski(["surveys"]).store(&store).run();
    run.expect_code(3);
    assert!(
        run.stderr.contains("belongs to another user (uid 12345)"),
        "{run}"
    );
    assert!(run.stderr.contains("hint:"), "{run}");
    assert_eq!(mode_of(&store), 0o755, "its mode is not changed");
    assert_eq!(
        std::fs::read_dir(&store).unwrap().count(),
        0,
        "nothing is written in it"
    );
}

/// One question and a prize draw that asks for a name and a phone number.
const DRAW_SURVEY: &str = r#"
id = "arvonta"
languages = ["en"]
title = { en = "Draw test" }
thanks = { en = "Thanks a lot" }

[prize_draw]
text = { en = "Enter the prize draw" }
privacy = { en = "Kept apart from your answers." }
fields = ["name", "phone"]

[[question]]
id = "overall"
type = "rating"
scale = 5
required = true
text = { en = "Overall grade" }
"#;

fn all_bytes_under(dir: &Path) -> Vec<u8> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(all_bytes_under(&path));
        } else {
            out.extend(std::fs::read(&path).unwrap());
        }
    }
    out
}

fn holds(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

#[test]
fn a_prize_entry_at_the_kiosk_stays_apart_from_the_answers_and_the_log() {
    let work = TempDir::new("private-draw");
    let store = work.path().join("store");
    let survey = work.write("arvonta.toml", DRAW_SURVEY);
    kioski(["load", &survey.to_string_lossy()])
        .store(&store)
        .run()
        .expect_code(0);
    let mut k = PtyKiosk::start(&store);
    k.wait_for_text("Start ▶");
    k.send(keys::ENTER);
    k.wait_for_text("Overall grade");
    k.send(b"4\r");
    k.wait_for_text("Enter the prize draw");
    k.send("Maija Meikäläinen".as_bytes());
    k.wait_for_text("Meikäläinen");
    k.send(keys::TAB);
    k.send(b"040 765 4321");
    k.wait_for_text("040 765 4321");
    k.send(keys::TAB);
    k.send(keys::ENTER);
    k.wait_for_text("Thanks a lot");
    k.send(keys::CTRL_C);
    assert_eq!(k.wait_exit(), 0);

    let db = all_bytes_under(&store.join("db"));
    assert!(holds(&db, "arvonta"), "the response is in sled");
    assert!(!holds(&db, "Meikäläinen"), "the name is in sled's files");
    assert!(!holds(&db, "040 765 4321"), "the phone is in sled's files");
    let prizes = store.join(kioski::store::prizes::PRIZE_FILE);
    assert!(holds(&std::fs::read(&prizes).unwrap(), "Meikäläinen"));
    assert_eq!(mode_of(&prizes), 0o600);
    let log = std::fs::read_to_string(store.join("kioski.log")).unwrap();
    assert!(log.contains("response stored"), "{log}");
    assert!(!log.to_lowercase().contains("prize"), "{log}");
    let entries = with_store(&store, |s| s.prize_entries("arvonta").unwrap());
    assert_eq!(
        entries,
        [vec![
            ("name".to_owned(), "Maija Meikäläinen".to_owned()),
            ("phone".to_owned(), "040 765 4321".to_owned()),
        ]]
    );
    assert_private(&store);
}

/// The golden store of the release before (`tests/data/golden/`) kept two
/// prize-draw entries in its sled tree, and its files as git checks them
/// out (0644): the first open keeps both entries, in the prize file, and
/// makes every file private; a second open adds nothing.
#[test]
fn the_old_release_store_keeps_its_prize_entries_and_becomes_private() {
    let work = TempDir::new("private-golden");
    let store = work.path().join("store");
    copy_dir(
        &crate::support::crate_root().join("tests/data/golden/store"),
        &store,
    );
    std::fs::set_permissions(&store, std::fs::Permissions::from_mode(0o755)).unwrap();
    let names = || {
        let mut names: Vec<String> = with_store(&store, |s| s.prize_entries("palvelulupaus"))
            .unwrap()
            .into_iter()
            .map(|fields| fields[0].1.clone())
            .collect();
        names.sort();
        names
    };
    assert_eq!(names(), ["Maija Meikäläinen", "Matti Virtanen"]);
    assert_eq!(names(), ["Maija Meikäläinen", "Matti Virtanen"]);
    assert!(store.join(kioski::store::prizes::PRIZE_FILE).is_file());
    kioski(["surveys"]).store(&store).run().expect_code(0);
    assert_private(&store);
}
