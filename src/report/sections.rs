//! The page's sections: summary table, one section per question, the
//! group comparison and the trend with its comparison to the previous period.

use maud::{Markup, PreEscaped, html};

use super::Page;
use super::chart::{self, BANDS, Bar, ChartError, Line};
use crate::core::report::{Figure, What, change, figures};
use crate::core::sanitize::strip;
use crate::core::stats::{Interval, wilson};
use crate::core::tally::{ALL, CellResult, Detail, QuestionResult, TextAnswer};

/// Text answers listed per question; the rest are counted.
const MAX_TEXTS: usize = 200;
/// Number questions with more distinct values than this are binned.
const MAX_BINS: usize = 20;

/// Per question: n, mean, top-2, NPS and yes share with intervals.
pub(super) fn summary(page: &Page) -> Markup {
    let w = page.words();
    let find = |all: &[Figure], what: What| all.iter().find(|f| f.what == what).cloned();
    html! {
        section.summary {
            h2 { (w.summary) }
            table {
                thead { tr {
                    th { (w.question) } th.num { "n" } th.num { (w.mean) } th.num { (w.top2) }
                    th.num { (w.nps) } th.num { (w.yes_share) }
                } }
                tbody {
                    @for q in &page.result.total.questions {
                        @let all = figures(q);
                        tr {
                            td { (page.question_text(&q.id)) }
                            td.num data-figure=(format!("{}.answered", q.id)) data-value=(q.answered) { (q.answered) }
                            (page.figure_cell(find(&all, What::Mean).as_ref(), None))
                            (page.figure_cell(find(&all, What::Top2).as_ref(), None))
                            (page.figure_cell(find(&all, What::Nps).as_ref(), None))
                            (page.figure_cell(find(&all, What::Yes).as_ref(), None))
                        }
                    }
                }
            }
            p.note { (w.interval_note) }
        }
    }
}

/// One section per question: its chart, its figures and its free texts.
pub(super) fn questions(page: &Page) -> Result<Markup, ChartError> {
    let mut sections = Vec::new();
    for q in &page.result.total.questions {
        sections.push(question(page, q)?);
    }
    Ok(html! { @for s in sections { (s) } })
}

