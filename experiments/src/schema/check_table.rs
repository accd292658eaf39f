//! `[check]`: the metrics a regression check compares with a baseline, and its tolerances.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A tolerance: a value passes if it is within `absolute` or within `relative` (a fraction
/// of the baseline) of the baseline.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Tolerance {
    /// Allowed absolute difference.
    #[serde(default)]
    pub absolute: f64,
    /// Allowed difference as a fraction of the baseline value.
    #[serde(default)]
    pub relative: f64,
}

/// `[check]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckSpec {
    /// Numbers compared, as `metric.statistic` (e.g. `latency.p99`), per sweep group.
    pub metrics: Vec<String>,
    /// Default allowed absolute difference.
    #[serde(default)]
    pub absolute: f64,
    /// Default allowed relative difference.
    #[serde(default)]
    pub relative: f64,
    /// Per-number tolerances overriding the defaults.
    #[serde(default)]
    pub tolerance: BTreeMap<String, Tolerance>,
}

impl CheckSpec {
    /// The tolerance of `metric` (a `metric.statistic` name).
    pub fn tolerance_of(&self, metric: &str) -> Tolerance {
        self.tolerance.get(metric).copied().unwrap_or(Tolerance {
            absolute: self.absolute,
            relative: self.relative,
        })
    }
}
