//! Responses as a table: CSV (RFC 4180, or what Finnish Excel opens) and
//! JSON Lines, one row per response, streamed from the store.
//!
//! Columns: `id, survey, version, terminal, language, started, submitted,
//! complete` (then `simulated, suspect` when any response to the survey
//! has a flag set), then per question: choice `q` (+ `q.other`), multi one 0/1
//! column per option `q.OPTION` (+ `q.other`), ranking `q.1` … `q.PICK`,
//! text and numbers `q`, yesno `q` as 1/0. Questions come in the order of
//! the newest version; questions only older versions had follow.

use std::io::{self, Write};

use jiff::Timestamp;
use jiff::tz::TimeZone;
use serde_json::{Map, Value as Json};

use super::ReadStore;
use super::StoreError;
use crate::core::answer::{Answer, Picked};
use crate::core::response::Response;
use crate::core::survey::{OTHER_OPTION, QuestionKind, Survey};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Csv,
    /// `;`-separated, UTF-8 BOM, local times without offset, decimal comma.
    ExcelCsv,
    Jsonl,
}

/// One cell of the table.
#[derive(Clone, Debug, PartialEq)]
enum Cell {
    Empty,
    Int(i64),
    Bool(bool),
    /// Text from people or files: neutralised against formula injection in CSV.
    Text(String),
}

/// What a column shows of a response.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Column {
    Choice(String),
    ChoiceOther(String),
    MultiOption(String, String),
    MultiOther(String),
    Rank(String, usize),
    Value(String),
}

impl Column {
    fn header(&self) -> String {
        match self {
            Column::Choice(q) | Column::Value(q) => q.clone(),
            Column::ChoiceOther(q) | Column::MultiOther(q) => format!("{q}.{OTHER_OPTION}"),
            Column::MultiOption(q, o) => format!("{q}.{o}"),
            Column::Rank(q, n) => format!("{q}.{n}"),
        }
    }

    fn cell(&self, r: &Response) -> Cell {
        let answer = |q: &str| r.answers.get(q);
        match self {
            Column::Choice(q) => match answer(q) {
                Some(Answer::Choice(Picked::Option(id))) => Cell::Text(id.clone()),
                Some(Answer::Choice(Picked::Other(_))) => Cell::Text(OTHER_OPTION.into()),
                _ => Cell::Empty,
            },
            Column::ChoiceOther(q) => match answer(q) {
                Some(Answer::Choice(Picked::Other(text))) => Cell::Text(text.clone()),
                _ => Cell::Empty,
            },
            Column::MultiOption(q, o) => match answer(q) {
                Some(Answer::Multi { options, .. }) => Cell::Bool(options.contains(o)),
                _ => Cell::Empty,
            },
            Column::MultiOther(q) => match answer(q) {
                Some(Answer::Multi {
                    other: Some(text), ..
                }) => Cell::Text(text.clone()),
                _ => Cell::Empty,
            },
            Column::Rank(q, n) => match answer(q) {
                Some(Answer::Ranking(order)) => order
                    .get(n - 1)
                    .map_or(Cell::Empty, |id| Cell::Text(id.clone())),
                _ => Cell::Empty,
            },
            Column::Value(q) => match answer(q) {
                Some(Answer::Rating(v) | Answer::Nps(v)) => Cell::Int(i64::from(*v)),
                Some(Answer::Number(v)) => Cell::Int(*v),
                Some(Answer::YesNo(b)) => Cell::Bool(*b),
                Some(Answer::Text(t)) => Cell::Text(t.clone()),
                _ => Cell::Empty,
            },
        }
    }
}