fn question(page: &Page, q: &QuestionResult) -> Result<Markup, ChartError> {
    let w = page.words();
    let share = |k: u64| (q.answered > 0).then(|| 100.0 * k as f64 / q.answered as f64);
    let bar = |key: &str, k: u64| Bar {
        label: page.key_label(&q.id, key),
        value: share(k).unwrap_or(0.0),
        interval: wilson(k, q.answered).map(|i| i.scaled(100.0)),
    };
    let (svg, table) = match &q.detail {
        Detail::Text { .. } => (None, html! {}),
        Detail::Nps { nps, bands, .. } => {
            let n = bands.total();
            let pct = |k: u64| {
                if n > 0 {
                    100.0 * k as f64 / n as f64
                } else {
                    0.0
                }
            };
            let parts = [
                (w.detractors, bands.detractors, BANDS[0], "detractors"),
                (w.passives, bands.passives, BANDS[1], "passives"),
                (w.promoters, bands.promoters, BANDS[2], "promoters"),
            ];
            let chart_parts: Vec<(String, f64, _)> = parts
                .iter()
                .map(|(label, k, colour, _)| {
                    let short = label.split(" (").next().unwrap_or(label).to_owned();
                    (short, pct(*k), *colour)
                })
                .collect();
            let table = html! {
                table.options { tbody {
                    @for (label, k, _, key) in parts {
                        tr {
                            td { (label) }
                            td.num data-figure=(format!("{}.bands.{key}", q.id)) data-value=(k) { (k) }
                            td.num { (page.num(pct(k), 0)) " %"
                                @if let Some(i) = wilson(k, n) {
                                    " " small.ci { (page.show_interval(&What::Percent(String::new()), i.scaled(100.0))) }
                                }
                            }
                        }
                    }
                    @if let Some(nps) = nps {
                        tr { th { (w.nps) } td.num colspan="2" { strong { (page.show(&What::Nps, *nps)) } } }
                    }
                } }
            };
            (Some(PreEscaped(chart::stacked(&chart_parts)?)), table)
        }
        Detail::Number {
            min,
            max,
            mean,
            median,
        } => {
            let svg = PreEscaped(chart::histogram(&bins(&q.counts))?);
            let table = html! {
                p.n {
                    (w.mean) " " strong { (mean.map_or("–".into(), |m| page.num(m, 2))) } " · "
                    (w.median) " " (median.map_or("–".into(), |m| page.num(m, 1))) " · "
                    (w.range) " " (min.map_or("–".into(), |v| v.to_string())) "–" (max.map_or("–".into(), |v| v.to_string()))
                }
            };
            (Some(svg), table)
        }
        Detail::Ranking { mean_rank, ranked } => {
            let first: Vec<Bar> = q.counts.iter().map(|(k, c)| bar(k, *c)).collect();
            let places = q.counts.len().max(1) as f64;
            let ranks: Vec<Bar> = mean_rank
                .iter()
                .filter_map(|(k, r)| {
                    r.map(|r| Bar {
                        label: page.key_label(&q.id, k),
                        value: r,
                        interval: None,
                    })
                })
                .collect();
            let svg = html! {
                h4 { (w.first_place) " (%)" }
                (PreEscaped(chart::bars(&first, 100.0, "%")?))
                h4 { (w.mean_rank) }
                (PreEscaped(chart::bars(&ranks, places, "")?))
            };
            let table = html! {
                table.options {
                    thead { tr { th {} th.num { (w.first_place) } th.num { (w.mean_rank) } th.num { "n" } } }
                    tbody {
                        @for (key, count) in &q.counts {
                            tr {
                                td { (page.key_label(&q.id, key)) }
                                (percent_cell(page, q, key, *count))
                                @match mean_rank.iter().find(|(k, _)| k == key).and_then(|(_, r)| *r) {
                                    Some(r) => td.fig data-figure=(format!("{}.mean_rank.{key}", q.id)) data-value=(super::data(r)) { (page.num(r, 2)) },
                                    None => td.none { "–" },
                                }
                                td.num { (ranked.iter().find(|(k, _)| k == key).map_or(0, |(_, c)| *c)) }
                            }
                        }
                    }
                }
            };
            (Some(svg), table)
        }
        _ => {
            let items: Vec<Bar> = q.counts.iter().map(|(k, c)| bar(k, *c)).collect();
            let svg = PreEscaped(chart::bars(&items, 100.0, "%")?);
            let table = html! {
                table.options { tbody {
                    @for (key, count) in &q.counts {
                        tr {
                            td { (page.key_label(&q.id, key)) }
                            td.num data-figure=(format!("{}.counts.{key}", q.id)) data-value=(count) { (count) }
                            (percent_cell(page, q, key, *count))
                        }
                    }
                } }
            };
            (Some(svg), table)
        }
    };
    let multi = matches!(q.detail, Detail::Multi { .. });
    let texts = q.detail.texts();
    let texts_heading = if matches!(q.detail, Detail::Text { .. }) {
        w.text_answers
    } else {
        w.other_answers
    };
    Ok(html! {
        section.question data-question=(q.id) {
            h3 { (page.question_text(&q.id)) }
            p.n { "n = " (q.answered) @if multi { " · % = " (w.share_of_respondents) } }
            @if let Some(svg) = svg {
                figure.chart data-chart=(format!("{}.{}", q.id, q.type_name())) { (svg) }
            }
            (table)
            @if !texts.is_empty() || matches!(q.detail, Detail::Text { .. }) {
                (text_list(page, texts_heading, texts))
            }
        }
    })
}

/// A `percent` cell of a question's option, with its Wilson interval.
fn percent_cell(page: &Page, q: &QuestionResult, key: &str, count: u64) -> Markup {
    let figure = q.percent_of(key).map(|value| Figure {
        question: q.id.clone(),
        what: What::Percent(key.to_owned()),
        value,
        interval: wilson(count, q.answered).map(|i| i.scaled(100.0)),
        n: q.answered,
        basis: crate::core::report::Basis::None,
    });
    page.figure_cell(figure.as_ref(), None)
}

