//! tornado-os's comparison of coroutines with processes, and its timeout rate
//! (`../shared/reference/seed-systems.md` §3.2, §3.5), for `experiments/coroutines.toml` and
//! `experiments/coroutine-timeouts.toml`.
//!
//! ```text
//! coswitch op=switch|spawn|timeouts mode=coroutine|process tasks=N rounds=R work_us=W
//!          queues=software|taskctl seed=S
//! ```
//!
//! | op | mode | what is timed |
//! | --- | --- | --- |
//! | `switch` | `coroutine` | N coroutines of one process, each yielding R times (`yield_now().await`), from the first switch until the last has finished |
//! | `switch` | `process` | N processes, each yielding the hart R times (`yield`), from the moment all have started until the last has yielded for the last time (their exits are not timed) |
//! | `spawn` | `coroutine` | spawning N empty coroutines and running them to completion (tornado's `analysis0`) |
//! | `spawn` | `process` | spawning N processes that exit at once and waiting for all (rCore's `fork` + `wait`) |
//! | `timeouts` | `coroutine` | N coroutines doing R pieces of work each, of exponentially distributed length (mean W µs, from the seed), yielding after each, while a second thread of the process keeps the hart contended (it only yields), so that the kernel's tick (`tick_us`, the time slice) preempts a coroutine that runs past it |
//!
//! `queues` chooses where a coroutine process's ready coroutines wait: the executor's software
//! queues or the task controller's (mode `coroutine` only; on a machine without the device
//! the runtime says so and uses the software queues); `mode=coroutine-taskctl` is `coroutine`
//! with `queues=taskctl`, so that one swept key compares the three.
//!
//! Samples (hartlab's simulator-control device), one per run:
//!
//! | key | value |
//! | --- | --- |
//! | 0 | the timed span, ns |
//! | 1 | ns per switch (`switch`: over the switches counted, coroutine polls or the kernel's context switches) or per task (`spawn`) |
//! | 2 | `timeouts`: timeout rate, parts per million (ticks that preempted a coroutine / coroutine switches) |
//! | 3 | switches counted (`switch`, `timeouts`) |
//!
//! Run it on one hart, as tornado measured: with more, processes rarely share a hart and do
//! not switch. `coswitch op=child` is the child of the process modes.

#![no_std]
#![no_main]

extern crate alloc;

use alloc::format;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use ulib::{coroutine, memory, println, process, sim, stats, thread, time};

ulib::main!(main);

/// Sample keys.
const SPAN: u64 = 0;
const PER_OP: u64 = 1;
const TIMEOUT_RATE: u64 = 2;
const SWITCHES: u64 = 3;

struct Settings {
    op: String,
    mode: String,
    tasks: usize,
    rounds: u64,
    work_us: u64,
    seed: u64,
    /// `op=child`: the shared start word's address.
    shared: usize,
    /// Where the coroutines' ready queues are.
    queues: coroutine::Queues,
}

fn main(args: &[&str]) -> i32 {
    match parse(args).and_then(|s| run(&s)) {
        Ok(()) => 0,
        Err(reason) => {
            println!("coswitch: {reason}");
            1
        }
    }
}

fn parse(args: &[&str]) -> Result<Settings, String> {
    let mut s = Settings {
        op: String::from("switch"),
        mode: String::from("coroutine"),
        tasks: 100,
        rounds: 10,
        work_us: 50,
        seed: 1,
        shared: 0,
        queues: coroutine::Queues::Software,
    };
    for arg in args.iter().skip(1) {
        let (key, value) = arg
            .split_once('=')
            .ok_or_else(|| format!("argument `{arg}` is not key=value"))?;
        let number = || -> Result<u64, String> {
            value
                .parse()
                .map_err(|_| format!("{key}: `{value}` is not a number"))
        };
        match key {
            "op" => s.op = String::from(value),
            "mode" => s.mode = String::from(value),
            "tasks" => s.tasks = number()? as usize,
            "rounds" => s.rounds = number()?,
            "work_us" => s.work_us = number()?,
            "seed" => s.seed = number()?,
            "shared" => s.shared = number()? as usize,
            "queues" => {
                s.queues = coroutine::Queues::from_name(value)
                    .ok_or_else(|| format!("queues: unknown back end `{value}`"))?
            }
            _ => return Err(format!("unknown argument `{key}`")),
        }
    }
    Ok(s)
}

fn run(s: &Settings) -> Result<(), String> {
    if s.mode == "coroutine-taskctl" {
        let on_device = Settings {
            mode: String::from("coroutine"),
            queues: coroutine::Queues::TaskController,
            ..clone(s)
        };
        return run(&on_device);
    }
    match (s.op.as_str(), s.mode.as_str()) {
        ("switch", "coroutine") => coroutine_switch(s),
        ("switch", "process") => process_switch(s),
        ("spawn", "coroutine") => coroutine_spawn(s),
        ("spawn", "process") => process_spawn(s),
        ("timeouts", "coroutine") => timeouts(s),
        ("child", _) => {
            child(s);
            Ok(())
        }
        (op, mode) => Err(format!("no op `{op}` in mode `{mode}`")),
    }
}

