//! Coroutines: async functions with priorities, run by the shared scheduler payload.
//!
//! ```ignore
//! let order = ulib::coroutine::block_on(async {
//!     let urgent = ulib::coroutine::spawn(async { /* ... */ }, 1);
//!     ulib::coroutine::yield_now().await; // lets `urgent` (priority 1) run first
//!     ulib::coroutine::sleep(1_000_000).await;
//! });
//! ```
//!
//! [`block_on`] makes the process a coroutine process (`coroutine_setup`: the kernel maps
//! the scheduler payload, a page for this process's executor, and the table of published
//! priorities), runs its future as the first coroutine and polls coroutines on the calling
//! thread until that future completes. The scheduler is the payload's code, called through
//! its function table ([`coroutine::Payload`]); ulib only supplies the futures, the wakers and
//! the loop around `run_next`:
//!
//! - after every coroutine the loop compares the priority this process publishes with the
//!   most urgent one the kernel's table shows for another process, and yields the hart if
//!   that one is more urgent (the kernel runs this process's threads at the priority of its
//!   most urgent coroutine);
//! - with nothing ready, a thread fires due [`sleep`] timers and takes rung doorbells
//!   ([`doorbell`]), then waits on the executor's epoch word (a futex) until a wake-up or the
//!   next timer;
//! - [`alloc_cpu`] adds threads ("virtual cores") that poll the same executor on other harts;
//! - a coroutine the tick preempts keeps its thread's stack while a spare thread takes over
//!   the rest of the process's coroutines ([`takeover`]: a stack only when preempted);
//! - [`channel`]: requests passed from coroutine to coroutine;
//! - [`io`]: asynchronous `read`/`write`, whose completions the loop takes between
//!   coroutines (and a user-interrupt handler at once).
//!
//! Waking a coroutine takes no lock and allocates nothing (the payload pushes it onto a
//! lock-free inbox, or stores it into the task controller), so a user-interrupt handler may
//! call a [`core::task::Waker`] or [`wake`]; it then also makes a `futex_wake` system call if
//! a virtual core is idle.
//!
//! Where the ready coroutines wait is the process's choice, made by its first `block_on`
//! ([`Options::queues`], default the boot argument `coroutine_queues=`): the executor's own
//! queues ([`Queues::Software`]) or the process's task-controller queue set
//! ([`Queues::TaskController`]; spawn and wake are one store to the device, taking the next
//! coroutine one load). On a machine without the device (QEMU) the runtime says so in one line
//! and uses the software queues; the program runs the same. On the task-controller back end
//! the set belongs to the runtime: the program must not dequeue from it itself (every local
//! queue is then the one shared queue), and wake-ups it binds to the set's channels must fit
//! in the [`DEVICE_MARGIN`] entries the runtime leaves free.

pub mod channel;
mod doorbell;
pub mod io;
mod takeover;
mod timer;

pub use doorbell::{doorbell, notify, Doorbell};
pub use takeover::spares_made;
pub use timer::{sleep, Sleep};

use crate::sync::Mutex;
use crate::{syscall, thread};
use abi::layout::{
    COROUTINE_EXECUTOR, COROUTINE_PAYLOAD, COROUTINE_PAYLOAD_MAX, COROUTINE_PRIORITIES,
};
use abi::{CoroutinePriorities, Errno, COROUTINE_CPUS, PRIORITIES};
use alloc::vec::Vec;
use core::future::Future;
use core::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use coroutine::client::{self, Host};
pub use coroutine::client::{yield_now, YieldNow};
use coroutine::table::RunResult;
use coroutine::{Executor, Kind, Payload, NO_PRIORITY};

/// A coroutine's id: the address of its control block in this process.
pub type Id = usize;

/// The priority [`block_on`]'s future runs at.
pub const MAIN_PRIORITY: usize = abi::DEFAULT_PRIORITY;

/// Entries of the task-controller set the runtime leaves to wake-ups in flight (channel
/// handlers the program binds); it fills the rest, and keeps what does not fit in the
/// executor's software queues.
pub const DEVICE_MARGIN: u64 = 8;

/// Where a process's ready coroutines wait.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Queues {
    /// The kernel's boot choice (`coroutine_queues=`; software unless it says `taskctl`).
    Default,
    /// The executor's per-priority FIFO queues, in the process's memory.
    Software,
    /// The process's task-controller queue set (hartlab); the software queues where there is
    /// no such device, and for what does not fit in the set.
    TaskController,
}

