//! `kioski tally`: per-question results, printed once.

use std::fmt::Write as _;

use clap::{Args, ValueEnum};
use jiff::tz::TimeZone;

use crate::cli::out::outln;
use crate::cli::{CliError, Context, Exit, local_time, parse_date};
use crate::core::sanitize::{plural, strip, truncate_to_width};
use crate::core::survey::Survey;
use crate::core::tally::{GroupedTally, Grouping, Period, QuestionResult, TallyResult};
use crate::ui::events::Events;
use crate::ui::figures::{option_label, summary};
use crate::ui::live::run::{self as live, LiveSetup};
use crate::ui::term::TerminalGuard;

/// Tally a survey's responses: counts and percentages per option, means,
/// top-2-box, NPS, yes shares, and the newest text answers.
///
/// Complete responses only, unless --include-partial; suspect responses
/// (quick repeats of the same answers on one terminal) are left out and
/// counted, unless --include-suspect. Responses to older versions count
/// where a question's id and type still match.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  kioski tally\n  kioski tally --survey palvelupiste --by group --format json\n  kioski tally --period month --since 2026-01-01"
)]
pub struct TallyArgs {
    /// The survey (default: the active one).
    #[arg(long, value_name = "ID")]
    pub survey: Option<String>,

    /// How to print the tally.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,

    /// Group by the answer to a choice or yesno question.
    #[arg(long, value_name = "QUESTION")]
    pub by: Option<String>,

    /// Group by day, ISO week, month or year (local time).
    #[arg(long, value_name = "PERIOD", value_parser = ["day", "week", "month", "year"])]
    pub period: Option<String>,

    /// Only responses submitted on or after this day (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,

    /// Only responses submitted before this day (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    pub until: Option<String>,

    /// Count partial responses (walked away) too.
    #[arg(long)]
    pub include_partial: bool,

    /// Count suspect responses too: quick repeats of the same answers on
    /// one terminal, flagged when stored (see `[kiosk] min_seconds`).
    #[arg(long)]
    pub include_suspect: bool,

    /// A full-screen view that follows new responses as they arrive (also
    /// while a kiosk runs on the store). Keys: ←→ question, ↑↓ PgUp PgDn
    /// Home End scroll the rows, g group by, p period, t free texts, q quit.
    #[arg(long, conflicts_with = "format")]
    pub live: bool,
    /// The live view's colours (default: dark, which paints its own
    /// background; mono, no colours, when NO_COLOR is set).
    #[arg(long, value_enum, value_name = "THEME", requires = "live")]
    pub theme: Option<crate::cli::ThemeArg>,
    /// The live view's language, its words and the survey's texts
    /// (default: from LC_ALL, LC_MESSAGES or LANG, else English).
    #[arg(long, value_enum, value_name = "LANG", requires = "live")]
    pub lang: Option<crate::cli::cmd::kiosk::LangArg>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Aligned text with bars.
    Table,
    /// The contract's JSON shape, for scripts.
    Json,
    /// Long format: one row per question, group, period and option.
    Csv,
    /// A report to paste: a heading and a table per question.
    Markdown,
}

pub fn run(args: &TallyArgs, ctx: &Context) -> Result<(), CliError> {
    let grouping = Grouping {
        by: args.by.clone(),
        period: args.period.as_deref().and_then(Period::from_name),
        time_zone: TimeZone::system(),
        since_ms: args.since.as_deref().map(parse_date).transpose()?,
        until_ms: args.until.as_deref().map(parse_date).transpose()?,
        include_partial: args.include_partial,
        include_suspect: args.include_suspect,
    };
    if args.live {
        return live(args, ctx, grouping);
    }
    let access = ctx.access("tally")?;
    let store = access.read();
    let id = ctx.survey_or_active(store, args.survey.as_deref())?;
    let latest = store.latest(&id)?;
    let mut tally = GroupedTally::new(&latest.survey, grouping).map_err(|e| {
        CliError::new(Exit::Usage, format!("{e}.")).with_hint("group by a choice or yesno question")
    })?;
    for response in store.responses(&id) {
        let response = response?;
        let survey = store.survey_of(&response.version)?;
        tally.fold(&response, &survey);
    }
    let result = tally.results();
    let out = match args.format {
        Format::Json => {
            serde_json::to_string_pretty(&result).map_err(|e| CliError::invalid(format!("{e}.")))?
        }
        Format::Csv => csv(&result).map_err(|e| CliError::invalid(format!("{e}.")))?,
        Format::Markdown => {
            let mut text = markdown(&result.total, &latest.survey, None);
            for cell in &result.cells {
                let name: Vec<&str> = [cell.group.as_deref(), cell.period.as_deref()]
                    .into_iter()
                    .flatten()
                    .collect();
                text.push_str(&markdown(
                    &cell.result,
                    &latest.survey,
                    Some(&name.join(" · ")),
                ));
            }
            text
        }
        Format::Table => {
            let mut text = table(&result.total, &latest.survey, "all responses");
            for cell in &result.cells {
                let name: Vec<&str> = [cell.group.as_deref(), cell.period.as_deref()]
                    .into_iter()
                    .flatten()
                    .collect();
                text.push('\n');
                text.push_str(&table(&cell.result, &latest.survey, &name.join(" · ")));
            }
            text
        }
    };
    outln!("{out}")
}

