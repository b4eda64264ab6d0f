//! Drawing kiosk screens at 200x60 (goal: under 2 ms each): layout and
//! view into a `TestBackend`, the same code a real frame runs.

use std::sync::Arc;

use criterion::Criterion;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use kioski::core::survey::Lang;
use kioski::core::validate::survey_from_str;
use kioski::core::version::VersionHash;
use kioski::ui::kiosk::layout;
use kioski::ui::kiosk::msg::Msg;
use kioski::ui::kiosk::state::{Kiosk, Screen};
use kioski::ui::kiosk::update::update;
use kioski::ui::kiosk::view::View;
use kioski::ui::theme::{Scheme, Theme};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

const SURVEY: &str = include_str!("../../src/core/testdata/all_types.toml");
const NOW: i64 = 1_750_000_000_000;
const THEME: Theme = Theme {
    scheme: Scheme::Dark,
    big_text: true,
};

fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

/// A kiosk on the welcome screen, then one per question, answered.
fn screens() -> Vec<(String, Kiosk)> {
    let Ok(survey) = survey_from_str(SURVEY) else {
        return Vec::new();
    };
    let survey = Arc::new(survey);
    let version = VersionHash::of(&survey);
    let fresh = || Kiosk::new(survey.clone(), version, Some(Lang::Fi), 60_000, false, NOW);
    let mut out = vec![("welcome".to_owned(), fresh())];
    let mut k = fresh();
    update(&mut k, key(KeyCode::Enter), NOW);
    for _ in 0..survey.questions.len() {
        let Screen::Question(a) = &k.screen else {
            break;
        };
        let id = a
            .question(&survey)
            .map(|q| q.id.clone())
            .unwrap_or_default();
        // Something chosen or typed, so the view draws selections.
        update(&mut k, key(KeyCode::Char('1')), NOW);
        update(&mut k, key(KeyCode::Char('2')), NOW);
        out.push((format!("question {id}"), clone(&k)));
        update(&mut k, key(KeyCode::PageDown), NOW);
    }
    out
}

/// Kiosk holds no Clone (it owns a live screen); rebuild it from parts.
fn clone(k: &Kiosk) -> Kiosk {
    let mut copy = Kiosk::new(
        k.survey.clone(),
        k.version,
        Some(k.home_lang),
        k.idle_timeout_ms,
        k.pin_set,
        NOW,
    );
    copy.lang = k.lang;
    copy.screen = k.screen.clone();
    copy
}

pub fn benches(c: &mut Criterion) {
    // A TestBackend cannot fail (its error type is Infallible).
    let mut terminal = Terminal::new(TestBackend::new(200, 60)).unwrap_or_else(|e| match e {});
    let mut group = c.benchmark_group("kiosk/draw 200x60");
    for (name, kiosk) in screens() {
        group.bench_function(&name, |b| {
            b.iter(|| {
                let _ = terminal.draw(|frame| {
                    let area = frame.area();
                    let l = layout::compute(area, &kiosk, THEME, NOW);
                    frame.render_widget(
                        &View {
                            kiosk: &kiosk,
                            layout: &l,
                            theme: THEME,
                            now_ms: NOW,
                        },
                        area,
                    );
                });
            })
        });
    }
    group.finish();
}
