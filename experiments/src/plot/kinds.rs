//! Each kind of figure, built from the records as a [`Figure`] model: what is selected and
//! pooled, which panels (small multiples), axes, lines, boxes, legend and notes.
//!
//! - Lines (percentile, jitter, throughput): one line per series value and statistic; more
//!   than [`MAX_LINES`] on one axes are split into panels, one per statistic when that leaves
//!   at most [`MAX_LINES`] series per panel, else one per series value.
//! - CDF: the distribution (F) and its tail (the fraction of samples at or above x, on a log
//!   axis) side by side.
//! - Box and violin: one per value of `x` (dodged per `series` value).
//!
//! Series keep one style per swept value across a run's figures (the value's position in the
//! sweep), so a mechanism has the same colour, marker and dash everywhere.

use super::axes;
use super::model::{Dist, Figure, LegendEntry, Line, Panel, Scale};
use super::style::{self, Style};
use crate::labels::{key_label, value_label};
use crate::schema::{ErrorBars, PlotKind, PlotSpec, XScale};
use crate::stats::{MetricData, Pooled};
use crate::store::{PointRecord, RunMeta};

/// Lines one set of axes holds before a figure is split into small multiples.
pub const MAX_LINES: usize = 6;
/// Points of a violin's outline.
const VIOLIN_STEPS: usize = 80;

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
        .filter(|r| r.ok() && r.metrics.get(&spec.metric).is_some_and(|d| d.count > 0))
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

/// The position of `value` among the values of `key` over all of the run's records (sweep
/// order), so a value keeps its style in every figure of the run.
fn value_index(records: &[PointRecord], key: &str, value: &str) -> usize {
    let mut seen: Vec<String> = Vec::new();
    for r in records {
        if let Some(v) = param_of(r, key) {
            if v == value {
                return seen.iter().position(|s| *s == v).unwrap_or(seen.len());
            }
            if !seen.contains(&v) {
                seen.push(v);
            }
        }
    }
    seen.len()
}

/// The metric's human name.
fn metric_label<'a>(meta: &'a RunMeta, metric: &'a str) -> &'a str {
    meta.metrics
        .get(metric)
        .and_then(|m| m.label.as_deref())
        .unwrap_or(metric)
}

/// `what (unit)`, or `what` when there is no unit or the tick labels carry it.
fn with_unit(what: &str, unit: &str, ticks_have_unit: bool) -> String {
    if unit.is_empty() || ticks_have_unit {
        what.to_string()
    } else {
        format!("{what} ({unit})")
    }
}

