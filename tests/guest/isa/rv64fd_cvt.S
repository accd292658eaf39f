/* RV64F / RV64D conversions and moves: FCVT.{W,WU,L,LU}.{S,D}, FCVT.{S,D}.{W,WU,L,LU},
 * FCVT.S.D, FCVT.D.S, FMV.X.W, FMV.W.X, FMV.X.D, FMV.D.X. Results (all 64 bits; .S results
 * NaN-boxed) and fflags exactly.
 *  - float -> integer: every rounding mode on ties and non-ties; the range is checked after
 *    rounding (2147483647.5 fits only when rounded down); out-of-range, infinite and NaN inputs
 *    give the saturated results with NV and no NX (W: NaN and +overflow -> 2^31 - 1,
 *    -overflow -> -2^31; WU / LU: negative -> 0, NaN and +overflow -> all ones), a NaN of
 *    either sign counting as positive; WU of a value in (-1, 0) that rounds to 0 gives 0 with
 *    NX only; W / WU results are sign-extended (FCVT.WU of 4294967295.0 = 0xffffffffffffffff).
 *  - integer -> float: rounding when inexact; .W / .WU read only the low 32 bits of rs1;
 *    integer 0 converts to +0.
 *  - FCVT.S.D: rounding, overflow per rounding mode, subnormal results (tininess after
 *    rounding), any NaN -> the canonical NaN (NV for a signalling one, payload dropped).
 *    FCVT.D.S: exact, NaN -> canonical NaN (NV if signalling).
 *  - moves: bits unchanged (NaN payloads kept, no flags), FMV.X.W sign-extends, FMV.W.X takes
 *    the low 32 bits and NaN-boxes them.
 *  - reserved frm (5) with rm = DYN: illegal instruction for every conversion with an rm field,
 *    including the exact FCVT.D.S and FCVT.D.W; FMV.X.W (no rm) still works. */
#include "test.h"

/* single */
#define S_P0        0x00000000
#define S_M0        0x80000000
#define S_ONE       0x3f800000
#define S_M_ONE     0xbf800000
#define S_2_5       0x40200000  /* 2.5 */
#define S_M2_5      0xc0200000
#define S_1_5       0x3fc00000
#define S_0_5       0x3f000000
#define S_M0_5      0xbf000000
#define S_M0_9      0xbf666666  /* -0.9 */
#define S_3E9       0x4f32d05e  /* 3000000000 */
#define S_M1E10     0xd01502f9  /* -1e10 (about) */
#define S_2P31      0x4f000000  /* 2^31 */
#define S_2P31_M    0x4effffff  /* 2^31 - 128, largest below 2^31 */
#define S_M2P31     0xcf000000  /* -2^31 */
#define S_M2P31_N   0xcf000001  /* -(2^31 + 256), next below -2^31 */
#define S_2P32      0x4f800000
#define S_2P32_M    0x4f7fffff  /* 2^32 - 256 */
#define S_2P63      0x5f000000
#define S_2P63_M    0x5effffff  /* 2^63 - 2^39 */
#define S_M2P63     0xdf000000
#define S_M2P63_N   0xdf000001
#define S_2P64      0x5f800000
#define S_2P64_M    0x5f7fffff  /* 2^64 - 2^40 */
#define S_MAX       0x7f7fffff
#define S_MIN_SUB   0x00000001
#define S_INF       0x7f800000
#define S_M_INF     0xff800000
#define S_QNAN      0x7fc00000
#define S_QNAN_P    0x7fc12345
#define S_M_QNAN    0xffc00001
#define S_SNAN      0x7f800001
#define S_M_SNAN    0xff812345
/* double */
#define D_P0        0x0000000000000000
#define D_M0        0x8000000000000000
#define D_ONE       0x3ff0000000000000
#define D_M_ONE     0xbff0000000000000
#define D_1_5       0x3ff8000000000000
#define D_2_5       0x4004000000000000
#define D_M2_5      0xc004000000000000
#define D_M0_5      0xbfe0000000000000
#define D_M0_9      0xbfeccccccccccccd
#define D_2P31_MH   0x41dfffffffe00000  /* 2147483647.5 */
#define D_2P31_M1   0x41dfffffffc00000  /* 2147483647 */
#define D_2P31      0x41e0000000000000
#define D_M2P31_H   0xc1e0000000100000  /* -2147483648.5 */
#define D_M2P31_1   0xc1e0000000200000  /* -2147483649 */
#define D_2P32_MH   0x41effffffff00000  /* 4294967295.5 */
#define D_2P32_M1   0x41efffffffe00000  /* 4294967295 */
#define D_2P63      0x43e0000000000000
#define D_2P63_M    0x43dfffffffffffff  /* 2^63 - 1024 */
#define D_M2P63     0xc3e0000000000000
#define D_M2P63_N   0xc3e0000000000001
#define D_2P64      0x43f0000000000000
#define D_2P64_M    0x43efffffffffffff  /* 2^64 - 2048 */
#define D_THIRD     0x3fd5555555555555  /* 1/3 */
#define D_1_2M24    0x3ff0000010000000  /* 1 + 2^-24: half an S ulp above 1 */
#define D_1E39      0x48078287f49c4a1d  /* beyond the S range */
#define D_M1E39     0xc8078287f49c4a1d
#define D_SMAX_HU   0x47effffff0000000  /* S MAX + half an S ulp (2^128 - 2^103) */
#define D_SMAX_HU_M 0x47efffffefffffff  /* just below */
#define D_MAX       0x7fefffffffffffff
#define D_2PM140    0x3730000000000000  /* 2^-140: an exact S subnormal */
#define D_2PM150    0x3690000000000000  /* 2^-150: half the smallest S subnormal */
#define D_3_2PM150  0x36a8000000000000  /* 3 * 2^-150 */
#define D_SMIN_N_H  0x380ffffff0000000  /* 2^-126 - 2^-151: rounds to the smallest S normal */
#define D_MIN_SUB   0x0000000000000001
#define D_INF       0x7ff0000000000000
#define D_M_INF     0xfff0000000000000
#define D_QNAN      0x7ff8000000000000
#define D_QNAN_P    0x7ff8000000012345
#define D_M_QNAN    0xfff8000000000001
#define D_SNAN      0x7ff0000000000001
#define D_SNAN_HI   0x7ff4000000000000  /* signalling, payload in the bits an S NaN would keep */

