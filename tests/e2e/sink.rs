//! `kioski::sink` against a real PostgreSQL ([`crate::pg`]): connecting
//! (passwords, refusals, timeouts, TLS by sslmode), migrations, pushes and
//! reading back. Each test skips when PostgreSQL is not installed.

use std::io::Read;
use std::net::TcpListener;
use std::time::{Duration, Instant};

use kioski::sink::{Sink, SinkError, Target};

use crate::pg::{MD5_USER, PASSWORD, Pg, SCRAM_USER};
use crate::support::TempDir;

fn target(url: &str) -> Target {
    Target::parse(url).unwrap()
}

#[test]
fn passwords_over_tcp_and_the_socket_and_clear_refusals() {
    let Some(pg) = Pg::start("connect") else {
        return;
    };
    pg.create_db("k");
    for user in [SCRAM_USER, MD5_USER] {
        for url in [pg.tcp_url(user, "k"), pg.socket_url(user, "k")] {
            let mut sink = Sink::connect(&target(&url), Some(PASSWORD)).unwrap();
            assert!(sink.server_version().unwrap().starts_with(char::is_numeric));
        }
        let t = target(&pg.tcp_url(user, "k"));
        let wrong = Sink::connect(&t, Some("not it")).err().unwrap();
        assert!(
            matches!(wrong, SinkError::WrongPassword { .. }),
            "{user}: {wrong:?}"
        );
        let text = wrong.to_string();
        assert!(
            text.contains("refused the password") && text.contains(user),
            "{text}"
        );
        assert!(
            !text.contains("not it"),
            "the password is in the message: {text}"
        );
        assert!(wrong.hint().contains("PGPASSWORD"));
        assert!(!wrong.is_transient());
        let none = Sink::connect(&t, None).err().unwrap();
        assert!(matches!(none, SinkError::NoPassword { .. }), "{none:?}");
    }
    let missing = Sink::connect(&target(&pg.tcp_url(SCRAM_USER, "nope")), Some(PASSWORD))
        .err()
        .unwrap();
    assert!(
        matches!(missing, SinkError::NoDatabase { .. }),
        "{missing:?}"
    );
    assert!(missing.hint().contains("createdb nope"));
}

#[test]
fn a_closed_port_and_a_silent_server_are_unreachable_and_timeout() {
    // Nothing listens on a port just freed.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let refused = Sink::connect(&target(&format!("postgresql://u@127.0.0.1:{port}/d")), None)
        .err()
        .unwrap();
    assert!(
        matches!(refused, SinkError::Unreachable { .. }),
        "{refused:?}"
    );
    assert!(refused.to_string().contains("refused"), "{refused}");
    assert!(refused.is_transient());

    // A listener that accepts and never answers: a stopped server.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for mut conn in silent.incoming().flatten().take(1) {
            let mut buf = [0u8; 64];
            let _ = conn.read(&mut buf);
            held.push(conn);
            std::thread::sleep(Duration::from_secs(5));
        }
    });
    let start = Instant::now();
    let t = target(&format!(
        "postgresql://u@127.0.0.1:{port}/d?connect_timeout=1&sslmode=disable"
    ));
    let timeout = Sink::connect(&t, None).err().unwrap();
    assert!(
        matches!(timeout, SinkError::Timeout { secs: 1, .. }),
        "{timeout:?}"
    );
    assert!(
        start.elapsed() < Duration::from_secs(3),
        "{:?}",
        start.elapsed()
    );
    assert!(timeout.is_transient());
}

/// A CA, and a server certificate for `localhost` signed by it (PEM).
struct Certs {
    ca: String,
    cert: String,
    key: String,
}

fn certs() -> Certs {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "kioski test CA");
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca_params, ca_key);
    let key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
    params
        .distinguished_name
        .push(DnType::CommonName, "localhost");
    let cert = params.signed_by(&key, &issuer).unwrap();
    Certs {
        ca: ca.pem(),
        cert: cert.pem(),
        key: key.serialize_pem(),
    }
}

