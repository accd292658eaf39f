//! Regression checks: a baseline holds the numbers `[check]` names for every group of the
//! quick profile; `hartlab check` re-runs the quick profile and fails, naming the metric,
//! group, baseline value and new value, when one leaves its tolerance. `--bless` rewrites
//! the baseline from the new run.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use crate::report::{format_number, group_rows};
use crate::schema::{CheckSpec, Experiment, Profile};
use crate::sim::Simulator;
use crate::store::{PointRecord, RunMeta};
use crate::{run_experiment, RunSettings};

/// A committed baseline (`results/baselines/NAME.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Baseline {
    /// Experiment name.
    pub experiment: String,
    /// Profile the numbers come from.
    pub profile: Profile,
    /// Group label -> `metric.statistic` -> value.
    pub values: BTreeMap<String, BTreeMap<String, f64>>,
}

/// The checked numbers of a run.
pub fn baseline_of(meta: &RunMeta, spec: &CheckSpec, records: &[PointRecord]) -> Baseline {
    let rows = group_rows(meta, records);
    let mut values: BTreeMap<String, BTreeMap<String, f64>> = BTreeMap::new();
    for r in records {
        values.entry(r.group.clone()).or_default();
    }
    for m in &spec.metrics {
        let (metric, stat) = m.split_once('.').unwrap_or((m, ""));
        for row in rows.iter().filter(|row| row.metric == metric) {
            if let Some(v) = row.summary.get(stat) {
                values
                    .entry(row.group.clone())
                    .or_default()
                    .insert(m.clone(), v);
            }
        }
    }
    Baseline {
        experiment: meta.name.clone(),
        profile: meta.profile.clone(),
        values,
    }
}

/// Differences between `new` and `base` beyond the tolerances, one line each; failed
/// points of the new run are differences too.
pub fn compare(
    spec: &CheckSpec,
    base: &Baseline,
    new: &Baseline,
    records: &[PointRecord],
) -> Vec<String> {
    let mut out = Vec::new();
    for r in records.iter().filter(|r| !r.ok()) {
        out.push(format!(
            "point {} seed {} failed: {}",
            r.group,
            r.seed,
            r.reason.as_deref().unwrap_or("?")
        ));
    }
    let empty = BTreeMap::new();
    let groups: std::collections::BTreeSet<&String> =
        base.values.keys().chain(new.values.keys()).collect();
    for group in groups {
        let b = base.values.get(group).unwrap_or(&empty);
        let n = new.values.get(group).unwrap_or(&empty);
        for m in &spec.metrics {
            let tol = spec.tolerance_of(m);
            match (b.get(m), n.get(m)) {
                (Some(&bv), Some(&nv)) => {
                    let diff = (nv - bv).abs();
                    if diff > tol.absolute && diff > tol.relative * bv.abs() {
                        out.push(format!(
                            "{m} at {group}: baseline {}, new {} (tolerance {} absolute or {}% relative)",
                            format_number(bv),
                            format_number(nv),
                            format_number(tol.absolute),
                            format_number(tol.relative * 100.0)
                        ));
                    }
                }
                (Some(&bv), None) => out.push(format!(
                    "{m} at {group}: baseline {}, new run has no value",
                    format_number(bv)
                )),
                (None, Some(&nv)) => out.push(format!(
                    "{m} at {group}: new {} has no baseline value (bless the baseline to add it)",
                    format_number(nv)
                )),
                (None, None) => {}
            }
        }
    }
    out
}

/// The result of a check.
#[derive(Debug, Clone)]
pub struct CheckOutcome {
    /// The run directory of the quick profile.
    pub dir: std::path::PathBuf,
    /// Differences (empty: the check passed).
    pub failures: Vec<String>,
    /// Whether the baseline was (re)written.
    pub blessed: bool,
}

/// Why a file is not a usable baseline.
#[derive(Debug)]
pub enum BaselineError {
    /// It cannot be read.
    Unreadable(std::io::Error),
    /// It is an experiment TOML (the command line's two files swapped).
    ExperimentToml,
    /// It is not a baseline's JSON.
    Invalid(serde_json::Error),
}

impl std::fmt::Display for BaselineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Unreadable(e) if e.kind() == std::io::ErrorKind::NotFound => {
                write!(f, "no such file (create the baseline with --bless)")
            }
            Self::Unreadable(e) => write!(f, "cannot read: {e}"),
            Self::ExperimentToml => write!(
                f,
                "this looks like an experiment TOML, not a baseline JSON: name the experiment \
                 first and the baseline (results/baselines/NAME.json) with --baseline"
            ),
            Self::Invalid(e) => write!(f, "not a baseline JSON: {e}"),
        }
    }
}

impl std::error::Error for BaselineError {}

/// Read the baseline at `path`.
pub fn read_baseline(path: &Path) -> Result<Baseline, BaselineError> {
    let text = std::fs::read_to_string(path).map_err(BaselineError::Unreadable)?;
    serde_json::from_str(&text).map_err(|e| {
        let experiment = text
            .parse::<toml::Table>()
            .is_ok_and(|t| t.contains_key("experiment"));
        if experiment {
            BaselineError::ExperimentToml
        } else {
            BaselineError::Invalid(e)
        }
    })
}

