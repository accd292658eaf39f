//! The operation table: per operation, what is known of it besides its encoding (see
//! [`super::decode`]) and its semantics (the hart's executor): its timing class, how it
//! transfers control, and the register file each operand lives in.
//!
//! One row per operation, in one exhaustive `match`, so a new operation cannot go without
//! its row; the pipeline model and the branch predictor read these rows instead of keeping
//! lists of their own.

use super::decode::Op;

/// Instruction classes with distinct costs.
#[derive(
    serde::Serialize, serde::Deserialize, Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord,
)]
#[repr(u8)]
pub enum InsnClass {
    /// Integer ALU operations, LUI, AUIPC.
    Alu,
    /// Conditional branches.
    Branch,
    /// JAL and JALR.
    Jump,
    /// MUL, MULH, MULHSU, MULHU, MULW.
    Mul,
    /// DIV, DIVU, REM, REMU and their W forms.
    Div,
    /// Integer loads.
    Load,
    /// Integer stores.
    Store,
    /// AMOs.
    Amo,
    /// LR and SC.
    LrSc,
    /// CSR instructions that may write a CSR (serialising).
    Csr,
    /// CSR instructions that only read (CSRRS/CSRRC with rs1 = x0, CSRRSI/CSRRCI with
    /// zimm = 0): not serialising. Only the timing model's `Issue::of` produces it; [`class_of`]
    /// looks at the opcode alone and says [`InsnClass::Csr`].
    CsrRead,
    /// FENCE.
    Fence,
    /// FENCE.I.
    FenceI,
    /// SFENCE.VMA.
    SfenceVma,
    /// FADD, FSUB.
    FpAdd,
    /// FMUL.
    FpMul,
    /// FMADD, FMSUB, FNMSUB, FNMADD.
    FpFma,
    /// FDIV.
    FpDiv,
    /// FSQRT.
    FpSqrt,
    /// FCVT between integer and FP formats and between single and double.
    FpCvt,
    /// Sign injection, min/max, compares, classify and FMV between register files: the
    /// non-arithmetic FP operations.
    FpMove,
    /// FLW, FLD.
    FpLoad,
    /// FSW, FSD.
    FpStore,
    /// ECALL, EBREAK, MRET, SRET, WFI, and illegal encodings (which trap).
    System,
}

/// Number of instruction classes.
pub const CLASS_COUNT: usize = InsnClass::System as usize + 1;

impl InsnClass {
    /// Every class, in declaration order (`ALL[c as usize] == c`).
    pub const ALL: [InsnClass; CLASS_COUNT] = [
        InsnClass::Alu,
        InsnClass::Branch,
        InsnClass::Jump,
        InsnClass::Mul,
        InsnClass::Div,
        InsnClass::Load,
        InsnClass::Store,
        InsnClass::Amo,
        InsnClass::LrSc,
        InsnClass::Csr,
        InsnClass::CsrRead,
        InsnClass::Fence,
        InsnClass::FenceI,
        InsnClass::SfenceVma,
        InsnClass::FpAdd,
        InsnClass::FpMul,
        InsnClass::FpFma,
        InsnClass::FpDiv,
        InsnClass::FpSqrt,
        InsnClass::FpCvt,
        InsnClass::FpMove,
        InsnClass::FpLoad,
        InsnClass::FpStore,
        InsnClass::System,
    ];