/// The title of `spec` when it has none.
pub fn default_title(meta: &RunMeta, spec: &PlotSpec) -> String {
    let m = metric_label(meta, &spec.metric);
    let what = match spec.kind {
        PlotKind::Cdf => format!("Distribution of {m}"),
        PlotKind::Percentile => format!("{m}: percentiles"),
        PlotKind::Jitter => format!("{m}: standard deviation"),
        PlotKind::Throughput => format!("{m}: samples per simulated second"),
        PlotKind::Box | PlotKind::Violin => format!("Distribution of {m}"),
    };
    let title = match &spec.x {
        Some(x) if spec.kind != PlotKind::Cdf => {
            format!("{what} by {}", key_label(&meta.labels, x))
        }
        _ => what,
    };
    let mut chars = title.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// The filter as a reader reads it: `harts = 2, quantum = 100`.
fn subtitle(meta: &RunMeta, spec: &PlotSpec) -> String {
    spec.filter
        .iter()
        .map(|(k, v)| {
            let v = toml_text(v);
            format!(
                "{} = {}",
                key_label(&meta.labels, k),
                value_label(&meta.labels, k, &v)
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn stddev_of(values: &[f64]) -> f64 {
    if values.len() < 2 {
        return 0.0;
    }
    let m = values.iter().sum::<f64>() / values.len() as f64;
    (values.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (values.len() - 1) as f64).sqrt()
}

/// Student's t for a two-sided 95 % interval with `df` degrees of freedom.
fn t95(df: usize) -> f64 {
    const T: [f64; 30] = [
        12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
        2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
        2.052, 2.048, 2.045, 2.042,
    ];
    match df {
        0 => f64::NAN,
        1..=30 => T[df - 1],
        _ => 1.96,
    }
}

/// The error bar of `centre` from the per-seed values: `None` with one seed.
fn error_bar(centre: f64, per_seed: &[f64], error: ErrorBars) -> Option<(f64, f64)> {
    if per_seed.len() < 2 {
        return None;
    }
    Some(match error {
        ErrorBars::Minmax => (
            per_seed.iter().copied().fold(f64::INFINITY, f64::min),
            per_seed.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        ),
        ErrorBars::Stddev => {
            let sd = stddev_of(per_seed);
            (centre - sd, centre + sd)
        }
        ErrorBars::Ci95 => {
            let n = per_seed.len();
            let half = t95(n - 1) * stddev_of(per_seed) / (n as f64).sqrt();
            (centre - half, centre + half)
        }
    })
}

fn bars_note(error: ErrorBars, seeds: usize) -> String {
    if seeds < 2 {
        return "one seed per point: no error bars".into();
    }
    match error {
        ErrorBars::Minmax => format!("bars: smallest to largest of the {seeds} seeds"),
        ErrorBars::Stddev => format!("bars: ± one standard deviation over the {seeds} seeds"),
        ErrorBars::Ci95 => {
            format!("bars: 95 % confidence interval of the mean over the {seeds} seeds (Student t)")
        }
    }
}

/// "3 values ≤ 0 not shown (poll: 2, pipe: 1)".
fn clipped_note(axis: &str, what: &str, clipped: &[(String, u64)]) -> Option<String> {
    let total: u64 = clipped.iter().map(|c| c.1).sum();
    if total == 0 {
        return None;
    }
    let parts: Vec<String> = clipped
        .iter()
        .filter(|c| c.1 > 0 && !c.0.is_empty())
        .map(|(g, n)| format!("{g}: {n}"))
        .collect();
    let plural = if total == 1 { "" } else { "s" };
    let mut s = format!("log {axis} axis: {total} {what}{plural} ≤ 0 not shown");
    if !parts.is_empty() {
        s.push_str(&format!(" ({})", parts.join(", ")));
    }
    Some(s)
}

/// The figure of `spec`, or why there is none.
pub fn figure(meta: &RunMeta, spec: &PlotSpec, records: &[PointRecord]) -> Result<Figure, String> {
    let recs = selected(spec, records);
    if recs.is_empty() {
        return Err(format!(
            "no passing point has samples of {:?} here",
            spec.metric
        ));
    }
    let fig = Figure {
        title: spec
            .title
            .clone()
            .unwrap_or_else(|| default_title(meta, spec)),
        subtitle: subtitle(meta, spec),
        panels: Vec::new(),
        columns: 1,
        share_x: true,
        share_y: true,
        legend_title: String::new(),
        legend: Vec::new(),
        notes: Vec::new(),
    };
    match spec.kind {
        PlotKind::Cdf => Ok(cdf(meta, spec, records, &recs, fig)),
        PlotKind::Percentile | PlotKind::Jitter | PlotKind::Throughput => {
            lines(meta, spec, records, &recs, fig)
        }
        PlotKind::Box | PlotKind::Violin => Ok(dists(meta, spec, records, &recs, fig)),
    }
}

/// A series: its label and its style index.
struct SeriesOf<'a> {
    value: String,
    label: String,
    index: usize,
    records: Vec<&'a PointRecord>,
}

fn series_of<'a>(
    meta: &RunMeta,
    spec: &PlotSpec,
    all: &[PointRecord],
    recs: &[&'a PointRecord],
) -> Vec<SeriesOf<'a>> {
    split_by(recs, spec.series.as_deref())
        .into_iter()
        .map(|(value, records)| match &spec.series {
            Some(k) => SeriesOf {
                label: value_label(&meta.labels, k, &value).to_string(),
                index: value_index(all, k, &value),
                value,
                records,
            },
            None => SeriesOf {
                value,
                label: String::new(),
                index: 0,
                records,
            },
        })
        .collect()
}

fn data_of<'a>(spec: &PlotSpec, rs: &[&'a PointRecord]) -> Vec<&'a MetricData> {
    rs.iter().map(|r| &r.metrics[&spec.metric]).collect()
}

