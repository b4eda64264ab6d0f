//! Whole respondents, from the welcome screen to the submitted answers:
//! one by keys, one by taps, and the skip logic of `show_if`.

use crossterm::event::KeyCode;

use super::*;
use crate::core::answer::{Answer, Answers, Picked};
use crate::ui::kiosk::state::{Focus, THANKS_MS};

fn answers(pairs: Vec<(&str, Answer)>) -> Answers {
    pairs
        .into_iter()
        .map(|(id, a)| (id.to_owned(), a))
        .collect()
}

fn ids(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| (*s).to_owned()).collect()
}

#[test]
fn whole_journey_by_keys() {
    use KeyCode::*;
    let mut rig = Rig::new(all_types(), None, true);
    assert_eq!(rig.k.lang, Lang::Fi);
    // Welcome: move to English, Enter shows the welcome in it, Enter starts.
    assert!(rig.presses(&[Down, Enter]).is_empty());
    assert_eq!(rig.k.lang, Lang::En);
    assert!(matches!(rig.k.screen, Screen::Welcome { .. }));
    rig.press(Enter);
    assert_eq!(rig.qid(), "group");

    // Choice: arrows to "Other, what?", Enter picks it, then type.
    rig.presses(&[Down, Down, Enter]);
    assert_eq!(rig.qid(), "group", "Enter on \"other\" must not leave");
    rig.type_text("Visitorx");
    rig.press(Backspace);
    assert!(rig.press(Enter).is_empty());

    // Multi: digit 1, arrows + Space on the third, a third pick refused.
    assert_eq!(rig.qid(), "channels");
    rig.press(Char('1'));
    rig.presses(&[Down, Down, Char(' ')]);
    rig.press(Char('2'));
    assert_eq!(rig.notice().as_deref(), Some("Choose at most 2"));
    rig.press(PageDown);

    // Ranking: digits in order, Tab to Next, Enter.
    assert_eq!(rig.qid(), "priorities");
    rig.presses(&[Char('3'), Char('1'), Tab]);
    assert_eq!(rig.answering().focus, Focus::Next);
    rig.press(Enter);

    // Rating: arrows along the row, Enter chooses and goes on.
    assert_eq!(rig.qid(), "overall");
    rig.presses(&[Right, Right, Right, Enter]);

    // NPS: a digit picks the grade of that value, Enter confirms.
    assert_eq!(rig.qid(), "recommend");
    rig.presses(&[Char('9'), Enter]);

    // Yes/no: right to "no", Enter.
    assert_eq!(rig.qid(), "solved");
    rig.presses(&[Right, Enter]);

    // Number: letters are dropped; PageUp goes back and PageDown returns
    // to the same draft.
    assert_eq!(rig.qid(), "visits");
    rig.type_text("12x3");
    rig.press(Backspace);
    rig.press(PageUp);
    assert_eq!(rig.qid(), "solved");
    assert_eq!(
        rig.draft(),
        Draft::YesNo {
            picked: Some(false)
        }
    );
    rig.press(PageDown);
    assert_eq!(rig.qid(), "visits");
    match rig.draft() {
        Draft::Number { field } => assert_eq!(field.text(), "12"),
        d => panic!("{d:?}"),
    }
    rig.press(Enter);

    // Text (shown because solved == no): Home, End, Left, Delete.
    assert_eq!(rig.qid(), "why");
    rig.type_text("slow");
    rig.press(Home);
    rig.type_text("too ");
    rig.press(End);
    rig.type_text("!!");
    rig.presses(&[Backspace, Left, Delete]);
    match rig.draft() {
        Draft::Text { field } => assert_eq!((field.text(), field.cursor()), ("too slow", 8)),
        d => panic!("{d:?}"),
    }
    rig.press(Enter);

    // Shown because phone was chosen and the group is not staff.
    assert_eq!(rig.qid(), "phone_grade");
    rig.press(Char('5'));
    let effects = rig.press(Enter);

    assert_eq!(
        effects,
        [Effect::Submit(Submission {
            answers: answers(vec![
                ("group", Answer::Choice(Picked::Other("Visitor".into()))),
                (
                    "channels",
                    Answer::Multi {
                        options: ids(&["phone", "desk"]),
                        other: None
                    }
                ),
                ("priorities", Answer::Ranking(ids(&["access", "speed"]))),
                ("overall", Answer::Rating(4)),
                ("recommend", Answer::Nps(9)),
                ("solved", Answer::YesNo(false)),
                ("visits", Answer::Number(12)),
                ("why", Answer::Text("too slow".into())),
                ("phone_grade", Answer::Rating(5)),
            ]),
            complete: true,
            lang: Lang::En,
            started_ms: NOW,
        })]
    );
    assert_eq!(rig.k.screen, Screen::Saving);
    assert!(rig.send(Msg::Saved(Ok(()))).is_empty());
    assert_eq!(
        rig.k.screen,
        Screen::Thanks {
            until_ms: NOW + THANKS_MS
        }
    );
}

