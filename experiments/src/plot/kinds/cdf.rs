//! The CDF figure: the distribution (F) of each series' pooled samples and, beside it, its
//! tail, the fraction of samples at or above x on a log axis, as the latency literature
//! draws tails.

use super::super::axes;
use super::super::model::{Figure, LegendEntry, Line, Panel};
use super::super::style;
use super::{clipped_note, data_of, key_label, metric_label, seeds_pooled, series_of, with_unit};
use crate::schema::PlotSpec;
use crate::stats::Pooled;
use crate::store::{PointRecord, RunMeta};

/// Where the step line `path` crosses `level`: rising (a CDF) or falling (its tail).
fn mark(path: &[(f64, f64)], level: f64, rising: bool) -> Option<(f64, f64)> {
    path.iter()
        .find(|p| if rising { p.1 >= level } else { p.1 <= level })
        .map(|p| (p.0, level))
}

/// The figure of a CDF `spec`: the distribution and its tail, side by side.
pub(super) fn cdf(
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
    let what = &metric_label(meta, &spec.metric);
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
    fig.notes.push(format!(
        "samples of all matching points pooled ({}){}",
        seeds_pooled(recs),
        if count > 1 {
            "; markers only tell the lines apart (staggered per line)"
        } else {
            ""
        }
    ));
    fig.notes.extend(clipped_note("x", "sample", &clipped));
    fig
}
