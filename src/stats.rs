//! Run statistics: the JSON `--stats FILE` writes and the gem5-style table `--stats -`
//! prints. Everything here is simulated, so the same ELF and configuration give
//! byte-identical statistics; host time and speed are reported separately.
//!
//! The machine's figures (everything but `simulator`) describe the modelled hardware and
//! stay the same whatever the engine does to run it faster. The `simulator` section holds
//! diagnostics of the simulator's own host-side caches (its software TLB and page-table
//! walks that fill it); they are deterministic too, but they count work of the engine, not
//! of the machine, so they may change whenever the engine does.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;
use sim_core::hart::trap::{TrapCounts, CAUSES};
use sim_core::machine::Machine;
use sim_core::time::{SimTime, PS_PER_SEC};
use sim_core::timing::branch::PredictorStats;
use sim_core::timing::cache::CacheStats;
use sim_core::timing::core::{CoreStats, InsnClass};
use sim_core::timing::tlb::TlbStats;

/// Names of exception causes 0..16 (reserved codes keep their number).
const EXCEPTION_NAMES: [&str; CAUSES] = [
    "instruction_address_misaligned",
    "instruction_access_fault",
    "illegal_instruction",
    "breakpoint",
    "load_address_misaligned",
    "load_access_fault",
    "store_address_misaligned",
    "store_access_fault",
    "ecall_from_u",
    "ecall_from_s",
    "reserved_10",
    "ecall_from_m",
    "instruction_page_fault",
    "load_page_fault",
    "reserved_14",
    "store_page_fault",
];

/// Names of interrupt causes 0..16.
const INTERRUPT_NAMES: [&str; CAUSES] = [
    "user_software",
    "supervisor_software",
    "reserved_2",
    "machine_software",
    "user_timer",
    "supervisor_timer",
    "reserved_6",
    "machine_timer",
    "user_external",
    "supervisor_external",
    "reserved_10",
    "machine_external",
    "reserved_12",
    "reserved_13",
    "reserved_14",
    "reserved_15",
];

/// Trap counts by name (only causes that occurred).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Traps {
    /// Exceptions by cause name.
    pub exceptions: std::collections::BTreeMap<&'static str, u64>,
    /// Interrupts by cause name.
    pub interrupts: std::collections::BTreeMap<&'static str, u64>,
    /// Traps taken into M mode.
    pub to_m: u64,
    /// Traps taken into S mode.
    pub to_s: u64,
    /// Traps taken into U mode (N extension).
    pub to_u: u64,
}

impl From<&TrapCounts> for Traps {
    fn from(t: &TrapCounts) -> Self {
        let named = |names: &[&'static str; CAUSES], counts: &[u64; CAUSES]| {
            names
                .iter()
                .zip(counts)
                .filter(|(_, &n)| n > 0)
                .map(|(&k, &n)| (k, n))
                .collect()
        };
        Self {
            exceptions: named(&EXCEPTION_NAMES, &t.exceptions),
            interrupts: named(&INTERRUPT_NAMES, &t.interrupts),
            to_m: t.to_m,
            to_s: t.to_s,
            to_u: t.to_u,
        }
    }
}

/// One cache's counters.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct CacheReport {
    /// Demand hits.
    pub hits: u64,
    /// Demand misses.
    pub misses: u64,
    /// Misses per access.
    pub miss_rate: f64,
    /// Dirty lines written back to the next level.
    pub writebacks: u64,
    /// Lines invalidated by other harts' stores.
    pub invalidations: u64,
}

fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

impl From<CacheStats> for CacheReport {
    fn from(c: CacheStats) -> Self {
        Self {
            hits: c.hits,
            misses: c.misses,
            miss_rate: ratio(c.misses, c.hits + c.misses),
            writebacks: c.writebacks,
            invalidations: c.invalidations,
        }
    }
}

/// One modelled TLB's counters.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TlbReport {
    /// Translated accesses that hit.
    pub hits: u64,
    /// Translated accesses that missed and walked the page table.
    pub misses: u64,
    /// Misses per translated access.
    pub miss_rate: f64,
    /// Cycles spent walking (each PTE read through the caches).
    pub walk_cycles: u64,
    /// SFENCE.VMA flushes.
    pub flushes: u64,
}