impl Queues {
    /// The back end named `name` (`default`, `software`, `taskctl`).
    pub fn from_name(name: &str) -> Option<Queues> {
        match name {
            "default" => Some(Queues::Default),
            "software" => Some(Queues::Software),
            "taskctl" => Some(Queues::TaskController),
            _ => None,
        }
    }
}

/// How [`try_block_on_with`] sets up the runtime (only a process's first `block_on` chooses).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Options {
    /// The payload (scheduling policy).
    pub policy: Policy,
    /// Where ready coroutines wait.
    pub queues: Queues,
    /// Whether a spare thread takes over when the tick preempts a coroutine while others of
    /// the process are ready ([`takeover`]); without (the default), they wait for the
    /// preempted one.
    pub takeover: bool,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            policy: Policy::Default,
            queues: Queues::Default,
            takeover: false,
        }
    }
}

/// Which payload (scheduling policy) a process runs with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Policy {
    /// The kernel's boot choice (`coroutine=`).
    Default,
    /// Strict priority, FIFO within a priority.
    Strict,
    /// Priority with aging.
    Aging,
}

impl Policy {
    /// The policy named `name` (`default`, `strict`, `aging`).
    pub fn from_name(name: &str) -> Option<Policy> {
        match name {
            "default" => Some(Policy::Default),
            "strict" => Some(Policy::Strict),
            "aging" => Some(Policy::Aging),
            _ => None,
        }
    }

    fn number(self) -> usize {
        match self {
            Policy::Default => abi::coroutine_payload::DEFAULT,
            Policy::Strict => abi::coroutine_payload::STRICT,
            Policy::Aging => abi::coroutine_payload::AGING,
        }
    }
}

/// The payload, once the first [`block_on`] has checked it.
static PAYLOAD: Mutex<Option<Payload>> = Mutex::new(None);
/// A copy of `PAYLOAD` for the hot paths, valid once `READY` is set.
static PAYLOAD_COPY: Checked = Checked(core::cell::UnsafeCell::new(None));

/// The checked payload, written once (under `PAYLOAD`'s lock, before `READY` is set) and
/// only read after.
struct Checked(core::cell::UnsafeCell<Option<Payload>>);

// SAFETY: written once before any reader can see `READY`.
unsafe impl Sync for Checked {}
static READY: AtomicBool = AtomicBool::new(false);
/// Set when the running `block_on`'s future has completed: its virtual cores stop.
static STOP: AtomicBool = AtomicBool::new(false);
/// This process's id (for reading the kernel's priority table), known once `READY` is set.
static PID: AtomicUsize = AtomicUsize::new(0);
/// The back end the first `block_on` asked for (after resolving `Queues::Default`): 1
/// software, 2 task controller; 0 before.
static QUEUES_ASKED: AtomicUsize = AtomicUsize::new(0);
/// The next virtual-core number [`alloc_cpu`] hands out.
static NEXT_CPU: AtomicUsize = AtomicUsize::new(1);
/// The virtual cores the running `block_on` polls with (core 0 and [`alloc_cpu`]'s; the
/// spare pool's threads replace preempted ones, not counted).
static CORES: AtomicUsize = AtomicUsize::new(1);
/// The threads [`alloc_cpu`] made for the running `block_on`.
static CPUS: Mutex<Vec<thread::JoinHandle<()>>> = Mutex::new(Vec::new());

/// This process as a host of coroutines.
struct Process;

impl Host for Process {
    fn payload() -> &'static Payload {
        payload()
    }

    fn after_wake(executor: *mut Executor) {
        // The wake-up (a store to memory or to the device) before the look at `idle`.
        io_fence();
        // SAFETY: the process's executor page.
        let e = unsafe { &*executor };
        if e.idle.load(Ordering::SeqCst) > 0 {
            let _ = syscall::futex_wake(&e.epoch, 1);
        }
    }
}

fn payload() -> &'static Payload {
    assert!(
        READY.load(Ordering::Acquire),
        "no coroutine runtime (call block_on first)"
    );
    // SAFETY: written once before `READY` was set, never again.
    unsafe { (*PAYLOAD_COPY.0.get()).as_ref() }.expect("payload set with READY")
}

fn executor() -> *mut Executor {
    COROUTINE_EXECUTOR as *mut Executor
}

/// The executor, to read its counters.
pub fn executor_state() -> &'static Executor {
    // SAFETY: mapped by `coroutine_setup` before `READY`; read only through atomics here.
    let _ = payload();
    unsafe { &*executor() }
}

/// The policy of the payload this process runs (e.g. `strict-priority`).
pub fn policy_name() -> &'static str {
    payload().policy()
}

