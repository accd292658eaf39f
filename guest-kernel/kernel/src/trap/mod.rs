//! Traps into the kernel: system calls, faults and interrupts, from user mode and from the
//! kernel itself.
//!
//! One vector, [`trap_entry`], serves both. `sscratch` tells them apart: while a thread runs
//! in user mode it holds the address of that thread's [`TrapFrame`] (at the top of its kernel
//! stack); while the kernel runs it holds 0.
//!
//! - From user mode the registers go into the thread's frame, `tp` is reloaded with the hart
//!   id, and [`handle_user_trap`] runs on the thread's kernel stack: a system call, a fault
//!   (which kills the process), or the timer / an IPI (which may switch threads). It returns
//!   through [`return_to_user`].
//! - In the kernel, interrupts are enabled only while a hart idles, so a trap there is the
//!   timer, an IPI or a user interrupt for a blocked receiver (`uintr`) waking an idle hart;
//!   anything else is a kernel bug and panics.

use crate::stats::{self, Counter};
use crate::syscall;
use crate::task::{self, scheduler, uintr};
use core::arch::naked_asm;
use riscv::interrupt::supervisor::{Exception, Interrupt};
use riscv::interrupt::Trap;
use riscv::register::{scause, sie, sstatus, stval, stvec};

/// The registers of interrupted code: `x[1..32]` (`x[0]` unused), `sepc`, `sstatus`, and the
/// kernel's `tp` (the hart id) to restore on entry from user mode.
#[repr(C, align(16))]
#[derive(Clone, Default)]
pub struct TrapFrame {
    pub x: [usize; 32],
    pub sepc: usize,
    pub sstatus: usize,
    pub kernel_tp: usize,
}

/// Offsets into [`TrapFrame`] used by the assembly.
const SEPC: usize = 32 * 8;
const SSTATUS: usize = 33 * 8;
const KERNEL_TP: usize = 34 * 8;

impl TrapFrame {
    /// A frame that enters user mode at `pc` with stack `sp` and arguments `a0`, `a1`.
    pub fn user(pc: usize, sp: usize, a0: usize, a1: usize) -> TrapFrame {
        const SPP: usize = 1 << 8;
        const SPIE: usize = 1 << 5;
        const SUM: usize = 1 << 18;
        let mut frame = TrapFrame::default();
        frame.x[2] = sp;
        frame.x[10] = a0;
        frame.x[11] = a1;
        frame.sepc = pc;
        frame.sstatus = (sstatus::read().bits() & !(SPP | SUM)) | SPIE;
        frame
    }
}

/// Assembly that stores `x1` and `x3..x31` into the frame at `sp` (`x2`, `sp` itself, is
/// saved separately).
macro_rules! save_registers {
    () => {
        ".irp n, 1,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
        sd x\\n, \\n*8(sp)
        .endr"
    };
}

/// Assembly that loads `x1` and `x3..x31` from the frame at `sp`.
macro_rules! load_registers {
    () => {
        ".irp n, 1,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
        ld x\\n, \\n*8(sp)
        .endr"
    };
}

/// Points this hart's trap vector at [`trap_entry`] (with `sscratch` = 0: in the kernel),
/// enables the timer and software interrupts in `sie`, and lets user mode read the counters.
pub fn init_hart() {
    // SAFETY: `trap_entry` handles every trap taken in S mode; the handlers exist for the
    // interrupts enabled.
    unsafe {
        core::arch::asm!("csrw sscratch, zero");
        // User mode may read `cycle`, `time` and `instret` (for measuring itself).
        core::arch::asm!("csrw scounteren, {}", in(reg) 0b111);
        stvec::write(stvec::Stvec::new(
            trap_entry as *const () as usize,
            stvec::TrapMode::Direct,
        ));
        sie::set_stimer();
        sie::set_ssoft();
    }
}

/// Enables or disables interrupts while in the kernel on this hart.
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

