//! `kioski simulate` then `kioski export`: CSV and JSON Lines parse back
//! to the stored responses, Excel CSV, formula injection, and repeatable
//! seeds.

use std::collections::HashSet;
use std::path::Path;

use kioski::core::answer::{Answer, Picked};
use kioski::core::response::Response;
use kioski::core::survey::Lang;
use kioski::store::ReadStore as _;
use serde_json::Value;

use crate::store::{survey_row, surveys_json, with_store};
use crate::support::{TempDir, kioski};

/// The columns `export` writes for `surveys/palvelupiste.toml`: the fixed
/// ones, then one per question (choice with "other": two).
const PALVELUPISTE_COLUMNS: [&str; 15] = [
    "id",
    "survey",
    "version",
    "terminal",
    "language",
    "started",
    "submitted",
    "complete",
    "overall",
    "one_visit",
    "compared",
    "improve",
    "recommend",
    "group",
    "group.other",
];

/// A `TZ` under which it is evening now (19:00-19:59 local time).
///
/// `simulate --seed` moves a response of today that would fall after
/// "now" to a moment before now, which differs by milliseconds between
/// two runs (see `same_seed_repeats_at_any_time_of_day`). Simulated
/// opening hours end at 16:00, so in the evening nothing is moved and
/// two runs on the same day are identical.
pub fn evening_tz() -> String {
    tz_with_local_hour(19)
}

/// An `Etc/GMT±N` zone in which the local hour now is `hour` (for the
/// next hour or so).
fn tz_with_local_hour(hour: i64) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let utc_hour = now / 3600 % 24;
    let mut offset = hour - utc_hour;
    if offset > 14 {
        offset -= 24;
    }
    if offset < -12 {
        offset += 24;
    }
    // POSIX sign: Etc/GMT-5 is five hours ahead of UTC.
    match offset {
        0 => "Etc/GMT".to_owned(),
        o if o > 0 => format!("Etc/GMT-{o}"),
        o => format!("Etc/GMT+{}", -o),
    }
}

fn simulate(store: &Path, tz: &str, respondents: u32, seed: u32) {
    let run = kioski(["load", "surveys/palvelupiste.toml"])
        .store(store)
        .env("TZ", Some(tz))
        .run();
    run.expect_code(0);
    let run = kioski([
        "simulate".to_owned(),
        "--respondents".to_owned(),
        respondents.to_string(),
        "--seed".to_owned(),
        seed.to_string(),
    ])
    .store(store)
    .env("TZ", Some(tz))
    .run();
    run.expect_code(0);
    assert_eq!(
        run.stdout,
        format!("Stored {respondents} simulated responses to `palvelupiste` (seed {seed}).\n"),
        "{run}"
    );
}

/// `kioski export ARGS` on `store` to standard output; the bytes.
fn export_stdout(store: &Path, tz: &str, args: &[&str]) -> String {
    let run = kioski([&["export"][..], args].concat())
        .store(store)
        .env("TZ", Some(tz))
        .run();
    run.expect_code(0);
    assert!(
        run.stderr.is_empty(),
        "export to stdout wrote to stderr:\n{run}"
    );
    run.stdout
}

/// `kioski export ARGS --out FILE` on `store`; the file's text.
fn export_file(store: &Path, tz: &str, args: &[&str], out: &Path, rows: usize) -> String {
    let out_arg = out.to_string_lossy().into_owned();
    let run = kioski([&["export"][..], args, &["--out", out_arg.as_str()]].concat())
        .store(store)
        .env("TZ", Some(tz))
        .run();
    run.expect_code(0);
    assert!(run.stdout.is_empty(), "{run}");
    assert_eq!(
        run.stderr,
        format!(
            "Wrote {rows} responses of `palvelupiste` to {}.\n",
            out.display()
        ),
        "{run}"
    );
    // Written beside the target and renamed: no partial file is left.
    let dir = out.parent().unwrap();
    let leftovers: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains(".partial"))
        .collect();
    assert!(leftovers.is_empty(), "left behind: {leftovers:?}");
    std::fs::read_to_string(out).unwrap()
}

/// Parses CSV text into its header and records.
fn parse_csv(text: &str, delimiter: u8) -> (Vec<String>, Vec<csv::StringRecord>) {
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .expect("a CSV header")
        .iter()
        .map(str::to_owned)
        .collect();
    let records = reader
        .records()
        .collect::<Result<Vec<_>, _>>()
        .expect("RFC 4180 CSV");
    (headers, records)
}

