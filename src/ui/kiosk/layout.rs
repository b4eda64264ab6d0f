//! `compute(area, kiosk)` → the rectangles of the screen on show: one
//! [`Layout`] arm per [`Screen`], each split with ratatui's layout helpers.
//! The view draws a screen from its own arm, and the loop keeps the last
//! layout to turn a click into a [`Target`]; an arm holds only the rects
//! its screen draws, so what is tapped is always what was drawn (a welcome
//! has no Back to hit, a message screen nothing at all).

use std::iter::{once, repeat_n};

use ratatui::layout::Constraint::{Fill, Length};
use ratatui::layout::{Flex, Layout as Split, Margin, Position, Rect};

use super::state::{Answering, Focus, Kiosk, Screen, is_row, item_count};
use crate::core::sanitize::width;
use crate::core::survey::{Lang, Question, QuestionKind};
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

/// Where everything goes on one frame: an arm per [`Screen`], so a screen
/// has exactly the rects it draws and can be tapped in.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Layout {
    /// Below [`MIN_WIDTH`] × [`MIN_HEIGHT`]: only a request to enlarge.
    #[default]
    TooSmall,
    Welcome(Chrome, WelcomeLayout),
    Question(Chrome, QuestionLayout),
    Prize(Chrome, PrizeLayout),
    /// Saving, thanks or failed: one centred message, nothing to tap.
    Message(Chrome, MessageLayout),
}

/// What any screen may have besides its own parts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Chrome {
    /// The demo-mode banner on the top row.
    pub banner: Option<Rect>,
    /// The idle countdown or the PIN prompt; nothing under it is tapped.
    pub overlay: Option<Rect>,
}

