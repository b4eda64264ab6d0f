//! [`Sink::push`]: one batch of a store's changes in one transaction, so
//! a crash of either side at any moment leaves all of it or none, and a
//! batch sent twice changes nothing the second time.
//!
//! Order inside the transaction: survey versions (by hash), deletions,
//! then responses: COPY (binary) into temporary staging tables, then
//! `INSERT .. SELECT .. ON CONFLICT (id) DO NOTHING`, and the long answer
//! rows only of the responses that were new; last the store's cursor.
//! Deletions go first: a change log skips a stored response that is gone
//! since, so a response in `responses` is one that exists now (deleted
//! and imported again, for one).

use std::collections::HashSet;

use postgres::binary_copy::BinaryCopyInWriter;
use postgres::types::{ToSql, Type};
use uuid::Uuid;

use super::{Sink, SinkError};
use crate::core::answer_json;
use crate::core::response::Response;
use crate::store::StoredVersion;

/// What one push sends: a store's changes up to `cursor`.
pub struct Batch<'a> {
    /// The store's id (`Store::store_id`); its cursor is kept under it.
    pub store: Uuid,
    /// The sending terminal's name.
    pub terminal: &'a str,
    /// The survey versions of the responses (more do no harm).
    pub versions: Vec<&'a StoredVersion>,
    pub responses: Vec<&'a Response>,
    pub deleted: Vec<Uuid>,
    /// The change log's sequence number this batch reaches.
    pub cursor: u64,
}

/// What a push did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PushCounts {
    /// Responses new to the database.
    pub inserted: u64,
    /// Responses it had already (sent before, or by another terminal
    /// that imported a bundle), and repeats within the batch.
    pub already_there: u64,
    /// Responses removed.
    pub deleted: u64,
}

const STAGE: &str = "
    SET LOCAL client_min_messages = warning;
    CREATE TEMP TABLE IF NOT EXISTS kioski_stage_responses (
        id uuid, survey_id text, version_hash text, terminal text, lang text,
        started_ms bigint, submitted_ms bigint,
        complete boolean, simulated boolean, suspect boolean, answers jsonb
    ) ON COMMIT DELETE ROWS;
    CREATE TEMP TABLE IF NOT EXISTS kioski_stage_answers (
        response_id uuid, survey_id text, question text, kind text,
        option text, value double precision, text text, position int
    ) ON COMMIT DELETE ROWS;";

/// Unix ms to timestamptz; exact to the millisecond (microsecond rounding
/// of a double with 13 digits before it).
const MS: &str = "to_timestamp(s.{} / 1000.0)";

impl Sink {
    /// The sequence number the last push of store `store` reached; `None`
    /// when it never pushed here.
    pub fn cursor(&mut self, store: Uuid) -> Result<Option<u64>, SinkError> {
        let row = self
            .client
            .query_opt(
                "SELECT seq FROM sync_cursors WHERE store_id = $1",
                &[&store],
            )
            .map_err(|e| self.err("read the sync cursor", &e))?;
        Ok(row.map(|r| u64::try_from(r.get::<_, i64>(0)).unwrap_or(0)))
    }

