//! The SBI system reset extension (SRST) on the SiFive test finisher.
//!
//! A 32-bit write to the finisher ends the machine: `0x5555` passes, `0x3333 | code << 16`
//! fails with `code`, `0x7777` resets. hartlab and QEMU both exit with that status.

use crate::platform::TEST_FINISHER_BASE;
use rustsbi::spec::srst::{
    RESET_REASON_NO_REASON, RESET_TYPE_COLD_REBOOT, RESET_TYPE_SHUTDOWN, RESET_TYPE_WARM_REBOOT,
};
use rustsbi::SbiRet;

use abi::board::test_finisher::{
    FAIL as FINISHER_FAIL, PASS as FINISHER_PASS, RESET as FINISHER_RESET,
};

fn finisher_write(value: u32) -> ! {
    // SAFETY: the finisher's register on this machine.
    unsafe { (TEST_FINISHER_BASE as *mut u32).write_volatile(value) };
    loop {
        riscv::asm::wfi();
    }
}

/// Ends the machine with success.
pub fn pass() -> ! {
    finisher_write(FINISHER_PASS)
}

/// Ends the machine with failure `code` (16 bits; 0 is reported as 1).
pub fn fail(code: u16) -> ! {
    finisher_write(FINISHER_FAIL | u32::from(code.max(1)) << 16)
}

/// The SBI system reset extension.
pub struct SbiReset;

impl rustsbi::Reset for SbiReset {
    fn system_reset(&self, reset_type: u32, reset_reason: u32) -> SbiRet {
        match (reset_type, reset_reason) {
            (RESET_TYPE_SHUTDOWN, RESET_REASON_NO_REASON) => pass(),
            // A shutdown for any other reason (system failure, or an SBI or vendor reason)
            // is reported as a failure carrying the reason.
            (RESET_TYPE_SHUTDOWN, reason) => fail(u16::try_from(reason).unwrap_or(u16::MAX)),
            (RESET_TYPE_COLD_REBOOT | RESET_TYPE_WARM_REBOOT, _) => finisher_write(FINISHER_RESET),
            _ => SbiRet::invalid_param(),
        }
    }
}
