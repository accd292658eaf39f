//! Coroutine processes: the payload, executor page and priority table mapped into a process,
//! and what the kernel learns from the executor page.
//!
//! The executor page is the process's memory: the kernel only reads numbers from it (the
//! priority it publishes, which coroutine each of its threads polls, how many it has polled)
//! and clamps them, and writes only counters and doorbell bits the process may overwrite at
//! its own expense. A process therefore cannot mislead the kernel about anything but itself.
//!
//! Priorities the kernel perceives (COPS's `PRIO_ARRAY` / `max_prio_pid`): a thread of a
//! coroutine process is scheduled at the priority of the most urgent coroutine its process
//! has ready or its thread is polling, read from the executor page whenever the thread leaves
//! a hart, at every tick while it runs, and when it yields. The table of published priorities
//! (the most urgent one and its process) is refreshed at every tick and yield and mapped
//! read-only into every coroutine process, whose runtime yields the hart when another
//! process has more urgent work.
//!
//! A process on the task-controller back end keeps its ready coroutines in its queue set:
//! what it publishes in the executor page then covers only those that did not fit (the
//! overflow), and the kernel reads the rest from the device, the set's BEST register (the
//! most urgent priority queued there). The kernel reads the set it allocated for the process,
//! never an address the process names: the executor page only says whether to look.

use crate::mm::{self, Perm, PAGE_SIZE};
use crate::stats::{self, Counter};
use crate::task::thread::Thread;
use crate::task::Process;
use abi::layout::{
    COROUTINE_EXECUTOR, COROUTINE_PAYLOAD, COROUTINE_PAYLOAD_MAX, COROUTINE_PRIORITIES,
};
use abi::{CoroutinePriorities, Errno, COROUTINE_CPUS, COROUTINE_DOORBELLS, PRIORITIES};
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU32, AtomicU64, AtomicUsize, Ordering};
use coroutine::executor::offsets;
use spin::{Mutex, Once};

/// A thread that is no virtual core of an executor.
pub const NO_CPU: usize = usize::MAX;

/// What a coroutine process has mapped.
pub struct CoroutineSpace {
    /// Which payload (index of `super::NAMES`).
    pub payload: usize,
    /// Its executor page.
    page: ExecutorPage,
    /// Physical address of the BEST register of its task-controller set, once it has one
    /// (0: none); shared with its `REGISTRY` entry.
    best: Arc<AtomicUsize>,
}

impl CoroutineSpace {
    /// Whether virtual core `cpu` polls a coroutine while one at least as urgent is ready and
    /// a spare thread waits to take over (once per poll: a core already taken over shares
    /// the hart with its spare like any thread).
    fn takeover_due(&self, cpu: usize) -> bool {
        self.polling(cpu)
            && self.word(offsets::TAKEN_OVER).load(Ordering::Acquire)
                & (1 << (cpu % COROUTINE_CPUS))
                == 0
            && self.word32(offsets::SPARES).load(Ordering::Acquire) > 0
            && self.ready(&self.best) <= self.running(cpu)
    }
}

impl core::ops::Deref for CoroutineSpace {
    type Target = ExecutorPage;

    fn deref(&self) -> &ExecutorPage {
        &self.page
    }
}

/// A process's executor page, read as untrusted numbers.
#[derive(Clone, Copy)]
pub struct ExecutorPage {
    /// Its physical address.
    executor: usize,
}

impl ExecutorPage {
    fn word(&self, offset: usize) -> &AtomicU64 {
        // SAFETY: the executor page is a frame of the process's memory, identity mapped in
        // the kernel, alive while the process is (it is freed with the address space, after
        // the process has left the registry); `offset` is 8-aligned inside the page.
        unsafe { &*((self.executor + offset) as *const AtomicU64) }
    }

    fn word32(&self, offset: usize) -> &AtomicU32 {
        // SAFETY: as for `word`, 4-aligned.
        unsafe { &*((self.executor + offset) as *const AtomicU32) }
    }

    /// The priority the process publishes (`PRIORITIES`: nothing ready), clamped.
    fn published(&self) -> usize {
        (self.word(offsets::PUBLISHED).load(Ordering::Acquire) as usize).min(PRIORITIES)
    }

