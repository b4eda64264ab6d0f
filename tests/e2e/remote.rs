//! A running kiosk owns its store and serves other commands on
//! `kioski.sock` in the store directory: the real kiosk in a PTY, the real
//! commands beside it, and raw clients that speak (or break) the socket
//! protocol.
//!
//! - reads through the kiosk print exactly what they print without it;
//! - the socket is 0600 while the kiosk runs and gone after it quits; a
//!   stale one (after SIGKILL) is cleaned up by the next command;
//! - `load` and `activate` reach the screen at the next welcome, never in
//!   the middle of a respondent's survey;
//! - garbage, oversized, wrong-version, silent and many connections leave
//!   the kiosk and the socket working;
//! - commands that must own the store get exit 3 naming the kiosk.
//!
//! Stores live in short directories under `/tmp`: a socket path has a
//! limit of about 107 bytes.

use std::io::{ErrorKind, Read, Write};
use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use kioski::remote::protocol::{
    MAX_REPLY_BYTES, MAX_REQUEST_BYTES, PROTOCOL, Reply, Request, SOCKET_FILE, read_frame,
    write_frame,
};

use crate::pty::{PtyKiosk, keys, timeout};
use crate::support::{Run, kioski, short_store_dir, wait_until};

/// A short scratch directory in `/tmp` with the store at `s/`.
struct Work {
    tmp: tempfile::TempDir,
    store: PathBuf,
}

fn work() -> Work {
    let (tmp, store) = short_store_dir("kr-");
    Work { tmp, store }
}

impl Work {
    fn socket(&self) -> PathBuf {
        self.store.join(SOCKET_FILE)
    }

    /// A path beside the store, not in it.
    fn file(&self, name: &str) -> PathBuf {
        self.tmp.path().join(name)
    }

    /// `kioski ARGS...` on this store.
    fn run<const N: usize>(&self, args: [&str; N]) -> Run {
        kioski(args).store(&self.store).run()
    }

    /// `kioski ARGS...` on this store; it must succeed.
    #[track_caller]
    fn ok<const N: usize>(&self, args: [&str; N]) -> Run {
        let run = self.run(args);
        run.expect_code(0);
        run
    }

    /// The pid that holds the store, from `kioski.lock`.
    fn owner_pid(&self) -> u32 {
        let text = std::fs::read_to_string(self.store.join("kioski.lock")).expect("the lock file");
        text.lines()
            .find_map(|l| l.strip_prefix("pid="))
            .and_then(|p| p.trim().parse().ok())
            .unwrap_or_else(|| panic!("no pid in kioski.lock: {text:?}"))
    }
}

/// Whether a socket file is at `path`.
fn socket_exists(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_socket())
}

/// The kiosk on `store` in a `cols`x`rows` PTY, once its welcome screen
/// shows; by then it serves the socket.
fn start_kiosk(w: &Work, cols: u16, rows: u16) -> PtyKiosk {
    let k = PtyKiosk::builder(&w.store).size(cols, rows).start();
    k.wait_for_text("Aloita");
    if !socket_exists(&w.socket()) {
        k.fail("the kiosk shows its welcome screen but serves no socket");
    }
    k
}

/// Ctrl-C quits a kiosk in demo mode (no PIN set); it must exit 0.
#[track_caller]
fn quit(k: &mut PtyKiosk) {
    k.send(keys::CTRL_C);
    assert_eq!(k.wait_exit(), 0, "the kiosk did not exit cleanly");
}

/// A connection to the kiosk's socket; every read and write gives up
/// after a few seconds, so a server that never answers fails the test
/// instead of hanging it.
fn connect(w: &Work) -> UnixStream {
    let conn = UnixStream::connect(w.socket()).expect("connect to kioski.sock");
    conn.set_read_timeout(Some(Duration::from_secs(3)))
        .expect("read timeout");
    conn.set_write_timeout(Some(Duration::from_secs(3)))
        .expect("write timeout");
    conn
}

/// Writes raw bytes; the server may close the connection before it has
/// read them all (that is a refusal, not a failure).
fn send_raw(conn: &mut UnixStream, bytes: &[u8]) {
    match conn.write_all(bytes).and_then(|()| conn.flush()) {
        Ok(()) => {}
        Err(e) if matches!(e.kind(), ErrorKind::BrokenPipe | ErrorKind::ConnectionReset) => {}
        Err(e) => panic!("writing to the socket failed: {e}"),
    }
}

