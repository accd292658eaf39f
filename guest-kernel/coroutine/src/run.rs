//! The scheduler's operations, what the payload's table points at. Each works on the
//! executor it is handed and on control blocks the caller owns.
//!
//! Locking: the ready queues, bitmap, blocked set and policy state are under the executor's
//! spin lock, held only for queue operations, never across a poll. [`spawn`] and [`wake`]
//! take no lock and allocate nothing: they push onto the lock-free inbox, which the next
//! lock holder moves into the ready queues. So a user-mode interrupt handler may wake a
//! coroutine of the code it interrupted, even in the middle of a `run_next`. No wait for the
//! lock is unbounded in `run_next`: before a poll it gives up with `Busy`; after one it leaves
//! the coroutine without the lock (blocked but unlinked, or queued through the inbox), since
//! the holder may be a thread the kernel has preempted and ranks below the waiting one.
//!
//! Two back ends hold the ready coroutines, chosen per executor when it starts
//! ([`Executor::on_device`]):
//!
//! - **software**: the per-priority FIFO queues and bitmap in the executor, with the policy
//!   `P` picking the level;
//! - **task controller** (`device`): the process's queue set, one local queue shared by all
//!   its virtual cores (c-FCFS). [`spawn`] and [`wake`] are one ENQUEUE store, `run_next` one
//!   DEQUEUE load; neither takes the lock. The device orders by priority, FIFO within one
//!   (strict priority whatever `P` is). When the executor's entries of the set are all in
//!   use, ready coroutines go to the software queues (the *overflow*) instead, and while any
//!   wait there the new ones follow them, so every coroutine in the overflow came after every
//!   one of its priority in the device. `run_next` then moves what fits from the overflow
//!   into the device, most urgent first, and takes the more urgent of the device's best
//!   (its BEST register) and the overflow's best, the device's on a tie. Blocked coroutines
//!   are only counted: linking them into the blocked set would need the lock on every poll,
//!   the cost the device is there to remove.
//!
//! On the device a coroutine can also wait *bound* to a channel ([`bind`], TAIC's wake-up):
//! the device queues it itself when the channel is notified. A binding holds a reference to
//! the block and an entry of the set, both given back when the device hands the block out.
//! What `run_next` takes from the device is then either a ready coroutine or a bound one
//! woken, and it cannot tell which: it goes by the block's state. `Queued`: it runs it (if
//! this was the binding, the ready entry still in the device will count as the binding when
//! taken, so each entry is taken once either way); `Blocked`: the binding woke it, it runs;
//! `Running`: being polled elsewhere, it is notified as by a waker; `Notified` or `Done`:
//! nothing to do. A binding's reference is given up after the block has been dealt with.
//! While no binding's entry is in the device (`device.bindings` = 0), every entry is a ready
//! coroutine, and `run_next` takes it with a plain store of its state, as before bindings
//! existed: the atomic claim costs only the processes that bind.

use crate::control_block::{Coroutine, Kind, State};
use crate::device;
use crate::executor::{Executor, Fifo};
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
    // SAFETY: a valid block in no queue.
    unsafe { make_ready(e, block, priority) };
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
                // SAFETY: it was blocked: in no queue.
                unsafe { make_ready(e, block, b.priority.load(Relaxed)) };
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
    // SAFETY: as the caller promises.
    if unsafe { (*executor).on_device() } {
        // SAFETY: as the caller promises.
        return unsafe { run_next_device(executor, cpu) };
    }
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
        // SAFETY: polled to completion on core `cpu`.
        unsafe { finish(e, cpu, block) };
        return RunResult::Completed as u32;
    }
    if !try_lock(e) {
        // The lock's holder may be a thread the kernel ranks below this one on the same hart
        // (preempted inside the lock while this core still counts at the polled coroutine's
        // priority): spinning on would never let it finish. Leave without the lock.
        // SAFETY: `block` was polled on core `cpu` and is in no queue.
        unsafe { leave_unlocked(e, cpu, block) };
        return RunResult::Pending as u32;
    }
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