/// `--live`: the clerk's full-screen view.
fn live(args: &TallyArgs, ctx: &Context, grouping: Grouping) -> Result<(), CliError> {
    use std::io::IsTerminal;
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        return Err(
            CliError::new(Exit::Usage, "the live view needs a terminal.")
                .with_hint("run it in a terminal window, or leave out --live for a printed tally"),
        );
    }
    // While this view owns the store, other commands go through it, and
    // a starting kiosk is handed the store (remote::View).
    let mut view = ctx.view("tally --live")?;
    let id = ctx.survey_or_active(view.access().read(), args.survey.as_deref())?;
    let latest = view.access().read().latest(&id)?;
    GroupedTally::new(&latest.survey, grouping.clone()).map_err(|e| {
        CliError::new(Exit::Usage, format!("{e}.")).with_hint("group by a choice or yesno question")
    })?;
    let terminal_error =
        |e: std::io::Error| CliError::new(Exit::Usage, format!("the terminal failed: {e}."));
    let mut guard = TerminalGuard::enter().map_err(terminal_error)?;
    let events = Events::start().map_err(terminal_error)?;
    events.forward_store(view.access().watch()?);
    let setup = LiveSetup {
        survey: id,
        grouping,
        utc_offset_ms: ctx.utc_offset_ms(),
        theme: crate::cli::theme_from_env(args.theme),
        lang: crate::cli::view_lang(args.lang),
    };
    live::run(&mut guard, &events, &mut view, &setup).map_err(terminal_error)
}

/// One tally as aligned text with bars.
fn table(r: &TallyResult, survey: &Survey, heading: &str) -> String {
    let lang = survey.default_lang();
    let mut out = String::new();
    let _ = write!(
        out,
        "{} ({heading}): {}",
        strip(survey.title.get(lang), false),
        plural(r.responses, "response")
    );
    if r.partial > 0 && !r.include_partial {
        let _ = write!(out, ", {} partial left out", r.partial);
    }
    for flagged in flagged(r, true) {
        let _ = write!(out, ", {flagged}");
    }
    if let (Some(rate), Some(pop)) = (r.response_rate, r.population) {
        let _ = write!(out, ", response rate {:.0} % of {pop}", rate * 100.0);
    }
    if let (Some(a), Some(b)) = (r.first_submitted_ms, r.last_submitted_ms) {
        let _ = write!(out, "\n  {} – {}", local_time(a), local_time(b));
    }
    out.push('\n');
    for q in &r.questions {
        out.push('\n');
        question(&mut out, q, survey);
    }
    out
}

fn question(out: &mut String, q: &QuestionResult, survey: &Survey) {
    let lang = survey.default_lang();
    let text = survey
        .question(&q.id)
        .map_or_else(String::new, |s| strip(s.text.get(lang), false));
    let _ = writeln!(
        out,
        "{} · {} · n={}",
        q.id,
        truncate_to_width(&text, 60),
        q.answered
    );
    let summary = summary(q);
    if !summary.is_empty() {
        let _ = writeln!(out, "  {summary}");
    }
    for ((key, count), (_, pct)) in q.counts.iter().zip(&q.percent) {
        let bar = "█".repeat((pct / 100.0 * 30.0).round() as usize);
        let _ = writeln!(
            out,
            "  {:<28} {:>6} {:>6.1} % {bar}",
            truncate_to_width(&option_label(survey, &q.id, key), 28),
            count,
            pct
        );
    }
    let texts = q.detail.texts();
    for t in texts.iter().take(5) {
        let _ = writeln!(out, "  “{}”", truncate_to_width(&strip(&t.text, false), 70));
    }
    if texts.len() > 5 {
        let _ = writeln!(out, "  … {} more (kioski export for all)", texts.len() - 5);
    }
}

/// What a tally says about its flagged responses, when it has any:
/// suspect ones left out (or counted, with --include-suspect), and how
/// many of those counted are simulated.
/// With `hint`, how to count the left-out ones.
fn flagged(r: &TallyResult, hint: bool) -> Vec<String> {
    let mut out = Vec::new();
    if r.suspect > 0 {
        let what = match (r.include_suspect, hint) {
            (true, _) => "counted",
            (false, true) => "left out (--include-suspect counts them)",
            (false, false) => "left out",
        };
        out.push(format!("{} suspect {what}", r.suspect));
    }
    if r.simulated > 0 {
        out.push(format!("{} simulated", r.simulated));
    }
    out
}