    /// A short lower-case name for reports.
    pub fn name(self) -> &'static str {
        match self {
            InsnClass::Alu => "alu",
            InsnClass::Branch => "branch",
            InsnClass::Jump => "jump",
            InsnClass::Mul => "mul",
            InsnClass::Div => "div",
            InsnClass::Load => "load",
            InsnClass::Store => "store",
            InsnClass::Amo => "amo",
            InsnClass::LrSc => "lr_sc",
            InsnClass::Csr => "csr",
            InsnClass::CsrRead => "csr_read",
            InsnClass::Fence => "fence",
            InsnClass::FenceI => "fence_i",
            InsnClass::SfenceVma => "sfence_vma",
            InsnClass::FpAdd => "fp_add",
            InsnClass::FpMul => "fp_mul",
            InsnClass::FpFma => "fp_fma",
            InsnClass::FpDiv => "fp_div",
            InsnClass::FpSqrt => "fp_sqrt",
            InsnClass::FpCvt => "fp_cvt",
            InsnClass::FpMove => "fp_move",
            InsnClass::FpLoad => "fp_load",
            InsnClass::FpStore => "fp_store",
            InsnClass::System => "system",
        }
    }

    /// Whether this class accesses data memory.
    #[inline]
    pub fn is_memory(self) -> bool {
        matches!(
            self,
            InsnClass::Load
                | InsnClass::Store
                | InsnClass::Amo
                | InsnClass::LrSc
                | InsnClass::FpLoad
                | InsnClass::FpStore
        )
    }

    /// Whether this class waits for all earlier work before issuing.
    #[inline]
    pub fn is_serialising(self) -> bool {
        matches!(
            self,
            InsnClass::Csr
                | InsnClass::Fence
                | InsnClass::FenceI
                | InsnClass::SfenceVma
                | InsnClass::System
        )
    }
}

/// How an operation transfers control.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// Falls through to the next instruction (or traps).
    Next,
    /// A conditional branch to pc + imm.
    Branch,
    /// JAL: an unconditional jump to pc + imm.
    Jal,
    /// JALR: an indirect jump.
    Jalr,
}

/// Which register file an operand lives in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum File {
    /// No operand.
    None,
    /// The integer registers.
    X,
    /// The floating-point registers.
    F,
}

/// What the ISA says about one operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpInfo {
    /// Its timing class.
    pub class: InsnClass,
    /// How it transfers control.
    pub flow: Flow,
    /// The register file of its destination.
    pub rd: File,
    /// The register file of its first source.
    pub rs1: File,
    /// The register file of its second source.
    pub rs2: File,
    /// The register file of its third source (the fused multiply-adds' rs3, held in bits
    /// 12:8 of the decoded immediate).
    pub rs3: File,
}

const fn row(class: InsnClass, flow: Flow, [rd, rs1, rs2, rs3]: [File; 4]) -> OpInfo {
    OpInfo {
        class,
        flow,
        rd,
        rs1,
        rs2,
        rs3,
    }
}

