//! Upcalls: the kernel's signal-style calls into this process.
//!
//! [`set_handler`] registers a function; when another process calls [`send`] with this
//! process's pid, the kernel runs the function with the value on the process's first thread
//! (at its next return to user mode, or at once if it waits in [`wait`]) and then resumes
//! what the thread was doing. The handler runs like a signal handler: keep it short and use
//! only atomics to talk to the interrupted code.

use crate::syscall;
use abi::{nr, Errno};
use core::arch::naked_asm;
use core::sync::atomic::{AtomicUsize, Ordering};

/// The Rust handler, as an address (0: none).
static HANDLER: AtomicUsize = AtomicUsize::new(0);

/// Makes `handler` this process's upcall handler.
pub fn set_handler(handler: fn(usize)) -> Result<(), Errno> {
    HANDLER.store(handler as usize, Ordering::Release);
    syscall::upcall_handler(trampoline as *const () as usize).map(|_| ())
}

/// Sends an upcall with `value` to process `pid`.
pub fn send(pid: usize, value: usize) -> Result<(), Errno> {
    syscall::upcall_send(pid, value).map(|_| ())
}

/// Waits for an upcall; returns after its handler has run.
pub fn wait() -> Result<(), Errno> {
    syscall::upcall_wait().map(|_| ())
}

/// The pc the upcall being handled interrupted (in its handler; 0 outside any).
pub fn interrupted_pc() -> usize {
    let frame = FRAME.load(Ordering::Relaxed);
    if frame == 0 {
        return 0;
    }
    // SAFETY: the kernel's saved registers at `frame`: `x0`..`x31`, then the pc; they stay
    // there, on the interrupted thread's stack, until the handler's `upcall_return`.
    unsafe { ((frame + SAVED_PC) as *const usize).read() }
}

/// Where in the registers the kernel saves the interrupted pc (after `x0`..`x31`).
const SAVED_PC: usize = 32 * 8;

/// The saved registers of the upcall being handled (0: none yet).
static FRAME: AtomicUsize = AtomicUsize::new(0);

/// Where the kernel enters: `a0` = the value, `sp` just below the saved registers. Calls the
/// handler, then `upcall_return` with `sp` back where the kernel put it.
#[unsafe(naked)]
unsafe extern "C" fn trampoline(value: usize) -> ! {
    naked_asm!(
        "mv a1, sp",
        "call {run}",
        "li a7, {upcall_return}",
        "ecall",
        "unimp",
        run = sym run_handler,
        upcall_return = const nr::UPCALL_RETURN,
    )
}

extern "C" fn run_handler(value: usize, frame: usize) {
    FRAME.store(frame, Ordering::Relaxed);
    let handler = HANDLER.load(Ordering::Acquire);
    if handler != 0 {
        // SAFETY: only `set_handler` stores here, from a `fn(usize)`.
        let handler: fn(usize) = unsafe { core::mem::transmute(handler) };
        handler(value);
    }
}
