//! The run directory: `points.jsonl` (one JSON record per finished point, appended and
//! synced as points finish, rewritten in sweep order at the end), `run.json` (what `plot`
//! and `check` need to redraw without the experiment file), the experiment as given and as
//! resolved.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use crate::schema::{CheckSpec, Metric, PlotSpec, Profile};
use crate::sim::{Dropped, Event};
use crate::stats::MetricData;

/// File names inside a run directory.
pub const POINTS: &str = "points.jsonl";
/// The run's description.
pub const RUN: &str = "run.json";
/// The experiment file as given.
pub const EXPERIMENT: &str = "experiment.toml";
/// The experiment resolved: the profile merged, every machine key filled in.
pub const RESOLVED: &str = "resolved.toml";
/// The summary table.
pub const SUMMARY: &str = "summary.csv";
/// The report.
pub const REPORT: &str = "report.md";
/// The figures' directory.
pub const FIGURES: &str = "figures";

/// Whether a point ran to a passing end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// The guest reported success.
    Ok,
    /// Anything else: guest failure, a limit, the simulator refusing the point.
    Failed,
}

/// One finished point, as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PointRecord {
    /// Stable id (hash of parameters and seed).
    pub id: String,
    /// Position in the sweep.
    pub index: usize,
    /// Group label (parameters without the seed).
    pub group: String,
    /// Swept parameters.
    pub params: BTreeMap<String, serde_json::Value>,
    /// Seed.
    pub seed: u64,
    /// Kernel command line the point booted with.
    pub bootargs: String,
    /// Ok or failed.
    pub status: Status,
    /// Why it failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// How the run ended.
    pub exit: String,
    /// Metric data by metric name (`key<N>` for undeclared keys).
    pub metrics: BTreeMap<String, MetricData>,
    /// Events the guest recorded.
    pub events: Vec<Event>,
    /// Records the simulator dropped over its caps.
    pub dropped: Dropped,
    /// Start of the measured window (last statistics reset), ps.
    pub window_start_ps: u64,
    /// Simulator statistics at the end of the run.
    pub stats: serde_json::Value,
    /// Statistics dumps the guest asked for.
    pub dumps: Vec<serde_json::Value>,
    /// Console output (truncated).
    pub console: String,
}

impl PointRecord {
    /// Whether the point passed.
    pub fn ok(&self) -> bool {
        self.status == Status::Ok
    }
}

/// What `plot` and `check` need about a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunMeta {
    /// Experiment name.
    pub name: String,
    /// Its description.
    pub description: String,
    /// The experiment file as given.
    pub file: String,
    /// Profile that ran.
    pub profile: Profile,
    /// Run id (directory name under results/<name>/ unless --out was given).
    pub run_id: String,
    /// Swept keys, in order.
    pub sweep: Vec<String>,
    /// Seeds.
    pub seeds: Vec<u64>,
    /// Points in the sweep.
    pub points: usize,
    /// Named metrics.
    pub metrics: BTreeMap<String, Metric>,
    /// Figures.
    pub plots: Vec<PlotSpec>,
    /// Regression check.
    pub check: Option<CheckSpec>,
}

impl RunMeta {
    /// Read `run.json` from `dir`.
    pub fn read(dir: &Path) -> Result<Self> {
        let path = dir.join(RUN);
        let text = std::fs::read_to_string(&path).with_context(|| {
            format!(
                "cannot read {} (is {} a run directory?)",
                path.display(),
                dir.display()
            )
        })?;
        serde_json::from_str(&text).with_context(|| format!("invalid {}", path.display()))
    }

    /// Unit of `metric`, or "".
    pub fn unit(&self, metric: &str) -> &str {
        self.metrics.get(metric).map_or("", |m| m.unit.as_str())
    }
}

/// Write `bytes` to `path` atomically (a temporary file renamed into place).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, bytes).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))
}

