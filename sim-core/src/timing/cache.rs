//! Timing model of the memory hierarchy: a private L1 I and L1 D per hart, a shared L2 and
//! DRAM.
//!
//! The model keeps tags and line states only (the data lives in RAM) and answers, for each
//! access by a hart to a physical address, how many cycles it takes. MMIO is not cached: the
//! caller must not present device addresses. Atomics and SC count as [`Access::Store`], LR as
//! [`Access::Load`].
//!
//! # Organisation
//!
//! Every cache is set-associative with true LRU replacement. L1 D and L2 are write-back and
//! write-allocate; the L1 I is read-only. The L1 I and L1 D of all harts share one line size,
//! the coherence granule; the L2 line may be larger (a multiple).
//!
//! The L2 is *non-inclusive, non-exclusive*: an L1 miss fills both the L1 and the L2, but an
//! L2 eviction leaves L1 copies alone, and an L1 write-back of a line the L2 no longer holds
//! allocates it there again (possibly evicting a dirty L2 line to DRAM).
//!
//! # Latency model
//!
//! With `l1` the hit latency of the L1 accessed (I for fetches, D for loads and stores), `l2`
//! the L2 hit latency and `dram` the DRAM latency:
//!
//! | case                                                  | cycles              |
//! |-------------------------------------------------------|---------------------|
//! | L1 hit                                                | `l1`                |
//! | L1 miss, L2 hit                                       | `l1 + l2`           |
//! | L1 miss, L2 miss                                      | `l1 + l2 + dram`    |
//! | store hitting a line that may be shared (upgrade)     | `l1 + l2`           |
//!
//! Write-backs of dirty victims (L1 to L2, L2 to DRAM) go through a write buffer: they add
//! nothing to the requester's latency but are counted in the evicting cache's `writebacks`.
//!
//! # Coherence
//!
//! A simple invalidation protocol between the L1s of different harts, with the L2 as the
//! point of coherence. An L1 D line is *shared* (S), *exclusive* (E: no other hart's L1 holds
//! it) or *modified* (M: exclusive and dirty); L1 I lines are just valid.
//!
//! * A **store** to a line that is not exclusive (an L1 D miss, or a hit in S) invalidates
//!   every copy in other harts' L1 D and L1 I (each counted in that cache's `invalidations`);
//!   a modified copy is first written back to the L2 (counted in its `writebacks`). The
//!   storing hart then holds the line M. A miss then reads the line from the L2, which hits if
//!   a dirty copy was just written back; a hit in S costs the upgrade, `l1 + l2`, without an L2
//!   lookup. A store to an E or M line costs `l1` and involves no other hart.
//! * A **load or fetch miss** of a line modified in another hart's L1 D makes that hart write
//!   it back to the L2 and keep it in S, so the miss hits in the L2 (`l1 + l2`). Exclusive
//!   copies elsewhere are likewise downgraded to S. A load fills E if no other hart's L1
//!   holds the line, S otherwise.
//! * A hart's stores do not invalidate its own L1 I (instruction fetch is not coherent with
//!   the hart's own stores without `fence.i`, which this model does not see).
//!
//! # Statistics
//!
//! Per cache ([`CacheStats`]): `hits` and `misses` of demand accesses (a store upgrading a
//! shared line counts as an L1 D hit; write-backs arriving at the L2 count as neither),
//! `writebacks` of dirty lines to the next level (victims, and for an L1 D also modified lines
//! another hart's access forced out) and `invalidations` by other harts' stores (always 0 for
//! the L2, which is never invalidated).
//!
//! # Speed
//!
//! No allocation, hashing or maps after construction. Each cache is one flat array of tag
//! words (line address | state bits), `ways` per set, each set kept in most- to
//! least-recently-used order, invalid ways last. A lookup scans the set from the front and
//! stops at the match, which in real code is mostly the first or second way; a hit moves its
//! way to the front, a fill drops the last way (the LRU line, or an invalid way) and
//! invalidation moves a way to the back. That is exact LRU.
//!
//! Each hart remembers the line of its last fetch and of its last data access (and whether
//! that line is modified, so a store needs nothing). Such a line is present and the most
//! recently used of its set, so repeating an access to it changes no state but a hit count:
//! [`MemoryHierarchy::access`] handles that case inline with one compare and calls out of
//! line otherwise; the out-of-line L1 hit path is kept apart from the miss path. Snooping
//! other harts happens only on L1 misses and on stores to shared lines; with a single hart no
//! line is ever shared, so no store ever snoops.

use std::fmt;

/// Geometry and latency of one cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CacheConfig {
    /// Capacity in bytes: sets × ways × line size, with a power-of-two number of sets.
    pub size_bytes: u64,
    /// Associativity (any number from 1).
    pub ways: u32,
    /// Line size in bytes: a power of two, at least 8.
    pub line_bytes: u32,
    /// Cycles of a hit.
    pub hit_latency: u32,
}

impl CacheConfig {
    /// Number of sets, if the configuration is valid.
    fn sets(&self, level: Level) -> Result<u64, ConfigError> {
        if self.line_bytes < 8 || !self.line_bytes.is_power_of_two() {
            return Err(ConfigError::BadLineSize {
                level,
                line: self.line_bytes,
            });
        }
        if self.ways == 0 {
            return Err(ConfigError::ZeroWays { level });
        }
        let set_bytes = self.ways as u64 * self.line_bytes as u64;
        if !self.size_bytes.is_multiple_of(set_bytes) {
            return Err(ConfigError::SizeNotMultiple {
                level,
                size: self.size_bytes,
                ways: self.ways,
                line: self.line_bytes,
            });
        }
        let sets = self.size_bytes / set_bytes;
        if !sets.is_power_of_two() {
            return Err(ConfigError::SetsNotPowerOfTwo { level, sets });
        }
        if self.size_bytes / self.line_bytes as u64 > MAX_LINES {
            return Err(ConfigError::TooLarge {
                level,
                size: self.size_bytes,
            });
        }
        Ok(sets)
    }
}

/// Configuration of the whole hierarchy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HierarchyConfig {
    /// Each hart's instruction cache.
    pub l1i: CacheConfig,
    /// Each hart's data cache.
    pub l1d: CacheConfig,
    /// The shared second-level cache.
    pub l2: CacheConfig,
    /// Cycles added by an L2 miss.
    pub dram_latency: u32,
}

impl Default for HierarchyConfig {
    /// 32 KiB 8-way 2-cycle L1s and a 512 KiB 8-way 12-cycle L2, all with 64-byte lines, and
    /// 100-cycle DRAM.
    fn default() -> Self {
        let l1 = CacheConfig {
            size_bytes: 32 << 10,
            ways: 8,
            line_bytes: 64,
            hit_latency: 2,
        };
        Self {
            l1i: l1,
            l1d: l1,
            l2: CacheConfig {
                size_bytes: 512 << 10,
                ways: 8,
                line_bytes: 64,
                hit_latency: 12,
            },
            dram_latency: 100,
        }
    }
}

