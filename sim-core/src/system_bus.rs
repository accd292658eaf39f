//! The system bus: RAM, the memory-mapped devices, interrupt lines, the timebase, LR/SC
//! reservations and the HTIF `tohost` mailbox, shared by all harts.
//!
//! Harts reach RAM directly through their software TLBs; everything else comes here on the
//! slow path. Devices are trait objects, which is fine because MMIO is rare next to RAM traffic.

use std::cell::Cell;
use std::io::Write;

use crate::bus::{
    AccessAt, AccessCtx, AdvanceCtx, BusFault, Device, ExitRequest, IrqLines, Lines, MachineControl,
};
use crate::checkpoint::{self, StateError};
use crate::dma::Dma;
use crate::memory::{CodeWatch, Ram};
use crate::time::{SimTime, Timebase};
use crate::timing::cache::{HierarchyConfig, MemoryHierarchy};
use crate::trace::{DeviceTracer, Tracer};

/// Error when mapping a device.
#[derive(Debug, thiserror::Error)]
pub enum MapError {
    /// The new region overlaps an existing one or RAM.
    #[error("device {name} at {base:#x}+{size:#x} overlaps {other}")]
    Overlap {
        /// New device name.
        name: String,
        /// Base address.
        base: u64,
        /// Size.
        size: u64,
        /// The region it collides with.
        other: String,
    },
}

struct Region {
    base: u64,
    size: u64,
    device: Box<dyn Device>,
    /// Whether the device masters memory (asked once, when it is mapped).
    masters_memory: bool,
    reads: u64,
    writes: u64,
    /// The device's trace track (0 when not tracing).
    track: u16,
}

/// Access counts of one device, for statistics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceAccesses {
    /// Device name.
    pub name: String,
    /// Base address.
    pub base: u64,
    /// Reads served.
    pub reads: u64,
    /// Writes served.
    pub writes: u64,
    /// The device's own counters (see [`Statistics`](crate::bus::Statistics)).
    pub counters: Vec<(String, u64)>,
}

pub use crate::bus::DeviceCost;

/// The Host-Target Interface mailbox of riscv-tests style programs.
struct Htif {
    tohost: u64,
    fromhost: Option<u64>,
    console: Box<dyn Write + Send>,
}

/// RAM, devices and shared hart state.
pub struct SystemBus {
    /// Guest RAM.
    pub ram: Ram,
    regions: Vec<Region>,
    /// Interrupt lines.
    pub irq: IrqLines,
    /// The platform timebase (`mtime`).
    pub timebase: Timebase,
    /// Exit or reset requests from devices.
    pub control: MachineControl,
    reservations: Vec<Option<u64>>,
    /// Bumped whenever a reservation is made, so harts drop store-TLB entries that could
    /// bypass the reservation check.
    reservation_gen: u64,
    htif: Option<Htif>,
    /// The latest time devices have been advanced to.
    device_time: SimTime,
    /// The last [`SystemBus::next_event`] answer (asked at, answer), valid until a device
    /// changes (cleared wherever one may) or time reaches the answer: harts and the machine
    /// ask after every slice, and asking every device is the dearer part.
    next_event_memo: Cell<Option<(SimTime, Option<SimTime>)>>,
    /// See [`SystemBus::device_gen`].
    device_gen: u64,
    /// The timing model's caches, shared by the harts (consulted only when running timed).
    pub caches: MemoryHierarchy,
    /// The run's timeline trace (off unless [`SystemBus::set_tracer`] turned it on).
    tracer: Tracer,
    /// Whether a mapped device masters memory (see [`Timed::masters_memory`]).
    ///
    /// [`Timed::masters_memory`]: crate::bus::Timed::masters_memory
    memory_masters: bool,
}

/// Size of a reservation set: LR/SC reserve an aligned 8-byte granule.
const RESERVATION_GRANULE: u64 = 8;

/// The bus's part of a checkpoint.
#[derive(serde::Serialize, serde::Deserialize)]
struct BusState {
    ram_size: u64,
    /// RAM's non-zero 4 KiB pages.
    pages: Vec<(u64, Vec<u8>)>,
    /// RAM's pages watched for code.
    code_watch: CodeWatch,
    /// Each device's name, access counts and own state, in mapping order.
    devices: Vec<(String, u64, u64, Vec<u8>)>,
    irq: IrqLines,
    timebase: Timebase,
    control: MachineControl,
    reservations: Vec<Option<u64>>,
    reservation_gen: u64,
    device_time: SimTime,
    device_gen: u64,
    caches: MemoryHierarchy,
}

