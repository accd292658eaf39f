//! Branch prediction for the timing model.
//!
//! The predictor is told, once per executed control-transfer instruction, what actually
//! happened ([`BranchPredictor::resolve`]); it answers whether its prediction would have been
//! right and trains itself. The core model ([`super::core`]) turns a wrong answer into the
//! mispredict penalty.
//!
//! Two configurations ([`PredictorConfig`]):
//!
//! - **Static**: conditional branches are predicted backward-taken / forward-not-taken
//!   (BTFN), with the target computed in decode. JAL is always right. A JALR that is a return
//!   (per the RISC-V link-register hints, see [`ControlKind::of`]) is predicted by a
//!   return-address stack (RAS); any other JALR is mispredicted unless an optional BTB holds
//!   its last target.
//! - **Bimodal**: a table of 2-bit saturating counters indexed by pc predicts branch
//!   directions. As in a fetch-stage BTB/BHT pair (SiFive's E31 manual describes this
//!   organisation: a BTB "which predicts the target of taken branches", a BHT for directions
//!   and a RAS for returns), a branch can only be predicted taken when the direct-mapped BTB
//!   holds its target: a BTB miss means fetch falls through. The BTB is filled by taken
//!   branches and by indirect jumps (JALRs that are not returns); returns use the RAS, and
//!   fall back to the BTB when the RAS is empty. JAL is always right.
//!
//! What is modelled: direction and target correctness, table aliasing (counters and BTB are
//! indexed by `pc >> 1` without hashing; the BTB is tagged with the full pc, so aliasing
//! evicts rather than mispredicts), RAS overflow (the stack is circular: the oldest entry is
//! overwritten) and underflow (an empty RAS makes no prediction).
//!
//! What is not: prediction timing (a correct prediction costs nothing extra; the
//! decode-stage redirect bubble of a JAL or of a static taken branch is folded into the
//! class's base cost in the core model), wrong-path updates, speculative RAS repair,
//! global history, and the fetch of multiple instructions per cycle.
//!
//! Resolving costs a few array accesses and no allocation or hashing.

use crate::isa::decode::Insn;
use crate::isa::table::{info, Flow};

/// Largest accepted number of bimodal counters.
pub const MAX_COUNTERS: u32 = 1 << 20;
/// Largest accepted number of BTB entries.
pub const MAX_BTB_ENTRIES: u32 = 1 << 16;
/// Largest accepted return-address-stack depth.
pub const MAX_RAS_DEPTH: u32 = 1024;

/// Branch predictor configuration.
#[derive(serde::Serialize, serde::Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
pub enum PredictorConfig {
    /// Backward taken, forward not taken; JAL always right; JALR through the RAS (returns)
    /// or the BTB (others).
    Static {
        /// BTB entries for indirect jumps: 0 (no BTB: non-return JALRs always mispredict)
        /// or a power of two up to [`MAX_BTB_ENTRIES`].
        btb_entries: u32,
        /// Return-address stack depth, 0 (no RAS) to [`MAX_RAS_DEPTH`].
        ras_depth: u32,
    },
    /// 2-bit counters indexed by pc, a direct-mapped BTB and a RAS.
    Bimodal {
        /// Number of 2-bit counters: a power of two up to [`MAX_COUNTERS`].
        counters: u32,
        /// BTB entries: a power of two from 1 to [`MAX_BTB_ENTRIES`] (a taken prediction
        /// needs a BTB hit, so a bimodal predictor without a BTB would never predict taken).
        btb_entries: u32,
        /// Return-address stack depth, 0 (no RAS) to [`MAX_RAS_DEPTH`].
        ras_depth: u32,
    },
}

impl Default for PredictorConfig {
    /// `Bimodal { counters: 512, btb_entries: 32, ras_depth: 6 }`: the sizes SiFive's E31
    /// manual gives (512-entry BHT, 6-entry RAS; its 28-entry BTB is rounded up to the next
    /// power of two because ours is direct-mapped).
    fn default() -> Self {
        PredictorConfig::Bimodal {
            counters: 512,
            btb_entries: 32,
            ras_depth: 6,
        }
    }
}

