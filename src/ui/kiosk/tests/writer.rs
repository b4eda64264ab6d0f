//! The loop's writer thread, with a store that is slow on purpose: the
//! Saving screen is up (and drawn) while the write is under way, keys
//! wait, and the thank-you screen and the prize-draw confirmation come
//! only once the write is done.

use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use crossterm::event::KeyCode;

use super::*;
use crate::core::pin::PinCheck;
use crate::core::response::Response;
use crate::store::StoreError;
use crate::ui::events::Incoming;
use crate::ui::kiosk::run::{Durable, Setup, Writer, apply, run_effects, to_msg};

/// A store whose writes wait until the test opens the gate.
#[derive(Default)]
struct Gate {
    open: Mutex<bool>,
    opened: Condvar,
    responses: Mutex<Vec<Response>>,
    prizes: Mutex<usize>,
}

impl Gate {
    fn wait(&self) {
        let mut open = self.open.lock().unwrap();
        while !*open {
            open = self.opened.wait(open).unwrap();
        }
    }

    fn open(&self) {
        *self.open.lock().unwrap() = true;
        self.opened.notify_all();
    }
}

impl Durable for Gate {
    fn submit(&self, response: &Response) -> Result<(), StoreError> {
        self.wait();
        self.responses.lock().unwrap().push(response.clone());
        Ok(())
    }

    fn add_prize_entry(&self, _: &str, _: &[(String, String)]) -> Result<(), StoreError> {
        self.wait();
        *self.prizes.lock().unwrap() += 1;
        Ok(())
    }

    fn check_pin(&self, attempt: &str, _: i64) -> Result<PinCheck, StoreError> {
        self.wait();
        Ok(if attempt == PIN {
            PinCheck::Right
        } else {
            PinCheck::Wrong {
                lockout: crate::core::pin::Lockout {
                    failures: 1,
                    until_ms: None,
                },
                locked_for_ms: None,
            }
        })
    }
}

fn setup(rig: &Rig) -> Setup {
    Setup {
        survey: rig.k.survey.clone(),
        version: rig.k.version,
        pinned: None,
        terminal: "desk-1".into(),
        terminal_flag: None,
        lang: None,
        idle_timeout_ms: IDLE_MS,
        pin_set: false,
        lockout: crate::core::pin::Lockout::default(),
        theme: Theme::PLAIN,
    }
}

/// A writer on a closed gate, and the channel its answers come back on.
fn slow_writer() -> (Arc<Gate>, Writer, Receiver<Incoming>) {
    let gate = Arc::new(Gate::default());
    let (tx, rx) = mpsc::channel();
    let writer = Writer::start(gate.clone(), tx);
    (gate, writer, rx)
}

/// Nothing comes back for a while: the write is still under way.
fn still_writing(rx: &Receiver<Incoming>) {
    assert!(matches!(
        rx.recv_timeout(Duration::from_millis(150)),
        Err(RecvTimeoutError::Timeout)
    ));
}

/// The next answer from the writer, as the loop turns it into a message.
fn answer(rx: &Receiver<Incoming>) -> Option<Msg> {
    let incoming = rx.recv_timeout(Duration::from_secs(10)).unwrap();
    assert!(matches!(incoming, Incoming::Saved(..)), "{incoming:?}");
    to_msg(incoming, &Layout::default())
}

#[test]
fn saving_is_drawn_and_thanks_waits_for_the_write() {
    let mut rig = Rig::started(Lang::En);
    let setup = setup(&rig);
    let (gate, writer, rx) = slow_writer();
    let effects = rig.finish();
    assert!(!run_effects(
        &mut rig.k,
        &setup,
        &writer,
        effects,
        rig.now.into()
    ));
    assert_eq!(rig.k.screen, Screen::Saving);
    assert!(rig.screen_text(80, 24).contains("Saving…"));
    still_writing(&rx);
    // Keys while saving are ignored: nothing moves, nothing is queued.
    for code in [KeyCode::Enter, KeyCode::Char('1'), KeyCode::PageUp] {
        assert!(!apply(
            &mut rig.k,
            &setup,
            &writer,
            key(code),
            rig.now.into()
        ));
    }
    assert_eq!(rig.k.screen, Screen::Saving);
    assert!(gate.responses.lock().unwrap().is_empty());

    gate.open();
    let msg = answer(&rx).unwrap();
    assert_eq!(msg, Msg::Saved(Ok(())));
    assert_eq!(gate.responses.lock().unwrap().len(), 1);
    apply(&mut rig.k, &setup, &writer, msg, rig.now.into());
    assert!(matches!(rig.k.screen, Screen::Thanks { .. }));
    writer.finish();
}

