//! `update(kiosk, msg, now) -> effects`: every rule of the kiosk screen,
//! with no terminal, store or clock (both clocks are passed in: deadlines
//! on the monotonic one, stamps from the wall clock).

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::field::TextField;
use super::layout::Target;
use super::msg::{Effect, Msg, Now, Submission};
use super::state::{
    Answering, CONTACT_MAX_LEN, Draft, FAILED_MS, Focus, Kiosk, NUMBER_MAX_LEN, PIN_IDLE_MS,
    PinPrompt, PrizeForm, Screen, THANKS_MS, is_row, item_count,
};
use crate::core::answer::{AnswerError, OTHER_MAX_LEN};
use crate::core::flow::Step;
use crate::core::pin;
use crate::core::survey::{Lang, QuestionKind};
use crate::ui::strings::Texts;

/// The documented exit chord: Ctrl+Alt+K opens the admin PIN prompt.
pub fn is_exit_chord(key: &KeyEvent) -> bool {
    key.code == KeyCode::Char('k')
        && key
            .modifiers
            .contains(KeyModifiers::CONTROL | KeyModifiers::ALT)
}

fn is_ctrl_c(key: &KeyEvent) -> bool {
    key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL)
}

pub fn update(k: &mut Kiosk, msg: Msg, now: impl Into<Now>) -> Vec<Effect> {
    let Now {
        mono_ms: now,
        wall_ms,
    } = now.into();
    match msg {
        Msg::Tick => tick(k, now),
        Msg::Saved(result) => saved(k, result, now),
        Msg::PinChecked(result) => pin_checked(
            k,
            result,
            Now {
                mono_ms: now,
                wall_ms,
            },
        ),
        Msg::PrizeSaved(result) => prize_saved(k, result, now),
        Msg::Shutdown => {
            let mut effects = partial(k);
            effects.push(Effect::Log("shutting down on a signal".into()));
            effects.push(Effect::Quit);
            effects
        }
        Msg::Key(key) if key.kind == KeyEventKind::Release => Vec::new(),
        input => {
            let was_counting = k.counting_down(now).is_some();
            k.last_input_ms = now;
            if let Msg::Key(key) = &input
                && (is_exit_chord(key) || (!k.pin_set && is_ctrl_c(key)))
            {
                return exit_chord(k);
            }
            if k.pin.is_some() {
                return pin_input(k, input, now);
            }
            // The first touch during the countdown only says "still here".
            if was_counting {
                return Vec::new();
            }
            input_on_screen(k, input, now, wall_ms)
        }
    }
}

fn exit_chord(k: &mut Kiosk) -> Vec<Effect> {
    if !k.pin_set {
        let mut effects = partial(k);
        effects.push(Effect::Log("left the kiosk (demo mode, no PIN set)".into()));
        effects.push(Effect::Quit);
        return effects;
    }
    // An attempt being checked keeps its prompt.
    if k.pin.is_none() {
        k.pin = Some(PinPrompt::default());
    }
    Vec::new()
}

fn pin_input(k: &mut Kiosk, input: Msg, now: i64) -> Vec<Effect> {
    let Some(prompt) = k.pin.as_mut() else {
        return Vec::new();
    };
    let Msg::Key(key) = input else {
        // A tap outside the prompt closes it.
        if matches!(input, Msg::TapElsewhere) {
            k.pin = None;
        }
        return Vec::new();
    };
    // Keys wait while the store checks an attempt.
    if prompt.checking {
        return Vec::new();
    }
    let locked = k.lockout.is_locked(now);
    match key.code {
        KeyCode::Esc => k.pin = None,
        KeyCode::Backspace => {
            prompt.digits.pop();
        }
        KeyCode::Char(c)
            if !locked
                && !c.is_control()
                && !key
                    .modifiers
                    .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
                && prompt.digits.chars().count() < pin::MAX_PIN_LEN =>
        {
            prompt.digits.push(c);
            prompt.wrong = false;
        }
        KeyCode::Enter if !locked => {
            prompt.checking = true;
            return vec![Effect::CheckPin(std::mem::take(&mut prompt.digits))];
        }
        _ => {}
    }
    Vec::new()
}

