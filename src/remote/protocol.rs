//! The socket protocol: one request per connection, answered by one reply
//! or a stream of them.
//!
//! A frame is a 4-byte little-endian length, then a 2-byte little-endian
//! protocol version, then a bincode message. Requests and replies have
//! size limits; a request over its limit is refused before it is read.
//!
//! Messages are the protocol's own types: plain data and the store's
//! records (`store::record`), never the core's model, so the model can
//! change without changing a frame. Protocol 1 is frozen as release 0.1
//! sent it (the golden frames in `tests/data/golden/frames/` pin it); a
//! change of shape is a new protocol version (see `docs/store.md`).

use std::io::{self, Read, Write};
use std::path::PathBuf;

use jiff::tz::{Offset, TimeZone};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::core::canonical::SurveyV1;
use crate::core::pin::{Lockout, PinCheck};
use crate::core::retention::Selection;
use crate::core::tally::{By, Grouping, KeptTally, Period};
use crate::core::version::VersionHash;
use crate::store::backup::Counts;
use crate::store::bundle::Imported;
use crate::store::codec;
use crate::store::prizes::PrizeEntryV1;
use crate::store::record::{ResponseV1, ResponseV2, StoredVersionV1, SurveyEntryV1};
use crate::store::{Deleted, LoadOutcome, StoreEvent, StoredVersion, SurveyDeleted, SurveyStats};

/// Changes whenever a message changes shape.
pub const PROTOCOL: u16 = 1;

/// The socket's file name in the store directory.
pub const SOCKET_FILE: &str = "kioski.sock";

/// Largest request: a survey file is at most 1 MiB, plus room.
pub const MAX_REQUEST_BYTES: u32 = 2 * 1024 * 1024;

/// Largest reply frame: a survey version (source and model) or a chunk
/// of responses.
pub const MAX_REPLY_BYTES: u32 = 32 * 1024 * 1024;

