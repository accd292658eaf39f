//! The scheduler's mechanism: the harts' scheduler loops, the context switch, blocking,
//! sleeping, wake-ups across harts by IPI, idling, preemption on a timer tick, and the hooks
//! of the research features. Where ready threads wait and which runs next is the policy's
//! (`policy`: the seam; `per_hart`, the default; `global`), chosen at boot by `sched=`.
//!
//! Every hart runs [`run_hart`], a loop on the hart's boot stack that picks the next thread
//! and switches to it; a thread that stops running (it blocks, yields, is preempted or
//! exits) switches back to the loop, which then decides what becomes of it. Because that
//! decision is made off the thread's stack, a thread can be woken on one hart while it is
//! still switching out on another without two harts ever using its stack (see
//! `SchedState::on_cpu`).
//!
//! Whatever the policy: a thread placed on a hart that runs something less urgent interrupts
//! it at once (an IPI, or at this hart's next return to user mode); a thread whose time slice
//! ([`crate::timer::tick`]) is over gives up its hart if the policy says so; idle harts do not
//! tick: a hart sleeps in `wfi` until an IPI or its next sleeper's deadline.

mod global;
mod per_hart;
pub mod policy;
mod run_queue;

use self::policy::{HartPart, InForce, Policy};
use super::context::{switch, Context};
use super::process::Process;
use super::thread::{Status, Thread};
use crate::per_hart::{HartSet, PerHart};
use crate::stats::{self, Counter};
use crate::{hart_id, mm, smp, timer, trap};
use abi::PRIORITIES;
use alloc::collections::BTreeMap;
use alloc::sync::Arc;
use core::cell::UnsafeCell;
use core::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use spin::Mutex;

/// Why a blocked thread was woken.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WakeReason {
    /// What it waited for happened.
    Woken,
    /// Its deadline passed.
    TimedOut,
    /// Its process is ending.
    Killed,
}

/// Sleeping threads: (deadline, thread id) → (thread, the wait it sleeps in).
type Sleepers = BTreeMap<(u64, usize), (Arc<Thread>, u64)>;

/// The policy in force (see `policy`).
const POLICY: InForce = InForce;

/// One hart's scheduling state.
pub struct Hart {
    /// The policy's part (its run queue, for `per_hart`).
    policy: HartPart,
    /// Sleeping threads registered on this hart: (deadline in `time` ticks, thread id) →
    /// (thread, the wait it sleeps in). Only this hart touches it.
    sleepers: Mutex<Sleepers>,
    /// In the scheduler loop (started).
    online: AtomicBool,
    /// The running thread's priority (`PRIORITIES` when idle).
    running_priority: AtomicUsize,
    /// The running thread should give up the hart at its next return to user mode.
    need_resched: AtomicBool,
    /// Only this hart's code touches the rest.
    local: UnsafeCell<HartLocal>,
}

/// Scheduling state only its own hart touches.
struct HartLocal {
    /// The scheduler loop's registers while a thread runs.
    loop_context: Context,
    /// The thread running here.
    current: Option<Arc<Thread>>,
    /// The process whose address space is active here (kept alive while it is).
    space_owner: Option<Arc<Process>>,
    /// When the running thread's time slice ends (`time` ticks).
    slice_end: u64,
    /// The tick found the running thread's coroutine past its slice with more of its
    /// process's coroutines ready: a spare thread takes over before it yields.
    takeover: bool,
}

// SAFETY: `local` is touched only by its own hart with interrupts off (see `local()`); the
// rest is atomics and locks.
unsafe impl Sync for Hart {}

/// Every hart's scheduling state (see `per_hart`).
static HARTS: PerHart<Hart> = PerHart::new();

/// The harts that wait in `wfi` with nothing to run. A hart leaves the set when it wakes,
/// or whoever claims it for a thread takes it out (so two wakers never pick the same idle
/// hart).
static IDLE: HartSet = HartSet::new();

/// One past the highest hart id in the scheduler (the harts to look at).
static HART_LIMIT: AtomicUsize = AtomicUsize::new(0);

/// Allocates the scheduling state of every hart of the device tree and puts `policy` in
/// force. Called once, on the boot hart, before any hart runs the scheduler.
pub fn init(policy: policy::Choice) {
    policy::choose(policy);
    HARTS.init(|_| Hart::new());
    IDLE.init();
}

