//! Keys: quitting, moving between questions, regrouping, texts; and what
//! the view keeps when it counts again.

use super::*;
use crate::core::survey::{Label, QuestionKind};
use crate::core::tally::Period;

fn fresh() -> Live {
    scanned(&desk(), grouping(OFFSET_MS), OFFSET_MS, &[])
}

#[test]
fn q_esc_and_ctrl_c_quit() {
    let mut live = fresh();
    assert_eq!(live.key(key(KeyCode::Char('q'))), Action::Quit);
    assert_eq!(live.key(key(KeyCode::Esc)), Action::Quit);
    assert_eq!(live.key(ctrl('c')), Action::Quit);
}

#[test]
fn other_keys_do_nothing() {
    let mut live = fresh();
    live.select(2);
    for k in [
        ctrl('q'),
        ctrl('g'),
        ctrl('t'),
        key(KeyCode::Char('x')),
        key(KeyCode::Char('0')),
        key(KeyCode::Enter),
        key(KeyCode::F(1)),
    ] {
        assert_eq!(live.key(k), Action::None, "{k:?}");
        assert_eq!(live.selected, 2, "{k:?}");
        assert!(!live.texts, "{k:?}");
    }
}

#[test]
fn r_reloads() {
    let mut live = fresh();
    assert_eq!(live.key(key(KeyCode::Char('r'))), Action::Reload);
}

#[test]
fn left_right_and_vi_keys_move_and_wrap() {
    let mut live = fresh();
    let n = live.survey.questions.len();
    assert_eq!(n, 6);
    for code in [KeyCode::Right, KeyCode::Char('l'), KeyCode::Tab] {
        live.select(0);
        let mut seen = Vec::new();
        for _ in 0..n {
            assert_eq!(live.key(key(code)), Action::None);
            seen.push(live.selected);
        }
        assert_eq!(seen, [1, 2, 3, 4, 5, 0], "{code:?}");
    }
    for code in [KeyCode::Left, KeyCode::Char('h'), KeyCode::BackTab] {
        live.select(0);
        let mut seen = Vec::new();
        for _ in 0..n {
            assert_eq!(live.key(key(code)), Action::None);
            seen.push(live.selected);
        }
        assert_eq!(seen, [5, 4, 3, 2, 1, 0], "{code:?}");
    }
    // Up, down, Home and End scroll the rows instead.
    live.select(3);
    for code in [KeyCode::Up, KeyCode::Down, KeyCode::Home, KeyCode::End] {
        assert_eq!(live.key(key(code)), Action::None);
        assert_eq!(live.selected, 3, "{code:?}");
    }
}

#[test]
fn digits_select_a_question_clamped_to_the_last() {
    let mut live = fresh();
    for (c, i) in [('1', 0), ('4', 3), ('6', 5), ('7', 5), ('9', 5), ('2', 1)] {
        assert_eq!(live.key(key(KeyCode::Char(c))), Action::None);
        assert_eq!(live.selected, i, "{c}");
    }
    live.select(99);
    assert_eq!(live.selected, 5);
}

#[test]
fn t_toggles_the_texts() {
    let mut live = fresh();
    assert!(!live.texts);
    assert_eq!(live.key(key(KeyCode::Char('t'))), Action::None);
    assert!(live.texts);
    live.key(key(KeyCode::Char('t')));
    assert!(!live.texts);
}

#[test]
fn g_cycles_through_the_choice_and_yesno_questions_then_none() {
    let mut d = Desk::new();
    // Keep the other settings through the cycle.
    d.presses(&[KeyCode::Char('p'), KeyCode::Char('p')]);
    let start = d.live.grouping().clone();
    assert_eq!(start.by, None);
    assert_eq!(d.live.groupable(), ["one_visit", "compared", "group"]);
    let mut seen = Vec::new();
    for _ in 0..4 {
        let Action::Regroup(g) = d.press(KeyCode::Char('g')) else {
            panic!("g did not regroup");
        };
        assert_eq!(
            Grouping {
                by: None,
                ..g.clone()
            },
            start
        );
        assert_eq!(d.live.grouping(), &g);
        seen.push(g.by.as_ref().and_then(By::question).map(str::to_owned));
    }
    assert_eq!(
        seen,
        [
            Some("one_visit".to_owned()),
            Some("compared".to_owned()),
            Some("group".to_owned()),
            None
        ]
    );
    // Every grouping offered is one the tally takes.
    for id in d.live.groupable() {
        let g = Grouping {
            by: Some(By::Question(id.to_owned())),
            ..grouping(0)
        };
        assert!(Live::new(d.live.survey.clone(), d.live.version, g, 0, Source::Own).is_ok());
    }
}

