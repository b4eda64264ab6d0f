//! `kioski report`'s page: one self-contained HTML file (inline CSS and
//! SVG, no script, nothing fetched) from a grouped tally, in one language.
//!
//! Pure like `core`: the tally, the survey and a time formatter come in,
//! the page comes out. The page is a maud template, so every text is
//! escaped where it is written; charts come from [`chart`] (plotters).
//! Each figure carries `data-figure="question.key"` and `data-value` in
//! the units of `tally --format json`, so tests read the page as data.

pub mod chart;
mod sections;

use maud::{DOCTYPE, Markup, PreEscaped, html};

use crate::core::report::words::{Words, words};
use crate::core::report::{Figure, What};
use crate::core::sanitize::strip;
use crate::core::stats::Interval;
use crate::core::survey::{Lang, Survey};
use crate::core::tally::{ALL, By, GroupedResult, NO_GROUP, TallyResult};

pub use chart::ChartError;

/// What a page is made from.
pub struct Page<'a> {
    pub survey: &'a Survey,
    pub result: &'a GroupedResult,
    pub lang: Lang,
    /// Unix milliseconds as a local date and time (the caller's time zone).
    pub time: &'a dyn Fn(i64) -> String,
    /// When the report was made, as the reader should see it.
    pub made: String,
}