    /// The most urgent priority the process has ready (`PRIORITIES`: none): what it
    /// publishes, and on the task-controller back end what its set holds.
    fn ready(&self, best: &AtomicUsize) -> usize {
        let published = self.published();
        if self.word(offsets::DEVICE).load(Ordering::Relaxed) == 0 {
            return published;
        }
        match best.load(Ordering::Acquire) {
            0 => published,
            register => published.min(crate::taskctl::best_priority(register).min(PRIORITIES)),
        }
    }

    /// The priority of the coroutine virtual core `cpu` polls (`PRIORITIES`: none).
    fn running(&self, cpu: usize) -> usize {
        (self
            .word32(offsets::RUNNING + 4 * (cpu % COROUTINE_CPUS))
            .load(Ordering::Relaxed) as usize)
            .min(PRIORITIES)
    }

    /// Whether virtual core `cpu` is in the middle of a coroutine.
    fn polling(&self, cpu: usize) -> bool {
        self.word(offsets::CURRENT + 8 * (cpu % COROUTINE_CPUS))
            .load(Ordering::Relaxed)
            != 0
    }

    /// Wakes the process's virtual cores that wait for work (its executor's epoch futex).
    pub fn wake_idle(&self) {
        self.word32(offsets::EPOCH).fetch_add(1, Ordering::Release);
        crate::futex::wake_word(self.executor + offsets::EPOCH, usize::MAX);
    }

    /// Coroutines virtual core `cpu` has polled.
    fn switches(&self, cpu: usize) -> u64 {
        self.word(offsets::SWITCHES + 8 * (cpu % COROUTINE_CPUS))
            .load(Ordering::Relaxed)
    }
}

/// Every live coroutine process: (pid, physical address of its executor page, its set's BEST
/// register as in its `CoroutineSpace`).
static REGISTRY: Mutex<Vec<(usize, usize, Arc<AtomicUsize>)>> = Mutex::new(Vec::new());
/// Entries in `REGISTRY` (read without the lock on the tick path).
static ACTIVE: AtomicUsize = AtomicUsize::new(0);
/// The frame holding the table of published priorities.
static TABLE: Once<usize> = Once::new();

fn table() -> Option<&'static [AtomicU64; 4]> {
    let frame = *TABLE.get()?;
    // SAFETY: a kernel frame of the table's size, never freed.
    Some(unsafe { &*(frame as *const [AtomicU64; 4]) })
}

/// `coroutine_setup(payload, cpu)` for `thread`: maps everything on the process's first
/// call, registers the thread as virtual core `cpu`; returns the executor's address.
pub fn setup(thread: &Thread, choice: usize, cpu: usize) -> Result<usize, Errno> {
    if cpu == abi::COROUTINE_DETACH {
        // Count what it polled since it last left a hart.
        left_hart(thread);
        if thread.coroutine_cpu.swap(NO_CPU, Ordering::AcqRel) != NO_CPU {
            let base = thread.coroutine_base_priority.load(Ordering::Relaxed);
            crate::task::scheduler::set_priority(thread, base);
        }
        return Ok(COROUTINE_EXECUTOR);
    }
    if cpu >= COROUTINE_CPUS {
        return Err(Errno::Invalid);
    }
    let (index, payload) = super::payload(choice).ok_or(Errno::Invalid)?;
    let process = &thread.process;
    let space = process
        .coroutine
        .try_call_once(|| map(process, index, &payload))?;
    if choice != abi::coroutine_payload::DEFAULT && space.payload != index {
        return Err(Errno::Invalid);
    }
    // A set opened before this (ulib opens it after its first setup; `note_task_set` covers
    // that order).
    if space.best.load(Ordering::Acquire) == 0 {
        if let Some(set) = process.open_task_set() {
            space.best.store(set.best_register(), Ordering::Release);
        }
    }
    thread
        .coroutine_switches_seen
        .store(space.switches(cpu), Ordering::Relaxed);
    if thread.coroutine_cpu.swap(cpu, Ordering::AcqRel) == NO_CPU {
        let base = thread.sched.lock().priority;
        thread
            .coroutine_base_priority
            .store(base, Ordering::Relaxed);
    }
    refresh_table();
    Ok(COROUTINE_EXECUTOR)
}