/// Whether this process's ready coroutines wait in its task-controller set.
pub fn on_task_controller() -> bool {
    executor_state().on_device()
}

/// The back end `queues` stands for (the kernel's default resolved), as `QUEUES_ASKED`
/// numbers it.
fn resolve(queues: Queues) -> usize {
    let wanted = match queues {
        Queues::Default => {
            // SAFETY: mapped read-only by `coroutine_setup`.
            let table =
                unsafe { (COROUTINE_PRIORITIES as *const CoroutinePriorities).read_volatile() };
            if table.queues == abi::coroutine_queues::TASK_CONTROLLER {
                Queues::TaskController
            } else {
                Queues::Software
            }
        }
        other => other,
    };
    if wanted == Queues::TaskController {
        2
    } else {
        1
    }
}

/// Puts the executor's ready queues into the process's task-controller set: one shared queue
/// (c-FCFS, so that every virtual core, on whatever hart, takes the most urgent coroutine of
/// the process, as from the software queues), of which the executor may fill all free
/// entries but [`DEVICE_MARGIN`]. Without the device (or room in it) says so and leaves the
/// software queues.
fn use_task_controller(executor: &mut Executor) {
    let set = match crate::taskctl::TaskSet::open() {
        Ok(set) => set,
        Err(error) => {
            crate::println!("coroutines: no task controller ({error:?}); software queues");
            return;
        }
    };
    set.set_policy(crate::taskctl::Policy::Shared);
    let free = set.best().free;
    if free <= DEVICE_MARGIN {
        crate::println!("coroutines: {free} task-controller entries free; software queues");
        return;
    }
    let (enqueue, dequeue, best) = set.queue_registers(0);
    let device = &mut executor.device;
    device.limit = (free - DEVICE_MARGIN) as u32;
    device.best = best;
    device.dequeue = dequeue;
    device.enqueue = enqueue;
}

/// Sets up the runtime (first call only): maps everything, checks the payload's table, puts
/// the ready queues where `options` says, makes the calling thread virtual core 0. A later
/// call asking for another back end than the first is [`Errno::Invalid`].
fn start(options: Options) -> Result<(), Errno> {
    let mut slot = PAYLOAD.lock();
    syscall::coroutine_setup(options.policy.number(), 0)?;
    set_cpu(0);
    let queues = resolve(options.queues);
    let asked = QUEUES_ASKED.load(Ordering::Relaxed);
    if asked != 0 && asked != queues {
        return Err(Errno::Invalid);
    }
    if slot.is_none() {
        // SAFETY: `coroutine_setup` mapped the payload there (at most that many bytes).
        let checked = unsafe { Payload::at(COROUTINE_PAYLOAD, COROUTINE_PAYLOAD_MAX) };
        let checked = checked.map_err(|error| {
            crate::eprintln!("coroutine payload refused: {error:?}");
            Errno::Invalid
        })?;
        // SAFETY: the executor page is ours and zeroed; nobody polls it yet.
        unsafe { checked.init(executor()) };
        if queues == 2 {
            // SAFETY: initialised just now; no coroutine exists yet.
            use_task_controller(unsafe { &mut *executor() });
        }
        QUEUES_ASKED.store(queues, Ordering::Relaxed);
        // SAFETY: only here, under `PAYLOAD`'s lock, before `READY`.
        unsafe { *PAYLOAD_COPY.0.get() = Some(checked) };
        *slot = Some(checked);
        PID.store(syscall::getpid()?, Ordering::Relaxed);
        READY.store(true, Ordering::Release);
    }
    Ok(())
}

/// Runs `future` as a coroutine at [`MAIN_PRIORITY`] with the kernel's default policy and
/// polls coroutines on this thread until it completes; returns its output. Other coroutines
/// still pending then stay in the executor (a later `block_on` runs them on).
///
/// # Panics
/// If the process cannot become a coroutine process ([`try_block_on`] says why instead).
pub fn block_on<F, T>(future: F) -> T
where
    F: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    match try_block_on(Policy::Default, future) {
        Ok(value) => value,
        Err(error) => panic!("coroutine runtime: {error:?}"),
    }
}

/// [`block_on`] with the payload of `policy`; fails if the kernel refuses (another policy
/// than the process's first `block_on` asked for is [`Errno::Invalid`]).
pub fn try_block_on<F, T>(policy: Policy, future: F) -> Result<T, Errno>
where
    F: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    try_block_on_with(
        Options {
            policy,
            ..Options::default()
        },
        future,
    )
}

