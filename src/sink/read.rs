//! [`PgStore`]: a synced database read as a [`ReadStore`], so `tally
//! --from URL` and `report --from URL` run the very code they run on a
//! local store.
//!
//! Survey versions are few and small: they are read once at open, rebuilt
//! from their source text (validated again, hash checked), and kept.
//! Responses are many: each [`ReadStore::responses`] reads through a
//! server-side cursor, a thousand rows at a time, on a connection of its
//! own (taken from a small pool), so a caller may look up versions or
//! start another scan while one runs.

use std::collections::HashMap;
use std::str::FromStr;
use std::sync::{Arc, Mutex};

use super::{Sink, SinkError, Target};
use crate::core::answer_json;
use crate::core::response::Response;
use crate::core::survey::{Lang, Survey};
use crate::core::version::VersionHash;
use crate::store::{
    ReadStore, Responses, StoreError, StoredVersion, SurveyCache, SurveyEntry, SurveyStats,
    VersionRef,
};

/// Rows per fetch of a responses scan.
const FETCH: usize = 1000;

const COLUMNS: &str = "id, survey_id, version_hash, terminal, lang,
    (extract(epoch FROM started_at) * 1000)::bigint,
    (extract(epoch FROM submitted_at) * 1000)::bigint,
    complete, simulated, suspect, answers";

/// A kioski database, read only.
pub struct PgStore {
    target: Target,
    password: Option<String>,
    idle: Mutex<Vec<postgres::Client>>,
    versions: HashMap<VersionHash, (StoredVersion, Arc<Survey>)>,
    entries: Vec<SurveyEntry>,
}

impl PgStore {
    /// Connects and reads the survey versions. A database kioski never
    /// migrated is refused in words.
    pub fn open(target: &Target, password: Option<&str>) -> Result<PgStore, SinkError> {
        let mut sink = Sink::connect(target, password)?;
        let has_schema: bool = sink
            .client
            .query_one("SELECT to_regclass('schema_version') IS NOT NULL", &[])
            .map_err(|e| sink.err("look for kioski's tables", &e))?
            .get(0);
        if !has_schema {
            return Err(SinkError::Malformed {
                target: target.redacted(),
                what: "no kioski tables".into(),
                reason: "nothing was ever synced to it (no schema_version table)".into(),
            });
        }
        let rows = sink
            .client
            .query(
                "SELECT hash, survey_id, source, (extract(epoch FROM loaded_at) * 1000)::bigint
                 FROM survey_versions ORDER BY survey_id, loaded_at, hash",
                &[],
            )
            .map_err(|e| sink.err("read the survey versions", &e))?;
        let cache = SurveyCache::default();
        let mut versions = HashMap::new();
        let mut entries: Vec<SurveyEntry> = Vec::new();
        for row in rows {
            let hash_text: String = row.get(0);
            let survey_id: String = row.get(1);
            let source: String = row.get(2);
            let loaded_ms: i64 = row.get(3);
            let malformed = |reason: String| SinkError::Malformed {
                target: target.redacted(),
                what: format!("survey version {hash_text}"),
                reason,
            };
            let hash = VersionHash::from_str(&hash_text)
                .map_err(|()| malformed("its hash is not 64 hex digits".into()))?;
            let survey = cache
                .rebuild(&hash, &source)
                .map_err(|e| malformed(e.to_string()))?;
            if survey.id != survey_id {
                return Err(malformed(format!(
                    "its text is survey `{}`, its row says `{survey_id}`",
                    survey.id
                )));
            }
            match entries.last_mut() {
                Some(e) if e.id == survey_id => {}
                _ => entries.push(SurveyEntry {
                    id: survey_id.clone(),
                    versions: Vec::new(),
                }),
            }
            if let Some(e) = entries.last_mut() {
                e.versions.push(VersionRef { hash, loaded_ms });
            }
            let stored = StoredVersion {
                hash,
                survey: (*survey).clone(),
                source,
                loaded_ms,
            };
            versions.insert(hash, (stored, survey));
        }
        Ok(PgStore {
            target: target.clone(),
            password: password.map(str::to_owned),
            idle: Mutex::new(vec![sink.client]),
            versions,
            entries,
        })
    }

    /// An idle connection, or a new one.
    fn client(&self) -> Result<postgres::Client, StoreError> {
        if let Some(c) = self.idle.lock().ok().and_then(|mut idle| idle.pop()) {
            return Ok(c);
        }
        Sink::connect(&self.target, self.password.as_deref())
            .map(|s| s.client)
            .map_err(relayed)
    }

    fn give_back(&self, client: postgres::Client) {
        if let Ok(mut idle) = self.idle.lock()
            && idle.len() < 4
        {
            idle.push(client);
        }
    }

    fn pg_error(&self, what: &str, e: &postgres::Error) -> StoreError {
        relayed(SinkError::from_pg(&self.target, what, e))
    }
}

/// A sink error as the store errors commands already print.
fn relayed(e: SinkError) -> StoreError {
    StoreError::Relayed {
        message: e.to_string(),
        hint: Some(e.hint()),
        store_problem: true,
    }
}

/// `'text'` as an SQL literal (standard_conforming_strings, on since 9.1).
fn literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

impl ReadStore for PgStore {
    /// A database has no active survey; commands name one.
    fn active(&self) -> Result<Option<String>, StoreError> {
        Ok(None)
    }

    fn survey_entries(&self) -> Result<Vec<SurveyEntry>, StoreError> {
        Ok(self.entries.clone())
    }