/// Free texts, newest first (the tally's order), each escaped by the template.
fn text_list(page: &Page, heading: &str, texts: &[TextAnswer]) -> Markup {
    let w = page.words();
    html! {
        h4 { (heading) }
        @if texts.is_empty() {
            p.note { (w.no_text_answers) }
        } @else {
            ol.texts {
                @for t in texts.iter().take(MAX_TEXTS) {
                    li.answer { time { ((page.time)(t.submitted_ms)) } (strip(&t.text, true)) }
                }
            }
            @if texts.len() > MAX_TEXTS {
                p.note { "… " (texts.len() - MAX_TEXTS) " " (w.more) }
            }
        }
    }
}

/// A number question's counts per value as histogram bins: one per value
/// when few, else up to [`MAX_BINS`] bins of equal width.
fn bins(counts: &[(String, u64)]) -> Vec<(String, u64)> {
    let values: Vec<(i64, u64)> = counts
        .iter()
        .filter_map(|(k, c)| k.parse::<i64>().ok().map(|v| (v, *c)))
        .collect();
    let (Some(lo), Some(hi)) = (values.first().map(|v| v.0), values.last().map(|v| v.0)) else {
        return Vec::new();
    };
    if values.len() <= MAX_BINS {
        return values.iter().map(|(v, c)| (v.to_string(), *c)).collect();
    }
    let width = ((hi - lo) / MAX_BINS as i64 + 1).max(1);
    let mut out: Vec<(String, u64)> = (0..MAX_BINS as i64)
        .map(|b| lo + b * width)
        .take_while(|start| *start <= hi)
        .map(|start| (format!("{start}–{}", start + width - 1), 0))
        .collect();
    for (v, c) in values {
        let b = ((v - lo) / width) as usize;
        if let Some(bin) = out.get_mut(b) {
            bin.1 += c;
        }
    }
    out
}

/// The cells of one side of a grouped tally.
fn group_cells<'a>(page: &Page<'a>) -> Vec<&'a CellResult> {
    page.result
        .cells
        .iter()
        .filter(|c| c.group.is_some() && c.period.as_deref().is_none_or(|p| p == ALL))
        .collect()
}

fn period_cells<'a>(page: &Page<'a>) -> Vec<&'a CellResult> {
    page.result
        .cells
        .iter()
        .filter(|c| {
            c.group.as_deref().is_none_or(|g| g == ALL)
                && c.period.as_deref().is_some_and(|p| p != ALL)
        })
        .collect()
}

/// `--by`: groups as columns, key figures as rows.
pub(super) fn groups(page: &Page) -> Markup {
    let w = page.words();
    let cells = group_cells(page);
    if cells.is_empty() {
        return html! {};
    }
    let Some(by) = page.result.by.as_ref() else {
        return html! {};
    };
    let figs: Vec<Vec<Figure>> = cells
        .iter()
        .map(|c| c.result.questions.iter().flat_map(figures).collect())
        .collect();
    html! {
        section.groups {
            h2 { (w.by_group) ": " (page.by_text(by)) }
            table {
                thead { tr {
                    th { (w.figure) }
                    @for c in &cells { th.num { (page.group_label(by, c.group.as_deref().unwrap_or_default())) } }
                } }
                tbody {
                    tr { th { "n" }
                        @for c in &cells {
                            td.num data-figure="responses" data-value=(c.result.responses)
                                data-cell=[c.group.as_deref()] { (c.result.responses) }
                        }
                    }
                    // The grouping question itself would only say 100 % and 0 %.
                    @for q in page.result.total.questions.iter().filter(|q| Some(q.id.as_str()) != by.question()) {
                        @let rows = figures(q);
                        @if !rows.is_empty() {
                            tr.qhead { th colspan=(cells.len() + 1) { (page.question_text(&q.id)) } }
                            @for f in &rows {
                                tr {
                                    td { (page.figure_label(f)) }
                                    @for (c, all) in cells.iter().zip(&figs) {
                                        (page.figure_cell(all.iter().find(|g| g.name() == f.name()), c.group.as_deref()))
                                    }
                                }
                            }
                        }
                    }
                }
            }
            p.note { (w.interval_note) }
        }
    }
}

