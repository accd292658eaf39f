//! The interfaces between hartlab's guest software and what is below it, written once.
//!
//! - The system-call interface between the guest kernel and user programs: call numbers,
//!   error codes and the user address-space layout. The kernel (`kernel`) and the user library
//!   (`ulib`) both build on this crate, so the two sides cannot disagree.
//! - The hardware ABI of hartlab's machine: the board's memory map ([`board`]) and the register
//!   maps and encodings of hartlab's own devices ([`sim_control`], [`uintc`],
//!   [`task_controller`]). The simulator's device models and harts, the firmware, the kernel,
//!   `ulib` and the C header of the bare-metal tests (`c_header`, feature `c-header`) take them
//!   from here, so a layout changes in one place and a mismatch cannot compile.
//!
//! # Calling convention
//! `ecall` from U mode with the call number in `a7` and up to six arguments in `a0..a5`;
//! the result comes back in `a0`. A result in `-4095..=-1` is an error ([`Errno`]);
//! anything else is the call's value. Every other register is preserved.
//!
//! The table with each call's arguments is in `guest-kernel/README.md`.
//!
//! # Process start
//! A process's first thread enters the program's ELF entry point with `a0` = `argc`, `a1` =
//! `argv` (an array of `argc` pointers to NUL-terminated strings, the program's name first,
//! then its arguments, followed by a null pointer), `sp` 16-byte aligned just below them on
//! the first thread's stack; every other register is zero.

#![no_std]

