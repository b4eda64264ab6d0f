//! The admin view's loop: draw, read keys, and carry out what the admin
//! asked, through a running kiosk or on the store this process owns.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crossterm::event::Event;

use jiff::tz::TimeZone;

use super::state::{Action, Admin, ExportKind, SurveyRow};
use super::view;
use crate::core::diagnostic::SourceMap;
use crate::core::export::{Format, Options};
use crate::core::survey::Lang;
use crate::core::tally::Grouping;
use crate::core::validate::survey_from_bytes;
use crate::remote::exports::{BundleError, ExportError, ReportError};
use crate::remote::{Access, BundleSpec, Export, View};
use crate::store::{StoreError, StoreEvent};
use crate::ui::events::{Events, Incoming};
use crate::ui::live::run::{self as live, LiveSetup};
use crate::ui::strings::views::{ViewTexts, fill};
use crate::ui::term::TerminalGuard;
use crate::ui::theme::Theme;

pub struct AdminSetup {
    pub utc_offset_ms: i64,
    pub theme: Theme,
    /// `--lang` or the environment's; `None`: English.
    pub lang: Option<crate::core::survey::Lang>,
    /// Survey files offered when loading (e.g. `surveys/*.toml`).
    pub survey_files: Vec<String>,
    /// The terminal name when the store has none.
    pub default_terminal: String,
}

/// How long after reading the list a notice may still be for a response
/// the reading counted (stored, then announced after its sync).
const READ_RACE: Duration = Duration::from_secs(5);

fn now_ms() -> i64 {
    jiff::Timestamp::now().as_millisecond()
}

/// The survey list, read through `access`.
pub fn survey_rows(access: &Access) -> Result<Vec<SurveyRow>, StoreError> {
    let rows = access.read().summaries()?.into_iter().map(|s| {
        let survey = &s.latest.survey;
        SurveyRow {
            title: survey.title.get(survey.default_lang()).to_owned(),
            versions: s.entry.versions.len(),
            // The version the kiosk shows, as `kioski surveys` marks it.
            latest: s.shown.short(),
            complete: s.stats.complete,
            partial: s.stats.partial,
            suspect: s.stats.suspect,
            last_ms: s.stats.last_ms,
            active: s.active,
            id: s.entry.id,
        }
    });
    Ok(rows.collect())
}

/// Where the view's figures come from, for its header.
fn source_of(access: &Access, t: &ViewTexts) -> String {
    match access {
        Access::Local(_) => t.admin_owns.to_owned(),
        Access::Remote(client) => fill(t.admin_through, &[&client.owner()]),
    }
}

/// How often a view whose kiosk stopped looks for the store again (and
/// takes it back when no kiosk runs).
const RECONNECT: Duration = Duration::from_secs(2);

/// How often a view that handed its store over looks for the kiosk's
/// socket, which comes up a moment later.
const HANDED: Duration = Duration::from_millis(200);

/// Whether the view still reaches the store, or looks for it again.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Reach {
    Fine,
    /// It handed the store to a starting kiosk.
    Handed,
    /// The kiosk it went through stopped.
    Lost,
}

