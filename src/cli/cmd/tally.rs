//! `kioski tally`: per-question results, printed once.

use clap::{Args, ValueEnum};
use jiff::tz::TimeZone;

use crate::cli::out::{noteln, outln};
use crate::cli::{CliError, Context, Exit, parse_date};
use crate::core::sanitize::escape;
use crate::core::survey::{Lang, Survey};
use crate::core::tally::{
    By, GroupedResult, GroupedTally, Grouping, Noun, Period, count_of, decimal, left_out_answers,
    tally_words,
};
use crate::core::version::VersionHash;
use crate::remote::exports::{ReportError, tally_survey};
use crate::store::ReadStore;
use crate::ui::events::Events;
use crate::ui::live::run::{self as live, LiveSetup};
use crate::ui::term::TerminalGuard;

mod csv;
mod grid;
mod markdown;
mod table;

/// Tally a survey's responses: counts and percentages per option, means,
/// top-2-box, NPS, yes shares, and the newest text answers.
///
/// Complete responses only, unless --include-partial; suspect responses
/// (quick repeats of the same answers on one terminal) are left out and
/// counted, unless --include-suspect. Responses to older versions count
/// where a question's id and type still match.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  kioski tally\n  kioski tally --survey palvelupiste --by group --format json\n  kioski tally --period month --since 2026-01-01\n  kioski tally --format markdown --by group --period year --lang sv\n  kioski tally --version 1\n  kioski tally --by terminal --terminal kirjasto-1 --terminal kirjasto-2",
    // The shared options come in one block; these two keep their place
    // after --version in the help, where they were before it was shared.
    mut_arg("include_partial", |a| a.display_order(ARGS_BEFORE_LIVE)),
    mut_arg("include_suspect", |a| a.display_order(ARGS_BEFORE_LIVE)),
)]
pub struct TallyArgs {
    /// The survey (default: the active one).
    #[arg(long, value_name = "ID")]
    pub survey: Option<String>,

    /// How to print the tally.
    #[arg(long, value_enum, default_value_t = Format::Table)]
    pub format: Format,

    #[command(flatten)]
    pub select: GroupingArgs,

    /// The language of labels and question texts (default: the survey's
    /// first language, or the one LC_ALL, LC_MESSAGES or LANG names when
    /// the survey has it). JSON keeps ids. With --live, the view's own
    /// words too (default there: the locale's, else English).
    #[arg(long, value_enum, value_name = "LANG")]
    pub lang: Option<crate::cli::cmd::kiosk::LangArg>,

    /// Tally an older version: its number as `kioski surveys` counts them
    /// (1 = the first loaded), or at least 6 hex digits of its hash
    /// (default: the newest). Answers to other versions count where they
    /// fit it, and the tally says what it left out.
    #[arg(long, value_name = "N|HASH", conflicts_with = "live")]
    pub version: Option<String>,

    /// A full-screen view that follows new responses as they arrive (also
    /// while a kiosk runs on the store). Keys: ←→ question, ↑↓ PgUp PgDn
    /// Home End scroll the rows, g group by, p period, t free texts, q quit.
    #[arg(long, conflicts_with = "format")]
    pub live: bool,
    /// The live view's colours (default: dark, which paints its own
    /// background; mono, no colours, when NO_COLOR is set).
    #[arg(long, value_enum, value_name = "THEME", requires = "live")]
    pub theme: Option<crate::cli::ThemeArg>,
}

