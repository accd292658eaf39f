//! Entering S mode, and the traps S mode makes into the firmware.
//!
//! While a hart runs the kernel, `mscratch` holds the top of its M-mode stack. A trap swaps
//! it with `sp`, saves the kernel's registers in a [`TrapFrame`] on the M stack and calls
//! [`handle_trap`]. What reaches M mode is only what is not delegated: SBI calls (`ecall`
//! from S), misaligned loads and stores from S and U, which the firmware performs
//! (`misaligned`), and the machine timer and software interrupts, which are relayed to S mode
//! (see `clint`). Everything else goes to the kernel directly (see [`delegate_to_supervisor`]).
//!
//! The firmware never takes a trap from M mode while a kernel runs: it runs with interrupts
//! off and is not expected to fault. A trap that is neither of the above stops the machine
//! with a report.

use crate::sbi::SBI;
use core::arch::naked_asm;
use riscv::interrupt::machine::{Exception, Interrupt};
use riscv::interrupt::Trap;
use riscv::register::{mcause, medeleg, mepc, mideleg, mscratch, mstatus, mtval, mtvec};
use rustsbi::RustSBI;

/// The kernel's general-purpose registers at the trap; `x[0]` is unused.
#[repr(C)]
pub struct TrapFrame {
    pub x: [usize; 32],
}

impl TrapFrame {
    fn a(&self, i: usize) -> usize {
        self.x[10 + i]
    }
}

/// Hands the interrupts and exceptions the kernel handles itself straight to S mode.
pub fn delegate_to_supervisor() {
    // SAFETY: configures this hart's trap routing only.
    unsafe {
        mideleg::set_ssoft();
        mideleg::set_stimer();
        mideleg::set_sext();
        // User software and user timer interrupts (N extension, hartlab's `utimecmp`): the
        // kernel routes them on to user mode through `sideleg`. The bits are read-only zero
        // on harts without the N extension.
        core::arch::asm!("csrs mideleg, {}", in(reg) 1 | 1 << 4);
        medeleg::set_instruction_misaligned();
        medeleg::set_instruction_fault();
        medeleg::set_illegal_instruction();
        medeleg::set_breakpoint();
        // Misaligned loads and stores stay here: the firmware performs them (`misaligned`).
        medeleg::set_load_fault();
        medeleg::set_store_fault();
        medeleg::set_user_env_call();
        medeleg::set_instruction_page_fault();
        medeleg::set_load_page_fault();
        medeleg::set_store_page_fault();
        mtvec::write(mtvec::Mtvec::new(
            trap_entry as *const () as usize,
            mtvec::TrapMode::Direct,
        ));
    }
}

/// Enters S mode at `start_addr` with `a0 = hart` and `a1 = opaque`, translation off and
/// S-mode interrupts disabled, as the SBI specification prescribes for a starting hart. The
/// stack the hart ran on is abandoned: its traps start again from the top of its M stack.
pub fn enter_supervisor(hart: usize, start_addr: usize, opaque: usize) -> ! {
    // SAFETY: `start_addr` is where the kernel asked this hart to start; the stack in use is
    // abandoned.
    unsafe {
        mscratch::write(crate::stack::top(hart));
        mepc::write(start_addr);
        mstatus::set_mpp(mstatus::MPP::Supervisor);
        mstatus::clear_mie();
        core::arch::asm!(
            "csrw satp, zero",
            "csrw sie, zero",
            "csrci sstatus, 0x2", // SIE
            "mret",
            in("a0") hart,
            in("a1") opaque,
            options(noreturn),
        )
    }
}

/// Saves the kernel's registers, calls [`handle_trap`], restores them and returns to S mode.
#[unsafe(naked)]
unsafe extern "C" fn trap_entry() -> ! {
    naked_asm!(
        ".p2align 2",
        "csrrw sp, mscratch, sp", // sp = M stack top, mscratch = kernel sp
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
        "csrr t0, mscratch",
        "sd t0, 2*8(sp)", // the kernel's sp
        "mv a0, sp",
        "call {handle}",
        // Back to the kernel: mscratch = M stack top again, then the kernel's registers.
        "addi t0, sp, {frame}",
        "csrw mscratch, t0",
        "ld x1, 1*8(sp)",
        "ld x3, 3*8(sp)",
        "ld x4, 4*8(sp)",
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
        "ld x5, 5*8(sp)",
        "ld sp, 2*8(sp)",
        "mret",
        frame = const core::mem::size_of::<TrapFrame>(),
        handle = sym handle_trap,
    )
}

/// SBI extension ID of the legacy `console_putchar`, which `rustsbi` does not implement.
const LEGACY_CONSOLE_PUTCHAR: usize = 0x01;

/// Handles one trap from S mode.
extern "C" fn handle_trap(frame: &mut TrapFrame) {
    let cause = mcause::read().cause().try_into::<Interrupt, Exception>();
    match cause {
        Ok(Trap::Exception(Exception::SupervisorEnvCall)) => {
            let (extension, function) = (frame.a(7), frame.a(6));
            let (error, value) = if extension == LEGACY_CONSOLE_PUTCHAR {
                crate::uart::UART.lock().put(frame.a(0) as u8);
                (0, 0)
            } else {
                let params = [0, 1, 2, 3, 4, 5].map(|i| frame.a(i));
                let ret = SBI.handle_ecall(extension, function, params);
                (ret.error, ret.value)
            };
            frame.x[10] = error;
            frame.x[11] = value;
            // SAFETY: resume after the `ecall`.
            unsafe { mepc::write(mepc::read() + 4) };
        }
        Ok(Trap::Exception(Exception::LoadMisaligned))
            if crate::misaligned::emulate(frame, false) => {}
        Ok(Trap::Exception(Exception::StoreMisaligned))
            if crate::misaligned::emulate(frame, true) => {}
        Ok(Trap::Interrupt(Interrupt::MachineTimer)) => crate::clint::on_machine_timer(),
        Ok(Trap::Interrupt(Interrupt::MachineSoft)) => crate::clint::on_machine_software(),
        _ => {
            crate::println!(
                "[firmware] unexpected trap: mcause {:#x}, mepc {:#x}, mtval {:#x}",
                mcause::read().bits(),
                mepc::read(),
                mtval::read()
            );
            crate::reset::fail(2);
        }
    }
}
