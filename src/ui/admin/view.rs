//! Drawing the admin view. Every stored text is stripped of control
//! characters before it reaches the screen.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;

use super::state::{Admin, Mode, PrizeScreen};
use crate::core::sanitize::{strip, truncate_to_width, width};
use crate::ui::live::view::title_bar;
use crate::ui::strings::views::{ViewTexts, fill};
use crate::ui::theme::Theme;
use crate::ui::wrap::wrap;

pub fn render(admin: &Admin, now_ms: i64, theme: Theme, area: Rect, buf: &mut Buffer) {
    buf.set_style(area, theme.base());
    let t = admin.words();
    let w = area.width as usize;
    if w < 20 || area.height < 8 {
        buf.set_string(
            area.x,
            area.y,
            truncate_to_width(t.enlarge, w),
            theme.text(),
        );
        return;
    }
    let title = fill(t.admin_title, &[&strip(&admin.terminal, false)]);
    title_bar(
        buf,
        area,
        (&title, theme.title()),
        (&strip(&admin.source, false), theme.dim()),
    );
    let bottom = area.y + area.height - 1;
    let mut y = area.y + 2;

    if let Mode::Pin { digits, wrong } = &admin.mode {
        let dots = "•".repeat(digits.chars().count());
        buf.set_string(
            area.x + 2,
            y,
            fill(t.pin_prompt, &[&dots]),
            theme.question(),
        );
        y += 2;
        let status = if admin.lockout.is_locked(now_ms) {
            let left = (admin.lockout.until_ms.unwrap_or(now_ms) - now_ms + 999) / 1000;
            fill(t.pin_try_again, &[&left])
        } else if *wrong {
            t.pin_wrong.into()
        } else {
            t.pin_hint.into()
        };
        buf.set_string(
            area.x + 2,
            y,
            truncate_to_width(&status, w - 2),
            if *wrong {
                theme.selected()
            } else {
                theme.dim()
            },
        );
        return;
    }

    if let Mode::Prizes(screen) = &admin.mode {
        prizes(admin, screen, t, theme, area, y, buf);
        return;
    }

    // The survey list.
    // A suspect column only when some survey has suspect responses.
    let suspect = admin.rows.iter().any(|r| r.suspect > 0);
    let c = t.columns;
    let mut header = format!(
        "  {:<16} {:<28} {:>8} {:>9} {:>8}",
        c[0], c[1], c[2], c[3], c[4]
    );
    if suspect {
        header.push_str(&format!(" {:>8}", c[5]));
    }
    buf.set_string(area.x, y, truncate_to_width(&header, w), theme.dim());
    y += 1;
    if admin.rows.is_empty() {
        buf.set_string(area.x + 2, y, t.no_surveys, theme.text());
        y += 1;
    }
    for (i, row) in admin.rows.iter().enumerate() {
        if y + 6 >= bottom {
            break;
        }
        let line = format!(
            "{} {:<16} {:<28} {:>8} {:>9} {:>8}",
            if row.active { "*" } else { " " },
            truncate_to_width(&strip(&row.id, false), 16),
            truncate_to_width(&strip(&row.title, false), 28),
            format!(
                "{} ({})",
                row.versions,
                &row.latest[..row.latest.len().min(6)]
            ),
            row.complete,
            row.partial,
        );
        let line = if suspect {
            format!("{line} {:>8}", row.suspect)
        } else {
            line
        };
        let style = if i == admin.selected {
            theme.selected()
        } else {
            theme.text()
        };
        buf.set_string(
            area.x,
            y,
            format!("{:<w$}", truncate_to_width(&line, w)),
            style,
        );
        y += 1;
    }
    buf.set_string(area.x, y, t.active_means, theme.dim());
    y += 2;

    // The prompt, or the last outcome.
    if let Mode::Prompt {
        purpose,
        field,
        choices,
        pick,
    } = &admin.mode
    {
        buf.set_string(
            area.x,
            y,
            truncate_to_width(&purpose.title(t), w),
            theme.question(),
        );
        y += 1;
        let text = strip(field.text(), false);
        let shown = format!("> {text} ");
        buf.set_string(area.x, y, truncate_to_width(&shown, w), theme.text());
        let cursor_x = 2 + width(&text.chars().take(field.cursor()).collect::<String>());
        if cursor_x < w {
            let ch: String = text
                .chars()
                .nth(field.cursor())
                .map_or(" ".into(), |c| c.to_string());
            buf.set_string(area.x + cursor_x as u16, y, ch, theme.selected());
        }
        y += 1;
        for (i, choice) in choices.iter().enumerate() {
            if y >= bottom {
                break;
            }
            let style = if *pick == Some(i) {
                theme.selected()
            } else {
                theme.dim()
            };
            buf.set_string(
                area.x + 2,
                y,
                truncate_to_width(&strip(choice, false), w - 2),
                style,
            );
            y += 1;
        }
        buf.set_string(
            area.x,
            bottom,
            truncate_to_width(t.prompt_keys, w),
            theme.dim(),
        );
        return;
    }
    if let Mode::Overwrite { path, .. } = &admin.mode {
        let ask = fill(t.replace_ask, &[&strip(&path.display().to_string(), false)]);
        for part in wrap(&ask, w) {
            if y >= bottom {
                break;
            }
            buf.set_string(area.x, y, &part, theme.question());
            y += 1;
        }
        return;
    }
    let style = if admin.message_is_error {
        theme.selected()
    } else {
        theme.text()
    };
    'outer: for line in &admin.message {
        for part in wrap(&strip(line, false), w) {
            if y >= bottom {
                break 'outer;
            }
            buf.set_string(area.x, y, &part, style);
            y += 1;
        }
    }
    for (i, line) in wrap(t.list_keys, w).iter().rev().enumerate() {
        let row = bottom.saturating_sub(i as u16);
        if row > y {
            buf.set_string(area.x, row, line, theme.dim());
        }
    }
}

