//! The timer: deadlines on the `time` CSR, armed through SBI `set_timer`.

use core::sync::atomic::{AtomicUsize, Ordering};
use riscv::register::{sie, time};

/// Timer interrupts taken, over all harts.
static TICKS: AtomicUsize = AtomicUsize::new(0);

/// The current time, in ticks of the device tree's `timebase-frequency`.
pub fn now() -> u64 {
    time::read64()
}

/// Arms this hart's timer interrupt for `deadline` (in `time` ticks).
pub fn arm(deadline: u64) {
    sbi_rt::set_timer(deadline).expect("SBI set_timer failed");
    // SAFETY: enabling an interrupt the trap handler handles.
    unsafe { sie::set_stimer() };
}

/// Timer interrupts taken so far.
pub fn ticks() -> usize {
    TICKS.load(Ordering::Acquire)
}

/// The supervisor timer interrupt: disarm the timer (which also acknowledges the interrupt)
/// and count the tick.
pub fn on_interrupt() {
    sbi_rt::set_timer(u64::MAX).expect("SBI set_timer failed");
    TICKS.fetch_add(1, Ordering::Release);
}
