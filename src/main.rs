//! The `hartlab` command line.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use experiments::runner::Plan;
use experiments::schema::{find_experiment, Profile};
use experiments::slurm::{SlurmJob, SlurmOptions};
use experiments::sweep::Shard;
use experiments::RunSettings;
use hartlab::board::Console;
use hartlab::config::{parse_size, MachineConfig, ModeName};
use hartlab::lab::{Hartlab, GUEST_IMAGE};
use hartlab::run::{describe, run_image, CheckpointOptions, CommitLogOptions, RunOptions};
use sim_core::hart::debug::CommitWindow;
use sim_core::machine::CheckpointAt;
use sim_core::machine::Exit;

/// Exit status when the ELF or configuration cannot be used.
const STATUS_BAD_INPUT: u8 = 251;
/// Exit status when `--max-insns` ends the run.
const STATUS_MAX_INSNS: u8 = 252;
/// Exit status when a hart is stuck in a loop of faults at its trap handler.
const STATUS_TRAP_LOOP: u8 = 253;
/// Exit status when every hart waits forever, or resets never stop.
const STATUS_HUNG: u8 = 254;
/// Largest guest failure code passed through unchanged.
const MAX_GUEST_CODE: u32 = 250;

#[derive(Parser)]
#[command(
    name = "hartlab",
    version,
    about = "A cycle-approximate RISC-V full-system simulator and research testbed",
    long_about = "hartlab simulates a QEMU-virt-compatible RISC-V machine (RV64GC harts with M/S/U \
                  modes and Sv39, CLINT, PLIC, NS16550A UART, SiFive test finisher, HTIF) \
                  deterministically in simulated time."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a bare-metal RISC-V ELF on the virt machine.
    ///
    /// The guest's UART output goes to stdout as it is produced and stdin feeds its UART.
    /// Exit status: 0 when the guest reports pass (SiFive test finisher 0x5555 or HTIF
    /// tohost = 1); the guest's failure code (1..=250; larger codes are reported as 250, and
    /// a failure with code 0 as 1) when it reports failure; 251 for an unusable ELF or
    /// configuration; 252 when --max-insns is reached; 253 when a hart is stuck faulting at
    /// its trap handler (double-fault loop); 254 when every hart waits for an interrupt that
    /// nothing will raise. A one-line explanation goes to stderr for 251-254.
    Run(RunArgs),
    /// Boot the bundled guest image (hartlab's SBI firmware and kernel, built from
    /// guest-kernel/ with hartlab itself) or another kernel image on the virt machine.
    ///
    /// Exit statuses as for `run`.
    Boot(BootArgs),
    /// Run an experiment: sweep its parameters over seeds in parallel and write data,
    /// summary, figures and a report (schema: experiments/README.md).
    ///
    /// Output goes to results/<name>/<run-id>/ (the run id is the profile and a hash of the
    /// resolved experiment and workload image, so an unchanged experiment reuses its
    /// directory) or to --out. Exit status: 0 when every point passed, 1 when some failed
    /// (they are recorded with the reason and the sweep goes on), 251 for an unusable
    /// experiment file (one line names the file, line and key).
    Experiment(ExperimentArgs),
    /// Redraw the summary, figures and report of a run directory from its saved data.
    ///
    /// A line of points.jsonl that is not a point record stops it (exit status 251, naming
    /// the file and line) unless --skip-bad leaves such lines out, saying how many on
    /// stderr and in report.md. Given an experiment's directory (results/<name>) it lists
    /// the runs there to choose from, with exit status 251.
    Plot(PlotArgs),
    /// Run an experiment's quick profile and compare the numbers its [check] table names
    /// with a baseline; exit status 1, naming metric, group, baseline and new value, when one
    /// leaves its tolerance. --bless writes the baseline instead. The experiment and the
    /// baseline are checked before anything runs (exit status 251: a missing baseline, one of
    /// another experiment, or the two files swapped).
    Check(CheckArgs),
    /// Combine the run directories of `experiment --shard I/N` runs into the files one run
    /// writes (points.jsonl and summary.csv byte for byte, run.json, resolved.toml,
    /// experiment.toml, figures, report.md).
    ///
    /// Exit status 251 (one line naming the directories) for directories that are not shards,
    /// shards of different runs, profiles or shard counts, a shard given twice, a point held
    /// twice or by the wrong shard, and missing points (naming how many, of which shards, at
    /// which sweep indices) unless --partial, when report.md states what is missing. Else 0,
    /// or 1 when some merged point failed.
    Merge(MergeArgs),
}

