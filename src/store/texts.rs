//! Free texts kept for tallies, packed in blocks (`texts` tree): one sled
//! value holds the texts of many responses of one survey and UTC hour, up
//! to [`BLOCK_BYTES`], so a tally of a million responses reads a few
//! thousand values instead of one per response, and a submit appends to
//! one small block (a read and a write of at most a few kilobytes).
//! See docs/store.md, "Tallies kept ready".
//!
//! A block is the format byte ([`AGGREGATE_FORMAT`]), then entries, each
//! its length (`u32` LE) and its body:
//!
//! | field        | bytes                                              |
//! |--------------|----------------------------------------------------|
//! | response id  | 16                                                 |
//! | version      | 32                                                 |
//! | submitted_ms | `i64` LE                                           |
//! | flags        | 1 ([`CellFlags::bits`])                            |
//! | terminal     | a string (`u32` LE length, UTF-8)                  |
//! | texts        | `u16` LE count; question id, kind byte, text       |
//! | groups       | `u16` LE count; question id, kind byte, option id  |
//!
//! Text kinds: 0 a text answer, 1 a choice's "other", 2 a multi's
//! "other". Group kinds: 0 a choice's option, 1 a choice's "other" (with
//! its text), 2 yes, 3 no (no string).

use uuid::Uuid;

use super::aggregate::AGGREGATE_FORMAT;
use super::codec::CodecError;
use crate::core::answer::{Answer, Picked};
use crate::core::tally::{CellFlags, TextEntry};
use crate::core::version::VersionHash;

/// A block takes no more entries once it is this long; the next entry of
/// the hour starts a new block. Small enough that a submit's read and
/// write of its block cost little, large enough that a survey of a
/// million responses keeps its texts in a few thousand values.
pub const BLOCK_BYTES: usize = 8 * 1024;

/// An empty block: just its format byte.
pub fn empty_block() -> Vec<u8> {
    vec![AGGREGATE_FORMAT]
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(&(s.len() as u32).to_le_bytes());
    out.extend_from_slice(s.as_bytes());
}

/// Appends entry `e` (its length, then its body) to `out`.
pub fn encode_entry(e: &TextEntry, out: &mut Vec<u8>) {
    let at = out.len();
    out.extend_from_slice(&[0; 4]);
    out.extend_from_slice(e.response.as_bytes());
    out.extend_from_slice(&e.version.0);
    out.extend_from_slice(&e.submitted_ms.to_le_bytes());
    out.push(e.flags.bits());
    put_str(out, &e.terminal);
    let texts: Vec<(&str, u8, &str)> = e
        .answers
        .iter()
        .filter_map(|(id, a)| match a {
            Answer::Text(t) => Some((id.as_str(), 0, t.as_str())),
            Answer::Choice(Picked::Other(t)) => Some((id.as_str(), 1, t.as_str())),
            Answer::Multi { other: Some(t), .. } => Some((id.as_str(), 2, t.as_str())),
            _ => None,
        })
        .collect();
    out.extend_from_slice(&(texts.len() as u16).to_le_bytes());
    for (id, kind, text) in texts {
        put_str(out, id);
        out.push(kind);
        put_str(out, text);
    }
    let groups: Vec<(&str, u8, Option<&str>)> = e
        .groups
        .iter()
        .filter_map(|(id, a)| match a {
            Answer::Choice(Picked::Option(o)) => Some((id.as_str(), 0, Some(o.as_str()))),
            Answer::Choice(Picked::Other(t)) => Some((id.as_str(), 1, Some(t.as_str()))),
            Answer::YesNo(true) => Some((id.as_str(), 2, None)),
            Answer::YesNo(false) => Some((id.as_str(), 3, None)),
            _ => None,
        })
        .collect();
    out.extend_from_slice(&(groups.len() as u16).to_le_bytes());
    for (id, kind, option) in groups {
        put_str(out, id);
        out.push(kind);
        if let Some(o) = option {
            put_str(out, o);
        }
    }
    let len = (out.len() - at - 4) as u32;
    out[at..at + 4].copy_from_slice(&len.to_le_bytes());
}

fn malformed(what: &str) -> CodecError {
    CodecError::Malformed(what.to_owned())
}

/// The bodies of a block's entries, in the order they were appended.
pub fn entries(block: &[u8]) -> Result<Vec<&[u8]>, CodecError> {
    let (&format, mut rest) = block.split_first().ok_or(CodecError::Empty)?;
    if format != AGGREGATE_FORMAT {
        return Err(CodecError::Unknown { found: format });
    }
    let mut out = Vec::new();
    while !rest.is_empty() {
        let (len, after) = rest
            .split_first_chunk::<4>()
            .ok_or_else(|| malformed("a text block ends inside a length"))?;
        let len = u32::from_le_bytes(*len) as usize;
        if after.len() < len {
            return Err(malformed("a text block ends inside an entry"));
        }
        let (body, next) = after.split_at(len);
        out.push(body);
        rest = next;
    }
    Ok(out)
}

