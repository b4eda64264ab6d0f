//! Versioned migrations: each is an SQL file under `schema/`, compiled
//! in, applied once in order; `schema_version` records which ran. One
//! transaction holds an advisory lock, so two terminals migrating the same
//! database at once apply each step once, and a failed step leaves the
//! database as it was.

use super::{Sink, SinkError};

/// Every migration: version, what it does, its SQL.
const MIGRATIONS: &[(i32, &str, &str)] = &[(
    1,
    "tables, answers long form, daily views",
    include_str!("schema/0001_initial.sql"),
)];

/// The newest schema this kioski knows.
pub const SCHEMA_VERSION: i32 = 1;

/// The advisory lock's key ("kioski" in ASCII).
const LOCK_KEY: i64 = 0x6b69_6f73_6b69;

/// What a migration did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Migrated {
    /// The schema version before; 0: an empty database.
    pub from: i32,
    pub to: i32,
}

impl Sink {
    /// Brings the database's kioski schema up to [`SCHEMA_VERSION`]; a
    /// database already there is left alone. Refuses a newer schema.
    pub fn migrate(&mut self) -> Result<Migrated, SinkError> {
        let target = self.target.clone();
        let err = |what: &str, e: postgres::Error| SinkError::from_pg(&target, what, &e);
        let mut tx = self
            .client
            .transaction()
            .map_err(|e| err("start a transaction", e))?;
        tx.batch_execute("SET LOCAL client_min_messages = warning")
            .map_err(|e| err("set up the migration", e))?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&LOCK_KEY])
            .map_err(|e| err("take the migration lock", e))?;
        tx.batch_execute(
            "CREATE TABLE IF NOT EXISTS schema_version (
                 version int PRIMARY KEY,
                 description text NOT NULL,
                 applied_at timestamptz NOT NULL DEFAULT now()
             )",
        )
        .map_err(|e| err("create the schema_version table", e))?;
        let from: i32 = tx
            .query_one("SELECT coalesce(max(version), 0) FROM schema_version", &[])
            .map_err(|e| err("read the schema version", e))?
            .get(0);
        if from > SCHEMA_VERSION {
            return Err(SinkError::SchemaNewer {
                target: target.redacted(),
                found: from,
                known: SCHEMA_VERSION,
            });
        }
        for (version, description, sql) in MIGRATIONS.iter().filter(|m| m.0 > from) {
            tx.batch_execute(sql)
                .map_err(|e| err(&format!("apply schema version {version}"), e))?;
            tx.execute(
                "INSERT INTO schema_version (version, description) VALUES ($1, $2)",
                &[version, description],
            )
            .map_err(|e| err("record the schema version", e))?;
        }
        tx.commit().map_err(|e| err("commit the migration", e))?;
        Ok(Migrated {
            from,
            to: SCHEMA_VERSION.max(from),
        })
    }
}
