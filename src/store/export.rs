//! Responses as a table (CSV, RFC 4180 or what Finnish Excel opens, and
//! JSON Lines, one row per response) and a survey's codebook, streamed
//! from the store. The rows themselves come from [`crate::core::export`];
//! this reads the versions and responses and writes the rows out.

use std::collections::HashMap;
use std::io::{self, Write};
use std::sync::mpsc;

use jiff::tz::TimeZone;

use super::ReadStore;
use super::StoreError;
use crate::core::export::{
    Cell, Kind, NoSuchLanguage, Options, Row, Table, codebook as codebook_rows,
};
use crate::core::response::Response;
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
    if format != Format::Jsonl {
        let mut w = csv_writer(format == Format::ExcelCsv, Vec::new())?;
        w.write_record(table.headers()).map_err(csv_error)?;
        out.write_all(&w.into_inner().map_err(|e| e.into_error())?)?;
    }
    // The responses are read and decoded here while another thread makes
    // their rows: on two cores the export takes the longer of the two, not
    // their sum. A few batches are in flight at most, so memory stays
    // bounded however many responses there are.
    std::thread::scope(|scope| {
        let (batches, todo) = mpsc::sync_channel::<Vec<Response>>(BATCHES_AHEAD);
        let (made, written) = mpsc::channel::<Vec<u8>>();
        let rows = scope.spawn(|| make_rows(&table, todo, made));
        let read = read_batches(store, id, &batches, &written, out);
        drop(batches);
        // Whatever a failed read or write leaves, the rows thread ends: its
        // batches end, or its chunks have nowhere to go.
        let drained = read.and_then(|()| {
            for chunk in written.iter() {
                out.write_all(&chunk)?;
            }
            Ok(())
        });
        drop(written);
        let rows = rows
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        drained?;
        rows
    })
}

/// Responses sent to the rows thread at a time.
const BATCH: usize = 256;

/// Batches read ahead of the rows thread at most.
const BATCHES_AHEAD: usize = 4;

/// Reads the responses to `id` into batches for the rows thread, writing
/// the rows it has made meanwhile.
fn read_batches(
    store: &(impl ReadStore + ?Sized),
    id: &str,
    batches: &mpsc::SyncSender<Vec<Response>>,
    written: &mpsc::Receiver<Vec<u8>>,
    out: &mut impl Write,
) -> Result<(), ExportError> {
    let mut batch = Vec::with_capacity(BATCH);
    for r in store.responses(id) {
        batch.push(r?);
        if batch.len() == BATCH {
            let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
            if batches.send(full).is_err() {
                // The rows thread stopped: it says why.
                return Ok(());
            }
            for chunk in written.try_iter() {
                out.write_all(&chunk)?;
            }
        }
    }
    if !batch.is_empty() {
        let _ = batches.send(batch);
    }
    Ok(())
}

/// Makes the rows of the batches `todo` as `table` says (CSV without its
/// header, or JSON lines) and sends them on, one chunk of bytes per batch;
/// returns the number of rows.
fn make_rows(
    table: &Table,
    todo: mpsc::Receiver<Vec<Response>>,
    made: mpsc::Sender<Vec<u8>>,
) -> Result<u64, ExportError> {
    let mut rows = 0u64;
    // One row buffer for every response.
    let mut row = Row::default();
    let format = table.format();
    if format == Format::Jsonl {
        let keys = json_keys(&table.headers())?;
        for batch in todo {
            let mut chunk = Vec::with_capacity(CHUNK_BYTES);
            for r in &batch {
                table.fill(r, &mut row);
                json_line(&keys, &row, &mut chunk)?;
            }
            rows += batch.len() as u64;
            if made.send(chunk).is_err() {
                break;
            }
        }
    } else {
        let csv = csv_builder(format == Format::ExcelCsv);
        for batch in todo {
            let mut chunk = Vec::with_capacity(CHUNK_BYTES);
            let mut w = csv.from_writer(&mut chunk);
            for r in &batch {
                table.fill(r, &mut row);
                w.write_record(row.texts()).map_err(csv_error)?;
            }
            w.flush()?;
            drop(w);
            rows += batch.len() as u64;
            if made.send(chunk).is_err() {
                break;
            }
        }
    }
    Ok(rows)
}

/// Room for one batch's rows, most times.
const CHUNK_BYTES: usize = 64 * 1024;

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
fn csv_writer<W: Write>(excel: bool, mut out: W) -> Result<csv::Writer<W>, ExportError> {
    if excel {
        out.write_all("\u{feff}".as_bytes())?;
    }
    Ok(csv_builder(excel).from_writer(out))
}

/// RFC 4180's CSV, or Excel's (`;`): no byte-order mark.
fn csv_builder(excel: bool) -> csv::WriterBuilder {
    let mut b = csv::WriterBuilder::new();
    b.delimiter(if excel { b';' } else { b',' })
        .terminator(csv::Terminator::CRLF);
    b
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