/// Runs the admin view until the admin quits. The caller has forwarded
/// the view's store notices into `events` and entered the terminal.
pub fn run(
    guard: &mut TerminalGuard,
    events: &Events,
    view: &mut View,
    setup: &AdminSetup,
) -> std::io::Result<()> {
    let t = ViewTexts::of(setup.lang.unwrap_or(Lang::En));
    let source = source_of(view.access(), t);
    let access = view.access();
    let terminal = access
        .read()
        .terminal_name()
        .ok()
        .flatten()
        .unwrap_or_else(|| setup.default_terminal.clone());
    // When the answer is unknown, ask for the PIN: never open up by doubt.
    let pin_set = access.read().has_pin().unwrap_or(true);
    let mut admin = Admin::new(pin_set, terminal, source, setup.lang);
    admin.survey_files = setup.survey_files.clone();
    let mut read_at = Instant::now();
    let mut reach = Reach::Fine;
    let mut last_try = Instant::now();
    let mut action = if matches!(admin.mode, super::state::Mode::List) {
        Action::Refresh
    } else {
        Action::None
    };
    loop {
        match std::mem::replace(&mut action, Action::None) {
            Action::None => {}
            Action::Quit => return Ok(()),
            Action::CheckPin(attempt) => {
                // The owner verifies (argon2, about 0.2 s) and keeps the
                // count; this view waits for it, as for any other action.
                let check = view
                    .access()
                    .check_pin(&attempt, now_ms())
                    .map_err(|e| e.to_string());
                action = admin.pin_checked(check, now_ms());
                continue;
            }
            Action::Live(id) => {
                let live_setup = LiveSetup {
                    survey: id,
                    grouping: Grouping {
                        time_zone: jiff::tz::TimeZone::system(),
                        ..Grouping::default()
                    },
                    utc_offset_ms: setup.utc_offset_ms,
                    theme: setup.theme,
                    lang: setup.lang,
                    full_scan: false,
                };
                live::run(guard, events, view, &live_setup)?;
                admin.source = source_of(view.access(), t);
                action = Action::Refresh;
                continue;
            }
            other => {
                carry_out(other, view.access(), &mut admin);
                read_at = Instant::now();
            }
        }
        let now = now_ms();
        guard.draw(|frame| {
            let area = frame.area();
            view::render(&admin, now, setup.theme, area, frame.buffer_mut());
        })?;
        let timeout = match reach {
            Reach::Handed => Some(HANDED),
            Reach::Lost => Some(RECONNECT),
            Reach::Fine => admin
                .lockout
                .until_ms
                .filter(|t| *t > now)
                .map(|_| Duration::from_secs(1)),
        };
        let incoming = events.next(timeout);
        // A view whose kiosk stopped, or that handed the store to a
        // starting kiosk, reaches it again: through the new owner, or by
        // taking the store back when no kiosk runs.
        let due = match reach {
            Reach::Fine => false,
            Reach::Handed => true,
            Reach::Lost => last_try.elapsed() >= RECONNECT,
        };
        if due {
            last_try = Instant::now();
            if view.reconnect() {
                match view.access().watch() {
                    Ok(rx) => {
                        events.forward_store(rx);
                        admin.source = source_of(view.access(), t);
                        if reach == Reach::Lost {
                            admin.say(vec![fill(t.reached_again, &[&admin.source])], false);
                        }
                        reach = Reach::Fine;
                        if matches!(admin.mode, super::state::Mode::List) {
                            action = Action::Refresh;
                        }
                    }
                    Err(e) => tracing::warn!("admin view: cannot watch the store again: {e}"),
                }
            }
        }
        match incoming {
            None => {}
            Some(Incoming::Signal(_)) | Some(Incoming::InputClosed(_)) => return Ok(()),
            Some(Incoming::Terminal(Event::Key(key))) => action = admin.key(key, now_ms()),
            Some(Incoming::Terminal(Event::Paste(text))) => admin.paste(&text),
            Some(Incoming::Terminal(_) | Incoming::Saved(..) | Incoming::PinChecked(_)) => {}
            Some(Incoming::Store(StoreEvent::Stored(r))) => {
                // A notice this soon after a reading may be for a response
                // stored while the list was read, and counted by it: the
                // list is read again instead (the reading carries no ids).
                if read_at.elapsed() < READ_RACE && matches!(admin.mode, super::state::Mode::List) {
                    admin.remember(&r);
                    action = Action::Refresh;
                } else {
                    admin.accept(&r);
                }
            }
            Some(Incoming::Store(_)) => {
                if matches!(admin.mode, super::state::Mode::List) {
                    action = Action::Refresh;
                }
            }
            Some(Incoming::StoreGone) if view.handed_over() => {
                tracing::info!("admin view: handed the store over to a kiosk");
                reach = Reach::Handed;
            }
            Some(Incoming::StoreGone) => {
                reach = Reach::Lost;
                last_try = Instant::now();
                admin.say(vec![t.owner_went.into()], true);
            }
        }
    }
}

/// Does one store or file action and says how it went.
pub(super) fn carry_out(action: Action, access: &Access, admin: &mut Admin) {
    carry_out_at(action, access, admin, now_ms());
}

