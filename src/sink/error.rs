//! [`SinkError`]: what went wrong with PostgreSQL, in words, with what to
//! do ([`SinkError::hint`]) and whether trying again later may help
//! ([`SinkError::is_transient`]).

use std::error::Error as _;

use postgres::error::SqlState;

use super::target::Target;

#[derive(Debug, thiserror::Error)]
pub enum SinkError {
    #[error("PostgreSQL at {target} refused the password of user `{user}`")]
    WrongPassword { target: String, user: String },

    #[error("PostgreSQL at {target} asks for a password for user `{user}`, and none was given")]
    NoPassword { target: String, user: String },

    #[error("PostgreSQL at {target} does not let user `{user}` in: {reason}")]
    NotAllowed {
        target: String,
        user: String,
        reason: String,
    },

    #[error("PostgreSQL at {target} has no database `{dbname}`")]
    NoDatabase { target: String, dbname: String },

    #[error("cannot reach PostgreSQL at {target}: {reason}")]
    Unreachable { target: String, reason: String },

    #[error("PostgreSQL at {target} did not answer within {secs} s")]
    Timeout { target: String, secs: u64 },

    #[error("TLS with PostgreSQL at {target} failed: {reason}")]
    Tls { target: String, reason: String },

    #[error("the connection to PostgreSQL at {target} was lost: {reason}")]
    Lost { target: String, reason: String },

    #[error("PostgreSQL at {target} refused to {what}: {reason}")]
    Server {
        target: String,
        what: String,
        reason: String,
        /// The SQLSTATE, e.g. `42501` (no permission).
        code: Option<String>,
    },

    #[error(
        "the database at {target} has kioski schema version {found}; this kioski knows versions up to {known}"
    )]
    SchemaNewer {
        target: String,
        found: i32,
        known: i32,
    },

    #[error("the database at {target} holds {what} that kioski cannot read: {reason}")]
    Malformed {
        target: String,
        what: String,
        reason: String,
    },
}

impl SinkError {
    /// What to do about it.
    pub fn hint(&self) -> String {
        match self {
            SinkError::WrongPassword { .. } => "check the password in PGPASSWORD or the password file (~/.pgpass, PGPASSFILE); the database's administrator can set a new one with ALTER ROLE ... PASSWORD".into(),
            SinkError::NoPassword { .. } => "give the password in PGPASSWORD or a password file (~/.pgpass, PGPASSFILE, mode 0600)".into(),
            SinkError::NotAllowed { .. } => "ask the database's administrator to create the role and allow it in pg_hba.conf".into(),
            SinkError::NoDatabase { dbname, .. } => format!("create it (createdb {dbname}) or name another database in the URL"),
            SinkError::Unreachable { .. } => "check the host name and port in the URL, that PostgreSQL runs there and listens on that address (listen_addresses), and the network; kioski keeps collecting and sends later".into(),
            SinkError::Timeout { .. } => "check the network and that the host is the database server; a firewall that drops packets looks like this; kioski keeps collecting and sends later".into(),
            SinkError::Tls { .. } => "check sslmode and sslrootcert in the URL: verify-full needs the server's CA certificate in sslrootcert and a certificate naming the host; require only encrypts".into(),
            SinkError::Lost { .. } => "nothing half-written stays behind; the next sync sends it again".into(),
            SinkError::Server { code: Some(c), .. } if c == "42501" => "the role needs rights on the database: GRANT CREATE ON DATABASE ... TO the role (for the first sync), or run the first sync as the database's owner".into(),
            SinkError::Server { .. } => "see PostgreSQL's log for more; nothing half-written stays behind".into(),
            SinkError::SchemaNewer { .. } => "sync with a kioski at least as new as the one that last migrated this database".into(),
            SinkError::Malformed { .. } => "the database was changed by something other than kioski; check that table by hand".into(),
        }
    }

    /// Whether trying again later may succeed by itself (the server is
    /// down or unreachable, the connection dropped, the server is busy).
    pub fn is_transient(&self) -> bool {
        match self {
            SinkError::Unreachable { .. } | SinkError::Timeout { .. } | SinkError::Lost { .. } => {
                true
            }
            // 08: connection, 40: rollback (serialization, deadlock),
            // 53: resources, 57: operator intervention (shutdown).
            SinkError::Server { code: Some(c), .. } => ["08", "40", "53", "57"]
                .iter()
                .any(|class| c.starts_with(class)),
            _ => false,
        }
    }

    /// An error from `postgres` while doing `what` ("store the responses").
    pub(crate) fn from_pg(target: &Target, what: &str, e: &postgres::Error) -> SinkError {
        let t = target.redacted();
        if let Some(db) = e.as_db_error() {
            let code = db.code();
            let reason = db.message().to_owned();
            if *code == SqlState::INVALID_PASSWORD {
                return SinkError::WrongPassword {
                    target: t,
                    user: target.user.clone(),
                };
            }
            if *code == SqlState::INVALID_AUTHORIZATION_SPECIFICATION {
                return SinkError::NotAllowed {
                    target: t,
                    user: target.user.clone(),
                    reason,
                };
            }
            if *code == SqlState::INVALID_CATALOG_NAME {
                return SinkError::NoDatabase {
                    target: t,
                    dbname: target.dbname.clone(),
                };
            }
            if code.code().starts_with("57P") || code.code().starts_with("08") {
                return SinkError::Lost { target: t, reason };
            }
            return SinkError::Server {
                target: t,
                what: what.to_owned(),
                reason,
                code: Some(code.code().to_owned()),
            };
        }
        let text = chain(e);
        if text.starts_with("timeout waiting for server") {
            return SinkError::Timeout {
                target: t,
                secs: target.connect_timeout.as_secs(),
            };
        }
        if text.contains("password missing") {
            return SinkError::NoPassword {
                target: t,
                user: target.user.clone(),
            };
        }
        if text.contains("does not support TLS") {
            return SinkError::Tls {
                target: t,
                reason: "the server does not offer TLS (ssl = off), and sslmode asks for it".into(),
            };
        }
        if let Some(reason) = text.strip_prefix("error performing TLS handshake: ") {
            return SinkError::Tls {
                target: t,
                reason: tls_words(reason),
            };
        }
        if let Some(reason) = text.strip_prefix("error connecting to server: ") {
            return SinkError::Unreachable {
                target: t,
                reason: reason.to_owned(),
            };
        }
        if e.is_closed() || text.starts_with("error communicating with the server") {
            return SinkError::Lost {
                target: t,
                reason: text,
            };
        }
        SinkError::Server {
            target: t,
            what: what.to_owned(),
            reason: text,
            code: None,
        }
    }
}

/// rustls's reason, with what it means in words first.
fn tls_words(reason: &str) -> String {
    let words = if reason.contains("NotValidForName") || reason.contains("not valid for name") {
        "the server's certificate does not name the host in the URL"
    } else if reason.contains("UnknownIssuer") || reason.contains("BadSignature") {
        "the server's certificate is not signed by a root certificate in sslrootcert (without sslrootcert: by a public CA)"
    } else if reason.contains("Expired") || reason.contains("NotValidYet") {
        "the server's certificate is outside its validity dates (check the clocks too)"
    } else {
        return reason.to_owned();
    };
    format!("{words} ({reason})")
}

/// An error and its causes as one line ("a: b: c"), without repeats.
fn chain(e: &postgres::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let part = s.to_string();
        if !text.contains(&part) {
            text.push_str(": ");
            text.push_str(&part);
        }
        source = s.source();
    }
    text
}
