//! `kioski load FILE...`: validate survey files and store them as versions.

use std::io::Write;
use std::path::PathBuf;

use clap::Args;

use crate::cli::out::outln;
use crate::cli::survey_file::{self, SurveyFile};
use crate::cli::{CliError, Context, Exit};
use crate::core::sanitize::plural;

/// Validate survey files, then store each as a new version of its survey.
///
/// The version is a hash of the survey's content: loading unchanged content
/// again adds nothing (comments and layout do not count). The first survey
/// loaded into an empty store becomes the active one. When any file is
/// invalid, nothing is stored.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  kioski load surveys/palvelupiste.toml\n  kioski load --store /srv/kioski surveys/*.toml"
)]
pub struct LoadArgs {
    /// Survey files to load (`-` reads standard input).
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
}

pub fn run(args: &LoadArgs, ctx: &Context) -> Result<(), CliError> {
    let files: Vec<SurveyFile> = args.files.iter().map(|p| survey_file::read(p)).collect();
    let mut err = anstream::stderr().lock();
    let mut invalid = 0;
    for f in &files {
        if let Err(failure) = &f.outcome {
            invalid += 1;
            let _ = err.write_all(failure.text.as_bytes());
        }
    }
    if invalid > 0 {
        return Err(CliError::new(
            Exit::Invalid,
            format!(
                "{invalid} of {} invalid; nothing was loaded.",
                plural(files.len() as u64, "file")
            ),
        )
        .with_hint("fix the problems above, then load again"));
    }
    let store = ctx.access("load")?;
    // Every file is loaded even when the reader of the output has gone.
    let mut told = Ok(());
    for f in &files {
        let Ok((survey, source)) = &f.outcome else {
            continue;
        };
        let loaded = store.load(survey, source, ctx.now_ms)?;
        let what = if loaded.added {
            "loaded as"
        } else {
            "unchanged:"
        };
        let active = if loaded.activated { ", now active" } else { "" };
        let line = outln!(
            "{}: {what} `{}` version {} ({}){active}",
            f.name,
            survey.id,
            loaded.number,
            loaded.hash.short()
        );
        told = told.and(line);
        if loaded.added && loaded.number > 1 {
            warn_left_out(&store, survey, loaded.number)?;
        }
    }
    told
}

/// Says, in `tally`'s words, which answers to older versions a tally of
/// the version just loaded leaves out (partial and suspect ones too).
fn warn_left_out(
    access: &crate::remote::Access,
    survey: &crate::core::survey::Survey,
    number: usize,
) -> Result<(), CliError> {
    use crate::cli::out::noteln;
    use crate::core::tally::{Tally, left_out_answers};
    let store = access.read();
    let mut tally = Tally::with_partial(survey, true).including_suspect(true);
    for response in store.responses(&survey.id) {
        let response = response?;
        let of = store.survey_of(&response.version)?;
        tally.fold(&response, &of);
    }
    let left_out = left_out_answers(&tally.results(), |_| true);
    for l in &left_out {
        noteln!(
            "warning: tallies of `{}` version {number}: {}.",
            survey.id,
            l.sentence()
        );
    }
    if !left_out.is_empty() {
        noteln!(
            "  hint: `kioski tally --survey {} --version {}` tallies the version before with them",
            survey.id,
            number - 1
        );
    }
    Ok(())
}