/// The store's verdict on a PIN attempt: leave, or count it on screen.
fn pin_checked(k: &mut Kiosk, result: Result<pin::PinCheck, String>, now: Now) -> Vec<Effect> {
    if let Some(prompt) = k.pin.as_mut() {
        prompt.checking = false;
        prompt.digits.clear();
    }
    match result {
        Ok(pin::PinCheck::Right) | Ok(pin::PinCheck::NoPin) => {
            let mut effects = partial(k);
            effects.push(Effect::Log("left the kiosk with the admin PIN".into()));
            effects.push(Effect::Quit);
            effects
        }
        Ok(pin::PinCheck::Wrong {
            lockout,
            locked_for_ms,
        }) => {
            k.lockout = now.lockout_on_mono(lockout);
            if let Some(prompt) = k.pin.as_mut() {
                prompt.wrong = true;
            }
            let mut effects = vec![Effect::Log(format!(
                "wrong admin PIN ({} in a row)",
                lockout.failures
            ))];
            if let Some(wait) = locked_for_ms {
                effects.push(Effect::Log(format!(
                    "PIN prompt locked for {} s",
                    wait / 1000
                )));
            }
            effects
        }
        Ok(pin::PinCheck::Locked { lockout }) => {
            k.lockout = now.lockout_on_mono(lockout);
            Vec::new()
        }
        Err(e) => {
            if let Some(prompt) = k.pin.as_mut() {
                prompt.wrong = true;
            }
            vec![Effect::Log(format!("could not check the admin PIN: {e}"))]
        }
    }
}

fn tick(k: &mut Kiosk, now: i64) -> Vec<Effect> {
    // A PIN prompt left open closes by itself, for the next customer (a
    // locked one stays, to show how long the lock lasts).
    let locked = k.lockout.is_locked(now);
    let checking = k.pin.as_ref().is_some_and(|p| p.checking);
    if k.pin.is_some() && !locked && !checking && now - k.last_input_ms >= PIN_IDLE_MS {
        k.pin = None;
    }
    match &k.screen {
        Screen::Thanks { until_ms } | Screen::Failed { until_ms } if now >= *until_ms => {
            reset(k);
            Vec::new()
        }
        Screen::Question(_) | Screen::Prize(_)
            if k.idle_left_ms(now).is_some_and(|left| left <= 0) =>
        {
            let mut effects = partial(k);
            effects.push(Effect::Log(
                "idle timeout: back to the welcome screen".into(),
            ));
            reset(k);
            effects
        }
        _ => Vec::new(),
    }
}

fn saved(k: &mut Kiosk, result: Result<(), String>, now: i64) -> Vec<Effect> {
    // A partial saved on the way out (idle, signal) leaves the screen alone.
    if k.screen != Screen::Saving {
        return match result {
            Ok(()) => Vec::new(),
            Err(e) => vec![Effect::Log(format!(
                "could not save a partial response: {e}"
            ))],
        };
    }
    match result {
        Ok(()) => {
            // The prize draw is offered only now that the answers are stored.
            k.screen = match &k.survey.prize_draw {
                Some(draw) => Screen::Prize(Box::new(PrizeForm::new(&draw.fields))),
                None => Screen::Thanks {
                    until_ms: now + THANKS_MS,
                },
            };
            Vec::new()
        }
        Err(e) => {
            k.screen = Screen::Failed {
                until_ms: now + FAILED_MS,
            };
            vec![Effect::Log(format!("could not save a response: {e}"))]
        }
    }
}

