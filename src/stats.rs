//! Run statistics in the JSON shape `--stats FILE` writes.

use serde::Serialize;
use sim_core::hart::trap::{TrapCounts, CAUSES};
use sim_core::machine::Machine;
use sim_core::time::PS_PER_SEC;

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
    "reserved_0",
    "supervisor_software",
    "reserved_2",
    "machine_software",
    "reserved_4",
    "supervisor_timer",
    "reserved_6",
    "machine_timer",
    "reserved_8",
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
        }
    }
}

/// Statistics of one hart.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct HartReport {
    /// Hart id.
    pub hart: usize,
    /// Instructions retired.
    pub instret: u64,
    /// Cycles elapsed.
    pub cycles: u64,
    /// Cycles asleep in WFI.
    pub wfi_cycles: u64,
    /// Traps taken.
    pub traps: Traps,
    /// Page-table walks.
    pub tlb_walks: u64,
    /// Software-TLB fills (translations cached for the fast path).
    pub tlb_fills: u64,
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
}

/// Everything `--stats` reports.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Stats {
    /// Per-hart statistics.
    pub harts: Vec<HartReport>,
    /// Per-device accesses.
    pub devices: Vec<DeviceReport>,
    /// Simulated seconds.
    pub sim_seconds: f64,
    /// Host seconds spent simulating (measured on the host, reported only).
    pub host_seconds: f64,
    /// Millions of instructions simulated per host second.
    pub mips: f64,
    /// How the run ended.
    pub exit: String,
}

impl Stats {
    /// Collect statistics from `machine` after a run that took `host_seconds`.
    pub fn collect(machine: &Machine, host_seconds: f64, exit: String) -> Self {
        let harts: Vec<HartReport> = machine
            .harts
            .iter()
            .map(|h| {
                let s = h.stats();
                HartReport {
                    hart: h.id,
                    instret: s.instret,
                    cycles: s.cycles,
                    wfi_cycles: s.wfi_cycles,
                    traps: Traps::from(&s.traps),
                    tlb_walks: s.tlb_walks,
                    tlb_fills: s.tlb_fills,
                }
            })
            .collect();
        let instret: u64 = harts.iter().map(|h| h.instret).sum();
        let devices = machine
            .bus
            .device_accesses()
            .into_iter()
            .map(|d| DeviceReport {
                name: d.name,
                base: d.base,
                reads: d.reads,
                writes: d.writes,
            })
            .collect();
        Self {
            harts,
            devices,
            sim_seconds: machine.now() as f64 / PS_PER_SEC as f64,
            host_seconds,
            mips: if host_seconds > 0.0 {
                instret as f64 / host_seconds / 1e6
            } else {
                0.0
            },
            exit,
        }
    }
}
