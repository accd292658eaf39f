//! Measures what the kernel's basic operations cost, in cycles of the machine it runs on.
//!
//! `bench` runs every benchmark, `bench <name>...` only those named. Each prints one line,
//! `bench <name> cycles_per_op=<N> <key>=<value>...`:
//!
//! | name | what one operation is |
//! | --- | --- |
//! | `null_syscall` | a `getpid` call and return |
//! | `thread_switch` | a switch between two threads of one process that `yield` in turn |
//! | `process_switch` | a switch between two processes that `yield` in turn (address space change) |
//! | `pipe_round_trip` | one byte to another process through a pipe and back through another |
//! | `coroutine_spawn` | `ulib::coroutine::spawn` of an empty coroutine (allocation, control block, the payload's `spawn`), 32 at a time, each batch run before the next |
//! | `coroutine_yield` | a switch between two coroutines of one process that `yield_now().await` in turn |
//! | `coroutine_process_yield` | a switch between coroutines of two processes: each yields its coroutine, then the hart (`yield`) |
//! | `coroutine_memory` | bytes one empty coroutine takes: its control block and future, and the heap block that holds them |
//! | `coroutine_spawn_taskctl`, `coroutine_yield_taskctl`, `coroutine_process_yield_taskctl` | the same with the ready coroutines in the task controller (a child `bench solo <name>` runs each, since a process chooses its back end once); `skipped` without the device |
//! | `async_read_<path>` | an asynchronous one-byte pipe read completed by another coroutine's `write`, announced by wake-up path `<path>` (`poll`, `usip`, `uintc`, `taskctl`): the write, the kernel coroutine's copy and completion record, the announcement, the reader's wake-up and its next call |
//!
//! The coroutine benchmarks make `bench` a coroutine process (on the software queues), so
//! they run after the others; the asynchronous reads make it a user-interrupt receiver, so
//! they run last.
//!
//! Cycles come from `rdcycle` on the measuring thread's hart. Switch counts come from the
//! kernel's counters (`hart_stats`: context and address-space switches), so
//! `cycles_per_op` is the measured cycles over the switches that really happened. Run the
//! switch benchmarks on one hart (`--harts 1`): with more, the two parties may run on
//! different harts and rarely switch (the line then says `skipped`). The pipe round trip
//! also reports `ns_per_op` from the kernel clock, which stays right if the thread changes
//! hart while it waits.
//!
//! On hartlab the results also go to the simulator-control device: sample key `k` below gets
//! `cycles_per_op`, and event `k + 1` / `k + 101` marks the start / end of the measurement.
//!
//! | key | benchmark |
//! | --- | --- |
//! | 0 | `null_syscall` |
//! | 1 | `thread_switch` |
//! | 2 | `process_switch` |
//! | 3 | `pipe_round_trip` |
//! | 4 | `coroutine_spawn` |
//! | 5 | `coroutine_yield` |
//! | 6 | `coroutine_process_yield` |
//! | 8 | `coroutine_spawn_taskctl` |
//! | 9 | `coroutine_yield_taskctl` |
//! | 10 | `coroutine_process_yield_taskctl` |
//! | 11..=14 | `async_read_poll`, `_usip`, `_uintc`, `_taskctl` |
//!
//! `bench` spawns itself as the other party of the process benchmarks:
//! `bench peer-yield <n>` yields `n` times; `bench peer-coroutine-yield <n> [taskctl]` yields
//! its coroutine and then the hart `n` times; `bench peer-pipe <rfd> <wfd> <n> [fd...]` closes
//! the listed fds, then `n` times reads one byte from `rfd` and writes it back to `wfd`.

#![no_std]
#![no_main]

extern crate alloc;

use alloc::format;
use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use ulib::abi::HartStats;
use ulib::coroutine::io::WakePath;
use ulib::coroutine::{self, Options, Queues};
use ulib::{io, println, process, sim, stats, syscall, thread, time};

ulib::main!(main);

/// A benchmark prints its own line, or returns why it could not run.
type Bench = fn() -> Result<(), String>;

