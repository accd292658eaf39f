/* A user IPI to a lower-numbered hart (run with 2 harts, timed): hart 1 sends from U to hart
 * 0, which spins in U (`j .`) with UIE / USIE set; prints `reverse=0x...`, the cycles from
 * the send issuing (hart 1's `csrr cycle` right before it) to hart 0's handler's first
 * instruction (`csrr cycle`), for tests/user_interrupts.rs: the same cycles as to a
 * higher-numbered hart under exact interleaving, up to a quantum more under quantum
 * interleaving. */
#define HL_MULTIHART
#include "test.h"
#include "uintr.h"

#define SPINS 2000000

TEST_BEGIN
  TEST 1
  li a0, UINTR_EN | 0
  csrw CSR_SUIRS, a0
  SD64 UINTC_SLOT(0) + UINTC_LOW, UINTC_LOWV(1, 0)
  li a0, 7
  csrw mcounteren, a0
  csrw scounteren, a0
  li a0, MIP_USIP
  csrw mideleg, a0
  csrw CSR_SIDELEG, a0
  csrw mie, a0
  la a0, rev_utrap
  csrw CSR_UTVEC, a0
  csrw mstatus, zero
  ENTER_MODE PRV_U, 1f
1:
  csrsi CSR_USTATUS, USTATUS_UIE
  la a0, ready
  li a1, 1
  fence rw, w
  sd a1, 0(a0)
rev_spin:
  j rev_spin
rev_after:
  ECALL_TO_M 1f
1:
  TEST 2
  /* the vector arrived; hart 1 recorded its send cycle */
  ASSERT_EQ s5, (1 << 1)
  la a0, sent
  ld a1, 0(a0)
  ASSERT_NE a1, 0
  sub s4, s4, a1
  la a0, 9f
  call _hl_puts
  mv a0, s4
  call _hl_puthex
  li a0, '\n'
  call _hl_putc
  TEST_PASS
  .section .rodata
9: .asciz "reverse="
  .text

  .align 6
rev_utrap:
  csrr s4, cycle
  UIPI_READ s5
  la t1, rev_after
  csrw CSR_UEPC, t1
  URET

/* ---------- hart 1: the sender ---------- */
  .align 2
_hl_secondary:
  la t1, h1_mtrap
  csrw mtvec, t1
  li t1, -1
  csrw pmpaddr0, t1
  li t1, PMP_NAPOT | PMP_R | PMP_W | PMP_X
  csrw pmpcfg0, t1
  csrw mstatus, zero
  csrw mie, zero
  li t1, 7
  csrw mcounteren, t1
  csrw scounteren, t1
  la t1, uist
  srli t1, t1, 12
  li t2, UINTR_EN | SUIST_PAGES(1)
  or t1, t1, t2
  csrw CSR_SUIST, t1
  la t1, h1_u
  csrw mepc, t1
  mret
h1_u:
  /* the table line in L1 */
  la t1, uist
  ld t1, 0(t1)
  la t1, ready
  li t3, SPINS
1:
  ld t2, 0(t1)
  bnez t2, 2f
  addi t3, t3, -1
  bnez t3, 1b
  j h1_fail_u
2:
  li t1, 300
3:
  addi t1, t1, -1
  bnez t1, 3b
  li a0, 0
  csrr s2, cycle
  UIPI_SEND a0
  la t1, sent
  sd s2, 0(t1)
4:
  j 4b
h1_fail_u:
  ecall

/* any trap of hart 1 into M fails the run with status 200 */
  .align 6
h1_mtrap:
  li t1, (200 << 16) | FINISHER_FAIL
  li t2, FINISHER_BASE
  sw t1, 0(t2)
1:
  j 1b
TEST_END

  .data
  .balign 64
ready: .dword 0
  .balign 64
sent:  .dword 0
  .balign 4096
uist:
  .dword UISTE(1, 1, 0)
  .balign 4096
