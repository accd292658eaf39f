//! The contract between the machine and memory-mapped devices.
//!
//! `sim-core` knows no specific device: a device is anything that implements [`Device`] and is
//! mapped at an address range on the [`Bus`](crate::machine::Bus). Devices see the simulated time
//! of the access, drive interrupt lines through [`IrqLines`] and may ask the machine to stop
//! through [`MachineControl`]. RAM is not a device: it has its own fast path in the hart.

use crate::time::{SimTime, Timebase};

/// Why a device refused an access; the hart turns it into an access-fault trap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BusFault;

/// Interrupt lines between devices and harts.
///
/// `hart_lines` are the `mip` bits driven from outside the hart (MSIP, MTIP, SEIP, MEIP ...);
/// `sources` are the platform interrupt sources (source 0 unused, as on the PLIC) whose levels
/// devices set and an interrupt controller reads.
#[derive(Debug, Clone)]
pub struct IrqLines {
    hart_lines: Vec<u64>,
    sources: Vec<bool>,
    sources_dirty: bool,
    harts_dirty: bool,
}

impl IrqLines {
    /// Lines for `harts` harts and `sources` platform interrupt sources (numbered 1..sources).
    pub fn new(harts: usize, sources: usize) -> Self {
        Self {
            hart_lines: vec![0; harts],
            sources: vec![false; sources.max(1)],
            sources_dirty: false,
            harts_dirty: false,
        }
    }

    /// Number of harts these lines connect.
    pub fn harts(&self) -> usize {
        self.hart_lines.len()
    }

    /// Drive the `mip` bit(s) in `mask` of `hart` to `level`. Out-of-range harts are ignored.
    pub fn set_hart_line(&mut self, hart: usize, mask: u64, level: bool) {
        if let Some(lines) = self.hart_lines.get_mut(hart) {
            let new = if level { *lines | mask } else { *lines & !mask };
            if new != *lines {
                *lines = new;
                self.harts_dirty = true;
            }
        }
    }

    /// The externally driven `mip` bits of `hart` (0 for an unknown hart).
    #[inline]
    pub fn hart_lines(&self, hart: usize) -> u64 {
        self.hart_lines.get(hart).copied().unwrap_or(0)
    }

    /// Set the level of platform interrupt source `source`. Unknown sources are ignored.
    pub fn set_source(&mut self, source: usize, level: bool) {
        if let Some(s) = self.sources.get_mut(source) {
            if *s != level {
                *s = level;
                self.sources_dirty = true;
            }
        }
    }

    /// Level of platform interrupt source `source` (false for an unknown source).
    pub fn source(&self, source: usize) -> bool {
        self.sources.get(source).copied().unwrap_or(false)
    }

    /// Number of source slots (including the unused source 0).
    pub fn source_count(&self) -> usize {
        self.sources.len()
    }

    /// Whether any source changed since the last call; clears the flag.
    pub fn take_sources_dirty(&mut self) -> bool {
        std::mem::take(&mut self.sources_dirty)
    }

    /// Whether any hart line changed since the last call; clears the flag.
    pub fn take_harts_dirty(&mut self) -> bool {
        std::mem::take(&mut self.harts_dirty)
    }
}

/// A request from a device to end or reset the simulation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitRequest {
    /// The guest reported success.
    Pass,
    /// The guest reported failure with this code.
    Fail(u32),
    /// The guest asked for a reset.
    Reset,
}

/// Machine-wide requests a device can make during an access.
#[derive(Debug, Default)]
pub struct MachineControl {
    /// Set to stop the run after the current instruction.
    pub exit: Option<ExitRequest>,
}

/// Everything a device may see or touch during one access.
pub struct AccessCtx<'a> {
    /// The hart making the access.
    pub hart: usize,
    /// Simulated time of the access.
    pub now: SimTime,
    /// The platform timebase (`mtime`).
    pub timebase: &'a mut Timebase,
    /// Interrupt lines the device may drive.
    pub irq: &'a mut IrqLines,
    /// Machine control requests.
    pub control: &'a mut MachineControl,
}

/// A memory-mapped device.
///
/// Offsets are relative to the device's base address; `size` is 1, 2, 4 or 8 bytes and the
/// access is naturally aligned. A device returns [`BusFault`] for offsets or sizes it does not
/// implement; it must never panic on any offset, size or value.
pub trait Device: Send {
    /// Short name used in statistics and error messages.
    fn name(&self) -> &str;

    /// Read `size` bytes at `offset`.
    fn read(&mut self, offset: u64, size: u32, ctx: &mut AccessCtx) -> Result<u64, BusFault>;

    /// Write the low `size` bytes of `value` at `offset`.
    fn write(
        &mut self,
        offset: u64,
        size: u32,
        value: u64,
        ctx: &mut AccessCtx,
    ) -> Result<(), BusFault>;

    /// The earliest simulated time after `now` at which the device changes state by itself
    /// (a timer firing, a byte arriving). The machine never runs a hart past this point without
    /// calling [`Device::advance`] first.
    fn next_event(&self, _now: SimTime, _timebase: &Timebase) -> Option<SimTime> {
        None
    }

    /// Bring the device up to simulated time `now` and drive its lines.
    fn advance(&mut self, _now: SimTime, _timebase: &Timebase, _irq: &mut IrqLines) {}

    /// Called after any platform interrupt source changed level, so an interrupt controller
    /// can recompute its outputs.
    fn sources_changed(&mut self, _irq: &mut IrqLines) {}

    /// Whether input from the host (a live terminal) may still arrive at an unknown time. A
    /// machine whose harts all sleep then waits for it instead of declaring a deadlock; this
    /// is the only way host timing can enter a run.
    fn awaits_host_input(&self) -> bool {
        false
    }
}
