//! Preemptible user threads: many stackful tasks inside a process, run by one thread or by
//! several worker threads (one per hart, as `alloc_cpu`'s virtual cores) from one shared run
//! queue, scheduled by a pluggable [`policy`] and preempted at the end of a quantum by a
//! run-time choice of [`Mechanism`]: hartlab's user timer, a UIPI from a timer thread, the
//! kernel's upcall, or nothing (cooperative). User_Schedule's design (seed 002) on hartlab's
//! interrupts.
//!
//! ```ignore
//! let config = uthread::Config { mechanism: Mechanism::UserTimer, ..Default::default() };
//! let report = uthread::run(&config, root, 0)?; // root(0) may spawn more tasks
//! ```
//!
//! - [`spawn`], [`yield_now`], [`sleep_ns`], [`current`]; a task ends by returning.
//! - [`blocking`] runs a blocking system call so that only the calling task waits ([`read`],
//!   [`futex_wait`] are such calls).
//! - Task code that takes a lock another task might want (the heap's, the console's) must
//!   not be preempted holding it: [`without_preemption`] (spawn and the blocking calls do
//!   this themselves). Interrupts that land there are deferred to its end.
//!
//! How it works. A task's context is its stack pointer ([`context`]); its stack is taken at
//! its first run and returned at its end ([`stack`]), so a million tasks that have not run
//! cost their 48-byte records only. Each worker (the thread that called [`run`], and with
//! `Config::workers` > 1 the threads it adds; `tp` holds a worker's index) has its own state
//! (running task, deadline), used in its task code and its interrupt handler and guarded by
//! its own flag: a handler that finds the flag taken defers the quantum's end to the flag's
//! release. The shared state (tasks, policy, stacks, sleepers) is behind one spin lock, taken
//! only with the flag held, and held across a switch: the task switched to releases it. A
//! preemption switches tasks inside the handler: the interrupted task stays suspended in its
//! handler, on its own stack, and returns from it when it is resumed, on whichever worker
//! resumes it. A worker with no ready task switches to its own main context, which waits for
//! one. A task's quantum starts once the switch to it is done ([`timer`]).

pub mod blocking;
pub mod context;
pub mod policy;
pub mod stack;
pub mod task;
pub mod timer;

use alloc::boxed::Box;
use alloc::collections::BinaryHeap;
use core::cell::UnsafeCell;
use core::cmp::Reverse;
use core::sync::atomic::{AtomicBool, AtomicU32, Ordering};

use alloc::vec::Vec;

use crate::{sim, syscall, thread};
use abi::Errno;
pub use policy::{Kind as PolicyKind, Policy, Why};
use stack::Stacks;
use task::{State, Tasks, NONE};
pub use task::{TaskId, PRIORITIES};
pub use timer::{now_ticks, timebase_hz, Mechanism};
use timer::{Interrupted, Timer, NEVER};

/// How to run the tasks.
#[derive(Clone, Debug)]
pub struct Config {
    pub mechanism: Mechanism,
    pub policy: PolicyKind,
    /// The quantum: how long a task runs before its policy may preempt it.
    pub quantum_ns: u64,
    /// Bytes per task stack.
    pub stack_bytes: usize,
    /// Tasks the table holds before it grows.
    pub capacity: usize,
    /// Sample key (simulator-control device) for the delay from a quantum's deadline to the
    /// next task running, per preemption; `None`: not measured.
    pub latency_key: Option<u64>,
    /// Threads running tasks (1 ..= [`MAX_WORKERS`]): the caller and `workers - 1` more, each
    /// preempted by its own user timer. Several need [`Mechanism::UserTimer`] or
    /// [`Mechanism::Cooperative`]: a UIPI's timer thread and the upcall serve one thread.
    pub workers: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            mechanism: Mechanism::UserTimer,
            policy: PolicyKind::RoundRobin,
            quantum_ns: 100_000,
            stack_bytes: 8 * 1024,
            capacity: 1024,
            latency_key: None,
            workers: 1,
        }
    }
}

