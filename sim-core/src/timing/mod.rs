//! Cycle-approximate timing models. They track only what timing needs (tags, states, ages)
//! and return latencies in cycles; architectural state (RAM contents, registers) lives
//! elsewhere and is never affected by them.
//!
//! [`TimingConfig`] gathers every parameter; [`HartTiming`] is one hart's share of the model
//! (pipeline, branch predictor, TLBs) and the shared caches live on the system bus. The
//! design note in `sim-core/TIMING.md` says what is modelled and what is not.

pub mod branch;
pub mod cache;
pub mod core;
mod hart_timing;
pub mod tlb;

pub(crate) use hart_timing::{DecodedTiming, Landing};
pub use hart_timing::{HartTiming, HartTimingStats};

use branch::{PredictorConfig, PredictorConfigError};
use cache::{ConfigError as CacheConfigError, HierarchyConfig};
use core::{CoreConfig, CoreConfigError};
use tlb::{TlbConfig, TlbConfigError};

/// How harts account time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TimingMode {
    /// Every instruction costs one cycle; no caches, TLBs or predictor are consulted. For
    /// fast-forwarding to the interesting part of a run.
    Functional,
    /// The full model.
    #[default]
    Timed,
}

/// Trap and return costs, in cycles, on top of the pipeline flush that every trap, interrupt
/// and xRET pays (`CoreConfig::trap_penalty`). Indexed by the privilege mode the trap enters
/// or the xRET leaves, so M, S and (with the N extension) U can differ.
#[derive(serde::Serialize, serde::Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
pub struct TrapCosts {
    /// Entering a trap handler in M, S, U mode: updating the trap CSRs and redirecting
    /// fetch. Defaults 2, 2, 2 (an assumption: one cycle to write the CSRs, one for the
    /// vectored target).
    pub entry: [u32; 3],
    /// MRET, SRET, URET beyond their pipeline flush. Defaults 0.
    pub xret: [u32; 3],
    /// Extra cycles to take an interrupt rather than an exception: synchronising the
    /// asynchronous line into the pipeline. Default 2 (an assumption).
    pub interrupt: u32,
}

impl Default for TrapCosts {
    fn default() -> Self {
        Self {
            entry: [2; 3],
            xret: [0; 3],
            interrupt: 2,
        }
    }
}

/// Index of a privilege level in [`TrapCosts`] arrays: M 0, S 1, U 2.
#[inline]
pub fn mode_index(p: crate::isa::Priv) -> usize {
    match p {
        crate::isa::Priv::M => 0,
        crate::isa::Priv::S => 1,
        crate::isa::Priv::U => 2,
    }
}

/// Every timing parameter of a machine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimingConfig {
    /// Pipeline costs. Its `load_latency` is replaced by the L1 D hit latency, so a load's
    /// latency has one source.
    pub core: CoreConfig,
    /// Branch predictor.
    pub predictor: PredictorConfig,
    /// Caches and DRAM.
    pub memory: HierarchyConfig,
    /// Instruction TLB of each hart.
    pub itlb: TlbConfig,
    /// Data TLB of each hart.
    pub dtlb: TlbConfig,
    /// Trap costs.
    pub traps: TrapCosts,
    /// Cycles of an uncached round trip over the interconnect to a device (MMIO), on top of
    /// the pipeline's load latency and what the device itself declares. Default 20.
    pub mmio_cycles: u32,
    /// Cycles of the UIPI unit's state machine per `uipi` instruction, on top of its memory
    /// accesses (the sender-table read through the caches, the UINTC access over the
    /// interconnect). Default 4: the Rocket UIPI unit's request/response states (an
    /// assumption; no published figure).
    pub uipi_cycles: u32,
}

/// An invalid timing configuration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimingConfigError {
    /// A core parameter.
    #[error(transparent)]
    Core(#[from] CoreConfigError),
    /// A predictor parameter.
    #[error(transparent)]
    Predictor(#[from] PredictorConfigError),
    /// A cache parameter.
    #[error(transparent)]
    Memory(#[from] CacheConfigError),
    /// A TLB parameter.
    #[error("{which}: {error}")]
    Tlb {
        /// "itlb" or "dtlb".
        which: &'static str,
        /// What is wrong.
        error: TlbConfigError,
    },
    /// A latency above [`core::MAX_CYCLES`].
    #[error("{param} = {value} is out of range 0..={max}", max = core::MAX_CYCLES)]
    TooLarge {
        /// Parameter name.
        param: &'static str,
        /// Its value.
        value: u32,
    },
}

impl TimingConfig {
    /// Check every parameter (building the models checks them all the same way).
    pub fn validate(&self, harts: usize) -> Result<(), TimingConfigError> {
        // The latencies first: the order in which a configuration's errors are reported.
        let t = &self.traps;
        for (param, value) in [
            ("entry_cycles_m", t.entry[0]),
            ("entry_cycles_s", t.entry[1]),
            ("entry_cycles_u", t.entry[2]),
            ("xret_cycles_m", t.xret[0]),
            ("xret_cycles_s", t.xret[1]),
            ("xret_cycles_u", t.xret[2]),
            ("interrupt_cycles", t.interrupt),
            ("mmio_cycles", self.mmio_cycles),
            ("uipi_cycles", self.uipi_cycles),
            ("dram_latency_cycles", self.memory.dram_latency),
        ] {
            if value > core::MAX_CYCLES {
                return Err(TimingConfigError::TooLarge { param, value });
            }
        }
        self.core_config().validate()?;
        self.predictor.validate()?;
        cache::MemoryHierarchy::validate(harts, &self.memory)?;
        for (which, t) in [("itlb", &self.itlb), ("dtlb", &self.dtlb)] {
            t.validate()
                .map_err(|error| TimingConfigError::Tlb { which, error })?;
        }
        Ok(())
    }

    /// The core parameters as the pipeline model uses them (load latency from the L1 D).
    pub fn core_config(&self) -> CoreConfig {
        CoreConfig {
            load_latency: self.memory.l1d.hit_latency.max(1),
            ..self.core.clone()
        }
    }
}

impl Default for TimingConfig {
    fn default() -> Self {
        Self {
            core: CoreConfig::default(),
            predictor: PredictorConfig::default(),
            memory: HierarchyConfig::default(),
            itlb: TlbConfig::default(),
            dtlb: TlbConfig::default(),
            traps: TrapCosts::default(),
            mmio_cycles: 20,
            uipi_cycles: 4,
        }
    }
}
