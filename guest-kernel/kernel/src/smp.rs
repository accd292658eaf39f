//! Bringing up the other harts with SBI HSM, and inter-processor interrupts.
//!
//! The boot hart starts the others one at a time and waits for each to report itself
//! online, so the boot log has the same order on every run and every platform. Each started
//! hart enters at [`crate::secondary_entry`] and joins the scheduler.

use crate::machine::Machine;
use crate::stats::{self, Counter};
use core::sync::atomic::{AtomicU64, Ordering};
use sbi_rt::HartMask;

/// Bit `i` set: hart `i` has come up in the kernel.
static ONLINE: AtomicU64 = AtomicU64::new(0);

fn bit(hart: usize) -> u64 {
    1 << hart
}

/// Records that `hart` (the caller) is up.
pub fn mark_online(hart: usize) {
    ONLINE.fetch_or(bit(hart), Ordering::Release);
}

/// Starts every hart of `machine` but `boot_hart`, one at a time.
pub fn start_secondaries(machine: &Machine, boot_hart: usize) {
    for hart in machine.harts().filter(|&hart| hart != boot_hart) {
        sbi_rt::hart_start(hart, crate::secondary_entry as *const () as usize, 0)
            .unwrap_or_else(|e| panic!("SBI hart_start({hart}) failed: {e:?}"));
        while ONLINE.load(Ordering::Acquire) & bit(hart) == 0 {
            core::hint::spin_loop();
        }
    }
}

/// Interrupts `hart` (a supervisor software interrupt there).
pub fn send_ipi(hart: usize) {
    stats::bump(Counter::IpisSent);
    sbi_rt::send_ipi(HartMask::from_mask_base(1, hart))
        .unwrap_or_else(|e| panic!("SBI send_ipi({hart}) failed: {e:?}"));
}

/// Clears this hart's pending IPI.
pub fn acknowledge_ipi() {
    // SAFETY: acknowledging the interrupt being handled.
    unsafe { riscv::register::sip::clear_ssoft() };
}
