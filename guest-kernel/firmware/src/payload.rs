//! The kernel, embedded in the firmware by the build script (see `build.rs`).

include!(concat!(env!("OUT_DIR"), "/kernel_image.rs"));

/// Copies the kernel to its load address.
///
/// # Safety
/// Nothing else may use the kernel's memory, and other harts must not run it yet.
pub unsafe fn load() {
    // SAFETY: the kernel's memory lies above the firmware's (checked by firmware.ld and the
    // kernel's linker script) and is unused until the kernel starts.
    unsafe { core::ptr::copy_nonoverlapping(IMAGE.as_ptr(), LOAD_ADDRESS as *mut u8, IMAGE.len()) };
    // The kernel's code was written as data: make it visible to instruction fetch.
    riscv::asm::fence_i();
}