/// A cache level, to name it in errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// The instruction L1.
    L1I,
    /// The data L1.
    L1D,
    /// The shared L2.
    L2,
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Level::L1I => "L1 I",
            Level::L1D => "L1 D",
            Level::L2 => "L2",
        })
    }
}

/// Most lines one cache may have (a guard against configuration typos exhausting memory).
const MAX_LINES: u64 = 1 << 24;

/// An invalid hierarchy configuration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// A line size that is not a power of two of at least 8 bytes.
    #[error("{level}: line size {line} B is not a power of two of at least 8")]
    BadLineSize {
        /// The cache.
        level: Level,
        /// The line size given.
        line: u32,
    },
    /// Zero ways.
    #[error("{level}: a cache needs at least one way")]
    ZeroWays {
        /// The cache.
        level: Level,
    },
    /// The size is not a whole number of sets.
    #[error("{level}: size {size} B is not a multiple of ways x line size ({ways} x {line} B)")]
    SizeNotMultiple {
        /// The cache.
        level: Level,
        /// The size given.
        size: u64,
        /// Ways.
        ways: u32,
        /// Line size.
        line: u32,
    },
    /// The number of sets is not a power of two (or is zero).
    #[error("{level}: {sets} sets is not a power of two")]
    SetsNotPowerOfTwo {
        /// The cache.
        level: Level,
        /// Sets implied by size, ways and line size.
        sets: u64,
    },
    /// More than 2^24 lines.
    #[error("{level}: size {size} B exceeds the model's limit of 2^24 lines")]
    TooLarge {
        /// The cache.
        level: Level,
        /// The size given.
        size: u64,
    },
    /// The two L1s have different line sizes.
    #[error("L1 I and L1 D line sizes differ ({l1i} B and {l1d} B)")]
    L1LineMismatch {
        /// L1 I line size.
        l1i: u32,
        /// L1 D line size.
        l1d: u32,
    },
    /// The L2 line is smaller than the L1 line.
    #[error("L2 line size {l2} B is smaller than the L1 line size {l1} B")]
    L2LineTooSmall {
        /// L1 line size.
        l1: u32,
        /// L2 line size.
        l2: u32,
    },
    /// A hierarchy for no hart.
    #[error("a memory hierarchy needs at least one hart")]
    NoHarts,
}

impl ConfigError {
    /// The cache the error is about, if it is about one.
    pub fn level(&self) -> Option<Level> {
        match *self {
            ConfigError::BadLineSize { level, .. }
            | ConfigError::ZeroWays { level }
            | ConfigError::SizeNotMultiple { level, .. }
            | ConfigError::SetsNotPowerOfTwo { level, .. }
            | ConfigError::TooLarge { level, .. } => Some(level),
            ConfigError::L1LineMismatch { .. }
            | ConfigError::L2LineTooSmall { .. }
            | ConfigError::NoHarts => None,
        }
    }
}

/// What an access does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Access {
    /// Instruction fetch (L1 I).
    Fetch,
    /// Data read (L1 D).
    Load,
    /// Data write, atomic read-modify-write or SC (L1 D).
    Store,
}

/// Counters of one cache.
#[derive(serde::Serialize, serde::Deserialize, Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CacheStats {
    /// Demand accesses that found their line (for the L1 D including stores that had to
    /// upgrade a shared line).
    pub hits: u64,
    /// Demand accesses that did not.
    pub misses: u64,
    /// Dirty lines written to the next level: evicted victims, and for an L1 D also modified
    /// lines another hart's access forced out.
    pub writebacks: u64,
    /// Lines removed by another hart's store (L1s only; the L2 is never invalidated).
    pub invalidations: u64,
}

impl CacheStats {
    /// Demand accesses.
    pub fn accesses(&self) -> u64 {
        self.hits + self.misses
    }
}

/// Counters of one hart's private caches.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HartCacheStats {
    /// The instruction L1.
    pub l1i: CacheStats,
    /// The data L1.
    pub l1d: CacheStats,
}

/// Tag-word state bit: the way holds a line.
const VALID: u64 = 1;
/// L1 D only: no other hart's L1 holds the line.
const EXCL: u64 = 2;
/// The line is dirty (in an L1 D, implies `EXCL`).
const DIRTY: u64 = 4;
const STATE: u64 = VALID | EXCL | DIRTY;
/// Never equal to a line address (whose low bits are clear): "no line remembered".
const NO_LINE: u64 = u64::MAX;

/// One set-associative cache: tags and states only.
#[derive(serde::Serialize, serde::Deserialize, Clone)]
struct Cache {
    /// `sets * ways` tag words, set after set; a word is the line address with state bits in
    /// its low bits (lines are at least 8 bytes), 0 for an invalid way. Each set is ordered
    /// from most to least recently used, invalid ways last.
    tags: Box<[u64]>,
    ways: usize,
    set_mask: usize,
    line_shift: u32,
    line_mask: u64,
    hit_latency: u32,
    stats: CacheStats,
}

impl Cache {
    /// A cache for a configuration validated to have `sets` sets.
    fn new(cfg: &CacheConfig, sets: u64) -> Self {
        Self {
            tags: vec![0; (sets * cfg.ways as u64) as usize].into_boxed_slice(),
            ways: cfg.ways as usize,
            set_mask: sets as usize - 1,
            line_shift: cfg.line_bytes.trailing_zeros(),
            line_mask: !(cfg.line_bytes as u64 - 1),
            hit_latency: cfg.hit_latency,
            stats: CacheStats::default(),
        }
    }

    /// Index in `tags` of the first way of the set `addr` maps to.
    #[inline(always)]
    fn base(&self, addr: u64) -> usize {
        ((addr >> self.line_shift) as usize & self.set_mask) * self.ways
    }

    /// The ways of the set `addr` maps to.
    #[inline(always)]
    fn set_of(&mut self, addr: u64) -> &mut [u64] {
        let base = self.base(addr);
        &mut self.tags[base..base + self.ways]
    }

    /// The word matching every state of a valid line holding `addr` once `EXCL | DIRTY` are
    /// or-ed into it.
    #[inline(always)]
    fn key(&self, addr: u64) -> u64 {
        (addr & self.line_mask) | STATE
    }

    /// Look the line of `addr` up without changing recency; returns its index in `tags`.
    fn find(&self, addr: u64) -> Option<usize> {
        let key = self.key(addr);
        let base = self.base(addr);
        self.tags[base..base + self.ways]
            .iter()
            .position(|&w| w | EXCL | DIRTY == key)
            .map(|pos| base + pos)
    }

