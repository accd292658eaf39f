/* hartlab ISA conformance tests: shared assembler support (macros plus a small runtime that
 * TEST_END emits: trap handlers, pass / fail reporting, UART printing, Sv39 page-table builder).
 *
 * A test program is one `.S` file, run from reset in M mode (other harts park in WFI):
 *
 *     #include "test.h"
 *     TEST_BEGIN
 *         TEST 1                       // check 1 starts
 *         li a0, 1
 *         ASSERT_EQ a0, 1
 *         TRAP_ILLEGAL csrw mhartid, a0  // must raise illegal instruction, mtval = encoding
 *         ...
 *         TEST_PASS
 *     TEST_END
 *
 * TEST_BEGIN sets up: PMP entry 0 = NAPOT all of memory RWX (so S and U can run), satp = 0,
 * mstatus / mie / mip / medeleg / mideleg = 0, mtvec = _mtrap, stvec = _strap, sp = a 4 KiB
 * stack, all other registers 0, and `.option norvc` (rv64c.S turns compression on itself).
 * mstatus = 0 leaves FS = Off: F / D programs start with FP_ENABLE (see "F and D" below for their
 * constants, NaN-boxing helpers and the TF_* check templates).
 *
 * Register conventions (tests must not use these for anything else):
 *   s11 (x27)  TESTNUM: number of the check under way, 1..249.
 *   t5, t6     scratch of the macros (clobbered by every ASSERT / EXPECT / mode switch; t4 too
 *              by TRAP_ILLEGAL).
 *
 * Reporting: the SiFive test finisher at 0x0010_0000: pass = 32-bit store of 0x5555, failure
 * of check N = store of (N << 16) | 0x3333, so QEMU exits with status N. N stays within 1..249
 * (it must survive the 8-bit exit status and stay clear of hartlab's own statuses 251..254);
 * a failure before the first TEST reports 250. With HL_REPORT_HTIF defined before the #include,
 * the riscv-tests HTIF convention is used instead: `tohost` (defined here, section .tohost) =
 * 1 on pass, (N << 1) | 1 on failure. Before failing, `FAIL <program>: test N` and the trap
 * CSRs are printed on the ns16550 UART at 0x1000_0000. Pass and fail first get back to M (by an
 * ECALL), so they work from any mode.
 *
 * Traps: a trap is fine only if it was announced with EXPECT_TRAP (cause, exact mepc/sepc,
 * optionally exact mtval/stval, which handler must take it, where and in which mode to resume);
 * the handler checks it, records cause / epc / tval / status in `_hl_rec` (REC_LOAD reads
 * them) and resumes. Any other trap prints what was expected and fails the current check.
 * Interrupt traps also clear their enable bit in mie / sie so that returning does not take
 * them again. ECALL_TO_M returns to M from S or U without an announcement.
 *
 * Several harts: with HL_MULTIHART defined before the #include, the harts other than 0 do not
 * park: they jump, in M, to `_hl_secondary` (which the program defines) with every register as
 * the machine started them (a0 = the hart id, as on QEMU virt) except t0 = mhartid; they get
 * none of hart 0's set-up (PMP, mtvec, stack). Hart 0's a0 at entry is kept in `_hl_boot_a0`.
 * The runtime (handlers, _hl_exp / _hl_rec, the stack, pass / fail printing) is hart 0's: other
 * harts must not use it; to report a failure they write the finisher themselves.
 */
#ifndef HARTLAB_TEST_H
#define HARTLAB_TEST_H

#define TESTNUM s11

/* Name printed in failure messages */
#ifndef TEST_NAME
#define TEST_NAME __BASE_FILE__
#endif

/* ---- platform (QEMU virt layout, which hartlab follows) and hartlab's devices: generated
 * from the abi crate ---- */
#include "hw.h"

/* ---- CSR numbers binutils 2.40 may not know by name ---- */
#define CSR_MENVCFG     0x30a
#define CSR_SENVCFG     0x10a
#define CSR_STIMECMP    0x14d
#define MENVCFG_STCE    0x8000000000000000

/* ---- mstatus ---- */
#define MSTATUS_SIE     0x2
#define MSTATUS_MIE     0x8
#define MSTATUS_SPIE    0x20
#define MSTATUS_UBE     0x40
#define MSTATUS_MPIE    0x80
#define MSTATUS_SPP     0x100
#define MSTATUS_MPP     0x1800
#define MSTATUS_MPP_S   0x0800
#define MSTATUS_MPP_M   0x1800
#define MSTATUS_MPRV    0x20000
#define MSTATUS_SUM     0x40000
#define MSTATUS_MXR     0x80000
#define MSTATUS_TVM     0x100000
#define MSTATUS_TW      0x200000
#define MSTATUS_TSR     0x400000

#define PRV_U 0
#define PRV_S 1
#define PRV_M 3

/* ---- mip / mie bits ---- */
#define MIP_SSIP        0x2
#define MIP_MSIP        0x8
#define MIP_STIP        0x20
#define MIP_MTIP        0x80
#define MIP_SEIP        0x200
#define MIP_MEIP        0x800

/* ---- exception causes ---- */
#define CAUSE_MISALIGNED_FETCH   0
#define CAUSE_FETCH_ACCESS       1
#define CAUSE_ILLEGAL            2
#define CAUSE_BREAKPOINT         3
#define CAUSE_MISALIGNED_LOAD    4
#define CAUSE_LOAD_ACCESS        5
#define CAUSE_MISALIGNED_STORE   6
#define CAUSE_STORE_ACCESS       7
#define CAUSE_ECALL_U            8
#define CAUSE_ECALL_S            9
#define CAUSE_ECALL_M            11
#define CAUSE_FETCH_PAGE_FAULT   12
#define CAUSE_LOAD_PAGE_FAULT    13
#define CAUSE_STORE_PAGE_FAULT   15
#define IRQ_BIT                  0x8000000000000000
#define IRQ_S_SOFT               1
#define IRQ_M_SOFT               3
#define IRQ_S_TIMER              5
#define IRQ_M_TIMER              7
#define IRQ_S_EXT                9
#define IRQ_M_EXT                11

