//! The default policy (`sched=per_hart`): a run queue per hart, placement on the least-loaded
//! hart, stealing by harts that run dry.
//!
//! - each hart has a run queue per priority and always runs the first thread of the most
//!   urgent non-empty one; equal priorities share the hart round robin, one time slice at a
//!   time (a yielding or preempted thread goes back to the end of its hart's queue);
//! - a thread made ready goes to an idle hart if there is one (preferring the hart it last
//!   ran on), else to the least-loaded hart (ties: the hart it last ran on, then the lowest
//!   id);
//! - a hart about to idle first steals the best thread from the most loaded other hart (not
//!   the one thread an idle hart has just been given).
//!
//! Loads are read without locks, so a hart counts a thread it picks as running before it
//! stops counting it as queued, and the mechanism queues a preempted thread before the hart
//! counts itself idle: another hart never sees it less loaded than it is.

use super::policy::{Placement, Policy};
use super::run_queue::RunQueue;
use super::{claim_idle_hart, online_harts, Hart, HARTS};
use crate::hart_id;
use crate::stats::{self, Counter};
use crate::task::thread::Thread;
use abi::PRIORITIES;
use alloc::sync::Arc;
use core::sync::atomic::{AtomicUsize, Ordering};
use spin::Mutex;

/// One hart's ready threads (the policy's part of the hart's record).
pub struct HartQueue {
    ready: Mutex<RunQueue>,
    /// Threads in `ready` (read without the lock to place threads).
    queued: AtomicUsize,
}

impl HartQueue {
    pub fn new() -> HartQueue {
        HartQueue {
            ready: Mutex::new(RunQueue::new()),
            queued: AtomicUsize::new(0),
        }
    }
}

/// Threads in `hart`'s queue that wait for it: all of them while it runs something, all but
/// the one it is about to pick up while it does not (a hart woken for a thread keeps it;
/// stealing it would only move the wake-up's cost to another hart).
fn stealable(hart: &Hart) -> usize {
    let queued = hart.policy.per_hart.queued.load(Ordering::Relaxed);
    if hart.running_priority.load(Ordering::Relaxed) < PRIORITIES {
        queued
    } else {
        queued.saturating_sub(1)
    }
}

/// The online hart with the fewest threads queued or running; ties: `last` (if online),
/// then the lowest id.
fn least_loaded(last: usize) -> usize {
    let load = |h: &Hart| {
        h.policy.per_hart.queued.load(Ordering::Relaxed)
            + usize::from(h.running_priority.load(Ordering::Relaxed) < PRIORITIES)
    };
    let mut best = if HARTS.get(last).online.load(Ordering::Relaxed) {
        last
    } else {
        hart_id()
    };
    let mut best_load = load(HARTS.get(best));
    for (id, hart) in online_harts() {
        let hart_load = load(hart);
        if hart_load < best_load {
            (best, best_load) = (id, hart_load);
        }
    }
    best
}

/// The per-hart policy (its state is in each hart's [`HartQueue`]).
pub struct PerHartQueues;

impl Policy for PerHartQueues {
    #[inline]
    fn enqueue(&self, thread: Arc<Thread>, priority: usize, last: usize) -> Placement {
        let idle = claim_idle_hart(last);
        let id = idle.unwrap_or_else(|| least_loaded(last));
        let hart = HARTS.get(id);
        let queue = &hart.policy.per_hart;
        queue.ready.lock().push(thread, priority);
        queue.queued.fetch_add(1, Ordering::SeqCst);
        Placement {
            id,
            hart,
            claimed_idle: idle.is_some(),
        }
    }

    #[inline]
    fn requeue(&self, hart: &Hart, thread: Arc<Thread>, priority: usize) {
        let queue = &hart.policy.per_hart;
        queue.ready.lock().push(thread, priority);
        queue.queued.fetch_add(1, Ordering::Relaxed);
    }

    #[inline]
    fn pick_next(&self, hart: &Hart) -> Option<Arc<Thread>> {
        let queue = &hart.policy.per_hart;
        let popped = queue.ready.lock().pop();
        if let Some((thread, priority)) = popped {
            hart.running_priority.store(priority, Ordering::Relaxed);
            queue.queued.fetch_sub(1, Ordering::Relaxed);
            return Some(thread);
        }
        let (_, victim) = online_harts().max_by_key(|(_, h)| stealable(h))?;
        if stealable(victim) == 0 {
            return None;
        }
        let (thread, priority) = victim.policy.per_hart.ready.lock().steal()?;
        hart.running_priority.store(priority, Ordering::Relaxed);
        victim
            .policy
            .per_hart
            .queued
            .fetch_sub(1, Ordering::Relaxed);
        stats::bump(Counter::Steals);
        Some(thread)
    }

    #[inline]
    fn best_waiting(&self, hart: &Hart) -> Option<usize> {
        hart.policy.per_hart.ready.lock().best_priority()
    }

    #[inline]
    fn has_work_for(&self, hart: &Hart) -> bool {
        hart.policy.per_hart.queued.load(Ordering::SeqCst) > 0
            || online_harts().any(|(_, h)| stealable(h) > 0)
    }
}
