//! Running an experiment: expand the points, skip those already done (`--resume`), run the
//! rest on a thread pool (one point, one thread, one independent simulation: nothing shared
//! is locked while simulating), store each as it finishes, then write the summary, figures
//! and report.
//!
//! Results do not depend on `--jobs`: every point is deterministic, and everything written
//! after the sweep is computed from the records in sweep order.

use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;

use crate::schema::{CheckpointPoint, Experiment, Profile, RUNNER_TABLES};
use crate::sim::{Job, JobCheckpoint, Simulator};
use crate::store::{self, Appender, PointRecord, RunMeta, ShardMeta, Status};
use crate::sweep::{self, fnv1a64, Only, Point, Shard};

/// Console bytes kept per point.
pub const CONSOLE_LIMIT: usize = 16 * 1024;

/// How to run an experiment (the command line's options).
#[derive(Debug, Clone)]
pub struct RunSettings {
    /// Worker threads; 0 = one per core.
    pub jobs: usize,
    /// Output directory; default `<results>/<name>/<run-id>`.
    pub out: Option<PathBuf>,
    /// Root of the default output directories.
    pub results: PathBuf,
    /// Keep the points already in the output directory and run only the others.
    pub resume: bool,
    /// The profile: full, quick or named.
    pub profile: Profile,
    /// Only points matching `key=value[,key=value...]`.
    pub only: Option<String>,
    /// Draw a progress bar (only shown on a terminal).
    pub progress: bool,
    /// Run only this slice of the points (`--shard I/N`).
    pub shard: Option<Shard>,
    /// Record a timeline of each point run, of at most this many records, into
    /// `traces/` of the run directory (`--trace`; see [`trace_path`]).
    pub trace: Option<usize>,
}

impl Default for RunSettings {
    fn default() -> Self {
        Self {
            jobs: 0,
            out: None,
            results: PathBuf::from("results"),
            resume: false,
            profile: Profile::Full,
            only: None,
            progress: true,
            shard: None,
            trace: None,
        }
    }
}

/// What a run did.
#[derive(Debug, Clone)]
pub struct RunSummary {
    /// The run directory.
    pub dir: PathBuf,
    /// Points in the sweep (in the shard's slice, for a shard).
    pub total: usize,
    /// Points run now.
    pub ran: usize,
    /// Points skipped because they were done (`--resume`) or filtered out (`--only`).
    pub skipped: usize,
    /// Every stored record, in sweep order.
    pub records: Vec<PointRecord>,
    /// Host seconds the points took (not part of any result file).
    pub host_seconds: f64,
    /// Lines of `points.jsonl` that `--resume` dropped because they are not records (a torn
    /// last line after an interruption); their points count as not done.
    pub dropped: Vec<store::BadLine>,
}

impl RunSummary {
    /// The failed points.
    pub fn failed(&self) -> impl Iterator<Item = &PointRecord> {
        self.records.iter().filter(|r| !r.ok())
    }
}

/// The image a workload boots and its name.
fn workload_image(exp: &Experiment, sim: &dyn Simulator) -> Result<(String, Vec<u8>)> {
    if let Some(elf) = &exp.workload.elf {
        let bytes = std::fs::read(elf).with_context(|| format!("cannot read {}", elf.display()))?;
        return Ok((elf.display().to_string(), bytes));
    }
    match &exp.kernel_image {
        Some(p) => Ok((
            p.display().to_string(),
            std::fs::read(p).with_context(|| format!("cannot read {}", p.display()))?,
        )),
        None => Ok(("the bundled guest image".into(), sim.kernel_image()?)),
    }
}

