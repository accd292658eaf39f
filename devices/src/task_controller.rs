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
//! Costs ([`Device::access_cycles`], on top of the interconnect): ENQUEUE `enqueue`, DEQUEUE
//! `dequeue` (+ `steal` when it will take from another local queue), SEND `send`, and
//! `register` for ALLOC, FREE, CAP, IRQ_GRANT, HART_KSET/USET, CTRL and the handler
//! bindings; everything else 0.
//!
//! Statistics ([`Device::counters`]): `allocs`, `alloc_failures`, `frees`, `errors`,
//! `source_edges`, `pulses`, and for every set ever allocated `setN.<counter>` with enqueues,
//! dequeues, empty_dequeues, steals, wakeups, wake_lost, preempts, high_water (entries in use,
//! queued plus wake-ups in flight), errors, sends, sends_denied, registrations, discarded (by
//! FREE), allocations, and the wake-to-dequeue latency in cycles of the board's clock (from the
//! edge or send to the dequeue): `wake_to_dequeue_cycles.<lo>-<hi>` power-of-two buckets,
//! `..._sum` and `..._max`.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use crate::{irq_driver, mip, virt};
pub use abi::task_controller::{
    error, global, set, task, CHANNELS, ID_VALUE as ID, MAX_CAPACITY, MAX_HARTS, MAX_PRIORITIES,
    MAX_SETS, MAX_SOURCES, REGION,
};
use abi::task_controller::{policy, window_size};
use sim_core::bus::{AccessCtx, BusFault, Device, IrqLines};
use sim_core::time::{Clock, SimTime, Timebase};
use sim_core::trace::{DeviceEventKind, DeviceTracer};

/// Timeline events (`hartlab run --trace`): a task enqueued by software, a task dequeued
/// (empty dequeues, which polling repeats, are not traced), a handler woken into a queue, a
/// permitted IPC send.
static TRACE_ENQUEUE: DeviceEventKind = DeviceEventKind {
    name: "enqueue",
    args: &["set", "queue", "task"],
};
static TRACE_DEQUEUE: DeviceEventKind = DeviceEventKind {
    name: "dequeue",
    args: &["set", "queue", "task"],
};
static TRACE_WAKE: DeviceEventKind = DeviceEventKind {
    name: "wake",
    args: &["set", "queue", "task"],
};
static TRACE_SEND: DeviceEventKind = DeviceEventKind {
    name: "send",
    args: &["set", "to set", "channel"],
};

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

/// Cycles an operation spends inside the controller (see [`Device::access_cycles`]).
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
        }
    }
}

/// No node / empty list.
const NIL: u16 = u16::MAX;
/// `woken` of a task software enqueued.
const NOT_WOKEN: SimTime = SimTime::MAX;
/// Latency histogram buckets: 0, 1, 2-3, 4-7, ... 2^63-(2^64-1).
const BUCKETS: usize = 65;

/// The ready queues of one set: `capacity` nodes linked into one FIFO per (local queue,
/// priority), all preallocated.
#[derive(serde::Serialize, serde::Deserialize, Debug, Clone)]
struct Queues {
    next: Vec<u16>,
    task: Vec<u64>,
    woken: Vec<SimTime>,
    free: u16,
    head: Vec<u16>,
    tail: Vec<u16>,
    /// Per local queue: bit p set when priority p is non-empty.
    mask: Vec<u32>,
    count: Vec<u16>,
    len: usize,
    prios: usize,
}

impl Queues {
    fn new(lqs: usize, prios: usize, capacity: usize) -> Self {
        let mut q = Self {
            next: vec![NIL; capacity],
            task: vec![0; capacity],
            woken: vec![NOT_WOKEN; capacity],
            free: NIL,
            head: vec![NIL; lqs * prios],
            tail: vec![NIL; lqs * prios],
            mask: vec![0; lqs],
            count: vec![0; lqs],
            len: 0,
            prios,
        };
        q.clear();
        q
    }

    /// Empty every queue.
    fn clear(&mut self) {
        let n = self.next.len();
        for i in 0..n {
            self.next[i] = if i + 1 < n { (i + 1) as u16 } else { NIL };
        }
        self.free = if n > 0 { 0 } else { NIL };
        self.head.fill(NIL);
        self.tail.fill(NIL);
        self.mask.fill(0);
        self.count.fill(0);
        self.len = 0;
    }

    /// Append `task` to local queue `lq` at priority `prio`; false when no node is free.
    fn push(&mut self, lq: usize, prio: usize, task: u64, woken: SimTime) -> bool {
        let node = self.free;
        if node == NIL || lq >= self.mask.len() || prio >= self.prios {
            return false;
        }
        let n = node as usize;
        self.free = self.next[n];
        self.next[n] = NIL;
        self.task[n] = task;
        self.woken[n] = woken;
        let fifo = lq * self.prios + prio;
        match self.tail[fifo] {
            NIL => self.head[fifo] = node,
            t => self.next[t as usize] = node,
        }
        self.tail[fifo] = node;
        self.mask[lq] |= 1 << prio;
        self.count[lq] += 1;
        self.len += 1;
        true
    }

    /// The highest priority (lowest number) waiting in `lq`.
    fn best(&self, lq: usize) -> Option<u32> {
        let m = *self.mask.get(lq)?;
        (m != 0).then(|| m.trailing_zeros())
    }

    /// Take the head of `lq`'s highest non-empty priority.
    fn pop(&mut self, lq: usize) -> Option<(u64, SimTime)> {
        let prio = self.best(lq)? as usize;
        let fifo = lq * self.prios + prio;
        let node = self.head[fifo];
        let n = node as usize;
        self.head[fifo] = self.next[n];
        if self.head[fifo] == NIL {
            self.tail[fifo] = NIL;
            self.mask[lq] &= !(1 << prio);
        }
        self.next[n] = self.free;
        self.free = node;
        self.count[lq] -= 1;
        self.len -= 1;
        Some((self.task[n], self.woken[n]))
    }

    /// The local queue other than `thief` holding the highest-priority task (lowest index on
    /// ties).
    fn victim(&self, thief: usize) -> Option<usize> {
        (0..self.mask.len())
            .filter(|&lq| lq != thief)
            .filter_map(|lq| self.best(lq).map(|p| (p, lq)))
            .min()
            .map(|(_, lq)| lq)
    }

    /// Move every task into local queue 0, appending queue 1's after queue 0's, and so on,
    /// per priority (a switch to the shared queue of c-FCFS).
    fn merge_into_first(&mut self) {
        for lq in 1..self.mask.len() {
            for prio in 0..self.prios {
                let from = lq * self.prios + prio;
                let (h, t) = (self.head[from], self.tail[from]);
                if h == NIL {
                    continue;
                }
                match self.tail[prio] {
                    NIL => self.head[prio] = h,
                    last => self.next[last as usize] = h,
                }
                self.tail[prio] = t;
                self.head[from] = NIL;
                self.tail[from] = NIL;
            }
            self.mask[0] |= self.mask[lq];
            self.count[0] += self.count[lq];
            self.mask[lq] = 0;
            self.count[lq] = 0;
        }
    }
}

/// A handler bound to a source or channel: the task and the hart that registered it.
#[derive(serde::Serialize, serde::Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
struct Binding {
    set: u16,
    hart: u16,
    task: u64,
}

/// Per-set statistics.
#[derive(serde::Serialize, serde::Deserialize, Debug, Clone)]
struct SetStats {
    allocations: u64,
    enqueues: u64,
    dequeues: u64,
    empty_dequeues: u64,
    steals: u64,
    wakeups: u64,
    wake_lost: u64,
    preempts: u64,
    high_water: u64,
    errors: u64,
    sends: u64,
    sends_denied: u64,
    registrations: u64,
    discarded: u64,
    #[serde(with = "sim_core::checkpoint::array")]
    latency: [u64; BUCKETS],
    latency_sum: u64,
    latency_max: u64,
}

impl Default for SetStats {
    fn default() -> Self {
        Self {
            allocations: 0,
            enqueues: 0,
            dequeues: 0,
            empty_dequeues: 0,
            steals: 0,
            wakeups: 0,
            wake_lost: 0,
            preempts: 0,
            high_water: 0,
            errors: 0,
            sends: 0,
            sends_denied: 0,
            registrations: 0,
            discarded: 0,
            latency: [0; BUCKETS],
            latency_sum: 0,
            latency_max: 0,
        }
    }
}

/// One queue set.
#[derive(serde::Serialize, serde::Deserialize, Debug, Clone)]
struct Set {
    allocated: bool,
    ever_allocated: bool,
    policy: Policy,
    error: u64,
    /// Entries reserved by wake-ups in flight.
    reserved: usize,
    q: Queues,
    chan_handler: Vec<Option<Binding>>,
    chan_pending: u64,
    /// Per hart (bit h): a preempt request waiting for this set to come online on h.
    deferred: Vec<u64>,
    stats: SetStats,
}

impl Set {
    fn used(&self) -> usize {
        self.q.len + self.reserved
    }

    fn fail(&mut self, bits: u64) {
        self.error |= bits;
        self.stats.errors += 1;
    }

    fn deferred(&self, hart: usize) -> bool {
        self.deferred
            .get(hart / 64)
            .is_some_and(|w| w >> (hart % 64) & 1 != 0)
    }

    fn set_deferred(&mut self, hart: usize, on: bool) {
        if let Some(w) = self.deferred.get_mut(hart / 64) {
            if on {
                *w |= 1 << (hart % 64);
            } else {
                *w &= !(1 << (hart % 64));
            }
        }
    }
}

/// A wake-up in flight: the handler enters its queue at `ready`.
#[derive(
    serde::Serialize, serde::Deserialize, Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord,
)]
struct Wake {
    ready: SimTime,
    seq: u64,
    set: u16,
    hart: u16,
    task: u64,
    edge: SimTime,
}

/// The two preempt lines of a hart: S-mode set (SSIP) and U-mode set (USIP).
#[derive(serde::Serialize, serde::Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Kernel = 0,
    User = 1,
}

impl Role {
    fn mask(self) -> u64 {
        match self {
            Role::Kernel => mip::SSIP,
            Role::User => mip::USIP,
        }
    }
}

/// What an offset addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Reg {
    Id,
    Config,
    Alloc,
    Free,
    GlobalError,
    Cap,
    IrqGrant,
    Pulse,
    HartSet(Role, usize),
    Ctrl(usize),
    Status(usize),
    SetError(usize),
    Send(usize),
    Ack(usize),
    ChanPending(usize),
    Best(usize),
    IrqHandler(usize, usize),
    ChanHandler(usize, usize),
    Enqueue(usize, usize),
    Dequeue(usize, usize),
    Count(usize, usize),
}

/// The task controller.
#[derive(serde::Serialize, serde::Deserialize, Debug)]
pub struct TaskController {
    harts: usize,
    sources: usize,
    priorities: usize,
    capacity: usize,
    default_policy: Policy,
    costs: Costs,
    wake_latency: SimTime,
    clock: Clock,
    sets: Vec<Set>,
    global_error: u64,
    /// Per hart and role: the set online there.
    online: Vec<[Option<u16>; 2]>,
    /// Per hart and role: whether the controller holds the line up.
    line_up: Vec<[bool; 2]>,
    src_level: Vec<bool>,
    src_pending: Vec<bool>,
    src_grant: Vec<Option<u16>>,
    src_binding: Vec<Option<Binding>>,
    /// Capability bits: `[(receiver * CHANNELS + channel) * words + sender / 64]`.
    caps: Vec<u64>,
    cap_words: usize,
    pending: BinaryHeap<Reverse<Wake>>,
    seq: u64,
    allocs: u64,
    alloc_failures: u64,
    frees: u64,
    errors: u64,
    source_edges: u64,
    pulses: u64,
    #[serde(skip)]
    tracer: DeviceTracer,
}

fn bucket(cycles: u64) -> usize {
    (64 - cycles.leading_zeros()) as usize
}

fn bucket_label(b: usize) -> String {
    match b {
        0 => "0".to_string(),
        1 => "1".to_string(),
        _ => {
            let lo = 1u64 << (b - 1);
            format!("{lo}-{}", lo.wrapping_mul(2).wrapping_sub(1))
        }
    }
}

fn priority_of(task: u64) -> usize {
    task::priority(task) as usize
}

impl TaskController {
    /// A controller as `config` describes, its values clamped into their documented ranges.
    pub fn new(config: &TaskControllerConfig) -> Self {
        let harts = config.harts.clamp(1, MAX_HARTS);
        let sets = config.sets.clamp(1, MAX_SETS);
        let priorities = config.priorities.clamp(1, MAX_PRIORITIES);
        let capacity = config.capacity.clamp(1, MAX_CAPACITY);
        let sources = config.sources.clamp(1, MAX_SOURCES);
        let cap_words = sets.div_ceil(64);
        let set = Set {
            allocated: false,
            ever_allocated: false,
            policy: config.policy,
            error: 0,
            reserved: 0,
            q: Queues::new(harts, priorities, capacity),
            chan_handler: vec![None; CHANNELS],
            chan_pending: 0,
            deferred: vec![0; harts.div_ceil(64)],
            stats: SetStats::default(),
        };
        Self {
            harts,
            sources,
            priorities,
            capacity,
            default_policy: config.policy,
            costs: config.costs,
            wake_latency: config.wake_latency,
            clock: config.clock,
            sets: vec![set; sets],
            global_error: 0,
            online: vec![[None; 2]; harts],
            line_up: vec![[false; 2]; harts],
            src_level: vec![false; sources],
            src_pending: vec![false; sources],
            src_grant: vec![None; sources],
            src_binding: vec![None; sources],
            caps: vec![0; sets * CHANNELS * cap_words],
            cap_words,
            pending: BinaryHeap::with_capacity(sets * capacity),
            seq: 0,
            allocs: 0,
            alloc_failures: 0,
            frees: 0,
            errors: 0,
            source_edges: 0,
            pulses: 0,
            tracer: DeviceTracer::default(),
        }
    }

