//! The tally as long CSV for spreadsheets: labels in the chosen language,
//! key figures as rows of their own, and the date range and what was left
//! out in the first rows (see docs/architecture.md, "Tallies in words").

use super::{Page, key_figures, mean_rank};
use crate::core::tally::{By, TallyResult, group_label, key_label, period_label, question_text};
use crate::store::export::neutralise;

/// Columns: survey, group, period, question (id), type, option (label),
/// count, percent, answered, figure, value, text. Row kinds by `type`:
/// `range` (first: the dates in `text`), `left_out` (answers in `count`,
/// the reason in `text`), then per part (the total, then each group and
/// period) a row per option and per key figure (`figure` = `mean`,
/// `median`, `top2`, `nps`, `promoters`, `passives`, `detractors`,
/// `yes_share`, `min`, `max`, `mean_rank` with ranking options; the
/// number in `value`), and `suspect_left_out`/`suspect_counted` and
/// `simulated` rows with their count.
pub(super) fn csv(page: &Page<'_>) -> Result<String, csv::Error> {
    let result = page.result;
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    w.write_record([
        "survey", "group", "period", "question", "type", "option", "count", "percent", "answered",
        "figure", "value", "text",
    ])?;
    let survey = neutralise(&result.total.survey);
    let meta = |kind: &str, count: String, text: &str| -> [String; 12] {
        [
            survey.clone(),
            String::new(),
            String::new(),
            String::new(),
            kind.to_owned(),
            String::new(),
            count,
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            neutralise(text),
        ]
    };
    let mut range = page.range.clone();
    if let Some(v) = &page.version {
        range.push_str(&format!(", {v}"));
    }
    w.write_record(meta("range", String::new(), &range))?;
    for line in &page.left_out {
        let count = line.split(' ').next().unwrap_or_default().to_owned();
        w.write_record(meta("left_out", count, line))?;
    }
    let by = result.by.clone().unwrap_or(By::Terminal);
    let cells = std::iter::once((None, None, &result.total)).chain(
        result
            .cells
            .iter()
            .map(|c| (c.group.as_deref(), c.period.as_deref(), &c.result)),
    );
    for (group, period, r) in cells {
        let group = group.map_or_else(String::new, |g| {
            neutralise(&group_label(page.survey, &by, g, page.lang))
        });
        let period = period.map_or_else(String::new, |p| neutralise(&period_label(p, page.lang)));
        part(&mut w, page, r, [&survey, &group, &period])?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| csv::Error::from(e.into_error()))?;
    Ok(String::from_utf8_lossy(&bytes).trim_end().to_owned())
}

fn part(
    w: &mut csv::Writer<Vec<u8>>,
    page: &Page<'_>,
    r: &TallyResult,
    [survey, group, period]: [&String; 3],
) -> Result<(), csv::Error> {
    let value =
        |x: Option<f64>| x.map_or_else(String::new, |v| ((v * 1e4).round() / 1e4).to_string());
    for q in &r.questions {
        let text = neutralise(&question_text(page.survey, &q.id, page.lang));
        let row = |option: String, count: String, percent: String, figure: &str, v: String| {
            [
                survey.clone(),
                group.clone(),
                period.clone(),
                neutralise(&q.id),
                q.type_name().to_owned(),
                option,
                count,
                percent,
                q.answered.to_string(),
                figure.to_owned(),
                v,
                text.clone(),
            ]
        };
        for (key, count) in &q.counts {
            let percent = q
                .percent_of(key)
                .map_or(String::new(), |p| format!("{p:.1}"));
            let label = neutralise(&key_label(page.survey, &q.id, key, page.lang));
            w.write_record(row(
                label.clone(),
                count.to_string(),
                percent,
                "",
                String::new(),
            ))?;
            if matches!(q.detail, crate::core::tally::Detail::Ranking { .. }) {
                w.write_record(row(
                    label,
                    String::new(),
                    String::new(),
                    "mean_rank",
                    value(mean_rank(q, key)),
                ))?;
            }
        }
        for (figure, v, _) in key_figures(q, page.lang) {
            w.write_record(row(
                String::new(),
                String::new(),
                String::new(),
                figure,
                value(v),
            ))?;
        }
    }
    let suspect = if r.include_suspect {
        "suspect_counted"
    } else {
        "suspect_left_out"
    };
    for (kind, count) in [(suspect, r.suspect), ("simulated", r.simulated)] {
        if count > 0 {
            let mut rec = vec![survey.clone(), group.clone(), period.clone(), String::new()];
            rec.extend([kind.to_owned(), String::new(), count.to_string()]);
            rec.extend(std::iter::repeat_n(String::new(), 5));
            w.write_record(rec)?;
        }
    }
    Ok(())
}
