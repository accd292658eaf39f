//! The kernel's per-hart counters, reported to user programs by the `hart_stats` system call
//! (`abi::HartStats`).
//!
//! Each hart bumps only its own counters, so a bump is a plain load and store (no atomic
//! read-modify-write on the system-call path); a reader on another hart sees each counter's
//! value at some recent moment.

use crate::per_hart::PerHart;
use core::sync::atomic::{AtomicU64, Ordering};

/// What the kernel counts, per hart.
#[derive(Clone, Copy)]
pub enum Counter {
    Syscalls,
    ContextSwitches,
    AddressSpaceSwitches,
    TimerInterrupts,
    IpisReceived,
    IpisSent,
    Preemptions,
    Steals,
    FaultsKilled,
    IdleTicks,
    UserInterruptWakeups,
    CoroutineSwitches,
    CoroutineTimeouts,
    FastYields,
    CoroutineTakeovers,
}

const COUNTERS: usize = Counter::CoroutineTakeovers as usize + 1;

/// Every hart's counters.
static COUNTS: PerHart<[AtomicU64; COUNTERS]> = PerHart::new();

/// Allocates every hart's counters, at zero (see `per_hart`).
pub fn init() {
    COUNTS.init(|_| [const { AtomicU64::new(0) }; COUNTERS]);
}

/// Adds `n` to this hart's `counter`.
#[inline]
pub fn add(counter: Counter, n: u64) {
    let count = &COUNTS.this()[counter as usize];
    count.store(count.load(Ordering::Relaxed) + n, Ordering::Relaxed);
}

/// Adds one to this hart's `counter`.
#[inline]
pub fn bump(counter: Counter) {
    add(counter, 1);
}

/// `hart`'s counters.
pub fn snapshot(hart: usize) -> abi::HartStats {
    let c = |counter: Counter| COUNTS.get(hart)[counter as usize].load(Ordering::Relaxed);
    abi::HartStats {
        hart: hart as u64,
        syscalls: c(Counter::Syscalls),
        context_switches: c(Counter::ContextSwitches),
        address_space_switches: c(Counter::AddressSpaceSwitches),
        timer_interrupts: c(Counter::TimerInterrupts),
        ipis_received: c(Counter::IpisReceived),
        ipis_sent: c(Counter::IpisSent),
        preemptions: c(Counter::Preemptions),
        steals: c(Counter::Steals),
        faults_killed: c(Counter::FaultsKilled),
        idle_ticks: c(Counter::IdleTicks),
        user_interrupt_wakeups: c(Counter::UserInterruptWakeups),
        coroutine_switches: c(Counter::CoroutineSwitches),
        coroutine_timeouts: c(Counter::CoroutineTimeouts),
        fast_yields: c(Counter::FastYields),
        coroutine_takeovers: c(Counter::CoroutineTakeovers),
    }
}