/// The harts in the scheduler.
fn online_harts() -> impl Iterator<Item = (usize, &'static Hart)> {
    HARTS.all()[..HART_LIMIT.load(Ordering::Relaxed)]
        .iter()
        .enumerate()
        .filter(|(_, h)| h.online.load(Ordering::Relaxed))
}

/// Claims an idle hart, preferring `preferred`; returns its id.
fn claim_idle_hart(preferred: usize) -> Option<usize> {
    loop {
        let hart = if IDLE.contains(preferred) {
            preferred
        } else {
            IDLE.first()?
        };
        if IDLE.remove(hart) {
            return Some(hart);
        }
    }
}

impl Hart {
    fn new() -> Hart {
        Hart {
            policy: HartPart::new(),
            sleepers: Mutex::new(BTreeMap::new()),
            online: AtomicBool::new(false),
            running_priority: AtomicUsize::new(PRIORITIES),
            need_resched: AtomicBool::new(false),
            local: UnsafeCell::new(HartLocal {
                loop_context: Context::empty(),
                current: None,
                space_owner: None,
                slice_end: 0,
                takeover: false,
            }),
        }
    }
}

fn this_hart() -> &'static Hart {
    HARTS.this()
}

/// This hart's local state.
#[allow(clippy::mut_from_ref)]
fn local() -> &'static mut HartLocal {
    // SAFETY: only this hart touches its `local`, and kernel code runs with interrupts off,
    // so no two references are live at once.
    unsafe { &mut *this_hart().local.get() }
}

/// The thread running on this hart.
pub fn current() -> Arc<Thread> {
    local()
        .current
        .clone()
        .expect("no thread is running on this hart")
}

/// Runs the scheduler loop on this hart, for ever.
pub fn run_hart() -> ! {
    let hart = this_hart();
    HART_LIMIT.fetch_max(hart_id() + 1, Ordering::Relaxed);
    hart.online.store(true, Ordering::Release);
    loop {
        crate::coroutine::run_ready();
        crate::net::at_scheduling_point(hart_id());
        if let Some(thread) = POLICY.pick_next(hart) {
            run(thread);
            continue;
        }
        idle();
    }
}

/// Runs `thread` until it leaves the hart, then deals with it.
fn run(thread: Arc<Thread>) {
    let hart = this_hart();
    let local = local();
    let priority = {
        let mut sched = thread.sched.lock();
        sched.status = Status::Running;
        sched.on_cpu = true;
        sched.hart = hart_id();
        sched.priority
    };
    hart.running_priority.store(priority, Ordering::Relaxed);
    let same_space = local
        .space_owner
        .as_ref()
        .is_some_and(|owner| Arc::ptr_eq(owner, &thread.process));
    if !same_space {
        mm::switch_to(&thread.process.space.lock());
        local.space_owner = Some(thread.process.clone());
        stats::bump(Counter::AddressSpaceSwitches);
    }
    stats::bump(Counter::ContextSwitches);
    local.slice_end = timer::now() + timer::tick();
    rearm_timer();
    super::uintr::switch_in(&thread);
    crate::trace::switch_in(thread.trace_id);
    let context = thread.context();
    local.current = Some(thread);
    // SAFETY: the thread is marked on this hart, so no other hart switches to its context.
    unsafe { switch(&mut local.loop_context, context) };
    // Back in the loop: the thread has left the hart.
    crate::trace::switch_out();
    let thread = local.current.take().expect("the running thread vanished");
    super::uintr::switch_out(&thread);
    crate::coroutine::space::left_hart(&thread);
    let coroutine_priority = crate::coroutine::space::priority_of(&thread);
    let mut sched = thread.sched.lock();
    if let Some(priority) = coroutine_priority {
        sched.priority = priority;
    }
    sched.on_cpu = false;
    let requeue_here = core::mem::take(&mut sched.requeue_here);
    match sched.status {
        // Queued before the hart stops counting it as running (see `Policy::pick_next`).
        Status::Ready if requeue_here => {
            let priority = sched.priority;
            drop(sched);
            POLICY.requeue(hart, thread, priority);
            hart.running_priority.store(PRIORITIES, Ordering::Relaxed);
        }
        // Woken before it had left: place it now.
        Status::Ready => {
            drop(sched);
            hart.running_priority.store(PRIORITIES, Ordering::Relaxed);
            place(thread);
        }
        Status::Blocked | Status::Exited => {
            hart.running_priority.store(PRIORITIES, Ordering::Relaxed)
        }
        Status::Running => unreachable!("a thread left its hart still running"),
    }
}