impl Page<'_> {
    fn words(&self) -> &'static Words {
        words(self.lang)
    }

    /// A survey text in the page's language, without control characters.
    fn text(&self, label: &crate::core::survey::Label) -> String {
        strip(label.get(self.lang), false)
    }

    /// A question's text, or its id when the newest version lacks it.
    fn question_text(&self, id: &str) -> String {
        self.survey
            .question(id)
            .map_or_else(|| id.to_owned(), |q| self.text(&q.text))
    }

    /// The label of a key of a question's counts, or of a group: the
    /// option's label, yes/no/other/(none)/(all) in words, else the key.
    fn key_label(&self, question: &str, key: &str) -> String {
        let w = self.words();
        let option = self
            .survey
            .question(question)
            .and_then(|q| q.kind.options().iter().find(|o| o.id == key));
        match (option, key) {
            (Some(o), _) => self.text(&o.label),
            (None, "yes") => w.yes.into(),
            (None, "no") => w.no.into(),
            (None, "other") => w.other.into(),
            (None, NO_GROUP) => w.no_group.into(),
            (None, ALL) => w.all.into(),
            (None, key) => strip(key, false),
        }
    }

    /// What the groups of `--by` are, for the comparison's heading: the
    /// question's text, or the word for a terminal.
    fn by_text(&self, by: &By) -> String {
        match by {
            By::Question(id) => self.question_text(id),
            By::Terminal => crate::core::tally::by_text(self.survey, by, self.lang),
        }
    }

    /// A group's column heading: as [`Page::key_label`] for a question's
    /// answer; a terminal's name as it is, or "all".
    fn group_label(&self, by: &By, group: &str) -> String {
        match (by, group) {
            (By::Question(id), key) => self.key_label(id, key),
            (By::Terminal, ALL) => self.words().all.into(),
            (By::Terminal, name) => strip(name, false),
        }
    }

    /// What a figure is called in a table row.
    fn figure_label(&self, f: &Figure) -> String {
        let w = self.words();
        match &f.what {
            What::Mean => w.mean.into(),
            What::Top2 => w.top2.into(),
            What::Nps => w.nps.into(),
            What::Yes => w.yes_share.into(),
            What::Percent(key) => self.key_label(&f.question, key),
            What::MeanRank(key) => {
                format!("{}: {}", w.mean_rank, self.key_label(&f.question, key))
            }
        }
    }

    /// A number in the page's language: decimal comma in fi and sv, and a
    /// real minus sign.
    fn num(&self, x: f64, decimals: usize) -> String {
        let text = format!("{x:.decimals$}").replace('-', "−");
        match self.lang {
            Lang::En => text,
            Lang::Fi | Lang::Sv => text.replace('.', ","),
        }
    }

    /// A figure's value as read: shares as percent, NPS signed, means
    /// with two decimals.
    fn show(&self, what: &What, value: f64) -> String {
        match what {
            What::Top2 | What::Yes => format!("{} %", self.num(value * 100.0, 0)),
            What::Percent(_) => format!("{} %", self.num(value, 0)),
            What::Nps => {
                let sign = if value > 0.0 { "+" } else { "" };
                format!("{sign}{}", self.num(value, 0))
            }
            What::Mean | What::MeanRank(_) => self.num(value, 2),
        }
    }

    fn show_interval(&self, what: &What, i: Interval) -> String {
        let (scale, decimals, unit) = match what {
            What::Top2 | What::Yes => (100.0, 0, " %"),
            What::Percent(_) => (1.0, 0, " %"),
            What::Nps => (1.0, 0, ""),
            What::Mean | What::MeanRank(_) => (1.0, 2, ""),
        };
        format!(
            "({}–{}{unit})",
            self.num(i.low * scale, decimals),
            self.num(i.high * scale, decimals)
        )
    }

    /// A figure in a table cell: its value, interval below, and the data
    /// attributes tests read; `cell` names the group or period.
    fn figure_cell(&self, f: Option<&Figure>, cell: Option<&str>) -> Markup {
        html! {
            @if let Some(f) = f {
                td.fig data-figure=(f.name()) data-value=(data(f.value)) data-cell=[cell] {
                    (self.show(&f.what, f.value))
                    @if let Some(i) = f.interval {
                        br; small.ci { (self.show_interval(&f.what, i)) }
                    }
                }
            } @else {
                td.none { "–" }
            }
        }
    }

    /// The counts line under the title: responses, partial, suspect,
    /// simulated, response rate.
    fn counts(&self, r: &TallyResult, cell: Option<&str>) -> Markup {
        let w = self.words();
        html! {
            ul.counts {
                li data-figure="responses" data-value=(r.responses) data-cell=[cell] {
                    strong { (r.responses) } " " (w.responses)
                }
                @if r.partial > 0 {
                    li data-figure="partial" data-value=(r.partial) data-cell=[cell] {
                        (r.partial) " "
                        (if r.include_partial { w.partial_counted } else { w.partial_left_out })
                    }
                }
                @if r.suspect > 0 {
                    li data-figure="suspect" data-value=(r.suspect) data-cell=[cell] {
                        (r.suspect) " "
                        (if r.include_suspect { w.suspect_counted } else { w.suspect_left_out })
                    }
                }
                @if r.simulated > 0 {
                    li data-figure="simulated" data-value=(r.simulated) data-cell=[cell] {
                        (r.simulated) " " (w.simulated)
                    }
                }
                @if let (Some(rate), Some(pop)) = (r.response_rate, r.population) {
                    li data-figure="response_rate" data-value=(data(rate)) data-cell=[cell] {
                        (w.response_rate) " " strong { (self.num(rate * 100.0, 0)) " %" }
                        " (" (w.of_population) " " (pop) ")"
                    }
                }
            }
        }
    }
}

/// A value for a `data-value` attribute: 4 decimals, as the JSON rounds.
fn data(x: f64) -> String {
    format!("{:.4}", (x * 1e4).round() / 1e4)
}

