//! A clerk's view never keeps a kiosk from starting (issue 12, points 4
//! and 5), on the real binary in PTYs:
//!
//! - a kiosk started after `tally --live` or after `kioski admin` (at its
//!   PIN prompt) comes up: the view hands the store over and goes on
//!   through the kiosk's socket, counting what the kiosk stores;
//! - when that kiosk stops, the view takes the store back (it serves the
//!   socket again) and still works, and the next kiosk gets it again;
//! - after a reboot (a stale socket, a lock file naming a view) the kiosk
//!   comes up;
//! - `kiosk --survey X` is what `surveys` marks active and what `tally`
//!   counts by default while it runs; a failing argument combination
//!   stores nothing.

use std::os::unix::fs::FileTypeExt;
use std::path::PathBuf;

use kioski::remote::protocol::SOCKET_FILE;
use serde_json::Value;

use crate::live::live_count;
use crate::pty::{PtyKiosk, keys};
use crate::support::{Run, kioski, short_store_dir};

struct Work {
    tmp: tempfile::TempDir,
    store: PathBuf,
}

fn work() -> Work {
    let (tmp, store) = short_store_dir("kh-");
    Work { tmp, store }
}

impl Work {
    #[track_caller]
    fn ok<const N: usize>(&self, args: [&str; N]) -> Run {
        let run = kioski(args).store(&self.store).run();
        run.expect_code(0);
        run
    }

    /// The rows of `kioski surveys --format json`.
    fn surveys(&self) -> Vec<Value> {
        let run = self.ok(["surveys", "--format", "json"]);
        let rows: Value = serde_json::from_str(&run.stdout).expect("surveys --format json");
        rows.as_array().cloned().unwrap_or_default()
    }

    fn complete(&self, survey: &str) -> u64 {
        self.surveys()
            .iter()
            .find(|r| r["id"] == survey)
            .and_then(|r| r["complete"].as_u64())
            .unwrap_or_else(|| panic!("no `{survey}` in `kioski surveys`"))
    }

    /// The command that holds the store, from `kioski.lock`.
    fn owner_command(&self) -> String {
        let text = std::fs::read_to_string(self.store.join("kioski.lock")).expect("the lock file");
        text.lines()
            .find_map(|l| l.strip_prefix("command="))
            .unwrap_or_default()
            .to_owned()
    }

    fn socket_is_served(&self) -> bool {
        std::fs::symlink_metadata(self.store.join(SOCKET_FILE))
            .is_ok_and(|m| m.file_type().is_socket())
    }
}

/// The kiosk on the store, once its welcome screen shows.
#[track_caller]
fn start_kiosk(w: &Work) -> PtyKiosk {
    let mut k = PtyKiosk::builder(&w.store).size(80, 24).start();
    k.wait_for("the kiosk's welcome screen", |s| {
        s.contents().contains("Aloita")
    });
    assert!(k.running(), "the kiosk stopped");
    k
}

/// One complete palvelupiste response in English at the kiosk, with the
/// overall grade `grade` (1-5): respondents one after the other give
/// different grades, or the second would be stored as suspect (the same
/// answers again within ten seconds on one terminal).
#[track_caller]
pub(crate) fn respond(k: &PtyKiosk, grade: u8) {
    k.wait_for_text("Aloita");
    let grade = format!("{grade}\r");
    for (key, then) in [
        (
            &b"3\r"[..],
            "Overall, how would you rate our service today?",
        ),
        (
            grade.as_bytes(),
            "Did you get everything sorted in one visit?",
        ),
        (b"1\r", "How has our service changed since last year?"),
        (b"1\r", "How likely are you to recommend our service"),
        (b"9\r", "Which of these describes you best?"),
        (b"1\r", "Thank you for your feedback!"),
    ] {
        k.send(key);
        k.wait_for_text(then);
    }
}

#[test]
fn a_kiosk_starts_after_a_live_view_which_goes_on_counting_and_takes_the_store_back() {
    let w = work();
    w.ok(["load", "surveys/palvelupiste.toml"]);
    w.ok(["simulate", "--respondents", "20", "--seed", "3"]);
    let mut live = PtyKiosk::builder(&w.store)
        .args(["tally", "--live"])
        .size(100, 30)
        .start();
    live.wait_for_text("this view owns the store");
    let n = live.screen(live_count).expect("a count");
    // Where the clerk was: the second question.
    live.send(b"\x1b[C");
    live.wait_for_text("▶ one_visit");

    // The kiosk comes up, and the view goes on through it.
    let mut k = start_kiosk(&w);
    assert_eq!(w.owner_command(), "kiosk");
    live.wait_for_text("live through `kioski kiosk`");
    live.assert_shows("▶ one_visit");
    respond(&k, 4);
    live.wait_for(&format!("the live view counts {}", n + 1), |s| {
        live_count(s) == Some(n + 1)
    });
    assert!(live.running(), "the live view stopped");

    // The kiosk stops: the view takes the store back and serves it.
    k.send(keys::CTRL_C);
    assert_eq!(k.wait_exit(), 0, "the kiosk did not exit cleanly");
    live.wait_for_text("this view owns the store");
    live.assert_shows(&format!("{} responses", n + 1));
    assert_eq!(w.owner_command(), "tally --live");
    assert!(w.socket_is_served(), "the view serves no socket");
    // Other commands go through it.
    assert_eq!(w.complete("palvelupiste"), n + 1);

    // And it still works: the next kiosk gets the store too.
    let mut k = start_kiosk(&w);
    live.wait_for_text("live through `kioski kiosk`");
    respond(&k, 5);
    live.wait_for(&format!("the live view counts {}", n + 2), |s| {
        live_count(s) == Some(n + 2)
    });
    k.send(keys::CTRL_C);
    assert_eq!(k.wait_exit(), 0);
    live.wait_for_text("this view owns the store");
    live.send(b"q");
    assert_eq!(live.wait_exit(), 0);
}