#[test]
fn whole_journey_by_taps() {
    let mut rig = Rig::new(all_types(), None, true);
    rig.tap(Target::Start);
    assert_eq!(rig.k.lang, Lang::Fi);

    rig.tap(Target::Item(1));
    rig.tap(Target::Next);
    rig.tap(Target::Item(0));
    rig.tap(Target::Item(1));
    rig.tap(Target::Next);
    rig.tap(Target::Item(1));
    rig.tap(Target::Item(2));
    rig.tap(Target::Next);
    rig.tap(Target::Item(0));
    rig.tap(Target::Next);
    rig.tap(Target::Item(10));
    rig.tap(Target::Next);
    rig.tap(Target::Item(0));
    rig.tap(Target::Next);
    // The number and text fields take a tap and then pasted text.
    assert_eq!(rig.qid(), "visits");
    rig.tap(Target::Item(0));
    rig.send(Msg::Paste("7".into()));
    rig.tap(Target::Next);
    assert_eq!(rig.qid(), "why", "overall 1 shows `why`");
    rig.tap(Target::Item(0));
    rig.send(Msg::Paste("Liian hidas".into()));
    // Back keeps both drafts.
    rig.tap(Target::Back);
    assert_eq!(rig.qid(), "visits");
    match rig.draft() {
        Draft::Number { field } => assert_eq!(field.text(), "7"),
        d => panic!("{d:?}"),
    }
    rig.tap(Target::Next);
    match rig.draft() {
        Draft::Text { field } => assert_eq!(field.text(), "Liian hidas"),
        d => panic!("{d:?}"),
    }
    // phone_grade is hidden for staff, so this Next finishes.
    let effects = rig.tap(Target::Next);
    assert_eq!(
        effects,
        [Effect::Submit(Submission {
            answers: answers(vec![
                ("group", Answer::Choice(Picked::Option("staff".into()))),
                (
                    "channels",
                    Answer::Multi {
                        options: ids(&["phone", "email"]),
                        other: None
                    }
                ),
                ("priorities", Answer::Ranking(ids(&["quality", "access"]))),
                ("overall", Answer::Rating(1)),
                ("recommend", Answer::Nps(10)),
                ("solved", Answer::YesNo(true)),
                ("visits", Answer::Number(7)),
                ("why", Answer::Text("Liian hidas".into())),
            ]),
            complete: true,
            lang: Lang::Fi,
            started_ms: NOW,
        })]
    );
}

#[test]
fn back_keeps_answers_and_unfinished_drafts() {
    let mut rig = Rig::started(Lang::En);
    rig.press(KeyCode::Char('2'));
    rig.tap(Target::Next);
    rig.tap(Target::Item(0));
    rig.tap(Target::Item(3));
    rig.type_text("Chat");
    rig.tap(Target::Next);
    // Half a ranking (one of two): not an answer yet, but kept as a draft.
    rig.tap(Target::Item(1));
    rig.tap(Target::Back);
    assert_eq!(rig.qid(), "channels");
    match rig.draft() {
        Draft::Multi { picked, other } => {
            assert_eq!(picked.iter().copied().collect::<Vec<_>>(), [0, 3]);
            assert_eq!(other.text(), "Chat");
        }
        d => panic!("{d:?}"),
    }
    rig.press(KeyCode::PageUp);
    assert_eq!(rig.qid(), "group");
    assert!(matches!(
        rig.draft(),
        Draft::Choice {
            picked: Some(1),
            ..
        }
    ));
    // Back on the first question goes to the welcome screen; Start
    // carries on with the answers.
    rig.tap(Target::Back);
    assert!(matches!(rig.k.screen, Screen::Welcome { .. }));
    rig.tap(Target::Start);
    assert_eq!(rig.qid(), "group");
    rig.tap(Target::Next);
    rig.tap(Target::Next);
    assert_eq!(rig.qid(), "priorities");
    assert_eq!(rig.draft(), Draft::Ranking { order: vec![1] });
    // ...and the half ranking still cannot pass.
    rig.tap(Target::Next);
    assert_eq!(rig.notice().as_deref(), Some("Choose 2 options in order"));
}

/// Walks the every-type survey with the given group (item), channels
/// (items), overall grade and solved, the rest plain. Returns the
/// questions shown and what was submitted.
fn walk(
    group: usize,
    channels: &[usize],
    overall: usize,
    solved_yes: bool,
) -> (Vec<String>, Answers) {
    let mut rig = Rig::started(Lang::En);
    let mut shown = Vec::new();
    loop {
        let id = rig.qid();
        shown.push(id.clone());
        match id.as_str() {
            "group" => {
                rig.tap(Target::Item(group));
            }
            "channels" => {
                for i in channels {
                    rig.tap(Target::Item(*i));
                }
            }
            "overall" => {
                rig.tap(Target::Item(overall - 1));
            }
            "solved" => {
                rig.tap(Target::Item(usize::from(!solved_yes)));
            }
            _ => {
                let effects = rig.answer_plainly();
                if let [Effect::Submit(s)] = effects.as_slice() {
                    return (shown, s.answers.clone());
                }
                continue;
            }
        }
        let effects = rig.tap(Target::Next);
        if let [Effect::Submit(s)] = effects.as_slice() {
            return (shown, s.answers.clone());
        }
        assert_eq!(rig.notice(), None, "stuck on {id}");
    }
}

