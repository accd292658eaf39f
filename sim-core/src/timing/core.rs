//! The in-order pipeline cost model: what each instruction costs in cycles on a single-issue,
//! fully bypassed, in-order core in the spirit of Rocket / SiFive's E3x and U5x cores.
//!
//! Each instruction is described by an [`Issue`]: its [`InsnClass`], destination and source
//! registers, and what the rest of the timing model found out about it (extra fetch and data
//! memory cycles beyond an L1 hit, whether its branch was mispredicted, divider operands).
//! [`CoreTiming::issue`] returns the cycles it costs — the amount by which the hart's cycle
//! count advances — and records when its result becomes available.
//!
//! # The model
//!
//! Let `now` be the cycle at which the instruction would issue with no hazard (the sum of the
//! costs of everything before it). It issues at
//!
//! ```text
//! t = max(now + fetch_extra,           // instruction-cache / ITLB miss: front-end stall
//!         ready[rs1], ready[rs2], ready[rs3],   // read-after-write interlock
//!         busy-until of its unit)      // unpipelined divider, FP div/sqrt, miss handler;
//!                                      // serialising instructions wait for everything
//! ```
//!
//! and costs `t - now + 1 + penalty`, where the penalty is the mispredict penalty, the pipeline
//! flush of a serialising instruction, or blocking memory cycles. Its result is ready at
//! `t + latency (+ mem_extra for memory instructions)`. So with a latency of `L`, a dependent
//! instruction issued right after waits `L - 1` cycles: a load (latency 2) followed by a use
//! stalls 1 cycle; a chain of dependent multiplies (latency 3) costs 3 cycles per link while
//! independent multiplies issue one per cycle.
//!
//! Units: the multiplier is pipelined (a new multiply every `mul_interval` cycles); the
//! integer divider and the FP divide/square-root unit are iterative (busy until their result
//! is ready), but, as in Rocket, independent instructions keep issuing under a long-latency
//! operation until one needs its result or the busy unit.
//!
//! Serialising instructions (CSR writes, FENCE, FENCE.I, SFENCE.VMA, ECALL/EBREAK/xRET/WFI)
//! first wait until every earlier result has been produced and every unit is idle, then pay
//! a flush penalty for refetching the instructions behind them.
//!
//! # Not modelled
//!
//! Fetch bandwidth beyond one instruction per cycle, sub-word load alignment (SiFive's E31
//! gives LB/LH a 3-cycle latency, LW 2; here all loads have `load_latency`), store data read
//! later than address operands, write-port conflicts between long-latency writebacks and the
//! pipeline, the width of W divisions when the divider has no early out, different latencies
//! for single and double precision, implicit `fcsr` dependencies, and more than one
//! outstanding cache miss.
//!
//! [`CoreTiming::issue`] does a few table look-ups and compares, no allocation.

use crate::isa::decode::{Insn, Op};
pub use crate::isa::table::{class_of, InsnClass, CLASS_COUNT};
use crate::isa::table::{info, File};

/// A register operand for the scoreboard: an integer register, an FP register, or none.
/// x0 counts as none (it is never written, so nothing waits for it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RegRef(u8);

impl RegRef {
    /// No register (the same as x0).
    pub const NONE: RegRef = RegRef(0);

    /// Integer register `x(i & 31)`; `RD_SINK` (32) maps to x0, i.e. none.
    #[inline]
    pub const fn x(i: u8) -> Self {
        RegRef(i & 31)
    }

    /// FP register `f(i & 31)` (a decoded FP destination f0 arrives as `RD_SINK` = 32,
    /// which maps to f0).
    #[inline]
    pub const fn f(i: u8) -> Self {
        RegRef(32 | (i & 31))
    }

    /// Whether this is no register (or x0).
    #[inline]
    pub const fn is_none(self) -> bool {
        self.0 == 0
    }

    /// Scoreboard slot: 0..=31 integer, 32..=63 FP.
    #[inline(always)]
    fn slot(self) -> usize {
        self.0 as usize & 63
    }
}

/// Scoreboard slot that writes without a destination go to; never read.
const SINK: usize = 64;

/// One instruction as the cost model sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Issue {
    /// Its class.
    pub class: InsnClass,
    /// Destination register ([`RegRef::NONE`] if none).
    pub rd: RegRef,
    /// Source registers (unused ones [`RegRef::NONE`]).
    pub rs: [RegRef; 3],
    /// Cycles its fetch took beyond an L1 instruction-cache hit (I-cache or ITLB miss).
    pub fetch_extra: u32,
    /// Cycles its data access took beyond an L1 data-cache hit (memory classes only).
    pub mem_extra: u32,
    /// Its control transfer was mispredicted.
    pub mispredicted: bool,
    /// For [`InsnClass::Div`]: dividend and divisor magnitudes as the divider sees them (see
    /// [`div_operands`]); only used when `div_early_out` is on.
    pub div_operands: (u64, u64),
}

impl Issue {
    /// An instruction of `class` writing `rd` and reading `rs`, with no extra cycles.
    #[inline]
    pub const fn new(class: InsnClass, rd: RegRef, rs: [RegRef; 3]) -> Self {
        Self {
            class,
            rd,
            rs,
            fetch_extra: 0,
            mem_extra: 0,
            mispredicted: false,
            div_operands: (0, 0),
        }
    }

    /// The class and register operands of a decoded instruction (no extra cycles yet).
    /// Refines CSR instructions that write no CSR to [`InsnClass::CsrRead`].
    #[inline]
    pub fn of(insn: &Insn) -> Self {
        let roles = info(insn.op);
        let reg = |file: File, i: u8| match file {
            File::None => RegRef::NONE,
            File::X => RegRef::x(i),
            File::F => RegRef::f(i),
        };
        let rs3 = ((insn.imm >> 8) & 31) as u8;
        let mut class = class_of(insn.op);
        if matches!(insn.op, Op::Csrrs | Op::Csrrc | Op::Csrrsi | Op::Csrrci) && insn.rs1 == 0 {
            class = InsnClass::CsrRead;
        }
        Self::new(
            class,
            reg(roles.rd, insn.rd),
            [
                reg(roles.rs1, insn.rs1),
                reg(roles.rs2, insn.rs2),
                reg(roles.rs3, rs3),
            ],
        )
    }
}

