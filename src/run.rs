//! Running a guest ELF on the virt board to its end, and collecting what it measured
//! through the simulator-control device (samples, events, statistics dumps).

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use anyhow::{Context, Result};
use devices::sim_control::Recording;
use devices::virtio::VirtioNet;
use devices::SimControl;
use sim_core::bus::StatsRequest;
use sim_core::hart::debug::{CommitSink, CommitWindow, HartDebug};
use sim_core::machine::{CheckpointAt, Exit, Limits, Machine};
use sim_core::time::SimTime;
use sim_core::trace::Tracer;

use crate::board::{Board, Console};
use crate::checkpoint::{machine_hash, Checkpoint, CheckpointError};
use crate::resolved::ResolvedMachine;
use crate::stats::Stats;
use crate::trace::Timeline;

/// How many guest-requested resets a run follows before giving up.
pub const MAX_RESETS: u32 = 16;

/// Options of one run.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// The machine, checked.
    pub config: ResolvedMachine,
    /// Stop after this many instructions (all harts together).
    pub max_insns: Option<u64>,
    /// Stop when simulated time reaches this many picoseconds.
    pub max_sim_time: Option<SimTime>,
    /// Kernel command line for the device tree's `/chosen/bootargs`.
    pub bootargs: Option<String>,
    /// Record a timeline trace of at most this many records (`None`: no trace).
    pub trace_limit: Option<usize>,
    /// Write a commit log (Spike's `--log-commits` format) of the retired instructions.
    pub commit_log: Option<CommitLogOptions>,
    /// Serve the GDB remote protocol on this address and run under the debugger's control
    /// (the first run only: after a guest reset the machine runs without it).
    pub gdb: Option<String>,
    /// Write a checkpoint during the run.
    pub checkpoint: Option<CheckpointOptions>,
    /// Continue from this checkpoint file (written with the same machine, image and
    /// command line) instead of starting the machine afresh.
    pub restore: Option<PathBuf>,
}

/// Where and how a run writes its checkpoint.
#[derive(Debug, Clone)]
pub struct CheckpointOptions {
    /// The point (see [`CheckpointAt`]).
    pub at: CheckpointAt,
    /// The file to write.
    pub path: PathBuf,
    /// End the run once the checkpoint is written ([`Exit::Checkpointed`]).
    pub stop: bool,
}

/// Where a commit log goes and what it covers.
#[derive(Debug, Clone)]
pub struct CommitLogOptions {
    /// The file written.
    pub path: PathBuf,
    /// Which instructions of each hart are logged.
    pub window: CommitWindow,
}

/// The outcome of a run.
#[derive(Debug, Clone)]
pub struct RunReport {
    /// How it ended.
    pub exit: Exit,
    /// Statistics of the final machine.
    pub stats: Stats,
    /// Resets the guest requested (each restarts the machine from the ELF, as QEMU does).
    pub resets: u32,
    /// Host seconds the final run took (measured on the host; never part of `stats`).
    pub host_seconds: f64,
    /// What the guest recorded through the simulator-control device.
    pub recording: Recording,
    /// Statistics the guest dumped (STATS = 2), in order, up to `sim_control.max_dumps`.
    pub dumps: Vec<Stats>,
    /// Dumps beyond `sim_control.max_dumps`, not kept.
    pub dumps_dropped: u64,
    /// Simulated time (ps) of the guest's last statistics reset, 0 if none: the final
    /// statistics cover the time since.
    pub stats_since: SimTime,
    /// The final run's timeline, when [`RunOptions::trace_limit`] asked for one.
    pub timeline: Option<Timeline>,
    /// Simulated time (ps) at which the run wrote its checkpoint, if it did.
    pub checkpointed_at: Option<SimTime>,
}

impl RunReport {
    /// Millions of instructions simulated per host second.
    pub fn mips(&self) -> f64 {
        if self.host_seconds > 0.0 {
            self.stats.instret as f64 / self.host_seconds / 1e6
        } else {
            0.0
        }
    }
}

