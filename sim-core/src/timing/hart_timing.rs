//! One hart's share of the timing model: its pipeline scoreboard, branch predictor and
//! modelled TLBs, plus the extra cycles the current instruction has collected from the memory
//! system (the caches are shared and live on the system bus).
//!
//! The hart calls [`HartTiming::charge`] for every fetch and data access while it runs timed,
//! then hands the collected extra cycles to the pipeline model with the instruction.

use super::branch::{BranchPredictor, ControlKind, PredictorStats};
use super::cache::{Access, MemoryHierarchy};
use super::core::{CoreStats, CoreTiming, InsnClass, Issue, RegRef};
use super::tlb::{TlbModel, TlbStats};
use super::{TimingConfig, TimingConfigError, TrapCosts};
use crate::isa::decode::Insn;
use crate::memory::Ram;

/// What decoding alone tells the timing model about an instruction: memoised next to the
/// decoded instruction so the timed loop does not classify it again each time it runs.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DecodedTiming {
    class: InsnClass,
    rd: RegRef,
    rs: [RegRef; 3],
    /// Its control-transfer kind, if it is one.
    pub(crate) control: Option<ControlKind>,
}

impl DecodedTiming {
    /// Classify `insn`.
    pub(crate) fn of(insn: &Insn) -> Self {
        let i = Issue::of(insn);
        Self {
            class: i.class,
            rd: i.rd,
            rs: i.rs,
            control: ControlKind::of(insn),
        }
    }

    /// Whether this is an integer division (its latency may depend on the operands).
    #[inline(always)]
    pub(crate) fn is_div(&self) -> bool {
        self.class == InsnClass::Div
    }

    /// The instruction as the pipeline model sees it, before the memory system and the
    /// predictor have had their say.
    #[inline(always)]
    pub(crate) fn issue(&self) -> Issue {
        Issue::new(self.class, self.rd, self.rs)
    }
}

/// Where a charged access lands.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Landing {
    /// RAM at this physical address: through the caches.
    Ram(u64),
    /// A device that declares this many cycles of its own: uncached, over the interconnect.
    Device(u32),
    /// A magic device register (see `Device::magic`): only the device's own cycles, no
    /// interconnect round trip, not counted as a device access.
    Magic(u32),
}

impl Landing {
    /// Where an access to a device with cost `cost` lands.
    pub(crate) fn device(cost: crate::system_bus::DeviceCost) -> Self {
        if cost.magic {
            Landing::Magic(cost.cycles)
        } else {
            Landing::Device(cost.cycles)
        }
    }
}

/// Statistics of one hart's timing model.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HartTimingStats {
    /// Pipeline: instructions and cycles by class, stall breakdown, trap cycles.
    pub core: CoreStats,
    /// Branch prediction.
    pub predictor: PredictorStats,
    /// Instruction TLB.
    pub itlb: TlbStats,
    /// Data TLB.
    pub dtlb: TlbStats,
    /// Uncached device accesses.
    pub mmio_accesses: u64,
    /// Cycles those accesses spent beyond the pipeline's load latency.
    pub mmio_cycles: u64,
}

/// One hart's timing state.
#[derive(serde::Serialize, serde::Deserialize)]
pub struct HartTiming {
    pub(crate) core: CoreTiming,
    pub(crate) predictor: BranchPredictor,
    itlb: TlbModel,
    dtlb: TlbModel,
    pub(crate) traps: TrapCosts,
    mmio_latency: u32,
    /// Cycles of the UIPI unit's state machine per `uipi` instruction.
    pub(crate) uipi_cycles: u32,
    /// Extra cycles of a misaligned access performed in hardware.
    pub(crate) misaligned_penalty: u32,
    l1i_hit: u32,
    l1d_hit: u32,
    /// Cycles from an instruction's issue until a fetch that leaves the L1 I reaches the
    /// shared level (the L2, the point of coherence): the L1 I lookup and the L2's.
    fetch_reach: u32,
    /// The same for a data access that leaves the L1 D (a miss, an upgrade or a TLB walk).
    data_reach: u32,
    /// Cycles from issue until an uncached access reaches its device: the L1 D lookup and
    /// half the interconnect round trip.
    pub(crate) device_reach: u32,
    /// Fetch cycles of the current instruction beyond an L1 I hit (I-cache and ITLB misses).
    pub(crate) fetch_extra: u32,
    /// Data cycles of the current instruction beyond an L1 D hit.
    pub(crate) mem_extra: u32,
    mmio_accesses: u64,
    mmio_cycles: u64,
}