/// The dividend and divisor magnitudes the divider works on for division `op` with register
/// values `a` and `b`: absolute values for signed forms, the low 32 bits (sign- or
/// zero-extended) for W forms. `(0, 0)` for anything that is not a division.
#[inline]
pub fn div_operands(op: Op, a: u64, b: u64) -> (u64, u64) {
    match op {
        Op::Div | Op::Rem => ((a as i64).unsigned_abs(), (b as i64).unsigned_abs()),
        Op::Divu | Op::Remu => (a, b),
        Op::Divw | Op::Remw => (
            (a as i32).unsigned_abs() as u64,
            (b as i32).unsigned_abs() as u64,
        ),
        Op::Divuw | Op::Remuw => (a as u32 as u64, b as u32 as u64),
        _ => (0, 0),
    }
}

/// The quotient bits an early-out divider has to produce for `dividend / divisor`
/// (magnitudes): `clamp(lz(divisor) - lz(dividend) + 1, 0, 64)` with `lz` the leading-zero
/// count, i.e. the position of the quotient's highest possible bit found by aligning the
/// operands (the exact quotient may have one bit fewer). A zero divisor gives 64; a zero
/// dividend, or one smaller in magnitude class than the divisor, gives 0.
#[inline]
pub fn quotient_bits(dividend: u64, divisor: u64) -> u32 {
    if divisor == 0 {
        return 64;
    }
    let span = divisor.leading_zeros() as i32 - dividend.leading_zeros() as i32 + 1;
    span.clamp(0, 64) as u32
}

/// Largest accepted latency or penalty, in cycles.
pub const MAX_CYCLES: u32 = 1 << 16;

/// Core cost parameters. Latencies are result latencies in cycles from issue to the cycle a
/// dependent instruction can issue without stalling (1 = back to back). Defaults follow
/// published Rocket and SiFive E31 figures where one exists, as cited per field.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct CoreConfig {
    /// Integer ALU, LUI, AUIPC. Default 1 (E31 manual: "fully bypassed so that most
    /// instructions have a one-cycle result latency").
    pub alu_latency: u32,
    /// Link-register result of JAL/JALR. Default 1.
    pub jump_latency: u32,
    /// Multiply result latency. Default 3 (a pipelined multiplier; the E31's iterative
    /// 8-bit-per-cycle multiplier has 5 and is not pipelined: set `mul_interval` = 5).
    pub mul_latency: u32,
    /// Minimum cycles between the issue of two multiplies: 1 = fully pipelined,
    /// `mul_latency` = one multiply at a time. Default 1.
    pub mul_interval: u32,
    /// Fixed cycles of a division on top of its iterations. Default 1.
    pub div_overhead: u32,
    /// Quotient bits the divider produces per cycle, 1..=64. Default 2, so a 64-bit division
    /// takes `1 + 64 / 2 = 33` cycles (the E31 manual's worst case for its 32-bit divider
    /// at 1 bit per cycle; set 1 for an RV64 1-bit divider: up to 65).
    pub div_bits_per_cycle: u32,
    /// Operand-dependent division latency. Off (default): every division takes
    /// `div_overhead + ceil(64 / div_bits_per_cycle)` cycles. On: it takes
    /// `div_overhead + ceil(max(1, q) / div_bits_per_cycle)` with `q` = [`quotient_bits`]
    /// of [`Issue::div_operands`] — 2 to 33 with the defaults, matching the E31 manual's
    /// "between a 2-cycle and 33-cycle result latency, depending on the operand values".
    pub div_early_out: bool,
    /// Load-to-use latency of an L1 hit (integer, FP, LR and SC results). Default 2 (E31
    /// manual: "LW has a two-cycle result latency, assuming a cache hit"): a dependent
    /// instruction right after the load stalls 1 cycle, one instruction later none. Not a
    /// configuration key: a machine takes it from its L1 D hit latency.
    #[serde(skip)]
    pub load_latency: u32,
    /// AMO result latency on an L1 hit. Default 3: the load latency plus one cycle for the
    /// AMO ALU (an assumption; no published figure).
    pub amo_latency: u32,
    /// Let execution continue under a data-cache miss of a load or store (hit-under-miss
    /// with one miss handler). Off (default): the pipeline stalls for the whole `mem_extra`
    /// of every memory instruction (a blocking cache). On: a load or store miss occupies the
    /// single miss handler for `mem_extra` more cycles and a load's result arrives that much
    /// later, but independent non-memory instructions keep issuing; the next memory
    /// instruction waits for the handler. AMO, LR and SC always block.
    pub nonblocking_misses: bool,
    /// CSR read result latency. Default 3 (E31 manual: "CSR reads have a three-cycle result
    /// latency").
    pub csr_latency: u32,
    /// Extra cycles of a CSR instruction that may write a CSR (after waiting for all
    /// earlier work): the refetch of younger instructions after a pipeline flush. Default 3,
    /// the same refetch cost as `mispredict_penalty`.
    pub csr_write_penalty: u32,
    /// Extra cycles of FENCE.I (pipeline flush and refetch; refilling the instruction cache
    /// afterwards is the cache model's business, through `fetch_extra`). Default 3.
    pub fence_i_penalty: u32,
    /// Extra cycles of SFENCE.VMA (pipeline flush; TLB refills are charged by the MMU
    /// model). Default 3.
    pub sfence_vma_penalty: u32,
    /// Extra cycles of ECALL/EBREAK/xRET/WFI and of any trap or interrupt
    /// ([`CoreTiming::trap`]): the redirect to the handler or return address. Default 3.
    pub trap_penalty: u32,
    /// Extra cycles of a mispredicted control transfer. Default 3 (E31 manual:
    /// "Mispredicted control-flow instructions incur a three-cycle penalty").
    pub mispredict_penalty: u32,
    /// FADD/FSUB latency (pipelined). Default 4 (rocket-chip `FPUParams`: `dfmaLatency = 4`,
    /// `sfmaLatency = 3`; single and double are not distinguished).
    pub fp_add_latency: u32,
    /// FMUL latency (pipelined). Default 4, as `fp_add_latency`.
    pub fp_mul_latency: u32,
    /// Fused multiply-add latency (pipelined). Default 4, as `fp_add_latency`.
    pub fp_fma_latency: u32,
    /// FDIV latency; the FP divide/square-root unit is iterative and shared. Default 20 (a
    /// representative figure, not a published one).
    pub fp_div_latency: u32,
    /// FSQRT latency, on the same unit as FDIV. Default 25 (representative, not published).
    pub fp_sqrt_latency: u32,
    /// FCVT latency (pipelined). Default 2 (rocket-chip instantiates its FP-to-FP and
    /// int-to-FP pipes with latency 2).
    pub fp_cvt_latency: u32,
    /// Sign injection, min/max, compare, classify, FMV latency (pipelined). Default 2, as
    /// `fp_cvt_latency`.
    pub fp_move_latency: u32,
    /// Extra cycles of a misaligned load or store performed in hardware
    /// (`machine.misaligned = "hardware"`): the load/store unit issues its two aligned parts
    /// one after the other, each priced by the caches. Default 1 (an assumption: the second
    /// part's issue slot).
    pub misaligned_penalty: u32,
}