/// The resolved experiment: the profile's document with the machine tables replaced by the
/// complete machine (before sweep values and seeds). Content only: the same whatever path
/// the file was named by.
pub fn resolved_document(exp: &Experiment) -> Result<String> {
    let mut doc: toml::Table = exp
        .document
        .iter()
        .filter(|(k, _)| RUNNER_TABLES.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    for (k, v) in &exp.machine {
        doc.insert(k.clone(), v.clone());
    }
    Ok(toml::to_string(&doc)?)
}

/// `resolved.toml`: a header naming the file (and base configuration), then
/// [`resolved_document`].
pub fn resolved_text(exp: &Experiment) -> Result<String> {
    let header = format!(
        "# {} ({} profile), resolved: every machine key with its value{}.\n\
         # Each point also sets machine.seed and its [sweep] values.\n\n",
        exp.file.display(),
        exp.profile.name(),
        match &exp.machine_base {
            Some(b) => format!(", over {}", b.display()),
            None => String::new(),
        }
    );
    Ok(header + &resolved_document(exp)?)
}

/// Directory of the points' timelines in a run directory.
pub const TRACES: &str = "traces";

/// Where `--trace` writes the timeline of `point` in run directory `dir`:
/// `traces/<sweep index>_<group>_seed<seed>.json`, the group's `key=value` words joined by
/// `_` with characters that do not belong in a file name replaced by `-`.
pub fn trace_path(dir: &Path, point: &Point) -> PathBuf {
    let group: String = point
        .group
        .chars()
        .map(|c| match c {
            ' ' => '_',
            c if c.is_ascii_alphanumeric() || matches!(c, '=' | '.' | '_' | '-') => c,
            _ => '-',
        })
        .collect();
    dir.join(TRACES).join(format!(
        "{:04}_{group}_seed{}.json",
        point.index, point.seed
    ))
}

/// The directory below `--results` where shared checkpoints are kept (see
/// [`checkpoint_path`]); deleting it only costs the boots again.
pub const CHECKPOINTS: &str = "checkpoints";

/// The job of `point` (without a trace or checkpoint).
fn job_of<'a>(exp: &Experiment, image: &'a (String, Vec<u8>), point: &'a Point) -> Job<'a> {
    Job {
        machine: &point.machine,
        image_name: &image.0,
        image: &image.1,
        bootargs: &point.bootargs,
        max_insns: Some(exp.max_insns),
        max_sim_time_ps: Some(exp.max_sim_time_ps),
        console_limit: CONSOLE_LIMIT,
        trace: None,
        checkpoint: None,
    }
}

/// Where the checkpoint `point` starts from is kept, in `dir`: named by a hash of everything
/// that determines the machine's state at `at`, so points (of any experiment and run) share
/// it exactly when their runs are the same up to there. That is the simulator binary (its
/// size and modification time: a rebuilt hartlab never uses an older one's checkpoints), the
/// resolved machine, the image, the whole kernel command line (the guest reads it at boot,
/// seed and workload parameters included), the point and the run's limits.
pub fn checkpoint_path(
    dir: &Path,
    exp: &Experiment,
    image: &[u8],
    point: &Point,
    at: CheckpointPoint,
) -> PathBuf {
    let binary = std::env::current_exe()
        .and_then(std::fs::metadata)
        .map(|m| {
            let modified = m
                .modified()
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_nanos());
            format!("{} {modified}", m.len())
        })
        .unwrap_or_default();
    let key = format!(
        "{binary}\n{}\n{:016x}\n{}\n{}\n{} {}",
        toml::to_string(point.machine.as_ref()).unwrap_or_default(),
        fnv1a64(image),
        point.bootargs,
        at.spec(),
        exp.max_insns,
        exp.max_sim_time_ps
    );
    dir.join(format!("{:016x}.ckpt", fnv1a64(key.as_bytes())))
}

/// Write the checkpoints `points` start from (each distinct one once, in parallel, unless
/// already there) and say which points have one: a point whose run ends before `at` has
/// none and runs from the start, as does one whose machine cannot be checkpointed.
fn prepare_checkpoints(
    sim: &dyn Simulator,
    exp: &Experiment,
    image: &(String, Vec<u8>),
    points: &[&Point],
    at: CheckpointPoint,
    dir: &Path,
) -> Result<BTreeMap<String, PathBuf>> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let paths: Vec<PathBuf> = points
        .iter()
        .map(|p| checkpoint_path(dir, exp, &image.1, p, at))
        .collect();
    let mut missing: BTreeMap<&Path, &Point> = BTreeMap::new();
    for (p, path) in points.iter().zip(&paths) {
        if !path.exists() {
            missing.entry(path).or_insert(p);
        }
    }
    let missing: Vec<(&Path, &Point)> = missing.into_iter().collect();
    missing.par_iter().with_max_len(1).for_each(|&(path, p)| {
        // Written under a temporary name and renamed, so a reader never sees a partial file.
        let tmp = path.with_extension(format!("tmp{}", std::process::id()));
        let mut job = job_of(exp, image, p);
        job.checkpoint = Some(JobCheckpoint::Write(at, &tmp));
        let written = catch_unwind(AssertUnwindSafe(|| sim.run(&job)));
        match written {
            Ok(Ok(_)) if tmp.exists() => {
                let _ = std::fs::rename(&tmp, path);
            }
            Ok(Ok(_)) => {}
            Ok(Err(e)) => eprintln!(
                "point {} seed {}: no checkpoint, runs from the start: {e:#}",
                p.group, p.seed
            ),
            Err(_) => eprintln!(
                "point {} seed {}: no checkpoint (the simulator panicked writing it)",
                p.group, p.seed
            ),
        }
        let _ = std::fs::remove_file(&tmp);
    });
    Ok(points
        .iter()
        .zip(paths)
        .filter(|(_, path)| path.exists())
        .map(|(p, path)| (p.id.clone(), path))
        .collect())
}

