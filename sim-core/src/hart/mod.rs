//! A RISC-V hart: RV64GC (IMAFDC + Zicsr + Zifencei) + Zicntr with M, S and U modes, Sv39,
//! PMP and Sstc.
//!
//! The hart runs in slices up to a simulated-time horizon given by the machine. Inside a slice
//! the functional loop runs predecoded blocks (see [`block`]), translating and checking once
//! per block; the timed loop fetches each instruction through the software TLB, looks the
//! encoding up in a decode cache and charges it to the timing model. Both dispatch once per
//! instruction on the operation, and anything that may change interrupt state (CSR writes,
//! xRET, traps, MMIO, WFI) ends the slice so interrupts are re-evaluated at the next
//! instruction boundary.

mod block;
pub mod csr;
pub mod debug;
mod execute;
pub mod fpu;
pub mod mmu;
mod ordering;
pub mod pmp;
pub mod trap;
pub mod uintr;

use crate::bus::AccessAt;
use crate::isa::decode::{self, decode, Insn, Op};
pub use crate::isa::Priv;
use crate::system_bus::SystemBus;
use crate::time::{Clock, SimTime};
use crate::timing::branch::ControlKind;
use crate::timing::cache::Access;
use crate::timing::core::{div_operands, Issue};
use crate::timing::{mode_index, DecodedTiming, HartTiming, HartTimingStats, Landing};
use crate::trace::{TraceEvent, Tracer};
use csr::CsrFile;
use mmu::{SoftTlb, Target};
pub use ordering::PerformLimit;
use ordering::SharedOrder;
use pmp::{AccessKind, Pmp};
use trap::{Exception, TrapCounts};
use uintr::UintrStats;

/// Why [`Hart::run`] returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HartStop {
    /// The hart reached the horizon (or is asleep in WFI until then).
    Horizon,
    /// A device asked the machine to stop.
    ExitRequested,
    /// A device asked the machine to reset or dump its statistics (see
    /// `MachineControl::stats`); the hart stopped right after the instruction that asked.
    StatsRequested,
    /// The hart is stuck in a loop of faults in its trap handler.
    TrapLoop,
    /// The hart's next access reaches the shared level later than the machine allows (see
    /// [`Hart::run_ordered`]); it waits for the others.
    Stalled,
    /// The hart stopped for the debugger (see [`debug::HartDebug::stop`]).
    Debug,
}

/// Identical faults in a row (see [`Hart::exception`]) after which the hart is declared stuck.
const TRAP_LOOP_LIMIT: u32 = 1000;

const DECODE_BITS: u32 = 13;

#[derive(Clone, Copy)]
#[repr(C, align(16))]
struct DecodeEntry {
    insn: Insn,
    raw: u32,
    /// Length in bytes. Kept here rather than derived from `raw` so the next pc depends only
    /// on this entry (found by pc), not on the slower load of the instruction bits.
    len: u32,
}

/// A memo of decoded encodings, indexed by pc and tagged by the raw bits, so it never needs
/// invalidating (self-modifying code simply presents new bits) while the dispatch only waits
/// for the pc: the fetched bits are compared off the critical path.
struct DecodeCache {
    entries: Box<[DecodeEntry]>,
    /// The timing model's view of each entry, filled with it (read only when timed).
    timing: Box<[DecodedTiming]>,
}

impl Default for DecodeCache {
    fn default() -> Self {
        Self::new()
    }
}

impl DecodeCache {
    fn new() -> Self {
        let empty = DecodeEntry {
            insn: decode(0),
            raw: 0,
            len: 2,
        };
        Self {
            entries: vec![empty; 1 << DECODE_BITS].into_boxed_slice(),
            timing: vec![DecodedTiming::of(&empty.insn); 1 << DECODE_BITS].into_boxed_slice(),
        }
    }

    #[inline(always)]
    fn index(pc: u64) -> usize {
        (pc >> 1) as usize & ((1 << DECODE_BITS) - 1)
    }

    /// The timing view of the entry [`Self::get`] last returned for `pc`.
    #[inline(always)]
    fn timing(&self, pc: u64) -> DecodedTiming {
        // SAFETY: `index` < 2^DECODE_BITS = timing.len().
        unsafe { *self.timing.get_unchecked(Self::index(pc)) }
    }

    #[inline(always)]
    fn get(&mut self, pc: u64, raw: u32) -> (Insn, u32) {
        let i = Self::index(pc);
        // SAFETY: `i` < 2^DECODE_BITS = entries.len().
        let e = unsafe { self.entries.get_unchecked_mut(i) };
        if e.raw != raw {
            *e = DecodeEntry {
                insn: decode(raw),
                raw,
                len: decode::insn_len(raw) as u32,
            };
            self.timing[i] = DecodedTiming::of(&e.insn);
        }
        (e.insn, e.len)
    }
}

/// A fetched and decoded instruction.
#[derive(Clone, Copy)]
struct Fetched {
    insn: Insn,
    raw: u32,
    len: u32,
}

