//! Seeded generator of random RISC-V programs for the QEMU differential test.
//!
//! `generate(seed, mode)` returns the assembly source of a routine `rp_run` (called by
//! `tests/guest/diff/randprog.c`) that saves the C state, seeds every integer and FP register,
//! `mscratch`, `frm`/`fflags`, a 4 KiB scratch area and a 512-byte stack frame from the seed,
//! runs straight-line blocks and small counted loops of random instructions (storing every
//! register into `rp_ckpt[k]` after segment k), then stores every register into `rp_dump`,
//! copies the stack frame to `rp_stackcopy` and returns.
//!
//! What the instructions may touch, so that everything is architecturally defined and the same
//! on every correct implementation:
//! - `x2` (sp) is never written by the random code; `x8` is the base of the scratch area
//!   (`rp_scratch + 2048`, so every 12-bit offset is inside it) and `x9` is the loop counter,
//!   both only read. All other registers (`ra`, `gp`, `tp` included; the harness restores
//!   them) are fair game.
//! - Memory accesses are naturally aligned and stay inside the scratch area (base `x8`) or
//!   the stack frame (base `sp`, offsets 0..512), both initialised.
//! - LR/SC: an `lr` is followed by at most four base-ISA ALU instructions that keep the
//!   address register, then an `sc` of the same width to the same address (the constrained
//!   loop of the spec, which must succeed on a single hart).
//! - Branches and jumps only go forward, inside their block (or loop body); loops count `x9`
//!   down from at most 6.
//! - No counters (cycle/time/instret), no mstatus, no misaligned accesses, no reserved
//!   rounding modes: `frm` only changes through `fsrmi 0..4` and `csrrc` (which keeps it
//!   valid), so `dyn` always has a valid mode.
//! - CSRs touched: `mscratch` (plain read/write storage) and, in full mode, `fflags`, `frm`,
//!   `fcsr`.
//!
//! `Mode::Integer` emits RV64IMAC (+Zicsr, Zifencei) only; `Mode::Full` adds F and D
//! (arithmetic under every rounding mode, fused multiply-add, conversions in every direction,
//! compares, classification, sign injection, moves, FP loads/stores including the compressed
//! ones, NaN-boxing through single-precision reads of double values, and fcsr accesses).

use std::fmt::Write;

/// Size of the scratch area the base register points into the middle of.
pub const SCRATCH_SIZE: usize = 4096;
/// Size of the stack frame the program may access through sp.
pub const FRAME_SIZE: usize = 512;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// RV64IMAC (+Zicsr, Zifencei): runs on a hart without F/D.
    Integer,
    /// RV64GC: integer plus F and D.
    Full,
}

impl Mode {
    pub fn name(self) -> &'static str {
        match self {
            Mode::Integer => "rv64imac",
            Mode::Full => "rv64gc",
        }
    }
}

/// splitmix64: small, fast, and the same on every platform and Rust version.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed ^ 0x6a09_e667_f3bc_c908)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in 0..n.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// Uniform in lo..=hi.
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + self.below((hi - lo + 1) as u64) as i64
    }

    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    pub fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.below(xs.len() as u64) as usize]
    }
}

/// Integer registers the random code may write.
const POOL: [u8; 28] = [
    1, 3, 4, 5, 6, 7, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28,
    29, 30, 31,
];
/// Writable registers the compressed three-bit register fields can name (x8-x15 less x8, x9).
const POOL_C: [u8; 6] = [10, 11, 12, 13, 14, 15];
/// The scratch base register and the loop counter.
const BASE: u8 = 8;
const LOOP: u8 = 9;

const SPECIAL_X: [u64; 16] = [
    0,
    1,
    u64::MAX,
    2,
    0x8000_0000_0000_0000,
    0x7fff_ffff_ffff_ffff,
    0x8000_0000,
    0x7fff_ffff,
    0xffff_ffff,
    0xffff_ffff_8000_0000,
    0x1_0000_0000,
    0xffff_ffff_ffff_fffe,
    0x0000_0000_0000_00ff,
    0x8000_0000_0000_0001,
    0x0000_ffff_0000_ffff,
    0xffff_ffff_7fff_ffff,
];

const SPECIAL_S: [u32; 20] = [
    0x0000_0000,
    0x8000_0000,
    0x0000_0001,
    0x807f_ffff,
    0x0080_0000,
    0x3f80_0000,
    0xbf80_0000,
    0x3f00_0000,
    0x3fc0_0000,
    0x4020_0000,
    0x4f00_0000,
    0xcf00_0000,
    0x5f00_0000,
    0x7f7f_ffff,
    0xff7f_ffff,
    0x7f80_0000,
    0xff80_0000,
    0x7fc0_0000,
    0x7f80_0001,
    0x3eaa_aaab,
];