/* ---- Sv39 ---- */
#define SATP_SV39       0x8000000000000000
#define PTE_V   0x001
#define PTE_R   0x002
#define PTE_W   0x004
#define PTE_X   0x008
#define PTE_U   0x010
#define PTE_G   0x020
#define PTE_A   0x040
#define PTE_D   0x080
/* PTE for physical address pa (a constant expression) with flags */
#define PTE(pa, flags)  ((((pa) >> 12) << 10) | (flags))

/* ---- PMP ---- */
#define PMP_R     0x01
#define PMP_W     0x02
#define PMP_X     0x04
#define PMP_OFF   0x00
#define PMP_TOR   0x08
#define PMP_NA4   0x10
#define PMP_NAPOT 0x18
#define PMP_L     0x80

/* Value `_mtrap` recognises in t6 for ECALL_TO_M */
#define HL_TO_M_MAGIC 0x4d2d5245545552ab

/* Offsets into _hl_exp (the announced trap) */
#define EXP_ARMED   0
#define EXP_MODE    8
#define EXP_CAUSE   16
#define EXP_EPC     24
#define EXP_CHKTVAL 32
#define EXP_TVAL    40
#define EXP_RESUME  48
#define EXP_RMODE   56
/* Offsets into _hl_rec (the last trap taken by _mtrap / _strap) */
#define REC_CAUSE   0
#define REC_EPC     8
#define REC_TVAL    16
#define REC_STATUS  24
#define REC_MODE    32
#define REC_COUNT   40

/* =====================================================================================
 * Checks
 * ===================================================================================== */

/* Start check number n (1..249: 250 means "before the first check", and hartlab's own run
 * statuses 251..254 must not be mistaken for a check). */
.macro TEST n
  .if ((\n) < 1) || ((\n) > 249)
    .error "TEST number must be within 1..249"
  .endif
  li TESTNUM, \n
.endm

.macro TEST_PASS
  j _hl_pass
.endm

.macro TEST_FAIL
  j _fail
.endm

/* reg == constant */
.macro ASSERT_EQ reg, val
  li t6, \val
  beq \reg, t6, .Lhl_ok\@
  j _fail
.Lhl_ok\@:
.endm

/* reg != constant */
.macro ASSERT_NE reg, val
  li t6, \val
  bne \reg, t6, .Lhl_ok\@
  j _fail
.Lhl_ok\@:
.endm

/* reg1 == reg2 */
.macro ASSERT_EQR r1, r2
  beq \r1, \r2, .Lhl_ok\@
  j _fail
.Lhl_ok\@:
.endm

/* reg1 != reg2 */
.macro ASSERT_NER r1, r2
  bne \r1, \r2, .Lhl_ok\@
  j _fail
.Lhl_ok\@:
.endm

/* reg == address of label */
.macro ASSERT_ADDR reg, label
  la t6, \label
  beq \reg, t6, .Lhl_ok\@
  j _fail
.Lhl_ok\@:
.endm

/* unsigned r1 < r2 */
.macro ASSERT_LTU r1, r2
  bltu \r1, \r2, .Lhl_ok\@
  j _fail
.Lhl_ok\@:
.endm

/* unsigned r1 <= r2 */
.macro ASSERT_LEU r1, r2
  bgeu \r2, \r1, .Lhl_ok\@
  j _fail
.Lhl_ok\@:
.endm

/* (reg & mask) == val */
.macro ASSERT_MASKED reg, mask, val
  li t6, \mask
  and t6, t6, \reg
  li t5, \val
  beq t5, t6, .Lhl_ok\@
  j _fail
.Lhl_ok\@:
.endm

/* CSR (by name or number) == constant */
.macro ASSERT_CSR csr, val
  csrr t5, \csr
  ASSERT_EQ t5, \val
.endm

/* 64-bit word at label == constant (M, or any mode that can reach it) */
.macro ASSERT_MEM label, val
  la t5, \label
  ld t5, 0(t5)
  ASSERT_EQ t5, \val
.endm

/* ---- arithmetic check templates (operands/results are constants; use a1-a3) ---- */

/* rd = op(rs1, rs2) with rd distinct, rd == rs1 and rd == rs2 */
.macro T_RR n, op, res, a, b
  TEST \n
  li a1, \a
  li a2, \b
  \op a3, a1, a2
  ASSERT_EQ a3, \res
  \op a1, a1, a2
  ASSERT_EQ a1, \res
  li a1, \a
  \op a2, a1, a2
  ASSERT_EQ a2, \res
.endm

/* rd = op(rs1, rs1), also with rd == rs1 */
.macro T_RR_SAME n, op, res, a
  TEST \n
  li a1, \a
  \op a3, a1, a1
  ASSERT_EQ a3, \res
  \op a1, a1, a1
  ASSERT_EQ a1, \res
.endm

/* rd = op(rs1, imm), also with rd == rs1 */
.macro T_RI n, op, res, a, imm
  TEST \n
  li a1, \a
  \op a3, a1, \imm
  ASSERT_EQ a3, \res
  \op a1, a1, \imm
  ASSERT_EQ a1, \res
.endm

/* Debugging aid (M mode, needs a valid sp): print reg in hex and a newline on the UART.
 * Preserves all registers but t5 / t6. */
.macro DEBUG_HEX reg
  mv t6, \reg
  addi sp, sp, -64
  sd ra, 0(sp)
  sd a0, 8(sp)
  sd a1, 16(sp)
  sd a2, 24(sp)
  sd t0, 32(sp)
  sd t1, 40(sp)
  sd t2, 48(sp)
  mv a0, t6
  call _hl_puthex
  li a0, '\n'
  call _hl_putc
  ld ra, 0(sp)
  ld a0, 8(sp)
  ld a1, 16(sp)
  ld a2, 24(sp)
  ld t0, 32(sp)
  ld t1, 40(sp)
  ld t2, 48(sp)
  addi sp, sp, 64
.endm

/* =====================================================================================
 * Traps
 * ===================================================================================== */