/// Nothing to run: sleep until an interrupt (an IPI or a sleeper's deadline).
fn idle() {
    if crate::net::polling() {
        // The network is polled: an idle hart polls the card rather than sleeping.
        crate::net::poll();
        return;
    }
    let hart = this_hart();
    let me = hart_id();
    IDLE.insert(me);
    // A thread placed here between `next_thread` and now: run it.
    if POLICY.has_work_for(hart) {
        IDLE.remove(me);
        return;
    }
    local().slice_end = u64::MAX;
    rearm_timer();
    let start = timer::now();
    crate::net::idle_online(me, true);
    riscv::asm::wfi();
    crate::net::idle_online(me, false);
    // Take the interrupt that ended the wait (wfi wakes even with SIE clear).
    trap::set_interrupts(true);
    trap::set_interrupts(false);
    stats::add(Counter::IdleTicks, timer::now() - start);
    IDLE.remove(me);
}

/// Makes a new thread runnable.
pub fn start(thread: Arc<Thread>) {
    place(thread);
}

/// Puts a ready thread that is off every hart in a run queue (the policy's choice), and
/// interrupts the hart the policy names if it is idle or runs something less urgent.
fn place(thread: Arc<Thread>) {
    let (priority, last) = {
        let sched = thread.sched.lock();
        (sched.priority, sched.hart)
    };
    let placement = POLICY.enqueue(thread, priority, last);
    let (target, hart) = (placement.id, placement.hart);
    let preempt = priority < hart.running_priority.load(Ordering::Relaxed);
    if target == hart_id() {
        if preempt {
            hart.need_resched.store(true, Ordering::Relaxed);
        }
    } else if placement.claimed_idle || preempt {
        smp::send_ipi(target);
    }
}

/// Marks the running thread as about to block; returns the number of this wait (for
/// [`sleep_until`] and [`wake`]'s `seq`). Register the thread where its waker will find it,
/// then call [`block`].
pub fn prepare_to_block() -> u64 {
    let thread = local()
        .current
        .as_ref()
        .expect("no thread is running on this hart");
    let mut sched = thread.sched.lock();
    sched.status = Status::Blocked;
    sched.wait_seq += 1;
    sched.wait_seq
}

/// Releases `guard` and switches away until the thread is woken; returns why it was.
pub fn block<G>(guard: G) -> WakeReason {
    drop(guard);
    leave_hart();
    current().sched.lock().wake_reason
}

/// Wakes `thread` if it is blocked (in wait number `seq`, if given); returns whether it was.
pub fn wake(thread: &Arc<Thread>, reason: WakeReason, seq: Option<u64>) -> bool {
    let mut sched = thread.sched.lock();
    if sched.status != Status::Blocked || seq.is_some_and(|seq| seq != sched.wait_seq) {
        return false;
    }
    sched.status = Status::Ready;
    sched.wake_reason = reason;
    // A virtual core is queued at what its process has ready now, not at what it last ran.
    if let Some(priority) = crate::coroutine::space::priority_of(thread) {
        sched.priority = priority;
    }
    crate::trace::wake(thread.trace_id);
    if sched.on_cpu {
        // Still switching out on its hart: that hart's loop places it.
        return true;
    }
    drop(sched);
    place(thread.clone());
    true
}

/// Registers the running thread, about to block in wait `seq`, to be woken with
/// [`WakeReason::TimedOut`] at `deadline` (`time` ticks).
pub fn sleep_until(deadline: u64, seq: u64) {
    let thread = current();
    let tid = thread.tid;
    this_hart()
        .sleepers
        .lock()
        .insert((deadline, tid), (thread, seq));
}

/// Gives the hart to another ready thread of the same or higher priority, if any.
pub fn yield_now() {
    {
        let thread = local()
            .current
            .as_ref()
            .expect("no thread is running on this hart");
        let mut sched = thread.sched.lock();
        sched.status = Status::Ready;
        sched.requeue_here = true;
    }
    leave_hart();
}

/// Ends the running thread: it never runs again.
pub fn exit_current() -> ! {
    {
        let thread = local()
            .current
            .as_ref()
            .expect("no thread is running on this hart");
        thread.sched.lock().status = Status::Exited;
    }
    leave_hart();
    unreachable!("an exited thread ran again");
}

/// Switches from the running thread to the scheduler loop.
fn leave_hart() {
    let local = local();
    let context = local
        .current
        .as_ref()
        .expect("no thread is running on this hart")
        .context();
    // SAFETY: the loop's context was saved when it switched to this thread; the thread's
    // context stays valid (the hart's `current` keeps the thread alive).
    unsafe { switch(context, &local.loop_context) };
}

