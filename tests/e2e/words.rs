//! Tallies in words (issue 14, point 2): labels instead of ids, the
//! seeds' figures in every format, what was left out and why, older
//! versions, the date range, and Markdown that stays short.

use std::path::Path;

use kioski::core::answer::{Answer, Answers, Picked};
use kioski::core::response::{Response, time_ordered_id};
use kioski::core::survey::Lang;
use kioski::store::Store;
use rand::SeedableRng;

use crate::support::{TempDir, kioski};

/// 2026-01-05 10:00 UTC.
const START_MS: i64 = 1_767_607_200_000;
const DAY_MS: i64 = 86_400_000;

const V1: &str = r#"
id = "seeds"
languages = ["en", "fi"]
title = { en = "Customer <feedback> | 2026", fi = "Asiakaspalaute" }
thanks = { en = "Thanks", fi = "Kiitos" }

[[question]]
id = "recommend"
type = "yesno"
text = { en = "Would you recommend us?", fi = "Suosittelisitko meitä?" }

[[question]]
id = "grade"
type = "rating"
scale = 5
text = { en = "Overall grade", fi = "Kokonaisarvosana" }

[[question]]
id = "compared"
type = "choice"
text = { en = "Compared with last year", fi = "Verrattuna viime vuoteen" }
options = [
  { id = "improved", en = "Improved", fi = "Parantunut" },
  { id = "same", en = "Stayed *as good*", fi = "Pysynyt samana" },
  { id = "worse", en = "Got worse", fi = "Huonontunut" },
]

[[question]]
id = "channel"
type = "choice"
text = { en = "How did you contact us?", fi = "Miten otit yhteyttä?" }
options = [
  { id = "desk", en = "At the desk", fi = "Palvelupisteessä" },
  { id = "event", en = "At an event", fi = "Tapahtumassa" },
]

[[question]]
id = "aspects"
type = "ranking"
pick = 2
text = { en = "Most important", fi = "Tärkeimmät" }
options = [
  { id = "speed", en = "Speed", fi = "Nopeus" },
  { id = "kindness", en = "Kindness", fi = "Ystävällisyys" },
  { id = "hours", en = "Opening hours", fi = "Aukioloajat" },
]

[[question]]
id = "likely"
type = "nps"
text = { en = "How likely are you to recommend us?", fi = "Kuinka todennäköisesti suosittelisit meitä?" }

[[question]]
id = "comment"
type = "text"
text = { en = "Anything else?", fi = "Muuta?" }
"#;

/// The seeds' figures: 88 % recommend, 3 in 4 give 4–5, 24 / 64 / 12 %
/// say improved / same / worse; 35 came by the `event` option. Response
/// `i` of 100 is submitted on day `i % 40` after [`START_MS`].
fn seeds_responses(version: kioski::core::version::VersionHash) -> Vec<Response> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(14);
    (0..100)
        .map(|i: i64| {
            let mut answers = Answers::new();
            answers.insert("recommend".into(), Answer::YesNo(i < 88));
            let grade = match i % 4 {
                0 => 5,
                1 | 2 => 4,
                _ => 2 + u8::from(i % 8 == 3),
            };
            answers.insert("grade".into(), Answer::Rating(grade));
            let compared = match i {
                0..24 => "improved",
                24..88 => "same",
                _ => "worse",
            };
            answers.insert(
                "compared".into(),
                Answer::Choice(Picked::Option(compared.into())),
            );
            let channel = if i % 20 < 7 { "event" } else { "desk" };
            answers.insert(
                "channel".into(),
                Answer::Choice(Picked::Option(channel.into())),
            );
            let order = if i % 3 == 0 {
                ["speed", "hours"]
            } else {
                ["kindness", "speed"]
            };
            answers.insert(
                "aspects".into(),
                Answer::Ranking(order.iter().map(|s| (*s).to_owned()).collect()),
            );
            // 60 promoters, 30 passives, 10 detractors: NPS +50.
            let score = match i {
                0..60 => 9 + u8::from(i % 2 == 0),
                60..90 => 7 + u8::from(i % 2 == 0),
                _ => 3,
            };
            answers.insert("likely".into(), Answer::Nps(score));
            if i == 7 {
                answers.insert(
                    "comment".into(),
                    Answer::Text("<script>alert(1)</script> | *bold* _x_ `code`".into()),
                );
            }
            let ms = START_MS + (i % 40) * DAY_MS + i * 1000;
            Response {
                id: time_ordered_id(&mut rng, ms),
                survey: "seeds".into(),
                version,
                terminal: "t1".into(),
                lang: Lang::En,
                started_ms: ms - 30_000,
                submitted_ms: ms,
                complete: true,
                answers,
                simulated: false,
                suspect: false,
            }
        })
        .collect()
}

