//! Processes: each runs one bundled program in its own address space.
//!
//! [`spawn`] starts a program by name (the kernel bundles every program of `workloads/`)
//! with arguments; the child gets copies of the caller's file descriptors. A parent
//! collects a child's exit status with [`wait`]. A process ends when it calls [`exit`]
//! (returning from `main` does), when its last thread ends (status 0), or when the kernel
//! kills it for a fault (status [`abi::KILLED_BY_FAULT`] - `scause`).

use crate::syscall;
use abi::Errno;
use alloc::string::String;

/// A process id.
pub type Pid = usize;

/// Starts the program `name` with `args`; returns the child's pid.
///
/// The kernel receives the arguments as one space-separated string, so an argument must
/// not contain a space.
pub fn spawn(name: &str, args: &[&str]) -> Result<Pid, Errno> {
    let mut line = String::new();
    for (i, arg) in args.iter().enumerate() {
        if i > 0 {
            line.push(' ');
        }
        line.push_str(arg);
    }
    // An empty argument string still points into mapped memory (the name), as an empty
    // `String` points nowhere.
    let args = if line.is_empty() { &name[..0] } else { &line };
    syscall::spawn(name, args)
}

/// Waits for the child `pid` to end; returns its pid and exit status.
pub fn wait(pid: Pid) -> Result<(Pid, i32), Errno> {
    wait_for(pid as isize)
}

/// Waits for any child to end; returns its pid and exit status ([`Errno::NoChild`] if
/// there is none).
pub fn wait_any() -> Result<(Pid, i32), Errno> {
    wait_for(-1)
}

fn wait_for(pid: isize) -> Result<(Pid, i32), Errno> {
    let mut status = 0;
    let pid = syscall::wait(pid, Some(&mut status))?;
    Ok((pid, status))
}

/// Ends the process (all its threads) with `status`.
pub fn exit(status: i32) -> ! {
    syscall::exit(status)
}

/// The caller's process id.
pub fn getpid() -> Pid {
    syscall::getpid().unwrap_or(0) // cannot fail
}
