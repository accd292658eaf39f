/* hartlab-only: privileged-spec rules QEMU 7.2 does not follow (each check below fails there).
 *  - An MRET or SRET that returns to a mode below M clears mstatus.MPRV (priv. 1.12, 3.1.6.3);
 *    QEMU 7.2 keeps it.
 *  - mepc[0] and sepc[0] are always zero (WARL); QEMU 7.2 stores bit 0.
 *  - mstatus.MPP cannot hold the reserved value 2 (WARL); QEMU 7.2 stores it.
 *  - CSRRS / CSRRC with rs1 != x0 are writes even when the register holds 0 (Zicsr), so on a
 *    read-only CSR they are illegal (mtval = encoding); QEMU 7.2 only traps on a nonzero value.
 *  - pmpaddr bits 63:54 are zero on RV64 (the register holds physical address bits 55:2);
 *    QEMU 7.2 stores all 64 bits.
 */
#include "test.h"

TEST_BEGIN
  /* ---- MPRV cleared by xRET below M ---- */
  TEST 1
  li a5, 0
  EXPECT_TRAP CAUSE_ECALL_S, 1f, 2f, tval=a5, rmode=PRV_M
  li a0, MSTATUS_MPP_S | MSTATUS_MPRV
  csrw mstatus, a0
  la a1, 1f
  csrw mepc, a1
  mret                        /* M -> S */
  j _fail
1:
  ecall
  j _fail
2:
  ASSERT_TRAPPED
  REC_LOAD a0, REC_STATUS
  ASSERT_MASKED a0, MSTATUS_MPRV | MSTATUS_MPP, MSTATUS_MPP_S
  TEST 2
  EXPECT_TRAP CAUSE_ECALL_U, 1f, 2f, tval=a5, rmode=PRV_M
  li a0, MSTATUS_MPRV
  csrw mstatus, a0
  la a1, 1f
  csrw mepc, a1
  mret                        /* M -> U */
  j _fail
1:
  ecall
  j _fail
2:
  ASSERT_TRAPPED
  REC_LOAD a0, REC_STATUS
  ASSERT_MASKED a0, MSTATUS_MPRV | MSTATUS_MPP, 0
  TEST 3
  EXPECT_TRAP CAUSE_ECALL_S, 1f, 2f, tval=a5, rmode=PRV_M
  li a0, MSTATUS_SPP | MSTATUS_MPRV
  csrw mstatus, a0
  la a1, 1f
  csrw sepc, a1
  sret                        /* SRET executed in M, to S */
  j _fail
1:
  ecall
  j _fail
2:
  ASSERT_TRAPPED
  REC_LOAD a0, REC_STATUS
  ASSERT_MASKED a0, MSTATUS_MPRV, 0
  TEST 4
  /* and an MRET to M keeps it */
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

  /* ---- xEPC[0] = 0 ---- */
  TEST 10
  li a0, 0x80001003
  csrw mepc, a0
  csrr a1, mepc
  ASSERT_EQ a1, 0x80001002
  csrw sepc, a0
  csrr a1, sepc
  ASSERT_EQ a1, 0x80001002
  li a0, -1
  csrw mepc, a0
  csrr a1, mepc
  ASSERT_EQ a1, -2

  /* ---- MPP cannot be 2 ---- */
  TEST 11
  li a0, MSTATUS_MPP
  csrc mstatus, a0
  li a0, 0x1000
  csrs mstatus, a0
  csrr a1, mstatus
  li a0, MSTATUS_MPP
  and a1, a1, a0
  ASSERT_NE a1, 0x1000
  csrw mstatus, zero

  /* ---- CSRRS / CSRRC rs1 != x0 holding 0 on read-only CSRs ---- */
  TEST 20
  li a1, 0
  TRAP_ILLEGAL csrrs a0, mhartid, a1
  TEST 21
  TRAP_ILLEGAL csrrc a0, mhartid, a1
  TEST 22
  TRAP_ILLEGAL csrrs zero, cycle, a1
  TEST 23
  TRAP_ILLEGAL csrrc a0, instret, a1
  TEST 24
  TRAP_ILLEGAL csrrs a0, mvendorid, a1
  TEST 25
  /* the rs1 = x0 / uimm = 0 forms still do not trap */
  csrrs a0, mhartid, x0
  csrrc a0, mhartid, x0
  csrrsi a0, cycle, 0
  csrrci a0, time, 0

  /* ---- pmpaddr is 54 bits wide ---- */
  TEST 30
  li a0, -1
  csrw pmpaddr1, a0
  csrr a1, pmpaddr1
  ASSERT_EQ a1, 0x003fffffffffffff
  csrw pmpaddr1, zero

  TEST_PASS
TEST_END
