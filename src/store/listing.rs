//! The survey list as it stood when the store was last closed, in a small
//! file of its own (`listing.kioski`), so `kioski surveys` on a store that
//! no process holds answers without opening sled: sled's open alone
//! grows with the store (its page table: about 0.2 s and 50-100 MB at
//! 1,000,000 responses), while the list is a few hundred bytes.
//!
//! The file is derived data and never trusted blindly:
//! - every open of sled removes it first ([`forget`]), so no process can
//!   change the store while an old list lies beside it;
//! - the owner writes it only at a clean close, after sled is closed, and
//!   only when every survey's counts are whole (no recount at close);
//! - it carries a stamp of each of sled's files (name, size, modification
//!   time, inode), taken after the close; a reader uses it only when the
//!   files still carry the same stamp, with the store's lock held, and
//!   when no prize-draw deadline has passed since (the purge that every
//!   command applies would be due);
//! - anything else (no file, another format, a stamp that differs, a
//!   kiosk running) and the command opens the store as before.

use std::io::{self, Write};
use std::path::Path;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use super::codec;
use super::database::{Store, SurveyStats};
use super::error::StoreError;
use super::lock;
use super::read::{ReadStore, SurveySummary};
use crate::core::version::VersionHash;

/// The listing's file name in the store directory.
pub const LISTING_FILE: &str = "listing.kioski";

/// The layout of the file; another number: not used, written anew.
const LISTING_FORMAT: u8 = 1;

/// One survey as `kioski surveys` lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListedSurvey {
    pub id: String,
    /// The newest version's title in its first language, stripped of
    /// control characters.
    pub title: String,
    pub versions: u64,
    pub latest: [u8; 32],
    /// The version the kiosk shows.
    pub shown: [u8; 32],
    /// Its place among the versions, from 1 (0: not among them).
    pub shown_number: u64,
    pub complete: u64,
    pub partial: u64,
    pub suspect: u64,
    pub simulated: u64,
    pub first_ms: Option<i64>,
    pub last_ms: Option<i64>,
    pub active: bool,
}

impl ListedSurvey {
    pub fn of(s: &SurveySummary) -> ListedSurvey {
        let survey = &s.latest.survey;
        let SurveyStats {
            complete,
            partial,
            suspect,
            simulated,
            first_ms,
            last_ms,
        } = s.stats;
        ListedSurvey {
            id: s.entry.id.clone(),
            title: crate::core::sanitize::strip(survey.title.get(survey.default_lang()), false),
            versions: s.entry.versions.len() as u64,
            latest: s.latest.hash.0,
            shown: s.shown.0,
            shown_number: s
                .entry
                .versions
                .iter()
                .position(|v| v.hash == s.shown)
                .map_or(0, |i| i as u64 + 1),
            complete,
            partial,
            suspect,
            simulated,
            first_ms,
            last_ms,
            active: s.active,
        }
    }

    pub fn latest(&self) -> VersionHash {
        VersionHash(self.latest)
    }

    pub fn shown(&self) -> VersionHash {
        VersionHash(self.shown)
    }
}

/// What identifies one of sled's files as it was.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct FileStamp {
    name: String,
    len: u64,
    modified_ns: i128,
    inode: u64,
}

/// The surveys to list, and the prize-draw deadline that voids the list.
type Listing = (Vec<ListedSurvey>, Option<Date>);

#[derive(Serialize, Deserialize)]
struct ListingV1 {
    stamps: Vec<FileStamp>,
    /// The earliest `delete_after` of a survey with prize-draw entries
    /// (`YYYY-MM-DD`): from the day after it, a purge is due and the
    /// store must be opened.
    prize_deadline: Option<String>,
    surveys: Vec<ListedSurvey>,
}

/// Stamps of every file under sled's directory, sorted by name.
fn stamps(dir: &Path) -> io::Result<Vec<FileStamp>> {
    let mut out = Vec::new();
    stamps_in(&dir.join(super::rewrite::DB_DIR), "", &mut out)?;
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

fn stamps_in(dir: &Path, prefix: &str, out: &mut Vec<FileStamp>) -> io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = format!("{prefix}{}", entry.file_name().to_string_lossy());
        let meta = std::fs::symlink_metadata(entry.path())?;
        if meta.is_dir() {
            if prefix.is_empty() {
                stamps_in(&entry.path(), &format!("{name}/"), out)?;
            }
            continue;
        }
        let modified_ns = meta
            .modified()?
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as i128);
        #[cfg(unix)]
        let inode = std::os::unix::fs::MetadataExt::ino(&meta);
        #[cfg(not(unix))]
        let inode = 0;
        out.push(FileStamp {
            name,
            len: meta.len(),
            modified_ns,
            inode,
        });
    }
    Ok(())
}

