//! The kernel's per-hart counters ([`HartStats`]): system calls, context switches, timer
//! interrupts, IPIs, preemptions, steals, idle time, coroutine switches and timeouts. Read them before and after something to
//! see what the kernel did for it.

use crate::syscall;
use abi::{Errno, HartStats};
use alloc::vec;
use alloc::vec::Vec;

/// How many harts the kernel runs on.
pub fn hart_count() -> usize {
    syscall::hart_count().unwrap_or(1) // cannot fail
}

/// Every hart's counters, indexed by hart id.
pub fn hart_stats() -> Result<Vec<HartStats>, Errno> {
    let mut stats = vec![HartStats::default(); hart_count()];
    let harts = syscall::hart_stats(&mut stats)?;
    stats.truncate(harts);
    Ok(stats)
}

/// The counters of every hart added together (`hart` is the number of harts).
pub fn total(stats: &[HartStats]) -> HartStats {
    let mut sum = HartStats {
        hart: stats.len() as u64,
        ..HartStats::default()
    };
    for s in stats {
        sum.syscalls += s.syscalls;
        sum.context_switches += s.context_switches;
        sum.address_space_switches += s.address_space_switches;
        sum.timer_interrupts += s.timer_interrupts;
        sum.ipis_received += s.ipis_received;
        sum.ipis_sent += s.ipis_sent;
        sum.preemptions += s.preemptions;
        sum.steals += s.steals;
        sum.faults_killed += s.faults_killed;
        sum.idle_ticks += s.idle_ticks;
        sum.user_interrupt_wakeups += s.user_interrupt_wakeups;
        sum.coroutine_switches += s.coroutine_switches;
        sum.coroutine_timeouts += s.coroutine_timeouts;
        sum.fast_yields += s.fast_yields;
        sum.coroutine_takeovers += s.coroutine_takeovers;
    }
    sum
}
