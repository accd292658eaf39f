//! Instruction decoding: one table-like function per encoding space, producing a compact
//! [`Insn`] that the hart's executor dispatches on with a single `match`; what each operation
//! is (timing class, control flow, operand register files) is its row in [`super::table`].
//!
//! Compressed instructions are expanded into the same operations as their 32-bit equivalents,
//! so the executor has one place per operation (Spike's "one instruction, one place"). Any
//! encoding that is reserved or not implemented decodes to [`Op::Illegal`]; decoding never
//! fails otherwise.

/// Operations the executor implements.
#[allow(missing_docs)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Op {
    Illegal,
    // RV64I
    Lui,
    Auipc,
    Jal,
    Jalr,
    Beq,
    Bne,
    Blt,
    Bge,
    Bltu,
    Bgeu,
    Lb,
    Lh,
    Lw,
    Ld,
    Lbu,
    Lhu,
    Lwu,
    Sb,
    Sh,
    Sw,
    Sd,
    Addi,
    Slti,
    Sltiu,
    Xori,
    Ori,
    Andi,
    Slli,
    Srli,
    Srai,
    Add,
    Sub,
    Sll,
    Slt,
    Sltu,
    Xor,
    Srl,
    Sra,
    Or,
    And,
    Addiw,
    Slliw,
    Srliw,
    Sraiw,
    Addw,
    Subw,
    Sllw,
    Srlw,
    Sraw,
    Fence,
    FenceI,
    Ecall,
    Ebreak,
    // Privileged
    Mret,
    Sret,
    /// N extension: return from a user-mode trap.
    Uret,
    Wfi,
    SfenceVma,
    // Zicsr (imm holds the CSR number; rs1 holds the zimm for the immediate forms)
    Csrrw,
    Csrrs,
    Csrrc,
    Csrrwi,
    Csrrsi,
    Csrrci,
    // M
    Mul,
    Mulh,
    Mulhsu,
    Mulhu,
    Div,
    Divu,
    Rem,
    Remu,
    Mulw,
    Divw,
    Divuw,
    Remw,
    Remuw,
    // A
    LrW,
    ScW,
    AmoSwapW,
    AmoAddW,
    AmoXorW,
    AmoAndW,
    AmoOrW,
    AmoMinW,
    AmoMaxW,
    AmoMinuW,
    AmoMaxuW,
    LrD,
    ScD,
    AmoSwapD,
    AmoAddD,
    AmoXorD,
    AmoAndD,
    AmoOrD,
    AmoMinD,
    AmoMaxD,
    AmoMinuD,
    AmoMaxuD,
    // UINTC user-IPI instructions (custom-3, R-type, funct3 110, funct7 = operation).
    UipiSend,
    UipiRead,
    UipiWrite,
    UipiActivate,
    UipiDeactivate,
    // F and D (imm holds rm in bits 2:0 and rs3 in bits 12:8; loads/stores hold the offset)
    Flw,
    Fsw,
    Fld,
    Fsd,
    FmaddS,
    FmsubS,
    FnmsubS,
    FnmaddS,
    FaddS,
    FsubS,
    FmulS,
    FdivS,
    FsqrtS,
    FsgnjS,
    FsgnjnS,
    FsgnjxS,
    FminS,
    FmaxS,
    FcvtWS,
    FcvtWuS,
    FcvtLS,
    FcvtLuS,
    FmvXW,
    FeqS,
    FltS,
    FleS,
    FclassS,
    FcvtSW,
    FcvtSWu,
    FcvtSL,
    FcvtSLu,
    FmvWX,
    FmaddD,
    FmsubD,
    FnmsubD,
    FnmaddD,
    FaddD,
    FsubD,
    FmulD,
    FdivD,
    FsqrtD,
    FsgnjD,
    FsgnjnD,
    FsgnjxD,
    FminD,
    FmaxD,
    FcvtSD,
    FcvtDS,
    FcvtWD,
    FcvtWuD,
    FcvtLD,
    FcvtLuD,
    FmvXD,
    FeqD,
    FltD,
    FleD,
    FclassD,
    FcvtDW,
    FcvtDWu,
    FcvtDL,
    FcvtDLu,
    FmvDX,
}

impl Op {
    /// Whether this is an F or D instruction (they all need mstatus.FS != Off).
    #[inline]
    pub fn is_fp(self) -> bool {
        self as u8 >= Op::Flw as u8
    }

