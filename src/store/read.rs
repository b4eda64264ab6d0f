//! [`ReadStore`]: reading a store, whether this process owns it
//! ([`super::Store`]) or asks the process that does (`remote::Client`).
//! Commands that only read (tally, export, bundle export, surveys) are
//! written once against this trait, so their output is the same either way.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use super::codec::CodecError;
use super::database::{StoredVersion, SurveyEntry, SurveyStats};
use super::error::StoreError;
use crate::core::response::Response;
use crate::core::survey::Survey;
use crate::core::tally::GroupedTally;
use crate::core::validate::survey_from_str;
use crate::core::version::VersionHash;

/// The responses of one survey, oldest first, read lazily.
pub type Responses<'a> = Box<dyn Iterator<Item = Result<Response, StoreError>> + 'a>;

/// One stored survey as a listing shows it (`kioski surveys`, the admin
/// view).
#[derive(Clone, Debug, PartialEq)]
pub struct SurveySummary {
    pub entry: SurveyEntry,
    pub latest: StoredVersion,
    /// The version the kiosk shows of it (see [`ReadStore::shown`]).
    pub shown: VersionHash,
    pub stats: SurveyStats,
    pub active: bool,
}

/// Surveys by version, decoded (or fetched) once and kept: a scan looks
/// up the version of every response.
#[derive(Default)]
pub struct SurveyCache(Mutex<HashMap<VersionHash, Arc<Survey>>>);

impl SurveyCache {
    /// The survey of `hash`, read with `read` the first time.
    pub fn get_or_read(
        &self,
        hash: &VersionHash,
        read: impl FnOnce(&VersionHash) -> Result<Option<StoredVersion>, StoreError>,
    ) -> Result<Arc<Survey>, StoreError> {
        if let Some(s) = self.0.lock().ok().and_then(|c| c.get(hash).cloned()) {
            return Ok(s);
        }
        let version = read(hash)?.ok_or_else(|| StoreError::UnknownVersion(hash.to_string()))?;
        let survey = Arc::new(version.survey);
        if let Ok(mut cache) = self.0.lock() {
            cache.insert(*hash, survey.clone());
        }
        Ok(survey)
    }

    /// The survey of a version rebuilt from its source text (validated
    /// again, and its hash checked), or the one rebuilt before.
    pub fn rebuild(&self, hash: &VersionHash, source: &str) -> Result<Arc<Survey>, CodecError> {
        if let Some(s) = self.0.lock().ok().and_then(|c| c.get(hash).cloned()) {
            return Ok(s);
        }
        let survey = survey_from_str(source).map_err(|problems| {
            CodecError::Malformed(format!(
                "its survey text no longer validates ({})",
                problems
                    .first()
                    .map_or_else(String::new, |d| d.message.clone())
            ))
        })?;
        if VersionHash::of(&survey) != *hash {
            return Err(CodecError::Malformed(
                "its survey text does not match its version hash".into(),
            ));
        }
        let survey = Arc::new(survey);
        if let Ok(mut cache) = self.0.lock() {
            cache.insert(*hash, survey.clone());
        }
        Ok(survey)
    }
}

pub trait ReadStore {
    /// The id of the survey the kiosk shows.
    fn active(&self) -> Result<Option<String>, StoreError>;

    /// Every stored survey, by id.
    fn survey_entries(&self) -> Result<Vec<SurveyEntry>, StoreError>;

    fn survey_entry(&self, id: &str) -> Result<Option<SurveyEntry>, StoreError>;

    fn version(&self, hash: &VersionHash) -> Result<Option<StoredVersion>, StoreError>;

    /// The survey of a version, decoded once and kept.
    fn survey_of(&self, hash: &VersionHash) -> Result<Arc<Survey>, StoreError>;