/// The row of `op`: class, control flow, and the files of rd, rs1, rs2, rs3.
pub const fn info(op: Op) -> OpInfo {
    use File::{None as N, F, X};
    use InsnClass as C;
    match op {
        Op::Illegal => row(C::System, Flow::Next, [N, N, N, N]),
        Op::Lui => row(C::Alu, Flow::Next, [X, N, N, N]),
        Op::Auipc => row(C::Alu, Flow::Next, [X, N, N, N]),
        Op::Jal => row(C::Jump, Flow::Jal, [X, N, N, N]),
        Op::Jalr => row(C::Jump, Flow::Jalr, [X, X, N, N]),
        Op::Beq => row(C::Branch, Flow::Branch, [N, X, X, N]),
        Op::Bne => row(C::Branch, Flow::Branch, [N, X, X, N]),
        Op::Blt => row(C::Branch, Flow::Branch, [N, X, X, N]),
        Op::Bge => row(C::Branch, Flow::Branch, [N, X, X, N]),
        Op::Bltu => row(C::Branch, Flow::Branch, [N, X, X, N]),
        Op::Bgeu => row(C::Branch, Flow::Branch, [N, X, X, N]),
        Op::Lb => row(C::Load, Flow::Next, [X, X, N, N]),
        Op::Lh => row(C::Load, Flow::Next, [X, X, N, N]),
        Op::Lw => row(C::Load, Flow::Next, [X, X, N, N]),
        Op::Ld => row(C::Load, Flow::Next, [X, X, N, N]),
        Op::Lbu => row(C::Load, Flow::Next, [X, X, N, N]),
        Op::Lhu => row(C::Load, Flow::Next, [X, X, N, N]),
        Op::Lwu => row(C::Load, Flow::Next, [X, X, N, N]),
        Op::Sb => row(C::Store, Flow::Next, [N, X, X, N]),
        Op::Sh => row(C::Store, Flow::Next, [N, X, X, N]),
        Op::Sw => row(C::Store, Flow::Next, [N, X, X, N]),
        Op::Sd => row(C::Store, Flow::Next, [N, X, X, N]),
        Op::Addi => row(C::Alu, Flow::Next, [X, X, N, N]),
        Op::Slti => row(C::Alu, Flow::Next, [X, X, N, N]),
        Op::Sltiu => row(C::Alu, Flow::Next, [X, X, N, N]),
        Op::Xori => row(C::Alu, Flow::Next, [X, X, N, N]),
        Op::Ori => row(C::Alu, Flow::Next, [X, X, N, N]),
        Op::Andi => row(C::Alu, Flow::Next, [X, X, N, N]),
        Op::Slli => row(C::Alu, Flow::Next, [X, X, N, N]),
        Op::Srli => row(C::Alu, Flow::Next, [X, X, N, N]),
        Op::Srai => row(C::Alu, Flow::Next, [X, X, N, N]),
        Op::Add => row(C::Alu, Flow::Next, [X, X, X, N]),
        Op::Sub => row(C::Alu, Flow::Next, [X, X, X, N]),
        Op::Sll => row(C::Alu, Flow::Next, [X, X, X, N]),
        Op::Slt => row(C::Alu, Flow::Next, [X, X, X, N]),
        Op::Sltu => row(C::Alu, Flow::Next, [X, X, X, N]),
        Op::Xor => row(C::Alu, Flow::Next, [X, X, X, N]),
        Op::Srl => row(C::Alu, Flow::Next, [X, X, X, N]),
        Op::Sra => row(C::Alu, Flow::Next, [X, X, X, N]),
        Op::Or => row(C::Alu, Flow::Next, [X, X, X, N]),
        Op::And => row(C::Alu, Flow::Next, [X, X, X, N]),
        Op::Addiw => row(C::Alu, Flow::Next, [X, X, N, N]),
        Op::Slliw => row(C::Alu, Flow::Next, [X, X, N, N]),
        Op::Srliw => row(C::Alu, Flow::Next, [X, X, N, N]),
        Op::Sraiw => row(C::Alu, Flow::Next, [X, X, N, N]),
        Op::Addw => row(C::Alu, Flow::Next, [X, X, X, N]),
        Op::Subw => row(C::Alu, Flow::Next, [X, X, X, N]),
        Op::Sllw => row(C::Alu, Flow::Next, [X, X, X, N]),
        Op::Srlw => row(C::Alu, Flow::Next, [X, X, X, N]),
        Op::Sraw => row(C::Alu, Flow::Next, [X, X, X, N]),
        Op::Fence => row(C::Fence, Flow::Next, [N, N, N, N]),
        Op::FenceI => row(C::FenceI, Flow::Next, [N, N, N, N]),
        Op::Ecall => row(C::System, Flow::Next, [N, N, N, N]),
        Op::Ebreak => row(C::System, Flow::Next, [N, N, N, N]),
        Op::Mret => row(C::System, Flow::Next, [N, N, N, N]),
        Op::Sret => row(C::System, Flow::Next, [N, N, N, N]),
        Op::Uret => row(C::System, Flow::Next, [N, N, N, N]),
        Op::Wfi => row(C::System, Flow::Next, [N, N, N, N]),
        Op::SfenceVma => row(C::SfenceVma, Flow::Next, [N, X, X, N]),
        Op::Csrrw => row(C::Csr, Flow::Next, [X, X, N, N]),
        Op::Csrrs => row(C::Csr, Flow::Next, [X, X, N, N]),
        Op::Csrrc => row(C::Csr, Flow::Next, [X, X, N, N]),
        Op::Csrrwi => row(C::Csr, Flow::Next, [X, N, N, N]),
        Op::Csrrsi => row(C::Csr, Flow::Next, [X, N, N, N]),
        Op::Csrrci => row(C::Csr, Flow::Next, [X, N, N, N]),
        Op::Mul => row(C::Mul, Flow::Next, [X, X, X, N]),
        Op::Mulh => row(C::Mul, Flow::Next, [X, X, X, N]),
        Op::Mulhsu => row(C::Mul, Flow::Next, [X, X, X, N]),
        Op::Mulhu => row(C::Mul, Flow::Next, [X, X, X, N]),
        Op::Div => row(C::Div, Flow::Next, [X, X, X, N]),
        Op::Divu => row(C::Div, Flow::Next, [X, X, X, N]),
        Op::Rem => row(C::Div, Flow::Next, [X, X, X, N]),
        Op::Remu => row(C::Div, Flow::Next, [X, X, X, N]),
        Op::Mulw => row(C::Mul, Flow::Next, [X, X, X, N]),
        Op::Divw => row(C::Div, Flow::Next, [X, X, X, N]),
        Op::Divuw => row(C::Div, Flow::Next, [X, X, X, N]),
        Op::Remw => row(C::Div, Flow::Next, [X, X, X, N]),
        Op::Remuw => row(C::Div, Flow::Next, [X, X, X, N]),
        Op::LrW => row(C::LrSc, Flow::Next, [X, X, N, N]),
        Op::ScW => row(C::LrSc, Flow::Next, [X, X, X, N]),
        Op::AmoSwapW => row(C::Amo, Flow::Next, [X, X, X, N]),
        Op::AmoAddW => row(C::Amo, Flow::Next, [X, X, X, N]),
        Op::AmoXorW => row(C::Amo, Flow::Next, [X, X, X, N]),
        Op::AmoAndW => row(C::Amo, Flow::Next, [X, X, X, N]),
        Op::AmoOrW => row(C::Amo, Flow::Next, [X, X, X, N]),
        Op::AmoMinW => row(C::Amo, Flow::Next, [X, X, X, N]),
        Op::AmoMaxW => row(C::Amo, Flow::Next, [X, X, X, N]),
        Op::AmoMinuW => row(C::Amo, Flow::Next, [X, X, X, N]),
        Op::AmoMaxuW => row(C::Amo, Flow::Next, [X, X, X, N]),
        Op::LrD => row(C::LrSc, Flow::Next, [X, X, N, N]),
        Op::ScD => row(C::LrSc, Flow::Next, [X, X, X, N]),
        Op::AmoSwapD => row(C::Amo, Flow::Next, [X, X, X, N]),
        Op::AmoAddD => row(C::Amo, Flow::Next, [X, X, X, N]),
        Op::AmoXorD => row(C::Amo, Flow::Next, [X, X, X, N]),
        Op::AmoAndD => row(C::Amo, Flow::Next, [X, X, X, N]),
        Op::AmoOrD => row(C::Amo, Flow::Next, [X, X, X, N]),
        Op::AmoMinD => row(C::Amo, Flow::Next, [X, X, X, N]),
        Op::AmoMaxD => row(C::Amo, Flow::Next, [X, X, X, N]),
        Op::AmoMinuD => row(C::Amo, Flow::Next, [X, X, X, N]),
        Op::AmoMaxuD => row(C::Amo, Flow::Next, [X, X, X, N]),
        Op::UipiSend => row(C::Amo, Flow::Next, [N, X, N, N]),
        Op::UipiRead => row(C::Amo, Flow::Next, [X, N, N, N]),
        Op::UipiWrite => row(C::Amo, Flow::Next, [N, X, N, N]),
        Op::UipiActivate => row(C::Amo, Flow::Next, [N, N, N, N]),
        Op::UipiDeactivate => row(C::Amo, Flow::Next, [N, N, N, N]),
        Op::Flw => row(C::FpLoad, Flow::Next, [F, X, N, N]),
        Op::Fsw => row(C::FpStore, Flow::Next, [N, X, F, N]),
        Op::Fld => row(C::FpLoad, Flow::Next, [F, X, N, N]),
        Op::Fsd => row(C::FpStore, Flow::Next, [N, X, F, N]),
        Op::FmaddS => row(C::FpFma, Flow::Next, [F, F, F, F]),
        Op::FmsubS => row(C::FpFma, Flow::Next, [F, F, F, F]),
        Op::FnmsubS => row(C::FpFma, Flow::Next, [F, F, F, F]),
        Op::FnmaddS => row(C::FpFma, Flow::Next, [F, F, F, F]),
        Op::FaddS => row(C::FpAdd, Flow::Next, [F, F, F, N]),
        Op::FsubS => row(C::FpAdd, Flow::Next, [F, F, F, N]),
        Op::FmulS => row(C::FpMul, Flow::Next, [F, F, F, N]),
        Op::FdivS => row(C::FpDiv, Flow::Next, [F, F, F, N]),
        Op::FsqrtS => row(C::FpSqrt, Flow::Next, [F, F, N, N]),
        Op::FsgnjS => row(C::FpMove, Flow::Next, [F, F, F, N]),
        Op::FsgnjnS => row(C::FpMove, Flow::Next, [F, F, F, N]),
        Op::FsgnjxS => row(C::FpMove, Flow::Next, [F, F, F, N]),
        Op::FminS => row(C::FpMove, Flow::Next, [F, F, F, N]),
        Op::FmaxS => row(C::FpMove, Flow::Next, [F, F, F, N]),
        Op::FcvtWS => row(C::FpCvt, Flow::Next, [X, F, N, N]),
        Op::FcvtWuS => row(C::FpCvt, Flow::Next, [X, F, N, N]),
        Op::FcvtLS => row(C::FpCvt, Flow::Next, [X, F, N, N]),
        Op::FcvtLuS => row(C::FpCvt, Flow::Next, [X, F, N, N]),
        Op::FmvXW => row(C::FpMove, Flow::Next, [X, F, N, N]),
        Op::FeqS => row(C::FpMove, Flow::Next, [X, F, F, N]),
        Op::FltS => row(C::FpMove, Flow::Next, [X, F, F, N]),
        Op::FleS => row(C::FpMove, Flow::Next, [X, F, F, N]),
        Op::FclassS => row(C::FpMove, Flow::Next, [X, F, N, N]),
        Op::FcvtSW => row(C::FpCvt, Flow::Next, [F, X, N, N]),
        Op::FcvtSWu => row(C::FpCvt, Flow::Next, [F, X, N, N]),
        Op::FcvtSL => row(C::FpCvt, Flow::Next, [F, X, N, N]),
        Op::FcvtSLu => row(C::FpCvt, Flow::Next, [F, X, N, N]),
        Op::FmvWX => row(C::FpMove, Flow::Next, [F, X, N, N]),
        Op::FmaddD => row(C::FpFma, Flow::Next, [F, F, F, F]),
        Op::FmsubD => row(C::FpFma, Flow::Next, [F, F, F, F]),
        Op::FnmsubD => row(C::FpFma, Flow::Next, [F, F, F, F]),
        Op::FnmaddD => row(C::FpFma, Flow::Next, [F, F, F, F]),
        Op::FaddD => row(C::FpAdd, Flow::Next, [F, F, F, N]),
        Op::FsubD => row(C::FpAdd, Flow::Next, [F, F, F, N]),
        Op::FmulD => row(C::FpMul, Flow::Next, [F, F, F, N]),
        Op::FdivD => row(C::FpDiv, Flow::Next, [F, F, F, N]),
        Op::FsqrtD => row(C::FpSqrt, Flow::Next, [F, F, N, N]),
        Op::FsgnjD => row(C::FpMove, Flow::Next, [F, F, F, N]),
        Op::FsgnjnD => row(C::FpMove, Flow::Next, [F, F, F, N]),
        Op::FsgnjxD => row(C::FpMove, Flow::Next, [F, F, F, N]),
        Op::FminD => row(C::FpMove, Flow::Next, [F, F, F, N]),
        Op::FmaxD => row(C::FpMove, Flow::Next, [F, F, F, N]),
        Op::FcvtSD => row(C::FpCvt, Flow::Next, [F, F, N, N]),
        Op::FcvtDS => row(C::FpCvt, Flow::Next, [F, F, N, N]),
        Op::FcvtWD => row(C::FpCvt, Flow::Next, [X, F, N, N]),
        Op::FcvtWuD => row(C::FpCvt, Flow::Next, [X, F, N, N]),
        Op::FcvtLD => row(C::FpCvt, Flow::Next, [X, F, N, N]),
        Op::FcvtLuD => row(C::FpCvt, Flow::Next, [X, F, N, N]),
        Op::FmvXD => row(C::FpMove, Flow::Next, [X, F, N, N]),
        Op::FeqD => row(C::FpMove, Flow::Next, [X, F, F, N]),
        Op::FltD => row(C::FpMove, Flow::Next, [X, F, F, N]),
        Op::FleD => row(C::FpMove, Flow::Next, [X, F, F, N]),
        Op::FclassD => row(C::FpMove, Flow::Next, [X, F, N, N]),
        Op::FcvtDW => row(C::FpCvt, Flow::Next, [F, X, N, N]),
        Op::FcvtDWu => row(C::FpCvt, Flow::Next, [F, X, N, N]),
        Op::FcvtDL => row(C::FpCvt, Flow::Next, [F, X, N, N]),
        Op::FcvtDLu => row(C::FpCvt, Flow::Next, [F, X, N, N]),
        Op::FmvDX => row(C::FpMove, Flow::Next, [F, X, N, N]),
    }
}

