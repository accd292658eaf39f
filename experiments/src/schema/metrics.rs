//! `[metrics]`: named sample keys, metric families with classes, and resolving names.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::*;
use crate::labels::label_problem;
use crate::locate::{parse_key, SchemaError, Seg};

/// A named sample key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Metric {
    /// Sample register number.
    pub key: u16,
    /// Unit for axis labels.
    pub unit: String,
    /// Human name for axis titles (default: the metric's name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// A family of keys: `key..key + count`, one class each.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub classes: Option<Classes>,
}

/// The classes of a metric family (`classes = N, class = "NAME"`): class `k` is sample key
/// `key + k`, reported as metric `{metric}_{NAME}{k}`; figures may split by `NAME`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Classes {
    /// Number of classes (keys).
    pub count: u16,
    /// The class's name, a pseudo-parameter of the family's figures.
    pub name: String,
}

/// Most classes a metric may have.
pub const MAX_CLASSES: i64 = 64;

/// The metric of class `k` of family `metric` with class name `class`: `{metric}_{class}{k}`.
pub fn class_metric_name(metric: &str, class: &str, k: u16) -> String {
    format!("{metric}_{class}{k}")
}

/// What a metric name means: its declared metric (the family's for a class metric), the
/// declared name and the class, if it names one.
#[derive(Debug, Clone, Copy)]
pub struct MetricRef<'a> {
    /// The declared metric's name.
    pub family: &'a str,
    /// The declared metric.
    pub metric: &'a Metric,
    /// The class, for `{metric}_{class}{k}`.
    pub class: Option<u16>,
}

/// Resolve `name`, a declared metric or a class of one; `None` when it is neither.
pub fn resolve_metric<'a>(
    metrics: &'a BTreeMap<String, Metric>,
    name: &str,
) -> Option<MetricRef<'a>> {
    if let Some((family, metric)) = metrics.get_key_value(name) {
        return Some(MetricRef {
            family,
            metric,
            class: None,
        });
    }
    metrics.iter().find_map(|(family, metric)| {
        let c = metric.classes.as_ref()?;
        let digits = name.strip_prefix(family.as_str())?.strip_prefix('_')?;
        let k: u16 = digits.strip_prefix(c.name.as_str())?.parse().ok()?;
        (k < c.count && class_metric_name(family, &c.name, k) == name).then_some(MetricRef {
            family,
            metric,
            class: Some(k),
        })
    })
}

/// The classes plot `p` may split by: its metric's, when it names a family (not one class).
pub fn plot_class<'a>(metrics: &'a BTreeMap<String, Metric>, p: &PlotSpec) -> Option<&'a Classes> {
    let r = resolve_metric(metrics, &p.metric)?;
    r.class
        .is_none()
        .then_some(r.metric.classes.as_ref())
        .flatten()
}

/// Where `name` sorts among a run's metrics: by declared name, a family's classes after its
/// pooled metric in class order (`latency`, `latency_priority0`, ..., `latency_priority10`).
pub fn metric_order(metrics: &BTreeMap<String, Metric>, name: &str) -> (String, u32) {
    match resolve_metric(metrics, name) {
        Some(MetricRef {
            family,
            class: Some(k),
            ..
        }) => (family.to_string(), u32::from(k) + 1),
        _ => (name.to_string(), 0),
    }
}

/// The name of sample `key` among `metrics`: its metric's name, `{metric}_{class}{k}` for
/// class `k` of a family, or `key<N>`.
pub fn metric_name_of(metrics: &BTreeMap<String, Metric>, key: u16) -> String {
    for (name, m) in metrics {
        match &m.classes {
            None if m.key == key => return name.clone(),
            Some(c) if (m.key..m.key + c.count).contains(&key) => {
                return class_metric_name(name, &c.name, key - m.key)
            }
            _ => {}
        }
    }
    format!("key{key}")
}