#[test]
fn simulate_2000_then_export_csv_and_jsonl() {
    let work = TempDir::new("export");
    let store = work.path().join("store");
    let tz = evening_tz();
    simulate(&store, &tz, 2000, 7);

    let csv_out = export_file(
        &store,
        &tz,
        &["--format", "csv"],
        &work.path().join("palaute.csv"),
        2000,
    );
    let csv_stdout = export_stdout(&store, &tz, &["--format", "csv"]);
    assert_eq!(csv_out, csv_stdout, "--out and standard output differ");
    // The default format is CSV.
    assert_eq!(export_stdout(&store, &tz, &[]), csv_stdout);
    // So is the default survey (the active one).
    assert_eq!(
        export_stdout(&store, &tz, &["--survey", "palvelupiste"]),
        csv_stdout
    );
    assert!(csv_stdout.contains("\r\n"), "RFC 4180 lines end in CRLF");

    let (headers, records) = parse_csv(&csv_stdout, b',');
    assert_eq!(headers, PALVELUPISTE_COLUMNS);
    assert_eq!(records.len(), 2000);
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let csv_ids: Vec<String> = records.iter().map(|r| r[col("id")].to_owned()).collect();
    let unique: HashSet<&String> = csv_ids.iter().collect();
    assert_eq!(unique.len(), 2000, "response ids are not unique");
    for r in &records {
        assert_eq!(r.len(), headers.len());
        let id: uuid::Uuid = r[col("id")].parse().expect("the id is a UUID");
        assert_eq!(id.get_version_num(), 7, "not a time-ordered UUID v7: {id}");
        assert_eq!(&r[col("survey")], "palvelupiste");
        assert_eq!(r[col("version")].len(), 12);
        assert_eq!(&r[col("terminal")], "simulated");
        assert!(["fi", "sv", "en"].contains(&&r[col("language")]));
        assert!(["0", "1"].contains(&&r[col("complete")]));
        assert!(r[col("started")] <= r[col("submitted")], "{r:?}");
        let overall = &r[col("overall")];
        assert!(
            overall.is_empty() || (1..=5).contains(&overall.parse::<u8>().unwrap()),
            "{r:?}"
        );
        if &r[col("complete")] == "1" {
            assert!(!overall.is_empty(), "complete without the required answer");
        }
        let nps = &r[col("recommend")];
        assert!(nps.is_empty() || nps.parse::<u8>().unwrap() <= 10);
        assert!(["", "0", "1"].contains(&&r[col("one_visit")]));
        assert!(
            ["", "better", "same", "worse", "dont_know"].contains(&&r[col("compared")]),
            "{r:?}"
        );
    }
    // Partial responses are exported too, flagged.
    let partial = records
        .iter()
        .filter(|r| &r[col("complete")] == "0")
        .count();
    let rows = surveys_json(&store);
    let row = survey_row(&rows, "palvelupiste");
    assert_eq!(row["partial"].as_u64().unwrap(), partial as u64);
    assert_eq!(row["complete"].as_u64().unwrap(), 2000 - partial as u64);
    assert!(partial > 0 && partial < 400, "{partial} partial of 2000");

    // The same rows, in the same order, as the library reads them.
    let stored: Vec<Response> = with_store(&store, |s| {
        s.responses("palvelupiste").map(Result::unwrap).collect()
    });
    let stored_ids: Vec<String> = stored.iter().map(|r| r.id.to_string()).collect();
    assert_eq!(csv_ids, stored_ids);
    for (r, record) in stored.iter().zip(&records) {
        assert_eq!(r.complete, &record[col("complete")] == "1");
        assert_eq!(r.lang.code(), &record[col("language")]);
        match r.answers.get("overall") {
            Some(Answer::Rating(v)) => assert_eq!(record[col("overall")], v.to_string()),
            None => assert_eq!(&record[col("overall")], ""),
            other => panic!("overall: {other:?}"),
        }
        match r.answers.get("group") {
            Some(Answer::Choice(Picked::Other(text))) => {
                assert_eq!(&record[col("group")], "other");
                assert_eq!(&record[col("group.other")], text);
            }
            Some(Answer::Choice(Picked::Option(id))) => {
                assert_eq!(&record[col("group")], id);
                assert_eq!(&record[col("group.other")], "");
            }
            None => assert_eq!(&record[col("group")], ""),
            other => panic!("group: {other:?}"),
        }
    }

    // JSON Lines: 2000 objects, the same keys, ids and order.
    let jsonl_out = export_file(
        &store,
        &tz,
        &["--format", "jsonl"],
        &work.path().join("palaute.jsonl"),
        2000,
    );
    let jsonl = export_stdout(&store, &tz, &["--format", "jsonl"]);
    assert_eq!(jsonl_out, jsonl);
    assert!(jsonl.ends_with('\n'));
    let objects: Vec<serde_json::Map<String, Value>> = jsonl
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is one JSON object"))
        .collect();
    assert_eq!(objects.len(), 2000);
    let jsonl_ids: Vec<&str> = objects.iter().map(|o| o["id"].as_str().unwrap()).collect();
    assert_eq!(jsonl_ids, csv_ids);
    for (o, record) in objects.iter().zip(&records) {
        let keys: Vec<&str> = o.keys().map(String::as_str).collect();
        assert_eq!(keys, PALVELUPISTE_COLUMNS);
        assert!(o["complete"].is_boolean());
        assert_eq!(o["submitted"], record[col("submitted")]);
        match &o["overall"] {
            Value::Null => assert_eq!(&record[col("overall")], ""),
            v => assert_eq!(v.as_u64().unwrap().to_string(), record[col("overall")]),
        }
    }

    // Excel: a UTF-8 byte-order mark, `;` between cells, the same rows.
    let excel = export_file(
        &store,
        &tz,
        &["--format", "csv", "--excel"],
        &work.path().join("palaute-excel.csv"),
        2000,
    );
    assert!(excel.starts_with('\u{feff}'), "no byte-order mark");
    let first_line = excel.lines().next().unwrap();
    assert_eq!(
        first_line.trim_start_matches('\u{feff}'),
        PALVELUPISTE_COLUMNS.join(";")
    );
    let (excel_headers, excel_records) = parse_csv(excel.trim_start_matches('\u{feff}'), b';');
    assert_eq!(excel_headers, PALVELUPISTE_COLUMNS);
    assert_eq!(excel_records.len(), 2000);
    for (e, r) in excel_records.iter().zip(&records) {
        assert_eq!(&e[0], &r[0]);
        // Local time without an offset, as Excel reads it.
        let submitted = &e[col("submitted")];
        assert_eq!(submitted.len(), "2026-01-31 12:00:00".len(), "{submitted}");
        assert_eq!(&submitted[10..11], " ");
        assert_eq!(&e[col("overall")], &r[col("overall")]);
    }
    let run = kioski(["export", "--format", "jsonl", "--excel"])
        .store(&store)
        .run();
    run.expect_code(2);

    // Two runs with the same seed into fresh stores: the same CSV.
    let again = work.path().join("store-again");
    simulate(&again, &tz, 2000, 7);
    let csv_again = export_stdout(&again, &tz, &["--format", "csv"]);
    assert!(
        csv_again == csv_stdout,
        "the same seed gave different exports (TZ={tz}); first difference:\n{}",
        first_difference(&csv_stdout, &csv_again)
    );
    // And another seed does not.
    let other = work.path().join("store-other");
    simulate(&other, &tz, 20, 8);
    let csv_other = export_stdout(&other, &tz, &["--format", "csv"]);
    assert!(!csv_stdout.starts_with(&csv_other));
}

