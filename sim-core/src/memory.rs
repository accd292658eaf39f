//! Guest RAM: one contiguous, zero-initialised block at a physical base address.
//!
//! Harts reach it through their software TLB as a host pointer; everything else (ELF loading,
//! page-table walks, slow-path accesses) uses the bounds-checked methods here.
//!
//! The block is an anonymous mapping that reserves no host memory or swap up front: a page
//! costs host memory when the guest first touches it, so a 64 GiB guest starts on a smaller
//! host and only what it uses counts.

use memmap2::{MmapMut, MmapOptions};

/// Guest RAM.
pub struct Ram {
    base: u64,
    data: MmapMut,
}

/// The host could not provide address space for guest RAM.
#[derive(Debug, thiserror::Error)]
#[error("cannot reserve {size} bytes of host address space for guest RAM")]
pub struct RamError {
    /// The requested size.
    pub size: u64,
    /// What the host said.
    pub source: std::io::Error,
}

impl Ram {
    /// `size` bytes of zeroed RAM at physical address `base`, reserved lazily.
    pub fn new(base: u64, size: u64) -> Result<Self, RamError> {
        let len = usize::try_from(size).map_err(|_| RamError {
            size,
            source: std::io::Error::from(std::io::ErrorKind::OutOfMemory),
        })?;
        // memmap2 is the maintained wrapper of mmap; MAP_NORESERVE (no_reserve_swap) keeps the
        // kernel's overcommit heuristic from refusing a guest larger than the host.
        let data = MmapOptions::new()
            .len(len)
            .no_reserve_swap()
            .map_anon()
            .map_err(|source| RamError { size, source })?;
        Ok(Self { base, data })
    }

    /// Physical base address.
    pub fn base(&self) -> u64 {
        self.base
    }

    /// Size in bytes.
    pub fn size(&self) -> u64 {
        self.data.len() as u64
    }

    /// Whether `[addr, addr + len)` lies inside RAM.
    #[inline]
    pub fn contains(&self, addr: u64, len: u64) -> bool {
        addr >= self.base
            && addr
                .checked_add(len)
                .is_some_and(|end| end <= self.base + self.size())
    }

    /// Host pointer of physical address `addr`, which must be inside RAM.
    #[inline]
    pub fn host_ptr(&mut self, addr: u64) -> *mut u8 {
        debug_assert!(self.contains(addr, 1));
        // SAFETY: callers check `contains`; the offset stays inside the allocation.
        unsafe { self.data.as_mut_ptr().add((addr - self.base) as usize) }
    }

    /// What to add to a host pointer into RAM (as [`Self::host_ptr`] gives) to get its
    /// physical address.
    #[inline]
    pub fn host_to_phys(&self) -> u64 {
        self.base.wrapping_sub(self.data.as_ptr() as u64)
    }

    /// Read `size` (1, 2, 4 or 8) bytes little-endian at `addr`; `None` outside RAM.
    #[inline]
    pub fn read(&self, addr: u64, size: u32) -> Option<u64> {
        if !self.contains(addr, size as u64) {
            return None;
        }
        let off = (addr - self.base) as usize;
        let mut buf = [0u8; 8];
        buf[..size as usize].copy_from_slice(&self.data[off..off + size as usize]);
        Some(u64::from_le_bytes(buf))
    }

    /// Write the low `size` bytes of `value` little-endian at `addr`; false outside RAM.
    #[inline]
    pub fn write(&mut self, addr: u64, size: u32, value: u64) -> bool {
        if !self.contains(addr, size as u64) {
            return false;
        }
        let off = (addr - self.base) as usize;
        self.data[off..off + size as usize].copy_from_slice(&value.to_le_bytes()[..size as usize]);
        true
    }

    /// Copy `bytes` to `addr`; false if they do not fit.
    pub fn write_bytes(&mut self, addr: u64, bytes: &[u8]) -> bool {
        if !self.contains(addr, bytes.len() as u64) {
            return false;
        }
        let off = (addr - self.base) as usize;
        self.data[off..off + bytes.len()].copy_from_slice(bytes);
        true
    }

    /// Which 4 KiB pages of RAM may hold anything but zeros, from Linux's page map of this
    /// process: a page neither present nor swapped out was never touched and reads as zeros.
    /// Lets a checkpoint skip untouched RAM without faulting it in; `None` where the page map
    /// cannot be read (then every page must be looked at).
    pub fn touched(&self) -> Option<Vec<bool>> {
        use std::io::{Read, Seek, SeekFrom};
        const PRESENT: u64 = 1 << 63;
        const SWAPPED: u64 = 1 << 62;
        let start = self.data.as_ptr() as u64;
        if !start.is_multiple_of(4096) {
            return None;
        }
        let pages = self.data.len().div_ceil(4096);
        let mut map = std::fs::File::open("/proc/self/pagemap").ok()?;
        map.seek(SeekFrom::Start(start / 4096 * 8)).ok()?;
        let mut entries = vec![0u8; pages * 8];
        map.read_exact(&mut entries).ok()?;
        Some(
            entries
                .chunks_exact(8)
                .map(|e| {
                    let e = u64::from_le_bytes(e.try_into().unwrap_or([0xff; 8]));
                    e & (PRESENT | SWAPPED) != 0
                })
                .collect(),
        )
    }

    /// All of RAM, for checkpoints.
    pub fn bytes(&self) -> &[u8] {
        &self.data
    }

    /// All of RAM, mutably, for restoring checkpoints.
    pub fn bytes_mut(&mut self) -> &mut [u8] {
        &mut self.data
    }

    /// Borrow `len` bytes at `addr`, if inside RAM.
    pub fn slice(&self, addr: u64, len: u64) -> Option<&[u8]> {
        if !self.contains(addr, len) {
            return None;
        }
        let off = (addr - self.base) as usize;
        Some(&self.data[off..off + len as usize])
    }
}
