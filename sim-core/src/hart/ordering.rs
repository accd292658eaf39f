//! Shared accesses in simulated-time order.
//!
//! Under exact interleaving (see `sim-core/TIMING.md`, "Time across harts"), a hart may run
//! ahead of the others only on work that no other hart can see or change: instructions whose
//! fetch and data accesses its own TLBs and L1s serve. An access that leaves them (a TLB
//! walk, an L1 miss or upgrade, a device access) reaches the shared level a fixed number of
//! cycles after its instruction issues, and is performed only once every other hart has
//! passed that moment. When that is not yet so, the hart *stalls*: the instruction is
//! abandoned before any side effect and re-executed when the machine resumes the hart,
//! replaying the costs of the accesses it had already made (they happened at their own time)
//! instead of charging them twice.
//!
//! The check costs one compare per access while the hart is far enough behind the others
//! that no access of its could be early (`free_until`), and under quantum interleaving,
//! where the limit is infinite.

use super::Hart;
use crate::system_bus::SystemBus;
use crate::time::SimTime;
use crate::timing::cache::Access;
use crate::timing::Landing;

/// The most data accesses one instruction makes (a misaligned access in hardware, or
/// `uipi.send`'s table read and device write, make two).
const MAX_REPLAY: usize = 4;

/// A hart's state for ordering its shared accesses.
#[derive(serde::Serialize, serde::Deserialize, Debug, Clone)]
pub(crate) struct SharedOrder {
    /// The last cycle (in the timed step's numbering: issue + 1) at which the hart may
    /// perform a shared access; `u64::MAX` when unlimited.
    pub(crate) limit: u64,
    /// While `cycle + fetch_extra + mem_extra` is at most this, no access can reach the
    /// shared level after `limit`, so accesses need no check; 0 forces every access through
    /// the check (a replay is pending, or a multi-access instruction records its costs).
    pub(crate) free_until: u64,
    /// `free_until` as `limit` gives it.
    free_base: u64,
    /// Whether `free_until` is forced to 0.
    forced: bool,
    /// The longest an access takes to reach the shared level, in cycles after issue.
    max_reach: u64,
    /// The fewest cycles after an instruction issues at which it can affect another hart.
    pub(crate) lookahead: u64,
    /// Set when the hart stalled: the cycle at which the abandoned access reaches the
    /// shared level.
    pub(crate) stalled_at: Option<u64>,
    /// The latest cycle at which a shared access of this hart was performed: a later access
    /// is never performed before it.
    pub(crate) last_performed: u64,
    /// The stalled instruction's pc and fetch cost, to reuse when it is re-executed.
    resume_fetch: Option<(u64, u32)>,
    /// Extra data cycles of each data access the current instruction has made, recorded
    /// while forced, replayed after a stall.
    replay: [u32; MAX_REPLAY],
    replay_len: usize,
    replay_pos: usize,
}

impl SharedOrder {
    /// Unlimited, with accesses taking up to `max_reach` cycles and at least `lookahead` to
    /// reach the shared level.
    pub(crate) fn new(lookahead: u32, max_reach: u32) -> Self {
        Self {
            limit: u64::MAX,
            free_until: u64::MAX,
            free_base: u64::MAX,
            forced: false,
            max_reach: max_reach as u64,
            lookahead: lookahead as u64,
            stalled_at: None,
            last_performed: 0,
            resume_fetch: None,
            replay: [0; MAX_REPLAY],
            replay_len: 0,
            replay_pos: 0,
        }
    }

    /// Set the last cycle at which a shared access may be performed.
    pub(crate) fn set_limit(&mut self, limit: u64) {
        self.limit = limit;
        self.free_base = limit.saturating_sub(self.max_reach);
        if !self.forced {
            self.free_until = self.free_base;
        }
    }

    /// Send every access through the check until the next instruction's fetch.
    pub(crate) fn force(&mut self) {
        self.forced = true;
        self.free_until = 0;
    }

    fn unforce(&mut self) {
        self.forced = false;
        self.free_until = self.free_base;
    }
}

