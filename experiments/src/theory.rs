//! Measured against theory: `[[theory]]` declares that a metric (a sojourn time measured at
//! the client) must equal a queueing model's prediction ([`crate::queueing`]) within the 95 %
//! confidence interval of the measurement, and that this interval be narrower than ±`width`
//! of the prediction. The model is fed only measured inputs: the service-time distribution
//! is the histogram of the server's own samples of the time it held the hart per request
//! (plus, with `receive`, the smallest time it took to pick up a waiting request, which a busy
//! server spends per request too), the arrival rate is the configured Poisson rate, and an
//! optional path delay (wire, card, interrupt: time a request spends outside the queue) is
//! the mean sojourn minus the model's at a reference group of very light load.
//!
//! Intervals are over independent seeds (each seed an independent replication from an empty
//! system): Student-t on the per-seed estimates, for a mean as for a percentile. The runner
//! reports every checked number (`report.md`), `hartlab check` fails on one outside its
//! interval or with too wide an interval, and each declaration draws measured (with its
//! intervals) against theory on the same axes.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use crate::labels::{key_label, value_label};
use crate::plot::model::{Figure, LegendEntry, Line, Panel};
use crate::plot::{axes, style};
use crate::queueing::{self, Mg1Fcfs, MgcFcfs, Service};
use crate::report::{format_number, groups};
use crate::stats::{MetricData, Pooled};
use crate::store::{PointRecord, RunMeta};

/// The queueing model of a `[[theory]]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Model {
    /// M/G/1 first come first served: Pollaczek–Khinchine's mean and the exact sojourn
    /// distribution from the measured service times.
    Mg1,
    /// M/G/1 processor sharing: E[T] = E[S]/(1−ρ) (mean only).
    Ps,
    /// M/G/c FCFS, one queue for `servers` servers: the Kiefer–Wolfowitz recursion on the
    /// measured service times (Erlang C when they are exponential).
    Mgc,
}

impl Model {
    /// The model's name in the report, for `servers` servers.
    fn title(self, servers: u32) -> String {
        match (self, servers) {
            (Model::Mg1, 1) => "M/G/1 FCFS".into(),
            (Model::Ps, 1) => "M/G/1 processor sharing".into(),
            (Model::Mg1, c) => format!("{c} × M/G/1 FCFS, random steering"),
            (Model::Ps, c) => format!("{c} × M/G/1 processor sharing, random steering"),
            (Model::Mgc, c) => format!("M/G/{c} FCFS"),
        }
    }
}

/// `[[theory]]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TheorySpec {
    /// Name: the figure's file stem is `theory-NAME`.
    pub name: String,
    /// The figure's title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The model.
    pub model: Model,
    /// The measured sojourn time (a metric in nanoseconds).
    pub metric: String,
    /// The server's time on the hart per request (a metric in nanoseconds).
    pub service: String,
    /// The server's time between requests; its smallest sample is added to every service
    /// time (a metric in nanoseconds).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receive: Option<String>,
    /// The swept key holding the mean gap between a connection's Poisson arrivals, in
    /// microseconds.
    pub interval: String,
    /// Connections sending (the arrival rate is connections / interval).
    #[serde(default = "one")]
    pub connections: u32,
    /// Servers (harts serving): for "mgc" the servers of the one queue; for "mg1" and "ps"
    /// that many independent queues, each request steered to one at random (each queue
    /// sees a Poisson stream of rate λ/servers). Default 1.
    #[serde(default = "one")]
    pub servers: u32,
    /// The reference groups whose light load gives the path delay: these values of some
    /// swept keys, the other keys as in the checked group. Empty: no delay.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub delay: BTreeMap<String, toml::Value>,
    /// Swept key whose values are separate lines of the figure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub series: Option<String>,
    /// Only groups whose parameters have these values.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub filter: BTreeMap<String, toml::Value>,
    /// The statistics checked: "mean", "p50", "p90", "p99", "p99.9".
    #[serde(default = "default_stats")]
    pub stats: Vec<String>,
    /// The widest 95 % half-interval allowed, as a fraction of the prediction.
    pub width: f64,
}

