//! `kioski sync` and the kiosk's background sync into a real, throw-away
//! PostgreSQL cluster (`pg::Pg`): several terminals, syncs repeated,
//! `kill -9` of either side mid-sync, a server down for a whole kiosk
//! session, a wrong password and an unreachable host.

use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::pg::{PASSWORD, Pg, SCRAM_USER};
use crate::pty::PtyKiosk;
use crate::support::{KillOnDrop, Run, kioski, kioski_command, short_store_dir};

/// A store with the demo survey file loaded and `n` simulated responses
/// from terminal `terminal`.
fn terminal_store(
    prefix: &str,
    terminal: &str,
    n: u32,
    seed: u32,
) -> (tempfile::TempDir, std::path::PathBuf) {
    let (tmp, store) = short_store_dir(prefix);
    ok(&store, &["load", "surveys/palvelupiste.toml"]);
    ok(
        &store,
        &[
            "simulate",
            "--survey",
            "palvelupiste",
            "--respondents",
            &n.to_string(),
            "--seed",
            &seed.to_string(),
            "--terminal",
            terminal,
            "--bulk",
        ],
    );
    (tmp, store)
}

/// A throw-away cluster with an empty database `kyselyt`, and the
/// superuser's URL of it over the Unix socket; `None` where PostgreSQL
/// is not installed (the test then returns).
fn cluster(label: &str) -> Option<(Pg, String)> {
    let pg = Pg::start(label)?;
    pg.create_db("kyselyt");
    let url = pg.socket_url("postgres", "kyselyt");
    Some((pg, url))
}

#[track_caller]
fn ok(store: &Path, args: &[&str]) -> Run {
    let run = kioski(args).store(store).run();
    run.expect_code(0);
    run
}

fn count(pg: &Pg, db: &str, sql: &str) -> i64 {
    pg.superuser(db)
        .query_one(sql, &[])
        .expect("count query")
        .get::<_, i64>(0)
}

fn responses_in(pg: &Pg, db: &str) -> i64 {
    count(pg, db, "SELECT count(*) FROM responses")
}

/// `kioski sync --to URL` on `store`.
fn sync_to(store: &Path, url: &str) -> Run {
    kioski(["sync", "--to", url])
        .store(store)
        .env("PGPASSWORD", None)
        .run()
}

#[test]
fn two_terminals_synced_twice_hold_each_response_once_and_tally_as_one_store() {
    let Some((pg, url)) = cluster("sync-two") else {
        return;
    };
    let (_a, kirjasto) = terminal_store("sa-", "kirjasto", 120, 1);
    let (_b, virasto) = terminal_store("sb-", "virasto", 80, 2);

    let first = sync_to(&kirjasto, &url);
    first.expect_code(0);
    assert!(
        first.stdout.contains("Sent 120 new responses"),
        "{}",
        first.stdout
    );
    sync_to(&virasto, &url).expect_code(0);
    assert_eq!(responses_in(&pg, "kyselyt"), 200);
    let answers = count(&pg, "kyselyt", "SELECT count(*) FROM answers");
    assert!(answers > 200, "the long answers table is filled: {answers}");

    // Again: nothing new, nothing doubled.
    for store in [&kirjasto, &virasto] {
        let again = sync_to(store, &url);
        again.expect_code(0);
        assert!(
            again.stdout.contains("Sent 0 new responses"),
            "{}",
            again.stdout
        );
    }
    assert_eq!(responses_in(&pg, "kyselyt"), 200);
    assert_eq!(
        count(&pg, "kyselyt", "SELECT count(*) FROM answers"),
        answers
    );
    assert_eq!(
        count(
            &pg,
            "kyselyt",
            "SELECT count(*) FROM terminals WHERE name IN ('kirjasto', 'virasto')"
        ),
        2
    );

    // One store that imported both terminals' bundles tallies the same.
    let (_m, merged) = merged_store(&[&kirjasto, &virasto]);
    for extra in [
        &[][..],
        &["--by", "terminal"][..],
        &["--terminal", "virasto"][..],
    ] {
        let mut local = vec!["tally", "--survey", "palvelupiste", "--format", "json"];
        local.extend_from_slice(extra);
        let mut central = local.clone();
        central.extend_from_slice(&["--from", &url]);
        let here = ok(&merged, &local);
        let there = ok(&merged, &central);
        assert_eq!(
            here.stdout, there.stdout,
            "tally {extra:?} differs between the store and PostgreSQL"
        );
    }
}