#[derive(clap::Args)]
struct SweepArgs {
    /// Points run at once (default: one per core; at most four per core).
    #[arg(long)]
    jobs: Option<usize>,
    /// Output directory instead of results/<name>/<run-id>.
    #[arg(long)]
    out: Option<PathBuf>,
}

#[derive(clap::Args)]
struct ExperimentArgs {
    /// The experiment file (TOML); a relative path that does not exist is looked for under
    /// experiments/ too (`priority.toml` is experiments/priority.toml from the repository).
    file: PathBuf,
    #[command(flatten)]
    sweep: SweepArgs,
    /// Keep the points already stored in the output directory and run the rest.
    #[arg(long)]
    resume: bool,
    /// Run the quick profile ([quick] merged over the experiment).
    #[arg(long)]
    quick: bool,
    /// Run the named profile ([profile.NAME] merged over the experiment; `quick` is --quick,
    /// `full` the experiment as written). Its results go to results/<name>/NAME-<hash>/.
    #[arg(long, value_name = "NAME", conflicts_with = "quick")]
    profile: Option<String>,
    /// Run only the points matching key=value[,key=value...] (swept keys or seed).
    #[arg(long)]
    only: Option<String>,
    /// Run shard I of N (1 <= I <= N): the points whose sweep index is I-1 modulo N, into
    /// results/<name>/<run-id>/shards/I-of-N (or --out); `hartlab merge` combines the shards.
    #[arg(long, value_name = "I/N", conflicts_with = "slurm")]
    shard: Option<String>,
    /// Write an sbatch array job (one task per shard) and a merge job that depends on it into
    /// <run dir>/slurm/, and submit both when sbatch is on PATH (else print the scripts and
    /// the command that submits them).
    #[arg(long)]
    slurm: bool,
    /// Slurm partition of both jobs.
    #[arg(long, requires = "slurm")]
    partition: Option<String>,
    /// Slurm time limit of each job (e.g. 2:00:00).
    #[arg(long, requires = "slurm")]
    time: Option<String>,
    /// Array tasks, i.e. shards (default: one per point, at most 100).
    #[arg(long, requires = "slurm")]
    array_size: Option<usize>,
    /// CPUs per array task; each task runs that many points at once.
    #[arg(long, requires = "slurm")]
    cpus_per_task: Option<usize>,
    /// With --slurm: write and print the scripts and the submit command, submit nothing.
    #[arg(long, requires = "slurm")]
    dry_run: bool,
    /// Record the timeline of every point run and write each as a Chrome JSON trace
    /// (ui.perfetto.dev) to <run dir>/traces/<index>_<group>_seed<seed>.json. Tracing
    /// changes no result.
    #[arg(long, conflicts_with = "slurm")]
    trace: bool,
    /// Most records each point's trace keeps; a trace is cut there, saying so.
    #[arg(long, value_name = "N", default_value_t = sim_core::trace::DEFAULT_LIMIT as u64,
          value_parser = clap::value_parser!(u64).range(1..), requires = "trace")]
    trace_limit: u64,
}

/// `tcp:HOSTPORT-:GUESTPORT` (QEMU's spelling; a host address 127.0.0.1 or an empty one,
/// and a guest address 10.0.2.15 or an empty one, are accepted too).
fn parse_hostfwd(s: &str) -> Result<(u16, u16), String> {
    let bad = || format!("{s:?}: expected tcp:HOSTPORT-:GUESTPORT, e.g. tcp:8080-:8000");
    let rest = s.strip_prefix("tcp:").ok_or_else(bad)?;
    let (host, guest) = rest.split_once('-').ok_or_else(bad)?;
    let port = |part: &str, addrs: &[&str]| -> Result<u16, String> {
        let (addr, port) = part.rsplit_once(':').unwrap_or(("", part));
        if !addrs.contains(&addr) {
            return Err(bad());
        }
        port.parse::<u16>().ok().filter(|&p| p > 0).ok_or_else(bad)
    };
    Ok((
        port(host, &["", "127.0.0.1", "localhost"])?,
        port(guest, &["", "10.0.2.15"])?,
    ))
}