/// System-call numbers (`a7`).
pub mod nr {
    /// `write(fd, buf, len, key, coroutine) -> bytes written`; with `key` ≠ 0 on a pipe of a
    /// process set up by [`COROUTINE_ASYNC`], asynchronous: returns 0 at once, and a kernel
    /// coroutine posts `(key, coroutine, bytes written)` to the process's
    /// [`crate::Completions`] once every byte is in (see [`crate::async_wake`])
    pub const WRITE: usize = 1;
    /// `read(fd, buf, len, key, coroutine) -> bytes read` (0: end of file or, for the console,
    /// no input); with `key` ≠ 0 on a pipe, asynchronous as [`WRITE`] is
    pub const READ: usize = 2;
    /// `close(fd) -> 0`
    pub const CLOSE: usize = 3;
    /// `pipe(fds: *mut [u32; 2]) -> 0`; `fds[0]` reads, `fds[1]` writes
    pub const PIPE: usize = 4;
    /// `dup_from_child(pid, fd) -> fd`: opens in the caller the file that its child `pid`
    /// has open as `fd` (shared, like an inherited descriptor), so a child can hand a
    /// parent the right it created ([`Errno::NoProcess`] if `pid` is not the caller's
    /// child, [`Errno::BadFd`])
    pub const DUP_FROM_CHILD: usize = 6;
    /// `exit(status) -> !`: ends the whole process
    pub const EXIT: usize = 10;
    /// `getpid() -> pid`
    pub const GETPID: usize = 11;
    /// `spawn(name, name_len, args, args_len) -> pid`: runs a bundled program; `args` is one
    /// string of space-separated arguments. The child inherits copies of the caller's file
    /// descriptors.
    pub const SPAWN: usize = 12;
    /// `wait(pid, status: *mut i32) -> pid`: waits for a child to end (`pid` = -1: any
    /// child); `status` may be null
    pub const WAIT: usize = 13;
    /// `yield() -> 0`
    pub const YIELD: usize = 14;
    /// `sleep(nanoseconds) -> 0`
    pub const SLEEP: usize = 15;
    /// `clock() -> nanoseconds` of simulated (machine) time since boot
    pub const CLOCK: usize = 16;
    /// `current_hart() -> hart id` the caller runs on
    pub const CURRENT_HART: usize = 17;
    /// `set_priority(tid, priority) -> 0`: `tid` 0 is the caller; see [`crate::PRIORITIES`]
    pub const SET_PRIORITY: usize = 18;
    /// `thread_create(entry, arg) -> tid`: a new thread of the caller's process starts at
    /// `entry` with `a0` = `arg` and `sp` at the top of a fresh stack of
    /// [`crate::layout::THREAD_STACK_SIZE`] bytes; it must end with `thread_exit`
    pub const THREAD_CREATE: usize = 20;
    /// `thread_exit(value) -> !`: ends the calling thread (the last thread ends the process
    /// with status 0)
    pub const THREAD_EXIT: usize = 21;
    /// `thread_join(tid) -> value` passed to `thread_exit`
    pub const THREAD_JOIN: usize = 22;
    /// `gettid() -> tid` (unique in the whole system; a process's first thread has tid =
    /// pid)
    pub const GETTID: usize = 23;
    /// `futex_wait(addr: *const u32, expected, timeout_ns) -> 0`: sleeps while `*addr ==
    /// expected` until woken ([`Errno::Again`] at once if it differs; `timeout_ns` 0 is no
    /// timeout, else [`Errno::TimedOut`] when it passes)
    pub const FUTEX_WAIT: usize = 24;
    /// `futex_wake(addr: *const u32, count) -> threads woken`
    pub const FUTEX_WAKE: usize = 25;
    /// `map_memory(len) -> address` of `len` bytes (rounded up to pages) of fresh zeroed
    /// read-write memory
    pub const MAP_MEMORY: usize = 30;
    /// `map_shared(len) -> address` of `len` bytes (rounded up to pages) of fresh zeroed
    /// read-write memory that processes spawned afterwards share, mapped at the same address
    pub const MAP_SHARED: usize = 32;
    /// `map_device(device) -> address` of the device's registers mapped into the caller's
    /// address space ([`crate::device`]); [`Errno::NoDevice`] when the machine lacks it
    pub const MAP_DEVICE: usize = 31;
    /// `upcall_handler(entry) -> 0`: sets the process's upcall handler (0: none). An upcall
    /// runs `entry(value)` on the process's first thread at its next return to user mode,
    /// on its stack below the interrupted context; the handler ends with `upcall_return`
    pub const UPCALL_HANDLER: usize = 50;
    /// `upcall_send(pid, value) -> 0`: sends an upcall to process `pid` (its first thread),
    /// waking it if it waits in `upcall_wait`; a second upcall before the first is handled
    /// replaces its value ([`Errno::NoProcess`], or [`Errno::Invalid`] without a handler)
    pub const UPCALL_SEND: usize = 51;
    /// `upcall_wait() -> 0`: waits until an upcall is pending (at once if one is); the
    /// handler runs before this call returns
    pub const UPCALL_WAIT: usize = 52;
    /// `upcall_return() -> !`: ends the handler, resuming the interrupted context
    pub const UPCALL_RETURN: usize = 53;
    /// `uintr_register_handler(entry) -> slot`: makes the calling thread a user-interrupt
    /// receiver: allocates it a UINTC slot and sets `utvec` = `entry` (direct mode, 4-byte
    /// aligned), with user interrupts enabled (`ustatus.UIE`, `uie.USIE`). The handler runs
    /// in user mode and ends with `uret` ([`Errno::NoDevice`] without a UINTC,
    /// [`Errno::Invalid`] if already registered or `entry` is misaligned,
    /// [`Errno::NoMemory`] when no slot is free)
    pub const UINTR_REGISTER_HANDLER: usize = 60;
    /// `uintr_create_fd(vector) -> fd`: a descriptor through which senders may raise bit
    /// `vector` (0..64) in the calling receiver's pending word; passed to other processes by
    /// inheritance ([`Errno::Invalid`] if the thread is no receiver or `vector` >= 64)
    pub const UINTR_CREATE_FD: usize = 61;
    /// `uintr_register_sender(fd) -> index`: adds the receiver behind `fd` to the calling
    /// process's sender table; `uipi.send` with that index then interrupts it
    /// ([`Errno::BadFd`] if `fd` is not a user-interrupt descriptor)
    pub const UINTR_REGISTER_SENDER: usize = 62;
    /// `uintr_wait() -> 0`: blocks until a user interrupt is pending for the calling
    /// receiver (returns at once if one is); the handler runs as the call returns
    pub const UINTR_WAIT: usize = 63;
    /// `taskctl_open() -> address` of the caller's queue set of hartlab's task controller
    /// (`docs/hardware/task-controller.md`): the first call allocates a set for the process
    /// and maps its 16 KiB register region read-write at [`crate::layout::TASK_SET`]; later
    /// calls return the same address. The set is freed when the process ends, which revokes
    /// every capability to or from it. [`Errno::NoDevice`] without the device (QEMU),
    /// [`Errno::NoMemory`] when every set of the device is taken. The set is online (its
    /// preempting wake-ups raise USIP) on a hart while one of the process's user-interrupt
    /// receivers runs there.
    pub const TASKCTL_OPEN: usize = 70;
    /// `taskctl_channel(channel) -> fd` naming channel `channel` (below
    /// [`crate::TASKCTL_CHANNELS`]) of the caller's set (opened as by [`TASKCTL_OPEN`] if
    /// need be): the token another process needs to be let send to that channel. It is
    /// passed on like any descriptor: to children at spawn, to a parent by [`DUP_FROM_CHILD`]
    /// ([`Errno::Invalid`] for a bad channel)
    pub const TASKCTL_CHANNEL: usize = 71;
    /// `taskctl_connect(fd) -> send value`: lets the caller's set (opened if need be) send to
    /// the channel `fd` names; returns what the caller stores to its set's SEND register to
    /// wake that channel, `(receiver set << 16) | channel`. [`Errno::BadFd`] if `fd` is no
    /// channel, [`Errno::BrokenPipe`] if the channel's process has ended
    pub const TASKCTL_CONNECT: usize = 72;
    /// `coroutine_setup(payload, cpu) -> executor address`: makes the caller's process a
    /// coroutine process (the first call) and registers the calling thread as its virtual
    /// core `cpu` (below [`crate::COROUTINE_CPUS`]; [`crate::COROUTINE_DETACH`] makes it an
    /// ordinary thread again, at the priority it had before). The first call maps the shared scheduler
    /// payload read+execute at [`crate::layout::COROUTINE_PAYLOAD`] (`payload`
    /// [`crate::coroutine_payload`]`::DEFAULT` takes the kernel's boot choice, else the named
    /// one), a zeroed page for the process's executor read-write at
    /// [`crate::layout::COROUTINE_EXECUTOR`], and the kernel's table of published priorities
    /// read-only at [`crate::layout::COROUTINE_PRIORITIES`]; later calls only register the
    /// thread. The kernel reads the executor page to learn the priority of the process's most
    /// urgent coroutine and schedules its threads at that priority ([`Errno::Invalid`] for an
    /// unknown payload, a payload other than the first call's, or a bad `cpu`)
    pub const COROUTINE_SETUP: usize = 80;
    /// `coroutine_notify(pid, doorbell) -> 0`: rings doorbell `doorbell` (below
    /// [`crate::COROUTINE_DOORBELLS`]) of coroutine process `pid` and wakes its idle threads:
    /// the way a process wakes a coroutine of another one. Allowed for the caller itself, its
    /// parent and its children ([`Errno::NoProcess`] for no such coroutine process,
    /// [`Errno::NotPermitted`] for another process, [`Errno::Invalid`] for a bad doorbell)
    pub const COROUTINE_NOTIFY: usize = 81;
    /// `coroutine_async(path, arg) -> 0`: lets the calling coroutine process make
    /// asynchronous `read`/`write` calls and chooses how the kernel tells it that one has
    /// completed ([`crate::async_wake`]; `arg` is the UINTC vector or the task-controller
    /// channel). The first call maps the completion ring at
    /// [`crate::layout::COROUTINE_COMPLETIONS`]; the calling thread is the one a user
    /// interrupt goes to.
    pub const COROUTINE_ASYNC: usize = 82;
    /// `coroutine_yield() -> 0`: `yield` for a virtual core between two coroutines, where it
    /// holds no live register state (tornado's fast path): the kernel saves and restores
    /// only `sp`, `gp`, `tp`, `s0` and `s1` (which a caller cannot declare clobbered) and
    /// returns every other integer register zeroed. The caller must treat them all as
    /// clobbered.
    pub const COROUTINE_YIELD: usize = 83;
    /// `socket(kind) -> fd`: a new TCP ([`crate::socket::TCP`]) or UDP
    /// ([`crate::socket::UDP`]) socket of the guest's network ([`crate::net`]);
    /// [`Errno::NoDevice`] on a machine without a network card. `read`, `write` (also
    /// asynchronously) and `close` work on connected TCP sockets.
    pub const SOCKET: usize = 90;
    /// `listen(fd, port, backlog) -> 0`: the TCP socket accepts connections to `port`, up
    /// to `backlog` (1..=256) at a time not yet accepted
    pub const LISTEN: usize = 91;
    /// `accept(fd) -> fd`: waits for a connection to the listening socket `fd`
    pub const ACCEPT: usize = 92;
    /// `connect(fd, ipv4, port) -> 0`: connects the TCP socket to `ipv4` (as a big-endian
    /// `u32`, `a.b.c.d` = `a << 24 | ...`) port `port`, waiting until it is established
    /// ([`Errno::ConnRefused`], [`Errno::ConnReset`] if it is not)
    pub const CONNECT: usize = 93;
    /// `bind(fd, port) -> 0`: the UDP socket receives datagrams sent to `port`
    pub const BIND: usize = 94;
    /// `send_to(fd, buf, len, ipv4, port) -> len`: one UDP datagram
    pub const SEND_TO: usize = 95;
    /// `recv_from(fd, buf, len, from: *mut [u32; 2], flags) -> len`: waits for one UDP
    /// datagram (truncated to `len`); `from` (if not null) gets the sender's address and
    /// port. With `flags` [`socket::DONT_WAIT`](super::socket::DONT_WAIT) it does not wait:
    /// `Again` when no datagram is there (after taking in any frame the card holds)
    pub const RECV_FROM: usize = 96;
    /// `hart_stats(buf: *mut HartStats, count) -> harts`: copies up to `count` harts'
    /// counters and returns how many harts there are
    pub const HART_STATS: usize = 40;
    /// `hart_count() -> harts` the kernel runs on
    pub const HART_COUNT: usize = 41;
    /// `poll_readable(fds: *const usize, count, ready: *mut [usize; 2], max) -> n`: waits
    /// until at least one of the `count` byte streams (TCP connections, pipes' read ends) at
    /// `fds` can be read without waiting; writes up to `max` of them to `ready` as (index in
    /// `fds`, bytes a read gets now: 0 at the end of the stream) and returns how many. COPS's
    /// KTUC poller.
    pub const POLL_READABLE: usize = 42;
    /// `memory_held(what) -> bytes` of RAM the calling process holds on its own, `what` one
    /// of [`crate::memory`]: the frames its address space owns (code, data, heap, user
    /// stacks), or its running threads' kernel stacks. Kernel objects it uses (open files,
    /// sockets' buffers, kernel coroutines of its calls) are in neither.
    pub const MEMORY_HELD: usize = 43;
}

