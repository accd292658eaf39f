/* hartlab-only: hartlab traps every misaligned data access (QEMU 7.2 performs misaligned loads
 * and stores, and reports cause 4 for a misaligned AMO). Loads (LH LHU LW LWU LD) raise a load
 * address-misaligned exception (4), stores (SH SW SD) and AMOs / SC a store/AMO
 * address-misaligned exception (6), LR a load address-misaligned exception (4); mtval = the
 * address, mepc = the instruction; rd and memory unchanged. From M, S and U, and delegated to S
 * (scause / stval). Aligned accesses around them keep working. */
#include "test.h"

.macro MIS_CHECKS          /* a4 = buf; uses a0, a5 */
  addi a5, a4, 1
  TRAP_INSN CAUSE_MISALIGNED_LOAD, a5, lh a0, 0(a5)
  TRAP_INSN CAUSE_MISALIGNED_LOAD, a5, lhu a0, 0(a5)
  addi a5, a4, 2
  TRAP_INSN CAUSE_MISALIGNED_LOAD, a5, lw a0, 0(a5)
  addi a5, a4, 7
  TRAP_INSN CAUSE_MISALIGNED_LOAD, a5, lwu a0, 0(a5)
  addi a5, a4, 4
  TRAP_INSN CAUSE_MISALIGNED_LOAD, a5, ld a0, 0(a5)
  addi a5, a4, 3
  TRAP_INSN CAUSE_MISALIGNED_STORE, a5, sh a0, 0(a5)
  addi a5, a4, 6
  TRAP_INSN CAUSE_MISALIGNED_STORE, a5, sw a0, 0(a5)
  addi a5, a4, 12
  TRAP_INSN CAUSE_MISALIGNED_STORE, a5, sd a0, 0(a5)
.endm

TEST_BEGIN
  TEST 1
  la a4, buf
  li a0, 0x5a5a
  MIS_CHECKS
  TEST 2
  /* rd unchanged, memory unchanged */
  li a0, 0x5a5a
  addi a5, a4, 4
  TRAP_INSN CAUSE_MISALIGNED_LOAD, a5, ld a0, 0(a5)
  ASSERT_EQ a0, 0x5a5a
  li a0, -1
  addi a5, a4, 9
  TRAP_INSN CAUSE_MISALIGNED_STORE, a5, sd a0, 0(a5)
  ld a1, 0(a4)
  ASSERT_EQ a1, 0x0706050403020100
  ld a1, 8(a4)
  ASSERT_EQ a1, 0x0f0e0d0c0b0a0908
  ld a1, 16(a4)
  ASSERT_EQ a1, 0x1716151413121110
  TEST 3
  /* every naturally aligned access still works */
  lh a1, 2(a4)
  ASSERT_EQ a1, 0x0302
  lw a1, 4(a4)
  ASSERT_EQ a1, 0x07060504
  lbu a1, 3(a4)
  ASSERT_EQ a1, 3
  TEST 4
  /* LR / SC / AMO */
  addi a5, a4, 4
  TRAP_INSN CAUSE_MISALIGNED_LOAD, a5, lr.d a0, (a5)
  addi a5, a4, 2
  TRAP_INSN CAUSE_MISALIGNED_LOAD, a5, lr.w a0, (a5)
  TRAP_INSN CAUSE_MISALIGNED_STORE, a5, amoadd.w a0, a0, (a5)
  TRAP_INSN CAUSE_MISALIGNED_STORE, a5, amoswap.w a0, a0, (a5)
  addi a5, a4, 4
  TRAP_INSN CAUSE_MISALIGNED_STORE, a5, amoor.d a0, a0, (a5)
  TRAP_INSN CAUSE_MISALIGNED_STORE, a5, amomaxu.d a0, a0, (a5)
  /* SC at a misaligned address, after an LR at the aligned one */
  lr.d a0, (a4)
  TRAP_INSN CAUSE_MISALIGNED_STORE, a5, sc.d a1, a0, (a5)
  ld a1, 0(a4)
  ASSERT_EQ a1, 0x0706050403020100
  TEST 5
  /* from S and U, taken in M */
  ENTER_MODE PRV_S, 1f
1:
  MIS_CHECKS
  ECALL_TO_M 1f
1:
  TEST 6
  ENTER_MODE PRV_U, 1f
1:
  MIS_CHECKS
  ECALL_TO_M 1f
1:
  TEST 7
  /* delegated to S: from U and S */
  li a0, (1 << CAUSE_MISALIGNED_LOAD) | (1 << CAUSE_MISALIGNED_STORE)
  csrw medeleg, a0
  ENTER_MODE PRV_U, 1f
1:
  addi a5, a4, 1
  TRAP_INSN_S CAUSE_MISALIGNED_LOAD, a5, lhu a0, 0(a5)
  addi a5, a4, 2
  TRAP_INSN_S CAUSE_MISALIGNED_STORE, a5, sw a0, 0(a5)
  ECALL_TO_M 1f
1:
  ENTER_MODE PRV_S, 1f
1:
  addi a5, a4, 6
  TRAP_INSN_S CAUSE_MISALIGNED_LOAD, a5, ld a0, 0(a5)
  TRAP_INSN_S CAUSE_MISALIGNED_STORE, a5, amoand.d a0, a0, (a5)
  ECALL_TO_M 1f
1:
  csrw medeleg, zero

  TEST_PASS
TEST_END

  .data
  .balign 64
buf:
  .byte 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
  .byte 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
