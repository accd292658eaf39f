//! The scheduler's operations, what the payload's table points at. Each works on the
//! executor it is handed and on control blocks the caller owns.
//!
//! Locking: the ready queues, bitmap, blocked set and policy state are under the executor's
//! spin lock, held only for queue operations, never across a poll. [`spawn`] and [`wake`]
//! take no lock and allocate nothing: they push onto the lock-free inbox, which the next
//! lock holder moves into the ready queues. So a user-mode interrupt handler may wake a
//! coroutine of the code it interrupted, even in the middle of a `run_next`.

use crate::control_block::{Coroutine, Kind, State};
use crate::executor::Executor;
use crate::policy::Policy;
use crate::table::RunResult;
use crate::{MAX_CPUS, NO_PRIORITY, PRIORITIES};
use core::ptr::null_mut;
use core::sync::atomic::Ordering::{AcqRel, Acquire, Relaxed, Release};

/// Attempts at the lock before `run_next` gives up with [`RunResult::Busy`].
const LOCK_TRIES: u32 = 256;

/// Makes `executor` an empty executor.
///
/// # Safety
/// `executor` is writable memory for an [`Executor`].
pub unsafe fn init(executor: *mut Executor) {
    // SAFETY: as the caller promises.
    unsafe { executor.write(Executor::new()) };
}

/// Queues the new coroutine `block` at `priority` (clamped to the lowest); returns its id.
///
/// # Safety
/// `executor` is initialised; `block` is valid until its `release` runs and not yet spawned.
pub unsafe fn spawn(
    executor: *mut Executor,
    block: *mut Coroutine,
    priority: u32,
    kind: u32,
) -> usize {
    let priority = priority.min(NO_PRIORITY - 1);
    // SAFETY: as the caller promises.
    let (e, b) = unsafe { (&*executor, &mut *block) };
    b.priority.store(priority, Relaxed);
    b.kind = Kind::from_raw(kind).unwrap_or(Kind::User) as u32;
    b.refs.store(1, Relaxed);
    b.executor = executor;
    b.next = null_mut();
    b.blocked_prev = null_mut();
    b.blocked_next = null_mut();
    b.state.store(State::Queued as u32, Relaxed);
    e.live.fetch_add(1, Relaxed);
    push_inbox(e, block, priority);
    block as usize
}

/// Wakes coroutine `id`: a blocked one is queued, a running one is queued again once its
/// poll returns; otherwise nothing happens. Returns 1 if it was blocked or running.
///
/// # Safety
/// `id` is a coroutine of `executor` that has not been released.
pub unsafe fn wake(executor: *mut Executor, id: usize) -> u32 {
    let block = id as *mut Coroutine;
    if block.is_null() {
        return 0;
    }
    // SAFETY: as the caller promises.
    let (e, b) = unsafe { (&*executor, &*block) };
    loop {
        let state = b.state.load(Acquire);
        let next = if state == State::Blocked as u32 {
            State::Queued
        } else if state == State::Running as u32 {
            State::Notified
        } else {
            return 0;
        };
        if b.state
            .compare_exchange(state, next as u32, AcqRel, Acquire)
            .is_ok()
        {
            if next == State::Queued {
                e.blocked.fetch_sub(1, Relaxed);
                push_inbox(e, block, b.priority.load(Relaxed));
            }
            return 1;
        }
    }
}

