//! The check after parsing: plots, metrics, theory and checks refer to things that exist
//! and fit together.

use super::*;
use crate::locate::{parse_key, SchemaError, Seg};

impl Experiment {
    /// Plots, metrics and checks refer to things that exist.
    pub(super) fn check_references(&self, src: &Source) -> Result<(), SchemaError> {
        let swept: Vec<&str> = self.sweep.params.iter().map(|p| p.key.as_str()).collect();
        self.check_metric_classes(src, &swept)?;
        self.check_theory(src, &swept)?;
        for (i, p) in self.plots.iter().enumerate() {
            self.check_plot(src, &swept, i, p)?;
        }
        self.check_figure_names(src)?;
        if let Some(c) = &self.check {
            self.check_check_table(src, c)?;
        }
        Ok(())
    }

    /// A metric's class is not a swept key.
    fn check_metric_classes(&self, src: &Source, swept: &[&str]) -> Result<(), SchemaError> {
        for (name, m) in &self.metrics {
            if let Some(c) = m
                .classes
                .as_ref()
                .filter(|c| swept.contains(&c.name.as_str()))
            {
                return Err(src.error(
                    &[
                        Seg::Key("metrics".into()),
                        Seg::Key(name.clone()),
                        Seg::Key("class".into()),
                    ],
                    format!(
                        "{:?} is a swept key: figures could not tell the class from it",
                        c.name
                    ),
                ));
            }
        }
        Ok(())
    }

    /// `[[theory]]` names declared metrics and swept keys.
    fn check_theory(&self, src: &Source, swept: &[&str]) -> Result<(), SchemaError> {
        for (i, t) in self.theory.iter().enumerate() {
            let known = |m: &str| resolve_metric(&self.metrics, m).is_some();
            let is_swept = |k: &str| swept.contains(&k);
            if let Some((field, problem)) = t.problem(&known, &is_swept) {
                return Err(src.error(
                    &[
                        Seg::Key("theory".into()),
                        Seg::Index(i),
                        Seg::Key(field.into()),
                    ],
                    problem,
                ));
            }
        }
        Ok(())
    }

    /// Plot `i`, `p`, names a metric, swept keys and values, and options that fit its kind.
    fn check_plot(
        &self,
        src: &Source,
        swept: &[&str],
        i: usize,
        p: &PlotSpec,
    ) -> Result<(), SchemaError> {
        let at = |field: &str| {
            vec![
                Seg::Key("plot".into()),
                Seg::Index(i),
                Seg::Key(field.into()),
            ]
        };
        if resolve_metric(&self.metrics, &p.metric).is_none() {
            return Err(src.error(
                &at("metric"),
                format!(
                    "unknown metric {:?} (declare it in [metrics]; known: {})",
                    p.metric,
                    self.metric_names()
                ),
            ));
        }
        let class = plot_class(&self.metrics, p);
        let param_ok =
            |k: &str| k == "seed" || swept.contains(&k) || class.is_some_and(|c| c.name == k);
        let keys = [("x", p.x.as_ref()), ("series", p.series.as_ref())]
            .into_iter()
            .filter_map(|(f, k)| Some((at(f), k?)))
            .chain(p.filter.keys().map(|k| {
                let mut path = at("filter");
                path.push(Seg::Key(k.clone()));
                (path, k)
            }));
        for (path, k) in keys {
            let owner = self
                .metrics
                .iter()
                .find(|(_, m)| m.classes.as_ref().is_some_and(|c| &c.name == k));
            if let (false, Some((owner, _))) = (param_ok(k), owner) {
                return Err(src.error(
                    &path,
                    format!(
                        "{k:?} is the class of metric {owner:?}; metric {:?} has no class {k:?} (plot {owner:?} to split by it)",
                        p.metric
                    ),
                ));
            }
        }
        for (field, key) in [("x", &p.x), ("series", &p.series)] {
            if let Some(k) = key {
                if !param_ok(k) {
                    return Err(src.error(
                        &at(field),
                        format!(
                            "{k:?} is not a swept parameter (swept: {})",
                            swept_list(swept)
                        ),
                    ));
                }
            }
        }
        if p.kind == PlotKind::Density && p.log_y {
            return Err(src.error(
                &at("log_y"),
                "a density figure's y axis is linear (log_x = true puts the metric on a log axis)",
            ));
        }
        let needs_x = !matches!(p.kind, PlotKind::Cdf | PlotKind::Density);
        if needs_x && p.x.is_none() {
            return Err(src.error(&at("x"), "this kind of plot needs `x`, a swept parameter"));
        }
        if let Some(x) = &p.x {
            let line_kind = matches!(
                p.kind,
                PlotKind::Percentile | PlotKind::Jitter | PlotKind::Throughput
            );
            let scale = p.x_scale();
            if p.log_x && scale != XScale::Log {
                return Err(src.error(
                    &at("x_scale"),
                    format!(
                        "\"{}\" contradicts log_x = true (which means x_scale = \"log\")",
                        scale.name()
                    ),
                ));
            }
            if !line_kind && p.x_scale.is_some_and(|s| s != XScale::Category) {
                return Err(src.error(
                    &at("x_scale"),
                    "box and violin figures place x as categories; only percentile, jitter and throughput figures take \"linear\" or \"log\"",
                ));
            }
            if line_kind && scale != XScale::Category {
                let values = self.plot_values(p, x).unwrap_or_default();
                let fits = |v: &String| {
                    v.parse::<f64>()
                        .is_ok_and(|n| n.is_finite() && (scale == XScale::Linear || n > 0.0))
                };
                if let Some(bad) = values.iter().find(|v| !fits(v)) {
                    let field = if p.x_scale.is_some() {
                        "x_scale"
                    } else {
                        "log_x"
                    };
                    return Err(src.error(
                        &at(field),
                        format!(
                            "{x} = {bad} cannot be placed on a {} axis (it takes {}); use x_scale = \"category\"",
                            scale.name(),
                            if scale == XScale::Log { "positive numbers" } else { "numbers" },
                        ),
                    ));
                }
            }
        }
        // A filter on anything not swept selects no point: an empty figure.
        for (k, v) in &p.filter {
            let mut path = at("filter");
            path.push(Seg::Key(k.clone()));
            let problem = match self.plot_values(p, k) {
                None => format!("{k} is not swept"),
                Some(values) if !values.contains(&crate::sweep::value_text(v)) => {
                    format!("{v} is not a swept value of {k}")
                }
                Some(_) => continue,
            };
            return Err(src.error(
                &path,
                format!(
                    "{problem} (swept in the {} profile: {})",
                    self.profile.name(),
                    self.swept_summary()
                ),
            ));
        }
        if p.kind == PlotKind::Percentile
            && (p.percentiles.is_empty()
                || p.percentiles.iter().any(|&q| !(0.0..=100.0).contains(&q)))
        {
            return Err(src.error(&at("percentiles"), "must be percentiles between 0 and 100"));
        }
        if let Some(n) = &p.name {
            if let Some(problem) = name_problem(n, true, "figures/NAME.svg, .png and .pdf") {
                return Err(src.error(&at("name"), problem));
            }
        }
        Ok(())
    }