/* Announce the next trap: cause (constant), epc (label, or ANY), resume (label), tval
 * (a register holding the exact expected value; omit to leave it unchecked), mode (handler that
 * must take it: 3 = M / _mtrap, 1 = S / _strap), rmode (privilege to resume in: -1 = the one
 * trapped from, else 0/1/3; 3 is only possible from _mtrap). Clobbers t5, t6.
 * The announcement lives in memory (_hl_exp): arm it in a mode that can write there.
 * EXPECT_TRAP_R takes the expected epc in a register instead (for addresses `la` cannot reach). */
.macro EXPECT_TRAP cause, epc, resume, tval=NOCHECK, mode=3, rmode=-1
  .ifc \epc,ANY
    li t5, -1
  .else
    la t5, \epc
  .endif
  _HL_EXPECT \cause, \resume, \tval, \mode, \rmode
.endm
.macro EXPECT_TRAP_R cause, epcreg, resume, tval=NOCHECK, mode=3, rmode=-1
  mv t5, \epcreg
  _HL_EXPECT \cause, \resume, \tval, \mode, \rmode
.endm
/* (t5 = expected epc) */
.macro _HL_EXPECT cause, resume, tval, mode, rmode
  .ifc \tval,t5
    .error "EXPECT_TRAP: tval must not be t5/t6"
  .endif
  .ifc \tval,t6
    .error "EXPECT_TRAP: tval must not be t5/t6"
  .endif
  la t6, _hl_exp
  sd t5, EXP_EPC(t6)
  .ifc \tval,NOCHECK
    sd zero, EXP_CHKTVAL(t6)
  .else
    sd \tval, EXP_TVAL(t6)
    li t5, 1
    sd t5, EXP_CHKTVAL(t6)
  .endif
  li t5, \mode
  sd t5, EXP_MODE(t6)
  li t5, \cause
  sd t5, EXP_CAUSE(t6)
  la t5, \resume
  sd t5, EXP_RESUME(t6)
  li t5, \rmode
  sd t5, EXP_RMODE(t6)
  li t5, 1
  sd t5, EXP_ARMED(t6)
.endm

/* Announce a trap of `cause` taken by the one instruction given as the remaining arguments, run
 * it, check the trap was taken and continue (in the same privilege mode):
 *     TRAP_INSN CAUSE_ILLEGAL, a5, csrw cycle, zero
 * The second argument is the register holding the exact expected mtval, or NOCHECK. If the
 * instruction completes without trapping, the test fails. */
.macro TRAP_INSN cause, tval, insn:vararg
  EXPECT_TRAP \cause, .Lhl_at\@, .Lhl_after\@, \tval
.Lhl_at\@:
  \insn
  j _fail
.Lhl_after\@:
  ASSERT_TRAPPED
.endm

/* Same, trap taken by _strap (delegated) */
.macro TRAP_INSN_S cause, tval, insn:vararg
  EXPECT_TRAP \cause, .Lhl_at\@, .Lhl_after\@, \tval, 1
.Lhl_at\@:
  \insn
  j _fail
.Lhl_after\@:
  ASSERT_TRAPPED
.endm

/* Load the encoding of the instruction at `label` into reg (16 or 32 bits, as the instruction
 * bits an illegal-instruction trap writes to mtval/stval). Reads the code as two halfwords, so
 * it works at any 2-byte alignment. Clobbers t5, t6. */
.macro INSN_BITS reg, label
  la \reg, \label
  lhu t6, 2(\reg)
  lhu \reg, 0(\reg)
  andi t5, \reg, 3
  addi t5, t5, -3
  bnez t5, .Lhl_c\@
  slli t6, t6, 16
  or \reg, \reg, t6
.Lhl_c\@:
.endm

/* The instruction given as arguments must raise an illegal-instruction exception with
 * mtval = its encoding, taken by _mtrap (TRAP_ILLEGAL) or by _strap (TRAP_ILLEGAL_S).
 * Execution continues after it, in the same mode. Clobbers t4, t5, t6. */
.macro TRAP_ILLEGAL insn:vararg
  INSN_BITS t4, .Lhl_il\@
  EXPECT_TRAP CAUSE_ILLEGAL, .Lhl_il\@, .Lhl_ila\@, t4, 3
.Lhl_il\@:
  \insn
  j _fail
.Lhl_ila\@:
  ASSERT_TRAPPED
.endm
.macro TRAP_ILLEGAL_S insn:vararg
  INSN_BITS t4, .Lhl_il\@
  EXPECT_TRAP CAUSE_ILLEGAL, .Lhl_il\@, .Lhl_ila\@, t4, 1
.Lhl_il\@:
  \insn
  j _fail
.Lhl_ila\@:
  ASSERT_TRAPPED
.endm

/* The announced trap has been taken (armed flag cleared by the handler). */
.macro ASSERT_TRAPPED
  la t6, _hl_exp
  ld t6, EXP_ARMED(t6)
  beqz t6, .Lhl_ok\@
  j _fail
.Lhl_ok\@:
.endm

/* Cancel an announcement (e.g. after checking that something does NOT trap). */
.macro DISARM
  la t6, _hl_exp
  sd zero, EXP_ARMED(t6)
.endm

/* Expected mtval/stval of a breakpoint (EBREAK / C.EBREAK) at `label`. The privileged spec allows
 * 0 or the breakpoint's address; QEMU 7.2 (the reference) writes 0. Define HL_EBREAK_TVAL_PC to
 * expect the address instead. */
.macro EBREAK_TVAL reg, label
#ifdef HL_EBREAK_TVAL_PC
  la \reg, \label
#else
  li \reg, 0
#endif
.endm

/* Load a field of the last trap record into reg */
.macro REC_LOAD reg, off
  la \reg, _hl_rec
  ld \reg, \off(\reg)
.endm

/* =====================================================================================
 * Privilege
 * ===================================================================================== */

/* From M: continue at `label` in privilege `mode` (0 U, 1 S, 3 M) via MRET. MPIE is kept. */
.macro ENTER_MODE mode, label
  li t6, MSTATUS_MPP
  csrc mstatus, t6
  .if (\mode) != 0
    li t6, ((\mode) << 11)
    csrs mstatus, t6
  .endif
  la t6, \label
  csrw mepc, t6
  mret