/// The whole page.
pub fn render(page: &Page) -> Result<String, ChartError> {
    let w = page.words();
    let total = &page.result.total;
    let title = page.text(&page.survey.title);
    let range = match (total.first_submitted_ms, total.last_submitted_ms) {
        (Some(a), Some(b)) => format!(
            "{} {} – {}",
            w.period_of_responses,
            (page.time)(a),
            (page.time)(b)
        ),
        _ => w.no_responses.to_owned(),
    };
    let questions = sections::questions(page)?;
    let groups = sections::groups(page);
    let trend = sections::trend(page)?;
    let markup = html! {
        (DOCTYPE)
        html lang=(page.lang.code()) {
            head {
                meta charset="utf-8";
                // Nothing may be fetched: no fonts, scripts, images or frames.
                meta http-equiv="Content-Security-Policy"
                    content="default-src 'none'; style-src 'unsafe-inline'; img-src data:";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " – " (w.report) }
                style { (PreEscaped(CSS)) }
            }
            body {
                header {
                    h1 { (title) }
                    p.range { (range) }
                    (page.counts(total, None))
                }
                (sections::summary(page))
                (questions)
                (groups)
                (trend)
                footer { (w.generated) " " (page.made) " · kioski " (env!("CARGO_PKG_VERSION")) }
            }
        }
    };
    Ok(markup.into_string())
}

/// Screen and A4 print styles. System fonts only: nothing to fetch.
const CSS: &str = r#"
:root { color-scheme: light; }
body { font-family: system-ui, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: #1a1a1a;
  max-width: 52rem; margin: 1.5rem auto; padding: 0 1rem; line-height: 1.4; }
h1 { font-size: 1.7rem; margin: 0 0 .2rem; }
h2 { font-size: 1.25rem; margin: 1.6rem 0 .4rem; border-bottom: 1px solid #ccc; padding-bottom: .15rem; }
h3 { font-size: 1.05rem; margin: 1.2rem 0 .3rem; }
p.range, p.n, p.note, footer { color: #555; font-size: .9rem; margin: .2rem 0; }
ul.counts { list-style: none; padding: 0; margin: .4rem 0; display: flex; flex-wrap: wrap; gap: .3rem 1.4rem; }
table { border-collapse: collapse; width: 100%; font-size: .88rem; margin: .4rem 0; }
th, td { border-bottom: 1px solid #e2e2e2; padding: .25rem .4rem; text-align: left; vertical-align: top; }
td.fig, td.num, th.num { text-align: right; white-space: nowrap; }
td.none { text-align: right; color: #999; }
small.ci { color: #666; font-size: .78rem; }
tr.qhead th { background: #f3f3f3; }
table.options { width: auto; min-width: 24rem; }
table.options td:first-child { padding-right: 2rem; }
h4 { font-size: .95rem; margin: .8rem 0 .2rem; }
figure.chart { margin: .4rem 0; }
figure.chart svg { max-width: 100%; height: auto; display: block; }
figcaption.legend { font-size: .82rem; display: flex; flex-wrap: wrap; gap: .2rem 1rem; margin: .2rem 0 0 3rem; }
figcaption.legend i { display: inline-block; width: 1.4rem; height: .3rem; margin-right: .35rem; vertical-align: middle; }
@media print { figcaption.legend i { print-color-adjust: exact; -webkit-print-color-adjust: exact; } }
ol.texts { padding-left: 1.4rem; font-size: .9rem; }
ol.texts li { margin: .15rem 0; white-space: pre-wrap; overflow-wrap: anywhere; }
ol.texts time { color: #777; font-size: .78rem; margin-right: .5rem; }
.up { color: #1d6b36; font-weight: 600; }
.down { color: #a52a2a; font-weight: 600; }
.same { color: #666; }
footer { margin-top: 2rem; border-top: 1px solid #ccc; padding-top: .4rem; }
@page { size: A4; margin: 15mm 14mm 16mm; }
@media print {
  body { max-width: none; margin: 0; padding: 0; font-size: 10.5pt; }
  section.question, figure.chart, tr { break-inside: avoid; page-break-inside: avoid; }
  h2, h3 { break-after: avoid; page-break-after: avoid; }
  section.groups, section.trend { break-before: page; page-break-before: always; }
  thead { display: table-header-group; }
}
"#;

#[cfg(test)]
mod tests;