/// Responses are sent in chunks of about this many bytes.
pub const CHUNK_BYTES: usize = 512 * 1024;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Request {
    /// Who serves the store: the command and its pid.
    Owner,
    Active,
    SurveyEntries,
    SurveyEntry(String),
    Version([u8; 32]),
    /// A survey's responses as stored records, in chunks, then `End`.
    Responses(String),
    Stats(String),
    /// Release 0.1 asked for the PIN hash and checked PINs itself. Kept
    /// so that protocol 1's frames stay as they were, but always refused:
    /// the hash never leaves the owner (`HasPin`, `CheckPin` instead).
    PinHash,
    TerminalName,
    /// A survey file's text; the owner validates it again before storing.
    Load {
        source: String,
        now_ms: i64,
    },
    Activate(String),
    /// Import a bundle file (an absolute path; the owner runs as the same
    /// user, or it could not have made the 0600 socket reachable).
    Import {
        path: PathBuf,
        now_ms: i64,
    },
    SetTerminalName(String),
    /// Store events as they happen, with a heartbeat every second, until
    /// the client hangs up.
    Watch,
    // Added after release 0.1, at the end, so its frames read as before.
    /// Whether an admin PIN is set (never the hash).
    HasPin,
    /// One admin PIN attempt, checked by the owner with its own clock;
    /// it counts towards the stored lockout like one typed at the kiosk.
    /// (The attempt travels in the clear on the 0600 socket, which only
    /// the store's user can open.)
    CheckPin(String),
    /// The version of a survey the kiosk shows, as hex text.
    ShownVersion(String),
    /// A starting kiosk asks the clerk's view that owns the store to give
    /// it up: the view answers `Done` once it has closed the store and
    /// released its lock, and goes on through the kiosk's socket. Any
    /// other owner refuses.
    HandOver {
        command: String,
        pid: u32,
    },
    /// Set the admin PIN (its argon2 hash, made by the client) only if
    /// none is set: the kiosk is in demo mode. Answered by `Flag`: false
    /// when a PIN is set (nothing changed).
    SetPin(String),
    /// Change the admin PIN to `hash`, or clear it (`None`), if `old` is
    /// the PIN set now; `old` counts as an attempt. Answered by `Pin`:
    /// only `Right` changed it.
    ChangePin {
        old: String,
        hash: Option<String>,
    },
    /// Prize-draw entries per survey: answered by `PrizeCounts`.
    PrizeCounts,
    /// The prize-draw entries of these surveys (all when empty), contact
    /// details included, for a draw or a bundle: answered by
    /// `PrizeEntries`. (The 0600 socket reaches only the store's user,
    /// who can read `prizes.kioski` anyway.)
    PrizeEntries(Vec<String>),
    /// Remove a survey's prize-draw entries: answered by `Count`.
    PurgePrizes(String),
    /// `Import` that also takes the bundle's prize-draw entries and says
    /// how many: answered by `ImportedWithPrizes`.
    ImportWithPrizes {
        path: PathBuf,
        now_ms: i64,
    },
    /// `Stats` with the suspect and simulated counts, answered by
    /// `FlaggedStats` (`Stats`'s reply is protocol 1's frozen shape).
    FlaggedStats(String),
    /// Write a backup of the whole store to `path` (absolute), mode 0600:
    /// the owner writes it itself, so the PIN hash and the prize-draw
    /// contacts stay with it. Answered by `BackedUp`.
    Backup {
        path: PathBuf,
        now_ms: i64,
    },
    /// Delete the responses of `survey` that every given filter takes,
    /// then rewrite the store so their bytes leave its files. Answered by
    /// `Deleted`.
    DeleteResponses {
        survey: String,
        selection: SelectionV1,
    },
    /// Delete a survey whole: versions, responses, shown and active mark
    /// (`delete --all`). Answered by `SurveyDeleted`; refused for the
    /// survey a running kiosk shows.
    DeleteSurvey(String),
    /// Send the store's responses to PostgreSQL at `target` (no password
    /// in it) now, with `password` if given: the owner does it, so it
    /// cannot race its own background sync. Answered by `Synced`. (The
    /// password crosses only the 0600 socket and is never kept.)
    SyncNow {
        target: String,
        password: Option<String>,
        now_ms: i64,
    },
    /// Store the sync target (`None`: sync off); answered by `Done`.
    SetSyncTarget(Option<String>),
    /// Answered by `SyncStatus`.
    SyncStatus,
    /// A tally of a survey's newest version filled from the counts the
    /// owner keeps ready: answered by `TallyKept` (`None`: it keeps none
    /// that fit; the asker folds the responses). An owner older than this
    /// request refuses it, and the asker folds the responses too.
    TallyKept {
        survey: String,
        grouping: GroupingV1,
    },
    /// `Responses`, of only those with ids of `since_ms` or later (so
    /// every one submitted then or later): `Records` chunks, then `End`.
    ResponsesSince {
        survey: String,
        since_ms: i64,
    },
}

/// A tally's grouping on the wire (see `core::tally::Grouping`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupingV1 {
    /// A question's id, or `@terminal`.
    pub by: Option<String>,
    pub terminals: Vec<String>,
    pub period: Option<Period>,
    pub time_zone: TimeZoneV1,
    pub since_ms: Option<i64>,
    pub until_ms: Option<i64>,
    pub include_partial: bool,
    pub include_suspect: bool,
}

/// The time zone of a tally's periods.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum TimeZoneV1 {
    /// An IANA name, read from the owner's time zone database.
    Named(String),
    /// A fixed offset from UTC, in seconds.
    Offset(i32),
}

impl GroupingV1 {
    /// `g` on the wire; `None` when its time zone cannot travel (neither
    /// named nor fixed) and periods need it.
    pub fn of(g: &Grouping) -> Option<GroupingV1> {
        let time_zone = if g.period.is_none() {
            // Only periods read the time zone.
            TimeZoneV1::Offset(0)
        } else if let Some(name) = g.time_zone.iana_name() {
            TimeZoneV1::Named(name.to_owned())
        } else {
            TimeZoneV1::Offset(g.time_zone.to_fixed_offset().ok()?.seconds())
        };
        Some(GroupingV1 {
            by: g.by.as_ref().map(|b| b.name().to_owned()),
            terminals: g.terminals.clone(),
            period: g.period,
            time_zone,
            since_ms: g.since_ms,
            until_ms: g.until_ms,
            include_partial: g.include_partial,
            include_suspect: g.include_suspect,
        })
    }