impl SystemBus {
    /// A bus with `ram`, `harts` harts and `irq_sources` platform interrupt sources.
    pub fn new(ram: Ram, harts: usize, irq_sources: usize, timebase: Timebase) -> Self {
        Self {
            ram,
            regions: Vec::new(),
            irq: IrqLines::new(harts, irq_sources),
            timebase,
            control: MachineControl::default(),
            reservations: vec![None; harts],
            reservation_gen: 0,
            htif: None,
            device_time: 0,
            next_event_memo: Cell::new(None),
            device_gen: 0,
            caches: MemoryHierarchy::new(harts.max(1), &HierarchyConfig::default())
                .expect("the default memory hierarchy is valid"),
            tracer: Tracer::off(),
            memory_masters: false,
        }
    }

    /// Record the run's timeline through `tracer`: every device gets a track (those mapped
    /// already and those mapped later) and its [`DeviceTracer`], the interrupt lines record
    /// their edges, and the machine hands the tracer to its harts.
    pub fn set_tracer(&mut self, tracer: Tracer) {
        self.irq.set_tracer(tracer.clone());
        for r in &mut self.regions {
            r.track = tracer.add_track(r.device.name());
            r.device
                .attach_tracer(DeviceTracer::new(tracer.clone(), r.track));
        }
        self.tracer = tracer;
    }

    /// The run's tracer (off unless set).
    pub fn tracer(&self) -> &Tracer {
        &self.tracer
    }

    /// Map `device` at `[base, base + size)`, `size` being the device's window size.
    pub fn map(&mut self, base: u64, mut device: Box<dyn Device>) -> Result<(), MapError> {
        let size = device.window_size();
        let end = base.saturating_add(size);
        let overlaps = |b: u64, s: u64| base < b.saturating_add(s) && b < end;
        let other = if overlaps(self.ram.base(), self.ram.size()) {
            Some("RAM".to_string())
        } else {
            self.regions
                .iter()
                .find(|r| overlaps(r.base, r.size))
                .map(|r| r.device.name().to_string())
        };
        if let Some(other) = other {
            return Err(MapError::Overlap {
                name: device.name().to_string(),
                base,
                size,
                other,
            });
        }
        self.devices_changed();
        let masters_memory = device.timed().is_some_and(|t| t.masters_memory());
        self.memory_masters |= masters_memory;
        let track = self.tracer.add_track(device.name());
        if self.tracer.is_on() {
            device.attach_tracer(DeviceTracer::new(self.tracer.clone(), track));
        }
        self.regions.push(Region {
            base,
            size,
            device,
            masters_memory,
            reads: 0,
            writes: 0,
            track,
        });
        Ok(())
    }

    /// Attach the HTIF mailbox at the ELF's `tohost`/`fromhost` symbols.
    pub fn set_htif(&mut self, tohost: u64, fromhost: Option<u64>, console: Box<dyn Write + Send>) {
        self.htif = Some(Htif {
            tohost,
            fromhost,
            console,
        });
    }

    /// Whether stores to the page at `page` must take the slow path (HTIF mailbox).
    #[inline]
    pub fn store_watched(&self, page: u64) -> bool {
        self.htif
            .as_ref()
            .is_some_and(|h| h.tohost & !0xfff == page)
            || self
                .reservations
                .iter()
                .any(|r| r.is_some_and(|a| a & !0xfff == page))
    }

    /// What an access at physical `addr` costs: the device's own cycles, and whether it is a
    /// magic operation that skips the interconnect (see [`DeviceCost`]).
    pub fn device_cost(&self, addr: u64, write: bool) -> DeviceCost {
        self.regions
            .iter()
            .find(|r| addr >= r.base && addr - r.base < r.size)
            .map_or(DeviceCost::default(), |r| {
                r.device.cost(addr - r.base, write)
            })
    }

    /// Read from a device at physical `addr` on behalf of `hart` at `at`.
    pub fn mmio_read(
        &mut self,
        hart: usize,
        at: AccessAt,
        addr: u64,
        size: u32,
    ) -> Result<u64, BusFault> {
        self.device_access(hart, at, addr, size, false, |dev, offset, ctx| {
            dev.read(offset, size, ctx)
        })
    }

