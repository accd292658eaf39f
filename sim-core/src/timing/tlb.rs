//! Timing model of one hart's instruction or data TLB (Sv39).
//!
//! The functional MMU (`hart::mmu`) translates every access and raises every fault; this
//! model only answers how many cycles translation adds. It keeps tags (page number, page
//! size, ASID, global bit) and recency, never a physical address or permission: a hit costs
//! nothing, a miss costs a page-table walk whose PTE reads go through the cache model.
//!
//! # What is modelled
//!
//! * **Set-associative TLBs with true LRU replacement**, `entries` entries in `ways`-way sets
//!   ([`TlbConfig`]); the default, 32 entries fully associative, is the geometry of Rocket's
//!   L1 TLBs.
//! * **ASID tags.** An entry belongs to the ASID of the `satp` it was filled under, unless it
//!   is global. An entry matches virtual address `va` when `va >> (12 + 9 * level)` equals its
//!   page number and it is global or its ASID is the current one. A satp write (a context
//!   switch) therefore needs no flush: each address space keeps its entries, global ones are
//!   shared.
//! * **Superpages.** An entry maps a 4 KiB (level 0), 2 MiB (level 1) or 1 GiB (level 2) page,
//!   whatever size the walk found, so one entry covers a whole superpage.
//! * **The walk.** A miss walks the Sv39 table from the root in `satp`, reading one PTE per
//!   level; the caller's `charge` closure prices each PTE read (normally an L1 D access of
//!   the cache hierarchy), and the walk costs the sum, with no fixed overhead of its own.
//! * **SFENCE.VMA** with all four operand forms of the privileged specification
//!   ([`TlbModel::flush`]).
//!
//! # What is not
//!
//! * No second-level TLB and no page-walk cache: every miss reads from the root.
//! * Setting the A and D bits costs nothing extra (the functional MMU does it).
//! * No permission checks in the timing walk: the functional MMU has already translated and
//!   checked the access, so the walk only looks for the leaf. It stops early only where the
//!   PTE encoding itself makes the walk fail (see [`TlbModel::access`]).
//! * A hit has no latency of its own (it is folded into the pipeline's access latency), and
//!   walks neither overlap other work nor are they speculative.
//!
//! # Placement of superpages in a set-associative TLB
//!
//! Each entry lives in exactly one set, the one its *own* page number selects: a 4 KiB page by
//! its 4 KiB page number (`(va >> 12) & (sets - 1)`), a 2 MiB page by its 2 MiB page number
//! (`(va >> 21) & (sets - 1)`), a 1 GiB page by its 1 GiB page number (`(va >> 30) & (sets -
//! 1)`). Nothing is duplicated and page sizes compete for the same ways. A lookup probes, for
//! each page size of which the TLB holds at least one entry (the model counts entries per
//! size), the set that size indexes, skipping a set it has already probed. A TLB holding
//! only 4 KiB pages, and any fully associative TLB (one set, the default), is probed once. An
//! entry can only match `va` in the set its size selects for `va`, so probing set by set finds
//! it wherever it is.
//!
//! Stale entries may overlap (a 2 MiB fill after the OS replaced 4 KiB mappings without an
//! SFENCE.VMA): then the first match in probe order (4 KiB sets first, most recently used
//! first) hits, or the remembered entry on the fast path; either way it is a hit, so timing
//! does not depend on which (only which entry becomes most recently used may differ).
//!
//! # Statistics
//!
//! [`TlbStats`]: `hits` and `misses` of accesses, `walks` that found a leaf and filled an
//! entry (so `misses - walks` walks failed), `walk_cycles` of all walks, failed ones
//! included, and `flushes` (SFENCE.VMA calls of any form).
//!
//! # Speed
//!
//! No allocation, hashing or `dyn` after construction. The entries are one flat array, `ways`
//! per set, each set kept in most- to least-recently-used order with empty ways last: a hit
//! moves its entry to the front, a fill drops the last one. The model remembers the last
//! entry that hit or was filled (its page number, size and the `satp` it was used under);
//! that entry is the most recently used of its set, so repeating an access to its page
//! changes nothing but the hit count, and [`TlbModel::access`] handles that case inline with
//! one compare. A fill replaces the memo (so evicting the remembered entry, which only a
//! fill does, cannot leave it stale) and every flush clears it.

/// Largest accepted number of entries.
pub const MAX_ENTRIES: u32 = 4096;

/// Geometry of one modelled TLB.
#[derive(serde::Serialize, serde::Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct TlbConfig {
    /// Entries: a power of two from 1 to [`MAX_ENTRIES`].
    pub entries: u32,
    /// Associativity: a power of two dividing `entries`; `ways == entries` is fully
    /// associative, `ways == 1` direct-mapped.
    pub ways: u32,
}

impl Default for TlbConfig {
    /// 32 entries, fully associative, like Rocket's L1 TLBs.
    fn default() -> Self {
        Self {
            entries: 32,
            ways: 32,
        }
    }
}

impl TlbConfig {
    /// Check the geometry: `entries` a power of two in `1..=MAX_ENTRIES`, `ways` a power of
    /// two dividing `entries`.
    pub fn validate(&self) -> Result<(), TlbConfigError> {
        let entries = self.entries;
        if !(1..=MAX_ENTRIES).contains(&entries) {
            return Err(TlbConfigError::OutOfRange {
                param: "entries",
                value: entries,
                min: 1,
                max: MAX_ENTRIES,
            });
        }
        if !entries.is_power_of_two() {
            return Err(TlbConfigError::NotPowerOfTwo {
                param: "entries",
                value: entries,
            });
        }
        if !self.ways.is_power_of_two() {
            return Err(TlbConfigError::NotPowerOfTwo {
                param: "ways",
                value: self.ways,
            });
        }
        if self.ways > entries {
            return Err(TlbConfigError::WaysDoNotDivideEntries {
                ways: self.ways,
                entries,
            });
        }
        Ok(())
    }

    /// Number of sets (of a valid configuration).
    fn sets(&self) -> u32 {
        self.entries / self.ways
    }
}

/// An invalid TLB geometry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TlbConfigError {
    /// A parameter is not a power of two.
    #[error("TLB {param} = {value} is not a power of two")]
    NotPowerOfTwo {
        /// Parameter name: "entries" or "ways".
        param: &'static str,
        /// Its value.
        value: u32,
    },
    /// A parameter lies outside its accepted range.
    #[error("TLB {param} = {value} is out of range {min}..={max}")]
    OutOfRange {
        /// Parameter name ("entries").
        param: &'static str,
        /// Its value.
        value: u32,
        /// Smallest accepted value.
        min: u32,
        /// Largest accepted value.
        max: u32,
    },
    /// More ways than entries.
    #[error("TLB ways = {ways} does not divide entries = {entries}")]
    WaysDoNotDivideEntries {
        /// The associativity given.
        ways: u32,
        /// The number of entries given.
        entries: u32,
    },
}

impl TlbConfigError {
    /// Name of the offending parameter: "entries" or "ways".
    pub fn param(&self) -> &'static str {
        match self {
            TlbConfigError::NotPowerOfTwo { param, .. }
            | TlbConfigError::OutOfRange { param, .. } => param,
            TlbConfigError::WaysDoNotDivideEntries { .. } => "ways",
        }
    }
}

/// Counters of one TLB.
#[derive(serde::Serialize, serde::Deserialize, Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TlbStats {
    /// Accesses that found their translation.
    pub hits: u64,
    /// Accesses that did not, each of which walked the page table.
    pub misses: u64,
    /// Walks that found a leaf and filled an entry (`misses - walks` walks failed).
    pub walks: u64,
    /// Cycles of all walks, failed ones included: the sum of the PTE reads' charges.
    pub walk_cycles: u64,
    /// SFENCE.VMA flushes of any form.
    pub flushes: u64,
}

