//! Sv39 page tables.
//!
//! Sv39 translates a 39-bit virtual address in three steps: bits 38..30, 29..21 and 20..12
//! index a 512-entry table each (level 2 is the root), and the last entry found maps a 4 KiB
//! page. Every table is one physical frame from [`super::frame`]. The kernel identity-maps
//! all the memory it touches, so it reaches a table through its physical address whether
//! paging is on or off.
//!
//! Only 4 KiB pages are used: simple, and permissions can change at any page boundary.

use super::frame::{self, Frame};
use super::PAGE_SIZE;
use core::ops::{BitOr, Range};

/// Permission and status bits of a page-table entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Flags(usize);

impl Flags {
    /// Valid.
    pub const V: Flags = Flags(1 << 0);
    /// Readable.
    pub const R: Flags = Flags(1 << 1);
    /// Writable.
    pub const W: Flags = Flags(1 << 2);
    /// Executable.
    pub const X: Flags = Flags(1 << 3);
    /// Accessed. Set up front: hardware may fault instead of setting it (Svade).
    pub const A: Flags = Flags(1 << 6);
    /// Dirty. Set up front, like `A`.
    pub const D: Flags = Flags(1 << 7);
}

impl BitOr for Flags {
    type Output = Flags;
    fn bitor(self, other: Flags) -> Flags {
        Flags(self.0 | other.0)
    }
}

/// One page-table entry: the physical page number in bits 53..10, flags in bits 7..0.
#[derive(Clone, Copy)]
#[repr(transparent)]
struct Entry(usize);

impl Entry {
    fn new(addr: usize, flags: Flags) -> Entry {
        Entry((addr >> 12) << 10 | flags.0)
    }

    fn is_valid(self) -> bool {
        self.0 & Flags::V.0 != 0
    }

    /// The physical address the entry points at (a page or the next table).
    fn addr(self) -> usize {
        (self.0 >> 10) << 12
    }
}

/// Entries per table.
const ENTRIES: usize = PAGE_SIZE / size_of::<Entry>();

/// A three-level Sv39 page table, and the frames it is built from.
pub struct PageTable {
    root: Frame,
    /// How many frames the tables take, the root included.
    table_frames: usize,
}

impl PageTable {
    /// An empty page table (nothing mapped).
    pub fn new() -> PageTable {
        PageTable {
            root: frame::alloc().expect("out of memory for a page table"),
            table_frames: 1,
        }
    }

    /// How many frames the tables take.
    pub fn table_frames(&self) -> usize {
        self.table_frames
    }

    /// Maps the page at virtual address `virt` to the frame at physical address `phys`
    /// (both page aligned). `flags` gives the permissions (some of `R`, `W`, `X`); the entry
    /// is made valid, accessed and dirty. Panics if `virt` is mapped already.
    pub fn map(&mut self, virt: usize, phys: usize, flags: Flags) {
        let entry = self.leaf_entry(virt);
        assert!(!entry.is_valid(), "{virt:#x} is mapped twice");
        *entry = Entry::new(phys, flags | Flags::V | Flags::A | Flags::D);
    }

    /// Maps every page of `range` (page aligned) to the same physical address.
    pub fn identity_map(&mut self, range: Range<usize>, flags: Flags) {
        for page in range.step_by(PAGE_SIZE) {
            self.map(page, page, flags);
        }
    }

    /// The `satp` value that makes this table the current translation (Sv39, ASID 0).
    pub fn satp(&self) -> usize {
        const SV39: usize = 8;
        SV39 << 60 | self.root.addr() >> 12
    }

    /// The level-0 entry for `virt`, creating the level-1 and level-0 tables on the way.
    fn leaf_entry(&mut self, virt: usize) -> &mut Entry {
        let mut table = self.root;
        for level in [2, 1] {
            let entry = &mut Self::entries(table)[index(virt, level)];
            if !entry.is_valid() {
                let next = frame::alloc().expect("out of memory for a page table");
                self.table_frames += 1;
                // A valid entry without R, W or X points at the next table.
                *entry = Entry::new(next.addr(), Flags::V);
            }
            table = Frame::from_addr(entry.addr());
        }
        &mut Self::entries(table)[index(virt, 0)]
    }

    /// The entries of the table in `table`.
    fn entries<'a>(table: Frame) -> &'a mut [Entry; ENTRIES] {
        // SAFETY: `table` is a frame this page table owns, holding a table (zeroed frames are
        // tables of invalid entries), reached through the identity mapping. `&mut self`
        // in the callers keeps the borrows from overlapping.
        unsafe { &mut *table.as_mut_ptr() }
    }
}

/// The table index of `virt` at `level` (2 is the root).
fn index(virt: usize, level: usize) -> usize {
    (virt >> (12 + 9 * level)) & (ENTRIES - 1)
}
