//! Switching a hart from one kernel stack to another.
//!
//! A thread that gives up its hart calls [`switch`], which saves the registers a function
//! call must preserve (`ra`, `sp`, `s0..s11`) in the thread's [`Context`] and loads another
//! context's; `switch` then "returns" on the other stack. Every hart has one context of its
//! own, the scheduler loop's (see `scheduler`), and switches only between it and threads.

use core::arch::naked_asm;

/// Callee-saved registers of a switched-out kernel stack.
#[repr(C)]
#[derive(Default)]
pub struct Context {
    ra: usize,
    sp: usize,
    s: [usize; 12],
}

impl Context {
    /// All registers zero (a context about to be saved into).
    pub const fn empty() -> Context {
        Context {
            ra: 0,
            sp: 0,
            s: [0; 12],
        }
    }

    /// A context that, switched to, runs `entry` on the stack `sp` with `s0` = `arg`.
    pub fn new(entry: usize, sp: usize, arg: usize) -> Context {
        let mut s = [0; 12];
        s[0] = arg;
        Context { ra: entry, sp, s }
    }
}

/// Saves the current kernel registers in `from` and continues with `to`'s.
///
/// # Safety
/// `to` must be a context saved by `switch` or made by [`Context::new`] whose stack is alive
/// and not in use; both pointers must stay valid.
#[unsafe(naked)]
pub unsafe extern "C" fn switch(from: *mut Context, to: *const Context) {
    naked_asm!(
        "sd ra, 0(a0)",
        "sd sp, 8(a0)",
        ".irp n, 0,1,2,3,4,5,6,7,8,9,10,11",
        "sd s\\n, (16 + \\n*8)(a0)",
        ".endr",
        "ld ra, 0(a1)",
        "ld sp, 8(a1)",
        ".irp n, 0,1,2,3,4,5,6,7,8,9,10,11",
        "ld s\\n, (16 + \\n*8)(a1)",
        ".endr",
        "ret",
    )
}
