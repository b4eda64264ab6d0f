//! Several clients at once on one running kiosk, and what a bundle may
//! change: the real kiosk in a PTY and the real commands beside it.
//!
//! - a bundle that carries a newer version of the shown survey leaves the
//!   kiosk on its version; `activate` moves it to the newest;
//! - loads from several commands at once through the kiosk keep every
//!   version;
//! - imports of one bundle at once count each response as new once.

use std::thread;
use std::time::{Duration, Instant};

use kioski::store::bundle;

use crate::pty::{PtyKiosk, keys, timeout};
use crate::store::{survey_row, surveys_json};
use crate::support::{kioski, short_store_dir};

const PULSE: &str = include_str!("../../surveys/pulssi.toml");

/// pulssi with another Finnish title: a new version of the same survey.
fn pulse_titled(title: &str) -> String {
    PULSE.replace("fi = \"Pikapalaute\"", &format!("fi = \"{title}\""))
}

#[test]
fn a_bundle_with_a_newer_version_leaves_the_shown_survey_alone() {
    let (tmp, store) = short_store_dir("kq-");
    kioski(["load", "surveys/pulssi.toml"])
        .store(&store)
        .run()
        .expect_code(0);
    let shown_before = survey_row(&surveys_json(&store), "pulssi")["latest"].clone();
    let table = |store: &std::path::Path| kioski(["surveys"]).store(store).run().stdout.clone();

    // Another terminal has a newer version of pulssi, with answers to it.
    let other = tmp.path().join("other");
    let newer = tmp.path().join("pulssi-2.toml");
    std::fs::write(&newer, pulse_titled("Pikapalaute kaksi")).unwrap();
    for args in [
        vec!["load", "surveys/pulssi.toml"],
        vec!["load", newer.to_str().unwrap()],
        vec!["simulate", "--survey", "pulssi", "--respondents", "3"],
    ] {
        kioski(args).store(&other).run().expect_code(0);
    }
    let bundle = tmp.path().join("other.kioski");
    kioski(["bundle", "export", "--out", bundle.to_str().unwrap()])
        .store(&other)
        .run()
        .expect_code(0);

    let k = PtyKiosk::builder(&store).size(80, 12).start();
    k.wait_for_text("Pikapalaute");
    kioski(["bundle", "import", bundle.to_str().unwrap()])
        .store(&store)
        .run()
        .expect_code(0);
    // The kiosk acts on a change at once on its welcome screen; give it
    // time to (wrongly) switch.
    let until = Instant::now() + Duration::from_secs(3);
    while Instant::now() < until {
        if k.text().contains("Pikapalaute kaksi") {
            k.fail("the import switched the kiosk to the bundle's newer version");
        }
        thread::sleep(Duration::from_millis(50));
    }
    let rows = surveys_json(&store);
    let row = survey_row(&rows, "pulssi");
    assert_eq!(row["versions"], 2, "{row}");
    assert_eq!(row["shown"], shown_before, "{row}");
    assert_ne!(row["latest"], shown_before, "{row}");
    let listed = table(&store);
    assert!(listed.contains("2, shows 1 ("), "{listed}");

    // `activate` picks the survey's newest version.
    kioski(["activate", "pulssi"])
        .store(&store)
        .run()
        .expect_code(0);
    let switch = Duration::from_secs(5).max(timeout() / 2);
    k.wait_for_within(switch, "the newer version's welcome", |s| {
        s.contents().contains("Pikapalaute kaksi")
    });
    let rows = surveys_json(&store);
    let row = survey_row(&rows, "pulssi");
    assert!(row.get("shown").is_none(), "the newest is shown: {row}");
    let mut k = k;
    k.send(keys::CTRL_C);
    assert_eq!(k.wait_exit(), 0, "the kiosk did not exit cleanly");
}