    /// Write to a device at physical `addr` on behalf of `hart` at `at`.
    pub fn mmio_write(
        &mut self,
        hart: usize,
        at: AccessAt,
        addr: u64,
        size: u32,
        value: u64,
    ) -> Result<(), BusFault> {
        self.device_access(hart, at, addr, size, true, |dev, offset, ctx| {
            dev.write(offset, size, value, ctx)
        })
    }

    /// Find the device mapped at `[addr, addr + size)`, count the access, run it with an
    /// access context at time `now`, then let interrupt controllers see any source change.
    fn device_access<R>(
        &mut self,
        hart: usize,
        at: AccessAt,
        addr: u64,
        size: u32,
        write: bool,
        access: impl FnOnce(&mut dyn Device, u64, &mut AccessCtx) -> Result<R, BusFault>,
    ) -> Result<R, BusFault> {
        // Device events due by the access's time happen before it.
        self.advance(at.time);
        self.devices_changed();
        let Self {
            regions,
            irq,
            timebase,
            control,
            ..
        } = self;
        let region = regions
            .iter_mut()
            .find(|r| addr >= r.base && addr.saturating_add(size as u64) <= r.base + r.size)
            .ok_or(BusFault)?;
        if write {
            region.writes += 1;
        } else {
            region.reads += 1;
        }
        irq.set_now(at.time);
        irq.set_driver(region.track);
        let mut ctx = AccessCtx {
            hart,
            now: at.time,
            cycle: at.cycle,
            timebase,
            irq: Lines::new(irq),
            control,
        };
        let result = access(region.device.as_mut(), addr - region.base, &mut ctx);
        self.propagate_sources();
        result
    }

    /// Let interrupt controllers react to source level changes.
    fn propagate_sources(&mut self) {
        // Bounded: a controller reacting to its own outputs settles in a few rounds.
        for _ in 0..4 {
            if !self.irq.take_sources_dirty() {
                break;
            }
            self.devices_changed();
            for r in &mut self.regions {
                if let Some(controller) = r.device.interrupt_controller() {
                    self.irq.set_driver(r.track);
                    controller.sources_changed(&mut Lines::new(&mut self.irq));
                }
            }
        }
    }

    /// A device may have changed: forget the memo of [`Self::next_event`] and count a new
    /// device generation.
    fn devices_changed(&mut self) {
        self.next_event_memo.set(None);
        self.device_gen += 1;
    }

    /// Counts changes of device state (accesses, updates, interrupt lines): a caller that saw
    /// the same generation before knows nothing changed since.
    pub fn device_gen(&self) -> u64 {
        self.device_gen
    }

    /// The latest time devices have been brought up to.
    pub fn device_time(&self) -> SimTime {
        self.device_time
    }

    /// Earliest device event after `now`.
    pub fn next_event(&self, now: SimTime) -> Option<SimTime> {
        if let Some((asked, answer)) = self.next_event_memo.get() {
            if now >= asked && answer.is_none_or(|e| now < e) {
                return answer;
            }
        }
        // An event a device reports before the devices' time (work that became possible at
        // an access, such as frames waiting for receive buffers the driver just posted) is
        // due now: the next `advance` performs it, rather than never (`advance` does not go
        // back in time).
        let answer = self
            .regions
            .iter()
            .filter_map(|r| r.device.timed()?.next_event(now, &self.timebase))
            .min()
            .map(|e| e.max(self.device_time));
        self.next_event_memo.set(Some((now, answer)));
        answer
    }

    /// Bring every device up to `now`. Device time never goes back: a hart that lags the
    /// others in its quantum sees device updates through the rise times of the lines instead.
    pub fn advance(&mut self, now: SimTime) {
        if now < self.device_time {
            return;
        }
        self.device_time = now;
        self.devices_changed();
        self.irq.set_now(now);
        let timed = self.control.timed;
        for r in &mut self.regions {
            let Some(device) = r.device.timed_mut() else {
                continue;
            };
            self.irq.set_driver(r.track);
            // The caches are kept coherent only while harts use them (timed mode).
            let dma = r.masters_memory.then(|| {
                Dma::new(
                    &mut self.ram,
                    timed.then_some(&mut self.caches),
                    &mut self.reservations,
                )
            });
            device.advance(&mut AdvanceCtx {
                now,
                timebase: &self.timebase,
                irq: Lines::new(&mut self.irq),
                dma,
                control: &mut self.control,
            });
        }
        self.propagate_sources();
    }