fn one() -> u32 {
    1
}

fn default_stats() -> Vec<String> {
    vec!["mean".into(), "p99".into(), "p99.9".into()]
}

/// The fraction of a percentile statistic ("p99.9" → 0.999); `None` for "mean" or a name
/// that is not a percentile.
pub fn percentile_of(stat: &str) -> Option<f64> {
    let p: f64 = stat.strip_prefix('p')?.parse().ok()?;
    (p > 0.0 && p < 100.0).then_some(p / 100.0)
}

impl TheorySpec {
    /// Why the declaration cannot be evaluated, naming the field; `metric_known` says
    /// whether a metric name is declared, `swept` whether a key is swept.
    pub fn problem(
        &self,
        metric_known: &dyn Fn(&str) -> bool,
        swept: &dyn Fn(&str) -> bool,
    ) -> Option<(&'static str, String)> {
        for (field, m) in [
            ("metric", Some(&self.metric)),
            ("service", Some(&self.service)),
            ("receive", self.receive.as_ref()),
        ] {
            if let Some(m) = m.filter(|m| !metric_known(m)) {
                return Some((field, format!("{m:?} is not a metric of [metrics]")));
            }
        }
        if !swept(&self.interval) {
            return Some((
                "interval",
                format!("{:?} is not a swept key", self.interval),
            ));
        }
        let keys = [
            ("delay", self.delay.keys().collect::<Vec<_>>()),
            ("filter", self.filter.keys().collect()),
            ("series", self.series.iter().collect()),
        ];
        for (field, ks) in keys {
            if let Some(k) = ks.into_iter().find(|k| !swept(k)) {
                return Some((field, format!("{k:?} is not a swept key")));
            }
        }
        if self.stats.is_empty() {
            return Some(("stats", "names no statistic".into()));
        }
        for s in &self.stats {
            let ok = match self.model {
                Model::Mg1 | Model::Mgc => s == "mean" || percentile_of(s).is_some(),
                Model::Ps => s == "mean",
            };
            if !ok {
                return Some((
                    "stats",
                    format!(
                        "{s:?} is not a statistic of this model (mg1, mgc: mean, pN; ps: mean)"
                    ),
                ));
            }
        }
        if !(self.width.is_finite() && self.width > 0.0) {
            return Some((
                "width",
                format!("{} must be a positive fraction", self.width),
            ));
        }
        if self.connections == 0 {
            return Some(("connections", "must be at least 1".into()));
        }
        if !(1..=64).contains(&self.servers) {
            return Some((
                "servers",
                format!("{} must be between 1 and 64", self.servers),
            ));
        }
        None
    }
}

/// Student's t for a two-sided 95 % interval with `df` degrees of freedom (exact table to 30,
/// then the Cornish–Fisher expansion around the normal quantile).
pub fn t95(df: usize) -> f64 {
    const T: [f64; 30] = [
        12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
        2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
        2.052, 2.048, 2.045, 2.042,
    ];
    match df {
        0 => f64::NAN,
        1..=30 => T[df - 1],
        _ => {
            let (z, n) = (1.959_964_f64, df as f64);
            z + (z.powi(3) + z) / (4.0 * n)
                + (5.0 * z.powi(5) + 16.0 * z.powi(3) + 3.0 * z) / (96.0 * n * n)
        }
    }
}

/// A 95 % confidence interval of the mean of independent estimates.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    /// The mean of the estimates.
    pub centre: f64,
    /// Half its width.
    pub half: f64,
    /// Estimates.
    pub n: usize,
}

impl Interval {
    /// The interval of `estimates`; `None` for fewer than two.
    pub fn of(estimates: &[f64]) -> Option<Self> {
        let n = estimates.len();
        if n < 2 {
            return None;
        }
        let centre = estimates.iter().sum::<f64>() / n as f64;
        let var = estimates.iter().map(|x| (x - centre).powi(2)).sum::<f64>() / (n - 1) as f64;
        Some(Self {
            centre,
            half: t95(n - 1) * (var / n as f64).sqrt(),
            n,
        })
    }
}

