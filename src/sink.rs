//! The PostgreSQL sink: everything that talks to PostgreSQL.
//!
//! - [`Target`]: a libpq-style URL, never holding a password;
//!   [`password`] finds one (the CLI passes the environment in).
//! - [`Sink`]: one connection (rustls as `sslmode` asks), [`Sink::migrate`]
//!   (versioned schema), [`Sink::push`] (a [`Batch`] in one transaction)
//!   and [`Sink::cursor`] (what a store sent last).
//! - [`PgStore`]: the database read as a `store::ReadStore`, so `tally`
//!   and `report` run the same code on it as on a local store.
//!
//! A layer between `store` and `cli`: uses `core` and `store`'s types,
//! reads no environment (docs/architecture.md). The schema and its views
//! are in docs/postgres.md.

mod error;
mod migrate;
pub mod password;
mod push;
mod read;
pub mod target;
mod tls;

use std::time::Duration;

pub use error::SinkError;
pub use migrate::{Migrated, SCHEMA_VERSION};
pub use push::{Batch, PushCounts};
pub use read::PgStore;
pub use target::{Host, SslMode, Target, TargetError};

/// How long a silent peer may keep unacknowledged data before the
/// connection is given up (Linux `TCP_USER_TIMEOUT`): a sync to a server
/// that vanished mid-push fails instead of hanging.
const TCP_USER_TIMEOUT: Duration = Duration::from_secs(60);

/// One connection to the target database.
pub struct Sink {
    client: postgres::Client,
    target: Target,
}

impl Sink {
    /// Connects (within the target's `connect_timeout`, 10 s unless the
    /// URL says otherwise), with TLS as its `sslmode` asks. A Unix socket
    /// never uses TLS (PostgreSQL does not offer it there).
    ///
    /// The `postgres` crate bounds only the TCP connect; a server that
    /// accepts and then says nothing (a stopped process: the kernel still
    /// accepts) would hang the startup for ever. So the whole connect runs
    /// on a thread of its own and is given up after the timeout; that
    /// thread ends when the server answers or drops the connection.
    pub fn connect(target: &Target, password: Option<&str>) -> Result<Sink, SinkError> {
        let (tx, rx) = std::sync::mpsc::channel();
        let (t, p) = (target.clone(), password.map(str::to_owned));
        let spawned = std::thread::Builder::new()
            .name("kioski-pg-connect".into())
            .spawn(move || {
                let _ = tx.send(connect_client(&t, p.as_deref()));
            });
        if let Err(e) = spawned {
            return Err(SinkError::Unreachable {
                target: target.redacted(),
                reason: format!("no thread to connect on ({e})"),
            });
        }
        // A little over the TCP connect's own bound, so that its clearer
        // error wins when it is the one that fires.
        match rx.recv_timeout(target.connect_timeout + Duration::from_millis(500)) {
            Ok(client) => Ok(Sink {
                client: client?,
                target: target.clone(),
            }),
            Err(_) => Err(SinkError::Timeout {
                target: target.redacted(),
                secs: target.connect_timeout.as_secs(),
            }),
        }
    }

    pub fn target(&self) -> &Target {
        &self.target
    }

    /// The server's version, e.g. "15.18 (Debian 15.18-0+deb12u1)".
    pub fn server_version(&mut self) -> Result<String, SinkError> {
        let row = self
            .client
            .query_one("SHOW server_version", &[])
            .map_err(|e| self.err("read its version", &e))?;
        Ok(row.get(0))
    }

    /// Whether the connection is encrypted (TLS).
    pub fn is_encrypted(&mut self) -> Result<bool, SinkError> {
        let row = self
            .client
            .query_one(
                "SELECT coalesce((SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()), false)",
                &[],
            )
            .map_err(|e| self.err("tell whether TLS is on", &e))?;
        Ok(row.get(0))
    }

    fn err(&self, what: &str, e: &postgres::Error) -> SinkError {
        SinkError::from_pg(&self.target, what, e)
    }
}

fn connect_client(target: &Target, password: Option<&str>) -> Result<postgres::Client, SinkError> {
    use postgres::config::SslMode as PgSsl;

    let mut config = postgres::Config::new();
    config
        .user(&target.user)
        .dbname(&target.dbname)
        .port(target.port)
        .connect_timeout(target.connect_timeout)
        .application_name(target.application_name.as_deref().unwrap_or("kioski"))
        .keepalives(true)
        .keepalives_idle(Duration::from_secs(30))
        .tcp_user_timeout(TCP_USER_TIMEOUT);
    if let Some(p) = password {
        config.password(p);
    }
    let on_socket = match &target.host {
        Host::Tcp(h) => {
            config.host(h);
            false
        }
        Host::Socket(dir) => {
            config.host_path(dir);
            true
        }
    };
    let mode = match target.sslmode {
        _ if on_socket => PgSsl::Disable,
        SslMode::Disable => PgSsl::Disable,
        SslMode::Prefer => PgSsl::Prefer,
        SslMode::Require | SslMode::VerifyCa | SslMode::VerifyFull => PgSsl::Require,
    };
    config.ssl_mode(mode);
    let result = if mode == PgSsl::Disable {
        config.connect(postgres::NoTls)
    } else {
        let tls = tls::client_config(target).map_err(|reason| SinkError::Tls {
            target: target.redacted(),
            reason,
        })?;
        config.connect(tokio_postgres_rustls::MakeRustlsConnect::new(tls))
    };
    result.map_err(|e| SinkError::from_pg(target, "connect", &e))
}
