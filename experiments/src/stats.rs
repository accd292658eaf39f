//! Per-point metric data (moments and an HDR histogram of each sample key) and the summary
//! statistics of a point or of a group of points pooled over seeds.
//!
//! Percentiles are nearest-rank percentiles read from the histogram. Each bucket keeps the
//! largest sample recorded in it rather than the bucket's upper edge, so a percentile is
//! always one of the samples: the largest one in the bucket of the exact percentile (exact
//! below 2048, within 1/1024 of it above), and never outside `[min, max]`.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};

use crate::schema::{metric_name_of, Metric};
use crate::sim::Sample;

/// Significant decimal digits the histograms keep: buckets are one value wide below 2048 and
/// at most 1/1024 of their values wide above.
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
    /// The distribution: one (value, count) pair per non-empty HDR bucket, ascending; the
    /// value is the largest sample in the bucket.
    pub histogram: Vec<(u64, u64)>,
}

/// The lowest value of `v`'s HDR bucket: values with the same one share a bucket.
fn bucket(v: u64) -> u64 {
    static LAYOUT: OnceLock<Histogram<u64>> = OnceLock::new();
    LAYOUT
        .get_or_init(|| {
            Histogram::new(SIGNIFICANT_DIGITS).expect("3 significant digits is a valid precision")
        })
        .lowest_equivalent(v)
}

/// Bucket `values` (with their counts): bucket -> (largest value, total count).
fn bucketed(values: impl IntoIterator<Item = (u64, u64)>) -> BTreeMap<u64, (u64, u64)> {
    let mut out: BTreeMap<u64, (u64, u64)> = BTreeMap::new();
    for (v, n) in values {
        let e = out.entry(bucket(v)).or_insert((v, 0));
        e.0 = e.0.max(v);
        e.1 += n;
    }
    out
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
            let (mut mean, mut m2) = (0.0, 0.0);
            for (i, s) in ss.iter().enumerate() {
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
                histogram: bucketed(ss.iter().map(|s| (s.value, 1)))
                    .into_values()
                    .collect(),
            };
            (key, data)
        })
        .collect()
}

/// A point's data by metric name: every sample key under its name (`key<N>` for keys no
/// metric declares, `{metric}_{class}{k}` for a family's class `k`), and each family of
/// classes pooled under the family's name, computed from the samples of all its keys.
pub fn named_metrics(
    metrics: &BTreeMap<String, Metric>,
    samples: &[Sample],
    window_start_ps: u64,
) -> BTreeMap<String, MetricData> {
    let mut out: BTreeMap<String, MetricData> = metrics_of(samples, window_start_ps)
        .into_iter()
        .map(|(key, d)| (metric_name_of(metrics, key), d))
        .collect();
    for (name, m) in metrics {
        let Some(c) = &m.classes else { continue };
        let keys = m.key..m.key + c.count;
        let family: Vec<Sample> = samples
            .iter()
            .filter(|s| keys.contains(&s.key))
            .map(|s| Sample { key: m.key, ..*s })
            .collect();
        if let Some(d) = metrics_of(&family, window_start_ps).remove(&m.key) {
            out.insert(name.clone(), d);
        }
    }
    out
}

/// The samples of one or more points merged: HDR buckets with the largest sample of each,
/// and the exact extremes.
#[derive(Debug, Clone, PartialEq)]
pub struct Pooled {
    /// (largest sample in the bucket, samples in it), ascending.
    buckets: Vec<(u64, u64)>,
    count: u64,
    min: u64,
    max: u64,
}

impl Pooled {
    /// The merged distribution of `data` (points without samples add nothing).
    pub fn of(data: &[&MetricData]) -> Self {
        let filled = || data.iter().filter(|d| d.count > 0);
        let buckets: Vec<(u64, u64)> = bucketed(filled().flat_map(|d| d.histogram.iter().copied()))
            .into_values()
            .collect();
        Self {
            count: buckets.iter().map(|b| b.1).sum(),
            buckets,
            min: filled().map(|d| d.min).min().unwrap_or(0),
            max: filled().map(|d| d.max).max().unwrap_or(0),
        }
    }