/// One checked number.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    /// The group.
    pub group: String,
    /// Its value of the series key ("" without one).
    pub series: String,
    /// The statistic.
    pub stat: String,
    /// The load ρ = λ·E[S] from the measured service times.
    pub rho: f64,
    /// The measurement's interval.
    pub measured: Interval,
    /// The prediction.
    pub theory: f64,
    /// Half the width of the prediction's own bracket (grid of the exact distribution).
    pub theory_half: f64,
    /// The path delay included in the prediction.
    pub delay: f64,
}

impl Verdict {
    /// Whether the prediction lies inside the interval (its bracket touching it).
    pub fn inside(&self) -> bool {
        (self.measured.centre - self.theory).abs() <= self.measured.half + self.theory_half
    }

    /// Whether the interval is narrower than `width` of the prediction.
    pub fn narrow(&self, width: f64) -> bool {
        self.measured.half <= width * self.theory.abs()
    }
}

/// A group's records that passed.
type Group<'a> = (String, Vec<&'a PointRecord>);

fn param_text(r: &PointRecord, key: &str) -> Option<String> {
    r.params.get(key).map(crate::sweep::json_value_text)
}

fn matches(r: &PointRecord, filter: &BTreeMap<String, toml::Value>) -> bool {
    filter
        .iter()
        .all(|(k, v)| param_text(r, k).as_deref() == Some(crate::sweep::value_text(v).as_str()))
}

/// The model's inputs at a group: arrival rate (per ns) and service distribution (ns).
fn inputs(spec: &TheorySpec, recs: &[&PointRecord]) -> Result<(f64, Service), String> {
    let first = recs.first().ok_or("no passing seed")?;
    let interval_us: f64 = param_text(first, &spec.interval)
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| format!("{} is not a number here", spec.interval))?;
    let lambda = f64::from(spec.connections) / (interval_us * 1000.0);
    let data = |m: &str| -> Result<Vec<&MetricData>, String> {
        let d: Vec<&MetricData> = recs.iter().filter_map(|r| r.metrics.get(m)).collect();
        if d.len() < recs.len() || d.iter().any(|d| d.count == 0) {
            return Err(format!("a seed has no samples of {m}"));
        }
        Ok(d)
    };
    let shift = match &spec.receive {
        Some(m) => data(m)?.iter().map(|d| d.min).min().unwrap_or(0) as f64,
        None => 0.0,
    };
    let service = Pooled::of(&data(&spec.service)?);
    let s = Service::new(service.buckets().map(|(v, n)| (v as f64 + shift, n as f64)))
        .map_err(|e| e.to_string())?;
    Ok((lambda, s))
}

/// A group's model, built once from its inputs.
enum Predictor {
    /// M/G/1 FCFS of one queue's arrival rate.
    Mg1(Mg1Fcfs),
    /// Processor sharing: one queue's arrival rate and the mean service time.
    Ps(f64, f64),
    /// M/G/c FCFS.
    Mgc(MgcFcfs),
}

impl Predictor {
    /// The model of `spec` for total arrival rate `lambda` and service `s`.
    fn new(spec: &TheorySpec, lambda: f64, s: &Service) -> Result<Self, String> {
        let err = |e: queueing::QueueingError| e.to_string();
        let per_queue = lambda / f64::from(spec.servers);
        Ok(match spec.model {
            Model::Mg1 => Self::Mg1(Mg1Fcfs::new(per_queue, s.clone()).map_err(err)?),
            Model::Ps => {
                queueing::ps_mean(per_queue, s.moment(1)).map_err(err)?;
                Self::Ps(per_queue, s.moment(1))
            }
            Model::Mgc => Self::Mgc(MgcFcfs::new(spec.servers, lambda, s).map_err(err)?),
        })
    }