/// `run_next` on the task-controller back end: take a coroutine (from the device without the
/// lock while the overflow is empty), poll it, and block it or queue it again.
///
/// # Safety
/// As for [`run_next`]; the executor's device fields name the process's mapped set.
unsafe fn run_next_device(executor: *mut Executor, cpu: usize) -> u32 {
    // (Reduced again so that indexing needs no bounds check: the payload cannot panic.)
    let cpu = cpu % MAX_CPUS;
    // SAFETY: as the caller promises; only atomics and fields fixed at start are used here.
    let e = unsafe { &*executor };
    let (block, bound) = loop {
        let taken = if e.device.overflow.load(Acquire) == 0 {
            // SAFETY: the set holds only this executor's coroutines.
            match unsafe { device::dequeue(e) } {
                Some(block) => Ok(block),
                None if e.device.overflow.load(Acquire) == 0 => Err(RunResult::Empty),
                // Overflowed meanwhile: look there.
                // SAFETY: as the caller promises.
                None => unsafe { take_merged(executor) },
            }
        } else {
            // SAFETY: as the caller promises.
            unsafe { take_merged(executor) }
        };
        let block = match taken {
            Ok(block) => block,
            Err(result) => return result as u32,
        };
        // SAFETY: a block the device or the overflow held is valid (a woken binding's
        // reference keeps it so).
        match unsafe { claim(e, block) } {
            Some(bound) => break (block, bound),
            // SAFETY: a binding's entry: its reference, given up once.
            None => unsafe { drop_reference(block) },
        }
    };
    // SAFETY: claimed above.
    let b = unsafe { &*block };
    e.current[cpu].store(block, Relaxed);
    e.running[cpu].store(b.priority.load(Relaxed), Relaxed);
    e.switches[cpu].fetch_add(1, Relaxed);

    // SAFETY: the caller's poll function for its own block.
    if unsafe { (b.poll)(block) } != 0 {
        // SAFETY: polled to completion on core `cpu`.
        unsafe { finish(e, cpu, block) };
        if bound {
            // SAFETY: the binding's reference, given up once (after the executor's).
            unsafe { drop_reference(block) };
        }
        return RunResult::Completed as u32;
    }
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
        b.state.store(State::Queued as u32, Relaxed);
        // SAFETY: it was running: in no queue.
        unsafe { make_ready(e, block, b.priority.load(Relaxed)) };
    }
    // Only now, with the coroutine queued again (see `run_next`).
    e.current[cpu].store(null_mut(), Relaxed);
    e.running[cpu].store(NO_PRIORITY, Relaxed);
    if bound {
        // SAFETY: the binding's reference; the executor still holds its own.
        unsafe { drop_reference(block) };
    }
    RunResult::Pending as u32
}

/// Makes `block`, just taken from the device, this core's to poll (state `Running`):
/// `Some(false)` for a ready coroutine, `Some(true)` for a blocked one a binding woke (whose
/// reference the caller gives up after the poll), `None` for a binding's entry with nothing
/// to poll (its reference is the caller's to give up). See the module documentation.
///
/// # Safety
/// `block` is valid.
unsafe fn claim(e: &Executor, block: *mut Coroutine) -> Option<bool> {
    // SAFETY: as the caller promises.
    let b = unsafe { &*block };
    if e.device.bindings.load(Acquire) == 0 {
        // No binding's entry in the device: a ready coroutine, queued once, which nothing
        // but this core changes now (a wake-up leaves a queued coroutine alone).
        b.state.store(State::Running as u32, Relaxed);
        return Some(false);
    }
    loop {
        let state = b.state.load(Acquire);
        let (next, claimed) = match state {
            s if s == State::Queued as u32 => (State::Running, Some(false)),
            s if s == State::Blocked as u32 => (State::Running, Some(true)),
            s if s == State::Running as u32 => (State::Notified, None),
            _ => {
                e.device.bindings.fetch_sub(1, AcqRel);
                return None;
            }
        };
        if b.state
            .compare_exchange(state, next as u32, AcqRel, Acquire)
            .is_ok()
        {
            if claimed != Some(false) {
                // Taken as a binding's entry.
                e.device.bindings.fetch_sub(1, AcqRel);
            }
            if claimed == Some(true) {
                e.blocked.fetch_sub(1, Relaxed);
            }
            return claimed;
        }
    }
}

/// Binds coroutine `id` to the channel whose CHAN_HANDLER register is `register`: takes an
/// entry of the set for the wake-up and a reference for the device, then stores the id.
/// Returns 1 if bound, 0 if not (software back end, or no entry free).
///
/// # Safety
/// As for [`wake`]; `register` is a mapped CHAN_HANDLER register of the executor's set on
/// which no other binding of this executor waits.
pub unsafe fn bind(executor: *mut Executor, id: usize, register: usize) -> u32 {
    let block = id as *mut Coroutine;
    // SAFETY: as the caller promises.
    let e = unsafe { &*executor };
    if block.is_null() || !e.on_device() || !device::reserve(e) {
        return 0;
    }
    // SAFETY: as the caller promises.
    let b = unsafe { &*block };
    b.refs.fetch_add(1, Relaxed);
    e.device.bindings.fetch_add(1, AcqRel);
    // SAFETY: the entry is reserved; the register is as the caller promises.
    unsafe { device::bind(register, block, b.priority.load(Relaxed)) };
    1
}

