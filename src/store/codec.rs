//! Every stored record is one format-version byte, then bincode.
//!
//! This is the only place that names bincode, so the encoding could be
//! swapped (bincode 1.x is flagged unmaintained, though its format is
//! stable; see docs/store.md). A record from a newer kioski is refused,
//! never misread; a record that does not decode is an error, never a panic.

use bincode::Options;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// Largest record decoded; a corrupt length can never ask for more.
pub const MAX_RECORD_BYTES: u64 = 16 * 1024 * 1024;

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CodecError {
    #[error("the record is empty")]
    Empty,
    #[error(
        "the record has format {found}, written by a newer kioski (this one reads up to format {newest})"
    )]
    Newer { found: u8, newest: u8 },
    #[error("the record has unknown format {found}")]
    Unknown { found: u8 },
    #[error("the record is malformed: {0}")]
    Malformed(String),
}

fn options() -> impl Options {
    bincode::DefaultOptions::new().with_limit(MAX_RECORD_BYTES)
}

/// Encodes `value` behind the format byte `format`.
pub fn encode<T: Serialize>(format: u8, value: &T) -> Result<Vec<u8>, CodecError> {
    let mut out = vec![format];
    options()
        .serialize_into(&mut out, value)
        .map_err(|e| CodecError::Malformed(e.to_string()))?;
    Ok(out)
}

/// Splits a record into its format byte and body, refusing a format newer
/// than `newest` (the newest this kioski reads for that kind of record).
pub fn split(bytes: &[u8], newest: u8) -> Result<(u8, &[u8]), CodecError> {
    let (&format, body) = bytes.split_first().ok_or(CodecError::Empty)?;
    match format {
        0 => Err(CodecError::Unknown { found: 0 }),
        found if found > newest => Err(CodecError::Newer { found, newest }),
        found => Ok((found, body)),
    }
}

/// Decodes a record's body (after [`split`]); trailing bytes are refused.
pub fn decode_body<T: DeserializeOwned>(body: &[u8]) -> Result<T, CodecError> {
    options()
        .deserialize(body)
        .map_err(|e| CodecError::Malformed(e.to_string()))
}

/// Encodes a message of the socket protocol (no format byte: the protocol
/// has its own version), refusing one larger than `limit`.
pub fn encode_message<T: Serialize>(value: &T, limit: u64) -> Result<Vec<u8>, CodecError> {
    bincode::DefaultOptions::new()
        .with_limit(limit)
        .serialize(value)
        .map_err(|e| CodecError::Malformed(e.to_string()))
}

/// Decodes a message written by [`encode_message`].
pub fn decode_message<T: DeserializeOwned>(bytes: &[u8], limit: u64) -> Result<T, CodecError> {
    bincode::DefaultOptions::new()
        .with_limit(limit)
        .deserialize(bytes)
        .map_err(|e| CodecError::Malformed(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::answer::{Answer, Picked};
    use crate::core::response::Response;
    use crate::core::survey::Lang;
    use crate::core::version::VersionHash;
    use crate::store::record::{decode_response, encode_response};
    use proptest::prelude::*;

    fn response(answers: Vec<(String, Answer)>) -> Response {
        Response {
            id: uuid::Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0001),
            survey: "pulssi".into(),
            version: VersionHash([7; 32]),
            terminal: "kirjasto-1".into(),
            lang: Lang::Sv,
            started_ms: 1_700_000_000_000,
            submitted_ms: 1_700_000_030_000,
            complete: true,
            answers: answers.into_iter().collect(),
            simulated: false,
            suspect: false,
        }
    }

    fn arb_answer() -> impl Strategy<Value = Answer> {
        prop_oneof![
            "[a-z]{1,8}".prop_map(|s| Answer::Choice(Picked::Option(s))),
            "\\PC{1,20}".prop_map(|s| Answer::Choice(Picked::Other(s))),
            (
                prop::collection::vec("[a-z]{1,5}", 0..4),
                proptest::option::of("\\PC{1,9}")
            )
                .prop_map(|(options, other)| Answer::Multi { options, other }),
            prop::collection::vec("[a-z]{1,5}", 0..4).prop_map(Answer::Ranking),
            any::<u8>().prop_map(Answer::Rating),
            any::<u8>().prop_map(Answer::Nps),
            any::<bool>().prop_map(Answer::YesNo),
            any::<i64>().prop_map(Answer::Number),
            "\\PC{0,40}".prop_map(Answer::Text),
        ]
    }

    proptest! {
        #[test]
        fn responses_round_trip(
            answers in prop::collection::vec(("[a-z_]{1,8}", arb_answer()), 0..10),
            simulated in any::<bool>(),
            suspect in any::<bool>(),
        ) {
            let r = Response { simulated, suspect, ..response(answers) };
            let bytes = encode_response(&r).unwrap();
            // Format 2 only when a flag needs it.
            prop_assert_eq!(bytes[0], if simulated || suspect { 2 } else { 1 });
            prop_assert_eq!(decode_response(&bytes).unwrap(), r);
        }

        #[test]
        fn every_truncation_is_refused(answers in prop::collection::vec(("[a-z]{1,8}", arb_answer()), 1..5)) {
            let bytes = encode_response(&response(answers)).unwrap();
            for len in 0..bytes.len() {
                prop_assert!(decode_response(&bytes[..len]).is_err(), "length {}", len);
            }
        }

        #[test]
        fn garbage_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
            let _ = decode_response(&bytes);
        }
    }

    #[test]
    fn a_newer_format_is_refused_not_misread() {
        let mut bytes = encode_response(&response(vec![])).unwrap();
        bytes[0] = 3;
        assert_eq!(
            decode_response(&bytes),
            Err(CodecError::Newer {
                found: 3,
                newest: 2
            })
        );
        assert_eq!(decode_response(&[]), Err(CodecError::Empty));
    }

    #[test]
    fn trailing_bytes_are_refused() {
        let mut bytes = encode_response(&response(vec![])).unwrap();
        bytes.push(0);
        assert!(matches!(
            decode_response(&bytes),
            Err(CodecError::Malformed(_))
        ));
    }

    #[test]
    fn a_huge_length_field_allocates_nothing() {
        // Format byte, then a string length of 2^60 in varint form.
        let bytes = [0xfd, 0, 0, 0, 0, 0, 0, 0, 0x10];
        assert!(decode_body::<String>(&bytes).is_err());
    }
}
