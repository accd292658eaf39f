//! Each kind of figure, built from the records as a [`Figure`] model: what is selected and
//! pooled, which panels (small multiples), axes, lines, boxes, legend and notes.
//!
//! - Lines (percentile, jitter, throughput): one line per series value and statistic; more
//!   than [`MAX_LINES`] on one axes are split into panels, one per statistic when that leaves
//!   at most [`MAX_LINES`] series per panel, else one per series value.
//! - CDF: the distribution (F) and its tail (the fraction of samples at or above x, on a log
//!   axis) side by side.
//! - Density: a kernel density estimate per series, the metric on x.
//! - Box and violin: one per value of `x` (dodged per `series` value).
//!
//! Series keep one style per swept value across a run's figures (the value's position in the
//! sweep), so a mechanism has the same colour, marker and dash everywhere.

mod cdf;
mod density;
mod dists;
mod lines;

use super::model::Figure;
use crate::labels::{key_label, value_label};
use crate::schema::{class_metric_name, plot_class, resolve_metric, Classes, PlotKind, PlotSpec};
use crate::stats::MetricData;
use crate::store::{PointRecord, RunMeta};

/// Lines one set of axes holds before a figure is split into small multiples.
pub const MAX_LINES: usize = 6;

fn param_text(v: &serde_json::Value) -> String {
    crate::sweep::json_value_text(v)
}

/// The value of parameter `key` (or `seed`) of a record, as text.
fn param_of(r: &PointRecord, key: &str) -> Option<String> {
    if key == "seed" {
        return Some(r.seed.to_string());
    }
    r.params.get(key).map(param_text)
}

/// Records of `spec`: passing, matching its filter, with data for its metric.
fn selected<'a>(spec: &PlotSpec, records: &'a [PointRecord]) -> Vec<&'a PointRecord> {
    records
        .iter()
        .filter(|r| r.ok() && r.metrics.get(&spec.metric).is_some_and(|d| d.count > 0))
        .filter(|r| {
            spec.filter.iter().all(|(k, v)| {
                param_of(r, k).as_deref() == Some(crate::sweep::value_text(v).as_str())
            })
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

/// How many seeds the samples of `recs` pooled come from: "1 seed", "3 seeds".
fn seeds_pooled(recs: &[&PointRecord]) -> String {
    let seeds = recs
        .iter()
        .map(|r| r.seed)
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    format!("{seeds} seed{}", if seeds == 1 { "" } else { "s" })
}

/// The metric's human name (a class's: its family's label and the class).
fn metric_label(meta: &RunMeta, metric: &str) -> String {
    match resolve_metric(&meta.metrics, metric) {
        Some(r) => {
            let name = r.metric.label.as_deref().unwrap_or(r.family);
            match (r.class, &r.metric.classes) {
                (Some(k), Some(c)) => format!(
                    "{name}, {} {}",
                    key_label(&meta.labels, &c.name),
                    value_label(&meta.labels, &c.name, &k.to_string())
                ),
                _ => name.to_string(),
            }
        }
        None => metric.to_string(),
    }
}

/// The class `spec` splits its metric's records by: the class of a family whose class key
/// the plot names as `series`, `x` or a filter key.
fn class_split<'a>(meta: &'a RunMeta, spec: &PlotSpec) -> Option<&'a Classes> {
    let c = plot_class(&meta.metrics, spec)?;
    let named = [&spec.series, &spec.x]
        .into_iter()
        .flatten()
        .chain(spec.filter.keys())
        .any(|k| *k == c.name);
    named.then_some(c)
}

/// `records` split per class of `spec`'s metric: one record per point and class present, in
/// class order (then sweep order), with parameter `class.name = k` and the class's data as
/// the metric's; only what figures read is kept.
pub fn expand_classes(
    spec: &PlotSpec,
    class: &Classes,
    records: &[PointRecord],
) -> Vec<PointRecord> {
    let mut out = Vec::new();
    for k in 0..class.count {
        let name = class_metric_name(&spec.metric, &class.name, k);
        for r in records {
            let Some(d) = r.metrics.get(&name) else {
                continue;
            };
            let mut params = r.params.clone();
            params.insert(class.name.clone(), serde_json::json!(k));
            out.push(PointRecord {
                id: r.id.clone(),
                index: r.index,
                group: r.group.clone(),
                params,
                seed: r.seed,
                bootargs: String::new(),
                status: r.status,
                reason: r.reason.clone(),
                exit: r.exit.clone(),
                metrics: [(spec.metric.clone(), d.clone())].into(),
                events: Vec::new(),
                dropped: r.dropped,
                window_start_ps: r.window_start_ps,
                stats: serde_json::Value::Null,
                dumps: Vec::new(),
                console: String::new(),
            });
        }
    }
    out
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
        PlotKind::Density => format!("Density of {m}"),
        PlotKind::Percentile => format!("{m}: percentiles"),
        PlotKind::Jitter => format!("{m}: standard deviation"),
        PlotKind::Throughput => format!("{m}: samples per simulated second"),
        PlotKind::Box | PlotKind::Violin => format!("Distribution of {m}"),
    };
    let title = match &spec.x {
        Some(x) if !matches!(spec.kind, PlotKind::Cdf | PlotKind::Density) => {
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
            let v = crate::sweep::value_text(v);
            format!(
                "{} = {}",
                key_label(&meta.labels, k),
                value_label(&meta.labels, k, &v)
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
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
    let expanded;
    let records = match class_split(meta, spec) {
        Some(c) => {
            expanded = expand_classes(spec, c, records);
            &expanded[..]
        }
        None => records,
    };
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
        PlotKind::Cdf => Ok(cdf::cdf(meta, spec, records, &recs, fig)),
        PlotKind::Density => Ok(density::density(meta, spec, records, &recs, fig)),
        PlotKind::Percentile | PlotKind::Jitter | PlotKind::Throughput => {
            lines::lines(meta, spec, records, &recs, fig)
        }
        PlotKind::Box | PlotKind::Violin => Ok(dists::dists(meta, spec, records, &recs, fig)),
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
