//! The run directory: `points.jsonl` (one JSON record per finished point, appended and
//! synced as points finish, rewritten in sweep order at the end), `run.json` (what `plot`
//! and `check` need to redraw without the experiment file), the experiment as given and as
//! resolved.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::SystemTime;

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use crate::labels::Labels;
use crate::schema::{CheckSpec, Metric, PlotSpec, Profile};
use crate::sim::{Dropped, Event};
use crate::stats::MetricData;
use crate::sweep::Shard;

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
/// A shard's identity (only in the directory of a `--shard I/N` run).
pub const SHARD: &str = "shard.json";

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
    /// Human labels of swept keys and values (absent in runs written before labels).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: Labels,
    /// Regression check.
    pub check: Option<CheckSpec>,
    /// Measured-against-theory declarations (absent in runs without them).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub theory: Vec<crate::theory::TheorySpec>,
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

    /// Write `run.json` into `dir` (the same bytes for the same run, whoever writes it).
    pub fn write(&self, dir: &Path) -> Result<()> {
        write_atomic(
            &dir.join(RUN),
            (serde_json::to_string_pretty(self)? + "\n").as_bytes(),
        )
    }

    /// Unit of `metric`, or "".
    pub fn unit(&self, metric: &str) -> &str {
        crate::schema::resolve_metric(&self.metrics, metric).map_or("", |m| m.metric.unit.as_str())
    }
}

/// `shard.json`: which slice of which run a shard directory holds, and which points the
/// whole sweep was asked for, so that `hartlab merge` can name the points of a shard it was
/// not given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShardMeta {
    /// This shard.
    pub shard: Shard,
    /// The run it is a slice of.
    pub run_id: String,
    /// Sweep indices of every point of the whole sweep that was selected (all of them, or
    /// those `--only` matched; with `--resume`, the union over the runs).
    pub selected: Vec<usize>,
}

impl ShardMeta {
    /// Read `shard.json` from `dir`, `None` if there is none.
    pub fn read(dir: &Path) -> Result<Option<Self>> {
        let path = dir.join(SHARD);
        match std::fs::read_to_string(&path) {
            Ok(text) => serde_json::from_str(&text)
                .map(Some)
                .with_context(|| format!("invalid {}", path.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
        }
    }

    /// Write `shard.json` into `dir` (one line: the index list can be long).
    pub fn write(&self, dir: &Path) -> Result<()> {
        write_atomic(
            &dir.join(SHARD),
            (serde_json::to_string(self)? + "\n").as_bytes(),
        )
    }

    /// The selected points that belong to this shard.
    pub fn assigned(&self) -> impl Iterator<Item = usize> + '_ {
        self.selected
            .iter()
            .copied()
            .filter(|&i| self.shard.contains(i))
    }
}

/// A run found in an experiment's directory, for listing.
#[derive(Debug, Clone)]
pub struct RunEntry {
    /// Its directory.
    pub dir: PathBuf,
    /// Its `run.json`.
    pub meta: RunMeta,
    /// Lines in its `points.jsonl` (points stored).
    pub stored: usize,
    /// When its `points.jsonl` was last written.
    pub written: Option<SystemTime>,
}

impl RunEntry {
    /// `DIR (quick profile, 2 of 8 points, written 2025-01-02 10:11 UTC)`.
    pub fn describe(&self) -> String {
        let written = match self.written {
            Some(t) => format!(", written {}", utc_text(t)),
            None => String::new(),
        };
        format!(
            "{} ({} profile, {} of {} points{written})",
            self.dir.display(),
            self.meta.profile.name(),
            self.stored,
            self.meta.points
        )
    }
}

/// The runs in the subdirectories of `dir` (an experiment's `results/NAME`), newest first.
pub fn runs_in(dir: &Path) -> Vec<RunEntry> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut runs: Vec<RunEntry> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter_map(|run| {
            let meta = RunMeta::read(&run).ok()?;
            let points = run.join(POINTS);
            let stored = std::fs::read(&points)
                .map(|b| b.split(|&c| c == b'\n').filter(|l| !l.is_empty()).count())
                .unwrap_or(0);
            let written = std::fs::metadata(&points).and_then(|m| m.modified()).ok();
            Some(RunEntry {
                dir: run,
                meta,
                stored,
                written,
            })
        })
        .collect();
    runs.sort_by(|a, b| b.written.cmp(&a.written).then_with(|| a.dir.cmp(&b.dir)));
    runs
}