#[test]
fn a_kiosk_starts_after_the_admin_view_at_its_pin_prompt() {
    let w = work();
    w.ok(["load", "surveys/palvelupiste.toml"]);
    w.ok(["simulate", "--respondents", "10", "--seed", "5"]);
    kioski(["pin", "set"])
        .stdin("482913\n")
        .store(&w.store)
        .run()
        .expect_code(0);
    let complete = w.complete("palvelupiste");
    let mut admin = PtyKiosk::builder(&w.store)
        .args(["admin"])
        .size(100, 30)
        .start();
    admin.wait_for_text("Admin PIN:");
    assert_eq!(w.owner_command(), "admin");

    let mut k = start_kiosk(&w);
    assert_eq!(w.owner_command(), "kiosk");
    // The PIN, checked by the kiosk now.
    admin.send(b"482913\r");
    admin.wait_for_text("COMPLETE");
    admin.wait_for_text("through `kioski kiosk`");
    respond(&k, 3);
    admin.wait_for(&format!("palvelupiste counted {}", complete + 1), |s| {
        s.contents()
            .lines()
            .any(|l| l.contains("palvelupiste") && l.contains(&format!(" {} ", complete + 1)))
    });
    assert!(admin.running(), "the admin view stopped");

    // The kiosk stops (a PIN is set, so by SIGTERM): the view owns the
    // store again and still answers other commands.
    k.signal("TERM");
    k.wait_exit();
    admin.wait_for_text("owns the store");
    assert_eq!(w.owner_command(), "admin");
    assert_eq!(w.complete("palvelupiste"), complete + 1);
    admin.send(b"q");
    assert_eq!(admin.wait_exit(), 0);
}

#[test]
fn what_the_kiosk_shows_is_the_active_survey_and_the_default_of_tally_while_it_runs() {
    let w = work();
    w.ok(["load", "surveys/pulssi.toml"]);
    w.ok(["load", "surveys/palvelupiste.toml"]);
    w.ok(["activate", "palvelupiste"]);
    let active = |w: &Work| -> Vec<String> {
        w.surveys()
            .iter()
            .filter(|r| r["active"] == true)
            .filter_map(|r| r["id"].as_str().map(str::to_owned))
            .collect()
    };
    assert_eq!(active(&w), ["palvelupiste"]);

    let mut k = PtyKiosk::builder(&w.store)
        .args(["kiosk", "--survey", "pulssi"])
        .size(80, 24)
        .start();
    k.wait_for_text("Kolme nopeaa kysymystä");
    assert_eq!(active(&w), ["pulssi"], "`surveys` marks another survey");
    let tally = w.ok(["tally", "--format", "json"]);
    let tally: Value = serde_json::from_str(&tally.stdout).expect("tally json");
    assert_eq!(tally["survey"], "pulssi", "`tally` counts another survey");
    // Activating another survey is stored for the next start, and says
    // that this kiosk keeps its own.
    let run = w.ok(["activate", "palvelupiste"]);
    assert!(run.stdout.contains("started with --survey pulssi"), "{run}");
    assert_eq!(active(&w), ["pulssi"]);

    // The kiosk's choice was not stored: once it stops, the admin's
    // choice stands again.
    k.send(keys::CTRL_C);
    assert_eq!(k.wait_exit(), 0);
    assert_eq!(active(&w), ["palvelupiste"]);
}

#[test]
fn a_kiosk_refused_for_its_arguments_stores_nothing() {
    let w = work();
    let file = w.tmp.path().join("vain-suomi.toml");
    std::fs::write(
        &file,
        "id = \"vain-suomi\"\nlanguages = [\"fi\"]\ntitle = { fi = \"Kysely\" }\n\
         thanks = { fi = \"Kiitos!\" }\n\n[[question]]\nid = \"q\"\ntype = \"yesno\"\n\
         text = { fi = \"Kyllä vai ei?\" }\n",
    )
    .expect("write the survey");
    w.ok(["validate", file.to_str().expect("utf-8")]);
    let mut k = PtyKiosk::builder(&w.store)
        .args([
            "kiosk",
            "--survey",
            file.to_str().expect("utf-8"),
            "--lang",
            "sv",
        ])
        .size(80, 24)
        .start();
    assert_eq!(k.wait_exit(), 2, "{}", k.text());
    assert!(
        k.text().contains("not offered in `sv`"),
        "no reason given:\n{}",
        k.text()
    );
    assert!(
        w.surveys().is_empty(),
        "the refused kiosk stored a survey: {:?}",
        w.surveys()
    );
}

#[test]
fn after_a_reboot_the_kiosk_comes_up_whatever_was_left_open() {
    let w = work();
    w.ok(["load", "surveys/palvelupiste.toml"]);
    // What a live view killed by a power cut leaves: its socket file
    // (nothing listens on it) and its name in the lock file (no process
    // holds the lock).
    drop(std::os::unix::net::UnixListener::bind(w.store.join(SOCKET_FILE)).expect("bind"));
    std::fs::write(
        w.store.join("kioski.lock"),
        "pid=999999\ncommand=tally --live\n",
    )
    .expect("write the lock file");
    let mut k = start_kiosk(&w);
    assert_eq!(w.owner_command(), "kiosk");
    assert!(w.socket_is_served());
    k.send(keys::CTRL_C);
    assert_eq!(k.wait_exit(), 0);
}
