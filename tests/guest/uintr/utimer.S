/* The user timer (hartlab extension, one hart): CSR utimecmp (0x8C0) raises UTIP (mip bit 4)
 * while time >= utimecmp. Delegated to U (mideleg + sideleg bit 4) and enabled (uie, UIE), it
 * interrupts a busy loop in U at the programmed time: never before (the handler's `time` is
 * >= utimecmp) and not late (the loop, reading `time` on every iteration, never sees a value
 * beyond utimecmp without the interrupt having been taken; the handler's `time` is at most one
 * tick past it). A compare value in the past interrupts right after the CSR write. With UIE =
 * 0 UTIP stays pending; it cannot be cleared through uip, only by a later compare value.
 * Moving mtime (CLINT) to just before utimecmp brings the interrupt forward; moving it back
 * lowers UTIP.
 * A hart asleep in WFI (in M, interrupts off) wakes when the compare time comes. Delegated to
 * S only, UTI is an S interrupt. */
#include "test.h"
#include "uintr.h"

#define DELAY_TICKS 300

TEST_BEGIN
  U_SETUP urec
  DELEG_U_IRQ MIP_UTIP
  li a0, MIP_UTIP
  csrw mie, a0
  csrw mstatus, zero

  /* ---- at the programmed time ---- */
  TEST 1
  DELEG_U_IRQ MIP_USIP
  ENTER_MODE PRV_U, 1f
1:
  csrsi CSR_USTATUS, USTATUS_UIE
  /* warm the handler's code up with a self interrupt (cold, its instruction-cache misses
   * would delay its reading of `time` by more than a tick) */
  csrsi CSR_UIE, MIP_USIP
  csrsi CSR_UIP, MIP_USIP
  csrci CSR_UIP, MIP_USIP
  ASSERT_UCOUNT 1
  UREC_RESET
  csrr s2, time
  addi s3, s2, DELAY_TICKS
  csrw CSR_UTIMECMP, s3
  csrr a0, CSR_UIP
  ASSERT_EQ a0, 0
t1_loop:
  csrr a1, time
  csrr a2, CSR_USCRATCH
  ld a2, UREC_COUNT(a2)
  bnez a2, t1_done
  bleu a1, s3, t1_loop
  /* time is past utimecmp and no interrupt yet: late */
  j _fail
t1_done:
  TEST 2
  ASSERT_UREC UREC_CAUSE, IRQ_BIT | IRQ_U_TIMER
  /* not before the compare time, at most one tick after */
  UREC_LOAD a3, UREC_TIME
  ASSERT_LEU s3, a3
  addi a4, s3, 1
  ASSERT_LEU a3, a4
  /* taken inside the loop */
  UREC_LOAD a3, UREC_EPC
  la a4, t1_loop
  ASSERT_LEU a4, a3
  la a4, t1_done
  ASSERT_LTU a3, a4
  TEST 3
  /* still pending (time >= utimecmp), masked in uie by the handler; a later compare clears */
  csrr a0, CSR_UIP
  ASSERT_EQ a0, MIP_UTIP
  csrci CSR_UIP, MIP_UTIP
  csrr a0, CSR_UIP
  ASSERT_EQ a0, MIP_UTIP
  li a0, -1
  csrw CSR_UTIMECMP, a0
  csrr a0, CSR_UIP
  ASSERT_EQ a0, 0

  /* ---- a compare value in the past ---- */
  TEST 10
  csrsi CSR_UIE, MIP_UTIP
  ASSERT_UCOUNT 1
  csrw CSR_UTIMECMP, zero
t10_next:
  ASSERT_UCOUNT 2
  ASSERT_UREC_ADDR UREC_EPC, t10_next
  TEST 11
  /* UIE = 0: pending, not taken */
  csrci CSR_USTATUS, USTATUS_UIE
  csrsi CSR_UIE, MIP_UTIP
  nop
  nop
  ASSERT_UCOUNT 2
  csrr a0, CSR_UIP
  ASSERT_EQ a0, MIP_UTIP
  /* a compare value in the future clears it */
  csrr a1, time
  li a2, 1000000
  add a1, a1, a2
  csrw CSR_UTIMECMP, a1
  csrr a0, CSR_UIP
  ASSERT_EQ a0, 0
  li a0, -1
  csrw CSR_UTIMECMP, a0
  ECALL_TO_M 1f
1:

  /* ---- mtime written ---- */
  TEST 15
  /* a compare value far ahead; M moves mtime to just before it: the interrupt comes then */
  li a0, MIP_UTIP
  csrw mie, a0
  csrr s2, time
  li a1, 1000000
  add s3, s2, a1
  csrw CSR_UTIMECMP, s3
  UREC_RESET
  ENTER_MODE PRV_U, 1f
1:
  csrsi CSR_USTATUS, USTATUS_UIE
  ECALL_TO_M 1f
1:
  li a0, CLINT_MTIME
  addi a1, s3, -3
  sd a1, 0(a0)
  ENTER_MODE PRV_U, t15_loop
t15_loop:
  csrr a1, time
  csrr a2, CSR_USCRATCH
  ld a2, UREC_COUNT(a2)
  bnez a2, t15_done
  bleu a1, s3, t15_loop
  j _fail
t15_done:
  ASSERT_UREC UREC_CAUSE, IRQ_BIT | IRQ_U_TIMER
  UREC_LOAD a3, UREC_TIME
  ASSERT_LEU s3, a3
  addi a4, s3, 1
  ASSERT_LEU a3, a4
  ECALL_TO_M 1f
1:
  TEST 16
  /* mtime moved back below utimecmp: UTIP falls */
  ASSERT_CSR mip, MIP_UTIP
  li a0, CLINT_MTIME
  addi a1, s3, -100
  sd a1, 0(a0)
  ASSERT_CSR mip, 0
  li a0, -1
  csrw CSR_UTIMECMP, a0

  /* ---- WFI wakes at the compare time ---- */
  TEST 20
  csrw mstatus, zero
  li a0, MIP_UTIP
  csrw mie, a0
  csrr s2, time
  addi s3, s2, 500
  csrw CSR_UTIMECMP, s3
2:
  wfi
  csrr a0, mip
  andi a0, a0, MIP_UTIP
  beqz a0, 2b
  csrr a1, time
  ASSERT_LEU s3, a1
  addi a2, s3, 1
  ASSERT_LEU a1, a2
  li a0, -1
  csrw CSR_UTIMECMP, a0

  /* ---- delegated to S only ---- */
  TEST 30
  csrw CSR_SIDELEG, zero
  li a0, MIP_UTIP
  csrw mie, a0
  csrw CSR_UTIMECMP, zero
  EXPECT_TRAP (IRQ_BIT | IRQ_U_TIMER), t30_u, t30_after, mode=PRV_S, rmode=PRV_U
  ENTER_MODE PRV_U, t30_u
t30_u:
  j _fail
t30_after:
  ASSERT_TRAPPED
  ASSERT_UCOUNT 1
  li a0, -1
  csrw CSR_UTIMECMP, a0
  ECALL_TO_M 1f
1:
  TEST_PASS
  U_RUNTIME
TEST_END

  .data
  .align 6
urec: .zero UREC_SIZE
