/* Synchronous exceptions taken in M: ECALL from M / S / U (causes 11 / 9 / 8, mepc = the ecall,
 * mtval = 0); EBREAK from M / S / U (3, mtval as QEMU 7.2: see EBREAK_TVAL); illegal
 * instructions (2, mtval = encoding: custom-0 / custom-1 opcodes, reserved LOAD / STORE widths,
 * an F instruction with mstatus.FS = 0 (hartlab has no F at all), from M and U); load / store /
 * LR access faults (5 / 7, mtval = address) on physical addresses nothing answers (0x20_0000 and
 * 0x100_0000 on the virt map); instruction access fault (1, mepc = mtval = the target, link
 * register still written); the faulting instruction does not write rd; mstatus MPP / MPIE / MIE
 * after the trap. */
#include "test.h"

/* physical addresses with no device on QEMU virt (between the RTC and the CLINT) */
#define HOLE  0x00200000
#define HOLE2 0x01000000

TEST_BEGIN
  /* ---- ECALL ---- */
  TEST 1
  li a5, 0
  csrw mtval, a5
  li a0, 0x1111
  li a5, 0
  EXPECT_TRAP CAUSE_ECALL_M, 1f, 2f, tval=a5
1:
  ecall
  j _fail
2:
  ASSERT_TRAPPED
  ASSERT_EQ a0, 0x1111
  TEST 2
  /* mtval is written with 0 even if it held something */
  li a1, 0xdead
  csrw mtval, a1
  EXPECT_TRAP CAUSE_ECALL_M, 1f, 2f, tval=a5
1:
  ecall
  j _fail
2:
  ASSERT_TRAPPED
  TEST 3
  /* after a trap from M: MPP = M, MPIE = old MIE (0), MIE = 0 */
  REC_LOAD a0, REC_STATUS
  ASSERT_MASKED a0, MSTATUS_MPP | MSTATUS_MPIE | MSTATUS_MIE, MSTATUS_MPP_M
  TEST 4
  /* ECALL from S: cause 9, MPP = S, back in M */
  EXPECT_TRAP CAUSE_ECALL_S, 1f, 2f, tval=a5, rmode=PRV_M
  ENTER_MODE PRV_S, 1f
1:
  ecall
  j _fail
2:
  ASSERT_TRAPPED
  REC_LOAD a0, REC_STATUS
  ASSERT_MASKED a0, MSTATUS_MPP, MSTATUS_MPP_S
  csrr a0, mscratch             /* proves we are in M */
  TEST 5
  /* ECALL from U: cause 8, MPP = U */
  EXPECT_TRAP CAUSE_ECALL_U, 1f, 2f, tval=a5, rmode=PRV_M
  ENTER_MODE PRV_U, 1f
1:
  ecall
  j _fail
2:
  ASSERT_TRAPPED
  REC_LOAD a0, REC_STATUS
  ASSERT_MASKED a0, MSTATUS_MPP, 0
  csrr a0, mscratch
  TEST 6
  /* ECALL with MIE set: MPIE = 1, MIE = 0 in the handler; MRET restores MIE */
  csrw mie, zero
  csrsi mstatus, MSTATUS_MIE
  EXPECT_TRAP CAUSE_ECALL_M, 1f, 2f, tval=a5
1:
  ecall
  j _fail
2:
  ASSERT_TRAPPED
  REC_LOAD a0, REC_STATUS
  ASSERT_MASKED a0, MSTATUS_MPP | MSTATUS_MPIE | MSTATUS_MIE, MSTATUS_MPP_M | MSTATUS_MPIE
  csrr a0, mstatus
  ASSERT_MASKED a0, MSTATUS_MIE, MSTATUS_MIE
  csrci mstatus, MSTATUS_MIE

  /* ---- EBREAK ---- */
  TEST 10
  EBREAK_TVAL a5, 1f
  EXPECT_TRAP CAUSE_BREAKPOINT, 1f, 2f, tval=a5
1:
  ebreak
  j _fail
