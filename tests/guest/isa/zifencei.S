/* Zifencei: stores to instruction memory become visible to instruction fetch after FENCE.I:
 * patching an instruction that has already executed (32-bit and compressed), and generating a
 * routine in a data buffer and calling it, twice with different contents. */
#include "test.h"

/* encoding of addi a0, zero, imm */
#define ADDI_A0(imm) ((((imm) & 0xfff) << 20) | 0x513)
#define RET_INSN     0x00008067
/* c.li a0, imm (imm in -32..31) */
#define C_LI_A0(imm) (0x4000 | ((((imm) >> 5) & 1) << 12) | (10 << 7) | (((imm) & 0x1f) << 2) | 1)

TEST_BEGIN
  TEST 1
  /* run the routine once as linked */
  call patch_me
  ASSERT_EQ a0, 1
  TEST 2
  /* patch its first instruction, FENCE.I, run again */
  la a1, patch_me
  li a2, ADDI_A0(2)
  sw a2, 0(a1)
  fence.i
  call patch_me
  ASSERT_EQ a0, 2
  TEST 3
  /* and again: each FENCE.I publishes the latest store */
  li a2, ADDI_A0(-5)
  sw a2, 0(a1)
  fence.i
  call patch_me
  ASSERT_EQ a0, -5
  TEST 4
  /* a compressed instruction */
  call patch_c
  ASSERT_EQ a0, 3
  la a1, patch_c
  li a2, C_LI_A0(-7)
  sh a2, 0(a1)
  fence.i
  call patch_c
  ASSERT_EQ a0, -7
  TEST 5
  /* code generated in a data buffer */
  la a1, code_buf
  li a2, ADDI_A0(0x123)
  sw a2, 0(a1)
  li a2, RET_INSN
  sw a2, 4(a1)
  fence.i
  li a0, 0
  jalr ra, 0(a1)
  ASSERT_EQ a0, 0x123
  TEST 6
  li a2, ADDI_A0(-0x456)
  sw a2, 0(a1)
  fence.i
  jalr ra, 0(a1)
  ASSERT_EQ a0, -0x456
  TEST 7
  /* patch the instruction right after the FENCE.I in a straight line of code */
  la a1, 1f
  li a2, ADDI_A0(77)
  li a0, 0
  sw a2, 0(a1)
  fence.i
1:
  addi a0, zero, 11
  ASSERT_EQ a0, 77

  TEST_PASS

  .align 2
patch_me:
  addi a0, zero, 1
  ret
  .align 2
patch_c:
  .option push
  .option rvc
  c.li a0, 3
  c.jr ra
  .option pop
TEST_END

  .data
  .align 6
code_buf:
  .zero 64
