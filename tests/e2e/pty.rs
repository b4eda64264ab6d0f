//! `PtyKiosk`: the real `kioski` binary in a pseudo-terminal, its output
//! read through a terminal emulator (vt100), so a test sees the screen a
//! person would see.
//!
//! A reader thread always drains the PTY into the parser (a child writing
//! to a full PTY would block). Tests wait for "the screen shows X" with a
//! deadline from `KIOSKI_PTY_TIMEOUT_MS` (default 10 s; raise it on slow
//! CI), never for a fixed time; on a timeout the whole screen is printed.
//! The child is killed when the harness is dropped.

use std::io::{Read, Write};
use std::num::NonZeroU16;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread;
use std::time::{Duration, Instant};

use portable_pty::{Child, CommandBuilder, ExitStatus, MasterPty, PtySize, native_pty_system};

use crate::support::crate_root;

/// Key presses as a terminal sends them.
pub mod keys {
    pub const ENTER: &[u8] = b"\r";
    pub const TAB: &[u8] = b"\t";
    pub const BACKSPACE: &[u8] = b"\x7f";
    pub const ESC: &[u8] = b"\x1b";
    pub const PAGE_UP: &[u8] = b"\x1b[5~";
    pub const PAGE_DOWN: &[u8] = b"\x1b[6~";
    pub const CTRL_C: &[u8] = b"\x03";
    pub const CTRL_Z: &[u8] = b"\x1a";
    pub const CTRL_BACKSLASH: &[u8] = b"\x1c";
    pub const CTRL_D: &[u8] = b"\x04";
    pub const ALT_F4: &[u8] = b"\x1b[1;3S";
    /// Ctrl+Alt+K, the kiosk's exit chord: ESC, then Ctrl-K.
    pub const EXIT_CHORD: &[u8] = b"\x1b\x0b";
}

/// How long the kiosk must have written nothing for its frame to count as
/// finished (ratatui writes a frame in several chunks).
pub const SETTLE: Duration = Duration::from_millis(50);