fn columns_of(survey: &Survey, out: &mut Vec<Column>) {
    for q in &survey.questions {
        let id = q.id.clone();
        let cols: Vec<Column> = match &q.kind {
            QuestionKind::Choice { other, .. } => {
                let mut c = vec![Column::Choice(id.clone())];
                if *other {
                    c.push(Column::ChoiceOther(id));
                }
                c
            }
            QuestionKind::Multi { options, other, .. } => {
                let mut c: Vec<Column> = options
                    .iter()
                    .map(|o| Column::MultiOption(id.clone(), o.id.clone()))
                    .collect();
                if *other {
                    c.push(Column::MultiOther(id));
                }
                c
            }
            QuestionKind::Ranking { pick, .. } => (1..=*pick as usize)
                .map(|n| Column::Rank(id.clone(), n))
                .collect(),
            _ => vec![Column::Value(id)],
        };
        for c in cols {
            if !out.contains(&c) {
                out.push(c);
            }
        }
    }
}

const FIXED: [&str; 8] = [
    "id",
    "survey",
    "version",
    "terminal",
    "language",
    "started",
    "submitted",
    "complete",
];

/// After `complete` when any response to the survey is flagged.
const FLAGS: [&str; 2] = ["simulated", "suspect"];

/// Writes every response to survey `id`; returns the number of rows.
pub fn export(
    store: &(impl ReadStore + ?Sized),
    id: &str,
    format: Format,
    out: &mut impl Write,
) -> Result<u64, ExportError> {
    let entry = store
        .survey_entry(id)?
        .ok_or_else(|| StoreError::UnknownSurvey(id.to_owned()))?;
    let mut columns = Vec::new();
    for v in entry.versions.iter().rev() {
        columns_of(&*store.survey_of(&v.hash)?, &mut columns);
    }
    let tz = TimeZone::system();
    let time = |ms: i64| -> String {
        let Ok(t) = Timestamp::from_millisecond(ms) else {
            return String::new();
        };
        let zoned = t.to_zoned_datetime(tz.clone());
        match format {
            Format::ExcelCsv => zoned.strftime("%Y-%m-%d %H:%M:%S").to_string(),
            _ => zoned.strftime("%Y-%m-%dT%H:%M:%S%:z").to_string(),
        }
    };
    // The flag columns only when the survey has flagged responses, so an
    // export without them is what it always was.
    let flags = store.holds_flagged(id)?;
    let row = |r: &Response| -> Vec<Cell> {
        let fixed = [
            Cell::Text(r.id.to_string()),
            Cell::Text(r.survey.clone()),
            Cell::Text(r.version.short()),
            Cell::Text(r.terminal.clone()),
            Cell::Text(r.lang.code().into()),
            Cell::Text(time(r.started_ms)),
            Cell::Text(time(r.submitted_ms)),
            Cell::Bool(r.complete),
        ];
        let flagged = [Cell::Bool(r.simulated), Cell::Bool(r.suspect)];
        fixed
            .into_iter()
            .chain(flagged.into_iter().filter(|_| flags))
            .chain(columns.iter().map(|c| c.cell(r)))
            .collect()
    };
    let headers: Vec<String> = FIXED
        .iter()
        .chain(FLAGS.iter().filter(|_| flags))
        .map(|s| (*s).to_owned())
        .chain(columns.iter().map(Column::header))
        .collect();
    let mut rows = 0u64;
    match format {
        Format::Jsonl => {
            for r in store.responses(id) {
                let mut object = Map::new();
                for (h, cell) in headers.iter().zip(row(&r?)) {
                    object.insert(
                        h.clone(),
                        match cell {
                            Cell::Empty => Json::Null,
                            Cell::Int(n) => Json::from(n),
                            Cell::Bool(b) => Json::from(b),
                            Cell::Text(t) => Json::from(t),
                        },
                    );
                }
                serde_json::to_writer(&mut *out, &object).map_err(io::Error::from)?;
                out.write_all(b"\n")?;
                rows += 1;
            }
        }
        Format::Csv | Format::ExcelCsv => {
            let excel = format == Format::ExcelCsv;
            if excel {
                out.write_all("\u{feff}".as_bytes())?;
            }
            let mut w = csv::WriterBuilder::new()
                .delimiter(if excel { b';' } else { b',' })
                .terminator(csv::Terminator::CRLF)
                .from_writer(&mut *out);
            w.write_record(&headers).map_err(csv_error)?;
            for r in store.responses(id) {
                let cells = row(&r?);
                w.write_record(cells.iter().map(csv_cell))
                    .map_err(csv_error)?;
                rows += 1;
            }
            w.flush()?;
        }
    }
    Ok(rows)
}

