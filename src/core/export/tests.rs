//! Rows and cells: labels in each language, formula neutralising, and
//! times in the zone passed in.

use jiff::tz::TimeZone;

use super::*;
use crate::core::answer::Answers;
use crate::core::response::Response;
use crate::core::validate::survey_from_str;
use crate::core::version::VersionHash;

const PALVELUPISTE: &str = include_str!("../../../surveys/palvelupiste.toml");

fn survey() -> Survey {
    survey_from_str(PALVELUPISTE).unwrap()
}

/// 2025-06-15 15:06:40 UTC.
const NOW: i64 = 1_750_000_000_000;

fn response(answers: &[(&str, Answer)]) -> Response {
    Response {
        id: uuid::Uuid::from_u128(7),
        survey: "palvelupiste".into(),
        version: VersionHash([7; 32]),
        terminal: "desk-1".into(),
        lang: Lang::Fi,
        started_ms: NOW - 60_000,
        submitted_ms: NOW,
        complete: true,
        answers: answers
            .iter()
            .map(|(q, a)| ((*q).to_owned(), a.clone()))
            .collect::<Answers>(),
        simulated: false,
        suspect: false,
    }
}

fn cell<'a>(table: &Table, row: &'a [Cell], column: &str) -> &'a Cell {
    let i = table.headers().iter().position(|h| h == column).unwrap();
    &row[i]
}

fn labels(lang: Option<Lang>) -> Options {
    Options {
        labels: lang.map_or(Labels::Default, Labels::In),
        ..Options::ids(Format::Csv, TimeZone::UTC)
    }
}

#[test]
fn labels_replace_ids_in_choice_cells_in_the_chosen_language() {
    let s = survey();
    let r = response(&[
        ("compared", Answer::Choice(Picked::Option("better".into()))),
        ("group", Answer::Choice(Picked::Other("=1+1".into()))),
        ("overall", Answer::Rating(4)),
        ("one_visit", Answer::YesNo(true)),
    ]);
    let ids = Table::new([&s], false, Options::ids(Format::Csv, TimeZone::UTC)).unwrap();
    let row = ids.row(&r);
    assert_eq!(cell(&ids, &row, "compared"), &Cell::Text("better".into()));
    assert_eq!(cell(&ids, &row, "group"), &Cell::Text("other".into()));
    for (lang, better, other) in [
        (None, "Parantunut", "Muu"),
        (Some(Lang::Sv), "Blivit bättre", "Annat"),
        (Some(Lang::En), "It has improved", "Other"),
    ] {
        let table = Table::new([&s], false, labels(lang)).unwrap();
        assert_eq!(table.headers(), ids.headers(), "headers keep the ids");
        let row = table.row(&r);
        assert_eq!(cell(&table, &row, "compared"), &Cell::Text(better.into()));
        assert_eq!(cell(&table, &row, "group"), &Cell::Text(other.into()));
        assert_eq!(cell(&table, &row, "overall"), &Cell::Int(4));
        assert_eq!(cell(&table, &row, "one_visit"), &Cell::Bool(true));
        // The respondent's own text is neutralised, labels or not.
        assert_eq!(cell(&table, &row, "group.other").csv(), "'=1+1");
    }
}

#[test]
fn an_option_only_an_older_version_had_keeps_its_old_label() {
    let old = survey();
    let new = survey_from_str(&PALVELUPISTE.replace(
        "  { id = \"dont_know\", fi = \"En osaa sanoa\", sv = \"Vet inte\", en = \"Don't know\" },\n",
        "",
    ))
    .unwrap();
    assert!(new.question("compared").unwrap().kind.options().len() == 3);
    let table = Table::new([&new, &old], false, labels(Some(Lang::En))).unwrap();
    let r = response(&[(
        "compared",
        Answer::Choice(Picked::Option("dont_know".into())),
    )]);
    assert_eq!(
        cell(&table, &table.row(&r), "compared"),
        &Cell::Text("Don't know".into())
    );
}