/// The trap vector. See the module documentation.
#[unsafe(naked)]
unsafe extern "C" fn trap_entry() -> ! {
    naked_asm!(
        ".p2align 2",
        "csrrw sp, sscratch, sp",
        "bnez sp, 2f",
        // From the kernel: take sp back (sscratch stays 0) and save on the current stack.
        "csrrw sp, sscratch, sp",
        "addi sp, sp, -{frame}",
        save_registers!(),
        "addi t0, sp, {frame}",
        "sd t0, 2*8(sp)",
        "csrr t0, sepc",
        "sd t0, {sepc}(sp)",
        "csrr t0, sstatus",
        "sd t0, {sstatus}(sp)",
        "mv a0, sp",
        "call {kernel_trap}",
        "ld t0, {sepc}(sp)",
        "csrw sepc, t0",
        "ld t0, {sstatus}(sp)",
        "csrw sstatus, t0",
        load_registers!(),
        "addi sp, sp, {frame}",
        "sret",
        // From user mode: sp is the thread's frame, sscratch the user sp. A
        // `coroutine_yield` ecall takes the fast path (4:); everything else the full one.
        "2:",
        "sd t0, 5*8(sp)",
        "csrr t0, scause",
        "addi t0, t0, -{user_ecall}",
        "bnez t0, 3f",
        "addi t0, a7, -{coroutine_yield}",
        "beqz t0, 4f",
        "3:",
        "ld t0, 5*8(sp)",
        save_registers!(),
        "csrr t0, sscratch",
        "sd t0, 2*8(sp)",
        "csrw sscratch, zero",
        "csrr t0, sepc",
        "sd t0, {sepc}(sp)",
        "csrr t0, sstatus",
        "sd t0, {sstatus}(sp)",
        "ld tp, {kernel_tp}(sp)",
        "mv a0, sp",
        "call {user_trap}",
        "mv a0, sp",
        "j {return_to_user}",
        // The fast path: only what the caller cannot have declared clobbered.
        "4:",
        "sd gp, 3*8(sp)",
        "sd tp, 4*8(sp)",
        "sd s0, 8*8(sp)",
        "sd s1, 9*8(sp)",
        "csrr t0, sscratch",
        "sd t0, 2*8(sp)",
        "csrw sscratch, zero",
        "csrr t0, sepc",
        "sd t0, {sepc}(sp)",
        "csrr t0, sstatus",
        "sd t0, {sstatus}(sp)",
        "ld tp, {kernel_tp}(sp)",
        "mv a0, sp",
        "call {fast_yield}",
        // Non-zero: the frame was rewritten (an upcall delivered): restore all of it.
        "mv t0, a0",
        "mv a0, sp",
        "beqz t0, 5f",
        "j {return_to_user}",
        "5:",
        "j {return_to_user_fast}",
        frame = const core::mem::size_of::<TrapFrame>(),
        user_ecall = const USER_ECALL,
        coroutine_yield = const abi::nr::COROUTINE_YIELD,
        fast_yield = sym handle_fast_yield,
        return_to_user_fast = sym return_to_user_fast,
        sepc = const SEPC,
        sstatus = const SSTATUS,
        kernel_tp = const KERNEL_TP,
        kernel_trap = sym handle_kernel_trap,
        user_trap = sym handle_user_trap,
        return_to_user = sym return_to_user,
    )
}

/// Enters user mode with the registers in `frame` (in `a0`), which is the current thread's
/// frame at the top of its kernel stack; the kernel stack is empty again afterwards.
///
/// # Safety
/// `frame` must be the running thread's frame and hold user-mode state.
#[unsafe(naked)]
pub unsafe extern "C" fn return_to_user(frame: *mut TrapFrame) -> ! {
    naked_asm!(
        "mv sp, a0",
        "sd tp, {kernel_tp}(sp)",
        "csrw sscratch, sp",
        "ld t0, {sepc}(sp)",
        "csrw sepc, t0",
        "ld t0, {sstatus}(sp)",
        "csrw sstatus, t0",
        load_registers!(),
        "ld sp, 2*8(sp)",
        "sret",
        sepc = const SEPC,
        sstatus = const SSTATUS,
        kernel_tp = const KERNEL_TP,
    )
}

