//! Predecoded blocks for the functional loop: straight-line runs of decoded instructions,
//! keyed by the physical address of their first instruction, so the loop fetches, translates
//! and checks once per block instead of once per instruction.
//!
//! A block never crosses a 4 KiB page (translation may differ on the next one) and ends
//! after an instruction that transfers control or serialises (the operation table's flow and
//! class say which), or at [`MAX_INSNS`]. Its instructions depend only on the bytes at its
//! physical address, never on the pc it is reached from (pc-relative operations read the
//! hart's pc when they execute), so the same block serves every virtual alias.
//!
//! Self-modifying code stays exact without comparing instruction bits: the page a block is
//! decoded from is watched by RAM ([`Ram::watch_code`]), every write to it bumps the page's
//! code generation, and a block is valid only while the generation it was decoded at is
//! current. Harts keep watched pages out of their store TLBs so their stores reach RAM's
//! accounting, and a store to a watched page ends the block it was made from (not the slice,
//! whose ends decide when interrupts are seen), so the rest of a block it may have changed
//! is not run from stale decodes.

use crate::isa::decode::{self, decode, Insn};
use crate::isa::table::{class_of, info, Flow};
use crate::memory::Ram;

/// Most instructions in one block.
pub(super) const MAX_INSNS: usize = 8;

/// log2 of the number of blocks a hart keeps.
const BLOCK_BITS: u32 = 11;

/// One predecoded instruction.
#[derive(Clone, Copy)]
#[repr(C, align(16))]
pub(super) struct Predecoded {
    pub(super) insn: Insn,
    pub(super) raw: u32,
    /// Length in bytes.
    pub(super) len: u32,
}

/// A block: where it was decoded from, at which code generation, and its instructions.
#[derive(Clone, Copy)]
pub(super) struct Block {
    /// Physical address of its first instruction.
    pa: u64,
    /// The code generation of its page when it was decoded (0: an empty slot).
    generation: u32,
    /// Instructions in `insns`.
    pub(super) len: u32,
    pub(super) insns: [Predecoded; MAX_INSNS],
}

const EMPTY: Block = Block {
    pa: 0,
    generation: 0,
    len: 0,
    insns: [Predecoded {
        insn: Insn::ILLEGAL,
        raw: 0,
        len: 0,
    }; MAX_INSNS],
};

/// A hart's blocks: a direct-mapped table indexed by physical address. Not state: a memo of
/// RAM's contents, allocated when the functional loop first runs.
#[derive(Default)]
pub(super) struct BlockCache {
    blocks: Vec<Block>,
}

impl BlockCache {
    /// Make room for the blocks (once).
    pub(super) fn ensure_allocated(&mut self) {
        if self.blocks.is_empty() {
            self.blocks = vec![EMPTY; 1 << BLOCK_BITS];
        }
    }

    #[inline(always)]
    fn index(pa: u64) -> usize {
        ((pa >> 1) ^ (pa >> (1 + BLOCK_BITS))) as usize & ((1 << BLOCK_BITS) - 1)
    }

    /// The block starting at physical address `pa`, whose bytes are at `host` (the rest of
    /// its page, at least 4 bytes, is readable there), decoded first unless a current one is
    /// cached; and whether decoding it watched its page for the first time (the hart must
    /// then drop its store-TLB entries before running it).
    #[inline(always)]
    pub(super) fn get(&mut self, ram: &mut Ram, pa: u64, host: *const u8) -> (&Block, bool) {
        let i = Self::index(pa);
        // SAFETY: `i` < 2^BLOCK_BITS = blocks.len() (allocated before the loop runs).
        let b = unsafe { self.blocks.get_unchecked_mut(i) };
        if b.pa == pa && b.generation == ram.code_generation(pa) && b.generation != 0 {
            return (b, false);
        }
        let newly = Self::decode_into(b, ram, pa, host);
        (b, newly)
    }

    #[cold]
    #[inline(never)]
    fn decode_into(b: &mut Block, ram: &mut Ram, pa: u64, host: *const u8) -> bool {
        let (generation, newly) = ram.watch_code(pa);
        let mut offset = (pa & 0xfff) as usize;
        let mut n = 0;
        while n < MAX_INSNS && offset <= 0xffc {
            // SAFETY: `offset` <= 0xffc, so the 4 bytes lie inside the page `host` points
            // into (the caller's guarantee covers the rest of the page).
            let raw = unsafe {
                host.add(offset - (pa & 0xfff) as usize)
                    .cast::<u32>()
                    .read_unaligned()
            };
            let raw = if raw & 3 == 3 { raw } else { raw & 0xffff };
            let insn = decode(raw);
            let len = decode::insn_len(raw) as u32;
            b.insns[n] = Predecoded { insn, raw, len };
            n += 1;
            offset += len as usize;
            if info(insn.op).flow != Flow::Next || class_of(insn.op).is_serialising() {
                break;
            }
        }
        b.pa = pa;
        b.generation = generation;
        b.len = n as u32;
        newly
    }
}