    /// The grouping; an error in words when the time zone is unknown here.
    pub fn grouping(&self) -> Result<Grouping, String> {
        let time_zone = match &self.time_zone {
            TimeZoneV1::Named(name) => TimeZone::get(name)
                .map_err(|e| format!("the time zone {name} is unknown here: {e}"))?,
            TimeZoneV1::Offset(s) => TimeZone::fixed(
                Offset::from_seconds(*s).map_err(|e| format!("a UTC offset of {s} s: {e}"))?,
            ),
        };
        Ok(Grouping {
            by: self.by.as_deref().map(By::parse),
            terminals: self.terminals.clone(),
            period: self.period,
            time_zone,
            since_ms: self.since_ms,
            until_ms: self.until_ms,
            include_partial: self.include_partial,
            include_suspect: self.include_suspect,
        })
    }
}

/// The filters of a delete, on the wire (they combine with AND).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SelectionV1 {
    pub before_ms: Option<i64>,
    pub partial: bool,
    pub simulated: bool,
}

impl From<&Selection> for SelectionV1 {
    fn from(s: &Selection) -> Self {
        SelectionV1 {
            before_ms: s.before_ms,
            partial: s.partial,
            simulated: s.simulated,
        }
    }
}

impl From<SelectionV1> for Selection {
    fn from(s: SelectionV1) -> Self {
        Selection {
            before_ms: s.before_ms,
            partial: s.partial,
            simulated: s.simulated,
        }
    }
}

/// What a delete of responses did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeletedV1 {
    pub responses: u64,
    pub rewritten: bool,
}

/// What a delete of a whole survey did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SurveyDeletedV1 {
    pub versions: u64,
    pub responses: u64,
    pub was_active: bool,
    pub rewritten: bool,
}

impl From<&Deleted> for DeletedV1 {
    fn from(d: &Deleted) -> Self {
        DeletedV1 {
            responses: d.responses,
            rewritten: d.rewritten,
        }
    }
}

impl From<DeletedV1> for Deleted {
    fn from(d: DeletedV1) -> Self {
        Deleted {
            responses: d.responses,
            rewritten: d.rewritten,
        }
    }
}

impl From<&SurveyDeleted> for SurveyDeletedV1 {
    fn from(d: &SurveyDeleted) -> Self {
        SurveyDeletedV1 {
            versions: d.versions,
            responses: d.responses,
            was_active: d.was_active,
            rewritten: d.rewritten,
        }
    }
}

impl From<SurveyDeletedV1> for SurveyDeleted {
    fn from(d: SurveyDeletedV1) -> Self {
        SurveyDeleted {
            versions: d.versions,
            responses: d.responses,
            was_active: d.was_active,
            rewritten: d.rewritten,
        }
    }
}

