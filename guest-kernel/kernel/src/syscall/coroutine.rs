//! Coroutine calls: become a coroutine process, ring another process's doorbell, make
//! asynchronous calls.

use super::Args;
use crate::coroutine::{async_io, space};
use crate::task::{current_process, scheduler};
use abi::Errno;

/// `coroutine_setup(payload, cpu)`.
pub fn setup(args: &Args) -> Result<usize, Errno> {
    let [payload, cpu, ..] = *args;
    scheduler::with_current(|thread| space::setup(thread, payload, cpu))
}

/// `coroutine_notify(pid, doorbell)`.
pub fn notify(args: &Args) -> Result<usize, Errno> {
    let [pid, doorbell, ..] = *args;
    space::notify(&current_process(), pid, doorbell).map(|()| 0)
}

/// `coroutine_async(path, arg)`.
pub fn setup_async(args: &Args) -> Result<usize, Errno> {
    let [path, arg, ..] = *args;
    async_io::setup(&scheduler::current(), path, arg)
}
