//! The framing that bundles and backups share: after an 8-byte mark and a
//! `u16` format, records of `kind u8, length u32, body`, then `0xFF` and the
//! SHA-256 of every byte before it (integers little-endian).
//!
//! Each file kind keeps its own mark, kinds, checks and errors; this is only
//! the part where they are the same, so a fix to how a length is bounded or
//! a checksum is read is made once.

use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom, Write};

use sha2::{Digest, Sha256};

/// The record that ends the records; the checksum follows it.
pub const KIND_END: u8 = 0xFF;
pub const CHECKSUM_LEN: u64 = 32;
/// Mark and format: where the records start.
pub const RECORDS_START: u64 = 8 + 2;
/// Largest record body written or read (a survey file is at most 1 MiB).
pub const MAX_BODY: u32 = 4 * 1024 * 1024;
/// Kind and length before each body.
const HEAD_LEN: u64 = 5;

/// What went wrong in the framing; each file kind turns it into its own
/// error.
#[derive(Debug)]
pub enum FrameError {
    Io(io::Error),
    Damaged(String),
}

impl From<io::Error> for FrameError {
    fn from(e: io::Error) -> Self {
        FrameError::Io(e)
    }
}

/// Hashes every byte written through it.
pub struct HashingWriter<W: Write> {
    pub inner: W,
    pub hasher: Sha256,
}

impl<W: Write> HashingWriter<W> {
    pub fn new(inner: W) -> HashingWriter<W> {
        HashingWriter {
            inner,
            hasher: Sha256::new(),
        }
    }

    /// Writes the end mark and the checksum of every byte before the mark.
    pub fn finish(mut self) -> io::Result<W> {
        let sum = self.hasher.finalize();
        self.inner.write_all(&[KIND_END])?;
        self.inner.write_all(&sum)?;
        Ok(self.inner)
    }
}

impl<W: Write> Write for HashingWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Hashes every byte read through it.
struct HashingReader<R: Read> {
    inner: R,
    hasher: Sha256,
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
}

/// Writes one record; a body over [`MAX_BODY`] is refused, as a reader
/// would refuse it.
pub fn write_record(w: &mut impl Write, kind: u8, body: &[u8]) -> Result<(), FrameError> {
    let len = u32::try_from(body.len())
        .ok()
        .filter(|n| *n <= MAX_BODY)
        .ok_or_else(|| FrameError::Damaged("a record is too large".into()))?;
    w.write_all(&[kind])?;
    w.write_all(&len.to_le_bytes())?;
    w.write_all(body)?;
    Ok(())
}

/// The records of a file, read one at a time. Every byte before the end
/// mark goes through the file's hasher as it is read; each record's bytes
/// also go through the batch hasher.
pub struct Records {
    reader: BufReader<HashingReader<io::Take<File>>>,
    /// Record bytes not read yet.
    left: u64,
    batch: Sha256,
}

impl Records {
    /// Reads from the start of the file of length `len`, which the caller
    /// has checked holds at least the mark, format, end mark and checksum;
    /// the mark and format are hashed too.
    pub fn new(mut file: File, len: u64) -> Result<Records, FrameError> {
        let body_end = len - 1 - CHECKSUM_LEN;
        file.seek(SeekFrom::Start(0))?;
        let mut reader = BufReader::new(HashingReader {
            inner: file.take(body_end),
            hasher: Sha256::new(),
        });
        let mut start = [0u8; RECORDS_START as usize];
        reader.read_exact(&mut start)?;
        Ok(Records {
            reader,
            left: body_end - RECORDS_START,
            batch: Sha256::new(),
        })
    }

