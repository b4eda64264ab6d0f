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