/// Per-hart statistics.
#[derive(Debug, Clone, Default)]
pub struct HartStats {
    /// Cycles elapsed (including WFI idle cycles).
    pub cycles: u64,
    /// Instructions retired.
    pub instret: u64,
    /// Cycles spent asleep in WFI.
    pub wfi_cycles: u64,
    /// Traps taken.
    pub traps: TrapCounts,
    /// Page-table walks.
    pub tlb_walks: u64,
    /// Software-TLB fills.
    pub tlb_fills: u64,
    /// Cycles spent in M, S and U mode (WFI sleep counts for the mode that slept).
    pub mode_cycles: [u64; 3],
    /// The timing model's statistics (all zero for a hart that only ran functionally).
    pub timing: HartTimingStats,
    /// User-interrupt statistics.
    pub uintr: UintrStats,
}

/// One aligned part of a misaligned access performed in hardware: physical address and
/// length in bytes.
type Part = (u64, u32);

/// One hardware thread.
#[derive(serde::Serialize, serde::Deserialize)]
pub struct Hart {
    /// Hart id (`mhartid`).
    pub id: usize,
    /// x0..x31, then a write-only sink that decoding maps `rd = x0` to (see `decode::RD_SINK`),
    /// so x0 stays zero without a store per instruction; padded to 64 for mask indexing.
    #[serde(with = "crate::checkpoint::array")]
    x: [u64; 64],
    pc: u64,
    privilege: Priv,
    csr: CsrFile,
    pmp: Pmp,
    tlb: SoftTlb,
    /// A memo of pure functions of the instruction bits: not state.
    #[serde(skip)]
    decode_cache: DecodeCache,
    /// Predecoded blocks of the functional loop: a memo of RAM's contents, not state.
    #[serde(skip)]
    blocks: block::BlockCache,
    /// RAM's count of pages watched for code when this hart's store TLB last dropped the
    /// entries that may map them (see [`crate::memory::Ram::watched_pages`]).
    seen_watched: u64,
    /// Set when this hart wrote a page that code was decoded from: the functional loop runs
    /// nothing more of the current block (see [`Hart::code_stored`]).
    #[serde(skip)]
    code_written: bool,
    clock: Clock,
    cycle: u64,
    instret: u64,
    wfi_cycles: u64,
    /// Asleep in WFI.
    wfi: bool,
    /// The inner loop runs while `cycle < slice_end`; anything that may change interrupt
    /// state sets it to 0 to leave the loop at the next instruction boundary.
    slice_end: u64,
    /// The next time the hart must stop to let devices (or its own stimecmp) catch up.
    deadline_dirty: bool,
    deadline_cycle: u64,
    data_tag: u64,
    fetch_tag: u64,
    seen_reservation_gen: u64,
    traps: TrapCounts,
    /// The last exception (pc, cause), to detect a handler that faults forever.
    last_fault: (u64, u64),
    instret_at_trap: u64,
    trap_loop: u32,
    /// Perform misaligned loads and stores (as QEMU does) instead of raising
    /// address-misaligned exceptions (as most boards do, leaving them to the firmware).
    misaligned_in_hardware: bool,
    /// Running under the timing model (mirrors the machine's mode while in [`Hart::run`]).
    timed: bool,
    /// What to add to a host pointer into RAM to get its physical address.
    host_to_phys: u64,
    /// `satp` when fetches, respectively loads and stores, are translated; 0 when not.
    fetch_satp: u64,
    data_satp: u64,
    timing: Box<HartTiming>,
    /// Ordering of the accesses that leave the hart's own TLBs and L1s.
    order: SharedOrder,
    /// Return to the machine after a device access (exact interleaving: other harts'
    /// next actions may have changed).
    yield_after_device: bool,
    /// Set by a device access under exact interleaving: return to the machine.
    yielding: bool,
    /// Cycles spent in M, S, U (see `mode_index`) up to `mode_since`.
    mode_cycles: [u64; 3],
    mode_since: u64,
    uintr: UintrStats,
    /// `cycle` and `instret` when the statistics were last reset.
    stats_base: (u64, u64),
    /// f0..f31 (single-precision values NaN-boxed); after the hot integer state.
    f: [u64; 32],
    /// Records traps, xRETs and WFI sleeps on the run's timeline (off unless tracing).
    #[serde(skip)]
    tracer: Tracer,
    /// Debugging and commit logging (`None`: the ordinary loops run, at no cost).
    #[serde(skip)]
    debug: Option<Box<debug::HartDebug>>,
    /// The hart returned from a slice for the debugger: its next slice continues that one.
    #[serde(skip)]
    debug_resumed: bool,
}