/// Run one point; whatever happens inside, a record comes out. With `trace` (a path and a
/// record limit) the simulator also writes the point's timeline there; with `checkpoint` it
/// starts from that checkpoint.
pub fn run_point(
    sim: &dyn Simulator,
    exp: &Experiment,
    image: &(String, Vec<u8>),
    point: &Point,
    trace: Option<(&Path, usize)>,
    checkpoint: Option<&Path>,
) -> PointRecord {
    let mut job = job_of(exp, image, point);
    job.trace = trace;
    job.checkpoint = checkpoint.map(JobCheckpoint::Restore);
    let result = catch_unwind(AssertUnwindSafe(|| sim.run(&job)));
    let mut record = PointRecord {
        id: point.id.clone(),
        index: point.index,
        group: point.group.clone(),
        params: point
            .params
            .iter()
            .map(|(k, v)| (k.clone(), serde_json::to_value(v).unwrap_or_default()))
            .collect(),
        seed: point.seed,
        bootargs: point.bootargs.clone(),
        status: Status::Failed,
        reason: None,
        exit: String::new(),
        metrics: Default::default(),
        events: Vec::new(),
        dropped: Default::default(),
        window_start_ps: 0,
        stats: serde_json::Value::Null,
        dumps: Vec::new(),
        console: String::new(),
    };
    match result {
        Ok(Ok(o)) => {
            record.metrics =
                crate::stats::named_metrics(&exp.metrics, &o.samples, o.window_start_ps);
            if o.passed {
                record.status = Status::Ok;
            } else {
                record.reason = Some(match o.exit.as_str() {
                    "instruction limit reached" => {
                        format!("instruction limit reached ({} instructions)", exp.max_insns)
                    }
                    "simulated-time limit reached" => {
                        format!("simulated-time limit reached ({} ps)", exp.max_sim_time_ps)
                    }
                    other => format!("guest ended with {other}"),
                });
            }
            record.exit = o.exit;
            record.events = o.events;
            record.dropped = o.dropped;
            record.window_start_ps = o.window_start_ps;
            record.stats = o.stats;
            record.dumps = o.dumps;
            record.console = o.console;
        }
        Ok(Err(e)) => {
            record.exit = "not run".into();
            record.reason = Some(format!("{e:#}"));
        }
        Err(panic) => {
            let msg = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "unknown panic".into());
            record.exit = "simulator panicked".into();
            record.reason = Some(format!("the simulator panicked: {msg}"));
        }
    }
    record
}

fn progress_bar(n: usize, show: bool) -> ProgressBar {
    let target = if show {
        ProgressDrawTarget::stderr()
    } else {
        ProgressDrawTarget::hidden()
    };
    let pb = ProgressBar::with_draw_target(Some(n as u64), target);
    if let Ok(style) = ProgressStyle::with_template(
        "{prefix} [{bar:40}] {pos}/{len} points, {elapsed_precise} elapsed, ETA {eta_precise} {msg}",
    ) {
        pb.set_style(style.progress_chars("=> "));
    }
    pb
}

/// The run id: the profile and a hash of what determines the results, the resolved
/// experiment and the workload image. It depends on content only, never on how the
/// experiment's path is spelled, so `--resume` finds a run however the file is named.
pub fn run_id(exp: &Experiment, image: &[u8]) -> Result<String> {
    let mut key = resolved_document(exp)?.into_bytes();
    key.extend_from_slice(&fnv1a64(image).to_le_bytes());
    Ok(format!(
        "{}-{:012x}",
        exp.profile.name(),
        fnv1a64(&key) >> 16
    ))
}