/// Why [`run`] failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Error {
    /// The machine lacks what the mechanism needs (QEMU: no UINTC, no user timer).
    Absent(Mechanism, Errno),
    /// A scheduler already runs in this process.
    Busy,
    /// This many workers cannot run under the mechanism (more than [`MAX_WORKERS`], or
    /// several with a mechanism that preempts one thread).
    Workers(Mechanism, usize),
    /// A worker thread could not be made.
    Thread(Errno),
}

/// Most workers of one [`run`].
pub const MAX_WORKERS: usize = 8;

/// What a [`run`] did.
#[derive(Clone, Copy, Debug, Default)]
pub struct Report {
    pub spawned: u64,
    /// Switches from one task to another (voluntary or not).
    pub switches: u64,
    /// Switches at the end of a quantum.
    pub preemptions: u64,
    /// Quanta that ended (interrupts taken, deferred ones included).
    pub quantum_ends: u64,
    /// Quantum ends that landed where preemption was off and waited for it.
    pub deferred: u64,
    /// Quantum ends that came before the task ran an instruction (the interrupt was taken on
    /// the way back into it: the mechanism costs more than the quantum), which doubled the
    /// task's quantum instead of ending it.
    pub stretched: u64,
    /// The longest quantum used, in quanta (1 unless some were stretched).
    pub longest_quantum: u64,
    pub yields: u64,
    /// Sleeps and blocking calls.
    pub blocks: u64,
    /// Interrupts for a deadline no longer armed (a timer thread's late send).
    pub stale: u64,
    pub stack_bytes: usize,
    /// Stacks in use at most at once.
    pub stacks_high_water: usize,
    /// Bytes of the task table (its capacity).
    pub table_bytes: usize,
    /// Wall time of the run, in `time` ticks.
    pub ticks: u64,
    /// Workers, and the tasks each dispatched (first runs and resumptions).
    pub workers: usize,
    /// Added workers that could not take a user timer and left the run to the others.
    pub receiver_errors: usize,
    pub dispatched: [u64; MAX_WORKERS],
}

impl Report {
    /// Issue 10's timeout rate: preemptions over all switches, in parts per million.
    pub fn timeout_rate_ppm(&self) -> u64 {
        (self.preemptions * 1_000_000)
            .checked_div(self.switches)
            .unwrap_or(0)
    }
}

/// The shared scheduler state, behind [`LOCK`].
struct Scheduler {
    tasks: Tasks,
    policy: Box<dyn Policy>,
    stacks: Stacks,
    timer: Timer,
    mechanism: Mechanism,
    quantum_ticks: u64,
    workers: usize,
    /// Workers waiting for a ready task.
    idle: usize,
    /// Sleeping tasks by deadline (ticks).
    sleepers: BinaryHeap<Reverse<(u64, TaskId)>>,
    /// Blocking calls in flight.
    outstanding: usize,
    report: Report,
    latency_key: Option<u64>,
    /// Picoseconds per `time` tick, for the latency measurement.
    ps_per_tick: u64,
}

/// One worker's own state: used by its thread only, in task code and its handlers, under its
/// [`CRITICAL`] flag.
struct Worker {
    /// The running task ([`NONE`]: the worker's main context).
    current: TaskId,
    main_sp: usize,
    /// Whether the worker has run a task yet (a dispatch after one is a switch).
    ran: bool,
    /// The deadline armed for the running task.
    deadline: u64,
    /// The deadline of the preemption whose next task has not yet run (0: none).
    latency_from: u64,
    /// The running task's quantum is `quantum_ticks << stretch` (see [`on_interrupt`]).
    stretch: u32,
    /// Where the running task resumes from the handler of its last interrupt (pc and the
    /// handler's stack pointer; `(0, 0)`: it was not resumed from one), and the hart's
    /// `instret` then.
    resumed_at: (usize, usize),
    resumed_instret: u64,
}

impl Worker {
    const IDLE: Worker = Worker {
        current: NONE,
        main_sp: 0,
        ran: false,
        deadline: NEVER,
        latency_from: 0,
        stretch: 0,
        resumed_at: (0, 0),
        resumed_instret: 0,
    };
}

