//! Figures: each `[[plot]]` is first reduced to a small figure model (lines with error bars,
//! boxes or violins) from the stored records, then drawn twice with `plotters`, as SVG and as
//! PNG. Text is rendered with the DejaVu Sans font built into the binary (plotters'
//! `ab_glyph` backend), so PNGs carry their labels on machines without fonts.
//!
//! Logarithmic axes are drawn by plotting log10 of the values on a linear axis whose labels
//! show the values themselves.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Once;

use anyhow::{Context, Result};
use plotters::coord::Shift;
use plotters::prelude::*;

use crate::report::format_number;
use crate::schema::{ErrorBars, PlotKind, PlotSpec};
use crate::stats::{MetricData, Pooled};
use crate::store::{self, PointRecord, RunMeta};

/// Figure size in pixels (SVG user units).
const SIZE: (u32, u32) = (900, 560);
/// Bins of a violin's density outline.
const VIOLIN_BINS: usize = 40;

/// A figure that was drawn, or why not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Drawn {
    /// File stem under `figures/`.
    pub stem: String,
    /// Title.
    pub title: String,
    /// Why it was not drawn (no matching data).
    pub note: Option<String>,
}

/// A line of a figure.
#[derive(Debug, Clone, PartialEq)]
struct Line {
    label: String,
    points: Vec<(f64, f64)>,
    /// (x, low, high) error bars.
    errors: Vec<(f64, f64, f64)>,
    markers: bool,
}

/// One box or violin.
#[derive(Debug, Clone, PartialEq)]
struct Distribution {
    label: String,
    min: f64,
    q1: f64,
    median: f64,
    q3: f64,
    max: f64,
    /// (value, width 0..=1) outline for a violin.
    density: Vec<(f64, f64)>,
}

#[derive(Debug, Clone, PartialEq)]
enum Body {
    Lines(Vec<Line>),
    Boxes(Vec<Distribution>),
    Violins(Vec<Distribution>),
}

#[derive(Debug, Clone, PartialEq)]
struct Figure {
    title: String,
    x_label: String,
    y_label: String,
    log_x: bool,
    log_y: bool,
    /// Legend in the lower right (CDFs rise to the upper left's right), else upper left.
    legend_lower_right: bool,
    body: Body,
}

fn register_fonts() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // The bundled font parses; if it ever did not, text would be missing, not the figure.
        let _ = plotters::style::register_font(
            "sans-serif",
            FontStyle::Normal,
            dejavu::sans::regular(),
        );
        let _ = plotters::style::register_font("sans-serif", FontStyle::Bold, dejavu::sans::bold());
    });
}

fn param_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The value of parameter `key` (or `seed`) of a record, as text.
fn param_of(r: &PointRecord, key: &str) -> Option<String> {
    if key == "seed" {
        return Some(r.seed.to_string());
    }
    r.params.get(key).map(param_text)
}

fn toml_text(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Records of `spec`: passing, matching its filter, with data for its metric.
fn selected<'a>(spec: &PlotSpec, records: &'a [PointRecord]) -> Vec<&'a PointRecord> {
    records
        .iter()
        .filter(|r| r.ok() && r.metrics.contains_key(&spec.metric))
        .filter(|r| {
            spec.filter
                .iter()
                .all(|(k, v)| param_of(r, k).as_deref() == Some(toml_text(v).as_str()))
        })
        .collect()
}

/// Split `records` by the text of parameter `key` (one "" group without a key), in order of
/// first appearance (sweep order).
fn split_by<'a>(
    records: &[&'a PointRecord],
    key: Option<&str>,
) -> Vec<(String, Vec<&'a PointRecord>)> {
    let mut out: Vec<(String, Vec<&PointRecord>)> = Vec::new();
    for r in records {
        let v = key.and_then(|k| param_of(r, k)).unwrap_or_default();
        match out.iter_mut().find(|(g, _)| *g == v) {
            Some((_, rs)) => rs.push(r),
            None => out.push((v, vec![r])),
        }
    }
    out
}

fn series_label(key: &Option<String>, value: &str) -> String {
    match key {
        Some(k) => format!("{k}={value}"),
        None => String::new(),
    }
}

fn metric_axis(meta: &RunMeta, metric: &str) -> String {
    match meta.unit(metric) {
        "" => metric.to_string(),
        unit => format!("{metric} ({unit})"),
    }
}