/// The deadline for one wait; `KIOSKI_PTY_TIMEOUT_MS` changes it.
pub fn timeout() -> Duration {
    let ms = std::env::var("KIOSKI_PTY_TIMEOUT_MS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(10_000);
    Duration::from_millis(ms)
}

/// What the emulator saw besides the screen: window titles and bells
/// (the kiosk never sends either, so any is a leak of input to output).
#[derive(Debug, Default)]
pub struct Seen {
    pub titles: Vec<String>,
    pub bells: usize,
}

impl vt100::Callbacks for Seen {
    fn set_window_title(&mut self, _: &mut vt100::Screen, title: &[u8]) {
        self.titles
            .push(String::from_utf8_lossy(title).into_owned());
    }

    fn set_window_icon_name(&mut self, _: &mut vt100::Screen, name: &[u8]) {
        self.titles.push(String::from_utf8_lossy(name).into_owned());
    }

    fn audible_bell(&mut self, _: &mut vt100::Screen) {
        self.bells += 1;
    }
}

/// The emulated terminal, shared with the reader thread.
struct Term {
    parser: vt100::Parser<Seen>,
    /// Every byte the child wrote, for checks on raw sequences.
    raw: Vec<u8>,
    /// The reader reached the end: the child and its PTY are gone.
    closed: bool,
}

struct Shared {
    term: Mutex<Term>,
    /// Notified after each chunk of output, so waits wake at once.
    changed: Condvar,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Term> {
        // A panicking test thread never holds the lock across a panic that
        // matters here; take the data even if poisoned.
        self.term
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

fn size(cols: u16, rows: u16) -> PtySize {
    PtySize {
        rows,
        cols,
        pixel_width: 0,
        pixel_height: 0,
    }
}

fn nonzero(n: u16) -> NonZeroU16 {
    NonZeroU16::new(n).expect("a terminal size is never zero")
}

/// How to start the kiosk.
pub struct PtyBuilder {
    store: PathBuf,
    args: Vec<String>,
    cols: u16,
    rows: u16,
    env: Vec<(String, String)>,
    cwd: Option<PathBuf>,
}

impl PtyBuilder {
    /// Sets an environment variable (the rest is cleared but PATH, TERM,
    /// NO_COLOR and TZ).
    pub fn env(mut self, key: &str, value: &str) -> PtyBuilder {
        self.env.push((key.to_owned(), value.to_owned()));
        self
    }

    /// The working directory (default: the crate root, where `surveys/` is).
    pub fn cwd(mut self, dir: &Path) -> PtyBuilder {
        self.cwd = Some(dir.to_owned());
        self
    }

    /// Adds arguments after `kioski --store DIR`.
    pub fn args<I, S>(mut self, args: I) -> PtyBuilder
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    /// The terminal size (default 80x24).
    pub fn size(mut self, cols: u16, rows: u16) -> PtyBuilder {
        self.cols = cols;
        self.rows = rows;
        self
    }

    /// Starts `kioski --store DIR ARGS...` in a fresh PTY.
    pub fn start(self) -> PtyKiosk {
        let pair = native_pty_system()
            .openpty(size(self.cols, self.rows))
            .expect("open a PTY");
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_kioski"));
        cmd.arg("--store");
        cmd.arg(&self.store);
        cmd.args(&self.args);
        cmd.cwd(self.cwd.as_deref().unwrap_or(crate_root()));
        cmd.env_clear();
        cmd.env("PATH", std::env::var_os("PATH").unwrap_or_default());
        cmd.env("TERM", "xterm-256color");
        cmd.env("NO_COLOR", "1");
        cmd.env("TZ", "UTC");
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        let child = pair
            .slave
            .spawn_command(cmd)
            .expect("start kioski in the PTY");
        // Only the child holds the slave now, so the reader sees the end
        // when the child is gone.
        drop(pair.slave);
        let pid = child.process_id().expect("the child's pid");

        let shared = Arc::new(Shared {
            term: Mutex::new(Term {
                parser: vt100::Parser::new_with_callbacks(
                    nonzero(self.rows),
                    nonzero(self.cols),
                    0,
                    Seen::default(),
                ),
                raw: Vec::new(),
                closed: false,
            }),
            changed: Condvar::new(),
        });
        let mut reader = pair.master.try_clone_reader().expect("PTY reader");
        let drain = Arc::clone(&shared);
        thread::spawn(move || {
            let mut buf = [0u8; 16 * 1024];
            loop {
                // EOF, or EIO once the slave is closed: the end either way.
                let n = match reader.read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => n,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(_) => break,
                };
                let mut term = drain.lock();
                term.parser.process(&buf[..n]);
                term.raw.extend_from_slice(&buf[..n]);
                drop(term);
                drain.changed.notify_all();
            }
            drain.lock().closed = true;
            drain.changed.notify_all();
        });
        let writer = pair.master.take_writer().expect("PTY writer");
        PtyKiosk {
            child,
            writer: Arc::new(Mutex::new(writer)),
            master: pair.master,
            shared,
            pid,
            store: self.store,
            status: None,
        }
    }
}

/// The real kiosk in a PTY.
pub struct PtyKiosk {
    child: Box<dyn Child + Send + Sync>,
    writer: Arc<Mutex<Box<dyn Write + Send>>>,
    master: Box<dyn MasterPty + Send>,
    shared: Arc<Shared>,
    pid: u32,
    store: PathBuf,
    status: Option<ExitStatus>,
}

impl PtyKiosk {
    /// `kioski --store DIR` in an 80x24 PTY, once started.
    pub fn builder(store: &Path) -> PtyBuilder {
        PtyBuilder {
            store: store.to_owned(),
            args: Vec::new(),
            cols: 80,
            rows: 24,
            env: Vec::new(),
            cwd: None,
        }
    }

    /// `kioski --store DIR` in an 80x24 PTY.
    pub fn start(store: &Path) -> PtyKiosk {
        PtyKiosk::builder(store).start()
    }

    /// Reads the emulated screen.
    pub fn screen<T>(&self, read: impl FnOnce(&vt100::Screen) -> T) -> T {
        read(self.shared.lock().parser.screen())
    }

    /// The screen as text, one line per row.
    pub fn text(&self) -> String {
        self.screen(vt100::Screen::contents)
    }

    /// Window titles set and bells rung so far.
    pub fn seen<T>(&self, read: impl FnOnce(&Seen) -> T) -> T {
        read(self.shared.lock().parser.callbacks())
    }

    /// Every byte the kiosk has written so far.
    pub fn output(&self) -> Vec<u8> {
        self.shared.lock().raw.clone()
    }

    /// How many bytes the kiosk has written so far.
    pub fn output_len(&self) -> usize {
        self.shared.lock().raw.len()
    }

    /// Waits until `done` holds for the screen; panics with the whole
    /// screen after the deadline or when the kiosk ends first.
    #[track_caller]
    pub fn wait_for(&self, what: &str, done: impl FnMut(&vt100::Screen) -> bool) {
        self.wait_for_within(timeout(), what, done);
    }

    /// [`Self::wait_for`] with its own deadline.
    #[track_caller]
    pub fn wait_for_within(
        &self,
        limit: Duration,
        what: &str,
        mut done: impl FnMut(&vt100::Screen) -> bool,
    ) {
        let deadline = Instant::now() + limit;
        let mut term = self.shared.lock();
        loop {
            if done(term.parser.screen()) {
                return;
            }
            let now = Instant::now();
            if term.closed || now >= deadline {
                let why = if term.closed {
                    "kioski ended"
                } else {
                    "timed out"
                };
                let report = describe(&term, &self.store);
                drop(term);
                panic!("{why} after {limit:?} waiting until {what}\n{report}");
            }
            term = self
                .shared
                .changed
                .wait_timeout(term, deadline - now)
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .0;
        }
    }

    /// Waits until the screen shows `text`.
    #[track_caller]
    pub fn wait_for_text(&self, text: &str) {
        self.wait_for(&format!("the screen shows {text:?}"), |s| {
            s.contents().contains(text)
        });
    }

    /// Waits until the screen no longer shows `text`.
    #[track_caller]
    pub fn wait_for_gone(&self, text: &str) {
        self.wait_for(&format!("the screen no longer shows {text:?}"), |s| {
            !s.contents().contains(text)
        });
    }

    /// Waits until the kiosk has written nothing for `quiet`: the frame
    /// on screen is finished. Used before comparing whole screens.
    #[track_caller]
    pub fn wait_quiet(&self, quiet: Duration) {
        let deadline = Instant::now() + timeout();
        let mut term = self.shared.lock();
        loop {
            let len = term.raw.len();
            let since = Instant::now();
            while term.raw.len() == len && since.elapsed() < quiet && !term.closed {
                term = self
                    .shared
                    .changed
                    .wait_timeout(term, quiet.saturating_sub(since.elapsed()))
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .0;
            }
            if term.raw.len() == len {
                return;
            }
            if Instant::now() >= deadline {
                drop(term);
                self.fail("the kiosk never stopped drawing");
            }
        }
    }

    /// The PTY's line settings as `stty -a` prints them: after the kiosk
    /// ends they must be cooked again (`icanon`, `echo`), not raw.
    pub fn stty(&self) -> String {
        let tty = self.master.tty_name().expect("the PTY's device name");
        let out = std::process::Command::new("stty")
            .arg("-a")
            .arg("-F")
            .arg(&tty)
            .output()
            .expect("run stty");
        assert!(
            out.status.success(),
            "stty -F {} failed: {}",
            tty.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Panics with the whole screen: for failed checks of what is shown.
    #[track_caller]
    pub fn fail(&self, why: &str) -> ! {
        let report = describe(&self.shared.lock(), &self.store);
        panic!("{why}\n{report}");
    }

    /// Asserts that the finished frame shows `text`.
    #[track_caller]
    pub fn assert_shows(&self, text: &str) {
        self.wait_quiet(SETTLE);
        if !self.text().contains(text) {
            self.fail(&format!("the screen does not show {text:?}"));
        }
    }

    /// Asserts that the finished frame does not show `text`.
    #[track_caller]
    pub fn assert_hides(&self, text: &str) {
        self.wait_quiet(SETTLE);
        if self.text().contains(text) {
            self.fail(&format!("the screen shows {text:?}"));
        }
    }

    /// Writes bytes to the terminal, as keys typed or a paste.
    pub fn send(&self, bytes: &[u8]) {
        let mut writer = self
            .writer
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        writer.write_all(bytes).expect("write to the PTY");
        writer.flush().expect("flush the PTY");
    }

    /// Writes a lot of bytes from another thread, so a kiosk that stops
    /// reading fails the test at the deadline instead of hanging it.
    #[track_caller]
    pub fn send_big(&self, bytes: Vec<u8>) {
        let writer = Arc::clone(&self.writer);
        let (done, finished) = mpsc::channel();
        thread::spawn(move || {
            let mut writer = writer
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let result = writer.write_all(&bytes).and_then(|()| writer.flush());
            let _ = done.send(result.is_ok());
        });
        match finished.recv_timeout(timeout() * 3) {
            Ok(true) => {}
            Ok(false) => self.fail("writing to the PTY failed"),
            Err(_) => self.fail("the kiosk stopped reading its input"),
        }
    }

    /// A bracketed paste of `text`.
    #[track_caller]
    pub fn paste(&self, text: &[u8]) {
        let mut bytes = Vec::with_capacity(text.len() + 12);
        bytes.extend_from_slice(b"\x1b[200~");
        bytes.extend_from_slice(text);
        bytes.extend_from_slice(b"\x1b[201~");
        self.send_big(bytes);
    }

    /// A left click (press and release, SGR encoding) on a 0-based cell.
    pub fn click(&self, col: u16, row: u16) {
        let (x, y) = (col + 1, row + 1);
        self.send(format!("\x1b[<0;{x};{y}M\x1b[<0;{x};{y}m").as_bytes());
    }

    /// Waits for `needle` and the end of the frame, then clicks the middle
    /// of it; it must be shown exactly once.
    #[track_caller]
    pub fn click_text(&self, needle: &str) {
        self.click_one(needle, find_on);
    }

    /// [`Self::click_text`] for the button or option labelled `label`
    /// (see [`find_label`]).
    #[track_caller]
    pub fn click_label(&self, label: &str) {
        self.click_one(label, find_label);
    }

    #[track_caller]
    fn click_one(&self, needle: &str, find: fn(&vt100::Screen, &str) -> Vec<(u16, u16)>) {
        self.wait_for(&format!("{needle:?} is on the screen to click"), |s| {
            !find(s, needle).is_empty()
        });
        self.wait_quiet(SETTLE);
        match self.screen(|s| find(s, needle)).as_slice() {
            [(col, row)] => {
                let mid = u16::try_from(needle.chars().count() / 2).unwrap_or(0);
                self.click(col + mid, *row);
            }
            [] => self.fail(&format!("{needle:?} is no longer on the screen")),
            many => self.fail(&format!(
                "{needle:?} is on the screen {} times; which to click?",
                many.len()
            )),
        }
    }

    /// Resizes the terminal (the parser first, so the redraw is read at
    /// the new size); the kernel tells the kiosk with SIGWINCH.
    pub fn resize(&self, cols: u16, rows: u16) {
        let mut term = self.shared.lock();
        term.parser.set_size(nonzero(rows), nonzero(cols));
        self.master
            .resize(size(cols, rows))
            .expect("resize the PTY");
    }

    /// Sends a signal by name (`TERM`, `HUP`, ...) with `kill(1)`.
    pub fn signal(&self, name: &str) {
        let status = std::process::Command::new("kill")
            .arg(format!("-{name}"))
            .arg(self.pid.to_string())
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -{name} {} failed", self.pid);
    }

    /// Whether the kiosk is still running.
    pub fn running(&mut self) -> bool {
        if self.status.is_some() {
            return false;
        }
        match self.child.try_wait().expect("poll kioski") {
            Some(status) => {
                self.status = Some(status);
                false
            }
            None => true,
        }
    }

    /// Waits for the kiosk to end and for its last output to be read;
    /// returns its exit code (panics when killed by a signal).
    #[track_caller]
    pub fn wait_exit(&mut self) -> u32 {
        let deadline = Instant::now() + timeout();
        while self.running() {
            if Instant::now() >= deadline {
                self.fail(&format!("kioski did not end within {:?}", timeout()));
            }
            thread::sleep(Duration::from_millis(5));
        }
        self.wait_closed();
        let status = self.status.as_ref().expect("an exit status");
        if let Some(signal) = status.signal() {
            self.fail(&format!("kioski was killed by a signal: {signal}"));
        }
        status.exit_code()
    }

    /// Waits until the reader has read the kiosk's last byte.
    #[track_caller]
    fn wait_closed(&self) {
        let deadline = Instant::now() + timeout();
        let mut term = self.shared.lock();
        while !term.closed {
            let now = Instant::now();
            if now >= deadline {
                drop(term);
                self.fail("the PTY stayed open after kioski ended");
            }
            term = self
                .shared
                .changed
                .wait_timeout(term, deadline - now)
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .0;
        }
    }

    /// CPU time (user + system) the kiosk has used so far, from
    /// `/proc/PID/stat`.
    pub fn cpu_time(&self) -> Duration {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.pid))
            .expect("read /proc/PID/stat");
        // The command name is in parentheses and may hold spaces; the
        // fields after it start with the state (field 3).
        let after = &stat[stat.rfind(')').expect("a stat line") + 2..];
        let fields: Vec<&str> = after.split_whitespace().collect();
        let ticks: u64 =
            fields[11].parse::<u64>().expect("utime") + fields[12].parse::<u64>().expect("stime");
        Duration::from_secs_f64(ticks as f64 / clock_ticks() as f64)
    }
}

impl Drop for PtyKiosk {
    fn drop(&mut self) {
        if self.status.is_none() {
            // SIGHUP, then SIGKILL if it lingers (portable-pty's kill).
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// Clock ticks per second for `/proc` times (`getconf CLK_TCK`).
pub fn clock_ticks() -> u64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100)
}

/// One screen row as characters, each with the column it is drawn in.
/// Cells, not bytes: a wide character takes two columns, a combining mark
/// none.
fn row_chars(screen: &vt100::Screen, row: u16) -> Vec<(char, u16)> {
    let cols = screen.size().1.get();
    let mut chars = Vec::new();
    for col in 0..cols {
        let Some(cell) = screen.cell(row, col) else {
            continue;
        };
        if cell.is_wide_continuation() {
            continue;
        }
        let text = cell.contents();
        if text.is_empty() {
            chars.push((' ', col));
        }
        chars.extend(text.chars().map(|c| (c, col)));
    }
    chars
}

/// Every place (column, row) where `needle` is shown.
pub fn find_on(screen: &vt100::Screen, needle: &str) -> Vec<(u16, u16)> {
    find_where(screen, needle, |_, _, _| true)
}

/// Every place where `needle` is shown as a whole word (no letter or digit
/// either side) between two box borders on its row: a label on a button
/// or an option, not the same digits in "3 / 9".
pub fn find_label(screen: &vt100::Screen, needle: &str) -> Vec<(u16, u16)> {
    find_where(screen, needle, |row, start, end| {
        let word = |i: Option<&(char, u16)>| i.is_some_and(|(c, _)| c.is_alphanumeric());
        !word(start.checked_sub(1).and_then(|i| row.get(i)))
            && !word(row.get(end))
            && row[..start].iter().any(|(c, _)| *c == '│')
            && row[end..].iter().any(|(c, _)| *c == '│')
    })
}

fn find_where(
    screen: &vt100::Screen,
    needle: &str,
    keep: impl Fn(&[(char, u16)], usize, usize) -> bool,
) -> Vec<(u16, u16)> {
    let needle: Vec<char> = needle.chars().collect();
    let mut found = Vec::new();
    if needle.is_empty() {
        return found;
    }
    for row in 0..screen.size().0.get() {
        let chars = row_chars(screen, row);
        for start in 0..chars.len() {
            let end = start + needle.len();
            if end <= chars.len()
                && chars[start..end]
                    .iter()
                    .map(|(c, _)| *c)
                    .eq(needle.iter().copied())
                && keep(&chars, start, end)
            {
                found.push((chars[start].1, row));
            }
        }
    }
    found
}

/// The whole screen and the terminal's state, for a failure message.
fn describe(term: &Term, store: &Path) -> String {
    let screen = term.parser.screen();
    let (rows, cols) = (screen.size().0.get(), screen.size().1.get());
    let bar = "-".repeat(usize::from(cols));
    let mut out = format!(
        "screen {cols}x{rows} (alternate screen: {}, cursor hidden: {}, kiosk ended: {}):\n+{bar}+\n",
        screen.alternate_screen(),
        screen.hide_cursor(),
        term.closed
    );
    for line in screen.rows(0, cols) {
        let pad = usize::from(cols).saturating_sub(line.chars().count());
        out.push_str(&format!("|{line}{}|\n", " ".repeat(pad)));
    }
    out.push_str(&format!("+{bar}+\n"));
    if let Ok(log) = std::fs::read_to_string(store.join("kioski.log")) {
        let tail: Vec<&str> = log.lines().rev().take(15).collect();
        out.push_str("kioski.log (last lines):\n");
        for line in tail.into_iter().rev() {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// The program has left the terminal as it found it: the emulator is back
/// on the main screen with the cursor shown and no mouse or paste mode,
/// each mode's last switch in the output is "off", and the line settings
/// are cooked again.
#[track_caller]
pub fn assert_restored(k: &PtyKiosk) {
    k.screen(|s| {
        assert!(!s.alternate_screen(), "still on the alternate screen");
        assert!(!s.hide_cursor(), "the cursor is still hidden");
        assert!(!s.bracketed_paste(), "bracketed paste is still on");
        assert_eq!(
            s.mouse_protocol_mode(),
            vt100::MouseProtocolMode::None,
            "mouse capture is still on"
        );
    });
    let out = k.output();
    // crossterm's EnableMouseCapture sets 1000, 1002, 1003, 1015 and 1006;
    // DisableMouseCapture resets each.
    for mode in ["1049", "2004", "1000", "1002", "1003", "1006", "1015"] {
        let on = rfind(&out, format!("\x1b[?{mode}h").as_bytes());
        let off = rfind(&out, format!("\x1b[?{mode}l").as_bytes());
        assert!(
            on.is_some() && off > on,
            "mode ?{mode} was not switched off at the end (on at {on:?}, off at {off:?})"
        );
    }
    let shown = rfind(&out, b"\x1b[?25h");
    assert!(
        shown.is_some() && shown > rfind(&out, b"\x1b[?25l"),
        "the cursor was not shown again at the end"
    );
    let stty = k.stty();
    let flags: Vec<&str> = stty.split_whitespace().collect();
    for flag in ["icanon", "echo", "isig"] {
        assert!(flags.contains(&flag), "{flag} is still off:\n{stty}");
    }
}

fn rfind(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).rposition(|w| w == needle)
}
