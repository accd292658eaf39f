//! Preemptible user threads: many stackful tasks inside one thread of a process, scheduled
//! by a pluggable [`policy`] and preempted at the end of a quantum by a run-time choice of
//! [`Mechanism`]: hartlab's user timer, a UIPI from a timer thread, the kernel's upcall, or
//! nothing (cooperative). User_Schedule's design (seed 002) on hartlab's interrupts.
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
//! cost their 48-byte records only. The scheduler state is used by one thread, in task code
//! and in the interrupt handler, guarded by one flag: a handler that finds it taken defers
//! the quantum's end to the flag's release. A preemption switches tasks inside the handler:
//! the interrupted task stays suspended in its handler, on its own stack, and returns from
//! it when it is resumed. A task's quantum starts once the switch to it is done ([`timer`]).

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

use crate::{sim, syscall};
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
}

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
}

impl Report {
    /// Issue 10's timeout rate: preemptions over all switches, in parts per million.
    pub fn timeout_rate_ppm(&self) -> u64 {
        (self.preemptions * 1_000_000)
            .checked_div(self.switches)
            .unwrap_or(0)
    }
}

/// The scheduler.
struct Scheduler {
    tasks: Tasks,
    policy: Box<dyn Policy>,
    stacks: Stacks,
    timer: Timer,
    mechanism: Mechanism,
    quantum_ticks: u64,
    /// The deadline armed for the running task.
    deadline: u64,
    /// The running task ([`NONE`]: `run`'s caller, the main context).
    current: TaskId,
    main_sp: usize,
    /// Sleeping tasks by deadline (ticks).
    sleepers: BinaryHeap<Reverse<(u64, TaskId)>>,
    /// Blocking calls in flight.
    outstanding: usize,
    report: Report,
    latency_key: Option<u64>,
    /// Picoseconds per `time` tick, for the latency measurement.
    ps_per_tick: u64,
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

/// Longest stretched quantum: 2^10 quanta.
const MAX_STRETCH: u32 = 10;

struct Global(UnsafeCell<Option<Scheduler>>);
// SAFETY: only the scheduler's own thread touches it, in task code and its handlers, under
// the `CRITICAL` flag.
unsafe impl Sync for Global {}

static SCHEDULER: Global = Global(UnsafeCell::new(None));
/// The scheduler state is in use: interrupts must not touch it.
static CRITICAL: AtomicBool = AtomicBool::new(false);
/// A quantum ended while `CRITICAL` was set.
static DEFERRED: AtomicBool = AtomicBool::new(false);

/// The scheduler. Callers hold `CRITICAL` and drop the reference before switching.
#[allow(clippy::mut_from_ref)]
fn sched() -> &'static mut Scheduler {
    // SAFETY: see `Global`; `run` creates it before any task runs.
    unsafe {
        (*SCHEDULER.0.get())
            .as_mut()
            .expect("uthread: no scheduler runs")
    }
}

fn enter_critical() {
    CRITICAL.store(true, Ordering::Relaxed);
    core::sync::atomic::compiler_fence(Ordering::SeqCst);
}

