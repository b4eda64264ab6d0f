//! `kioski pin set` with the PIN on standard input (not a terminal).

use kioski::core::pin;

use crate::store::with_store;
use crate::support::{TempDir, kioski};

fn pin_hash(store: &std::path::Path) -> Option<String> {
    with_store(store, |s| s.pin_hash().unwrap())
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