/// What the server did with a request it should refuse.
#[derive(Debug)]
enum Refusal {
    /// It replied with an error frame (and closed the connection).
    Failed(String),
    /// It closed the connection without a reply.
    Closed,
}

/// Reads everything the server sends until it closes the connection; it
/// must be nothing or exactly one `Failed` frame, and must come before
/// the read timeout.
#[track_caller]
fn expect_refusal(conn: &mut UnixStream, what: &str) -> Refusal {
    refusal_after(conn, Vec::new(), what)
}

/// [`expect_refusal`] for a connection that may not have been answered
/// yet: `None` when nothing has come within `wait`.
#[track_caller]
fn refusal_within(conn: &mut UnixStream, wait: Duration, what: &str) -> Option<Refusal> {
    conn.set_read_timeout(Some(wait)).expect("read timeout");
    let mut buf = [0u8; 4096];
    let first = loop {
        match conn.read(&mut buf) {
            Ok(n) => break buf[..n].to_vec(),
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                return None;
            }
            Err(e) if e.kind() == ErrorKind::ConnectionReset => return Some(Refusal::Closed),
            Err(e) => panic!("{what}: reading the reply failed: {e}"),
        }
    };
    if first.is_empty() {
        return Some(Refusal::Closed);
    }
    conn.set_read_timeout(Some(Duration::from_secs(3)))
        .expect("read timeout");
    Some(refusal_after(conn, first, what))
}

#[track_caller]
fn refusal_after(conn: &mut UnixStream, mut bytes: Vec<u8>, what: &str) -> Refusal {
    let started = Instant::now();
    let mut buf = [0u8; 4096];
    loop {
        match conn.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => bytes.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            // Linux resets the connection when the server closes it with
            // some of our bytes unread: a close all the same.
            Err(e) if e.kind() == ErrorKind::ConnectionReset => break,
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => panic!(
                "{what}: the server neither replied nor closed the connection within {:?} \
                 (read {} bytes)",
                started.elapsed(),
                bytes.len()
            ),
            Err(e) => panic!("{what}: reading the reply failed: {e}"),
        }
    }
    if bytes.is_empty() {
        return Refusal::Closed;
    }
    let mut rest = bytes.as_slice();
    let reply: Reply = read_frame(&mut rest, MAX_REPLY_BYTES)
        .unwrap_or_else(|e| panic!("{what}: the reply is not a frame: {e} ({bytes:02x?})"));
    assert!(
        rest.is_empty(),
        "{what}: {} more bytes after the reply {reply:?}",
        rest.len()
    );
    match reply {
        Reply::Failed(f) => Refusal::Failed(f.message),
        other => panic!("{what}: the server answered garbage with {other:?}"),
    }
}

