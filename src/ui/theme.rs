//! Styles, one place for every screen. A colour theme sets both colours of
//! every style and the views paint the page background first, so the
//! kiosk looks the same on a light or a dark terminal; `mono` uses only
//! reverse video, bold and underline, so it reads on any terminal's own
//! colours (`NO_COLOR`). Selection and focus never depend on colour alone:
//! selected is reverse video, focus is underlined, and lists add markers.
//!
//! Colours are xterm 256-colour indices 16..=255 (the 6×6×6 cube and the
//! grey ramp). Terminals and desktop themes remap the 16 system colours
//! (and xterm brightens 0..=7 when bold), but leave these alone, so the
//! contrast measured from xterm's palette is the contrast people see.

use ratatui::style::{Color, Modifier, Style};

/// The themes `--theme` names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Scheme {
    /// Light text on a near-black page.
    #[default]
    Dark,
    /// Dark text on a near-white page.
    Light,
    /// White and yellow on black, for low vision and bright rooms.
    Contrast,
    /// No colours: the terminal's own, with reverse video, bold, underline.
    Mono,
}

impl Scheme {
    pub const ALL: [Scheme; 4] = [Scheme::Dark, Scheme::Light, Scheme::Contrast, Scheme::Mono];

    pub fn name(self) -> &'static str {
        match self {
            Scheme::Dark => "dark",
            Scheme::Light => "light",
            Scheme::Contrast => "contrast",
            Scheme::Mono => "mono",
        }
    }

    fn palette(self) -> Option<&'static Palette> {
        match self {
            Scheme::Dark => Some(&DARK),
            Scheme::Light => Some(&LIGHT),
            Scheme::Contrast => Some(&CONTRAST),
            Scheme::Mono => None,
        }
    }
}

/// A colour theme's colours, as xterm 256-colour indices. A pair is
/// (text, background) as the person sees it.
#[derive(Debug)]
struct Palette {
    page: u8,
    text: u8,
    dim: u8,
    title: u8,
    question: u8,
    button: (u8, u8),
    chosen: (u8, u8),
    focus: u8,
    focus_button: (u8, u8),
    notice: u8,
    banner: (u8, u8),
    gauge: u8,
}

const DARK: Palette = Palette {
    page: 234,
    text: 253,
    dim: 247,
    title: 117,
    question: 255,
    button: (255, 238),
    chosen: (231, 22),
    focus: 229,
    focus_button: (16, 229),
    notice: 221,
    banner: (16, 214),
    gauge: 74,
};

const LIGHT: Palette = Palette {
    page: 255,
    text: 235,
    dim: 240,
    title: 24,
    question: 16,
    button: (16, 252),
    chosen: (231, 22),
    focus: 18,
    focus_button: (231, 18),
    notice: 124,
    banner: (16, 214),
    gauge: 31,
};

const CONTRAST: Palette = Palette {
    page: 16,
    text: 231,
    dim: 252,
    title: 226,
    question: 231,
    button: (231, 16),
    chosen: (16, 226),
    focus: 51,
    focus_button: (16, 51),
    notice: 214,
    banner: (16, 226),
    gauge: 231,
};

/// What a style draws, for the contrast it needs (WCAG 2.x: 4.5:1 for
/// text, 3:1 for borders and other graphics).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Text,
    Graphic,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Theme {
    pub scheme: Scheme,
    /// Block-character big text; off on the Linux console, whose font lacks
    /// the quadrant characters.
    pub big_text: bool,
}

impl Theme {
    /// Plain: no colour, no big text (tests, `NO_COLOR`, dumb consoles).
    pub const PLAIN: Theme = Theme {
        scheme: Scheme::Mono,
        big_text: false,
    };

    /// Colour `fg` on `bg`, or (mono) the modifiers alone.
    fn pair(&self, pick: impl Fn(&Palette) -> (u8, u8), m: Modifier) -> Style {
        let style = Style::new().add_modifier(m);
        match self.scheme.palette() {
            Some(p) => {
                let (fg, bg) = pick(p);
                style.fg(Color::Indexed(fg)).bg(Color::Indexed(bg))
            }
            None => style,
        }
    }

