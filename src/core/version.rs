//! A survey version's identity: a hash of its meaning, not its bytes.
//!
//! The hash covers the validated survey in its canonical form
//! ([`super::canonical`]: frozen version 1 shapes, later keys only when not
//! at their default), so comments, key order and white space in the file do
//! not make a new version, any change a respondent or a tally could notice
//! does, and a new optional key in the format changes no existing hash.

use std::fmt;
use std::str::FromStr;

use sha2::{Digest, Sha256};

use super::canonical;
use super::survey::Survey;

/// The SHA-256 of a survey's canonical form. Not serde: every stored or
/// sent form writes the 32 bytes itself.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct VersionHash(pub [u8; 32]);

impl VersionHash {
    /// The hash of `survey`.
    pub fn of(survey: &Survey) -> VersionHash {
        VersionHash(Sha256::digest(canonical::form(survey)).into())
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

    /// Every survey file the golden fixtures hold, with the hash release
    /// 0.1 stored for it (`tests/data/golden/expected/hashes.txt`).
    fn golden() -> Vec<(&'static str, &'static str)> {
        let hashes = include_str!("../../tests/data/golden/expected/hashes.txt");
        let files = [
            (
                "palvelupiste 1",
                include_str!("../../surveys/palvelupiste.toml"),
            ),
            ("pulssi 1", PULSE),
            ("tilat 1", include_str!("../../surveys/tilat.toml")),
            (
                "asiointikanavat 1",
                include_str!("../../surveys/asiointikanavat.toml"),
            ),
            (
                "palvelulupaus 1",
                include_str!("../../surveys/palvelulupaus.toml"),
            ),
            (
                "pulssi 2",
                include_str!("../../tests/data/golden/pulssi-v2.toml"),
            ),
        ];
        files
            .into_iter()
            .map(|(name, text)| {
                let line = hashes.lines().find(|l| l.starts_with(name)).unwrap();
                (text, line.rsplit(' ').next().unwrap())
            })
            .collect()
    }

    #[test]
    fn the_hashes_release_0_1_stored_are_kept() {
        for (text, hash) in golden() {
            let survey = survey_from_str(text).unwrap();
            assert_eq!(VersionHash::of(&survey).to_string(), hash, "{}", survey.id);
        }
    }

    #[test]
    fn a_key_added_later_changes_no_hash_until_a_survey_uses_it() {
        use crate::core::canonical::{Extension, ExtensionAt, form, form_with};
        // A hypothetical `shuffle = false` on questions, and a survey-level
        // `theme`, both at their defaults in every existing file.
        let unused = [
            Extension {
                key: "shuffle",
                at: ExtensionAt::Question(|_| None),
            },
            Extension {
                key: "theme",
                at: ExtensionAt::Survey(|_| None),
            },
        ];
        let used = [Extension {
            key: "shuffle",
            at: ExtensionAt::Question(|q| (q.id == "visit").then_some(serde_json::json!(true))),
        }];
        for (text, _) in golden() {
            let survey = survey_from_str(text).unwrap();
            assert_eq!(form_with(&survey, &unused), form(&survey));
        }
        let pulse = survey_from_str(PULSE).unwrap();
        assert_ne!(form_with(&pulse, &used), form(&pulse));
    }

    /// `[prize_draw] delete_after` joins the canonical form only when set:
    /// the surveys above keep their hashes, a date makes a new version,
    /// and another date another one.
    #[test]
    fn delete_after_joins_the_hash_only_when_set() {
        let text = include_str!("../../surveys/palvelulupaus.toml");
        let plain = survey_from_str(text).unwrap();
        assert!(plain.prize_draw.is_some());
        let dated = |day: &str| {
            let edited = text.replacen(
                "[prize_draw]\n",
                &format!("[prize_draw]\ndelete_after = \"{day}\"\n"),
                1,
            );
            survey_from_str(&edited).unwrap()
        };
        let june = dated("2026-06-30");
        let july = dated("2026-07-31");
        let form = String::from_utf8(crate::core::canonical::form(&june)).unwrap();
        assert!(
            form.contains(r#""prize_draw_delete_after":"2026-06-30""#),
            "{form}"
        );
        assert_ne!(VersionHash::of(&june), VersionHash::of(&plain));
        assert_ne!(VersionHash::of(&june), VersionHash::of(&july));
        assert!(
            !String::from_utf8(crate::core::canonical::form(&plain))
                .unwrap()
                .contains("delete_after")
        );
    }

    /// The explicit defaults a question may carry, by its kind.
    fn defaults_for(kind: &crate::core::survey::QuestionKind) -> &'static [&'static str] {
        use crate::core::survey::QuestionKind;
        match kind {
            QuestionKind::Choice { .. } | QuestionKind::Multi { .. } => {
                &["required = false", "other = false"]
            }
            QuestionKind::Text { .. } => &["required = false", "max_len = 500"],
            _ => &["required = false"],
        }
    }

    proptest::proptest! {
        /// Writing out an optional key at its default (what a survey file
        /// of a later release may do for a key this one has) is the same
        /// version as leaving it out.
        #[test]
        fn optional_keys_at_their_default_keep_the_hash(
            file in 0usize..6,
            picks in proptest::collection::vec(proptest::prelude::any::<(bool, usize)>(), 12),
        ) {
            let (text, hash) = golden()[file];
            let survey = survey_from_str(text).unwrap();
            let mut edited = String::new();
            let mut question = 0;
            for line in text.lines() {
                edited.push_str(line);
                edited.push('\n');
                if line.trim() == "[[question]]" {
                    let kind = &survey.questions[question].kind;
                    let (add, which) = picks[question % picks.len()];
                    if add {
                        let keys = defaults_for(kind);
                        edited.push_str(keys[which % keys.len()]);
                        edited.push('\n');
                    }
                    question += 1;
                }
            }
            // A key the file already sets is a duplicate: not this case.
            if let Ok(same) = survey_from_str(&edited) {
                proptest::prop_assert_eq!(VersionHash::of(&same).to_string(), hash);
            }
        }
    }

    #[test]
    fn hex_round_trips() {
        let h = VersionHash::of(&survey_from_str(PULSE).unwrap());
        assert_eq!(h.to_string().parse::<VersionHash>(), Ok(h));
        assert_eq!(h.short().len(), 12);
        assert!("xyz".parse::<VersionHash>().is_err());
    }
}