/// Undoes a [`bind`] whose channel will never be notified (the call it was made for was
/// refused): cancels the binding, gives back its entry and its reference.
///
/// # Safety
/// `id` and `register` are those of a binding [`bind`] made that the device has not fired.
pub unsafe fn unbind(executor: *mut Executor, id: usize, register: usize) {
    let block = id as *mut Coroutine;
    // SAFETY: as the caller promises.
    let e = unsafe { &*executor };
    if block.is_null() || !e.on_device() {
        return;
    }
    // SAFETY: a CHAN_HANDLER register, as the caller promises; 0 cancels.
    unsafe { (register as *mut u64).write_volatile(0) };
    e.device.bindings.fetch_sub(1, AcqRel);
    device::unreserve(e);
    // SAFETY: the binding's reference, given up once.
    unsafe { drop_reference(block) };
}

/// The next coroutine when the overflow may hold some (under the lock): takes in the inbox,
/// moves into the device what fits, most urgent first, then takes the more urgent of the
/// device's best and the overflow's best (the device's on a tie: its coroutines of that
/// priority came first).
///
/// # Safety
/// As for [`run_next_device`].
unsafe fn take_merged(executor: *mut Executor) -> Result<*mut Coroutine, RunResult> {
    // SAFETY: as the caller promises; the lock orders the non-atomic fields.
    let e = unsafe { &mut *executor };
    if !try_lock(e) {
        return Err(RunResult::Busy);
    }
    drain_inbox(e);
    // SAFETY: the set's registers, as the caller promises.
    unsafe { refill(e) };
    let overflow_best = if e.bitmap == 0 {
        NO_PRIORITY
    } else {
        e.bitmap.trailing_zeros()
    };
    // SAFETY: as above.
    let mut taken = if overflow_best < unsafe { device::best(e) } {
        pop_overflow(e, overflow_best as usize)
    } else {
        None
    };
    if taken.is_none() {
        // SAFETY: as above.
        taken = unsafe { device::dequeue(e) };
    }
    if taken.is_none() && e.bitmap != 0 {
        // The device was emptied by another core since BEST was read.
        taken = pop_overflow(e, e.bitmap.trailing_zeros() as usize);
    }
    publish(e);
    unlock(e);
    taken.ok_or(RunResult::Empty)
}

/// Moves coroutines from the overflow into the device while the executor has entries free,
/// most urgent first, FIFO within a priority (under the lock).
///
/// # Safety
/// The executor's device fields name the process's mapped set.
unsafe fn refill(e: &mut Executor) {
    while e.bitmap != 0 && device::reserve(e) {
        let level = e.bitmap.trailing_zeros();
        let Some(block) = pop_overflow(e, level as usize) else {
            device::unreserve(e);
            break;
        };
        // SAFETY: taken out of its queue; the entry is reserved.
        unsafe { device::enqueue(e, block, level) };
    }
}

/// Takes the first coroutine of overflow level `level` (under the lock).
fn pop_overflow(e: &mut Executor, level: usize) -> Option<*mut Coroutine> {
    let block = pop_ready(e, level)?;
    e.device.overflow.fetch_sub(1, AcqRel);
    Some(block)
}

/// Moves `block`, ready in the device at its old priority, to the end of the queue of its new
/// one (under the lock). The device takes tasks from the head of a queue only, so every
/// coroutine in it is taken out and queued again in the order it came out, `block` last: a
/// pass over the queued coroutines, paid only when a ready coroutine changes priority. The
/// entries stay reserved meanwhile; a core finding the device empty then waits for the epoch
/// bump that follows.
///
/// # Safety
/// The executor's device fields name the process's mapped set.
unsafe fn requeue_device(e: &mut Executor, block: *mut Coroutine) {
    let mut held = Fifo {
        head: null_mut(),
        tail: null_mut(),
    };
    // A block can be in the device twice (ready, and woken by a binding), but in `held`
    // (linked through the block) only once: the second entries wait here.
    let mut twice = [null_mut::<Coroutine>(); CHANNELS];
    let mut twice_count = 0;
    let mut found = 0;
    // SAFETY: the set holds only this executor's coroutines.
    while let Some(task) = unsafe { device::take(e) } {
        if task == block {
            found += 1;
        } else if held.contains(task) {
            if let Some(slot) = twice.get_mut(twice_count) {
                *slot = task;
                twice_count += 1;
            }
        } else {
            // SAFETY: taken out of the device: valid and in no list.
            unsafe { held.push_back(task) };
        }
    }
    while let Some(task) = held.pop_front() {
        // SAFETY: taken out above, its entry still reserved.
        unsafe { device::enqueue(e, task, (*task).priority.load(Relaxed)) };
    }
    for &task in twice.iter().take(twice_count) {
        // SAFETY: as above.
        unsafe { device::enqueue(e, task, (*task).priority.load(Relaxed)) };
    }
    for _ in 0..found {
        // SAFETY: as above.
        unsafe { device::enqueue(e, block, (*block).priority.load(Relaxed)) };
    }
    e.epoch.fetch_add(1, Release);
}

