/* URET (0x00200073), one hart: legal in M, S and U; it sets UIE <- UPIE, UPIE <- 1, pc <-
 * uepc and the privilege to U (checked by an access to an M / S CSR trapping from U), clears
 * MPRV when leaving M, and leaves the M and S state (MIE, SIE, MPIE, SPP, SPIE) alone. A
 * user interrupt pending and enabled when URET sets UIE is taken at the URET's target. */
#include "test.h"
#include "uintr.h"

TEST_BEGIN
  U_SETUP urec
  csrw mie, zero

  /* ---- from M ---- */
  TEST 1
  li a0, MSTATUS_MIE | MSTATUS_SIE | MSTATUS_MPP_S | MSTATUS_MPRV | MSTATUS_UPIE
  csrw mstatus, a0
  la a0, t1_u
  csrw CSR_UEPC, a0
  URET
  j _fail
t1_u:
  csrr a0, CSR_USTATUS
  ASSERT_EQ a0, USTATUS_UIE | USTATUS_UPIE
  TRAP_ILLEGAL csrr a0, mstatus
  TEST 2
  /* trapped from U; MIE was still 1 (so MPIE = 1), SIE still 1 */
  REC_LOAD a0, REC_STATUS
  ASSERT_MASKED a0, MSTATUS_MPP | MSTATUS_MPIE | MSTATUS_SIE, MSTATUS_MPIE | MSTATUS_SIE
  ECALL_TO_M 1f
1:
  /* MPRV cleared on leaving M */
  csrr a0, mstatus
  ASSERT_MASKED a0, MSTATUS_MPRV, 0
  TEST 3
  /* UPIE = 0, UIE = 1: UIE <- 0, UPIE <- 1 */
  li a0, MSTATUS_UIE
  csrw mstatus, a0
  la a0, t3_u
  csrw CSR_UEPC, a0
  URET
  j _fail
t3_u:
  csrr a0, CSR_USTATUS
  ASSERT_EQ a0, USTATUS_UPIE
  TRAP_ILLEGAL csrr a0, mepc
  ECALL_TO_M 1f
1:

  /* ---- from S ---- */
  TEST 10
  li a0, MSTATUS_SPP | MSTATUS_SPIE
  csrw mstatus, a0
  ENTER_MODE PRV_S, 1f
1:
  la a0, t10_u
  csrw CSR_UEPC, a0
  csrwi CSR_USTATUS, USTATUS_UIE
  URET
  j _fail
t10_u:
  csrr a0, CSR_USTATUS
  ASSERT_EQ a0, USTATUS_UPIE
  TRAP_ILLEGAL csrr a0, sstatus
  REC_LOAD a0, REC_STATUS
  ASSERT_MASKED a0, MSTATUS_MPP, 0
  ECALL_TO_M 1f
1:
  TEST 11
  /* S's SPP / SPIE untouched */
  csrr a0, mstatus
  ASSERT_MASKED a0, MSTATUS_SPP | MSTATUS_SPIE, MSTATUS_SPP | MSTATUS_SPIE

  /* ---- from U ---- */
  TEST 20
  csrw mstatus, zero
  ENTER_MODE PRV_U, 1f
1:
  la a0, t20_target
  csrw CSR_UEPC, a0
  csrwi CSR_USTATUS, USTATUS_UPIE
  URET
  j _fail
t20_target:
  csrr a0, CSR_USTATUS
  ASSERT_EQ a0, USTATUS_UIE | USTATUS_UPIE
  TRAP_ILLEGAL csrr a0, mstatus
  REC_LOAD a0, REC_STATUS
  ASSERT_MASKED a0, MSTATUS_MPP, 0
  ASSERT_UCOUNT 0

  /* ---- a pending user interrupt meets URET ---- */
  TEST 30
  ECALL_TO_M 1f
1:
  DELEG_U_IRQ MIP_USIP
  li a0, MIP_USIP
  csrw mie, a0
  csrw mstatus, zero
  ENTER_MODE PRV_U, 1f
1:
  csrsi CSR_UIP, MIP_USIP
  nop
  ASSERT_UCOUNT 0
  la a0, t30_target
  csrw CSR_UEPC, a0
  csrwi CSR_USTATUS, USTATUS_UPIE
  URET
  j _fail
t30_target:
  ASSERT_UCOUNT 1
  ASSERT_UREC_ADDR UREC_EPC, t30_target
  ASSERT_UREC UREC_CAUSE, IRQ_BIT | IRQ_U_SOFT
  csrci CSR_UIP, MIP_USIP
  TEST 31
  /* the same from M */
  ECALL_TO_M 1f
1:
  UREC_RESET
  li a0, MIP_USIP
  csrw mie, a0
  csrs mip, a0
  li a0, MSTATUS_UPIE
  csrw mstatus, a0
  la a0, t31_target
  csrw CSR_UEPC, a0
  URET
  j _fail
t31_target:
  ASSERT_UCOUNT 1
  ASSERT_UREC_ADDR UREC_EPC, t31_target
  csrci CSR_UIP, MIP_USIP
  ECALL_TO_M 1f
1:
  TEST_PASS
  U_RUNTIME
TEST_END

  .data
  .align 6
urec: .zero UREC_SIZE
