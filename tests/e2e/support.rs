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

    /// How many entries the directory holds.
    pub fn entries(&self) -> usize {
        std::fs::read_dir(&self.path).map_or(0, Iterator::count)
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

    pub fn run(self) -> Run {
        let store = TempDir::new("store");
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_kioski"));
        cmd.args(&self.args)
            .current_dir(&self.cwd)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("NO_COLOR", "1")
            .env("TZ", "UTC")
            .env("KIOSKI_STORE", store.path())
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
            store_entries: store.entries(),
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
