//! The shared coroutine scheduler of the hartlab guest (after COPS's shared scheduler and
//! tornado-os's shared payload).
//!
//! One scheduler, compiled once into a position-independent *payload*, runs in the kernel
//! and in every process. Each address space keeps its own [`Executor`] (ready queues, a
//! priority bitmap, the blocked set) in its own memory; the payload's code works on whichever
//! executor it is handed. The ready queues are the executor's own (the software back end) or
//! the process's task-controller queue set (the hardware back end, [`DeviceQueues`]), behind
//! the same operations. Callers reach the code through a versioned function table at the
//! payload's first byte ([`table`]), never by linking it, so another payload (another policy)
//! replaces it without rebuilding the kernel or the programs.
//!
//! | module | what |
//! | --- | --- |
//! | [`control_block`] | a coroutine's control block: id, kind, priority, state, the future's poll and drop functions |
//! | [`executor`] | one address space's scheduler state, laid out for the payload, the kernel and ulib alike |
//! | [`table`] | the payload's function table and how a caller finds and checks it |
//! | `client` | the caller's side: futures in control blocks, wakers, `yield_now` (feature `client`) |
//! | `queue` | intrusive FIFO lists (no allocation in the scheduler) |
//! | `device` | the task-controller back end's register accesses: ENQUEUE, DEQUEUE, BEST |
//! | `policy` | which priority level runs next: strict priority, or priority with aging |
//! | `run` | the operations behind the table: spawn, run one coroutine, wake, ... |
//! | `payload` | the macro that builds a payload's table around one policy |
//!
//! The scheduler itself never allocates and never calls the operating system: the caller
//! owns the memory of every control block and decides how an idle thread waits.

#![no_std]

#[cfg(feature = "client")]
extern crate alloc;

#[cfg(feature = "client")]
pub mod client;
pub mod control_block;
pub mod executor;
pub mod table;

#[cfg(feature = "payload")]
mod device;
#[cfg(feature = "payload")]
pub mod payload;
#[cfg(feature = "payload")]
pub mod policy;
#[cfg(feature = "payload")]
mod queue;
#[cfg(feature = "payload")]
pub mod run;

pub use control_block::{Coroutine, Kind, State};
pub use executor::{DeviceQueues, Executor};
pub use table::{Payload, PayloadError};

/// Priority levels: 0 is the most urgent, `PRIORITIES - 1` the least.
pub const PRIORITIES: usize = 8;
/// The priority an executor publishes when nothing is ready.
pub const NO_PRIORITY: u32 = PRIORITIES as u32;
/// Threads ("virtual cores") that may poll one executor at once.
pub const MAX_CPUS: usize = 64;
