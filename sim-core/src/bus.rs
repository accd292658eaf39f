//! The contract between the machine and memory-mapped devices, as narrow capabilities.
//!
//! `sim-core` knows no specific device. A device is anything that implements [`Device`] (its
//! name, its window size, which capabilities it has) and [`Mmio`] (guest accesses to its
//! window); it may also keep time ([`Timed`]), route platform interrupt sources to harts
//! ([`InterruptController`]) and count events of its own ([`Statistics`]). It is handed the
//! interrupt lines it drives when it is built ([`HartLine`], [`SourceLine`]) and drives them
//! through the [`Lines`] view of each call, so a device cannot touch a line it was not wired
//! to. RAM is not a device: it has its own fast path in the hart.

use std::any::Any;

use crate::checkpoint::StateError;
use crate::dma::Dma;
use crate::time::{SimTime, Timebase};
use crate::trace::DeviceTracer;

pub use crate::irq::{HartLine, IrqLines, Lines, SourceLine, SHARED_DRIVERS};

/// Why a device refused an access; the hart turns it into an access-fault trap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BusFault;

/// A request from a device to end or reset the simulation.
#[derive(serde::Serialize, serde::Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitRequest {
    /// The guest reported success.
    Pass,
    /// The guest reported failure with this code.
    Fail(u32),
    /// The guest asked for a reset.
    Reset,
}

/// A request from a device about the simulator's statistics (gem5's m5 reset/dump stats).
#[derive(serde::Serialize, serde::Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatsRequest {
    /// Zero the statistics, so that they cover a region of interest from here on.
    Reset,
    /// Snapshot the statistics into the run's results.
    Dump,
}

/// Machine-wide requests a device can make during an access.
#[derive(serde::Serialize, serde::Deserialize, Debug, Default)]
pub struct MachineControl {
    /// Set to stop the run after the current instruction.
    pub exit: Option<ExitRequest>,
    /// Set to have the machine reset or dump its statistics right after the current
    /// instruction, before the accessing hart runs on (so the cut is at a deterministic
    /// point of every hart's instruction stream).
    pub stats: Option<StatsRequest>,
    /// Whether harts run under the timing model (else functionally, one cycle per
    /// instruction). A device may switch it; harts pick the change up at the end of the
    /// access, which ends their inner loop.
    pub timed: bool,
    /// The guest event (an id the guest signals, see [`Self::guest_event`]) a checkpoint
    /// waits for. Host-side: not part of a checkpoint.
    #[serde(skip)]
    pub checkpoint_event: Option<u64>,
    /// Set once that event has been signalled: the machine pauses at its next step boundary.
    #[serde(skip)]
    pub checkpoint_due: bool,
}

impl MachineControl {
    /// A device saw the guest signal event `id` (the simulator-control EVENT register).
    pub fn guest_event(&mut self, id: u64) {
        if self.checkpoint_event == Some(id) {
            self.checkpoint_due = true;
        }
    }
}

/// When an access reaches a device: the simulated time and the accessing hart's cycle count
/// (`mcycle`) at that moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AccessAt {
    /// Simulated time.
    pub time: SimTime,
    /// The accessing hart's cycle count.
    pub cycle: u64,
}

/// Everything a device may see or touch during one access.
pub struct AccessCtx<'a> {
    /// The hart making the access.
    pub hart: usize,
    /// Simulated time of the access.
    pub now: SimTime,
    /// The accessing hart's cycle count (`mcycle`) at the access.
    pub cycle: u64,
    /// The platform timebase (`mtime`).
    pub timebase: &'a mut Timebase,
    /// The interrupt lines the device was wired to.
    pub irq: Lines<'a>,
    /// Machine control requests.
    pub control: &'a mut MachineControl,
}

/// Everything a timed device may see or touch when it is brought up to date (see
/// [`Timed::advance`]).
pub struct AdvanceCtx<'a> {
    /// The simulated time the device is brought up to.
    pub now: SimTime,
    /// The platform timebase (`mtime`).
    pub timebase: &'a Timebase,
    /// The interrupt lines the device was wired to.
    pub irq: Lines<'a>,
    /// The device's access to guest RAM at time `now`: present only for a device that
    /// [masters memory](Timed::masters_memory).
    pub dma: Option<Dma<'a>>,
    /// Machine control requests (a device may end the run, e.g. a load generator that is
    /// done).
    pub control: &'a mut MachineControl,
}

/// What an access to a device costs the accessing hart beyond the load latency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DeviceCost {
    /// Cycles spent inside the device, on top of the interconnect's round trip (which the
    /// timing model adds for every device access unless the access is magic).
    pub cycles: u32,
    /// A simulator "magic" operation, like gem5's m5ops: it does not cross the interconnect
    /// (it costs only `cycles`) and changes no interrupt line or device event, so the hart
    /// keeps running its slice. It may still post a [`MachineControl::stats`] request, which
    /// stops the hart.
    pub magic: bool,
}