#[test]
fn a_language_the_survey_lacks_is_refused() {
    let mut s = survey();
    s.languages = vec![Lang::Fi, Lang::En];
    let err = Table::new([&s], false, labels(Some(Lang::Sv))).unwrap_err();
    assert_eq!(
        err.to_string(),
        "survey `palvelupiste` has no texts in sv (it has fi, en)"
    );
}

#[test]
fn times_are_written_in_the_zone_passed_in() {
    let s = survey();
    let r = response(&[]);
    let helsinki = TimeZone::get("Europe/Helsinki").unwrap();
    let table = Table::new([&s], false, Options::ids(Format::Csv, helsinki.clone())).unwrap();
    assert_eq!(
        cell(&table, &table.row(&r), "submitted"),
        &Cell::Text("2025-06-15T18:06:40+03:00".into())
    );
    let excel = Table::new([&s], false, Options::ids(Format::ExcelCsv, helsinki)).unwrap();
    assert_eq!(
        cell(&excel, &excel.row(&r), "submitted"),
        &Cell::Text("2025-06-15 18:06:40".into())
    );
    let utc = Table::new([&s], false, Options::ids(Format::Csv, TimeZone::UTC)).unwrap();
    assert_eq!(
        cell(&utc, &utc.row(&r), "started"),
        &Cell::Text("2025-06-15T15:05:40+00:00".into())
    );
}

#[test]
fn flag_columns_only_when_asked() {
    let s = survey();
    let plain = Table::new([&s], false, Options::ids(Format::Csv, TimeZone::UTC)).unwrap();
    let flagged = Table::new([&s], true, Options::ids(Format::Csv, TimeZone::UTC)).unwrap();
    assert!(!plain.headers().contains(&"simulated".to_owned()));
    assert_eq!(flagged.headers()[8..10], ["simulated", "suspect"]);
    assert_eq!(flagged.row(&response(&[])).len(), flagged.headers().len());
}

#[test]
fn the_codebook_has_a_row_per_option_and_per_option_less_question() {
    let s = survey();
    let (header, rows) = codebook([&s]);
    assert_eq!(
        header,
        [
            "question", "type", "text_fi", "text_sv", "text_en", "values", "option", "label_fi",
            "label_sv", "label_en"
        ]
    );
    let text = |r: &[Cell]| r.iter().map(Cell::csv).collect::<Vec<_>>();
    let rows: Vec<Vec<String>> = rows.iter().map(|r| text(r)).collect();
    assert_eq!(
        rows[0][..6],
        [
            "overall",
            "rating",
            "Millaisen kokonaisarvosanan annat palvelullemme tänään?",
            "Vilket helhetsbetyg ger du vår service i dag?",
            "Overall, how would you rate our service today?",
            "1-5"
        ]
    );
    assert_eq!(rows[0][6..], ["", "", "", ""]);
    let better = rows.iter().find(|r| r[6] == "better").unwrap();
    assert_eq!(
        better[7..],
        ["Parantunut", "Blivit bättre", "It has improved"]
    );
    let other = rows
        .iter()
        .find(|r| r[0] == "group" && r[6] == "other")
        .unwrap();
    assert_eq!(other[7..], ["Muu", "Annat", "Other"]);
}

#[test]
fn formulas_are_neutralised_but_numbers_are_not() {
    assert_eq!(
        Cell::Text("=HYPERLINK(\"x\")".into()).csv(),
        "'=HYPERLINK(\"x\")"
    );
    assert_eq!(Cell::Text("@SUM(A1)".into()).csv(), "'@SUM(A1)");
    assert_eq!(Cell::Text("-1+1".into()).csv(), "'-1+1");
    assert_eq!(Cell::Text("hyvä".into()).csv(), "hyvä");
    assert_eq!(Cell::Int(-5).csv(), "-5");
    assert_eq!(Cell::Bool(true).csv(), "1");
}

