//! Exports and imports through [`Access`], here or by the store's owner,
//! each with a typed outcome whose `Display` is the one sentence that says
//! what happened: `kioski export`, `kioski bundle` and the admin view all
//! print it, so they never tell the same thing in other words.

use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

use jiff::Timestamp;
use jiff::tz::TimeZone;

use super::Access;
use crate::core::export::Options;
use crate::core::sanitize::plural;
use crate::core::survey::{Lang, Survey};
use crate::core::tally::{GroupError, GroupedResult, GroupedTally, Grouping};
use crate::report::{ChartError, Page, render};
pub use crate::store::bundle::BundleError;
use crate::store::bundle::{self, Imported, Verified};
use crate::store::export;
pub use crate::store::export::ExportError;
use crate::store::{ReadStore, StoreError, StoredVersion};

/// What to export of a survey.
#[derive(Clone, Debug)]
pub enum Export {
    /// One row per response.
    Responses(Options),
    /// One row per question and option; Excel's CSV when `excel`.
    Codebook { excel: bool },
}

/// What an export to a file wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Exported {
    pub survey: String,
    pub codebook: bool,
    pub rows: u64,
    pub path: PathBuf,
}

impl fmt::Display for Exported {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.codebook {
            write!(
                f,
                "Wrote the codebook of `{}` ({}) to {}.",
                self.survey,
                plural(self.rows, "row"),
                self.path.display()
            )
        } else {
            write!(
                f,
                "Wrote {} of `{}` to {}.",
                plural(self.rows, "response"),
                self.survey,
                self.path.display()
            )
        }
    }
}

/// What writing a report (`kioski report`, the admin's `R`) wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reported {
    pub survey: String,
    pub path: PathBuf,
}

impl fmt::Display for Reported {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Wrote the report of `{}` to {}.",
            self.survey,
            self.path.display()
        )
    }
}

/// Why a report was not written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Group(#[from] GroupError),
    #[error(transparent)]
    Chart(#[from] ChartError),
    #[error("cannot write {path}: {reason}")]
    Write { path: String, reason: String },
}

/// Tallies every response to the survey `id` with `grouping`, against its
/// newest version: the figures `kioski report` and the admin's `R` chart.
pub fn tally_survey(
    store: &dyn ReadStore,
    id: &str,
    grouping: Grouping,
) -> Result<(StoredVersion, GroupedResult), ReportError> {
    let latest = store.latest(id)?;
    let mut tally = GroupedTally::new(&latest.survey, grouping)?;
    for response in store.responses(id) {
        let response = response?;
        let survey = store.survey_of(&response.version)?;
        tally.fold(&response, &survey);
    }
    Ok((latest, tally.results()))
}

/// The report's page of `result` in `lang`, made at `now_ms` (its footer
/// says when, in local time).
pub fn report_html(
    survey: &Survey,
    result: &GroupedResult,
    lang: Lang,
    now_ms: i64,
) -> Result<String, ChartError> {
    render(&Page {
        survey,
        result,
        lang,
        time: &local_time,
        made: local_time(now_ms),
    })
}

/// The file a report goes to when no name is given:
/// `report-SURVEY-YYYY-MM-DD.html`, today's local date.
pub fn report_file_name(survey: &str, now_ms: i64) -> String {
    let today = Timestamp::from_millisecond(now_ms)
        .map(|t| t.to_zoned_datetime(TimeZone::system()).date().to_string())
        .unwrap_or_else(|_| "today".into());
    format!("report-{survey}-{today}.html")
}

/// Unix milliseconds as a local `YYYY-MM-DD HH:MM` (the system's zone).
pub fn local_time(ms: i64) -> String {
    Timestamp::from_millisecond(ms)
        .map(|t| {
            t.to_zoned_datetime(TimeZone::system())
                .strftime("%Y-%m-%d %H:%M")
                .to_string()
        })
        .unwrap_or_default()
}

/// Which responses a bundle carries.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BundleSpec {
    /// Only these surveys (all when empty).
    pub surveys: Vec<String>,
    /// Only responses submitted at or after this time.
    pub since_ms: Option<i64>,
    /// Carry the prize-draw entries (contacts) of these surveys too.
    pub prizes: bool,
}

/// What a bundle export wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BundleExported {
    pub path: PathBuf,
    pub done: bundle::Exported,
    /// Asked to carry the prize-draw entries.
    pub prizes: bool,
}

impl fmt::Display for BundleExported {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = &self.done;
        if self.prizes {
            write!(
                f,
                "Wrote {}, {} and {} to {}.",
                plural(d.responses, "response"),
                plural(d.versions, "survey version"),
                plural(d.prizes, "prize-draw entry"),
                self.path.display()
            )
        } else {
            write!(
                f,
                "Wrote {} and {} to {}.",
                plural(d.responses, "response"),
                plural(d.versions, "survey version"),
                self.path.display()
            )
        }
    }
}

/// What importing one bundle file did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BundleImported {
    pub path: PathBuf,
    pub done: Imported,
    /// The bundle carried prize-draw entries: a second line counts them.
    pub carried_prizes: bool,
}