/// Releases `CRITICAL`, first ending any quantum that ended meanwhile; in task code (not a
/// handler) turns user interrupts back on. In a handler the running task has not run since
/// the quantum began (an upcall that came while the last one was handled: upcalls are not
/// masked in their handler): its quantum is stretched instead.
fn leave_critical(in_task: bool) {
    loop {
        if DEFERRED.swap(false, Ordering::Relaxed) {
            if in_task {
                quantum_end(0);
            } else if sched().current != NONE {
                stretch(sched());
            }
        }
        core::sync::atomic::compiler_fence(Ordering::SeqCst);
        CRITICAL.store(false, Ordering::Relaxed);
        core::sync::atomic::compiler_fence(Ordering::SeqCst);
        if !DEFERRED.load(Ordering::Relaxed) {
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
        deadline: NEVER,
        current: NONE,
        main_sp: 0,
        sleepers: BinaryHeap::new(),
        outstanding: 0,
        report: Report::default(),
        latency_key: config.latency_key.filter(|_| sim::present()),
        ps_per_tick: 1_000_000_000_000 / hz,
        latency_from: 0,
        stretch: 0,
        resumed_at: (0, 0),
        resumed_instret: 0,
    };
    s.report.stack_bytes = s.stacks.size();
    let id = s.tasks.add(root, arg, PRIORITIES / 2);
    s.policy.enqueue(&mut s.tasks, id, Why::New);
    s.report.spawned = 1;
    let start = now_ticks();
    enter_critical();
    // SAFETY: nothing else touches the slot yet.
    unsafe { *SCHEDULER.0.get() = Some(s) };
    reschedule(false);
    // Back in the main context: every task has ended.
    let s = sched();
    s.timer.arm(NEVER);
    let mut report = s.report;
    report.ticks = now_ticks() - start;
    report.longest_quantum = report.longest_quantum.max(1);
    report.stacks_high_water = s.stacks.high_water();
    report.table_bytes = s.tasks.bytes();
    // SAFETY: no task is left to use it.
    let s = unsafe { (*SCHEDULER.0.get()).take() }.expect("the scheduler ran");
    CRITICAL.store(false, Ordering::Relaxed);
    DEFERRED.store(false, Ordering::Relaxed);
    s.timer.stop();
    Ok(report)
}

/// Makes a task running `entry(arg)` at `priority` (0 highest, below [`PRIORITIES`]).
///
/// # Panics
/// Outside [`run`].
pub fn spawn(entry: fn(usize), arg: usize, priority: u8) -> TaskId {
    enter_critical();
    let s = sched();
    let id = s.tasks.add(entry, arg, priority);
    s.policy.enqueue(&mut s.tasks, id, Why::New);
    s.report.spawned += 1;
    leave_critical(true);
    id
}

/// The running task.
pub fn current() -> TaskId {
    sched().current
}

/// Whether the caller is a task of a running scheduler.
pub fn in_task() -> bool {
    // SAFETY: a plain read; see `sched`.
    unsafe {
        (*SCHEDULER.0.get())
            .as_ref()
            .is_some_and(|s| s.current != NONE)
    }
}

/// Lets the policy run another ready task.
pub fn yield_now() {
    enter_critical();
    let s = sched();
    s.report.yields += 1;
    let me = s.current;
    s.tasks.get_mut(me).state = State::Ready;
    s.policy.enqueue(&mut s.tasks, me, Why::Yielded);
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
    let me = s.current;
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
    let me = s.current;
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
    if CRITICAL.load(Ordering::Relaxed) || !in_task() {
        return f();
    }
    enter_critical();
    let r = f();
    leave_critical(true);
    r
}

/// Where every task starts (`arg`: its id), with `CRITICAL` held by whoever switched here.
extern "C" fn task_main(id: usize) -> ! {
    landed();
    leave_critical(true);
    let (entry, arg) = {
        let task = sched().tasks.get(id as TaskId);
        (task.entry, task.arg)
    };
    entry(arg);
    enter_critical();
    let s = sched();
    let stack = s.tasks.get(id as TaskId).stack;
    s.tasks.remove(id as TaskId);
    // Still running on it, but nothing else will until the switch below has left it.
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
    s.stretch = 0;
    s.resumed_at = (0, 0);
    s.arm_quantum();
    if s.latency_from != 0 {
        if let (Some(key), Some(now)) = (s.latency_key, sim::now_ps()) {
            let from = s.latency_from * s.ps_per_tick;
            sim::sample(key, now.saturating_sub(from) / 1000);
        }
        s.latency_from = 0;
    }
}

/// An interrupt for the quantum ending at `deadline`.
fn on_interrupt(deadline: u64) {
    if CRITICAL.load(Ordering::Relaxed) {
        // SAFETY: plain field reads and a timer write. The user timer is held first, even
        // for a stale deadline: one that fires between `arm_quantum`'s store of the new
        // deadline and its write of `utimecmp` would otherwise interrupt again at once, for
        // ever, the write never running.
        unsafe {
            if let Some(s) = (*SCHEDULER.0.get()).as_ref() {
                s.timer.hold();
                if deadline < s.deadline {
                    return;
                }
            }
        }
        DEFERRED.store(true, Ordering::Relaxed);
        return;
    }
    // SAFETY: see `Global`.
    if unsafe { (*SCHEDULER.0.get()).is_none() } {
        return;
    }
    enter_critical();
    let s = sched();
    let at = (Interrupted::pc(s.mechanism), stack_pointer());
    let retired = crate::time::instret().wrapping_sub(s.resumed_instret);
    if deadline < s.deadline {
        s.report.stale += 1;
    } else if at == s.resumed_at && retired < s.mechanism.return_instructions() {
        // Taken where the last handler resumed the task, having retired no more than the
        // way out of one handler and into the next: the interrupt was raised again while the
        // last one was handled (an upcall costs about 6 µs of kernel time, the user
        // interrupts' handlers 0.5 µs on the default machine), and the task ran nothing.
        // Ending the quantum now would end the next one the same way, and no task would run
        // again.
        stretch(s);
    } else {
        quantum_end(deadline);
    }
    let s = sched();
    s.resumed_at = at;
    s.resumed_instret = crate::time::instret();
    leave_critical(false);
}

/// The running task's quantum ended before it ran: it keeps the processor and its quantum
/// doubles, for this dispatch, until it runs.
fn stretch(s: &mut Scheduler) {
    s.report.stretched += 1;
    s.stretch = (s.stretch + 1).min(MAX_STRETCH);
    s.report.longest_quantum = s.report.longest_quantum.max(1 << s.stretch);
    s.arm_quantum();
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
    let me = s.current;
    if me == NONE {
        return;
    }
    s.report.quantum_ends += 1;
    if deadline == 0 {
        s.report.deferred += 1;
    }
    if !s.policy.quantum_end(&mut s.tasks, me) {
        s.arm_quantum();
        return;
    }
    s.report.preemptions += 1;
    s.latency_from = deadline;
    s.tasks.get_mut(me).state = State::Ready;
    s.policy.enqueue(&mut s.tasks, me, Why::Preempted);
    let mechanism = s.mechanism;
    let interrupted = Interrupted::save(mechanism);
    reschedule(false);
    landed();
    interrupted.restore(mechanism);
}

/// Switches from the running task (already queued, blocked or, with `exiting`, ended) to the
/// next one, or to the main context when no task is left. Returns when the caller is resumed.
fn reschedule(exiting: bool) {
    let s = sched();
    let next = s.pick_next();
    let prev = s.current;
    if next == prev && !exiting {
        s.tasks.get_mut(prev).state = State::Running;
        return;
    }
    if prev != NONE && !exiting {
        let base = s.tasks.get(prev).stack;
        assert!(
            Stacks::check(base),
            "uthread: task {prev} ran off its {}-byte stack",
            s.stacks.size()
        );
    }
    if prev != NONE && next != NONE {
        s.report.switches += 1;
    }
    s.current = next;
    let save: *mut usize = if prev == NONE {
        &mut s.main_sp
    } else {
        &mut s.tasks.get_mut(prev).sp
    };
    if next == NONE {
        s.deadline = NEVER;
        s.timer.arm(NEVER);
        // SAFETY: `run` saved the main context.
        unsafe {
            if exiting {
                context::resume(s.main_sp)
            } else {
                context::switch(save, s.main_sp)
            }
        }
        return;
    }
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
    /// Arms the end of the running task's quantum, counted from now.
    fn arm_quantum(&mut self) {
        self.deadline = now_ticks() + (self.quantum_ticks << self.stretch);
        self.timer.arm(self.deadline);
    }

    /// The next task to run; waits (in the kernel) while every task is blocked; [`NONE`]
    /// once all have ended.
    fn pick_next(&mut self) -> TaskId {
        loop {
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
            if let Some(task) = self.policy.dequeue(&mut self.tasks) {
                return task;
            }
            if self.tasks.live() == 0 {
                return NONE;
            }
            // Every live task waits: sleep until a sleeper's deadline or a completion.
            self.deadline = NEVER;
            self.timer.arm(NEVER);
            let seen = blocking::COMPLETIONS.load(Ordering::Acquire);
            if blocking::any_completed() {
                continue;
            }
            let timeout_ns = match self.sleepers.peek() {
                Some(&Reverse((deadline, _))) => {
                    let ticks = deadline.saturating_sub(now_ticks()).max(1);
                    (ticks as u128 * 1_000_000_000).div_ceil(timebase_hz() as u128) as u64
                }
                None if self.outstanding > 0 => 0,
                None => panic!("uthread: every task waits and nothing can wake one"),
            };
            let _ = syscall::futex_wait(&blocking::COMPLETIONS, seen, timeout_ns);
        }
    }

    fn wake(&mut self, task: TaskId) {
        self.tasks.get_mut(task).state = State::Ready;
        self.policy.enqueue(&mut self.tasks, task, Why::Woken);
    }
}
