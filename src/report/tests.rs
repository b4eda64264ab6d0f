//! The page from known responses: its figures, its words per language,
//! the change against the previous period, and hostile answers as text.

use super::*;
use crate::core::answer::Answer;
use crate::core::report::tests::{KNOWN, known_responses};
use crate::core::response::Response;
use crate::core::tally::{GroupedTally, Grouping, Period};
use crate::core::validate::survey_from_str;
use jiff::tz::TimeZone;

const WHY: &str = r#"
[[question]]
id = "why"
type = "text"
text = { en = "Why?" }
"#;

const HOSTILE: [&str; 3] = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(2)>",
    "<a href=\"javascript:alert(3)\">click</a>",
];

/// 2025-01-01 and 2026-01-01, 10:00 UTC.
const YEAR_2025: i64 = 1_735_725_600_000;
const YEAR_2026: i64 = 1_767_261_600_000;

fn survey() -> Survey {
    survey_from_str(&format!("{KNOWN}{WHY}")).unwrap()
}

fn page(survey: &Survey, responses: &[Response], lang: Lang, period: Option<Period>) -> String {
    let grouping = Grouping {
        by: None,
        terminals: Vec::new(),
        period,
        time_zone: TimeZone::UTC,
        since_ms: None,
        until_ms: None,
        include_partial: false,
        include_suspect: false,
    };
    let mut t = GroupedTally::new(survey, grouping).unwrap();
    for r in responses {
        t.fold(r, survey);
    }
    let result = t.results();
    render(&Page {
        survey,
        result: &result,
        lang,
        time: &|ms| ms.to_string(),
        made: "today".into(),
    })
    .unwrap()
}

/// The `data-value` of the figure `name` outside groups and periods.
fn value(html: &str, name: &str) -> Option<String> {
    let key = format!("data-figure=\"{name}\" data-value=\"");
    let at = html.find(&key)? + key.len();
    let rest = &html[at..];
    Some(rest[..rest.find('"')?].to_owned())
}

#[test]
fn the_known_answers_are_on_the_page_as_figures_and_words() {
    let survey = survey();
    let html = page(
        &survey,
        &known_responses(&survey, YEAR_2025),
        Lang::En,
        None,
    );
    assert_eq!(value(&html, "responses").as_deref(), Some("100"));
    assert_eq!(value(&html, "would.yes_share").as_deref(), Some("0.8800"));
    assert_eq!(value(&html, "overall.top2").as_deref(), Some("0.7500"));
    assert_eq!(value(&html, "overall.mean").as_deref(), Some("3.9800"));
    assert_eq!(value(&html, "compared.percent.better"), None);
    for (key, pct) in [("improved", "24"), ("same", "64"), ("worse", "12")] {
        assert_eq!(
            value(&html, &format!("compared.percent.{key}")).as_deref(),
            Some(format!("{pct}.0000").as_str())
        );
    }
    assert!(html.contains("88 %") && html.contains("75 %"), "{html}");
    assert!(html.contains("<html lang=\"en\">") && html.contains("Summary"));
    assert!(html.contains("data-chart=\"overall.rating\""));
    assert!(html.contains("data-chart=\"compared.choice\""));
}

#[test]
fn finnish_and_swedish_pages_use_their_words_and_decimal_commas() {
    let survey = survey();
    let responses = known_responses(&survey, YEAR_2025);
    let fi = page(&survey, &responses, Lang::Fi, None);
    assert!(fi.contains("<html lang=\"fi\">") && fi.contains("Yhteenveto"));
    assert!(fi.contains("3,98") && !fi.contains(">3.98"), "{fi}");
    let sv = page(&survey, &responses, Lang::Sv, None);
    assert!(sv.contains("Sammanfattning") && sv.contains("3,98"));
}

#[test]
fn the_latest_period_is_compared_with_the_one_before() {
    let survey = survey();
    // 2025: 88 % yes; 2026: the same responses but 12 more say no (76 %).
    let mut responses = known_responses(&survey, YEAR_2025);
    let mut later = known_responses(&survey, YEAR_2026);
    for r in later.iter_mut().take(12) {
        r.answers.insert("would".into(), Answer::YesNo(false));
    }
    // And 2026 has three times as many: enough for the drop to be more than chance.
    let again = later.clone();
    responses.extend(later);
    for (i, r) in again.iter().cycle().take(200).enumerate() {
        let mut r = r.clone();
        r.id = uuid::Uuid::from_u128(9_000_000 + i as u128);
        responses.push(r);
    }
    let html = page(&survey, &responses, Lang::En, Some(Period::Year));
    assert!(html.contains("data-chart=\"would.trend\""), "{html}");
    assert!(html.contains("Compared with the previous period: 2026 / 2025"));
    let key = "data-change=\"would.yes_share\" data-value=\"";
    let at = html.find(key).unwrap() + key.len();
    assert!(html[at..].starts_with("-12.0000"), "{}", &html[at..at + 40]);
    let row = &html[at..at + 600];
    assert!(row.contains("data-significant=\"down\""), "{row}");
    // The mean grade did not change: within chance.
    let key = "data-change=\"overall.mean\" data-value=\"0.0000\"";
    let at = html.find(key).unwrap();
    assert!(html[at..at + 400].contains("data-significant=\"no\""));
    assert!(html.contains("Newcombe"));
}

#[test]
fn hostile_answers_stay_text() {
    let survey = survey();
    let mut responses = known_responses(&survey, YEAR_2025);
    for (r, text) in responses.iter_mut().zip(HOSTILE) {
        r.answers.insert("why".into(), Answer::Text(text.into()));
    }
    let html = page(&survey, &responses, Lang::En, None);
    let lower = html.to_lowercase();
    assert!(!lower.contains("<script"), "a script element");
    assert!(!lower.contains("<img"), "an img element");
    assert!(!lower.contains("<a "), "a link");
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(html.contains("&lt;img src=x onerror=alert(2)&gt;"));
    assert!(html.contains("&lt;a href=&quot;javascript:alert(3)&quot;&gt;click&lt;/a&gt;"));
}

#[test]
fn the_page_fetches_nothing() {
    let survey = survey();
    let html = page(
        &survey,
        &known_responses(&survey, YEAR_2025),
        Lang::En,
        None,
    );
    assert!(html.contains("default-src 'none'"));
    for needle in ["http://", "https://", "src=", "@import", "url("] {
        let outside_svg_namespace = html.replace("http://www.w3.org/2000/svg", "");
        assert!(!outside_svg_namespace.contains(needle), "{needle}");
    }
}
