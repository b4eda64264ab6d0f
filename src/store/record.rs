//! The records kioski stores, puts in bundles and sends on its socket:
//! types of their own, apart from the core's model, each behind a format
//! byte ([`super::codec`]). The model may gain fields freely; these types
//! change only by adding a new format beside the old one (see
//! `docs/store.md`, "Adding a format"), and the golden fixtures in
//! `tests/data/golden/` hold bytes written by release 0.1 that must keep
//! decoding.
//!
//! | record | formats read | written |
//! |---|---|---|
//! | response | 1 ([`ResponseV1`]), 2 ([`ResponseV2`]: with flags) | 1 when no flag is set, else 2 |
//! | survey entry | 1 ([`SurveyEntryV1`]) | 1 |
//! | survey version | 1 ([`StoredVersionV1`]: with the model of the day), 2 ([`VersionV2`]: source text only) | 2 |
//!
//! A version is kept as its source text, hash and load time; the `Survey`
//! is rebuilt from the text by the reader (and cached), so a new model
//! never needs a new version record.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::codec::{self, CodecError};
use crate::core::answer::{Answer, Picked};
use crate::core::canonical::{LangV1, SurveyV1};
use crate::core::response::Response;
use crate::core::version::VersionHash;

/// A response, format 1: the shape release 0.1 stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResponseV1 {
    pub id: Uuid,
    pub survey: String,
    pub version: [u8; 32],
    pub terminal: String,
    pub lang: LangV1,
    pub started_ms: i64,
    pub submitted_ms: i64,
    pub complete: bool,
    pub answers: BTreeMap<String, AnswerV1>,
}

/// A response, format 2: format 1's fields, then its flags. Written only
/// when a flag is set, so an unflagged response stays format 1, byte for
/// byte, and an older kioski refuses only the records it cannot represent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResponseV2 {
    pub id: Uuid,
    pub survey: String,
    pub version: [u8; 32],
    pub terminal: String,
    pub lang: LangV1,
    pub started_ms: i64,
    pub submitted_ms: i64,
    pub complete: bool,
    pub answers: BTreeMap<String, AnswerV1>,
    pub simulated: bool,
    pub suspect: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum AnswerV1 {
    Choice(PickedV1),
    Multi {
        options: Vec<String>,
        other: Option<String>,
    },
    Ranking(Vec<String>),
    Rating(u8),
    Nps(u8),
    YesNo(bool),
    Number(i64),
    Text(String),
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PickedV1 {
    Option(String),
    Other(String),
}

/// A survey id and its versions, oldest load first, format 1.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SurveyEntryV1 {
    pub id: String,
    pub versions: Vec<VersionRefV1>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionRefV1 {
    pub hash: [u8; 32],
    pub loaded_ms: i64,
}

/// A survey version as release 0.1 stored it (format 1) and as protocol 1
/// sends it: the validated model of that release beside the text. Readers
/// use only the text; the model is there because the format had it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StoredVersionV1 {
    pub hash: [u8; 32],
    pub survey: SurveyV1,
    pub source: String,
    pub loaded_ms: i64,
}

/// A survey version, format 2: the text, its hash and when it was loaded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionV2 {
    pub hash: [u8; 32],
    pub source: String,
    pub loaded_ms: i64,
}

/// The version record formats this kioski reads; it writes the last.
const VERSION_FORMATS: (u8, u8) = (1, 2);

// ---- encode and decode ---------------------------------------------------

/// Writes a response as format 1 when it has no flag set (as release 0.1
/// did), else as format 2.
pub fn encode_response(r: &Response) -> Result<Vec<u8>, CodecError> {
    if r.simulated || r.suspect {
        codec::encode(2, &ResponseV2::from(r))
    } else {
        codec::encode(1, &ResponseV1::from(r))
    }
}

pub fn decode_response(bytes: &[u8]) -> Result<Response, CodecError> {
    let (format, body) = codec::split(bytes, 2)?;
    match format {
        1 => codec::decode_body::<ResponseV1>(body).map(Response::from),
        2 => codec::decode_body::<ResponseV2>(body).map(Response::from),
        found => Err(CodecError::Unknown { found }),
    }
}