    /// Whether this is a 32-bit AMO (AMOSWAP.W ..= AMOMAXU.W are declared contiguously).
    #[inline]
    pub fn is_word_amo(self) -> bool {
        (Op::AmoSwapW as u8..=Op::AmoMaxuW as u8).contains(&(self as u8))
    }
}

/// A decoded instruction: eight bytes, so the hot loop moves it in one register. The raw
/// encoding (and with it the length) travels separately, from fetch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(C, align(8))]
pub struct Insn {
    /// The operation.
    pub op: Op,
    /// Destination register.
    pub rd: u8,
    /// First source register (or the CSR zimm).
    pub rs1: u8,
    /// Second source register.
    pub rs2: u8,
    /// Sign-extended immediate, shift amount, or CSR number.
    pub imm: i32,
}

/// Register index that writes to x0 are redirected to, so x0 always reads zero.
pub const RD_SINK: u8 = 32;

impl Insn {
    const fn new(op: Op, rd: u32, rs1: u32, rs2: u32, imm: i32) -> Self {
        Self {
            op,
            rd: if rd == 0 { RD_SINK } else { rd as u8 },
            rs1: rs1 as u8,
            rs2: rs2 as u8,
            imm,
        }
    }

    /// An illegal instruction.
    pub const ILLEGAL: Self = Self::new(Op::Illegal, 0, 0, 0, 0);
}

/// Length in bytes of the instruction whose encoding (or low half) is `raw`.
#[inline(always)]
pub fn insn_len(raw: u32) -> u64 {
    if raw & 3 == 3 {
        4
    } else {
        2
    }
}

/// Decode a 16- or 32-bit instruction (a 16-bit one has its upper half ignored).
pub fn decode(raw: u32) -> Insn {
    if raw & 3 == 3 {
        decode32(raw)
    } else {
        decode16(raw as u16)
    }
}

fn sext(value: u32, bits: u32) -> i32 {
    let shift = 32 - bits;
    ((value << shift) as i32) >> shift
}

