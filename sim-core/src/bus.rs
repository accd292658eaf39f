//! The contract between the machine and memory-mapped devices.
//!
//! `sim-core` knows no specific device: a device is anything that implements [`Device`] and is
//! mapped at an address range on the [`Bus`](crate::machine::Bus). Devices see the simulated time
//! of the access, drive interrupt lines through [`IrqLines`] and may ask the machine to stop
//! through [`MachineControl`]. RAM is not a device: it has its own fast path in the hart.

use std::any::Any;

use crate::checkpoint::StateError;
use crate::dma::Dma;
use crate::time::{SimTime, Timebase};
use crate::trace::{DeviceTracer, TraceEvent, Tracer};

/// Why a device refused an access; the hart turns it into an access-fault trap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BusFault;

/// Number of low `mip` bits whose rise time is tracked.
const TIMED_BITS: usize = 16;
/// Devices that may drive the same `mip` bit of a hart.
pub const SHARED_DRIVERS: usize = 4;

/// Interrupt lines between devices and harts.
///
/// `hart_lines` are the `mip` bits driven from outside the hart (MSIP, MTIP, SEIP, MEIP ...);
/// `sources` are the platform interrupt sources (source 0 unused, as on the PLIC) whose levels
/// devices set and an interrupt controller reads.
///
/// Harts' local times differ, so a line carries the simulated times at which it last rose and
/// fell: a hart whose local time is earlier than a rise does not see the line yet, and one
/// whose time is earlier than a fall still sees it. A change is stamped with the time of the
/// access or device update that caused it (see [`IrqLines::set_now`]), or with an explicit
/// time (a timer that expired between updates). Only the latest rise and fall of each line
/// are kept.
#[derive(serde::Serialize, serde::Deserialize, Debug, Clone)]
pub struct IrqLines {
    hart_lines: Vec<u64>,
    rise: Vec<[SimTime; TIMED_BITS]>,
    fall: Vec<[SimTime; TIMED_BITS]>,
    /// Per hart, the low bits that have fallen since they last rose (those whose fall time
    /// means anything).
    fallen: Vec<u64>,
    /// Levels of the bits that several devices drive together (see
    /// [`IrqLines::set_shared_hart_line_at`]), per hart and driver.
    shared: Vec<[u64; SHARED_DRIVERS]>,
    now: SimTime,
    sources: Vec<bool>,
    sources_dirty: bool,
    /// Records line edges when on (see [`IrqLines::set_tracer`]).
    #[serde(skip)]
    tracer: Tracer,
    /// The trace track of the device driving the lines now (see [`IrqLines::set_driver`]).
    driver: u16,
}

impl IrqLines {
    /// Lines for `harts` harts and `sources` platform interrupt sources (numbered 1..sources).
    pub fn new(harts: usize, sources: usize) -> Self {
        Self {
            hart_lines: vec![0; harts],
            rise: vec![[0; TIMED_BITS]; harts],
            fall: vec![[0; TIMED_BITS]; harts],
            fallen: vec![0; harts],
            shared: vec![[0; SHARED_DRIVERS]; harts],
            now: 0,
            sources: vec![false; sources.max(1)],
            sources_dirty: false,
            tracer: Tracer::off(),
            driver: 0,
        }
    }

    /// Number of harts these lines connect.
    pub fn harts(&self) -> usize {
        self.hart_lines.len()
    }

    /// Record every line edge through `tracer` from now on.
    pub fn set_tracer(&mut self, tracer: Tracer) {
        self.tracer = tracer;
    }

    /// The tracer edges are recorded with.
    pub fn tracer(&self) -> &Tracer {
        &self.tracer
    }

    /// Attribute the edges that follow to the device on trace track `track` (the bus sets it
    /// before each call into a device).
    #[inline]
    pub fn set_driver(&mut self, track: u16) {
        self.driver = track;
    }

