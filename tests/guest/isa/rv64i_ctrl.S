/* RV64I control transfer: BEQ BNE BLT BGE BLTU BGEU taken and not taken on signed/unsigned
 * edge values (forward and backward), JAL (link = pc + 4, x0 link, backward, far target),
 * JALR (link value, immediate offset, bit 0 of the target cleared, rd == rs1, x0). */
#include "test.h"

/* T_BR n, op, a, b, taken: op with rs1 = a, rs2 = b must branch iff taken */
.macro T_BR n, op, a, b, taken
  TEST \n
  li a1, \a
  li a2, \b
  \op a1, a2, .Lbr_t\@
  .if \taken
    j _fail                  /* not taken but should be */
  .else
    j .Lbr_n\@
  .endif
.Lbr_t\@:
  .if \taken == 0
    j _fail                  /* taken but should not be */
  .endif
.Lbr_n\@:
  /* operands unchanged */
  ASSERT_EQ a1, \a
  ASSERT_EQ a2, \b
.endm

TEST_BEGIN
  /* BEQ */
  T_BR 1, beq, 0x0000000000000000, 0x0000000000000000, 1
  T_BR 2, beq, 0x0000000000000001, 0x0000000000000001, 1
  T_BR 3, beq, 0x0000000000000000, 0x0000000000000001, 0
  T_BR 4, beq, 0x0000000000000001, 0x0000000000000000, 0
  T_BR 5, beq, 0xffffffffffffffff, 0x0000000000000000, 0
  T_BR 6, beq, 0x0000000000000000, 0xffffffffffffffff, 0
  T_BR 7, beq, 0xffffffffffffffff, 0xffffffffffffffff, 1
  T_BR 8, beq, 0x8000000000000000, 0x7fffffffffffffff, 0
  T_BR 9, beq, 0x7fffffffffffffff, 0x8000000000000000, 0
  T_BR 10, beq, 0xffffffffffffffff, 0xfffffffffffffffe, 0
  T_BR 11, beq, 0xfffffffffffffffe, 0xffffffffffffffff, 0
  T_BR 12, beq, 0x0000000100000000, 0x00000000ffffffff, 0
  T_BR 13, beq, 0xffffffff00000000, 0x00000000ffffffff, 0
  /* BNE */
  T_BR 14, bne, 0x0000000000000000, 0x0000000000000000, 0
  T_BR 15, bne, 0x0000000000000001, 0x0000000000000001, 0
  T_BR 16, bne, 0x0000000000000000, 0x0000000000000001, 1
  T_BR 17, bne, 0x0000000000000001, 0x0000000000000000, 1
  T_BR 18, bne, 0xffffffffffffffff, 0x0000000000000000, 1
  T_BR 19, bne, 0x0000000000000000, 0xffffffffffffffff, 1
  T_BR 20, bne, 0xffffffffffffffff, 0xffffffffffffffff, 0
  T_BR 21, bne, 0x8000000000000000, 0x7fffffffffffffff, 1
  T_BR 22, bne, 0x7fffffffffffffff, 0x8000000000000000, 1
  T_BR 23, bne, 0xffffffffffffffff, 0xfffffffffffffffe, 1
  T_BR 24, bne, 0xfffffffffffffffe, 0xffffffffffffffff, 1
  T_BR 25, bne, 0x0000000100000000, 0x00000000ffffffff, 1
  T_BR 26, bne, 0xffffffff00000000, 0x00000000ffffffff, 1
  /* BLT */
  T_BR 27, blt, 0x0000000000000000, 0x0000000000000000, 0
  T_BR 28, blt, 0x0000000000000001, 0x0000000000000001, 0
  T_BR 29, blt, 0x0000000000000000, 0x0000000000000001, 1
  T_BR 30, blt, 0x0000000000000001, 0x0000000000000000, 0
  T_BR 31, blt, 0xffffffffffffffff, 0x0000000000000000, 1
  T_BR 32, blt, 0x0000000000000000, 0xffffffffffffffff, 0
  T_BR 33, blt, 0xffffffffffffffff, 0xffffffffffffffff, 0
  T_BR 34, blt, 0x8000000000000000, 0x7fffffffffffffff, 1
  T_BR 35, blt, 0x7fffffffffffffff, 0x8000000000000000, 0
  T_BR 36, blt, 0xffffffffffffffff, 0xfffffffffffffffe, 0
  T_BR 37, blt, 0xfffffffffffffffe, 0xffffffffffffffff, 1
  T_BR 38, blt, 0x0000000100000000, 0x00000000ffffffff, 0
  T_BR 39, blt, 0xffffffff00000000, 0x00000000ffffffff, 1
  /* BGE */
  T_BR 40, bge, 0x0000000000000000, 0x0000000000000000, 1
  T_BR 41, bge, 0x0000000000000001, 0x0000000000000001, 1
  T_BR 42, bge, 0x0000000000000000, 0x0000000000000001, 0
  T_BR 43, bge, 0x0000000000000001, 0x0000000000000000, 1
  T_BR 44, bge, 0xffffffffffffffff, 0x0000000000000000, 0
  T_BR 45, bge, 0x0000000000000000, 0xffffffffffffffff, 1
  T_BR 46, bge, 0xffffffffffffffff, 0xffffffffffffffff, 1
  T_BR 47, bge, 0x8000000000000000, 0x7fffffffffffffff, 0
  T_BR 48, bge, 0x7fffffffffffffff, 0x8000000000000000, 1
  T_BR 49, bge, 0xffffffffffffffff, 0xfffffffffffffffe, 1
  T_BR 50, bge, 0xfffffffffffffffe, 0xffffffffffffffff, 0
  T_BR 51, bge, 0x0000000100000000, 0x00000000ffffffff, 1
  T_BR 52, bge, 0xffffffff00000000, 0x00000000ffffffff, 0
  /* BLTU */
  T_BR 53, bltu, 0x0000000000000000, 0x0000000000000000, 0
  T_BR 54, bltu, 0x0000000000000001, 0x0000000000000001, 0
  T_BR 55, bltu, 0x0000000000000000, 0x0000000000000001, 1
  T_BR 56, bltu, 0x0000000000000001, 0x0000000000000000, 0
  T_BR 57, bltu, 0xffffffffffffffff, 0x0000000000000000, 0
  T_BR 58, bltu, 0x0000000000000000, 0xffffffffffffffff, 1
  T_BR 59, bltu, 0xffffffffffffffff, 0xffffffffffffffff, 0
  T_BR 60, bltu, 0x8000000000000000, 0x7fffffffffffffff, 0
  T_BR 61, bltu, 0x7fffffffffffffff, 0x8000000000000000, 1
  T_BR 62, bltu, 0xffffffffffffffff, 0xfffffffffffffffe, 0
  T_BR 63, bltu, 0xfffffffffffffffe, 0xffffffffffffffff, 1
  T_BR 64, bltu, 0x0000000100000000, 0x00000000ffffffff, 0
  T_BR 65, bltu, 0xffffffff00000000, 0x00000000ffffffff, 0
  /* BGEU */
  T_BR 66, bgeu, 0x0000000000000000, 0x0000000000000000, 1
  T_BR 67, bgeu, 0x0000000000000001, 0x0000000000000001, 1
  T_BR 68, bgeu, 0x0000000000000000, 0x0000000000000001, 0
  T_BR 69, bgeu, 0x0000000000000001, 0x0000000000000000, 1
  T_BR 70, bgeu, 0xffffffffffffffff, 0x0000000000000000, 1
  T_BR 71, bgeu, 0x0000000000000000, 0xffffffffffffffff, 0
  T_BR 72, bgeu, 0xffffffffffffffff, 0xffffffffffffffff, 1
  T_BR 73, bgeu, 0x8000000000000000, 0x7fffffffffffffff, 1
  T_BR 74, bgeu, 0x7fffffffffffffff, 0x8000000000000000, 0
  T_BR 75, bgeu, 0xffffffffffffffff, 0xfffffffffffffffe, 1
  T_BR 76, bgeu, 0xfffffffffffffffe, 0xffffffffffffffff, 0
  T_BR 77, bgeu, 0x0000000100000000, 0x00000000ffffffff, 1
  T_BR 78, bgeu, 0xffffffff00000000, 0x00000000ffffffff, 1

  /* backward branches: count a loop down */
  TEST 100
  li a0, 5
  li a1, 0
