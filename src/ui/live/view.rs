//! Drawing the live view into a buffer, and where each clickable thing
//! landed. Every text from the store (labels, answers) is stripped of
//! control characters before it reaches the screen.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::widgets::{Sparkline, Widget};

use super::state::{Live, Source};
use crate::core::sanitize::{plural, strip, truncate_to_width, width};
use crate::core::tally::{ALL, NO_GROUP, QuestionResult};
use crate::ui::figures::{bar, headline, option_label, summary};
use crate::ui::theme::Theme;
use crate::ui::wrap::wrap_rows;

/// Something on screen that a click (or tap) does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hit {
    Question(usize),
    Prev,
    Next,
    Group,
    Period,
    Texts,
    Reload,
    Quit,
}

/// Where the clickable things are in the last frame.
#[derive(Clone, Debug, Default)]
pub struct Hits(Vec<(Rect, Hit)>);

impl Hits {
    pub fn at(&self, column: u16, row: u16) -> Option<Hit> {
        self.0
            .iter()
            .find(|(r, _)| {
                column >= r.x && column < r.x + r.width && row >= r.y && row < r.y + r.height
            })
            .map(|(_, h)| *h)
    }
}

/// Below this the view asks for a bigger terminal.
pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 16;

/// The question list is shown beside the panel from this width.
const LIST_FROM_WIDTH: u16 = 100;
const LIST_WIDTH: u16 = 26;

/// The top row of the live and admin views: a title on the left, where
/// the figures come from on the right. The title keeps at least a third
/// of the row; the source the rest, with two spaces between them.
pub fn title_bar(buf: &mut Buffer, area: Rect, title: (&str, Style), source: (&str, Style)) {
    let w = area.width as usize;
    let right = truncate_to_width(source.0, w.saturating_sub(w / 3 + 2));
    let left = truncate_to_width(title.0, w.saturating_sub(width(&right) + 2));
    buf.set_string(area.x, area.y, left, title.1);
    buf.set_string(
        area.x + (w - width(&right)) as u16,
        area.y,
        &right,
        source.1,
    );
}

