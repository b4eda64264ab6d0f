//! Runs the real `kioski` binary hermetically and prints what it did as one
//! text block for snapshots: the command line, the exit code, stdout and
//! stderr.
//!
//! Every run starts from an empty environment plus `PATH`, `NO_COLOR=1`,
//! `TZ=UTC` and a fresh, empty `KIOSKI_STORE`; it runs in the crate root
//! unless told otherwise, so paths in the output are relative and stable.

use std::ffi::OsString;
use std::fmt;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

/// Copies the directory tree `from` to `to` (a store, before a test opens
/// it: opening a sled store writes to it).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("create the copy");
    for entry in std::fs::read_dir(from).expect("read the directory") {
        let entry = entry.expect("read an entry");
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy a file");
        }
    }
}

/// The crate root: where `surveys/` and `tests/data/` are.
pub fn crate_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A directory under the system temp dir, unique to this process and
/// call, removed on drop.
pub struct TempDir {
    path: PathBuf,
}

impl TempDir {
    pub fn new(label: &str) -> TempDir {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let path =
            std::env::temp_dir().join(format!("kioski-e2e-{}-{n}-{label}", std::process::id()));
        // A leftover from a killed run with a reused pid.
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("create temp dir");
        TempDir { path }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes `bytes` to `name` inside the directory; returns the full path.
    pub fn write(&self, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        let path = self.path.join(name);
        std::fs::write(&path, bytes).expect("write temp file");
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// How long one run may take before it is killed; `KIOSKI_TEST_TIMEOUT`
/// (seconds) raises it on slow CI machines.
fn timeout() -> Duration {
    let secs = std::env::var("KIOSKI_TEST_TIMEOUT")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60);
    Duration::from_secs(secs)
}

/// A `kioski` command line to run.
pub struct Kioski {
    args: Vec<OsString>,
    stdin: Option<Vec<u8>>,
    cwd: PathBuf,
    env: Vec<(String, Option<String>)>,
    store: Option<PathBuf>,
}

/// `kioski ARGS...`, run in the crate root.
pub fn kioski<I, S>(args: I) -> Kioski
where
    I: IntoIterator<Item = S>,
    S: Into<OsString>,
{
    Kioski {
        args: args.into_iter().map(Into::into).collect(),
        stdin: None,
        cwd: crate_root().to_owned(),
        env: Vec::new(),
        store: None,
    }
}

impl Kioski {
    /// Feeds `bytes` to standard input (otherwise it is empty).
    pub fn stdin(mut self, bytes: impl Into<Vec<u8>>) -> Kioski {
        self.stdin = Some(bytes.into());
        self
    }

    /// Runs in `dir` instead of the crate root.
    pub fn current_dir(mut self, dir: &Path) -> Kioski {
        dir.clone_into(&mut self.cwd);
        self
    }

    /// Sets (`Some`) or removes (`None`) one variable of the hermetic
    /// environment.
    pub fn env(mut self, key: &str, value: Option<&str>) -> Kioski {
        self.env.push((key.to_owned(), value.map(str::to_owned)));
        self
    }

    /// Uses `dir` as the store (through `KIOSKI_STORE`) instead of a
    /// fresh, empty one, so that runs can share a store.
    pub fn store(mut self, dir: &Path) -> Kioski {
        self.store = Some(dir.to_owned());
        self
    }

    pub fn run(self) -> Run {
        let fresh;
        let store = match &self.store {
            Some(dir) => dir.clone(),
            None => {
                fresh = TempDir::new("store");
                fresh.path().to_owned()
            }
        };
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_kioski"));
        cmd.args(&self.args)
            .current_dir(&self.cwd)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("NO_COLOR", "1")
            .env("TZ", "UTC")
            .env("KIOSKI_STORE", &store)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (key, value) in &self.env {
            match value {
                Some(v) => cmd.env(key, v),
                None => cmd.env_remove(key),
            };
        }
        let mut child = cmd.spawn().expect("start kioski");

        // Write and read on threads, so a full pipe never blocks the child
        // and a child that stops reading early (a refused huge input) does
        // not block us.
        let mut stdin = child.stdin.take().expect("stdin");
        let input = self.stdin.clone().unwrap_or_default();
        let writer = thread::spawn(move || {
            let _ = stdin.write_all(&input);
        });
        let stdout = drain(child.stdout.take().expect("stdout"));
        let stderr = drain(child.stderr.take().expect("stderr"));

        let deadline = Instant::now() + timeout();
        let status = loop {
            if let Some(status) = child.try_wait().expect("wait for kioski") {
                break status;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!(
                    "`{}` did not end within {:?}",
                    self.command_line(),
                    timeout()
                );
            }
            thread::sleep(Duration::from_millis(5));
        };
        let _ = writer.join();
        let stdout = stdout.join().expect("stdout reader");
        let stderr = stderr.join().expect("stderr reader");
        Run {
            command: self.command_line(),
            code: status.code(),
            stdout: String::from_utf8_lossy(&stdout).into_owned(),
            stderr: String::from_utf8_lossy(&stderr).into_owned(),
            store_entries: std::fs::read_dir(&store).map_or(0, Iterator::count),
            store,
        }
    }

    fn command_line(&self) -> String {
        let mut line = String::from("$ kioski");
        for arg in &self.args {
            line.push(' ');
            line.push_str(&arg.to_string_lossy());
        }
        if let Some(input) = &self.stdin {
            line.push_str(&format!(" <<< ({} bytes)", input.len()));
        }
        line
    }
}

fn drain(mut pipe: impl Read + Send + 'static) -> thread::JoinHandle<Vec<u8>> {
    thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = pipe.read_to_end(&mut bytes);
        bytes
    })
}

