//! A throw-away PostgreSQL cluster for one test: `initdb` into a temp
//! dir, `pg_ctl start` listening on a Unix socket in that dir and on
//! 127.0.0.1 at a free port, stopped (`-m immediate`) on drop.
//!
//! - The binaries come from `PATH`, else the newest
//!   `/usr/lib/postgresql/*/bin`. None there: [`Pg::start`] prints why
//!   and returns `None` (the test returns); `KIOSKI_REQUIRE_POSTGRES=1`
//!   (set by `.ci/run`) makes that a failure.
//! - PostgreSQL refuses to run as root, and tests and CI run as root: the
//!   cluster then runs as the `postgres` user (else `nobody`), in a temp
//!   dir chowned to it.
//! - Authentication: the superuser `postgres` is trusted; the roles
//!   [`SCRAM_USER`] and [`MD5_USER`] log in with [`PASSWORD`], stored as
//!   SCRAM and MD5 hashes, for the password tests.
//! - `fsync=off`: a crash test kills the server, never the machine.

#![allow(dead_code, reason = "a harness: each test uses part of it")]

use std::fs;
use std::net::TcpListener;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use crate::support::TempDir;

/// A role whose password is stored as a SCRAM-SHA-256 verifier.
pub const SCRAM_USER: &str = "kioski_scram";
/// A role whose password is stored as an MD5 hash.
pub const MD5_USER: &str = "kioski_md5";
/// The password of both.
pub const PASSWORD: &str = "correct horse battery";

/// One running (or killed) cluster.
pub struct Pg {
    dir: TempDir,
    bin: PathBuf,
    port: u16,
    /// The unprivileged user and group it runs as, when we are root.
    run_as: Option<(u32, u32)>,
}

