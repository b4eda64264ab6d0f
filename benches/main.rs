//! kioski's benchmarks: one criterion harness, one file per subject.

use criterion::{criterion_group, criterion_main};

mod main {
    pub mod core;
}

criterion_group!(benches, main::core::benches);
criterion_main!(benches);