#[test]
fn a_deletion_reaches_postgresql_at_the_next_sync() {
    let Some((pg, url)) = cluster("sync-delete") else {
        return;
    };
    let (_a, store) = terminal_store("sd-", "kirjasto", 40, 3);
    sync_to(&store, &url).expect_code(0);
    assert_eq!(responses_in(&pg, "kyselyt"), 40);
    ok(
        &store,
        &["delete", "--survey", "palvelupiste", "--simulated", "--yes"],
    );
    let run = sync_to(&store, &url);
    run.expect_code(0);
    assert!(
        run.stdout.contains("deleted 40 responses there"),
        "{}",
        run.stdout
    );
    assert_eq!(responses_in(&pg, "kyselyt"), 0);
    assert_eq!(count(&pg, "kyselyt", "SELECT count(*) FROM answers"), 0);
}

/// Starts `kioski sync --to URL` on `store` and kills it (-9) once
/// PostgreSQL holds some but not all of its responses.
fn kill_sync_midway(pg: &Pg, store: &Path, url: &str, total: i64) {
    let child = kioski_command(store)
        .args(["sync", "--to", url])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start kioski sync");
    let mut child = KillOnDrop(child);
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let n = pg
            .superuser("kyselyt")
            .query_one("SELECT count(*) FROM responses", &[])
            .map(|r| r.get::<_, i64>(0))
            .unwrap_or(0);
        if n > 0 {
            break;
        }
        assert!(Instant::now() < deadline, "the sync never got going");
        std::thread::sleep(Duration::from_millis(5));
    }
    let _ = child.0.kill();
    let _ = child.0.wait();
    assert!(responses_in(pg, "kyselyt") <= total);
}

#[test]
fn kill_9_of_the_sync_or_of_postgresql_midway_then_sync_again_loses_and_doubles_nothing() {
    let Some((mut pg, url)) = cluster("sync-kill") else {
        return;
    };
    let total = 40_000;
    let (_a, store) = terminal_store("sk-", "kirjasto", total as u32, 4);

    // The sync is killed after its first batch or batches.
    kill_sync_midway(&pg, &store, &url, total);
    let partly = responses_in(&pg, "kyselyt");
    assert!(
        partly < total,
        "the kill came after the sync's end ({partly} arrived)"
    );
    sync_to(&store, &url).expect_code(0);
    assert_eq!(
        responses_in(&pg, "kyselyt"),
        total,
        "after {partly} had arrived"
    );

    // PostgreSQL is killed in the middle of a full send into a new database.
    pg.create_db("toinen");
    let url2 = pg.socket_url("postgres", "toinen");
    let child = kioski_command(&store)
        .args(["sync", "--to", &url2])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start kioski sync");
    std::thread::sleep(Duration::from_millis(700));
    pg.kill9();
    let out = child.wait_with_output().expect("the sync ends");
    assert_eq!(
        out.status.code(),
        Some(3),
        "a lost server is a store error (exit 3)"
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("nothing is lost") || stderr.contains("sends it again"),
        "{stderr}"
    );
    pg.restart();
    sync_to(&store, &url2).expect_code(0);
    assert_eq!(responses_in(&pg, "toinen"), total);
    let per_response = |db: &str| count(&pg, db, "SELECT count(*) FROM answers");
    assert_eq!(
        per_response("toinen"),
        per_response("kyselyt"),
        "answers arrived once"
    );
}

#[test]
fn a_wrong_password_and_an_unreachable_host_say_so_with_exit_3() {
    let Some(pg) = Pg::start("sync-auth") else {
        return;
    };
    pg.create_db("kyselyt");
    let (_a, store) = terminal_store("sp-", "kirjasto", 5, 5);
    let url = pg.tcp_url(SCRAM_USER, "kyselyt");

    let wrong = kioski(["sync", "--to", &url])
        .store(&store)
        .env("PGPASSWORD", Some("not it"))
        .run();
    wrong.expect_code(3);
    assert!(wrong.stderr.contains("password"), "{}", wrong.stderr);
    assert!(
        !wrong.stderr.contains("not it"),
        "the password is never shown"
    );

    let right = kioski(["sync", "--to", &url])
        .store(&store)
        .env("PGPASSWORD", Some(PASSWORD))
        .run();
    right.expect_code(0);
    assert_eq!(responses_in(&pg, "kyselyt"), 5);

    // Nothing listens on this port.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    let port = closed.local_addr().expect("its address").port();
    drop(closed);
    let unreachable = sync_to(
        &store,
        &format!("postgresql://postgres@127.0.0.1:{port}/kyselyt"),
    );
    unreachable.expect_code(3);
    assert!(
        unreachable.stderr.contains("127.0.0.1"),
        "{}",
        unreachable.stderr
    );

    // A password in the URL never enters the store.
    let set = kioski([
        "sync",
        "set",
        &format!("postgresql://{SCRAM_USER}:secret@127.0.0.1:{port}/kyselyt"),
    ])
    .store(&store)
    .run();
    assert!(set.code != Some(0) || !status(&store)["target"].to_string().contains("secret"));
    assert!(
        !crate::support::files_contain(&store, b"secret"),
        "no byte of it in the store"
    );
}

