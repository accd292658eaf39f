//! The kernel's self tests. The kernel's init runs `selftest` (boot arguments `test`, the
//! default); `selftest <filter>...` runs only the tests whose name contains a filter.
//! `selftest taskctl <filter>...` runs them with this process's coroutines (and those of the
//! `cochild` processes it spawns) on the task-controller back end; `coroutine_taskctl` runs
//! the coroutine tests that way in such a child.
//!
//! Output: one line per test, `test <name> ... ok` or `test <name> ... FAILED: <reason>`,
//! then `selftest: <P> passed, <F> failed`; the exit status is 0 if nothing failed, else 1.
//! A `selftest taskctl` prints `test <name> (taskctl) ...` and `selftest (taskctl): ...`.
//!
//! The tests pass on any number of harts, on hartlab and on QEMU. hartlab's time is
//! simulated and the same run after run, so there the scheduling tests hold the kernel to
//! firm bounds; on QEMU (no simulator-control device) time is the host's and harts share host
//! cores, so those tests only check that every thread made progress. No `ok` line carries a
//! measured value, so the output is the same on every run. Each test undoes what it did
//! (waits for its children, joins its threads, closes its descriptors, restores its
//! priority), so any subset runs in any order.
//!
//! The helper processes are `child` and, for coroutine processes, `cochild` (see their
//! sources for their arguments).

#![no_std]
#![no_main]

extern crate alloc;

use alloc::format;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec;
use alloc::vec::Vec;
use core::fmt::Debug;
use core::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use ulib::abi::{self, layout, nr, Errno, HartStats};
use ulib::taskctl::{self, Policy, TaskSet};
use ulib::thread::{self, JoinHandle};
use ulib::{coroutine, io, memory, println, process, sim, stats, syscall, time};

ulib::main!(main);

/// A test passes with `Ok` or says why it failed.
type TestResult = Result<(), String>;

/// A test: a function that checks one thing.
type Test = fn() -> TestResult;

/// Every test, in the order they run: basics, processes, threads, synchronisation, pipes,
/// memory, faults, upcalls, the task controller, coroutines, scheduling.
const TESTS: &[(&str, Test)] = &[
    ("console_write", console_write),
    ("console_read", console_read),
    ("getpid_gettid", getpid_gettid),
    ("bad_syscall", bad_syscall),
    ("bad_pointers", bad_pointers),
    ("wait_no_child", wait_no_child),
    ("spawn_exit_status", spawn_exit_status),
    ("spawn_args", spawn_args),
    ("spawn_missing", spawn_missing),
    ("panic_exit_status", panic_exit_status),
    ("many_processes", many_processes),
    ("yield", yield_test),
    ("sleep", sleep),
    ("clock_monotonic", clock_monotonic),
    ("thread_join_values", thread_join_values),
    ("thread_join_errors", thread_join_errors),
    ("mutex_counter", mutex_counter),
    ("futex_again", futex_again),
    ("futex_timeout", futex_timeout),
    ("futex_wake_counts", futex_wake_counts),
    ("pipe_basic", pipe_basic),
    ("pipe_broken", pipe_broken),
    ("pipe_between_processes", pipe_between_processes),
    ("dup_from_child", dup_from_child),
    ("map_memory", map_memory),
    ("map_device", map_device),
    ("hart_stats", hart_stats),
    ("fault_load_kernel", fault_load_kernel),
    ("fault_store_kernel", fault_store_kernel),
    ("fault_store_text", fault_store_text),
    ("fault_exec_kernel", fault_exec_kernel),
    ("fault_illegal", fault_illegal),
    ("fault_load_unmapped", fault_load_unmapped),
    ("fault_exec_data", fault_exec_data),
    ("misaligned_access", misaligned_access),
    ("fault_misaligned_unmapped", fault_misaligned_unmapped),
    ("memory_isolation", memory_isolation),
    ("shared_memory_futex", shared_memory_futex),
    ("upcall_wait", upcall_wait),
    ("upcall_running", upcall_running),
    ("upcall_errors", upcall_errors),
    ("uintr_self", uintr_self),
    ("uintr_wait", uintr_wait),
    ("uintr_running", uintr_running),
    ("uintr_errors", uintr_errors),
    ("taskctl_queue", taskctl_queue),
    ("taskctl_ipc", taskctl_ipc),
    ("taskctl_from_child", taskctl_from_child),
    ("taskctl_errors", taskctl_errors),
    ("taskctl_sets", taskctl_sets),
    ("taskctl_preempt", taskctl_preempt),
    ("coroutine_order", coroutine_order),
    ("coroutine_current_priority", coroutine_current_priority),
    ("coroutine_alloc_cpu", coroutine_alloc_cpu),
    ("coroutine_many", coroutine_many),
    ("coroutine_cross_process_wake", coroutine_cross_process_wake),
    ("coroutine_async_read", coroutine_async_read),
    ("coroutine_kernel_priority", coroutine_kernel_priority),
    ("coroutine_timeout", coroutine_timeout),
    ("coroutine_takeover", coroutine_takeover),
    ("coroutine_fast_yield", coroutine_fast_yield),
    ("coroutine_scribble", coroutine_scribble),
    ("coroutine_taskctl", coroutine_taskctl),
    ("preemption_fairness", preemption_fairness),
    ("priorities", priorities),
];

fn main(args: &[&str]) -> i32 {
    let mut filters = args.get(1..).unwrap_or(&[]);
    let mut label = "";
    if let Some((&"taskctl", rest)) = filters.split_first() {
        filters = rest;
        label = " (taskctl)";
        TASKCTL.store(true, Ordering::Relaxed);
    }
    let (mut passed, mut failed) = (0, 0);
    for &(name, test) in TESTS {
        if !filters.is_empty() && !filters.iter().any(|f| name.contains(f)) {
            continue;
        }
        match test() {
            Ok(()) => {
                println!("test {name}{label} ... ok");
                passed += 1;
            }
            Err(reason) => {
                println!("test {name}{label} ... FAILED: {reason}");
                failed += 1;
            }
        }
    }
    let summary = if label.is_empty() { "" } else { " (taskctl)" };
    println!("selftest{summary}: {passed} passed, {failed} failed");
    i32::from(failed != 0)
}

/// Whether this process's coroutines, and its `cochild`ren's, use the task controller
/// (`selftest taskctl ...`).
static TASKCTL: AtomicBool = AtomicBool::new(false);

// ---------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------

/// Fails the test with a formatted reason unless `cond` holds.
macro_rules! ensure {
    ($cond:expr, $($reason:tt)*) => {
        if !$cond {
            return Err(format!($($reason)*));
        }
    };
}

/// A system call's value, or a failure naming `what` and the error.
fn ok<T>(what: &str, result: Result<T, Errno>) -> Result<T, String> {
    result.map_err(|e| format!("{what}: {e:?}"))
}

/// Passes if `result` is the error `want`.
fn expect_err<T: Debug>(what: &str, result: Result<T, Errno>, want: Errno) -> TestResult {
    match result {
        Err(e) if e == want => Ok(()),
        other => Err(format!("{what}: expected Err({want:?}), got {other:?}")),
    }
}

/// Whether we run on hartlab (simulated, deterministic time) rather than QEMU.
fn on_hartlab() -> bool {
    sim::present()
}

/// A raw system call with up to six arguments, checked.
fn raw(nr: usize, args: &[usize]) -> Result<usize, Errno> {
    // SAFETY: the tests pass bad pointers on purpose; the kernel must refuse them, and no
    // call made this way writes to memory this program uses.
    unsafe { syscall::call(nr, args) }
}

/// An address in the program's own (read-only, executable) code.
fn text_address() -> usize {
    text_address as fn() -> usize as usize
}

/// An address in the kernel's part of the address space.
const KERNEL_ADDRESS: usize = 0x8020_0000;
/// A user address nothing is mapped at.
const UNMAPPED_ADDRESS: usize = 0x8_0000_0000;

/// Runs `child` with `args` and returns its exit status.
fn run_child(args: &[&str]) -> Result<i32, String> {
    let pid = ok("spawn child", process::spawn("child", args))?;
    let (waited, status) = ok("wait", process::wait(pid))?;
    ensure!(waited == pid, "wait({pid}) returned pid {waited}");
    Ok(status)
}

/// Reads `fd` until end of file.
fn read_to_end(fd: io::Fd) -> Result<Vec<u8>, String> {
    let mut data = Vec::new();
    let mut buf = [0u8; 64];
    loop {
        match ok("read", io::read(fd, &mut buf))? {
            0 => return Ok(data),
            n => data.extend_from_slice(&buf[..n]),
        }
    }
}

/// Closes every descriptor in `fds`, ignoring errors (clean-up after a failure).
fn close_all(fds: &[io::Fd]) {
    for &fd in fds {
        let _ = io::close(fd);
    }
}

/// The kernel's counters summed over all harts.
fn total_stats() -> Result<HartStats, String> {
    Ok(stats::total(&ok("hart_stats", stats::hart_stats())?))
}

// ---------------------------------------------------------------------------------------
// Basics: console, ids, bad calls
// ---------------------------------------------------------------------------------------

fn console_write() -> TestResult {
    // Empty buffers (at a real address: an empty slice's pointer may be dangling).
    let buf = [0u8; 8];
    ensure!(
        ok("write(1, empty)", io::write(io::STDOUT, &buf[..0]))? == 0,
        "write(1, empty) wrote bytes"
    );
    ensure!(
        ok("write(2, empty)", io::write(io::STDERR, &buf[..0]))? == 0,
        "write(2, empty) wrote bytes"
    );
    expect_err("write(99)", io::write(99, b"x"), Errno::BadFd)
}

fn console_read() -> TestResult {
    let mut buf = [0u8; 16];
    let n = ok("read(0)", io::read(io::STDIN, &mut buf))?;
    ensure!(n <= buf.len(), "read(0) returned {n} for a 16-byte buffer");
    ensure!(
        ok("read(0, empty)", io::read(io::STDIN, &mut buf[..0]))? == 0,
        "read(0, empty) read bytes"
    );
    expect_err(
        "read(0, text)",
        raw(nr::READ, &[io::STDIN, text_address(), 8]),
        Errno::Fault,
    )
}

fn getpid_gettid() -> TestResult {
    let pid = ok("getpid", syscall::getpid())?;
    let tid = ok("gettid", syscall::gettid())?;
    ensure!(pid > 0, "pid is 0");
    ensure!(
        tid == pid,
        "first thread's tid {tid} differs from pid {pid}"
    );
    let other = ok(
        "thread_create",
        thread::try_spawn(|| (syscall::getpid(), syscall::gettid())),
    )?;
    let other_tid = other.tid();
    let (other_pid, gettid) = ok("join", other.join())?;
    ensure!(
        other_pid == Ok(pid),
        "a thread's getpid is {other_pid:?}, not {pid}"
    );
    ensure!(
        gettid == Ok(other_tid),
        "a thread's gettid is {gettid:?}, not {other_tid}"
    );
    ensure!(other_tid != tid, "two threads share tid {tid}");
    Ok(())
}

fn bad_syscall() -> TestResult {
    for number in [0, 5, 19, 99, 999, usize::MAX] {
        expect_err(&format!("syscall {number}"), raw(number, &[]), Errno::NoSys)?;
    }
    Ok(())
}

