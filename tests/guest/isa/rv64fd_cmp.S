/* RV64F / RV64D compares, classify and sign injection: FEQ FLT FLE, FCLASS, FSGNJ FSGNJN FSGNJX
 * (and their FMV / FNEG / FABS forms), .S and .D. Compares: ordered pairs, -0 == +0, infinities,
 * subnormals; with a NaN operand the result is 0 and FEQ (quiet) raises NV only for a signalling
 * NaN while FLT / FLE (signalling) raise NV for any NaN; NV is raised even with rd = x0. FCLASS:
 * each of the ten classes (with the normal / subnormal boundaries and NaNs of either sign), never
 * a flag. Sign injection: only the sign bit changes, NaN payloads (signalling too) pass through
 * untouched and no flag is raised. Results: integer results all 64 bits, f results all 64 bits
 * (a .S result NaN-boxed); fflags exactly. */
#include "test.h"

#define S_ONE       0x3f800000
#define S_M_ONE     0xbf800000
#define S_TWO       0x40000000
#define S_M_TWO     0xc0000000
#define S_P0        0x00000000  /* +0 */
#define S_M0        0x80000000  /* -0 */
#define S_INF       0x7f800000
#define S_M_INF     0xff800000
#define S_MAX       0x7f7fffff  /* largest finite */
#define S_M_MAX     0xff7fffff
#define S_MIN_N     0x00800000  /* smallest normal */
#define S_M_MIN_N   0x80800000
#define S_MAX_SUB   0x007fffff  /* largest subnormal */
#define S_MIN_SUB   0x00000001  /* smallest subnormal */
#define S_M_MIN_SUB 0x80000001
#define S_QNAN      0x7fc00000  /* canonical NaN */
#define S_QNAN_P    0x7fc12345  /* quiet NaN with payload */
#define S_M_QNAN    0xffc00001  /* negative quiet NaN */
#define S_SNAN      0x7f800001  /* signalling NaN */
#define S_SNAN_P    0x7fbfffff  /* signalling, largest payload */
#define S_M_SNAN    0xff812345  /* negative signalling NaN */

#define D_ONE       0x3ff0000000000000
#define D_M_ONE     0xbff0000000000000
#define D_TWO       0x4000000000000000
#define D_M_TWO     0xc000000000000000
#define D_P0        0x0000000000000000
#define D_M0        0x8000000000000000
#define D_INF       0x7ff0000000000000
#define D_M_INF     0xfff0000000000000
#define D_MAX       0x7fefffffffffffff
#define D_M_MAX     0xffefffffffffffff
#define D_MIN_N     0x0010000000000000
#define D_M_MIN_N   0x8010000000000000
#define D_MAX_SUB   0x000fffffffffffff
#define D_MIN_SUB   0x0000000000000001
#define D_M_MIN_SUB 0x8000000000000001
#define D_QNAN      0x7ff8000000000000
#define D_QNAN_P    0x7ff8000000012345
#define D_M_QNAN    0xfff8000000000001
#define D_SNAN      0x7ff0000000000001
#define D_SNAN_P    0x7ff7ffffffffffff
#define D_M_SNAN    0xfff0000000012345