fn status(store: &Path) -> Value {
    let run = ok(store, &["sync", "status", "--format", "json"]);
    serde_json::from_str(&run.stdout).expect("sync status --format json")
}

#[test]
fn a_kiosk_collects_while_postgresql_is_down_and_everything_arrives_when_it_is_up() {
    let Some((mut pg, url)) = cluster("sync-down") else {
        return;
    };
    let (_tmp, store) = short_store_dir("sw-");
    ok(&store, &["sync", "set", &url]);
    pg.stop();

    // A whole kiosk session with the server down.
    let k = start_kiosk(&store);
    crate::handover::respond(&k, 4);
    crate::handover::respond(&k, 5);
    let seen = wait_for_status(&store, |s| s["state"]["last_error"].is_string());
    assert_eq!(seen["waiting"], 2, "{seen}");
    drop(k);

    pg.restart();
    // The next session sends what waits, without a new response.
    let k = start_kiosk(&store);
    wait_until_rows(&pg, 2);
    // And one answered while it runs arrives within seconds.
    crate::handover::respond(&k, 3);
    wait_until_rows(&pg, 3);
    let after = wait_for_status(&store, |s| s["waiting"] == 0);
    assert!(after["state"]["last_ok_ms"].is_i64(), "{after}");
    drop(k);
}

#[test]
fn a_running_kiosk_retries_until_postgresql_comes_back() {
    let Some((mut pg, url)) = cluster("sync-back") else {
        return;
    };
    let (_tmp, store) = short_store_dir("sr-");
    ok(&store, &["sync", "set", &url]);
    pg.stop();
    let k = start_kiosk(&store);
    crate::handover::respond(&k, 3);
    // `sync status` through the kiosk tells the last error.
    let down = wait_for_status(&store, |s| s["state"]["last_error"].is_string());
    assert_eq!(down["waiting"], 1, "{down}");
    pg.restart();
    wait_until_rows(&pg, 1);
    // `kioski sync` through the running kiosk: nothing more to send.
    let now = ok(&store, &["sync"]);
    assert!(
        now.stdout.contains("Sent 0 new responses"),
        "{}",
        now.stdout
    );
    drop(k);
}

fn start_kiosk(store: &Path) -> PtyKiosk {
    let k = PtyKiosk::builder(store).size(80, 24).start();
    k.wait_for("the kiosk's welcome screen", |s| {
        s.contents().contains("Aloita")
    });
    k
}