fn decode32(w: u32) -> Insn {
    let rd = (w >> 7) & 31;
    let rs1 = (w >> 15) & 31;
    let rs2 = (w >> 20) & 31;
    let f3 = (w >> 12) & 7;
    let f7 = w >> 25;
    let imm_i = (w as i32) >> 20;
    let imm_s = (((w as i32) >> 25) << 5) | ((w >> 7) & 31) as i32;
    let imm_b = sext(
        ((w >> 31) << 12)
            | (((w >> 7) & 1) << 11)
            | (((w >> 25) & 0x3f) << 5)
            | (((w >> 8) & 0xf) << 1),
        13,
    );
    let imm_u = (w & 0xffff_f000) as i32;
    let imm_j = sext(
        ((w >> 31) << 20)
            | (((w >> 12) & 0xff) << 12)
            | (((w >> 20) & 1) << 11)
            | (((w >> 21) & 0x3ff) << 1),
        21,
    );
    let i = |op: Op, imm: i32| Insn::new(op, rd, rs1, rs2, imm);
    let bad = Insn::ILLEGAL;
    match w & 0x7f {
        0x37 => i(Op::Lui, imm_u),
        0x17 => i(Op::Auipc, imm_u),
        0x6f => i(Op::Jal, imm_j),
        0x67 if f3 == 0 => i(Op::Jalr, imm_i),
        0x63 => match f3 {
            0 => i(Op::Beq, imm_b),
            1 => i(Op::Bne, imm_b),
            4 => i(Op::Blt, imm_b),
            5 => i(Op::Bge, imm_b),
            6 => i(Op::Bltu, imm_b),
            7 => i(Op::Bgeu, imm_b),
            _ => bad,
        },
        0x03 => match f3 {
            0 => i(Op::Lb, imm_i),
            1 => i(Op::Lh, imm_i),
            2 => i(Op::Lw, imm_i),
            3 => i(Op::Ld, imm_i),
            4 => i(Op::Lbu, imm_i),
            5 => i(Op::Lhu, imm_i),
            6 => i(Op::Lwu, imm_i),
            _ => bad,
        },
        0x23 => match f3 {
            0 => i(Op::Sb, imm_s),
            1 => i(Op::Sh, imm_s),
            2 => i(Op::Sw, imm_s),
            3 => i(Op::Sd, imm_s),
            _ => bad,
        },
        0x13 => {
            let shamt = ((w >> 20) & 0x3f) as i32;
            match f3 {
                0 => i(Op::Addi, imm_i),
                2 => i(Op::Slti, imm_i),
                3 => i(Op::Sltiu, imm_i),
                4 => i(Op::Xori, imm_i),
                6 => i(Op::Ori, imm_i),
                7 => i(Op::Andi, imm_i),
                1 if w >> 26 == 0 => i(Op::Slli, shamt),
                5 if w >> 26 == 0 => i(Op::Srli, shamt),
                5 if w >> 26 == 0x10 => i(Op::Srai, shamt),
                _ => bad,
            }
        }
        0x1b => {
            let shamt = ((w >> 20) & 0x1f) as i32;
            match (f3, f7) {
                (0, _) => i(Op::Addiw, imm_i),
                (1, 0) => i(Op::Slliw, shamt),
                (5, 0) => i(Op::Srliw, shamt),
                (5, 0x20) => i(Op::Sraiw, shamt),
                _ => bad,
            }
        }
        0x33 => {
            let op = match (f7, f3) {
                (0, 0) => Op::Add,
                (0x20, 0) => Op::Sub,
                (0, 1) => Op::Sll,
                (0, 2) => Op::Slt,
                (0, 3) => Op::Sltu,
                (0, 4) => Op::Xor,
                (0, 5) => Op::Srl,
                (0x20, 5) => Op::Sra,
                (0, 6) => Op::Or,
                (0, 7) => Op::And,
                (1, 0) => Op::Mul,
                (1, 1) => Op::Mulh,
                (1, 2) => Op::Mulhsu,
                (1, 3) => Op::Mulhu,
                (1, 4) => Op::Div,
                (1, 5) => Op::Divu,
                (1, 6) => Op::Rem,
                (1, 7) => Op::Remu,
                _ => return bad,
            };
            i(op, 0)
        }
        0x3b => {
            let op = match (f7, f3) {
                (0, 0) => Op::Addw,
                (0x20, 0) => Op::Subw,
                (0, 1) => Op::Sllw,
                (0, 5) => Op::Srlw,
                (0x20, 5) => Op::Sraw,
                (1, 0) => Op::Mulw,
                (1, 4) => Op::Divw,
                (1, 5) => Op::Divuw,
                (1, 6) => Op::Remw,
                (1, 7) => Op::Remuw,
                _ => return bad,
            };
            i(op, 0)
        }
        0x0f => match f3 {
            0 => i(Op::Fence, 0),
            1 => i(Op::FenceI, 0),
            _ => bad,
        },
        0x73 => decode_system(w, rd, rs1, rs2, f3, f7),
        0x2f => decode_amo(w, rd, rs1, rs2, f3),
        0x07 => match f3 {
            2 => i(Op::Flw, imm_i),
            3 => i(Op::Fld, imm_i),
            _ => bad,
        },
        0x27 => match f3 {
            2 => i(Op::Fsw, imm_s),
            3 => i(Op::Fsd, imm_s),
            _ => bad,
        },
        0x43 | 0x47 | 0x4b | 0x4f => decode_fma(w, rd, rs1, rs2, f3),
        0x53 => decode_op_fp(rd, rs1, rs2, f3, f7),
        0x7b if f3 == 6 && rs2 == 0 => {
            let op = match f7 {
                0 => Op::UipiSend,
                1 => Op::UipiRead,
                2 => Op::UipiWrite,
                3 => Op::UipiActivate,
                4 => Op::UipiDeactivate,
                _ => return bad,
            };
            i(op, 0)
        }
        _ => bad,
    }
}

/// Whether a rounding-mode field is encodable (5 and 6 are reserved; 7 is dynamic).
fn valid_rm(rm: u32) -> bool {
    rm != 5 && rm != 6
}

fn decode_fma(w: u32, rd: u32, rs1: u32, rs2: u32, rm: u32) -> Insn {
    let rs3 = w >> 27;
    let double = match (w >> 25) & 3 {
        0 => false,
        1 => true,
        _ => return Insn::ILLEGAL,
    };
    if !valid_rm(rm) {
        return Insn::ILLEGAL;
    }
    let op = match (w & 0x7f, double) {
        (0x43, false) => Op::FmaddS,
        (0x47, false) => Op::FmsubS,
        (0x4b, false) => Op::FnmsubS,
        (0x4f, false) => Op::FnmaddS,
        (0x43, true) => Op::FmaddD,
        (0x47, true) => Op::FmsubD,
        (0x4b, true) => Op::FnmsubD,
        _ => Op::FnmaddD,
    };
    Insn::new(op, rd, rs1, rs2, (rm | rs3 << 8) as i32)
}