    /// No two figures write the same files.
    fn check_figure_names(&self, src: &Source) -> Result<(), SchemaError> {
        let stems: Vec<String> = self
            .plots
            .iter()
            .enumerate()
            .map(|(i, p)| p.file_stem(i))
            .collect();
        for (i, s) in stems.iter().enumerate() {
            // Names differing only in case are one file on case-insensitive file systems.
            if let Some(j) = stems[..i].iter().position(|o| o.eq_ignore_ascii_case(s)) {
                return Err(src.error(
                    &[Seg::Key("plot".into()), Seg::Index(i)],
                    format!(
                        "a second figure named {s:?}: plot[{j}] is {:?} (names differing only in case are one file on some file systems)",
                        stems[j]
                    ),
                ));
            }
        }
        Ok(())
    }

    /// `[check]` names `metric.statistic`s that exist, with tolerances that are not negative.
    fn check_check_table(&self, src: &Source, c: &CheckSpec) -> Result<(), SchemaError> {
        let names = c
            .metrics
            .iter()
            .enumerate()
            .map(|(i, m)| {
                (
                    vec![
                        Seg::Key("check".into()),
                        Seg::Key("metrics".into()),
                        Seg::Index(i),
                    ],
                    m,
                )
            })
            .chain(c.tolerance.keys().map(|m| {
                (
                    vec![
                        Seg::Key("check".into()),
                        Seg::Key("tolerance".into()),
                        Seg::Key(m.clone()),
                    ],
                    m,
                )
            }));
        for (path, m) in names {
            let (metric, stat) = m.split_once('.').unwrap_or((m, ""));
            if resolve_metric(&self.metrics, metric).is_none() || !STATISTICS.contains(&stat) {
                return Err(src.error(
                    &path,
                    format!(
                        "{m:?} is not metric.statistic (metrics: {}; statistics: {})",
                        self.metric_names(),
                        STATISTICS.join(", ")
                    ),
                ));
            }
        }
        for (k, t) in c.tolerance.iter().map(|(k, t)| (Some(k), *t)).chain([(
            None,
            Tolerance {
                absolute: c.absolute,
                relative: c.relative,
            },
        )]) {
            if !(t.absolute >= 0.0 && t.relative >= 0.0) {
                let path = match k {
                    Some(k) => vec![
                        Seg::Key("check".into()),
                        Seg::Key("tolerance".into()),
                        Seg::Key(k.clone()),
                    ],
                    None => parse_key("check"),
                };
                return Err(src.error(&path, "tolerances must not be negative"));
            }
        }
        Ok(())
    }
}

fn swept_list(swept: &[&str]) -> String {
    if swept.is_empty() {
        "none".into()
    } else {
        swept.join(", ")
    }
}
