/* RV64A: LR.W/LR.D (sign extension), SC.W/SC.D success (rd = 0, memory written), failure
 * without a reservation and after the reservation was consumed by an SC (rd != 0, memory
 * unchanged), SC to another address than the LR; every AMO (SWAP ADD XOR AND OR MIN MAX MINU
 * MAXU) in .W and .D: rd = old value (sign-extended for .W), memory = op(old, rs2), .W touching
 * only its 4 bytes (at offset 0 and 4 of a doubleword); rd == x0 and rd == rs2; aq/rl forms.
 * (Misaligned AMO / LR / SC are in the hartlab-only program misaligned.S: QEMU 7.2 reports
 * cause 4 instead of 6 for a misaligned AMO.) */
#include "test.h"

/* T_AMO n, insn, initial doubleword, rs2, expected rd, expected doubleword, byte offset */
.macro T_AMO n, insn, init, src, rd, mem, off
  TEST \n
  la a0, amo_buf
  li a1, \init
  sd a1, 0(a0)
  addi a0, a0, \off
  li a2, \src
  \insn a3, a2, (a0)
  ASSERT_EQ a3, \rd
  ASSERT_EQ a2, \src
  la a0, amo_buf
  ld a4, 0(a0)
  ASSERT_EQ a4, \mem
.endm

