//! `kioski report`: the page's figures equal `tally --format json`, hostile
//! answers stay text, and a real browser (headless Chromium) renders it
//! with no request and no console message.
//!
//! Without Chromium on PATH the browser test says so and passes;
//! `KIOSKI_REQUIRE_BROWSER=1` (set by `.ci/run`) makes that a failure.

use std::collections::BTreeMap;
use std::io::Read;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rand::SeedableRng;
use serde_json::Value;

use crate::support::{TempDir, crate_root, kioski};

const HOSTILE: [&str; 3] = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(2)>",
    "<a href=\"javascript:alert(3)\">click</a>",
];

/// A store with every question type, 400 simulated respondents over the
/// past year, and the three hostile answers as the newest open answers.
fn hostile_store(dir: &Path) {
    use kioski::core::answer::Answer;
    use kioski::core::simulate::{Setup, respondent};
    use kioski::store::Store;
    let source = std::fs::read_to_string(crate_root().join("src/core/testdata/all_types.toml"))
        .unwrap()
        .replace(
            "max_len = 20\nshow_if = \"overall <= 2 or solved == no\"\n",
            "max_len = 200\n",
        )
        .replace(
            "id = \"all-types\"",
            "id = \"all-types\"\npopulation = 1000",
        );
    let survey = kioski::core::validate::survey_from_str(&source).unwrap();
    let store = Store::open(dir, "kiosk").unwrap();
    let now = jiff::Timestamp::now().as_millisecond();
    let hash = store.load(&survey, &source, now).unwrap().hash;
    let setup = Setup {
        survey: &survey,
        version: hash,
        terminal: "t",
        now_ms: now,
        utc_offset_ms: 0,
    };
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(14);
    let mut responses: Vec<_> = (0..400)
        .map(|i| respondent(&mut rng, &setup, f64::from(i) / 400.0))
        .collect();
    responses.sort_by_key(|r| r.submitted_ms);
    for (r, text) in responses.iter_mut().rev().zip(HOSTILE) {
        r.complete = true;
        r.answers.insert("why".into(), Answer::Text(text.into()));
    }
    store.submit_batch(&responses).unwrap();
}

/// Every `data-figure` of the page: (cell or "", name) → values.
pub(crate) fn page_figures(html: &str) -> BTreeMap<(String, String), Vec<f64>> {
    let mut out: BTreeMap<_, Vec<f64>> = BTreeMap::new();
    for part in html.split("data-figure=\"").skip(1) {
        let name = &part[..part.find('"').unwrap()];
        let rest = &part[name.len()..];
        let tag_end = rest.find('>').unwrap();
        let attr = |key: &str| {
            let tag = &rest[..tag_end];
            let at = tag.find(&format!("{key}=\""))? + key.len() + 2;
            Some(tag[at..at + tag[at..].find('"')?].to_owned())
        };
        let value: f64 = attr("data-value").unwrap().parse().unwrap();
        let cell = attr("data-cell").unwrap_or_default();
        out.entry((cell, name.to_owned())).or_default().push(value);
    }
    out
}

/// The JSON's figures of one tally, named as the page names them: all of
/// them for the total, the key figures (those the comparison table
/// shows) for a group.
fn json_figures(r: &Value, group: bool) -> BTreeMap<String, f64> {
    json_figures_except(r, group, Some("group"))
}

/// As [`json_figures`], where the groups are of the question `by` (the
/// comparison table leaves it out), or of something else (`None`).
pub(crate) fn json_figures_except(
    r: &Value,
    group: bool,
    by: Option<&str>,
) -> BTreeMap<String, f64> {
    let mut out = BTreeMap::new();
    let counts: &[&str] = if group {
        &["responses"]
    } else {
        &[
            "responses",
            "partial",
            "suspect",
            "simulated",
            "response_rate",
        ]
    };
    for key in counts {
        let key = *key;
        if let Some(v) = r[key].as_f64()
            && (v != 0.0 || key == "responses")
        {
            out.insert(key.to_owned(), v);
        }
    }
    for q in r["questions"].as_array().unwrap() {
        let id = q["id"].as_str().unwrap();
        // The groups' table leaves out the question they are groups of.
        if group && Some(id) == by {
            continue;
        }
        if !group {
            out.insert(format!("{id}.answered"), q["answered"].as_f64().unwrap());
        }
        let keys: &[&str] = match q["type"].as_str().unwrap() {
            "rating" => &["mean", "top2"],
            "number" => &["mean"],
            "nps" => &["nps"],
            "yesno" => &["yes_share"],
            _ => &[],
        };
        for key in keys {
            if let Some(v) = q[key].as_f64() {
                out.insert(format!("{id}.{key}"), v);
            }
        }
        let maps: &[&str] = match (q["type"].as_str().unwrap(), group) {
            ("choice" | "multi", true) => &["percent"],
            ("choice" | "multi" | "yesno" | "rating", false) => &["percent", "counts"],
            ("ranking", _) => &["percent", "mean_rank"],
            ("nps", false) => &["bands"],
            _ => &[],
        };
        for map in maps {
            for (k, v) in q[map].as_object().unwrap() {
                if let Some(v) = v.as_f64() {
                    out.insert(format!("{id}.{map}.{k}"), v);
                }
            }
        }
    }
    out
}