    /// The prediction of `stat` without delay: value and half its bracket.
    fn predict(&self, stat: &str) -> Result<(f64, f64), String> {
        let err = |e: queueing::QueueingError| e.to_string();
        let bracketed = |b: queueing::Bracket| (b.mid(), 0.5 * (b.high - b.low));
        match (self, percentile_of(stat)) {
            (Self::Mg1(q), None) => Ok((q.mean(), 0.0)),
            (Self::Mg1(q), Some(p)) => Ok(bracketed(q.quantile(p).map_err(err)?)),
            (Self::Ps(lambda, mean), _) => {
                Ok((queueing::ps_mean(*lambda, *mean).map_err(err)?, 0.0))
            }
            (Self::Mgc(q), None) => Ok(bracketed(q.mean())),
            (Self::Mgc(q), Some(p)) => Ok(bracketed(q.quantile(p).map_err(err)?)),
        }
    }
}

/// The estimate of `stat` from one seed's data.
fn estimate(d: &MetricData, stat: &str) -> f64 {
    match percentile_of(stat) {
        None => d.mean,
        Some(p) => Pooled::of(&[d]).quantile(p) as f64,
    }
}

/// The checked numbers of `spec` in a run, in sweep order; a group that cannot be evaluated
/// is an error naming it.
pub fn evaluate(spec: &TheorySpec, records: &[PointRecord]) -> Result<Vec<Verdict>, String> {
    let all: Vec<Group> = groups(records)
        .into_iter()
        .map(|(g, rs)| (g, rs.into_iter().filter(|r| r.ok()).collect::<Vec<_>>()))
        .filter(|(_, rs)| !rs.is_empty() && matches(rs[0], &spec.filter))
        .collect();
    let is_reference = |r: &PointRecord| !spec.delay.is_empty() && matches(r, &spec.delay);
    let mut out = Vec::new();
    for (group, recs) in all.iter().filter(|(_, rs)| !is_reference(rs[0])) {
        let at = |e: String| format!("theory {:?} at {group}: {e}", spec.name);
        let delay = if spec.delay.is_empty() {
            0.0
        } else {
            let reference = all
                .iter()
                .find(|(_, rs)| {
                    is_reference(rs[0])
                        && recs[0].params.iter().all(|(k, v)| {
                            spec.delay.contains_key(k) || rs[0].params.get(k) == Some(v)
                        })
                })
                .ok_or_else(|| at("no reference group for the delay".into()))?;
            let (lambda, s) = inputs(spec, &reference.1).map_err(at)?;
            let measured: Vec<f64> = reference
                .1
                .iter()
                .filter_map(|r| r.metrics.get(&spec.metric))
                .map(|d| d.mean)
                .collect();
            let mean = measured.iter().sum::<f64>() / measured.len().max(1) as f64;
            let (model, _) = Predictor::new(spec, lambda, &s)
                .and_then(|m| m.predict("mean"))
                .map_err(at)?;
            mean - model
        };
        let (lambda, s) = inputs(spec, recs).map_err(at)?;
        let rho = lambda * s.moment(1) / f64::from(spec.servers);
        let model = Predictor::new(spec, lambda, &s).map_err(at)?;
        for stat in &spec.stats {
            let per_seed: Vec<f64> = recs
                .iter()
                .filter_map(|r| r.metrics.get(&spec.metric))
                .map(|d| estimate(d, stat))
                .collect();
            let measured = Interval::of(&per_seed)
                .ok_or_else(|| at(format!("{stat} needs at least two seeds with samples")))?;
            let (theory, theory_half) = model.predict(stat).map_err(at)?;
            out.push(Verdict {
                group: group.clone(),
                series: spec
                    .series
                    .as_deref()
                    .and_then(|k| param_text(recs[0], k))
                    .unwrap_or_default(),
                stat: stat.clone(),
                rho,
                measured,
                theory: theory + delay,
                theory_half,
                delay,
            });
        }
    }
    Ok(out)
}