#[test]
fn tls_as_sslmode_asks() {
    let Some(mut pg) = Pg::start("tls") else {
        return;
    };
    pg.create_db("k");
    let c = certs();
    let files = TempDir::new("tls-roots");
    let right = files.write("ca.pem", &c.ca);
    let other = certs();
    let wrong_ca = files.write("other-ca.pem", &other.ca);

    // Before TLS is on: require fails clearly, prefer falls back to plain.
    let port = pg.port();
    let url =
        |host: &str, params: &str| format!("postgresql://{SCRAM_USER}@{host}:{port}/k?{params}");
    let err = Sink::connect(
        &target(&url("127.0.0.1", "sslmode=require")),
        Some(PASSWORD),
    )
    .err()
    .unwrap();
    assert!(matches!(err, SinkError::Tls { .. }), "{err:?}");
    assert!(err.to_string().contains("does not offer TLS"), "{err}");
    let mut plain =
        Sink::connect(&target(&url("127.0.0.1", "sslmode=prefer")), Some(PASSWORD)).unwrap();
    assert!(!plain.is_encrypted().unwrap());

    pg.enable_tls(&c.cert, &c.key);
    let port = pg.port();
    let url =
        |host: &str, params: &str| format!("postgresql://{SCRAM_USER}@{host}:{port}/k?{params}");
    let connects = |u: String| {
        let mut sink = Sink::connect(&target(&u), Some(PASSWORD))
            .unwrap_or_else(|e| panic!("{u}: {e} ({})", e.hint()));
        assert!(sink.is_encrypted().unwrap(), "{u} is not encrypted");
    };
    let fails = |u: String, words: &str| {
        let err = Sink::connect(&target(&u), Some(PASSWORD)).err().unwrap();
        assert!(matches!(err, SinkError::Tls { .. }), "{u}: {err:?}");
        assert!(err.to_string().contains(words), "{u}: {err}");
        assert!(err.hint().contains("sslrootcert"), "{}", err.hint());
    };
    let root = |p: &std::path::Path| format!("sslrootcert={}", p.display());
    connects(url("127.0.0.1", "sslmode=prefer"));
    connects(url("127.0.0.1", "sslmode=require"));
    connects(url(
        "localhost",
        &format!("sslmode=verify-full&{}", root(&right)),
    ));
    // verify-ca checks the chain, not the name.
    connects(url(
        "127.0.0.1",
        &format!("sslmode=verify-ca&{}", root(&right)),
    ));
    // The certificate names localhost, not 127.0.0.1.
    fails(
        url(
            "127.0.0.1",
            &format!("sslmode=verify-full&{}", root(&right)),
        ),
        "does not name the host",
    );
    // No root given: the Mozilla roots do not know our CA.
    fails(url("localhost", "sslmode=verify-full"), "UnknownIssuer");
    fails(
        url(
            "localhost",
            &format!("sslmode=verify-full&{}", root(&wrong_ca)),
        ),
        "not signed by a root certificate in sslrootcert",
    );
    // require with a root checks the chain, as in libpq.
    fails(
        url("127.0.0.1", &format!("sslmode=require&{}", root(&wrong_ca))),
        "not signed by a root certificate",
    );
    fails(
        url(
            "localhost",
            &format!(
                "sslmode=verify-full&sslrootcert={}/none.pem",
                files.path().display()
            ),
        ),
        "cannot be read",
    );
}

/// A connected sink on a fresh database `db` of `pg`, as a password role.
fn sink(pg: &Pg, db: &str) -> Sink {
    Sink::connect(&target(&pg.tcp_url(SCRAM_USER, db)), Some(PASSWORD)).unwrap()
}

#[test]
fn migrations_run_once_even_two_at_once_and_a_newer_schema_is_refused() {
    let Some(pg) = Pg::start("migrate") else {
        return;
    };
    pg.create_db("k");
    // Two terminals' first syncs at the same moment.
    let runs: Vec<_> = (0..2)
        .map(|_| {
            let mut s = sink(&pg, "k");
            std::thread::spawn(move || s.migrate())
        })
        .collect();
    let mut froms: Vec<i32> = runs
        .into_iter()
        .map(|h| h.join().unwrap().unwrap().from)
        .collect();
    froms.sort_unstable();
    assert_eq!(
        froms,
        [0, kioski::sink::SCHEMA_VERSION],
        "one migrated, one found it done"
    );
    let again = sink(&pg, "k").migrate().unwrap();
    assert_eq!((again.from, again.to), (1, 1));
    let mut admin = pg.superuser("k");
    let versions: i64 = admin
        .query_one("SELECT count(*) FROM schema_version", &[])
        .unwrap()
        .get(0);
    assert_eq!(versions, 1);
    for table in [
        "surveys",
        "survey_versions",
        "survey_questions",
        "terminals",
        "responses",
        "answers",
        "sync_cursors",
        "answer_counts_daily",
        "nps_daily",
        "top2_daily",
    ] {
        admin
            .query(&format!("SELECT * FROM {table} LIMIT 1"), &[])
            .unwrap_or_else(|e| panic!("{table}: {e}"));
    }
    admin
        .execute(
            "INSERT INTO schema_version (version, description) VALUES (99, 'from the future')",
            &[],
        )
        .unwrap();
    let newer = sink(&pg, "k").migrate().unwrap_err();
    assert!(
        matches!(newer, SinkError::SchemaNewer { found: 99, .. }),
        "{newer:?}"
    );
    assert!(newer.to_string().contains("version 99"), "{newer}");
}

#[test]
fn a_role_without_rights_is_told_what_to_grant() {
    let Some(pg) = Pg::start("rights") else {
        return;
    };
    // A database the roles may connect to but not create tables in.
    let mut admin = pg.superuser("postgres");
    admin.batch_execute("CREATE DATABASE locked").unwrap();
    pg.superuser("locked")
        .batch_execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
        .unwrap();
    let err = sink(&pg, "locked").migrate().unwrap_err();
    assert!(matches!(err, SinkError::Server { .. }), "{err:?}");
    assert!(err.to_string().contains("permission denied"), "{err}");
    assert!(err.hint().contains("GRANT"), "{}", err.hint());
}