/// Each JSON figure is on the page with the same value, and each figure
/// of the page is one of the JSON's.
pub(crate) fn same_figures(
    cell: &str,
    json: &BTreeMap<String, f64>,
    page: &BTreeMap<(String, String), Vec<f64>>,
) {
    for (name, want) in json {
        let got = page
            .get(&(cell.to_owned(), name.clone()))
            .unwrap_or_else(|| panic!("{name} (cell `{cell}`) is not on the page"));
        for v in got {
            assert!(
                (v - want).abs() < 1e-9,
                "{name} (cell `{cell}`): page {v}, JSON {want}"
            );
        }
    }
    for (c, name) in page.keys() {
        if c == cell {
            assert!(
                json.contains_key(name),
                "{name} (cell `{cell}`) is not in the JSON"
            );
        }
    }
}

#[test]
fn the_reports_figures_equal_the_json_tallys() {
    let dir = TempDir::new("report-figures");
    hostile_store(dir.path());
    let run = kioski(["tally", "--format", "json", "--by", "group"])
        .store(dir.path())
        .run();
    run.expect_code(0);
    let json: Value = serde_json::from_str(&run.stdout).unwrap();
    let out = dir.path().join("report.html");
    let run = kioski([
        "report",
        "--by",
        "group",
        "--lang",
        "en",
        "--out",
        out.to_str().unwrap(),
    ])
    .store(dir.path())
    .run();
    run.expect_code(0);
    assert!(
        run.stderr.contains("Wrote the report of `all-types`"),
        "{}",
        run.stderr
    );
    let html = std::fs::read_to_string(&out).unwrap();
    let page = page_figures(&html);
    let total = json_figures(&json, false);
    assert!(total.len() > 30, "{total:?}");
    same_figures("", &total, &page);
    let cells = json["cells"].as_array().unwrap();
    assert!(cells.len() >= 3);
    for cell in cells {
        let group = cell["group"].as_str().unwrap();
        same_figures(group, &json_figures(cell, true), &page);
    }
}

#[test]
fn without_out_the_report_goes_to_a_pipe_and_a_usage_error_is_one() {
    let dir = TempDir::new("report-stdout");
    hostile_store(dir.path());
    let run = kioski(["report", "--lang", "fi"]).store(dir.path()).run();
    run.expect_code(0);
    assert!(
        run.stdout.starts_with("<!DOCTYPE html>"),
        "{}",
        &run.stdout[..80]
    );
    assert!(run.stdout.contains("<html lang=\"fi\">") && run.stdout.contains("Yhteenveto"));
    for text in HOSTILE {
        assert!(
            !run.stdout.contains(text),
            "{text} is in the page as markup"
        );
    }
    assert!(run.stdout.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    let run = kioski(["report", "--by", "overall"])
        .store(dir.path())
        .run();
    run.expect_code(2);
    assert!(run.stderr.contains("choice or yesno"), "{}", run.stderr);
}

// --- the browser ---------------------------------------------------------

/// Chromium's binary, if installed.
fn chromium() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("KIOSKI_CHROMIUM") {
        return Some(path.into());
    }
    let path = std::env::var_os("PATH")?;
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .flat_map(|name| std::env::split_paths(&path).map(move |dir| dir.join(name)))
        .find(|p| p.is_file())
}

/// The browser's own services, which headless Chromium calls whatever the
/// page is (component updates, sign-in); any other request is the page's.
const BROWSER_SERVICES: [&str; 2] = ["update.googleapis.com", "accounts.google.com"];