impl Default for CoreConfig {
    fn default() -> Self {
        Self {
            alu_latency: 1,
            jump_latency: 1,
            mul_latency: 3,
            mul_interval: 1,
            div_overhead: 1,
            div_bits_per_cycle: 2,
            div_early_out: false,
            load_latency: 2,
            amo_latency: 3,
            nonblocking_misses: false,
            csr_latency: 3,
            csr_write_penalty: 3,
            fence_i_penalty: 3,
            sfence_vma_penalty: 3,
            trap_penalty: 3,
            mispredict_penalty: 3,
            fp_add_latency: 4,
            fp_mul_latency: 4,
            fp_fma_latency: 4,
            fp_div_latency: 20,
            fp_sqrt_latency: 25,
            fp_cvt_latency: 2,
            fp_move_latency: 2,
            misaligned_penalty: 1,
        }
    }
}

/// An out-of-range core parameter.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("core timing parameter {param} = {value} is out of range {min}..={max}")]
pub struct CoreConfigError {
    /// Parameter name.
    pub param: &'static str,
    /// Its value.
    pub value: u32,
    /// Smallest accepted value.
    pub min: u32,
    /// Largest accepted value.
    pub max: u32,
}

impl CoreConfig {
    /// Check every parameter: latencies 1..=[`MAX_CYCLES`], penalties and the divider
    /// overhead 0..=[`MAX_CYCLES`], `mul_interval` 1..=[`MAX_CYCLES`],
    /// `div_bits_per_cycle` 1..=64.
    pub fn validate(&self) -> Result<(), CoreConfigError> {
        let check = |param: &'static str, value: u32, min: u32, max: u32| {
            if value < min || value > max {
                Err(CoreConfigError {
                    param,
                    value,
                    min,
                    max,
                })
            } else {
                Ok(())
            }
        };
        for (param, value) in [
            ("alu_latency", self.alu_latency),
            ("jump_latency", self.jump_latency),
            ("mul_latency", self.mul_latency),
            ("mul_interval", self.mul_interval),
            ("load_latency", self.load_latency),
            ("amo_latency", self.amo_latency),
            ("csr_latency", self.csr_latency),
            ("fp_add_latency", self.fp_add_latency),
            ("fp_mul_latency", self.fp_mul_latency),
            ("fp_fma_latency", self.fp_fma_latency),
            ("fp_div_latency", self.fp_div_latency),
            ("fp_sqrt_latency", self.fp_sqrt_latency),
            ("fp_cvt_latency", self.fp_cvt_latency),
            ("fp_move_latency", self.fp_move_latency),
        ] {
            check(param, value, 1, MAX_CYCLES)?;
        }
        for (param, value) in [
            ("div_overhead", self.div_overhead),
            ("csr_write_penalty", self.csr_write_penalty),
            ("fence_i_penalty", self.fence_i_penalty),
            ("sfence_vma_penalty", self.sfence_vma_penalty),
            ("trap_penalty", self.trap_penalty),
            ("mispredict_penalty", self.mispredict_penalty),
            ("misaligned_penalty", self.misaligned_penalty),
        ] {
            check(param, value, 0, MAX_CYCLES)?;
        }
        check("div_bits_per_cycle", self.div_bits_per_cycle, 1, 64)
    }

    /// Latency of a division producing `bits` quotient bits (see `div_early_out`).
    #[inline]
    pub fn div_latency(&self, bits: u32) -> u32 {
        self.div_overhead + bits.max(1).div_ceil(self.div_bits_per_cycle)
    }
}

/// Cost statistics.
#[derive(serde::Serialize, serde::Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct CoreStats {
    /// Instructions issued, by class (index with `class as usize`).
    pub insns: [u64; CLASS_COUNT],
    /// Cycles charged to instructions of each class: their issue cycle plus their stalls
    /// and penalties. The sum over classes plus `trap_cycles` is every cycle accounted for.
    pub cycles: [u64; CLASS_COUNT],
    /// Read-after-write stall cycles, by the class of the producing instruction: loads for
    /// load-use stalls, Mul/Div/FP classes for long-latency stalls.
    pub raw_stalls: [u64; CLASS_COUNT],
    /// Cycles waiting for a busy unit: the divider, the FP divide/square-root unit, the
    /// multiplier when not fully pipelined, the miss handler (non-blocking misses).
    pub unit_stalls: u64,
    /// Cycles serialising instructions waited for earlier work to finish.
    pub drain_stalls: u64,
    /// Front-end stall cycles (`fetch_extra`).
    pub fetch_stalls: u64,
    /// Blocking data-memory stall cycles (`mem_extra` not overlapped).
    pub mem_stalls: u64,
    /// Mispredict penalty cycles.
    pub mispredict_cycles: u64,
    /// Pipeline-flush penalty cycles of serialising instructions (CSR writes, FENCE.I,
    /// SFENCE.VMA, ECALL/EBREAK/xRET/WFI).
    pub flush_cycles: u64,
    /// Traps and interrupts charged through [`CoreTiming::trap`].
    pub traps: u64,
    /// Cycles charged through [`CoreTiming::trap`].
    pub trap_cycles: u64,
}