/// Longest stretched quantum: 2^10 quanta.
const MAX_STRETCH: u32 = 10;

struct Global(UnsafeCell<Option<Scheduler>>);
// SAFETY: touched only with `LOCK` held (or, for fields fixed for the run, read without it).
unsafe impl Sync for Global {}

struct Workers([UnsafeCell<Worker>; MAX_WORKERS]);
// SAFETY: a worker's entry is touched only by its own thread (see `Worker`).
unsafe impl Sync for Workers {}

static SCHEDULER: Global = Global(UnsafeCell::new(None));
static WORKERS: Workers = Workers([const { UnsafeCell::new(Worker::IDLE) }; MAX_WORKERS]);
/// The shared state is in use.
static LOCK: AtomicBool = AtomicBool::new(false);
/// Per worker: its state is in use, interrupts must not touch it.
static CRITICAL: [AtomicBool; MAX_WORKERS] = [const { AtomicBool::new(false) }; MAX_WORKERS];
/// Per worker: a quantum ended while `CRITICAL` was set.
static DEFERRED: [AtomicBool; MAX_WORKERS] = [const { AtomicBool::new(false) }; MAX_WORKERS];

/// The calling thread's worker index (kept in `tp`, which nothing else in a worker uses).
#[inline(always)]
fn me() -> usize {
    let w: usize;
    // SAFETY: reads a register.
    unsafe { core::arch::asm!("mv {}, tp", out(reg) w, options(nomem, nostack)) };
    w % MAX_WORKERS
}

fn set_me(w: usize) {
    // SAFETY: `tp` is free for ulib's use (the kernel keeps it with the thread's registers).
    unsafe { core::arch::asm!("mv tp, {}", in(reg) w, options(nomem, nostack)) };
}

/// The calling worker's state.
#[allow(clippy::mut_from_ref)]
fn worker() -> &'static mut Worker {
    // SAFETY: see `Worker`; callers drop the reference before switching.
    unsafe { &mut *WORKERS.0[me()].get() }
}

/// The shared state. Callers hold `LOCK` and drop the reference before switching.
#[allow(clippy::mut_from_ref)]
fn sched() -> &'static mut Scheduler {
    // SAFETY: see `Global`; `run` creates it before any task runs.
    unsafe {
        (*SCHEDULER.0.get())
            .as_mut()
            .expect("uthread: no scheduler runs")
    }
}

/// Takes `LOCK` (spinning, then yielding the hart to whoever holds it).
fn lock() {
    let mut spins = 0u32;
    while LOCK.swap(true, Ordering::Acquire) {
        spins += 1;
        if spins.is_multiple_of(64) {
            thread::yield_now();
        }
        core::hint::spin_loop();
    }
}

fn unlock() {
    LOCK.store(false, Ordering::Release);
}

/// Turns preemption of the calling worker off.
fn preemption_off() {
    CRITICAL[me()].store(true, Ordering::Relaxed);
    core::sync::atomic::compiler_fence(Ordering::SeqCst);
}

/// Preemption off and the shared state locked.
fn enter_critical() {
    preemption_off();
    lock();
}

/// Unlocks the shared state and turns preemption back on, first ending any quantum that
/// ended meanwhile; in task code (not a handler) turns user interrupts back on. In a handler
/// the running task has not run since the quantum began (an upcall that came while the last
/// one was handled: upcalls are not masked in their handler): its quantum is stretched
/// instead. Called with `LOCK` held.
fn leave_critical(in_task: bool) {
    loop {
        if DEFERRED[me()].swap(false, Ordering::Relaxed) {
            if in_task {
                // May switch: the task may come back on another worker, so `me()` is read
                // again below.
                quantum_end(0);
            } else if worker().current != NONE {
                stretch(sched(), worker());
            }
        }
        let w = me();
        unlock();
        core::sync::atomic::compiler_fence(Ordering::SeqCst);
        CRITICAL[w].store(false, Ordering::Relaxed);
        core::sync::atomic::compiler_fence(Ordering::SeqCst);
        if !DEFERRED[w].load(Ordering::Relaxed) {
            break;
        }
        enter_critical();
    }
    if in_task && sched_mechanism().is_user_interrupt() {
        timer::enable_user_interrupts();
    }
}

