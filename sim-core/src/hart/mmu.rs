//! Address translation: the Sv39 page-table walker and the hart's TLB.
//!
//! The TLB is a direct-mapped software TLB per access kind (fetch, load, store) that maps a
//! virtual page straight to a host pointer into RAM, so the common access costs one compare.
//! Its tag holds the page address and the translation context (effective privilege, SUM,
//! MXR) in the low bits, so privilege switches need no flush; alignment bits of the access
//! are folded into the compared value so a misaligned access misses and takes the slow path.
//! Entries exist only for RAM pages that PMP allows in full and, for stores, that no other
//! hart's reservation nor the HTIF mailbox watches (a hart's own stores never break its own
//! reservation, so its LR leaves its store TLB alone) and that no hart decoded code from (see
//! `block`); everything else is checked access by access. LR, SC and AMOs use the same entries.

use super::pmp::{AccessKind, PageCheck};
use super::trap::{cause, Exception};
use super::{Hart, Priv};
use crate::system_bus::SystemBus;
use crate::timing::Landing;

/// log2 of the number of entries per TLB.
const TLB_BITS: u32 = 8;
/// Entries per TLB.
pub const TLB_ENTRIES: usize = 1 << TLB_BITS;
const PAGE_MASK: u64 = !0xfff;
/// A tag no lookup can produce (its low bits are never set in a probe).
pub(crate) const INVALID_TAG: u64 = u64::MAX;

/// One software-TLB entry.
#[derive(serde::Serialize, serde::Deserialize, Debug, Clone, Copy)]
pub(crate) struct TlbEntry {
    pub(crate) tag: u64,
    /// Host address of the page minus its virtual address.
    pub(crate) addend: usize,
}

const EMPTY: TlbEntry = TlbEntry {
    tag: INVALID_TAG,
    addend: 0,
};

/// The three software TLBs of a hart.
#[derive(serde::Serialize, serde::Deserialize)]
pub(crate) struct SoftTlb {
    #[serde(with = "crate::checkpoint::boxed_array")]
    pub(crate) fetch: Box<[TlbEntry; TLB_ENTRIES]>,
    #[serde(with = "crate::checkpoint::boxed_array")]
    pub(crate) load: Box<[TlbEntry; TLB_ENTRIES]>,
    #[serde(with = "crate::checkpoint::boxed_array")]
    pub(crate) store: Box<[TlbEntry; TLB_ENTRIES]>,
    /// Translation statistics.
    pub(crate) walks: u64,
    pub(crate) fills: u64,
}

impl SoftTlb {
    pub(crate) fn new() -> Self {
        Self {
            fetch: Box::new([EMPTY; TLB_ENTRIES]),
            load: Box::new([EMPTY; TLB_ENTRIES]),
            store: Box::new([EMPTY; TLB_ENTRIES]),
            walks: 0,
            fills: 0,
        }
    }

    #[inline(always)]
    pub(crate) fn index(va: u64) -> usize {
        (va >> 12) as usize & (TLB_ENTRIES - 1)
    }

    pub(crate) fn flush_all(&mut self) {
        self.fetch.fill(EMPTY);
        self.load.fill(EMPTY);
        self.store.fill(EMPTY);
    }

    pub(crate) fn flush_stores(&mut self) {
        self.store.fill(EMPTY);
    }

    pub(crate) fn flush_page(&mut self, va: u64) {
        let i = Self::index(va);
        for t in [&mut self.fetch, &mut self.load, &mut self.store] {
            if t[i].tag & PAGE_MASK == va & PAGE_MASK {
                t[i] = EMPTY;
            }
        }
    }
}

/// Where an access lands after translation.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Target {
    /// RAM, at this physical address.
    Ram(u64),
    /// A device (or nothing) at this physical address.
    Io(u64),
}

const PTE_V: u64 = 1;
const PTE_R: u64 = 2;
const PTE_W: u64 = 4;
const PTE_X: u64 = 8;
const PTE_U: u64 = 16;
const PTE_A: u64 = 64;
const PTE_D: u64 = 128;
/// PTE bits 63:54 (N, PBMT and reserved) must be zero without Svnapot/Svpbmt.
const PTE_RESERVED: u64 = 0xffc0_0000_0000_0000;

fn page_fault(kind: AccessKind, va: u64) -> Exception {
    let c = match kind {
        AccessKind::Fetch => cause::INSN_PAGE_FAULT,
        AccessKind::Load => cause::LOAD_PAGE_FAULT,
        AccessKind::Store => cause::STORE_PAGE_FAULT,
    };
    Exception::new(c, va)
}