/// The thank-you screen once the prize-draw entry is stored; a failure is
/// counted by the writer (logged once when it stops, never per entry) and
/// thanked for all the same (the answers are stored).
fn prize_saved(k: &mut Kiosk, _result: Result<(), String>, now: i64) -> Vec<Effect> {
    if k.screen == Screen::Saving {
        k.screen = Screen::Thanks {
            until_ms: now + THANKS_MS,
        };
    }
    Vec::new()
}

/// Back to the welcome screen in the survey's default language, with
/// nothing of the last respondent kept.
fn reset(k: &mut Kiosk) {
    k.screen = Screen::Welcome {
        focus: k.home_focus(),
    };
    k.lang = k.home_lang;
    k.pin = None;
}

/// The answers so far as a partial response, if there are any.
fn partial(k: &mut Kiosk) -> Vec<Effect> {
    let survey = k.survey.clone();
    let Screen::Question(a) = &mut k.screen else {
        return Vec::new();
    };
    // An answer still invalid on screen is left out of the partial.
    let _ = commit_draft(a, &survey);
    if !a.walk.has_answers() {
        return Vec::new();
    }
    let (answers, _) = a.walk.finish(&survey);
    if answers.is_empty() {
        return Vec::new();
    }
    vec![Effect::Submit(Submission {
        answers,
        complete: false,
        lang: k.lang,
        started_ms: a.started_ms,
    })]
}

/// Puts the draft on screen into the walk when it is a valid answer (or
/// empty), so visibility and partials see it.
fn commit_draft(
    a: &mut Answering,
    survey: &crate::core::survey::Survey,
) -> Result<(), AnswerError> {
    let Some(q) = a.walk.question(survey) else {
        return Ok(());
    };
    let Some(draft) = a.drafts.get(&q.id) else {
        return Ok(());
    };
    match draft.answer(q) {
        Ok(answer) => a.walk.set_answer(survey, answer),
        Err(e) => {
            let _ = a.walk.set_answer(survey, None);
            Err(e)
        }
    }
}

fn input_on_screen(k: &mut Kiosk, input: Msg, now: i64, wall_ms: i64) -> Vec<Effect> {
    match &mut k.screen {
        Screen::Welcome { focus } => {
            let langs = k.survey.languages.clone();
            let start = langs.len();
            match input {
                Msg::Tap(Target::Lang(lang)) => return start_in(k, lang, wall_ms),
                Msg::Tap(Target::Start) => return start_in(k, k.lang, wall_ms),
                Msg::Key(key) => match key.code {
                    KeyCode::Left | KeyCode::Up | KeyCode::BackTab => {
                        *focus = focus.checked_sub(1).unwrap_or(start)
                    }
                    KeyCode::Right | KeyCode::Down | KeyCode::Tab => {
                        *focus = (*focus + 1) % (start + 1)
                    }
                    KeyCode::Char(c @ '1'..='9') => {
                        let i = c as usize - '1' as usize;
                        if let Some(&lang) = langs.get(i) {
                            return start_in(k, lang, wall_ms);
                        }
                    }
                    KeyCode::Enter | KeyCode::Char(' ') => {
                        let lang = langs.get(*focus).copied().unwrap_or(k.lang);
                        return start_in(k, lang, wall_ms);
                    }
                    _ => {}
                },
                _ => {}
            }
            Vec::new()
        }
        Screen::Thanks { .. } | Screen::Failed { .. } => {
            if !matches!(input, Msg::Paste(_)) {
                reset(k);
            }
            Vec::new()
        }
        Screen::Saving => Vec::new(),
        Screen::Question(_) => question_input(k, input),
        Screen::Prize(_) => prize_input(k, input, now),
    }
}

/// Starts a respondent; `wall_ms` is the start time stored with the answers.
fn start_in(k: &mut Kiosk, lang: Lang, wall_ms: i64) -> Vec<Effect> {
    k.lang = lang;
    k.screen = Screen::Question(Box::new(Answering::new(&k.survey, wall_ms)));
    Vec::new()
}