/// What [`nr::MEMORY_HELD`] measures.
pub mod memory {
    /// The frames of RAM the process's address space owns.
    pub const FRAMES: usize = 0;
    /// The kernel stacks of the process's threads not yet ended.
    pub const KERNEL_STACKS: usize = 1;
}

/// Error codes, returned negated in `a0` (Linux's numbers).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(isize)]
pub enum Errno {
    /// Operation not permitted.
    NotPermitted = 1,
    /// No such program.
    NoEntry = 2,
    /// No such process or thread.
    NoProcess = 3,
    /// Bad file descriptor.
    BadFd = 9,
    /// No child to wait for.
    NoChild = 10,
    /// Try again (futex value differed).
    Again = 11,
    /// Out of memory.
    NoMemory = 12,
    /// Bad address: a user pointer that is not mapped with the needed permission.
    Fault = 14,
    /// Invalid argument.
    Invalid = 22,
    /// Too many open files.
    TooManyFiles = 24,
    /// Write to a pipe nobody reads.
    BrokenPipe = 32,
    /// No such system call.
    NoSys = 38,
    /// No such device on this machine.
    NoDevice = 19,
    /// Timed out.
    TimedOut = 110,
    /// The thread would join itself, or is already joined.
    Deadlock = 35,
    /// The port is taken.
    AddrInUse = 98,
    /// The peer reset the connection.
    ConnReset = 104,
    /// The socket is not connected (or not listening, for `accept`).
    NotConnected = 107,
    /// The peer refused the connection.
    ConnRefused = 111,
}

