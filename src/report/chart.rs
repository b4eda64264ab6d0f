//! The report's charts as inline SVG, drawn with plotters' SVG backend.
//!
//! Text in the SVG is escaped by the backend; the page still only puts
//! survey labels here (respondents' words go to the page's lists).
//! Sizes are in CSS pixels; the page scales each SVG to the column width.

use plotters::coord::ranged1d::SegmentValue;
use plotters::prelude::*;

use crate::core::stats::Interval;

/// Drawing a chart failed (plotters reports it; it should not happen
/// with a string target).
#[derive(Debug, thiserror::Error)]
#[error("cannot draw a chart: {0}")]
pub struct ChartError(String);

fn fail(e: impl std::fmt::Display) -> ChartError {
    ChartError(e.to_string())
}

const WIDTH: u32 = 640;
const FONT: &str = "sans-serif";
const BAR: RGBColor = RGBColor(0x2b, 0x6c, 0xb0);
const WHISKER: RGBColor = RGBColor(0x22, 0x22, 0x22);
const GRID: RGBColor = RGBColor(0xdd, 0xdd, 0xdd);
/// The fine grid between labelled lines: barely there.
const FINE: RGBColor = RGBColor(0xf4, 0xf4, 0xf4);
/// Detractors, passives, promoters.
pub const BANDS: [RGBColor; 3] = [
    RGBColor(0xc5, 0x3b, 0x3b),
    RGBColor(0xb0, 0xb0, 0xb0),
    RGBColor(0x2f, 0x8a, 0x4c),
];
/// Lines of a trend chart, one per series.
const LINES: [RGBColor; 6] = [
    RGBColor(0x2b, 0x6c, 0xb0),
    RGBColor(0xd9, 0x7b, 0x1a),
    RGBColor(0x2f, 0x8a, 0x4c),
    RGBColor(0x8e, 0x44, 0xad),
    RGBColor(0xc5, 0x3b, 0x3b),
    RGBColor(0x55, 0x55, 0x55),
];

/// The discrete axis of `n` bars or periods: a `u32` range includes its
/// end, so `0..n - 1`; plotters draws no label on a one-value range, so
/// one bar gets an empty slot beside it.
fn slots(n: u32) -> std::ops::Range<u32> {
    0..n.saturating_sub(1).max(1)
}

/// One bar: its label, value and 95 % interval (in the chart's unit).
#[derive(Clone, Debug)]
pub struct Bar {
    pub label: String,
    pub value: f64,
    pub interval: Option<Interval>,
}

/// Labels longer than this are cut on the chart (the table beside it has
/// them whole).
const LABEL_CHARS: usize = 34;

fn short(label: &str) -> String {
    if label.chars().count() <= LABEL_CHARS {
        label.to_owned()
    } else {
        let cut: String = label.chars().take(LABEL_CHARS - 1).collect();
        format!("{cut}…")
    }
}