#[derive(clap::Args)]
struct MergeArgs {
    /// The shards' run directories (any order).
    #[arg(required = true)]
    dirs: Vec<PathBuf>,
    /// The run directory to write.
    #[arg(long)]
    out: PathBuf,
    /// Merge even when points are missing; report.md and stderr say which.
    #[arg(long)]
    partial: bool,
}

#[derive(clap::Args)]
struct PlotArgs {
    /// A run directory (results/<name>/<run-id>).
    dir: PathBuf,
    /// Leave out lines of points.jsonl that are not point records instead of stopping; the
    /// summary, figures and report then come from fewer points, and say so.
    #[arg(long)]
    skip_bad: bool,
}

#[derive(clap::Args)]
struct CheckArgs {
    /// The experiment file (TOML), looked for under experiments/ too, as for `experiment`.
    file: PathBuf,
    /// The baseline, e.g. results/baselines/NAME.json.
    #[arg(long)]
    baseline: PathBuf,
    /// Write the baseline from this run instead of comparing.
    #[arg(long)]
    bless: bool,
    #[command(flatten)]
    sweep: SweepArgs,
}

#[derive(clap::Args)]
struct RunArgs {
    /// The RISC-V 64-bit ELF executable to load (segments at their physical addresses).
    elf: PathBuf,
    #[command(flatten)]
    machine: MachineArgs,
}

#[derive(clap::Args)]
struct BootArgs {
    /// Boot this image instead of the bundled one.
    #[arg(long)]
    kernel: Option<PathBuf>,
    /// Kernel command line, given to the guest in the device tree's `/chosen/bootargs`.
    #[arg(long)]
    bootargs: Option<String>,
    #[command(flatten)]
    machine: MachineArgs,
}

#[derive(clap::Args)]
struct MachineArgs {
    /// Number of harts (overrides the config file; 1 to 512).
    #[arg(long)]
    harts: Option<usize>,
    /// RAM size, e.g. 256MiB, 1G or a byte count (overrides the config file).
    #[arg(long, value_parser = parse_size_arg)]
    memory: Option<u64>,
    /// Stop after this many instructions retired by all harts together.
    #[arg(long)]
    max_insns: Option<u64>,
    /// TOML machine description (see README.md, "Machine configuration").
    #[arg(long)]
    config: Option<PathBuf>,
    /// Timing mode, overriding the config file: `timed` (the cycle-approximate model) or
    /// `functional` (one cycle per instruction, no caches; for fast-forwarding).
    #[arg(long, value_parser = ["timed", "functional"])]
    timing: Option<String>,
    /// Write run statistics as JSON to this file, or print them as a table with `-`. Host
    /// time and speed then go to stderr.
    #[arg(long)]
    stats: Option<PathBuf>,
    /// Record a timeline of the run (per hart: privilege modes, traps, WFI and the guest's
    /// spans such as the kernel's context switches; per device: interrupt lines and
    /// operations) and write it to this file as a Chrome JSON trace, which ui.perfetto.dev
    /// opens. Tracing changes no simulated result.
    #[arg(long, value_name = "FILE")]
    trace: Option<PathBuf>,
    /// Most records a trace keeps; the trace is cut there, saying so.
    #[arg(long, value_name = "N", default_value_t = sim_core::trace::DEFAULT_LIMIT as u64,
          value_parser = clap::value_parser!(u64).range(1..), requires = "trace")]
    trace_limit: u64,
    /// Live mode, like QEMU's hostfwd: forward connections to 127.0.0.1:HOSTPORT on the host
    /// to the guest's TCP GUESTPORT through the simulated client host (turns `[net]` on).
    /// Host timing then enters the run: it is not deterministic. Repeatable.
    #[arg(long, value_name = "tcp:HOSTPORT-:GUESTPORT", value_parser = parse_hostfwd)]
    hostfwd: Vec<(u16, u16)>,
    /// Write one line per retired instruction to this file, in Spike's commit-log format
    /// (`spike --log-commits`): hart, privilege, pc, encoding, registers written, memory
    /// accessed. Logging changes no simulated result.
    #[arg(long, value_name = "FILE")]
    log_commits: Option<PathBuf>,
    /// Log only the instructions each hart retires while its minstret is in FROM..TO, or,
    /// with times (`10us:20us`), while its simulated time is in that range; either end may be
    /// left out (`1000:`, `:5000`, `1ms:`).
    #[arg(long, value_name = "FROM:TO", value_parser = parse_window, requires = "log_commits")]
    log_window: Option<CommitWindow>,
    /// Serve the GDB remote protocol on ADDR (default 127.0.0.1:1234): the machine waits for
    /// gdb before its first instruction, every hart is a thread, and simulated time stands
    /// still while gdb holds the machine (see README.md, "Debugging with GDB").
    #[arg(long, value_name = "ADDR", num_args = 0..=1,
          default_missing_value = hartlab::gdb::DEFAULT_ADDR)]
    gdb: Option<String>,
    /// Write a checkpoint of the whole machine to `--checkpoint FILE` at the first step
    /// boundary at or after POINT: `insns:N` (instructions retired by all harts together),
    /// `time:T` (simulated time, e.g. `5ms`) or `event:ID` (the guest's simulator-control
    /// EVENT store of ID). The run goes on unless `--checkpoint-exit`.
    #[arg(long, value_name = "POINT", value_parser = parse_checkpoint_at, requires = "checkpoint",
          conflicts_with = "gdb")]
    checkpoint_at: Option<CheckpointAt>,
    /// The checkpoint file `--checkpoint-at` writes.
    #[arg(long, value_name = "FILE", requires = "checkpoint_at")]
    checkpoint: Option<PathBuf>,
    /// End the run once the checkpoint is written.
    #[arg(long, requires = "checkpoint_at")]
    checkpoint_exit: bool,
    /// Continue from a checkpoint written by a run with the same machine options, image and
    /// `--bootargs`: the continued run's console, statistics and samples are those the
    /// uninterrupted run would give.
    #[arg(long, value_name = "FILE", conflicts_with = "gdb")]
    restore: Option<PathBuf>,
}

