//! A process's address space: the kernel part shared with every other address space (closed
//! to user mode), and the process's own pages above it (`abi::layout`).
//!
//! The kernel never dereferences a user pointer directly. It walks the process's page table
//! in software ([`UserSpace::read`], [`UserSpace::write`]) and copies through the identity
//! mapping of physical memory, so a bad pointer is an error code ([`Errno::Fault`]), never a
//! kernel page fault, and the kernel runs with `sstatus.SUM` clear.

use super::frame::{self, Frame};
use super::page_table::{Flags, PageTable};
use super::{page_ceil, page_floor, PAGE_SIZE};
use abi::layout::{USER_END, USER_START};
use abi::Errno;
use alloc::collections::BTreeMap;
use core::ops::Range;

/// What user code may do with a region.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Perm {
    /// Read and execute (program text).
    ReadExecute,
    /// Read only.
    Read,
    /// Read and write.
    ReadWrite,
}

impl Perm {
    fn flags(self) -> Flags {
        Flags::U
            | match self {
                Perm::ReadExecute => Flags::R | Flags::X,
                Perm::Read => Flags::R,
                Perm::ReadWrite => Flags::R | Flags::W,
            }
    }
}

/// A process's address space.
pub struct UserSpace {
    table: PageTable,
    /// The frames of RAM this address space owns, by the virtual page they are mapped at.
    frames: BTreeMap<usize, Frame>,
    /// Frames of shared memory mapped here, owned by their [`SharedMemory`]. (Device pages
    /// are mapped too, but in neither map: the kernel never copies to or from them.)
    shared: BTreeMap<usize, Frame>,
    /// The address-space identifier tagging this space's TLB entries.
    asid: u16,
}

impl UserSpace {
    /// An address space with nothing but the kernel part, tagged `asid`.
    pub fn new(asid: u16) -> Result<UserSpace, Errno> {
        let table =
            PageTable::new_user(super::kernel_space().table()).map_err(|_| Errno::NoMemory)?;
        Ok(UserSpace {
            table,
            frames: BTreeMap::new(),
            shared: BTreeMap::new(),
            asid,
        })
    }

    /// Bytes of RAM this address space owns (not its shared memory nor its page tables).
    pub fn owned_bytes(&self) -> usize {
        self.frames.len() * PAGE_SIZE
    }

    /// Maps fresh zeroed memory over `range` (rounded out to pages) with `perm`. Pages of the
    /// range already mapped keep their contents and get `perm` added (two ELF segments may
    /// share a page).
    pub fn map_zeroed(&mut self, range: Range<usize>, perm: Perm) -> Result<(), Errno> {
        let range = page_floor(range.start)..page_ceil(range.end);
        check_user_range(&range)?;
        for page in range.step_by(PAGE_SIZE) {
            let (frame, flags) = match self.frames.get(&page) {
                Some(&frame) => {
                    let old = self.table.translate(page).map_or(Flags::U, |(_, f)| f);
                    (frame, old | perm.flags())
                }
                None => (frame::alloc().ok_or(Errno::NoMemory)?, perm.flags()),
            };
            self.frames.insert(page, frame);
            self.table
                .map(page, frame.addr(), flags)
                .map_err(|_| Errno::NoMemory)?;
        }
        Ok(())
    }

    /// Maps `memory` read-write at its address.
    pub fn map_shared(&mut self, memory: &SharedMemory) -> Result<(), Errno> {
        let range = memory.range();
        check_user_range(&range)?;
        for (page, &frame) in range.step_by(PAGE_SIZE).zip(&memory.frames) {
            if self.frames.contains_key(&page) {
                return Err(Errno::Invalid);
            }
            self.table
                .map(page, frame.addr(), Perm::ReadWrite.flags())
                .map_err(|_| Errno::NoMemory)?;
            self.shared.insert(page, frame);
        }
        Ok(())
    }

    /// Maps the device registers at physical `phys` (page aligned) read-write at user address
    /// `virt`.
    pub fn map_device(&mut self, virt: usize, phys: Range<usize>) -> Result<(), Errno> {
        check_user_range(&(virt..virt + phys.len()))?;
        for (offset, page) in phys.step_by(PAGE_SIZE).enumerate() {
            self.table
                .map(virt + offset * PAGE_SIZE, page, Perm::ReadWrite.flags())
                .map_err(|_| Errno::NoMemory)?;
        }
        Ok(())
    }

    /// Maps kernel-owned pages at physical `phys` (page aligned; code or data of the kernel's
    /// own) at user address `virt` with `perm`. They belong to neither map: the address space
    /// neither frees them nor lets system calls copy to or from them.
    pub fn map_kernel_pages(
        &mut self,
        virt: usize,
        phys: Range<usize>,
        perm: Perm,
    ) -> Result<(), Errno> {
        check_user_range(&(virt..virt + phys.len()))?;
        for (offset, page) in phys.step_by(PAGE_SIZE).enumerate() {
            self.table
                .map(virt + offset * PAGE_SIZE, page, perm.flags())
                .map_err(|_| Errno::NoMemory)?;
        }
        Ok(())
    }

    /// The physical address of the RAM this address space owns at `virt`.
    pub fn physical(&self, virt: usize) -> Option<usize> {
        let page = page_floor(virt);
        self.frames
            .get(&page)
            .map(|frame| frame.addr() + (virt - page))
    }

    /// Whether anything is mapped at `virt`'s page.
    pub fn is_mapped(&self, virt: usize) -> bool {
        self.table.translate(virt).is_some()
    }