fn question_input(k: &mut Kiosk, input: Msg) -> Vec<Effect> {
    let survey = k.survey.clone();
    let texts = Texts::of(k.lang);
    let Screen::Question(a) = &mut k.screen else {
        return Vec::new();
    };
    let Some(q) = a.walk.question(&survey) else {
        return Vec::new();
    };
    let n = item_count(q);
    let row = is_row(q);
    let editing = editing_field(a, q);

    let action = match input {
        Msg::Tap(Target::Item(i)) => {
            a.focus = Focus::Item(i);
            Action::Activate(i)
        }
        Msg::Tap(Target::Back) => Action::Back,
        Msg::Tap(Target::Next) => Action::Next,
        Msg::Paste(text) if editing => Action::Type(text),
        Msg::Key(key) => key_action(key, a.focus, n, row, editing, q),
        _ => Action::None,
    };
    // There is no Back button on the first question: keys move past it.
    let first = a.walk.progress(&survey).position == 1;
    let action = match action {
        Action::Focus(Focus::Back) if first => Action::Focus(match a.focus {
            Focus::Next => Focus::Item(0),
            _ => Focus::Next,
        }),
        other => other,
    };
    let mut effects = Vec::new();
    match action {
        Action::None => {}
        Action::Focus(f) => a.focus = f,
        Action::Type(text) => edit(a, q, |field, max| field.insert(&text, max)),
        Action::Edit(op) => edit(a, q, op),
        Action::Command(key) => edit(a, q, |field, _| field.command(&key)),
        Action::Activate(i) => {
            // Choosing by number also moves the focus there, so Enter next
            // confirms what was chosen.
            a.focus = Focus::Item(i);
            activate(a, q, i, texts);
        }
        Action::ActivateAndNext(i) => {
            activate(a, q, i, texts);
            if a.notice.is_none() {
                effects = next(k);
            }
        }
        Action::Back => {
            let _ = commit_draft(a, &survey);
            if a.walk.back(&survey) {
                a.arrive(&survey);
            }
        }
        Action::Next => effects = next(k),
    }
    effects
}

/// What a key does on a question screen.
enum Action {
    None,
    Focus(Focus),
    Type(String),
    Edit(fn(&mut super::field::TextField, usize)),
    /// A Ctrl or Alt key for the field's own editing commands.
    Command(KeyEvent),
    Activate(usize),
    ActivateAndNext(usize),
    Back,
    Next,
}

/// Whether typed characters go into a text field right now.
fn editing_field(a: &Answering, q: &crate::core::survey::Question) -> bool {
    let Focus::Item(i) = a.focus else {
        return false;
    };
    match a.drafts.get(&q.id) {
        Some(Draft::Number { .. } | Draft::Text { .. }) => true,
        Some(Draft::Choice {
            picked: Some(p), ..
        }) => *p == i && i == q.kind.options().len(),
        Some(Draft::Multi { picked, .. }) => i == q.kind.options().len() && picked.contains(&i),
        _ => false,
    }
}

