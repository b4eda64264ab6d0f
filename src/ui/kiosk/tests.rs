//! Screen tests: pure update tests and TestBackend snapshots.
//!
//! A [`Rig`] holds one kiosk and a fixed clock. Tests feed it messages
//! (keys, taps, ticks, store replies) through the real `update`, read the
//! state, and draw it into a `TestBackend` with the real layout and view.
//! Nothing reads the wall clock, so every snapshot is stable.

mod clock;
mod hits;
mod journeys;
mod keys;
mod lockdown;
mod prize;
mod rules;
mod screens;
mod themes;
mod writer;

use std::sync::Arc;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use insta::Settings;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::layout::Rect;

use super::layout::{self, Answer, Layout, QuestionLayout, Target, WelcomeLayout};
use super::msg::{Effect, Msg, Submission};
use super::state::{Answering, Draft, Kiosk, Screen};
use super::update::update;
use super::view::View;
use crate::core::survey::{Lang, QuestionKind, Survey};
use crate::core::validate::survey_from_str;
use crate::core::version::VersionHash;
use crate::ui::theme::Theme;

/// A fixed wall clock for every test (2025-06-15, a Sunday).
pub const NOW: i64 = 1_750_000_000_000;
/// The idle timeout the rigs run with.
pub const IDLE_MS: i64 = 60_000;
/// The three sizes every screen is drawn at.
pub const SIZES: [(u16, u16); 3] = [(40, 12), (80, 24), (200, 60)];

/// The survey with every question type (fi, en).
pub fn all_types() -> Arc<Survey> {
    Arc::new(survey_from_str(include_str!("../../core/testdata/all_types.toml")).unwrap())
}

/// The built-in demo survey (fi, sv, en).
pub fn desk() -> Arc<Survey> {
    Arc::new(survey_from_str(include_str!("../../../surveys/palvelupiste.toml")).unwrap())
}

/// The admin PIN every locked rig uses.
pub const PIN: &str = "4321";

pub fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

pub fn key_with(code: KeyCode, modifiers: KeyModifiers) -> Msg {
    Msg::Key(KeyEvent::new(code, modifiers))
}

pub fn ctrl(c: char) -> Msg {
    key_with(KeyCode::Char(c), KeyModifiers::CONTROL)
}

/// The documented exit chord, Ctrl+Alt+K.
pub fn chord() -> Msg {
    key_with(
        KeyCode::Char('k'),
        KeyModifiers::CONTROL | KeyModifiers::ALT,
    )
}

/// One kiosk, its clock, and the store's side of PIN checks.
pub struct Rig {
    pub k: Kiosk,
    pub now: i64,
    /// The lockout as the store keeps it; the rig answers `CheckPin` with
    /// the core's rule on it, as `Store::check_pin` does.
    pub stored_lockout: crate::core::pin::Lockout,
}

impl Rig {
    /// A kiosk on `survey`, locked with [`PIN`] when `locked`, else in
    /// demo mode.
    pub fn new(survey: Arc<Survey>, lang: Option<Lang>, locked: bool) -> Rig {
        let version = VersionHash::of(&survey);
        Rig {
            k: Kiosk::new(survey, version, lang, IDLE_MS, locked, NOW),
            now: NOW,
            stored_lockout: crate::core::pin::Lockout::default(),
        }
    }

    /// A locked kiosk on the every-type survey, answering in `lang`.
    pub fn started(lang: Lang) -> Rig {
        let mut rig = Rig::new(all_types(), None, true);
        // A tap on a language shows the welcome in it; Start starts.
        rig.send(Msg::Tap(Target::Lang(lang)));
        rig.send(Msg::Tap(Target::Start));
        rig
    }

    /// Sends one message; a PIN check it asks for is answered at once,
    /// as the store would (the `CheckPin` itself is not returned).
    pub fn send(&mut self, msg: Msg) -> Vec<Effect> {
        let mut out = Vec::new();
        for effect in update(&mut self.k, msg, self.now) {
            match effect {
                Effect::CheckPin(attempt) => {
                    let (check, next) =
                        crate::core::pin::attempt(self.stored_lockout, self.now, || attempt == PIN);
                    self.stored_lockout = next;
                    out.extend(update(&mut self.k, Msg::PinChecked(Ok(check)), self.now));
                }
                other => out.push(other),
            }
        }
        out
    }

    /// Sends every message, collecting every effect.
    pub fn send_all(&mut self, msgs: impl IntoIterator<Item = Msg>) -> Vec<Effect> {
        msgs.into_iter().flat_map(|m| self.send(m)).collect()
    }

    pub fn press(&mut self, code: KeyCode) -> Vec<Effect> {
        self.send(key(code))
    }

    pub fn presses(&mut self, codes: &[KeyCode]) -> Vec<Effect> {
        self.send_all(codes.iter().map(|c| key(*c)))
    }

    /// Types `text` one key at a time.
    pub fn type_text(&mut self, text: &str) -> Vec<Effect> {
        self.send_all(text.chars().map(|c| key(KeyCode::Char(c))))
    }

    pub fn tap(&mut self, target: Target) -> Vec<Effect> {
        self.send(Msg::Tap(target))
    }

    pub fn wait(&mut self, ms: i64) {
        self.now += ms;
    }

    pub fn answering(&self) -> &Answering {
        match &self.k.screen {
            Screen::Question(a) => a,
            other => panic!("not on a question screen but on {other:?}"),
        }
    }

