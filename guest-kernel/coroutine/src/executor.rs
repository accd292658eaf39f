//! One address space's executor state (`repr(C)`, shared by the payload, the kernel and ulib).
//!
//! A process's executor lives in a page of its own that the kernel maps at
//! `abi::layout::COROUTINE_EXECUTOR`, so the kernel can read what the process publishes (its
//! most urgent ready priority, which coroutine each of its threads polls, its switch counts)
//! without a system call; the kernel's own executor is a kernel static. Everything here is in
//! the owner's memory: a process that scribbles over it harms only itself, and the kernel
//! reads it as untrusted numbers.

use crate::control_block::Coroutine;
use crate::{MAX_CPUS, PRIORITIES};
use core::sync::atomic::{AtomicPtr, AtomicU32, AtomicU64};

/// "EXECUTOR" in ASCII: written by `init`, checked by nothing but debuggers and tests.
pub const EXECUTOR_MAGIC: u64 = 0x524f_5455_4345_5845;

/// A FIFO list of control blocks, linked through `Coroutine::next`.
#[repr(C)]
pub struct Fifo {
    /// First in line (null: empty).
    pub head: *mut Coroutine,
    /// Last in line.
    pub tail: *mut Coroutine,
}

/// The task-controller back end of an executor: where its queue set's registers are and how
/// many of the set's entries it may fill (`docs/hardware/task-controller.md`). All zero: the
/// software back end.
///
/// The caller (ulib) fills it in once, after `init` and before the first `spawn`, from the
/// process's set (`taskctl_open`); the payload then only loads and stores at these
/// addresses, so it needs no register map of its own.
#[repr(C)]
pub struct DeviceQueues {
    /// Address of the ENQUEUE register of the local queue the executor uses (0: software).
    pub enqueue: usize,
    /// Address of that queue's DEQUEUE register.
    pub dequeue: usize,
    /// Address of the set's BEST register (the most urgent priority queued, `[7:0]`).
    pub best: usize,
    /// Entries of the set this executor may fill with ready coroutines: the set's free
    /// entries when it started, less a margin for wake-ups in flight.
    pub limit: u32,
    /// Ready coroutines of this executor in the set now (entries taken out of `limit`).
    pub tasks: AtomicU32,
    /// Ready coroutines in the software queues and inbox ("overflow"): while there are any,
    /// new ready coroutines go there too, behind them, so that FIFO order within a priority
    /// holds across the device and the overflow.
    pub overflow: AtomicU32,
    /// Entries of bindings ([`crate::run::bind`]) not yet taken out of the device. While it
    /// is 0 every entry in the device is a ready coroutine, which `run_next` takes without
    /// an atomic read-modify-write of its state.
    pub bindings: AtomicU32,
}

/// One address space's scheduler state.
#[repr(C)]
pub struct Executor {
    /// [`EXECUTOR_MAGIC`] once initialised.
    pub magic: u64,
    /// The most urgent priority ready here (ready queues and inbox), `NO_PRIORITY` when none:
    /// what the process publishes to the kernel (COPS's `PRIO_ARRAY` entry). On the
    /// task-controller back end it covers the software queues (the overflow) only; the set's
    /// BEST register has the device's part, which the kernel reads itself.
    pub published: AtomicU64,
    /// Tick preemptions of a running coroutine, counted by the kernel.
    pub timeouts: AtomicU64,
    /// Coroutines spawned and not yet completed.
    pub live: AtomicU64,
    /// Coroutines in the blocked set.
    pub blocked: AtomicU64,
    /// Doorbells rung by other processes (`coroutine_notify`): bit b is doorbell b. The
    /// kernel sets bits; the process's runtime takes them and wakes what waits for them.
    pub doorbells: AtomicU64,
    /// Bumped by every wake-up and spawn: idle threads wait on it (a futex word).
    pub epoch: AtomicU32,
    /// Threads waiting for `epoch` to change.
    pub idle: AtomicU32,
    /// The lock over the ready queues, bitmap, blocked set and policy state (0 free).
    pub lock: AtomicU32,
    /// Bit p set: ready queue p is not empty.
    pub bitmap: u32,
    /// A lower bound of the priorities in `inbox` (`NO_PRIORITY`: empty).
    pub inbox_min: AtomicU32,
    /// The policy's own state (e.g. aging counters), per priority.
    pub policy: [u32; PRIORITIES],
    /// Spawned and woken coroutines not yet in a ready queue: a lock-free stack, so that
    /// waking needs neither the lock nor memory (an interrupt handler may wake).
    pub inbox: AtomicPtr<Coroutine>,
    /// The ready queues, one FIFO per priority.
    pub levels: [Fifo; PRIORITIES],
    /// The blocked set (a doubly linked list through `blocked_prev`/`blocked_next`).
    pub blocked_head: *mut Coroutine,
    /// The coroutine each thread ("virtual core") is polling (null: none).
    pub current: [AtomicPtr<Coroutine>; MAX_CPUS],
    /// Coroutines each thread has polled (coroutine switches).
    pub switches: [AtomicU64; MAX_CPUS],
    /// The priority of the coroutine each thread is polling (`NO_PRIORITY`: none).
    pub running: [AtomicU32; MAX_CPUS],
    /// The task-controller back end, if the process chose it.
    pub device: DeviceQueues,
    /// Threads of the runtime's spare pool (stacks without a coroutine) waiting for a
    /// takeover token. The kernel hands out tokens only while this is non-zero.
    pub spares: AtomicU32,
    /// Takeover tokens (a futex word): the kernel adds one when the tick preempts a
    /// coroutine while the process has others ready at least as urgent, and wakes a spare,
    /// which takes the token and polls the executor in the preempted thread's place.
    pub tokens: AtomicU32,
    /// Bit c set by the kernel: virtual core c was preempted in a coroutine and a spare took
    /// over its work; core c gives its thread back to the pool when that poll ends.
    pub taken_over: AtomicU64,
    /// Takeovers the kernel made (tokens handed out).
    pub takeovers: AtomicU64,
}