impl Hart {
    /// A hart with id `id` clocked by `clock`, reset to M mode at `pc`, timed by `timing`
    /// when the machine runs timed.
    pub fn new(id: usize, clock: Clock, pc: u64, timing: HartTiming) -> Self {
        let order = SharedOrder::new(timing.lookahead(), timing.max_reach());
        let mut h = Self {
            id,
            x: [0; 64],
            f: [0; 32],
            pc,
            privilege: Priv::M,
            csr: CsrFile::new(),
            pmp: Pmp::default(),
            tlb: SoftTlb::new(),
            decode_cache: DecodeCache::new(),
            blocks: block::BlockCache::default(),
            seen_watched: 0,
            code_written: false,
            clock,
            cycle: 0,
            instret: 0,
            wfi_cycles: 0,
            wfi: false,
            slice_end: 0,
            deadline_dirty: true,
            deadline_cycle: u64::MAX,
            data_tag: 0,
            fetch_tag: 0,
            seen_reservation_gen: 0,
            traps: TrapCounts::default(),
            last_fault: (u64::MAX, 0),
            instret_at_trap: 0,
            trap_loop: 0,
            misaligned_in_hardware: false,
            timed: false,
            host_to_phys: 0,
            fetch_satp: 0,
            data_satp: 0,
            timing: Box::new(timing),
            order,
            yield_after_device: false,
            yielding: false,
            mode_cycles: [0; 3],
            mode_since: 0,
            uintr: UintrStats::default(),
            stats_base: (0, 0),
            tracer: Tracer::off(),
            debug: None,
            debug_resumed: false,
        };
        h.mmu_context_changed();
        h
    }

    /// The hart's state for a checkpoint (see [`crate::checkpoint`]): registers, CSRs, TLBs,
    /// timing model and statistics; not its tracer or debugger hooks.
    pub fn save_state(&self) -> Vec<u8> {
        crate::checkpoint::encode(self)
    }

    /// Take on the state [`Self::save_state`] gave, in a hart of the same machine on `bus`,
    /// keeping this hart's tracer and debugger hooks. The decoded-instruction memo starts
    /// empty, which changes nothing but host time.
    pub fn restore_state(
        &mut self,
        bytes: &[u8],
        bus: &SystemBus,
    ) -> Result<(), crate::checkpoint::StateError> {
        let mut saved: Hart = crate::checkpoint::decode(bytes)?;
        if saved.id != self.id || saved.clock != self.clock {
            return Err(crate::checkpoint::StateError::Mismatch(format!(
                "hart {} at {} Hz where this machine has hart {} at {} Hz",
                saved.id,
                saved.clock.hz(),
                self.id,
                self.clock.hz()
            )));
        }
        // Software-TLB entries point into the saving process's RAM mapping: move them to
        // this one's.
        let host_to_phys = bus.ram.host_to_phys();
        let shift = saved.host_to_phys.wrapping_sub(host_to_phys) as usize;
        for t in [
            &mut saved.tlb.fetch,
            &mut saved.tlb.load,
            &mut saved.tlb.store,
        ] {
            for e in t.iter_mut().filter(|e| e.tag != mmu::INVALID_TAG) {
                e.addend = e.addend.wrapping_add(shift);
            }
        }
        saved.host_to_phys = host_to_phys;
        saved.timing.core.adopt_config(&self.timing.core);
        saved.tracer = self.tracer.clone();
        saved.debug = self.debug.take();
        *self = saved;
        Ok(())
    }

    /// Program counter.
    pub fn pc(&self) -> u64 {
        self.pc
    }

    /// Set the program counter.
    pub fn set_pc(&mut self, pc: u64) {
        self.pc = pc & !1;
    }

    /// Integer register `i` (x0..x31).
    pub fn reg(&self, i: usize) -> u64 {
        self.x[i & 31]
    }

    /// Set integer register `i` (writes to x0 are ignored).
    pub fn set_reg(&mut self, i: usize, value: u64) {
        if i & 31 != 0 {
            self.x[i & 31] = value;
        }
    }

    /// Set `suicfg` (the UINTC base the `uipi` instructions use), as at reset.
    pub fn set_suicfg(&mut self, base: u64) {
        self.csr.suicfg = base;
    }

    /// Perform misaligned loads and stores in hardware (`true`) or trap on them (`false`, as
    /// at reset).
    pub fn set_misaligned_in_hardware(&mut self, yes: bool) {
        self.misaligned_in_hardware = yes;
    }

    /// Record this hart's traps, trap returns and WFI sleeps through `tracer`.
    pub fn set_tracer(&mut self, tracer: Tracer) {
        self.tracer = tracer;
    }

    /// Record `event` at the hart's current time (only called when tracing).
    #[cold]
    fn trace(&self, event: TraceEvent) {
        self.tracer.record(self.now(), event);
    }

    /// Current privilege level.
    pub fn privilege(&self) -> Priv {
        self.privilege
    }

    /// Whether the hart sleeps in WFI.
    pub fn is_waiting(&self) -> bool {
        self.wfi
    }

    /// This hart's local simulated time.
    #[inline]
    pub fn now(&self) -> SimTime {
        self.clock.time_of(self.cycle)
    }

    /// When the current instruction's device access reaches the device: in timed mode after
    /// its fetch stall, `extra` more cycles (earlier memory accesses it depends on), the L1 D
    /// lookup and half the interconnect round trip; at its issue otherwise.
    fn access_time(&self, extra: u32) -> AccessAt {
        let cycle = if self.timed {
            self.cycle
                + self.timing.fetch_extra as u64
                + extra as u64
                + self.timing.device_reach as u64
        } else {
            self.cycle
        };
        AccessAt {
            time: self.clock.time_of(cycle),
            cycle,
        }
    }