.endm

/* From S: continue at `label` in U via SRET. */
.macro S_ENTER_U label
  li t6, MSTATUS_SPP
  csrc sstatus, t6
  la t6, \label
  csrw sepc, t6
  sret
.endm

/* From any mode: ECALL into _mtrap, which resumes at `label` in M (registers other than t5 / t6
 * preserved). From U with ECALLs from U delegated, _strap passes it on; ECALLs from S
 * (medeleg bit 9) must not be delegated. */
.macro ECALL_TO_M label
  li t6, HL_TO_M_MAGIC
  la t5, \label
  ecall
  j _fail
.endm

/* Write mtvec = label (direct) / restore the standard handler. */
.macro SET_MTVEC label, vectored=0
  la t6, \label
  .if \vectored
    ori t6, t6, 1
  .endif
  csrw mtvec, t6
.endm
.macro RESTORE_MTVEC
  la t6, _mtrap
  csrw mtvec, t6
.endm
.macro RESTORE_STVEC
  la t6, _strap
  csrw stvec, t6
.endm

/* =====================================================================================
 * Sv39 (M mode only: tables are written through physical addresses)
 * ===================================================================================== */

/* Empty the page tables. */
.macro VM_RESET
  call _hl_vm_reset
.endm

/* Map va -> pa (labels: `la` is used; for constants use VM_MAP_R) at `level` (0 4 KiB,
 * 1 2 MiB, 2 1 GiB). Clobbers t0-t6, a0-a7. */
.macro VM_MAP va, pa, flags, level=0
  la a0, \va
  la a1, \pa
  li a2, \flags
  li a3, \level
  call _hl_vm_map
.endm

/* Same with va / pa already in registers (not a0-a3 / t*) */
.macro VM_MAP_R va, pa, flags, level=0
  mv a0, \va
  mv a1, \pa
  li a2, \flags
  li a3, \level
  call _hl_vm_map
.endm

/* Identity-map [start, end) (labels) with 4 KiB pages. Clobbers t0-t6, a0-a7. */
.macro VM_IDENTITY start, end, flags
  la a0, \start
  la a1, \start
  li a2, \flags
  la a3, \end
  sub a3, a3, a0
  call _hl_vm_map_range
.endm

/* reg = address of the PTE of va (register, not a0-a1 / t*) at level. Clobbers t0-t6, a0-a1. */
.macro VM_PTE_ADDR reg, va, level=0
  mv a0, \va
  li a1, \level
  call _hl_vm_pte_addr
  mv \reg, a0
.endm

/* satp = Sv39 with the root table, then SFENCE.VMA */
.macro VM_ENABLE
  la t6, _hl_vm_root
  srli t6, t6, 12
  li t5, SATP_SV39
  or t6, t6, t5
  csrw satp, t6
  sfence.vma
.endm

/* PTE value for the physical address in reg pa (register) with flags -> reg dst */
.macro MAKE_PTE dst, pa, flags
  srli \dst, \pa, 12
  slli \dst, \dst, 10
  ori \dst, \dst, \flags
.endm

/* =====================================================================================
 * F and D (programs built with -march=rv64gc -mabi=lp64d: BUILD_FLAGS in tests/isa.rs)
 * ===================================================================================== */

/* TEST_BEGIN leaves mstatus.FS = Off (every FP instruction and FP CSR access is then illegal):
 * an FP program starts with FP_ENABLE. */
#define MSTATUS_VS          0x600
#define MSTATUS_FS          0x6000
#define MSTATUS_FS_INITIAL  0x2000
#define MSTATUS_FS_CLEAN    0x4000
#define MSTATUS_FS_DIRTY    0x6000
#define MSTATUS_XS          0x18000
#define MSTATUS_SD          0x8000000000000000
#define MISA_D              (1 << 3)
#define MISA_F              (1 << 5)

/* fcsr = frm << 5 | fflags */
#define FFLAG_NX  0x01
#define FFLAG_UF  0x02
#define FFLAG_OF  0x04
#define FFLAG_DZ  0x08
#define FFLAG_NV  0x10
#define FRM_RNE   0
#define FRM_RTZ   1
#define FRM_RDN   2
#define FRM_RUP   3
#define FRM_RMM   4
#define FRM_DYN   7   /* in an instruction's rm field only */

/* canonical NaNs, and a single-precision bit pattern NaN-boxed in a 64-bit f register */
#define CNAN_S    0x7fc00000
#define CNAN_D    0x7ff8000000000000
#define BOX_S(x)  (0xffffffff00000000 | (x))

/* mstatus.FS = Dirty (FP usable); fcsr is left as it is */
.macro FP_ENABLE
  li t6, MSTATUS_FS
  csrs mstatus, t6
.endm

/* mstatus.FS = fs (0 = Off, or one of MSTATUS_FS_*) */
.macro SET_FS fs
  li t6, MSTATUS_FS
  csrc mstatus, t6
  .if (\fs) != 0
    li t6, \fs
    csrs mstatus, t6
  .endif
.endm

/* freg = the single-precision bit pattern val, NaN-boxed (FMV.W.X) / the double val (FMV.D.X).
 * Clobbers t6. */
.macro FLI_S freg, val
  li t6, \val
  fmv.w.x \freg, t6
.endm
.macro FLI_D freg, val
  li t6, \val
  fmv.d.x \freg, t6
.endm

/* All 64 bits of freg == BOX_S(val) (the single val, properly NaN-boxed) / == val (double).
 * Clobbers t5, t6. */
.macro ASSERT_FS freg, val
  fmv.x.d t5, \freg
  ASSERT_EQ t5, BOX_S(\val)
.endm
.macro ASSERT_FD freg, val
  fmv.x.d t5, \freg
  ASSERT_EQ t5, \val
.endm

/* fflags == val. Clobbers t5, t6. */
.macro ASSERT_FFLAGS val
  frflags t5
  ASSERT_EQ t5, \val
.endm

