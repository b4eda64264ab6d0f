//! `tally` and `report` with `--terminal NAME` and `--by terminal` on a
//! store that holds two terminals' responses: its own, and those of a
//! second store imported from that store's bundle.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::support::{Run, TempDir, kioski};

/// The store holding both terminals' responses (kirjasto-1's own, asema's
/// imported), and each terminal's own `tally --format json` from before.
struct Two {
    _dir: TempDir,
    store: PathBuf,
    kirjasto: Value,
    asema: Value,
}

fn filled(store: &Path, terminal: &str, n: &str, seed: &str) {
    kioski(["load", "surveys/palvelupiste.toml"])
        .store(store)
        .run()
        .expect_code(0);
    let args = ["simulate", "--respondents", n, "--seed", seed];
    kioski(args.into_iter().chain(["--terminal", terminal]))
        .store(store)
        .run()
        .expect_code(0);
}

fn json(run: &Run) -> Value {
    run.expect_code(0);
    serde_json::from_str(&run.stdout).unwrap_or_else(|e| panic!("{e}:\n{run}"))
}

fn tally(store: &Path, args: &[&str]) -> Run {
    kioski(["tally"].iter().chain(args).copied())
        .store(store)
        .run()
}

fn two_terminals(label: &str) -> Two {
    let dir = TempDir::new(label);
    let (store, other) = (dir.path().join("a"), dir.path().join("b"));
    filled(&store, "kirjasto-1", "300", "11");
    filled(&other, "asema", "200", "12");
    let kirjasto = json(&tally(&store, &["--format", "json"]));
    let asema = json(&tally(&other, &["--format", "json"]));
    let bundle = dir.path().join("asema.kioski");
    let bundle = bundle.to_str().unwrap();
    kioski(["bundle", "export", "--out", bundle])
        .store(&other)
        .run()
        .expect_code(0);
    kioski(["bundle", "import", bundle])
        .store(&store)
        .run()
        .expect_code(0);
    Two {
        _dir: dir,
        store,
        kirjasto,
        asema,
    }
}

/// `v` without the keys named.
fn without(v: &Value, keys: &[&str]) -> Value {
    let mut v = v.clone();
    for k in keys {
        v.as_object_mut().unwrap().remove(*k);
    }
    v
}

#[test]
fn only_the_named_terminals_count_figure_for_figure() {
    let two = two_terminals("terminal-filter");
    let all = json(&tally(&two.store, &["--format", "json"]));
    assert_eq!(
        all["responses"].as_u64().unwrap(),
        two.kirjasto["responses"].as_u64().unwrap() + two.asema["responses"].as_u64().unwrap()
    );
    for (name, alone) in [("kirjasto-1", &two.kirjasto), ("asema", &two.asema)] {
        let only = json(&tally(
            &two.store,
            &["--format", "json", "--terminal", name],
        ));
        assert_eq!(only["terminals"], serde_json::json!([name]));
        assert_eq!(&without(&only, &["terminals"]), alone, "{name}");
    }
    for args in [
        &["--terminal", "kirjasto-1,asema"][..],
        &["--terminal", "asema", "--terminal", "kirjasto-1"][..],
    ] {
        let both = json(&tally(
            &two.store,
            &[&["--format", "json"][..], args].concat(),
        ));
        assert_eq!(without(&both, &["terminals"]), all, "{args:?}");
    }
}

#[test]
fn an_unknown_terminal_is_named_in_a_note_not_left_silent() {
    let two = two_terminals("terminal-unknown");
    let run = tally(
        &two.store,
        &["--format", "json", "--terminal", "kirjasto-9"],
    );
    let out = json(&run);
    assert_eq!(out["responses"], 0);
    assert_eq!(out["unknown_terminals"], serde_json::json!(["kirjasto-9"]));
    assert!(
        run.stderr.contains(
            "no response to survey `palvelupiste` came from terminal `kirjasto-9`. Did you mean `kirjasto-1`?"
        ),
        "{run}"
    );
    let run = tally(&two.store, &["--terminal", "asema,nowhere"]);
    run.expect_code(0);
    assert!(
        run.stderr
            .contains("came from terminal `nowhere`. Its terminals: `asema`, `kirjasto-1`."),
        "{run}"
    );
    assert!(!run.stderr.contains("`asema`."), "{run}");
    // The table still shows what asema's responses say, and says whose.
    assert!(run.stdout.contains("\noverall · "), "{run}");
    assert!(run.stdout.contains(", pääte: asema,nowhere\n"), "{run}");
}

