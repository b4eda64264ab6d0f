//! What a command stores is checked where it enters: a terminal name
//! from `--terminal` that no response could carry is a usage error (exit
//! 2) and nothing is stored.

use kioski::core::response::MAX_TERMINAL_LEN;

use crate::support::kioski;

#[test]
fn an_over_long_terminal_name_is_a_usage_error_and_stores_nothing() {
    let long = "k".repeat(MAX_TERMINAL_LEN + 1);
    for args in [
        vec!["kiosk", "--terminal", &long],
        vec!["--terminal", &long],
        vec!["simulate", "--respondents", "1", "--terminal", &long],
        vec!["simulate", "--respondents", "1", "--terminal", ""],
    ] {
        let run = kioski(&args).run();
        run.expect_code(2).expect_store_untouched();
        assert!(
            run.stderr.contains("terminal name"),
            "the error does not say what is wrong:\n{run}"
        );
    }
}
