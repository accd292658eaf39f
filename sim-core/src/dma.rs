//! Direct memory access: the narrow capability a bus-mastering device gets to read and write
//! guest RAM, and nothing else.
//!
//! A [`Dma`] handle exists only during a device's update ([`Timed::advance`]), so every
//! transfer happens at the simulated time of that update, which the machine orders exactly
//! against the harts (see [`Timed::masters_memory`]). Each transfer is bounds-checked: an
//! address outside RAM (a guest's bad descriptor) returns [`DmaFault`], never panics, and the
//! device reports it to its driver as its specification says.
//!
//! Coherence with the timing model: a write invalidates the lines it touches in every hart's
//! L1 (a hart polling them misses and reads the new bytes) and writes them into the shared L2;
//! a read writes modified L1 copies back. Writes also break the LR/SC reservations they
//! overlap, as a hart's store does. The lines moved are counted ([`DmaCounts`]); hartlab's
//! memory model has no bandwidth-limited shared resource, so DMA competes with the harts
//! through the L2's capacity and the coherence traffic it causes, not through queueing.
//!
//! [`Timed::advance`]: crate::bus::Timed::advance
//! [`Timed::masters_memory`]: crate::bus::Timed::masters_memory

use crate::memory::Ram;
use crate::timing::cache::MemoryHierarchy;

/// A DMA transfer touched an address outside RAM (nothing was transferred).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("DMA of {len} bytes at {addr:#x} leaves RAM")]
pub struct DmaFault {
    /// First address of the transfer.
    pub addr: u64,
    /// Its length in bytes.
    pub len: u64,
}

/// What a device's DMA moved.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DmaCounts {
    /// Bytes read from RAM.
    pub read_bytes: u64,
    /// Bytes written to RAM.
    pub write_bytes: u64,
    /// Cache lines read (each snooped in the harts' L1s and read through the L2).
    pub read_lines: u64,
    /// Cache lines written (each invalidated in the harts' L1s and written into the L2).
    pub write_lines: u64,
    /// Transfers refused because they left RAM.
    pub faults: u64,
}

/// A device's capability to read and write guest RAM during one update.
pub struct Dma<'a> {
    ram: &'a mut Ram,
    /// The timing model's caches, kept coherent; `None` when harts run functionally (or in
    /// unit tests without a machine).
    caches: Option<&'a mut MemoryHierarchy>,
    reservations: &'a mut [Option<u64>],
    counts: DmaCounts,
}

/// LR/SC reservation granule (the system bus's).
const GRANULE: u64 = 8;

impl<'a> Dma<'a> {
    /// A handle on `ram` keeping `caches` coherent (if given) and breaking `reservations`.
    pub fn new(
        ram: &'a mut Ram,
        caches: Option<&'a mut MemoryHierarchy>,
        reservations: &'a mut [Option<u64>],
    ) -> Self {
        Self {
            ram,
            caches,
            reservations,
            counts: DmaCounts::default(),
        }
    }

    /// A handle on bare RAM (no caches, no reservations), for tests of devices.
    pub fn ram_only(ram: &'a mut Ram) -> Self {
        Self::new(ram, None, &mut [])
    }

    /// What this handle moved so far.
    pub fn counts(&self) -> DmaCounts {
        self.counts
    }

    fn check(&mut self, addr: u64, len: u64) -> Result<(), DmaFault> {
        if self.ram.contains(addr, len) {
            Ok(())
        } else {
            self.counts.faults += 1;
            Err(DmaFault { addr, len })
        }
    }

    /// Apply `f` to every cache line of `[addr, addr + len)`, returning how many there were.
    fn lines(&mut self, addr: u64, len: u64, f: fn(&mut MemoryHierarchy, u64)) -> u64 {
        let Some(caches) = self.caches.as_deref_mut() else {
            return 0;
        };
        if len == 0 {
            return 0;
        }
        let line = caches.line_bytes();
        let first = addr & !(line - 1);
        let last = (addr + len - 1) & !(line - 1);
        let mut a = first;
        loop {
            f(caches, a);
            if a == last {
                break;
            }
            a += line;
        }
        (last - first) / line + 1
    }

