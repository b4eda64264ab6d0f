//! `compute(area, kiosk)` → named rectangles. The view draws into them and
//! the loop keeps the last one to turn a click into a [`Target`], so what
//! is tapped is always what was drawn.

use ratatui::layout::Rect;

use super::state::{Focus, Kiosk, Screen, is_row, item_count};
use crate::core::sanitize::width;
use crate::core::survey::{Lang, QuestionKind};
use crate::ui::strings::Texts;
use crate::ui::theme::Theme;
use crate::ui::wrap::{wrap, wrap_rows};

pub const MIN_WIDTH: u16 = 40;
pub const MIN_HEIGHT: u16 = 12;
/// Widest a list of options grows; wider is harder to read.
const MAX_LIST_WIDTH: u16 = 72;
/// Big title text: columns and rows per character (quadrant pixels).
const BIG_COLS: usize = 4;
const BIG_ROWS: u16 = 4;

/// What a tap or click can hit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    Lang(Lang),
    Start,
    Item(usize),
    Back,
    Next,
}

/// Where everything goes on one frame.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Layout {
    pub area: Rect,
    pub too_small: bool,
    pub banner: Option<Rect>,
    /// Progress line ("3 / 7" and a gauge).
    pub header: Option<Rect>,
    /// The survey title (welcome) or the question (question screen).
    pub title: Rect,
    pub title_lines: Vec<String>,
    /// Title drawn as big block text.
    pub big_title: bool,
    pub intro: Rect,
    pub intro_lines: Vec<String>,
    /// Visible items with their index (lists may scroll).
    pub items: Vec<(usize, Rect)>,
    /// Items are 3-row buttons with borders (there is room).
    pub tall_items: bool,
    /// End labels of a scale, or a field's counter.
    pub labels: Option<Rect>,
    pub field: Option<Rect>,
    pub notice: Option<Rect>,
    pub back: Option<Rect>,
    pub next: Option<Rect>,
    pub langs: Vec<(Lang, Rect)>,
    pub start: Option<Rect>,
    pub footer: Option<Rect>,
    /// The idle countdown or the PIN prompt.
    pub overlay: Option<Rect>,
}

impl Layout {
    /// What is at a cell, if anything.
    pub fn hit(&self, column: u16, row: u16) -> Option<Target> {
        let at = |r: &Rect| column >= r.x && column < r.right() && row >= r.y && row < r.bottom();
        if self.too_small || self.overlay.is_some() {
            return None;
        }
        if let Some((lang, _)) = self.langs.iter().find(|(_, r)| at(r)) {
            return Some(Target::Lang(*lang));
        }
        if self.start.as_ref().is_some_and(at) {
            return Some(Target::Start);
        }
        if let Some((i, _)) = self.items.iter().find(|(_, r)| at(r)) {
            return Some(Target::Item(*i));
        }
        if self.field.as_ref().is_some_and(at) {
            return Some(Target::Item(0));
        }
        if self.back.as_ref().is_some_and(at) {
            return Some(Target::Back);
        }
        if self.next.as_ref().is_some_and(at) {
            return Some(Target::Next);
        }
        None
    }
}

/// Takes rows from the top and the bottom of an area.
struct Rows {
    x: u16,
    width: u16,
    top: u16,
    bottom: u16,
}

impl Rows {
    fn new(area: Rect) -> Rows {
        Rows {
            x: area.x,
            width: area.width,
            top: area.y,
            bottom: area.bottom(),
        }
    }

    fn left(&self) -> u16 {
        self.bottom.saturating_sub(self.top)
    }

    fn take_top(&mut self, n: u16) -> Rect {
        let n = n.min(self.left());
        let r = Rect::new(self.x, self.top, self.width, n);
        self.top += n;
        r
    }

    fn take_bottom(&mut self, n: u16) -> Rect {
        let n = n.min(self.left());
        self.bottom -= n;
        Rect::new(self.x, self.bottom, self.width, n)
    }

    fn rest(&self) -> Rect {
        Rect::new(self.x, self.top, self.width, self.left())
    }
}

/// A rect inset by `dx` columns on each side.
fn inset(r: Rect, dx: u16) -> Rect {
    let dx = dx.min(r.width / 2);
    Rect::new(r.x + dx, r.y, r.width - 2 * dx, r.height)
}