impl Errno {
    /// Every error code.
    pub const ALL: [Errno; 19] = [
        Errno::NotPermitted,
        Errno::NoEntry,
        Errno::NoProcess,
        Errno::BadFd,
        Errno::NoChild,
        Errno::Again,
        Errno::NoMemory,
        Errno::Fault,
        Errno::Invalid,
        Errno::TooManyFiles,
        Errno::BrokenPipe,
        Errno::NoSys,
        Errno::NoDevice,
        Errno::TimedOut,
        Errno::Deadlock,
        Errno::AddrInUse,
        Errno::ConnReset,
        Errno::NotConnected,
        Errno::ConnRefused,
    ];

    /// The value `a0` carries for this error.
    pub const fn to_ret(self) -> isize {
        -(self as isize)
    }

    /// Splits a raw `a0` into a value or an error.
    pub fn check(ret: isize) -> Result<usize, Errno> {
        if (-4095..0).contains(&ret) {
            Err(Errno::ALL
                .into_iter()
                .find(|e| e.to_ret() == ret)
                .unwrap_or(Errno::Invalid))
        } else {
            Ok(ret as usize)
        }
    }
}

/// Exit status of a process the kernel killed for a fault: `KILLED_BY_FAULT - scause`
/// (for instance `-113` for a load page fault, `-102` for an illegal instruction).
pub const KILLED_BY_FAULT: i32 = -100;

