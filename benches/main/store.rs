//! The store: durable submit beside a bare write + fdatasync, and export.
//!
//! The goal for a durable submit is stated as a tail ("p99 within 2x of a
//! bare fsync", docs/performance.md), and criterion reports means, so the
//! durable-submit bench also keeps every single latency and prints
//! p50/p90/p99/max of both halves when it is done. Each iteration is a
//! pair: one `Store::submit`, then a bare `write_all` + `sync_data` of the
//! same number of bytes (that response's encoded record) appended to a file
//! in the same temporary directory. Interleaving puts both under the same
//! disk weather; only the submit counts toward criterion's figure.

use std::fs::{File, OpenOptions};
use std::hint::black_box;
use std::io::{self, Write};
use std::path::Path;
use std::time::{Duration, Instant};

use criterion::{BatchSize, Criterion};
use kioski::core::response::Response;
use kioski::core::simulate::{Setup, respondent};
use kioski::core::survey::Survey;
use kioski::core::validate::survey_from_str;
use kioski::core::version::VersionHash;
use kioski::store::export::{Format, export};
use kioski::store::{Store, record};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

const SURVEY: &str = include_str!("../../surveys/palvelupiste.toml");
const NOW_MS: i64 = 1_790_000_000_000;
/// Responses in the store that the export benches read.
const EXPORT_ROWS: usize = 10_000;

pub fn benches(c: &mut Criterion) {
    let Ok(survey) = survey_from_str(SURVEY) else {
        eprintln!("store benches skipped: surveys/palvelupiste.toml does not validate");
        return;
    };
    if let Err(e) = durable(c, &survey) {
        eprintln!("store/durable benches failed: {e}");
    }
    if let Err(e) = exports(c, &survey) {
        eprintln!("store/export benches failed: {e}");
    }
}

/// Makes respondents to one survey, walking through the past year in
/// order as `kioski simulate` does, so ids arrive nearly in time order.
struct Respondents<'a> {
    rng: ChaCha8Rng,
    setup: Setup<'a>,
    made: u64,
    /// How many make up one pass through the year.
    per_year: u64,
}

impl<'a> Respondents<'a> {
    fn new(survey: &'a Survey, seed: u64, per_year: u64) -> Self {
        Respondents {
            rng: ChaCha8Rng::seed_from_u64(seed),
            setup: Setup {
                survey,
                version: VersionHash::of(survey),
                terminal: "bench",
                now_ms: NOW_MS,
                utc_offset_ms: 0,
            },
            made: 0,
            per_year,
        }
    }

    fn next(&mut self) -> Response {
        let progress = (self.made % self.per_year) as f64 / self.per_year as f64;
        self.made += 1;
        respondent(&mut self.rng, &self.setup, progress)
    }
}

type BenchResult = Result<(), Box<dyn std::error::Error>>;

/// A store with `survey` loaded, in its own temporary directory. The
/// store is dropped (its lock released) before the directory goes.
fn open_store(survey: &Survey) -> Result<(Store, tempfile::TempDir), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let store = Store::open(&dir.path().join("store"), "bench")?;
    store.load(survey, SURVEY, NOW_MS)?;
    Ok((store, dir))
}

/// The comparison: what a hand-written append-only log would pay.
fn bare_append(file: &mut File, bytes: &[u8]) -> io::Result<()> {
    file.write_all(bytes)?;
    file.sync_data()
}

fn bare_file(dir: &Path) -> io::Result<File> {
    OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join("bare.log"))
}

