//! The key table of each kiosk screen: which keys do what, and the hint
//! the footer shows for them. `update` looks every key up here and the view
//! draws the footer from the same rows, so a hint can never promise what a
//! key does not do (television's keymap with its help panel is the model).

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::state::item_count;
use crate::core::survey::{Lang, Question, QuestionKind};
use crate::ui::strings::Texts;

/// How long after a digit a second one may follow to make 10 and up: `1`
/// then `0` within this is 10, `1` alone is 1 once it has passed.
pub const TYPE_MS: i64 = 800;

/// Which keys a row matches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Keys {
    Code(KeyCode),
    /// `0` to `9`, without Ctrl or Alt.
    Digits,
    /// Any printable character without Ctrl, for text fields.
    Chars,
}

/// What a key asks for; `update` decides what that means for the focus.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cmd {
    /// Choose or toggle by number (the digit is the key's).
    Digit,
    /// Choose or toggle the focused item (or press the focused button).
    Toggle,
    /// Go on with the answer as it stands (or press the focused button).
    Confirm,
    Next,
    Back,
    Move(Dir),
    /// Tab (forward) and Shift-Tab.
    Cycle(bool),
    /// The next language the survey offers.
    Lang,
    /// Type the key's character into the field.
    Type,
    Edit(EditOp),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dir {
    Left,
    Right,
    Up,
    Down,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EditOp {
    Backspace,
    Delete,
    Home,
    End,
    Left,
    Right,
}

/// One row of a key table: its keys, what they do, and the footer hint
/// (keys as shown, then what they do), if the row has one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Binding {
    pub keys: Vec<Keys>,
    pub cmd: Cmd,
    pub hint: Option<(String, String)>,
}

fn row(keys: &[Keys], cmd: Cmd) -> Binding {
    Binding {
        keys: keys.to_vec(),
        cmd,
        hint: None,
    }
}

fn hinted(keys: &[Keys], cmd: Cmd, shown: &str, what: &str) -> Binding {
    Binding {
        hint: Some((shown.to_owned(), what.to_owned())),
        ..row(keys, cmd)
    }
}

/// The key that switches language on a question screen.
pub const LANG_KEY: KeyCode = KeyCode::F(2);

use Keys::{Code, Digits};

/// The numbers digits choose on a question, lowest and highest: grades
/// by their value, everything else by its 1-based place in the list.
pub fn digit_range(q: &Question) -> Option<(usize, usize)> {
    match q.kind {
        QuestionKind::Nps => Some((0, 10)),
        QuestionKind::Number { .. } | QuestionKind::Text { .. } => None,
        _ => Some((1, item_count(q))),
    }
}

/// The item a typed number stands for, if it is in range.
pub fn number_item(q: &Question, number: usize) -> Option<usize> {
    let (lo, hi) = digit_range(q)?;
    (lo..=hi).contains(&number).then(|| number - lo)
}

/// The welcome screen's table.
pub fn welcome(langs: &[Lang], t: &Texts) -> Vec<Binding> {
    let names: Vec<String> = langs
        .iter()
        .enumerate()
        .map(|(i, l)| format!("{} {}", i + 1, Texts::of(*l).language))
        .collect();
    vec![
        hinted(&[Digits], Cmd::Digit, &names.join(" · "), ""),
        hinted(&[Code(KeyCode::Enter)], Cmd::Confirm, "Enter", t.start),
        row(&[Code(KeyCode::Char(' '))], Cmd::Toggle),
        row(&[Code(KeyCode::Left)], Cmd::Move(Dir::Left)),
        row(&[Code(KeyCode::Right)], Cmd::Move(Dir::Right)),
        row(&[Code(KeyCode::Up)], Cmd::Move(Dir::Up)),
        row(&[Code(KeyCode::Down)], Cmd::Move(Dir::Down)),
        row(&[Code(KeyCode::Tab)], Cmd::Cycle(true)),
        row(&[Code(KeyCode::BackTab)], Cmd::Cycle(false)),
    ]
}