/// `--period`: a trend chart per key figure, then the latest period
/// against the one before.
pub(super) fn trend(page: &Page) -> Result<Markup, ChartError> {
    let w = page.words();
    let cells = period_cells(page);
    if cells.is_empty() {
        return Ok(html! {});
    }
    let periods: Vec<String> = cells
        .iter()
        .map(|c| c.period.clone().unwrap_or_default())
        .collect();
    let figs: Vec<Vec<Figure>> = cells
        .iter()
        .map(|c| c.result.questions.iter().flat_map(figures).collect())
        .collect();
    let mut charts = Vec::new();
    for q in &page.result.total.questions {
        for (title, kinds) in trend_groups(page, q) {
            let lines: Vec<Line> = kinds
                .iter()
                .map(|what| Line {
                    // The chart's title names the figure; the legend only the option.
                    name: match what {
                        What::Percent(key) | What::MeanRank(key) => page.key_label(&q.id, key),
                        _ => String::new(),
                    },
                    points: figs
                        .iter()
                        .map(|all| {
                            all.iter()
                                .find(|f| f.question == q.id && f.what == *what)
                                .map(|f| {
                                    let s = if matches!(f.what, What::Top2 | What::Yes) {
                                        100.0
                                    } else {
                                        1.0
                                    };
                                    (f.value * s, f.interval.map(|i| i.scaled(s)))
                                })
                        })
                        .collect(),
                })
                .collect();
            let (range, unit) = trend_range(q, &kinds[0], &lines);
            let svg = chart::trend(&periods, &lines, range, unit)?;
            let names: Vec<String> = lines.iter().map(|l| l.name.clone()).collect();
            charts.push((q.id.clone(), title, svg, names));
        }
    }
    let compare = compare(page, &cells, &figs);
    Ok(html! {
        section.trend {
            h2 { (w.trend) }
            @for (id, title, svg, names) in charts {
                h3 { (title) }
                figure.chart data-chart=(format!("{id}.trend")) {
                    (PreEscaped(svg))
                    @if names.len() > 1 {
                        figcaption.legend {
                            @for (i, name) in names.iter().enumerate() {
                                span { i style=(format!("background:{}", chart::line_colour(i))) {} (name) }
                            }
                        }
                    }
                }
            }
            (compare)
        }
    })
}

/// A question's trend charts: a title and the figures drawn on it
/// (figures of one unit share a chart).
fn trend_groups(page: &Page, q: &QuestionResult) -> Vec<(String, Vec<What>)> {
    let w = page.words();
    let text = page.question_text(&q.id);
    let text = text.trim_end_matches(['?', ':']);
    let options = || -> Vec<What> {
        q.counts
            .iter()
            .map(|(k, _)| What::Percent(k.clone()))
            .collect()
    };
    match &q.detail {
        Detail::Rating { top2, .. } => {
            let mut out = vec![(format!("{text}: {}", w.mean), vec![What::Mean])];
            if top2.is_some() {
                out.push((format!("{text}: {} (%)", w.top2), vec![What::Top2]));
            }
            out
        }
        Detail::Number { .. } => vec![(format!("{text}: {}", w.mean), vec![What::Mean])],
        Detail::Nps { .. } => vec![(format!("{text}: {}", w.nps), vec![What::Nps])],
        Detail::YesNo { .. } => vec![(format!("{text}: {} (%)", w.yes_share), vec![What::Yes])],
        Detail::Choice { .. } | Detail::Multi { .. } => vec![(format!("{text} (%)"), options())],
        Detail::Ranking { mean_rank, .. } => vec![
            (format!("{text}: {} (%)", w.first_place), options()),
            (
                format!("{text}: {}", w.mean_rank),
                mean_rank
                    .iter()
                    .map(|(k, _)| What::MeanRank(k.clone()))
                    .collect(),
            ),
        ],
        Detail::Text { .. } => Vec::new(),
    }
}

