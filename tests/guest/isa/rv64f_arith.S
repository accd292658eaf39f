/* RV64F arithmetic: FADD.S FSUB.S FMUL.S FDIV.S FSQRT.S FMIN.S FMAX.S FMADD.S FMSUB.S FNMSUB.S
 * FNMADD.S. Every check compares all 64 bits of the result (so it must also be NaN-boxed) and
 * fflags exactly (cleared before the operation): exact and inexact results; the five static
 * rounding modes on ties and non-ties where they differ, and the dynamic mode through frm;
 * overflow to infinity or to the largest finite number depending on the rounding mode (decided
 * after rounding); subnormal results, exact (no UF) and inexact (UF + NX), with tininess detected
 * after rounding (a result just below the smallest normal that rounds to it does not underflow,
 * and one that is tiny after rounding to 24 bits underflows even if it then rounds to the
 * smallest normal); invalid operations (inf - inf, 0 * inf, 0 / 0, inf / inf, sqrt of a
 * negative, inf * 0 + qNaN) giving the canonical NaN 0x7fc00000 with NV; divide by zero (DZ, not
 * for inf / 0); NaN inputs (quiet: canonical NaN, no flag; signalling: NV); signed zeros of exact
 * zero sums (-0 only in RDN) and of the four FMA forms (which negate the product, not the sum);
 * FMIN / FMAX (one NaN: the other operand; two NaNs: canonical NaN; sNaN: NV; -0 < +0); fusion
 * (one rounding, no intermediate overflow). frm = 5, 6, 7 with rm = DYN, and rm = 5 / 6 in the
 * instruction, raise illegal instruction (mtval = the instruction; rd and fflags unchanged), while
 * static rounding modes and instructions without rm still work. rv64d_arith.S is the same for
 * double precision. Expected values: exact rational arithmetic, rounded per IEEE 754-2008 with
 * RISC-V's rules. */
#include "test.h"

#define P0        0x00000000  /* +0 */
#define M0        0x80000000  /* -0 */
#define ONE       0x3f800000
#define M_ONE     0xbf800000
#define TWO       0x40000000
#define M_TWO     0xc0000000
#define THREE     0x40400000
#define M_THREE   0xc0400000
#define FOUR      0x40800000
#define SIX       0x40c00000
#define HALF      0x3f000000
#define NINE_4    0x40100000  /* 2.25 */
#define ONE_P     0x3f800001  /* 1 + 2^-23 (1 + ulp) */
#define ONE_M2    0x3f7ffffe  /* 1 - 2^-23 */
#define ULP_H     0x33800000  /* 2^-24: half an ulp of 1.0 */
#define M_ULP_H   0xb3800000
#define ULP_Q     0x33000000  /* 2^-25 */
#define ULP_3Q    0x33c00000  /* 3 * 2^-25: three quarters of an ulp of 1.0 */
#define MAX       0x7f7fffff  /* largest finite */
#define M_MAX     0xff7fffff
#define MAX_HU    0x73000000  /* 2^103: half an ulp of MAX */
#define MAX_HU_M  0x72ffffff  /* just below */
#define MIN_N     0x00800000  /* smallest normal 2^-126 */
#define MIN_N_P   0x00800001
#define MAX_SUB   0x007fffff  /* largest subnormal */
#define MIN_SUB   0x00000001  /* 2^-149 */
#define M_MIN_SUB 0x80000001
#define INF       0x7f800000
#define M_INF     0xff800000
#define QNAN      0x7fc00000  /* canonical */
#define QNAN_P    0x7fc12345  /* quiet, with payload */
#define M_QNAN    0xffc00001
#define SNAN      0x7f800001
#define M_SNAN    0xff812345
/* TINY_A * TINY_B = (2^25 - 1) * 2^-151 = 2^-126 - 2^-151: rounds to 24 bits as 2^-126 (a tie,
 * to even), so it is not tiny after rounding */
#define TINY_A    0x21118e00  /* 18631 * 2^-75 */
#define TINY_B    0x1ee12000  /* 1801 * 2^-76 */
/* NEAR_H * MIN_SUB + MIN_N = 2^-126 - 2^-150 + 2^-170: rounds to 24 bits as 2^-126 - 2^-150
 * (tiny), then with subnormal precision to 2^-126 */
#define NEAR_H    0xbefffff0  /* -(0.5 - 2^-21) */