/// A question screen's table: `editing` when typed characters go into a
/// field, `langs` how many languages the survey offers.
pub fn question(q: &Question, editing: bool, langs: usize, t: &Texts) -> Vec<Binding> {
    let mut table = Vec::new();
    if editing {
        table.push(row(&[Keys::Chars], Cmd::Type));
    } else if let Some((lo, hi)) = digit_range(q) {
        let shown = if hi >= 10 {
            format!("{lo}–{hi} (1 0 = 10)")
        } else {
            format!("{lo}–{hi}")
        };
        table.push(hinted(&[Digits], Cmd::Digit, &shown, t.key_choose));
    }
    table.push(hinted(
        &[Code(KeyCode::Enter)],
        Cmd::Confirm,
        "Enter",
        t.key_next,
    ));
    table.push(row(&[Code(KeyCode::PageDown)], Cmd::Next));
    table.push(hinted(
        &[Code(KeyCode::PageUp)],
        Cmd::Back,
        "PgUp",
        t.key_back,
    ));
    if langs > 1 {
        table.push(hinted(&[Code(LANG_KEY)], Cmd::Lang, "F2", t.key_lang));
    }
    if editing {
        table.extend([
            row(&[Code(KeyCode::Backspace)], Cmd::Edit(EditOp::Backspace)),
            row(&[Code(KeyCode::Delete)], Cmd::Edit(EditOp::Delete)),
            row(&[Code(KeyCode::Home)], Cmd::Edit(EditOp::Home)),
            row(&[Code(KeyCode::End)], Cmd::Edit(EditOp::End)),
            row(&[Code(KeyCode::Left)], Cmd::Edit(EditOp::Left)),
            row(&[Code(KeyCode::Right)], Cmd::Edit(EditOp::Right)),
            row(&[Code(KeyCode::Up)], Cmd::Move(Dir::Up)),
            row(&[Code(KeyCode::Down)], Cmd::Move(Dir::Down)),
            hinted(
                &[Code(KeyCode::Tab)],
                Cmd::Cycle(true),
                "Tab",
                t.key_buttons,
            ),
        ]);
    } else {
        table.extend([
            hinted(
                &[
                    Code(KeyCode::Left),
                    Code(KeyCode::Right),
                    Code(KeyCode::Up),
                    Code(KeyCode::Down),
                ],
                Cmd::Move(Dir::Left),
                "←→↑↓",
                t.key_move,
            ),
            row(&[Code(KeyCode::Char(' '))], Cmd::Toggle),
            row(&[Code(KeyCode::Tab)], Cmd::Cycle(true)),
        ]);
    }
    table.push(row(&[Code(KeyCode::BackTab)], Cmd::Cycle(false)));
    table
}

/// What a key does by `table`, if anything. Arrows keep their direction
/// when one row holds several.
pub fn lookup(table: &[Binding], key: &KeyEvent) -> Option<Cmd> {
    let plain = !key
        .modifiers
        .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT);
    let matches = |k: &Keys| match (k, key.code) {
        (Keys::Digits, KeyCode::Char(c)) => plain && c.is_ascii_digit(),
        (Keys::Chars, KeyCode::Char(c)) => {
            !c.is_control() && !key.modifiers.contains(KeyModifiers::CONTROL)
        }
        (Keys::Code(code), _) => *code == key.code,
        _ => false,
    };
    let b = table.iter().find(|b| b.keys.iter().any(matches))?;
    Some(match (b.cmd, key.code) {
        (Cmd::Move(_), KeyCode::Left) => Cmd::Move(Dir::Left),
        (Cmd::Move(_), KeyCode::Right) => Cmd::Move(Dir::Right),
        (Cmd::Move(_), KeyCode::Up) => Cmd::Move(Dir::Up),
        (Cmd::Move(_), KeyCode::Down) => Cmd::Move(Dir::Down),
        (cmd, _) => cmd,
    })
}

/// The footer: the table's hints in order, as many whole ones as fit.
pub fn footer(table: &[Binding], room: usize) -> String {
    let mut out = String::new();
    for (keys, what) in table.iter().filter_map(|b| b.hint.as_ref()) {
        let one = if what.is_empty() {
            keys.clone()
        } else {
            format!("{keys} {what}")
        };
        let next = if out.is_empty() {
            one
        } else {
            format!("{out} · {one}")
        };
        if crate::core::sanitize::width(&next) > room {
            break;
        }
        out = next;
    }
    out
}
