//! `kioski::sink` against a real PostgreSQL ([`crate::pg`]): connecting
//! (passwords, refusals, timeouts, TLS by sslmode), migrations, pushes and
//! reading back. Each test skips when PostgreSQL is not installed.

use std::io::Read;
use std::net::TcpListener;
use std::time::{Duration, Instant};

use kioski::core::response::Response;
use kioski::core::simulate::{Setup, respondent};
use kioski::core::validate::survey_from_str;
use kioski::core::version::VersionHash;
use kioski::sink::{Batch, PushCounts, Sink, SinkError, Target};
use kioski::store::StoredVersion;
use uuid::Uuid;

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

/// Every survey in `surveys/` as a stored version, and `per_survey`
/// simulated responses to each (some marked real, suspect or partial so
/// every flag travels), from terminals `kiosk-a` and `kiosk-b`.
pub fn fixture(per_survey: usize, seed: u64) -> (Vec<StoredVersion>, Vec<Response>) {
    use rand::SeedableRng;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let mut versions = Vec::new();
    let mut responses = Vec::new();
    let mut paths: Vec<_> = std::fs::read_dir(crate::support::crate_root().join("surveys"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    paths.sort();
    let now_ms = 1_764_547_200_123; // 2025-12-01, with milliseconds
    for (k, path) in paths.iter().enumerate() {
        let source = std::fs::read_to_string(path).unwrap();
        let survey = survey_from_str(&source).unwrap();
        let hash = VersionHash::of(&survey);
        for i in 0..per_survey {
            let terminal = if i % 3 == 0 { "kiosk-b" } else { "kiosk-a" };
            let setup = Setup {
                survey: &survey,
                version: hash,
                terminal,
                now_ms,
                utc_offset_ms: 7_200_000,
            };
            let mut r = respondent(&mut rng, &setup, i as f64 / per_survey as f64);
            r.simulated = i % 4 != 0;
            r.suspect = i % 11 == 5;
            responses.push(r);
        }
        versions.push(StoredVersion {
            hash,
            survey,
            source,
            loaded_ms: now_ms - 400 * 86_400_000 + k as i64,
        });
    }
    (versions, responses)
}

fn batch<'a>(
    store: Uuid,
    versions: &'a [StoredVersion],
    responses: &'a [Response],
    deleted: Vec<Uuid>,
    cursor: u64,
) -> Batch<'a> {
    Batch {
        store,
        terminal: "kiosk-a",
        versions: versions.iter().collect(),
        responses: responses.iter().collect(),
        deleted,
        cursor,
    }
}

/// Counts of the tables a push writes.
fn counts(pg: &Pg, db: &str) -> [i64; 5] {
    let mut c = pg.superuser(db);
    [
        "responses",
        "answers",
        "survey_versions",
        "terminals",
        "sync_cursors",
    ]
    .map(|t| {
        c.query_one(&format!("SELECT count(*) FROM {t}"), &[])
            .unwrap()
            .get(0)
    })
}