/// Polls the most urgent ready coroutine (as the policy `P` picks) on thread `cpu`.
///
/// # Safety
/// `executor` is initialised; its blocks are valid.
pub unsafe fn run_next<P: Policy>(executor: *mut Executor, cpu: usize) -> u32 {
    let cpu = cpu % MAX_CPUS;
    // SAFETY: as the caller promises; the executor's lock orders the non-atomic fields.
    let e = unsafe { &mut *executor };
    if !try_lock(e) {
        return RunResult::Busy as u32;
    }
    drain_inbox(e);
    if e.bitmap == 0 {
        publish(e);
        unlock(e);
        return RunResult::Empty as u32;
    }
    let level = P::pick(e.bitmap, &mut e.policy) % PRIORITIES;
    let Some(block) = pop_ready(e, level) else {
        // The bitmap said otherwise: repair it rather than trust it.
        e.bitmap &= !(1 << level);
        publish(e);
        unlock(e);
        return RunResult::Busy as u32;
    };
    // SAFETY: blocks in the queues are valid.
    let b = unsafe { &*block };
    b.state.store(State::Running as u32, Relaxed);
    e.current[cpu].store(block, Relaxed);
    e.running[cpu].store(b.priority.load(Relaxed), Relaxed);
    e.switches[cpu].fetch_add(1, Relaxed);
    publish(e);
    unlock(e);

    // SAFETY: the caller's poll function for its own block.
    let completed = unsafe { (b.poll)(block) } != 0;
    if completed {
        e.current[cpu].store(null_mut(), Relaxed);
        e.running[cpu].store(NO_PRIORITY, Relaxed);
        b.state.store(State::Done as u32, Release);
        // SAFETY: the future completed and is polled no more.
        unsafe { (b.drop_future)(block) };
        e.live.fetch_sub(1, Relaxed);
        // SAFETY: the executor's reference, given up once.
        unsafe { drop_reference(block) };
        return RunResult::Completed as u32;
    }
    lock(e);
    link_blocked(e, block);
    let blocked = b
        .state
        .compare_exchange(
            State::Running as u32,
            State::Blocked as u32,
            AcqRel,
            Acquire,
        )
        .is_ok();
    if blocked {
        e.blocked.fetch_add(1, Relaxed);
    } else {
        // Woken while it ran (or it yielded): back to the end of its queue.
        unlink_blocked(e, block);
        b.state.store(State::Queued as u32, Relaxed);
        push_ready(e, block);
    }
    publish(e);
    // Only now, with the coroutine queued again and published: the kernel reading this
    // executor between the two must never see this thread with nothing to do.
    e.current[cpu].store(null_mut(), Relaxed);
    e.running[cpu].store(NO_PRIORITY, Relaxed);
    unlock(e);
    RunResult::Pending as u32
}

/// The coroutine thread `cpu` is polling (0: none).
///
/// # Safety
/// `executor` is initialised.
pub unsafe fn current(executor: *mut Executor, cpu: usize) -> usize {
    // SAFETY: as the caller promises.
    let e = unsafe { &*executor };
    e.current[cpu % MAX_CPUS].load(Relaxed) as usize
}

/// Sets coroutine `id`'s priority (a ready one moves to the end of its new queue); returns
/// 0 for a priority out of range, else 1.
///
/// # Safety
/// As for [`wake`].
pub unsafe fn set_priority(executor: *mut Executor, id: usize, priority: u32) -> u32 {
    let block = id as *mut Coroutine;
    if priority >= NO_PRIORITY || block.is_null() {
        return 0;
    }
    // SAFETY: as the caller promises.
    let (e, b) = unsafe { (&mut *executor, &*block) };
    lock(e);
    let old = b.priority.swap(priority, Relaxed) as usize % PRIORITIES;
    if old != priority as usize && b.state.load(Acquire) == State::Queued as u32 {
        if let Some(level) = e.levels.get_mut(old) {
            if level.remove(block) {
                if level.is_empty() {
                    e.bitmap &= !(1 << old);
                }
                push_ready(e, block);
            }
        }
    }
    publish(e);
    unlock(e);
    1
}

/// The most urgent ready priority ([`NO_PRIORITY`]: none), after taking in the inbox.
///
/// # Safety
/// `executor` is initialised.
pub unsafe fn best_priority(executor: *mut Executor) -> u32 {
    // SAFETY: as the caller promises.
    let e = unsafe { &mut *executor };
    lock(e);
    drain_inbox(e);
    publish(e);
    unlock(e);
    e.published.load(Relaxed) as u32
}

/// Gives up one reference to `block`; the last one frees it.
///
/// # Safety
/// The caller holds a reference.
unsafe fn drop_reference(block: *mut Coroutine) {
    // SAFETY: valid while referenced.
    let b = unsafe { &*block };
    if b.refs.fetch_sub(1, AcqRel) == 1 {
        // SAFETY: nobody refers to it any more.
        unsafe { (b.release)(block) };
    }
}

/// Pushes `block` onto the inbox and lets idle threads and the kernel see it.
fn push_inbox(e: &Executor, block: *mut Coroutine, priority: u32) {
    let mut head = e.inbox.load(Relaxed);
    loop {
        // SAFETY: the caller's block, not in the inbox.
        unsafe { (*block).wake_next.store(head, Relaxed) };
        match e.inbox.compare_exchange_weak(head, block, Release, Relaxed) {
            Ok(_) => break,
            Err(now) => head = now,
        }
    }
    e.inbox_min.fetch_min(priority, AcqRel);
    e.published.fetch_min(u64::from(priority), AcqRel);
    e.epoch.fetch_add(1, Release);
}