const SPECIAL_D: [u64; 20] = [
    0x0000_0000_0000_0000,
    0x8000_0000_0000_0000,
    0x0000_0000_0000_0001,
    0x800f_ffff_ffff_ffff,
    0x0010_0000_0000_0000,
    0x3ff0_0000_0000_0000,
    0xbff0_0000_0000_0000,
    0x3fe0_0000_0000_0000,
    0x3ff8_0000_0000_0000,
    0x4004_0000_0000_0000,
    0x41e0_0000_0000_0000,
    0xc1e0_0000_0000_0000,
    0x43e0_0000_0000_0000,
    0x7fef_ffff_ffff_ffff,
    0xffef_ffff_ffff_ffff,
    0x7ff0_0000_0000_0000,
    0xfff0_0000_0000_0000,
    0x7ff8_0000_0000_0000,
    0x7ff0_0000_0000_0001,
    0x41df_ffff_ffe0_0000,
];

const RMS: [&str; 7] = ["", ", rne", ", rtz", ", rdn", ", rup", ", rmm", ", dyn"];

/// One unit of code: instructions that stay together (a branch target is never inside), and
/// for a forward branch or jump, how many units it skips (its text has `@L` for the label).
struct Unit {
    lines: Vec<String>,
    skip: Option<usize>,
}

impl Unit {
    fn one(line: String) -> Self {
        Unit {
            lines: vec![line],
            skip: None,
        }
    }
}

struct Gen {
    rng: Rng,
    fp: bool,
    /// Inside `.option norvc`: explicit compressed instructions are not accepted there.
    norvc: bool,
    out: String,
    labels: usize,
}

fn x(r: u8) -> String {
    format!("x{r}")
}

fn f(r: u8) -> String {
    format!("f{r}")
}

impl Gen {
    // ---- operands ------------------------------------------------------------------------

    fn dst(&mut self) -> String {
        x(self.rng.pick(&POOL))
    }

    /// Any readable register: mostly the pool, sometimes x0, the base or the loop counter.
    fn src(&mut self) -> String {
        match self.rng.below(20) {
            0 => x(0),
            1 => x(self.rng.pick(&[BASE, LOOP])),
            _ => x(self.rng.pick(&POOL)),
        }
    }

    fn dst_c(&mut self) -> String {
        x(self.rng.pick(&POOL_C))
    }

    fn src_c(&mut self) -> String {
        if self.rng.chance(10) {
            x(self.rng.pick(&[BASE, LOOP]))
        } else {
            x(self.rng.pick(&POOL_C))
        }
    }

    /// An FP register, mostly from the half holding values of the given precision (f0-f15
    /// single, f16-f31 double), so most reads see properly typed values and some do not.
    fn freg(&mut self, dbl: bool) -> String {
        let lo = if dbl ^ self.rng.chance(12) { 16 } else { 0 };
        f(lo + self.rng.below(16) as u8)
    }

    fn imm12(&mut self) -> i64 {
        match self.rng.below(6) {
            0 => self.rng.pick(&[0, 1, -1, 2047, -2048, 31, 32, 63, 64, -32]),
            1 | 2 => self.rng.range(-16, 16),
            _ => self.rng.range(-2048, 2047),
        }
    }

    fn value64(&mut self) -> u64 {
        match self.rng.below(8) {
            0 | 1 => self.rng.range(-16, 16) as u64,
            2 | 3 => self.rng.pick(&SPECIAL_X),
            4 => self.rng.next() as i32 as i64 as u64,
            _ => self.rng.next(),
        }
    }

    fn single_bits(&mut self) -> u32 {
        match self.rng.below(8) {
            0 | 1 => self.rng.pick(&SPECIAL_S),
            2 => self.rng.next() as u32,
            _ => {
                let r = self.rng.next();
                let exp = (127 + (r % 41) as i64 - 20) as u32;
                let sign = ((r >> 8) & 1) as u32;
                let mut mant = (r >> 9) as u32 & 0x7f_ffff;
                if (r >> 40) & 1 == 1 {
                    mant &= !0xfff; // short mantissas: exact products, rounding ties
                }
                sign << 31 | exp << 23 | mant
            }
        }
    }

    fn double_bits(&mut self) -> u64 {
        match self.rng.below(8) {
            0 | 1 => self.rng.pick(&SPECIAL_D),
            2 => self.rng.next(),
            _ => {
                let r = self.rng.next();
                let exp = (1023 + (r % 81) as i64 - 40) as u64;
                let sign = (r >> 8) & 1;
                let mut mant = self.rng.next() & 0xf_ffff_ffff_ffff;
                if (r >> 40) & 1 == 1 {
                    mant &= !0x3ff_ffff;
                }
                sign << 63 | exp << 52 | mant
            }
        }
    }

