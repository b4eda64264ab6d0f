//! The admin view's state and keys. Pure: actions that touch the store
//! or files are returned to the loop, which reports back with `message`.

use std::path::PathBuf;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::core::pin::{self, Lockout, PinCheck};
use crate::core::response::Response;
use crate::core::survey::Lang;
use crate::ui::kiosk::field::TextField;
use crate::ui::live::state::ANNOUNCED_KEPT;
use crate::ui::seen::RecentIds;
use crate::ui::strings::views::{ViewTexts, fill};

/// Longest path or name typed into a prompt.
const FIELD_MAX: usize = 1024;

/// One stored survey as the list shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SurveyRow {
    pub id: String,
    pub title: String,
    pub versions: usize,
    /// The version the kiosk shows (the newest unless a bundle brought a
    /// newer one since the last load or activate).
    pub latest: String,
    pub complete: u64,
    pub partial: u64,
    /// Of them, flagged suspect (quick repeats on one terminal).
    pub suspect: u64,
    /// The newest submit time the counts include.
    pub last_ms: Option<i64>,
    pub active: bool,
}

/// Which export of a survey: every one `kioski export` writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportKind {
    Csv,
    ExcelCsv,
    Jsonl,
    Codebook,
    /// The HTML report `kioski report` writes.
    Report,
}

impl ExportKind {
    /// Its name in the prompt, and the file name suggested for `survey`
    /// on the day of `now_ms`.
    fn names(self, survey: &str, now_ms: i64) -> (&'static str, String) {
        match self {
            ExportKind::Csv => ("CSV", format!("{survey}.csv")),
            ExportKind::ExcelCsv => ("Excel CSV", format!("{survey}-excel.csv")),
            ExportKind::Jsonl => ("JSON Lines", format!("{survey}.jsonl")),
            ExportKind::Codebook => ("the codebook", format!("{survey}-codebook.csv")),
            ExportKind::Report => (
                "the HTML report",
                crate::remote::exports::report_file_name(survey, now_ms),
            ),
        }
    }
}

/// What a prompt's answer is for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Purpose {
    Load,
    Export { survey: String, kind: ExportKind },
    ExportBundle,
    Import,
    TerminalName,
}

impl Purpose {
    pub fn title(&self, t: &ViewTexts) -> String {
        match self {
            Purpose::Load => t.load_title.into(),
            Purpose::Export { survey, kind } => match kind {
                ExportKind::Codebook => fill(t.export_codebook, &[survey]),
                ExportKind::Report => fill(t.export_report, &[survey]),
                _ => fill(t.export_as, &[survey, &kind.names(survey, 0).0]),
            },
            Purpose::ExportBundle => t.bundle_title.into(),
            Purpose::Import => t.import_title.into(),
            Purpose::TerminalName => t.name_title.into(),
        }
    }
}

/// The prize-draw screen of one survey: the entries, a draw with a seed,
/// a purge after a confirmation. Winners are shown here only: never
/// logged, never in a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrizeScreen {
    pub survey: String,
    /// Entries per survey, as last read.
    pub counts: Vec<(String, u64)>,
    /// The seed to draw with; empty draws with a fresh one.
    pub seed: TextField,
    pub winners: u32,
    /// The last draw: seed, entries digest and the winners.
    pub drawn: Vec<String>,
    /// Waiting for `y` to purge the survey's entries.
    pub confirm_purge: bool,
}

impl PrizeScreen {
    pub fn new(survey: String, counts: Vec<(String, u64)>) -> PrizeScreen {
        PrizeScreen {
            survey,
            counts,
            seed: TextField::with_text(""),
            winners: 1,
            drawn: Vec::new(),
            confirm_purge: false,
        }
    }