TEST_BEGIN
  FP_ENABLE
  fscsr zero

  /* ---- FADD.S ---- */
  TF_RR 1, S, fadd.s, 0x40400000, 0, ONE, TWO, rne              /* 1 + 2 = 3 exact */
  TF_RR 2, S, fadd.s, 0x3f800000, FFLAG_NX, ONE, ULP_H, rne     /* 1 + half ulp: tie, to even */
  TF_RR 3, S, fadd.s, 0x3f800000, FFLAG_NX, ONE, ULP_H, rtz
  TF_RR 4, S, fadd.s, 0x3f800000, FFLAG_NX, ONE, ULP_H, rdn
  TF_RR 5, S, fadd.s, 0x3f800001, FFLAG_NX, ONE, ULP_H, rup
  TF_RR 6, S, fadd.s, 0x3f800001, FFLAG_NX, ONE, ULP_H, rmm     /* tie, away from zero */
  TF_RR 7, S, fadd.s, 0x3f800002, FFLAG_NX, ONE_P, ULP_H, rne   /* tie, to even = up */
  TF_RR 8, S, fadd.s, 0x3f800001, FFLAG_NX, ONE_P, ULP_H, rtz
  TF_RR 9, S, fadd.s, 0xbf800000, FFLAG_NX, M_ONE, M_ULP_H, rne /* negative tie */
  TF_RR 10, S, fadd.s, 0xbf800001, FFLAG_NX, M_ONE, M_ULP_H, rdn
  TF_RR 11, S, fadd.s, 0xbf800000, FFLAG_NX, M_ONE, M_ULP_H, rup
  TF_RR 12, S, fadd.s, 0xbf800001, FFLAG_NX, M_ONE, M_ULP_H, rmm
  TF_RR 13, S, fadd.s, 0x3f800001, FFLAG_NX, ONE, ULP_3Q, rne   /* 3/4 ulp: nearest is up */
  TF_RR 14, S, fadd.s, 0x3f800000, FFLAG_NX, ONE, ULP_3Q, rtz
  TF_RR 15, S, fadd.s, 0x00000000, 0, THREE, M_THREE, rne       /* x + -x = +0 */
  TF_RR 16, S, fadd.s, 0x80000000, 0, THREE, M_THREE, rdn       /* ... but -0 in RDN */
  TF_RR 17, S, fadd.s, 0x00000000, 0, P0, M0, rne
  TF_RR 18, S, fadd.s, 0x80000000, 0, P0, M0, rdn
  TF_RR 19, S, fadd.s, 0x80000000, 0, M0, M0, rne               /* -0 + -0 = -0 */
  TF_RR 20, S, fadd.s, 0x7fc00000, FFLAG_NV, INF, M_INF, rne    /* invalid */
  TF_RR 21, S, fadd.s, 0xff800000, 0, M_INF, M_INF, rne
  TF_RR 22, S, fadd.s, 0x7f800000, 0, INF, M_MAX, rne
  TF_RR 23, S, fadd.s, 0x7fc00000, 0, QNAN_P, ONE, rne          /* qNaN: canonical NaN, no flag */
  TF_RR 24, S, fadd.s, 0x7fc00000, 0, ONE, M_QNAN, rne
  TF_RR 25, S, fadd.s, 0x7fc00000, FFLAG_NV, SNAN, ONE, rne     /* sNaN: NV */
  TF_RR 26, S, fadd.s, 0x7fc00000, FFLAG_NV, QNAN, M_SNAN, rne
  /* overflow per rounding mode */
  TF_RR 27, S, fadd.s, 0x7f800000, FFLAG_OF|FFLAG_NX, MAX, MAX, rne
  TF_RR 28, S, fadd.s, 0x7f7fffff, FFLAG_OF|FFLAG_NX, MAX, MAX, rtz
  TF_RR 29, S, fadd.s, 0x7f7fffff, FFLAG_OF|FFLAG_NX, MAX, MAX, rdn
  TF_RR 30, S, fadd.s, 0x7f800000, FFLAG_OF|FFLAG_NX, MAX, MAX, rup
  TF_RR 31, S, fadd.s, 0x7f800000, FFLAG_OF|FFLAG_NX, MAX, MAX, rmm
  TF_RR 32, S, fadd.s, 0xff7fffff, FFLAG_OF|FFLAG_NX, M_MAX, M_MAX, rtz
  TF_RR 33, S, fadd.s, 0xff800000, FFLAG_OF|FFLAG_NX, M_MAX, M_MAX, rdn
  TF_RR 34, S, fadd.s, 0xff7fffff, FFLAG_OF|FFLAG_NX, M_MAX, M_MAX, rup
  /* tie at MAX rounds to 2^128: overflow */
  TF_RR 35, S, fadd.s, 0x7f800000, FFLAG_OF|FFLAG_NX, MAX, MAX_HU, rne
  TF_RR 36, S, fadd.s, 0x7f7fffff, FFLAG_NX, MAX, MAX_HU, rtz   /* inexact, no overflow */
  TF_RR 37, S, fadd.s, 0x7f7fffff, FFLAG_NX, MAX, MAX_HU_M, rne /* below the tie: MAX, NX only */
  TF_RR 38, S, fadd.s, 0x007fffff, 0, MIN_N, M_MIN_SUB, rne     /* exact subnormal result: no UF */
  TF_RR 39, S, fadd.s, 0x00800000, 0, MAX_SUB, MIN_SUB, rne     /* subnormals summing to MIN_N */

  /* ---- FSUB.S ---- */
  TF_RR 40, S, fsub.s, 0x40000000, 0, THREE, ONE, rne
  TF_RR 41, S, fsub.s, 0x00000000, 0, ONE, ONE, rne          /* +0 */
  TF_RR 42, S, fsub.s, 0x80000000, 0, ONE, ONE, rdn          /* -0 */
  TF_RR 43, S, fsub.s, 0x80000000, 0, M0, P0, rne            /* -0 - +0 = -0 */
  TF_RR 44, S, fsub.s, 0x00000000, 0, P0, P0, rne
  TF_RR 45, S, fsub.s, 0x3f7fffff, 0, ONE, ULP_H, rne        /* 1 - 2^-24: exact */
  TF_RR 46, S, fsub.s, 0x3f800000, FFLAG_NX, ONE, ULP_Q, rne /* 1 - 2^-25: tie, to even */
  TF_RR 47, S, fsub.s, 0x3f7fffff, FFLAG_NX, ONE, ULP_Q, rdn
  TF_RR 48, S, fsub.s, 0x7fc00000, FFLAG_NV, INF, INF, rne   /* invalid */
  TF_RR 49, S, fsub.s, 0xff800000, 0, M_INF, INF, rne
  TF_RR 50, S, fsub.s, 0xff800000, FFLAG_OF|FFLAG_NX, M_MAX, MAX, rne
  TF_RR 51, S, fsub.s, 0xff7fffff, FFLAG_OF|FFLAG_NX, M_MAX, MAX, rup
  TF_RR 52, S, fsub.s, 0x7fc00000, FFLAG_NV, ONE, SNAN, rtz

  /* ---- FMUL.S ---- */
  TF_RR 53, S, fmul.s, 0x40c00000, 0, TWO, THREE, rne
  TF_RR 54, S, fmul.s, 0x3f800002, FFLAG_NX, ONE_P, ONE_P, rne            /* 1 + 2^-22 + 2^-46 */
  TF_RR 55, S, fmul.s, 0x3f800003, FFLAG_NX, ONE_P, ONE_P, rup
  TF_RR 56, S, fmul.s, 0x3f800002, FFLAG_NX, ONE_P, ONE_P, rtz
  TF_RR 57, S, fmul.s, 0x80000000, 0, M0, THREE, rne
  TF_RR 58, S, fmul.s, 0x00000000, 0, M_ONE, M0, rne
  TF_RR 59, S, fmul.s, 0x7fc00000, FFLAG_NV, P0, INF, rne                 /* invalid */
  TF_RR 60, S, fmul.s, 0x7fc00000, FFLAG_NV, M_INF, M0, rne
  TF_RR 61, S, fmul.s, 0xff800000, 0, INF, M_TWO, rne
  TF_RR 62, S, fmul.s, 0x7fc00000, 0, QNAN, P0, rne
  TF_RR 63, S, fmul.s, 0x7fc00000, FFLAG_NV, ONE, SNAN, rne
  TF_RR 64, S, fmul.s, 0x7f800000, FFLAG_OF|FFLAG_NX, MAX, TWO, rne       /* overflow */
  TF_RR 65, S, fmul.s, 0x7f7fffff, FFLAG_OF|FFLAG_NX, MAX, TWO, rtz
  TF_RR 66, S, fmul.s, 0x7f7fffff, FFLAG_OF|FFLAG_NX, MAX, TWO, rdn
  TF_RR 67, S, fmul.s, 0x7f800000, FFLAG_OF|FFLAG_NX, MAX, TWO, rup
  TF_RR 68, S, fmul.s, 0xff800000, FFLAG_OF|FFLAG_NX, M_MAX, TWO, rdn
  TF_RR 69, S, fmul.s, 0xff7fffff, FFLAG_OF|FFLAG_NX, M_MAX, TWO, rup
  TF_RR 70, S, fmul.s, 0xff800000, FFLAG_OF|FFLAG_NX, M_MAX, TWO, rmm
  /* exact subnormal: no UF */
  TF_RR 71, S, fmul.s, 0x00400000, 0, MIN_N, HALF, rne
  TF_RR 72, S, fmul.s, 0x00400000, FFLAG_UF|FFLAG_NX, MIN_N_P, HALF, rne  /* subnormal tie: UF NX */
  TF_RR 73, S, fmul.s, 0x00400001, FFLAG_UF|FFLAG_NX, MIN_N_P, HALF, rup
  TF_RR 74, S, fmul.s, 0x00400001, FFLAG_UF|FFLAG_NX, MIN_N_P, HALF, rmm
  /* 2^-150, a tie: to 0 in RNE */
  TF_RR 75, S, fmul.s, 0x00000000, FFLAG_UF|FFLAG_NX, MIN_SUB, HALF, rne
  TF_RR 76, S, fmul.s, 0x00000001, FFLAG_UF|FFLAG_NX, MIN_SUB, HALF, rup
  TF_RR 77, S, fmul.s, 0x00000001, FFLAG_UF|FFLAG_NX, MIN_SUB, HALF, rmm
  TF_RR 78, S, fmul.s, 0x80000001, FFLAG_UF|FFLAG_NX, M_MIN_SUB, HALF, rdn
  TF_RR 79, S, fmul.s, 0x80000000, FFLAG_UF|FFLAG_NX, M_MIN_SUB, HALF, rne
  TF_RR 80, S, fmul.s, 0x00000000, FFLAG_UF|FFLAG_NX, MIN_SUB, MIN_SUB, rtz
  /* to MIN_N, not tiny: NX only */
  TF_RR 81, S, fmul.s, 0x00800000, FFLAG_NX, TINY_A, TINY_B, rne
  TF_RR 82, S, fmul.s, 0x00800000, FFLAG_NX, TINY_A, TINY_B, rmm
  TF_RR 83, S, fmul.s, 0x00800000, FFLAG_NX, TINY_A, TINY_B, rup
  TF_RR 84, S, fmul.s, 0x007fffff, FFLAG_UF|FFLAG_NX, TINY_A, TINY_B, rtz /* to MAX_SUB: UF NX */
  TF_RR 85, S, fmul.s, 0x007fffff, FFLAG_UF|FFLAG_NX, TINY_A, TINY_B, rdn

  /* ---- FDIV.S ---- */
  TF_RR 86, S, fdiv.s, 0x40000000, 0, SIX, THREE, rne
  TF_RR 87, S, fdiv.s, 0x3eaaaaab, FFLAG_NX, ONE, THREE, rne
  TF_RR 88, S, fdiv.s, 0x3eaaaaaa, FFLAG_NX, ONE, THREE, rtz
  TF_RR 89, S, fdiv.s, 0x3eaaaaaa, FFLAG_NX, ONE, THREE, rdn
  TF_RR 90, S, fdiv.s, 0x3eaaaaab, FFLAG_NX, ONE, THREE, rup
  TF_RR 91, S, fdiv.s, 0x3eaaaaab, FFLAG_NX, ONE, THREE, rmm
  TF_RR 92, S, fdiv.s, 0xbeaaaaab, FFLAG_NX, M_ONE, THREE, rdn
  TF_RR 93, S, fdiv.s, 0xbeaaaaaa, FFLAG_NX, M_ONE, THREE, rup
  TF_RR 94, S, fdiv.s, 0x3f2aaaab, FFLAG_NX, TWO, THREE, rne
  TF_RR 95, S, fdiv.s, 0x3f2aaaaa, FFLAG_NX, TWO, THREE, rtz
  TF_RR 96, S, fdiv.s, 0x7f800000, FFLAG_DZ, ONE, P0, rne                /* divide by zero */
  TF_RR 97, S, fdiv.s, 0xff800000, FFLAG_DZ, ONE, M0, rne
  TF_RR 98, S, fdiv.s, 0xff800000, FFLAG_DZ, M_THREE, P0, rtz
  TF_RR 99, S, fdiv.s, 0x7fc00000, FFLAG_NV, P0, P0, rne                 /* invalid */
  TF_RR 100, S, fdiv.s, 0x7fc00000, FFLAG_NV, INF, M_INF, rne
  TF_RR 101, S, fdiv.s, 0x7f800000, 0, INF, P0, rne                      /* inf / 0 = inf: no DZ */
  TF_RR 102, S, fdiv.s, 0x00000000, 0, P0, INF, rne
  TF_RR 103, S, fdiv.s, 0x80000000, 0, ONE, M_INF, rne
  TF_RR 104, S, fdiv.s, 0x7fc00000, 0, QNAN, P0, rne                     /* qNaN / 0: no DZ */
  TF_RR 105, S, fdiv.s, 0x7fc00000, FFLAG_NV, SNAN, ONE, rne
  TF_RR 106, S, fdiv.s, 0x7f800000, FFLAG_OF|FFLAG_NX, MAX, HALF, rne    /* overflow */
  TF_RR 107, S, fdiv.s, 0x7f7fffff, FFLAG_OF|FFLAG_NX, MAX, HALF, rtz
  TF_RR 108, S, fdiv.s, 0x002aaaab, FFLAG_UF|FFLAG_NX, MIN_N, THREE, rne /* tiny inexact */
  TF_RR 109, S, fdiv.s, 0x00200000, FFLAG_UF|FFLAG_NX, ONE, MAX, rne
  TF_RR 110, S, fdiv.s, 0x80000000, FFLAG_UF|FFLAG_NX, MIN_SUB, M_TWO, rne
  TF_RR 111, S, fdiv.s, 0x80000001, FFLAG_UF|FFLAG_NX, MIN_SUB, M_TWO, rdn

  /* ---- FSQRT.S ---- */
  TF_R 112, S, fsqrt.s, 0x40000000, 0, FOUR, rne
  TF_R 113, S, fsqrt.s, 0x3fc00000, 0, NINE_4, rne
  TF_R 114, S, fsqrt.s, 0x3fb504f3, FFLAG_NX, TWO, rne
  TF_R 115, S, fsqrt.s, 0x3fb504f3, FFLAG_NX, TWO, rtz
  TF_R 116, S, fsqrt.s, 0x3fb504f3, FFLAG_NX, TWO, rdn
  TF_R 117, S, fsqrt.s, 0x3fb504f4, FFLAG_NX, TWO, rup
  TF_R 118, S, fsqrt.s, 0x3fb504f3, FFLAG_NX, TWO, rmm
  TF_R 119, S, fsqrt.s, 0x3fddb3d7, FFLAG_NX, THREE, rne
  TF_R 120, S, fsqrt.s, 0x3fddb3d8, FFLAG_NX, THREE, rup
  TF_R 121, S, fsqrt.s, 0x80000000, 0, M0, rne             /* sqrt(-0) = -0 */
  TF_R 122, S, fsqrt.s, 0x00000000, 0, P0, rne
  TF_R 123, S, fsqrt.s, 0x7f800000, 0, INF, rne
  TF_R 124, S, fsqrt.s, 0x7fc00000, FFLAG_NV, M_ONE, rne   /* invalid */
  TF_R 125, S, fsqrt.s, 0x7fc00000, FFLAG_NV, M_INF, rne
  TF_R 126, S, fsqrt.s, 0x7fc00000, FFLAG_NV, M_MIN_SUB, rne
  TF_R 127, S, fsqrt.s, 0x7fc00000, 0, QNAN_P, rne
  TF_R 128, S, fsqrt.s, 0x7fc00000, FFLAG_NV, SNAN, rne
  TF_R 129, S, fsqrt.s, 0x1a3504f3, FFLAG_NX, MIN_SUB, rne /* 2^-74.5: normal, inexact */
  TF_R 130, S, fsqrt.s, 0x5f800000, FFLAG_NX, MAX, rup

  /* ---- FMIN.S / FMAX.S ---- */
  TF_RR 131, S, fmin.s, 0x3f800000, 0, ONE, TWO
  TF_RR 132, S, fmax.s, 0x40000000, 0, ONE, TWO
  TF_RR 133, S, fmin.s, 0xbf800000, 0, M_ONE, ONE
  TF_RR 134, S, fmax.s, 0xff7fffff, 0, M_INF, M_MAX
  TF_RR 135, S, fmin.s, 0x80000000, 0, MIN_SUB, M0
  TF_RR 136, S, fmin.s, 0x80000000, 0, P0, M0           /* -0 < +0 */
  TF_RR 137, S, fmin.s, 0x80000000, 0, M0, P0
  TF_RR 138, S, fmax.s, 0x00000000, 0, P0, M0
  TF_RR 139, S, fmax.s, 0x00000000, 0, M0, P0
  TF_RR 140, S, fmin.s, 0x3f800000, 0, QNAN_P, ONE      /* one NaN: the other operand */
  TF_RR 141, S, fmax.s, 0xc0000000, 0, M_TWO, M_QNAN
  TF_RR 142, S, fmin.s, 0x7f800000, 0, INF, QNAN
  TF_RR 143, S, fmin.s, 0x3f800000, FFLAG_NV, SNAN, ONE /* ... with NV if signalling */
  TF_RR 144, S, fmax.s, 0x40000000, FFLAG_NV, TWO, M_SNAN
  TF_RR 145, S, fmin.s, 0x7fc00000, 0, QNAN_P, M_QNAN   /* two NaNs: canonical NaN */
  TF_RR 146, S, fmax.s, 0x7fc00000, FFLAG_NV, SNAN, QNAN
  TF_RR 147, S, fmin.s, 0x7fc00000, FFLAG_NV, M_SNAN, SNAN

  /* ---- FMADD.S FMSUB.S FNMSUB.S FNMADD.S ---- */
  TF_R4 148, S, fmadd.s, 0x40e00000, 0, TWO, THREE, ONE, rne        /* 2*3 + 1 */
  TF_R4 149, S, fmsub.s, 0x40a00000, 0, TWO, THREE, ONE, rne        /* 2*3 - 1 */
  TF_R4 150, S, fnmsub.s, 0xc0a00000, 0, TWO, THREE, ONE, rne       /* -(2*3) + 1 */
  TF_R4 151, S, fnmadd.s, 0xc0e00000, 0, TWO, THREE, ONE, rne       /* -(2*3) - 1 */
  TF_R4 152, S, fmadd.s, 0xa8800000, 0, ONE_P, ONE_M2, M_ONE, rne   /* fused: -2^-46 exactly */
  /* 2^-22 + 2^-46: tie, to even */
  TF_R4 153, S, fmsub.s, 0x34800000, FFLAG_NX, ONE_P, ONE_P, ONE, rne
  TF_R4 154, S, fmsub.s, 0x34800001, FFLAG_NX, ONE_P, ONE_P, ONE, rmm
  TF_R4 155, S, fmsub.s, 0x34800001, FFLAG_NX, ONE_P, ONE_P, ONE, rup
  TF_R4 156, S, fmadd.s, 0x3f800000, FFLAG_NX, ONE, ONE, ULP_H, rne
  TF_R4 157, S, fmadd.s, 0x3f800001, FFLAG_NX, ONE, ONE, ULP_H, rmm
  TF_R4 158, S, fmadd.s, 0x7f7fffff, 0, MAX, TWO, M_MAX, rne        /* no intermediate overflow */
  TF_R4 159, S, fmadd.s, 0x00000000, 0, P0, ONE, M0, rne            /* +0 + -0 */
  TF_R4 160, S, fmadd.s, 0x80000000, 0, M0, ONE, M0, rne            /* -0 + -0 */
  TF_R4 161, S, fnmadd.s, 0x00000000, 0, P0, ONE, M0, rne           /* -(+0) - (-0) = +0 */
  TF_R4 162, S, fnmadd.s, 0x80000000, 0, P0, ONE, P0, rne           /* -(+0) - (+0) = -0 */
  /* -(+0) + (+0) = +0, -0 in RDN */
  TF_R4 163, S, fnmsub.s, 0x00000000, 0, P0, ONE, P0, rne
  TF_R4 164, S, fnmsub.s, 0x80000000, 0, P0, ONE, P0, rdn
  TF_R4 165, S, fmsub.s, 0x80000000, 0, ONE, ONE, ONE, rdn          /* exact zero sum in RDN: -0 */
  TF_R4 166, S, fmadd.s, 0x7fc00000, FFLAG_NV, INF, P0, QNAN, rne   /* inf * 0 + qNaN: NV */
  TF_R4 167, S, fmadd.s, 0x7fc00000, FFLAG_NV, M0, M_INF, ONE, rne
  TF_R4 168, S, fmadd.s, 0x7fc00000, FFLAG_NV, INF, ONE, M_INF, rne /* inf - inf */
  TF_R4 169, S, fmsub.s, 0x7fc00000, FFLAG_NV, INF, ONE, INF, rne
  TF_R4 170, S, fnmadd.s, 0xff800000, 0, INF, ONE, INF, rne         /* -inf - inf = -inf */
  TF_R4 171, S, fmadd.s, 0x7fc00000, 0, ONE, ONE, QNAN_P, rne
  TF_R4 172, S, fmadd.s, 0x7fc00000, FFLAG_NV, SNAN, ONE, ONE, rne
  TF_R4 173, S, fmadd.s, 0x7fc00000, FFLAG_NV, QNAN, ONE, M_SNAN, rne
  /* overflow */
  TF_R4 174, S, fmadd.s, 0x7f800000, FFLAG_OF|FFLAG_NX, MAX, TWO, ONE, rne
  TF_R4 175, S, fmadd.s, 0x7f7fffff, FFLAG_OF|FFLAG_NX, MAX, TWO, ONE, rtz
  TF_R4 176, S, fnmsub.s, 0xff800000, FFLAG_OF|FFLAG_NX, MAX, TWO, ONE, rdn
  TF_R4 177, S, fnmsub.s, 0xff7fffff, FFLAG_OF|FFLAG_NX, MAX, TWO, ONE, rup
  /* tiny, rounds to MIN_N: UF NX */
  TF_R4 178, S, fmadd.s, 0x00800000, FFLAG_UF|FFLAG_NX, NEAR_H, MIN_SUB, MIN_N, rne
  TF_R4 179, S, fmadd.s, 0x007fffff, FFLAG_UF|FFLAG_NX, NEAR_H, MIN_SUB, MIN_N, rtz
  TF_R4 180, S, fmadd.s, 0x00000003, 0, MIN_SUB, TWO, MIN_SUB, rne  /* exact subnormal */

  /* ---- dynamic rounding mode (rm = DYN: frm) ---- */
  fsrmi FRM_RTZ
  TF_RR 181, S, fdiv.s, 0x3eaaaaaa, FFLAG_NX, ONE, THREE, dyn
  TF_R4 182, S, fmadd.s, 0x7f7fffff, FFLAG_OF|FFLAG_NX, MAX, TWO, ONE, dyn
  fsrmi FRM_RUP
  TF_RR 183, S, fdiv.s, 0x3eaaaaab, FFLAG_NX, ONE, THREE, dyn
  TF_R 184, S, fsqrt.s, 0x3fb504f4, FFLAG_NX, TWO, dyn
  TF_RR 185, S, fdiv.s, 0x3eaaaaaa, FFLAG_NX, ONE, THREE, rtz /* a static mode overrides frm */
  fsrmi FRM_RDN
  TF_RR 186, S, fdiv.s, 0xbeaaaaab, FFLAG_NX, M_ONE, THREE, dyn
  TF_RR 187, S, fsub.s, 0x80000000, 0, ONE, ONE, dyn
  TF_RR 188, S, fmul.s, 0xff800000, FFLAG_OF|FFLAG_NX, M_MAX, TWO, dyn
  fsrmi FRM_RMM
  TF_RR 189, S, fadd.s, 0x3f800001, FFLAG_NX, ONE, ULP_H, dyn
  TF_R4 190, S, fmsub.s, 0x34800001, FFLAG_NX, ONE_P, ONE_P, ONE, dyn
  TF_RR 191, S, fmul.s, 0x00000001, FFLAG_UF|FFLAG_NX, MIN_SUB, HALF, dyn
  TF_RR 192, S, fadd.s, 0x7f7fffff, FFLAG_OF|FFLAG_NX, MAX, MAX, rtz
  fsrmi FRM_RNE
  TF_RR 193, S, fadd.s, 0x3f800000, FFLAG_NX, ONE, ULP_H, dyn
  TF_RR 194, S, fsub.s, 0x00000000, 0, ONE, ONE, dyn
  TEST 195
  /* the operations leave frm alone */
  fsrmi FRM_RDN
  FLI_S fa1, ONE
  fadd.s fa3, fa1, fa1, rup
  fdiv.s fa3, fa1, fa1, dyn
  frrm a0
  ASSERT_EQ a0, FRM_RDN
  fsrmi FRM_RNE

  /* ---- reserved rounding modes: illegal instruction, nothing written ---- */
  TEST 196
  FLI_S fa1, ONE
  FLI_S fa2, TWO
  FLI_S fa3, SIX
  fsrmi 5
  fsflagsi FFLAG_OF                                    /* must survive the traps */
  TRAP_ILLEGAL fadd.s fa3, fa1, fa2, dyn
  TRAP_ILLEGAL fmul.s fa3, fa1, fa2                    /* the assembler's default rm is DYN */
  TRAP_ILLEGAL fsqrt.s fa3, fa1, dyn
  ASSERT_FS fa3, SIX
  ASSERT_FFLAGS FFLAG_OF
  TEST 197
  fsrmi 6
  TRAP_ILLEGAL fdiv.s fa3, fa1, fa2, dyn
  TRAP_ILLEGAL fmadd.s fa3, fa1, fa2, fa1, dyn
  TRAP_ILLEGAL fsub.s fa3, fa1, fa2, dyn
  ASSERT_FS fa3, SIX
  ASSERT_FFLAGS FFLAG_OF
  TEST 198
  fsrmi 7
  TRAP_ILLEGAL fnmadd.s fa3, fa1, fa2, fa1, dyn
  TRAP_ILLEGAL fadd.s fa3, fa1, fa2, dyn
  ASSERT_FS fa3, SIX
  ASSERT_FFLAGS FFLAG_OF
  frrm a0
  ASSERT_EQ a0, 7                                      /* frm kept its (reserved) value */
  TEST 199
  /* with frm reserved, static rounding modes and instructions without rm still work */
  fsrmi 5
  fsflags zero
  fadd.s fa3, fa1, fa2, rne
  ASSERT_FS fa3, THREE
  fmin.s fa3, fa1, fa2
  ASSERT_FS fa3, ONE
  fmax.s fa3, fa1, fa2
  ASSERT_FS fa3, TWO
  fsgnjn.s fa3, fa1, fa2
  ASSERT_FS fa3, M_ONE
  fdiv.s fa3, fa1, fa2, rmm
  ASSERT_FS fa3, HALF
  ASSERT_FFLAGS 0
  TEST 200
  /* rm = 5 and 6 in the instruction (frm valid): fadd.s, fmul.s, fsqrt.s, fmadd.s encodings */
  fsrmi FRM_RNE
  fsflagsi FFLAG_OF
  FLI_S fa3, SIX
  TRAP_ILLEGAL .insn r OP_FP, 5, 0x00, fa3, fa1, fa2
  TRAP_ILLEGAL .insn r OP_FP, 6, 0x08, fa3, fa1, fa2
  TRAP_ILLEGAL .insn r OP_FP, 5, 0x2c, fa3, fa1, f0
  TRAP_ILLEGAL .insn r4 MADD, 6, 0, fa3, fa1, fa2, fa1
  ASSERT_FS fa3, SIX
  ASSERT_FFLAGS FFLAG_OF
  TEST 201
  /* ... while the same encodings with rm = 0 work */
  fsflags zero
  .insn r OP_FP, 0, 0x00, fa3, fa1, fa2
  ASSERT_FS fa3, THREE
  .insn r4 MADD, 0, 0, fa3, fa1, fa2, fa1
  ASSERT_FS fa3, THREE
  ASSERT_FFLAGS 0

  /* ---- register fields: f0, f31, rd = rs1 = rs2 ---- */
  TEST 202
  FLI_S f0, THREE
  FLI_S f31, TWO
  fmul.s f16, f0, f31, rne
  ASSERT_FS f16, SIX
  fsub.s f31, f31, f0, rne
  ASSERT_FS f31, M_ONE
  fadd.s f0, f0, f0, rne
  ASSERT_FS f0, SIX
  fmadd.s f31, f31, f31, f31, rne                      /* -1 * -1 + -1 = 0 */
  ASSERT_FS f31, P0
  fsqrt.s f0, f16, rne                                 /* 0x401cc471, a little above sqrt(6) */
  fmul.s f0, f0, f0, rtz                               /* so its square truncates to 6 */
  ASSERT_FS f0, SIX

  TEST_PASS
TEST_END