/// Sets the running thread's priority; it gives up the hart if that is now below another
/// ready thread's.
pub fn set_priority(thread: &Thread, priority: usize) {
    thread.sched.lock().priority = priority;
    let hart = this_hart();
    if local()
        .current
        .as_ref()
        .is_some_and(|c| c.tid == thread.tid)
    {
        hart.running_priority.store(priority, Ordering::Relaxed);
        if POLICY
            .best_waiting(hart)
            .is_some_and(|best| best <= priority)
        {
            hart.need_resched.store(true, Ordering::Relaxed);
        }
    }
}

/// The timer interrupt: wake the sleepers whose time has come, end the running thread's time
/// slice if it is over and another thread of its priority or higher waits, re-arm.
pub fn on_timer_interrupt() {
    stats::bump(Counter::TimerInterrupts);
    let now = timer::now();
    let hart = this_hart();
    loop {
        let due = {
            let mut sleepers = hart.sleepers.lock();
            match sleepers.first_key_value() {
                Some((&(deadline, _), _)) if deadline <= now => sleepers.pop_first(),
                _ => None,
            }
        };
        let Some((_, (thread, seq))) = due else { break };
        wake(&thread, WakeReason::TimedOut, Some(seq));
    }
    crate::net::on_tick(now, hart_id());
    let local = local();
    crate::coroutine::space::on_tick();
    if let Some(thread) = &local.current {
        if let Some(priority) = crate::coroutine::space::priority_of(thread) {
            thread.sched.lock().priority = priority;
            hart.running_priority.store(priority, Ordering::Relaxed);
        }
        if now >= local.slice_end {
            let priority = thread.sched.lock().priority;
            // Past its slice in a coroutine with more of its process's ready: a spare takes
            // over those, whether or not other threads wait for the hart.
            let takeover = crate::coroutine::space::wants_takeover(thread);
            if takeover || POLICY.slice_over(hart, priority) {
                hart.need_resched.store(true, Ordering::Relaxed);
                stats::bump(Counter::Preemptions);
                if takeover {
                    local.takeover = true;
                } else {
                    crate::coroutine::space::count_timeout(thread);
                }
            } else {
                local.slice_end = now + timer::tick();
            }
        }
    }
    rearm_timer();
}

/// An IPI: something was placed on this hart (or its running thread's process is ending).
pub fn on_ipi() {
    stats::bump(Counter::IpisReceived);
    smp::acknowledge_ipi();
    let hart = this_hart();
    let running = hart.running_priority.load(Ordering::Relaxed);
    if POLICY.best_waiting(hart).is_some_and(|best| best < running) {
        hart.need_resched.store(true, Ordering::Relaxed);
    }
}

/// Arms this hart's timer for the earlier of the time-slice end and the first sleeper.
fn rearm_timer() {
    let first_sleeper = this_hart()
        .sleepers
        .lock()
        .first_key_value()
        .map_or(u64::MAX, |(&(deadline, _), _)| deadline);
    let network = crate::net::deadline(hart_id());
    timer::arm(first_sleeper.min(local().slice_end).min(network));
}

/// On the way back to user mode: end the thread if its process is ending, give up the hart
/// if asked to.
pub fn before_return_to_user() {
    crate::coroutine::run_ready();
    crate::net::at_scheduling_point(hart_id());
    loop {
        let exiting = local()
            .current
            .as_ref()
            .is_some_and(|thread| thread.process.is_exiting());
        if exiting {
            let thread = current();
            let process = thread.process.clone();
            process.thread_exited(&thread, 0);
            drop((thread, process));
            exit_current();
        }
        let hart = this_hart();
        if !hart.need_resched.load(Ordering::Relaxed) {
            super::upcall::deliver();
            super::uintr::take_inject_request();
            return;
        }
        hart.need_resched.store(false, Ordering::Relaxed);
        if core::mem::take(&mut local().takeover) {
            with_current(|thread| {
                if !crate::coroutine::space::take_over(thread) {
                    crate::coroutine::space::count_timeout(thread);
                }
            });
        }
        yield_now();
    }
}

/// Runs `f` with the running thread (without taking a reference count).
pub fn with_current<R>(f: impl FnOnce(&Arc<Thread>) -> R) -> R {
    f(local()
        .current
        .as_ref()
        .expect("no thread is running on this hart"))
}
