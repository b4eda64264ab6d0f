#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    clippy::print_stderr
)]
//! End-to-end tests: the real `kioski` binary, run hermetically (see
//! `support`), one test binary so it links once.
//!
//! - `validate`: `kioski validate` on every bad survey in `tests/data/invalid/`
//!   (snapshots) and on generated input (stdin, encodings, sizes).
//! - `locations`: each problem's `FILE:LINE:COL` points at the token the
//!   fixture's `# error at:` lines name.
//! - `help`: every `--help`, snapshotted, so a help change shows in review.
//! - `store`: `load`, `surveys`, `activate`: versions by content, the active
//!   survey, counts.
//! - `export`: `simulate` then CSV, Excel CSV and JSON Lines parsed back;
//!   formula injection; repeatable seeds.
//! - `bundle`: round trip, idempotence, `--since`; truncated, corrupted and
//!   crafted bundles are refused and change nothing.
//! - `backup`: `backup` then `restore` into an empty store, command by
//!   command; through a running kiosk; non-empty stores and damaged files
//!   refused.
//! - `owner`: a second process gets exit 3 naming the owner; damaged,
//!   foreign and newer stores get exit 3, never a panic.
//! - `pin`: `pin set` from stdin stores only an argon2id hash.
//! - `private`: the store is 0700 and its files 0600 (sled's too, old
//!   stores' too), exports and bundles 0600, another user's store refused.
//! - `crash`: SIGKILL at random moments loses no acknowledged response.
//! - `disk`: a full disk (a small tmpfs, root only; skipped elsewhere) at
//!   submit and at open: calm words, nothing lost, stores again once freed;
//!   failed log writes never reach the screen.
//! - `races`: concurrent loads through a kiosk; a bundle never changes the
//!   survey version on screen.
//! - `kiosk`: the real kiosk in a pseudo-terminal (`pty`, read through
//!   vt100): every question type by keys and by mouse, Back, skip logic,
//!   PIN lock-down, idle reset, signals, resizing, a hostile paste; the
//!   store checked after each. Prints key-to-frame latency and idle CPU.
//! - `pg`: a throw-away PostgreSQL cluster per test (skipped when PostgreSQL
//!   is not installed, unless `KIOSKI_REQUIRE_POSTGRES=1`).
//! - `sink`: `kioski::sink` against it: connect, TLS, migrations, push,
//!   reading back.

mod abuse;
mod backup;
mod bundle;
mod codebook;
mod crash;
mod delete;
mod disk;
mod export;
mod flags;
mod golden;
mod handover;
mod help;
mod kiosk;
mod live;
mod locations;
mod owner;
mod pg;
mod pin;
mod pipe;
mod private;
mod prize;
mod pty;
mod races;
mod remote;
mod report;
mod settings;
mod sink;
mod store;
mod support;
mod sync;
mod tally;
mod terminals;
mod theme;
mod validate;
mod views;
mod words;
