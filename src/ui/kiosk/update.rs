//! `update(kiosk, msg, now) -> effects`: every rule of the kiosk screen,
//! with no terminal, store or clock (both clocks are passed in: deadlines
//! on the monotonic one, stamps from the wall clock).

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::field::TextField;
use super::keys::{self, Cmd, Dir, EditOp, TYPE_MS};
use super::layout::Target;
use super::msg::{Effect, Msg, Now, Submission};
use super::state::{
    Answering, CONTACT_MAX_LEN, Draft, FAILED_MS, Focus, Kiosk, NUMBER_MAX_LEN, PIN_IDLE_MS,
    PinPrompt, PrizeForm, Screen, THANKS_MS, Typed, is_row, item_count,
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
    // A number typed alone is chosen when its window ends.
    let texts = Texts::of(k.lang);
    let survey = k.survey.clone();
    if let Screen::Question(a) = &mut k.screen
        && a.typed.is_some_and(|t| now >= t.until_ms)
    {
        settle_typed(a, &survey, texts);
    }
    let held = k.held.is_some();
    match &k.screen {
        Screen::Thanks { until_ms } | Screen::Failed { until_ms } if now >= *until_ms => {
            reset(k);
            Vec::new()
        }
        Screen::Question(_) | Screen::Prize(_) | Screen::Welcome { .. }
            if (held || !matches!(k.screen, Screen::Welcome { .. }))
                && k.idle_left_ms(now).is_some_and(|left| left <= 0) =>
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
    k.held = None;
}

/// The answers so far as a partial response, if there are any.
fn partial(k: &mut Kiosk) -> Vec<Effect> {
    let survey = k.survey.clone();
    let a = match (&mut k.screen, k.held.as_mut()) {
        (Screen::Question(a), _) => a,
        (Screen::Welcome { .. }, Some(held)) => held,
        _ => return Vec::new(),
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
            let table = keys::welcome(&langs, Texts::of(k.lang));
            match input {
                Msg::Tap(Target::Lang(lang)) => return choose_lang(k, lang, wall_ms),
                Msg::Tap(Target::Start) => return start_in(k, wall_ms),
                Msg::Key(key) => match keys::lookup(&table, &key) {
                    Some(Cmd::Move(Dir::Left | Dir::Up) | Cmd::Cycle(false)) => {
                        *focus = focus.checked_sub(1).unwrap_or(start)
                    }
                    Some(Cmd::Move(Dir::Right | Dir::Down) | Cmd::Cycle(true)) => {
                        *focus = (*focus + 1) % (start + 1)
                    }
                    Some(Cmd::Digit) => {
                        let lang = match key.code {
                            KeyCode::Char(c @ '1'..='9') => langs.get(c as usize - '1' as usize),
                            _ => None,
                        };
                        if let Some(&lang) = lang {
                            return choose_lang(k, lang, wall_ms);
                        }
                    }
                    Some(Cmd::Confirm | Cmd::Toggle) => match langs.get(*focus) {
                        Some(&lang) => return choose_lang(k, lang, wall_ms),
                        None => return start_in(k, wall_ms),
                    },
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
        Screen::Question(_) => question_input(k, input, now),
        Screen::Prize(_) => prize_input(k, input, now),
    }
}

/// A language chosen on the welcome screen: one not on screen is shown
/// first (the welcome and the intro in it); the one on screen starts.
fn choose_lang(k: &mut Kiosk, lang: Lang, wall_ms: i64) -> Vec<Effect> {
    if lang == k.lang {
        return start_in(k, wall_ms);
    }
    k.lang = lang;
    if let Screen::Welcome { focus } = &mut k.screen {
        *focus = k
            .survey
            .languages
            .iter()
            .position(|l| *l == lang)
            .unwrap_or(0);
    }
    Vec::new()
}

/// Starts a respondent in the language on screen, or carries on with the
/// one who went back to the welcome screen; `wall_ms` is the start time
/// stored with the answers.
fn start_in(k: &mut Kiosk, wall_ms: i64) -> Vec<Effect> {
    let a = k
        .held
        .take()
        .unwrap_or_else(|| Box::new(Answering::new(&k.survey, wall_ms)));
    k.screen = Screen::Question(a);
    Vec::new()
}

/// The next language the survey offers after the one on screen.
fn next_lang(k: &Kiosk) -> Lang {
    let langs = &k.survey.languages;
    let at = langs.iter().position(|l| *l == k.lang).unwrap_or(0);
    langs
        .get((at + 1) % langs.len().max(1))
        .copied()
        .unwrap_or(k.lang)
}

fn question_input(k: &mut Kiosk, input: Msg, now: i64) -> Vec<Effect> {
    let survey = k.survey.clone();
    let texts = Texts::of(k.lang);
    let next_lang = next_lang(k);
    let langs = survey.languages.len();
    let Screen::Question(a) = &mut k.screen else {
        return Vec::new();
    };
    let Some(q) = a.walk.question(&survey) else {
        return Vec::new();
    };
    let table = keys::question(q, a.editing(q), langs, texts);
    let cmd = match &input {
        Msg::Key(key) => keys::lookup(&table, key),
        _ => None,
    };
    // Anything but another digit settles a number typed so far first.
    if cmd != Some(Cmd::Digit) {
        settle_typed(a, &survey, texts);
    }
    let n = item_count(q);
    let row = is_row(q);
    let editing = a.editing(q);
    let single_and_empty = a.draft(&survey).is_some_and(Draft::single_and_empty);

    let action = match input {
        Msg::Tap(Target::Item(i)) => {
            a.focus = Focus::Item(i);
            Action::Activate(i)
        }
        Msg::Tap(Target::Back) => Action::Back,
        Msg::Tap(Target::Next) => Action::Next,
        Msg::Tap(Target::Lang(lang)) => Action::Lang(lang),
        Msg::Paste(text) if editing => Action::Type(text),
        // Ctrl and Alt keys on a text field are its editing commands
        // (or nothing), never typed.
        Msg::Key(key) if editing && TextField::is_command(&key) => Action::Command(key),
        Msg::Key(key) => match cmd {
            Some(Cmd::Digit) => match key.code {
                KeyCode::Char(c) => Action::Digit(c as usize - '0' as usize),
                _ => Action::None,
            },
            Some(Cmd::Type) => match key.code {
                KeyCode::Char(c) => Action::Type(c.to_string()),
                _ => Action::None,
            },
            Some(Cmd::Lang) => Action::Lang(next_lang),
            Some(cmd) => key_action(cmd, a.focus, n, row, editing, single_and_empty, q),
            None => Action::None,
        },
        _ => Action::None,
    };
    let mut effects = Vec::new();
    match action {
        Action::None => {}
        Action::Focus(f) => a.focus = f,
        Action::Type(text) => edit(a, q, |field, max| field.insert(&text, max)),
        Action::Edit(op) => edit(a, q, |field, _| match op {
            EditOp::Backspace => field.backspace(),
            EditOp::Delete => field.delete(),
            EditOp::Home => field.home(),
            EditOp::End => field.end(),
            EditOp::Left => field.left(),
            EditOp::Right => field.right(),
        }),
        Action::Digit(d) => type_digit(a, q, d, now, texts),
        Action::Command(key) => edit(a, q, |field, _| field.command(&key)),
        Action::Activate(i) => {
            // Choosing by number also moves the focus there.
            a.focus = Focus::Item(i);
            activate(a, q, i, texts);
        }
        Action::ActivateAndNext(i) => {
            activate(a, q, i, texts);
            if a.notice.is_none() {
                effects = next(k);
            }
        }
        Action::Lang(lang) => {
            a.notice = None;
            k.lang = lang;
        }
        Action::Back => {
            let _ = commit_draft(a, &survey);
            if a.walk.back(&survey) {
                a.arrive(&survey);
            } else {
                // Back on the first question: the welcome screen, with
                // the answers kept for Start.
                let focus = survey
                    .languages
                    .iter()
                    .position(|l| *l == k.lang)
                    .unwrap_or(0);
                if let Screen::Question(a) =
                    std::mem::replace(&mut k.screen, Screen::Welcome { focus })
                {
                    k.held = Some(a);
                }
            }
        }
        Action::Next => effects = next(k),
    }
    effects
}

/// What an input does on a question screen.
enum Action {
    None,
    Focus(Focus),
    Type(String),
    Edit(EditOp),
    Digit(usize),
    /// A Ctrl or Alt key for the field's own editing commands.
    Command(KeyEvent),
    Activate(usize),
    ActivateAndNext(usize),
    Lang(Lang),
    Back,
    Next,
}

/// What a command from the key table means where the focus is.
fn key_action(
    cmd: Cmd,
    focus: Focus,
    n: usize,
    row: bool,
    editing: bool,
    single_and_empty: bool,
    q: &crate::core::survey::Question,
) -> Action {
    let last = n.saturating_sub(1);
    match (cmd, focus) {
        (Cmd::Next, _) => Action::Next,
        (Cmd::Back, _) => Action::Back,
        (Cmd::Cycle(true), Focus::Item(_)) => Action::Focus(Focus::Next),
        (Cmd::Cycle(true), Focus::Next) => Action::Focus(Focus::Back),
        (Cmd::Cycle(true), Focus::Back) | (Cmd::Cycle(false), Focus::Next) => {
            Action::Focus(Focus::Item(0))
        }
        (Cmd::Cycle(false), Focus::Item(_)) => Action::Focus(Focus::Back),
        (Cmd::Cycle(false), Focus::Back) => Action::Focus(Focus::Next),
        (Cmd::Edit(op), Focus::Item(_)) => Action::Edit(op),
        // Moving between items and the two buttons.
        (Cmd::Move(Dir::Left), Focus::Item(i)) if row => {
            Action::Focus(Focus::Item(i.saturating_sub(1)))
        }
        (Cmd::Move(Dir::Right), Focus::Item(i)) if row => {
            Action::Focus(Focus::Item((i + 1).min(last)))
        }
        (Cmd::Move(Dir::Up), Focus::Item(i)) if !row && i > 0 => Action::Focus(Focus::Item(i - 1)),
        (Cmd::Move(Dir::Down), Focus::Item(i)) if !row && i < last => {
            Action::Focus(Focus::Item(i + 1))
        }
        (Cmd::Move(Dir::Down), Focus::Item(_)) => Action::Focus(Focus::Next),
        (Cmd::Move(Dir::Up), Focus::Back | Focus::Next) => {
            Action::Focus(Focus::Item(if row { 0 } else { last }))
        }
        (Cmd::Move(Dir::Left | Dir::Right), Focus::Back) => Action::Focus(Focus::Next),
        (Cmd::Move(Dir::Left | Dir::Right), Focus::Next) => Action::Focus(Focus::Back),
        (Cmd::Confirm | Cmd::Toggle, Focus::Back) => Action::Back,
        (Cmd::Confirm | Cmd::Toggle, Focus::Next) => Action::Next,
        (Cmd::Toggle, Focus::Item(i)) => Action::Activate(i),
        // Enter never changes an answer: it goes on with the answer as it
        // stands. Only with nothing chosen on a single-answer question
        // does it choose the focused item ("Other" then takes its text).
        (Cmd::Confirm, Focus::Item(i)) if single_and_empty && !editing => {
            if is_other(q, i) {
                Action::Activate(i)
            } else {
                Action::ActivateAndNext(i)
            }
        }
        (Cmd::Confirm, Focus::Item(_)) => Action::Next,
        _ => Action::None,
    }
}

fn is_other(q: &crate::core::survey::Question, i: usize) -> bool {
    q.kind.has_other() && i == q.kind.options().len()
}

/// A digit on a question: it extends a number typed within the window,
/// waits when another digit could still follow (`1` on a 0–10 scale),
/// and chooses otherwise. Out of range says the range.
fn type_digit(
    a: &mut Answering,
    q: &crate::core::survey::Question,
    digit: usize,
    now: i64,
    texts: &Texts,
) {
    let Some((lo, hi)) = keys::digit_range(q) else {
        return;
    };
    let number = match a.typed.take() {
        Some(t) if now < t.until_ms => t.number * 10 + digit,
        Some(t) => {
            choose_number(a, q, t.number, texts);
            digit
        }
        None => digit,
    };
    if !(lo..=hi).contains(&number) {
        a.notice = Some(texts.between(lo as i64, hi as i64));
        return;
    }
    if number > 0 && number * 10 <= hi {
        a.notice = None;
        a.typed = Some(Typed {
            number,
            until_ms: now + TYPE_MS,
        });
        return;
    }
    choose_number(a, q, number, texts);
}

fn choose_number(a: &mut Answering, q: &crate::core::survey::Question, number: usize, t: &Texts) {
    if let Some(i) = keys::number_item(q, number) {
        a.focus = Focus::Item(i);
        activate(a, q, i, t);
    }
}

/// Chooses the number typed so far, if any.
fn settle_typed(a: &mut Answering, survey: &crate::core::survey::Survey, t: &Texts) {
    let Some(typed) = a.typed.take() else {
        return;
    };
    if let Some(q) = a.walk.question(survey) {
        choose_number(a, q, typed.number, t);
    }
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