impl Executor {
    /// An empty executor (what `init` makes of zeroed memory too).
    pub const fn new() -> Executor {
        Executor {
            magic: EXECUTOR_MAGIC,
            published: AtomicU64::new(crate::NO_PRIORITY as u64),
            timeouts: AtomicU64::new(0),
            live: AtomicU64::new(0),
            blocked: AtomicU64::new(0),
            doorbells: AtomicU64::new(0),
            epoch: AtomicU32::new(0),
            idle: AtomicU32::new(0),
            lock: AtomicU32::new(0),
            bitmap: 0,
            inbox_min: AtomicU32::new(crate::NO_PRIORITY),
            policy: [0; PRIORITIES],
            inbox: AtomicPtr::new(core::ptr::null_mut()),
            levels: [const {
                Fifo {
                    head: core::ptr::null_mut(),
                    tail: core::ptr::null_mut(),
                }
            }; PRIORITIES],
            blocked_head: core::ptr::null_mut(),
            current: [const { AtomicPtr::new(core::ptr::null_mut()) }; MAX_CPUS],
            switches: [const { AtomicU64::new(0) }; MAX_CPUS],
            running: [const { AtomicU32::new(crate::NO_PRIORITY) }; MAX_CPUS],
            device: DeviceQueues {
                enqueue: 0,
                dequeue: 0,
                best: 0,
                limit: 0,
                tasks: AtomicU32::new(0),
                overflow: AtomicU32::new(0),
                bindings: AtomicU32::new(0),
            },
            spares: AtomicU32::new(0),
            tokens: AtomicU32::new(0),
            taken_over: AtomicU64::new(0),
            takeovers: AtomicU64::new(0),
        }
    }

    /// Whether the ready queues are a task-controller set's.
    pub fn on_device(&self) -> bool {
        self.device.enqueue != 0
    }
}

impl Default for Executor {
    fn default() -> Executor {
        Executor::new()
    }
}

// An executor is shared by the threads of its address space; its lock and atomics order
// their accesses.
unsafe impl Sync for Executor {}
unsafe impl Send for Executor {}

/// Byte offsets of the fields the kernel reads from a process's executor page.
pub mod offsets {
    use super::Executor;
    /// `published`.
    pub const PUBLISHED: usize = core::mem::offset_of!(Executor, published);
    /// `doorbells`.
    pub const DOORBELLS: usize = core::mem::offset_of!(Executor, doorbells);
    /// `epoch`.
    pub const EPOCH: usize = core::mem::offset_of!(Executor, epoch);
    /// `timeouts`.
    pub const TIMEOUTS: usize = core::mem::offset_of!(Executor, timeouts);
    /// `current[0]`.
    pub const CURRENT: usize = core::mem::offset_of!(Executor, current);
    /// `switches[0]`.
    pub const SWITCHES: usize = core::mem::offset_of!(Executor, switches);
    /// `running[0]`.
    pub const RUNNING: usize = core::mem::offset_of!(Executor, running);
    /// `spares`.
    pub const SPARES: usize = core::mem::offset_of!(Executor, spares);
    /// `tokens`.
    pub const TOKENS: usize = core::mem::offset_of!(Executor, tokens);
    /// `taken_over`.
    pub const TAKEN_OVER: usize = core::mem::offset_of!(Executor, taken_over);
    /// `takeovers`.
    pub const TAKEOVERS: usize = core::mem::offset_of!(Executor, takeovers);
    /// `device.enqueue`: non-zero when the process runs on the task-controller back end.
    pub const DEVICE: usize = core::mem::offset_of!(Executor, device)
        + core::mem::offset_of!(super::DeviceQueues, enqueue);
}

const _: () = assert!(core::mem::size_of::<Executor>() <= 4096);
