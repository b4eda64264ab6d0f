//! Draws the kiosk from its state and the layout: each screen from its
//! own layout arm. Reads only.

use ratatui::buffer::Buffer;
use ratatui::layout::{Alignment, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Widget};
use tui_big_text::{BigText, PixelSize};

use super::keys;
use super::layout::{
    Answer, Layout, Lines, PrizeLayout, QuestionLayout, WelcomeLayout, back_label, next_label,
};
use super::state::{Answering, Draft, Focus, Kiosk, PrizeForm, Screen};
use crate::core::sanitize::{strip, truncate_to_width, width};
use crate::core::survey::{Question, QuestionKind};
use crate::ui::strings::{TOO_SMALL, Texts};
use crate::ui::theme::Theme;
use crate::ui::wrap::wrap;

/// One frame of the kiosk.
pub struct View<'a> {
    pub kiosk: &'a Kiosk,
    pub layout: &'a Layout,
    pub theme: Theme,
    pub now_ms: i64,
}

impl Widget for &View<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        buf.set_style(area, self.theme.base());
        let Some(chrome) = self.layout.chrome() else {
            too_small(area, buf);
            return;
        };
        let k = self.kiosk;
        let t = Texts::of(k.lang);
        let th = self.theme;
        if let Some(r) = chrome.banner {
            let long = width(t.demo_banner) <= r.width as usize;
            let text = if long {
                t.demo_banner
            } else {
                t.demo_banner_short
            };
            Paragraph::new(truncate_to_width(text, r.width as usize))
                .style(th.banner())
                .alignment(Alignment::Center)
                .render(r, buf);
        }

        // The layout is computed for this frame's screen; another screen's
        // arm is never drawn.
        match (self.layout, &k.screen) {
            (Layout::Welcome(_, l), Screen::Welcome { focus }) => self.welcome(l, *focus, buf),
            (Layout::Question(_, l), Screen::Question(a)) => self.question(l, a, buf),
            (Layout::Prize(_, l), Screen::Prize(form)) => self.prize(l, form, buf),
            (Layout::Message(_, l), _) => {
                let style = if l.thanks { th.title() } else { th.question() };
                centred_lines(&l.text, style, buf);
            }
            _ => {}
        }
        if let Some(r) = chrome.overlay {
            self.overlay(r, buf);
        }
    }
}

fn too_small(area: Rect, buf: &mut Buffer) {
    // Every language, wrapped; the languages that fit are shown whole.
    let mut shown: Vec<String> = Vec::new();
    for text in TOO_SMALL {
        let lines = wrap(text, area.width as usize);
        if shown.len() + lines.len() > area.height as usize {
            break;
        }
        shown.extend(lines);
    }
    if shown.is_empty() {
        shown.push(truncate_to_width(TOO_SMALL[0], area.width as usize));
    }
    let h = (shown.len() as u16).min(area.height);
    let r = Rect::new(area.x, area.y + (area.height - h) / 2, area.width, h);
    lines(r, &shown, Style::new(), buf);
}

/// Centred lines in a rect, cut to fit.
fn lines(r: Rect, text: &[String], style: Style, buf: &mut Buffer) {
    let shown: Vec<Line> = text
        .iter()
        .take(r.height as usize)
        .map(|s| Line::from(s.clone()))
        .collect();
    Paragraph::new(shown)
        .style(style)
        .alignment(Alignment::Center)
        .render(r, buf);
}

/// Wrapped lines, centred in their rect.
fn centred_lines(l: &Lines, style: Style, buf: &mut Buffer) {
    lines(l.rect, &l.lines, style, buf);
}

/// A button's style: reverse video and underline when it has the focus.
fn button_style(th: Theme, focused: bool) -> Style {
    th.button_at(focused)
}

