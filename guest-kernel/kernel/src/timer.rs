//! Time: the `time` CSR, deadlines, and the scheduler's tick.
//!
//! A deadline is armed with Sstc's `stimecmp` when the device tree says the harts have it (a
//! CSR write), otherwise with SBI `set_timer` (a call into the firmware).

use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use riscv::register::time;

static SSTC: AtomicBool = AtomicBool::new(false);
/// `time` ticks per second.
static FREQUENCY: AtomicU64 = AtomicU64::new(10_000_000);
/// `time` ticks per scheduler tick.
static TICK: AtomicU64 = AtomicU64::new(1_000);

/// Sets the time base (`hz`), whether to use Sstc, and the scheduler tick in microseconds.
pub fn init(hz: u64, sstc: bool, tick_us: u64) {
    FREQUENCY.store(hz, Ordering::Relaxed);
    SSTC.store(sstc, Ordering::Relaxed);
    TICK.store((hz * tick_us / 1_000_000).max(1), Ordering::Relaxed);
}

/// Whether deadlines use Sstc.
pub fn uses_sstc() -> bool {
    SSTC.load(Ordering::Relaxed)
}

/// The current time, in ticks of the device tree's `timebase-frequency`.
pub fn now() -> u64 {
    time::read64()
}

/// The scheduler's time slice, in `time` ticks.
pub fn tick() -> u64 {
    TICK.load(Ordering::Relaxed)
}

/// Nanoseconds per second.
const NS: u64 = 1_000_000_000;

// The conversions split their operand into whole seconds and the rest, so that they need
// only 64-bit arithmetic for any frequency up to 18 GHz: a 128-bit division is a library
// routine of about 5 000 instructions on RV64 (measured), and the network stack converts at
// every run.

/// `ticks` of `time` in nanoseconds.
pub fn to_ns(ticks: u64) -> u64 {
    let hz = FREQUENCY.load(Ordering::Relaxed);
    (ticks / hz)
        .saturating_mul(NS)
        .saturating_add(ticks % hz * NS / hz)
}

/// `ns` nanoseconds in ticks of `time`, rounded up.
pub fn from_ns(ns: u64) -> u64 {
    let hz = FREQUENCY.load(Ordering::Relaxed);
    (ns / NS)
        .saturating_mul(hz)
        .saturating_add((ns % NS * hz).div_ceil(NS))
}

/// Arms this hart's timer interrupt for `deadline` (`u64::MAX`: none).
pub fn arm(deadline: u64) {
    if uses_sstc() {
        // SAFETY: `stimecmp` (0x14D) exists and is enabled for S mode (the firmware sets
        // `menvcfg.STCE` when the device tree lists Sstc).
        unsafe { core::arch::asm!("csrw 0x14d, {}", in(reg) deadline) };
    } else {
        sbi_rt::set_timer(deadline).expect("SBI set_timer failed");
    }
}
