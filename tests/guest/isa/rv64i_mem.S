/* RV64I loads and stores: LB LH LW LD LBU LHU LWU sign / zero extension, positive and negative
 * offsets, rd == rs1; SB SH SW SD write only their bytes (little-endian) and leave neighbours
 * alone; store-to-load forwarding; loads into x0; FENCE variants. All accesses aligned. */
#include "test.h"

TEST_BEGIN
  /* data: 0x8899aabbccddeeff at data+0 (bytes ff ee dd cc bb aa 99 88),
   *       0x0011223344556677 at data+8 */
  TEST 1
  la a0, data
  lb a1, 0(a0)
  ASSERT_EQ a1, 0xffffffffffffffff
  lbu a1, 0(a0)
  ASSERT_EQ a1, 0xff
  lb a1, 8(a0)
  ASSERT_EQ a1, 0x77
  lbu a1, 15(a0)
  ASSERT_EQ a1, 0x00
  lb a1, 7(a0)
  ASSERT_EQ a1, 0xffffffffffffff88
  lbu a1, 7(a0)
  ASSERT_EQ a1, 0x88
  lb a1, 14(a0)
  ASSERT_EQ a1, 0x11
  TEST 2
  lh a1, 0(a0)
  ASSERT_EQ a1, 0xffffffffffffeeff
  lhu a1, 0(a0)
  ASSERT_EQ a1, 0xeeff
  lh a1, 6(a0)
  ASSERT_EQ a1, 0xffffffffffff8899
  lhu a1, 6(a0)
  ASSERT_EQ a1, 0x8899
  lh a1, 8(a0)
  ASSERT_EQ a1, 0x6677
  lhu a1, 14(a0)
  ASSERT_EQ a1, 0x0011
  TEST 3
  lw a1, 0(a0)
  ASSERT_EQ a1, 0xffffffffccddeeff
  lwu a1, 0(a0)
  ASSERT_EQ a1, 0xccddeeff
  lw a1, 4(a0)
  ASSERT_EQ a1, 0xffffffff8899aabb
  lwu a1, 4(a0)
  ASSERT_EQ a1, 0x8899aabb
  lw a1, 8(a0)
  ASSERT_EQ a1, 0x44556677
  lwu a1, 12(a0)
  ASSERT_EQ a1, 0x00112233
  TEST 4
  ld a1, 0(a0)
  ASSERT_EQ a1, 0x8899aabbccddeeff
  ld a1, 8(a0)
  ASSERT_EQ a1, 0x0011223344556677
  TEST 5
  /* negative offsets */
  la a0, data + 16
  ld a1, -16(a0)
  ASSERT_EQ a1, 0x8899aabbccddeeff
  lw a1, -4(a0)
  ASSERT_EQ a1, 0x00112233
  lh a1, -10(a0)
  ASSERT_EQ a1, 0xffffffffffff8899
  lbu a1, -9(a0)
  ASSERT_EQ a1, 0x88
  /* largest offsets */
  la a0, data - 2047
  lbu a1, 2047(a0)
  ASSERT_EQ a1, 0xff
  la a0, data + 2048
  ld a1, -2048(a0)
  ASSERT_EQ a1, 0x8899aabbccddeeff
  TEST 6
  /* rd == rs1 */
  la a0, data
  ld a0, 8(a0)
  ASSERT_EQ a0, 0x0011223344556677
  la a0, data
  lb a0, 0(a0)
  ASSERT_EQ a0, -1
  TEST 7
  /* load into x0: no effect */
  la a0, data
  ld x0, 0(a0)
  lw x0, 4(a0)
  lbu x0, 7(a0)
  ASSERT_EQ x0, 0

  /* stores: only the addressed bytes change */
  TEST 10
  la a0, scratch
  li a1, -1
  sd a1, 0(a0)
  sd a1, 8(a0)
  li a2, 0x0123456789abcdef
  sb a2, 1(a0)
  ld a3, 0(a0)
  ASSERT_EQ a3, 0xffffffffffffefff
  sb a2, 15(a0)
  ld a3, 8(a0)
  ASSERT_EQ a3, 0xefffffffffffffff
  TEST 11
  sh a2, 2(a0)
  ld a3, 0(a0)
  ASSERT_EQ a3, 0xffffffffcdefefff
  sh zero, 8(a0)
  ld a3, 8(a0)
  ASSERT_EQ a3, 0xefffffffffff0000
  TEST 12
  sw a2, 4(a0)
  ld a3, 0(a0)
  ASSERT_EQ a3, 0x89abcdefcdefefff
  sw a2, 8(a0)
  ld a3, 8(a0)
  ASSERT_EQ a3, 0xefffffff89abcdef
  TEST 13
  sd a2, 8(a0)
  ld a3, 8(a0)
  ASSERT_EQ a3, 0x0123456789abcdef
  ld a3, 0(a0)
  ASSERT_EQ a3, 0x89abcdefcdefefff
  TEST 14
  /* little-endian byte order of a doubleword store */
  li a1, 0x0807060504030201
  sd a1, 0(a0)
  lbu a3, 0(a0)
  ASSERT_EQ a3, 1
  lbu a3, 3(a0)
  ASSERT_EQ a3, 4
  lbu a3, 7(a0)
  ASSERT_EQ a3, 8
  lhu a3, 2(a0)
  ASSERT_EQ a3, 0x0403
  lwu a3, 4(a0)
  ASSERT_EQ a3, 0x08070605
  TEST 15
  /* negative store offsets, store of x0 */
  la a0, scratch + 16
  li a1, 0x1122334455667788
  sd a1, -16(a0)
  sw zero, -12(a0)
  sh a1, -14(a0)
  la a0, scratch
  ld a3, 0(a0)
  ASSERT_EQ a3, 0x0000000077887788
  TEST 16
  /* stored register is not modified; back-to-back store / load of the same word */
  li a1, 0xa5a5a5a5a5a5a5a5
  sd a1, 0(a0)
  ASSERT_EQ a1, 0xa5a5a5a5a5a5a5a5
  li a2, 0x5a
  sb a2, 0(a0)
  lbu a3, 0(a0)
  ASSERT_EQ a3, 0x5a
  sw a2, 0(a0)
  lw a3, 0(a0)
  ASSERT_EQ a3, 0x5a
  TEST 17
  /* base register == data register */
  la a0, scratch
  sd a0, 0(a0)
  ld a1, 0(a0)
  ASSERT_EQR a1, a0

  /* FENCE: all forms execute as ordering points without side effects */
  TEST 20
  la a0, scratch
  li a1, 42
  sd a1, 0(a0)
  fence
  fence rw, rw
  fence iorw, iorw
  fence r, r
  fence w, w
  fence i, o
  fence.tso
  /* fence with nonzero rd/rs1 fields is reserved but must execute (as a fence) */
  .word 0x0ff5800f            /* fence iorw,iorw with rs1 = a1 */
  ld a2, 0(a0)
  ASSERT_EQ a2, 42
  ASSERT_EQ a1, 42

  TEST_PASS
TEST_END

  .data
  .align 4
data:
  .dword 0x8899aabbccddeeff
  .dword 0x0011223344556677
  .align 4
scratch:
  .zero 32