/// One line per number of the run's `[[theory]]` that is outside its interval or whose
/// interval is too wide, and per declaration that cannot be evaluated.
pub fn failures(meta: &RunMeta, records: &[PointRecord]) -> Vec<String> {
    let mut out = Vec::new();
    for spec in &meta.theory {
        match evaluate(spec, records) {
            Err(e) => out.push(e),
            Ok(vs) => {
                for v in vs {
                    let what = format!(
                        "theory {:?}: {}.{} at {}: measured {} ± {} (95 %), theory {}",
                        spec.name,
                        spec.metric,
                        v.stat,
                        v.group,
                        format_number(v.measured.centre),
                        format_number(v.measured.half),
                        format_number(v.theory)
                    );
                    if !v.inside() {
                        out.push(format!("{what}: outside the interval"));
                    }
                    if !v.narrow(spec.width) {
                        out.push(format!(
                            "{what}: interval wider than ±{} % of theory (run longer or more seeds)",
                            format_number(spec.width * 100.0)
                        ));
                    }
                }
            }
        }
    }
    out
}

/// The report's section: one table per declaration.
pub fn report_section(meta: &RunMeta, records: &[PointRecord]) -> String {
    let mut md = String::new();
    if meta.theory.is_empty() {
        return md;
    }
    let _ = writeln!(md, "## Measured against theory\n");
    let _ = writeln!(
        md,
        "95 % confidence intervals over seeds (Student t); ρ from the measured service times.\n"
    );
    for spec in &meta.theory {
        let _ = writeln!(
            md,
            "### {} ({}, interval at most ±{} % of theory)\n",
            spec.name,
            spec.model.title(spec.servers),
            format_number(spec.width * 100.0)
        );
        match evaluate(spec, records) {
            Err(e) => {
                let _ = writeln!(md, "Not evaluated: {e}\n");
            }
            Ok(vs) => {
                let _ = writeln!(
                    md,
                    "| group | ρ | statistic | measured (ns) | ± 95 % | theory (ns) | delay (ns) | difference | inside | narrow |"
                );
                let _ = writeln!(md, "|---|---|---|---|---|---|---|---|---|---|");
                for v in &vs {
                    let yes = |b: bool| if b { "yes" } else { "**no**" };
                    let _ = writeln!(
                        md,
                        "| {} | {:.3} | {} | {} | {} ({:.2} %) | {} | {} | {:+.2} % | {} | {} |",
                        v.group,
                        v.rho,
                        v.stat,
                        format_number(v.measured.centre),
                        format_number(v.measured.half),
                        100.0 * v.measured.half / v.theory,
                        format_number(v.theory),
                        format_number(v.delay),
                        100.0 * (v.measured.centre - v.theory) / v.theory,
                        yes(v.inside()),
                        yes(v.narrow(spec.width))
                    );
                }
                md.push('\n');
            }
        }
    }
    md
}

