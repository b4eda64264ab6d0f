//! Every `--help` as the user sees it.

use crate::support::kioski;

#[test]
fn kioski_help() {
    let run = kioski(["--help"]).run();
    run.expect_code(0).expect_store_untouched();
    insta::assert_snapshot!(run.to_string());
}

#[test]
fn validate_help() {
    let run = kioski(["validate", "--help"]).run();
    run.expect_code(0).expect_store_untouched();
    insta::assert_snapshot!(run.to_string());
}

#[test]
fn delete_help() {
    let run = kioski(["delete", "--help"]).run();
    run.expect_code(0).expect_store_untouched();
    insta::assert_snapshot!(run.to_string());
}

#[test]
fn help_mentions_an_example() {
    for args in [vec!["--help"], vec!["validate", "--help"]] {
        let run = kioski(args).run();
        assert!(
            run.stdout.contains("Example"),
            "--help has no example:\n{run}"
        );
    }
}

/// The names listed under `Commands:` in a help text (without `help`).
fn subcommands(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|l| *l != "Commands:")
        .skip(1)
        .take_while(|l| !l.is_empty())
        .filter(|l| l.starts_with("  ") && !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_owned)
        .collect()
}

/// Every argument line of a short help (`-h`) that has no description:
/// just the name, or only `[default: …]` and `[possible values: …]`.
fn undescribed(help: &str) -> Vec<String> {
    let mut missing = Vec::new();
    let mut in_args = false;
    for line in help.lines() {
        if line.ends_with(':') && !line.starts_with(' ') {
            in_args = line == "Arguments:" || line == "Options:";
            continue;
        }
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        if !in_args
            || !(2..=6).contains(&indent)
            || !(trimmed.starts_with('-') || trimmed.starts_with('<'))
        {
            continue;
        }
        // The name ends at the first run of two spaces.
        let description = trimmed.split_once("  ").map_or("", |(_, d)| d.trim());
        if description.is_empty() || description.starts_with('[') {
            missing.push(line.to_owned());
        }
    }
    missing
}

/// Every argument of every command says what it is for.
#[test]
fn every_argument_of_every_command_has_a_description() {
    let mut todo = vec![Vec::<String>::new()];
    let mut seen = 0;
    let mut missing = Vec::new();
    while let Some(path) = todo.pop() {
        let mut args = path.clone();
        args.push("-h".into());
        let run = kioski(args).run();
        run.expect_code(0);
        for line in undescribed(&run.stdout) {
            missing.push(format!("kioski {}: {line}", path.join(" ")));
        }
        for sub in subcommands(&run.stdout) {
            let mut next = path.clone();
            next.push(sub);
            todo.push(next);
        }
        seen += 1;
    }
    assert!(seen >= 15, "only {seen} commands found");
    assert!(
        missing.is_empty(),
        "no description:\n{}",
        missing.join("\n")
    );
}

/// `--idle-timeout` says its range, and the parser holds to it.
#[test]
fn the_idle_timeout_says_and_enforces_its_range() {
    for args in [vec!["--help"], vec!["kiosk", "--help"]] {
        let run = kioski(args).run();
        assert!(run.stdout.contains("10 to 3600"), "{run}");
    }
    for bad in ["9", "3601"] {
        let run = kioski(["kiosk", "--idle-timeout", bad]).run();
        run.expect_code(2).expect_store_untouched();
        assert!(run.stderr.contains("10..=3600"), "{run}");
    }
}

/// Whether `text` counts one of something in the plural ("1 responses",
/// "1 new survey versions"), word by word.
fn one_in_the_plural(text: &str) -> Option<String> {
    let words: Vec<&str> = text.split_whitespace().collect();
    for (i, w) in words.iter().enumerate() {
        if *w != "1" {
            continue;
        }
        // The noun may come after an adjective ("1 new response").
        for noun in words.iter().skip(i + 1).take(3) {
            let noun = noun.trim_end_matches(['.', ',', ':', ';', ')']);
            for plural in [
                "responses",
                "files",
                "versions",
                "questions",
                "answers",
                "options",
            ] {
                if noun == plural {
                    return Some(
                        words[i..]
                            .iter()
                            .take(5)
                            .copied()
                            .collect::<Vec<_>>()
                            .join(" "),
                    );
                }
            }
        }
    }
    None
}

/// One of a thing is said in the singular, in every command's messages.
#[test]
fn messages_count_one_in_the_singular() {
    let store = crate::support::TempDir::new("one");
    let mut said = String::new();
    let mut step = |args: Vec<String>, code: i32| {
        let run = kioski(args).store(store.path()).run();
        run.expect_code(code);
        said.push_str(&format!("{run}\n"));
    };
    let s = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    let out = store.path().join("out.csv");
    let bundle = store.path().join("one.kioski");
    let bad = store.write("bad.toml", "id = \n");
    step(s(&["load", "surveys/palvelupiste.toml"]), 0);
    step(s(&["simulate", "--respondents", "1", "--seed", "3"]), 0);
    step(s(&["export", "--out", &out.to_string_lossy()]), 0);
    step(s(&["tally"]), 0);
    step(s(&["tally", "--format", "markdown"]), 0);
    step(s(&["surveys"]), 0);
    step(
        s(&["bundle", "export", "--out", &bundle.to_string_lossy()]),
        0,
    );
    step(s(&["validate", &bad.to_string_lossy()]), 1);
    step(s(&["load", &bad.to_string_lossy()]), 1);
    let other = crate::support::TempDir::new("one-import");
    let run = kioski(["bundle", "import", &bundle.to_string_lossy()])
        .store(other.path())
        .run();
    run.expect_code(0);
    said.push_str(&run.to_string());
    assert_eq!(one_in_the_plural(&said), None, "{said}");
}
