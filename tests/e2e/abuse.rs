//! The socket under abuse, served in-process by the library on a real
//! store: a client that dribbles its request, watchers beside requests,
//! `import` of things that are not files, a store path too long for a
//! Unix socket, and settings that break their rule.

use std::io::{ErrorKind, Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use kioski::remote::protocol::{
    MAX_REPLY_BYTES, MAX_REQUEST_BYTES, Reply, Request, SOCKET_FILE, read_frame, write_frame,
};
use kioski::remote::{Client, Server, serve};
use kioski::store::{ReadStore as _, Store};

use crate::support::short_store_dir;

/// A store in a short directory, served on its socket.
struct Served {
    _tmp: tempfile::TempDir,
    store: PathBuf,
    owned: Arc<Store>,
    _server: Server,
}

fn served() -> Served {
    let (tmp, store) = short_store_dir("ka-");
    let owned = Arc::new(Store::open(&store, "kiosk").expect("open the store"));
    let server = serve(owned.clone(), "kiosk", None).expect("serve the store");
    Served {
        _tmp: tmp,
        store,
        owned,
        _server: server,
    }
}

impl Served {
    fn connect(&self) -> UnixStream {
        let conn = UnixStream::connect(self.store.join(SOCKET_FILE)).expect("connect");
        conn.set_read_timeout(Some(Duration::from_secs(3))).unwrap();
        conn.set_write_timeout(Some(Duration::from_secs(3)))
            .unwrap();
        conn
    }

    fn ask(&self, request: &Request) -> Reply {
        let mut conn = self.connect();
        write_frame(&mut conn, request, MAX_REQUEST_BYTES).expect("send a request");
        read_frame(&mut conn, MAX_REPLY_BYTES).expect("read the reply")
    }
}

/// Whether the server has closed `conn` (or replied and closed it).
fn closed(conn: &mut UnixStream) -> bool {
    conn.set_read_timeout(Some(Duration::from_millis(20)))
        .unwrap();
    let mut buf = [0u8; 4096];
    loop {
        match conn.read(&mut buf) {
            Ok(0) => return true,
            // A refusal frame; the close follows.
            Ok(_) => {}
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                return false;
            }
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(_) => return true,
        }
    }
}

#[test]
fn a_client_that_dribbles_its_request_is_dropped_at_the_deadline() {
    let s = served();
    let mut frame = Vec::new();
    write_frame(
        &mut frame,
        &Request::SurveyEntry("x".repeat(200)),
        MAX_REQUEST_BYTES,
    )
    .unwrap();
    let mut conn = s.connect();
    let started = Instant::now();
    let mut dropped_after = None;
    // One byte every 1.5 s: each read is quick, the whole request is not.
    for byte in frame {
        if conn.write_all(&[byte]).is_err() || closed(&mut conn) {
            dropped_after = Some(started.elapsed());
            break;
        }
        if started.elapsed() > Duration::from_secs(14) {
            break;
        }
        thread::sleep(Duration::from_millis(1500));
    }
    let after = dropped_after.unwrap_or_else(|| {
        panic!(
            "a client sending one byte every 1.5 s was still connected after {:?}",
            started.elapsed()
        )
    });
    eprintln!("the dribbling client was dropped after {after:?}");
    assert!(
        after < Duration::from_secs(9),
        "dropped only after {after:?}"
    );
    // The socket still answers.
    assert!(matches!(s.ask(&Request::Owner), Reply::Owner { .. }));
}

#[test]
fn live_view_watchers_do_not_take_request_slots() {
    let s = served();
    let client = Client::connect(&s.store)
        .unwrap()
        .expect("an owner answers");
    // More watchers than the server answers requests at once (16).
    let watchers: Vec<_> = (0..24)
        .map(|i| {
            client
                .watch()
                .unwrap_or_else(|e| panic!("watcher {i} was refused: {e}"))
        })
        .collect();
    for _ in 0..3 {
        match s.ask(&Request::Owner) {
            Reply::Owner { .. } => {}
            other => panic!("with 24 watchers, a request got {other:?}"),
        }
    }
    assert!(client.active().is_ok());
    drop(watchers);
}

/// Runs `f` on a thread; `None` when it has not finished within `wait`
/// (the thread is left behind, blocked).
fn within<T: Send + 'static>(wait: Duration, f: impl FnOnce() -> T + Send + 'static) -> Option<T> {
    let (tx, rx) = mpsc::channel();
    thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(wait).ok()
}

fn mkfifo(path: &Path) {
    let status = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("run mkfifo");
    assert!(status.success(), "mkfifo failed");
}

