//! Terminal user interfaces. Uses `core` for every rule and the store only
//! through the `Store` API, never sled.

pub mod admin;
pub mod events;
pub mod figures;
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
