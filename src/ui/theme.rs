//! Styles. Selection and focus never depend on colour alone (reverse video
//! and markers), so the kiosk reads the same with `NO_COLOR`, on the Linux
//! console and over SSH.

use ratatui::style::{Color, Modifier, Style};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Theme {
    pub color: bool,
    /// Block-character big text; off on the Linux console, whose font lacks
    /// the quadrant characters.
    pub big_text: bool,
}

impl Theme {
    /// Plain: no colour, no big text (tests, `NO_COLOR`, dumb consoles).
    pub const PLAIN: Theme = Theme {
        color: false,
        big_text: false,
    };

    fn fg(&self, c: Color) -> Style {
        if self.color {
            Style::new().fg(c)
        } else {
            Style::new()
        }
    }

    pub fn title(&self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }

    pub fn question(&self) -> Style {
        Style::new().add_modifier(Modifier::BOLD)
    }

    pub fn text(&self) -> Style {
        Style::new()
    }

    pub fn dim(&self) -> Style {
        if self.color {
            Style::new().fg(Color::DarkGray)
        } else {
            Style::new()
        }
    }

    /// A chosen option: reverse video, readable in any colour scheme.
    pub fn selected(&self) -> Style {
        self.fg(Color::Green)
            .add_modifier(Modifier::REVERSED | Modifier::BOLD)
    }

    /// The keyboard focus: bold and underlined, plus a `▶` marker.
    pub fn focused(&self) -> Style {
        Style::new().add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
    }

    pub fn button(&self) -> Style {
        self.fg(Color::White).add_modifier(Modifier::BOLD)
    }

    pub fn notice(&self) -> Style {
        self.fg(Color::Yellow).add_modifier(Modifier::BOLD)
    }

    pub fn banner(&self) -> Style {
        self.fg(Color::Black).add_modifier(Modifier::REVERSED)
    }

    pub fn gauge(&self) -> Style {
        self.fg(Color::Cyan)
    }
}
