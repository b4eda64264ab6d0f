//! A grouped tally's state as plain data ([`KeptTally`]) comes back,
//! through bincode, as a tally whose results are the original's.

use super::*;

/// Responses of several terminals, some suspect, as a store holds them.
fn mixed(which: usize) -> Vec<Item> {
    let mut items = corpus(which, 23, 400);
    for (i, (r, _)) in items.iter_mut().enumerate() {
        r.terminal = ["desk-1", "desk-2", "lobby"][i % 3].to_owned();
        r.suspect = i % 17 == 0;
    }
    items
}

fn groupings(survey: &Survey) -> Vec<Grouping> {
    let helsinki = TimeZone::get("Europe/Helsinki").unwrap();
    let mut out = vec![
        Grouping::default(),
        Grouping {
            include_partial: true,
            include_suspect: true,
            ..Grouping::default()
        },
        Grouping {
            by: Some(By::Terminal),
            ..Grouping::default()
        },
        Grouping {
            period: Some(Period::Month),
            time_zone: helsinki.clone(),
            since_ms: Some(NOW_MS - 200 * 24 * HOUR_MS),
            ..Grouping::default()
        },
        Grouping {
            terminals: vec!["desk-1".into(), "nosuch,lobby".into()],
            include_partial: true,
            ..Grouping::default()
        },
    ];
    for q in &survey.questions {
        if matches!(q.kind, QuestionKind::Choice { .. } | QuestionKind::YesNo) {
            out.push(Grouping {
                by: Some(By::Question(q.id.clone())),
                period: Some(Period::Week),
                time_zone: helsinki.clone(),
                ..Grouping::default()
            });
        }
    }
    out
}

#[test]
fn a_kept_tally_comes_back_as_the_same_tally() {
    for (which, survey) in SURVEYS.iter().enumerate() {
        let items = mixed(which);
        let survey_of = |h: &VersionHash| {
            [survey, &*OLD]
                .into_iter()
                .find(|s| VersionHash::of(s) == *h)
                .map(|s| Arc::new(s.clone()))
        };
        for g in groupings(survey) {
            let mut full = GroupedTally::new(survey, g.clone()).unwrap();
            for (r, v) in &items {
                full.fold(r, v);
            }
            let bytes = bincode::serialize(&full.kept()).unwrap();
            let kept: KeptTally = bincode::deserialize(&bytes).unwrap();
            let mut back = GroupedTally::new(survey, g.clone()).unwrap();
            back.fill_from_kept(&kept, &survey_of).unwrap();
            let (a, b) = (back.results(), full.results());
            assert_eq!(a, b, "{} {g:?}", survey.id);
            assert_eq!(
                serde_json::to_string(&a).unwrap(),
                serde_json::to_string(&b).unwrap()
            );
            assert!(b.total.responses > 0, "{} {g:?}", survey.id);
        }
    }
}

#[test]
fn a_kept_tally_of_another_survey_version_or_grouping_is_refused() {
    let survey = &SURVEYS[0];
    let items = mixed(0);
    let mut full = GroupedTally::new(survey, Grouping::default()).unwrap();
    for (r, v) in &items {
        full.fold(r, v);
    }
    let survey_of = |_: &VersionHash| Some(Arc::new(survey.clone()));
    let mut kept = full.kept();
    let by = Grouping {
        by: Some(By::Terminal),
        ..Grouping::default()
    };
    let mut grouped = GroupedTally::new(survey, by).unwrap();
    assert!(grouped.fill_from_kept(&kept, &survey_of).is_err());
    kept.version[0] ^= 1;
    let mut plain = GroupedTally::new(survey, Grouping::default()).unwrap();
    assert!(plain.fill_from_kept(&kept, &survey_of).is_err());
    // Refused whole: still empty.
    assert_eq!(plain.results().total.responses, 0);
}