    /// The next record's kind and body; `None` at the end mark. A length
    /// is checked against what is left of the file and [`MAX_BODY`] before
    /// anything is allocated.
    pub fn next(&mut self) -> Result<Option<(u8, Vec<u8>)>, FrameError> {
        if self.left == 0 {
            return Ok(None);
        }
        if self.left < HEAD_LEN {
            return Err(FrameError::Damaged("a record is cut short".into()));
        }
        let mut head = [0u8; HEAD_LEN as usize];
        self.reader.read_exact(&mut head)?;
        self.left -= HEAD_LEN;
        let len = u32::from_le_bytes([head[1], head[2], head[3], head[4]]);
        if len > MAX_BODY || u64::from(len) > self.left {
            return Err(FrameError::Damaged(format!(
                "a record claims {len} bytes, more than the file holds"
            )));
        }
        let mut body = vec![0u8; len as usize];
        self.reader.read_exact(&mut body)?;
        self.left -= u64::from(len);
        self.batch.update(head);
        self.batch.update(&body);
        Ok(Some((head[0], body)))
    }

    /// The digest of the records read since the last call.
    pub fn batch_digest(&mut self) -> [u8; 32] {
        self.batch.finalize_reset().into()
    }

    /// Reads what is left before the end mark; the checksum, if the end
    /// mark and a matching checksum follow.
    pub fn checksum(self) -> Result<Option<[u8; 32]>, FrameError> {
        let mut reader = self.reader;
        io::copy(&mut reader, &mut io::sink())?;
        let hashing = reader.into_inner();
        let mut end = [0u8; 1 + CHECKSUM_LEN as usize];
        hashing.inner.into_inner().read_exact(&mut end)?;
        let sum: [u8; 32] = hashing.hasher.finalize().into();
        Ok((end[0] == KIND_END && end[1..] == sum[..]).then_some(sum))
    }
}

/// Reads into `buf` until it is full or the file ends; how much was read.
pub fn read_up_to(file: &mut File, buf: &mut [u8]) -> io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match file.read(&mut buf[got..])? {
            0 => break,
            n => got += n,
        }
    }
    Ok(got)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file_of(bytes: &[u8]) -> (tempfile::TempDir, File, u64) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, bytes).unwrap();
        let file = File::open(&path).unwrap();
        (dir, file, bytes.len() as u64)
    }

    #[test]
    fn records_written_read_back_with_their_checksum() {
        let mut w = HashingWriter::new(Vec::new());
        w.write_all(b"TESTMARK").unwrap();
        w.write_all(&1u16.to_le_bytes()).unwrap();
        write_record(&mut w, 1, b"one").unwrap();
        write_record(&mut w, 2, b"").unwrap();
        let bytes = w.finish().unwrap();
        let (_dir, file, len) = file_of(&bytes);
        let mut records = Records::new(file, len).unwrap();
        assert_eq!(records.next().unwrap(), Some((1, b"one".to_vec())));
        assert_eq!(records.next().unwrap(), Some((2, Vec::new())));
        assert_eq!(records.next().unwrap(), None);
        assert!(records.checksum().unwrap().is_some());
    }

    #[test]
    fn a_flipped_byte_fails_the_checksum_and_a_long_claim_is_damage() {
        let mut w = HashingWriter::new(Vec::new());
        w.write_all(b"TESTMARK\x01\x00").unwrap();
        write_record(&mut w, 1, b"body").unwrap();
        let mut bytes = w.finish().unwrap();
        bytes[RECORDS_START as usize + 5] ^= 1;
        let (_dir, file, len) = file_of(&bytes);
        let mut records = Records::new(file, len).unwrap();
        records.next().unwrap();
        assert_eq!(records.checksum().unwrap(), None);

        let mut claim = b"TESTMARK\x01\x00".to_vec();
        claim.extend([1, 0xff, 0xff, 0, 0]);
        claim.push(KIND_END);
        claim.extend([0u8; 32]);
        let (_dir, file, len) = file_of(&claim);
        let mut records = Records::new(file, len).unwrap();
        assert!(matches!(records.next(), Err(FrameError::Damaged(_))));
    }

    #[test]
    fn a_body_too_large_is_never_written() {
        let big = vec![0u8; MAX_BODY as usize + 1];
        assert!(matches!(
            write_record(&mut Vec::new(), 1, &big),
            Err(FrameError::Damaged(_))
        ));
    }
}