#[test]
fn phone_grade_only_for_phone_users_who_are_not_staff() {
    let cases = [
        (0, vec![0], true),     // resident, phone
        (0, vec![1, 2], false), // resident, no phone
        (1, vec![0], false),    // staff, phone
        (1, vec![2], false),    // staff, no phone
    ];
    for (group, channels, expect) in cases {
        let (shown, answers) = walk(group, &channels, 4, true);
        assert_eq!(
            shown.contains(&"phone_grade".to_owned()),
            expect,
            "group {group} channels {channels:?}: {shown:?}"
        );
        assert_eq!(answers.contains_key("phone_grade"), expect);
    }
    // "Other" is not staff either.
    let mut rig = Rig::started(Lang::En);
    rig.press(KeyCode::Char('3'));
    rig.type_text("Guest");
    rig.press(KeyCode::Enter);
    rig.tap(Target::Item(0));
    rig.tap(Target::Next);
    rig.skip_to("phone_grade");
}

#[test]
fn why_only_for_low_grades_or_unsolved() {
    for (overall, solved_yes, expect) in [
        (1, true, true),
        (2, true, true),
        (3, true, false),
        (5, true, false),
        (5, false, true),
    ] {
        let (shown, answers) = walk(0, &[1], overall, solved_yes);
        assert_eq!(
            shown.contains(&"why".to_owned()),
            expect,
            "overall {overall} solved {solved_yes}: {shown:?}"
        );
        assert_eq!(answers.contains_key("why"), expect);
    }
}

#[test]
fn an_answer_hidden_by_a_later_change_is_not_submitted() {
    let mut rig = Rig::started(Lang::En);
    rig.skip_to("why");
    rig.type_text("bad");
    // Back to overall (committing "bad"), and raise the grade.
    for _ in 0..4 {
        rig.tap(Target::Back);
    }
    assert_eq!(rig.qid(), "overall");
    rig.tap(Target::Item(4));
    rig.tap(Target::Next);
    rig.tap(Target::Next);
    assert_eq!(rig.qid(), "solved");
    rig.tap(Target::Item(0));
    rig.tap(Target::Next);
    assert_eq!(rig.qid(), "visits");
    rig.tap(Target::Next);
    assert_eq!(rig.qid(), "phone_grade", "`why` is skipped now");
    let effects = rig.answer_plainly();
    let sub = submissions(&effects);
    assert_eq!(sub.len(), 1, "{effects:?}");
    assert!(!sub[0].answers.contains_key("why"));
    assert_eq!(sub[0].answers["overall"], Answer::Rating(5));
}

#[test]
fn progress_counts_shown_questions_only() {
    let mut rig = Rig::started(Lang::En);
    let p = rig.answering().walk.progress(&rig.k.survey);
    assert_eq!((p.position, p.total), (1, 7));
    rig.skip_to("overall");
    rig.tap(Target::Item(0));
    let p = rig.answering().walk.progress(&rig.k.survey);
    // Phone was chosen, so phone_grade counts; the grade on screen is not
    // an answer until Next, so `why` does not count yet.
    assert_eq!((p.position, p.total), (4, 8));
    rig.tap(Target::Next);
    let p = rig.answering().walk.progress(&rig.k.survey);
    assert_eq!((p.position, p.total), (5, 9));
}

/// Ctrl and Alt keys in a text field edit it (Ctrl-U cuts to the start,
/// Ctrl-A goes home) or do nothing; they are never typed as letters.
#[test]
fn ctrl_and_alt_keys_edit_a_text_field_and_never_type() {
    use crossterm::event::KeyModifiers;
    let mut rig = Rig::started(Lang::En);
    rig.skip_to("why");
    rig.type_text("too slow");
    rig.send(ctrl('w'));
    rig.send(key_with(KeyCode::Char('x'), KeyModifiers::ALT));
    rig.send(ctrl('z'));
    match rig.draft() {
        Draft::Text { field } => assert_eq!((field.text(), field.cursor()), ("too ", 4)),
        d => panic!("{d:?}"),
    }
    rig.send(ctrl('u'));
    rig.type_text("fast");
    rig.send(ctrl('a'));
    rig.type_text("very ");
    match rig.draft() {
        Draft::Text { field } => assert_eq!((field.text(), field.cursor()), ("very fast", 5)),
        d => panic!("{d:?}"),
    }
}