/// Channels of a set, so bindings at once (`docs/hardware/task-controller.md` §7).
const CHANNELS: usize = 64;

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
        let mut moved = false;
        if let Some(level) = e.levels.get_mut(old) {
            if level.remove(block) {
                if level.is_empty() {
                    e.bitmap &= !(1 << old);
                }
                push_ready(e, block);
                moved = true;
            }
        }
        // Not in a software queue: in the device, or in the inbox (which queues it at its
        // new priority when drained); the device is searched only on its back end.
        if !moved && e.on_device() {
            // SAFETY: the executor's set, as the caller's executor promises.
            unsafe { requeue_device(e, block) };
        }
    }
    // A coroutine being polled is ranked by the kernel at its core's `running` entry: a
    // stale one would let the kernel place the thread at the old priority, ahead of threads
    // the new one yields to, should it leave the hart before the coroutine next yields.
    for (current, running) in e.current.iter().zip(&e.running) {
        if current.load(Relaxed) == block {
            running.store(priority, Relaxed);
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
    let software = e.published.load(Relaxed) as u32;
    if e.on_device() {
        // SAFETY: the executor's set.
        software.min(unsafe { device::best(e) })
    } else {
        software
    }
}

/// Ends coroutine `block`, polled to completion on core `cpu`.
///
/// # Safety
/// The executor holds its reference to `block`; nothing polls it again.
unsafe fn finish(e: &Executor, cpu: usize, block: *mut Coroutine) {
    let cpu = cpu % MAX_CPUS;
    // SAFETY: valid while the executor's reference lasts.
    let b = unsafe { &*block };
    e.current[cpu].store(null_mut(), Relaxed);
    e.running[cpu].store(NO_PRIORITY, Relaxed);
    b.state.store(State::Done as u32, Release);
    // SAFETY: the future completed and is polled no more.
    unsafe { (b.drop_future)(block) };
    e.live.fetch_sub(1, Relaxed);
    // SAFETY: the executor's reference, given up once.
    unsafe { drop_reference(block) };
}

/// Queues `block` (state `Queued`) where its back end keeps ready coroutines: the device if
/// the executor has an entry free and nothing waits in the overflow, else the inbox.
///
/// # Safety
/// `block` is valid and in no queue.
unsafe fn make_ready(e: &Executor, block: *mut Coroutine, priority: u32) {
    if e.on_device() {
        if e.device.overflow.load(Acquire) == 0 && device::reserve(e) {
            // SAFETY: as the caller promises; the entry is reserved.
            unsafe { device::enqueue(e, block, priority) };
            e.epoch.fetch_add(1, Release);
            return;
        }
        e.device.overflow.fetch_add(1, AcqRel);
    }
    push_inbox(e, block, priority);
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

/// After a poll, when the lock stayed taken: blocks `block` without linking it into the
/// blocked set (a wake-up unlinks nothing then), or, if it was woken while it ran, queues it
/// through the inbox as a wake-up does; then core `cpu` is idle. Lock-free throughout.
///
/// # Safety
/// `block` is the coroutine core `cpu` has just polled, pending, in no queue.
unsafe fn leave_unlocked(e: &Executor, cpu: usize, block: *mut Coroutine) {
    // Reduced here so that no bounds check (and no panic location, which would be writable
    // data in the payload) is needed.
    let cpu = cpu % MAX_CPUS;
    // SAFETY: as the caller promises.
    let b = unsafe { &*block };
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
        b.state.store(State::Queued as u32, Relaxed);
        push_inbox(e, block, b.priority.load(Relaxed));
    }
    // Only now, with the coroutine queued again and published (`push_inbox`).
    e.current[cpu].store(null_mut(), Relaxed);
    e.running[cpu].store(NO_PRIORITY, Relaxed);
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
