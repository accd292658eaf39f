//! Memory management: physical frames, the kernel heap, Sv39 page tables and the kernel's
//! address space.
//!
//! The boot hart calls [`init`] early: it starts the heap, gives the frame allocator the
//! free RAM, builds the kernel's address space and turns paging on. Every other hart calls
//! [`init_hart`] to switch to the same address space.

mod address_space;
mod frame;
mod heap;
mod page_table;

use crate::machine::Machine;
use address_space::AddressSpace;
pub use address_space::MemoryMapStats;
use spin::Once;

/// Bytes per page (and per frame).
pub const PAGE_SIZE: usize = 4096;

/// `addr` rounded down to a page boundary.
pub fn page_floor(addr: usize) -> usize {
    addr & !(PAGE_SIZE - 1)
}

/// `addr` rounded up to a page boundary.
pub fn page_ceil(addr: usize) -> usize {
    page_floor(addr + PAGE_SIZE - 1)
}

/// The kernel's address space, shared by all harts.
static KERNEL_SPACE: Once<AddressSpace> = Once::new();

/// Starts the kernel heap. The boot hart calls this first, before anything allocates.
pub fn init_heap() {
    heap::init();
}

/// Sets up the frame allocator and the kernel's address space for `machine`, and turns
/// paging on on the calling (boot) hart. Returns what mapping RAM took.
pub fn init(machine: &Machine) -> MemoryMapStats {
    // Everything from the bottom of RAM to the end of the kernel image (the firmware and
    // the kernel) is in use, and so is the device tree.
    let image = address_space::kernel_image_range();
    let in_use = machine
        .memory
        .iter()
        .filter(|ram| ram.contains(&image.start))
        .map(|ram| ram.start..image.end);
    let reserved: alloc::vec::Vec<_> = in_use.chain([machine.device_tree.clone()]).collect();
    frame::init(&machine.memory, &reserved);

    let (space, stats) = AddressSpace::kernel(machine);
    KERNEL_SPACE.call_once(|| space);
    init_hart();
    stats
}

/// Turns paging on on the calling hart, with the kernel's address space. [`init`] must have
/// run.
pub fn init_hart() {
    let space = KERNEL_SPACE.get().expect("mm::init has not run");
    // SAFETY: the kernel's address space maps the kernel and all RAM, and lives for ever.
    unsafe { space.activate() };
}
