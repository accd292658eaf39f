//! The kernel heap: `alloc` (`Box`, `Vec`, `BTreeMap`, ...) for kernel code.
//!
//! The heap is a fixed region inside the kernel's `.bss`, handed to a buddy allocator from
//! the `buddy_system_allocator` crate. Keeping it in `.bss` means it works before anything
//! else about memory is known (the frame allocator itself keeps its lists on this heap), and
//! it is mapped like the rest of the kernel image.

use buddy_system_allocator::LockedHeap;

/// Bytes of the boot heap in `.bss` (enough until `mm::init` grows the heap from RAM).
const HEAP_SIZE: usize = 256 << 10;

/// The heap's memory, page aligned.
#[repr(C, align(4096))]
struct HeapSpace([u8; HEAP_SIZE]);

static mut HEAP_SPACE: HeapSpace = HeapSpace([0; HEAP_SIZE]);

/// The allocator behind `alloc`; blocks of up to 2^31 bytes.
#[global_allocator]
static HEAP: LockedHeap<32> = LockedHeap::empty();

/// Gives the heap its memory. Called once, on the boot hart, before anything allocates.
pub fn init() {
    // SAFETY: called once; nothing else refers to HEAP_SPACE.
    unsafe {
        HEAP.lock().init(&raw mut HEAP_SPACE as usize, HEAP_SIZE);
    }
}

/// Adds `range` (free RAM, identity mapped) to the heap.
pub fn grow(range: core::ops::Range<usize>) {
    // SAFETY: the caller hands over memory nothing else uses.
    unsafe { HEAP.lock().add_to_heap(range.start, range.end) };
}
