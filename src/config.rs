//! The machine description: defaults, the TOML file format, and validation.
//!
//! Every key has a documented default (`configs/default.toml` lists them all and is checked
//! against this file by a test); unknown keys and out-of-range values are rejected with the
//! file, key and reason. The tables map one to one onto `sim_core::timing::TimingConfig`.
//!
//! Reading a description only parses it (unknown keys are refused with their path). Checking
//! happens once, in [`MachineConfig::resolve`] (see [`crate::resolved`]), after any
//! command-line overrides: it gives a typed [`ConfigError`] (file, key, value, reason) that
//! the command line prints and the experiment runner places at the key's line. The timing
//! model's own range rules (`TimingConfig::validate`) are not repeated here, their errors are
//! translated to the TOML key.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use devices::task_controller::{self, Costs, Policy, TaskControllerConfig};
use devices::SimControlConfig;
use serde::{Deserialize, Deserializer, Serialize};
use sim_core::machine::{Interleave, MachineParams};
use sim_core::time::Clock;
use sim_core::timing::branch::{PredictorConfig, PredictorConfigError};
use sim_core::timing::cache::{CacheConfig, HierarchyConfig, Level};
use sim_core::timing::core::{CoreConfig, MAX_CYCLES};
use sim_core::timing::tlb::TlbConfig;
use sim_core::timing::{TimingConfig, TimingConfigError, TimingMode, TrapCosts};
use std::fmt;

/// A machine configuration value that is out of range or inconsistent with another: the file
/// it was read from (if it came from one), the TOML key, the value as written when one value
/// is at fault, and why it is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    /// The machine description file the key was read from, if any.
    pub file: Option<PathBuf>,
    /// The dotted TOML key (`machine.harts`, `machine.hart_frequencies[2]`, `memory.l1d`).
    pub key: String,
    /// The value, as TOML would write it.
    pub value: Option<String>,
    /// Why it is refused.
    pub reason: String,
}

impl ConfigError {
    /// `key = value: reason`.
    fn value(key: impl Into<String>, value: impl fmt::Display, reason: impl Into<String>) -> Self {
        Self {
            file: None,
            key: key.into(),
            value: Some(value.to_string()),
            reason: reason.into(),
        }
    }

    /// `key: reason`, for a table or a key whose value alone is not at fault.
    fn key(key: impl Into<String>, reason: impl Into<String>) -> Self {
        Self {
            file: None,
            key: key.into(),
            value: None,
            reason: reason.into(),
        }
    }

    /// The same error, for a key read from `file`.
    pub fn in_file(self, file: &Path) -> Self {
        Self {
            file: Some(file.to_path_buf()),
            ..self
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(file) = &self.file {
            write!(f, "{}: ", file.display())?;
        }
        match &self.value {
            Some(value) => write!(f, "{} = {value}: {}", self.key, self.reason),
            None => write!(f, "{}: {}", self.key, self.reason),
        }
    }
}

impl std::error::Error for ConfigError {}

/// The TOML key of a timing-model latency (`sim_core::timing::TimingConfigError::TooLarge`).
fn latency_key(param: &str) -> String {
    let table = match param {
        "mmio_cycles" => "interconnect",
        "uipi_cycles" => "uintr",
        "dram_latency_cycles" => "memory",
        _ => "traps",
    };
    format!("{table}.{param}")
}

/// Largest number of harts a machine may have.
pub const MAX_HARTS: usize = 512;

/// The machine description (`--config FILE`, then command-line overrides).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct MachineConfig {
    /// `[machine]`: harts, RAM and clocks.
    pub machine: MachineSection,
    /// `[timing]`: functional or timed, and when to switch.
    pub timing: TimingSection,
    /// `[core]`: pipeline latencies and penalties (`sim_core::timing::core::CoreConfig`;
    /// the load latency is `memory.l1d.hit_cycles`).
    pub core: CoreConfig,
    /// `[branch]`: the branch predictor.
    pub branch: BranchSection,
    /// `[memory]`: caches and DRAM.
    pub memory: MemorySection,
    /// `[mmu]`: the modelled TLBs.
    pub mmu: MmuSection,
    /// `[traps]`: trap entry, return and interrupt costs.
    pub traps: TrapsSection,
    /// `[interconnect]`: uncached device accesses.
    pub interconnect: InterconnectSection,
    /// `[uintr]`: the user-interrupt hardware (N extension, UINTC, UIPI).
    pub uintr: UintrSection,
    /// `[plic]`: PLIC options.
    pub plic: PlicSection,
    /// `[task_controller]`: the task-aware interrupt controller.
    pub task_controller: TaskControllerSection,
    /// `[sim_control]`: the simulator-control (measurement) device.
    pub sim_control: SimControlSection,
    /// `[net]`: the virtio-net card, its link and the simulated client host (off by
    /// default; left out of written configurations while it has its defaults, so results
    /// of machines without a network read as before).
    #[serde(skip_serializing_if = "NetSection::is_default")]
    pub net: NetSection,
}

/// The `[machine]` table.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct MachineSection {
    /// Number of harts (1..=512). Default 1.
    pub harts: usize,
    /// RAM size in bytes, or a string such as "256MiB". Default 256 MiB.
    #[serde(deserialize_with = "de_size")]
    pub memory: u64,
    /// Hart clock frequency in Hz. Default 1 GHz.
    pub hart_frequency: u64,
    /// Per-hart clock frequencies in Hz, overriding `hart_frequency` (one entry per hart).
    /// Default empty.
    pub hart_frequencies: Vec<u64>,
    /// Timebase (`mtime`) frequency in Hz. Default 10 MHz, as on QEMU virt.
    pub timebase_frequency: u64,
    /// How timed harts interleave: "exact" (default; every cross-hart effect at the time
    /// the model gives it, see sim-core/TIMING.md) or "quantum" (rounds of `quantum_ns`:
    /// faster with many busy harts, but a hart sees another's stores and interrupts up to a
    /// quantum early or late).
    pub interleave: InterleaveName,
    /// Longest stretch of simulated time, in nanoseconds, one hart runs before the next one
    /// gets its turn when harts run in rounds: functional mode (fast-forwarding), or
    /// `interleave = "quantum"`. No effect on exactly interleaved timed runs. Default 1 us.
    pub quantum_ns: u64,
    /// Seed of the machine's pseudo-random choices (only `start_jitter_cycles` makes any).
    /// The experiment runner sets it to each point's seed. Default 0.
    pub seed: u64,
    /// Each hart starts after a delay drawn from `seed`, uniform in 0..=this many cycles
    /// (reset-release skew between harts). Default 0: every hart starts at once.
    pub start_jitter_cycles: u64,
    /// Misaligned loads and stores: "trap" (default; address-misaligned exceptions, as on
    /// most boards, where the firmware emulates them) or "hardware" (performed, as QEMU does,
    /// at the cost of `core.misaligned_penalty`).
    pub misaligned: MisalignedName,
}

