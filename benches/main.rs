//! kioski's benchmarks: one criterion harness, one file per subject.
//! Figures, goals and the machine are in docs/performance.md.
// Benchmarks report figures on the terminal; only the CLI must not print.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use criterion::{criterion_group, criterion_main};

/// The same allocator as the `kioski` binary (src/main.rs), so that the
/// store's figures here match the command line's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod main {
    pub mod core;
    pub mod kiosk;
    pub mod store;
}

criterion_group!(
    benches,
    main::core::benches,
    main::kiosk::benches,
    main::store::benches
);
criterion_main!(benches);