1:
  addi a1, a1, 1
  addi a0, a0, -1
  bnez a0, 1b
  ASSERT_EQ a1, 5
  TEST 101
  li a0, -3
  li a1, 0
1:
  addi a1, a1, 1
  addi a0, a0, 1
  blt a0, zero, 1b
  ASSERT_EQ a1, 3
  TEST 102
  /* branch to itself never loops when not taken */
1:
  bltu zero, zero, 1b
  /* branch with rs1 == rs2 */
  li a0, -1
  beq a0, a0, 2f
  j _fail
2:
  bgeu a0, a0, 2f
  j _fail
2:
  bge a0, a0, 2f
  j _fail
2:
  blt a0, a0, _fail_near
  bltu a0, a0, _fail_near
  bne a0, a0, _fail_near

  /* JAL: link register = address of the next instruction */
  TEST 110
  li ra, 0
  jal ra, 1f
2:
  j _fail
1:
  ASSERT_ADDR ra, 2b
  TEST 111
  li a0, 0
  jal a0, 1f
2:
  j _fail
1:
  ASSERT_ADDR a0, 2b
  TEST 112
  /* jal x0 (j) links nothing */
  jal x0, 1f
  j _fail
1:
  ASSERT_EQ x0, 0
  TEST 113
  /* backward JAL */
  j 3f
