//! Time: the kernel's clock and sleep, and the hart's own counters.
//!
//! [`now_ns`] is machine time since boot: simulated time on hartlab (the same run after run),
//! the host's time on QEMU. [`cycles`] and [`instret`] read the `cycle` and `instret`
//! counters of the hart the caller runs on; differences are only meaningful if the thread
//! stayed on one hart.

use crate::syscall;
use core::arch::asm;

/// Nanoseconds of machine time since boot.
pub fn now_ns() -> u64 {
    syscall::clock().unwrap_or(0) // cannot fail
}

/// Sleeps at least `ns` nanoseconds.
pub fn sleep_ns(ns: u64) {
    let _ = syscall::sleep(ns); // cannot fail
}

/// Sleeps at least `ms` milliseconds.
pub fn sleep_ms(ms: u64) {
    sleep_ns(ms * 1_000_000)
}

/// Cycles this hart has run (`rdcycle`).
#[inline(always)]
pub fn cycles() -> u64 {
    let value;
    // SAFETY: reads a counter the kernel lets user mode read.
    unsafe { asm!("rdcycle {}", out(reg) value, options(nomem, nostack)) };
    value
}

/// Instructions this hart has retired (`rdinstret`).
#[inline(always)]
pub fn instret() -> u64 {
    let value;
    // SAFETY: reads a counter the kernel lets user mode read.
    unsafe { asm!("rdinstret {}", out(reg) value, options(nomem, nostack)) };
    value
}