/// Removes the listing of the store in `dir`; called before sled opens,
/// so a listing never outlives the files it describes.
pub(super) fn forget(dir: &Path) {
    match std::fs::remove_file(dir.join(LISTING_FILE)) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => tracing::warn!("cannot remove the store's listing: {e}"),
    }
}

/// Writes the listing for sled's files as they are now (sled closed, the
/// lock held): a temporary file, synced, renamed over the old one.
fn write(dir: &Path, surveys: Vec<ListedSurvey>, prize_deadline: Option<Date>) -> io::Result<()> {
    let listing = ListingV1 {
        stamps: stamps(dir)?,
        prize_deadline: prize_deadline.map(|d| d.to_string()),
        surveys,
    };
    let bytes = codec::encode(LISTING_FORMAT, &listing).map_err(io::Error::other)?;
    let tmp = dir.join(format!("{LISTING_FILE}.new"));
    {
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        // The store's files are its owner's alone, whatever the umask.
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&tmp)?;
        file.write_all(&bytes)?;
        file.sync_data()?;
    }
    std::fs::rename(&tmp, dir.join(LISTING_FILE))?;
    Ok(())
}

/// The listing in `dir`, if it describes sled's files as they are now
/// and no prize-draw purge has come due by `today`. The caller holds the
/// store's lock.
fn read(dir: &Path, today: Date) -> Option<Vec<ListedSurvey>> {
    let bytes = std::fs::read(dir.join(LISTING_FILE)).ok()?;
    let (_, body) = codec::split(&bytes, LISTING_FORMAT).ok()?;
    let listing: ListingV1 = codec::decode_body(body).ok()?;
    if let Some(deadline) = &listing.prize_deadline {
        match deadline.parse::<Date>() {
            Ok(day) if day >= today => {}
            _ => return None,
        }
    }
    (stamps(dir).ok()? == listing.stamps).then_some(listing.surveys)
}

/// The surveys of the store in `dir` as listed at its last close, when
/// that list still holds (see the module docs); `None`: open the store.
/// Takes the store's lock for the read (`command` names who holds it);
/// a store in use, missing or not made yet gives `None`.
pub fn listed(dir: &Path, command: &str, today: Date) -> Option<Vec<ListedSurvey>> {
    if !dir.join(LISTING_FILE).is_file() {
        return None;
    }
    let _lock = lock::acquire(dir, command).ok()?;
    read(dir, today)
}

impl Store {
    /// The list to leave beside the store at its close: `None` when a
    /// survey's counts are not whole (it would take a recount) or a read
    /// fails.
    fn listing_now(&self) -> Result<Option<Listing>, StoreError> {
        for entry in self.survey_entries()? {
            if !self.aggregates_whole(&entry.id)? {
                return Ok(None);
            }
        }
        let surveys = self.summaries()?.iter().map(ListedSurvey::of).collect();
        let mut deadline: Option<Date> = None;
        for (id, entries) in self.prize_counts()? {
            if entries == 0 {
                continue;
            }
            let Ok(latest) = self.latest(&id) else {
                continue;
            };
            if let Some(day) = latest
                .survey
                .prize_draw
                .as_ref()
                .and_then(|d| d.delete_after)
            {
                deadline = Some(deadline.map_or(day, |d| d.min(day)));
            }
        }
        Ok(Some((surveys, deadline)))
    }

