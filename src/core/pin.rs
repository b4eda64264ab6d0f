//! The admin PIN: only an argon2id hash is stored. Pure computation (the
//! caller passes the salt), so the kiosk checks a PIN without the store.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

/// Fewest characters a PIN may have.
pub const MIN_PIN_LEN: usize = 4;
/// Most characters a PIN may have (argon2 takes any length; a kiosk
/// prompt does not need more).
pub const MAX_PIN_LEN: usize = 64;

#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum PinError {
    #[error("the PIN must have at least {MIN_PIN_LEN} characters")]
    TooShort,
    #[error("the PIN may have at most {MAX_PIN_LEN} characters")]
    TooLong,
    #[error("the PIN may not contain spaces or control characters")]
    BadCharacter,
    #[error("cannot hash the PIN: {0}")]
    Hash(String),
}

/// Checks a new PIN and returns its argon2id hash (a PHC string), salted
/// with `salt` (at least 16 random bytes from the caller).
pub fn hash(pin: &str, salt: &[u8]) -> Result<String, PinError> {
    let n = pin.chars().count();
    if n < MIN_PIN_LEN {
        return Err(PinError::TooShort);
    }
    if n > MAX_PIN_LEN {
        return Err(PinError::TooLong);
    }
    if pin.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Err(PinError::BadCharacter);
    }
    let salt = SaltString::encode_b64(salt).map_err(|e| PinError::Hash(e.to_string()))?;
    Argon2::default()
        .hash_password(pin.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| PinError::Hash(e.to_string()))
}

/// Whether `stored` is an argon2 hash in PHC form (what `hash` makes).
pub fn is_hash(stored: &str) -> bool {
    PasswordHash::new(stored).is_ok_and(|h| h.algorithm.as_str().starts_with("argon2"))
}

/// Whether `pin` matches a stored hash. A malformed hash matches nothing.
pub fn verify(pin: &str, stored: &str) -> bool {
    PasswordHash::new(stored).is_ok_and(|h| {
        Argon2::default()
            .verify_password(pin.as_bytes(), &h)
            .is_ok()
    })
}

/// Wrong PINs in a row before the prompt locks.
pub const PIN_TRIES: u32 = 5;

/// The first lockout; each further round of wrong PINs doubles it.
pub const LOCKOUT_MS: i64 = 60_000;

/// Wrong PINs in a row and the lock they earned. The kiosk's exit prompt
/// and the admin view keep the same rules.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
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
        self.failures += 1;
        if !self.failures.is_multiple_of(PIN_TRIES) {
            return None;
        }
        let round = (self.failures / PIN_TRIES).min(10) - 1;
        let wait = LOCKOUT_MS << round;
        self.until_ms = Some(now_ms + wait);
        Some(wait)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_right_pin_verifies() {
        let stored = hash("4321", &[9; 16]).unwrap();
        assert!(stored.starts_with("$argon2id$"));
        assert!(!stored.contains("4321"));
        assert!(verify("4321", &stored));
        assert!(!verify("4322", &stored));
        assert!(!verify("4321", "not a hash"));
    }

    #[test]
    fn short_and_odd_pins_are_refused() {
        assert_eq!(hash("123", &[1; 16]), Err(PinError::TooShort));
        assert_eq!(hash("12 34", &[1; 16]), Err(PinError::BadCharacter));
        assert_eq!(hash(&"1".repeat(65), &[1; 16]), Err(PinError::TooLong));
    }
}