/// An invalid predictor configuration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PredictorConfigError {
    /// A table size is not a power of two.
    #[error("branch predictor {param} = {value} is not a power of two")]
    NotPowerOfTwo {
        /// Parameter name.
        param: &'static str,
        /// Its value.
        value: u32,
    },
    /// A parameter lies outside its accepted range.
    #[error("branch predictor {param} = {value} is out of range {min}..={max}")]
    OutOfRange {
        /// Parameter name.
        param: &'static str,
        /// Its value.
        value: u32,
        /// Smallest accepted value.
        min: u32,
        /// Largest accepted value.
        max: u32,
    },
}

fn check_range(
    param: &'static str,
    value: u32,
    min: u32,
    max: u32,
) -> Result<(), PredictorConfigError> {
    if value < min || value > max {
        return Err(PredictorConfigError::OutOfRange {
            param,
            value,
            min,
            max,
        });
    }
    Ok(())
}

fn check_pow2_or_zero(param: &'static str, value: u32) -> Result<(), PredictorConfigError> {
    if value != 0 && !value.is_power_of_two() {
        return Err(PredictorConfigError::NotPowerOfTwo { param, value });
    }
    Ok(())
}

impl PredictorConfig {
    /// Check sizes: tables are powers of two within the documented bounds.
    pub fn validate(&self) -> Result<(), PredictorConfigError> {
        match *self {
            PredictorConfig::Static {
                btb_entries,
                ras_depth,
            } => {
                check_range("btb_entries", btb_entries, 0, MAX_BTB_ENTRIES)?;
                check_pow2_or_zero("btb_entries", btb_entries)?;
                check_range("ras_depth", ras_depth, 0, MAX_RAS_DEPTH)
            }
            PredictorConfig::Bimodal {
                counters,
                btb_entries,
                ras_depth,
            } => {
                check_range("counters", counters, 1, MAX_COUNTERS)?;
                check_pow2_or_zero("counters", counters)?;
                check_range("btb_entries", btb_entries, 1, MAX_BTB_ENTRIES)?;
                check_pow2_or_zero("btb_entries", btb_entries)?;
                check_range("ras_depth", ras_depth, 0, MAX_RAS_DEPTH)
            }
        }
    }
}

/// The kind of a control-transfer instruction, with the RAS hints of JAL/JALR.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ControlKind {
    /// A conditional branch (BEQ..BGEU, C.BEQZ, C.BNEZ).
    Branch,
    /// JAL; `is_call` when it links (rd = x1 or x5), which pushes the RAS.
    Jal {
        /// Pushes the return address.
        is_call: bool,
    },
    /// JALR. Both flags set is a coroutine swap (pop, then push).
    Jalr {
        /// Pushes the return address (rd = x1 or x5).
        is_call: bool,
        /// Pops the RAS (rs1 = x1 or x5, and not the same link register as rd).
        is_return: bool,
    },
}

/// Whether `r` is a link register (x1 or x5) in the sense of the RAS hints.
#[inline]
fn is_link(r: u8) -> bool {
    r == 1 || r == 5
}

impl ControlKind {
    /// The control kind of a decoded instruction, `None` if it is not a control transfer.
    ///
    /// The hints follow the unprivileged spec's table for JALR: rd link and rs1 not →
    /// push; rs1 link and rd not → pop; both links and different → pop then push; both the
    /// same link → push. (`Insn::rd` holds `RD_SINK` for x0, which is not a link register.)
    #[inline]
    pub fn of(insn: &Insn) -> Option<Self> {
        match info(insn.op).flow {
            Flow::Branch => Some(ControlKind::Branch),
            Flow::Jal => Some(ControlKind::Jal {
                is_call: is_link(insn.rd),
            }),
            Flow::Jalr => Some(ControlKind::Jalr {
                is_call: is_link(insn.rd),
                is_return: is_link(insn.rs1) && insn.rs1 != insn.rd,
            }),
            Flow::Next => None,
        }
    }
}