/// The coroutine runtime's options: the kernel's policy, the chosen queues.
fn options(s: &Settings) -> coroutine::Options {
    coroutine::Options {
        queues: s.queues,
        ..coroutine::Options::default()
    }
}

/// Picoseconds of machine time: the simulator's clock, else the kernel's.
fn now_ps() -> u64 {
    sim::now_ps().unwrap_or_else(|| time::now_ns() * 1000)
}

/// Records the timed span and the cost per operation.
fn report(what: &str, span_ps: u64, ops: u64) {
    let span_ns = span_ps / 1000;
    let per_op = span_ns / ops.max(1);
    sim::sample(SPAN, span_ns);
    sim::sample(PER_OP, per_op);
    println!("coswitch {what} span_ns={span_ns} ops={ops} ns_per_op={per_op}");
}

/// Coroutine polls core 0 of this process's executor has made.
fn polls() -> u64 {
    coroutine::executor_state().switches[0].load(Ordering::Relaxed)
}

fn coroutine_switch(s: &Settings) -> Result<(), String> {
    let (tasks, rounds) = (s.tasks, s.rounds);
    let (span, switches) = coroutine::try_block_on_with(options(s), async move {
        let done = Arc::new(AtomicUsize::new(0));
        for _ in 0..tasks {
            let done = done.clone();
            coroutine::spawn(
                async move {
                    for _ in 0..rounds {
                        coroutine::yield_now().await;
                    }
                    done.fetch_add(1, Ordering::Release);
                },
                coroutine::MAIN_PRIORITY,
            );
        }
        let (start, before) = (now_ps(), polls());
        while done.load(Ordering::Acquire) < tasks {
            coroutine::yield_now().await;
        }
        (now_ps() - start, polls() - before)
    })
    .map_err(|e| format!("block_on: {e:?}"))?;
    sim::sample(SWITCHES, switches);
    report("switch coroutine", span, switches);
    Ok(())
}

/// Context switches the kernel has made on every hart.
fn context_switches() -> Result<u64, String> {
    stats::hart_stats()
        .map(|s| stats::total(&s).context_switches)
        .map_err(|e| format!("hart_stats: {e:?}"))
}

/// What the process modes' children share: the start word (children count themselves in,
/// then wait for `u64::MAX`), how many have finished their rounds, and when the last did
/// (picoseconds).
#[repr(C)]
struct Shared {
    start: AtomicU64,
    finished: AtomicU64,
    end_ps: AtomicU64,
}

