//! The firmware's free memory: from the end of its image (`__firmware_end`, see
//! `firmware.ld`) up to the kernel (`FIRMWARE_LIMIT`), hidden from S mode by PMP like the
//! rest of the firmware.
//!
//! The boot hart carves the per-hart state out of it once the device tree has said how many
//! harts there are (HSM slots, M-mode stacks), so the firmware has no fixed hart limit. What
//! does not fit stops the machine with a message: a hart is never silently left out.

use crate::platform::{FIRMWARE_SIZE, RAM_BASE};
use core::sync::atomic::{AtomicUsize, Ordering};

/// The next free byte (0: not yet initialised).
static NEXT: AtomicUsize = AtomicUsize::new(0);

/// The first free byte.
fn start() -> usize {
    unsafe extern "C" {
        static __firmware_end: u8;
    }
    (&raw const __firmware_end) as usize
}

/// One past the last free byte.
const LIMIT: usize = RAM_BASE + FIRMWARE_SIZE;

/// Hands out `bytes` bytes aligned to `align` (a power of two) for `what`, for ever. Only the
/// boot hart calls it, before it lets the other harts go on. Fails the machine when the
/// memory is exhausted.
pub fn carve(bytes: usize, align: usize, what: &str) -> *mut u8 {
    let next = match NEXT.load(Ordering::Relaxed) {
        0 => start(),
        next => next,
    };
    let base = next.next_multiple_of(align);
    let end = base.checked_add(bytes).filter(|&end| end <= LIMIT);
    let Some(end) = end else {
        panic!(
            "no room for {what} ({} KiB) in the firmware's memory: {} KiB of {} KiB left \
             below the kernel",
            bytes >> 10,
            (LIMIT - next) >> 10,
            (LIMIT - start()) >> 10
        );
    };
    NEXT.store(end, Ordering::Relaxed);
    base as *mut u8
}
