//! Tests of the admin view.

use std::sync::Arc;

use super::run::{carry_out, carry_out_at};
use super::state::Action;
use crate::remote::Access;
use crate::store::Store;

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::state::{Admin, SurveyRow};
use crate::core::answer::Answers;
use crate::core::response::{Response, time_ordered_id};
use crate::core::survey::Lang;
use crate::core::version::VersionHash;

/// 2025-06-15 15:06:40 UTC.
const NOW: i64 = 1_750_000_000_000;
const HOUR_MS: i64 = 3_600_000;
const YEAR_MS: i64 = 365 * 24 * HOUR_MS;

fn row(id: &str, complete: u64, last_ms: Option<i64>) -> SurveyRow {
    SurveyRow {
        id: id.to_owned(),
        title: id.to_owned(),
        versions: 1,
        latest: "abc".to_owned(),
        complete,
        partial: 0,
        suspect: 0,
        last_ms,
        active: true,
    }
}

fn response(survey: &str, ms: i64, seed: u64) -> Response {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    Response {
        id: time_ordered_id(&mut rng, ms),
        survey: survey.to_owned(),
        version: VersionHash([7; 32]),
        terminal: "desk-1".to_owned(),
        lang: Lang::Fi,
        started_ms: ms - 30_000,
        submitted_ms: ms,
        complete: true,
        answers: Answers::new(),
        simulated: false,
        suspect: false,
    }
}

fn admin(rows: Vec<SurveyRow>) -> Admin {
    let mut a = Admin::new(false, "desk-1".into(), "owns the store".into(), None);
    a.set_rows(rows);
    a
}

/// The list held a response dated a year ahead (an import from a
/// terminal whose clock was wrong): what is stored now still counts.
#[test]
fn a_future_dated_response_does_not_stop_the_list_counting() {
    let mut a = admin(vec![row("desk", 5, Some(NOW + YEAR_MS))]);
    assert!(a.accept(&response("desk", NOW, 1)));
    assert!(a.accept(&response("desk", NOW + 1000, 2)));
    assert_eq!(a.rows[0].complete, 7);
}

/// The clock stepped back an hour after the list was read.
#[test]
fn a_clock_stepped_back_does_not_stop_the_list_counting() {
    let mut a = admin(vec![row("desk", 5, Some(NOW))]);
    assert!(a.accept(&response("desk", NOW - HOUR_MS, 1)));
    assert_eq!(a.rows[0].complete, 6);
}

/// Each announced response counts once, and only in its own row.
#[test]
fn an_announced_response_counts_once_in_its_own_row() {
    let mut a = admin(vec![row("desk", 0, None), row("other", 0, None)]);
    let r = response("desk", NOW, 1);
    assert!(a.accept(&r));
    assert!(!a.accept(&r));
    assert!(!a.accept(&response("unknown", NOW, 2)));
    assert_eq!((a.rows[0].complete, a.rows[1].complete), (1, 0));
}

#[test]
fn an_over_long_terminal_name_is_refused_on_screen_and_not_stored() {
    let dir = tempfile::tempdir().unwrap();
    let access = Access::Local(Arc::new(Store::open(dir.path(), "test").unwrap()));
    let mut admin = Admin::new(false, "t".into(), "owns the store".into(), None);
    carry_out(Action::SetTerminalName("k".repeat(65)), &access, &mut admin);
    assert!(admin.message_is_error, "{:?}", admin.message);
    assert!(
        admin.message[0].contains("65 characters"),
        "{:?}",
        admin.message
    );
    assert_eq!(access.read().terminal_name().unwrap(), None);
    carry_out(
        Action::SetTerminalName("kirjasto-1".into()),
        &access,
        &mut admin,
    );
    assert!(!admin.message_is_error, "{:?}", admin.message);
    assert_eq!(admin.terminal, "kirjasto-1");
}

