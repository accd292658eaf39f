//! Blocking system calls inside a task: the call runs on a helper thread of the process while
//! only the calling task waits (User_Schedule's `co_enable_hook_sys`, which turns hooked
//! calls into switches; the guest kernel has no non-blocking calls to turn them into).
//!
//! A [`Request`] lives on the blocked task's stack, which stays put until the task runs
//! again. Helpers take requests from a channel, run them, and push them onto a lock-free
//! list of completed requests; the scheduler takes that list whenever it picks a task and
//! sleeps on [`COMPLETIONS`] (a futex word) when it has nothing else to run. Helpers are made
//! on demand, so calls that block for ever (a pipe nobody writes to) never hold up others.

use super::task::TaskId;
use crate::sync::Channel;
use crate::{syscall, thread};
use core::ptr;
use core::sync::atomic::{AtomicPtr, AtomicU32, AtomicUsize, Ordering};

/// A blocking call in flight.
pub struct Request {
    /// The call (a closure on the task's stack).
    pub job: *mut (dyn FnMut() + Send),
    /// The task waiting for it.
    pub task: TaskId,
    next: *mut Request,
}

impl Request {
    pub fn new(job: *mut (dyn FnMut() + Send), task: TaskId) -> Request {
        Request {
            job,
            task,
            next: ptr::null_mut(),
        }
    }
}

/// A request pointer handed to a helper.
struct Job(*mut Request);
// SAFETY: the request is only touched by one helper until it is completed.
unsafe impl Send for Job {}

static SUBMITTED: Channel<Job> = Channel::new();
/// Completed requests, a Treiber stack.
static COMPLETED: AtomicPtr<Request> = AtomicPtr::new(ptr::null_mut());
/// Bumped at every completion: the scheduler sleeps on it.
pub static COMPLETIONS: AtomicU32 = AtomicU32::new(0);
/// Helpers waiting for a request.
static IDLE: AtomicUsize = AtomicUsize::new(0);

/// Hands `request` to a helper, making one if none is idle.
///
/// # Safety
/// `request` must stay valid and untouched until [`take_completed`] returns it.
pub unsafe fn submit(request: *mut Request) {
    let idle = IDLE.load(Ordering::Acquire);
    if idle == 0
        || IDLE
            .compare_exchange(idle, idle - 1, Ordering::AcqRel, Ordering::Acquire)
            .is_err()
    {
        thread::spawn(helper);
    }
    SUBMITTED.send(Job(request));
}

/// A helper thread: runs requests for ever (the process's end ends it).
fn helper() {
    loop {
        let Job(request) = SUBMITTED.recv();
        // SAFETY: `submit`'s caller keeps the request valid until completion.
        unsafe { (*(*request).job)() };
        let mut head = COMPLETED.load(Ordering::Acquire);
        loop {
            // SAFETY: as above; after the push below the request is no longer ours.
            unsafe { (*request).next = head };
            match COMPLETED.compare_exchange(head, request, Ordering::AcqRel, Ordering::Acquire) {
                Ok(_) => break,
                Err(now) => head = now,
            }
        }
        COMPLETIONS.fetch_add(1, Ordering::AcqRel);
        let _ = syscall::futex_wake(&COMPLETIONS, 1);
        IDLE.fetch_add(1, Ordering::AcqRel);
    }
}

/// Calls `wake(task)` for each completed request.
pub fn take_completed(mut wake: impl FnMut(TaskId)) {
    if COMPLETED.load(Ordering::Acquire).is_null() {
        return;
    }
    let mut request = COMPLETED.swap(ptr::null_mut(), Ordering::AcqRel);
    while !request.is_null() {
        // SAFETY: completed requests belong to the scheduler until their tasks run.
        let (next, task) = unsafe { ((*request).next, (*request).task) };
        wake(task);
        request = next;
    }
}

/// Whether completed requests wait to be taken.
pub fn any_completed() -> bool {
    !COMPLETED.load(Ordering::Acquire).is_null()
}