/// Buttons of the given label widths side by side, centred, with gaps.
fn button_row(r: Rect, labels: &[usize], pad: u16, gap: u16) -> Vec<Rect> {
    let widths: Vec<u16> = labels.iter().map(|w| *w as u16 + 2 * pad).collect();
    let total: u16 = widths.iter().sum::<u16>() + gap * widths.len().saturating_sub(1) as u16;
    let (pad_fit, gap_fit) = if total > r.width { (0, 1) } else { (pad, gap) };
    let widths: Vec<u16> = labels
        .iter()
        .map(|w| (*w as u16 + 2 * pad_fit).min(r.width))
        .collect();
    let total: u16 = widths.iter().sum::<u16>() + gap_fit * widths.len().saturating_sub(1) as u16;
    let mut x = r.x + r.width.saturating_sub(total) / 2;
    widths
        .iter()
        .map(|w| {
            let rect = Rect::new(
                x.min(r.right()),
                r.y,
                (*w).min(r.right().saturating_sub(x)),
                r.height,
            );
            x = x.saturating_add(w + gap_fit);
            rect
        })
        .collect()
}

pub fn compute(area: Rect, k: &Kiosk, theme: Theme, now_ms: i64) -> Layout {
    let mut layout = Layout {
        area,
        ..Layout::default()
    };
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        layout.too_small = true;
        return layout;
    }
    let mut rows = Rows::new(area);
    if !k.pin_set {
        layout.banner = Some(rows.take_top(1));
    }
    let roomy = area.height >= 20;
    match &k.screen {
        Screen::Welcome { .. } => welcome(&mut layout, &mut rows, k, theme, roomy),
        Screen::Question(a) => question(&mut layout, &mut rows, k, a.focus, roomy, theme),
        Screen::Prize(form) => prize(&mut layout, &mut rows, k, form.fields.len(), roomy),
        Screen::Saving | Screen::Thanks { .. } | Screen::Failed { .. } => {
            let text = match k.screen {
                Screen::Saving => Texts::of(k.lang).saving.to_owned(),
                Screen::Failed { .. } => Texts::of(k.lang).failed.to_owned(),
                _ => thanks_text(k),
            };
            let inner = inset(rows.rest(), 2);
            layout.title_lines = wrap(&text, inner.width as usize);
            let h = (layout.title_lines.len() as u16).min(inner.height);
            layout.title = Rect::new(inner.x, inner.y + (inner.height - h) / 2, inner.width, h);
        }
    }
    if k.pin.is_some() || k.counting_down(now_ms).is_some() {
        let w = (area.width - 4).min(56);
        let h = 7.min(area.height - 2);
        layout.overlay = Some(Rect::new(
            area.x + (area.width - w) / 2,
            area.y + (area.height - h) / 2,
            w,
            h,
        ));
    }
    layout
}

/// The Back and Next buttons' labels, as drawn.
pub fn back_label(t: &Texts) -> String {
    format!("◀ {}", t.back)
}

pub fn next_label(t: &Texts) -> String {
    format!("{} ▶", t.next)
}

/// The thank-you text: the survey's own, or kioski's.
pub fn thanks_text(k: &Kiosk) -> String {
    k.survey.thanks.as_ref().map_or_else(
        || Texts::of(k.lang).thanks.to_owned(),
        |t| t.get(k.lang).to_owned(),
    )
}

fn welcome(layout: &mut Layout, rows: &mut Rows, k: &Kiosk, theme: Theme, roomy: bool) {
    let t = Texts::of(k.lang);
    if roomy {
        layout.footer = Some(rows.take_bottom(1));
        rows.take_bottom(1);
    }
    let button_h = if roomy { 3 } else { 1 };
    let start = rows.take_bottom(button_h);
    layout.start = Some(button_row(start, &[width(t.start)], 4, 2)[0]);
    rows.take_bottom(1);
    let langs_row = rows.take_bottom(button_h);
    let names: Vec<usize> = k
        .survey
        .languages
        .iter()
        .map(|l| width(Texts::of(*l).language))
        .collect();
    layout.langs = k
        .survey
        .languages
        .iter()
        .copied()
        .zip(button_row(langs_row, &names, 2, 2))
        .collect();
    rows.take_bottom(1);

    let inner = inset(rows.rest(), 2);
    let title = k.survey.title.get(k.lang);
    let big_lines = wrap(title, inner.width as usize / BIG_COLS);
    let big_h = big_lines.len() as u16 * BIG_ROWS;
    if theme.big_text
        && big_lines.len() <= 2
        && big_lines
            .iter()
            .all(|l| width(l) * BIG_COLS <= inner.width as usize)
        && big_h + 4 <= inner.height
    {
        layout.big_title = true;
        layout.title_lines = big_lines;
        layout.title = Rect::new(inner.x, rows.top + 1, inner.width, big_h);
        rows.take_top(big_h + 2);
    } else {
        layout.title_lines = wrap_rows(title, inner.width as usize, 3);
        let h = layout.title_lines.len() as u16;
        rows.take_top(u16::from(roomy));
        layout.title = Rect::new(inner.x, rows.top, inner.width, h);
        rows.take_top(h + 1);
    }
    if let Some(intro) = &k.survey.intro {
        let r = inset(rows.rest(), 2);
        layout.intro_lines = wrap_rows(intro.get(k.lang), r.width as usize, r.height as usize);
        layout.intro = r;
    }
}