/// Sends one well-formed request and reads the one reply.
fn ask(w: &Work, request: &Request) -> Reply {
    let mut conn = connect(w);
    write_frame(&mut conn, request, MAX_REQUEST_BYTES).expect("send a request");
    read_frame(&mut conn, MAX_REPLY_BYTES).expect("read the reply")
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

/// A frame header for `body_len` bytes of body after the version.
fn header(body_len: usize, version: u16) -> Vec<u8> {
    let mut frame = u32::try_from(body_len + 2)
        .expect("a small frame")
        .to_le_bytes()
        .to_vec();
    frame.extend_from_slice(&version.to_le_bytes());
    frame
}

#[test]
fn reads_through_a_running_kiosk_print_what_they_print_without_it() {
    let w = work();
    w.ok(["load", "surveys/palvelupiste.toml"]);
    w.ok(["simulate", "--respondents", "300", "--seed", "11"]);
    let reads: [[&str; 3]; 3] = [
        ["tally", "--format", "json"],
        ["surveys", "--format", "json"],
        ["export", "--format", "csv"],
    ];
    let bundle_remote = w.file("remote.kioski");
    let bundle_local = w.file("local.kioski");

    let mut k = start_kiosk(&w, 80, 24);
    let pid = w.owner_pid();
    let remote: Vec<Run> = reads.iter().map(|args| w.ok(*args)).collect();
    w.ok([
        "bundle",
        "export",
        "--out",
        &bundle_remote.to_string_lossy(),
    ]);
    // They went through the kiosk: it still owns the store (a command
    // that opened the store itself would have got exit 3).
    assert!(k.running(), "the kiosk stopped while the commands ran");
    assert_eq!(w.owner_pid(), pid, "the store changed hands");
    k.wait_for_text("Aloita");
    quit(&mut k);
    assert!(!socket_exists(&w.socket()));

    let local: Vec<Run> = reads.iter().map(|args| w.ok(*args)).collect();
    w.ok(["bundle", "export", "--out", &bundle_local.to_string_lossy()]);
    for (r, l) in remote.iter().zip(&local) {
        assert_eq!(
            r.stdout, l.stdout,
            "`{}` printed something else through the kiosk than on its own",
            l.command
        );
    }
    // Not trivially equal: 300 respondents are in each.
    let csv_rows = local[2].stdout.lines().count();
    assert!(csv_rows > 300, "the export has only {csv_rows} lines");
    assert!(local[0].stdout.contains("palvelupiste"), "{}", local[0]);

    // A bundle carries its creation time: compare what it holds, imported
    // into a fresh store and exported.
    let through = |bundle: &Path, name: &str| -> String {
        let fresh = w.file(name);
        kioski(["bundle", "import", &bundle.to_string_lossy()])
            .store(&fresh)
            .run()
            .expect_code(0);
        let run = kioski(["export", "--survey", "palvelupiste", "--format", "csv"])
            .store(&fresh)
            .run();
        run.expect_code(0);
        run.stdout
    };
    let from_remote = through(&bundle_remote, "fresh-r");
    let from_local = through(&bundle_local, "fresh-l");
    assert_eq!(
        from_remote, from_local,
        "the bundle made through the kiosk holds something else"
    );
    assert_eq!(
        from_local, local[2].stdout,
        "the bundle does not hold the store's responses"
    );
}

#[test]
fn the_socket_is_private_while_the_kiosk_runs_and_removed_when_it_quits() {
    let w = work();
    // A brand-new store: the demo survey, in demo mode.
    let mut k = start_kiosk(&w, 80, 24);
    k.assert_shows("kioski pin set");
    let meta = std::fs::symlink_metadata(w.socket()).expect("the socket file");
    assert!(meta.file_type().is_socket(), "{meta:?}");
    assert_eq!(
        meta.permissions().mode() & 0o777,
        0o600,
        "the socket's mode is {:o}",
        meta.permissions().mode() & 0o777
    );
    let dir_mode = std::fs::metadata(&w.store)
        .expect("the store dir")
        .permissions()
        .mode();
    assert_eq!(
        dir_mode & 0o777,
        0o700,
        "the store dir's mode is {dir_mode:o}"
    );
    // It is the kiosk that answers there.
    match ask(&w, &Request::Owner) {
        Reply::Owner { command, pid } => {
            assert_eq!(command, "kiosk");
            assert_eq!(pid, w.owner_pid());
        }
        other => panic!("an Owner request got {other:?}"),
    }
    quit(&mut k);
    assert!(
        std::fs::symlink_metadata(w.socket()).is_err(),
        "the socket is still there after the kiosk quit"
    );
}

#[test]
fn a_stale_socket_after_sigkill_is_removed_by_the_next_command() {
    let w = work();
    w.ok(["load", "surveys/palvelupiste.toml"]);
    let mut k = start_kiosk(&w, 80, 24);
    k.signal("KILL");
    wait_until("the killed kiosk is gone", || !k.running());
    assert!(
        socket_exists(&w.socket()),
        "no socket file left after SIGKILL: nothing to test"
    );
    // Nothing listens there now.
    let refused = UnixStream::connect(w.socket()).map(|_| ()).unwrap_err();
    assert_eq!(refused.kind(), ErrorKind::ConnectionRefused, "{refused}");

    let run = w.ok(["surveys"]);
    assert!(run.stdout.contains("palvelupiste"), "{run}");
    assert!(
        std::fs::symlink_metadata(w.socket()).is_err(),
        "`kioski surveys` left the stale socket:\n{run}"
    );
    // A new kiosk serves the store again, and on SIGTERM it removes its
    // socket as on a normal quit.
    let mut k = start_kiosk(&w, 80, 24);
    w.ok(["surveys"]);
    k.signal("TERM");
    assert_eq!(k.wait_exit(), 143, "128 + SIGTERM");
    assert!(
        std::fs::symlink_metadata(w.socket()).is_err(),
        "the socket is still there after SIGTERM"
    );
}

#[test]
fn load_and_activate_reach_the_screen_at_the_next_welcome_only() {
    let w = work();
    w.ok(["load", "surveys/palvelupiste.toml"]);
    // 12 rows: titles are plain text, not big block letters.
    let mut k = start_kiosk(&w, 80, 12);
    k.wait_for_text("Palvelupisteen asiakaskysely");
    let switch = Duration::from_secs(5).max(timeout() / 2);

    // On the welcome screen: a load and an activate from elsewhere show
    // the new survey's welcome.
    let run = w.ok(["load", "surveys/pulssi.toml"]);
    assert!(
        run.stdout.contains("`pulssi`") && !run.stdout.contains("now active"),
        "{run}"
    );
    w.ok(["activate", "pulssi"]);
    k.wait_for_within(switch, "the pulssi survey's welcome", |s| {
        let text = s.contents();
        text.contains("Pikapalaute") && text.contains("Aloita")
    });
    k.assert_hides("Palvelupisteen asiakaskysely");

    // Mid-survey: an activate does not change the question on screen.
    k.send(b"3\r");
    k.wait_for_text("How did your visit go today?");
    w.ok(["activate", "palvelupiste"]);
    // The next key presses still answer pulssi: the rating picks a grade
    // and goes on to pulssi's next question.
    k.send(b"5\r");
    k.wait_for_text("Did you get what you came for?");
    k.assert_hides("Palvelupisteen");
    k.send(b"1\r");
    k.wait_for_text("Thank you! Have a nice day.");
    // The next respondent gets the newly active survey.
    k.send(b" ");
    k.wait_for_within(switch, "the palvelupiste survey's welcome", |s| {
        let text = s.contents();
        text.contains("Palvelupisteen asiakaskysely") && text.contains("Aloita")
    });
    k.assert_hides("Pikapalaute");

    // The response was stored under pulssi (read through the kiosk).
    let run = w.ok(["export", "--survey", "pulssi", "--format", "csv"]);
    assert_eq!(
        run.stdout.lines().count(),
        2,
        "one response expected:\n{run}"
    );
    let run = w.ok(["export", "--survey", "palvelupiste", "--format", "csv"]);
    assert_eq!(
        run.stdout.lines().count(),
        1,
        "no response expected:\n{run}"
    );
    quit(&mut k);
}

/// Checks that the kiosk still reacts to a key press and that a tally
/// through it still prints what it did before.
struct Probe<'a> {
    k: &'a PtyKiosk,
    w: &'a Work,
    tally: String,
    presses: usize,
}

