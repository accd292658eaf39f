/* hartlab-only (QEMU virt has no HTIF): reporting through the riscv-tests HTIF convention.
 * test.h with HL_REPORT_HTIF defines `tohost` and `fromhost` (8 bytes each, 64-byte aligned, in
 * section .tohost) and reports pass by storing 1 to tohost, failure of test N by storing
 * (N << 1) | 1. The checks make sure the symbols are where a loader looks for them. */
#define HL_REPORT_HTIF
#include "test.h"

TEST_BEGIN
  TEST 1
  /* tohost / fromhost: 64-byte aligned, zero until written */
  la a0, tohost
  andi a1, a0, 63
  ASSERT_EQ a1, 0
  ld a1, 0(a0)
  ASSERT_EQ a1, 0
  la a2, fromhost
  andi a1, a2, 63
  ASSERT_EQ a1, 0
  ld a1, 0(a2)
  ASSERT_EQ a1, 0
  ASSERT_NER a0, a2
  TEST 2
  /* in the page-aligned .tohost section right after .text.init */
  la a1, _start
  ASSERT_LTU a1, a0
  li a2, 0xfff
  and a3, a0, a2
  ASSERT_EQ a3, 0
  TEST 3
  /* a little arithmetic so the program is not empty */
  li a1, 6
  li a2, 7
  mul a3, a1, a2
  ASSERT_EQ a3, 42
  TEST_PASS
TEST_END
