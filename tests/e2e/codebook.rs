//! `export --labels` and `export --codebook` on a copy of the golden
//! store: what a spreadsheet user reads instead of option ids.

use crate::golden::golden_store;
use crate::support::{TempDir, kioski};

fn stdout(store: &std::path::Path, args: &[&str]) -> String {
    let run = kioski([&["export"][..], args].concat()).store(store).run();
    run.expect_code(0);
    run.stdout
}

fn csv_rows(text: &str) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

/// The ids export and the labels export have the same header and rows;
/// choice cells hold the survey's words in the chosen language (the
/// first one by default), numbers and 0/1 stay.
#[test]
fn labels_replace_option_ids_in_the_chosen_language() {
    let tmp = TempDir::new("labels");
    let store = golden_store(&tmp);
    let ids = csv_rows(&stdout(&store, &["--survey", "palvelupiste"]));
    let fi = csv_rows(&stdout(&store, &["--survey", "palvelupiste", "--labels"]));
    let en = csv_rows(&stdout(
        &store,
        &["--survey", "palvelupiste", "--labels", "--lang", "en"],
    ));
    assert_eq!(ids[0], fi[0], "the header keeps the ids");
    assert_eq!(ids.len(), fi.len());
    let col = |name: &str| ids[0].iter().position(|h| h == name).unwrap();
    assert_eq!(ids[1][col("compared")], "better");
    assert_eq!(fi[1][col("compared")], "Parantunut");
    assert_eq!(en[1][col("compared")], "It has improved");
    assert_eq!(fi[1][col("group")], "Kuntalainen");
    assert_eq!(en[1][col("group")], "Resident");
    assert_eq!(fi[1][col("overall")], ids[1][col("overall")]);
    assert_eq!(fi[1][col("one_visit")], ids[1][col("one_visit")]);

    // Excel CSV and JSON Lines take labels too.
    let excel = stdout(
        &store,
        &[
            "--survey",
            "palvelupiste",
            "--excel",
            "--labels",
            "--lang",
            "sv",
        ],
    );
    assert!(excel.contains(";Blivit bättre;"), "{}", &excel[..400]);
    let jsonl = stdout(
        &store,
        &["--survey", "palvelupiste", "--format", "jsonl", "--labels"],
    );
    let first: serde_json::Value = serde_json::from_str(jsonl.lines().next().unwrap()).unwrap();
    assert_eq!(first["compared"], "Parantunut");
    assert_eq!(first["overall"], 3);
}

#[test]
fn a_language_the_survey_lacks_is_refused() {
    let tmp = TempDir::new("labels-lang");
    let store = golden_store(&tmp);
    let run = kioski(["export", "--survey", "pulssi", "--labels", "--lang", "de"])
        .store(&store)
        .run();
    run.expect_code(2);
    let run = kioski(["export", "--survey", "pulssi", "--lang", "en"])
        .store(&store)
        .run();
    run.expect_code(2);
    assert!(run.stderr.contains("--labels"), "{run}");
}

/// One row per option, one per option-less question; texts in every
/// language of the survey as columns.
#[test]
fn the_codebook_lists_questions_texts_types_and_options() {
    let tmp = TempDir::new("codebook");
    let store = golden_store(&tmp);
    let rows = csv_rows(&stdout(&store, &["--survey", "palvelupiste", "--codebook"]));
    assert_eq!(
        rows[0],
        [
            "question", "type", "text_fi", "text_sv", "text_en", "values", "option", "label_fi",
            "label_sv", "label_en"
        ]
    );
    let find = |q: &str, o: &str| {
        rows.iter()
            .find(|r| r[0] == q && r[6] == o)
            .unwrap_or_else(|| panic!("no row {q} {o}: {rows:?}"))
            .clone()
    };
    let overall = find("overall", "");
    assert_eq!(overall[1], "rating");
    assert_eq!(overall[3], "Vilket helhetsbetyg ger du vår service i dag?");
    assert_eq!(overall[4], "Overall, how would you rate our service today?");
    assert_eq!(overall[5], "1-5");
    let better = find("compared", "better");
    assert_eq!(better[1], "choice");
    assert_eq!([&better[7], &better[9]], ["Parantunut", "It has improved"]);
    let other = find("group", "other");
    assert_eq!([&other[7], &other[9]], ["Muu", "Other"]);
    assert_eq!(find("recommend", "")[5], "0-10");
    // Every choice option and every option-less question, once.
    assert_eq!(rows.len(), 1 + 1 + 1 + 4 + 1 + 1 + 5);
}

#[test]
fn the_codebook_goes_with_csv_only() {
    let tmp = TempDir::new("codebook-jsonl");
    let store = golden_store(&tmp);
    let run = kioski([
        "export",
        "--survey",
        "pulssi",
        "--codebook",
        "--format",
        "jsonl",
    ])
    .store(&store)
    .run();
    run.expect_code(2);
}
