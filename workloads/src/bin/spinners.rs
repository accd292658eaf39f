//! How the kernel's scheduling policy (`sched=`) shares the harts among threads that never
//! yield: `threads` spinners count iterations for `ms` milliseconds of simulated time (after
//! a 2 ms warm-up), then each one's share of a hart and how often it changed harts is printed.
//!
//! ```text
//! spinners [threads=N] [ms=N]      (defaults: one more thread than harts, 20 ms)
//! ```
//!
//! With three spinners on two harts, per-hart run queues (`sched=per_hart`) give one spinner
//! a hart of its own and the other two half a hart each; one global queue (`sched=global`)
//! gives each two thirds of a hart, moving them between harts as it does:
//!
//! ```text
//! spinners: 3 threads on 2 harts for 20 ms
//! spinner 0: 667 per mille of a hart, 100 hart changes
//! ...
//! spinners: shares from 667 to 667 per mille of a hart
//! ```
//!
//! A share is the spinner's part of all iterations times the number of harts, so it assumes
//! every hart spins all the time (at least as many threads as harts). The main thread runs at
//! the most urgent priority, so that it takes its measurements as soon as its sleeps end.

#![no_std]
#![no_main]

extern crate alloc;

use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use ulib::{println, stats, thread, time};

ulib::main!(main);

/// Simulated time the spinners run before the measurement starts.
const WARM_UP_NS: u64 = 2_000_000;
/// Iterations between two looks at which hart a spinner is on (a system call).
const ITERATIONS_PER_LOOK: u64 = 256;

/// One spinner's counters, on its own cache line.
#[repr(align(64))]
#[derive(Default)]
struct Counters {
    iterations: AtomicU64,
    hart_changes: AtomicU64,
}

/// What the spinners and the main thread share.
struct Shared {
    spinners: Vec<Counters>,
    stop: AtomicBool,
}

impl Shared {
    /// Spinner `i`: counts iterations, never yielding, until told to stop.
    fn spin(&self, i: usize) {
        let counters = &self.spinners[i];
        let mut hart = thread::current_hart();
        let mut n = 0;
        while !self.stop.load(Ordering::Relaxed) {
            n += 1;
            counters.iterations.store(n, Ordering::Relaxed);
            if n % ITERATIONS_PER_LOOK == 0 {
                let now = thread::current_hart();
                if now != hart {
                    hart = now;
                    counters.hart_changes.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
    }

    /// Each spinner's (iterations, hart changes) so far.
    fn snapshot(&self) -> Vec<(u64, u64)> {
        self.spinners
            .iter()
            .map(|c| {
                (
                    c.iterations.load(Ordering::Relaxed),
                    c.hart_changes.load(Ordering::Relaxed),
                )
            })
            .collect()
    }
}

/// The value of `key=value` in `args`, or `default`; `None` if it is not a number above 0.
fn option(args: &[&str], key: &str, default: u64) -> Option<u64> {
    let Some(value) = args
        .iter()
        .find_map(|a| a.strip_prefix(key)?.strip_prefix('='))
    else {
        return Some(default);
    };
    value.parse().ok().filter(|&n| n > 0)
}

fn main(args: &[&str]) -> i32 {
    let harts = stats::hart_count();
    let (Some(threads), Some(ms)) = (
        option(&args[1..], "threads", harts as u64 + 1),
        option(&args[1..], "ms", 20),
    ) else {
        println!("usage: spinners [threads=N] [ms=N] (N above 0)");
        return 2;
    };
    println!("spinners: {threads} threads on {harts} harts for {ms} ms");
    if let Err(e) = thread::set_priority(0, 0) {
        println!("spinners: set_priority: {e:?}");
        return 1;
    }
    let shared = Arc::new(Shared {
        spinners: (0..threads).map(|_| Counters::default()).collect(),
        stop: AtomicBool::new(false),
    });
    let mut handles = Vec::new();
    let mut started = true;
    for i in 0..threads as usize {
        let mine = shared.clone();
        match thread::try_spawn(move || mine.spin(i)) {
            Ok(handle) => handles.push(handle),
            Err(e) => {
                println!("spinners: thread_create {i}: {e:?}");
                started = false;
                break;
            }
        }
    }
    let (before, after) = if started {
        time::sleep_ns(WARM_UP_NS);
        let before = shared.snapshot();
        time::sleep_ms(ms);
        (before, shared.snapshot())
    } else {
        (Vec::new(), Vec::new())
    };
    shared.stop.store(true, Ordering::Relaxed);
    for handle in handles {
        if let Err(e) = handle.join() {
            println!("spinners: join: {e:?}");
            return 1;
        }
    }
    if !started {
        return 1;
    }
    let progress: Vec<(u64, u64)> = after
        .iter()
        .zip(&before)
        .map(|(a, b)| (a.0 - b.0, a.1 - b.1))
        .collect();
    let total: u64 = progress.iter().map(|p| p.0).sum();
    if total == 0 {
        println!("spinners: no spinner made progress");
        return 1;
    }
    // Per mille of a hart: the harts' time (all of it spent spinning) shared by iterations.
    let shares: Vec<u64> = progress
        .iter()
        .map(|p| p.0 * 1000 * harts as u64 / total)
        .collect();
    for (i, (share, (_, changes))) in shares.iter().zip(&progress).enumerate() {
        println!("spinner {i}: {share} per mille of a hart, {changes} hart changes");
    }
    let (min, max) = (
        shares.iter().min().copied().unwrap_or(0),
        shares.iter().max().copied().unwrap_or(0),
    );
    println!("spinners: shares from {min} to {max} per mille of a hart");
    0
}