/// Horizontal bars from 0 to `max`, the first item on top, each with its
/// interval as a whisker; `unit` follows the value on the axis ("%").
pub fn bars(items: &[Bar], max: f64, unit: &str) -> Result<String, ChartError> {
    let n = items.len().max(1) as u32;
    let height = 40 + 30 * n;
    let labels: Vec<String> = items.iter().map(|b| short(&b.label)).collect();
    let label_width = labels
        .iter()
        .map(|l| l.chars().count() as u32 * 7 + 12)
        .max()
        .unwrap_or(40)
        .clamp(40, 260);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, height)).into_drawing_area();
        root.fill(&WHITE).map_err(fail)?;
        let mut chart = ChartBuilder::on(&root)
            .margin(6)
            .margin_right(24)
            .x_label_area_size(24)
            .y_label_area_size(label_width)
            .build_cartesian_2d(0.0..max, slots(n).into_segmented())
            .map_err(fail)?;
        let at = |i: usize| SegmentValue::CenterOf(n - 1 - i as u32);
        chart
            .configure_mesh()
            .disable_y_mesh()
            .light_line_style(FINE)
            .bold_line_style(GRID)
            .y_labels(n as usize)
            .y_label_formatter(&|v| match v {
                SegmentValue::CenterOf(i) => n
                    .checked_sub(1 + *i)
                    .and_then(|at| labels.get(at as usize))
                    .cloned()
                    .unwrap_or_default(),
                _ => String::new(),
            })
            .x_label_formatter(&|x| format!("{x:.0}{unit}"))
            .label_style((FONT, 13))
            .draw()
            .map_err(fail)?;
        chart
            .draw_series(items.iter().enumerate().map(|(i, b)| {
                let y = n - 1 - i as u32;
                let mut r = Rectangle::new(
                    [
                        (0.0, SegmentValue::Exact(y)),
                        (b.value.clamp(0.0, max), SegmentValue::Exact(y + 1)),
                    ],
                    BAR.filled(),
                );
                r.set_margin(5, 5, 0, 0);
                r
            }))
            .map_err(fail)?;
        chart
            .draw_series(items.iter().enumerate().filter_map(|(i, b)| {
                b.interval.map(|iv| {
                    PathElement::new(
                        vec![(iv.low.max(0.0), at(i)), (iv.high.min(max), at(i))],
                        WHISKER.stroke_width(2),
                    )
                })
            }))
            .map_err(fail)?;
        root.present().map_err(fail)?;
    }
    Ok(svg)
}

/// One bar split into parts that sum to 100 (NPS bands), each with its
/// share written inside.
pub fn stacked(parts: &[(String, f64, RGBColor)]) -> Result<String, ChartError> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, 90)).into_drawing_area();
        root.fill(&WHITE).map_err(fail)?;
        let mut chart = ChartBuilder::on(&root)
            .margin(6)
            .margin_right(24)
            .x_label_area_size(24)
            .build_cartesian_2d(0.0..100.0, 0.0..1.0)
            .map_err(fail)?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .disable_y_axis()
            .light_line_style(FINE)
            .bold_line_style(GRID)
            .x_label_formatter(&|x| format!("{x:.0}%"))
            .label_style((FONT, 13))
            .draw()
            .map_err(fail)?;
        let mut from = 0.0;
        for (label, share, colour) in parts {
            let to = (from + share).min(100.0);
            chart
                .draw_series([Rectangle::new([(from, 0.15), (to, 0.85)], colour.filled())])
                .map_err(fail)?;
            if *share >= 8.0 {
                chart
                    .draw_series([Text::new(
                        format!("{label} {share:.0}%"),
                        (from + 1.0, 0.6),
                        (FONT, 13).into_font().color(&WHITE),
                    )])
                    .map_err(fail)?;
            }
            from = to;
        }
        root.present().map_err(fail)?;
    }
    Ok(svg)
}

/// Vertical bars of counts: one per value, or per bin of values.
pub fn histogram(bins: &[(String, u64)]) -> Result<String, ChartError> {
    let n = bins.len().max(1) as u32;
    let top = bins.iter().map(|(_, c)| *c).max().unwrap_or(1).max(1);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, 260)).into_drawing_area();
        root.fill(&WHITE).map_err(fail)?;
        let mut chart = ChartBuilder::on(&root)
            .margin(6)
            .margin_right(24)
            .x_label_area_size(40)
            .y_label_area_size(44)
            .build_cartesian_2d(slots(n).into_segmented(), 0u64..top + top / 10 + 1)
            .map_err(fail)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(FINE)
            .bold_line_style(GRID)
            .x_labels(n as usize)
            .x_label_formatter(&|v| match v {
                SegmentValue::CenterOf(i) => bins
                    .get(*i as usize)
                    .map(|(l, _)| l.clone())
                    .unwrap_or_default(),
                _ => String::new(),
            })
            .label_style((FONT, 12))
            .draw()
            .map_err(fail)?;
        chart
            .draw_series(bins.iter().enumerate().map(|(i, (_, c))| {
                let x = i as u32;
                let mut r = Rectangle::new(
                    [
                        (SegmentValue::Exact(x), 0),
                        (SegmentValue::Exact(x + 1), *c),
                    ],
                    BAR.filled(),
                );
                r.set_margin(0, 0, 2, 2);
                r
            }))
            .map_err(fail)?;
        root.present().map_err(fail)?;
    }
    Ok(svg)
}

