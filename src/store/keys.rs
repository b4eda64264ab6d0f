//! Tree names and key layout, in one place.
//!
//! | tree        | key                              | value                     |
//! |-------------|----------------------------------|---------------------------|
//! | `meta`      | `format`, `active`, `pin`, ...   | raw bytes (see below)     |
//! | `versions`  | version hash (32 bytes)          | [`super::StoredVersion`]  |
//! | `surveys`   | survey id                        | [`super::SurveyEntry`]    |
//! | `responses` | survey id, `0x00`, UUID v7 (16)  | [`crate::core::response::Response`] |
//! | `prizes`    | random UUID v4 (16)              | prize-draw entry          |
//! | `shown`     | survey id                        | version hash (32 bytes)   |
//! | `tallies`   | survey id, `0x00`, dimension, span, day or hour, group, flags, terminal; `0xFF`, survey id | tally cell; marker |
//! | `texts`     | survey id, `0x00`, UTC hour, block number | free texts of many responses |
//! | `outbox`    | sequence number (u64 BE)         | a change (`outbox.rs`)    |
//!
//! Survey ids are `[a-z0-9_-]+`, so the `0x00` separator cannot occur in
//! one, and a survey's responses are one prefix scan in time order.

use uuid::Uuid;

pub const META: &str = "meta";
pub const VERSIONS: &str = "versions";
pub const SURVEYS: &str = "surveys";
pub const RESPONSES: &str = "responses";
/// Prize-draw entries of stores made before `prizes.kioski`: read once at
/// open, moved to that file, and dropped.
pub const PRIZES: &str = "prizes";
/// Survey id -> the version (32 bytes) the kiosk shows of that survey.
pub const SHOWN: &str = "shown";
/// Sequence number (u64 big-endian, so in order) -> a change a sync has
/// not sent yet (`outbox.rs`).
pub const OUTBOX: &str = "outbox";

/// Store format: one byte, [`STORE_FORMAT`].
pub const META_FORMAT: &[u8] = b"format";
/// The id of the survey the kiosk shows (UTF-8).
pub const META_ACTIVE: &[u8] = b"active";
/// The admin PIN's argon2id hash (PHC string).
pub const META_PIN: &[u8] = b"pin";
/// This terminal's name (UTF-8).
pub const META_TERMINAL: &[u8] = b"terminal";
/// Wrong admin PINs in a row and the lock they earned: `u32` LE failures,
/// then `i64` LE Unix milliseconds the lock ends (0: not locked).
pub const META_PIN_LOCKOUT: &[u8] = b"pin_lockout";
/// Set while `kioski restore` writes a backup: that backup's checksum, so
/// a restore cut short can be run again (and only that one).
pub const META_RESTORING: &[u8] = b"restoring";
/// Set (one byte, 1) before a delete and left out of the rewritten
/// database: while it is there, a rewrite is due, and the next open runs
/// it (a crash between the delete and the rewrite leaves the bytes behind).
pub const META_REWRITE_DUE: &[u8] = b"rewrite_due";
/// This store's own id (16 bytes, a random UUID v4), made at first use: a
/// sync target keys its cursor by it. Never in a backup.
pub const META_STORE_ID: &[u8] = b"store_id";
/// The highest outbox sequence number pruned (u64 BE; absent: 0). Never
/// in a backup.
pub const META_OUTBOX_FLOOR: &[u8] = b"outbox_floor";
/// What the last sync did (`SyncState`, record format 1). Never in a
/// backup.
pub const META_SYNC_STATE: &[u8] = b"sync_state";
/// The sync target: a URL without its password (UTF-8). Travels in a
/// backup, as the terminal name does.
pub const META_SYNC_TARGET: &[u8] = b"sync_target";
/// Set (one byte, 1) by the first `sync set` or sync, and kept after
/// `sync off`: from then on every change enters the outbox. A store
/// without it never synced, so no database holds a cursor for it, and it
/// logs nothing (docs/store.md, "The outbox"). Never in a backup.
pub const META_CHANGES_LOGGED: &[u8] = b"changes_logged";
/// The `meta` entries that describe this database's outbox: a backup
/// leaves them out and a restore starts them afresh.
pub const OUTBOX_META: [&[u8]; 4] = [
    META_STORE_ID,
    META_OUTBOX_FLOOR,
    META_SYNC_STATE,
    META_CHANGES_LOGGED,
];

/// The layout of trees and keys this kioski writes. 2: survey versions may
/// be version records of format 2 (text only); a format 1 store (release
/// 0.1) is read as it is and marked 2 when opened, so that release refuses
/// it with a clear message instead of failing on a newer record.
pub const STORE_FORMAT: u8 = 2;

/// The key of one response.
pub fn response(survey: &str, id: &Uuid) -> Vec<u8> {
    let mut key = survey_prefix(survey);
    key.extend_from_slice(id.as_bytes());
    key
}

