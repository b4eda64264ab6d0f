#![allow(clippy::unwrap_used, clippy::expect_used)]
//! End-to-end tests: the real `kioski` binary, run hermetically (see
//! `support`), one test binary so it links once.
//!
//! - `validate`: `kioski validate` on every bad survey in `tests/data/invalid/`
//!   (snapshots) and on generated input (stdin, encodings, sizes).
//! - `locations`: each problem's `FILE:LINE:COL` points at the token the
//!   fixture's `# error at:` lines name.
//! - `help`: every `--help`, snapshotted, so a help change shows in review.

mod help;
mod locations;
mod support;
mod validate;
