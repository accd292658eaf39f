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

/// `ticks` of `time` in nanoseconds.
pub fn to_ns(ticks: u64) -> u64 {
    (ticks as u128 * 1_000_000_000 / FREQUENCY.load(Ordering::Relaxed) as u128) as u64
}

/// `ns` nanoseconds in ticks of `time`, rounded up.
pub fn from_ns(ns: u64) -> u64 {
    let hz = FREQUENCY.load(Ordering::Relaxed) as u128;
    (ns as u128 * hz)
        .div_ceil(1_000_000_000)
        .min(u64::MAX as u128) as u64
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