#[test]
fn import_of_a_fifo_a_directory_or_a_device_is_refused_at_once() {
    let s = served();
    let fifo = s._tmp.path().join("bundle.fifo");
    mkfifo(&fifo);
    let dir = s._tmp.path().to_owned();
    for path in [fifo.clone(), dir, PathBuf::from("/dev/zero")] {
        // Through the socket: the owner opens the file.
        let socket = s.store.join(SOCKET_FILE);
        let request = Request::Import {
            path: path.clone(),
            now_ms: 0,
        };
        let reply = within(Duration::from_secs(3), move || {
            let mut conn = UnixStream::connect(socket).unwrap();
            write_frame(&mut conn, &request, MAX_REQUEST_BYTES).unwrap();
            read_frame::<Reply>(&mut conn, MAX_REPLY_BYTES)
        })
        .unwrap_or_else(|| panic!("importing {} through the socket blocked", path.display()));
        match reply {
            Ok(Reply::Failed(f)) => assert!(
                f.message.contains("not a regular file"),
                "{}: {}",
                path.display(),
                f.message
            ),
            other => panic!("importing {} got {other:?}", path.display()),
        }
        // And where the command line reads it itself.
        let p = path.clone();
        let read = within(Duration::from_secs(3), move || {
            kioski::store::bundle::read_verified(&p).map(|_| ())
        })
        .unwrap_or_else(|| panic!("reading {} as a bundle blocked", path.display()));
        let e = read.expect_err("not a bundle");
        assert!(e.to_string().contains("not a regular file"), "{e}");
    }
    // The socket is still served.
    assert!(matches!(s.ask(&Request::Owner), Reply::Owner { .. }));
}

#[test]
fn a_store_path_too_long_for_a_unix_socket_still_gets_a_working_socket() {
    let (tmp, _) = short_store_dir("kl-");
    let mut deep = tmp.path().to_owned();
    while deep.as_os_str().len() < 140 {
        deep.push("a-rather-long-directory-name");
    }
    let store = deep.join("store");
    assert!(store.join(SOCKET_FILE).as_os_str().len() > 108);
    let owned = Arc::new(Store::open(&store, "kiosk").unwrap());
    owned.set_terminal_name("deep-1").unwrap();
    let server = serve(owned, "kiosk", None).expect("a socket for a deep store");
    let client = Client::connect(&store)
        .unwrap()
        .expect("a client finds the owner of a deep store");
    assert!(
        client.owner().contains("kioski kiosk"),
        "{}",
        client.owner()
    );
    assert_eq!(client.terminal_name().unwrap().as_deref(), Some("deep-1"));
    drop(server);
    assert!(Client::connect(&store).unwrap().is_none());
}

#[test]
fn a_terminal_name_that_breaks_the_rule_is_refused_through_the_socket() {
    let s = served();
    for bad in ["k".repeat(65), String::new(), "a\u{1b}[2Jb".into()] {
        match s.ask(&Request::SetTerminalName(bad.clone())) {
            Reply::Failed(f) => assert!(f.message.contains("terminal name"), "{}", f.message),
            other => panic!("{bad:?} got {other:?}"),
        }
    }
    assert_eq!(s.owned.terminal_name().unwrap(), None);
}

#[test]
fn no_reply_on_the_socket_carries_the_pin_hash() {
    let s = served();
    let hash = kioski::core::pin::hash("482913", &[5; 16]).unwrap();
    s.owned.set_pin_hash(&hash).unwrap();
    let requests = [
        Request::Owner,
        Request::Active,
        Request::SurveyEntries,
        Request::TerminalName,
        Request::PinHash,
        Request::HasPin,
        Request::CheckPin("000000".into()),
        Request::CheckPin("482913".into()),
    ];
    for request in requests {
        let mut conn = s.connect();
        write_frame(&mut conn, &request, MAX_REQUEST_BYTES).unwrap();
        let mut bytes = Vec::new();
        let _ = conn.read_to_end(&mut bytes);
        let text = String::from_utf8_lossy(&bytes);
        assert!(
            !text.contains("$argon2") && !text.contains(&hash[hash.len() - 20..]),
            "{request:?} handed out the PIN hash"
        );
    }
}

#[test]
fn wrong_pins_through_the_socket_count_towards_the_owners_lockout() {
    use kioski::core::pin::{self, PinCheck};
    let s = served();
    s.owned
        .set_pin_hash(&pin::hash("482913", &[5; 16]).unwrap())
        .unwrap();
    let client = Client::connect(&s.store)
        .unwrap()
        .expect("an owner answers");
    assert!(client.has_pin().unwrap());
    for _ in 0..pin::PIN_TRIES {
        assert!(matches!(
            client.check_pin("000000").unwrap(),
            PinCheck::Wrong { .. }
        ));
    }
    // Locked for every prompt: the right PIN is not even checked.
    assert!(matches!(
        client.check_pin("482913").unwrap(),
        PinCheck::Locked { .. }
    ));
    let stored = s.owned.pin_lockout().unwrap();
    assert_eq!(stored.failures, pin::PIN_TRIES);
    assert!(stored.until_ms.is_some());
}