impl From<TlbStats> for TlbReport {
    fn from(t: TlbStats) -> Self {
        Self {
            hits: t.hits,
            misses: t.misses,
            miss_rate: ratio(t.misses, t.hits + t.misses),
            walk_cycles: t.walk_cycles,
            flushes: t.flushes,
        }
    }
}

/// Branch prediction counters.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct BranchReport {
    /// Conditional branches.
    pub branches: u64,
    /// Mispredicted conditional branches.
    pub branch_mispredicts: u64,
    /// Returns (JALR predicted by the return-address stack).
    pub returns: u64,
    /// Mispredicted returns.
    pub return_mispredicts: u64,
    /// Other indirect jumps.
    pub indirect: u64,
    /// Mispredicted indirect jumps.
    pub indirect_mispredicts: u64,
    /// Mispredictions of every kind.
    pub mispredicts: u64,
}

impl From<PredictorStats> for BranchReport {
    fn from(p: PredictorStats) -> Self {
        Self {
            branches: p.branches,
            branch_mispredicts: p.branch_mispredicts,
            returns: p.returns,
            return_mispredicts: p.return_mispredicts,
            indirect: p.indirect,
            indirect_mispredicts: p.indirect_mispredicts,
            mispredicts: p.mispredicts(),
        }
    }
}

/// Instructions and cycles of one instruction class.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ClassReport {
    /// Instructions issued.
    pub insns: u64,
    /// Cycles charged to them (issue, stalls, penalties).
    pub cycles: u64,
}

/// Where the timed cycles went.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct PipelineReport {
    /// Waiting for a load's result (load-use).
    pub load_use_stalls: u64,
    /// Waiting for a multiply, divide, FP or CSR result.
    pub long_latency_stalls: u64,
    /// Waiting for a busy unit (divider, FP divide/sqrt, miss handler).
    pub unit_stalls: u64,
    /// Serialising instructions waiting for earlier work.
    pub drain_stalls: u64,
    /// Front-end stalls: instruction-cache and ITLB misses.
    pub fetch_stalls: u64,
    /// Data-memory stalls: data-cache and DTLB misses, device accesses.
    pub mem_stalls: u64,
    /// Branch mispredict penalties.
    pub mispredict_cycles: u64,
    /// Pipeline flushes of CSR writes, fences, xRET, ECALL, WFI.
    pub flush_cycles: u64,
    /// Trap and interrupt entry.
    pub trap_cycles: u64,
    /// Instructions and cycles by class (classes that occurred).
    pub classes: BTreeMap<&'static str, ClassReport>,
}

impl From<&CoreStats> for PipelineReport {
    fn from(c: &CoreStats) -> Self {
        Self {
            load_use_stalls: c.load_use_stalls(),
            long_latency_stalls: c.long_latency_stalls(),
            unit_stalls: c.unit_stalls,
            drain_stalls: c.drain_stalls,
            fetch_stalls: c.fetch_stalls,
            mem_stalls: c.mem_stalls,
            mispredict_cycles: c.mispredict_cycles,
            flush_cycles: c.flush_cycles,
            trap_cycles: c.trap_cycles,
            classes: InsnClass::ALL
                .iter()
                .filter(|&&k| c.insns[k as usize] > 0)
                .map(|&k| {
                    (
                        k.name(),
                        ClassReport {
                            insns: c.insns[k as usize],
                            cycles: c.cycles[k as usize],
                        },
                    )
                })
                .collect(),
        }
    }
}

/// Cycles by privilege mode.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ModeCycles {
    /// Machine mode.
    pub m: u64,
    /// Supervisor mode.
    pub s: u64,
    /// User mode.
    pub u: u64,
}

/// Statistics of one hart.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct HartReport {
    /// Hart id.
    pub hart: usize,
    /// Instructions retired.
    pub instret: u64,
    /// Cycles elapsed (`mcycle`): the timing model's cycles, one per instruction while
    /// functional, plus WFI sleep.
    pub cycles: u64,
    /// Cycles per instruction.
    pub cpi: f64,
    /// Cycles asleep in WFI.
    pub wfi_cycles: u64,
    /// Cycles by privilege mode.
    pub mode_cycles: ModeCycles,
    /// Traps taken.
    pub traps: Traps,
    /// L1 instruction cache.
    pub l1i: CacheReport,
    /// L1 data cache.
    pub l1d: CacheReport,
    /// Instruction TLB.
    pub itlb: TlbReport,
    /// Data TLB.
    pub dtlb: TlbReport,
    /// Branch prediction.
    pub branch: BranchReport,
    /// Pipeline cycle breakdown.
    pub pipeline: PipelineReport,
    /// Uncached device accesses.
    pub mmio_accesses: u64,
    /// Cycles they cost beyond the load latency.
    pub mmio_cycles: u64,
    /// User interrupts: UIPI instructions and send-to-handler latencies.
    pub uintr: UintrReport,
}

