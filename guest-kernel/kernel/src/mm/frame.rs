//! The physical frame allocator: hands out 4 KiB frames of RAM.
//!
//! The free memory is the RAM the device tree reports minus what is already in use: the
//! firmware and the kernel image (from the bottom of RAM up to the kernel's `__kernel_end`)
//! and the device tree blob. Frames are handed out by bumping through those free ranges;
//! freed frames go on a stack and are handed out again first. This is simple, and every
//! operation is O(1); it does not merge freed frames into larger blocks, which the kernel
//! does not need (it only asks for single frames, but for a few contiguous blocks at boot).

use super::{page_ceil, page_floor, PAGE_SIZE};
use alloc::vec::Vec;
use core::ops::Range;
use spin::Mutex;

/// A 4 KiB frame of physical memory, named by its physical address (page aligned).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Frame(usize);

impl Frame {
    /// The frame at physical address `addr` (page aligned).
    pub fn from_addr(addr: usize) -> Frame {
        debug_assert!(addr.is_multiple_of(PAGE_SIZE));
        Frame(addr)
    }

    /// The frame's physical address.
    pub fn addr(self) -> usize {
        self.0
    }

    /// The frame's memory, as a pointer (RAM is identity mapped, so this works with paging
    /// on or off).
    pub fn as_mut_ptr<T>(self) -> *mut T {
        self.0 as *mut T
    }
}

/// The allocator's state.
struct FrameAllocator {
    /// Never-used free memory, in page-aligned address ranges; used from the first range on.
    untouched: Vec<Range<usize>>,
    /// Frames given back, handed out again first.
    recycled: Vec<Frame>,
}

static FRAMES: Mutex<FrameAllocator> = Mutex::new(FrameAllocator {
    untouched: Vec::new(),
    recycled: Vec::new(),
});

/// Makes the memory in `ram` minus `reserved` available. Called once, on the boot hart.
pub fn init(ram: &[Range<usize>], reserved: &[Range<usize>]) {
    let mut free: Vec<Range<usize>> = ram
        .iter()
        .map(|range| page_ceil(range.start)..page_floor(range.end))
        .collect();
    for hole in reserved {
        let hole = page_floor(hole.start)..page_ceil(hole.end);
        free = free
            .into_iter()
            .flat_map(|range| {
                [
                    range.start..hole.start.min(range.end),
                    hole.end.max(range.start)..range.end,
                ]
            })
            .filter(|range| !range.is_empty())
            .collect();
    }
    FRAMES.lock().untouched = free;
}

/// A zeroed frame, or `None` when physical memory is exhausted.
pub fn alloc() -> Option<Frame> {
    let frame = {
        let mut frames = FRAMES.lock();
        match frames.recycled.pop() {
            Some(frame) => frame,
            None => {
                let range = frames.untouched.first_mut()?;
                let frame = Frame(range.start);
                range.start += PAGE_SIZE;
                if range.start == range.end {
                    frames.untouched.remove(0);
                }
                frame
            }
        }
    };
    // SAFETY: the frame is free RAM, now owned by the caller.
    unsafe { core::ptr::write_bytes(frame.as_mut_ptr::<u8>(), 0, PAGE_SIZE) };
    Some(frame)
}

/// `count` physically contiguous frames (not zeroed), or `None`. Only memory never handed
/// out before is contiguous; the kernel uses this at boot, to grow its heap and for the
/// other harts' boot stacks.
pub fn alloc_contiguous(count: usize) -> Option<Range<usize>> {
    let mut frames = FRAMES.lock();
    let bytes = count * PAGE_SIZE;
    let range = frames.untouched.iter_mut().find(|r| r.len() >= bytes)?;
    let taken = range.start..range.start + bytes;
    range.start += bytes;
    Some(taken)
}

/// Frames free right now.
pub fn free_frames() -> usize {
    let frames = FRAMES.lock();
    frames.recycled.len()
        + frames
            .untouched
            .iter()
            .map(|r| r.len() / PAGE_SIZE)
            .sum::<usize>()
}

/// Gives `frame` back.
///
/// # Safety
/// `frame` came from [`alloc`], is not given back twice, and nothing uses it any more.
pub unsafe fn dealloc(frame: Frame) {
    FRAMES.lock().recycled.push(frame);
}