    fn fp_value(&mut self, dbl: bool) -> u64 {
        if self.rng.chance(8) {
            self.rng.next() // most likely not NaN-boxed: single reads see the canonical NaN
        } else if dbl {
            self.double_bits()
        } else {
            0xffff_ffff_0000_0000 | self.single_bits() as u64
        }
    }

    /// A naturally aligned offset for a `width`-byte access through x8 (scratch).
    fn scratch_off(&mut self, width: i64) -> i64 {
        let lo = -(SCRATCH_SIZE as i64) / 2;
        let hi = SCRATCH_SIZE as i64 / 2 - width;
        let v = if self.rng.chance(50) {
            self.rng.range(-64, 64)
        } else {
            self.rng.range(lo, hi)
        };
        (v & !(width - 1)).clamp(lo, hi)
    }

    /// A naturally aligned offset for a `width`-byte access through sp (the frame).
    fn frame_off(&mut self, width: i64) -> i64 {
        self.rng.range(0, FRAME_SIZE as i64 - width) & !(width - 1)
    }

    /// Base register and offset of a `width`-byte access.
    fn addr(&mut self, width: i64) -> String {
        if self.rng.chance(20) {
            format!("{}(sp)", self.frame_off(width))
        } else {
            format!("{}({})", self.scratch_off(width), x(BASE))
        }
    }

    // ---- integer instructions -------------------------------------------------------------

    fn alu_r(&mut self) -> String {
        let op = self.rng.pick(&[
            "add", "sub", "sll", "slt", "sltu", "xor", "srl", "sra", "or", "and", "addw", "subw",
            "sllw", "srlw", "sraw",
        ]);
        format!("{op} {}, {}, {}", self.dst(), self.src(), self.src())
    }

    fn alu_i(&mut self) -> String {
        match self.rng.below(10) {
            0..=5 => {
                let op = self
                    .rng
                    .pick(&["addi", "slti", "sltiu", "xori", "ori", "andi", "addiw"]);
                format!("{op} {}, {}, {}", self.dst(), self.src(), self.imm12())
            }
            6 | 7 => {
                let op = self.rng.pick(&["slli", "srli", "srai"]);
                format!(
                    "{op} {}, {}, {}",
                    self.dst(),
                    self.src(),
                    self.rng.below(64)
                )
            }
            8 => {
                let op = self.rng.pick(&["slliw", "srliw", "sraiw"]);
                format!(
                    "{op} {}, {}, {}",
                    self.dst(),
                    self.src(),
                    self.rng.below(32)
                )
            }
            _ => {
                let op = self.rng.pick(&["lui", "lui", "lui", "auipc"]);
                let imm = match self.rng.below(3) {
                    0 => self.rng.pick(&[0, 1, 0x7ffff, 0x80000, 0xfffff]),
                    _ => self.rng.below(0x10_0000),
                };
                format!("{op} {}, {imm:#x}", self.dst())
            }
        }
    }

    fn muldiv(&mut self) -> String {
        let op = self.rng.pick(&[
            "mul", "mulh", "mulhsu", "mulhu", "div", "divu", "rem", "remu", "mulw", "divw",
            "divuw", "remw", "remuw",
        ]);
        format!("{op} {}, {}, {}", self.dst(), self.src(), self.src())
    }

    fn li(&mut self) -> String {
        let v = self.value64();
        format!("li {}, {:#x}", self.dst(), v)
    }

    fn load(&mut self) -> String {
        let (op, w) = self.rng.pick(&[
            ("lb", 1),
            ("lbu", 1),
            ("lh", 2),
            ("lhu", 2),
            ("lw", 4),
            ("lwu", 4),
            ("ld", 8),
        ]);
        format!("{op} {}, {}", self.dst(), self.addr(w))
    }

    fn store(&mut self) -> String {
        let (op, w) = self.rng.pick(&[("sb", 1), ("sh", 2), ("sw", 4), ("sd", 8)]);
        format!("{op} {}, {}", self.src(), self.addr(w))
    }

