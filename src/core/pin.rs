//! The admin PIN: only an argon2id hash is stored, and the rules for
//! wrong attempts. Pure: the caller passes the salt, the time and the
//! stored state; the store runs the check and keeps the result, so the
//! lockout holds for the kiosk and `kioski admin` alike and survives a
//! restart.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use serde::{Deserialize, Serialize};

/// Fewest characters a PIN may have: six digits give a million PINs,
/// which the lockout below makes years of guessing.
pub const MIN_PIN_LEN: usize = 6;
/// Most characters a PIN may have (argon2 takes any length; a kiosk
/// prompt does not need more).
pub const MAX_PIN_LEN: usize = 64;

/// argon2id memory for new hashes, in KiB (64 MiB; the crate's default is
/// 19 MiB). With [`TIME_COST`] and [`LANES`] this is the second of RFC
/// 9106's recommended settings with one lane instead of four: a kiosk
/// machine may have one core. Verifying takes about 0.2 s here (see
/// docs/performance.md), and the lockout bounds how often it can run.
pub const MEMORY_KIB: u32 = 64 * 1024;
/// argon2id passes over the memory (the default is 2).
pub const TIME_COST: u32 = 3;
/// argon2id lanes.
pub const LANES: u32 = 1;

/// A stored hash asking for more memory than this is not verified: a
/// damaged or planted hash must not make the kiosk allocate gigabytes.
const MAX_VERIFY_KIB: u32 = 1024 * 1024;

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum PinError {
    #[error("the PIN must have at least {MIN_PIN_LEN} digits")]
    TooShort,
    #[error("the PIN may have at most {MAX_PIN_LEN} digits")]
    TooLong,
    #[error("the PIN may hold only the digits 0-9")]
    NotDigits,
    #[error("cannot hash the PIN: {0}")]
    Hash(String),
}

/// The hasher for new PINs.
fn hasher() -> Result<Argon2<'static>, PinError> {
    let params = Params::new(MEMORY_KIB, TIME_COST, LANES, None)
        .map_err(|e| PinError::Hash(e.to_string()))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// Checks a new PIN against the rules, without hashing it.
pub fn check_new(pin: &str) -> Result<(), PinError> {
    let n = pin.chars().count();
    if n < MIN_PIN_LEN {
        return Err(PinError::TooShort);
    }
    if n > MAX_PIN_LEN {
        return Err(PinError::TooLong);
    }
    // Digits only: the kiosk's prompt may be a touch screen's number pad.
    if !pin.chars().all(|c| c.is_ascii_digit()) {
        return Err(PinError::NotDigits);
    }
    Ok(())
}

/// Checks a new PIN and returns its argon2id hash (a PHC string, which
/// carries its parameters), salted with `salt` (at least 16 random bytes
/// from the caller).
pub fn hash(pin: &str, salt: &[u8]) -> Result<String, PinError> {
    check_new(pin)?;
    let salt = SaltString::encode_b64(salt).map_err(|e| PinError::Hash(e.to_string()))?;
    hasher()?
        .hash_password(pin.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| PinError::Hash(e.to_string()))
}

/// Whether `stored` is an argon2 hash in PHC form (what `hash` makes).
pub fn is_hash(stored: &str) -> bool {
    PasswordHash::new(stored).is_ok_and(|h| h.algorithm.as_str().starts_with("argon2"))
}

/// Whether `pin` matches a stored hash, with the parameters the hash
/// carries (so hashes made with older, weaker parameters still verify).
/// A malformed hash, or one asking for over 1 GiB, matches nothing.
pub fn verify(pin: &str, stored: &str) -> bool {
    let Ok(hash) = PasswordHash::new(stored) else {
        return false;
    };
    let affordable = Params::try_from(&hash).is_ok_and(|p| p.m_cost() <= MAX_VERIFY_KIB);
    affordable
        && Argon2::default()
            .verify_password(pin.as_bytes(), &hash)
            .is_ok()
}

/// Wrong PINs in a row before the prompt locks.
pub const PIN_TRIES: u32 = 5;

/// The first lockout; each further round of wrong PINs doubles it.
pub const LOCKOUT_MS: i64 = 60_000;

/// The longest lockout (after ten rounds), about 8.5 hours.
pub const MAX_LOCKOUT_MS: i64 = LOCKOUT_MS << 9;

/// Wrong PINs in a row and the lock they earned: what the store keeps.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lockout {
    pub failures: u32,
    pub until_ms: Option<i64>,
}

impl Lockout {
    pub fn is_locked(&self, now_ms: i64) -> bool {
        self.until_ms.is_some_and(|t| now_ms < t)
    }

    /// Counts a wrong PIN; returns the lock's length when this one locks
    /// the prompt (1 minute, then 2, 4, … for each further round).
    pub fn fail(&mut self, now_ms: i64) -> Option<i64> {
        self.failures = self.failures.saturating_add(1);
        if !self.failures.is_multiple_of(PIN_TRIES) {
            return None;
        }
        let round = (self.failures / PIN_TRIES).min(10) - 1;
        let wait = LOCKOUT_MS << round;
        self.until_ms = Some(now_ms.saturating_add(wait));
        Some(wait)
    }