    /// Instructions retired since reset (`minstret`; statistics may count from a later
    /// reset of the statistics).
    pub fn instret(&self) -> u64 {
        self.instret
    }

    /// Zero the statistics: counters restart here while the architectural counters
    /// (`mcycle`, `minstret`) and all model state (caches, predictor, TLBs) carry on.
    pub fn reset_stats(&mut self) {
        self.stats_base = (self.cycle, self.instret);
        self.wfi_cycles = 0;
        self.traps = TrapCounts::default();
        self.tlb.walks = 0;
        self.tlb.fills = 0;
        self.mode_cycles = [0; 3];
        self.mode_since = self.cycle;
        self.uintr = UintrStats::default();
        self.timing.reset_stats();
    }

    /// Start the hart `cycles` cycles late (reset-release skew between harts): its clock
    /// starts there, so it runs its first instruction at that time; statistics count from it.
    pub fn delay_start(&mut self, cycles: u64) {
        self.cycle += cycles;
        self.stats_base.0 += cycles;
        self.mode_since += cycles;
    }

    /// Statistics so far.
    pub fn stats(&self) -> HartStats {
        HartStats {
            cycles: self.cycle - self.stats_base.0,
            instret: self.instret - self.stats_base.1,
            wfi_cycles: self.wfi_cycles,
            traps: self.traps.clone(),
            tlb_walks: self.tlb.walks,
            tlb_fills: self.tlb.fills,
            mode_cycles: {
                let mut m = self.mode_cycles;
                m[mode_index(self.privilege)] += self.cycle - self.mode_since;
                m
            },
            timing: self.timing.stats(),
            uintr: self.uintr.clone(),
        }
    }

    /// Change privilege level, accounting the cycles spent in the old one.
    fn set_privilege(&mut self, p: Priv) {
        self.mode_cycles[mode_index(self.privilege)] += self.cycle - self.mode_since;
        self.mode_since = self.cycle;
        self.privilege = p;
    }

    /// Read a CSR as M-mode software would (for debugging and tests); `None` if it does not
    /// exist.
    pub fn csr(&self, bus: &SystemBus, csr: u16) -> Option<u64> {
        self.csr_read_at(bus, csr, Priv::M).ok()
    }

    /// The time at which this hart next needs the machine's attention on its own behalf
    /// (its Sstc timer), if any.
    pub fn next_event(&self, bus: &SystemBus) -> Option<SimTime> {
        let timer = |cmp: u64| {
            (cmp != u64::MAX)
                .then(|| bus.timebase.time_of_mtime(self.now(), cmp))
                .flatten()
        };
        let stimer = if self.csr.sstc_enabled() {
            timer(self.csr.stimecmp)
        } else {
            None
        };
        // The user timer (a hartlab extension) is a second comparator on `time`.
        [stimer, timer(self.csr.utimecmp)]
            .into_iter()
            .flatten()
            .min()
    }

    fn recompute_deadline(&mut self, bus: &SystemBus) {
        let now = self.now();
        let next = [
            self.next_event(bus).filter(|&t| t > now),
            bus.next_event(now),
            // A line another hart raised for a time still ahead (a WFI sleeper must not sleep
            // past it).
            bus.irq.next_rise(self.id, now),
        ]
        .into_iter()
        .flatten()
        .min();
        self.deadline_cycle =
            next.map_or(u64::MAX, |t| self.clock.cycles_at(t.saturating_sub(1)) + 1);
        self.deadline_dirty = false;
    }

    /// Run until local time reaches `until` (or the hart sleeps until then), performing every
    /// access when it executes (quantum interleaving).
    pub fn run(&mut self, bus: &mut SystemBus, until: SimTime) -> HartStop {
        self.order.set_limit(u64::MAX);
        self.order.stalled_at = None;
        self.yield_after_device = false;
        self.run_until(bus, until)
    }

    /// Run while instructions issue before `until`, performing accesses that leave the
    /// hart's TLBs and L1s only up to `limit` (exact interleaving: see [`ordering`]).
    /// Returns [`HartStop::Stalled`] when the next access may not be performed yet, and
    /// returns after any device access, which may change what the other harts do next.
    pub fn run_ordered(
        &mut self,
        bus: &mut SystemBus,
        until: SimTime,
        limit: PerformLimit,
    ) -> HartStop {
        let last = match (limit.inclusive, limit.time) {
            (true, t) => self.clock.cycles_at(t),
            (false, 0) => 0,
            (false, t) => self.clock.cycles_at(t - 1),
        };
        self.order.set_limit(last);
        self.order.stalled_at = None;
        self.yield_after_device = true;
        self.run_until(bus, until)
    }

