//! Responses as rows, and a survey as a codebook: pure, so `kioski
//! export`, the admin view and the report build the same table from the
//! same survey versions and responses (the caller reads them, passes the
//! time zone in, and writes the rows out).
//!
//! Columns: `id, survey, version, terminal, language, started, submitted,
//! complete` (then `simulated, suspect` when any response to the survey
//! has a flag set), then per question: choice `q` (+ `q.other`), multi one
//! 0/1 column per option `q.OPTION` (+ `q.other`), ranking `q.1` … `q.PICK`,
//! text and numbers `q`, yesno `q` as 1/0. Questions come in the order of
//! the newest version; questions only older versions had follow.
//!
//! With labels, the cells that hold an option id (choice and ranking) hold
//! the option's label in the chosen language instead; headers, numbers and
//! the 0/1 of multi and yesno stay, so a sheet made with labels lines up
//! with one made without. JSON Lines takes the same cells: its keys stay
//! the column ids and a choice's value is the label text.

use std::collections::BTreeMap;

use jiff::Timestamp;
use jiff::tz::TimeZone;

use super::answer::{Answer, Picked};
use super::response::Response;
use super::survey::{Label, Lang, OTHER_OPTION, QuestionKind, Survey};
use super::version::VersionHash;

/// How responses are written out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Csv,
    /// `;`-separated, UTF-8 BOM, local times without offset, decimal comma.
    ExcelCsv,
    Jsonl,
}

/// How a table is built: the caller decides the zone and the language.
#[derive(Clone, Debug)]
pub struct Options {
    pub format: Format,
    /// The zone the times are written in (the command line passes the
    /// system's).
    pub time_zone: TimeZone,
    pub labels: Labels,
}

/// What the cells of choice and ranking columns hold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Labels {
    /// The option ids (what release 0.1 wrote).
    Ids,
    /// The labels in the survey's first language.
    Default,
    /// The labels in this language.
    In(Lang),
}

impl Options {
    /// Ids, in `time_zone`.
    pub fn ids(format: Format, time_zone: TimeZone) -> Options {
        Options {
            format,
            time_zone,
            labels: Labels::Ids,
        }
    }
}

/// One cell of the table.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    Empty,
    Int(i64),
    Bool(bool),
    /// Text from people or files: neutralised against formula injection in CSV.
    Text(String),
}

impl Cell {
    /// The cell as CSV text; text goes through [`neutralise`].
    pub fn csv(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Int(n) => n.to_string(),
            Cell::Bool(b) => if *b { "1" } else { "0" }.to_owned(),
            Cell::Text(t) => neutralise(t),
        }
    }
}

/// What a column shows of a response.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Column {
    Choice(String),
    ChoiceOther(String),
    MultiOption(String, String),
    MultiOther(String),
    Rank(String, usize),
    Value(String),
}

impl Column {
    fn header(&self) -> String {
        match self {
            Column::Choice(q) | Column::Value(q) => q.clone(),
            Column::ChoiceOther(q) | Column::MultiOther(q) => format!("{q}.{OTHER_OPTION}"),
            Column::MultiOption(q, o) => format!("{q}.{o}"),
            Column::Rank(q, n) => format!("{q}.{n}"),
        }
    }
}

/// The word for the free-text "other" option, which a survey file does
/// not label (the kiosk shows "Muu, mikä?" and its kin).
pub fn other_label(lang: Lang) -> &'static str {
    match lang {
        Lang::Fi => "Muu",
        Lang::Sv => "Annat",
        Lang::En => "Other",
    }
}

/// The fixed columns, in order.
const FIXED: [&str; 8] = [
    "id",
    "survey",
    "version",
    "terminal",
    "language",
    "started",
    "submitted",
    "complete",
];

/// After `complete` when any response to the survey is flagged.
const FLAGS: [&str; 2] = ["simulated", "suspect"];

