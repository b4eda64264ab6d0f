//! A tap hits what was drawn there: `layout.hit` on the rects `compute`
//! returned, and the rects themselves sane at every size.

use ratatui::layout::Rect;

use super::*;

fn centre(r: Rect) -> (u16, u16) {
    (r.x + r.width / 2, r.y + r.height / 2)
}

/// The title of a screen: the survey's, the question, the prize offer or
/// the message.
fn title(l: &Layout) -> Rect {
    match l {
        Layout::TooSmall => Rect::default(),
        Layout::Welcome(_, w) => w.title.rect,
        Layout::Question(_, q) => q.title.rect,
        Layout::Prize(_, p) => p.title.rect,
        Layout::Message(_, m) => m.text.rect,
    }
}

/// Every screen a respondent sees on the every-type survey, plus the
/// demo survey's welcome and its longest choice list.
fn every_screen() -> Vec<(String, Rig)> {
    let mut out = vec![
        ("welcome".to_owned(), Rig::new(all_types(), None, true)),
        ("welcome demo".to_owned(), Rig::new(desk(), None, false)),
    ];
    let mut rig = Rig::started(Lang::Fi);
    loop {
        let snapshot = Rig {
            k: clone_kiosk(&rig.k),
            now: rig.now,
            stored_lockout: rig.stored_lockout,
        };
        out.push((rig.qid(), snapshot));
        rig.answer_plainly();
        if !matches!(rig.k.screen, Screen::Question(_)) {
            break;
        }
    }
    let mut rig = Rig::new(desk(), None, true);
    rig.tap(Target::Start);
    rig.skip_to("group");
    out.push(("desk group".to_owned(), rig));
    out
}

fn clone_kiosk(k: &Kiosk) -> Kiosk {
    let mut c = Kiosk::new(
        k.survey.clone(),
        k.version,
        Some(k.home_lang),
        k.idle_timeout_ms,
        k.pin_set,
        k.last_input_ms,
    );
    c.lang = k.lang;
    c.screen = k.screen.clone();
    c
}

#[test]
fn a_tap_at_the_centre_of_a_drawn_rect_hits_it() {
    for (name, rig) in every_screen() {
        for (w, h) in SIZES {
            let l = rig.layout(w, h);
            let targets = l.targets();
            assert!(!targets.is_empty(), "{name} {w}x{h}");
            for (target, r) in targets {
                assert!(r.width > 0 && r.height > 0, "{name} {w}x{h} {target:?}");
                let (x, y) = centre(r);
                assert_eq!(l.hit(x, y), Some(target), "{name} {w}x{h} at {x},{y}");
                // Corners too: the whole button is the target.
                assert_eq!(l.hit(r.x, r.y), Some(target), "{name} {w}x{h}");
                assert_eq!(
                    l.hit(r.right() - 1, r.bottom() - 1),
                    Some(target),
                    "{name} {w}x{h}"
                );
            }
        }
    }
}

#[test]
fn a_tap_on_an_option_does_what_the_hit_says() {
    // Hit the drawn rect of "Staff" and feed the tap in: Staff is chosen.
    for (w, h) in SIZES {
        let mut rig = Rig::started(Lang::En);
        let l = rig.layout(w, h);
        let q = rig.question_layout(w, h);
        let (_, r) = q.items().iter().find(|(i, _)| *i == 1).unwrap();
        let (x, y) = centre(*r);
        let target = l.hit(x, y).unwrap();
        rig.tap(target);
        assert!(matches!(
            rig.draft(),
            Draft::Choice {
                picked: Some(1),
                ..
            }
        ));
        let (x, y) = centre(q.next);
        rig.tap(l.hit(x, y).unwrap());
        assert_eq!(rig.qid(), "channels", "{w}x{h}");
    }
}