/// Guest accesses to a device's register window.
///
/// Offsets are relative to the device's base address; `size` is 1, 2, 4 or 8 bytes and the
/// access is naturally aligned. A device returns [`BusFault`] for offsets or sizes it does not
/// implement; it must never panic on any offset, size or value.
pub trait Mmio {
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

    /// What an access (a write if `write`) at `offset` costs: lets a device price its
    /// operations differently and mark simulator magic operations. The default: no cycles of
    /// its own, not magic.
    fn cost(&self, _offset: u64, _write: bool) -> DeviceCost {
        DeviceCost::default()
    }
}

/// A device that changes state by itself as simulated time passes (a timer firing, a byte
/// arriving, an operation completing).
pub trait Timed {
    /// The earliest simulated time after `now` at which the device changes state by itself.
    /// The machine never runs a hart past this point without calling [`Timed::advance`]
    /// first.
    fn next_event(&self, now: SimTime, timebase: &Timebase) -> Option<SimTime>;

    /// Bring the device up to simulated time `ctx.now` and drive its lines.
    fn advance(&mut self, ctx: &mut AdvanceCtx);

    /// Whether the device masters memory (DMA). Its updates then get a [`Dma`] handle, and
    /// the machine treats each of its events as a possible memory access at that very time:
    /// no hart runs past a pending device event before the device has performed it, so a hart
    /// polling RAM sees a DMA write exactly from its time on, whatever `quantum_ns` (machines
    /// without such a device schedule exactly as before).
    fn masters_memory(&self) -> bool {
        false
    }

    /// Whether input from the host (a live terminal) may still arrive at an unknown time. A
    /// machine whose harts all sleep then waits for it instead of declaring a deadlock; this
    /// is the only way host timing can enter a run.
    fn awaits_host_input(&self) -> bool {
        false
    }
}

/// A device that routes platform interrupt sources to harts.
pub trait InterruptController {
    /// Called after any platform interrupt source changed level, so the controller can
    /// recompute its outputs; `irq.now()` is the time of the change.
    fn sources_changed(&mut self, irq: &mut Lines);
}

/// A device with counters of its own, reported with its access counts.
pub trait Statistics {
    /// The counters as (name, value) pairs (for example a controller's sends or queue
    /// high-water marks).
    fn counters(&self) -> Vec<(String, u64)>;

    /// Zero the counters when the guest resets the statistics; high-water marks restart from
    /// the current level.
    fn reset_counters(&mut self);
}

/// A device mapped on the bus: its identity, its window and which capabilities it has
/// besides [`Mmio`]. The bus asks for each capability where it needs it; a device without
/// one answers `None`.
pub trait Device: Mmio + Send {
    /// Short name used in statistics and error messages.
    fn name(&self) -> &str;

    /// Size in bytes of the register window the device decodes (the bus maps exactly this,
    /// the device tree declares it).
    fn window_size(&self) -> u64;

    /// The device as [`Timed`], if it keeps time.
    fn timed(&self) -> Option<&dyn Timed> {
        None
    }

    /// The device as a mutable [`Timed`], if it keeps time.
    fn timed_mut(&mut self) -> Option<&mut dyn Timed> {
        None
    }

    /// The device as an [`InterruptController`], if it is one.
    fn interrupt_controller(&mut self) -> Option<&mut dyn InterruptController> {
        None
    }

    /// The device's [`Statistics`], if it counts anything of its own.
    fn statistics(&self) -> Option<&dyn Statistics> {
        None
    }

    /// The device's mutable [`Statistics`], if it counts anything of its own.
    fn statistics_mut(&mut self) -> Option<&mut dyn Statistics> {
        None
    }

    /// Hand the device its capability to record events on its own trace track (called once,
    /// when the device is mapped on a bus that traces). Devices with nothing to record beyond
    /// their interrupt lines (which the bus records) ignore it.
    fn attach_tracer(&mut self, _tracer: DeviceTracer) {}

    /// The device as [`Any`], for the board to collect device-specific results after a run
    /// (the simulator-control device's samples). `None` for devices that have none.
    fn as_any_mut(&mut self) -> Option<&mut dyn Any> {
        None
    }

    /// The device's state for a checkpoint (see [`crate::checkpoint`]): everything that
    /// determines its behaviour from here on, but no host-side handles. The default: the
    /// device cannot be checkpointed.
    fn save_state(&self) -> Result<Vec<u8>, StateError> {
        Err(StateError::Unsupported(format!("device {}", self.name())))
    }

    /// Take on the state [`Self::save_state`] gave, in a device built with the same
    /// configuration, keeping this device's host-side handles (output sinks, tracers).
    fn restore_state(&mut self, _state: &[u8]) -> Result<(), StateError> {
        Err(StateError::Unsupported(format!("device {}", self.name())))
    }
}