    /// Sends `batch` in one transaction; see the module's text.
    pub fn push(&mut self, batch: &Batch<'_>) -> Result<PushCounts, SinkError> {
        let target = self.target.clone();
        let err = |what: &str, e: postgres::Error| SinkError::from_pg(&target, what, &e);
        let seq = i64::try_from(batch.cursor).map_err(|_| SinkError::Server {
            target: target.redacted(),
            what: "store the sync cursor".into(),
            reason: format!("the sequence number {} is too large", batch.cursor),
            code: None,
        })?;
        let mut tx = self
            .client
            .transaction()
            .map_err(|e| err("start a transaction", e))?;
        tx.batch_execute(STAGE)
            .map_err(|e| err("prepare the staging tables", e))?;

        for v in &batch.versions {
            let hash = v.hash.to_string();
            tx.execute(
                "INSERT INTO surveys (id, first_loaded_at) VALUES ($1, to_timestamp($2::bigint / 1000.0))
                 ON CONFLICT (id) DO UPDATE
                 SET first_loaded_at = least(surveys.first_loaded_at, excluded.first_loaded_at)",
                &[&v.survey.id, &v.loaded_ms],
            )
            .map_err(|e| err("store a survey", e))?;
            tx.execute(
                "INSERT INTO survey_versions (hash, survey_id, source, loaded_at)
                 VALUES ($1, $2, $3, to_timestamp($4::bigint / 1000.0))
                 ON CONFLICT (hash) DO UPDATE
                 SET loaded_at = least(survey_versions.loaded_at, excluded.loaded_at)",
                &[&hash, &v.survey.id, &v.source, &v.loaded_ms],
            )
            .map_err(|e| err("store a survey version", e))?;
            for (i, q) in v.survey.questions.iter().enumerate() {
                let scale = match q.kind {
                    crate::core::survey::QuestionKind::Rating { scale, .. } => {
                        Some(i32::from(scale))
                    }
                    _ => None,
                };
                let position = i32::try_from(i).unwrap_or(i32::MAX);
                tx.execute(
                    "INSERT INTO survey_questions (version_hash, question, position, kind, scale)
                     VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
                    &[&hash, &q.id, &position, &q.kind.type_name(), &scale],
                )
                .map_err(|e| err("store a survey's questions", e))?;
            }
        }

        let deleted = if batch.deleted.is_empty() {
            0
        } else {
            tx.execute(
                "DELETE FROM responses WHERE id = ANY($1)",
                &[&batch.deleted],
            )
            .map_err(|e| err("delete responses", e))?
        };

        // A response twice in one batch would stage its answers twice.
        let mut seen = HashSet::with_capacity(batch.responses.len());
        let unique: Vec<&Response> = batch
            .responses
            .iter()
            .copied()
            .filter(|r| seen.insert(r.id))
            .collect();
        let mut inserted = 0;
        if !unique.is_empty() {
            stage(&mut tx, &unique).map_err(|e| err("send the responses", e))?;
            tx.execute(
                &format!(
                    "INSERT INTO terminals (name, first_seen, last_seen)
                     SELECT s.terminal, {}, {} FROM
                       (SELECT terminal, min(submitted_ms) AS first_ms, max(submitted_ms) AS last_ms
                        FROM kioski_stage_responses GROUP BY terminal) s
                     ON CONFLICT (name) DO UPDATE
                     SET first_seen = least(terminals.first_seen, excluded.first_seen),
                         last_seen = greatest(terminals.last_seen, excluded.last_seen)",
                    MS.replace("{}", "first_ms"),
                    MS.replace("{}", "last_ms"),
                ),
                &[],
            )
            .map_err(|e| err("store the terminals", e))?;
            let new: i64 = tx
                .query_one(
                    &format!(
                        "WITH new AS (
                           INSERT INTO responses (id, survey_id, version_hash, terminal, lang,
                               started_at, submitted_at, complete, simulated, suspect, answers)
                           SELECT s.id, s.survey_id, s.version_hash, s.terminal, s.lang, {}, {},
                                  s.complete, s.simulated, s.suspect, s.answers
                           FROM kioski_stage_responses s
                           ON CONFLICT (id) DO NOTHING
                           RETURNING id
                         ), long AS (
                           INSERT INTO answers (response_id, survey_id, question, kind, option,
                                                value, text, position)
                           SELECT a.response_id, a.survey_id, a.question, a.kind, a.option,
                                  a.value, a.text, a.position
                           FROM kioski_stage_answers a JOIN new ON new.id = a.response_id
                         )
                         SELECT count(*) FROM new",
                        MS.replace("{}", "started_ms"),
                        MS.replace("{}", "submitted_ms"),
                    ),
                    &[],
                )
                .map_err(|e| err("store the responses", e))?
                .get(0);
            inserted = u64::try_from(new).unwrap_or(0);
        }
        tx.execute(
            "INSERT INTO terminals (name, first_seen, last_seen) VALUES ($1, now(), now())
             ON CONFLICT (name) DO NOTHING",
            &[&batch.terminal],
        )
        .map_err(|e| err("store the terminal", e))?;
        tx.execute(
            "INSERT INTO sync_cursors (store_id, terminal, seq, updated_at)
             VALUES ($1, $2, $3, now())
             ON CONFLICT (store_id) DO UPDATE
             SET terminal = excluded.terminal, seq = excluded.seq, updated_at = now()",
            &[&batch.store, &batch.terminal, &seq],
        )
        .map_err(|e| err("store the sync cursor", e))?;
        tx.commit().map_err(|e| err("commit", e))?;
        Ok(PushCounts {
            inserted,
            already_there: batch.responses.len() as u64 - inserted,
            deleted,
        })
    }
}

/// COPY (binary) the responses and their long answer rows into the
/// staging tables.
fn stage(
    tx: &mut postgres::Transaction<'_>,
    responses: &[&Response],
) -> Result<(), postgres::Error> {
    let copy = tx.copy_in(
        "COPY kioski_stage_responses (id, survey_id, version_hash, terminal, lang, started_ms,
             submitted_ms, complete, simulated, suspect, answers) FROM STDIN (FORMAT binary)",
    )?;
    let mut w = BinaryCopyInWriter::new(
        copy,
        &[
            Type::UUID,
            Type::TEXT,
            Type::TEXT,
            Type::TEXT,
            Type::TEXT,
            Type::INT8,
            Type::INT8,
            Type::BOOL,
            Type::BOOL,
            Type::BOOL,
            Type::JSONB,
        ],
    );
    for r in responses {
        let hash = r.version.to_string();
        let answers = answer_json::to_json(&r.answers);
        let row: [&(dyn ToSql + Sync); 11] = [
            &r.id,
            &r.survey,
            &hash,
            &r.terminal,
            &r.lang.code(),
            &r.started_ms,
            &r.submitted_ms,
            &r.complete,
            &r.simulated,
            &r.suspect,
            &answers,
        ];
        w.write(&row)?;
    }
    w.finish()?;

    let copy = tx.copy_in(
        "COPY kioski_stage_answers (response_id, survey_id, question, kind, option, value, text,
             position) FROM STDIN (FORMAT binary)",
    )?;
    let mut w = BinaryCopyInWriter::new(
        copy,
        &[
            Type::UUID,
            Type::TEXT,
            Type::TEXT,
            Type::TEXT,
            Type::TEXT,
            Type::FLOAT8,
            Type::TEXT,
            Type::INT4,
        ],
    );
    for r in responses {
        for a in answer_json::long_rows(&r.answers) {
            let row: [&(dyn ToSql + Sync); 8] = [
                &r.id,
                &r.survey,
                &a.question,
                &a.kind,
                &a.option,
                &a.value,
                &a.text,
                &a.position,
            ];
            w.write(&row)?;
        }
    }
    w.finish()?;
    Ok(())
}