/* ---- F / D check templates ----
 * Operands and results are bit patterns (constants). w = S or D is the format of the f-register
 * operands / result (S operands enter NaN-boxed through FMV.W.X; an S result must be NaN-boxed:
 * all 64 bits are compared). fflags is cleared right before the operation and must then hold
 * exactly `flags`. rm is the rounding-mode operand (rne rtz rdn rup rmm dyn), left out for
 * instructions without one (then the assembler's default applies). Use fa1-fa4, a1-a3. */

/* fa3 = op(fa1, fa2) */
.macro TF_RR n, w, op, res, flags, a, b, rm
  TEST \n
  FLI_\w fa1, \a
  FLI_\w fa2, \b
  fsflags zero
  .ifb \rm
    \op fa3, fa1, fa2
  .else
    \op fa3, fa1, fa2, \rm
  .endif
  ASSERT_FFLAGS \flags
  ASSERT_F\w fa3, \res
.endm

/* fa3 = op(fa1) */
.macro TF_R n, w, op, res, flags, a, rm
  TEST \n
  FLI_\w fa1, \a
  fsflags zero
  .ifb \rm
    \op fa3, fa1
  .else
    \op fa3, fa1, \rm
  .endif
  ASSERT_FFLAGS \flags
  ASSERT_F\w fa3, \res
.endm

/* fa3 = op(fa1, fa2, fa4) (fused multiply-add: fa1 * fa2 and fa4) */
.macro TF_R4 n, w, op, res, flags, a, b, c, rm
  TEST \n
  FLI_\w fa1, \a
  FLI_\w fa2, \b
  FLI_\w fa4, \c
  fsflags zero
  .ifb \rm
    \op fa3, fa1, fa2, fa4
  .else
    \op fa3, fa1, fa2, fa4, \rm
  .endif
  ASSERT_FFLAGS \flags
  ASSERT_F\w fa3, \res
.endm

/* a3 = op(fa1, fa2): compare, integer result (all 64 bits compared with res) */
.macro TF_CMP n, w, op, res, flags, a, b
  TEST \n
  FLI_\w fa1, \a
  FLI_\w fa2, \b
  fsflags zero
  \op a3, fa1, fa2
  ASSERT_FFLAGS \flags
  ASSERT_EQ a3, \res
.endm

/* a3 = op(fa1): f register to integer register (FCVT.int.fmt, FCLASS, FMV.X.W / FMV.X.D) */
.macro TF_FX n, w, op, res, flags, a, rm
  TEST \n
  FLI_\w fa1, \a
  fsflags zero
  .ifb \rm
    \op a3, fa1
  .else
    \op a3, fa1, \rm
  .endif
  ASSERT_FFLAGS \flags
  ASSERT_EQ a3, \res
.endm

/* fa3 = op(a1): integer register (all 64 bits = a) to f register (FCVT.fmt.int, FMV.W.X / D.X) */
.macro TF_XF n, w, op, res, flags, a, rm
  TEST \n
  li a1, \a
  fsflags zero
  .ifb \rm
    \op fa3, a1
  .else
    \op fa3, a1, \rm
  .endif
  ASSERT_FFLAGS \flags
  ASSERT_F\w fa3, \res
.endm

/* fa3 (format wd) = op(fa1 (format ws)): FCVT.S.D / FCVT.D.S */
.macro TF_FF n, wd, ws, op, res, flags, a, rm
  TEST \n
  FLI_\ws fa1, \a
  fsflags zero
  .ifb \rm
    \op fa3, fa1
  .else
    \op fa3, fa1, \rm
  .endif
  ASSERT_FFLAGS \flags
  ASSERT_F\wd fa3, \res
.endm

/* =====================================================================================
 * Program frame
 * ===================================================================================== */

.macro TEST_BEGIN
  .section .text.init, "ax", @progbits
  .globl _start
  .option push
  .option norvc
_start:
#ifdef HL_MULTIHART
  csrr t0, mhartid
  beqz t0, 2f
  j _hl_secondary
2:
  la t0, _hl_boot_a0
  sd a0, 0(t0)
#endif
  csrr t0, mhartid
  bnez t0, _hl_park
  /* PMP may be absent or trap: step over with a temporary handler */
  la t0, 1f
  csrw mtvec, t0
  /* NAPOT entry 0 covering all of memory, RWX, so that S and U can run */
  li t0, -1
  csrw pmpaddr0, t0
  li t0, (PMP_NAPOT | PMP_R | PMP_W | PMP_X)
  csrw pmpcfg0, t0
  csrw pmpcfg2, zero
  .align 2
1:
  csrw mtvec, zero
  csrw mie, zero
  csrw mip, zero
  csrw mstatus, zero
  csrw medeleg, zero
  csrw mideleg, zero
  csrw satp, zero
  sfence.vma
  csrw mscratch, zero
  csrw sscratch, zero
  la sp, _hl_stack_top
  la t0, _hl_exp
  sd zero, EXP_ARMED(t0)
  la t0, _hl_rec
  sd zero, REC_COUNT(t0)
  la t0, _mtrap
  csrw mtvec, t0
  la t0, _strap
  csrw stvec, t0
  li TESTNUM, 0
  /* clear the general registers the tests use, so that none starts with a QEMU boot value */
  li ra, 0
  li gp, 0
  li tp, 0
  li t0, 0
  li t1, 0
  li t2, 0
  li s0, 0
  li s1, 0
  li a0, 0
  li a1, 0
  li a2, 0
  li a3, 0
  li a4, 0
  li a5, 0
  li a6, 0
  li a7, 0
  li s2, 0
  li s3, 0
  li s4, 0
  li s5, 0
  li s6, 0
  li s7, 0
  li s8, 0
  li s9, 0
  li s10, 0
  li t3, 0
  li t4, 0
  li t5, 0
  li t6, 0
  j _hl_main
_hl_park:
  wfi
  j _hl_park
  .option pop
  .text
  .align 2
_hl_main:
  /* tests are written with explicit instructions: no silent compression (rv64c.S turns it
   * back on where it wants compressed encodings) */
  .option norvc
