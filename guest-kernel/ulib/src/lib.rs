//! ulib: the user library of hartlab guest programs.
//!
//! A program is an ordinary `#![no_std]` binary that names its `main` with [`main!`]:
//!
//! ```ignore
//! #![no_std]
//! #![no_main]
//!
//! ulib::main!(main);
//!
//! fn main(args: &[&str]) -> i32 {
//!     ulib::println!("hello from {}", args[0]);
//!     0
//! }
//! ```
//!
//! ulib supplies everything around it, one module per operating-system idea:
//!
//! | module | what |
//! | --- | --- |
//! | [`start`] | `_start`: arguments from the kernel, `main`, `exit` |
//! | [`args`] | `key=value` arguments |
//! | [`syscall`] | `ecall` and one typed wrapper per system call of [`abi::nr`] |
//! | [`io`] | `print!`/`println!`/`eprintln!`, file descriptors, pipes |
//! | [`process`] | spawn, wait, exit, process ids |
//! | [`thread`] | threads with closures and join handles, yield, priorities |
//! | [`sync`] | a mutex that sleeps in the kernel (futex) instead of spinning |
//! | [`time`] | the kernel clock, sleep, the `cycle` and `instret` counters |
//! | [`stats`] | the kernel's per-hart counters |
//! | [`memory`] | fresh memory and device registers mapped into the process |
//! | [`sim`] | hartlab's simulator-control device (absent on QEMU) |
//! | [`uintr`] | user interrupts: handlers in user mode, `uipi.send` between processes |
//! | [`coroutine`] | async coroutines with priorities on the shared scheduler payload: `block_on`, `spawn`, `yield_now`, `sleep`, `alloc_cpu` |
//! | [`uthread`] | preemptible user threads: a million stackful tasks in one thread, preempted by the user timer, a UIPI or an upcall, with pluggable policies |
//! | [`taskctl`] | hartlab's task controller: hardware ready queues, IPC wake-ups (absent on QEMU) |
//! | `heap` | the global allocator (`alloc::vec::Vec`, `Box`, ... work) |
//! | `panic` | the panic handler: message to stderr, exit status 101 |
//!
//! Errors are [`abi::Errno`] values in `Result`s; nothing here hides a failed system call.

#![no_std]

extern crate alloc;

pub mod args;
pub mod coroutine;
pub mod heap;
pub mod io;
pub mod memory;
pub mod net;
mod panic;
pub mod process;
pub mod sim;
pub mod start;
pub mod stats;
pub mod sync;
pub mod syscall;
pub mod taskctl;
pub mod thread;
pub mod time;
pub mod uintr;
pub mod upcall;
pub mod uthread;

pub use abi::{self, Errno};
pub use start::program_name;

/// Names the program's main function: `ulib::main!(main);` with
/// `fn main(args: &[&str]) -> i32`.
///
/// `args[0]` is the program's name, the rest are its arguments; the returned value is the
/// process's exit status. (The macro defines the symbol `_start` calls.)
#[macro_export]
macro_rules! main {
    ($main:path) => {
        #[unsafe(no_mangle)]
        fn __ulib_main(args: &[&str]) -> i32 {
            let main: fn(&[&str]) -> i32 = $main;
            main(args)
        }
    };
}
