//! Responses as a table: CSV (RFC 4180, or what Finnish Excel opens) and
//! JSON Lines, one row per response, streamed from the store.
//!
//! Columns: `id, survey, version, terminal, language, started, submitted,
//! complete`, then per question: choice `q` (+ `q.other`), multi one 0/1
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
        fixed
            .into_iter()
            .chain(columns.iter().map(|c| c.cell(r)))
            .collect()
    };
    let headers: Vec<String> = FIXED
        .iter()
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

/// A cell as CSV text. Text that a spreadsheet would run as a formula
/// (starting with `= + - @`, tab or carriage return) gets a leading `'`.
fn csv_cell(cell: &Cell) -> String {
    match cell {
        Cell::Empty => String::new(),
        Cell::Int(n) => n.to_string(),
        Cell::Bool(b) => if *b { "1" } else { "0" }.to_owned(),
        Cell::Text(t) => neutralise(t),
    }
}

/// Text for a CSV cell: a leading `'` when a spreadsheet would run it as
/// a formula (it starts with `= + - @`, tab or carriage return).
pub fn neutralise(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
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
}