/// A survey's language is not one the labels were asked in.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "survey `{survey}` has no texts in {lang} (it has {})",
    has.iter().map(|l| l.code()).collect::<Vec<_>>().join(", ")
)]
pub struct NoSuchLanguage {
    pub survey: String,
    pub lang: Lang,
    pub has: Vec<Lang>,
}

/// The columns of one survey's export, ready to turn responses into rows.
#[derive(Clone, Debug)]
pub struct Table {
    columns: Vec<Column>,
    flags: bool,
    options: Options,
    /// The language of the labels, when labels were asked for.
    lang: Option<Lang>,
    /// question -> option -> label, the newest version's first.
    labels: BTreeMap<String, BTreeMap<String, Label>>,
}

impl Table {
    /// The table of a survey's `versions`, newest first; `flags` when any
    /// of its responses is flagged (simulated or suspect), so an export
    /// without flags is what it always was.
    pub fn new<'a>(
        versions: impl IntoIterator<Item = &'a Survey>,
        flags: bool,
        options: Options,
    ) -> Result<Table, NoSuchLanguage> {
        let mut columns = Vec::new();
        let mut labels = BTreeMap::new();
        let mut newest: Option<&Survey> = None;
        for survey in versions {
            newest.get_or_insert(survey);
            columns_of(survey, &mut columns);
            for q in &survey.questions {
                for o in q.kind.options() {
                    labels
                        .entry(q.id.clone())
                        .or_insert_with(BTreeMap::new)
                        .entry(o.id.clone())
                        .or_insert_with(|| o.label.clone());
                }
            }
        }
        let lang = match (options.labels, newest) {
            (Labels::Ids, _) => None,
            (Labels::In(lang), Some(s)) if !s.languages.contains(&lang) => {
                return Err(NoSuchLanguage {
                    survey: s.id.clone(),
                    lang,
                    has: s.languages.clone(),
                });
            }
            (Labels::In(lang), _) => Some(lang),
            (Labels::Default, s) => Some(s.map_or(Lang::Fi, Survey::default_lang)),
        };
        Ok(Table {
            columns,
            flags,
            options,
            lang,
            labels,
        })
    }

    pub fn format(&self) -> Format {
        self.options.format
    }

    pub fn headers(&self) -> Vec<String> {
        FIXED
            .iter()
            .chain(FLAGS.iter().filter(|_| self.flags))
            .map(|s| (*s).to_owned())
            .chain(self.columns.iter().map(Column::header))
            .collect()
    }

    /// One response as a row, in the order of [`Table::headers`].
    pub fn row(&self, r: &Response) -> Vec<Cell> {
        let fixed = [
            Cell::Text(r.id.to_string()),
            Cell::Text(r.survey.clone()),
            Cell::Text(r.version.short()),
            Cell::Text(r.terminal.clone()),
            Cell::Text(r.lang.code().into()),
            Cell::Text(self.time(r.started_ms)),
            Cell::Text(self.time(r.submitted_ms)),
            Cell::Bool(r.complete),
        ];
        let flagged = [Cell::Bool(r.simulated), Cell::Bool(r.suspect)];
        fixed
            .into_iter()
            .chain(flagged.into_iter().filter(|_| self.flags))
            .chain(self.columns.iter().map(|c| self.cell(c, r)))
            .collect()
    }

    /// A time in the table's zone: with its offset, or (Excel) the local
    /// wall time alone.
    fn time(&self, ms: i64) -> String {
        let Ok(t) = Timestamp::from_millisecond(ms) else {
            return String::new();
        };
        let zoned = t.to_zoned_datetime(self.options.time_zone.clone());
        match self.options.format {
            Format::ExcelCsv => zoned.strftime("%Y-%m-%d %H:%M:%S").to_string(),
            _ => zoned.strftime("%Y-%m-%dT%H:%M:%S%:z").to_string(),
        }
    }

    /// An option as the table shows it: its id, or its label.
    fn option(&self, q: &str, id: &str) -> Cell {
        Cell::Text(self.option_text(q, id).to_owned())
    }

    fn option_text<'a>(&'a self, q: &str, id: &'a str) -> &'a str {
        match self.lang {
            None => id,
            Some(lang) => match self.labels.get(q).and_then(|options| options.get(id)) {
                Some(label) => label.get(lang),
                None if id == OTHER_OPTION => other_label(lang),
                None => id,
            },
        }
    }

    fn cell(&self, column: &Column, r: &Response) -> Cell {
        let answer = |q: &str| r.answers.get(q);
        match column {
            Column::Choice(q) => match answer(q) {
                Some(Answer::Choice(Picked::Option(id))) => self.option(q, id),
                Some(Answer::Choice(Picked::Other(_))) => self.option(q, OTHER_OPTION),
                _ => Cell::Empty,
            },
            Column::ChoiceOther(q) => match answer(q) {
                Some(Answer::Choice(Picked::Other(text))) => Cell::Text(text.clone()),
                _ => Cell::Empty,
            },
            Column::MultiOption(q, o) => match answer(q) {
                Some(Answer::Multi { options, .. }) => Cell::Bool(options.contains(o)),
                _ => Cell::Empty,
            },
            Column::MultiOther(q) => match answer(q) {
                Some(Answer::Multi {
                    other: Some(text), ..
                }) => Cell::Text(text.clone()),
                _ => Cell::Empty,
            },
            Column::Rank(q, n) => match answer(q) {
                Some(Answer::Ranking(order)) => order
                    .get(n - 1)
                    .map_or(Cell::Empty, |id| self.option(q, id)),
                _ => Cell::Empty,
            },
            Column::Value(q) => match answer(q) {
                Some(Answer::Rating(v) | Answer::Nps(v)) => Cell::Int(i64::from(*v)),
                Some(Answer::Number(v)) => Cell::Int(*v),
                Some(Answer::YesNo(b)) => Cell::Bool(*b),
                Some(Answer::Text(t)) => Cell::Text(t.clone()),
                _ => Cell::Empty,
            },
        }
    }
}