    /// The survey's entries, as last read.
    pub fn entries(&self) -> u64 {
        self.counts
            .iter()
            .find(|(id, _)| *id == self.survey)
            .map_or(0, |(_, n)| *n)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Waiting for the admin PIN.
    Pin {
        digits: String,
        wrong: bool,
    },
    List,
    Prompt {
        purpose: Purpose,
        field: TextField,
        /// Files to pick from (survey files for `Load`).
        choices: Vec<String>,
        pick: Option<usize>,
    },
    Prizes(Box<PrizeScreen>),
    /// The export's file exists: `y` replaces it, any other key keeps it.
    Overwrite {
        path: PathBuf,
        then: Box<Action>,
    },
}

/// What the loop should do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    None,
    Quit,
    Refresh,
    Load(PathBuf),
    Activate(String),
    /// Write an export; `replace`: the admin said an existing file goes.
    Export {
        survey: String,
        kind: ExportKind,
        path: PathBuf,
        replace: bool,
    },
    ExportBundle {
        path: PathBuf,
        replace: bool,
    },
    /// List the bundle files to pick one to import (the loop reads them).
    PickBundle,
    Import(PathBuf),
    SetTerminalName(String),
    Live(String),
    /// Have the store's owner check a PIN attempt; the answer comes back
    /// through [`Admin::pin_checked`].
    CheckPin(String),
    /// Open the prize-draw screen of a survey (the loop reads the counts).
    Prizes(String),
    /// Draw `winners` of the survey's entries; no seed: a fresh one.
    Draw {
        survey: String,
        seed: Option<String>,
        winners: u32,
    },
    PurgePrizes(String),
}

pub struct Admin {
    pub mode: Mode,
    pub rows: Vec<SurveyRow>,
    pub selected: usize,
    /// The last action's outcome, line by line.
    pub message: Vec<String>,
    pub message_is_error: bool,
    /// The lockout as the store last reported it (the store decides).
    pub lockout: Lockout,
    pub terminal: String,
    /// "through `kioski kiosk` (pid 7)" or "owns the store".
    pub source: String,
    /// Survey files offered when loading.
    pub survey_files: Vec<String>,
    /// `--lang` or the environment's; `None`: English.
    pub lang: Option<Lang>,
    /// Where the bundle files offered for import are looked for.
    pub bundle_dir: PathBuf,
    /// Ids of announced responses counted into the rows.
    announced: RecentIds,
}

impl Admin {
    /// Starts at the PIN prompt, or at the list when no PIN is set.
    pub fn new(pin_set: bool, terminal: String, source: String, lang: Option<Lang>) -> Admin {
        let t = ViewTexts::of(lang.unwrap_or(Lang::En));
        let mode = if pin_set {
            Mode::Pin {
                digits: String::new(),
                wrong: false,
            }
        } else {
            Mode::List
        };
        let message = if !pin_set {
            vec![t.no_pin.into()]
        } else {
            Vec::new()
        };
        Admin {
            mode,
            rows: Vec::new(),
            selected: 0,
            message_is_error: !pin_set,
            message,
            lockout: Lockout::default(),
            terminal,
            source,
            survey_files: Vec::new(),
            lang,
            bundle_dir: PathBuf::from("."),
            announced: RecentIds::new(ANNOUNCED_KEPT),
        }
    }

