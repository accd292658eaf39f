//! Task contexts: the three register moves a scheduler of stackful tasks needs.
//!
//! A suspended task's context is its stack pointer: [`switch`] pushes the return address
//! and the callee-saved registers onto the task's own stack, so the task table keeps one word
//! per task. The caller-saved registers are the compiler's business at a voluntary switch; at
//! a preemption the interrupt's entry code (the N-extension trampoline or the kernel's
//! upcall frame) has saved them below the interrupted code's stack pointer already.
//! RV64IMAC guests have no floating-point registers to save.

use core::arch::naked_asm;

/// Bytes [`switch`] pushes: `ra` and `s0`..`s11`, rounded to the 16-byte stack alignment.
pub const FRAME_BYTES: usize = 112;

/// Saves the caller's context on its stack, stores its stack pointer at `save`, and resumes
/// the context saved at stack pointer `load` (by an earlier `switch`).
///
/// # Safety
/// `load` must be a stack pointer a [`switch`] saved and nothing has resumed since; `save`
/// must be writable.
#[unsafe(naked)]
pub unsafe extern "C" fn switch(save: *mut usize, load: usize) {
    naked_asm!(
        "addi sp, sp, -112",
        "sd ra, 0(sp)",
        "sd s0, 8(sp)",
        "sd s1, 16(sp)",
        "sd s2, 24(sp)",
        "sd s3, 32(sp)",
        "sd s4, 40(sp)",
        "sd s5, 48(sp)",
        "sd s6, 56(sp)",
        "sd s7, 64(sp)",
        "sd s8, 72(sp)",
        "sd s9, 80(sp)",
        "sd s10, 88(sp)",
        "sd s11, 96(sp)",
        "sd sp, 0(a0)",
        "mv sp, a1",
        "ld ra, 0(sp)",
        "ld s0, 8(sp)",
        "ld s1, 16(sp)",
        "ld s2, 24(sp)",
        "ld s3, 32(sp)",
        "ld s4, 40(sp)",
        "ld s5, 48(sp)",
        "ld s6, 56(sp)",
        "ld s7, 64(sp)",
        "ld s8, 72(sp)",
        "ld s9, 80(sp)",
        "ld s10, 88(sp)",
        "ld s11, 96(sp)",
        "addi sp, sp, 112",
        "ret",
    )
}

/// Resumes the context saved at stack pointer `load`, abandoning the caller's.
///
/// # Safety
/// As [`switch`]'s `load`.
#[unsafe(naked)]
pub unsafe extern "C" fn resume(load: usize) -> ! {
    naked_asm!(
        "mv sp, a0",
        "ld ra, 0(sp)",
        "ld s0, 8(sp)",
        "ld s1, 16(sp)",
        "ld s2, 24(sp)",
        "ld s3, 32(sp)",
        "ld s4, 40(sp)",
        "ld s5, 48(sp)",
        "ld s6, 56(sp)",
        "ld s7, 64(sp)",
        "ld s8, 72(sp)",
        "ld s9, 80(sp)",
        "ld s10, 88(sp)",
        "ld s11, 96(sp)",
        "addi sp, sp, 112",
        "ret",
    )
}

/// Calls `entry(arg)` on a fresh stack whose top is `top`, abandoning the caller's context.
/// Nothing is written below `top` before the stack pointer moves there, so `top` may belong
/// to the stack the caller runs on (an exiting task's).
///
/// # Safety
/// `top` must be the 16-byte aligned top of a stack nothing else uses.
#[unsafe(naked)]
pub unsafe extern "C" fn start(top: usize, arg: usize, entry: extern "C" fn(usize) -> !) -> ! {
    naked_asm!("mv sp, a0", "mv a0, a1", "li ra, 0", "jr a2")
}