.endm

.macro TEST_END
  j _fail   /* falling off the end of a test is a failure */
  _HL_RUNTIME
.endm

/* The shared runtime: handlers, pass / fail, UART printing, data. */
.macro _HL_RUNTIME
  .text
  .option push
  .option norvc

/* ---------- pass ---------- */
  .align 2
  .globl _hl_pass
_hl_pass:
  /* get to M first (the finisher may be out of reach below M) */
  li t6, HL_TO_M_MAGIC
  la t5, _hl_pass_m
  ecall
_hl_pass_m:
#ifdef HL_REPORT_HTIF
  li t1, 1
  la t0, tohost
  sd t1, 0(t0)
#else
  li t0, FINISHER_BASE
  li t1, FINISHER_PASS
  sw t1, 0(t0)
#endif
1:
  j 1b

/* ---------- fail (from any mode) ---------- */
  .align 2
  .globl _fail
_fail:
  /* the handler of this ecall, whatever mode it ends in, turns it into _hl_fail_m */
  .globl _hl_fail_ecall
_hl_fail_ecall:
  ecall
  j _hl_fail_ecall
  .globl _hl_fail_ecall_s
_hl_fail_ecall_s:
  ecall
  j _hl_fail_ecall_s

_hl_fail_m:
  csrw mie, zero
  la sp, _hl_stack_top
  la a0, _hl_msg_fail
  call _hl_puts
  la a0, _hl_prog_name
  call _hl_puts
  la a0, _hl_msg_test
  call _hl_puts
  mv a0, TESTNUM
  call _hl_putdec
  la a0, _hl_msg_csrs
  call _hl_puts
  csrr a0, mcause
  call _hl_puthex
  la a0, _hl_msg_mepc
  call _hl_puts
  csrr a0, mepc
  call _hl_puthex
  la a0, _hl_msg_mtval
  call _hl_puts
  csrr a0, mtval
  call _hl_puthex
  la a0, _hl_msg_scause
  call _hl_puts
  csrr a0, scause
  call _hl_puthex
  la a0, _hl_msg_sepc
  call _hl_puts
  csrr a0, sepc
  call _hl_puthex
  la a0, _hl_msg_stval
  call _hl_puts
  csrr a0, stval
  call _hl_puthex
  li a0, '\n'
  call _hl_putc
  /* N = 250 when no test had started (or TESTNUM was clobbered out of range) */
  mv t1, TESTNUM
  beqz t1, 1f
  li t2, 250
  bltu t1, t2, 2f
1:
  li t1, 250
2:
#ifdef HL_REPORT_HTIF
  /* tohost = (N << 1) | 1 */
  slli t1, t1, 1
  ori t1, t1, 1
  la t0, tohost
  sd t1, 0(t0)
#else
  /* finisher: (N << 16) | 0x3333 */
  slli t1, t1, 16
  li t2, FINISHER_FAIL
  or t1, t1, t2
  li t0, FINISHER_BASE
  sw t1, 0(t0)
#endif
3:
  j 3b

/* ---------- M-mode trap handler ---------- */
  .align 6
  .globl _mtrap
_mtrap:
  csrw mscratch, t0
  la t0, _hl_save
  sd t1, 0(t0)
  sd t2, 8(t0)
  sd t3, 16(t0)
  csrr t1, mepc
  la t2, _hl_fail_ecall
  bne t1, t2, 1f
  j _hl_fail_m
1:
  la t2, _hl_fail_ecall_s
  bne t1, t2, 1f
  j _hl_fail_m
1:
  /* ECALL_TO_M (or the pass path): resume at t5 in M */
  li t2, HL_TO_M_MAGIC
  bne t6, t2, 2f
  csrr t2, mcause
  li t3, CAUSE_ECALL_U
  beq t2, t3, 1f
  li t3, CAUSE_ECALL_S
  beq t2, t3, 1f
  li t3, CAUSE_ECALL_M
  beq t2, t3, 1f
  j 2f
1:
  csrw mepc, t5
  li t2, MSTATUS_MPP
  csrs mstatus, t2
  j _hl_mtrap_ret
2:
  /* record */
  la t2, _hl_rec
  csrr t3, mcause
  sd t3, REC_CAUSE(t2)
  sd t1, REC_EPC(t2)
  csrr t3, mtval
  sd t3, REC_TVAL(t2)
  csrr t3, mstatus
  sd t3, REC_STATUS(t2)
  li t3, PRV_M
  sd t3, REC_MODE(t2)
  ld t3, REC_COUNT(t2)
  addi t3, t3, 1
  sd t3, REC_COUNT(t2)
  /* interrupt: disable its source in mie so that it is not taken again on return */
  csrr t3, mcause
  bgez t3, 1f
  slli t3, t3, 1
  srli t3, t3, 1
  li t1, 1
  sll t1, t1, t3
  csrc mie, t1
1:
  /* check against the announcement */
  la t2, _hl_exp
  ld t3, EXP_ARMED(t2)
  beqz t3, _hl_mtrap_bad
  ld t3, EXP_MODE(t2)
  li t1, PRV_M
  bne t3, t1, _hl_mtrap_bad
  ld t3, EXP_CAUSE(t2)
  csrr t1, mcause
  bne t3, t1, _hl_mtrap_bad
  ld t3, EXP_EPC(t2)
  li t1, -1
  beq t3, t1, 1f
  csrr t1, mepc
  bne t3, t1, _hl_mtrap_bad
1:
  ld t3, EXP_CHKTVAL(t2)
  beqz t3, 1f
  ld t3, EXP_TVAL(t2)
  csrr t1, mtval
  bne t3, t1, _hl_mtrap_bad
1:
  sd zero, EXP_ARMED(t2)
  ld t1, EXP_RESUME(t2)
  csrw mepc, t1
  ld t1, EXP_RMODE(t2)
  bltz t1, _hl_mtrap_ret
  li t3, MSTATUS_MPP
  csrc mstatus, t3
  slli t1, t1, 11
  csrs mstatus, t1
