//! Per-point metric data (moments and an HDR histogram of each sample key) and the summary
//! statistics of a point or of a group of points pooled over seeds.

use std::collections::BTreeMap;

use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};

use crate::sim::Sample;

/// Significant decimal digits the histograms keep: values below 2048 are exact, larger ones
/// within 0.1 %.
const SIGNIFICANT_DIGITS: u8 = 3;

/// One sample key's data in one point.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricData {
    /// Sample key.
    pub key: u16,
    /// Samples.
    pub count: u64,
    /// Mean value.
    pub mean: f64,
    /// Sum of squared deviations from the mean (for pooling variances exactly).
    pub m2: f64,
    /// Smallest value.
    pub min: u64,
    /// Largest value.
    pub max: u64,
    /// Samples per simulated second, from the start of the measured window (the last
    /// statistics reset, or time 0) to the last sample.
    pub throughput: f64,
    /// The distribution: (value, count) pairs of an HDR histogram, ascending.
    pub histogram: Vec<(u64, u64)>,
}

fn new_histogram() -> Histogram<u64> {
    let mut h =
        Histogram::new(SIGNIFICANT_DIGITS).expect("3 significant digits is a valid precision");
    h.auto(true);
    h
}

/// Record `n` samples of `v`, growing the histogram's range as needed (only values near
/// `u64::MAX` cannot be; they count as the largest trackable value).
fn record(h: &mut Histogram<u64>, v: u64, n: u64) {
    if h.record_n(v, n).is_err() {
        h.saturating_record_n(v, n);
    }
}

/// The data of every sample key in `samples`; the measured window starts at
/// `window_start_ps`.
pub fn metrics_of(samples: &[Sample], window_start_ps: u64) -> BTreeMap<u16, MetricData> {
    let mut by_key: BTreeMap<u16, Vec<&Sample>> = BTreeMap::new();
    for s in samples {
        by_key.entry(s.key).or_default().push(s);
    }
    by_key
        .into_iter()
        .map(|(key, ss)| {
            let mut h = new_histogram();
            let (mut mean, mut m2) = (0.0, 0.0);
            for (i, s) in ss.iter().enumerate() {
                record(&mut h, s.value, 1);
                let x = s.value as f64;
                let d = x - mean;
                mean += d / (i + 1) as f64;
                m2 += d * (x - mean);
            }
            let last = ss.iter().map(|s| s.time_ps).max().unwrap_or(0);
            let span = last.saturating_sub(window_start_ps);
            let throughput = if span > 0 {
                ss.len() as f64 / (span as f64 * 1e-12)
            } else {
                0.0
            };
            let data = MetricData {
                key,
                count: ss.len() as u64,
                mean,
                m2,
                min: ss.iter().map(|s| s.value).min().unwrap_or(0),
                max: ss.iter().map(|s| s.value).max().unwrap_or(0),
                throughput,
                histogram: pairs(&h),
            };
            (key, data)
        })
        .collect()
}

fn pairs(h: &Histogram<u64>) -> Vec<(u64, u64)> {
    h.iter_recorded()
        .map(|v| (v.value_iterated_to(), v.count_at_value()))
        .collect()
}

/// Summary statistics of one point or of a group pooled over seeds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// Samples.
    pub count: u64,
    /// Mean.
    pub mean: f64,
    /// Sample standard deviation (n - 1).
    pub stddev: f64,
    /// Smallest value.
    pub min: f64,
    /// Median.
    pub p50: f64,
    /// 90th percentile.
    pub p90: f64,
    /// 99th percentile.
    pub p99: f64,
    /// 99.9th percentile.
    pub p999: f64,
    /// Largest value.
    pub max: f64,
    /// Samples per simulated second (mean over the points).
    pub throughput: f64,
    /// Points (seeds) summarised.
    pub seeds: u64,
}

impl Summary {
    /// A statistic by its name in [`crate::schema::STATISTICS`].
    pub fn get(&self, stat: &str) -> Option<f64> {
        Some(match stat {
            "count" => self.count as f64,
            "mean" => self.mean,
            "stddev" => self.stddev,
            "min" => self.min,
            "p50" => self.p50,
            "p90" => self.p90,
            "p99" => self.p99,
            "p99.9" => self.p999,
            "max" => self.max,
            "throughput" => self.throughput,
            "seeds" => self.seeds as f64,
            _ => return None,
        })
    }
}

/// The merged histogram of `data`.
pub fn merged_histogram(data: &[&MetricData]) -> Histogram<u64> {
    let mut h = new_histogram();
    for d in data {
        for &(v, n) in &d.histogram {
            record(&mut h, v, n);
        }
    }
    h
}