    fn survey_entry(&self, id: &str) -> Result<Option<SurveyEntry>, StoreError> {
        Ok(self.entries.iter().find(|e| e.id == id).cloned())
    }

    fn version(&self, hash: &VersionHash) -> Result<Option<StoredVersion>, StoreError> {
        Ok(self.versions.get(hash).map(|(v, _)| v.clone()))
    }

    fn survey_of(&self, hash: &VersionHash) -> Result<Arc<Survey>, StoreError> {
        self.versions
            .get(hash)
            .map(|(_, s)| s.clone())
            .ok_or_else(|| StoreError::UnknownVersion(hash.to_string()))
    }

    fn responses<'a>(&'a self, id: &str) -> Responses<'a> {
        match Scan::start(self, id) {
            Ok(scan) => Box::new(scan),
            Err(e) => Box::new(std::iter::once(Err(e))),
        }
    }

    fn has_pin(&self) -> Result<bool, StoreError> {
        Ok(false)
    }

    fn terminal_name(&self) -> Result<Option<String>, StoreError> {
        Ok(None)
    }

    /// The latest loaded version (on any terminal).
    fn shown_version(&self, id: &str) -> Result<Option<VersionHash>, StoreError> {
        Ok(self
            .entries
            .iter()
            .find(|e| e.id == id)
            .and_then(|e| e.versions.last())
            .map(|v| v.hash))
    }

    /// Counted by the server, not by reading every response.
    fn stats(&self, id: &str) -> Result<SurveyStats, StoreError> {
        let mut client = self.client()?;
        let row = client
            .query_one(
                "SELECT count(*) FILTER (WHERE complete), count(*) FILTER (WHERE NOT complete),
                        count(*) FILTER (WHERE suspect), count(*) FILTER (WHERE simulated),
                        (extract(epoch FROM min(submitted_at)) * 1000)::bigint,
                        (extract(epoch FROM max(submitted_at)) * 1000)::bigint
                 FROM responses WHERE survey_id = $1",
                &[&id],
            )
            .map_err(|e| self.pg_error("count the responses", &e))?;
        self.give_back(client);
        let n = |i: usize| u64::try_from(row.get::<_, i64>(i)).unwrap_or(0);
        Ok(SurveyStats {
            complete: n(0),
            partial: n(1),
            suspect: n(2),
            simulated: n(3),
            first_ms: row.get(4),
            last_ms: row.get(5),
        })
    }
}

/// One responses scan: a transaction with a cursor on its own connection.
struct Scan<'a> {
    store: &'a PgStore,
    client: Option<postgres::Client>,
    rows: std::vec::IntoIter<postgres::Row>,
    done: bool,
}

impl<'a> Scan<'a> {
    fn start(store: &'a PgStore, id: &str) -> Result<Scan<'a>, StoreError> {
        let mut client = store.client()?;
        client
            .batch_execute(&format!(
                "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY;
                 DECLARE kioski_scan NO SCROLL CURSOR FOR
                 SELECT {COLUMNS} FROM responses WHERE survey_id = {} ORDER BY id",
                literal(id)
            ))
            .map_err(|e| store.pg_error("read the responses", &e))?;
        Ok(Scan {
            store,
            client: Some(client),
            rows: Vec::new().into_iter(),
            done: false,
        })
    }

    fn fetch(&mut self) -> Result<(), StoreError> {
        let Some(client) = self.client.as_mut() else {
            self.done = true;
            return Ok(());
        };
        let rows = client
            .query(&format!("FETCH {FETCH} FROM kioski_scan"), &[])
            .map_err(|e| self.store.pg_error("read the responses", &e))?;
        if rows.len() < FETCH {
            self.done = true;
        }
        self.rows = rows.into_iter();
        Ok(())
    }

    fn decode(&self, row: &postgres::Row) -> Result<Response, StoreError> {
        let id: uuid::Uuid = row.get(0);
        let malformed = |reason: String| {
            relayed(SinkError::Malformed {
                target: self.store.target.redacted(),
                what: format!("response {id}"),
                reason,
            })
        };
        let hash: String = row.get(2);
        let lang: String = row.get(4);
        let answers: serde_json::Value = row.get(10);
        Ok(Response {
            id,
            survey: row.get(1),
            version: VersionHash::from_str(&hash)
                .map_err(|()| malformed("its version hash is not 64 hex digits".into()))?,
            terminal: row.get(3),
            lang: Lang::from_code(&lang)
                .ok_or_else(|| malformed(format!("its language `{lang}` is not fi, sv or en")))?,
            started_ms: row.get(5),
            submitted_ms: row.get(6),
            complete: row.get(7),
            answers: answer_json::from_json(&answers).map_err(|e| malformed(e.to_string()))?,
            simulated: row.get(8),
            suspect: row.get(9),
        })
    }

    /// Ends the transaction; the connection goes back to the pool.
    fn finish(&mut self) {
        if let Some(mut client) = self.client.take()
            && client.batch_execute("ROLLBACK").is_ok()
        {
            self.store.give_back(client);
        }
    }
}

impl Iterator for Scan<'_> {
    type Item = Result<Response, StoreError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(row) = self.rows.next() {
                return Some(self.decode(&row));
            }
            if self.done {
                self.finish();
                return None;
            }
            if let Err(e) = self.fetch() {
                self.client = None;
                self.done = true;
                return Some(Err(e));
            }
        }
    }
}

impl Drop for Scan<'_> {
    fn drop(&mut self) {
        self.finish();
    }
}
