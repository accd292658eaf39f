/* A user IPI wakes a sleeping hart (one hart; built with -DVIS=<cycles> for a machine with
 * `[uintr] send_visibility_cycles = VIS`). M sends to its own slot (uipi from M), finds USIP
 * not yet visible, and sleeps in WFI (interrupts off in M, USIP delegated to U and enabled):
 * with the only hart asleep, the machine must wake it when the line becomes visible, VIS
 * cycles after the send (not earlier, and not much later). An MRET into U then takes the
 * interrupt at the first U instruction. */
#include "test.h"
#include "uintr.h"

#ifndef VIS
#error "build with -DVIS=<send_visibility_cycles>"
#endif

TEST_BEGIN
  la a0, uist
  srli a0, a0, 12
  li a1, UINTR_EN | SUIST_PAGES(1)
  or a0, a0, a1
  csrw CSR_SUIST, a0
  li a0, UINTR_EN | 0
  csrw CSR_SUIRS, a0
  SD64 UINTC_SLOT(0) + UINTC_LOW, UINTC_LOWV(1, 0)
  U_SETUP urec
  DELEG_U_IRQ MIP_USIP
  li a0, MIP_USIP
  csrw mie, a0
  csrw mstatus, zero
  li s3, 0

  TEST 1
  /* the table line in L1 (the SEND leaves when the table read returns) */
  la a0, uist
  ld a0, 0(a0)
  csrr s2, cycle
  UIPI_SEND s3
  csrr a0, mip
  ASSERT_EQ a0, 0
  TEST 2
1:
  wfi
  csrr a0, mip
  andi a0, a0, MIP_USIP
  beqz a0, 1b
  csrr s4, cycle
  sub s4, s4, s2
  li a1, VIS
  ASSERT_LEU a1, s4
  addi a1, a1, 40
  ASSERT_LEU s4, a1
  TEST 3
  csrsi CSR_USTATUS, USTATUS_UIE
  ENTER_MODE PRV_U, t3_u
t3_u:
  ASSERT_UCOUNT 1
  ASSERT_UREC_ADDR UREC_EPC, t3_u
  UIPI_READ a2
  ASSERT_EQ a2, (1 << 1)
  ECALL_TO_M 1f
1:
  TEST_PASS
  U_RUNTIME
TEST_END

  .data
  .align 6
urec: .zero UREC_SIZE
  .balign 4096
uist:
  .dword UISTE(1, 1, 0)
  .balign 4096
