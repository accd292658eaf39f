//! System calls: the `ecall` instruction and one typed wrapper per call of [`abi::nr`].
//!
//! The convention ([`abi`]): the call number goes in `a7`, up to six arguments in `a0..a5`,
//! and the result comes back in `a0`, where `-4095..=-1` is an error ([`Errno`]). The
//! wrappers turn pointers and lengths into Rust references and slices and the result into
//! a `Result`; the other modules ([`crate::io`], [`crate::thread`], ...) build on them.
//! [`syscall`] is the raw form, for calls with arguments no safe wrapper can express (the
//! self tests pass bad pointers on purpose).

use abi::{nr, Errno, HartStats};
use core::arch::asm;
use core::sync::atomic::AtomicU32;

/// Makes system call `nr` with arguments `a0..a5` and returns `a0` as the kernel left it.
///
/// # Safety
/// The kernel may read or write memory the arguments point at, and some calls (`exit`,
/// `thread_exit`) do not come back; the caller answers for both.
#[inline(always)]
pub unsafe fn syscall(nr: usize, args: [usize; 6]) -> isize {
    let ret: isize;
    // SAFETY: the kernel preserves every register but a0 (abi's calling convention).
    unsafe {
        asm!(
            "ecall",
            inlateout("a0") args[0] => ret,
            in("a1") args[1],
            in("a2") args[2],
            in("a3") args[3],
            in("a4") args[4],
            in("a5") args[5],
            in("a7") nr,
            options(nostack),
        );
    }
    ret
}

/// [`syscall`] with up to six arguments (missing ones are 0), the result checked.
///
/// # Safety
/// As for [`syscall`].
#[inline(always)]
pub unsafe fn call(nr: usize, args: &[usize]) -> Result<usize, Errno> {
    let mut regs = [0; 6];
    regs[..args.len()].copy_from_slice(args);
    Errno::check(unsafe { syscall(nr, regs) })
}

/// Writes `buf` to file descriptor `fd`; returns the bytes written.
pub fn write(fd: usize, buf: &[u8]) -> Result<usize, Errno> {
    unsafe { call(nr::WRITE, &[fd, buf.as_ptr() as usize, buf.len()]) }
}

/// Reads into `buf` from `fd`; returns the bytes read (0: end of file, or no console input).
pub fn read(fd: usize, buf: &mut [u8]) -> Result<usize, Errno> {
    unsafe { call(nr::READ, &[fd, buf.as_mut_ptr() as usize, buf.len()]) }
}

/// [`read`], done by a kernel system-call coroutine while this thread blocks until the
/// coroutine wakes it (`abi::BLOCKING_KEY`, COPS's KCUT).
pub fn read_by_kernel_coroutine(fd: usize, buf: &mut [u8]) -> Result<usize, Errno> {
    let (ptr, len) = (buf.as_mut_ptr() as usize, buf.len());
    unsafe { call(nr::READ, &[fd, ptr, len, abi::BLOCKING_KEY]) }
}

/// [`write`], done by a kernel system-call coroutine while this thread blocks (as
/// [`read_by_kernel_coroutine`]).
pub fn write_by_kernel_coroutine(fd: usize, buf: &[u8]) -> Result<usize, Errno> {
    let (ptr, len) = (buf.as_ptr() as usize, buf.len());
    unsafe { call(nr::WRITE, &[fd, ptr, len, abi::BLOCKING_KEY]) }
}

/// Opens in this process the file its child `pid` has open as `fd`; returns the new fd.
pub fn dup_from_child(pid: usize, fd: usize) -> Result<usize, Errno> {
    unsafe { call(nr::DUP_FROM_CHILD, &[pid, fd]) }
}

/// Closes `fd`.
pub fn close(fd: usize) -> Result<(), Errno> {
    unsafe { call(nr::CLOSE, &[fd]) }.map(drop)
}

/// Makes a pipe: `[read end, write end]`.
pub fn pipe() -> Result<[u32; 2], Errno> {
    let mut fds = [0u32; 2];
    unsafe { call(nr::PIPE, &[fds.as_mut_ptr() as usize]) }?;
    Ok(fds)
}