/// A store with the seeds survey (version 1) and its 100 responses.
fn seeds_store(dir: &Path) {
    let store = Store::open(dir, "test").unwrap();
    let survey = kioski::core::validate::survey_from_str(V1).unwrap();
    let hash = store.load(&survey, V1, START_MS).unwrap().hash;
    store.submit_batch(&seeds_responses(hash)).unwrap();
}

fn tally(dir: &Path, args: &[&str]) -> String {
    let run = kioski([&["tally"], args].concat()).store(dir).run();
    run.expect_code(0);
    run.stdout
}

#[test]
fn the_seeds_figures_in_every_format() {
    let dir = TempDir::new("words-seeds");
    seeds_store(dir.path());
    let json: serde_json::Value =
        serde_json::from_str(&tally(dir.path(), &["--format", "json"])).unwrap();
    let q = |id: &str| {
        json["questions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|q| q["id"] == id)
            .unwrap()
            .clone()
    };
    assert_eq!(q("recommend")["yes_share"], 0.88);
    assert_eq!(q("grade")["top2"], 0.75);
    assert_eq!(q("compared")["percent"]["improved"], 24.0);
    assert_eq!(q("compared")["percent"]["same"], 64.0);
    assert_eq!(q("compared")["percent"]["worse"], 12.0);
    // Ids stay in the JSON.
    assert!(q("compared")["counts"]["improved"].is_number());

    let table = tally(dir.path(), &[]);
    assert!(table.contains("yes 88 %"), "{table}");
    assert!(table.contains("top-2 75 %"), "{table}");
    for (label, pct) in [
        ("Improved", "24.0"),
        ("Stayed *as good*", "64.0"),
        ("Got worse", "12.0"),
    ] {
        assert!(
            table.lines().any(|l| l.contains(label) && l.contains(pct)),
            "{label}:\n{table}"
        );
    }
    assert!(table.contains("mean rank"), "{table}");
    assert!(table.contains("NPS +50"), "{table}");

    let md = tally(dir.path(), &["--format", "markdown"]);
    assert!(md.contains("| Improved | 24 % (24) |"), "{md}");
    assert!(md.contains("| Stayed \\*as good\\* | 64 % (64) |"), "{md}");
    assert!(md.contains("| top-2 | 75 % |"), "{md}");
    assert!(md.contains("| yes | 88 % (88) |"), "{md}");
    assert!(md.contains("mean rank"), "{md}");
    assert!(md.contains("| NPS | +50 |"), "{md}");
    assert!(!md.contains("<script>"), "{md}");
    assert!(md.contains("&lt;script&gt;"), "{md}");
    assert!(
        md.starts_with("# Customer &lt;feedback&gt; \\| 2026\n"),
        "{md}"
    );

    let csv = tally(dir.path(), &["--format", "csv"]);
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let find = |question: &str, option: &str, figure: &str| {
        rows.iter()
            .find(|r| &r[3] == question && &r[5] == option && &r[9] == figure)
            .unwrap_or_else(|| panic!("{question} {option} {figure}:\n{csv}"))
    };
    assert_eq!(&find("compared", "Improved", "")[7], "24.0");
    assert_eq!(&find("recommend", "", "yes_share")[10], "0.88");
    assert_eq!(&find("grade", "", "top2")[10], "0.75");
    assert_eq!(&find("grade", "", "mean")[10], "3.88");
    assert_eq!(&find("grade", "", "median")[10], "4");
    assert_eq!(&find("aspects", "Speed", "mean_rank")[10], "1.66");
    assert_eq!(&find("likely", "", "nps")[10], "50");
    assert_eq!(&find("likely", "", "promoters")[10], "60");
    // The first row says the date range.
    assert_eq!(&rows[0][4], "range", "{csv}");
    assert_eq!(&rows[0][11], "2026-01-05 – 2026-02-13", "{csv}");

    // In Finnish: labels and question texts.
    let fi = tally(dir.path(), &["--lang", "fi"]);
    assert!(fi.contains("Parantunut"), "{fi}");
    assert!(fi.contains("Verrattuna viime vuoteen"), "{fi}");
    assert!(fi.contains("kyllä"), "{fi}");
    // The locale picks the language where the survey has it...
    let run = kioski(["tally"])
        .env("LANG", Some("fi_FI.UTF-8"))
        .store(dir.path())
        .run();
    assert!(run.stdout.contains("Parantunut"), "{run}");
    // ...else the survey's first; --lang the survey lacks is refused.
    let run = kioski(["tally"])
        .env("LC_ALL", Some("sv_SE.UTF-8"))
        .store(dir.path())
        .run();
    assert!(run.stdout.contains("Improved"), "{run}");
    let run = kioski(["tally", "--lang", "sv"]).store(dir.path()).run();
    run.expect_code(2);
    assert!(run.stderr.contains("no texts in sv"), "{run}");
}

#[test]
fn every_header_shows_the_date_range() {
    let dir = TempDir::new("words-range");
    seeds_store(dir.path());
    for format in ["table", "markdown"] {
        let out = tally(dir.path(), &["--format", format]);
        let head: String = out.lines().take(4).collect::<Vec<_>>().join("\n");
        assert!(head.contains("2026-01-05 – 2026-02-13"), "{format}:\n{out}");
        let out = tally(
            dir.path(),
            &[
                "--format",
                format,
                "--since",
                "2026-01-10",
                "--until",
                "2026-02-01",
            ],
        );
        let head: String = out.lines().take(4).collect::<Vec<_>>().join("\n");
        assert!(head.contains("2026-01-10 – 2026-01-31"), "{format}:\n{out}");
    }
}

#[test]
fn since_after_until_is_a_usage_error() {
    let dir = TempDir::new("words-since");
    seeds_store(dir.path());
    let run = kioski(["tally", "--since", "2026-03-01", "--until", "2026-02-01"])
        .store(dir.path())
        .run();
    run.expect_code(2);
    assert!(run.stderr.contains("--since"), "{run}");
}

#[test]
fn a_new_version_says_what_it_leaves_out_and_tally_version_shows_it() {
    let dir = TempDir::new("words-left-out");
    seeds_store(dir.path());
    let v2 = V1.replace(
        r#"  { id = "event", en = "At an event", fi = "Tapahtumassa" },
"#,
        "",
    );
    let file = dir.write("seeds-v2.toml", &v2);
    let load = kioski([std::ffi::OsStr::new("load"), file.as_os_str()])
        .store(dir.path())
        .run();
    load.expect_code(0);
    let sentence =
        "35 answers to an older version left out: option `event` of `channel` was removed";
    assert!(load.stderr.contains(sentence), "{load}");
    for format in ["table", "markdown", "csv"] {
        let out = tally(dir.path(), &["--format", format]);
        assert!(out.contains(sentence), "{format}:\n{out}");
    }
    // The older version, by number and by hash prefix, still has them.
    let json = tally(dir.path(), &["--format", "json", "--version", "1"]);
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    let channel = &json["questions"][3];
    assert_eq!(channel["counts"]["event"], 35, "{json}");
    let hash = json["version"].as_str().unwrap()[..8].to_owned();
    let by_hash = tally(dir.path(), &["--format", "json", "--version", &hash]);
    assert!(by_hash.contains("\"event\": 35"), "{by_hash}");
    for bad in ["3", "0", "zzzzzz", "abc"] {
        let run = kioski(["tally", "--version", bad]).store(dir.path()).run();
        run.expect_code(2);
        assert!(run.stderr.contains("version"), "{run}");
    }
}

#[test]
fn markdown_and_table_snapshots_with_groups_and_periods() {
    let dir = TempDir::new("words-snap");
    seeds_store(dir.path());
    for (name, args) in [
        ("plain", vec![]),
        ("by", vec!["--by", "compared"]),
        ("period", vec!["--period", "month"]),
        ("both", vec!["--by", "compared", "--period", "month"]),
    ] {
        for format in ["markdown", "table"] {
            let out = tally(
                dir.path(),
                &[&["--format", format], args.as_slice()].concat(),
            );
            insta::assert_snapshot!(format!("words_{format}_{name}"), out);
        }
    }
}

/// The seeds survey with Swedish texts too (the Finnish ones, marked), so
/// a tally can be printed in each of the three languages.
fn with_swedish(toml: &str) -> String {
    let mut out = String::new();
    for line in toml.lines() {
        let mut line = line.to_owned();
        if line.starts_with("languages") {
            line = r#"languages = ["en", "fi", "sv"]"#.to_owned();
        } else if let Some(at) = line.find(r#"fi = ""#) {
            let rest = &line[at + 6..];
            let value = &rest[..rest.find('"').unwrap()];
            line.insert_str(at, &format!(r#"sv = "sv {value}", "#));
        }
        out.push_str(&line);
        out.push('\n');
    }
    out
}

#[test]
fn tally_words_in_finnish_and_swedish() {
    let dir = TempDir::new("words-lang");
    {
        let store = Store::open(dir.path(), "test").unwrap();
        let toml = with_swedish(V1);
        let survey = kioski::core::validate::survey_from_str(&toml).unwrap();
        let hash = store.load(&survey, &toml, START_MS).unwrap().hash;
        let mut responses = seeds_responses(hash);
        responses[3].complete = false;
        store.submit_batch(&responses).unwrap();
    }
    for lang in ["fi", "sv"] {
        for (name, args) in [
            ("plain", vec![]),
            ("by", vec!["--by", "compared"]),
            ("both", vec!["--by", "compared", "--period", "month"]),
        ] {
            for format in ["markdown", "table", "csv"] {
                if format == "csv" && name != "plain" {
                    continue;
                }
                let out = tally(
                    dir.path(),
                    &[&["--format", format, "--lang", lang], args.as_slice()].concat(),
                );
                insta::assert_snapshot!(format!("words_{lang}_{format}_{name}"), out);
            }
        }
    }
}
