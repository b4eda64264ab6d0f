//! `kioski admin`: the admin's full-screen view.

use std::io::IsTerminal;
use std::path::Path;

use clap::Args;

use crate::cli::{CliError, Context, Exit};
use crate::ui::admin::run::{self as admin, AdminSetup};
use crate::ui::events::Events;
use crate::ui::term::TerminalGuard;

/// The admin view: after the admin PIN, list surveys, load and activate
/// survey files, export CSV, Excel CSV, JSON Lines, a codebook or a
/// bundle, import bundles (picked from `*.kioski` here), name
/// this terminal, and watch any survey's live tally.
///
/// Works while a kiosk runs on the store (through it) or on its own.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  kioski admin\n  kioski admin --lang sv")]
pub struct AdminArgs {
    /// Colours (default: dark, which paints its own background; mono, no
    /// colours, when NO_COLOR is set).
    #[arg(long, value_enum, value_name = "THEME")]
    pub theme: Option<crate::cli::ThemeArg>,
    /// The view's language, its words and the surveys' texts (default:
    /// from LC_ALL, LC_MESSAGES or LANG, else English).
    #[arg(long, value_enum, value_name = "LANG")]
    pub lang: Option<crate::cli::cmd::kiosk::LangArg>,
}

pub fn run(args: &AdminArgs, ctx: &Context) -> Result<(), CliError> {
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        return Err(
            CliError::new(Exit::Usage, "the admin view needs a terminal.")
                .with_hint("run it in a terminal window or over SSH with a TTY (ssh -t)"),
        );
    }
    // While this view owns the store, other commands go through it, and
    // a starting kiosk is handed the store (remote::View).
    let mut view = ctx.view("admin")?;
    let setup = AdminSetup {
        utc_offset_ms: ctx.utc_offset_ms(),
        theme: crate::cli::theme_from_env(args.theme),
        lang: crate::cli::view_lang(args.lang),
        survey_files: admin::survey_files(Path::new("surveys")),
        default_terminal: crate::cli::paths::host_name(),
    };
    let terminal_error =
        |e: std::io::Error| CliError::new(Exit::Usage, format!("the terminal failed: {e}."));
    let mut guard = TerminalGuard::enter().map_err(terminal_error)?;
    let events = Events::start().map_err(terminal_error)?;
    events.forward_store(view.access().watch()?);
    admin::run(&mut guard, &events, &mut view, &setup).map_err(terminal_error)
}