/// The run directory: `--out`, else `<results>/<name>/<run id>`, and for a shard without
/// `--out` its own `shards/I-of-N` below that (shards may run at once on a shared file
/// system, so they never write into one directory).
pub fn run_dir(exp: &Experiment, run_id: &str, settings: &RunSettings) -> PathBuf {
    settings.out.clone().unwrap_or_else(|| {
        let dir = settings.results.join(&exp.name).join(run_id);
        match settings.shard {
            Some(s) => dir.join("shards").join(s.dir_name()),
            None => dir,
        }
    })
}

/// An experiment checked and expanded, before any point runs.
pub struct Plan {
    /// The experiment (its profile merged).
    pub exp: Experiment,
    /// Every point of the sweep.
    pub points: Vec<Point>,
    /// The `--only` filter (matching everything without one).
    pub only: Option<Only>,
    /// The workload image's name and bytes.
    pub image: (String, Vec<u8>),
    /// The run id.
    pub run_id: String,
    /// The run directory.
    pub dir: PathBuf,
}

impl Plan {
    /// Load and check the experiment in `file`, expand its points and check `--only`.
    pub fn new(sim: &dyn Simulator, file: &Path, settings: &RunSettings) -> Result<Self> {
        let exp = Experiment::load(file, settings.profile.clone(), sim)?;
        let points = sweep::expand(&exp, sim)?;
        let only = match &settings.only {
            Some(text) => {
                let only = Only::parse(text, &exp)?;
                only.require_match(&points)?;
                Some(only)
            }
            None => None,
        };
        let image = workload_image(&exp, sim)?;
        let run_id = run_id(&exp, &image.1)?;
        let dir = run_dir(&exp, &run_id, settings);
        Ok(Self {
            exp,
            points,
            only,
            image,
            run_id,
            dir,
        })
    }

    /// Whether `--only` selects `p`.
    pub fn selects(&self, p: &Point) -> bool {
        self.only.as_ref().is_none_or(|o| o.matches(p))
    }

    /// Sweep indices of the points `--only` selects, in sweep order.
    pub fn selected(&self) -> Vec<usize> {
        self.points
            .iter()
            .filter(|p| self.selects(p))
            .map(|p| p.index)
            .collect()
    }
}

/// Refuse to resume into `dir` when it holds another slice of the run than `shard` (another
/// shard, a whole run where a shard is asked for, or the other way round): resuming would
/// drop the points that are not this slice's.
fn check_resumed_slice(dir: &Path, shard: Option<Shard>) -> Result<()> {
    let old = ShardMeta::read(dir)?.map(|m| m.shard);
    let holds_run = dir.join(store::RUN).exists();
    let what = |s: Option<Shard>| match s {
        Some(s) => format!("shard {s}"),
        None => "a whole run".to_string(),
    };
    if old != shard && (old.is_some() || holds_run) {
        anyhow::bail!(
            "cannot resume {} in {}: it holds {}; use another --out or run without --resume to start again",
            what(shard),
            dir.display(),
            what(old)
        );
    }
    Ok(())
}