/// The long CSV: survey, group, period, question, type, option, count,
/// percent, answered. The total has an empty group and period. A tally
/// with flagged responses ends each part with rows of type
/// `suspect_left_out` (or `suspect_counted`) and `simulated`, their count
/// in `count`.
fn csv(result: &crate::core::tally::GroupedResult) -> Result<String, csv::Error> {
    use crate::store::export::neutralise;
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    w.write_record([
        "survey", "group", "period", "question", "type", "option", "count", "percent", "answered",
    ])?;
    let cells = std::iter::once((None, None, &result.total)).chain(
        result
            .cells
            .iter()
            .map(|c| (c.group.as_deref(), c.period.as_deref(), &c.result)),
    );
    for (group, period, r) in cells {
        for q in &r.questions {
            for (key, count) in &q.counts {
                let percent = q
                    .percent_of(key)
                    .map_or(String::new(), |p| format!("{p:.1}"));
                w.write_record([
                    neutralise(&r.survey),
                    neutralise(group.unwrap_or("")),
                    neutralise(period.unwrap_or("")),
                    neutralise(&q.id),
                    q.type_name().to_owned(),
                    neutralise(key),
                    count.to_string(),
                    percent,
                    q.answered.to_string(),
                ])?;
            }
        }
        let suspect = if r.include_suspect {
            "suspect_counted"
        } else {
            "suspect_left_out"
        };
        for (kind, count) in [(suspect, r.suspect), ("simulated", r.simulated)] {
            if count > 0 {
                w.write_record([
                    neutralise(&r.survey),
                    neutralise(group.unwrap_or("")),
                    neutralise(period.unwrap_or("")),
                    String::new(),
                    kind.to_owned(),
                    String::new(),
                    count.to_string(),
                    String::new(),
                    String::new(),
                ])?;
            }
        }
    }
    let bytes = w
        .into_inner()
        .map_err(|e| csv::Error::from(e.into_error()))?;
    Ok(String::from_utf8_lossy(&bytes).trim_end().to_owned())
}

/// A Markdown report: title and counts, then per question its key figures,
/// a table of options and the newest text answers.
fn markdown(r: &TallyResult, survey: &Survey, heading: Option<&str>) -> String {
    let lang = survey.default_lang();
    // Text from respondents and files: no control characters, no table breaks.
    let md = |s: &str| strip(s, false).replace('|', "\\|");
    let mut out = String::new();
    match heading {
        None => {
            let _ = writeln!(out, "# {}\n", md(survey.title.get(lang)));
        }
        Some(h) => {
            let _ = writeln!(out, "\n---\n\n## {}\n", md(h));
        }
    }
    let _ = write!(out, "{}", plural(r.responses, "response"));
    if r.partial > 0 && !r.include_partial {
        let _ = write!(out, " ({} partial left out)", r.partial);
    }
    for flagged in flagged(r, false) {
        let _ = write!(out, " ({flagged})");
    }
    if let (Some(rate), Some(pop)) = (r.response_rate, r.population) {
        let _ = write!(out, ", response rate {:.0} % of {pop}", rate * 100.0);
    }
    if let (Some(a), Some(b)) = (r.first_submitted_ms, r.last_submitted_ms) {
        let _ = write!(out, ", {} – {}", local_time(a), local_time(b));
    }
    out.push_str(".\n");
    for q in &r.questions {
        let question = survey.question(&q.id);
        let text = question.map_or_else(String::new, |s| md(s.text.get(lang)));
        let figures = summary(q);
        let sep = if figures.is_empty() { "" } else { " " };
        let _ = writeln!(
            out,
            "\n### {text}\n\n`{}`, n = {}.{sep}{figures}",
            q.id, q.answered
        );
        if !q.counts.is_empty() {
            out.push_str("\n| answer | count | % |\n|---|---:|---:|\n");
            for (key, count) in &q.counts {
                let label = md(&option_label(survey, &q.id, key));
                let pct = q
                    .percent_of(key)
                    .map_or(String::new(), |p| format!("{p:.1} %"));
                let _ = writeln!(out, "| {label} | {count} | {pct} |");
            }
        }
        let texts = q.detail.texts();
        if !texts.is_empty() {
            out.push('\n');
        }
        for t in texts.iter().take(10) {
            let _ = writeln!(out, "- {}", md(&t.text));
        }
        if texts.len() > 10 {
            let _ = writeln!(out, "- … and {} more", texts.len() - 10);
        }
    }
    out
}