#[test]
fn a_push_twice_doubles_nothing_and_deletes_take_their_answers() {
    let Some(pg) = Pg::start("push") else {
        return;
    };
    pg.create_db("k");
    let mut s = sink(&pg, "k");
    s.migrate().unwrap();
    let (versions, responses) = fixture(40, 1);
    let store = Uuid::new_v4();
    assert_eq!(s.cursor(store).unwrap(), None);
    let first = s
        .push(&batch(store, &versions, &responses, vec![], 7))
        .unwrap();
    assert_eq!(
        first,
        PushCounts {
            inserted: responses.len() as u64,
            already_there: 0,
            deleted: 0
        }
    );
    assert_eq!(s.cursor(store).unwrap(), Some(7));
    let once = counts(&pg, "k");
    let long_rows: usize = responses
        .iter()
        .map(|r| kioski::core::answer_json::long_rows(&r.answers).len())
        .sum();
    assert_eq!(once[0], responses.len() as i64);
    assert_eq!(once[1], long_rows as i64);
    assert_eq!(once[2], versions.len() as i64);
    assert_eq!(once[3], 2, "kiosk-a and kiosk-b");

    // The same batch again (a sync whose reply was lost), and again with
    // the same response twice in it: nothing doubles.
    let mut twice: Vec<Response> = responses.clone();
    twice.push(responses[0].clone());
    let again = s.push(&batch(store, &versions, &twice, vec![], 9)).unwrap();
    assert_eq!(again.inserted, 0);
    assert_eq!(again.already_there, twice.len() as u64);
    assert_eq!(counts(&pg, "k"), once);
    assert_eq!(s.cursor(store).unwrap(), Some(9));

    // Deletions remove responses and their answer rows.
    let gone: Vec<Uuid> = responses.iter().take(5).map(|r| r.id).collect();
    let del = s
        .push(&batch(store, &versions, &[], gone.clone(), 10))
        .unwrap();
    assert_eq!(del.deleted, 5);
    let mut c = pg.superuser("k");
    let left: i64 = c
        .query_one(
            "SELECT count(*) FROM answers WHERE response_id = ANY($1)",
            &[&gone],
        )
        .unwrap()
        .get(0);
    assert_eq!(left, 0);
    assert_eq!(counts(&pg, "k")[0], once[0] - 5);
    // Deleted and then imported again, in one batch: it is there.
    let back = s
        .push(&batch(
            store,
            &versions,
            &responses[..1],
            gone[..1].to_vec(),
            11,
        ))
        .unwrap();
    assert_eq!((back.deleted, back.inserted), (0, 1));
    assert_eq!(counts(&pg, "k")[0], once[0] - 4);
    let rows: i64 = c
        .query_one(
            "SELECT count(*) FROM answers WHERE response_id = $1",
            &[&gone[0]],
        )
        .unwrap()
        .get(0);
    assert_eq!(
        rows as usize,
        kioski::core::answer_json::long_rows(&responses[0].answers).len()
    );
    // A second store keeps a cursor of its own.
    let other = Uuid::new_v4();
    s.push(&batch(other, &versions, &[], vec![], 3)).unwrap();
    assert_eq!(s.cursor(other).unwrap(), Some(3));
    assert_eq!(s.cursor(store).unwrap(), Some(11));
}

#[test]
fn a_connection_killed_mid_push_leaves_nothing_half_written() {
    let Some(mut pg) = Pg::start("midpush") else {
        return;
    };
    pg.create_db("k");
    sink(&pg, "k").migrate().unwrap();
    let (versions, responses) = fixture(3000, 2);
    let store = Uuid::new_v4();
    // Kill the connection's backend while the push runs, at a few moments.
    let mut killed = 0;
    for delay_ms in [5u64, 40, 120, 300] {
        let mut s = sink(&pg, "k");
        let pid: i32 = {
            let mut admin = pg.superuser("k");
            admin
                .query_one(
                    "SELECT pid FROM pg_stat_activity WHERE usename = $1 AND datname = 'k' ORDER BY backend_start DESC LIMIT 1",
                    &[&SCRAM_USER],
                )
                .unwrap()
                .get(0)
        };
        let killer = std::thread::spawn({
            let mut admin = pg.superuser("k");
            move || {
                std::thread::sleep(Duration::from_millis(delay_ms));
                let _ = admin.execute("SELECT pg_terminate_backend($1)", &[&pid]);
            }
        });
        let result = s.push(&batch(store, &versions, &responses, vec![], 1));
        killer.join().unwrap();
        let [n, long, ..] = counts(&pg, "k");
        match result {
            Ok(c) => {
                // The push won the race: all of it.
                assert_eq!(n, responses.len() as i64);
                assert!(c.inserted == 0 || c.inserted == responses.len() as u64);
                break;
            }
            Err(e) => {
                killed += 1;
                assert!(e.is_transient(), "{e:?}");
                assert_eq!((n, long), (0, 0), "half a push stayed after {e}");
                assert_eq!(sink(&pg, "k").cursor(store).unwrap(), None);
            }
        }
    }
    assert!(killed > 0, "no kill landed mid-push");
    // And the server itself killed mid-push (kill -9 of every process).
    let mut s = sink(&pg, "k");
    let pg_ref = &pg;
    std::thread::scope(|scope| {
        scope.spawn(|| {
            std::thread::sleep(Duration::from_millis(60));
            pg_ref.kill9();
        });
        let result = s.push(&batch(store, &versions, &responses, vec![], 1));
        assert!(result.is_err(), "the push outran kill -9");
    });
    pg.restart();
    let [n, long, ..] = counts(&pg, "k");
    assert!(
        (n, long) == (0, 0) || n == responses.len() as i64,
        "after kill -9: {n} responses, {long} answer rows"
    );
    // The next sync sends it all, once.
    let mut s = sink(&pg, "k");
    s.push(&batch(store, &versions, &responses, vec![], 1))
        .unwrap();
    assert_eq!(counts(&pg, "k")[0], responses.len() as i64);
}

