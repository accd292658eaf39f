/* MRET / SRET: the privilege they return to (checked by the cause of an ECALL there), the
 * mstatus stack updates (MIE <- MPIE, MPIE <- 1, MPP <- U; SIE <- SPIE, SPIE <- 1, SPP <- U),
 * MPRV kept by an MRET to M (its clearing by an xRET below M is in the hartlab-only
 * priv_strict.S), SRET executed from M, MRET illegal in S and U, SRET illegal in U, xEPC[1]
 * writable, and the stack pushed by a trap from S and from U (MPP, MPIE, MIE). */
#include "test.h"

TEST_BEGIN
  /* ---- MRET to M: MIE <- MPIE, MPIE <- 1, MPP <- U ---- */
  TEST 1
  csrw mie, zero
  li a0, MSTATUS_MPP_M | MSTATUS_MIE      /* MPIE = 0, MIE = 1 */
  csrw mstatus, a0
  la a1, 1f
  csrw mepc, a1
  mret
  j _fail
1:
  csrr a0, mstatus
  ASSERT_MASKED a0, MSTATUS_MPP | MSTATUS_MPIE | MSTATUS_MIE, MSTATUS_MPIE
  TEST 2
  li a0, MSTATUS_MPP_M | MSTATUS_MPIE     /* MPIE = 1, MIE = 0 */
  csrw mstatus, a0
  la a1, 1f
  csrw mepc, a1
  mret
  j _fail
1:
  csrr a0, mstatus
  ASSERT_MASKED a0, MSTATUS_MPP | MSTATUS_MPIE | MSTATUS_MIE, MSTATUS_MPIE | MSTATUS_MIE
  csrw mstatus, zero
  TEST 3
  /* MRET to M keeps MPRV */
  li a0, MSTATUS_MPP_M | MSTATUS_MPRV
  csrw mstatus, a0
  la a1, 1f
  csrw mepc, a1
  mret
  j _fail
1:
  csrr a0, mstatus
  ASSERT_MASKED a0, MSTATUS_MPRV, MSTATUS_MPRV
  csrw mstatus, zero

  /* ---- MRET to S and U: the mode is the one an ECALL then reports ---- */
  TEST 4
  li a5, 0
  EXPECT_TRAP CAUSE_ECALL_S, 1f, 2f, tval=a5, rmode=PRV_M
  li a0, MSTATUS_MPP_S | MSTATUS_MPRV | MSTATUS_MPIE
  csrw mstatus, a0
  la a1, 1f
  csrw mepc, a1
  mret
  j _fail
1:
  ecall
  j _fail
2:
  ASSERT_TRAPPED
  /* at the ECALL: MPIE = MIE at the ecall (= old MPIE = 1). (MPRV, which the MRET to S must
   * clear, is checked in the hartlab-only priv_strict.S: QEMU 7.2 keeps it.) */
  REC_LOAD a0, REC_STATUS
  ASSERT_MASKED a0, MSTATUS_MPP | MSTATUS_MPIE | MSTATUS_MIE, MSTATUS_MPP_S | MSTATUS_MPIE
  TEST 5
  /* MPIE = MIE = 0: MIE <- 0, MPIE <- 1; at the ECALL MPIE <- MIE = 0 */
  EXPECT_TRAP CAUSE_ECALL_U, 1f, 2f, tval=a5, rmode=PRV_M
  csrw mstatus, zero
  la a1, 1f
  csrw mepc, a1
  mret
  j _fail
1:
  ecall
  j _fail
2:
  ASSERT_TRAPPED
  REC_LOAD a0, REC_STATUS
  ASSERT_MASKED a0, MSTATUS_MPP | MSTATUS_MPIE | MSTATUS_MIE, 0

  /* ---- SRET executed in M ---- */
  TEST 10
  /* to S with SPIE = 1, SIE = 0: afterwards SIE = 1, SPIE = 1, SPP = U */
  li a0, MSTATUS_SPP | MSTATUS_SPIE
  csrw mstatus, a0
  la a1, 1f
  csrw sepc, a1
  sret
  j _fail