    /// The view's own words.
    pub fn words(&self) -> &'static ViewTexts {
        ViewTexts::of(self.lang.unwrap_or(Lang::En))
    }

    pub fn say(&mut self, lines: Vec<String>, error: bool) {
        self.message = lines;
        self.message_is_error = error;
    }

    pub fn set_rows(&mut self, rows: Vec<SurveyRow>) {
        self.rows = rows;
        self.selected = self.selected.min(self.rows.len().saturating_sub(1));
    }

    /// Counts a response the store announced into its survey's row, once
    /// per id: never by comparing times, as one response dated a year
    /// ahead would stop the counting. (A notice for a response the last
    /// reading already counted is the loop's to avoid: it reads the list
    /// again when a notice comes right after a reading.)
    pub fn accept(&mut self, r: &Response) -> bool {
        let Some(row) = self.rows.iter_mut().find(|row| row.id == r.survey) else {
            return false;
        };
        if !self.announced.insert(r.id) {
            return false;
        }
        row.last_ms = Some(
            row.last_ms
                .map_or(r.submitted_ms, |t| t.max(r.submitted_ms)),
        );
        if r.complete {
            row.complete += 1;
        } else {
            row.partial += 1;
        }
        row.suspect += u64::from(r.suspect);
        true
    }

    /// Remembers an announced response the next reading will count.
    pub fn remember(&mut self, r: &Response) {
        self.announced.insert(r.id);
    }

    fn current(&self) -> Option<String> {
        self.rows.get(self.selected).map(|r| r.id.clone())
    }

    fn prompt(&mut self, purpose: Purpose, text: &str, choices: Vec<String>) {
        self.mode = Mode::Prompt {
            purpose,
            field: TextField::with_text(text),
            choices,
            pick: None,
        };
    }

    pub fn key(&mut self, key: KeyEvent, now_ms: i64) -> Action {
        if key.modifiers.contains(KeyModifiers::CONTROL) && key.code == KeyCode::Char('c') {
            return Action::Quit;
        }
        match &mut self.mode {
            Mode::Pin { .. } => self.pin_key(key, now_ms),
            Mode::List => self.list_key(key, now_ms),
            Mode::Prompt { .. } => self.prompt_key(key),
            Mode::Prizes(_) => self.prize_key(key),
            Mode::Overwrite { .. } => self.overwrite_key(key),
        }
    }

    /// Pasted text goes into an open prompt.
    pub fn paste(&mut self, text: &str) {
        match &mut self.mode {
            Mode::Prompt { field, .. } => {
                field.insert(&crate::core::sanitize::strip(text, false), FIELD_MAX)
            }
            Mode::Prizes(screen) => screen
                .seed
                .insert(&crate::core::sanitize::strip(text, false), FIELD_MAX),
            _ => {}
        }
    }

    fn pin_key(&mut self, key: KeyEvent, now_ms: i64) -> Action {
        let locked = self.lockout.is_locked(now_ms);
        let Mode::Pin { digits, wrong } = &mut self.mode else {
            return Action::None;
        };
        match key.code {
            KeyCode::Esc => return Action::Quit,
            KeyCode::Backspace => {
                digits.pop();
            }
            // Ctrl and Alt keys are never digits.
            KeyCode::Char(c)
                if !locked
                    && !c.is_control()
                    && !TextField::is_command(&key)
                    && digits.chars().count() < pin::MAX_PIN_LEN =>
            {
                digits.push(c);
                *wrong = false;
            }
            KeyCode::Enter if !locked => {
                return Action::CheckPin(std::mem::take(digits));
            }
            _ => {}
        }
        Action::None
    }

    /// The store's verdict on a PIN attempt: the list, or the count and
    /// the lock on screen.
    pub fn pin_checked(&mut self, check: Result<PinCheck, String>, now_ms: i64) -> Action {
        let Mode::Pin { digits, wrong } = &mut self.mode else {
            return Action::None;
        };
        digits.clear();
        match check {
            Ok(PinCheck::Right) | Ok(PinCheck::NoPin) => {
                self.lockout = Lockout::default();
                self.mode = Mode::List;
                self.say(Vec::new(), false);
                return Action::Refresh;
            }
            Ok(PinCheck::Wrong {
                lockout,
                locked_for_ms,
            }) => {
                *wrong = true;
                self.lockout = lockout;
                if let Some(wait) = locked_for_ms {
                    let t = self.words();
                    self.say(vec![fill(t.pin_locked, &[&(wait / 1000)])], true);
                }
            }
            Ok(PinCheck::Locked { lockout }) => {
                self.lockout = lockout;
                let left = lockout
                    .until_ms
                    .map_or(0, |t| (t - now_ms).max(0) / 1000 + 1);
                let t = self.words();
                self.say(vec![fill(t.pin_locked_more, &[&left])], true);
            }
            Err(e) => {
                *wrong = true;
                let t = self.words();
                self.say(vec![fill(t.pin_cannot_check, &[&e])], true);
            }
        }
        Action::None
    }

    fn list_key(&mut self, key: KeyEvent, now_ms: i64) -> Action {
        let n = self.rows.len();
        match key.code {
            KeyCode::Char('q') | KeyCode::Esc => return Action::Quit,
            KeyCode::Down | KeyCode::Char('j') if n > 0 => self.selected = (self.selected + 1) % n,
            KeyCode::Up | KeyCode::Char('k') if n > 0 => {
                self.selected = (self.selected + n - 1) % n
            }
            KeyCode::Enter | KeyCode::Char('l') => {
                if let Some(id) = self.current() {
                    return Action::Live(id);
                }
            }
            KeyCode::Char('a') => {
                if let Some(id) = self.current() {
                    return Action::Activate(id);
                }
            }
            KeyCode::Char('o') => {
                let files = self.survey_files.clone();
                self.prompt(Purpose::Load, "", files);
            }
            KeyCode::Char(c @ ('e' | 'x' | 'J' | 'c' | 'R')) => {
                if let Some(id) = self.current() {
                    let kind = match c {
                        'x' => ExportKind::ExcelCsv,
                        'J' => ExportKind::Jsonl,
                        'c' => ExportKind::Codebook,
                        'R' => ExportKind::Report,
                        _ => ExportKind::Csv,
                    };
                    let (_, path) = kind.names(&id, now_ms);
                    self.prompt(Purpose::Export { survey: id, kind }, &path, Vec::new());
                }
            }
            KeyCode::Char('b') => {
                let path = format!("{}.kioski", self.terminal);
                self.prompt(Purpose::ExportBundle, &path, Vec::new());
            }
            KeyCode::Char('i') => return Action::PickBundle,
            KeyCode::Char('n') => {
                let name = self.terminal.clone();
                self.prompt(Purpose::TerminalName, &name, Vec::new());
            }
            KeyCode::Char('p') => {
                if let Some(id) = self.current() {
                    return Action::Prizes(id);
                }
            }
            KeyCode::Char('r') => return Action::Refresh,
            _ => {}
        }
        Action::None
    }

    /// Opens the import prompt with the bundle files the loop found.
    pub fn pick_bundle(&mut self, files: Vec<String>) {
        self.prompt(Purpose::Import, "", files);
    }

    /// Asks before `action` replaces the file at `path`.
    pub fn ask_overwrite(&mut self, path: PathBuf, action: Action) {
        self.say(Vec::new(), false);
        self.mode = Mode::Overwrite {
            path,
            then: Box::new(action),
        };
    }

    /// `y` replaces the file; any other key keeps it and writes nothing.
    fn overwrite_key(&mut self, key: KeyEvent) -> Action {
        let Mode::Overwrite { path, then } = std::mem::replace(&mut self.mode, Mode::List) else {
            return Action::None;
        };
        match (key.code, *then) {
            (
                KeyCode::Char('y' | 'Y'),
                Action::Export {
                    survey, kind, path, ..
                },
            ) => Action::Export {
                survey,
                kind,
                path,
                replace: true,
            },
            (KeyCode::Char('y' | 'Y'), Action::ExportBundle { path, .. }) => Action::ExportBundle {
                path,
                replace: true,
            },
            _ => {
                let kept = fill(self.words().kept_file, &[&path.display()]);
                self.say(vec![kept], false);
                Action::None
            }
        }
    }

    /// Opens the prize-draw screen with the counts the loop read.
    pub fn show_prizes(&mut self, survey: String, counts: Vec<(String, u64)>) {
        self.mode = Mode::Prizes(Box::new(PrizeScreen::new(survey, counts)));
    }

    fn prize_key(&mut self, key: KeyEvent) -> Action {
        let Mode::Prizes(screen) = &mut self.mode else {
            return Action::None;
        };
        if screen.confirm_purge {
            screen.confirm_purge = false;
            return match key.code {
                KeyCode::Char('y') | KeyCode::Char('Y') => {
                    Action::PurgePrizes(screen.survey.clone())
                }
                _ => {
                    let t = self.words();
                    self.say(vec![t.prize_kept.into()], false);
                    Action::None
                }
            };
        }
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            // Leaving forgets the winners shown.
            KeyCode::Esc => {
                self.mode = Mode::List;
                self.say(Vec::new(), false);
                return Action::Refresh;
            }
            KeyCode::Up => screen.winners = screen.winners.saturating_add(1),
            KeyCode::Down => screen.winners = screen.winners.saturating_sub(1).max(1),
            KeyCode::Enter => {
                let seed = screen.seed.text().trim().to_owned();
                return Action::Draw {
                    survey: screen.survey.clone(),
                    seed: (!seed.is_empty()).then_some(seed),
                    winners: screen.winners,
                };
            }
            KeyCode::Char('x') if ctrl && screen.entries() > 0 => screen.confirm_purge = true,
            KeyCode::Backspace => screen.seed.backspace(),
            KeyCode::Delete => screen.seed.delete(),
            KeyCode::Left => screen.seed.left(),
            KeyCode::Right => screen.seed.right(),
            KeyCode::Home => screen.seed.home(),
            KeyCode::End => screen.seed.end(),
            KeyCode::Char(_) if TextField::is_command(&key) => screen.seed.command(&key),
            KeyCode::Char(c) if !c.is_control() => screen.seed.insert(&c.to_string(), FIELD_MAX),
            _ => {}
        }
        Action::None
    }

    fn prompt_key(&mut self, key: KeyEvent) -> Action {
        let Mode::Prompt {
            purpose,
            field,
            choices,
            pick,
        } = &mut self.mode
        else {
            return Action::None;
        };
        match key.code {
            KeyCode::Esc => {
                self.mode = Mode::List;
            }
            KeyCode::Enter => {
                let text = field.text().trim().to_owned();
                if text.is_empty() {
                    return Action::None;
                }
                let action = match purpose.clone() {
                    Purpose::Load => Action::Load(PathBuf::from(text)),
                    Purpose::Export { survey, kind } => Action::Export {
                        survey,
                        kind,
                        path: PathBuf::from(text),
                        replace: false,
                    },
                    Purpose::ExportBundle => Action::ExportBundle {
                        path: PathBuf::from(text),
                        replace: false,
                    },
                    Purpose::Import => Action::Import(PathBuf::from(text)),
                    Purpose::TerminalName => Action::SetTerminalName(text),
                };
                self.mode = Mode::List;
                return action;
            }
            KeyCode::Down if !choices.is_empty() => {
                let i = pick.map_or(0, |p| (p + 1) % choices.len());
                *pick = Some(i);
                *field = TextField::with_text(&choices[i]);
            }
            KeyCode::Up if !choices.is_empty() => {
                let i = pick.map_or(choices.len() - 1, |p| {
                    (p + choices.len() - 1) % choices.len()
                });
                *pick = Some(i);
                *field = TextField::with_text(&choices[i]);
            }
            KeyCode::Backspace => field.backspace(),
            KeyCode::Delete => field.delete(),
            KeyCode::Left => field.left(),
            KeyCode::Right => field.right(),
            KeyCode::Home => field.home(),
            KeyCode::End => field.end(),
            KeyCode::Char(_) if TextField::is_command(&key) => field.command(&key),
            KeyCode::Char(c) if !c.is_control() => field.insert(&c.to_string(), FIELD_MAX),
            _ => {}
        }
        Action::None
    }
}
