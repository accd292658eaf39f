//! Traps into the kernel: interrupts and exceptions taken in S mode.
//!
//! [`trap_entry`] saves every register of the interrupted code in a [`TrapFrame`] on the
//! current kernel stack, calls [`handle_trap`] and restores them. So far only the kernel itself
//! runs (no user mode), so the interrupted stack is always a valid kernel stack.
//!
//! Interrupts handled:
//! - supervisor timer: the deadline armed with SBI `set_timer` passed (see `timer`);
//! - supervisor software: an IPI from another hart (see `smp`).
//!
//! Any exception is a kernel bug and panics.

use core::arch::naked_asm;
use riscv::interrupt::supervisor::{Exception, Interrupt};
use riscv::interrupt::Trap;
use riscv::register::{scause, sstatus, stval, stvec};

/// The interrupted code's registers: `x[1..32]`, then `sepc` and `sstatus`.
#[repr(C)]
pub struct TrapFrame {
    pub x: [usize; 32],
    pub sepc: usize,
    pub sstatus: usize,
}

/// Points this hart's trap vector at [`trap_entry`].
pub fn init_hart() {
    // SAFETY: `trap_entry` is a complete trap handler for traps taken in S mode.
    unsafe {
        stvec::write(stvec::Stvec::new(
            trap_entry as *const () as usize,
            stvec::TrapMode::Direct,
        ))
    }
}

/// Enables or disables interrupts on this hart.
pub fn set_interrupts(enabled: bool) {
    // SAFETY: the trap handler is installed on every hart before it enables interrupts.
    unsafe {
        if enabled {
            sstatus::set_sie()
        } else {
            sstatus::clear_sie()
        }
    }
}

#[unsafe(naked)]
unsafe extern "C" fn trap_entry() -> ! {
    naked_asm!(
        ".p2align 2",
        "addi sp, sp, -{frame}",
        "sd x1, 1*8(sp)",
        "sd x3, 3*8(sp)",
        "sd x4, 4*8(sp)",
        "sd x5, 5*8(sp)",
        "sd x6, 6*8(sp)",
        "sd x7, 7*8(sp)",
        "sd x8, 8*8(sp)",
        "sd x9, 9*8(sp)",
        "sd x10, 10*8(sp)",
        "sd x11, 11*8(sp)",
        "sd x12, 12*8(sp)",
        "sd x13, 13*8(sp)",
        "sd x14, 14*8(sp)",
        "sd x15, 15*8(sp)",
        "sd x16, 16*8(sp)",
        "sd x17, 17*8(sp)",
        "sd x18, 18*8(sp)",
        "sd x19, 19*8(sp)",
        "sd x20, 20*8(sp)",
        "sd x21, 21*8(sp)",
        "sd x22, 22*8(sp)",
        "sd x23, 23*8(sp)",
        "sd x24, 24*8(sp)",
        "sd x25, 25*8(sp)",
        "sd x26, 26*8(sp)",
        "sd x27, 27*8(sp)",
        "sd x28, 28*8(sp)",
        "sd x29, 29*8(sp)",
        "sd x30, 30*8(sp)",
        "sd x31, 31*8(sp)",
        "addi t0, sp, {frame}",
        "sd t0, 2*8(sp)", // the interrupted sp
        "csrr t0, sepc",
        "sd t0, 32*8(sp)",
        "csrr t0, sstatus",
        "sd t0, 33*8(sp)",
        "mv a0, sp",
        "call {handle}",
        "ld t0, 32*8(sp)",
        "csrw sepc, t0",
        "ld t0, 33*8(sp)",
        "csrw sstatus, t0",
        "ld x1, 1*8(sp)",
        "ld x3, 3*8(sp)",
        "ld x4, 4*8(sp)",
        "ld x5, 5*8(sp)",
        "ld x6, 6*8(sp)",
        "ld x7, 7*8(sp)",
        "ld x8, 8*8(sp)",
        "ld x9, 9*8(sp)",
        "ld x10, 10*8(sp)",
        "ld x11, 11*8(sp)",
        "ld x12, 12*8(sp)",
        "ld x13, 13*8(sp)",
        "ld x14, 14*8(sp)",
        "ld x15, 15*8(sp)",
        "ld x16, 16*8(sp)",
        "ld x17, 17*8(sp)",
        "ld x18, 18*8(sp)",
        "ld x19, 19*8(sp)",
        "ld x20, 20*8(sp)",
        "ld x21, 21*8(sp)",
        "ld x22, 22*8(sp)",
        "ld x23, 23*8(sp)",
        "ld x24, 24*8(sp)",
        "ld x25, 25*8(sp)",
        "ld x26, 26*8(sp)",
        "ld x27, 27*8(sp)",
        "ld x28, 28*8(sp)",
        "ld x29, 29*8(sp)",
        "ld x30, 30*8(sp)",
        "ld x31, 31*8(sp)",
        "addi sp, sp, {frame}",
        "sret",
        frame = const core::mem::size_of::<TrapFrame>(),
        handle = sym handle_trap,
    )
}

extern "C" fn handle_trap(frame: &mut TrapFrame) {
    match scause::read().cause().try_into::<Interrupt, Exception>() {
        Ok(Trap::Interrupt(Interrupt::SupervisorTimer)) => crate::timer::on_interrupt(),
        Ok(Trap::Interrupt(Interrupt::SupervisorSoft)) => crate::smp::on_ipi(),
        _ => panic!(
            "unexpected trap: scause {:#x}, sepc {:#x}, stval {:#x}",
            scause::read().bits(),
            frame.sepc,
            stval::read()
        ),
    }
}

/// Sleeps until `done()` holds, taking interrupts meanwhile; returns with interrupts off.
///
/// `done` is checked with interrupts off, so an interrupt that makes it true cannot slip in
/// between the check and `wfi` (which wakes on any pending interrupt enabled in `sie`, even
/// with `sstatus.SIE` clear); enabling interrupts then takes it.
pub fn wait_until(mut done: impl FnMut() -> bool) {
    loop {
        set_interrupts(false);
        if done() {
            return;
        }
        riscv::asm::wfi();
        set_interrupts(true);
    }
}