1:
  ASSERT_ADDR s1, 2f
  j 4f
3:
  jal s1, 1b
2:
  j _fail
4:
  TEST 114
  /* far forward and back (beyond the 4 KiB reach of branches) */
  jal a0, far_target
far_back:
  ASSERT_EQ a1, 0x1234
  ASSERT_ADDR a0, far_back

  /* JALR */
  TEST 120
  la a0, 1f
  jalr ra, 0(a0)
2:
  j _fail
1:
  ASSERT_ADDR ra, 2b
  TEST 121
  /* positive and negative immediate */
  la a0, 1f
  addi a0, a0, -16
  jalr a1, 16(a0)
2:
  j _fail
1:
  ASSERT_ADDR a1, 2b
  la a0, 1f
  addi a0, a0, 2000
  jalr a1, -2000(a0)
  j _fail
1:
  TEST 122
  /* bit 0 of rs1 + imm is cleared */
  la a0, 1f
  addi a0, a0, 1
  jalr a1, 0(a0)
  j _fail
1:
  la a0, 1f
  jalr a1, 1(a0)
  j _fail
1:
  la a0, 1f
  addi a0, a0, 3
  jalr a1, -2(a0)
  j _fail
1:
  TEST 123
  /* rd == rs1: the target comes from the old value */
  la a0, 1f
  jalr a0, 0(a0)
2:
  j _fail
1:
  ASSERT_ADDR a0, 2b
  TEST 124
  /* jalr x0 links nothing; jalr to a routine and back */
  la a0, 1f
  jalr x0, 0(a0)
  j _fail
1:
  ASSERT_EQ x0, 0
  li a1, 0
  la a0, sub_routine
  jalr ra, 0(a0)
  ASSERT_EQ a1, 0x77
  TEST 125
  /* link register written even when it is also used later as the base */
  la t0, 1f
  jalr t0, 0(t0)
2:
  j _fail
1:
  addi t0, t0, 4               /* t0 = 2b + 4: the instruction after 'j _fail' */
  ASSERT_ADDR t0, 1b

  TEST_PASS

_fail_near:
  j _fail

sub_routine:
  li a1, 0x77
  ret

  /* keep far_target more than 4 KiB away */
  .skip 0x2000
far_target:
  li a1, 0x1234
  jalr x0, 0(a0)
TEST_END