/// Draws the view; returns where its clickable things are.
pub fn render(live: &Live, now_ms: i64, theme: Theme, area: Rect, buf: &mut Buffer) -> Hits {
    buf.set_style(area, theme.base());
    let mut hits = Hits::default();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        let text = format!(
            "Please enlarge the terminal to at least {MIN_WIDTH}×{MIN_HEIGHT} (now {}×{}).",
            area.width, area.height
        );
        for (i, line) in wrap_rows(&text, area.width as usize, area.height as usize)
            .iter()
            .enumerate()
        {
            buf.set_string(area.x, area.y + i as u16, line, theme.text());
        }
        return hits;
    }
    let survey = &live.survey;
    let lang = survey.default_lang();
    let result = &live.last_result().total;
    let w = area.width as usize;

    // Header: title and where the figures come from.
    let title = format!("Live tally · {}", strip(survey.title.get(lang), false));
    let (source, source_style) = match &live.source {
        Source::Own => ("this view owns the store".to_owned(), theme.dim()),
        Source::Through(owner) => (format!("live through {}", strip(owner, false)), theme.dim()),
        Source::Lost(owner) => (
            format!("{} stopped · r reconnects", strip(owner, false)),
            theme.selected(),
        ),
    };
    title_bar(buf, area, (&title, theme.title()), (&source, source_style));

    // Counts.
    let mut counts = format!(
        "{} · {} today",
        plural(result.responses, "response"),
        live.today(now_ms)
    );
    if result.partial > 0 {
        counts.push_str(&format!(
            " · {} partial {}",
            result.partial,
            if result.include_partial {
                "counted"
            } else {
                "left out"
            }
        ));
    }
    if result.suspect > 0 {
        counts.push_str(&format!(
            " · {} suspect {}",
            result.suspect,
            if result.include_suspect {
                "counted"
            } else {
                "left out"
            }
        ));
    }
    if let (Some(rate), Some(pop)) = (result.response_rate, result.population) {
        counts.push_str(&format!(" · {:.0} % of {pop}", rate * 100.0));
    }
    if let Some(t) = live.last_response_ms(now_ms) {
        counts.push_str(&format!(" · last {}", clock(t, live, now_ms)));
    }
    buf.set_string(
        area.x,
        area.y + 1,
        truncate_to_width(&counts, w),
        theme.text(),
    );

    // Responses per hour.
    let hours = w.min(72);
    let per_hour = live.per_hour(now_ms, hours);
    let peak = per_hour.iter().copied().max().unwrap_or(0);
    let label = format!("Responses per hour, last {hours} h (most in an hour: {peak})");
    buf.set_string(
        area.x,
        area.y + 2,
        truncate_to_width(&label, w),
        theme.dim(),
    );
    Sparkline::default()
        .data(&per_hour)
        .max(peak.max(1))
        .style(theme.gauge())
        .render(Rect::new(area.x, area.y + 3, hours as u16, 2), buf);

    // Footer: the keys, each clickable.
    let footer_y = area.y + area.height - 1;
    let g = live.grouping();
    let by = g.by.clone().unwrap_or_else(|| "-".into());
    let period = g.period.map_or("-".to_owned(), |p| p.name().to_owned());
    let items: [(String, Option<Hit>); 7] = [
        ("◀".into(), Some(Hit::Prev)),
        ("▶ question".into(), Some(Hit::Next)),
        (format!("g by: {by}"), Some(Hit::Group)),
        (format!("p period: {period}"), Some(Hit::Period)),
        (
            if live.texts { "t bars" } else { "t texts" }.into(),
            Some(Hit::Texts),
        ),
        ("r reload".into(), Some(Hit::Reload)),
        ("q quit".into(), Some(Hit::Quit)),
    ];
    let mut x = area.x;
    for (i, (text, hit)) in items.iter().enumerate() {
        let t = if i == 0 {
            format!("{text} ")
        } else {
            format!("{text}  ")
        };
        if (x - area.x) as usize + width(&t) > w {
            break;
        }
        buf.set_string(x, footer_y, &t, theme.dim());
        if let Some(hit) = hit {
            hits.0
                .push((Rect::new(x, footer_y, width(text) as u16, 1), *hit));
        }
        x += width(&t) as u16;
    }

    // The body: the question list (wide screens) and the panel.
    let body_y = area.y + 6;
    let body_h = footer_y.saturating_sub(body_y + 1);
    let mut panel = Rect::new(area.x, body_y, area.width, body_h);
    let questions = &survey.questions;
    if area.width >= LIST_FROM_WIDTH {
        for (i, q) in questions.iter().enumerate().take(body_h as usize) {
            let text = format!(
                "{} {}",
                if i == live.selected { "▶" } else { " " },
                truncate_to_width(&strip(&q.id, false), LIST_WIDTH as usize - 3)
            );
            let style = if i == live.selected {
                theme.selected()
            } else {
                theme.text()
            };
            let row = Rect::new(area.x, body_y + i as u16, LIST_WIDTH - 1, 1);
            buf.set_string(
                row.x,
                row.y,
                format!("{text:<width$}", width = row.width as usize),
                style,
            );
            hits.0.push((row, Hit::Question(i)));
        }
        panel = Rect::new(area.x + LIST_WIDTH, body_y, area.width - LIST_WIDTH, body_h);
    } else {
        let nav = format!("◀ {} / {} ▶", live.selected + 1, questions.len());
        buf.set_string(panel.x, panel.y, &nav, theme.text());
        hits.0.push((Rect::new(panel.x, panel.y, 1, 1), Hit::Prev));
        hits.0.push((
            Rect::new(panel.x + width(&nav) as u16 - 1, panel.y, 1, 1),
            Hit::Next,
        ));
        panel = Rect::new(
            panel.x + width(&nav) as u16 + 2,
            panel.y,
            panel.width.saturating_sub(width(&nav) as u16 + 2),
            panel.height,
        );
    }
    if let Some(q) = questions.get(live.selected)
        && let Some(qr) = result.question(&q.id)
    {
        draw_question(live, qr, &strip(q.text.get(lang), false), theme, panel, buf);
    }
    hits
}