/// Waits (up to a minute: the backoff grows while the server is down)
/// until PostgreSQL holds `n` responses.
fn wait_until_rows(pg: &Pg, n: i64) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let rows = pg
            .superuser("kyselyt")
            .query_one("SELECT count(*) FROM responses", &[])
            .map(|r| r.get::<_, i64>(0))
            .unwrap_or(-1);
        if rows == n {
            return;
        }
        assert!(rows < n, "more rows than responses: {rows} > {n}");
        assert!(
            Instant::now() < deadline,
            "PostgreSQL holds {rows} of {n} responses"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn wait_for_status(store: &Path, done: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let s = status(store);
        if done(&s) {
            return s;
        }
        assert!(
            Instant::now() < deadline,
            "sync status never became as expected: {s}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn kill_9_of_the_kiosk_in_the_middle_of_its_sync_then_sync_again_loses_and_doubles_nothing() {
    let Some((pg, url)) = cluster("sync-kiosk-kill") else {
        return;
    };
    let total = 40_000;
    let (_a, store) = terminal_store("sq-", "kirjasto", total as u32, 6);
    ok(&store, &["sync", "set", &url]);
    // The kiosk's first round sends what waits, batch by batch.
    let mut k = start_kiosk(&store);
    let deadline = Instant::now() + Duration::from_secs(60);
    while responses_in(&pg, "kyselyt") == 0 {
        assert!(Instant::now() < deadline, "the kiosk never began its sync");
        std::thread::sleep(Duration::from_millis(5));
    }
    k.signal("KILL");
    while k.running() {
        std::thread::sleep(Duration::from_millis(10));
    }
    let partly = responses_in(&pg, "kyselyt");
    assert!(
        partly < total,
        "the kill came after the sync's end ({partly} arrived)"
    );
    let run = ok(&store, &["sync"]);
    assert_eq!(
        responses_in(&pg, "kyselyt"),
        total,
        "after {partly} had arrived: {}",
        run.stdout
    );
}

#[test]
fn two_running_kiosks_feed_one_database_by_themselves_and_it_tallies_as_their_merged_stores() {
    let Some((pg, url)) = cluster("sync-kiosks") else {
        return;
    };
    let (_a, kirjasto) = short_store_dir("ka-");
    let (_b, virasto) = short_store_dir("kb-");
    for store in [&kirjasto, &virasto] {
        ok(store, &["sync", "set", &url]);
    }
    // Each kiosk gets its respondents while both run.
    let a = start_kiosk_named(&kirjasto, "kirjasto");
    let b = start_kiosk_named(&virasto, "virasto");
    crate::handover::respond(&a, 4);
    crate::handover::respond(&b, 5);
    crate::handover::respond(&a, 3);
    wait_until_rows(&pg, 3);
    assert_eq!(
        count(
            &pg,
            "kyselyt",
            "SELECT count(DISTINCT terminal) FROM responses"
        ),
        2
    );
    drop((a, b));

    let (_m, merged) = merged_store(&[&kirjasto, &virasto]);
    let local = ok(
        &merged,
        &[
            "tally",
            "--survey",
            "palvelupiste",
            "--format",
            "json",
            "--by",
            "terminal",
        ],
    );
    let central = ok(
        &merged,
        &[
            "tally",
            "--survey",
            "palvelupiste",
            "--format",
            "json",
            "--by",
            "terminal",
            "--from",
            &url,
        ],
    );
    assert_eq!(local.stdout, central.stdout);
}

/// A store that imported a bundle of each of `stores`.
fn merged_store(stores: &[&Path]) -> (tempfile::TempDir, std::path::PathBuf) {
    let (tmp, merged) = short_store_dir("sm-");
    let work = tempfile::tempdir().expect("temp dir");
    for (n, store) in stores.iter().enumerate() {
        let bundle = work.path().join(format!("{n}.kioski"));
        let bundle = bundle.to_str().expect("utf-8 path");
        ok(store, &["bundle", "export", "--out", bundle]);
        ok(&merged, &["bundle", "import", bundle]);
    }
    (tmp, merged)
}

fn start_kiosk_named(store: &Path, name: &str) -> PtyKiosk {
    let k = PtyKiosk::builder(store)
        .size(80, 24)
        .args(["--terminal", name])
        .start();
    k.wait_for("the kiosk's welcome screen", |s| {
        s.contents().contains("Aloita")
    });
    k
}

/// A store that never synced logs nothing (issue 16): its first sync is
/// a full send, which starts the log before it reads a response, so the
/// responses stored while it runs arrive too (by the scan or by the
/// outbox), and later changes go by the outbox alone.
#[test]
fn responses_stored_while_the_first_full_send_runs_all_arrive() {
    use kioski::core::response::Response;
    use kioski::core::simulate::{Setup, respondent};
    use kioski::store::Store;
    use rand::SeedableRng;

    const NOW: i64 = 1_790_000_000_000;
    let Some((pg, url)) = cluster("sync-during") else {
        return;
    };
    let (_tmp, dir) = short_store_dir("sdr-");
    let store = Store::open(&dir, "sync").unwrap();
    let source =
        std::fs::read_to_string(crate::support::crate_root().join("surveys/palvelupiste.toml"))
            .unwrap();
    let survey = kioski::core::validate::survey_from_str(&source).unwrap();
    let hash = store.load(&survey, &source, NOW).unwrap().hash;
    let setup = Setup {
        survey: &survey,
        version: hash,
        terminal: "kirjasto",
        now_ms: NOW,
        utc_offset_ms: 0,
    };
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(16);
    let mut make = |n: usize| -> Vec<Response> {
        (0..n)
            .map(|i| respondent(&mut rng, &setup, i as f64 / n as f64))
            .collect()
    };
    // More than one batch, so the scan's first batch ends mid-scan.
    let before = make(kioski::sync::BATCH + 2000);
    let during = make(5);
    let after = make(7);
    store.submit_batch(&before).unwrap();
    assert_eq!(
        store.last_change().unwrap(),
        0,
        "a store never synced logs nothing"
    );
    assert!(!store.logs_changes());

    // One response stored each time a batch has been sent: in the scan
    // (twice) and before the last batch sets the cursor.
    let target = kioski::sink::Target::parse(&url).unwrap();
    let mut stored = 0;
    let sent = kioski::sync::connect_and_send(&store, &target, None, NOW, &mut |_| {
        if let Some(r) = during.get(stored) {
            store.submit(r).unwrap();
            stored += 1;
        }
    })
    .unwrap();
    assert!(sent.full, "{sent}");
    assert!(stored >= 3, "only {stored} stored while the send ran");
    assert!(store.logs_changes());
    assert_eq!(responses_in(&pg, "kyselyt"), (before.len() + stored) as i64);

    // After it, the outbox alone: new responses and a deletion.
    store.submit_batch(&after).unwrap();
    let deleted = store
        .delete_responses(
            "palvelupiste",
            &kioski::core::retention::Selection {
                partial: true,
                ..Default::default()
            },
        )
        .unwrap()
        .responses;
    assert!(deleted > 0);
    let again = kioski::sync::connect_and_send(&store, &target, None, NOW, &mut |_| {}).unwrap();
    assert!(!again.full, "{again}");
    assert_eq!(again.deleted, deleted, "{again}");
    let left = store.responses("palvelupiste").count() as i64;
    assert_eq!(responses_in(&pg, "kyselyt"), left);
}

/// `sync off` keeps the change log: a later `sync set` to the same
/// database, which still has this store's cursor, learns of the
/// deletions made while it was off (a full send would not delete them).
#[test]
fn a_delete_made_while_sync_is_off_arrives_after_sync_set_again() {
    let Some((pg, url)) = cluster("sync-off") else {
        return;
    };
    let (_a, store) = terminal_store("soff-", "kirjasto", 40, 8);
    assert_eq!(
        status(&store)["waiting"],
        0,
        "a store never synced logs nothing"
    );
    ok(&store, &["sync", "set", &url]);
    let first = ok(&store, &["sync"]);
    assert!(
        first.stdout.contains("every stored response was offered"),
        "{}",
        first.stdout
    );
    assert_eq!(responses_in(&pg, "kyselyt"), 40);
    ok(&store, &["sync", "off"]);
    ok(
        &store,
        &["delete", "--survey", "palvelupiste", "--simulated", "--yes"],
    );
    assert_eq!(status(&store)["waiting"], 40);
    ok(&store, &["sync", "set", &url]);
    let run = ok(&store, &["sync"]);
    assert!(
        run.stdout.contains("deleted 40 responses there"),
        "{}",
        run.stdout
    );
    assert!(
        !run.stdout.contains("every stored response"),
        "{}",
        run.stdout
    );
    assert_eq!(responses_in(&pg, "kyselyt"), 0);
}

/// `kioski sync --to URL` through a running kiosk: the kiosk (the owner)
/// starts the change log, so a response answered after that first sync
/// goes by the outbox at the next one.
#[test]
fn a_first_sync_through_a_running_kiosk_starts_the_log() {
    let Some((pg, url)) = cluster("sync-owner") else {
        return;
    };
    let (_a, store) = terminal_store("sown-", "kirjasto", 20, 9);
    let k = start_kiosk(&store);
    let first = sync_to(&store, &url);
    first.expect_code(0);
    assert!(
        first.stdout.contains("every stored response was offered"),
        "{}",
        first.stdout
    );
    assert_eq!(responses_in(&pg, "kyselyt"), 20);
    crate::handover::respond(&k, 4);
    let next = sync_to(&store, &url);
    next.expect_code(0);
    assert!(
        next.stdout.contains("Sent 1 new response"),
        "{}",
        next.stdout
    );
    assert!(
        !next.stdout.contains("every stored response"),
        "{}",
        next.stdout
    );
    assert_eq!(responses_in(&pg, "kyselyt"), 21);
    drop(k);
}