fn durable(c: &mut Criterion, survey: &Survey) -> BenchResult {
    let (store, dir) = open_store(survey)?;
    let mut bare = bare_file(dir.path())?;
    let mut respondents = Respondents::new(survey, 1, 100_000);
    // One record's worth of bytes, whatever its size; the content does not
    // matter to the disk.
    let filler = vec![0x5a_u8; 64 * 1024];

    let mut submit_ns: Vec<u64> = Vec::new();
    let mut bare_ns: Vec<u64> = Vec::new();
    let mut sizes: Vec<usize> = Vec::new();
    let mut failure: Option<String> = None;

    let mut group = c.benchmark_group("store");
    group
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(8));
    group.bench_function("durable submit (paired with a bare fdatasync)", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let response = respondents.next();
                let size = record::encode_response(&response).map_or(0, |bytes| bytes.len());
                let start = Instant::now();
                let submitted = store.submit(&response);
                let took = start.elapsed();
                total += took;
                let start = Instant::now();
                let synced = bare_append(&mut bare, &filler[..size.min(filler.len())]);
                let bare_took = start.elapsed();
                match (submitted, synced) {
                    (Ok(()), Ok(())) => {
                        submit_ns.push(took.as_nanos() as u64);
                        bare_ns.push(bare_took.as_nanos() as u64);
                        sizes.push(size);
                    }
                    (Err(e), _) => failure = Some(format!("submit: {e}")),
                    (_, Err(e)) => failure = Some(format!("bare write: {e}")),
                }
            }
            total
        })
    });

    // The same bare write on its own, for criterion's mean beside the
    // submit's; the size is the median record's.
    let mut sorted_sizes = sizes.clone();
    sorted_sizes.sort_unstable();
    let size = sorted_sizes
        .get(sorted_sizes.len() / 2)
        .copied()
        .unwrap_or(160);
    group.bench_function(format!("bare write_all + fdatasync ({size} bytes)"), |b| {
        b.iter(|| {
            if let Err(e) = bare_append(&mut bare, &filler[..size]) {
                failure = Some(format!("bare write: {e}"));
            }
        })
    });

    // A fresh response is made outside the timing for every submit.
    group.bench_function("record::encode_response (no write)", |b| {
        b.iter_batched(
            || respondents.next(),
            |r| record::encode_response(black_box(&r)),
            BatchSize::SmallInput,
        )
    });
    group.finish();

    if let Some(why) = failure {
        return Err(why.into());
    }
    print_latencies(&submit_ns, &bare_ns, &sorted_sizes);
    drop(store);
    drop(dir);
    Ok(())
}

/// Nearest-rank percentile of sorted values. The latencies include
/// criterion's warm-up iterations: they are real submits too.
fn percentile(sorted: &[u64], p: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn print_latencies(submit: &[u64], bare: &[u64], sizes: &[usize]) {
    let mut submit = submit.to_vec();
    let mut bare = bare.to_vec();
    submit.sort_unstable();
    bare.sort_unstable();
    let us = |ns: u64| ns as f64 / 1000.0;
    let row = |name: &str, v: &[u64]| {
        println!(
            "| {name} | {} | {:.0} | {:.0} | {:.0} | {:.0} |",
            v.len(),
            us(percentile(v, 50.0)),
            us(percentile(v, 90.0)),
            us(percentile(v, 99.0)),
            us(percentile(v, 100.0)),
        );
    };
    println!();
    println!(
        "Durable submit vs bare write + fdatasync, interleaved pairs (record sizes {}..{} bytes, median {}):",
        sizes.first().copied().unwrap_or(0),
        sizes.last().copied().unwrap_or(0),
        sizes.get(sizes.len() / 2).copied().unwrap_or(0),
    );
    println!();
    println!("| latency (µs) | n | p50 | p90 | p99 | max |");
    println!("|---|---:|---:|---:|---:|---:|");
    row("`Store::submit` (check, insert, flush, fdatasync)", &submit);
    row("bare `write_all` + `sync_data`, same bytes", &bare);
    let ratio = |p: f64| percentile(&submit, p) as f64 / percentile(&bare, p).max(1) as f64;
    println!();
    println!(
        "submit / bare: p50 {:.2}x, p99 {:.2}x (goal: p99 within 2x)",
        ratio(50.0),
        ratio(99.0)
    );
    println!();
}

fn exports(c: &mut Criterion, survey: &Survey) -> BenchResult {
    let (store, dir) = open_store(survey)?;
    let mut respondents = Respondents::new(survey, 2, EXPORT_ROWS as u64);
    let batch: Vec<Response> = (0..EXPORT_ROWS).map(|_| respondents.next()).collect();
    store.submit_many(&batch)?;

    let mut failure: Option<String> = None;
    let mut group = c.benchmark_group("store");
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    for (name, format) in [("csv", Format::Csv), ("jsonl", Format::Jsonl)] {
        group.bench_function(
            format!("export {EXPORT_ROWS} responses as {name} to io::sink"),
            |b| {
                b.iter(
                    || match export(&store, &survey.id, format, &mut io::sink()) {
                        Ok(rows) => rows,
                        Err(e) => {
                            failure = Some(e.to_string());
                            0
                        }
                    },
                )
            },
        );
    }
    group.bench_function(format!("read and decode {EXPORT_ROWS} responses"), |b| {
        b.iter(|| store.responses(&survey.id).filter(Result::is_ok).count())
    });
    group.finish();
    drop(store);
    drop(dir);
    match failure {
        Some(why) => Err(why.into()),
        None => Ok(()),
    }
}
