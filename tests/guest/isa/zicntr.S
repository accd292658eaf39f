/* Zicntr: cycle, time and instret readable in M; cycle and instret grow while instructions run
 * (QEMU 7.2 without -icount counts host ticks, so only growth is checked); time grows and lies
 * between two reads of the CLINT mtime; mcycle / minstret are writable and cycle / instret
 * mirror them. Gating: from S a counter is readable only if its mcounteren bit is set, from U
 * only if both the mcounteren and scounteren bits are set, else illegal instruction (mtval =
 * encoding); M is never gated; S may program scounteren. */
#include "test.h"

/* read counter `csr` in the current mode; must not trap */
.macro READ_OK csr
  csrr a0, \csr
.endm

TEST_BEGIN
  TEST 1
  /* instret grows while instructions retire. (QEMU 7.2 without -icount derives instret and
   * cycle from the host's tick counter, so no exact count can be checked against it.) */
  csrr s0, instret
  li a0, 50
1:
  addi a0, a0, -1
  bnez a0, 1b
  csrr s1, instret
  ASSERT_LTU s0, s1
  TEST 2
  /* cycle grows */
  csrr s0, cycle
  li a0, 100
1:
  addi a0, a0, -1
  bnez a0, 1b
  csrr s1, cycle
  ASSERT_LTU s0, s1
  TEST 3
  /* time never goes backwards and eventually moves */
  csrr s0, time
  li a1, 10000000
1:
  csrr s1, time
  ASSERT_LEU s0, s1
  bne s0, s1, 2f
  addi a1, a1, -1
  bnez a1, 1b
  j _fail
2:
  TEST 4
  /* time CSR agrees with the CLINT's mtime */
  li a0, CLINT_MTIME
  ld s0, 0(a0)
  csrr s1, time
  ld s2, 0(a0)
  ASSERT_LEU s0, s1
  ASSERT_LEU s1, s2
  TEST 5
  /* mcycle / minstret are writable; cycle / instret mirror them */
  li a0, 1000000
  csrw minstret, a0
  csrr s0, instret
  csrr s1, minstret
  ASSERT_LEU a0, s0
  ASSERT_LEU s0, s1
  li a2, 1000000 + 0x10000000
  ASSERT_LTU s1, a2
  li a0, 0x100000000
  csrw mcycle, a0
  csrr s0, cycle
  csrr s1, mcycle
  ASSERT_LEU a0, s0
  ASSERT_LEU s0, s1
  li a2, 0x100000000 + 0x10000000
  ASSERT_LTU s1, a2
  TEST 6
  /* mcounteren / scounteren hold CY, TM, IR */
  csrwi mcounteren, 7
  csrr a0, mcounteren
  andi a0, a0, 7
  ASSERT_EQ a0, 7
  csrwi scounteren, 5
  csrr a0, scounteren
  andi a0, a0, 7
  ASSERT_EQ a0, 5
  TEST 7
  /* M is never gated */
  csrwi mcounteren, 0
  csrwi scounteren, 0
  READ_OK cycle
  READ_OK time
  READ_OK instret

  /* mcounteren = 0: S and U both denied */
  TEST 10
  ENTER_MODE PRV_S, 1f
1:
  TRAP_ILLEGAL csrr a0, cycle
  TRAP_ILLEGAL csrr a0, time
  TRAP_ILLEGAL csrr a0, instret
  ECALL_TO_M 1f
1:
  TEST 11
  csrwi scounteren, 7
  ENTER_MODE PRV_U, 1f
1:
  TRAP_ILLEGAL csrr a0, cycle
  TRAP_ILLEGAL csrr a0, time
  TRAP_ILLEGAL csrr a0, instret
  ECALL_TO_M 1f
1:
  /* mcounteren = 7, scounteren = 0: S allowed, U denied */
  TEST 12
  csrwi mcounteren, 7
  csrwi scounteren, 0
  ENTER_MODE PRV_S, 1f
1:
  READ_OK cycle
  READ_OK time
  READ_OK instret
  ECALL_TO_M 1f
1:
  TEST 13
  ENTER_MODE PRV_U, 1f
1:
  TRAP_ILLEGAL csrr a0, cycle
  TRAP_ILLEGAL csrr a0, time
  TRAP_ILLEGAL csrr a0, instret
  ECALL_TO_M 1f
1:
  /* both set: U allowed */
  TEST 14
  csrwi scounteren, 7
  ENTER_MODE PRV_U, 1f
1:
  READ_OK cycle
  READ_OK time
  READ_OK instret
  ECALL_TO_M 1f
1:
  /* per-counter bits: only CY in mcounteren, only IR (and CY) in scounteren */
  TEST 15
  csrwi mcounteren, 1
  csrwi scounteren, 7
  ENTER_MODE PRV_S, 1f
1:
  READ_OK cycle
  TRAP_ILLEGAL csrr a0, time
  TRAP_ILLEGAL csrr a0, instret
  ECALL_TO_M 1f
1:
  TEST 16
  csrwi mcounteren, 7
  csrwi scounteren, 5
  ENTER_MODE PRV_U, 1f
1:
  READ_OK cycle
  TRAP_ILLEGAL csrr a0, time
  READ_OK instret
  ECALL_TO_M 1f
1:
  TEST 17
  csrwi mcounteren, 2
  csrwi scounteren, 7
  ENTER_MODE PRV_U, 1f
1:
  TRAP_ILLEGAL csrr a0, cycle
  READ_OK time
  TRAP_ILLEGAL csrr a0, instret
  ECALL_TO_M 1f
1:
  TEST 18
  /* S reading with scounteren = 0 is not affected by scounteren */
  csrwi mcounteren, 7
  csrwi scounteren, 0
  ENTER_MODE PRV_S, 1f
1:
  READ_OK time
  /* and S may program scounteren itself */
  csrwi scounteren, 4
  csrr a0, scounteren
  andi a0, a0, 7
  ASSERT_EQ a0, 4
  S_ENTER_U 1f
1:
  READ_OK instret
  TRAP_ILLEGAL csrr a0, cycle
  ECALL_TO_M 1f
1:
  TEST_PASS
TEST_END