/// Ends the process with `status`.
pub fn exit(status: i32) -> ! {
    unsafe { syscall(nr::EXIT, [status as isize as usize, 0, 0, 0, 0, 0]) };
    unreachable_after_exit()
}

/// The caller's process id.
pub fn getpid() -> Result<usize, Errno> {
    unsafe { call(nr::GETPID, &[]) }
}

/// Starts the bundled program `name` with `args` (space-separated); returns its pid.
pub fn spawn(name: &str, args: &str) -> Result<usize, Errno> {
    unsafe {
        call(
            nr::SPAWN,
            &[
                name.as_ptr() as usize,
                name.len(),
                args.as_ptr() as usize,
                args.len(),
            ],
        )
    }
}

/// Waits for child `pid` (-1: any child) to end; returns its pid and fills `status`.
pub fn wait(pid: isize, status: Option<&mut i32>) -> Result<usize, Errno> {
    let status = status.map_or(0, |s| s as *mut i32 as usize);
    unsafe { call(nr::WAIT, &[pid as usize, status]) }
}

/// Gives the hart to another runnable thread (`yield` is a Rust keyword).
pub fn yield_now() -> Result<(), Errno> {
    unsafe { call(nr::YIELD, &[]) }.map(drop)
}

/// [`yield_now`] for a virtual core between coroutines, on the kernel's fast path
/// ([`nr::COROUTINE_YIELD`]): every integer register but `sp`, `gp`, `tp`, `s0` and `s1` is
/// declared clobbered, because the kernel returns them zeroed.
pub fn coroutine_yield() {
    // SAFETY: an `ecall` the kernel returns from with the registers not listed as clobbered
    // here (and `s0`, `s1`, which the asm cannot name) intact.
    unsafe {
        core::arch::asm!(
            "ecall",
            in("a7") nr::COROUTINE_YIELD,
            out("s2") _, out("s3") _, out("s4") _, out("s5") _, out("s6") _, out("s7") _,
            out("s8") _, out("s9") _, out("s10") _, out("s11") _,
            clobber_abi("C"),
        )
    };
}

/// Sleeps for at least `ns` nanoseconds.
pub fn sleep(ns: u64) -> Result<(), Errno> {
    unsafe { call(nr::SLEEP, &[ns as usize]) }.map(drop)
}

/// Nanoseconds of machine time since boot.
pub fn clock() -> Result<u64, Errno> {
    unsafe { call(nr::CLOCK, &[]) }.map(|ns| ns as u64)
}

/// The hart the caller runs on.
pub fn current_hart() -> Result<usize, Errno> {
    unsafe { call(nr::CURRENT_HART, &[]) }
}

/// Sets thread `tid`'s priority (`tid` 0: the caller); see [`abi::PRIORITIES`].
pub fn set_priority(tid: usize, priority: usize) -> Result<(), Errno> {
    unsafe { call(nr::SET_PRIORITY, &[tid, priority]) }.map(drop)
}

/// Starts a thread of this process at `entry` with `a0` = `arg`; returns its tid.
pub fn thread_create(entry: extern "C" fn(usize) -> !, arg: usize) -> Result<usize, Errno> {
    unsafe { call(nr::THREAD_CREATE, &[entry as usize, arg]) }
}

/// Ends the calling thread; [`thread_join`] returns `value`.
pub fn thread_exit(value: usize) -> ! {
    unsafe { syscall(nr::THREAD_EXIT, [value, 0, 0, 0, 0, 0]) };
    unreachable_after_exit()
}

/// Waits for thread `tid` to end; returns the value it passed to [`thread_exit`].
pub fn thread_join(tid: usize) -> Result<usize, Errno> {
    unsafe { call(nr::THREAD_JOIN, &[tid]) }
}

/// The caller's thread id.
pub fn gettid() -> Result<usize, Errno> {
    unsafe { call(nr::GETTID, &[]) }
}