_hl_mtrap_ret:
  la t0, _hl_save
  ld t1, 0(t0)
  ld t2, 8(t0)
  ld t3, 16(t0)
  csrr t0, mscratch
  mret

_hl_mtrap_bad:
  csrw mie, zero
  la sp, _hl_stack_top
  la a0, _hl_msg_unexp_m
  call _hl_puts
  csrr a0, mcause
  call _hl_puthex
  la a0, _hl_msg_mepc
  call _hl_puts
  csrr a0, mepc
  call _hl_puthex
  la a0, _hl_msg_mtval
  call _hl_puts
  csrr a0, mtval
  call _hl_puthex
  call _hl_print_expected
  j _hl_fail_m

/* print the announcement, if any */
_hl_print_expected:
  addi sp, sp, -16
  sd ra, 0(sp)
  la s10, _hl_exp
  ld a0, EXP_ARMED(s10)
  beqz a0, 1f
  la a0, _hl_msg_exp
  call _hl_puts
  ld a0, EXP_MODE(s10)
  call _hl_puthex
  la a0, _hl_msg_exp_cause
  call _hl_puts
  ld a0, EXP_CAUSE(s10)
  call _hl_puthex
  la a0, _hl_msg_exp_epc
  call _hl_puts
  ld a0, EXP_EPC(s10)
  call _hl_puthex
  ld a0, EXP_CHKTVAL(s10)
  beqz a0, 1f
  la a0, _hl_msg_exp_tval
  call _hl_puts
  ld a0, EXP_TVAL(s10)
  call _hl_puthex
1:
  li a0, '\n'
  call _hl_putc
  ld ra, 0(sp)
  addi sp, sp, 16
  ret

/* ---------- S-mode trap handler (for delegated traps) ---------- */
  .align 6
  .globl _strap
_strap:
  csrw sscratch, t0
  la t0, _hl_save_s
  sd t1, 0(t0)
  sd t2, 8(t0)
  sd t3, 16(t0)
  csrr t1, sepc
  la t2, _hl_fail_ecall
  bne t1, t2, 1f
  j _hl_fail_ecall_s
1:
  /* ECALL_TO_M from U with ecalls from U delegated: pass it on to M */
  li t2, HL_TO_M_MAGIC
  bne t6, t2, 1f
  ld t1, 0(t0)
  ld t2, 8(t0)
  ld t3, 16(t0)
  csrr t0, sscratch
  ecall
1:
  la t2, _hl_rec
  csrr t3, scause
  sd t3, REC_CAUSE(t2)
  sd t1, REC_EPC(t2)
  csrr t3, stval
  sd t3, REC_TVAL(t2)
  csrr t3, sstatus
  sd t3, REC_STATUS(t2)
  li t3, PRV_S
  sd t3, REC_MODE(t2)
  ld t3, REC_COUNT(t2)
  addi t3, t3, 1
  sd t3, REC_COUNT(t2)
  csrr t3, scause
  bgez t3, 1f
  slli t3, t3, 1
  srli t3, t3, 1
  li t1, 1
  sll t1, t1, t3
  csrc sie, t1
1:
  la t2, _hl_exp
  ld t3, EXP_ARMED(t2)
  beqz t3, _hl_strap_bad
  ld t3, EXP_MODE(t2)
  li t1, PRV_S
  bne t3, t1, _hl_strap_bad
  ld t3, EXP_CAUSE(t2)
  csrr t1, scause
  bne t3, t1, _hl_strap_bad
  ld t3, EXP_EPC(t2)
  li t1, -1
  beq t3, t1, 1f
  csrr t1, sepc
  bne t3, t1, _hl_strap_bad
1:
  ld t3, EXP_CHKTVAL(t2)
  beqz t3, 1f
  ld t3, EXP_TVAL(t2)
  csrr t1, stval
  bne t3, t1, _hl_strap_bad
1:
  sd zero, EXP_ARMED(t2)
  ld t1, EXP_RESUME(t2)
  csrw sepc, t1
  ld t1, EXP_RMODE(t2)
  bltz t1, 2f
  li t3, MSTATUS_SPP
  csrc sstatus, t3
  beqz t1, 2f
  csrs sstatus, t3
2:
  la t0, _hl_save_s
  ld t1, 0(t0)
  ld t2, 8(t0)
  ld t3, 16(t0)
  csrr t0, sscratch
  sret
_hl_strap_bad:
  /* an unexpected trap in S: go to M, which prints scause/sepc/stval */
  j _hl_fail_ecall_s


/* ---------- Sv39 page tables, built at run time in M mode (physical addresses) ----------
 * _hl_vm_reset:    empty root table, all pool tables free.
 * _hl_vm_pte_addr: a0 = va, a1 = level (0: 4 KiB leaf, 1: 2 MiB, 2: 1 GiB) -> a0 = address of
 *                  the PTE for va at that level, allocating (zeroed) intermediate tables.
 * _hl_vm_map:      a0 = va, a1 = pa, a2 = PTE flags, a3 = level: write the leaf PTE.
 * _hl_vm_map_range: a0 = va, a1 = pa, a2 = flags, a3 = size (bytes, multiple of 4 KiB): 4 KiB
 *                  leaves for the whole range.
 * All clobber t0-t4, a0-a7 (not s*). Meeting a leaf above the requested level fails the test. */
  .align 2
_hl_vm_reset:
  la t0, _hl_vm_root
  la t1, _hl_vm_pool_end
1:
  sd zero, 0(t0)
  addi t0, t0, 8
  bltu t0, t1, 1b
  la t0, _hl_vm_pool
  la t1, _hl_vm_next
  sd t0, 0(t1)
  ret

_hl_vm_pte_addr:
  la t0, _hl_vm_root
  li t1, 2
1:
  slli t2, t1, 3
  add t2, t2, t1
  addi t2, t2, 12            /* shift = 12 + 9 * level */
  srl t3, a0, t2
  andi t3, t3, 0x1ff
  slli t3, t3, 3
  add t3, t0, t3             /* &pte */
  bne t1, a1, 2f
  mv a0, t3
  ret