/// Returns to user mode after [`handle_fast_yield`] like [`return_to_user`], restoring only
/// the registers the fast path saved and zeroing the others, so that no kernel value leaks.
///
/// # Safety
/// As for [`return_to_user`]; the thread entered through the fast path.
#[unsafe(naked)]
unsafe extern "C" fn return_to_user_fast(frame: *mut TrapFrame) -> ! {
    naked_asm!(
        "mv sp, a0",
        "sd tp, {kernel_tp}(sp)",
        "csrw sscratch, sp",
        "ld t0, {sepc}(sp)",
        "csrw sepc, t0",
        "ld t0, {sstatus}(sp)",
        "csrw sstatus, t0",
        "ld gp, 3*8(sp)",
        "ld tp, 4*8(sp)",
        "ld s0, 8*8(sp)",
        "ld s1, 9*8(sp)",
        ".irp n, 1,5,6,7,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
        li x\\n, 0
        .endr",
        "ld sp, 2*8(sp)",
        "sret",
        sepc = const SEPC,
        sstatus = const SSTATUS,
        kernel_tp = const KERNEL_TP,
    )
}

/// `scause` of an `ecall` from user mode.
const USER_ECALL: usize = 8;

/// [`abi::nr::COROUTINE_YIELD`] on the fast path: the frame holds only `sp`, `gp`, `tp`,
/// `s0`, `s1`, `sepc` and `sstatus`. Returns whether the frame was rewritten on the way back
/// (an upcall delivered), so that all of it must be restored.
extern "C" fn handle_fast_yield(frame: &mut TrapFrame) -> usize {
    stats::bump(Counter::Syscalls);
    stats::bump(Counter::FastYields);
    frame.sepc += 4;
    let resume = frame.sepc;
    let _ = syscall::dispatch(abi::nr::YIELD, [0; 6]);
    scheduler::before_return_to_user();
    usize::from(frame.sepc != resume)
}

/// A trap from user mode.
extern "C" fn handle_user_trap(frame: &mut TrapFrame) {
    if scause::read().bits() == uintr::USI_CAUSE {
        uintr::on_interrupt();
        scheduler::before_return_to_user();
        return;
    }
    match scause::read().cause().try_into::<Interrupt, Exception>() {
        Ok(Trap::Exception(Exception::UserEnvCall)) => {
            stats::bump(Counter::Syscalls);
            frame.sepc += 4;
            let args = [
                frame.x[10],
                frame.x[11],
                frame.x[12],
                frame.x[13],
                frame.x[14],
                frame.x[15],
            ];
            if frame.x[17] == abi::nr::UPCALL_RETURN {
                // Replaces every register: no return value.
                if let Err(errno) = crate::task::upcall::restore(frame) {
                    frame.x[10] = errno.to_ret() as usize;
                }
            } else {
                frame.x[10] = syscall::dispatch(frame.x[17], args) as usize;
            }
        }
        Ok(Trap::Interrupt(Interrupt::SupervisorTimer)) => scheduler::on_timer_interrupt(),
        Ok(Trap::Interrupt(Interrupt::SupervisorSoft)) => scheduler::on_ipi(),
        Ok(Trap::Interrupt(Interrupt::SupervisorExternal)) => crate::plic::on_interrupt(),
        _ => {
            let cause = scause::read().bits();
            task::kill_current_process_for_fault(cause, frame.sepc, stval::read());
        }
    }
    scheduler::before_return_to_user();
}

/// A trap taken in the kernel: an interrupt waking an idle hart.
extern "C" fn handle_kernel_trap(frame: &mut TrapFrame) {
    if scause::read().bits() == uintr::USI_CAUSE {
        uintr::on_interrupt();
        return;
    }
    match scause::read().cause().try_into::<Interrupt, Exception>() {
        Ok(Trap::Interrupt(Interrupt::SupervisorTimer)) => scheduler::on_timer_interrupt(),
        Ok(Trap::Interrupt(Interrupt::SupervisorSoft)) => scheduler::on_ipi(),
        Ok(Trap::Interrupt(Interrupt::SupervisorExternal)) => crate::plic::on_interrupt(),
        _ => panic!(
            "unexpected trap in the kernel: scause {:#x}, sepc {:#x}, stval {:#x}",
            scause::read().bits(),
            frame.sepc,
            stval::read()
        ),
    }
}
