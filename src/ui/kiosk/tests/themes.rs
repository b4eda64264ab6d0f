//! Every theme on the screens that use every style: where each style lands
//! (insta snapshots of the style map), and that a colour theme paints
//! every cell itself, so nothing shows the terminal's own colours.

use ratatui::style::Color;

use super::*;
use crate::ui::kiosk::state::Focus;
use crate::ui::theme::Scheme;

fn theme(scheme: Scheme) -> Theme {
    Theme {
        scheme,
        big_text: false,
    }
}

/// The welcome screen in demo mode (banner, title, languages, Start).
fn welcome() -> Rig {
    Rig::new(desk(), Some(Lang::En), false)
}

/// A choice question with option 2 chosen, option 3 focused and a notice.
fn question() -> Rig {
    let mut rig = Rig::started(Lang::En);
    rig.tap(Target::Item(1));
    if let Screen::Question(a) = &mut rig.k.screen {
        a.focus = Focus::Item(2);
        a.notice = Some("Please choose one.".into());
    }
    rig
}

/// The question screen's Next button focused.
fn next_focused() -> Rig {
    let mut rig = question();
    if let Screen::Question(a) = &mut rig.k.screen {
        a.focus = Focus::Next;
    }
    rig
}

fn snap_styles(name: &str, rig: &Rig, scheme: Scheme) {
    let terminal = rig.draw_with(60, 20, theme(scheme));
    let text = crate::ui::buffer_styles(terminal.backend().buffer());
    let mut settings = Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.bind(|| {
        insta::assert_snapshot!(format!("theme_{}_{name}", scheme.name()), text);
    });
}

#[test]
fn every_theme_on_welcome_and_question() {
    for scheme in Scheme::ALL {
        snap_styles("welcome", &welcome(), scheme);
        snap_styles("question", &question(), scheme);
        snap_styles("next_focused", &next_focused(), scheme);
    }
}

#[test]
fn colour_themes_paint_every_cell_of_every_screen() {
    let mut pin = Rig::new(desk(), Some(Lang::En), true);
    pin.send(chord());
    pin.type_text("12");
    let mut idle = question();
    idle.wait(IDLE_MS - 5_000);
    assert!(idle.layout(80, 24).overlay().is_some() && pin.layout(80, 24).overlay().is_some());
    let rigs = [
        ("welcome", welcome()),
        ("question", question()),
        ("pin", pin),
        ("countdown", idle),
    ];
    for scheme in [Scheme::Dark, Scheme::Light, Scheme::Contrast] {
        for (name, rig) in &rigs {
            for (w, h) in SIZES {
                let terminal = rig.draw_with(w, h, theme(scheme));
                let buf = terminal.backend().buffer();
                for p in buf.area.positions() {
                    let cell = &buf[p];
                    let own = |c: Color| matches!(c, Color::Indexed(16..=255));
                    assert!(
                        own(cell.fg) && own(cell.bg),
                        "{} {name} {w}x{h} at {p:?}: {:?} on {:?}",
                        scheme.name(),
                        cell.fg,
                        cell.bg
                    );
                }
            }
        }
    }
}
