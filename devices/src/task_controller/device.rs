//! The task controller's state and behaviour: queue sets, bindings, capabilities, wake-ups in
//! flight and preempt lines; the decoding of its registers; its time, costs and statistics.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use super::queues::{Queues, NOT_WOKEN};
use super::{
    error, global, set, task, Costs, Policy, PreemptLines, TaskControllerConfig, CHANNELS, ID,
    MAX_CAPACITY, MAX_HARTS, MAX_PRIORITIES, MAX_SETS, MAX_SOURCES, REGION,
};
use crate::device_tree::{DeviceTreeNode, NodeResult, NodeWriter};
use abi::task_controller::window_size;
use sim_core::bus::{
    AccessCtx, AdvanceCtx, BusFault, Device, DeviceCost, HartLine, InterruptController, Lines,
    Mmio, Statistics, Timed,
};
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

/// Latency histogram buckets: 0, 1, 2-3, 4-7, ... 2^63-(2^64-1).
const BUCKETS: usize = 65;

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
    /// This role's line among `lines`.
    fn line(self, lines: &PreemptLines) -> HartLine {
        match self {
            Role::Kernel => lines.kernel,
            Role::User => lines.user,
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
    lines: PreemptLines,
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
            lines: config.lines,
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
    fn sync(&mut self, now: SimTime, irq: &mut Lines) {
        while let Some(Reverse(w)) = self.pending.peek().copied() {
            if w.ready > now {
                break;
            }
            self.pending.pop();
            self.deliver(w, irq);
        }
    }

    /// Put a woken handler into its queue and raise its preempt line if it asks for one.
    fn deliver(&mut self, w: Wake, irq: &mut Lines) {
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
    fn preempt(&mut self, s: usize, hart: usize, at: SimTime, irq: &mut Lines) {
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

    fn raise(&mut self, hart: usize, role: Role, at: SimTime, irq: &mut Lines) {
        let up = &mut self.line_up[hart][role as usize];
        if !*up {
            *up = true;
            irq.set_at(role.line(&self.lines), hart, true, at);
        }
    }

    /// Lower the line of `role` on `hart`; whether it was up.
    fn lower(&mut self, hart: usize, role: Role, now: SimTime, irq: &mut Lines) -> bool {
        let up = &mut self.line_up[hart][role as usize];
        let was = *up;
        if was {
            *up = false;
            irq.set_at(role.line(&self.lines), hart, false, now);
        }
        was
    }

    /// Set `s` acknowledges on `hart`: lower the lines of the roles it is online in there.
    fn ack(&mut self, s: usize, hart: usize, now: SimTime, irq: &mut Lines) {
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

    fn free(&mut self, value: u64, now: SimTime, irq: &mut Lines) {
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

    fn set_online(&mut self, role: Role, hart: usize, value: u64, now: SimTime, irq: &mut Lines) {
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
        let best = (0..set.q.count.len())
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

    fn dequeue(&mut self, s: usize, lq: usize, hart: usize, now: SimTime, irq: &mut Lines) -> u64 {
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
    capabilities!(timed, statistics, interrupt_controller);

    checkpointed!(tracer);

    fn name(&self) -> &str {
        "task-controller"
    }

    fn window_size(&self) -> u64 {
        self.size()
    }

    fn attach_tracer(&mut self, tracer: DeviceTracer) {
        self.tracer = tracer;
    }
}

/// The node carries the geometry, so a kernel sizes its tables from the device tree.
impl DeviceTreeNode for TaskController {
    fn write_node(&self, node: &mut NodeWriter) -> NodeResult {
        let tc = node.begin("task-controller")?;
        node.compatible(&["hartlab,task-controller"])?;
        node.reg()?;
        node.every_hart(&[self.lines.kernel, self.lines.user])?;
        let f = node.fdt();
        f.property_u32("hartlab,sets", self.sets.len() as u32)?;
        f.property_u32("hartlab,priorities", self.priorities as u32)?;
        f.property_u32("hartlab,capacity", self.capacity as u32)?;
        f.property_u32("hartlab,channels", CHANNELS as u32)?;
        f.property_u32("hartlab,sources", (self.sources - 1) as u32)?;
        node.end(tc)
    }
}

impl Mmio for TaskController {
    fn read(&mut self, offset: u64, size: u32, ctx: &mut AccessCtx) -> Result<u64, BusFault> {
        let reg = self.decode(offset, size)?;
        self.sync(ctx.now, &mut ctx.irq);
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
            Reg::Dequeue(s, lq) => self.dequeue(s, lq, ctx.hart, ctx.now, &mut ctx.irq),
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
        self.sync(ctx.now, &mut ctx.irq);
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
        self.sync(ctx.now, &mut ctx.irq);
        let (now, hart) = (ctx.now, ctx.hart);
        match reg {
            Reg::Free => self.free(value, now, &mut ctx.irq),
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
            Reg::HartSet(role, h) => self.set_online(role, h, value, now, &mut ctx.irq),
            Reg::Ctrl(s) => self.set_ctrl(s, value),
            Reg::SetError(s) => self.sets[s].error &= !value,
            Reg::Send(s) => self.send(s, value, now, hart),
            Reg::Ack(s) => {
                if self.live(s) {
                    self.ack(s, hart, now, &mut ctx.irq);
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
        self.sync(now, &mut ctx.irq);
        Ok(())
    }

    fn cost(&self, offset: u64, write: bool) -> DeviceCost {
        DeviceCost {
            cycles: self.access_cycles(offset, write),
            magic: false,
        }
    }
}

impl Timed for TaskController {
    /// The earliest wake-up in flight: the machine must not run a hart past it without
    /// letting the controller deliver it (a hart in WFI may be waiting for its preempt line).
    /// One already due is reported too (the bus performs it at once): the hart whose SEND
    /// started it may have run past its ready time while the store completed, and must still
    /// see its line from that time on, not from the next device event.
    fn next_event(&self, _now: SimTime, _timebase: &Timebase) -> Option<SimTime> {
        self.pending.peek().map(|Reverse(w)| w.ready)
    }

    fn advance(&mut self, ctx: &mut AdvanceCtx) {
        self.sync(ctx.now, &mut ctx.irq);
    }
}

impl InterruptController for TaskController {
    /// Latch rising edges of the platform sources, timed at the change that caused them.
    fn sources_changed(&mut self, irq: &mut Lines) {
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
}

impl TaskController {
    /// Cycles an access (a write if `write`) at `offset` spends in the controller.
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
}

impl Statistics for TaskController {
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
mod tests;
