//! The tally engine's tests: known answers and properties.

use super::grouped::local_date;
use super::*;
use std::sync::LazyLock;

use proptest::prelude::*;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{Value, json};

use crate::core::answer::Answers;
use crate::core::simulate::{self, Setup};
use crate::core::survey::{Label, Lang, Question, QuestionOption};
use crate::core::validate::survey_from_str;

const NOW_MS: i64 = 1_790_000_000_000;
const HOUR_MS: i64 = 3_600_000;

static SURVEYS: LazyLock<Vec<Survey>> = LazyLock::new(|| {
    crate::core::testdata::SURVEYS
        .into_iter()
        .map(|text| survey_from_str(text).unwrap())
        .collect()
});

/// An older version of `all_types`: an option since removed, a rating
/// on another scale, a question of another type and a dropped question.
static OLD: LazyLock<Survey> = LazyLock::new(|| {
    let mut old = SURVEYS[0].clone();
    let label = |text: &str| Label::new([(Lang::Fi, text.to_owned()), (Lang::En, text.to_owned())]);
    for q in &mut old.questions {
        match (q.id.as_str(), &mut q.kind) {
            ("channels", QuestionKind::Multi { options, .. }) => {
                options.push(QuestionOption {
                    id: "fax".into(),
                    label: label("Fax"),
                });
            }
            ("overall", QuestionKind::Rating { scale, .. }) => *scale = 7,
            ("visits", kind) => *kind = QuestionKind::Text { max_len: 20 },
            _ => {}
        }
    }
    old.questions.push(Question {
        id: "legacy".into(),
        text: label("Legacy"),
        required: true,
        show_if: None,
        kind: QuestionKind::YesNo,
    });
    old
});

type Item = (Response, &'static Survey);

/// `n` simulated responses to survey `which`, some (for `all_types`)
/// to its older version, at random times in the year before `NOW_MS`.
fn corpus(which: usize, seed: u64, n: usize) -> Vec<Item> {
    let new: &'static Survey = &SURVEYS[which];
    let old: Option<&'static Survey> = (which == 0).then(|| &*OLD);
    let setup = |s: &'static Survey| Setup {
        survey: s,
        version: VersionHash::of(s),
        terminal: "t",
        now_ms: NOW_MS,
        utc_offset_ms: 2 * HOUR_MS,
    };
    let setups = [Some(setup(new)), old.map(setup)];
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    (0..n)
        .map(|_| {
            let s = match &setups[1] {
                Some(old) if rng.random_bool(0.3) => old,
                _ => setups[0].as_ref().unwrap(),
            };
            let progress = rng.random::<f64>();
            (simulate::respondent(&mut rng, s, progress), s.survey)
        })
        .collect()
}

fn fold_all(survey: &Survey, items: &[Item], include_partial: bool) -> Tally {
    let mut t = Tally::with_partial(survey, include_partial);
    for (r, v) in items {
        t.fold(r, v);
    }
    t
}

fn shuffled(items: &[Item], seed: u64) -> Vec<Item> {
    let mut out = items.to_vec();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    for i in (1..out.len()).rev() {
        out.swap(i, rng.random_range(0..=i));
    }
    out
}

/// A recount straight from the responses, by question and option id,
/// with raw values sorted for medians: nothing shared with the engine.
#[derive(Default, Debug)]
struct Naive {
    answered: u64,
    counts: BTreeMap<String, u64>,
    values: Vec<i64>,
    ranks: BTreeMap<String, Vec<u64>>,
    texts: Vec<(i64, Uuid, String)>,
}

struct Recount {
    responses: u64,
    partial: u64,
    questions: BTreeMap<String, Naive>,
    versions: BTreeMap<String, u64>,
}

