//! Tasks: processes, their threads, and the scheduler that runs threads on the harts.
//!
//! - `process`: address space, files, children, exit and wait;
//! - `thread`: a kernel stack with user registers on top, scheduling state;
//! - `scheduler`: the scheduler's mechanism (switching, blocking, sleeping, wake-ups by IPI,
//!   preemption) and, behind its `policy` seam, the policies (per-hart priority run queues
//!   with stealing, the default; one global round-robin queue);
//! - `context`: the switch between kernel stacks;
//! - `upcall`: signal-style calls from the kernel into a process's handler;
//! - `uintr`: user interrupts (N extension, UINTC): receivers, sender tables, waking blocked
//!   receivers;
//! - `wait_queue`: threads waiting for an event.

mod context;
pub mod process;
pub mod scheduler;
pub mod thread;
pub mod uintr;
pub mod upcall;
pub mod wait_queue;

use crate::stats::{self, Counter};
use alloc::sync::Arc;
pub use process::Process;

/// Allocates the per-hart state of the scheduler (which schedules by `policy`) and of user
/// interrupts for the harts of the device tree. Called once, on the boot hart, before any hart
/// runs a thread.
pub fn init(policy: scheduler::policy::Choice) {
    scheduler::init(policy);
    uintr::init();
}

/// The process of the running thread.
pub fn current_process() -> Arc<Process> {
    scheduler::current().process.clone()
}

/// Kills the running thread's process for a fault the thread took in user mode (`scause`
/// `cause` at `pc`, `stval` `value`): it ends with status `abi::KILLED_BY_FAULT - cause`.
pub fn kill_current_process_for_fault(cause: usize, pc: usize, value: usize) {
    let process = current_process();
    stats::bump(Counter::FaultsKilled);
    crate::println!(
        "process {} ({}) killed: {} at pc {pc:#x}, address {value:#x}",
        process.pid,
        process.name,
        fault_name(cause)
    );
    process.exit(abi::KILLED_BY_FAULT - cause as i32);
}

/// The privileged spec's name of exception `cause`.
fn fault_name(cause: usize) -> &'static str {
    match cause {
        0 => "instruction address misaligned",
        1 => "instruction access fault",
        2 => "illegal instruction",
        3 => "breakpoint",
        4 => "load address misaligned",
        5 => "load access fault",
        6 => "store address misaligned",
        7 => "store access fault",
        12 => "instruction page fault",
        13 => "load page fault",
        15 => "store page fault",
        _ => "exception",
    }
}