fn key_action(
    key: KeyEvent,
    focus: Focus,
    n: usize,
    row: bool,
    editing: bool,
    q: &crate::core::survey::Question,
) -> Action {
    let single = matches!(
        q.kind,
        QuestionKind::Choice { .. }
            | QuestionKind::Rating { .. }
            | QuestionKind::Nps
            | QuestionKind::YesNo
    );
    let last = n.saturating_sub(1);
    match (key.code, focus) {
        (KeyCode::PageDown, _) => Action::Next,
        (KeyCode::PageUp, _) => Action::Back,
        (KeyCode::Tab, Focus::Item(_)) => Action::Focus(Focus::Next),
        (KeyCode::Tab, Focus::Next) => Action::Focus(Focus::Back),
        (KeyCode::Tab, Focus::Back) | (KeyCode::BackTab, Focus::Next) => {
            Action::Focus(Focus::Item(0))
        }
        (KeyCode::BackTab, Focus::Item(_)) => Action::Focus(Focus::Back),
        (KeyCode::BackTab, Focus::Back) => Action::Focus(Focus::Next),
        // Text fields take characters and their own editing keys.
        (KeyCode::Enter, Focus::Item(_)) if editing => Action::Next,
        (KeyCode::Char(_), Focus::Item(_)) if editing && TextField::is_command(&key) => {
            Action::Command(key)
        }
        (KeyCode::Char(c), Focus::Item(_)) if editing => Action::Type(c.to_string()),
        (KeyCode::Backspace, Focus::Item(_)) if editing => Action::Edit(|f, _| f.backspace()),
        (KeyCode::Delete, Focus::Item(_)) if editing => Action::Edit(|f, _| f.delete()),
        (KeyCode::Home, Focus::Item(_)) if editing => Action::Edit(|f, _| f.home()),
        (KeyCode::End, Focus::Item(_)) if editing => Action::Edit(|f, _| f.end()),
        (KeyCode::Left, Focus::Item(_)) if editing => Action::Edit(|f, _| f.left()),
        (KeyCode::Right, Focus::Item(_)) if editing => Action::Edit(|f, _| f.right()),
        // Moving between items and the two buttons.
        (KeyCode::Left, Focus::Item(i)) if row => Action::Focus(Focus::Item(i.saturating_sub(1))),
        (KeyCode::Right, Focus::Item(i)) if row => Action::Focus(Focus::Item((i + 1).min(last))),
        (KeyCode::Up, Focus::Item(i)) if !row && i > 0 => Action::Focus(Focus::Item(i - 1)),
        (KeyCode::Down, Focus::Item(i)) if !row && i < last => Action::Focus(Focus::Item(i + 1)),
        (KeyCode::Down, Focus::Item(_)) => Action::Focus(Focus::Next),
        (KeyCode::Up, Focus::Back | Focus::Next) => {
            Action::Focus(Focus::Item(if row { 0 } else { last }))
        }
        (KeyCode::Left | KeyCode::Right, Focus::Back) => Action::Focus(Focus::Next),
        (KeyCode::Left | KeyCode::Right, Focus::Next) => Action::Focus(Focus::Back),
        (KeyCode::Enter | KeyCode::Char(' '), Focus::Back) => Action::Back,
        (KeyCode::Enter | KeyCode::Char(' '), Focus::Next) => Action::Next,
        (KeyCode::Char(' '), Focus::Item(i)) => Action::Activate(i),
        (KeyCode::Enter, Focus::Item(i)) if single && !is_other(q, i) => Action::ActivateAndNext(i),
        (KeyCode::Enter, Focus::Item(i)) => Action::Activate(i),
        // Number keys choose directly.
        (KeyCode::Char(c @ '0'..='9'), _) => match digit_item(q, c as usize - '0' as usize, n) {
            Some(i) => Action::Activate(i),
            None => Action::None,
        },
        _ => Action::None,
    }
}

fn is_other(q: &crate::core::survey::Question, i: usize) -> bool {
    q.kind.has_other() && i == q.kind.options().len()
}

/// Which item a number key picks: grades by their value, everything else
/// by its 1-based place in the list.
fn digit_item(q: &crate::core::survey::Question, digit: usize, n: usize) -> Option<usize> {
    let i = match q.kind {
        QuestionKind::Nps => digit,
        QuestionKind::Number { .. } | QuestionKind::Text { .. } => return None,
        _ => digit.checked_sub(1)?,
    };
    (i < n).then_some(i)
}

