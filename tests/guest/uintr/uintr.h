/* hartlab user-interrupt tests: shared definitions and a U-mode trap handler, on top of
 * tests/guest/common/test.h (include test.h first; HL_MULTIHART as there).
 *
 * The N extension, the UINTC and the `uipi` instructions are described in
 * docs/hardware/user-interrupts.md. None of it exists on QEMU 7.2, so every program here runs
 * on hartlab only (see tests/user_interrupts.rs).
 *
 * U-mode trap handler `_utrap` (direct mode): `uscratch` holds the address of this hart's trap
 * record (UREC_SIZE bytes, see below), which the handler swaps with t0 on entry and exit, so
 * it clobbers nothing and works on every hart. It records ucause / uepc / utval / ustatus and
 * `cycle` / `time` at entry, counts the trap and appends ucause to a log of 8 entries. Then:
 *   - an interrupt: its enable bit in `uie` is cleared (so URET does not take it again);
 *   - an exception: it must have been announced with U_EXPECT (exact uepc, or any with
 *     U_EXPECT_ANY); uepc is set to the announced resume address. An unannounced exception
 *     (for instance the ECALL of `_fail` while ECALLs from U are delegated to U) goes to
 *     `_u_unexpected`, which reaches M through a store access fault at address 0 (never
 *     delegated by these programs), whose unannounced trap fails the current check.
 * and returns with URET.
 *
 * `_uvec` is a vectored table (utvec = _uvec | 1): entry c stores c in UREC_VEC, then
 * continues in `_utrap`.
 *
 * Hart-0 programs that reach M from U while ECALLs from U go to U use U_TO_M (a store access
 * fault announced to _mtrap). */
#ifndef HARTLAB_UINTR_H
#define HARTLAB_UINTR_H

/* ---- CSR numbers (binutils no longer knows the N-extension names) ---- */
#define CSR_USTATUS   0x000
#define CSR_UIE       0x004
#define CSR_UTVEC     0x005
#define CSR_USCRATCH  0x040
#define CSR_UEPC      0x041
#define CSR_UCAUSE    0x042
#define CSR_UTVAL     0x043
#define CSR_UIP       0x044
#define CSR_SEDELEG   0x102
#define CSR_SIDELEG   0x103
#define CSR_SUIST     0x1b0
#define CSR_SUIRS     0x1b1
#define CSR_SUICFG    0x1b2
#define CSR_UTIMECMP  0x8c0

#define USTATUS_UIE   0x1
#define USTATUS_UPIE  0x10
#define MSTATUS_UIE   USTATUS_UIE
#define MSTATUS_UPIE  USTATUS_UPIE

#define MIP_USIP      0x1
#define MIP_UTIP      0x10
#define MIP_UEIP      0x100
#define MIP_U_ALL     (MIP_USIP | MIP_UTIP | MIP_UEIP)
#define MIP_S_ALL     (MIP_SSIP | MIP_STIP | MIP_SEIP)
#define IRQ_U_SOFT    0
#define IRQ_U_TIMER   4
#define IRQ_U_EXT     8

/* ---- UINTC: UINTC_*, UINTR_EN, UISTE, SUIST_PAGES come from hw.h (included by test.h) ---- */

/* ---- PLIC ---- */
#define PLIC_PRIO(src)  (PLIC_BASE + 4 * (src))
#define PLIC_PENDING    (PLIC_BASE + 0x1000)
#define PLIC_ENABLE(c)  (PLIC_BASE + 0x2000 + 0x80 * (c))
#define PLIC_THRESH(c)  (PLIC_BASE + 0x200000 + 0x1000 * (c))
#define PLIC_CLAIM(c)   (PLIC_BASE + 0x200004 + 0x1000 * (c))
#define UART_IER        (UART_BASE + 1)
#define IER_ETBEI       0x02

/* ---- instructions ---- */
.macro URET
  .word 0x00200073
.endm
.macro UIPI_SEND rs
  .insn r 0x7b, 6, 0, x0, \rs, x0
.endm
.macro UIPI_READ rd
  .insn r 0x7b, 6, 1, \rd, x0, x0
.endm
.macro UIPI_WRITE rs
  .insn r 0x7b, 6, 2, x0, \rs, x0
.endm
.macro UIPI_ACTIVATE
  .insn r 0x7b, 6, 3, x0, x0, x0
.endm
.macro UIPI_DEACTIVATE
  .insn r 0x7b, 6, 4, x0, x0, x0
.endm

/* 64-bit MMIO (a0 / a1 scratch) */
.macro SD64 addr, val
  li a0, \addr
  li a1, \val
  sd a1, 0(a0)
