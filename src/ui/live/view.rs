//! Drawing the live view into a buffer, and where each clickable thing
//! landed. Every text from the store (labels, answers) is stripped of
//! control characters before it reaches the screen.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::widgets::{Sparkline, Widget};

use super::keys::{Cmd, KEYS, Shown};
use super::state::{Live, Source};
use super::words::{headline, option_label, summary};
use crate::core::sanitize::{strip, truncate_to_width, width};
use crate::core::survey::Lang;
use crate::core::tally::{ALL, By, NO_GROUP, QuestionResult, by_text};
use crate::ui::figures::bar;
use crate::ui::fit::{fit_labels, fit_pair};
use crate::ui::strings::views::{ViewTexts, fill};
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

/// Where the clickable things are in the last frame, and how many of the
/// grouped rows there were and fit (for [`Scroll::seen`](super::scroll::Scroll::seen)).
#[derive(Clone, Debug, Default)]
pub struct Hits {
    spots: Vec<(Rect, Hit)>,
    /// Grouped rows of the question on screen, and how many fit.
    pub rows: (usize, usize),
}

impl Hits {
    pub fn at(&self, column: u16, row: u16) -> Option<Hit> {
        self.spots
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
    let t = live.words();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        let text = fill(
            t.enlarge_to,
            &[&MIN_WIDTH, &MIN_HEIGHT, &area.width, &area.height],
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
    let lang = live.survey_lang();
    let result = &live.last_result().total;
    let w = area.width as usize;

    // Header: title and where the figures come from.
    let title = fill(t.live_title, &[&strip(survey.title.get(lang), false)]);
    let (source, source_style) = match &live.source {
        Source::Own => (t.owns_store.to_owned(), theme.dim()),
        Source::Through(owner) => (fill(t.live_through, &[&strip(owner, false)]), theme.dim()),
        Source::Lost(owner) => (
            fill(t.owner_stopped, &[&strip(owner, false)]),
            theme.selected(),
        ),
    };
    title_bar(buf, area, (&title, theme.title()), (&source, source_style));

    // Counts.
    let mut counts = vec![
        ViewTexts::count(t.responses, result.responses),
        fill(t.today, &[&live.today(now_ms)]),
    ];
    if result.partial > 0 {
        let words = if result.include_partial {
            t.partial_counted
        } else {
            t.partial_left_out
        };
        counts.push(ViewTexts::count(words, result.partial));
    }
    if result.suspect > 0 {
        let words = if result.include_suspect {
            t.suspect_counted
        } else {
            t.suspect_left_out
        };
        counts.push(ViewTexts::count(words, result.suspect));
    }
    if let (Some(rate), Some(pop)) = (result.response_rate, result.population) {
        counts.push(fill(t.rate_of, &[&format!("{:.0}", rate * 100.0), &pop]));
    }
    if let Some(ms) = live.last_response_ms(now_ms) {
        counts.push(fill(t.last, &[&clock(ms, live, now_ms)]));
    }
    buf.set_string(
        area.x,
        area.y + 1,
        truncate_to_width(&counts.join(" · "), w),
        theme.text(),
    );

    // Responses per hour.
    let hours = w.min(super::state::HOURS_SHOWN);
    let per_hour = live.per_hour(now_ms, hours);
    let peak = per_hour.iter().copied().max().unwrap_or(0);
    let label = fill(t.per_hour, &[&hours, &peak]);
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

    let footer_y = area.y + area.height - 1;

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
            hits.spots.push((row, Hit::Question(i)));
        }
        panel = Rect::new(area.x + LIST_WIDTH, body_y, area.width - LIST_WIDTH, body_h);
    } else {
        let nav = format!("◀ {} / {} ▶", live.selected + 1, questions.len());
        buf.set_string(panel.x, panel.y, &nav, theme.text());
        hits.spots
            .push((Rect::new(panel.x, panel.y, 1, 1), Hit::Prev));
        hits.spots.push((
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
        let text = strip(q.text.get(lang), false);
        hits.rows = draw_question(live, qr, &text, theme, panel, buf);
    }
    footer(live, t, theme, area, &mut hits, buf);
    hits
}

/// What the view is grouped by, for its heading and footer: the
/// question's id, or the word for a terminal in the view's language.
fn by_shown(live: &Live) -> String {
    match &live.grouping().by {
        None => "-".to_owned(),
        Some(By::Question(id)) => id.clone(),
        Some(by) => by_text(&live.survey, by, live.lang.unwrap_or(Lang::En)),
    }
}

/// The footer: the key table's hints, each clickable. A hint that does
/// not fit is left out and the ones after it still get their chance.
fn footer(live: &Live, t: &ViewTexts, theme: Theme, area: Rect, hits: &mut Hits, buf: &mut Buffer) {
    let w = area.width as usize;
    let y = area.y + area.height - 1;
    let g = live.grouping();
    let by = by_shown(live);
    let period = g.period.map_or("-", |p| t.period(p));
    let mut x = area.x;
    let mut first = true;
    for b in KEYS {
        let shown = match b.shown {
            Shown::Never => false,
            Shown::Always => true,
            Shown::WhenScrollable => hits.rows.0 > hits.rows.1,
        };
        if !shown {
            continue;
        }
        let label = match b.cmd {
            Cmd::Texts if live.texts => t.key_bars.to_owned(),
            Cmd::Group => fill((b.label)(t), &[&by]),
            Cmd::Period => fill((b.label)(t), &[&period]),
            _ => (b.label)(t).to_owned(),
        };
        let text = if label.is_empty() {
            b.glyph.to_owned()
        } else {
            format!("{} {label}", b.glyph)
        };
        let gap = if first { " " } else { "  " };
        first = false;
        let cell = format!("{text}{gap}");
        if (x - area.x) as usize + width(&cell) > w {
            continue;
        }
        buf.set_string(x, y, &cell, theme.dim());
        if let Some(hit) = b.hit {
            hits.spots
                .push((Rect::new(x, y, width(&text) as u16, 1), hit));
        }
        x += width(&cell) as u16;
    }
}

/// One question: its text, key figures and bars (or its free texts),
/// then one row per group or period. Returns how many grouped rows there
/// are and how many fit.
fn draw_question(
    live: &Live,
    q: &QuestionResult,
    text: &str,
    theme: Theme,
    area: Rect,
    buf: &mut Buffer,
) -> (usize, usize) {
    let t = live.words();
    let lang = live.survey_lang();
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
    let mut figures = format!("{} · n={}", t.type_name(q.type_name()), q.answered);
    let s = summary(q, t);
    if !s.is_empty() {
        figures.push_str(" · ");
        figures.push_str(&s);
    }
    line(&mut y, &figures, theme.dim());
    let survey = &live.survey;
    let texts = q.detail.texts();
    if live.texts || (q.counts.is_empty() && !texts.is_empty()) {
        if texts.is_empty() {
            line(&mut y, t.no_texts, theme.dim());
        }
        for a in texts {
            let when = clock(a.submitted_ms, live, i64::MAX);
            line(
                &mut y,
                &format!("{when}  “{}”", strip(&a.text, false)),
                theme.text(),
            );
        }
        return (0, 0);
    }
    let label_w = (w / 3).clamp(8, 28);
    let bar_w = w.saturating_sub(label_w + 19).min(40);
    let labels: Vec<String> = q
        .counts
        .iter()
        .map(|(key, _)| option_label(survey, &q.id, key, lang))
        .collect();
    let labels = fit_labels(&labels, label_w);
    for ((key, count), label) in q.counts.iter().zip(&labels) {
        let pct = q.percent_of(key);
        let interval = q
            .intervals
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, i)| format!(" ({:.0}–{:.0})", i.low, i.high))
            .unwrap_or_default();
        let row = format!(
            "{:<label_w$} {:>5} {:>7} {}{}",
            label,
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
    let g = live.grouping();
    let cells: Vec<_> = live
        .last_result()
        .cells
        .iter()
        .filter_map(|c| c.result.question(&q.id).map(|cq| (c, cq)))
        .collect();
    if cells.is_empty() {
        return (0, 0);
    }
    let by_name = by_shown(live);
    let heading = match (&g.by, g.period) {
        (Some(_), Some(p)) => fill(t.by_and_per, &[&by_name, &t.period(p)]),
        (Some(_), None) => fill(t.by, &[&by_name]),
        (None, Some(p)) => fill(t.per, &[&t.period(p)]),
        (None, None) => String::new(),
    };
    y += 1;
    line(&mut y, &heading, theme.question());
    let margin = |s: &str| match s {
        ALL => t.all.to_owned(),
        NO_GROUP => t.no_group.to_owned(),
        s => s.to_owned(),
    };
    let groups: Vec<Option<String>> = cells
        .iter()
        .map(|(c, _)| {
            c.group.as_deref().map(|gr| match gr {
                ALL | NO_GROUP => margin(gr),
                gr => match &g.by {
                    Some(By::Question(by)) => option_label(survey, by, gr, lang),
                    _ => strip(gr, false),
                },
            })
        })
        .collect();
    let periods: Vec<Option<String>> = cells
        .iter()
        .map(|(c, _)| c.period.as_deref().map(margin))
        .collect();
    let heads: Vec<String> = groups.iter().flatten().cloned().collect();
    let names: Vec<String> = match (heads.is_empty(), periods.iter().all(Option::is_none)) {
        (false, false) => groups
            .iter()
            .zip(&periods)
            .map(|(gr, p)| {
                fit_pair(
                    gr.as_deref().unwrap_or(""),
                    &heads,
                    p.as_deref().unwrap_or(""),
                    label_w,
                )
            })
            .collect(),
        (false, true) => fit_labels(&heads, label_w),
        _ => {
            let ps: Vec<String> = periods
                .iter()
                .map(|p| p.clone().unwrap_or_default())
                .collect();
            fit_labels(&ps, label_w)
        }
    };
    // Periods run oldest first; the newest (the ones still changing) show
    // until the clerk scrolls.
    let room = bottom.saturating_sub(y) as usize;
    let total = cells.len();
    let fits = if total > room {
        room.saturating_sub(1)
    } else {
        room
    };
    let shown = live.scroll.window(total, fits);
    if total > fits {
        let status = format!(
            "{} · {}",
            fill(t.rows_of, &[&(shown.start + 1), &shown.end, &total]),
            scroll_keys()
        );
        line(&mut y, &status, theme.dim());
    }
    // The figure column is as wide as its widest figure (22 at least,
    // so the bars line up as the figures change, and 30 at most).
    let rows: Vec<(String, f64, u64)> = cells[shown.clone()]
        .iter()
        .map(|(_, cq)| {
            let (figure, share) =
                headline(cq, survey, lang, t).unwrap_or_else(|| ("-".into(), 0.0));
            (figure, share, cq.answered)
        })
        .collect();
    let figure_w = rows
        .iter()
        .map(|r| width(&r.0))
        .max()
        .unwrap_or(0)
        .clamp(22, 30);
    let group_bar_w = w.saturating_sub(label_w + 1 + 8 + figure_w + 1).min(40);
    for ((figure, share, answered), name) in rows.iter().zip(&names[shown]) {
        let row = format!(
            "{:<label_w$} n={:<5} {:<figure_w$} {}",
            name,
            answered,
            truncate_to_width(figure, figure_w),
            bar(*share, group_bar_w),
        );
        line(&mut y, &row, theme.text());
    }
    (total, fits)
}

/// The scrolling keys as the key table shows them ("↑↓ PgUp PgDn Home End").
fn scroll_keys() -> String {
    KEYS.iter()
        .filter(|b| matches!(b.cmd, Cmd::Scroll(_)) && !b.glyph.is_empty())
        .map(|b| b.glyph)
        .collect::<Vec<_>>()
        .join(" ")
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