/// The simulator's own work for one hart: host-side caches, not the modelled machine.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SimulatorHartReport {
    /// Hart id.
    pub hart: usize,
    /// Page-table walks the simulator's functional MMU made to fill its software TLB (the
    /// modelled TLBs' misses and walk cycles are `itlb`/`dtlb` in the hart's figures).
    pub page_walks: u64,
    /// Translations the simulator cached in its software TLB.
    pub soft_tlb_fills: u64,
}

/// Simulator diagnostics: counters of the engine's host-side caches. They are
/// deterministic but depend on how the engine runs the machine, so they are kept apart
/// from the machine's statistics and may change with any engine change.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SimulatorReport {
    /// Per-hart counters.
    pub harts: Vec<SimulatorHartReport>,
}

/// User-interrupt counters of one hart.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct UintrReport {
    /// `uipi.send` instructions that reached the UINTC.
    pub sends: u64,
    /// `uipi` instructions that had no effect.
    pub failures: u64,
    /// `uipi.read` instructions that returned pending bits.
    pub reads: u64,
    /// User software interrupts taken, by cycles from the USIP line becoming visible to the
    /// trap into `utvec` (cycles -> count).
    pub usi_latency: BTreeMap<u64, u64>,
}

/// Accesses to one device.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct DeviceReport {
    /// Device name.
    pub name: String,
    /// Base address.
    pub base: u64,
    /// Reads.
    pub reads: u64,
    /// Writes.
    pub writes: u64,
    /// The device's own counters (only devices that keep some).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub counters: BTreeMap<String, u64>,
}

/// Everything `--stats` reports.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Stats {
    /// Simulated seconds (since the guest last reset the statistics, if it did).
    pub sim_seconds: f64,
    /// Instructions retired by all harts.
    pub instret: u64,
    /// The timing mode at the end of the run: "timed" or "functional".
    pub mode: &'static str,
    /// How the run ended.
    pub exit: String,
    /// Per-hart statistics.
    pub harts: Vec<HartReport>,
    /// The shared L2.
    pub l2: CacheReport,
    /// Per-device accesses.
    pub devices: Vec<DeviceReport>,
    /// Simulator diagnostics (not machine statistics; they depend on the engine).
    pub simulator: SimulatorReport,
}

impl Stats {
    /// Collect statistics from `machine` after a run that ended as `exit` says.
    pub fn collect(machine: &Machine, exit: String) -> Self {
        Self::collect_at(machine, machine.now(), exit)
    }

    /// Collect statistics from `machine` at simulated time `now` (a hart's local time, for
    /// a dump the guest asked for); `exit` says why.
    pub fn collect_at(machine: &Machine, now: SimTime, exit: String) -> Self {
        let harts: Vec<HartReport> = machine
            .harts
            .iter()
            .map(|h| {
                let s = h.stats();
                let caches = machine.bus.caches.stats(h.id);
                let t = &s.timing;
                HartReport {
                    hart: h.id,
                    instret: s.instret,
                    cycles: s.cycles,
                    cpi: ratio(s.cycles, s.instret),
                    wfi_cycles: s.wfi_cycles,
                    mode_cycles: ModeCycles {
                        m: s.mode_cycles[0],
                        s: s.mode_cycles[1],
                        u: s.mode_cycles[2],
                    },
                    traps: Traps::from(&s.traps),
                    l1i: caches.l1i.into(),
                    l1d: caches.l1d.into(),
                    itlb: t.itlb.into(),
                    dtlb: t.dtlb.into(),
                    branch: t.predictor.into(),
                    pipeline: (&t.core).into(),
                    mmio_accesses: t.mmio_accesses,
                    mmio_cycles: t.mmio_cycles,
                    uintr: UintrReport {
                        sends: s.uintr.sends,
                        failures: s.uintr.failures,
                        reads: s.uintr.reads,
                        usi_latency: s.uintr.usi_latency.clone(),
                    },
                }
            })
            .collect();
        let simulator = SimulatorReport {
            harts: machine
                .harts
                .iter()
                .map(|h| {
                    let s = h.stats();
                    SimulatorHartReport {
                        hart: h.id,
                        page_walks: s.tlb_walks,
                        soft_tlb_fills: s.tlb_fills,
                    }
                })
                .collect(),
        };
        let devices = machine
            .bus
            .device_accesses()
            .into_iter()
            .map(|d| DeviceReport {
                name: d.name,
                base: d.base,
                reads: d.reads,
                writes: d.writes,
                counters: d.counters.into_iter().collect(),
            })
            .collect();
        Self {
            sim_seconds: now.saturating_sub(machine.stats_since()) as f64 / PS_PER_SEC as f64,
            instret: harts.iter().map(|h| h.instret).sum(),
            mode: if machine.bus.control.timed {
                "timed"
            } else {
                "functional"
            },
            exit,
            harts,
            l2: machine.bus.caches.l2_stats().into(),
            devices,
            simulator,
        }
    }