/// How timed harts interleave, as written in TOML.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum InterleaveName {
    /// In simulated-time order.
    #[default]
    Exact,
    /// In rounds of one quantum.
    Quantum,
}

/// How harts treat misaligned loads and stores, as written in TOML.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MisalignedName {
    /// Raise address-misaligned exceptions.
    #[default]
    Trap,
    /// Perform them.
    Hardware,
}

impl Default for MachineSection {
    fn default() -> Self {
        Self {
            harts: 1,
            memory: 256 << 20,
            hart_frequency: 1_000_000_000,
            hart_frequencies: Vec::new(),
            timebase_frequency: 10_000_000,
            interleave: InterleaveName::Exact,
            quantum_ns: 1_000,
            seed: 0,
            start_jitter_cycles: 0,
            misaligned: MisalignedName::Trap,
        }
    }
}

/// The timing mode as written in TOML.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ModeName {
    /// CPI 1, no caches.
    Functional,
    /// The full model.
    #[default]
    Timed,
}

/// The `[timing]` table.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct TimingSection {
    /// "timed" (default) or "functional".
    pub mode: ModeName,
    /// Run functionally until this many instructions have retired (all harts), then timed.
    /// Only with `mode = "functional"`. Default: never.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timed_from_insn: Option<u64>,
}

/// Predictor kinds as written in TOML.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PredictorName {
    /// Backward taken, forward not taken.
    Static,
    /// 2-bit counters with a BTB.
    Bimodal,
}

/// Bimodal counters when `branch.counters` is not given.
const DEFAULT_COUNTERS: u32 = 512;

/// The `[branch]` table.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct BranchSection {
    /// "bimodal" (default) or "static".
    pub predictor: PredictorName,
    /// Bimodal counters (a power of two; not for static). Default 512.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub counters: Option<u32>,
    /// BTB entries (a power of two; 0 allowed for static). Default 32.
    pub btb_entries: u32,
    /// Return-address stack depth. Default 6.
    pub ras_depth: u32,
}

impl Default for BranchSection {
    fn default() -> Self {
        match PredictorConfig::default() {
            PredictorConfig::Bimodal {
                counters,
                btb_entries,
                ras_depth,
            } => Self {
                predictor: PredictorName::Bimodal,
                counters: (counters != DEFAULT_COUNTERS).then_some(counters),
                btb_entries,
                ras_depth,
            },
            PredictorConfig::Static {
                btb_entries,
                ras_depth,
            } => Self {
                predictor: PredictorName::Static,
                counters: None,
                btb_entries,
                ras_depth,
            },
        }
    }
}

/// One cache in the `[memory]` table. A table that gives only some keys keeps its level's
/// defaults for the rest (each level has its own, so the overlay is per field of
/// [`MemorySection`]).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct CacheSection {
    /// Capacity, e.g. "32KiB".
    #[serde(deserialize_with = "de_size")]
    pub size: u64,
    /// Associativity.
    pub ways: u32,
    /// Line size in bytes.
    pub line_bytes: u32,
    /// Hit latency in cycles.
    pub hit_cycles: u32,
}

/// The keys a `[memory.l1i|l1d|l2]` table gave, to lay over its level's defaults.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CachePatch {
    #[serde(default, deserialize_with = "de_some_size")]
    size: Option<u64>,
    ways: Option<u32>,
    line_bytes: Option<u32>,
    hit_cycles: Option<u32>,
}

impl CacheSection {
    /// Read a cache table, taking the keys it leaves out from `defaults`.
    fn overlay<'de, D: Deserializer<'de>>(d: D, defaults: CacheConfig) -> Result<Self, D::Error> {
        let p = CachePatch::deserialize(d)?;
        let base = Self::from(defaults);
        Ok(Self {
            size: p.size.unwrap_or(base.size),
            ways: p.ways.unwrap_or(base.ways),
            line_bytes: p.line_bytes.unwrap_or(base.line_bytes),
            hit_cycles: p.hit_cycles.unwrap_or(base.hit_cycles),
        })
    }
}

fn de_l1i<'de, D: Deserializer<'de>>(d: D) -> Result<CacheSection, D::Error> {
    CacheSection::overlay(d, HierarchyConfig::default().l1i)
}

fn de_l1d<'de, D: Deserializer<'de>>(d: D) -> Result<CacheSection, D::Error> {
    CacheSection::overlay(d, HierarchyConfig::default().l1d)
}

fn de_l2<'de, D: Deserializer<'de>>(d: D) -> Result<CacheSection, D::Error> {
    CacheSection::overlay(d, HierarchyConfig::default().l2)
}

impl From<CacheConfig> for CacheSection {
    fn from(c: CacheConfig) -> Self {
        Self {
            size: c.size_bytes,
            ways: c.ways,
            line_bytes: c.line_bytes,
            hit_cycles: c.hit_latency,
        }
    }
}

impl From<CacheSection> for CacheConfig {
    fn from(c: CacheSection) -> Self {
        Self {
            size_bytes: c.size,
            ways: c.ways,
            line_bytes: c.line_bytes,
            hit_latency: c.hit_cycles,
        }
    }
}

/// The `[memory]` table.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct MemorySection {
    /// Cycles an L2 miss adds. Default 100.
    pub dram_latency_cycles: u32,
    /// `[memory.l1i]`. Default 32 KiB, 8 ways, 64 B lines, 2 cycles.
    #[serde(deserialize_with = "de_l1i")]
    pub l1i: CacheSection,
    /// `[memory.l1d]`. Default as the L1 I.
    #[serde(deserialize_with = "de_l1d")]
    pub l1d: CacheSection,
    /// `[memory.l2]`. Default 512 KiB, 8 ways, 64 B lines, 12 cycles.
    #[serde(deserialize_with = "de_l2")]
    pub l2: CacheSection,
}

impl Default for MemorySection {
    fn default() -> Self {
        let h = HierarchyConfig::default();
        Self {
            dram_latency_cycles: h.dram_latency,
            l1i: h.l1i.into(),
            l1d: h.l1d.into(),
            l2: h.l2.into(),
        }
    }
}