fn recount(survey: &Survey, items: &[Item], include_partial: bool) -> Recount {
    let mut out = Recount {
        responses: 0,
        partial: 0,
        questions: BTreeMap::new(),
        versions: BTreeMap::new(),
    };
    for (r, v) in items {
        if !r.complete {
            out.partial += 1;
            if !include_partial {
                continue;
            }
        }
        out.responses += 1;
        *out.versions.entry(r.version.to_string()).or_default() += 1;
        for q in &survey.questions {
            let e = out.questions.entry(q.id.clone()).or_default();
            let (Some(a), Some(vq)) = (r.answers.get(&q.id), v.question(&q.id)) else {
                continue;
            };
            if vq.kind.type_name() != q.kind.type_name() {
                continue;
            }
            if let (QuestionKind::Rating { scale: a, .. }, QuestionKind::Rating { scale: b, .. }) =
                (&vq.kind, &q.kind)
                && a != b
            {
                continue;
            }
            let known = |id: &str| q.kind.options().iter().any(|o| o.id == id);
            let mut bump = |key: String| *e.counts.entry(key).or_default() += 1;
            let text = (r.submitted_ms, r.id);
            match a {
                Answer::Choice(Picked::Option(id)) if known(id) => {
                    bump(id.clone());
                    e.answered += 1;
                }
                Answer::Choice(Picked::Other(t)) if q.kind.has_other() => {
                    bump("other".into());
                    e.answered += 1;
                    e.texts.push((text.0, text.1, t.clone()));
                }
                Answer::Multi { options, other } => {
                    let mut any = false;
                    for id in options.iter().filter(|id| known(id)) {
                        bump(id.clone());
                        any = true;
                    }
                    if let Some(t) = other.as_ref().filter(|_| q.kind.has_other()) {
                        bump("other".into());
                        e.texts.push((text.0, text.1, t.clone()));
                        any = true;
                    }
                    e.answered += u64::from(any);
                }
                Answer::Ranking(order) => {
                    let mut any = false;
                    for (place, id) in order.iter().enumerate().filter(|(_, id)| known(id)) {
                        if place == 0 {
                            bump(id.clone());
                        }
                        e.ranks
                            .entry(id.clone())
                            .or_default()
                            .push(place as u64 + 1);
                        any = true;
                    }
                    e.answered += u64::from(any);
                }
                Answer::Rating(x) | Answer::Nps(x) => {
                    bump(x.to_string());
                    e.values.push(i64::from(*x));
                    e.answered += 1;
                }
                Answer::YesNo(yes) => {
                    bump(if *yes { "yes" } else { "no" }.into());
                    e.values.push(i64::from(*yes));
                    e.answered += 1;
                }
                Answer::Number(x) => {
                    bump(x.to_string());
                    e.values.push(*x);
                    e.answered += 1;
                }
                Answer::Text(t) => {
                    e.texts.push((text.0, text.1, t.clone()));
                    e.answered += 1;
                }
                _ => {}
            }
        }
    }
    for q in out.questions.values_mut() {
        q.values.sort_unstable();
        q.texts.sort_by_key(|t| Reverse((t.0, t.1)));
    }
    out
}

fn close(a: Option<f64>, b: Option<f64>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => (a - b).abs() < 1e-9,
        (None, None) => true,
        _ => false,
    }
}

fn naive_mean(values: &[i64]) -> Option<f64> {
    (!values.is_empty()).then(|| values.iter().sum::<i64>() as f64 / values.len() as f64)
}

fn naive_median(sorted: &[i64]) -> Option<f64> {
    let n = sorted.len();
    (n > 0).then(|| (sorted[(n - 1) / 2] + sorted[n / 2]) as f64 / 2.0)
}

fn share(k: usize, n: usize) -> Option<f64> {
    (n > 0).then(|| k as f64 / n as f64)
}

fn texts(list: &[TextAnswer]) -> Vec<(i64, Uuid, String)> {
    list.iter()
        .map(|t| (t.submitted_ms, t.response, t.text.to_string()))
        .collect()
}

/// Checks every figure of `result` against the recount.
fn agrees(survey: &Survey, result: &TallyResult, naive: &Recount) -> Result<(), String> {
    let fail = |what: &str| Err(what.to_owned());
    if (result.responses, result.partial) != (naive.responses, naive.partial) {
        return fail("response counts");
    }
    let versions: BTreeMap<String, u64> = result
        .versions
        .iter()
        .map(|v| (v.version.clone(), v.responses))
        .collect();
    if versions != naive.versions {
        return Err(format!("versions {versions:?} vs {:?}", naive.versions));
    }
    for (q, qr) in survey.questions.iter().zip(&result.questions) {
        let empty = Naive::default();
        let n = naive.questions.get(&q.id).unwrap_or(&empty);
        let ctx = |what: &str| format!("{}: {what}\n{qr:#?}\n{n:#?}", q.id);
        if qr.id != q.id || qr.answered != n.answered {
            return Err(ctx("answered"));
        }
        let nonzero: BTreeMap<String, u64> =
            qr.counts.iter().filter(|(_, c)| *c > 0).cloned().collect();
        if nonzero != n.counts {
            return Err(ctx("counts"));
        }
        for (k, p) in &qr.percent {
            let c = n.counts.get(k).copied().unwrap_or(0);
            if !close(Some(*p), Some(100.0 * c as f64 / n.answered as f64)) {
                return Err(ctx("percent"));
            }
        }
        if qr.percent.is_empty() != (n.answered == 0 || !qr.detail.has_percent()) {
            return Err(ctx("percent keys"));
        }
        let v = &n.values;
        let ok = match &qr.detail {
            Detail::Choice { other_texts } | Detail::Multi { other_texts } => {
                texts(other_texts) == n.texts
            }
            Detail::Text { answers } => texts(answers) == n.texts,
            Detail::Ranking { mean_rank, .. } => mean_rank.iter().all(|(id, m)| {
                let ranks = n.ranks.get(id).map_or(&[][..], Vec::as_slice);
                let mean = (!ranks.is_empty())
                    .then(|| ranks.iter().sum::<u64>() as f64 / ranks.len() as f64);
                close(*m, mean)
            }),
            Detail::Rating {
                scale,
                mean,
                median,
                top2,
                ..
            } => {
                let top = v.iter().filter(|g| **g >= i64::from(*scale) - 1).count();
                close(*mean, naive_mean(v))
                    && close(*median, naive_median(v))
                    && close(*top2, share(top, v.len()).filter(|_| *scale >= 4))
            }
            Detail::Nps { nps, bands, .. } => {
                let pro = v.iter().filter(|x| **x >= 9).count();
                let det = v.iter().filter(|x| **x <= 6).count();
                bands.total() == v.len() as u64
                    && close(
                        *nps,
                        (!v.is_empty()).then(|| 100.0 * (pro as f64 - det as f64) / v.len() as f64),
                    )
            }
            Detail::YesNo { yes_share } => close(
                *yes_share,
                share(v.iter().filter(|x| **x == 1).count(), v.len()),
            ),
            Detail::Number {
                min,
                max,
                mean,
                median,
            } => {
                *min == v.first().copied()
                    && *max == v.last().copied()
                    && close(*mean, naive_mean(v))
                    && close(*median, naive_median(v))
            }
        };
        if !ok {
            return Err(ctx("type figures"));
        }
    }
    Ok(())
}