    /// Look the line of `addr` up and make it the most recently used of its set; returns its
    /// tag word, now the first of its set.
    #[inline(always)]
    fn lookup(&mut self, addr: u64) -> Option<&mut u64> {
        let key = self.key(addr);
        let set = self.set_of(addr);
        // Hits are mostly to the most recently used ways: scan from the front, stop early.
        let pos = set.iter().position(|&w| w | EXCL | DIRTY == key)?;
        let moved = &mut set[..=pos];
        let w = moved[pos];
        for j in (1..moved.len()).rev() {
            moved[j] = moved[j - 1];
        }
        moved[0] = w;
        Some(&mut moved[0])
    }

    /// Put the line of `addr` with `state` at the front of its set, dropping the least
    /// recently used way; returns the word dropped (0 if the way was invalid).
    fn insert(&mut self, addr: u64, state: u64) -> u64 {
        let word = (addr & self.line_mask) | state;
        let set = self.set_of(addr);
        let last = set.len() - 1;
        let victim = set[last];
        set.copy_within(..last, 1);
        set[0] = word;
        victim
    }

    /// Invalidate the way at index `i` of `tags`, moving it to the back of its set; returns
    /// the word it held.
    fn remove(&mut self, i: usize) -> u64 {
        let end = (i / self.ways + 1) * self.ways;
        let w = self.tags[i];
        self.tags.copy_within(i + 1..end, i);
        self.tags[end - 1] = 0;
        w
    }
}

/// One hart's private caches and its memo of recently used lines.
#[derive(serde::Serialize, serde::Deserialize, Clone)]
struct HartCaches {
    /// Line of the last fetch: present in the L1 I and most recently used in its set.
    fetch_line: u64,
    /// Line of the last data access: present in the L1 D and most recently used in its set.
    data_line: u64,
    /// `data_line` if that line is modified (a store to it needs nothing), else `NO_LINE`.
    store_line: u64,
    l1i: Cache,
    l1d: Cache,
}

/// The caches of `n` harts and their shared L2.
#[derive(serde::Serialize, serde::Deserialize, Clone)]
pub struct MemoryHierarchy {
    /// Clears the offset within an L1 line.
    line_mask: u64,
    harts: Box<[HartCaches]>,
    l2: Cache,
    dram_latency: u32,
}

impl MemoryHierarchy {
    /// A cold hierarchy for `harts` harts.
    pub fn new(harts: usize, cfg: &HierarchyConfig) -> Result<Self, ConfigError> {
        let [l1i_sets, l1d_sets, l2_sets] = Self::check(harts, cfg)?;
        let harts = (0..harts)
            .map(|_| HartCaches {
                fetch_line: NO_LINE,
                data_line: NO_LINE,
                store_line: NO_LINE,
                l1i: Cache::new(&cfg.l1i, l1i_sets),
                l1d: Cache::new(&cfg.l1d, l1d_sets),
            })
            .collect();
        Ok(Self {
            line_mask: !(cfg.l1d.line_bytes as u64 - 1),
            harts,
            l2: Cache::new(&cfg.l2, l2_sets),
            dram_latency: cfg.dram_latency,
        })
    }

    /// Check a configuration for `harts` harts without building it.
    pub fn validate(harts: usize, cfg: &HierarchyConfig) -> Result<(), ConfigError> {
        Self::check(harts, cfg).map(|_| ())
    }

    /// The set counts of L1 I, L1 D and L2, if the configuration is valid.
    fn check(harts: usize, cfg: &HierarchyConfig) -> Result<[u64; 3], ConfigError> {
        let l1i_sets = cfg.l1i.sets(Level::L1I)?;
        let l1d_sets = cfg.l1d.sets(Level::L1D)?;
        let l2_sets = cfg.l2.sets(Level::L2)?;
        if cfg.l1i.line_bytes != cfg.l1d.line_bytes {
            return Err(ConfigError::L1LineMismatch {
                l1i: cfg.l1i.line_bytes,
                l1d: cfg.l1d.line_bytes,
            });
        }
        if cfg.l2.line_bytes < cfg.l1d.line_bytes {
            return Err(ConfigError::L2LineTooSmall {
                l1: cfg.l1d.line_bytes,
                l2: cfg.l2.line_bytes,
            });
        }
        if harts == 0 {
            return Err(ConfigError::NoHarts);
        }
        Ok([l1i_sets, l1d_sets, l2_sets])
    }

    /// Number of harts modelled.
    pub fn harts(&self) -> usize {
        self.harts.len()
    }

    /// Latency in cycles of one access by `hart` (which must be below [`Self::harts`]) to
    /// physical address `paddr`, updating cache states and statistics. The access is taken to
    /// lie within one L1 line; the caller splits one that does not.
    #[inline]
    pub fn access(&mut self, hart: usize, paddr: u64, kind: Access) -> u32 {
        let line = paddr & self.line_mask;
        let h = &mut self.harts[hart];
        // Repeated access to the hart's last line: already present and most recently used,
        // so only the hit count changes.
        match kind {
            Access::Fetch if h.fetch_line == line => {
                h.l1i.stats.hits += 1;
                h.l1i.hit_latency
            }
            Access::Load if h.data_line == line => {
                h.l1d.stats.hits += 1;
                h.l1d.hit_latency
            }
            Access::Store if h.store_line == line => {
                h.l1d.stats.hits += 1;
                h.l1d.hit_latency
            }
            _ => self.access_l1(hart, line, kind),
        }
    }

    /// Whether `hart`'s L1 can serve an access of `kind` to `paddr` by itself (a fetch or
    /// load finds the line, a store finds it exclusive), so that the access involves no
    /// other hart and no shared level. Changes nothing, not even recency.
    #[inline]
    pub fn serves_locally(&self, hart: usize, paddr: u64, kind: Access) -> bool {
        let line = paddr & self.line_mask;
        let h = &self.harts[hart];
        match kind {
            Access::Fetch => h.fetch_line == line || h.l1i.find(line).is_some(),
            Access::Load => h.data_line == line || h.l1d.find(line).is_some(),
            Access::Store => {
                h.store_line == line || h.l1d.find(line).is_some_and(|i| h.l1d.tags[i] & EXCL != 0)
            }
        }
    }

    /// Whether physical addresses `a` and `b` fall in the same L1 line.
    #[inline]
    pub fn same_line(&self, a: u64, b: u64) -> bool {
        (a ^ b) & self.line_mask == 0
    }

    /// Counters of `hart`'s L1s.
    pub fn stats(&self, hart: usize) -> HartCacheStats {
        let h = &self.harts[hart];
        HartCacheStats {
            l1i: h.l1i.stats,
            l1d: h.l1d.stats,
        }
    }

