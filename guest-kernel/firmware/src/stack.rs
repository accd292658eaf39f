//! The M-mode stacks.
//!
//! The boot hart starts on a static stack: it needs one to read the device tree. Once it
//! has, it carves a stack for every hart id the tree lists from the firmware's free memory
//! and publishes where they are ([`init`]); the other harts sleep in `_start`, without a
//! stack, until then. Every hart's traps from S mode run on its carved stack (the
//! boot hart's too: its boot stack is abandoned when it enters the kernel).

use crate::memory;
use core::sync::atomic::{AtomicUsize, Ordering};

/// Bytes of the boot hart's stack, for the boot: reading the device tree, the banner.
pub const BOOT_STACK_SIZE: usize = 16 * 1024;

/// Bytes of M-mode stack per hart (a multiple of 16), for SBI calls and the parking loop.
/// Small, so that 512 harts (hartlab's most) fit in the firmware's 2 MiB: the deepest path
/// measured, an SBI console write, uses under 1 KiB.
pub const HART_STACK_SIZE: usize = 3 * 1024;

/// The boot hart's stack.
#[unsafe(link_section = ".stack")]
pub static mut BOOT_STACK: [u8; BOOT_STACK_SIZE] = [0; BOOT_STACK_SIZE];

/// Where the harts' stacks are, as `_start` reads them (`base` at offset 0, `harts` at 8):
/// hart `h`'s is the [`HART_STACK_SIZE`] bytes from `base + h * HART_STACK_SIZE`, for
/// `h < harts`.
#[repr(C)]
pub struct Stacks {
    /// 0 until the boot hart has carved the stacks (and set up everything the other harts
    /// use).
    pub base: AtomicUsize,
    /// How many hart ids have a stack.
    pub harts: AtomicUsize,
}

/// The stacks, in `.data` rather than `.bss`: the other harts read `base` while the boot hart
/// clears `.bss`.
#[unsafe(link_section = ".data")]
pub static STACKS: Stacks = Stacks {
    base: AtomicUsize::new(0),
    harts: AtomicUsize::new(0),
};

/// Carves a stack for each hart id `0..harts` and wakes the other harts of the device tree
/// (those `hsm` knows) to leave `_start` on theirs. The last step of the boot hart's shared
/// set-up: everything it did before is visible to the other harts.
pub fn init(harts: usize) {
    let base = memory::carve(harts * HART_STACK_SIZE, 16, "the M-mode stacks");
    STACKS.harts.store(harts, Ordering::Relaxed);
    STACKS.base.store(base as usize, Ordering::Release);
    // Wake the harts sleeping in `_start` (`hsm::park` clears the stale `msip`).
    crate::hsm::harts()
        .filter(|&hart| hart != crate::platform::BOOT_HART)
        .for_each(crate::clint::set_msip);
}

/// The top of `hart`'s stack (after [`init`]).
pub fn top(hart: usize) -> usize {
    assert!(
        hart < STACKS.harts.load(Ordering::Relaxed),
        "hart {hart} has no M-mode stack"
    );
    STACKS.base.load(Ordering::Relaxed) + (hart + 1) * HART_STACK_SIZE
}
