//! Box and violin figures: one distribution per value of `x` (dodged per `series` value),
//! quartiles, median and extremes, and for violins a kernel density outline.

use super::super::axes;
use super::super::model::{Dist, Figure, LegendEntry, Panel};
use super::super::style::{self, Style};
use super::{
    clipped_note, data_of, key_label, metric_label, series_of, split_by, value_index, value_label,
    with_unit,
};
use crate::schema::{PlotKind, PlotSpec};
use crate::stats::Pooled;
use crate::store::{PointRecord, RunMeta};

/// Points of a violin's outline.
const VIOLIN_STEPS: usize = 80;

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

/// A Gaussian kernel density estimate of a distribution, unnormalised: `(at, sum)` pairs,
/// `at` in the estimate's space (log10 of the values on a log axis), `sum` the kernels' sum
/// there (divide by `n * bandwidth * sqrt(2 pi)` for a density).
pub(super) struct Kde {
    /// Evaluation points, ascending.
    pub points: Vec<(f64, f64)>,
    /// Samples.
    pub n: f64,
    /// Kernel bandwidth, in the estimate's space.
    pub bandwidth: f64,
}

/// The Gaussian kernel density estimate of `dist` (in log10 of the values when `log`, its
/// positive samples only) with Silverman's bandwidth (0.9 min(sd, IQR / 1.34) n^-1/5) but at
/// least `floor`, at `steps + 1` points from `reach` bandwidths below the smallest sample to
/// `reach` above the largest; `None` without samples.
pub(super) fn kde(dist: &Pooled, log: bool, floor: f64, reach: f64, steps: usize) -> Option<Kde> {
    let t = |v: f64| if log { v.log10() } else { v };
    let pts: Vec<(f64, f64)> = dist
        .buckets()
        .filter(|b| !log || b.0 > 0)
        .map(|(v, n)| (t(v as f64), n as f64))
        .collect();
    let n: f64 = pts.iter().map(|p| p.1).sum();
    let (first, last) = (pts.first()?, pts.last()?);
    let mean = pts.iter().map(|p| p.0 * p.1).sum::<f64>() / n;
    let sd = (pts.iter().map(|p| (p.0 - mean).powi(2) * p.1).sum::<f64>() / n).sqrt();
    let iqr = t(dist.quantile(0.75).max(1) as f64) - t(dist.quantile(0.25).max(1) as f64);
    let spread = if iqr > 0.0 { sd.min(iqr / 1.34) } else { sd };
    let bw = (0.9 * spread * n.powf(-0.2))
        .max(floor)
        .max(f64::MIN_POSITIVE);
    let (lo, hi) = (first.0 - reach * bw, last.0 + reach * bw);
    let points = (0..=steps)
        .map(|k| {
            let at = lo + (hi - lo) * k as f64 / steps as f64;
            let d = pts
                .iter()
                .map(|&(v, w)| w * (-0.5 * ((at - v) / bw).powi(2)).exp())
                .sum::<f64>();
            (at, d)
        })
        .collect();
    Some(Kde {
        points,
        n,
        bandwidth: bw,
    })
}

/// A violin's outline: the kernel density estimate of `dist` ([`kde`]) from two bandwidths
/// below the smallest sample to two above the largest, scaled to a largest width of 1.
fn density(dist: &Pooled, log: bool, floor: f64) -> Vec<(f64, f64)> {
    let Some(k) = kde(dist, log, floor, 2.0, VIOLIN_STEPS) else {
        return Vec::new();
    };
    let top = k
        .points
        .iter()
        .map(|p| p.1)
        .fold(0.0, f64::max)
        .max(f64::MIN_POSITIVE);
    k.points
        .into_iter()
        .map(|(at, d)| (if log { 10f64.powf(at) } else { at }, d / top))
        .collect()
}

/// The figure of a box or violin `spec`.
pub(super) fn dists(
    meta: &RunMeta,
    spec: &PlotSpec,
    all: &[PointRecord],
    recs: &[&PointRecord],
    mut fig: Figure,
) -> Figure {
    let unit = meta.unit(&spec.metric);
    let x_key = spec.x.as_deref().unwrap_or_default();
    // A log axis needs a positive sample.
    let log = spec.log_y && recs.iter().any(|r| r.metrics[&spec.metric].max > 0);
    if spec.log_y && !log {
        fig.notes
            .push("no value > 0: drawn on a linear axis instead of a log one".into());
    }
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
            if log {
                clipped.push((name, zeros));
            }
            let x = ci as f64 + (slot as f64 - (m - 1) as f64 / 2.0) * width;
            out.push(dist_of(&dist, log, x, width * 0.85, style::series(index)));
            pooled.push(dist);
        }
    }
    let violins = spec.kind == PlotKind::Violin;
    if violins {
        // Every violin's bandwidth is at least 1 % of the panel's span, so a distribution of
        // nearly one value is a small visible blob rather than a line.
        let t = |v: f64| {
            if log {
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
        let floor = ((hi - lo) * 0.01).max(if log { 1e-3 } else { 1e-9 });
        for (d, p) in out.iter_mut().zip(&pooled) {
            d.density = density(p, log, floor);
        }
    }
    let what = &metric_label(meta, &spec.metric);
    let stats = || {
        out.iter().flat_map(|d| {
            [d.min, d.q1, d.median, d.q3, d.max]
                .into_iter()
                .chain(d.density.iter().map(|p| p.0))
        })
    };
    let y = if log {
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
            with_unit(what, unit, axes::ticks_carry_unit(unit)),
            stats().collect::<Vec<_>>(),
            unit,
        )
    });
    if log {
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
