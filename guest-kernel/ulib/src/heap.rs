//! The heap behind `Box`, `Vec` and friends.
//!
//! A buddy allocator (`buddy_system_allocator::Heap`) hands out blocks; when it has no block
//! big enough, the heap maps fresh memory from the kernel with `map_memory` (at least
//! [`CHUNK`] bytes at a time) and tries again. The heap never gives memory back.
//!
//! The allocator is locked with ulib's own [`Mutex`], which sleeps in the kernel when the
//! lock is taken. A spin lock would be wrong here: with a priority scheduler, a thread
//! spinning on the heap lock can keep a lower-priority holder on the same hart from ever
//! running again.

use crate::sync::Mutex;
use crate::syscall;
use buddy_system_allocator::Heap;
use core::alloc::{GlobalAlloc, Layout};
use core::ptr::{self, NonNull};

/// Fewest bytes the heap maps at a time.
const CHUNK: usize = 64 * 1024;

/// Block sizes from 8 bytes up to 2^31 bytes.
const ORDER: usize = 32;

struct UserHeap(Mutex<Heap<ORDER>>);

#[global_allocator]
static HEAP: UserHeap = UserHeap(Mutex::new(Heap::new()));

// SAFETY: every block comes from the buddy allocator under the lock.
unsafe impl GlobalAlloc for UserHeap {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let mut heap = self.0.lock();
        if let Ok(block) = heap.alloc(layout) {
            return block.as_ptr();
        }
        // A buddy block of `size` bytes is aligned to `size`. Fresh memory is only page
        // aligned, so a chunk of `size` bytes may not hold such a block; one of twice the
        // size always does.
        let size = layout
            .size()
            .max(layout.align())
            .next_power_of_two()
            .max(CHUNK);
        for chunk in [size, 2 * size] {
            let Ok(start) = syscall::map_memory(chunk) else {
                return ptr::null_mut();
            };
            // SAFETY: the kernel just gave us this memory, and nothing else uses it.
            unsafe { heap.add_to_heap(start, start + chunk) };
            if let Ok(block) = heap.alloc(layout) {
                return block.as_ptr();
            }
        }
        ptr::null_mut()
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `alloc` with this layout (GlobalAlloc's contract).
        unsafe { self.0.lock().dealloc(NonNull::new_unchecked(ptr), layout) }
    }
}

/// Bytes of the heap handed out and not yet given back (as the allocator rounds them).
pub fn allocated() -> usize {
    HEAP.0.lock().stats_alloc_actual()
}
