//! Human labels for figures: `[labels]` names swept keys and their values as a reader should
//! see them (`"machine.harts" = "harts"`, or `{ label = "...", values = { v = "..." } }`),
//! and `[metrics] NAME = { ..., label = "..." }` names a metric. Without a label, figures show
//! the key, value or metric name as written.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::locate::{SchemaError, Seg};
use crate::schema::Source;

/// Longest label, in characters: a label is an axis title or a legend entry, not a caption.
pub const LABEL_MAX: usize = 80;

/// The labels of one swept key (or of `seed`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyLabel {
    /// The key's label (axis title, legend title).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Labels of its values, by the value as `--only` and filters write it.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub values: BTreeMap<String, String>,
}

/// Labels by swept key.
pub type Labels = BTreeMap<String, KeyLabel>;

/// The label of swept key `key`, or the key itself.
pub fn key_label<'a>(labels: &'a Labels, key: &'a str) -> &'a str {
    labels
        .get(key)
        .and_then(|l| l.label.as_deref())
        .unwrap_or(key)
}

/// The label of value `value` of swept key `key`, or the value itself.
pub fn value_label<'a>(labels: &'a Labels, key: &str, value: &'a str) -> &'a str {
    labels
        .get(key)
        .and_then(|l| l.values.get(value))
        .map_or(value, String::as_str)
}

/// Why `text` is not a usable label, if it is not.
pub fn label_problem(text: &str) -> Option<String> {
    if text.trim().is_empty() {
        Some("a label must not be empty".into())
    } else if text.chars().any(char::is_control) {
        Some(format!(
            "{text:?}: a label is one line (no newlines, tabs or other control characters)"
        ))
    } else if text.chars().count() > LABEL_MAX {
        Some(format!(
            "{text:?}: a label has at most {LABEL_MAX} characters (it becomes an axis title or a legend entry)"
        ))
    } else {
        None
    }
}

/// `[labels]` of `doc`. `swept(key)` gives the values of a key swept in either profile (or
/// of `seed`), `None` for a key swept in neither: labelling it is an error.
pub(crate) fn parse_labels(
    src: &Source,
    doc: &toml::Table,
    swept: &dyn Fn(&str) -> Option<Vec<String>>,
) -> Result<Labels, SchemaError> {
    let mut out = Labels::new();
    let Some(v) = doc.get("labels") else {
        return Ok(out);
    };
    let root = vec![Seg::Key("labels".into())];
    let Some(t) = v.as_table() else {
        return Err(src.error(&root, "must be a table of swept keys and their labels"));
    };
    let mut entries = Vec::new();
    for (k, v) in t {
        flatten(src, &mut vec![k.clone()], v, &mut entries)?;
    }
    for (segs, v) in entries {
        let key = segs.join(".");
        let mut path = root.clone();
        path.extend(segs.iter().map(|s| Seg::Key(s.clone())));
        let Some(values) = swept(&key) else {
            return Err(src.error(
                &path,
                format!("{key:?} is not swept in either profile: only swept keys and `seed` have labels"),
            ));
        };
        let mut entry = KeyLabel::default();
        let text = |path: &[Seg], v: &toml::Value| -> Result<String, SchemaError> {
            let s = v
                .as_str()
                .ok_or_else(|| src.error(path, "a label must be a string"))?;
            match label_problem(s) {
                Some(problem) => Err(src.error(path, problem)),
                None => Ok(s.to_string()),
            }
        };
        match v {
            toml::Value::Table(t) => {
                if let Some(l) = t.get("label") {
                    let mut p = path.clone();
                    p.push(Seg::Key("label".into()));
                    entry.label = Some(text(&p, l)?);
                }
                if let Some(vs) = t.get("values") {
                    let mut p = path.clone();
                    p.push(Seg::Key("values".into()));
                    let vs = vs.as_table().ok_or_else(|| {
                        src.error(&p, "must be a table: swept value -> its label")
                    })?;
                    for (value, l) in vs {
                        let mut pv = p.clone();
                        pv.push(Seg::Key(value.clone()));
                        if !values.contains(value) {
                            return Err(src.error(
                                &pv,
                                format!(
                                    "{value:?} is not a swept value of {key} (swept: {})",
                                    values.join(", ")
                                ),
                            ));
                        }
                        entry.values.insert(value.clone(), text(&pv, l)?);
                    }
                }
            }
            other => entry.label = Some(text(&path, &other)?),
        }
        out.insert(key, entry);
    }
    Ok(out)
}

/// Collect (key segments, entry) pairs: a string is a key's label; a table with only `label`
/// and `values` is a key's entry; any other table continues a dotted key.
fn flatten(
    src: &Source,
    segs: &mut Vec<String>,
    v: &toml::Value,
    out: &mut Vec<(Vec<String>, toml::Value)>,
) -> Result<(), SchemaError> {
    match v {
        toml::Value::Table(t)
            if !t.is_empty() && t.keys().all(|k| k == "label" || k == "values") =>
        {
            out.push((segs.clone(), v.clone()));
        }
        toml::Value::Table(t) => {
            for (k, v) in t {
                segs.push(k.clone());
                flatten(src, segs, v, out)?;
                segs.pop();
            }
        }
        toml::Value::String(_) => out.push((segs.clone(), v.clone())),
        _ => {
            let mut path = vec![Seg::Key("labels".into())];
            path.extend(segs.iter().map(|s| Seg::Key(s.clone())));
            return Err(src.error(
                &path,
                "must be a label (a string) or { label = \"...\", values = { VALUE = \"...\" } }",
            ));
        }
    }
    Ok(())
}