    /// Size of the register window: one 16 KiB region for the globals and one per set.
    pub fn size(&self) -> u64 {
        window_size(self.sets.len() as u64)
    }

    /// Number of queue sets.
    pub fn sets(&self) -> usize {
        self.sets.len()
    }

    /// The register an access addresses, if it is a naturally aligned 8-byte access to an
    /// implemented offset.
    fn decode(&self, offset: u64, size: u32) -> Result<Reg, BusFault> {
        if size != 8 || !offset.is_multiple_of(8) || offset >= self.size() {
            return Err(BusFault);
        }
        let region = (offset / REGION) as usize;
        let off = offset % REGION;
        let index = |base: u64| ((off - base) / 8) as usize;
        if region == 0 {
            return Ok(match off {
                global::ID => Reg::Id,
                global::CONFIG => Reg::Config,
                global::ALLOC => Reg::Alloc,
                global::FREE => Reg::Free,
                global::ERROR => Reg::GlobalError,
                global::CAP => Reg::Cap,
                global::IRQ_GRANT => Reg::IrqGrant,
                global::PULSE => Reg::Pulse,
                global::HART_KSET..global::HART_KSET_END => {
                    Reg::HartSet(Role::Kernel, index(global::HART_KSET))
                }
                global::HART_USET..global::HART_USET_END => {
                    Reg::HartSet(Role::User, index(global::HART_USET))
                }
                _ => return Err(BusFault),
            });
        }
        let s = region - 1;
        Ok(match off {
            set::CTRL => Reg::Ctrl(s),
            set::STATUS => Reg::Status(s),
            set::ERROR => Reg::SetError(s),
            set::SEND => Reg::Send(s),
            set::ACK => Reg::Ack(s),
            set::CHAN_PENDING => Reg::ChanPending(s),
            set::BEST => Reg::Best(s),
            set::IRQ_HANDLER..set::IRQ_HANDLER_END => Reg::IrqHandler(s, index(set::IRQ_HANDLER)),
            set::CHAN_HANDLER..set::CHAN_HANDLER_END => {
                Reg::ChanHandler(s, index(set::CHAN_HANDLER))
            }
            set::ENQUEUE..set::ENQUEUE_END => Reg::Enqueue(s, index(set::ENQUEUE)),
            set::DEQUEUE..set::DEQUEUE_END => Reg::Dequeue(s, index(set::DEQUEUE)),
            set::COUNT..set::COUNT_END => Reg::Count(s, index(set::COUNT)),
            _ => return Err(BusFault),
        })
    }

    fn fail_global(&mut self, bits: u64) {
        self.global_error |= bits;
        self.errors += 1;
    }

    /// Whether a DEQUEUE of local queue `lq` of set `s` would take from another local queue
    /// (in the current state).
    fn would_steal(&self, s: usize, lq: usize) -> bool {
        let Some(set) = self.sets.get(s) else {
            return false;
        };
        set.allocated
            && set.policy == Policy::StealOne
            && lq < self.harts
            && set.q.count[lq] == 0
            && set.q.len > 0
    }

    // ---- time and lines ----------------------------------------------------------------

    /// Deliver every wake-up due by `now`.
    fn sync(&mut self, now: SimTime, irq: &mut IrqLines) {
        while let Some(Reverse(w)) = self.pending.peek().copied() {
            if w.ready > now {
                break;
            }
            self.pending.pop();
            self.deliver(w, irq);
        }
    }

    /// Put a woken handler into its queue and raise its preempt line if it asks for one.
    fn deliver(&mut self, w: Wake, irq: &mut IrqLines) {
        let (s, hart) = (w.set as usize, w.hart as usize);
        let Some(set) = self.sets.get_mut(s) else {
            return;
        };
        set.reserved = set.reserved.saturating_sub(1);
        if !set.allocated {
            return;
        }
        let lq = if set.policy == Policy::CFcfs { 0 } else { hart };
        if !set.q.push(lq, priority_of(w.task), w.task, w.edge) {
            // Unreachable: the entry was reserved when the wake-up started.
            set.fail(error::QUEUE_FULL);
            set.stats.wake_lost += 1;
            return;
        }
        set.stats.wakeups += 1;
        self.tracer.event(
            w.ready,
            &TRACE_WAKE,
            Some(hart),
            [s as u64, lq as u64, w.task],
        );
        if w.task & task::PREEMPT != 0 {
            self.preempt(s, hart, w.ready, irq);
        }
    }

    /// A preempt request of set `s` for `hart`: raise the line of each role `s` is online in
    /// there, or keep the request until it comes online.
    fn preempt(&mut self, s: usize, hart: usize, at: SimTime, irq: &mut IrqLines) {
        let Some(roles) = self.online.get(hart).copied() else {
            return;
        };
        let mut raised = false;
        for role in [Role::Kernel, Role::User] {
            if roles[role as usize] == Some(s as u16) {
                self.raise(hart, role, at, irq);
                raised = true;
            }
        }
        let set = &mut self.sets[s];
        if raised {
            set.stats.preempts += 1;
        } else {
            set.set_deferred(hart, true);
        }
    }

    fn raise(&mut self, hart: usize, role: Role, at: SimTime, irq: &mut IrqLines) {
        let up = &mut self.line_up[hart][role as usize];
        if !*up {
            *up = true;
            irq.set_shared_hart_line_at(irq_driver::TASK_CONTROLLER, hart, role.mask(), true, at);
        }
    }

    /// Lower the line of `role` on `hart`; whether it was up.
    fn lower(&mut self, hart: usize, role: Role, now: SimTime, irq: &mut IrqLines) -> bool {
        let up = &mut self.line_up[hart][role as usize];
        let was = *up;
        if was {
            *up = false;
            irq.set_shared_hart_line_at(irq_driver::TASK_CONTROLLER, hart, role.mask(), false, now);
        }
        was
    }

    /// Set `s` acknowledges on `hart`: lower the lines of the roles it is online in there.
    fn ack(&mut self, s: usize, hart: usize, now: SimTime, irq: &mut IrqLines) {
        let Some(roles) = self.online.get(hart).copied() else {
            return;
        };
        for role in [Role::Kernel, Role::User] {
            if roles[role as usize] == Some(s as u16) {
                self.lower(hart, role, now, irq);
            }
        }
        self.sets[s].set_deferred(hart, false);
    }

    // ---- wake-ups ----------------------------------------------------------------------

    /// Start waking `b` (its edge or send at `t`): reserve an entry and schedule the
    /// delivery. A full set drops it with QUEUE_FULL (also in `sender`'s ERROR).
    fn fire(&mut self, b: Binding, t: SimTime, sender: Option<usize>) -> bool {
        let capacity = self.capacity;
        let set = &mut self.sets[b.set as usize];
        if set.used() >= capacity {
            set.fail(error::QUEUE_FULL);
            set.stats.wake_lost += 1;
            if let Some(a) = sender.filter(|&a| a != b.set as usize) {
                self.sets[a].fail(error::QUEUE_FULL);
            }
            return false;
        }
        set.reserved += 1;
        set.stats.high_water = set.stats.high_water.max(set.used() as u64);
        self.pending.push(Reverse(Wake {
            ready: t.saturating_add(self.wake_latency),
            seq: self.seq,
            set: b.set,
            hart: b.hart,
            task: b.task,
            edge: t,
        }));
        self.seq += 1;
        true
    }

    /// A rising edge of `source` at `t`.
    fn edge(&mut self, source: usize, t: SimTime) {
        self.source_edges += 1;
        match self.src_binding[source].take() {
            Some(b) => {
                if !self.fire(b, t, None) {
                    // Not consumed: the handler stays bound.
                    self.src_binding[source] = Some(b);
                }
            }
            None => self.src_pending[source] = true,
        }
    }

    // ---- global operations -------------------------------------------------------------

    fn alloc(&mut self) -> u64 {
        let Some(s) = self.sets.iter().position(|s| !s.allocated) else {
            self.alloc_failures += 1;
            self.fail_global(error::QUEUE_FULL);
            return u64::MAX;
        };
        self.allocs += 1;
        let policy = self.default_policy;
        let set = &mut self.sets[s];
        set.allocated = true;
        set.ever_allocated = true;
        set.policy = policy;
        set.error = 0;
        set.stats.allocations += 1;
        s as u64
    }

    /// Check that `s` names an allocated set, else record the error globally.
    fn global_set(&mut self, s: u64) -> Option<usize> {
        match self.sets.get(s as usize) {
            _ if s >= self.sets.len() as u64 => {
                self.fail_global(error::BAD_INDEX);
                None
            }
            Some(set) if set.allocated => Some(s as usize),
            _ => {
                self.fail_global(error::NOT_INIT);
                None
            }
        }
    }

    fn free(&mut self, value: u64, now: SimTime, irq: &mut IrqLines) {
        let Some(s) = self.global_set(value) else {
            return;
        };
        self.frees += 1;
        let before = self.pending.len();
        self.pending.retain(|Reverse(w)| w.set as usize != s);
        let dropped = before - self.pending.len();
        let set = &mut self.sets[s];
        set.stats.discarded += (set.q.len + dropped) as u64;
        set.allocated = false;
        set.reserved = 0;
        set.q.clear();
        set.chan_handler.fill(None);
        set.chan_pending = 0;
        set.deferred.fill(0);
        set.error = 0;
        for (grant, binding) in self.src_grant.iter_mut().zip(&mut self.src_binding) {
            if *grant == Some(s as u16) {
                *grant = None;
            }
            if binding.is_some_and(|b| b.set as usize == s) {
                *binding = None;
            }
        }
        let words = self.cap_words;
        self.caps[s * CHANNELS * words..(s + 1) * CHANNELS * words].fill(0);
        for row in self.caps.chunks_mut(words) {
            row[s / 64] &= !(1 << (s % 64));
        }
        for hart in 0..self.harts {
            for role in [Role::Kernel, Role::User] {
                if self.online[hart][role as usize] == Some(s as u16) {
                    self.lower(hart, role, now, irq);
                    self.online[hart][role as usize] = None;
                }
            }
        }
    }

    fn cap(&mut self, value: u64) {
        let channel = value & 0xffff;
        let receiver = (value >> 16) & 0xffff;
        let sender = (value >> 32) & 0xffff;
        if channel >= CHANNELS as u64 {
            self.fail_global(error::BAD_INDEX);
            return;
        }
        let (Some(r), Some(a)) = (self.global_set(receiver), self.global_set(sender)) else {
            return;
        };
        let word = (r * CHANNELS + channel as usize) * self.cap_words + a / 64;
        if value >> 63 != 0 {
            self.caps[word] &= !(1 << (a % 64));
        } else {
            self.caps[word] |= 1 << (a % 64);
        }
    }

    fn irq_grant(&mut self, value: u64) {
        let source = (value & 0xffff) as usize;
        if source == 0 || source >= self.sources {
            self.fail_global(error::BAD_INDEX);
            return;
        }
        let Some(s) = self.global_set((value >> 32) & 0xffff) else {
            return;
        };
        let s = s as u16;
        if value >> 63 != 0 {
            if self.src_grant[source] == Some(s) {
                self.src_grant[source] = None;
                self.src_binding[source] = None;
            }
            return;
        }
        if self.src_grant[source] != Some(s) {
            self.src_binding[source] = None;
        }
        self.src_grant[source] = Some(s);
        self.src_pending[source] = false;
    }

    fn set_online(
        &mut self,
        role: Role,
        hart: usize,
        value: u64,
        now: SimTime,
        irq: &mut IrqLines,
    ) {
        if hart >= self.harts {
            self.fail_global(error::BAD_INDEX);
            return;
        }
        let new = if value == u64::MAX {
            None
        } else {
            match self.global_set(value) {
                Some(s) => Some(s as u16),
                None => return,
            }
        };
        let old = self.online[hart][role as usize];
        if old == new {
            return;
        }
        if self.lower(hart, role, now, irq) {
            // The request stays with the set it was for.
            if let Some(o) = old {
                self.sets[o as usize].set_deferred(hart, true);
            }
        }
        self.online[hart][role as usize] = new;
        if let Some(n) = new {
            let set = &mut self.sets[n as usize];
            if set.deferred(hart) {
                set.set_deferred(hart, false);
                set.stats.preempts += 1;
                self.raise(hart, role, now, irq);
            }
        }
    }

    // ---- set operations ----------------------------------------------------------------