fn default_title(spec: &PlotSpec) -> String {
    let what = match spec.kind {
        PlotKind::Cdf => format!("CDF of {}", spec.metric),
        PlotKind::Percentile => format!("{} percentiles", spec.metric),
        PlotKind::Jitter => format!("{} jitter (standard deviation)", spec.metric),
        PlotKind::Throughput => format!("{} throughput", spec.metric),
        PlotKind::Box => format!("{} distribution", spec.metric),
        PlotKind::Violin => format!("{} distribution", spec.metric),
    };
    match &spec.x {
        Some(x) if spec.kind != PlotKind::Cdf => format!("{what} vs {x}"),
        _ => what,
    }
}

fn stddev(d: &MetricData) -> f64 {
    if d.count > 1 {
        (d.m2 / (d.count - 1) as f64).sqrt()
    } else {
        0.0
    }
}

/// One statistic of one point's data.
fn point_stat(kind: PlotKind, d: &MetricData, percentile: f64) -> f64 {
    match kind {
        PlotKind::Jitter => stddev(d),
        PlotKind::Throughput => d.throughput,
        _ => Pooled::of(&[d]).quantile(percentile / 100.0) as f64,
    }
}

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

/// Mean of per-seed values with its error bar.
fn with_error(values: &[f64], error: ErrorBars) -> (f64, f64, f64) {
    let m = mean(values);
    match error {
        ErrorBars::Minmax => (
            m,
            values.iter().copied().fold(f64::INFINITY, f64::min),
            values.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        ),
        ErrorBars::Stddev => {
            let sd = if values.len() > 1 {
                (values.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (values.len() - 1) as f64)
                    .sqrt()
            } else {
                0.0
            };
            (m, m - sd, m + sd)
        }
    }
}

fn distribution(label: String, data: &[&MetricData], log: bool) -> Distribution {
    let dist = Pooled::of(data);
    let q = |x: f64| dist.quantile(x) as f64;
    let (min, max) = (dist.min() as f64, dist.max() as f64);
    let t = |v: f64| if log { v.max(1e-9).log10() } else { v };
    let (lo, hi) = (t(min), t(max));
    let mut bins = vec![0u64; VIOLIN_BINS];
    for (v, n) in dist.buckets() {
        let pos = if hi > lo {
            (t(v as f64) - lo) / (hi - lo)
        } else {
            0.5
        };
        let b = ((pos * VIOLIN_BINS as f64) as usize).min(VIOLIN_BINS - 1);
        bins[b] += n;
    }
    let top = bins.iter().copied().max().unwrap_or(1).max(1) as f64;
    let width = |n: u64| n as f64 / top;
    // Bin centres, with the outline closed at the extremes by the end bins' widths.
    let mut density = vec![(lo, width(bins[0]))];
    density.extend(bins.iter().enumerate().map(|(i, &n)| {
        let centre = lo + (hi - lo) * (i as f64 + 0.5) / VIOLIN_BINS as f64;
        (centre, width(n))
    }));
    density.push((hi, width(bins[VIOLIN_BINS - 1])));
    Distribution {
        label,
        min: t(min),
        q1: t(q(0.25)),
        median: t(q(0.5)),
        q3: t(q(0.75)),
        max: t(max),
        density,
    }
}