impl HartTiming {
    /// A cold model (empty TLBs and predictor, every register ready).
    pub fn new(cfg: &TimingConfig) -> Result<Self, TimingConfigError> {
        let tlb =
            |which, c| TlbModel::new(c).map_err(|error| TimingConfigError::Tlb { which, error });
        Ok(Self {
            core: CoreTiming::new(&cfg.core_config())?,
            predictor: BranchPredictor::new(&cfg.predictor)?,
            itlb: tlb("itlb", &cfg.itlb)?,
            dtlb: tlb("dtlb", &cfg.dtlb)?,
            traps: cfg.traps,
            mmio_latency: cfg.mmio_cycles,
            uipi_cycles: cfg.uipi_cycles,
            misaligned_penalty: cfg.core.misaligned_penalty,
            l1i_hit: cfg.memory.l1i.hit_latency,
            l1d_hit: cfg.memory.l1d.hit_latency,
            fetch_reach: (cfg.memory.l1i.hit_latency + cfg.memory.l2.hit_latency).max(1),
            data_reach: (cfg.memory.l1d.hit_latency + cfg.memory.l2.hit_latency).max(1),
            device_reach: (cfg.memory.l1d.hit_latency + cfg.mmio_cycles / 2).max(1),
            fetch_extra: 0,
            mem_extra: 0,
            mmio_accesses: 0,
            mmio_cycles: 0,
        })
    }

    /// Statistics so far.
    pub fn stats(&self) -> HartTimingStats {
        HartTimingStats {
            core: self.core.stats().clone(),
            predictor: self.predictor.stats(),
            itlb: self.itlb.stats(),
            dtlb: self.dtlb.stats(),
            mmio_accesses: self.mmio_accesses,
            mmio_cycles: self.mmio_cycles,
        }
    }

    /// Zero the statistics (pipeline, predictor and TLB state are untouched).
    pub fn reset_stats(&mut self) {
        self.core.reset_stats();
        self.predictor.reset_stats();
        self.itlb.reset_stats();
        self.dtlb.reset_stats();
        self.mmio_accesses = 0;
        self.mmio_cycles = 0;
    }

    /// Charge one access of `size` bytes by `hart` at virtual address `va`: the TLB (when
    /// `satp` is the translating satp, `None` for bare or M-mode accesses), then the caches or
    /// the device. A fetch adds to `fetch_extra` (a 4-byte fetch straddling two lines also
    /// pays for a miss of the second), a load or store to `mem_extra` (aligned, so within
    /// one line).
    #[inline(always)]
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn charge(
        &mut self,
        caches: &mut MemoryHierarchy,
        ram: &Ram,
        hart: usize,
        va: u64,
        size: u32,
        satp: Option<u64>,
        kind: Access,
        landing: Landing,
    ) {
        let fetch = kind == Access::Fetch;
        let mut extra = 0;
        if let Some(satp) = satp {
            let tlb = if fetch {
                &mut self.itlb
            } else {
                &mut self.dtlb
            };
            extra += tlb.access(
                va,
                satp,
                |pte| ram.read(pte, 8),
                |pte| caches.access(hart, pte, Access::Load),
            );
        }
        match landing {
            Landing::Ram(pa) => {
                let hit = if fetch { self.l1i_hit } else { self.l1d_hit };
                extra += caches.access(hart, pa, kind).saturating_sub(hit);
                let last = pa + size as u64 - 1;
                if fetch && !caches.same_line(pa, last) {
                    extra += caches.access(hart, last, kind).saturating_sub(hit);
                }
            }
            Landing::Device(cycles) => {
                let c = self.mmio_latency + cycles;
                self.mmio_accesses += 1;
                self.mmio_cycles += c as u64;
                extra += c;
            }
            Landing::Magic(cycles) => extra += cycles,
        }
        if fetch {
            self.fetch_extra += extra;
        } else {
            self.mem_extra += extra;
        }
    }