/// Thread priorities: `0` is the highest, `PRIORITIES - 1` the lowest; threads start at
/// [`DEFAULT_PRIORITY`]. A runnable thread of higher priority always runs before one of
/// lower priority on the same hart; equal priorities share the hart round robin.
pub const PRIORITIES: usize = 8;
/// Priority of new threads.
pub const DEFAULT_PRIORITY: usize = 4;

/// Channels of a task-controller queue set ([`nr::TASKCTL_CHANNEL`]).
pub const TASKCTL_CHANNELS: usize = 64;

/// Threads ("virtual cores") of one process that may poll its coroutine executor.
pub const COROUTINE_CPUS: usize = 64;
/// The `cpu` of [`nr::COROUTINE_SETUP`] that makes the calling thread no virtual core.
pub const COROUTINE_DETACH: usize = usize::MAX;
/// Doorbells of a coroutine process ([`nr::COROUTINE_NOTIFY`]).
pub const COROUTINE_DOORBELLS: usize = 64;

/// The scheduler payloads [`nr::COROUTINE_SETUP`] can map.
pub mod coroutine_payload {
    /// The kernel's choice (boot argument `coroutine=`; strict priority by default).
    pub const DEFAULT: usize = 0;
    /// Strict priority, FIFO within a priority.
    pub const STRICT: usize = 1;
    /// Priority with aging: a waiting priority passed over 8 times is served once.
    pub const AGING: usize = 2;
    /// The payloads' names, by number (`DEFAULT` has none).
    pub const NAMES: [&str; 3] = ["default", "strict", "aging"];
}

/// The `key` of a `read`/`write` done by a kernel system-call coroutine while the calling
/// thread blocks until that coroutine wakes it (COPS's KCUT: a kernel coroutine unblocks a
/// user thread), rather than in the thread's own kernel context (KTUT, `key` 0) or
/// asynchronously (any other key). Any process may use it; it needs no completion ring.
pub const BLOCKING_KEY: usize = usize::MAX;

/// How the kernel tells a coroutine process that an asynchronous `read`/`write` completed
/// ([`nr::COROUTINE_ASYNC`]). Every path first posts the completion to the process's
/// [`Completions`] ring and, if a virtual core of the process waits for work, wakes it
/// (the executor's epoch futex); they differ in how a *running* process learns of it.
pub mod async_wake {
    /// No interrupt: the runtime finds completions in the ring between coroutines.
    pub const POLL: usize = 0;
    /// COPS's path: the kernel sets the receiver thread's `sip.USIP` itself (a software user
    /// interrupt, taken when the thread is next in user mode; an IPI makes that at once).
    pub const USIP: usize = 1;
    /// The kernel sends user-interrupt vector `arg` to the receiver's UINTC slot, as a
    /// `uipi.send` of another thread would: the device raises the line.
    pub const UINTC: usize = 2;
    /// The kernel's task-controller set sends to channel `arg` of the process's set: the
    /// device enqueues the handler bound there (TAIC's wake-up).
    pub const TASKCTL: usize = 3;
    /// For a process whose coroutines wait in its task-controller set: a call whose key has
    /// [`BOUND`] set has its coroutine bound to channel [`bound_channel`] of that set, and
    /// the kernel's set sends there when the call completes, so that the device queues the
    /// coroutine itself (TAIC's wake-up); a call without it is not announced (as `POLL`).
    pub const TASKCTL_BOUND: usize = 4;
    /// The paths' names, by number.
    pub const NAMES: [&str; 5] = ["poll", "usip", "uintc", "taskctl", "taskctl-bound"];
    /// In a call's key under [`TASKCTL_BOUND`]: its coroutine is bound to a channel.
    pub const BOUND: u64 = 1 << 63;

    /// The channel a call with key `key` is bound to under [`TASKCTL_BOUND`], if it is.
    pub const fn bound_channel(key: u64) -> Option<usize> {
        if key & BOUND != 0 {
            Some((key & 0x3f) as usize)
        } else {
            None
        }
    }
}