impl Request {
    /// The request's kind, for the log: never its content (a survey's
    /// text, a path, a PIN attempt).
    pub fn name(&self) -> &'static str {
        match self {
            Request::Owner => "owner",
            Request::Active => "active",
            Request::SurveyEntries => "survey entries",
            Request::SurveyEntry(_) => "survey entry",
            Request::Version(_) => "version",
            Request::Responses(_) => "responses",
            Request::Stats(_) => "stats",
            Request::PinHash => "pin hash (refused)",
            Request::TerminalName => "terminal name",
            Request::Load { .. } => "load",
            Request::Activate(_) => "activate",
            Request::Import { .. } => "import",
            Request::SetTerminalName(_) => "set terminal name",
            Request::Watch => "watch",
            Request::HasPin => "has pin",
            Request::CheckPin(_) => "check pin",
            Request::ShownVersion(_) => "shown version",
            Request::HandOver { .. } => "hand over",
            Request::SetPin(_) => "set pin",
            Request::SyncNow { .. } => "sync now",
            Request::SetSyncTarget(_) => "set sync target",
            Request::SyncStatus => "sync status",
            Request::ChangePin { .. } => "change pin",
            Request::PrizeCounts => "prize counts",
            Request::PrizeEntries(_) => "prize entries",
            Request::PurgePrizes(_) => "purge prizes",
            Request::ImportWithPrizes { .. } => "import with prizes",
            Request::FlaggedStats(_) => "flagged stats",
            Request::Backup { .. } => "backup",
            Request::DeleteResponses { .. } => "delete responses",
            Request::DeleteSurvey(_) => "delete survey",
            Request::TallyKept { .. } => "tally kept",
            Request::ResponsesSince { .. } => "responses since",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum Reply {
    Owner {
        command: String,
        pid: u32,
    },
    Text(Option<String>),
    Entries(Vec<SurveyEntryV1>),
    Entry(Option<SurveyEntryV1>),
    /// The version's text is what counts: the receiver rebuilds the survey
    /// from it. The model beside it is protocol 1's frozen shape.
    Version(Option<Box<StoredVersionV1>>),
    /// Stored response records: (key, encoded response).
    Records(Vec<(Vec<u8>, Vec<u8>)>),
    End,
    Stats(StatsV1),
    Loaded(LoadedV1),
    Imported(ImportedV1),
    Done,
    Event(EventV1),
    Heartbeat,
    Failed(Failure),
    // Added after release 0.1, at the end.
    Flag(bool),
    Pin(PinCheckV1),
    /// (survey, entries), surveys without entries left out.
    PrizeCounts(Vec<(String, u64)>),
    PrizeEntries(Vec<PrizeEntryV1>),
    Count(u64),
    ImportedWithPrizes {
        imported: ImportedV1,
        prizes_added: u64,
        prizes_present: u64,
    },
    FlaggedStats(StatsV2),
    /// What a `Backup` wrote.
    BackedUp(BackedUpV1),
    Deleted(DeletedV1),
    SurveyDeleted(SurveyDeletedV1),
    Synced(Result<crate::sync::Sent, crate::sync::Failure>),
    SyncStatus(crate::sync::Status),
    /// A tally filled from kept counts, or `None`: see `Request::TallyKept`.
    TallyKept(Option<Box<KeptTally>>),
}

/// What a `Backup` wrote, counted.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackedUpV1 {
    pub surveys: u64,
    pub versions: u64,
    pub responses: u64,
    pub prizes: u64,
}

impl From<&Counts> for BackedUpV1 {
    fn from(c: &Counts) -> Self {
        BackedUpV1 {
            surveys: c.surveys,
            versions: c.versions,
            responses: c.responses,
            prizes: c.prizes,
        }
    }
}

impl From<BackedUpV1> for Counts {
    fn from(c: BackedUpV1) -> Self {
        Counts {
            surveys: c.surveys,
            versions: c.versions,
            responses: c.responses,
            prizes: c.prizes,
        }
    }
}

/// What a PIN attempt came to, on the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PinCheckV1 {
    NoPin,
    Right,
    Wrong {
        failures: u32,
        locked_until_ms: Option<i64>,
        locked_for_ms: Option<i64>,
    },
    Locked {
        failures: u32,
        locked_until_ms: Option<i64>,
    },
}

impl From<PinCheck> for PinCheckV1 {
    fn from(c: PinCheck) -> Self {
        match c {
            PinCheck::NoPin => PinCheckV1::NoPin,
            PinCheck::Right => PinCheckV1::Right,
            PinCheck::Wrong {
                lockout,
                locked_for_ms,
            } => PinCheckV1::Wrong {
                failures: lockout.failures,
                locked_until_ms: lockout.until_ms,
                locked_for_ms,
            },
            PinCheck::Locked { lockout } => PinCheckV1::Locked {
                failures: lockout.failures,
                locked_until_ms: lockout.until_ms,
            },
        }
    }
}