/// What a cell of a [`Row`] holds, so a writer can spell it (JSON's
/// `null`, a number, `true`, a string).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Empty,
    Int,
    /// Written `1` or `0`.
    Bool,
    Text,
}

/// One response's cells in one buffer that is kept from row to row: what
/// [`Table::fill`] writes, so a long export makes no `String` per cell.
/// In a CSV table a text cell is already as [`Cell::csv`] writes it.
#[derive(Debug, Default)]
pub struct Row {
    text: String,
    /// Each cell's kind and where its text ends.
    ends: Vec<(Kind, usize)>,
    /// The last response's version and its short hash: a survey's
    /// responses share a few versions.
    version: Option<(VersionHash, String)>,
}

impl Row {
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// Cell `i` (in the order of [`Table::headers`]).
    pub fn get(&self, i: usize) -> Option<(Kind, &str)> {
        let &(kind, end) = self.ends.get(i)?;
        let start = i.checked_sub(1).map_or(0, |p| self.ends[p].1);
        Some((kind, &self.text[start..end]))
    }

    /// The cells' texts, in order.
    pub fn texts(&self) -> impl Iterator<Item = &str> + '_ {
        (0..self.len()).filter_map(|i| self.get(i).map(|(_, t)| t))
    }

    /// A row of `cells` as they are (no neutralising): for a writer's tests.
    pub fn of(cells: &[Cell]) -> Row {
        let mut row = Row::default();
        for cell in cells {
            match cell {
                Cell::Empty => row.end(Kind::Empty),
                Cell::Int(n) => row.int(*n),
                Cell::Bool(b) => row.bool(*b),
                Cell::Text(t) => {
                    row.text.push_str(t);
                    row.end(Kind::Text);
                }
            }
        }
        row
    }

    fn end(&mut self, kind: Kind) {
        self.ends.push((kind, self.text.len()));
    }

    fn int(&mut self, n: i64) {
        self.text.push_str(itoa::Buffer::new().format(n));
        self.end(Kind::Int);
    }

    fn bool(&mut self, b: bool) {
        self.text.push(if b { '1' } else { '0' });
        self.end(Kind::Bool);
    }

    /// Two digits of `n` (0..=99).
    fn two(&mut self, n: u32) {
        self.text.push(char::from(b'0' + (n / 10 % 10) as u8));
        self.text.push(char::from(b'0' + (n % 10) as u8));
    }
}