impl TlbStats {
    /// All translated accesses.
    pub fn accesses(&self) -> u64 {
        self.hits + self.misses
    }
}

/// Sv39 page-table levels.
const LEVELS: usize = 3;
/// PTE bits.
const PTE_V: u64 = 1 << 0;
const PTE_R: u64 = 1 << 1;
const PTE_W: u64 = 1 << 2;
const PTE_X: u64 = 1 << 3;
const PTE_G: u64 = 1 << 5;
/// A PPN field (of satp, or of a PTE shifted right by 10).
const PPN_MASK: u64 = (1 << 44) - 1;
/// The ASID field of satp, after shifting right by [`SATP_ASID_SHIFT`].
const SATP_ASID_SHIFT: u32 = 44;

/// Shift from a virtual address to its page number at `level`.
#[inline(always)]
const fn shift(level: usize) -> u32 {
    12 + 9 * level as u32
}

/// The ASID field of `satp`.
#[inline(always)]
const fn asid_of(satp: u64) -> u16 {
    (satp >> SATP_ASID_SHIFT) as u16
}

/// Page number of an empty way: never equal to a page number (`va >> 12 < 2^52`).
const NO_VPN: u64 = u64::MAX;

/// One TLB entry (tags only).
#[derive(serde::Serialize, serde::Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
struct Entry {
    /// `va >> shift(level)` of the page mapped, [`NO_VPN`] for an empty way.
    vpn: u64,
    /// ASID it was filled under (ignored when `global`).
    asid: u16,
    /// Page size: 0 = 4 KiB, 1 = 2 MiB, 2 = 1 GiB.
    level: u8,
    /// Matches every ASID.
    global: bool,
}

const EMPTY: Entry = Entry {
    vpn: NO_VPN,
    asid: 0,
    level: 0,
    global: false,
};

impl Entry {
    /// Whether the entry maps `va` (in some address space). Never true for an empty way.
    #[inline(always)]
    fn maps(&self, va: u64) -> bool {
        va >> shift(self.level as usize) == self.vpn
    }

    /// Whether the entry translates `va` in address space `asid`.
    #[inline(always)]
    fn matches(&self, va: u64, asid: u16) -> bool {
        self.maps(va) && (self.global || self.asid == asid)
    }

    /// Whether the way is empty.
    #[inline(always)]
    fn is_empty(&self) -> bool {
        self.vpn == NO_VPN
    }
}

/// Memo shift and page number that no address matches (`va >> 63` is 0 or 1).
const NO_MEMO_SHIFT: u32 = 63;
const NO_MEMO_VPN: u64 = u64::MAX;

/// The timing model of one TLB.
#[derive(serde::Serialize, serde::Deserialize)]
pub struct TlbModel {
    /// Page number (at `memo_shift`) of the entry that last hit or was filled, which is
    /// the most recently used of its set; [`NO_MEMO_VPN`] when there is none.
    memo_vpn: u64,
    /// `shift(level)` of that entry, [`NO_MEMO_SHIFT`] when there is none.
    memo_shift: u32,
    /// The satp it was used under (stricter than its ASID, and one less extraction).
    memo_satp: u64,
    /// `sets * ways` entries, set after set, each set from most to least recently used,
    /// empty ways last.
    entries: Box<[Entry]>,
    ways: usize,
    set_mask: u64,
    /// Valid entries of each page size, so lookups skip sizes the TLB does not hold.
    per_level: [u32; LEVELS],
    stats: TlbStats,
    cfg: TlbConfig,
}

impl TlbModel {
    /// An empty TLB.
    pub fn new(cfg: &TlbConfig) -> Result<Self, TlbConfigError> {
        cfg.validate()?;
        Ok(Self {
            memo_vpn: NO_MEMO_VPN,
            memo_shift: NO_MEMO_SHIFT,
            memo_satp: 0,
            entries: vec![EMPTY; cfg.entries as usize].into_boxed_slice(),
            ways: cfg.ways as usize,
            set_mask: cfg.sets() as u64 - 1,
            per_level: [0; LEVELS],
            stats: TlbStats::default(),
            cfg: cfg.clone(),
        })
    }

    /// Timing of one translated access to virtual address `va` under `satp` (mode Sv39,
    /// ASID in bits 59:44, root PPN in bits 43:0; the caller calls only when translation is
    /// active). Returns 0 on a hit.
    ///
    /// On a miss, walks the Sv39 table for timing only: from the root, for levels 2, 1, 0,
    /// reads the PTE at `table + vpn[level] * 8` with `read_pte(pte_paddr)` and adds
    /// `charge(pte_paddr)` cycles for it (a read that fails, `None`, is not charged: the walk
    /// stops there, and `charge` only ever sees addresses `read_pte` accepted). The walk
    /// stops at the first leaf (R or X set), and fails at a PTE that is not valid (V clear),
    /// is reserved (W without R), is a pointer at level 0 or is a misaligned superpage, and
    /// at a read failure. A successful walk fills an entry for the leaf's page size, global
    /// if G is set in the leaf or any pointer PTE on the way, evicting the least recently
    /// used entry of its set; a failed one fills nothing. Either way the walk's cycles
    /// (saturating) are returned.
    #[inline]
    pub fn access(
        &mut self,
        va: u64,
        satp: u64,
        read_pte: impl FnMut(u64) -> Option<u64>,
        charge: impl FnMut(u64) -> u32,
    ) -> u32 {
        // Same page and satp as the last hit or fill: that entry is present and already the
        // most recently used of its set. One compare of the or-ed differences.
        if ((va >> self.memo_shift) ^ self.memo_vpn) | (satp ^ self.memo_satp) == 0 {
            self.stats.hits += 1;
            return 0;
        }
        self.access_slow(va, satp, read_pte, charge)
    }

    /// Whether an access to `va` under `satp` would hit (no walk), without changing recency
    /// or counters.
    #[inline]
    pub fn serves(&self, va: u64, satp: u64) -> bool {
        ((va >> self.memo_shift) ^ self.memo_vpn) | (satp ^ self.memo_satp) == 0
            || self.find(va, asid_of(satp)).is_some()
    }

    /// [`Self::access`] if it hits (returning true); otherwise false, changing nothing.
    #[inline]
    pub fn access_if_hit(&mut self, va: u64, satp: u64) -> bool {
        if ((va >> self.memo_shift) ^ self.memo_vpn) | (satp ^ self.memo_satp) == 0 {
            self.stats.hits += 1;
            return true;
        }
        let Some(i) = self.find(va, asid_of(satp)) else {
            return false;
        };
        let level = self.entries[i].level as usize;
        self.touch(i);
        self.stats.hits += 1;
        self.set_memo(va, satp, level);
        true
    }

    /// SFENCE.VMA: `(None, None)` flushes every entry; `(Some(va), None)` the entries mapping
    /// `va` in every address space, global ones included; `(None, Some(asid))` the non-global
    /// entries of `asid`; `(Some(va), Some(asid))` the non-global entries of `asid` mapping
    /// `va`. An entry maps `va` if its page, of whatever size, contains it.
    pub fn flush(&mut self, va: Option<u64>, asid: Option<u16>) {
        self.stats.flushes += 1;
        self.clear_memo();
        match (va, asid) {
            (None, None) => {
                self.entries.fill(EMPTY);
                self.per_level = [0; LEVELS];
            }
            (Some(va), None) => self.remove_mapping(va, |e| e.maps(va)),
            (None, Some(asid)) => {
                for base in (0..self.entries.len()).step_by(self.ways) {
                    self.remove_where(base, |e| !e.global && e.asid == asid);
                }
            }
            (Some(va), Some(asid)) => {
                self.remove_mapping(va, |e| !e.global && e.asid == asid && e.maps(va))
            }
        }
    }