/// One completed asynchronous call in a [`Completions`] ring.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct Completion {
    /// The call's `key`.
    pub key: u64,
    /// The coroutine the call named.
    pub coroutine: u64,
    /// What the synchronous call would have returned (bytes, or a negative [`Errno`]).
    pub result: i64,
    /// Zero.
    pub reserved: u64,
}

/// Records in a [`Completions`] ring.
pub const COMPLETION_RECORDS: usize = 127;

/// The per-process ring the kernel posts completions to (COPS's per-process record queue),
/// one page at [`layout::COROUTINE_COMPLETIONS`]. The kernel writes `records[tail %
/// COMPLETION_RECORDS]` then advances `tail`; the process reads from `head` and advances it.
/// At most [`COMPLETION_RECORDS`] calls of a process are in flight at once, so the ring never
/// overflows unless the process corrupts `head` (then only its own completions are lost).
#[derive(Clone, Copy, Debug)]
#[repr(C)]
pub struct Completions {
    /// Records taken by the process.
    pub head: u64,
    /// Records posted by the kernel.
    pub tail: u64,
    /// Zero.
    pub reserved: [u64; 2],
    /// The records.
    pub records: [Completion; COMPLETION_RECORDS],
}

const _: () = assert!(core::mem::size_of::<Completions>() == 4096);

/// The kernel's table of published coroutine priorities, mapped read-only into every
/// coroutine process at [`layout::COROUTINE_PRIORITIES`] (COPS's `PRIO_ARRAY` and
/// `max_prio_pid`). The kernel refreshes it at every tick and every `yield` of a coroutine
/// process.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct CoroutinePriorities {
    /// The most urgent priority any coroutine process has ready ([`PRIORITIES`]: none).
    pub best_priority: u64,
    /// The process that has it (0: none).
    pub best_pid: u64,
    /// Coroutine processes alive.
    pub processes: u64,
    /// Refreshes so far.
    pub generation: u64,
    /// The ready-queue back end a process gets when it does not choose one
    /// ([`coroutine_queues`]; boot argument `coroutine_queues=`), fixed at boot.
    pub queues: u64,
}

/// Where a coroutine process keeps its ready coroutines ([`CoroutinePriorities::queues`]).
pub mod coroutine_queues {
    /// In its executor page: per-priority FIFO queues and a bitmap (every machine).
    pub const SOFTWARE: u64 = 0;
    /// In its task-controller queue set (hartlab only; elsewhere the software queues).
    pub const TASK_CONTROLLER: u64 = 1;
    /// The boot argument's names, by number.
    pub const NAMES: [&str; 2] = ["software", "taskctl"];
}

/// Devices [`nr::MAP_DEVICE`] can map.
pub mod device {
    /// hartlab's simulator-control device (`hartlab,sim-control`).
    pub const SIM_CONTROL: usize = 0;
}

/// Per-hart kernel counters ([`nr::HART_STATS`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[repr(C)]
pub struct HartStats {
    /// Hart id.
    pub hart: u64,
    /// System calls handled.
    pub syscalls: u64,
    /// Switches from one thread to another.
    pub context_switches: u64,
    /// Switches that changed the address space.
    pub address_space_switches: u64,
    /// Timer interrupts taken.
    pub timer_interrupts: u64,
    /// Inter-processor interrupts taken.
    pub ipis_received: u64,
    /// Inter-processor interrupts sent to wake another hart.
    pub ipis_sent: u64,
    /// Threads preempted by the tick.
    pub preemptions: u64,
    /// Threads taken from another hart's run queue.
    pub steals: u64,
    /// Processes killed for a fault.
    pub faults_killed: u64,
    /// `time` ticks spent idle (waiting for interrupts).
    pub idle_ticks: u64,
    /// Receivers blocked in `uintr_wait` woken by a user interrupt taken in the kernel.
    pub user_interrupt_wakeups: u64,
    /// Coroutines polled by coroutine-process threads while they ran on this hart
    /// (coroutine switches, as the processes' executors count them).
    pub coroutine_switches: u64,
    /// Timeouts: ticks that preempted a thread in the middle of a coroutine.
    pub coroutine_timeouts: u64,
    /// [`nr::COROUTINE_YIELD`] calls taken on the trap entry's fast path.
    pub fast_yields: u64,
    /// Timeouts after which a spare thread of the process took over its other ready
    /// coroutines (the preempted one keeps its thread's stack until its poll ends).
    pub coroutine_takeovers: u64,
}