/// The figure of `spec`: per statistic a panel of the measured values (with their
/// intervals) and the predictions (dashed) against the load ρ, a line pair per series value.
pub fn figure(
    meta: &RunMeta,
    spec: &TheorySpec,
    records: &[PointRecord],
) -> Result<Figure, String> {
    let vs = evaluate(spec, records)?;
    if vs.is_empty() {
        return Err("no group to check".into());
    }
    let mut series: Vec<String> = Vec::new();
    for v in &vs {
        if !series.contains(&v.series) {
            series.push(v.series.clone());
        }
    }
    let unit = meta.unit(&spec.metric);
    let mut fig = Figure {
        title: spec.title.clone().unwrap_or_else(|| {
            format!("{}: measured against theory", spec.name)
        }),
        subtitle: String::new(),
        panels: Vec::new(),
        columns: spec.stats.len().min(3),
        share_x: false,
        share_y: false,
        legend_title: spec
            .series
            .as_deref()
            .map(|k| key_label(&meta.labels, k).to_string())
            .unwrap_or_default(),
        legend: Vec::new(),
        notes: vec![
            "markers: measured, bars: 95 % confidence interval over seeds; dashed, crosses: theory from the measured service times"
                .into(),
        ],
    };
    let label = |s: &str| match &spec.series {
        Some(k) => value_label(&meta.labels, k, s).to_string(),
        None => spec.metric.clone(),
    };
    // Measured: a series' colour and marker, no line; theory: its colour, dashed, a cross at
    // each point (a single load's prediction has no line to show).
    let measured_style = |i: usize| style::Style {
        dash: style::Dash::Solid,
        ..style::series(i)
    };
    let theory_style = |i: usize| style::Style {
        dash: style::Dash::Dashed,
        marker: style::Marker::Cross,
        ..style::series(i)
    };
    for (i, s) in series.iter().enumerate() {
        fig.legend.push(LegendEntry {
            label: format!("{}, measured", label(s)),
            style: measured_style(i),
            patch: false,
        });
        fig.legend.push(LegendEntry {
            label: format!("{}, theory", label(s)),
            style: theory_style(i),
            patch: false,
        });
    }
    for stat in &spec.stats {
        let mine: Vec<&Verdict> = vs.iter().filter(|v| &v.stat == stat).collect();
        let ys = mine.iter().flat_map(|v| {
            [
                v.theory,
                v.measured.centre - v.measured.half,
                v.measured.centre + v.measured.half,
            ]
        });
        let y = axes::linear(
            format!("{} {stat}", spec.metric),
            ys.collect::<Vec<_>>(),
            unit,
        );
        // ρ from a tenth below the lowest load checked to 1, the saturation the curves
        // rise towards.
        let lowest = vs.iter().map(|v| v.rho).fold(1.0, f64::min);
        let x = axes::linear_range(
            "load ρ".into(),
            ((lowest - 0.1) * 10.0).floor().max(0.0) / 10.0,
            1.0,
            "",
        );
        let mut panel = Panel {
            title: stat.clone(),
            x,
            y,
            lines: Vec::new(),
            dists: Vec::new(),
            violins: false,
        };
        for (i, s) in series.iter().enumerate() {
            let mut pts: Vec<&&Verdict> = mine.iter().filter(|v| &v.series == s).collect();
            pts.sort_by(|a, b| a.rho.total_cmp(&b.rho));
            let st = measured_style(i);
            let measured: Vec<(f64, f64)> =
                pts.iter().map(|v| (v.rho, v.measured.centre)).collect();
            panel.lines.push(Line {
                label: String::new(),
                style: st,
                points: Vec::new(),
                markers: measured,
                errors: pts
                    .iter()
                    .map(|v| {
                        (
                            v.rho,
                            v.measured.centre - v.measured.half,
                            v.measured.centre + v.measured.half,
                        )
                    })
                    .collect(),
            });
            panel.lines.push(Line {
                label: String::new(),
                style: theory_style(i),
                points: pts.iter().map(|v| (v.rho, v.theory)).collect(),
                markers: pts.iter().map(|v| (v.rho, v.theory)).collect(),
                errors: Vec::new(),
            });
        }
        fig.panels.push(panel);
    }
    Ok(fig)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intervals_follow_student_t() {
        assert!(Interval::of(&[1.0]).is_none());
        let i = Interval::of(&[1.0, 3.0]).unwrap();
        assert_eq!(i.centre, 2.0);
        // s = √2, n = 2: 12.706 · √2/√2.
        assert!((i.half - 12.706).abs() < 1e-9);
        // The expansion continues the table smoothly and tends to the normal quantile.
        assert!((t95(31) - 2.040).abs() < 2e-3, "{}", t95(31));
        assert!((t95(60) - 2.000).abs() < 2e-3, "{}", t95(60));
        assert!((t95(100_000) - 1.96).abs() < 1e-3);
    }

    /// A deterministic generator (SplitMix64) for the test's queue.
    struct Mix(u64);
    impl Mix {
        fn unit(&mut self) -> f64 {
            self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            ((z ^ (z >> 31)) >> 11) as f64 / (1u64 << 53) as f64
        }
    }

    /// One seed of an M/G/1 FCFS queue by Lindley's recursion: Poisson arrivals of mean gap
    /// `interval_us`, service 2 µs + exponential of mean 8 µs, a constant path delay of
    /// 5 µs added to the sojourn times (metric "t", key 1; service "s", key 2).
    fn seed_record(interval_us: f64, seed: u64, n: usize) -> PointRecord {
        use crate::sim::Sample;
        let mut rng = Mix(seed);
        let (mut wait, mut samples) = (0.0f64, Vec::new());
        let mut prev_service = 0.0;
        for i in 0..n {
            let gap = -(1.0 - rng.unit()).ln() * interval_us * 1000.0;
            let service = 2000.0 - (1.0 - rng.unit()).ln() * 8000.0;
            wait = (wait + prev_service - gap).max(0.0);
            prev_service = service;
            let t = i as u64;
            samples.push(Sample {
                key: 1,
                value: (wait + service + 5000.0) as u64,
                hart: 0,
                time_ps: t,
            });
            samples.push(Sample {
                key: 2,
                value: service as u64,
                hart: 0,
                time_ps: t,
            });
        }
        let mut metrics = BTreeMap::new();
        for (key, d) in crate::stats::metrics_of(&samples, 0) {
            metrics.insert(if key == 1 { "t" } else { "s" }.to_string(), d);
        }
        let params: BTreeMap<String, serde_json::Value> =
            [("interval".to_string(), serde_json::json!(interval_us))]
                .into_iter()
                .collect();
        PointRecord {
            id: format!("{interval_us}-{seed}"),
            index: 0,
            group: format!("interval={interval_us}"),
            params,
            seed,
            bootargs: String::new(),
            status: crate::store::Status::Ok,
            reason: None,
            exit: "pass".into(),
            metrics,
            events: Vec::new(),
            dropped: Default::default(),
            window_start_ps: 0,
            stats: serde_json::Value::Null,
            dumps: Vec::new(),
            console: String::new(),
        }
    }

    fn spec(width: f64) -> TheorySpec {
        TheorySpec {
            name: "q".into(),
            title: None,
            model: Model::Mg1,
            metric: "t".into(),
            service: "s".into(),
            receive: None,
            interval: "interval".into(),
            connections: 1,
            servers: 1,
            delay: [("interval".to_string(), toml::Value::Float(1000.0))]
                .into_iter()
                .collect(),
            series: None,
            filter: BTreeMap::new(),
            stats: default_stats(),
            width,
        }
    }

    #[test]
    fn a_simulated_mg1_queue_meets_its_theory_and_a_wrong_rate_does_not() {
        let mut records = Vec::new();
        for interval in [1000.0, 20.0, 12.5] {
            for seed in 1..=8 {
                records.push(seed_record(interval, seed, 40_000));
            }
        }
        let vs = evaluate(&spec(0.15), &records).unwrap();
        // Two loaded groups (ρ = 0.5, 0.8) × mean, p99, p99.9; the reference is not checked.
        assert_eq!(vs.len(), 6);
        for v in &vs {
            assert!(v.inside() && v.narrow(0.15), "{v:?}");
            assert!(
                (v.delay - 5000.0).abs() < 100.0,
                "the delay is measured: {v:?}"
            );
        }
        assert!((vs[0].rho - 0.5).abs() < 0.01 && (vs[3].rho - 0.8).abs() < 0.01);
        // Told the wrong arrival rate (two connections), the theory is far outside.
        let wrong = TheorySpec {
            connections: 2,
            interval: "interval".into(),
            ..spec(0.1)
        };
        let far = evaluate(
            &TheorySpec {
                stats: vec!["mean".into()],
                ..wrong
            },
            &records[..16],
        );
        // ρ = 1.0 at interval 20 with two connections: no steady state, an error naming it.
        let e = far.unwrap_err();
        assert!(
            e.contains("interval=20") && e.contains("steady state"),
            "{e}"
        );
        let wrong_delay = TheorySpec {
            delay: BTreeMap::new(),
            ..spec(0.1)
        };
        let vs = evaluate(&wrong_delay, &records).unwrap();
        assert!(
            vs.iter().any(|v| !v.inside()),
            "without the path delay the theory misses"
        );
        // The M/G/c evaluation with one server is the same queue; with two, the same
        // arrivals would wait far less, and the measurement is outside.
        let mgc = TheorySpec {
            model: Model::Mgc,
            ..spec(0.15)
        };
        let vs = evaluate(&mgc, &records).unwrap();
        assert!(
            vs.iter().all(|v| v.inside() && v.theory_half > 0.0),
            "{vs:?}"
        );
        let two = TheorySpec {
            servers: 2,
            connections: 2,
            ..mgc
        };
        let vs = evaluate(&two, &records).unwrap();
        assert!((vs[0].rho - 0.5).abs() < 0.01, "ρ per server");
        assert!(vs.iter().any(|v| !v.inside()), "{vs:?}");
        // A single seed gives no interval.
        let one: Vec<PointRecord> = records.iter().filter(|r| r.seed == 1).cloned().collect();
        assert!(evaluate(&spec(0.1), &one)
            .unwrap_err()
            .contains("two seeds"));
    }

    #[test]
    fn the_figure_draws_each_statistic_measured_and_predicted() {
        let records: Vec<PointRecord> = [1000.0, 20.0]
            .into_iter()
            .flat_map(|i| (1..=3).map(move |seed| seed_record(i, seed, 5000)))
            .collect();
        let metric = |key| crate::schema::Metric {
            key,
            unit: "ns".into(),
            label: None,
            classes: None,
        };
        let meta = RunMeta {
            name: "q".into(),
            description: String::new(),
            file: "q.toml".into(),
            profile: crate::schema::Profile::Full,
            run_id: "r".into(),
            sweep: vec!["interval".into()],
            seeds: vec![1, 2, 3],
            points: records.len(),
            metrics: [("t".to_string(), metric(1)), ("s".to_string(), metric(2))]
                .into_iter()
                .collect(),
            plots: Vec::new(),
            labels: Default::default(),
            check: None,
            theory: vec![spec(1.0)],
        };
        let fig = figure(&meta, &meta.theory[0], &records).unwrap();
        let vs = evaluate(&meta.theory[0], &records).unwrap();
        assert_eq!(fig.panels.len(), 3);
        for (panel, v) in fig.panels.iter().zip(&vs) {
            assert_eq!(panel.title, v.stat);
            let [measured, theory] = &panel.lines[..] else {
                panic!("{panel:?}")
            };
            assert_eq!(measured.markers, vec![(v.rho, v.measured.centre)]);
            assert_eq!(
                measured.errors,
                vec![(
                    v.rho,
                    v.measured.centre - v.measured.half,
                    v.measured.centre + v.measured.half
                )]
            );
            assert_eq!(theory.points, vec![(v.rho, v.theory)]);
            assert_eq!(theory.style.dash, style::Dash::Dashed);
            assert_eq!(theory.markers, vec![(v.rho, v.theory)]);
            assert!(panel.y.contains(v.theory) && panel.y.contains(v.measured.centre));
        }
        assert_eq!(fig.legend.len(), 2);
        let text = report_section(&meta, &records);
        assert!(
            text.contains("| interval=20 | 0.49") && text.contains("| p99.9 |"),
            "{text}"
        );
        let mut failed = meta.clone();
        failed.theory[0].width = 1e-6;
        let f = failures(&failed, &records);
        assert_eq!(f.len(), 3, "every interval is wider than 0.0001 %: {f:?}");
        assert!(f[0].contains("wider than"), "{f:?}");
    }

    #[test]
    fn statistics_are_named_as_the_summary_names_them() {
        assert!((percentile_of("p99.9").unwrap() - 0.999).abs() < 1e-12);
        assert_eq!(percentile_of("p50"), Some(0.5));
        assert_eq!(percentile_of("mean"), None);
        assert_eq!(percentile_of("p100"), None);
    }
}