/// The value axis of a trend chart and its unit.
fn trend_range(q: &QuestionResult, what: &What, lines: &[Line]) -> ((f64, f64), &'static str) {
    match (what, &q.detail) {
        (What::Nps, _) => ((-100.0, 100.0), ""),
        (What::Top2 | What::Yes | What::Percent(_), _) => ((0.0, 100.0), "%"),
        (What::Mean, Detail::Rating { scale, .. }) => ((1.0, f64::from(*scale)), ""),
        (What::MeanRank(_), _) => ((1.0, q.counts.len().max(2) as f64), ""),
        _ => {
            let ends = lines
                .iter()
                .flat_map(|l| l.points.iter().flatten())
                .flat_map(|(v, i)| {
                    let i = i.unwrap_or(Interval { low: *v, high: *v });
                    [i.low, i.high]
                });
            let (lo, hi) = ends.fold((f64::MAX, f64::MIN), |(a, b), x| (a.min(x), b.max(x)));
            if lo > hi {
                ((0.0, 1.0), "")
            } else {
                let pad = ((hi - lo) * 0.1).max(0.5);
                ((lo - pad, hi + pad), "")
            }
        }
    }
}

/// "Compared with the previous period": each figure of the latest period
/// against the one before, its change, the change's 95 % interval and
/// whether it is more than chance.
fn compare(page: &Page, cells: &[&CellResult], figs: &[Vec<Figure>]) -> Markup {
    let w = page.words();
    let n = cells.len();
    if n < 2 {
        return html! { h2 { (w.compared) } p.note { (w.too_few_periods) } };
    }
    let (before, now) = (&figs[n - 2], &figs[n - 1]);
    let (p0, p1) = (
        cells[n - 2].period.as_deref().unwrap_or_default(),
        cells[n - 1].period.as_deref().unwrap_or_default(),
    );
    html! {
        h2 { (w.compared) ": " (p1) " / " (p0) }
        table.compare {
            thead { tr {
                th { (w.figure) } th.num { (w.previous) " " (p0) } th.num { (w.this_period) " " (p1) }
                th.num { (w.change) } th { "" }
            } }
            tbody {
                @for q in &page.result.total.questions {
                    @let rows: Vec<&Figure> = now.iter().filter(|f| f.question == q.id).collect();
                    @if !rows.is_empty() {
                        tr.qhead { th colspan="5" { (page.question_text(&q.id)) } }
                    }
                    @for f in rows {
                        @let prev = before.iter().find(|b| b.name() == f.name());
                        tr {
                            td { (page.figure_label(f)) }
                            (page.figure_cell(prev, Some(p0)))
                            (page.figure_cell(Some(f), Some(p1)))
                            @if let Some(prev) = prev {
                                @let c = change(prev, f);
                                @let unit = if f.what.is_share() { " pp" } else { "" };
                                td.fig data-change=(f.name()) data-value=(super::data(c.diff)) {
                                    (if c.diff > 0.0 { "+" } else { "" }) (page.num(c.diff, if f.what.is_share() { 1 } else { 2 })) (unit)
                                    @if let Some(i) = c.interval {
                                        br; small.ci { "(" (page.num(i.low, 1)) "…" (page.num(i.high, 1)) ")" }
                                    }
                                }
                                @if c.interval.is_none() {
                                    td.same { (w.no_test) }
                                } @else if c.significant() && c.diff > 0.0 {
                                    td.up data-significant="up" { "▲ " (w.more_than_chance) }
                                } @else if c.significant() {
                                    td.down data-significant="down" { "▼ " (w.more_than_chance) }
                                } @else {
                                    td.same data-significant="no" { "● " (w.within_chance) }
                                }
                            } @else {
                                td.none { "–" } td {}
                            }
                        }
                    }
                }
            }
        }
        p.note { (w.test_note) }
    }
}