    fn run_until(&mut self, bus: &mut SystemBus, until: SimTime) -> HartStop {
        let until_cycle = self.clock.cycles_at(until.saturating_sub(1)) + 1;
        self.host_to_phys = bus.ram.host_to_phys();
        // A slice resumed after a debugger stop goes on as if it had not stopped: what a new
        // slice refreshes waits for the next one.
        let resumed = std::mem::take(&mut self.debug_resumed);
        if !resumed && bus.reservation_gen() != self.seen_reservation_gen {
            self.seen_reservation_gen = bus.reservation_gen();
            self.tlb.flush_stores();
        }
        if bus.ram.watched_pages() != self.seen_watched {
            // Another hart decoded code from pages this hart may store to through its TLB.
            self.seen_watched = bus.ram.watched_pages();
            self.tlb.flush_stores();
        }
        self.deadline_dirty = true;
        loop {
            if bus.control.exit.is_some() {
                return HartStop::ExitRequested;
            }
            if bus.control.stats.is_some() {
                return HartStop::StatsRequested;
            }
            if self.trap_loop >= TRAP_LOOP_LIMIT {
                return HartStop::TrapLoop;
            }
            if self.order.stalled_at.is_some() {
                return HartStop::Stalled;
            }
            if std::mem::take(&mut self.yielding) {
                return HartStop::Horizon;
            }
            if self.debug.as_ref().is_some_and(|d| d.stop.is_some()) {
                self.debug_resumed = true;
                return HartStop::Debug;
            }
            if self.deadline_dirty {
                self.recompute_deadline(bus);
            }
            if self.cycle >= self.deadline_cycle {
                // A device event (or our own timer) is due: let devices catch up.
                bus.advance(self.now());
                self.recompute_deadline(bus);
                if self.cycle >= self.deadline_cycle {
                    self.deadline_cycle = self.cycle + 1;
                }
            }
            if self.cycle >= until_cycle {
                return HartStop::Horizon;
            }
            let pending = self.mip(bus) & self.csr.mie;
            if self.wfi {
                if pending == 0 {
                    let wake = until_cycle.min(self.deadline_cycle);
                    self.wfi_cycles += wake - self.cycle;
                    self.cycle = wake;
                    continue;
                }
                self.wfi = false;
                if self.tracer.is_on() {
                    self.trace(TraceEvent::WfiWake {
                        hart: self.id as u32,
                    });
                }
            }
            // The mode may change at any MMIO access (which ends the slice), so it is read here.
            self.timed = bus.control.timed;
            if pending != 0 {
                if let Some(code) = self.select_interrupt(pending) {
                    self.trap(code, 0, true);
                    if code == 0 && self.privilege == Priv::U {
                        self.note_user_software_interrupt(bus);
                    }
                    if self.timed {
                        let t = &mut *self.timing;
                        self.cycle += t.core.trap()
                            + (t.traps.entry[mode_index(self.privilege)] + t.traps.interrupt)
                                as u64;
                    }
                }
            }
            let stop = until_cycle.min(self.deadline_cycle);
            self.slice_end = stop;
            // One loop per mode, each with its own monomorphised step: the functional loop
            // carries no trace of the timing model. A hart being debugged or logged runs the
            // inspecting loop instead (chosen once per slice, so the others pay nothing).
            match (self.debug.is_some(), self.timed) {
                (false, true) => self.run_slice::<true>(bus),
                (false, false) => self.run_slice::<false>(bus),
                (true, true) => self.run_debug::<true>(bus),
                (true, false) => self.run_debug::<false>(bus),
            }
        }
    }

    /// The hot loop: run instructions while the slice lasts. The only place the step is
    /// inlined (the inspecting loop runs one instruction at a time through it too), so the
    /// timing model's calls inline here as they would with a single caller.
    #[inline(never)]
    fn run_slice<const TIMED: bool>(&mut self, bus: &mut SystemBus) {
        if !TIMED {
            self.run_blocks(bus);
            return;
        }
        while self.cycle < self.slice_end {
            self.step::<TIMED>(bus);
        }
    }

    /// The functional loop: run predecoded blocks while the slice lasts, one instruction
    /// step (with its slow fetch) where the pc's page is not in the fetch TLB or an
    /// instruction may cross the page's end. Every instruction costs one cycle, and the slice
    /// is checked after each one, exactly as the one-instruction loop does.
    #[inline(always)]
    fn run_blocks(&mut self, bus: &mut SystemBus) {
        self.blocks.ensure_allocated();
        while self.cycle < self.slice_end {
            let pc = self.pc;
            let e = self.tlb.fetch[SoftTlb::index(pc)];
            if e.tag != (pc & !0xfff) | self.fetch_tag || pc & 0xfff > 0xffc {
                self.step::<false>(bus);
                continue;
            }
            let host = e.addend.wrapping_add(pc as usize) as *const u8;
            let pa = (host as u64).wrapping_add(self.host_to_phys);
            let (block, newly_watched) = self.blocks.get(&mut bus.ram, pa, host);
            let insns = block.insns.as_ptr();
            let len = block.len as usize;
            if newly_watched {
                // Stores to the page must now reach RAM's accounting (see `block`).
                self.seen_watched = bus.ram.watched_pages();
                self.tlb.flush_stores();
            }
            self.code_written = false;
            for k in 0..len {
                // SAFETY: `k` < the block's length <= MAX_INSNS; the blocks stay where they
                // are while the block runs (nothing but this loop touches them).
                let d = unsafe { *insns.add(k) };
                self.cycle += 1;
                match self.execute::<false>(bus, d.insn, d.raw, d.len) {
                    Ok(()) => self.instret += 1,
                    Err(e) if e.is_stall() => {
                        self.cycle -= 1;
                        break;
                    }
                    Err(e) => {
                        self.exception(e);
                        break;
                    }
                }
                if self.cycle >= self.slice_end || self.code_written {
                    break;
                }
            }
        }
    }