impl fmt::Display for BundleImported {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = &self.done;
        write!(
            f,
            "{}: {}, {} already present, {}.",
            self.path.display(),
            plural(d.responses_added, "new response"),
            d.responses_present,
            plural(d.versions_added, "new survey version"),
        )?;
        if self.carried_prizes {
            write!(
                f,
                "\n{}: {}, {} already present.",
                self.path.display(),
                plural(d.prizes_added, "new prize-draw entry"),
                d.prizes_present,
            )?;
        }
        Ok(())
    }
}

impl Access {
    /// Writes `what` of `survey` to `out` (a pipe, say); the rows written.
    pub fn export_to(
        &self,
        survey: &str,
        what: &Export,
        out: &mut impl Write,
    ) -> Result<u64, ExportError> {
        match what {
            Export::Responses(options) => {
                export::export_with(self.read(), survey, options.clone(), out)
            }
            Export::Codebook { excel } => export::codebook(self.read(), survey, *excel, out),
        }
    }

    /// Writes `what` of `survey` to the file `path`, which appears only
    /// when complete (replacing what was there: asking first is the
    /// caller's).
    pub fn export(
        &self,
        survey: &str,
        what: &Export,
        path: &Path,
    ) -> Result<Exported, ExportError> {
        let write_error = |e: std::io::Error| ExportError::Write {
            path: path.display().to_string(),
            reason: crate::store::io_reason(&e),
        };
        let named = |e: ExportError| match e {
            ExportError::Io(e) => write_error(e),
            e => e,
        };
        let rows = crate::store::atomic::write_file(path, write_error, |w| {
            self.export_to(survey, what, w).map_err(named)
        })?;
        Ok(Exported {
            survey: survey.to_owned(),
            codebook: matches!(what, Export::Codebook { .. }),
            rows,
            path: path.to_owned(),
        })
    }

    /// Writes the report of `survey` (no groups, no periods, every
    /// complete response) to the file `path`, which appears only when
    /// complete; asking before replacing is the caller's. Its language:
    /// `wanted` when the survey has it, else the survey's first.
    pub fn report(
        &self,
        survey: &str,
        wanted: Option<Lang>,
        now_ms: i64,
        path: &Path,
    ) -> Result<Reported, ReportError> {
        let grouping = Grouping {
            time_zone: TimeZone::system(),
            ..Grouping::default()
        };
        let (latest, result) = tally_survey(self.read(), survey, grouping)?;
        let lang = wanted
            .filter(|l| latest.survey.languages.contains(l))
            .unwrap_or_else(|| latest.survey.default_lang());
        let html = report_html(&latest.survey, &result, lang, now_ms)?;
        let write_error = |e: std::io::Error| ReportError::Write {
            path: path.display().to_string(),
            reason: crate::store::io_reason(&e),
        };
        crate::store::atomic::write_file(path, write_error, |w| {
            w.write_all(html.as_bytes()).map_err(write_error)
        })?;
        Ok(Reported {
            survey: survey.to_owned(),
            path: path.to_owned(),
        })
    }

    /// Writes a bundle of what `spec` takes to `path`.
    pub fn export_bundle(
        &self,
        spec: &BundleSpec,
        path: &Path,
        now_ms: i64,
    ) -> Result<BundleExported, BundleError> {
        let prizes = if spec.prizes {
            self.prize_entries(&spec.surveys)?
        } else {
            Vec::new()
        };
        let done = bundle::export(
            self.read(),
            &spec.surveys,
            spec.since_ms,
            now_ms,
            path,
            &prizes,
        )?;
        Ok(BundleExported {
            path: path.to_owned(),
            done,
            prizes: spec.prizes,
        })
    }

    /// Checks the whole bundle at `path`, then imports it.
    pub fn import_bundle_file(
        &self,
        path: &Path,
        now_ms: i64,
    ) -> Result<BundleImported, BundleError> {
        let verified = bundle::read_verified(path)?;
        self.import_bundle(path, verified, now_ms)
    }

    /// Imports the bundle at `path` that [`bundle::read_verified`] checked.
    pub fn import_bundle(
        &self,
        path: &Path,
        verified: Verified,
        now_ms: i64,
    ) -> Result<BundleImported, BundleError> {
        let carried_prizes = !verified.prizes.is_empty();
        let done = self.import(path, verified, now_ms)?;
        Ok(BundleImported {
            path: path.to_owned(),
            done,
            carried_prizes,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_outcome_says_what_happened_in_one_sentence() {
        let exported = Exported {
            survey: "pulssi".into(),
            codebook: false,
            rows: 1,
            path: "p.csv".into(),
        };
        assert_eq!(
            exported.to_string(),
            "Wrote 1 response of `pulssi` to p.csv."
        );
        let codebook = Exported {
            codebook: true,
            rows: 12,
            ..exported
        };
        assert_eq!(
            codebook.to_string(),
            "Wrote the codebook of `pulssi` (12 rows) to p.csv."
        );
        let imported = BundleImported {
            path: "a.kioski".into(),
            done: Imported {
                versions_added: 1,
                responses_added: 2,
                responses_present: 3,
                prizes_added: 1,
                prizes_present: 0,
            },
            carried_prizes: true,
        };
        assert_eq!(
            imported.to_string(),
            "a.kioski: 2 new responses, 3 already present, 1 new survey version.\n\
             a.kioski: 1 new prize-draw entry, 0 already present."
        );
    }
}