/// [`carry_out`] at the time `now_ms` (what a bundle and a report say
/// they were made at).
pub(super) fn carry_out_at(action: Action, access: &Access, admin: &mut Admin, now_ms: i64) {
    let t = admin.words();
    // A refresh reads the rows itself; every other action reads them after.
    let read_rows_after = !matches!(action, Action::Refresh);
    let outcome: Result<Vec<String>, Vec<String>> = match action {
        Action::Refresh => survey_rows(access)
            .map(|rows| {
                admin.set_rows(rows);
                admin.message.clone()
            })
            .map_err(|e| vec![fill(t.cannot_list, &[&e])]),
        Action::Activate(id) => access
            .activate(&id)
            .map(|()| match access.read().active() {
                // A kiosk started with `--survey` keeps its survey.
                Ok(Some(shown)) if shown != id => vec![fill(t.activated_kept, &[&id, &shown])],
                _ => vec![fill(t.activated, &[&id])],
            })
            .map_err(|e| vec![fill(t.cannot_activate, &[&id, &e])]),
        Action::Load(path) => load(access, &path, t),
        Action::Export {
            survey,
            kind,
            path,
            replace,
        } => {
            if !replace && path.exists() {
                let then = Action::Export {
                    survey,
                    kind,
                    path: path.clone(),
                    replace,
                };
                admin.ask_overwrite(path, then);
                return;
            }
            match export_of(kind) {
                // The report's language: the view's when the survey has
                // it, else the survey's first (as `kioski report` without
                // --lang).
                None => access
                    .report(&survey, admin.lang, now_ms, &path)
                    .map(|done| said(&done))
                    .map_err(|e| report_error(&path, &e)),
                Some(what) => access
                    .export(&survey, &what, &path)
                    .map(|done| said(&done))
                    .map_err(|e| export_error(&path, &e)),
            }
        }
        Action::ExportBundle { path, replace } => {
            if !replace && path.exists() {
                let then = Action::ExportBundle {
                    path: path.clone(),
                    replace,
                };
                admin.ask_overwrite(path, then);
                return;
            }
            access
                .export_bundle(&BundleSpec::default(), &path, now_ms)
                .map(|done| said(&done))
                .map_err(|e| bundle_error(&path, &e))
        }
        Action::PickBundle => {
            let files = files_with(&admin.bundle_dir, "kioski");
            admin.pick_bundle(files);
            return;
        }
        Action::Import(path) => access
            .import_bundle_file(&path, now_ms)
            .map(|done| said(&done))
            .map_err(|e| bundle_error(&path, &e)),
        Action::SetTerminalName(name) => {
            let name = crate::core::sanitize::strip(&name, false);
            // The rule every stored name follows, said here before asking
            // the store (which refuses such a name too).
            if let Err(e) = crate::core::response::check_terminal_name(&name) {
                admin.say(vec![fill(t.cannot_name_unchanged, &[&e])], true);
                return;
            }
            access
                .set_terminal_name(&name)
                .map(|()| {
                    admin.terminal = name.clone();
                    vec![fill(t.named, &[&name])]
                })
                .map_err(|e| vec![fill(t.cannot_name, &[&e])])
        }
        Action::Prizes(id) => {
            match access.prize_counts() {
                Ok(counts) => {
                    admin.say(Vec::new(), false);
                    admin.show_prizes(id, counts.into_iter().collect());
                }
                Err(e) => admin.say(vec![fill(t.prize_cannot_read, &[&e])], true),
            }
            return;
        }
        Action::Draw {
            survey,
            seed,
            winners,
        } => {
            draw_on_screen(access, admin, &survey, seed, winners);
            return;
        }
        Action::PurgePrizes(id) => {
            let outcome = access.purge_prizes(&id);
            let counts = access.prize_counts().map(|c| c.into_iter().collect());
            if let (super::state::Mode::Prizes(screen), Ok(counts)) = (&mut admin.mode, counts) {
                screen.counts = counts;
                screen.drawn.clear();
            }
            match outcome {
                Ok(n) => admin.say(
                    vec![fill(t.prize_deleted[usize::from(n != 1)], &[&n, &id])],
                    false,
                ),
                Err(e) => admin.say(vec![fill(t.prize_cannot_purge, &[&e])], true),
            }
            return;
        }
        Action::None | Action::Quit | Action::Live(_) | Action::CheckPin(_) => return,
    };
    let refresh = outcome.is_ok() && read_rows_after;
    match outcome {
        Ok(lines) => admin.say(lines, false),
        Err(lines) => admin.say(lines, true),
    }
    if refresh && let Ok(rows) = survey_rows(access) {
        admin.set_rows(rows);
    }
}

/// Draws winners and shows them on the prize screen only.
fn draw_on_screen(
    access: &Access,
    admin: &mut Admin,
    survey: &str,
    seed: Option<String>,
    winners: u32,
) {
    let t = admin.words();
    let contacts: Vec<Vec<(String, String)>> = match access.prize_entries(&[survey.to_owned()]) {
        Ok(es) => es
            .into_iter()
            .filter(|e| e.survey == survey)
            .map(|e| e.fields)
            .collect(),
        Err(e) => {
            admin.say(vec![fill(t.prize_cannot_read, &[&e])], true);
            return;
        }
    };
    if contacts.is_empty() {
        admin.say(vec![fill(t.prize_no_entries, &[&survey])], true);
        return;
    }
    let seed = seed.unwrap_or_else(|| format!("{:032x}", rand::random::<u128>()));
    let outcome = crate::core::draw::draw(survey, &contacts, &seed, winners as usize);
    tracing::info!(
        survey,
        entries = outcome.tickets,
        winners = outcome.winners.len(),
        "prize draw in the admin view"
    );
    let mut lines = vec![
        fill(t.prize_seed, &[&seed]),
        fill(t.prize_digest, &[&outcome.entries_digest]),
        fill(t.prize_drew, &[&outcome.winners.len(), &outcome.tickets]),
    ];
    for (i, fields) in outcome.winners.iter().enumerate() {
        let shown: Vec<String> = fields.iter().map(|(k, v)| format!("{k}: {v}")).collect();
        lines.push(format!("{}. {}", i + 1, shown.join("; ")));
    }
    admin.say(
        vec![fill(
            t.prize_check,
            &[&format!(
                "kioski prize draw --survey {survey} --winners {winners} --seed \"{seed}\""
            )],
        )],
        false,
    );
    if let super::state::Mode::Prizes(screen) = &mut admin.mode {
        screen.drawn = lines;
    }
}