    /// Copies user memory at `virt` into `buf`; the pages must be user-readable.
    pub fn read(&self, virt: usize, buf: &mut [u8]) -> Result<(), Errno> {
        let mut done = 0;
        self.for_each_chunk(virt, buf.len(), Flags::U | Flags::R, |phys, len| {
            // SAFETY: `phys..phys + len` is RAM of this address space, identity mapped.
            let src = unsafe { core::slice::from_raw_parts(phys as *const u8, len) };
            buf[done..done + len].copy_from_slice(src);
            done += len;
        })
    }

    /// Errors unless `virt..virt + len` is user-writable memory of this address space.
    pub fn check_writable(&self, virt: usize, len: usize) -> Result<(), Errno> {
        self.for_each_chunk(virt, len, Flags::U | Flags::W, |_, _| {})
    }

    /// Copies `data` to user memory at `virt`; the pages must be user-writable.
    pub fn write(&self, virt: usize, data: &[u8]) -> Result<(), Errno> {
        self.copy_in(virt, data, Flags::U | Flags::W)
    }

    /// Copies `data` to `virt` whatever the user permissions (the loader filling text).
    pub fn fill(&self, virt: usize, data: &[u8]) -> Result<(), Errno> {
        self.copy_in(virt, data, Flags::U)
    }

    fn copy_in(&self, virt: usize, data: &[u8], need: Flags) -> Result<(), Errno> {
        let mut done = 0;
        self.for_each_chunk(virt, data.len(), need, |phys, len| {
            // SAFETY: `phys..phys + len` is RAM of this address space, identity mapped.
            let dst = unsafe { core::slice::from_raw_parts_mut(phys as *mut u8, len) };
            dst.copy_from_slice(&data[done..done + len]);
            done += len;
        })
    }

    /// The physical address of the aligned `u32` at `virt`, if user-readable RAM.
    pub fn word_address(&self, virt: usize) -> Result<usize, Errno> {
        if !virt.is_multiple_of(4) {
            return Err(Errno::Invalid);
        }
        let mut addr = 0;
        self.for_each_chunk(virt, 4, Flags::U | Flags::R, |phys, _| addr = phys)?;
        Ok(addr)
    }

    /// Walks `virt..virt + len` page by page, checking every page is the address space's own
    /// RAM with `need` flags, then calls `f(physical address, length)` for each piece. Nothing
    /// is touched unless the whole range passes.
    fn for_each_chunk(
        &self,
        virt: usize,
        len: usize,
        need: Flags,
        mut f: impl FnMut(usize, usize),
    ) -> Result<(), Errno> {
        let end = virt.checked_add(len).ok_or(Errno::Fault)?;
        check_user_range(&(virt..end)).map_err(|_| Errno::Fault)?;
        let pages = page_floor(virt)..page_ceil(end);
        for page in pages.clone().step_by(PAGE_SIZE) {
            let owned = self.frames.contains_key(&page) || self.shared.contains_key(&page);
            match self.table.translate(page) {
                Some((_, flags)) if owned && flags.contains(need) => {}
                _ => return Err(Errno::Fault),
            }
        }
        let mut at = virt;
        while at < end {
            let page = page_floor(at);
            let len = (page + PAGE_SIZE).min(end) - at;
            let (phys, _) = self.table.translate(page).ok_or(Errno::Fault)?;
            f(phys + (at - page), len);
            at += len;
        }
        Ok(())
    }

    /// The address-space identifier.
    pub fn asid(&self) -> u16 {
        self.asid
    }

    /// Makes this the current address space on the calling hart.
    ///
    /// # Safety
    /// The address space must stay alive while it is current. The caller handles TLB
    /// entries left by an earlier user of the same ASID (see `task::asid`).
    pub unsafe fn activate(&self) {
        // SAFETY: the kernel part is the kernel's own mapping, so kernel code keeps running.
        unsafe { core::arch::asm!("csrw satp, {}", in(reg) self.table.satp(self.asid)) };
    }
}

impl Drop for UserSpace {
    fn drop(&mut self) {
        for &frame in self.frames.values() {
            // SAFETY: the frames belong to this address space, which nothing runs in any more.
            unsafe { frame::dealloc(frame) };
        }
    }
}

/// Memory shared by several address spaces at the same address; its frames are freed when the
/// last process holding it is gone.
pub struct SharedMemory {
    start: usize,
    frames: alloc::vec::Vec<Frame>,
}

impl SharedMemory {
    /// `pages` zeroed frames to be mapped at `start`.
    pub fn new(start: usize, pages: usize) -> Result<SharedMemory, Errno> {
        let mut memory = SharedMemory {
            start,
            frames: alloc::vec::Vec::with_capacity(pages),
        };
        for _ in 0..pages {
            // On failure, dropping `memory` frees what was taken.
            memory.frames.push(frame::alloc().ok_or(Errno::NoMemory)?);
        }
        Ok(memory)
    }

    /// Where it is mapped.
    pub fn range(&self) -> Range<usize> {
        self.start..self.start + self.frames.len() * PAGE_SIZE
    }
}

impl Drop for SharedMemory {
    fn drop(&mut self) {
        for &frame in &self.frames {
            // SAFETY: no address space maps the memory any more (each holds a reference).
            unsafe { frame::dealloc(frame) };
        }
    }
}

/// Errors unless `range` lies in the user part of the address space.
fn check_user_range(range: &Range<usize>) -> Result<(), Errno> {
    if range.start >= USER_START && range.end <= USER_END && range.start <= range.end {
        Ok(())
    } else {
        Err(Errno::Fault)
    }
}