/// Run the quick profile of `file` and compare it with the baseline at `baseline`; with
/// `bless`, write the baseline instead. The experiment and the baseline are checked before
/// anything runs: a missing or unusable baseline, or one of another experiment, stops at
/// once, and `--bless` never overwrites a file that is not a baseline.
pub fn check(
    sim: &dyn Simulator,
    file: &Path,
    baseline: &Path,
    bless: bool,
    settings: &RunSettings,
) -> Result<CheckOutcome> {
    let settings = RunSettings {
        profile: Profile::Quick,
        ..settings.clone()
    };
    let exp = Experiment::load(file, Profile::Quick, sim)?;
    let spec = exp
        .check
        .clone()
        .with_context(|| format!("{}: no [check] table says what to compare", file.display()))?;
    let base = if bless && !baseline.exists() {
        None
    } else {
        let base = read_baseline(baseline).map_err(|e| {
            if bless {
                anyhow::anyhow!(
                    "{}: --bless would overwrite it, but it is not a baseline ({e})",
                    baseline.display()
                )
            } else {
                anyhow::anyhow!("{}: {e}", baseline.display())
            }
        })?;
        if base.experiment != exp.name {
            anyhow::bail!(
                "{} is the baseline of experiment {:?}, not of {:?} ({})",
                baseline.display(),
                base.experiment,
                exp.name,
                file.display()
            );
        }
        Some(base)
    };
    let run = run_experiment(sim, file, &settings)?;
    let meta = RunMeta::read(&run.dir)?;
    let new = baseline_of(&meta, &spec, &run.records);
    match base {
        Some(base) if !bless => {
            let mut failures = compare(&spec, &base, &new, &run.records);
            failures.extend(crate::theory::failures(&meta, &run.records));
            Ok(CheckOutcome {
                dir: run.dir,
                failures,
                blessed: false,
            })
        }
        _ => {
            let mut failed: Vec<String> = compare(&spec, &new, &new, &run.records);
            failed.extend(crate::theory::failures(&meta, &run.records));
            if !failed.is_empty() {
                anyhow::bail!(
                    "not blessing a run with failed points:\n{}",
                    failed.join("\n")
                );
            }
            if let Some(parent) = baseline.parent() {
                std::fs::create_dir_all(parent)
                    .with_context(|| format!("cannot create {}", parent.display()))?;
            }
            let text = serde_json::to_string_pretty(&new)? + "\n";
            crate::store::write_atomic(baseline, text.as_bytes())?;
            Ok(CheckOutcome {
                dir: run.dir,
                failures: Vec::new(),
                blessed: true,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::Tolerance;

    fn baseline(v: f64) -> Baseline {
        let mut values = BTreeMap::new();
        values.insert(
            "x=1".to_string(),
            [("lat.p99".to_string(), v)].into_iter().collect(),
        );
        Baseline {
            experiment: "e".into(),
            profile: Profile::Quick,
            values,
        }
    }

    /// A baseline read back holds the very numbers written, so a check with no tolerance
    /// passes on an unchanged run: means of many samples have 17 significant digits, where
    /// serde_json's default parser (without `float_roundtrip`) misses some by one unit in the
    /// last place.
    #[test]
    fn a_baseline_reads_back_bit_for_bit() {
        let mut values = BTreeMap::new();
        let mut row = BTreeMap::new();
        let mut x = 0x2545_f491_4f6c_dd1du64;
        for i in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            // Means of sojourn times in ns: 10⁴ to 10⁶ with a full mantissa.
            let v = 1e4 + (x >> 11) as f64 / (1u64 << 53) as f64 * 1e6;
            row.insert(format!("m{i}.mean"), v);
        }
        values.insert("x=1".to_string(), row);
        let written = Baseline {
            experiment: "e".into(),
            profile: Profile::Quick,
            values,
        };
        let read: Baseline =
            serde_json::from_str(&serde_json::to_string(&written).unwrap()).unwrap();
        for (k, v) in &written.values["x=1"] {
            assert_eq!(v.to_bits(), read.values["x=1"][k].to_bits(), "{k}: {v}");
        }
    }

    #[test]
    fn tolerances_are_absolute_or_relative() {
        let mut spec = CheckSpec {
            metrics: vec!["lat.p99".into()],
            absolute: 2.0,
            relative: 0.0,
            tolerance: BTreeMap::new(),
        };
        assert!(compare(&spec, &baseline(100.0), &baseline(102.0), &[]).is_empty());
        let f = compare(&spec, &baseline(100.0), &baseline(103.0), &[]);
        assert_eq!(f.len(), 1);
        assert!(
            f[0].starts_with("lat.p99 at x=1: baseline 100, new 103"),
            "{}",
            f[0]
        );
        spec.tolerance.insert(
            "lat.p99".into(),
            Tolerance {
                absolute: 0.0,
                relative: 0.05,
            },
        );
        assert!(compare(&spec, &baseline(100.0), &baseline(104.0), &[]).is_empty());
        assert_eq!(
            compare(&spec, &baseline(100.0), &baseline(94.0), &[]).len(),
            1
        );
        let mut missing = baseline(1.0);
        missing.values.insert("x=2".into(), BTreeMap::new());
        let f = compare(&spec, &missing, &baseline(1.0), &[]);
        assert!(f.is_empty(), "no value on either side: {f:?}");
        let mut extra = baseline(1.0);
        extra.values.insert(
            "x=2".into(),
            [("lat.p99".to_string(), 5.0)].into_iter().collect(),
        );
        let f = compare(&spec, &baseline(1.0), &extra, &[]);
        assert!(f[0].contains("no baseline value"), "{f:?}");
        let f = compare(&spec, &extra, &baseline(1.0), &[]);
        assert!(f[0].contains("new run has no value"), "{f:?}");
    }
}