/// The colour of the `i`th line of a trend chart, as CSS.
pub fn line_colour(i: usize) -> String {
    let RGBColor(r, g, b) = LINES[i % LINES.len()];
    format!("#{r:02x}{g:02x}{b:02x}")
}

/// One line of a trend chart: a name and a value (with interval) per period.
#[derive(Clone, Debug)]
pub struct Line {
    pub name: String,
    pub points: Vec<Option<(f64, Option<Interval>)>>,
}

/// Lines over periods, each point with its interval as a whisker. The
/// legend is the page's (see [`line_colour`]), so it never covers a line.
pub fn trend(
    periods: &[String],
    lines: &[Line],
    range: (f64, f64),
    unit: &str,
) -> Result<String, ChartError> {
    let n = periods.len().max(1) as u32;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, 240)).into_drawing_area();
        root.fill(&WHITE).map_err(fail)?;
        let mut chart = ChartBuilder::on(&root)
            .margin(8)
            .margin_right(24)
            .x_label_area_size(30)
            .y_label_area_size(48)
            .build_cartesian_2d(slots(n).into_segmented(), range.0..range.1)
            .map_err(fail)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(FINE)
            .bold_line_style(GRID)
            .x_labels(n as usize)
            .x_label_formatter(&|v| match v {
                SegmentValue::CenterOf(i) => periods.get(*i as usize).cloned().unwrap_or_default(),
                _ => String::new(),
            })
            // Decimals only on short axes (a mean grade), not on NPS or percent.
            .y_label_formatter(&|y| {
                if range.1 - range.0 > 20.0 {
                    format!("{y:.0}{unit}")
                } else {
                    format!("{y:.1}{unit}")
                }
            })
            .label_style((FONT, 12))
            .draw()
            .map_err(fail)?;
        for (li, line) in lines.iter().enumerate() {
            let colour = LINES[li % LINES.len()];
            let points: Vec<(SegmentValue<u32>, f64)> = line
                .points
                .iter()
                .enumerate()
                .filter_map(|(i, p)| p.map(|(v, _)| (SegmentValue::CenterOf(i as u32), v)))
                .collect();
            chart
                .draw_series(LineSeries::new(points.clone(), colour.stroke_width(2)))
                .map_err(fail)?;
            chart
                .draw_series(
                    points
                        .iter()
                        .map(|p| Circle::new(p.clone(), 4, colour.filled())),
                )
                .map_err(fail)?;
            chart
                .draw_series(line.points.iter().enumerate().filter_map(|(i, p)| {
                    let iv = p.and_then(|(_, iv)| iv)?;
                    let x = SegmentValue::CenterOf(i as u32);
                    Some(PathElement::new(
                        vec![(x.clone(), iv.low.max(range.0)), (x, iv.high.min(range.1))],
                        colour.stroke_width(1),
                    ))
                }))
                .map_err(fail)?;
        }
        root.present().map_err(fail)?;
    }
    Ok(svg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charts_are_svg_and_escape_their_labels() {
        let svg = bars(
            &[Bar {
                label: "<b>&".into(),
                value: 40.0,
                interval: Some(Interval {
                    low: 30.0,
                    high: 50.0,
                }),
            }],
            100.0,
            "%",
        )
        .unwrap();
        assert!(svg.starts_with("<svg"), "{svg}");
        assert!(
            svg.contains("&lt;b&gt;&amp;") && !svg.contains("<b>"),
            "{svg}"
        );
        let svg = trend(
            &["2025".into(), "2026".into()],
            &[Line {
                name: "mean".into(),
                points: vec![Some((3.0, None)), Some((4.0, None))],
            }],
            (1.0, 5.0),
            "",
        )
        .unwrap();
        assert!(svg.contains("<polyline") || svg.contains("<path"), "{svg}");
    }
}