/// Runs Chromium on `page` with `args`, every request sent to a proxy
/// that only records what was asked; returns stdout, stderr and the
/// requests that were not the browser's own.
fn browse(
    browser: &Path,
    profile: &Path,
    page: &Path,
    args: &[&str],
) -> (String, String, Vec<String>) {
    let proxy = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = proxy.local_addr().unwrap().port();
    let seen = Arc::new(Mutex::new(Vec::new()));
    {
        let seen = seen.clone();
        std::thread::spawn(move || {
            for conn in proxy.incoming().flatten() {
                let mut conn = conn;
                let _ = conn.set_read_timeout(Some(Duration::from_secs(2)));
                let mut head = [0u8; 512];
                let n = conn.read(&mut head).unwrap_or(0);
                let line = String::from_utf8_lossy(&head[..n])
                    .lines()
                    .next()
                    .unwrap_or("")
                    .to_owned();
                seen.lock().unwrap().push(line);
            }
        });
    }
    let out = Command::new("timeout")
        .arg("120")
        .arg(browser)
        .args([
            "--headless",
            "--disable-gpu",
            "--no-sandbox",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-default-apps",
            "--disable-client-side-phishing-detection",
            "--disable-domain-reliability",
            "--no-pings",
            "--disable-features=NetworkTimeServiceQuerying,OptimizationHints,MediaRouter,Translate,AutofillServerCommunication",
            "--enable-logging=stderr",
            "--v=0",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--proxy-server=http://127.0.0.1:{port}"))
        .args(args)
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("run chromium");
    assert!(
        out.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let requests = seen
        .lock()
        .unwrap()
        .iter()
        .filter(|line| !BROWSER_SERVICES.iter().any(|host| line.contains(host)))
        .cloned()
        .collect();
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        requests,
    )
}

#[test]
fn chromium_renders_the_report_offline_with_every_chart_and_hostile_answers_as_text() {
    let Some(browser) = chromium() else {
        assert!(
            std::env::var("KIOSKI_REQUIRE_BROWSER").as_deref() != Ok("1"),
            "KIOSKI_REQUIRE_BROWSER=1 but no chromium on PATH (apt-get install -y chromium)"
        );
        eprintln!(
            "skipping the browser test: no chromium on PATH (apt-get install -y chromium; \
             KIOSKI_REQUIRE_BROWSER=1 turns this skip into a failure)"
        );
        return;
    };
    let dir = TempDir::new("report-browser");
    hostile_store(dir.path());
    let profile = dir.path().join("profile");
    let mut pages = Vec::new();
    for lang in ["fi", "en"] {
        let out = dir.path().join(format!("report-{lang}.html"));
        kioski([
            "report",
            "--lang",
            lang,
            "--by",
            "group",
            "--period",
            "month",
            "--out",
            out.to_str().unwrap(),
        ])
        .store(dir.path())
        .run()
        .expect_code(0);
        pages.push(out);
    }
    let html = std::fs::read_to_string(&pages[0]).unwrap();
    let charts = html.matches("data-chart=").count();
    // 8 questions with a chart, then a trend per key figure.
    assert!(charts >= 8 + 8, "{charts} charts");

    // The DOM after loading: no request, no console message (the page has
    // no script, so any message is a refused load or a CSP violation).
    let (dom, log, requests) = browse(&browser, &profile, &pages[0], &["--dump-dom"]);
    assert!(requests.is_empty(), "the page asked for {requests:?}");
    let console: Vec<&str> = log.lines().filter(|l| l.contains(":CONSOLE")).collect();
    assert!(console.is_empty(), "console: {console:?}");
    assert_eq!(
        dom.matches("data-chart=").count(),
        charts,
        "charts in the DOM"
    );
    for figure in dom.split("data-chart=").skip(1) {
        let body = &figure[..figure.find("</figure>").unwrap()];
        assert!(
            body.contains("<svg") && body.contains("<rect"),
            "an empty chart: {}",
            &body[..80]
        );
    }
    // Markup is only what stands between `<` and `>`: escaped text has no `<`.
    for tag in dom
        .split('<')
        .skip(1)
        .map(|t| t[..t.find('>').unwrap_or(t.len())].to_lowercase())
    {
        for bad in ["script", "img", "a "] {
            assert!(!tag.starts_with(bad), "an element <{tag}>");
        }
        assert!(
            !tag.contains("onerror") && !tag.contains("javascript:"),
            "<{tag}>"
        );
    }
    assert!(dom.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(dom.contains("&lt;img src=x onerror=alert(2)&gt;"));
    assert!(dom.contains("javascript:alert(3)"));

    // A4 print and screenshots in both languages.
    let pdf = dir.path().join("report-fi.pdf");
    let print = format!("--print-to-pdf={}", pdf.display());
    let (_, _, requests) = browse(
        &browser,
        &profile,
        &pages[0],
        &[&print, "--no-pdf-header-footer"],
    );
    assert!(requests.is_empty(), "printing asked for {requests:?}");
    let bytes = std::fs::read(&pdf).unwrap();
    assert!(bytes.starts_with(b"%PDF"), "not a PDF");
    let pages_in_pdf = String::from_utf8_lossy(&bytes)
        .matches("/Type /Page\n")
        .count()
        + String::from_utf8_lossy(&bytes)
            .matches("/Type /Page ")
            .count()
        + String::from_utf8_lossy(&bytes)
            .matches("/Type/Page/")
            .count();
    eprintln!(
        "the Finnish report prints on {pages_in_pdf} A4 pages ({} bytes)",
        bytes.len()
    );
    for (lang, page) in ["fi", "en"].iter().zip(&pages) {
        let png = dir.path().join(format!("report-{lang}.png"));
        let shot = format!("--screenshot={}", png.display());
        let (_, _, requests) = browse(
            &browser,
            &profile,
            page,
            &[&shot, "--window-size=1000,3000"],
        );
        assert!(requests.is_empty(), "the screenshot asked for {requests:?}");
        let bytes = std::fs::read(&png).unwrap();
        assert!(
            bytes.starts_with(b"\x89PNG") && bytes.len() > 20_000,
            "{lang}: a blank screenshot"
        );
        if let Some(keep) = std::env::var_os("KIOSKI_REPORT_SHOTS") {
            std::fs::create_dir_all(&keep).unwrap();
            std::fs::copy(&png, Path::new(&keep).join(format!("report-{lang}.png"))).unwrap();
            std::fs::copy(page, Path::new(&keep).join(format!("report-{lang}.html"))).unwrap();
        }
    }
}