#[test]
fn by_terminal_in_json_table_csv_and_markdown() {
    let two = two_terminals("terminal-by");
    let out = json(&tally(
        &two.store,
        &["--format", "json", "--by", "terminal"],
    ));
    assert_eq!(out["by"], "@terminal");
    let cells = out["cells"].as_array().unwrap();
    let groups: Vec<&str> = cells.iter().map(|c| c["group"].as_str().unwrap()).collect();
    assert_eq!(groups, ["asema", "kirjasto-1"]);
    // Each terminal's group is that terminal's own tally.
    assert_eq!(without(&cells[0], &["group"]), two.asema);
    assert_eq!(without(&cells[1], &["group"]), two.kirjasto);
    // `@terminal` means the same; with a period, the margins are there.
    let at = json(&tally(
        &two.store,
        &["--format", "json", "--by", "@terminal"],
    ));
    assert_eq!(at, out);
    let monthly = json(&tally(
        &two.store,
        &["--format", "json", "--by", "terminal", "--period", "year"],
    ));
    let margins = monthly["cells"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["period"] == "(all)")
        .map(|c| c["group"].as_str().unwrap())
        .collect::<Vec<_>>();
    assert_eq!(margins, ["asema", "kirjasto-1"]);

    let table = tally(&two.store, &["--by", "terminal", "--lang", "en"]);
    table.expect_code(0);
    assert!(table.stdout.contains("\n  columns: terminal\n"), "{table}");
    let head = table
        .stdout
        .lines()
        .find(|l| l.contains("kirjasto-1"))
        .unwrap_or_else(|| panic!("no column of kirjasto-1:\n{table}"));
    assert!(head.contains("(all)") && head.contains("asema"), "{head}");
    let fi = tally(&two.store, &["--by", "terminal", "--lang", "fi"]);
    assert!(fi.stdout.contains("\n  sarakkeet: pääte\n"), "{fi}");
    let sv = tally(&two.store, &["--by", "terminal", "--lang", "sv"]);
    assert!(sv.stdout.contains("\n  kolumner: terminal\n"), "{sv}");

    let csv = tally(&two.store, &["--by", "terminal", "--format", "csv"]);
    csv.expect_code(0);
    let groups: std::collections::BTreeSet<&str> = csv
        .stdout
        .lines()
        .skip(1)
        .filter_map(|l| l.split(',').nth(1))
        .collect();
    assert_eq!(
        groups.into_iter().collect::<Vec<_>>(),
        ["", "asema", "kirjasto-1"]
    );

    let md = tally(
        &two.store,
        &["--by", "terminal", "--format", "markdown", "--lang", "en"],
    );
    md.expect_code(0);
    assert!(md.stdout.contains("\nColumns: terminal.\n"), "{md}");
    assert!(
        md.stdout
            .contains("| answer | (all) | asema | kirjasto-1 |"),
        "{md}"
    );
}

#[test]
fn the_reports_comparison_table_has_a_column_per_terminal() {
    use crate::report::{json_figures_except, page_figures, same_figures};
    let two = two_terminals("terminal-report");
    let out = json(&tally(
        &two.store,
        &[
            "--format",
            "json",
            "--by",
            "terminal",
            "--terminal",
            "asema,kirjasto-1",
        ],
    ));
    let html = two.store.join("..").join("report.html");
    let html_arg = html.to_str().unwrap();
    let run = kioski([
        "report",
        "--by",
        "terminal",
        "--terminal",
        "asema,kirjasto-1",
        "--lang",
        "fi",
        "--out",
        html_arg,
    ])
    .store(&two.store)
    .run();
    run.expect_code(0);
    let html = std::fs::read_to_string(&html).unwrap();
    assert!(html.contains("Ryhmittäin: pääte"), "no heading");
    let page = page_figures(&html);
    for cell in out["cells"].as_array().unwrap() {
        let group = cell["group"].as_str().unwrap();
        same_figures(group, &json_figures_except(cell, true, None), &page);
    }
    let empty = two.store.join("..").join("empty.html");
    let unknown = kioski([
        "report",
        "--terminal",
        "nowhere",
        "--out",
        empty.to_str().unwrap(),
    ])
    .store(&two.store)
    .run();
    unknown.expect_code(0);
    assert!(
        unknown.stderr.contains("came from terminal `nowhere`"),
        "{unknown}"
    );
}

const DESK: &str = r#"
id = "desk"
languages = ["en"]
title = { en = "Desk" }

[[question]]
id = "terminal"
type = "choice"
text = { en = "Which desk?" }
options = [ { id = "a", en = "A" }, { id = "b", en = "B" } ]
"#;

#[test]
fn a_question_named_terminal_keeps_by_terminal_and_at_terminal_names_the_terminals() {
    let dir = TempDir::new("terminal-question");
    let file = dir.write("desk.toml", DESK);
    let store = dir.path().join("store");
    kioski(["load", file.to_str().unwrap()])
        .store(&store)
        .run()
        .expect_code(0);
    let args = ["simulate", "--respondents", "40", "--seed", "3"];
    kioski(args.into_iter().chain(["--terminal", "kirjasto-1"]))
        .store(&store)
        .run()
        .expect_code(0);
    let run = tally(&store, &["--format", "json", "--by", "terminal"]);
    let question = json(&run);
    assert_eq!(question["by"], "terminal");
    let groups: Vec<&str> = question["cells"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["group"].as_str().unwrap())
        .collect();
    assert!(
        groups.iter().all(|g| ["a", "b", "(none)"].contains(g)),
        "{groups:?}"
    );
    assert!(
        run.stderr
            .contains("--by @terminal groups by the terminals"),
        "{run}"
    );
    let run = tally(&store, &["--format", "json", "--by", "@terminal"]);
    let terminals = json(&run);
    assert_eq!(terminals["by"], "@terminal");
    assert_eq!(terminals["cells"][0]["group"], "kirjasto-1");
    assert!(run.stderr.is_empty(), "{run}");
}
