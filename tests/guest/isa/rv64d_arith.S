/* RV64D arithmetic: FADD.D FSUB.D FMUL.D FDIV.D FSQRT.D FMIN.D FMAX.D FMADD.D FMSUB.D FNMSUB.D
 * FNMADD.D, the double-precision counterpart of rv64f_arith.S (same cases, same order; see there):
 * result bits and exact fflags; every static rounding mode and DYN through frm; overflow per
 * rounding mode; exact and inexact subnormal results with tininess detected after rounding;
 * invalid operations, divide by zero, NaN inputs and the canonical NaN 0x7ff8000000000000; signed
 * zeros; FMIN / FMAX NaN and zero rules; fusion; reserved rounding modes (frm = 5..7 with DYN,
 * rm = 5 / 6) raising illegal instruction. Expected values: exact rational arithmetic, rounded per
 * IEEE 754-2008 with RISC-V's rules. */
#include "test.h"

#define P0        0x0000000000000000  /* +0 */
#define M0        0x8000000000000000  /* -0 */
#define ONE       0x3ff0000000000000
#define M_ONE     0xbff0000000000000
#define TWO       0x4000000000000000
#define M_TWO     0xc000000000000000
#define THREE     0x4008000000000000
#define M_THREE   0xc008000000000000
#define FOUR      0x4010000000000000
#define SIX       0x4018000000000000
#define HALF      0x3fe0000000000000
#define NINE_4    0x4002000000000000  /* 2.25 */
#define ONE_P     0x3ff0000000000001  /* 1 + 2^-52 (1 + ulp) */
#define ONE_M2    0x3feffffffffffffe  /* 1 - 2^-52 */
#define ULP_H     0x3ca0000000000000  /* 2^-53: half an ulp of 1.0 */
#define M_ULP_H   0xbca0000000000000
#define ULP_Q     0x3c90000000000000  /* 2^-54 */
#define ULP_3Q    0x3ca8000000000000  /* 3 * 2^-54: three quarters of an ulp of 1.0 */
#define MAX       0x7fefffffffffffff  /* largest finite */
#define M_MAX     0xffefffffffffffff
#define MAX_HU    0x7c90000000000000  /* 2^970: half an ulp of MAX */
#define MAX_HU_M  0x7c8fffffffffffff  /* just below */
#define MIN_N     0x0010000000000000  /* smallest normal 2^-1022 */
#define MIN_N_P   0x0010000000000001
#define MAX_SUB   0x000fffffffffffff  /* largest subnormal */
#define MIN_SUB   0x0000000000000001  /* 2^-1074 */
#define M_MIN_SUB 0x8000000000000001
#define INF       0x7ff0000000000000
#define M_INF     0xfff0000000000000
#define QNAN      0x7ff8000000000000  /* canonical */
#define QNAN_P    0x7ff8000000012345  /* quiet, with payload */
#define M_QNAN    0xfff8000000000001
#define SNAN      0x7ff0000000000001
#define M_SNAN    0xfff0000000012345
/* TINY_A * TINY_B = (2^54 - 1) * 2^-1076 = 2^-1022 - 2^-1076: rounds to 53 bits as 2^-1022 (a
 * tie, to even), so it is not tiny after rounding */
#define TINY_A    0x1ffffffffc000000  /* (2^27 - 1) * 2^-538 */
#define TINY_B    0x2000000002000000  /* (2^27 + 1) * 2^-538 */
/* NEAR_H * MIN_SUB + MIN_N = 2^-1022 - 2^-1075 + 2^-1115: rounds to 53 bits as
 * 2^-1022 - 2^-1075 (tiny), then with subnormal precision to 2^-1022 */
#define NEAR_H    0xbfdfffffffffe000  /* -(0.5 - 2^-41) */