/// [`try_block_on`] with a choice of back end too (see [`Options`]; another policy or back end
/// than the process's first `block_on` asked for is [`Errno::Invalid`]).
pub fn try_block_on_with<F, T>(options: Options, future: F) -> Result<T, Errno>
where
    F: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    start(options)?;
    if options.takeover {
        // SAFETY: the executor page, initialised by `start`.
        takeover::start(unsafe { &*executor() });
    }
    let result: alloc::sync::Arc<Mutex<Option<T>>> = alloc::sync::Arc::new(Mutex::new(None));
    let done = alloc::sync::Arc::new(AtomicBool::new(false));
    let (result_in, done_in) = (result.clone(), done.clone());
    spawn(
        async move {
            let value = future.await;
            *result_in.lock() = Some(value);
            done_in.store(true, Ordering::Release);
            // Core 0 may be idle, waiting for work: let it see that the future is done.
            wake_idle_cpus();
        },
        MAIN_PRIORITY,
    );
    run_cpu(0, &done);
    // An ordinary thread again, at its own priority.
    let _ = syscall::coroutine_setup(abi::coroutine_payload::DEFAULT, abi::COROUTINE_DETACH);
    STOP.store(true, Ordering::Release);
    wake_idle_cpus();
    let cpus = core::mem::take(&mut *CPUS.lock());
    for cpu in cpus {
        let _ = cpu.join();
    }
    STOP.store(false, Ordering::Release);
    NEXT_CPU.store(1, Ordering::Relaxed);
    CORES.store(1, Ordering::Relaxed);
    let value = result.lock().take();
    value.ok_or(Errno::Invalid)
}

/// Spawns `future` as a coroutine at `priority` (0 the most urgent; clamped to the least);
/// returns its id.
pub fn spawn<F: Future<Output = ()> + Send + 'static>(future: F, priority: usize) -> Id {
    let priority = priority.min(PRIORITIES - 1) as u32;
    // SAFETY: the process's initialised executor.
    unsafe { client::spawn::<Process, F>(executor(), future, priority, Kind::User) }
}

/// Bytes one coroutine of future type `F` takes (control block and future).
pub const fn coroutine_size<F>() -> usize {
    client::block_size::<F>()
}

/// The coroutine the calling thread is polling (0 outside a coroutine).
pub fn current() -> Id {
    // SAFETY: the process's initialised executor.
    unsafe { payload().current(executor(), cpu()) }
}

/// Sets coroutine `id`'s priority (a ready one moves to its new queue).
pub fn set_priority(id: Id, priority: usize) -> Result<(), Errno> {
    if priority >= PRIORITIES || id == 0 {
        return Err(Errno::Invalid);
    }
    // SAFETY: `id` came from `spawn` or `current` (see `wake` for ended coroutines).
    let set = unsafe { payload().set_priority(executor(), id, priority as u32) };
    // Moving a coroutine within the task controller takes every ready one out for a moment,
    // so an idle core may have missed them.
    Process::after_wake(executor());
    if set {
        Ok(())
    } else {
        Err(Errno::Invalid)
    }
}

/// Wakes coroutine `id` if it is blocked.
///
/// # Safety
/// `id` must name a coroutine of this process that has not completed (a completed one's
/// block may be freed); a [`core::task::Waker`] is the safe way to wake.
pub unsafe fn wake(id: Id) {
    // SAFETY: as the caller promises.
    unsafe { payload().wake(executor(), id) };
    Process::after_wake(executor());
}

/// Adds `n` threads ("virtual cores") that poll this process's executor until the running
/// [`block_on`] returns; returns how many cores poll it now.
pub fn alloc_cpu(n: usize) -> Result<usize, Errno> {
    let _ = payload();
    for _ in 0..n {
        let cpu = NEXT_CPU.fetch_add(1, Ordering::Relaxed);
        if cpu >= COROUTINE_CPUS {
            NEXT_CPU.fetch_sub(1, Ordering::Relaxed);
            return Err(Errno::NoMemory);
        }
        let handle = thread::try_spawn(move || takeover::core_thread(cpu, false))?;
        CPUS.lock().push(handle);
        CORES.fetch_add(1, Ordering::Relaxed);
    }
    Ok(CORES.load(Ordering::Relaxed))
}

/// Why [`run_cpu`] returned.
enum Exit {
    /// `stop` was set.
    Stopped,
    /// The core's thread goes back to the spare pool ([`takeover`]).
    Retired,
}