/// The prize-draw screen: entries per survey, the draw's winners and seed,
/// the purge confirmation.
fn prizes(
    admin: &Admin,
    screen: &PrizeScreen,
    t: &ViewTexts,
    theme: Theme,
    area: Rect,
    mut y: u16,
    buf: &mut Buffer,
) {
    let w = area.width as usize;
    let bottom = area.y + area.height - 1;
    let mut put = |y: &mut u16, text: &str, style| {
        for part in wrap(&strip(text, false), w) {
            if *y >= bottom {
                return;
            }
            buf.set_string(area.x, *y, &part, style);
            *y += 1;
        }
    };
    put(
        &mut y,
        &fill(t.prize_title, &[&screen.survey]),
        theme.question(),
    );
    y += 1;
    put(&mut y, t.prize_entries, theme.dim());
    if screen.counts.is_empty() {
        put(&mut y, t.prize_none, theme.text());
    }
    for (id, n) in &screen.counts {
        let marker = if *id == screen.survey { "▶" } else { " " };
        put(&mut y, &format!("{marker} {id}: {n}"), theme.text());
    }
    y += 1;
    put(
        &mut y,
        &fill(t.prize_winners, &[&screen.winners]),
        theme.text(),
    );
    let seed = strip(screen.seed.text(), false);
    let shown = if seed.is_empty() {
        t.prize_seed_empty.to_owned()
    } else {
        format!("{}▏", fill(t.prize_seed, &[&seed]))
    };
    put(&mut y, &shown, theme.text());
    y += 1;
    for line in &screen.drawn {
        put(&mut y, line, theme.selected());
    }
    if screen.confirm_purge {
        y += 1;
        put(
            &mut y,
            &fill(t.prize_confirm, &[&screen.entries(), &screen.survey]),
            theme.selected(),
        );
    }
    let style = if admin.message_is_error {
        theme.selected()
    } else {
        theme.dim()
    };
    for line in &admin.message {
        put(&mut y, line, style);
    }
    for (i, line) in wrap(t.prize_keys, w).iter().rev().enumerate() {
        let row = bottom.saturating_sub(i as u16);
        if row > y {
            buf.set_string(area.x, row, line, theme.dim());
        }
    }
}
