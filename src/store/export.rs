//! Responses as a table (CSV, RFC 4180 or what Finnish Excel opens, and
//! JSON Lines, one row per response) and a survey's codebook, streamed
//! from the store. The rows themselves come from [`crate::core::export`];
//! this reads the versions and responses and writes the rows out.

use std::collections::HashMap;
use std::io::{self, Write};

use jiff::tz::TimeZone;

use super::ReadStore;
use super::StoreError;
use crate::core::export::{
    Cell, Kind, NoSuchLanguage, Options, Row, Table, codebook as codebook_rows,
};
use crate::core::survey::Survey;

pub use crate::core::export::{Format, neutralise};

/// The survey's versions, newest first.
fn versions(
    store: &(impl ReadStore + ?Sized),
    id: &str,
) -> Result<Vec<std::sync::Arc<Survey>>, StoreError> {
    let entry = store
        .survey_entry(id)?
        .ok_or_else(|| StoreError::UnknownSurvey(id.to_owned()))?;
    entry
        .versions
        .iter()
        .rev()
        .map(|v| store.survey_of(&v.hash))
        .collect()
}

/// Writes every response to survey `id` with ids, times in the system's
/// zone; returns the number of rows.
pub fn export(
    store: &(impl ReadStore + ?Sized),
    id: &str,
    format: Format,
    out: &mut impl Write,
) -> Result<u64, ExportError> {
    export_with(store, id, Options::ids(format, TimeZone::system()), out)
}

/// Writes every response to survey `id` as `options` say; returns the
/// number of rows.
pub fn export_with(
    store: &(impl ReadStore + ?Sized),
    id: &str,
    options: Options,
    out: &mut impl Write,
) -> Result<u64, ExportError> {
    let versions = versions(store, id)?;
    // The flag columns only when the survey has flagged responses, so an
    // export without them is what it always was.
    let flags = store.holds_flagged(id)?;
    let format = options.format;
    let table = Table::new(versions.iter().map(|s| &**s), flags, options)?;
    let headers = table.headers();
    let mut rows = 0u64;
    // One row buffer (and one line) for every response.
    let mut row = Row::default();
    match format {
        Format::Jsonl => {
            let keys = json_keys(&headers)?;
            let mut line = Vec::new();
            for r in store.responses(id) {
                table.fill(&r?, &mut row);
                line.clear();
                json_line(&keys, &row, &mut line)?;
                out.write_all(&line)?;
                rows += 1;
            }
        }
        Format::Csv | Format::ExcelCsv => {
            let mut w = csv_writer(format == Format::ExcelCsv, out)?;
            w.write_record(&headers).map_err(csv_error)?;
            for r in store.responses(id) {
                table.fill(&r?, &mut row);
                w.write_record(row.texts()).map_err(csv_error)?;
                rows += 1;
            }
            w.flush()?;
        }
    }
    Ok(rows)
}

/// Each key of a JSON line, as JSON with its colon, and the cell it
/// takes. A column id twice (a question whose kind changed between
/// versions) is one key, where it first came, holding the later cell: what
/// inserting the cells into a `serde_json::Map` in order made.
fn json_keys(headers: &[String]) -> Result<Vec<(Vec<u8>, usize)>, ExportError> {
    let mut keys: Vec<(Vec<u8>, usize)> = Vec::with_capacity(headers.len());
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (i, h) in headers.iter().enumerate() {
        match seen.get(h.as_str()) {
            Some(&k) => keys[k].1 = i,
            None => {
                seen.insert(h, keys.len());
                let mut key = serde_json::to_vec(h).map_err(io::Error::from)?;
                key.push(b':');
                keys.push((key, i));
            }
        }
    }
    Ok(keys)
}