/// POINT of `--checkpoint-at`: `insns:N`, `time:T` or `event:ID`.
fn parse_checkpoint_at(s: &str) -> Result<CheckpointAt, String> {
    let bad = || {
        format!("--checkpoint-at {s}: expected insns:N, time:T (a time such as 5ms) or event:ID")
    };
    let (kind, value) = s.split_once(':').ok_or_else(bad)?;
    match kind {
        "insns" => value.parse().map(CheckpointAt::Insns).map_err(|_| bad()),
        "time" => experiments::schema::parse_duration_ps(value)
            .map(CheckpointAt::Time)
            .ok_or_else(bad),
        "event" => value.parse().map(CheckpointAt::Event).map_err(|_| bad()),
        _ => Err(bad()),
    }
}

/// `FROM:TO` of `--log-window`: instruction counts, or simulated times with a unit (`ps`,
/// `ns`, `us`, `ms`, `s`); either end may be left out.
fn parse_window(s: &str) -> Result<CommitWindow, String> {
    let (from, to) = s
        .split_once(':')
        .ok_or_else(|| format!("--log-window {s}: expected FROM:TO"))?;
    let timed = [from, to]
        .iter()
        .any(|v| v.ends_with(|c: char| c.is_ascii_alphabetic()));
    let value = |v: &str, default: u64| -> Result<u64, String> {
        if v.is_empty() {
            return Ok(default);
        }
        let parsed = if timed {
            experiments::schema::parse_duration_ps(v)
        } else {
            v.parse().ok()
        };
        parsed.ok_or_else(|| {
            format!("--log-window {s}: {v} is not an instruction count or a time such as 10us")
        })
    };
    let mut window = CommitWindow::default();
    let (lo, hi) = (value(from, 0)?, value(to, u64::MAX)?);
    if lo >= hi {
        return Err(format!("--log-window {s}: the window is empty"));
    }
    if timed {
        (window.from_ps, window.to_ps) = (lo, hi);
    } else {
        (window.from, window.to) = (lo, hi);
    }
    Ok(window)
}

fn parse_size_arg(s: &str) -> Result<u64, String> {
    parse_size(s).map_err(|e| format!("{e:#}"))
}

fn guest_code(code: u32) -> u8 {
    match code {
        0 => 1,
        c => c.min(MAX_GUEST_CODE) as u8,
    }
}