fn edit(
    a: &mut Answering,
    q: &crate::core::survey::Question,
    op: impl FnOnce(&mut super::field::TextField, usize),
) {
    let max_text = match q.kind {
        QuestionKind::Text { max_len } => max_len as usize,
        _ => 0,
    };
    match a.drafts.get_mut(&q.id) {
        Some(Draft::Text { field }) => op(field, max_text),
        Some(Draft::Number { field }) => {
            op(field, NUMBER_MAX_LEN);
            // Only digits, and a minus sign first.
            let kept: String = field
                .text()
                .chars()
                .enumerate()
                .filter(|(i, c)| c.is_ascii_digit() || (*i == 0 && *c == '-'))
                .map(|(_, c)| c)
                .collect();
            if kept != field.text() {
                let cursor = field.cursor().min(kept.chars().count());
                *field = super::field::TextField::with_text(&kept);
                for _ in cursor..kept.chars().count() {
                    field.left();
                }
            }
        }
        Some(Draft::Choice { other, .. } | Draft::Multi { other, .. }) => {
            op(other, OTHER_MAX_LEN as usize)
        }
        _ => {}
    }
    a.notice = None;
}

fn activate(a: &mut Answering, q: &crate::core::survey::Question, i: usize, texts: &Texts) {
    a.notice = None;
    let Some(draft) = a.drafts.get_mut(&q.id) else {
        return;
    };
    match (draft, &q.kind) {
        (Draft::Choice { picked, .. }, _) => *picked = Some(i),
        (Draft::Multi { picked, .. }, QuestionKind::Multi { max, .. }) => {
            if picked.contains(&i) {
                picked.remove(&i);
            } else if picked.len() >= *max as usize {
                a.notice = Some(texts.choose_at_most(*max));
            } else {
                picked.insert(i);
            }
        }
        (Draft::Ranking { order }, QuestionKind::Ranking { pick, .. }) => {
            if let Some(at) = order.iter().position(|&o| o == i) {
                order.remove(at);
            } else if order.len() < *pick as usize {
                order.push(i);
            } else {
                a.notice = Some(texts.rank_exactly(*pick));
            }
        }
        (Draft::Scale { picked }, QuestionKind::Nps) => *picked = Some(i as i64),
        (Draft::Scale { picked }, _) => *picked = Some(i as i64 + 1),
        (Draft::YesNo { picked }, _) => *picked = Some(i == 0),
        _ => {}
    }
}

fn next(k: &mut Kiosk) -> Vec<Effect> {
    let survey = k.survey.clone();
    let texts = Texts::of(k.lang);
    let Screen::Question(a) = &mut k.screen else {
        return Vec::new();
    };
    if let Err(e) = commit_draft(a, &survey) {
        a.notice = Some(notice(&e, texts));
        return Vec::new();
    }
    match a.walk.next(&survey) {
        Err(e) => {
            a.notice = Some(notice(&e, texts));
            Vec::new()
        }
        Ok(Step::Question(_)) => {
            a.arrive(&survey);
            Vec::new()
        }
        Ok(Step::Finished) => {
            let (answers, complete) = a.walk.finish(&survey);
            let submission = Submission {
                answers,
                complete,
                lang: k.lang,
                started_ms: a.started_ms,
            };
            k.screen = Screen::Saving;
            vec![Effect::Submit(submission)]
        }
    }
}

/// An answer problem in the respondent's language.
fn notice(e: &AnswerError, t: &Texts) -> String {
    match e {
        AnswerError::Required => t.required.into(),
        AnswerError::TooFew { min } => t.choose_at_least(*min),
        AnswerError::TooMany { max } => t.choose_at_most(*max),
        AnswerError::WrongPickCount { pick } => t.rank_exactly(*pick),
        AnswerError::OutOfRange { min, max } => t.between(*min, *max),
        AnswerError::EmptyText => t.write_other.into(),
        _ => t.required.into(),
    }
}