impl From<PinCheckV1> for PinCheck {
    fn from(c: PinCheckV1) -> Self {
        match c {
            PinCheckV1::NoPin => PinCheck::NoPin,
            PinCheckV1::Right => PinCheck::Right,
            PinCheckV1::Wrong {
                failures,
                locked_until_ms,
                locked_for_ms,
            } => PinCheck::Wrong {
                lockout: Lockout {
                    failures,
                    until_ms: locked_until_ms,
                },
                locked_for_ms,
            },
            PinCheckV1::Locked {
                failures,
                locked_until_ms,
            } => PinCheck::Locked {
                lockout: Lockout {
                    failures,
                    until_ms: locked_until_ms,
                },
            },
        }
    }
}

/// Response counts and times of one survey.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatsV1 {
    pub complete: u64,
    pub partial: u64,
    pub first_ms: Option<i64>,
    pub last_ms: Option<i64>,
}

/// Response counts and times of one survey, with its flagged responses.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatsV2 {
    pub complete: u64,
    pub partial: u64,
    pub first_ms: Option<i64>,
    pub last_ms: Option<i64>,
    pub suspect: u64,
    pub simulated: u64,
}

/// What a `Load` did.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoadedV1 {
    pub hash: [u8; 32],
    pub number: u64,
    pub added: bool,
    pub activated: bool,
}

/// What an `Import` did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportedV1 {
    pub versions_added: u64,
    pub responses_added: u64,
    pub responses_present: u64,
}

/// A store event, sent to watchers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum EventV1 {
    Stored(Box<ResponseV1>),
    Imported,
    SurveysChanged,
    // Added after release 0.1, at the end.
    /// A response stored with a flag set (an unflagged one is `Stored`,
    /// as release 0.1 sent it).
    StoredFlagged(Box<ResponseV2>),
}

impl From<&SurveyStats> for StatsV1 {
    fn from(s: &SurveyStats) -> Self {
        StatsV1 {
            complete: s.complete,
            partial: s.partial,
            first_ms: s.first_ms,
            last_ms: s.last_ms,
        }
    }
}

impl From<StatsV1> for SurveyStats {
    fn from(s: StatsV1) -> Self {
        SurveyStats {
            complete: s.complete,
            partial: s.partial,
            first_ms: s.first_ms,
            last_ms: s.last_ms,
            suspect: 0,
            simulated: 0,
        }
    }
}

impl From<&SurveyStats> for StatsV2 {
    fn from(s: &SurveyStats) -> Self {
        StatsV2 {
            complete: s.complete,
            partial: s.partial,
            first_ms: s.first_ms,
            last_ms: s.last_ms,
            suspect: s.suspect,
            simulated: s.simulated,
        }
    }
}

impl From<StatsV2> for SurveyStats {
    fn from(s: StatsV2) -> Self {
        SurveyStats {
            complete: s.complete,
            partial: s.partial,
            first_ms: s.first_ms,
            last_ms: s.last_ms,
            suspect: s.suspect,
            simulated: s.simulated,
        }
    }
}

impl From<&LoadOutcome> for LoadedV1 {
    fn from(o: &LoadOutcome) -> Self {
        LoadedV1 {
            hash: o.hash.0,
            number: o.number as u64,
            added: o.added,
            activated: o.activated,
        }
    }
}

impl From<LoadedV1> for LoadOutcome {
    fn from(o: LoadedV1) -> Self {
        LoadOutcome {
            hash: VersionHash(o.hash),
            number: usize::try_from(o.number).unwrap_or(usize::MAX),
            added: o.added,
            activated: o.activated,
        }
    }
}

impl From<&Imported> for ImportedV1 {
    fn from(i: &Imported) -> Self {
        ImportedV1 {
            versions_added: i.versions_added,
            responses_added: i.responses_added,
            responses_present: i.responses_present,
        }
    }
}