/// Where the step line `path` crosses `level`: rising (a CDF) or falling (its tail).
fn mark(path: &[(f64, f64)], level: f64, rising: bool) -> Option<(f64, f64)> {
    path.iter()
        .find(|p| if rising { p.1 >= level } else { p.1 <= level })
        .map(|p| (p.0, level))
}

fn cdf(
    meta: &RunMeta,
    spec: &PlotSpec,
    all: &[PointRecord],
    recs: &[&PointRecord],
    mut fig: Figure,
) -> Figure {
    let unit = meta.unit(&spec.metric);
    let mut rising = Vec::new();
    let mut tails = Vec::new();
    let mut clipped = Vec::new();
    let mut xs = Vec::new();
    let mut smallest_tail = 1.0f64;
    let series = series_of(meta, spec, all, recs);
    let count = series.len();
    for (position, s) in series.into_iter().enumerate() {
        let dist = Pooled::of(&data_of(spec, &s.records));
        let total = dist.count() as f64;
        let style = style::series(s.index);
        let (mut path, mut tail) = (Vec::new(), Vec::new());
        let (mut seen, mut zeros) = (0u64, 0u64);
        for (v, n) in dist.buckets() {
            let x = v as f64;
            let before = seen as f64 / total;
            seen += n;
            let after = seen as f64 / total;
            if spec.log_x && x <= 0.0 {
                zeros += n;
                continue;
            }
            xs.push(x);
            path.push((x, before));
            path.push((x, after));
            // The fraction of samples at or above x: 1 before the first, then falling.
            let at_or_above = 1.0 - before;
            tail.push((x, at_or_above));
            if after < 1.0 {
                tail.push((x, 1.0 - after));
            }
            smallest_tail = smallest_tail.min(at_or_above);
        }
        clipped.push((s.label.clone(), zeros));
        // Markers at levels staggered per series, so lines that overlap still show each
        // one's markers: three on the CDF, one per decade of the tail.
        let stagger = (position as f64 + 1.0) / (count as f64 + 1.0);
        let marked = if count > 1 { 0..3 } else { 0..0 };
        let marks_up: Vec<(f64, f64)> = marked
            .filter_map(|k| mark(&path, (k as f64 + stagger) / 3.0, true))
            .collect();
        let marked = if count > 1 { 0..4 } else { 0..0 };
        let marks_down: Vec<(f64, f64)> = marked
            .filter_map(|k| mark(&tail, 10f64.powf(-(k as f64 + stagger)), false))
            .collect();
        rising.push(Line {
            label: s.label.clone(),
            style,
            points: path,
            markers: marks_up,
            errors: Vec::new(),
        });
        tails.push(Line {
            label: s.label.clone(),
            style,
            points: tail,
            markers: marks_down,
            errors: Vec::new(),
        });
        if spec.series.is_some() {
            fig.legend.push(LegendEntry {
                label: s.label,
                style,
                patch: false,
            });
        }
    }
    let what = metric_label(meta, &spec.metric);
    let x = if spec.log_x {
        axes::log(
            with_unit(what, unit, axes::ticks_carry_unit(unit)),
            xs.iter().copied(),
            unit,
        )
    } else {
        None
    }
    .unwrap_or_else(|| {
        axes::linear(
            with_unit(what, unit, axes::ticks_carry_unit(unit)),
            xs.iter().copied(),
            unit,
        )
    });
    let d0 = smallest_tail.max(1e-12).log10().floor().min(-1.0);
    // Down to the decade below the rarest sample; room above 1, so the tail's start is not
    // drawn on the frame.
    let tail_y = axes::log_between("fraction of samples ≥ x".into(), 10f64.powf(d0), 1.25, "");
    fig.panels = vec![
        Panel {
            title: "distribution (CDF)".into(),
            x: x.clone(),
            y: axes::linear_range("fraction of samples ≤ x".into(), -0.02, 1.02, ""),
            lines: rising,
            dists: Vec::new(),
            violins: false,
        },
        Panel {
            title: "tail (1 − CDF, log scale)".into(),
            x,
            y: tail_y,
            lines: tails,
            dists: Vec::new(),
            violins: false,
        },
    ];
    fig.columns = 2;
    fig.share_y = false;
    if let Some(k) = &spec.series {
        fig.legend_title = key_label(&meta.labels, k).to_string();
    }
    let seeds = recs
        .iter()
        .map(|r| r.seed)
        .collect::<std::collections::BTreeSet<_>>();
    fig.notes.push(format!(
        "samples of all matching points pooled ({} seed{}){}",
        seeds.len(),
        if seeds.len() == 1 { "" } else { "s" },
        if count > 1 {
            "; markers only tell the lines apart (staggered per line)"
        } else {
            ""
        }
    ));
    fig.notes.extend(clipped_note("x", "sample", &clipped));
    fig
}