/// The class of an operation, by opcode alone (the timing model refines CSR instructions
/// that write no CSR to [`InsnClass::CsrRead`]).
pub const fn class_of(op: Op) -> InsnClass {
    info(op).class
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::isa::decode::decode;

    /// Every operation the decoder can produce, from a sweep of encodings.
    fn decoded_ops() -> Vec<Op> {
        let mut ops: Vec<Op> = (0..=u16::MAX as u32)
            .map(|raw| decode(raw).op)
            .chain((0..1u32 << 20).map(|i| decode((i.wrapping_mul(0x9e37_79b9) << 2) | 3).op))
            .collect();
        ops.sort_by_key(|&op| op as u8);
        ops.dedup();
        ops
    }

    #[test]
    fn control_flow_agrees_with_the_class() {
        for op in decoded_ops() {
            let row = info(op);
            let jump = matches!(row.flow, Flow::Jal | Flow::Jalr);
            assert_eq!(
                row.flow == Flow::Branch,
                row.class == InsnClass::Branch,
                "{op:?}"
            );
            assert_eq!(jump, row.class == InsnClass::Jump, "{op:?}");
        }
    }

    #[test]
    fn memory_operations_take_their_address_from_an_integer_register() {
        for op in decoded_ops() {
            let row = info(op);
            // The UIPI operations are priced as AMOs but address the UINTC through suicfg.
            let uipi = format!("{op:?}").starts_with("Uipi");
            if row.class.is_memory() && !uipi {
                assert_eq!(row.rs1, File::X, "{op:?}");
            }
            if op.is_fp() {
                assert!(
                    [row.rd, row.rs1, row.rs2, row.rs3].contains(&File::F),
                    "{op:?} names no FP register"
                );
            }
        }
    }
}
