/* hartlab-only: interrupt priorities of the privileged spec (3.1.9): among interrupts taken
 * in M, MEI > MSI > MTI > SEI > SSI > STI; an M-level interrupt is taken before S-level ones;
 * among interrupts delegated to S and taken in S, SEI > SSI > STI. QEMU 7.2 without AIA takes
 * the lowest-numbered pending interrupt first (SSI, MSI, STI, MTI, SEI), so it fails here.
 * Each handler logs the code it took and disables that source in mie / sie, so all pending
 * interrupts are taken one after another, in priority order. (MEI is not covered: it needs a
 * device behind the PLIC.) */
#include "test.h"

#define MSIP0      CLINT_MSIP
#define MTIMECMP0  CLINT_MTIMECMP

.macro SET_MSIP v
  li t6, MSIP0
  li t5, \v
  sw t5, 0(t6)
.endm

.macro MTIMECMP_NEVER
  li t6, MTIMECMP0
  li t5, -1
  sd t5, 0(t6)
.endm

.macro MTIMECMP_NOW
  li t6, MTIMECMP0
  sd zero, 0(t6)
.endm

/* log[] of interrupt codes taken, in order; reset / check */
.macro LOG_RESET
  la t6, log
  la t5, log_ptr
  sd t6, 0(t5)
  sd zero, 0(t6)
  sd zero, 8(t6)
  sd zero, 16(t6)
  sd zero, 24(t6)
  sd zero, 32(t6)
  sd zero, 40(t6)
.endm
.macro LOG_CHECK idx, val
  la t6, log
  ld t6, (8 * \idx)(t6)
  li t5, \val
  beq t5, t6, .Llc\@
  j _fail
.Llc\@:
.endm

TEST_BEGIN
  MTIMECMP_NEVER
  SET_MSIP 0
  csrw mip, zero
  csrw mstatus, zero

  /* ---- priorities ---- */
  TEST 20
  /* all of MSI, MTI, SEI, SSI, STI pending and enabled, none delegated */
  SET_MTVEC log_mtrap
  LOG_RESET
  SET_MSIP 1
  MTIMECMP_NOW
  li a0, MIP_SSIP | MIP_STIP | MIP_SEIP
  csrs mip, a0
  li a0, MIP_SSIP | MIP_STIP | MIP_SEIP | MIP_MSIP | MIP_MTIP
  csrw mie, a0
  csrsi mstatus, MSTATUS_MIE
  nop
  csrci mstatus, MSTATUS_MIE
  LOG_CHECK 0, IRQ_M_SOFT
  LOG_CHECK 1, IRQ_M_TIMER
  LOG_CHECK 2, IRQ_S_EXT
  LOG_CHECK 3, IRQ_S_SOFT
  LOG_CHECK 4, IRQ_S_TIMER
  LOG_CHECK 5, 0
  SET_MSIP 0
  MTIMECMP_NEVER
  csrw mip, zero
  TEST 21
  /* the same order with the pending bits raised in the opposite order */
  LOG_RESET
  li a0, MIP_SSIP | MIP_STIP | MIP_SEIP | MIP_MSIP | MIP_MTIP
  csrw mie, a0
  li a0, MIP_STIP
  csrs mip, a0
  csrsi mip, MIP_SSIP
  li a0, MIP_SEIP
  csrs mip, a0
  MTIMECMP_NOW
  SET_MSIP 1
  csrsi mstatus, MSTATUS_MIE
  nop
  csrci mstatus, MSTATUS_MIE
  LOG_CHECK 0, IRQ_M_SOFT
  LOG_CHECK 1, IRQ_M_TIMER
  LOG_CHECK 2, IRQ_S_EXT
  LOG_CHECK 3, IRQ_S_SOFT
  LOG_CHECK 4, IRQ_S_TIMER
  SET_MSIP 0
  MTIMECMP_NEVER
  csrw mip, zero
  TEST 22
  /* delegated S-level interrupts in S: SEI > SSI > STI; an M-level one pending at the same
   * time goes first, to M */
  la a0, log_strap
  csrw stvec, a0
  LOG_RESET
  li a0, MIP_SSIP | MIP_STIP | MIP_SEIP
  csrw mideleg, a0
  csrs mip, a0
  li a0, MIP_SSIP | MIP_STIP | MIP_SEIP | MIP_MSIP
  csrw mie, a0
  SET_MSIP 1
  ENTER_MODE PRV_S, 1f
