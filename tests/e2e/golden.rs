//! The store and the bundle written by release 6b57f67 (the one before
//! issue 11; `tests/data/golden/README.md`) open and import unchanged:
//! every output byte for byte, every version hash as it was, and loading
//! the same survey file again adds no version. These fixtures are never
//! remade, so a change to a stored format that forgets the old one fails
//! here.

use std::path::{Path, PathBuf};

use crate::support::{TempDir, copy_dir, crate_root, kioski};

const SURVEYS: [&str; 5] = [
    "palvelupiste",
    "pulssi",
    "tilat",
    "asiointikanavat",
    "palvelulupaus",
];

fn golden() -> PathBuf {
    crate_root().join("tests/data/golden")
}

fn expected(name: &str) -> String {
    std::fs::read_to_string(golden().join("expected").join(name)).unwrap()
}

/// A copy of the golden store (opening a sled store writes to it).
pub fn golden_store(tmp: &TempDir) -> PathBuf {
    let dir = tmp.path().join("store");
    copy_dir(&golden().join("store"), &dir);
    dir
}

/// Every output the old release printed, compared byte for byte.
fn assert_outputs_match(store: &Path) {
    let surveys = kioski(["surveys", "--format", "json"]).store(store).run();
    surveys.expect_code(0);
    assert_eq!(
        surveys.stdout,
        expected("surveys.json"),
        "surveys --format json"
    );
    for id in SURVEYS {
        let tally = kioski([
            "tally",
            "--survey",
            id,
            "--format",
            "json",
            "--include-partial",
        ])
        .store(store)
        .run();
        tally.expect_code(0);
        assert_eq!(
            tally.stdout,
            expected(&format!("tally-{id}.json")),
            "tally {id}"
        );
        for format in ["csv", "jsonl"] {
            let export = kioski(["export", "--survey", id, "--format", format])
                .store(store)
                .run();
            export.expect_code(0);
            assert_eq!(
                export.stdout,
                expected(&format!("export-{id}.{format}")),
                "export {id} {format}"
            );
        }
    }
}

#[test]
fn the_old_store_opens_unchanged() {
    let tmp = TempDir::new("golden-store");
    let store = golden_store(&tmp);
    assert_outputs_match(&store);
    // Opened and written by this release, it still reads the same.
    kioski(["activate", "palvelupiste"])
        .store(&store)
        .run()
        .expect_code(0);
    assert_outputs_match(&store);
}

#[test]
fn loading_the_same_files_again_gives_the_same_versions() {
    let tmp = TempDir::new("golden-reload");
    let store = golden_store(&tmp);
    let hashes = expected("hashes.txt");
    let v2 = golden().join("pulssi-v2.toml");
    let files: Vec<PathBuf> = SURVEYS
        .iter()
        .map(|id| crate_root().join(format!("surveys/{id}.toml")))
        .chain([v2])
        .collect();
    for file in &files {
        let run = kioski([std::ffi::OsStr::new("load"), file.as_os_str()])
            .store(&store)
            .run();
        run.expect_code(0);
        assert!(
            run.stdout.contains("already stored") || run.stdout.contains("unchanged"),
            "{} made a new version:\n{run}",
            file.display()
        );
        // The short hash printed is the one the old release stored.
        let short = run
            .stdout
            .split(['(', ')'])
            .nth(1)
            .unwrap_or_default()
            .to_owned();
        assert!(
            short.len() == 12
                && hashes
                    .lines()
                    .any(|l| l.split(' ').nth(2).is_some_and(|h| h.starts_with(&short))),
            "{}: {short} is not an old hash:\n{run}",
            file.display()
        );
    }
    assert_outputs_match(&store);
}

#[test]
fn the_old_bundle_imports_unchanged() {
    let tmp = TempDir::new("golden-bundle");
    let store = tmp.path().join("fresh");
    let bundle = golden().join("bundle.kioski");
    let run = kioski([
        std::ffi::OsStr::new("bundle"),
        "import".as_ref(),
        bundle.as_os_str(),
    ])
    .store(&store)
    .run();
    run.expect_code(0);
    assert!(run.stdout.contains("265"), "{run}");
    for id in SURVEYS {
        for format in ["csv", "jsonl"] {
            let export = kioski(["export", "--survey", id, "--format", format])
                .store(&store)
                .run();
            export.expect_code(0);
            assert_eq!(
                export.stdout,
                expected(&format!("export-{id}.{format}")),
                "export {id} {format} after importing the old bundle"
            );
        }
    }
    // Importing it into the store it came from adds nothing.
    let old = golden_store(&tmp);
    let again = kioski([
        std::ffi::OsStr::new("bundle"),
        "import".as_ref(),
        bundle.as_os_str(),
    ])
    .store(&old)
    .run();
    again.expect_code(0);
    assert_outputs_match(&old);
}

/// `bundle export` of the old store writes the old release's bundle byte
/// for byte (with its creation time): exporting in one counted pass
/// through a spool kept format 1's layout.
#[test]
fn the_old_store_exports_the_old_bundle_byte_for_byte() {
    let tmp = TempDir::new("golden-reexport");
    let dir = golden_store(&tmp);
    let old = golden().join("bundle.kioski");
    let created_ms = kioski::store::bundle::read_verified(&old)
        .unwrap()
        .header
        .created_ms;
    let store = kioski::store::Store::open(&dir, "bundle export").unwrap();
    let out = tmp.path().join("again.kioski");
    kioski::store::bundle::export(&store, &[], None, created_ms, &out, &[]).unwrap();
    assert!(
        std::fs::read(&out).unwrap() == std::fs::read(&old).unwrap(),
        "the re-exported bundle differs from the old one"
    );
}