/// A cell as CSV text; text goes through [`neutralise`].
fn csv_cell(cell: &Cell) -> String {
    match cell {
        Cell::Empty => String::new(),
        Cell::Int(n) => n.to_string(),
        Cell::Bool(b) => if *b { "1" } else { "0" }.to_owned(),
        Cell::Text(t) => neutralise(t),
    }
}

/// Text for a CSV cell: a leading `'` when a spreadsheet could run it as
/// a formula. That is when it starts with a tab or carriage return, or
/// when its first visible character is `= + - @` or a full-width
/// `＝ ＋ － ＠`: spreadsheets differ in which invisible characters (a
/// byte-order mark, zero-width and bidi marks, spaces) they strip before
/// they look, so all of them are skipped here.
pub fn neutralise(text: &str) -> String {
    let visible = text.trim_start_matches(invisible);
    if text.starts_with(['\t', '\r']) || visible.starts_with(is_formula_start) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

/// The characters that start a formula, ASCII or full-width (and their
/// small forms, which some spreadsheets fold the same way).
fn is_formula_start(c: char) -> bool {
    matches!(
        c,
        '=' | '+'
            | '-'
            | '@'
            | '\u{ff1d}'
            | '\u{ff0b}'
            | '\u{ff0d}'
            | '\u{ff20}'
            | '\u{fe66}'
            | '\u{fe62}'
            | '\u{fe63}'
            | '\u{fe6b}'
    )
}

/// White space and the invisible format characters a spreadsheet may
/// drop: soft hyphen, zero-width space and joiners, word joiner and
/// invisible operators, bidi marks, embeddings, overrides and isolates,
/// the byte-order mark, Mongolian vowel separator, combining grapheme
/// joiner, Hangul fillers and tag characters.
fn invisible(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '\u{00ad}'
                | '\u{034f}'
                | '\u{061c}'
                | '\u{115f}'
                | '\u{1160}'
                | '\u{180e}'
                | '\u{200b}'..='\u{200f}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2060}'..='\u{2064}'
                | '\u{2066}'..='\u{206f}'
                | '\u{3164}'
                | '\u{feff}'
                | '\u{ffa0}'
                | '\u{e0000}'..='\u{e007f}'
        )
}

fn csv_error(e: csv::Error) -> ExportError {
    let text = e.to_string();
    match e.into_kind() {
        csv::ErrorKind::Io(e) => ExportError::Io(e),
        _ => ExportError::Io(io::Error::other(text)),
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("cannot write the export: {}", super::database::io_reason(.0))]
    Io(#[from] io::Error),
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised_but_numbers_are_not() {
        assert_eq!(
            csv_cell(&Cell::Text("=HYPERLINK(\"x\")".into())),
            "'=HYPERLINK(\"x\")"
        );
        assert_eq!(csv_cell(&Cell::Text("@SUM(A1)".into())), "'@SUM(A1)");
        assert_eq!(csv_cell(&Cell::Text("-1+1".into())), "'-1+1");
        assert_eq!(csv_cell(&Cell::Text("hyvä".into())), "hyvä");
        assert_eq!(csv_cell(&Cell::Int(-5)), "-5");
        assert_eq!(csv_cell(&Cell::Bool(true)), "1");
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
        '\u{feff}', '\u{200b}', '\u{200c}', '\u{200d}', '\u{2060}', '\u{00ad}', '\u{200e}',
        '\u{200f}', '\u{202a}', '\u{202b}', '\u{202c}', '\u{202d}', '\u{202e}', '\u{2066}',
        '\u{2067}', '\u{2068}', '\u{2069}', ' ', '\u{a0}', '\u{2003}', '\u{3000}', '\n',
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
}