/// A line planned for a panel: (series, statistic, legend label, style).
type LinePlan = (usize, usize, String, Style);
/// A panel planned: its title and lines.
type PanelPlan = (String, Vec<LinePlan>);

/// One statistic's value at one x: the point and its bar.
struct Value {
    x: f64,
    y: f64,
    bar: Option<(f64, f64)>,
}

fn lines(
    meta: &RunMeta,
    spec: &PlotSpec,
    all: &[PointRecord],
    recs: &[&PointRecord],
    mut fig: Figure,
) -> Result<Figure, String> {
    let unit = meta.unit(&spec.metric);
    let x_key = spec.x.as_deref().unwrap_or_default();
    let scale = spec.x_scale();
    let stats: Vec<(String, f64)> = match spec.kind {
        PlotKind::Percentile => spec
            .percentiles
            .iter()
            .map(|&p| (format!("p{}", crate::report::format_number(p)), p))
            .collect(),
        PlotKind::Jitter => vec![("standard deviation".into(), 0.0)],
        _ => vec![("throughput".into(), 0.0)],
    };
    // Categories: the x values present, in sweep order.
    let mut categories: Vec<String> = split_by(recs, Some(x_key))
        .into_iter()
        .map(|(v, _)| v)
        .collect();
    categories.sort_by_key(|v| value_index(all, x_key, v));
    let series = series_of(meta, spec, all, recs);
    let mut seeds = 0;
    // values[s][j]: series s, statistic j.
    let mut values: Vec<Vec<Vec<Value>>> = Vec::new();
    for s in &series {
        let mut per_stat = Vec::new();
        for &(_, p) in &stats {
            let mut row = Vec::new();
            for (xv, xs) in split_by(&s.records, Some(x_key)) {
                let x = match scale {
                    XScale::Category => {
                        categories.iter().position(|c| *c == xv).unwrap_or(0) as f64
                    }
                    XScale::Linear | XScale::Log => xv.parse().map_err(|_| {
                        format!("x = {x_key} has a value that is not a number: {xv:?}")
                    })?,
                };
                let data = data_of(spec, &xs);
                seeds = seeds.max(data.len());
                let per_seed: Vec<f64> = data
                    .iter()
                    .map(|d| match spec.kind {
                        PlotKind::Jitter => stddev_of_data(d),
                        PlotKind::Throughput => d.throughput,
                        _ => Pooled::of(&[d]).quantile(p / 100.0) as f64,
                    })
                    .collect();
                let value = if spec.kind == PlotKind::Percentile {
                    // The pooled percentile, as summary.csv's group row; a percentile lies
                    // within the samples, and so do its bars.
                    let pooled = Pooled::of(&data);
                    let (lo, hi) = (pooled.min() as f64, pooled.max() as f64);
                    let y = pooled.quantile(p / 100.0) as f64;
                    Value {
                        x,
                        y,
                        bar: error_bar(y, &per_seed, spec.error)
                            .map(|(a, b)| (a.clamp(lo, hi), b.clamp(lo, hi))),
                    }
                } else {
                    let y = per_seed.iter().sum::<f64>() / per_seed.len() as f64;
                    Value {
                        x,
                        y,
                        bar: error_bar(y, &per_seed, spec.error),
                    }
                };
                row.push(value);
            }
            row.sort_by(|a, b| a.x.total_cmp(&b.x));
            per_stat.push(row);
        }
        values.push(per_stat);
    }

    // Panels: one, one per statistic, or one per series value.
    let (ns, np) = (series.len(), stats.len());
    enum Facet {
        None,
        ByStat,
        BySeries,
    }
    let facet = if ns * np <= MAX_LINES {
        Facet::None
    } else if np > 1 && ns <= MAX_LINES {
        Facet::ByStat
    } else {
        Facet::BySeries
    };
    let stat_style = |j: usize, color: (u8, u8, u8)| Style {
        color,
        marker: style::marker(j),
        dash: style::dash(j),
    };
    let both = |s: &SeriesOf, j: usize| -> String {
        match (s.label.is_empty(), np > 1) {
            (true, _) => stats[j].0.clone(),
            (false, true) => format!("{} {}", s.label, stats[j].0),
            (false, false) => s.label.clone(),
        }
    };
    let mut layout: Vec<PanelPlan> = Vec::new();
    match facet {
        Facet::None => {
            let mut ls = Vec::new();
            for (si, s) in series.iter().enumerate() {
                for j in 0..np {
                    let st = if ns == 1 {
                        style::series(j)
                    } else {
                        Style {
                            dash: style::dash(j),
                            ..style::series(s.index)
                        }
                    };
                    ls.push((si, j, both(s, j), st));
                }
            }
            for (_, _, label, st) in &ls {
                if ns * np > 1 {
                    fig.legend.push(LegendEntry {
                        label: label.clone(),
                        style: *st,
                        patch: false,
                    });
                }
            }
            layout.push((String::new(), ls));
        }
        Facet::ByStat => {
            for (j, (name, _)) in stats.iter().enumerate() {
                let ls = series
                    .iter()
                    .enumerate()
                    .map(|(si, s)| (si, j, s.label.clone(), style::series(s.index)))
                    .collect();
                layout.push((name.clone(), ls));
            }
            for s in &series {
                fig.legend.push(LegendEntry {
                    label: s.label.clone(),
                    style: style::series(s.index),
                    patch: false,
                });
            }
        }
        Facet::BySeries => {
            for (si, s) in series.iter().enumerate() {
                let color = style::series(s.index).color;
                let ls = (0..np)
                    .map(|j| (si, j, stats[j].0.clone(), stat_style(j, color)))
                    .collect();
                layout.push((s.label.clone(), ls));
            }
            if np > 1 {
                for (j, (name, _)) in stats.iter().enumerate() {
                    fig.legend.push(LegendEntry {
                        label: name.clone(),
                        style: stat_style(j, style::NEUTRAL),
                        patch: false,
                    });
                }
            }
        }
    }
    fig.legend_title = match facet {
        Facet::BySeries => {
            if np > 1 {
                "statistic".into()
            } else {
                String::new()
            }
        }
        _ => spec
            .series
            .as_deref()
            .map(|k| key_label(&meta.labels, k).to_string())
            .unwrap_or_default(),
    };

    // The y axis, shared by the panels.
    let what = metric_label(meta, &spec.metric);
    let y_what = match spec.kind {
        PlotKind::Percentile => what.to_string(),
        PlotKind::Jitter => format!("standard deviation of {what}"),
        _ => "samples per simulated second".to_string(),
    };
    let y_unit = if spec.kind == PlotKind::Throughput {
        ""
    } else {
        unit
    };
    let all_y = || {
        values
            .iter()
            .flatten()
            .flatten()
            .flat_map(|v| [Some(v.y), v.bar.map(|b| b.0), v.bar.map(|b| b.1)])
            .flatten()
    };
    let log_y = if spec.log_y {
        let a = axes::log(
            with_unit(&y_what, y_unit, axes::ticks_carry_unit(y_unit)),
            all_y(),
            y_unit,
        );
        if a.is_none() {
            fig.notes
                .push("no value > 0: drawn on a linear axis instead of a log one".into());
        }
        a
    } else {
        None
    };
    let y_axis = log_y.clone().unwrap_or_else(|| {
        axes::linear(
            with_unit(&y_what, y_unit, false),
            all_y().collect::<Vec<_>>(),
            y_unit,
        )
    });
    let x_title = key_label(&meta.labels, x_key).to_string();
    let x_axis = match scale {
        XScale::Category => axes::category(
            x_title,
            categories
                .iter()
                .map(|c| value_label(&meta.labels, x_key, c).to_string())
                .collect(),
        ),
        XScale::Linear => axes::linear(
            x_title,
            values
                .iter()
                .flatten()
                .flatten()
                .map(|v| v.x)
                .collect::<Vec<_>>(),
            "",
        ),
        XScale::Log => axes::log(
            x_title.clone(),
            values.iter().flatten().flatten().map(|v| v.x),
            "",
        )
        .unwrap_or_else(|| axes::linear(x_title, [0.0, 1.0], "")),
    };

    let (mut hidden, mut cut) = (0usize, 0usize);
    for (title, ls) in layout {
        let m = ls.len();
        let mut panel = Panel {
            title,
            x: x_axis.clone(),
            y: y_axis.clone(),
            lines: Vec::new(),
            dists: Vec::new(),
            violins: false,
        };
        for (k, (si, j, label, st)) in ls.into_iter().enumerate() {
            // Lines side by side on a category dodge a little, so their bars do not overlap.
            let dodge = if matches!(panel.x.scale, Scale::Category(_)) && m > 1 {
                (k as f64 - (m - 1) as f64 / 2.0) * (0.3 / m as f64).min(0.08)
            } else {
                0.0
            };
            let mut line = Line {
                label,
                style: st,
                points: Vec::new(),
                markers: Vec::new(),
                errors: Vec::new(),
            };
            for v in &values[si][j] {
                let x = v.x + dodge;
                if log_y.is_some() && v.y <= 0.0 {
                    hidden += 1;
                    continue;
                }
                line.points.push((x, v.y));
                if let Some((lo, hi)) = v.bar {
                    let lo = if log_y.is_some() && lo <= 0.0 {
                        cut += 1;
                        panel.y.lo
                    } else {
                        lo
                    };
                    if hi > lo {
                        line.errors.push((x, lo, hi));
                    }
                }
            }
            line.markers = line.points.clone();
            panel.lines.push(line);
        }
        fig.panels.push(panel);
    }
    fig.columns = match fig.panels.len() {
        1 => 1,
        2 | 4 => 2,
        3 | 5 | 6 | 9 => 3,
        _ => 4,
    };
    fig.notes.push(match spec.kind {
        PlotKind::Percentile => {
            "points: percentiles of the seeds' samples pooled (as summary.csv's group rows)".into()
        }
        PlotKind::Jitter => "points: mean over seeds of each seed's standard deviation".into(),
        _ => "points: mean over seeds".to_string(),
    });
    fig.notes.push(bars_note(spec.error, seeds));
    if hidden > 0 {
        fig.notes.push(format!(
            "log y axis: {hidden} value{} ≤ 0 not shown",
            if hidden == 1 { "" } else { "s" }
        ));
    }
    if cut > 0 {
        fig.notes.push(format!(
            "log y axis: {cut} error bar{} reaching ≤ 0 cut at the axis",
            if cut == 1 { "" } else { "s" }
        ));
    }
    Ok(fig)
}