/// Every benchmark, with its simulator sample key.
const BENCHES: &[(&str, u64, Bench)] = &[
    ("null_syscall", 0, null_syscall),
    ("thread_switch", 1, thread_switch),
    ("process_switch", 2, process_switch),
    ("pipe_round_trip", 3, pipe_round_trip),
    ("coroutine_spawn", 4, coroutine_spawn),
    ("coroutine_yield", 5, coroutine_yield),
    ("coroutine_process_yield", 6, coroutine_process_yield),
    ("coroutine_process_yield_fast", 15, || {
        FAST_YIELD.store(true, Ordering::Relaxed);
        let measured = coroutine_process_yield();
        FAST_YIELD.store(false, Ordering::Relaxed);
        measured
    }),
    ("coroutine_memory", 7, coroutine_memory),
    ("coroutine_spawn_taskctl", 8, coroutine_spawn_taskctl),
    ("coroutine_yield_taskctl", 9, coroutine_yield_taskctl),
    (
        "coroutine_process_yield_taskctl",
        10,
        coroutine_process_yield_taskctl,
    ),
    ("async_read_poll", 11, || {
        async_read(WakePath::Poll, "async_read_poll")
    }),
    ("async_read_usip", 12, || {
        async_read(WakePath::Usip, "async_read_usip")
    }),
    ("async_read_uintc", 13, || {
        async_read(WakePath::Uintc { vector: 0 }, "async_read_uintc")
    }),
    ("async_read_taskctl", 14, || {
        async_read(WakePath::TaskCtl { channel: 0 }, "async_read_taskctl")
    }),
    // The same path with the coroutines on the task controller's queues: the reader is
    // bound to a channel and the device queues it (TAIC's wake-up).
    ("async_read_taskctl_taskctl", 16, || {
        in_child("async_read_taskctl_taskctl")
    }),
];

/// Operations measured per benchmark.
const SYSCALLS: u64 = 1000;
const SWITCH_ROUNDS: u64 = 500;
const ROUND_TRIPS: u64 = 200;
const SPAWNS: u64 = 1024;
/// Coroutines spawned between two yields of `coroutine_spawn`.
const SPAWN_BATCH: u64 = 32;
/// Operations done before measuring (the other party starting, caches warming).
const WARM_UP: u64 = 20;

/// Exit status for arguments `bench` does not understand.
const USAGE: i32 = 64;

fn main(args: &[&str]) -> i32 {
    let names = args.get(1..).unwrap_or(&[]);
    match names {
        ["peer-yield", n] => return peer_yield(n),
        ["peer-coroutine-yield", n] => return peer_coroutine_yield(n),
        ["peer-coroutine-yield", n, "taskctl"] => {
            TASKCTL.store(true, Ordering::Relaxed);
            return peer_coroutine_yield(n);
        }
        ["peer-coroutine-yield", n, "fast"] => {
            FAST_YIELD.store(true, Ordering::Relaxed);
            return peer_coroutine_yield(n);
        }
        ["solo", name] => return solo(name),
        ["peer-pipe", rfd, wfd, n, close @ ..] => return peer_pipe(rfd, wfd, n, close),
        _ => {}
    }
    let machine = if sim::present() { "hartlab" } else { "other" };
    println!("bench info harts={} machine={machine}", stats::hart_count());
    let mut status = 0;
    for &(name, key, bench) in BENCHES {
        if !names.is_empty() && !names.contains(&name) {
            continue;
        }
        CURRENT_KEY.store(key as usize, Ordering::Relaxed);
        if let Err(reason) = bench() {
            println!("bench {name} failed: {reason}");
            status = 1;
        }
    }
    status
}

/// The sample key of the benchmark running now.
static CURRENT_KEY: AtomicUsize = AtomicUsize::new(0);
/// Whether this process's coroutines wait in the task controller (`bench solo <name>_taskctl`).
static TASKCTL: AtomicBool = AtomicBool::new(false);
/// Whether `coroutine_process_yield` gives the hart up on the kernel's fast path.
static FAST_YIELD: AtomicBool = AtomicBool::new(false);

/// Gives the hart to another thread: `coroutine_yield` (the kernel's fast path, see
/// `abi::nr::COROUTINE_YIELD`) under [`FAST_YIELD`], else `yield`.
fn yield_hart() {
    if FAST_YIELD.load(Ordering::Relaxed) {
        syscall::coroutine_yield();
    } else {
        thread::yield_now();
    }
}

