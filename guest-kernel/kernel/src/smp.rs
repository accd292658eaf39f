//! Bringing up the other harts with SBI HSM, and inter-processor interrupts.
//!
//! The boot hart starts the others one at a time and waits for each to report itself
//! online, so the boot log has the same order on every run and every platform. Each started
//! hart enters at [`crate::secondary_entry`] on a boot stack the boot hart carved for it from
//! free RAM (its top is the `opaque` argument of `hart_start`), and joins the scheduler.

use crate::machine::Machine;
use crate::mm::{frame, PAGE_SIZE};
use crate::per_hart::HartSet;
use crate::stats::{self, Counter};
use sbi_rt::HartMask;

/// Bytes of kernel stack per hart: its boot stack, on which its scheduler loop runs.
pub const STACK_SIZE: usize = 64 * 1024;

/// The harts that have come up in the kernel.
static ONLINE: HartSet = HartSet::new();

/// Allocates the per-hart state of bring-up (see `per_hart`).
pub fn init() {
    ONLINE.init();
}

/// Records that `hart` (the caller) is up.
pub fn mark_online(hart: usize) {
    ONLINE.insert(hart);
}

/// Starts every hart of `machine` but `boot_hart`, one at a time, each on a boot stack of
/// its own. Panics (failing the machine) if RAM has no room for a stack or the firmware
/// refuses a hart: a hart of the device tree is never silently left out.
pub fn start_secondaries(machine: &Machine, boot_hart: usize) {
    for hart in machine.harts().filter(|&hart| hart != boot_hart) {
        let stack = frame::alloc_contiguous(STACK_SIZE / PAGE_SIZE).unwrap_or_else(|| {
            panic!(
                "no RAM for the kernel stack of hart {hart} ({} harts need {} KiB)",
                machine.hart_count(),
                (machine.hart_count() * STACK_SIZE) >> 10
            )
        });
        sbi_rt::hart_start(
            hart,
            crate::secondary_entry as *const () as usize,
            stack.end,
        )
        .unwrap_or_else(|e| panic!("SBI hart_start({hart}) failed: {e:?}"));
        while !ONLINE.contains(hart) {
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
