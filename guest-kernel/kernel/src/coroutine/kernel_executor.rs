//! The kernel's own executor, run through the same payload table as every process's.
//!
//! It runs the kernel's system-call coroutines (asynchronous `read`/`write`, `async_io`) at
//! priority 0, as COPS's kernel does: every hart polls it on its way back to user mode and in
//! its scheduler loop, whenever something is ready ([`run_ready`]), so a coroutine woken by a
//! system call (a pipe write that brings a waiting read its bytes) runs on that hart before it
//! returns to user mode. Virtual core `hart % 64` polls for hart `hart`.
//!
//! At boot the kernel spawns a few coroutines of each kind at different priorities on it and
//! checks that the payload runs them most urgent first and in spawn order within a priority,
//! and that `current`, `yield_now` and wake-ups work: the payload is known good before any
//! process maps it.

use alloc::sync::Arc;
use alloc::vec::Vec;
use core::cell::UnsafeCell;
use core::future::Future;
use core::sync::atomic::Ordering;
use coroutine::client::{self, Host};
use coroutine::table::RunResult;
use coroutine::{Executor, Kind, Payload, MAX_CPUS, NO_PRIORITY};
use spin::{Mutex, Once};

/// The kernel's executor.
struct KernelExecutor(UnsafeCell<Executor>);

// SAFETY: the executor's own lock and atomics order every access (it is `Sync` itself).
unsafe impl Sync for KernelExecutor {}

static EXECUTOR: KernelExecutor = KernelExecutor(UnsafeCell::new(Executor::new()));
/// The payload the kernel calls.
static PAYLOAD: Once<Payload> = Once::new();

/// The kernel as a host of coroutines.
struct Kernel;

impl Host for Kernel {
    fn payload() -> &'static Payload {
        PAYLOAD
            .get()
            .expect("the kernel's payload is chosen at boot")
    }

    fn after_wake(_: *mut Executor) {}
}

fn executor() -> *mut Executor {
    EXECUTOR.0.get()
}

/// Spawns `future` as a kernel system-call coroutine at priority 0.
pub fn spawn_syscall<F: Future<Output = ()> + Send + 'static>(future: F) {
    // SAFETY: the kernel's executor, initialised at boot.
    unsafe { client::spawn::<Kernel, _>(executor(), future, 0, Kind::KernelSyscall) };
}

/// Polls the kernel's coroutines on this hart until none is ready (or another hart holds the
/// executor's lock too long). One load when nothing is ready (inlined into the return path).
#[inline(always)]
pub fn run_ready() {
    // SAFETY: the executor's published priority is an atomic word.
    let published = unsafe { &(*executor()).published };
    if published.load(Ordering::Acquire) < u64::from(NO_PRIORITY) {
        run_ready_slow();
    }
}

#[inline(never)]
fn run_ready_slow() {
    let Some(payload) = PAYLOAD.get() else { return };
    let cpu = crate::hart_id() % MAX_CPUS;
    loop {
        // SAFETY: the kernel's initialised executor; `cpu` is this hart's core.
        match unsafe { payload.run_next(executor(), cpu) } {
            RunResult::Pending | RunResult::Completed => {}
            RunResult::Empty | RunResult::Busy => return,
        }
    }
}

/// Runs the boot check on `payload`; a failure stops the boot.
pub fn boot_check(payload: &Payload) {
    PAYLOAD.call_once(|| *payload);
    // SAFETY: the kernel's executor, used by nobody else yet.
    unsafe { payload.init(executor()) };
    if let Err(reason) = check_order(payload) {
        crate::println!("coroutines: the kernel's executor failed its check: {reason}");
        crate::init::shutdown(false);
    }
}

/// Spawns coroutines at priorities 3, 1, 3, 0, 1 (the last is a system-call coroutine that
/// yields once) and checks the order they ran in.
fn check_order(payload: &Payload) -> Result<(), &'static str> {
    let log: Arc<Mutex<Vec<(u32, usize)>>> = Arc::new(Mutex::new(Vec::new()));
    let plan = [
        (3, Kind::KernelSyscall, false),
        (1, Kind::KernelSyscall, false),
        (3, Kind::KernelSyscall, false),
        (0, Kind::KernelScheduling, false),
        (1, Kind::KernelSyscall, true),
    ];
    for (index, &(priority, kind, yields)) in plan.iter().enumerate() {
        let log = log.clone();
        let future = async move {
            let id = {
                // SAFETY: the kernel's executor; this hart polls as cpu 0 at boot.
                unsafe { Kernel::payload().current(executor(), 0) }
            };
            if yields {
                client::yield_now().await;
            }
            log.lock().push((priority, index));
            // Every coroutine sees itself as current.
            if id == 0 {
                log.lock().push((u32::MAX, index));
            }
        };
        // SAFETY: the kernel's initialised executor.
        unsafe { client::spawn::<Kernel, _>(executor(), future, priority, kind) };
    }
    loop {
        // SAFETY: as above; the boot hart is cpu 0.
        match unsafe { payload.run_next(executor(), 0) } {
            RunResult::Empty => break,
            RunResult::Busy => return Err("the executor stayed locked"),
            RunResult::Pending | RunResult::Completed => {}
        }
    }
    let order: Vec<usize> = log.lock().iter().map(|&(_, index)| index).collect();
    if order != [3, 1, 4, 0, 2] {
        return Err("coroutines ran out of priority or FIFO order");
    }
    // SAFETY: as above.
    if unsafe { payload.best_priority(executor()) } != coroutine::NO_PRIORITY {
        return Err("the executor is not empty after its coroutines completed");
    }
    Ok(())
}
