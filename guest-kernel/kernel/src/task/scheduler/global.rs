//! Global round robin (`sched=global`): one run queue that every hart shares, the simplest
//! multi-hart policy, to set against the per-hart one.
//!
//! - every ready thread waits in one queue per priority; a hart that needs a thread takes the
//!   first of the most urgent non-empty level, so equal priorities share all the harts round
//!   robin, one time slice at a time, whichever hart each thread last ran on;
//! - a thread made ready wakes an idle hart if there is one (preferring the hart it last ran
//!   on), else interrupts the hart running the least urgent thread if it outranks that
//!   thread (ties: the hart it last ran on, then the lowest id);
//! - nothing is stolen: there is nothing local to steal from.
//!
//! Against `per_hart`: every scheduling decision takes the one lock, and threads move between
//! harts (and their caches) at every slice; in exchange no hart runs one thread alone while
//! another hart's threads take turns (three spinners on two harts each get two thirds of a
//! hart here; with per-hart queues one gets a whole hart and the other two half of one each).

use super::policy::{Placement, Policy};
use super::run_queue::RunQueue;
use super::{claim_idle_hart, online_harts, Hart, HARTS};
use crate::hart_id;
use crate::task::thread::Thread;
use alloc::sync::Arc;
use core::sync::atomic::{AtomicUsize, Ordering};
use spin::Mutex;

/// The global policy: the one queue.
pub struct Global {
    ready: Mutex<RunQueue>,
    /// Threads in `ready` (read without the lock by harts about to idle).
    queued: AtomicUsize,
}

impl Global {
    pub const fn new() -> Global {
        Global {
            ready: Mutex::new(RunQueue::new()),
            queued: AtomicUsize::new(0),
        }
    }

    fn push(&self, thread: Arc<Thread>, priority: usize) {
        self.ready.lock().push(thread, priority);
        self.queued.fetch_add(1, Ordering::SeqCst);
    }
}

/// The online hart running the least urgent thread (or nothing); ties: `last` (if online),
/// then the lowest id.
fn least_urgent(last: usize) -> usize {
    let running = |h: &Hart| h.running_priority.load(Ordering::Relaxed);
    let mut best = if HARTS.get(last).online.load(Ordering::Relaxed) {
        last
    } else {
        hart_id()
    };
    let mut best_running = running(HARTS.get(best));
    for (id, hart) in online_harts() {
        let priority = running(hart);
        if priority > best_running {
            (best, best_running) = (id, priority);
        }
    }
    best
}

impl Policy for Global {
    #[inline]
    fn enqueue(&self, thread: Arc<Thread>, priority: usize, last: usize) -> Placement {
        let idle = claim_idle_hart(last);
        self.push(thread, priority);
        let id = idle.unwrap_or_else(|| least_urgent(last));
        Placement {
            id,
            hart: HARTS.get(id),
            claimed_idle: idle.is_some(),
        }
    }

    #[inline]
    fn requeue(&self, _hart: &Hart, thread: Arc<Thread>, priority: usize) {
        self.push(thread, priority);
    }

    #[inline]
    fn pick_next(&self, hart: &Hart) -> Option<Arc<Thread>> {
        let (thread, priority) = self.ready.lock().pop()?;
        hart.running_priority.store(priority, Ordering::Relaxed);
        self.queued.fetch_sub(1, Ordering::Relaxed);
        Some(thread)
    }

    #[inline]
    fn best_waiting(&self, _hart: &Hart) -> Option<usize> {
        self.ready.lock().best_priority()
    }

    #[inline]
    fn has_work_for(&self, _hart: &Hart) -> bool {
        self.queued.load(Ordering::SeqCst) > 0
    }
}