fn sched_mechanism() -> Mechanism {
    // SAFETY: as `sched`; a plain read of a field fixed for the run.
    unsafe {
        (*SCHEDULER.0.get())
            .as_ref()
            .map_or(Mechanism::Cooperative, |s| s.mechanism)
    }
}

/// Runs `root(arg)` as the first task and every task it spawns, until all have ended.
pub fn run(config: &Config, root: fn(usize), arg: usize) -> Result<Report, Error> {
    // SAFETY: checked before anything else touches it.
    if unsafe { (*SCHEDULER.0.get()).is_some() } {
        return Err(Error::Busy);
    }
    let workers = config.workers.max(1);
    let several_ok = matches!(
        config.mechanism,
        Mechanism::UserTimer | Mechanism::Cooperative
    );
    if workers > MAX_WORKERS || (workers > 1 && !several_ok) {
        return Err(Error::Workers(config.mechanism, workers));
    }
    let hz = timebase_hz();
    let timer = Timer::start(config.mechanism, on_interrupt)
        .map_err(|e| Error::Absent(config.mechanism, e))?;
    let quantum_ticks =
        ((config.quantum_ns as u128 * hz as u128).div_ceil(1_000_000_000) as u64).max(1);
    let mut s = Scheduler {
        tasks: Tasks::with_capacity(config.capacity.max(1)),
        policy: config.policy.build(),
        stacks: Stacks::new(config.stack_bytes.max(1024)),
        timer,
        mechanism: config.mechanism,
        quantum_ticks,
        workers,
        idle: 0,
        sleepers: BinaryHeap::new(),
        outstanding: 0,
        report: Report::default(),
        latency_key: config.latency_key.filter(|_| sim::present()),
        ps_per_tick: 1_000_000_000_000 / hz,
    };
    s.report.stack_bytes = s.stacks.size();
    s.report.workers = workers;
    let id = s.tasks.add(root, arg, PRIORITIES / 2);
    s.policy.enqueue(&mut s.tasks, id, Why::New);
    s.report.spawned = 1;
    let saved_tp: usize;
    // SAFETY: reads a register (restored below: the caller may keep its own value there).
    unsafe { core::arch::asm!("mv {}, tp", out(reg) saved_tp, options(nomem, nostack)) };
    set_me(0);
    let start = now_ticks();
    enter_critical();
    // SAFETY: nothing else touches the slot yet.
    unsafe { *SCHEDULER.0.get() = Some(s) };
    let mut threads = Vec::new();
    let mut failed = None;
    for w in 1..workers {
        match thread::try_spawn(move || worker_main(w)) {
            Ok(t) => threads.push(t),
            Err(e) => {
                failed = Some(e);
                break;
            }
        }
    }
    if failed.is_some() {
        // The workers made so far run the tasks with this one.
        sched().workers = threads.len() + 1;
    }
    run_worker();
    for t in threads {
        let _ = t.join();
    }
    // Every task has ended and every other worker has left.
    enter_critical();
    let s = sched();
    s.timer.arm(NEVER);
    let mut report = s.report;
    report.ticks = now_ticks() - start;
    report.longest_quantum = report.longest_quantum.max(1);
    report.stacks_high_water = s.stacks.high_water();
    report.table_bytes = s.tasks.bytes();
    // SAFETY: no task is left to use it.
    let s = unsafe { (*SCHEDULER.0.get()).take() }.expect("the scheduler ran");
    unlock();
    CRITICAL[0].store(false, Ordering::Relaxed);
    DEFERRED[0].store(false, Ordering::Relaxed);
    *worker() = Worker::IDLE;
    s.timer.stop();
    set_me(saved_tp);
    match failed {
        Some(e) => Err(Error::Thread(e)),
        None => Ok(report),
    }
}