impl From<ImportedV1> for Imported {
    fn from(i: ImportedV1) -> Self {
        Imported {
            versions_added: i.versions_added,
            responses_added: i.responses_added,
            responses_present: i.responses_present,
            ..Imported::default()
        }
    }
}

impl EventV1 {
    /// The event as watchers on the socket get it; `None` for what only
    /// the owner's own kiosk needs (a PIN change).
    pub fn of(e: &StoreEvent) -> Option<EventV1> {
        Some(match e {
            StoreEvent::Stored(r) if r.simulated || r.suspect => {
                EventV1::StoredFlagged(Box::new(r.as_ref().into()))
            }
            StoreEvent::Stored(r) => EventV1::Stored(Box::new(r.as_ref().into())),
            StoreEvent::Imported => EventV1::Imported,
            StoreEvent::SurveysChanged => EventV1::SurveysChanged,
            StoreEvent::PinChanged | StoreEvent::SyncTargetChanged => return None,
        })
    }
}

impl From<EventV1> for StoreEvent {
    fn from(e: EventV1) -> Self {
        match e {
            EventV1::Stored(r) => StoreEvent::Stored(Box::new((*r).into())),
            EventV1::StoredFlagged(r) => StoreEvent::Stored(Box::new((*r).into())),
            EventV1::Imported => StoreEvent::Imported,
            EventV1::SurveysChanged => StoreEvent::SurveysChanged,
        }
    }
}

impl From<&StoredVersion> for StoredVersionV1 {
    fn from(v: &StoredVersion) -> Self {
        StoredVersionV1 {
            hash: v.hash.0,
            survey: SurveyV1::from(&v.survey),
            source: v.source.clone(),
            loaded_ms: v.loaded_ms,
        }
    }
}

/// An error in words, as the owner would have printed it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failure {
    pub message: String,
    pub hint: Option<String>,
    /// Exit 3 (a problem with the store) rather than 1 (with the request).
    pub store_problem: bool,
}

/// Why a frame could not be read.
#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    #[error("{0}")]
    Io(#[from] io::Error),
    #[error("the message is {size} bytes, over the limit of {limit}")]
    TooLarge { size: u32, limit: u32 },
    #[error("the message is too short to carry a protocol version")]
    Short,
    #[error("protocol version {found}, but this kioski speaks {PROTOCOL}")]
    Version { found: u16 },
    #[error("the message is malformed: {0}")]
    Malformed(String),
}

/// Writes one frame.
pub fn write_frame<T: Serialize>(w: &mut impl Write, message: &T, limit: u32) -> io::Result<()> {
    let body = codec::encode_message(message, u64::from(limit) - 2)
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e.to_string()))?;
    let len = u32::try_from(body.len() + 2)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "message too large"))?;
    let mut frame = Vec::with_capacity(body.len() + 6);
    frame.extend_from_slice(&len.to_le_bytes());
    frame.extend_from_slice(&PROTOCOL.to_le_bytes());
    frame.extend_from_slice(&body);
    w.write_all(&frame)?;
    w.flush()
}

