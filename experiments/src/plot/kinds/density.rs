//! The density figure: a Gaussian kernel density estimate of each series' pooled samples (the
//! violins' estimate, [`super::dists::kde`]), the metric on x, the density on y; with
//! `log_x`, the estimate of the logarithms, as a density per decade.

use super::super::axes;
use super::super::model::{Figure, LegendEntry, Line, Panel};
use super::super::style;
use super::dists::kde;
use super::{clipped_note, data_of, key_label, metric_label, seeds_pooled, series_of, with_unit};
use crate::schema::PlotSpec;
use crate::stats::Pooled;
use crate::store::{PointRecord, RunMeta};

/// Points of each density line.
const STEPS: usize = 200;

/// Bandwidths the lines reach beyond their smallest and largest sample, where the kernel is
/// about 1 % of its peak.
const REACH: f64 = 3.0;

/// The first point of `line` where the area under it (trapezoids, in decades when `log`)
/// reaches the fraction `level` of its whole area.
fn area_mark(line: &[(f64, f64)], level: f64, log: bool) -> Option<(f64, f64)> {
    let t = |x: f64| if log { x.log10() } else { x };
    let mut cumulative = vec![0.0];
    for w in line.windows(2) {
        let last = cumulative[cumulative.len() - 1];
        cumulative.push(last + (t(w[1].0) - t(w[0].0)) * (w[0].1 + w[1].1) / 2.0);
    }
    let total = *cumulative.last()?;
    line.iter()
        .zip(&cumulative)
        .find(|(_, &c)| c >= level * total)
        .map(|(p, _)| *p)
}

/// The figure of a density `spec`.
pub(super) fn density(
    meta: &RunMeta,
    spec: &PlotSpec,
    all: &[PointRecord],
    recs: &[&PointRecord],
    mut fig: Figure,
) -> Figure {
    let unit = meta.unit(&spec.metric);
    let series = series_of(meta, spec, all, recs);
    let count = series.len();
    let pooled: Vec<Pooled> = series
        .iter()
        .map(|s| Pooled::of(&data_of(spec, &s.records)))
        .collect();
    let log = spec.log_x && pooled.iter().any(|p| p.max() > 0);
    if spec.log_x && !log {
        fig.notes
            .push("no value > 0: drawn on a linear axis instead of a log one".into());
    }
    let t = |v: u64| if log { (v as f64).log10() } else { v as f64 };
    // Every line's bandwidth is at least 1 % of the samples' span, so a distribution of
    // nearly one value is a narrow peak rather than a spike.
    let smallest = |p: &Pooled| p.buckets().map(|b| b.0).find(|&v| !log || v > 0);
    let lo = pooled
        .iter()
        .filter_map(smallest)
        .map(t)
        .fold(f64::INFINITY, f64::min);
    let hi = pooled
        .iter()
        .filter(|p| p.count() > 0)
        .map(|p| t(p.max()))
        .fold(f64::NEG_INFINITY, f64::max);
    let floor = ((hi - lo) * 0.01).max(if log { 1e-3 } else { 1e-9 });
    let norm = (2.0 * std::f64::consts::PI).sqrt();
    let mut lines = Vec::new();
    let mut clipped = Vec::new();
    for (position, (s, dist)) in series.into_iter().zip(&pooled).enumerate() {
        let zeros: u64 = dist.buckets().filter(|b| b.0 == 0).map(|b| b.1).sum();
        if log {
            clipped.push((s.label.clone(), zeros));
        }
        let style = style::series(s.index);
        let points: Vec<(f64, f64)> = match kde(dist, log, floor, REACH, STEPS) {
            Some(k) => {
                let scale = 1.0 / (k.n * k.bandwidth * norm);
                k.points
                    .into_iter()
                    .map(|(at, d)| (if log { 10f64.powf(at) } else { at }, d * scale))
                    .collect()
            }
            None => Vec::new(),
        };
        // Markers where the line's area reaches levels staggered per line, so they sit on
        // its body and overlapping lines still show each one's markers.
        let stagger = (position as f64 + 1.0) / (count as f64 + 1.0);
        let marked = if count > 1 { 0..3 } else { 0..0 };
        let markers = marked
            .filter_map(|k| area_mark(&points, (k as f64 + stagger) / 3.0, log))
            .collect();
        if spec.series.is_some() {
            fig.legend.push(LegendEntry {
                label: s.label.clone(),
                style,
                patch: false,
            });
        }
        lines.push(Line {
            label: s.label,
            style,
            points,
            markers,
            errors: Vec::new(),
        });
    }
    let what = &metric_label(meta, &spec.metric);
    let xs = || {
        lines
            .iter()
            .flat_map(|l: &Line| l.points.iter().map(|p| p.0))
    };
    let x_title = with_unit(what, unit, axes::ticks_carry_unit(unit));
    let x = if log {
        axes::log(x_title.clone(), xs(), unit)
    } else {
        None
    }
    .unwrap_or_else(|| axes::linear(x_title, xs().collect::<Vec<_>>(), unit));
    let per = match (log, unit) {
        (true, _) => " (per decade)".to_string(),
        (false, "") => String::new(),
        (false, u) => format!(" (per {u})"),
    };
    let ys: Vec<f64> = lines
        .iter()
        .flat_map(|l| l.points.iter().map(|p| p.1))
        .chain([0.0])
        .collect();
    fig.panels.push(Panel {
        title: String::new(),
        x,
        y: axes::linear(format!("density{per}"), ys, ""),
        lines,
        dists: Vec::new(),
        violins: false,
    });
    if let Some(k) = &spec.series {
        fig.legend_title = key_label(&meta.labels, k).to_string();
    }
    fig.notes.push(format!(
        "Gaussian kernel density of the samples of all matching points pooled ({}), \
         bandwidth by Silverman's rule{}; each line's area is 1",
        seeds_pooled(recs),
        if log {
            ", of the values' logarithms"
        } else {
            ""
        }
    ));
    if count > 1 {
        fig.notes
            .push("markers only tell the lines apart (staggered per line)".into());
    }
    fig.notes.extend(clipped_note("x", "sample", &clipped));
    fig
}