// --- known answers -----------------------------------------------------

const KNOWN: &str = r#"
id = "known"
languages = ["en"]
title = { en = "Known answers" }
population = 80

[[question]]
id = "overall"
type = "rating"
scale = 5
text = { en = "Grade" }

[[question]]
id = "recommend"
type = "nps"
text = { en = "How likely are you to recommend us?" }

[[question]]
id = "would"
type = "yesno"
text = { en = "Would you recommend us?" }

[[question]]
id = "why"
type = "text"
text = { en = "Why?" }
"#;

fn response(survey: &Survey, i: u128, ms: i64, complete: bool, answers: Answers) -> Response {
    Response {
        id: Uuid::from_u128(i),
        survey: survey.id.clone(),
        version: VersionHash::of(survey),
        terminal: "t".into(),
        lang: Lang::En,
        started_ms: ms - 60_000,
        submitted_ms: ms,
        complete,
        answers,
        simulated: false,
        suspect: false,
    }
}

/// 40 responses: grades 2×1, 3×2, 5×3, 15×4, 15×5 (3 in 4 grade 4-5,
/// mean 3.95); NPS 20 promoters, 14 passives, 6 detractors (+35);
/// 22 of 25 would recommend (88 %); and one partial response.
fn known() -> (Survey, Vec<Response>) {
    let survey = survey_from_str(KNOWN).unwrap();
    let grades = [(1u8, 2), (2, 3), (3, 5), (4, 15), (5, 15)];
    let scores = [(10u8, 12), (9, 8), (8, 9), (7, 5), (6, 3), (5, 2), (0, 1)];
    let expand = |list: &[(u8, usize)]| -> Vec<u8> {
        list.iter()
            .flat_map(|(v, c)| std::iter::repeat_n(*v, *c))
            .collect()
    };
    let (grades, scores) = (expand(&grades), expand(&scores));
    let mut out = Vec::new();
    for i in 0..40 {
        let mut a = Answers::new();
        a.insert("overall".into(), Answer::Rating(grades[i]));
        a.insert("recommend".into(), Answer::Nps(scores[i]));
        if i < 25 {
            a.insert("would".into(), Answer::YesNo(i < 22));
        }
        if i == 3 || i == 30 {
            a.insert("why".into(), Answer::Text(format!("answer {i}")));
        }
        // One a day from 2025-01-01T10:00Z.
        let ms = 1_735_725_600_000 + i as i64 * 24 * HOUR_MS;
        out.push(response(&survey, i as u128, ms, true, a));
    }
    let mut a = Answers::new();
    a.insert("overall".into(), Answer::Rating(1));
    out.push(response(&survey, 99, 1_735_725_600_000, false, a));
    (survey, out)
}