/// Where the machine lets a hart perform shared accesses up to: before `time`, or at
/// `time` too when `inclusive` (ties between harts go to the lower id; an access performed
/// at a time precedes any instruction issuing at that time).
#[derive(serde::Serialize, serde::Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
pub struct PerformLimit {
    /// The other harts' earliest next action.
    pub time: SimTime,
    /// Whether an access at exactly `time` may be performed.
    pub inclusive: bool,
}

impl Hart {
    /// Charge an access that the fast path could not clear: replay it after a stall, or
    /// check whether it reaches the shared level and may do so now. Returns false (having
    /// changed nothing) when the hart must stall.
    #[inline(never)]
    pub(super) fn charge_checked(
        &mut self,
        bus: &mut SystemBus,
        va: u64,
        size: u32,
        kind: Access,
        satp: Option<u64>,
        landing: Landing,
    ) -> bool {
        let o = &mut self.order;
        if kind == Access::Fetch {
            if o.forced {
                o.unforce();
            }
            o.replay_pos = 0;
            match o.resume_fetch.take() {
                Some((pc, extra)) if pc == va => {
                    // The re-executed instruction was fetched before it stalled.
                    self.timing.fetch_extra = extra;
                    if o.replay_len != 0 {
                        o.force();
                    }
                    return true;
                }
                // Something else runs first (never expected: nothing can change what the
                // hart sees at the stalled instruction's issue): start afresh.
                _ => o.replay_len = 0,
            }
        } else if o.replay_pos < o.replay_len {
            self.timing.mem_extra += o.replay[o.replay_pos];
            o.replay_pos += 1;
            return true;
        }
        let before = self.timing.mem_extra;
        if !self
            .timing
            .charge_if_local(&mut bus.caches, self.id, va, size, satp, kind, landing)
        {
            if let Some(reach) =
                self.timing
                    .reach(&bus.caches, self.id, va, size, satp, kind, landing)
            {
                let at = (self.cycle + reach as u64).max(self.order.last_performed);
                if at > self.order.limit {
                    self.stall(at, kind);
                    return false;
                }
                self.order.last_performed = at;
            }
            self.timing.charge(
                &mut bus.caches,
                &bus.ram,
                self.id,
                va,
                size,
                satp,
                kind,
                landing,
            );
        }
        let o = &mut self.order;
        if kind != Access::Fetch && o.forced && o.replay_len < MAX_REPLAY {
            o.replay[o.replay_len] = self.timing.mem_extra - before;
            o.replay_len += 1;
            o.replay_pos = o.replay_len;
        }
        true
    }

    /// Abandon the current instruction: its access reaches the shared level at cycle `at`,
    /// after the machine allows.
    #[cold]
    fn stall(&mut self, at: u64, kind: Access) {
        let o = &mut self.order;
        o.stalled_at = Some(at);
        if kind != Access::Fetch {
            o.resume_fetch = Some((self.pc, self.timing.fetch_extra));
        }
        o.replay_pos = 0;
        o.force();
        self.timing.fetch_extra = 0;
        self.timing.mem_extra = 0;
        self.slice_end = 0;
    }

    /// An instruction about to make several data accesses records their costs, so that a
    /// stall at a later one replays the earlier ones.
    pub(super) fn record_accesses(&mut self) {
        if self.order.limit != u64::MAX && !self.order.forced {
            self.order.force();
        }
    }

    /// When the hart, stalled, will perform its abandoned access.
    pub fn stalled_until(&self) -> Option<SimTime> {
        self.order.stalled_at.map(|c| self.clock.time_of(c))
    }

    /// The earliest time at which this hart, running from where it is, can affect another
    /// hart.
    pub fn promise(&self) -> SimTime {
        match self.order.stalled_at {
            Some(at) => self.clock.time_of(at),
            None => self
                .clock
                .time_of((self.cycle + 1 + self.order.lookahead).max(self.order.last_performed)),
        }
    }

    /// The shortest time after its instruction issues at which this hart can affect another
    /// (at least one cycle).
    pub fn lookahead(&self) -> SimTime {
        self.clock.time_of(1 + self.order.lookahead)
    }

    /// The earliest time at which this hart, waking at `t`, can affect another hart.
    pub fn promise_from(&self, t: SimTime) -> SimTime {
        let c = self.clock.cycles_at(t.saturating_sub(1)) + 1;
        self.clock.time_of(c + 1 + self.order.lookahead)
    }
}