#[test]
fn g_with_nothing_to_group_by_stays_ungrouped() {
    let mut survey = (*desk()).clone();
    survey
        .questions
        .retain(|q| !matches!(q.kind, QuestionKind::Choice { .. } | QuestionKind::YesNo));
    let mut live = scanned(&Arc::new(survey), grouping(0), 0, &[]);
    assert!(live.groupable().is_empty());
    let Action::Regroup(g) = live.key(key(KeyCode::Char('g'))) else {
        panic!("g did not regroup");
    };
    assert_eq!(g, grouping(0));
}

#[test]
fn p_cycles_day_week_month_year_none() {
    let mut d = Desk::new();
    d.press(KeyCode::Char('g'));
    let start = d.live.grouping().clone();
    assert_eq!(start.by.as_ref().and_then(By::question), Some("one_visit"));
    assert_eq!(start.period, None);
    let mut seen = Vec::new();
    for _ in 0..5 {
        let Action::Regroup(g) = d.press(KeyCode::Char('p')) else {
            panic!("p did not regroup");
        };
        assert_eq!(
            Grouping {
                period: None,
                ..g.clone()
            },
            start
        );
        seen.push(g.period);
    }
    assert_eq!(
        seen,
        [
            Some(Period::Day),
            Some(Period::Week),
            Some(Period::Month),
            Some(Period::Year),
            None
        ]
    );
}

#[test]
fn regrouping_keeps_the_question_and_the_texts_switch() {
    let mut d = Desk::new();
    d.presses(&[KeyCode::Char('5'), KeyCode::Char('t')]);
    d.presses(&[KeyCode::Char('g'), KeyCode::Char('p')]);
    assert_eq!(d.live.selected, 4);
    assert!(d.live.texts);
    assert_eq!(
        d.live.grouping().by.as_ref().and_then(By::question),
        Some("one_visit")
    );
    assert_eq!(d.live.grouping().period, Some(Period::Day));
    // The recount counted everything again.
    assert_eq!(d.live.today(NOW), 14);
    assert!(!d.live.last_result().cells.is_empty());
}

fn label(text: &str) -> Label {
    Label::new([(Lang::Fi, text.to_owned()), (Lang::En, text.to_owned())])
}

#[test]
fn carry_view_from_follows_the_question_by_id() {
    let old = desk();
    let mut before = scanned(&old, grouping(0), 0, &[]);
    before.select(4); // recommend
    before.texts = true;

    // A newer version dropped `improve` and added a question first.
    let mut newer = (*old).clone();
    newer.questions.retain(|q| q.id != "improve");
    let mut first = newer.questions[1].clone();
    first.id = "first".into();
    first.text = label("First");
    newer.questions.insert(0, first);
    let newer = Arc::new(newer);

    let mut after = scanned(&newer, grouping(0), 0, &[]);
    after.carry_view_from(&before);
    assert_eq!(newer.questions[after.selected].id, "recommend");
    assert_eq!(after.selected, 4);
    assert!(after.texts);

    // The question looked at is gone: back to the first.
    before.select(3); // improve
    before.texts = false;
    let mut after = scanned(&newer, grouping(0), 0, &[]);
    after.select(2);
    after.texts = true;
    after.carry_view_from(&before);
    assert_eq!(after.selected, 0);
    assert!(!after.texts);

    // Same survey: same place.
    for i in 0..old.questions.len() {
        before.select(i);
        let mut again = scanned(&old, grouping(0), 0, &[]);
        again.carry_view_from(&before);
        assert_eq!(again.selected, i);
    }
}

#[test]
fn grouped_by_terminal_the_view_names_them_and_g_goes_on_to_the_questions() {
    let mut d = Desk::new();
    for (i, r) in d.responses.iter_mut().enumerate() {
        r.terminal = ["kirjasto-1", "asema"][i % 2].to_owned();
    }
    let g = Grouping {
        by: Some(By::Terminal),
        ..grouping(OFFSET_MS)
    };
    d.live = regroup(&d.live, g, &d.responses);
    let (terminal, _) = draw(&d.live, 100, 40);
    let text = crate::ui::buffer_text(terminal.backend().buffer());
    assert!(text.contains("By terminal"), "{text}");
    assert!(text.contains("by: terminal"), "{text}");
    let groups: Vec<Option<String>> = d
        .live
        .last_result()
        .cells
        .iter()
        .map(|c| c.group.clone())
        .collect();
    assert_eq!(
        groups,
        [Some("asema".to_owned()), Some("kirjasto-1".to_owned())]
    );
    assert!(
        text.contains("asema") && text.contains("kirjasto-1"),
        "{text}"
    );
    // The key cycles on from the terminals to no grouping, then questions.
    let Action::Regroup(g) = d.press(KeyCode::Char('g')) else {
        panic!("g did not regroup");
    };
    assert_eq!(g.by, None);
}