#[test]
fn taps_miss_outside_buttons_and_under_overlays() {
    let rig = Rig::started(Lang::En);
    let l = rig.layout(80, 24);
    let q = rig.question_layout(80, 24);
    // The progress line and the question text are not buttons.
    let (x, y) = centre(q.header);
    assert_eq!(l.hit(x, y), None);
    let (x, y) = centre(q.title.rect);
    assert_eq!(l.hit(x, y), None);
    assert_eq!(l.hit(200, 200), None);
    // Too small: nothing to hit.
    assert!(rig.layout(39, 12).hit(5, 5).is_none());
    // The countdown covers the screen: taps only say "still here".
    let mut rig = Rig::started(Lang::En);
    rig.wait(IDLE_MS - 2_000);
    let l = rig.layout(80, 24);
    assert!(l.overlay().is_some());
    assert!(rig.question_layout(80, 24).items().iter().all(|(_, r)| {
        let (x, y) = centre(*r);
        l.hit(x, y).is_none()
    }));
}

#[test]
fn drawn_rects_stay_inside_the_screen_and_never_overlap() {
    let sizes = [
        (40, 12),
        (41, 13),
        (60, 19),
        (60, 20),
        (80, 24),
        (100, 30),
        (200, 60),
        (300, 90),
    ];
    for (name, rig) in every_screen() {
        for (w, h) in sizes {
            let l = rig.layout(w, h);
            let area = Rect::new(0, 0, w, h);
            let targets = l.targets();
            for (t, r) in &targets {
                assert_eq!(r.intersection(area), *r, "{name} {w}x{h} {t:?} {r:?}");
            }
            for (i, (ta, a)) in targets.iter().enumerate() {
                for (tb, b) in &targets[i + 1..] {
                    // The field stands for item 0; it is the same target.
                    if ta != tb {
                        assert!(
                            !a.intersects(*b),
                            "{name} {w}x{h}: {ta:?} {a:?} overlaps {tb:?} {b:?}"
                        );
                    }
                }
            }
            // The text sits above the options and clear of the buttons.
            for (t, r) in &targets {
                if matches!(t, Target::Item(_)) {
                    assert!(!r.intersects(title(&l)), "{name} {w}x{h} {t:?}");
                }
            }
        }
    }
}

#[test]
fn every_option_of_a_long_list_can_be_reached_at_the_smallest_size() {
    let mut rig = Rig::new(desk(), Some(Lang::Fi), true);
    rig.tap(Target::Start);
    rig.skip_to("group");
    // Moving down scrolls the list so the focused option is drawn.
    for i in 0..5 {
        let items = rig.question_layout(40, 12).items().to_vec();
        assert!(
            items.iter().any(|(j, _)| *j == i),
            "option {i} is not drawn: {items:?}"
        );
        rig.press(crossterm::event::KeyCode::Down);
    }
}

/// Every screen of [`every_screen`], plus the prize form, the screens
/// after the last question, and the two overlays.
fn every_screen_and_more() -> Vec<(String, Rig)> {
    let mut out = every_screen();
    out.push(("prize form".to_owned(), super::prize::on_the_form()));
    let mut rig = Rig::new(desk(), Some(Lang::En), true);
    rig.tap(Target::Start);
    rig.finish();
    out.push(("saving".to_owned(), rig));
    for (name, reply) in [("thanks", Ok(())), ("failed", Err("disk full".to_owned()))] {
        let mut rig = Rig::new(desk(), Some(Lang::En), true);
        rig.tap(Target::Start);
        rig.finish();
        rig.send(Msg::Saved(reply));
        out.push((name.to_owned(), rig));
    }
    let mut rig = Rig::started(Lang::En);
    rig.wait(IDLE_MS - 2_000);
    out.push(("countdown".to_owned(), rig));
    let mut rig = Rig::new(desk(), Some(Lang::En), true);
    rig.send(chord());
    out.push(("pin prompt".to_owned(), rig));
    out
}

