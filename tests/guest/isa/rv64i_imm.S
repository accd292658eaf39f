/* RV64I register-immediate ALU instructions (ADDI SLTI SLTIU XORI ORI ANDI SLLI SRLI SRAI) with
 * immediate edge values and shamt 0/1/31/32/63, then LUI and AUIPC (sign extension of the 32-bit
 * value, PC-relative result) and NOP / writes to x0. */
#include "test.h"

TEST_BEGIN
  /* ADDI: 12-bit signed immediate, -2048..2047 */
  T_RI 1, addi, 0x0000000000000000, 0x0000000000000000, 0
  T_RI 2, addi, 0x0000000000000002, 0x0000000000000001, 1
  T_RI 3, addi, 0x00000000000007ff, 0x0000000000000000, 2047
  T_RI 4, addi, 0xfffffffffffff800, 0x0000000000000000, -2048
  T_RI 5, addi, 0x8000000000000000, 0x7fffffffffffffff, 1
  T_RI 6, addi, 0x0000000000000000, 0xffffffffffffffff, 1
  T_RI 7, addi, 0x000000007fffffff, 0x0000000080000000, -1
  T_RI 8, addi, 0x0000000100000000, 0x00000000ffffffff, 1
  T_RI 9, addi, 0x7fffffffffffffff, 0x8000000000000000, -1
  T_RI 10, addi, 0xfffffffffffff864, 0x0000000000000064, -2048
  T_RI 11, addi, 0x123456789abce6ef, 0x123456789abcdef0, 2047
  /* SLTI: signed compare with sign-extended immediate */
  T_RI 12, slti, 0x0000000000000000, 0x0000000000000000, 0
  T_RI 13, slti, 0x0000000000000001, 0x0000000000000000, 1
  T_RI 14, slti, 0x0000000000000000, 0x0000000000000001, 0
  T_RI 15, slti, 0x0000000000000001, 0xffffffffffffffff, 0
  T_RI 16, slti, 0x0000000000000000, 0x0000000000000000, -1
  T_RI 17, slti, 0x0000000000000001, 0x8000000000000000, -2048
  T_RI 18, slti, 0x0000000000000000, 0x7fffffffffffffff, 2047
  T_RI 19, slti, 0x0000000000000001, 0xfffffffffffff7ff, -2048
  T_RI 20, slti, 0x0000000000000000, 0xfffffffffffff800, -2048
  T_RI 21, slti, 0x0000000000000001, 0x00000000000007fe, 2047
  T_RI 22, slti, 0x0000000000000000, 0x00000000ffffffff, -1
  /* SLTIU: immediate sign-extended then compared unsigned */
  T_RI 23, sltiu, 0x0000000000000000, 0x0000000000000000, 0
  T_RI 24, sltiu, 0x0000000000000001, 0x0000000000000000, 1
  T_RI 25, sltiu, 0x0000000000000000, 0x0000000000000001, 0
  T_RI 26, sltiu, 0x0000000000000000, 0xffffffffffffffff, -1
  T_RI 27, sltiu, 0x0000000000000001, 0xfffffffffffffffe, -1
  T_RI 28, sltiu, 0x0000000000000001, 0x0000000000000000, -1
  T_RI 29, sltiu, 0x0000000000000001, 0x8000000000000000, -2048
  T_RI 30, sltiu, 0x0000000000000000, 0x7fffffffffffffff, 2047
  T_RI 31, sltiu, 0x0000000000000001, 0x00000000000007fe, 2047
  T_RI 32, sltiu, 0x0000000000000000, 0xfffffffffffff800, -2048
  T_RI 33, sltiu, 0x0000000000000000, 0x0000000000000001, 1
  /* XORI (xori -1 is NOT) */
  T_RI 34, xori, 0x0000000000000000, 0x0000000000000000, 0
  T_RI 35, xori, 0xedcba9876543210f, 0x123456789abcdef0, -1
  T_RI 36, xori, 0x123456789abcd90f, 0x123456789abcdef0, 2047
  T_RI 37, xori, 0xffffffff00ff0700, 0x00000000ff00ff00, -2048
  T_RI 38, xori, 0xfffffffffffffaaa, 0xffffffffffffffff, 1365
  /* ORI */
  T_RI 39, ori, 0x0000000000000000, 0x0000000000000000, 0
  T_RI 40, ori, 0xffffffffffffffff, 0x123456789abcdef0, -1
  T_RI 41, ori, 0x123456789abcdfff, 0x123456789abcdef0, 1807
  T_RI 42, ori, 0xffffffffffffff00, 0x00000000ff00ff00, -2048
  T_RI 43, ori, 0x8000000000000001, 0x8000000000000000, 1
  /* ANDI */
  T_RI 44, andi, 0x0000000000000000, 0xffffffffffffffff, 0
  T_RI 45, andi, 0x123456789abcdef0, 0x123456789abcdef0, -1
  T_RI 46, andi, 0x0000000000000600, 0x123456789abcdef0, 1807
  T_RI 47, andi, 0xff00ff00ff00f800, 0xff00ff00ff00ff00, -2048
  T_RI 48, andi, 0x0000000000000001, 0x8000000000000001, 1
  /* SLLI: shamt 0..63 */
  T_RI 49, slli, 0x0000000000000001, 0x0000000000000001, 0
  T_RI 50, slli, 0x0000000000000002, 0x0000000000000001, 1
  T_RI 51, slli, 0x0000000080000000, 0x0000000000000001, 31
  T_RI 52, slli, 0x0000000100000000, 0x0000000000000001, 32
  T_RI 53, slli, 0x8000000000000000, 0x0000000000000001, 63
  T_RI 54, slli, 0x23456789abcdef00, 0x123456789abcdef0, 4
  T_RI 55, slli, 0xffffff0000000000, 0xffffffffffffffff, 40
  T_RI 56, slli, 0xffffffff00000000, 0x00000000ffffffff, 32
  /* SRLI */
  T_RI 57, srli, 0x8000000000000000, 0x8000000000000000, 0
  T_RI 58, srli, 0x4000000000000000, 0x8000000000000000, 1
  T_RI 59, srli, 0x0000000100000000, 0x8000000000000000, 31
  T_RI 60, srli, 0x0000000080000000, 0x8000000000000000, 32
  T_RI 61, srli, 0x0000000000000001, 0x8000000000000000, 63
  T_RI 62, srli, 0x000000007fffffff, 0xffffffffffffffff, 33
  T_RI 63, srli, 0x0000000123456789, 0x123456789abcdef0, 28
  /* SRAI */
  T_RI 64, srai, 0x8000000000000000, 0x8000000000000000, 0
  T_RI 65, srai, 0xc000000000000000, 0x8000000000000000, 1
  T_RI 66, srai, 0xffffffff00000000, 0x8000000000000000, 31
  T_RI 67, srai, 0xffffffff80000000, 0x8000000000000000, 32
  T_RI 68, srai, 0xffffffffffffffff, 0x8000000000000000, 63
  T_RI 69, srai, 0x0000000000000000, 0x7fffffffffffffff, 63
  T_RI 70, srai, 0xffffffffedcba987, 0xfedcba9876543210, 28
  T_RI 71, srai, 0x0000000000000001, 0x0000000080000000, 31
  T_RI 72, srai, 0x000000003fffffff, 0x7fffffff00000000, 33

  /* LUI: imm << 12, sign-extended from bit 31 */
  TEST 100
  lui a0, 0x12345
  ASSERT_EQ a0, 0x12345000
  TEST 101
  lui a0, 0x80000
  ASSERT_EQ a0, 0xffffffff80000000
  TEST 102
  lui a0, 0xfffff
  ASSERT_EQ a0, 0xfffffffffffff000
  TEST 103
  li a0, -1
  lui a0, 0
  ASSERT_EQ a0, 0
  TEST 104
  lui a0, 0x7ffff
  addi a0, a0, 0x7ff
  ASSERT_EQ a0, 0x7ffff7ff

  /* AUIPC: pc + (imm << 12, sign-extended) */
  TEST 110
1:
  auipc a0, 0
  la a1, 1b
  ASSERT_EQR a0, a1
  TEST 111
1:
  auipc a0, 1
  la a1, 1b
  li a2, 0x1000
  add a1, a1, a2
  ASSERT_EQR a0, a1
  TEST 112
1:
  auipc a0, 0xfffff
  la a1, 1b
  li a2, -0x1000
  add a1, a1, a2
  ASSERT_EQR a0, a1
  TEST 113
1:
  auipc a0, 0x80000
  la a1, 1b
  li a2, 0xffffffff80000000
  add a1, a1, a2
  ASSERT_EQR a0, a1
  TEST 114
1:
  auipc a0, 0x7ffff
  la a1, 1b
  li a2, 0x7ffff000
  add a1, a1, a2
  ASSERT_EQR a0, a1

  /* writes to x0 are discarded; NOP changes nothing */
  TEST 120
  li a0, 123
  addi x0, a0, 1
  lui x0, 0x12345
  auipc x0, 0x1
  slli x0, a0, 3
  xori x0, x0, -1
  ASSERT_EQ x0, 0
  addi a1, x0, 0
  ASSERT_EQ a1, 0
  nop
  ASSERT_EQ a0, 123

  TEST_PASS
TEST_END
