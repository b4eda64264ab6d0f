//! Folding the scan, accepting announced responses, and the hourly counts.

use proptest::prelude::*;
use rand::RngExt;

use super::*;
use crate::core::tally::{GroupedResult, Period};

fn shuffled(items: &[Response], seed: u64) -> Vec<Response> {
    let mut out = items.to_vec();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    for i in (1..out.len()).rev() {
        out.swap(i, rng.random_range(0..=i));
    }
    out
}

/// The result, today, the last 72 hours, the last 400 days by the hour,
/// and the last response's time.
type Figures = (GroupedResult, u64, Vec<u64>, Vec<u64>, Option<i64>);

/// Everything the view shows that depends on what was folded.
fn figures(live: &mut Live) -> Figures {
    (
        live.result().clone(),
        live.today(NOW),
        live.per_hour(NOW, 72),
        live.per_hour(NOW, 24 * 400),
        live.last_response_ms(NOW),
    )
}

fn grouping_of(
    live_survey: &Survey,
    by: usize,
    period: usize,
    include_partial: bool,
    offset: i64,
) -> Grouping {
    let groupable: Vec<String> = live_survey
        .questions
        .iter()
        .filter(|q| q.kind.type_name() == "choice" || q.kind.type_name() == "yesno")
        .map(|q| q.id.clone())
        .collect();
    Grouping {
        by: groupable.get(by).map(|id| By::Question(id.clone())),
        period: Period::ALL.get(period).copied(),
        include_partial,
        ..grouping(offset)
    }
}

const OFFSETS: [i64; 4] = [0, 2 * HOUR_MS, -5 * HOUR_MS, 5 * HOUR_MS + HOUR_MS / 2];

/// A year of seeded respondents plus some from the last two days.
fn corpus(survey: &Survey, seed: u64, n: usize, recent: &[i64], offset: i64) -> Vec<Response> {
    let mut out = simulated(survey, seed, n, offset);
    let times: Vec<i64> = recent.iter().map(|ago| NOW - ago).collect();
    out.extend(at_times(survey, seed, &times, offset));
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn folding_in_any_order_gives_the_same_view(
        which in 0..2usize,
        seed in any::<u64>(),
        n in 0..200usize,
        recent in prop::collection::vec(0..2 * DAY_MS, 0..20),
        order in any::<u64>(),
        by in 0..4usize,
        period in 0..5usize,
        include_partial in any::<bool>(),
        offset in prop::sample::select(OFFSETS.to_vec()),
    ) {
        let survey = if which == 0 { desk() } else { all_types() };
        let items = corpus(&survey, seed, n, &recent, offset);
        let g = grouping_of(&survey, by, period, include_partial, offset);
        let mut a = scanned(&survey, g.clone(), offset, &items);
        let mut b = scanned(&survey, g.clone(), offset, &shuffled(&items, order));
        let reversed: Vec<Response> = items.iter().rev().cloned().collect();
        let mut c = scanned(&survey, g, offset, &reversed);
        let fa = figures(&mut a);
        prop_assert_eq!(&fa, &figures(&mut b));
        prop_assert_eq!(&fa, &figures(&mut c));
        // Whatever the order, the newest id is remembered: nothing
        // scanned is counted again when announced.
        for r in &items {
            prop_assert!(!b.accept(r, &survey));
            prop_assert!(!c.accept(r, &survey));
        }
        prop_assert_eq!(&fa, &figures(&mut b));
    }

    #[test]
    fn accept_counts_each_new_response_once(
        seed in any::<u64>(),
        n in 0..150usize,
        recent in prop::collection::vec(0..DAY_MS, 0..30),
        split in 0.0..=1.0f64,
        include_partial in any::<bool>(),
    ) {
        let survey = desk();
        let other = all_types();
        let mut items = corpus(&survey, seed, n, &recent, OFFSET_MS);
        // The store hands them out (and announces them) in id order.
        items.sort_by_key(|r| r.id);
        let k = (items.len() as f64 * split) as usize;
        let g = Grouping { include_partial, ..grouping(OFFSET_MS) };
        let mut live = scanned(&survey, g.clone(), OFFSET_MS, &items[..k]);
        let strangers = corpus(&other, seed ^ 1, 20, &recent, OFFSET_MS);
        let mut strangers = strangers.iter();
        // Notices from before the scan finished are replayed, then the
        // new ones come, with another survey's responses in between.
        for (i, r) in items.iter().enumerate() {
            if let Some(s) = strangers.next() {
                let before = live.result().clone();
                prop_assert!(!live.accept(s, &other));
                prop_assert_eq!(&before, live.result());
            }
            let (responses, partial) = (live.result().total.responses, live.result().total.partial);
            let new = live.accept(r, &survey);
            prop_assert_eq!(new, i >= k, "response {} of {}, scanned {}", i, items.len(), k);
            let counts = new && (r.complete || include_partial);
            prop_assert_eq!(live.result().total.responses, responses + u64::from(counts));
            prop_assert_eq!(live.result().total.partial, partial + u64::from(new && !r.complete));
            // Announced twice, counted once.
            prop_assert!(!live.accept(r, &survey));
        }
        let mut all = scanned(&survey, g, OFFSET_MS, &items);
        prop_assert_eq!(figures(&mut live), figures(&mut all));
    }
}

