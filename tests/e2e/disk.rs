//! A full disk, for real: a small tmpfs mounted for the test (root only;
//! where mounting is not allowed the tests say why and pass without
//! checking anything).
//!
//! - a store whose disk fills stores again once space is freed, without
//!   being reopened by its user, loses nothing written before, and reads
//!   on while the disk is full;
//! - reading commands on a full disk say so, exit 3 and damage nothing;
//! - a kiosk whose disk fills tells the respondent calmly, never prints a
//!   log error over its screen, and stores the next answer once space is
//!   freed.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use kioski::core::response::Response;
use kioski::core::simulate::{Setup, respondent};
use kioski::core::validate::survey_from_str;
use kioski::store::{ReadStore, Store};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use crate::pty::{PtyKiosk, keys};
use crate::support::{kioski, short_store_dir};

const PULSE: &str = include_str!("../../surveys/pulssi.toml");
const FULL: &str = "the disk is full: free space, nothing is lost";

/// A tmpfs of a few MiB at a short path in `/tmp`, unmounted on drop.
struct Tmpfs {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

impl Tmpfs {
    /// Mounts one, or says why it cannot and returns `None`.
    fn mount(test: &str, size: &str) -> Option<Tmpfs> {
        let dir = tempfile::Builder::new()
            .prefix("kd-")
            .tempdir_in("/tmp")
            .expect("a temp dir in /tmp");
        let path = dir.path().to_owned();
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(&path)
            .output();
        match out {
            Ok(out) if out.status.success() => Some(Tmpfs { _dir: dir, path }),
            Ok(out) => {
                eprintln!(
                    "skipped {test}: cannot mount a tmpfs ({})",
                    String::from_utf8_lossy(&out.stderr).trim()
                );
                None
            }
            Err(e) => {
                eprintln!("skipped {test}: cannot run mount ({e})");
                None
            }
        }
    }

    fn store(&self) -> PathBuf {
        self.path.join("s")
    }

    /// Takes every free byte with a filler file.
    fn fill(&self) {
        let mut f = std::fs::File::create(self.path.join("fill")).expect("the filler file");
        let block = vec![0xAAu8; 4096];
        while f.write_all(&block).is_ok() {}
        // Whatever is left, byte by byte.
        while f.write_all(&[0xAA]).is_ok() {}
    }

    fn free(&self) {
        std::fs::remove_file(self.path.join("fill")).expect("remove the filler file");
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.path).status();
    }
}

fn pulse_responses(store: &Store, n: usize, seed: u64) -> Vec<Response> {
    let version = store.latest("pulssi").unwrap();
    let setup = Setup {
        survey: &version.survey,
        version: version.hash,
        terminal: "t",
        now_ms: 1_790_000_000_000,
        utc_offset_ms: 0,
    };
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..n)
        .map(|i| respondent(&mut rng, &setup, i as f64 / n as f64))
        .collect()
}

fn ids(store: &Store) -> Vec<uuid::Uuid> {
    store.responses("pulssi").map(|r| r.unwrap().id).collect()
}

#[test]
fn a_store_that_filled_its_disk_stores_again_once_space_is_freed() {
    let Some(fs) = Tmpfs::mount("the submit test", "4m") else {
        return;
    };
    let store = Store::open(&fs.store(), "test").unwrap();
    store
        .load(&survey_from_str(PULSE).unwrap(), PULSE, 1_790_000_000_000)
        .unwrap();
    let before = pulse_responses(&store, 5, 1);
    for r in &before {
        store.submit(r).unwrap();
    }
    fs.fill();
    // The log has room left in its segment: keep submitting until the
    // disk says no.
    let mut failed = None;
    for (i, r) in pulse_responses(&store, 20_000, 2).iter().enumerate() {
        if let Err(e) = store.submit(r) {
            failed = Some((i, e));
            break;
        }
    }
    let (tries, error) = failed.expect("a submit fails on a full disk");
    eprintln!("the disk said no after {tries} more submits: {error}");
    let text = error.to_string();
    assert!(text.contains(FULL), "{text}");
    assert!(!text.contains("Os {"), "{text}");
    // Still full: writes say the same, reads go on.
    for r in &pulse_responses(&store, 3, 4) {
        if let Err(e) = store.submit(r) {
            assert_eq!(e.to_string(), FULL);
        }
    }
    let stored = ids(&store);
    assert!(
        before.iter().all(|r| stored.contains(&r.id)),
        "a read failed on the full disk"
    );

    fs.free();
    let after = pulse_responses(&store, 3, 3);
    for r in &after {
        if let Err(e) = store.submit(r) {
            // Said before the panic: another test opening a store silences
            // the panic hook for a moment.
            eprintln!("a submit after space is freed failed: {e}");
            panic!("a submit after space is freed failed: {e}");
        }
    }
    let stored = ids(&store);
    for r in before.iter().chain(&after) {
        assert!(stored.contains(&r.id), "response {} is lost", r.id);
    }
    drop(store);
    // And the store opens again with all of it.
    let store = Store::open(&fs.store(), "test").unwrap();
    let again = ids(&store);
    for r in before.iter().chain(&after) {
        assert!(
            again.contains(&r.id),
            "response {} is lost after reopening",
            r.id
        );
    }
}