/// Reads one frame of at most `limit` bytes; a larger one is refused
/// without reading it.
pub fn read_frame<T: DeserializeOwned>(r: &mut impl Read, limit: u32) -> Result<T, FrameError> {
    let mut len = [0u8; 4];
    r.read_exact(&mut len)?;
    let len = u32::from_le_bytes(len);
    if len > limit {
        return Err(FrameError::TooLarge { size: len, limit });
    }
    if len < 2 {
        return Err(FrameError::Short);
    }
    let mut body = vec![0u8; len as usize];
    r.read_exact(&mut body)?;
    let found = u16::from_le_bytes([body[0], body[1]]);
    if found != PROTOCOL {
        return Err(FrameError::Version { found });
    }
    codec::decode_message(&body[2..], u64::from(limit))
        .map_err(|e| FrameError::Malformed(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_request_survives_the_round_trip() {
        let mut buf = Vec::new();
        let request = Request::Load {
            source: "id = \"x\"".into(),
            now_ms: 5,
        };
        write_frame(&mut buf, &request, MAX_REQUEST_BYTES).unwrap();
        let back: Request = read_frame(&mut buf.as_slice(), MAX_REQUEST_BYTES).unwrap();
        assert_eq!(back, request);
    }

    #[test]
    fn an_oversized_frame_is_refused_before_it_is_read() {
        let mut frame = (MAX_REQUEST_BYTES + 1).to_le_bytes().to_vec();
        frame.extend_from_slice(&PROTOCOL.to_le_bytes());
        let err = read_frame::<Request>(&mut frame.as_slice(), MAX_REQUEST_BYTES).unwrap_err();
        assert!(matches!(err, FrameError::TooLarge { .. }), "{err}");
    }

    #[test]
    fn another_protocol_version_is_refused() {
        let mut buf = Vec::new();
        write_frame(&mut buf, &Request::Owner, MAX_REQUEST_BYTES).unwrap();
        buf[4] = 99;
        let err = read_frame::<Request>(&mut buf.as_slice(), MAX_REQUEST_BYTES).unwrap_err();
        assert!(matches!(err, FrameError::Version { found: 99 }), "{err}");
    }

    /// Every frame release 0.1 wrote (`tests/data/golden/frames/`) reads,
    /// and writing it again gives the same bytes: protocol 1 is unchanged.
    #[test]
    fn the_frames_of_release_0_1_read_and_write_byte_for_byte() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/golden/frames");
        let mut seen = 0;
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let bytes = std::fs::read(&path).unwrap();
            let mut again = Vec::new();
            if name.starts_with("request-") {
                let request: Request = read_frame(&mut bytes.as_slice(), MAX_REQUEST_BYTES)
                    .unwrap_or_else(|e| panic!("{name}: {e}"));
                write_frame(&mut again, &request, MAX_REQUEST_BYTES).unwrap();
            } else {
                let reply: Reply = read_frame(&mut bytes.as_slice(), MAX_REPLY_BYTES)
                    .unwrap_or_else(|e| panic!("{name}: {e}"));
                write_frame(&mut again, &reply, MAX_REPLY_BYTES).unwrap();
            }
            assert_eq!(again, bytes, "{name}");
            seen += 1;
        }
        assert_eq!(seen, 30);
    }

    #[test]
    fn a_version_sent_by_release_0_1_carries_its_text() {
        let bytes = include_bytes!("../../tests/data/golden/frames/reply-version.bin");
        let Reply::Version(Some(v)) = read_frame(&mut bytes.as_slice(), MAX_REPLY_BYTES).unwrap()
        else {
            panic!("not a version");
        };
        assert_eq!(v.source, include_str!("../../surveys/pulssi.toml"));
        // What this release sends for the same version is the same frame.
        let survey = crate::core::validate::survey_from_str(&v.source).unwrap();
        let version = StoredVersion {
            hash: VersionHash(v.hash),
            survey,
            source: v.source.clone(),
            loaded_ms: v.loaded_ms,
        };
        let mut again = Vec::new();
        let reply = Reply::Version(Some(Box::new((&version).into())));
        write_frame(&mut again, &reply, MAX_REPLY_BYTES).unwrap();
        assert_eq!(again, bytes);
    }

    proptest! {
        #[test]
        fn garbage_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
            let _ = read_frame::<Request>(&mut bytes.as_slice(), MAX_REQUEST_BYTES);
        }

        #[test]
        fn a_valid_header_with_garbage_body_is_an_error(body in prop::collection::vec(any::<u8>(), 0..200)) {
            let mut frame = ((body.len() + 2) as u32).to_le_bytes().to_vec();
            frame.extend_from_slice(&PROTOCOL.to_le_bytes());
            frame.extend_from_slice(&body);
            // Either a request that happens to decode, or an error: never a panic.
            let _ = read_frame::<Request>(&mut frame.as_slice(), MAX_REQUEST_BYTES);
        }
    }
}