impl Pg {
    /// A fresh cluster, started; `None` (after printing why) when
    /// PostgreSQL is not installed and `KIOSKI_REQUIRE_POSTGRES` is not 1.
    pub fn start(label: &str) -> Option<Pg> {
        let Some(bin) = find_bin() else {
            let why = "PostgreSQL is not installed (no initdb and pg_ctl on PATH \
                       or in /usr/lib/postgresql/*/bin)";
            assert!(
                std::env::var("KIOSKI_REQUIRE_POSTGRES").as_deref() != Ok("1"),
                "KIOSKI_REQUIRE_POSTGRES=1 but {why}; apt-get install -y postgresql"
            );
            println!(
                "skipped: {why}; install it (apt-get install -y postgresql) to run this test \
                 (KIOSKI_REQUIRE_POSTGRES=1 turns this skip into a failure)"
            );
            return None;
        };
        let dir = TempDir::new(&format!("pg-{label}"));
        let run_as = unprivileged_user();
        if let Some((uid, gid)) = run_as {
            rustix::fs::chown(
                dir.path(),
                Some(rustix::fs::Uid::from_raw(uid)),
                Some(rustix::fs::Gid::from_raw(gid)),
            )
            .expect("chown the cluster's temp dir");
        }
        fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o700)).expect("chmod");
        let mut pg = Pg {
            dir,
            bin,
            port: 0,
            run_as,
        };
        pg.initdb();
        pg.start_server();
        pg.add_roles();
        Some(pg)
    }

    /// The directory holding the Unix socket (`?host=` of a URL).
    pub fn socket_dir(&self) -> PathBuf {
        self.dir.path().join("sock")
    }

    /// The TCP port on 127.0.0.1 (also the socket's number).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The data directory (`PGDATA`).
    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// A URL for `user` and database `db` over the Unix socket.
    pub fn socket_url(&self, user: &str, db: &str) -> String {
        format!(
            "postgresql://{user}@/{db}?host={}&port={}",
            self.socket_dir().display(),
            self.port
        )
    }

    /// A URL for `user` and database `db` over TCP on 127.0.0.1.
    pub fn tcp_url(&self, user: &str, db: &str) -> String {
        format!("postgresql://{user}@127.0.0.1:{}/{db}", self.port)
    }

    /// The superuser, connected over the socket to database `db`.
    pub fn superuser(&self, db: &str) -> postgres::Client {
        postgres::Config::new()
            .host_path(self.socket_dir())
            .port(self.port)
            .user("postgres")
            .dbname(db)
            .connect(postgres::NoTls)
            .expect("connect as the superuser")
    }

    /// Creates an empty database `name`, owned by both password roles'
    /// reach (they may create tables in it).
    pub fn create_db(&self, name: &str) {
        let mut c = self.superuser("postgres");
        c.batch_execute(&format!("CREATE DATABASE \"{name}\""))
            .expect("create database");
        c.batch_execute(&format!(
            "GRANT ALL ON DATABASE \"{name}\" TO {SCRAM_USER}, {MD5_USER}"
        ))
        .expect("grant on database");
        let mut d = self.superuser(name);
        d.batch_execute(&format!(
            "GRANT ALL ON SCHEMA public TO {SCRAM_USER}, {MD5_USER};"
        ))
        .expect("grant on schema public");
    }

    /// Turns TLS on with this certificate chain and key (PEM) and
    /// restarts the server.
    pub fn enable_tls(&mut self, cert_pem: &str, key_pem: &str) {
        let data = self.data_dir();
        for (name, text) in [("server.crt", cert_pem), ("server.key", key_pem)] {
            let path = data.join(name);
            fs::write(&path, text).expect("write TLS file");
            fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).expect("chmod");
            self.give(&path);
        }
        let mut conf = fs::read_to_string(data.join("postgresql.conf")).expect("read conf");
        conf.push_str("\nssl = on\nssl_cert_file = 'server.crt'\nssl_key_file = 'server.key'\n");
        fs::write(data.join("postgresql.conf"), conf).expect("write conf");
        self.pg_ctl(&["stop", "-m", "fast", "-w"]);
        self.start_server();
    }

    /// `kill -9` of the postmaster and every backend: a power cut as far
    /// as PostgreSQL can tell (its WAL replays at the next start).
    pub fn kill9(&self) {
        let Some(pid) = self.postmaster_pid() else {
            return;
        };
        let mut pids = vec![pid];
        pids.extend(children_of(pid));
        for p in pids {
            if let Some(p) = rustix::process::Pid::from_raw(p) {
                let _ = rustix::process::kill_process(p, rustix::process::Signal::KILL);
            }
        }
        // Wait for the postmaster to be gone.
        let deadline = Instant::now() + Duration::from_secs(10);
        while Path::new(&format!("/proc/{pid}")).exists() && Instant::now() < deadline {
            // A killed child of another process lingers as a zombie: its
            // state is Z.
            let stat = fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            if stat.contains(") Z ") {
                break;
            }
            thread::sleep(Duration::from_millis(20));
        }
    }

    /// Starts the server again (after [`Pg::kill9`] or a stop), on the
    /// same port.
    pub fn restart(&mut self) {
        // A killed postmaster may stay a zombie (a container's init need
        // not reap it); its lock files would name a pid that "exists".
        let _ = fs::remove_file(self.data_dir().join("postmaster.pid"));
        let _ = fs::remove_file(
            self.socket_dir()
                .join(format!(".s.PGSQL.{}.lock", self.port)),
        );
        self.start_server_on(self.port);
    }

    /// Stops the server (`-m fast`); [`Pg::restart`] starts it again.
    pub fn stop(&self) {
        self.pg_ctl(&["stop", "-m", "fast", "-w"]);
    }

    fn initdb(&self) {
        let out = self.run(
            Command::new(self.bin.join("initdb"))
                .arg("-D")
                .arg(self.data_dir())
                .args([
                    "-U",
                    "postgres",
                    "--auth=trust",
                    "-E",
                    "UTF8",
                    "--no-locale",
                    "--no-sync",
                ]),
        );
        assert!(out.status.success(), "initdb failed: {}", text(&out));
        fs::create_dir(self.socket_dir()).expect("create socket dir");
        self.give(&self.socket_dir());
        let hba = "local all postgres trust\n\
                   local all all md5\n\
                   host all postgres 127.0.0.1/32 trust\n\
                   host all all 127.0.0.1/32 md5\n";
        fs::write(self.data_dir().join("pg_hba.conf"), hba).expect("write pg_hba.conf");
        let mut conf =
            fs::read_to_string(self.data_dir().join("postgresql.conf")).expect("read conf");
        conf.push_str(&format!(
            "\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '{}'\n\
             fsync = off\nfull_page_writes = off\n\
             max_wal_size = '1GB'\nlog_min_messages = warning\n",
            self.socket_dir().display()
        ));
        fs::write(self.data_dir().join("postgresql.conf"), conf).expect("write conf");
    }

    fn start_server(&mut self) {
        for _ in 0..5 {
            let port = free_port();
            if self.try_start(port) {
                self.port = port;
                return;
            }
        }
        panic!("PostgreSQL did not start: {}", self.log());
    }

    fn start_server_on(&mut self, port: u16) {
        assert!(
            self.try_start(port),
            "PostgreSQL did not restart: {}",
            self.log()
        );
    }

    fn try_start(&self, port: u16) -> bool {
        let log = self.dir.path().join("server.log");
        let out = self.pg_ctl(&[
            "start",
            "-w",
            "-t",
            "60",
            "-l",
            &log.display().to_string(),
            "-o",
            &format!("-p {port}"),
        ]);
        out.status.success()
    }

    fn add_roles(&self) {
        let mut c = self.superuser("postgres");
        c.batch_execute(&format!(
            "SET password_encryption = 'scram-sha-256';
             CREATE ROLE {SCRAM_USER} LOGIN PASSWORD '{PASSWORD}';
             SET password_encryption = 'md5';
             CREATE ROLE {MD5_USER} LOGIN PASSWORD '{PASSWORD}';"
        ))
        .expect("create the password roles");
    }

    fn postmaster_pid(&self) -> Option<i32> {
        fs::read_to_string(self.data_dir().join("postmaster.pid"))
            .ok()?
            .lines()
            .next()?
            .trim()
            .parse()
            .ok()
    }

    fn log(&self) -> String {
        fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
    }

    fn pg_ctl(&self, args: &[&str]) -> Output {
        self.run(
            Command::new(self.bin.join("pg_ctl"))
                .arg("-D")
                .arg(self.data_dir())
                .args(args),
        )
    }

    /// Runs `cmd` as the cluster's user; its output, once it ends.
    fn run(&self, cmd: &mut Command) -> Output {
        if let Some((uid, gid)) = self.run_as {
            // std drops root's supplementary groups when it sets the uid.
            cmd.uid(uid).gid(gid);
        }
        cmd.current_dir(self.dir.path())
            .env("LC_ALL", "C")
            .stdin(Stdio::null())
            .output()
            .expect("run a PostgreSQL program")
    }

    /// Makes `path` the cluster user's.
    fn give(&self, path: &Path) {
        if let Some((uid, gid)) = self.run_as {
            rustix::fs::chown(
                path,
                Some(rustix::fs::Uid::from_raw(uid)),
                Some(rustix::fs::Gid::from_raw(gid)),
            )
            .expect("chown");
        }
    }
}