    /// Read `buf.len()` bytes at physical `addr`.
    pub fn read(&mut self, addr: u64, buf: &mut [u8]) -> Result<(), DmaFault> {
        let len = buf.len() as u64;
        self.check(addr, len)?;
        let Some(src) = self.ram.slice(addr, len) else {
            return Err(DmaFault { addr, len });
        };
        buf.copy_from_slice(src);
        self.counts.read_bytes += len;
        self.counts.read_lines += self.lines(addr, len, MemoryHierarchy::device_read);
        Ok(())
    }

    /// Write `data` at physical `addr`.
    pub fn write(&mut self, addr: u64, data: &[u8]) -> Result<(), DmaFault> {
        let len = data.len() as u64;
        self.check(addr, len)?;
        if !self.ram.write_bytes(addr, data) {
            return Err(DmaFault { addr, len });
        }
        self.counts.write_bytes += len;
        self.counts.write_lines += self.lines(addr, len, MemoryHierarchy::device_write);
        if len > 0 {
            let first = addr & !(GRANULE - 1);
            let last = (addr + len - 1) & !(GRANULE - 1);
            for r in self.reservations.iter_mut() {
                if r.is_some_and(|a| a >= first && a <= last) {
                    *r = None;
                }
            }
        }
        Ok(())
    }

    /// Read a little-endian u16 at `addr`.
    pub fn read_u16(&mut self, addr: u64) -> Result<u16, DmaFault> {
        let mut b = [0; 2];
        self.read(addr, &mut b)?;
        Ok(u16::from_le_bytes(b))
    }

    /// Read a little-endian u32 at `addr`.
    pub fn read_u32(&mut self, addr: u64) -> Result<u32, DmaFault> {
        let mut b = [0; 4];
        self.read(addr, &mut b)?;
        Ok(u32::from_le_bytes(b))
    }

    /// Read a little-endian u64 at `addr`.
    pub fn read_u64(&mut self, addr: u64) -> Result<u64, DmaFault> {
        let mut b = [0; 8];
        self.read(addr, &mut b)?;
        Ok(u64::from_le_bytes(b))
    }

    /// Write a little-endian u16 at `addr`.
    pub fn write_u16(&mut self, addr: u64, v: u16) -> Result<(), DmaFault> {
        self.write(addr, &v.to_le_bytes())
    }

    /// Write a little-endian u32 at `addr`.
    pub fn write_u32(&mut self, addr: u64, v: u32) -> Result<(), DmaFault> {
        self.write(addr, &v.to_le_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::timing::cache::{Access, HierarchyConfig};

    #[test]
    fn transfers_are_bounds_checked_and_keep_caches_coherent() {
        let mut ram = Ram::new(0x8000_0000, 0x1_0000).unwrap();
        let mut caches = MemoryHierarchy::new(2, &HierarchyConfig::default()).unwrap();
        // Hart 1 holds the line; hart 0 holds a reservation on it.
        caches.access(1, 0x8000_0040, Access::Load);
        assert!(caches.serves_locally(1, 0x8000_0040, Access::Load));
        let mut reservations = [Some(0x8000_0048), Some(0x8000_1000)];
        let mut dma = Dma::new(&mut ram, Some(&mut caches), &mut reservations);
        dma.write(0x8000_0044, &[1, 2, 3, 4, 5, 6, 7]).unwrap();
        assert_eq!(
            dma.write(0x8000_fffe, &[0; 4]),
            Err(DmaFault {
                addr: 0x8000_fffe,
                len: 4
            })
        );
        assert!(dma.read_u64(u64::MAX - 3).is_err());
        assert!(dma.read_u32(0x7fff_fffe).is_err());
        assert_eq!(dma.read_u32(0x8000_0044), Ok(0x0403_0201));
        let counts = dma.counts();
        assert_eq!(counts.write_bytes, 7);
        assert_eq!(counts.write_lines, 1);
        assert_eq!(counts.read_lines, 1);
        assert_eq!(counts.faults, 3);
        assert_eq!(reservations, [None, Some(0x8000_1000)]);
        assert!(!caches.serves_locally(1, 0x8000_0040, Access::Load));
        assert_eq!(caches.stats(1).l1d.invalidations, 1);
    }
}