    /// The machine's statistics as JSON: everything but the simulator diagnostics, so the
    /// same for any engine that runs the machine faithfully.
    pub fn machine_json(&self) -> serde_json::Value {
        let mut value = serde_json::to_value(self).expect("statistics serialise");
        if let Some(map) = value.as_object_mut() {
            map.remove("simulator");
        }
        value
    }

    /// The statistics as a gem5-style text table: one `name value # description` line per
    /// number, names dotted from the JSON structure (`hart0.l1d.misses`). The simulator
    /// diagnostics follow the machine's statistics in a block of their own.
    pub fn table(&self) -> String {
        let mut out = String::from("---------- Begin Simulation Statistics ----------\n");
        write_rows(&mut out, "", &self.machine_json());
        out.push_str("---------- End Simulation Statistics   ----------\n");
        out.push_str(
            "---------- Simulator Diagnostics (host-side caches, depend on the engine) ----------\n",
        );
        let simulator = serde_json::to_value(&self.simulator).expect("statistics serialise");
        write_rows(&mut out, "simulator", &simulator);
        out.push_str("---------- End Simulator Diagnostics ----------\n");
        out
    }
}

/// Append one `name value # description` line per number in `value`, names under `prefix`.
fn write_rows(out: &mut String, prefix: &str, value: &serde_json::Value) {
    let mut rows = Vec::new();
    flatten(prefix, value, &mut rows);
    for (name, v) in rows {
        let leaf = name.rsplit('.').next().unwrap_or(&name);
        let _ = writeln!(out, "{name:<48} {v:>20}  # {}", describe(leaf));
    }
}

/// Flatten JSON into (dotted name, printed value) rows; hart arrays become `hart<N>`,
/// device arrays `<device name>` (in place of the array's own name).
fn flatten(prefix: &str, v: &serde_json::Value, rows: &mut Vec<(String, String)>) {
    use serde_json::Value;
    let join = |k: &str| {
        if prefix.is_empty() {
            k.to_string()
        } else {
            format!("{prefix}.{k}")
        }
    };
    match v {
        Value::Object(map) => {
            for (k, v) in map {
                flatten(&join(k), v, rows);
            }
        }
        Value::Array(items) => {
            for item in items {
                let name = if let Some(h) = item.get("hart").and_then(Value::as_u64) {
                    format!("hart{h}")
                } else if let Some(n) = item.get("name").and_then(Value::as_str) {
                    n.to_string()
                } else {
                    continue;
                };
                let leaf = match prefix.rsplit_once('.') {
                    _ if prefix == "harts" || prefix == "devices" => name,
                    Some((parent, "harts" | "devices")) => format!("{parent}.{name}"),
                    _ => join(&name),
                };
                let item = match item {
                    Value::Object(m) => Value::Object(
                        m.iter()
                            .filter(|(k, _)| *k != "hart" && *k != "name")
                            .map(|(k, v)| (k.clone(), v.clone()))
                            .collect(),
                    ),
                    other => other.clone(),
                };
                flatten(&leaf, &item, rows);
            }
        }
        Value::Number(n) => {
            let text = match n.as_f64() {
                Some(f) if !n.is_u64() && !n.is_i64() => format!("{f:.6}"),
                _ => n.to_string(),
            };
            rows.push((prefix.to_string(), text));
        }
        Value::String(s) => rows.push((prefix.to_string(), s.clone())),
        Value::Bool(b) => rows.push((prefix.to_string(), b.to_string())),
        Value::Null => {}
    }
}