/// Polls coroutines as virtual core `cpu` until `stop` is set or the thread retires.
fn run_cpu(cpu: usize, stop: &AtomicBool) -> Exit {
    let payload = payload();
    let e = executor();
    // SAFETY: the executor page, read through atomics.
    let state = unsafe { &*e };
    while !stop.load(Ordering::Acquire) {
        if takeover::should_retire(state, cpu) {
            // The wake-up that brought this core out of `idle` may have been meant for work
            // it now leaves behind: hand it to another idle core.
            if state.idle.load(Ordering::SeqCst) > 0 {
                let _ = syscall::futex_wake(&state.epoch, 1);
            }
            return Exit::Retired;
        }
        doorbell::take_rung(state);
        io::poll_completions();
        timer::fire_due();
        // SAFETY: the process's initialised executor; `cpu` is this thread's core.
        match unsafe { payload.run_next(e, cpu) } {
            // Between coroutines no register state is live: the kernel's fast path.
            RunResult::Pending | RunResult::Completed => {
                if another_process_is_more_urgent(state) {
                    syscall::coroutine_yield();
                }
            }
            RunResult::Busy => syscall::coroutine_yield(),
            RunResult::Empty => idle(state, stop),
        }
    }
    Exit::Stopped
}

/// Whether the kernel's table shows a more urgent coroutine in another process than any
/// this one has ready.
fn another_process_is_more_urgent(state: &Executor) -> bool {
    // SAFETY: the kernel maps its table there (read-only) before `READY`.
    let table = unsafe { (COROUTINE_PRIORITIES as *const CoroutinePriorities).read_volatile() };
    if table.best_pid == PID.load(Ordering::Relaxed) as u64
        || table.best_priority >= u64::from(NO_PRIORITY)
    {
        return false;
    }
    let mine = ready_priority(state);
    mine < u64::from(NO_PRIORITY) && table.best_priority < mine
}

/// The most urgent priority ready in this process (`NO_PRIORITY`: none): what the executor
/// publishes, and on the task-controller back end what the set holds (one device load).
fn ready_priority(state: &Executor) -> u64 {
    let published = state.published.load(Ordering::SeqCst);
    if !state.on_device() {
        return published;
    }
    // What this thread did to memory (`idle`) before it looks at the device.
    io_fence();
    // SAFETY: the BEST register of the process's set, which `use_task_controller` mapped.
    let best = unsafe { (state.device.best as *const u64).read_volatile() } & 0xff;
    published.min(best)
}

/// Nothing is ready: wait for a wake-up, a doorbell or the next timer.
fn idle(state: &Executor, stop: &AtomicBool) {
    let seen = state.epoch.load(Ordering::SeqCst);
    state.idle.fetch_add(1, Ordering::SeqCst);
    let work = ready_priority(state) < u64::from(NO_PRIORITY)
        || state.doorbells.load(Ordering::SeqCst) != 0
        || io::pending()
        || stop.load(Ordering::Acquire);
    if !work {
        // No timer: wait for a wake-up only (timeout 0); a due timer: do not wait.
        match timer::until_next() {
            None => {
                let _ = syscall::futex_wait(&state.epoch, seen, 0);
            }
            Some(0) => {}
            Some(ns) => {
                let _ = syscall::futex_wait(&state.epoch, seen, ns);
            }
        }
    }
    state.idle.fetch_sub(1, Ordering::SeqCst);
}

/// Wakes every idle virtual core (to see `STOP`).
fn wake_idle_cpus() {
    // SAFETY: the executor page.
    let e = unsafe { &*executor() };
    e.epoch.fetch_add(1, Ordering::SeqCst);
    let _ = syscall::futex_wake(&e.epoch, usize::MAX);
    takeover::wake_spares(e);
}

/// Orders every memory and device access before it before every one after it.
fn io_fence() {
    // SAFETY: a fence has no effect but ordering.
    unsafe { core::arch::asm!("fence iorw, iorw", options(nostack, preserves_flags)) };
}

/// This thread's virtual core, kept in `tp` (ulib uses no thread-local storage otherwise).
fn cpu() -> usize {
    let cpu: usize;
    // SAFETY: reads a register.
    unsafe { core::arch::asm!("mv {}, tp", out(reg) cpu, options(nomem, nostack)) };
    cpu % COROUTINE_CPUS
}

fn set_cpu(cpu: usize) {
    // SAFETY: `tp` is free for ulib's use (the kernel restores it with the thread's
    // registers; no code here uses thread-local storage).
    unsafe { core::arch::asm!("mv tp, {}", in(reg) cpu, options(nomem, nostack)) };
}