    /// Fetch, decode and execute one instruction; with `TIMED`, also charge it to the timing
    /// model (the cycle count then advances by its modelled cost instead of 1).
    #[inline(always)]
    fn step<const TIMED: bool>(&mut self, bus: &mut SystemBus) {
        let start = self.cycle;
        self.cycle += 1;
        // Fast fetch through the TLB (no Result on this path); the slow path may fault.
        let pc = self.pc;
        let e = self.tlb.fetch[SoftTlb::index(pc)];
        let f = if e.tag == (pc & !0xfff) | self.fetch_tag && pc & 0xfff <= 0xffc {
            let p = e.addend.wrapping_add(pc as usize) as *const u32;
            // SAFETY: the entry maps a whole RAM page and pc+4 stays inside it.
            let raw = unsafe { p.read_unaligned() };
            let raw = if raw & 3 == 3 { raw } else { raw & 0xffff };
            let (insn, len) = self.decode_cache.get(pc, raw);
            if TIMED {
                let pa = (p as u64).wrapping_add(self.host_to_phys);
                if !self.charge(bus, pc, len, AccessKind::Fetch, Landing::Ram(pa)) {
                    self.cycle = start;
                    return;
                }
            }
            Fetched { insn, raw, len }
        } else {
            match self.fetch_slow(bus) {
                Ok(f) => f,
                Err(e) if e.is_stall() => {
                    self.cycle = start;
                    return;
                }
                Err(e) => {
                    self.exception(e);
                    if TIMED {
                        self.account_trap();
                    }
                    return;
                }
            }
        };
        let decoded = if TIMED {
            Some(self.decode_cache.timing(pc))
        } else {
            None
        };
        let div = if TIMED && decoded.is_some_and(|d| d.is_div()) {
            div_operands(f.insn.op, self.rs1(&f.insn), self.rs2(&f.insn))
        } else {
            (0, 0)
        };
        match self.execute::<TIMED>(bus, f.insn, f.raw, f.len) {
            Ok(()) => {
                self.instret += 1;
                if let Some(decoded) = decoded {
                    let mut issue = decoded.issue();
                    issue.div_operands = div;
                    self.account(start, pc, &f, decoded.control, issue);
                }
            }
            Err(e) if e.is_stall() => self.cycle = start,
            Err(e) => {
                self.exception(e);
                if TIMED {
                    self.account_trap();
                }
            }
        }
    }

    /// Charge a fetch or data access of `size` bytes at `va` to the timing model. Returns
    /// false, having changed nothing, when the access must wait for the other harts (see
    /// [`ordering`]): the instruction then stalls.
    #[inline(always)]
    #[must_use]
    fn charge(
        &mut self,
        bus: &mut SystemBus,
        va: u64,
        size: u32,
        kind: AccessKind,
        landing: Landing,
    ) -> bool {
        let (satp, access) = match kind {
            AccessKind::Fetch => (self.fetch_satp, Access::Fetch),
            AccessKind::Load => (self.data_satp, Access::Load),
            AccessKind::Store => (self.data_satp, Access::Store),
        };
        let satp = (satp != 0).then_some(satp);
        self.charge_access(bus, va, size, access, satp, landing)
    }

    /// [`Self::charge`] with the access kind and translating `satp` given.
    #[inline(always)]
    #[must_use]
    fn charge_access(
        &mut self,
        bus: &mut SystemBus,
        va: u64,
        size: u32,
        access: Access,
        satp: Option<u64>,
        landing: Landing,
    ) -> bool {
        let t = &*self.timing;
        if self.cycle + (t.fetch_extra + t.mem_extra) as u64 <= self.order.free_until {
            self.timing.charge(
                &mut bus.caches,
                &bus.ram,
                self.id,
                va,
                size,
                satp,
                access,
                landing,
            );
            return true;
        }
        self.charge_checked(bus, va, size, access, satp, landing)
    }

    /// Cost of the instruction at `pc` that just retired (issued with no hazard at `start`),
    /// from the pipeline model given what the memory system and the predictor made of it.
    #[inline(always)]
    fn account(
        &mut self,
        start: u64,
        pc: u64,
        f: &Fetched,
        control: Option<ControlKind>,
        mut issue: Issue,
    ) {
        let t = &mut *self.timing;
        issue.fetch_extra = std::mem::take(&mut t.fetch_extra);
        issue.mem_extra = std::mem::take(&mut t.mem_extra);
        if let Some(kind) = control {
            let fallthrough = pc.wrapping_add(f.len as u64);
            let target = match kind {
                ControlKind::Branch => pc.wrapping_add(f.insn.imm as i64 as u64),
                _ => self.pc,
            };
            issue.mispredicted =
                !t.predictor
                    .resolve(pc, fallthrough, kind, self.pc != fallthrough, target);
        }
        let mut cost = t.core.issue(start, &issue);
        match f.insn.op {
            Op::Mret => cost += t.traps.xret[0] as u64,
            Op::Sret => cost += t.traps.xret[1] as u64,
            Op::Uret => cost += t.traps.xret[2] as u64,
            _ => {}
        }
        self.cycle += cost - 1;
    }