/// The prize-draw form: type contact details, then join or skip. Either
/// way the respondent ends on the thank-you screen.
fn prize_input(k: &mut Kiosk, input: Msg, now: i64) -> Vec<Effect> {
    enum Do {
        Nothing,
        Join,
        Skip,
    }
    let texts = Texts::of(k.lang);
    let Screen::Prize(form) = &mut k.screen else {
        return Vec::new();
    };
    let (join, skip) = (form.join_focus(), form.skip_focus());
    let on_field = form.focus < join;
    let mut act = Do::Nothing;
    match input {
        Msg::Tap(Target::Item(i)) if i < join => form.focus = i,
        Msg::Tap(Target::Next) => act = Do::Join,
        Msg::Tap(Target::Back) => act = Do::Skip,
        Msg::Paste(text) if on_field => form.fields[form.focus].1.insert(&text, CONTACT_MAX_LEN),
        Msg::Key(key) => match key.code {
            KeyCode::Tab | KeyCode::Down => form.focus = (form.focus + 1) % (skip + 1),
            KeyCode::BackTab | KeyCode::Up => {
                form.focus = form.focus.checked_sub(1).unwrap_or(skip)
            }
            KeyCode::Left | KeyCode::Right if !on_field => {
                form.focus = if form.focus == join { skip } else { join };
            }
            KeyCode::Enter if on_field => form.focus += 1,
            KeyCode::Enter | KeyCode::Char(' ') if form.focus == join => act = Do::Join,
            KeyCode::Enter | KeyCode::Char(' ') if form.focus == skip => act = Do::Skip,
            KeyCode::Char(_) if on_field && TextField::is_command(&key) => {
                form.fields[form.focus].1.command(&key);
            }
            KeyCode::Char(c) if on_field => {
                form.fields[form.focus]
                    .1
                    .insert(&c.to_string(), CONTACT_MAX_LEN);
            }
            KeyCode::Backspace if on_field => form.fields[form.focus].1.backspace(),
            KeyCode::Delete if on_field => form.fields[form.focus].1.delete(),
            KeyCode::Left if on_field => form.fields[form.focus].1.left(),
            KeyCode::Right if on_field => form.fields[form.focus].1.right(),
            KeyCode::Home if on_field => form.fields[form.focus].1.home(),
            KeyCode::End if on_field => form.fields[form.focus].1.end(),
            _ => {}
        },
        _ => {}
    }
    match act {
        Do::Nothing => {
            form.notice = None;
            Vec::new()
        }
        Do::Skip => {
            k.screen = Screen::Thanks {
                until_ms: now + THANKS_MS,
            };
            Vec::new()
        }
        Do::Join => match contact_details(form, texts) {
            Err(notice) => {
                form.notice = Some(notice);
                Vec::new()
            }
            Ok(entries) => {
                // The confirmation waits until the entry is durable. No
                // log line: its time would sit beside the response's.
                k.screen = Screen::Saving;
                vec![Effect::PrizeEntry(entries)]
            }
        },
    }
}

/// The filled-in contact details, checked lightly: at least one, and an
/// email or phone number that looks like one.
fn contact_details(form: &PrizeForm, t: &Texts) -> Result<Vec<(String, String)>, String> {
    use crate::core::survey::ContactField;
    let mut out = Vec::new();
    for (field, text) in &form.fields {
        let value = crate::core::sanitize::clean_answer(text.text(), CONTACT_MAX_LEN, false);
        if value.is_empty() {
            continue;
        }
        let phone_ok = value.chars().filter(char::is_ascii_digit).count() >= 5
            && value
                .chars()
                .all(|c| c.is_ascii_digit() || " +-()".contains(c));
        match field {
            ContactField::Email if !(value.contains('@') && value.contains('.')) => {
                return Err(t.prize_bad_email.into());
            }
            ContactField::Phone if !phone_ok => return Err(t.prize_bad_phone.into()),
            _ => {}
        }
        out.push((field.key().to_owned(), value));
    }
    if out.is_empty() {
        return Err(t.prize_fill_one.into());
    }
    Ok(out)
}
