//! Thread calls: create, exit, join, yield, priorities, futexes.

use super::Args;
use crate::futex;
use crate::task::{current_process, scheduler};
use abi::Errno;

/// `thread_create(entry, arg)`: the new thread inherits the caller's priority.
pub fn create(args: &Args) -> Result<usize, Errno> {
    let [entry, arg, ..] = *args;
    let priority = scheduler::current().sched.lock().priority;
    current_process().create_thread(entry, arg, priority)
}

/// `thread_exit(value)`: never returns.
pub fn exit(args: &Args) -> Result<usize, Errno> {
    let thread = scheduler::current();
    let process = thread.process.clone();
    process.thread_exited(&thread, args[0]);
    drop((thread, process));
    scheduler::exit_current()
}

/// `thread_join(tid)`.
pub fn join(args: &Args) -> Result<usize, Errno> {
    current_process().join(args[0])
}

/// `gettid()`.
pub fn gettid(_: &Args) -> Result<usize, Errno> {
    Ok(scheduler::with_current(|thread| thread.tid))
}

/// `yield()`. A virtual core of a coroutine process is queued at the priority of its
/// process's most urgent coroutine, and the table of published priorities is refreshed.
pub fn yield_now(_: &Args) -> Result<usize, Errno> {
    scheduler::with_current(|thread| {
        if let Some(priority) = crate::coroutine::space::priority_of(thread) {
            thread.sched.lock().priority = priority;
            crate::coroutine::space::refresh_table();
        }
    });
    scheduler::yield_now();
    Ok(0)
}

/// `current_hart()`.
pub fn current_hart(_: &Args) -> Result<usize, Errno> {
    Ok(crate::hart_id())
}

/// `set_priority(tid, priority)`: a thread of the caller's process (0: the caller).
pub fn set_priority(args: &Args) -> Result<usize, Errno> {
    let [tid, priority, ..] = *args;
    if priority >= abi::PRIORITIES {
        return Err(Errno::Invalid);
    }
    let thread = if tid == 0 {
        scheduler::current()
    } else {
        current_process().thread(tid).ok_or(Errno::NoProcess)?
    };
    scheduler::set_priority(&thread, priority);
    Ok(0)
}

/// `futex_wait(addr, expected, timeout_ns)`.
pub fn futex_wait(args: &Args) -> Result<usize, Errno> {
    let [addr, expected, timeout_ns, ..] = *args;
    futex::wait(&current_process(), addr, expected as u32, timeout_ns as u64).map(|()| 0)
}

/// `futex_wake(addr, count)`.
pub fn futex_wake(args: &Args) -> Result<usize, Errno> {
    let [addr, count, ..] = *args;
    futex::wake(&current_process(), addr, count)
}
