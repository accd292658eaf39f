/* User interrupts outside U (one hart): delegated to U (mideleg + sideleg), pending and
 * enabled (uie, ustatus.UIE = 1), they are not taken in S (even with sstatus.SIE = 1) or in M
 * (even with mstatus.MIE = 1) and stay pending; an SRET into U takes them at the first U
 * instruction (uepc = sepc's target) without touching S's trap state. Delegated to S only
 * (mideleg without sideleg) a user interrupt is an S interrupt (scause = interrupt | code),
 * taken from U and from S with SIE; not delegated at all, an M interrupt. */
#include "test.h"
#include "uintr.h"

TEST_BEGIN
  U_SETUP urec
  DELEG_U_IRQ MIP_U_ALL
  li a0, MIP_U_ALL
  csrw mie, a0
  li a0, MSTATUS_UIE
  csrw mstatus, a0

  /* ---- not taken in S ---- */
  TEST 1
  ENTER_MODE PRV_S, 1f
1:
  csrsi sstatus, MSTATUS_SIE
  li a0, MIP_USIP | MIP_UEIP
  csrs sip, a0
  nop
  nop
  nop
  csrr a1, sip
  csrr a2, CSR_UIP
  csrr a3, CSR_USTATUS
  ASSERT_EQ a1, MIP_USIP | MIP_UEIP
  ASSERT_EQ a2, MIP_USIP | MIP_UEIP
  ASSERT_EQ a3, USTATUS_UIE
  ASSERT_UCOUNT 0
  TEST 2
  /* SRET into U: taken at the first U instruction, UEI first */
  li a0, 0x77
  csrw scause, a0
  S_ENTER_U t2_u
t2_u:
  ASSERT_UCOUNT 2
  ASSERT_ULOG 0, IRQ_BIT | IRQ_U_EXT
  ASSERT_ULOG 1, IRQ_BIT | IRQ_U_SOFT
  ASSERT_UREC_ADDR UREC_EPC, t2_u
  ECALL_TO_M 1f
1:
  TEST 3
  ASSERT_CSR scause, 0x77
  csrr a0, sepc
  ASSERT_ADDR a0, t2_u

  /* ---- not taken in M ---- */
  TEST 10
  UREC_RESET
  li a0, MIP_U_ALL
  csrw mie, a0
  csrw mip, a0
  li a0, MSTATUS_UIE | MSTATUS_MIE
  csrw mstatus, a0
  nop
  nop
  nop
  ASSERT_UCOUNT 0
  ASSERT_CSR mip, MIP_U_ALL
  /* ...and the MRET into U takes all three */
  TEST 11
  ENTER_MODE PRV_U, t11_u
t11_u:
  ASSERT_UCOUNT 3
  ASSERT_ULOG 0, IRQ_BIT | IRQ_U_EXT
  ASSERT_ULOG 1, IRQ_BIT | IRQ_U_SOFT
  ASSERT_ULOG 2, IRQ_BIT | IRQ_U_TIMER
  ECALL_TO_M 1f
1:
  csrw mip, zero

  /* ---- UIE = 0 in U: pending ---- */
  TEST 20
  UREC_RESET
  li a0, MIP_U_ALL
  csrw mie, a0
  csrw mstatus, zero
  ENTER_MODE PRV_U, 1f
1:
  csrsi CSR_UIP, MIP_USIP
  nop
  nop
  ASSERT_UCOUNT 0
  csrci CSR_UIP, MIP_USIP
  ECALL_TO_M 1f
1:

  /* ---- delegated to S only ---- */
  TEST 30
  csrw CSR_SIDELEG, zero
  li a0, MIP_USIP
  csrw mie, a0
  csrw mip, a0
  csrw mstatus, zero
  /* from U (S interrupts are always enabled in U) */
  EXPECT_TRAP (IRQ_BIT | IRQ_U_SOFT), t30_u, t30_after, mode=PRV_S, rmode=PRV_U
  ENTER_MODE PRV_U, t30_u
t30_u:
  j _fail
t30_after:
  ASSERT_TRAPPED
  ASSERT_UCOUNT 0
  ECALL_TO_M 1f
1:
  TEST 31
  /* from S with SIE */
  li a0, MIP_USIP
  csrw mie, a0
  ENTER_MODE PRV_S, 1f
1:
  nop
  ASSERT_UCOUNT 0
  EXPECT_TRAP (IRQ_BIT | IRQ_U_SOFT), t31_s, t31_after, mode=PRV_S
  csrsi sstatus, MSTATUS_SIE
t31_s:
  j _fail
t31_after:
  ASSERT_TRAPPED
  ECALL_TO_M 1f
1:
  csrw mip, zero

  /* ---- not delegated ---- */
  TEST 40
  csrw mstatus, zero
  csrw mideleg, zero
  li a0, MIP_UTIP
  csrw mie, a0
  csrw mip, a0
  EXPECT_TRAP (IRQ_BIT | IRQ_U_TIMER), t40_u, t40_after, rmode=PRV_M
  ENTER_MODE PRV_U, t40_u
t40_u:
  j _fail
t40_after:
  ASSERT_TRAPPED
  TEST 41
  /* in M with MIE */
  li a0, MIP_UTIP
  csrw mie, a0
  EXPECT_TRAP (IRQ_BIT | IRQ_U_TIMER), t41_m, t41_after
  csrsi mstatus, MSTATUS_MIE
t41_m:
  j _fail
t41_after:
  ASSERT_TRAPPED
  csrci mstatus, MSTATUS_MIE
  csrw mip, zero
  ASSERT_UCOUNT 0
  TEST_PASS
  U_RUNTIME
TEST_END

  .data
  .align 6
urec: .zero UREC_SIZE