    /// At a clean close: closes sled and leaves the list beside it.
    pub(super) fn close_with_listing(&mut self) {
        // A store closed meanwhile (handed over, an error, a rewrite cut
        // short in a test) is not opened again just to list it.
        if !self.is_open_and_well() {
            return;
        }
        let listing = match self.listing_now() {
            Ok(Some(listing)) => listing,
            Ok(None) => return,
            Err(e) => {
                tracing::debug!("no listing at close: {e}");
                return;
            }
        };
        if !self.close_sled() {
            return;
        }
        let (surveys, deadline) = listing;
        if let Err(e) = write(self.dir(), surveys, deadline) {
            tracing::warn!("cannot leave the survey listing beside the store: {e}");
            forget(self.dir());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::answer::Answer;
    use crate::core::response::Response;
    use crate::core::validate::survey_from_str;
    use uuid::Uuid;

    const NOTE: &str = "id = \"muistio\"\nlanguages = [\"en\"]\ntitle = { en = \"Notes\" }\nthanks = { en = \"Thanks\" }\n\n[[question]]\nid = \"note\"\ntype = \"text\"\nrequired = true\ntext = { en = \"Anything?\" }\n";
    const NOW: i64 = 1_790_000_000_000;

    fn today() -> Date {
        jiff::civil::date(2026, 12, 2)
    }

    fn listing_of(dir: &Path) -> Vec<ListedSurvey> {
        let store = Store::open(dir, "surveys").unwrap();
        store
            .summaries()
            .unwrap()
            .iter()
            .map(ListedSurvey::of)
            .collect()
    }

    /// A store of `n` responses, closed.
    fn stored(dir: &Path, n: u128) {
        let store = Store::open(dir, "simulate").unwrap();
        let survey = survey_from_str(NOTE).unwrap();
        let version = store.load(&survey, NOTE, NOW).unwrap().hash;
        for i in 0..n {
            store
                .submit(&Response {
                    id: Uuid::from_u128((0x0190_0000_0000_7000_8000_u128 << 48) + i),
                    survey: "muistio".into(),
                    version,
                    terminal: "t".into(),
                    lang: crate::core::survey::Lang::En,
                    started_ms: NOW,
                    submitted_ms: NOW + i as i64 * 60_000,
                    complete: i % 3 != 0,
                    answers: [("note".to_owned(), Answer::Text(format!("note {i}")))].into(),
                    simulated: false,
                    suspect: false,
                })
                .unwrap();
        }
    }

    #[test]
    fn a_closed_store_leaves_its_list_and_it_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        stored(dir.path(), 30);
        let want = listing_of(dir.path());
        assert_eq!(want[0].complete, 20);
        assert_eq!(listed(dir.path(), "surveys", today()), Some(want));
    }

    #[test]
    fn an_open_store_has_no_list_and_a_change_of_the_files_voids_it() {
        let dir = tempfile::tempdir().unwrap();
        stored(dir.path(), 5);
        assert!(dir.path().join(LISTING_FILE).is_file());
        let store = Store::open(dir.path(), "kiosk").unwrap();
        assert!(
            !dir.path().join(LISTING_FILE).exists(),
            "an open store removes its list"
        );
        drop(store);
        assert!(listed(dir.path(), "surveys", today()).is_some());
        // A file of sled's that changed after the close: the list is void.
        let db = dir.path().join(super::super::rewrite::DB_DIR).join("db");
        let f = std::fs::OpenOptions::new().append(true).open(&db).unwrap();
        f.set_len(f.metadata().unwrap().len() + 1).unwrap();
        assert_eq!(listed(dir.path(), "surveys", today()), None);
    }

    #[test]
    fn a_held_store_or_a_damaged_list_gives_none() {
        let dir = tempfile::tempdir().unwrap();
        stored(dir.path(), 5);
        let store = Store::open(dir.path(), "kiosk").unwrap();
        std::fs::write(dir.path().join(LISTING_FILE), b"\x01garbage").unwrap();
        assert_eq!(listed(dir.path(), "surveys", today()), None);
        drop(store);
        std::fs::write(dir.path().join(LISTING_FILE), b"\x01garbage").unwrap();
        assert_eq!(listed(dir.path(), "surveys", today()), None);
    }

    #[test]
    fn a_passed_prize_deadline_asks_for_the_store() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join(super::super::rewrite::DB_DIR)).unwrap();
        write(dir.path(), Vec::new(), Some(jiff::civil::date(2026, 12, 1))).unwrap();
        assert_eq!(
            read(dir.path(), jiff::civil::date(2026, 12, 1)),
            Some(vec![])
        );
        assert_eq!(read(dir.path(), jiff::civil::date(2026, 12, 2)), None);
    }
}
