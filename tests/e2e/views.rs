//! The live view in the real binary, in a PTY: its language comes from
//! `--lang`, else the locale (`LC_ALL`, `LC_MESSAGES`, `LANG`), else
//! English; and rows that do not fit can be scrolled to the first.

use crate::pty::PtyKiosk;
use crate::support::{kioski, short_store_dir};

const HOME: &[u8] = b"\x1b[H";
const PAGE_DOWN: &[u8] = b"\x1b[6~";

/// A store with the palvelupiste survey and `n` simulated respondents.
fn store(n: u32) -> (tempfile::TempDir, std::path::PathBuf) {
    let (tmp, store) = short_store_dir("kv-");
    for args in [
        vec!["load", "surveys/palvelupiste.toml"],
        vec!["simulate", "--respondents", &n.to_string(), "--seed", "17"],
    ] {
        kioski(args).store(&store).run().expect_code(0);
    }
    (tmp, store)
}

#[test]
fn lang_fi_in_the_environment_speaks_finnish() {
    let (_tmp, store) = store(30);
    let live = PtyKiosk::builder(&store)
        .args(["tally", "--live"])
        .env("LANG", "fi_FI.UTF-8")
        .size(100, 30)
        .start();
    live.wait_for_text("Reaaliaikainen tulos");
    live.assert_shows("vastausta");
    live.assert_shows("q lopeta");
    live.assert_hides("Live tally");
    live.send(b"q");
}

#[test]
fn the_flag_wins_over_the_environment() {
    let (_tmp, store) = store(30);
    let live = PtyKiosk::builder(&store)
        .args(["tally", "--live", "--lang", "sv"])
        .env("LC_ALL", "fi_FI.UTF-8")
        .size(100, 30)
        .start();
    live.wait_for_text("Resultat i realtid");
    live.assert_shows("avsluta");
    // The survey's own texts follow too.
    live.assert_shows("Vilket helhetsbetyg");
    live.send(b"q");
}

#[test]
fn nothing_set_is_english() {
    let (_tmp, store) = store(30);
    let live = PtyKiosk::builder(&store)
        .args(["tally", "--live"])
        .size(100, 30)
        .start();
    live.wait_for_text("Live tally");
    live.assert_shows("q quit");
    live.send(b"q");
}

#[test]
fn the_admin_view_speaks_swedish() {
    let (_tmp, store) = store(5);
    let admin = PtyKiosk::builder(&store)
        .args(["admin"])
        .env("LANG", "sv_FI.UTF-8")
        .size(100, 30)
        .start();
    admin.wait_for_text("äger databasen");
    admin.assert_shows("TITEL");
    admin.assert_shows("q avsluta");
    admin.send(b"q");
}

#[test]
fn a_store_with_many_rows_scrolls_to_its_first_row() {
    let (_tmp, store) = store(400);
    let live = PtyKiosk::builder(&store)
        .args(["tally", "--live", "--by", "compared", "--period", "week"])
        .size(100, 30)
        .start();
    // The newest rows first, and the footer says the rows scroll.
    live.wait_for_text("↑↓ rows");
    live.assert_hides("Rows 1–");
    // The row under the "Rows a–b of n" line.
    let first_shown = |s: &vt100::Screen| {
        let text = s.contents();
        let mut lines = text.lines().skip_while(|l| !l.contains("Rows "));
        lines.nth(1).map(|l| l.trim().to_owned())
    };
    let newest = live.screen(first_shown);
    live.send(HOME);
    live.wait_for_text("Rows 1–");
    // The first row is the first option's oldest week.
    let first = live.screen(first_shown).unwrap_or_default();
    assert!(first.trim_start().starts_with("Parantunut · "), "{first}");
    assert_ne!(Some(first), newest);
    // Pages go down again.
    live.send(PAGE_DOWN);
    live.wait_for("a page further down", |s| {
        !s.contents().contains("Rows 1–") && s.contents().contains("Rows ")
    });
    live.send(b"q");
}
