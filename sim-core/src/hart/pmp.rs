//! Physical memory protection: 16 entries with OFF/TOR/NA4/NAPOT matching and the lock bit,
//! granularity 4 bytes, as on QEMU `virt`.
//!
//! S and U accesses that match no entry fail whenever any entry is implemented (so software
//! must open memory, as riscv-tests and firmware do); M accesses are checked only against
//! locked entries.

use super::Priv;

/// Number of PMP entries.
pub const ENTRIES: usize = 16;

const R: u8 = 1;
const W: u8 = 2;
const X: u8 = 4;
const A_SHIFT: u8 = 3;
const L: u8 = 0x80;
const A_OFF: u8 = 0;
const A_TOR: u8 = 1;
const A_NA4: u8 = 2;
const A_NAPOT: u8 = 3;

/// Kind of access being checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccessKind {
    /// Instruction fetch.
    Fetch,
    /// Load (also the read half of an AMO is checked as a store).
    Load,
    /// Store or AMO.
    Store,
}

impl AccessKind {
    fn perm(self) -> u8 {
        match self {
            AccessKind::Fetch => X,
            AccessKind::Load => R,
            AccessKind::Store => W,
        }
    }
}

/// The PMP registers of one hart.
#[derive(serde::Serialize, serde::Deserialize, Debug, Clone, Default)]
pub struct Pmp {
    cfg: [u8; ENTRIES],
    addr: [u64; ENTRIES],
    /// Whether any entry has A != OFF (fast exit for the common all-off M-mode case).
    any_active: bool,
}

/// Result of a page-granular check, used to decide whether a translation may be cached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageCheck {
    /// Every byte of the page allows the access.
    Allowed,
    /// The outcome varies within the page or is denied: check each access.
    CheckEach,
}

impl Pmp {
    /// Read `pmpcfg` register `index` (0 for pmpcfg0, 1 for pmpcfg2, ...).
    pub fn read_cfg(&self, index: usize) -> u64 {
        let base = index * 8;
        if base >= ENTRIES {
            return 0;
        }
        (0..8).fold(0, |acc, i| acc | (self.cfg[base + i] as u64) << (8 * i))
    }

    /// Write `pmpcfg` register `index`; locked entries keep their value.
    pub fn write_cfg(&mut self, index: usize, value: u64) {
        let base = index * 8;
        if base >= ENTRIES {
            return;
        }
        for i in 0..8 {
            let e = base + i;
            if self.cfg[e] & L != 0 {
                continue;
            }
            let mut b = (value >> (8 * i)) as u8 & (R | W | X | (3 << A_SHIFT) | L);
            // R=0, W=1 is reserved: keep it unreadable and unwritable.
            if b & (R | W) == W {
                b &= !W;
            }
            self.cfg[e] = b;
        }
        self.any_active = self.cfg.iter().any(|c| (c >> A_SHIFT) & 3 != A_OFF);
    }

    /// Read `pmpaddr` register `index`.
    pub fn read_addr(&self, index: usize) -> u64 {
        self.addr.get(index).copied().unwrap_or(0)
    }

    /// Write `pmpaddr` register `index` (54 bits); ignored when the entry is locked, or when
    /// the next entry is a locked TOR entry that uses it as its bottom.
    pub fn write_addr(&mut self, index: usize, value: u64) {
        if index >= ENTRIES || self.cfg[index] & L != 0 {
            return;
        }
        if let Some(next) = self.cfg.get(index + 1) {
            if next & L != 0 && (next >> A_SHIFT) & 3 == A_TOR {
                return;
            }
        }
        self.addr[index] = value & ((1 << 54) - 1);
    }

    /// Byte range `[lo, hi)` matched by entry `i`, if active.
    fn range(&self, i: usize) -> Option<(u64, u64)> {
        let a = self.addr[i];
        match (self.cfg[i] >> A_SHIFT) & 3 {
            A_TOR => {
                let lo = if i == 0 { 0 } else { self.addr[i - 1] << 2 };
                Some((lo, a << 2))
            }
            A_NA4 => Some((a << 2, (a << 2) + 4)),
            A_NAPOT => {
                let ones = a.trailing_ones();
                if ones >= 54 {
                    return Some((0, u64::MAX));
                }
                let size = 1u64 << (ones + 3);
                let lo = (a & !((1u64 << ones) - 1)) << 2;
                Some((lo, lo.saturating_add(size)))
            }
            _ => None,
        }
    }