/// Prediction statistics by kind.
#[derive(serde::Serialize, serde::Deserialize, Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PredictorStats {
    /// Conditional branches resolved.
    pub branches: u64,
    /// Conditional branches mispredicted (direction, or taken without a BTB target).
    pub branch_mispredicts: u64,
    /// JALs resolved (never mispredicted).
    pub jals: u64,
    /// JALRs that are returns (pop the RAS).
    pub returns: u64,
    /// Returns mispredicted.
    pub return_mispredicts: u64,
    /// Other JALRs (indirect jumps and calls).
    pub indirect: u64,
    /// Other JALRs mispredicted.
    pub indirect_mispredicts: u64,
}

impl PredictorStats {
    /// All control transfers resolved.
    pub fn total(&self) -> u64 {
        self.branches + self.jals + self.returns + self.indirect
    }

    /// All mispredictions.
    pub fn mispredicts(&self) -> u64 {
        self.branch_mispredicts + self.return_mispredicts + self.indirect_mispredicts
    }
}

/// Tag of an empty BTB entry: odd, so no (2-byte aligned) pc matches it.
const BTB_EMPTY: u64 = u64::MAX;

#[derive(serde::Serialize, serde::Deserialize, Debug, Clone, Copy)]
struct BtbEntry {
    pc: u64,
    target: u64,
}

/// A branch predictor (see the module documentation).
#[derive(serde::Serialize, serde::Deserialize, Debug, Clone)]
pub struct BranchPredictor {
    config: PredictorConfig,
    /// 2-bit counters (0, 1 = not taken; 2, 3 = taken); empty for the static predictor.
    counters: Box<[u8]>,
    counter_mask: usize,
    btb: Box<[BtbEntry]>,
    btb_mask: usize,
    ras: Box<[u64]>,
    /// Next free RAS slot.
    ras_top: usize,
    /// Valid RAS entries (at most `ras.len()`).
    ras_len: usize,
    stats: PredictorStats,
}

/// Initial counter value: weakly not taken.
const COUNTER_INIT: u8 = 1;

#[inline(always)]
fn index(pc: u64, mask: usize) -> usize {
    (pc >> 1) as usize & mask
}

impl BranchPredictor {
    /// A predictor with empty tables (counters weakly not-taken, BTB and RAS empty).
    pub fn new(config: &PredictorConfig) -> Result<Self, PredictorConfigError> {
        config.validate()?;
        let (counters, btb_entries, ras_depth) = match *config {
            PredictorConfig::Static {
                btb_entries,
                ras_depth,
            } => (0, btb_entries, ras_depth),
            PredictorConfig::Bimodal {
                counters,
                btb_entries,
                ras_depth,
            } => (counters, btb_entries, ras_depth),
        };
        let empty = BtbEntry {
            pc: BTB_EMPTY,
            target: 0,
        };
        Ok(Self {
            config: *config,
            counters: vec![COUNTER_INIT; counters as usize].into_boxed_slice(),
            counter_mask: (counters as usize).wrapping_sub(1),
            btb: vec![empty; btb_entries as usize].into_boxed_slice(),
            btb_mask: (btb_entries as usize).wrapping_sub(1),
            ras: vec![0; ras_depth as usize].into_boxed_slice(),
            ras_top: 0,
            ras_len: 0,
            stats: PredictorStats::default(),
        })
    }

    /// The configuration this predictor was built with.
    pub fn config(&self) -> &PredictorConfig {
        &self.config
    }

    /// Statistics so far.
    pub fn stats(&self) -> PredictorStats {
        self.stats
    }

    /// Zero the statistics (the tables are untouched).
    pub fn reset_stats(&mut self) {
        self.stats = PredictorStats::default();
    }