/// The `[mmu]` table.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct MmuSection {
    /// Instruction TLB entries. Default 32.
    pub itlb_entries: u32,
    /// Instruction TLB ways. Default: as many as entries (fully associative).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub itlb_ways: Option<u32>,
    /// Data TLB entries. Default 32.
    pub dtlb_entries: u32,
    /// Data TLB ways. Default: as many as entries (fully associative).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dtlb_ways: Option<u32>,
}

impl Default for MmuSection {
    fn default() -> Self {
        let t = TlbConfig::default();
        Self {
            itlb_entries: t.entries,
            itlb_ways: (t.ways != t.entries).then_some(t.ways),
            dtlb_entries: t.entries,
            dtlb_ways: (t.ways != t.entries).then_some(t.ways),
        }
    }
}

/// The `[traps]` table (cycles on top of the pipeline flush, `core.trap_penalty`).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct TrapsSection {
    /// Entering an M-mode handler. Default 2.
    pub entry_cycles_m: u32,
    /// Entering an S-mode handler. Default 2.
    pub entry_cycles_s: u32,
    /// Entering a U-mode handler (N extension). Default 2.
    pub entry_cycles_u: u32,
    /// MRET. Default 0.
    pub xret_cycles_m: u32,
    /// SRET. Default 0.
    pub xret_cycles_s: u32,
    /// URET. Default 0.
    pub xret_cycles_u: u32,
    /// Taking an interrupt rather than an exception. Default 2.
    pub interrupt_cycles: u32,
}

impl Default for TrapsSection {
    fn default() -> Self {
        let t = TrapCosts::default();
        Self {
            entry_cycles_m: t.entry[0],
            entry_cycles_s: t.entry[1],
            entry_cycles_u: t.entry[2],
            xret_cycles_m: t.xret[0],
            xret_cycles_s: t.xret[1],
            xret_cycles_u: t.xret[2],
            interrupt_cycles: t.interrupt,
        }
    }
}

/// The `[interconnect]` table.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct InterconnectSection {
    /// Cycles of an uncached round trip to a device, beyond the load latency. Default 20.
    pub mmio_cycles: u32,
}

impl Default for InterconnectSection {
    fn default() -> Self {
        Self {
            mmio_cycles: TimingConfig::default().mmio_cycles,
        }
    }
}

/// The `[uintr]` table: user-interrupt hardware (see docs/hardware/user-interrupts.md).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct UintrSection {
    /// Receiver slots of the UINTC (1..=4096). Default 512, as on the UINTC QEMU.
    pub uintc_slots: usize,
    /// Cycles of the UIPI unit's state machine per `uipi` instruction. Default 4.
    pub uipi_cycles: u32,
    /// Cycles from a UINTC SEND (or any change raising a receiver's line) to the hart seeing
    /// USIP: one register stage. Default 1.
    pub send_visibility_cycles: u32,
}

impl Default for UintrSection {
    fn default() -> Self {
        Self {
            uintc_slots: 512,
            uipi_cycles: TimingConfig::default().uipi_cycles,
            send_visibility_cycles: 1,
        }
    }
}

/// The `[plic]` table.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct PlicSection {
    /// Give each hart a third context for U mode (context 3h + {M 0, S 1, U 2}) driving
    /// UEIP, as the N-extension designs do. Off by default: it renumbers the contexts that
    /// QEMU-virt programs expect (2h + {M 0, S 1}).
    pub user_contexts: bool,
}

/// The `[sim_control]` table: the simulator-control device's measurement registers (see
/// docs/hardware/sim-control.md).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct SimControlSection {
    /// Cycles an EVENT, STATS, NOW_PS or sample access costs (no interconnect round trip:
    /// these are magic operations). Default 0, so measuring does not perturb the measured.
    pub access_cycles: u32,
    /// Samples kept per run (1..=10_000_000); later ones are counted as dropped. Default
    /// 1_000_000.
    pub max_samples: usize,
    /// Events kept per run (1..=10_000_000); later ones are counted as dropped. Default
    /// 100_000.
    pub max_events: usize,
    /// Statistics dumps kept per run (1..=10_000); later ones are counted as dropped.
    /// Default 100.
    pub max_dumps: usize,
}

impl Default for SimControlSection {
    fn default() -> Self {
        let d = SimControlConfig::default();
        Self {
            access_cycles: d.access_cycles,
            max_samples: d.max_samples,
            max_events: d.max_events,
            max_dumps: 100,
        }
    }
}

/// Local-queue policies as written in TOML.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
pub enum PolicyName {
    /// Per-hart queues, no stealing ("none" is accepted too).
    #[serde(rename = "d-fcfs", alias = "none")]
    DFcfs,
    /// An empty local queue steals one task from another, as TAIC does.
    #[default]
    #[serde(rename = "steal-one")]
    StealOne,
    /// One queue shared by all harts ("shared" is accepted too).
    #[serde(rename = "c-fcfs", alias = "shared")]
    CFcfs,
}

impl From<PolicyName> for Policy {
    fn from(p: PolicyName) -> Self {
        match p {
            PolicyName::DFcfs => Policy::DFcfs,
            PolicyName::StealOne => Policy::StealOne,
            PolicyName::CFcfs => Policy::CFcfs,
        }
    }
}

/// The `[task_controller]` table: the task-aware interrupt controller at 0x1100_0000 (see
/// docs/hardware/task-controller.md). The cycle defaults are TAIC's FPGA measurements
/// (enqueue/dequeue 2-4, registration and send 8-10, hardware wake-up 6-8 cycles).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct TaskControllerSection {
    /// Queue sets, one per OS or address space (1..=256). Default 16.
    pub sets: usize,
    /// Priority levels per set (1..=32; 0 is the highest). Default 8, as ATS-INTC.
    pub priorities: usize,
    /// Ready-task entries per set, shared by its local queues (1..=1024). Default 64, as
    /// TAIC.
    pub capacity: usize,
    /// Local-queue policy a set starts with (software may change it per set): "d-fcfs",
    /// "steal-one" or "c-fcfs". Default "steal-one", as TAIC.
    pub policy: PolicyName,
    /// Cycles of an enqueue inside the controller. Default 3.
    pub enqueue_cycles: u32,
    /// Cycles of a dequeue inside the controller. Default 3.
    pub dequeue_cycles: u32,
    /// Cycles a dequeue adds when it steals from another local queue. Default 2 (an
    /// estimate: TAIC did not measure stealing).
    pub steal_cycles: u32,
    /// Cycles of a registration (handler binding, capability, allocation, online switch).
    /// Default 9.
    pub register_cycles: u32,
    /// Cycles of an IPC send inside the controller. Default 9.
    pub send_cycles: u32,
    /// Cycles from an interrupt edge or send to the woken handler being ready. Default 7.
    pub wake_cycles: u32,
}