    /// Whether a mapped device masters memory: its events then bound how far harts run
    /// ahead (see [`Timed::masters_memory`](crate::bus::Timed::masters_memory)).
    pub fn has_memory_masters(&self) -> bool {
        self.memory_masters
    }

    /// Whether some device may still receive host input (see
    /// [`Timed::awaits_host_input`](crate::bus::Timed::awaits_host_input)).
    pub fn awaits_host_input(&self) -> bool {
        self.regions
            .iter()
            .any(|r| r.device.timed().is_some_and(|t| t.awaits_host_input()))
    }

    /// Zero the access counts and every device's own counters (a statistics reset).
    pub fn reset_device_counters(&mut self) {
        self.devices_changed();
        for r in &mut self.regions {
            r.reads = 0;
            r.writes = 0;
            if let Some(stats) = r.device.statistics_mut() {
                stats.reset_counters();
            }
        }
    }

    /// The bus's state for a checkpoint: RAM as a sparse image, every device's state, the
    /// interrupt lines, reservations and caches.
    pub fn save_state(&self) -> Result<Vec<u8>, StateError> {
        let devices = self
            .regions
            .iter()
            .map(|r| {
                let state = r.device.save_state()?;
                Ok((r.device.name().to_string(), r.reads, r.writes, state))
            })
            .collect::<Result<_, StateError>>()?;
        Ok(checkpoint::encode(&BusState {
            ram_size: self.ram.size(),
            pages: checkpoint::sparse_pages(self.ram.bytes(), self.ram.touched().as_deref()),
            code_watch: self.ram.code_watch(),
            devices,
            irq: self.irq.clone(),
            timebase: self.timebase,
            control: MachineControl {
                exit: self.control.exit,
                stats: self.control.stats,
                timed: self.control.timed,
                ..MachineControl::default()
            },
            reservations: self.reservations.clone(),
            reservation_gen: self.reservation_gen,
            device_time: self.device_time,
            device_gen: self.device_gen,
            caches: self.caches.clone(),
        }))
    }

    /// Take on the state [`Self::save_state`] gave, in a bus built with the same RAM size
    /// and devices; host-side handles (tracers, consoles) stay.
    pub fn restore_state(&mut self, bytes: &[u8]) -> Result<(), StateError> {
        let state: BusState = checkpoint::decode(bytes)?;
        let mismatch = |what: String| Err(StateError::Mismatch(what));
        if state.ram_size != self.ram.size() {
            return mismatch(format!(
                "{} bytes of RAM, not {}",
                state.ram_size,
                self.ram.size()
            ));
        }
        if state.devices.len() != self.regions.len()
            || state.reservations.len() != self.reservations.len()
            || state.irq.harts() != self.irq.harts()
        {
            return mismatch("other devices or harts".into());
        }
        for (r, (name, reads, writes, device)) in self.regions.iter_mut().zip(&state.devices) {
            if name != r.device.name() {
                return mismatch(format!(
                    "device {name} where this one has {}",
                    r.device.name()
                ));
            }
            r.device.restore_state(device)?;
            r.reads = *reads;
            r.writes = *writes;
        }
        // Fresh zeroed RAM (costing nothing until touched), then the saved pages.
        self.ram = Ram::new(self.ram.base(), self.ram.size())
            .map_err(|e| StateError::Unsupported(e.to_string()))?;
        let ram = self.ram.bytes_mut();
        for (at, saved) in &state.pages {
            let start = usize::try_from(*at)
                .ok()
                .and_then(|i| i.checked_mul(checkpoint::PAGE))
                .filter(|&s| s <= ram.len() && ram.len() - s >= saved.len());
            match start {
                Some(s) if saved.len() <= checkpoint::PAGE => {
                    ram[s..s + saved.len()].copy_from_slice(saved)
                }
                _ => return Err(StateError::Corrupt("a RAM page out of range".into())),
            }
        }
        if !self.ram.set_code_watch(&state.code_watch) {
            return Err(StateError::Corrupt(
                "a watched RAM page out of range".into(),
            ));
        }
        let tracer = self.irq.tracer().clone();
        self.irq = state.irq;
        self.irq.set_tracer(tracer);
        self.timebase = state.timebase;
        self.control.exit = state.control.exit;
        self.control.stats = state.control.stats;
        self.control.timed = state.control.timed;
        self.reservations = state.reservations;
        self.reservation_gen = state.reservation_gen;
        self.device_time = state.device_time;
        self.device_gen = state.device_gen;
        self.next_event_memo.set(None);
        self.caches = state.caches;
        Ok(())
    }