    /// Cost of an instruction that trapped (already entered): its fetch, the pipeline flush
    /// and the entry cost of the mode it trapped into. Partial data costs are dropped.
    #[cold]
    fn account_trap(&mut self) {
        let t = &mut *self.timing;
        let fetch = std::mem::take(&mut t.fetch_extra) as u64;
        t.mem_extra = 0;
        self.cycle += fetch + t.core.trap() + t.traps.entry[mode_index(self.privilege)] as u64;
    }

    #[cold]
    fn fetch_slow(&mut self, bus: &mut SystemBus) -> Result<Fetched, Exception> {
        let pc = self.pc;
        let low = self.fetch_half(bus, pc)?;
        let raw = if low & 3 == 3 {
            let high = self.fetch_half(bus, pc.wrapping_add(2))?;
            low as u32 | (high as u32) << 16
        } else {
            low as u32
        };
        let (insn, len) = self.decode_cache.get(pc, raw);
        Ok(Fetched { insn, raw, len })
    }

    fn fetch_half(&mut self, bus: &mut SystemBus, va: u64) -> Result<u16, Exception> {
        match self.translate(bus, va, 2, AccessKind::Fetch)? {
            Target::Ram(pa) => Ok(bus.ram.read(pa, 2).unwrap_or(0) as u16),
            Target::Io(_) => Err(mmu::access_fault(AccessKind::Fetch, va)),
        }
    }

    /// Load `SIZE` bytes (1, 2, 4, 8) from virtual address `va`, zero-extended.
    #[inline(always)]
    fn load<const SIZE: u32, const TIMED: bool>(
        &mut self,
        bus: &mut SystemBus,
        va: u64,
    ) -> Result<u64, Exception> {
        let e = self.tlb.load[SoftTlb::index(va)];
        if e.tag == (va & (!0xfff | (SIZE as u64 - 1))) | self.data_tag {
            let p = e.addend.wrapping_add(va as usize);
            if TIMED {
                let pa = (p as u64).wrapping_add(self.host_to_phys);
                if !self.charge(bus, va, SIZE, AccessKind::Load, Landing::Ram(pa)) {
                    return Err(Exception::STALL);
                }
            }
            // SAFETY: the entry maps a whole RAM page; the access is aligned within it.
            return Ok(unsafe {
                match SIZE {
                    1 => *(p as *const u8) as u64,
                    2 => (p as *const u16).read() as u64,
                    4 => (p as *const u32).read() as u64,
                    _ => (p as *const u64).read(),
                }
            });
        }
        self.load_slow(bus, va, SIZE)
    }

    #[cold]
    fn load_slow(&mut self, bus: &mut SystemBus, va: u64, size: u32) -> Result<u64, Exception> {
        if va & (size as u64 - 1) != 0 {
            if !self.misaligned_in_hardware {
                return Err(Exception::new(trap::cause::LOAD_MISALIGNED, va));
            }
            let [lo, hi] = self.misaligned_parts(bus, va, size, AccessKind::Load)?;
            let low = bus.ram.read(lo.0, lo.1).unwrap_or(0);
            let high = bus.ram.read(hi.0, hi.1).unwrap_or(0);
            return Ok(low | high << (8 * lo.1));
        }
        match self.translate(bus, va, size, AccessKind::Load)? {
            Target::Ram(pa) => Ok(bus.ram.read(pa, size).unwrap_or(0)),
            Target::Io(pa) => {
                let quiet = bus.device_cost(pa, false).magic;
                let value = bus.mmio_read(self.id, self.access_time(0), pa, size);
                self.device_accessed(bus, quiet);
                value.map_err(|_| mmu::access_fault(AccessKind::Load, va))
            }
        }
    }

    /// Store the low `SIZE` bytes of `value` at virtual address `va`.
    #[inline(always)]
    fn store<const SIZE: u32, const TIMED: bool>(
        &mut self,
        bus: &mut SystemBus,
        va: u64,
        value: u64,
    ) -> Result<(), Exception> {
        let e = self.tlb.store[SoftTlb::index(va)];
        if e.tag == (va & (!0xfff | (SIZE as u64 - 1))) | self.data_tag {
            let p = e.addend.wrapping_add(va as usize);
            if TIMED {
                let pa = (p as u64).wrapping_add(self.host_to_phys);
                if !self.charge(bus, va, SIZE, AccessKind::Store, Landing::Ram(pa)) {
                    return Err(Exception::STALL);
                }
            }
            // SAFETY: as in `load`.
            unsafe {
                match SIZE {
                    1 => *(p as *mut u8) = value as u8,
                    2 => (p as *mut u16).write(value as u16),
                    4 => (p as *mut u32).write(value as u32),
                    _ => (p as *mut u64).write(value),
                }
            }
            return Ok(());
        }
        self.store_slow(bus, va, SIZE, value)
    }