.endm
.macro LD64 reg, addr
  li a0, \addr
  ld \reg, 0(a0)
.endm
/* 32-bit MMIO (a0 / a1 scratch) */
.macro W32 addr, val
  li a0, \addr
  li a1, \val
  sw a1, 0(a0)
.endm
.macro R32 reg, addr
  li a0, \addr
  lwu \reg, 0(a0)
.endm

/* UART interrupt-enable register := val (a byte; a0 / a1 scratch) */
.macro UART_IER_W val
  li a0, UART_IER
  li a1, \val
  sb a1, 0(a0)
.endm

/* ---- the U trap record (one per hart, addressed by uscratch) ---- */
#define UREC_CAUSE   0
#define UREC_EPC     8
#define UREC_TVAL    16
#define UREC_STATUS  24
#define UREC_COUNT   32
#define UREC_EXPEPC  40   /* announced uepc of an exception (-1: any) */
#define UREC_RESUME  48   /* where the announced exception resumes (0: none announced) */
#define UREC_CYCLE   56   /* cycle at entry */
#define UREC_TIME    64   /* time at entry */
#define UREC_VEC     72   /* entry of _uvec taken */
#define UREC_LOGN    80
#define UREC_LOG     88   /* 8 ucause values */
#define UREC_SAVE    152  /* t1, t2 */
#define UREC_SIZE    256

/* reg = field `off` of this hart's record (uscratch) */
.macro UREC_LOAD reg, off
  csrr \reg, CSR_USCRATCH
  ld \reg, \off(\reg)
.endm
/* field == constant */
.macro ASSERT_UREC off, val
  UREC_LOAD t5, \off
  ASSERT_EQ t5, \val
.endm
/* field == address of label */
.macro ASSERT_UREC_ADDR off, label
  UREC_LOAD t5, \off
  ASSERT_ADDR t5, \label
.endm
/* log entry idx == constant */
.macro ASSERT_ULOG idx, val
  UREC_LOAD t5, UREC_LOG + 8 * (\idx)
  ASSERT_EQ t5, \val
.endm
/* Clear count, log and announcement of this hart's record (any mode that can write it). */
.macro UREC_RESET
  csrr t6, CSR_USCRATCH
  sd zero, UREC_COUNT(t6)
  sd zero, UREC_LOGN(t6)
  sd zero, UREC_RESUME(t6)
  li t5, -1
  sd t5, UREC_VEC(t6)
  sd zero, UREC_CAUSE(t6)
  sd zero, UREC_EPC(t6)
  sd zero, UREC_TVAL(t6)
.endm
/* The U trap count is (still) n. */
.macro ASSERT_UCOUNT n
  ASSERT_UREC UREC_COUNT, \n
.endm

/* Announce an exception for _utrap at `epc` (label), resuming at `resume`. Clobbers t5, t6. */
.macro U_EXPECT epc, resume
  csrr t6, CSR_USCRATCH
  la t5, \epc
  sd t5, UREC_EXPEPC(t6)
  la t5, \resume
  sd t5, UREC_RESUME(t6)
.endm
.macro U_EXPECT_ANY resume
  csrr t6, CSR_USCRATCH
  li t5, -1
  sd t5, UREC_EXPEPC(t6)
  la t5, \resume
  sd t5, UREC_RESUME(t6)
.endm
/* The announced exception was taken (resume cleared by the handler). */
.macro ASSERT_UTRAPPED
  UREC_LOAD t5, UREC_RESUME
  ASSERT_EQ t5, 0
.endm

/* The instruction given must trap into U with ucause = cause and utval = the value in register
 * `tval` (or NOCHECK); execution continues after it. Clobbers t5, t6 (and t4 for U_ILLEGAL). */
.macro U_TRAP_INSN cause, tval, insn:vararg
  U_EXPECT .Lut_at\@, .Lut_after\@
.Lut_at\@:
  \insn
  j _fail
.Lut_after\@:
  ASSERT_UTRAPPED
  ASSERT_UREC UREC_CAUSE, \cause
  ASSERT_UREC_ADDR UREC_EPC, .Lut_at\@
  .ifnc \tval,NOCHECK
    UREC_LOAD t5, UREC_TVAL
    ASSERT_EQR t5, \tval
  .endif
.endm
.macro U_ILLEGAL insn:vararg
  INSN_BITS t4, .Luil_at\@
  U_EXPECT .Luil_at\@, .Luil_after\@
.Luil_at\@:
  \insn
  j _fail