/// An added worker's thread: a receiver of its own user timer, running tasks until all
/// have ended.
fn worker_main(w: usize) {
    set_me(w);
    let mechanism = sched_mechanism();
    let receiver = timer::add_receiver(mechanism);
    enter_critical();
    if receiver.is_err() {
        // No user timer for this thread: the others run the tasks.
        let s = sched();
        s.workers -= 1;
        s.report.workers -= 1;
        s.report.receiver_errors += 1;
        unlock();
        CRITICAL[w].store(false, Ordering::Relaxed);
        return;
    }
    run_worker();
    timer::remove_receiver(mechanism);
    CRITICAL[w].store(false, Ordering::Relaxed);
    DEFERRED[w].store(false, Ordering::Relaxed);
    *worker() = Worker::IDLE;
}

/// The calling worker's main context (preemption off, `LOCK` held): dispatches ready tasks,
/// waiting while there are none, until every task has ended; returns with `LOCK` released.
fn run_worker() {
    loop {
        let s = sched();
        let Some(next) = s.pick_ready() else {
            if s.tasks.live() == 0 {
                break;
            }
            s.wait_for_work();
            continue;
        };
        let w = worker();
        if w.ran {
            s.report.switches += 1;
        }
        w.ran = true;
        dispatch(next, false, &mut w.main_sp as *mut usize);
        // Back in the main context: a task found nothing ready after it.
    }
    // Wake the workers that wait, so they see the end too.
    let s = sched();
    if s.idle > 0 {
        blocking::COMPLETIONS.fetch_add(1, Ordering::Release);
        let _ = syscall::futex_wake(&blocking::COMPLETIONS, usize::MAX);
    }
    unlock();
}

/// Makes a task running `entry(arg)` at `priority` (0 highest, below [`PRIORITIES`]).
///
/// # Panics
/// Outside [`run`].
pub fn spawn(entry: fn(usize), arg: usize, priority: u8) -> TaskId {
    enter_critical();
    let s = sched();
    let id = s.tasks.add(entry, arg, priority);
    s.make_ready(id, Why::New);
    s.report.spawned += 1;
    leave_critical(true);
    id
}

/// The running task.
pub fn current() -> TaskId {
    worker().current
}

/// The worker running the caller (0: the thread that called [`run`]).
pub fn current_worker() -> usize {
    me()
}

/// Whether the caller is a task of a running scheduler.
pub fn in_task() -> bool {
    // SAFETY: a plain read; see `sched`.
    unsafe { (*SCHEDULER.0.get()).is_some() && worker().current != NONE }
}

/// Lets the policy run another ready task.
pub fn yield_now() {
    enter_critical();
    let s = sched();
    s.report.yields += 1;
    let me = worker().current;
    s.tasks.get_mut(me).state = State::Ready;
    s.make_ready(me, Why::Yielded);
    reschedule(false);
    landed();
    leave_critical(true);
}

/// Sleeps at least `ns` nanoseconds; only the calling task waits.
pub fn sleep_ns(ns: u64) {
    enter_critical();
    let s = sched();
    let hz = timebase_hz();
    let deadline = now_ticks() + ((ns as u128 * hz as u128).div_ceil(1_000_000_000) as u64);
    let me = worker().current;
    s.report.blocks += 1;
    s.tasks.get_mut(me).state = State::Blocked;
    s.sleepers.push(Reverse((deadline, me)));
    reschedule(false);
    landed();
    leave_critical(true);
}