/// Maps payload `index`, a fresh executor page and the priority table into `process` and
/// registers it.
fn map(
    process: &Process,
    index: usize,
    payload: &coroutine::Payload,
) -> Result<CoroutineSpace, Errno> {
    let table = *TABLE.try_call_once(|| {
        let frame = mm::frame::alloc().ok_or(Errno::NoMemory)?.addr();
        // SAFETY: a fresh frame, the table's for ever.
        unsafe {
            (frame as *mut CoroutinePriorities).write(CoroutinePriorities {
                best_priority: PRIORITIES as u64,
                queues: super::default_queues(),
                ..Default::default()
            })
        };
        Ok::<usize, Errno>(frame)
    })?;
    let pages = payload.base()..payload.base() + mm::page_ceil(payload.len());
    if pages.len() > COROUTINE_PAYLOAD_MAX {
        return Err(Errno::NoMemory);
    }
    let executor = {
        let mut space = process.space.lock();
        space.map_kernel_pages(COROUTINE_PAYLOAD, pages, Perm::ReadExecute)?;
        space.map_kernel_pages(COROUTINE_PRIORITIES, table..table + PAGE_SIZE, Perm::Read)?;
        space.map_zeroed(
            COROUTINE_EXECUTOR..COROUTINE_EXECUTOR + PAGE_SIZE,
            Perm::ReadWrite,
        )?;
        space.physical(COROUTINE_EXECUTOR).ok_or(Errno::NoMemory)?
    };
    mm::flush_local();
    let best = Arc::new(AtomicUsize::new(0));
    REGISTRY.lock().push((process.pid, executor, best.clone()));
    ACTIVE.fetch_add(1, Ordering::Relaxed);
    Ok(CoroutineSpace {
        payload: index,
        page: ExecutorPage { executor },
        best,
    })
}

/// `process` has just been given its task-controller set: if it is a coroutine process, its
/// set's BEST register now counts towards its priority.
pub fn note_task_set(process: &Process, set: &crate::taskctl::Set) {
    if let Some(space) = process.coroutine.get() {
        space.best.store(set.best_register(), Ordering::Release);
    }
}

/// `process` has ended: it publishes nothing any more.
pub fn forget(process: &Process) {
    let Some(space) = process.coroutine.get() else {
        return;
    };
    // Its set is freed next: read it no more.
    space.best.store(0, Ordering::Release);
    let mut registry = REGISTRY.lock();
    let before = registry.len();
    registry.retain(|(pid, _, _)| *pid != process.pid);
    ACTIVE.fetch_sub(before - registry.len(), Ordering::Relaxed);
    drop(registry);
    refresh_table();
}

/// Recomputes the table of published priorities (at a tick, a yield, a setup, an exit).
pub fn refresh_table() {
    let Some(table) = table() else { return };
    let (mut best, mut best_pid, mut count) = (PRIORITIES, 0, 0);
    for (pid, executor, set_best) in REGISTRY.lock().iter() {
        let space = ExecutorPage {
            executor: *executor,
        };
        let ready = space.ready(set_best);
        if ready < best {
            (best, best_pid) = (ready, *pid);
        }
        count += 1;
    }
    table[0].store(best as u64, Ordering::Relaxed);
    table[1].store(best_pid as u64, Ordering::Relaxed);
    table[2].store(count, Ordering::Relaxed);
    table[3].fetch_add(1, Ordering::Release);
}

/// The priority `thread` should run at: for a virtual core, the more urgent of what its
/// process has ready and what it polls (its own priority when neither); `None` for other
/// threads.
pub fn priority_of(thread: &Thread) -> Option<usize> {
    let cpu = thread.coroutine_cpu.load(Ordering::Acquire);
    if cpu == NO_CPU {
        return None;
    }
    let space = thread.process.coroutine.get()?;
    let priority = space.ready(&space.best).min(space.running(cpu));
    if priority < PRIORITIES {
        return Some(priority);
    }
    // Nothing ready or running: the thread is starting up, running the runtime's own work
    // (timers, doorbells) or about to wait for work. It keeps its own priority: dropping it
    // to the lowest would starve a process that has not spawned its first coroutine yet.
    Some(thread.coroutine_base_priority.load(Ordering::Relaxed))
}

/// A tick while `thread` runs: refresh the published table (if any coroutine process lives).
pub fn on_tick() {
    if ACTIVE.load(Ordering::Relaxed) > 0 {
        refresh_table();
    }
}

