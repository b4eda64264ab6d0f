//! Responses as a table (CSV, RFC 4180 or what Finnish Excel opens, and
//! JSON Lines, one row per response) and a survey's codebook, streamed
//! from the store. The rows themselves come from [`crate::core::export`];
//! this reads the versions and responses and writes the rows out.

use std::io::{self, Write};

use jiff::tz::TimeZone;
use serde_json::{Map, Value as Json};

use super::ReadStore;
use super::StoreError;
use crate::core::export::{Cell, NoSuchLanguage, Options, Table, codebook as codebook_rows};
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
    match format {
        Format::Jsonl => {
            for r in store.responses(id) {
                let mut object = Map::new();
                for (h, cell) in headers.iter().zip(table.row(&r?)) {
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
            let mut w = csv_writer(format == Format::ExcelCsv, out)?;
            w.write_record(&headers).map_err(csv_error)?;
            for r in store.responses(id) {
                let cells = table.row(&r?);
                w.write_record(cells.iter().map(Cell::csv))
                    .map_err(csv_error)?;
                rows += 1;
            }
            w.flush()?;
        }
    }
    Ok(rows)
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