1:
  csrr a0, sstatus            /* legal in S */
  ASSERT_MASKED a0, MSTATUS_SPP | MSTATUS_SPIE | MSTATUS_SIE, MSTATUS_SPIE | MSTATUS_SIE
  EXPECT_TRAP CAUSE_ECALL_S, 2f, 3f, tval=a5, rmode=PRV_M
2:
  ecall
  j _fail
3:
  ASSERT_TRAPPED
  TEST 11
  /* to U: SPP = 0; SIE = SPIE = 0 -> SIE 0, SPIE 1 */
  li a0, MSTATUS_SIE
  csrw mstatus, a0
  la a1, 1f
  csrw sepc, a1
  EXPECT_TRAP CAUSE_ECALL_U, 1f, 2f, tval=a5, rmode=PRV_M
  sret
  j _fail
1:
  ecall
  j _fail
2:
  ASSERT_TRAPPED
  REC_LOAD a0, REC_STATUS
  ASSERT_MASKED a0, MSTATUS_SPP | MSTATUS_SPIE | MSTATUS_SIE | MSTATUS_MPP, MSTATUS_SPIE

  /* ---- SRET in S ---- */
  TEST 12
  csrw mstatus, zero
  ENTER_MODE PRV_S, 1f
1:
  /* S -> S with SPIE = 0, SIE = 1 */
  li a0, MSTATUS_SPP | MSTATUS_SIE
  csrs sstatus, a0
  la a1, 1f
  csrw sepc, a1
  sret
  j _fail
1:
  csrr a0, sstatus
  ASSERT_MASKED a0, MSTATUS_SPP | MSTATUS_SPIE | MSTATUS_SIE, MSTATUS_SPIE
  TEST 13
  /* S -> U */
  EXPECT_TRAP CAUSE_ECALL_U, 1f, 2f, tval=a5, rmode=PRV_M
  li a0, MSTATUS_SPP
  csrc sstatus, a0
  la a1, 1f
  csrw sepc, a1
  sret
  j _fail
1:
  ecall
  j _fail
2:
  ASSERT_TRAPPED

  /* ---- MRET / SRET illegal below their level ---- */
  TEST 20
  csrw mstatus, zero
  ENTER_MODE PRV_S, 1f
1:
  TRAP_ILLEGAL mret
  ECALL_TO_M 1f
1:
  TEST 21
  ENTER_MODE PRV_U, 1f
1:
  TRAP_ILLEGAL mret
  TRAP_ILLEGAL sret
  ECALL_TO_M 1f
1:

  /* ---- trap stacks ---- */
  TEST 30
  /* from S with SIE = 1, then MRET back to S: SIE untouched by an M trap */
  csrw mstatus, zero
  ENTER_MODE PRV_S, 1f
1:
  csrsi sstatus, MSTATUS_SIE
  EXPECT_TRAP CAUSE_ECALL_S, 2f, 3f, tval=a5
2:
  ecall
  j _fail
3:
  ASSERT_TRAPPED
  csrr a0, sstatus
  ASSERT_MASKED a0, MSTATUS_SIE, MSTATUS_SIE
  csrci sstatus, MSTATUS_SIE
  ECALL_TO_M 1f
1:
  REC_LOAD a0, REC_STATUS
  ASSERT_MASKED a0, MSTATUS_MPP | MSTATUS_SIE, MSTATUS_MPP_S | MSTATUS_SIE

  /* ---- xEPC keeps bit 1 (IALIGN = 16 with C) ---- */
  TEST 40
  li a0, 0x80001002
  csrw mepc, a0
  csrr a1, mepc
  ASSERT_EQ a1, 0x80001002
  csrw sepc, a0
  csrr a1, sepc
  ASSERT_EQ a1, 0x80001002
  /* (xEPC[0] = 0 and MPP != 2 are in the hartlab-only priv_strict.S: QEMU 7.2 stores both) */

  TEST_PASS
TEST_END