/// One row as a JSON object and a newline, as `serde_json` writes a map
/// of the cells (empty `null`, numbers, `true`/`false`, strings).
fn json_line(keys: &[(Vec<u8>, usize)], row: &Row, line: &mut Vec<u8>) -> io::Result<()> {
    line.push(b'{');
    for (n, (key, i)) in keys.iter().enumerate() {
        if n > 0 {
            line.push(b',');
        }
        line.extend_from_slice(key);
        match row.get(*i) {
            None | Some((Kind::Empty, _)) => line.extend_from_slice(b"null"),
            Some((Kind::Int, t)) => line.extend_from_slice(t.as_bytes()),
            Some((Kind::Bool, t)) => {
                line.extend_from_slice(if t == "1" { b"true" } else { b"false" })
            }
            Some((Kind::Text, t)) => serde_json::to_writer(&mut *line, t)?,
        }
    }
    line.extend_from_slice(b"}\n");
    Ok(())
}

/// Writes the codebook of survey `id` as CSV (Excel's when `excel`);
/// returns the number of rows.
pub fn codebook(
    store: &(impl ReadStore + ?Sized),
    id: &str,
    excel: bool,
    out: &mut impl Write,
) -> Result<u64, ExportError> {
    let versions = versions(store, id)?;
    let (headers, rows) = codebook_rows(versions.iter().map(|s| &**s));
    let mut w = csv_writer(excel, out)?;
    w.write_record(&headers).map_err(csv_error)?;
    for row in &rows {
        w.write_record(row.iter().map(Cell::csv))
            .map_err(csv_error)?;
    }
    w.flush()?;
    Ok(rows.len() as u64)
}

/// A CSV writer: RFC 4180, or `;`-separated after a byte-order mark.
fn csv_writer<W: Write>(excel: bool, out: &mut W) -> Result<csv::Writer<&mut W>, ExportError> {
    if excel {
        out.write_all("\u{feff}".as_bytes())?;
    }
    Ok(csv::WriterBuilder::new()
        .delimiter(if excel { b';' } else { b',' })
        .terminator(csv::Terminator::CRLF)
        .buffer_capacity(1 << 16)
        .from_writer(out))
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
    #[error("cannot write {path}: {reason}")]
    Write { path: String, reason: String },
    #[error(transparent)]
    Lang(#[from] NoSuchLanguage),
    #[error(transparent)]
    Store(#[from] StoreError),
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::{Map, Value as Json};

    fn arb_cell() -> impl Strategy<Value = Cell> {
        prop_oneof![
            Just(Cell::Empty),
            any::<i64>().prop_map(Cell::Int),
            any::<bool>().prop_map(Cell::Bool),
            "\\PC{0,8}|[\"\\\\\u{0}-\u{1f}\u{7f}\u{2028}]{0,4}".prop_map(Cell::Text),
        ]
    }

    proptest! {
        /// What export wrote before rows were filled in place: the cells
        /// inserted into a map in order, the map written.
        #[test]
        fn a_json_line_is_what_serde_json_wrote_of_a_map(
            cells in prop::collection::vec(
                (prop::sample::select(vec!["id", "q", "q.1", "ä", "\"x\"", "\\", "\n"]), arb_cell()),
                0..10,
            ),
        ) {
            let headers: Vec<String> = cells.iter().map(|(h, _)| (*h).to_owned()).collect();
            let cells: Vec<Cell> = cells.into_iter().map(|(_, c)| c).collect();
            let mut object = Map::new();
            for (h, cell) in headers.iter().zip(&cells) {
                object.insert(
                    h.clone(),
                    match cell {
                        Cell::Empty => Json::Null,
                        Cell::Int(n) => Json::from(*n),
                        Cell::Bool(b) => Json::from(*b),
                        Cell::Text(t) => Json::from(t.clone()),
                    },
                );
            }
            let mut old = serde_json::to_vec(&object).unwrap();
            old.push(b'\n');
            let mut new = Vec::new();
            json_line(&json_keys(&headers).unwrap(), &Row::of(&cells), &mut new).unwrap();
            prop_assert_eq!(String::from_utf8(new).unwrap(), String::from_utf8(old).unwrap());
        }
    }
}