    /// Whether an access of `size` bytes at physical `addr` by privilege `p` is allowed.
    pub fn check(&self, addr: u64, size: u64, kind: AccessKind, p: Priv) -> bool {
        if !self.any_active {
            return p == Priv::M;
        }
        let end = addr.saturating_add(size);
        for i in 0..ENTRIES {
            let Some((lo, hi)) = self.range(i) else {
                continue;
            };
            let touches = addr < hi && lo < end;
            if !touches {
                continue;
            }
            // An access straddling the entry's boundary fails.
            if addr < lo || end > hi {
                return false;
            }
            let cfg = self.cfg[i];
            if p == Priv::M && cfg & L == 0 {
                return true;
            }
            return cfg & kind.perm() != 0;
        }
        p == Priv::M
    }

    /// Whether the whole 4 KiB page at `page` allows `kind` by `p` uniformly.
    pub fn check_page(&self, page: u64, kind: AccessKind, p: Priv) -> PageCheck {
        if !self.any_active {
            return if p == Priv::M {
                PageCheck::Allowed
            } else {
                PageCheck::CheckEach
            };
        }
        let end = page + 4096;
        for i in 0..ENTRIES {
            let Some((lo, hi)) = self.range(i) else {
                continue;
            };
            if page < hi && lo < end {
                // The first matching entry decides only if it covers the whole page.
                return if lo <= page && end <= hi && self.check(page, 4096, kind, p) {
                    PageCheck::Allowed
                } else {
                    PageCheck::CheckEach
                };
            }
        }
        if p == Priv::M {
            PageCheck::Allowed
        } else {
            PageCheck::CheckEach
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn napot_all_memory_opens_s_and_u() {
        let mut pmp = Pmp::default();
        assert!(!pmp.check(0x8000_0000, 8, AccessKind::Load, Priv::S));
        pmp.write_addr(0, u64::MAX);
        pmp.write_cfg(0, 0x1f);
        assert!(pmp.check(0x8000_0000, 8, AccessKind::Load, Priv::S));
        assert!(pmp.check(0, 8, AccessKind::Fetch, Priv::U));
        assert_eq!(
            pmp.check_page(0x8000_0000, AccessKind::Store, Priv::U),
            PageCheck::Allowed
        );
    }

    #[test]
    fn tor_and_lock() {
        let mut pmp = Pmp::default();
        pmp.write_addr(0, 0x8000_1000 >> 2);
        pmp.write_cfg(0, (L | (A_TOR << A_SHIFT) | R) as u64);
        assert!(pmp.check(0x8000_0000, 4, AccessKind::Load, Priv::M));
        assert!(!pmp.check(0x8000_0000, 4, AccessKind::Store, Priv::M));
        assert!(pmp.check(0x8000_1000, 4, AccessKind::Store, Priv::M));
        pmp.write_addr(0, 0);
        assert_eq!(pmp.read_addr(0), 0x8000_1000 >> 2);
        pmp.write_cfg(0, 0);
        assert_eq!(pmp.read_cfg(0) & 0xff, (L | (A_TOR << A_SHIFT) | R) as u64);
    }

    #[test]
    fn na4_straddle_fails() {
        let mut pmp = Pmp::default();
        pmp.write_addr(0, 0x1000 >> 2);
        pmp.write_cfg(0, ((A_NA4 << A_SHIFT) | R | W) as u64);
        assert!(pmp.check(0x1000, 4, AccessKind::Load, Priv::S));
        assert!(!pmp.check(0x1000, 8, AccessKind::Load, Priv::S));
        assert_eq!(
            pmp.check_page(0x1000, AccessKind::Load, Priv::S),
            PageCheck::CheckEach
        );
    }
}
