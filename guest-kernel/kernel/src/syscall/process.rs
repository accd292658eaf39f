//! Process calls: exit, getpid, spawn, wait.

use super::{user_string, Args};
use crate::task::{current_process, scheduler, upcall, Process};
use abi::Errno;

/// Longest program name.
const MAX_NAME: usize = 64;
/// Longest argument string.
const MAX_ARGS: usize = 1024;

/// `exit(status)`: ends the whole process; the thread stops on its way out of the kernel.
pub fn exit(args: &Args) -> Result<usize, Errno> {
    current_process().exit(args[0] as i32);
    Ok(0)
}

/// `getpid()`.
pub fn getpid(_: &Args) -> Result<usize, Errno> {
    Ok(scheduler::with_current(|thread| thread.process.pid))
}

/// `spawn(name, name_len, args, args_len)`.
pub fn spawn(args: &Args) -> Result<usize, Errno> {
    let [name, name_len, argv, argv_len, ..] = *args;
    let name = user_string(name, name_len, MAX_NAME)?;
    let argv = user_string(argv, argv_len, MAX_ARGS)?;
    let parent = current_process();
    Process::spawn(&name, &argv, Some(&parent)).map(|child| child.pid)
}

/// `wait(pid, status)`.
pub fn wait(args: &Args) -> Result<usize, Errno> {
    let [pid, status_addr, ..] = *args;
    let process = current_process();
    if status_addr != 0 {
        process.space.lock().write(status_addr, &[0; 4])?;
    }
    let (child, status) = process.wait(pid as isize)?;
    if status_addr != 0 {
        process
            .space
            .lock()
            .write(status_addr, &status.to_le_bytes())?;
    }
    Ok(child)
}

/// `upcall_handler(entry)`.
pub fn upcall_handler(args: &Args) -> Result<usize, Errno> {
    current_process().set_upcall_handler(args[0]);
    Ok(0)
}

/// `upcall_send(pid, value)`.
pub fn upcall_send(args: &Args) -> Result<usize, Errno> {
    upcall::send(args[0], args[1]).map(|()| 0)
}

/// `upcall_wait()`.
pub fn upcall_wait(_: &Args) -> Result<usize, Errno> {
    upcall::wait();
    Ok(0)
}
