//! Sv39 page tables.
//!
//! Sv39 translates a 39-bit virtual address in three steps: bits 38..30, 29..21 and 20..12
//! index a 512-entry table each (level 2 is the root), and the last entry found maps a 4 KiB
//! page. Every table is one physical frame from [`super::frame`]. The kernel identity-maps
//! all the memory it touches, so it reaches a table through its physical address whether
//! paging is on or off.
//!
//! Processes use 4 KiB pages only; the kernel maps the bulk of RAM with 2 MiB megapages (one
//! level-1 entry each), which makes its table 512 times smaller to build.
//!
//! The kernel's table maps the first [`KERNEL_ROOT_ENTRIES`] root entries (the lowest
//! 4 GiB of virtual addresses: devices and RAM). A process's table starts as a copy of those
//! root entries, so it shares the kernel's lower-level tables, and maps user pages above
//! them; dropping it frees only its own tables.

use super::frame::{self, Frame};
use super::PAGE_SIZE;
use core::ops::{BitAnd, BitOr, Range};

/// Root entries (1 GiB each) that belong to the kernel part of every address space.
pub const KERNEL_ROOT_ENTRIES: usize = 4;

/// Physical memory ran out while building a table.
#[derive(Debug)]
pub struct OutOfMemory;

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
    /// Accessible from user mode.
    pub const U: Flags = Flags(1 << 4);
    /// Dirty. Set up front, like `A`.
    pub const D: Flags = Flags(1 << 7);

    /// Whether every bit of `other` is set here.
    pub fn contains(self, other: Flags) -> bool {
        self.0 & other.0 == other.0
    }
}

impl BitOr for Flags {
    type Output = Flags;
    fn bitor(self, other: Flags) -> Flags {
        Flags(self.0 | other.0)
    }
}

impl BitAnd for Flags {
    type Output = Flags;
    fn bitand(self, other: Flags) -> Flags {
        Flags(self.0 & other.0)
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

    /// A leaf (maps a page) rather than a pointer to the next table.
    fn is_leaf(self) -> bool {
        self.0 & (Flags::R.0 | Flags::W.0 | Flags::X.0) != 0
    }

    fn flags(self) -> Flags {
        Flags(self.0 & 0xff)
    }

    /// The physical address the entry points at (a page or the next table).
    fn addr(self) -> usize {
        (self.0 >> 10) << 12
    }
}

/// Bytes of a level-1 page (megapage).
const MEGAPAGE: usize = PAGE_SIZE << 9;

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
    pub fn new() -> Result<PageTable, OutOfMemory> {
        Ok(PageTable {
            root: frame::alloc().ok_or(OutOfMemory)?,
            table_frames: 1,
        })
    }

    /// A table for a process: the kernel part of `kernel` (its first
    /// [`KERNEL_ROOT_ENTRIES`] root entries, shared) and nothing else.
    pub fn new_user(kernel: &PageTable) -> Result<PageTable, OutOfMemory> {
        let table = PageTable::new()?;
        Self::entries(table.root)[..KERNEL_ROOT_ENTRIES]
            .copy_from_slice(&Self::entries(kernel.root)[..KERNEL_ROOT_ENTRIES]);
        Ok(table)
    }

    /// How many frames the tables take.
    pub fn table_frames(&self) -> usize {
        self.table_frames
    }

    /// Maps the page at virtual address `virt` to the frame at physical address `phys`
    /// (both page aligned). `flags` gives the permissions (some of `R`, `W`, `X`, `U`); the
    /// entry is made valid, accessed and dirty, replacing any earlier mapping of `virt`.
    pub fn map(&mut self, virt: usize, phys: usize, flags: Flags) -> Result<(), OutOfMemory> {
        let entry = self.leaf_entry(virt)?;
        *entry = Entry::new(phys, flags | Flags::V | Flags::A | Flags::D);
        Ok(())
    }