fn stddev_of_data(d: &MetricData) -> f64 {
    if d.count > 1 {
        (d.m2 / (d.count - 1) as f64).sqrt()
    } else {
        0.0
    }
}

/// The quartiles and extremes of `dist`: on a log axis, from its smallest positive sample.
fn dist_of(dist: &Pooled, log: bool, x: f64, width: f64, style: Style) -> Dist {
    let q = |p: f64| dist.quantile(p) as f64;
    let positive_min = dist.buckets().map(|b| b.0).find(|&v| v > 0).unwrap_or(0) as f64;
    Dist {
        x,
        width,
        style,
        min: if log { positive_min } else { dist.min() as f64 },
        q1: q(0.25),
        median: q(0.5),
        q3: q(0.75),
        max: dist.max() as f64,
        density: Vec::new(),
    }
}

/// A violin's outline: a Gaussian kernel density estimate of `dist` (in log10 of the values
/// on a log axis, its positive samples only), Silverman's bandwidth but at least `floor`,
/// evaluated from two bandwidths below the smallest sample to two above the largest and
/// scaled to a largest width of 1.
fn density(dist: &Pooled, log: bool, floor: f64) -> Vec<(f64, f64)> {
    let t = |v: f64| if log { v.log10() } else { v };
    let pts: Vec<(f64, f64)> = dist
        .buckets()
        .filter(|b| !log || b.0 > 0)
        .map(|(v, n)| (t(v as f64), n as f64))
        .collect();
    let n: f64 = pts.iter().map(|p| p.1).sum();
    let (Some(first), Some(last)) = (pts.first(), pts.last()) else {
        return Vec::new();
    };
    let mean = pts.iter().map(|p| p.0 * p.1).sum::<f64>() / n;
    let sd = (pts.iter().map(|p| (p.0 - mean).powi(2) * p.1).sum::<f64>() / n).sqrt();
    let iqr = t(dist.quantile(0.75).max(1) as f64) - t(dist.quantile(0.25).max(1) as f64);
    let spread = if iqr > 0.0 { sd.min(iqr / 1.34) } else { sd };
    let bw = (0.9 * spread * n.powf(-0.2))
        .max(floor)
        .max(f64::MIN_POSITIVE);
    let (lo, hi) = (first.0 - 2.0 * bw, last.0 + 2.0 * bw);
    let raw: Vec<(f64, f64)> = (0..=VIOLIN_STEPS)
        .map(|k| {
            let at = lo + (hi - lo) * k as f64 / VIOLIN_STEPS as f64;
            let d = pts
                .iter()
                .map(|&(v, w)| w * (-0.5 * ((at - v) / bw).powi(2)).exp())
                .sum::<f64>();
            (at, d)
        })
        .collect();
    let top = raw
        .iter()
        .map(|p| p.1)
        .fold(0.0, f64::max)
        .max(f64::MIN_POSITIVE);
    raw.into_iter()
        .map(|(at, d)| (if log { 10f64.powf(at) } else { at }, d / top))
        .collect()
}

