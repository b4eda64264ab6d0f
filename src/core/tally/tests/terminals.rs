//! Tallies by terminal (`--by terminal`) and of some terminals only
//! (`--terminal NAME`): the names come from the responses themselves.

use super::*;

/// The known responses, spread over three terminals in turn.
fn on_terminals(names: &[&str]) -> (Survey, Vec<Response>) {
    let (survey, mut responses) = known();
    for (i, r) in responses.iter_mut().enumerate() {
        r.terminal = names[i % names.len()].to_owned();
    }
    (survey, responses)
}

const NAMES: [&str; 3] = ["kirjasto-2", "asema", "kirjasto-10"];

fn folded(survey: &Survey, grouping: Grouping, responses: &[Response]) -> GroupedTally {
    let mut g = GroupedTally::new(survey, grouping).unwrap();
    for r in responses {
        g.fold(r, survey);
    }
    g
}

fn by_terminal() -> Grouping {
    Grouping {
        by: Some(By::Terminal),
        ..Grouping::default()
    }
}

fn only(names: &[&str]) -> Grouping {
    Grouping {
        terminals: names.iter().map(|s| (*s).to_owned()).collect(),
        ..Grouping::default()
    }
}

#[test]
fn groups_are_terminals_in_name_order_with_margins() {
    let (survey, responses) = on_terminals(&NAMES);
    let grouping = Grouping {
        period: Some(Period::Month),
        time_zone: helsinki(),
        ..by_terminal()
    };
    let result = folded(&survey, grouping, &responses).results();
    let keys: Vec<(String, String, u64)> = result
        .cells
        .iter()
        .map(|c| {
            let g = c.group.clone().unwrap();
            (g, c.period.clone().unwrap(), c.result.responses)
        })
        .collect();
    let k = |g: &str, p: &str, n| (g.to_owned(), p.to_owned(), n);
    // 40 complete responses a day from 2025-01-01: 31 in January, 9 in
    // February; terminals in turn, so 14/13/13 of them.
    assert_eq!(
        keys,
        [
            k("asema", "2025-01", 10),
            k("asema", "2025-02", 3),
            k("asema", ALL, 13),
            k("kirjasto-10", "2025-01", 10),
            k("kirjasto-10", "2025-02", 3),
            k("kirjasto-10", ALL, 13),
            k("kirjasto-2", "2025-01", 11),
            k("kirjasto-2", "2025-02", 3),
            k("kirjasto-2", ALL, 14),
            k(ALL, "2025-01", 31),
            k(ALL, "2025-02", 9),
        ]
    );
    assert_eq!(result.total.responses, 40);
    // The partial response (on asema) is counted beside the total.
    assert_eq!(result.total.partial, 1);
    let json = serde_json::to_value(&result).unwrap();
    assert_eq!(json["by"], "@terminal");
    assert_eq!(json["cells"][0]["group"], "asema");
    assert!(json.get("terminals").is_none() && json.get("unknown_terminals").is_none());
}

#[test]
fn a_terminal_s_group_is_the_tally_of_that_terminal_alone() {
    let (survey, responses) = on_terminals(&NAMES);
    let grouped = folded(&survey, by_terminal(), &responses).results();
    for name in NAMES {
        let alone = folded(&survey, only(&[name]), &responses).results();
        let cell = grouped
            .cells
            .iter()
            .find(|c| c.group.as_deref() == Some(name))
            .unwrap();
        assert_eq!(cell.result, alone.total, "{name}");
        assert_eq!(alone.terminals, [name]);
        assert!(alone.unknown_terminals.is_empty());
    }
    // Without a period there is no "(all)" group: the total is the margin.
    assert_eq!(grouped.cells.len(), 3);
}

#[test]
fn the_terminal_filter_counts_only_those_and_names_the_unknown() {
    let (survey, responses) = on_terminals(&NAMES);
    let mut g = GroupedTally::new(&survey, only(&["asema", "nowhere"])).unwrap();
    let folded_as: Vec<Folded> = responses.iter().map(|r| g.fold(r, &survey)).collect();
    let others = folded_as
        .iter()
        .filter(|f| **f == Folded::OtherTerminal)
        .count();
    assert_eq!(others, 41 - 14);
    let result = g.results();
    assert_eq!(result.total.responses, 13);
    assert_eq!(result.unknown_terminals, ["nowhere"]);
    assert_eq!(
        result.known_terminals,
        ["asema", "kirjasto-10", "kirjasto-2"]
    );
    let json = serde_json::to_value(&result).unwrap();
    assert_eq!(json["terminals"], json!(["asema", "nowhere"]));
    assert_eq!(json["unknown_terminals"], json!(["nowhere"]));
    assert!(json.get("known_terminals").is_none());

    // A comma list is its names; spaces around them do not count.
    let two = folded(&survey, only(&["asema, kirjasto-2"]), &responses).results();
    assert_eq!(two.total.responses, 27);
    assert!(two.unknown_terminals.is_empty());
    let parts = folded(&survey, only(&["asema,nowhere,elsewhere"]), &responses).results();
    assert_eq!(parts.unknown_terminals, ["nowhere", "elsewhere"]);
}

#[test]
fn a_terminal_name_with_a_comma_is_matched_whole() {
    let (survey, responses) = on_terminals(&["Pääkirjasto, 2. krs", "asema"]);
    let result = folded(&survey, only(&["Pääkirjasto, 2. krs"]), &responses).results();
    assert_eq!(result.total.responses, 20);
    assert!(result.unknown_terminals.is_empty(), "{result:?}");
}