/// `kioski ARGS` on `store`: (exit code, stdout, stderr).
fn run(store: &Path, args: &[&str]) -> (Option<i32>, String, String) {
    let run = kioski(args).store(store).run();
    (run.code, run.stdout.clone(), run.stderr.clone())
}

#[test]
fn reading_commands_on_a_full_disk_say_so_and_damage_nothing() {
    let Some(fs) = Tmpfs::mount("the reading test", "3m") else {
        return;
    };
    let store = fs.store();
    assert_eq!(run(&store, &["load", "surveys/pulssi.toml"]).0, Some(0));
    let simulate = ["simulate", "--survey", "pulssi", "--respondents", "20"];
    assert_eq!(run(&store, &simulate).0, Some(0));
    let (_, tally_before, _) = run(&store, &["tally", "--format", "json"]);
    // A last write, so that the next open has a snapshot to write.
    assert_eq!(
        run(&store, &["load", "surveys/palvelupiste.toml"]).0,
        Some(0)
    );
    fs.fill();
    for args in [
        &["surveys"][..],
        &["tally"],
        &["export", "--survey", "pulssi"],
        &["surveys"],
    ] {
        let (code, _, stderr) = run(&store, args);
        // Opening may need no write at all; when it does, it says so.
        if code != Some(0) {
            assert_eq!(code, Some(3), "{args:?}: {stderr}");
            assert!(stderr.contains(FULL), "{args:?}: {stderr}");
            assert!(!stderr.contains("damaged"), "{args:?}: {stderr}");
            assert!(!stderr.contains("Os {"), "{args:?}: {stderr}");
        }
    }
    fs.free();
    let (code, tally_after, stderr) = run(&store, &["tally", "--format", "json"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(tally_after, tally_before);
}

#[test]
fn a_kiosk_whose_disk_fills_tells_the_respondent_and_goes_on_once_freed() {
    let Some(fs) = Tmpfs::mount("the kiosk test", "4m") else {
        return;
    };
    let store = fs.store();
    // The kiosk makes the store itself: sled's log then grows as it
    // writes, rather than into a segment that opening made whole.
    let mut k = PtyKiosk::builder(&store)
        .args(["kiosk", "--survey", "surveys/pulssi.toml"])
        .size(80, 24)
        .start();
    k.wait_for_text("Aloita");
    // One respondent: start, grade, yes, no comment.
    let respond = |k: &PtyKiosk| {
        k.send(b"3\r");
        k.wait_for_text("How did your visit go today?");
        k.send(b"5\r");
        k.wait_for_text("Did you get what you came for?");
        k.send(b"1\r");
    };
    let thanks = "Thank you! Have a nice day.";
    let sorry = "Sorry, we could not save your answers.";
    respond(&k);
    k.wait_for_text(thanks);
    k.send(b" ");
    k.wait_for_text("Aloita");
    fs.fill();
    let mut failed = false;
    for _ in 0..400 {
        respond(&k);
        k.wait_for("thanks or sorry", |s| {
            let text = s.contents();
            text.contains(thanks) || text.contains(sorry)
        });
        failed = k.text().contains(sorry);
        k.send(b" ");
        k.wait_for_text("Aloita");
        if failed {
            break;
        }
    }
    assert!(failed, "no submit failed on a full disk");
    // More respondents on the full disk: the log's last page fills too.
    for _ in 0..25 {
        respond(&k);
        k.wait_for_text(sorry);
        k.send(b" ");
        k.wait_for_text("Aloita");
    }
    fs.free();
    respond(&k);
    k.wait_for_text(thanks);
    k.send(b" ");
    k.wait_for_text("Aloita");
    let output = String::from_utf8_lossy(&k.output()).into_owned();
    assert!(
        !output.contains("Unable to write"),
        "a log error reached the screen"
    );
    assert!(!output.contains("Os {"), "debug text reached the screen");
    k.send(keys::CTRL_C);
    assert_eq!(k.wait_exit(), 0, "the kiosk did not exit cleanly");
}

#[test]
fn log_writes_that_fail_never_reach_the_screen() {
    if !Path::new("/dev/full").exists() {
        eprintln!("skipped the log test: no /dev/full here");
        return;
    }
    let (_tmp, store) = short_store_dir("kd-");
    std::fs::create_dir_all(&store).unwrap();
    // Every write to the log fails as on a full disk.
    std::os::unix::fs::symlink("/dev/full", store.join("kioski.log")).unwrap();
    let mut k = PtyKiosk::builder(&store)
        .args(["kiosk", "--survey", "surveys/pulssi.toml"])
        .start();
    k.wait_for_text("Aloita");
    k.send(b"3\r");
    k.wait_for_text("How did your visit go today?");
    k.send(b"5\r");
    k.wait_for_text("Did you get what you came for?");
    k.send(b"1\r");
    k.wait_for_text("Thank you! Have a nice day.");
    let output = String::from_utf8_lossy(&k.output()).into_owned();
    assert!(
        !output.contains("Unable to write"),
        "a log error reached the screen"
    );
    k.send(keys::CTRL_C);
    assert_eq!(k.wait_exit(), 0, "the kiosk did not exit cleanly");
}