/// Runs `f` (a blocking system call) on a helper thread while other tasks run; returns its
/// result. Outside a task it just calls `f`.
pub fn blocking<R: Send, F: FnOnce() -> R + Send>(f: F) -> R {
    if !in_task() {
        return f();
    }
    let mut f = Some(f);
    let mut result = None;
    let mut job = || {
        if let Some(f) = f.take() {
            result = Some(f());
        }
    };
    let job: &mut (dyn FnMut() + Send) = &mut job;
    // SAFETY: the closure lives on this task's stack until the request completes, and the
    // task does not run (so does not leave this frame) before that.
    let job: *mut (dyn FnMut() + Send + 'static) = unsafe { core::mem::transmute(job) };
    enter_critical();
    let s = sched();
    let me = worker().current;
    let mut request = blocking::Request::new(job, me);
    s.report.blocks += 1;
    s.outstanding += 1;
    s.tasks.get_mut(me).state = State::Blocked;
    // SAFETY: `request` stays here until `take_completed` hands it back (the task waits).
    unsafe { blocking::submit(&mut request) };
    reschedule(false);
    landed();
    leave_critical(true);
    result.expect("the helper ran the blocking call")
}

/// Reads from `fd`; only the calling task waits.
pub fn read(fd: usize, buf: &mut [u8]) -> Result<usize, Errno> {
    blocking(|| syscall::read(fd, buf))
}

/// Sleeps while `*word == expected` (a futex, shared with any thread); only the calling task
/// waits.
pub fn futex_wait(word: &AtomicU32, expected: u32, timeout_ns: u64) -> Result<(), Errno> {
    blocking(|| syscall::futex_wait(word, expected, timeout_ns))
}

/// Runs `f` with preemption off: interrupts that end the quantum meanwhile take effect at
/// its end.
pub fn without_preemption<R>(f: impl FnOnce() -> R) -> R {
    if CRITICAL[me()].load(Ordering::Relaxed) || !in_task() {
        return f();
    }
    preemption_off();
    let r = f();
    lock();
    leave_critical(true);
    r
}

/// Where every task starts (`arg`: its id), with `CRITICAL` and `LOCK` held by whoever
/// switched here.
extern "C" fn task_main(id: usize) -> ! {
    landed();
    let (entry, arg) = {
        let task = sched().tasks.get(id as TaskId);
        (task.entry, task.arg)
    };
    leave_critical(true);
    entry(arg);
    enter_critical();
    let s = sched();
    let stack = s.tasks.get(id as TaskId).stack;
    s.tasks.remove(id as TaskId);
    // Still running on it, but nothing else will until the switch below has left it (the
    // lock is held until then).
    s.stacks.give(stack);
    reschedule(true);
    unreachable!("an ended task ran again");
}

/// After a switch (or a decision to keep running), in the task that runs now (`CRITICAL`
/// held): its quantum starts here, once the switch is done, so the switch's cost is not
/// taken from it (a quantum shorter than the switch would otherwise end before the task ran
/// an instruction); and the preemption's delay is measured.
fn landed() {
    let s = sched();
    let w = worker();
    w.stretch = 0;
    w.resumed_at = (0, 0);
    s.arm_quantum(w);
    if w.latency_from != 0 {
        if let (Some(key), Some(now)) = (s.latency_key, sim::now_ps()) {
            let from = w.latency_from * s.ps_per_tick;
            sim::sample(key, now.saturating_sub(from) / 1000);
        }
        w.latency_from = 0;
    }
}

/// An interrupt for the quantum ending at `deadline`.
fn on_interrupt(deadline: u64) {
    if CRITICAL[me()].load(Ordering::Relaxed) {
        // SAFETY: plain reads of fields fixed for the run and a timer write. The user timer
        // is held first, even for a stale deadline: one that fires between `arm_quantum`'s
        // store of the new deadline and its write of `utimecmp` would otherwise interrupt
        // again at once, for ever, the write never running.
        unsafe {
            if let Some(s) = (*SCHEDULER.0.get()).as_ref() {
                s.timer.hold();
                if deadline < worker().deadline {
                    return;
                }
            }
        }
        DEFERRED[me()].store(true, Ordering::Relaxed);
        return;
    }
    // SAFETY: see `Global`.
    if unsafe { (*SCHEDULER.0.get()).is_none() } {
        return;
    }
    enter_critical();
    let s = sched();
    let w = worker();
    let at = (Interrupted::pc(s.mechanism), stack_pointer());
    let retired = crate::time::instret().wrapping_sub(w.resumed_instret);
    if deadline < w.deadline {
        s.report.stale += 1;
    } else if at == w.resumed_at && retired < s.mechanism.return_instructions() {
        // Taken where the last handler resumed the task, having retired no more than the
        // way out of one handler and into the next: the interrupt was raised again while the
        // last one was handled (an upcall costs about 6 µs of kernel time, the user
        // interrupts' handlers 0.5 µs on the default machine), and the task ran nothing.
        // Ending the quantum now would end the next one the same way, and no task would run
        // again.
        stretch(s, w);
    } else {
        quantum_end(deadline);
    }
    let w = worker();
    w.resumed_at = at;
    w.resumed_instret = crate::time::instret();
    leave_critical(false);
}

/// The running task's quantum ended before it ran: it keeps the processor and its quantum
/// doubles, for this dispatch, until it runs.
fn stretch(s: &mut Scheduler, w: &mut Worker) {
    s.report.stretched += 1;
    w.stretch = (w.stretch + 1).min(MAX_STRETCH);
    s.report.longest_quantum = s.report.longest_quantum.max(1 << w.stretch);
    s.arm_quantum(w);
}

/// The stack pointer (in a handler: where its frames are, which depends only on where the
/// interrupted code's stack pointer was).
#[inline(always)]
fn stack_pointer() -> usize {
    let sp: usize;
    // SAFETY: reads `sp`.
    unsafe { core::arch::asm!("mv {}, sp", out(reg) sp, options(nomem, nostack)) };
    sp
}

/// The running task's quantum has ended (at `deadline`; 0: deferred): the policy decides.
fn quantum_end(deadline: u64) {
    let s = sched();
    let w = worker();
    let me = w.current;
    if me == NONE {
        return;
    }
    s.report.quantum_ends += 1;
    if deadline == 0 {
        s.report.deferred += 1;
    }
    if !s.policy.quantum_end(&mut s.tasks, me) {
        s.arm_quantum(w);
        return;
    }
    s.report.preemptions += 1;
    w.latency_from = deadline;
    s.tasks.get_mut(me).state = State::Ready;
    s.make_ready(me, Why::Preempted);
    let mechanism = s.mechanism;
    let interrupted = Interrupted::save(mechanism);
    reschedule(false);
    landed();
    interrupted.restore(mechanism);
}

/// Switches from the running task (already queued, blocked or, with `exiting`, ended) to the
/// next ready one, or to the worker's main context when none is ready. Returns when the
/// caller is resumed (on whichever worker resumes it), `LOCK` held.
fn reschedule(exiting: bool) {
    let s = sched();
    let w = worker();
    let prev = w.current;
    let next = s.pick_ready();
    if next == Some(prev) && !exiting {
        s.tasks.get_mut(prev).state = State::Running;
        return;
    }
    if !exiting {
        let base = s.tasks.get(prev).stack;
        assert!(
            Stacks::check(base),
            "uthread: task {prev} ran off its {}-byte stack",
            s.stacks.size()
        );
    }
    let save: *mut usize = &mut s.tasks.get_mut(prev).sp;
    match next {
        Some(next) => {
            s.report.switches += 1;
            dispatch(next, exiting, save);
        }
        None => {
            w.current = NONE;
            w.deadline = NEVER;
            s.timer.arm(NEVER);
            // SAFETY: the worker's main context was saved by `run_worker`'s dispatch.
            unsafe {
                if exiting {
                    context::resume(w.main_sp)
                } else {
                    context::switch(save, w.main_sp)
                }
            }
        }
    }
}

/// Runs task `next` on the calling worker: saves the caller's context at `save` (or
/// abandons it, `exiting`) and resumes `next`, or starts it on a fresh stack. Returns when
/// the caller is resumed.
fn dispatch(next: TaskId, exiting: bool, save: *mut usize) {
    let s = sched();
    s.report.dispatched[me()] += 1;
    worker().current = next;
    let task = s.tasks.get_mut(next);
    let was = task.state;
    task.state = State::Running;
    if was != State::New {
        let sp = task.sp;
        // SAFETY: `sp` was saved by `switch` when the task was suspended.
        unsafe {
            if exiting {
                context::resume(sp)
            } else {
                context::switch(save, sp)
            }
        }
        return;
    }
    let base = match s.stacks.take() {
        Ok(base) => base,
        Err(e) => panic!(
            "uthread: no memory for stack {} ({} bytes each): {e:?}",
            s.stacks.high_water() + 1,
            s.stacks.size()
        ),
    };
    s.tasks.get_mut(next).stack = base;
    let top = s.stacks.top(base);
    if exiting {
        // SAFETY: a free stack (maybe the one the ended task ran on, which nothing else
        // uses); `task_main` never returns.
        unsafe { context::start(top, next as usize, task_main) }
    }
    // A frame for `switch` to load: returns into `first_run` with `s0` = the task.
    let frame = top - context::FRAME_BYTES;
    // SAFETY: the fresh stack's top, which nothing else uses; `ra` at 0, `s0` at 8.
    unsafe {
        (frame as *mut usize).write(first_run as *const () as usize);
        ((frame + 8) as *mut usize).write(next as usize);
        context::switch(save, frame);
    }
}

/// Where a new task's first `switch` returns: calls `task_main(s0)`.
#[unsafe(naked)]
unsafe extern "C" fn first_run() -> ! {
    core::arch::naked_asm!("mv a0, s0", "li ra, 0", "j {main}", main = sym task_main)
}

impl Scheduler {
    /// Arms the end of the running task's quantum on worker `w`, counted from now.
    fn arm_quantum(&self, w: &mut Worker) {
        w.deadline = now_ticks() + (self.quantum_ticks << w.stretch);
        self.timer.arm(w.deadline);
    }

    /// Hands `task` to the policy; with workers waiting, wakes one to run it.
    fn make_ready(&mut self, task: TaskId, why: Why) {
        self.policy.enqueue(&mut self.tasks, task, why);
        if self.idle > 0 {
            blocking::COMPLETIONS.fetch_add(1, Ordering::Release);
            let _ = syscall::futex_wake(&blocking::COMPLETIONS, 1);
        }
    }

    /// The next task to run, after waking the sleepers that are due and the tasks whose
    /// blocking calls completed; `None` when no task is ready.
    fn pick_ready(&mut self) -> Option<TaskId> {
        let now = now_ticks();
        while let Some(&Reverse((deadline, task))) = self.sleepers.peek() {
            if deadline > now {
                break;
            }
            self.sleepers.pop();
            self.wake(task);
        }
        if blocking::any_completed() {
            let mut woken = 0;
            blocking::take_completed(|task| {
                self.tasks.get_mut(task).state = State::Ready;
                self.policy.enqueue(&mut self.tasks, task, Why::Woken);
                woken += 1;
            });
            self.outstanding -= woken;
        }
        self.policy.dequeue(&mut self.tasks)
    }

    /// In a worker's main context, with no task ready and some live: waits (in the kernel,
    /// `LOCK` released) until a sleeper is due, a blocking call completes or, with several
    /// workers, another worker makes a task ready or ends the last one.
    fn wait_for_work(&mut self) {
        let seen = blocking::COMPLETIONS.load(Ordering::Acquire);
        if blocking::any_completed() {
            return;
        }
        let timeout_ns = match self.sleepers.peek() {
            Some(&Reverse((deadline, _))) => {
                let ticks = deadline.saturating_sub(now_ticks()).max(1);
                (ticks as u128 * 1_000_000_000).div_ceil(timebase_hz() as u128) as u64
            }
            None if self.outstanding > 0 || self.workers > 1 => 0,
            None => panic!("uthread: every task waits and nothing can wake one"),
        };
        self.idle += 1;
        unlock();
        let _ = syscall::futex_wait(&blocking::COMPLETIONS, seen, timeout_ns);
        lock();
        sched().idle -= 1;
    }

    fn wake(&mut self, task: TaskId) {
        self.tasks.get_mut(task).state = State::Ready;
        self.policy.enqueue(&mut self.tasks, task, Why::Woken);
    }
}