/// What a screen may be tapped on, each with a text its button shows.
fn allowed(rig: &Rig, target: Target) -> Option<String> {
    let k = &rig.k;
    let t = crate::ui::strings::Texts::of(k.lang);
    if k.pin.is_some() || k.counting_down(rig.now).is_some() {
        return None;
    }
    match (&k.screen, target) {
        (Screen::Welcome { .. }, Target::Lang(l)) if k.survey.languages.contains(&l) => {
            Some(crate::ui::strings::Texts::of(l).language.to_owned())
        }
        (Screen::Welcome { .. }, Target::Start) => Some(t.start.to_owned()),
        (Screen::Question(_), Target::Lang(l)) if l != k.lang => {
            Some(crate::ui::strings::Texts::of(l).language.to_owned())
        }
        (Screen::Question(_), Target::Back) => Some(t.back.to_owned()),
        (Screen::Question(_), Target::Next) => Some(t.next.to_owned()),
        (Screen::Question(a), Target::Item(i)) => {
            let q = a.question(&k.survey)?;
            if i >= crate::ui::kiosk::state::item_count(q) {
                return None;
            }
            Some(match q.kind {
                QuestionKind::Number { .. } | QuestionKind::Text { .. } => "┌".to_owned(),
                QuestionKind::Rating { .. } => (i + 1).to_string(),
                QuestionKind::Nps => i.to_string(),
                QuestionKind::YesNo => [t.yes, t.no][i].to_owned(),
                _ => format!("{} ", i + 1),
            })
        }
        (Screen::Prize(form), Target::Item(i)) => {
            let (field, _) = form.fields.get(i)?;
            Some(t.contact[*field as usize].to_owned())
        }
        (Screen::Prize(_), Target::Back) => Some(t.prize_skip.to_owned()),
        // Join's label may be cut at the smallest size; its first word shows.
        (Screen::Prize(_), Target::Next) => t.prize_join.split(' ').next().map(str::to_owned),
        _ => None,
    }
}

/// The targets a screen must offer wherever it is drawn.
fn required(rig: &Rig) -> Vec<Target> {
    let k = &rig.k;
    if k.pin.is_some() || k.counting_down(rig.now).is_some() {
        return Vec::new();
    }
    match &k.screen {
        Screen::Welcome { .. } => k
            .survey
            .languages
            .iter()
            .map(|l| Target::Lang(*l))
            .chain([Target::Start])
            .collect(),
        Screen::Question(a) => {
            let focused = match a.focus {
                crate::ui::kiosk::state::Focus::Item(i) => i,
                _ => 0,
            };
            vec![Target::Item(focused), Target::Back, Target::Next]
        }
        Screen::Prize(form) => (0..form.fields.len())
            .map(Target::Item)
            .chain([Target::Back, Target::Next])
            .collect(),
        Screen::Saving | Screen::Thanks { .. } | Screen::Failed { .. } => Vec::new(),
    }
}

#[test]
fn every_screen_can_be_tapped_exactly_on_its_drawn_buttons() {
    let sizes = [(40, 12), (60, 20), (80, 24), (120, 40), (200, 60)];
    for (name, rig) in every_screen_and_more() {
        for (w, h) in sizes {
            let l = rig.layout(w, h);
            let terminal = rig.draw(w, h);
            let buf = terminal.backend().buffer();
            // Every cell of the screen, grouped by what a tap there gives.
            let mut cells: Vec<(Target, Vec<(u16, u16)>)> = Vec::new();
            for y in 0..h {
                for x in 0..w {
                    let Some(target) = l.hit(x, y) else { continue };
                    match cells.iter_mut().find(|(t, _)| *t == target) {
                        Some((_, at)) => at.push((x, y)),
                        None => cells.push((target, vec![(x, y)])),
                    }
                }
            }
            for target in required(&rig) {
                assert!(
                    cells.iter().any(|(t, _)| *t == target),
                    "{name} {w}x{h}: {target:?} cannot be tapped"
                );
            }
            for (target, at) in &cells {
                let label = allowed(&rig, *target).unwrap_or_else(|| {
                    panic!("{name} {w}x{h}: a tap at {:?} gives {target:?}", at[0])
                });
                // One solid rectangle, and the button's label drawn in it.
                let x0 = at.iter().map(|p| p.0).min().unwrap();
                let y0 = at.iter().map(|p| p.1).min().unwrap();
                let x1 = at.iter().map(|p| p.0).max().unwrap();
                let y1 = at.iter().map(|p| p.1).max().unwrap();
                let r = Rect::new(x0, y0, x1 - x0 + 1, y1 - y0 + 1);
                assert_eq!(at.len(), r.area() as usize, "{name} {w}x{h} {target:?}");
                let text: String = r.positions().map(|p| buf[p].symbol().to_owned()).collect();
                assert!(
                    text.contains(&label),
                    "{name} {w}x{h} {target:?}: {label:?} is not drawn in {r:?}: {text:?}"
                );
            }
        }
    }
}