    /// Resolve one executed control transfer at `pc` (whose fall-through address, pc plus
    /// its 2- or 4-byte length, is `fallthrough`): `taken` is whether it redirected control
    /// (ignored for jumps, which always do) and `target` its taken target — for a conditional
    /// branch, pc + offset even when not taken (the static predictor needs the direction).
    /// Returns whether the prediction was right (direction, and target when taken), then
    /// trains the tables.
    #[inline]
    pub fn resolve(
        &mut self,
        pc: u64,
        fallthrough: u64,
        kind: ControlKind,
        taken: bool,
        target: u64,
    ) -> bool {
        match kind {
            ControlKind::Branch => {
                let correct = if self.counters.is_empty() {
                    // Static BTFN: the target comes from decode, so only the direction counts.
                    (target <= pc) == taken
                } else {
                    let i = index(pc, self.counter_mask);
                    let c = self.counters[i];
                    let predicted = if c >= 2 { self.btb_lookup(pc) } else { None };
                    let correct = match predicted {
                        Some(t) => taken && t == target,
                        None => !taken,
                    };
                    self.counters[i] = if taken {
                        (c + 1).min(3)
                    } else {
                        c.saturating_sub(1)
                    };
                    if taken {
                        self.btb_insert(pc, target);
                    }
                    correct
                };
                self.stats.branches += 1;
                self.stats.branch_mispredicts += u64::from(!correct);
                correct
            }
            ControlKind::Jal { is_call } => {
                if is_call {
                    self.ras_push(fallthrough);
                }
                self.stats.jals += 1;
                true
            }
            ControlKind::Jalr { is_call, is_return } => {
                let correct = if is_return {
                    let predicted = match self.ras_pop() {
                        Some(t) => Some(t),
                        None => self.btb_lookup(pc),
                    };
                    let correct = predicted == Some(target);
                    self.stats.returns += 1;
                    self.stats.return_mispredicts += u64::from(!correct);
                    correct
                } else {
                    let correct = self.btb_lookup(pc) == Some(target);
                    self.btb_insert(pc, target);
                    self.stats.indirect += 1;
                    self.stats.indirect_mispredicts += u64::from(!correct);
                    correct
                };
                if is_call {
                    self.ras_push(fallthrough);
                }
                correct
            }
        }
    }

    #[inline]
    fn btb_lookup(&self, pc: u64) -> Option<u64> {
        if self.btb.is_empty() {
            return None;
        }
        let e = self.btb[index(pc, self.btb_mask)];
        (e.pc == pc).then_some(e.target)
    }

    #[inline]
    fn btb_insert(&mut self, pc: u64, target: u64) {
        if !self.btb.is_empty() {
            self.btb[index(pc, self.btb_mask)] = BtbEntry { pc, target };
        }
    }

    #[inline]
    fn ras_push(&mut self, addr: u64) {
        let depth = self.ras.len();
        if depth == 0 {
            return;
        }
        self.ras[self.ras_top] = addr;
        self.ras_top = if self.ras_top + 1 == depth {
            0
        } else {
            self.ras_top + 1
        };
        self.ras_len = (self.ras_len + 1).min(depth);
    }