fn first_difference(a: &str, b: &str) -> String {
    a.lines()
        .zip(b.lines())
        .enumerate()
        .find(|(_, (x, y))| x != y)
        .map_or_else(
            || format!("{} vs {} lines", a.lines().count(), b.lines().count()),
            |(i, (x, y))| format!("line {}:\n  {x}\n  {y}", i + 1),
        )
}

/// `simulate --seed` repeats exactly at any time of day (here 09:xx local
/// time, inside the simulated opening hours): no response is dated today.
#[test]
fn same_seed_repeats_at_any_time_of_day() {
    let work = TempDir::new("seed-morning");
    let tz = tz_with_local_hour(9);
    let (a, b) = (work.path().join("a"), work.path().join("b"));
    simulate(&a, &tz, 1000, 3);
    simulate(&b, &tz, 1000, 3);
    let (csv_a, csv_b) = (
        export_stdout(&a, &tz, &["--format", "csv"]),
        export_stdout(&b, &tz, &["--format", "csv"]),
    );
    assert!(
        csv_a == csv_b,
        "TZ={tz}: {}",
        first_difference(&csv_a, &csv_b)
    );
}

#[test]
fn formula_injection_is_neutralised_in_csv_only() {
    let work = TempDir::new("injection");
    let store = work.path().join("store");
    kioski(["load", "surveys/palvelupiste.toml"])
        .store(&store)
        .run()
        .expect_code(0);

    // Through the library, as a kiosk would store it.
    let hostile = with_store(&store, |s| {
        let version = s.latest("palvelupiste").unwrap();
        // The file as loaded validates to the same version.
        let text =
            std::fs::read_to_string(crate::support::crate_root().join("surveys/palvelupiste.toml"))
                .unwrap();
        let survey = kioski::core::validate::survey_from_str(&text).unwrap();
        assert_eq!(
            kioski::core::version::VersionHash::of(&survey),
            version.hash
        );
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis() as i64;
        let response = |text: &str, other: &str, terminal: &str| Response {
            id: uuid::Uuid::now_v7(),
            survey: "palvelupiste".into(),
            version: version.hash,
            terminal: terminal.into(),
            lang: Lang::Fi,
            started_ms: now - 60_000,
            submitted_ms: now,
            complete: true,
            answers: [
                ("overall".to_owned(), Answer::Rating(1)),
                ("improve".to_owned(), Answer::Text(text.into())),
                (
                    "group".to_owned(),
                    Answer::Choice(Picked::Other(other.into())),
                ),
            ]
            .into_iter()
            .collect(),
            simulated: false,
            suspect: false,
        };
        let rs = [
            response(
                "=HYPERLINK(\"http://x.invalid\",\"klikkaa\")",
                "@SUM(A1)",
                "+kassa",
            ),
            response("-2+3", "+358 40 123", "kirjasto-1"),
            response("hyvä palvelu = nopea", "ei mitään", "kirjasto-2"),
        ];
        for r in &rs {
            s.submit(r).unwrap();
            assert!(s.has_response("palvelupiste", &r.id).unwrap());
        }
        rs.map(|r| r.id.to_string())
    });

    let csv_text = export_stdout(&store, "UTC", &["--format", "csv"]);
    let (headers, records) = parse_csv(&csv_text, b',');
    assert_eq!(records.len(), 3);
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let row = |id: &str| records.iter().find(|r| &r[0] == id).unwrap().clone();
    let r = row(&hostile[0]);
    assert_eq!(
        &r[col("improve")],
        "'=HYPERLINK(\"http://x.invalid\",\"klikkaa\")"
    );
    assert_eq!(&r[col("group.other")], "'@SUM(A1)");
    assert_eq!(&r[col("terminal")], "'+kassa");
    assert_eq!(&r[col("overall")], "1", "numbers are not neutralised");
    let r = row(&hostile[1]);
    assert_eq!(&r[col("improve")], "'-2+3");
    assert_eq!(&r[col("group.other")], "'+358 40 123");
    let r = row(&hostile[2]);
    assert_eq!(&r[col("improve")], "hyvä palvelu = nopea");
    assert_eq!(&r[col("group.other")], "ei mitään");

    // Excel CSV too.
    let excel = export_stdout(&store, "UTC", &["--format", "csv", "--excel"]);
    let (_, excel_records) = parse_csv(excel.trim_start_matches('\u{feff}'), b';');
    let e = excel_records.iter().find(|r| r[0] == hostile[0]).unwrap();
    assert_eq!(
        &e[col("improve")],
        "'=HYPERLINK(\"http://x.invalid\",\"klikkaa\")"
    );
    // No cell of any CSV starts a formula.
    for record in records.iter().chain(&excel_records) {
        for cell in record {
            assert!(!cell.starts_with(['=', '+', '-', '@']), "{record:?}");
        }
    }

    // JSON Lines is data, not a spreadsheet: the text as given.
    let jsonl = export_stdout(&store, "UTC", &["--format", "jsonl"]);
    let o: Value = jsonl
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .find(|o| o["id"] == hostile[0].as_str())
        .unwrap();
    assert_eq!(o["improve"], "=HYPERLINK(\"http://x.invalid\",\"klikkaa\")");
    assert_eq!(o["group.other"], "@SUM(A1)");
}

#[test]
fn export_of_an_unknown_or_missing_survey() {
    let store = TempDir::new("export-none");
    // Nothing loaded: no active survey.
    let run = kioski(["export"]).store(store.path()).run();
    run.expect_code(1);
    assert!(run.stderr.contains("no survey is active"), "{run}");
    kioski(["load", "surveys/pulssi.toml"])
        .store(store.path())
        .run()
        .expect_code(0);
    let run = kioski(["export", "--survey", "nosuch"])
        .store(store.path())
        .run();
    run.expect_code(1);
    assert!(
        run.stderr.contains("nosuch") && run.stderr.contains("hint:"),
        "{run}"
    );
    // No responses yet: just the header.
    let run = kioski(["export"]).store(store.path()).run();
    run.expect_code(0);
    assert_eq!(
        run.stdout,
        "id,survey,version,terminal,language,started,submitted,complete,visit,got_help,better\r\n"
    );
    let run = kioski(["export", "--format", "jsonl"])
        .store(store.path())
        .run();
    run.expect_code(0);
    assert_eq!(run.stdout, "");
}