/// Host stdin, read on a thread and fed to the UART at simulated-time boundaries.
fn stdin_channel() -> std::sync::mpsc::Receiver<u8> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = [0u8; 256];
        let mut stdin = std::io::stdin();
        while let Ok(n) = stdin.read(&mut buf) {
            if n == 0 || buf[..n].iter().any(|&b| tx.send(b).is_err()) {
                break;
            }
        }
    });
    rx
}

fn run(args: RunArgs) -> Result<ExitCode> {
    let bytes =
        std::fs::read(&args.elf).with_context(|| format!("cannot read {}", args.elf.display()))?;
    simulate(&args.elf.display().to_string(), &bytes, None, args.machine)
}

fn boot(args: BootArgs) -> Result<ExitCode> {
    match &args.kernel {
        Some(path) => {
            let bytes =
                std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
            simulate(
                &path.display().to_string(),
                &bytes,
                args.bootargs,
                args.machine,
            )
        }
        None => simulate(
            "the bundled guest image",
            GUEST_IMAGE,
            args.bootargs,
            args.machine,
        ),
    }
}

/// Run the ELF image `bytes` (called `name` in messages) on the machine `args` describe.
fn simulate(
    name: &str,
    bytes: &[u8],
    bootargs: Option<String>,
    args: MachineArgs,
) -> Result<ExitCode> {
    let mut config = match &args.config {
        Some(path) => MachineConfig::from_file(path)?,
        None => MachineConfig::default(),
    };
    if let Some(h) = args.harts {
        config.machine.harts = h;
    }
    if let Some(m) = args.memory {
        config.machine.memory = m;
    }
    match args.timing.as_deref() {
        Some("functional") => config.timing.mode = ModeName::Functional,
        Some(_) => {
            config.timing.mode = ModeName::Timed;
            config.timing.timed_from_insn = None;
        }
        None => {}
    }
    if !args.hostfwd.is_empty() {
        config.net.enabled = true;
        config.net.hostfwd = args.hostfwd.clone();
        eprintln!(
            "hartlab: --hostfwd: host connections enter the run at host times; this run is not deterministic"
        );
    }
    // An error names the file unless its key was set on the command line.
    let overridden = |key: &str| {
        let set = |option: bool, prefix: &str| option && key.starts_with(prefix);
        set(args.harts.is_some(), "machine.harts")
            || set(args.memory.is_some(), "machine.memory")
            || set(args.timing.is_some(), "timing.")
            || set(!args.hostfwd.is_empty(), "net.")
    };
    let config = config.resolve().map_err(|e| match &args.config {
        Some(path) if !overridden(&e.key) => {
            anyhow::anyhow!("invalid machine config: {}", e.in_file(path))
        }
        _ => anyhow::anyhow!("invalid command-line machine options: {e}"),
    })?;
    if let Some(path) = &args.trace {
        hartlab::trace::check_writable(path)?;
    }
    let options = RunOptions {
        config,
        max_insns: args.max_insns,
        bootargs,
        trace_limit: args
            .trace
            .as_ref()
            .map(|_| usize::try_from(args.trace_limit).unwrap_or(usize::MAX)),
        commit_log: args.log_commits.clone().map(|path| CommitLogOptions {
            path,
            window: args.log_window.unwrap_or_default(),
        }),
        gdb: args.gdb.clone(),
        checkpoint: args
            .checkpoint_at
            .zip(args.checkpoint.clone())
            .map(|(at, path)| CheckpointOptions {
                at,
                path,
                stop: args.checkpoint_exit,
            }),
        restore: args.restore.clone(),
        ..RunOptions::default()
    };
    let mut console = || Console {
        output: Box::new(std::io::stdout()),
        input: Some(stdin_channel()),
    };
    let report = run_image(name, bytes, &options, &mut console)?;
    if let (Some(path), Some(at)) = (&args.checkpoint, report.checkpointed_at) {
        eprintln!(
            "hartlab: checkpoint written to {} at {} ps",
            path.display(),
            at
        );
    } else if let Some(path) = &args.checkpoint {
        eprintln!(
            "hartlab: the run ended before --checkpoint-at; {} not written",
            path.display()
        );
    }
    if let (Some(path), Some(timeline)) = (&args.trace, &report.timeline) {
        let written = hartlab::trace::write_file(timeline, path)?;
        eprintln!("hartlab: {}", hartlab::trace::describe(path, &written));
    }
    if let Some(path) = &args.stats {
        if path.as_os_str() == "-" {
            print!("{}", report.stats.table());
        } else {
            let json = serde_json::to_string_pretty(&report.stats)?;
            std::fs::write(path, json + "\n")
                .with_context(|| format!("cannot write stats to {}", path.display()))?;
        }
        eprintln!(
            "hartlab: {} instructions in {:.3} s host ({:.1} MIPS)",
            report.stats.instret,
            report.host_seconds,
            report.mips()
        );
    }
    let status = match report.exit {
        Exit::Pass | Exit::Checkpointed => 0,
        Exit::Fail(code) => guest_code(code),
        other => {
            eprintln!("hartlab: {}", describe(&other));
            match other {
                Exit::MaxInsns => STATUS_MAX_INSNS,
                Exit::TrapLoop { .. } => STATUS_TRAP_LOOP,
                _ => STATUS_HUNG,
            }
        }
    };
    Ok(ExitCode::from(status))
}