/// The figure of `spec`, or why there is none.
fn figure(meta: &RunMeta, spec: &PlotSpec, records: &[PointRecord]) -> Result<Figure, String> {
    let recs = selected(spec, records);
    if recs.is_empty() {
        return Err(format!(
            "no passing point has samples of {:?} here",
            spec.metric
        ));
    }
    let title = spec.title.clone().unwrap_or_else(|| default_title(spec));
    let axis = metric_axis(meta, &spec.metric);
    let tx = |v: f64| if spec.log_x { v.max(1e-300).log10() } else { v };
    let ty = |v: f64| if spec.log_y { v.max(1e-300).log10() } else { v };
    let body = match spec.kind {
        PlotKind::Cdf => {
            let mut lines = Vec::new();
            for (value, rs) in split_by(&recs, spec.series.as_deref()) {
                let data: Vec<&MetricData> = rs.iter().map(|r| &r.metrics[&spec.metric]).collect();
                let dist = Pooled::of(&data);
                let total = dist.count() as f64;
                let (mut points, mut seen, mut prev) = (Vec::new(), 0u64, 0.0);
                for (v, n) in dist.buckets() {
                    let x = v as f64;
                    seen += n;
                    if spec.log_x && x <= 0.0 {
                        continue;
                    }
                    let frac = seen as f64 / total;
                    points.push((tx(x), ty(prev)));
                    points.push((tx(x), ty(frac)));
                    prev = frac;
                }
                lines.push(Line {
                    label: series_label(&spec.series, &value),
                    points,
                    errors: Vec::new(),
                    markers: false,
                });
            }
            Body::Lines(lines)
        }
        PlotKind::Percentile | PlotKind::Jitter | PlotKind::Throughput => {
            let x_key = spec.x.as_deref().unwrap_or_default();
            let percentiles: Vec<f64> = if spec.kind == PlotKind::Percentile {
                spec.percentiles.clone()
            } else {
                vec![0.0]
            };
            let mut lines = Vec::new();
            for (value, rs) in split_by(&recs, spec.series.as_deref()) {
                for &p in &percentiles {
                    let mut points = Vec::new();
                    let mut errors = Vec::new();
                    for (xv, xs) in split_by(&rs, Some(x_key)) {
                        let x: f64 = xv.parse().map_err(|_| {
                            format!("x = {x_key} has a value that is not a number: {xv:?}")
                        })?;
                        let per_seed: Vec<f64> = xs
                            .iter()
                            .map(|r| point_stat(spec.kind, &r.metrics[&spec.metric], p))
                            .collect();
                        let (m, lo, hi) = with_error(&per_seed, spec.error);
                        points.push((tx(x), ty(m)));
                        errors.push((tx(x), ty(lo), ty(hi)));
                    }
                    points.sort_by(|a, b| a.0.total_cmp(&b.0));
                    errors.sort_by(|a, b| a.0.total_cmp(&b.0));
                    let mut label = series_label(&spec.series, &value);
                    if spec.kind == PlotKind::Percentile {
                        if !label.is_empty() {
                            label.push(' ');
                        }
                        label.push_str(&format!("p{}", format_number(p)));
                    }
                    lines.push(Line {
                        label,
                        points,
                        errors,
                        markers: true,
                    });
                }
            }
            Body::Lines(lines)
        }
        PlotKind::Box | PlotKind::Violin => {
            let x_key = spec.x.as_deref().unwrap_or_default();
            let mut dists = Vec::new();
            for (xv, xs) in split_by(&recs, Some(x_key)) {
                for (sv, ss) in split_by(&xs, spec.series.as_deref()) {
                    let label = match &spec.series {
                        Some(_) => format!("{xv} / {sv}"),
                        None => xv.clone(),
                    };
                    let data: Vec<&MetricData> =
                        ss.iter().map(|r| &r.metrics[&spec.metric]).collect();
                    dists.push(distribution(label, &data, spec.log_y));
                }
            }
            if spec.kind == PlotKind::Box {
                Body::Boxes(dists)
            } else {
                Body::Violins(dists)
            }
        }
    };
    let (x_label, y_label) = match spec.kind {
        PlotKind::Cdf => (axis, "fraction of samples".to_string()),
        PlotKind::Percentile | PlotKind::Jitter => (spec.x.clone().unwrap_or_default(), axis),
        PlotKind::Throughput => (
            spec.x.clone().unwrap_or_default(),
            format!("{} samples per simulated second", spec.metric),
        ),
        PlotKind::Box | PlotKind::Violin => {
            let mut x = spec.x.clone().unwrap_or_default();
            if let Some(s) = &spec.series {
                x = format!("{x} / {s}");
            }
            (x, axis)
        }
    };
    Ok(Figure {
        title,
        x_label,
        y_label,
        log_x: spec.log_x
            && matches!(
                spec.kind,
                PlotKind::Cdf | PlotKind::Percentile | PlotKind::Jitter | PlotKind::Throughput
            ),
        log_y: spec.log_y,
        legend_lower_right: spec.kind == PlotKind::Cdf,
        body,
    })
}

/// Draw every figure of the run into `dir/figures`.
pub fn draw_all(dir: &Path, meta: &RunMeta, records: &[PointRecord]) -> Result<Vec<Drawn>> {
    let figures = dir.join(store::FIGURES);
    std::fs::create_dir_all(&figures)
        .with_context(|| format!("cannot create {}", figures.display()))?;
    register_fonts();
    let mut out = Vec::new();
    for (i, spec) in meta.plots.iter().enumerate() {
        let stem = spec.file_stem(i);
        let title = spec.title.clone().unwrap_or_else(|| default_title(spec));
        match figure(meta, spec, records) {
            Err(note) => out.push(Drawn {
                stem,
                title,
                note: Some(note),
            }),
            Ok(fig) => {
                let svg = figures.join(format!("{stem}.svg"));
                let png = figures.join(format!("{stem}.png"));
                render(SVGBackend::new(&svg, SIZE).into_drawing_area(), &fig)
                    .map_err(|e| anyhow::anyhow!("cannot draw {}: {e}", svg.display()))?;
                render(BitMapBackend::new(&png, SIZE).into_drawing_area(), &fig)
                    .map_err(|e| anyhow::anyhow!("cannot draw {}: {e}", png.display()))?;
                out.push(Drawn {
                    stem,
                    title,
                    note: None,
                });
            }
        }
    }
    Ok(out)
}