/// In the admin view's prompts Ctrl and Alt keys edit (Ctrl-U cuts to
/// the start) or do nothing; they are never typed as letters, and the
/// PIN prompt takes none of them as digits.
#[test]
fn ctrl_and_alt_keys_in_a_prompt_edit_and_never_type() {
    use super::state::Mode;
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    let ctrl = |c| KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL);
    let alt = |c| KeyEvent::new(KeyCode::Char(c), KeyModifiers::ALT);
    let plain = |c| KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE);
    let mut a = admin(vec![row("pulssi", 1, Some(NOW))]);
    a.key(plain('n'), NOW);
    for c in "desk 2".chars() {
        a.key(plain(c), NOW);
    }
    a.key(ctrl('w'), NOW);
    a.key(alt('x'), NOW);
    a.key(ctrl('u'), NOW);
    a.key(plain('k'), NOW);
    a.key(ctrl('a'), NOW);
    a.key(plain('d'), NOW);
    let Mode::Prompt { field, .. } = &a.mode else {
        panic!("no prompt: {:?}", a.mode);
    };
    assert_eq!(field.text(), "dk");

    let mut locked = Admin::new(true, "desk-1".into(), "owns the store".into(), None);
    locked.key(ctrl('u'), NOW);
    locked.key(alt('1'), NOW);
    locked.key(plain('1'), NOW);
    let Mode::Pin { digits, .. } = &locked.mode else {
        panic!("no PIN prompt: {:?}", locked.mode);
    };
    assert_eq!(digits, "1");
}

/// Every theme: where each style lands, and a colour theme paints every
/// cell itself.
#[test]
fn every_theme() {
    use crate::ui::theme::{Scheme, Theme};
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;
    use ratatui::style::Color;
    let mut a = admin(vec![
        row("palvelupiste", 12, Some(NOW)),
        row("pulssi", 3, None),
    ]);
    a.mode = super::state::Mode::List;
    for scheme in Scheme::ALL {
        let theme = Theme {
            scheme,
            big_text: false,
        };
        let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
        terminal
            .draw(|f| super::view::render(&a, NOW, theme, f.area(), f.buffer_mut()))
            .unwrap();
        let buf = terminal.backend().buffer();
        if scheme != Scheme::Mono {
            for p in buf.area.positions() {
                let own = |c: Color| matches!(c, Color::Indexed(16..=255));
                assert!(own(buf[p].fg) && own(buf[p].bg), "{scheme:?} at {p:?}");
            }
        }
        let text = crate::ui::buffer_styles(buf);
        let mut settings = insta::Settings::clone_current();
        settings.set_prepend_module_to_snapshot(false);
        settings.set_omit_expression(true);
        settings.bind(|| insta::assert_snapshot!(format!("admin_theme_{}", scheme.name()), text));
    }
}

/// The list shows a suspect column once a survey has suspect responses,
/// and counts an announced suspect one in it.
#[test]
fn the_list_counts_suspect_responses() {
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;
    let text = |a: &Admin| {
        let mut terminal = Terminal::new(TestBackend::new(100, 24)).unwrap();
        let theme = crate::ui::theme::Theme {
            scheme: crate::ui::theme::Scheme::Mono,
            big_text: false,
        };
        terminal
            .draw(|f| super::view::render(a, NOW, theme, f.area(), f.buffer_mut()))
            .unwrap();
        let buf = terminal.backend().buffer().clone();
        buf.content.iter().map(|c| c.symbol()).collect::<String>()
    };
    let mut a = admin(vec![row("desk", 5, Some(NOW))]);
    a.mode = super::state::Mode::List;
    assert!(!text(&a).contains("SUSPECT"));
    let mut r = response("desk", NOW + 1000, 1);
    r.suspect = true;
    assert!(a.accept(&r));
    assert_eq!((a.rows[0].complete, a.rows[0].suspect), (6, 1));
    let shown = text(&a);
    assert!(shown.contains("SUSPECT"), "{shown}");
    assert!(shown.contains("       6        0        1"), "{shown}");
}