#[test]
fn the_group_heading_and_labels_in_each_language() {
    let (survey, _) = known();
    let t = By::Terminal;
    assert_eq!(by_text(&survey, &t, Lang::Fi), "pääte");
    assert_eq!(by_text(&survey, &t, Lang::Sv), "terminal");
    assert_eq!(by_text(&survey, &t, Lang::En), "terminal");
    let q = By::Question("would".into());
    assert_eq!(by_text(&survey, &q, Lang::En), "Would you recommend us?");
    assert_eq!(group_label(&survey, &t, ALL, Lang::Fi), "(kaikki)");
    assert_eq!(group_label(&survey, &t, ALL, Lang::Sv), "(alla)");
    // A terminal's name is its own label, even one that reads like an answer.
    assert_eq!(group_label(&survey, &t, "yes", Lang::Fi), "yes");
    assert_eq!(group_label(&survey, &t, "a\u{1b}[2Jb", Lang::En), "ab");
    assert_eq!(group_label(&survey, &q, "yes", Lang::En), "yes");
}

const WITH_A_TERMINAL_QUESTION: &str = r#"
id = "desk"
languages = ["en"]
title = { en = "Desk" }

[[question]]
id = "terminal"
type = "choice"
text = { en = "Which desk?" }
options = [ { id = "a", en = "A" }, { id = "b", en = "B" } ]
"#;

#[test]
fn a_question_named_terminal_keeps_its_name_and_at_terminal_means_the_terminals() {
    assert_eq!(By::parse("@terminal"), By::Terminal);
    assert_eq!(By::parse("terminal"), By::Question("terminal".into()));
    assert_eq!(By::parse("group"), By::Question("group".into()));
    assert_eq!(By::Terminal.name(), "@terminal");

    // No question `terminal`: the word means the terminals.
    let (known, _) = known();
    let g = GroupedTally::new(
        &known,
        Grouping {
            by: Some(By::parse("terminal")),
            ..Grouping::default()
        },
    )
    .unwrap();
    assert_eq!(g.grouping().by, Some(By::Terminal));

    // A question of that id: it is grouped by, as before terminals could be.
    let desk = survey_from_str(WITH_A_TERMINAL_QUESTION).unwrap();
    let question = Grouping {
        by: Some(By::parse("terminal")),
        ..Grouping::default()
    };
    let g = GroupedTally::new(&desk, question.clone()).unwrap();
    assert_eq!(g.grouping(), &question);
    let mut a = Answers::new();
    a.insert(
        "terminal".into(),
        Answer::Choice(Picked::Option("b".into())),
    );
    let mut r = response(&desk, 1, 1_735_725_600_000, true, a);
    r.terminal = "kirjasto-1".into();
    let mut g = g;
    g.fold(&r, &desk);
    let groups: Vec<_> = g.results().cells.into_iter().map(|c| c.group).collect();
    assert_eq!(groups, [Some("b".to_owned())]);

    let mut g = GroupedTally::new(
        &desk,
        Grouping {
            by: Some(By::Terminal),
            ..Grouping::default()
        },
    )
    .unwrap();
    g.fold(&r, &desk);
    let groups: Vec<_> = g.results().cells.into_iter().map(|c| c.group).collect();
    assert_eq!(groups, [Some("kirjasto-1".to_owned())]);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, ..ProptestConfig::default() })]

    #[test]
    fn grouped_by_terminal_merges_like_folding_the_concatenation(
        which in 0..6usize, seed in any::<u64>(), n in 0..200usize, cut in 0.0..=1.0f64,
        filter in any::<bool>(), period in any::<bool>(),
    ) {
        let survey = &SURVEYS[which];
        let names = ["t3", "t1", "t2", "t10"];
        let items: Vec<Item> = corpus(which, seed, n)
            .into_iter()
            .enumerate()
            .map(|(i, (mut r, v))| {
                r.terminal = names[(i * 7 + i / 3) % names.len()].to_owned();
                (r, v)
            })
            .collect();
        let grouping = Grouping {
            by: Some(By::Terminal),
            period: period.then_some(Period::Month),
            terminals: if filter { vec!["t1,t10".into(), "t9".into()] } else { Vec::new() },
            ..Grouping::default()
        };
        let all = grouped(survey, &grouping, &items);
        let (a, b) = items.split_at((n as f64 * cut) as usize);
        let mut merged = grouped(survey, &grouping, b);
        merged.merge(grouped(survey, &grouping, a)).unwrap();
        let result = all.results();
        prop_assert_eq!(merged.results(), result.clone());
        // The groups are sorted and sum to the total.
        let groups: Vec<&str> = result
            .cells
            .iter()
            .filter(|c| c.period.as_deref().is_none_or(|p| p == ALL))
            .filter_map(|c| c.group.as_deref())
            .filter(|g| *g != ALL)
            .collect();
        let mut sorted = groups.clone();
        sorted.sort_unstable();
        prop_assert_eq!(&groups, &sorted);
        let sum: u64 = result
            .cells
            .iter()
            .filter(|c| c.group.as_deref() != Some(ALL))
            .filter(|c| c.period.as_deref().is_none_or(|p| p == ALL))
            .map(|c| c.result.responses)
            .sum();
        prop_assert_eq!(sum, result.total.responses);
        if filter {
            prop_assert!(groups.iter().all(|g| *g == "t1" || *g == "t10"));
            // A named terminal is unknown when no response came from it
            // (t9 never; t1 and t10 when the corpus is small).
            let unknown: Vec<String> = ["t1", "t10", "t9"]
                .into_iter()
                .filter(|name| !items.iter().any(|(r, _)| r.terminal == *name))
                .map(str::to_owned)
                .collect();
            prop_assert_eq!(&result.unknown_terminals, &unknown);
        }
    }
}
