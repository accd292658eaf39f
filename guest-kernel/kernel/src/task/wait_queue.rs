//! Threads waiting for something: a pipe's data, a futex, a child's exit, a thread's end.
//!
//! A wait queue lives inside the data it guards, under the same lock. To wait, a thread calls
//! [`scheduler::prepare_to_block`], adds itself with [`WaitQueue::push`] and calls
//! [`scheduler::block`] with the lock's guard, which releases the lock only after the thread
//! is marked blocked, so a wake-up between the check and the sleep cannot be lost.

use super::scheduler::{self, WakeReason};
use super::thread::Thread;
use alloc::collections::VecDeque;
use alloc::sync::Arc;

/// Threads waiting, first come first served.
#[derive(Default)]
pub struct WaitQueue {
    waiters: VecDeque<Arc<Thread>>,
}

impl WaitQueue {
    /// An empty queue.
    pub const fn new() -> WaitQueue {
        WaitQueue {
            waiters: VecDeque::new(),
        }
    }

    /// Adds `thread` (about to block) to the queue.
    pub fn push(&mut self, thread: Arc<Thread>) {
        self.waiters.push_back(thread);
    }

    /// Wakes the first waiter that is still blocked; returns whether there was one.
    pub fn wake_one(&mut self) -> bool {
        while let Some(thread) = self.waiters.pop_front() {
            if scheduler::wake(&thread, WakeReason::Woken, None) {
                return true;
            }
        }
        false
    }

    /// Wakes every waiter.
    pub fn wake_all(&mut self) {
        while self.wake_one() {}
    }

    /// Whether nobody waits.
    pub fn is_empty(&self) -> bool {
        self.waiters.is_empty()
    }

    /// Removes `thread` (which stopped waiting for another reason, such as a timeout).
    pub fn remove(&mut self, thread: &Thread) {
        self.waiters.retain(|t| t.tid != thread.tid);
    }
}
