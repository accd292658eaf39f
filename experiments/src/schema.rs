//! The experiment file: parsing, the profiles, and checking every value before anything
//! runs (the schema is documented in `experiments/README.md`).
//!
//! Tables `[experiment]`, `[kernel]`, `[workload]`, `[sweep]`, `[metrics]`, `[[plot]]`,
//! `[labels]`, `[check]`, `[quick]` and `[profile.NAME]` belong to the runner; every other
//! top-level table is a machine configuration table, exactly as in a `hartlab --config` file,
//! overriding the file named by `[machine] config`. Errors name the file, line and key.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::labels::{label_problem, parse_labels, Labels};
use crate::locate::{key_text, line_of, parse_key, SchemaError, Seg};
use crate::sim::{MachineError, Simulator};

/// Tables the runner reads; all others are machine configuration.
pub const RUNNER_TABLES: [&str; 11] = [
    "experiment",
    "kernel",
    "workload",
    "sweep",
    "metrics",
    "plot",
    "check",
    "quick",
    "labels",
    "profile",
    "theory",
];

/// The statistics a summary row has, as named in `[check]` and plots.
pub const STATISTICS: [&str; 11] = [
    "count",
    "mean",
    "stddev",
    "min",
    "p50",
    "p90",
    "p99",
    "p99.9",
    "max",
    "throughput",
    "seeds",
];

/// Which profile of the experiment runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum Profile {
    /// The experiment as written.
    Full,
    /// With `[quick]` merged over it (fewer seeds, points, iterations): for CI.
    Quick,
    /// With `[profile.NAME]` merged over it.
    Named(String),
}

impl Profile {
    /// "full", "quick" or the named profile's name.
    pub fn name(&self) -> &str {
        match self {
            Profile::Full => "full",
            Profile::Quick => "quick",
            Profile::Named(n) => n,
        }
    }

    /// Where its table is in the file: nowhere, `[quick]` or `[profile.NAME]`.
    fn table_path(&self) -> Vec<Seg> {
        match self {
            Profile::Full => Vec::new(),
            Profile::Quick => vec![Seg::Key("quick".into())],
            Profile::Named(n) => vec![Seg::Key("profile".into()), Seg::Key(n.clone())],
        }
    }
}

impl From<String> for Profile {
    fn from(name: String) -> Self {
        match name.as_str() {
            "full" => Profile::Full,
            "quick" => Profile::Quick,
            _ => Profile::Named(name),
        }
    }
}

impl From<Profile> for String {
    fn from(p: Profile) -> Self {
        p.name().to_string()
    }
}

/// How the workload is run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WorkloadKind {
    /// Boot the guest kernel with `run <program> <args>`.
    Kernel,
    /// Run a bare-metal ELF.
    Elf,
}

/// `[workload]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Workload {
    /// Kernel program or bare-metal ELF.
    pub kind: WorkloadKind,
    /// Program name (kernel) or ELF path as written (elf).
    pub program: String,
    /// The ELF file, for `kind = "elf"`.
    pub elf: Option<PathBuf>,
    /// Parameters passed to the program as `key=value`.
    pub params: BTreeMap<String, toml::Value>,
}

/// `[kernel]`.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KernelSection {
    /// Extra kernel boot arguments, after the workload's.
    #[serde(default)]
    pub bootargs: String,
    /// A kernel image to boot instead of the bundled one (path relative to the experiment).
    pub image: Option<String>,
}

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

/// Kinds of figure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PlotKind {
    /// Cumulative distribution of a metric, one line per series.
    Cdf,
    /// Kernel density estimate of a metric, one line per series.
    Density,
    /// Percentiles against a parameter, error bars over seeds.
    Percentile,
    /// Standard deviation against a parameter, error bars over seeds.
    Jitter,
    /// Samples per simulated second against a parameter, error bars over seeds.
    Throughput,
    /// Box per value of `x`.
    Box,
    /// Violin per value of `x`.
    Violin,
}

/// Error bars over seeds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum ErrorBars {
    /// Smallest to largest per-seed value: never outside the data, also with two or three
    /// seeds, where a standard deviation or an interval is mostly noise.
    #[default]
    Minmax,
    /// Mean +- one standard deviation of the per-seed values.
    Stddev,
    /// Student-t 95 % confidence interval of the mean of the per-seed values.
    Ci95,
}

/// How the x axis places the values of `x`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum XScale {
    /// One evenly spaced category per swept value, in sweep order (the default).
    Category,
    /// Numeric values on a linear axis.
    Linear,
    /// Positive numeric values on a logarithmic axis (`log_x = true` means this).
    Log,
}

/// `[[plot]]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlotSpec {
    /// Kind of figure.
    pub kind: PlotKind,
    /// The metric plotted.
    pub metric: String,
    /// File name without extension; default `<kind>-<metric>-<number>`.
    #[serde(default)]
    pub name: Option<String>,
    /// Title; default from kind and metric.
    #[serde(default)]
    pub title: Option<String>,
    /// Swept parameter on the x axis (categories for box and violin).
    #[serde(default)]
    pub x: Option<String>,
    /// Swept parameter whose values make separate lines.
    #[serde(default)]
    pub series: Option<String>,
    /// Only points whose parameters have these values.
    #[serde(default)]
    pub filter: BTreeMap<String, toml::Value>,
    /// Percentiles drawn by `kind = "percentile"`. Default [50, 99].
    #[serde(default = "default_percentiles")]
    pub percentiles: Vec<f64>,
    /// Error bars over seeds.
    #[serde(default)]
    pub error: ErrorBars,
    /// Logarithmic x axis.
    #[serde(default)]
    pub log_x: bool,
    /// How `x` is placed: categories (default), or a linear or log axis of its numbers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub x_scale: Option<XScale>,
    /// Logarithmic y axis.
    #[serde(default)]
    pub log_y: bool,
}

fn default_percentiles() -> Vec<f64> {
    vec![50.0, 99.0]
}

impl XScale {
    /// Its name in the experiment file.
    pub fn name(self) -> &'static str {
        match self {
            XScale::Category => "category",
            XScale::Linear => "linear",
            XScale::Log => "log",
        }
    }
}

impl PlotSpec {
    /// How the x axis of a figure against `x` places its values.
    pub fn x_scale(&self) -> XScale {
        match (self.x_scale, self.log_x) {
            (Some(s), _) => s,
            (None, true) => XScale::Log,
            (None, false) => XScale::Category,
        }
    }

    /// The figure's file stem.
    pub fn file_stem(&self, index: usize) -> String {
        self.name.clone().unwrap_or_else(|| {
            let kind = serde_json::to_value(self.kind).unwrap_or_default();
            format!(
                "{}-{}-{}",
                kind.as_str().unwrap_or("plot"),
                self.metric,
                index + 1
            )
        })
    }
}

/// A tolerance: a value passes if it is within `absolute` or within `relative` (a fraction
/// of the baseline) of the baseline.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Tolerance {
    /// Allowed absolute difference.
    #[serde(default)]
    pub absolute: f64,
    /// Allowed difference as a fraction of the baseline value.
    #[serde(default)]
    pub relative: f64,
}

/// `[check]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CheckSpec {
    /// Numbers compared, as `metric.statistic` (e.g. `latency.p99`), per sweep group.
    pub metrics: Vec<String>,
    /// Default allowed absolute difference.
    #[serde(default)]
    pub absolute: f64,
    /// Default allowed relative difference.
    #[serde(default)]
    pub relative: f64,
    /// Per-number tolerances overriding the defaults.
    #[serde(default)]
    pub tolerance: BTreeMap<String, Tolerance>,
}

impl CheckSpec {
    /// The tolerance of `metric` (a `metric.statistic` name).
    pub fn tolerance_of(&self, metric: &str) -> Tolerance {
        self.tolerance.get(metric).copied().unwrap_or(Tolerance {
            absolute: self.absolute,
            relative: self.relative,
        })
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ExperimentSection {
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    seeds: Option<toml::Value>,
    max_insns: Option<u64>,
    max_sim_time: Option<String>,
    checkpoint_after: Option<String>,
}

/// `[experiment] checkpoint_after`: where each distinct machine is checkpointed, for its
/// points to start from (`insns:N`, `time:T` or `event:ID`, as `--checkpoint-at`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckpointPoint {
    /// Once this many instructions have retired (all harts together).
    Insns(u64),
    /// Once simulated time has reached this many picoseconds.
    TimePs(u64),
    /// Once the guest has stored this id to the simulator-control EVENT register.
    Event(u64),
}

impl CheckpointPoint {
    /// `insns:N`, `time:T` (a duration such as `2ms`) or `event:ID`.
    pub fn parse(text: &str) -> Option<Self> {
        let (kind, value) = text.trim().split_once(':')?;
        match kind {
            "insns" => value.parse().ok().map(Self::Insns),
            "time" => parse_duration_ps(value).map(Self::TimePs),
            "event" => value.parse().ok().map(Self::Event),
            _ => None,
        }
    }

