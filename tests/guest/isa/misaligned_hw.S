/* Misaligned loads and stores performed in hardware (hartlab with machine.misaligned =
 * "hardware", as QEMU does): LH LHU LW LWU LD FLW FLD at every offset that is not naturally
 * aligned give the little-endian value (sign- or zero-extended), SH SW SD FSW FSD write exactly
 * their bytes, within a line, across a cache line and across a 4 KiB page; from M, S and U.
 * A store whose second part is denied by PMP raises a store access fault (7) and writes
 * nothing. LR still raises a load address-misaligned exception (4), as on QEMU. */
#include "test.h"

/* a4 = the buffer (bytes i at offset i, i < 32); uses a0, a5 */
.macro LOAD_CHECKS
  lh a0, 1(a4)
  ASSERT_EQ a0, 0x0201
  lhu a0, 31(a4)            /* byte 31, then byte 32 = 0xa0 */
  ASSERT_EQ a0, 0xa01f
  lh a0, 31(a4)
  ASSERT_EQ a0, 0xffffffffffffa01f
  lw a0, 3(a4)
  ASSERT_EQ a0, 0x06050403
  lwu a0, 30(a4)
  ASSERT_EQ a0, 0xa1a01f1e
  lw a0, 30(a4)
  ASSERT_EQ a0, 0xffffffffa1a01f1e
  ld a0, 5(a4)
  ASSERT_EQ a0, 0x0c0b0a0908070605
  ld a0, 25(a4)
  ASSERT_EQ a0, 0xa01f1e1d1c1b1a19
.endm

TEST_BEGIN
  FP_ENABLE
  TEST 1
  /* loads within a line and across the line boundary at offset 32 */
  la a4, buf
  LOAD_CHECKS
  TEST 2
  /* stores write exactly their bytes */
  la a4, sbuf
  li a0, 0x8877665544332211
  sd a0, 3(a4)
  ld a1, 0(a4)
  ASSERT_EQ a1, 0x5544332211000000
  ld a1, 8(a4)
  ASSERT_EQ a1, 0x0000000000887766
  sw a0, 13(a4)
  ld a1, 8(a4)
  ASSERT_EQ a1, 0x3322110000887766
  ld a1, 16(a4)
  ASSERT_EQ a1, 0x44
  sh a0, 23(a4)
  ld a1, 16(a4)
  ASSERT_EQ a1, 0x1100000000000044
  ld a1, 24(a4)
  ASSERT_EQ a1, 0x22
  TEST 3
  /* across a 4 KiB page: the last 3 bytes of one page and the first 5 of the next */
  la a4, page_end
  li a0, 0x0102030405060708
  sd a0, -3(a4)
  ld a1, -3(a4)
  ASSERT_EQ a1, 0x0102030405060708
  lbu a1, -3(a4)
  ASSERT_EQ a1, 0x08
  lbu a1, 4(a4)
  ASSERT_EQ a1, 0x01
  lw a1, -1(a4)
  ASSERT_EQ a1, 0x03040506
  TEST 4
  /* floating point */
  la a4, buf
  flw f1, 1(a4)
  fmv.x.w a0, f1
  ASSERT_EQ a0, 0x04030201
  fld f2, 27(a4)
  fmv.x.d a0, f2
  ASSERT_EQ a0, 0xa2a1a01f1e1d1c1b
  la a4, sbuf
  fsd f2, 33(a4)
  ld a1, 33(a4)
  ASSERT_EQ a1, 0xa2a1a01f1e1d1c1b
  fsw f1, 42(a4)
  lwu a1, 42(a4)
  ASSERT_EQ a1, 0x04030201
  TEST 5
  /* from S and U */
  la a4, buf
  ENTER_MODE PRV_S, 1f
1:
  LOAD_CHECKS
  ECALL_TO_M 1f
1:
  ENTER_MODE PRV_U, 1f
1:
  LOAD_CHECKS
  ECALL_TO_M 1f
1:
  TEST 6
  /* LR stays aligned-only (so do SC and AMOs, which misaligned.S checks: QEMU 7.2 reports a
   * misaligned AMO as cause 4 and fails a misaligned SC without a trap) */
  la a4, sbuf
  addi a5, a4, 4
  TRAP_INSN CAUSE_MISALIGNED_LOAD, a5, lr.d a0, (a5)
  addi a5, a4, 2
  TRAP_INSN CAUSE_MISALIGNED_LOAD, a5, lr.w a0, (a5)
  TEST 7
  /* a store whose second part is denied by PMP writes nothing: entry 0 denies the guard
   * page to S and U, entry 1 allows everything else */
  la a0, guard
  srli a0, a0, 2
  ori a0, a0, 0x1ff         /* NAPOT, 4 KiB */
  csrw pmpaddr0, a0
  li a0, -1
  csrw pmpaddr1, a0
  li a0, 0x1f18             /* entry 0 NAPOT no access, entry 1 NAPOT RWX */
  csrw pmpcfg0, a0
  sfence.vma
  la a4, guard
  li a0, -1
  ENTER_MODE PRV_U, 1f
1:
  TRAP_INSN CAUSE_STORE_ACCESS, NOCHECK, sd a0, -4(a4)
  ECALL_TO_M 1f
1:
  ld a1, -8(a4)
  ASSERT_EQ a1, 0x7766554433221100
  TEST_PASS
TEST_END

  .data
  .balign 64
buf:
  .byte 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
  .byte 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
  .byte 0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7
  .balign 64
sbuf:
  .zero 64
  .balign 4096
  .zero 4096
page_end:
  .zero 4088
  .dword 0x7766554433221100
guard:
  .zero 4096
