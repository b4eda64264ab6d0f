//! The responses submitted from a moment on, read without the older ones:
//! a response's key starts with its id, a UUID v7 of its submit time (see
//! `keys::responses_since`). The live view reads today's and the last
//! hours' this way beside the counts kept ready.

use super::database::Store;
use super::error::StoreError;
use super::keys;
use crate::core::response::Response;

/// Stored response records: (key, encoded response).
pub type Records = Vec<(Vec<u8>, Vec<u8>)>;

impl Store {
    /// The stored records of survey `id` whose keys are of `since_ms` or
    /// later, oldest first: (key, encoded response).
    pub fn response_records_since(&self, id: &str, since_ms: i64) -> Result<Records, StoreError> {
        let sled = self.sled()?;
        let from = keys::responses_since(id, since_ms);
        // Just past every key of the survey (`id`, 0x00, ...).
        let mut to = id.as_bytes().to_vec();
        to.push(1);
        sled.responses
            .range(from..to)
            .map(|item| {
                let (key, value) = item.map_err(|e| self.read_failed(e))?;
                Ok((key.to_vec(), value.to_vec()))
            })
            .collect()
    }

    /// The responses to survey `id` with ids of `since_ms` or later (so
    /// every one submitted then or later), oldest first.
    pub fn responses_since(&self, id: &str, since_ms: i64) -> Result<Vec<Response>, StoreError> {
        self.response_records_since(id, since_ms)?
            .iter()
            .map(|(key, value)| Store::decode_response_record(self.dir(), key, value))
            .collect()
    }
}
