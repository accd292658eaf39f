/* RV64F / RV64D loads, stores and NaN boxing: FLW FSW FLD FSD with offsets 0, +/-small,
 * -2048 and +2044 / +2040, bits unchanged (signalling NaN payloads too) and no flags; FSW / FSD
 * write exactly 4 / 8 bytes. NaN boxing: a single written to an f register by FLW, FMV.W.X or
 * any .S operation (arithmetic, FMA, FSQRT, FMIN, sign injection, FCVT.S.D, FCVT.S.W / .LU) has
 * its upper 32 bits all ones (seen through FMV.X.D and through FSD). A .S instruction reading a
 * register that is not properly boxed (upper 32 bits not all ones: FMV.D.X of a small integer,
 * one upper bit clear, a double) sees the canonical NaN 0x7fc00000: arithmetic gives the canonical
 * NaN with no flag (even if the low 32 bits look like a signalling NaN, and no DZ for x / 0),
 * FSGNJ / FSGNJN / FSGNJX / FMV.S / FNEG.S / FABS.S work on 0x7fc00000 (positive), FCLASS.S says
 * quiet NaN, FEQ.S is quiet, FLT.S signals, FMIN.S returns the other operand, FCVT.D.S gives the
 * canonical double NaN, FCVT.W.S saturates with NV. The transfers ignore the boxing: FSW stores
 * the low 32 bits and FMV.X.W moves them (sign-extended). A boxed single read by a .D instruction
 * is the negative quiet NaN it looks like. */
#include "test.h"

#define S_ONE     0x3f800000
#define S_M_ONE   0xbf800000
#define S_TWO     0x40000000
#define S_THREE   0x40400000
#define D_ONE     0x3ff0000000000000
#define D_TWO     0x4000000000000000
#define D_THREE   0x4008000000000000