TEST_BEGIN
  FP_ENABLE
  fscsr zero

  /* ---- FEQ.S FLT.S FLE.S ---- */
  TF_CMP 1, S, feq.s, 0, 0, S_ONE, S_TWO
  TF_CMP 2, S, feq.s, 0, 0, S_TWO, S_ONE
  TF_CMP 3, S, feq.s, 1, 0, S_ONE, S_ONE
  TF_CMP 4, S, feq.s, 0, 0, S_M_TWO, S_M_ONE
  TF_CMP 5, S, feq.s, 1, 0, S_P0, S_M0
  TF_CMP 6, S, feq.s, 1, 0, S_M0, S_P0
  TF_CMP 7, S, feq.s, 0, 0, S_M_INF, S_M_MAX
  TF_CMP 8, S, feq.s, 1, 0, S_INF, S_INF
  TF_CMP 9, S, feq.s, 0, 0, S_M_MIN_SUB, S_P0
  TF_CMP 10, S, feq.s, 0, 0, S_MIN_SUB, S_MAX_SUB
  TF_CMP 11, S, feq.s, 0, 0, S_QNAN, S_ONE
  TF_CMP 12, S, feq.s, 0, 0, S_ONE, S_M_QNAN
  TF_CMP 13, S, feq.s, 0, 0, S_QNAN_P, S_QNAN_P
  TF_CMP 14, S, feq.s, 0, FFLAG_NV, S_SNAN, S_ONE
  TF_CMP 15, S, feq.s, 0, FFLAG_NV, S_INF, S_M_SNAN
  TF_CMP 16, S, feq.s, 0, FFLAG_NV, S_QNAN, S_SNAN_P
  TF_CMP 17, S, flt.s, 1, 0, S_ONE, S_TWO
  TF_CMP 18, S, flt.s, 0, 0, S_TWO, S_ONE
  TF_CMP 19, S, flt.s, 0, 0, S_ONE, S_ONE
  TF_CMP 20, S, flt.s, 1, 0, S_M_TWO, S_M_ONE
  TF_CMP 21, S, flt.s, 0, 0, S_P0, S_M0
  TF_CMP 22, S, flt.s, 0, 0, S_M0, S_P0
  TF_CMP 23, S, flt.s, 1, 0, S_M_INF, S_M_MAX
  TF_CMP 24, S, flt.s, 0, 0, S_INF, S_INF
  TF_CMP 25, S, flt.s, 1, 0, S_M_MIN_SUB, S_P0
  TF_CMP 26, S, flt.s, 1, 0, S_MIN_SUB, S_MAX_SUB
  TF_CMP 27, S, flt.s, 0, FFLAG_NV, S_QNAN, S_ONE
  TF_CMP 28, S, flt.s, 0, FFLAG_NV, S_ONE, S_M_QNAN
  TF_CMP 29, S, flt.s, 0, FFLAG_NV, S_QNAN_P, S_QNAN_P
  TF_CMP 30, S, flt.s, 0, FFLAG_NV, S_SNAN, S_ONE
  TF_CMP 31, S, flt.s, 0, FFLAG_NV, S_INF, S_M_SNAN
  TF_CMP 32, S, flt.s, 0, FFLAG_NV, S_QNAN, S_SNAN_P
  TF_CMP 33, S, fle.s, 1, 0, S_ONE, S_TWO
  TF_CMP 34, S, fle.s, 0, 0, S_TWO, S_ONE
  TF_CMP 35, S, fle.s, 1, 0, S_ONE, S_ONE
  TF_CMP 36, S, fle.s, 1, 0, S_M_TWO, S_M_ONE
  TF_CMP 37, S, fle.s, 1, 0, S_P0, S_M0
  TF_CMP 38, S, fle.s, 1, 0, S_M0, S_P0
  TF_CMP 39, S, fle.s, 1, 0, S_M_INF, S_M_MAX
  TF_CMP 40, S, fle.s, 1, 0, S_INF, S_INF
  TF_CMP 41, S, fle.s, 1, 0, S_M_MIN_SUB, S_P0
  TF_CMP 42, S, fle.s, 1, 0, S_MIN_SUB, S_MAX_SUB
  TF_CMP 43, S, fle.s, 0, FFLAG_NV, S_QNAN, S_ONE
  TF_CMP 44, S, fle.s, 0, FFLAG_NV, S_ONE, S_M_QNAN
  TF_CMP 45, S, fle.s, 0, FFLAG_NV, S_QNAN_P, S_QNAN_P
  TF_CMP 46, S, fle.s, 0, FFLAG_NV, S_SNAN, S_ONE
  TF_CMP 47, S, fle.s, 0, FFLAG_NV, S_INF, S_M_SNAN
  TF_CMP 48, S, fle.s, 0, FFLAG_NV, S_QNAN, S_SNAN_P
  TEST 49
  /* rd = x0: nothing written, the flags still raised */
  FLI_S fa1, S_QNAN
  FLI_S fa2, S_ONE
  fsflags zero
  feq.s zero, fa1, fa2
  ASSERT_FFLAGS 0
  flt.s zero, fa1, fa2
  ASSERT_FFLAGS FFLAG_NV
  fsflags zero
  FLI_S fa1, S_SNAN
  feq.s x0, fa2, fa1
  ASSERT_FFLAGS FFLAG_NV

  /* ---- FCLASS.S ---- */
  TF_FX 50, S, fclass.s, 0x001, 0, S_M_INF
  TF_FX 51, S, fclass.s, 0x002, 0, S_M_MAX
  TF_FX 52, S, fclass.s, 0x002, 0, S_M_ONE
  TF_FX 53, S, fclass.s, 0x002, 0, S_M_MIN_N
  TF_FX 54, S, fclass.s, 0x004, 0, S_M_MIN_SUB
  TF_FX 55, S, fclass.s, 0x008, 0, S_M0
  TF_FX 56, S, fclass.s, 0x010, 0, S_P0
  TF_FX 57, S, fclass.s, 0x020, 0, S_MIN_SUB
  TF_FX 58, S, fclass.s, 0x020, 0, S_MAX_SUB
  TF_FX 59, S, fclass.s, 0x040, 0, S_MIN_N
  TF_FX 60, S, fclass.s, 0x040, 0, S_ONE
  TF_FX 61, S, fclass.s, 0x040, 0, S_MAX
  TF_FX 62, S, fclass.s, 0x080, 0, S_INF
  TF_FX 63, S, fclass.s, 0x100, 0, S_SNAN
  TF_FX 64, S, fclass.s, 0x100, 0, S_SNAN_P
  TF_FX 65, S, fclass.s, 0x100, 0, S_M_SNAN
  TF_FX 66, S, fclass.s, 0x200, 0, S_QNAN
  TF_FX 67, S, fclass.s, 0x200, 0, S_QNAN_P
  TF_FX 68, S, fclass.s, 0x200, 0, S_M_QNAN

  /* ---- FSGNJ.S FSGNJN.S FSGNJX.S ---- */
  TF_RR 69, S, fsgnj.s, 0xbf800000, 0, S_ONE, S_M_TWO
  TF_RR 70, S, fsgnj.s, 0x3f800000, 0, S_M_ONE, S_TWO
  TF_RR 71, S, fsgnj.s, 0xbf800000, 0, S_M_ONE, S_M_TWO
  TF_RR 72, S, fsgnjn.s, 0x3f800000, 0, S_ONE, S_M_TWO
  TF_RR 73, S, fsgnjn.s, 0xbf800000, 0, S_ONE, S_TWO
  TF_RR 74, S, fsgnjn.s, 0x00000000, 0, S_M0, S_M0
  TF_RR 75, S, fsgnjx.s, 0x3f800000, 0, S_M_ONE, S_M_TWO
  TF_RR 76, S, fsgnjx.s, 0xbf800000, 0, S_ONE, S_M_TWO
  TF_RR 77, S, fsgnjx.s, 0xbf800000, 0, S_M_ONE, S_TWO
  TF_RR 78, S, fsgnjx.s, 0x7f800000, 0, S_INF, S_ONE
  TF_RR 79, S, fsgnj.s, 0xff800001, 0, S_SNAN, S_M_ONE
  TF_RR 80, S, fsgnj.s, 0x7fc00001, 0, S_M_QNAN, S_P0
  TF_RR 81, S, fsgnjn.s, 0xffc12345, 0, S_QNAN_P, S_ONE
  TF_RR 82, S, fsgnjn.s, 0x3f800000, 0, S_M_ONE, S_M_SNAN
  TF_RR 83, S, fsgnjx.s, 0x7f812345, 0, S_M_SNAN, S_M_QNAN
  TF_RR 84, S, fsgnjx.s, 0x7fbfffff, 0, S_SNAN_P, S_QNAN
  TF_R 85, S, fmv.s, 0x7f800001, 0, S_SNAN
  TF_R 86, S, fmv.s, 0xffc00001, 0, S_M_QNAN
  TF_R 87, S, fneg.s, 0x80000000, 0, S_P0
  TF_R 88, S, fneg.s, 0x7f800000, 0, S_M_INF
  TF_R 89, S, fneg.s, 0xffbfffff, 0, S_SNAN_P
  TF_R 90, S, fabs.s, 0x7f812345, 0, S_M_SNAN
  TF_R 91, S, fabs.s, 0x00000001, 0, S_M_MIN_SUB
  TF_R 92, S, fabs.s, 0x7fc12345, 0, S_QNAN_P

  /* ---- FEQ.D FLT.D FLE.D ---- */
  TF_CMP 93, D, feq.d, 0, 0, D_ONE, D_TWO
  TF_CMP 94, D, feq.d, 0, 0, D_TWO, D_ONE
  TF_CMP 95, D, feq.d, 1, 0, D_ONE, D_ONE
  TF_CMP 96, D, feq.d, 0, 0, D_M_TWO, D_M_ONE
  TF_CMP 97, D, feq.d, 1, 0, D_P0, D_M0
  TF_CMP 98, D, feq.d, 1, 0, D_M0, D_P0
  TF_CMP 99, D, feq.d, 0, 0, D_M_INF, D_M_MAX
  TF_CMP 100, D, feq.d, 1, 0, D_INF, D_INF
  TF_CMP 101, D, feq.d, 0, 0, D_M_MIN_SUB, D_P0
  TF_CMP 102, D, feq.d, 0, 0, D_MIN_SUB, D_MAX_SUB
  TF_CMP 103, D, feq.d, 0, 0, D_QNAN, D_ONE
  TF_CMP 104, D, feq.d, 0, 0, D_ONE, D_M_QNAN
  TF_CMP 105, D, feq.d, 0, 0, D_QNAN_P, D_QNAN_P
  TF_CMP 106, D, feq.d, 0, FFLAG_NV, D_SNAN, D_ONE
  TF_CMP 107, D, feq.d, 0, FFLAG_NV, D_INF, D_M_SNAN
  TF_CMP 108, D, feq.d, 0, FFLAG_NV, D_QNAN, D_SNAN_P
  TF_CMP 109, D, flt.d, 1, 0, D_ONE, D_TWO
  TF_CMP 110, D, flt.d, 0, 0, D_TWO, D_ONE
  TF_CMP 111, D, flt.d, 0, 0, D_ONE, D_ONE
  TF_CMP 112, D, flt.d, 1, 0, D_M_TWO, D_M_ONE
  TF_CMP 113, D, flt.d, 0, 0, D_P0, D_M0
  TF_CMP 114, D, flt.d, 0, 0, D_M0, D_P0
  TF_CMP 115, D, flt.d, 1, 0, D_M_INF, D_M_MAX
  TF_CMP 116, D, flt.d, 0, 0, D_INF, D_INF
  TF_CMP 117, D, flt.d, 1, 0, D_M_MIN_SUB, D_P0
  TF_CMP 118, D, flt.d, 1, 0, D_MIN_SUB, D_MAX_SUB
  TF_CMP 119, D, flt.d, 0, FFLAG_NV, D_QNAN, D_ONE
  TF_CMP 120, D, flt.d, 0, FFLAG_NV, D_ONE, D_M_QNAN
  TF_CMP 121, D, flt.d, 0, FFLAG_NV, D_QNAN_P, D_QNAN_P
  TF_CMP 122, D, flt.d, 0, FFLAG_NV, D_SNAN, D_ONE
  TF_CMP 123, D, flt.d, 0, FFLAG_NV, D_INF, D_M_SNAN
  TF_CMP 124, D, flt.d, 0, FFLAG_NV, D_QNAN, D_SNAN_P
  TF_CMP 125, D, fle.d, 1, 0, D_ONE, D_TWO
  TF_CMP 126, D, fle.d, 0, 0, D_TWO, D_ONE
  TF_CMP 127, D, fle.d, 1, 0, D_ONE, D_ONE
  TF_CMP 128, D, fle.d, 1, 0, D_M_TWO, D_M_ONE
  TF_CMP 129, D, fle.d, 1, 0, D_P0, D_M0
  TF_CMP 130, D, fle.d, 1, 0, D_M0, D_P0
  TF_CMP 131, D, fle.d, 1, 0, D_M_INF, D_M_MAX
  TF_CMP 132, D, fle.d, 1, 0, D_INF, D_INF
  TF_CMP 133, D, fle.d, 1, 0, D_M_MIN_SUB, D_P0
  TF_CMP 134, D, fle.d, 1, 0, D_MIN_SUB, D_MAX_SUB
  TF_CMP 135, D, fle.d, 0, FFLAG_NV, D_QNAN, D_ONE
  TF_CMP 136, D, fle.d, 0, FFLAG_NV, D_ONE, D_M_QNAN
  TF_CMP 137, D, fle.d, 0, FFLAG_NV, D_QNAN_P, D_QNAN_P
  TF_CMP 138, D, fle.d, 0, FFLAG_NV, D_SNAN, D_ONE
  TF_CMP 139, D, fle.d, 0, FFLAG_NV, D_INF, D_M_SNAN
  TF_CMP 140, D, fle.d, 0, FFLAG_NV, D_QNAN, D_SNAN_P
  TEST 141
  /* rd = x0: nothing written, the flags still raised */
  FLI_D fa1, D_QNAN
  FLI_D fa2, D_ONE
  fsflags zero
  feq.d zero, fa1, fa2
  ASSERT_FFLAGS 0
  flt.d zero, fa1, fa2
  ASSERT_FFLAGS FFLAG_NV
  fsflags zero
  FLI_D fa1, D_SNAN
  feq.d x0, fa2, fa1
  ASSERT_FFLAGS FFLAG_NV

  /* ---- FCLASS.D ---- */
  TF_FX 142, D, fclass.d, 0x001, 0, D_M_INF
  TF_FX 143, D, fclass.d, 0x002, 0, D_M_MAX
  TF_FX 144, D, fclass.d, 0x002, 0, D_M_ONE
  TF_FX 145, D, fclass.d, 0x002, 0, D_M_MIN_N
  TF_FX 146, D, fclass.d, 0x004, 0, D_M_MIN_SUB
  TF_FX 147, D, fclass.d, 0x008, 0, D_M0
  TF_FX 148, D, fclass.d, 0x010, 0, D_P0
  TF_FX 149, D, fclass.d, 0x020, 0, D_MIN_SUB
  TF_FX 150, D, fclass.d, 0x020, 0, D_MAX_SUB
  TF_FX 151, D, fclass.d, 0x040, 0, D_MIN_N
  TF_FX 152, D, fclass.d, 0x040, 0, D_ONE
  TF_FX 153, D, fclass.d, 0x040, 0, D_MAX
  TF_FX 154, D, fclass.d, 0x080, 0, D_INF
  TF_FX 155, D, fclass.d, 0x100, 0, D_SNAN
  TF_FX 156, D, fclass.d, 0x100, 0, D_SNAN_P
  TF_FX 157, D, fclass.d, 0x100, 0, D_M_SNAN
  TF_FX 158, D, fclass.d, 0x200, 0, D_QNAN
  TF_FX 159, D, fclass.d, 0x200, 0, D_QNAN_P
  TF_FX 160, D, fclass.d, 0x200, 0, D_M_QNAN

  /* ---- FSGNJ.D FSGNJN.D FSGNJX.D ---- */
  TF_RR 161, D, fsgnj.d, 0xbff0000000000000, 0, D_ONE, D_M_TWO
  TF_RR 162, D, fsgnj.d, 0x3ff0000000000000, 0, D_M_ONE, D_TWO
  TF_RR 163, D, fsgnj.d, 0xbff0000000000000, 0, D_M_ONE, D_M_TWO
  TF_RR 164, D, fsgnjn.d, 0x3ff0000000000000, 0, D_ONE, D_M_TWO
  TF_RR 165, D, fsgnjn.d, 0xbff0000000000000, 0, D_ONE, D_TWO
  TF_RR 166, D, fsgnjn.d, 0x0000000000000000, 0, D_M0, D_M0
  TF_RR 167, D, fsgnjx.d, 0x3ff0000000000000, 0, D_M_ONE, D_M_TWO
  TF_RR 168, D, fsgnjx.d, 0xbff0000000000000, 0, D_ONE, D_M_TWO
  TF_RR 169, D, fsgnjx.d, 0xbff0000000000000, 0, D_M_ONE, D_TWO
  TF_RR 170, D, fsgnjx.d, 0x7ff0000000000000, 0, D_INF, D_ONE
  TF_RR 171, D, fsgnj.d, 0xfff0000000000001, 0, D_SNAN, D_M_ONE
  TF_RR 172, D, fsgnj.d, 0x7ff8000000000001, 0, D_M_QNAN, D_P0
  TF_RR 173, D, fsgnjn.d, 0xfff8000000012345, 0, D_QNAN_P, D_ONE
  TF_RR 174, D, fsgnjn.d, 0x3ff0000000000000, 0, D_M_ONE, D_M_SNAN
  TF_RR 175, D, fsgnjx.d, 0x7ff0000000012345, 0, D_M_SNAN, D_M_QNAN
  TF_RR 176, D, fsgnjx.d, 0x7ff7ffffffffffff, 0, D_SNAN_P, D_QNAN
  TF_R 177, D, fmv.d, 0x7ff0000000000001, 0, D_SNAN
  TF_R 178, D, fmv.d, 0xfff8000000000001, 0, D_M_QNAN
  TF_R 179, D, fneg.d, 0x8000000000000000, 0, D_P0
  TF_R 180, D, fneg.d, 0x7ff0000000000000, 0, D_M_INF
  TF_R 181, D, fneg.d, 0xfff7ffffffffffff, 0, D_SNAN_P
  TF_R 182, D, fabs.d, 0x7ff0000000012345, 0, D_M_SNAN
  TF_R 183, D, fabs.d, 0x0000000000000001, 0, D_M_MIN_SUB
  TF_R 184, D, fabs.d, 0x7ff8000000012345, 0, D_QNAN_P

  TEST_PASS
TEST_END