    /// Counters so far.
    pub fn stats(&self) -> TlbStats {
        self.stats
    }

    /// Zero the counters (the entries are untouched).
    pub fn reset_stats(&mut self) {
        self.stats = TlbStats::default();
    }

    /// The geometry.
    pub fn config(&self) -> &TlbConfig {
        &self.cfg
    }

    /// An access the memo did not cover: look up, and walk and fill on a miss.
    #[inline(never)]
    fn access_slow(
        &mut self,
        va: u64,
        satp: u64,
        read_pte: impl FnMut(u64) -> Option<u64>,
        charge: impl FnMut(u64) -> u32,
    ) -> u32 {
        let asid = asid_of(satp);
        if let Some(i) = self.find(va, asid) {
            let level = self.entries[i].level as usize;
            self.touch(i);
            self.stats.hits += 1;
            self.set_memo(va, satp, level);
            return 0;
        }
        self.stats.misses += 1;
        let (cycles, leaf) = walk(va, satp, read_pte, charge);
        self.stats.walk_cycles += cycles as u64;
        if let Some((level, global)) = leaf {
            self.stats.walks += 1;
            self.fill(va, asid, level, global);
            // The fill may have evicted the remembered entry; remember the new one instead.
            self.set_memo(va, satp, level);
        }
        cycles
    }

    /// Index in `entries` of the first way of the set a page of size `level` holding `va`
    /// lives in.
    #[inline(always)]
    fn base(&self, va: u64, level: usize) -> usize {
        ((va >> shift(level)) & self.set_mask) as usize * self.ways
    }

    /// The sets a page holding `va` may live in, one per page size the TLB holds, without
    /// repeats; `usize::MAX` marks unused slots.
    #[inline(always)]
    fn candidate_sets(&self, va: u64) -> [usize; LEVELS] {
        let mut sets = [usize::MAX; LEVELS];
        for (level, &count) in self.per_level.iter().enumerate() {
            let base = self.base(va, level);
            if count != 0 && !sets.contains(&base) {
                sets[level] = base;
            }
        }
        sets
    }

    /// Index of the entry translating `va` in address space `asid`, without changing
    /// recency.
    fn find(&self, va: u64, asid: u16) -> Option<usize> {
        for base in self.candidate_sets(va) {
            if base == usize::MAX {
                continue;
            }
            for (i, e) in self.entries[base..base + self.ways].iter().enumerate() {
                if e.is_empty() {
                    break;
                }
                if e.matches(va, asid) {
                    return Some(base + i);
                }
            }
        }
        None
    }

    /// Make the entry at index `i` the most recently used of its set.
    #[inline(always)]
    fn touch(&mut self, i: usize) {
        let base = i - i % self.ways;
        let e = self.entries[i];
        self.entries.copy_within(base..i, base + 1);
        self.entries[base] = e;
    }

    /// Put a page of size `level` holding `va` at the front of its set, dropping the least
    /// recently used way.
    fn fill(&mut self, va: u64, asid: u16, level: usize, global: bool) {
        let base = self.base(va, level);
        let last = base + self.ways - 1;
        let victim = self.entries[last];
        if !victim.is_empty() {
            self.per_level[victim.level as usize] -= 1;
        }
        self.entries.copy_within(base..last, base + 1);
        self.entries[base] = Entry {
            vpn: va >> shift(level),
            asid,
            level: level as u8,
            global,
        };
        self.per_level[level] += 1;
    }

    /// Remove the entries mapping `va` for which `pred` holds.
    fn remove_mapping(&mut self, va: u64, pred: impl Fn(&Entry) -> bool) {
        for base in self.candidate_sets(va) {
            if base != usize::MAX {
                self.remove_where(base, &pred);
            }
        }
    }

    /// Remove the entries of the set starting at `base` for which `pred` holds, keeping the
    /// others in recency order at the front.
    fn remove_where(&mut self, base: usize, pred: impl Fn(&Entry) -> bool) {
        let end = base + self.ways;
        let mut kept = base;
        for i in base..end {
            let e = self.entries[i];
            if e.is_empty() {
                break;
            }
            if pred(&e) {
                self.per_level[e.level as usize] -= 1;
            } else {
                self.entries[kept] = e;
                kept += 1;
            }
        }
        for e in &mut self.entries[kept..end] {
            if e.is_empty() {
                break;
            }
            *e = EMPTY;
        }
    }

    #[inline(always)]
    fn set_memo(&mut self, va: u64, satp: u64, level: usize) {
        self.memo_shift = shift(level);
        self.memo_vpn = va >> self.memo_shift;
        self.memo_satp = satp;
    }

    #[inline(always)]
    fn clear_memo(&mut self) {
        self.memo_vpn = NO_MEMO_VPN;
        self.memo_shift = NO_MEMO_SHIFT;
    }
}

/// Walk the Sv39 table of `satp` for `va`, for timing: returns the cycles charged and, if the
/// walk found a leaf, its level and whether it is global (see [`TlbModel::access`]).
fn walk(
    va: u64,
    satp: u64,
    mut read_pte: impl FnMut(u64) -> Option<u64>,
    mut charge: impl FnMut(u64) -> u32,
) -> (u32, Option<(usize, bool)>) {
    let mut table = (satp & PPN_MASK) << 12;
    let mut cycles = 0u32;
    let mut global = false;
    for level in (0..LEVELS).rev() {
        let addr = table + ((va >> shift(level)) & 0x1ff) * 8;
        let Some(pte) = read_pte(addr) else {
            return (cycles, None);
        };
        cycles = cycles.saturating_add(charge(addr));
        if pte & PTE_V == 0 || pte & (PTE_R | PTE_W) == PTE_W {
            return (cycles, None);
        }
        global |= pte & PTE_G != 0;
        let ppn = (pte >> 10) & PPN_MASK;
        if pte & (PTE_R | PTE_X) != 0 {
            // A superpage's PPN must be aligned to its size.
            if ppn & ((1 << (9 * level)) - 1) != 0 {
                return (cycles, None);
            }
            return (cycles, Some((level, global)));
        }
        table = ppn << 12;
    }
    // A pointer at level 0.
    (cycles, None)
}

#[cfg(test)]
impl TlbModel {
    /// Forget the remembered entry, forcing the next access down the full path.
    fn forget_memo(&mut self) {
        self.clear_memo();
    }

    /// Whether an entry translates `va` in address space `asid` (no state changes).
    fn holds(&self, va: u64, asid: u16) -> bool {
        self.find(va, asid).is_some()
    }

    /// Valid entries.
    fn len(&self) -> usize {
        self.entries.iter().filter(|e| !e.is_empty()).count()
    }

