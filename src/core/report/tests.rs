//! Known answers: the seeds' sentences ("88 % would recommend us", "three
//! in four gave 4 or 5", "24 % say we improved, 64 % that we stayed as
//! good") built as responses, tallied, and read back as report figures.

use super::*;
use crate::core::answer::{Answer, Answers, Picked};
use crate::core::response::Response;
use crate::core::survey::{Lang, Survey};
use crate::core::tally::Tally;
use crate::core::validate::survey_from_str;
use crate::core::version::VersionHash;
use uuid::Uuid;

pub(crate) const KNOWN: &str = r#"
id = "known"
languages = ["en"]
title = { en = "Known answers" }

[[question]]
id = "overall"
type = "rating"
scale = 5
text = { en = "Grade" }

[[question]]
id = "would"
type = "yesno"
text = { en = "Would you recommend us?" }

[[question]]
id = "compared"
type = "choice"
text = { en = "Compared with last year" }
options = [
  { id = "improved", en = "Improved" },
  { id = "same", en = "As good" },
  { id = "worse", en = "Worse" },
]
"#;

/// 100 responses: grades 2×1, 8×2, 15×3, 40×4, 35×5 (3 in 4 give 4-5);
/// 88 would recommend; 24 improved, 64 as good, 12 worse.
pub(crate) fn known() -> (Survey, Vec<Response>) {
    let survey = survey_from_str(KNOWN).unwrap();
    let responses = known_responses(&survey, 1_735_725_660_000);
    (survey, responses)
}

/// [`known`]'s responses to `survey` (which has at least its questions),
/// submitted a millisecond apart from `from_ms`.
pub(crate) fn known_responses(survey: &Survey, from_ms: i64) -> Vec<Response> {
    let grades: Vec<u8> = [(1u8, 2), (2, 8), (3, 15), (4, 40), (5, 35)]
        .iter()
        .flat_map(|(g, c)| std::iter::repeat_n(*g, *c))
        .collect();
    (0..100)
        .map(|i| {
            let mut a = Answers::new();
            a.insert("overall".into(), Answer::Rating(grades[i]));
            a.insert("would".into(), Answer::YesNo(i < 88));
            let compared = match i {
                0..24 => "improved",
                24..88 => "same",
                _ => "worse",
            };
            a.insert(
                "compared".into(),
                Answer::Choice(Picked::Option(compared.into())),
            );
            Response {
                id: Uuid::from_u128(from_ms as u128 * 1000 + i as u128),
                survey: survey.id.clone(),
                version: VersionHash::of(survey),
                terminal: "t".into(),
                lang: Lang::En,
                started_ms: 1_735_725_600_000,
                submitted_ms: from_ms + i as i64,
                complete: true,
                answers: a,
                simulated: false,
                suspect: false,
            }
        })
        .collect()
}

fn figure<'a>(all: &'a [Figure], name: &str) -> &'a Figure {
    all.iter().find(|f| f.name() == name).unwrap()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 5e-4
}

#[test]
fn the_seeds_sentences_come_out_as_figures() {
    let (survey, responses) = known();
    let mut t = Tally::new(&survey);
    for r in &responses {
        t.fold(r, &survey);
    }
    let result = t.results();
    let all: Vec<Figure> = result.questions.iter().flat_map(figures).collect();

    let would = figure(&all, "would.yes_share");
    assert!(close(would.value, 0.88), "{would:?}");
    let i = would.interval.unwrap();
    // Wilson 95 % of 88/100.
    assert!(close(i.low, 0.8019) && close(i.high, 0.9300), "{i:?}");

    let top2 = figure(&all, "overall.top2");
    assert!(close(top2.value, 0.75), "{top2:?}");
    let mean = figure(&all, "overall.mean");
    // (2 + 16 + 45 + 160 + 175) / 100.
    assert!(close(mean.value, 3.98), "{mean:?}");
    // s² = 99.96 / 99, so ± 1.96·√(1.0097/100) = ± 0.1969.
    let i = mean.interval.unwrap();
    assert!(close(i.low, 3.7831) && close(i.high, 4.1769), "{i:?}");

    for (key, pct) in [("improved", 24.0), ("same", 64.0), ("worse", 12.0)] {
        let f = figure(&all, &format!("compared.percent.{key}"));
        assert!(close(f.value, pct), "{f:?}");
        let i = f.interval.unwrap();
        assert!(i.low < pct && pct < i.high, "{f:?}");
    }
}

#[test]
fn newcombe_matches_the_published_example() {
    // Newcombe (1998), table II, example (a): 56/70 − 48/80.
    let i = newcombe(48, 80, 56, 70).unwrap();
    assert!(close(i.low, 0.0524) && close(i.high, 0.3339), "{i:?}");
}

fn share_figure(k: u64, n: u64) -> Figure {
    Figure {
        question: "q".into(),
        what: What::Yes,
        value: k as f64 / n as f64,
        interval: None,
        n,
        basis: Basis::Share { k, n, scale: 1.0 },
    }
}

#[test]
fn a_change_is_more_than_chance_only_when_its_interval_leaves_out_zero() {
    // 80 % to 88 % of 100 each: +8 points, but within chance.
    let small = change(&share_figure(80, 100), &share_figure(88, 100));
    assert!(close(small.diff, 8.0), "{small:?}");
    assert!(!small.significant(), "{small:?}");
    // The same shares of 1000 each: more than chance.
    let large = change(&share_figure(800, 1000), &share_figure(880, 1000));
    assert!(large.significant(), "{large:?}");
    let i = large.interval.unwrap();
    assert!(i.low > 0.0 && i.low < 8.0 && i.high > 8.0, "{large:?}");
}

#[test]
fn means_and_nps_changes_are_tested_too() {
    let mean = |m: f64, n: u64| Figure {
        question: "q".into(),
        what: What::Mean,
        value: m,
        interval: None,
        n,
        basis: Basis::Mean {
            mean: m,
            variance: 1.0,
            n,
        },
    };
    // ± 1.96·√(1/100 + 1/100) = ± 0.277.
    let c = change(&mean(3.9, 100), &mean(4.0, 100));
    let i = c.interval.unwrap();
    assert!(
        close(i.low, 0.1 - 0.2772) && close(i.high, 0.1 + 0.2772),
        "{c:?}"
    );
    assert!(!c.significant());
    assert!(change(&mean(3.5, 100), &mean(4.0, 100)).significant());

    let nps = |p: u64, d: u64| Figure {
        question: "q".into(),
        what: What::Nps,
        value: (p as f64 - d as f64),
        interval: None,
        n: 100,
        basis: Basis::Nps {
            promoters: p,
            detractors: d,
            n: 100,
        },
    };
    let c = change(&nps(40, 20), &nps(60, 10));
    assert!(close(c.diff, 30.0) && c.significant(), "{c:?}");
}

#[test]
fn every_language_has_its_words() {
    for lang in Lang::ALL {
        let w = words::words(lang);
        assert!(!w.report.is_empty() && !w.test_note.is_empty());
    }
    assert_ne!(
        words::words(Lang::Fi).summary,
        words::words(Lang::En).summary
    );
}