TEST_BEGIN
  /* AMOSWAP */
  T_AMO 1, amoswap.d, 0x0000000000000005, 0x0000000000000003, 0x0000000000000005, 0x0000000000000003, 0
  T_AMO 2, amoswap.d, 0x8000000000000000, 0x7fffffffffffffff, 0x8000000000000000, 0x7fffffffffffffff, 0
  T_AMO 3, amoswap.d, 0xffffffffffffffff, 0x0000000000000001, 0xffffffffffffffff, 0x0000000000000001, 0
  T_AMO 4, amoswap.d, 0x123456789abcdef0, 0xfedcba9876543210, 0x123456789abcdef0, 0xfedcba9876543210, 0
  T_AMO 5, amoswap.w, 0xdeadbeef00000005, 0x0000000000000003, 0x0000000000000005, 0xdeadbeef00000003, 0
  T_AMO 6, amoswap.w, 0xdeadbeef80000000, 0x000000007fffffff, 0xffffffff80000000, 0xdeadbeef7fffffff, 0
  T_AMO 7, amoswap.w, 0x12345678ffffffff, 0xffffffff00000001, 0xffffffffffffffff, 0x1234567800000001, 0
  T_AMO 8, amoswap.w, 0xcafef00d7fffffff, 0x0000000000000001, 0x000000007fffffff, 0xcafef00d00000001, 0
  T_AMO 9, amoswap.w, 0x8000000012345678, 0x000000009abcdef0, 0x0000000012345678, 0x800000009abcdef0, 0
  T_AMO 10, amoswap.w, 0x80000001fffffffe, 0x0000000000000003, 0xffffffff80000001, 0x00000003fffffffe, 4
  /* AMOADD */
  T_AMO 11, amoadd.d, 0x0000000000000005, 0x0000000000000003, 0x0000000000000005, 0x0000000000000008, 0
  T_AMO 12, amoadd.d, 0x8000000000000000, 0x7fffffffffffffff, 0x8000000000000000, 0xffffffffffffffff, 0
  T_AMO 13, amoadd.d, 0xffffffffffffffff, 0x0000000000000001, 0xffffffffffffffff, 0x0000000000000000, 0
  T_AMO 14, amoadd.d, 0x123456789abcdef0, 0xfedcba9876543210, 0x123456789abcdef0, 0x1111111111111100, 0
  T_AMO 15, amoadd.w, 0xdeadbeef00000005, 0x0000000000000003, 0x0000000000000005, 0xdeadbeef00000008, 0
  T_AMO 16, amoadd.w, 0xdeadbeef80000000, 0x000000007fffffff, 0xffffffff80000000, 0xdeadbeefffffffff, 0
  T_AMO 17, amoadd.w, 0x12345678ffffffff, 0xffffffff00000001, 0xffffffffffffffff, 0x1234567800000000, 0
  T_AMO 18, amoadd.w, 0xcafef00d7fffffff, 0x0000000000000001, 0x000000007fffffff, 0xcafef00d80000000, 0
  T_AMO 19, amoadd.w, 0x8000000012345678, 0x000000009abcdef0, 0x0000000012345678, 0x80000000acf13568, 0
  T_AMO 20, amoadd.w, 0x80000001fffffffe, 0x0000000000000003, 0xffffffff80000001, 0x80000004fffffffe, 4
  /* AMOXOR */
  T_AMO 21, amoxor.d, 0x0000000000000005, 0x0000000000000003, 0x0000000000000005, 0x0000000000000006, 0
  T_AMO 22, amoxor.d, 0x8000000000000000, 0x7fffffffffffffff, 0x8000000000000000, 0xffffffffffffffff, 0
  T_AMO 23, amoxor.d, 0xffffffffffffffff, 0x0000000000000001, 0xffffffffffffffff, 0xfffffffffffffffe, 0
  T_AMO 24, amoxor.d, 0x123456789abcdef0, 0xfedcba9876543210, 0x123456789abcdef0, 0xece8ece0ece8ece0, 0
  T_AMO 25, amoxor.w, 0xdeadbeef00000005, 0x0000000000000003, 0x0000000000000005, 0xdeadbeef00000006, 0
  T_AMO 26, amoxor.w, 0xdeadbeef80000000, 0x000000007fffffff, 0xffffffff80000000, 0xdeadbeefffffffff, 0
  T_AMO 27, amoxor.w, 0x12345678ffffffff, 0xffffffff00000001, 0xffffffffffffffff, 0x12345678fffffffe, 0
  T_AMO 28, amoxor.w, 0xcafef00d7fffffff, 0x0000000000000001, 0x000000007fffffff, 0xcafef00d7ffffffe, 0
  T_AMO 29, amoxor.w, 0x8000000012345678, 0x000000009abcdef0, 0x0000000012345678, 0x8000000088888888, 0
  T_AMO 30, amoxor.w, 0x80000001fffffffe, 0x0000000000000003, 0xffffffff80000001, 0x80000002fffffffe, 4
  /* AMOAND */
  T_AMO 31, amoand.d, 0x0000000000000005, 0x0000000000000003, 0x0000000000000005, 0x0000000000000001, 0
  T_AMO 32, amoand.d, 0x8000000000000000, 0x7fffffffffffffff, 0x8000000000000000, 0x0000000000000000, 0
  T_AMO 33, amoand.d, 0xffffffffffffffff, 0x0000000000000001, 0xffffffffffffffff, 0x0000000000000001, 0
  T_AMO 34, amoand.d, 0x123456789abcdef0, 0xfedcba9876543210, 0x123456789abcdef0, 0x1214121812141210, 0
  T_AMO 35, amoand.w, 0xdeadbeef00000005, 0x0000000000000003, 0x0000000000000005, 0xdeadbeef00000001, 0
  T_AMO 36, amoand.w, 0xdeadbeef80000000, 0x000000007fffffff, 0xffffffff80000000, 0xdeadbeef00000000, 0
  T_AMO 37, amoand.w, 0x12345678ffffffff, 0xffffffff00000001, 0xffffffffffffffff, 0x1234567800000001, 0
  T_AMO 38, amoand.w, 0xcafef00d7fffffff, 0x0000000000000001, 0x000000007fffffff, 0xcafef00d00000001, 0
  T_AMO 39, amoand.w, 0x8000000012345678, 0x000000009abcdef0, 0x0000000012345678, 0x8000000012345670, 0
  T_AMO 40, amoand.w, 0x80000001fffffffe, 0x0000000000000003, 0xffffffff80000001, 0x00000001fffffffe, 4
  /* AMOOR */
  T_AMO 41, amoor.d, 0x0000000000000005, 0x0000000000000003, 0x0000000000000005, 0x0000000000000007, 0
  T_AMO 42, amoor.d, 0x8000000000000000, 0x7fffffffffffffff, 0x8000000000000000, 0xffffffffffffffff, 0
  T_AMO 43, amoor.d, 0xffffffffffffffff, 0x0000000000000001, 0xffffffffffffffff, 0xffffffffffffffff, 0
  T_AMO 44, amoor.d, 0x123456789abcdef0, 0xfedcba9876543210, 0x123456789abcdef0, 0xfefcfef8fefcfef0, 0
  T_AMO 45, amoor.w, 0xdeadbeef00000005, 0x0000000000000003, 0x0000000000000005, 0xdeadbeef00000007, 0
  T_AMO 46, amoor.w, 0xdeadbeef80000000, 0x000000007fffffff, 0xffffffff80000000, 0xdeadbeefffffffff, 0
  T_AMO 47, amoor.w, 0x12345678ffffffff, 0xffffffff00000001, 0xffffffffffffffff, 0x12345678ffffffff, 0
  T_AMO 48, amoor.w, 0xcafef00d7fffffff, 0x0000000000000001, 0x000000007fffffff, 0xcafef00d7fffffff, 0
  T_AMO 49, amoor.w, 0x8000000012345678, 0x000000009abcdef0, 0x0000000012345678, 0x800000009abcdef8, 0
  T_AMO 50, amoor.w, 0x80000001fffffffe, 0x0000000000000003, 0xffffffff80000001, 0x80000003fffffffe, 4
  /* AMOMIN */
  T_AMO 51, amomin.d, 0x0000000000000005, 0x0000000000000003, 0x0000000000000005, 0x0000000000000003, 0
  T_AMO 52, amomin.d, 0x8000000000000000, 0x7fffffffffffffff, 0x8000000000000000, 0x8000000000000000, 0
  T_AMO 53, amomin.d, 0xffffffffffffffff, 0x0000000000000001, 0xffffffffffffffff, 0xffffffffffffffff, 0
  T_AMO 54, amomin.d, 0x123456789abcdef0, 0xfedcba9876543210, 0x123456789abcdef0, 0xfedcba9876543210, 0
  T_AMO 55, amomin.w, 0xdeadbeef00000005, 0x0000000000000003, 0x0000000000000005, 0xdeadbeef00000003, 0
  T_AMO 56, amomin.w, 0xdeadbeef80000000, 0x000000007fffffff, 0xffffffff80000000, 0xdeadbeef80000000, 0
  T_AMO 57, amomin.w, 0x12345678ffffffff, 0xffffffff00000001, 0xffffffffffffffff, 0x12345678ffffffff, 0
  T_AMO 58, amomin.w, 0xcafef00d7fffffff, 0x0000000000000001, 0x000000007fffffff, 0xcafef00d00000001, 0
  T_AMO 59, amomin.w, 0x8000000012345678, 0x000000009abcdef0, 0x0000000012345678, 0x800000009abcdef0, 0
  T_AMO 60, amomin.w, 0x80000001fffffffe, 0x0000000000000003, 0xffffffff80000001, 0x80000001fffffffe, 4
  /* AMOMAX */
  T_AMO 61, amomax.d, 0x0000000000000005, 0x0000000000000003, 0x0000000000000005, 0x0000000000000005, 0
  T_AMO 62, amomax.d, 0x8000000000000000, 0x7fffffffffffffff, 0x8000000000000000, 0x7fffffffffffffff, 0
  T_AMO 63, amomax.d, 0xffffffffffffffff, 0x0000000000000001, 0xffffffffffffffff, 0x0000000000000001, 0
  T_AMO 64, amomax.d, 0x123456789abcdef0, 0xfedcba9876543210, 0x123456789abcdef0, 0x123456789abcdef0, 0
  T_AMO 65, amomax.w, 0xdeadbeef00000005, 0x0000000000000003, 0x0000000000000005, 0xdeadbeef00000005, 0
  T_AMO 66, amomax.w, 0xdeadbeef80000000, 0x000000007fffffff, 0xffffffff80000000, 0xdeadbeef7fffffff, 0
  T_AMO 67, amomax.w, 0x12345678ffffffff, 0xffffffff00000001, 0xffffffffffffffff, 0x1234567800000001, 0
  T_AMO 68, amomax.w, 0xcafef00d7fffffff, 0x0000000000000001, 0x000000007fffffff, 0xcafef00d7fffffff, 0
  T_AMO 69, amomax.w, 0x8000000012345678, 0x000000009abcdef0, 0x0000000012345678, 0x8000000012345678, 0
  T_AMO 70, amomax.w, 0x80000001fffffffe, 0x0000000000000003, 0xffffffff80000001, 0x00000003fffffffe, 4
  /* AMOMINU */
  T_AMO 71, amominu.d, 0x0000000000000005, 0x0000000000000003, 0x0000000000000005, 0x0000000000000003, 0
  T_AMO 72, amominu.d, 0x8000000000000000, 0x7fffffffffffffff, 0x8000000000000000, 0x7fffffffffffffff, 0
  T_AMO 73, amominu.d, 0xffffffffffffffff, 0x0000000000000001, 0xffffffffffffffff, 0x0000000000000001, 0
  T_AMO 74, amominu.d, 0x123456789abcdef0, 0xfedcba9876543210, 0x123456789abcdef0, 0x123456789abcdef0, 0
  T_AMO 75, amominu.w, 0xdeadbeef00000005, 0x0000000000000003, 0x0000000000000005, 0xdeadbeef00000003, 0
  T_AMO 76, amominu.w, 0xdeadbeef80000000, 0x000000007fffffff, 0xffffffff80000000, 0xdeadbeef7fffffff, 0
  T_AMO 77, amominu.w, 0x12345678ffffffff, 0xffffffff00000001, 0xffffffffffffffff, 0x1234567800000001, 0
  T_AMO 78, amominu.w, 0xcafef00d7fffffff, 0x0000000000000001, 0x000000007fffffff, 0xcafef00d00000001, 0
  T_AMO 79, amominu.w, 0x8000000012345678, 0x000000009abcdef0, 0x0000000012345678, 0x8000000012345678, 0
  T_AMO 80, amominu.w, 0x80000001fffffffe, 0x0000000000000003, 0xffffffff80000001, 0x00000003fffffffe, 4
  /* AMOMAXU */
  T_AMO 81, amomaxu.d, 0x0000000000000005, 0x0000000000000003, 0x0000000000000005, 0x0000000000000005, 0
  T_AMO 82, amomaxu.d, 0x8000000000000000, 0x7fffffffffffffff, 0x8000000000000000, 0x8000000000000000, 0
  T_AMO 83, amomaxu.d, 0xffffffffffffffff, 0x0000000000000001, 0xffffffffffffffff, 0xffffffffffffffff, 0
  T_AMO 84, amomaxu.d, 0x123456789abcdef0, 0xfedcba9876543210, 0x123456789abcdef0, 0xfedcba9876543210, 0
  T_AMO 85, amomaxu.w, 0xdeadbeef00000005, 0x0000000000000003, 0x0000000000000005, 0xdeadbeef00000005, 0
  T_AMO 86, amomaxu.w, 0xdeadbeef80000000, 0x000000007fffffff, 0xffffffff80000000, 0xdeadbeef80000000, 0
  T_AMO 87, amomaxu.w, 0x12345678ffffffff, 0xffffffff00000001, 0xffffffffffffffff, 0x12345678ffffffff, 0
  T_AMO 88, amomaxu.w, 0xcafef00d7fffffff, 0x0000000000000001, 0x000000007fffffff, 0xcafef00d7fffffff, 0
  T_AMO 89, amomaxu.w, 0x8000000012345678, 0x000000009abcdef0, 0x0000000012345678, 0x800000009abcdef0, 0
  T_AMO 90, amomaxu.w, 0x80000001fffffffe, 0x0000000000000003, 0xffffffff80000001, 0x80000001fffffffe, 4

  /* AMO with rd == x0 still updates memory; rd == rs2 gets the old value */
  TEST 100
  la a0, amo_buf
  li a1, 10
  sd a1, 0(a0)
  li a2, 5
  amoadd.d x0, a2, (a0)
  ld a3, 0(a0)
  ASSERT_EQ a3, 15
  amoswap.d a2, a2, (a0)
  ASSERT_EQ a2, 15
  ld a3, 0(a0)
  ASSERT_EQ a3, 5
  li a2, -1
  amoadd.w a2, a2, (a0)
  ASSERT_EQ a2, 5
  ld a3, 0(a0)
  ASSERT_EQ a3, 4
  TEST 101
  /* aq / rl / aqrl encodings behave the same */
  amoadd.d.aq a3, a2, (a0)
  ASSERT_EQ a3, 4
  amoadd.d.rl a3, a2, (a0)
  ASSERT_EQ a3, 9
  amoor.w.aqrl a3, a2, (a0)
  ASSERT_EQ a3, 14
  ld a3, 0(a0)
  ASSERT_EQ a3, 15

  /* LR / SC */
  TEST 110
  la a0, lr_buf
  li a1, 0xffffffff80000001
  sd a1, 0(a0)
  lr.w a2, (a0)
  ASSERT_EQ a2, 0xffffffff80000001
  li a3, 0x7777
  sc.w a4, a3, (a0)
  ASSERT_EQ a4, 0
  ld a5, 0(a0)
  ASSERT_EQ a5, 0xffffffff00007777
  TEST 111
  /* the SC consumed the reservation: a second SC fails and does not write */
  li a3, 0x1234
  sc.w a4, a3, (a0)
  ASSERT_NE a4, 0
  ld a5, 0(a0)
  ASSERT_EQ a5, 0xffffffff00007777
  TEST 112
  /* LR.D / SC.D */
  li a1, 0x8000000000000000
  sd a1, 0(a0)
  lr.d a2, (a0)
  ASSERT_EQ a2, 0x8000000000000000
  addi a2, a2, 1
  sc.d a4, a2, (a0)
  ASSERT_EQ a4, 0
  ld a5, 0(a0)
  ASSERT_EQ a5, 0x8000000000000001
  TEST 113
  sc.d a4, zero, (a0)
  ASSERT_NE a4, 0
  ld a5, 0(a0)
  ASSERT_EQ a5, 0x8000000000000001
  TEST 114
  /* SC to an address far from the reserved one fails */
  la a1, lr_buf2
  li a2, 0x55
  sd a2, 0(a1)
  lr.d a2, (a0)
  li a3, 0x66
  sc.d a4, a3, (a1)
  ASSERT_NE a4, 0
  ld a5, 0(a1)
  ASSERT_EQ a5, 0x55
  /* ...and that failed SC also ended the reservation on lr_buf */
  sc.d a4, a3, (a0)
  ASSERT_NE a4, 0
  ld a5, 0(a0)
  ASSERT_EQ a5, 0x8000000000000001
  TEST 115
  /* the usual retry loop: atomic increment with LR/SC */
  li a1, 0
  sd a1, 0(a0)
  li a6, 3
1:
  lr.d.aq a2, (a0)
  addi a2, a2, 7
  sc.d.rl a4, a2, (a0)
  bnez a4, 1b
  addi a6, a6, -1
  bnez a6, 1b
  ld a5, 0(a0)
  ASSERT_EQ a5, 21
  TEST 116
  /* LR.W then SC.W to the upper word of the same doubleword */
  li a1, 0x1111111122222222
  sd a1, 0(a0)
  addi a6, a0, 4
  lr.w a2, (a6)
  ASSERT_EQ a2, 0x11111111
  li a3, -1
  sc.w a4, a3, (a6)
  ASSERT_EQ a4, 0
  ld a5, 0(a0)
  ASSERT_EQ a5, 0xffffffff22222222
  TEST 117
  /* the rd of a successful SC may be the source register */
  lr.d a2, (a0)
  li a3, 0x42
  sc.d a3, a3, (a0)
  ASSERT_EQ a3, 0
  ld a5, 0(a0)
  ASSERT_EQ a5, 0x42

  TEST_PASS
TEST_END

  .data
  .align 4
amo_buf: .dword 0, 0
  .align 6
lr_buf:  .dword 0, 0
  .align 12
lr_buf2: .dword 0, 0
