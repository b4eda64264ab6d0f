//! Built as an example of kioski at commit 6b57f67 (the release before
//! issue 11) by `make.sh`, never by today's crate. It adds what the CLI of
//! that release cannot (prize-draw entries, a terminal name) to the fixture
//! store, then writes single encoded records and socket frames, exactly as
//! that release encodes them.
//!
//! Usage: dump STORE OUT

use std::fs;
use std::path::Path;

use kioski::remote::protocol::{self, Failure, Reply, Request};
use kioski::store::bundle::Imported;
use kioski::store::{ReadStore, Store, StoreEvent, codec};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let (store_dir, out) = (Path::new(&args[1]), Path::new(&args[2]));
    let store = Store::open(store_dir, "golden-dump")?;
    store.add_prize_entry(
        "palvelulupaus",
        &[
            ("name".into(), "Maija Meikäläinen".into()),
            ("phone".into(), "040 123 4567".into()),
        ],
    )?;
    store.add_prize_entry(
        "palvelulupaus",
        &[("name".into(), "Matti Virtanen".into()), ("phone".into(), "050 765 4321".into())],
    )?;
    store.set_terminal_name("kirjasto-1")?;

    let records = out.join("records");
    let frames = out.join("frames");
    fs::create_dir_all(&records)?;
    fs::create_dir_all(&frames)?;

    let entry = store.survey_entry("pulssi")?.ok_or("no pulssi")?;
    let version = store.version(&entry.versions[0].hash)?.ok_or("no version")?;
    let response = store.responses("palvelupiste").next().ok_or("no response")??;
    let stats = store.stats("pulssi")?;
    fs::write(records.join("survey-entry.bin"), codec::encode(&entry)?)?;
    fs::write(records.join("version.bin"), codec::encode(&version)?)?;
    fs::write(records.join("response.bin"), codec::encode(&response)?)?;
    let prizes = store.prize_entries("palvelulupaus")?;
    fs::write(
        records.join("prize.bin"),
        codec::encode(&("palvelulupaus".to_owned(), prizes[0].clone()))?,
    )?;

    let source = fs::read_to_string("surveys/pulssi.toml")?;
    let requests: Vec<(&str, Request)> = vec![
        ("owner", Request::Owner),
        ("active", Request::Active),
        ("survey-entries", Request::SurveyEntries),
        ("survey-entry", Request::SurveyEntry("pulssi".into())),
        ("version", Request::Version(version.hash)),
        ("responses", Request::Responses("palvelupiste".into())),
        ("stats", Request::Stats("pulssi".into())),
        ("pin-hash", Request::PinHash),
        ("terminal-name", Request::TerminalName),
        ("load", Request::Load { source, now_ms: 1_790_000_000_000 }),
        ("activate", Request::Activate("pulssi".into())),
        ("import", Request::Import { path: "/tmp/kirjasto-1.kioski".into(), now_ms: 1_790_000_000_000 }),
        ("set-terminal-name", Request::SetTerminalName("kirjasto-2".into())),
        ("watch", Request::Watch),
    ];
    for (name, request) in requests {
        let mut buf = Vec::new();
        protocol::write_frame(&mut buf, &request, protocol::MAX_REQUEST_BYTES)?;
        fs::write(frames.join(format!("request-{name}.bin")), buf)?;
    }
    let record = store
        .response_records("palvelupiste")
        .next()
        .ok_or("no record")??;
    let replies: Vec<(&str, Reply)> = vec![
        ("owner", Reply::Owner { command: "kiosk".into(), pid: 4242 }),
        ("text", Reply::Text(Some("pulssi".into()))),
        ("entries", Reply::Entries(store.survey_entries()?)),
        ("entry", Reply::Entry(Some(entry.clone()))),
        ("version", Reply::Version(Some(Box::new(version.clone())))),
        ("records", Reply::Records(vec![record])),
        ("end", Reply::End),
        ("stats", Reply::Stats(stats)),
        ("loaded", Reply::Loaded(store.load(&version.survey, &version.source, version.loaded_ms)?)),
        ("done", Reply::Done),
        ("imported", Reply::Imported(Imported { versions_added: 1, responses_added: 120, responses_present: 3 })),
        ("event-stored", Reply::Event(StoreEvent::Stored(Box::new(response.clone())))),
        ("event-imported", Reply::Event(StoreEvent::Imported)),
        ("event-surveys-changed", Reply::Event(StoreEvent::SurveysChanged)),
        ("heartbeat", Reply::Heartbeat),
        (
            "failed",
            Reply::Failed(Failure {
                message: "the survey `nosuch` is not in the store".into(),
                hint: Some("see `kioski surveys`".into()),
                store_problem: false,
            }),
        ),
    ];
    for (name, reply) in replies {
        let mut buf = Vec::new();
        protocol::write_frame(&mut buf, &reply, protocol::MAX_REPLY_BYTES)?;
        fs::write(frames.join(format!("reply-{name}.bin")), buf)?;
    }
    Ok(())
}