#[test]
fn loads_from_several_commands_at_once_keep_every_version() {
    let (tmp, store) = short_store_dir("kq-");
    kioski(["load", "surveys/pulssi.toml"])
        .store(&store)
        .run()
        .expect_code(0);
    let mut k = PtyKiosk::builder(&store).size(80, 12).start();
    k.wait_for_text("Pikapalaute");
    let n = 8;
    let files: Vec<_> = (0..n)
        .map(|i| {
            let path = tmp.path().join(format!("pulssi-{i}.toml"));
            std::fs::write(&path, pulse_titled(&format!("Pikapalaute {i}"))).unwrap();
            path
        })
        .collect();
    let runs: Vec<_> = files
        .iter()
        .map(|path| {
            let (store, path) = (store.clone(), path.clone());
            thread::spawn(move || kioski(["load", path.to_str().unwrap()]).store(&store).run())
        })
        .collect();
    for run in runs {
        run.join().unwrap().expect_code(0);
    }
    let rows = surveys_json(&store);
    assert_eq!(survey_row(&rows, "pulssi")["versions"], n + 1, "{rows:?}");
    k.send(keys::CTRL_C);
    assert_eq!(k.wait_exit(), 0, "the kiosk did not exit cleanly");
}

#[test]
fn imports_of_one_bundle_at_once_add_up_to_what_was_stored() {
    let tmp = crate::support::TempDir::new("races-import");
    let other = tmp.path().join("other");
    for args in [
        vec!["load", "surveys/pulssi.toml"],
        vec!["load", "surveys/palvelupiste.toml"],
        vec!["simulate", "--survey", "pulssi", "--respondents", "300"],
        vec![
            "simulate",
            "--survey",
            "palvelupiste",
            "--respondents",
            "300",
        ],
    ] {
        kioski(args).store(&other).run().expect_code(0);
    }
    let bundle = tmp.path().join("other.kioski");
    kioski(["bundle", "export", "--out", bundle.to_str().unwrap()])
        .store(&other)
        .run()
        .expect_code(0);

    let store = kioski::store::Store::open(&tmp.path().join("store"), "e2e test").unwrap();
    let importers = 6;
    let barrier = std::sync::Barrier::new(importers);
    let done: Vec<_> = thread::scope(|s| {
        let handles: Vec<_> = (0..importers)
            .map(|_| {
                s.spawn(|| {
                    // Read and checked first, so the writes start together.
                    let verified = bundle::read_verified(&bundle).unwrap();
                    barrier.wait();
                    bundle::import_verified(&store, &bundle, verified, 1_790_000_000_000).unwrap()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let stored = store.responses("pulssi").count() + store.responses("palvelupiste").count();
    assert_eq!(stored, 600);
    let added: u64 = done.iter().map(|d| d.responses_added).sum();
    assert_eq!(added, 600, "{done:?}");
    for d in &done {
        assert_eq!(d.responses_added + d.responses_present, 600, "{d:?}");
    }
    let versions: u64 = done.iter().map(|d| d.versions_added).sum();
    assert_eq!(versions, 2, "each version is new to one importer: {done:?}");
}

#[test]
fn loads_from_many_socket_clients_at_once_keep_every_version() {
    let (_tmp, dir) = short_store_dir("kq-");
    let store = std::sync::Arc::new(kioski::store::Store::open(&dir, "e2e test").unwrap());
    let _server = kioski::remote::serve(store.clone(), "e2e test", None).unwrap();
    let (rounds, clients) = (5, 8);
    for round in 0..rounds {
        let barrier = std::sync::Barrier::new(clients);
        thread::scope(|s| {
            for c in 0..clients {
                let (dir, barrier) = (&dir, &barrier);
                s.spawn(move || {
                    let client = kioski::remote::Client::connect(dir).unwrap().unwrap();
                    let source = pulse_titled(&format!("Pikapalaute {round}-{c}"));
                    barrier.wait();
                    assert!(client.load(&source, 1_790_000_000_000).unwrap().added);
                });
            }
        });
    }
    let entry = store.survey_entry("pulssi").unwrap().unwrap();
    assert_eq!(entry.versions.len(), rounds * clients);
}