/// Wrapped text and the rect it is drawn in.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Lines {
    pub rect: Rect,
    pub lines: Vec<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct WelcomeLayout {
    /// The survey's title.
    pub title: Lines,
    /// Drawn as big block text.
    pub big_title: bool,
    pub intro: Option<Lines>,
    pub langs: Vec<(Lang, Rect)>,
    pub start: Rect,
    pub footer: Option<Rect>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct QuestionLayout {
    /// Progress line ("3 / 7" and a gauge).
    pub header: Rect,
    /// The other languages, at the right of the progress line.
    pub langs: Vec<(Lang, Rect)>,
    /// The question.
    pub title: Lines,
    /// Drawn as big block text.
    pub big_title: bool,
    pub answer: Answer,
    pub notice: Rect,
    pub back: Rect,
    pub next: Rect,
    pub footer: Option<Rect>,
}

/// Where a question's answer is given.
#[derive(Clone, Debug, PartialEq)]
pub enum Answer {
    /// Options one under another, the visible ones with their index (a
    /// long list scrolls); `tall` ones are 3-row bordered boxes.
    List {
        items: Vec<(usize, Rect)>,
        tall: bool,
    },
    /// Grades side by side, and the scale's end labels under them.
    Row {
        items: Vec<(usize, Rect)>,
        labels: Option<Rect>,
    },
    /// A text or number field (tapped as item 0), and its counter or range.
    Field { field: Rect, labels: Option<Rect> },
}

/// The prize-draw form: the offer, the privacy note, one field per contact
/// detail, and Skip (left, tapped as Back) and Join (right, as Next).
#[derive(Clone, Debug, PartialEq)]
pub struct PrizeLayout {
    pub title: Lines,
    pub privacy: Lines,
    pub fields: Vec<(usize, Rect)>,
    pub notice: Rect,
    pub skip: Rect,
    pub join: Rect,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct MessageLayout {
    pub text: Lines,
    /// The thank-you, drawn as a title; saving and failed as plain text.
    pub thanks: bool,
}

impl Layout {
    /// The banner and overlay, on every screen but "too small".
    pub fn chrome(&self) -> Option<&Chrome> {
        match self {
            Layout::TooSmall => None,
            Layout::Welcome(c, _)
            | Layout::Question(c, _)
            | Layout::Prize(c, _)
            | Layout::Message(c, _) => Some(c),
        }
    }

    pub fn overlay(&self) -> Option<Rect> {
        self.chrome().and_then(|c| c.overlay)
    }

    /// Every rect of this screen a tap can hit, with what it hits; none
    /// under an overlay.
    pub fn targets(&self) -> Vec<(Target, Rect)> {
        if self.overlay().is_some() {
            return Vec::new();
        }
        let langs = |langs: &[(Lang, Rect)]| {
            langs
                .iter()
                .map(|(lang, r)| (Target::Lang(*lang), *r))
                .collect::<Vec<_>>()
        };
        let items = |items: &[(usize, Rect)]| {
            items
                .iter()
                .map(|(i, r)| (Target::Item(*i), *r))
                .collect::<Vec<_>>()
        };
        match self {
            Layout::TooSmall | Layout::Message(..) => Vec::new(),
            Layout::Welcome(_, w) => {
                let mut out = langs(&w.langs);
                out.push((Target::Start, w.start));
                out
            }
            Layout::Question(_, q) => {
                let mut out = langs(&q.langs);
                match &q.answer {
                    Answer::List { items: i, .. } | Answer::Row { items: i, .. } => {
                        out.extend(items(i));
                    }
                    Answer::Field { field, .. } => out.push((Target::Item(0), *field)),
                }
                out.push((Target::Back, q.back));
                out.push((Target::Next, q.next));
                out
            }
            Layout::Prize(_, p) => {
                let mut out = items(&p.fields);
                out.push((Target::Back, p.skip));
                out.push((Target::Next, p.join));
                out
            }
        }
    }

    /// What is at a cell, if anything.
    pub fn hit(&self, column: u16, row: u16) -> Option<Target> {
        let at = Position::new(column, row);
        self.targets()
            .into_iter()
            .find(|(_, r)| r.contains(at))
            .map(|(target, _)| target)
    }
}

impl QuestionLayout {
    /// The options or grades drawn; none for a field.
    pub fn items(&self) -> &[(usize, Rect)] {
        match &self.answer {
            Answer::List { items, .. } | Answer::Row { items, .. } => items,
            Answer::Field { .. } => &[],
        }
    }
}

/// `r` less a column or row where the room left around `width` × `height`
/// is odd, so ratatui's `Flex::Center` (which rounds the odd cell to the
/// front) leaves it after, where the kiosk has always drawn it.
fn even_spare(r: Rect, width: u16, height: u16) -> Rect {
    Rect {
        width: r.width - r.width.saturating_sub(width) % 2,
        height: r.height - r.height.saturating_sub(height) % 2,
        ..r
    }
}

/// A `width` columns wide part of `r`, centred.
fn centre_h(r: Rect, width: u16) -> Rect {
    even_spare(r, width, r.height).centered_horizontally(Length(width))
}

/// A `height` rows high part of `r`, centred.
fn centre_v(r: Rect, height: u16) -> Rect {
    even_spare(r, r.width, height).centered_vertically(Length(height))
}

/// The left `width` columns of `r`.
fn left(r: Rect, width: u16) -> Rect {
    let [left, _] = r.layout(&Split::horizontal([Length(width), Fill(1)]));
    left
}

/// `n` rects `height` rows high, one under another from the top of `r`.
fn rows_of(r: Rect, height: u16, n: usize) -> Vec<Rect> {
    r.layout_vec(&Split::vertical(repeat_n(Length(height), n)))
}

/// Buttons of the given label widths side by side, centred, `gap` apart;
/// without their padding and a column apart when they do not fit.
fn button_row(r: Rect, labels: &[usize], pad: u16, gap: u16) -> Vec<Rect> {
    let total = |pad: u16, gap: u16| {
        labels.iter().map(|w| *w as u16 + 2 * pad).sum::<u16>()
            + gap * labels.len().saturating_sub(1) as u16
    };
    let (pad, gap) = if total(pad, gap) > r.width {
        (0, 1)
    } else {
        (pad, gap)
    };
    let row = Split::horizontal(labels.iter().map(|w| Length(*w as u16 + 2 * pad)))
        .flex(Flex::Center)
        .spacing(gap);
    even_spare(r, total(pad, gap), r.height).layout_vec(&row)
}

pub fn compute(area: Rect, k: &Kiosk, theme: Theme, now_ms: i64) -> Layout {
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        return Layout::TooSmall;
    }
    let demo = !k.pin_set;
    let [banner, body] = area.layout(&Split::vertical([Length(u16::from(demo)), Fill(1)]));
    let overlay = (k.pin.is_some() || k.counting_down(now_ms).is_some()).then(|| {
        let w = (area.width - 4).min(56);
        centre_v(centre_h(area, w), 7.min(area.height - 2))
    });
    let chrome = Chrome {
        banner: demo.then_some(banner),
        overlay,
    };
    let roomy = area.height >= 20;
    // A question screen without a question, or a prize form without a
    // draw, cannot be (the survey is checked); it would draw as nothing.
    let nothing = || Layout::Message(chrome, MessageLayout::default());
    match &k.screen {
        Screen::Welcome { .. } => Layout::Welcome(chrome, welcome(body, k, theme, roomy)),
        Screen::Question(a) => {
            question(body, k, a, roomy, theme).map_or_else(nothing, |q| Layout::Question(chrome, q))
        }
        Screen::Prize(form) => prize(body, k, form.fields.len(), roomy)
            .map_or_else(nothing, |p| Layout::Prize(chrome, p)),
        Screen::Saving | Screen::Thanks { .. } | Screen::Failed { .. } => {
            Layout::Message(chrome, message(body, k))
        }
    }
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

/// Buttons are bordered boxes when there is room, `[ label ]` otherwise.
fn button_height(roomy: bool) -> u16 {
    if roomy { 3 } else { 1 }
}

fn welcome(body: Rect, k: &Kiosk, theme: Theme, roomy: bool) -> WelcomeLayout {
    let t = Texts::of(k.lang);
    let button_h = button_height(roomy);
    let footer_h = u16::from(roomy);
    let [upper, _, langs_row, _, start_row, _, footer] = body.layout(&Split::vertical([
        Fill(1),
        Length(1),
        Length(button_h),
        Length(1),
        Length(button_h),
        Length(footer_h),
        Length(footer_h),
    ]));
    let names: Vec<usize> = k
        .survey
        .languages
        .iter()
        .map(|l| width(Texts::of(*l).language))
        .collect();
    let langs = k
        .survey
        .languages
        .iter()
        .copied()
        .zip(button_row(langs_row, &names, 2, 2))
        .collect();
    let start = button_row(start_row, &[width(t.start)], 4, 2)[0];

    let inner = upper.inner(Margin::new(2, 0));
    let title = k.survey.title.get(k.lang);
    let big_lines = wrap(title, inner.width as usize / BIG_COLS);
    let big_h = big_lines.len() as u16 * BIG_ROWS;
    let big_title = theme.big_text
        && big_lines.len() <= 2
        && big_lines
            .iter()
            .all(|l| width(l) * BIG_COLS <= inner.width as usize)
        && big_h + 4 <= inner.height;
    // Big text has a row above it; plain text on a roomy screen too.
    let (lines, above, title_h) = if big_title {
        (big_lines, 1, big_h)
    } else {
        let lines = wrap_rows(title, inner.width as usize, 3);
        let h = lines.len() as u16;
        (lines, u16::from(roomy), h)
    };
    let [_, title_rect, _, intro_rect] = inner.layout(&Split::vertical([
        Length(above),
        Length(title_h),
        Length(1),
        Fill(1),
    ]));
    let intro = k.survey.intro.as_ref().map(|intro| Lines {
        lines: wrap_rows(
            intro.get(k.lang),
            intro_rect.width as usize,
            intro_rect.height as usize,
        ),
        rect: intro_rect,
    });
    WelcomeLayout {
        title: Lines {
            rect: title_rect,
            lines,
        },
        big_title,
        intro,
        langs,
        start,
        footer: roomy.then_some(footer),
    }
}

fn question(
    body: Rect,
    k: &Kiosk,
    a: &Answering,
    roomy: bool,
    theme: Theme,
) -> Option<QuestionLayout> {
    let q = a.question(&k.survey)?;
    let t = Texts::of(k.lang);
    let gap_h = u16::from(roomy);
    let [header_row, _, middle, notice, buttons, footer] = body.layout(&Split::vertical([
        Length(1),
        Length(gap_h),
        Fill(1),
        Length(1),
        Length(button_height(roomy)),
        Length(gap_h),
    ]));

    // The other languages at the right of the progress line, when they fit
    // in half of it (else only the next one; F2 switches all the same).
    let header_row = header_row.inner(Margin::new(1, 0));
    let others: Vec<Lang> = k
        .survey
        .languages
        .iter()
        .copied()
        .filter(|l| *l != k.lang)
        .collect();
    let label_w = |l: &Lang| width(Texts::of(*l).language) as u16 + 4;
    let all_w: u16 = others.iter().map(|l| label_w(l) + 1).sum();
    let half = header_row.width / 2;
    let candidates = if all_w <= half {
        others
    } else {
        others.into_iter().take(1).collect()
    };
    // Taken from the right while the progress line keeps half the row.
    let mut shown: Vec<Lang> = Vec::new();
    let mut used = 0;
    for lang in candidates.iter().rev() {
        let w = label_w(lang);
        if used + w + half > header_row.width {
            break;
        }
        shown.insert(0, *lang);
        used += w + 1;
    }
    let header_split = header_row.layout_vec(
        &Split::horizontal(once(Fill(1)).chain(shown.iter().map(|l| Length(label_w(l)))))
            .spacing(1),
    );
    let header = header_split[0];
    let langs = shown
        .into_iter()
        .zip(header_split[1..].iter().copied())
        .collect();

    // Borders or "[ ]" plus a space each side, at most half the row each.
    // Back on the first question returns to the welcome screen.
    let buttons = buttons.inner(Margin::new(1, 0));
    let back_w = (width(&back_label(t)) as u16 + 4).min(buttons.width / 2);
    let next_w = (width(&next_label(t)) as u16 + 4).min(buttons.width / 2);
    let [back, _, next] = buttons.layout(&Split::horizontal([
        Length(back_w),
        Fill(1),
        Length(next_w),
    ]));

    let middle = middle.inner(Margin::new(2, 0));
    let text = q.text.get(k.lang);
    // On a big screen the question is big text too, when it fits in three
    // lines and leaves most of the screen to the answers.
    let big_lines = wrap(text, middle.width as usize / BIG_COLS);
    let big_h = big_lines.len() as u16 * BIG_ROWS;
    let big_fits = big_lines
        .iter()
        .all(|l| width(l) * BIG_COLS <= middle.width as usize);
    let big_title = theme.big_text
        && middle.width >= 120
        && big_lines.len() <= 3
        && big_fits
        && big_h <= middle.height / 3;
    let (lines, title_h) = if big_title {
        (big_lines, big_h)
    } else {
        let max_rows = (middle.height / 3).max(2) as usize;
        let lines = wrap_rows(text, middle.width as usize, max_rows);
        let h = lines.len() as u16;
        (lines, h)
    };
    let [title, _, answer_area] =
        middle.layout(&Split::vertical([Length(title_h), Length(1), Fill(1)]));

    Some(QuestionLayout {
        header,
        langs,
        title: Lines { rect: title, lines },
        big_title,
        answer: answer(answer_area, q, a.focus),
        notice: notice.inner(Margin::new(1, 0)),
        back,
        next,
        footer: roomy.then_some(footer),
    })
}

/// The options, grades or field of a question in `body`.
fn answer(body: Rect, q: &Question, focus: Focus) -> Answer {
    let n = item_count(q);
    match &q.kind {
        QuestionKind::Number { .. } | QuestionKind::Text { .. } => {
            let text = matches!(q.kind, QuestionKind::Text { .. });
            let want = if text { 6 } else { 3 };
            let h = want.min(body.height.saturating_sub(1)).max(1);
            let w = if text { MAX_LIST_WIDTH } else { 24 };
            let has_labels = body.height > h;
            let [field, labels] =
                body.layout(&Split::vertical([Length(h), Length(u16::from(has_labels))]));
            Answer::Field {
                field: left(field, w.min(body.width)),
                labels: has_labels.then(|| left(labels, body.width.min(MAX_LIST_WIDTH))),
            }
        }
        _ if is_row(q) => {
            let has_labels = body.height >= 2;
            let cell = (body.width / n as u16).clamp(3, 12);
            // A bordered cell needs room for "10" inside its borders.
            let item_h = if body.height >= 3 + u16::from(has_labels) && cell >= 5 {
                3
            } else {
                1
            };
            let label_h = if has_labels {
                (body.height - item_h).min(2)
            } else {
                0
            };
            let [cells, labels] = body.layout(&Split::vertical([Length(item_h), Length(label_h)]));
            let total = cell * n as u16;
            let cells = even_spare(cells, total, item_h)
                .layout_vec(&Split::horizontal(repeat_n(Length(cell), n)).flex(Flex::Center));
            // As wide as the grades, or the body when the end labels need it.
            let labels = if body.width > total + 8 {
                centre_h(labels, total)
            } else {
                labels
            };
            Answer::Row {
                items: cells.into_iter().enumerate().collect(),
                labels: has_labels.then_some(labels),
            }
        }
        _ => {
            // Centred on wide screens, where a left-hugging list looks lost.
            let list_w = body.width.min(MAX_LIST_WIDTH);
            let list = if body.width > 2 * MAX_LIST_WIDTH {
                centre_h(body, list_w)
            } else {
                left(body, list_w)
            };
            let item_h = if list.height >= 3 * n as u16 { 3 } else { 1 };
            let visible = (list.height / item_h).max(1) as usize;
            let focused = match focus {
                Focus::Item(i) => i,
                _ => 0,
            };
            // Scrolled so the focused option is in view.
            let first = (focused + 1).saturating_sub(visible);
            let shown = n.min(first + visible).saturating_sub(first);
            Answer::List {
                items: (first..).zip(rows_of(list, item_h, shown)).collect(),
                tall: item_h == 3,
            }
        }
    }
}

fn prize(body: Rect, k: &Kiosk, fields: usize, roomy: bool) -> Option<PrizeLayout> {
    let draw = k.survey.prize_draw.as_ref()?;
    let t = Texts::of(k.lang);
    let [upper, notice, buttons] = body.layout(&Split::vertical([
        Fill(1),
        Length(1),
        Length(button_height(roomy)),
    ]));
    let buttons = buttons.inner(Margin::new(1, 0));
    let skip_w = (width(t.prize_skip) as u16 + 4).min(buttons.width / 2);
    // Join is the longer label: it may take what Skip leaves.
    let join_w = (width(&format!("{} ▶", t.prize_join)) as u16 + 4)
        .min(buttons.width.saturating_sub(skip_w + 1));
    let [skip, _, join] = buttons.layout(&Split::horizontal([
        Length(skip_w),
        Fill(1),
        Length(join_w),
    ]));

    let upper = upper.inner(Margin::new(2, 0));
    let title = wrap_rows(draw.text.get(k.lang), upper.width as usize, 2);
    let [title_rect, _, rest] = upper.layout(&Split::vertical([
        Length(title.len() as u16),
        Length(1),
        Fill(1),
    ]));
    // Bordered fields when they fit; the privacy note takes what is left.
    let field_h: u16 = if rest.height >= fields as u16 * 3 + 2 {
        3
    } else {
        1
    };
    let privacy_rows = rest.height.saturating_sub(field_h * fields as u16 + 1);
    let privacy = match draw.delete_after {
        Some(day) => format!(
            "{} {}",
            draw.privacy.get(k.lang),
            t.kept_until(&day.to_string())
        ),
        None => draw.privacy.get(k.lang).to_owned(),
    };
    let privacy = wrap_rows(&privacy, rest.width as usize, privacy_rows as usize);
    let [privacy_rect, _, list] = rest.layout(&Split::vertical([
        Length(privacy.len() as u16),
        Length(1),
        Fill(1),
    ]));
    let list = left(list, list.width.min(MAX_LIST_WIDTH));
    Some(PrizeLayout {
        title: Lines {
            rect: title_rect,
            lines: title,
        },
        privacy: Lines {
            rect: privacy_rect,
            lines: privacy,
        },
        fields: (0..)
            .zip(rows_of(list, field_h, fields))
            .filter(|(_, r)| !r.is_empty())
            .collect(),
        notice: notice.inner(Margin::new(1, 0)),
        skip,
        join,
    })
}

/// Saving, thanks or failed: the text centred in the screen.
fn message(body: Rect, k: &Kiosk) -> MessageLayout {
    let (text, thanks) = match k.screen {
        Screen::Saving => (Texts::of(k.lang).saving.to_owned(), false),
        Screen::Failed { .. } => (Texts::of(k.lang).failed.to_owned(), false),
        _ => (thanks_text(k), true),
    };
    let inner = body.inner(Margin::new(2, 0));
    let lines = wrap(&text, inner.width as usize);
    let h = (lines.len() as u16).min(inner.height);
    MessageLayout {
        text: Lines {
            rect: centre_v(inner, h),
            lines,
        },
        thanks,
    }
}