impl Default for CoreStats {
    fn default() -> Self {
        Self {
            insns: [0; CLASS_COUNT],
            cycles: [0; CLASS_COUNT],
            raw_stalls: [0; CLASS_COUNT],
            unit_stalls: 0,
            drain_stalls: 0,
            fetch_stalls: 0,
            mem_stalls: 0,
            mispredict_cycles: 0,
            flush_cycles: 0,
            traps: 0,
            trap_cycles: 0,
        }
    }
}

impl CoreStats {
    /// Instructions issued.
    pub fn total_insns(&self) -> u64 {
        self.insns.iter().sum()
    }

    /// Cycles accounted for, including traps.
    pub fn total_cycles(&self) -> u64 {
        self.cycles.iter().sum::<u64>() + self.trap_cycles
    }

    /// Load-use stall cycles (results of integer and FP loads, LR/SC and AMOs).
    pub fn load_use_stalls(&self) -> u64 {
        [
            InsnClass::Load,
            InsnClass::FpLoad,
            InsnClass::LrSc,
            InsnClass::Amo,
        ]
        .iter()
        .map(|&c| self.raw_stalls[c as usize])
        .sum()
    }

    /// Read-after-write stall cycles on every other producer (multiply, divide, FP, CSR
    /// reads): the long-latency stalls.
    pub fn long_latency_stalls(&self) -> u64 {
        self.raw_stalls.iter().sum::<u64>() - self.load_use_stalls()
    }
}

/// Which busy-until timer an instruction class waits for and sets.
#[derive(Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
enum Unit {
    None,
    Mul,
    Div,
    FpDiv,
    Mem,
    /// Serialising: waits for everything.
    Drain,
}

const fn unit_of(class: InsnClass) -> Unit {
    match class {
        InsnClass::Mul => Unit::Mul,
        InsnClass::Div => Unit::Div,
        InsnClass::FpDiv | InsnClass::FpSqrt => Unit::FpDiv,
        InsnClass::Load
        | InsnClass::Store
        | InsnClass::Amo
        | InsnClass::LrSc
        | InsnClass::FpLoad
        | InsnClass::FpStore => Unit::Mem,
        InsnClass::Csr
        | InsnClass::Fence
        | InsnClass::FenceI
        | InsnClass::SfenceVma
        | InsnClass::System => Unit::Drain,
        _ => Unit::None,
    }
}

/// `unit_of` as a table indexed by class.
const UNIT_OF: [Unit; CLASS_COUNT] = {
    let mut table = [Unit::None; CLASS_COUNT];
    let mut k = 0;
    while k < CLASS_COUNT {
        table[k] = unit_of(InsnClass::ALL[k]);
        k += 1;
    }
    table
};

/// The scoreboard and cost model of one hart's pipeline.
#[derive(serde::Serialize, serde::Deserialize, Debug, Clone)]
pub struct CoreTiming {
    config: CoreConfig,
    /// Result latency per class (Div: the fixed-mode latency).
    latency: [u32; CLASS_COUNT],
    /// Flush penalty per class (serialising classes).
    flush: [u32; CLASS_COUNT],
    /// Cycle at which each register's value is available: 0..=31 x, 32..=63 f, 64 sink.
    /// Sized 128 so a masked index needs no bounds check.
    #[serde(with = "crate::checkpoint::array")]
    ready: [u64; 128],
    /// Class of the instruction that last wrote each register, for stall attribution.
    #[serde(with = "crate::checkpoint::array")]
    producer: [InsnClass; 128],
    /// Busy-until cycles of the units, indexed by `Unit`. `None`'s stays 0; `Drain`'s is the
    /// latest cycle at which any issued work completes (results and busy units), which
    /// serialising instructions wait for.
    busy: [u64; 6],
    stats: CoreStats,
}

impl CoreTiming {
    /// Take the configuration fields a checkpoint does not carry from `fresh` (built from
    /// the same configuration).
    pub(crate) fn adopt_config(&mut self, fresh: &CoreTiming) {
        self.config.load_latency = fresh.config.load_latency;
    }