fn decode_op_fp(rd: u32, rs1: u32, rs2: u32, f3: u32, f7: u32) -> Insn {
    // Operations with a rounding mode carry it in imm; the others use f3 as a selector.
    let with_rm = |op: Op| {
        if valid_rm(f3) {
            Insn::new(op, rd, rs1, rs2, f3 as i32)
        } else {
            Insn::ILLEGAL
        }
    };
    let plain = |op: Op| Insn::new(op, rd, rs1, rs2, 0);
    match (f7, f3, rs2) {
        (0x00, _, _) => with_rm(Op::FaddS),
        (0x04, _, _) => with_rm(Op::FsubS),
        (0x08, _, _) => with_rm(Op::FmulS),
        (0x0c, _, _) => with_rm(Op::FdivS),
        (0x2c, _, 0) => with_rm(Op::FsqrtS),
        (0x10, 0, _) => plain(Op::FsgnjS),
        (0x10, 1, _) => plain(Op::FsgnjnS),
        (0x10, 2, _) => plain(Op::FsgnjxS),
        (0x14, 0, _) => plain(Op::FminS),
        (0x14, 1, _) => plain(Op::FmaxS),
        (0x60, _, 0) => with_rm(Op::FcvtWS),
        (0x60, _, 1) => with_rm(Op::FcvtWuS),
        (0x60, _, 2) => with_rm(Op::FcvtLS),
        (0x60, _, 3) => with_rm(Op::FcvtLuS),
        (0x70, 0, 0) => plain(Op::FmvXW),
        (0x70, 1, 0) => plain(Op::FclassS),
        (0x50, 2, _) => plain(Op::FeqS),
        (0x50, 1, _) => plain(Op::FltS),
        (0x50, 0, _) => plain(Op::FleS),
        (0x68, _, 0) => with_rm(Op::FcvtSW),
        (0x68, _, 1) => with_rm(Op::FcvtSWu),
        (0x68, _, 2) => with_rm(Op::FcvtSL),
        (0x68, _, 3) => with_rm(Op::FcvtSLu),
        (0x78, 0, 0) => plain(Op::FmvWX),
        (0x01, _, _) => with_rm(Op::FaddD),
        (0x05, _, _) => with_rm(Op::FsubD),
        (0x09, _, _) => with_rm(Op::FmulD),
        (0x0d, _, _) => with_rm(Op::FdivD),
        (0x2d, _, 0) => with_rm(Op::FsqrtD),
        (0x11, 0, _) => plain(Op::FsgnjD),
        (0x11, 1, _) => plain(Op::FsgnjnD),
        (0x11, 2, _) => plain(Op::FsgnjxD),
        (0x15, 0, _) => plain(Op::FminD),
        (0x15, 1, _) => plain(Op::FmaxD),
        (0x20, _, 1) => with_rm(Op::FcvtSD),
        (0x21, _, 0) => with_rm(Op::FcvtDS),
        (0x61, _, 0) => with_rm(Op::FcvtWD),
        (0x61, _, 1) => with_rm(Op::FcvtWuD),
        (0x61, _, 2) => with_rm(Op::FcvtLD),
        (0x61, _, 3) => with_rm(Op::FcvtLuD),
        (0x71, 0, 0) => plain(Op::FmvXD),
        (0x71, 1, 0) => plain(Op::FclassD),
        (0x51, 2, _) => plain(Op::FeqD),
        (0x51, 1, _) => plain(Op::FltD),
        (0x51, 0, _) => plain(Op::FleD),
        (0x69, _, 0) => with_rm(Op::FcvtDW),
        (0x69, _, 1) => with_rm(Op::FcvtDWu),
        (0x69, _, 2) => with_rm(Op::FcvtDL),
        (0x69, _, 3) => with_rm(Op::FcvtDLu),
        (0x79, 0, 0) => plain(Op::FmvDX),
        _ => Insn::ILLEGAL,
    }
}