    /// A colour on the page background.
    fn on_page(&self, pick: impl Fn(&Palette) -> u8, m: Modifier) -> Style {
        self.pair(|p| (pick(p), p.page), m)
    }

    /// Reverse video of a pair, so the person sees `fg` on `bg` and mono
    /// still shows the selection.
    fn reversed(&self, pick: impl Fn(&Palette) -> (u8, u8), m: Modifier) -> Style {
        self.pair(
            |p| {
                let (fg, bg) = pick(p);
                (bg, fg)
            },
            m | Modifier::REVERSED,
        )
    }

    /// The page: every cell a view draws starts in it.
    pub fn base(&self) -> Style {
        self.on_page(|p| p.text, Modifier::empty())
    }

    pub fn title(&self) -> Style {
        self.on_page(|p| p.title, Modifier::BOLD)
    }

    pub fn question(&self) -> Style {
        self.on_page(|p| p.question, Modifier::BOLD)
    }

    pub fn text(&self) -> Style {
        self.base()
    }

    /// Hints and secondary text; still 4.5:1 on the page.
    pub fn dim(&self) -> Style {
        self.on_page(|p| p.dim, Modifier::empty())
    }

    /// A chosen option: reverse video, readable in any colour scheme.
    pub fn selected(&self) -> Style {
        self.reversed(|p| p.chosen, Modifier::BOLD)
    }

    /// The keyboard focus: bold and underlined, plus a `▶` marker.
    pub fn focused(&self) -> Style {
        self.on_page(|p| p.focus, Modifier::BOLD | Modifier::UNDERLINED)
    }

    /// An option or a language button: chosen, focused, both or neither.
    pub fn choice(&self, selected: bool, focused: bool, idle: Style) -> Style {
        match (selected, focused) {
            (true, true) => self.selected().add_modifier(Modifier::UNDERLINED),
            (true, false) => self.selected(),
            (false, true) => self.focused(),
            (false, false) => idle,
        }
    }

    pub fn button(&self) -> Style {
        self.pair(|p| p.button, Modifier::BOLD)
    }

    /// Start, Next, Back and the like: reverse video when focused.
    pub fn button_at(&self, focused: bool) -> Style {
        if focused {
            self.reversed(|p| p.focus_button, Modifier::BOLD | Modifier::UNDERLINED)
        } else {
            self.button()
        }
    }

    pub fn notice(&self) -> Style {
        self.on_page(|p| p.notice, Modifier::BOLD)
    }

    pub fn banner(&self) -> Style {
        self.reversed(|p| p.banner, Modifier::empty())
    }

    /// Progress and spark bars.
    pub fn gauge(&self) -> Style {
        self.on_page(|p| p.gauge, Modifier::empty())
    }

    /// Every style the views draw with, named, with what it draws.
    pub fn styles(&self) -> Vec<(&'static str, Style, Role)> {
        let text = self.text();
        let button = self.button();
        vec![
            ("base", self.base(), Role::Text),
            ("title", self.title(), Role::Text),
            ("question", self.question(), Role::Text),
            ("text", text, Role::Text),
            ("dim", self.dim(), Role::Text),
            ("selected", self.selected(), Role::Text),
            ("focused", self.focused(), Role::Text),
            (
                "choice selected focused",
                self.choice(true, true, text),
                Role::Text,
            ),
            ("button", button, Role::Text),
            ("button focused", self.button_at(true), Role::Text),
            (
                "language selected",
                self.choice(true, false, button),
                Role::Text,
            ),
            ("notice", self.notice(), Role::Text),
            ("banner", self.banner(), Role::Text),
            ("gauge", self.gauge(), Role::Graphic),
        ]
    }
}

#[cfg(test)]
mod tests;