    /// A pipeline with every register ready at cycle 0.
    pub fn new(config: &CoreConfig) -> Result<Self, CoreConfigError> {
        config.validate()?;
        let mut latency = [0u32; CLASS_COUNT];
        let mut flush = [0u32; CLASS_COUNT];
        for class in InsnClass::ALL {
            latency[class as usize] = match class {
                InsnClass::Alu => config.alu_latency,
                InsnClass::Jump => config.jump_latency,
                InsnClass::Mul => config.mul_latency,
                InsnClass::Div => config.div_latency(64),
                InsnClass::Load | InsnClass::LrSc | InsnClass::FpLoad => config.load_latency,
                InsnClass::Amo => config.amo_latency,
                InsnClass::Csr | InsnClass::CsrRead => config.csr_latency,
                InsnClass::FpAdd => config.fp_add_latency,
                InsnClass::FpMul => config.fp_mul_latency,
                InsnClass::FpFma => config.fp_fma_latency,
                InsnClass::FpDiv => config.fp_div_latency,
                InsnClass::FpSqrt => config.fp_sqrt_latency,
                InsnClass::FpCvt => config.fp_cvt_latency,
                InsnClass::FpMove => config.fp_move_latency,
                // No register result.
                InsnClass::Branch
                | InsnClass::Store
                | InsnClass::FpStore
                | InsnClass::Fence
                | InsnClass::FenceI
                | InsnClass::SfenceVma
                | InsnClass::System => 0,
            };
            flush[class as usize] = match class {
                InsnClass::Csr => config.csr_write_penalty,
                InsnClass::FenceI => config.fence_i_penalty,
                InsnClass::SfenceVma => config.sfence_vma_penalty,
                InsnClass::System => config.trap_penalty,
                _ => 0,
            };
        }
        Ok(Self {
            config: config.clone(),
            latency,
            flush,
            ready: [0; 128],
            producer: [InsnClass::Alu; 128],
            busy: [0; 6],
            stats: CoreStats::default(),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &CoreConfig {
        &self.config
    }

    /// Statistics so far.
    pub fn stats(&self) -> &CoreStats {
        &self.stats
    }

    /// Zero the statistics (the pipeline state is untouched).
    pub fn reset_stats(&mut self) {
        self.stats = CoreStats::default();
    }

    /// Cost in cycles of instruction `i` reaching issue at cycle `now` (see the module
    /// documentation): the caller advances its cycle count by the result, so the next
    /// instruction's `now` is `now + cost`.
    #[inline]
    pub fn issue(&mut self, now: u64, i: &Issue) -> u64 {
        let c = i.class as usize;
        let fetched = now + i.fetch_extra as u64;
        let mut t = fetched;
        let (s0, s1, s2) = (i.rs[0].slot(), i.rs[1].slot(), i.rs[2].slot());
        let src = self.ready[s0].max(self.ready[s1]).max(self.ready[s2]);
        if src > t {
            let slot = if self.ready[s0] == src {
                s0
            } else if self.ready[s1] == src {
                s1
            } else {
                s2
            };
            self.stats.raw_stalls[self.producer[slot] as usize] += src - t;
            t = src;
        }
        // Drain's busy-until is the drain time, None's stays 0: one load, no branch.
        let unit = UNIT_OF[c];
        let free = self.busy[unit as usize];
        if free > t {
            if unit == Unit::Drain {
                self.stats.drain_stalls += free - t;
            } else {
                self.stats.unit_stalls += free - t;
            }
            t = free;
        }
        // `t` is the issue cycle.
        let mut cost = t - now + 1;
        let mut latency = self.latency[c] as u64;
        // Unit bookkeeping. (A branch-free variant, adding zero stalls unconditionally, was
        // measured slower: the always-taken statistics updates chain through memory.)
        if unit == Unit::Mem {
            if i.mem_extra != 0 {
                let extra = i.mem_extra as u64;
                latency += extra;
                let overlapped = self.config.nonblocking_misses
                    && !matches!(i.class, InsnClass::Amo | InsnClass::LrSc);
                if overlapped {
                    self.busy[Unit::Mem as usize] = t + 1 + extra;
                } else {
                    cost += extra;
                    self.stats.mem_stalls += extra;
                }
            }
        } else if unit == Unit::Mul {
            self.busy[Unit::Mul as usize] = t + self.config.mul_interval as u64;
        } else if unit == Unit::Div || unit == Unit::FpDiv {
            if unit == Unit::Div && self.config.div_early_out {
                let (a, b) = i.div_operands;
                latency = self.config.div_latency(quotient_bits(a, b)) as u64;
            }
            self.busy[unit as usize] = t + latency;
        }
        let flush = self.flush[c];
        if flush != 0 {
            cost += flush as u64;
            self.stats.flush_cycles += flush as u64;
        }
        if i.mispredicted {
            let p = self.config.mispredict_penalty as u64;
            cost += p;
            self.stats.mispredict_cycles += p;
        }
        let done = t + latency;
        let d = if i.rd.is_none() { SINK } else { i.rd.slot() };
        self.ready[d] = done;
        self.producer[d] = i.class;
        let held = self.busy[unit as usize];
        let drain = &mut self.busy[Unit::Drain as usize];
        *drain = (*drain).max(done).max(held);
        if i.fetch_extra != 0 {
            self.stats.fetch_stalls += i.fetch_extra as u64;
        }
        self.stats.insns[c] += 1;
        self.stats.cycles[c] += cost;
        cost
    }

    /// Cost of taking a trap or interrupt (an instruction that faults is charged this
    /// instead of [`issue`](Self::issue)): the redirect penalty `trap_penalty`.
    #[inline]
    pub fn trap(&mut self) -> u64 {
        let p = self.config.trap_penalty as u64;
        self.stats.traps += 1;
        self.stats.trap_cycles += p;
        p
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::isa::decode::{decode, RD_SINK};

    fn core() -> CoreTiming {
        CoreTiming::new(&CoreConfig::default()).unwrap()
    }

    /// Issue a sequence back to back, continuing from where the previous sequence on this
    /// core ended; returns each cost.
    fn run(core: &mut CoreTiming, seq: &[Issue]) -> Vec<u64> {
        let mut now = 1000 + core.stats().total_cycles();
        seq.iter()
            .map(|i| {
                let c = core.issue(now, i);
                now += c;
                c
            })
            .collect()
    }

    fn x(i: u8) -> RegRef {
        RegRef::x(i)
    }

    fn op(class: InsnClass, rd: u8, rs1: u8, rs2: u8) -> Issue {
        Issue::new(class, x(rd), [x(rs1), x(rs2), RegRef::NONE])
    }

    const N: RegRef = RegRef::NONE;

    #[test]
    fn dependent_multiplies_cost_the_latency_per_link() {
        let mut c = core();
        let chain: Vec<Issue> = (0..10).map(|_| op(InsnClass::Mul, 10, 10, 11)).collect();
        let costs = run(&mut c, &chain);
        assert_eq!(costs[0], 1);
        assert!(costs[1..].iter().all(|&k| k == 3), "{costs:?}");
        assert_eq!(c.stats().raw_stalls[InsnClass::Mul as usize], 9 * 2);
        assert_eq!(c.stats().long_latency_stalls(), 18);
    }

    #[test]
    fn independent_multiplies_pipeline_at_one_per_cycle() {
        let mut c = core();
        let seq: Vec<Issue> = (0..8).map(|k| op(InsnClass::Mul, 10 + k, 1, 2)).collect();
        assert_eq!(run(&mut c, &seq), vec![1; 8]);
        // An iterative multiplier (one at a time) makes them wait for the unit.
        let cfg = CoreConfig {
            mul_latency: 5,
            mul_interval: 5,
            ..CoreConfig::default()
        };
        let mut c = CoreTiming::new(&cfg).unwrap();
        let costs = run(&mut c, &seq);
        assert_eq!(costs[0], 1);
        assert!(costs[1..].iter().all(|&k| k == 5));
        assert_eq!(c.stats().unit_stalls, 7 * 4);
    }

    #[test]
    fn load_use_stalls_one_cycle() {
        let mut c = core();
        let ld = op(InsnClass::Load, 10, 2, 0);
        let use_ = op(InsnClass::Alu, 11, 10, 0);
        let other = op(InsnClass::Alu, 12, 3, 0);
        // Back to back: one bubble.
        assert_eq!(run(&mut c, &[ld, use_]), vec![1, 2]);
        // One independent instruction in between hides it.
        assert_eq!(run(&mut c, &[ld, other, use_]), vec![1, 1, 1]);
        assert_eq!(c.stats().load_use_stalls(), 1);
        // FP loads too, through the FP register file; an integer use of x10 does not wait.
        let fld = Issue::new(InsnClass::FpLoad, RegRef::f(10), [x(2), N, N]);
        let fuse = Issue::new(
            InsnClass::FpAdd,
            RegRef::f(1),
            [RegRef::f(10), RegRef::f(2), N],
        );
        assert_eq!(run(&mut c, &[fld, use_]), vec![1, 1]);
        assert_eq!(run(&mut c, &[fld, fuse]), vec![1, 2]);
        assert_eq!(c.stats().load_use_stalls(), 2);
    }

    #[test]
    fn alu_results_are_bypassed_and_x0_never_waits() {
        let mut c = core();
        let seq = [
            op(InsnClass::Alu, 10, 0, 0),
            op(InsnClass::Alu, 10, 10, 10),
            op(InsnClass::Alu, 10, 10, 10),
        ];
        assert_eq!(run(&mut c, &seq), vec![1, 1, 1]);
        // A load "into x0" produces nothing to wait for.
        let ld0 = op(InsnClass::Load, 0, 2, 0);
        let read0 = op(InsnClass::Alu, 11, 0, 0);
        assert_eq!(run(&mut c, &[ld0, read0]), vec![1, 1]);
    }

    #[test]
    fn divider_latency_formula() {
        let cfg = CoreConfig::default();
        // Fixed: overhead 1 + 64 bits at 2 per cycle.
        assert_eq!(cfg.div_latency(64), 33);
        let mut c = core();
        let div = op(InsnClass::Div, 10, 11, 12);
        let use_ = op(InsnClass::Alu, 13, 10, 0);
        assert_eq!(run(&mut c, &[div, use_]), vec![1, 33]);
        // Independent work proceeds under the division; a second division waits for the unit.
        let indep = op(InsnClass::Alu, 14, 1, 0);
        let div2 = op(InsnClass::Div, 15, 11, 12);
        let costs = run(&mut c, &[div, indep, indep, div2]);
        assert_eq!(costs, vec![1, 1, 1, 31]);
        assert_eq!(c.stats().unit_stalls, 30);

        // Early out: overhead + ceil(max(1, q) / bits_per_cycle).
        assert_eq!(quotient_bits(100, 7), 5); // 100 / 7 = 14 (4 bits; bound 5)
        assert_eq!(quotient_bits(7, 100), 0);
        assert_eq!(quotient_bits(0, 3), 0);
        assert_eq!(quotient_bits(u64::MAX, 1), 64);
        assert_eq!(quotient_bits(5, 0), 64);
        assert_eq!(quotient_bits(1 << 40, 1 << 8), 33);
        let early = CoreConfig {
            div_early_out: true,
            ..CoreConfig::default()
        };
        assert_eq!(early.div_latency(quotient_bits(100, 7)), 4);
        assert_eq!(early.div_latency(0), 2);
        assert_eq!(early.div_latency(64), 33);
        let mut c = CoreTiming::new(&early).unwrap();
        let mut small = div;
        small.div_operands = div_operands(Op::Div, (-100i64) as u64, 7);
        assert_eq!(small.div_operands, (100, 7));
        assert_eq!(run(&mut c, &[small, use_]), vec![1, 4]);
        let mut big = div;
        big.div_operands = div_operands(Op::Divu, u64::MAX, 3);
        // 63 quotient bits: 1 + 32 cycles.
        assert_eq!(run(&mut c, &[big, use_]), vec![1, 33]);
        // The E31's figures: a 32-bit divider at 1 bit per cycle takes 2 to 33 cycles.
        let e31 = CoreConfig {
            div_bits_per_cycle: 1,
            ..CoreConfig::default()
        };
        let (a, b) = div_operands(Op::Divuw, u64::MAX, 1);
        assert_eq!((a, b), (u32::MAX as u64, 1));
        assert_eq!(e31.div_latency(quotient_bits(a, b)), 33);
        let (a, b) = div_operands(Op::Remw, 3, (-5i64) as u64);
        assert_eq!((a, b), (3, 5));
        assert_eq!(e31.div_latency(quotient_bits(a, b)), 2);
        assert_eq!(div_operands(Op::Add, 1, 2), (0, 0));
    }

    #[test]
    fn mispredict_penalty() {
        let mut c = core();
        let br = op(InsnClass::Branch, 0, 10, 11);
        let mut miss = br;
        miss.mispredicted = true;
        assert_eq!(run(&mut c, &[br, miss, br]), vec![1, 4, 1]);
        let mut jmiss = Issue::new(InsnClass::Jump, N, [x(1), N, N]);
        jmiss.mispredicted = true;
        assert_eq!(run(&mut c, &[jmiss]), vec![4]);
        assert_eq!(c.stats().mispredict_cycles, 6);
        assert_eq!(c.stats().cycles[InsnClass::Branch as usize], 6);
    }

    #[test]
    fn memory_extra_cycles_block_or_overlap() {
        let ld = {
            let mut i = op(InsnClass::Load, 10, 2, 0);
            i.mem_extra = 20;
            i
        };
        let indep = op(InsnClass::Alu, 12, 3, 0);
        let use_ = op(InsnClass::Alu, 11, 10, 0);
        let hit = op(InsnClass::Load, 13, 2, 0);
        // Blocking: the pipeline stops for the miss, then the usual load-use bubble.
        let mut c = core();
        assert_eq!(run(&mut c, &[ld, use_]), vec![21, 2]);
        assert_eq!(c.stats().mem_stalls, 20);
        // Non-blocking: independent work continues; the use and the next access wait.
        let cfg = CoreConfig {
            nonblocking_misses: true,
            ..CoreConfig::default()
        };
        let mut c = CoreTiming::new(&cfg).unwrap();
        assert_eq!(run(&mut c, &[ld, indep, indep, use_]), vec![1, 1, 1, 20]);
        assert_eq!(run(&mut c, &[ld, hit]), vec![1, 21]);
        assert_eq!(c.stats().unit_stalls, 20);
        assert_eq!(c.stats().mem_stalls, 0);
        // AMOs always block.
        let mut amo = op(InsnClass::Amo, 10, 2, 3);
        amo.mem_extra = 20;
        assert_eq!(run(&mut c, &[amo, use_]), vec![21, 3]);
        // Fetch misses stall the front end whatever the mode.
        let mut fetch_miss = indep;
        fetch_miss.fetch_extra = 7;
        assert_eq!(run(&mut c, &[fetch_miss]), vec![8]);
        assert_eq!(c.stats().fetch_stalls, 7);
    }

    #[test]
    fn fetch_miss_overlaps_a_pending_dependency() {
        let mut c = core();
        let mul = op(InsnClass::Mul, 10, 1, 2);
        let mut use_ = op(InsnClass::Alu, 11, 10, 0);
        use_.fetch_extra = 5;
        // The multiply's result (ready 3 cycles after issue) arrives during the fetch miss.
        assert_eq!(run(&mut c, &[mul, use_]), vec![1, 6]);
        assert_eq!(c.stats().raw_stalls[InsnClass::Mul as usize], 0);
    }

    #[test]
    fn serialising_instructions_drain_and_flush() {
        let mut c = core();
        let div = op(InsnClass::Div, 10, 11, 12);
        let csrw = op(InsnClass::Csr, 0, 5, 0);
        let csrr = op(InsnClass::CsrRead, 6, 0, 0);
        let use_ = op(InsnClass::Alu, 7, 6, 0);
        // The CSR write waits for the division (32 more cycles), then flushes (3).
        assert_eq!(run(&mut c, &[div, csrw]), vec![1, 32 + 1 + 3]);
        assert_eq!(c.stats().drain_stalls, 32);
        assert_eq!(c.stats().flush_cycles, 3);
        // A CSR read does not serialise, but its result has latency 3.
        assert_eq!(run(&mut c, &[csrr, use_]), vec![1, 3]);
        let fence_i = Issue::new(InsnClass::FenceI, N, [N; 3]);
        let sfence = Issue::new(InsnClass::SfenceVma, N, [x(1), x(2), N]);
        let ecall = Issue::new(InsnClass::System, N, [N; 3]);
        let fence = Issue::new(InsnClass::Fence, N, [N; 3]);
        assert_eq!(
            run(&mut c, &[fence_i, sfence, ecall, fence]),
            vec![4, 4, 4, 1]
        );
        assert_eq!(c.trap(), 3);
        assert_eq!(c.stats().traps, 1);
    }

    #[test]
    fn fp_units() {
        let mut c = core();
        let f = RegRef::f;
        let fma = Issue::new(InsnClass::FpFma, f(1), [f(1), f(2), f(3)]);
        // A dependent FMA chain (through rs1) costs the FMA latency per link.
        assert_eq!(run(&mut c, &[fma, fma, fma]), vec![1, 4, 4]);
        // Dependence through rs3 counts too.
        let acc = Issue::new(InsnClass::FpFma, f(4), [f(2), f(3), f(4)]);
        assert_eq!(run(&mut c, &[acc, acc]), vec![1, 4]);
        // Divide and square root share an unpipelined unit; other FP work continues.
        let fdiv = Issue::new(InsnClass::FpDiv, f(5), [f(6), f(7), N]);
        let fsqrt = Issue::new(InsnClass::FpSqrt, f(8), [f(9), N, N]);
        let fadd = Issue::new(InsnClass::FpAdd, f(10), [f(11), f(12), N]);
        assert_eq!(run(&mut c, &[fdiv, fadd, fsqrt]), vec![1, 1, 19]);
        // A compare writes an integer register after 2 cycles.
        let feq = Issue::new(InsnClass::FpMove, x(10), [f(1), f(2), N]);
        let branch = op(InsnClass::Branch, 0, 10, 0);
        let mut c = core();
        assert_eq!(run(&mut c, &[feq, branch]), vec![1, 2]);
    }

    #[test]
    fn stats_account_for_every_cycle() {
        let mut c = core();
        let mut now = 0;
        let seq = [
            op(InsnClass::Load, 10, 2, 0),
            op(InsnClass::Mul, 11, 10, 10),
            op(InsnClass::Div, 12, 11, 10),
            op(InsnClass::Alu, 13, 12, 0),
            op(InsnClass::Csr, 0, 13, 0),
        ];
        for i in &seq {
            now += c.issue(now, i);
        }
        now += c.trap();
        let s = c.stats();
        assert_eq!(s.total_cycles(), now);
        assert_eq!(s.total_insns(), 5);
        assert_eq!(s.insns[InsnClass::Div as usize], 1);
        let stall_sum: u64 = s.raw_stalls.iter().sum::<u64>()
            + s.unit_stalls
            + s.drain_stalls
            + s.fetch_stalls
            + s.mem_stalls
            + s.mispredict_cycles
            + s.flush_cycles
            + s.trap_cycles;
        assert_eq!(now, 5 + stall_sum);
    }

    #[test]
    fn config_defaults_and_validation() {
        let d = CoreConfig::default();
        assert!(d.validate().is_ok());
        assert_eq!(
            (d.alu_latency, d.mul_latency, d.mul_interval, d.load_latency),
            (1, 3, 1, 2)
        );
        assert_eq!(
            (d.mispredict_penalty, d.csr_latency, d.fp_fma_latency),
            (3, 3, 4)
        );
        assert_eq!(d.div_latency(64), 33);
        let bad = CoreConfig {
            load_latency: 0,
            ..CoreConfig::default()
        };
        assert_eq!(
            CoreTiming::new(&bad).unwrap_err(),
            CoreConfigError {
                param: "load_latency",
                value: 0,
                min: 1,
                max: MAX_CYCLES
            }
        );
        let bad = CoreConfig {
            div_bits_per_cycle: 0,
            ..CoreConfig::default()
        };
        assert_eq!(bad.validate().unwrap_err().param, "div_bits_per_cycle");
        let bad = CoreConfig {
            div_bits_per_cycle: 65,
            ..CoreConfig::default()
        };
        assert!(bad.validate().is_err());
        let bad = CoreConfig {
            mispredict_penalty: MAX_CYCLES + 1,
            ..CoreConfig::default()
        };
        assert_eq!(
            bad.validate().unwrap_err().to_string(),
            format!(
                "core timing parameter mispredict_penalty = {} is out of range 0..=65536",
                MAX_CYCLES + 1
            )
        );
        // Zero penalties are fine.
        let free = CoreConfig {
            mispredict_penalty: 0,
            trap_penalty: 0,
            div_overhead: 0,
            ..CoreConfig::default()
        };
        assert!(free.validate().is_ok());
    }

    /// Decode a structured sweep of the 32-bit encoding space and every 16-bit encoding:
    /// every `Op` variant must show up, and its class and operand registers must agree
    /// with whether it is an F/D operation. (`class_of` and `roles_of` are exhaustive
    /// matches, so an unclassified variant would not compile; this checks the sweep
    /// reaches them all and that the classification is consistent.)
    #[test]
    fn every_op_is_classified_consistently() {
        let fp_class = |c: InsnClass| {
            matches!(
                c,
                InsnClass::FpAdd
                    | InsnClass::FpMul
                    | InsnClass::FpFma
                    | InsnClass::FpDiv
                    | InsnClass::FpSqrt
                    | InsnClass::FpCvt
                    | InsnClass::FpMove
                    | InsnClass::FpLoad
                    | InsnClass::FpStore
            )
        };
        let op_count = Op::FmvDX as usize + 1;
        let mut seen = vec![false; op_count];
        let mut check = |raw: u32| {
            let insn = decode(raw);
            seen[insn.op as usize] = true;
            let class = class_of(insn.op);
            assert_eq!(fp_class(class), insn.op.is_fp(), "{:?}", insn.op);
            let issue = Issue::of(&insn);
            let uses_f = issue.rd.0 >= 32 || issue.rs.iter().any(|r| r.0 >= 32);
            // Every F/D instruction touches an FP register, no other instruction does.
            assert_eq!(uses_f, insn.op.is_fp(), "{:?} {:#x}", insn.op, raw);
        };
        for h in 0..=u16::MAX as u32 {
            if h & 3 != 3 {
                check(h);
            }
        }
        for opcode in (0..128u32).filter(|o| o & 3 == 3) {
            for f3 in 0..8u32 {
                for f7 in 0..128u32 {
                    for rs2 in 0..32u32 {
                        for (rd, rs1) in [(0u32, 0u32), (1, 1)] {
                            check(opcode | rd << 7 | f3 << 12 | rs1 << 15 | rs2 << 20 | f7 << 25);
                        }
                    }
                }
            }
        }
        let missing: Vec<usize> = (0..op_count).filter(|&i| !seen[i]).collect();
        assert!(missing.is_empty(), "ops never decoded: {missing:?}");
    }

    #[test]
    fn operands_of_decoded_instructions() {
        let f = RegRef::f;
        // fmadd.d f0, f1, f2, f3 (rd f0 arrives as RD_SINK)
        let i = Issue::of(&decode(0x1a20_f043));
        assert_eq!(decode(0x1a20_f043).rd, RD_SINK);
        assert_eq!(
            (i.class, i.rd, i.rs),
            (InsnClass::FpFma, f(0), [f(1), f(2), f(3)])
        );
        // fsd f8, 16(sp)
        let i = Issue::of(&decode(0x0081_3827));
        assert_eq!(
            (i.class, i.rd, i.rs),
            (InsnClass::FpStore, N, [x(2), f(8), N])
        );
        // c.fsdsp f8, 16(sp) = 0xa822
        let i = Issue::of(&decode(0xa822));
        assert_eq!(
            (i.class, i.rd, i.rs),
            (InsnClass::FpStore, N, [x(2), f(8), N])
        );
        // fcvt.w.d a0, f1, rtz
        let i = Issue::of(&decode(0xc200_9553));
        assert_eq!(
            (i.class, i.rd, i.rs),
            (InsnClass::FpCvt, x(10), [f(1), N, N])
        );
        // fmv.d.x f2, a1
        let i = Issue::of(&decode(0xf205_8153));
        assert_eq!(
            (i.class, i.rd, i.rs),
            (InsnClass::FpMove, f(2), [x(11), N, N])
        );
        // feq.d a0, f1, f2
        let i = Issue::of(&decode(0xa220_a553));
        assert_eq!(
            (i.class, i.rd, i.rs),
            (InsnClass::FpMove, x(10), [f(1), f(2), N])
        );
        // sd ra, 8(sp)
        let i = Issue::of(&decode(0x0011_3423));
        assert_eq!(
            (i.class, i.rd, i.rs),
            (InsnClass::Store, N, [x(2), x(1), N])
        );
        // addi x0, x0, 0 (nop): nothing to write or wait for
        let i = Issue::of(&decode(0x0000_0013));
        assert_eq!((i.class, i.rd, i.rs), (InsnClass::Alu, N, [N, N, N]));
        // amoadd.w a0, a1, (a2)
        let i = Issue::of(&decode(0x00b6_252f));
        assert_eq!(
            (i.class, i.rd, i.rs),
            (InsnClass::Amo, x(10), [x(12), x(11), N])
        );
        // csrrs a0, mstatus, x0 (csrr) reads; csrrw x0, mstatus, a0 (csrw) writes
        assert_eq!(Issue::of(&decode(0x3000_2573)).class, InsnClass::CsrRead);
        let i = Issue::of(&decode(0x3005_1073));
        assert_eq!((i.class, i.rd, i.rs), (InsnClass::Csr, N, [x(10), N, N]));
        // csrrsi a0, mstatus, 8 sets bits: a write; its zimm is no register
        let i = Issue::of(&decode(0x3004_6573));
        assert_eq!((i.class, i.rd, i.rs), (InsnClass::Csr, x(10), [N, N, N]));
        assert_eq!(Issue::of(&decode(0x1050_0073)).class, InsnClass::System);
        assert_eq!(Issue::of(&decode(0x0000_100f)).class, InsnClass::FenceI);
        assert_eq!(Issue::of(&decode(0x0000_0000)).class, InsnClass::System);
        // div a0, a1, a2 / mulw
        assert_eq!(Issue::of(&decode(0x02c5_c533)).class, InsnClass::Div);
        assert_eq!(Issue::of(&decode(0x02c5_853b)).class, InsnClass::Mul);
    }

    #[test]
    fn class_table_is_consistent() {
        for (k, c) in InsnClass::ALL.iter().enumerate() {
            assert_eq!(*c as usize, k);
            assert!(!c.name().is_empty());
        }
        assert!(InsnClass::FpLoad.is_memory() && !InsnClass::Alu.is_memory());
        assert!(InsnClass::Csr.is_serialising() && !InsnClass::CsrRead.is_serialising());
    }
}
