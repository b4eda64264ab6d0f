//! The crash test: SIGKILL at random moments loses nothing acknowledged.
//!
//! A child `kioski simulate --print-ids` prints each response id right
//! after that response is durable. Each round kills it (SIGKILL) after a
//! random 50-400 ms, then opens the store with the library and checks that
//! every id ever printed, in this round or an earlier one, is present and
//! decodes, and that no stored record fails to decode. The store is kept
//! across rounds, so recovery after repeated kills is tested too.
//!
//! `KIOSKI_CRASH_ROUNDS` sets the number of rounds (default 20; hundreds
//! by hand), `KIOSKI_CRASH_SEED` repeats a run's random waits.

use std::collections::HashSet;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use kioski::store::Store;
use uuid::Uuid;

use crate::support::{KillOnDrop, TempDir, kioski, kioski_command};

const SURVEY: &str = "palvelupiste";

/// splitmix64: enough randomness for wait times, and repeatable.
struct Prng(u64);

impl Prng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `lo..=hi`.
    fn between(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo + 1)
    }
}

fn env_number(name: &str) -> Option<u64> {
    let text = std::env::var(name).ok()?;
    Some(
        text.trim()
            .parse()
            .unwrap_or_else(|_| panic!("{name}={text:?} is not a number")),
    )
}

/// What one killed child printed.
struct Round {
    /// Ids printed in full (a line with its newline): acknowledged.
    acknowledged: Vec<Uuid>,
    /// False when the child had already exited by itself when killed.
    killed_mid_run: bool,
    stderr: String,
}

/// Starts `simulate --print-ids` on `store`, kills it after `wait`.
fn kill_after(store: &Path, seed: u64, wait: Duration) -> Round {
    let mut child = KillOnDrop(
        kioski_command(store)
            .args([
                "simulate",
                "--survey",
                SURVEY,
                "--respondents",
                "1000000",
                "--print-ids",
                "--seed",
                &seed.to_string(),
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start kioski simulate"),
    );
    let lines = Arc::new(Mutex::new(Vec::new()));
    let stdout = child.0.stdout.take().unwrap();
    let reader = {
        let lines = Arc::clone(&lines);
        thread::spawn(move || {
            let mut stdout = BufReader::new(stdout);
            let mut line = String::new();
            loop {
                line.clear();
                match stdout.read_line(&mut line) {
                    Ok(0) | Err(_) => break,
                    Ok(_) => lines.lock().unwrap().push(line.clone()),
                }
            }
        })
    };
    let mut stderr_pipe = child.0.stderr.take().unwrap();
    let stderr = thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr_pipe.read_to_string(&mut text);
        text
    });

    thread::sleep(wait);
    let killed_mid_run = child.0.try_wait().unwrap().is_none();
    child.0.kill().unwrap();
    child.0.wait().unwrap();
    reader.join().unwrap();
    let stderr = stderr.join().unwrap();

    let lines = std::mem::take(&mut *lines.lock().unwrap());
    let mut acknowledged = Vec::new();
    for line in &lines {
        // A line cut short by the kill was never acknowledged.
        let Some(id) = line.strip_suffix('\n') else {
            continue;
        };
        match id.parse() {
            Ok(id) => acknowledged.push(id),
            // The summary line of a child that ended by itself.
            Err(_) => assert!(!killed_mid_run, "not an id: {line:?}\n{stderr}"),
        }
    }
    Round {
        acknowledged,
        killed_mid_run,
        stderr,
    }
}

/// Opens the store and checks it: every record decodes, every
/// acknowledged id is there. Returns the number of stored responses, or
/// what is wrong.
fn check(store: &Path, acknowledged: &[Uuid]) -> Result<usize, String> {
    let s = Store::open(store, "crash test")
        .map_err(|e| format!("the store cannot be opened after a kill: {e}"))?;
    let mut stored = HashSet::new();
    for r in s.responses(SURVEY) {
        let r = r.map_err(|e| format!("an undecodable record: {e}"))?;
        if !stored.insert(r.id) {
            return Err(format!("response {} is stored twice", r.id));
        }
    }
    let mut missing = Vec::new();
    for id in acknowledged {
        let present = s.has_response(SURVEY, id).map_err(|e| e.to_string())?;
        if !present || !stored.contains(id) {
            missing.push(id.to_string());
        }
    }
    if missing.is_empty() {
        Ok(stored.len())
    } else {
        Err(format!(
            "{} acknowledged responses are missing: {}",
            missing.len(),
            missing.join(", ")
        ))
    }
}