impl Probe<'_> {
    /// Presses a key that changes the screen and waits for the change.
    #[track_caller]
    fn press(&mut self, after: &str) {
        // The first question of all-types: 1 and 2 choose in turn.
        let (key, shows) = if self.presses.is_multiple_of(2) {
            (b"2", "(•) Staff")
        } else {
            (b"1", "(•) Resident")
        };
        self.presses += 1;
        self.k.send(key);
        self.k.wait_for(
            &format!("the key press after {after} shows {shows:?}"),
            |s| s.contents().contains(shows),
        );
    }

    /// Presses a key and runs a tally; returns how long the tally took.
    #[track_caller]
    fn check(&mut self, after: &str) -> Duration {
        self.press(after);
        let started = Instant::now();
        let run = self.w.run(["tally", "--format", "json"]);
        let took = started.elapsed();
        assert_eq!(run.code, Some(0), "tally failed after {after}:\n{run}");
        assert_eq!(run.stdout, self.tally, "tally changed after {after}");
        took
    }
}

#[test]
fn garbage_on_the_socket_leaves_the_kiosk_responsive() {
    let w = work();
    w.ok(["load", "src/core/testdata/all_types.toml"]);
    w.ok(["activate", "all-types"]);
    w.ok(["simulate", "--respondents", "40", "--seed", "5"]);
    let mut k = start_kiosk(&w, 80, 24);
    k.send(b"2\r");
    k.wait_for_text("Who are you?");
    let tally = w.ok(["tally", "--format", "json"]).stdout;
    let mut probe = Probe {
        k: &k,
        w: &w,
        tally,
        presses: 0,
    };
    probe.check("nothing");

    // (a) Random bytes: as a whole frame, behind a valid header, and too
    // few to make a header (the sender then hangs up its side).
    for (n, garbage) in [
        noise(64 * 1024, 1),
        [header(998, PROTOCOL), noise(998, 2)].concat(),
        [header(998, PROTOCOL), noise(998, 3)].concat(),
        noise(3, 4),
    ]
    .into_iter()
    .enumerate()
    {
        let mut conn = connect(&w);
        send_raw(&mut conn, &garbage);
        let _ = conn.shutdown(std::net::Shutdown::Write);
        let what = format!("random bytes #{n}");
        let refusal = expect_refusal(&mut conn, &what);
        eprintln!("{what}: {refusal:?}");
        probe.check(&what);
    }

    // (b) A length of 0xFFFFFFFF: refused before anything more is read
    // (the sender keeps its side open and sends no body).
    let mut conn = connect(&w);
    send_raw(&mut conn, &u32::MAX.to_le_bytes());
    let refusal = expect_refusal(&mut conn, "a length of 0xFFFFFFFF");
    if let Refusal::Failed(message) = &refusal {
        assert!(message.contains("over the limit"), "{message}");
    }
    drop(conn);
    probe.check("a length of 0xFFFFFFFF");
    // Just over the limit, with the body following.
    let mut conn = connect(&w);
    send_raw(&mut conn, &(MAX_REQUEST_BYTES + 1).to_le_bytes());
    send_raw(&mut conn, &noise(64 * 1024, 6));
    expect_refusal(&mut conn, "a length just over the limit");
    drop(conn);
    probe.check("a length just over the limit");

    // (c) A well-formed request under another protocol version.
    let mut frame = Vec::new();
    write_frame(&mut frame, &Request::Owner, MAX_REQUEST_BYTES).expect("encode");
    frame[4..6].copy_from_slice(&(PROTOCOL + 1).to_le_bytes());
    let mut conn = connect(&w);
    send_raw(&mut conn, &frame);
    let refusal = expect_refusal(&mut conn, "another protocol version");
    if let Refusal::Failed(message) = &refusal {
        assert!(message.contains("protocol version"), "{message}");
    }
    drop(conn);
    probe.check("another protocol version");

    // (d) A connection that sends nothing and stays open.
    // The tally must not wait for the silent one to time out (the server
    // gives a request 5 s).
    let silent = connect(&w);
    let took = probe.check("a silent connection (still open)");
    let quick = Duration::from_secs(4).max(timeout() / 3);
    assert!(
        took < quick,
        "with a silent connection open, a tally took {took:?}"
    );
    drop(silent);
    probe.check("a silent connection (closed)");

    // (e) 40 connections at once, all silent and open: the kiosk's screen
    // does not wait for them; those over the server's limit are told so.
    let mut flood: Vec<UnixStream> = (0..40).map(|_| connect(&w)).collect();
    probe.press("40 silent connections (still open)");
    let mut told_busy = 0;
    for conn in &mut flood {
        match refusal_within(
            conn,
            Duration::from_millis(20),
            "a connection over the limit",
        ) {
            Some(Refusal::Failed(m)) => {
                assert!(m.contains("other requests"), "{m}");
                told_busy += 1;
            }
            Some(Refusal::Closed) => panic!("a silent connection was closed at once"),
            None => {}
        }
    }
    eprintln!("40 silent connections: {told_busy} were told the owner is busy");
    drop(flood);
    // The server takes requests again once the flood has hung up.
    wait_until("the socket answers again after the flood", || {
        matches!(ask(&w, &Request::Owner), Reply::Owner { .. })
    });
    probe.check("40 silent connections");

    // And 40 real requests at once: each is answered, by the owner or by
    // a "busy" refusal, none left hanging.
    let start = Arc::new(Barrier::new(40));
    let socket = w.socket();
    let askers: Vec<_> = (0..40)
        .map(|_| {
            let (start, socket) = (start.clone(), socket.clone());
            thread::spawn(move || {
                let mut conn = UnixStream::connect(&socket).expect("connect");
                conn.set_read_timeout(Some(Duration::from_secs(5)))
                    .expect("read timeout");
                start.wait();
                // Over the limit, the server may have refused and closed
                // the connection before the request is sent: its reply is
                // still there to read.
                let mut frame = Vec::new();
                write_frame(&mut frame, &Request::Owner, MAX_REQUEST_BYTES).expect("encode");
                send_raw(&mut conn, &frame);
                read_frame::<Reply>(&mut conn, MAX_REPLY_BYTES)
            })
        })
        .collect();
    let mut answered = 0;
    for asker in askers {
        match asker.join().expect("an asking thread") {
            Ok(Reply::Owner { .. }) => answered += 1,
            Ok(Reply::Failed(f)) => assert!(f.message.contains("other requests"), "{f:?}"),
            Ok(other) => panic!("an Owner request got {other:?}"),
            Err(e) => panic!("an Owner request got no reply: {e}"),
        }
    }
    eprintln!("40 requests at once: {answered} answered by the owner");
    assert!(answered > 0, "none of 40 requests was answered");
    probe.check("40 requests at once");

    quit(&mut k);
}

