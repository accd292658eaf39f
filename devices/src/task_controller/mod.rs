//! The task-aware interrupt controller: hardware priority ready queues that device interrupts
//! and IPC sends wake handler tasks into, so that a hart fetches its next coroutine with one
//! MMIO load (the ATS-INTC -> MOIC -> TAIC line; the project's specification, with what was
//! taken from or changed against each of them and why, is `docs/hardware/task-controller.md`).
//!
//! A task is an opaque non-zero 64-bit id (typically the address of a 64-byte-aligned task
//! record); its low bits carry the MOIC/TAIC flags: bit 0 = preempt, bits 5:1 = priority
//! (0 highest). The device holds `sets` queue sets (one per OS or address space), allocated and
//! freed through global registers. Each set has one local queue per hart, each local queue
//! `priorities` FIFO levels, and `capacity` entries shared by all its local queues. The
//! local-queue policy of a set is d-FCFS (each hart dequeues only its own queue), steal-one (a
//! dequeue on an empty local queue takes one task from another: the one holding the
//! highest-priority task, lowest index on ties) or c-FCFS (all harts share one queue).
//!
//! The window is `0x4000 * (1 + sets)` bytes: region 0 holds the global registers, region
//! `1 + s` those of set `s`, so a kernel maps exactly one set into a process. Only naturally
//! aligned 8-byte accesses exist; other sizes, misaligned and reserved offsets fault. Reads of
//! write-only registers return 0, writes to read-only registers are ignored.
//!
//! The register map, with each register's layout, is `abi::task_controller` (shared with the
//! guest and the C test header).
//!
//! Binding and wake-up: a binding is single-shot (TAIC's gateway). It records the handler and
//! the hart that registered it; on a rising edge of the source (or a permitted SEND to the
//! channel) the controller reserves an entry in the set and, `wake_latency` later, puts the
//! handler into that hart's local queue (the shared queue under c-FCFS) at the priority of its
//! id, without interrupting any hart. An edge or send finding no handler is latched and fires
//! when one is bound. If the handler's preempt bit is set and its set is that hart's HART_KSET
//! (HART_USET), the controller raises the hart's SSIP (USIP); if the set is not online there,
//! the request is kept and raises the line when the set comes online on that hart. The line
//! drops on an ACK or any DEQUEUE of the set by that hart, or when the hart switches to another
//! set (the request then waits with its set again). A wake-up finding the set full is dropped
//! with QUEUE_FULL in the set's ERROR (and the sender's), the binding stays armed.
//!
//! Offline sets keep their ready tasks inside the device (capacity is per set and
//! preallocated; nothing spills to memory); "online" only steers the preempt lines.
//!
//! Costs ([`Mmio::cost`](sim_core::bus::Mmio::cost), on top of the interconnect): ENQUEUE `enqueue`, DEQUEUE
//! `dequeue` (+ `steal` when it will take from another local queue), SEND `send`, and
//! `register` for ALLOC, FREE, CAP, IRQ_GRANT, HART_KSET/USET, CTRL and the handler
//! bindings; everything else 0.
//!
//! Statistics ([`Statistics::counters`](sim_core::bus::Statistics::counters)): `allocs`, `alloc_failures`, `frees`, `errors`,
//! `source_edges`, `pulses`, and for every set ever allocated `setN.<counter>` with enqueues,
//! dequeues, empty_dequeues, steals, wakeups, wake_lost, preempts, high_water (entries in use,
//! queued plus wake-ups in flight), errors, sends, sends_denied, registrations, discarded (by
//! FREE), allocations, and the wake-to-dequeue latency in cycles of the board's clock (from the
//! edge or send to the dequeue): `wake_to_dequeue_cycles.<lo>-<hi>` power-of-two buckets,
//! `..._sum` and `..._max`.
//!
//! The model is split along its seams: the ready queues of one set (`queues`), and the
//! device's state, registers, time and statistics (`device`); this module holds its
//! configuration.

mod device;
mod queues;

pub use abi::task_controller::{
    error, global, set, task, CHANNELS, ID_VALUE as ID, MAX_CAPACITY, MAX_HARTS, MAX_PRIORITIES,
    MAX_SETS, MAX_SOURCES, REGION,
};
pub use device::TaskController;

use crate::virt;
use abi::task_controller::policy;
use sim_core::bus::HartLine;
use sim_core::time::{Clock, SimTime};