    #[inline]
    fn ras_pop(&mut self) -> Option<u64> {
        if self.ras_len == 0 {
            return None;
        }
        self.ras_len -= 1;
        self.ras_top = if self.ras_top == 0 {
            self.ras.len() - 1
        } else {
            self.ras_top - 1
        };
        Some(self.ras[self.ras_top])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::isa::decode::decode;

    fn bimodal(counters: u32, btb_entries: u32, ras_depth: u32) -> BranchPredictor {
        BranchPredictor::new(&PredictorConfig::Bimodal {
            counters,
            btb_entries,
            ras_depth,
        })
        .unwrap()
    }

    fn static_pred(btb_entries: u32, ras_depth: u32) -> BranchPredictor {
        BranchPredictor::new(&PredictorConfig::Static {
            btb_entries,
            ras_depth,
        })
        .unwrap()
    }

    /// Run `loops` executions of a loop whose backward branch at `pc` is taken `trip - 1`
    /// times then falls through; returns mispredicts per loop execution.
    fn run_loop(p: &mut BranchPredictor, pc: u64, trip: u32, loops: u32) -> Vec<u32> {
        let mut per_loop = Vec::new();
        for _ in 0..loops {
            let mut wrong = 0;
            for i in 0..trip {
                let taken = i + 1 < trip;
                if !p.resolve(pc, pc + 4, ControlKind::Branch, taken, pc - 0x40) {
                    wrong += 1;
                }
            }
            per_loop.push(wrong);
        }
        per_loop
    }

    #[test]
    fn bimodal_loop_branch_mispredicts_once_per_exit_after_warmup() {
        let mut p = bimodal(512, 32, 6);
        let per_loop = run_loop(&mut p, 0x8000_1000, 10, 50);
        // Warm-up: the first taken branch misses the BTB.
        assert_eq!(per_loop[0], 2);
        assert!(per_loop[1..].iter().all(|&w| w == 1), "{per_loop:?}");
        let s = p.stats();
        assert_eq!(s.branches, 500);
        assert_eq!(s.branch_mispredicts, 51);
        assert_eq!(s.mispredicts(), 51);
    }

    #[test]
    fn alternating_pattern_defeats_bimodal() {
        let pc = 0x8000_2000;
        let rate = |first_taken: bool| {
            let mut p = bimodal(64, 16, 0);
            let n = 1000;
            let wrong = (0..n)
                .filter(|i| {
                    let taken = (i % 2 == 0) == first_taken;
                    !p.resolve(pc, pc + 4, ControlKind::Branch, taken, pc + 0x20)
                })
                .count();
            wrong as f64 / n as f64
        };
        // From weakly-not-taken, N,T,N,T swings the counter between 0 and 1: every taken
        // branch is wrong (50%). T,N,T,N swings it between 1 and 2: every branch is wrong.
        assert_eq!(rate(false), 0.5);
        assert!(rate(true) > 0.99);
    }

    #[test]
    fn static_predicts_backward_taken_forward_not_taken() {
        let mut p = static_pred(0, 0);
        // Backward loop branch: only each exit is mispredicted, from the very first loop.
        let per_loop = run_loop(&mut p, 0x1000, 10, 5);
        assert_eq!(per_loop, vec![1; 5]);
        // Forward branches: not taken is right, taken is wrong.
        assert!(p.resolve(0x2000, 0x2004, ControlKind::Branch, false, 0x2040));
        assert!(!p.resolve(0x2000, 0x2004, ControlKind::Branch, true, 0x2040));
        // JAL is always right.
        assert!(p.resolve(
            0x3000,
            0x3004,
            ControlKind::Jal { is_call: false },
            true,
            0x100
        ));
        // No BTB: indirect jumps always miss.
        let ind = ControlKind::Jalr {
            is_call: false,
            is_return: false,
        };
        assert!(!p.resolve(0x4000, 0x4004, ind, true, 0x5000));
        assert!(!p.resolve(0x4000, 0x4004, ind, true, 0x5000));
        let s = p.stats();
        assert_eq!((s.branches, s.branch_mispredicts), (52, 6));
        assert_eq!((s.jals, s.indirect, s.indirect_mispredicts), (1, 2, 2));
    }

    #[test]
    fn static_with_btb_predicts_repeated_indirect_jumps() {
        let mut p = static_pred(16, 2);
        let ind = ControlKind::Jalr {
            is_call: false,
            is_return: false,
        };
        assert!(!p.resolve(0x4000, 0x4004, ind, true, 0x5000));
        assert!(p.resolve(0x4000, 0x4004, ind, true, 0x5000));
        // A changed target is a mispredict, then learnt.
        assert!(!p.resolve(0x4000, 0x4004, ind, true, 0x6000));
        assert!(p.resolve(0x4000, 0x4004, ind, true, 0x6000));
    }

    const CALL: ControlKind = ControlKind::Jal { is_call: true };
    const RET: ControlKind = ControlKind::Jalr {
        is_call: false,
        is_return: true,
    };

    #[test]
    fn ras_predicts_nested_calls_and_returns() {
        for mut p in [bimodal(64, 16, 4), static_pred(0, 4)] {
            // main calls f (at 0x100), f calls g (at 0x200, compressed call), g calls h.
            let sites = [
                (0x100u64, 4u64, 0x1000u64),
                (0x1010, 2, 0x2000),
                (0x2020, 4, 0x3000),
            ];
            for _ in 0..3 {
                for &(pc, len, callee) in &sites {
                    assert!(p.resolve(pc, pc + len, CALL, true, callee));
                }
                for &(pc, len, callee) in sites.iter().rev() {
                    // Each callee returns from somewhere inside itself.
                    assert!(p.resolve(callee + 0x40, callee + 0x42, RET, true, pc + len));
                }
            }
            let s = p.stats();
            assert_eq!((s.jals, s.returns, s.return_mispredicts), (9, 9, 0));
        }
    }

    #[test]
    fn ras_overflow_loses_the_oldest_return_and_underflow_mispredicts() {
        let mut p = static_pred(0, 2);
        // Four nested calls into a 2-deep stack: the two innermost returns are right, the
        // outer two find the wrapped stack (stale or empty) and are wrong.
        for k in 0..4u64 {
            p.resolve(
                0x100 * (k + 1),
                0x100 * (k + 1) + 4,
                CALL,
                true,
                0x1000 * (k + 1),
            );
        }
        let results: Vec<bool> = (0..4u64)
            .rev()
            .map(|k| p.resolve(0x1000 * (k + 1) + 8, 0, RET, true, 0x100 * (k + 1) + 4))
            .collect();
        assert_eq!(results, vec![true, true, false, false]);
        // A return with an empty RAS and no BTB is mispredicted.
        assert!(!p.resolve(0x9000, 0x9004, RET, true, 0x104));
    }

    #[test]
    fn coroutine_swap_pops_then_pushes() {
        let mut p = static_pred(0, 4);
        p.resolve(0x100, 0x104, CALL, true, 0x1000);
        // jalr t0, 0(ra) in the callee: returns to 0x104 and pushes its own continuation.
        let swap = ControlKind::Jalr {
            is_call: true,
            is_return: true,
        };
        assert!(p.resolve(0x1000, 0x1004, swap, true, 0x104));
        // The caller swaps back.
        assert!(p.resolve(0x200, 0x204, swap, true, 0x1004));
    }

    #[test]
    fn btb_aliasing_evicts_indirect_targets() {
        let ind = ControlKind::Jalr {
            is_call: false,
            is_return: false,
        };
        let btb_entries = 16u64;
        let a = 0x8000_0000u64;
        // Same index (pc >> 1 modulo 16), different tags.
        let b = a + 2 * btb_entries;
        let mut p = bimodal(64, btb_entries as u32, 0);
        for _ in 0..10 {
            assert!(!p.resolve(a, a + 4, ind, true, 0x1111_0000));
            assert!(!p.resolve(b, b + 4, ind, true, 0x2222_0000));
        }
        // Non-colliding jumps each miss once.
        let c = a + 2;
        let mut p = bimodal(64, btb_entries as u32, 0);
        let mut wrong = 0;
        for _ in 0..10 {
            wrong += u32::from(!p.resolve(a, a + 4, ind, true, 0x1111_0000));
            wrong += u32::from(!p.resolve(c, c + 4, ind, true, 0x2222_0000));
        }
        assert_eq!(wrong, 2);
        assert_eq!(p.stats().indirect, 20);
    }

    #[test]
    fn btb_aliasing_between_branches_costs_taken_predictions() {
        // Two always-taken loop branches sharing a BTB entry (but not a counter): each
        // taken prediction needs the BTB, so they keep evicting each other.
        let a = 0x8000_0000u64;
        let b = a + 2 * 4;
        let mut p = bimodal(1024, 4, 0);
        for _ in 0..100 {
            p.resolve(a, a + 4, ControlKind::Branch, true, a - 0x20);
            p.resolve(b, b + 4, ControlKind::Branch, true, b - 0x40);
        }
        assert_eq!(p.stats().branch_mispredicts, 200);
        let mut p = bimodal(1024, 8, 0);
        for _ in 0..100 {
            p.resolve(a, a + 4, ControlKind::Branch, true, a - 0x20);
            p.resolve(b, b + 4, ControlKind::Branch, true, b - 0x40);
        }
        assert_eq!(p.stats().branch_mispredicts, 2);
    }

    #[test]
    fn config_validation() {
        assert!(BranchPredictor::new(&PredictorConfig::default()).is_ok());
        assert_eq!(
            PredictorConfig::Bimodal {
                counters: 100,
                btb_entries: 32,
                ras_depth: 4
            }
            .validate(),
            Err(PredictorConfigError::NotPowerOfTwo {
                param: "counters",
                value: 100
            })
        );
        assert!(matches!(
            PredictorConfig::Bimodal {
                counters: 0,
                btb_entries: 32,
                ras_depth: 4
            }
            .validate(),
            Err(PredictorConfigError::OutOfRange {
                param: "counters",
                ..
            })
        ));
        assert!(matches!(
            PredictorConfig::Bimodal {
                counters: 64,
                btb_entries: 0,
                ras_depth: 4
            }
            .validate(),
            Err(PredictorConfigError::OutOfRange {
                param: "btb_entries",
                ..
            })
        ));
        assert!(matches!(
            PredictorConfig::Bimodal {
                counters: 64,
                btb_entries: 24,
                ras_depth: 4
            }
            .validate(),
            Err(PredictorConfigError::NotPowerOfTwo {
                param: "btb_entries",
                ..
            })
        ));
        assert!(matches!(
            PredictorConfig::Static {
                btb_entries: 0,
                ras_depth: MAX_RAS_DEPTH + 1
            }
            .validate(),
            Err(PredictorConfigError::OutOfRange {
                param: "ras_depth",
                ..
            })
        ));
        assert!(PredictorConfig::Static {
            btb_entries: 0,
            ras_depth: 0
        }
        .validate()
        .is_ok());
        assert!(PredictorConfig::Static {
            btb_entries: 1 << 17,
            ras_depth: 0
        }
        .validate()
        .is_err());
        // A RAS depth need not be a power of two.
        assert!(BranchPredictor::new(&PredictorConfig::Static {
            btb_entries: 8,
            ras_depth: 3
        })
        .is_ok());
        let e = PredictorConfig::Static {
            btb_entries: 3,
            ras_depth: 0,
        }
        .validate()
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "branch predictor btb_entries = 3 is not a power of two"
        );
    }