TEST_BEGIN
  FP_ENABLE
  fscsr zero

  /* ---- FCVT.W.S ---- */
  TF_FX 1, S, fcvt.w.s, 2, FFLAG_NX, S_2_5, rne
  TF_FX 2, S, fcvt.w.s, 2, FFLAG_NX, S_2_5, rtz
  TF_FX 3, S, fcvt.w.s, 2, FFLAG_NX, S_2_5, rdn
  TF_FX 4, S, fcvt.w.s, 3, FFLAG_NX, S_2_5, rup
  TF_FX 5, S, fcvt.w.s, 3, FFLAG_NX, S_2_5, rmm
  TF_FX 6, S, fcvt.w.s, 0xfffffffffffffffe, FFLAG_NX, S_M2_5, rne
  TF_FX 7, S, fcvt.w.s, 0xfffffffffffffffe, FFLAG_NX, S_M2_5, rtz
  TF_FX 8, S, fcvt.w.s, 0xfffffffffffffffd, FFLAG_NX, S_M2_5, rdn
  TF_FX 9, S, fcvt.w.s, 0xfffffffffffffffe, FFLAG_NX, S_M2_5, rup
  TF_FX 10, S, fcvt.w.s, 0xfffffffffffffffd, FFLAG_NX, S_M2_5, rmm
  TF_FX 11, S, fcvt.w.s, 2, FFLAG_NX, S_1_5, rne                   /* tie, to even = up */
  TF_FX 12, S, fcvt.w.s, 0xffffffffffffffff, FFLAG_NX, S_M0_5, rmm
  TF_FX 13, S, fcvt.w.s, 0, 0, S_M0, rne
  TF_FX 14, S, fcvt.w.s, 1, FFLAG_NX, S_MIN_SUB, rup
  TF_FX 15, S, fcvt.w.s, 0x000000007fffff80, 0, S_2P31_M, rne      /* 2147483520 */
  TF_FX 16, S, fcvt.w.s, 0xffffffff80000000, 0, S_M2P31, rne       /* -2^31: in range */
  TF_FX 17, S, fcvt.w.s, 0x000000007fffffff, FFLAG_NV, S_2P31, rne /* out of range: saturate, NV */
  TF_FX 18, S, fcvt.w.s, 0xffffffff80000000, FFLAG_NV, S_M2P31_N, rne
  TF_FX 19, S, fcvt.w.s, 0xffffffff80000000, FFLAG_NV, S_M1E10, rtz
  TF_FX 20, S, fcvt.w.s, 0x000000007fffffff, FFLAG_NV, S_INF, rne
  TF_FX 21, S, fcvt.w.s, 0xffffffff80000000, FFLAG_NV, S_M_INF, rne
  /* NaN, of either sign: 2^31 - 1 */
  TF_FX 22, S, fcvt.w.s, 0x000000007fffffff, FFLAG_NV, S_QNAN, rne
  TF_FX 23, S, fcvt.w.s, 0x000000007fffffff, FFLAG_NV, S_M_QNAN, rne
  TF_FX 24, S, fcvt.w.s, 0x000000007fffffff, FFLAG_NV, S_M_SNAN, rne

  /* ---- FCVT.WU.S ---- */
  TF_FX 25, S, fcvt.wu.s, 3, FFLAG_NX, S_2_5, rup
  TF_FX 26, S, fcvt.wu.s, 2, FFLAG_NX, S_2_5, rne
  TF_FX 27, S, fcvt.wu.s, 0, 0, S_M0, rne
  TF_FX 28, S, fcvt.wu.s, 0, FFLAG_NX, S_M0_5, rne                  /* rounds to -0: 0, NX only */
  TF_FX 29, S, fcvt.wu.s, 0, FFLAG_NX, S_M0_9, rtz
  TF_FX 30, S, fcvt.wu.s, 0, FFLAG_NX, S_M0_9, rup
  TF_FX 31, S, fcvt.wu.s, 0, FFLAG_NV, S_M0_5, rdn                  /* rounds to -1: 0, NV */
  TF_FX 32, S, fcvt.wu.s, 0, FFLAG_NV, S_M0_5, rmm
  TF_FX 33, S, fcvt.wu.s, 0, FFLAG_NV, S_M_ONE, rtz
  TF_FX 34, S, fcvt.wu.s, 0xffffffff80000000, 0, S_2P31, rne        /* 2^31: sign-extended */
  TF_FX 35, S, fcvt.wu.s, 0xffffffffffffff00, 0, S_2P32_M, rne
  TF_FX 36, S, fcvt.wu.s, 0xffffffffb2d05e00, 0, S_3E9, rne
  TF_FX 37, S, fcvt.wu.s, 0xffffffffffffffff, FFLAG_NV, S_2P32, rne /* out of range */
  TF_FX 38, S, fcvt.wu.s, 0xffffffffffffffff, FFLAG_NV, S_INF, rne
  TF_FX 39, S, fcvt.wu.s, 0, FFLAG_NV, S_M_INF, rne
  TF_FX 40, S, fcvt.wu.s, 0xffffffffffffffff, FFLAG_NV, S_QNAN_P, rne
  TF_FX 41, S, fcvt.wu.s, 0xffffffffffffffff, FFLAG_NV, S_M_QNAN, rne
  TF_FX 42, S, fcvt.wu.s, 0xffffffffffffffff, FFLAG_NV, S_SNAN, rne

  /* ---- FCVT.L.S ---- */
  TF_FX 43, S, fcvt.l.s, 2, FFLAG_NX, S_2_5, rdn
  TF_FX 44, S, fcvt.l.s, 0xfffffffffffffffd, FFLAG_NX, S_M2_5, rdn
  TF_FX 45, S, fcvt.l.s, 0xfffffffffffffffd, FFLAG_NX, S_M2_5, rmm
  TF_FX 46, S, fcvt.l.s, 0xfffffffffffffffe, FFLAG_NX, S_M2_5, rne
  TF_FX 47, S, fcvt.l.s, 0x0000000080000000, 0, S_2P31, rne        /* fits in 64 bits */
  TF_FX 48, S, fcvt.l.s, 0xfffffffdabf41c00, 0, S_M1E10, rne
  TF_FX 49, S, fcvt.l.s, 0x7fffff8000000000, 0, S_2P63_M, rne
  TF_FX 50, S, fcvt.l.s, 0x8000000000000000, 0, S_M2P63, rne
  TF_FX 51, S, fcvt.l.s, 0x7fffffffffffffff, FFLAG_NV, S_2P63, rne /* out of range */
  TF_FX 52, S, fcvt.l.s, 0x8000000000000000, FFLAG_NV, S_M2P63_N, rne
  TF_FX 53, S, fcvt.l.s, 0x7fffffffffffffff, FFLAG_NV, S_INF, rne
  TF_FX 54, S, fcvt.l.s, 0x8000000000000000, FFLAG_NV, S_M_INF, rne
  TF_FX 55, S, fcvt.l.s, 0x7fffffffffffffff, FFLAG_NV, S_M_QNAN, rne
  TF_FX 56, S, fcvt.l.s, 0x7fffffffffffffff, FFLAG_NV, S_SNAN, rne

  /* ---- FCVT.LU.S ---- */
  TF_FX 57, S, fcvt.lu.s, 3, FFLAG_NX, S_2_5, rmm
  TF_FX 58, S, fcvt.lu.s, 0x8000000000000000, 0, S_2P63, rne
  TF_FX 59, S, fcvt.lu.s, 0xffffff0000000000, 0, S_2P64_M, rne
  TF_FX 60, S, fcvt.lu.s, 0, FFLAG_NX, S_M0_5, rne
  TF_FX 61, S, fcvt.lu.s, 0, FFLAG_NV, S_M0_5, rdn
  TF_FX 62, S, fcvt.lu.s, 0, FFLAG_NV, S_M_ONE, rne
  TF_FX 63, S, fcvt.lu.s, 0xffffffffffffffff, FFLAG_NV, S_2P64, rne /* out of range */
  TF_FX 64, S, fcvt.lu.s, 0xffffffffffffffff, FFLAG_NV, S_MAX, rne
  TF_FX 65, S, fcvt.lu.s, 0xffffffffffffffff, FFLAG_NV, S_INF, rne
  TF_FX 66, S, fcvt.lu.s, 0, FFLAG_NV, S_M_INF, rne
  TF_FX 67, S, fcvt.lu.s, 0xffffffffffffffff, FFLAG_NV, S_QNAN, rne
  TF_FX 68, S, fcvt.lu.s, 0xffffffffffffffff, FFLAG_NV, S_M_SNAN, rne

  /* ---- FCVT.W.D ---- */
  TF_FX 69, D, fcvt.w.d, 2, FFLAG_NX, D_2_5, rne
  TF_FX 70, D, fcvt.w.d, 3, FFLAG_NX, D_2_5, rup
  TF_FX 71, D, fcvt.w.d, 0xfffffffffffffffd, FFLAG_NX, D_M2_5, rdn
  TF_FX 72, D, fcvt.w.d, 0xfffffffffffffffe, FFLAG_NX, D_M2_5, rtz
  /* 2147483647.5: rounds out of range */
  TF_FX 73, D, fcvt.w.d, 0x000000007fffffff, FFLAG_NV, D_2P31_MH, rne
  TF_FX 74, D, fcvt.w.d, 0x000000007fffffff, FFLAG_NX, D_2P31_MH, rtz /* ... or to 2^31 - 1 */
  TF_FX 75, D, fcvt.w.d, 0x000000007fffffff, FFLAG_NX, D_2P31_MH, rdn
  TF_FX 76, D, fcvt.w.d, 0x000000007fffffff, FFLAG_NV, D_2P31_MH, rup
  TF_FX 77, D, fcvt.w.d, 0x000000007fffffff, FFLAG_NV, D_2P31_MH, rmm
  TF_FX 78, D, fcvt.w.d, 0x000000007fffffff, 0, D_2P31_M1, rne
  /* -2147483648.5: tie, to even */
  TF_FX 79, D, fcvt.w.d, 0xffffffff80000000, FFLAG_NX, D_M2P31_H, rne
  TF_FX 80, D, fcvt.w.d, 0xffffffff80000000, FFLAG_NX, D_M2P31_H, rtz
  TF_FX 81, D, fcvt.w.d, 0xffffffff80000000, FFLAG_NX, D_M2P31_H, rup
  TF_FX 82, D, fcvt.w.d, 0xffffffff80000000, FFLAG_NV, D_M2P31_H, rdn /* rounds to -2^31 - 1: NV */
  TF_FX 83, D, fcvt.w.d, 0xffffffff80000000, FFLAG_NV, D_M2P31_H, rmm
  TF_FX 84, D, fcvt.w.d, 0xffffffff80000000, FFLAG_NV, D_M2P31_1, rne
  TF_FX 85, D, fcvt.w.d, 0x000000007fffffff, FFLAG_NV, D_2P31, rtz
  TF_FX 86, D, fcvt.w.d, 0xffffffff80000000, FFLAG_NV, D_M_INF, rne
  TF_FX 87, D, fcvt.w.d, 0x000000007fffffff, FFLAG_NV, D_QNAN_P, rne
  TF_FX 88, D, fcvt.w.d, 0x000000007fffffff, FFLAG_NV, D_M_QNAN, rne

  /* ---- FCVT.WU.D ---- */
  TF_FX 89, D, fcvt.wu.d, 0xffffffffffffffff, 0, D_2P32_M1, rne /* 4294967295: sign-extended */
  TF_FX 90, D, fcvt.wu.d, 0xffffffff80000000, 0, D_2P31, rne
  /* rounds to 2^32: NV */
  TF_FX 91, D, fcvt.wu.d, 0xffffffffffffffff, FFLAG_NV, D_2P32_MH, rne
  TF_FX 92, D, fcvt.wu.d, 0xffffffffffffffff, FFLAG_NX, D_2P32_MH, rtz
  TF_FX 93, D, fcvt.wu.d, 2, FFLAG_NX, D_2_5, rdn
  TF_FX 94, D, fcvt.wu.d, 0, FFLAG_NX, D_M0_5, rne
  TF_FX 95, D, fcvt.wu.d, 0, FFLAG_NV, D_M0_5, rdn
  TF_FX 96, D, fcvt.wu.d, 0, FFLAG_NX, D_M0_9, rtz
  TF_FX 97, D, fcvt.wu.d, 0, FFLAG_NV, D_M_ONE, rne
  TF_FX 98, D, fcvt.wu.d, 0xffffffffffffffff, FFLAG_NV, D_INF, rne
  TF_FX 99, D, fcvt.wu.d, 0, FFLAG_NV, D_M_INF, rne
  TF_FX 100, D, fcvt.wu.d, 0xffffffffffffffff, FFLAG_NV, D_SNAN, rne

  /* ---- FCVT.L.D ---- */
  TF_FX 101, D, fcvt.l.d, 3, FFLAG_NX, D_2_5, rup
  TF_FX 102, D, fcvt.l.d, 0xfffffffffffffffd, FFLAG_NX, D_M2_5, rmm
  TF_FX 103, D, fcvt.l.d, 0x0000000080000000, FFLAG_NX, D_2P31_MH, rne
  TF_FX 104, D, fcvt.l.d, 0x7ffffffffffffc00, 0, D_2P63_M, rne
  TF_FX 105, D, fcvt.l.d, 0x8000000000000000, 0, D_M2P63, rne
  TF_FX 106, D, fcvt.l.d, 0x7fffffffffffffff, FFLAG_NV, D_2P63, rne /* out of range */
  TF_FX 107, D, fcvt.l.d, 0x8000000000000000, FFLAG_NV, D_M2P63_N, rne
  TF_FX 108, D, fcvt.l.d, 0x7fffffffffffffff, FFLAG_NV, D_INF, rne
  TF_FX 109, D, fcvt.l.d, 0x8000000000000000, FFLAG_NV, D_M_INF, rne
  TF_FX 110, D, fcvt.l.d, 0x7fffffffffffffff, FFLAG_NV, D_QNAN, rne
  TF_FX 111, D, fcvt.l.d, 0x7fffffffffffffff, FFLAG_NV, D_SNAN_HI, rne

  /* ---- FCVT.LU.D ---- */
  TF_FX 112, D, fcvt.lu.d, 0xfffffffffffff800, 0, D_2P64_M, rne
  TF_FX 113, D, fcvt.lu.d, 0x8000000000000000, 0, D_2P63, rne
  TF_FX 114, D, fcvt.lu.d, 2, FFLAG_NX, D_2_5, rne
  TF_FX 115, D, fcvt.lu.d, 0, FFLAG_NX, D_M0_9, rtz
  TF_FX 116, D, fcvt.lu.d, 0, FFLAG_NV, D_M0_9, rne
  TF_FX 117, D, fcvt.lu.d, 0xffffffffffffffff, FFLAG_NV, D_2P64, rne /* out of range */
  TF_FX 118, D, fcvt.lu.d, 0, FFLAG_NV, D_M_ONE, rne
  TF_FX 119, D, fcvt.lu.d, 0, FFLAG_NV, D_M_INF, rne
  TF_FX 120, D, fcvt.lu.d, 0xffffffffffffffff, FFLAG_NV, D_M_QNAN, rne

  /* ---- FCVT.S.W / FCVT.S.WU / FCVT.S.L / FCVT.S.LU ---- */
  TF_XF 121, S, fcvt.s.w, 0x00000000, 0, 0, rdn                   /* +0, even in RDN */
  TF_XF 122, S, fcvt.s.w, 0xbf800000, 0, -1, rne
  TF_XF 123, S, fcvt.s.w, 0x4b800000, FFLAG_NX, 16777217, rne     /* 2^24 + 1: tie, to even */
  TF_XF 124, S, fcvt.s.w, 0x4b800000, FFLAG_NX, 16777217, rtz
  TF_XF 125, S, fcvt.s.w, 0x4b800001, FFLAG_NX, 16777217, rup
  TF_XF 126, S, fcvt.s.w, 0x4b800001, FFLAG_NX, 16777217, rmm
  TF_XF 127, S, fcvt.s.w, 0xcb800001, FFLAG_NX, -16777217, rdn
  TF_XF 128, S, fcvt.s.w, 0xcb800000, FFLAG_NX, -16777217, rup
  TF_XF 129, S, fcvt.s.w, 0x4f000000, FFLAG_NX, 0x7fffffff, rne
  TF_XF 130, S, fcvt.s.w, 0x4effffff, FFLAG_NX, 0x7fffffff, rtz
  TF_XF 131, S, fcvt.s.w, 0xcf000000, 0, 0xffffffff80000000, rne  /* -2^31 */
  TF_XF 132, S, fcvt.s.w, 0x40a00000, 0, 0x1234567800000005, rne  /* only the low 32 bits: 5 */
  TF_XF 133, S, fcvt.s.w, 0xbf800000, 0, 0x00000000ffffffff, rne  /* low 32 bits = -1 */
  TF_XF 134, S, fcvt.s.wu, 0x4f800000, FFLAG_NX, 0xffffffff, rne
  TF_XF 135, S, fcvt.s.wu, 0x4f7fffff, FFLAG_NX, 0xffffffff, rtz
  TF_XF 136, S, fcvt.s.wu, 0x4f000000, 0, 0xffffffff80000000, rne /* low 32 bits = 2^31 */
  TF_XF 137, S, fcvt.s.wu, 0x3f800000, 0, 0x0000000100000001, rne /* low 32 bits = 1 */
  TF_XF 138, S, fcvt.s.l, 0xbf800000, 0, -1, rne
  TF_XF 139, S, fcvt.s.l, 0x5f000000, FFLAG_NX, 0x7fffffffffffffff, rne
  TF_XF 140, S, fcvt.s.l, 0x5effffff, FFLAG_NX, 0x7fffffffffffffff, rtz
  TF_XF 141, S, fcvt.s.l, 0xdf000000, 0, 0x8000000000000000, rne  /* -2^63 */
  TF_XF 142, S, fcvt.s.l, 0xcb800001, FFLAG_NX, -16777217, rmm
  TF_XF 143, S, fcvt.s.l, 0x4f800000, 0, 0x100000000, rne         /* 2^32: needs all 64 bits */
  TF_XF 144, S, fcvt.s.lu, 0x5f800000, FFLAG_NX, 0xffffffffffffffff, rne
  TF_XF 145, S, fcvt.s.lu, 0x5f7fffff, FFLAG_NX, 0xffffffffffffffff, rtz
  TF_XF 146, S, fcvt.s.lu, 0x5f000000, 0, 0x8000000000000000, rne
  /* 2^63 + 2^39: tie, to even */
  TF_XF 147, S, fcvt.s.lu, 0x5f000000, FFLAG_NX, 0x8000008000000000, rne
  TF_XF 148, S, fcvt.s.lu, 0x5f000001, FFLAG_NX, 0x8000008000000000, rmm

  /* ---- FCVT.D.W / FCVT.D.WU / FCVT.D.L / FCVT.D.LU ---- */
  TF_XF 149, D, fcvt.d.w, 0xc1e0000000000000, 0, 0xffffffff80000000  /* always exact */
  TF_XF 150, D, fcvt.d.w, 0x41dfffffffc00000, 0, 0x7fffffff
  TF_XF 151, D, fcvt.d.w, 0x401c000000000000, 0, 0xfedcba9800000007  /* low 32 bits = 7 */
  TF_XF 152, D, fcvt.d.w, 0x0000000000000000, 0, 0
  TF_XF 153, D, fcvt.d.wu, 0x41efffffffe00000, 0, 0xffffffff
  TF_XF 154, D, fcvt.d.wu, 0x41e0000000000000, 0, 0x1234567880000000 /* low 32 bits = 2^31 */
  /* 2^53 + 1: tie, to even */
  TF_XF 155, D, fcvt.d.l, 0x4340000000000000, FFLAG_NX, 0x0020000000000001, rne
  TF_XF 156, D, fcvt.d.l, 0x4340000000000001, FFLAG_NX, 0x0020000000000001, rup
  TF_XF 157, D, fcvt.d.l, 0x4340000000000001, FFLAG_NX, 0x0020000000000001, rmm
  TF_XF 158, D, fcvt.d.l, 0xc340000000000001, FFLAG_NX, -0x0020000000000001, rdn
  TF_XF 159, D, fcvt.d.l, 0xc340000000000000, FFLAG_NX, -0x0020000000000001, rtz
  TF_XF 160, D, fcvt.d.l, 0x43e0000000000000, FFLAG_NX, 0x7fffffffffffffff, rne
  TF_XF 161, D, fcvt.d.l, 0x43dfffffffffffff, FFLAG_NX, 0x7fffffffffffffff, rtz
  TF_XF 162, D, fcvt.d.l, 0xc3e0000000000000, 0, 0x8000000000000000, rne
  TF_XF 163, D, fcvt.d.lu, 0x43f0000000000000, FFLAG_NX, 0xffffffffffffffff, rne
  TF_XF 164, D, fcvt.d.lu, 0x43efffffffffffff, FFLAG_NX, 0xffffffffffffffff, rtz
  TF_XF 165, D, fcvt.d.lu, 0x43e0000000000000, 0, 0x8000000000000000, rne

  /* ---- FCVT.S.D ---- */
  TF_FF 166, S, D, fcvt.s.d, 0x3fc00000, 0, D_1_5, rne
  TF_FF 167, S, D, fcvt.s.d, 0x80000000, 0, D_M0, rne
  TF_FF 168, S, D, fcvt.s.d, 0xff800000, 0, D_M_INF, rne
  TF_FF 169, S, D, fcvt.s.d, 0x3eaaaaab, FFLAG_NX, D_THIRD, rne
  TF_FF 170, S, D, fcvt.s.d, 0x3eaaaaaa, FFLAG_NX, D_THIRD, rtz
  TF_FF 171, S, D, fcvt.s.d, 0x3eaaaaab, FFLAG_NX, D_THIRD, rup
  TF_FF 172, S, D, fcvt.s.d, 0x3f800000, FFLAG_NX, D_1_2M24, rne        /* tie, to even */
  TF_FF 173, S, D, fcvt.s.d, 0x3f800001, FFLAG_NX, D_1_2M24, rmm
  TF_FF 174, S, D, fcvt.s.d, 0x3f800000, FFLAG_NX, D_1_2M24, rdn
  TF_FF 175, S, D, fcvt.s.d, 0x7f800000, FFLAG_OF|FFLAG_NX, D_1E39, rne /* overflow */
  TF_FF 176, S, D, fcvt.s.d, 0x7f7fffff, FFLAG_OF|FFLAG_NX, D_1E39, rtz
  TF_FF 177, S, D, fcvt.s.d, 0x7f7fffff, FFLAG_OF|FFLAG_NX, D_1E39, rdn
  TF_FF 178, S, D, fcvt.s.d, 0x7f800000, FFLAG_OF|FFLAG_NX, D_1E39, rup
  TF_FF 179, S, D, fcvt.s.d, 0xff800000, FFLAG_OF|FFLAG_NX, D_M1E39, rdn
  TF_FF 180, S, D, fcvt.s.d, 0xff7fffff, FFLAG_OF|FFLAG_NX, D_M1E39, rup
  TF_FF 181, S, D, fcvt.s.d, 0x7f800000, FFLAG_OF|FFLAG_NX, D_MAX, rmm
  /* tie above S MAX: overflow */
  TF_FF 182, S, D, fcvt.s.d, 0x7f800000, FFLAG_OF|FFLAG_NX, D_SMAX_HU, rne
  TF_FF 183, S, D, fcvt.s.d, 0x7f7fffff, FFLAG_NX, D_SMAX_HU_M, rne     /* just below: S MAX, NX */
  TF_FF 184, S, D, fcvt.s.d, 0x00000200, 0, D_2PM140, rne               /* exact subnormal: no UF */
  TF_FF 185, S, D, fcvt.s.d, 0x00000000, FFLAG_UF|FFLAG_NX, D_2PM150, rne
  TF_FF 186, S, D, fcvt.s.d, 0x00000001, FFLAG_UF|FFLAG_NX, D_2PM150, rup
  /* tie, to even: 2 * 2^-149 */
  TF_FF 187, S, D, fcvt.s.d, 0x00000002, FFLAG_UF|FFLAG_NX, D_3_2PM150, rne
  TF_FF 188, S, D, fcvt.s.d, 0x00000000, FFLAG_UF|FFLAG_NX, D_MIN_SUB, rne
  TF_FF 189, S, D, fcvt.s.d, 0x00000001, FFLAG_UF|FFLAG_NX, D_MIN_SUB, rup
  /* to the smallest normal, not tiny */
  TF_FF 190, S, D, fcvt.s.d, 0x00800000, FFLAG_NX, D_SMIN_N_H, rne
  TF_FF 191, S, D, fcvt.s.d, 0x007fffff, FFLAG_UF|FFLAG_NX, D_SMIN_N_H, rtz
  /* canonical NaN, payload dropped */
  TF_FF 192, S, D, fcvt.s.d, 0x7fc00000, 0, D_QNAN_P, rne
  TF_FF 193, S, D, fcvt.s.d, 0x7fc00000, 0, D_M_QNAN, rne
  TF_FF 194, S, D, fcvt.s.d, 0x7fc00000, FFLAG_NV, D_SNAN, rne
  TF_FF 195, S, D, fcvt.s.d, 0x7fc00000, FFLAG_NV, D_SNAN_HI, rne

  /* ---- FCVT.D.S ---- */
  TF_FF 196, D, S, fcvt.d.s, 0x3fd5555560000000, 0, 0x3eaaaaab /* exact */
  TF_FF 197, D, S, fcvt.d.s, 0x36a0000000000000, 0, S_MIN_SUB  /* subnormal S: normal D */
  TF_FF 198, D, S, fcvt.d.s, 0x47efffffe0000000, 0, S_MAX
  TF_FF 199, D, S, fcvt.d.s, 0x8000000000000000, 0, S_M0
  TF_FF 200, D, S, fcvt.d.s, 0xfff0000000000000, 0, S_M_INF
  TF_FF 201, D, S, fcvt.d.s, 0x7ff8000000000000, 0, S_QNAN_P   /* canonical NaN */
  TF_FF 202, D, S, fcvt.d.s, 0x7ff8000000000000, 0, S_M_QNAN
  TF_FF 203, D, S, fcvt.d.s, 0x7ff8000000000000, FFLAG_NV, S_SNAN
  TF_FF 204, D, S, fcvt.d.s, 0x7ff8000000000000, FFLAG_NV, S_M_SNAN

  /* ---- FMV.X.W / FMV.W.X / FMV.X.D / FMV.D.X ---- */
  TF_FX 205, S, fmv.x.w, 0xffffffffbf800000, 0, S_M_ONE    /* sign-extended */
  TF_FX 206, S, fmv.x.w, 0x000000003f800000, 0, S_ONE
  TF_FX 207, S, fmv.x.w, 0x000000007f800001, 0, S_SNAN     /* bits unchanged, no flag */
  TF_FX 208, S, fmv.x.w, 0xffffffffff812345, 0, S_M_SNAN
  TF_XF 209, S, fmv.w.x, 0xff800001, 0, 0x12345678ff800001 /* low 32 bits, NaN-boxed */
  TF_XF 210, S, fmv.w.x, 0x00000000, 0, 0xffffffff00000000
  TF_XF 211, S, fmv.w.x, 0x7fc12345, 0, 0x000000007fc12345
  TF_FX 212, D, fmv.x.d, 0x7ff0000000000001, 0, D_SNAN
  TF_FX 213, D, fmv.x.d, 0x0123456789abcdef, 0, 0x0123456789abcdef
  TF_XF 214, D, fmv.d.x, 0x7ff4000000000000, 0, D_SNAN_HI
  TF_XF 215, D, fmv.d.x, 0xfedcba9876543210, 0, 0xfedcba9876543210
  TEST 216
  /* round trips through the integer registers */
  li a0, 0x7fa00001                                    /* S sNaN */
  fmv.w.x ft0, a0
  fmv.x.w a1, ft0
  ASSERT_EQR a0, a1
  li a0, 0x8000000000000001
  fmv.d.x ft11, a0
  fmv.x.d a1, ft11
  ASSERT_EQR a0, a1
  ASSERT_FFLAGS 0

  /* ---- reserved frm with rm = DYN: every conversion with an rm field ---- */
  TEST 217
  FLI_D fa1, D_ONE
  FLI_S fa2, S_ONE
  FLI_D fa3, D_THIRD
  li a1, 1
  li a3, 77
  fsrmi 5
  TRAP_ILLEGAL fcvt.w.d a3, fa1, dyn
  TRAP_ILLEGAL fcvt.lu.s a3, fa2, dyn
  TRAP_ILLEGAL fcvt.s.d fa3, fa1, dyn
  TRAP_ILLEGAL fcvt.s.l fa3, a1, dyn
  TRAP_ILLEGAL .insn r OP_FP, 7, 0x21, fa3, fa2, f0    /* fcvt.d.s, rm = DYN */
  TRAP_ILLEGAL .insn r OP_FP, 7, 0x69, fa3, a1, x0     /* fcvt.d.w, rm = DYN */
  ASSERT_EQ a3, 77
  ASSERT_FD fa3, D_THIRD
  ASSERT_FFLAGS 0
  TEST 218
  /* ... static modes and the moves work */
  fcvt.w.d a3, fa1, rtz
  ASSERT_EQ a3, 1
  fcvt.d.s fa3, fa2
  ASSERT_FD fa3, D_ONE
  fmv.x.w a3, fa2
  ASSERT_EQ a3, S_ONE
  .insn r OP_FP, 0, 0x69, fa3, a1, x0                  /* fcvt.d.w, rm = RNE */
  ASSERT_FD fa3, D_ONE
  fsrmi FRM_RNE
  ASSERT_FFLAGS 0

  TEST_PASS
TEST_END