impl Drop for Pg {
    fn drop(&mut self) {
        let _ = self.pg_ctl(&["stop", "-m", "immediate", "-w"]);
        // A killed server that was never restarted leaves backends that
        // would keep the temp dir's files open.
        self.kill9();
    }
}

/// The directory holding `initdb` and `pg_ctl`.
fn find_bin() -> Option<PathBuf> {
    let has = |dir: &Path| dir.join("initdb").is_file() && dir.join("pg_ctl").is_file();
    if let Some(path) = std::env::var_os("PATH")
        && let Some(dir) = std::env::split_paths(&path).find(|d| has(d))
    {
        return Some(dir);
    }
    let mut versions: Vec<(u32, PathBuf)> = fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let n = e.file_name().to_str()?.parse().ok()?;
            let bin = e.path().join("bin");
            has(&bin).then_some((n, bin))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin)
}

/// The `postgres` user, else `nobody`, when we are root; `None` otherwise
/// (the cluster runs as us).
fn unprivileged_user() -> Option<(u32, u32)> {
    if !rustix::process::geteuid().is_root() {
        return None;
    }
    let passwd = fs::read_to_string("/etc/passwd").expect("read /etc/passwd");
    let find = |name: &str| {
        passwd.lines().find_map(|line| {
            let f: Vec<&str> = line.split(':').collect();
            (f.len() > 3 && f[0] == name).then(|| (f[2].parse().ok(), f[3].parse().ok()))
        })
    };
    match find("postgres").or_else(|| find("nobody")) {
        Some((Some(uid), Some(gid))) => Some((uid, gid)),
        _ => panic!("running as root, but neither a `postgres` nor a `nobody` user exists"),
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("find a free port")
        .port()
}

/// Every process whose parent is `pid`.
fn children_of(pid: i32) -> Vec<i32> {
    fs::read_dir("/proc")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let p: i32 = e.file_name().to_str()?.parse().ok()?;
            let stat = fs::read_to_string(e.path().join("stat")).ok()?;
            // pid (comm) state ppid ...: comm may hold spaces, so read after
            // the last ')'.
            let rest = &stat[stat.rfind(')')? + 1..];
            let ppid: i32 = rest.split_whitespace().nth(1)?.parse().ok()?;
            (ppid == pid).then_some(p)
        })
        .collect()
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// The harness itself: a cluster starts, answers on both listeners,
/// survives a kill -9 and a restart, and refuses a wrong password.
mod tests {
    use super::*;

