//! Line figures (percentile, jitter, throughput): one value per series, statistic and x
//! value with bars over seeds, split into small multiples beyond [`MAX_LINES`] lines.

use super::super::axes;
use super::super::model::{Figure, LegendEntry, Line, Panel, Scale};
use super::super::style::{self, Style};
use super::{
    data_of, key_label, metric_label, series_of, split_by, value_index, value_label, with_unit,
    SeriesOf, MAX_LINES,
};
use crate::schema::{ErrorBars, PlotKind, PlotSpec, XScale};
use crate::stats::{MetricData, Pooled};
use crate::store::{PointRecord, RunMeta};

/// Sample standard deviation (n - 1) of `values`; 0 for fewer than two.
fn stddev_of(values: &[f64]) -> f64 {
    if values.len() < 2 {
        return 0.0;
    }
    let m = values.iter().sum::<f64>() / values.len() as f64;
    (values.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (values.len() - 1) as f64).sqrt()
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
            let half = crate::theory::t95(n - 1) * stddev_of(per_seed) / (n as f64).sqrt();
            (centre - half, centre + half)
        }
    })
}

/// The note saying what the bars are.
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

/// The figure of a percentile, jitter or throughput `spec`.
pub(super) fn lines(
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
                    // A series' colour; its statistics differ in dash and marker, so
                    // coinciding lines (p50 = p99) still show both markers.
                    let st = if ns == 1 {
                        style::series(j)
                    } else {
                        Style {
                            color: style::color(s.index),
                            marker: style::marker(s.index * np + j),
                            dash: style::dash(j),
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
    let what = &metric_label(meta, &spec.metric);
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
            with_unit(&y_what, y_unit, axes::ticks_carry_unit(y_unit)),
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

/// The standard deviation (n - 1) of one point's samples.
fn stddev_of_data(d: &MetricData) -> f64 {
    if d.count > 1 {
        (d.m2 / (d.count - 1) as f64).sqrt()
    } else {
        0.0
    }
}