fn question(
    layout: &mut Layout,
    rows: &mut Rows,
    k: &Kiosk,
    focus: Focus,
    roomy: bool,
    theme: Theme,
) {
    let Screen::Question(a) = &k.screen else {
        return;
    };
    let Some(q) = a.question(&k.survey) else {
        return;
    };
    let t = Texts::of(k.lang);
    let header = inset(rows.take_top(1), 1);
    // The other languages at the right of the progress line, when they fit
    // in half of it (else only the next one; F2 switches all the same).
    let others: Vec<Lang> = k
        .survey
        .languages
        .iter()
        .copied()
        .filter(|l| *l != k.lang)
        .collect();
    let label_w = |l: &Lang| width(Texts::of(*l).language) as u16 + 4;
    let all_w: u16 = others.iter().map(|l| label_w(l) + 1).sum();
    let shown = if all_w <= header.width / 2 {
        others
    } else {
        others.into_iter().take(1).collect()
    };
    let mut right = header.right();
    for lang in shown.iter().rev() {
        let w = label_w(lang);
        if right < header.x + w + header.width / 2 {
            break;
        }
        right -= w;
        layout
            .langs
            .insert(0, (*lang, Rect::new(right, header.y, w, 1)));
        right -= 1;
    }
    layout.header = Some(Rect::new(
        header.x,
        header.y,
        right.saturating_sub(header.x),
        1,
    ));
    if roomy {
        rows.take_top(1);
        layout.footer = Some(rows.take_bottom(1));
    }
    let button_h = if roomy { 3 } else { 1 };
    let buttons = inset(rows.take_bottom(button_h), 1);
    // Borders or "[ ]" plus a space each side. Back on the first question
    // returns to the welcome screen.
    let back_w = width(&back_label(t)) as u16 + 4;
    let next_w = width(&next_label(t)) as u16 + 4;
    layout.back = Some(Rect::new(
        buttons.x,
        buttons.y,
        back_w.min(buttons.width / 2),
        buttons.height,
    ));
    let next_w = next_w.min(buttons.width / 2);
    layout.next = Some(Rect::new(
        buttons.right() - next_w,
        buttons.y,
        next_w,
        buttons.height,
    ));
    layout.notice = Some(inset(rows.take_bottom(1), 1));

    let text_area = inset(rows.rest(), 2);
    let text = q.text.get(k.lang);
    // On a big screen the question is big text too, when it fits in three
    // lines and leaves most of the screen to the answers.
    let big_lines = wrap(text, text_area.width as usize / BIG_COLS);
    let big_h = big_lines.len() as u16 * BIG_ROWS;
    let big_fits = big_lines
        .iter()
        .all(|l| width(l) * BIG_COLS <= text_area.width as usize);
    if theme.big_text
        && text_area.width >= 120
        && big_lines.len() <= 3
        && big_fits
        && big_h <= rows.left() / 3
    {
        layout.big_title = true;
        layout.title_lines = big_lines;
        layout.title = inset(rows.take_top(big_h), 2);
    } else {
        let max_rows = (rows.left() / 3).max(2) as usize;
        layout.title_lines = wrap_rows(text, text_area.width as usize, max_rows);
        layout.title = inset(rows.take_top(layout.title_lines.len() as u16), 2);
    }
    rows.take_top(1);

    let body = inset(rows.rest(), 2);
    let n = item_count(q);
    match &q.kind {
        QuestionKind::Number { .. } | QuestionKind::Text { .. } => {
            let want = if matches!(q.kind, QuestionKind::Text { .. }) {
                6
            } else {
                3
            };
            let h = want.min(body.height.saturating_sub(1)).max(1);
            let w = if matches!(q.kind, QuestionKind::Number { .. }) {
                body.width.min(24)
            } else {
                body.width.min(MAX_LIST_WIDTH)
            };
            layout.field = Some(Rect::new(body.x, body.y, w, h));
            if body.height > h {
                let lw = body.width.min(MAX_LIST_WIDTH);
                layout.labels = Some(Rect::new(body.x, body.y + h, lw, 1));
            }
        }
        _ if is_row(q) => {
            let label_h = u16::from(body.height >= 2);
            let cell = (body.width / n as u16).clamp(3, 12);
            // A bordered cell needs room for "10" inside its borders.
            let item_h = if body.height >= 3 + label_h && cell >= 5 {
                3
            } else {
                1
            };
            layout.tall_items = item_h == 3;
            let total = cell * n as u16;
            let x0 = body.x + body.width.saturating_sub(total) / 2;
            layout.items = (0..n)
                .map(|i| (i, Rect::new(x0 + cell * i as u16, body.y, cell, item_h)))
                .collect();
            if label_h == 1 {
                // As wide as the grades, or the body when the end labels need it.
                let rows = (body.height - item_h).min(2);
                let (lx, lw) = if body.width > total + 8 {
                    (x0, total)
                } else {
                    (body.x, body.width)
                };
                layout.labels = Some(Rect::new(lx, body.y + item_h, lw, rows));
            }
        }
        _ => {
            // Centred on wide screens, where a left-hugging list looks lost.
            let list_w = body.width.min(MAX_LIST_WIDTH);
            let x = if body.width > 2 * MAX_LIST_WIDTH {
                body.x + (body.width - list_w) / 2
            } else {
                body.x
            };
            let list = Rect::new(x, body.y, list_w, body.height);
            let item_h = if list.height >= 3 * n as u16 { 3 } else { 1 };
            layout.tall_items = item_h == 3;
            let visible = (list.height / item_h).max(1) as usize;
            let focused = match focus {
                Focus::Item(i) => i,
                _ => 0,
            };
            let first = if focused >= visible {
                focused + 1 - visible
            } else {
                0
            };
            layout.items = (first..n.min(first + visible))
                .enumerate()
                .map(|(row, i)| {
                    (
                        i,
                        Rect::new(list.x, list.y + row as u16 * item_h, list.width, item_h),
                    )
                })
                .collect();
        }
    }
}

