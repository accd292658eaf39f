//! The seam between the scheduler's mechanism (`scheduler.rs`) and its policy: the
//! [`Policy`] trait, what the policies keep per hart ([`HartPart`]), and the policy in force,
//! chosen at boot by `sched=` ([`choose`]).
//!
//! The mechanism owns what every policy needs the same way: the harts' scheduler loops, the
//! context switch, blocking and waking, sleepers, idling, the IPIs, the timer, and the research
//! hooks (virtual cores' priorities, the coroutine takeover, user interrupts, timeline marks).
//! A policy owns where ready threads wait and which one runs next: its run queues, where a
//! thread made ready goes, what a hart with nothing of its own takes, and whether a thread
//! whose time slice is over gives up its hart.
//!
//! Calls are dispatched statically: [`InForce`] matches on the choice made at boot and calls
//! the policy's method, which the compiler inlines (a thread switch passes the seam twice, and
//! a `dyn` call there measurably slowed it).

use super::global::Global;
use super::per_hart::{HartQueue, PerHartQueues};
use super::Hart;
use crate::task::thread::Thread;
use alloc::sync::Arc;
use core::sync::atomic::{AtomicU8, Ordering};

/// A thread-scheduling policy. Priorities are 0 (most urgent) to `abi::PRIORITIES - 1`; a
/// hart's `running_priority` is `abi::PRIORITIES` while it runs nothing. `hart` is always the
/// calling hart's record.
pub trait Policy {
    /// Queues `thread` (ready, on no hart) of priority `priority`, which last ran on hart
    /// `last`, and says which hart should learn of it.
    fn enqueue(&self, thread: Arc<Thread>, priority: usize, last: usize) -> Placement;

    /// Queues `thread`, which has just left this hart still ready (it yielded or was
    /// preempted), while the hart still counts it as running.
    fn requeue(&self, hart: &Hart, thread: Arc<Thread>, priority: usize);

    /// Takes the next thread for this hart, if any, and records its priority as the hart's
    /// `running_priority` before the thread stops counting as queued (so that a placement on
    /// another hart never sees a hart less loaded than it is).
    fn pick_next(&self, hart: &Hart) -> Option<Arc<Thread>>;

    /// The most urgent priority among the threads this hart would run next, if any wait.
    fn best_waiting(&self, hart: &Hart) -> Option<usize>;

    /// Whether this hart, about to idle, would find a thread with [`Policy::pick_next`].
    fn has_work_for(&self, hart: &Hart) -> bool;

    /// This hart's running thread, of priority `priority`, has used its time slice: whether
    /// it gives up the hart (otherwise it gets another slice).
    #[inline]
    fn slice_over(&self, hart: &Hart, priority: usize) -> bool {
        self.best_waiting(hart).is_some_and(|best| best <= priority)
    }
}

/// Where [`Policy::enqueue`] put a thread.
pub struct Placement {
    /// The hart to tell: interrupted if it runs something less urgent than the thread.
    pub id: usize,
    /// Its record.
    pub hart: &'static Hart,
    /// The hart was idle and the policy claimed it (out of the idle set): it must be woken.
    pub claimed_idle: bool,
}

/// What the policies keep per hart, inside the mechanism's per-hart record (one lookup per
/// switch serves both). A policy with per-hart state adds its field here.
pub struct HartPart {
    /// [`PerHartQueues`]' run queue for this hart.
    pub per_hart: HartQueue,
}

impl HartPart {
    pub fn new() -> HartPart {
        HartPart {
            per_hart: HartQueue::new(),
        }
    }
}

/// The policies, as `sched=` names them (the first is the default).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum Choice {
    /// A run queue per hart, placement on the least-loaded hart, stealing ([`PerHartQueues`]).
    PerHart,
    /// One run queue all harts share, round robin within a priority ([`Global`]).
    Global,
}

/// `sched=` names, the default first.
pub const NAMES: [(&str, Choice); 2] = [("per_hart", Choice::PerHart), ("global", Choice::Global)];

impl Choice {
    /// The `sched=` name.
    pub fn name(self) -> &'static str {
        NAMES
            .iter()
            .find(|(_, choice)| *choice == self)
            .map_or("?", |(name, _)| name)
    }
}

/// The policy in force (a [`Choice`] as its discriminant), written once at boot.
static CHOSEN: AtomicU8 = AtomicU8::new(Choice::PerHart as u8);

static PER_HART: PerHartQueues = PerHartQueues;
static GLOBAL: Global = Global::new();

/// Puts `choice` in force. Called once, on the boot hart, before any hart schedules.
pub fn choose(choice: Choice) {
    CHOSEN.store(choice as u8, Ordering::Relaxed);
}

/// The policy in force.
pub fn chosen() -> Choice {
    if CHOSEN.load(Ordering::Relaxed) == Choice::Global as u8 {
        Choice::Global
    } else {
        Choice::PerHart
    }
}

/// The policy in force, dispatched by a match (see the module documentation).
pub struct InForce;

/// Calls `$method` of the policy in force.
macro_rules! dispatch {
    ($method:ident($($arg:expr),*)) => {
        match chosen() {
            Choice::PerHart => PER_HART.$method($($arg),*),
            Choice::Global => GLOBAL.$method($($arg),*),
        }
    };
}

impl Policy for InForce {
    #[inline]
    fn enqueue(&self, thread: Arc<Thread>, priority: usize, last: usize) -> Placement {
        dispatch!(enqueue(thread, priority, last))
    }

    #[inline]
    fn requeue(&self, hart: &Hart, thread: Arc<Thread>, priority: usize) {
        dispatch!(requeue(hart, thread, priority))
    }

    #[inline]
    fn pick_next(&self, hart: &Hart) -> Option<Arc<Thread>> {
        dispatch!(pick_next(hart))
    }

    #[inline]
    fn best_waiting(&self, hart: &Hart) -> Option<usize> {
        dispatch!(best_waiting(hart))
    }

    #[inline]
    fn has_work_for(&self, hart: &Hart) -> bool {
        dispatch!(has_work_for(hart))
    }

    #[inline]
    fn slice_over(&self, hart: &Hart, priority: usize) -> bool {
        dispatch!(slice_over(hart, priority))
    }
}