/// `bench solo <name>`: runs the one benchmark `name` in this process, a `_taskctl` one
/// with the coroutines on the task-controller back end (what its parent's entry spawns).
fn solo(name: &str) -> i32 {
    let Some(&(_, key, _)) = BENCHES.iter().find(|(n, _, _)| *n == name) else {
        return USAGE;
    };
    let base = match name.strip_suffix("_taskctl") {
        Some(base) => {
            TASKCTL.store(true, Ordering::Relaxed);
            base
        }
        None => name,
    };
    let Some(&(_, _, bench)) = BENCHES.iter().find(|(n, _, _)| *n == base) else {
        return USAGE;
    };
    CURRENT_KEY.store(key as usize, Ordering::Relaxed);
    match bench() {
        Ok(()) => 0,
        Err(reason) => {
            println!("bench {name} failed: {reason}");
            1
        }
    }
}

/// Runs `bench solo <name>` and waits for it (it prints its own line).
fn in_child(name: &str) -> Result<(), String> {
    let child =
        process::spawn("bench", &["solo", name]).map_err(|e| format!("spawn bench solo: {e:?}"))?;
    match process::wait(child) {
        Ok((_, 0)) => Ok(()),
        other => Err(format!("bench solo {name}: {other:?}")),
    }
}

fn coroutine_spawn_taskctl() -> Result<(), String> {
    in_child("coroutine_spawn_taskctl")
}

fn coroutine_yield_taskctl() -> Result<(), String> {
    in_child("coroutine_yield_taskctl")
}

fn coroutine_process_yield_taskctl() -> Result<(), String> {
    in_child("coroutine_process_yield_taskctl")
}

/// The name a coroutine benchmark reports under: `base`, with `_taskctl` on that back end.
fn bench_name(base: &str) -> String {
    if TASKCTL.load(Ordering::Relaxed) {
        format!("{base}_taskctl")
    } else {
        String::from(base)
    }
}

/// The runtime options of this process's coroutine benchmarks.
fn options() -> Options {
    Options {
        queues: if TASKCTL.load(Ordering::Relaxed) {
            Queues::TaskController
        } else {
            Queues::Software
        },
        ..Options::default()
    }
}

/// Marks the start of a measurement for the simulator.
fn begin() {
    sim::event(CURRENT_KEY.load(Ordering::Relaxed) as u64 + 1);
}

/// Marks the end of a measurement and records its result for the simulator.
fn end(cycles_per_op: u64) {
    let key = CURRENT_KEY.load(Ordering::Relaxed) as u64;
    sim::event(key + 101);
    sim::sample(key, cycles_per_op);
}

fn totals() -> Result<HartStats, String> {
    stats::hart_stats()
        .map(|s| stats::total(&s))
        .map_err(|e| format!("hart_stats: {e:?}"))
}

fn num<T: core::str::FromStr>(arg: &str) -> Option<T> {
    arg.parse().ok()
}

// ---------------------------------------------------------------------------------------
// The benchmarks
// ---------------------------------------------------------------------------------------

fn null_syscall() -> Result<(), String> {
    for _ in 0..WARM_UP {
        let _ = syscall::getpid();
    }
    begin();
    let start = time::cycles();
    for _ in 0..SYSCALLS {
        let _ = syscall::getpid();
    }
    let cycles = time::cycles() - start;
    let per_op = cycles / SYSCALLS;
    end(per_op);
    println!("bench null_syscall cycles_per_op={per_op} iterations={SYSCALLS}");
    Ok(())
}

/// Prints a switch benchmark's line from the cycles and switches one party measured.
fn report_switches(name: &str, cycles: u64, switches: u64) {
    // On one hart every yield switches: two switches per round.
    if switches < SWITCH_ROUNDS {
        println!("bench {name} skipped: only {switches} switches (run with one hart)");
        return;
    }
    let per_op = cycles / switches;
    end(per_op);
    println!("bench {name} cycles_per_op={per_op} switches={switches}");
}

fn thread_switch() -> Result<(), String> {
    // Two threads yield in turn; the first measures. The caller waits in join meanwhile.
    let measurer = thread::try_spawn(|| -> Result<(u64, u64), String> {
        for _ in 0..WARM_UP {
            thread::yield_now();
        }
        let before = totals()?;
        begin();
        let start = time::cycles();
        for _ in 0..SWITCH_ROUNDS {
            thread::yield_now();
        }
        let cycles = time::cycles() - start;
        let after = totals()?;
        Ok((cycles, after.context_switches - before.context_switches))
    })
    .map_err(|e| format!("thread_create: {e:?}"))?;
    let partner = thread::try_spawn(|| {
        for _ in 0..SWITCH_ROUNDS + 2 * WARM_UP {
            thread::yield_now();
        }
    });
    let measured = measurer.join().map_err(|e| format!("join: {e:?}"));
    let partner = partner.map_err(|e| format!("thread_create: {e:?}"))?;
    partner.join().map_err(|e| format!("join: {e:?}"))?;
    let (cycles, switches) = measured??;
    report_switches("thread_switch", cycles, switches);
    Ok(())
}