impl Default for TaskControllerSection {
    fn default() -> Self {
        let c = Costs::default();
        Self {
            sets: task_controller::DEFAULT_SETS,
            priorities: task_controller::DEFAULT_PRIORITIES,
            capacity: task_controller::DEFAULT_CAPACITY,
            policy: PolicyName::default(),
            enqueue_cycles: c.enqueue,
            dequeue_cycles: c.dequeue,
            steal_cycles: c.steal,
            register_cycles: c.register,
            send_cycles: c.send,
            wake_cycles: task_controller::DEFAULT_WAKE_CYCLES,
        }
    }
}

/// Where the network card's interrupt goes (`net.irq`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NetIrqName {
    /// A level on its PLIC source until the driver acknowledges it (virtio's).
    #[default]
    Plic,
    /// A pulse on its source per used-buffer notification: each is an edge that wakes the
    /// task-controller handler bound to the source (IRQ_HANDLER\[1\]) with no
    /// acknowledgement; the PLIC sees the pulses too, so a guest taking this path leaves
    /// the source disabled there.
    TaskController,
}

/// The `[net]` table: the virtio-net card at virtio-mmio slot 0 (`0x1000_1000`, PLIC
/// source 1), its Ethernet link, and the client host on the other end (`[net.client]`).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct NetSection {
    /// Map the card (and list it in the device tree). Default false.
    pub enabled: bool,
    /// Link bandwidth in bits per second, each direction (1000..=10^12). Default 10^9,
    /// the reference boards' gigabit Ethernet.
    pub bandwidth_bps: u64,
    /// One-way propagation latency of the link in nanoseconds (at most 1 s). Default 1000:
    /// two gigabit PHYs (a few hundred ns each) and a short cable, the boards' direct link.
    pub latency_ns: u64,
    /// Device time per frame, each direction, in nanoseconds (at most 1 ms). Default 200.
    pub frame_ns: u64,
    /// Device time per descriptor of a chain, in nanoseconds (at most 1 ms). Default 20.
    pub descriptor_ns: u64,
    /// "plic" (default) or "task_controller".
    pub irq: NetIrqName,
    /// Largest queue size the card offers (QueueNumMax, 1..=32768). Default 256.
    pub queue_size: u16,
    /// Received frames the card holds while it has no receive buffer (1..=65536); more are
    /// dropped. Default 256.
    pub rx_queue_frames: usize,
    /// `[net.client]`: the simulated client host's load.
    pub client: netsim::ClientConfig,
    /// Live mode (`hartlab boot --hostfwd`): (host port, guest port) pairs; never read
    /// from TOML.
    #[serde(skip)]
    pub hostfwd: Vec<(u16, u16)>,
}

impl Default for NetSection {
    fn default() -> Self {
        Self {
            enabled: false,
            bandwidth_bps: 1_000_000_000,
            latency_ns: 1000,
            frame_ns: 200,
            descriptor_ns: 20,
            irq: NetIrqName::Plic,
            queue_size: 256,
            rx_queue_frames: 256,
            client: netsim::ClientConfig::default(),
            hostfwd: Vec::new(),
        }
    }
}

impl NetSection {
    /// Whether every key has its default (then the table is not written out).
    pub fn is_default(&self) -> bool {
        *self == Self::default()
    }

    /// Check the values, naming the key.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if !(1000..=1_000_000_000_000).contains(&self.bandwidth_bps) {
            return Err(ConfigError::value(
                "net.bandwidth_bps",
                self.bandwidth_bps,
                "must be between 1000 and 10^12 bits per second",
            ));
        }
        for (key, v, max) in [
            ("net.latency_ns", self.latency_ns, 1_000_000_000),
            ("net.frame_ns", self.frame_ns, 1_000_000),
            ("net.descriptor_ns", self.descriptor_ns, 1_000_000),
        ] {
            if v > max {
                return Err(ConfigError::value(key, v, format!("must be at most {max}")));
            }
        }
        if !(1..=32768).contains(&self.queue_size) {
            return Err(ConfigError::value(
                "net.queue_size",
                self.queue_size,
                "must be between 1 and 32768",
            ));
        }
        if !(1..=65536).contains(&self.rx_queue_frames) {
            return Err(ConfigError::value(
                "net.rx_queue_frames",
                self.rx_queue_frames,
                "must be between 1 and 65536",
            ));
        }
        self.client.validate().map_err(|e| ConfigError {
            file: None,
            key: format!("net.client.{}", e.key),
            value: Some(e.value),
            reason: e.reason,
        })
    }

    /// The card's parameters.
    pub fn device_config(&self) -> devices::virtio::NetConfig {
        devices::virtio::NetConfig {
            mac: abi::net::GUEST_MAC,
            bandwidth_bps: self.bandwidth_bps,
            latency: self.latency_ns * 1000,
            frame_cost: self.frame_ns * 1000,
            descriptor_cost: self.descriptor_ns * 1000,
            irq: devices::wiring::virtio(0),
            irq_mode: match self.irq {
                NetIrqName::Plic => devices::virtio::IrqMode::Level,
                NetIrqName::TaskController => devices::virtio::IrqMode::Pulse,
            },
            queue_max: self.queue_size,
            rx_queue_frames: self.rx_queue_frames,
            stop_when_done: self.client.stop_when_done,
        }
    }
}

impl MachineConfig {
    /// Read a TOML machine description (checked when it is resolved).
    pub fn from_file(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read machine config {}", path.display()))?;
        Self::from_toml(&text).with_context(|| format!("invalid machine config {}", path.display()))
    }

    /// Parse TOML text (checked when it is resolved).
    pub fn from_toml(text: &str) -> Result<Self> {
        toml::from_str(text).map_err(|e| anyhow::anyhow!("{}", e.to_string().trim_end()))
    }