/// Sleeps while `*word == expected`, until woken or `timeout_ns` passes (0: no timeout).
pub fn futex_wait(word: &AtomicU32, expected: u32, timeout_ns: u64) -> Result<(), Errno> {
    let addr = word.as_ptr() as usize;
    unsafe {
        call(
            nr::FUTEX_WAIT,
            &[addr, expected as usize, timeout_ns as usize],
        )
    }
    .map(drop)
}

/// Wakes up to `count` threads sleeping on `word`; returns how many woke.
pub fn futex_wake(word: &AtomicU32, count: usize) -> Result<usize, Errno> {
    unsafe { call(nr::FUTEX_WAKE, &[word.as_ptr() as usize, count]) }
}

/// Maps `len` bytes (rounded up to pages) of zeroed read-write memory; returns the address.
pub fn map_memory(len: usize) -> Result<usize, Errno> {
    unsafe { call(nr::MAP_MEMORY, &[len]) }
}

/// Maps the registers of `device` ([`abi::device`]); returns their address.
pub fn map_device(device: usize) -> Result<usize, Errno> {
    unsafe { call(nr::MAP_DEVICE, &[device]) }
}

/// Maps `len` bytes (rounded up to pages) of zeroed memory shared with the processes spawned
/// from now on, at the same address in each; returns the address.
pub fn map_shared(len: usize) -> Result<usize, Errno> {
    unsafe { call(nr::MAP_SHARED, &[len]) }
}

/// Sets the process's upcall handler (`entry(value)`, ending with `upcall_return`; 0: none).
pub fn upcall_handler(entry: usize) -> Result<usize, Errno> {
    unsafe { call(nr::UPCALL_HANDLER, &[entry]) }
}

/// Sends an upcall with `value` to process `pid`.
pub fn upcall_send(pid: usize, value: usize) -> Result<usize, Errno> {
    unsafe { call(nr::UPCALL_SEND, &[pid, value]) }
}

/// Waits until an upcall is pending; its handler runs before this returns.
pub fn upcall_wait() -> Result<usize, Errno> {
    unsafe { call(nr::UPCALL_WAIT, &[]) }
}

/// Makes the calling thread a user-interrupt receiver with handler `entry` (which ends with
/// `uret`); returns its UINTC slot.
pub fn uintr_register_handler(entry: usize) -> Result<usize, Errno> {
    unsafe { call(nr::UINTR_REGISTER_HANDLER, &[entry]) }
}

/// A descriptor for sending user interrupt `vector` to the calling receiver.
pub fn uintr_create_fd(vector: usize) -> Result<usize, Errno> {
    unsafe { call(nr::UINTR_CREATE_FD, &[vector]) }
}

/// Adds the receiver behind `fd` to the process's sender table; returns the entry's index.
pub fn uintr_register_sender(fd: usize) -> Result<usize, Errno> {
    unsafe { call(nr::UINTR_REGISTER_SENDER, &[fd]) }
}

/// Blocks until a user interrupt is pending for the calling receiver; its handler runs as
/// this returns.
pub fn uintr_wait() -> Result<usize, Errno> {
    unsafe { call(nr::UINTR_WAIT, &[]) }
}

/// Opens the process's task-controller queue set (allocated on the first call); returns the
/// address of its registers.
pub fn taskctl_open() -> Result<usize, Errno> {
    unsafe { call(nr::TASKCTL_OPEN, &[]) }
}

/// A descriptor naming channel `channel` of the process's task-controller set.
pub fn taskctl_channel(channel: usize) -> Result<usize, Errno> {
    unsafe { call(nr::TASKCTL_CHANNEL, &[channel]) }
}

/// Lets the process's set send to the channel `fd` names; returns the SEND value.
pub fn taskctl_connect(fd: usize) -> Result<usize, Errno> {
    unsafe { call(nr::TASKCTL_CONNECT, &[fd]) }
}

/// Copies the kernel's per-hart counters into `buf`; returns how many harts there are.
pub fn hart_stats(buf: &mut [HartStats]) -> Result<usize, Errno> {
    unsafe { call(nr::HART_STATS, &[buf.as_mut_ptr() as usize, buf.len()]) }
}

/// How many harts the kernel runs on.
pub fn hart_count() -> Result<usize, Errno> {
    unsafe { call(nr::HART_COUNT, &[]) }
}