fn process_switch() -> Result<(), String> {
    let rounds = format!("{}", SWITCH_ROUNDS + 2 * WARM_UP);
    let peer = process::spawn("bench", &["peer-yield", &rounds])
        .map_err(|e| format!("spawn bench peer-yield: {e:?}"))?;
    for _ in 0..WARM_UP {
        thread::yield_now();
    }
    let before = totals();
    begin();
    let start = time::cycles();
    for _ in 0..SWITCH_ROUNDS {
        thread::yield_now();
    }
    let cycles = time::cycles() - start;
    let after = totals();
    let waited = process::wait(peer);
    let switches = after?.address_space_switches - before?.address_space_switches;
    match waited {
        Ok((_, 0)) => {}
        other => return Err(format!("peer: {other:?}")),
    }
    report_switches("process_switch", cycles, switches);
    Ok(())
}

fn pipe_round_trip() -> Result<(), String> {
    let (to_peer, peer_in) = {
        let (r, w) = io::pipe().map_err(|e| format!("pipe: {e:?}"))?;
        (w, r)
    };
    let (from_peer, peer_out) = io::pipe().map_err(|e| format!("pipe: {e:?}"))?;
    let fds = [peer_in, peer_out, to_peer, from_peer].map(|fd| format!("{fd}"));
    let trips = format!("{}", ROUND_TRIPS + WARM_UP);
    let mut args = Vec::from([
        "peer-pipe",
        fds[0].as_str(),
        fds[1].as_str(),
        trips.as_str(),
    ]);
    args.extend_from_slice(&[fds[2].as_str(), fds[3].as_str()]);
    let spawned = process::spawn("bench", &args);
    let _ = io::close(peer_in);
    let _ = io::close(peer_out);
    let result = spawned
        .map_err(|e| format!("spawn bench peer-pipe: {e:?}"))
        .and_then(|peer| {
            let trips = round_trips(to_peer, from_peer);
            let _ = io::close(to_peer);
            let waited = process::wait(peer);
            let (cycles, ns) = trips?;
            match waited {
                Ok((_, 0)) => Ok((cycles, ns)),
                other => Err(format!("peer: {other:?}")),
            }
        });
    let _ = io::close(to_peer);
    let _ = io::close(from_peer);
    let (cycles, ns) = result?;
    let (per_op, ns_per_op) = (cycles / ROUND_TRIPS, ns / ROUND_TRIPS);
    end(per_op);
    println!(
        "bench pipe_round_trip cycles_per_op={per_op} ns_per_op={ns_per_op} round_trips={ROUND_TRIPS}"
    );
    Ok(())
}

/// Sends one byte and waits for it to come back, `WARM_UP + ROUND_TRIPS` times; returns the
/// cycles and nanoseconds of the last `ROUND_TRIPS`.
fn round_trips(to_peer: io::Fd, from_peer: io::Fd) -> Result<(u64, u64), String> {
    let trip = |i: u64| -> Result<(), String> {
        let byte = [i as u8];
        let mut back = [0u8];
        io::write_all(to_peer, &byte).map_err(|e| format!("write: {e:?}"))?;
        match io::read(from_peer, &mut back) {
            Ok(1) if back == byte => Ok(()),
            other => Err(format!("read back: {other:?}")),
        }
    };
    for i in 0..WARM_UP {
        trip(i)?;
    }
    begin();
    let (start, start_ns) = (time::cycles(), time::now_ns());
    for i in 0..ROUND_TRIPS {
        trip(i)?;
    }
    Ok((time::cycles() - start, time::now_ns() - start_ns))
}

// ---------------------------------------------------------------------------------------
// The other party of the process benchmarks
// ---------------------------------------------------------------------------------------

fn peer_yield(n: &str) -> i32 {
    let Some(n) = num::<u64>(n) else {
        return USAGE;
    };
    for _ in 0..n {
        thread::yield_now();
    }
    0
}