    fn ordering(&mut self) -> &'static str {
        self.rng.pick(&["", "", ".aq", ".rl", ".aqrl"])
    }

    fn amo(&mut self) -> Unit {
        let op = self.rng.pick(&[
            "amoswap", "amoadd", "amoxor", "amoand", "amoor", "amomin", "amomax", "amominu",
            "amomaxu",
        ]);
        let (sfx, w) = self.rng.pick(&[("w", 4), ("d", 8)]);
        let a = self.dst();
        let off = self.scratch_off(w);
        let ord = self.ordering();
        Unit {
            lines: vec![
                format!("addi {a}, {}, {off}", x(BASE)),
                format!("{op}.{sfx}{ord} {}, {}, ({a})", self.dst(), self.src()),
            ],
            skip: None,
        }
    }

    /// lr; up to four base-ISA ALU instructions that keep the address; sc to the same address.
    fn lrsc(&mut self) -> Unit {
        let (sfx, w) = self.rng.pick(&[("w", 4), ("d", 8)]);
        let ar = self.rng.pick(&POOL);
        let a = x(ar);
        let off = self.scratch_off(w);
        let others: Vec<u8> = POOL.iter().copied().filter(|&r| r != ar).collect();
        let mut lines = vec![format!("addi {a}, {}, {off}", x(BASE))];
        let ord = self.ordering();
        lines.push(format!(
            "lr.{sfx}{ord} {}, ({a})",
            x(self.rng.pick(&others))
        ));
        for _ in 0..self.rng.below(5) {
            let rd = x(self.rng.pick(&others));
            let line = if self.rng.chance(50) {
                let op = self
                    .rng
                    .pick(&["add", "sub", "xor", "or", "and", "sll", "addw", "sltu"]);
                format!("{op} {rd}, {}, {}", self.src(), self.src())
            } else {
                let op = self
                    .rng
                    .pick(&["addi", "xori", "andi", "slli", "srai", "addiw"]);
                let imm = if op.starts_with('s') {
                    self.rng.below(32) as i64
                } else {
                    self.imm12()
                };
                format!("{op} {rd}, {}, {imm}", self.src())
            };
            lines.push(line);
        }
        let ord = self.ordering();
        lines.push(format!(
            "sc.{sfx}{ord} {}, {}, ({a})",
            self.dst(),
            self.src()
        ));
        Unit { lines, skip: None }
    }

    fn branch(&mut self) -> Unit {
        let skip = Some(1 + self.rng.below(6) as usize);
        let kind = if self.norvc {
            self.rng.pick(&[0, 6, 8])
        } else {
            self.rng.below(10)
        };
        let line = match kind {
            0..=5 => {
                let op = self.rng.pick(&["beq", "bne", "blt", "bge", "bltu", "bgeu"]);
                format!("{op} {}, {}, @L", self.src(), self.src())
            }
            6 => {
                let op = self
                    .rng
                    .pick(&["beqz", "bnez", "bltz", "bgez", "blez", "bgtz"]);
                format!("{op} {}, @L", self.src())
            }
            7 => {
                let op = self.rng.pick(&["c.beqz", "c.bnez"]);
                format!("{op} {}, @L", self.src_c())
            }
            8 => {
                let rd = if self.rng.chance(50) {
                    x(0)
                } else {
                    self.dst()
                };
                format!("jal {rd}, @L")
            }
            _ => "c.j @L".to_string(),
        };
        Unit {
            lines: vec![line],
            skip,
        }
    }

    fn compressed(&mut self) -> String {
        let nz6 = |g: &mut Gen| loop {
            let v = g.rng.range(-32, 31);
            if v != 0 {
                break v;
            }
        };
        match self.rng.below(24) {
            0 => format!("c.li {}, {}", self.dst(), self.rng.range(-32, 31)),
            1 => {
                let imm = if self.rng.chance(50) {
                    self.rng.range(1, 31) as u64
                } else {
                    self.rng.range(0xfffe0, 0xfffff) as u64
                };
                format!("c.lui {}, {imm:#x}", self.dst())
            }
            2 => format!("c.addi {}, {}", self.dst(), nz6(self)),
            3 => format!("c.addiw {}, {}", self.dst(), self.rng.range(-32, 31)),
            4 => format!("c.slli {}, {}", self.dst(), self.rng.range(1, 63)),
            5 => format!("c.srli {}, {}", self.dst_c(), self.rng.range(1, 63)),
            6 => format!("c.srai {}, {}", self.dst_c(), self.rng.range(1, 63)),
            7 => format!("c.andi {}, {}", self.dst_c(), self.rng.range(-32, 31)),
            8 => {
                let s = x(self.rng.pick(&POOL));
                format!("c.mv {}, {s}", self.dst())
            }
            9 => {
                let s = x(self.rng.pick(&POOL));
                format!("c.add {}, {s}", self.dst())
            }
            10..=13 => {
                let op = self
                    .rng
                    .pick(&["c.and", "c.or", "c.xor", "c.sub", "c.addw", "c.subw"]);
                format!("{op} {}, {}", self.dst_c(), self.src_c())
            }
            14 => format!(
                "c.lw {}, {}({})",
                self.dst_c(),
                self.rng.below(32) * 4,
                x(BASE)
            ),
            15 => format!(
                "c.ld {}, {}({})",
                self.dst_c(),
                self.rng.below(32) * 8,
                x(BASE)
            ),
            16 => format!(
                "c.sw {}, {}({})",
                self.src_c(),
                self.rng.below(32) * 4,
                x(BASE)
            ),
            17 => format!(
                "c.sd {}, {}({})",
                self.src_c(),
                self.rng.below(32) * 8,
                x(BASE)
            ),
            18 => format!("c.lwsp {}, {}(sp)", self.dst(), self.rng.below(64) * 4),
            19 => format!("c.ldsp {}, {}(sp)", self.dst(), self.rng.below(64) * 8),
            20 => {
                let s = x(self.rng.pick(&POOL));
                format!("c.swsp {s}, {}(sp)", self.rng.below(64) * 4)
            }
            21 => {
                let s = x(self.rng.pick(&POOL));
                format!("c.sdsp {s}, {}(sp)", self.rng.below(64) * 8)
            }
            22 => format!(
                "c.addi4spn {}, sp, {}",
                self.dst_c(),
                self.rng.range(1, 255) * 4
            ),
            _ => "c.nop".to_string(),
        }
    }

    fn csr(&mut self) -> String {
        match self.rng.below(6) {
            0 => format!("csrrw {}, mscratch, {}", self.dst(), self.src()),
            1 => format!("csrrs {}, mscratch, {}", self.dst(), self.src()),
            2 => format!("csrrc {}, mscratch, {}", self.dst(), self.src()),
            3 => format!("csrrwi {}, mscratch, {}", self.dst(), self.rng.below(32)),
            4 => format!("csrrsi {}, mscratch, {}", self.dst(), self.rng.below(32)),
            _ => format!("csrrci {}, mscratch, {}", self.dst(), self.rng.below(32)),
        }
    }

    // ---- FP instructions ------------------------------------------------------------------

    fn prec(&mut self) -> (bool, &'static str) {
        if self.rng.chance(50) {
            (true, "d")
        } else {
            (false, "s")
        }
    }

    fn fp_arith(&mut self) -> String {
        let (d, p) = self.prec();
        let rm = self.rng.pick(&RMS);
        match self.rng.below(12) {
            0..=4 => {
                let op = self.rng.pick(&["fadd", "fsub", "fmul", "fdiv"]);
                format!(
                    "{op}.{p} {}, {}, {}{rm}",
                    self.freg(d),
                    self.freg(d),
                    self.freg(d)
                )
            }
            5 => format!("fsqrt.{p} {}, {}{rm}", self.freg(d), self.freg(d)),
            6..=8 => {
                let op = self.rng.pick(&["fmadd", "fmsub", "fnmsub", "fnmadd"]);
                format!(
                    "{op}.{p} {}, {}, {}, {}{rm}",
                    self.freg(d),
                    self.freg(d),
                    self.freg(d),
                    self.freg(d)
                )
            }
            9 => {
                let op = self.rng.pick(&["fmin", "fmax"]);
                format!(
                    "{op}.{p} {}, {}, {}",
                    self.freg(d),
                    self.freg(d),
                    self.freg(d)
                )
            }
            _ => {
                let op = self.rng.pick(&["fsgnj", "fsgnjn", "fsgnjx"]);
                let a = self.freg(d);
                // rs1 == rs2 (fmv/fneg/fabs) now and then
                let b = if self.rng.chance(25) {
                    a.clone()
                } else {
                    self.freg(d)
                };
                format!("{op}.{p} {}, {a}, {b}", self.freg(d))
            }
        }
    }

    fn fp_cmp(&mut self) -> String {
        let (d, p) = self.prec();
        if self.rng.chance(25) {
            format!("fclass.{p} {}, {}", self.dst(), self.freg(d))
        } else {
            let op = self.rng.pick(&["feq", "flt", "fle"]);
            let a = self.freg(d);
            let b = if self.rng.chance(15) {
                a.clone()
            } else {
                self.freg(d)
            };
            format!("{op}.{p} {}, {a}, {b}", self.dst())
        }
    }

    fn fp_cvt(&mut self) -> String {
        // (mnemonic, destination: 'x' / 's' / 'd', source, takes a rounding mode)
        let (op, to, from, rm) = self.rng.pick(&[
            ("fcvt.w.s", 'x', 's', true),
            ("fcvt.wu.s", 'x', 's', true),
            ("fcvt.l.s", 'x', 's', true),
            ("fcvt.lu.s", 'x', 's', true),
            ("fcvt.w.d", 'x', 'd', true),
            ("fcvt.wu.d", 'x', 'd', true),
            ("fcvt.l.d", 'x', 'd', true),
            ("fcvt.lu.d", 'x', 'd', true),
            ("fcvt.s.w", 's', 'x', true),
            ("fcvt.s.wu", 's', 'x', true),
            ("fcvt.s.l", 's', 'x', true),
            ("fcvt.s.lu", 's', 'x', true),
            ("fcvt.d.w", 'd', 'x', false),
            ("fcvt.d.wu", 'd', 'x', false),
            ("fcvt.d.l", 'd', 'x', true),
            ("fcvt.d.lu", 'd', 'x', true),
            ("fcvt.s.d", 's', 'd', true),
            ("fcvt.d.s", 'd', 's', false),
            ("fmv.x.w", 'x', 's', false),
            ("fmv.w.x", 's', 'x', false),
            ("fmv.x.d", 'x', 'd', false),
            ("fmv.d.x", 'd', 'x', false),
        ]);
        let rd = match to {
            'x' => self.dst(),
            c => self.freg(c == 'd'),
        };
        let rs = match from {
            'x' => self.src(),
            c => self.freg(c == 'd'),
        };
        let rm = if rm { self.rng.pick(&RMS) } else { "" };
        format!("{op} {rd}, {rs}{rm}")
    }

    fn fp_mem(&mut self) -> String {
        match self.rng.below(if self.norvc { 4 } else { 8 }) {
            0 => format!("flw {}, {}", self.freg(false), self.addr(4)),
            1 => format!("fld {}, {}", self.freg(true), self.addr(8)),
            2 => format!("fsw {}, {}", self.freg(false), self.addr(4)),
            3 => {
                let d = self.rng.chance(80);
                format!("fsd {}, {}", self.freg(d), self.addr(8))
            }
            4 => format!(
                "c.fld {}, {}({})",
                f(8 + self.rng.below(8) as u8),
                self.rng.below(32) * 8,
                x(BASE)
            ),
            5 => format!(
                "c.fsd {}, {}({})",
                f(8 + self.rng.below(8) as u8),
                self.rng.below(32) * 8,
                x(BASE)
            ),
            6 => format!(
                "c.fldsp {}, {}(sp)",
                self.freg(true),
                self.rng.below(64) * 8
            ),
            _ => format!(
                "c.fsdsp {}, {}(sp)",
                self.freg(true),
                self.rng.below(64) * 8
            ),
        }
    }

    /// fcsr accesses. Reading and clearing the flags often keeps them informative: each read
    /// lands in a register that is dumped at the end.
    fn fcsr(&mut self) -> String {
        match self.rng.below(13) {
            10..=12 => format!("fsflags {}, x0", self.dst()),
            0 => format!("frflags {}", self.dst()),
            1 => format!("frrm {}", self.dst()),
            2 => format!("frcsr {}", self.dst()),
            3 => format!("fsflags {}, {}", self.dst(), self.src()),
            4 => format!("fsflagsi {}, {}", self.dst(), self.rng.below(32)),
            5 | 6 => format!("fsrmi {}, {}", self.dst(), self.rng.below(5)),
            7 => format!("csrrc {}, frm, {}", self.dst(), self.src()),
            8 => format!("csrrs {}, fflags, {}", self.dst(), self.src()),
            _ => format!("csrrci {}, fflags, {}", self.dst(), self.rng.below(32)),
        }
    }

    // ---- blocks ---------------------------------------------------------------------------

    fn unit(&mut self) -> Unit {
        let int_weight = 100;
        let fp_weight = if self.fp { 66 } else { 0 };
        let r = self.rng.below(int_weight + fp_weight);
        if r >= int_weight {
            return Unit::one(match r - int_weight {
                0..=19 => self.fp_arith(),
                20..=26 => self.fp_cmp(),
                27..=42 => self.fp_cvt(),
                43..=55 => self.fp_mem(),
                _ => self.fcsr(),
            });
        }
        match r {
            0..=19 => Unit::one(self.alu_r()),
            20..=39 => Unit::one(self.alu_i()),
            40..=49 => Unit::one(self.muldiv()),
            50..=52 => Unit::one(self.li()),
            53..=59 => Unit::one(self.load()),
            60..=65 => Unit::one(self.store()),
            66..=69 => self.amo(),
            70..=71 => self.lrsc(),
            72..=79 => self.branch(),
            80..=95 if self.norvc => Unit::one(self.alu_i()),
            80..=95 => Unit::one(self.compressed()),
            96..=97 => Unit::one(self.csr()),
            _ => Unit::one(
                self.rng
                    .pick(&["fence", "fence rw, rw", "fence.i", "nop"])
                    .to_string(),
            ),
        }
    }

    /// Emit `n` units, resolving the forward branches to labels inside them (a branch past
    /// the end lands just after the last unit).
    fn emit_units(&mut self, n: usize) {
        let units: Vec<Unit> = (0..n).map(|_| self.unit()).collect();
        let mut labels_at: Vec<Vec<String>> = vec![Vec::new(); n + 1];
        let mut target: Vec<Option<String>> = vec![None; n];
        for (i, u) in units.iter().enumerate() {
            if let Some(skip) = u.skip {
                let label = format!(".Lf{}", self.labels);
                self.labels += 1;
                labels_at[(i + 1 + skip).min(n)].push(label.clone());
                target[i] = Some(label);
            }
        }
        for (i, u) in units.iter().enumerate() {
            for l in &labels_at[i] {
                writeln!(self.out, "{l}:").unwrap();
            }
            for line in &u.lines {
                let line = match &target[i] {
                    Some(l) => line.replace("@L", l),
                    None => line.clone(),
                };
                writeln!(self.out, "    {line}").unwrap();
            }
        }
        for l in &labels_at[n] {
            writeln!(self.out, "{l}:").unwrap();
        }
    }

    fn body(&mut self) {
        let segments = self.rng.range(10, MAX_SEGMENTS as i64);
        for s in 0..segments {
            // Some blocks keep every instruction 32 bits wide, the others let the assembler
            // compress what it can.
            let norvc = self.rng.chance(30);
            self.norvc = norvc;
            if norvc {
                writeln!(self.out, "    .option push\n    .option norvc").unwrap();
            }
            if self.rng.chance(30) {
                let count = self.rng.range(1, 6);
                let label = format!(".Lloop{s}");
                writeln!(self.out, "    # loop {s}: {count} iterations").unwrap();
                writeln!(self.out, "    li {}, {count}\n{label}:", x(LOOP)).unwrap();
                let n = self.rng.range(4, 14) as usize;
                self.emit_units(n);
                writeln!(
                    self.out,
                    "    addi {0}, {0}, -1\n    bnez {0}, {label}",
                    x(LOOP)
                )
                .unwrap();
            } else {
                writeln!(self.out, "    # block {s}").unwrap();
                let n = self.rng.range(12, 40) as usize;
                self.emit_units(n);
            }
            if norvc {
                writeln!(self.out, "    .option pop").unwrap();
            }
            self.checkpoint(s as usize);
        }
        writeln!(
            self.out,
            "    # {segments} segments\n    .set RP_SEGMENTS, {segments}"
        )
        .unwrap();
    }

    /// Store every register (and fcsr) into `rp_ckpt[k]` without changing any of them, using
    /// the stack below sp as temporary space: the driver prints a hash per segment, so the
    /// first differing line names the first segment whose registers differ.
    fn checkpoint(&mut self, k: usize) {
        let o = &mut self.out;
        writeln!(o, "    # checkpoint {k}").unwrap();
        writeln!(o, "    sd x1, -8(sp)\n    sd x5, -16(sp)").unwrap();
        writeln!(o, "    la x1, rp_ckpt + {}", k * CKPT_BYTES).unwrap();
        for r in 2..32 {
            writeln!(o, "    sd x{r}, {}(x1)", r * 8).unwrap();
        }
        writeln!(o, "    ld x5, -8(sp)\n    sd x5, 8(x1)").unwrap();
        writeln!(o, "    csrr x5, mscratch\n    sd x5, 256(x1)").unwrap();
        if self.fp {
            for r in 0..32 {
                writeln!(o, "    fsd f{r}, {}(x1)", 264 + r * 8).unwrap();
            }
            writeln!(o, "    frcsr x5\n    sd x5, 520(x1)").unwrap();
        }
        writeln!(o, "    ld x5, -16(sp)\n    ld x1, -8(sp)").unwrap();
    }
}

