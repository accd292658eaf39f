//! User interrupts: a thread's handler runs in user mode when another thread, in any
//! process, executes `uipi.send`; neither side enters the kernel (hartlab's N extension and
//! UINTC, `docs/hardware/user-interrupts.md`).
//!
//! A receiver thread calls [`register_handler`], then hands out descriptors from [`create_fd`]
//! (one per vector; children inherit them). A sender calls [`register_sender`] with such a
//! descriptor once and then [`send`]s with the index it got. The handler gets the vectors
//! pending since the last time (a bit set per vector; 0 when the interrupt came from the
//! process's task-controller set, whose preempting wake-ups share the line: see
//! [`crate::taskctl`]) and runs like a signal handler, on the
//! interrupted stack, with further user interrupts held off until it returns: keep it short
//! and talk to the interrupted code through atomics. [`wait`] blocks in the kernel until an
//! interrupt arrives. On machines without a UINTC (QEMU) the calls fail with `NoDevice`.

use crate::syscall;
use abi::Errno;
use core::arch::{asm, naked_asm};
use core::sync::atomic::{AtomicUsize, Ordering};

/// The Rust handler, as an address (0: none).
static HANDLER: AtomicUsize = AtomicUsize::new(0);

/// Makes the calling thread a receiver running `handler(pending vectors)`; returns its
/// UINTC slot. One handler per process: a second receiver thread shares it.
pub fn register_handler(handler: fn(u64)) -> Result<usize, Errno> {
    HANDLER.store(handler as usize, Ordering::Release);
    syscall::uintr_register_handler(entry as *const () as usize)
}

/// A descriptor through which senders raise `vector` (0..64) at the calling receiver.
pub fn create_fd(vector: usize) -> Result<usize, Errno> {
    syscall::uintr_create_fd(vector)
}

/// Registers the receiver behind `fd` as a target of this process; returns the index to
/// [`send`] with.
pub fn register_sender(fd: usize) -> Result<usize, Errno> {
    syscall::uintr_register_sender(fd)
}

/// Interrupts the receiver of sender-table entry `index` (`uipi.send`). An index that names
/// no receiver does nothing.
#[inline(always)]
pub fn send(index: usize) {
    // SAFETY: `uipi.send` only reads the sender table and writes the UINTC; it never traps.
    unsafe { asm!(".insn r 0x7B, 6, 0, x0, {}, x0", in(reg) index, options(nostack)) };
}

/// Takes the calling receiver's pending vectors (`uipi.read`, read and clear).
#[inline(always)]
pub fn take_pending() -> u64 {
    let pending: u64;
    // SAFETY: reads and clears the receiver's own UINTC slot; never traps.
    unsafe { asm!(".insn r 0x7B, 6, 1, {}, x0, x0", out(reg) pending, options(nostack)) };
    pending
}

/// Blocks until a user interrupt is pending; the handler has run when this returns.
pub fn wait() -> Result<(), Errno> {
    syscall::uintr_wait().map(|_| ())
}

/// Where the hart enters in user mode (`utvec`): clears the software `uip.USIP`, saves the
/// registers a call may change, runs the handler, restores them and returns with `uret`.
#[unsafe(naked)]
unsafe extern "C" fn entry() -> ! {
    naked_asm!(
        ".p2align 2",
        // Clear the software USIP the kernel may have set to deliver this interrupt (`uip`).
        "csrci 0x044, 1",
        "addi sp, sp, -128",
        "sd ra, 0(sp)",
        "sd t0, 8(sp)",
        "sd t1, 16(sp)",
        "sd t2, 24(sp)",
        "sd a0, 32(sp)",
        "sd a1, 40(sp)",
        "sd a2, 48(sp)",
        "sd a3, 56(sp)",
        "sd a4, 64(sp)",
        "sd a5, 72(sp)",
        "sd a6, 80(sp)",
        "sd a7, 88(sp)",
        "sd t3, 96(sp)",
        "sd t4, 104(sp)",
        "sd t5, 112(sp)",
        "sd t6, 120(sp)",
        "call {run}",
        "ld ra, 0(sp)",
        "ld t0, 8(sp)",
        "ld t1, 16(sp)",
        "ld t2, 24(sp)",
        "ld a0, 32(sp)",
        "ld a1, 40(sp)",
        "ld a2, 48(sp)",
        "ld a3, 56(sp)",
        "ld a4, 64(sp)",
        "ld a5, 72(sp)",
        "ld a6, 80(sp)",
        "ld a7, 88(sp)",
        "ld t3, 96(sp)",
        "ld t4, 104(sp)",
        "ld t5, 112(sp)",
        "ld t6, 120(sp)",
        "addi sp, sp, 128",
        // uret
        ".word 0x00200073",
        run = sym run_handler,
    )
}

extern "C" fn run_handler() {
    let pending = take_pending();
    let handler = HANDLER.load(Ordering::Acquire);
    // Run even with nothing pending in the UINTC: the task controller drives the same line.
    if handler != 0 {
        // SAFETY: only `register_handler` stores here, from a `fn(u64)`.
        let handler: fn(u64) = unsafe { core::mem::transmute(handler) };
        handler(pending);
    }
}