pub fn encode_entry(e: &SurveyEntryV1) -> Result<Vec<u8>, CodecError> {
    codec::encode(1, e)
}

pub fn decode_entry(bytes: &[u8]) -> Result<SurveyEntryV1, CodecError> {
    let (format, body) = codec::split(bytes, 1)?;
    match format {
        1 => codec::decode_body(body),
        found => Err(CodecError::Unknown { found }),
    }
}

/// Writes a version as format 2: its text, hash and load time.
pub fn encode_version(v: &VersionV2) -> Result<Vec<u8>, CodecError> {
    codec::encode(VERSION_FORMATS.1, v)
}

/// Reads a version record of either format as its text, hash and load time.
pub fn decode_version(bytes: &[u8]) -> Result<VersionV2, CodecError> {
    let (format, body) = codec::split(bytes, VERSION_FORMATS.1)?;
    match format {
        1 => codec::decode_body::<StoredVersionV1>(body).map(|v| VersionV2 {
            hash: v.hash,
            source: v.source,
            loaded_ms: v.loaded_ms,
        }),
        2 => codec::decode_body(body),
        found => Err(CodecError::Unknown { found }),
    }
}

// ---- to and from the model -----------------------------------------------

impl From<&Response> for ResponseV1 {
    fn from(r: &Response) -> Self {
        ResponseV1 {
            id: r.id,
            survey: r.survey.clone(),
            version: r.version.0,
            terminal: r.terminal.clone(),
            lang: r.lang.into(),
            started_ms: r.started_ms,
            submitted_ms: r.submitted_ms,
            complete: r.complete,
            answers: r
                .answers
                .iter()
                .map(|(q, a)| (q.clone(), a.into()))
                .collect(),
        }
    }
}

impl From<ResponseV1> for Response {
    fn from(r: ResponseV1) -> Self {
        Response {
            id: r.id,
            survey: r.survey,
            version: VersionHash(r.version),
            terminal: r.terminal,
            lang: r.lang.into(),
            started_ms: r.started_ms,
            submitted_ms: r.submitted_ms,
            complete: r.complete,
            answers: r.answers.into_iter().map(|(q, a)| (q, a.into())).collect(),
            simulated: false,
            suspect: false,
        }
    }
}

impl From<&Response> for ResponseV2 {
    fn from(r: &Response) -> Self {
        let v1 = ResponseV1::from(r);
        ResponseV2 {
            id: v1.id,
            survey: v1.survey,
            version: v1.version,
            terminal: v1.terminal,
            lang: v1.lang,
            started_ms: v1.started_ms,
            submitted_ms: v1.submitted_ms,
            complete: v1.complete,
            answers: v1.answers,
            simulated: r.simulated,
            suspect: r.suspect,
        }
    }
}

impl From<ResponseV2> for Response {
    fn from(r: ResponseV2) -> Self {
        let (simulated, suspect) = (r.simulated, r.suspect);
        let mut response = Response::from(ResponseV1 {
            id: r.id,
            survey: r.survey,
            version: r.version,
            terminal: r.terminal,
            lang: r.lang,
            started_ms: r.started_ms,
            submitted_ms: r.submitted_ms,
            complete: r.complete,
            answers: r.answers,
        });
        response.simulated = simulated;
        response.suspect = suspect;
        response
    }
}

impl From<&Answer> for AnswerV1 {
    fn from(a: &Answer) -> Self {
        match a {
            Answer::Choice(Picked::Option(o)) => AnswerV1::Choice(PickedV1::Option(o.clone())),
            Answer::Choice(Picked::Other(t)) => AnswerV1::Choice(PickedV1::Other(t.clone())),
            Answer::Multi { options, other } => AnswerV1::Multi {
                options: options.clone(),
                other: other.clone(),
            },
            Answer::Ranking(r) => AnswerV1::Ranking(r.clone()),
            Answer::Rating(n) => AnswerV1::Rating(*n),
            Answer::Nps(n) => AnswerV1::Nps(*n),
            Answer::YesNo(b) => AnswerV1::YesNo(*b),
            Answer::Number(n) => AnswerV1::Number(*n),
            Answer::Text(t) => AnswerV1::Text(t.clone()),
        }
    }
}