fn decode_system(w: u32, rd: u32, rs1: u32, rs2: u32, f3: u32, f7: u32) -> Insn {
    let csr = (w >> 20) as i32;
    let i = |op: Op| Insn::new(op, rd, rs1, rs2, csr);
    match f3 {
        0 => {
            if rd != 0 {
                return Insn::ILLEGAL;
            }
            match (f7, rs2, rs1) {
                (0, 0, 0) => i(Op::Ecall),
                (0, 1, 0) => i(Op::Ebreak),
                (0x18, 2, 0) => i(Op::Mret),
                (0x08, 2, 0) => i(Op::Sret),
                (0x00, 2, 0) => i(Op::Uret),
                (0x08, 5, 0) => i(Op::Wfi),
                (0x09, _, _) => i(Op::SfenceVma),
                _ => Insn::ILLEGAL,
            }
        }
        1 => i(Op::Csrrw),
        2 => i(Op::Csrrs),
        3 => i(Op::Csrrc),
        5 => i(Op::Csrrwi),
        6 => i(Op::Csrrsi),
        7 => i(Op::Csrrci),
        _ => Insn::ILLEGAL,
    }
}

fn decode_amo(w: u32, rd: u32, rs1: u32, rs2: u32, f3: u32) -> Insn {
    let f5 = w >> 27;
    let double = match f3 {
        2 => false,
        3 => true,
        _ => return Insn::ILLEGAL,
    };
    let op = match (f5, double) {
        (0x02, false) if rs2 == 0 => Op::LrW,
        (0x03, false) => Op::ScW,
        (0x01, false) => Op::AmoSwapW,
        (0x00, false) => Op::AmoAddW,
        (0x04, false) => Op::AmoXorW,
        (0x0c, false) => Op::AmoAndW,
        (0x08, false) => Op::AmoOrW,
        (0x10, false) => Op::AmoMinW,
        (0x14, false) => Op::AmoMaxW,
        (0x18, false) => Op::AmoMinuW,
        (0x1c, false) => Op::AmoMaxuW,
        (0x02, true) if rs2 == 0 => Op::LrD,
        (0x03, true) => Op::ScD,
        (0x01, true) => Op::AmoSwapD,
        (0x00, true) => Op::AmoAddD,
        (0x04, true) => Op::AmoXorD,
        (0x0c, true) => Op::AmoAndD,
        (0x08, true) => Op::AmoOrD,
        (0x10, true) => Op::AmoMinD,
        (0x14, true) => Op::AmoMaxD,
        (0x18, true) => Op::AmoMinuD,
        (0x1c, true) => Op::AmoMaxuD,
        _ => return Insn::ILLEGAL,
    };
    Insn::new(op, rd, rs1, rs2, 0)
}