2:
  ASSERT_TRAPPED
  TEST 11
  EBREAK_TVAL a5, 1f
  EXPECT_TRAP CAUSE_BREAKPOINT, 1f, 2f, tval=a5, rmode=PRV_M
  ENTER_MODE PRV_U, 1f
1:
  ebreak
  j _fail
2:
  ASSERT_TRAPPED
  REC_LOAD a0, REC_STATUS
  ASSERT_MASKED a0, MSTATUS_MPP, 0
  TEST 12
  EBREAK_TVAL a5, 1f
  EXPECT_TRAP CAUSE_BREAKPOINT, 1f, 2f, tval=a5, rmode=PRV_M
  ENTER_MODE PRV_S, 1f
1:
  ebreak
  j _fail
2:
  ASSERT_TRAPPED

  /* ---- illegal instructions ---- */
  TEST 20
  TRAP_ILLEGAL .word 0x0000000b           /* custom-0 */
  TEST 21
  TRAP_ILLEGAL .word 0x00057503           /* LOAD funct3 = 7 (reserved) */
  TEST 22
  TRAP_ILLEGAL .word 0x00a54023           /* STORE funct3 = 4 (reserved) */
  TEST 23
  csrr a0, mstatus
  ASSERT_MASKED a0, 0x6000, 0             /* FS = Off */
  TRAP_ILLEGAL .word 0x00b57553           /* fadd.s fa0, fa0, fa1 */
  TEST 24
  li a0, 0x77
  TRAP_ILLEGAL .word 0x0000500b           /* custom-0 with rd = a0: rd unchanged */
  ASSERT_EQ a0, 0x77
  TEST 25
  /* from U too, the handler sees the encoding */
  ENTER_MODE PRV_U, 1f
1:
  TRAP_ILLEGAL .word 0x0000002b           /* custom-1 */
  ECALL_TO_M 1f
1:

  /* ---- access faults (physical addresses with no device) ---- */
  TEST 30
  li a5, HOLE
  li a0, 0x55
  TRAP_INSN CAUSE_LOAD_ACCESS, a5, ld a0, 0(a5)
  ASSERT_EQ a0, 0x55                      /* rd not written */
  TEST 31
  li a4, HOLE2
  li a5, HOLE2 + 8
  TRAP_INSN CAUSE_LOAD_ACCESS, a5, lw a0, 8(a4)
  TEST 32
  li a4, HOLE2 + 0x10
  addi a5, a4, -3
  TRAP_INSN CAUSE_LOAD_ACCESS, a5, lbu a0, -3(a4)
  TEST 33
  li a5, HOLE
  TRAP_INSN CAUSE_STORE_ACCESS, a5, sd a0, 0(a5)
  TEST 34
  li a4, HOLE2
  addi a5, a4, 6
  TRAP_INSN CAUSE_STORE_ACCESS, a5, sh a0, 6(a4)
  /* (AMO access faults, cause 7, are in the hartlab-only amo_faults.S: QEMU 7.2 reports 5) */
  TEST 37
  li a5, HOLE
  TRAP_INSN CAUSE_LOAD_ACCESS, a5, lr.d a0, (a5)
  TEST 38
  /* from U (PMP allows everything: the fault is the missing device) */
  li a5, HOLE
  ENTER_MODE PRV_U, 1f
1:
  TRAP_INSN CAUSE_LOAD_ACCESS, a5, lb a0, 0(a5)
  TRAP_INSN CAUSE_STORE_ACCESS, a5, sw a0, 0(a5)
  ECALL_TO_M 1f
1:
  TEST 39
  /* instruction access fault: mepc = mtval = the target, the link register is written */
  li a5, HOLE
  li ra, 0
  EXPECT_TRAP CAUSE_FETCH_ACCESS, HOLE, 2f, tval=a5
1:
  jalr ra, 0(a5)
3:
  j _fail
2:
  ASSERT_TRAPPED
  ASSERT_ADDR ra, 3b

  TEST_PASS
TEST_END