    /// Counters of the shared L2.
    pub fn l2_stats(&self) -> CacheStats {
        self.l2.stats
    }

    /// Zero every cache's counters (the contents are untouched).
    pub fn reset_stats(&mut self) {
        for h in &mut self.harts {
            h.l1i.stats = CacheStats::default();
            h.l1d.stats = CacheStats::default();
        }
        self.l2.stats = CacheStats::default();
    }

    /// A device reads the line holding `paddr` by DMA (I/O-coherent, as a DMA engine on the
    /// L2's side of the harts' L1s): a modified copy in a hart's L1 D is written back to the
    /// L2 and kept shared, and the line is brought into the L2. No hart's counters change
    /// except write-backs; the L2 counts it as a hit or miss.
    pub fn device_read(&mut self, paddr: u64) {
        let line = paddr & self.line_mask;
        self.snoop_read(usize::MAX, line);
        self.l2_read(line);
    }

    /// A device writes the line holding `paddr` by DMA: every hart's L1 copy is invalidated
    /// (counted as a coherence invalidation, so a hart polling it misses and reads the new
    /// data), and the line is written into the L2 as modified (write-allocate, like an
    /// I/O-coherent port into the last-level cache).
    pub fn device_write(&mut self, paddr: u64) {
        let line = paddr & self.line_mask;
        self.snoop_invalidate(usize::MAX, line);
        self.l2_writeback(line);
    }

    /// Bytes of an L1 line (the granule of [`Self::device_read`] and [`Self::device_write`]).
    pub fn line_bytes(&self) -> u64 {
        !self.line_mask + 1
    }

    /// An access the memo did not cover: L1 hits, kept small; anything else goes on to
    /// [`Self::miss`].
    #[inline(never)]
    fn access_l1(&mut self, hart: usize, line: u64, kind: Access) -> u32 {
        let h = &mut self.harts[hart];
        if kind == Access::Fetch {
            h.fetch_line = line;
            if h.l1i.lookup(line).is_some() {
                h.l1i.stats.hits += 1;
                return h.l1i.hit_latency;
            }
        } else {
            h.data_line = line;
            h.store_line = NO_LINE;
            if let Some(w) = h.l1d.lookup(line) {
                let state = *w;
                if kind == Access::Store {
                    *w = state | EXCL | DIRTY;
                }
                h.l1d.stats.hits += 1;
                if kind == Access::Load {
                    if state & DIRTY != 0 {
                        h.store_line = line;
                    }
                    return h.l1d.hit_latency;
                }
                h.store_line = line;
                if state & EXCL != 0 {
                    return h.l1d.hit_latency;
                }
                return self.upgrade(hart, line);
            }
        }
        self.miss(hart, line, kind)
    }

    /// A store by `hart` to `line`, which its L1 D held shared (and now holds modified):
    /// invalidate the other copies.
    #[cold]
    fn upgrade(&mut self, hart: usize, line: u64) -> u32 {
        self.snoop_invalidate(hart, line);
        self.harts[hart]
            .l1d
            .hit_latency
            .saturating_add(self.l2.hit_latency)
    }

    /// An L1 miss by `hart` on `line` (the memo already names it).
    #[inline(never)]
    fn miss(&mut self, hart: usize, line: u64, kind: Access) -> u32 {
        let l1 = match kind {
            Access::Fetch => &mut self.harts[hart].l1i,
            _ => &mut self.harts[hart].l1d,
        };
        l1.stats.misses += 1;
        let l1_latency = l1.hit_latency;
        let state = match kind {
            Access::Fetch => {
                self.snoop_read(hart, line);
                VALID
            }
            Access::Load if self.snoop_read(hart, line) => VALID,
            Access::Load => VALID | EXCL,
            Access::Store => {
                self.snoop_invalidate(hart, line);
                VALID | EXCL | DIRTY
            }
        };
        let latency = l1_latency.saturating_add(self.l2_read(line));
        let h = &mut self.harts[hart];
        if kind == Access::Fetch {
            // L1 I lines are never dirty: the victim is simply dropped.
            h.l1i.insert(line, VALID);
        } else {
            if kind == Access::Store {
                h.store_line = line;
            }
            let victim = h.l1d.insert(line, state);
            if victim & DIRTY != 0 {
                h.l1d.stats.writebacks += 1;
                self.l2_writeback(victim & !STATE);
            }
        }
        latency
    }

    /// Before `hart` reads `line` into an L1: downgrade exclusive copies in other harts' L1 Ds
    /// to shared, writing a modified one back to the L2. Returns whether another hart's L1
    /// holds the line.
    fn snoop_read(&mut self, hart: usize, line: u64) -> bool {
        for k in 0..self.harts.len() {
            if k == hart {
                continue;
            }
            let o = &mut self.harts[k];
            let mut dirty = false;
            let in_l1d = match o.l1d.find(line) {
                Some(i) => {
                    let w = &mut o.l1d.tags[i];
                    if *w & DIRTY != 0 {
                        dirty = true;
                        o.l1d.stats.writebacks += 1;
                    }
                    *w &= !(EXCL | DIRTY);
                    if o.store_line == line {
                        o.store_line = NO_LINE;
                    }
                    true
                }
                None => false,
            };
            let in_l1i = o.l1i.find(line).is_some();
            if dirty {
                self.l2_writeback(line);
            }
            // An exclusive copy is the only one outside its own hart's L1 I, and a shared copy
            // rules out exclusive ones anywhere: the first hart holding the line is the last
            // that needs looking at.
            if in_l1d || in_l1i {
                return true;
            }
        }
        false
    }

    /// Before `hart` writes `line`: remove it from other harts' L1s, writing a modified copy
    /// back to the L2 first.
    fn snoop_invalidate(&mut self, hart: usize, line: u64) {
        for k in 0..self.harts.len() {
            if k == hart {
                continue;
            }
            let o = &mut self.harts[k];
            let mut dirty = false;
            if let Some(i) = o.l1d.find(line) {
                let w = o.l1d.remove(i);
                o.l1d.stats.invalidations += 1;
                if w & DIRTY != 0 {
                    dirty = true;
                    o.l1d.stats.writebacks += 1;
                }
                if o.data_line == line {
                    o.data_line = NO_LINE;
                    o.store_line = NO_LINE;
                }
            }
            if let Some(i) = o.l1i.find(line) {
                o.l1i.remove(i);
                o.l1i.stats.invalidations += 1;
                if o.fetch_line == line {
                    o.fetch_line = NO_LINE;
                }
            }
            if dirty {
                self.l2_writeback(line);
            }
        }
    }