    /// Check the structural invariants lookups and the memo rely on.
    fn check_invariants(&self) {
        let mut per_level = [0; LEVELS];
        for (s, set) in self.entries.chunks(self.ways).enumerate() {
            let valid = set.iter().take_while(|e| !e.is_empty()).count();
            assert!(set[valid..].iter().all(|e| *e == EMPTY), "set {s}: hole");
            for (i, e) in set[..valid].iter().enumerate() {
                assert!((e.level as usize) < LEVELS);
                // Each entry lives in the set its own page number selects.
                assert_eq!(e.vpn & self.set_mask, s as u64, "entry {e:?} in set {s}");
                // No duplicate translation (fills happen only on misses).
                assert!(!set[i + 1..valid].contains(e), "set {s}: {e:?} twice");
                per_level[e.level as usize] += 1;
            }
        }
        assert_eq!(per_level, self.per_level);
        if self.memo_shift != NO_MEMO_SHIFT {
            let level = (self.memo_shift - 12) as usize / 9;
            let va = self.memo_vpn << self.memo_shift;
            let base = self.base(va, level);
            let front = self.entries[base];
            assert!(
                front.matches(va, asid_of(self.memo_satp)) && front.level as usize == level,
                "remembered page not most recently used in its set"
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    const KIB4: u64 = 1 << 12;
    const MIB2: u64 = 1 << 21;
    const GIB1: u64 = 1 << 30;
    const RAM: std::ops::Range<u64> = 0x8000_0000..0x9000_0000;
    const LEAF: u64 = PTE_V | PTE_R | PTE_W | PTE_X | (1 << 6) | (1 << 7); // RWX, A, D
    const MODE_SV39: u64 = 8 << 60;

    fn satp(asid: u16, root: u64) -> u64 {
        MODE_SV39 | ((asid as u64) << 44) | (root >> 12)
    }

    fn cfg(entries: u32, ways: u32) -> TlbConfig {
        TlbConfig { entries, ways }
    }

    fn tlb(entries: u32, ways: u32) -> TlbModel {
        TlbModel::new(&cfg(entries, ways)).unwrap()
    }

    /// Address of the PTE for `va` at `level` in `table`.
    fn pte_addr(table: u64, va: u64, level: usize) -> u64 {
        table + ((va >> shift(level)) & 0x1ff) * 8
    }

    /// An address-dependent PTE read cost, so sums check which PTEs were charged.
    fn cost(addr: u64) -> u32 {
        10 + ((addr >> 3) & 0x3f) as u32
    }

    /// Fake physical memory holding page tables; absent words in RAM read as 0, reads outside
    /// RAM fail.
    struct Mem {
        words: HashMap<u64, u64>,
        next_table: u64,
    }

    impl Mem {
        fn new() -> Self {
            Self {
                words: HashMap::new(),
                next_table: 0x8010_0000,
            }
        }

        fn read(&self, addr: u64) -> Option<u64> {
            RAM.contains(&addr)
                .then(|| self.words.get(&addr).copied().unwrap_or(0))
        }

        /// A fresh, empty page table.
        fn table(&mut self) -> u64 {
            let t = self.next_table;
            self.next_table += KIB4;
            t
        }

        /// Map the page of size `level` holding `va` to `pa` in the tree at `root`, with
        /// `leaf` as the leaf's flags and `ptr` or-ed into pointer PTEs it creates.
        fn map_with(&mut self, root: u64, va: u64, pa: u64, level: usize, leaf: u64, ptr: u64) {
            let mut table = root;
            for l in (level + 1..LEVELS).rev() {
                let a = pte_addr(table, va, l);
                match self.words.get(&a) {
                    Some(&pte) if pte & PTE_V != 0 => table = ((pte >> 10) & PPN_MASK) << 12,
                    _ => {
                        let t = self.table();
                        self.words.insert(a, ((t >> 12) << 10) | PTE_V | ptr);
                        table = t;
                    }
                }
            }
            self.words
                .insert(pte_addr(table, va, level), ((pa >> 12) << 10) | leaf);
        }

        fn map(&mut self, root: u64, va: u64, level: usize) {
            let pa = (0x8800_0000 + (va & (GIB1 - 1))) & !((1 << shift(level)) - 1);
            self.map_with(root, va, pa, level, LEAF, 0);
        }

        /// The PTE addresses a walk for `va` reads, root first.
        fn walk_addrs(&self, root: u64, va: u64) -> Vec<u64> {
            let mut table = root;
            let mut out = vec![];
            for l in (0..LEVELS).rev() {
                let a = pte_addr(table, va, l);
                out.push(a);
                let Some(pte) = self.read(a) else { break };
                if pte & PTE_V == 0 || pte & (PTE_R | PTE_X) != 0 {
                    break;
                }
                table = ((pte >> 10) & PPN_MASK) << 12;
            }
            out
        }
    }

    /// One access through `mem`, charging [`cost`].
    fn acc(t: &mut TlbModel, mem: &Mem, va: u64, satp: u64) -> u32 {
        let r = t.access(va, satp, |a| mem.read(a), cost);
        t.check_invariants();
        r
    }

    /// The cycles of a full walk for `va` in the tree at `root`.
    fn walk_cost(mem: &Mem, root: u64, va: u64) -> u32 {
        mem.walk_addrs(root, va).into_iter().map(cost).sum()
    }

    /// One address space with root `root` and ASID `asid`.
    fn space(mem: &mut Mem, asid: u16) -> (u64, u64) {
        let root = mem.table();
        (root, satp(asid, root))
    }

    #[test]
    fn default_is_32_entries_fully_associative() {
        let c = TlbConfig::default();
        assert_eq!(c, cfg(32, 32));
        let t = TlbModel::new(&c).unwrap();
        assert_eq!(t.config(), &c);
        assert_eq!(t.stats(), TlbStats::default());
        assert_eq!(t.entries.len(), 32);
        assert_eq!(t.set_mask, 0);
    }

    #[test]
    fn config_validation_names_the_parameter() {
        for (entries, ways) in [(1, 1), (32, 32), (32, 1), (8, 2), (4096, 4), (4096, 4096)] {
            assert_eq!(cfg(entries, ways).validate(), Ok(()), "{entries}/{ways}");
            assert!(TlbModel::new(&cfg(entries, ways)).is_ok());
        }
        let err = |entries, ways| TlbModel::new(&cfg(entries, ways)).err().unwrap();
        assert_eq!(
            err(0, 1),
            TlbConfigError::OutOfRange {
                param: "entries",
                value: 0,
                min: 1,
                max: 4096
            }
        );
        assert_eq!(
            err(8192, 8192),
            TlbConfigError::OutOfRange {
                param: "entries",
                value: 8192,
                min: 1,
                max: 4096
            }
        );
        assert_eq!(
            err(48, 48),
            TlbConfigError::NotPowerOfTwo {
                param: "entries",
                value: 48
            }
        );
        assert_eq!(
            err(32, 0),
            TlbConfigError::NotPowerOfTwo {
                param: "ways",
                value: 0
            }
        );
        assert_eq!(
            err(32, 3),
            TlbConfigError::NotPowerOfTwo {
                param: "ways",
                value: 3
            }
        );
        assert_eq!(
            err(32, 64),
            TlbConfigError::WaysDoNotDivideEntries {
                ways: 64,
                entries: 32
            }
        );
        assert_eq!(err(0, 1).param(), "entries");
        assert_eq!(err(48, 48).param(), "entries");
        assert_eq!(err(32, 3).param(), "ways");
        assert_eq!(err(32, 64).param(), "ways");
        assert_eq!(
            err(5000, 1).to_string(),
            "TLB entries = 5000 is out of range 1..=4096"
        );
        assert_eq!(
            err(48, 48).to_string(),
            "TLB entries = 48 is not a power of two"
        );
        assert_eq!(err(32, 6).to_string(), "TLB ways = 6 is not a power of two");
        assert_eq!(
            err(16, 32).to_string(),
            "TLB ways = 32 does not divide entries = 16"
        );
    }

    #[test]
    fn a_4k_miss_reads_three_ptes_and_charges_each() {
        let mut mem = Mem::new();
        let (root, s) = space(&mut mem, 1);
        let va = 0x12_3456_7000;
        mem.map(root, va, 0);
        let mut t = TlbModel::new(&TlbConfig::default()).unwrap();
        let mut charged = vec![];
        let c = t.access(
            va + 0x123,
            s,
            |a| mem.read(a),
            |a| {
                charged.push(a);
                cost(a)
            },
        );
        let expected = mem.walk_addrs(root, va);
        assert_eq!(expected.len(), 3);
        assert_eq!(expected[0], pte_addr(root, va, 2));
        assert_eq!(charged, expected);
        assert_eq!(c, expected.iter().map(|&a| cost(a)).sum::<u32>());
        // Anywhere in the page hits, at no cost and without reading anything.
        for off in [0, 8, 0xff8, 0x800] {
            assert_eq!(
                t.access(
                    va + off,
                    s,
                    |_| panic!("read on a hit"),
                    |_| panic!("charge on a hit")
                ),
                0
            );
        }
        // The next page misses.
        assert_eq!(
            acc(&mut t, &mem, va + KIB4, s),
            walk_cost(&mem, root, va + KIB4)
        );
        assert_eq!(
            t.stats(),
            TlbStats {
                hits: 4,
                misses: 2,
                walks: 1,
                walk_cycles: (c + walk_cost(&mem, root, va + KIB4)) as u64,
                flushes: 0
            }
        );
        assert_eq!(t.stats().accesses(), 6);
    }

    #[test]
    fn hits_off_the_memo_count_too() {
        let mut mem = Mem::new();
        let (root, s) = space(&mut mem, 3);
        let pages: Vec<u64> = (0..8).map(|i| 0x4000_0000 + i * KIB4).collect();
        for &p in &pages {
            mem.map(root, p, 0);
        }
        let mut t = tlb(32, 32);
        for &p in &pages {
            assert!(acc(&mut t, &mem, p, s) > 0);
        }
        // Alternating pages defeat the memo; all hit.
        for _ in 0..3 {
            for &p in &pages {
                assert_eq!(acc(&mut t, &mem, p + 0x10, s), 0);
            }
        }
        assert_eq!(
            (t.stats().hits, t.stats().misses, t.stats().walks),
            (24, 8, 8)
        );
    }

    #[test]
    fn a_2m_page_takes_two_reads_and_covers_512_pages() {
        let mut mem = Mem::new();
        let (root, s) = space(&mut mem, 1);
        let va = 0x7_4000_0000 + 5 * MIB2;
        mem.map(root, va, 1);
        let mut t = tlb(32, 32);
        let mut reads = 0;
        let c = t.access(
            va + 0x1_2345,
            s,
            |a| mem.read(a),
            |a| {
                reads += 1;
                cost(a)
            },
        );
        assert_eq!(reads, 2);
        assert_eq!(c, walk_cost(&mem, root, va));
        for page in 0..512 {
            assert_eq!(acc(&mut t, &mem, va + page * KIB4 + 0x18, s), 0);
        }
        // Just outside misses (and fails: nothing is mapped there).
        assert!(acc(&mut t, &mem, va + MIB2, s) > 0);
        assert!(acc(&mut t, &mem, va - 8, s) > 0);
        assert_eq!(t.stats().hits, 512);
        assert_eq!(t.stats().misses, 3);
        assert_eq!(t.stats().walks, 1);
        assert_eq!(t.len(), 1);
        assert_eq!(t.per_level, [0, 1, 0]);
    }

    #[test]
    fn a_1g_page_takes_one_read() {
        let mut mem = Mem::new();
        let (root, s) = space(&mut mem, 1);
        let va = 2 * GIB1;
        mem.map(root, va, 2);
        let mut t = tlb(32, 32);
        let mut charged = vec![];
        let c = t.access(
            va,
            s,
            |a| mem.read(a),
            |a| {
                charged.push(a);
                cost(a)
            },
        );
        assert_eq!(charged, vec![pte_addr(root, va, 2)]);
        assert_eq!(c, cost(charged[0]));
        for i in 0..1000u64 {
            assert_eq!(acc(&mut t, &mem, va + i * 0x10_0003 % GIB1, s), 0);
        }
        assert_eq!(t.per_level, [0, 0, 1]);
    }

    #[test]
    fn failed_walks_fill_nothing_and_cost_what_they_read() {
        let mut mem = Mem::new();
        let (root, s) = space(&mut mem, 1);
        let mut t = tlb(32, 32);
        // Empty root: one read of an invalid PTE.
        let va = 0x1000_0000;
        assert_eq!(acc(&mut t, &mem, va, s), cost(pte_addr(root, va, 2)));
        // Invalid at level 1: two reads; at level 0: three.
        mem.map(root, va + 4 * MIB2, 0);
        assert_eq!(mem.walk_addrs(root, va).len(), 2);
        assert_eq!(acc(&mut t, &mem, va, s), walk_cost(&mem, root, va));
        assert_eq!(mem.walk_addrs(root, va + 4 * MIB2 + KIB4).len(), 3);
        assert_eq!(
            acc(&mut t, &mem, va + 4 * MIB2 + KIB4, s),
            walk_cost(&mem, root, va + 4 * MIB2 + KIB4)
        );
        assert_eq!(t.len(), 0);
        // Each retry walks again.
        assert!(acc(&mut t, &mem, va, s) > 0);
        // A read failure (root outside RAM) charges nothing, and the charge never sees it.
        let bad = satp(1, 0x4000_0000);
        assert_eq!(
            t.access(
                va,
                bad,
                |a| mem.read(a),
                |_| panic!("charged a failed read")
            ),
            0
        );
        // A pointer outside RAM: the root read is charged, the failed one is not.
        let va2 = 0x2_0000_0000;
        mem.words
            .insert(pte_addr(root, va2, 2), ((0x4000_0000 >> 12) << 10) | PTE_V);
        assert_eq!(acc(&mut t, &mem, va2, s), cost(pte_addr(root, va2, 2)));
        // Reserved W-without-R leaf, a pointer at level 0 and a misaligned 2 MiB page.
        let va3 = 0x3000_0000;
        mem.map_with(root, va3, 0x8800_0000, 0, PTE_V | PTE_W, 0);
        assert_eq!(acc(&mut t, &mem, va3, s), walk_cost(&mem, root, va3));
        let va4 = va3 + KIB4;
        mem.map_with(root, va4, 0x8800_0000, 0, PTE_V, 0);
        assert_eq!(acc(&mut t, &mem, va4, s), walk_cost(&mem, root, va4));
        let va5 = va3 + MIB2;
        mem.map_with(root, va5, 0x8800_1000, 1, LEAF, 0);
        assert_eq!(acc(&mut t, &mem, va5, s), walk_cost(&mem, root, va5));
        assert_eq!(t.len(), 0);
        let st = t.stats();
        assert_eq!((st.hits, st.misses, st.walks), (0, 9, 0));
        // Walk cycles count failed walks too.
        assert!(st.walk_cycles > 0);
        // The walk's sum saturates instead of overflowing.
        mem.map(root, va, 0);
        assert_eq!(t.access(va, s, |a| mem.read(a), |_| u32::MAX / 2), u32::MAX);
        assert_eq!(t.stats().walks, 1);
        assert_eq!(t.stats().walk_cycles, st.walk_cycles + u32::MAX as u64);
    }

    #[test]
    fn asids_keep_address_spaces_apart() {
        let mut mem = Mem::new();
        let (r1, s1) = space(&mut mem, 1);
        let (r2, s2) = space(&mut mem, 2);
        let va = 0x40_0000;
        mem.map(r1, va, 0);
        mem.map(r2, va, 0);
        let mut t = tlb(32, 32);
        assert!(acc(&mut t, &mem, va, s1) > 0);
        assert!(t.holds(va, 1) && !t.holds(va, 2));
        // Same va, other ASID: misses, walking the other tree.
        assert_eq!(acc(&mut t, &mem, va, s2), walk_cost(&mem, r2, va));
        // Both stay: switching satp back and forth needs no flush and walks no more.
        for _ in 0..3 {
            assert_eq!(acc(&mut t, &mem, va, s1), 0);
            assert_eq!(acc(&mut t, &mem, va, s2), 0);
        }
        assert_eq!((t.stats().misses, t.stats().hits), (2, 6));
        // A different root under the same ASID is the same address space to the TLB.
        assert_eq!(acc(&mut t, &mem, va, satp(1, r2)), 0);
        // ASID 0 is an ordinary ASID.
        assert!(acc(&mut t, &mem, va, satp(0, r1)) > 0);
        assert_eq!(t.len(), 3);
    }

    #[test]
    fn global_entries_hit_in_every_address_space() {
        let mut mem = Mem::new();
        let (r1, s1) = space(&mut mem, 1);
        let (r2, s2) = space(&mut mem, 2);
        let kernel = 0x3f_c000_0000; // a 1 GiB kernel page
        let kpage = 0x3f_8000_0000; // a 4 KiB page under a global pointer
        for r in [r1, r2] {
            mem.map_with(r, kernel, 0x8000_0000, 2, LEAF | PTE_G, 0);
        }
        mem.map_with(r1, kpage, 0x8020_0000, 0, LEAF, PTE_G);
        let user = 0x1_0000;
        mem.map(r1, user, 0);
        mem.map(r2, user, 0);
        let mut t = tlb(32, 32);
        assert!(acc(&mut t, &mem, kernel + 0x1234, s1) > 0);
        assert!(acc(&mut t, &mem, kpage, s1) > 0);
        assert!(acc(&mut t, &mem, user, s1) > 0);
        // Under ASID 2 (and 7, whose tree is never read) the global pages hit; the user page
        // does not.
        for s in [s2, satp(7, 0x4000_0000)] {
            assert_eq!(acc(&mut t, &mem, kernel + 0x3000_0000, s), 0);
            assert_eq!(acc(&mut t, &mem, kpage + 0x800, s), 0);
        }
        assert!(acc(&mut t, &mem, user, s2) > 0);
        assert!(t.entries.iter().filter(|e| e.global).count() == 2);
    }

    #[test]
    fn flush_all() {
        let mut mem = Mem::new();
        let (r1, s1) = space(&mut mem, 1);
        mem.map_with(r1, GIB1, 0x8000_0000, 2, LEAF | PTE_G, 0);
        for i in 0..4 {
            mem.map(r1, i * KIB4, 0);
        }
        let mut t = tlb(32, 32);
        for va in [GIB1, 0, KIB4, 2 * KIB4, 3 * KIB4] {
            acc(&mut t, &mem, va, s1);
        }
        assert_eq!(t.len(), 5);
        t.flush(None, None);
        t.check_invariants();
        assert_eq!(t.len(), 0);
        assert_eq!(t.per_level, [0; LEVELS]);
        for va in [GIB1, 0, KIB4] {
            assert!(acc(&mut t, &mem, va, s1) > 0);
        }
        assert_eq!(t.stats().flushes, 1);
    }

    /// A TLB holding, in ASIDs 1 and 2: a private page at `va`, a global page at `gva`, a
    /// private page at `other`, and a global 2 MiB page at `big`.
    struct Flushed {
        mem: Mem,
        s: [u64; 2],
        t: TlbModel,
    }

    const VA: u64 = 0x5000;
    const GVA: u64 = 0x3f_8000_0000;
    const OTHER: u64 = 0x9000;
    const BIG: u64 = 0x20_0000 * 40;

    fn flushed(entries: u32, ways: u32) -> Flushed {
        let mut mem = Mem::new();
        let (r1, s1) = space(&mut mem, 1);
        let (r2, s2) = space(&mut mem, 2);
        for r in [r1, r2] {
            mem.map(r, VA, 0);
            mem.map(r, OTHER, 0);
            mem.map_with(r, GVA, 0x8040_0000, 0, LEAF | PTE_G, 0);
            mem.map_with(r, BIG, 0x8060_0000, 1, LEAF | PTE_G, 0);
        }
        let mut t = tlb(entries, ways);
        for s in [s1, s2] {
            for va in [VA, GVA, OTHER, BIG] {
                acc(&mut t, &mem, va, s);
            }
        }
        // Two private pages per ASID and two global ones.
        assert_eq!(t.len(), 6);
        Flushed {
            mem,
            s: [s1, s2],
            t,
        }
    }

    impl Flushed {
        fn holds(&self) -> [[bool; 4]; 2] {
            [1, 2].map(|asid| [VA, GVA, OTHER, BIG].map(|va| self.t.holds(va, asid)))
        }
    }

    const ALL: [bool; 4] = [true; 4];

    #[test]
    fn flush_va_every_asid_including_global() {
        for (entries, ways) in [(32, 32), (32, 2), (64, 4)] {
            let mut f = flushed(entries, ways);
            assert_eq!(f.holds(), [ALL; 2], "{entries}/{ways}");
            f.t.flush(Some(VA + 0x10), None);
            f.t.check_invariants();
            assert_eq!(f.holds(), [[false, true, true, true]; 2]);
            f.t.flush(Some(GVA), None);
            assert_eq!(f.holds(), [[false, false, true, true]; 2]);
            // Any address inside a superpage flushes it.
            f.t.flush(Some(BIG + MIB2 - 8), None);
            f.t.check_invariants();
            assert_eq!(f.holds(), [[false, false, true, false]; 2]);
            assert_eq!(f.t.len(), 2);
            assert_eq!(f.t.stats().flushes, 3);
            // An address mapped by nothing flushes nothing.
            f.t.flush(Some(0x7777_0000), None);
            assert_eq!(f.t.len(), 2);
            let cold = acc(&mut f.t, &f.mem, VA, f.s[0]);
            assert!(cold > 0);
        }
    }

    #[test]
    fn flush_asid_keeps_globals_and_other_asids() {
        for (entries, ways) in [(32, 32), (32, 2), (64, 4)] {
            let mut f = flushed(entries, ways);
            f.t.flush(None, Some(1));
            f.t.check_invariants();
            assert_eq!(
                f.holds(),
                [[false, true, false, true], ALL],
                "{entries}/{ways}"
            );
            assert!(!f
                .t
                .entries
                .iter()
                .any(|e| !e.is_empty() && !e.global && e.asid == 1));
            // Globals still hit under ASID 1.
            assert_eq!(acc(&mut f.t, &f.mem, GVA, f.s[0]), 0);
            assert_eq!(acc(&mut f.t, &f.mem, BIG + 0x1000, f.s[0]), 0);
            assert!(acc(&mut f.t, &f.mem, OTHER, f.s[0]) > 0);
            // An ASID with no entries flushes nothing.
            let n = f.t.len();
            f.t.flush(None, Some(9));
            assert_eq!(f.t.len(), n);
        }
    }

    #[test]
    fn flush_va_and_asid_hits_only_private_entries_of_that_asid() {
        for (entries, ways) in [(32, 32), (32, 2), (64, 4)] {
            let mut f = flushed(entries, ways);
            f.t.flush(Some(VA), Some(2));
            f.t.check_invariants();
            assert_eq!(
                f.holds(),
                [ALL, [false, true, true, true]],
                "{entries}/{ways}"
            );
            // Global pages survive an ASID-specific fence on their address.
            f.t.flush(Some(GVA), Some(2));
            f.t.flush(Some(BIG), Some(1));
            assert_eq!(f.holds(), [ALL, [false, true, true, true]]);
            f.t.flush(Some(OTHER + 0xfff), Some(1));
            f.t.check_invariants();
            assert_eq!(
                f.holds(),
                [[true, true, false, true], [false, true, true, true]]
            );
            assert_eq!(f.t.stats().flushes, 4);
        }
    }

    #[test]
    fn lru_eviction_fully_associative() {
        let mut mem = Mem::new();
        let (root, s) = space(&mut mem, 1);
        let page = |i: u64| 0x100_0000 + i * KIB4;
        for i in 0..8 {
            mem.map(root, page(i), 0);
        }
        let mut t = tlb(4, 4);
        for i in 0..4 {
            assert!(acc(&mut t, &mem, page(i), s) > 0);
        }
        // Recency now 3 2 1 0; touching 0 and 2 makes it 2 0 3 1.
        assert_eq!(acc(&mut t, &mem, page(0), s), 0);
        assert_eq!(acc(&mut t, &mem, page(2), s), 0);
        assert!(acc(&mut t, &mem, page(4), s) > 0); // evicts 1
        assert!(!t.holds(page(1), 1));
        assert!(acc(&mut t, &mem, page(5), s) > 0); // evicts 3
        assert!(!t.holds(page(3), 1));
        for i in [0, 2, 4, 5] {
            assert!(t.holds(page(i), 1), "page {i}");
        }
        // 5 4 2 0: the next two fills evict 0, then 2.
        assert!(acc(&mut t, &mem, page(6), s) > 0);
        assert!(!t.holds(page(0), 1) && t.holds(page(2), 1));
        assert!(acc(&mut t, &mem, page(7), s) > 0);
        assert!(!t.holds(page(2), 1));
        // A superpage competes for the same entries: it evicts 4, the LRU.
        let big = 0x2_0000_0000;
        mem.map(root, big, 1);
        assert!(acc(&mut t, &mem, big, s) > 0);
        assert!(!t.holds(page(4), 1));
        for i in [5, 6, 7] {
            assert!(t.holds(page(i), 1), "page {i}");
        }
        assert_eq!(t.per_level, [3, 1, 0]);
        // A cyclic sweep one page larger than the TLB misses every time.
        let mut t = tlb(4, 4);
        for _ in 0..3 {
            for i in 0..5 {
                assert!(acc(&mut t, &mem, page(i), s) > 0);
            }
        }
        assert_eq!(t.stats().hits, 0);
    }

    #[test]
    fn lru_eviction_8_entries_2_ways() {
        let mut mem = Mem::new();
        let (root, s) = space(&mut mem, 1);
        // Page numbers 0x1000 + i: page i maps to set i % 4.
        let page = |i: u64| 0x100_0000 + i * KIB4;
        for i in 0..32 {
            mem.map(root, page(i), 0);
        }
        let mut t = tlb(8, 2);
        assert_eq!(t.set_mask, 3);
        // Set 0: pages 0, 4, 8. Set 1: pages 1, 5.
        for i in [0, 4, 1, 5] {
            assert!(acc(&mut t, &mem, page(i), s) > 0);
        }
        assert_eq!(acc(&mut t, &mem, page(0), s), 0);
        assert!(acc(&mut t, &mem, page(8), s) > 0); // evicts 4, the LRU of set 0
        assert!(t.holds(page(0), 1) && t.holds(page(8), 1) && !t.holds(page(4), 1));
        // Set 1 is untouched by all this.
        assert!(t.holds(page(1), 1) && t.holds(page(5), 1));
        assert!(acc(&mut t, &mem, page(4), s) > 0); // evicts 0
        assert!(!t.holds(page(0), 1));
        // Eight pages, two per set, all fit at once.
        let mut t = tlb(8, 2);
        for _ in 0..3 {
            for i in 8..16 {
                acc(&mut t, &mem, page(i), s);
            }
        }
        assert_eq!((t.stats().misses, t.stats().hits), (8, 16));
        // Three pages of one set thrash it while the others hit.
        let mut t = tlb(8, 2);
        for _ in 0..3 {
            for i in [2, 6, 10, 3] {
                acc(&mut t, &mem, page(i), s);
            }
        }
        assert_eq!((t.stats().misses, t.stats().hits), (10, 2));
    }

    #[test]
    fn superpages_live_in_the_set_of_their_own_page_number() {
        let mut mem = Mem::new();
        let (root, s) = space(&mut mem, 1);
        let mut t = tlb(8, 2);
        // 2 MiB page number 0x201: set 1, whereas its 4 KiB page numbers span every set.
        let big = 0x201 * MIB2;
        mem.map(root, big, 1);
        assert!(acc(&mut t, &mem, big, s) > 0);
        assert_eq!(t.entries[2].vpn, 0x201);
        assert_eq!(t.entries[2].level, 1);
        for page in 0..512 {
            assert_eq!(acc(&mut t, &mem, big + page * KIB4, s), 0);
        }
        // 4 KiB pages elsewhere in sets 0, 2, 3 do not disturb it...
        let small = |i: u64| 0x3000_0000 + i * KIB4; // 4 KiB page number 0x30000 + i
        for i in 0..64 {
            mem.map(root, small(i), 0);
        }
        for i in [0, 4, 8, 2, 6, 10, 3, 7, 11] {
            acc(&mut t, &mem, small(i), s);
        }
        assert_eq!(acc(&mut t, &mem, big + 0x1234, s), 0);
        // ...but 4 KiB pages of set 1 do: it survives one (becoming the LRU), and after a
        // hit moves it back to the front, the second of two more evicts it.
        acc(&mut t, &mem, small(1), s);
        assert_eq!(acc(&mut t, &mem, big + 0x1234, s), 0);
        acc(&mut t, &mem, small(5), s);
        acc(&mut t, &mem, small(9), s);
        assert!(!t.holds(big, 1));
        assert_eq!(t.per_level, [8, 0, 0]);
        // 1 GiB page number 6: set 2.
        let giga = 6 * GIB1;
        mem.map(root, giga, 2);
        assert!(acc(&mut t, &mem, giga + 0x3456_7000, s) > 0);
        assert_eq!(t.entries[4].level, 2);
        assert_eq!(t.per_level, [7, 0, 1]);
        assert_eq!(acc(&mut t, &mem, giga, s), 0);
        assert_eq!(acc(&mut t, &mem, giga + GIB1 - 1, s), 0);
    }

    #[test]
    fn memo_is_cleared_by_every_flush() {
        let mut mem = Mem::new();
        let (root, s) = space(&mut mem, 1);
        let (a, b) = (0x1_0000, 0x2_0000);
        mem.map(root, a, 0);
        mem.map(root, b, 0);
        let mut t = tlb(32, 32);
        for flush in [
            (None, None),
            (Some(a), None),
            (None, Some(1)),
            (Some(a), Some(1)),
        ] {
            acc(&mut t, &mem, a, s);
            assert_eq!(acc(&mut t, &mem, a, s), 0);
            assert_eq!(t.memo_vpn, a >> 12);
            t.flush(flush.0, flush.1);
            t.check_invariants();
            assert_eq!(t.memo_shift, NO_MEMO_SHIFT);
            let walks = t.stats().walks;
            assert!(acc(&mut t, &mem, a, s) > 0, "{flush:?}");
            assert_eq!(t.stats().walks, walks + 1);
        }
        // A flush of another page clears the memo too; the page still hits, by lookup.
        acc(&mut t, &mem, b, s);
        acc(&mut t, &mem, a, s);
        t.flush(Some(b), None);
        assert_eq!(t.memo_shift, NO_MEMO_SHIFT);
        assert_eq!(acc(&mut t, &mem, a, s), 0);
        assert!(acc(&mut t, &mem, b, s) > 0);
        // So does one of another ASID.
        t.flush(None, Some(5));
        assert_eq!(t.memo_shift, NO_MEMO_SHIFT);
        assert_eq!(acc(&mut t, &mem, b, s), 0);
    }

    #[test]
    fn memo_does_not_outlive_an_eviction() {
        let mut mem = Mem::new();
        let (root, s) = space(&mut mem, 1);
        let (a, b) = (0x1_0000, 0x2_0000);
        mem.map(root, a, 0);
        mem.map(root, b, 0);
        // Direct-mapped, one entry: every fill evicts the remembered page.
        let mut t = tlb(1, 1);
        for _ in 0..3 {
            assert!(acc(&mut t, &mem, a, s) > 0);
            assert_eq!(acc(&mut t, &mem, a + 8, s), 0);
            assert!(acc(&mut t, &mem, b, s) > 0);
            assert_eq!(acc(&mut t, &mem, b + 8, s), 0);
        }
        assert_eq!((t.stats().misses, t.stats().hits), (6, 6));
        // Fully associative: the remembered page ages out behind four others.
        let mut t = tlb(4, 4);
        let page = |i: u64| 0x400_0000 + i * KIB4;
        for i in 0..5 {
            mem.map(root, page(i), 0);
        }
        acc(&mut t, &mem, page(0), s);
        for i in 1..5 {
            acc(&mut t, &mem, page(i), s);
        }
        assert!(!t.holds(page(0), 1));
        assert!(acc(&mut t, &mem, page(0), s) > 0);
        // A failed walk leaves the memo (and everything else) alone.
        assert_eq!(acc(&mut t, &mem, page(0), s), 0);
        assert!(acc(&mut t, &mem, 0x7000_0000, s) > 0);
        assert_eq!(t.memo_vpn, page(0) >> 12);
        assert_eq!(acc(&mut t, &mem, page(0), s), 0);
    }

    /// A small deterministic generator for test streams.
    struct Rng(u64);

    impl Rng {
        fn below(&mut self, n: u64) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0 % n
        }
    }

    /// What a random stream does.
    #[derive(Debug, Clone, Copy)]
    enum Op {
        Access(u64, u64),
        Flush(Option<u64>, Option<u16>),
    }

    /// Four address spaces (ASIDs 1 to 4) with private 4 KiB and 2 MiB pages, a shared
    /// global 1 GiB page and unmapped holes, and a random stream over them.
    fn random_stream(mem: &mut Mem, seed: u64, n: usize) -> Vec<Op> {
        let small = |i: u64| 0x1000_0000 + i * KIB4;
        let big = |i: u64| 0x4000_0000 + i * MIB2;
        let giga = 3 * GIB1;
        let hole = 0x2000_0000;
        let satps: Vec<u64> = (1..=4)
            .map(|asid| {
                let (root, s) = space(mem, asid);
                for i in 0..48 {
                    mem.map(root, small(i), 0);
                }
                for i in 0..6 {
                    mem.map(root, big(i), 1);
                }
                mem.map_with(root, giga, 0x8000_0000, 2, LEAF | PTE_G, 0);
                s
            })
            .collect();
        let mut rng = Rng(seed);
        let mut last = (small(0), satps[0]);
        (0..n)
            .map(|_| {
                let va = |rng: &mut Rng| {
                    let off = rng.below(KIB4);
                    match rng.below(20) {
                        0..12 => small(rng.below(48)) + off,
                        12..17 => big(rng.below(6)) + rng.below(512) * KIB4 + off,
                        17..19 => giga + rng.below(GIB1),
                        _ => hole + rng.below(64) * KIB4,
                    }
                };
                match rng.below(100) {
                    // Repeats, so the memo is exercised.
                    0..40 => Op::Access(last.0 ^ rng.below(KIB4), last.1),
                    40..98 => {
                        let s = if rng.below(8) == 0 {
                            satps[rng.below(4) as usize]
                        } else {
                            last.1
                        };
                        last = (va(&mut rng), s);
                        Op::Access(last.0, last.1)
                    }
                    _ => {
                        let va = (rng.below(2) == 0).then(|| va(&mut rng));
                        let asid = (rng.below(2) == 0).then(|| 1 + rng.below(4) as u16);
                        Op::Flush(va, asid)
                    }
                }
            })
            .collect()
    }

    #[test]
    fn fast_path_changes_nothing() {
        for (entries, ways) in [(32, 32), (16, 4), (8, 1), (64, 2)] {
            let mut mem = Mem::new();
            let stream = random_stream(&mut mem, 7 + entries as u64, 30_000);
            let mut fast = tlb(entries, ways);
            let mut slow = tlb(entries, ways);
            for (i, &op) in stream.iter().enumerate() {
                match op {
                    Op::Access(va, s) => {
                        slow.forget_memo();
                        let a = fast.access(va, s, |a| mem.read(a), cost);
                        let b = slow.access(va, s, |a| mem.read(a), cost);
                        assert_eq!(a, b, "{entries}/{ways}: op {i}: {op:?}");
                    }
                    Op::Flush(va, asid) => {
                        fast.flush(va, asid);
                        slow.flush(va, asid);
                    }
                }
                if i % 101 == 0 {
                    fast.check_invariants();
                    assert_eq!(fast.entries, slow.entries);
                }
            }
            fast.check_invariants();
            assert_eq!(fast.entries, slow.entries);
            let st = fast.stats();
            assert_eq!(st, slow.stats());
            // The stream exercised hits, fills, failed walks and every page size.
            assert!(st.hits > st.misses / 2, "{st:?}");
            assert!(st.walks > 0 && st.walks < st.misses, "{st:?}");
            assert!(st.flushes > 0);
        }
    }

    #[test]
    fn random_stream_agrees_with_a_reference_model() {
        // A naive model: a list per set in LRU order, probing every set.
        for (entries, ways) in [(32, 32), (16, 4), (8, 1)] {
            let mut mem = Mem::new();
            let stream = random_stream(&mut mem, 99 + ways as u64, 20_000);
            let mut t = tlb(entries, ways);
            let sets = (entries / ways) as u64;
            let mut reference: Vec<Vec<Entry>> = vec![vec![]; sets as usize];
            for (i, &op) in stream.iter().enumerate() {
                match op {
                    Op::Access(va, s) => {
                        let asid = asid_of(s);
                        let got = acc(&mut t, &mem, va, s);
                        let hit = reference.iter_mut().find_map(|set| {
                            let p = set.iter().position(|e| e.matches(va, asid))?;
                            let e = set.remove(p);
                            set.insert(0, e);
                            Some(())
                        });
                        if hit.is_some() {
                            assert_eq!(got, 0, "op {i}");
                            continue;
                        }
                        let (cycles, leaf) = walk(va, s, |a| mem.read(a), cost);
                        assert_eq!(got, cycles, "op {i}");
                        if let Some((level, global)) = leaf {
                            let vpn = va >> shift(level);
                            let set = &mut reference[(vpn % sets) as usize];
                            set.insert(
                                0,
                                Entry {
                                    vpn,
                                    asid,
                                    level: level as u8,
                                    global,
                                },
                            );
                            set.truncate(ways as usize);
                        }
                    }
                    Op::Flush(va, asid) => {
                        t.flush(va, asid);
                        for set in &mut reference {
                            set.retain(|e| {
                                let hit_va = va.is_none_or(|va| e.maps(va));
                                let hit_asid = asid.is_none_or(|a| !e.global && e.asid == a);
                                !(hit_va && hit_asid)
                            });
                        }
                    }
                }
            }
            for (s, set) in reference.iter().enumerate() {
                let base = s * ways as usize;
                assert_eq!(&t.entries[base..base + set.len()], &set[..]);
            }
        }
    }
}