impl From<AnswerV1> for Answer {
    fn from(a: AnswerV1) -> Self {
        match a {
            AnswerV1::Choice(PickedV1::Option(o)) => Answer::Choice(Picked::Option(o)),
            AnswerV1::Choice(PickedV1::Other(t)) => Answer::Choice(Picked::Other(t)),
            AnswerV1::Multi { options, other } => Answer::Multi { options, other },
            AnswerV1::Ranking(r) => Answer::Ranking(r),
            AnswerV1::Rating(n) => Answer::Rating(n),
            AnswerV1::Nps(n) => Answer::Nps(n),
            AnswerV1::YesNo(b) => Answer::YesNo(b),
            AnswerV1::Number(n) => Answer::Number(n),
            AnswerV1::Text(t) => Answer::Text(t),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOLDEN_RESPONSE: &[u8] = include_bytes!("../../tests/data/golden/records/response.bin");
    const GOLDEN_VERSION: &[u8] = include_bytes!("../../tests/data/golden/records/version.bin");
    const GOLDEN_ENTRY: &[u8] = include_bytes!("../../tests/data/golden/records/survey-entry.bin");
    const PULSE: &str = include_str!("../../surveys/pulssi.toml");

    #[test]
    fn a_response_of_release_0_1_decodes_and_encodes_to_the_same_bytes() {
        let response = decode_response(GOLDEN_RESPONSE).unwrap();
        assert_eq!(response.survey, "palvelupiste");
        assert_eq!(response.terminal, "kirjasto-1");
        assert!(!response.answers.is_empty());
        assert_eq!(encode_response(&response).unwrap(), GOLDEN_RESPONSE);
    }

    #[test]
    fn a_flagged_response_is_format_2_and_keeps_its_flags() {
        let plain = decode_response(GOLDEN_RESPONSE).unwrap();
        for (simulated, suspect) in [(true, false), (false, true), (true, true)] {
            let flagged = Response {
                simulated,
                suspect,
                ..plain.clone()
            };
            let bytes = encode_response(&flagged).unwrap();
            assert_eq!(bytes[0], 2);
            assert_eq!(decode_response(&bytes).unwrap(), flagged);
        }
        let mut newer = encode_response(&plain).unwrap();
        newer[0] = 3;
        assert_eq!(
            decode_response(&newer),
            Err(CodecError::Newer {
                found: 3,
                newest: 2
            })
        );
    }

    #[test]
    fn a_survey_entry_of_release_0_1_round_trips_byte_for_byte() {
        let entry = decode_entry(GOLDEN_ENTRY).unwrap();
        assert_eq!(entry.id, "pulssi");
        assert_eq!(entry.versions.len(), 2);
        assert_eq!(encode_entry(&entry).unwrap(), GOLDEN_ENTRY);
    }

    #[test]
    fn a_version_of_release_0_1_gives_its_text_and_hash() {
        assert_eq!(GOLDEN_VERSION[0], 1);
        let version = decode_version(GOLDEN_VERSION).unwrap();
        assert_eq!(version.source, PULSE);
        let hash = crate::core::version::VersionHash(version.hash);
        assert_eq!(hash.short(), "9308ba5dfbfe");
        let survey = crate::core::validate::survey_from_str(&version.source).unwrap();
        assert_eq!(crate::core::version::VersionHash::of(&survey), hash);
        // Written again, it is format 2: the text only.
        let again = encode_version(&version).unwrap();
        assert_eq!(again[0], 2);
        assert_eq!(decode_version(&again).unwrap(), version);
    }

    #[test]
    fn a_version_record_of_a_newer_format_is_refused() {
        let mut bytes = encode_version(&VersionV2 {
            hash: [1; 32],
            source: "x".into(),
            loaded_ms: 0,
        })
        .unwrap();
        bytes[0] = 3;
        assert_eq!(
            decode_version(&bytes),
            Err(CodecError::Newer {
                found: 3,
                newest: 2
            })
        );
    }
}
