/* PLIC U contexts (profile N1; run with one hart and `[plic] user_contexts = true`): context
 * 2 is hart 0's U context, driving mip.UEIP (bit 8), next to context 0 (M, MEIP) and 1 (S,
 * SEIP). The UART (source 10, THR-empty interrupt) is the device.
 *
 * Context 2's enable and threshold registers; its output on UEIP alone; UEI delegated to U
 * (mideleg + sideleg) and enabled (uie, ustatus.UIE) taken in U with ucause = interrupt | 8;
 * claim and complete from U through context 2's claim register (claim returns 10 and drops
 * UEIP, a second claim returns 0; a completion with the line still high raises UEIP again and
 * the interrupt is taken again; after U silences the device, a completion leaves nothing);
 * mip.UEIP being the OR of M's software bit and the PLIC output; a claim through context 0
 * taking the source away from context 2 too. */
#include "test.h"
#include "uintr.h"

#define CTX_M 0
#define CTX_S 1
#define CTX_U 2

.macro ASSERT_EIP val
  csrr a2, mip
  ASSERT_MASKED a2, MIP_MEIP | MIP_SEIP | MIP_UEIP, \val
.endm

TEST_BEGIN
  csrw mie, zero
  csrw mstatus, zero
  UART_IER_W 0
  W32 PLIC_PRIO(UART_IRQ), 1
  W32 PLIC_ENABLE(CTX_M), 0
  W32 PLIC_ENABLE(CTX_S), 0
  W32 PLIC_ENABLE(CTX_U), 0
  W32 PLIC_THRESH(CTX_M), 0
  W32 PLIC_THRESH(CTX_S), 0
  W32 PLIC_THRESH(CTX_U), 0

  /* ---- context 2's registers ---- */
  TEST 1
  W32 PLIC_ENABLE(CTX_U), (1 << UART_IRQ)
  R32 a2, PLIC_ENABLE(CTX_U)
  ASSERT_EQ a2, (1 << UART_IRQ)
  R32 a2, PLIC_ENABLE(CTX_M)
  ASSERT_EQ a2, 0
  W32 PLIC_ENABLE(CTX_U), 0
  W32 PLIC_THRESH(CTX_U), 5
  R32 a2, PLIC_THRESH(CTX_U)
  ASSERT_EQ a2, 5
  R32 a2, PLIC_THRESH(CTX_S)
  ASSERT_EQ a2, 0
  W32 PLIC_THRESH(CTX_U), 0

  /* ---- its output is UEIP ---- */
  TEST 2
  UART_IER_W IER_ETBEI
  ASSERT_EIP 0
  W32 PLIC_ENABLE(CTX_U), (1 << UART_IRQ)
  ASSERT_EIP MIP_UEIP
  W32 PLIC_ENABLE(CTX_U), 0
  ASSERT_EIP 0
  W32 PLIC_ENABLE(CTX_M), (1 << UART_IRQ)
  ASSERT_EIP MIP_MEIP
  W32 PLIC_ENABLE(CTX_M), 0
  W32 PLIC_ENABLE(CTX_S), (1 << UART_IRQ)
  ASSERT_EIP MIP_SEIP
  W32 PLIC_ENABLE(CTX_S), 0
  W32 PLIC_ENABLE(CTX_U), (1 << UART_IRQ)
  ASSERT_EIP MIP_UEIP
  TEST 3
  /* threshold masking */
  W32 PLIC_THRESH(CTX_U), 1
  ASSERT_EIP 0
  R32 a2, PLIC_CLAIM(CTX_U)
  ASSERT_EQ a2, 0
  W32 PLIC_THRESH(CTX_U), 0
  ASSERT_EIP MIP_UEIP

  /* ---- UEI taken in U, claimed and completed from U ---- */
  TEST 10
  U_SETUP urec
  DELEG_U_IRQ MIP_UEIP
  li a0, MIP_UEIP
  csrw mie, a0
  ENTER_MODE PRV_U, 1f
1:
  csrr a2, CSR_UIP
  ASSERT_EQ a2, MIP_UEIP
  ASSERT_UCOUNT 0
  csrsi CSR_USTATUS, USTATUS_UIE
t10_next:
  ASSERT_UCOUNT 1
  ASSERT_UREC UREC_CAUSE, IRQ_BIT | IRQ_U_EXT
  ASSERT_UREC_ADDR UREC_EPC, t10_next
  ASSERT_UREC UREC_TVAL, 0
  TEST 11
  /* taking it did not claim it */
  csrr a2, CSR_UIP
  ASSERT_EQ a2, MIP_UEIP
  R32 a2, PLIC_CLAIM(CTX_U)
  ASSERT_EQ a2, UART_IRQ
  csrr a2, CSR_UIP
  ASSERT_EQ a2, 0
  R32 a2, PLIC_CLAIM(CTX_U)
  ASSERT_EQ a2, 0
  TEST 12
  /* completed with the line still high: requested (and taken) again */
  W32 PLIC_CLAIM(CTX_U), UART_IRQ
  csrr a2, CSR_UIP
  ASSERT_EQ a2, MIP_UEIP
  li a0, MIP_UEIP
  csrs CSR_UIE, a0
t12_next:
  ASSERT_UCOUNT 2
  ASSERT_UREC_ADDR UREC_EPC, t12_next
  R32 a2, PLIC_CLAIM(CTX_U)
  ASSERT_EQ a2, UART_IRQ
  TEST 13
  /* U silences the device, then completes: nothing left */
  li a0, UART_IER
  sb zero, 0(a0)
  W32 PLIC_CLAIM(CTX_U), UART_IRQ
  csrr a2, CSR_UIP
  ASSERT_EQ a2, 0
  R32 a2, PLIC_CLAIM(CTX_U)
  ASSERT_EQ a2, 0
  ECALL_TO_M 1f
1:
  ASSERT_EIP 0

  /* ---- UEIP = software bit | PLIC output ---- */
  TEST 20
  li a0, MIP_UEIP
  csrs mip, a0
  ASSERT_EIP MIP_UEIP
  csrr a2, CSR_UIP
  ASSERT_EQ a2, MIP_UEIP
  UART_IER_W IER_ETBEI
  ASSERT_EIP MIP_UEIP
  li a0, MIP_UEIP
  csrc mip, a0
  ASSERT_EIP MIP_UEIP
  /* (a pending source stays pending when its line drops, until claimed) */
  R32 a2, PLIC_CLAIM(CTX_U)
  ASSERT_EQ a2, UART_IRQ
  ASSERT_EIP 0
  UART_IER_W 0
  W32 PLIC_CLAIM(CTX_U), UART_IRQ
  ASSERT_EIP 0

  /* ---- a claim through context 0 takes the source from context 2 too ---- */
  TEST 30
  W32 PLIC_ENABLE(CTX_M), (1 << UART_IRQ)
  UART_IER_W IER_ETBEI
  ASSERT_EIP MIP_MEIP | MIP_UEIP
  R32 a2, PLIC_CLAIM(CTX_M)
  ASSERT_EQ a2, UART_IRQ
  ASSERT_EIP 0
  R32 a2, PLIC_CLAIM(CTX_U)
  ASSERT_EQ a2, 0
  UART_IER_W 0
  W32 PLIC_CLAIM(CTX_M), UART_IRQ
  ASSERT_EIP 0
  W32 PLIC_ENABLE(CTX_M), 0
  W32 PLIC_ENABLE(CTX_U), 0
  W32 PLIC_PRIO(UART_IRQ), 0
  TEST_PASS
  U_RUNTIME
TEST_END

  .data
  .align 6
urec: .zero UREC_SIZE