    /// Set the time that rising lines are stamped with (the time of the current access or
    /// device update).
    pub fn set_now(&mut self, now: SimTime) {
        self.now = now;
    }

    /// The time rising lines are stamped with now: that of the access or device update under
    /// way. An interrupt controller reads it in [`Device::sources_changed`] to time a source's
    /// edge (the task controller starts its wake-up latency there).
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// Drive the `mip` bit(s) in `mask` of `hart` to `level`, rising now. Out-of-range harts
    /// are ignored.
    pub fn set_hart_line(&mut self, hart: usize, mask: u64, level: bool) {
        let now = self.now;
        self.set_hart_line_at(hart, mask, level, now);
    }

    /// Drive the `mip` bit(s) in `mask` of `hart` to `level`; bits that change are stamped
    /// `at`.
    pub fn set_hart_line_at(&mut self, hart: usize, mask: u64, level: bool, at: SimTime) {
        let (Some(lines), Some(rise), Some(fall), Some(fallen)) = (
            self.hart_lines.get_mut(hart),
            self.rise.get_mut(hart),
            self.fall.get_mut(hart),
            self.fallen.get_mut(hart),
        ) else {
            return;
        };
        let new = if level { *lines | mask } else { *lines & !mask };
        let (rising, falling) = (new & !*lines, *lines & !new);
        for bit in 0..TIMED_BITS {
            if rising & (1 << bit) != 0 {
                rise[bit] = at;
            }
            if falling & (1 << bit) != 0 {
                fall[bit] = at;
            }
        }
        *fallen = (*fallen | falling) & !rising & ((1 << TIMED_BITS) - 1);
        *lines = new;
        if self.tracer.is_on() && rising | falling != 0 {
            self.trace_edges(hart, rising, falling, at);
        }
    }

    #[cold]
    fn trace_edges(&self, hart: usize, rising: u64, falling: u64, at: SimTime) {
        let mut changed = rising | falling;
        while changed != 0 {
            let bit = changed.trailing_zeros();
            changed &= changed - 1;
            self.tracer.record(
                at,
                TraceEvent::HartLine {
                    track: self.driver,
                    hart: hart as u32,
                    bit: bit as u8,
                    level: rising >> bit & 1 != 0,
                },
            );
        }
    }

    /// Drive the bit(s) in `mask` of `hart` as `driver` (below [`SHARED_DRIVERS`]), one of
    /// several devices that share them (the UINTC and the task controller both raise USIP):
    /// a bit is high while any driver holds it high, and keeps the time it first rose.
    pub fn set_shared_hart_line_at(
        &mut self,
        driver: usize,
        hart: usize,
        mask: u64,
        level: bool,
        at: SimTime,
    ) {
        let Some(levels) = self.shared.get_mut(hart) else {
            return;
        };
        let Some(d) = levels.get_mut(driver) else {
            return;
        };
        if level {
            *d |= mask;
        } else {
            *d &= !mask;
        }
        let high = levels.iter().fold(0, |a, &b| a | b) & mask;
        self.set_hart_line_at(hart, high, true, at);
        self.set_hart_line_at(hart, mask & !high, false, at);
    }

    /// The externally driven `mip` bits of `hart`, whatever their rise time (0 for an unknown
    /// hart).
    #[inline]
    pub fn hart_lines(&self, hart: usize) -> u64 {
        self.hart_lines.get(hart).copied().unwrap_or(0)
    }

    /// The externally driven `mip` bits of `hart` as seen at local time `t`: lines that rose
    /// later than `t` are not visible yet, lines that fell later than `t` still are.
    #[inline]
    pub fn hart_lines_at(&self, hart: usize, t: SimTime) -> u64 {
        let (Some(&lines), Some(rise), Some(fall), Some(&fallen)) = (
            self.hart_lines.get(hart),
            self.rise.get(hart),
            self.fall.get(hart),
            self.fallen.get(hart),
        ) else {
            return 0;
        };
        let mut visible = lines;
        let mut timed = lines & ((1 << TIMED_BITS) - 1);
        while timed != 0 {
            let bit = timed.trailing_zeros() as usize;
            if rise[bit] > t {
                visible &= !(1 << bit);
            }
            timed &= timed - 1;
        }
        let mut low = fallen;
        while low != 0 {
            let bit = low.trailing_zeros() as usize;
            if fall[bit] > t && rise[bit] <= t {
                visible |= 1 << bit;
            }
            low &= low - 1;
        }
        visible
    }