/// Read the records of `points.jsonl` in `dir` (none if it does not exist). A line that does
/// not parse (the last one, cut short by an interruption) is skipped: its point runs again.
pub fn read_points(dir: &Path) -> Result<Vec<PointRecord>> {
    let path = dir.join(POINTS);
    let file = match File::open(&path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
    };
    let mut out = Vec::new();
    for line in BufReader::new(file).lines() {
        let line = line.with_context(|| format!("cannot read {}", path.display()))?;
        if let Ok(r) = serde_json::from_str::<PointRecord>(&line) {
            out.push(r);
        }
    }
    Ok(out)
}

/// Appends finished points to `points.jsonl`, each synced to disk before the next, so an
/// interrupted sweep loses no finished point. Shared by the worker threads (one short lock
/// per finished point, never during a simulation).
pub struct Appender {
    file: Mutex<File>,
    path: PathBuf,
}

impl Appender {
    /// Open `points.jsonl` in `dir` for appending (`fresh`: truncate it first).
    pub fn open(dir: &Path, fresh: bool) -> Result<Self> {
        let path = dir.join(POINTS);
        let mut opts = OpenOptions::new();
        opts.create(true);
        if fresh {
            opts.write(true).truncate(true);
        } else {
            opts.append(true);
        }
        let file = opts
            .open(&path)
            .with_context(|| format!("cannot open {}", path.display()))?;
        Ok(Self {
            file: Mutex::new(file),
            path,
        })
    }

    /// Append one record.
    pub fn append(&self, record: &PointRecord) -> Result<()> {
        let mut line = serde_json::to_string(record)?;
        line.push('\n');
        let mut f = self
            .file
            .lock()
            .map_err(|_| anyhow::anyhow!("points file lock poisoned"))?;
        f.write_all(line.as_bytes())
            .and_then(|_| f.sync_data())
            .with_context(|| format!("cannot write {}", self.path.display()))
    }
}

/// Rewrite `points.jsonl` in `dir` with `records` in sweep order (one record per id, the
/// last written winning).
pub fn rewrite_points(dir: &Path, records: &[PointRecord]) -> Result<Vec<PointRecord>> {
    let mut by_id: BTreeMap<&str, &PointRecord> = BTreeMap::new();
    for r in records {
        by_id.insert(&r.id, r);
    }
    let mut sorted: Vec<PointRecord> = by_id.into_values().cloned().collect();
    sorted.sort_by_key(|r| r.index);
    let mut text = String::new();
    for r in &sorted {
        text.push_str(&serde_json::to_string(r)?);
        text.push('\n');
    }
    write_atomic(&dir.join(POINTS), text.as_bytes())?;
    Ok(sorted)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(index: usize, id: &str) -> PointRecord {
        PointRecord {
            id: id.into(),
            index,
            group: "all".into(),
            params: BTreeMap::new(),
            seed: 1,
            bootargs: String::new(),
            status: Status::Ok,
            reason: None,
            exit: "pass".into(),
            metrics: BTreeMap::new(),
            events: Vec::new(),
            dropped: Dropped::default(),
            window_start_ps: 0,
            stats: serde_json::Value::Null,
            dumps: Vec::new(),
            console: String::new(),
        }
    }

    #[test]
    fn appends_survive_a_torn_last_line_and_rewrite_sorts() {
        let dir = tempfile::tempdir().unwrap();
        let a = Appender::open(dir.path(), true).unwrap();
        a.append(&record(2, "b")).unwrap();
        a.append(&record(0, "a")).unwrap();
        drop(a);
        let mut f = OpenOptions::new()
            .append(true)
            .open(dir.path().join(POINTS))
            .unwrap();
        f.write_all(b"{\"id\":\"c\",\"ind").unwrap();
        let read = read_points(dir.path()).unwrap();
        assert_eq!(read.len(), 2);
        let sorted = rewrite_points(dir.path(), &read).unwrap();
        assert_eq!(sorted[0].id, "a");
        let again = read_points(dir.path()).unwrap();
        assert_eq!(again, sorted);
        assert!(read_points(&dir.path().join("none")).unwrap().is_empty());
    }
}