/// A human-readable description of an exit.
pub fn describe(exit: &Exit) -> String {
    match exit {
        Exit::Pass => "pass".into(),
        Exit::Fail(code) => format!("fail (code {code})"),
        Exit::Reset => "reset requested too often".into(),
        Exit::MaxInsns => "instruction limit reached".into(),
        Exit::MaxTime => "simulated-time limit reached".into(),
        Exit::TrapLoop { hart, pc } => {
            format!("hart {hart} is stuck faulting at its trap handler {pc:#x}")
        }
        Exit::Deadlock => "every hart waits for an interrupt that nothing will raise".into(),
        Exit::Checkpointed => "stopped after writing the checkpoint".into(),
    }
}

/// Run the ELF at `path` with `console` attached. The console is rebuilt by `console` for
/// each reset.
pub fn run_elf(
    path: &Path,
    options: &RunOptions,
    mut console: impl FnMut() -> Console,
) -> Result<RunReport> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let name = path.display().to_string();
    run_image(&name, &bytes, options, &mut console)
}

/// Run an in-memory ELF image named `name`.
pub fn run_image(
    name: &str,
    bytes: &[u8],
    options: &RunOptions,
    console: &mut dyn FnMut() -> Console,
) -> Result<RunReport> {
    let mut resets = 0;
    let commits: Option<(CommitSink, CommitWindow)> = match &options.commit_log {
        Some(log) => {
            let file = std::fs::File::create(&log.path).with_context(|| {
                format!(
                    "--log-commits {}: cannot create the file",
                    log.path.display()
                )
            })?;
            let out: Box<dyn std::io::Write + Send> = Box::new(BufWriter::new(file));
            Some((Arc::new(Mutex::new(out)), log.window))
        }
        None => None,
    };
    let hash = machine_hash(
        options.config.description(),
        bytes,
        options.bootargs.as_deref(),
    );
    let mut restore = match &options.restore {
        Some(path) => Some((path, Checkpoint::read(path, hash)?)),
        None => None,
    };
    // The console output so far, kept for the checkpoint while one is still to be written.
    let printed = Arc::new(Mutex::new(Vec::new()));
    let mut checkpoint = options.checkpoint.clone();
    let mut gdb = options.gdb.clone();
    loop {
        // Each restart records afresh: a trace covers the final run, as the statistics do.
        let tracer = options
            .trace_limit
            .map_or_else(Tracer::off, Tracer::with_limit);
        let mut console = console();
        if let Some((_, saved)) = &restore {
            // The continued run prints what the checkpointed one had printed.
            console.output.write_all(&saved.console)?;
            console.output.flush()?;
        }
        if checkpoint.is_some() {
            if let Some((_, saved)) = &restore {
                printed.lock().map_err(poisoned)?.clone_from(&saved.console);
            }
            console.output = Box::new(Tee {
                output: console.output,
                copy: printed.clone(),
            });
        }
        let mut board = Board::build(
            &options.config,
            name,
            bytes,
            options.bootargs.as_deref(),
            console,
            tracer.clone(),
        )?;
        let limits = Limits {
            max_insns: options.max_insns,
            max_time: options.max_sim_time,
        };
        let max_dumps = options.config.sim_control.max_dumps;
        let mut dumps = Vec::new();
        let mut dumps_dropped = 0;
        if let Some((path, saved)) = restore.take() {
            board
                .machine
                .restore_state(&saved.machine)
                .map_err(|source| CheckpointError::State {
                    path: path.clone(),
                    source,
                })?;
            dumps_dropped = saved.dumps_dropped;
            resets = saved.resets;
        }
        if let Some((sink, window)) = &commits {
            for h in &mut board.machine.harts {
                h.attach_debug(HartDebug::new().with_commit_log(sink.clone(), *window));
            }
        }
        let start = Instant::now();
        let mut checkpointed_at = None;
        let exit = match gdb.take() {
            Some(addr) => {
                let mut on_stats = |machine: &Machine, hart: usize, request| {
                    collect_dump(
                        &mut dumps,
                        &mut dumps_dropped,
                        max_dumps,
                        machine,
                        hart,
                        request,
                    )
                };
                crate::gdb::serve(&mut board.machine, limits, &mut on_stats, &addr)?
            }
            None => loop {
                board
                    .machine
                    .set_checkpoint_at(checkpoint.as_ref().map(|c| c.at));
                let mut on_stats = |machine: &Machine, hart: usize, request| {
                    collect_dump(
                        &mut dumps,
                        &mut dumps_dropped,
                        max_dumps,
                        machine,
                        hart,
                        request,
                    )
                };
                let paused = board.machine.run_until_paused(limits, &mut on_stats, None);
                if let Some(exit) = paused {
                    break exit;
                }
                if !board.machine.take_checkpoint_pause() {
                    continue;
                }
                let Some(c) = checkpoint.take() else {
                    continue;
                };
                if !dumps.is_empty() {
                    return Err(CheckpointError::AfterDumps { path: c.path }.into());
                }
                let state =
                    board
                        .machine
                        .save_state()
                        .map_err(|source| CheckpointError::State {
                            path: c.path.clone(),
                            source,
                        })?;
                Checkpoint {
                    machine_hash: hash,
                    machine: state,
                    console: printed.lock().map_err(poisoned)?.clone(),
                    dumps_dropped,
                    resets,
                }
                .write(&c.path)?;
                checkpointed_at = Some(board.machine.now());
                if c.stop {
                    break Exit::Checkpointed;
                }
            },
        };
        let host = start.elapsed().as_secs_f64();
        if let Some(h) = board.machine.harts.first() {
            h.flush_commit_log();
        }
        if exit == Exit::Reset && resets < MAX_RESETS {
            resets += 1;
            continue;
        }
        let stats = Stats::collect(&board.machine, describe(&exit));
        let mut recording = board
            .machine
            .bus
            .device_mut::<SimControl>()
            .map(SimControl::take_recording)
            .unwrap_or_default();
        // The client host's latencies join the guest's samples, after them, under their own
        // keys (`net.client.sample_key`).
        if let Some(net) = board.machine.bus.device_mut::<VirtioNet>() {
            recording.samples.extend(net.take_samples());
        }
        let timeline = tracer.take().map(|trace| Timeline {
            trace,
            harts: board.machine.harts.len(),
            end: board
                .machine
                .harts
                .iter()
                .map(|h| h.now())
                .max()
                .unwrap_or(0)
                .max(board.machine.now()),
        });
        return Ok(RunReport {
            exit,
            timeline,
            stats,
            resets,
            host_seconds: host,
            recording,
            dumps,
            dumps_dropped,
            stats_since: board.machine.stats_since(),
            checkpointed_at,
        });
    }
}

/// Serve a statistics request: keep a dump (up to `max`), count it dropped beyond.
fn collect_dump(
    dumps: &mut Vec<Stats>,
    dropped: &mut u64,
    max: usize,
    machine: &Machine,
    hart: usize,
    request: StatsRequest,
) {
    if request != StatsRequest::Dump {
        return;
    }
    if dumps.len() < max {
        let now = machine.harts[hart].now();
        let label = format!("dump {} by hart {hart}", dumps.len());
        dumps.push(Stats::collect_at(machine, now, label));
    } else {
        *dropped += 1;
    }
}

fn poisoned<T>(_: T) -> anyhow::Error {
    anyhow::anyhow!("the console recorder's lock was poisoned")
}

/// The console, with a copy of everything it prints kept for a checkpoint.
struct Tee {
    output: Box<dyn Write + Send>,
    copy: Arc<Mutex<Vec<u8>>>,
}

impl Write for Tee {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.output.write(buf)?;
        self.copy
            .lock()
            .map_err(|_| std::io::ErrorKind::Other)?
            .extend_from_slice(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.output.flush()
    }
}
