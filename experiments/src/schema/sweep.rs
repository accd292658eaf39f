//! `[sweep]`: swept parameters and how their lists combine.

use serde::{Deserialize, Serialize};

use super::*;
use crate::locate::{parse_key, SchemaError, Seg};

/// How sweep lists combine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum SweepMode {
    /// Every combination (cartesian product).
    #[default]
    Grid,
    /// The i-th values of every list together (all lists equally long).
    Zip,
}

/// One swept parameter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepParam {
    /// Its dotted key, e.g. `uintr.send_visibility_cycles` or `workload.mechanism`.
    pub key: String,
    /// Its values.
    pub values: Vec<toml::Value>,
}

/// `[sweep]`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Sweep {
    /// Grid or zip.
    pub mode: SweepMode,
    /// The parameters, in key order.
    pub params: Vec<SweepParam>,
}

pub(super) fn check_param_name(src: &Source, path: &[Seg], k: &str) -> Result<(), SchemaError> {
    let ok = !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        && k != "seed";
    if ok {
        Ok(())
    } else {
        Err(src.error(
            path,
            "parameter names are letters, digits, '_' and '-' (and not `seed`, which the runner passes)",
        ))
    }
}

pub(super) fn parse_sweep(src: &Source, doc: &toml::Table) -> Result<Sweep, SchemaError> {
    let Some(v) = doc.get("sweep") else {
        return Ok(Sweep::default());
    };
    let Some(t) = v.as_table() else {
        return Err(src.error(&parse_key("sweep"), "must be a table"));
    };
    let mut sweep = Sweep::default();
    for (k, v) in t {
        if k == "mode" {
            sweep.mode = match v.as_str() {
                Some("grid") => SweepMode::Grid,
                Some("zip") => SweepMode::Zip,
                _ => return Err(src.error(&parse_key("sweep.mode"), "must be \"grid\" or \"zip\"")),
            };
            continue;
        }
        flatten_sweep(src, &mut vec![k.clone()], v, &mut sweep.params)?;
    }
    if sweep.mode == SweepMode::Zip {
        if let Some(first) = sweep.params.first() {
            for p in &sweep.params {
                if p.values.len() != first.values.len() {
                    return Err(src.error(
                        &sweep_path(&p.key),
                        format!(
                            "has {} values but {} has {}: zipped lists must be equally long",
                            p.values.len(),
                            first.key,
                            first.values.len()
                        ),
                    ));
                }
            }
        }
    }
    Ok(sweep)
}

/// Path of a sweep key in the document (dotted keys are nested tables; quoted keys are not,
/// and `line_of` finds either through its deepest match).
fn sweep_path(key: &str) -> Vec<Seg> {
    let mut p = vec![Seg::Key("sweep".into())];
    p.extend(key.split('.').map(|s| Seg::Key(s.to_string())));
    p
}

fn flatten_sweep(
    src: &Source,
    key: &mut Vec<String>,
    v: &toml::Value,
    out: &mut Vec<SweepParam>,
) -> Result<(), SchemaError> {
    match v {
        toml::Value::Table(t) => {
            for (k, v) in t {
                key.push(k.clone());
                flatten_sweep(src, key, v, out)?;
                key.pop();
            }
            Ok(())
        }
        toml::Value::Array(values) => {
            // A quoted dotted key ("machine.harts") and nested keys mean the same.
            let full = key.join(".");
            let path = {
                let mut p = vec![Seg::Key("sweep".into())];
                p.extend(key.iter().map(|s| Seg::Key(s.clone())));
                p
            };
            if values.is_empty() {
                return Err(src.error(&path, "needs at least one value"));
            }
            let first = full.split('.').next().unwrap_or("");
            let parts: Vec<&str> = full.split('.').collect();
            match first {
                "workload" => {
                    if parts.len() != 2 || matches!(parts[1], "kind" | "program") {
                        return Err(src.error(
                            &path,
                            "sweep workload parameters as workload.NAME (not kind or program)",
                        ));
                    }
                    check_param_name(src, &path, parts[1])?;
                    if let Some(bad) = values.iter().find(|v| arg_text(v).is_none()) {
                        return Err(src.error(
                            &path,
                            format!("{bad} is not a number, boolean or string without spaces"),
                        ));
                    }
                }
                "kernel" => {
                    if full != "kernel.bootargs" || values.iter().any(|v| !v.is_str()) {
                        return Err(
                            src.error(&path, "only kernel.bootargs can be swept, with strings")
                        );
                    }
                }
                _ if RUNNER_TABLES.contains(&first) => {
                    return Err(src.error(&path, format!("[{first}] cannot be swept")))
                }
                _ => {
                    if parts.len() < 2 {
                        return Err(src.error(
                            &path,
                            "a machine key is table.key, e.g. machine.harts or uintr.send_visibility_cycles",
                        ));
                    }
                    if full == "machine.seed" || full == "machine.config" {
                        return Err(src.error(
                            &path,
                            "machine.seed comes from [experiment] seeds; machine.config cannot be swept",
                        ));
                    }
                }
            }
            if out.iter().any(|p| p.key == full) {
                return Err(src.error(&path, "swept twice"));
            }
            out.push(SweepParam {
                key: full,
                values: values.clone(),
            });
            Ok(())
        }
        _ => {
            let mut p = vec![Seg::Key("sweep".into())];
            p.extend(key.iter().map(|s| Seg::Key(s.clone())));
            Err(src.error(&p, "must be a list of values"))
        }
    }
}
