/* Interrupts: CLINT msip -> mip.MSIP and mtimecmp vs mtime -> mip.MTIP (read-only in mip),
 * SSIP / STIP / SEIP writable by M in mip; an interrupt is taken right after the instruction
 * that enables it (mepc = next instruction, mcause = interrupt bit | code, mtval = 0); mtvec
 * vectored mode (interrupt c -> base + 4c, exceptions -> base) and stvec vectored in S;
 * WFI waking on a timer interrupt with mstatus.MIE = 0 (no trap) and with MIE = 1 (trap, mepc
 * = the instruction after the WFI); a timer interrupt taken in U with mepc = the interrupted
 * instruction. (MEI is not covered: it needs a device behind the PLIC.) */
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

  /* ---- pending bits ---- */
  TEST 1
  csrr a0, mip
  ASSERT_EQ a0, 0
  SET_MSIP 1
  csrr a0, mip
  ASSERT_EQ a0, MIP_MSIP
  SET_MSIP 0
  csrr a0, mip
  ASSERT_EQ a0, 0
  TEST 2
  MTIMECMP_NOW
  csrr a0, mip
  ASSERT_EQ a0, MIP_MTIP
  MTIMECMP_NEVER
  csrr a0, mip
  ASSERT_EQ a0, 0
  TEST 3
  /* MSIP and MTIP cannot be set or cleared through mip */
  li a1, MIP_MSIP | MIP_MTIP
  csrs mip, a1
  csrr a0, mip
  ASSERT_EQ a0, 0
  MTIMECMP_NOW
  csrc mip, a1
  csrr a0, mip
  ASSERT_EQ a0, MIP_MTIP
  MTIMECMP_NEVER
  TEST 4
  /* SSIP, STIP, SEIP are writable by M */
  li a1, MIP_SSIP | MIP_STIP | MIP_SEIP
  csrs mip, a1
  csrr a0, mip
  ASSERT_EQ a0, MIP_SSIP | MIP_STIP | MIP_SEIP
  csrc mip, a1
  csrr a0, mip
  ASSERT_EQ a0, 0
  TEST 5
  /* mie: the six standard bits are writable */
  li a1, MIP_SSIP | MIP_STIP | MIP_SEIP | MIP_MSIP | MIP_MTIP | MIP_MEIP
  csrw mie, a1
  csrr a0, mie
  and a0, a0, a1
  ASSERT_EQR a0, a1
  csrw mie, zero

  /* ---- taking an interrupt ---- */
  TEST 10
  /* pending + enabled in mie, but MIE = 0: not taken */
  SET_MSIP 1
  li a0, MIP_MSIP
  csrw mie, a0
  nop
  nop
  /* MIE = 1: taken right after the csrs, mtval = 0 */
  li a5, 0
  csrw mtval, a5
  EXPECT_TRAP (IRQ_BIT | IRQ_M_SOFT), 1f, 2f, tval=a5
  csrsi mstatus, MSTATUS_MIE
1:
  j _fail
2:
  ASSERT_TRAPPED
  TEST 11
  /* trap pushed MIE: MPIE = 1, MIE = 0 in the handler, MPP = M; MRET re-enabled MIE */
  REC_LOAD a0, REC_STATUS
  ASSERT_MASKED a0, MSTATUS_MPIE | MSTATUS_MIE | MSTATUS_MPP, MSTATUS_MPIE | MSTATUS_MPP_M
  csrr a0, mstatus
  ASSERT_MASKED a0, MSTATUS_MIE, MSTATUS_MIE
  csrci mstatus, MSTATUS_MIE
  SET_MSIP 0
  TEST 12
  /* machine timer */
  li a0, MIP_MTIP
  csrw mie, a0
  MTIMECMP_NOW
  EXPECT_TRAP (IRQ_BIT | IRQ_M_TIMER), 1f, 2f, tval=a5
  csrsi mstatus, MSTATUS_MIE
1:
  j _fail
2:
  ASSERT_TRAPPED
  csrci mstatus, MSTATUS_MIE
  MTIMECMP_NEVER
  TEST 13
  /* software-set SEIP (cause 9) and STIP (cause 5), not delegated: taken in M */
  li a0, MIP_SEIP
  csrw mie, a0
  csrs mip, a0
  EXPECT_TRAP (IRQ_BIT | IRQ_S_EXT), 1f, 2f, tval=a5
  csrsi mstatus, MSTATUS_MIE