/// Summary of `data` pooled (one entry per point); `None` when there is no sample.
pub fn summarize(data: &[&MetricData]) -> Option<Summary> {
    let count: u64 = data.iter().map(|d| d.count).sum();
    if count == 0 {
        return None;
    }
    // Chan et al.'s pairwise combination of means and squared deviations, in point order.
    let (mut n, mut mean, mut m2) = (0.0f64, 0.0f64, 0.0f64);
    for d in data.iter().filter(|d| d.count > 0) {
        let nb = d.count as f64;
        let delta = d.mean - mean;
        let total = n + nb;
        mean += delta * nb / total;
        m2 += d.m2 + delta * delta * n * nb / total;
        n = total;
    }
    let h = merged_histogram(data);
    let q = |x: f64| h.value_at_quantile(x) as f64;
    Some(Summary {
        count,
        mean,
        stddev: if count > 1 {
            (m2 / (count - 1) as f64).sqrt()
        } else {
            0.0
        },
        min: data
            .iter()
            .filter(|d| d.count > 0)
            .map(|d| d.min)
            .min()
            .unwrap_or(0) as f64,
        p50: q(0.5),
        p90: q(0.9),
        p99: q(0.99),
        p999: q(0.999),
        max: data.iter().map(|d| d.max).max().unwrap_or(0) as f64,
        throughput: data.iter().map(|d| d.throughput).sum::<f64>() / data.len() as f64,
        seeds: data.len() as u64,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn samples(key: u16, values: &[u64]) -> Vec<Sample> {
        values
            .iter()
            .enumerate()
            .map(|(i, &value)| Sample {
                key,
                value,
                hart: 0,
                time_ps: 1_000_000 * (i as u64 + 1),
            })
            .collect()
    }

    #[test]
    fn moments_percentiles_and_throughput() {
        let values: Vec<u64> = (1..=1000).collect();
        let m = metrics_of(&samples(4, &values), 0);
        let d = &m[&4];
        assert_eq!((d.count, d.min, d.max), (1000, 1, 1000));
        assert!((d.mean - 500.5).abs() < 1e-9);
        // 1000 samples over 1 ms of simulated time.
        assert!((d.throughput - 1e6).abs() < 1e-3, "{}", d.throughput);
        let s = summarize(&[d]).unwrap();
        assert_eq!(
            (s.p50, s.p90, s.p99, s.p999, s.max),
            (500.0, 900.0, 990.0, 999.0, 1000.0)
        );
        let sd = (values
            .iter()
            .map(|&v| (v as f64 - 500.5).powi(2))
            .sum::<f64>()
            / 999.0)
            .sqrt();
        assert!((s.stddev - sd).abs() < 1e-9);
        assert_eq!(s.get("p99.9"), Some(999.0));
        assert_eq!(s.get("nonsense"), None);
    }

    #[test]
    fn pooling_equals_one_big_point() {
        let a: Vec<u64> = (0..300).map(|i| i * 7 % 101).collect();
        let b: Vec<u64> = (0..500).map(|i| 50 + i * 13 % 97).collect();
        let all: Vec<u64> = a.iter().chain(&b).copied().collect();
        let (ma, mb) = (
            metrics_of(&samples(0, &a), 0),
            metrics_of(&samples(0, &b), 0),
        );
        let pooled = summarize(&[&ma[&0], &mb[&0]]).unwrap();
        let one = summarize(&[&metrics_of(&samples(0, &all), 0)[&0]]).unwrap();
        assert_eq!(pooled.count, one.count);
        assert!((pooled.mean - one.mean).abs() < 1e-9);
        assert!((pooled.stddev - one.stddev).abs() < 1e-9);
        assert_eq!(
            (pooled.p50, pooled.p99, pooled.max),
            (one.p50, one.p99, one.max)
        );
        assert_eq!(pooled.seeds, 2);
        assert!(summarize(&[]).is_none());
    }

    #[test]
    fn large_values_keep_three_significant_digits() {
        let m = metrics_of(&samples(0, &[123_456_789, 5]), 500_000);
        let h = &m[&0].histogram;
        assert_eq!(h[0], (5, 1));
        assert!((h[1].0 as f64 / 123_456_789.0 - 1.0).abs() < 1e-3);
        assert_eq!(m[&0].max, 123_456_789, "exact extremes");
        // Two samples, the last at 2 us, window from 0.5 us.
        assert!((m[&0].throughput - 2.0 / 1.5e-6).abs() < 1e-3);
    }
}