/// Expand a compressed instruction into the equivalent base operation.
fn decode16(h: u16) -> Insn {
    let w = h as u32;
    let bits = |hi: u32, lo: u32| (w >> lo) & ((1 << (hi - lo + 1)) - 1);
    let rd_full = bits(11, 7);
    let rs2_full = bits(6, 2);
    let rd_p = bits(4, 2) + 8;
    let rs1_p = bits(9, 7) + 8;
    let c = |op: Op, rd: u32, rs1: u32, rs2: u32, imm: i32| Insn::new(op, rd, rs1, rs2, imm);
    let bad = Insn::ILLEGAL;
    let funct3 = bits(15, 13);
    // CI-format 6-bit signed immediate: imm[5] at bit 12, imm[4:0] at bits 6:2.
    let ci_imm = sext((bits(12, 12) << 5) | bits(6, 2), 6);
    match (w & 3, funct3) {
        (0, 0) => {
            let imm =
                (bits(10, 7) << 6) | (bits(12, 11) << 4) | (bits(5, 5) << 3) | (bits(6, 6) << 2);
            if imm == 0 {
                bad
            } else {
                c(Op::Addi, rd_p, 2, 0, imm as i32)
            }
        }
        (0, 1) => {
            let imm = (bits(6, 5) << 6) | (bits(12, 10) << 3);
            c(Op::Fld, rd_p, rs1_p, 0, imm as i32)
        }
        (0, 2) => {
            let imm = (bits(5, 5) << 6) | (bits(12, 10) << 3) | (bits(6, 6) << 2);
            c(Op::Lw, rd_p, rs1_p, 0, imm as i32)
        }
        (0, 5) => {
            let imm = (bits(6, 5) << 6) | (bits(12, 10) << 3);
            c(Op::Fsd, 0, rs1_p, rd_p, imm as i32)
        }
        (0, 3) => {
            let imm = (bits(6, 5) << 6) | (bits(12, 10) << 3);
            c(Op::Ld, rd_p, rs1_p, 0, imm as i32)
        }
        (0, 6) => {
            let imm = (bits(5, 5) << 6) | (bits(12, 10) << 3) | (bits(6, 6) << 2);
            c(Op::Sw, 0, rs1_p, rd_p, imm as i32)
        }
        (0, 7) => {
            let imm = (bits(6, 5) << 6) | (bits(12, 10) << 3);
            c(Op::Sd, 0, rs1_p, rd_p, imm as i32)
        }
        (1, 0) => c(Op::Addi, rd_full, rd_full, 0, ci_imm),
        (1, 1) => {
            if rd_full == 0 {
                bad
            } else {
                c(Op::Addiw, rd_full, rd_full, 0, ci_imm)
            }
        }
        (1, 2) => c(Op::Addi, rd_full, 0, 0, ci_imm),
        (1, 3) => {
            if rd_full == 2 {
                let imm = (bits(12, 12) << 9)
                    | (bits(4, 3) << 7)
                    | (bits(5, 5) << 6)
                    | (bits(2, 2) << 5)
                    | (bits(6, 6) << 4);
                let imm = sext(imm, 10);
                if imm == 0 {
                    bad
                } else {
                    c(Op::Addi, 2, 2, 0, imm)
                }
            } else if ci_imm == 0 {
                bad
            } else {
                c(Op::Lui, rd_full, 0, 0, ci_imm << 12)
            }
        }
        (1, 4) => {
            let shamt = ((bits(12, 12) << 5) | bits(6, 2)) as i32;
            match bits(11, 10) {
                0 => c(Op::Srli, rs1_p, rs1_p, 0, shamt),
                1 => c(Op::Srai, rs1_p, rs1_p, 0, shamt),
                2 => c(Op::Andi, rs1_p, rs1_p, 0, ci_imm),
                _ => {
                    let op = match (bits(12, 12), bits(6, 5)) {
                        (0, 0) => Op::Sub,
                        (0, 1) => Op::Xor,
                        (0, 2) => Op::Or,
                        (0, 3) => Op::And,
                        (1, 0) => Op::Subw,
                        (1, 1) => Op::Addw,
                        _ => return bad,
                    };
                    c(op, rs1_p, rs1_p, rd_p, 0)
                }
            }
        }
        (1, 5) => {
            let imm = (bits(12, 12) << 11)
                | (bits(8, 8) << 10)
                | (bits(10, 9) << 8)
                | (bits(6, 6) << 7)
                | (bits(7, 7) << 6)
                | (bits(2, 2) << 5)
                | (bits(11, 11) << 4)
                | (bits(5, 3) << 1);
            c(Op::Jal, 0, 0, 0, sext(imm, 12))
        }
        (1, 6) | (1, 7) => {
            let imm = (bits(12, 12) << 8)
                | (bits(6, 5) << 6)
                | (bits(2, 2) << 5)
                | (bits(11, 10) << 3)
                | (bits(4, 3) << 1);
            let op = if funct3 == 6 { Op::Beq } else { Op::Bne };
            c(op, 0, rs1_p, 0, sext(imm, 9))
        }
        (2, 0) => {
            let shamt = ((bits(12, 12) << 5) | bits(6, 2)) as i32;
            c(Op::Slli, rd_full, rd_full, 0, shamt)
        }
        (2, 1) => {
            let imm = (bits(4, 2) << 6) | (bits(12, 12) << 5) | (bits(6, 5) << 3);
            c(Op::Fld, rd_full, 2, 0, imm as i32)
        }
        (2, 5) => {
            let imm = (bits(9, 7) << 6) | (bits(12, 10) << 3);
            c(Op::Fsd, 0, 2, rs2_full, imm as i32)
        }
        (2, 2) => {
            let imm = (bits(3, 2) << 6) | (bits(12, 12) << 5) | (bits(6, 4) << 2);
            if rd_full == 0 {
                bad
            } else {
                c(Op::Lw, rd_full, 2, 0, imm as i32)
            }
        }
        (2, 3) => {
            let imm = (bits(4, 2) << 6) | (bits(12, 12) << 5) | (bits(6, 5) << 3);
            if rd_full == 0 {
                bad
            } else {
                c(Op::Ld, rd_full, 2, 0, imm as i32)
            }
        }
        (2, 4) => match (bits(12, 12), rd_full, rs2_full) {
            (0, 0, 0) => bad,
            (0, rs1, 0) => c(Op::Jalr, 0, rs1, 0, 0),
            (0, rd, rs2) => c(Op::Add, rd, 0, rs2, 0),
            (1, 0, 0) => c(Op::Ebreak, 0, 0, 0, 0),
            (1, rs1, 0) => c(Op::Jalr, 1, rs1, 0, 0),
            (_, rd, rs2) => c(Op::Add, rd, rd, rs2, 0),
        },
        (2, 6) => {
            let imm = (bits(8, 7) << 6) | (bits(12, 9) << 2);
            c(Op::Sw, 0, 2, rs2_full, imm as i32)
        }
        (2, 7) => {
            let imm = (bits(9, 7) << 6) | (bits(12, 10) << 3);
            c(Op::Sd, 0, 2, rs2_full, imm as i32)
        }
        _ => bad,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_base_encodings() {
        // addi a0, a0, -1
        let i = decode(0xfff5_0513);
        assert_eq!((i.op, i.rd, i.rs1, i.imm), (Op::Addi, 10, 10, -1));
        // jal ra, -4 (0xffdff0ef)
        let i = decode(0xffdf_f0ef);
        assert_eq!((i.op, i.rd, i.imm), (Op::Jal, 1, -4));
        // beq a0, a1, 8 (0x00b50463)
        let i = decode(0x00b5_0463);
        assert_eq!((i.op, i.rs1, i.rs2, i.imm), (Op::Beq, 10, 11, 8));
        // sd ra, 8(sp) (0x00113423)
        let i = decode(0x0011_3423);
        assert_eq!((i.op, i.rs1, i.rs2, i.imm), (Op::Sd, 2, 1, 8));
        // csrrs a0, mstatus, x0
        let i = decode(0x3000_2573);
        assert_eq!((i.op, i.rd, i.imm), (Op::Csrrs, 10, 0x300));
        assert_eq!(decode(0x3020_0073).op, Op::Mret);
        assert_eq!(decode(0x1050_0073).op, Op::Wfi);
        assert_eq!(decode(0x0000_0000).op, Op::Illegal);
        assert_eq!(decode(0xffff_ffff).op, Op::Illegal);
    }

    #[test]
    fn expands_compressed() {
        // c.addi a0, -1 = 0x157d
        let i = decode(0x157d);
        assert_eq!((i.op, i.rd, i.rs1, i.imm), (Op::Addi, 10, 10, -1));
        // c.ldsp ra, 8(sp) = 0x60a2
        let i = decode(0x60a2);
        assert_eq!((i.op, i.rd, i.rs1, i.imm), (Op::Ld, 1, 2, 8));
        // c.sdsp ra, 8(sp) = 0xe406
        let i = decode(0xe406);
        assert_eq!((i.op, i.rs1, i.rs2, i.imm), (Op::Sd, 2, 1, 8));
        // c.jr ra = 0x8082 (ret)
        let i = decode(0x8082);
        assert_eq!((i.op, i.rd, i.rs1), (Op::Jalr, RD_SINK, 1));
        // c.addi16sp sp, -16 = 0x7139 is c.addi16sp -64; check 0x1141 = c.addi sp,-16
        let i = decode(0x1141);
        assert_eq!((i.op, i.rd, i.imm), (Op::Addi, 2, -16));
        let i = decode(0x7139);
        assert_eq!((i.op, i.rd, i.imm), (Op::Addi, 2, -64));
        assert_eq!(decode(0x0000).op, Op::Illegal);
        assert_eq!(decode(0x9002).op, Op::Ebreak);
    }

    #[test]
    fn amo_width_follows_the_encoding() {
        // amoadd.w a0, a1, (a2) and amoadd.d a0, a1, (a2); lr.w is not an AMO.
        assert!(decode(0x00b6_252f).op.is_word_amo());
        assert!(!decode(0x00b6_352f).op.is_word_amo());
        assert!(!decode(0x1006_252f).op.is_word_amo());
    }
}