    /// The canonical spelling (time in picoseconds).
    pub fn spec(&self) -> String {
        match self {
            Self::Insns(n) => format!("insns:{n}"),
            Self::TimePs(t) => format!("time:{t}ps"),
            Self::Event(id) => format!("event:{id}"),
        }
    }
}

/// Default instruction limit per point.
pub const DEFAULT_MAX_INSNS: u64 = 5_000_000_000;
/// Default simulated-time limit per point: 10 s.
pub const DEFAULT_MAX_SIM_TIME_PS: u64 = 10_000_000_000_000;

/// A loaded, checked experiment.
#[derive(Debug, Clone)]
pub struct Experiment {
    /// The file as given.
    pub file: PathBuf,
    /// Its text.
    pub text: String,
    /// The profile loaded.
    pub profile: Profile,
    /// `[experiment] name`.
    pub name: String,
    /// `[experiment] description`.
    pub description: String,
    /// Seeds (replicas) of every parameter combination.
    pub seeds: Vec<u64>,
    /// Instruction limit per point.
    pub max_insns: u64,
    /// Simulated-time limit per point, picoseconds.
    pub max_sim_time_ps: u64,
    /// Where points start from a shared checkpoint, if anywhere.
    pub checkpoint_after: Option<CheckpointPoint>,
    /// The base machine configuration file, if any.
    pub machine_base: Option<PathBuf>,
    /// The machine: base file merged with the experiment's tables, complete (every key).
    pub machine: toml::Table,
    /// The machine tables before resolution (base merged with the experiment's).
    pub machine_overrides: toml::Table,
    /// `[kernel]`.
    pub kernel: KernelSection,
    /// The kernel image file, if `[kernel] image` names one.
    pub kernel_image: Option<PathBuf>,
    /// `[workload]`.
    pub workload: Workload,
    /// `[sweep]`.
    pub sweep: Sweep,
    /// `[metrics]`, by name.
    pub metrics: BTreeMap<String, Metric>,
    /// `[[plot]]`.
    pub plots: Vec<PlotSpec>,
    /// `[labels]`: human names of swept keys and values.
    pub labels: Labels,
    /// `[check]`.
    pub check: Option<CheckSpec>,
    /// `[[theory]]`.
    pub theory: Vec<crate::theory::TheorySpec>,
    /// The document after the profile's merge (without `[quick]` and `[profile]`).
    pub document: toml::Table,
    /// The names of the file's named profiles (`[profile.NAME]`).
    pub profiles: Vec<String>,
}

/// The experiment file's text and where errors point.
pub(crate) struct Source<'a> {
    pub file: &'a Path,
    pub text: &'a str,
    /// The profile's table (`[quick]`, `[profile.NAME]`; empty for the full profile).
    pub overlay: Vec<Seg>,
}

impl Source<'_> {
    /// An error at `path`: located in the profile's table when the profile set it there.
    pub fn error(&self, path: &[Seg], message: impl Into<String>) -> SchemaError {
        let mut e = SchemaError::at(self.file, self.text, path, message);
        if !self.overlay.is_empty() {
            let mut q = self.overlay.clone();
            q.extend_from_slice(path);
            if exact_line(self.text, &q).is_some() {
                e.line = line_of(self.text, &q);
            }
        }
        e
    }
}

