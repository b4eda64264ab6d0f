//! Clocks that disagree: a response dated in the future (another
//! terminal's clock, an import) or a clock stepped back must never stop
//! the counting, and "today" never holds days that have not come.

use super::*;

const YEAR_MS: i64 = 365 * DAY_MS;

/// The scan held a response dated a year ahead; what the kiosk stores
/// afterwards, dated now, is still counted.
#[test]
fn a_future_dated_response_does_not_stop_counting() {
    let survey = desk();
    let ahead = graded(&survey, NOW + YEAR_MS, true);
    let mut live = scanned(&survey, grouping(0), 0, &[ahead]);
    for i in 0..3 {
        let r = graded(&survey, NOW - 10_000 + i * 1000, true);
        assert!(live.accept(&r, &survey), "response {i} dated now");
    }
    assert_eq!(live.result().total.responses, 4);
}

/// The kiosk's clock steps back an hour after the view counted: the
/// responses it stores then have older ids than the newest counted.
#[test]
fn a_clock_stepped_back_does_not_stop_counting() {
    let survey = desk();
    let before = [graded(&survey, NOW - 1000, true)];
    let mut live = scanned(&survey, grouping(0), 0, &before);
    let stepped = graded(&survey, NOW - HOUR_MS, true);
    assert!(stepped.id < before[0].id);
    assert!(live.accept(&stepped, &survey));
    assert_eq!(live.result().total.responses, 2);
}

/// The race the comparison used to close: a response stored while the
/// scan ran is both counted by the scan and announced; counted once.
#[test]
fn a_response_the_scan_counted_is_not_counted_again_when_announced() {
    let survey = desk();
    let during = graded(&survey, NOW, true);
    let mut live = scanned(&survey, grouping(0), 0, std::slice::from_ref(&during));
    assert!(!live.accept(&during, &survey));
    assert_eq!(live.result().total.responses, 1);
}

/// Two notice streams (a reconnect while the old one still runs)
/// announce each response twice; it is counted once, whatever its date.
#[test]
fn a_response_announced_twice_is_counted_once() {
    let survey = desk();
    let mut live = scanned(&survey, grouping(0), 0, &[]);
    for t in [NOW + YEAR_MS, NOW - HOUR_MS, NOW] {
        let r = graded(&survey, t, true);
        assert!(live.accept(&r, &survey));
        assert!(!live.accept(&r, &survey));
    }
    assert_eq!(live.result().total.responses, 3);
}

/// Today is local midnight up to now: a response dated later today or
/// tomorrow (another terminal's clock) is in the totals, not in today.
#[test]
fn today_never_counts_what_is_dated_after_now() {
    let survey = desk();
    let items = [
        graded(&survey, NOW - HOUR_MS, true),
        graded(&survey, NOW + 10 * 60_000, true),
        graded(&survey, NOW + DAY_MS, true),
        graded(&survey, NOW + YEAR_MS, true),
    ];
    let mut live = scanned(&survey, grouping(0), 0, &items);
    assert_eq!(live.today(NOW), 1);
    assert_eq!(live.result().total.responses, 4);
    // Once its time has come, the later one is today's too.
    assert_eq!(live.today(NOW + 10 * 60_000), 2);
}

/// "last HH:MM" names the newest response up to now, not one dated a
/// year ahead, so it moves when someone answers.
#[test]
fn the_last_response_shown_is_never_in_the_future() {
    let survey = desk();
    let ahead = graded(&survey, NOW + YEAR_MS, true);
    let mut live = scanned(&survey, grouping(0), 0, &[ahead]);
    assert!(live.accept(&graded(&survey, NOW - 60_000, true), &survey));
    live.result();
    let text = screen_text(&live, 100, 30);
    let local = jiff::Timestamp::from_millisecond(NOW - 60_000)
        .unwrap()
        .to_zoned_datetime(TimeZone::UTC)
        .strftime("%H:%M")
        .to_string();
    assert!(text.contains(&format!("last {local}")), "{text}");
    assert!(text.contains("1 today"), "{text}");
}

/// What is remembered stays bounded: a scan remembers only its window
/// (the hour before the count started, and anything dated later), and
/// notices only the newest few thousand ids.
#[test]
fn remembered_ids_are_bounded() {
    let survey = desk();
    let old = simulated(&survey, 5, 300, 0);
    let recent = graded(&survey, NOW - 60_000, true);
    let ahead = graded(&survey, NOW + YEAR_MS, true);
    let mut live = Live::new(
        survey.clone(),
        VersionHash::of(&survey),
        grouping(0),
        0,
        Source::Own,
    )
    .unwrap();
    live.count_starts_at(NOW);
    for r in old.iter().chain([&recent, &ahead]) {
        live.fold(r, &survey);
    }
    assert_eq!(live.remembered(), 2);
    assert!(!live.accept(&recent, &survey));
    assert!(!live.accept(&ahead, &survey));
    let before = live.result().total.responses;
    for i in 0..super::super::state::ANNOUNCED_KEPT as i64 + 50 {
        assert!(live.accept(&graded(&survey, NOW + i, true), &survey));
    }
    assert_eq!(live.remembered(), super::super::state::ANNOUNCED_KEPT);
    assert_eq!(live.result().total.responses, before + 10_050);
}
