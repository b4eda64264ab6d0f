//! Terminal user interfaces. Uses `core` for every rule and the store only
//! through the `Store` API, never sled.

pub mod admin;
pub mod events;
pub mod figures;
pub mod fit;
pub mod kiosk;
pub mod live;
pub mod seen;
pub mod strings;
pub mod term;
pub mod theme;
pub mod wrap;

/// A drawn buffer as text, one line per row (for screen tests).
#[cfg(test)]
pub(crate) fn buffer_text(buf: &ratatui::buffer::Buffer) -> String {
    let area = buf.area;
    let mut out = String::new();
    for y in area.y..area.y + area.height {
        for x in area.x..area.x + area.width {
            out.push_str(buf[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

/// A drawn buffer's styles for snapshots: the text, then one letter per
/// cell naming its style, then what each letter is (colours as xterm
/// 256-colour indices). Snapshots of every theme show where each style
/// lands without a colour terminal.
#[cfg(test)]
pub(crate) fn buffer_styles(buf: &ratatui::buffer::Buffer) -> String {
    let area = buf.area;
    let mut seen: Vec<ratatui::style::Style> = Vec::new();
    let mut grid = String::new();
    for y in area.y..area.y + area.height {
        for x in area.x..area.x + area.width {
            let style = buf[(x, y)].style();
            let i = seen.iter().position(|s| *s == style).unwrap_or_else(|| {
                seen.push(style);
                seen.len() - 1
            });
            grid.push(LETTERS.chars().nth(i).unwrap_or('?'));
        }
        grid.push('\n');
    }
    let legend: Vec<String> = seen
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let colour = |c: Option<ratatui::style::Color>| match c {
                Some(ratatui::style::Color::Indexed(n)) => n.to_string(),
                Some(c) => format!("{c:?}"),
                None => "-".to_owned(),
            };
            format!(
                "{}: fg {} bg {} {:?}",
                LETTERS.chars().nth(i).unwrap_or('?'),
                colour(s.fg),
                colour(s.bg),
                s.add_modifier
            )
        })
        .collect();
    format!("{}\n{grid}\n{}\n", buffer_text(buf), legend.join("\n"))
}

#[cfg(test)]
const LETTERS: &str = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