fn screen_text(a: &Admin) -> String {
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;
    let theme = crate::ui::theme::Theme {
        scheme: crate::ui::theme::Scheme::Mono,
        big_text: false,
    };
    let mut terminal = Terminal::new(TestBackend::new(100, 30)).unwrap();
    terminal
        .draw(|f| super::view::render(a, NOW, theme, f.area(), f.buffer_mut()))
        .unwrap();
    let buf = terminal.backend().buffer();
    (0..buf.area.height)
        .map(|y| {
            (0..buf.area.width)
                .map(|x| buf[(x, y)].symbol())
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn key(code: crossterm::event::KeyCode) -> crossterm::event::KeyEvent {
    crossterm::event::KeyEvent::new(code, crossterm::event::KeyModifiers::NONE)
}

/// The prize screen counts the entries, draws with the seed typed (the
/// same winners as `kioski prize draw` with that seed), shows them on
/// screen only, and purges after a `y`.
#[test]
fn the_prize_screen_counts_draws_and_purges() {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), "test").unwrap();
    let names = ["Maija Meikäläinen", "Matti Virtanen", "Kalle Kolmas"];
    for name in names {
        store
            .add_prize_entry("palvelupiste", &[("name".into(), name.into())])
            .unwrap();
    }
    let access = Access::Local(Arc::new(store));
    let mut a = admin(vec![row("palvelupiste", 12, Some(NOW))]);
    let action = a.key(key(KeyCode::Char('p')), NOW);
    assert_eq!(action, Action::Prizes("palvelupiste".into()));
    carry_out(action, &access, &mut a);
    let text = screen_text(&a);
    assert!(text.contains("Prize draw of `palvelupiste`"), "{text}");
    assert!(text.contains("▶ palvelupiste: 3"), "{text}");
    for c in "kevät".chars() {
        a.key(key(KeyCode::Char(c)), NOW);
    }
    a.key(key(KeyCode::Up), NOW);
    let action = a.key(key(KeyCode::Enter), NOW);
    assert_eq!(
        action,
        Action::Draw {
            survey: "palvelupiste".into(),
            seed: Some("kevät".into()),
            winners: 2
        }
    );
    carry_out(action, &access, &mut a);
    let contacts: Vec<Vec<(String, String)>> = names
        .iter()
        .map(|n| vec![("name".to_owned(), (*n).to_owned())])
        .collect();
    let expected = crate::core::draw::draw("palvelupiste", &contacts, "kevät", 2);
    let text = screen_text(&a);
    for w in &expected.winners {
        assert!(text.contains(&w[0].1), "{} not on screen:\n{text}", w[0].1);
    }
    assert!(text.contains(&expected.entries_digest[..40]), "{text}");

    // Ctrl-X asks; anything but y keeps the entries.
    let ctrl_x = KeyEvent::new(KeyCode::Char('x'), KeyModifiers::CONTROL);
    a.key(ctrl_x, NOW);
    assert!(screen_text(&a).contains("for good?"));
    assert_eq!(a.key(key(KeyCode::Char('n')), NOW), Action::None);
    a.key(ctrl_x, NOW);
    let action = a.key(key(KeyCode::Char('y')), NOW);
    assert_eq!(action, Action::PurgePrizes("palvelupiste".into()));
    carry_out(action, &access, &mut a);
    assert!(access.prize_counts().unwrap().is_empty());
    let text = screen_text(&a);
    assert!(text.contains("Deleted 3 prize-draw entries"), "{text}");
    assert!(!text.contains("Maija"), "{text}");
    // Esc goes back to the list.
    assert_eq!(a.key(key(KeyCode::Esc), NOW), Action::Refresh);
}

/// The admin view in fi, sv and en at 80x24, 100x30 and a narrow 40x12:
/// the PIN prompt, the list with its notice, the load prompt and the
/// prize screen, every word in the chosen language.
#[test]
fn in_every_language() {
    use crate::core::pin::PinCheck;
    use crate::ui::theme::{Scheme, Theme};
    use crossterm::event::KeyCode;
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;
    let theme = Theme {
        scheme: Scheme::Mono,
        big_text: false,
    };
    let snap = |name: String, a: &Admin, w: u16, h: u16| {
        let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
        terminal
            .draw(|f| super::view::render(a, NOW, theme, f.area(), f.buffer_mut()))
            .unwrap();
        let mut settings = insta::Settings::clone_current();
        settings.set_prepend_module_to_snapshot(false);
        settings.set_omit_expression(true);
        settings.bind(|| insta::assert_snapshot!(name, terminal.backend()));
    };
    for lang in Lang::ALL {
        let sizes = [(80, 24), (100, 30), (40, 12)];
        // The PIN prompt, after a wrong PIN.
        let mut a = Admin::new(true, "desk-1".into(), "owns the store".into(), Some(lang));
        a.key(key(KeyCode::Char('1')), NOW);
        a.key(key(KeyCode::Enter), NOW);
        a.pin_checked(
            Ok(PinCheck::Wrong {
                lockout: crate::core::pin::Lockout::default(),
                locked_for_ms: None,
            }),
            NOW,
        );
        snap(format!("admin_lang_{lang}_pin_80x24"), &a, 80, 24);
        // The list, with the no-PIN notice.
        let mut a = Admin::new(false, "desk-1".into(), "owns the store".into(), Some(lang));
        a.set_rows(vec![
            row("palvelupiste", 12, Some(NOW)),
            row("pulssi", 3, None),
        ]);
        for (w, h) in sizes {
            snap(format!("admin_lang_{lang}_list_{w}x{h}"), &a, w, h);
        }
        // The load prompt.
        a.survey_files = vec!["surveys/palvelupiste.toml".into()];
        a.key(key(KeyCode::Char('o')), NOW);
        snap(format!("admin_lang_{lang}_load_80x24"), &a, 80, 24);
        a.key(key(KeyCode::Esc), NOW);
        // The prize screen.
        a.show_prizes("palvelupiste".into(), vec![("palvelupiste".into(), 4)]);
        snap(format!("admin_lang_{lang}_prizes_80x24"), &a, 80, 24);
    }
}

#[test]
fn the_words_follow_the_language() {
    for (lang, words) in [
        (Lang::Fi, ["OTSIKKO", "käytössä", "lopeta", "PIN-koodia"]),
        (Lang::Sv, ["TITEL", "aktiv", "avsluta", "PIN"]),
        (Lang::En, ["TITLE", "active", "quit", "No admin PIN"]),
    ] {
        let mut a = Admin::new(false, "desk-1".into(), "x".into(), Some(lang));
        a.set_rows(vec![row("palvelupiste", 12, Some(NOW))]);
        let text = screen_text(&a);
        for w in words {
            assert!(text.contains(w), "{lang}: no {w:?} in\n{text}");
        }
    }
}

/// The export prompts and the replace question speak the view's language
/// too, not only the list.
#[test]
fn the_export_prompts_follow_the_language() {
    use crossterm::event::KeyCode;
    for (lang, prompt) in [
        (Lang::Fi, "Vie `palvelupiste` muodossa CSV tiedostoon"),
        (Lang::Sv, "Exportera `palvelupiste` som CSV till"),
        (Lang::En, "Export `palvelupiste` as CSV to"),
    ] {
        let mut a = Admin::new(false, "desk-1".into(), "x".into(), Some(lang));
        a.set_rows(vec![row("palvelupiste", 12, Some(NOW))]);
        a.key(key(KeyCode::Char('e')), NOW);
        let text = screen_text(&a);
        assert!(text.contains(prompt), "{lang}: no {prompt:?} in\n{text}");
    }
}

/// A store holding the palvelupiste seed and one response to it.
fn palvelupiste_store(dir: &std::path::Path) -> Access {
    use crate::core::answer::{Answer, Picked};
    let source = include_str!("../../../surveys/palvelupiste.toml");
    let survey = crate::core::validate::survey_from_str(source).unwrap();
    let store = Store::open(dir, "test").unwrap();
    let outcome = store.load(&survey, source, NOW).unwrap();
    let mut r = response("palvelupiste", NOW, 1);
    r.version = outcome.hash;
    r.answers.insert("overall".into(), Answer::Rating(4));
    r.answers.insert(
        "compared".into(),
        Answer::Choice(Picked::Option("better".into())),
    );
    store.submit(&r).unwrap();
    Access::Local(Arc::new(store))
}

/// Presses `keys` in the export prompt of `key`, replaces the suggested
/// name with `path`, confirms; returns the action.
fn export_with_key(a: &mut Admin, key_char: char, path: &std::path::Path) -> Action {
    use crossterm::event::KeyCode;
    a.key(key(KeyCode::Char(key_char)), NOW);
    a.key(
        crossterm::event::KeyEvent::new(
            KeyCode::Char('u'),
            crossterm::event::KeyModifiers::CONTROL,
        ),
        NOW,
    );
    a.key(key(KeyCode::End), NOW);
    for c in path.display().to_string().chars() {
        a.key(key(KeyCode::Char(c)), NOW);
    }
    a.key(key(KeyCode::Enter), NOW)
}

/// `x` writes the Excel CSV and `c` the codebook, the same bytes as
/// `kioski export --excel` and `--codebook`, and the view says the sentence
/// the access layer's outcome says (the command line prints it too).
#[test]
fn the_admin_exports_excel_csv_and_the_codebook_as_the_command_line_does() {
    use super::state::ExportKind;
    use crate::core::export::{Format, Options};
    use crate::remote::Export;
    let dir = tempfile::tempdir().unwrap();
    let access = palvelupiste_store(&dir.path().join("store"));
    let mut a = admin(vec![row("palvelupiste", 1, Some(NOW))]);

    let text = {
        a.key(key(crossterm::event::KeyCode::Char('x')), NOW);
        screen_text(&a)
    };
    assert!(
        text.contains("Export `palvelupiste` as Excel CSV to"),
        "{text}"
    );
    assert!(text.contains("> palvelupiste-excel.csv"), "{text}");
    a.key(key(crossterm::event::KeyCode::Esc), NOW);

    let excel = dir.path().join("excel.csv");
    let action = export_with_key(&mut a, 'x', &excel);
    assert_eq!(
        action,
        Action::Export {
            survey: "palvelupiste".into(),
            kind: ExportKind::ExcelCsv,
            path: excel.clone(),
            replace: false
        }
    );
    carry_out(action, &access, &mut a);
    assert!(!a.message_is_error, "{:?}", a.message);
    let mut expected = Vec::new();
    let what = Export::Responses(Options::ids(Format::ExcelCsv, jiff::tz::TimeZone::system()));
    access
        .export_to("palvelupiste", &what, &mut expected)
        .unwrap();
    assert_eq!(std::fs::read(&excel).unwrap(), expected);
    assert!(
        String::from_utf8(expected)
            .unwrap()
            .starts_with("\u{feff}id;survey;")
    );
    let said = access
        .export("palvelupiste", &what, &dir.path().join("again.csv"))
        .unwrap();
    assert_eq!(
        a.message,
        [format!(
            "Wrote 1 response of `palvelupiste` to {}.",
            excel.display()
        )]
    );
    assert_eq!(
        a.message[0],
        said.to_string().replace("again.csv", "excel.csv")
    );

    let book = dir.path().join("book.csv");
    let action = export_with_key(&mut a, 'c', &book);
    carry_out(action, &access, &mut a);
    let text = std::fs::read_to_string(&book).unwrap();
    assert!(
        text.starts_with("question,type,text_fi,text_sv,text_en,values,option,"),
        "{text}"
    );
    assert!(text.contains("compared,choice,"), "{text}");
    assert!(
        a.message[0].starts_with("Wrote the codebook of `palvelupiste` ("),
        "{:?}",
        a.message
    );
}

/// An export onto an existing file asks first: anything but `y` keeps the
/// file and writes nothing; `y` replaces it.
#[test]
fn an_export_onto_an_existing_file_asks_before_replacing_it() {
    use crossterm::event::KeyCode;
    let dir = tempfile::tempdir().unwrap();
    let access = palvelupiste_store(&dir.path().join("store"));
    let mut a = admin(vec![row("palvelupiste", 1, Some(NOW))]);
    let path = dir.path().join("old.csv");
    std::fs::write(&path, "keep me").unwrap();

    let action = export_with_key(&mut a, 'e', &path);
    carry_out(action, &access, &mut a);
    let text = screen_text(&a);
    assert!(text.contains("exists. Replace it?"), "{text}");
    assert!(text.contains("(y/N)"), "{text}");
    assert_eq!(a.key(key(KeyCode::Char('n')), NOW), Action::None);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "keep me");
    assert!(screen_text(&a).contains("Nothing was written"));

    let action = export_with_key(&mut a, 'e', &path);
    carry_out(action, &access, &mut a);
    let action = a.key(key(KeyCode::Char('y')), NOW);
    assert!(
        matches!(&action, Action::Export { replace: true, .. }),
        "{action:?}"
    );
    carry_out(action, &access, &mut a);
    assert!(
        std::fs::read_to_string(&path)
            .unwrap()
            .starts_with("id,survey,")
    );
    assert!(
        a.message[0].starts_with("Wrote 1 response"),
        "{:?}",
        a.message
    );

    // A bundle onto an existing file asks too.
    let bundle = dir.path().join("b.kioski");
    std::fs::write(&bundle, "old").unwrap();
    a.key(key(KeyCode::Char('b')), NOW);
    a.key(
        crossterm::event::KeyEvent::new(
            KeyCode::Char('u'),
            crossterm::event::KeyModifiers::CONTROL,
        ),
        NOW,
    );
    for c in bundle.display().to_string().chars() {
        a.key(key(KeyCode::Char(c)), NOW);
    }
    let action = a.key(key(KeyCode::Enter), NOW);
    carry_out(action, &access, &mut a);
    assert!(screen_text(&a).contains("exists. Replace it?"));
    a.key(key(KeyCode::Esc), NOW);
    assert_eq!(std::fs::read_to_string(&bundle).unwrap(), "old");
}

