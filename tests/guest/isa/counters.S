/* mcountinhibit (CSR 0x320) and exact counter writes: CY (bit 0) and IR (bit 2) writable, TM
 * (bit 1) read-only 0; with CY / IR set, mcycle / minstret stop (and read back exactly what was
 * written to them meanwhile), each bit independently of the other; clearing them resumes
 * counting. A CSR write to minstret replaces the increment of the writing instruction, so
 * `csrw minstret, X` followed by N instructions and a `csrr` reads X + N exactly (Zicsr: a CSR
 * instruction reads the value before its own execution); instret mirrors minstret and cycle
 * mirrors mcycle. */
#include "test.h"

#define CSR_MCOUNTINHIBIT 0x320
#define INH_CY 1
#define INH_TM 2
#define INH_IR 4

/* a short loop of about 3 * n instructions */
.macro SPIN n
  li t0, \n
.Lspin\@:
  addi t0, t0, -1
  nop
  bnez t0, .Lspin\@
.endm

TEST_BEGIN
  /* ---- the register ---- */
  TEST 1
  csrw CSR_MCOUNTINHIBIT, zero
  csrr a0, CSR_MCOUNTINHIBIT
  ASSERT_EQ a0, 0
  li a1, INH_CY | INH_IR
  csrw CSR_MCOUNTINHIBIT, a1
  csrr a0, CSR_MCOUNTINHIBIT
  ASSERT_MASKED a0, INH_CY | INH_IR, INH_CY | INH_IR
  TEST 2
  /* TM is read-only 0 (time cannot be inhibited) */
  li a1, INH_CY | INH_TM | INH_IR
  csrw CSR_MCOUNTINHIBIT, a1
  csrr a0, CSR_MCOUNTINHIBIT
  ASSERT_MASKED a0, INH_TM, 0
  csrw CSR_MCOUNTINHIBIT, zero

  /* ---- inhibited: stopped ---- */
  TEST 10
  li a1, INH_CY | INH_IR
  csrw CSR_MCOUNTINHIBIT, a1
  csrr s0, mcycle
  csrr s1, minstret
  SPIN 100
  csrr s2, mcycle
  csrr s3, minstret
  ASSERT_EQR s0, s2
  ASSERT_EQR s1, s3
  TEST 11
  /* the user-level shadows stop too */
  csrr s0, cycle
  csrr s1, instret
  SPIN 10
  csrr s2, cycle
  csrr s3, instret
  ASSERT_EQR s0, s2
  ASSERT_EQR s1, s3
  TEST 12
  /* written while inhibited: read back exactly, and stay */
  li a0, 0x123456789
  csrw mcycle, a0
  li a1, 0x987654321
  csrw minstret, a1
  nop
  csrr s0, mcycle
  csrr s1, minstret
  ASSERT_EQR s0, a0
  ASSERT_EQR s1, a1
  SPIN 10
  csrr s0, cycle
  csrr s1, instret
  ASSERT_EQR s0, a0
  ASSERT_EQR s1, a1
  TEST 13
  /* time keeps running */
  csrr s0, time
  li a2, 10000000
1:
  csrr s1, time
  bne s0, s1, 2f
  addi a2, a2, -1
  bnez a2, 1b
  j _fail
2:

  /* ---- re-enabled: counting resumes from the written values ---- */
  TEST 20
  csrw CSR_MCOUNTINHIBIT, zero
  SPIN 10
  csrr s0, mcycle
  csrr s1, minstret
  ASSERT_LTU a0, s0
  ASSERT_LTU a1, s1
  /* ...and not from anywhere far away */
  li a2, 0x100000
  add a3, a0, a2
  ASSERT_LTU s0, a3
  add a3, a1, a2
  ASSERT_LTU s1, a3

  /* ---- exact minstret ---- */
  TEST 21
  /* the write replaces the increment of the writing instruction */
  li a0, 1000
  csrw minstret, a0
  csrr s0, minstret
  ASSERT_EQ s0, 1000
  TEST 22
  /* plus one per instruction retired since */
  li a0, 5000
  csrw minstret, a0
  nop
  nop
  addi a2, zero, 1
  csrr s0, minstret
  csrr s1, minstret
  csrr s2, instret
  ASSERT_EQ s0, 5003
  ASSERT_EQ s1, 5004
  ASSERT_EQ s2, 5005
  TEST 23
  /* a loop: 1 + 3 * 20 instructions between the write and the read */
  csrw minstret, zero
  SPIN 20
  csrr s0, minstret
  ASSERT_EQ s0, 61

  /* ---- each bit on its own ---- */
  TEST 30
  /* IR only: minstret stops, mcycle runs */
  li a1, INH_IR
  csrw CSR_MCOUNTINHIBIT, a1
  csrr s0, mcycle
  csrr s1, minstret
  SPIN 50
  csrr s2, mcycle
  csrr s3, minstret
  ASSERT_LTU s0, s2
  ASSERT_EQR s1, s3
  TEST 31
  /* CY only: mcycle stops, minstret runs (exactly: 1 + 3 * 50 + 1 instructions) */
  li a1, INH_CY
  csrw CSR_MCOUNTINHIBIT, a1
  csrr s0, mcycle
  csrr s1, minstret
  SPIN 50
  csrr s2, mcycle
  csrr s3, minstret
  ASSERT_EQR s0, s2
  sub s4, s3, s1
  ASSERT_EQ s4, 153
  TEST 32
  /* both inhibited, then IR cleared alone: mcycle stays stopped, minstret resumes */
  li a1, INH_CY | INH_IR
  csrw CSR_MCOUNTINHIBIT, a1
  csrr s0, mcycle
  csrr s1, minstret
  li a1, INH_CY
  csrw CSR_MCOUNTINHIBIT, a1
  SPIN 10
  csrr s2, mcycle
  csrr s3, minstret
  ASSERT_EQR s0, s2
  ASSERT_LTU s1, s3
  csrw CSR_MCOUNTINHIBIT, zero
  SPIN 10
  csrr s2, mcycle
  ASSERT_LTU s0, s2

  /* ---- from S: the shadows follow inhibition too ---- */
  TEST 40
  csrwi mcounteren, 7
  li a1, INH_CY | INH_IR
  csrw CSR_MCOUNTINHIBIT, a1
  li a0, 77
  csrw minstret, a0
  ENTER_MODE PRV_S, 1f
1:
  csrr s0, instret
  SPIN 10
  csrr s1, instret
  ECALL_TO_M 1f
1:
  ASSERT_EQ s0, 77
  ASSERT_EQ s1, 77
  csrw CSR_MCOUNTINHIBIT, zero
  TEST 41
  /* mcountinhibit is an M-mode CSR: illegal from S */
  ENTER_MODE PRV_S, 1f
1:
  TRAP_ILLEGAL csrr a0, CSR_MCOUNTINHIBIT
  TRAP_ILLEGAL csrw CSR_MCOUNTINHIBIT, zero
  ECALL_TO_M 1f
1:
  csrwi mcounteren, 0
  TEST_PASS
TEST_END