    /// When the raised line `bit` (below 16) of `hart` rose, if it is raised.
    pub fn rise_time(&self, hart: usize, bit: u32) -> Option<SimTime> {
        let (&lines, rise) = (self.hart_lines.get(hart)?, self.rise.get(hart)?);
        let rise = rise.get(bit as usize)?;
        (lines >> bit & 1 != 0).then_some(*rise)
    }

    /// The earliest time after `t` at which a raised line of `hart` becomes visible.
    pub fn next_rise(&self, hart: usize, t: SimTime) -> Option<SimTime> {
        let (&lines, rise) = (self.hart_lines.get(hart)?, self.rise.get(hart)?);
        (0..TIMED_BITS)
            .filter(|&bit| lines & (1 << bit) != 0 && rise[bit] > t)
            .map(|bit| rise[bit])
            .min()
    }

    /// Set the level of platform interrupt source `source`. Unknown sources are ignored.
    pub fn set_source(&mut self, source: usize, level: bool) {
        if let Some(s) = self.sources.get_mut(source) {
            if *s != level {
                *s = level;
                self.sources_dirty = true;
                self.tracer.record(
                    self.now,
                    TraceEvent::Source {
                        track: self.driver,
                        source: source as u32,
                        level,
                    },
                );
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
}

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
    /// Interrupt lines the device may drive.
    pub irq: &'a mut IrqLines,
    /// Machine control requests.
    pub control: &'a mut MachineControl,
}

/// Everything a bus-mastering device may see or touch when it is brought up to date (see
/// [`Device::advance_master`]).
pub struct AdvanceCtx<'a> {
    /// The simulated time the device is brought up to.
    pub now: SimTime,
    /// The platform timebase (`mtime`).
    pub timebase: &'a Timebase,
    /// Interrupt lines the device may drive.
    pub irq: &'a mut IrqLines,
    /// The device's access to guest RAM, at time `now`.
    pub dma: Dma<'a>,
    /// Machine control requests (a device may end the run, e.g. a load generator that is
    /// done).
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

    /// Whether the device masters memory (DMA). Its updates then get
    /// [`Device::advance_master`] instead of [`Device::advance`], and the machine treats each
    /// of its events as a possible memory access at that very time: no hart runs past a
    /// pending device event before the device has performed it, so a hart polling RAM sees
    /// a DMA write exactly from its time on, whatever `quantum_ns` (machines without such a
    /// device schedule exactly as before).
    fn masters_memory(&self) -> bool {
        false
    }

    /// Bring a bus-mastering device up to `ctx.now`, with access to RAM (called instead of
    /// [`Device::advance`] when [`Device::masters_memory`]).
    fn advance_master(&mut self, ctx: &mut AdvanceCtx) {
        self.advance(ctx.now, ctx.timebase, ctx.irq);
    }

    /// Called after any platform interrupt source changed level, so an interrupt controller
    /// can recompute its outputs.
    fn sources_changed(&mut self, _irq: &mut IrqLines) {}

    /// Cycles of the accessing hart an access (a write if `write`) at `offset` spends inside
    /// the device, on top of the interconnect's round trip (which the timing model adds for
    /// every device access). Lets a device price its operations differently.
    fn access_cycles(&self, _offset: u64, _write: bool) -> u32 {
        0
    }

    /// Whether an access (a write if `write`) at `offset` is a simulator "magic" operation,
    /// like gem5's m5ops: it does not cross the interconnect (it costs only
    /// [`Device::access_cycles`], no round trip) and changes no interrupt line or device
    /// event, so the hart keeps running its slice. It may still post a
    /// [`MachineControl::stats`] request, which stops the hart.
    fn magic(&self, _offset: u64, _write: bool) -> bool {
        false
    }

    /// Zero the device's own counters (see [`Device::counters`]) when the guest resets the
    /// statistics; high-water marks restart from the current level.
    fn reset_counters(&mut self) {}

    /// The device as [`Any`], for the board to collect device-specific results after a run
    /// (the simulator-control device's samples). `None` for devices that have none.
    fn as_any_mut(&mut self) -> Option<&mut dyn Any> {
        None
    }

    /// Device-specific statistics as (name, value) pairs, reported with the device's access
    /// counts (for example a controller's sends or queue high-water marks).
    fn counters(&self) -> Vec<(String, u64)> {
        Vec::new()
    }

    /// Hand the device its capability to record events on its own trace track (called once,
    /// when the device is mapped on a bus that traces). Devices with nothing to record beyond
    /// their interrupt lines (which the bus records) ignore it.
    fn attach_tracer(&mut self, _tracer: DeviceTracer) {}

    /// Whether input from the host (a live terminal) may still arrive at an unknown time. A
    /// machine whose harts all sleep then waits for it instead of declaring a deadlock; this
    /// is the only way host timing can enter a run.
    fn awaits_host_input(&self) -> bool {
        false
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_visible_from_their_rise_time() {
        let mut irq = IrqLines::new(2, 4);
        irq.set_now(1000);
        irq.set_hart_line(0, 1 << 3, true);
        irq.set_hart_line_at(1, 1 << 7, true, 500);
        assert_eq!(irq.hart_lines_at(0, 999), 0);
        assert_eq!(irq.hart_lines_at(0, 1000), 1 << 3);
        assert_eq!(irq.next_rise(0, 10), Some(1000));
        assert_eq!(irq.next_rise(0, 1000), None);
        assert_eq!(irq.hart_lines_at(1, 499), 0);
        assert_eq!(irq.hart_lines_at(1, 500), 1 << 7);
        // A line that stays high keeps its first rise time.
        irq.set_hart_line_at(1, 1 << 7, true, 900);
        assert_eq!(irq.hart_lines_at(1, 600), 1 << 7);
        irq.set_now(2000);
        irq.set_hart_line(1, 1 << 7, false);
        assert_eq!(irq.hart_lines(1), 0);
        // A hart still before the fall sees the line high.
        assert_eq!(irq.hart_lines_at(1, 1999), 1 << 7);
        assert_eq!(irq.hart_lines_at(1, 2000), 0);
        assert_eq!(irq.hart_lines_at(1, 499), 0);
    }

    #[test]
    fn traced_lines_record_each_edge_once_with_its_driver() {
        use crate::trace::Record;
        let tracer = Tracer::with_limit(10);
        let mut irq = IrqLines::new(2, 4);
        irq.set_hart_line(0, 1 << 1, true);
        irq.set_tracer(tracer.clone());
        irq.set_driver(3);
        irq.set_now(100);
        irq.set_hart_line(1, (1 << 7) | (1 << 3), true);
        irq.set_hart_line(1, 1 << 7, true);
        irq.set_hart_line_at(1, 1 << 3, false, 200);
        irq.set_driver(1);
        irq.set_source(2, true);
        irq.set_source(2, true);
        let line = |time, bit, level| Record {
            time,
            event: TraceEvent::HartLine {
                track: 3,
                hart: 1,
                bit,
                level,
            },
        };
        assert_eq!(
            tracer.take().unwrap().records,
            [
                line(100, 3, true),
                line(100, 7, true),
                line(200, 3, false),
                Record {
                    time: 100,
                    event: TraceEvent::Source {
                        track: 1,
                        source: 2,
                        level: true
                    }
                },
            ]
        );
    }
}