    /// A demand read of the line holding `addr` from the L2; returns the cycles it adds to an
    /// L1 miss.
    fn l2_read(&mut self, addr: u64) -> u32 {
        let l2 = &mut self.l2;
        if l2.lookup(addr).is_some() {
            l2.stats.hits += 1;
            return l2.hit_latency;
        }
        l2.stats.misses += 1;
        if l2.insert(addr, VALID) & DIRTY != 0 {
            l2.stats.writebacks += 1;
        }
        l2.hit_latency.saturating_add(self.dram_latency)
    }

    /// An L1 writes back its dirty line holding `addr` (not a demand access: no hit or miss
    /// is counted, and it costs the requester nothing).
    fn l2_writeback(&mut self, addr: u64) {
        let l2 = &mut self.l2;
        if let Some(w) = l2.lookup(addr) {
            *w |= DIRTY;
        } else if l2.insert(addr, VALID | DIRTY) & DIRTY != 0 {
            l2.stats.writebacks += 1;
        }
    }
}

#[cfg(test)]
impl MemoryHierarchy {
    /// Forget every hart's remembered lines, forcing the next accesses down the full path.
    fn forget_memos(&mut self) {
        for h in self.harts.iter_mut() {
            h.fetch_line = NO_LINE;
            h.data_line = NO_LINE;
            h.store_line = NO_LINE;
        }
    }