/// Spreadsheets differ in what they skip before they look for a
/// formula: a byte-order mark, zero-width and bidi marks, spaces, and
/// full-width signs all start one somewhere.
#[test]
fn formulas_behind_invisible_or_full_width_characters_are_neutralised() {
    for text in [
        "\u{feff}=1+1",
        "\u{200b}=HYPERLINK(\"x\")",
        "\u{200c}\u{200d}+1",
        "\u{2060}-1",
        "\u{00ad}@SUM(A1)",
        "\u{200e}=1",
        "\u{202e}=1",
        "\u{2067}=1",
        " =1",
        "\u{a0}\u{3000}=1",
        "\u{ff1d}1+1",
        "\u{ff0b}1",
        "\u{ff0d}1",
        "\u{ff20}SUM(A1)",
        "\u{feff} \u{ff1d}1",
    ] {
        assert_eq!(neutralise(text), format!("'{text}"), "{text:?}");
    }
    for text in ["\u{feff}hyvä", " 1-2", "a=b", "\u{200b}", "", "\u{ff21}"] {
        assert_eq!(neutralise(text), text, "{text:?}");
    }
}

const INVISIBLE: &[char] = &[
    '\u{feff}', '\u{200b}', '\u{200c}', '\u{200d}', '\u{2060}', '\u{00ad}', '\u{200e}', '\u{200f}',
    '\u{202a}', '\u{202b}', '\u{202c}', '\u{202d}', '\u{202e}', '\u{2066}', '\u{2067}', '\u{2068}',
    '\u{2069}', ' ', '\u{a0}', '\u{2003}', '\u{3000}', '\n',
];
const TRIGGERS: &[char] = &[
    '=', '+', '-', '@', '\u{ff1d}', '\u{ff0b}', '\u{ff0d}', '\u{ff20}',
];

proptest::proptest! {
    #[test]
    fn any_run_of_invisible_characters_before_a_trigger_is_neutralised(
        prefix in proptest::collection::vec(proptest::sample::select(INVISIBLE), 0..6),
        trigger in proptest::sample::select(TRIGGERS),
        rest in "\\PC{0,12}",
    ) {
        let text: String = prefix.iter().chain([&trigger]).collect::<String>() + &rest;
        proptest::prop_assert_eq!(neutralise(&text), format!("'{text}"));
    }

    #[test]
    fn text_that_starts_visibly_with_no_trigger_is_kept(
        prefix in proptest::collection::vec(proptest::sample::select(INVISIBLE), 0..6),
        first in "[\\pL\\pN\"'(]",
        rest in "\\PC{0,12}",
    ) {
        // Hangul fillers are letters that show nothing.
        proptest::prop_assume!(!first.starts_with(invisible));
        let text: String = prefix.iter().collect::<String>() + &first + &rest;
        proptest::prop_assert_eq!(neutralise(&text), text);
    }
}

// ---- Table::fill writes what Table::row does ------------------------------

const ALL: [&str; 3] = [
    PALVELUPISTE,
    include_str!("../../../surveys/asiointikanavat.toml"),
    include_str!("../../../surveys/palvelulupaus.toml"),
];

/// The three surveys as if they were versions of one: every kind of
/// column, labels from "older versions" too.
fn versions() -> Vec<Survey> {
    ALL.iter().map(|s| survey_from_str(s).unwrap()).collect()
}

/// Texts a cell may hold: option ids, "other", formulas, and anything.
fn arb_text() -> impl proptest::strategy::Strategy<Value = String> {
    use proptest::prelude::*;
    let ids: Vec<String> = versions()
        .iter()
        .flat_map(|s| s.questions.iter())
        .flat_map(|q| q.kind.options().iter().map(|o| o.id.clone()))
        .chain([OTHER_OPTION.to_owned(), "=1+1".into(), "\u{200b}@x".into()])
        .collect();
    prop_oneof![
        proptest::sample::select(ids),
        "\\PC{0,8}",
        "[\t\r=+@ -]{0,3}[a-z]{0,3}"
    ]
}

fn arb_answer() -> impl proptest::strategy::Strategy<Value = Answer> {
    use proptest::prelude::*;
    prop_oneof![
        arb_text().prop_map(|s| Answer::Choice(Picked::Option(s))),
        arb_text().prop_map(|s| Answer::Choice(Picked::Other(s))),
        (
            proptest::collection::vec(arb_text(), 0..4),
            proptest::option::of(arb_text())
        )
            .prop_map(|(options, other)| Answer::Multi { options, other }),
        proptest::collection::vec(arb_text(), 0..5).prop_map(Answer::Ranking),
        any::<u8>().prop_map(Answer::Rating),
        any::<u8>().prop_map(Answer::Nps),
        any::<bool>().prop_map(Answer::YesNo),
        any::<i64>().prop_map(Answer::Number),
        arb_text().prop_map(Answer::Text),
    ]
}