/// `i` lists the `*.kioski` files as `o` lists the survey files; ↓ picks
/// one and Enter imports it, with the sentence `kioski bundle import` says.
#[test]
fn a_bundle_to_import_is_picked_from_a_list() {
    use crossterm::event::KeyCode;
    let dir = tempfile::tempdir().unwrap();
    let from = palvelupiste_store(&dir.path().join("from"));
    let bundles = dir.path().join("bundles");
    std::fs::create_dir(&bundles).unwrap();
    let done = from
        .export_bundle(
            &crate::remote::BundleSpec::default(),
            &bundles.join("desk-1.kioski"),
            NOW,
        )
        .unwrap();
    assert_eq!(
        done.to_string(),
        format!(
            "Wrote 1 response and 1 survey version to {}.",
            bundles.join("desk-1.kioski").display()
        )
    );
    std::fs::write(bundles.join("notes.txt"), "not a bundle").unwrap();
    drop(from);

    let to = Access::Local(Arc::new(
        Store::open(&dir.path().join("to"), "test").unwrap(),
    ));
    let mut a = admin(Vec::new());
    a.bundle_dir = bundles.clone();
    let action = a.key(key(KeyCode::Char('i')), NOW);
    assert_eq!(action, Action::PickBundle);
    carry_out(action, &to, &mut a);
    let text = screen_text(&a);
    assert!(text.contains("Import the bundle file"), "{text}");
    assert!(text.contains("desk-1.kioski"), "{text}");
    assert!(!text.contains("notes.txt"), "{text}");
    a.key(key(KeyCode::Down), NOW);
    let action = a.key(key(KeyCode::Enter), NOW);
    let path = bundles.join("desk-1.kioski");
    assert_eq!(action, Action::Import(path.clone()));
    carry_out(action, &to, &mut a);
    assert!(!a.message_is_error, "{:?}", a.message);
    assert_eq!(
        a.message,
        [format!(
            "{}: 1 new response, 0 already present, 1 new survey version.",
            path.display()
        )]
    );
    assert_eq!(to.read().survey_entries().unwrap().len(), 1);
}