    /// Set `s` if allocated, else NOT_INIT in its ERROR.
    fn live(&mut self, s: usize) -> bool {
        let set = &mut self.sets[s];
        if !set.allocated {
            set.fail(error::NOT_INIT);
        }
        set.allocated
    }

    fn set_ctrl(&mut self, s: usize, value: u64) {
        if !self.live(s) {
            return;
        }
        let policy = match value & 3 {
            0 => self.default_policy,
            code => Policy::from_code(code).unwrap_or_default(),
        };
        let set = &mut self.sets[s];
        if policy == Policy::CFcfs && set.policy != Policy::CFcfs {
            set.q.merge_into_first();
        }
        set.policy = policy;
    }

    fn status(&self, s: usize) -> u64 {
        let set = &self.sets[s];
        if !set.allocated {
            return 0;
        }
        1 | (set.policy.code() << 1) | ((set.q.len as u64) << 16) | ((set.reserved as u64) << 32)
    }

    /// BEST of set `s`: the most urgent priority queued in any local queue (`priorities` when
    /// none; wake-ups in flight are not queued yet) and the entries still free.
    fn best(&mut self, s: usize) -> u64 {
        if !self.live(s) {
            return 0;
        }
        let (prios, capacity) = (self.priorities, self.capacity);
        let set = &self.sets[s];
        let best = (0..set.q.mask.len())
            .filter_map(|lq| set.q.best(lq))
            .min()
            .map_or(prios as u64, u64::from);
        let free = capacity.saturating_sub(set.used()) as u64;
        best | (free << 16)
    }

    fn enqueue(&mut self, s: usize, lq: usize, task: u64, now: SimTime, hart: usize) {
        if !self.live(s) {
            return;
        }
        let (harts, prios, capacity) = (self.harts, self.priorities, self.capacity);
        let set = &mut self.sets[s];
        let prio = priority_of(task);
        if lq >= harts || prio >= prios {
            set.fail(error::BAD_INDEX);
        } else if task == 0 {
            set.fail(error::BAD_TASK);
        } else if set.used() >= capacity {
            set.fail(error::QUEUE_FULL);
        } else {
            let lq = if set.policy == Policy::CFcfs { 0 } else { lq };
            set.q.push(lq, prio, task, NOT_WOKEN);
            set.stats.enqueues += 1;
            set.stats.high_water = set.stats.high_water.max(set.used() as u64);
            self.tracer
                .event(now, &TRACE_ENQUEUE, Some(hart), [s as u64, lq as u64, task]);
        }
    }

    fn dequeue(
        &mut self,
        s: usize,
        lq: usize,
        hart: usize,
        now: SimTime,
        irq: &mut IrqLines,
    ) -> u64 {
        if !self.live(s) {
            return 0;
        }
        if lq >= self.harts {
            self.sets[s].fail(error::BAD_INDEX);
            return 0;
        }
        self.ack(s, hart, now, irq);
        let clock = self.clock;
        let set = &mut self.sets[s];
        let lq = if set.policy == Policy::CFcfs { 0 } else { lq };
        let taken = match set.q.pop(lq) {
            Some(t) => Some(t),
            None if set.policy == Policy::StealOne => {
                let stolen = set.q.victim(lq).and_then(|v| set.q.pop(v));
                set.stats.steals += stolen.is_some() as u64;
                stolen
            }
            None => None,
        };
        let Some((task, woken)) = taken else {
            set.stats.empty_dequeues += 1;
            return 0;
        };
        set.stats.dequeues += 1;
        self.tracer
            .event(now, &TRACE_DEQUEUE, Some(hart), [s as u64, lq as u64, task]);
        if woken != NOT_WOKEN {
            let cycles = clock.cycles_at(now.saturating_sub(woken));
            let st = &mut set.stats;
            st.latency[bucket(cycles)] += 1;
            st.latency_sum = st.latency_sum.saturating_add(cycles);
            st.latency_max = st.latency_max.max(cycles);
        }
        task
    }

    /// Read the handler bound to source `n` by set `s` (0 if none).
    fn irq_handler(&mut self, s: usize, n: usize) -> u64 {
        if !self.live(s) {
            return 0;
        }
        if n == 0 || n >= self.sources {
            self.sets[s].fail(error::BAD_INDEX);
            return 0;
        }
        match self.src_binding[n] {
            Some(b) if b.set as usize == s => b.task,
            _ => 0,
        }
    }

    /// Validate a handler id for set `s`: 0 cancels (`Ok(None)`).
    fn handler(&mut self, s: usize, task: u64) -> Result<Option<u64>, ()> {
        if task == 0 {
            return Ok(None);
        }
        if priority_of(task) >= self.priorities {
            self.sets[s].fail(error::BAD_INDEX);
            return Err(());
        }
        Ok(Some(task))
    }

    fn bind_irq(&mut self, s: usize, n: usize, task: u64, hart: usize, now: SimTime) {
        if !self.live(s) {
            return;
        }
        if n == 0 || n >= self.sources {
            self.sets[s].fail(error::BAD_INDEX);
            return;
        }
        if self.src_grant[n] != Some(s as u16) {
            self.sets[s].fail(error::NO_PERMISSION);
            return;
        }
        let Ok(task) = self.handler(s, task) else {
            return;
        };
        self.sets[s].stats.registrations += 1;
        let Some(task) = task else {
            self.src_binding[n] = None;
            return;
        };
        let b = Binding {
            set: s as u16,
            hart: hart as u16,
            task,
        };
        if std::mem::take(&mut self.src_pending[n]) {
            if !self.fire(b, now, None) {
                self.src_binding[n] = Some(b);
            }
        } else {
            self.src_binding[n] = Some(b);
        }
    }

    fn bind_chan(&mut self, s: usize, c: usize, task: u64, hart: usize, now: SimTime) {
        if !self.live(s) {
            return;
        }
        if c >= CHANNELS {
            self.sets[s].fail(error::BAD_INDEX);
            return;
        }
        let Ok(task) = self.handler(s, task) else {
            return;
        };
        self.sets[s].stats.registrations += 1;
        let Some(task) = task else {
            self.sets[s].chan_handler[c] = None;
            return;
        };
        let b = Binding {
            set: s as u16,
            hart: hart as u16,
            task,
        };
        let set = &mut self.sets[s];
        if set.chan_pending & (1 << c) != 0 {
            set.chan_pending &= !(1 << c);
            if !self.fire(b, now, None) {
                self.sets[s].chan_handler[c] = Some(b);
            }
        } else {
            set.chan_handler[c] = Some(b);
        }
    }

    fn chan_handler(&mut self, s: usize, c: usize) -> u64 {
        if !self.live(s) {
            return 0;
        }
        if c >= CHANNELS {
            self.sets[s].fail(error::BAD_INDEX);
            return 0;
        }
        self.sets[s].chan_handler[c].map_or(0, |b| b.task)
    }

    fn send(&mut self, a: usize, value: u64, now: SimTime, hart: usize) {
        if !self.live(a) {
            return;
        }
        let channel = (value & 0xffff) as usize;
        let r = ((value >> 16) & 0xffff) as usize;
        if channel >= CHANNELS || r >= self.sets.len() {
            self.sets[a].fail(error::BAD_INDEX);
            return;
        }
        if !self.sets[r].allocated {
            self.sets[a].fail(error::NOT_INIT);
            return;
        }
        let word = (r * CHANNELS + channel) * self.cap_words + a / 64;
        if self.caps[word] >> (a % 64) & 1 == 0 {
            let set = &mut self.sets[a];
            set.fail(error::NO_PERMISSION);
            set.stats.sends_denied += 1;
            return;
        }
        self.sets[a].stats.sends += 1;
        self.tracer.event(
            now,
            &TRACE_SEND,
            Some(hart),
            [a as u64, r as u64, channel as u64],
        );
        match self.sets[r].chan_handler[channel].take() {
            Some(b) => {
                if !self.fire(b, now, Some(a)) {
                    self.sets[r].chan_handler[channel] = Some(b);
                }
            }
            None => self.sets[r].chan_pending |= 1 << channel,
        }
    }
}

impl Device for TaskController {
    checkpointed!(tracer);

    fn name(&self) -> &str {
        "task-controller"
    }

    fn read(&mut self, offset: u64, size: u32, ctx: &mut AccessCtx) -> Result<u64, BusFault> {
        let reg = self.decode(offset, size)?;
        self.sync(ctx.now, ctx.irq);
        let value = match reg {
            Reg::Id => ID,
            Reg::Config => {
                (self.sets.len() as u64)
                    | ((self.capacity as u64) << 16)
                    | ((self.priorities as u64) << 32)
                    | ((CHANNELS as u64) << 40)
                    | ((self.harts as u64) << 48)
            }
            Reg::Alloc => self.alloc(),
            Reg::GlobalError => self.global_error,
            Reg::HartSet(role, hart) => match self.online.get(hart) {
                Some(roles) => roles[role as usize].map_or(u64::MAX, u64::from),
                None => {
                    self.fail_global(error::BAD_INDEX);
                    0
                }
            },
            Reg::Ctrl(s) => {
                let set = &self.sets[s];
                if set.allocated {
                    set.policy.code()
                } else {
                    0
                }
            }
            Reg::Status(s) => self.status(s),
            Reg::SetError(s) => self.sets[s].error,
            Reg::ChanPending(s) => self.sets[s].chan_pending,
            Reg::Best(s) => self.best(s),
            Reg::IrqHandler(s, n) => self.irq_handler(s, n),
            Reg::ChanHandler(s, c) => self.chan_handler(s, c),
            Reg::Dequeue(s, lq) => self.dequeue(s, lq, ctx.hart, ctx.now, ctx.irq),
            Reg::Count(s, lq) => {
                if !self.live(s) {
                    0
                } else if lq >= self.harts {
                    self.sets[s].fail(error::BAD_INDEX);
                    0
                } else {
                    let set = &self.sets[s];
                    let lq = if set.policy == Policy::CFcfs { 0 } else { lq };
                    set.q.count[lq] as u64
                }
            }
            Reg::Free
            | Reg::Cap
            | Reg::IrqGrant
            | Reg::Pulse
            | Reg::Send(_)
            | Reg::Ack(_)
            | Reg::Enqueue(..) => 0,
        };
        self.sync(ctx.now, ctx.irq);
        Ok(value)
    }

    fn write(
        &mut self,
        offset: u64,
        size: u32,
        value: u64,
        ctx: &mut AccessCtx,
    ) -> Result<(), BusFault> {
        let reg = self.decode(offset, size)?;
        self.sync(ctx.now, ctx.irq);
        let (now, hart) = (ctx.now, ctx.hart);
        match reg {
            Reg::Free => self.free(value, now, ctx.irq),
            Reg::GlobalError => self.global_error &= !value,
            Reg::Cap => self.cap(value),
            Reg::IrqGrant => self.irq_grant(value),
            Reg::Pulse => {
                let source = value as usize;
                if value == 0 || value >= self.sources as u64 {
                    self.fail_global(error::BAD_INDEX);
                } else {
                    self.pulses += 1;
                    self.edge(source, now);
                }
            }
            Reg::HartSet(role, h) => self.set_online(role, h, value, now, ctx.irq),
            Reg::Ctrl(s) => self.set_ctrl(s, value),
            Reg::SetError(s) => self.sets[s].error &= !value,
            Reg::Send(s) => self.send(s, value, now, hart),
            Reg::Ack(s) => {
                if self.live(s) {
                    self.ack(s, hart, now, ctx.irq);
                }
            }
            Reg::IrqHandler(s, n) => self.bind_irq(s, n, value, hart, now),
            Reg::ChanHandler(s, c) => self.bind_chan(s, c, value, hart, now),
            Reg::Enqueue(s, lq) => self.enqueue(s, lq, value, now, hart),
            Reg::Id
            | Reg::Config
            | Reg::Alloc
            | Reg::Status(_)
            | Reg::ChanPending(_)
            | Reg::Best(_)
            | Reg::Dequeue(..)
            | Reg::Count(..) => {}
        }
        // A zero-latency wake-up is ready at once.
        self.sync(now, ctx.irq);
        Ok(())
    }

    /// The earliest wake-up in flight: the machine must not run a hart past it without
    /// letting the controller deliver it (a hart in WFI may be waiting for its preempt line).
    /// One already due is reported too (the bus performs it at once): the hart whose SEND
    /// started it may have run past its ready time while the store completed, and must still
    /// see its line from that time on, not from the next device event.
    fn next_event(&self, _now: SimTime, _timebase: &Timebase) -> Option<SimTime> {
        self.pending.peek().map(|Reverse(w)| w.ready)
    }

    fn advance(&mut self, now: SimTime, _timebase: &Timebase, irq: &mut IrqLines) {
        self.sync(now, irq);
    }

    /// Latch rising edges of the platform sources, timed at the change that caused them.
    fn sources_changed(&mut self, irq: &mut IrqLines) {
        let t = irq.now();
        for n in 1..self.sources.min(irq.source_count()) {
            let level = irq.source(n);
            if level && !self.src_level[n] {
                self.edge(n, t);
            }
            self.src_level[n] = level;
        }
        self.sync(t, irq);
    }