    #[test]
    fn control_kinds_from_decoded_instructions() {
        let kind = |raw: u32| ControlKind::of(&decode(raw));
        // jal ra, -4
        assert_eq!(kind(0xffdf_f0ef), Some(ControlKind::Jal { is_call: true }));
        // j . (jal x0, 0) and c.j
        assert_eq!(kind(0x0000_006f), Some(ControlKind::Jal { is_call: false }));
        assert_eq!(kind(0xa001), Some(ControlKind::Jal { is_call: false }));
        // ret = c.jr ra, and jalr x0, 0(ra)
        assert_eq!(kind(0x8082), Some(RET));
        assert_eq!(kind(0x0000_8067), Some(RET));
        // jr t0 (rs1 = x5 is a link register too): a return
        assert_eq!(kind(0x0002_8067), Some(RET));
        // jalr ra, 0(a0) and c.jalr a0: calls
        let call = Some(ControlKind::Jalr {
            is_call: true,
            is_return: false,
        });
        assert_eq!(kind(0x0005_00e7), call);
        assert_eq!(kind(0x9502), call);
        // jalr ra, 0(ra): same link register, push only
        assert_eq!(kind(0x0000_80e7), call);
        // jalr t0, 0(ra): coroutine swap
        assert_eq!(
            kind(0x0000_82e7),
            Some(ControlKind::Jalr {
                is_call: true,
                is_return: true
            })
        );
        // jr a0: plain indirect jump
        assert_eq!(
            kind(0x0005_0067),
            Some(ControlKind::Jalr {
                is_call: false,
                is_return: false
            })
        );
        // beq a0, a1, 8 and c.beqz
        assert_eq!(kind(0x00b5_0463), Some(ControlKind::Branch));
        assert_eq!(kind(0xc111), Some(ControlKind::Branch));
        // addi a0, a0, -1
        assert_eq!(kind(0xfff5_0513), None);
    }
}
