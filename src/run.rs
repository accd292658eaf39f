//! Running a guest ELF on the virt board to its end.

use std::path::Path;
use std::time::Instant;

use anyhow::{Context, Result};
use sim_core::machine::Exit;

use crate::board::{Board, Console};
use crate::config::MachineConfig;
use crate::stats::Stats;

/// How many guest-requested resets a run follows before giving up.
pub const MAX_RESETS: u32 = 16;

/// Options of one run.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// The machine.
    pub config: MachineConfig,
    /// Stop after this many instructions (all harts together).
    pub max_insns: Option<u64>,
    /// Kernel command line for the device tree's `/chosen/bootargs`.
    pub bootargs: Option<String>,
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
        Exit::TrapLoop { hart, pc } => {
            format!("hart {hart} is stuck faulting at its trap handler {pc:#x}")
        }
        Exit::Deadlock => "every hart waits for an interrupt that nothing will raise".into(),
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
    loop {
        let mut board = Board::build(
            &options.config,
            name,
            bytes,
            options.bootargs.as_deref(),
            console(),
        )?;
        let start = Instant::now();
        let exit = board.machine.run(options.max_insns);
        let host = start.elapsed().as_secs_f64();
        if exit == Exit::Reset && resets < MAX_RESETS {
            resets += 1;
            continue;
        }
        let stats = Stats::collect(&board.machine, describe(&exit));
        return Ok(RunReport {
            exit,
            stats,
            resets,
            host_seconds: host,
        });
    }
}