    fn access_cycles(&self, offset: u64, write: bool) -> u32 {
        let c = &self.costs;
        match (self.decode(offset, 8), write) {
            (Ok(Reg::Alloc), false) => c.register,
            (
                Ok(
                    Reg::Free
                    | Reg::Cap
                    | Reg::IrqGrant
                    | Reg::HartSet(..)
                    | Reg::Ctrl(_)
                    | Reg::IrqHandler(..)
                    | Reg::ChanHandler(..),
                ),
                true,
            ) => c.register,
            (Ok(Reg::Send(_)), true) => c.send,
            (Ok(Reg::Enqueue(..)), true) => c.enqueue,
            (Ok(Reg::Dequeue(s, lq)), false) => c
                .dequeue
                .saturating_add(if self.would_steal(s, lq) { c.steal } else { 0 }),
            _ => 0,
        }
    }

    fn reset_counters(&mut self) {
        self.allocs = 0;
        self.alloc_failures = 0;
        self.frees = 0;
        self.errors = 0;
        self.source_edges = 0;
        self.pulses = 0;
        for set in self.sets.iter_mut() {
            set.stats = SetStats {
                high_water: set.used() as u64,
                ..SetStats::default()
            };
        }
    }

    fn attach_tracer(&mut self, tracer: DeviceTracer) {
        self.tracer = tracer;
    }