/// `R` then Enter writes the same bytes as `kioski report --survey ID
/// --out FILE` on the same store at the same time (the footer says when),
/// and says the sentence the command line says.
#[test]
fn r_writes_the_report_the_command_line_writes() {
    use crate::cli::{ReportArgs, report as run};
    use crate::remote::exports::Reported;
    use crossterm::event::KeyCode;
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("store");
    drop(palvelupiste_store(&store));
    let by_cli = dir.path().join("cli.html");
    let args = ReportArgs {
        survey: Some("palvelupiste".into()),
        out: Some(by_cli.clone()),
        lang: None,
        select: Default::default(),
    };
    run(&args, &crate::cli::Context::at(store.clone(), NOW)).unwrap();

    let access = Access::Local(Arc::new(Store::open(&store, "test").unwrap()));
    let mut a = admin(vec![row("palvelupiste", 1, Some(NOW))]);
    a.key(key(KeyCode::Char('R')), NOW);
    let text = screen_text(&a);
    assert!(
        text.contains("Write the HTML report of `palvelupiste` to"),
        "{text}"
    );
    assert!(text.contains("> report-palvelupiste-2025-06-1"), "{text}");
    a.key(key(KeyCode::Esc), NOW);

    let path = dir.path().join("admin.html");
    let action = export_with_key(&mut a, 'R', &path);
    carry_out_at(action, &access, &mut a, NOW);
    assert!(!a.message_is_error, "{:?}", a.message);
    assert_eq!(
        std::fs::read(&path).unwrap(),
        std::fs::read(&by_cli).unwrap()
    );
    let said = Reported {
        survey: "palvelupiste".into(),
        path: path.clone(),
    };
    assert_eq!(a.message, [said.to_string()]);
    assert_eq!(
        said.to_string(),
        format!("Wrote the report of `palvelupiste` to {}.", path.display())
    );

    // Onto the file now there: asked first, as every export is.
    let action = export_with_key(&mut a, 'R', &path);
    carry_out_at(action, &access, &mut a, NOW);
    assert!(screen_text(&a).contains("exists. Replace it?"));
    let action = a.key(key(KeyCode::Char('y')), NOW);
    carry_out_at(action, &access, &mut a, NOW);
    assert_eq!(a.message, [said.to_string()]);

    // A view in English writes the report `--lang en` writes.
    drop(access);
    let en_cli = dir.path().join("cli-en.html");
    let args = ReportArgs {
        out: Some(en_cli.clone()),
        lang: Some(crate::cli::LangArg::En),
        ..args
    };
    run(&args, &crate::cli::Context::at(store.clone(), NOW)).unwrap();
    let access = Access::Local(Arc::new(Store::open(&store, "test").unwrap()));
    a.lang = Some(Lang::En);
    let en = dir.path().join("admin-en.html");
    let action = export_with_key(&mut a, 'R', &en);
    carry_out_at(action, &access, &mut a, NOW);
    assert_eq!(std::fs::read(&en).unwrap(), std::fs::read(&en_cli).unwrap());
    assert_ne!(std::fs::read(&en).unwrap(), std::fs::read(&path).unwrap());
}