1:
  csrsi sstatus, MSTATUS_SIE
  nop
  csrci sstatus, MSTATUS_SIE
  ECALL_TO_M 1f
1:
  LOG_CHECK 0, IRQ_M_SOFT
  LOG_CHECK 1, 0x100 | IRQ_S_EXT      /* 0x100: taken by the S handler */
  LOG_CHECK 2, 0x100 | IRQ_S_SOFT
  LOG_CHECK 3, 0x100 | IRQ_S_TIMER
  LOG_CHECK 4, 0
  SET_MSIP 0
  csrw mip, zero
  csrw mideleg, zero
  RESTORE_STVEC

  TEST 23
  /* two at a time: MTI before SSI, SEI before STI */
  csrw mstatus, zero
  LOG_RESET
  MTIMECMP_NOW
  li a0, MIP_SSIP | MIP_MTIP
  csrw mie, a0
  csrsi mip, MIP_SSIP
  csrsi mstatus, MSTATUS_MIE
  nop
  csrci mstatus, MSTATUS_MIE
  MTIMECMP_NEVER
  li a0, MIP_SEIP | MIP_STIP
  csrw mie, a0
  csrs mip, a0
  csrsi mstatus, MSTATUS_MIE
  nop
  csrci mstatus, MSTATUS_MIE
  csrw mip, zero
  LOG_CHECK 0, IRQ_M_TIMER
  LOG_CHECK 1, IRQ_S_SOFT
  LOG_CHECK 2, IRQ_S_EXT
  LOG_CHECK 3, IRQ_S_TIMER
  RESTORE_MTVEC

  TEST_PASS

/* ---------- logging handlers ---------- */
  .align 6
log_mtrap:
  csrw mscratch, t0
  la t0, save
  sd t1, 0(t0)
  sd t2, 8(t0)
  csrr t1, mcause
  bltz t1, 1f
  /* an exception: hand it to the standard handler */
  ld t1, 0(t0)
  ld t2, 8(t0)
  csrr t0, mscratch
  j _mtrap
1:
  slli t1, t1, 1
  srli t1, t1, 1
  la t0, log_ptr
  ld t2, 0(t0)
  sd t1, 0(t2)
  addi t2, t2, 8
  sd t2, 0(t0)
  li t2, 1
  sll t2, t2, t1
  csrc mie, t2
  la t0, save
  ld t1, 0(t0)
  ld t2, 8(t0)
  csrr t0, mscratch
  mret

  .align 6
log_strap:
  csrw sscratch, t0
  la t0, save_s
  sd t1, 0(t0)
  sd t2, 8(t0)
  csrr t1, scause
  bltz t1, 1f
  ld t1, 0(t0)
  ld t2, 8(t0)
  csrr t0, sscratch
  j _strap
1:
  slli t1, t1, 1
  srli t1, t1, 1
  ori t2, t1, 0x100
  la t0, log_ptr
  ld t0, 0(t0)
  sd t2, 0(t0)
  addi t0, t0, 8
  la t2, log_ptr
  sd t0, 0(t2)
  li t2, 1
  sll t2, t2, t1
  csrc sie, t2
  la t0, save_s
  ld t1, 0(t0)
  ld t2, 8(t0)
  csrr t0, sscratch
  sret

TEST_END

  .data
  .align 3
log_ptr: .dword 0
log:     .zero 64
save:    .zero 32
save_s:  .zero 32