    /// The first mapped device of type `T`, for collecting its results after a run.
    pub fn device_mut<T: 'static>(&mut self) -> Option<&mut T> {
        self.devices_changed();
        self.regions
            .iter_mut()
            .find_map(|r| r.device.as_any_mut()?.downcast_mut::<T>())
    }

    /// Per-device access counts.
    pub fn device_accesses(&self) -> Vec<DeviceAccesses> {
        self.regions
            .iter()
            .map(|r| DeviceAccesses {
                name: r.device.name().to_string(),
                base: r.base,
                reads: r.reads,
                writes: r.writes,
                counters: r.device.statistics().map_or(Vec::new(), |s| s.counters()),
            })
            .collect()
    }

    /// Current reservation generation (see `reservation_gen`).
    #[inline]
    pub fn reservation_gen(&self) -> u64 {
        self.reservation_gen
    }

    /// Record an LR reservation of `hart` on physical `addr`.
    pub fn reserve(&mut self, hart: usize, addr: u64) {
        if let Some(r) = self.reservations.get_mut(hart) {
            *r = Some(addr & !(RESERVATION_GRANULE - 1));
            self.reservation_gen += 1;
        }
    }

    /// Consume `hart`'s reservation: whether it covered `addr`.
    pub fn take_reservation(&mut self, hart: usize, addr: u64) -> bool {
        self.reservations
            .get_mut(hart)
            .and_then(Option::take)
            .is_some_and(|a| a == addr & !(RESERVATION_GRANULE - 1))
    }

    /// A store by `hart` to `[addr, addr + size)` breaks other harts' reservations on it.
    #[inline]
    pub fn store_seen(&mut self, hart: usize, addr: u64, size: u32) {
        let first = addr & !(RESERVATION_GRANULE - 1);
        let last = (addr + size as u64 - 1) & !(RESERVATION_GRANULE - 1);
        for (h, r) in self.reservations.iter_mut().enumerate() {
            if h != hart && r.is_some_and(|a| a == first || a == last) {
                *r = None;
            }
        }
    }

    /// Handle a store that landed in RAM at `addr`, if it hit the HTIF mailbox.
    pub fn htif_store(&mut self, addr: u64) {
        let Some(htif) = self.htif.as_mut() else {
            return;
        };
        if addr & !7 != htif.tohost {
            return;
        }
        let Some(value) = self.ram.read(htif.tohost, 8) else {
            return;
        };
        if value == 0 {
            return;
        }
        let device = value >> 56;
        let cmd = (value >> 48) & 0xff;
        let payload = value & 0xffff_ffff_ffff;
        let mut reply = None;
        match (device, cmd) {
            (0, 0) if payload & 1 == 1 => {
                let code = payload >> 1;
                self.control.exit = Some(if code == 0 {
                    ExitRequest::Pass
                } else {
                    ExitRequest::Fail(code.min(u32::MAX as u64) as u32)
                });
            }
            (0, 0) => {
                // A pointer to a syscall block: [which, arg0, arg1, arg2, ...]; only write(fd, buf, len).
                let block = payload;
                let word = |i: u64| self.ram.read(block + 8 * i, 8);
                if let (Some(64), Some(_fd), Some(buf), Some(len)) =
                    (word(0), word(1), word(2), word(3))
                {
                    if let Some(bytes) = self.ram.slice(buf, len) {
                        let _ = htif.console.write_all(bytes);
                        let _ = htif.console.flush();
                        self.ram.write(block, 8, len);
                    }
                }
                reply = Some(1);
            }
            (1, 1) => {
                let _ = htif.console.write_all(&[value as u8]);
                let _ = htif.console.flush();
                reply = Some((1 << 56) | (1 << 48));
            }
            _ => {}
        }
        self.ram.write(htif.tohost, 8, 0);
        if let (Some(reply), Some(fromhost)) = (reply, htif.fromhost) {
            self.ram.write(fromhost, 8, reply);
        }
    }
}