#[test]
fn commands_that_must_own_the_store_get_exit_3_naming_the_kiosk() {
    let w = work();
    w.ok(["load", "surveys/palvelupiste.toml"]);
    w.ok(["simulate", "--respondents", "20", "--seed", "2"]);
    let before = w.ok(["surveys", "--format", "json"]).stdout;
    let mut k = start_kiosk(&w, 80, 24);
    let pid = w.owner_pid();
    // (`pin set` goes through a kiosk in demo mode now: tests/e2e/pin.rs.)
    let run = w.run(["simulate", "--respondents", "5"]);
    run.expect_code(3);
    assert!(
        run.stderr.contains("`kioski kiosk`") && run.stderr.contains(&format!("(pid {pid})")),
        "the refusal does not name the kiosk:\n{run}"
    );
    assert!(k.running(), "the kiosk stopped during {}", run.command);
    // Nothing was stored: the same counts, read through the kiosk, and
    // still no PIN (the demo banner shows).
    let after = w.ok(["surveys", "--format", "json"]).stdout;
    assert_eq!(before, after, "a refused command changed the store");
    k.assert_shows("kioski pin set");
    quit(&mut k);
}

/// `tally` through a running kiosk takes the kiosk's kept counts (issue
/// 16) and prints, in every format and grouping, what a full scan prints.
#[test]
fn a_tally_through_a_kiosk_prints_what_a_full_scan_prints() {
    let w = work();
    w.ok(["load", "surveys/palvelupiste.toml"]);
    w.ok(["simulate", "--respondents", "300", "--seed", "11"]);
    let options: [&[&str]; 6] = [
        &[],
        &["--include-partial", "--include-suspect", "--lang", "sv"],
        &["--by", "group"],
        &["--by", "@terminal", "--period", "month"],
        &["--period", "week"],
        &["--terminal", "nosuch,simulated"],
    ];
    let runs: Vec<Vec<&str>> = ["json", "table", "csv", "markdown"]
        .into_iter()
        .flat_map(|format| {
            options.iter().map(move |o| {
                let mut args = vec!["tally", "--format", format];
                args.extend_from_slice(o);
                args
            })
        })
        .collect();
    let mut k = start_kiosk(&w, 80, 24);
    let through: Vec<Run> = runs
        .iter()
        .map(|args| {
            let run = kioski(args.clone()).store(&w.store).run();
            run.expect_code(0);
            run
        })
        .collect();
    assert!(k.running(), "the kiosk stopped while the tallies ran");
    k.wait_for_text("Aloita");
    quit(&mut k);
    for (args, through) in runs.iter().zip(&through) {
        let full = kioski(args.clone())
            .store(&w.store)
            .env("KIOSKI_FULL_SCAN", Some("1"))
            .run();
        full.expect_code(0);
        assert_eq!(through.stdout, full.stdout, "{args:?}");
    }
}
