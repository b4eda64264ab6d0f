//! `kioski pin set`, `pin change` and `pin clear`, with the PIN on
//! standard input (not a terminal) or in a `--pin-file`, on a store of
//! their own and through a running kiosk.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use kioski::core::pin;

use crate::pty::{PtyKiosk, keys};
use crate::store::with_store;
use crate::support::{TempDir, kioski, short_store_dir};

fn pin_hash(store: &std::path::Path) -> Option<String> {
    pin_state(store).0
}

/// The stored PIN hash and count of wrong PINs. The store is opened the
/// way `with_store` does, but a lock held for a moment by this process (a
/// test beside this one forking a child while its store was open) is
/// waited out rather than failing the test.
fn pin_state(store: &Path) -> (Option<String>, u32) {
    for _ in 0..100 {
        match kioski::store::Store::open(store, "e2e test") {
            Ok(s) => return (s.pin_hash().unwrap(), s.pin_lockout().unwrap().failures),
            Err(kioski::store::StoreError::InUse { .. }) => {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            Err(e) => panic!("open the store with the library: {e}"),
        }
    }
    with_store(store, |s| {
        (s.pin_hash().unwrap(), s.pin_lockout().unwrap().failures)
    })
}

#[test]
fn pin_set_stores_only_an_argon2id_hash() {
    let store = TempDir::new("pin");
    let run = kioski(["pin", "set"])
        .stdin("482913\n")
        .store(store.path())
        .run();
    run.expect_code(0);
    assert!(
        !run.stdout.contains("482913") && !run.stderr.contains("482913"),
        "the PIN was echoed:\n{run}"
    );
    insta::assert_snapshot!(run.redacted());
    let hash = pin_hash(store.path()).expect("a PIN hash is stored");
    assert!(hash.starts_with("$argon2id$"), "{hash}");
    assert!(!hash.contains("482913"), "{hash}");
    assert!(pin::verify("482913", &hash));
    assert!(!pin::verify("482914", &hash));
    assert!(!pin::verify("482913\n", &hash));
    // The PIN is nowhere in the store's files either.
    assert!(!crate::support::files_contain(store.path(), b"482913"));

    // Setting it again replaces it, with a fresh salt.
    kioski(["pin", "set"])
        .stdin("20261201\r\n")
        .store(store.path())
        .run()
        .expect_code(0);
    let second = pin_hash(store.path()).unwrap();
    assert!(
        pin::verify("20261201", &second),
        "CRLF is not part of the PIN"
    );
    assert!(!pin::verify("482913", &second));
    // The same PIN twice: different hashes (salted).
    kioski(["pin", "set"])
        .stdin("20261201\n")
        .store(store.path())
        .run()
        .expect_code(0);
    let third = pin_hash(store.path()).unwrap();
    assert_ne!(second, third);
    assert!(pin::verify("20261201", &third));
}

#[test]
fn a_bad_pin_is_refused_and_changes_nothing() {
    let store = TempDir::new("pin-bad");
    // A PIN already set stays set when a new one is refused.
    kioski(["pin", "set"])
        .stdin("482913\n")
        .store(store.path())
        .run()
        .expect_code(0);
    let before = pin_hash(store.path()).unwrap();
    let mut transcript = String::new();
    for input in [
        "4321\n",
        "12345\n",
        "\n",
        "",
        "123 456\n",
        "kioski2026\n",
        "123456\u{1b}[2J\n",
    ] {
        let run = kioski(["pin", "set"])
            .stdin(input)
            .store(store.path())
            .run();
        run.expect_code(2);
        assert!(run.stdout.is_empty(), "{run}");
        assert!(run.stderr.starts_with("error: "), "{run}");
        assert!(!run.stderr.contains('\u{1b}'), "{run}");
        transcript.push_str(&format!("# {input:?}\n{}\n", run.redacted()));
    }
    let run = kioski(["pin", "set"])
        .stdin(format!("{}\n", "7".repeat(65)))
        .store(store.path())
        .run();
    run.expect_code(2);
    assert_eq!(pin_hash(store.path()).unwrap(), before);
    assert!(pin::verify("482913", &before));

    // In a fresh store, a refused PIN creates nothing.
    let run = kioski(["pin", "set"]).stdin("12345\n").run();
    run.expect_code(2).expect_store_untouched();
    insta::assert_snapshot!(transcript);
}

fn failures(store: &Path) -> u32 {
    pin_state(store).1
}

/// A PIN file with `mode`.
fn pin_file(dir: &TempDir, name: &str, text: &str, mode: u32) -> PathBuf {
    let path = dir.write(name, text);
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
    path
}

#[test]
fn pin_change_asks_the_old_pin_and_a_wrong_one_counts() {
    let store = TempDir::new("pin-change");
    kioski(["pin", "set"])
        .stdin("482913\n")
        .store(store.path())
        .run()
        .expect_code(0);
    let before = pin_hash(store.path()).unwrap();
    // A wrong old PIN: refused, nothing changed, and counted.
    let run = kioski(["pin", "change"])
        .stdin("000000\n135790\n")
        .store(store.path())
        .run();
    run.expect_code(1);
    assert!(run.stderr.contains("wrong PIN"), "{run}");
    assert!(!run.stderr.contains("000000"), "{run}");
    assert_eq!(pin_hash(store.path()).unwrap(), before);
    assert_eq!(failures(store.path()), 1);
    // A new PIN that breaks the rules changes nothing and is not an attempt.
    let run = kioski(["pin", "change"])
        .stdin("482913\n12\n")
        .store(store.path())
        .run();
    run.expect_code(2);
    assert_eq!(pin_hash(store.path()).unwrap(), before);
    // The right old PIN: the new one holds, and the count starts over.
    let run = kioski(["pin", "change"])
        .stdin("482913\n135790\n")
        .store(store.path())
        .run();
    run.expect_code(0);
    assert_eq!(run.stdout, "The admin PIN is changed.\n", "{run}");
    let after = pin_hash(store.path()).unwrap();
    assert!(pin::verify("135790", &after));
    assert!(!pin::verify("482913", &after));
    assert_eq!(failures(store.path()), 0);
    // Five wrong ones lock the prompt: the right one is then refused too.
    for _ in 0..pin::PIN_TRIES {
        kioski(["pin", "change"])
            .stdin("000000\n111111\n")
            .store(store.path())
            .run()
            .expect_code(1);
    }
    let run = kioski(["pin", "change"])
        .stdin("135790\n111111\n")
        .store(store.path())
        .run();
    run.expect_code(1);
    assert!(run.stderr.contains("locked"), "{run}");
    assert!(pin::verify("135790", &pin_hash(store.path()).unwrap()));
    // Without a PIN there is nothing to change.
    let fresh = TempDir::new("pin-change-none");
    let run = kioski(["pin", "change"])
        .stdin("482913\n135790\n")
        .store(fresh.path())
        .run();
    run.expect_code(1);
    assert!(run.stderr.contains("kioski pin set"), "{run}");
}

#[test]
fn pin_clear_asks_the_pin_and_returns_to_demo_mode() {
    let store = TempDir::new("pin-clear");
    kioski(["pin", "set"])
        .stdin("482913\n")
        .store(store.path())
        .run()
        .expect_code(0);
    let run = kioski(["pin", "clear"])
        .stdin("482914\n")
        .store(store.path())
        .run();
    run.expect_code(1);
    assert!(pin_hash(store.path()).is_some());
    assert_eq!(failures(store.path()), 1);
    let run = kioski(["pin", "clear"])
        .stdin("482913\n")
        .store(store.path())
        .run();
    run.expect_code(0);
    assert!(run.stdout.contains("demo mode"), "{run}");
    assert_eq!(pin_hash(store.path()), None);
    assert_eq!(failures(store.path()), 0);
    // Clearing again: nothing to do, said so.
    let run = kioski(["pin", "clear"]).stdin("").store(store.path()).run();
    run.expect_code(0);
    assert!(run.stdout.contains("No admin PIN is set"), "{run}");
}

#[test]
fn the_pin_comes_from_a_private_pin_file() {
    let store = TempDir::new("pin-file");
    let files = TempDir::new("pin-file-files");
    let first = pin_file(&files, "first", "482913\n", 0o600);
    let second = pin_file(&files, "second", "135790", 0o400);
    let open = pin_file(&files, "open", "482913\n", 0o644);
    let two_lines = pin_file(&files, "two", "482913\n135790\n", 0o600);
    let set = |file: &Path| {
        kioski([
            "pin".as_ref(),
            "set".as_ref(),
            "--pin-file".as_ref(),
            file.as_os_str(),
        ])
        .store(store.path())
        .run()
    };
    set(&first).expect_code(0);
    assert!(pin::verify("482913", &pin_hash(store.path()).unwrap()));
    // Anyone may read it: refused, with the fix.
    let run = set(&open);
    run.expect_code(2);
    assert!(run.stderr.contains("chmod 600"), "{run}");
    // Not one line, a directory, a FIFO, or missing: refused.
    for bad in [
        two_lines.clone(),
        files.path().to_owned(),
        PathBuf::from("/dev/null"),
    ] {
        let run = set(&bad);
        run.expect_code(2);
        assert!(run.stderr.contains("error: "), "{run}");
    }
    set(&files.path().join("none")).expect_code(2);
    assert!(pin::verify("482913", &pin_hash(store.path()).unwrap()));
    // change: the old PIN from one file, the new from another.
    let run = kioski([
        "pin".as_ref(),
        "change".as_ref(),
        "--old-pin-file".as_ref(),
        first.as_os_str(),
        "--pin-file".as_ref(),
        second.as_os_str(),
    ])
    .store(store.path())
    .run();
    run.expect_code(0);
    assert!(pin::verify("135790", &pin_hash(store.path()).unwrap()));
    let run = kioski([
        "pin".as_ref(),
        "clear".as_ref(),
        "--pin-file".as_ref(),
        second.as_os_str(),
    ])
    .store(store.path())
    .run();
    run.expect_code(0);
    assert_eq!(pin_hash(store.path()), None);
}

/// `pin set`, `change` and `clear` through a running kiosk, which leaves
/// and enters demo mode at its next welcome screen.
#[test]
fn set_change_and_clear_through_a_running_kiosk() {
    let (_tmp, store) = short_store_dir("kp-");
    let mut k = PtyKiosk::start(&store);
    k.wait_for_text("kioski pin set");
    let run = kioski(["pin", "set"]).stdin("482913\n").store(&store).run();
    run.expect_code(0);
    // The demo banner goes; Ctrl-C no longer quits.
    k.wait_for_gone("kioski pin set");
    k.send(keys::CTRL_C);
    k.wait_quiet(std::time::Duration::from_millis(300));
    assert!(k.running(), "Ctrl-C quit a kiosk with a PIN");
    // Set again through the kiosk: refused, the PIN stays.
    let run = kioski(["pin", "set"]).stdin("111111\n").store(&store).run();
    run.expect_code(1);
    assert!(run.stderr.contains("kioski pin change"), "{run}");
    // A wrong old PIN is refused and counted by the kiosk.
    let run = kioski(["pin", "change"])
        .stdin("000000\n135790\n")
        .store(&store)
        .run();
    run.expect_code(1);
    assert!(run.stderr.contains("1 wrong PIN"), "{run}");
    let run = kioski(["pin", "change"])
        .stdin("482913\n135790\n")
        .store(&store)
        .run();
    run.expect_code(0);
    // Clearing takes the PIN set now, and brings demo mode back.
    let run = kioski(["pin", "clear"])
        .stdin("482913\n")
        .store(&store)
        .run();
    run.expect_code(1);
    let run = kioski(["pin", "clear"])
        .stdin("135790\n")
        .store(&store)
        .run();
    run.expect_code(0);
    k.wait_for_text("kioski pin set");
    // In demo mode again, so `pin set` goes through once more; the
    // kiosk's own prompt takes the PIN just set.
    kioski(["pin", "set"])
        .stdin("246810\n")
        .store(&store)
        .run()
        .expect_code(0);
    k.wait_for_gone("kioski pin set");
    k.send(keys::EXIT_CHORD);
    k.wait_quiet(std::time::Duration::from_millis(200));
    k.send(b"246810");
    k.wait_for_text("••••••");
    k.send(keys::ENTER);
    assert_eq!(k.wait_exit(), 0);
    assert!(pin::verify("246810", &pin_hash(&store).unwrap()));
}

/// On a terminal the PINs are asked without echo: the current one once,
/// the new one twice; two new PINs that differ change nothing.
#[test]
fn pin_change_on_a_terminal_asks_without_echo() {
    let store = TempDir::new("pin-tty");
    kioski(["pin", "set"])
        .stdin("482913\n")
        .store(store.path())
        .run()
        .expect_code(0);
    let change = |new_again: &str| {
        let mut p = PtyKiosk::builder(store.path())
            .args(["pin", "change"])
            .start();
        // Typed once the prompt has turned echo off, as a person would.
        let answer = |p: &PtyKiosk, prompt: &str, pin: &str| {
            p.wait_for_text(prompt);
            crate::support::wait_until("echo off", || p.stty().contains(" -echo "));
            p.send(format!("{pin}\r").as_bytes());
        };
        answer(&p, "Current admin PIN:", "482913");
        answer(&p, "New admin PIN:", "135790");
        answer(&p, "The same PIN again:", new_again);
        let code = p.wait_exit();
        let text = p.text();
        assert!(
            !text.contains("482913") && !text.contains("135790"),
            "echoed:\n{text}"
        );
        (code, text)
    };
    let (code, text) = change("135791");
    assert_eq!(code, 2, "{text}");
    assert!(text.contains("the two PINs differ"), "{text}");
    assert!(pin::verify("482913", &pin_hash(store.path()).unwrap()));
    let (code, text) = change("135790");
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("The admin PIN is changed."), "{text}");
    assert!(pin::verify("135790", &pin_hash(store.path()).unwrap()));
}
