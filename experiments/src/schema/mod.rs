//! The experiment file: parsing, the profiles, and checking every value before anything
//! runs (the schema is documented in `experiments/README.md`).
//!
//! Tables `[experiment]`, `[kernel]`, `[workload]`, `[sweep]`, `[metrics]`, `[[plot]]`,
//! `[labels]`, `[check]`, `[quick]` and `[profile.NAME]` belong to the runner; every other
//! top-level table is a machine configuration table, exactly as in a `hartlab --config` file,
//! overriding the file named by `[machine] config`. Errors name the file, line and key.
//!
//! [`Experiment::parse`] reads the document and merges the profile (`profile`), reads each
//! runner table (one module per table: `experiment_table`, `workload`, `sweep`, `metrics`,
//! `plot`, `check_table`, and `crate::labels`), resolves the machine (`machine`), then checks
//! that the tables' references to each other hold (`references`). `document` holds the TOML
//! helpers they share and `names` the rule for names that become file names.

mod check_table;
mod document;
mod experiment_table;
mod machine;
mod metrics;
mod names;
mod plot;
mod profile;
mod references;
mod sweep;
#[cfg(test)]
pub(crate) mod tests;
mod workload;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::labels::{parse_labels, Labels};
use crate::locate::{line_of, SchemaError, Seg};
use crate::sim::{MachineError, Simulator};

pub use check_table::{CheckSpec, Tolerance};
pub use document::{
    arg_text, find_experiment, find_file, merge, parse_duration_ps, set_path, EXPERIMENTS_DIR,
};
pub use experiment_table::{CheckpointPoint, DEFAULT_MAX_INSNS, DEFAULT_MAX_SIM_TIME_PS};
pub use machine::is_machine_key;
pub use metrics::{
    class_metric_name, metric_name_of, metric_order, plot_class, resolve_metric, Classes, Metric,
    MetricRef, MAX_CLASSES,
};
pub use names::{name_problem, NAME_MAX};
pub use plot::{ErrorBars, PlotKind, PlotSpec, XScale};
pub use profile::Profile;
pub use sweep::{Sweep, SweepMode, SweepParam};
pub use workload::{KernelSection, Workload, WorkloadKind};

use document::{exact_line, json_instead_of_toml, section};
use experiment_table::{parse_seeds, ExperimentTable};
use machine::MachineTables;
use metrics::parse_metrics;
use profile::ProfiledDocument;
use sweep::{check_param_name, parse_sweep};
use workload::{parse_kernel, parse_workload};

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
        let ProfiledDocument {
            doc,
            base,
            overlays,
            profiles,
        } = ProfiledDocument::read(file, text, &profile)?;
        let src = Source {
            file,
            text,
            overlay: profile.table_path(),
        };
        let dir = file.parent().unwrap_or(Path::new(".")).to_path_buf();

        let exp = ExperimentTable::parse(&src, &doc)?;
        let (kernel, kernel_image) = parse_kernel(&src, &doc, &dir)?;
        let workload = parse_workload(&src, &doc, &dir)?;
        let sweep = parse_sweep(&src, &doc)?;
        let metrics = parse_metrics(&src, &doc)?;
        let plots: Vec<PlotSpec> = section(&src, &doc, "plot")?.unwrap_or_default();
        // Labels may name what only one profile sweeps (the other profile's own errors are
        // reported when it is parsed).
        let others = other_profiles_sweeps(&src, &base, overlays, &profile);
        let swept_anywhere =
            |key: &str| swept_anywhere(key, (&sweep, &exp.seeds), &others, &metrics);
        let labels = parse_labels(&src, &doc, &swept_anywhere)?;
        let check: Option<CheckSpec> = section(&src, &doc, "check")?;
        let theory: Vec<crate::theory::TheorySpec> =
            section(&src, &doc, "theory")?.unwrap_or_default();

        let MachineTables {
            base: machine_base,
            overrides: machine_overrides,
            machine,
        } = MachineTables::resolve(&src, &doc, &dir, sim)?;

        let exp = Self {
            file: file.to_path_buf(),
            text: text.to_string(),
            profile,
            name: exp.name,
            description: exp.description,
            seeds: exp.seeds,
            max_insns: exp.max_insns,
            max_sim_time_ps: exp.max_sim_time_ps,
            checkpoint_after: exp.checkpoint_after,
            machine_base,
            machine,
            machine_overrides,
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

/// The sweep and seeds of every profile but `profile` (`overlays`, merged over `base`), for
/// labels that name what only another profile sweeps; a profile with errors counts as
/// sweeping nothing here (they are reported when it is parsed).
fn other_profiles_sweeps(
    src: &Source,
    base: &toml::Table,
    overlays: Vec<(Profile, toml::Table)>,
    profile: &Profile,
) -> Vec<(Sweep, Vec<u64>)> {
    std::iter::once((Profile::Full, toml::Table::new()))
        .chain(overlays)
        .filter(|(p, _)| p != profile)
        .map(|(p, table)| {
            let mut other = base.clone();
            merge(&mut other, &table);
            let src = Source {
                file: src.file,
                text: src.text,
                overlay: p.table_path(),
            };
            let seeds = other.get("experiment").and_then(|e| e.get("seeds"));
            (
                parse_sweep(&src, &other).unwrap_or_default(),
                parse_seeds(&src, seeds).unwrap_or_default(),
            )
        })
        .collect()
}

/// The values `key` takes in this profile (`this`: its sweep and seeds) or any of the
/// `others`, in order of appearance; for a class key, its classes; `None` when nothing
/// sweeps it.
fn swept_anywhere(
    key: &str,
    this: (&Sweep, &[u64]),
    others: &[(Sweep, Vec<u64>)],
    metrics: &BTreeMap<String, Metric>,
) -> Option<Vec<String>> {
    let of = |sweep: &Sweep, seeds: &[u64]| -> Option<Vec<String>> {
        if key == "seed" {
            return Some(seeds.iter().map(u64::to_string).collect());
        }
        let p = sweep.params.iter().find(|p| p.key == key)?;
        Some(p.values.iter().map(crate::sweep::value_text).collect())
    };
    let found: Vec<Vec<String>> = std::iter::once(of(this.0, this.1))
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
}