    #[cold]
    fn store_slow(
        &mut self,
        bus: &mut SystemBus,
        va: u64,
        size: u32,
        value: u64,
    ) -> Result<(), Exception> {
        if va & (size as u64 - 1) != 0 {
            if !self.misaligned_in_hardware {
                return Err(Exception::new(trap::cause::STORE_MISALIGNED, va));
            }
            let [lo, hi] = self.misaligned_parts(bus, va, size, AccessKind::Store)?;
            self.ram_store(bus, lo.0, lo.1, value);
            self.ram_store(bus, hi.0, hi.1, value >> (8 * lo.1));
            return Ok(());
        }
        match self.translate(bus, va, size, AccessKind::Store)? {
            Target::Ram(pa) => {
                self.ram_store(bus, pa, size, value);
                Ok(())
            }
            Target::Io(pa) => {
                let quiet = bus.device_cost(pa, true).magic;
                let result = bus.mmio_write(self.id, self.access_time(0), pa, size, value);
                self.device_accessed(bus, quiet);
                result.map_err(|_| mmu::access_fault(AccessKind::Store, va))
            }
        }
    }

    /// A store of the low `size` bytes of `value` to RAM at `pa`, with what other harts and
    /// the HTIF mailbox must see of it.
    fn ram_store(&mut self, bus: &mut SystemBus, pa: u64, size: u32, value: u64) {
        bus.ram.write(pa, size, value);
        self.code_stored(bus, pa);
        bus.store_seen(self.id, pa, size);
        bus.htif_store(pa);
        if bus.control.exit.is_some() {
            self.slice_end = 0;
        }
    }

    /// After this hart wrote RAM at `pa` other than through its store TLB: after a write to
    /// a page that code was decoded from, the functional loop runs nothing more of a block
    /// the write may have changed (the next block is looked up anew). The slice goes on:
    /// where slices end decides when interrupts are seen, so it must not depend on this.
    fn code_stored(&mut self, bus: &SystemBus, pa: u64) {
        if bus.ram.is_code(pa) {
            self.code_written = true;
        }
    }

    /// Translate the two aligned parts of a misaligned access of `size` bytes at `va`, split
    /// at the first `size`-aligned boundary, as a load/store unit issues them: both must land
    /// in RAM (devices take only aligned accesses) and both are translated before either is
    /// performed, so a store that faults on its second page changes nothing. Returns each
    /// part's physical address and length; the timing model prices each part and adds
    /// `core.misaligned_penalty`.
    fn misaligned_parts(
        &mut self,
        bus: &mut SystemBus,
        va: u64,
        size: u32,
        kind: AccessKind,
    ) -> Result<[Part; 2], Exception> {
        self.record_accesses();
        let split = (va | (size as u64 - 1)).wrapping_add(1);
        let first = split.wrapping_sub(va) as u32;
        let mut part = |va: u64, len: u32| match self.translate(bus, va, len, kind)? {
            Target::Ram(pa) => Ok((pa, len)),
            Target::Io(_) => Err(mmu::access_fault(kind, va)),
        };
        let lo = part(va, first)?;
        let hi = part(split, size - first)?;
        if self.timed {
            self.timing.mem_extra += self.timing.misaligned_penalty;
        }
        Ok([lo, hi])
    }

    /// After a device access: a device may have changed interrupt lines or its next event,
    /// so the slice ends and the deadline is recomputed, unless the access was a magic
    /// operation that changed neither (a measurement store keeps the hart's slice, so
    /// recording does not move when interrupts are seen) and asked nothing of the machine.
    fn device_accessed(&mut self, bus: &SystemBus, magic: bool) {
        if !magic || bus.control.stats.is_some() || bus.control.exit.is_some() {
            self.device_changed();
        }
    }

    /// Device state (interrupt lines, device events) may have changed: end the slice,
    /// recompute the deadline and, under exact interleaving, let the machine look again at
    /// what the other harts do next.
    fn device_changed(&mut self) {
        self.slice_end = 0;
        self.deadline_dirty = true;
        self.yielding = self.yield_after_device;
    }
}

impl Hart {
    /// Let a hart asleep in WFI sleep on until `t` (idle cycles, as its run loop would count
    /// them): for the statistics of a machine that stops while it sleeps.
    pub fn sleep_until(&mut self, t: SimTime) {
        let target = self.clock.cycles_at(t);
        if self.wfi && target > self.cycle {
            self.wfi_cycles += target - self.cycle;
            self.cycle = target;
        }
    }

    /// Whether an enabled interrupt is pending, which wakes the hart from WFI.
    pub fn wakeup_pending(&self, bus: &SystemBus) -> bool {
        self.mip(bus) & self.csr.mie != 0
    }
}