/// Spawns `tasks` children `coswitch op=child rounds=R tasks=N shared=ADDR`; returns what
/// they share and their pids.
fn spawn_children(s: &Settings) -> Result<(&'static Shared, Vec<usize>), String> {
    let at = memory::map_shared(size_of::<Shared>()).map_err(|e| format!("map_shared: {e:?}"))?;
    // SAFETY: fresh zeroed shared memory, aligned, used only through atomics.
    let shared = unsafe { &*(at as *const Shared) };
    let args = [
        format!("shared={}", at as usize),
        format!("rounds={}", s.rounds),
        format!("tasks={}", s.tasks),
    ];
    let pids = (0..s.tasks)
        .map(|_| {
            process::spawn("coswitch", &["op=child", &args[0], &args[1], &args[2]])
                .map_err(|e| format!("spawn coswitch: {e:?}"))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok((shared, pids))
}

fn wait_all(pids: &[usize]) -> Result<(), String> {
    for &pid in pids {
        match process::wait(pid) {
            Ok((_, 0)) => {}
            other => return Err(format!("child {pid}: {other:?}")),
        }
    }
    Ok(())
}

fn process_switch(s: &Settings) -> Result<(), String> {
    let (shared, pids) = spawn_children(s)?;
    // Every child runs once, up to the start word, before the clock starts.
    while shared.start.load(Ordering::Acquire) < pids.len() as u64 {
        thread::yield_now();
    }
    let (begin, before) = (now_ps(), context_switches()?);
    shared.start.store(u64::MAX, Ordering::Release);
    while shared.finished.load(Ordering::Acquire) < pids.len() as u64 {
        thread::yield_now();
    }
    let switches = context_switches()? - before;
    let span = shared.end_ps.load(Ordering::Acquire) - begin;
    wait_all(&pids)?;
    sim::sample(SWITCHES, switches);
    report("switch process", span, switches);
    Ok(())
}

/// A child of the process modes: counts itself in, waits for the start, yields `rounds`
/// times, and the last to finish stamps the end (`rounds` 0: exits at once).
fn child(s: &Settings) {
    if s.rounds == 0 || s.shared == 0 {
        return;
    }
    // SAFETY: the parent mapped a `Shared` before spawning us and passed its address.
    let shared = unsafe { &*(s.shared as *const Shared) };
    shared.start.fetch_add(1, Ordering::AcqRel);
    while shared.start.load(Ordering::Acquire) != u64::MAX {
        thread::yield_now();
    }
    for _ in 0..s.rounds {
        thread::yield_now();
    }
    if shared.finished.fetch_add(1, Ordering::AcqRel) + 1 == s.tasks as u64 {
        shared.end_ps.store(now_ps(), Ordering::Release);
    }
}

fn coroutine_spawn(s: &Settings) -> Result<(), String> {
    let tasks = s.tasks;
    let span = coroutine::try_block_on_with(options(s), async move {
        let done = Arc::new(AtomicUsize::new(0));
        let start = now_ps();
        for _ in 0..tasks {
            let done = done.clone();
            coroutine::spawn(
                async move {
                    done.fetch_add(1, Ordering::Release);
                },
                coroutine::MAIN_PRIORITY,
            );
        }
        while done.load(Ordering::Acquire) < tasks {
            coroutine::yield_now().await;
        }
        now_ps() - start
    })
    .map_err(|e| format!("block_on: {e:?}"))?;
    report("spawn coroutine", span, tasks as u64);
    Ok(())
}

fn process_spawn(s: &Settings) -> Result<(), String> {
    let begin = now_ps();
    let children = Settings {
        rounds: 0,
        ..clone(s)
    };
    let (_, pids) = spawn_children(&children)?;
    wait_all(&pids)?;
    report("spawn process", now_ps() - begin, s.tasks as u64);
    Ok(())
}

fn clone(s: &Settings) -> Settings {
    Settings {
        op: s.op.clone(),
        mode: s.mode.clone(),
        ..*s
    }
}

/// A 64-bit xorshift generator: the work lengths come from the seed alone.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// An exponentially distributed length with mean `mean` (inverse transform on a
    /// piecewise table of −ln(u), so no floating point in the guest).
    fn exponential(&mut self, mean: u64) -> u64 {
        // −ln(u) for u uniform: take the leading zeros of a 64-bit draw (each halves u: ln 2
        // apiece, 693/1000) plus a uniform fraction of the next halving.
        let draw = self.next() | 1;
        let halvings = u64::from(draw.leading_zeros());
        let fraction = (self.next() >> 54) * 693 / 1024;
        mean * (halvings * 693 + fraction) / 1000
    }
}

fn timeouts(s: &Settings) -> Result<(), String> {
    let (tasks, rounds, work_ps) = (s.tasks, s.rounds, s.work_us * 1_000_000);
    let seed = s.seed;
    // The tick preempts a thread only for another that is ready: this one always is.
    let stop = Arc::new(core::sync::atomic::AtomicBool::new(false));
    let contender = {
        let stop = stop.clone();
        thread::try_spawn(move || {
            while !stop.load(Ordering::Acquire) {
                thread::yield_now();
            }
        })
        .map_err(|e| format!("thread: {e:?}"))?
    };
    let measured = coroutine::try_block_on_with(options(s), async move {
        let done = Arc::new(AtomicUsize::new(0));
        for task in 0..tasks {
            let done = done.clone();
            coroutine::spawn(
                async move {
                    let mut rng =
                        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ (task as u64 + 1) << 17 | 1);
                    for _ in 0..rounds {
                        let until = now_ps() + rng.exponential(work_ps);
                        while now_ps() < until {
                            core::hint::spin_loop();
                        }
                        coroutine::yield_now().await;
                    }
                    done.fetch_add(1, Ordering::Release);
                },
                coroutine::MAIN_PRIORITY,
            );
        }
        let (start, before) = (now_ps(), polls());
        while done.load(Ordering::Acquire) < tasks {
            coroutine::yield_now().await;
        }
        (now_ps() - start, polls() - before)
    })
    .map_err(|e| format!("block_on: {e:?}"));
    stop.store(true, Ordering::Release);
    let _ = contender.join();
    let (span, switches) = measured?;
    let timeouts = coroutine::executor_state().timeouts.load(Ordering::Relaxed);
    let rate_ppm = timeouts * 1_000_000 / switches.max(1);
    sim::sample(SWITCHES, switches);
    sim::sample(TIMEOUT_RATE, rate_ppm);
    println!("coswitch timeouts timeouts={timeouts} switches={switches} rate_ppm={rate_ppm}");
    report("timeouts coroutine", span, switches);
    Ok(())
}