    /// The timing model these tables describe.
    pub fn timing_config(&self) -> TimingConfig {
        let b = &self.branch;
        let predictor = match b.predictor {
            PredictorName::Static => PredictorConfig::Static {
                btb_entries: b.btb_entries,
                ras_depth: b.ras_depth,
            },
            PredictorName::Bimodal => PredictorConfig::Bimodal {
                counters: b.counters.unwrap_or(DEFAULT_COUNTERS),
                btb_entries: b.btb_entries,
                ras_depth: b.ras_depth,
            },
        };
        let m = &self.memory;
        let t = &self.traps;
        TimingConfig {
            core: self.core.clone(),
            predictor,
            memory: HierarchyConfig {
                l1i: m.l1i.into(),
                l1d: m.l1d.into(),
                l2: m.l2.into(),
                dram_latency: m.dram_latency_cycles,
            },
            itlb: TlbConfig {
                entries: self.mmu.itlb_entries,
                ways: self.mmu.itlb_ways.unwrap_or(self.mmu.itlb_entries),
            },
            dtlb: TlbConfig {
                entries: self.mmu.dtlb_entries,
                ways: self.mmu.dtlb_ways.unwrap_or(self.mmu.dtlb_entries),
            },
            traps: TrapCosts {
                entry: [t.entry_cycles_m, t.entry_cycles_s, t.entry_cycles_u],
                xret: [t.xret_cycles_m, t.xret_cycles_s, t.xret_cycles_u],
                interrupt: t.interrupt_cycles,
            },
            mmio_cycles: self.interconnect.mmio_cycles,
            uipi_cycles: self.uintr.uipi_cycles,
        }
    }

    /// The task controller these tables describe (its cycle counts at the first hart's
    /// clock).
    pub fn task_controller_config(&self) -> TaskControllerConfig {
        let t = &self.task_controller;
        let clock = self.hart_clocks()[0];
        let mut c = TaskControllerConfig::new(self.machine.harts, clock);
        c.sets = t.sets;
        c.priorities = t.priorities;
        c.capacity = t.capacity;
        c.policy = t.policy.into();
        c.costs = Costs {
            enqueue: t.enqueue_cycles,
            dequeue: t.dequeue_cycles,
            steal: t.steal_cycles,
            register: t.register_cycles,
            send: t.send_cycles,
        };
        c.wake_latency = clock.time_of(t.wake_cycles as u64);
        c
    }

    /// The clock of each hart.
    pub fn hart_clocks(&self) -> Vec<Clock> {
        let m = &self.machine;
        if m.hart_frequencies.is_empty() {
            vec![Clock::new(m.hart_frequency); m.harts]
        } else {
            m.hart_frequencies.iter().map(|&f| Clock::new(f)).collect()
        }
    }

    /// The machine parameters sim-core takes.
    pub fn machine_params(&self) -> MachineParams {
        MachineParams {
            hart_clocks: self.hart_clocks(),
            quantum: self.machine.quantum_ns.saturating_mul(1000),
            interleave: match self.machine.interleave {
                InterleaveName::Exact => Interleave::Exact,
                InterleaveName::Quantum => Interleave::Quantum,
            },
            timing: self.timing_config(),
            mode: match self.timing.mode {
                ModeName::Functional => TimingMode::Functional,
                ModeName::Timed => TimingMode::Timed,
            },
            timed_from_insn: self.timing.timed_from_insn,
            suicfg_reset: abi::board::UINTC_BASE,
            start_delays: self.start_delays(),
            misaligned_in_hardware: self.machine.misaligned == MisalignedName::Hardware,
        }
    }

    /// The simulator-control device's configuration.
    pub fn sim_control_config(&self) -> SimControlConfig {
        SimControlConfig {
            access_cycles: self.sim_control.access_cycles,
            max_samples: self.sim_control.max_samples,
            max_events: self.sim_control.max_events,
        }
    }

    /// Each hart's start delay in cycles: uniform in 0..=`start_jitter_cycles`, drawn from
    /// `seed` (splitmix64 of the seed and the hart id, so adding harts keeps the others').
    pub fn start_delays(&self) -> Vec<u64> {
        let m = &self.machine;
        if m.start_jitter_cycles == 0 {
            return Vec::new();
        }
        (0..m.harts as u64)
            .map(|h| splitmix64(m.seed ^ splitmix64(h)) % (m.start_jitter_cycles + 1))
            .collect()
    }

    /// Check every value's range, naming the key on failure (once, by
    /// [`MachineConfig::resolve`]).
    pub(crate) fn validate(&self) -> Result<(), ConfigError> {
        let m = &self.machine;
        if m.harts == 0 || m.harts > MAX_HARTS {
            return Err(ConfigError::value(
                "machine.harts",
                m.harts,
                format!("must be between 1 and {MAX_HARTS}"),
            ));
        }
        if m.memory < (1 << 20) || m.memory > (64 << 30) || !m.memory.is_multiple_of(4096) {
            return Err(ConfigError::value(
                "machine.memory",
                m.memory,
                "must be a multiple of 4 KiB between 1 MiB and 64 GiB",
            ));
        }
        let check_frequency = |key: &str, f: u64| {
            if f == 0 || f > 100_000_000_000 {
                return Err(ConfigError::value(
                    key,
                    f,
                    "must be between 1 Hz and 100 GHz",
                ));
            }
            if m.timebase_frequency > f {
                return Err(ConfigError::value(
                    "machine.timebase_frequency",
                    m.timebase_frequency,
                    format!("must not exceed the hart frequency ({key} = {f})"),
                ));
            }
            Ok(())
        };
        check_frequency("machine.hart_frequency", m.hart_frequency)?;
        if !m.hart_frequencies.is_empty() && m.hart_frequencies.len() != m.harts {
            return Err(ConfigError::key(
                "machine.hart_frequencies",
                format!(
                    "has {} entries: must have one per hart ({})",
                    m.hart_frequencies.len(),
                    m.harts
                ),
            ));
        }
        for (i, &f) in m.hart_frequencies.iter().enumerate() {
            check_frequency(&format!("machine.hart_frequencies[{i}]"), f)?;
        }
        if m.timebase_frequency == 0 {
            return Err(ConfigError::value(
                "machine.timebase_frequency",
                0,
                "must be at least 1 Hz",
            ));
        }
        if m.quantum_ns == 0 || m.quantum_ns > 1_000_000_000 {
            return Err(ConfigError::value(
                "machine.quantum_ns",
                m.quantum_ns,
                "must be between 1 ns and 1 s",
            ));
        }
        if self.timing.timed_from_insn.is_some() && self.timing.mode != ModeName::Functional {
            return Err(ConfigError::key(
                "timing.timed_from_insn",
                "needs timing.mode = \"functional\" (the run starts functional and switches to timed)",
            ));
        }
        if m.start_jitter_cycles > 1_000_000_000 {
            return Err(ConfigError::value(
                "machine.start_jitter_cycles",
                m.start_jitter_cycles,
                "must be at most 1000000000",
            ));
        }
        self.net.validate()?;
        let sc = &self.sim_control;
        let t = &self.task_controller;
        for (key, value, max) in [
            ("sim_control.max_samples", sc.max_samples, 10_000_000),
            ("sim_control.max_events", sc.max_events, 10_000_000),
            ("sim_control.max_dumps", sc.max_dumps, 10_000),
            ("uintr.uintc_slots", self.uintr.uintc_slots, 4096),
            ("task_controller.sets", t.sets, task_controller::MAX_SETS),
            (
                "task_controller.priorities",
                t.priorities,
                task_controller::MAX_PRIORITIES,
            ),
            (
                "task_controller.capacity",
                t.capacity,
                task_controller::MAX_CAPACITY,
            ),
        ] {
            if !(1..=max).contains(&value) {
                return Err(ConfigError::value(
                    key,
                    value,
                    format!("must be between 1 and {max}"),
                ));
            }
        }
        if let (PredictorName::Static, Some(n)) = (self.branch.predictor, self.branch.counters) {
            return Err(ConfigError::value(
                "branch.counters",
                n,
                "only a bimodal predictor has counters",
            ));
        }
        self.validate_timing()
    }

