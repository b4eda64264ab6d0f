//! `kioski bundle export|import`: moving responses between terminals.
//!
//! A round trip into an empty store, idempotence, `--since`, and bundles
//! that are truncated at every length, corrupted at every byte, or crafted
//! to be hostile: each is refused with exit 1 and changes nothing.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use kioski::core::answer::Answer;
use kioski::core::response::Response;
use kioski::store::bundle::{self, BundleError, BundleHeader};
use kioski::store::codec;
use sha2::{Digest, Sha256};

use crate::store::{surveys_json, with_store};
use crate::support::{Run, TempDir, kioski, volatile_filters};

/// Runs `kioski ARGS` in `work` on `store`.
fn run_in(work: &Path, store: &Path, args: &[&str]) -> Run {
    kioski(args).current_dir(work).store(store).run()
}

/// Loads `surveys/ID.toml` into `store` and simulates `n` responses to it.
fn fill(store: &Path, id: &str, n: u32, seed: u32) {
    let file = format!("surveys/{id}.toml");
    kioski(["load", file.as_str()])
        .store(store)
        .run()
        .expect_code(0);
    let (n, seed) = (n.to_string(), seed.to_string());
    kioski([
        "simulate",
        "--survey",
        id,
        "--respondents",
        &n,
        "--seed",
        &seed,
    ])
    .store(store)
    .run()
    .expect_code(0);
}

/// `kioski export --survey ID` of `store`, as CSV text.
fn export_csv(store: &Path, id: &str) -> String {
    let run = kioski(["export", "--survey", id]).store(store).run();
    run.expect_code(0);
    run.stdout
}

/// Every file under `dir` with its bytes: to show that nothing changed.
fn files(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut todo = vec![dir.to_owned()];
    while let Some(d) = todo.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                todo.push(path);
            } else {
                out.insert(path.clone(), std::fs::read(&path).unwrap());
            }
        }
    }
    out
}

/// What a person can see of a store: its surveys and every export.
fn visible(store: &Path) -> String {
    let rows = surveys_json(store);
    let mut out = serde_json::to_string_pretty(&rows).unwrap();
    for row in &rows {
        out.push_str(&export_csv(store, row["id"].as_str().unwrap()));
    }
    out
}

fn response_count(store: &Path) -> usize {
    with_store(store, |s| {
        s.survey_entries()
            .unwrap()
            .iter()
            .map(|e| s.responses(&e.id).map(Result::unwrap).count())
            .sum()
    })
}