fn arb_response() -> impl proptest::strategy::Strategy<Value = Response> {
    use proptest::prelude::*;
    let questions: Vec<String> = versions()
        .iter()
        .flat_map(|s| s.questions.iter().map(|q| q.id.clone()))
        .chain(["nobody_asked".into()])
        .collect();
    let time = prop_oneof![
        // 1900..2100, and anything (most of which jiff cannot hold).
        -2_208_988_800_000i64..4_102_444_800_000,
        any::<i64>(),
        Just(-62_135_596_800_000i64 - 1),
    ];
    (
        proptest::collection::vec((proptest::sample::select(questions), arb_answer()), 0..12),
        (time.clone(), time),
        any::<(u128, bool, bool, bool, u8)>(),
        arb_text(),
    )
        .prop_map(
            |(
                answers,
                (started_ms, submitted_ms),
                (id, complete, simulated, suspect, v),
                terminal,
            )| {
                Response {
                    id: uuid::Uuid::from_u128(id),
                    survey: terminal.chars().rev().collect(),
                    version: VersionHash([v % 3; 32]),
                    terminal,
                    lang: [Lang::Fi, Lang::Sv, Lang::En][usize::from(v % 3)],
                    started_ms,
                    submitted_ms,
                    complete,
                    answers: answers.into_iter().collect(),
                    simulated,
                    suspect,
                }
            },
        )
}

/// What [`Table::fill`] should write for an old-path cell.
fn expected(format: Format, cell: &Cell) -> (Kind, String) {
    match (cell, format) {
        (Cell::Empty, _) => (Kind::Empty, String::new()),
        (Cell::Int(n), _) => (Kind::Int, n.to_string()),
        (Cell::Bool(b), _) => (Kind::Bool, if *b { "1" } else { "0" }.into()),
        (Cell::Text(t), Format::Jsonl) => (Kind::Text, t.clone()),
        (Cell::Text(_), _) => (Kind::Text, cell.csv()),
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
    #[test]
    fn fill_writes_the_cells_row_makes(
        responses in proptest::collection::vec(arb_response(), 1..6),
        format in proptest::sample::select(vec![Format::Csv, Format::ExcelCsv, Format::Jsonl]),
        labels in proptest::sample::select(vec![
            Labels::Ids, Labels::Default, Labels::In(Lang::Fi), Labels::In(Lang::Sv), Labels::In(Lang::En),
        ]),
        zone in proptest::sample::select(vec![
            "UTC", "Europe/Helsinki", "America/St_Johns", "Asia/Kathmandu", "+37", "-41400",
        ]),
        flags in proptest::prelude::any::<bool>(),
        order in 0usize..3,
    ) {
        // Fixed offsets in seconds, one of them not whole minutes.
        let zone = match zone.parse::<i32>() {
            Ok(seconds) => TimeZone::fixed(jiff::tz::Offset::from_seconds(seconds).unwrap()),
            Err(_) => TimeZone::get(zone).unwrap(),
        };
        let mut versions = versions();
        versions.rotate_left(order);
        let options = Options { format, time_zone: zone, labels };
        let Ok(table) = Table::new(&versions, flags, options) else {
            return Ok(());
        };
        // One row buffer for every response, as an export keeps it.
        let mut row = Row::default();
        for r in &responses {
            table.fill(r, &mut row);
            let old: Vec<(Kind, String)> = table.row(r).iter().map(|c| expected(format, c)).collect();
            let new: Vec<(Kind, String)> =
                (0..row.len()).map(|i| row.get(i).map(|(k, t)| (k, t.to_owned())).unwrap()).collect();
            proptest::prop_assert_eq!(new, old);
            proptest::prop_assert_eq!(row.texts().count(), table.headers().len());
        }
    }
}
