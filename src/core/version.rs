//! A survey version's identity: a hash of its meaning, not its bytes.
//!
//! The hash covers the validated survey in a canonical form (JSON of the
//! model, whose maps are ordered), so comments, key order and white space
//! in the file do not make a new version, and any change a respondent or a
//! tally could notice does.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::survey::Survey;

/// Bumped when the canonical form changes, so that old and new hashes of
/// the same survey never collide by accident.
const CANONICAL_FORM: &[u8] = b"kioski-survey-v1\n";

/// The SHA-256 of a survey's canonical form.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct VersionHash(pub [u8; 32]);

impl VersionHash {
    /// The hash of `survey`.
    pub fn of(survey: &Survey) -> VersionHash {
        let mut hasher = Sha256::new();
        hasher.update(CANONICAL_FORM);
        // Serialising plain data into memory cannot fail; an empty string
        // would still give a stable (if useless) hash.
        hasher.update(serde_json::to_vec(survey).unwrap_or_default());
        VersionHash(hasher.finalize().into())
    }

    /// The first 12 hex digits: enough to tell versions apart on screen.
    pub fn short(&self) -> String {
        self.to_string()[..12].to_owned()
    }
}

impl fmt::Display for VersionHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
    }
}

impl fmt::Debug for VersionHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "VersionHash({})", self.short())
    }
}

/// A version written in full or as a unique prefix is resolved by the
/// store; this parses only the full 64-digit form.
impl FromStr for VersionHash {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        if s.len() != 64 || !s.is_ascii() {
            return Err(());
        }
        let mut out = [0u8; 32];
        for (i, byte) in out.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).map_err(|_| ())?;
        }
        Ok(VersionHash(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::validate::survey_from_str;

    const PULSE: &str = include_str!("../../surveys/pulssi.toml");

    #[test]
    fn layout_and_comments_do_not_change_the_version() {
        let a = survey_from_str(PULSE).unwrap();
        let edited = format!("# a new comment\n{}\n\n", PULSE.replace(" = ", "   =   "));
        let b = survey_from_str(&edited).unwrap();
        assert_eq!(VersionHash::of(&a), VersionHash::of(&b));
    }

    #[test]
    fn a_changed_text_is_a_new_version() {
        let a = survey_from_str(PULSE).unwrap();
        let b = survey_from_str(&PULSE.replace("Quick feedback", "Quick feedback!")).unwrap();
        assert_ne!(VersionHash::of(&a), VersionHash::of(&b));
    }

    #[test]
    fn hex_round_trips() {
        let h = VersionHash::of(&survey_from_str(PULSE).unwrap());
        assert_eq!(h.to_string().parse::<VersionHash>(), Ok(h));
        assert_eq!(h.short().len(), 12);
        assert!("xyz".parse::<VersionHash>().is_err());
    }
}