    /// Check the structural and coherence invariants the fast path and snoops rely on.
    fn check_invariants(&self) {
        // A remembered line is present and the most recently used of its set.
        fn front(c: &Cache, line: u64) -> u64 {
            let i = c.find(line).expect("remembered line not present");
            assert_eq!(i % c.ways, 0, "remembered line not most recently used");
            c.tags[i]
        }
        for h in self.harts.iter() {
            for c in [&h.l1i, &h.l1d] {
                for set in c.tags.chunks(c.ways) {
                    // Valid ways first, no line twice, dirty only if exclusive.
                    let valid = set.iter().take_while(|&&w| w != 0).count();
                    assert!(set[valid..].iter().all(|&w| w == 0));
                    for (i, &w) in set[..valid].iter().enumerate() {
                        assert!(set[i + 1..valid].iter().all(|&v| v & !STATE != w & !STATE));
                        assert!(w & DIRTY == 0 || w & EXCL != 0);
                    }
                }
            }
            if h.fetch_line != NO_LINE {
                front(&h.l1i, h.fetch_line);
            }
            if h.data_line != NO_LINE {
                front(&h.l1d, h.data_line);
            }
            if h.store_line != NO_LINE {
                assert_eq!(h.store_line, h.data_line);
                assert_eq!(front(&h.l1d, h.store_line) & STATE, STATE);
            }
        }
        // An exclusive line is in no other hart's L1.
        for (k, h) in self.harts.iter().enumerate() {
            for &w in h.l1d.tags.iter().filter(|&&w| w & EXCL != 0) {
                for (j, o) in self.harts.iter().enumerate() {
                    if j != k {
                        let line = w & !STATE;
                        assert!(o.l1d.find(line).is_none() && o.l1i.find(line).is_none());
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const L1: u32 = 1;
    const L2: u32 = 10;
    const DRAM: u32 = 100;
    const BASE: u64 = 0x8000_0000;

    fn cache(size_bytes: u64, ways: u32, line_bytes: u32, hit_latency: u32) -> CacheConfig {
        CacheConfig {
            size_bytes,
            ways,
            line_bytes,
            hit_latency,
        }
    }

    /// 2-set 2-way 64-byte-line L1s over a big L2, latencies 1 / 10 / 100.
    fn tiny() -> HierarchyConfig {
        HierarchyConfig {
            l1i: cache(256, 2, 64, L1),
            l1d: cache(256, 2, 64, L1),
            l2: cache(64 << 10, 8, 64, L2),
            dram_latency: DRAM,
        }
    }

    /// A small deterministic generator for test streams.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }

        fn below(&mut self, n: u64) -> u64 {
            self.next() % n
        }
    }

    #[test]
    fn hits_misses_and_lru_eviction_order() {
        let mut m = MemoryHierarchy::new(1, &tiny()).unwrap();
        // 0x000, 0x080 and 0x100 all map to set 0 of the 2-set L1 D.
        let [a, b, c] = [BASE, BASE + 0x80, BASE + 0x100];
        let cold = L1 + L2 + DRAM;
        assert_eq!(m.access(0, a, Access::Load), cold);
        assert_eq!(m.access(0, b, Access::Load), cold);
        assert_eq!(m.access(0, a, Access::Load), L1); // a is now the most recent
        assert_eq!(m.access(0, c, Access::Load), cold); // evicts b, the LRU
        assert_eq!(m.access(0, a, Access::Load), L1);
        assert_eq!(m.access(0, b, Access::Load), L1 + L2); // evicts c; b still in the L2
        assert_eq!(m.access(0, a, Access::Load), L1);
        assert_eq!(m.access(0, c, Access::Load), L1 + L2);
        // The other set is untouched by all this.
        assert_eq!(m.access(0, BASE + 0x40, Access::Load), cold);
        let s = m.stats(0);
        assert_eq!(
            s.l1d,
            CacheStats {
                hits: 3,
                misses: 6,
                writebacks: 0,
                invalidations: 0
            }
        );
        assert_eq!(s.l1i, CacheStats::default());
        assert_eq!(m.l2_stats().misses, 4);
        assert_eq!(m.l2_stats().hits, 2);
    }

    #[test]
    fn fetches_use_the_l1i_and_loads_the_l1d() {
        let mut m = MemoryHierarchy::new(1, &tiny()).unwrap();
        assert_eq!(m.access(0, BASE, Access::Fetch), L1 + L2 + DRAM);
        assert_eq!(m.access(0, BASE + 4, Access::Fetch), L1);
        // Same line, other L1: misses there, hits the L2.
        assert_eq!(m.access(0, BASE + 8, Access::Load), L1 + L2);
        let s = m.stats(0);
        assert_eq!((s.l1i.hits, s.l1i.misses), (1, 1));
        assert_eq!((s.l1d.hits, s.l1d.misses), (0, 1));
    }

    #[test]
    fn dirty_victims_are_written_back_without_latency() {
        let mut m = MemoryHierarchy::new(1, &tiny()).unwrap();
        let set0 = |i: u64| BASE + i * 0x80;
        let cold = L1 + L2 + DRAM;
        assert_eq!(m.access(0, set0(0), Access::Store), cold);
        assert_eq!(m.access(0, set0(1), Access::Store), cold);
        // Each of these evicts a dirty line: counted, but the miss costs the same.
        assert_eq!(m.access(0, set0(2), Access::Load), cold);
        assert_eq!(m.access(0, set0(3), Access::Load), cold);
        assert_eq!(m.stats(0).l1d.writebacks, 2);
        // Clean victims are dropped.
        assert_eq!(m.access(0, set0(0), Access::Load), L1 + L2);
        assert_eq!(m.access(0, set0(1), Access::Load), L1 + L2);
        assert_eq!(m.stats(0).l1d.writebacks, 2);
        // A store to a line loaded exclusively needs no upgrade.
        assert_eq!(m.access(0, set0(1), Access::Store), L1);
        assert_eq!(m.access(0, set0(2), Access::Load), L1 + L2);
        assert_eq!(m.access(0, set0(3), Access::Load), L1 + L2);
        assert_eq!(m.stats(0).l1d.writebacks, 3);
        assert_eq!(m.l2_stats().writebacks, 0);
    }

    #[test]
    fn l2_writes_dirty_victims_back_to_dram() {
        // Direct-mapped one-line L1 D, one-set two-way L2.
        let cfg = HierarchyConfig {
            l1i: cache(64, 1, 64, L1),
            l1d: cache(64, 1, 64, L1),
            l2: cache(128, 2, 64, L2),
            dram_latency: DRAM,
        };
        let mut m = MemoryHierarchy::new(1, &cfg).unwrap();
        let [a, b, c] = [BASE, BASE + 0x40, BASE + 0x80];
        let cold = L1 + L2 + DRAM;
        assert_eq!(m.access(0, a, Access::Store), cold); // L2: a
        assert_eq!(m.access(0, b, Access::Load), cold); // L2: b a; dirty a written back: a b
        assert_eq!(m.stats(0).l1d.writebacks, 1);
        assert_eq!(m.l2_stats().writebacks, 0);
        assert_eq!(m.access(0, c, Access::Load), cold); // L2: c a (clean b dropped)
        assert_eq!(m.l2_stats().writebacks, 0);
        assert_eq!(m.access(0, b, Access::Load), cold); // L2: b c (dirty a to DRAM)
        assert_eq!(m.l2_stats().writebacks, 1);
        assert_eq!(m.access(0, a, Access::Load), cold);
        assert_eq!(m.l2_stats().writebacks, 1);
        assert_eq!(m.l2_stats().misses, 5);
    }

    #[test]
    fn l2_is_not_inclusive() {
        // A one-line L2 loses lines the L1 D keeps hitting on.
        let cfg = HierarchyConfig {
            l2: cache(64, 1, 64, L2),
            ..tiny()
        };
        let mut m = MemoryHierarchy::new(1, &cfg).unwrap();
        m.access(0, BASE, Access::Load);
        m.access(0, BASE + 0x40, Access::Load);
        assert_eq!(m.access(0, BASE, Access::Load), L1);
    }

    #[test]
    fn line_size_sets_the_granularity() {
        for line in [16u32, 32, 64, 128] {
            let cfg = HierarchyConfig {
                l1i: cache(4096, 4, line, L1),
                l1d: cache(4096, 4, line, L1),
                l2: cache(64 << 10, 8, 128, L2),
                dram_latency: DRAM,
            };
            let mut m = MemoryHierarchy::new(1, &cfg).unwrap();
            let line = line as u64;
            assert!(m.access(0, BASE, Access::Load) > L1);
            assert_eq!(m.access(0, BASE + line - 1, Access::Load), L1);
            assert_eq!(m.access(0, BASE + 1, Access::Store), L1);
            // The next L1 line misses; it is in the L2 unless it starts another L2 line.
            let expected = if line < 128 { L1 + L2 } else { L1 + L2 + DRAM };
            assert_eq!(m.access(0, BASE + line, Access::Load), expected);
            assert_eq!(m.access(0, BASE + 2 * line - 8, Access::Load), L1);
        }
    }

    #[test]
    fn config_validation() {
        let ok = HierarchyConfig::default();
        assert!(MemoryHierarchy::new(4, &ok).is_ok());
        let with_l1d = |c: CacheConfig| HierarchyConfig { l1d: c, ..ok };
        let err = |cfg: HierarchyConfig| MemoryHierarchy::new(1, &cfg).err().unwrap();
        assert_eq!(
            err(with_l1d(cache(32 << 10, 8, 48, 2))),
            ConfigError::BadLineSize {
                level: Level::L1D,
                line: 48
            }
        );
        assert_eq!(
            err(with_l1d(cache(32 << 10, 8, 4, 2))),
            ConfigError::BadLineSize {
                level: Level::L1D,
                line: 4
            }
        );
        assert_eq!(
            err(with_l1d(cache(32 << 10, 0, 64, 2))),
            ConfigError::ZeroWays { level: Level::L1D }
        );
        assert_eq!(
            err(with_l1d(cache(30_000, 8, 64, 2))),
            ConfigError::SizeNotMultiple {
                level: Level::L1D,
                size: 30_000,
                ways: 8,
                line: 64
            }
        );
        assert_eq!(
            err(with_l1d(cache(3 * 8 * 64, 8, 64, 2))),
            ConfigError::SetsNotPowerOfTwo {
                level: Level::L1D,
                sets: 3
            }
        );
        assert_eq!(
            err(with_l1d(cache(0, 8, 64, 2))),
            ConfigError::SetsNotPowerOfTwo {
                level: Level::L1D,
                sets: 0
            }
        );
        assert!(matches!(
            err(HierarchyConfig {
                l2: cache(1 << 40, 8, 64, 12),
                ..ok
            }),
            ConfigError::TooLarge {
                level: Level::L2,
                ..
            }
        ));
        // Any associativity with a power-of-two number of sets is fine: a 48 KiB 12-way L1.
        assert!(MemoryHierarchy::new(1, &with_l1d(cache(48 << 10, 12, 64, 2))).is_ok());
        assert!(matches!(
            err(with_l1d(cache(64 << 10, 8, 128, 2))),
            ConfigError::L1LineMismatch { l1i: 64, l1d: 128 }
        ));
        assert!(matches!(
            err(HierarchyConfig {
                l2: cache(512 << 10, 8, 32, 12),
                ..ok
            }),
            ConfigError::L2LineTooSmall { l1: 64, l2: 32 }
        ));
        assert_eq!(
            MemoryHierarchy::new(0, &ok).err(),
            Some(ConfigError::NoHarts)
        );
        assert_eq!(
            err(with_l1d(cache(30_000, 8, 64, 2))).to_string(),
            "L1 D: size 30000 B is not a multiple of ways x line size (8 x 64 B)"
        );
    }

    /// Average latency of a pointer chase through `bytes` of memory, one access per line in
    /// a fixed random cyclic order, after one warm-up lap.
    fn chase(bytes: u64) -> f64 {
        let mut m = MemoryHierarchy::new(1, &HierarchyConfig::default()).unwrap();
        let lines = bytes / 64;
        let mut order: Vec<u64> = (0..lines).collect();
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        for i in (1..order.len()).rev() {
            order.swap(i, rng.below(i as u64 + 1) as usize);
        }
        for &l in &order {
            m.access(0, BASE + l * 64, Access::Load);
        }
        let total: u64 = order
            .iter()
            .map(|&l| m.access(0, BASE + l * 64, Access::Load) as u64)
            .sum();
        total as f64 / lines as f64
    }

    #[test]
    fn pointer_chase_shows_the_three_levels() {
        // Default hierarchy: 32 KiB L1 (2), 512 KiB L2 (+12), DRAM (+100).
        assert_eq!(chase(16 << 10), 2.0);
        assert_eq!(chase(32 << 10), 2.0);
        assert_eq!(chase(256 << 10), 14.0);
        assert_eq!(chase(512 << 10), 14.0);
        assert_eq!(chase(4 << 20), 114.0);
        // Just past a capacity, a cyclic pattern defeats LRU entirely.
        assert_eq!(chase(64 << 10), 14.0);
        assert_eq!(chase(1 << 20), 114.0);
    }

    #[test]
    fn store_by_another_hart_invalidates() {
        let mut m = MemoryHierarchy::new(2, &tiny()).unwrap();
        let a = BASE + 0x1000;
        assert_eq!(m.access(0, a, Access::Load), L1 + L2 + DRAM);
        assert_eq!(m.access(0, a, Access::Load), L1);
        // Hart 1 writes: hart 0's clean copy goes, hart 1 misses into the L2.
        assert_eq!(m.access(1, a, Access::Store), L1 + L2);
        assert_eq!(m.stats(0).l1d.invalidations, 1);
        assert_eq!(m.stats(0).l1d.writebacks, 0);
        assert_eq!(m.access(1, a + 8, Access::Store), L1);
        // Hart 0's next load misses; hart 1 writes its modified line back and keeps it shared.
        assert_eq!(m.access(0, a, Access::Load), L1 + L2);
        assert_eq!(m.stats(1).l1d.writebacks, 1);
        assert_eq!(m.access(1, a, Access::Load), L1);
        // Hart 1 writing the shared line again pays the upgrade and invalidates hart 0.
        assert_eq!(m.access(1, a, Access::Store), L1 + L2);
        assert_eq!(m.stats(0).l1d.invalidations, 2);
        assert_eq!(m.access(1, a, Access::Store), L1);
        // Hart 0 storing to the line hart 1 modified: hart 1 writes back and loses it.
        assert_eq!(m.access(0, a, Access::Store), L1 + L2);
        assert_eq!(m.stats(1).l1d.invalidations, 1);
        assert_eq!(m.stats(1).l1d.writebacks, 2);
        assert_eq!(m.access(1, a, Access::Load), L1 + L2);
        assert_eq!(m.stats(0).l1d.writebacks, 1);
        m.check_invariants();
    }

    #[test]
    fn store_by_another_hart_invalidates_instruction_lines() {
        let mut m = MemoryHierarchy::new(2, &tiny()).unwrap();
        let code = BASE + 0x2000;
        m.access(0, code, Access::Fetch);
        assert_eq!(m.access(0, code + 4, Access::Fetch), L1);
        // Hart 1 loads the line: it is shared with hart 0's L1 I, so its store must upgrade.
        assert_eq!(m.access(1, code, Access::Load), L1 + L2);
        assert_eq!(m.access(1, code, Access::Store), L1 + L2);
        assert_eq!(m.stats(0).l1i.invalidations, 1);
        assert_eq!(m.access(0, code + 8, Access::Fetch), L1 + L2);
        // A hart's own stores leave its L1 I alone.
        m.access(0, code, Access::Store);
        assert_eq!(m.access(0, code, Access::Fetch), L1);
        m.check_invariants();
    }

    #[test]
    fn private_data_never_pays_for_coherence() {
        let mut m = MemoryHierarchy::new(4, &tiny()).unwrap();
        for h in 0..4 {
            let a = BASE + 0x40 * h as u64;
            m.access(h, a, Access::Load);
            assert_eq!(m.access(h, a, Access::Store), L1);
        }
        for h in 0..4 {
            let s = m.stats(h).l1d;
            assert_eq!((s.invalidations, s.writebacks), (0, 0));
        }
    }

    #[test]
    fn downgrade_forgets_the_fast_store_path() {
        let mut m = MemoryHierarchy::new(2, &tiny()).unwrap();
        let a = BASE + 0x3000;
        m.access(0, a, Access::Store);
        assert_eq!(m.access(0, a, Access::Store), L1);
        m.access(1, a, Access::Load); // downgrades hart 0's copy to shared
        assert_eq!(m.access(0, a, Access::Load), L1);
        assert_eq!(m.access(0, a, Access::Store), L1 + L2);
        assert_eq!(m.stats(1).l1d.invalidations, 1);
    }

    /// A random multi-hart stream over a small footprint with some sharing.
    fn random_stream(seed: u64, n: usize) -> Vec<(usize, u64, Access)> {
        let mut rng = Rng(seed);
        (0..n)
            .map(|_| {
                let hart = rng.below(4) as usize;
                let kind = [Access::Fetch, Access::Load, Access::Store][rng.below(3) as usize];
                // Mostly a per-hart region, sometimes a shared one; lines repeat often.
                let region = if rng.below(4) == 0 { 4 } else { hart as u64 };
                let addr = BASE + region * 0x4000 + rng.below(48) * 0x40 + rng.below(64);
                (hart, addr, kind)
            })
            .collect()
    }

    fn small_multi() -> HierarchyConfig {
        HierarchyConfig {
            l1i: cache(1024, 2, 64, L1),
            l1d: cache(1024, 4, 64, L1),
            l2: cache(4096, 4, 64, L2),
            dram_latency: DRAM,
        }
    }

    #[test]
    fn fast_path_changes_nothing() {
        let stream = random_stream(7, 40_000);
        let mut fast = MemoryHierarchy::new(4, &small_multi()).unwrap();
        let mut slow = MemoryHierarchy::new(4, &small_multi()).unwrap();
        for (i, &(hart, addr, kind)) in stream.iter().enumerate() {
            // Each access twice: the second often takes the fast path in `fast`.
            for _ in 0..2 {
                slow.forget_memos();
                assert_eq!(
                    fast.access(hart, addr, kind),
                    slow.access(hart, addr, kind),
                    "access {i}"
                );
            }
            if i % 97 == 0 {
                fast.check_invariants();
            }
        }
        fast.check_invariants();
        for h in 0..4 {
            assert_eq!(fast.stats(h), slow.stats(h));
        }
        assert_eq!(fast.l2_stats(), slow.l2_stats());
        assert!(fast.stats(0).l1d.invalidations > 0);
        assert!(fast.stats(0).l1i.invalidations > 0);
        assert!(fast.l2_stats().writebacks > 0);
    }

    #[test]
    fn deterministic() {
        let run = || {
            let mut m = MemoryHierarchy::new(4, &small_multi()).unwrap();
            let lat: Vec<u32> = random_stream(42, 20_000)
                .into_iter()
                .map(|(h, a, k)| m.access(h, a, k))
                .collect();
            let stats: Vec<HartCacheStats> = (0..4).map(|h| m.stats(h)).collect();
            (lat, stats, m.l2_stats())
        };
        assert_eq!(run(), run());
    }

    /// Host cost per access for a few patterns. Not a pass/fail test; run with
    /// `cargo test --release -p sim-core timing::cache::tests::speed -- --ignored --nocapture`.
    /// Reports the best of three runs in on-CPU time of the thread (from
    /// `/proc/thread-self/schedstat`, so time spent descheduled on a busy host is excluded).
    #[test]
    #[ignore]
    fn speed() {
        use std::hint::black_box;

        fn cpu_ns() -> u64 {
            std::fs::read_to_string("/proc/thread-self/schedstat")
                .ok()
                .and_then(|s| s.split_whitespace().next()?.parse().ok())
                .unwrap_or(0)
        }
        /// `run` returns (accesses, instructions, simulated cycles).
        fn report(name: &str, mut run: impl FnMut() -> (u64, u64, u64)) {
            // `CACHE_BENCH_ONLY=text` runs only the patterns whose name contains it.
            if !name.contains(&std::env::var("CACHE_BENCH_ONLY").unwrap_or_default()) {
                return;
            }
            let mut best = f64::MAX;
            let (mut accesses, mut insns, mut cycles) = (0, 0, 0);
            for _ in 0..3 {
                let t = cpu_ns();
                (accesses, insns, cycles) = black_box(run());
                best = best.min((cpu_ns() - t) as f64);
            }
            print!("{name:<46} {:6.2} ns/access", best / accesses as f64);
            if insns != 0 {
                print!(" {:6.2} ns/insn", best / insns as f64);
            }
            println!("  ({:.2} cycles/access)", cycles as f64 / accesses as f64);
        }
        // Accesses per pattern; `CACHE_BENCH_N` overrides it (e.g. to run under a profiler).
        let n = std::env::var("CACHE_BENCH_N").map_or(20_000_000, |v| v.parse().unwrap());
        let cfg = HierarchyConfig::default();
        let mut rng = Rng(1);
        let table = |rng: &mut Rng, span: u64| -> Vec<u64> {
            (0..1 << 16)
                .map(|_| BASE + (rng.below(span) & !7))
                .collect()
        };

        let near = table(&mut rng, 16 << 10);
        report("harness only (table walk, no model)", || {
            let c: u64 = (0..n as usize)
                .map(|i| black_box(near[i & 0xffff]) & 3)
                .sum();
            (n, 0, c)
        });
        report("fetch, sequential 4 B over 16 KiB", || {
            let mut m = MemoryHierarchy::new(1, &cfg).unwrap();
            let c: u64 = (0..n)
                .map(|i| m.access(0, BASE + (i * 4) % (16 << 10), Access::Fetch) as u64)
                .sum();
            (n, 0, c)
        });
        report("load, random within 16 KiB (L1 hits)", || {
            let mut m = MemoryHierarchy::new(1, &cfg).unwrap();
            let c: u64 = (0..n as usize)
                .map(|i| m.access(0, near[i & 0xffff], Access::Load) as u64)
                .sum();
            (n, 0, c)
        });
        let tiny = table(&mut rng, 4 << 10);
        report("load, random within 4 KiB (L1 hits, MRU way)", || {
            let mut m = MemoryHierarchy::new(1, &cfg).unwrap();
            let c: u64 = (0..n as usize)
                .map(|i| m.access(0, tiny[i & 0xffff], Access::Load) as u64)
                .sum();
            (n, 0, c)
        });
        let mid = table(&mut rng, 256 << 10);
        report("load, random within 256 KiB (L2 hits)", || {
            let mut m = MemoryHierarchy::new(1, &cfg).unwrap();
            let c: u64 = (0..n as usize)
                .map(|i| m.access(0, mid[i & 0xffff], Access::Load) as u64)
                .sum();
            (n, 0, c)
        });
        let far = table(&mut rng, 64 << 20);
        report("store, random within 64 MiB (misses)", || {
            let mut m = MemoryHierarchy::new(1, &cfg).unwrap();
            let c: u64 = (0..n as usize)
                .map(|i| m.access(0, far[i & 0xffff], Access::Store) as u64)
                .sum();
            (n, 0, c)
        });

        // An instruction mix: sequential fetch around a 64-instruction loop that moves every
        // 4096 instructions, a load every 4th instruction and a store every 8th; data 80% in
        // a 2 KiB stack, 15% in a 1 MiB heap (both per hart), 5% in 4 KiB all harts share.
        // With several harts, each runs 1024 instructions at a time, as in a quantum.
        let data: Vec<u64> = (0..1 << 16)
            .map(|_| match rng.below(100) {
                0..80 => BASE + (1 << 24) + (rng.below(2 << 10) & !7),
                80..95 => BASE + (1 << 25) + (rng.below(1 << 20) & !7),
                _ => BASE + (1 << 28) + (rng.below(4 << 10) & !7),
            })
            .collect();
        for harts in [1usize, 4] {
            let mut last = None;
            report(&format!("instruction mix, {harts} hart(s)"), || {
                let mut m = MemoryHierarchy::new(harts, &cfg).unwrap();
                let (mut accesses, mut c) = (0u64, 0u64);
                for i in 0..n {
                    let hart = (i >> 10) as usize % harts;
                    let pc = BASE + (i % 64) * 4 + ((i >> 12) % 256) * 256;
                    c += m.access(hart, pc, Access::Fetch) as u64;
                    accesses += 1;
                    let d = data[i as usize & 0xffff];
                    let d = if d < BASE + (1 << 28) {
                        d + ((hart as u64) << 26)
                    } else {
                        d
                    };
                    if i % 4 == 0 {
                        c += m.access(hart, d, Access::Load) as u64;
                        accesses += 1;
                    } else if i % 8 == 1 {
                        c += m.access(hart, d, Access::Store) as u64;
                        accesses += 1;
                    }
                }
                last = Some((m.stats(0), m.l2_stats()));
                (accesses, n, c)
            });
            if let Some((s, l2)) = last {
                let rate = |s: CacheStats| 100.0 * s.misses as f64 / s.accesses() as f64;
                println!(
                    "    hart 0 miss rates: L1 I {:.2}%, L1 D {:.2}% ({} invalidations); L2 {:.2}%",
                    rate(s.l1i),
                    rate(s.l1d),
                    s.l1d.invalidations,
                    rate(l2)
                );
            }
        }
    }
}