/// Most points run at once per host core: each holds a whole machine and a host thread, and
/// beyond a few per core they only compete for the cores (and, in the thousands, exhaust the
/// host's threads).
const JOBS_PER_CORE: usize = 4;

fn settings(sweep: &SweepArgs) -> Result<RunSettings> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let most = JOBS_PER_CORE * cores;
    match sweep.jobs {
        Some(0) => anyhow::bail!("--jobs 0: give at least 1 (or leave it out for one per core)"),
        Some(n) if n > most => anyhow::bail!(
            "--jobs {n}: at most {most} ({JOBS_PER_CORE} per core on this host's {cores} cores)"
        ),
        _ => {}
    }
    Ok(RunSettings {
        jobs: sweep.jobs.unwrap_or(0),
        out: sweep.out.clone(),
        ..RunSettings::default()
    })
}

fn experiment(args: ExperimentArgs) -> Result<ExitCode> {
    let shard = args.shard.as_deref().map(Shard::parse).transpose()?;
    let file = find_experiment(Path::new("."), &args.file)?;
    let settings = RunSettings {
        resume: args.resume,
        profile: match (&args.profile, args.quick) {
            (Some(name), _) => Profile::from(name.clone()),
            (None, true) => Profile::Quick,
            (None, false) => Profile::Full,
        },
        only: args.only.clone(),
        shard,
        trace: args
            .trace
            .then(|| usize::try_from(args.trace_limit).unwrap_or(usize::MAX)),
        ..settings(&args.sweep)?
    };
    if args.slurm {
        return slurm(&args, &file, &settings);
    }
    let run = experiments::run_experiment(&Hartlab, &file, &settings)?;
    if !run.dropped.is_empty() {
        eprintln!(
            "hartlab: --resume dropped {} of {}: not a point record (a write cut short?); \
             the point{} counted as not done",
            experiments::store::lines_text(&run.dropped),
            run.dir.join(experiments::store::POINTS).display(),
            if run.dropped.len() == 1 {
                " it held is"
            } else {
                "s they held are"
            },
        );
    }
    let failed = run.failed().count();
    let shard = match settings.shard {
        Some(s) => format!("shard {s}: "),
        None => String::new(),
    };
    eprintln!(
        "hartlab: {shard}{} points: {} run, {} already done or filtered out, {failed} failed; {:.1} s host",
        run.total, run.ran, run.skipped, run.host_seconds
    );
    if settings.trace.is_some() {
        eprintln!(
            "hartlab: timelines of the points run are in {} (open them in ui.perfetto.dev)",
            run.dir.join(experiments::runner::TRACES).display()
        );
    }
    println!("{}", run.dir.join(experiments::store::REPORT).display());
    Ok(ExitCode::from(u8::from(failed > 0)))
}