/// A description for a statistic, by its last name component.
fn describe(leaf: &str) -> String {
    let text = match leaf {
        "sim_seconds" => "Simulated seconds",
        "instret" => "Instructions retired",
        "mode" => "Timing mode at the end of the run",
        "exit" => "How the run ended",
        "cycles" => "Cycles",
        "cpi" => "Cycles per instruction",
        "wfi_cycles" => "Cycles asleep in WFI",
        "m" => "Cycles in M mode",
        "s" => "Cycles in S mode",
        "u" => "Cycles in U mode",
        "to_m" => "Traps taken into M mode",
        "to_s" => "Traps taken into S mode",
        "to_u" => "Traps taken into U mode",
        "sends" => "Sends",
        "failures" => "UIPI instructions without effect",
        "hits" => "Demand hits",
        "misses" => "Demand misses",
        "miss_rate" => "Misses per access",
        "writebacks" => "Dirty lines written back",
        "invalidations" => "Lines invalidated by other harts' stores",
        "walk_cycles" => "Cycles spent walking page tables",
        "flushes" => "SFENCE.VMA flushes",
        "branches" => "Conditional branches",
        "branch_mispredicts" => "Mispredicted conditional branches",
        "returns" => "Returns",
        "return_mispredicts" => "Mispredicted returns",
        "indirect" => "Indirect jumps (not returns)",
        "indirect_mispredicts" => "Mispredicted indirect jumps",
        "mispredicts" => "Mispredictions of all kinds",
        "load_use_stalls" => "Stall cycles waiting for load results",
        "long_latency_stalls" => "Stall cycles waiting for MUL/DIV/FP/CSR results",
        "unit_stalls" => "Stall cycles waiting for a busy unit",
        "drain_stalls" => "Cycles serialising instructions waited",
        "fetch_stalls" => "Instruction-cache and ITLB miss cycles",
        "mem_stalls" => "Data-cache, DTLB and device cycles",
        "mispredict_cycles" => "Branch mispredict penalty cycles",
        "flush_cycles" => "Pipeline flush cycles",
        "trap_cycles" => "Trap and interrupt entry cycles",
        "insns" => "Instructions of this class",
        "mmio_accesses" => "Uncached device accesses",
        "mmio_cycles" => "Device access cycles beyond the load latency",
        "page_walks" => {
            "Simulator: page-table walks filling its software TLB (not a machine figure)"
        }
        "soft_tlb_fills" => "Simulator: software-TLB fills (not a machine figure)",
        "base" => "Base address",
        "reads" => "Reads",
        "writes" => "Writes",
        "high_writes" => "Writes ORing into pending words",
        "reads_cleared" => "Read-and-clear reads that returned pending bits",
        "pending_high_water_max" => "Most pending vectors any receiver held at once",
        "pending_high_water" => "Most pending vectors this receiver held at once",
        "allocs" | "allocations" => "Queue-set allocations",
        "alloc_failures" => "Allocations refused (no free set)",
        "frees" => "Queue sets freed",
        "errors" => "Errors reported in error registers",
        "source_edges" => "Interrupt-source edges seen",
        "pulses" => "Simulated edges written by software",
        "enqueues" => "Tasks enqueued",
        "dequeues" => "Tasks dequeued",
        "empty_dequeues" => "Dequeues that found no task",
        "steals" => "Tasks stolen from another local queue",
        "wakeups" => "Handler tasks woken by interrupts or sends",
        "wake_lost" => "Wake-ups refused (set full)",
        "preempts" => "Preempt lines raised",
        "high_water" => "Most tasks held at once",
        "sends_denied" => "IPC sends without permission",
        "registrations" => "Handler registrations",
        "discarded" => "Tasks discarded when the set was freed",
        "wake_to_dequeue_cycles_sum" => "Sum of wake-to-dequeue cycles",
        "wake_to_dequeue_cycles_max" => "Longest wake-to-dequeue cycles",
        _ if leaf.parse::<u64>().is_ok() => "Occurrences of this many cycles",
        _ if leaf.contains('-') || leaf.ends_with('+') => "Occurrences in this cycle range",
        _ => return format!("{} taken", leaf.replace('_', " ")),
    };
    text.to_string()
}