fn peer_pipe(rfd: &str, wfd: &str, n: &str, close: &[&str]) -> i32 {
    let (Some(rfd), Some(wfd), Some(n)) = (num::<usize>(rfd), num::<usize>(wfd), num::<u64>(n))
    else {
        return USAGE;
    };
    for fd in close {
        match num::<usize>(fd) {
            Some(fd) => {
                let _ = io::close(fd);
            }
            None => return USAGE,
        }
    }
    let mut byte = [0u8];
    for _ in 0..n {
        match io::read(rfd, &mut byte) {
            Ok(1) => {}
            _ => return 1,
        }
        if io::write_all(wfd, &byte).is_err() {
            return 1;
        }
    }
    0
}

// ---------------------------------------------------------------------------------------
// Coroutines
// ---------------------------------------------------------------------------------------

/// Runs `future` on the coroutine runtime; `Ok(false)` (after a `skipped` line) if it asked
/// for the task controller and the machine has none.
fn on_coroutines<F>(future: F) -> Result<(), String>
where
    F: core::future::Future<Output = Result<(), String>> + Send + 'static,
{
    coroutine::try_block_on_with(options(), async {
        if TASKCTL.load(Ordering::Relaxed) && !coroutine::on_task_controller() {
            return Ok(false);
        }
        future.await.map(|()| true)
    })
    .map_err(|e| format!("block_on: {e:?}"))?
    .map(skipped_unless)
}

/// Prints the `skipped` line of a task-controller benchmark that could not run.
fn skipped_unless(ran: bool) {
    if !ran {
        let name = BENCHES
            .iter()
            .find(|(_, key, _)| *key as usize == CURRENT_KEY.load(Ordering::Relaxed))
            .map_or("?", |(name, _, _)| name);
        println!("bench {name} skipped: no task controller");
    }
}

fn coroutine_spawn() -> Result<(), String> {
    on_coroutines(async {
        // Priority 3 runs before main (4) as soon as main yields.
        for _ in 0..WARM_UP {
            coroutine::spawn(async {}, 3);
        }
        coroutine::yield_now().await;
        // In batches that fit the task controller's entries (its default capacity is 64),
        // each run to completion before the next, so that every spawn is one into the
        // device, not into the overflow.
        begin();
        let mut cycles = 0;
        for _ in 0..SPAWNS / SPAWN_BATCH {
            let start = time::cycles();
            for _ in 0..SPAWN_BATCH {
                coroutine::spawn(async {}, 3);
            }
            cycles += time::cycles() - start;
            coroutine::yield_now().await;
        }
        let per_op = cycles / SPAWNS;
        end(per_op);
        let name = bench_name("coroutine_spawn");
        println!("bench {name} cycles_per_op={per_op} spawns={SPAWNS}");
        Ok(())
    })
}

/// Coroutine switches (polls) core 0 of this process's executor has made.
fn polls() -> u64 {
    coroutine::executor_state().switches[0].load(Ordering::Relaxed)
}

fn coroutine_yield() -> Result<(), String> {
    on_coroutines(async {
        coroutine::spawn(
            async {
                for _ in 0..SWITCH_ROUNDS + 2 * WARM_UP {
                    coroutine::yield_now().await;
                }
            },
            coroutine::MAIN_PRIORITY,
        );
        for _ in 0..WARM_UP {
            coroutine::yield_now().await;
        }
        let before = polls();
        begin();
        let start = time::cycles();
        for _ in 0..SWITCH_ROUNDS {
            coroutine::yield_now().await;
        }
        let cycles = time::cycles() - start;
        let switches = polls() - before;
        report_switches(&bench_name("coroutine_yield"), cycles, switches);
        Ok(())
    })
}

