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
fn help_mentions_an_example() {
    for args in [vec!["--help"], vec!["validate", "--help"]] {
        let run = kioski(args).run();
        assert!(
            run.stdout.contains("Example"),
            "--help has no example:\n{run}"
        );
    }
}