    /// Check the latencies only the devices take, then the timing model (whose errors are
    /// translated into TOML key names).
    fn validate_timing(&self) -> Result<(), ConfigError> {
        let t = &self.task_controller;
        for (key, value) in [
            ("sim_control.access_cycles", self.sim_control.access_cycles),
            (
                "uintr.send_visibility_cycles",
                self.uintr.send_visibility_cycles,
            ),
            ("task_controller.enqueue_cycles", t.enqueue_cycles),
            ("task_controller.dequeue_cycles", t.dequeue_cycles),
            ("task_controller.steal_cycles", t.steal_cycles),
            ("task_controller.register_cycles", t.register_cycles),
            ("task_controller.send_cycles", t.send_cycles),
            ("task_controller.wake_cycles", t.wake_cycles),
        ] {
            if value > MAX_CYCLES {
                return Err(ConfigError::value(
                    key,
                    value,
                    format!("must be at most {MAX_CYCLES}"),
                ));
            }
        }
        self.timing_config()
            .validate(self.machine.harts)
            .map_err(|e| match e {
                TimingConfigError::TooLarge { param, value } => ConfigError::value(
                    latency_key(param),
                    value,
                    format!("must be at most {MAX_CYCLES}"),
                ),
                TimingConfigError::Core(e) => ConfigError::value(
                    format!("core.{}", e.param),
                    e.value,
                    format!("must be between {} and {}", e.min, e.max),
                ),
                TimingConfigError::Predictor(e) => {
                    let (param, rule) = match e {
                        PredictorConfigError::NotPowerOfTwo { param, value } => {
                            (param, format!("{value} is not a power of two"))
                        }
                        PredictorConfigError::OutOfRange {
                            param,
                            value,
                            min,
                            max,
                        } => (param, format!("{value} is not between {min} and {max}")),
                    };
                    ConfigError::key(format!("branch.{param}"), rule)
                }
                TimingConfigError::Memory(e) => {
                    let table = match e.level() {
                        Some(Level::L1I) => "memory.l1i",
                        Some(Level::L1D) => "memory.l1d",
                        Some(Level::L2) => "memory.l2",
                        None => "memory",
                    };
                    ConfigError::key(table, e.to_string())
                }
                TimingConfigError::Tlb { which, error } => {
                    ConfigError::key(format!("mmu.{which}_{}", error.param()), error.to_string())
                }
            })
    }
}

/// One step of the splitmix64 generator (Steele, Lea and Flood, 2014): a well-mixed 64-bit
/// function of its input.
fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Parse a size such as `268435456`, `256M`, `256MiB`, `1G`, `1GiB`, `4096K`.
pub fn parse_size(text: &str) -> Result<u64> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (digits, unit) = t.split_at(split);
    let n: u64 = digits.parse().with_context(|| {
        format!("invalid size {text:?}: expected a number with an optional unit")
    })?;
    let shift = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 0,
        "k" | "kb" | "kib" => 10,
        "m" | "mb" | "mib" => 20,
        "g" | "gb" | "gib" => 30,
        _ => bail!("invalid size {text:?}: unknown unit {unit:?} (use K, M or G)"),
    };
    n.checked_mul(1 << shift)
        .with_context(|| format!("invalid size {text:?}: too large"))
}

fn de_size<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Size {
        Bytes(u64),
        Text(String),
    }
    match Size::deserialize(d)? {
        Size::Bytes(n) => Ok(n),
        Size::Text(s) => parse_size(&s).map_err(serde::de::Error::custom),
    }
}