    /// [`Self::charge`] if the hart's own TLB and L1 serve the access (see [`Self::reach`]);
    /// otherwise false, changing nothing.
    #[inline]
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn charge_if_local(
        &mut self,
        caches: &mut MemoryHierarchy,
        hart: usize,
        va: u64,
        size: u32,
        satp: Option<u64>,
        kind: Access,
        landing: Landing,
    ) -> bool {
        let fetch = kind == Access::Fetch;
        let Landing::Ram(pa) = landing else {
            return false;
        };
        if fetch && !caches.same_line(pa, pa + size as u64 - 1) {
            return false;
        }
        let tlb = if fetch {
            &mut self.itlb
        } else {
            &mut self.dtlb
        };
        if !caches.serves_locally(hart, pa, kind)
            || satp.is_some_and(|satp| !tlb.access_if_hit(va, satp))
        {
            return false;
        }
        let latency = caches.access(hart, pa, kind);
        let hit = if fetch { self.l1i_hit } else { self.l1d_hit };
        let extra = latency.saturating_sub(hit);
        if fetch {
            self.fetch_extra += extra;
        } else {
            self.mem_extra += extra;
        }
        true
    }

    /// The fewest cycles after an instruction issues at which it can affect another hart
    /// (see [`Self::reach`]): how far a hart may run ahead of the others without one of
    /// them acting at a time it has already passed.
    pub(crate) fn lookahead(&self) -> u32 {
        self.fetch_reach.min(self.data_reach).min(self.device_reach)
    }

    /// The most cycles after the start of its own fetch or data phase at which an access
    /// reaches the shared level.
    pub(crate) fn max_reach(&self) -> u32 {
        self.fetch_reach.max(self.data_reach).max(self.device_reach)
    }

    /// If the access [`Self::charge`] would charge involves other harts or shared state (a
    /// TLB walk, an L1 miss or upgrade, a device), the cycles after the current
    /// instruction's issue at which it reaches them; `None` if the hart's own TLB and L1
    /// serve it. Changes nothing.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn reach(
        &self,
        caches: &MemoryHierarchy,
        hart: usize,
        va: u64,
        size: u32,
        satp: Option<u64>,
        kind: Access,
        landing: Landing,
    ) -> Option<u32> {
        let fetch = kind == Access::Fetch;
        let (before, reach) = if fetch {
            (self.fetch_extra, self.fetch_reach)
        } else {
            (self.fetch_extra + self.mem_extra, self.data_reach)
        };
        let tlb = if fetch { &self.itlb } else { &self.dtlb };
        let walks = satp.is_some_and(|satp| !tlb.serves(va, satp));
        let shared = match landing {
            Landing::Ram(pa) => {
                walks
                    || !caches.serves_locally(hart, pa, kind)
                    || (fetch
                        && !caches.same_line(pa, pa + size as u64 - 1)
                        && !caches.serves_locally(hart, pa + size as u64 - 1, kind))
            }
            Landing::Device(_) => return Some(before + self.device_reach),
            Landing::Magic(_) => walks,
        };
        shared.then_some(before + reach)
    }

    /// SFENCE.VMA: flush the modelled TLBs (`va` and `asid` as in the instruction's rs1 and
    /// rs2, `None` for x0).
    pub(crate) fn sfence(&mut self, va: Option<u64>, asid: Option<u16>) {
        self.itlb.flush(va, asid);
        self.dtlb.flush(va, asid);
    }
}