#[test]
fn the_prize_confirmation_waits_for_the_entry_to_be_written() {
    let survey = Arc::new(
        crate::core::validate::survey_from_str(include_str!(
            "../../../../surveys/palvelulupaus.toml"
        ))
        .unwrap(),
    );
    let mut rig = Rig::new(survey, Some(Lang::En), true);
    rig.press(KeyCode::Enter);
    let setup = setup(&rig);
    let (gate, writer, rx) = slow_writer();
    let effects = rig.finish();
    run_effects(&mut rig.k, &setup, &writer, effects, rig.now.into());
    gate.open();
    let msg = answer(&rx).unwrap();
    apply(&mut rig.k, &setup, &writer, msg, rig.now.into());
    assert!(matches!(rig.k.screen, Screen::Prize(_)));

    // A second, slow write: the entry.
    *gate.open.lock().unwrap() = false;
    rig.type_text("Maija");
    apply(
        &mut rig.k,
        &setup,
        &writer,
        Msg::Tap(Target::Next),
        rig.now.into(),
    );
    assert_eq!(rig.k.screen, Screen::Saving);
    assert!(rig.screen_text(80, 24).contains("Saving…"));
    still_writing(&rx);
    gate.open();
    let msg = answer(&rx).unwrap();
    assert_eq!(msg, Msg::PrizeSaved(Ok(())));
    apply(&mut rig.k, &setup, &writer, msg, rig.now.into());
    assert!(matches!(rig.k.screen, Screen::Thanks { .. }));
    assert_eq!(*gate.prizes.lock().unwrap(), 1);
    writer.finish();
}

/// A partial still being written when the next respondent finishes is
/// never taken for that respondent's save.
#[test]
fn a_slow_partial_is_not_taken_for_the_next_respondents_save() {
    let mut rig = Rig::started(Lang::En);
    let setup = setup(&rig);
    let (gate, writer, rx) = slow_writer();
    rig.answer_plainly();
    rig.wait(IDLE_MS);
    assert!(!apply(
        &mut rig.k,
        &setup,
        &writer,
        Msg::Tick,
        rig.now.into()
    ));
    assert!(matches!(rig.k.screen, Screen::Welcome { .. }));
    // The next respondent: English shown first, then Start.
    rig.tap(Target::Lang(Lang::En));
    rig.tap(Target::Start);
    let effects = rig.finish();
    run_effects(&mut rig.k, &setup, &writer, effects, rig.now.into());
    assert_eq!(rig.k.screen, Screen::Saving);
    gate.open();
    // The partial's answer first: no message for the screen.
    assert_eq!(answer(&rx), None);
    assert_eq!(rig.k.screen, Screen::Saving);
    let msg = answer(&rx).unwrap();
    apply(&mut rig.k, &setup, &writer, msg, rig.now.into());
    assert!(matches!(rig.k.screen, Screen::Thanks { .. }));
    let stored = gate.responses.lock().unwrap();
    assert_eq!(
        stored.iter().map(|r| r.complete).collect::<Vec<_>>(),
        [false, true]
    );
    drop(stored);
    writer.finish();
}

/// What is handed over on the way out is written before `finish`
/// returns: the kiosk exits only after the partial is stored.
#[test]
fn finish_waits_for_the_partial_handed_over_on_a_signal() {
    let mut rig = Rig::started(Lang::En);
    let setup = setup(&rig);
    let (gate, writer, _rx) = slow_writer();
    rig.answer_plainly();
    assert!(apply(
        &mut rig.k,
        &setup,
        &writer,
        Msg::Shutdown,
        rig.now.into()
    ));
    assert!(gate.responses.lock().unwrap().is_empty());
    let opener = {
        let gate = gate.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(100));
            gate.open();
        })
    };
    writer.finish();
    assert_eq!(gate.responses.lock().unwrap().len(), 1);
    opener.join().unwrap();
}

/// The PIN is checked by the store on the writer thread: the prompt stays
/// drawn and keys wait until the verdict, which then leaves the kiosk.
#[test]
fn the_pin_is_checked_off_the_drawing_thread() {
    let mut rig = Rig::new(all_types(), Some(Lang::En), true);
    let setup = Setup {
        pin_set: true,
        ..setup(&rig)
    };
    let (gate, writer, rx) = slow_writer();
    apply(&mut rig.k, &setup, &writer, chord(), rig.now.into());
    for c in PIN.chars() {
        apply(
            &mut rig.k,
            &setup,
            &writer,
            key(KeyCode::Char(c)),
            rig.now.into(),
        );
    }
    assert!(!apply(
        &mut rig.k,
        &setup,
        &writer,
        key(KeyCode::Enter),
        rig.now.into()
    ));
    assert!(rig.k.pin.as_ref().is_some_and(|p| p.checking));
    assert!(rig.screen_text(80, 24).contains("Admin PIN"));
    still_writing(&rx);
    assert!(!apply(
        &mut rig.k,
        &setup,
        &writer,
        key(KeyCode::Enter),
        rig.now.into()
    ));
    gate.open();
    let incoming = rx.recv_timeout(Duration::from_secs(10)).unwrap();
    let msg = to_msg(incoming, &Layout::default()).unwrap();
    assert_eq!(msg, Msg::PinChecked(Ok(PinCheck::Right)));
    assert!(apply(&mut rig.k, &setup, &writer, msg, rig.now.into()));
    writer.finish();
}