    #[test]
    fn a_cluster_starts_answers_and_comes_back_after_kill_9() {
        let Some(mut pg) = Pg::start("harness") else {
            return;
        };
        let one: i32 = pg
            .superuser("postgres")
            .query_one("SELECT 1", &[])
            .unwrap()
            .get(0);
        assert_eq!(one, 1);
        for user in [SCRAM_USER, MD5_USER] {
            let mut tcp = postgres::Config::new()
                .host("127.0.0.1")
                .port(pg.port())
                .user(user)
                .password(PASSWORD)
                .dbname("postgres")
                .connect(postgres::NoTls)
                .unwrap();
            let me: String = tcp
                .query_one("SELECT current_user::text", &[])
                .unwrap()
                .get(0);
            assert_eq!(me, user);
            let wrong = postgres::Config::new()
                .host("127.0.0.1")
                .port(pg.port())
                .user(user)
                .password("wrong")
                .dbname("postgres")
                .connect(postgres::NoTls);
            assert!(wrong.is_err(), "{user} logged in with a wrong password");
        }
        pg.create_db("kept");
        pg.superuser("kept")
            .batch_execute("CREATE TABLE t (x int); INSERT INTO t VALUES (7);")
            .unwrap();
        pg.kill9();
        assert!(
            postgres::Config::new()
                .host_path(pg.socket_dir())
                .port(pg.port())
                .user("postgres")
                .connect_timeout(Duration::from_secs(2))
                .connect(postgres::NoTls)
                .is_err(),
            "the server still answers after kill -9"
        );
        pg.restart();
        let x: i32 = pg
            .superuser("kept")
            .query_one("SELECT x FROM t", &[])
            .unwrap()
            .get(0);
        assert_eq!(x, 7);
    }
}