#[test]
fn responses_read_back_equal_and_tally_the_same_as_the_local_store() {
    use kioski::core::tally::Grouping;
    use kioski::remote::exports::tally_survey;
    use kioski::sink::PgStore;
    use kioski::store::{ReadStore, Store};

    let Some(pg) = Pg::start("read") else {
        return;
    };
    pg.create_db("k");
    let (versions, responses) = fixture(300, 3);
    let dir = TempDir::new("read-store");
    let local = Store::open(&dir.path().join("store"), "test").unwrap();
    for v in &versions {
        local.load(&v.survey, &v.source, v.loaded_ms).unwrap();
    }
    local.submit_many(&responses).unwrap();
    // What the local store holds is what a sync sends.
    let held: Vec<Response> = local
        .survey_entries()
        .unwrap()
        .iter()
        .flat_map(|e| {
            local
                .responses(&e.id)
                .map(Result::unwrap)
                .collect::<Vec<_>>()
        })
        .collect();
    assert_eq!(held.len(), responses.len());
    let stored: Vec<StoredVersion> = versions
        .iter()
        .map(|v| local.version(&v.hash).unwrap().unwrap())
        .collect();
    let mut s = sink(&pg, "k");
    s.migrate().unwrap();
    // In two batches, the second one overlapping the first.
    let store = Uuid::new_v4();
    let half = held.len() / 2;
    s.push(&batch(store, &stored, &held[..half + 10], vec![], 1))
        .unwrap();
    s.push(&batch(store, &stored, &held[half..], vec![], 2))
        .unwrap();

    let remote = PgStore::open(&target(&pg.tcp_url(SCRAM_USER, "k")), Some(PASSWORD)).unwrap();
    let entries = local.survey_entries().unwrap();
    assert_eq!(remote.survey_entries().unwrap(), entries);
    for entry in &entries {
        let mine: Vec<Response> = local.responses(&entry.id).map(Result::unwrap).collect();
        let theirs: Vec<Response> = remote.responses(&entry.id).map(Result::unwrap).collect();
        assert_eq!(theirs, mine, "{}", entry.id);
        assert_eq!(
            remote.stats(&entry.id).unwrap(),
            local.stats(&entry.id).unwrap()
        );
        assert_eq!(
            remote.latest(&entry.id).unwrap(),
            local.latest(&entry.id).unwrap()
        );
        for grouping in [
            Grouping::default(),
            Grouping {
                include_partial: true,
                include_suspect: true,
                ..Grouping::default()
            },
        ] {
            let (_, there) = tally_survey(&remote, &entry.id, grouping.clone()).unwrap();
            let (_, here) = tally_survey(&local, &entry.id, grouping).unwrap();
            assert_eq!(there, here, "{}", entry.id);
        }
    }
    // A scan while another runs, and one left half-read, both work.
    let id = &entries[0].id;
    let mut outer = remote.responses(id);
    outer.next().unwrap().unwrap();
    assert_eq!(remote.responses(id).count(), local.responses(id).count());
    drop(outer);
    assert_eq!(remote.responses(id).count(), local.responses(id).count());
    // A database never synced to is refused in words.
    pg.create_db("empty");
    let err = PgStore::open(&target(&pg.tcp_url(SCRAM_USER, "empty")), Some(PASSWORD))
        .err()
        .unwrap();
    assert!(err.to_string().contains("nothing was ever synced"), "{err}");
}
