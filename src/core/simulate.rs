//! Synthetic respondents for demos, load tests and benchmarks.
//!
//! Each respondent walks the survey through [`Walk`], as a person at the
//! kiosk does, so conditions and required questions are honoured. The
//! numbers are meant to look like the seed articles' surveys, not noise:
//! each respondent has a mood that colours all their grades (so questions
//! correlate), grades lean to 4-5, satisfaction improves a little over the
//! year (so periods show a trend), a few walk away (partials), and open
//! answers come from a small phrase list in the respondent's language.
//! The caller passes the random source and the time, so runs are repeatable.

use rand::{Rng, RngExt};

use super::answer::{Answer, Picked};
use super::flow::{Step, Walk};
use super::response::{Response, time_ordered_id};
use super::survey::{Lang, Question, QuestionKind, Survey};
use super::version::VersionHash;

const DAY_MS: i64 = 24 * 60 * 60 * 1000;
/// Share of respondents who walk away before the end.
const PARTIAL_SHARE: f64 = 0.04;
/// Share of optional, non-text questions left unanswered.
const SKIP_SHARE: f64 = 0.06;
/// Share of respondents who are unhappy with the service.
const UNHAPPY_SHARE: f64 = 0.08;
/// Share of optional text questions that get an answer.
const TEXT_SHARE: f64 = 0.3;

/// What every simulated response shares.
pub struct Setup<'a> {
    pub survey: &'a Survey,
    pub version: VersionHash,
    pub terminal: &'a str,
    /// Unix milliseconds; responses are spread over the year before it.
    pub now_ms: i64,
    /// The kiosk's offset from UTC, so that answers come in its opening hours.
    pub utc_offset_ms: i64,
}

/// One synthetic response, valid for `setup.survey`. `progress` (0..1) is
/// how far through the run this respondent is: the run walks through the
/// past year in order, as a kiosk would have collected it, so keys arrive
/// nearly in time order.
pub fn respondent(rng: &mut impl Rng, setup: &Setup<'_>, progress: f64) -> Response {
    let survey = setup.survey;
    // The 365 days before today: never today, so the times depend on the
    // date only and a seed gives the same responses all day long.
    let days_ago = 1 + ((1.0 - progress.clamp(0.0, 1.0)) * 364.0) as i32;
    // 0 a year ago, 1 today: the service gets a little better over time.
    let recency = 1.0 - f64::from(days_ago) / 365.0;
    // Most people are fairly content; a small group had a bad day. The
    // mixture gives the long low tail real grade distributions have.
    let mood = if rng.random_bool(UNHAPPY_SHARE) {
        rng.random_range(0.0..0.45)
    } else {
        (normal(rng) * 0.15 + 0.7 + 0.1 * recency).clamp(0.0, 1.0)
    };
    let lang = pick_lang(rng, survey);

    let mut walk = Walk::start(survey);
    let mut complete = false;
    let walks_away = rng.random_bool(PARTIAL_SHARE);
    loop {
        if walks_away && walk.has_answers() && rng.random_bool(0.3) {
            break;
        }
        let Some(q) = walk.question(survey) else {
            break;
        };
        let answer = answer_for(rng, q, mood, lang);
        // A generated answer is valid by construction; should it not be,
        // the question is left unanswered rather than stopping the run.
        if walk.set_answer(survey, answer).is_err() {
            let _ = walk.set_answer(survey, None);
        }
        match walk.next(survey) {
            Ok(Step::Question(_)) => {}
            Ok(Step::Finished) => {
                complete = !walks_away;
                break;
            }
            Err(_) => break,
        }
    }
    let (answers, all_required) = walk.finish(survey);

    // Local midnight of the chosen day, then a time in opening hours.
    let local_now = setup.now_ms + setup.utc_offset_ms;
    let midnight = local_now - local_now.rem_euclid(DAY_MS) - i64::from(days_ago) * DAY_MS;
    let submitted_ms = midnight + office_time_ms(rng) - setup.utc_offset_ms;
    let started_ms = submitted_ms - rng.random_range(15_000..120_000);
    Response {
        id: time_ordered_id(rng, submitted_ms),
        survey: survey.id.clone(),
        version: setup.version,
        terminal: setup.terminal.to_owned(),
        lang,
        started_ms,
        submitted_ms,
        complete: complete && all_required,
        answers,
        simulated: false,
        suspect: false,
    }
}

/// Milliseconds after midnight: opening hours 8-16, busiest around noon.
fn office_time_ms(rng: &mut impl Rng) -> i64 {
    let hour = (12.0 + normal(rng) * 2.0).clamp(8.0, 15.9);
    (hour * 3_600_000.0) as i64
}

