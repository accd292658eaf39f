//! A stack only when preempted (embassy_preempt's idea, with the kernel's tick as the timer).
//!
//! Coroutines have no stacks of their own: a virtual core polls each on its thread's stack.
//! When the tick finds a core in the middle of a coroutine past its time slice while the
//! process has another coroutine ready at least as urgent, the kernel does not leave the rest
//! of the process waiting behind it: it marks the core *taken over* (a bit of
//! `Executor::taken_over`), hands the process a token (`Executor::tokens`) and wakes a
//! *spare* thread of this pool, which takes the token and polls the executor in the preempted
//! core's place. The preempted coroutine keeps its thread's stack (the kernel runs that
//! thread at its coroutine's priority, sharing the hart with the spare) until its poll ends;
//! then the thread gives itself back to the pool (core 0, the thread of `block_on`, hands
//! the surplus to another core instead). So a process holds one stack per virtual core, one
//! per coroutine preempted right now, and one spare, whatever the number of coroutines.
//!
//! The kernel hands out tokens only while `Executor::spares` says a spare is waiting; a
//! process that corrupts these words only upsets its own scheduling.

use super::{executor, run_cpu, set_cpu, Exit, CPUS, NEXT_CPU, STOP};
use crate::{syscall, thread};
use abi::COROUTINE_CPUS;
use core::sync::atomic::{AtomicUsize, Ordering};
use coroutine::Executor;

/// Taken-over cores' threads beyond the virtual cores the program asked for, which core 0
/// could not retire itself: the next other core to see it retires in its place.
static SURPLUS: AtomicUsize = AtomicUsize::new(0);
/// Spare threads made since the runtime started (stacks the pool ever held).
static MADE: AtomicUsize = AtomicUsize::new(0);

/// Spare threads (stacks) the pool has made since the process started.
pub fn spares_made() -> usize {
    MADE.load(Ordering::Relaxed)
}

/// Forgets earlier takeovers and makes the pool's first spare (at the start of `block_on`).
pub(super) fn start(state: &Executor) {
    state.taken_over.store(0, Ordering::Relaxed);
    state.tokens.store(0, Ordering::Relaxed);
    SURPLUS.store(0, Ordering::Relaxed);
    add_spare();
}

/// Makes one more spare thread, if a virtual-core number is left (without one the pool
/// just stays smaller, and the kernel makes fewer takeovers).
fn add_spare() {
    let cpu = NEXT_CPU.fetch_add(1, Ordering::Relaxed);
    if cpu >= COROUTINE_CPUS {
        NEXT_CPU.fetch_sub(1, Ordering::Relaxed);
        return;
    }
    if let Ok(handle) = thread::try_spawn(move || core_thread(cpu, true)) {
        MADE.fetch_add(1, Ordering::Relaxed);
        CPUS.lock().push(handle);
    }
}

/// A thread that polls the executor as virtual core `cpu` (below 1: never), starting as a
/// spare if `spare`, until the running `block_on` stops; between takeovers it waits in the
/// pool.
pub(super) fn core_thread(cpu: usize, spare: bool) {
    if syscall::coroutine_setup(abi::coroutine_payload::DEFAULT, cpu).is_err() {
        return;
    }
    set_cpu(cpu);
    // SAFETY: the executor page, read through atomics.
    let state = unsafe { &*executor() };
    let mut waiting = spare;
    loop {
        if waiting && !take_token(state) {
            return;
        }
        match run_cpu(cpu, &STOP) {
            Exit::Stopped => return,
            Exit::Retired => waiting = true,
        }
    }
}

/// Waits in the pool until a token comes (true) or the runtime stops (false).
fn take_token(state: &Executor) -> bool {
    state.spares.fetch_add(1, Ordering::SeqCst);
    let taken = loop {
        if STOP.load(Ordering::Acquire) {
            break false;
        }
        let tokens = state.tokens.load(Ordering::Acquire);
        if tokens == 0 {
            let _ = syscall::futex_wait(&state.tokens, 0, 0);
        } else if state
            .tokens
            .compare_exchange(tokens, tokens - 1, Ordering::AcqRel, Ordering::Relaxed)
            .is_ok()
        {
            break true;
        }
    };
    if state.spares.fetch_sub(1, Ordering::SeqCst) == 1 && taken {
        // The last spare left the pool: the next preemption needs another.
        add_spare();
    }
    taken
}

/// Whether virtual core `cpu`, between two coroutines, should give its thread back to the
/// pool: its last poll was taken over (core 0 passes that on as surplus), or it takes
/// surplus core 0 left.
pub(super) fn should_retire(state: &Executor, cpu: usize) -> bool {
    let bit = 1u64 << (cpu % COROUTINE_CPUS);
    if state.taken_over.load(Ordering::Acquire) & bit != 0 {
        state.taken_over.fetch_and(!bit, Ordering::AcqRel);
        if cpu != 0 {
            return true;
        }
        SURPLUS.fetch_add(1, Ordering::AcqRel);
        // An idle core may be the one to retire.
        let _ = syscall::futex_wake(&state.epoch, 1);
        return false;
    }
    cpu != 0
        && SURPLUS
            .fetch_update(Ordering::AcqRel, Ordering::Relaxed, |n| n.checked_sub(1))
            .is_ok()
}

/// Wakes every spare (to see `STOP`).
pub(super) fn wake_spares(state: &Executor) {
    let _ = syscall::futex_wake(&state.tokens, usize::MAX);
}
