//! `--theme` on the real kiosk in a PTY: a colour theme paints every cell
//! with its own colours (so a light or a dark terminal shows the same
//! kiosk), even where `NO_COLOR` is set; without `--theme`, `NO_COLOR`
//! gives mono: no colour at all.

use vt100::Color;

use crate::pty::{PtyKiosk, assert_restored, find_label, keys};
use crate::support::TempDir;

fn every_cell(screen: &vt100::Screen, ok: impl Fn(&vt100::Cell) -> bool) -> bool {
    let (rows, cols) = screen.size();
    let (rows, cols) = (rows.get(), cols.get());
    (0..rows).all(|r| (0..cols).all(|c| screen.cell(r, c).is_some_and(&ok)))
}

/// The colours of the first cell of a button's label.
fn label_colours(screen: &vt100::Screen, label: &str) -> Option<(Color, Color)> {
    let (col, row) = *find_label(screen, label).first()?;
    let cell = screen.cell(row, col)?;
    Some((cell.fgcolor(), cell.bgcolor()))
}

#[test]
fn light_theme_paints_every_cell_with_its_own_colours() {
    let dir = TempDir::new("pty-theme-light");
    let mut k = PtyKiosk::builder(dir.path())
        .args(["--theme", "light"])
        .start();
    k.wait_for_text("Aloita");
    k.wait_for("every cell has its own colours", |s| {
        every_cell(s, |c| {
            matches!(c.fgcolor(), Color::Idx(16..=255))
                && matches!(c.bgcolor(), Color::Idx(16..=255))
        })
    });
    // Start (not focused): black on light grey; the page is near-white.
    k.screen(|s| {
        assert_eq!(
            label_colours(s, "Aloita"),
            Some((Color::Idx(16), Color::Idx(252)))
        );
        assert_eq!(
            s.cell(s.size().0.get() - 1, 0).map(vt100::Cell::bgcolor),
            Some(Color::Idx(255))
        );
    });
    k.send(keys::CTRL_C);
    assert_eq!(k.wait_exit(), 0);
    assert_restored(&k);
}

#[test]
fn no_color_without_a_theme_is_mono() {
    let dir = TempDir::new("pty-theme-mono");
    let mut k = PtyKiosk::start(dir.path());
    k.wait_for_text("Aloita");
    k.screen(|s| {
        assert!(every_cell(s, |c| c.fgcolor() == Color::Default
            && c.bgcolor() == Color::Default));
        // The chosen language is still marked: reverse video.
        let (col, row) = find_label(s, "Suomi")[0];
        assert!(s.cell(row, col).is_some_and(vt100::Cell::inverse));
    });
    k.send(keys::CTRL_C);
    assert_eq!(k.wait_exit(), 0);
}
