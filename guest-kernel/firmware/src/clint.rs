//! The CLINT: the SBI timer and IPI extensions, and the M-mode interrupts behind them.
//!
//! S mode cannot program the CLINT, so the firmware relays:
//! - **Timer.** `set_timer(t)` writes this hart's `mtimecmp` and enables the machine timer
//!   interrupt. When it fires, the firmware masks it and raises the *supervisor* timer
//!   interrupt (`mip.STIP`), which is delegated to the kernel. The kernel acknowledges by
//!   calling `set_timer` again, which clears `STIP`.
//! - **IPI.** `send_ipi(mask)` sets each target's `msip`. The target takes a machine software
//!   interrupt, clears its `msip` and raises `mip.SSIP` for the kernel. A hart parked in the
//!   firmware (see `hsm`) is woken by the same `msip` instead, without taking the interrupt.

use crate::hsm;
use crate::platform::CLINT_BASE;
use riscv::register::{mhartid, mie, mip};
use rustsbi::{HartMask, SbiRet};

/// `msip`: a u32 per hart.
const MSIP_OFFSET: usize = abi::board::clint::MSIP as usize;
/// `mtimecmp`: a u64 per hart.
const MTIMECMP_OFFSET: usize = abi::board::clint::MTIMECMP as usize;

fn msip(hart: usize) -> *mut u32 {
    (CLINT_BASE + MSIP_OFFSET + 4 * hart) as *mut u32
}

fn mtimecmp(hart: usize) -> *mut u64 {
    (CLINT_BASE + MTIMECMP_OFFSET + 8 * hart) as *mut u64
}

/// Raises the machine software interrupt of `hart`.
pub fn set_msip(hart: usize) {
    // SAFETY: CLINT registers of an existing hart (callers check `hsm::is_present`).
    unsafe { msip(hart).write_volatile(1) }
}

/// Clears the machine software interrupt of `hart`.
pub fn clear_msip(hart: usize) {
    // SAFETY: as in `set_msip`.
    unsafe { msip(hart).write_volatile(0) }
}

/// The SBI timer extension (TIME) on `mtimecmp`.
pub struct SbiTimer;

impl rustsbi::Timer for SbiTimer {
    fn set_timer(&self, stime_value: u64) {
        let hart = mhartid::read();
        // SAFETY: this hart's own CLINT register and interrupt bits.
        unsafe {
            mtimecmp(hart).write_volatile(stime_value);
            mip::clear_stimer();
            mie::set_mtimer();
        }
    }
}

/// The SBI IPI extension (sPI) on `msip`.
pub struct SbiIpi;

impl rustsbi::Ipi for SbiIpi {
    /// Raises `msip` of every hart in the mask: up to 64 hart ids from `hart_mask_base`, or
    /// every hart for a base of -1. A mask naming a hart that does not exist is refused
    /// whole (`SBI_ERR_INVALID_PARAM`), as the SBI specification says.
    fn send_ipi(&self, hart_mask: HartMask) -> SbiRet {
        let (_, base) = hart_mask.into_inner();
        if base == HartMask::IGNORE_MASK {
            hsm::harts().for_each(set_msip);
            return SbiRet::success(0);
        }
        if !hart_mask.iter().all(hsm::is_present) {
            return SbiRet::invalid_param();
        }
        hart_mask.iter().for_each(set_msip);
        SbiRet::success(0)
    }
}

/// Machine timer interrupt: this hart's deadline passed; pass it on to S mode.
pub fn on_machine_timer() {
    // SAFETY: this hart's own interrupt bits.
    unsafe {
        mie::clear_mtimer();
        mip::set_stimer();
    }
}

/// Machine software interrupt: an IPI for S mode arrived; pass it on.
pub fn on_machine_software() {
    clear_msip(mhartid::read());
    // SAFETY: this hart's own interrupt bits.
    unsafe { mip::set_ssoft() }
}