/// The help's place of --live: --survey, --format, the seven shared
/// options, --lang and --version come before it (ties keep their order).
const ARGS_BEFORE_LIVE: usize = 11;

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
    let grouping = grouping(&args.select)?;
    if args.live {
        if args.select.from.is_some() {
            return Err(CliError::new(
                Exit::Usage,
                "--live follows this store; it cannot take --from.",
            )
            .with_hint("leave out --live for a printed tally of the database"));
        }
        return live(args, ctx, grouping);
    }
    let source = Source::open(ctx, "tally", args.select.from.as_deref())?;
    let store = source.read();
    let id = source.survey(ctx, args.survey.as_deref())?;
    let (hash, number, order) = chosen_version(store, &id, args.version.as_deref())?;
    let survey = store.survey_of(&hash)?;
    let lang = language(&survey, args.lang)?;
    let mut tally = GroupedTally::new(&survey, grouping).map_err(|e| {
        CliError::new(Exit::Usage, format!("{e}.")).with_hint("group by a choice or yesno question")
    })?;
    // The counts the store keeps ready; every response only when they
    // cannot make this tally (or KIOSKI_FULL_SCAN=1 asks, to compare).
    if std::env::var_os("KIOSKI_FULL_SCAN").is_some() || !store.tally_kept(&id, &mut tally)? {
        for response in store.responses(&id) {
            let response = response?;
            let of = store.survey_of(&response.version)?;
            tally.fold(&response, &of);
        }
    }
    let result = tally.results();
    notes(&survey, &args.select, &result);
    let place = |v: &str| order.iter().position(|h| h.to_string() == v);
    let left_out = left_out_answers(&result.total, |v| place(v) < Some(number - 1))
        .iter()
        .map(|l| format!("{}.", l.sentence_in(lang)))
        .collect();
    let page = Page {
        survey: &survey,
        lang,
        result: &result,
        range: range(&result, &survey, lang),
        left_out,
        version: (args.version.is_some()).then(|| {
            let of = tally_words(lang)
                .version_of
                .replace("{n}", &number.to_string())
                .replace("{m}", &order.len().to_string());
            format!("{of} ({})", hash.short())
        }),
    };
    let out = match args.format {
        Format::Json => {
            serde_json::to_string_pretty(&result).map_err(|e| CliError::invalid(format!("{e}.")))?
        }
        Format::Csv => csv::csv(&page).map_err(|e| CliError::invalid(format!("{e}.")))?,
        Format::Markdown => markdown::markdown(&page),
        Format::Table => table::table(&page),
    };
    outln!("{out}")
}

/// What every printed format shows: the tally and its words.
pub(crate) struct Page<'a> {
    /// The version the tally is of.
    pub survey: &'a Survey,
    pub lang: Lang,
    pub result: &'a GroupedResult,
    /// The dates the responses are of: `2026-01-05 – 2026-02-13`.
    pub range: String,
    /// What was left out and why, a sentence each.
    pub left_out: Vec<String>,
    /// With `--version`: which one, in words.
    pub version: Option<String>,
}

/// The version to tally (its hash, 1-based number) and every version of
/// the survey, oldest first.
fn chosen_version(
    store: &dyn ReadStore,
    id: &str,
    wanted: Option<&str>,
) -> Result<(VersionHash, usize, Vec<VersionHash>), CliError> {
    let entry = store.survey_entry(id)?.ok_or_else(|| {
        CliError::new(
            Exit::Usage,
            format!("no survey `{}` is stored.", escape(id)),
        )
    })?;
    let order: Vec<VersionHash> = entry.versions.iter().map(|v| v.hash).collect();
    let n = order.len();
    let usage = |message: String| {
        CliError::new(Exit::Usage, message).with_hint(format!(
            "`kioski surveys` lists the versions; give --version 1 to {n}, or 6 or more hex digits of a hash"
        ))
    };
    let Some(wanted) = wanted else {
        let newest = order
            .last()
            .copied()
            .ok_or_else(|| usage(format!("survey `{}` has no version.", escape(id))))?;
        return Ok((newest, n, order));
    };
    let k = pick_version(&order, id, wanted).map_err(usage)?;
    Ok((order[k - 1], k, order))
}