fn dists(
    meta: &RunMeta,
    spec: &PlotSpec,
    all: &[PointRecord],
    recs: &[&PointRecord],
    mut fig: Figure,
) -> Figure {
    let unit = meta.unit(&spec.metric);
    let x_key = spec.x.as_deref().unwrap_or_default();
    let mut by_x = split_by(recs, Some(x_key));
    by_x.sort_by_key(|(v, _)| value_index(all, x_key, v));
    let series = series_of(meta, spec, all, recs);
    let m = series.len().max(1);
    let width = 0.7 / m as f64;
    let mut out = Vec::new();
    let mut pooled = Vec::new();
    let mut clipped = Vec::new();
    for (ci, (xv, xs)) in by_x.iter().enumerate() {
        for (sv, ss) in split_by(xs, spec.series.as_deref()) {
            let slot = series.iter().position(|s| s.value == sv).unwrap_or(0);
            let index = match &spec.series {
                Some(k) => value_index(all, k, &sv),
                None => value_index(all, x_key, xv),
            };
            let dist = Pooled::of(&data_of(spec, &ss));
            let zeros: u64 = dist.buckets().filter(|b| b.0 == 0).map(|b| b.1).sum();
            let name = match &spec.series {
                Some(k) => format!(
                    "{} / {}",
                    value_label(&meta.labels, x_key, xv),
                    value_label(&meta.labels, k, &sv)
                ),
                None => value_label(&meta.labels, x_key, xv).to_string(),
            };
            if spec.log_y {
                clipped.push((name, zeros));
            }
            let x = ci as f64 + (slot as f64 - (m - 1) as f64 / 2.0) * width;
            out.push(dist_of(
                &dist,
                spec.log_y,
                x,
                width * 0.85,
                style::series(index),
            ));
            pooled.push(dist);
        }
    }
    let violins = spec.kind == PlotKind::Violin;
    if violins {
        // Every violin's bandwidth is at least 1 % of the panel's span, so a distribution of
        // nearly one value is a small visible blob rather than a line.
        let t = |v: f64| {
            if spec.log_y {
                v.max(f64::MIN_POSITIVE).log10()
            } else {
                v
            }
        };
        let lo = out.iter().map(|d| t(d.min)).fold(f64::INFINITY, f64::min);
        let hi = out
            .iter()
            .map(|d| t(d.max))
            .fold(f64::NEG_INFINITY, f64::max);
        let floor = ((hi - lo) * 0.01).max(if spec.log_y { 1e-3 } else { 1e-9 });
        for (d, p) in out.iter_mut().zip(&pooled) {
            d.density = density(p, spec.log_y, floor);
        }
    }
    let what = metric_label(meta, &spec.metric);
    let stats = || {
        out.iter().flat_map(|d| {
            [d.min, d.q1, d.median, d.q3, d.max]
                .into_iter()
                .chain(d.density.iter().map(|p| p.0))
        })
    };
    let y = if spec.log_y {
        axes::log(
            with_unit(what, unit, axes::ticks_carry_unit(unit)),
            stats(),
            unit,
        )
    } else {
        None
    }
    .unwrap_or_else(|| {
        axes::linear(
            with_unit(what, unit, false),
            stats().collect::<Vec<_>>(),
            unit,
        )
    });
    if spec.log_y {
        for d in &mut out {
            for v in [&mut d.min, &mut d.q1, &mut d.median, &mut d.q3] {
                if *v <= 0.0 {
                    *v = y.lo;
                }
            }
        }
    }
    let x = axes::category(
        key_label(&meta.labels, x_key).to_string(),
        by_x.iter()
            .map(|(v, _)| value_label(&meta.labels, x_key, v).to_string())
            .collect(),
    );
    if let Some(k) = &spec.series {
        fig.legend_title = key_label(&meta.labels, k).to_string();
        for s in &series {
            fig.legend.push(LegendEntry {
                label: s.label.clone(),
                style: style::series(s.index),
                patch: true,
            });
        }
    }
    fig.panels.push(Panel {
        title: String::new(),
        x,
        y,
        lines: Vec::new(),
        dists: out,
        violins,
    });
    fig.notes.push(if violins {
        "outline: kernel density of the samples, each violin scaled to the same width; bar: first to third quartile; line: median".into()
    } else {
        "box: first to third quartile, line: median; whiskers: smallest and largest sample".into()
    });
    fig.notes.push("samples of all seeds pooled".into());
    fig.notes.extend(clipped_note("y", "sample", &clipped));
    fig
}