TEST_BEGIN
  FP_ENABLE
  fscsr zero
  la s0, mbuf + 2048          /* base in the middle of the 4 KiB buffer */
  la s1, mbuf

  /* ---- FLW ---- */
  TEST 1
  li a0, 0x3f800000
  sw a0, 0(s0)
  li a0, 0x7f812345           /* sNaN: loaded unchanged, no NV */
  sw a0, 4(s0)
  li a0, 0xffc00001
  sw a0, -4(s0)
  li a0, 0x00000001
  sw a0, -2048(s0)
  li a0, 0x807fffff
  sw a0, 2044(s0)
  flw fa0, 0(s0)
  flw fa1, 4(s0)
  flw fa2, -4(s0)
  flw fa3, -2048(s0)
  flw fa4, 2044(s0)
  ASSERT_FFLAGS 0
  ASSERT_FS fa0, 0x3f800000   /* all 64 bits: NaN-boxed */
  ASSERT_FS fa1, 0x7f812345
  ASSERT_FS fa2, 0xffc00001
  ASSERT_FS fa3, 0x00000001
  ASSERT_FS fa4, 0x807fffff
  TEST 2
  /* FLW into f0 / f31 */
  flw f0, 4(s0)
  flw f31, -4(s0)
  ASSERT_FS f0, 0x7f812345
  ASSERT_FS f31, 0xffc00001

  /* ---- FSW: the low 32 bits, exactly 4 bytes ---- */
  TEST 3
  li a0, 0xaaaaaaaaaaaaaaaa
  sd a0, 16(s0)
  sd a0, 24(s0)
  sd a0, -2048(s0)
  sd a0, 2040(s0)
  FLI_S fa0, 0x7f800001
  fsw fa0, 20(s0)
  ld a1, 16(s0)
  ASSERT_EQ a1, 0x7f800001aaaaaaaa
  ld a1, 24(s0)
  ASSERT_EQ a1, 0xaaaaaaaaaaaaaaaa
  FLI_S fa1, 0xc0490fdb
  fsw fa1, -2048(s0)
  ld a1, -2048(s0)
  ASSERT_EQ a1, 0xaaaaaaaac0490fdb
  fsw fa1, 2044(s0)
  ld a1, 2040(s0)
  ASSERT_EQ a1, 0xc0490fdbaaaaaaaa
  ASSERT_FFLAGS 0

  /* ---- FLD / FSD ---- */
  TEST 4
  li a0, 0x7ff0000000000001    /* sNaN */
  sd a0, 32(s0)
  li a0, 0x0123456789abcdef
  sd a0, -2048(s0)
  li a0, 0xfff8000000000123
  sd a0, 2040(s0)
  li a0, 0x8000000000000000
  sd a0, -8(s0)
  fld fa0, 32(s0)
  fld fa1, -2048(s0)
  fld fa2, 2040(s0)
  fld f31, -8(s0)
  ASSERT_FFLAGS 0
  ASSERT_FD fa0, 0x7ff0000000000001
  ASSERT_FD fa1, 0x0123456789abcdef
  ASSERT_FD fa2, 0xfff8000000000123
  ASSERT_FD f31, 0x8000000000000000
  TEST 5
  li a0, 0x5555555555555555
  sd a0, 40(s0)
  sd a0, 48(s0)
  sd a0, 56(s0)
  FLI_D fa3, 0xfedcba9876543210
  fsd fa3, 48(s0)
  ld a1, 40(s0)
  ASSERT_EQ a1, 0x5555555555555555
  ld a1, 48(s0)
  ASSERT_EQ a1, 0xfedcba9876543210
  ld a1, 56(s0)
  ASSERT_EQ a1, 0x5555555555555555
  fsd fa0, -2048(s0)
  ld a1, -2048(s0)
  ASSERT_EQ a1, 0x7ff0000000000001
  fsd fa1, 2040(s0)
  ld a1, 2040(s0)
  ASSERT_EQ a1, 0x0123456789abcdef
  ASSERT_FFLAGS 0
  TEST 6
  /* FSD of a boxed single stores the box; FLW of the low half of a double boxes it */
  flw fa4, 0(s0)
  fsd fa4, 64(s0)
  ld a1, 64(s0)
  ASSERT_EQ a1, 0xffffffff3f800000
  li a0, 0x40490fdb00000000   /* low word 0, high word 0x40490fdb */
  sd a0, 72(s0)
  flw fa4, 76(s0)
  ASSERT_FS fa4, 0x40490fdb
  flw fa4, 72(s0)
  ASSERT_FS fa4, 0

  /* ---- every single-precision result is NaN-boxed (seen through FSD) ---- */
  TEST 7
  FLI_S fa1, S_ONE
  FLI_S fa2, S_TWO
  FLI_D fa5, D_THREE
  li a2, 3
  /* poison the destinations with a non-boxed pattern first */
  li a0, 0x0000000012345678
  fmv.d.x ft0, a0
  fmv.d.x ft1, a0
  fmv.d.x ft2, a0
  fmv.d.x ft3, a0
  fmv.d.x ft4, a0
  fmv.d.x ft5, a0
  fmv.d.x ft6, a0
  fmv.d.x ft7, a0
  fmv.d.x ft8, a0
  fmv.d.x ft9, a0
  fadd.s ft0, fa1, fa2         /* 3 */
  fmadd.s ft1, fa2, fa2, fa1   /* 5 */
  fsqrt.s ft2, fa1             /* 1 */
  fmin.s ft3, fa1, fa2         /* 1 */
  fsgnjn.s ft4, fa2, fa2       /* -2 */
  fcvt.s.d ft5, fa5            /* 3 */
  fcvt.s.w ft6, a2             /* 3 */
  fcvt.s.lu ft7, a2            /* 3 */
  fmv.w.x ft8, a2              /* bits 3 */
  fdiv.s ft9, fa1, fa2         /* 0.5 */
  addi a3, s0, 128
  fsd ft0, 0(a3)
  fsd ft1, 8(a3)
  fsd ft2, 16(a3)
  fsd ft3, 24(a3)
  fsd ft4, 32(a3)
  fsd ft5, 40(a3)
  fsd ft6, 48(a3)
  fsd ft7, 56(a3)
  fsd ft8, 64(a3)
  fsd ft9, 72(a3)
  ld a1, 0(a3)
  ASSERT_EQ a1, 0xffffffff40400000
  ld a1, 8(a3)
  ASSERT_EQ a1, 0xffffffff40a00000
  ld a1, 16(a3)
  ASSERT_EQ a1, 0xffffffff3f800000
  ld a1, 24(a3)
  ASSERT_EQ a1, 0xffffffff3f800000
  ld a1, 32(a3)
  ASSERT_EQ a1, 0xffffffffc0000000
  ld a1, 40(a3)
  ASSERT_EQ a1, 0xffffffff40400000
  ld a1, 48(a3)
  ASSERT_EQ a1, 0xffffffff40400000
  ld a1, 56(a3)
  ASSERT_EQ a1, 0xffffffff40400000
  ld a1, 64(a3)
  ASSERT_EQ a1, 0xffffffff00000003
  ld a1, 72(a3)
  ASSERT_EQ a1, 0xffffffff3f000000
  ASSERT_FFLAGS 0

  /* ---- improperly boxed inputs read as the canonical NaN ---- */
  TEST 8
  FLI_S fa1, S_ONE
  FLI_D fa0, 0x000000003f800000           /* FMV.D.X of a small integer */
  fsflags zero
  fadd.s fa3, fa0, fa1
  ASSERT_FS fa3, CNAN_S
  fmul.s fa3, fa1, fa0
  ASSERT_FS fa3, CNAN_S
  ASSERT_FFLAGS 0
  TEST 9
  FLI_D fa0, 0xfffffffe3f800000           /* one upper bit clear */
  fadd.s fa3, fa0, fa1
  ASSERT_FS fa3, CNAN_S
  FLI_D fa0, 0x7fffffff3f800000           /* the sign bit clear */
  fsub.s fa3, fa1, fa0
  ASSERT_FS fa3, CNAN_S
  FLI_D fa0, 0xffffffff3f800000           /* properly boxed: 1.0 */
  fadd.s fa3, fa0, fa1
  ASSERT_FS fa3, S_TWO
  ASSERT_FFLAGS 0
  TEST 10
  /* low half a signalling NaN, not boxed: a quiet canonical NaN, so no NV */
  FLI_D fa0, 0x000000007f800001
  fmul.s fa3, fa0, fa1
  ASSERT_FS fa3, CNAN_S
  fsqrt.s fa3, fa0
  ASSERT_FS fa3, CNAN_S
  FLI_S fa2, 0
  fdiv.s fa3, fa0, fa2                    /* NaN / 0: no DZ */
  ASSERT_FS fa3, CNAN_S
  fmadd.s fa3, fa1, fa1, fa0
  ASSERT_FS fa3, CNAN_S
  fnmsub.s fa3, fa0, fa1, fa1
  ASSERT_FS fa3, CNAN_S
  ASSERT_FFLAGS 0
  TEST 11
  /* sign injection: rs1 and rs2 read as 0x7fc00000 */
  FLI_S fa1, S_M_ONE
  FLI_D fa0, 0x00000000bf800000
  fsgnj.s fa3, fa0, fa1                   /* 0x7fc00000 with rs2's sign */
  ASSERT_FS fa3, 0xffc00000
  fsgnj.s fa3, fa1, fa0                   /* -1 with the (positive) sign of the NaN */
  ASSERT_FS fa3, S_ONE
  fsgnjn.s fa3, fa1, fa0
  ASSERT_FS fa3, S_M_ONE
  fsgnjx.s fa3, fa1, fa0
  ASSERT_FS fa3, S_M_ONE
  fsgnjx.s fa3, fa0, fa1
  ASSERT_FS fa3, 0xffc00000
  fmv.s fa3, fa0
  ASSERT_FS fa3, CNAN_S
  fneg.s fa3, fa0
  ASSERT_FS fa3, 0xffc00000
  FLI_D fa0, 0x80000000ff812345
  fabs.s fa3, fa0
  ASSERT_FS fa3, CNAN_S
  ASSERT_FFLAGS 0
  TEST 12
  /* classify, compare, min / max */
  FLI_D fa0, 0x0000000000000000
  FLI_D fa2, 0x000000007f800001
  FLI_S fa1, S_TWO
  fclass.s a0, fa0
  ASSERT_EQ a0, 0x200                     /* quiet NaN */
  fclass.s a0, fa2
  ASSERT_EQ a0, 0x200
  feq.s a0, fa0, fa0                      /* quiet compare: no NV */
  ASSERT_EQ a0, 0
  feq.s a0, fa2, fa1
  ASSERT_EQ a0, 0
  ASSERT_FFLAGS 0
  fmin.s fa3, fa0, fa1                    /* the other operand, no NV */
  ASSERT_FS fa3, S_TWO
  fmax.s fa3, fa1, fa2
  ASSERT_FS fa3, S_TWO
  fmax.s fa3, fa0, fa2                    /* both: canonical NaN */
  ASSERT_FS fa3, CNAN_S
  ASSERT_FFLAGS 0
  fle.s a0, fa1, fa0                      /* signalling compare: NV */
  ASSERT_EQ a0, 0
  ASSERT_FFLAGS FFLAG_NV
  TEST 13
  /* conversions */
  FLI_D fa0, 0x0000000040400000
  fsflags zero
  fcvt.d.s fa3, fa0
  ASSERT_FD fa3, CNAN_D
  ASSERT_FFLAGS 0
  fcvt.w.s a0, fa0, rtz
  ASSERT_EQ a0, 0x7fffffff
  ASSERT_FFLAGS FFLAG_NV
  fsflags zero
  fcvt.lu.s a0, fa0, rtz
  ASSERT_EQ a0, -1
  ASSERT_FFLAGS FFLAG_NV
  TEST 14
  /* the transfers ignore the boxing */
  fsflags zero
  FLI_D fa0, 0x1234567887654321
  fmv.x.w a0, fa0
  ASSERT_EQ a0, 0xffffffff87654321
  FLI_D fa0, 0xabcdef0112345678
  fmv.x.w a0, fa0
  ASSERT_EQ a0, 0x12345678
  li a0, 0x5a5a5a5a5a5a5a5a
  sd a0, 96(s0)
  fsw fa0, 96(s0)
  ld a1, 96(s0)
  ASSERT_EQ a1, 0x5a5a5a5a12345678
  fsd fa0, 96(s0)
  ld a1, 96(s0)
  ASSERT_EQ a1, 0xabcdef0112345678
  ASSERT_FFLAGS 0
  TEST 15
  /* a boxed single seen by .D instructions: a negative quiet NaN */
  FLI_S fa0, S_ONE
  FLI_D fa1, D_ONE
  fclass.d a0, fa0
  ASSERT_EQ a0, 0x200
  fadd.d fa3, fa0, fa1
  ASSERT_FD fa3, CNAN_D
  fmv.x.d a0, fa0
  ASSERT_EQ a0, 0xffffffff3f800000
  fsgnjn.d fa3, fa0, fa0
  ASSERT_FD fa3, 0x7fffffff3f800000
  ASSERT_FFLAGS 0
  TEST 16
  /* ... and that unboxed result is again not a single: fadd.s sees a NaN */
  FLI_S fa1, S_ONE
  fadd.s fa3, fa3, fa1
  ASSERT_FS fa3, CNAN_S
  ASSERT_FFLAGS 0

  TEST_PASS
TEST_END

  .data
  .align 12
mbuf:
  .zero 4096