/// The user part of every address space.
pub mod layout {
    /// Lowest user address. Below it lies the kernel part (devices and RAM, identity
    /// mapped), shared by every address space and closed to user mode.
    pub const USER_START: usize = 0x1_0000_0000;
    /// One past the highest user address (the top of Sv39's lower half).
    pub const USER_END: usize = 0x40_0000_0000;
    /// Where programs are linked (the start of the user part).
    pub const PROGRAM_BASE: usize = USER_START;
    /// Where [`crate::nr::MAP_MEMORY`] hands out memory from (growing up).
    pub const MAP_START: usize = 0x10_0000_0000;
    /// Where [`crate::nr::MAP_DEVICE`] maps device registers (growing up).
    pub const DEVICE_START: usize = 0x30_0000_0000;
    /// Where [`crate::nr::TASKCTL_OPEN`] maps the process's task-controller queue set (its
    /// 16 KiB register region), in the device area clear of `MAP_DEVICE`'s slots.
    pub const TASK_SET: usize = DEVICE_START + 0x1_0000_0000;
    /// Where [`crate::nr::COROUTINE_SETUP`] maps the shared scheduler payload (read+execute;
    /// at most [`COROUTINE_PAYLOAD_MAX`] bytes).
    pub const COROUTINE_PAYLOAD: usize = 0x32_0000_0000;
    /// Room for the payload.
    pub const COROUTINE_PAYLOAD_MAX: usize = 0x1_0000;
    /// Where the process's executor page is mapped (read-write).
    pub const COROUTINE_EXECUTOR: usize = COROUTINE_PAYLOAD + COROUTINE_PAYLOAD_MAX;
    /// Where the kernel's table of published priorities is mapped (read-only).
    pub const COROUTINE_PRIORITIES: usize = COROUTINE_EXECUTOR + 0x1000;
    /// Where [`crate::nr::COROUTINE_ASYNC`] maps the process's completion ring
    /// ([`crate::Completions`], read-write).
    pub const COROUTINE_COMPLETIONS: usize = COROUTINE_PRIORITIES + 0x1000;
    /// Top of the first thread's stack; thread `i` of a process (counting from 0) has its
    /// stack top at `STACK_TOP - i * STACK_STRIDE`.
    pub const STACK_TOP: usize = 0x3F_0000_0000;
    /// Bytes of stack every thread gets.
    pub const THREAD_STACK_SIZE: usize = 64 * 1024;
    /// Distance between stack tops (the gap is unmapped, so an overflow faults).
    pub const STACK_STRIDE: usize = 1024 * 1024;
}

pub mod board;
#[cfg(feature = "c-header")]
pub mod c_header;
pub mod sim_control;
pub mod task_controller;
pub mod uintc;

/// One register of a device's map, or an array of 8-byte registers, as an offset range in
/// its window or region (for generated headers and layout checks).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Register {
    /// Its name in the device's documentation.
    pub name: &'static str,
    /// Its (first element's) offset.
    pub offset: u64,
    /// One past its last byte.
    pub end: u64,
}

impl Register {
    /// An 8-byte register at `offset`.
    pub const fn one(name: &'static str, offset: u64) -> Self {
        Self {
            name,
            offset,
            end: offset + 8,
        }
    }

    /// An array of 8-byte registers from `offset` up to `end`.
    pub const fn array(name: &'static str, offset: u64, end: u64) -> Self {
        Self { name, offset, end }
    }

    /// Whether it is an array of registers.
    pub const fn is_array(&self) -> bool {
        self.end - self.offset > 8
    }
}

/// Kinds of [`nr::SOCKET`].
pub mod socket {
    /// A TCP stream.
    pub const TCP: usize = 1;
    /// UDP datagrams.
    pub const UDP: usize = 2;
    /// `recv_from` flag: return `Again` rather than wait (for polling servers).
    pub const DONT_WAIT: usize = 1;
}

