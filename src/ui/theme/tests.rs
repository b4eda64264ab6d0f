//! WCAG 2.x contrast of every style of every theme, from xterm's
//! 256-colour palette. A colour a style leaves unset (or `Color::Reset`)
//! is the terminal's own: measured against xterm's default black on white
//! and its reverse (`xterm -rv`), since a theme cannot know which it gets.

use ratatui::style::{Color, Modifier, Style};

use super::*;

type Rgb = (u8, u8, u8);

/// xterm's 16 system colours (its `XTerm` app-defaults, `color0..15`).
const SYSTEM: [Rgb; 16] = [
    (0x00, 0x00, 0x00),
    (0xcd, 0x00, 0x00),
    (0x00, 0xcd, 0x00),
    (0xcd, 0xcd, 0x00),
    (0x00, 0x00, 0xee),
    (0xcd, 0x00, 0xcd),
    (0x00, 0xcd, 0xcd),
    (0xe5, 0xe5, 0xe5),
    (0x7f, 0x7f, 0x7f),
    (0xff, 0x00, 0x00),
    (0x00, 0xff, 0x00),
    (0xff, 0xff, 0x00),
    (0x5c, 0x5c, 0xff),
    (0xff, 0x00, 0xff),
    (0x00, 0xff, 0xff),
    (0xff, 0xff, 0xff),
];

/// An xterm 256-colour index as RGB: system colours, the 6×6×6 cube
/// (levels 0, 95, 135, 175, 215, 255), the grey ramp 8, 18, .. 238.
fn xterm(n: u8) -> Rgb {
    const LEVELS: [u8; 6] = [0, 95, 135, 175, 215, 255];
    match n {
        0..=15 => SYSTEM[n as usize],
        16..=231 => {
            let i = n - 16;
            (
                LEVELS[(i / 36) as usize],
                LEVELS[(i / 6 % 6) as usize],
                LEVELS[(i % 6) as usize],
            )
        }
        _ => {
            let g = 8 + 10 * (n - 232);
            (g, g, g)
        }
    }
}

/// A named ANSI colour as its xterm index; `None` for the terminal's own.
fn index(c: Color) -> Option<u8> {
    Some(match c {
        Color::Reset => return None,
        Color::Black => 0,
        Color::Red => 1,
        Color::Green => 2,
        Color::Yellow => 3,
        Color::Blue => 4,
        Color::Magenta => 5,
        Color::Cyan => 6,
        Color::Gray => 7,
        Color::DarkGray => 8,
        Color::LightRed => 9,
        Color::LightGreen => 10,
        Color::LightYellow => 11,
        Color::LightBlue => 12,
        Color::LightMagenta => 13,
        Color::LightCyan => 14,
        Color::White => 15,
        Color::Indexed(n) => n,
        Color::Rgb(..) => panic!("themes use the 256-colour palette"),
    })
}

fn luminance((r, g, b): Rgb) -> f64 {
    let lin = |v: u8| {
        let v = f64::from(v) / 255.0;
        if v <= 0.04045 {
            v / 12.92
        } else {
            ((v + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)
}

fn ratio(a: Rgb, b: Rgb) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

/// The colours a person sees for a style on a terminal whose own colours
/// are `default` (text, background): unset ones are the terminal's, and
/// reverse video swaps the two.
fn seen(style: Style, default: Rgb, page: Rgb) -> (Rgb, Rgb) {
    let fg = style.fg.and_then(index).map_or(default, xterm);
    let bg = style.bg.and_then(index).map_or(page, xterm);
    if style.add_modifier.contains(Modifier::REVERSED) {
        (bg, fg)
    } else {
        (fg, bg)
    }
}

/// xterm's defaults: black on white, and white on black with `-rv`.
const TERMINALS: [(Rgb, Rgb); 2] = [((0, 0, 0), (255, 255, 255)), ((255, 255, 255), (0, 0, 0))];

#[test]
fn every_style_of_every_theme_has_wcag_contrast_on_any_terminal() {
    let mut failures = Vec::new();
    for scheme in Scheme::ALL {
        let theme = Theme {
            scheme,
            big_text: false,
        };
        for (name, style, role) in theme.styles() {
            for (default, page) in TERMINALS {
                let (fg, bg) = seen(style, default, page);
                let r = ratio(fg, bg);
                let need = match role {
                    Role::Text => 4.5,
                    Role::Graphic => 3.0,
                };
                if r < need {
                    failures.push(format!(
                        "{} {name}: {r:.2}:1 < {need}:1 ({fg:?} on {bg:?})",
                        scheme.name()
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn colour_themes_set_both_colours_of_every_style_and_mono_none() {
    for scheme in Scheme::ALL {
        let theme = Theme {
            scheme,
            big_text: false,
        };
        for (name, style, _) in theme.styles() {
            let both = [style.fg, style.bg]
                .iter()
                .all(|c| matches!(c, Some(Color::Indexed(16..=255))));
            if scheme == Scheme::Mono {
                assert_eq!((style.fg, style.bg), (None, None), "mono {name}");
                let allowed = Modifier::REVERSED | Modifier::BOLD | Modifier::UNDERLINED;
                assert!(allowed.contains(style.add_modifier), "mono {name}");
            } else {
                assert!(both, "{} {name}: {style:?}", scheme.name());
            }
        }
    }
}

#[test]
fn the_contrast_sums_match_wcag_examples() {
    assert!((ratio((0, 0, 0), (255, 255, 255)) - 21.0).abs() < 1e-9);
    assert!((ratio((0x77, 0x77, 0x77), (255, 255, 255)) - 4.48).abs() < 0.01);
    assert_eq!(xterm(16), (0, 0, 0));
    assert_eq!(xterm(22), (0, 95, 0));
    assert_eq!(xterm(231), (255, 255, 255));
    assert_eq!(xterm(232), (8, 8, 8));
    assert_eq!(xterm(255), (238, 238, 238));
}