#[test]
fn bundle_round_trip_into_an_empty_store() {
    let work = TempDir::new("bundle-trip");
    let (a, b) = (work.path().join("a"), work.path().join("b"));
    fill(&a, "palvelupiste", 150, 11);
    fill(&a, "pulssi", 50, 12);
    let mut transcript = String::new();

    let run = run_in(work.path(), &a, &["bundle", "export", "--out", "a.kioski"]);
    run.expect_code(0);
    assert_eq!(
        run.stdout,
        "Wrote 200 responses and 2 survey versions to a.kioski.\n"
    );
    transcript.push_str(&run.redacted());
    let leftovers: Vec<_> = std::fs::read_dir(work.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n.to_string_lossy().contains("partial"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    // Into an empty store, twice: the second time adds nothing.
    let run = run_in(work.path(), &b, &["bundle", "import", "a.kioski"]);
    run.expect_code(0);
    assert_eq!(
        run.stdout,
        "a.kioski: 200 new responses, 0 already present, 2 new survey versions.\n"
    );
    transcript.push_str(&run.redacted());
    let after_first = visible(&b);
    let run = run_in(work.path(), &b, &["bundle", "import", "a.kioski"]);
    run.expect_code(0);
    assert_eq!(
        run.stdout,
        "a.kioski: 0 new responses, 200 already present, 0 new survey versions.\n"
    );
    transcript.push_str(&run.redacted());
    assert_eq!(
        visible(&b),
        after_first,
        "a second import changed the store"
    );

    // The second store exports the same rows as the first.
    for id in ["palvelupiste", "pulssi"] {
        let (csv_a, csv_b) = (export_csv(&a, id), export_csv(&b, id));
        assert_eq!(csv_a.lines().count(), if id == "pulssi" { 51 } else { 151 });
        assert_eq!(csv_a, csv_b, "{id}: the stores export different rows");
    }
    let (rows_a, rows_b) = (surveys_json(&a), surveys_json(&b));
    for (ra, rb) in rows_a.iter().zip(&rows_b) {
        for key in [
            "id",
            "versions",
            "latest",
            "complete",
            "partial",
            "first_response",
            "last_response",
        ] {
            assert_eq!(ra[key], rb[key], "{key}");
        }
    }
    assert_eq!(rows_a.len(), rows_b.len());
    // Whole records, not just what the export shows.
    let all = |dir: &Path| -> Vec<Response> {
        with_store(dir, |s| {
            ["palvelupiste", "pulssi"]
                .iter()
                .flat_map(|id| s.responses(id).map(Result::unwrap).collect::<Vec<_>>())
                .collect()
        })
    };
    assert_eq!(all(&a), all(&b));
    with_store(&b, |s| assert!(s.active().unwrap().is_some()));

    // Back into the store it came from: nothing new.
    let run = run_in(work.path(), &a, &["bundle", "import", "a.kioski"]);
    run.expect_code(0);
    assert!(
        run.stdout
            .contains(": 0 new responses, 200 already present, 0 new")
    );

    // Two terminals merged: B gets more answers, A's bundle and B's own
    // answers are kept apart by id.
    fill(&b, "pulssi", 30, 13);
    let run = run_in(work.path(), &b, &["bundle", "export", "--out", "b.kioski"]);
    run.expect_code(0);
    assert!(run.stdout.starts_with("Wrote 230 responses"), "{run}");
    let run = run_in(
        work.path(),
        &a,
        &["bundle", "import", "b.kioski", "a.kioski"],
    );
    run.expect_code(0);
    assert_eq!(
        run.stdout,
        "b.kioski: 30 new responses, 200 already present, 0 new survey versions.\n\
         a.kioski: 0 new responses, 200 already present, 0 new survey versions.\n"
    );
    transcript.push_str(&run.redacted());
    assert_eq!(export_csv(&a, "pulssi"), export_csv(&b, "pulssi"));

    volatile_filters().bind(|| insta::assert_snapshot!(transcript));
}

#[test]
fn bundle_since_and_survey_filters() {
    let work = TempDir::new("bundle-since");
    let (a, c) = (work.path().join("a"), work.path().join("c"));
    fill(&a, "palvelupiste", 300, 21);
    fill(&a, "pulssi", 10, 22);

    // A day in the middle of the simulated year (the runs use TZ=UTC).
    let submitted: Vec<(uuid::Uuid, i64)> = with_store(&a, |s| {
        s.responses("palvelupiste")
            .map(|r| r.map(|r| (r.id, r.submitted_ms)).unwrap())
            .collect()
    });
    let middle = submitted[150].1;
    let day = jiff::Timestamp::from_millisecond(middle)
        .unwrap()
        .to_zoned_datetime(jiff::tz::TimeZone::UTC)
        .date();
    let since_ms = day
        .to_zoned_datetime(jiff::tz::TimeZone::UTC)
        .unwrap()
        .timestamp()
        .as_millisecond();
    let expected: HashSet<uuid::Uuid> = submitted
        .iter()
        .filter(|(_, t)| *t >= since_ms)
        .map(|(id, _)| *id)
        .collect();
    assert!(
        expected.len() > 50 && expected.len() < 250,
        "{}",
        expected.len()
    );

    let day = day.to_string();
    let run = run_in(
        work.path(),
        &a,
        &[
            "bundle",
            "export",
            "--survey",
            "palvelupiste",
            "--since",
            &day,
            "--out",
            "since.kioski",
        ],
    );
    run.expect_code(0);
    assert_eq!(
        run.stdout,
        format!(
            "Wrote {} responses and 1 survey version to since.kioski.\n",
            expected.len()
        )
    );
    let run = run_in(work.path(), &c, &["bundle", "import", "since.kioski"]);
    run.expect_code(0);
    let got: HashSet<uuid::Uuid> = with_store(&c, |s| {
        assert!(s.survey_entry("pulssi").unwrap().is_none());
        s.responses("palvelupiste").map(|r| r.unwrap().id).collect()
    });
    assert_eq!(got, expected);

    // Only one survey.
    let run = run_in(
        work.path(),
        &a,
        &[
            "bundle", "export", "--survey", "pulssi", "--out", "p.kioski",
        ],
    );
    run.expect_code(0);
    assert_eq!(
        run.stdout,
        "Wrote 10 responses and 1 survey version to p.kioski.\n"
    );
    let path = work.path().join("p.kioski");
    let v = bundle::read_verified(&path).unwrap();
    assert_eq!(v.responses, 10);
    let responses = bundle::read_responses(&path, &v).unwrap();
    assert_eq!(responses.len(), 10);
    assert!(responses.iter().all(|r| r.survey == "pulssi"));
    assert_eq!(v.header.responses, 10);

    // Since a day after every response: an empty bundle, which imports.
    let run = run_in(
        work.path(),
        &a,
        &[
            "bundle",
            "export",
            "--since",
            "2999-01-01",
            "--out",
            "empty.kioski",
        ],
    );
    run.expect_code(0);
    assert!(
        run.stdout
            .starts_with("Wrote 0 responses and 0 survey versions"),
        "{run}"
    );
    let run = run_in(work.path(), &c, &["bundle", "import", "empty.kioski"]);
    run.expect_code(0);
    assert!(
        run.stdout.contains("0 new responses, 0 already present"),
        "{run}"
    );

    // Mistakes: a bad date (usage, exit 2), an unknown survey (exit 1);
    // neither writes a file.
    let mut transcript = String::new();
    for (args, code) in [
        (
            vec![
                "bundle",
                "export",
                "--since",
                "last tuesday",
                "--out",
                "x.kioski",
            ],
            2,
        ),
        (
            vec![
                "bundle", "export", "--survey", "nosuch", "--out", "x.kioski",
            ],
            1,
        ),
        (vec!["bundle", "import", "missing.kioski"], 1),
    ] {
        let run = run_in(work.path(), &a, &args);
        run.expect_code(code);
        assert!(run.stderr.contains("hint:"), "{run}");
        transcript.push_str(&run.redacted());
        transcript.push('\n');
    }
    assert!(!work.path().join("x.kioski").exists());
    let names: Vec<String> = std::fs::read_dir(work.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("partial"))
        .collect();
    assert!(names.is_empty(), "{names:?}");
    volatile_filters().bind(|| insta::assert_snapshot!(transcript));
}

/// A store with a few answers of its own, a small bundle from another
/// store, and what the first store shows, for "nothing changed" checks.
struct Target {
    work: TempDir,
    store: PathBuf,
    bundle: Vec<u8>,
    before: String,
    count: usize,
}

impl Target {
    fn new(label: &str) -> Target {
        let work = TempDir::new(label);
        let (a, store) = (work.path().join("a"), work.path().join("b"));
        fill(&a, "palvelupiste", 20, 31);
        run_in(
            work.path(),
            &a,
            &["bundle", "export", "--out", "small.kioski"],
        )
        .expect_code(0);
        let bundle = std::fs::read(work.path().join("small.kioski")).unwrap();
        fill(&store, "palvelupiste", 5, 32);
        let before = visible(&store);
        let count = response_count(&store);
        assert_eq!(count, 5);
        Target {
            work,
            store,
            bundle,
            before,
            count,
        }
    }

    /// `kioski bundle import NAME` of `bytes`: refused with exit 1.
    fn refused(&self, name: &str, bytes: &[u8]) -> Run {
        std::fs::write(self.work.path().join(name), bytes).unwrap();
        let run = run_in(self.work.path(), &self.store, &["bundle", "import", name]);
        run.expect_code(1);
        assert!(run.stdout.is_empty(), "{run}");
        assert!(
            run.stderr.starts_with(&format!("error: {name}: "))
                && run.stderr.contains("nothing was imported"),
            "{run}"
        );
        run
    }

    fn assert_unchanged(&self) {
        assert_eq!(visible(&self.store), self.before, "the store changed");
        assert_eq!(response_count(&self.store), self.count);
    }
}

#[test]
fn every_truncation_is_refused_and_changes_nothing() {
    let t = Target::new("bundle-truncated");
    let full = t.bundle.len();
    assert!(full > 1000, "a bundle of 20 responses has {full} bytes");

    // Every length, through the library (no store involved).
    let path = t.work.path().join("cut.kioski");
    let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
    for len in 0..full {
        std::fs::write(&path, &t.bundle[..len]).unwrap();
        match bundle::read_verified(&path) {
            Ok(v) => panic!(
                "a bundle cut to {len} of {full} bytes was accepted ({} responses)",
                v.responses
            ),
            Err(e) => {
                let kind = match e {
                    BundleError::NotABundle => "not a bundle",
                    BundleError::Damaged(_) => "damaged",
                    _ => "other",
                };
                *kinds.entry(kind.to_owned()).or_default() += 1;
            }
        }
    }
    // Only a cut inside the 8-byte mark may look like "not a bundle".
    assert!(
        kinds.get("not a bundle").copied().unwrap_or(0) <= 8,
        "{kinds:?}"
    );
    assert_eq!(kinds.get("other"), None, "{kinds:?}");
    // A byte too many is refused as well.
    let mut longer = t.bundle.clone();
    longer.push(0);
    std::fs::write(&path, &longer).unwrap();
    assert!(bundle::read_verified(&path).is_err());

    // A handful through the binary, on a store that holds answers: its
    // files do not change by a single byte.
    let files_before = files(&t.store);
    let mut transcript = String::new();
    for (label, len) in [
        ("empty", 0),
        ("inside-the-mark", 7),
        ("just-the-mark", 8),
        ("mark-and-format", 10),
        ("first-record-kind", 11),
        ("inside-the-first-length", 13),
        ("half", full / 2),
        ("before-the-end-mark", full - 33),
        ("without-the-checksum", full - 32),
        ("last-byte-missing", full - 1),
    ] {
        let run = t.refused(&format!("cut-{label}.kioski"), &t.bundle[..len]);
        transcript.push_str(&run.redacted());
        transcript.push('\n');
    }
    let run = t.refused("longer.kioski", &longer);
    transcript.push_str(&run.redacted());
    assert!(files(&t.store) == files_before, "the store's files changed");
    t.assert_unchanged();

    // The whole bundle, after all that, imports: the refusals were real.
    std::fs::write(t.work.path().join("whole.kioski"), &t.bundle).unwrap();
    let run = run_in(
        t.work.path(),
        &t.store,
        &["bundle", "import", "whole.kioski"],
    );
    run.expect_code(0);
    assert!(
        run.stdout.contains(": 20 new responses, 0 already present"),
        "{run}"
    );
    assert_eq!(response_count(&t.store), 25);

    let filtered = volatile_filters();
    filtered.bind(|| insta::assert_snapshot!(transcript));
}

#[test]
fn a_flipped_byte_anywhere_is_refused() {
    let t = Target::new("bundle-flipped");
    let path = t.work.path().join("flipped.kioski");
    for at in 0..t.bundle.len() {
        let mut bytes = t.bundle.clone();
        bytes[at] ^= 0x55;
        std::fs::write(&path, &bytes).unwrap();
        if let Ok(v) = bundle::read_verified(&path) {
            panic!(
                "byte {at} of {} flipped, and the bundle was accepted ({} responses)",
                t.bundle.len(),
                v.responses
            );
        }
    }
    let files_before = files(&t.store);
    let mut bytes = t.bundle.clone();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x01;
    let run = t.refused("flipped.kioski", &bytes);
    assert!(run.stderr.contains("checksum"), "{run}");
    insta::assert_snapshot!(run.redacted());
    // Several files: the good one is not imported when another is bad.
    let run = run_in(
        t.work.path(),
        &t.store,
        &["bundle", "import", "small.kioski", "flipped.kioski"],
    );
    run.expect_code(1);
    assert!(run.stderr.contains("flipped.kioski"), "{run}");
    assert!(files(&t.store) == files_before, "the store's files changed");
    t.assert_unchanged();
}

// ---- crafted bundles ------------------------------------------------------

/// A bundle's bytes: magic, format, records, end mark and checksum.
struct Craft {
    magic: Vec<u8>,
    format: u16,
    records: Vec<Vec<u8>>,
    good_checksum: bool,
}

impl Craft {
    fn new(records: Vec<Vec<u8>>) -> Craft {
        Craft {
            magic: bundle::MAGIC.to_vec(),
            format: bundle::FORMAT_PLAIN,
            records,
            good_checksum: true,
        }
    }

    fn bytes(&self) -> Vec<u8> {
        let mut out = self.magic.clone();
        out.extend_from_slice(&self.format.to_le_bytes());
        for r in &self.records {
            out.extend_from_slice(r);
        }
        let mut checksum: [u8; 32] = Sha256::digest(&out).into();
        if !self.good_checksum {
            checksum[0] ^= 0xff;
        }
        out.push(0xff);
        out.extend_from_slice(&checksum);
        out
    }
}

/// One record: kind, length (u32 LE), body.
fn record(kind: u8, body: &[u8]) -> Vec<u8> {
    raw_record(kind, body.len() as u32, body)
}

/// A record whose length field says `len`, whatever the body is.
fn raw_record(kind: u8, len: u32, body: &[u8]) -> Vec<u8> {
    let mut out = vec![kind];
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(body);
    out
}

fn header(versions: u64, responses: u64) -> Vec<u8> {
    let h = BundleHeader {
        created_ms: 1_790_000_000_000,
        versions,
        responses,
    };
    record(1, &codec::encode(1, &h).unwrap())
}

/// A survey version record: (hash, source, loaded_ms), as bundles carry it.
fn version_record(hash: kioski::core::version::VersionHash, source: &str) -> Vec<u8> {
    let body = codec::encode(1, &(hash.0, source.to_owned(), 1_780_000_000_000i64)).unwrap();
    record(2, &body)
}

fn response_record(r: &Response) -> Vec<u8> {
    record(3, &kioski::store::record::encode_response(r).unwrap())
}

/// A crafted bundle: its name, its bytes, and the refusal expected.
type Case = (&'static str, Vec<u8>, fn(&BundleError) -> bool);

#[test]
fn hostile_bundles_are_refused_quickly() {
    let t = Target::new("bundle-hostile");
    // The parts of a real bundle, to build good and bad ones from.
    let small = t.work.path().join("small.kioski");
    let real = bundle::read_verified(&small).unwrap();
    let version = &real.versions[0];
    let all = bundle::read_responses(&small, &real).unwrap();
    let responses = &all[..3];
    let good = || -> Vec<Vec<u8>> {
        let mut records = vec![
            header(1, responses.len() as u64),
            version_record(version.hash, &version.source),
        ];
        records.extend(responses.iter().map(response_record));
        records
    };

    let mut cases: Vec<Case> = Vec::new();
    let huge = |len: u32| raw_record(3, len, b"");
    cases.push((
        "huge-length-bad-checksum",
        Craft {
            good_checksum: false,
            ..Craft::new(vec![huge(u32::MAX)])
        }
        .bytes(),
        |e| matches!(e, BundleError::Damaged(m) if m.contains("checksum")),
    ));
    cases.push((
        "huge-length",
        Craft::new(vec![huge(u32::MAX)]).bytes(),
        |e| matches!(e, BundleError::Damaged(m) if m.contains("4294967295")),
    ));
    cases.push((
        "huge-length-after-header",
        Craft::new(vec![header(0, 1), huge(u32::MAX - 1)]).bytes(),
        |e| matches!(e, BundleError::Damaged(m) if m.contains("4294967294")),
    ));
    cases.push((
        "length-past-the-end",
        Craft::new(vec![header(0, 1), raw_record(3, 1_000_000, &[1, 2, 3])]).bytes(),
        |e| matches!(e, BundleError::Damaged(_)),
    ));
    // A body that is really there, but larger than any record may be.
    cases.push((
        "oversized-record",
        Craft::new(vec![
            header(0, 1),
            record(3, &vec![0u8; 4 * 1024 * 1024 + 1]),
        ])
        .bytes(),
        |e| matches!(e, BundleError::Damaged(m) if m.contains("claims")),
    ));
    // Inside a record: a string length of 2^60 (bincode varint, u64).
    let mut body = vec![1, 0xfd];
    body.extend_from_slice(&(1u64 << 60).to_le_bytes());
    cases.push((
        "huge-length-inside-a-record",
        Craft::new(vec![header(0, 1), record(3, &body)]).bytes(),
        |e| matches!(e, BundleError::Damaged(_)),
    ));
    cases.push((
        "wrong-magic",
        Craft {
            magic: b"KIOSKIX\n".to_vec(),
            ..Craft::new(good())
        }
        .bytes(),
        |e| matches!(e, BundleError::NotABundle),
    ));
    cases.push((
        "newer-format",
        Craft {
            format: bundle::FORMAT + 1,
            ..Craft::new(good())
        }
        .bytes(),
        |e| matches!(e, BundleError::Newer(f) if *f == bundle::FORMAT + 1),
    ));
    cases.push((
        "format-0",
        Craft {
            format: 0,
            ..Craft::new(good())
        }
        .bytes(),
        |e| matches!(e, BundleError::Damaged(_)),
    ));
    // A record written by a newer kioski (its format byte is 3).
    let mut newer = kioski::store::record::encode_response(&responses[0]).unwrap();
    newer[0] = 3;
    cases.push((
        "newer-record",
        Craft::new(vec![
            header(1, 1),
            version_record(version.hash, &version.source),
            record(3, &newer),
        ])
        .bytes(),
        |e| matches!(e, BundleError::NewerRecord(3)),
    ));
    cases.push((
        "no-header",
        Craft::new(good()[1..].to_vec()).bytes(),
        |e| matches!(e, BundleError::Damaged(m) if m.contains("header")),
    ));
    cases.push((
        "counts-differ-from-header",
        Craft::new({
            let mut r = good();
            r.pop();
            r
        })
        .bytes(),
        |e| matches!(e, BundleError::Damaged(m) if m.contains("counts")),
    ));
    cases.push((
        "unknown-record-kind",
        Craft::new({
            let mut r = good();
            r.push(record(7, b"hello"));
            r
        })
        .bytes(),
        |e| matches!(e, BundleError::Damaged(m) if m.contains("kind 7")),
    ));
    cases.push((
        "response-twice",
        Craft::new({
            let mut r = good();
            r[0] = header(1, 4);
            r.push(response_record(&responses[0]));
            r
        })
        .bytes(),
        |e| matches!(e, BundleError::Damaged(m) if m.contains("twice")),
    ));
    // A survey version whose text was edited but whose hash was not.
    let edited = version
        .source
        .replace("Palvelupisteen asiakaskysely", "Muokattu kysely");
    assert_ne!(edited, version.source);
    cases.push((
        "version-does-not-match-its-hash",
        Craft::new({
            let mut r = good();
            r[1] = version_record(version.hash, &edited);
            r
        })
        .bytes(),
        |e| matches!(e, BundleError::VersionMismatch(_)),
    ));
    cases.push((
        "version-not-a-survey",
        Craft::new({
            let mut r = good();
            r[1] = version_record(version.hash, "id = 5\n");
            r
        })
        .bytes(),
        |e| matches!(e, BundleError::InvalidVersion { .. }),
    ));
    // A grade of 9 on a 1-5 scale.
    let mut bad_answer = responses[0].clone();
    bad_answer
        .answers
        .insert("overall".into(), Answer::Rating(9));
    cases.push((
        "answer-does-not-fit",
        Craft::new({
            let mut r = good();
            r[2] = response_record(&bad_answer);
            r
        })
        .bytes(),
        |e| matches!(e, BundleError::InvalidResponse { .. }),
    ));
    cases.push((
        "version-missing",
        Craft::new({
            let mut r = good();
            r.remove(1);
            r[0] = header(0, 3);
            r
        })
        .bytes(),
        |e| matches!(e, BundleError::InvalidResponse { reason, .. } if reason.contains("not in the bundle")),
    ));

    // The crafting is right: the same parts, unharmed, are accepted.
    let path = t.work.path().join("crafted.kioski");
    std::fs::write(&path, Craft::new(good()).bytes()).unwrap();
    let ok = bundle::read_verified(&path).expect("a well-made crafted bundle");
    assert_eq!(ok.responses, 3);

    let files_before = files(&t.store);
    let mut transcript = String::new();
    for (name, bytes, expected) in &cases {
        let path = t.work.path().join(format!("{name}.kioski"));
        std::fs::write(&path, bytes).unwrap();
        let started = Instant::now();
        match bundle::read_verified(&path) {
            Ok(_) => panic!("{name}: accepted"),
            Err(e) => assert!(expected(&e), "{name}: refused for another reason: {e}"),
        }
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{name}: took {:?}",
            started.elapsed()
        );
        let started = Instant::now();
        let run = t.refused(&format!("{name}.kioski"), bytes);
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{name}: took {:?}",
            started.elapsed()
        );
        if *name == "newer-format" {
            assert!(run.stderr.contains("newer"), "{run}");
        }
        transcript.push_str(&run.redacted());
        transcript.push('\n');
    }
    assert!(files(&t.store) == files_before, "the store's files changed");
    t.assert_unchanged();

    // Then the good crafted bundle imports through the binary.
    let run = run_in(
        t.work.path(),
        &t.store,
        &["bundle", "import", "crafted.kioski"],
    );
    run.expect_code(0);
    assert!(run.stdout.contains("3 new responses"), "{run}");

    volatile_filters().bind(|| insta::assert_snapshot!(transcript));
}

/// A bundle that cannot be written is reported as such, naming the file,
/// not as an import error.
#[test]
fn bundle_export_names_the_file_it_cannot_write() {
    let work = TempDir::new("bundle-unwritable");
    let store = work.path().join("store");
    fill(&store, "pulssi", 3, 1);
    let run = run_in(
        work.path(),
        &store,
        &["bundle", "export", "--out", "no-such-dir/x.kioski"],
    );
    run.expect_code(1);
    assert!(!work.path().join("no-such-dir").exists());
    assert!(
        run.stderr.contains("no-such-dir/x.kioski") && !run.stderr.contains("import"),
        "{run}"
    );
}

/// A bundle exported through a running owner while responses keep
/// arriving holds exactly what its header counts, and imports cleanly:
/// the export counts what it writes, in one pass.
#[test]
fn bundle_export_through_the_owner_while_responses_arrive() {
    use kioski::core::simulate::{Setup, respondent};
    use kioski::remote::Client;
    use kioski::store::Store;
    use rand::SeedableRng;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

    const NOW: i64 = 1_790_000_000_000;
    let (tmp, dir) = crate::support::short_store_dir("kbrace");
    let store = Arc::new(Store::open(&dir, "kiosk").unwrap());
    let source = std::fs::read_to_string("surveys/pulssi.toml").unwrap();
    let survey = kioski::core::validate::survey_from_str(&source).unwrap();
    let hash = store.load(&survey, &source, NOW).unwrap().hash;
    let setup = Setup {
        survey: &survey,
        version: hash,
        terminal: "race",
        now_ms: NOW,
        utc_offset_ms: 0,
    };
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(21);
    let first: Vec<Response> = (0..3000)
        .map(|i| respondent(&mut rng, &setup, f64::from(i) / 3000.0))
        .collect();
    store.submit_batch(&first).unwrap();
    let _server = kioski::remote::serve(store.clone(), "kiosk", None).unwrap();

    let stop = Arc::new(AtomicBool::new(false));
    let submitted = Arc::new(AtomicUsize::new(0));
    let writer = {
        let (store, stop, submitted, survey) = (
            store.clone(),
            stop.clone(),
            submitted.clone(),
            survey.clone(),
        );
        std::thread::spawn(move || {
            let setup = Setup {
                survey: &survey,
                version: hash,
                terminal: "race",
                now_ms: NOW,
                utc_offset_ms: 0,
            };
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(22);
            while !stop.load(Ordering::SeqCst) {
                let r = respondent(&mut rng, &setup, 0.5);
                store.submit(&r).unwrap();
                submitted.fetch_add(1, Ordering::SeqCst);
            }
        })
    };

    let client = Client::connect(&dir).unwrap().expect("the owner answers");
    let mut raced = 0;
    for round in 0..4 {
        let before = submitted.load(Ordering::SeqCst);
        let out = tmp.path().join(format!("race-{round}.kioski"));
        let done = bundle::export(&client, &[], None, NOW, &out, &[]).unwrap();
        let after = submitted.load(Ordering::SeqCst);
        raced += usize::from(after > before);
        let verified = bundle::read_verified(&out)
            .unwrap_or_else(|e| panic!("round {round}: the bundle is refused: {e}"));
        assert_eq!(verified.header.responses, done.responses, "round {round}");
        // The writer's one submit in flight may be read before it counts.
        assert!(
            (3000 + before as u64..=3001 + after as u64).contains(&done.responses),
            "round {round}: {} responses, {before}..{after} submitted meanwhile",
            done.responses
        );
        let target = tmp.path().join(format!("t{round}"));
        let fresh = Store::open(&target, "bundle import").unwrap();
        let imported = bundle::import(&fresh, &out, NOW).unwrap();
        assert_eq!(imported.responses_added, done.responses, "round {round}");
        assert_eq!(
            fresh.responses("pulssi").count() as u64,
            done.responses,
            "round {round}"
        );
    }
    stop.store(true, Ordering::SeqCst);
    writer.join().unwrap();
    assert!(raced > 0, "no response arrived during an export");
}
