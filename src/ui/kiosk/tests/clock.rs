//! Deadlines run on a monotonic clock and stamps on the wall clock: a
//! wall-clock step (NTP, a clerk setting the time) between two ticks
//! neither fires the idle reset nor freezes the countdown.

use super::*;
use crate::ui::kiosk::msg::Now;
use crate::ui::kiosk::state::COUNTDOWN_MS;

const HOUR_MS: i64 = 3_600_000;

/// What the loop passes when the wall clock jumps by `step` but the
/// monotonic clock only moved on by the rig's waits.
fn tick_with_wall_step(rig: &mut Rig, step: i64) -> Vec<Effect> {
    let now = Now {
        mono_ms: rig.now,
        wall_ms: rig.now + step,
    };
    update(&mut rig.k, Msg::Tick, now)
}

#[test]
fn a_wall_clock_step_forward_does_not_fire_the_idle_reset() {
    let mut rig = Rig::started(Lang::En);
    rig.answer_plainly();
    rig.wait(1_000);
    let effects = tick_with_wall_step(&mut rig, HOUR_MS);
    assert!(effects.is_empty(), "{effects:?}");
    assert!(matches!(rig.k.screen, Screen::Question(_)));
}

#[test]
fn a_wall_clock_step_back_does_not_freeze_the_countdown() {
    let mut rig = Rig::started(Lang::En);
    rig.answer_plainly();
    // Into the countdown, then the wall clock steps back an hour.
    rig.wait(IDLE_MS - COUNTDOWN_MS + 1_000);
    tick_with_wall_step(&mut rig, -HOUR_MS);
    assert!(matches!(rig.k.screen, Screen::Question(_)));
    // The monotonic minute runs out: the reset comes on time.
    rig.wait(COUNTDOWN_MS);
    let effects = tick_with_wall_step(&mut rig, -HOUR_MS);
    assert_eq!(submissions(&effects).len(), 1, "{effects:?}");
    assert!(matches!(rig.k.screen, Screen::Welcome { .. }));
}

/// The start time stored with the answers is the wall clock's, whatever
/// the monotonic clock says.
#[test]
fn the_start_stamp_comes_from_the_wall_clock() {
    let mut rig = Rig::new(all_types(), None, true);
    let now = Now {
        mono_ms: 5_000,
        wall_ms: NOW,
    };
    update(&mut rig.k, Msg::Tap(Target::Lang(Lang::En)), now);
    update(&mut rig.k, Msg::Tap(Target::Start), now);
    assert_eq!(rig.answering().started_ms, NOW);
}