    /// The responses to survey `id`, oldest first.
    fn responses<'a>(&'a self, id: &str) -> Responses<'a>;

    /// Whether an admin PIN is set. The hash itself never leaves the
    /// owner: PIN attempts are checked by it (`Store::check_pin`).
    fn has_pin(&self) -> Result<bool, StoreError>;

    /// The terminal name an admin set, if any.
    fn terminal_name(&self) -> Result<Option<String>, StoreError>;

    /// The version of survey `id` the kiosk shows: the one last loaded or
    /// activated here, never moved by a bundle; `None` for no such survey.
    fn shown_version(&self, id: &str) -> Result<Option<VersionHash>, StoreError>;

    /// The version of survey `id` the kiosk shows, read.
    fn shown(&self, id: &str) -> Result<StoredVersion, StoreError> {
        let hash = self
            .shown_version(id)?
            .ok_or_else(|| StoreError::UnknownSurvey(id.to_owned()))?;
        self.version(&hash)?
            .ok_or_else(|| StoreError::UnknownVersion(hash.to_string()))
    }

    /// The newest version of survey `id`.
    fn latest(&self, id: &str) -> Result<StoredVersion, StoreError> {
        let entry = self
            .survey_entry(id)?
            .ok_or_else(|| StoreError::UnknownSurvey(id.to_owned()))?;
        let hash = &entry
            .versions
            .last()
            .ok_or_else(|| StoreError::UnknownSurvey(id.to_owned()))?
            .hash;
        self.version(hash)?
            .ok_or_else(|| StoreError::UnknownVersion(hash.to_string()))
    }

    /// Every stored survey with its newest version, counts and active
    /// mark, by id.
    fn summaries(&self) -> Result<Vec<SurveySummary>, StoreError> {
        let active = self.active()?;
        self.survey_entries()?
            .into_iter()
            .map(|entry| {
                Ok(SurveySummary {
                    latest: self.latest(&entry.id)?,
                    shown: self
                        .shown_version(&entry.id)?
                        .ok_or_else(|| StoreError::UnknownSurvey(entry.id.clone()))?,
                    stats: self.stats(&entry.id)?,
                    active: active.as_deref() == Some(entry.id.as_str()),
                    entry,
                })
            })
            .collect()
    }

    /// Whether any response to survey `id` is flagged simulated or
    /// suspect (exports add the flag columns only then).
    fn holds_flagged(&self, id: &str) -> Result<bool, StoreError> {
        let s = self.stats(id)?;
        Ok(s.suspect + s.simulated > 0)
    }

    /// Fills `tally` (empty, of survey `id`'s newest version) from counts
    /// the store keeps ready, without reading a response; `false` when it
    /// keeps none that fit (the caller folds the responses).
    fn tally_kept(&self, _id: &str, _tally: &mut GroupedTally) -> Result<bool, StoreError> {
        Ok(false)
    }

    /// The responses to survey `id` submitted at or after `since_ms`
    /// (and perhaps a few submitted before), oldest first, read without
    /// the older ones; `None` when this store cannot (the caller reads
    /// them all).
    fn responses_since(
        &self,
        _id: &str,
        _since_ms: i64,
    ) -> Result<Option<Vec<Response>>, StoreError> {
        Ok(None)
    }

    /// Counts and first and last submit times of survey `id`.
    fn stats(&self, id: &str) -> Result<SurveyStats, StoreError> {
        let mut stats = SurveyStats::default();
        for response in self.responses(id) {
            let r = response?;
            if r.complete {
                stats.complete += 1;
            } else {
                stats.partial += 1;
            }
            stats.suspect += u64::from(r.suspect);
            stats.simulated += u64::from(r.simulated);
            stats.first_ms = Some(
                stats
                    .first_ms
                    .map_or(r.submitted_ms, |t| t.min(r.submitted_ms)),
            );
            stats.last_ms = Some(
                stats
                    .last_ms
                    .map_or(r.submitted_ms, |t| t.max(r.submitted_ms)),
            );
        }
        Ok(stats)
    }
}
