//! Micro-benchmarks of the operations the reference systems published cycle counts for
//! (docs/calibration.md compares them), measured from user mode the way TAIC's `taic-test`
//! measured its U-mode figures: `rdcycle` right before and right after one operation, less
//! what an empty pair of reads measures, repeated and summarised by the runner.
//!
//! ```text
//! calibrate [rounds=N] [seed=N]
//! ```
//!
//! Samples (hartlab's simulator-control device), in cycles, one per round each:
//!
//! | key | operation |
//! | --- | --- |
//! | 0 | ENQUEUE: one store to the task controller (TAIC enqueue, ATS-INTC push) |
//! | 1 | DEQUEUE: one load from it (TAIC dequeue, ATS-INTC fetch) |
//! | 2 | binding a handler task to a channel (TAIC "register") |
//! | 3 | SEND to a channel (TAIC "send soft interrupt") |
//! | 4 | a null system call, U → S → U (`getpid`; TAIC's u→s→u round trip used `ebreak`) |
//!
//! Runs on one hart (the woken handler enters that hart's local queue). Needs the task
//! controller: without it (QEMU) the program says so and exits 0 having measured nothing.

#![no_std]
#![no_main]

use core::arch::asm;
use ulib::taskctl::{self, TaskSet};
use ulib::{println, process, sim};

ulib::main!(main);

/// Sample keys.
const ENQUEUE: u64 = 0;
const DEQUEUE: u64 = 1;
const REGISTER: u64 = 2;
const SEND: u64 = 3;
const SYSCALL: u64 = 4;

/// The channel the program sends to itself on.
const CHANNEL: usize = 1;

/// The task record whose address is the task id.
#[repr(align(64))]
struct Record([u8; 64]);

static RECORD: Record = Record([0; 64]);

/// The cycle counter. Not `nomem`: the read must stay between the accesses it brackets.
#[inline(always)]
fn cycle() -> u64 {
    let value: u64;
    // SAFETY: reading `cycle` has no side effects (the kernel enables it for U mode).
    unsafe { asm!("rdcycle {}", out(reg) value, options(nostack)) };
    value
}

/// Cycles of `op`, less an empty pair of reads' `overhead`.
#[inline(always)]
fn measure(overhead: u64, op: impl FnOnce()) -> u64 {
    let start = cycle();
    op();
    let end = cycle();
    (end - start).saturating_sub(overhead)
}

fn main(args: &[&str]) -> i32 {
    let mut rounds = 200u64;
    for arg in &args[1..] {
        match arg.split_once('=') {
            Some(("rounds", v)) => match v.parse() {
                Ok(n) if n > 0 => rounds = n,
                _ => return usage(arg),
            },
            Some(("seed", _)) => {}
            _ => return usage(arg),
        }
    }
    let set = match TaskSet::open() {
        Ok(set) => set,
        Err(e) => {
            println!("calibrate: no task controller ({e:?}); nothing measured");
            return 0;
        }
    };
    let sender = match set.channel(CHANNEL).and_then(|fd| set.connect(fd)) {
        Ok(sender) => sender,
        Err(e) => {
            println!("calibrate: cannot send to my own channel: {e:?}");
            return 1;
        }
    };
    let task = taskctl::task_id(RECORD.0.as_ptr() as usize, 2, false);
    // Warm the instruction cache and the TLBs, then take the smallest empty pair.
    let overhead = (0..16).map(|_| measure(0, || {})).min().unwrap_or(0);
    let mut sums = [0u64; 5];
    for round in 0..rounds + 1 {
        let enqueue = measure(overhead, || set.enqueue(0, task));
        let mut got = None;
        let dequeue = measure(overhead, || got = set.dequeue(0));
        if got != Some(task) {
            println!("calibrate: dequeued {got:?}, expected {task:#x}");
            return 1;
        }
        let register = measure(overhead, || set.bind_channel(CHANNEL, task));
        let send = measure(overhead, || sender.send());
        // The handler wakes into this hart's local queue `wake_cycles` after the SEND.
        if !(0..10_000).any(|_| set.dequeue(0) == Some(task)) {
            println!("calibrate: the woken handler never arrived");
            return 1;
        }
        let syscall = measure(overhead, || {
            process::getpid();
        });
        // Round 0 warms the caches and is not recorded.
        if round == 0 {
            continue;
        }
        for (i, (key, value)) in [
            (ENQUEUE, enqueue),
            (DEQUEUE, dequeue),
            (REGISTER, register),
            (SEND, send),
            (SYSCALL, syscall),
        ]
        .into_iter()
        .enumerate()
        {
            sim::sample(key, value);
            sums[i] += value;
        }
    }
    println!(
        "calibrate rounds={rounds} overhead={overhead} mean enqueue={} dequeue={} register={} send={} syscall={}",
        sums[0] / rounds,
        sums[1] / rounds,
        sums[2] / rounds,
        sums[3] / rounds,
        sums[4] / rounds
    );
    0
}

fn usage(arg: &str) -> i32 {
    println!("calibrate: bad argument `{arg}`; usage: calibrate [rounds=N] [seed=N]");
    2
}