fn de_some_size<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    de_size(d).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resolved::ResolvedMachine;

    #[test]
    fn parses_sizes() {
        assert_eq!(parse_size("256MiB").unwrap(), 256 << 20);
        assert_eq!(parse_size("1G").unwrap(), 1 << 30);
        assert_eq!(parse_size("4096").unwrap(), 4096);
        assert!(parse_size("12X").is_err());
        assert!(parse_size("").is_err());
    }

    /// Parse and check TOML text, as a run does.
    fn checked(text: &str) -> Result<ResolvedMachine> {
        Ok(MachineConfig::from_toml(text)?.resolve()?)
    }

    fn preset(name: &str) -> MachineConfig {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("configs")
            .join(name);
        MachineConfig::from_file(&path).unwrap_or_else(|e| panic!("{e:#}"))
    }

    #[test]
    fn default_preset_lists_the_built_in_defaults() {
        let c = preset("default.toml");
        assert_eq!(c.machine, MachineSection::default());
        assert_eq!(c.timing, TimingSection::default());
        assert_eq!(c.timing_config(), TimingConfig::default());
        assert_eq!(
            MachineConfig::default().timing_config(),
            TimingConfig::default()
        );
        assert_eq!(c.task_controller, TaskControllerSection::default());
        assert_eq!(c.uintr, UintrSection::default());
        assert_eq!(c.plic, PlicSection::default());
        assert_eq!(c.sim_control, SimControlSection::default());
        assert_eq!(c.net, NetSection::default());
    }

    #[test]
    fn configurations_survive_a_round_trip_through_toml() {
        for c in [MachineConfig::default(), preset("fpga-100mhz.toml")] {
            let text = toml::to_string(&c).unwrap();
            assert_eq!(MachineConfig::from_toml(&text).unwrap(), c, "{text}");
        }
    }

    #[test]
    fn start_jitter_draws_per_hart_delays_from_the_seed() {
        let mut c = MachineConfig::default();
        c.machine.harts = 4;
        assert!(c.start_delays().is_empty(), "no jitter by default");
        c.machine.start_jitter_cycles = 1000;
        let a = c.start_delays();
        assert_eq!(a.len(), 4);
        assert!(a.iter().all(|&d| d <= 1000));
        assert_eq!(a, c.start_delays(), "deterministic");
        c.machine.seed = 1;
        let b = c.start_delays();
        assert_ne!(a, b, "the seed changes the delays");
        c.machine.harts = 5;
        assert_eq!(
            c.start_delays()[..4],
            b[..],
            "adding a hart keeps the others'"
        );
    }

    #[test]
    fn net_tables_are_read_checked_and_left_out_while_default() {
        let err = |text: &str| format!("{:#}", checked(text).unwrap_err());
        assert!(err("[net]\nbandwidth_bps = 5\n").starts_with("net.bandwidth_bps = 5:"));
        assert!(err("[net]\nqueue_size = 0\n").starts_with("net.queue_size = 0:"));
        assert!(err("[net.client]\nconnections = 0\n").starts_with("net.client.connections = 0:"));
        assert!(err("[net.client]\npriorities = [9]\n").starts_with("net.client.priorities = 9:"));
        assert!(err("[net.client]\nkind = \"closed\"\nrequest_bytes = 8\n")
            .starts_with("net.client.request_bytes = 8:"));
        assert!(err("[net.client]\nbogus = 1\n").contains("unknown field"));
        assert!(err("[net]\nirq = \"msi\"\n").contains("unknown variant"));
        let c = MachineConfig::from_toml(
            "[net]\nenabled = true\nirq = \"task_controller\"\n[net.client]\nkind = \"open\"\narrival = \"poisson\"\nservice = \"bimodal\"\nservice_ns = 100\n",
        )
        .unwrap();
        assert!(c.net.enabled);
        assert_eq!(
            c.net.device_config().irq_mode,
            devices::virtio::IrqMode::Pulse
        );
        assert_eq!(
            c.net.client.service(),
            netsim::rng::Service::Bimodal {
                p: 0.9,
                a: 100,
                b: 1000
            }
        );
        let written = toml::to_string(&c).unwrap();
        assert_eq!(MachineConfig::from_toml(&written).unwrap(), c);
        let default = toml::to_string(&MachineConfig::default()).unwrap();
        assert!(!default.contains("[net"), "{default}");
    }

    #[test]
    fn task_controller_table_is_read_and_checked() {
        let d = MachineConfig::default().task_controller_config();
        assert_eq!((d.sets, d.priorities, d.capacity), (16, 8, 64));
        assert_eq!(d.policy, Policy::StealOne);
        assert_eq!(d.costs, Costs::default());
        assert_eq!(d.wake_latency, 7_000, "7 cycles at 1 GHz");
        let c = MachineConfig::from_toml(
            "[machine]\nharts = 4\nhart_frequency = 100000000\n\
             [task_controller]\nsets = 256\npriorities = 32\ncapacity = 1024\n\
             policy = \"c-fcfs\"\n\
             enqueue_cycles = 1\ndequeue_cycles = 2\nsteal_cycles = 3\nregister_cycles = 4\n\
             send_cycles = 5\nwake_cycles = 6\n",
        )
        .unwrap();
        let t = c.task_controller_config();
        assert_eq!(
            (t.harts, t.sets, t.priorities, t.capacity),
            (4, 256, 32, 1024)
        );
        assert_eq!(t.policy, Policy::CFcfs);
        assert_eq!(
            t.costs,
            Costs {
                enqueue: 1,
                dequeue: 2,
                steal: 3,
                register: 4,
                send: 5
            }
        );
        assert_eq!(t.wake_latency, 60_000, "6 cycles at 100 MHz");
        for (name, policy) in [
            ("d-fcfs", Policy::DFcfs),
            ("none", Policy::DFcfs),
            ("steal-one", Policy::StealOne),
            ("shared", Policy::CFcfs),
        ] {
            let text = format!("[task_controller]\npolicy = \"{name}\"\n");
            let c = MachineConfig::from_toml(&text).unwrap();
            assert_eq!(c.task_controller_config().policy, policy, "{name}");
        }
        for (text, wanted) in [
            ("[task_controller]\nsets = 0\n", "task_controller.sets"),
            ("[task_controller]\nsets = 257\n", "task_controller.sets"),
            (
                "[task_controller]\npriorities = 33\n",
                "task_controller.priorities",
            ),
            (
                "[task_controller]\ncapacity = 0\n",
                "task_controller.capacity",
            ),
            (
                "[task_controller]\ncapacity = 1025\n",
                "task_controller.capacity",
            ),
            ("[task_controller]\npolicy = \"lifo\"\n", "lifo"),
            ("[task_controller]\nqueues = 4\n", "queues"),
            (
                "[task_controller]\nwake_cycles = 70000\n",
                "task_controller.wake_cycles",
            ),
            (
                "[task_controller]\nsteal_cycles = 70000\n",
                "task_controller.steal_cycles",
            ),
        ] {
            let e = error(text);
            assert!(e.contains(wanted), "{text:?}: {e}");
        }
    }

    #[test]
    fn fpga_preset_is_a_valid_100mhz_machine() {
        let c = preset("fpga-100mhz.toml");
        assert_eq!(c.machine.hart_frequency, 100_000_000);
        assert_eq!(c.machine.harts, 4);
        let t = c.timing_config();
        assert_eq!(t.memory.l1d.size_bytes, 16 << 10);
        assert_eq!(t.core_config().load_latency, 2);
        assert_ne!(t, TimingConfig::default());
    }

    fn error(text: &str) -> String {
        format!("{:#}", checked(text).unwrap_err())
    }

    #[test]
    fn timing_errors_name_the_key() {
        for (text, wanted) in [
            (
                "[memory]\ndram_latency_cycles = 70000\n",
                "memory.dram_latency_cycles",
            ),
            ("[memory]\ndram_latency = 7\n", "dram_latency"),
            (
                "[memory.l1d]\nsize = \"48KiB\"\nways = 8\nline_bytes = 64\nhit_cycles = 2\n",
                "memory.l1d",
            ),
            ("[memory.l2]\nhit_latency = 12\n", "hit_latency"),
            ("[core]\nmul_latency = 0\n", "core.mul_latency"),
            ("[core]\nload_latency = 3\n", "load_latency"),
            (
                "[core]\ndiv_bits_per_cycle = 65\n",
                "core.div_bits_per_cycle",
            ),
            ("[branch]\npredictor = \"gshare\"\n", "gshare"),
            ("[branch]\ncounters = 500\n", "branch.counters"),
            (
                "[branch]\npredictor = \"static\"\ncounters = 512\n",
                "branch.counters",
            ),
            ("[mmu]\ndtlb_entries = 24\n", "mmu.dtlb_entries"),
            ("[mmu]\nitlb_ways = 64\n", "mmu.itlb_ways"),
            ("[mmu]\ndtlb_entries = 64\ndtlb_ways = 3\n", "mmu.dtlb_ways"),
            (
                "[traps]\nentry_cycles_s = 1000000\n",
                "traps.entry_cycles_s",
            ),
            ("[interconnect]\nmmio_cycles = -1\n", "mmio_cycles"),
            ("[timing]\nmode = \"fast\"\n", "fast"),
            ("[timing]\ntimed_from_insn = 5\n", "timing.timed_from_insn"),
            (
                "[machine]\nharts = 2\nhart_frequencies = [1000000000]\n",
                "machine.hart_frequencies",
            ),
            (
                "[machine]\nhart_frequencies = [0]\n",
                "machine.hart_frequencies[0]",
            ),
            (
                "[sim_control]\nmax_samples = 0\n",
                "sim_control.max_samples",
            ),
            (
                "[sim_control]\naccess_cycles = 70000\n",
                "sim_control.access_cycles",
            ),
            ("[sim_control]\ncost = 1\n", "cost"),
        ] {
            let e = error(text);
            assert!(e.contains(wanted), "{text:?}: {e}");
        }
    }

    #[test]
    fn validation_errors_are_typed_with_key_value_and_reason() {
        let invalid = |text: &str| -> ConfigError {
            let config: MachineConfig = toml::from_str(text).expect("well-formed TOML");
            config.validate().expect_err(text)
        };
        let e = invalid("[machine]\nharts = 0\n");
        assert_eq!(
            (e.key.as_str(), e.value.as_deref()),
            ("machine.harts", Some("0"))
        );
        assert_eq!(
            e.to_string(),
            "machine.harts = 0: must be between 1 and 512"
        );
        // The timing model's own range rules, reported under the TOML key.
        for (text, key) in [
            (
                "[traps]\nentry_cycles_s = 1000000\n",
                "traps.entry_cycles_s",
            ),
            (
                "[interconnect]\nmmio_cycles = 1000000\n",
                "interconnect.mmio_cycles",
            ),
            ("[uintr]\nuipi_cycles = 1000000\n", "uintr.uipi_cycles"),
            (
                "[memory]\ndram_latency_cycles = 1000000\n",
                "memory.dram_latency_cycles",
            ),
        ] {
            let e = invalid(text);
            assert_eq!(e.key, key, "{text:?}");
            assert_eq!(e.value.as_deref(), Some("1000000"), "{text:?}");
            assert_eq!(
                e.reason,
                format!("must be at most {MAX_CYCLES}"),
                "{text:?}"
            );
        }
        let e = invalid("[memory.l1d]\nsize = 3000\n");
        assert_eq!((e.key.as_str(), e.value), ("memory.l1d", None));
        let e = invalid("[net.client]\nconnections = 0\n");
        assert_eq!(e.key, "net.client.connections");
    }

    #[test]
    fn cache_tables_take_single_keys_over_their_level_defaults() {
        let defaults = HierarchyConfig::default();
        let c = MachineConfig::from_toml("[memory.l1d]\nways = 1\n[memory.l2]\nhit_cycles = 30\n")
            .unwrap();
        let t = c.timing_config();
        assert_eq!(
            t.memory.l1d,
            CacheConfig {
                ways: 1,
                ..defaults.l1d
            }
        );
        assert_eq!(
            t.memory.l2,
            CacheConfig {
                hit_latency: 30,
                ..defaults.l2
            }
        );
        assert_eq!(t.memory.l1i, defaults.l1i);
        let c = MachineConfig::from_toml("[memory.l1i]\nsize = \"8KiB\"\n").unwrap();
        assert_eq!(c.timing_config().memory.l1i.size_bytes, 8 << 10);
        // A single key still goes through the range rules.
        assert!(error("[memory.l1d]\nways = 0\n").contains("memory.l1d"));
    }

    #[test]
    fn timing_tables_reach_the_model() {
        let c = MachineConfig::from_toml(
            "[memory]\ndram_latency_cycles = 250\n[memory.l2]\nsize = \"1MiB\"\nways = 16\nline_bytes = 128\nhit_cycles = 20\n\
             [branch]\npredictor = \"static\"\n[core]\nmul_latency = 6\n[timing]\nmode = \"functional\"\ntimed_from_insn = 1000\n",
        )
        .unwrap();
        let p = c.machine_params();
        assert_eq!(p.timing.memory.dram_latency, 250);
        assert_eq!(p.timing.memory.l2.size_bytes, 1 << 20);
        assert_eq!(p.timing.memory.l2.ways, 16);
        assert_eq!(p.timing.core.mul_latency, 6);
        assert!(matches!(p.timing.predictor, PredictorConfig::Static { .. }));
        let c = MachineConfig::from_toml("[mmu]\ndtlb_entries = 64\nitlb_ways = 8\n").unwrap();
        let t = c.timing_config();
        assert_eq!((t.dtlb.entries, t.dtlb.ways), (64, 64), "fully associative");
        assert_eq!((t.itlb.entries, t.itlb.ways), (32, 8));
        assert_eq!(p.mode, TimingMode::Functional);
        assert_eq!(p.timed_from_insn, Some(1000));
    }

    #[test]
    fn reads_toml_and_rejects_bad_keys() {
        let c = MachineConfig::from_toml("[machine]\nharts = 4\nmemory = \"128MiB\"\n").unwrap();
        assert_eq!(c.machine.harts, 4);
        assert_eq!(c.machine.memory, 128 << 20);
        let e = MachineConfig::from_toml("[machine]\nhartz = 4\n").unwrap_err();
        assert!(format!("{e:#}").contains("hartz"), "{e:#}");
        let e = checked("[machine]\nharts = 0\n").unwrap_err();
        assert!(format!("{e:#}").contains("machine.harts"), "{e:#}");
        let e = MachineConfig::from_toml("[machine]\nmemory = \"lots\"\n").unwrap_err();
        assert!(format!("{e:#}").contains("lots"), "{e:#}");
    }
}