/// One question: its text, key figures and bars (or its free texts),
/// then one row per group or period.
fn draw_question(
    live: &Live,
    q: &QuestionResult,
    text: &str,
    theme: Theme,
    area: Rect,
    buf: &mut Buffer,
) {
    let w = area.width as usize;
    let mut y = area.y;
    let bottom = area.y + area.height;
    let mut line = |y: &mut u16, s: &str, style: Style| {
        if *y < bottom {
            buf.set_string(area.x, *y, truncate_to_width(s, w), style);
            *y += 1;
        }
    };
    for l in wrap_rows(text, w, 2) {
        line(&mut y, &l, theme.question());
    }
    let mut figures = format!("{} · n={}", q.type_name(), q.answered);
    let s = summary(q);
    if !s.is_empty() {
        figures.push_str(" · ");
        figures.push_str(&s);
    }
    line(&mut y, &figures, theme.dim());
    let survey = &live.survey;
    let texts = q.detail.texts();
    if live.texts || (q.counts.is_empty() && !texts.is_empty()) {
        if texts.is_empty() {
            line(&mut y, "No free texts yet.", theme.dim());
        }
        for t in texts {
            let when = clock(t.submitted_ms, live, i64::MAX);
            line(
                &mut y,
                &format!("{when}  “{}”", strip(&t.text, false)),
                theme.text(),
            );
        }
        return;
    }
    let label_w = (w / 3).clamp(8, 28);
    let bar_w = w.saturating_sub(label_w + 19).min(40);
    for (key, count) in &q.counts {
        let pct = q.percent_of(key);
        let interval = q
            .intervals
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, i)| format!(" ({:.0}–{:.0})", i.low, i.high))
            .unwrap_or_default();
        let row = format!(
            "{:<label_w$} {:>5} {:>7} {}{}",
            truncate_to_width(&option_label(survey, &q.id, key), label_w),
            count,
            pct.map_or(String::new(), |p| format!("{p:.1} %")),
            bar(pct.unwrap_or(0.0) / 100.0, bar_w),
            if w > label_w + 19 + bar_w + 10 {
                interval
            } else {
                String::new()
            },
        );
        line(&mut y, &row, theme.text());
    }
    let cells = &live.last_result().cells;
    if cells.is_empty() {
        return;
    }
    let g = live.grouping();
    let heading = match (&g.by, g.period) {
        (Some(by), Some(p)) => format!("By {by} and {}", p.name()),
        (Some(by), None) => format!("By {by}"),
        (None, Some(p)) => format!("Per {}", p.name()),
        (None, None) => String::new(),
    };
    y += 1;
    line(&mut y, &heading, theme.question());
    // Periods run oldest first; when they do not all fit, the newest
    // (the ones still changing) stay on screen.
    let room = bottom.saturating_sub(y) as usize;
    let skip = cells.len().saturating_sub(room);
    if skip > 0 {
        line(
            &mut y,
            &format!(
                "({} above; a taller terminal shows them)",
                plural(skip as u64, "earlier row")
            ),
            theme.dim(),
        );
    }
    let group_bar_w = w.saturating_sub(label_w + 1 + 8 + 23).min(40);
    for cell in cells.iter().skip(skip + usize::from(skip > 0)) {
        let Some(cq) = cell.result.question(&q.id) else {
            continue;
        };
        let group = cell.group.as_deref().map(|gr| match gr {
            ALL | NO_GROUP => gr.to_owned(),
            gr => {
                g.by.as_deref()
                    .map_or(gr.to_owned(), |by| option_label(survey, by, gr))
            }
        });
        let name: Vec<String> = [group, cell.period.clone()].into_iter().flatten().collect();
        let (figure, share) = headline(cq).unwrap_or_else(|| ("-".into(), 0.0));
        let row = format!(
            "{:<label_w$} n={:<5} {:<22} {}",
            truncate_to_width(&name.join(" · "), label_w),
            cq.answered,
            truncate_to_width(&figure, 22),
            bar(share, group_bar_w),
        );
        line(&mut y, &row, theme.text());
    }
}

/// A time as local `HH:MM` on the day of `now_ms`, else `YYYY-MM-DD
/// HH:MM`, in the view's UTC offset (so a test draws the same anywhere).
fn clock(ms: i64, live: &Live, now_ms: i64) -> String {
    let offset = jiff::tz::Offset::from_seconds((live.utc_offset_ms / 1000) as i32)
        .unwrap_or(jiff::tz::Offset::UTC);
    let tz = jiff::tz::TimeZone::fixed(offset);
    let Ok(t) = jiff::Timestamp::from_millisecond(ms) else {
        return String::new();
    };
    let zoned = t.to_zoned_datetime(tz.clone());
    let same_day = jiff::Timestamp::from_millisecond(now_ms)
        .ok()
        .map(|n| n.to_zoned_datetime(tz.clone()).date())
        == Some(zoned.date());
    if same_day {
        zoned.strftime("%H:%M").to_string()
    } else {
        zoned.strftime("%Y-%m-%d %H:%M").to_string()
    }
}
