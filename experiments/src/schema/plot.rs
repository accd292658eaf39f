//! `[[plot]]`: the figures and their options.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Kinds of figure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PlotKind {
    /// Cumulative distribution of a metric, one line per series.
    Cdf,
    /// Kernel density estimate of a metric, one line per series.
    Density,
    /// Percentiles against a parameter, error bars over seeds.
    Percentile,
    /// Standard deviation against a parameter, error bars over seeds.
    Jitter,
    /// Samples per simulated second against a parameter, error bars over seeds.
    Throughput,
    /// Box per value of `x`.
    Box,
    /// Violin per value of `x`.
    Violin,
}

/// Error bars over seeds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum ErrorBars {
    /// Smallest to largest per-seed value: never outside the data, also with two or three
    /// seeds, where a standard deviation or an interval is mostly noise.
    #[default]
    Minmax,
    /// Mean +- one standard deviation of the per-seed values.
    Stddev,
    /// Student-t 95 % confidence interval of the mean of the per-seed values.
    Ci95,
}

/// How the x axis places the values of `x`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum XScale {
    /// One evenly spaced category per swept value, in sweep order (the default).
    Category,
    /// Numeric values on a linear axis.
    Linear,
    /// Positive numeric values on a logarithmic axis (`log_x = true` means this).
    Log,
}

/// `[[plot]]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlotSpec {
    /// Kind of figure.
    pub kind: PlotKind,
    /// The metric plotted.
    pub metric: String,
    /// File name without extension; default `<kind>-<metric>-<number>`.
    #[serde(default)]
    pub name: Option<String>,
    /// Title; default from kind and metric.
    #[serde(default)]
    pub title: Option<String>,
    /// Swept parameter on the x axis (categories for box and violin).
    #[serde(default)]
    pub x: Option<String>,
    /// Swept parameter whose values make separate lines.
    #[serde(default)]
    pub series: Option<String>,
    /// Only points whose parameters have these values.
    #[serde(default)]
    pub filter: BTreeMap<String, toml::Value>,
    /// Percentiles drawn by `kind = "percentile"`. Default [50, 99].
    #[serde(default = "default_percentiles")]
    pub percentiles: Vec<f64>,
    /// Error bars over seeds.
    #[serde(default)]
    pub error: ErrorBars,
    /// Logarithmic x axis.
    #[serde(default)]
    pub log_x: bool,
    /// How `x` is placed: categories (default), or a linear or log axis of its numbers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub x_scale: Option<XScale>,
    /// Logarithmic y axis.
    #[serde(default)]
    pub log_y: bool,
}

fn default_percentiles() -> Vec<f64> {
    vec![50.0, 99.0]
}

impl XScale {
    /// Its name in the experiment file.
    pub fn name(self) -> &'static str {
        match self {
            XScale::Category => "category",
            XScale::Linear => "linear",
            XScale::Log => "log",
        }
    }
}

impl PlotSpec {
    /// How the x axis of a figure against `x` places its values.
    pub fn x_scale(&self) -> XScale {
        match (self.x_scale, self.log_x) {
            (Some(s), _) => s,
            (None, true) => XScale::Log,
            (None, false) => XScale::Category,
        }
    }

    /// The figure's file stem.
    pub fn file_stem(&self, index: usize) -> String {
        self.name.clone().unwrap_or_else(|| {
            let kind = serde_json::to_value(self.kind).unwrap_or_default();
            format!(
                "{}-{}-{}",
                kind.as_str().unwrap_or("plot"),
                self.metric,
                index + 1
            )
        })
    }
}
