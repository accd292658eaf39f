//! The machine tables: a machine error placed at the key that caused it (in the experiment,
//! its sweep, its profile or the base file), and each point's machine.

use std::path::Path;

use super::*;
use crate::locate::{key_text, parse_key, SchemaError, Seg};

impl Experiment {
    /// The machine for a point with the sweep's machine values `params` (dotted key ->
    /// value, in `sweep.params` order), complete; errors point at the sweep key.
    pub fn point_machine(
        &self,
        sim: &dyn Simulator,
        params: &[(String, toml::Value)],
    ) -> Result<toml::Table, SchemaError> {
        let mut m = self.machine_overrides.clone();
        let mut any = false;
        for (k, v) in params {
            if is_machine_key(k) {
                let segs: Vec<&str> = k.split('.').collect();
                set_path(&mut m, &segs, v.clone());
                any = true;
            }
        }
        if !any {
            return Ok(self.machine.clone());
        }
        let src = Source {
            file: &self.file,
            text: &self.text,
            overlay: self.profile.table_path(),
        };
        let base_text = match &self.machine_base {
            Some(b) => std::fs::read_to_string(b).unwrap_or_default(),
            None => String::new(),
        };
        let base_src = self
            .machine_base
            .as_deref()
            .map(|f| (f, base_text.as_str()));
        sim.resolve_machine(&m)
            .map_err(|e| machine_error(&src, base_src, &e, Some(params)))
    }
}

/// Whether a swept key addresses the machine (not the workload or kernel).
pub fn is_machine_key(key: &str) -> bool {
    let first = key.split('.').next().unwrap_or("");
    !RUNNER_TABLES.contains(&first)
}

/// Place a machine error: for a point (`point`: its sweep values) whose swept value is at
/// fault, that value's list in the sweep; else the key in the experiment's tables, then in
/// the sweep; else in the base file. `[quick]` comes first in the quick profile.
pub(super) fn machine_error(
    src: &Source,
    base: Option<(&Path, &str)>,
    e: &MachineError,
    point: Option<&[(String, toml::Value)]>,
) -> SchemaError {
    let values: Vec<String> = point
        .unwrap_or_default()
        .iter()
        .filter(|(k, _)| is_machine_key(k))
        .map(|(k, v)| format!("{k} = {v}"))
        .collect();
    let message = if values.is_empty() {
        e.message.clone()
    } else {
        format!("{} (at {})", e.message, values.join(", "))
    };
    let Some(key) = &e.key else {
        return SchemaError::file(src.file, message);
    };
    let path = parse_key(key);
    let table_path: Vec<Seg> = path
        .iter()
        .take_while(|s| matches!(s, Seg::Key(_)))
        .cloned()
        .collect();
    let mut sweep_table_path = vec![Seg::Key("sweep".into())];
    sweep_table_path.extend(table_path.iter().cloned());
    let quoted = vec![Seg::Key("sweep".into()), Seg::Key(key_text(&table_path))];
    let profile_paths = |p: &Vec<Seg>| {
        let mut quick = src.overlay.clone();
        quick.extend(p.iter().cloned());
        if !src.overlay.is_empty() {
            vec![quick, p.clone()]
        } else {
            vec![p.clone()]
        }
    };
    let swept = point.is_some_and(|ps| ps.iter().any(|(k, _)| k == key));
    let mut candidates = Vec::new();
    if swept {
        candidates.extend(profile_paths(&sweep_table_path));
        candidates.extend(profile_paths(&quoted));
    }
    candidates.extend(profile_paths(&path));
    if point.is_some() {
        candidates.extend(profile_paths(&sweep_table_path));
        candidates.extend(profile_paths(&quoted));
    }
    for c in &candidates {
        if exact_line(src.text, c).is_some() {
            let mut err = SchemaError::at(src.file, src.text, c, message);
            err.key = Some(key.clone());
            return err;
        }
    }
    if let Some((file, text)) = base {
        if exact_line(text, &path).is_some() || exact_line(text, &table_path).is_some() {
            let mut err = SchemaError::at(file, text, &path, message);
            err.key = Some(key.clone());
            return err;
        }
    }
    let mut err = SchemaError::at(src.file, src.text, &path, message);
    err.key = Some(key.clone());
    if path.len() == 1 {
        err.message.push_str(&format!(
            " (experiment tables: {})",
            RUNNER_TABLES.join(", ")
        ));
    }
    err
}

/// The experiment's machine: every non-runner table of the document over the base file
/// `[machine] config` names.
pub(super) struct MachineTables {
    /// The base machine configuration file, if any.
    pub base: Option<PathBuf>,
    /// The base file merged with the experiment's tables, before resolution.
    pub overrides: toml::Table,
    /// The same, resolved by the simulator (complete: every key).
    pub machine: toml::Table,
}

impl MachineTables {
    /// Gathers the machine tables of `doc` (paths relative to `dir`) and resolves them.
    pub fn resolve(
        src: &Source,
        doc: &toml::Table,
        dir: &Path,
        sim: &dyn Simulator,
    ) -> Result<Self, SchemaError> {
        let mut tables = toml::Table::new();
        for (k, v) in doc {
            if !RUNNER_TABLES.contains(&k.as_str()) {
                tables.insert(k.clone(), v.clone());
            }
        }
        let mut machine_base = None;
        let mut base_text = String::new();
        if let Some(toml::Value::Table(m)) = tables.get_mut("machine") {
            if m.contains_key("seed") {
                return Err(src.error(
                    &parse_key("machine.seed"),
                    "is set per point from [experiment] seeds",
                ));
            }
            match m.remove("config") {
                None => {}
                Some(toml::Value::String(p)) => {
                    let path = find_file(dir, &p).ok_or_else(|| {
                        src.error(&parse_key("machine.config"), format!("no file {p:?}"))
                    })?;
                    machine_base = Some(path);
                }
                Some(_) => {
                    return Err(src.error(
                        &parse_key("machine.config"),
                        "must be a path to a machine configuration file",
                    ))
                }
            }
        }
        let mut merged = toml::Table::new();
        if let Some(base) = &machine_base {
            base_text = std::fs::read_to_string(base)
                .map_err(|e| SchemaError::file(base, format!("cannot read: {e}")))?;
            merged = base_text
                .parse()
                .map_err(|e: toml::de::Error| SchemaError {
                    file: base.clone(),
                    line: e
                        .span()
                        .map(|s| crate::locate::line_at(&base_text, s.start)),
                    key: None,
                    message: e.message().to_string(),
                })?;
        }
        merge(&mut merged, &tables);
        let base_src = machine_base.as_deref().map(|f| (f, base_text.as_str()));
        let machine = sim
            .resolve_machine(&merged)
            .map_err(|e| machine_error(src, base_src, &e, None))?;
        Ok(Self {
            base: machine_base,
            overrides: merged,
            machine,
        })
    }
}