/// Moves the inbox into the ready queues in the order it was filled (under the lock).
fn drain_inbox(e: &mut Executor) {
    let mut stack = e.inbox.swap(null_mut(), Acquire);
    e.inbox_min.store(NO_PRIORITY, Release);
    if !e.inbox.load(Acquire).is_null() {
        // Pushed meanwhile, priority unknown: assume the most urgent until the next drain.
        e.inbox_min.store(0, Release);
    }
    let mut in_order: *mut Coroutine = null_mut();
    while !stack.is_null() {
        // SAFETY: blocks in the inbox are valid.
        let next = unsafe { (*stack).wake_next.load(Relaxed) };
        // SAFETY: as above.
        unsafe { (*stack).wake_next.store(in_order, Relaxed) };
        in_order = stack;
        stack = next;
    }
    while !in_order.is_null() {
        // SAFETY: as above.
        let next = unsafe { (*in_order).wake_next.load(Relaxed) };
        unlink_blocked(e, in_order);
        push_ready(e, in_order);
        in_order = next;
    }
}

/// Appends `block` to the ready queue of its priority (under the lock).
fn push_ready(e: &mut Executor, block: *mut Coroutine) {
    // SAFETY: the caller's valid block.
    let level = unsafe { (*block).priority.load(Relaxed) } as usize % PRIORITIES;
    if let Some(queue) = e.levels.get_mut(level) {
        // SAFETY: valid and in no ready queue.
        unsafe { queue.push_back(block) };
        e.bitmap |= 1 << level;
    }
}

/// Takes the first coroutine of ready queue `level` (under the lock).
fn pop_ready(e: &mut Executor, level: usize) -> Option<*mut Coroutine> {
    let queue = e.levels.get_mut(level)?;
    let block = queue.pop_front()?;
    if queue.is_empty() {
        e.bitmap &= !(1 << level);
    }
    Some(block)
}

/// Adds `block` to the blocked set (under the lock).
fn link_blocked(e: &mut Executor, block: *mut Coroutine) {
    // SAFETY: valid blocks; the set's blocks are valid.
    unsafe {
        (*block).blocked_prev = null_mut();
        (*block).blocked_next = e.blocked_head;
        if !e.blocked_head.is_null() {
            (*e.blocked_head).blocked_prev = block;
        }
    }
    e.blocked_head = block;
}

/// Takes `block` out of the blocked set if it is there (under the lock).
fn unlink_blocked(e: &mut Executor, block: *mut Coroutine) {
    // SAFETY: valid blocks; the set's blocks are valid.
    unsafe {
        let (prev, next) = ((*block).blocked_prev, (*block).blocked_next);
        if prev.is_null() && e.blocked_head != block {
            return;
        }
        if prev.is_null() {
            e.blocked_head = next;
        } else {
            (*prev).blocked_next = next;
        }
        if !next.is_null() {
            (*next).blocked_prev = prev;
        }
        (*block).blocked_prev = null_mut();
        (*block).blocked_next = null_mut();
    }
}

/// Publishes the most urgent ready priority (under the lock).
fn publish(e: &Executor) {
    let queued = if e.bitmap == 0 {
        NO_PRIORITY
    } else {
        e.bitmap.trailing_zeros()
    };
    let best = queued.min(e.inbox_min.load(Acquire));
    e.published.store(u64::from(best), Release);
}

/// Spins for the lock; gives up after [`LOCK_TRIES`] attempts.
fn try_lock(e: &Executor) -> bool {
    for _ in 0..LOCK_TRIES {
        if e.lock.compare_exchange_weak(0, 1, Acquire, Relaxed).is_ok() {
            return true;
        }
        core::hint::spin_loop();
    }
    false
}

/// Spins for the lock until it is free.
fn lock(e: &Executor) {
    while e
        .lock
        .compare_exchange_weak(0, 1, Acquire, Relaxed)
        .is_err()
    {
        core::hint::spin_loop();
    }
}

fn unlock(e: &Executor) {
    e.lock.store(0, Release);
}
