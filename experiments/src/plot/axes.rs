//! Axes: ranges and ticks for linear axes (steps of 1, 2 or 5 times a power of ten), log axes
//! (whole decades, labelled at every decade, with unlabelled 2..9 minor ticks) and
//! categorical axes (one tick per category), and tick labels, in time units (ns, µs, ms)
//! when the metric is a time.

use super::model::{Axis, Scale, Tick};
use crate::report::format_number;

/// Picoseconds per unit of the time units a metric may be declared in.
fn time_unit_ps(unit: &str) -> Option<f64> {
    Some(match unit {
        "ps" => 1.0,
        "ns" => 1e3,
        "us" | "µs" => 1e6,
        "ms" => 1e9,
        "s" => 1e12,
        _ => return None,
    })
}

/// A tick label of a linear axis: as [`tick_text`], but a power of ten is written like its
/// neighbours (`1000000` between `500000` and `1500000`, not `10⁶`).
pub fn linear_tick_text(v: f64, unit: &str) -> String {
    if time_unit_ps(unit).is_some() {
        return tick_text(v, unit);
    }
    short(v)
}

/// A tick label for `v` in `unit`: with a time unit, as a time in the best unit (`500 ns`,
/// `2 µs`); else the number (powers of ten as 10ⁿ beyond 10⁵).
pub fn tick_text(v: f64, unit: &str) -> String {
    if let Some(ps) = time_unit_ps(unit) {
        let t = v * ps;
        let (scale, name) = [
            (1e12, "s"),
            (1e9, "ms"),
            (1e6, "µs"),
            (1e3, "ns"),
            (1.0, "ps"),
        ]
        .into_iter()
        .find(|(s, _)| t.abs() >= *s)
        .unwrap_or((1.0, "ps"));
        if v == 0.0 {
            return "0".into();
        }
        return format!("{} {name}", short(t / scale));
    }
    let a = v.abs();
    if a >= 1e5 || (a > 0.0 && a < 1e-3) {
        let e = a.log10();
        if (e - e.round()).abs() < 1e-9 {
            let sign = if v < 0.0 { "−" } else { "" };
            return format!("{sign}10{}", superscript(e.round() as i32));
        }
    }
    short(v)
}

/// Three significant digits, no trailing zeros; a minus sign rather than a hyphen.
fn short(v: f64) -> String {
    let r = if v == 0.0 {
        0.0
    } else {
        let mag = 10f64.powi(v.abs().log10().floor() as i32 - 2);
        (v / mag).round() * mag
    };
    format_number(r).replace('-', "−")
}

fn superscript(n: i32) -> String {
    const DIGITS: [char; 10] = ['⁰', '¹', '²', '³', '⁴', '⁵', '⁶', '⁷', '⁸', '⁹'];
    let mut s = String::new();
    if n < 0 {
        s.push('⁻');
    }
    for c in n.unsigned_abs().to_string().chars() {
        s.push(DIGITS[c as usize - '0' as usize]);
    }
    s
}

/// Whether tick labels in `unit` carry the unit themselves (so the title need not).
pub fn ticks_carry_unit(unit: &str) -> bool {
    time_unit_ps(unit).is_some()
}

/// A categorical axis of `labels`.
pub fn category(title: String, labels: Vec<String>) -> Axis {
    let ticks = labels
        .iter()
        .enumerate()
        .map(|(i, l)| Tick {
            value: i as f64,
            label: l.clone(),
        })
        .collect();
    Axis {
        title,
        lo: -0.5,
        hi: labels.len().max(1) as f64 - 0.5,
        scale: Scale::Category(labels),
        ticks,
    }
}

/// A linear axis over `values` (finite ones), padded by 5 %, not below 0 when every value is
/// at least 0; labelled in `unit`.
pub fn linear(title: String, values: impl IntoIterator<Item = f64>, unit: &str) -> Axis {
    let (lo, hi) = extent(values).unwrap_or((0.0, 1.0));
    let (lo, hi) = if hi - lo < 1e-12 * hi.abs().max(1.0) {
        (lo - 0.5 * lo.abs().max(1.0), hi + 0.5 * hi.abs().max(1.0))
    } else {
        let pad = (hi - lo) * 0.05;
        let l = if lo >= 0.0 {
            (lo - pad).max(0.0)
        } else {
            lo - pad
        };
        (l, hi + pad)
    };
    linear_range(title, lo, hi, unit)
}

/// A linear axis showing exactly `lo..=hi`.
pub fn linear_range(title: String, lo: f64, hi: f64, unit: &str) -> Axis {
    let raw = (hi - lo) / 5.0;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .into_iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    let first = (lo / step).ceil() as i64;
    let last = (hi / step).floor() as i64;
    let ticks = (first..=last)
        .map(|k| {
            let v = k as f64 * step;
            let v = if v.abs() < step * 1e-9 { 0.0 } else { v };
            Tick {
                value: v,
                label: linear_tick_text(v, unit),
            }
        })
        .collect();
    Axis {
        title,
        scale: Scale::Linear,
        lo,
        hi,
        ticks,
    }
}