/// The survey's default language most of the time, the others sometimes.
fn pick_lang(rng: &mut impl Rng, survey: &Survey) -> Lang {
    let langs = &survey.languages;
    if langs.len() == 1 || rng.random_bool(0.7) {
        survey.default_lang()
    } else {
        langs[rng.random_range(1..langs.len())]
    }
}

/// An approximately standard normal number (Irwin-Hall: the sum of six
/// uniforms has variance 1/2, hence the scaling).
fn normal(rng: &mut impl Rng) -> f64 {
    ((0..6).map(|_| rng.random::<f64>()).sum::<f64>() - 3.0) * std::f64::consts::SQRT_2
}

/// A value in 0..=1 near the respondent's mood.
fn near(rng: &mut impl Rng, mood: f64) -> f64 {
    (mood + normal(rng) * 0.12).clamp(0.0, 1.0)
}

/// An index in `0..n`, earlier ones likelier (1/(i+1) weights), as real
/// answers favour the common options listed first.
fn popular(rng: &mut impl Rng, n: usize) -> usize {
    let total: f64 = (1..=n).map(|i| 1.0 / i as f64).sum();
    let mut x = rng.random::<f64>() * total;
    for i in 0..n {
        x -= 1.0 / (i + 1) as f64;
        if x <= 0.0 {
            return i;
        }
    }
    n.saturating_sub(1)
}

fn answer_for(rng: &mut impl Rng, q: &Question, mood: f64, lang: Lang) -> Option<Answer> {
    let is_text = matches!(q.kind, QuestionKind::Text { .. });
    if !q.required && !is_text && rng.random_bool(SKIP_SHARE) {
        return None;
    }
    Some(match &q.kind {
        QuestionKind::Choice { options, other } => {
            if *other && rng.random_bool(0.03) {
                Answer::Choice(Picked::Other(phrase(rng, OTHER_PHRASES, lang)))
            } else {
                Answer::Choice(Picked::Option(
                    options[popular(rng, options.len())].id.clone(),
                ))
            }
        }
        QuestionKind::Multi {
            options,
            min,
            max,
            other,
        } => {
            let mut chosen: Vec<String> = options
                .iter()
                .enumerate()
                .filter(|(i, _)| rng.random_bool(0.5 / (1.0 + *i as f64 * 0.3)))
                .map(|(_, o)| o.id.clone())
                .collect();
            let other_text =
                (*other && rng.random_bool(0.04)).then(|| phrase(rng, OTHER_PHRASES, lang));
            let limit = (*max as usize).saturating_sub(usize::from(other_text.is_some()));
            chosen.truncate(limit);
            while chosen.len() + usize::from(other_text.is_some()) < (*min).max(1) as usize {
                let o = &options[popular(rng, options.len())];
                if !chosen.contains(&o.id) {
                    chosen.push(o.id.clone());
                }
            }
            Answer::Multi {
                options: chosen,
                other: other_text,
            }
        }
        QuestionKind::Ranking { options, pick } => {
            let mut left: Vec<&str> = options.iter().map(|o| o.id.as_str()).collect();
            let mut order = Vec::new();
            while order.len() < *pick as usize && !left.is_empty() {
                order.push(left.remove(popular(rng, left.len())).to_owned());
            }
            Answer::Ranking(order)
        }
        QuestionKind::Rating { scale, .. } => {
            let steps = f64::from(scale - 1);
            Answer::Rating(1 + (near(rng, mood) * steps).round() as u8)
        }
        QuestionKind::Nps => Answer::Nps((near(rng, mood + 0.08) * 10.0).round() as u8),
        QuestionKind::YesNo => {
            let p = near(rng, mood + 0.1);
            Answer::YesNo(rng.random_bool(p))
        }
        QuestionKind::Number { min, max } => {
            let lo = min.unwrap_or(0);
            let hi = max.unwrap_or(lo.saturating_add(50)).max(lo);
            // Mostly small counts, sometimes many: a log-uniform spread.
            let span = (hi - lo) as f64 + 1.0;
            let x = (rng.random::<f64>() * span.ln()).exp() - 1.0;
            Answer::Number((lo + x as i64).min(hi))
        }
        QuestionKind::Text { max_len } => {
            if !q.required && !rng.random_bool(TEXT_SHARE) {
                return None;
            }
            let list = if mood < 0.55 {
                NEGATIVE_PHRASES
            } else {
                POSITIVE_PHRASES
            };
            let mut text = phrase(rng, list, lang);
            text = super::sanitize::clean_answer(&text, *max_len as usize, true);
            Answer::Text(text)
        }
    })
}