TEST_BEGIN
  FP_ENABLE
  fscsr zero

  /* ---- FADD.S ---- */
  TF_RR 1, D, fadd.d, 0x4008000000000000, 0, ONE, TWO, rne              /* 1 + 2 = 3 exact */
  /* 1 + half ulp: tie, to even */
  TF_RR 2, D, fadd.d, 0x3ff0000000000000, FFLAG_NX, ONE, ULP_H, rne
  TF_RR 3, D, fadd.d, 0x3ff0000000000000, FFLAG_NX, ONE, ULP_H, rtz
  TF_RR 4, D, fadd.d, 0x3ff0000000000000, FFLAG_NX, ONE, ULP_H, rdn
  TF_RR 5, D, fadd.d, 0x3ff0000000000001, FFLAG_NX, ONE, ULP_H, rup
  TF_RR 6, D, fadd.d, 0x3ff0000000000001, FFLAG_NX, ONE, ULP_H, rmm     /* tie, away from zero */
  TF_RR 7, D, fadd.d, 0x3ff0000000000002, FFLAG_NX, ONE_P, ULP_H, rne   /* tie, to even = up */
  TF_RR 8, D, fadd.d, 0x3ff0000000000001, FFLAG_NX, ONE_P, ULP_H, rtz
  TF_RR 9, D, fadd.d, 0xbff0000000000000, FFLAG_NX, M_ONE, M_ULP_H, rne /* negative tie */
  TF_RR 10, D, fadd.d, 0xbff0000000000001, FFLAG_NX, M_ONE, M_ULP_H, rdn
  TF_RR 11, D, fadd.d, 0xbff0000000000000, FFLAG_NX, M_ONE, M_ULP_H, rup
  TF_RR 12, D, fadd.d, 0xbff0000000000001, FFLAG_NX, M_ONE, M_ULP_H, rmm
  TF_RR 13, D, fadd.d, 0x3ff0000000000001, FFLAG_NX, ONE, ULP_3Q, rne   /* 3/4 ulp: nearest is up */
  TF_RR 14, D, fadd.d, 0x3ff0000000000000, FFLAG_NX, ONE, ULP_3Q, rtz
  TF_RR 15, D, fadd.d, 0x0000000000000000, 0, THREE, M_THREE, rne       /* x + -x = +0 */
  TF_RR 16, D, fadd.d, 0x8000000000000000, 0, THREE, M_THREE, rdn       /* ... but -0 in RDN */
  TF_RR 17, D, fadd.d, 0x0000000000000000, 0, P0, M0, rne
  TF_RR 18, D, fadd.d, 0x8000000000000000, 0, P0, M0, rdn
  TF_RR 19, D, fadd.d, 0x8000000000000000, 0, M0, M0, rne               /* -0 + -0 = -0 */
  TF_RR 20, D, fadd.d, 0x7ff8000000000000, FFLAG_NV, INF, M_INF, rne    /* invalid */
  TF_RR 21, D, fadd.d, 0xfff0000000000000, 0, M_INF, M_INF, rne
  TF_RR 22, D, fadd.d, 0x7ff0000000000000, 0, INF, M_MAX, rne
  /* qNaN: canonical NaN, no flag */
  TF_RR 23, D, fadd.d, 0x7ff8000000000000, 0, QNAN_P, ONE, rne
  TF_RR 24, D, fadd.d, 0x7ff8000000000000, 0, ONE, M_QNAN, rne
  TF_RR 25, D, fadd.d, 0x7ff8000000000000, FFLAG_NV, SNAN, ONE, rne     /* sNaN: NV */
  TF_RR 26, D, fadd.d, 0x7ff8000000000000, FFLAG_NV, QNAN, M_SNAN, rne
  /* overflow per rounding mode */
  TF_RR 27, D, fadd.d, 0x7ff0000000000000, FFLAG_OF|FFLAG_NX, MAX, MAX, rne
  TF_RR 28, D, fadd.d, 0x7fefffffffffffff, FFLAG_OF|FFLAG_NX, MAX, MAX, rtz
  TF_RR 29, D, fadd.d, 0x7fefffffffffffff, FFLAG_OF|FFLAG_NX, MAX, MAX, rdn
  TF_RR 30, D, fadd.d, 0x7ff0000000000000, FFLAG_OF|FFLAG_NX, MAX, MAX, rup
  TF_RR 31, D, fadd.d, 0x7ff0000000000000, FFLAG_OF|FFLAG_NX, MAX, MAX, rmm
  TF_RR 32, D, fadd.d, 0xffefffffffffffff, FFLAG_OF|FFLAG_NX, M_MAX, M_MAX, rtz
  TF_RR 33, D, fadd.d, 0xfff0000000000000, FFLAG_OF|FFLAG_NX, M_MAX, M_MAX, rdn
  TF_RR 34, D, fadd.d, 0xffefffffffffffff, FFLAG_OF|FFLAG_NX, M_MAX, M_MAX, rup
  /* tie at MAX rounds to 2^1024: overflow */
  TF_RR 35, D, fadd.d, 0x7ff0000000000000, FFLAG_OF|FFLAG_NX, MAX, MAX_HU, rne
  TF_RR 36, D, fadd.d, 0x7fefffffffffffff, FFLAG_NX, MAX, MAX_HU, rtz   /* inexact, no overflow */
  /* below the tie: MAX, NX only */
  TF_RR 37, D, fadd.d, 0x7fefffffffffffff, FFLAG_NX, MAX, MAX_HU_M, rne
  /* exact subnormal result: no UF */
  TF_RR 38, D, fadd.d, 0x000fffffffffffff, 0, MIN_N, M_MIN_SUB, rne
  /* subnormals summing to MIN_N */
  TF_RR 39, D, fadd.d, 0x0010000000000000, 0, MAX_SUB, MIN_SUB, rne

  /* ---- FSUB.S ---- */
  TF_RR 40, D, fsub.d, 0x4000000000000000, 0, THREE, ONE, rne
  TF_RR 41, D, fsub.d, 0x0000000000000000, 0, ONE, ONE, rne          /* +0 */
  TF_RR 42, D, fsub.d, 0x8000000000000000, 0, ONE, ONE, rdn          /* -0 */
  TF_RR 43, D, fsub.d, 0x8000000000000000, 0, M0, P0, rne            /* -0 - +0 = -0 */
  TF_RR 44, D, fsub.d, 0x0000000000000000, 0, P0, P0, rne
  TF_RR 45, D, fsub.d, 0x3fefffffffffffff, 0, ONE, ULP_H, rne        /* 1 - 2^-53: exact */
  TF_RR 46, D, fsub.d, 0x3ff0000000000000, FFLAG_NX, ONE, ULP_Q, rne /* 1 - 2^-54: tie, to even */
  TF_RR 47, D, fsub.d, 0x3fefffffffffffff, FFLAG_NX, ONE, ULP_Q, rdn
  TF_RR 48, D, fsub.d, 0x7ff8000000000000, FFLAG_NV, INF, INF, rne   /* invalid */
  TF_RR 49, D, fsub.d, 0xfff0000000000000, 0, M_INF, INF, rne
  TF_RR 50, D, fsub.d, 0xfff0000000000000, FFLAG_OF|FFLAG_NX, M_MAX, MAX, rne
  TF_RR 51, D, fsub.d, 0xffefffffffffffff, FFLAG_OF|FFLAG_NX, M_MAX, MAX, rup
  TF_RR 52, D, fsub.d, 0x7ff8000000000000, FFLAG_NV, ONE, SNAN, rtz

  /* ---- FMUL.S ---- */
  TF_RR 53, D, fmul.d, 0x4018000000000000, 0, TWO, THREE, rne
  TF_RR 54, D, fmul.d, 0x3ff0000000000002, FFLAG_NX, ONE_P, ONE_P, rne /* 1 + 2^-51 + 2^-104 */
  TF_RR 55, D, fmul.d, 0x3ff0000000000003, FFLAG_NX, ONE_P, ONE_P, rup
  TF_RR 56, D, fmul.d, 0x3ff0000000000002, FFLAG_NX, ONE_P, ONE_P, rtz
  TF_RR 57, D, fmul.d, 0x8000000000000000, 0, M0, THREE, rne
  TF_RR 58, D, fmul.d, 0x0000000000000000, 0, M_ONE, M0, rne
  TF_RR 59, D, fmul.d, 0x7ff8000000000000, FFLAG_NV, P0, INF, rne      /* invalid */
  TF_RR 60, D, fmul.d, 0x7ff8000000000000, FFLAG_NV, M_INF, M0, rne
  TF_RR 61, D, fmul.d, 0xfff0000000000000, 0, INF, M_TWO, rne
  TF_RR 62, D, fmul.d, 0x7ff8000000000000, 0, QNAN, P0, rne
  TF_RR 63, D, fmul.d, 0x7ff8000000000000, FFLAG_NV, ONE, SNAN, rne
  /* overflow */
  TF_RR 64, D, fmul.d, 0x7ff0000000000000, FFLAG_OF|FFLAG_NX, MAX, TWO, rne
  TF_RR 65, D, fmul.d, 0x7fefffffffffffff, FFLAG_OF|FFLAG_NX, MAX, TWO, rtz
  TF_RR 66, D, fmul.d, 0x7fefffffffffffff, FFLAG_OF|FFLAG_NX, MAX, TWO, rdn
  TF_RR 67, D, fmul.d, 0x7ff0000000000000, FFLAG_OF|FFLAG_NX, MAX, TWO, rup
  TF_RR 68, D, fmul.d, 0xfff0000000000000, FFLAG_OF|FFLAG_NX, M_MAX, TWO, rdn
  TF_RR 69, D, fmul.d, 0xffefffffffffffff, FFLAG_OF|FFLAG_NX, M_MAX, TWO, rup
  TF_RR 70, D, fmul.d, 0xfff0000000000000, FFLAG_OF|FFLAG_NX, M_MAX, TWO, rmm
  TF_RR 71, D, fmul.d, 0x0008000000000000, 0, MIN_N, HALF, rne         /* exact subnormal: no UF */
  /* subnormal tie: UF NX */
  TF_RR 72, D, fmul.d, 0x0008000000000000, FFLAG_UF|FFLAG_NX, MIN_N_P, HALF, rne
  TF_RR 73, D, fmul.d, 0x0008000000000001, FFLAG_UF|FFLAG_NX, MIN_N_P, HALF, rup
  TF_RR 74, D, fmul.d, 0x0008000000000001, FFLAG_UF|FFLAG_NX, MIN_N_P, HALF, rmm
  /* 2^-1075, a tie: to 0 in RNE */
  TF_RR 75, D, fmul.d, 0x0000000000000000, FFLAG_UF|FFLAG_NX, MIN_SUB, HALF, rne
  TF_RR 76, D, fmul.d, 0x0000000000000001, FFLAG_UF|FFLAG_NX, MIN_SUB, HALF, rup
  TF_RR 77, D, fmul.d, 0x0000000000000001, FFLAG_UF|FFLAG_NX, MIN_SUB, HALF, rmm
  TF_RR 78, D, fmul.d, 0x8000000000000001, FFLAG_UF|FFLAG_NX, M_MIN_SUB, HALF, rdn
  TF_RR 79, D, fmul.d, 0x8000000000000000, FFLAG_UF|FFLAG_NX, M_MIN_SUB, HALF, rne
  TF_RR 80, D, fmul.d, 0x0000000000000000, FFLAG_UF|FFLAG_NX, MIN_SUB, MIN_SUB, rtz
  /* to MIN_N, not tiny: NX only */
  TF_RR 81, D, fmul.d, 0x0010000000000000, FFLAG_NX, TINY_A, TINY_B, rne
  TF_RR 82, D, fmul.d, 0x0010000000000000, FFLAG_NX, TINY_A, TINY_B, rmm
  TF_RR 83, D, fmul.d, 0x0010000000000000, FFLAG_NX, TINY_A, TINY_B, rup
  /* to MAX_SUB: UF NX */
  TF_RR 84, D, fmul.d, 0x000fffffffffffff, FFLAG_UF|FFLAG_NX, TINY_A, TINY_B, rtz
  TF_RR 85, D, fmul.d, 0x000fffffffffffff, FFLAG_UF|FFLAG_NX, TINY_A, TINY_B, rdn

  /* ---- FDIV.S ---- */
  TF_RR 86, D, fdiv.d, 0x4000000000000000, 0, SIX, THREE, rne
  TF_RR 87, D, fdiv.d, 0x3fd5555555555555, FFLAG_NX, ONE, THREE, rne
  TF_RR 88, D, fdiv.d, 0x3fd5555555555555, FFLAG_NX, ONE, THREE, rtz
  TF_RR 89, D, fdiv.d, 0x3fd5555555555555, FFLAG_NX, ONE, THREE, rdn
  TF_RR 90, D, fdiv.d, 0x3fd5555555555556, FFLAG_NX, ONE, THREE, rup
  TF_RR 91, D, fdiv.d, 0x3fd5555555555555, FFLAG_NX, ONE, THREE, rmm
  TF_RR 92, D, fdiv.d, 0xbfd5555555555556, FFLAG_NX, M_ONE, THREE, rdn
  TF_RR 93, D, fdiv.d, 0xbfd5555555555555, FFLAG_NX, M_ONE, THREE, rup
  TF_RR 94, D, fdiv.d, 0x3fe5555555555555, FFLAG_NX, TWO, THREE, rne
  TF_RR 95, D, fdiv.d, 0x3fe5555555555555, FFLAG_NX, TWO, THREE, rtz
  TF_RR 96, D, fdiv.d, 0x7ff0000000000000, FFLAG_DZ, ONE, P0, rne /* divide by zero */
  TF_RR 97, D, fdiv.d, 0xfff0000000000000, FFLAG_DZ, ONE, M0, rne
  TF_RR 98, D, fdiv.d, 0xfff0000000000000, FFLAG_DZ, M_THREE, P0, rtz
  TF_RR 99, D, fdiv.d, 0x7ff8000000000000, FFLAG_NV, P0, P0, rne  /* invalid */
  TF_RR 100, D, fdiv.d, 0x7ff8000000000000, FFLAG_NV, INF, M_INF, rne
  TF_RR 101, D, fdiv.d, 0x7ff0000000000000, 0, INF, P0, rne       /* inf / 0 = inf: no DZ */
  TF_RR 102, D, fdiv.d, 0x0000000000000000, 0, P0, INF, rne
  TF_RR 103, D, fdiv.d, 0x8000000000000000, 0, ONE, M_INF, rne
  TF_RR 104, D, fdiv.d, 0x7ff8000000000000, 0, QNAN, P0, rne      /* qNaN / 0: no DZ */
  TF_RR 105, D, fdiv.d, 0x7ff8000000000000, FFLAG_NV, SNAN, ONE, rne
  /* overflow */
  TF_RR 106, D, fdiv.d, 0x7ff0000000000000, FFLAG_OF|FFLAG_NX, MAX, HALF, rne
  TF_RR 107, D, fdiv.d, 0x7fefffffffffffff, FFLAG_OF|FFLAG_NX, MAX, HALF, rtz
  /* tiny inexact */
  TF_RR 108, D, fdiv.d, 0x0005555555555555, FFLAG_UF|FFLAG_NX, MIN_N, THREE, rne
  TF_RR 109, D, fdiv.d, 0x0004000000000000, FFLAG_UF|FFLAG_NX, ONE, MAX, rne
  TF_RR 110, D, fdiv.d, 0x8000000000000000, FFLAG_UF|FFLAG_NX, MIN_SUB, M_TWO, rne
  TF_RR 111, D, fdiv.d, 0x8000000000000001, FFLAG_UF|FFLAG_NX, MIN_SUB, M_TWO, rdn

  /* ---- FSQRT.S ---- */
  TF_R 112, D, fsqrt.d, 0x4000000000000000, 0, FOUR, rne
  TF_R 113, D, fsqrt.d, 0x3ff8000000000000, 0, NINE_4, rne
  TF_R 114, D, fsqrt.d, 0x3ff6a09e667f3bcd, FFLAG_NX, TWO, rne
  TF_R 115, D, fsqrt.d, 0x3ff6a09e667f3bcc, FFLAG_NX, TWO, rtz
  TF_R 116, D, fsqrt.d, 0x3ff6a09e667f3bcc, FFLAG_NX, TWO, rdn
  TF_R 117, D, fsqrt.d, 0x3ff6a09e667f3bcd, FFLAG_NX, TWO, rup
  TF_R 118, D, fsqrt.d, 0x3ff6a09e667f3bcd, FFLAG_NX, TWO, rmm
  TF_R 119, D, fsqrt.d, 0x3ffbb67ae8584caa, FFLAG_NX, THREE, rne
  TF_R 120, D, fsqrt.d, 0x3ffbb67ae8584cab, FFLAG_NX, THREE, rup
  TF_R 121, D, fsqrt.d, 0x8000000000000000, 0, M0, rne           /* sqrt(-0) = -0 */
  TF_R 122, D, fsqrt.d, 0x0000000000000000, 0, P0, rne
  TF_R 123, D, fsqrt.d, 0x7ff0000000000000, 0, INF, rne
  TF_R 124, D, fsqrt.d, 0x7ff8000000000000, FFLAG_NV, M_ONE, rne /* invalid */
  TF_R 125, D, fsqrt.d, 0x7ff8000000000000, FFLAG_NV, M_INF, rne
  TF_R 126, D, fsqrt.d, 0x7ff8000000000000, FFLAG_NV, M_MIN_SUB, rne
  TF_R 127, D, fsqrt.d, 0x7ff8000000000000, 0, QNAN_P, rne
  TF_R 128, D, fsqrt.d, 0x7ff8000000000000, FFLAG_NV, SNAN, rne
  TF_R 129, D, fsqrt.d, 0x1e60000000000000, 0, MIN_SUB, rne      /* 2^-537: normal, exact */
  TF_R 130, D, fsqrt.d, 0x5ff0000000000000, FFLAG_NX, MAX, rup

  /* ---- FMIN.S / FMAX.S ---- */
  TF_RR 131, D, fmin.d, 0x3ff0000000000000, 0, ONE, TWO
  TF_RR 132, D, fmax.d, 0x4000000000000000, 0, ONE, TWO
  TF_RR 133, D, fmin.d, 0xbff0000000000000, 0, M_ONE, ONE
  TF_RR 134, D, fmax.d, 0xffefffffffffffff, 0, M_INF, M_MAX
  TF_RR 135, D, fmin.d, 0x8000000000000000, 0, MIN_SUB, M0
  TF_RR 136, D, fmin.d, 0x8000000000000000, 0, P0, M0           /* -0 < +0 */
  TF_RR 137, D, fmin.d, 0x8000000000000000, 0, M0, P0
  TF_RR 138, D, fmax.d, 0x0000000000000000, 0, P0, M0
  TF_RR 139, D, fmax.d, 0x0000000000000000, 0, M0, P0
  TF_RR 140, D, fmin.d, 0x3ff0000000000000, 0, QNAN_P, ONE      /* one NaN: the other operand */
  TF_RR 141, D, fmax.d, 0xc000000000000000, 0, M_TWO, M_QNAN
  TF_RR 142, D, fmin.d, 0x7ff0000000000000, 0, INF, QNAN
  TF_RR 143, D, fmin.d, 0x3ff0000000000000, FFLAG_NV, SNAN, ONE /* ... with NV if signalling */
  TF_RR 144, D, fmax.d, 0x4000000000000000, FFLAG_NV, TWO, M_SNAN
  TF_RR 145, D, fmin.d, 0x7ff8000000000000, 0, QNAN_P, M_QNAN   /* two NaNs: canonical NaN */
  TF_RR 146, D, fmax.d, 0x7ff8000000000000, FFLAG_NV, SNAN, QNAN
  TF_RR 147, D, fmin.d, 0x7ff8000000000000, FFLAG_NV, M_SNAN, SNAN

  /* ---- FMADD.S FMSUB.S FNMSUB.S FNMADD.S ---- */
  TF_R4 148, D, fmadd.d, 0x401c000000000000, 0, TWO, THREE, ONE, rne        /* 2*3 + 1 */
  TF_R4 149, D, fmsub.d, 0x4014000000000000, 0, TWO, THREE, ONE, rne        /* 2*3 - 1 */
  TF_R4 150, D, fnmsub.d, 0xc014000000000000, 0, TWO, THREE, ONE, rne       /* -(2*3) + 1 */
  TF_R4 151, D, fnmadd.d, 0xc01c000000000000, 0, TWO, THREE, ONE, rne       /* -(2*3) - 1 */
  /* fused: -2^-104 exactly */
  TF_R4 152, D, fmadd.d, 0xb970000000000000, 0, ONE_P, ONE_M2, M_ONE, rne
  /* 2^-51 + 2^-104: tie, to even */
  TF_R4 153, D, fmsub.d, 0x3cc0000000000000, FFLAG_NX, ONE_P, ONE_P, ONE, rne
  TF_R4 154, D, fmsub.d, 0x3cc0000000000001, FFLAG_NX, ONE_P, ONE_P, ONE, rmm
  TF_R4 155, D, fmsub.d, 0x3cc0000000000001, FFLAG_NX, ONE_P, ONE_P, ONE, rup
  TF_R4 156, D, fmadd.d, 0x3ff0000000000000, FFLAG_NX, ONE, ONE, ULP_H, rne
  TF_R4 157, D, fmadd.d, 0x3ff0000000000001, FFLAG_NX, ONE, ONE, ULP_H, rmm
  /* no intermediate overflow */
  TF_R4 158, D, fmadd.d, 0x7fefffffffffffff, 0, MAX, TWO, M_MAX, rne
  TF_R4 159, D, fmadd.d, 0x0000000000000000, 0, P0, ONE, M0, rne            /* +0 + -0 */
  TF_R4 160, D, fmadd.d, 0x8000000000000000, 0, M0, ONE, M0, rne            /* -0 + -0 */
  TF_R4 161, D, fnmadd.d, 0x0000000000000000, 0, P0, ONE, M0, rne           /* -(+0) - (-0) = +0 */
  TF_R4 162, D, fnmadd.d, 0x8000000000000000, 0, P0, ONE, P0, rne           /* -(+0) - (+0) = -0 */
  /* -(+0) + (+0) = +0, -0 in RDN */
  TF_R4 163, D, fnmsub.d, 0x0000000000000000, 0, P0, ONE, P0, rne
  TF_R4 164, D, fnmsub.d, 0x8000000000000000, 0, P0, ONE, P0, rdn
  /* exact zero sum in RDN: -0 */
  TF_R4 165, D, fmsub.d, 0x8000000000000000, 0, ONE, ONE, ONE, rdn
  TF_R4 166, D, fmadd.d, 0x7ff8000000000000, FFLAG_NV, INF, P0, QNAN, rne   /* inf * 0 + qNaN: NV */
  TF_R4 167, D, fmadd.d, 0x7ff8000000000000, FFLAG_NV, M0, M_INF, ONE, rne
  TF_R4 168, D, fmadd.d, 0x7ff8000000000000, FFLAG_NV, INF, ONE, M_INF, rne /* inf - inf */
  TF_R4 169, D, fmsub.d, 0x7ff8000000000000, FFLAG_NV, INF, ONE, INF, rne
  TF_R4 170, D, fnmadd.d, 0xfff0000000000000, 0, INF, ONE, INF, rne         /* -inf - inf = -inf */
  TF_R4 171, D, fmadd.d, 0x7ff8000000000000, 0, ONE, ONE, QNAN_P, rne
  TF_R4 172, D, fmadd.d, 0x7ff8000000000000, FFLAG_NV, SNAN, ONE, ONE, rne
  TF_R4 173, D, fmadd.d, 0x7ff8000000000000, FFLAG_NV, QNAN, ONE, M_SNAN, rne
  /* overflow */
  TF_R4 174, D, fmadd.d, 0x7ff0000000000000, FFLAG_OF|FFLAG_NX, MAX, TWO, ONE, rne
  TF_R4 175, D, fmadd.d, 0x7fefffffffffffff, FFLAG_OF|FFLAG_NX, MAX, TWO, ONE, rtz
  TF_R4 176, D, fnmsub.d, 0xfff0000000000000, FFLAG_OF|FFLAG_NX, MAX, TWO, ONE, rdn
  TF_R4 177, D, fnmsub.d, 0xffefffffffffffff, FFLAG_OF|FFLAG_NX, MAX, TWO, ONE, rup
  /* tiny, rounds to MIN_N: UF NX */
  TF_R4 178, D, fmadd.d, 0x0010000000000000, FFLAG_UF|FFLAG_NX, NEAR_H, MIN_SUB, MIN_N, rne
  TF_R4 179, D, fmadd.d, 0x000fffffffffffff, FFLAG_UF|FFLAG_NX, NEAR_H, MIN_SUB, MIN_N, rtz
  TF_R4 180, D, fmadd.d, 0x0000000000000003, 0, MIN_SUB, TWO, MIN_SUB, rne  /* exact subnormal */

  /* ---- dynamic rounding mode (rm = DYN: frm) ---- */
  fsrmi FRM_RTZ
  TF_RR 181, D, fdiv.d, 0x3fd5555555555555, FFLAG_NX, ONE, THREE, dyn
  TF_R4 182, D, fmadd.d, 0x7fefffffffffffff, FFLAG_OF|FFLAG_NX, MAX, TWO, ONE, dyn
  fsrmi FRM_RUP
  TF_RR 183, D, fdiv.d, 0x3fd5555555555556, FFLAG_NX, ONE, THREE, dyn
  TF_R 184, D, fsqrt.d, 0x3ff6a09e667f3bcd, FFLAG_NX, TWO, dyn
  /* a static mode overrides frm */
  TF_RR 185, D, fdiv.d, 0x3fd5555555555555, FFLAG_NX, ONE, THREE, rtz
  fsrmi FRM_RDN
  TF_RR 186, D, fdiv.d, 0xbfd5555555555556, FFLAG_NX, M_ONE, THREE, dyn
  TF_RR 187, D, fsub.d, 0x8000000000000000, 0, ONE, ONE, dyn
  TF_RR 188, D, fmul.d, 0xfff0000000000000, FFLAG_OF|FFLAG_NX, M_MAX, TWO, dyn
  fsrmi FRM_RMM
  TF_RR 189, D, fadd.d, 0x3ff0000000000001, FFLAG_NX, ONE, ULP_H, dyn
  TF_R4 190, D, fmsub.d, 0x3cc0000000000001, FFLAG_NX, ONE_P, ONE_P, ONE, dyn
  TF_RR 191, D, fmul.d, 0x0000000000000001, FFLAG_UF|FFLAG_NX, MIN_SUB, HALF, dyn
  TF_RR 192, D, fadd.d, 0x7fefffffffffffff, FFLAG_OF|FFLAG_NX, MAX, MAX, rtz
  fsrmi FRM_RNE
  TF_RR 193, D, fadd.d, 0x3ff0000000000000, FFLAG_NX, ONE, ULP_H, dyn
  TF_RR 194, D, fsub.d, 0x0000000000000000, 0, ONE, ONE, dyn
  TEST 195
  /* the operations leave frm alone */
  fsrmi FRM_RDN
  FLI_D fa1, ONE
  fadd.d fa3, fa1, fa1, rup
  fdiv.d fa3, fa1, fa1, dyn
  frrm a0
  ASSERT_EQ a0, FRM_RDN
  fsrmi FRM_RNE

  /* ---- reserved rounding modes: illegal instruction, nothing written ---- */
  TEST 196
  FLI_D fa1, ONE
  FLI_D fa2, TWO
  FLI_D fa3, SIX
  fsrmi 5
  fsflagsi FFLAG_OF                                    /* must survive the traps */
  TRAP_ILLEGAL fadd.d fa3, fa1, fa2, dyn
  TRAP_ILLEGAL fmul.d fa3, fa1, fa2                    /* the assembler's default rm is DYN */
  TRAP_ILLEGAL fsqrt.d fa3, fa1, dyn
  ASSERT_FD fa3, SIX
  ASSERT_FFLAGS FFLAG_OF
  TEST 197
  fsrmi 6
  TRAP_ILLEGAL fdiv.d fa3, fa1, fa2, dyn
  TRAP_ILLEGAL fmadd.d fa3, fa1, fa2, fa1, dyn
  TRAP_ILLEGAL fsub.d fa3, fa1, fa2, dyn
  ASSERT_FD fa3, SIX
  ASSERT_FFLAGS FFLAG_OF
  TEST 198
  fsrmi 7
  TRAP_ILLEGAL fnmadd.d fa3, fa1, fa2, fa1, dyn
  TRAP_ILLEGAL fadd.d fa3, fa1, fa2, dyn
  ASSERT_FD fa3, SIX
  ASSERT_FFLAGS FFLAG_OF
  frrm a0
  ASSERT_EQ a0, 7                                      /* frm kept its (reserved) value */
  TEST 199
  /* with frm reserved, static rounding modes and instructions without rm still work */
  fsrmi 5
  fsflags zero
  fadd.d fa3, fa1, fa2, rne
  ASSERT_FD fa3, THREE
  fmin.d fa3, fa1, fa2
  ASSERT_FD fa3, ONE
  fmax.d fa3, fa1, fa2
  ASSERT_FD fa3, TWO
  fsgnjn.d fa3, fa1, fa2
  ASSERT_FD fa3, M_ONE
  fdiv.d fa3, fa1, fa2, rmm
  ASSERT_FD fa3, HALF
  ASSERT_FFLAGS 0
  TEST 200
  /* rm = 5 and 6 in the instruction (frm valid): fadd.d, fmul.d, fsqrt.d, fmadd.d encodings */
  fsrmi FRM_RNE
  fsflagsi FFLAG_OF
  FLI_D fa3, SIX
  TRAP_ILLEGAL .insn r OP_FP, 5, 0x01, fa3, fa1, fa2
  TRAP_ILLEGAL .insn r OP_FP, 6, 0x09, fa3, fa1, fa2
  TRAP_ILLEGAL .insn r OP_FP, 5, 0x2d, fa3, fa1, f0
  TRAP_ILLEGAL .insn r4 MADD, 6, 1, fa3, fa1, fa2, fa1
  ASSERT_FD fa3, SIX
  ASSERT_FFLAGS FFLAG_OF
  TEST 201
  /* ... while the same encodings with rm = 0 work */
  fsflags zero
  .insn r OP_FP, 0, 0x01, fa3, fa1, fa2
  ASSERT_FD fa3, THREE
  .insn r4 MADD, 0, 1, fa3, fa1, fa2, fa1
  ASSERT_FD fa3, THREE
  ASSERT_FFLAGS 0

  /* ---- register fields: f0, f31, rd = rs1 = rs2 ---- */
  TEST 202
  FLI_D f0, THREE
  FLI_D f31, TWO
  fmul.d f16, f0, f31, rne
  ASSERT_FD f16, SIX
  fsub.d f31, f31, f0, rne
  ASSERT_FD f31, M_ONE
  fadd.d f0, f0, f0, rne
  ASSERT_FD f0, SIX
  fmadd.d f31, f31, f31, f31, rne                      /* -1 * -1 + -1 = 0 */
  ASSERT_FD f31, P0
  fsqrt.d f0, f16, rne                                 /* a little below sqrt(6) */
  fmul.d f0, f0, f0, rtz                               /* so its square truncates below 6 */
  ASSERT_FD f0, 0x4017fffffffffffe

  TEST_PASS
TEST_END