/// A log axis over the positive `values`, padded by 6 % of its decades (at least a third of
/// a decade wide); `None` without a positive value.
pub fn log(title: String, values: impl IntoIterator<Item = f64>, unit: &str) -> Option<Axis> {
    let (lo, hi) = extent(values.into_iter().filter(|v| *v > 0.0))?;
    let (mut l, mut h) = (lo.log10(), hi.log10());
    if h - l < 0.3 {
        let mid = (l + h) / 2.0;
        (l, h) = (mid - 0.15, mid + 0.15);
    }
    let pad = (h - l) * 0.06;
    Some(log_between(
        title,
        10f64.powf(l - pad),
        10f64.powf(h + pad),
        unit,
    ))
}

/// A log axis showing exactly `lo..=hi` (both positive): a labelled tick at each power of ten
/// inside (every other or third one over many decades), unlabelled ones at 2..9 times each
/// (over at most eight decades), and 2 and 5 times labelled too when fewer than two powers
/// of ten fall inside or the axis spans less than two decades.
pub fn log_between(title: String, lo: f64, hi: f64, unit: &str) -> Axis {
    let d0 = lo.log10().floor() as i32;
    let d1 = hi.log10().ceil() as i32;
    let decades = d1 - d0;
    let every = 1 + (decades - 1).max(0) / 7;
    let inside = |v: f64| v >= lo * (1.0 - 1e-9) && v <= hi * (1.0 + 1e-9);
    let powers = (d0..=d1).filter(|&d| inside(10f64.powi(d))).count();
    let mut ticks = Vec::new();
    for d in d0..=d1 {
        for m in 1..=9u32 {
            let v = m as f64 * 10f64.powi(d);
            if !inside(v) || (m > 1 && decades > 8) {
                continue;
            }
            let labelled = match m {
                1 => (d - d0) % every == 0,
                2 | 5 => powers < 3,
                _ => false,
            };
            ticks.push(Tick {
                value: v,
                label: if labelled {
                    tick_text(v, unit)
                } else {
                    String::new()
                },
            });
        }
    }
    Axis {
        title,
        scale: Scale::Log,
        lo,
        hi,
        ticks,
    }
}

fn extent(values: impl IntoIterator<Item = f64>) -> Option<(f64, f64)> {
    values
        .into_iter()
        .filter(|v| v.is_finite())
        .fold(None, |acc, v| match acc {
            None => Some((v, v)),
            Some((a, b)) => Some((f64::min(a, v), f64::max(b, v))),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_axes_have_decade_ticks_and_no_absurd_range() {
        let a = log("t".into(), [0.0, 36.0, 100_728.0], "ns").unwrap();
        assert!(a.lo > 10.0 && a.lo < 36.0 && a.hi > 100_728.0 && a.hi < 1e6);
        let labelled: Vec<&str> = a
            .ticks
            .iter()
            .filter(|t| !t.label.is_empty())
            .map(|t| t.label.as_str())
            .collect();
        assert_eq!(labelled, ["100 ns", "1 µs", "10 µs", "100 µs"]);
        assert!(a.ticks.iter().all(|t| a.contains(t.value)));
        // Within one decade, 2 and 5 times its powers are labelled.
        let narrow = log("t".into(), [110.0, 380.0], "").unwrap();
        let labels: Vec<&str> = narrow
            .ticks
            .iter()
            .filter(|t| !t.label.is_empty())
            .map(|t| t.label.as_str())
            .collect();
        assert_eq!(labels, ["200"]);
        assert!(log("t".into(), [0.0, -1.0], "").is_none());
        let plain = log("t".into(), [3.0, 40.0], "").unwrap();
        assert_eq!(
            plain
                .ticks
                .iter()
                .find(|t| !t.label.is_empty())
                .unwrap()
                .label,
            "5"
        );
        assert_eq!(tick_text(1e6, ""), "10⁶");
        assert_eq!(linear_tick_text(1e6, ""), "1000000");
        assert_eq!(linear_tick_text(2500.0, "ns"), "2.5 µs");
        assert_eq!(tick_text(2500.0, "ns"), "2.5 µs");
    }

    #[test]
    fn linear_ticks_are_round_and_inside_the_range() {
        let a = linear("t".into(), [0.0, 0.93], "");
        assert!(a.ticks.iter().all(|t| a.contains(t.value)));
        let labels: Vec<&str> = a.ticks.iter().map(|t| t.label.as_str()).collect();
        assert_eq!(labels, ["0", "0.2", "0.4", "0.6", "0.8"]);
        let c = category("harts".into(), vec!["1".into(), "2".into(), "4".into()]);
        assert_eq!(c.ticks.len(), 3);
        assert_eq!((c.lo, c.hi), (-0.5, 2.5));
    }
}