1:
  j _fail
2:
  ASSERT_TRAPPED
  csrci mstatus, MSTATUS_MIE
  csrw mip, zero
  li a0, MIP_STIP
  csrw mie, a0
  csrs mip, a0
  EXPECT_TRAP (IRQ_BIT | IRQ_S_TIMER), 1f, 2f, tval=a5
  csrsi mstatus, MSTATUS_MIE
1:
  j _fail
2:
  ASSERT_TRAPPED
  csrci mstatus, MSTATUS_MIE
  csrw mip, zero

  /* (priorities are in the hartlab-only irq_priority.S: QEMU 7.2 without AIA takes the
   * lowest-numbered pending interrupt first) */

  /* ---- vectored mode ---- */
  TEST 30
  SET_MTVEC mvec, 1
  csrr a0, mtvec
  la a1, mvec
  ori a1, a1, 1
  ASSERT_EQR a0, a1
  LOG_RESET
  SET_MSIP 1
  li a0, MIP_MSIP
  csrw mie, a0
  csrsi mstatus, MSTATUS_MIE
  nop
  csrci mstatus, MSTATUS_MIE
  LOG_CHECK 0, 0x200 | IRQ_M_SOFT     /* 0x200: arrived at base + 4 * 3 */
  SET_MSIP 0
  TEST 31
  LOG_RESET
  MTIMECMP_NOW
  li a0, MIP_MTIP
  csrw mie, a0
  csrsi mstatus, MSTATUS_MIE
  nop
  csrci mstatus, MSTATUS_MIE
  MTIMECMP_NEVER
  li a0, MIP_SSIP
  csrw mie, a0
  csrs mip, a0
  csrsi mstatus, MSTATUS_MIE
  nop
  csrci mstatus, MSTATUS_MIE
  csrw mip, zero
  LOG_CHECK 0, 0x200 | IRQ_M_TIMER
  LOG_CHECK 1, 0x200 | IRQ_S_SOFT
  TEST 32
  /* exceptions go to base even in vectored mode (base jumps to _mtrap) */
  li a5, 0
  TRAP_INSN CAUSE_ECALL_M, a5, ecall
  TRAP_ILLEGAL .word 0x0000000b
  TEST 33
  /* stvec vectored, in S: SSIP -> base + 4, STIP -> base + 20 */
  la a0, svec
  ori a0, a0, 1
  csrw stvec, a0
  LOG_RESET
  li a0, MIP_SSIP | MIP_STIP
  csrw mideleg, a0
  csrw mie, a0
  ENTER_MODE PRV_S, 1f
1:
  csrsi sip, MIP_SSIP
  csrsi sstatus, MSTATUS_SIE
  nop
  csrci sstatus, MSTATUS_SIE
  ECALL_TO_M 1f
1:
  li a0, MIP_STIP
  csrs mip, a0
  ENTER_MODE PRV_S, 1f
1:
  csrsi sstatus, MSTATUS_SIE
  nop
  csrci sstatus, MSTATUS_SIE
  ECALL_TO_M 1f
1:
  LOG_CHECK 0, 0x300 | IRQ_S_SOFT     /* 0x300: S vector entry */
  LOG_CHECK 1, 0x300 | IRQ_S_TIMER
  csrw mip, zero
  csrw mideleg, zero
  RESTORE_STVEC
  RESTORE_MTVEC

  /* ---- WFI ---- */
  TEST 40
  /* MIE = 0: WFI returns once MTIP is pending and enabled in mie; no trap */
  csrw mstatus, zero
  csrw mie, zero
  li a0, MIP_MTIP
  csrw mie, a0
  li a1, CLINT_MTIME
  ld a2, 0(a1)
  li a3, 2000
  add a2, a2, a3
  li a1, MTIMECMP0
  sd a2, 0(a1)