impl Table {
    /// One response as a row into `row`: the cells of [`Table::row`]
    /// (as [`Cell::csv`] writes them in a CSV table), without a `String`
    /// per cell.
    pub fn fill(&self, r: &Response, row: &mut Row) {
        row.text.clear();
        row.ends.clear();
        let mut id = uuid::Uuid::encode_buffer();
        self.text(row, r.id.hyphenated().encode_lower(&mut id));
        self.text(row, &r.survey);
        if row.version.as_ref().is_none_or(|(h, _)| *h != r.version) {
            row.version = Some((r.version, r.version.short()));
        }
        let version = row.version.take();
        self.text(row, version.as_ref().map_or("", |(_, s)| s));
        row.version = version;
        self.text(row, &r.terminal);
        self.text(row, r.lang.code());
        self.push_time(r.started_ms, row);
        self.push_time(r.submitted_ms, row);
        row.bool(r.complete);
        if self.flags {
            row.bool(r.simulated);
            row.bool(r.suspect);
        }
        for column in &self.columns {
            self.fill_cell(column, r, row);
        }
    }

    /// A text cell: neutralised in a CSV table, as [`Cell::csv`] does.
    fn text(&self, row: &mut Row, text: &str) {
        if self.options.format != Format::Jsonl && runs_as_formula(text) {
            row.text.push('\'');
        }
        row.text.push_str(text);
        row.end(Kind::Text);
    }

    /// [`Table::time`] as a text cell, the digits written here when the
    /// year has four and the offset whole minutes (always, but for times
    /// no kiosk makes).
    fn push_time(&self, ms: i64, row: &mut Row) {
        let Ok(t) = Timestamp::from_millisecond(ms) else {
            return self.text(row, "");
        };
        let offset = self.options.time_zone.to_offset(t);
        let dt = offset.to_datetime(t);
        let seconds = offset.seconds();
        let Ok(year) = u32::try_from(dt.year()) else {
            return self.text(row, &self.time(ms));
        };
        if year > 9999 || seconds % 60 != 0 {
            return self.text(row, &self.time(ms));
        }
        // Starts with a digit: never neutralised.
        row.two(year / 100);
        row.two(year % 100);
        row.text.push('-');
        row.two(dt.month().unsigned_abs().into());
        row.text.push('-');
        row.two(dt.day().unsigned_abs().into());
        row.text.push(if self.options.format == Format::ExcelCsv {
            ' '
        } else {
            'T'
        });
        row.two(dt.hour().unsigned_abs().into());
        row.text.push(':');
        row.two(dt.minute().unsigned_abs().into());
        row.text.push(':');
        row.two(dt.second().unsigned_abs().into());
        if self.options.format != Format::ExcelCsv {
            row.text.push(if seconds < 0 { '-' } else { '+' });
            let minutes = seconds.unsigned_abs() / 60;
            row.two(minutes / 60);
            row.text.push(':');
            row.two(minutes % 60);
        }
        row.end(Kind::Text);
    }