/// Bytes of one register checkpoint (and of `rp_dump`): x0-x31, mscratch, f0-f31, fcsr.
const CKPT_BYTES: usize = 66 * 8;
/// Most segments a program has.
const MAX_SEGMENTS: usize = 14;

/// Callee-saved FP registers (fs0-fs11) of the lp64d ABI.
const FS_REGS: [u8; 12] = [8, 9, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27];
/// Callee-saved integer registers (s0-s11).
const S_REGS: [u8; 12] = [8, 9, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27];

/// The assembly source of the random program for `seed`.
pub fn generate(seed: u64, mode: Mode) -> String {
    let mut g = Gen {
        rng: Rng::new(seed),
        fp: mode == Mode::Full,
        norvc: false,
        out: String::new(),
        labels: 0,
    };
    let fp = g.fp;
    let mut o = String::new();
    writeln!(
        o,
        "/* Random {} program, seed {seed}: generated by tests/random_programs/generator.rs. */",
        mode.name()
    )
    .unwrap();

    // Initial state, all from the seed.
    let xinit: Vec<u64> = (0..32).map(|_| g.value64()).collect();
    let finit: Vec<u64> = (0..32).map(|i| g.fp_value(i >= 16)).collect();
    let frame: Vec<u64> = (0..FRAME_SIZE / 8).map(|_| g.value64()).collect();
    let scratch: Vec<u64> = (0..SCRATCH_SIZE / 8)
        .map(|_| match g.rng.below(4) {
            0 if fp => {
                let d = g.rng.chance(50);
                g.fp_value(d)
            }
            1 => g.value64(),
            _ => g.rng.next(),
        })
        .collect();
    let mscratch = g.value64();
    let frm = g.rng.below(5);
    let fflags = g.rng.below(32);

    writeln!(
        o,
        "    .section .text\n    .globl rp_run\n    .balign 4\nrp_run:"
    )
    .unwrap();
    writeln!(o, "    la t0, rp_saved").unwrap();
    for (i, r) in ["ra", "sp", "gp", "tp"].iter().enumerate() {
        writeln!(o, "    sd {r}, {}(t0)", i * 8).unwrap();
    }
    for (i, r) in S_REGS.iter().enumerate() {
        writeln!(o, "    sd x{r}, {}(t0)", 32 + i * 8).unwrap();
    }
    if fp {
        for (i, r) in FS_REGS.iter().enumerate() {
            writeln!(o, "    fsd f{r}, {}(t0)", 128 + i * 8).unwrap();
        }
    }
    writeln!(
        o,
        "    addi sp, sp, -{FRAME_SIZE}
    la t0, rp_frameinit
    mv t1, sp
    li t2, {}
1:  ld t3, 0(t0)
    sd t3, 0(t1)
    addi t0, t0, 8
    addi t1, t1, 8
    addi t2, t2, -1
    bnez t2, 1b
    li t0, {mscratch:#x}
    csrw mscratch, t0",
        FRAME_SIZE / 8
    )
    .unwrap();
    if fp {
        writeln!(o, "    la x8, rp_finit").unwrap();
        for i in 0..32 {
            writeln!(o, "    fld f{i}, {}(x8)", i * 8).unwrap();
        }
        writeln!(o, "    fsrmi {frm}\n    csrwi fflags, {fflags}").unwrap();
    }
    writeln!(o, "    la x8, rp_xinit").unwrap();
    for r in POOL {
        writeln!(o, "    ld x{r}, {}(x8)", r as usize * 8).unwrap();
    }
    writeln!(
        o,
        "    li x9, 0\n    la x8, rp_scratch + {}",
        SCRATCH_SIZE / 2
    )
    .unwrap();
    writeln!(o, "    # ---- random code ----").unwrap();
    g.body();
    o.push_str(&g.out);
    writeln!(o, "    # ---- dump ----").unwrap();
    writeln!(o, "    la x8, rp_dump").unwrap();
    for r in 1..32 {
        if r != 8 {
            writeln!(o, "    sd x{r}, {}(x8)", r * 8).unwrap();
        }
    }
    writeln!(
        o,
        "    la x1, rp_scratch + {}\n    sd x1, 64(x8)\n    csrr x1, mscratch\n    sd x1, 256(x8)",
        SCRATCH_SIZE / 2
    )
    .unwrap();
    if fp {
        for i in 0..32 {
            writeln!(o, "    fsd f{i}, {}(x8)", 264 + i * 8).unwrap();
        }
        writeln!(o, "    frcsr x1\n    sd x1, 520(x8)").unwrap();
    }
    writeln!(
        o,
        "    la t0, rp_stackcopy
    mv t1, sp
    li t2, {}
1:  ld t3, 0(t1)
    sd t3, 0(t0)
    addi t0, t0, 8
    addi t1, t1, 8
    addi t2, t2, -1
    bnez t2, 1b
    la t0, rp_saved",
        FRAME_SIZE / 8
    )
    .unwrap();
    for (i, r) in ["ra", "sp", "gp", "tp"].iter().enumerate() {
        writeln!(o, "    ld {r}, {}(t0)", i * 8).unwrap();
    }
    for (i, r) in S_REGS.iter().enumerate() {
        writeln!(o, "    ld x{r}, {}(t0)", 32 + i * 8).unwrap();
    }
    if fp {
        for (i, r) in FS_REGS.iter().enumerate() {
            writeln!(o, "    fld f{r}, {}(t0)", 128 + i * 8).unwrap();
        }
    }
    writeln!(o, "    ret").unwrap();

    let table = |o: &mut String, name: &str, v: &[u64]| {
        writeln!(o, "    .balign 64\n    .globl {name}\n{name}:").unwrap();
        for chunk in v.chunks(4) {
            let words: Vec<String> = chunk.iter().map(|w| format!("{w:#018x}")).collect();
            writeln!(o, "    .dword {}", words.join(", ")).unwrap();
        }
    };
    writeln!(o, "\n    .section .data").unwrap();
    table(&mut o, "rp_seed", &[seed]);
    writeln!(o, "    .globl rp_nckpt\nrp_nckpt:\n    .dword RP_SEGMENTS").unwrap();
    table(&mut o, "rp_xinit", &xinit);
    table(&mut o, "rp_finit", &finit);
    table(&mut o, "rp_frameinit", &frame);
    table(&mut o, "rp_scratch", &scratch);
    writeln!(
        o,
        "\n    .section .bss
    .balign 64
rp_saved:
    .skip 256
    .globl rp_dump
rp_dump:
    .skip 66 * 8
    .globl rp_stackcopy
rp_stackcopy:
    .skip {FRAME_SIZE}
    .globl rp_ckpt
rp_ckpt:
    .skip {}",
        MAX_SEGMENTS * CKPT_BYTES
    )
    .unwrap();
    o
}