fn bad_pointers() -> TestResult {
    let bad = [
        ("null", 0),
        ("kernel", KERNEL_ADDRESS),
        ("unmapped", UNMAPPED_ADDRESS),
    ];
    for (what, addr) in bad {
        expect_err(
            &format!("write from {what}"),
            raw(nr::WRITE, &[1, addr, 5]),
            Errno::Fault,
        )?;
        expect_err(
            &format!("pipe into {what}"),
            raw(nr::PIPE, &[addr]),
            Errno::Fault,
        )?;
        expect_err(
            &format!("futex_wait on {what}"),
            raw(nr::FUTEX_WAIT, &[addr, 0, 0]),
            Errno::Fault,
        )?;
        expect_err(
            &format!("hart_stats into {what}"),
            raw(nr::HART_STATS, &[addr, 1]),
            Errno::Fault,
        )?;
        expect_err(
            &format!("spawn named at {what}"),
            raw(nr::SPAWN, &[addr, 5, 0, 0]),
            Errno::Fault,
        )?;
    }
    expect_err(
        "pipe into text",
        raw(nr::PIPE, &[text_address()]),
        Errno::Fault,
    )?;
    expect_err(
        "hart_stats into text",
        raw(nr::HART_STATS, &[text_address(), 1]),
        Errno::Fault,
    )?;
    // A read into read-only code, with data waiting in a pipe.
    let (r, w) = ok("pipe", io::pipe())?;
    let result = io::write(w, b"abc").and_then(|_| raw(nr::READ, &[r, text_address(), 3]));
    close_all(&[r, w]);
    expect_err("read into text", result, Errno::Fault)?;
    // The kernel is still here.
    ok("getpid after bad pointers", syscall::getpid())?;
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Processes
// ---------------------------------------------------------------------------------------

fn wait_no_child() -> TestResult {
    expect_err("wait(-1)", process::wait_any(), Errno::NoChild)?;
    match process::wait(1_000_000) {
        Err(Errno::NoChild | Errno::NoProcess) => Ok(()),
        other => Err(format!(
            "wait(1000000): expected NoChild or NoProcess, got {other:?}"
        )),
    }
}

fn spawn_exit_status() -> TestResult {
    for code in [0, 7, 255, -5] {
        let status = run_child(&["exit", &format!("{code}")])?;
        ensure!(status == code, "child exit {code}: status {status}");
    }
    Ok(())
}

fn spawn_args() -> TestResult {
    let (r, w) = ok("pipe", io::pipe())?;
    let wfd = format!("{w}");
    let words = ["alpha", "beta", "gamma"];
    let mut args = Vec::from(["say", wfd.as_str()]);
    args.extend_from_slice(&words);
    let spawned = process::spawn("child", &args);
    let _ = io::close(w); // the child has its own copy
    let result = spawned
        .map_err(|e| format!("spawn: {e:?}"))
        .and_then(|pid| {
            let said = read_to_end(r);
            let (_, status) = ok("wait", process::wait(pid))?;
            let said = said?;
            let want = format!("child say {wfd} {}", words.join(" "));
            ensure!(
                said == want.as_bytes(),
                "child got {:?}, want {want:?}",
                String::from_utf8_lossy(&said)
            );
            ensure!(status == 0, "child status {status}");
            Ok(())
        });
    let _ = io::close(r);
    result
}

fn spawn_missing() -> TestResult {
    expect_err(
        "spawn no-such-program",
        process::spawn("no-such-program", &[]),
        Errno::NoEntry,
    )
}

fn panic_exit_status() -> TestResult {
    let status = run_child(&["panic"])?;
    ensure!(status == 101, "panicking child: status {status}, want 101");
    Ok(())
}

fn many_processes() -> TestResult {
    const CHILDREN: i32 = 16;
    let mut running: Vec<(process::Pid, i32)> = Vec::new();
    let mut failure = None;
    for i in 0..CHILDREN {
        let code = 20 + i;
        match process::spawn("child", &["exit", &format!("{code}"), "1"]) {
            Ok(pid) => running.push((pid, code)),
            Err(e) => {
                failure = Some(format!("spawn of child {i}: {e:?}"));
                break;
            }
        }
    }
    while !running.is_empty() {
        let (pid, status) = ok("wait(-1)", process::wait_any())?;
        let Some(at) = running.iter().position(|&(p, _)| p == pid) else {
            return Err(format!("wait(-1) returned unknown pid {pid}"));
        };
        let (_, code) = running.swap_remove(at);
        if status != code && failure.is_none() {
            failure = Some(format!("child {pid}: status {status}, want {code}"));
        }
    }
    if let Some(failure) = failure {
        return Err(failure);
    }
    expect_err("wait(-1) after all", process::wait_any(), Errno::NoChild)
}

// ---------------------------------------------------------------------------------------
// Time and yielding
// ---------------------------------------------------------------------------------------

fn yield_test() -> TestResult {
    for _ in 0..10 {
        ok("yield", syscall::yield_now())?;
    }
    Ok(())
}

fn sleep() -> TestResult {
    const NS: u64 = 2_000_000;
    ok("sleep(0)", syscall::sleep(0))?;
    let start = ok("clock", syscall::clock())?;
    ok("sleep", syscall::sleep(NS))?;
    let slept = ok("clock", syscall::clock())?.saturating_sub(start);
    ensure!(slept >= NS, "sleep({NS}) returned after {slept} ns");
    Ok(())
}

fn clock_monotonic() -> TestResult {
    let mut last = ok("clock", syscall::clock())?;
    ensure!(last > 0, "clock is 0");
    for _ in 0..200 {
        let now = ok("clock", syscall::clock())?;
        ensure!(now >= last, "clock went back from {last} to {now}");
        last = now;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Threads and synchronisation
// ---------------------------------------------------------------------------------------

/// Joins every handle (ignoring results), for clean-up after a failure.
fn join_all<T>(handles: Vec<JoinHandle<T>>) -> Result<Vec<T>, String> {
    let mut results = Vec::with_capacity(handles.len());
    let mut failure = None;
    for handle in handles {
        let tid = handle.tid();
        match handle.join() {
            Ok(value) => results.push(value),
            Err(e) => failure = failure.or(Some(format!("join({tid}): {e:?}"))),
        }
    }
    failure.map_or(Ok(results), Err)
}

fn thread_join_values() -> TestResult {
    let main_tid = thread::gettid();
    let mut handles = Vec::new();
    for i in 0..4u64 {
        match thread::try_spawn(move || (i * i + 1, thread::gettid())) {
            Ok(handle) => handles.push(handle),
            Err(e) => {
                join_all(handles)?;
                return Err(format!("thread_create {i}: {e:?}"));
            }
        }
    }
    let tids: Vec<_> = handles.iter().map(|h| h.tid()).collect();
    let results = join_all(handles)?;
    for (i, &(value, tid)) in results.iter().enumerate() {
        let i = i as u64;
        ensure!(
            value == i * i + 1,
            "thread {i} returned {value}, want {}",
            i * i + 1
        );
        ensure!(
            tid == tids[i as usize],
            "thread {i}: gettid {tid}, thread_create said {}",
            tids[i as usize]
        );
        ensure!(tid != main_tid, "thread {i} has the main thread's tid");
    }
    for (i, tid) in tids.iter().enumerate() {
        ensure!(!tids[..i].contains(tid), "tid {tid} given twice");
    }
    Ok(())
}

fn thread_join_errors() -> TestResult {
    expect_err(
        "join self",
        syscall::thread_join(thread::gettid()),
        Errno::Deadlock,
    )?;
    expect_err(
        "join 1000000",
        syscall::thread_join(1_000_000),
        Errno::NoProcess,
    )?;
    let handle = ok("thread_create", thread::try_spawn(|| {}))?;
    let tid = handle.tid();
    ok("join", handle.join())?;
    match syscall::thread_join(tid) {
        Err(Errno::NoProcess | Errno::Deadlock) => Ok(()),
        other => Err(format!(
            "second join: expected NoProcess or Deadlock, got {other:?}"
        )),
    }
}

fn mutex_counter() -> TestResult {
    const THREADS: u64 = 32;
    const INCREMENTS: u64 = 200;
    let counter = Arc::new(ulib::sync::Mutex::new(0u64));
    let mut handles = Vec::new();
    let mut failure = None;
    for i in 0..THREADS {
        let counter = counter.clone();
        let spawned = thread::try_spawn(move || {
            for n in 0..INCREMENTS {
                *counter.lock() += 1;
                if n % 50 == 0 {
                    thread::yield_now();
                }
            }
        });
        match spawned {
            Ok(handle) => handles.push(handle),
            Err(e) => {
                failure = Some(format!("thread_create {i}: {e:?}"));
                break;
            }
        }
    }
    let joined = join_all(handles);
    if let Some(failure) = failure {
        return Err(failure);
    }
    joined?;
    let total = *counter.lock();
    ensure!(
        total == THREADS * INCREMENTS,
        "counter is {total}, want {}",
        THREADS * INCREMENTS
    );
    Ok(())
}

fn futex_again() -> TestResult {
    let word = AtomicU32::new(5);
    expect_err(
        "futex_wait(5, expected 4)",
        syscall::futex_wait(&word, 4, 0),
        Errno::Again,
    )?;
    expect_err(
        "futex_wait(5, expected 6, timeout)",
        syscall::futex_wait(&word, 6, 1_000_000),
        Errno::Again,
    )
}

fn futex_timeout() -> TestResult {
    const NS: u64 = 1_000_000;
    let word = AtomicU32::new(5);
    let start = ok("clock", syscall::clock())?;
    expect_err(
        "futex_wait with timeout",
        syscall::futex_wait(&word, 5, NS),
        Errno::TimedOut,
    )?;
    let waited = ok("clock", syscall::clock())?.saturating_sub(start);
    ensure!(
        waited >= NS,
        "timed out after {waited} ns, want at least {NS}"
    );
    Ok(())
}

fn futex_wake_counts() -> TestResult {
    const WAITERS: u32 = 3;
    struct Shared {
        word: AtomicU32,
        ready: AtomicU32,
    }
    let shared = Arc::new(Shared {
        word: AtomicU32::new(0),
        ready: AtomicU32::new(0),
    });
    let nobody = ok(
        "futex_wake with no waiters",
        syscall::futex_wake(&shared.word, 10),
    )?;
    ensure!(nobody == 0, "futex_wake with no waiters woke {nobody}");

    let mut handles = Vec::new();
    for i in 0..WAITERS {
        let waiter = shared.clone();
        let spawned = thread::try_spawn(move || {
            waiter.ready.fetch_add(1, Ordering::SeqCst);
            syscall::futex_wait(&waiter.word, 0, 0)
        });
        match spawned {
            Ok(handle) => handles.push(handle),
            Err(e) => {
                shared.word.store(1, Ordering::SeqCst);
                let _ = syscall::futex_wake(&shared.word, u32::MAX as usize);
                join_all(handles)?;
                return Err(format!("thread_create {i}: {e:?}"));
            }
        }
    }
    // Let every waiter get into futex_wait (bounded, so a lost thread fails the test).
    for _ in 0..10_000 {
        if shared.ready.load(Ordering::SeqCst) == WAITERS {
            break;
        }
        time::sleep_ns(100_000);
    }
    time::sleep_ms(2);
    let first = syscall::futex_wake(&shared.word, 1);
    // The one woken has left the queue: two remain.
    let rest = syscall::futex_wake(&shared.word, 10);
    // Release any waiter that was not asleep yet, so the joins below cannot hang.
    shared.word.store(1, Ordering::SeqCst);
    let _ = syscall::futex_wake(&shared.word, u32::MAX as usize);
    let results = join_all(handles)?;

    let (first, rest) = (ok("futex_wake(1)", first)?, ok("futex_wake(10)", rest)?);
    if on_hartlab() {
        ensure!(
            first == 1 && rest == 2,
            "woke {first} then {rest}, want 1 then 2"
        );
        for (i, result) in results.iter().enumerate() {
            ensure!(result.is_ok(), "waiter {i}: futex_wait returned {result:?}");
        }
    } else {
        // On QEMU a waiter may not have reached futex_wait in time.
        ensure!(
            first <= 1 && rest <= 2,
            "woke {first} then {rest}, want at most 1 then 2"
        );
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Pipes
// ---------------------------------------------------------------------------------------

fn pipe_basic() -> TestResult {
    let (r, w) = ok("pipe", io::pipe())?;
    let result = (|| {
        ensure!(r != w, "pipe returned the same fd {r} twice");
        ensure!(ok("write", io::write(w, b"hello"))? == 5, "short write");
        let mut buf = [0u8; 16];
        let n = ok("read", io::read(r, &mut buf))?;
        ensure!(
            &buf[..n] == b"hello",
            "read {:?}, want \"hello\"",
            String::from_utf8_lossy(&buf[..n])
        );
        ok("close write end", io::close(w))?;
        let n = ok("read at end of file", io::read(r, &mut buf))?;
        ensure!(n == 0, "read {n} bytes after the writer closed");
        ensure!(
            io::write(r, b"x").is_err(),
            "a write to the read end worked"
        );
        Ok(())
    })();
    close_all(&[r, w]);
    result?;
    expect_err("close twice", io::close(r), Errno::BadFd)
}

fn pipe_broken() -> TestResult {
    let (r, w) = ok("pipe", io::pipe())?;
    ok("close read end", io::close(r))?;
    let result = io::write(w, b"nobody reads this");
    let _ = io::close(w);
    expect_err("write without reader", result, Errno::BrokenPipe)
}

/// A parent opens a descriptor of its child; nobody else's.
fn dup_from_child() -> TestResult {
    let (r, w) = ok("pipe", io::pipe())?;
    let pid = ok("spawn", process::spawn("child", &["exit", "0", "50"]))?;
    // The child inherited both ends; take its write end back under a new number.
    let fd = ok("dup_from_child", syscall::dup_from_child(pid, w));
    let bad = syscall::dup_from_child(pid, 63);
    let me = syscall::dup_from_child(process::getpid(), 1);
    let (_, status) = ok("wait", process::wait(pid))?;
    let fd = fd?;
    ensure!(
        fd != w && fd != r,
        "dup_from_child gave {fd}, already in use"
    );
    ok("close w", io::close(w))?;
    ok("write through the copy", io::write_all(fd, b"x"))?;
    let mut byte = [0u8];
    let n = ok("read", io::read(r, &mut byte))?;
    ok("close", io::close(fd))?;
    ok("close r", io::close(r))?;
    ensure!(n == 1 && byte[0] == b'x', "read {n} bytes {byte:?}");
    ensure!(status == 0, "child status {status}");
    expect_err("fd 63 of the child", bad, Errno::BadFd)?;
    expect_err("from itself", me, Errno::NoProcess)?;
    expect_err(
        "from a reaped child",
        syscall::dup_from_child(pid, 1),
        Errno::NoProcess,
    )
}

fn pipe_between_processes() -> TestResult {
    let (to_child, from_parent) = {
        let (r, w) = ok("pipe", io::pipe())?;
        (w, r)
    };
    let (from_child, to_parent) = match io::pipe() {
        Ok(p) => p,
        Err(e) => {
            close_all(&[to_child, from_parent]);
            return Err(format!("pipe: {e:?}"));
        }
    };
    // The child reads `from_parent`, writes `to_parent` and closes our ends of its copies.
    let args = [from_parent, to_parent, to_child, from_child].map(|fd| format!("{fd}"));
    let mut argv = Vec::from(["echo"]);
    argv.extend(args.iter().map(String::as_str));
    let spawned = process::spawn("child", &argv);
    close_all(&[from_parent, to_parent]);
    let pid = match spawned {
        Ok(pid) => pid,
        Err(e) => {
            close_all(&[to_child, from_child]);
            return Err(format!("spawn: {e:?}"));
        }
    };
    let message: Vec<u8> = (0..200u32).map(|i| b'a' + (i % 26) as u8).collect();
    let sent = io::write_all(to_child, &message);
    let _ = io::close(to_child); // end of file for the child
    let echoed = read_to_end(from_child);
    let _ = io::close(from_child);
    let waited = process::wait(pid);
    ok("write to child", sent)?;
    let echoed = echoed?;
    let (_, status) = ok("wait", waited)?;
    ensure!(
        echoed == message,
        "echoed {} bytes, differing from the {} sent",
        echoed.len(),
        message.len()
    );
    ensure!(status == 0, "echo child: status {status}");
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Memory and devices
// ---------------------------------------------------------------------------------------

fn map_memory() -> TestResult {
    const LEN: usize = 3 * 4096 + 1;
    let first = ok("map_memory", memory::map_memory(LEN))? as usize;
    let second = ok("map_memory", memory::map_memory(4096))? as usize;
    for addr in [first, second] {
        ensure!(
            addr.is_multiple_of(4096),
            "map_memory returned unaligned {addr:#x}"
        );
        ensure!(
            (layout::MAP_START..layout::DEVICE_START).contains(&addr),
            "map_memory returned {addr:#x}, outside the mapping area"
        );
    }
    ensure!(
        second >= first + 4 * 4096 || second + 4096 <= first,
        "mappings overlap"
    );
    let words = 4 * 4096 / 8;
    let region = first as *mut u64;
    for i in 0..words {
        // SAFETY: the kernel mapped 4 pages read-write at `first`.
        let value = unsafe { region.add(i).read_volatile() };
        ensure!(
            value == 0,
            "fresh memory is not zero at {:#x}",
            first + 8 * i
        );
        unsafe { region.add(i).write_volatile(i as u64 ^ 0x5a5a) };
    }
    for i in 0..words {
        let value = unsafe { region.add(i).read_volatile() };
        ensure!(
            value == i as u64 ^ 0x5a5a,
            "memory at {:#x} lost its value",
            first + 8 * i
        );
    }
    match memory::map_memory(1 << 40) {
        Err(Errno::NoMemory | Errno::Invalid) => Ok(()),
        other => Err(format!(
            "map_memory(1 TiB): expected NoMemory or Invalid, got {other:?}"
        )),
    }
}

fn map_device() -> TestResult {
    match memory::map_device(abi::device::SIM_CONTROL) {
        Ok(addr) => {
            let addr = addr as usize;
            ensure!(
                sim::present(),
                "map_device worked but ulib::sim says absent"
            );
            ensure!(
                (layout::DEVICE_START..layout::STACK_TOP).contains(&addr)
                    && addr.is_multiple_of(4096),
                "device mapped at {addr:#x}"
            );
        }
        Err(Errno::NoDevice) => ensure!(
            !sim::present(),
            "map_device said NoDevice but ulib::sim is present"
        ),
        Err(e) => return Err(format!("map_device(SIM_CONTROL): {e:?}")),
    }
    match memory::map_device(12345) {
        Err(Errno::NoDevice | Errno::Invalid) => Ok(()),
        other => Err(format!(
            "map_device(12345): expected NoDevice or Invalid, got {other:?}"
        )),
    }
}

fn hart_stats() -> TestResult {
    let harts = ok("hart_count", syscall::hart_count())?;
    ensure!(harts >= 1, "hart_count is 0");
    let here = ok("current_hart", syscall::current_hart())?;
    ensure!(here < harts, "current_hart {here} with {harts} harts");
    let before = ok("hart_stats", stats::hart_stats())?;
    ensure!(
        before.len() == harts,
        "hart_stats gave {} entries for {harts} harts",
        before.len()
    );
    for (i, entry) in before.iter().enumerate() {
        ensure!(
            entry.hart == i as u64,
            "entry {i} is for hart {}",
            entry.hart
        );
    }
    let mut one = [HartStats::default()];
    let reported = ok("hart_stats(count 1)", syscall::hart_stats(&mut one))?;
    ensure!(
        reported == harts,
        "hart_stats(count 1) says {reported} harts, hart_count {harts}"
    );
    ensure!(
        one[0].hart == 0,
        "hart_stats(count 1) filled in hart {}",
        one[0].hart
    );
    let after = ok("hart_stats", stats::hart_stats())?;
    let (before, after) = (stats::total(&before), stats::total(&after));
    ensure!(before.syscalls > 0, "no system calls counted");
    ensure!(
        after.syscalls > before.syscalls,
        "system calls did not increase"
    );
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Faults: each in a `child` the kernel must kill with KILLED_BY_FAULT - scause
// ---------------------------------------------------------------------------------------

/// Runs `child fault <kind>` and checks the kernel killed it for exception `scause`.
fn fault_case(kind: &str, scause: i32) -> TestResult {
    let before = total_stats()?;
    let status = run_child(&["fault", kind])?;
    let want = abi::KILLED_BY_FAULT - scause;
    ensure!(
        status == want,
        "child fault {kind}: status {status}, want {want}"
    );
    let after = total_stats()?;
    ensure!(
        after.faults_killed > before.faults_killed,
        "faults_killed did not increase"
    );
    Ok(())
}

fn fault_load_kernel() -> TestResult {
    fault_case("load-kernel", 13)
}

fn fault_store_kernel() -> TestResult {
    fault_case("store-kernel", 15)
}

fn fault_store_text() -> TestResult {
    fault_case("store-text", 15)
}

fn fault_exec_kernel() -> TestResult {
    fault_case("exec-kernel", 12)
}

fn fault_illegal() -> TestResult {
    fault_case("illegal", 2)
}

fn fault_load_unmapped() -> TestResult {
    fault_case("load-unmapped", 13)
}

fn fault_exec_data() -> TestResult {
    fault_case("exec-data", 12)
}

/// Misaligned loads and stores of every width, in their full and compressed forms (the
/// assembler picks C.LW / C.LD / C.SD for `a5`-based and C.LWSP / C.LDSP / C.SWSP /
/// C.SDSP for `sp`-based accesses), give what aligned byte accesses give: performed by the
/// firmware when the harts trap them, by the hardware on QEMU (and on hartlab with
/// `machine.misaligned = "hardware"`).
fn misaligned_access() -> TestResult {
    #[repr(align(8))]
    struct Buffer([u8; 24]);
    let mut buf = Buffer([0; 24]);
    for (i, b) in buf.0.iter_mut().enumerate() {
        *b = 0x10 + i as u8;
    }
    let p = buf.0.as_mut_ptr();
    let expect = |what: &str, got: u64, want: u64| -> TestResult {
        ensure!(got == want, "{what}: {got:#x}, want {want:#x}");
        Ok(())
    };
    let (lh, lhu, lw, lwu, ld, clw, cld, lwsp, ldsp): (
        u64,
        u64,
        u64,
        u64,
        u64,
        u64,
        u64,
        u64,
        u64,
    );
    // SAFETY: every access lies inside `buf`; sp is restored before the block ends and no
    // call happens while it points at `buf`.
    unsafe {
        core::arch::asm!(
            "lh {lh}, 1(a5)",
            "lhu {lhu}, 3(a5)",
            "lw {lw}, 5(a5)",
            "lwu {lwu}, 6(a5)",
            "ld {ld}, 9(a5)",
            "addi a5, a5, 3",
            "lw a0, 4(a5)",
            "ld a1, 8(a5)",
            "mv t0, sp",
            "mv sp, a5",
            "lw a2, 0(sp)",
            "ld a3, 8(sp)",
            "mv sp, t0",
            "addi a5, a5, -3",
            inout("a5") p => _,
            lh = out(reg) lh,
            lhu = out(reg) lhu,
            lw = out(reg) lw,
            lwu = out(reg) lwu,
            ld = out(reg) ld,
            out("a0") clw,
            out("a1") cld,
            out("a2") lwsp,
            out("a3") ldsp,
            out("t0") _,
        );
    }
    let le = |at: usize, n: usize| -> u64 {
        (0..n).fold(0, |v, i| v | ((0x10 + at + i) as u64) << (8 * i))
    };
    let sext = |v: u64, bits: u32| ((v << (64 - bits)) as i64 >> (64 - bits)) as u64;
    expect("lh", lh, sext(le(1, 2), 16))?;
    expect("lhu", lhu, le(3, 2))?;
    expect("lw", lw, sext(le(5, 4), 32))?;
    expect("lwu", lwu, le(6, 4))?;
    expect("ld", ld, le(9, 8))?;
    expect("c.lw", clw, sext(le(7, 4), 32))?;
    expect("c.ld", cld, le(11, 8))?;
    expect("c.lwsp", lwsp, sext(le(3, 4), 32))?;
    expect("c.ldsp", ldsp, le(11, 8))?;

    let value: u64 = 0x8877_6655_4433_2211;
    buf.0 = [0; 24];
    let p = buf.0.as_mut_ptr();
    // SAFETY: as above.
    unsafe {
        core::arch::asm!(
            "sh a4, 1(a5)",
            "sw a4, 3(a5)",
            "sd a4, 13(a5)",
            "addi a5, a5, 7",
            "sd a4, 0(a5)",
            "mv t0, sp",
            "mv sp, a5",
            "sw a4, 12(sp)",
            "mv sp, t0",
            "addi a5, a5, -7",
            inout("a5") p => _,
            in("a4") value,
            out("t0") _,
        );
    }
    // Bytes written in program order: sh at 1, sw at 3, sd at 13, c.sd at 7, c.swsp at 19.
    let mut want = [0u8; 24];
    for (at, n) in [(1, 2), (3, 4), (13, 8), (7, 8), (19, 4)] {
        want[at..at + n].copy_from_slice(&value.to_le_bytes()[..n]);
    }
    ensure!(buf.0 == want, "stores wrote {:x?}, want {:x?}", buf.0, want);
    Ok(())
}

fn fault_misaligned_unmapped() -> TestResult {
    fault_case("load-misaligned-unmapped", 13)?;
    fault_case("store-misaligned-unmapped", 15)
}

fn memory_isolation() -> TestResult {
    let values = ["1111", "2222"];
    let mut pids = Vec::new();
    for value in values {
        match process::spawn("child", &["isolation", value]) {
            Ok(pid) => pids.push(pid),
            Err(e) => {
                for pid in pids {
                    let _ = process::wait(pid);
                }
                return Err(format!("spawn: {e:?}"));
            }
        }
    }
    let mut failure = None;
    for (pid, value) in pids.into_iter().zip(values) {
        match process::wait(pid) {
            Ok((_, 0)) => {}
            Ok((_, status)) => {
                failure = failure.or(Some(format!("child isolation {value}: status {status}")))
            }
            Err(e) => failure = failure.or(Some(format!("wait: {e:?}"))),
        }
    }
    failure.map_or(Ok(()), Err)
}

/// Memory from `map_shared` is shared with a child spawned afterwards, and a futex on it
/// wakes a waiter in the other process.
fn shared_memory_futex() -> TestResult {
    let addr = ok("map_shared", memory::map_shared(4096))? as usize;
    // SAFETY: four words of the fresh shared page.
    let words = unsafe { &*(addr as *const [AtomicU32; 4]) };
    words[0].store(7, Ordering::Release);
    let arg = format!("{addr}");
    let pid = ok("spawn", process::spawn("child", &["shared", &arg]))?;
    while words[1].load(Ordering::Acquire) == 0 {
        thread::yield_now();
    }
    // Give the child time to sleep on the futex, then wake it.
    time::sleep_ns(200_000);
    words[2].store(1, Ordering::Release);
    let woken = ok("futex_wake", syscall::futex_wake(&words[2], 1))?;
    let (_, status) = ok("wait", process::wait(pid))?;
    ensure!(status == 0, "child shared: status {status}");
    ensure!(
        words[3].load(Ordering::Acquire) == 9,
        "the child's store is not visible"
    );
    ensure!(woken <= 1, "futex_wake woke {woken}");
    Ok(())
}

/// Sends upcall value 42 to a `child upcall <how>` until its handler is set, then waits.
fn upcall_child(how: &str) -> TestResult {
    let pid = ok("spawn", process::spawn("child", &["upcall", how]))?;
    loop {
        match ulib::upcall::send(pid, 42) {
            Ok(()) => break,
            // No handler yet: the child has not got that far.
            Err(Errno::Invalid) => thread::yield_now(),
            Err(e) => {
                let _ = process::wait(pid);
                return Err(format!("upcall_send: {e:?}"));
            }
        }
    }
    let (_, status) = ok("wait", process::wait(pid))?;
    ensure!(status == 0, "child upcall {how}: status {status}");
    Ok(())
}

/// An upcall wakes a process waiting in `upcall_wait` and runs its handler.
fn upcall_wait() -> TestResult {
    upcall_child("wait")
}

/// An upcall interrupts a process that is running (spinning) and runs its handler.
fn upcall_running() -> TestResult {
    upcall_child("spin")
}

/// Upcalls to nobody, or to a process without a handler, fail cleanly.
fn upcall_errors() -> TestResult {
    expect_err(
        "upcall to no process",
        ulib::upcall::send(999_999, 1),
        Errno::NoProcess,
    )?;
    let me = process::getpid();
    expect_err(
        "upcall without a handler",
        ulib::upcall::send(me, 1),
        Errno::Invalid,
    )?;
    Ok(())
}

/// The vectors this process's user-interrupt handler has seen (a bit each).
static UINTR_SEEN: AtomicU64 = AtomicU64::new(0);

fn uintr_handler(pending: u64) {
    UINTR_SEEN.fetch_or(pending, Ordering::AcqRel);
}

/// Runs `test` on a fresh thread that has become a user-interrupt receiver (its slot goes
/// when the thread ends); passes at once on a machine without a UINTC.
fn with_receiver(test: fn() -> TestResult) -> TestResult {
    let handle = thread::try_spawn(move || -> TestResult {
        UINTR_SEEN.store(0, Ordering::Release);
        match ulib::uintr::register_handler(uintr_handler) {
            Err(Errno::NoDevice) => return Ok(()),
            other => ok("uintr_register_handler", other)?,
        };
        test()
    });
    ok("thread spawn", handle)?
        .join()
        .map_err(|e| format!("join: {e:?}"))?
}

/// A receiver interrupts itself: the handler runs at once, with the vector of the descriptor
/// used, once per pending set of vectors.
fn uintr_self() -> TestResult {
    with_receiver(|| {
        let fd = ok("uintr_create_fd", ulib::uintr::create_fd(5))?;
        let index = ok("uintr_register_sender", ulib::uintr::register_sender(fd))?;
        ulib::uintr::send(index);
        let seen = UINTR_SEEN.load(Ordering::Acquire);
        ensure!(
            seen == 1 << 5,
            "after uipi.send to itself the handler saw {seen:#x}"
        );
        let fd9 = ok("uintr_create_fd", ulib::uintr::create_fd(9))?;
        let index9 = ok("uintr_register_sender", ulib::uintr::register_sender(fd9))?;
        ensure!(index9 != index, "two registrations share index {index}");
        ulib::uintr::send(index9);
        let seen = UINTR_SEEN.load(Ordering::Acquire);
        ensure!(seen == 1 << 5 | 1 << 9, "after the second send: {seen:#x}");
        // Nothing pending: the handler found nothing more.
        ensure!(ulib::uintr::take_pending() == 0, "vectors left pending");
        ok("close", io::close(fd))?;
        ok("close", io::close(fd9))?;
        Ok(())
    })
}

/// A child process sends to a receiver blocked in `uintr_wait`: the kernel wakes it and
/// the handler runs before the call returns.
fn uintr_wait() -> TestResult {
    with_receiver(|| uintr_from_child(true))
}

/// A child process sends to a receiver that is running (spinning): its handler interrupts it.
fn uintr_running() -> TestResult {
    with_receiver(|| uintr_from_child(false))
}

fn uintr_from_child(block: bool) -> TestResult {
    let fd = ok("uintr_create_fd", ulib::uintr::create_fd(7))?;
    let fd_arg = format!("{fd}");
    let pid = ok("spawn", process::spawn("child", &["uipi", &fd_arg, "1"]))?;
    let deadline = time::now_ns() + 1_000_000_000;
    while UINTR_SEEN.load(Ordering::Acquire) == 0 && time::now_ns() < deadline {
        if block {
            ok("uintr_wait", ulib::uintr::wait())?;
        } else {
            core::hint::spin_loop();
        }
    }
    let (_, status) = ok("wait", process::wait(pid))?;
    ok("close", io::close(fd))?;
    ensure!(status == 0, "child uipi: status {status}");
    let seen = UINTR_SEEN.load(Ordering::Acquire);
    ensure!(
        seen == 1 << 7,
        "the handler saw {seen:#x}, expected vector 7"
    );
    Ok(())
}

/// Bad user-interrupt calls fail with the documented errors; a send through an index that
/// names nothing does nothing.
fn uintr_errors() -> TestResult {
    let no_device = matches!(ulib::uintr::create_fd(0), Err(Errno::NoDevice));
    if no_device {
        return expect_err("uintr_wait", ulib::uintr::wait(), Errno::NoDevice);
    }
    let handle = thread::try_spawn(|| -> TestResult {
        expect_err(
            "create_fd without handler",
            ulib::uintr::create_fd(0),
            Errno::Invalid,
        )?;
        expect_err("wait without handler", ulib::uintr::wait(), Errno::Invalid)?;
        expect_err(
            "misaligned handler",
            syscall::uintr_register_handler(0x1_0000_0002),
            Errno::Invalid,
        )?;
        expect_err(
            "sender of the console",
            ulib::uintr::register_sender(1),
            Errno::BadFd,
        )?;
        expect_err(
            "sender of no fd",
            ulib::uintr::register_sender(63),
            Errno::BadFd,
        )?;
        ok(
            "uintr_register_handler",
            ulib::uintr::register_handler(uintr_handler),
        )?;
        expect_err(
            "second registration",
            ulib::uintr::register_handler(uintr_handler),
            Errno::Invalid,
        )?;
        expect_err("vector 64", ulib::uintr::create_fd(64), Errno::Invalid)?;
        UINTR_SEEN.store(0, Ordering::Release);
        ulib::uintr::send(4000);
        ensure!(
            UINTR_SEEN.load(Ordering::Acquire) == 0,
            "a send to nothing interrupted"
        );
        Ok(())
    });
    ok("thread spawn", handle)?
        .join()
        .map_err(|e| format!("join: {e:?}"))?
}

// ---------------------------------------------------------------------------------------
// Task controller (hartlab only: on QEMU the calls fail with NoDevice and the tests stop
// there)
// ---------------------------------------------------------------------------------------

/// Task records: their addresses are the tasks' ids.
#[repr(align(64))]
struct Record([u8; 64]);

static RECORDS: [Record; 4] = [const { Record([0; 64]) }; 4];

/// The id of task record `i` with `priority`.
fn task(i: usize, priority: u32) -> u64 {
    taskctl::task_id(RECORDS[i].0.as_ptr() as usize, priority, false)
}

/// The process's task-controller set; `None` on a machine without the device (QEMU).
fn task_set() -> Result<Option<TaskSet>, String> {
    match TaskSet::open() {
        Ok(set) => {
            ensure!(on_hartlab(), "taskctl_open worked without the simulator");
            Ok(Some(set))
        }
        Err(Errno::NoDevice) if !on_hartlab() => Ok(None),
        Err(e) => Err(format!("taskctl_open: {e:?}")),
    }
}

/// Reads and clears the set's error bits, which must be `want`.
fn take_error(set: &TaskSet, what: &str, want: u64) -> TestResult {
    let error = set.error();
    set.clear_error(error);
    ensure!(
        error == want,
        "{what}: error bits {error:#x}, expected {want:#x}"
    );
    Ok(())
}

/// Dequeues (local queue `queue`, yielding between tries) until a task is ready, which must
/// be `want`; fails after a second of simulated time.
fn expect_task(set: &TaskSet, queue: usize, want: u64) -> TestResult {
    let deadline = time::now_ns() + 1_000_000_000;
    while time::now_ns() < deadline {
        if let Some(task) = set.dequeue(queue) {
            ensure!(task == want, "dequeued {task:#x}, expected {want:#x}");
            return Ok(());
        }
        thread::yield_now();
    }
    Err(format!("task {want:#x} was not woken"))
}

/// Opening twice gives the same set; tasks leave a queue by priority, first in first out
/// within one; the three policies share tasks between local queues as the device's
/// specification says.
fn taskctl_queue() -> TestResult {
    let Some(set) = task_set()? else {
        return Ok(());
    };
    ensure!(
        set.address() == layout::TASK_SET,
        "set mapped at {:#x}",
        set.address()
    );
    let again = ok("taskctl_open again", TaskSet::open())?;
    ensure!(
        again.address() == set.address(),
        "a second open moved the set"
    );
    set.set_policy(Policy::StealOne);
    ensure!(
        set.status().policy == Some(Policy::StealOne) && set.status().queued == 0,
        "fresh set: {:?}",
        set.status()
    );
    let (a, b, c, d) = (task(0, 3), task(1, 0), task(2, 3), task(3, 7));
    for t in [a, b, c, d] {
        set.enqueue(0, t);
    }
    ensure!(set.count(0) == 4, "count {} after 4 enqueues", set.count(0));
    ensure!(set.status().queued == 4, "status {:?}", set.status());
    for want in [b, a, c, d] {
        ensure!(
            set.dequeue(0) == Some(want),
            "dequeue order: expected {want:#x}"
        );
    }
    ensure!(set.dequeue(0).is_none(), "an empty queue gave a task");
    ensure!(taskctl::priority(d) == 7, "priority of {d:#x}");
    let harts = ok("hart_count", syscall::hart_count())?;
    if harts >= 2 {
        set.set_policy(Policy::Local);
        set.enqueue(0, a);
        ensure!(
            set.dequeue(1).is_none(),
            "d-FCFS: queue 1 took queue 0's task"
        );
        ensure!(set.dequeue(0) == Some(a), "d-FCFS: queue 0 lost its task");
        set.set_policy(Policy::StealOne);
        set.enqueue(0, a);
        ensure!(
            set.dequeue(1) == Some(a),
            "steal-one: queue 1 did not steal"
        );
        set.set_policy(Policy::Shared);
        set.enqueue(1, b);
        ensure!(
            set.count(0) == 1,
            "c-FCFS: the shared queue has {}",
            set.count(0)
        );
        ensure!(set.dequeue(0) == Some(b), "c-FCFS: queue 0 did not get it");
        set.set_policy(Policy::StealOne);
    }
    take_error(&set, "queue operations", 0)
}

/// A notification to a channel with no handler is kept until one is bound; a child that
/// inherits a channel descriptor connects to it and wakes the handler bound there; a process
/// that was never let send is refused (NO_PERMISSION) and wakes nothing.
fn taskctl_ipc() -> TestResult {
    let Some(set) = task_set()? else {
        return Ok(());
    };
    let channel = 5;
    let handler = task(0, 1);
    let fd = ok("taskctl_channel", set.channel(channel))?;
    let result = (|| {
        let own = ok("taskctl_connect", set.connect(fd))?;
        own.send();
        take_error(&set, "send to an own channel", 0)?;
        ensure!(
            set.pending_channels() == 1 << channel,
            "pending channels {:#x}",
            set.pending_channels()
        );
        set.bind_channel(channel, handler);
        expect_task(&set, 0, handler)?;
        ensure!(
            set.channel_handler(channel).is_none() && set.pending_channels() == 0,
            "the latched send did not consume the binding"
        );

        set.bind_channel(channel, handler);
        let status = run_child(&["taskctl", "send", &format!("{fd}")])?;
        ensure!(status == 0, "child taskctl send: status {status}");
        expect_task(&set, 0, handler)?;

        set.bind_channel(channel, handler);
        let status = run_child(&["taskctl", "forge", &format!("{}", own.value())])?;
        ensure!(status == 0, "child taskctl forge: status {status}");
        ensure!(
            set.channel_handler(channel) == Some(handler)
                && set.pending_channels() == 0
                && set.status().queued == 0,
            "a send without the capability got through"
        );
        set.bind_channel(channel, 0);
        take_error(&set, "ipc", 0)
    })();
    close_all(&[fd]);
    result
}

/// The set and local queue `taskctl_preempt`'s user-interrupt handler dequeues from (0: none).
static PREEMPT_SET: AtomicU64 = AtomicU64::new(0);
static PREEMPT_QUEUE: AtomicU64 = AtomicU64::new(0);
/// The task that handler dequeued (0: none yet).
static PREEMPT_TASK: AtomicU64 = AtomicU64::new(0);

fn preempt_handler(_pending: u64) {
    let at = PREEMPT_SET.load(Ordering::Acquire);
    if at != 0 {
        // SAFETY: the set outlives the test's sends (cleared before it goes).
        let set = unsafe { &*(at as *const TaskSet) };
        if let Some(task) = set.dequeue(PREEMPT_QUEUE.load(Ordering::Relaxed) as usize) {
            PREEMPT_TASK.store(task, Ordering::Release);
        }
    }
}

/// A wake-up of a task with the preempt flag interrupts a user-interrupt receiver of the
/// set's process in user mode (the kernel keeps the set online on its hart), and its handler
/// dequeues the task.
fn taskctl_preempt() -> TestResult {
    let Some(set) = task_set()? else {
        return Ok(());
    };
    let handle = thread::try_spawn(move || -> TestResult {
        PREEMPT_TASK.store(0, Ordering::Release);
        PREEMPT_SET.store(&set as *const TaskSet as u64, Ordering::Release);
        ok(
            "uintr_register_handler",
            ulib::uintr::register_handler(preempt_handler),
        )?;
        let channel = 9;
        let handler = taskctl::task_id(RECORDS[1].0.as_ptr() as usize, 2, true);
        let fd = ok("taskctl_channel", set.channel(channel))?;
        let result = (|| {
            let own = ok("taskctl_connect", set.connect(fd))?;
            let hart = ok("current_hart", syscall::current_hart())?;
            PREEMPT_QUEUE.store(hart as u64, Ordering::Release);
            set.bind_channel(channel, handler);
            own.send();
            let deadline = time::now_ns() + 1_000_000_000;
            while PREEMPT_TASK.load(Ordering::Acquire) == 0 && time::now_ns() < deadline {
                core::hint::spin_loop();
            }
            let got = PREEMPT_TASK.load(Ordering::Acquire);
            ensure!(
                got == handler,
                "the handler dequeued {got:#x}, expected {handler:#x}"
            );
            ensure!(set.status().queued == 0, "tasks left queued");
            take_error(&set, "preempt", 0)
        })();
        PREEMPT_SET.store(0, Ordering::Release);
        close_all(&[fd]);
        result
    });
    ok("thread spawn", handle)?
        .join()
        .map_err(|e| format!("join: {e:?}"))?
}

/// A child hands us a descriptor of its own channel (`dup_from_child`); connecting to it
/// lets our send wake the child's handler; once the child has ended, its set is gone: the
/// descriptor connects to nothing (BrokenPipe) and the capability is revoked (NOT_INIT).
fn taskctl_from_child() -> TestResult {
    let Some(set) = task_set()? else {
        return Ok(());
    };
    let (r, w) = ok("pipe", io::pipe())?;
    let mut dup = None;
    let result = (|| {
        let pid = ok(
            "spawn",
            process::spawn("child", &["taskctl", "wake-me", &format!("{w}")]),
        )?;
        let mut number = [0u8; 8];
        let mut got = 0;
        while got < number.len() {
            match io::read(r, &mut number[got..]) {
                Ok(n) if n > 0 => got += n,
                other => {
                    let _ = process::wait(pid);
                    return Err(format!("reading the child's descriptor: {other:?}"));
                }
            }
        }
        let theirs = u64::from_le_bytes(number) as usize;
        let connected = syscall::dup_from_child(pid, theirs).and_then(|fd| {
            dup = Some(fd);
            set.connect(fd)
        });
        let sender = match connected {
            Ok(sender) => sender,
            Err(e) => {
                let _ = process::wait(pid);
                return Err(format!("connecting to the child's channel: {e:?}"));
            }
        };
        sender.send();
        let error = set.error();
        let (_, status) = ok("wait", process::wait(pid))?;
        ensure!(error == 0, "send to the child: error {error:#x}");
        ensure!(status == 0, "child taskctl wake-me: status {status}");
        let fd = dup.unwrap_or_default();
        expect_err(
            "connect after the child ended",
            set.connect(fd),
            Errno::BrokenPipe,
        )?;
        sender.send();
        take_error(&set, "send to an ended process", taskctl::error::NOT_INIT)
    })();
    close_all(&[r, w]);
    close_all(dup.as_slice());
    result
}

/// The calls' errors (all NoDevice on QEMU), and the device's for bad queues, priorities,
/// channels and task ids, each failing operation changing nothing.
fn taskctl_errors() -> TestResult {
    let Some(set) = task_set()? else {
        expect_err(
            "taskctl_channel",
            raw(nr::TASKCTL_CHANNEL, &[0]),
            Errno::NoDevice,
        )?;
        return expect_err(
            "taskctl_connect",
            raw(nr::TASKCTL_CONNECT, &[0]),
            Errno::NoDevice,
        );
    };
    let fd = ok("taskctl_channel", set.channel(abi::TASKCTL_CHANNELS - 1))?;
    let result = (|| {
        expect_err(
            "channel 64",
            set.channel(abi::TASKCTL_CHANNELS),
            Errno::Invalid,
        )?;
        expect_err("channel -1", set.channel(usize::MAX), Errno::Invalid)?;
        expect_err("connect(stdout)", set.connect(io::STDOUT), Errno::BadFd)?;
        expect_err("connect(unopened)", set.connect(60), Errno::BadFd)?;
        expect_err("read(channel)", io::read(fd, &mut [0u8; 4]), Errno::BadFd)?;
        expect_err("write(channel)", io::write(fd, b"x"), Errno::BadFd)?;
        take_error(&set, "refused calls", 0)?;

        set.enqueue(0, 0);
        take_error(&set, "enqueue of task 0", taskctl::error::BAD_TASK)?;
        let harts = ok("hart_count", syscall::hart_count())?;
        set.enqueue(harts, task(0, 0));
        take_error(&set, "enqueue beyond the harts", taskctl::error::BAD_INDEX)?;
        ensure!(
            set.dequeue(harts).is_none(),
            "dequeue beyond the harts gave a task"
        );
        take_error(&set, "dequeue beyond the harts", taskctl::error::BAD_INDEX)?;
        // Beyond the default 8 levels (a device configured with all 32 takes it).
        let low = task(1, 31);
        set.enqueue(0, low);
        match set.error() {
            taskctl::error::BAD_INDEX => set.clear_error(taskctl::error::BAD_INDEX),
            0 => ensure!(set.dequeue(0) == Some(low), "priority 31 lost"),
            error => return Err(format!("enqueue at priority 31: error {error:#x}")),
        }
        let own = ok("taskctl_connect", set.connect(fd))?;
        set.sender(own.value() + 1).send();
        take_error(&set, "send to channel 64", taskctl::error::BAD_INDEX)?;
        ensure!(
            set.status().queued == 0 && set.pending_channels() == 0,
            "a failed operation left something: {:?}",
            set.status()
        );
        Ok(())
    })();
    close_all(&[fd]);
    result
}

/// Every process has its own set until the device runs out (NoMemory); a process's set is
/// freed when it ends.
fn taskctl_sets() -> TestResult {
    if task_set()?.is_none() {
        return Ok(());
    }
    let (go_r, go_w) = ok("pipe", io::pipe())?;
    let (res_r, res_w) = match io::pipe() {
        Ok(ends) => ends,
        Err(e) => {
            close_all(&[go_r, go_w]);
            return Err(format!("pipe: {e:?}"));
        }
    };
    let mut pids = Vec::new();
    let result = (|| {
        let args: Vec<String> = [go_r, res_w, go_w, res_r]
            .iter()
            .map(|fd| format!("{fd}"))
            .collect();
        let mut argv = vec!["taskctl", "hold"];
        argv.extend(args.iter().map(String::as_str));
        // The device has at most 256 sets.
        for _ in 0..=256 {
            pids.push(ok("spawn", process::spawn("child", &argv))?);
            let mut answer = [0u8];
            ensure!(
                ok("read", io::read(res_r, &mut answer))? == 1,
                "a holder said nothing"
            );
            match answer[0] {
                b'o' => {}
                b'n' => {
                    ensure!(pids.len() > 1, "not one child got a set");
                    return Ok(());
                }
                other => return Err(format!("a holder answered {:?}", other as char)),
            }
        }
        Err(String::from("more sets than the device can have"))
    })();
    close_all(&[go_w]);
    for pid in pids {
        let _ = process::wait(pid);
    }
    close_all(&[go_r, res_r, res_w]);
    result?;
    let status = run_child(&["taskctl", "open"])?;
    ensure!(
        status == 0,
        "no set free after the holders ended: status {status}"
    );
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Scheduling
// ---------------------------------------------------------------------------------------

/// Simulated time the spinners run before the measurement starts.
const WARM_UP_NS: u64 = 1_000_000;
/// Simulated time over which the spinners' progress is compared, at least ...
const WINDOW_NS: u64 = 3_000_000;
/// ... and, for the fairness test, at least this many timer interrupts per hart (so that the
/// comparison does not hinge on how the last few time slices fell, whatever the kernel's
/// tick) ...
const FAIR_TICKS_PER_HART: u64 = 20;
/// ... but at most this long.
const WINDOW_MAX_NS: u64 = 40_000_000;
/// On QEMU: how long to wait at most for every spinner to make progress.
const QEMU_PATIENCE_MS: u64 = 5_000;

/// An iteration counter on its own cache line.
#[repr(align(64))]
#[derive(Default)]
struct Counter(AtomicU64);

/// What CPU-bound spinner threads share: one counter each and the stop flag.
struct Spin {
    counts: Vec<Counter>,
    stop: AtomicBool,
}

impl Spin {
    /// Spinner `i`: counts iterations, never yielding, until told to stop.
    fn run(&self, i: usize) {
        let count = &self.counts[i].0;
        let mut n = 0;
        while !self.stop.load(Ordering::Relaxed) {
            n += 1;
            count.store(n, Ordering::Relaxed);
        }
    }

    fn snapshot(&self) -> Vec<u64> {
        self.counts
            .iter()
            .map(|c| c.0.load(Ordering::Relaxed))
            .collect()
    }

    /// Each spinner's progress over the measurement window. On hartlab the window lasts
    /// until each hart has taken `ticks_per_hart` timer interrupts (at least [`WINDOW_NS`],
    /// at most [`WINDOW_MAX_NS`]); on QEMU it is stretched (up to [`QEMU_PATIENCE_MS`])
    /// until the first `must_progress` spinners have all moved.
    fn measure(&self, ticks_per_hart: u64, must_progress: usize) -> Vec<u64> {
        time::sleep_ns(WARM_UP_NS);
        let before = self.snapshot();
        let ticks = || total_stats().map_or(0, |s| s.timer_interrupts);
        let ticks_before = ticks();
        let ticks_wanted = ticks_per_hart * stats::hart_count() as u64;
        time::sleep_ns(WINDOW_NS);
        let mut window = WINDOW_NS;
        while on_hartlab()
            && ticks().saturating_sub(ticks_before) < ticks_wanted
            && window < WINDOW_MAX_NS
        {
            time::sleep_ns(WINDOW_NS / 3);
            window += WINDOW_NS / 3;
        }
        let mut waited_ms = 0;
        loop {
            let progress: Vec<u64> = self
                .snapshot()
                .iter()
                .zip(&before)
                .map(|(a, b)| a - b)
                .collect();
            let moved = progress.iter().take(must_progress).all(|&p| p > 0);
            if on_hartlab() || moved || waited_ms >= QEMU_PATIENCE_MS {
                return progress;
            }
            time::sleep_ms(10);
            waited_ms += 10;
        }
    }
}

/// Runs one spinner thread per entry of `priorities` (made in that order, each set to its
/// priority at once) and returns each one's progress over the measurement window. The
/// calling thread runs at priority 0 meanwhile, so it gets its hart back when it wakes; the
/// spinners are stopped and joined and the caller's priority restored on every path.
fn measure_spinners(
    priorities: &[usize],
    ticks_per_hart: u64,
    must_progress: usize,
) -> Result<Vec<u64>, String> {
    let spin = Arc::new(Spin {
        counts: (0..priorities.len()).map(|_| Counter::default()).collect(),
        stop: AtomicBool::new(false),
    });
    ok("set own priority to 0", thread::set_priority(0, 0))?;
    let mut handles = Vec::new();
    let mut started = Ok(());
    for (i, &priority) in priorities.iter().enumerate() {
        let shared = spin.clone();
        match thread::try_spawn(move || shared.run(i)) {
            Ok(handle) => {
                let tid = handle.tid();
                handles.push(handle);
                if let Err(e) = thread::set_priority(tid, priority) {
                    started = Err(format!("set_priority({tid}, {priority}): {e:?}"));
                    break;
                }
            }
            Err(e) => {
                started = Err(format!("thread_create {i}: {e:?}"));
                break;
            }
        }
    }
    let progress = started.map(|()| spin.measure(ticks_per_hart, must_progress));
    spin.stop.store(true, Ordering::Relaxed);
    let joined = join_all(handles);
    let restored = thread::set_priority(0, abi::DEFAULT_PRIORITY);
    let progress = progress?;
    joined?;
    ok("restore own priority", restored)?;
    Ok(progress)
}

/// 2 x harts spinners of equal priority that never yield share the harts fairly: the
/// timer tick preempts them.
fn preemption_fairness() -> TestResult {
    let spinners = 2 * stats::hart_count();
    let progress = measure_spinners(
        &vec![abi::DEFAULT_PRIORITY; spinners],
        FAIR_TICKS_PER_HART,
        spinners,
    )?;
    let (min, max) = (
        progress.iter().min().copied(),
        progress.iter().max().copied(),
    );
    let (min, max) = (min.unwrap_or(0), max.unwrap_or(0));
    ensure!(min > 0, "a spinner made no progress: {progress:?}");
    if on_hartlab() {
        ensure!(
            min * 10 >= max * 7,
            "unfair: min/max progress below 0.7: {progress:?}"
        );
    }
    Ok(())
}

/// With one priority-1 spinner per hart, priority-6 spinners made after them get (almost)
/// no hart time.
fn priorities() -> TestResult {
    const HIGH: usize = 1;
    const LOW: usize = 6;
    let harts = stats::hart_count();
    let mut levels = vec![HIGH; harts];
    levels.extend(vec![LOW; harts]);
    let progress = measure_spinners(&levels, 0, harts)?;
    let (highs, lows) = progress.split_at(harts);
    ensure!(
        highs.iter().all(|&p| p > 0),
        "a high-priority spinner made no progress: {progress:?}"
    );
    if on_hartlab() {
        let (high, low): (u64, u64) = (highs.iter().sum(), lows.iter().sum());
        ensure!(
            low * 10 <= high,
            "low-priority spinners made {low} iterations, high {high}"
        );
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Coroutines (the shared scheduler payload, ulib::coroutine)
// ---------------------------------------------------------------------------------------

/// Runs `future` on this process's coroutine runtime and returns its result; under
/// `selftest taskctl`, with the ready coroutines in the task controller, which must be where
/// they are on hartlab (QEMU has no such device: the runtime falls back to its own queues).
fn on_coroutines<F>(future: F) -> TestResult
where
    F: core::future::Future<Output = TestResult> + Send + 'static,
{
    run_coroutines(coroutine::Options::default().takeover, future)
}

/// [`on_coroutines`] without the tick's takeover, so one virtual core runs every coroutine:
/// for tests of the order a core runs them in. A takeover adds a second core (that is
/// `coroutine_takeover`'s test), and on QEMU, whose ticks follow the host's clock, one can
/// land in any poll and interleave the two cores' logs.
fn on_one_core<F>(future: F) -> TestResult
where
    F: core::future::Future<Output = TestResult> + Send + 'static,
{
    run_coroutines(false, future)
}

/// What [`on_coroutines`] and [`on_one_core`] share: `takeover` as the runtime option.
fn run_coroutines<F>(takeover: bool, future: F) -> TestResult
where
    F: core::future::Future<Output = TestResult> + Send + 'static,
{
    let taskctl = TASKCTL.load(Ordering::Relaxed);
    let options = coroutine::Options {
        queues: if taskctl {
            coroutine::Queues::TaskController
        } else {
            coroutine::Queues::Default
        },
        takeover,
        ..coroutine::Options::default()
    };
    coroutine::try_block_on_with(options, async move {
        if taskctl {
            let on_device = coroutine::on_task_controller();
            ensure!(
                on_device == on_hartlab(),
                "coroutines on the task controller: {on_device}, on hartlab: {}",
                on_hartlab()
            );
        }
        future.await
    })
    .map_err(|e| format!("block_on: {e:?}"))?
}

/// `cochild`'s arguments: `args`, after `taskctl` under `selftest taskctl`.
fn cochild_args<'a>(args: &[&'a str]) -> Vec<&'a str> {
    let mut all = Vec::new();
    if TASKCTL.load(Ordering::Relaxed) {
        all.push("taskctl");
    }
    all.extend_from_slice(args);
    all
}

/// The coroutine tests again in a child process (`selftest taskctl`) whose coroutines, and
/// its `cochild`ren's, wait in the task controller: priority order and FIFO, a priority
/// change of a ready coroutine, four virtual cores, thousands of coroutines (most of them in
/// the software overflow), a wake-up from another process, the kernel running the process
/// with the more urgent coroutine (which it learns from the device), asynchronous calls (on
/// `taskctl`, the coroutine bound to a channel and queued by the device). On QEMU the child says
/// it falls back and runs them on the software queues.
fn coroutine_taskctl() -> TestResult {
    if TASKCTL.load(Ordering::Relaxed) {
        return Ok(());
    }
    let tests = [
        "coroutine_order",
        "coroutine_current_priority",
        "coroutine_alloc_cpu",
        "coroutine_many",
        "coroutine_cross_process_wake",
        "coroutine_kernel_priority",
        "coroutine_async_read",
    ];
    let mut args = vec!["taskctl"];
    args.extend_from_slice(&tests);
    let pid = ok("spawn selftest", process::spawn("selftest", &args))?;
    let (_, status) = ok("wait", process::wait(pid))?;
    ensure!(status == 0, "selftest taskctl exited with {status}");
    Ok(())
}

/// Coroutines run most urgent first, in spawn order within a priority, and take turns
/// within a priority when they yield.
fn coroutine_order() -> TestResult {
    on_one_core(async {
        let log = Arc::new(ulib::sync::Mutex::new(Vec::new()));
        let plan = [3, 1, 3, 0, 1, 7, 0];
        for (index, &priority) in plan.iter().enumerate() {
            let log = log.clone();
            coroutine::spawn(async move { log.lock().push(index) }, priority);
        }
        for name in [10, 20] {
            let log = log.clone();
            coroutine::spawn(
                async move {
                    for step in 1..=2 {
                        log.lock().push(name + step);
                        coroutine::yield_now().await;
                    }
                },
                2,
            );
        }
        // Main runs at priority 4: sleeping lets priority 7 run too.
        while log.lock().len() < plan.len() + 4 {
            coroutine::sleep(20_000).await;
        }
        let order = log.lock().clone();
        let want = [3, 6, 1, 4, 11, 21, 12, 22, 0, 2, 5];
        ensure!(order == want, "ran in order {order:?}, want {want:?}");
        Ok(())
    })
}

/// `current` names the running coroutine; `set_priority` moves a ready one.
fn coroutine_current_priority() -> TestResult {
    on_one_core(async {
        let main = coroutine::current();
        ensure!(main != 0, "current() is 0 inside a coroutine");
        let log = Arc::new(ulib::sync::Mutex::new(Vec::new()));
        let mut ids = Vec::new();
        for (name, priority) in [("late", 6), ("middle", 5)] {
            let log = log.clone();
            ids.push(coroutine::spawn(
                async move {
                    let me = coroutine::current();
                    log.lock().push((name, me));
                },
                priority,
            ));
        }
        ok("set_priority", coroutine::set_priority(ids[0], 1))?;
        expect_err(
            "set_priority(8)",
            coroutine::set_priority(ids[1], 8),
            Errno::Invalid,
        )?;
        while log.lock().len() < 2 {
            coroutine::sleep(20_000).await;
        }
        let log = log.lock().clone();
        ensure!(
            log == [("late", ids[0]), ("middle", ids[1])],
            "ran as {log:?}, ids {ids:?}"
        );
        ensure!(coroutine::current() == main, "main's id changed");
        // The kernel ranks this thread by the running coroutine's entry in the executor
        // page: a new priority of the running coroutine must show there at once, not at
        // its next yield (the thread may leave the hart before then).
        ok("set_priority", coroutine::set_priority(main, 6))?;
        let executor = coroutine::executor_state();
        let seen: Vec<u32> = (executor.current.iter().zip(&executor.running))
            .filter(|(current, _)| current.load(Ordering::Relaxed) as usize == main)
            .map(|(_, running)| running.load(Ordering::Relaxed))
            .collect();
        ensure!(
            seen == [6],
            "the kernel would rank the running coroutine at {seen:?} after set_priority(6)"
        );
        ok(
            "set_priority",
            coroutine::set_priority(main, coroutine::MAIN_PRIORITY),
        )?;
        Ok(())
    })
}

/// `alloc_cpu(3)` gives the executor four virtual cores: four coroutines that each wait
/// (without yielding) for all four to have started run at once, on as many harts as there
/// are, up to four.
fn coroutine_alloc_cpu() -> TestResult {
    let harts = stats::hart_count();
    on_coroutines(async move {
        let cores = ok("alloc_cpu", coroutine::alloc_cpu(3))?;
        ensure!(cores == 4, "alloc_cpu(3) made {cores} cores, want 4");
        let started = Arc::new(AtomicU32::new(0));
        let seen = Arc::new(AtomicU64::new(0));
        let finished = Arc::new(AtomicU32::new(0));
        for _ in 0..4 {
            let (started, seen, finished) = (started.clone(), seen.clone(), finished.clone());
            coroutine::spawn(
                async move {
                    started.fetch_add(1, Ordering::AcqRel);
                    let deadline = time::now_ns() + 1_000_000_000;
                    while started.load(Ordering::Acquire) < 4 && time::now_ns() < deadline {
                        seen.fetch_or(1 << (thread::current_hart() % 64), Ordering::AcqRel);
                    }
                    seen.fetch_or(1 << (thread::current_hart() % 64), Ordering::AcqRel);
                    finished.fetch_add(1, Ordering::AcqRel);
                },
                3,
            );
        }
        while finished.load(Ordering::Acquire) < 4 {
            coroutine::sleep(50_000).await;
        }
        ensure!(
            started.load(Ordering::Acquire) == 4,
            "the four coroutines did not all start"
        );
        let harts_used = seen.load(Ordering::Acquire).count_ones() as usize;
        ensure!(
            harts_used >= harts.min(4),
            "four virtual cores ran on {harts_used} harts of {harts}"
        );
        Ok(())
    })
}

/// 5000 coroutines in one process, each yielding once; the executor and the kernel's hart
/// statistics count their switches. On the task controller, all but the set's entries wait in
/// the software overflow, behind those in the device. The spawner is more urgent than all it
/// spawns, so no tick's takeover (which needs one at least as urgent ready) starts any of them
/// before that is checked.
fn coroutine_many() -> TestResult {
    const COUNT: u32 = 5000;
    let before = total_stats()?;
    on_coroutines(async {
        coroutine::set_priority(coroutine::current(), 0)
            .map_err(|e| format!("set_priority: {e:?}"))?;
        let done = Arc::new(AtomicU32::new(0));
        for i in 0..COUNT {
            let done = done.clone();
            coroutine::spawn(
                async move {
                    coroutine::yield_now().await;
                    done.fetch_add(1, Ordering::AcqRel);
                },
                1 + (i % 7) as usize,
            );
        }
        if coroutine::on_task_controller() {
            let device = &coroutine::executor_state().device;
            let (queued, overflow) = (
                device.tasks.load(Ordering::Acquire),
                device.overflow.load(Ordering::Acquire),
            );
            ensure!(
                queued == device.limit && queued + overflow == COUNT,
                "{queued} coroutines in the device (room for {}), {overflow} in the overflow",
                device.limit
            );
        }
        while done.load(Ordering::Acquire) < COUNT {
            coroutine::sleep(100_000).await;
        }
        Ok(())
    })?;
    // Leaving the hart makes the kernel count this thread's coroutine switches.
    thread::yield_now();
    let after = total_stats()?;
    let counted = after.coroutine_switches - before.coroutine_switches;
    ensure!(
        counted >= 2 * u64::from(COUNT),
        "hart_stats counted {counted} coroutine switches for {COUNT} coroutines polled twice"
    );
    let executor = coroutine::executor_state();
    ensure!(
        executor.live.load(Ordering::Relaxed) == 0,
        "{} coroutines left",
        executor.live.load(Ordering::Relaxed)
    );
    Ok(())
}

/// Shared memory of `words` zeroed words, for `cochild`.
fn shared_words(words: usize) -> Result<&'static [AtomicU64], String> {
    let addr = ok("map_shared", memory::map_shared(words * 8))?;
    // SAFETY: fresh zeroed read-write memory, aligned, used only through atomics.
    Ok(unsafe { core::slice::from_raw_parts(addr as *const AtomicU64, words) })
}

/// Runs `cochild` with `args` and returns its exit status.
fn run_cochild(args: &[&str]) -> Result<i32, String> {
    let pid = ok(
        "spawn cochild",
        process::spawn("cochild", &cochild_args(args)),
    )?;
    let (_, status) = ok("wait", process::wait(pid))?;
    Ok(status)
}

/// Waits (sleeping) up to a second for `cond`.
fn wait_for(what: &str, cond: impl Fn() -> bool) -> TestResult {
    let deadline = time::now_ns() + 1_000_000_000;
    while !cond() {
        ensure!(time::now_ns() < deadline, "timed out waiting for {what}");
        time::sleep_ns(20_000);
    }
    Ok(())
}

/// A process wakes a coroutine of its child with a doorbell; the calls' errors.
fn coroutine_cross_process_wake() -> TestResult {
    let shared = shared_words(1)?;
    let addr = format!("{}", shared.as_ptr() as usize);
    let pid = ok(
        "spawn cochild",
        process::spawn("cochild", &cochild_args(&["doorbell", &addr])),
    )?;
    let waited = wait_for("the child's coroutine", || {
        shared[0].load(Ordering::Acquire) == 1
    });
    expect_err(
        "notify bad doorbell",
        coroutine::notify(pid, 64),
        Errno::Invalid,
    )?;
    ok("notify", coroutine::notify(pid, 3))?;
    let (_, status) = ok("wait", process::wait(pid))?;
    waited?;
    ensure!(status == 0, "cochild doorbell exited with {status}");
    ensure!(
        shared[0].load(Ordering::Acquire) == 2,
        "the coroutine was not woken"
    );
    // A process may not ring an unrelated one's doorbell (here: its sibling's).
    shared[0].store(0, Ordering::Release);
    let sibling = ok(
        "spawn cochild",
        process::spawn("cochild", &cochild_args(&["doorbell", &addr])),
    )?;
    let status = run_cochild(&["notify", &format!("{sibling}")]);
    wait_for("the sibling's coroutine", || {
        shared[0].load(Ordering::Acquire) == 1
    })?;
    ok("notify", coroutine::notify(sibling, 3))?;
    let (_, sibling_status) = ok("wait", process::wait(sibling))?;
    ensure!(
        sibling_status == 0,
        "the sibling exited with {sibling_status}"
    );
    ensure!(status? == 0, "a process rang its sibling's doorbell");
    let me = ok("getpid", syscall::getpid())?;
    expect_err(
        "notify a process without coroutines",
        coroutine::notify(me + 100_000, 0),
        Errno::NoProcess,
    )
}

/// Asynchronous pipe calls in a coroutine process, once per wake-up path: its read returns at
/// once, a kernel coroutine completes it when this process writes, and the completion is
/// announced (for every path but `poll`, by a user interrupt); then an asynchronous write.
/// Only a machine without the devices (QEMU) may refuse a path.
fn coroutine_async_read() -> TestResult {
    for path in ["poll", "usip", "uintc", "taskctl"] {
        let shared = shared_words(1)?;
        let addr = format!("{}", shared.as_ptr() as usize);
        let (to_child, from_child) = (pipe_pair()?, pipe_pair()?);
        let pid = process::spawn(
            "cochild",
            &cochild_args(&[
                "async",
                path,
                &addr,
                &format!("{}", to_child.0),
                &format!("{}", from_child.1),
            ]),
        );
        // The child's ends are the child's: a child that ends early gives end of file.
        ok("close", io::close(to_child.0))?;
        ok("close", io::close(from_child.1))?;
        let result = pid
            .map_err(|e| format!("spawn cochild: {e:?}"))
            .and_then(|pid| {
                let exchanged = wait_for("the read in flight", || {
                    shared[0].load(Ordering::Acquire) == 1
                })
                .and_then(|()| {
                    ok("write", io::write(to_child.1, b"ping"))?;
                    let mut reply = [0u8; 8];
                    let n = ok("read", io::read(from_child.0, &mut reply))?;
                    ensure!(
                        &reply[..n] == b"pong",
                        "{path}: the reply was {:?}",
                        &reply[..n]
                    );
                    Ok(())
                });
                ok("close", io::close(to_child.1))?;
                let (_, status) = ok("wait", process::wait(pid))?;
                match status {
                    0 => exchanged,
                    2 if !sim::present() && path != "poll" => Ok(()),
                    status => Err(format!("{path}: cochild async exited with {status}")),
                }
            });
        ok("close", io::close(from_child.0))?;
        result?;
    }
    Ok(())
}

/// A new pipe's (read, write) descriptors.
fn pipe_pair() -> Result<(usize, usize), String> {
    ok("pipe", io::pipe())
}

/// The kernel runs the process with the more urgent coroutine: with one priority-5 spinner
/// thread per hart, a coroutine process whose coroutine has priority 1 runs and one whose
/// coroutine has priority 6 waits until the spinners stop.
fn coroutine_kernel_priority() -> TestResult {
    let harts = stats::hart_count();
    // Words: 0 go, 1 stamps, 2 spinners stopped, then two slots of three (started, stamp,
    // whether the spinners had stopped): 3..6 the priority-1 process's, 6..9 the other's.
    let shared = shared_words(9)?;
    let addr = format!("{}", shared.as_ptr() as usize);
    ok("set_priority", thread::set_priority(0, 0))?;
    let stop = Arc::new(AtomicBool::new(false));
    let mut spinners: Vec<JoinHandle<()>> = Vec::new();
    let mut children = Vec::new();
    let mut result = (|| -> TestResult {
        // The less urgent one first, and before the spinners: once its coroutine has taken
        // priority 6 it gets no hart while they spin, and it must have said so first.
        for (priority, slot) in [("6", "6"), ("1", "3")] {
            let pid = ok(
                "spawn",
                process::spawn("cochild", &cochild_args(&["urgent", priority, &addr, slot])),
            )?;
            children.push(pid);
            let slot: usize = slot.parse().unwrap_or(0);
            wait_for("a coroutine to start", || {
                shared[slot].load(Ordering::Acquire) == 1
            })?;
            if spinners.is_empty() {
                spinners = (0..harts)
                    .map(|_| {
                        let stop = stop.clone();
                        thread::spawn(move || {
                            let _ = thread::set_priority(0, 5);
                            while !stop.load(Ordering::Acquire) {
                                core::hint::spin_loop();
                            }
                        })
                    })
                    .collect();
            }
        }
        shared[0].store(1, Ordering::Release);
        wait_for("the urgent coroutine", || {
            shared[4].load(Ordering::Acquire) != 0
        })?;
        time::sleep_ns(2_000_000);
        ensure!(
            shared[7].load(Ordering::Acquire) == 0,
            "the priority-6 coroutine ran while priority-5 threads spun"
        );
        Ok(())
    })();
    shared[0].store(1, Ordering::Release);
    shared[2].store(1, Ordering::Release);
    stop.store(true, Ordering::Release);
    for spinner in spinners {
        let _ = spinner.join();
    }
    ok(
        "set_priority",
        thread::set_priority(0, abi::DEFAULT_PRIORITY),
    )?;
    for pid in children {
        let (_, status) = ok("wait", process::wait(pid))?;
        if status != 0 && result.is_ok() {
            result = Err(format!("cochild urgent exited with {status}"));
        }
    }
    result?;
    ensure!(
        shared[4].load(Ordering::Acquire) == 1 && shared[7].load(Ordering::Acquire) == 2,
        "stamps: urgent {}, other {}",
        shared[4].load(Ordering::Acquire),
        shared[7].load(Ordering::Acquire)
    );
    ensure!(
        shared[8].load(Ordering::Acquire) == 1,
        "the priority-6 coroutine finished before the spinners stopped"
    );
    Ok(())
}

/// `coroutine_yield` takes the kernel's fast path (counted in `hart_stats`), gives the hart
/// to another thread, and returns with every register it does not keep zeroed: no value of
/// the kernel's leaks into the caller.
fn coroutine_fast_yield() -> TestResult {
    let before = total_stats()?;
    let stop = Arc::new(AtomicBool::new(false));
    let turns = Arc::new(AtomicU64::new(0));
    let other = {
        let (stop, turns) = (stop.clone(), turns.clone());
        thread::spawn(move || {
            while !stop.load(Ordering::Acquire) {
                turns.fetch_add(1, Ordering::AcqRel);
                thread::yield_now();
            }
        })
    };
    let mut leaked = 0;
    for _ in 0..50 {
        let ored: usize;
        // SAFETY: the `ecall` of `coroutine_yield`, with every register it may change
        // declared; the OR chain only reads them.
        unsafe {
            core::arch::asm!(
                "ecall",
                "or a0, a0, ra",
                "or a0, a0, t0", "or a0, a0, t1", "or a0, a0, t2", "or a0, a0, t3",
                "or a0, a0, t4", "or a0, a0, t5", "or a0, a0, t6",
                "or a0, a0, a1", "or a0, a0, a2", "or a0, a0, a3", "or a0, a0, a4",
                "or a0, a0, a5", "or a0, a0, a6", "or a0, a0, a7",
                "or a0, a0, s2", "or a0, a0, s3", "or a0, a0, s4", "or a0, a0, s5",
                "or a0, a0, s6", "or a0, a0, s7", "or a0, a0, s8", "or a0, a0, s9",
                "or a0, a0, s10", "or a0, a0, s11",
                in("a7") ulib::abi::nr::COROUTINE_YIELD,
                lateout("a0") ored,
                out("s2") _, out("s3") _, out("s4") _, out("s5") _, out("s6") _,
                out("s7") _, out("s8") _, out("s9") _, out("s10") _, out("s11") _,
                clobber_abi("C"),
            )
        };
        leaked |= ored;
    }
    let other_ran = turns.load(Ordering::Acquire) > 0;
    stop.store(true, Ordering::Release);
    let _ = other.join();
    let after = total_stats()?;
    ensure!(
        leaked == 0,
        "registers came back from the fast path as {leaked:#x}, not 0"
    );
    ensure!(
        after.fast_yields >= before.fast_yields + 50,
        "fast_yields {} -> {}: the calls did not take the fast path",
        before.fast_yields,
        after.fast_yields
    );
    ensure!(
        other_ran || stats::hart_count() > 1,
        "the other thread never ran"
    );
    Ok(())
}

/// A coroutine that never yields is preempted by the tick when other threads wait, and each
/// such preemption is counted as a timeout, by its executor and in `hart_stats`.
fn coroutine_timeout() -> TestResult {
    let harts = stats::hart_count();
    let shared = shared_words(2)?;
    let addr = format!("{}", shared.as_ptr() as usize);
    let before = total_stats()?;
    let pid = ok("spawn", process::spawn("cochild", &["spin", &addr]))?;
    let stop = Arc::new(AtomicBool::new(false));
    // One spinner per hart at the coroutine's thread priority: the tick must share the harts.
    let spinners: Vec<JoinHandle<()>> = (0..harts)
        .map(|_| {
            let stop = stop.clone();
            thread::spawn(move || {
                while !stop.load(Ordering::Acquire) {
                    core::hint::spin_loop();
                }
            })
        })
        .collect();
    ok("set_priority", thread::set_priority(0, 0))?;
    // Until the tick has preempted the spinning coroutine (or a second has passed).
    let spun = wait_for("the coroutine to spin", || {
        shared[1].load(Ordering::Acquire) == 1
    })
    .and_then(|()| {
        wait_for("a timeout", || {
            total_stats().is_ok_and(|s| s.coroutine_timeouts > before.coroutine_timeouts)
        })
    });
    shared[0].store(1, Ordering::Release);
    stop.store(true, Ordering::Release);
    for spinner in spinners {
        let _ = spinner.join();
    }
    ok(
        "set_priority",
        thread::set_priority(0, abi::DEFAULT_PRIORITY),
    )?;
    let (_, timeouts) = ok("wait", process::wait(pid))?;
    spun?;
    let after = total_stats()?;
    ensure!(
        timeouts > 0,
        "the spinning coroutine's executor counted no timeout"
    );
    ensure!(
        after.coroutine_timeouts > before.coroutine_timeouts,
        "hart_stats counted no coroutine timeout"
    );
    Ok(())
}

/// A coroutine that never yields does not hold up the other coroutines of its process: past
/// its time slice a spare thread takes over the rest (the spinner keeps its thread's stack),
/// counted as a timeout and a takeover, by its executor and in `hart_stats`.
fn coroutine_takeover() -> TestResult {
    let shared = shared_words(3)?;
    let addr = format!("{}", shared.as_ptr() as usize);
    let before = total_stats()?;
    let pid = ok(
        "spawn cochild",
        process::spawn("cochild", &cochild_args(&["takeover", &addr])),
    )?;
    let marked =
        wait_for("the spinner", || shared[1].load(Ordering::Acquire) == 1).and_then(|()| {
            wait_for("the marker coroutine behind the spinner", || {
                shared[2].load(Ordering::Acquire) == 1
            })
        });
    shared[0].store(1, Ordering::Release);
    let (_, takeovers) = ok("wait", process::wait(pid))?;
    marked?;
    let after = total_stats()?;
    ensure!(takeovers > 0, "the executor counted no takeover");
    ensure!(
        after.coroutine_takeovers > before.coroutine_takeovers
            && after.coroutine_timeouts > before.coroutine_timeouts,
        "hart_stats counted no takeover ({} -> {}) or no timeout ({} -> {})",
        before.coroutine_takeovers,
        after.coroutine_takeovers,
        before.coroutine_timeouts,
        after.coroutine_timeouts
    );
    Ok(())
}

/// A process that wrecks its executor page, or writes the payload's code, is killed for the
/// fault; nothing else is hurt (this process's coroutines still run).
fn coroutine_scribble() -> TestResult {
    for (what, cause) in [("executor", 13), ("payload", 15)] {
        let pid = ok("spawn", process::spawn("cochild", &["scribble", what]))?;
        let (_, status) = ok("wait", process::wait(pid))?;
        ensure!(
            status == abi::KILLED_BY_FAULT - cause,
            "cochild scribble {what} ended with {status}, want {}",
            abi::KILLED_BY_FAULT - cause
        );
    }
    on_coroutines(async {
        let done = Arc::new(AtomicU32::new(0));
        let done_in = done.clone();
        coroutine::spawn(async move { done_in.store(1, Ordering::Release) }, 0);
        coroutine::yield_now().await;
        ensure!(
            done.load(Ordering::Acquire) == 1,
            "this process's coroutines stopped"
        );
        Ok(())
    })
}