/// The network between the guest and the other end of its wire: addresses, and the request
/// protocol of the load generators.
///
/// The addresses are those of QEMU's user-mode network (`-netdev user`), so one guest image
/// works on QEMU and on hartlab: the guest is 10.0.2.15/24 and the host (QEMU's gateway,
/// hartlab's simulated client host) is 10.0.2.2. The simulator's client host and the guest's
/// servers both take the request header from here.
pub mod net {
    /// The guest's MAC address (QEMU's default for the first NIC).
    pub const GUEST_MAC: [u8; 6] = [0x52, 0x54, 0x00, 0x12, 0x34, 0x56];
    /// The guest's IPv4 address.
    pub const GUEST_IP: [u8; 4] = [10, 0, 2, 15];
    /// The prefix length of the guest's network.
    pub const PREFIX_LEN: u8 = 24;
    /// The host on the other end of the wire: QEMU's gateway, hartlab's client host.
    pub const HOST_IP: [u8; 4] = [10, 0, 2, 2];
    /// The MAC address of the host end (the one QEMU's user network answers with).
    pub const HOST_MAC: [u8; 6] = [0x52, 0x55, 0x0a, 0x00, 0x02, 0x02];
    /// TCP port of the guest's echo server (RFC 862's).
    pub const ECHO_PORT: u16 = 7;
    /// TCP port of the guest's request server (the load generators' default target).
    pub const REQUEST_PORT: u16 = 8000;

    /// First four bytes of every request ("HLRQ", little endian).
    pub const REQUEST_MAGIC: u32 = u32::from_le_bytes(*b"HLRQ");
    /// Bytes of a [`RequestHeader`] on the wire.
    pub const REQUEST_HEADER_BYTES: usize = 32;

    /// The header that starts every request a load generator sends, and every response (the
    /// server echoes it back with its own sizes unchanged). All fields little endian, in
    /// this order.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
    pub struct RequestHeader {
        /// Bytes of the whole request, header included (at least [`REQUEST_HEADER_BYTES`]).
        pub request_bytes: u32,
        /// Bytes of the whole response the client expects, header included (at least
        /// [`REQUEST_HEADER_BYTES`]).
        pub response_bytes: u32,
        /// The connection's priority (0 most urgent, as `crate::PRIORITIES`).
        pub priority: u32,
        /// The service the server spends on the request, in nanoseconds of simulated time.
        pub service_ns: u64,
        /// The request's number, unique per client host run.
        pub id: u64,
    }

    impl RequestHeader {
        /// The header's bytes.
        pub fn encode(&self) -> [u8; REQUEST_HEADER_BYTES] {
            let mut b = [0; REQUEST_HEADER_BYTES];
            b[0..4].copy_from_slice(&REQUEST_MAGIC.to_le_bytes());
            b[4..8].copy_from_slice(&self.request_bytes.to_le_bytes());
            b[8..12].copy_from_slice(&self.response_bytes.to_le_bytes());
            b[12..16].copy_from_slice(&self.priority.to_le_bytes());
            b[16..24].copy_from_slice(&self.service_ns.to_le_bytes());
            b[24..32].copy_from_slice(&self.id.to_le_bytes());
            b
        }

        /// The header at the start of `bytes`, if they start with a well-formed one.
        pub fn decode(bytes: &[u8]) -> Option<Self> {
            let b: &[u8; REQUEST_HEADER_BYTES] =
                bytes.get(..REQUEST_HEADER_BYTES)?.try_into().ok()?;
            let u32_at = |i: usize| u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
            let u64_at = |i: usize| u64::from_le_bytes(b[i..i + 8].try_into().unwrap_or([0; 8]));
            let h = Self {
                request_bytes: u32_at(4),
                response_bytes: u32_at(8),
                priority: u32_at(12),
                service_ns: u64_at(16),
                id: u64_at(24),
            };
            let sane = u32_at(0) == REQUEST_MAGIC
                && h.request_bytes as usize >= REQUEST_HEADER_BYTES
                && h.response_bytes as usize >= REQUEST_HEADER_BYTES;
            sane.then_some(h)
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn a_header_survives_the_wire_and_garbage_is_refused() {
            let h = RequestHeader {
                request_bytes: 100,
                response_bytes: 4096,
                priority: 3,
                service_ns: 12_345,
                id: u64::MAX - 1,
            };
            assert_eq!(RequestHeader::decode(&h.encode()), Some(h));
            let mut bad = h.encode();
            bad[0] ^= 1;
            assert_eq!(RequestHeader::decode(&bad), None);
            assert_eq!(RequestHeader::decode(&h.encode()[..31]), None);
            let short = RequestHeader {
                request_bytes: 8,
                ..h
            };
            assert_eq!(RequestHeader::decode(&short.encode()), None);
        }
    }
}