.Luil_after\@:
  ASSERT_UTRAPPED
  ASSERT_UREC UREC_CAUSE, CAUSE_ILLEGAL
  ASSERT_UREC_ADDR UREC_EPC, .Luil_at\@
  UREC_LOAD t5, UREC_TVAL
  ASSERT_EQR t5, t4
.endm

/* From U (or S), with ECALLs from U going to U: back to M at `label` by a store access fault
 * at address 0 announced to _mtrap. Registers other than t5 / t6 preserved. */
.macro U_TO_M label
  EXPECT_TRAP CAUSE_STORE_ACCESS, ANY, \label, rmode=PRV_M
  sd zero, 0(zero)
  j _fail
.endm

/* M mode: the usual U set-up of this hart: U may read cycle / time / instret, utvec = _utrap,
 * uscratch = `rec` (label). */
.macro U_SETUP rec
  li t6, 7
  csrw mcounteren, t6
  csrw scounteren, t6
  la t6, _utrap
  csrw CSR_UTVEC, t6
  la t6, \rec
  csrw CSR_USCRATCH, t6
  UREC_RESET
.endm

/* Delegate the interrupts in `mask` (U bits) to U: mideleg and sideleg. */
.macro DELEG_U_IRQ mask
  li t6, \mask
  csrs mideleg, t6
  csrs CSR_SIDELEG, t6
.endm
/* Delegate the exceptions in `mask` to U: medeleg and sedeleg. */
.macro DELEG_U_EXC mask
  li t6, \mask
  csrs medeleg, t6
  csrs CSR_SEDELEG, t6
.endm

/* The U-mode handler (code) and vector table: put in the program with U_RUNTIME. */
.macro U_RUNTIME
  .text
  .option push
  .option norvc
  .align 6
  .globl _utrap
_utrap:
  csrrw t0, CSR_USCRATCH, t0
  sd t1, UREC_SAVE(t0)
  sd t2, UREC_SAVE + 8(t0)
  csrr t1, cycle
  sd t1, UREC_CYCLE(t0)
  csrr t1, time
  sd t1, UREC_TIME(t0)
  csrr t1, CSR_UCAUSE
  sd t1, UREC_CAUSE(t0)
  csrr t1, CSR_UEPC
  sd t1, UREC_EPC(t0)
  csrr t1, CSR_UTVAL
  sd t1, UREC_TVAL(t0)
  csrr t1, CSR_USTATUS
  sd t1, UREC_STATUS(t0)
  ld t1, UREC_COUNT(t0)
  addi t1, t1, 1
  sd t1, UREC_COUNT(t0)
  ld t1, UREC_LOGN(t0)
  li t2, 8
  bgeu t1, t2, 1f
  addi t2, t1, 1
  sd t2, UREC_LOGN(t0)
  slli t1, t1, 3
  add t1, t1, t0
  csrr t2, CSR_UCAUSE
  sd t2, UREC_LOG(t1)
1:
  csrr t1, CSR_UCAUSE
  bgez t1, 2f
  /* interrupt: mask it in uie */
  slli t1, t1, 1
  srli t1, t1, 1
  li t2, 1
  sll t2, t2, t1
  csrc CSR_UIE, t2
  j 3f
2:
  /* exception: must be the announced one */
  ld t1, UREC_RESUME(t0)
  beqz t1, _u_unexpected
  ld t2, UREC_EXPEPC(t0)
  li t1, -1
  beq t2, t1, 4f
  csrr t1, CSR_UEPC
  bne t1, t2, _u_unexpected
4:
  ld t1, UREC_RESUME(t0)
  csrw CSR_UEPC, t1
  sd zero, UREC_RESUME(t0)
3:
  ld t1, UREC_SAVE(t0)
  ld t2, UREC_SAVE + 8(t0)
  csrrw t0, CSR_USCRATCH, t0
  URET

  .globl _u_unexpected
_u_unexpected:
  /* not announced: a store access fault takes us to M, whose handler fails the check */
  sd zero, 0(zero)
  j _u_unexpected

/* vectored table: entry c records c, then the common handler */
.macro _UVEC_STUB c
_uvec_\c:
  csrrw t0, CSR_USCRATCH, t0
  sd t1, UREC_SAVE(t0)
  li t1, \c
  sd t1, UREC_VEC(t0)
  ld t1, UREC_SAVE(t0)
  csrrw t0, CSR_USCRATCH, t0
  j _utrap
.endm
  .align 8
  .globl _uvec
_uvec:
  .irp c, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
  j _uvec_\c
  .endr
  .irp c, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
  _UVEC_STUB \c
  .endr
  .option pop
.endm

#endif /* HARTLAB_UINTR_H */