2:
  ld t4, 0(t3)
  andi t2, t4, PTE_V
  beqz t2, 3f
  andi t2, t4, PTE_R | PTE_W | PTE_X
  beqz t2, 4f
  j _fail                    /* a leaf is in the way */
4:
  srli t0, t4, 10
  slli t0, t0, 12
  j 5f
3:
  la t2, _hl_vm_next
  ld t0, 0(t2)
  li t4, 4096
  add t4, t0, t4
  sd t4, 0(t2)
  la t2, _hl_vm_pool_end
  bleu t4, t2, 6f
  j _fail                    /* out of page-table pages */
6:
  srli t4, t0, 12
  slli t4, t4, 10
  ori t4, t4, PTE_V
  sd t4, 0(t3)
5:
  addi t1, t1, -1
  j 1b

_hl_vm_map:
  mv a5, ra
  mv a4, a1
  mv a1, a3
  call _hl_vm_pte_addr
  srli a4, a4, 12
  slli a4, a4, 10
  or a4, a4, a2
  sd a4, 0(a0)
  jr a5

_hl_vm_map_range:
  addi sp, sp, -48
  sd ra, 0(sp)
  sd a0, 8(sp)
  sd a1, 16(sp)
  sd a2, 24(sp)
  sd a3, 32(sp)
1:
  ld a3, 32(sp)
  blez a3, 2f
  ld a0, 8(sp)
  ld a1, 16(sp)
  ld a2, 24(sp)
  li a3, 0
  call _hl_vm_map
  li t0, 4096
  ld a0, 8(sp)
  add a0, a0, t0
  sd a0, 8(sp)
  ld a1, 16(sp)
  add a1, a1, t0
  sd a1, 16(sp)
  ld a3, 32(sp)
  sub a3, a3, t0
  sd a3, 32(sp)
  j 1b
2:
  ld ra, 0(sp)
  addi sp, sp, 48
  ret

/* ---------- UART output (M mode; clobbers a0-a2, t0-t2) ---------- */
_hl_putc:
  li t0, UART_BASE
  li t1, 100000
1:
  lbu t2, 5(t0)
  andi t2, t2, 0x20
  bnez t2, 2f
  addi t1, t1, -1
  bnez t1, 1b
2:
  sb a0, 0(t0)
  ret

_hl_puts:
  addi sp, sp, -16
  sd ra, 0(sp)
  sd s0, 8(sp)
  mv s0, a0
1:
  lbu a0, 0(s0)
  beqz a0, 2f
  call _hl_putc
  addi s0, s0, 1
  j 1b
2:
  ld ra, 0(sp)
  ld s0, 8(sp)
  addi sp, sp, 16
  ret

_hl_puthex:
  addi sp, sp, -32
  sd ra, 0(sp)
  sd s0, 8(sp)
  sd s1, 16(sp)
  mv s0, a0
  li a0, '0'
  call _hl_putc
  li a0, 'x'
  call _hl_putc
  li s1, 60
1:
  srl a0, s0, s1
  andi a0, a0, 0xf
  li t0, 10
  blt a0, t0, 2f
  addi a0, a0, 'a' - 10 - '0'
2:
  addi a0, a0, '0'
  call _hl_putc
  addi s1, s1, -4
  bgez s1, 1b
  ld ra, 0(sp)
  ld s0, 8(sp)
  ld s1, 16(sp)
  addi sp, sp, 32
  ret

/* decimal, 0..999 (no division, in case that is what is broken) */
_hl_putdec:
  addi sp, sp, -32
  sd ra, 0(sp)
  sd s0, 8(sp)
  sd s1, 16(sp)
  mv s0, a0
  li s1, 0          /* printed a digit yet */
  li t1, 100
  call 5f
  li t1, 10
  call 5f
  addi a0, s0, '0'
  call _hl_putc
  ld ra, 0(sp)
  ld s0, 8(sp)
  ld s1, 16(sp)
  addi sp, sp, 32
  ret
5:  /* print digit of s0 for unit t1 */
  addi sp, sp, -16
  sd ra, 0(sp)
  li a0, 0
6:
  bltu s0, t1, 7f
  sub s0, s0, t1
  addi a0, a0, 1
  j 6b
7:
  bnez a0, 8f
  beqz s1, 9f
8:
  li s1, 1
  addi a0, a0, '0'
  call _hl_putc
9:
  ld ra, 0(sp)
  addi sp, sp, 16
  ret
  .option pop

  .section .rodata
_hl_msg_fail:      .asciz "FAIL "
_hl_msg_test:      .asciz ": test "
_hl_msg_csrs:      .asciz "\n  mcause="
_hl_msg_mepc:      .asciz " mepc="
_hl_msg_mtval:     .asciz " mtval="
_hl_msg_scause:    .asciz "\n  scause="
_hl_msg_sepc:      .asciz " sepc="
_hl_msg_stval:     .asciz " stval="
_hl_msg_unexp_m:   .asciz "unexpected trap in M: mcause="
_hl_msg_exp:       .asciz "\n  expected: handler mode="
_hl_msg_exp_cause: .asciz " cause="
_hl_msg_exp_epc:   .asciz " epc="
_hl_msg_exp_tval:  .asciz " tval="
_hl_prog_name:     .asciz TEST_NAME

#ifdef HL_REPORT_HTIF
  .section .tohost, "aw", @progbits
  .align 6
  .globl tohost, fromhost
tohost:   .dword 0
  .align 6
fromhost: .dword 0
#endif
  .data
  .align 6
  .globl _hl_exp, _hl_rec
_hl_exp:    .zero 64
_hl_rec:    .zero 64
_hl_save:   .zero 32
_hl_save_s: .zero 32
_hl_vm_next: .dword 0
#ifdef HL_MULTIHART
  .globl _hl_boot_a0
_hl_boot_a0: .dword -1
#endif
  .bss
  .align 12
_hl_stack:  .zero 4096
_hl_stack_top:
  .globl _hl_vm_root
_hl_vm_root: .zero 4096
_hl_vm_pool: .zero 4096 * 15
_hl_vm_pool_end:
  .text
.endm

#endif /* HARTLAB_TEST_H */
