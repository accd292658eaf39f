//! A coroutine's control block (COPS's CCB): {id, kind, priority, future, waker}.
//!
//! The block is the first part of the caller's allocation; the future follows it, and the
//! caller's `poll`, `drop_future` and `release` functions know where. A coroutine's id is the
//! address of its block (the task-controller pattern: the id a queue holds is a pointer to
//! the control block, so fetching an id needs no lookup). Blocks are 64-byte aligned so the
//! low six bits of an id are free: the task controller keeps the priority and the preempt
//! flag there.
//!
//! Its waker is the id too: waking means handing the id to the executor's `wake`. There is no
//! state field beyond [`State`]: which queue or set a coroutine is in follows from it.

use crate::executor::Executor;
use core::sync::atomic::{AtomicPtr, AtomicU32};

/// Who a coroutine belongs to (COPS's `CoroutineKind`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum Kind {
    /// The kernel's scheduling coroutine on a hart.
    KernelScheduling = 0,
    /// A kernel coroutine serving a system call.
    KernelSyscall = 1,
    /// A coroutine of a user process.
    User = 2,
}

impl Kind {
    /// The kind for a raw value, if it names one.
    pub fn from_raw(raw: u32) -> Option<Kind> {
        match raw {
            0 => Some(Kind::KernelScheduling),
            1 => Some(Kind::KernelSyscall),
            2 => Some(Kind::User),
            _ => None,
        }
    }
}

/// Where a coroutine is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum State {
    /// Waiting to be polled: in the wake-up inbox or a ready queue.
    Queued = 1,
    /// Being polled by some thread.
    Running = 2,
    /// Woken while being polled: it is queued again as soon as the poll returns.
    Notified = 3,
    /// Its last poll returned `Pending`; in the blocked set until woken.
    Blocked = 4,
    /// Its future has completed.
    Done = 5,
}

/// Polls the future behind a control block: returns 1 when it has completed, 0 when pending.
pub type PollFn = unsafe extern "C" fn(*mut Coroutine) -> u32;
/// Drops the future behind a control block (after it completed).
pub type DropFn = unsafe extern "C" fn(*mut Coroutine);

/// A coroutine's control block (`repr(C)`: the payload, the kernel and ulib share it).
#[repr(C, align(64))]
pub struct Coroutine {
    /// A [`State`].
    pub state: AtomicU32,
    /// Its priority, 0 the most urgent; takes effect when it is next queued.
    pub priority: AtomicU32,
    /// A [`Kind`].
    pub kind: u32,
    /// References: the executor's (until the future completes) and one per waker.
    pub refs: AtomicU32,
    /// The executor it was spawned into (where its waker queues it).
    pub executor: *mut Executor,
    /// Next in its ready queue (touched under the executor's lock).
    pub next: *mut Coroutine,
    /// Next in the executor's wake-up inbox (pushed without a lock).
    pub wake_next: AtomicPtr<Coroutine>,
    /// Neighbours in the blocked set (under the executor's lock).
    pub blocked_prev: *mut Coroutine,
    /// See `blocked_prev`.
    pub blocked_next: *mut Coroutine,
    /// Polls the future (the caller's code).
    pub poll: PollFn,
    /// Drops the completed future (the caller's code).
    pub drop_future: DropFn,
    /// Frees the block when the last reference goes (the caller's code).
    pub release: DropFn,
}

impl Coroutine {
    /// A block for a future the caller's functions poll, drop and free. The executor sets
    /// the rest when the coroutine is spawned.
    pub const fn new(poll: PollFn, drop_future: DropFn, release: DropFn) -> Coroutine {
        Coroutine {
            state: AtomicU32::new(State::Queued as u32),
            priority: AtomicU32::new(0),
            kind: Kind::User as u32,
            refs: AtomicU32::new(1),
            executor: core::ptr::null_mut(),
            next: core::ptr::null_mut(),
            wake_next: AtomicPtr::new(core::ptr::null_mut()),
            blocked_prev: core::ptr::null_mut(),
            blocked_next: core::ptr::null_mut(),
            poll,
            drop_future,
            release,
        }
    }
}
