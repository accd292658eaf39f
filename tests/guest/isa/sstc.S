/* Sstc: menvcfg.STCE enables stimecmp (CSR 0x14D); mip.STIP then follows time >= stimecmp and
 * is no longer writable through mip; S may access stimecmp only when menvcfg.STCE and
 * mcounteren.TM are both set (else illegal instruction, mtval = encoding), M always; an S
 * timer interrupt delegated to S is raised by S's own stimecmp, and WFI in S wakes on it; with
 * STCE clear, STIP is software-writable again. */
#include "test.h"

/* a0 = time + delta */
.macro TIME_PLUS delta
  csrr a0, time
  li t6, \delta
  add a0, a0, t6
.endm

TEST_BEGIN
  li a0, CLINT_MTIMECMP
  li a1, -1
  sd a1, 0(a0)
  csrw mip, zero

  TEST 1
  li a0, MENVCFG_STCE
  csrs CSR_MENVCFG, a0
  csrr a1, CSR_MENVCFG
  ASSERT_MASKED a1, MENVCFG_STCE, MENVCFG_STCE
  TEST 2
  /* STIP follows the comparison */
  li a0, -1
  csrw CSR_STIMECMP, a0
  csrr a1, CSR_STIMECMP
  ASSERT_EQ a1, -1
  csrr a1, mip
  ASSERT_MASKED a1, MIP_STIP, 0
  csrw CSR_STIMECMP, zero
  csrr a1, mip
  ASSERT_MASKED a1, MIP_STIP, MIP_STIP
  TIME_PLUS 1000000000
  csrw CSR_STIMECMP, a0
  csrr a1, mip
  ASSERT_MASKED a1, MIP_STIP, 0
  TEST 3
  /* ...and cannot be written through mip */
  li a0, MIP_STIP
  csrs mip, a0
  csrr a1, mip
  ASSERT_MASKED a1, MIP_STIP, 0
  csrw CSR_STIMECMP, zero
  li a0, MIP_STIP
  csrc mip, a0
  csrr a1, mip
  ASSERT_MASKED a1, MIP_STIP, MIP_STIP
  li a0, -1
  csrw CSR_STIMECMP, a0

  /* ---- access from S ---- */
  TEST 10
  csrwi mcounteren, 2          /* TM */
  ENTER_MODE PRV_S, 1f
1:
  li a0, 0x123456789
  csrw CSR_STIMECMP, a0
  csrr a1, CSR_STIMECMP
  ASSERT_EQR a1, a0
  li a0, -1
  csrw CSR_STIMECMP, a0
  ECALL_TO_M 1f
1:
  TEST 11
  csrwi mcounteren, 0
  ENTER_MODE PRV_S, 1f
1:
  TRAP_ILLEGAL csrr a0, CSR_STIMECMP
  TRAP_ILLEGAL csrw CSR_STIMECMP, zero
  ECALL_TO_M 1f
1:
  TEST 12
  csrwi mcounteren, 2
  li a0, MENVCFG_STCE
  csrc CSR_MENVCFG, a0
  ENTER_MODE PRV_S, 1f
1:
  TRAP_ILLEGAL csrr a0, CSR_STIMECMP
  TRAP_ILLEGAL csrw CSR_STIMECMP, zero
  ECALL_TO_M 1f
1:
  TEST 13
  /* U never */
  li a0, MENVCFG_STCE
  csrs CSR_MENVCFG, a0
  csrwi scounteren, 2
  ENTER_MODE PRV_U, 1f
1:
  TRAP_ILLEGAL csrr a0, CSR_STIMECMP
  ECALL_TO_M 1f
1:

  /* ---- S timer interrupt from stimecmp ---- */
  TEST 20
  li a0, MIP_STIP
  csrw mideleg, a0
  csrw mie, a0
  ENTER_MODE PRV_S, 1f
1:
  TIME_PLUS 2000
  mv s0, a0
  csrw CSR_STIMECMP, a0
  EXPECT_TRAP (IRQ_BIT | IRQ_S_TIMER), ANY, 3f, mode=PRV_S
  csrsi sstatus, MSTATUS_SIE
2:
  j 2b
3:
  ASSERT_TRAPPED
  csrci sstatus, MSTATUS_SIE
  csrr a1, time
  ASSERT_LEU s0, a1
  csrr a1, sip
  ASSERT_MASKED a1, MIP_STIP, MIP_STIP
  /* moving stimecmp into the future clears it */
  li a0, -1
  csrw CSR_STIMECMP, a0
  csrr a1, sip
  ASSERT_MASKED a1, MIP_STIP, 0
  TEST 21
  /* WFI in S wakes when it fires (SIE = 0: no trap) */
  li a0, MIP_STIP
  csrs sie, a0
  TIME_PLUS 2000
  mv s0, a0
  csrw CSR_STIMECMP, a0
2:
  wfi
  csrr a1, sip
  andi a1, a1, MIP_STIP
  beqz a1, 2b
  csrr a1, time
  ASSERT_LEU s0, a1
  li a0, -1
  csrw CSR_STIMECMP, a0
  ECALL_TO_M 1f
1:
  csrw mie, zero
  csrw mideleg, zero

  /* ---- STCE = 0: STIP software-controlled again ---- */
  TEST 30
  csrw CSR_STIMECMP, zero      /* would fire if STCE were set */
  li a0, MENVCFG_STCE
  csrc CSR_MENVCFG, a0
  csrw mip, zero
  csrr a1, mip
  ASSERT_MASKED a1, MIP_STIP, 0
  li a0, MIP_STIP
  csrs mip, a0
  csrr a1, mip
  ASSERT_MASKED a1, MIP_STIP, MIP_STIP
  csrw mip, zero

  TEST_PASS
TEST_END
