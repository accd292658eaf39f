//! Memory management: physical frames, the kernel heap, Sv39 page tables, the kernel's address
//! space and the address spaces of processes.
//!
//! The boot hart calls [`init`] early: it starts the heap, gives the frame allocator the
//! free RAM, grows the heap, builds the kernel's address space and turns paging on. Every
//! other hart calls [`init_hart`] to switch to the same address space.
//!
//! Address spaces are tagged with ASIDs so that switching between processes need not flush
//! the TLB: the kernel uses ASID 0, a process the ASID [`asid_for`] gives it.

mod address_space;
pub mod frame;
mod heap;
mod page_table;
mod user_space;

use crate::machine::Machine;
use address_space::AddressSpace;
pub use address_space::MemoryMapStats;
use core::sync::atomic::{AtomicU32, Ordering};
pub use frame::free_frames;
use spin::Once;
pub use user_space::{Perm, SharedMemory, UserSpace};

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

/// How many ASID bits the harts implement (found at boot).
static ASID_BITS: AtomicU32 = AtomicU32::new(0);

/// Starts the kernel heap. The boot hart calls this first, before anything allocates.
pub fn init_heap() {
    heap::init();
}

/// Sets up the frame allocator and the kernel's address space for `machine`, grows the heap,
/// and turns paging on on the calling (boot) hart. Returns what mapping RAM took.
pub fn init(machine: &Machine) -> MemoryMapStats {
    // Everything from the bottom of RAM to the end of the kernel image (the firmware and
    // the kernel) is in use, and so is the device tree. RAM past the kernel part of the
    // address space (4 GiB) is not used.
    let image = address_space::kernel_image_range();
    let in_use = machine
        .memory
        .iter()
        .filter(|ram| ram.contains(&image.start))
        .map(|ram| ram.start..image.end);
    let above_kernel_part = abi::layout::USER_START..page_floor(usize::MAX);
    let reserved: alloc::vec::Vec<_> = in_use
        .chain([machine.device_tree.clone(), above_kernel_part])
        .collect();
    frame::init(&machine.memory, &reserved);
    // The heap holds kernel stacks, pipes and every kernel object: an eighth of RAM,
    // between 4 and 32 MiB.
    let heap_bytes = (machine.memory_bytes / 8).clamp(4 << 20, 32 << 20);
    let heap = frame::alloc_contiguous(heap_bytes / PAGE_SIZE).expect("no RAM for the kernel heap");
    heap::grow(heap);

    let (space, stats) = AddressSpace::kernel(machine);
    KERNEL_SPACE.call_once(|| space);
    init_hart();
    ASID_BITS.store(probe_asid_bits(), Ordering::Relaxed);
    stats
}

/// Turns paging on on the calling hart, with the kernel's address space. [`init`] must have
/// run.
pub fn init_hart() {
    // SAFETY: the kernel's address space maps the kernel and all RAM, and lives for ever.
    unsafe { kernel_space().activate() };
}

/// The kernel's address space.
fn kernel_space() -> &'static AddressSpace {
    KERNEL_SPACE.get().expect("mm::init has not run")
}

/// Writes all ones to `satp`'s ASID field and sees how many stick (the privileged spec's way
/// of finding ASIDLEN), then puts the kernel's `satp` back.
fn probe_asid_bits() -> u32 {
    let satp: usize;
    // SAFETY: same root table, only the ASID changes; flushed afterwards.
    unsafe {
        core::arch::asm!("csrr {}, satp", out(reg) satp);
        let probe = satp | 0xffff << 44;
        core::arch::asm!("csrw satp, {}", in(reg) probe);
        let back: usize;
        core::arch::asm!("csrr {}, satp", out(reg) back);
        core::arch::asm!("csrw satp, {}", in(reg) satp);
        riscv::asm::sfence_vma_all();
        ((back >> 44) & 0xffff).count_ones()
    }
}

/// The ASID for process `pid`: the pid itself while it fits the implemented bits (so ASIDs are
/// never reused and a switch needs no TLB flush), else 0, which [`switch_to`] flushes.
pub fn asid_for(pid: usize) -> u16 {
    let bits = ASID_BITS.load(Ordering::Relaxed);
    if bits > 0 && pid < 1 << bits {
        pid as u16
    } else {
        0
    }
}

/// Makes `space` current on the calling hart, flushing the TLB when its ASID is shared.
pub fn switch_to(space: &UserSpace) {
    // SAFETY: the caller (the scheduler) keeps the space alive while a thread of its process
    // runs here; an ASID of 0 is shared, so its stale entries are flushed.
    unsafe {
        space.activate();
        if space.asid() == 0 {
            riscv::asm::sfence_vma_all();
        }
    }
}

/// Drops any cached translation of the calling hart's current address space (after pages were
/// added to it).
pub fn flush_local() {
    riscv::asm::sfence_vma_all();
}