/// `experiment --slurm`: write the array and merge jobs, then submit them or say how.
fn slurm(args: &ExperimentArgs, file: &Path, settings: &RunSettings) -> Result<ExitCode> {
    let options = SlurmOptions {
        partition: args.partition.clone(),
        time: args.time.clone(),
        array_size: args.array_size,
        cpus_per_task: args.cpus_per_task,
    };
    options.check()?;
    let plan = Plan::new(&Hartlab, file, settings)?;
    let absolute = |p: &std::path::Path| {
        std::path::absolute(p).with_context(|| format!("cannot make {} absolute", p.display()))
    };
    let job = SlurmJob {
        hartlab: std::env::current_exe().context("cannot find the hartlab executable")?,
        experiment: file
            .canonicalize()
            .with_context(|| format!("cannot read {}", file.display()))?,
        dir: absolute(&plan.dir)?,
        name: plan.exp.name.clone(),
        run_id: plan.run_id.clone(),
        profile: settings.profile.clone(),
        only: settings.only.clone(),
        shards: options.shards(plan.selected().len()),
        options,
    };
    let scripts = job.write()?;
    let sbatch = experiments::slurm::on_path("sbatch");
    match sbatch {
        Some(sbatch) if !args.dry_run => {
            let (array, merge) = experiments::slurm::submit(&sbatch, &scripts)?;
            eprintln!(
                "hartlab: submitted array job {array} ({} shards, logs in {}) and merge job {merge} into {}",
                job.shards,
                job.dir.join("slurm").display(),
                job.dir.display()
            );
            println!("{array}");
        }
        _ => {
            for path in [&scripts.array, &scripts.merge] {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("cannot read {}", path.display()))?;
                println!("# {}\n{text}", path.display());
            }
            println!("{}", job.submit_command(&scripts));
            eprintln!(
                "hartlab: wrote {} and {}; {}submit them with the command above",
                scripts.array.display(),
                scripts.merge.display(),
                if args.dry_run {
                    ""
                } else {
                    "sbatch is not on PATH: "
                }
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn merge(args: MergeArgs) -> Result<ExitCode> {
    let merged = experiments::merge::merge(&args.dirs, &args.out, args.partial)?;
    let failed = merged.records.iter().filter(|r| !r.ok()).count();
    if !merged.missing.is_empty() {
        eprintln!(
            "hartlab: merged with --partial: {}",
            experiments::merge::missing_text(&merged.missing, merged.expected)
        );
    }
    eprintln!(
        "hartlab: merged {} shards: {} of {} points, {failed} failed",
        merged.shards,
        merged.records.len(),
        merged.expected
    );
    println!("{}", merged.dir.join(experiments::store::REPORT).display());
    Ok(ExitCode::from(u8::from(failed > 0)))
}

fn plot(args: PlotArgs) -> Result<ExitCode> {
    let redrawn = experiments::report::redraw(&args.dir, args.skip_bad)?;
    let skipped = match redrawn.skipped.len() {
        0 => String::new(),
        n => format!(
            "; skipped {n} corrupt line{} of {} ({})",
            if n == 1 { "" } else { "s" },
            args.dir.join(experiments::store::POINTS).display(),
            experiments::store::lines_text(&redrawn.skipped)
        ),
    };
    eprintln!(
        "hartlab: redrew {} from {} points{skipped}",
        args.dir.display(),
        redrawn.points
    );
    Ok(ExitCode::SUCCESS)
}

fn check(args: CheckArgs) -> Result<ExitCode> {
    let file = find_experiment(Path::new("."), &args.file)?;
    let outcome = experiments::check::check(
        &Hartlab,
        &file,
        &args.baseline,
        args.bless,
        &settings(&args.sweep)?,
    )?;
    if outcome.blessed {
        eprintln!("hartlab: wrote the baseline {}", args.baseline.display());
        return Ok(ExitCode::SUCCESS);
    }
    for f in &outcome.failures {
        eprintln!("hartlab: check failed: {f}");
    }
    if outcome.failures.is_empty() {
        eprintln!(
            "hartlab: {} matches {}",
            file.display(),
            args.baseline.display()
        );
    }
    Ok(ExitCode::from(u8::from(!outcome.failures.is_empty())))
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run(args) => run(args),
        Command::Boot(args) => boot(args),
        Command::Experiment(args) => experiment(args),
        Command::Plot(args) => plot(args),
        Command::Check(args) => check(args),
        Command::Merge(args) => merge(args),
    };
    result.unwrap_or_else(|e| {
        eprintln!("hartlab: {e:#}");
        ExitCode::from(STATUS_BAD_INPUT)
    })
}
