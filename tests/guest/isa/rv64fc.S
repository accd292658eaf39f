/* RV64C floating-point loads and stores, with their explicit c. mnemonics: C.FLD C.FSD (f8-f15
 * with a base in x8-x15, offsets 0..248 scaled by 8) and C.FLDSP C.FSDSP (any f register,
 * sp-relative, offsets 0..504 scaled by 8). Each instruction's encoding is read back from memory
 * and compared with its expected 16 bits (so the assembler really emitted the compressed form,
 * with the fields where they belong). Bits pass unchanged (signalling NaN payloads, a boxed
 * single), no flags are raised, stores write exactly 8 bytes, and each is checked at the smallest
 * and the largest offset. FS = Off for these: fp_csr.S. */
#include "test.h"

TEST_BEGIN
  FP_ENABLE
  fscsr zero
  .option rvc

  /* ---- C.FLD ---- */
  TEST 1
  la s0, cdata
  la a5, cdata + 256
  li a0, 0x7ff0000000000001   /* sNaN */
  sd a0, 0(s0)
  li a0, 0x0123456789abcdef
  sd a0, 248(a5)
  li a0, 0xffffffff3f800000   /* a boxed single */
  sd a0, 136(s0)
  li a0, 0xc00921fb54442d18
  sd a0, 8(a5)
.Lfld0:
  c.fld fs0, 0(s0)            /* f8, x8, offset 0 */
.Lfld1:
  c.fld fa5, 248(a5)          /* f15, x15, largest offset */
.Lfld2:
  c.fld fa0, 136(s0)
.Lfld3:
  c.fld fs1, 8(a5)
  ASSERT_FFLAGS 0
  ASSERT_FD fs0, 0x7ff0000000000001
  ASSERT_FD fa5, 0x0123456789abcdef
  ASSERT_FS fa0, 0x3f800000
  ASSERT_FD fs1, 0xc00921fb54442d18
  TEST 2
  INSN_BITS a0, .Lfld0
  ASSERT_EQ a0, 0x2000
  INSN_BITS a0, .Lfld1
  ASSERT_EQ a0, 0x3ffc
  INSN_BITS a0, .Lfld2
  ASSERT_EQ a0, 0x2448
  INSN_BITS a0, .Lfld3
  ASSERT_EQ a0, 0x2784

  /* ---- C.FSD ---- */
  TEST 3
  la s1, cbuf
  li a0, 0xaaaaaaaaaaaaaaaa
  sd a0, 0(s1)
  sd a0, 8(s1)
  sd a0, 16(s1)
  sd a0, 240(s1)
  sd a0, 248(s1)
  FLI_D fa4, 0x7ff4000000000abc
  FLI_S fs0, 0x7f800001
.Lfsd0:
  c.fsd fa4, 8(s1)
.Lfsd1:
  c.fsd fs0, 248(s1)          /* largest offset */
  ld a0, 0(s1)
  ASSERT_EQ a0, 0xaaaaaaaaaaaaaaaa
  ld a0, 8(s1)
  ASSERT_EQ a0, 0x7ff4000000000abc
  ld a0, 16(s1)
  ASSERT_EQ a0, 0xaaaaaaaaaaaaaaaa
  ld a0, 240(s1)
  ASSERT_EQ a0, 0xaaaaaaaaaaaaaaaa
  ld a0, 248(s1)
  ASSERT_EQ a0, 0xffffffff7f800001
  mv a3, s1
  FLI_D fa1, 0x8000000000000000
.Lfsd2:
  c.fsd fa1, 0(a3)            /* x13, offset 0 */
  ld a0, 0(s1)
  ASSERT_EQ a0, 0x8000000000000000
  ASSERT_FFLAGS 0
  TEST 4
  INSN_BITS a0, .Lfsd0
  ASSERT_EQ a0, 0xa498
  INSN_BITS a0, .Lfsd1
  ASSERT_EQ a0, 0xbce0
  INSN_BITS a0, .Lfsd2
  ASSERT_EQ a0, 0xa28c

  /* ---- C.FLDSP ---- */
  TEST 5
  la sp, spdata
  li a0, 0x7ff0000000000123
  sd a0, 0(sp)
  li a0, 0x3ff0000000000001
  sd a0, 504(sp)
  li a0, 0xfff8000000000000
  sd a0, 264(sp)
.Lfldsp0:
  c.fldsp f0, 0(sp)
.Lfldsp1:
  c.fldsp f31, 504(sp)        /* largest offset */
.Lfldsp2:
  c.fldsp ft5, 264(sp)
  ASSERT_FFLAGS 0
  ASSERT_FD f0, 0x7ff0000000000123
  ASSERT_FD f31, 0x3ff0000000000001
  ASSERT_FD ft5, 0xfff8000000000000
  TEST 6
  INSN_BITS a0, .Lfldsp0
  ASSERT_EQ a0, 0x2002
  INSN_BITS a0, .Lfldsp1
  ASSERT_EQ a0, 0x3ffe
  INSN_BITS a0, .Lfldsp2
  ASSERT_EQ a0, 0x22b2

  /* ---- C.FSDSP ---- */
  TEST 7
  li a0, 0x5555555555555555
  sd a0, 8(sp)
  sd a0, 16(sp)
  sd a0, 24(sp)
  sd a0, 496(sp)
  sd a0, 504(sp)
  FLI_D f31, 0xfff0000000000042
  FLI_D f0, 0x0000000000000001
  FLI_S fs11, 0xff800000
.Lfsdsp0:
  c.fsdsp f31, 504(sp)        /* largest offset */
.Lfsdsp1:
  c.fsdsp f0, 16(sp)
.Lfsdsp2:
  c.fsdsp fs11, 0(sp)
  ld a0, 496(sp)
  ASSERT_EQ a0, 0x5555555555555555
  ld a0, 504(sp)
  ASSERT_EQ a0, 0xfff0000000000042
  ld a0, 8(sp)
  ASSERT_EQ a0, 0x5555555555555555
  ld a0, 16(sp)
  ASSERT_EQ a0, 1
  ld a0, 24(sp)
  ASSERT_EQ a0, 0x5555555555555555
  ld a0, 0(sp)
  ASSERT_EQ a0, 0xffffffffff800000
  ASSERT_FFLAGS 0
  TEST 8
  INSN_BITS a0, .Lfsdsp0
  ASSERT_EQ a0, 0xbffe
  INSN_BITS a0, .Lfsdsp1
  ASSERT_EQ a0, 0xa802
  INSN_BITS a0, .Lfsdsp2
  ASSERT_EQ a0, 0xa06e

  /* ---- round trip: C.FSDSP then C.FLD of the same doubleword ---- */
  TEST 9
  FLI_D fa2, 0x7ff00000deadbeef
  c.fsdsp fa2, 40(sp)
  mv a4, sp
  c.fld fa3, 40(a4)
  ASSERT_FD fa3, 0x7ff00000deadbeef
  ASSERT_FFLAGS 0

  .option norvc
  TEST_PASS
TEST_END

  .data
  .align 4
cdata:
  .zero 512
cbuf:
  .zero 256
spdata:
  .zero 512