    /// The nearest-rank quantile `q` (0..=1): the sample of rank `ceil(q * count)` (at least
    /// 1), as bucketed; 0 without samples. Kept within `[min, max]` also for records written
    /// when buckets held their upper edge.
    pub fn quantile(&self, q: f64) -> u64 {
        let rank = ((q.clamp(0.0, 1.0) * self.count as f64).ceil() as u64).max(1);
        let mut seen = 0;
        for &(v, n) in &self.buckets {
            seen += n;
            if seen >= rank {
                return v.clamp(self.min, self.max);
            }
        }
        self.max
    }

    /// (value, count) per bucket, ascending, values within `[min, max]`.
    pub fn buckets(&self) -> impl Iterator<Item = (u64, u64)> + '_ {
        self.buckets
            .iter()
            .map(|&(v, n)| (v.clamp(self.min, self.max), n))
    }

    /// Samples.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Smallest sample.
    pub fn min(&self) -> u64 {
        self.min
    }

    /// Largest sample.
    pub fn max(&self) -> u64 {
        self.max
    }
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
    let dist = Pooled::of(data);
    let q = |x: f64| dist.quantile(x) as f64;
    Some(Summary {
        count,
        mean,
        stddev: if count > 1 {
            (m2 / (count - 1) as f64).sqrt()
        } else {
            0.0
        },
        min: dist.min() as f64,
        p50: q(0.5),
        p90: q(0.9),
        p99: q(0.99),
        p999: q(0.999),
        max: dist.max() as f64,
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
    fn a_family_is_pooled_from_its_samples_and_each_class_kept() {
        let family = crate::schema::Metric {
            key: 400,
            unit: "ns".into(),
            label: None,
            classes: Some(crate::schema::Classes {
                count: 8,
                name: "priority".into(),
            }),
        };
        let metrics: BTreeMap<String, crate::schema::Metric> =
            [("latency".to_string(), family)].into();
        // Priority 0: 100 fast samples until 1 ms; priority 3: 10 slow ones until 2 ms; and
        // key 408, past the family.
        let mut all = samples(400, &[100; 100]);
        let slow: Vec<u64> = (1..=10).map(|i| 10_000 * i).collect();
        all.extend(samples(403, &slow).into_iter().map(|s| Sample {
            time_ps: s.time_ps * 200,
            ..s
        }));
        all.extend(samples(408, &[5]));
        let m = named_metrics(&metrics, &all, 0);
        let names: Vec<&str> = m.keys().map(String::as_str).collect();
        assert_eq!(
            names,
            [
                "key408",
                "latency",
                "latency_priority0",
                "latency_priority3"
            ]
        );
        let (pooled, p0, p3) = (
            &m["latency"],
            &m["latency_priority0"],
            &m["latency_priority3"],
        );
        assert_eq!((pooled.key, p0.key, p3.key), (400, 400, 403));
        assert_eq!((pooled.count, pooled.min, pooled.max), (110, 100, 100_000));
        // Pooled from the samples, not averaged: the mean weighs each sample once.
        let mean = (100.0 * 100.0 + 550_000.0) / 110.0;
        assert!((pooled.mean - mean).abs() < 1e-9, "{}", pooled.mean);
        // Throughput: all 110 samples over the family's window (to the last one, at 2 ms).
        assert!((pooled.throughput - 110.0 / 2e-3).abs() < 1e-6);
        assert!((p0.throughput - 100.0 / 1e-4).abs() < 1e-6);
        let s = summarize(&[pooled]).unwrap();
        assert_eq!((s.p50, s.p90, s.p99), (100.0, 100.0, 90_000.0));
        assert_eq!(summarize(&[p3]).unwrap().p50, 50_000.0);
        // Without classes, the names are the keys' as before.
        let plain: BTreeMap<String, crate::schema::Metric> = [(
            "latency".to_string(),
            crate::schema::Metric {
                classes: None,
                ..metrics["latency"].clone()
            },
        )]
        .into();
        let m = named_metrics(&plain, &all, 0);
        let names: Vec<&str> = m.keys().map(String::as_str).collect();
        assert_eq!(names, ["key403", "key408", "latency"]);
        assert_eq!(m["latency"], metrics_of(&all, 0)[&400]);
    }

    /// The nearest-rank percentile of `values` (the definition the summaries use).
    fn nearest_rank(values: &[u64], q: f64) -> u64 {
        let mut sorted = values.to_vec();
        sorted.sort_unstable();
        let rank = ((q * sorted.len() as f64).ceil() as usize).max(1);
        sorted[rank - 1]
    }

    #[test]
    fn a_percentile_is_never_above_the_largest_sample() {
        // 7464 lies in the HDR bucket 7464..=7467: the bucket's top is not a sample.
        let m = metrics_of(&samples(0, &[100, 7464]), 0);
        let s = summarize(&[&m[&0]]).unwrap();
        assert_eq!((s.p99, s.p999, s.max), (7464.0, 7464.0, 7464.0));
        // Records written before percentiles were samples hold bucket tops: still clamped.
        let old = MetricData {
            histogram: vec![(100, 1), (100_607, 1)],
            min: 100,
            max: 100_544,
            ..m[&0].clone()
        };
        let s = summarize(&[&old]).unwrap();
        assert_eq!((s.p99, s.max), (100_544.0, 100_544.0));
    }

    proptest::proptest! {
        /// Percentiles of a point and of points pooled are samples, within [min, max], and
        /// in the exact percentile's HDR bucket (exact below 2048, within 1/1024 above).
        #[test]
        fn percentiles_are_samples_within_min_and_max(
            points in proptest::collection::vec(
                proptest::collection::vec(
                    // Summaries are f64: exact up to 2^53.
                    proptest::prop_oneof![0u64..3000, 0u64..200_000, 0u64..1 << 53],
                    1..60,
                ),
                1..4,
            )
        ) {
            let data: Vec<MetricData> = points
                .iter()
                .map(|p| metrics_of(&samples(0, p), 0).remove(&0).unwrap())
                .collect();
            let all: Vec<u64> = points.concat();
            let mut sets: Vec<(Vec<&MetricData>, &[u64])> =
                data.iter().zip(&points).map(|(d, p)| (vec![d], p.as_slice())).collect();
            sets.push((data.iter().collect(), &all));
            for (data, values) in sets {
                let s = summarize(&data).unwrap();
                for (q, p) in [(0.5, s.p50), (0.9, s.p90), (0.99, s.p99), (0.999, s.p999)] {
                    proptest::prop_assert!(s.min <= p && p <= s.max, "p{} = {p} outside [{}, {}]", q * 100.0, s.min, s.max);
                    let p = p as u64;
                    proptest::prop_assert!(values.contains(&p), "p{} = {p} is not a sample", q * 100.0);
                    let exact = nearest_rank(values, q);
                    let tolerance = if exact < 2048 { 0 } else { exact / 1024 };
                    proptest::prop_assert!(p.abs_diff(exact) <= tolerance, "p{} = {p}, exact {exact}", q * 100.0);
                }
            }
        }
    }

    #[test]
    fn large_values_keep_three_significant_digits() {
        // 123_456_700 and 123_456_789 share a bucket (65536 wide there); 5 is exact.
        let m = metrics_of(&samples(0, &[123_456_700, 5, 123_456_789]), 500_000);
        let h = &m[&0].histogram;
        assert_eq!(
            h,
            &[(5, 1), (123_456_789, 2)],
            "the largest sample of each bucket"
        );
        assert_eq!((m[&0].min, m[&0].max), (5, 123_456_789), "exact extremes");
        // Three samples, the last at 3 us, window from 0.5 us.
        assert!((m[&0].throughput - 3.0 / 2.5e-6).abs() < 1e-3);
    }
}