/// The first key a response to `survey` submitted at or after Unix
/// millisecond `ms` can have: UUID v7 starts with its time, big-endian.
pub fn responses_since(survey: &str, ms: i64) -> Vec<u8> {
    let mut key = survey_prefix(survey);
    let ms = u64::try_from(ms).unwrap_or(0).min((1 << 48) - 1);
    key.extend_from_slice(&ms.to_be_bytes()[2..]);
    key
}

/// The prefix shared by every response to `survey`.
pub fn survey_prefix(survey: &str) -> Vec<u8> {
    let mut key = Vec::with_capacity(survey.len() + 17);
    key.extend_from_slice(survey.as_bytes());
    key.push(0);
    key
}

/// The key of outbox entry `seq`.
pub fn change(seq: u64) -> [u8; 8] {
    seq.to_be_bytes()
}

/// The sequence number of an outbox key (`None`: not 8 bytes).
pub fn change_seq(key: &[u8]) -> Option<u64> {
    <[u8; 8]>::try_from(key).ok().map(u64::from_be_bytes)
}

/// A response key's survey and id (`None`: not a response key).
pub fn split_response(key: &[u8]) -> Option<(&str, Uuid)> {
    let at = key.iter().position(|b| *b == 0)?;
    let id = Uuid::from_slice(key.get(at + 1..)?).ok()?;
    Some((std::str::from_utf8(&key[..at]).ok()?, id))
}

/// A response key for messages: its survey and response id.
pub fn show_response(key: &[u8]) -> String {
    match key.iter().position(|b| *b == 0) {
        Some(at) if key.len() == at + 17 => {
            let id = Uuid::from_slice(&key[at + 1..])
                .map(|u| u.to_string())
                .unwrap_or_default();
            format!("{} of survey `{}`", id, String::from_utf8_lossy(&key[..at]))
        }
        _ => show(key),
    }
}

/// A key for messages: text where it is text, hex otherwise.
pub fn show(key: &[u8]) -> String {
    match std::str::from_utf8(key) {
        Ok(s) if !s.chars().any(char::is_control) => format!("`{s}`"),
        _ => key.iter().map(|b| format!("{b:02x}")).collect(),
    }
}

/// Tallies kept ready: cells of counts (`survey`, `0x00`, then the
/// dimension: `0x00` plain or `0x01` and a question's index (u16 BE);
/// the span: `0x00` a UTC day or `0x01` a UTC hour; the day's or hour's
/// number as `i64` BE with its sign bit flipped; with a question, the
/// group's code (u16 BE); the flags byte; the terminal name), and per
/// survey a marker (`0xFF`, survey id) saying which version the cells are
/// counted on. See docs/store.md, "Tallies kept ready".
pub const TALLIES: &str = "tallies";
/// Free texts in blocks (`texts.rs`): per survey and UTC hour, blocks
/// numbered from 0 (`survey`, `0x00`, UTC hour as `i64` BE with its sign
/// bit flipped, block number `u32` BE).
pub const TEXTS: &str = "texts";

/// The start of the keys of survey `id`'s text blocks of the UTC hour of
/// Unix millisecond `ms`.
pub fn text_hour(id: &str, ms: i64) -> Vec<u8> {
    let hour = ms.div_euclid(HOUR_MS);
    let mut key = survey_prefix(id);
    key.extend_from_slice(&((hour as u64) ^ (1 << 63)).to_be_bytes());
    key
}

/// The key of block `n` of an hour (`hour` from [`text_hour`]).
pub fn text_block(hour: &[u8], n: u32) -> Vec<u8> {
    let mut key = Vec::with_capacity(hour.len() + 4);
    key.extend_from_slice(hour);
    key.extend_from_slice(&n.to_be_bytes());
    key
}

/// A text block key's number (`None`: too short to be one).
pub fn text_block_number(key: &[u8]) -> Option<u32> {
    let at = key.len().checked_sub(4)?;
    <[u8; 4]>::try_from(&key[at..]).ok().map(u32::from_be_bytes)
}

/// The first byte of a marker key (never the first byte of a survey id).
pub const TALLY_MARKER: u8 = 0xFF;

pub const DAY_MS: i64 = 86_400_000;
pub const HOUR_MS: i64 = 3_600_000;

/// The key of survey `id`'s marker in `tallies`.
pub fn tally_marker(id: &str) -> Vec<u8> {
    let mut key = vec![TALLY_MARKER];
    key.extend_from_slice(id.as_bytes());
    key
}

fn flipped(n: i64) -> [u8; 8] {
    ((n as u64) ^ (1 << 63)).to_be_bytes()
}

/// The cells of survey `id` of one dimension (`question`: `None` the
/// plain ones) and span (`hour`: hours, else days), numbers from `from`
/// (days or hours since the epoch; `None`: the first) to before `to`.
pub fn tally_cells(
    id: &str,
    question: Option<u16>,
    hour: bool,
    from: Option<i64>,
    to: Option<i64>,
) -> (Vec<u8>, Vec<u8>) {
    let mut prefix = survey_prefix(id);
    match question {
        None => prefix.push(0),
        Some(q) => {
            prefix.push(1);
            prefix.extend_from_slice(&q.to_be_bytes());
        }
    }
    let mut start = prefix.clone();
    start.push(u8::from(hour));
    let mut end = start.clone();
    start.extend_from_slice(&flipped(from.unwrap_or(i64::MIN)));
    match to {
        Some(to) => end.extend_from_slice(&flipped(to)),
        // Past every number of this span: the next span byte.
        None => {
            prefix.push(u8::from(hour) + 1);
            end = prefix;
        }
    }
    (start, end)
}