#[test]
fn accept_ignores_another_surveys_response_even_when_newer() {
    let survey = desk();
    let other = all_types();
    let items = simulated(&survey, 3, 50, 0);
    let mut live = scanned(&survey, grouping(0), 0, &items);
    let before = live.result().clone();
    let stranger = &at_times(&other, 4, &[NOW - 1000], 0)[0];
    assert!(!live.accept(stranger, &other));
    assert_eq!(&before, live.result());
    assert_eq!(live.today(NOW), 0);
    // The stranger's newer id did not move the mark: an older response
    // of this survey is still taken.
    let ours = graded(&survey, NOW - 2000, true);
    assert!(ours.id < stranger.id);
    assert!(live.accept(&ours, &survey));
    assert_eq!(live.result().total.responses, before.total.responses + 1);
    assert_eq!(live.today(NOW), 1);
    assert_eq!(live.last_response_ms(NOW), Some(NOW - 2000));
}

#[test]
fn accept_on_an_empty_store_counts_everything_in_order() {
    let survey = desk();
    let mut live = scanned(&survey, grouping(0), 0, &[]);
    assert_eq!(live.last_response_ms(NOW), None);
    assert_eq!(live.today(NOW), 0);
    let times = [NOW - 3 * HOUR_MS, NOW - 2 * HOUR_MS, NOW - HOUR_MS];
    for (i, t) in times.iter().enumerate() {
        let r = graded(&survey, *t, true);
        assert!(live.accept(&r, &survey));
        assert_eq!(live.result().total.responses, i as u64 + 1);
    }
    assert_eq!(live.per_hour(NOW, 4), vec![1, 1, 1, 0]);
}

/// Ids are remembered, not compared: an announced response older than
/// the newest counted (a clock stepped back) is new, and counted.
#[test]
fn accept_counts_an_older_response_the_scan_did_not_have() {
    let survey = desk();
    let newer = graded(&survey, NOW - HOUR_MS, true);
    let older = graded(&survey, NOW - 2 * HOUR_MS, true);
    let mut live = scanned(&survey, grouping(0), 0, std::slice::from_ref(&newer));
    assert!(live.accept(&older, &survey));
    assert!(!live.accept(&newer, &survey));
    assert_eq!(live.result().total.responses, 2);
}

#[test]
fn partial_responses_count_in_the_hours_only_when_included() {
    let survey = desk();
    let items = [
        graded(&survey, NOW - HOUR_MS, true),
        graded(&survey, NOW - HOUR_MS + 1, false),
    ];
    let mut without = scanned(&survey, grouping(0), 0, &items);
    assert_eq!(without.today(NOW), 1);
    assert_eq!(without.per_hour(NOW, 2), vec![1, 0]);
    assert_eq!(without.last_response_ms(NOW), Some(NOW - HOUR_MS));
    assert_eq!(without.result().total.partial, 1);
    let with = Grouping {
        include_partial: true,
        ..grouping(0)
    };
    let mut with = scanned(&survey, with, 0, &items);
    assert_eq!(with.today(NOW), 2);
    assert_eq!(with.per_hour(NOW, 2), vec![2, 0]);
    assert_eq!(with.last_response_ms(NOW), Some(NOW - HOUR_MS + 1));
    assert_eq!(with.result().total.responses, 2);
}

#[test]
fn responses_outside_since_until_are_not_in_the_hours() {
    let survey = desk();
    let items = [
        graded(&survey, NOW - 3 * HOUR_MS, true),
        graded(&survey, NOW - 2 * HOUR_MS, true),
        graded(&survey, NOW - HOUR_MS, true),
    ];
    let g = Grouping {
        since_ms: Some(NOW - 2 * HOUR_MS),
        until_ms: Some(NOW - HOUR_MS),
        ..grouping(0)
    };
    let mut live = scanned(&survey, g, 0, &items);
    assert_eq!(live.result().total.responses, 1);
    assert_eq!(live.per_hour(NOW, 4), vec![0, 1, 0, 0]);
    assert_eq!(live.today(NOW), 1);
    assert_eq!(live.last_response_ms(NOW), Some(NOW - 2 * HOUR_MS));
}

/// UTC midnight before [`NOW`] (2025-06-15 00:00 UTC).
const MIDNIGHT_UTC: i64 = NOW - NOW % DAY_MS;