/// The response an entry's body belongs to.
pub fn entry_response(body: &[u8]) -> Option<Uuid> {
    body.get(..16).and_then(|b| Uuid::from_slice(b).ok())
}

/// Reads an entry's fields off its body, front to back.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], CodecError> {
        if self.0.len() < n {
            return Err(malformed("a text entry ends early"));
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], CodecError> {
        let mut a = [0; N];
        a.copy_from_slice(self.take(N)?);
        Ok(a)
    }

    fn byte(&mut self) -> Result<u8, CodecError> {
        Ok(self.take(1)?[0])
    }

    fn count(&mut self) -> Result<usize, CodecError> {
        Ok(usize::from(u16::from_le_bytes(self.array()?)))
    }

    fn str(&mut self) -> Result<&'a str, CodecError> {
        let len = u32::from_le_bytes(self.array()?) as usize;
        std::str::from_utf8(self.take(len)?).map_err(|_| malformed("a text entry is not UTF-8"))
    }
}

/// `s` into `to`, reusing its allocation.
fn set(to: &mut String, s: &str) {
    to.clear();
    to.push_str(s);
}

/// An answer that holds `text` as `kind` says, reusing `slot`'s string
/// when it is of that kind already.
fn set_text(slot: &mut Answer, kind: u8, text: &str) -> Result<(), CodecError> {
    match (kind, &mut *slot) {
        (0, Answer::Text(t))
        | (1, Answer::Choice(Picked::Other(t)))
        | (2, Answer::Multi { other: Some(t), .. }) => set(t, text),
        (0, _) => *slot = Answer::Text(text.to_owned()),
        (1, _) => *slot = Answer::Choice(Picked::Other(text.to_owned())),
        (2, _) => {
            *slot = Answer::Multi {
                options: Vec::new(),
                other: Some(text.to_owned()),
            }
        }
        _ => return Err(malformed("a text entry of an unknown kind")),
    }
    Ok(())
}

/// A group answer of `kind` (with `option` for a choice), reusing
/// `slot`'s string where it can.
fn set_group(slot: &mut Answer, kind: u8, option: &str) -> Result<(), CodecError> {
    match (kind, &mut *slot) {
        (0, Answer::Choice(Picked::Option(o))) | (1, Answer::Choice(Picked::Other(o))) => {
            set(o, option)
        }
        (0, _) => *slot = Answer::Choice(Picked::Option(option.to_owned())),
        (1, _) => *slot = Answer::Choice(Picked::Other(option.to_owned())),
        (2, _) => *slot = Answer::YesNo(true),
        (3, _) => *slot = Answer::YesNo(false),
        _ => return Err(malformed("a group answer of an unknown kind")),
    }
    Ok(())
}

/// An empty entry to decode into ([`decode_into`]).
pub fn scratch() -> TextEntry {
    TextEntry {
        response: Uuid::nil(),
        version: VersionHash([0; 32]),
        submitted_ms: 0,
        flags: CellFlags {
            complete: false,
            suspect: false,
            simulated: false,
        },
        terminal: String::new(),
        answers: Vec::new(),
        groups: Vec::new(),
    }
}

/// Decodes an entry's body into `e`, reusing its strings: a tally reads
/// every kept text through one entry instead of allocating each.
pub fn decode_into(body: &[u8], e: &mut TextEntry) -> Result<(), CodecError> {
    let mut r = Reader(body);
    e.response = Uuid::from_bytes(r.array()?);
    e.version = VersionHash(r.array()?);
    e.submitted_ms = i64::from_le_bytes(r.array()?);
    e.flags = CellFlags::from_bits(r.byte()?).ok_or_else(|| malformed("unknown flags"))?;
    set(&mut e.terminal, r.str()?);
    let n = r.count()?;
    e.answers.truncate(n);
    for i in 0..n {
        let (id, kind, text) = (r.str()?, r.byte()?, r.str()?);
        match e.answers.get_mut(i) {
            Some((q, a)) => {
                set(q, id);
                set_text(a, kind, text)?;
            }
            None => {
                let mut a = Answer::YesNo(false);
                set_text(&mut a, kind, text)?;
                e.answers.push((id.to_owned(), a));
            }
        }
    }
    let n = r.count()?;
    e.groups.truncate(n);
    for i in 0..n {
        let (id, kind) = (r.str()?, r.byte()?);
        let option = if kind < 2 { r.str()? } else { "" };
        match e.groups.get_mut(i) {
            Some((q, a)) => {
                set(q, id);
                set_group(a, kind, option)?;
            }
            None => {
                let mut a = Answer::YesNo(false);
                set_group(&mut a, kind, option)?;
                e.groups.push((id.to_owned(), a));
            }
        }
    }
    if !r.0.is_empty() {
        return Err(malformed("a text entry has bytes after its end"));
    }
    Ok(())
}