/// The key of the cell response `r` counts in at `place`.
pub fn tally_cell(
    r: &crate::core::response::Response,
    place: crate::core::tally::CellPlace,
) -> Vec<u8> {
    let mut key = survey_prefix(&r.survey);
    match place.question {
        None => key.push(0),
        Some((q, _)) => {
            key.push(1);
            key.extend_from_slice(&q.to_be_bytes());
        }
    }
    key.push(u8::from(place.hour));
    let span = if place.hour { HOUR_MS } else { DAY_MS };
    key.extend_from_slice(&flipped(r.submitted_ms.div_euclid(span)));
    if let Some((_, group)) = place.question {
        key.extend_from_slice(&group.to_be_bytes());
    }
    key.push(crate::core::tally::CellFlags::of(r).bits());
    key.extend_from_slice(r.terminal.as_bytes());
    key
}

/// A cell key, read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CellKey<'a> {
    pub survey: &'a str,
    pub question: Option<u16>,
    pub hour: bool,
    /// The day's or hour's number since the epoch.
    pub time: i64,
    pub group: Option<u16>,
    pub flags: u8,
    pub terminal: &'a str,
}

impl CellKey<'_> {
    /// The span of submit times the cell holds, in Unix ms.
    pub fn span_ms(&self) -> (i64, i64) {
        let len = if self.hour { HOUR_MS } else { DAY_MS };
        let from = self.time.saturating_mul(len);
        (from, from.saturating_add(len))
    }
}

/// Reads a cell key; `None` when it is not one.
pub fn parse_tally_cell(key: &[u8]) -> Option<CellKey<'_>> {
    let at = key.iter().position(|b| *b == 0)?;
    let survey = std::str::from_utf8(&key[..at]).ok()?;
    let mut rest = &key[at + 1..];
    let mut take = |n: usize| -> Option<&[u8]> {
        let (head, tail) = (rest.get(..n)?, rest.get(n..)?);
        rest = tail;
        Some(head)
    };
    let u16_of = |b: &[u8]| u16::from_be_bytes([b[0], b[1]]);
    let question = match take(1)?[0] {
        0 => None,
        1 => Some(u16_of(take(2)?)),
        _ => return None,
    };
    let hour = match take(1)?[0] {
        0 => false,
        1 => true,
        _ => return None,
    };
    let mut t = [0u8; 8];
    t.copy_from_slice(take(8)?);
    let time = (u64::from_be_bytes(t) ^ (1 << 63)) as i64;
    let group = match question {
        Some(_) => Some(u16_of(take(2)?)),
        None => None,
    };
    let flags = take(1)?[0];
    let terminal = std::str::from_utf8(rest).ok()?;
    Some(CellKey {
        survey,
        question,
        hour,
        time,
        group,
        flags,
        terminal,
    })
}

/// The survey id of a cell key.
pub fn tally_cell_survey(key: &[u8]) -> Option<&str> {
    let at = key.iter().position(|b| *b == 0)?;
    std::str::from_utf8(&key[..at]).ok()
}

/// A cell key for messages: its day or hour, group, flags and terminal.
pub fn show_tally_cell(key: &[u8]) -> String {
    let Some(k) = parse_tally_cell(key) else {
        return "a cell with a malformed key".to_owned();
    };
    let (from, _) = k.span_ms();
    let at = jiff::Timestamp::from_millisecond(from)
        .map(|t| {
            let dt = jiff::tz::TimeZone::UTC.to_datetime(t);
            if k.hour {
                format!("{} {:02}:00", dt.date(), dt.hour())
            } else {
                dt.date().to_string()
            }
        })
        .unwrap_or_else(|_| format!("number {}", k.time));
    let names: Vec<&str> = [(1u8, "complete"), (2, "suspect"), (4, "simulated")]
        .iter()
        .filter(|(bit, _)| k.flags & bit != 0)
        .map(|(_, n)| *n)
        .collect();
    let flags = if names.is_empty() {
        "partial".to_owned()
    } else {
        names.join("+")
    };
    let group = match (k.question, k.group) {
        (Some(q), Some(g)) => format!(", question {} group {g}", u32::from(q) + 1),
        _ => String::new(),
    };
    format!(
        "the cell of {at} (UTC{}), terminal {}, {flags}{group}",
        if k.hour { " hour" } else { "" },
        crate::core::sanitize::escape(k.terminal)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn responses_of_one_survey_share_a_prefix_that_no_other_survey_has() {
        let id = Uuid::from_u128(1);
        assert!(response("tilat", &id).starts_with(&survey_prefix("tilat")));
        // "tila" is a prefix of "tilat" as text, but not as a key prefix.
        assert!(!response("tilat", &id).starts_with(&survey_prefix("tila")));
    }
}
