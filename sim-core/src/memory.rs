//! Guest RAM: one contiguous, zero-initialised block at a physical base address.
//!
//! Harts reach it through their software TLB as a host pointer; everything else (ELF loading,
//! page-table walks, slow-path accesses) uses the bounds-checked methods here.
//!
//! RAM also keeps the harts' predecoded code honest: a page some hart has decoded blocks
//! from is watched (see [`Ram::watch_code`]); every write through the methods here bumps the
//! page's code generation, which the blocks decoded from it carry, and harts keep watched
//! pages out of their store TLBs so that their stores come here too.
//!
//! The block is an anonymous mapping that reserves no host memory or swap up front: a page
//! costs host memory when the guest first touches it, so a 64 GiB guest starts on a smaller
//! host and only what it uses counts.

use memmap2::{MmapMut, MmapOptions};

/// Guest RAM.
pub struct Ram {
    base: u64,
    data: MmapMut,
    /// Per 4 KiB page (counted from the page holding `base`): 0 when no hart decoded code
    /// from it, else its code generation, bumped by every write to it.
    code: Vec<u32>,
    /// Pages watched so far: a hart that last saw another count drops its store TLB.
    watched: u64,
}

/// Which pages of RAM are watched for code, for checkpoints: watching decides which stores
/// the harts' store TLBs may take, and so what the simulator's own counters count.
#[derive(serde::Serialize, serde::Deserialize, Debug, Clone, Default)]
pub struct CodeWatch {
    /// The watched pages, counted from the page holding RAM's base.
    pages: Vec<u64>,
    /// Pages watched so far (see [`Ram::watched_pages`]).
    watched: u64,
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
        let pages = match len {
            0 => 0,
            _ => ((base + (size - 1)) >> 12) - (base >> 12) + 1,
        };
        Ok(Self {
            base,
            data,
            // Zeroed, so reserved lazily like the RAM itself.
            code: vec![0; pages as usize],
            watched: 0,
        })
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
        self.code_written(addr, size as u64);
        true
    }

    /// Copy `bytes` to `addr`; false if they do not fit.
    pub fn write_bytes(&mut self, addr: u64, bytes: &[u8]) -> bool {
        if !self.contains(addr, bytes.len() as u64) {
            return false;
        }
        let off = (addr - self.base) as usize;
        self.data[off..off + bytes.len()].copy_from_slice(bytes);
        self.code_written(addr, bytes.len() as u64);
        true
    }

    /// Index in `code` of the page holding `addr` (inside RAM).
    #[inline(always)]
    fn code_page(&self, addr: u64) -> usize {
        ((addr >> 12) - (self.base >> 12)) as usize
    }

    /// Bump the code generation of every watched page that `[addr, addr + len)` (inside RAM,
    /// `len` > 0) touches.
    #[inline]
    fn code_written(&mut self, addr: u64, len: u64) {
        let first = self.code_page(addr);
        let last = self.code_page(addr + len - 1);
        for gen in &mut self.code[first..=last] {
            if *gen != 0 {
                *gen = gen.checked_add(1).unwrap_or(1);
            }
        }
    }

    /// The code generation of the page holding `addr` (inside RAM): 0 when not watched.
    #[inline(always)]
    pub fn code_generation(&self, addr: u64) -> u32 {
        // SAFETY: `addr` is inside RAM, so its page is inside `code`.
        unsafe { *self.code.get_unchecked(self.code_page(addr)) }
    }

    /// Whether a hart decoded code from the page holding `addr` (false outside RAM): stores
    /// to it must go through [`Self::write`].
    #[inline]
    pub fn is_code(&self, addr: u64) -> bool {
        self.contains(addr, 1) && self.code_generation(addr) != 0
    }

    /// Watch the page holding `addr` (inside RAM) for writes, as a hart decodes code from it;
    /// returns its code generation and whether it was newly watched (every hart must then
    /// drop any store-TLB entry it holds for it: see [`Self::watched_pages`]).
    pub fn watch_code(&mut self, addr: u64) -> (u32, bool) {
        let page = self.code_page(addr);
        let gen = &mut self.code[page];
        if *gen != 0 {
            return (*gen, false);
        }
        *gen = 1;
        self.watched += 1;
        (1, true)
    }

    /// Which pages are watched for code (see [`CodeWatch`]).
    pub fn code_watch(&self) -> CodeWatch {
        CodeWatch {
            pages: (0..self.code.len() as u64)
                .filter(|&p| self.code[p as usize] != 0)
                .collect(),
            watched: self.watched,
        }
    }

    /// Watch the pages [`Self::code_watch`] gave; false, changing nothing, if one lies
    /// outside this RAM.
    pub fn set_code_watch(&mut self, w: &CodeWatch) -> bool {
        if w.pages.iter().any(|&p| p >= self.code.len() as u64) {
            return false;
        }
        for &p in &w.pages {
            let gen = &mut self.code[p as usize];
            *gen = gen.wrapping_add(1).max(1);
        }
        self.watched = w.watched;
        true
    }

    /// How many pages have been watched for code so far: a hart whose store TLB was filled
    /// when the count was lower may map a page that is watched now.
    #[inline]
    pub fn watched_pages(&self) -> u64 {
        self.watched
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

    /// All of RAM, mutably, for restoring checkpoints into fresh RAM (writes here bump no
    /// code generation, so no page may be watched yet).
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_to_a_watched_page_move_its_code_generation_only() {
        let mut ram = Ram::new(0x8000_0000, 0x4000).unwrap();
        let code = 0x8000_1000;
        assert!(!ram.is_code(code));
        assert_eq!(ram.watch_code(code + 0x10), (1, true));
        assert_eq!(ram.watch_code(code), (1, false));
        assert_eq!(ram.watched_pages(), 1);
        assert!(ram.is_code(code + 0xfff) && !ram.is_code(code + 0x1000));
        assert!(!ram.is_code(0x1000), "outside RAM");
        // A write elsewhere changes nothing; one into the page (or straddling into it) bumps
        // its generation once per write.
        ram.write(0x8000_2000, 8, 1);
        assert_eq!(ram.code_generation(code), 1);
        ram.write(code + 8, 4, 0x13);
        assert_eq!(ram.code_generation(code), 2);
        ram.write_bytes(code - 2, &[0; 4]);
        assert_eq!(ram.code_generation(code), 3);
        assert_eq!(ram.code_generation(code - 2), 0);
        // A checkpoint's view of the watched pages restores into fresh RAM.
        let watch = ram.code_watch();
        let mut fresh = Ram::new(0x8000_0000, 0x4000).unwrap();
        assert!(fresh.set_code_watch(&watch));
        assert!(fresh.is_code(code) && !fresh.is_code(0x8000_0000));
        assert_eq!(fresh.watched_pages(), 1);
        let mut small = Ram::new(0x8000_0000, 0x1000).unwrap();
        assert!(!small.set_code_watch(&watch), "a page beyond this RAM");
    }
}