    /// [`Table::cell`] into `row`.
    fn fill_cell(&self, column: &Column, r: &Response, row: &mut Row) {
        let answer = |q: &str| r.answers.get(q);
        match column {
            Column::Choice(q) => match answer(q) {
                Some(Answer::Choice(Picked::Option(id))) => self.text(row, self.option_text(q, id)),
                Some(Answer::Choice(Picked::Other(_))) => {
                    self.text(row, self.option_text(q, OTHER_OPTION));
                }
                _ => row.end(Kind::Empty),
            },
            Column::ChoiceOther(q) => match answer(q) {
                Some(Answer::Choice(Picked::Other(text))) => self.text(row, text),
                _ => row.end(Kind::Empty),
            },
            Column::MultiOption(q, o) => match answer(q) {
                Some(Answer::Multi { options, .. }) => row.bool(options.contains(o)),
                _ => row.end(Kind::Empty),
            },
            Column::MultiOther(q) => match answer(q) {
                Some(Answer::Multi {
                    other: Some(text), ..
                }) => self.text(row, text),
                _ => row.end(Kind::Empty),
            },
            Column::Rank(q, n) => match answer(q) {
                Some(Answer::Ranking(order)) => match order.get(n - 1) {
                    Some(id) => self.text(row, self.option_text(q, id)),
                    None => row.end(Kind::Empty),
                },
                _ => row.end(Kind::Empty),
            },
            Column::Value(q) => match answer(q) {
                Some(Answer::Rating(v) | Answer::Nps(v)) => row.int(i64::from(*v)),
                Some(Answer::Number(v)) => row.int(*v),
                Some(Answer::YesNo(b)) => row.bool(*b),
                Some(Answer::Text(t)) => self.text(row, t),
                _ => row.end(Kind::Empty),
            },
        }
    }
}

fn columns_of(survey: &Survey, out: &mut Vec<Column>) {
    for q in &survey.questions {
        let id = q.id.clone();
        let cols: Vec<Column> = match &q.kind {
            QuestionKind::Choice { other, .. } => {
                let mut c = vec![Column::Choice(id.clone())];
                if *other {
                    c.push(Column::ChoiceOther(id));
                }
                c
            }
            QuestionKind::Multi { options, other, .. } => {
                let mut c: Vec<Column> = options
                    .iter()
                    .map(|o| Column::MultiOption(id.clone(), o.id.clone()))
                    .collect();
                if *other {
                    c.push(Column::MultiOther(id));
                }
                c
            }
            QuestionKind::Ranking { pick, .. } => (1..=*pick as usize)
                .map(|n| Column::Rank(id.clone(), n))
                .collect(),
            _ => vec![Column::Value(id)],
        };
        for c in cols {
            if !out.contains(&c) {
                out.push(c);
            }
        }
    }
}

/// A survey's codebook: one row per option (the free-text "other"
/// included), one per question of a kind without options; the question
/// and option texts in each of the survey's languages as columns. The
/// questions of the newest version come first, then those only older
/// versions had, as in the export's columns. Returns the header and the
/// rows.
pub fn codebook<'a>(
    versions: impl IntoIterator<Item = &'a Survey>,
) -> (Vec<String>, Vec<Vec<Cell>>) {
    let versions: Vec<&Survey> = versions.into_iter().collect();
    let langs: Vec<Lang> = versions
        .first()
        .map_or_else(|| vec![Lang::Fi], |s| s.languages.clone());
    let mut header: Vec<String> = vec!["question".into(), "type".into()];
    header.extend(langs.iter().map(|l| format!("text_{l}")));
    header.extend(["values".into(), "option".into()]);
    header.extend(langs.iter().map(|l| format!("label_{l}")));

    let mut seen: Vec<(String, String)> = Vec::new();
    let mut rows = Vec::new();
    for survey in &versions {
        for q in &survey.questions {
            let mut options: Vec<(String, Vec<String>)> = q
                .kind
                .options()
                .iter()
                .map(|o| {
                    let texts = langs.iter().map(|l| o.label.get(*l).to_owned()).collect();
                    (o.id.clone(), texts)
                })
                .collect();
            if q.kind.has_other() {
                let texts = langs.iter().map(|l| other_label(*l).to_owned()).collect();
                options.push((OTHER_OPTION.to_owned(), texts));
            }
            if options.is_empty() {
                options.push((String::new(), vec![String::new(); langs.len()]));
            }
            for (option, labels) in options {
                let key = (q.id.clone(), option.clone());
                if seen.contains(&key) {
                    continue;
                }
                seen.push(key);
                let mut row = vec![
                    Cell::Text(q.id.clone()),
                    Cell::Text(q.kind.type_name().into()),
                ];
                row.extend(langs.iter().map(|l| Cell::Text(q.text.get(*l).to_owned())));
                row.push(Cell::Text(values(&q.kind)));
                row.push(Cell::Text(option));
                row.extend(labels.into_iter().map(Cell::Text));
                rows.push(row);
            }
        }
    }
    (header, rows)
}