/// The tick has preempted `thread`: a timeout if it was in the middle of a coroutine.
pub fn count_timeout(thread: &Thread) {
    let cpu = thread.coroutine_cpu.load(Ordering::Acquire);
    if cpu == NO_CPU {
        return;
    }
    if let Some(space) = thread.process.coroutine.get() {
        if space.polling(cpu) {
            space
                .word(offsets::TIMEOUTS)
                .fetch_add(1, Ordering::Relaxed);
            stats::bump(Counter::CoroutineTimeouts);
        }
    }
}

/// Whether the tick, with no other thread to give the hart to, should let a spare thread of
/// `thread`'s process take over: `thread` is in the middle of a coroutine, its process has
/// another ready at least as urgent, and a spare waits (embassy_preempt's "a stack only when
/// preempted": the preempted coroutine keeps this thread's stack, the executor goes on on
/// the spare's).
pub fn wants_takeover(thread: &Thread) -> bool {
    let cpu = thread.coroutine_cpu.load(Ordering::Acquire);
    if cpu == NO_CPU {
        return false;
    }
    thread
        .process
        .coroutine
        .get()
        .is_some_and(|space| space.takeover_due(cpu))
}

/// Makes the takeover [`wants_takeover`] asked for, if it is still due: marks `thread`'s
/// virtual core taken over, hands its process a token and wakes a spare at the priority the
/// process has ready. Counts a timeout and a takeover. Called on the way back to user mode
/// (no lock held), just before `thread` yields the hart.
pub fn take_over(thread: &Thread) -> bool {
    let cpu = thread.coroutine_cpu.load(Ordering::Acquire);
    if cpu == NO_CPU {
        return false;
    }
    let Some(space) = thread.process.coroutine.get() else {
        return false;
    };
    if !space.takeover_due(cpu) {
        return false;
    }
    space
        .word(offsets::TAKEN_OVER)
        .fetch_or(1 << (cpu % COROUTINE_CPUS), Ordering::Release);
    space
        .word32(offsets::TOKENS)
        .fetch_add(1, Ordering::Release);
    space
        .word(offsets::TAKEOVERS)
        .fetch_add(1, Ordering::Relaxed);
    // The spare counted itself before looking for a token: if it is not asleep yet, it
    // finds the token without being woken. It is a virtual core, so `scheduler::wake`
    // queues it at the priority its process has ready.
    crate::futex::wake_word(space.executor + offsets::TOKENS, 1);
    space
        .word(offsets::TIMEOUTS)
        .fetch_add(1, Ordering::Relaxed);
    stats::bump(Counter::CoroutineTimeouts);
    stats::bump(Counter::CoroutineTakeovers);
    true
}

/// `thread` has left this hart: count the coroutines it polled here.
pub fn left_hart(thread: &Thread) {
    let cpu = thread.coroutine_cpu.load(Ordering::Acquire);
    if cpu == NO_CPU {
        return;
    }
    if let Some(space) = thread.process.coroutine.get() {
        let now = space.switches(cpu);
        let seen = thread.coroutine_switches_seen.swap(now, Ordering::Relaxed);
        // A process that scribbles over its counters only skews its own figures; a count
        // going backwards or leaping beyond any real rate is not added.
        let polled = now.wrapping_sub(seen);
        if polled < 1 << 32 {
            stats::add(Counter::CoroutineSwitches, polled);
        }
    }
}

/// `coroutine_notify(pid, doorbell)` from `caller`.
pub fn notify(caller: &Process, pid: usize, doorbell: usize) -> Result<(), Errno> {
    if doorbell >= COROUTINE_DOORBELLS {
        return Err(Errno::Invalid);
    }
    let target = crate::task::process::find(pid).ok_or(Errno::NoProcess)?;
    let related = target.pid == caller.pid
        || caller.child(pid).is_some()
        || target.child(caller.pid).is_some();
    if !related {
        return Err(Errno::NotPermitted);
    }
    let space = target.coroutine.get().ok_or(Errno::NoProcess)?;
    space
        .word(offsets::DOORBELLS)
        .fetch_or(1 << doorbell, Ordering::Release);
    space.wake_idle();
    Ok(())
}