/// The prize-draw form: the offer, the privacy note, one field per contact
/// detail, and Skip (left, as Back) and Join (right, as Next).
fn prize(layout: &mut Layout, rows: &mut Rows, k: &Kiosk, fields: usize, roomy: bool) {
    let Some(draw) = &k.survey.prize_draw else {
        return;
    };
    let t = Texts::of(k.lang);
    let button_h = if roomy { 3 } else { 1 };
    let buttons = inset(rows.take_bottom(button_h), 1);
    let skip_w = (width(t.prize_skip) as u16 + 4).min(buttons.width / 2);
    // Join is the longer label: it may take what Skip leaves.
    let join_w = (width(&format!("{} ▶", t.prize_join)) as u16 + 4)
        .min(buttons.width.saturating_sub(skip_w + 1));
    layout.back = Some(Rect::new(buttons.x, buttons.y, skip_w, buttons.height));
    layout.next = Some(Rect::new(
        buttons.right() - join_w,
        buttons.y,
        join_w,
        buttons.height,
    ));
    layout.notice = Some(inset(rows.take_bottom(1), 1));

    let inner = inset(rows.rest(), 2);
    layout.title_lines = wrap_rows(draw.text.get(k.lang), inner.width as usize, 2);
    layout.title = Rect::new(
        inner.x,
        rows.top,
        inner.width,
        layout.title_lines.len() as u16,
    );
    rows.take_top(layout.title.height + 1);

    let field_h: u16 = if rows.left() >= fields as u16 * 3 + 2 {
        3
    } else {
        1
    };
    let fields_h = field_h * fields as u16;
    let privacy_rows = rows.left().saturating_sub(fields_h + 1) as usize;
    let body = inset(rows.rest(), 2);
    let privacy = match draw.delete_after {
        Some(day) => format!(
            "{} {}",
            draw.privacy.get(k.lang),
            t.kept_until(&day.to_string())
        ),
        None => draw.privacy.get(k.lang).to_owned(),
    };
    layout.intro_lines = wrap_rows(&privacy, body.width as usize, privacy_rows);
    layout.intro = Rect::new(body.x, body.y, body.width, layout.intro_lines.len() as u16);
    rows.take_top(layout.intro.height + 1);
    let list = inset(rows.rest(), 2);
    let w = list.width.min(MAX_LIST_WIDTH);
    layout.tall_items = field_h == 3;
    layout.items = (0..fields)
        .map(|i| {
            (
                i,
                Rect::new(
                    list.x,
                    list.y + i as u16 * field_h,
                    w,
                    field_h.min(list.height.saturating_sub(i as u16 * field_h)),
                ),
            )
        })
        .filter(|(_, r)| r.height > 0)
        .collect();
}