/// Which of `order` (oldest first) `--version wanted` names, 1-based:
/// a number shorter than 6 digits, or a prefix of at least 6 hex digits
/// that fits one hash. The error says why not, naming the candidates of
/// an ambiguous prefix.
fn pick_version(order: &[VersionHash], id: &str, wanted: &str) -> Result<usize, String> {
    let shown = escape(wanted);
    let n = order.len();
    if wanted.len() < 6 && !wanted.is_empty() && wanted.bytes().all(|b| b.is_ascii_digit()) {
        return match wanted.parse::<usize>() {
            Ok(k) if (1..=n).contains(&k) => Ok(k),
            _ => Err(format!(
                "survey `{}` has no version {shown}: it has {}.",
                escape(id),
                crate::core::sanitize::plural(n as u64, "version")
            )),
        };
    }
    if wanted.len() < 6 || !wanted.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(format!(
            "--version {shown} is neither a version number nor 6 or more hex digits of a version's hash."
        ));
    }
    let prefix = wanted.to_ascii_lowercase();
    let found: Vec<(usize, VersionHash)> = order
        .iter()
        .enumerate()
        .filter(|(_, h)| h.to_string().starts_with(&prefix))
        .map(|(i, h)| (i + 1, *h))
        .collect();
    match found.as_slice() {
        [(k, _)] => Ok(*k),
        [] => Err(format!(
            "survey `{}` has no version whose hash starts with {shown}.",
            escape(id)
        )),
        many => Err(format!(
            "--version {shown} fits {} versions: {}.",
            many.len(),
            many.iter()
                .map(|(k, h)| format!("{k} ({})", h.short()))
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// `--lang`, else the locale's language where the survey has it, else the
/// survey's first.
fn language(
    survey: &Survey,
    arg: Option<crate::cli::cmd::kiosk::LangArg>,
) -> Result<Lang, CliError> {
    if let Some(arg) = arg {
        let lang = Lang::from(arg);
        if !survey.languages.contains(&lang) {
            return Err(CliError::new(
                Exit::Usage,
                format!(
                    "survey `{}` has no texts in {}.",
                    escape(&survey.id),
                    lang.code()
                ),
            )
            .with_hint("leave out --lang, or add the language to the survey file"));
        }
        return Ok(lang);
    }
    let from_locale = crate::cli::locale_lang().filter(|l| survey.languages.contains(l));
    Ok(from_locale.unwrap_or_else(|| survey.default_lang()))
}

/// The dates the tally covers: from --since (else the first response) to
/// the day before --until (else the last response), local days; and the
/// terminals, when --terminal chose some.
fn range(r: &GroupedResult, survey: &Survey, lang: Lang) -> String {
    let dates = dates(r, lang);
    if r.terminals.is_empty() {
        return dates;
    }
    let names: Vec<String> = r
        .terminals
        .iter()
        .map(|t| crate::core::sanitize::strip(t, false))
        .collect();
    let word = crate::core::tally::by_text(survey, &By::Terminal, lang);
    format!("{dates}, {word}: {}", names.join(", "))
}

fn dates(r: &GroupedResult, lang: Lang) -> String {
    let w = tally_words(lang);
    let from = r.since_ms.or(r.total.first_submitted_ms).map(local_day);
    let to = r
        .until_ms
        .map(|u| u - 1)
        .or(r.total.last_submitted_ms)
        .map(local_day);
    match (from, to) {
        (Some(a), Some(b)) => format!("{a} – {b}"),
        (Some(a), None) => w.from.replace("{d}", &a),
        (None, Some(b)) => w.until.replace("{d}", &b),
        (None, None) => w.no_responses_yet.to_owned(),
    }
}

/// A Unix time in milliseconds as its local `YYYY-MM-DD`.
fn local_day(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| {
            t.to_zoned_datetime(TimeZone::system())
                .strftime("%Y-%m-%d")
                .to_string()
        })
        .unwrap_or_default()
}

/// The options that choose and split what a tally counts, flattened into
/// both `tally` and `report` so both mean the same by them. The help texts
/// are tally's; `report` words some of them its own way (`mut_arg`).
#[derive(Debug, Default, Args)]
pub struct GroupingArgs {
    /// Group by the answer to a choice or yesno question, or by
    /// `terminal`: the terminal each response was stored on (`@terminal`
    /// when the survey has a question named `terminal`).
    #[arg(long, value_name = "QUESTION")]
    pub by: Option<String>,

    /// Group by day, ISO week, month or year (local time).
    #[arg(long, value_name = "PERIOD", value_parser = ["day", "week", "month", "year"])]
    pub period: Option<String>,

    /// Only responses submitted on or after this day (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,

    /// Only responses submitted before this day (YYYY-MM-DD); it must be
    /// after --since.
    #[arg(long, value_name = "DATE")]
    pub until: Option<String>,

    /// Only responses stored on this terminal; repeat it, or give a
    /// comma list (a name with a comma in it matches whole too). A name
    /// no response came from is said in a note.
    #[arg(long, value_name = "NAME")]
    pub terminal: Vec<String>,

    /// Count partial responses (walked away) too.
    #[arg(long)]
    pub include_partial: bool,

    /// Count suspect responses too: quick repeats of the same answers on
    /// one terminal, flagged when stored (see `[kiosk] min_seconds`).
    #[arg(long)]
    pub include_suspect: bool,

    /// Count the responses every terminal synced to PostgreSQL at URL
    /// (postgresql://USER@HOST/DB; see `kioski sync`) instead of this
    /// store's. The password as for `kioski sync`.
    #[arg(long, value_name = "URL")]
    pub from: Option<String>,
}

/// Where a tally's responses come from: this store (or the kiosk that
/// owns it), or a PostgreSQL database terminals sync to. Both are a
/// [`ReadStore`], so the figures come from the same code.
pub enum Source {
    Store(crate::remote::Access),
    Postgres(Box<crate::sink::PgStore>),
}

impl Source {
    /// `--from URL`'s database, else the store, for `command`.
    pub fn open(ctx: &Context, command: &str, from: Option<&str>) -> Result<Source, CliError> {
        match from {
            Some(url) => Ok(Source::Postgres(Box::new(
                crate::cli::cmd::sync::open_database(url)?,
            ))),
            None => Ok(Source::Store(ctx.access(command)?)),
        }
    }

    pub fn read(&self) -> &dyn ReadStore {
        match self {
            Source::Store(access) => access.read(),
            Source::Postgres(pg) => pg.as_ref(),
        }
    }

    /// `id`, else the store's active survey; a database has none, so
    /// there it is the only survey, if it holds just one.
    pub fn survey(&self, ctx: &Context, id: Option<&str>) -> Result<String, CliError> {
        match (self, id) {
            (Source::Postgres(pg), None) => {
                let entries = pg.survey_entries()?;
                match entries.as_slice() {
                    [only] => Ok(only.id.clone()),
                    _ => Err(CliError::new(
                        Exit::Usage,
                        format!(
                            "the database holds {}; name one with --survey ID.",
                            crate::core::sanitize::plural(entries.len() as u64, "survey")
                        ),
                    )
                    .with_hint(format!(
                        "its surveys: {}",
                        entries
                            .iter()
                            .map(|e| e.id.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ))),
                }
            }
            _ => ctx.survey_or_active(self.read(), id),
        }
    }
}

/// Parses [`GroupingArgs`] into the core's [`Grouping`] (local time zone).
/// `--since` must come before `--until`.
pub fn grouping(args: &GroupingArgs) -> Result<Grouping, CliError> {
    let grouping = Grouping {
        by: args.by.as_deref().map(By::parse),
        terminals: args.terminal.clone(),
        period: args.period.as_deref().and_then(Period::from_name),
        time_zone: TimeZone::system(),
        since_ms: args.since.as_deref().map(parse_date).transpose()?,
        until_ms: args.until.as_deref().map(parse_date).transpose()?,
        include_partial: args.include_partial,
        include_suspect: args.include_suspect,
    };
    if let (Some(since), Some(until)) = (grouping.since_ms, grouping.until_ms)
        && since >= until
    {
        return Err(CliError::new(
            Exit::Usage,
            format!(
                "--since {} is not before --until {}: no response can be in between.",
                escape(args.since.as_deref().unwrap_or_default()),
                escape(args.until.as_deref().unwrap_or_default())
            ),
        )
        .with_hint("swap the two dates, or leave one out (--until is the first day left out)"));
    }
    Ok(grouping)
}

/// Says on standard error what the figures alone would not: a
/// `--terminal` name no response came from, and that `--by terminal`
/// meant the survey's question of that name.
pub fn notes(survey: &Survey, args: &GroupingArgs, result: &GroupedResult) {
    if args.by.as_deref() == Some(By::TERMINAL_WORD)
        && result.by.as_ref().and_then(By::question) == Some(By::TERMINAL_WORD)
    {
        noteln!(
            "--by terminal grouped by survey `{}`'s question `terminal`; --by {} groups by the terminals.",
            escape(&survey.id),
            By::Terminal.name()
        );
    }
    for name in &result.unknown_terminals {
        let known = &result.known_terminals;
        let what = match crate::core::suggest::closest(name, known.iter().map(String::as_str)) {
            Some(close) => format!(" Did you mean `{}`?", escape(close)),
            None if known.is_empty() => " It has no responses yet.".to_owned(),
            None => {
                let shown: Vec<String> = known
                    .iter()
                    .take(10)
                    .map(|k| format!("`{}`", escape(k)))
                    .collect();
                let more = known.len().saturating_sub(shown.len());
                let more = if more > 0 {
                    format!(" and {more} more")
                } else {
                    String::new()
                };
                format!(" Its terminals: {}{more}.", shown.join(", "))
            }
        };
        noteln!(
            "no response to survey `{}` came from terminal `{}`.{what}",
            escape(&survey.id),
            escape(name)
        );
    }
}

/// Tallies the survey `survey` (default: the active one) with `grouping`
/// for `command`: its newest version, and the figures.
pub fn tally(
    ctx: &Context,
    command: &str,
    survey: Option<&str>,
    grouping: Grouping,
    from: Option<&str>,
) -> Result<(crate::store::StoredVersion, GroupedResult), CliError> {
    let source = Source::open(ctx, command, from)?;
    let store = source.read();
    let id = source.survey(ctx, survey)?;
    tally_survey(store, &id, grouping).map_err(|e| match e {
        ReportError::Store(e) => e.into(),
        ReportError::Group(e) => CliError::new(Exit::Usage, format!("{e}."))
            .with_hint("group by a choice or yesno question"),
        e => CliError::invalid(format!("{e}.")),
    })
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
        full_scan: std::env::var_os("KIOSKI_FULL_SCAN").is_some(),
    };
    live::run(&mut guard, &events, &mut view, &setup).map_err(terminal_error)
}

/// A question's key figures: a stable name (the CSV's `figure`), the
/// value and how it is shown. Ranking's mean ranks are per option.
pub(crate) fn key_figures(
    q: &crate::core::tally::QuestionResult,
    lang: Lang,
) -> Vec<(&'static str, Option<f64>, String)> {
    use crate::core::tally::Detail;
    let num = |x: Option<f64>| x.map_or("-".to_owned(), |v| decimal(v, 2, lang));
    let pct = |x: Option<f64>| x.map_or("-".to_owned(), |v| format!("{:.0} %", v * 100.0));
    match &q.detail {
        Detail::Rating {
            mean, median, top2, ..
        } => {
            let mut out = vec![
                ("mean", *mean, num(*mean)),
                ("median", *median, num(*median)),
            ];
            if top2.is_some() {
                out.push(("top2", *top2, pct(*top2)));
            }
            out
        }
        Detail::Nps { nps, bands, .. } => vec![
            ("nps", *nps, nps.map_or("-".into(), |n| format!("{n:+.0}"))),
            (
                "promoters",
                Some(bands.promoters as f64),
                bands.promoters.to_string(),
            ),
            (
                "passives",
                Some(bands.passives as f64),
                bands.passives.to_string(),
            ),
            (
                "detractors",
                Some(bands.detractors as f64),
                bands.detractors.to_string(),
            ),
        ],
        Detail::YesNo { yes_share } => vec![("yes_share", *yes_share, pct(*yes_share))],
        Detail::Number {
            min,
            max,
            mean,
            median,
        } => {
            let int = |x: Option<i64>| x.map_or("-".to_owned(), |v| v.to_string());
            vec![
                ("min", min.map(|v| v as f64), int(*min)),
                ("mean", *mean, num(*mean)),
                ("median", *median, num(*median)),
                ("max", max.map(|v| v as f64), int(*max)),
            ]
        }
        _ => Vec::new(),
    }
}

/// A ranking option's mean rank, where it was ranked.
pub(crate) fn mean_rank(q: &crate::core::tally::QuestionResult, key: &str) -> Option<f64> {
    match &q.detail {
        crate::core::tally::Detail::Ranking { mean_rank, .. } => mean_rank
            .iter()
            .find(|(k, _)| k == key)
            .and_then(|(_, r)| *r),
        _ => None,
    }
}

/// The header's facts, in words: responses, what was left out, the rate.
pub(crate) fn counts_line(r: &crate::core::tally::TallyResult, lang: Lang) -> String {
    let w = tally_words(lang);
    let mut out = count_of(r.responses, Noun::Response, lang);
    if r.partial > 0 && !r.include_partial {
        let partial = count_of(r.partial, Noun::Partial, lang);
        let left_out = if r.partial == 1 {
            w.left_out_one
        } else {
            w.left_out
        };
        out.push_str(&format!(", {partial} {left_out}"));
    }
    if r.suspect > 0 {
        let one = r.suspect == 1;
        let what = match (r.include_suspect, one) {
            (true, true) => w.counted_one.to_owned(),
            (true, false) => w.counted.to_owned(),
            (false, true) => format!("{} {}", w.left_out_one, w.suspect_hint),
            (false, false) => format!("{} {}", w.left_out, w.suspect_hint),
        };
        let suspect = count_of(r.suspect, Noun::Suspect, lang);
        out.push_str(&format!(", {suspect} {what}"));
    }
    if r.simulated > 0 {
        out.push_str(&format!(
            ", {}",
            count_of(r.simulated, Noun::Simulated, lang)
        ));
    }
    if let (Some(rate), Some(pop)) = (r.response_rate, r.population) {
        out.push_str(&format!(
            ", {} {:.0} % {} {pop}",
            w.response_rate,
            rate * 100.0,
            w.of
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::pick_version;
    use crate::core::version::VersionHash;

    fn hash(first: [u8; 4]) -> VersionHash {
        let mut bytes = [0x11; 32];
        bytes[..4].copy_from_slice(&first);
        VersionHash(bytes)
    }

    #[test]
    fn a_version_by_number_or_by_a_hash_prefix() {
        let order = [
            hash([0xab, 0xcd, 0xef, 0x01]),
            hash([0xab, 0xcd, 0xef, 0x02]),
            hash([0x12, 0x34, 0x56, 0x78]),
        ];
        assert_eq!(pick_version(&order, "s", "1"), Ok(1));
        assert_eq!(pick_version(&order, "s", "3"), Ok(3));
        assert_eq!(pick_version(&order, "s", "123456"), Ok(3));
        assert_eq!(pick_version(&order, "s", "ABCDEF02"), Ok(2));
        let ambiguous = pick_version(&order, "s", "abcdef").unwrap_err();
        assert_eq!(
            ambiguous,
            "--version abcdef fits 2 versions: 1 (abcdef011111), 2 (abcdef021111)."
        );
        for bad in ["0", "4", "abc", "", "zzzzzz", "999999"] {
            assert!(pick_version(&order, "s", bad).is_err(), "{bad}");
        }
    }
}