    /// Maps every page of `range` (page aligned) to the same physical address, with 2 MiB
    /// megapages where the range covers whole aligned megapages.
    pub fn identity_map(&mut self, range: Range<usize>, flags: Flags) -> Result<(), OutOfMemory> {
        let mut at = range.start;
        while at < range.end {
            if at.is_multiple_of(MEGAPAGE) && at + MEGAPAGE <= range.end {
                let table = self.table_at(at, 2)?;
                let entry = &mut Self::entries(table)[index(at, 1)];
                *entry = Entry::new(at, flags | Flags::V | Flags::A | Flags::D);
                at += MEGAPAGE;
            } else {
                self.map(at, at, flags)?;
                at += PAGE_SIZE;
            }
        }
        Ok(())
    }

    /// The physical page and flags `virt`'s page is mapped to, if it is.
    pub fn translate(&self, virt: usize) -> Option<(usize, Flags)> {
        let mut table = self.root;
        for level in [2, 1] {
            let entry = Self::entries(table)[index(virt, level)];
            if !entry.is_valid() {
                return None;
            }
            if entry.is_leaf() {
                let size = PAGE_SIZE << (9 * level);
                let page = entry.addr() + (virt & (size - 1) & !(PAGE_SIZE - 1));
                return Some((page, entry.flags()));
            }
            table = Frame::from_addr(entry.addr());
        }
        let entry = Self::entries(table)[index(virt, 0)];
        entry.is_valid().then(|| (entry.addr(), entry.flags()))
    }

    /// The `satp` value that makes this table the current translation (Sv39) with `asid`.
    pub fn satp(&self, asid: u16) -> usize {
        const SV39: usize = 8;
        SV39 << 60 | (asid as usize) << 44 | self.root.addr() >> 12
    }

    /// The level-0 entry for `virt`, making the level-1 and level-0 tables on the way.
    fn leaf_entry(&mut self, virt: usize) -> Result<&mut Entry, OutOfMemory> {
        let table = self.table_at(virt, 1)?;
        Ok(&mut Self::entries(table)[index(virt, 0)])
    }

    /// The table at level `level - 1` on the way to `virt` (`level` 2: the level-1 table;
    /// 1: the level-0 table), making tables as needed.
    fn table_at(&mut self, virt: usize, level: usize) -> Result<Frame, OutOfMemory> {
        let mut table = self.root;
        for level in (level..=2).rev() {
            let entry = &mut Self::entries(table)[index(virt, level)];
            if !entry.is_valid() {
                let next = frame::alloc().ok_or(OutOfMemory)?;
                self.table_frames += 1;
                // A valid entry without R, W or X points at the next table.
                *entry = Entry::new(next.addr(), Flags::V);
            }
            table = Frame::from_addr(entry.addr());
        }
        Ok(table)
    }

    /// The entries of the table in `table`.
    fn entries<'a>(table: Frame) -> &'a mut [Entry; ENTRIES] {
        // SAFETY: `table` is a frame this page table owns, holding a table (zeroed frames are
        // tables of invalid entries), reached through the identity mapping. `&mut self`
        // in the callers keeps the borrows from overlapping.
        unsafe { &mut *table.as_mut_ptr() }
    }
}

impl Drop for PageTable {
    /// Frees the tables below the root entries past the kernel part, then the root. (The
    /// kernel's own table lives for ever; the shared kernel part is never freed.)
    fn drop(&mut self) {
        for entry in &Self::entries(self.root)[KERNEL_ROOT_ENTRIES..] {
            if !entry.is_valid() {
                continue;
            }
            let middle = Frame::from_addr(entry.addr());
            for leaf_table in Self::entries(middle).iter().filter(|e| e.is_valid()) {
                // SAFETY: the level-0 table belongs to this page table alone.
                unsafe { frame::dealloc(Frame::from_addr(leaf_table.addr())) };
            }
            // SAFETY: as above, for the level-1 table.
            unsafe { frame::dealloc(middle) };
        }
        // SAFETY: the root belongs to this page table alone and is no longer current.
        unsafe { frame::dealloc(self.root) };
    }
}

/// The table index of `virt` at `level` (2 is the root).
fn index(virt: usize, level: usize) -> usize {
    (virt >> (12 + 9 * level)) & (ENTRIES - 1)
}
