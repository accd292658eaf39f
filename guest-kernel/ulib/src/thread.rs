//! Threads: several flows of control sharing one process's memory.
//!
//! [`spawn`] runs a closure on a new thread and returns a [`JoinHandle`]; [`JoinHandle::join`]
//! waits for it and returns the closure's result, as in Rust's standard library.
//!
//! Under the hood: the closure is boxed and the box's address becomes the argument of
//! `thread_create`. The new thread starts in `thread_entry` on its own stack, unboxes and
//! runs the closure, boxes its result and hands that box's address to `thread_exit`;
//! `thread_join` gives the address back to the joining thread, which unboxes the result.
//!
//! A thread that panics ends the whole process (status 101). A result that is never
//! joined is never freed.
//!
//! Scheduling: each thread has a priority, 0 the highest ([`abi::PRIORITIES`]); a hart
//! always runs its highest-priority runnable thread, and threads of equal priority take
//! turns, preempted by the timer tick.

use crate::syscall;
use abi::Errno;
use alloc::boxed::Box;
use core::marker::PhantomData;

/// A thread id (unique in the system; a process's first thread has tid = pid).
pub type Tid = usize;

/// The boxed closure a new thread runs; returns the address of its boxed result.
type Start = Box<dyn FnOnce() -> usize + Send>;

/// A running thread whose result can be collected with [`JoinHandle::join`].
pub struct JoinHandle<T> {
    tid: Tid,
    result: PhantomData<T>,
}

impl<T> JoinHandle<T> {
    /// The thread's id.
    pub fn tid(&self) -> Tid {
        self.tid
    }

    /// Waits for the thread to end and returns its closure's result.
    pub fn join(self) -> Result<T, Errno> {
        let result = syscall::thread_join(self.tid)?;
        // SAFETY: the thread passed `Box::<T>::into_raw` to `thread_exit` (`thread_entry`).
        Ok(*unsafe { Box::from_raw(result as *mut T) })
    }
}

/// Runs `f` on a new thread.
///
/// # Panics
/// If the kernel cannot make the thread; [`try_spawn`] returns the error instead.
pub fn spawn<F, T>(f: F) -> JoinHandle<T>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    match try_spawn(f) {
        Ok(handle) => handle,
        Err(e) => panic!("thread_create failed: {e:?}"),
    }
}

/// Runs `f` on a new thread, or says why the kernel could not make one.
pub fn try_spawn<F, T>(f: F) -> Result<JoinHandle<T>, Errno>
where
    F: FnOnce() -> T + Send + 'static,
    T: Send + 'static,
{
    let start: Start = Box::new(move || Box::into_raw(Box::new(f())) as usize);
    let arg = Box::into_raw(Box::new(start));
    match syscall::thread_create(thread_entry, arg as usize) {
        Ok(tid) => Ok(JoinHandle {
            tid,
            result: PhantomData,
        }),
        Err(e) => {
            // SAFETY: no thread was made, so the box is still only ours.
            drop(unsafe { Box::from_raw(arg) });
            Err(e)
        }
    }
}

/// Where every thread made by [`try_spawn`] starts (`a0` = its boxed [`Start`]).
extern "C" fn thread_entry(arg: usize) -> ! {
    // SAFETY: `try_spawn` passed a `Box<Start>` made with `Box::into_raw`, used only here.
    let start = unsafe { Box::from_raw(arg as *mut Start) };
    let result = start();
    syscall::thread_exit(result)
}

/// Ends the calling thread with `value` as the result `thread_join` sees. Meant for
/// threads made with [`syscall::thread_create`] directly; a thread made by [`spawn`] just
/// returns from its closure.
pub fn exit(value: usize) -> ! {
    syscall::thread_exit(value)
}

/// Lets another runnable thread of equal or higher priority run on this hart.
pub fn yield_now() {
    let _ = syscall::yield_now(); // cannot fail
}

/// The calling thread's id.
pub fn gettid() -> Tid {
    syscall::gettid().unwrap_or(0) // cannot fail
}

/// Sets the priority of thread `tid` (0: the caller) to `priority` (0 highest, up to
/// [`abi::PRIORITIES`] - 1; threads start at [`abi::DEFAULT_PRIORITY`]).
pub fn set_priority(tid: Tid, priority: usize) -> Result<(), Errno> {
    syscall::set_priority(tid, priority)
}

/// The hart the caller runs on (it may move to another one at any time).
pub fn current_hart() -> usize {
    syscall::current_hart().unwrap_or(0) // cannot fail
}