/// What one run of `kioski` did.
pub struct Run {
    pub command: String,
    /// `None` when killed by a signal.
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    /// Entries in the run's `KIOSKI_STORE` afterwards.
    pub store_entries: usize,
    /// The run's `KIOSKI_STORE` (removed afterwards unless given with
    /// [`Kioski::store`]).
    pub store: PathBuf,
}

impl Run {
    /// Asserts the exit code, showing the whole run when it differs, and
    /// that nothing panicked.
    #[track_caller]
    pub fn expect_code(&self, code: i32) -> &Run {
        assert_eq!(self.code, Some(code), "unexpected exit code:\n{self}");
        assert!(
            !self.stdout.contains("panicked") && !self.stderr.contains("panicked"),
            "kioski panicked:\n{self}"
        );
        self
    }

    /// The run as text, with its store directory shown as `[STORE]`.
    pub fn redacted(&self) -> String {
        redact_path(&self.to_string(), &self.store, "[STORE]")
    }

    /// Asserts that the run left its store directory empty.
    #[track_caller]
    pub fn expect_store_untouched(&self) -> &Run {
        assert_eq!(self.store_entries, 0, "the store was written to:\n{self}");
        self
    }
}

impl fmt::Display for Run {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{}", self.command)?;
        match self.code {
            Some(code) => writeln!(f, "exit: {code}")?,
            None => writeln!(f, "exit: killed by a signal")?,
        }
        writeln!(f, "--- stdout")?;
        f.write_str(&self.stdout)?;
        writeln!(f, "--- stderr")?;
        f.write_str(&self.stderr)
    }
}

/// `text` with every spelling of `path` (as given, and canonical) replaced
/// by `label`.
pub fn redact_path(text: &str, path: &Path, label: &str) -> String {
    let mut out = text.to_owned();
    let mut spellings = vec![path.to_string_lossy().into_owned()];
    if let Ok(canonical) = path.canonicalize() {
        spellings.push(canonical.to_string_lossy().into_owned());
    }
    // Longest first, so a path is never half replaced.
    spellings.sort_by_key(|s| std::cmp::Reverse(s.len()));
    for s in spellings {
        if !s.is_empty() {
            out = out.replace(&s, label);
        }
    }
    out
}

/// Snapshot settings that hide what differs from run to run: response ids,
/// record keys, version hashes, pids, seeds, times and temp paths. Hashes
/// and times keep their width, so tables stay aligned.
pub fn volatile_filters() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    for (pattern, replacement) in [
        (
            r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}",
            "[ID]",
        ),
        (r"\b[0-9a-f]{32,}\b", "[KEY]"),
        (r"\b[0-9a-f]{12}\b", "[hash......]"),
        (r"\bpid[= ]\d+", "pid [PID]"),
        (
            r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}([+-]\d{2}:\d{2}|Z)",
            "YYYY-MM-DDThh:mm:ss+hh:mm",
        ),
        (
            r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}",
            "YYYY-MM-DD hh:mm:ss",
        ),
        (r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}", "YYYY-MM-DD hh:mm"),
        (r"seed \d+", "seed [SEED]"),
        (r"/[^\s`']*kioski-e2e-[^\s`'/]+", "[TMP]"),
    ] {
        settings.add_filter(pattern, replacement);
    }
    settings
}

/// A child process that is killed (SIGKILL) and reaped when dropped, so a
/// failing test never leaves one running.
pub struct KillOnDrop(pub std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A `Command` for the real binary with the same hermetic environment as
/// [`kioski`], for children a test controls itself (kills, pipes).
pub fn kioski_command(store: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_kioski"));
    cmd.current_dir(crate_root())
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("NO_COLOR", "1")
        .env("TZ", "UTC")
        .env("KIOSKI_STORE", store)
        .stdin(Stdio::null());
    cmd
}

/// Waits until `done` holds, polling; panics with `what` after the
/// `KIOSKI_TEST_TIMEOUT` deadline.
pub fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + timeout();
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        thread::sleep(Duration::from_millis(10));
    }
}

/// Whether any file under `dir` contains `needle`.
pub fn files_contain(dir: &Path, needle: &[u8]) -> bool {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return false;
    };
    entries.filter_map(Result::ok).any(|entry| {
        let path = entry.path();
        if path.is_dir() {
            files_contain(&path, needle)
        } else {
            std::fs::read(&path).is_ok_and(|bytes| bytes.windows(needle.len()).any(|w| w == needle))
        }
    })
}

/// A scratch directory in `/tmp` with a store path `s/` inside it, short
/// enough for the store's Unix socket (paths are limited to ~107 bytes).
pub fn short_store_dir(prefix: &str) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::Builder::new()
        .prefix(prefix)
        .tempdir_in("/tmp")
        .expect("create a temp dir in /tmp");
    let store = tmp.path().join("s");
    let socket = store.join(kioski::remote::protocol::SOCKET_FILE);
    assert!(
        socket.as_os_str().len() < 100,
        "the socket path is too long for a Unix socket: {}",
        socket.display()
    );
    (tmp, store)
}