    /// The id of the question on screen.
    pub fn qid(&self) -> String {
        let a = self.answering();
        a.question(&self.k.survey).unwrap().id.clone()
    }

    pub fn draft(&self) -> Draft {
        self.answering().draft(&self.k.survey).unwrap().clone()
    }

    pub fn notice(&self) -> Option<String> {
        self.answering().notice.clone()
    }

    /// Answers the question on screen with a plain valid answer by taps
    /// and typing, then taps Next. Ratings get 2 and yes/no gets "no", so
    /// the conditional `why` shows.
    pub fn answer_plainly(&mut self) -> Vec<Effect> {
        let q = self.answering().question(&self.k.survey).unwrap().clone();
        match &q.kind {
            QuestionKind::Choice { .. } | QuestionKind::Multi { .. } => {
                self.tap(Target::Item(0));
            }
            QuestionKind::Ranking { pick, .. } => {
                for i in 0..*pick as usize {
                    self.tap(Target::Item(i));
                }
            }
            QuestionKind::Rating { .. } => {
                self.tap(Target::Item(1));
            }
            QuestionKind::Nps => {
                self.tap(Target::Item(8));
            }
            QuestionKind::YesNo => {
                self.tap(Target::Item(1));
            }
            QuestionKind::Number { .. } => {
                self.type_text("3");
            }
            QuestionKind::Text { .. } => {
                self.type_text("ok");
            }
        }
        self.tap(Target::Next)
    }

    /// Answers plainly until question `id` is on screen.
    pub fn skip_to(&mut self, id: &str) {
        for _ in 0..self.k.survey.questions.len() {
            if self.qid() == id {
                return;
            }
            let effects = self.answer_plainly();
            assert!(effects.is_empty(), "finished before `{id}`: {effects:?}");
            assert_eq!(self.notice(), None, "stuck on `{}`", self.qid());
        }
        assert_eq!(self.qid(), id);
    }

    /// Answers plainly until the survey is done; returns the effects of
    /// the last Next (the submission).
    pub fn finish(&mut self) -> Vec<Effect> {
        for _ in 0..self.k.survey.questions.len() {
            let effects = self.answer_plainly();
            if !matches!(self.k.screen, Screen::Question(_)) {
                return effects;
            }
            assert_eq!(self.notice(), None, "stuck on `{}`", self.qid());
        }
        panic!("the survey never finished");
    }

    pub fn layout(&self, width: u16, height: u16) -> Layout {
        self.layout_with(width, height, Theme::PLAIN)
    }

    pub fn layout_with(&self, width: u16, height: u16, theme: Theme) -> Layout {
        layout::compute(Rect::new(0, 0, width, height), &self.k, theme, self.now)
    }

    /// The question screen's layout; panics on any other screen.
    pub fn question_layout(&self, width: u16, height: u16) -> QuestionLayout {
        match self.layout(width, height) {
            Layout::Question(_, q) => q,
            other => panic!("not a question layout: {other:?}"),
        }
    }

    /// The welcome screen's layout; panics on any other screen.
    pub fn welcome_layout(&self, width: u16, height: u16) -> WelcomeLayout {
        match self.layout(width, height) {
            Layout::Welcome(_, w) => w,
            other => panic!("not a welcome layout: {other:?}"),
        }
    }

    /// Whether a tap somewhere on the screen gives `target`.
    pub fn can_tap(&self, width: u16, height: u16, target: Target) -> bool {
        self.layout(width, height)
            .targets()
            .iter()
            .any(|(t, _)| *t == target)
    }

    /// Draws one frame exactly as the loop does, into a test terminal.
    pub fn draw(&self, width: u16, height: u16) -> Terminal<TestBackend> {
        self.draw_with(width, height, Theme::PLAIN)
    }

    pub fn draw_with(&self, width: u16, height: u16, theme: Theme) -> Terminal<TestBackend> {
        let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
        let layout = self.layout_with(width, height, theme);
        terminal
            .draw(|f| {
                let view = View {
                    kiosk: &self.k,
                    layout: &layout,
                    theme,
                    now_ms: self.now,
                };
                f.render_widget(&view, f.area());
            })
            .unwrap();
        terminal
    }

    /// The frame as text, one line per row.
    pub fn screen_text(&self, width: u16, height: u16) -> String {
        let terminal = self.draw(width, height);
        crate::ui::buffer_text(terminal.backend().buffer())
    }
}

/// The text or number field of a question layout; panics on options.
pub fn field_rect(q: &QuestionLayout) -> Rect {
    match q.answer {
        Answer::Field { field, .. } => field,
        ref other => panic!("not a field: {other:?}"),
    }
}

/// The submissions among some effects.
pub fn submissions(effects: &[Effect]) -> Vec<&Submission> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Submit(s) => Some(s),
            _ => None,
        })
        .collect()
}

/// Snapshots one frame as `src/ui/kiosk/snapshots/NAME.snap` (insta's
/// default folder beside this file, without the module prefix).
pub fn snap(name: &str, rig: &Rig, width: u16, height: u16) {
    snap_with(name, rig, width, height, Theme::PLAIN);
}

pub fn snap_with(name: &str, rig: &Rig, width: u16, height: u16, theme: Theme) {
    let terminal = rig.draw_with(width, height, theme);
    let mut settings = Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.bind(|| insta::assert_snapshot!(name, terminal.backend()));
}
