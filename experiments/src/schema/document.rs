//! The TOML document and files around it: merging tables, setting dotted keys, finding
//! files, durations, typed tables with located errors.

use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;

use super::*;
use crate::locate::{line_of, SchemaError, Seg};

/// The line of `path` only if the whole path is written in `text`.
pub(super) fn exact_line(text: &str, path: &[Seg]) -> Option<usize> {
    let doc: toml::Table = text.parse().ok()?;
    let mut v: Option<&toml::Value> = None;
    let mut table = Some(&doc);
    for seg in path {
        v = match seg {
            Seg::Key(k) => table?.get(k),
            Seg::Index(i) => v?.as_array()?.get(*i),
        };
        table = v.and_then(|v| v.as_table());
        v?;
    }
    line_of(text, path)
}

/// When `text` (not TOML) is JSON, what it looks like and which file was expected: the
/// baseline and the experiment are easily swapped on `hartlab check`'s command line.
pub(super) fn json_instead_of_toml(file: &Path, text: &str) -> Option<SchemaError> {
    let json: serde_json::Value = serde_json::from_str(text).ok()?;
    let field = |k: &str| json.get(k).and_then(|v| v.as_str());
    let what = match (field("experiment"), field("run_id")) {
        (Some(name), _) if json.get("values").is_some() => {
            format!("a baseline JSON (of experiment {name:?})")
        }
        (_, Some(id)) => format!("a run's run.json (run {id})"),
        _ => "JSON".to_string(),
    };
    Some(SchemaError::file(
        file,
        format!(
            "this looks like {what}, not an experiment TOML: name the experiment file here \
             (e.g. experiments/NAME.toml){}",
            if what.starts_with("a baseline") {
                ", and the baseline with `hartlab check ... --baseline`"
            } else {
                ""
            }
        ),
    ))
}

/// Deep-merge `over` into `base`: tables merge key by key, anything else replaces.
pub fn merge(base: &mut toml::Table, over: &toml::Table) {
    for (k, v) in over {
        match (base.get_mut(k), v) {
            (Some(toml::Value::Table(b)), toml::Value::Table(o)) => merge(b, o),
            _ => {
                base.insert(k.clone(), v.clone());
            }
        }
    }
}

/// Set the dotted `key` (path `segs`) in `table` to `value`, creating tables on the way.
pub fn set_path(table: &mut toml::Table, segs: &[&str], value: toml::Value) {
    let Some((last, parents)) = segs.split_last() else {
        return;
    };
    let mut t = table;
    for p in parents {
        let entry = t
            .entry(p.to_string())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        if !entry.is_table() {
            *entry = toml::Value::Table(toml::Table::new());
        }
        t = entry.as_table_mut().expect("just made a table");
    }
    t.insert(last.to_string(), value);
}

/// Find `name` relative to `dir`, then to each of its ancestors (so `configs/x.toml` named
/// from `experiments/` finds the repository's `configs/`).
pub fn find_file(dir: &Path, name: &str) -> Option<PathBuf> {
    let p = Path::new(name);
    if p.is_absolute() {
        return p.exists().then(|| p.to_path_buf());
    }
    dir.ancestors().map(|d| d.join(p)).find(|c| c.exists())
}

/// The directory experiment names resolve in, from the repository's root.
pub const EXPERIMENTS_DIR: &str = "experiments";

/// The experiment file a command line names, paths taken from `cwd`: `given` when it exists,
/// else `experiments/<given>` for a relative path (so `priority.toml` run from the
/// repository's root is `experiments/priority.toml`); an error naming both when neither does.
pub fn find_experiment(cwd: &Path, given: &Path) -> anyhow::Result<PathBuf> {
    if cwd.join(given).exists() {
        return Ok(given.to_path_buf());
    }
    if given.is_absolute() {
        anyhow::bail!("{}: no such experiment file", given.display());
    }
    let under = Path::new(EXPERIMENTS_DIR).join(given);
    if cwd.join(&under).exists() {
        return Ok(under);
    }
    anyhow::bail!(
        "{}: no such experiment file (looked for {} and {})",
        given.display(),
        Path::new(".").join(given).display(),
        under.display()
    )
}

/// Parse a duration such as `10ms`, `500us`, `2s`, `100ns`, `750ps` into picoseconds.
pub fn parse_duration_ps(text: &str) -> Option<u64> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit())?;
    let (digits, unit) = t.split_at(split);
    let n: u64 = digits.parse().ok()?;
    let scale: u64 = match unit.trim() {
        "ps" => 1,
        "ns" => 1_000,
        "us" => 1_000_000,
        "ms" => 1_000_000_000,
        "s" => 1_000_000_000_000,
        _ => return None,
    };
    n.checked_mul(scale)
}

pub(super) fn section<T: DeserializeOwned>(
    src: &Source,
    doc: &toml::Table,
    name: &str,
) -> Result<Option<T>, SchemaError> {
    let Some(v) = doc.get(name) else {
        return Ok(None);
    };
    let prefix = [Seg::Key(name.to_string())];
    serde_path_to_error::deserialize(v.clone())
        .map(Some)
        .map_err(|e| {
            let path = crate::locate::serde_path(&prefix, e.path());
            src.error(&path, e.inner().message().to_string())
        })
}

/// A scalar that can be passed as a program argument.
pub fn arg_text(v: &toml::Value) -> Option<String> {
    match v {
        toml::Value::String(s) if !s.is_empty() && !s.chars().any(char::is_whitespace) => {
            Some(s.clone())
        }
        toml::Value::Integer(i) => Some(i.to_string()),
        toml::Value::Float(f) => Some(f.to_string()),
        toml::Value::Boolean(b) => Some(b.to_string()),
        _ => None,
    }
}