    fn counters(&self) -> Vec<(String, u64)> {
        let mut out = vec![
            ("allocs".to_string(), self.allocs),
            ("alloc_failures".to_string(), self.alloc_failures),
            ("frees".to_string(), self.frees),
            ("errors".to_string(), self.errors),
            ("source_edges".to_string(), self.source_edges),
            ("pulses".to_string(), self.pulses),
        ];
        for (i, set) in self.sets.iter().enumerate() {
            if !set.ever_allocated {
                continue;
            }
            let st = &set.stats;
            for (name, value) in [
                ("allocations", st.allocations),
                ("enqueues", st.enqueues),
                ("dequeues", st.dequeues),
                ("empty_dequeues", st.empty_dequeues),
                ("steals", st.steals),
                ("wakeups", st.wakeups),
                ("wake_lost", st.wake_lost),
                ("preempts", st.preempts),
                ("high_water", st.high_water),
                ("errors", st.errors),
                ("sends", st.sends),
                ("sends_denied", st.sends_denied),
                ("registrations", st.registrations),
                ("discarded", st.discarded),
                ("wake_to_dequeue_cycles_sum", st.latency_sum),
                ("wake_to_dequeue_cycles_max", st.latency_max),
            ] {
                out.push((format!("set{i}.{name}"), value));
            }
            for (b, &n) in st.latency.iter().enumerate() {
                if n != 0 {
                    out.push((
                        format!("set{i}.wake_to_dequeue_cycles.{}", bucket_label(b)),
                        n,
                    ));
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::Env;
    use proptest::prelude::*;

    /// Picoseconds per cycle of the 1 GHz test clock.
    const CYCLE: SimTime = 1000;
    const WAKE: u64 = 7;
    const NONE: u64 = u64::MAX;

    fn config(harts: usize) -> TaskControllerConfig {
        let mut c = TaskControllerConfig::new(harts, Clock::new(1_000_000_000));
        c.sets = 4;
        c
    }

    fn setup_with(c: &TaskControllerConfig) -> (Env, TaskController) {
        (
            Env::new(c.harts, virt::PLIC_SOURCES),
            TaskController::new(c),
        )
    }

    fn setup(harts: usize) -> (Env, TaskController) {
        setup_with(&config(harts))
    }

    /// A task id: record number `n`, priority `prio`, preempt flag.
    fn task(n: u64, prio: u64, preempt: bool) -> u64 {
        (n << 6) | (prio << 1) | preempt as u64
    }

    fn sreg(s: usize, off: u64) -> u64 {
        REGION * (1 + s as u64) + off
    }

    fn q(base: u64, lq: usize) -> u64 {
        base + 8 * lq as u64
    }

    fn alloc(env: &mut Env, tc: &mut TaskController) -> usize {
        let s = env.read(tc, 0, global::ALLOC, 8);
        assert!(s < tc.sets() as u64, "allocation failed");
        s as usize
    }

    fn alloc_policy(env: &mut Env, tc: &mut TaskController, p: Policy) -> usize {
        let s = alloc(env, tc);
        env.write(tc, 0, sreg(s, set::CTRL), 8, p.code());
        s
    }

    fn enq(env: &mut Env, tc: &mut TaskController, s: usize, lq: usize, t: u64) {
        env.write(tc, lq, sreg(s, q(set::ENQUEUE, lq)), 8, t);
    }

    fn deq(env: &mut Env, tc: &mut TaskController, hart: usize, s: usize, lq: usize) -> u64 {
        env.read(tc, hart, sreg(s, q(set::DEQUEUE, lq)), 8)
    }

    fn set_error(env: &mut Env, tc: &mut TaskController, s: usize) -> u64 {
        env.read(tc, 0, sreg(s, set::ERROR), 8)
    }

    /// Read and clear set `s`'s ERROR.
    fn take_error(env: &mut Env, tc: &mut TaskController, s: usize) -> u64 {
        let e = set_error(env, tc, s);
        env.write(tc, 0, sreg(s, set::ERROR), 8, e);
        e
    }

    fn take_global_error(env: &mut Env, tc: &mut TaskController) -> u64 {
        let e = env.read(tc, 0, global::ERROR, 8);
        env.write(tc, 0, global::ERROR, 8, e);
        e
    }

    fn counter(tc: &TaskController, key: &str) -> u64 {
        tc.counters()
            .into_iter()
            .find(|(k, _)| k == key)
            .unwrap_or_else(|| panic!("no counter {key}"))
            .1
    }

    fn grant_irq(env: &mut Env, tc: &mut TaskController, s: usize, source: u64) {
        env.write(tc, 0, global::IRQ_GRANT, 8, ((s as u64) << 32) | source);
    }

    fn grant_cap(env: &mut Env, tc: &mut TaskController, from: usize, to: usize, c: u64) {
        let v = ((from as u64) << 32) | ((to as u64) << 16) | c;
        env.write(tc, 0, global::CAP, 8, v);
    }

    /// Raise (or lower) platform source `n` at the env's current time and let the controller
    /// see it.
    fn source(env: &mut Env, tc: &mut TaskController, n: usize, level: bool) {
        env.irq.set_now(env.now);
        env.irq.set_source(n, level);
        tc.sources_changed(&mut env.irq);
    }

    fn lines(env: &Env, hart: usize) -> u64 {
        env.irq.hart_lines(hart)
    }

    #[test]
    fn geometry_id_and_config() {
        let (mut env, mut tc) = setup(3);
        assert_eq!(tc.name(), "task-controller");
        assert_eq!(tc.size(), 5 * 0x4000);
        assert_eq!(env.read(&mut tc, 0, global::ID, 8), ID);
        assert_eq!(
            env.read(&mut tc, 0, global::CONFIG, 8),
            4 | (64 << 16) | (8 << 32) | (64 << 40) | (3 << 48)
        );
        // Out-of-range parameters are clamped, never trusted.
        let mut c = config(0);
        (c.sets, c.priorities, c.capacity) = (1000, 99, 5000);
        let big = TaskController::new(&c);
        assert_eq!(big.sets(), MAX_SETS);
        assert_eq!(big.size(), 0x40_4000);
        assert_eq!((big.harts, big.priorities, big.capacity), (1, 32, 1024));
        (c.sets, c.priorities, c.capacity) = (0, 0, 0);
        let small = TaskController::new(&c);
        assert_eq!((small.sets(), small.priorities, small.capacity), (1, 1, 1));
    }

    #[test]
    fn sets_are_allocated_lowest_first_and_freed() {
        let (mut env, mut tc) = setup(1);
        for i in 0..4 {
            assert_eq!(env.read(&mut tc, 0, global::ALLOC, 8), i);
        }
        assert_eq!(env.read(&mut tc, 0, global::ALLOC, 8), NONE);
        assert_eq!(take_global_error(&mut env, &mut tc), error::QUEUE_FULL);
        assert_eq!(
            env.read(&mut tc, 0, global::ERROR, 8),
            0,
            "write-1-to-clear"
        );
        env.write(&mut tc, 0, global::FREE, 8, 2);
        assert_eq!(env.read(&mut tc, 0, sreg(2, set::STATUS), 8) & 1, 0);
        assert_eq!(env.read(&mut tc, 0, sreg(1, set::STATUS), 8) & 1, 1);
        assert_eq!(env.read(&mut tc, 0, global::ALLOC, 8), 2);
        // Freeing a free set or a set that does not exist.
        env.write(&mut tc, 0, global::FREE, 8, 3);
        env.write(&mut tc, 0, global::FREE, 8, 3);
        assert_eq!(take_global_error(&mut env, &mut tc), error::NOT_INIT);
        env.write(&mut tc, 0, global::FREE, 8, 4);
        env.write(&mut tc, 0, global::FREE, 8, u64::MAX);
        assert_eq!(take_global_error(&mut env, &mut tc), error::BAD_INDEX);
        assert_eq!(counter(&tc, "allocs"), 5);
        assert_eq!(counter(&tc, "alloc_failures"), 1);
        assert_eq!(counter(&tc, "frees"), 2);
        assert_eq!(counter(&tc, "set2.allocations"), 2);
        // Writes to read-only registers are ignored, reads of write-only ones return 0.
        env.write(&mut tc, 0, global::ID, 8, 0);
        env.write(&mut tc, 0, global::ALLOC, 8, 0);
        assert_eq!(env.read(&mut tc, 0, global::ID, 8), ID);
        assert_eq!(env.read(&mut tc, 0, global::FREE, 8), 0);
        assert_eq!(env.read(&mut tc, 0, global::PULSE, 8), 0);
    }

    #[test]
    fn highest_priority_first_fifo_within_a_priority() {
        let (mut env, mut tc) = setup(1);
        let s = alloc(&mut env, &mut tc);
        let order = [
            (1, 5),
            (2, 0),
            (3, 7),
            (4, 5),
            (5, 0),
            (6, 3),
            (7, 7),
            (8, 0),
        ];
        for (n, p) in order {
            enq(&mut env, &mut tc, s, 0, task(n, p, false));
        }
        assert_eq!(env.read(&mut tc, 0, sreg(s, q(set::COUNT, 0)), 8), 8);
        assert_eq!(
            env.read(&mut tc, 0, sreg(s, set::STATUS), 8),
            1 | (2 << 1) | (8 << 16)
        );
        let got: Vec<u64> = (0..9).map(|_| deq(&mut env, &mut tc, 0, s, 0)).collect();
        let want: Vec<u64> = [
            (2, 0),
            (5, 0),
            (8, 0),
            (6, 3),
            (1, 5),
            (4, 5),
            (3, 7),
            (7, 7),
        ]
        .iter()
        .map(|&(n, p)| task(n, p, false))
        .chain([0])
        .collect();
        assert_eq!(got, want, "0 once empty");
        // The id comes back exactly as written, flags included.
        enq(&mut env, &mut tc, s, 0, task(0x3ff_ffff_ffff, 2, true));
        assert_eq!(
            deq(&mut env, &mut tc, 0, s, 0),
            task(0x3ff_ffff_ffff, 2, true)
        );
        assert_eq!(counter(&tc, "set0.enqueues"), 9);
        assert_eq!(counter(&tc, "set0.dequeues"), 9);
        assert_eq!(counter(&tc, "set0.empty_dequeues"), 1);
        assert_eq!(counter(&tc, "set0.high_water"), 8);
    }

    #[test]
    fn best_reports_the_most_urgent_queued_priority_of_the_whole_set_and_the_free_entries() {
        let (mut env, mut tc) = setup(2);
        let s = alloc_policy(&mut env, &mut tc, Policy::DFcfs);
        let best = |env: &mut Env, tc: &mut TaskController| env.read(tc, 0, sreg(s, set::BEST), 8);
        let field = |prio: u64, free: u64| prio | free << 16;
        assert_eq!(best(&mut env, &mut tc), field(8, 64), "empty: `priorities`");
        enq(&mut env, &mut tc, s, 0, task(1, 5, false));
        assert_eq!(best(&mut env, &mut tc), field(5, 63));
        // Across local queues, whatever the policy lets a hart take.
        enq(&mut env, &mut tc, s, 1, task(2, 2, false));
        enq(&mut env, &mut tc, s, 0, task(3, 6, false));
        assert_eq!(best(&mut env, &mut tc), field(2, 61));
        assert_eq!(deq(&mut env, &mut tc, 1, s, 1), task(2, 2, false));
        assert_eq!(best(&mut env, &mut tc), field(5, 62));
        // A wake-up in flight takes an entry but is not queued until it is ready.
        grant_irq(&mut env, &mut tc, s, 10);
        env.write(
            &mut tc,
            1,
            sreg(s, set::IRQ_HANDLER + 8 * 10),
            8,
            task(4, 0, false),
        );
        env.now = 1_000_000;
        source(&mut env, &mut tc, 10, true);
        assert_eq!(best(&mut env, &mut tc), field(5, 61));
        env.now += WAKE * CYCLE;
        assert_eq!(best(&mut env, &mut tc), field(0, 61));
        for (hart, want) in [(1, task(4, 0, false)), (0, task(1, 5, false))] {
            assert_eq!(deq(&mut env, &mut tc, hart, s, hart), want);
        }
        assert_eq!(best(&mut env, &mut tc), field(6, 63));
        assert_eq!(deq(&mut env, &mut tc, 0, s, 0), task(3, 6, false));
        assert_eq!(best(&mut env, &mut tc), field(8, 64));
        assert_eq!(take_error(&mut env, &mut tc, s), 0);
        // A free set's BEST reads 0 with NOT_INIT; a write is ignored.
        env.write(&mut tc, 0, sreg(s, set::BEST), 8, 3);
        assert_eq!(best(&mut env, &mut tc), field(8, 64));
        env.write(&mut tc, 0, global::FREE, 8, s as u64);
        assert_eq!(best(&mut env, &mut tc), 0);
        assert_eq!(take_error(&mut env, &mut tc, s), error::NOT_INIT);
    }

    #[test]
    fn errors_name_the_cause_and_change_nothing() {
        let mut c = config(2);
        (c.priorities, c.capacity) = (4, 3);
        let (mut env, mut tc) = setup_with(&c);
        // Not allocated.
        enq(&mut env, &mut tc, 1, 0, task(1, 0, false));
        assert_eq!(deq(&mut env, &mut tc, 0, 1, 0), 0);
        assert_eq!(take_error(&mut env, &mut tc, 1), error::NOT_INIT);
        let s = alloc(&mut env, &mut tc);
        assert_eq!(s, 0);
        // Priority beyond the configured levels, local queue beyond the harts, task 0.
        enq(&mut env, &mut tc, s, 0, task(1, 4, false));
        assert_eq!(take_error(&mut env, &mut tc, s), error::BAD_INDEX);
        enq(&mut env, &mut tc, s, 2, task(1, 0, false));
        assert_eq!(deq(&mut env, &mut tc, 0, s, 2), 0);
        assert_eq!(env.read(&mut tc, 0, sreg(s, q(set::COUNT, 511)), 8), 0);
        assert_eq!(take_error(&mut env, &mut tc, s), error::BAD_INDEX);
        enq(&mut env, &mut tc, s, 0, 0);
        assert_eq!(take_error(&mut env, &mut tc, s), error::BAD_TASK);
        // Capacity is per set, over all local queues.
        enq(&mut env, &mut tc, s, 0, task(1, 0, false));
        enq(&mut env, &mut tc, s, 1, task(2, 0, false));
        enq(&mut env, &mut tc, s, 0, task(3, 3, false));
        assert_eq!(set_error(&mut env, &mut tc, s), 0);
        enq(&mut env, &mut tc, s, 1, task(4, 0, false));
        assert_eq!(take_error(&mut env, &mut tc, s), error::QUEUE_FULL);
        // Errors accumulate until cleared; clearing one bit leaves the others.
        enq(&mut env, &mut tc, s, 1, task(4, 0, false));
        enq(&mut env, &mut tc, s, 1, 0);
        assert_eq!(
            set_error(&mut env, &mut tc, s),
            error::QUEUE_FULL | error::BAD_TASK
        );
        env.write(&mut tc, 0, sreg(s, set::ERROR), 8, error::BAD_TASK);
        assert_eq!(set_error(&mut env, &mut tc, s), error::QUEUE_FULL);
        // Nothing was dropped or added.
        assert_eq!(deq(&mut env, &mut tc, 0, s, 0), task(1, 0, false));
        assert_eq!(deq(&mut env, &mut tc, 0, s, 0), task(3, 3, false));
        assert_eq!(deq(&mut env, &mut tc, 1, s, 1), task(2, 0, false));
        assert_eq!(counter(&tc, "set0.errors"), 8);
        assert!(!tc.counters().iter().any(|(k, _)| k.starts_with("set1.")));
    }

    #[test]
    fn d_fcfs_keeps_every_task_on_its_hart() {
        let (mut env, mut tc) = setup(3);
        let s = alloc_policy(&mut env, &mut tc, Policy::DFcfs);
        enq(&mut env, &mut tc, s, 1, task(1, 0, false));
        enq(&mut env, &mut tc, s, 1, task(2, 0, false));
        assert_eq!(deq(&mut env, &mut tc, 0, s, 0), 0);
        assert_eq!(deq(&mut env, &mut tc, 2, s, 2), 0);
        assert_eq!(env.read(&mut tc, 0, sreg(s, q(set::COUNT, 1)), 8), 2);
        assert_eq!(tc.access_cycles(sreg(s, q(set::DEQUEUE, 0)), false), 3);
        assert_eq!(deq(&mut env, &mut tc, 1, s, 1), task(1, 0, false));
        assert_eq!(counter(&tc, "set0.steals"), 0);
        assert_eq!(counter(&tc, "set0.empty_dequeues"), 2);
    }

    #[test]
    fn steal_one_takes_the_best_task_from_another_queue() {
        let (mut env, mut tc) = setup(4);
        let s = alloc_policy(&mut env, &mut tc, Policy::StealOne);
        enq(&mut env, &mut tc, s, 1, task(1, 4, false));
        enq(&mut env, &mut tc, s, 2, task(2, 2, false));
        enq(&mut env, &mut tc, s, 3, task(3, 2, false));
        enq(&mut env, &mut tc, s, 3, task(4, 6, false));
        // Own queue first, even at a lower priority than what the others hold.
        enq(&mut env, &mut tc, s, 0, task(5, 7, false));
        assert_eq!(tc.access_cycles(sreg(s, q(set::DEQUEUE, 0)), false), 3);
        assert_eq!(deq(&mut env, &mut tc, 0, s, 0), task(5, 7, false));
        // Empty: the best priority elsewhere (2), lowest queue on ties (2 before 3), one task.
        assert_eq!(tc.access_cycles(sreg(s, q(set::DEQUEUE, 0)), false), 3 + 2);
        assert_eq!(deq(&mut env, &mut tc, 0, s, 0), task(2, 2, false));
        assert_eq!(deq(&mut env, &mut tc, 0, s, 0), task(3, 2, false));
        assert_eq!(deq(&mut env, &mut tc, 0, s, 0), task(1, 4, false));
        assert_eq!(deq(&mut env, &mut tc, 2, s, 2), task(4, 6, false));
        assert_eq!(deq(&mut env, &mut tc, 0, s, 0), 0, "all empty");
        assert_eq!(tc.access_cycles(sreg(s, q(set::DEQUEUE, 0)), false), 3);
        assert_eq!(counter(&tc, "set0.steals"), 4);
        assert_eq!(counter(&tc, "set0.dequeues"), 5);
        assert_eq!(counter(&tc, "set0.empty_dequeues"), 1);
    }

    #[test]
    fn c_fcfs_shares_one_queue() {
        let (mut env, mut tc) = setup(3);
        let s = alloc_policy(&mut env, &mut tc, Policy::CFcfs);
        assert_eq!(env.read(&mut tc, 0, sreg(s, set::CTRL), 8), 3);
        enq(&mut env, &mut tc, s, 2, task(1, 1, false));
        enq(&mut env, &mut tc, s, 0, task(2, 1, false));
        enq(&mut env, &mut tc, s, 1, task(3, 0, false));
        for lq in 0..3 {
            assert_eq!(env.read(&mut tc, 0, sreg(s, q(set::COUNT, lq)), 8), 3);
        }
        assert_eq!(tc.access_cycles(sreg(s, q(set::DEQUEUE, 1)), false), 3);
        assert_eq!(deq(&mut env, &mut tc, 1, s, 1), task(3, 0, false));
        assert_eq!(deq(&mut env, &mut tc, 1, s, 1), task(1, 1, false));
        assert_eq!(deq(&mut env, &mut tc, 0, s, 0), task(2, 1, false));
        assert_eq!(counter(&tc, "set0.steals"), 0);
    }

    #[test]
    fn switching_to_c_fcfs_merges_the_local_queues_in_order() {
        let (mut env, mut tc) = setup(3);
        let s = alloc_policy(&mut env, &mut tc, Policy::DFcfs);
        enq(&mut env, &mut tc, s, 2, task(1, 3, false));
        enq(&mut env, &mut tc, s, 1, task(2, 3, false));
        enq(&mut env, &mut tc, s, 0, task(3, 3, false));
        enq(&mut env, &mut tc, s, 2, task(4, 1, false));
        env.write(&mut tc, 0, sreg(s, set::CTRL), 8, 3);
        let got: Vec<u64> = (0..5).map(|_| deq(&mut env, &mut tc, 2, s, 2)).collect();
        let want = [
            task(4, 1, false),
            task(3, 3, false),
            task(2, 3, false),
            task(1, 3, false),
            0,
        ];
        assert_eq!(got, want);
        // Back to per-hart queues: what is enqueued now stays local again.
        env.write(&mut tc, 0, sreg(s, set::CTRL), 8, 1);
        enq(&mut env, &mut tc, s, 1, task(5, 0, false));
        assert_eq!(deq(&mut env, &mut tc, 0, s, 0), 0);
        // Writing 0 restores the device default; reserved CTRL bits are ignored.
        env.write(&mut tc, 0, sreg(s, set::CTRL), 8, 0xfc);
        assert_eq!(
            env.read(&mut tc, 0, sreg(s, set::CTRL), 8),
            Policy::StealOne.code()
        );
        assert_eq!(deq(&mut env, &mut tc, 0, s, 0), task(5, 0, false));
        // A freshly allocated set starts with the device default.
        let mut c = config(1);
        c.policy = Policy::CFcfs;
        let (mut env, mut tc) = setup_with(&c);
        let s = alloc(&mut env, &mut tc);
        assert_eq!(env.read(&mut tc, 0, sreg(s, set::CTRL), 8), 3);
    }

    #[test]
    fn a_wake_up_already_due_is_still_reported_until_delivered() {
        // A hart asks for the next event from a time past the wake-up's ready time (its
        // store took longer than the wake-up latency): the wake-up is still reported, so the
        // machine delivers it at once rather than at some later event.
        let (mut env, mut tc) = setup(1);
        let s = alloc_policy(&mut env, &mut tc, Policy::DFcfs);
        grant_irq(&mut env, &mut tc, s, 10);
        env.write(
            &mut tc,
            0,
            sreg(s, set::IRQ_HANDLER + 8 * 10),
            8,
            task(0x42, 1, true),
        );
        env.now = 1_000_000;
        source(&mut env, &mut tc, 10, true);
        let ready = env.now + WAKE * CYCLE;
        assert_eq!(tc.next_event(ready + 5 * CYCLE, &env.timebase), Some(ready));
        env.advance(&mut tc, ready + 5 * CYCLE);
        assert_eq!(tc.next_event(env.now, &env.timebase), None);
    }

    #[test]
    fn an_interrupt_wakes_its_handler_after_the_latency_without_a_hart_interrupt() {
        let (mut env, mut tc) = setup(2);
        let s = alloc_policy(&mut env, &mut tc, Policy::DFcfs);
        grant_irq(&mut env, &mut tc, s, 10);
        let h = task(0x42, 1, false);
        // Hart 1 registers: the handler wakes into hart 1's queue.
        env.write(&mut tc, 1, sreg(s, set::IRQ_HANDLER + 8 * 10), 8, h);
        assert_eq!(
            env.read(&mut tc, 1, sreg(s, set::IRQ_HANDLER + 8 * 10), 8),
            h
        );
        env.now = 1_000_000;
        source(&mut env, &mut tc, 10, true);
        let ready = env.now + WAKE * CYCLE;
        assert_eq!(tc.next_event(env.now, &env.timebase), Some(ready));
        assert_eq!(
            env.read(&mut tc, 1, sreg(s, set::STATUS), 8) >> 32,
            1,
            "in flight"
        );
        // Not visible before the wake-up latency has passed.
        env.now = ready - 1;
        assert_eq!(deq(&mut env, &mut tc, 1, s, 1), 0);
        env.advance(&mut tc, ready);
        assert_eq!(tc.next_event(env.now, &env.timebase), None);
        assert_eq!(env.read(&mut tc, 1, sreg(s, q(set::COUNT, 1)), 8), 1);
        assert_eq!(lines(&env, 0) | lines(&env, 1), 0, "no hart interrupt");
        // The binding was consumed.
        assert_eq!(
            env.read(&mut tc, 1, sreg(s, set::IRQ_HANDLER + 8 * 10), 8),
            0
        );
        env.now = ready + 50 * CYCLE;
        assert_eq!(deq(&mut env, &mut tc, 1, s, 1), h);
        assert_eq!(counter(&tc, "set0.wakeups"), 1);
        assert_eq!(counter(&tc, "set0.wake_to_dequeue_cycles.32-63"), 1);
        assert_eq!(counter(&tc, "set0.wake_to_dequeue_cycles_sum"), 57);
        assert_eq!(counter(&tc, "set0.wake_to_dequeue_cycles_max"), 57);
        assert_eq!(counter(&tc, "source_edges"), 1);
    }

    #[test]
    fn an_edge_without_a_handler_is_latched_until_one_is_bound() {
        let (mut env, mut tc) = setup(1);
        let s = alloc(&mut env, &mut tc);
        grant_irq(&mut env, &mut tc, s, 5);
        let h = task(7, 0, false);
        env.write(&mut tc, 0, sreg(s, set::IRQ_HANDLER + 8 * 5), 8, h);
        source(&mut env, &mut tc, 5, true);
        // The level staying high is no new edge; lowering and raising is.
        source(&mut env, &mut tc, 5, true);
        source(&mut env, &mut tc, 5, false);
        env.now = 10 * CYCLE;
        source(&mut env, &mut tc, 5, true);
        env.advance(&mut tc, 100 * CYCLE);
        assert_eq!(env.read(&mut tc, 0, sreg(s, q(set::COUNT, 0)), 8), 1);
        // Re-registering fires at once (registration time + latency).
        env.write(
            &mut tc,
            0,
            sreg(s, set::IRQ_HANDLER + 8 * 5),
            8,
            h | (1 << 6),
        );
        assert_eq!(
            tc.next_event(env.now, &env.timebase),
            Some(env.now + WAKE * CYCLE)
        );
        env.advance(&mut tc, env.now + WAKE * CYCLE);
        assert_eq!(deq(&mut env, &mut tc, 0, s, 0), h);
        assert_eq!(deq(&mut env, &mut tc, 0, s, 0), h | (1 << 6));
        // A cancelled binding does not fire; the next edge is latched instead.
        env.write(&mut tc, 0, sreg(s, set::IRQ_HANDLER + 8 * 5), 8, h);
        env.write(&mut tc, 0, sreg(s, set::IRQ_HANDLER + 8 * 5), 8, 0);
        source(&mut env, &mut tc, 5, false);
        source(&mut env, &mut tc, 5, true);
        env.advance(&mut tc, env.now + 100 * CYCLE);
        assert_eq!(deq(&mut env, &mut tc, 0, s, 0), 0);
        // A new grant clears the latch.
        grant_irq(&mut env, &mut tc, s, 5);
        env.write(&mut tc, 0, sreg(s, set::IRQ_HANDLER + 8 * 5), 8, h);
        env.advance(&mut tc, env.now + 100 * CYCLE);
        assert_eq!(deq(&mut env, &mut tc, 0, s, 0), 0);
        assert_eq!(counter(&tc, "set0.registrations"), 5);
    }

    #[test]
    fn binding_needs_a_grant_and_a_valid_source_and_priority() {
        let (mut env, mut tc) = setup(1);
        let a = alloc(&mut env, &mut tc);
        let b = alloc(&mut env, &mut tc);
        let h = task(9, 0, false);
        env.write(&mut tc, 0, sreg(a, set::IRQ_HANDLER + 8 * 10), 8, h);
        assert_eq!(take_error(&mut env, &mut tc, a), error::NO_PERMISSION);
        grant_irq(&mut env, &mut tc, a, 10);
        env.write(&mut tc, 0, sreg(b, set::IRQ_HANDLER + 8 * 10), 8, h);
        assert_eq!(take_error(&mut env, &mut tc, b), error::NO_PERMISSION);
        for n in [0u64, 96, 127] {
            env.write(&mut tc, 0, sreg(a, set::IRQ_HANDLER + 8 * n), 8, h);
            assert_eq!(
                take_error(&mut env, &mut tc, a),
                error::BAD_INDEX,
                "source {n}"
            );
        }
        env.write(
            &mut tc,
            0,
            sreg(a, set::IRQ_HANDLER + 8 * 10),
            8,
            task(1, 8, false),
        );
        assert_eq!(take_error(&mut env, &mut tc, a), error::BAD_INDEX);
        assert_eq!(
            env.read(&mut tc, 0, sreg(a, set::IRQ_HANDLER + 8 * 10), 8),
            0
        );
        // Grants: bad source, bad or free set.
        env.write(&mut tc, 0, global::IRQ_GRANT, 8, 96);
        env.write(&mut tc, 0, global::IRQ_GRANT, 8, 0);
        env.write(&mut tc, 0, global::IRQ_GRANT, 8, (9 << 32) | 3);
        assert_eq!(take_global_error(&mut env, &mut tc), error::BAD_INDEX);
        grant_irq(&mut env, &mut tc, 3, 3);
        assert_eq!(take_global_error(&mut env, &mut tc), error::NOT_INIT);
        // Moving or revoking a grant drops the binding.
        env.write(&mut tc, 0, sreg(a, set::IRQ_HANDLER + 8 * 10), 8, h);
        grant_irq(&mut env, &mut tc, b, 10);
        assert_eq!(
            env.read(&mut tc, 0, sreg(a, set::IRQ_HANDLER + 8 * 10), 8),
            0
        );
        env.write(&mut tc, 0, sreg(b, set::IRQ_HANDLER + 8 * 10), 8, h);
        env.write(
            &mut tc,
            0,
            global::IRQ_GRANT,
            8,
            (1 << 63) | ((a as u64) << 32) | 10,
        );
        assert_eq!(
            env.read(&mut tc, 0, sreg(b, set::IRQ_HANDLER + 8 * 10), 8),
            h,
            "not a's"
        );
        env.write(
            &mut tc,
            0,
            global::IRQ_GRANT,
            8,
            (1 << 63) | ((b as u64) << 32) | 10,
        );
        assert_eq!(
            env.read(&mut tc, 0, sreg(b, set::IRQ_HANDLER + 8 * 10), 8),
            0
        );
        source(&mut env, &mut tc, 10, true);
        env.advance(&mut tc, 1_000_000);
        assert_eq!(deq(&mut env, &mut tc, 0, b, 0), 0);
        assert_eq!(take_global_error(&mut env, &mut tc), 0);
    }

    #[test]
    fn pulse_is_an_edge() {
        let (mut env, mut tc) = setup(1);
        let s = alloc(&mut env, &mut tc);
        grant_irq(&mut env, &mut tc, s, 95);
        env.write(
            &mut tc,
            0,
            sreg(s, set::IRQ_HANDLER + 8 * 95),
            8,
            task(1, 0, false),
        );
        env.now = 500;
        env.write(&mut tc, 0, global::PULSE, 8, 95);
        assert_eq!(tc.next_event(500, &env.timebase), Some(500 + WAKE * CYCLE));
        env.now += WAKE * CYCLE;
        // An access at or after the ready time sees it without an advance.
        assert_eq!(deq(&mut env, &mut tc, 0, s, 0), task(1, 0, false));
        env.write(&mut tc, 0, global::PULSE, 8, 0);
        env.write(&mut tc, 0, global::PULSE, 8, 96);
        assert_eq!(take_global_error(&mut env, &mut tc), error::BAD_INDEX);
        assert_eq!(counter(&tc, "pulses"), 1);
    }

    #[test]
    fn zero_wake_latency_is_immediate() {
        let mut c = config(1);
        c.wake_latency = 0;
        let (mut env, mut tc) = setup_with(&c);
        let s = alloc(&mut env, &mut tc);
        grant_irq(&mut env, &mut tc, s, 1);
        env.write(
            &mut tc,
            0,
            sreg(s, set::IRQ_HANDLER + 8),
            8,
            task(1, 0, false),
        );
        source(&mut env, &mut tc, 1, true);
        assert_eq!(tc.next_event(env.now, &env.timebase), None);
        assert_eq!(env.read(&mut tc, 0, sreg(s, q(set::COUNT, 0)), 8), 1);
        assert_eq!(deq(&mut env, &mut tc, 0, s, 0), task(1, 0, false));
        assert_eq!(counter(&tc, "set0.wake_to_dequeue_cycles.0"), 1);
    }

    #[test]
    fn preempt_raises_ssip_for_the_kernel_set_until_dequeue_or_ack() {
        let (mut env, mut tc) = setup(2);
        let k = alloc(&mut env, &mut tc);
        env.write(&mut tc, 0, global::HART_KSET + 8, 8, k as u64);
        assert_eq!(env.read(&mut tc, 0, global::HART_KSET + 8, 8), k as u64);
        assert_eq!(env.read(&mut tc, 0, global::HART_KSET, 8), NONE);
        grant_irq(&mut env, &mut tc, k, 10);
        env.write(
            &mut tc,
            1,
            sreg(k, set::IRQ_HANDLER + 8 * 10),
            8,
            task(1, 0, true),
        );
        env.now = 2_000_000;
        source(&mut env, &mut tc, 10, true);
        let ready = env.now + WAKE * CYCLE;
        env.advance(&mut tc, ready);
        assert_eq!(lines(&env, 1), mip::SSIP);
        assert_eq!(lines(&env, 0), 0);
        assert_eq!(env.irq.rise_time(1, 1), Some(ready));
        assert_eq!(env.irq.hart_lines_at(1, ready - 1), 0);
        // Hart 0 dequeuing (stealing it) does not acknowledge hart 1's line.
        assert_eq!(deq(&mut env, &mut tc, 0, k, 0), task(1, 0, true));
        assert_eq!(lines(&env, 1), mip::SSIP);
        // Hart 1's dequeue does, even of an empty queue.
        assert_eq!(deq(&mut env, &mut tc, 1, k, 1), 0);
        assert_eq!(lines(&env, 1), 0);
        // Again, acknowledged through ACK this time.
        env.write(
            &mut tc,
            1,
            sreg(k, set::IRQ_HANDLER + 8 * 10),
            8,
            task(2, 0, true),
        );
        source(&mut env, &mut tc, 10, false);
        source(&mut env, &mut tc, 10, true);
        env.advance(&mut tc, env.now + WAKE * CYCLE);
        assert_eq!(lines(&env, 1), mip::SSIP);
        env.write(&mut tc, 0, sreg(k, set::ACK), 8, 0);
        assert_eq!(lines(&env, 1), mip::SSIP, "ACK from another hart");
        env.write(&mut tc, 1, sreg(k, set::ACK), 8, 0);
        assert_eq!(lines(&env, 1), 0);
        assert_eq!(counter(&tc, "set0.preempts"), 2);
        // Without the preempt bit nothing is raised.
        env.write(
            &mut tc,
            1,
            sreg(k, set::IRQ_HANDLER + 8 * 10),
            8,
            task(3, 0, false),
        );
        env.write(&mut tc, 0, global::PULSE, 8, 10);
        env.advance(&mut tc, env.now + WAKE * CYCLE);
        assert_eq!(lines(&env, 1), 0);
        assert_eq!(deq(&mut env, &mut tc, 1, k, 1), task(2, 0, true));
        assert_eq!(deq(&mut env, &mut tc, 1, k, 1), task(3, 0, false));
    }

    #[test]
    fn preempt_raises_usip_for_the_user_set_and_waits_while_it_is_offline() {
        let (mut env, mut tc) = setup(2);
        let k = alloc(&mut env, &mut tc);
        let u = alloc(&mut env, &mut tc);
        let v = alloc(&mut env, &mut tc);
        env.write(&mut tc, 0, global::HART_KSET, 8, k as u64);
        env.write(&mut tc, 0, global::HART_USET, 8, v as u64);
        grant_irq(&mut env, &mut tc, u, 7);
        env.write(
            &mut tc,
            0,
            sreg(u, set::IRQ_HANDLER + 8 * 7),
            8,
            task(1, 0, true),
        );
        env.write(&mut tc, 0, global::PULSE, 8, 7);
        env.advance(&mut tc, WAKE * CYCLE);
        // u is not running on hart 0: no line, the task waits in u's queue.
        assert_eq!(lines(&env, 0), 0);
        assert_eq!(env.read(&mut tc, 0, sreg(u, q(set::COUNT, 0)), 8), 1);
        // The kernel switches hart 0 to u: the request raises USIP now.
        env.now = 50 * CYCLE;
        env.write(&mut tc, 0, global::HART_USET, 8, u as u64);
        assert_eq!(lines(&env, 0), mip::USIP);
        assert_eq!(env.irq.rise_time(0, 0), Some(50 * CYCLE));
        // Switched away before acknowledging: the line drops and the request goes with u.
        env.write(&mut tc, 0, global::HART_USET, 8, v as u64);
        assert_eq!(lines(&env, 0), 0);
        env.write(&mut tc, 0, global::HART_USET, 8, NONE);
        assert_eq!(env.read(&mut tc, 0, global::HART_USET, 8), NONE);
        assert_eq!(lines(&env, 0), 0);
        env.write(&mut tc, 0, global::HART_USET, 8, u as u64);
        assert_eq!(lines(&env, 0), mip::USIP);
        assert_eq!(deq(&mut env, &mut tc, 0, u, 0), task(1, 0, true));
        assert_eq!(lines(&env, 0), 0);
        // While online, a preempt wake raises USIP directly; SSIP stays low.
        env.write(
            &mut tc,
            0,
            sreg(u, set::IRQ_HANDLER + 8 * 7),
            8,
            task(2, 0, true),
        );
        env.write(&mut tc, 0, global::PULSE, 8, 7);
        env.advance(&mut tc, env.now + WAKE * CYCLE);
        assert_eq!(lines(&env, 0), mip::USIP);
        // Bad online-table writes.
        env.write(&mut tc, 0, global::HART_USET + 16, 8, u as u64);
        env.write(&mut tc, 0, global::HART_USET, 8, 17);
        assert_eq!(env.read(&mut tc, 0, global::HART_KSET + 8 * 511, 8), 0);
        assert_eq!(take_global_error(&mut env, &mut tc), error::BAD_INDEX);
        env.write(&mut tc, 0, global::HART_USET, 8, 3);
        assert_eq!(take_global_error(&mut env, &mut tc), error::NOT_INIT);
        assert_eq!(
            env.read(&mut tc, 0, global::HART_USET, 8),
            u as u64,
            "unchanged"
        );
        // Freeing the set takes it offline and drops its line.
        env.write(&mut tc, 0, global::FREE, 8, u as u64);
        assert_eq!(lines(&env, 0), 0);
        assert_eq!(env.read(&mut tc, 0, global::HART_USET, 8), NONE);
        assert_eq!(env.read(&mut tc, 0, global::HART_KSET, 8), k as u64);
    }

    #[test]
    fn ipc_needs_a_capability() {
        let (mut env, mut tc) = setup(1);
        let a = alloc(&mut env, &mut tc);
        let b = alloc(&mut env, &mut tc);
        let h = task(0x77, 2, false);
        env.write(&mut tc, 0, sreg(b, set::CHAN_HANDLER + 8 * 5), 8, h);
        assert_eq!(
            env.read(&mut tc, 0, sreg(b, set::CHAN_HANDLER + 8 * 5), 8),
            h
        );
        let to_b5 = ((b as u64) << 16) | 5;
        env.write(&mut tc, 0, sreg(a, set::SEND), 8, to_b5);
        assert_eq!(take_error(&mut env, &mut tc, a), error::NO_PERMISSION);
        assert_eq!(set_error(&mut env, &mut tc, b), 0);
        // The capability is for one channel and one direction.
        grant_cap(&mut env, &mut tc, a, b, 4);
        grant_cap(&mut env, &mut tc, b, a, 5);
        env.write(&mut tc, 0, sreg(a, set::SEND), 8, to_b5);
        assert_eq!(take_error(&mut env, &mut tc, a), error::NO_PERMISSION);
        grant_cap(&mut env, &mut tc, a, b, 5);
        env.now = 1000 * CYCLE;
        env.write(&mut tc, 0, sreg(a, set::SEND), 8, to_b5);
        assert_eq!(set_error(&mut env, &mut tc, a), 0);
        assert_eq!(
            tc.next_event(env.now, &env.timebase),
            Some(env.now + WAKE * CYCLE)
        );
        env.advance(&mut tc, env.now + WAKE * CYCLE);
        assert_eq!(deq(&mut env, &mut tc, 0, b, 0), h);
        assert_eq!(
            deq(&mut env, &mut tc, 0, a, 0),
            0,
            "nothing in the sender's set"
        );
        // No handler bound: the send is latched and fires on binding.
        env.write(&mut tc, 0, sreg(a, set::SEND), 8, to_b5);
        assert_eq!(env.read(&mut tc, 0, sreg(b, set::CHAN_PENDING), 8), 1 << 5);
        env.write(&mut tc, 0, sreg(b, set::CHAN_HANDLER + 8 * 5), 8, h);
        assert_eq!(env.read(&mut tc, 0, sreg(b, set::CHAN_PENDING), 8), 0);
        env.advance(&mut tc, env.now + WAKE * CYCLE);
        assert_eq!(deq(&mut env, &mut tc, 0, b, 0), h);
        // Revoked.
        env.write(
            &mut tc,
            0,
            global::CAP,
            8,
            (1 << 63) | ((a as u64) << 32) | to_b5,
        );
        env.write(&mut tc, 0, sreg(a, set::SEND), 8, to_b5);
        assert_eq!(take_error(&mut env, &mut tc, a), error::NO_PERMISSION);
        // Bad channel or set, a free receiver.
        env.write(&mut tc, 0, sreg(a, set::SEND), 8, to_b5 + 59);
        env.write(&mut tc, 0, sreg(a, set::SEND), 8, (4 << 16) | 1);
        assert_eq!(take_error(&mut env, &mut tc, a), error::BAD_INDEX);
        env.write(&mut tc, 0, sreg(a, set::SEND), 8, (3 << 16) | 1);
        assert_eq!(take_error(&mut env, &mut tc, a), error::NOT_INIT);
        // Capability registration errors.
        grant_cap(&mut env, &mut tc, a, b, 64);
        grant_cap(&mut env, &mut tc, 9, b, 1);
        assert_eq!(take_global_error(&mut env, &mut tc), error::BAD_INDEX);
        grant_cap(&mut env, &mut tc, a, 2, 1);
        assert_eq!(take_global_error(&mut env, &mut tc), error::NOT_INIT);
        // Channel binding errors.
        env.write(
            &mut tc,
            0,
            sreg(b, set::CHAN_HANDLER + 8 * 5),
            8,
            task(1, 9, false),
        );
        assert_eq!(take_error(&mut env, &mut tc, b), error::BAD_INDEX);
        assert_eq!(counter(&tc, "set0.sends"), 2);
        assert_eq!(counter(&tc, "set0.sends_denied"), 3);
        assert_eq!(counter(&tc, "set1.wakeups"), 2);
    }

    #[test]
    fn an_offline_set_receives_a_send_and_sees_it_when_online() {
        let (mut env, mut tc) = setup(1);
        let a = alloc(&mut env, &mut tc);
        let b = alloc(&mut env, &mut tc);
        env.write(&mut tc, 0, global::HART_USET, 8, a as u64);
        grant_cap(&mut env, &mut tc, a, b, 0);
        let h = task(3, 0, true);
        env.write(&mut tc, 0, sreg(b, set::CHAN_HANDLER), 8, h);
        env.write(&mut tc, 0, sreg(a, set::SEND), 8, (b as u64) << 16);
        env.advance(&mut tc, 100 * CYCLE);
        assert_eq!(lines(&env, 0), 0, "b is offline");
        assert_eq!(
            env.read(&mut tc, 0, sreg(b, set::STATUS), 8) >> 16 & 0xffff,
            1
        );
        env.write(&mut tc, 0, global::HART_USET, 8, b as u64);
        assert_eq!(lines(&env, 0), mip::USIP);
        assert_eq!(deq(&mut env, &mut tc, 0, b, 0), h);
        assert_eq!(lines(&env, 0), 0);
    }

    #[test]
    fn a_wake_up_into_a_full_set_is_reported_and_the_binding_kept() {
        let mut c = config(1);
        c.capacity = 2;
        let (mut env, mut tc) = setup_with(&c);
        let a = alloc(&mut env, &mut tc);
        let b = alloc(&mut env, &mut tc);
        grant_irq(&mut env, &mut tc, b, 3);
        grant_cap(&mut env, &mut tc, a, b, 1);
        let h = task(1, 0, false);
        env.write(&mut tc, 0, sreg(b, set::IRQ_HANDLER + 24), 8, h);
        // A wake-up in flight holds its entry: only one more enqueue fits.
        env.write(&mut tc, 0, global::PULSE, 8, 3);
        enq(&mut env, &mut tc, b, 0, task(2, 0, false));
        enq(&mut env, &mut tc, b, 0, task(3, 0, false));
        assert_eq!(take_error(&mut env, &mut tc, b), error::QUEUE_FULL);
        env.advance(&mut tc, WAKE * CYCLE);
        // Full: the edge is reported, the handler stays bound.
        env.write(&mut tc, 0, sreg(b, set::IRQ_HANDLER + 24), 8, h);
        env.write(&mut tc, 0, global::PULSE, 8, 3);
        assert_eq!(take_error(&mut env, &mut tc, b), error::QUEUE_FULL);
        assert_eq!(env.read(&mut tc, 0, sreg(b, set::IRQ_HANDLER + 24), 8), h);
        // A send into the full set fails for sender and receiver alike.
        env.write(&mut tc, 0, sreg(b, set::CHAN_HANDLER + 8), 8, h);
        env.write(&mut tc, 0, sreg(a, set::SEND), 8, ((b as u64) << 16) | 1);
        assert_eq!(take_error(&mut env, &mut tc, a), error::QUEUE_FULL);
        assert_eq!(take_error(&mut env, &mut tc, b), error::QUEUE_FULL);
        assert_eq!(env.read(&mut tc, 0, sreg(b, set::CHAN_HANDLER + 8), 8), h);
        assert_eq!(counter(&tc, "set1.wake_lost"), 2);
        assert_eq!(counter(&tc, "set1.high_water"), 2);
        // Room again: the next edge gets through. (The first wake-up entered the queue when
        // it was delivered, after the enqueue.)
        assert_eq!(deq(&mut env, &mut tc, 0, b, 0), task(2, 0, false));
        env.write(&mut tc, 0, global::PULSE, 8, 3);
        env.advance(&mut tc, env.now + WAKE * CYCLE);
        assert_eq!(deq(&mut env, &mut tc, 0, b, 0), h);
        assert_eq!(deq(&mut env, &mut tc, 0, b, 0), h);
        assert_eq!(deq(&mut env, &mut tc, 0, b, 0), 0);
    }

    #[test]
    fn free_discards_everything_of_the_set() {
        let (mut env, mut tc) = setup(2);
        let a = alloc(&mut env, &mut tc);
        let b = alloc(&mut env, &mut tc);
        grant_irq(&mut env, &mut tc, b, 4);
        grant_cap(&mut env, &mut tc, a, b, 0);
        grant_cap(&mut env, &mut tc, b, a, 0);
        env.write(
            &mut tc,
            0,
            sreg(b, set::IRQ_HANDLER + 32),
            8,
            task(1, 0, false),
        );
        env.write(
            &mut tc,
            0,
            sreg(b, set::CHAN_HANDLER + 8),
            8,
            task(2, 0, false),
        );
        enq(&mut env, &mut tc, b, 1, task(3, 0, false));
        env.write(&mut tc, 0, global::PULSE, 8, 4);
        env.write(&mut tc, 0, global::HART_KSET + 8, 8, b as u64);
        env.write(&mut tc, 0, global::FREE, 8, b as u64);
        assert_eq!(
            tc.next_event(0, &env.timebase),
            None,
            "the wake-up in flight is gone"
        );
        assert_eq!(counter(&tc, "set1.discarded"), 2);
        assert_eq!(env.read(&mut tc, 0, global::HART_KSET + 8, 8), NONE);
        // Reallocated, it starts empty, ungranted, without capabilities.
        assert_eq!(alloc(&mut env, &mut tc), b);
        assert_eq!(env.read(&mut tc, 0, sreg(b, set::STATUS), 8), 1 | (2 << 1));
        assert_eq!(deq(&mut env, &mut tc, 1, b, 1), 0);
        assert_eq!(env.read(&mut tc, 0, sreg(b, set::CHAN_HANDLER + 8), 8), 0);
        env.write(
            &mut tc,
            0,
            sreg(b, set::IRQ_HANDLER + 32),
            8,
            task(1, 0, false),
        );
        assert_eq!(take_error(&mut env, &mut tc, b), error::NO_PERMISSION);
        env.write(&mut tc, 0, sreg(a, set::SEND), 8, (b as u64) << 16);
        assert_eq!(take_error(&mut env, &mut tc, a), error::NO_PERMISSION);
        env.write(&mut tc, 0, sreg(b, set::SEND), 8, a as u64);
        assert_eq!(take_error(&mut env, &mut tc, b), error::NO_PERMISSION);
        // Operations on a freed set fail with NOT_INIT.
        env.write(&mut tc, 0, global::FREE, 8, b as u64);
        env.write(&mut tc, 0, sreg(b, set::SEND), 8, a as u64);
        env.write(&mut tc, 0, sreg(b, set::CTRL), 8, 1);
        env.write(&mut tc, 0, sreg(b, set::ACK), 8, 1);
        assert_eq!(env.read(&mut tc, 0, sreg(b, set::IRQ_HANDLER + 32), 8), 0);
        assert_eq!(take_error(&mut env, &mut tc, b), error::NOT_INIT);
    }

    #[test]
    fn operations_are_priced_as_configured() {
        let mut c = config(2);
        c.costs = Costs {
            enqueue: 11,
            dequeue: 13,
            steal: 17,
            register: 19,
            send: 23,
        };
        let (mut env, mut tc) = setup_with(&c);
        let s = alloc(&mut env, &mut tc);
        let cost = |tc: &TaskController, off: u64, w: bool| tc.access_cycles(off, w);
        assert_eq!(cost(&tc, sreg(s, q(set::ENQUEUE, 1)), true), 11);
        assert_eq!(cost(&tc, sreg(s, q(set::DEQUEUE, 1)), false), 13);
        enq(&mut env, &mut tc, s, 0, task(1, 0, false));
        assert_eq!(cost(&tc, sreg(s, q(set::DEQUEUE, 1)), false), 13 + 17);
        assert_eq!(cost(&tc, sreg(s, q(set::DEQUEUE, 0)), false), 13);
        for off in [
            global::FREE,
            global::CAP,
            global::IRQ_GRANT,
            global::HART_KSET,
            global::HART_USET + 8,
        ] {
            assert_eq!(cost(&tc, off, true), 19, "{off:#x}");
            assert_eq!(cost(&tc, off, false), 0, "{off:#x}");
        }
        assert_eq!(cost(&tc, global::ALLOC, false), 19);
        for off in [set::CTRL, set::IRQ_HANDLER + 80, set::CHAN_HANDLER + 8] {
            assert_eq!(cost(&tc, sreg(s, off), true), 19, "{off:#x}");
        }
        assert_eq!(cost(&tc, sreg(s, set::SEND), true), 23);
        for off in [
            set::STATUS,
            set::ERROR,
            set::ACK,
            set::CHAN_PENDING,
            set::BEST,
            q(set::COUNT, 1),
        ] {
            assert_eq!(cost(&tc, sreg(s, off), true), 0);
            assert_eq!(cost(&tc, sreg(s, off), false), 0);
        }
        assert_eq!(cost(&tc, global::ID, false), 0);
        assert_eq!(cost(&tc, global::PULSE, true), 0);
        assert_eq!(cost(&tc, tc.size(), false), 0);
        assert_eq!(cost(&tc, 0x40, false), 0);
        // The defaults are TAIC's.
        assert_eq!(
            Costs::default(),
            Costs {
                enqueue: 3,
                dequeue: 3,
                steal: 2,
                register: 9,
                send: 9
            }
        );
        assert_eq!(config(1).wake_latency, 7 * CYCLE);
    }

    #[test]
    fn bad_sizes_and_offsets_fault_without_effect() {
        let (mut env, mut tc) = setup(1);
        let s = alloc(&mut env, &mut tc);
        for size in [0, 1, 2, 4, 16, u32::MAX] {
            assert_eq!(env.try_read(&mut tc, 0, global::ALLOC, size), Err(BusFault));
            assert_eq!(
                env.try_write(
                    &mut tc,
                    0,
                    sreg(s, q(set::ENQUEUE, 0)),
                    size,
                    task(1, 0, false)
                ),
                Err(BusFault)
            );
        }
        for off in [
            1,
            4,
            0x40,
            0x800,
            0x3000,
            0x3ff8,
            sreg(s, 0x38),
            sreg(s, 0x3f8),
            sreg(s, 0xa00),
            sreg(s, 0xff8),
            tc.size(),
            u64::MAX - 7,
        ] {
            assert_eq!(env.try_read(&mut tc, 0, off, 8), Err(BusFault), "{off:#x}");
            assert_eq!(
                env.try_write(&mut tc, 0, off, 8, 1),
                Err(BusFault),
                "{off:#x}"
            );
        }
        assert_eq!(env.read(&mut tc, 0, sreg(s, set::STATUS), 8), 1 | (2 << 1));
        assert_eq!(
            env.read(&mut tc, 0, global::ALLOC, 8),
            1,
            "only one allocation before"
        );
        let last = tc.size() - 8;
        assert_eq!(env.read(&mut tc, 0, last, 8), 0, "last COUNT register");
    }

    #[test]
    fn counters_and_histogram_buckets() {
        assert_eq!(bucket(0), 0);
        assert_eq!(bucket(1), 1);
        assert_eq!(bucket(2), 2);
        assert_eq!(bucket(3), 2);
        assert_eq!(bucket(4), 3);
        assert_eq!(bucket(u64::MAX), 64);
        assert_eq!(bucket_label(0), "0");
        assert_eq!(bucket_label(1), "1");
        assert_eq!(bucket_label(2), "2-3");
        assert_eq!(bucket_label(5), "16-31");
        assert_eq!(bucket_label(64), format!("{}-{}", 1u64 << 63, u64::MAX));
        let (mut env, mut tc) = setup(1);
        assert_eq!(
            tc.counters(),
            [
                "allocs",
                "alloc_failures",
                "frees",
                "errors",
                "source_edges",
                "pulses"
            ]
            .map(|k| (k.to_string(), 0))
            .to_vec()
        );
        let s = alloc(&mut env, &mut tc);
        grant_irq(&mut env, &mut tc, s, 2);
        for (i, wait) in [0u64, 1, 3, 100].into_iter().enumerate() {
            env.write(
                &mut tc,
                0,
                sreg(s, set::IRQ_HANDLER + 16),
                8,
                task(i as u64 + 1, 0, false),
            );
            env.write(&mut tc, 0, global::PULSE, 8, 2);
            env.now += wait * CYCLE;
            // Software-enqueued tasks are not in the histogram.
            enq(&mut env, &mut tc, s, 0, task(50, 7, false));
            env.now += WAKE * CYCLE;
            assert_ne!(deq(&mut env, &mut tc, 0, s, 0), 0);
            assert_eq!(deq(&mut env, &mut tc, 0, s, 0), task(50, 7, false));
        }
        let c: std::collections::BTreeMap<String, u64> = tc.counters().into_iter().collect();
        for (k, v) in [
            ("set0.wake_to_dequeue_cycles.4-7", 1),
            ("set0.wake_to_dequeue_cycles.8-15", 2),
            ("set0.wake_to_dequeue_cycles.64-127", 1),
            ("set0.wake_to_dequeue_cycles_sum", 4 * 7 + 104),
            ("set0.wake_to_dequeue_cycles_max", 107),
            ("set0.dequeues", 8),
            ("set0.enqueues", 4),
            ("set0.wakeups", 4),
            ("set0.registrations", 4),
            ("pulses", 4),
        ] {
            assert_eq!(c.get(k), Some(&v), "{k}");
        }
        assert_eq!(c.keys().filter(|k| k.contains("cycles.")).count(), 3);
    }

    // ---- model-based checks ------------------------------------------------------------

    /// The queue semantics written the slow, obvious way.
    #[derive(Default)]
    struct Model {
        /// Per local queue: (priority, sequence, task).
        lqs: Vec<Vec<(u64, u64, u64)>>,
        seq: u64,
        policy: Option<Policy>,
    }

    impl Model {
        fn lq(&self, lq: usize) -> usize {
            if self.policy == Some(Policy::CFcfs) {
                0
            } else {
                lq
            }
        }

        fn best(&self, lq: usize) -> Option<usize> {
            let v = &self.lqs[lq];
            (0..v.len()).min_by_key(|&i| (v[i].0, v[i].1))
        }

        fn dequeue(&mut self, lq: usize) -> u64 {
            let lq = self.lq(lq);
            if let Some(i) = self.best(lq) {
                return self.lqs[lq].remove(i).2;
            }
            if self.policy != Some(Policy::StealOne) {
                return 0;
            }
            let victim = (0..self.lqs.len())
                .filter(|&v| v != lq)
                .filter_map(|v| self.best(v).map(|i| (self.lqs[v][i].0, v, i)))
                .min();
            match victim {
                Some((_, v, i)) => self.lqs[v].remove(i).2,
                None => 0,
            }
        }
    }

    #[derive(Debug, Clone)]
    enum QOp {
        Enqueue { lq: usize, prio: u64 },
        Dequeue { hart: usize, lq: usize },
        Policy(u64),
    }

    fn qop() -> impl Strategy<Value = QOp> {
        prop_oneof![
            5 => (0usize..3, 0u64..4).prop_map(|(lq, prio)| QOp::Enqueue { lq, prio }),
            5 => (0usize..3, 0usize..3).prop_map(|(hart, lq)| QOp::Dequeue { hart, lq }),
            1 => (1u64..4).prop_map(QOp::Policy),
        ]
    }

    proptest! {
        /// Enqueue, dequeue, stealing and policy switches agree with the obvious model.
        #[test]
        fn queues_match_the_model(ops in prop::collection::vec(qop(), 1..200), first in 1u64..4) {
            let mut c = config(3);
            (c.priorities, c.capacity) = (4, 16);
            let (mut env, mut tc) = setup_with(&c);
            let s = alloc(&mut env, &mut tc);
            env.write(&mut tc, 0, sreg(s, set::CTRL), 8, first);
            let mut m = Model {
                lqs: vec![Vec::new(); 3],
                policy: Policy::from_code(first),
                ..Model::default()
            };
            let mut n = 0;
            for op in ops {
                match op {
                    QOp::Enqueue { lq, prio } => {
                        n += 1;
                        let t = task(n, prio, n % 3 == 0);
                        enq(&mut env, &mut tc, s, lq, t);
                        let total: usize = m.lqs.iter().map(Vec::len).sum();
                        if total < 16 {
                            let l = m.lq(lq);
                            m.lqs[l].push((prio, m.seq, t));
                            m.seq += 1;
                        }
                    }
                    QOp::Dequeue { hart, lq } => {
                        let want = m.dequeue(lq);
                        prop_assert_eq!(deq(&mut env, &mut tc, hart, s, lq), want);
                    }
                    QOp::Policy(code) => {
                        env.write(&mut tc, 0, sreg(s, set::CTRL), 8, code);
                        let p = Policy::from_code(code);
                        if p == Some(Policy::CFcfs) && m.policy != Some(Policy::CFcfs) {
                            // Merge in local-queue order, keeping FIFO order per priority.
                            let mut all: Vec<(u64, u64, u64)> = Vec::new();
                            for v in &mut m.lqs {
                                all.append(v);
                            }
                            for (i, e) in all.iter_mut().enumerate() {
                                e.1 = i as u64;
                            }
                            m.seq = all.len() as u64;
                            m.lqs[0] = all;
                        }
                        m.policy = p;
                    }
                }
                for lq in 0..3 {
                    let want = m.lqs[m.lq(lq)].len() as u64;
                    prop_assert_eq!(env.read(&mut tc, 0, sreg(s, q(set::COUNT, lq)), 8), want);
                }
            }
        }
    }

    #[derive(Debug, Clone)]
    enum Op {
        Read { off: u64 },
        Write { off: u64, value: u64 },
        Source { n: usize, level: bool },
        Advance { dt: SimTime },
    }

    fn op() -> impl Strategy<Value = Op> {
        // Registers of the global region and of sets 0..3, indices near the interesting
        // ranges.
        let reg = prop_oneof![
            (0u64..8).prop_map(|r| r * 8),
            (0u64..3).prop_map(|h| global::HART_KSET + 8 * h),
            (0u64..3).prop_map(|h| global::HART_USET + 8 * h),
            (0u64..4, 0u64..6).prop_map(|(s, r)| REGION * (1 + s) + 8 * r),
            (0u64..4, 0u64..12).prop_map(|(s, n)| REGION * (1 + s) + set::IRQ_HANDLER + 8 * n),
            (0u64..4, 0u64..4).prop_map(|(s, c)| REGION * (1 + s) + set::CHAN_HANDLER + 8 * c),
            (0u64..4, 0u64..4, 1u64..4)
                .prop_map(|(s, lq, r)| REGION * (1 + s) + 0x1000 * r + 8 * lq),
            any::<u64>(),
        ];
        let value = prop_oneof![
            0u64..4,
            (0u64..16, 0u64..4, any::<bool>()).prop_map(|(n, p, f)| task(n, p, f)),
            (0u64..4, 0u64..4, 0u64..4).prop_map(|(a, b, c)| (a << 32) | (b << 16) | c),
            (0u64..4, 0u64..12).prop_map(|(s, n)| (s << 32) | n),
            Just(u64::MAX),
            any::<u64>(),
        ];
        prop_oneof![
            4 => reg.clone().prop_map(|off| Op::Read { off }),
            8 => (reg, value).prop_map(|(off, value)| Op::Write { off, value }),
            1 => (1usize..12, any::<bool>()).prop_map(|(n, level)| Op::Source { n, level }),
            1 => (0u64..20_000).prop_map(|dt| Op::Advance { dt }),
        ]
    }

    proptest! {
        /// Random register traffic never panics, never exceeds a set's capacity, reports no
        /// event in the past, and the lines it drives are exactly the ones it thinks are up.
        #[test]
        fn random_traffic_keeps_the_invariants(ops in prop::collection::vec(op(), 1..300)) {
            let mut c = config(3);
            (c.priorities, c.capacity) = (4, 3);
            let (mut env, mut tc) = setup_with(&c);
            for (i, op) in ops.into_iter().enumerate() {
                let hart = i % 3;
                match op {
                    Op::Read { off } => {
                        let _ = env.try_read(&mut tc, hart, off, 8);
                    }
                    Op::Write { off, value } => {
                        let _ = env.try_write(&mut tc, hart, off, 8, value);
                    }
                    Op::Source { n, level } => source(&mut env, &mut tc, n, level),
                    Op::Advance { dt } => {
                        let now = env.now + dt;
                        env.advance(&mut tc, now);
                    }
                }
                for (s, set) in tc.sets.iter().enumerate() {
                    prop_assert!(set.used() <= 3, "set {s} over capacity");
                    let counted: usize = set.q.count.iter().map(|&c| c as usize).sum();
                    prop_assert_eq!(counted, set.q.len);
                    let inflight = tc.pending.iter().filter(|w| w.0.set as usize == s).count();
                    prop_assert_eq!(inflight, set.reserved);
                }
                if let Some(t) = tc.next_event(env.now, &env.timebase) {
                    prop_assert!(t > env.now);
                }
                for h in 0..3 {
                    let [k, u] = tc.line_up[h];
                    let want = (k as u64 * mip::SSIP) | (u as u64 * mip::USIP);
                    prop_assert_eq!(lines(&env, h), want);
                }
            }
        }
    }
}