fn phrase(rng: &mut impl Rng, list: &[[&str; 3]], lang: Lang) -> String {
    let row = &list[rng.random_range(0..list.len())];
    let i = match lang {
        Lang::Fi => 0,
        Lang::Sv => 1,
        Lang::En => 2,
    };
    row[i].to_owned()
}

const POSITIVE_PHRASES: &[[&str; 3]] = &[
    [
        "Ystävällinen ja asiantunteva palvelu.",
        "Vänlig och kunnig service.",
        "Friendly and knowledgeable service.",
    ],
    [
        "Asia hoitui nopeasti.",
        "Ärendet sköttes snabbt.",
        "My matter was handled quickly.",
    ],
    [
        "Kiitos avusta!",
        "Tack för hjälpen!",
        "Thanks for the help!",
    ],
    [
        "Selkeät ohjeet ja lyhyt jono.",
        "Tydliga instruktioner och kort kö.",
        "Clear instructions and a short queue.",
    ],
    [
        "Hyvä, että voi asioida myös ruotsiksi.",
        "Bra att man kan uträtta ärenden på svenska.",
        "Good that I could use Swedish too.",
    ],
];

const NEGATIVE_PHRASES: &[[&str; 3]] = &[
    [
        "Jonotus kesti liian kauan.",
        "Det tog för lång tid i kön.",
        "The queue took far too long.",
    ],
    [
        "Puhelimeen ei vastattu.",
        "Ingen svarade i telefon.",
        "Nobody answered the phone.",
    ],
    [
        "Verkkosivuilta oli vaikea löytää tietoa.",
        "Det var svårt att hitta information på webben.",
        "Information was hard to find on the website.",
    ],
    [
        "Aukioloajat ovat hankalat.",
        "Öppettiderna är obekväma.",
        "The opening hours are inconvenient.",
    ],
    [
        "Jouduin asioimaan monta kertaa.",
        "Jag fick komma tillbaka flera gånger.",
        "I had to come back several times.",
    ],
];

const OTHER_PHRASES: &[[&str; 3]] = &[
    ["Opiskelija", "Studerande", "Student"],
    ["Eläkeläinen", "Pensionär", "Pensioner"],
    ["Yrittäjä", "Företagare", "Entrepreneur"],
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::validate::survey_from_str;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    use crate::core::testdata::SURVEYS;

    #[test]
    fn every_simulated_response_is_valid_and_seeded_runs_repeat() {
        for text in SURVEYS {
            let survey = survey_from_str(text).unwrap();
            let setup = Setup {
                survey: &survey,
                version: VersionHash::of(&survey),
                terminal: "test",
                now_ms: 1_790_000_000_000,
                utc_offset_ms: 2 * 3_600_000,
            };
            let mut rng = ChaCha8Rng::seed_from_u64(7);
            let responses: Vec<Response> = (0..500)
                .map(|i| respondent(&mut rng, &setup, f64::from(i) / 500.0))
                .collect();
            for r in &responses {
                assert_eq!(r.check(&survey), Ok(()), "{r:?}");
                assert!(
                    r.submitted_ms <= setup.now_ms && r.submitted_ms > setup.now_ms - 366 * DAY_MS
                );
            }
            let partial = responses.iter().filter(|r| !r.complete).count();
            assert!(
                (1..60).contains(&partial),
                "{partial} partials in {}",
                survey.id
            );
            let mut again = ChaCha8Rng::seed_from_u64(7);
            assert_eq!(respondent(&mut again, &setup, 0.0), responses[0]);
        }
    }

    #[test]
    fn grades_lean_to_the_top() {
        let survey = survey_from_str(SURVEYS[5]).unwrap();
        let setup = Setup {
            survey: &survey,
            version: VersionHash::of(&survey),
            terminal: "t",
            now_ms: 1_790_000_000_000,
            utc_offset_ms: 0,
        };
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let mut counts = [0usize; 6];
        for _ in 0..2000 {
            if let Some(Answer::Rating(g)) = respondent(&mut rng, &setup, 0.5).answers.get("visit")
            {
                counts[usize::from(*g)] += 1;
            }
        }
        assert!(
            counts[4] + counts[5] > counts[1] + counts[2] + counts[3],
            "{counts:?}"
        );
        assert!(counts[1] > 0, "low grades exist too: {counts:?}");
    }
}