fn err<E: std::fmt::Debug>(e: E) -> String {
    format!("{e:?}")
}

/// Padded range of `values` (at least a unit wide).
fn range(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(v), b.max(v))
        });
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    if hi - lo < 1e-12 {
        return (lo - 0.5, hi + 0.5);
    }
    let pad = (hi - lo) * 0.05;
    (lo - pad, hi + pad)
}

/// An axis label: on a logarithmic axis, two significant digits, and over three decades or
/// more only powers of ten.
fn axis_text(v: f64, log: bool, span: f64) -> String {
    if !log {
        return format_number(v);
    }
    if span >= 3.0 && (v - v.round()).abs() > 1e-6 {
        return String::new();
    }
    let x = 10f64.powf(v);
    let digits = 2 - 1 - x.abs().log10().floor() as i32;
    let scale = 10f64.powi(digits);
    format_number((x * scale).round() / scale)
}

/// Distinct line colours (a ten-colour qualitative palette).
const COLORS: [(u8, u8, u8); 10] = [
    (31, 119, 180),
    (255, 127, 14),
    (44, 160, 44),
    (214, 39, 40),
    (148, 103, 189),
    (140, 86, 75),
    (227, 119, 194),
    (127, 127, 127),
    (188, 189, 34),
    (23, 190, 207),
];

fn color(i: usize) -> RGBAColor {
    let (r, g, b) = COLORS[i % COLORS.len()];
    RGBColor(r, g, b).to_rgba()
}