fn coroutine_process_yield() -> Result<(), String> {
    let rounds = format!("{}", SWITCH_ROUNDS + 2 * WARM_UP);
    let mut peer_args = vec!["peer-coroutine-yield", rounds.as_str()];
    if TASKCTL.load(Ordering::Relaxed) {
        peer_args.push("taskctl");
    } else if FAST_YIELD.load(Ordering::Relaxed) {
        peer_args.push("fast");
    }
    let peer = process::spawn("bench", &peer_args)
        .map_err(|e| format!("spawn bench peer-coroutine-yield: {e:?}"))?;
    let measured = coroutine::try_block_on_with(options(), async {
        if TASKCTL.load(Ordering::Relaxed) && !coroutine::on_task_controller() {
            return Ok(None);
        }
        for _ in 0..WARM_UP {
            coroutine::yield_now().await;
            yield_hart();
        }
        let before = totals();
        begin();
        let start = time::cycles();
        for _ in 0..SWITCH_ROUNDS {
            coroutine::yield_now().await;
            yield_hart();
        }
        let cycles = time::cycles() - start;
        let after = totals();
        Ok::<_, String>(Some((
            cycles,
            after?.address_space_switches - before?.address_space_switches,
        )))
    })
    .map_err(|e| format!("block_on: {e:?}"));
    let waited = process::wait(peer);
    match waited {
        Ok((_, 0)) => {}
        other => return Err(format!("peer: {other:?}")),
    }
    match measured?? {
        Some((cycles, switches)) => {
            let name = if FAST_YIELD.load(Ordering::Relaxed) {
                String::from("coroutine_process_yield_fast")
            } else {
                bench_name("coroutine_process_yield")
            };
            report_switches(&name, cycles, switches)
        }
        None => skipped_unless(false),
    }
    Ok(())
}

/// The peer of `coroutine_process_yield`.
fn peer_coroutine_yield(n: &str) -> i32 {
    let Some(n) = num::<u64>(n) else {
        return USAGE;
    };
    let run = coroutine::try_block_on_with(options(), async move {
        for _ in 0..n {
            coroutine::yield_now().await;
            yield_hart();
        }
    });
    i32::from(run.is_err())
}

/// The size of a coroutine running `future`'s type.
fn coroutine_bytes<F: core::future::Future>(_: &F) -> usize {
    coroutine::coroutine_size::<F>()
}

fn coroutine_memory() -> Result<(), String> {
    let block = coroutine_bytes(&async {});
    // The heap is a buddy allocator: a block of `block` bytes takes the next power of two.
    let heap = block.next_power_of_two();
    println!("bench coroutine_memory bytes_per_coroutine={block} heap_bytes={heap}");
    Ok(())
}

/// One coroutine reads a pipe asynchronously, one byte a call; another writes each byte once
/// the read is in flight and waits until the reader has resumed.
fn async_read(path: WakePath, name: &'static str) -> Result<(), String> {
    use alloc::sync::Arc;
    use core::future::Future;
    use core::sync::atomic::{AtomicBool, AtomicU64};
    on_coroutines(async move {
        match coroutine::io::setup(path) {
            Ok(()) => {}
            Err(ulib::Errno::NoDevice) => {
                println!("bench {} skipped=no-device", bench_name(name));
                return Ok(());
            }
            Err(e) => return Err(format!("io::setup: {e:?}")),
        }
        let (r, w) = io::pipe().map_err(|e| format!("pipe: {e:?}"))?;
        let in_flight = Arc::new(AtomicBool::new(false));
        let resumed = Arc::new(AtomicU64::new(0));
        let (flag, count) = (in_flight.clone(), resumed.clone());
        coroutine::spawn(
            async move {
                let mut buf = alloc::vec![0u8; 1];
                for _ in 0..ROUND_TRIPS + WARM_UP {
                    let mut call = core::pin::pin!(coroutine::io::read(r, buf));
                    let (_, back) = core::future::poll_fn(|cx| {
                        let polled = call.as_mut().poll(cx);
                        flag.store(true, Ordering::Release);
                        polled
                    })
                    .await;
                    buf = back;
                    count.fetch_add(1, Ordering::Release);
                }
            },
            coroutine::MAIN_PRIORITY,
        );
        let interrupts = coroutine::io::interrupts();
        let mut start = 0;
        for i in 0..ROUND_TRIPS + WARM_UP {
            if i == WARM_UP {
                begin();
                start = time::cycles();
            }
            while !in_flight.swap(false, Ordering::AcqRel) {
                coroutine::yield_now().await;
            }
            io::write(w, b"x").map_err(|e| format!("write: {e:?}"))?;
            while resumed.load(Ordering::Acquire) <= i {
                coroutine::yield_now().await;
            }
        }
        let per_op = (time::cycles() - start) / ROUND_TRIPS;
        end(per_op);
        let interrupts = coroutine::io::interrupts() - interrupts;
        for fd in [r, w] {
            io::close(fd).map_err(|e| format!("close: {e:?}"))?;
        }
        let bound = coroutine::io::bound_calls();
        println!(
            "bench {} cycles_per_op={per_op} round_trips={ROUND_TRIPS} user_interrupts={interrupts} bound_calls={bound}",
            bench_name(name)
        );
        Ok(())
    })
}