    /// The lock as it stands at `now_ms`. A lock ending further away than
    /// the longest lockout came from a clock set back since: it is cut to
    /// the longest, so a clock step cannot lock the admin out for good.
    pub fn at(self, now_ms: i64) -> Lockout {
        Lockout {
            until_ms: self
                .until_ms
                .map(|t| t.min(now_ms.saturating_add(MAX_LOCKOUT_MS))),
            ..self
        }
    }
}

/// What one PIN attempt came to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PinCheck {
    /// No PIN is set (demo mode).
    NoPin,
    Right,
    /// Wrong; `locked_for_ms` when this attempt locked the prompt.
    Wrong {
        lockout: Lockout,
        locked_for_ms: Option<i64>,
    },
    /// Locked: the attempt was not even checked.
    Locked {
        lockout: Lockout,
    },
}

/// The lockout rule, data in and decision out: given the stored state, the
/// time and a way to verify (called only when not locked), what the
/// attempt comes to and the state to store.
pub fn attempt(stored: Lockout, now_ms: i64, verify: impl FnOnce() -> bool) -> (PinCheck, Lockout) {
    let mut state = stored.at(now_ms);
    if state.is_locked(now_ms) {
        return (PinCheck::Locked { lockout: state }, state);
    }
    if verify() {
        return (PinCheck::Right, Lockout::default());
    }
    let locked_for_ms = state.fail(now_ms);
    (
        PinCheck::Wrong {
            lockout: state,
            locked_for_ms,
        },
        state,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_right_pin_verifies() {
        let stored = hash("482913", &[9; 16]).unwrap();
        assert!(
            stored.starts_with("$argon2id$v=19$m=65536,t=3,p=1$"),
            "{stored}"
        );
        assert!(!stored.contains("482913"));
        assert!(verify("482913", &stored));
        assert!(!verify("482914", &stored));
        assert!(!verify("482913", "not a hash"));
    }

    #[test]
    fn a_hash_made_with_the_old_default_parameters_still_verifies() {
        // What 0.1.0 stored: argon2id with the crate's defaults.
        let salt = SaltString::encode_b64(&[3; 16]).unwrap();
        let old = Argon2::default()
            .hash_password(b"4321", &salt)
            .unwrap()
            .to_string();
        assert!(old.contains("m=19456,t=2,p=1"), "{old}");
        assert!(verify("4321", &old));
        assert!(!verify("4322", &old));
    }

    #[test]
    fn a_hash_asking_for_too_much_memory_is_not_verified() {
        let stored = hash("482913", &[9; 16]).unwrap();
        let greedy = stored.replace("m=65536", "m=4194304");
        assert!(!verify("482913", &greedy));
    }

    #[test]
    fn short_and_odd_pins_are_refused() {
        assert_eq!(hash("12345", &[1; 16]), Err(PinError::TooShort));
        assert_eq!(hash("123 456", &[1; 16]), Err(PinError::NotDigits));
        assert_eq!(hash("kioski2026", &[1; 16]), Err(PinError::NotDigits));
        assert_eq!(hash(&"1".repeat(65), &[1; 16]), Err(PinError::TooLong));
    }

    #[test]
    fn five_wrong_attempts_lock_for_a_minute_then_doubling() {
        let mut state = Lockout::default();
        let now = 1_000_000;
        for n in 1..PIN_TRIES {
            let (check, next) = attempt(state, now, || false);
            assert_eq!(
                check,
                PinCheck::Wrong {
                    lockout: next,
                    locked_for_ms: None
                }
            );
            assert_eq!(next.failures, n);
            state = next;
        }
        let (check, state) = attempt(state, now, || false);
        assert!(matches!(
            check,
            PinCheck::Wrong {
                locked_for_ms: Some(LOCKOUT_MS),
                ..
            }
        ));
        // Locked: not even verified, and nothing changes.
        let (check, same) = attempt(state, now + LOCKOUT_MS - 1, || panic!("verified"));
        assert_eq!(check, PinCheck::Locked { lockout: state });
        assert_eq!(same, state);
        // The next round locks for twice as long.
        let mut state = state;
        for _ in 0..PIN_TRIES {
            state = attempt(state, now + LOCKOUT_MS, || false).1;
        }
        assert_eq!(state.until_ms, Some(now + 3 * LOCKOUT_MS));
        // The right PIN after the lock clears the count.
        let (check, state) = attempt(state, now + 3 * LOCKOUT_MS, || true);
        assert_eq!((check, state), (PinCheck::Right, Lockout::default()));
    }

    #[test]
    fn a_clock_set_back_cannot_lock_for_longer_than_the_longest_lockout() {
        let far = Lockout {
            failures: 5,
            until_ms: Some(i64::MAX),
        };
        let (check, state) = attempt(far, 0, || true);
        assert!(matches!(check, PinCheck::Locked { .. }));
        assert_eq!(state.until_ms, Some(MAX_LOCKOUT_MS));
    }
}