/// The access-fault exception for `kind` at virtual address `va`.
pub(crate) fn access_fault(kind: AccessKind, va: u64) -> Exception {
    let c = match kind {
        AccessKind::Fetch => cause::INSN_ACCESS,
        AccessKind::Load => cause::LOAD_ACCESS,
        AccessKind::Store => cause::STORE_ACCESS,
    };
    Exception::new(c, va)
}

impl Hart {
    /// Privilege used for data accesses (MPRV applies MPP's privilege to loads and stores).
    pub(crate) fn data_privilege(&self) -> Priv {
        use super::csr::mstatus;
        if self.privilege == Priv::M && self.csr.mstatus & mstatus::MPRV != 0 {
            Priv::from_bits((self.csr.mstatus & mstatus::MPP) >> mstatus::MPP_SHIFT)
        } else {
            self.privilege
        }
    }

    /// Recompute the translation context after a change of privilege or `mstatus`.
    pub(crate) fn mmu_context_changed(&mut self) {
        use super::csr::mstatus;
        let s = self.csr.mstatus;
        let sum = (s & mstatus::SUM != 0) as u64;
        let mxr = (s & mstatus::MXR != 0) as u64;
        self.data_tag = ((self.data_privilege() as u64) | sum << 2 | mxr << 3) << 4;
        self.fetch_tag = (self.privilege as u64) << 4;
        self.translation_changed();
        self.slice_end = 0;
    }

    /// Recompute which satp (if any) translates fetches and data accesses, for the timing
    /// model's TLBs.
    fn translation_changed(&mut self) {
        let satp = if self.csr.satp >> 60 != 0 {
            self.csr.satp
        } else {
            0
        };
        self.fetch_satp = if self.privilege == Priv::M { 0 } else { satp };
        self.data_satp = if self.data_privilege() == Priv::M {
            0
        } else {
            satp
        };
    }

    /// Drop every cached translation (satp or PMP changed, SFENCE.VMA without address).
    pub(crate) fn flush_translations(&mut self) {
        self.tlb.flush_all();
        self.translation_changed();
        self.slice_end = 0;
    }

    fn tlb_for(&mut self, kind: AccessKind) -> &mut [TlbEntry; TLB_ENTRIES] {
        match kind {
            AccessKind::Fetch => &mut self.tlb.fetch,
            AccessKind::Load => &mut self.tlb.load,
            AccessKind::Store => &mut self.tlb.store,
        }
    }

    /// Translate and check an access of `size` bytes at `va`, filling the software TLB when
    /// the whole page qualifies. Alignment is the caller's business.
    pub(crate) fn translate(
        &mut self,
        bus: &mut SystemBus,
        va: u64,
        size: u32,
        kind: AccessKind,
    ) -> Result<Target, Exception> {
        let p = if kind == AccessKind::Fetch {
            self.privilege
        } else {
            self.data_privilege()
        };
        let pa = if p == Priv::M || self.csr.satp >> 60 == 0 {
            va
        } else {
            self.walk(bus, va, kind, p)?
        };
        if !self.pmp.check(pa, size as u64, kind, p) {
            return Err(access_fault(kind, va));
        }
        if !bus.ram.contains(pa, size as u64) {
            if self.timed {
                let cost = bus.device_cost(pa, kind == AccessKind::Store);
                if !self.charge(bus, va, size, kind, Landing::device(cost)) {
                    return Err(Exception::STALL);
                }
            }
            return Ok(Target::Io(pa));
        }
        if self.timed && !self.charge(bus, va, size, kind, Landing::Ram(pa)) {
            return Err(Exception::STALL);
        }
        let page = pa & PAGE_MASK;
        let cacheable = bus.ram.contains(page, 4096)
            && self.pmp.check_page(page, kind, p) == PageCheck::Allowed
            && !(kind == AccessKind::Store && (bus.store_watched(page) || bus.ram.is_code(page)));
        if cacheable {
            let tag = (va & PAGE_MASK)
                | if kind == AccessKind::Fetch {
                    self.fetch_tag
                } else {
                    self.data_tag
                };
            let host = bus.ram.host_ptr(page) as usize;
            let addend = host.wrapping_sub((va & PAGE_MASK) as usize);
            self.tlb.fills += 1;
            self.tlb_for(kind)[SoftTlb::index(va)] = TlbEntry { tag, addend };
        }
        Ok(Target::Ram(pa))
    }