/// An outcome's one sentence (the command line prints the same), line by line.
fn said(outcome: &impl std::fmt::Display) -> Vec<String> {
    outcome.to_string().lines().map(str::to_owned).collect()
}

/// What the access layer writes for an export the admin picked: what
/// `kioski export` writes with the same options (ids, the system's zone);
/// none for the report, which [`Access::report`] writes.
fn export_of(kind: ExportKind) -> Option<Export> {
    let responses = |format| Some(Export::Responses(Options::ids(format, TimeZone::system())));
    match kind {
        ExportKind::Csv => responses(Format::Csv),
        ExportKind::ExcelCsv => responses(Format::ExcelCsv),
        ExportKind::Jsonl => responses(Format::Jsonl),
        ExportKind::Codebook => Some(Export::Codebook { excel: false }),
        ExportKind::Report => None,
    }
}

fn report_error(path: &Path, e: &ReportError) -> Vec<String> {
    match e {
        ReportError::Write { .. } => vec![
            format!("{e}."),
            "hint: check that the folder exists and that you may write there".into(),
        ],
        _ => vec![format!(
            "Cannot write the report to {}: {e}.",
            path.display()
        )],
    }
}

fn export_error(path: &Path, e: &ExportError) -> Vec<String> {
    match e {
        ExportError::Write { .. } => vec![
            format!("{e}."),
            "hint: check that the folder exists and that you may write there".into(),
        ],
        _ => vec![format!("Cannot export to {}: {e}.", path.display())],
    }
}

fn bundle_error(path: &Path, e: &BundleError) -> Vec<String> {
    let mut lines = vec![format!("{}: {e}.", path.display())];
    lines.extend(e.hint().map(|h| format!("hint: {h}")));
    lines
}

/// Validates a survey file and stores it; problems come back as
/// `file:line:col: message` lines.
fn load(access: &Access, path: &Path, t: &ViewTexts) -> Result<Vec<String>, Vec<String>> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path)
        .map_err(|e| vec![fill(t.cannot_read, &[&name, &crate::store::io_reason(&e)])])?;
    let survey = survey_from_bytes(&bytes).map_err(|problems| {
        let text = String::from_utf8_lossy(&bytes);
        let map = SourceMap::new(&text);
        let mut lines: Vec<String> = problems
            .iter()
            .map(|d| {
                let at = map.line_col(d.span.start);
                let mut line = format!("{name}:{}:{}: {}", at.line, at.col, d.message);
                if let Some(hint) = &d.hint {
                    line.push_str(&format!(" (hint: {hint})"));
                }
                line
            })
            .collect();
        lines.insert(0, fill(t.load_invalid, &[&name]));
        lines
    })?;
    let source = String::from_utf8_lossy(&bytes).into_owned();
    access
        .load(&survey, &source, now_ms())
        .map(|outcome| {
            let done = if outcome.added { t.loaded } else { t.unchanged };
            let args: [&dyn std::fmt::Display; 4] =
                [&name, &survey.id, &outcome.number, &outcome.hash.short()];
            let active = if outcome.activated { t.now_active } else { "" };
            vec![format!("{}{active}.", fill(done, &args))]
        })
        .map_err(|e| vec![fill(t.cannot_load, &[&name, &e])])
}

/// Survey files in `dir` (e.g. `surveys/`), sorted.
pub fn survey_files(dir: &Path) -> Vec<String> {
    files_with(dir, "toml")
}

/// The files in `dir` whose names end in `.EXT`, sorted: survey files to
/// load, bundles to import.
pub fn files_with(dir: &Path, ext: &str) -> Vec<String> {
    let mut files: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == ext))
                .map(|p: PathBuf| p.display().to_string())
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}