/// Run the experiment in `file`.
pub fn run_experiment(
    sim: &dyn Simulator,
    file: &Path,
    settings: &RunSettings,
) -> Result<RunSummary> {
    let plan = Plan::new(sim, file, settings)?;
    let mut selected = plan.selected();
    let Plan {
        exp,
        points,
        only,
        image,
        run_id,
        dir,
    } = plan;
    let only = only.unwrap_or_default();
    let resolved = resolved_text(&exp)?;
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let meta = RunMeta {
        name: exp.name.clone(),
        description: exp.description.clone(),
        file: file.display().to_string(),
        profile: exp.profile.clone(),
        run_id: run_id.clone(),
        sweep: exp.sweep.params.iter().map(|p| p.key.clone()).collect(),
        seeds: exp.seeds.clone(),
        points: points.len(),
        metrics: exp.metrics.clone(),
        plots: exp.plots.clone(),
        labels: exp.labels.clone(),
        check: exp.check.clone(),
        theory: exp.theory.clone(),
    };
    let mut done = Vec::new();
    let mut dropped = Vec::new();
    if settings.resume {
        if let Ok(old) = RunMeta::read(&dir) {
            if old.run_id != run_id {
                anyhow::bail!(
                    "cannot resume in {}: it holds run {} of a different configuration (this one is {run_id}); \
                     use another --out or run without --resume to start again",
                    dir.display(),
                    old.run_id
                );
            }
        }
        check_resumed_slice(&dir, settings.shard)?;
        let file = store::PointsFile::read(&dir)?;
        done = file.records;
        dropped = file.bad;
    }
    store::write_atomic(&dir.join(store::EXPERIMENT), exp.text.as_bytes())?;
    store::write_atomic(&dir.join(store::RESOLVED), resolved.as_bytes())?;
    meta.write(&dir)?;
    match settings.shard {
        Some(shard) => {
            if settings.resume {
                if let Some(old) = ShardMeta::read(&dir)? {
                    selected.extend(old.selected);
                    selected.sort_unstable();
                    selected.dedup();
                }
            }
            ShardMeta {
                shard,
                run_id: run_id.clone(),
                selected,
            }
            .write(&dir)?;
        }
        None => {
            // A whole run in a former shard's directory: it is no longer a shard.
            let path = dir.join(store::SHARD);
            if path.exists() {
                std::fs::remove_file(&path)
                    .with_context(|| format!("cannot remove {}", path.display()))?;
            }
        }
    }
    let in_slice = |p: &&Point| settings.shard.is_none_or(|s| s.contains(p.index));
    let known: std::collections::BTreeSet<&str> = points
        .iter()
        .filter(in_slice)
        .map(|p| p.id.as_str())
        .collect();
    done.retain(|r| known.contains(r.id.as_str()));
    let slice_total = known.len();
    let done_ids: std::collections::BTreeSet<String> = done.iter().map(|r| r.id.clone()).collect();
    let todo: Vec<&Point> = points
        .iter()
        .filter(in_slice)
        .filter(|p| only.matches(p) && !done_ids.contains(&p.id))
        .collect();
    if settings.resume {
        // Drop records of other configurations and torn lines before appending.
        store::rewrite_points(&dir, &done)?;
    }
    let appender = Appender::open(&dir, !settings.resume)?;
    let jobs = if settings.jobs == 0 {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    } else {
        settings.jobs
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .build()
        .context("cannot start the worker threads")?;
    if settings.trace.is_some() {
        let traces = dir.join(TRACES);
        std::fs::create_dir_all(&traces)
            .with_context(|| format!("cannot create {}", traces.display()))?;
    }
    let checkpoints = match exp.checkpoint_after {
        Some(at) => pool.install(|| {
            prepare_checkpoints(
                sim,
                &exp,
                &image,
                &todo,
                at,
                &settings.results.join(CHECKPOINTS),
            )
        })?,
        None => BTreeMap::new(),
    };
    let pb = progress_bar(todo.len(), settings.progress);
    pb.set_prefix(exp.name.clone());
    let start = Instant::now();
    pool.install(|| {
        todo.par_iter().with_max_len(1).try_for_each(|p| {
            let path = settings.trace.map(|limit| (trace_path(&dir, p), limit));
            let trace = path.as_ref().map(|(path, limit)| (path.as_path(), *limit));
            let checkpoint = checkpoints.get(&p.id).map(PathBuf::as_path);
            let record = run_point(sim, &exp, &image, p, trace, checkpoint);
            if !record.ok() {
                pb.println(format!(
                    "point {} seed {} failed: {}",
                    p.group,
                    p.seed,
                    record.reason.as_deref().unwrap_or("")
                ));
            }
            appender.append(&record)?;
            pb.inc(1);
            anyhow::Ok(())
        })
    })?;
    pb.finish_and_clear();
    let host_seconds = start.elapsed().as_secs_f64();
    let records = store::rewrite_points(&dir, &store::read_points(&dir)?)?;
    crate::report::finish(&dir, &meta, &records, &[])?;
    Ok(RunSummary {
        dir,
        total: slice_total,
        ran: todo.len(),
        skipped: slice_total - todo.len(),
        records,
        host_seconds,
        dropped,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::{MachineError, Outcome, Sample};

    /// Seed 2 panics, seed 3 cannot run, the others pass with one sample per harts value.
    struct Flaky;

    impl Simulator for Flaky {
        fn resolve_machine(&self, m: &toml::Table) -> Result<toml::Table, MachineError> {
            Ok(m.clone())
        }
        fn kernel_image(&self) -> Result<Vec<u8>> {
            Ok(b"kernel".to_vec())
        }
        fn run(&self, job: &Job) -> Result<Outcome> {
            if job.bootargs.contains("seed=2") {
                panic!("model bug");
            }
            if job.bootargs.contains("seed=3") {
                anyhow::bail!("no such machine");
            }
            let harts = job.machine["machine"]["harts"].as_integer().unwrap_or(0) as u64;
            Ok(Outcome {
                passed: true,
                exit: "pass".into(),
                samples: vec![Sample {
                    key: 0,
                    value: 10 * harts,
                    hart: 0,
                    time_ps: 1000,
                }],
                ..Outcome::default()
            })
        }
    }

    #[test]
    fn run_ids_do_not_depend_on_how_the_path_is_spelled() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        let text = "[experiment]\nname = \"e\"\n[workload]\nkind = \"kernel\"\nprogram = \"p\"\n\
                    [sweep]\nmachine.harts = [1, 2]\n";
        std::fs::write(dir.path().join("e.toml"), text).unwrap();
        let settings = RunSettings {
            results: dir.path().join("results"),
            progress: false,
            ..RunSettings::default()
        };
        let first = run_experiment(&Flaky, &dir.path().join("e.toml"), &settings).unwrap();
        assert_eq!(first.ran, 2);
        for spelling in ["./e.toml", "sub/../e.toml", "sub/.././e.toml"] {
            let again = run_experiment(
                &Flaky,
                &dir.path().join(spelling),
                &RunSettings {
                    resume: true,
                    ..settings.clone()
                },
            )
            .unwrap();
            assert_eq!(again.dir, first.dir, "{spelling}");
            assert_eq!(again.ran, 0, "{spelling}: resumed the same run");
        }
        // Content does count: another sweep is another run.
        std::fs::write(dir.path().join("e.toml"), text.replace("[1, 2]", "[1, 3]")).unwrap();
        let other = run_experiment(&Flaky, &dir.path().join("e.toml"), &settings).unwrap();
        assert_ne!(other.dir, first.dir);
    }

    #[test]
    fn an_only_filter_that_matches_no_point_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("e.toml");
        std::fs::write(
            &file,
            "[experiment]\nname = \"e\"\n[workload]\nkind = \"kernel\"\nprogram = \"p\"\n\
             [sweep]\nmode = \"zip\"\nmachine.harts = [1, 2]\nworkload.x = [\"a\", \"b\"]\n",
        )
        .unwrap();
        let settings = |only: &str| RunSettings {
            out: Some(dir.path().join("out")),
            only: Some(only.into()),
            progress: false,
            ..RunSettings::default()
        };
        let run = run_experiment(&Flaky, &file, &settings("machine.harts=2,workload.x=b")).unwrap();
        assert_eq!(run.ran, 1);
        let e = run_experiment(&Flaky, &file, &settings("machine.harts=1,workload.x=b"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("matches no point"), "{e}");
        assert!(
            e.contains("machine.harts=1 workload.x=a"),
            "lists the points: {e}"
        );
    }

    #[test]
    fn panics_and_errors_become_failed_points_and_the_sweep_goes_on() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("e.toml");
        std::fs::write(
            &file,
            "[experiment]\nname = \"e\"\nseeds = 3\n[workload]\nkind = \"kernel\"\nprogram = \"p\"\n\
             [sweep]\nmachine.harts = [1, 2]\n[metrics]\nlat = 0\n",
        )
        .unwrap();
        let settings = RunSettings {
            out: Some(dir.path().join("out")),
            jobs: 2,
            progress: false,
            ..RunSettings::default()
        };
        let run = run_experiment(&Flaky, &file, &settings).unwrap();
        assert_eq!((run.total, run.ran, run.records.len()), (6, 6, 6));
        let reasons: Vec<Option<&str>> = run.records.iter().map(|r| r.reason.as_deref()).collect();
        assert_eq!(
            reasons[..3],
            [
                None,
                Some("the simulator panicked: model bug"),
                Some("no such machine")
            ]
        );
        assert_eq!(run.records[3].metrics["lat"].max, 20);
        assert_eq!(run.failed().count(), 4);
        let again = run_experiment(
            &Flaky,
            &file,
            &RunSettings {
                resume: true,
                ..settings
            },
        )
        .unwrap();
        assert_eq!(again.ran, 0, "failed points are done too");
        assert_eq!(again.records, run.records);
    }
}