fn render<DB: DrawingBackend>(root: DrawingArea<DB, Shift>, fig: &Figure) -> Result<(), String> {
    root.fill(&WHITE).map_err(err)?;
    let (labels, xs, ys): (Vec<String>, Vec<f64>, Vec<f64>) = match &fig.body {
        Body::Lines(lines) => (
            Vec::new(),
            lines
                .iter()
                .flat_map(|l| l.points.iter().map(|p| p.0))
                .collect(),
            lines
                .iter()
                .flat_map(|l| {
                    l.points
                        .iter()
                        .map(|p| p.1)
                        .chain(l.errors.iter().flat_map(|e| [e.1, e.2]))
                })
                .collect(),
        ),
        Body::Boxes(d) | Body::Violins(d) => (
            d.iter().map(|d| d.label.clone()).collect(),
            Vec::new(),
            d.iter().flat_map(|d| [d.min, d.max]).collect(),
        ),
    };
    let (x0, x1) = if labels.is_empty() {
        range(xs.into_iter())
    } else {
        (-0.5, labels.len() as f64 - 0.5)
    };
    let (y0, y1) = range(ys.into_iter());
    let mut chart = ChartBuilder::on(&root)
        .caption(&fig.title, ("sans-serif", 22))
        .margin(18)
        .x_label_area_size(50)
        .y_label_area_size(80)
        .build_cartesian_2d(x0..x1, y0..y1)
        .map_err(err)?;
    let x_fmt = |v: &f64| {
        if labels.is_empty() {
            axis_text(*v, fig.log_x, x1 - x0)
        } else {
            let i = v.round();
            if (v - i).abs() < 1e-6 && i >= 0.0 && (i as usize) < labels.len() {
                labels[i as usize].clone()
            } else {
                String::new()
            }
        }
    };
    let y_fmt = |v: &f64| axis_text(*v, fig.log_y, y1 - y0);
    let mut mesh = chart.configure_mesh();
    mesh.x_desc(fig.x_label.as_str())
        .y_desc(fig.y_label.as_str())
        .x_label_formatter(&x_fmt)
        .y_label_formatter(&y_fmt)
        .label_style(("sans-serif", 14))
        .axis_desc_style(("sans-serif", 16));
    if !labels.is_empty() {
        mesh.x_labels(labels.len() * 2 + 1).disable_x_mesh();
    }
    mesh.draw().map_err(err)?;
    match &fig.body {
        Body::Lines(lines) => {
            let mut labelled = false;
            for (i, line) in lines.iter().enumerate() {
                let color = color(i);
                let series = chart
                    .draw_series(LineSeries::new(
                        line.points.iter().copied(),
                        color.stroke_width(2),
                    ))
                    .map_err(err)?;
                if !line.label.is_empty() {
                    labelled = true;
                    series.label(line.label.as_str()).legend(move |(x, y)| {
                        PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2))
                    });
                }
                if line.markers {
                    chart
                        .draw_series(
                            line.points
                                .iter()
                                .map(|&p| Circle::new(p, 4, color.filled())),
                        )
                        .map_err(err)?;
                }
                chart
                    .draw_series(
                        line.errors
                            .iter()
                            .zip(&line.points)
                            .filter(|(e, _)| e.2 > e.1)
                            .map(|(&(x, lo, hi), &(_, y))| {
                                ErrorBar::new_vertical(x, lo, y, hi, color.stroke_width(1), 8)
                            }),
                    )
                    .map_err(err)?;
            }
            if labelled {
                chart
                    .configure_series_labels()
                    .position(if fig.legend_lower_right {
                        SeriesLabelPosition::LowerRight
                    } else {
                        SeriesLabelPosition::UpperLeft
                    })
                    .label_font(("sans-serif", 14))
                    .background_style(WHITE.mix(0.85))
                    .border_style(BLACK)
                    .draw()
                    .map_err(err)?;
            }
        }
        Body::Boxes(dists) => {
            for (i, d) in dists.iter().enumerate() {
                let x = i as f64;
                let color = color(i);
                chart
                    .draw_series([Rectangle::new(
                        [(x - 0.25, d.q1), (x + 0.25, d.q3)],
                        color.mix(0.35).filled(),
                    )])
                    .map_err(err)?;
                chart
                    .draw_series([Rectangle::new(
                        [(x - 0.25, d.q1), (x + 0.25, d.q3)],
                        color.stroke_width(2),
                    )])
                    .map_err(err)?;
                let lines = [
                    vec![(x - 0.25, d.median), (x + 0.25, d.median)],
                    vec![(x, d.q3), (x, d.max)],
                    vec![(x, d.q1), (x, d.min)],
                    vec![(x - 0.12, d.max), (x + 0.12, d.max)],
                    vec![(x - 0.12, d.min), (x + 0.12, d.min)],
                ];
                chart
                    .draw_series(
                        lines
                            .into_iter()
                            .map(|l| PathElement::new(l, color.stroke_width(2))),
                    )
                    .map_err(err)?;
            }
        }
        Body::Violins(dists) => {
            for (i, d) in dists.iter().enumerate() {
                let x = i as f64;
                let color = color(i);
                let mut outline: Vec<(f64, f64)> =
                    d.density.iter().map(|&(v, w)| (x + 0.4 * w, v)).collect();
                outline.extend(d.density.iter().rev().map(|&(v, w)| (x - 0.4 * w, v)));
                chart
                    .draw_series([Polygon::new(outline.clone(), color.mix(0.35).filled())])
                    .map_err(err)?;
                outline.push(outline[0]);
                chart
                    .draw_series([
                        PathElement::new(outline, color.stroke_width(1)),
                        PathElement::new(
                            vec![(x - 0.2, d.median), (x + 0.2, d.median)],
                            BLACK.stroke_width(2),
                        ),
                        PathElement::new(vec![(x, d.q1), (x, d.q3)], BLACK.stroke_width(3)),
                    ])
                    .map_err(err)?;
            }
        }
    }
    root.present().map_err(err)?;
    Ok(())
}

/// The figure models of a run, for tests: kind of body and number of lines or boxes.
pub fn describe(meta: &RunMeta, records: &[PointRecord]) -> BTreeMap<String, String> {
    meta.plots
        .iter()
        .enumerate()
        .map(|(i, spec)| {
            let text = match figure(meta, spec, records) {
                Err(note) => format!("not drawn: {note}"),
                Ok(f) => match &f.body {
                    Body::Lines(l) => format!(
                        "lines: {}",
                        l.iter()
                            .map(|l| format!("{} ({} points)", l.label, l.points.len()))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    Body::Boxes(d) | Body::Violins(d) => format!(
                        "{}: {}",
                        if matches!(f.body, Body::Boxes(_)) {
                            "boxes"
                        } else {
                            "violins"
                        },
                        d.iter()
                            .map(|d| d.label.clone())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                },
            };
            (spec.file_stem(i), text)
        })
        .collect()
}
