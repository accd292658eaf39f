/* PLIC context numbering with two harts, built twice: without USER_CONTEXTS for the default
 * machine (QEMU virt: context 2h = hart h's M mode, 2h + 1 its S mode, so context 2 is hart
 * 1's M context and 3 its S context), with -DUSER_CONTEXTS for `[plic] user_contexts = true`
 * (context 3h + {0 M, 1 S, 2 U}: context 2 is hart 0's U context, 3 hart 1's M, 4 hart 1's
 * S, 5 hart 1's U). The UART (source 10, THR-empty interrupt) is enabled in one context at a
 * time; hart 0 checks its own mip and the mip that hart 1 keeps copying to `h1_mip` (hart 1
 * loops in M with interrupts off). A claim through any context returns the source. */
#define HL_MULTIHART
#include "test.h"
#include "uintr.h"

#define SPINS 200000
#define EIP_ALL (MIP_MEIP | MIP_SEIP | MIP_UEIP)

/* contexts, and what context 2 drives on hart 0 / hart 1 */
#ifdef USER_CONTEXTS
#define CONTEXTS 6
#define EIP2_0 MIP_UEIP
#define EIP2_1 0
#else
#define CONTEXTS 4
#define EIP2_0 0
#define EIP2_1 MIP_MEIP
#endif

/* Enable the UART in context c only (enable registers of all contexts rewritten). */
.macro ONLY_CTX c
  .irp k, 0, 1, 2, 3, 4, 5
    .if \k < CONTEXTS
      .if \k == \c
        W32 PLIC_ENABLE(\k), (1 << UART_IRQ)
      .else
        W32 PLIC_ENABLE(\k), 0
      .endif
    .endif
  .endr
.endm

/* hart 0's external-interrupt bits == val */
.macro ASSERT_EIP0 val
  csrr a2, mip
  ASSERT_MASKED a2, EIP_ALL, \val
.endm

/* wait until hart 1's external-interrupt bits == val. Clobbers t1-t4. */
.macro WAIT_EIP1 val
  la t1, h1_mip
  li t3, SPINS
.Lw\@:
  ld t4, 0(t1)
  li t2, EIP_ALL
  and t4, t4, t2
  li t2, \val
  beq t4, t2, .Lwok\@
  addi t3, t3, -1
  bnez t3, .Lw\@
  j _fail
.Lwok\@:
.endm

/* context c drives hart 0's bits e0 and hart 1's bits e1 */
.macro CHECK_CTX c, e0, e1
  ONLY_CTX \c
  ASSERT_EIP0 \e0
  WAIT_EIP1 \e1
.endm

TEST_BEGIN
  csrw mie, zero
  csrw mstatus, zero
  UART_IER_W 0
  W32 PLIC_PRIO(UART_IRQ), 1
  .irp k, 0, 1, 2, 3, 4, 5
    .if \k < CONTEXTS
      W32 PLIC_THRESH(\k), 0
    .endif
  .endr
  ONLY_CTX 99
  UART_IER_W IER_ETBEI
  TEST 1
  /* nothing enabled: no request anywhere */
  ASSERT_EIP0 0
  WAIT_EIP1 0
  TEST 2
  CHECK_CTX 0, MIP_MEIP, 0
  TEST 3
  CHECK_CTX 1, MIP_SEIP, 0
#ifdef USER_CONTEXTS
  TEST 4
  CHECK_CTX 2, MIP_UEIP, 0
  TEST 5
  CHECK_CTX 3, 0, MIP_MEIP
  TEST 6
  CHECK_CTX 4, 0, MIP_SEIP
  TEST 7
  CHECK_CTX 5, 0, MIP_UEIP
#else
  TEST 4
  CHECK_CTX 2, 0, MIP_MEIP
  TEST 5
  CHECK_CTX 3, 0, MIP_SEIP
#endif
  TEST 10
  /* a claim through context 2 returns the source and drops the request */
  CHECK_CTX 2, EIP2_0, EIP2_1
  R32 a2, PLIC_CLAIM(2)
  ASSERT_EQ a2, UART_IRQ
  ASSERT_EIP0 0
  WAIT_EIP1 0
  UART_IER_W 0
  W32 PLIC_CLAIM(2), UART_IRQ
  ONLY_CTX 99
  W32 PLIC_PRIO(UART_IRQ), 0
  TEST_PASS

/* hart 1: copy mip to h1_mip forever */
  .align 2
_hl_secondary:
  csrw mie, zero
  csrw mstatus, zero
  la t1, h1_mip
1:
  csrr t2, mip
  sd t2, 0(t1)
  j 1b
TEST_END

  .data
  .balign 64
h1_mip: .dword -1