/// The line of `path` only if the whole path is written in `text`.
fn exact_line(text: &str, path: &[Seg]) -> Option<usize> {
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

/// Take the profiles' tables out of `doc`: `[quick]` (empty when absent) and every
/// `[profile.NAME]`, in file order after the quick one.
fn profile_tables(
    file: &Path,
    text: &str,
    doc: &mut toml::Table,
) -> Result<Vec<(Profile, toml::Table)>, SchemaError> {
    let at = |path: &[Seg], message: &str| SchemaError::at(file, text, path, message);
    let quick = match doc.remove("quick") {
        None => toml::Table::new(),
        Some(toml::Value::Table(t)) => t,
        Some(_) => return Err(at(&parse_key("quick"), "must be a table")),
    };
    if let Some(k) = quick.keys().find(|k| *k == "quick" || *k == "profile") {
        return Err(at(
            &[Seg::Key("quick".into()), Seg::Key(k.clone())],
            "[quick] cannot nest",
        ));
    }
    let mut out = vec![(Profile::Quick, quick)];
    let named = match doc.remove("profile") {
        None => toml::Table::new(),
        Some(toml::Value::Table(t)) => t,
        Some(_) => {
            return Err(at(
                &parse_key("profile"),
                "must be a table of profiles: [profile.NAME]",
            ))
        }
    };
    for (name, v) in named {
        let path = [Seg::Key("profile".into()), Seg::Key(name.clone())];
        if name == "full" || name == "quick" {
            return Err(at(
                &path,
                "the full profile is the file itself and the quick one is [quick]; give this profile another name",
            ));
        }
        if let Some(problem) = name_problem(&name, false, "its run directories, <profile>-<hash>") {
            return Err(at(&path, &problem));
        }
        let toml::Value::Table(t) = v else {
            return Err(at(
                &path,
                "must be a table, merged over the file like [quick]",
            ));
        };
        if let Some(k) = t.keys().find(|k| *k == "quick" || *k == "profile") {
            let mut p = path.to_vec();
            p.push(Seg::Key(k.clone()));
            return Err(at(&p, "a profile cannot nest profiles"));
        }
        out.push((Profile::Named(name), t));
    }
    Ok(out)
}

/// When `text` (not TOML) is JSON, what it looks like and which file was expected: the
/// baseline and the experiment are easily swapped on `hartlab check`'s command line.
fn json_instead_of_toml(file: &Path, text: &str) -> Option<SchemaError> {
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

fn section<T: DeserializeOwned>(
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

impl Experiment {
    /// Read, merge the `profile` and check the experiment at `file`, with the machine of
    /// every point checked by `sim`. Every other profile is checked the same way (its errors
    /// say which profile they are in), so `--quick` and `hartlab check` catch a full-profile
    /// mistake and the reverse.
    pub fn load(file: &Path, profile: Profile, sim: &dyn Simulator) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(file)
            .map_err(|e| SchemaError::file(file, format!("cannot read: {e}")))?;
        let exp = Self::parse(file, &text, profile.clone(), sim)?;
        exp.check_points(sim)?;
        let mut every = vec![Profile::Full, Profile::Quick];
        every.extend(exp.profiles.iter().cloned().map(Profile::Named));
        let checked = if every.len() == 2 {
            "both profiles are"
        } else {
            "every profile is"
        };
        for other in every.into_iter().filter(|p| *p != profile) {
            Self::parse(file, &text, other.clone(), sim)
                .and_then(|e| e.check_points(sim))
                .map_err(|mut e| {
                    e.message.push_str(&format!(
                        " (in the {} profile; {checked} checked on every run)",
                        other.name()
                    ));
                    e
                })?;
        }
        Ok(exp)
    }

    /// Check the machine of every parameter combination of the sweep.
    pub fn check_points(&self, sim: &dyn Simulator) -> Result<(), SchemaError> {
        for combo in crate::sweep::combinations(self) {
            self.point_machine(sim, &combo)?;
        }
        Ok(())
    }

    /// Parse and check experiment `text` (read from `file`) in `profile`.
    pub fn parse(
        file: &Path,
        text: &str,
        profile: Profile,
        sim: &dyn Simulator,
    ) -> Result<Self, SchemaError> {
        let mut doc: toml::Table = text.parse().map_err(|e: toml::de::Error| {
            json_instead_of_toml(file, text).unwrap_or_else(|| SchemaError {
                file: file.to_path_buf(),
                line: e.span().map(|s| crate::locate::line_at(text, s.start)),
                key: None,
                message: e.message().to_string(),
            })
        })?;
        let overlays = profile_tables(file, text, &mut doc)?;
        let profiles: Vec<String> = overlays
            .iter()
            .filter_map(|(p, _)| match p {
                Profile::Named(n) => Some(n.clone()),
                _ => None,
            })
            .collect();
        let base = doc.clone();
        if profile != Profile::Full {
            let Some((_, table)) = overlays.iter().find(|(p, _)| *p == profile) else {
                let mut known = vec!["full".to_string(), "quick".to_string()];
                known.extend(profiles.iter().cloned());
                return Err(SchemaError::file(
                    file,
                    format!(
                        "no profile {:?} (the profiles are {}; a named profile is a [profile.NAME] table)",
                        profile.name(),
                        known.join(", ")
                    ),
                ));
            };
            merge(&mut doc, table);
        }
        let src = Source {
            file,
            text,
            overlay: profile.table_path(),
        };
        let dir = file.parent().unwrap_or(Path::new(".")).to_path_buf();

        let exp: ExperimentSection = section(&src, &doc, "experiment")?.ok_or_else(|| {
            SchemaError::file(file, "missing [experiment] table (with at least `name`)")
        })?;
        if let Some(problem) = name_problem(&exp.name, true, "the results directory results/NAME/")
        {
            return Err(src.error(&parse_key("experiment.name"), problem));
        }
        let seeds = parse_seeds(&src, exp.seeds.as_ref())?;
        let max_insns = exp.max_insns.unwrap_or(DEFAULT_MAX_INSNS);
        if max_insns == 0 {
            return Err(src.error(&parse_key("experiment.max_insns"), "must be at least 1"));
        }
        let max_sim_time_ps = match &exp.max_sim_time {
            None => DEFAULT_MAX_SIM_TIME_PS,
            Some(t) => parse_duration_ps(t).filter(|&ps| ps > 0).ok_or_else(|| {
                src.error(
                    &parse_key("experiment.max_sim_time"),
                    format!("{t:?} is not a duration such as \"10ms\" (units ps, ns, us, ms, s)"),
                )
            })?,
        };

        let checkpoint_after = match &exp.checkpoint_after {
            None => None,
            Some(t) => Some(CheckpointPoint::parse(t).ok_or_else(|| {
                src.error(
                    &parse_key("experiment.checkpoint_after"),
                    format!(
                        "{t:?} is not a checkpoint point: insns:N, time:T (such as \"time:2ms\") or event:ID"
                    ),
                )
            })?),
        };

        let kernel: KernelSection = section(&src, &doc, "kernel")?.unwrap_or_default();
        let kernel_image =
            match &kernel.image {
                None => None,
                Some(p) => Some(find_file(&dir, p).ok_or_else(|| {
                    src.error(&parse_key("kernel.image"), format!("no file {p:?}"))
                })?),
            };
        let workload = parse_workload(&src, &doc, &dir)?;
        let sweep = parse_sweep(&src, &doc)?;
        let metrics = parse_metrics(&src, &doc)?;
        let plots: Vec<PlotSpec> = section(&src, &doc, "plot")?.unwrap_or_default();
        // Labels may name what only one profile sweeps (the other profile's own errors are
        // reported when it is parsed).
        let others: Vec<(Sweep, Vec<u64>)> = std::iter::once((Profile::Full, toml::Table::new()))
            .chain(overlays)
            .filter(|(p, _)| *p != profile)
            .map(|(p, table)| {
                let mut other = base.clone();
                merge(&mut other, &table);
                let src = Source {
                    file,
                    text,
                    overlay: p.table_path(),
                };
                let seeds = other.get("experiment").and_then(|e| e.get("seeds"));
                (
                    parse_sweep(&src, &other).unwrap_or_default(),
                    parse_seeds(&src, seeds).unwrap_or_default(),
                )
            })
            .collect();
        let swept_anywhere = |key: &str| -> Option<Vec<String>> {
            let of = |sweep: &Sweep, seeds: &[u64]| -> Option<Vec<String>> {
                if key == "seed" {
                    return Some(seeds.iter().map(u64::to_string).collect());
                }
                let p = sweep.params.iter().find(|p| p.key == key)?;
                Some(p.values.iter().map(crate::sweep::value_text).collect())
            };
            let found: Vec<Vec<String>> = std::iter::once(of(&sweep, &seeds))
                .chain(others.iter().map(|(sw, se)| of(sw, se)))
                .flatten()
                .collect();
            if found.is_empty() {
                // A class key labels the classes of the metrics that have it.
                return metrics
                    .values()
                    .filter_map(|m| m.classes.as_ref().filter(|c| c.name == key))
                    .map(|c| c.count)
                    .max()
                    .map(|n| (0..n).map(|k| k.to_string()).collect());
            }
            let mut all: Vec<String> = Vec::new();
            for v in found.into_iter().flatten() {
                if !all.contains(&v) {
                    all.push(v);
                }
            }
            Some(all)
        };
        let labels = parse_labels(&src, &doc, &swept_anywhere)?;
        let check: Option<CheckSpec> = section(&src, &doc, "check")?;
        let theory: Vec<crate::theory::TheorySpec> =
            section(&src, &doc, "theory")?.unwrap_or_default();

        // The machine: every non-runner table, over the base file.
        let mut tables = toml::Table::new();
        for (k, v) in &doc {
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
                    let path = find_file(&dir, &p).ok_or_else(|| {
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
            .map_err(|e| machine_error(&src, base_src, &e, None))?;

        let exp = Self {
            file: file.to_path_buf(),
            text: text.to_string(),
            profile,
            name: exp.name,
            description: exp.description,
            seeds,
            max_insns,
            max_sim_time_ps,
            checkpoint_after,
            machine_base,
            machine,
            machine_overrides: merged,
            kernel,
            kernel_image,
            workload,
            sweep,
            metrics,
            plots,
            labels,
            check,
            theory,
            document: doc,
            profiles,
        };
        exp.check_references(&src)?;
        Ok(exp)
    }

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

    /// Plots, metrics and checks refer to things that exist.
    fn check_references(&self, src: &Source) -> Result<(), SchemaError> {
        let swept: Vec<&str> = self.sweep.params.iter().map(|p| p.key.as_str()).collect();
        for (name, m) in &self.metrics {
            if let Some(c) = m
                .classes
                .as_ref()
                .filter(|c| swept.contains(&c.name.as_str()))
            {
                return Err(src.error(
                    &[
                        Seg::Key("metrics".into()),
                        Seg::Key(name.clone()),
                        Seg::Key("class".into()),
                    ],
                    format!(
                        "{:?} is a swept key: figures could not tell the class from it",
                        c.name
                    ),
                ));
            }
        }
        for (i, t) in self.theory.iter().enumerate() {
            let known = |m: &str| resolve_metric(&self.metrics, m).is_some();
            let is_swept = |k: &str| swept.contains(&k);
            if let Some((field, problem)) = t.problem(&known, &is_swept) {
                return Err(src.error(
                    &[
                        Seg::Key("theory".into()),
                        Seg::Index(i),
                        Seg::Key(field.into()),
                    ],
                    problem,
                ));
            }
        }
        for (i, p) in self.plots.iter().enumerate() {
            let at = |field: &str| {
                vec![
                    Seg::Key("plot".into()),
                    Seg::Index(i),
                    Seg::Key(field.into()),
                ]
            };
            if resolve_metric(&self.metrics, &p.metric).is_none() {
                return Err(src.error(
                    &at("metric"),
                    format!(
                        "unknown metric {:?} (declare it in [metrics]; known: {})",
                        p.metric,
                        self.metric_names()
                    ),
                ));
            }
            let class = plot_class(&self.metrics, p);
            let param_ok =
                |k: &str| k == "seed" || swept.contains(&k) || class.is_some_and(|c| c.name == k);
            let keys = [("x", p.x.as_ref()), ("series", p.series.as_ref())]
                .into_iter()
                .filter_map(|(f, k)| Some((at(f), k?)))
                .chain(p.filter.keys().map(|k| {
                    let mut path = at("filter");
                    path.push(Seg::Key(k.clone()));
                    (path, k)
                }));
            for (path, k) in keys {
                let owner = self
                    .metrics
                    .iter()
                    .find(|(_, m)| m.classes.as_ref().is_some_and(|c| &c.name == k));
                if let (false, Some((owner, _))) = (param_ok(k), owner) {
                    return Err(src.error(
                        &path,
                        format!(
                            "{k:?} is the class of metric {owner:?}; metric {:?} has no class {k:?} (plot {owner:?} to split by it)",
                            p.metric
                        ),
                    ));
                }
            }
            for (field, key) in [("x", &p.x), ("series", &p.series)] {
                if let Some(k) = key {
                    if !param_ok(k) {
                        return Err(src.error(
                            &at(field),
                            format!(
                                "{k:?} is not a swept parameter (swept: {})",
                                swept_list(&swept)
                            ),
                        ));
                    }
                }
            }
            if p.kind == PlotKind::Density && p.log_y {
                return Err(src.error(
                    &at("log_y"),
                    "a density figure's y axis is linear (log_x = true puts the metric on a log axis)",
                ));
            }
            let needs_x = !matches!(p.kind, PlotKind::Cdf | PlotKind::Density);
            if needs_x && p.x.is_none() {
                return Err(src.error(&at("x"), "this kind of plot needs `x`, a swept parameter"));
            }
            if let Some(x) = &p.x {
                let line_kind = matches!(
                    p.kind,
                    PlotKind::Percentile | PlotKind::Jitter | PlotKind::Throughput
                );
                let scale = p.x_scale();
                if p.log_x && scale != XScale::Log {
                    return Err(src.error(
                        &at("x_scale"),
                        format!(
                            "\"{}\" contradicts log_x = true (which means x_scale = \"log\")",
                            scale.name()
                        ),
                    ));
                }
                if !line_kind && p.x_scale.is_some_and(|s| s != XScale::Category) {
                    return Err(src.error(
                        &at("x_scale"),
                        "box and violin figures place x as categories; only percentile, jitter and throughput figures take \"linear\" or \"log\"",
                    ));
                }
                if line_kind && scale != XScale::Category {
                    let values = self.plot_values(p, x).unwrap_or_default();
                    let fits = |v: &String| {
                        v.parse::<f64>()
                            .is_ok_and(|n| n.is_finite() && (scale == XScale::Linear || n > 0.0))
                    };
                    if let Some(bad) = values.iter().find(|v| !fits(v)) {
                        let field = if p.x_scale.is_some() {
                            "x_scale"
                        } else {
                            "log_x"
                        };
                        return Err(src.error(
                            &at(field),
                            format!(
                                "{x} = {bad} cannot be placed on a {} axis (it takes {}); use x_scale = \"category\"",
                                scale.name(),
                                if scale == XScale::Log { "positive numbers" } else { "numbers" },
                            ),
                        ));
                    }
                }
            }
            // A filter on anything not swept selects no point: an empty figure.
            for (k, v) in &p.filter {
                let mut path = at("filter");
                path.push(Seg::Key(k.clone()));
                let problem = match self.plot_values(p, k) {
                    None => format!("{k} is not swept"),
                    Some(values) if !values.contains(&crate::sweep::value_text(v)) => {
                        format!("{v} is not a swept value of {k}")
                    }
                    Some(_) => continue,
                };
                return Err(src.error(
                    &path,
                    format!(
                        "{problem} (swept in the {} profile: {})",
                        self.profile.name(),
                        self.swept_summary()
                    ),
                ));
            }
            if p.kind == PlotKind::Percentile
                && (p.percentiles.is_empty()
                    || p.percentiles.iter().any(|&q| !(0.0..=100.0).contains(&q)))
            {
                return Err(src.error(&at("percentiles"), "must be percentiles between 0 and 100"));
            }
            if let Some(n) = &p.name {
                if let Some(problem) = name_problem(n, true, "figures/NAME.svg, .png and .pdf") {
                    return Err(src.error(&at("name"), problem));
                }
            }
        }
        let stems: Vec<String> = self
            .plots
            .iter()
            .enumerate()
            .map(|(i, p)| p.file_stem(i))
            .collect();
        for (i, s) in stems.iter().enumerate() {
            // Names differing only in case are one file on case-insensitive file systems.
            if let Some(j) = stems[..i].iter().position(|o| o.eq_ignore_ascii_case(s)) {
                return Err(src.error(
                    &[Seg::Key("plot".into()), Seg::Index(i)],
                    format!(
                        "a second figure named {s:?}: plot[{j}] is {:?} (names differing only in case are one file on some file systems)",
                        stems[j]
                    ),
                ));
            }
        }
        if let Some(c) = &self.check {
            let names = c
                .metrics
                .iter()
                .enumerate()
                .map(|(i, m)| {
                    (
                        vec![
                            Seg::Key("check".into()),
                            Seg::Key("metrics".into()),
                            Seg::Index(i),
                        ],
                        m,
                    )
                })
                .chain(c.tolerance.keys().map(|m| {
                    (
                        vec![
                            Seg::Key("check".into()),
                            Seg::Key("tolerance".into()),
                            Seg::Key(m.clone()),
                        ],
                        m,
                    )
                }));
            for (path, m) in names {
                let (metric, stat) = m.split_once('.').unwrap_or((m, ""));
                if resolve_metric(&self.metrics, metric).is_none() || !STATISTICS.contains(&stat) {
                    return Err(src.error(
                        &path,
                        format!(
                            "{m:?} is not metric.statistic (metrics: {}; statistics: {})",
                            self.metric_names(),
                            STATISTICS.join(", ")
                        ),
                    ));
                }
            }
            for (k, t) in c.tolerance.iter().map(|(k, t)| (Some(k), *t)).chain([(
                None,
                Tolerance {
                    absolute: c.absolute,
                    relative: c.relative,
                },
            )]) {
                if !(t.absolute >= 0.0 && t.relative >= 0.0) {
                    let path = match k {
                        Some(k) => vec![
                            Seg::Key("check".into()),
                            Seg::Key("tolerance".into()),
                            Seg::Key(k.clone()),
                        ],
                        None => parse_key("check"),
                    };
                    return Err(src.error(&path, "tolerances must not be negative"));
                }
            }
        }
        Ok(())
    }

    fn metric_names(&self) -> String {
        if self.metrics.is_empty() {
            return "none".into();
        }
        self.metrics
            .iter()
            .map(|(n, m)| match &m.classes {
                Some(c) => format!(
                    "{n} (classes {} to {})",
                    class_metric_name(n, &c.name, 0),
                    class_metric_name(n, &c.name, c.count - 1)
                ),
                None => n.clone(),
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The values plot `p` may take for `key`: a swept key's (or `seed`'s), or its metric's
    /// classes for the class key; `None` for anything else.
    pub fn plot_values(&self, p: &PlotSpec, key: &str) -> Option<Vec<String>> {
        match plot_class(&self.metrics, p) {
            Some(c) if c.name == key => Some((0..c.count).map(|k| k.to_string()).collect()),
            _ => self.swept_values(key),
        }
    }

    /// The values of swept key `key` (or of `seed`) as `--only` and plot filters write them;
    /// `None` when it is not swept.
    pub fn swept_values(&self, key: &str) -> Option<Vec<String>> {
        if key == "seed" {
            return Some(self.seeds.iter().map(u64::to_string).collect());
        }
        let p = self.sweep.params.iter().find(|p| p.key == key)?;
        Some(p.values.iter().map(crate::sweep::value_text).collect())
    }

    /// What is swept, for messages: `machine.harts = [1, 2]; seed = [1, 2, 3]`.
    pub fn swept_summary(&self) -> String {
        self.sweep
            .params
            .iter()
            .map(|p| p.key.as_str())
            .chain(["seed"])
            .map(|k| {
                let values = self.swept_values(k).unwrap_or_default();
                format!("{k} = [{}]", values.join(", "))
            })
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// The name of sample `key`: its `[metrics]` name, or `key<N>`.
    pub fn metric_name(&self, key: u16) -> String {
        metric_name_of(&self.metrics, key)
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

fn swept_list(swept: &[&str]) -> String {
    if swept.is_empty() {
        "none".into()
    } else {
        swept.join(", ")
    }
}

/// Longest name that becomes part of a file or directory name (experiment, figure and
/// metric names), far below any file system's limit with the run's paths around it.
pub const NAME_MAX: usize = 64;

/// Why `name` is not a portable file name, if it is not: 1 to [`NAME_MAX`] ASCII letters,
/// digits, '_', '-' (and '.' when `dot`), starting with a letter or digit, so it means the
/// same file everywhere and no shell or file system treats it specially. `names` says what
/// the name becomes, for the message.
pub fn name_problem(name: &str, dot: bool, names: &str) -> Option<String> {
    let allowed = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-' || (dot && c == '.');
    let ok = (1..=NAME_MAX).contains(&name.len())
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name.chars().all(allowed);
    if ok {
        return reserved_on_windows(name).then(|| {
            format!(
                "{name:?} is not a portable file name (Windows reserves it, with any \
                 extension); it names {names}"
            )
        });
    }
    const SHOWN: usize = 24;
    let chars = name.chars().count();
    let shown = if chars > SHOWN {
        let head: String = name.chars().take(SHOWN).collect();
        format!("{head:?}... ({chars} characters)")
    } else {
        format!("{name:?}")
    };
    Some(format!(
        "{shown} is not a portable file name (1 to {NAME_MAX} letters, digits, {}'_' or '-', \
         starting with a letter or digit); it names {names}",
        if dot { "'.', " } else { "" }
    ))
}

/// Whether Windows reserves `name` for a device (CON, PRN, AUX, NUL, COM1-9, LPT1-9, in any
/// case, also with an extension), so no file of that name can be made there.
fn reserved_on_windows(name: &str) -> bool {
    let stem = name.split('.').next().unwrap_or(name).to_ascii_uppercase();
    matches!(stem.as_str(), "CON" | "PRN" | "AUX" | "NUL")
        || (stem.len() == 4
            && (stem.starts_with("COM") || stem.starts_with("LPT"))
            && matches!(stem.as_bytes()[3], b'1'..=b'9'))
}

/// Whether a swept key addresses the machine (not the workload or kernel).
pub fn is_machine_key(key: &str) -> bool {
    let first = key.split('.').next().unwrap_or("");
    !RUNNER_TABLES.contains(&first)
}

/// Place a machine error: for a point (`point`: its sweep values) whose swept value is at
/// fault, that value's list in the sweep; else the key in the experiment's tables, then in
/// the sweep; else in the base file. `[quick]` comes first in the quick profile.
fn machine_error(
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

fn parse_seeds(src: &Source, v: Option<&toml::Value>) -> Result<Vec<u64>, SchemaError> {
    let path = parse_key("experiment.seeds");
    let bad = || {
        src.error(
            &path,
            "must be a count (seeds 1..=N) or a list of distinct seeds",
        )
    };
    let seeds: Vec<u64> = match v {
        None => vec![1],
        Some(toml::Value::Integer(n)) if (1..=100_000).contains(n) => (1..=*n as u64).collect(),
        Some(toml::Value::Array(a)) if !a.is_empty() => a
            .iter()
            .map(|x| x.as_integer().filter(|&i| i >= 0).map(|i| i as u64))
            .collect::<Option<_>>()
            .ok_or_else(bad)?,
        Some(_) => return Err(bad()),
    };
    let mut sorted = seeds.clone();
    sorted.sort_unstable();
    sorted.dedup();
    if sorted.len() != seeds.len() {
        return Err(bad());
    }
    Ok(seeds)
}

fn parse_workload(src: &Source, doc: &toml::Table, dir: &Path) -> Result<Workload, SchemaError> {
    let Some(v) = doc.get("workload") else {
        return Err(SchemaError::file(
            src.file,
            "missing [workload] table (kind = \"kernel\" or \"elf\", program = ...)",
        ));
    };
    let Some(t) = v.as_table() else {
        return Err(src.error(&parse_key("workload"), "must be a table"));
    };
    let kind =
        match t.get("kind").and_then(|v| v.as_str()) {
            Some("kernel") => WorkloadKind::Kernel,
            Some("elf") => WorkloadKind::Elf,
            _ => return Err(src.error(
                &parse_key("workload.kind"),
                "must be \"kernel\" (a program of the guest kernel) or \"elf\" (a bare-metal ELF)",
            )),
        };
    let program = match t.get("program") {
        Some(toml::Value::String(p)) if !p.is_empty() => p.clone(),
        _ => {
            return Err(src.error(
                &parse_key("workload.program"),
                "must name the program (kernel) or the ELF file (elf)",
            ))
        }
    };
    if kind == WorkloadKind::Kernel && program.chars().any(char::is_whitespace) {
        return Err(src.error(&parse_key("workload.program"), "must not contain spaces"));
    }
    let elf = match kind {
        WorkloadKind::Elf => Some(find_file(dir, &program).ok_or_else(|| {
            src.error(
                &parse_key("workload.program"),
                format!("no file {program:?}"),
            )
        })?),
        WorkloadKind::Kernel => None,
    };
    let mut params = BTreeMap::new();
    for (k, v) in t {
        if k == "kind" || k == "program" {
            continue;
        }
        let path = [Seg::Key("workload".into()), Seg::Key(k.clone())];
        check_param_name(src, &path, k)?;
        if arg_text(v).is_none() {
            return Err(src.error(
                &path,
                "a workload parameter must be a number, a boolean or a string without spaces",
            ));
        }
        params.insert(k.clone(), v.clone());
    }
    Ok(Workload {
        kind,
        program,
        elf,
        params,
    })
}

fn check_param_name(src: &Source, path: &[Seg], k: &str) -> Result<(), SchemaError> {
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

fn parse_sweep(src: &Source, doc: &toml::Table) -> Result<Sweep, SchemaError> {
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

fn parse_metrics(src: &Source, doc: &toml::Table) -> Result<BTreeMap<String, Metric>, SchemaError> {
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

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::sim::{Job, Outcome};

    /// A simulator whose machine is any table with at most `machine.harts` in 1..=8.
    pub(crate) struct FakeSim;

    impl Simulator for FakeSim {
        fn resolve_machine(&self, m: &toml::Table) -> Result<toml::Table, MachineError> {
            let mut out = m.clone();
            for k in m.keys() {
                if !["machine", "uintr", "interconnect"].contains(&k.as_str()) {
                    return Err(MachineError {
                        key: Some(k.clone()),
                        message: format!("unknown field `{k}`"),
                    });
                }
            }
            let harts = m
                .get("machine")
                .and_then(|t| t.get("harts"))
                .map(|h| h.as_integer().unwrap_or(0))
                .unwrap_or(1);
            if !(1..=8).contains(&harts) {
                return Err(MachineError {
                    key: Some("machine.harts".into()),
                    message: format!("machine.harts = {harts}: must be between 1 and 8"),
                });
            }
            set_path(&mut out, &["machine", "harts"], toml::Value::Integer(harts));
            Ok(out)
        }
        fn kernel_image(&self) -> anyhow::Result<Vec<u8>> {
            Ok(vec![1, 2, 3])
        }
        fn run(&self, _job: &Job) -> anyhow::Result<Outcome> {
            Ok(Outcome::default())
        }
    }

    fn parse(text: &str, profile: Profile) -> Result<Experiment, String> {
        Experiment::parse(Path::new("exp.toml"), text, profile, &FakeSim).map_err(|e| e.to_string())
    }

    const GOOD: &str = r#"
[experiment]
name = "demo"
seeds = 3
max_sim_time = "5ms"

[machine]
harts = 2

[uintr]
send_visibility_cycles = 1

[kernel]
bootargs = "quiet"

[workload]
kind = "kernel"
program = "pingpong"
iterations = 100
mechanism = "uipi"

[sweep]
machine.harts = [2, 4]
"uintr.send_visibility_cycles" = [1, 10]
workload.mechanism = ["uipi", "ipc"]

[metrics]
latency = { key = 0, unit = "cycles" }
rtt = 1

[[plot]]
kind = "cdf"
metric = "latency"
series = "workload.mechanism"

[[plot]]
kind = "percentile"
metric = "latency"
x = "uintr.send_visibility_cycles"
filter = { "machine.harts" = 2 }

[check]
metrics = ["latency.p50", "latency.p99.9"]
relative = 0.05
tolerance = { "latency.p99.9" = { absolute = 3 } }

[quick]
experiment = { seeds = 1 }
sweep = { machine = { harts = [2] } }
workload = { iterations = 10 }
"#;

    #[test]
    fn reads_every_table() {
        let e = parse(GOOD, Profile::Full).unwrap();
        assert_eq!(e.name, "demo");
        assert_eq!(e.seeds, [1, 2, 3]);
        assert_eq!(e.max_sim_time_ps, 5_000_000_000);
        assert_eq!(e.max_insns, DEFAULT_MAX_INSNS);
        assert_eq!(e.kernel.bootargs, "quiet");
        assert_eq!(e.workload.kind, WorkloadKind::Kernel);
        assert_eq!(e.workload.params["iterations"].as_integer(), Some(100));
        let keys: Vec<&str> = e.sweep.params.iter().map(|p| p.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "machine.harts",
                "uintr.send_visibility_cycles",
                "workload.mechanism"
            ]
        );
        assert_eq!(e.metrics["latency"].unit, "cycles");
        assert_eq!(e.metrics["rtt"].key, 1);
        assert_eq!(e.metric_name(1), "rtt");
        assert_eq!(e.metric_name(7), "key7");
        assert_eq!(e.plots.len(), 2);
        assert_eq!(e.plots[1].percentiles, [50.0, 99.0]);
        let c = e.check.as_ref().unwrap();
        assert_eq!(c.tolerance_of("latency.p50").relative, 0.05);
        assert_eq!(c.tolerance_of("latency.p99.9").absolute, 3.0);
        assert!(e.machine.contains_key("uintr"));
    }

    /// GOOD with labels: a key's label, a key with value labels, a metric's label.
    fn labelled(labels: &str) -> String {
        GOOD.replace(
            "latency = { key = 0, unit = \"cycles\" }",
            "latency = { key = 0, unit = \"cycles\", label = \"wake-up latency\" }",
        ) + "\n[labels]\n"
            + labels
    }

    #[test]
    fn labels_name_swept_keys_values_and_metrics() {
        let text = labelled(
            "\"machine.harts\" = \"harts\"\nworkload.mechanism = { label = \"mechanism\", values = { ipc = \"kernel IPC\" } }\nseed = \"seed\"\n",
        );
        for profile in [Profile::Full, Profile::Quick] {
            let e = parse(&text, profile).unwrap();
            assert_eq!(
                e.metrics["latency"].label.as_deref(),
                Some("wake-up latency")
            );
            assert_eq!(
                crate::labels::key_label(&e.labels, "machine.harts"),
                "harts"
            );
            assert_eq!(
                crate::labels::value_label(&e.labels, "workload.mechanism", "ipc"),
                "kernel IPC"
            );
            assert_eq!(
                crate::labels::value_label(&e.labels, "workload.mechanism", "uipi"),
                "uipi"
            );
            assert_eq!(
                crate::labels::key_label(&e.labels, "uintr.send_visibility_cycles"),
                "uintr.send_visibility_cycles"
            );
        }
        // harts = 4 is swept only in the full profile: labelling it is fine in both.
        let four = labelled("\"machine.harts\" = { values = { 4 = \"four\" } }\n");
        assert!(parse(&four, Profile::Quick).is_ok());
    }

    #[test]
    fn bad_labels_are_named_by_file_line_and_key() {
        let cases = [
            (
                "\"machine.cores\" = \"cores\"\n",
                "labels.machine.cores",
                "not swept in either profile",
            ),
            (
                "\"machine.harts\" = 2\n",
                "labels.machine.harts",
                "must be a label",
            ),
            (
                "\"machine.harts\" = \"\"\n",
                "labels.machine.harts",
                "must not be empty",
            ),
            (
                "\"machine.harts\" = \"two\\nlines\"\n",
                "labels.machine.harts",
                "one line",
            ),
            (
                "workload.mechanism = { values = { pipe = \"pipe\" } }\n",
                "labels.workload.mechanism.values.pipe",
                "not a swept value of workload.mechanism (swept: uipi, ipc)",
            ),
            (
                "workload.mechanism = { label = 3 }\n",
                "labels.workload.mechanism.label",
                "must be a string",
            ),
        ];
        for (labels, key, reason) in cases {
            let text = labelled(labels);
            let e = error(&text);
            // The line after `[labels]`.
            let line = text.lines().position(|l| l == "[labels]").unwrap() + 2;
            assert!(
                e.starts_with(&format!("exp.toml:{line}: {key}: ")),
                "{labels:?}: {e}"
            );
            assert!(e.contains(reason), "{labels:?}: {e}");
        }
        let long = format!("\"machine.harts\" = \"{}\"\n", "h".repeat(81));
        assert!(error(&labelled(&long)).contains("at most 80 characters"));
        let bad_metric = GOOD.replace("unit = \"cycles\" }", "unit = \"cycles\", label = \"\" }");
        let e = error(&bad_metric);
        assert!(
            e.contains("metrics.latency.label: a label must not be empty"),
            "{e}"
        );
    }

    #[test]
    fn x_scales_need_numbers_where_they_place_numbers() {
        let cat = GOOD.replace(
            "x = \"uintr.send_visibility_cycles\"",
            "x = \"workload.mechanism\"\nx_scale = \"log\"",
        );
        let e = error(&cat);
        assert!(
            e.contains("plot[1].x_scale: workload.mechanism = uipi cannot be placed on a log axis"),
            "{e}"
        );
        let log_x = GOOD.replace(
            "x = \"uintr.send_visibility_cycles\"",
            "x = \"workload.mechanism\"\nlog_x = true",
        );
        assert!(error(&log_x)
            .contains("plot[1].log_x: workload.mechanism = uipi cannot be placed on a log axis"));
        let both = GOOD.replace(
            "x = \"uintr.send_visibility_cycles\"",
            "x = \"uintr.send_visibility_cycles\"\nlog_x = true\nx_scale = \"linear\"",
        );
        assert!(error(&both).contains("\"linear\" contradicts log_x = true"));
        let ok = GOOD.replace(
            "x = \"uintr.send_visibility_cycles\"",
            "x = \"uintr.send_visibility_cycles\"\nx_scale = \"log\"",
        );
        let e = parse(&ok, Profile::Full).unwrap();
        assert_eq!(e.plots[1].x_scale(), XScale::Log);
        assert_eq!(
            parse(GOOD, Profile::Full).unwrap().plots[1].x_scale(),
            XScale::Category
        );
    }

    #[test]
    fn quick_profile_merges_over_the_document() {
        let e = parse(GOOD, Profile::Quick).unwrap();
        assert_eq!(e.seeds, [1]);
        assert_eq!(e.workload.params["iterations"].as_integer(), Some(10));
        let harts = &e.sweep.params[0];
        assert_eq!(harts.values, [toml::Value::Integer(2)]);
        assert_eq!(e.sweep.params[1].values.len(), 2, "other lists kept");
    }

    fn error(text: &str) -> String {
        parse(text, Profile::Full).unwrap_err()
    }

    fn with(replace: &str, by: &str) -> String {
        assert!(GOOD.contains(replace), "{replace}");
        GOOD.replacen(replace, by, 1)
    }

    #[test]
    fn errors_name_file_line_and_key() {
        let line =
            |needle: &str, text: &str| text.lines().position(|l| l.contains(needle)).unwrap() + 1;
        let cases = [
            (
                with("seeds = 3", "seedz = 3"),
                "seedz",
                "experiment.seedz",
                "unknown field",
            ),
            (
                with("seeds = 3", "seeds = 0"),
                "seeds = 0",
                "experiment.seeds",
                "count",
            ),
            (
                with("max_sim_time = \"5ms\"", "max_sim_time = \"5 fortnights\""),
                "max_sim_time",
                "experiment.max_sim_time",
                "duration",
            ),
            (
                with("kind = \"kernel\"", "kind = \"script\""),
                "kind = \"script\"",
                "workload.kind",
                "must be",
            ),
            (
                with("mechanism = \"uipi\"", "mechanism = \"a b\""),
                "mechanism = \"a b\"",
                "workload.mechanism",
                "without spaces",
            ),
            (
                with("harts = 2\n", "harts = 9\n"),
                "harts = 9",
                "machine.harts",
                "between 1 and 8",
            ),
            (
                with("[uintr]", "[uintrr]"),
                "[uintrr]",
                "uintrr",
                "unknown field",
            ),
            (
                with(
                    "workload.mechanism = [\"uipi\", \"ipc\"]",
                    "workload.mechanism = []",
                ),
                "workload.mechanism = []",
                "sweep.workload.mechanism",
                "at least one",
            ),
            (
                with(
                    "workload.mechanism = [\"uipi\", \"ipc\"]",
                    "experiment.name = [\"a\"]",
                ),
                "experiment.name = [",
                "sweep.experiment.name",
                "cannot be swept",
            ),
            (
                with("rtt = 1", "rtt = 600"),
                "rtt = 600",
                "metrics.rtt",
                "0..480",
            ),
            (
                with("kind = \"cdf\"", "kind = \"scatter\""),
                "kind = \"scatter\"",
                "plot[0].kind",
                "unknown variant",
            ),
            (
                with("metric = \"latency\"\nseries", "metric = \"lat\"\nseries"),
                "metric = \"lat\"",
                "plot[0].metric",
                "unknown metric",
            ),
            (
                with(
                    "x = \"uintr.send_visibility_cycles\"",
                    "x = \"uintr.uipi_cycles\"",
                ),
                "x = \"uintr.uipi_cycles\"",
                "plot[1].x",
                "not a swept parameter",
            ),
            (
                with("\"latency.p50\", \"latency.p99.9\"", "\"latency.p42\""),
                "latency.p42",
                "check.metrics[0]",
                "metric.statistic",
            ),
        ];
        for (text, needle, key, reason) in cases {
            let e = error(&text);
            let want = format!("exp.toml:{}: {key}", line(needle, &text));
            assert!(e.starts_with(&want), "wanted {want:?}...{reason}, got {e}");
            assert!(e.contains(reason), "wanted {reason:?} in {e}");
        }
        let text = with(
            "workload = { iterations = 10 }",
            "workload = { iterations = [10] }",
        );
        let e = parse(&text, Profile::Quick).unwrap_err();
        let want = format!(
            "exp.toml:{}: workload.iterations: ",
            line("iterations = [10]", &text)
        );
        assert!(e.starts_with(&want), "{e}");
        let e = error(
            "[experiment]\nname = \"a\"\n[workload]\nkind = \"elf\"\nprogram = \"missing.elf\"\n",
        );
        assert!(
            e.starts_with("exp.toml:5: workload.program: no file"),
            "{e}"
        );
        let e = error("[experiment\nname = 1");
        assert!(e.starts_with("exp.toml:1: "), "{e}");
        let e = error("[workload]\nkind = \"kernel\"\nprogram = \"p\"\n");
        assert!(e.contains("missing [experiment]"), "{e}");
    }

    #[test]
    fn names_that_become_files_are_portable() {
        let long = "a".repeat(300);
        let plot = |name: &str| {
            with(
                "[[plot]]\nkind = \"percentile\"",
                &format!("[[plot]]\nname = \"{name}\"\nkind = \"percentile\""),
            )
        };
        let cases = [
            (plot(&long), "plot[1].name"),
            (plot("a b"), "plot[1].name"),
            (plot("-x"), "plot[1].name"),
            (
                with("name = \"demo\"", &format!("name = \"{long}\"")),
                "experiment.name",
            ),
            (
                with("rtt = 1", &format!("{} = 1", "r".repeat(65))),
                "metrics.rrrr",
            ),
        ];
        for (text, key) in cases {
            let e = error(&text);
            assert!(e.contains(key), "wanted {key}: {e}");
            assert!(e.contains("portable file name") && e.contains("64"), "{e}");
            assert!(e.len() < 400, "the name is not repeated in full: {e}");
        }
        assert!(parse(&plot(&"b".repeat(64)), Profile::Full).is_ok());
        for reserved in ["con", "NUL", "Com1", "lpt9", "aux.x"] {
            let e = error(&plot(reserved));
            assert!(e.contains("plot[1].name") && e.contains("Windows"), "{e}");
        }
        for fine in ["console", "com", "com0", "lpt10", "nullable"] {
            assert!(parse(&plot(fine), Profile::Full).is_ok(), "{fine}");
        }
        // Figures differing only in case are one file on some file systems.
        let text = with("kind = \"cdf\"", "kind = \"cdf\"\nname = \"Lat\"");
        let text = text.replacen(
            "[[plot]]\nkind = \"percentile\"",
            "[[plot]]\nname = \"lat\"\nkind = \"percentile\"",
            1,
        );
        let e = error(&text);
        assert!(e.contains("plot[1]") && e.contains("\"Lat\""), "{e}");
    }

    #[test]
    fn plot_filters_name_swept_values() {
        let line =
            |needle: &str, text: &str| text.lines().position(|l| l.contains(needle)).unwrap() + 1;
        let text = with(
            "filter = { \"machine.harts\" = 2 }",
            "filter = { \"machine.harts\" = 3 }",
        );
        let e = error(&text);
        let want = format!(
            "exp.toml:{}: plot[1].filter.machine.harts",
            line("filter", &text)
        );
        assert!(e.starts_with(&want), "wanted {want}: {e}");
        assert!(
            e.contains("machine.harts = [2, 4]"),
            "names the swept values: {e}"
        );
        let text = with(
            "filter = { \"machine.harts\" = 2 }",
            "filter = { \"machine.harts\" = 2, seed = 4 }",
        );
        let e = error(&text);
        assert!(
            e.contains("plot[1].filter.seed") && e.contains("seed = [1, 2, 3]"),
            "{e}"
        );
        // The quick profile sweeps machine.harts = [2] only: its figures are checked too.
        let text = with(
            "filter = { \"machine.harts\" = 2 }",
            "filter = { \"machine.harts\" = 4 }",
        );
        assert!(parse(&text, Profile::Full).is_ok());
        let e = parse(&text, Profile::Quick).unwrap_err();
        assert!(
            e.contains("plot[1].filter.machine.harts") && e.contains("[2]"),
            "{e}"
        );
    }

    #[test]
    fn a_json_file_is_not_taken_for_an_experiment() {
        let e = error(
            "{\n  \"experiment\": \"wakeup\",\n  \"profile\": \"quick\",\n  \"values\": {}\n}\n",
        );
        assert!(e.starts_with("exp.toml: "), "{e}");
        assert!(
            e.contains("baseline JSON") && e.contains("experiment TOML"),
            "{e}"
        );
        let e = error("[1, 2]");
        assert!(e.contains("JSON") && e.contains("experiment TOML"), "{e}");
    }

    #[test]
    fn load_checks_every_point_of_both_profiles() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("e.toml");
        let text = "[experiment]\nname = \"e\"\n[workload]\nkind = \"kernel\"\nprogram = \"p\"\n\
                    [sweep]\nmachine.harts = [0, 2, 100000]\n[quick]\nsweep = { machine = { harts = [2] } }\n";
        std::fs::write(&file, text).unwrap();
        for profile in [Profile::Quick, Profile::Full] {
            let e = Experiment::load(&file, profile.clone(), &FakeSim)
                .unwrap_err()
                .to_string();
            let want = format!("{}:7: machine.harts = 0", file.display());
            assert!(e.starts_with(&want), "{profile:?}: wanted {want}: {e}");
        }
    }

    #[test]
    fn zipped_lists_must_be_equally_long() {
        let text = with("[sweep]\n", "[sweep]\nmode = \"zip\"\n");
        let e = parse(&text, Profile::Full).unwrap();
        assert_eq!(e.sweep.mode, SweepMode::Zip);
        let text = text.replace("machine.harts = [2, 4]", "machine.harts = [2, 4, 8]");
        let e = error(&text);
        assert!(e.contains("equally long"), "{e}");
    }

    /// GOOD with `latency` a family of 8 priorities (keys 400..=407) and `extra` appended.
    fn classed(extra: &str) -> String {
        GOOD.replace(
            "latency = { key = 0, unit = \"cycles\" }",
            "latency = { key = 400, unit = \"ns\", classes = 8, class = \"priority\" }",
        )
        .replace(
            "metrics = [\"latency.p50\", \"latency.p99.9\"]",
            "metrics = [\"latency.p50\", \"latency_priority0.p99\", \"latency_priority7.mean\"]",
        ) + extra
    }

    #[test]
    fn metric_classes_name_their_keys_and_split_figures() {
        let plots = "\n[[plot]]\nkind = \"cdf\"\nmetric = \"latency\"\nseries = \"priority\"\n\
                     filter = { priority = 3 }\n\
                     \n[[plot]]\nkind = \"percentile\"\nmetric = \"latency\"\nx = \"priority\"\nx_scale = \"linear\"\n\
                     \n[labels]\npriority = { label = \"priority\", values = { \"0\" = \"0 (highest)\" } }\n";
        let text = classed(plots);
        for profile in [Profile::Full, Profile::Quick] {
            let e = parse(&text, profile).unwrap();
            let c = e.metrics["latency"].classes.as_ref().unwrap();
            assert_eq!((c.count, c.name.as_str()), (8, "priority"));
            assert_eq!(e.metric_name(400), "latency_priority0");
            assert_eq!(e.metric_name(403), "latency_priority3");
            assert_eq!(e.metric_name(408), "key408");
            assert_eq!(e.metric_name(1), "rtt");
            let r = resolve_metric(&e.metrics, "latency_priority7").unwrap();
            assert_eq!((r.family, r.class), ("latency", Some(7)));
            for not in [
                "latency_priority8",
                "latency_priority07",
                "latency_priority",
                "rtt_priority0",
            ] {
                assert!(resolve_metric(&e.metrics, not).is_none(), "{not}");
            }
            assert_eq!(
                e.plot_values(&e.plots[2], "priority").unwrap(),
                ["0", "1", "2", "3", "4", "5", "6", "7"]
            );
            assert_eq!(
                crate::labels::value_label(&e.labels, "priority", "0"),
                "0 (highest)"
            );
        }
        let mut names: Vec<String> = (0..12).map(|k| format!("latency_priority{k}")).collect();
        names.push("latency".into());
        names.push("key9".into());
        let e = parse(&classed(""), Profile::Full).unwrap();
        names.sort_by_cached_key(|n| metric_order(&e.metrics, n));
        assert_eq!(names[..3], ["key9", "latency", "latency_priority0"]);
        assert_eq!(
            names[12], "latency_priority8",
            "priorities 10 and 11 are not classes here"
        );
    }

    #[test]
    fn bad_metric_classes_are_named_by_file_line_and_key() {
        let line =
            |needle: &str, text: &str| text.lines().position(|l| l.contains(needle)).unwrap() + 1;
        let family = |fields: &str| {
            GOOD.replace(
                "latency = { key = 0, unit = \"cycles\" }",
                &format!("latency = {{ key = 400, unit = \"ns\", {fields} }}"),
            )
        };
        let cases = [
            (
                family("classes = 0, class = \"p\""),
                "metrics.latency.classes",
                "1 to 64",
            ),
            (
                family("classes = 65, class = \"p\""),
                "metrics.latency.classes",
                "1 to 64",
            ),
            (
                family("classes = 64, class = \"p\"").replace("key = 400", "key = 420"),
                "metrics.latency.classes",
                "keys 420..=483, past the last sample key 479",
            ),
            (
                family("classes = 8"),
                "metrics.latency.classes",
                "needs `class`",
            ),
            (
                family("class = \"p\""),
                "metrics.latency.class",
                "needs `classes`",
            ),
            (
                family("classes = 8, class = \"2nd\""),
                "metrics.latency.class",
                "not a class name",
            ),
            (
                family("classes = 8, class = \"a.b\""),
                "metrics.latency.class",
                "not a class name",
            ),
            (
                family("classes = 8, class = \"seed\""),
                "metrics.latency.class",
                "`seed`",
            ),
            (
                family("classes = 8, class = 3"),
                "metrics.latency.class",
                "must be a string",
            ),
            (
                family("classes = 8, class = \"p\"").replace("rtt = 1", "rtt = 405"),
                "metrics.rtt",
                "sample keys 405..=405 overlap metric \"latency\" (keys 400..=407)",
            ),
            (
                family("classes = 8, class = \"p\"").replace("rtt = 1", "latency_p3 = 1"),
                "metrics.latency.class",
                "class 3 of latency would be metric \"latency_p3\"",
            ),
        ];
        for (text, key, reason) in cases {
            let e = error(&text);
            let want = format!(
                "exp.toml:{}: {key}: ",
                line("latency = {", &text).max(if key == "metrics.rtt" {
                    line("rtt = ", &text)
                } else {
                    0
                })
            );
            assert!(e.starts_with(&want), "wanted {want}...{reason}: {e}");
            assert!(e.contains(reason), "wanted {reason:?}: {e}");
        }
        // A plot of a metric without the class cannot split by it.
        let text = classed("\n[[plot]]\nkind = \"cdf\"\nmetric = \"rtt\"\nseries = \"priority\"\n");
        let e = error(&text);
        assert!(
            e.starts_with(&format!(
                "exp.toml:{}: plot[2].series: ",
                text.lines().count()
            )),
            "{e}"
        );
        assert!(
            e.contains("the class of metric \"latency\"; metric \"rtt\" has no class"),
            "{e}"
        );
        let text = classed(
            "\n[[plot]]\nkind = \"cdf\"\nmetric = \"latency\"\nfilter = { priority = 8 }\n",
        );
        assert!(
            error(&text).contains("plot[2].filter.priority: 8 is not a swept value of priority")
        );
        // A class's metric is not a family: it has no class to split by.
        let text = classed(
            "\n[[plot]]\nkind = \"cdf\"\nmetric = \"latency_priority2\"\nseries = \"priority\"\n",
        );
        assert!(error(&text).contains("plot[2].series"), "{}", error(&text));
        let text = classed("").replace("latency_priority7.mean", "latency_priority8.mean");
        assert!(
            error(&text).contains("check.metrics[2]"),
            "{}",
            error(&text)
        );
    }

    #[test]
    fn density_plots_need_no_x_and_keep_a_linear_y() {
        let text = with("kind = \"cdf\"", "kind = \"density\"\nlog_x = true");
        let e = parse(&text, Profile::Full).unwrap();
        assert_eq!(e.plots[0].kind, PlotKind::Density);
        assert_eq!(e.plots[0].file_stem(0), "density-latency-1");
        let text = with("kind = \"cdf\"", "kind = \"density\"\nlog_y = true");
        let e = error(&text);
        assert!(
            e.contains("plot[0].log_y: a density figure's y axis is linear"),
            "{e}"
        );
    }

    const PAPER: &str =
        "\n[profile.paper]\nexperiment = { seeds = 5 }\nworkload = { iterations = 1000 }\n\
                         sweep = { machine = { harts = [1, 2, 4] } }\n";

    #[test]
    fn named_profiles_merge_over_the_document() {
        let text = format!("{GOOD}{PAPER}");
        let e = parse(&text, Profile::Named("paper".into())).unwrap();
        assert_eq!(e.profile.name(), "paper");
        assert_eq!(e.seeds, [1, 2, 3, 4, 5]);
        assert_eq!(e.workload.params["iterations"].as_integer(), Some(1000));
        assert_eq!(e.sweep.params[0].values.len(), 3);
        assert_eq!(e.profiles, ["paper"]);
        assert!(!e.document.contains_key("profile") && !e.document.contains_key("quick"));
        // The other profiles do not see it.
        assert_eq!(parse(&text, Profile::Full).unwrap().seeds, [1, 2, 3]);
        assert_eq!(parse(&text, Profile::Quick).unwrap().seeds, [1]);
        // What only the paper profile sweeps may be labelled.
        let labelled =
            format!("{text}\n[labels]\n\"machine.harts\" = {{ values = {{ 1 = \"one\" }} }}\n");
        assert!(parse(&labelled, Profile::Full).is_ok());
        // Profiles by name, as on the command line.
        assert_eq!(Profile::from("quick".to_string()), Profile::Quick);
        assert_eq!(Profile::from("full".to_string()), Profile::Full);
        assert_eq!(
            serde_json::to_string(&Profile::Named("paper".into())).unwrap(),
            "\"paper\""
        );
        assert_eq!(serde_json::to_string(&Profile::Quick).unwrap(), "\"quick\"");
    }

    #[test]
    fn unknown_and_bad_profiles_are_refused() {
        let text = format!("{GOOD}{PAPER}");
        let e = parse(&text, Profile::Named("nope".into())).unwrap_err();
        assert!(
            e.starts_with("exp.toml: no profile \"nope\" (the profiles are full, quick, paper;"),
            "{e}"
        );
        let line =
            |needle: &str, text: &str| text.lines().position(|l| l.contains(needle)).unwrap() + 1;
        let cases = [
            (
                "[profile.quick]\nexperiment = { seeds = 1 }\n",
                "[profile.quick]",
                "profile.quick",
                "another name",
            ),
            (
                "[profile.\"a b\"]\nexperiment = { seeds = 1 }\n",
                "[profile.",
                "profile.a b",
                "portable file name",
            ),
            (
                "[profile]\npaper = 3\n",
                "paper = 3",
                "profile.paper",
                "must be a table",
            ),
            (
                "[profile.p]\nquick = { experiment = { seeds = 1 } }\n",
                "quick = {",
                "profile.p.quick",
                "cannot nest",
            ),
            ("profile = 3\n", "profile = 3", "profile", "[profile.NAME]"),
        ];
        for (extra, needle, key, reason) in cases {
            // Top-level keys before GOOD's first table.
            let text = if extra.starts_with("profile =") {
                format!("{extra}{GOOD}")
            } else {
                format!("{GOOD}\n{extra}")
            };
            let e = error(&text);
            let want = format!("exp.toml:{}: {key}: ", line(needle, &text));
            assert!(e.starts_with(&want), "wanted {want}...{reason}: {e}");
            assert!(e.contains(reason), "wanted {reason}: {e}");
        }
    }

    #[test]
    fn load_checks_every_named_profile_too() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("e.toml");
        let text = format!("{GOOD}{}", PAPER.replace("[1, 2, 4]", "[2, 9]"));
        std::fs::write(&file, &text).unwrap();
        let line = text.lines().position(|l| l.contains("[2, 9]")).unwrap() + 1;
        for profile in [Profile::Full, Profile::Quick] {
            let e = Experiment::load(&file, profile.clone(), &FakeSim)
                .unwrap_err()
                .to_string();
            let want = format!("{}:{line}: machine.harts = 9", file.display());
            assert!(e.starts_with(&want), "{profile:?}: wanted {want}: {e}");
            assert!(
                e.ends_with("(in the paper profile; every profile is checked on every run)"),
                "{e}"
            );
        }
    }

    #[test]
    fn experiment_names_resolve_in_experiments() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("experiments")).unwrap();
        std::fs::write(dir.path().join("experiments/p.toml"), "").unwrap();
        std::fs::write(dir.path().join("here.toml"), "").unwrap();
        std::fs::write(dir.path().join("experiments/here.toml"), "").unwrap();
        let find = |name: &str| find_experiment(dir.path(), Path::new(name));
        assert_eq!(find("p.toml").unwrap(), Path::new("experiments/p.toml"));
        assert_eq!(
            find("experiments/p.toml").unwrap(),
            Path::new("experiments/p.toml")
        );
        assert_eq!(
            find("here.toml").unwrap(),
            Path::new("here.toml"),
            "./ first"
        );
        let e = find("nope.toml").unwrap_err().to_string();
        assert_eq!(
            e,
            "nope.toml: no such experiment file (looked for ./nope.toml and experiments/nope.toml)"
        );
        let abs = dir.path().join("p.toml");
        let e = find_experiment(dir.path(), &abs).unwrap_err().to_string();
        assert!(e.ends_with("p.toml: no such experiment file"), "{e}");
    }

    #[test]
    fn durations_parse() {
        assert_eq!(parse_duration_ps("10ms"), Some(10_000_000_000));
        assert_eq!(parse_duration_ps("1s"), Some(1_000_000_000_000));
        assert_eq!(parse_duration_ps("7ps"), Some(7));
        assert_eq!(parse_duration_ps("ms"), None);
        assert_eq!(parse_duration_ps("3 days"), None);
    }
}