/// A button: a bordered box when it is 3 rows high, `[ label ]` otherwise.
fn button(r: Rect, label: &str, style: Style, buf: &mut Buffer) {
    if r.width == 0 || r.height == 0 {
        return;
    }
    if r.height >= 3 {
        let block = Block::default().borders(Borders::ALL).border_style(style);
        let inner = block.inner(r);
        block.render(r, buf);
        let label = truncate_to_width(label, inner.width as usize);
        Paragraph::new(label)
            .style(style)
            .alignment(Alignment::Center)
            .render(inner, buf);
    } else {
        let label = truncate_to_width(&format!("[ {label} ]"), r.width as usize);
        Paragraph::new(label)
            .style(style)
            .alignment(Alignment::Center)
            .render(r, buf);
    }
}

impl View<'_> {
    fn welcome(&self, l: &WelcomeLayout, focus: usize, buf: &mut Buffer) {
        let (k, th) = (self.kiosk, self.theme);
        let t = Texts::of(k.lang);
        if l.big_title {
            let text: Vec<Line> = l
                .title
                .lines
                .iter()
                .map(|s| Line::from(s.clone()))
                .collect();
            BigText::builder()
                .pixel_size(PixelSize::Quadrant)
                .style(th.title())
                .lines(text)
                .centered()
                .build()
                .render(l.title.rect, buf);
        } else {
            centred_lines(&l.title, th.title(), buf);
        }
        if let Some(intro) = &l.intro {
            centred_lines(intro, th.text(), buf);
        }
        for (i, (lang, r)) in l.langs.iter().enumerate() {
            let style = th.choice(*lang == k.lang, focus == i, th.button());
            button(*r, Texts::of(*lang).language, style, buf);
        }
        let style = button_style(th, focus == l.langs.len());
        button(l.start, &format!("{} ▶", t.start), style, buf);
        if let Some(r) = l.footer {
            // Drawn from the key table the welcome screen's keys go by.
            let table = keys::welcome(&k.survey.languages, t);
            let hint = truncate_to_width(&keys::footer(&table, usize::MAX), r.width as usize);
            Paragraph::new(hint)
                .style(th.dim())
                .alignment(Alignment::Center)
                .render(r, buf);
        }
    }

    fn question(&self, l: &QuestionLayout, a: &Answering, buf: &mut Buffer) {
        let (k, th) = (self.kiosk, self.theme);
        let t = Texts::of(k.lang);
        let Some(q) = a.question(&k.survey) else {
            return;
        };
        let Some(draft) = a.draft(&k.survey) else {
            return;
        };
        // The progress line.
        let r = l.header;
        let p = a.walk.progress(&k.survey);
        let label = format!("{} / {}  ", p.position, p.total);
        let bar_w = (r.width as usize).saturating_sub(width(&label));
        let filled = bar_w * p.position / p.total.max(1);
        let bar = format!("{}{}", "█".repeat(filled), "░".repeat(bar_w - filled));
        Paragraph::new(Line::from(vec![
            Span::styled(label, th.question()),
            Span::styled(bar, th.gauge()),
        ]))
        .render(r, buf);
        let text: Vec<Line> = l
            .title
            .lines
            .iter()
            .map(|s| Line::from(s.clone()))
            .collect();
        if l.big_title {
            BigText::builder()
                .pixel_size(PixelSize::Quadrant)
                .style(th.question())
                .lines(text)
                .build()
                .render(l.title.rect, buf);
        } else {
            Paragraph::new(text)
                .style(th.question())
                .render(l.title.rect, buf);
        }

        let (items, tall, labels): (&[(usize, Rect)], bool, Option<Rect>) = match &l.answer {
            Answer::List { items, tall } => (items, *tall, None),
            Answer::Row { items, labels } => (items, false, *labels),
            Answer::Field { field, labels } => {
                self.field(q, draft, *field, buf);
                (&[], false, *labels)
            }
        };
        for &(i, r) in items {
            self.item(q, draft, (i, r), tall, a.focus == Focus::Item(i), buf);
        }
        if let Some(r) = labels {
            self.labels(q, draft, r, buf);
        }
        // Why Next did nothing, or a hint.
        let r = l.notice;
        let (text, style) = match &a.notice {
            Some(n) => (n.clone(), th.notice()),
            // A number being typed, until it is chosen.
            None => match a.typed {
                Some(typed) => (format!("{} …", typed.number), th.dim()),
                None => (hint(q, t, r.width as usize), th.dim()),
            },
        };
        Paragraph::new(truncate_to_width(&text, r.width as usize))
            .style(style)
            .render(r, buf);
        let focus_style = |f: Focus| button_style(th, a.focus == f);
        button(l.back, &back_label(t), focus_style(Focus::Back), buf);
        button(l.next, &next_label(t), focus_style(Focus::Next), buf);
        // The other languages, tappable (F2 does the same).
        for (lang, r) in &l.langs {
            button(*r, Texts::of(*lang).language, th.button(), buf);
        }
        if let Some(r) = l.footer {
            // Drawn from the key table this screen's keys go by.
            let table = keys::question(q, a.editing(q), k.survey.languages.len(), t);
            Paragraph::new(keys::footer(&table, r.width as usize))
                .style(th.dim())
                .alignment(Alignment::Center)
                .render(r, buf);
        }
    }

    /// Option or grade `i` in `r`; a `tall` option is a bordered box.
    fn item(
        &self,
        q: &Question,
        draft: &Draft,
        (i, r): (usize, Rect),
        tall: bool,
        focused: bool,
        buf: &mut Buffer,
    ) {
        let (k, th) = (self.kiosk, self.theme);
        let t = Texts::of(k.lang);
        let options = q.kind.options();
        let label = |i: usize| -> String {
            match options.get(i) {
                Some(o) => strip(o.label.get(k.lang), false),
                None => t.other_what.to_owned(),
            }
        };
        let (text, selected) = match (draft, &q.kind) {
            (Draft::Choice { picked, other }, _) => {
                let on = *picked == Some(i);
                let mark = if on { "(•)" } else { "( )" };
                let mut s = format!("{} {mark} {}", i + 1, label(i));
                if on && i == options.len() {
                    s = format!("{s} {}▏", other.text());
                }
                (s, on)
            }
            (Draft::Multi { picked, other }, _) => {
                let on = picked.contains(&i);
                let mark = if on { "[x]" } else { "[ ]" };
                let mut s = format!("{} {mark} {}", i + 1, label(i));
                if on && i == options.len() {
                    s = format!("{s} {}▏", other.text());
                }
                (s, on)
            }
            (Draft::Ranking { order }, _) => {
                let rank = order.iter().position(|&o| o == i);
                let mark = rank.map_or_else(|| "   ".to_owned(), |r| format!("#{} ", r + 1));
                (format!("{} {mark}{}", i + 1, label(i)), rank.is_some())
            }
            (Draft::Scale { picked }, QuestionKind::Nps) => {
                (i.to_string(), *picked == Some(i as i64))
            }
            (Draft::Scale { picked }, _) => ((i + 1).to_string(), *picked == Some(i as i64 + 1)),
            (Draft::YesNo { picked }, _) => {
                let yes = i == 0;
                (
                    if yes { t.yes } else { t.no }.to_owned(),
                    *picked == Some(yes),
                )
            }
            _ => return,
        };
        let style = th.choice(selected, focused, th.text());
        let row = matches!(
            q.kind,
            QuestionKind::Rating { .. } | QuestionKind::Nps | QuestionKind::YesNo
        );
        if row {
            if r.height >= 3 {
                button(r, &text, style, buf);
            } else {
                Paragraph::new(truncate_to_width(&text, r.width as usize))
                    .style(style)
                    .alignment(Alignment::Center)
                    .render(r, buf);
            }
            return;
        }
        let marker = if focused { "▶ " } else { "  " };
        let inner = if tall {
            let block = Block::default().borders(Borders::ALL).border_style(style);
            let inner = block.inner(r);
            block.render(r, buf);
            inner
        } else {
            r
        };
        let shown = truncate_to_width(&format!("{marker}{text}"), inner.width as usize);
        Paragraph::new(shown).style(style).render(inner, buf);
    }

    fn field(&self, q: &Question, draft: &Draft, r: Rect, buf: &mut Buffer) {
        let th = self.theme;
        let (Draft::Text { field } | Draft::Number { field }) = draft else {
            return;
        };
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(th.focused());
        let inner = block.inner(r);
        block.render(r, buf);
        let t = Texts::of(self.kiosk.lang);
        if field.is_empty() {
            let placeholder = if matches!(q.kind, QuestionKind::Number { .. }) {
                t.number_hint
            } else {
                t.type_here
            };
            Paragraph::new(Line::from(vec![
                Span::styled("▏", th.focused()),
                Span::styled(placeholder, th.dim()),
            ]))
            .render(inner, buf);
            return;
        }
        // The text with a block cursor, wrapped; the last lines stay in view.
        let chars: Vec<char> = field.text().chars().collect();
        let before: String = chars[..field.cursor()].iter().collect();
        let at: String = chars
            .get(field.cursor())
            .map_or(" ".to_owned(), char::to_string);
        let after: String = chars
            .get(field.cursor() + 1..)
            .map_or(String::new(), |c| c.iter().collect());
        let wrapped = wrap(&format!("{before}{at}{after}"), inner.width as usize);
        let cursor_line = wrap(&before, inner.width as usize).len().saturating_sub(1);
        // The window ends at the cursor's line, so the cursor is always in view.
        let skip = (cursor_line + 1).saturating_sub(inner.height as usize);
        let shown: Vec<Line> = wrapped
            .iter()
            .enumerate()
            .skip(skip)
            .map(|(n, s)| {
                if n == cursor_line && cursor_line >= skip {
                    cursor_in(s, &before, inner.width as usize, th)
                } else {
                    Line::from(s.clone())
                }
            })
            .collect();
        Paragraph::new(shown).render(inner, buf);
    }

    fn labels(&self, q: &Question, draft: &Draft, r: Rect, buf: &mut Buffer) {
        let (k, th) = (self.kiosk, self.theme);
        let t = Texts::of(k.lang);
        let (low, high) = match &q.kind {
            QuestionKind::Rating { low, high, .. } => (
                low.as_ref()
                    .map(|l| l.get(k.lang).to_owned())
                    .unwrap_or_default(),
                high.as_ref()
                    .map(|l| l.get(k.lang).to_owned())
                    .unwrap_or_default(),
            ),
            QuestionKind::Nps => (t.nps_low.to_owned(), t.nps_high.to_owned()),
            QuestionKind::Text { max_len } => {
                let n = match draft {
                    Draft::Text { field } => field.len(),
                    _ => 0,
                };
                (String::new(), format!("{n} / {max_len}"))
            }
            QuestionKind::Number { min, max } => match (min, max) {
                (Some(a), Some(b)) => (t.between(*a, *b), String::new()),
                _ => (String::new(), String::new()),
            },
            _ => (String::new(), String::new()),
        };
        let (low, high) = (strip(&low, false), strip(&high, false));
        let w = r.width as usize;
        let top = Rect { height: 1, ..r };
        let one_row = width(&low) + width(&high) < w || low.is_empty() || high.is_empty();
        Paragraph::new(truncate_to_width(&low, w))
            .style(th.dim())
            .render(top, buf);
        if one_row {
            let room = w.saturating_sub(width(&low) + 1);
            Paragraph::new(truncate_to_width(&high, room))
                .style(th.dim())
                .alignment(Alignment::Right)
                .render(top, buf);
        } else if r.height >= 2 {
            // Too long for one row: the low end above, the high end below.
            let below = Rect {
                y: r.y + 1,
                height: 1,
                ..r
            };
            Paragraph::new(truncate_to_width(&high, w))
                .style(th.dim())
                .alignment(Alignment::Right)
                .render(below, buf);
        }
    }

    fn prize(&self, l: &PrizeLayout, form: &PrizeForm, buf: &mut Buffer) {
        let (k, th) = (self.kiosk, self.theme);
        let t = Texts::of(k.lang);
        centred_lines(&l.title, th.title(), buf);
        let privacy: Vec<Line> = l
            .privacy
            .lines
            .iter()
            .map(|s| Line::from(s.clone()))
            .collect();
        Paragraph::new(privacy)
            .style(th.dim())
            .render(l.privacy.rect, buf);
        for &(i, r) in &l.fields {
            let Some((field, text)) = form.fields.get(i) else {
                continue;
            };
            let label = t.contact[*field as usize];
            let focused = form.focus == i;
            let style = if focused { th.focused() } else { th.text() };
            let value = if focused {
                format!("{}▏", text.text())
            } else {
                text.text().to_owned()
            };
            if r.height >= 3 {
                let block = Block::default()
                    .borders(Borders::ALL)
                    .border_style(style)
                    .title(format!(" {label} "));
                let inner = block.inner(r);
                block.render(r, buf);
                Paragraph::new(truncate_to_width(&value, inner.width as usize)).render(inner, buf);
            } else {
                let marker = if focused { "▶ " } else { "  " };
                let line = format!("{marker}{label}: {value}");
                Paragraph::new(truncate_to_width(&line, r.width as usize))
                    .style(style)
                    .render(r, buf);
            }
        }
        if let Some(notice) = &form.notice {
            Paragraph::new(truncate_to_width(notice, l.notice.width as usize))
                .style(th.notice())
                .render(l.notice, buf);
        }
        let style = |f: usize| button_style(th, form.focus == f);
        button(l.skip, t.prize_skip, style(form.skip_focus()), buf);
        button(
            l.join,
            &format!("{} ▶", t.prize_join),
            style(form.join_focus()),
            buf,
        );
    }

    fn overlay(&self, r: Rect, buf: &mut Buffer) {
        let (k, th) = (self.kiosk, self.theme);
        let t = Texts::of(k.lang);
        Clear.render(r, buf);
        let block = Block::default()
            .borders(Borders::ALL)
            .style(th.base())
            .border_style(th.notice());
        let inner = block.inner(r);
        block.render(r, buf);
        let text: Vec<String> = if let Some(prompt) = &k.pin {
            let locked = k.lockout.until_ms.filter(|u| *u > self.now_ms);
            let status = match locked {
                Some(until) => t.locked_for(((until - self.now_ms + 999) / 1000) as u64),
                None if prompt.wrong => t.pin_wrong.to_owned(),
                None => String::new(),
            };
            vec![
                t.pin_prompt.to_owned(),
                "•".repeat(prompt.digits.chars().count()) + "▏",
                status,
            ]
        } else {
            let left = k.counting_down(self.now_ms).unwrap_or(0).max(0);
            let secs = ((left + 999) / 1000) as u64;
            vec![
                t.still_there.to_owned(),
                secs.to_string(),
                t.touch_to_continue.to_owned(),
            ]
        };
        let wrapped: Vec<String> = text
            .iter()
            .flat_map(|s| wrap(s, inner.width as usize))
            .collect();
        lines(inner, &wrapped, th.question(), buf);
    }
}

/// One wrapped line with the cursor cell in reverse video.
fn cursor_in(line: &str, before: &str, max: usize, th: Theme) -> Line<'static> {
    let last = wrap(before, max).pop().unwrap_or_default();
    let col = if line.starts_with(&last) {
        last.chars().count()
    } else {
        0
    };
    let chars: Vec<char> = line.chars().collect();
    let head: String = chars.iter().take(col).collect();
    let at: String = chars.get(col).map_or(" ".to_owned(), char::to_string);
    let tail: String = chars.iter().skip(col + 1).collect();
    Line::from(vec![
        Span::raw(head),
        Span::styled(at, th.selected()),
        Span::raw(tail),
    ])
}

/// What a question's notice line says when there is no problem; a short
/// form when the long one does not fit.
fn hint(q: &Question, t: &Texts, room: usize) -> String {
    match &q.kind {
        QuestionKind::Multi { min, max, .. } if min == max => t.choose_at_least(*min),
        QuestionKind::Multi { max, .. } => t.choose_at_most(*max),
        QuestionKind::Ranking { pick, .. } if width(t.rank_hint) > room => t.rank_exactly(*pick),
        QuestionKind::Ranking { .. } => t.rank_hint.to_owned(),
        _ => String::new(),
    }
}