/// Default queue sets.
pub const DEFAULT_SETS: usize = 16;
/// Default priority levels (ATS-INTC's 8).
pub const DEFAULT_PRIORITIES: usize = 8;
/// Default entries per set (TAIC's 64).
pub const DEFAULT_CAPACITY: usize = 64;
/// Default cycles from an edge or send to the handler being ready (TAIC: 6-8).
pub const DEFAULT_WAKE_CYCLES: u32 = 7;

/// How the local queues of a set share work.
#[derive(serde::Serialize, serde::Deserialize, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Policy {
    /// d-FCFS: every hart dequeues only its own local queue.
    DFcfs,
    /// An empty local queue steals one task from another (TAIC).
    #[default]
    StealOne,
    /// c-FCFS: one queue shared by all harts.
    CFcfs,
}

impl Policy {
    /// The CTRL/STATUS encoding (1, 2, 3).
    pub fn code(self) -> u64 {
        match self {
            Policy::DFcfs => policy::DFCFS,
            Policy::StealOne => policy::STEAL,
            Policy::CFcfs => policy::CFCFS,
        }
    }

    /// The policy with CTRL code `code` (1..=3).
    pub fn from_code(code: u64) -> Option<Self> {
        match code {
            policy::DFCFS => Some(Policy::DFcfs),
            policy::STEAL => Some(Policy::StealOne),
            policy::CFCFS => Some(Policy::CFcfs),
            _ => None,
        }
    }
}

/// Cycles an operation spends inside the controller (see [`Mmio::cost`](sim_core::bus::Mmio::cost)).
#[derive(serde::Serialize, serde::Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
pub struct Costs {
    /// ENQUEUE.
    pub enqueue: u32,
    /// DEQUEUE.
    pub dequeue: u32,
    /// Added to a DEQUEUE that takes from another local queue.
    pub steal: u32,
    /// Bindings, capabilities, allocation, online switches, CTRL.
    pub register: u32,
    /// SEND.
    pub send: u32,
}

impl Default for Costs {
    /// TAIC's FPGA figures (task-controllers.md §7.4, TH §5.2): enqueue / dequeue 2-4,
    /// register / send 8-10; stealing is hartlab's estimate.
    fn default() -> Self {
        Self {
            enqueue: 3,
            dequeue: 3,
            steal: 2,
            register: 9,
            send: 9,
        }
    }
}

/// The preempt lines a task controller drives on each hart: the S-mode set's (SSIP) and the
/// U-mode set's (USIP).
#[derive(serde::Serialize, serde::Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
pub struct PreemptLines {
    /// The line of the set online in S mode (HART_KSET).
    pub kernel: HartLine,
    /// The line of the set online in U mode (HART_USET).
    pub user: HartLine,
}

/// Everything a task controller is built from.
#[derive(Debug, Clone)]
pub struct TaskControllerConfig {
    /// Harts (local queues per set), 1..=512.
    pub harts: usize,
    /// Platform interrupt source slots including the unused source 0 (the PLIC's).
    pub sources: usize,
    /// Queue sets, 1..=256.
    pub sets: usize,
    /// Priority levels per set, 1..=32.
    pub priorities: usize,
    /// Entries per set, 1..=1024.
    pub capacity: usize,
    /// Policy of a newly allocated set.
    pub policy: Policy,
    /// Per-operation costs.
    pub costs: Costs,
    /// From an edge or send to the handler being ready.
    pub wake_latency: SimTime,
    /// The clock whose cycles the latency histogram counts.
    pub clock: Clock,
    /// The lines it drives.
    pub lines: PreemptLines,
}

impl TaskControllerConfig {
    /// The defaults for `harts` harts on the virt board's sources: 16 sets, 8 priorities,
    /// 64 entries, steal-one, TAIC's costs, a 7-cycle wake-up at `clock`.
    pub fn new(harts: usize, clock: Clock) -> Self {
        Self {
            harts,
            sources: virt::PLIC_SOURCES,
            sets: DEFAULT_SETS,
            priorities: DEFAULT_PRIORITIES,
            capacity: DEFAULT_CAPACITY,
            policy: Policy::default(),
            costs: Costs::default(),
            wake_latency: clock.time_of(DEFAULT_WAKE_CYCLES as u64),
            clock,
            lines: crate::wiring::TASK_CONTROLLER,
        }
    }
}