/// What the question's column holds, for the codebook's `values`.
fn values(kind: &QuestionKind) -> String {
    match kind {
        QuestionKind::Rating { scale, .. } => format!("1-{scale}"),
        QuestionKind::Nps => "0-10".into(),
        QuestionKind::YesNo => "1 yes, 0 no".into(),
        QuestionKind::Multi { .. } => "1 picked, 0 not".into(),
        QuestionKind::Number { min, max } => match (min, max) {
            (Some(a), Some(b)) => format!("{a}-{b}"),
            (Some(a), None) => format!("from {a}"),
            (None, Some(b)) => format!("up to {b}"),
            (None, None) => "whole number".into(),
        },
        QuestionKind::Ranking { pick, .. } => format!("ranks 1-{pick}"),
        QuestionKind::Choice { .. } | QuestionKind::Text { .. } => String::new(),
    }
}

/// Text for a CSV cell: a leading `'` when a spreadsheet could run it as
/// a formula. That is when it starts with a tab or carriage return, or
/// when its first visible character is `= + - @` or a full-width
/// `＝ ＋ － ＠`: spreadsheets differ in which invisible characters (a
/// byte-order mark, zero-width and bidi marks, spaces) they strip before
/// they look, so all of them are skipped here.
pub fn neutralise(text: &str) -> String {
    if runs_as_formula(text) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

/// Whether [`neutralise`] prefixes `text`.
fn runs_as_formula(text: &str) -> bool {
    text.starts_with(['\t', '\r'])
        || text
            .trim_start_matches(invisible)
            .starts_with(is_formula_start)
}

/// The characters that start a formula, ASCII or full-width (and their
/// small forms, which some spreadsheets fold the same way).
fn is_formula_start(c: char) -> bool {
    matches!(
        c,
        '=' | '+'
            | '-'
            | '@'
            | '\u{ff1d}'
            | '\u{ff0b}'
            | '\u{ff0d}'
            | '\u{ff20}'
            | '\u{fe66}'
            | '\u{fe62}'
            | '\u{fe63}'
            | '\u{fe6b}'
    )
}

/// White space and the invisible format characters a spreadsheet may
/// drop: soft hyphen, zero-width space and joiners, word joiner and
/// invisible operators, bidi marks, embeddings, overrides and isolates,
/// the byte-order mark, Mongolian vowel separator, combining grapheme
/// joiner, Hangul fillers and tag characters.
fn invisible(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '\u{00ad}'
                | '\u{034f}'
                | '\u{061c}'
                | '\u{115f}'
                | '\u{1160}'
                | '\u{180e}'
                | '\u{200b}'..='\u{200f}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2060}'..='\u{2064}'
                | '\u{2066}'..='\u{206f}'
                | '\u{3164}'
                | '\u{feff}'
                | '\u{ffa0}'
                | '\u{e0000}'..='\u{e007f}'
        )
}

#[cfg(test)]
mod tests;