/// `YYYY-MM-DD HH:MM UTC` of `t` (the civil calendar from days since 1970, Howard Hinnant's
/// algorithm: no date crate for one listing).
pub fn utc_text(t: SystemTime) -> String {
    let secs = t
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs()) as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02} UTC",
        rem / 3600,
        rem % 3600 / 60
    )
}

/// Write `bytes` to `path` atomically (a temporary file renamed into place).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, bytes).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("cannot write {}", path.display()))
}

/// A line of `points.jsonl` that is not a point record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadLine {
    /// 1-based line number.
    pub line: usize,
    /// 1-based column where parsing failed.
    pub column: usize,
    /// Why it is not a record.
    pub reason: String,
}

/// The lines of `points.jsonl`: the records, and the lines that are not records.
#[derive(Debug, Clone, Default)]
pub struct PointsFile {
    /// The file.
    pub path: PathBuf,
    /// Its records, in file order.
    pub records: Vec<PointRecord>,
    /// Its lines that do not parse, in file order.
    pub bad: Vec<BadLine>,
}

impl PointsFile {
    /// Read `points.jsonl` in `dir`, keeping every line that is not a record aside (none if
    /// the file does not exist).
    pub fn read(dir: &Path) -> Result<Self> {
        let path = dir.join(POINTS);
        let mut out = Self {
            path: path.clone(),
            ..Self::default()
        };
        let file = match File::open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
            Err(e) => return Err(e).with_context(|| format!("cannot read {}", path.display())),
        };
        for (i, line) in BufReader::new(file).lines().enumerate() {
            let line = line.with_context(|| format!("cannot read {}", path.display()))?;
            match serde_json::from_str::<PointRecord>(&line) {
                Ok(r) => out.records.push(r),
                Err(e) => {
                    // serde_json ends its message with the position; the line is ours.
                    let text = e.to_string();
                    let suffix = format!(" at line {} column {}", e.line(), e.column());
                    out.bad.push(BadLine {
                        line: i + 1,
                        column: e.column(),
                        reason: text.strip_suffix(&suffix).unwrap_or(&text).to_string(),
                    });
                }
            }
        }
        Ok(out)
    }

    /// `FILE:LINE:COLUMN: not a point record (reason)` for `bad`.
    pub fn describe(&self, bad: &BadLine) -> String {
        format!(
            "{}:{}:{}: not a point record ({})",
            self.path.display(),
            bad.line,
            bad.column,
            bad.reason
        )
    }

    /// The records, or an error naming the first line that is not one.
    pub fn into_records(self) -> Result<Vec<PointRecord>> {
        match self.bad.first() {
            Some(bad) => anyhow::bail!("{}", self.describe(bad)),
            None => Ok(self.records),
        }
    }
}

/// Line numbers as words: `line 3`, `lines 3, 7`.
pub fn lines_text(bad: &[BadLine]) -> String {
    let numbers: Vec<String> = bad.iter().map(|b| b.line.to_string()).collect();
    match numbers.len() {
        1 => format!("line {}", numbers[0]),
        _ => format!("lines {}", numbers.join(", ")),
    }
}

/// Read the records of `points.jsonl` in `dir` (none if it does not exist); a line that is
/// not a record is an error naming the file and line.
pub fn read_points(dir: &Path) -> Result<Vec<PointRecord>> {
    PointsFile::read(dir)?.into_records()
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
        let e = read_points(dir.path()).unwrap_err().to_string();
        let want = format!(
            "{}:3:14: not a point record (EOF ",
            dir.path().join(POINTS).display()
        );
        assert!(e.starts_with(&want), "{e}");
        let file = PointsFile::read(dir.path()).unwrap();
        assert_eq!(file.records.len(), 2);
        assert_eq!(file.bad.iter().map(|b| b.line).collect::<Vec<_>>(), [3]);
        assert_eq!(lines_text(&file.bad), "line 3");
        let sorted = rewrite_points(dir.path(), &file.records).unwrap();
        assert_eq!(sorted[0].id, "a");
        let again = read_points(dir.path()).unwrap();
        assert_eq!(again, sorted);
        assert!(read_points(&dir.path().join("none")).unwrap().is_empty());
    }

    #[test]
    fn dates_print_in_utc() {
        let at =
            |secs: u64| utc_text(SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(secs));
        assert_eq!(at(0), "1970-01-01 00:00 UTC");
        assert_eq!(at(951_782_400 + 3_723), "2000-02-29 01:02 UTC");
        assert_eq!(at(1_735_689_599), "2024-12-31 23:59 UTC");
    }
}
