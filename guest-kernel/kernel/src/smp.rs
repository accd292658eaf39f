//! Bringing up the other harts with SBI HSM, and inter-processor interrupts.
//!
//! The boot hart starts the others one at a time, so the boot log has the same order on
//! every run and every platform. Each started hart enters at [`crate::secondary_entry`],
//! reports itself online and waits for an IPI; the boot hart sends it one and waits until the
//! firmware reports the hart stopped again. This exercises HSM start, IPI delivery, HSM stop
//! and status; the scheduler will later keep the harts running instead.

use crate::machine::Machine;
use crate::trap;
use core::sync::atomic::{AtomicU64, Ordering};
use riscv::register::sie;
use sbi_rt::HartMask;
use sbi_spec::hsm::hart_state::STOPPED;

/// Bit `i` set: hart `i` has come up in the kernel.
static ONLINE: AtomicU64 = AtomicU64::new(0);
/// Bit `i` set: hart `i` has taken an IPI.
static IPI_SEEN: AtomicU64 = AtomicU64::new(0);

fn bit(hart: usize) -> u64 {
    1 << hart
}

/// Records that `hart` (the caller) is up.
pub fn mark_online(hart: usize) {
    ONLINE.fetch_or(bit(hart), Ordering::Release);
}

/// Starts every hart of `machine` but `boot_hart`, one at a time (see the module docs).
pub fn start_secondaries(machine: &Machine, boot_hart: usize) {
    for hart in machine.harts().filter(|&hart| hart != boot_hart) {
        sbi_rt::hart_start(hart, crate::secondary_entry as *const () as usize, 0)
            .unwrap_or_else(|e| panic!("SBI hart_start({hart}) failed: {e:?}"));
        while ONLINE.load(Ordering::Acquire) & bit(hart) == 0 {
            core::hint::spin_loop();
        }
        sbi_rt::send_ipi(HartMask::from_mask_base(1, hart))
            .unwrap_or_else(|e| panic!("SBI send_ipi({hart}) failed: {e:?}"));
        while sbi_rt::hart_get_status(hart).ok() != Some(STOPPED) {
            core::hint::spin_loop();
        }
    }
}

/// On a secondary hart: waits for the boot hart's IPI, then hands the hart back to the
/// firmware.
pub fn wait_for_ipi_then_stop(hart: usize) -> ! {
    // SAFETY: the trap handler handles supervisor software interrupts.
    unsafe { sie::set_ssoft() };
    trap::wait_until(|| IPI_SEEN.load(Ordering::Acquire) & bit(hart) != 0);
    sbi_rt::hart_stop().unwrap_or_else(|e| panic!("SBI hart_stop failed: {e:?}"));
    unreachable!("SBI hart_stop returned");
}

/// The supervisor software interrupt: an IPI arrived for this hart.
pub fn on_ipi() {
    // SAFETY: acknowledging the interrupt being handled.
    unsafe { riscv::register::sip::clear_ssoft() };
    IPI_SEEN.fetch_or(bit(crate::hart_id()), Ordering::Release);
}