#[test]
fn sigkill_never_loses_an_acknowledged_response() {
    let rounds = env_number("KIOSKI_CRASH_ROUNDS").unwrap_or(20);
    let seed = env_number("KIOSKI_CRASH_SEED").unwrap_or_else(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos() as u64
    });
    let mut prng = Prng(seed);
    let work = TempDir::new("crash");
    let store = work.path().join("store");
    kioski(["load", "surveys/palvelupiste.toml"])
        .store(&store)
        .run()
        .expect_code(0);

    let started = Instant::now();
    let mut acknowledged: Vec<Uuid> = Vec::new();
    let mut killed_mid_run = 0;
    let mut empty_rounds = 0;
    let mut stored = 0;
    for round in 0..rounds {
        let wait = Duration::from_millis(prng.between(50, 400));
        // A new simulate seed each round, so ids never repeat.
        let mut outcome = kill_after(&store, prng.next(), wait);
        // The check before opened the store in this process; on a busy
        // machine sled's background flusher can hold its lock a moment
        // after the store is dropped, and the child is refused at once.
        // That round never ran: run it again.
        for _ in 0..20 {
            if outcome.killed_mid_run || !outcome.stderr.contains("in use") {
                break;
            }
            thread::sleep(Duration::from_millis(100));
            outcome = kill_after(&store, prng.next(), wait);
        }
        let context = format!(
            "round {} of {rounds} (KIOSKI_CRASH_SEED={seed}), killed after {wait:?}",
            round + 1
        );
        assert!(
            outcome.killed_mid_run,
            "{context}: the child ended by itself:\n{}",
            outcome.stderr
        );
        killed_mid_run += 1;
        if outcome.acknowledged.is_empty() {
            empty_rounds += 1;
        }
        acknowledged.extend(&outcome.acknowledged);
        let before = stored;
        stored = check(&store, &acknowledged).unwrap_or_else(|e| panic!("{context}: {e}"));
        assert!(
            stored >= before + outcome.acknowledged.len(),
            "{context}: {before} responses before, {} acknowledged, {stored} after",
            outcome.acknowledged.len()
        );
    }
    let elapsed = started.elapsed();
    println!(
        "crash test: {rounds} rounds (KIOSKI_CRASH_SEED={seed}), {killed_mid_run} killed mid-run, \
         {} acknowledged ids checked, {stored} responses stored, {empty_rounds} rounds \
         killed before the first ack, {elapsed:.1?}",
        acknowledged.len()
    );

    // Not vacuous: the children were killed while working, and had
    // acknowledged responses to lose. With 50-400 ms per round and about
    // a millisecond per durable submit, a round acknowledges dozens (on a
    // busy machine some rounds are killed while the child still starts,
    // which tests recovery too); an average under one means submits
    // stopped being acknowledged (or printed), and the checks above would
    // have had nothing to check.
    assert!(rounds == 0 || killed_mid_run > 0);
    assert!(
        rounds == 0 || acknowledged.len() as u64 >= rounds,
        "only {} ids acknowledged in {rounds} rounds",
        acknowledged.len()
    );
}

/// The checker itself: an id that was never stored is reported, so the
/// crash test would fail if an acknowledged response were lost.
#[test]
fn the_crash_checker_finds_a_lost_response() {
    let work = TempDir::new("crash-checker");
    let store = work.path().join("store");
    kioski(["load", "surveys/palvelupiste.toml"])
        .store(&store)
        .run()
        .expect_code(0);
    let run = kioski([
        "simulate",
        "--respondents",
        "5",
        "--print-ids",
        "--seed",
        "9",
    ])
    .store(&store)
    .run();
    run.expect_code(0);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 6, "{run}");
    assert!(
        lines[5].starts_with("Stored 5 simulated responses"),
        "{run}"
    );
    let mut ids: Vec<Uuid> = lines[..5].iter().map(|l| l.parse().unwrap()).collect();
    assert_eq!(check(&store, &ids), Ok(5));

    // A response that was "acknowledged" but is not in the store.
    let lost = Uuid::now_v7();
    ids.push(lost);
    let error = check(&store, &ids).unwrap_err();
    assert!(error.contains(&lost.to_string()), "{error}");
    assert!(
        error.starts_with("1 acknowledged responses are missing"),
        "{error}"
    );

    // An acknowledged response removed behind the store's back.
    let removed = ids[2];
    {
        let db = sled::Config::new().path(store.join("db")).open().unwrap();
        let tree = db.open_tree(kioski::store::keys::RESPONSES).unwrap();
        tree.remove(kioski::store::keys::response(SURVEY, &removed))
            .unwrap()
            .expect("the response was stored");
        db.flush().unwrap();
    }
    let error = check(&store, &ids[..5]).unwrap_err();
    assert!(error.contains(&removed.to_string()), "{error}");
}

/// A kiosk killed with SIGKILL never closes, so the list of its last close
/// is gone and `surveys` counts what it stored.
#[test]
fn surveys_after_a_killed_writer_counts_what_it_stored() {
    let dir = TempDir::new("listing-kill");
    kioski(["load", "surveys/palvelupiste.toml"])
        .store(dir.path())
        .run()
        .expect_code(0);
    assert!(
        dir.path()
            .join(kioski::store::listing::LISTING_FILE)
            .is_file()
    );
    let mut child = kioski_command(dir.path())
        .args(["simulate", "--respondents", "100000", "--print-ids"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut acknowledged = 0u64;
    while acknowledged < 20 {
        lines.next().unwrap().unwrap();
        acknowledged += 1;
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let run = kioski(["surveys", "--format", "json"])
        .store(dir.path())
        .run();
    run.expect_code(0);
    let rows: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let counted = rows[0]["complete"].as_u64().unwrap() + rows[0]["partial"].as_u64().unwrap();
    assert!(counted >= acknowledged, "{counted} < {acknowledged}");
}