pub(super) fn parse_metrics(
    src: &Source,
    doc: &toml::Table,
) -> Result<BTreeMap<String, Metric>, SchemaError> {
    let mut out = BTreeMap::new();
    let Some(v) = doc.get("metrics") else {
        return Ok(out);
    };
    let Some(t) = v.as_table() else {
        return Err(src.error(&parse_key("metrics"), "must be a table"));
    };
    for (name, v) in t {
        let path = [Seg::Key("metrics".into()), Seg::Key(name.clone())];
        let field = |f: &str| {
            let mut p = path.to_vec();
            p.push(Seg::Key(f.into()));
            p
        };
        // No '.': `[check]` names numbers as metric.statistic.
        if let Some(problem) = name_problem(name, false, "default figure names") {
            return Err(src.error(&path, problem));
        }
        let (key, unit, label, classes) = match v {
            toml::Value::Integer(k) => (Some(*k), String::new(), None, None),
            toml::Value::Table(t) => {
                if let Some(extra) = t
                    .keys()
                    .find(|k| !matches!(k.as_str(), "key" | "unit" | "label" | "classes" | "class"))
                {
                    return Err(src.error(
                        &field(extra),
                        "unknown key (a metric has `key`, `unit`, `label`, `classes` and `class`)",
                    ));
                }
                let label = match t.get("label") {
                    None => None,
                    Some(l) => {
                        let l = l.as_str().ok_or_else(|| {
                            src.error(&field("label"), "a label must be a string")
                        })?;
                        if let Some(problem) = label_problem(l) {
                            return Err(src.error(&field("label"), problem));
                        }
                        Some(l.to_string())
                    }
                };
                let unit = match t.get("unit") {
                    None => String::new(),
                    Some(toml::Value::String(u)) => u.clone(),
                    Some(_) => return Err(src.error(&field("unit"), "must be a string")),
                };
                let classes = parse_classes(src, t, &field)?;
                (
                    t.get("key").and_then(|k| k.as_integer()),
                    unit,
                    label,
                    classes,
                )
            }
            _ => (None, String::new(), None, None),
        };
        let key = key.filter(|k| (0..480).contains(k)).ok_or_else(|| {
            src.error(
                &path,
                "needs a sample key 0..480: `name = KEY` or `name = { key = KEY, unit = \"...\" }`",
            )
        })?;
        let count = classes.as_ref().map_or(1, |c: &Classes| i64::from(c.count));
        if key + count > 480 {
            return Err(src.error(
                &field("classes"),
                format!(
                    "{count} classes from key {key} need keys {key}..={}, past the last sample key 479",
                    key + count - 1
                ),
            ));
        }
        let keys = |m: &Metric| {
            let n = m.classes.as_ref().map_or(1, |c| i64::from(c.count));
            i64::from(m.key)..i64::from(m.key) + n
        };
        if let Some((other, m)) = out.iter().find(|(_, m): &(&String, &Metric)| {
            let r = keys(m);
            r.start < key + count && key < r.end
        }) {
            let message = if count == 1 && m.classes.is_none() {
                format!("sample key {key} is already metric {other:?}")
            } else {
                let r = keys(m);
                format!(
                    "sample keys {key}..={} overlap metric {other:?} (keys {}..={})",
                    key + count - 1,
                    r.start,
                    r.end - 1
                )
            };
            return Err(src.error(&path, message));
        }
        if let Some(c) = &classes {
            let last = class_metric_name(name, &c.name, c.count - 1);
            if let Some(problem) = name_problem(&last, false, "a class's metric") {
                return Err(src.error(&field("class"), problem));
            }
        }
        out.insert(
            name.clone(),
            Metric {
                key: key as u16,
                unit,
                label,
                classes,
            },
        );
    }
    // A class's metric must not be a declared metric too.
    for (name, m) in &out {
        let Some(c) = &m.classes else { continue };
        if let Some(k) =
            (0..c.count).find(|&k| out.contains_key(&class_metric_name(name, &c.name, k)))
        {
            return Err(src.error(
                &[
                    Seg::Key("metrics".into()),
                    Seg::Key(name.clone()),
                    Seg::Key("class".into()),
                ],
                format!(
                    "class {k} of {name} would be metric {:?}, which [metrics] declares too",
                    class_metric_name(name, &c.name, k)
                ),
            ));
        }
    }
    Ok(out)
}

/// Why `name` cannot name a class, if it cannot: a portable identifier (1 to 32 ASCII
/// letters, digits and `_`, starting with a letter), since it becomes a plot parameter and
/// part of metric names; not `seed`.
fn class_name_problem(name: &str) -> Option<String> {
    let ok = (1..=32).contains(&name.len())
        && name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !ok {
        Some(format!(
            "{name:?} is not a class name (1 to 32 letters, digits and '_', starting with a letter)"
        ))
    } else if name == "seed" {
        Some("`seed` is the seeds' key; give the class another name".into())
    } else {
        None
    }
}

/// `classes` and `class` of a metric's table (both or neither).
fn parse_classes(
    src: &Source,
    t: &toml::Table,
    field: &dyn Fn(&str) -> Vec<Seg>,
) -> Result<Option<Classes>, SchemaError> {
    let count = match t.get("classes") {
        None => {
            if t.contains_key("class") {
                return Err(src.error(
                    &field("class"),
                    "needs `classes`, the number of classes (sample keys KEY, KEY+1, ...)",
                ));
            }
            return Ok(None);
        }
        Some(n) => n
            .as_integer()
            .filter(|n| (1..=MAX_CLASSES).contains(n))
            .ok_or_else(|| {
                src.error(
                    &field("classes"),
                    format!("must be a number of classes, 1 to {MAX_CLASSES}"),
                )
            })?,
    };
    let name = match t.get("class") {
        Some(toml::Value::String(s)) => s.clone(),
        Some(_) => return Err(src.error(&field("class"), "must be a string")),
        None => {
            return Err(src.error(
                &field("classes"),
                "needs `class`, the name of the class (e.g. class = \"priority\"), by which figures split",
            ))
        }
    };
    if let Some(problem) = class_name_problem(&name) {
        return Err(src.error(&field("class"), problem));
    }
    Ok(Some(Classes {
        count: count as u16,
        name,
    }))
}