1:
  wfi
  csrr a0, mip
  andi a0, a0, MIP_MTIP
  beqz a0, 1b
  csrr a3, time
  ASSERT_LEU a2, a3
  MTIMECMP_NEVER
  TEST 41
  /* MIE = 1: the timer interrupt wakes the WFI and is taken with mepc = the next instruction.
   * 10 ms ahead: QEMU's mtime follows host time, and a loaded host must not let the timer
   * expire before the WFI is reached. */
  li a1, CLINT_MTIME
  ld a2, 0(a1)
  li a3, 100000
  add a2, a2, a3
  li a1, MTIMECMP0
  sd a2, 0(a1)
  li a0, MIP_MTIP
  csrw mie, a0
  csrsi mstatus, MSTATUS_MIE
  EXPECT_TRAP (IRQ_BIT | IRQ_M_TIMER), 2f, 3f
1:
  wfi
2:
  j 1b                        /* a spurious wake-up just waits again */
3:
  ASSERT_TRAPPED
  csrci mstatus, MSTATUS_MIE
  csrr a3, time
  ASSERT_LEU a2, a3
  MTIMECMP_NEVER

  /* ---- interrupt in U ---- */
  TEST 50
  li a0, MIP_MTIP
  csrw mie, a0
  csrw mstatus, zero           /* MIE = 0 does not matter below M */
  li a1, CLINT_MTIME
  ld a2, 0(a1)
  li a3, 1000
  add a2, a2, a3
  li a1, MTIMECMP0
  sd a2, 0(a1)
  EXPECT_TRAP (IRQ_BIT | IRQ_M_TIMER), ANY, 2f, rmode=PRV_M
  ENTER_MODE PRV_U, 1f
1:
  j 1b
2:
  ASSERT_TRAPPED
  REC_LOAD a0, REC_EPC
  ASSERT_ADDR a0, 1b           /* the only instruction U was executing */
  REC_LOAD a0, REC_STATUS
  ASSERT_MASKED a0, MSTATUS_MPP, 0
  MTIMECMP_NEVER

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

/* vectored tables: entry c logs 0x200 | c (M) or 0x300 | c (S) after checking the cause */
.macro MVEC_ENTRY c
  .if \c == 0
    j _mtrap
  .else
    j mvec_\c
  .endif
.endm
.macro MVEC_STUB c
mvec_\c:
  csrw mscratch, t0
  li t0, \c
  j mvec_common
.endm
.macro SVEC_ENTRY c
  .if \c == 0
    j _strap
  .else
    j svec_\c
  .endif
.endm
.macro SVEC_STUB c
svec_\c:
  csrw sscratch, t0
  li t0, \c
  j svec_common
.endm

  .align 8
mvec:
  .irp c, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
  MVEC_ENTRY \c
  .endr
  .irp c, 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
  MVEC_STUB \c
  .endr
mvec_common:
  la t6, save
  sd t1, 0(t6)
  sd t2, 8(t6)
  csrr t1, mcause
  slli t1, t1, 1
  srli t1, t1, 1
  beq t1, t0, 1f
  j _fail                     /* arrived at the wrong entry */
1:
  ori t2, t1, 0x200
  la t6, log_ptr
  ld t1, 0(t6)
  sd t2, 0(t1)
  addi t1, t1, 8
  sd t1, 0(t6)
  li t2, 1
  sll t2, t2, t0
  csrc mie, t2
  la t6, save
  ld t1, 0(t6)
  ld t2, 8(t6)
  csrr t0, mscratch
  mret

  .align 8
svec:
  .irp c, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
  SVEC_ENTRY \c
  .endr
  .irp c, 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15
  SVEC_STUB \c
  .endr
svec_common:
  la t6, save_s
  sd t1, 0(t6)
  sd t2, 8(t6)
  csrr t1, scause
  slli t1, t1, 1
  srli t1, t1, 1
  beq t1, t0, 1f
  j _fail
1:
  ori t2, t1, 0x300
  la t6, log_ptr
  ld t1, 0(t6)
  sd t2, 0(t1)
  addi t1, t1, 8
  sd t1, 0(t6)
  li t2, 1
  sll t2, t2, t0
  csrc sie, t2
  la t6, save_s
  ld t1, 0(t6)
  ld t2, 8(t6)
  csrr t0, sscratch
  sret
TEST_END

  .data
  .align 3
log_ptr: .dword 0
log:     .zero 64
save:    .zero 32
save_s:  .zero 32
