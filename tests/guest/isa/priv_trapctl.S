/* mstatus trap controls: TSR (SRET in S illegal, SRET in M still fine), TW (WFI in S illegal
 * when TW = 1, fine when TW = 0), WFI in U always illegal, TVM (satp reads / writes and
 * SFENCE.VMA in S illegal when TVM = 1, fine when 0, M unaffected). Illegal-instruction traps
 * report mtval = the encoding. */
#include "test.h"

TEST_BEGIN
  /* ---- TSR ---- */
  TEST 1
  li a0, MSTATUS_TSR
  csrw mstatus, a0
  ENTER_MODE PRV_S, 1f
1:
  la a1, 2f
  csrw sepc, a1
  TRAP_ILLEGAL sret
  ECALL_TO_M 1f
2:
  j _fail
1:
  TEST 2
  /* SRET in M ignores TSR */
  li a0, MSTATUS_TSR | MSTATUS_SPP
  csrw mstatus, a0
  la a1, 1f
  csrw sepc, a1
  sret
  j _fail
1:
  csrr a0, sstatus             /* in S now */
  ECALL_TO_M 1f
1:
  TEST 3
  /* TSR = 0: SRET in S works */
  csrw mstatus, zero
  ENTER_MODE PRV_S, 1f
1:
  li a0, MSTATUS_SPP
  csrs sstatus, a0
  la a1, 2f
  csrw sepc, a1
  sret
  j _fail
2:
  ECALL_TO_M 1f
1:

  /* ---- TW / WFI ---- */
  /* WFI is given a locally enabled pending interrupt so that it completes at once: SSIP
   * delegated to S, enabled in sie, sstatus.SIE = 0 (so it is never taken) */
  TEST 10
  li a0, MIP_SSIP
  csrw mideleg, a0
  csrw mie, a0
  csrw mip, a0
  li a0, MSTATUS_TW
  csrw mstatus, a0
  ENTER_MODE PRV_S, 1f
1:
  TRAP_ILLEGAL wfi
  ECALL_TO_M 1f
1:
  TEST 11
  csrw mstatus, zero
  ENTER_MODE PRV_S, 1f
1:
  wfi
  ECALL_TO_M 1f
1:
  TEST 12
  /* U: illegal whatever TW (and before any waiting: nothing is pending here) */
  csrw mip, zero
  ENTER_MODE PRV_U, 1f
1:
  TRAP_ILLEGAL wfi
  ECALL_TO_M 1f
1:
  li a0, MSTATUS_TW
  csrw mstatus, a0
  ENTER_MODE PRV_U, 1f
1:
  TRAP_ILLEGAL wfi
  ECALL_TO_M 1f
1:
  TEST 13
  /* M: TW does not apply (woken by MSIP, enabled in mie, MIE = 0) */
  csrw mideleg, zero
  li a0, MSTATUS_TW
  csrw mstatus, a0
  li a0, MIP_MSIP
  csrw mie, a0
  li a1, CLINT_MSIP
  li a2, 1
  sw a2, 0(a1)
  wfi
  sw zero, 0(a1)
  csrw mstatus, zero
  csrw mie, zero

  /* ---- TVM ---- */
  TEST 20
  li a0, MSTATUS_TVM
  csrw mstatus, a0
  ENTER_MODE PRV_S, 1f
1:
  TRAP_ILLEGAL csrr a0, satp
  TRAP_ILLEGAL csrw satp, zero
  TRAP_ILLEGAL csrrs a0, satp, zero
  TRAP_ILLEGAL sfence.vma
  TRAP_ILLEGAL sfence.vma a0, zero
  ECALL_TO_M 1f
1:
  TEST 21
  /* M is not affected */
  csrr a0, satp
  csrw satp, zero
  sfence.vma
  TEST 22
  csrw mstatus, zero
  ENTER_MODE PRV_S, 1f
1:
  csrr a0, satp
  ASSERT_EQ a0, 0
  csrw satp, zero
  sfence.vma
  sfence.vma a0, zero
  ECALL_TO_M 1f
1:
  TEST 23
  /* SFENCE.VMA in U is illegal regardless of TVM */
  ENTER_MODE PRV_U, 1f
1:
  TRAP_ILLEGAL sfence.vma
  ECALL_TO_M 1f
1:

  TEST_PASS
TEST_END