/// An entry's body decoded into a new [`TextEntry`].
#[cfg(test)]
pub fn decode_entry(body: &[u8]) -> Result<TextEntry, CodecError> {
    let mut e = scratch();
    decode_into(body, &mut e)?;
    Ok(e)
}

/// Packs entries (each as [`encode_entry`] writes it, length first) of
/// one hour into blocks of at most [`BLOCK_BYTES`] (an entry longer than
/// that alone in its block), in order.
pub fn pack(entries: &[Vec<u8>]) -> Vec<Vec<u8>> {
    let mut blocks = Vec::new();
    let mut block = empty_block();
    for entry in entries {
        if !fits(&block, entry) {
            blocks.push(std::mem::replace(&mut block, empty_block()));
        }
        block.extend_from_slice(entry);
    }
    if block.len() > 1 {
        blocks.push(block);
    }
    blocks
}

/// Whether `entry` goes into `block` (an empty block takes any entry).
pub fn fits(block: &[u8], entry: &[u8]) -> bool {
    block.len() <= 1 || block.len() + entry.len() <= BLOCK_BYTES
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(n: u8, texts: usize) -> TextEntry {
        TextEntry {
            response: Uuid::from_bytes([n; 16]),
            version: VersionHash([n; 32]),
            submitted_ms: -5 + i64::from(n),
            flags: CellFlags::from_bits(n % 8).unwrap(),
            terminal: format!("desk-{n}"),
            answers: (0..texts)
                .map(|i| {
                    let t = format!("teksti {i} ä");
                    let a = match i % 3 {
                        0 => Answer::Text(t),
                        1 => Answer::Choice(Picked::Other(t)),
                        _ => Answer::Multi {
                            options: Vec::new(),
                            other: Some(t),
                        },
                    };
                    (format!("q{i}"), a)
                })
                .collect(),
            groups: vec![
                ("a".into(), Answer::Choice(Picked::Option("x".into()))),
                ("b".into(), Answer::Choice(Picked::Other("muu".into()))),
                ("c".into(), Answer::YesNo(true)),
                ("d".into(), Answer::YesNo(false)),
            ][..usize::from(n % 5)]
                .to_vec(),
        }
    }

    /// Entries come back as they went in, through one reused entry too,
    /// and blocks split where they grow past their size.
    #[test]
    fn entries_round_trip_through_blocks() {
        let all: Vec<TextEntry> = (0..40).map(|n| entry(n, usize::from(n % 4) + 1)).collect();
        let encoded: Vec<Vec<u8>> = all
            .iter()
            .map(|e| {
                let mut v = Vec::new();
                encode_entry(e, &mut v);
                v
            })
            .collect();
        let mut big = entry(99, 1);
        big.answers[0].1 = Answer::Text("x".repeat(BLOCK_BYTES * 2));
        let mut with_big = encoded.clone();
        let mut v = Vec::new();
        encode_entry(&big, &mut v);
        with_big.insert(3, v);
        let blocks = pack(&with_big);
        assert!(blocks.len() > 2);
        let mut scratch = scratch();
        let mut back = Vec::new();
        for b in &blocks {
            assert!(b.len() <= BLOCK_BYTES || entries(b).unwrap().len() == 1);
            for body in entries(b).unwrap() {
                decode_into(body, &mut scratch).unwrap();
                assert_eq!(scratch, decode_entry(body).unwrap());
                assert_eq!(entry_response(body), Some(scratch.response));
                back.push(scratch.clone());
            }
        }
        let mut expected = all.clone();
        expected.insert(3, big);
        assert_eq!(back, expected);
        // Cut anywhere: an error, never a panic or a wrong entry.
        for cut in 1..blocks[0].len() {
            if let Ok(bodies) = entries(&blocks[0][..cut]) {
                for body in bodies {
                    let _ = decode_entry(body);
                }
            }
        }
        assert!(entries(&[AGGREGATE_FORMAT + 1]).is_err());
        assert!(entries(&[]).is_err());
    }
}