    /// The physical address of an aligned data access of `size` bytes at `va` that the
    /// software TLB of `kind` already maps, charged to the timing model when timed, or `None`
    /// when it misses. LR, SC and AMOs take this before [`Self::translate`], as loads and
    /// stores do in their fast path: an entry exists only for a RAM page PMP allows in full
    /// whose translation (with its A/D bits) was done when the entry was filled, so the
    /// result is what the walk would give.
    #[inline]
    pub(crate) fn translate_cached(
        &mut self,
        bus: &mut SystemBus,
        va: u64,
        size: u32,
        kind: AccessKind,
    ) -> Result<Option<u64>, Exception> {
        debug_assert!(kind != AccessKind::Fetch, "data accesses only");
        let e = self.tlb_for(kind)[SoftTlb::index(va)];
        if e.tag != (va & (PAGE_MASK | (size as u64 - 1))) | self.data_tag {
            return Ok(None);
        }
        let pa = (e.addend.wrapping_add(va as usize) as u64).wrapping_add(self.host_to_phys);
        if self.timed && !self.charge(bus, va, size, kind, Landing::Ram(pa)) {
            return Err(Exception::STALL);
        }
        Ok(Some(pa))
    }

    /// Walk the Sv39 page table for `va`, updating A/D bits in memory as QEMU does.
    fn walk(
        &mut self,
        bus: &mut SystemBus,
        va: u64,
        kind: AccessKind,
        p: Priv,
    ) -> Result<u64, Exception> {
        use super::csr::mstatus;
        self.tlb.walks += 1;
        // Bits 63:39 must all equal bit 38.
        if ((va as i64) << 25 >> 25) as u64 != va {
            return Err(page_fault(kind, va));
        }
        let mut table = (self.csr.satp & ((1 << 44) - 1)) << 12;
        for level in (0..3).rev() {
            let vpn = (va >> (12 + 9 * level)) & 0x1ff;
            let pte_addr = table + vpn * 8;
            if !self.pmp.check(pte_addr, 8, AccessKind::Load, Priv::S) {
                return Err(access_fault(kind, va));
            }
            let Some(mut pte) = bus.ram.read(pte_addr, 8) else {
                return Err(access_fault(kind, va));
            };
            if pte & PTE_V == 0 || (pte & PTE_R == 0 && pte & PTE_W != 0) || pte & PTE_RESERVED != 0
            {
                return Err(page_fault(kind, va));
            }
            let ppn = (pte >> 10) & ((1 << 44) - 1);
            if pte & (PTE_R | PTE_X) == 0 {
                table = ppn << 12;
                continue;
            }
            // A leaf: check permissions.
            let status = self.csr.mstatus;
            let user_page = pte & PTE_U != 0;
            let allowed = match kind {
                AccessKind::Fetch => pte & PTE_X != 0 && (user_page == (p == Priv::U)),
                AccessKind::Load => {
                    let readable =
                        pte & PTE_R != 0 || (status & mstatus::MXR != 0 && pte & PTE_X != 0);
                    readable
                        && (if p == Priv::U {
                            user_page
                        } else {
                            !user_page || status & mstatus::SUM != 0
                        })
                }
                AccessKind::Store => {
                    pte & PTE_W != 0
                        && (if p == Priv::U {
                            user_page
                        } else {
                            !user_page || status & mstatus::SUM != 0
                        })
                }
            };
            if !allowed {
                return Err(page_fault(kind, va));
            }
            // A superpage's PPN must be aligned to its size.
            let low_ppn_mask = (1u64 << (9 * level)) - 1;
            if ppn & low_ppn_mask != 0 {
                return Err(page_fault(kind, va));
            }
            let wanted = PTE_A | if kind == AccessKind::Store { PTE_D } else { 0 };
            if pte & wanted != wanted {
                pte |= wanted;
                if !self.pmp.check(pte_addr, 8, AccessKind::Store, Priv::S)
                    || !bus.ram.write(pte_addr, 8, pte)
                {
                    return Err(access_fault(kind, va));
                }
                self.code_stored(bus, pte_addr);
            }
            let offset_mask = (1u64 << (12 + 9 * level)) - 1;
            return Ok(((ppn << 12) & !offset_mask) | (va & offset_mask));
        }
        Err(page_fault(kind, va))
    }
}