/// Responses around midnight UTC and this afternoon: which of them are
/// "today" depends on the offset.
fn around_midnight(survey: &Survey) -> Vec<Response> {
    [
        MIDNIGHT_UTC - 2 * HOUR_MS - 1, // 14th 21:59:59.999 UTC
        MIDNIGHT_UTC - 2 * HOUR_MS,     // 14th 22:00 UTC
        MIDNIGHT_UTC - 1,               // 14th 23:59:59.999 UTC
        MIDNIGHT_UTC,                   // 15th 00:00 UTC
        NOW - HOUR_MS,                  // 15th 14:06:40 UTC
        NOW,                            // 15th 15:06:40 UTC
    ]
    .iter()
    .map(|t| graded(survey, *t, true))
    .collect()
}

#[test]
fn now_is_the_fixed_afternoon() {
    assert_eq!(NOW - MIDNIGHT_UTC, 15 * HOUR_MS + 6 * 60_000 + 40_000);
}

#[test]
fn today_starts_at_local_midnight() {
    let survey = desk();
    let items = around_midnight(&survey);
    let today = |offset: i64| scanned(&survey, grouping(offset), offset, &items).today(NOW);
    // UTC: from the 15th 00:00 on.
    assert_eq!(today(0), 3);
    // UTC+2: local midnight is the 14th 22:00 UTC.
    assert_eq!(today(2 * HOUR_MS), 5);
    // UTC-5: local midnight is the 15th 05:00 UTC.
    assert_eq!(today(-5 * HOUR_MS), 2);
    // UTC+5:30: all six are on the local 15th.
    assert_eq!(today(5 * HOUR_MS + HOUR_MS / 2), 6);
    // Just before midnight everything is yesterday's; just after, nothing
    // was yet today.
    let live = scanned(&survey, grouping(0), 0, &items);
    assert_eq!(live.today(MIDNIGHT_UTC + DAY_MS - 1), 3);
    assert_eq!(live.today(MIDNIGHT_UTC + DAY_MS), 0);
}

#[test]
fn per_hour_counts_local_hours_oldest_first() {
    let survey = desk();
    let items = around_midnight(&survey);

    let utc = scanned(&survey, grouping(0), 0, &items);
    assert_eq!(utc.per_hour(NOW, 3), vec![0, 1, 1]);
    // Hours 22 and 23 of the 14th, then 00..=15 of the 15th.
    let mut expected = vec![0; 18];
    expected[0] = 1; // 22:00
    expected[1] = 1; // 23:59:59.999
    expected[2] = 1; // 00:00
    expected[16] = 1; // 14:06:40
    expected[17] = 1; // 15:06:40
    assert_eq!(utc.per_hour(NOW, 18), expected);
    assert_eq!(utc.per_hour(NOW, 1), vec![1]);

    // UTC+2: NOW is local 17:06; local 00:00 is 17 hours back.
    let plus2 = scanned(&survey, grouping(2 * HOUR_MS), 2 * HOUR_MS, &items);
    let hours = plus2.per_hour(NOW, 19);
    assert_eq!(hours[0], 1, "21:59:59.999 UTC is local 23:59 of the 14th");
    assert_eq!(hours[1], 1, "22:00 UTC is local 00:00");
    assert_eq!(hours[2], 1, "23:59:59.999 UTC is local 01:59");
    assert_eq!(hours[3], 1, "00:00 UTC is local 02:00");
    assert_eq!(hours[17..], [1, 1]);
    assert_eq!(hours.iter().sum::<u64>(), 6);

    // The hours since local midnight add up to today, in any offset.
    for offset in [0, 2 * HOUR_MS, -5 * HOUR_MS, 5 * HOUR_MS + HOUR_MS / 2] {
        let live = scanned(&survey, grouping(offset), offset, &items);
        let local_hour = (NOW + offset).rem_euclid(DAY_MS) / HOUR_MS;
        let since_midnight = live.per_hour(NOW, local_hour as usize + 1);
        assert_eq!(
            since_midnight.iter().sum::<u64>(),
            live.today(NOW),
            "offset {offset}"
        );
    }

    // A response after `now` (another terminal's clock) is not in the
    // last hours yet.
    let mut live = scanned(&survey, grouping(0), 0, &items);
    assert!(live.accept(&graded(&survey, NOW + HOUR_MS, true), &survey));
    assert_eq!(live.per_hour(NOW, 18).iter().sum::<u64>(), 5);
}

#[test]
fn the_seeded_desk_has_a_morning_today_and_a_year_behind_it() {
    let mut d = Desk::new();
    assert_eq!(d.live.today(NOW), 14);
    // The last 24 hours are local 18:00 yesterday to 17:06 now, so
    // today's respondents (08:15..16:55 local) fill hours 8..=16.
    let hours = d.live.per_hour(NOW, 24);
    assert_eq!(hours[..14], [0; 14]);
    assert_eq!(hours[14..23].iter().sum::<u64>(), 14);
    assert_eq!(hours[23], 0);
    let r = d.live.result();
    assert!(r.total.responses > 350, "{}", r.total.responses);
    assert!(r.total.partial > 0);
}
