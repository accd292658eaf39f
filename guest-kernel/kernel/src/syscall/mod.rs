//! System calls: the table from call numbers (`abi::nr`) to handlers.
//!
//! A handler gets the six argument registers and returns a value or an [`Errno`]; this
//! module turns that into `a0`. User pointers are never dereferenced: handlers copy through
//! the process's page table (`mm::UserSpace::read`/`write`), so a bad pointer is
//! [`Errno::Fault`]. The handlers live with the concept they serve:
//!
//! | module | calls |
//! | --- | --- |
//! | `io` | write, read, close, pipe, dup_from_child |
//! | `process` | exit, getpid, spawn, wait, upcall_handler, upcall_send, upcall_wait (upcall_return is the trap handler's) |
//! | `thread` | yield, thread_create, thread_exit, thread_join, gettid, set_priority, current_hart, futex_wait, futex_wake |
//! | `time` | sleep, clock |
//! | `memory` | map_memory, map_shared, map_device, memory_held |
//! | `info` | hart_stats, hart_count |
//! | `uintr` | uintr_register_handler, uintr_create_fd, uintr_register_sender, uintr_wait |
//! | `taskctl` | taskctl_open, taskctl_channel, taskctl_connect |
//! | `coroutine` | coroutine_setup, coroutine_notify, coroutine_async |
//! | `net` | socket, listen, accept, connect, bind, send_to, recv_from (and read/write on sockets) |
//! | `poll` | poll_readable |

mod coroutine;
mod info;
mod io;
mod memory;
pub(crate) mod net;
mod poll;
mod process;
mod taskctl;
mod thread;
mod time;
mod uintr;

use abi::{nr, Errno};

/// Arguments `a0..a5`.
pub type Args = [usize; 6];

/// A system-call handler.
type Handler = fn(&Args) -> Result<usize, Errno>;

/// Runs system call `number` with `args`; returns what goes in `a0`.
pub fn dispatch(number: usize, args: Args) -> isize {
    let handler: Handler = match number {
        nr::WRITE => io::write,
        nr::READ => io::read,
        nr::CLOSE => io::close,
        nr::PIPE => io::pipe,
        nr::DUP_FROM_CHILD => io::dup_from_child,
        nr::EXIT => process::exit,
        nr::GETPID => process::getpid,
        nr::SPAWN => process::spawn,
        nr::WAIT => process::wait,
        nr::YIELD => thread::yield_now,
        nr::SLEEP => time::sleep,
        nr::CLOCK => time::clock,
        nr::CURRENT_HART => thread::current_hart,
        nr::SET_PRIORITY => thread::set_priority,
        nr::THREAD_CREATE => thread::create,
        nr::THREAD_EXIT => thread::exit,
        nr::THREAD_JOIN => thread::join,
        nr::GETTID => thread::gettid,
        nr::FUTEX_WAIT => thread::futex_wait,
        nr::FUTEX_WAKE => thread::futex_wake,
        nr::MAP_MEMORY => memory::map_memory,
        nr::MAP_DEVICE => memory::map_device,
        nr::MAP_SHARED => memory::map_shared,
        nr::MEMORY_HELD => memory::memory_held,
        nr::UPCALL_HANDLER => process::upcall_handler,
        nr::UPCALL_SEND => process::upcall_send,
        nr::UPCALL_WAIT => process::upcall_wait,
        nr::HART_STATS => info::hart_stats,
        nr::HART_COUNT => info::hart_count,
        nr::POLL_READABLE => poll::poll_readable,
        nr::UINTR_REGISTER_HANDLER => uintr::register_handler,
        nr::UINTR_CREATE_FD => uintr::create_fd,
        nr::UINTR_REGISTER_SENDER => uintr::register_sender,
        nr::UINTR_WAIT => uintr::wait,
        nr::TASKCTL_OPEN => taskctl::open,
        nr::TASKCTL_CHANNEL => taskctl::channel,
        nr::TASKCTL_CONNECT => taskctl::connect,
        nr::COROUTINE_SETUP => coroutine::setup,
        nr::COROUTINE_NOTIFY => coroutine::notify,
        nr::COROUTINE_ASYNC => coroutine::setup_async,
        nr::SOCKET => net::socket,
        nr::LISTEN => net::listen,
        nr::ACCEPT => net::accept,
        nr::CONNECT => net::connect,
        nr::BIND => net::bind,
        nr::SEND_TO => net::send_to,
        nr::RECV_FROM => net::recv_from,
        _ => return Errno::NoSys.to_ret(),
    };
    match handler(&args) {
        Ok(value) => value as isize,
        Err(errno) => errno.to_ret(),
    }
}

/// Copies a user string of `len` bytes at `addr` (at most `max`), which must be UTF-8.
fn user_string(addr: usize, len: usize, max: usize) -> Result<alloc::string::String, Errno> {
    if len > max {
        return Err(Errno::Invalid);
    }
    let mut bytes = alloc::vec![0; len];
    crate::task::current_process()
        .space
        .lock()
        .read(addr, &mut bytes)?;
    alloc::string::String::from_utf8(bytes).map_err(|_| Errno::Invalid)
}