/// Bytes of RAM the calling process holds on its own, `what` one of `abi::memory`: its
/// address space's frames, or its running threads' kernel stacks.
pub fn memory_held(what: usize) -> Result<usize, Errno> {
    unsafe { call(nr::MEMORY_HELD, &[what]) }
}

/// Waits until at least one of the byte streams `fds` (TCP connections, pipes' read ends)
/// can be read without waiting; fills the front of `ready` with (index in `fds`, bytes a read
/// gets now: 0 at the end of the stream) and returns how many it filled.
pub fn poll_readable(fds: &[usize], ready: &mut [[usize; 2]]) -> Result<usize, Errno> {
    unsafe {
        call(
            nr::POLL_READABLE,
            &[
                fds.as_ptr() as usize,
                fds.len(),
                ready.as_mut_ptr() as usize,
                ready.len(),
            ],
        )
    }
}

/// Where `exit` and `thread_exit` would continue if the kernel ever returned from them.
fn unreachable_after_exit() -> ! {
    loop {
        core::hint::spin_loop();
    }
}

/// Makes the process a coroutine process with payload `payload` (`abi::coroutine_payload`)
/// and the calling thread its virtual core `cpu`; returns the executor's address.
pub fn coroutine_setup(payload: usize, cpu: usize) -> Result<usize, Errno> {
    unsafe { call(nr::COROUTINE_SETUP, &[payload, cpu]) }
}

/// Rings doorbell `doorbell` of coroutine process `pid`.
pub fn coroutine_notify(pid: usize, doorbell: usize) -> Result<(), Errno> {
    unsafe { call(nr::COROUTINE_NOTIFY, &[pid, doorbell]) }.map(|_| ())
}

/// A new socket of `kind` (`abi::socket`); returns its fd.
pub fn socket(kind: usize) -> Result<usize, Errno> {
    unsafe { call(nr::SOCKET, &[kind]) }
}

/// Makes TCP socket `fd` listen on `port` with `backlog` pending connections.
pub fn listen(fd: usize, port: u16, backlog: usize) -> Result<(), Errno> {
    unsafe { call(nr::LISTEN, &[fd, port as usize, backlog]) }.map(drop)
}

/// Waits for a connection to listening socket `fd`; returns the connection's fd.
pub fn accept(fd: usize) -> Result<usize, Errno> {
    unsafe { call(nr::ACCEPT, &[fd]) }
}

/// Connects TCP socket `fd` to `addr`:`port`.
pub fn connect(fd: usize, addr: [u8; 4], port: u16) -> Result<(), Errno> {
    let addr = u32::from_be_bytes(addr) as usize;
    unsafe { call(nr::CONNECT, &[fd, addr, port as usize]) }.map(drop)
}

/// Binds UDP socket `fd` to `port`.
pub fn bind(fd: usize, port: u16) -> Result<(), Errno> {
    unsafe { call(nr::BIND, &[fd, port as usize]) }.map(drop)
}

/// Sends `buf` as one datagram from UDP socket `fd` to `addr`:`port`.
pub fn send_to(fd: usize, buf: &[u8], addr: [u8; 4], port: u16) -> Result<usize, Errno> {
    let addr = u32::from_be_bytes(addr) as usize;
    unsafe {
        call(
            nr::SEND_TO,
            &[fd, buf.as_ptr() as usize, buf.len(), addr, port as usize],
        )
    }
}

/// Waits for a datagram on UDP socket `fd`; returns its length and sender. With `flags`
/// `abi::socket::DONT_WAIT`, `Again` instead of waiting.
pub fn recv_from(fd: usize, buf: &mut [u8], flags: usize) -> Result<(usize, [u8; 4], u16), Errno> {
    let mut from = [0u32; 2];
    let n = unsafe {
        call(
            nr::RECV_FROM,
            &[
                fd,
                buf.as_mut_ptr() as usize,
                buf.len(),
                from.as_mut_ptr() as usize,
                flags,
            ],
        )
    }?;
    Ok((n, from[0].to_be_bytes(), from[1] as u16))
}