#[test]
fn known_answers_in_the_json_shape() {
    let (survey, responses) = known();
    let mut t = Tally::new(&survey);
    for r in &responses {
        t.fold(r, &survey);
    }
    let result = t.results();
    let json = serde_json::to_value(&result).unwrap();
    assert_eq!(json["survey"], "known");
    assert_eq!(json["version"], VersionHash::of(&survey).to_string());
    assert_eq!(json["responses"], 40);
    assert_eq!(json["partial"], 1);
    assert_eq!(json["response_rate"], 0.5);
    assert_eq!(json["versions"][0]["responses"], 40);
    assert_eq!(json["versions"][0]["current"], true);
    assert_eq!(json["versions"][0]["left_out"], json!([]));

    let overall = &json["questions"][0];
    assert_eq!(
        overall,
        &json!({
            "id": "overall", "type": "rating", "answered": 40,
            "counts": {"1": 2, "2": 3, "3": 5, "4": 15, "5": 15},
            "percent": {"1": 5.0, "2": 7.5, "3": 12.5, "4": 37.5, "5": 37.5},
            "intervals": {
                "1": {"low": 1.3821, "high": 16.5039},
                "2": {"low": 2.5836, "high": 19.8642},
                "3": {"low": 5.4595, "high": 26.1121},
                "4": {"low": 24.223, "high": 52.9676},
                "5": {"low": 24.223, "high": 52.9676}
            },
            "scale": 5, "mean": 3.95, "median": 4.0, "top2": 0.75,
            "top2_interval": {"low": 0.5981, "high": 0.8581}
        })
    );
    let recommend = &json["questions"][1];
    assert_eq!(recommend["answered"], 40);
    assert_eq!(recommend["nps"], 35.0);
    assert_eq!(
        recommend["bands"],
        json!({"detractors": 6, "passives": 14, "promoters": 20})
    );
    assert_eq!(recommend["counts"]["0"], 1);
    assert_eq!(recommend["counts"]["1"], 0);
    assert_eq!(recommend["counts"].as_object().unwrap().len(), 11);
    let i = &recommend["nps_interval"];
    assert!(i["low"].as_f64().unwrap() < 35.0 && i["high"].as_f64().unwrap() > 35.0);

    let would = &json["questions"][2];
    assert_eq!(would["answered"], 25);
    assert_eq!(would["yes_share"], 0.88);
    assert_eq!(would["counts"], json!({"yes": 22, "no": 3}));
    assert_eq!(would["percent"], json!({"yes": 88.0, "no": 12.0}));

    let why = &json["questions"][3];
    assert_eq!(why["answered"], 2);
    assert_eq!(why.get("counts"), None);
    let answers: Vec<&str> = why["answers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["text"].as_str().unwrap())
        .collect();
    assert_eq!(answers, ["answer 30", "answer 3"], "newest first");

    // The partial response counts when asked for.
    let mut t = Tally::with_partial(&survey, true);
    for r in &responses {
        t.fold(r, &survey);
    }
    let r = t.results();
    assert_eq!((r.responses, r.partial), (41, 1));
    assert_eq!(r.question("overall").unwrap().count("1"), Some(3));
    assert_eq!(
        r.response_rate,
        Some(0.5),
        "partials never count as responding"
    );
}

#[test]
fn figures_are_null_without_answers() {
    let (survey, _) = known();
    let json = serde_json::to_value(Tally::new(&survey).results()).unwrap();
    let overall = &json["questions"][0];
    assert_eq!(overall["answered"], 0);
    assert_eq!(overall["mean"], Value::Null);
    assert_eq!(overall["top2"], Value::Null);
    assert_eq!(overall["percent"], json!({}));
    assert_eq!(json["questions"][1]["nps"], Value::Null);
    assert_eq!(json["response_rate"], 0.0);
    assert_eq!(json["first_submitted_ms"], Value::Null);
}

#[test]
fn multi_percent_is_of_respondents_and_ranking_has_mean_ranks() {
    let survey = SURVEYS[0].clone();
    let mut t = Tally::new(&survey);
    let multi = |o: &[&str], other: Option<&str>| Answer::Multi {
        options: o.iter().map(|x| (*x).to_owned()).collect(),
        other: other.map(Into::into),
    };
    let rank = |o: &[&str]| Answer::Ranking(o.iter().map(|x| (*x).to_owned()).collect());
    let answers = [
        (
            multi(&["phone", "email"], None),
            rank(&["speed", "quality"]),
        ),
        (multi(&["phone"], Some("chat")), rank(&["quality", "speed"])),
        (multi(&["desk"], None), rank(&["speed", "access"])),
        (multi(&["phone", "desk"], None), rank(&["speed", "quality"])),
    ];
    for (i, (m, r)) in answers.into_iter().enumerate() {
        let mut a = Answers::new();
        a.insert(
            "group".into(),
            Answer::Choice(Picked::Option("staff".into())),
        );
        a.insert("channels".into(), m);
        a.insert("priorities".into(), r);
        t.fold(&response(&survey, i as u128, NOW_MS, true, a), &survey);
    }
    let r = t.results();
    let channels = r.question("channels").unwrap();
    assert_eq!(channels.answered, 4);
    assert_eq!(channels.percent_of("phone"), Some(75.0));
    assert_eq!(channels.percent_of("other"), Some(25.0));
    let total: f64 = channels.percent.iter().map(|(_, p)| p).sum();
    assert_eq!(total, 175.0, "a multi's column sums past 100 %");
    let Detail::Multi { other_texts } = &channels.detail else {
        panic!("{channels:?}");
    };
    assert_eq!(&*other_texts[0].text, "chat");

    let priorities = r.question("priorities").unwrap();
    assert_eq!(priorities.count("speed"), Some(3), "first places");
    assert_eq!(priorities.count("quality"), Some(1));
    let Detail::Ranking { mean_rank, ranked } = &priorities.detail else {
        panic!("{priorities:?}");
    };
    assert_eq!(
        mean_rank,
        &vec![
            ("speed".to_owned(), Some(1.25)),
            ("quality".to_owned(), Some(5.0 / 3.0)),
            ("access".to_owned(), Some(2.0)),
        ]
    );
    assert_eq!(ranked[0], ("speed".to_owned(), 4));
    let json = serde_json::to_value(priorities).unwrap();
    assert_eq!(json["mean_rank"]["quality"], 1.6667);
}

#[test]
fn older_versions_count_where_id_and_type_match() {
    let new = &SURVEYS[0];
    let old = &*OLD;
    let mut a = Answers::new();
    a.insert(
        "group".into(),
        Answer::Choice(Picked::Option("resident".into())),
    );
    a.insert(
        "channels".into(),
        Answer::Multi {
            options: vec!["fax".into(), "email".into()],
            other: None,
        },
    );
    a.insert("overall".into(), Answer::Rating(7));
    a.insert("visits".into(), Answer::Text("often".into()));
    a.insert("legacy".into(), Answer::YesNo(true));
    let mut r = response(old, 1, NOW_MS, true, a);
    r.version = VersionHash::of(old);
    assert_eq!(r.check(old), Ok(()));
    let mut t = Tally::new(new);
    assert_eq!(t.fold(&r, old), Folded::Counted);
    let result = t.results();
    assert_eq!(result.responses, 1);
    assert_eq!(result.question("group").unwrap().count("resident"), Some(1));
    let channels = result.question("channels").unwrap();
    assert_eq!((channels.answered, channels.count("email")), (1, Some(1)));
    assert_eq!(result.question("overall").unwrap().answered, 0);
    assert_eq!(result.question("visits").unwrap().answered, 0);
    assert_eq!(result.versions.len(), 1);
    assert!(!result.versions[0].current);
    assert_eq!(
        result.versions[0].left_out,
        vec![
            LeftOut::OptionRemoved {
                question: "channels".into(),
                option: "fax".into()
            },
            LeftOut::ScaleChanged {
                question: "overall".into(),
                was: 7,
                now: 5
            },
            LeftOut::TypeChanged {
                question: "visits".into(),
                was: "text".into(),
                now: "number".into()
            },
            LeftOut::Removed {
                question: "legacy".into()
            },
        ]
    );
    let json = serde_json::to_value(&result.versions[0].left_out[1]).unwrap();
    assert_eq!(
        json,
        json!({"reason": "scale_changed", "question": "overall", "was": 7, "now": 5})
    );
}

#[test]
fn left_out_answers_are_counted_per_reason_and_said_in_words() {
    let (new, old) = (&SURVEYS[0], &*OLD);
    let mut t = Tally::new(new);
    for i in 0..3 {
        let mut a = Answers::new();
        let options = if i < 2 {
            vec!["fax".into()]
        } else {
            vec!["email".into()]
        };
        a.insert(
            "channels".into(),
            Answer::Multi {
                options,
                other: None,
            },
        );
        a.insert("legacy".into(), Answer::YesNo(true));
        let mut r = response(old, i, NOW_MS + i64::try_from(i).unwrap(), true, a);
        r.version = VersionHash::of(old);
        t.fold(&r, old);
    }
    // Merging adds the counts too.
    let mut both = t.clone();
    both.merge(t).unwrap();
    let result = both.results();
    assert_eq!(result.versions[0].left_out_answers, vec![4, 0, 0, 6]);
    let words: Vec<String> = left_out_answers(&result, |_| true)
        .iter()
        .map(LeftOutAnswers::sentence)
        .collect();
    assert_eq!(
        words,
        [
            "4 answers to an older version left out: option `fax` of `channels` was removed",
            "6 answers to an older version left out: question `legacy` was removed",
        ]
    );
    // Not in the JSON: its shape stays release 0.1's.
    let json = serde_json::to_value(&result).unwrap();
    assert!(json["versions"][0].get("left_out_answers").is_none());
}

#[test]
fn labels_in_each_language_else_the_id() {
    let survey = &SURVEYS[0];
    let group = survey.question("group").unwrap();
    let option = &group.kind.options()[0];
    assert_eq!(
        key_label(survey, "group", &option.id, Lang::En),
        option.label.get(Lang::En)
    );
    assert_eq!(key_label(survey, "group", "nonesuch", Lang::Fi), "nonesuch");
    assert_eq!(
        group_label(survey, &"group".into(), NO_GROUP, Lang::Sv),
        "(inget svar)"
    );
    assert_eq!(
        group_label(survey, &"group".into(), ALL, Lang::Fi),
        "(kaikki)"
    );
    assert_eq!(question_text(survey, "nonesuch", Lang::En), "nonesuch");
}

#[test]
fn other_surveys_are_ignored_and_mismatched_merges_refused() {
    let (known, responses) = known();
    let mut t = Tally::new(&SURVEYS[0]);
    assert_eq!(t.fold(&responses[0], &known), Folded::OtherSurvey);
    assert_eq!(t.responses(), 0);
    assert_eq!(
        t.clone().merge(Tally::new(&known)),
        Err(MergeError::DifferentSurvey)
    );
    assert_eq!(
        t.merge(Tally::with_partial(&SURVEYS[0], true)),
        Err(MergeError::DifferentOptions)
    );
}

// --- groups and periods -------------------------------------------------

fn helsinki() -> TimeZone {
    TimeZone::get("Europe/Helsinki").unwrap()
}

#[test]
fn period_labels_follow_the_calendar() {
    use jiff::civil::date;
    let d = date(2024, 12, 30);
    assert_eq!(Period::Day.label(d), "2024-12-30");
    assert_eq!(
        Period::Week.label(d),
        "2025-W01",
        "ISO week of the Thursday"
    );
    assert_eq!(Period::Week.label(date(2021, 1, 3)), "2020-W53");
    assert_eq!(Period::Week.start(date(2021, 1, 3)), date(2020, 12, 28));
    assert_eq!(Period::Month.label(d), "2024-12");
    assert_eq!(Period::Year.label(d), "2024");
    assert_eq!(
        Period::Month.next_start(date(2024, 2, 1)),
        Some(date(2024, 3, 1))
    );
    assert_eq!(
        Period::Week.next_start(date(2024, 12, 30)),
        Some(date(2025, 1, 6))
    );
    assert_eq!(
        Period::Year.next_start(date(2024, 1, 1)),
        Some(date(2025, 1, 1))
    );
    for p in Period::ALL {
        assert_eq!(Period::from_name(p.name()), Some(p));
    }
    assert_eq!(Period::from_name("fortnight"), None);
}

#[test]
fn periods_are_local_and_the_cache_never_changes_an_answer() {
    let tz = helsinki();
    let grouping = |period| Grouping {
        period: Some(period),
        time_zone: tz.clone(),
        ..Grouping::default()
    };
    // Around the spring and autumn changes of 2025 and a new year, in
    // steps of 17 minutes, forward and then back over the same span.
    let starts = [1_743_292_800_000i64, 1_761_436_800_000, 1_735_680_000_000];
    for period in Period::ALL {
        let mut g = GroupedTally::new(&SURVEYS[0], grouping(period)).unwrap();
        for start in starts {
            let steps: Vec<i64> = (0..400)
                .map(|i| start - 2 * 86_400_000 + i * 17 * 60_000)
                .collect();
            for ms in steps.iter().chain(steps.iter().rev()) {
                let direct = period.start(local_date(&tz, *ms));
                assert_eq!(g.period_of(*ms), Some(direct), "{period} at {ms}");
            }
        }
    }
    // 2025-01-31T22:30Z is already February in Helsinki (UTC+2).
    let ms = 1_738_362_600_000;
    assert_eq!(Period::Month.label(local_date(&tz, ms)), "2025-02");
    assert_eq!(
        Period::Month.label(local_date(&TimeZone::UTC, ms)),
        "2025-01"
    );
}

#[test]
fn grouping_needs_a_choice_or_yesno_question() {
    let g = |by: &str| Grouping {
        by: Some(by.into()),
        ..Grouping::default()
    };
    assert!(GroupedTally::new(&SURVEYS[0], g("group")).is_ok());
    assert!(GroupedTally::new(&SURVEYS[0], g("solved")).is_ok());
    assert_eq!(
        GroupedTally::new(&SURVEYS[0], g("nope")).unwrap_err(),
        GroupError::UnknownQuestion("nope".into())
    );
    assert_eq!(
        GroupedTally::new(&SURVEYS[0], g("overall")).unwrap_err(),
        GroupError::NotGroupable {
            question: "overall".into(),
            kind: "rating"
        }
    );
}

#[test]
fn grouped_known_answers() {
    let (survey, responses) = known();
    let grouping = Grouping {
        by: Some("would".into()),
        terminals: Vec::new(),
        period: Some(Period::Month),
        time_zone: helsinki(),
        // From 2025-01-03 (UTC), so the first two days are left out.
        since_ms: Some(1_735_862_400_000),
        until_ms: None,
        include_partial: false,
        include_suspect: false,
    };
    let mut g = GroupedTally::new(&survey, grouping).unwrap();
    let folded: Vec<Folded> = responses.iter().map(|r| g.fold(r, &survey)).collect();
    assert_eq!(
        folded.iter().filter(|f| **f == Folded::OutOfRange).count(),
        3
    );
    let result = g.results();
    assert_eq!(result.total.responses, 38);
    let keys: Vec<(String, String, u64)> = result
        .cells
        .iter()
        .map(|c| {
            (
                c.group.clone().unwrap(),
                c.period.clone().unwrap(),
                c.result.responses,
            )
        })
        .collect();
    let k = |g: &str, p: &str, n| (g.to_owned(), p.to_owned(), n);
    assert_eq!(
        keys,
        [
            k("yes", "2025-01", 20),
            k("yes", ALL, 20),
            k("no", "2025-01", 3),
            k("no", ALL, 3),
            k(NO_GROUP, "2025-01", 6),
            k(NO_GROUP, "2025-02", 9),
            k(NO_GROUP, ALL, 15),
            k(ALL, "2025-01", 29),
            k(ALL, "2025-02", 9),
        ]
    );
    let json = serde_json::to_value(&result).unwrap();
    assert_eq!(json["responses"], 38);
    assert_eq!(json["by"], "would");
    assert_eq!(json["period"], "month");
    assert_eq!(json["cells"][0]["group"], "yes");
    assert_eq!(json["cells"][0]["questions"][2]["yes_share"], 1.0);
    assert!(json["cells"][0].get("cells").is_none());
}

// --- properties ---------------------------------------------------------

fn groupable(survey: &Survey) -> Option<String> {
    survey
        .questions
        .iter()
        .find(|q| matches!(q.kind, QuestionKind::Choice { .. } | QuestionKind::YesNo))
        .map(|q| q.id.clone())
}

fn grouped(survey: &Survey, grouping: &Grouping, items: &[Item]) -> GroupedTally {
    let mut g = GroupedTally::new(survey, grouping.clone()).unwrap();
    for (r, v) in items {
        g.fold(r, v);
    }
    g
}

fn arb_grouping(which: usize) -> impl Strategy<Value = Grouping> {
    let by = groupable(&SURVEYS[which]);
    (
        any::<bool>(),
        proptest::option::of(proptest::sample::select(Period::ALL.to_vec())),
        proptest::option::of(0i64..200),
        proptest::option::of(200i64..366),
        any::<bool>(),
    )
        .prop_map(move |(use_by, period, since, until, include_partial)| {
            let day_ms = 24 * HOUR_MS;
            Grouping {
                by: by.clone().filter(|_| use_by).map(By::Question),
                terminals: Vec::new(),
                period,
                time_zone: TimeZone::fixed(jiff::tz::offset(2)),
                since_ms: since.map(|d| NOW_MS - 366 * day_ms + d * day_ms),
                until_ms: until.map(|d| NOW_MS - 366 * day_ms + d * day_ms),
                include_partial,
                include_suspect: false,
            }
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn folding_order_does_not_matter(
        which in 0..6usize, seed in any::<u64>(), n in 0..300usize, order in any::<u64>(),
    ) {
        let survey = &SURVEYS[which];
        let items = corpus(which, seed, n);
        let a = fold_all(survey, &items, false).results();
        let b = fold_all(survey, &shuffled(&items, order), false).results();
        prop_assert_eq!(&a, &b);
        let reversed: Vec<Item> = items.iter().rev().cloned().collect();
        prop_assert_eq!(&a, &fold_all(survey, &reversed, false).results());
        prop_assert_eq!(
            serde_json::to_string(&a).unwrap(),
            serde_json::to_string(&b).unwrap()
        );
    }

    #[test]
    fn merging_is_folding_the_concatenation(
        which in 0..6usize, seed in any::<u64>(), n in 0..300usize,
        cut in 0.0..=1.0f64, include_partial in any::<bool>(),
    ) {
        let survey = &SURVEYS[which];
        let items = corpus(which, seed, n);
        let (a, b) = items.split_at((n as f64 * cut) as usize);
        let mut merged = fold_all(survey, a, include_partial);
        merged.merge(fold_all(survey, b, include_partial)).unwrap();
        prop_assert_eq!(
            merged.results(),
            fold_all(survey, &items, include_partial).results()
        );
    }

    #[test]
    fn figures_agree_with_a_naive_recount(
        which in 0..6usize, seed in any::<u64>(), n in 0..300usize,
        include_partial in any::<bool>(),
    ) {
        let survey = &SURVEYS[which];
        let items = corpus(which, seed, n);
        let result = fold_all(survey, &items, include_partial).results();
        let naive = recount(survey, &items, include_partial);
        agrees(survey, &result, &naive).map_err(TestCaseError::fail)?;
    }

    #[test]
    fn groups_sum_to_the_total(
        (which, grouping) in (0..6usize).prop_flat_map(|w| (Just(w), arb_grouping(w))),
        seed in any::<u64>(), n in 0..300usize, cut in 0.0..=1.0f64,
    ) {
        let survey = &SURVEYS[which];
        let items = corpus(which, seed, n);
        let g = grouped(survey, &grouping, &items);
        let result = g.results();

        // The total is the plain tally of the responses in range.
        let in_range: Vec<Item> = items
            .iter()
            .filter(|(r, _)| {
                grouping.since_ms.is_none_or(|s| r.submitted_ms >= s)
                    && grouping.until_ms.is_none_or(|u| r.submitted_ms < u)
            })
            .cloned()
            .collect();
        let plain = fold_all(survey, &in_range, grouping.include_partial).results();
        prop_assert_eq!(&result.total, &plain);
        let naive = recount(survey, &in_range, grouping.include_partial);
        agrees(survey, &result.total, &naive).map_err(TestCaseError::fail)?;

        // Along each dimension, the cells of one margin sum to it.
        let by_group = |c: &&CellResult| grouping.by.is_none() || c.group.as_deref() != Some(ALL);
        let by_period = |c: &&CellResult| grouping.period.is_none() || c.period.as_deref() != Some(ALL);
        let sum_of = |cells: &[&CellResult]| {
            let mut responses = 0;
            let mut counts: BTreeMap<(String, String), u64> = BTreeMap::new();
            for c in cells {
                responses += c.result.responses;
                for q in &c.result.questions {
                    for (k, n) in q.counts.iter().filter(|(_, n)| *n > 0) {
                        *counts.entry((q.id.clone(), k.clone())).or_default() += n;
                    }
                }
            }
            (responses, counts)
        };
        let total = sum_of(&[&CellResult { group: None, period: None, result: plain.clone() }]);
        let inner: Vec<&CellResult> = result.cells.iter().filter(by_group).filter(by_period).collect();
        if grouping.by.is_some() || grouping.period.is_some() {
            prop_assert_eq!(&sum_of(&inner), &total);
        }
        if grouping.by.is_some() && grouping.period.is_some() {
            let group_margins: Vec<&CellResult> = result.cells.iter().filter(|c| !by_period(c)).collect();
            let period_margins: Vec<&CellResult> = result.cells.iter().filter(|c| !by_group(c)).collect();
            prop_assert_eq!(&sum_of(&group_margins), &total);
            prop_assert_eq!(&sum_of(&period_margins), &total);
        }

        // Each group holds exactly the responses with its answer.
        if let Some(By::Question(by)) = &grouping.by {
            for c in result.cells.iter().filter(by_group) {
                let group = c.group.as_deref().unwrap_or_default();
                let q = c.result.question(by).unwrap();
                let expected = if group == NO_GROUP { 0 } else { q.answered };
                prop_assert_eq!(q.count(group).unwrap_or(0), expected, "{}", group);
                prop_assert_eq!(q.answered, expected);
            }
        }

        // Grouped tallies merge like plain ones.
        let (a, b) = items.split_at((n as f64 * cut) as usize);
        let mut merged = grouped(survey, &grouping, a);
        merged.merge(grouped(survey, &grouping, b)).unwrap();
        prop_assert_eq!(merged.results(), result);
    }
}

#[test]
fn suspect_responses_are_left_out_unless_asked_for_and_counted_either_way() {
    let (survey, responses) = known();
    let mut flagged: Vec<Response> = responses.clone();
    // Three of the complete ones suspect, two simulated (one of them also
    // suspect).
    for r in flagged.iter_mut().filter(|r| r.complete).take(3) {
        r.suspect = true;
    }
    flagged[2].simulated = true;
    flagged[5].simulated = true;
    let complete = responses.iter().filter(|r| r.complete).count() as u64;
    let tally = |include_suspect: bool| {
        let grouping = Grouping {
            include_suspect,
            ..Grouping::default()
        };
        let mut t = GroupedTally::new(&survey, grouping).unwrap();
        for r in &flagged {
            t.fold(r, &survey);
        }
        t.results().total
    };
    let without = tally(false);
    assert_eq!(without.responses, complete - 3);
    assert_eq!((without.suspect, without.include_suspect), (3, false));
    assert_eq!(without.simulated, 1);
    let with = tally(true);
    assert_eq!(with.responses, complete);
    assert_eq!((with.suspect, with.include_suspect), (3, true));
    assert_eq!(with.simulated, 2);
    let json = serde_json::to_value(&without).unwrap();
    assert_eq!(json["suspect"], json!(3));
    assert_eq!(json["simulated"], json!(1));
    // A tally with no flagged responses has the shape it always had.
    let mut plain = Tally::new(&survey);
    for r in &responses {
        plain.fold(r, &survey);
    }
    let json = serde_json::to_value(plain.results()).unwrap();
    for key in ["suspect", "simulated", "include_suspect"] {
        assert!(json.get(key).is_none(), "{key}");
    }
}

mod kept;
mod terminals;
