/* mstatus.FS becomes Dirty when an FP instruction changes only fflags: one that writes an integer
 * register (FEQ / FLT / FLE, FCVT to an integer) and raises a flag that was clear. fflags is part
 * of the FP state FS tracks, so with FS = Initial or Clean such an instruction must leave FS =
 * Dirty and SD = 1 (privileged spec, "Extension Context Status": an instruction that possibly
 * modifies the state moves FS to Dirty; only an instruction that does not alter the state may
 * leave it). Checked in M and in S (through sstatus). Hartlab-only: QEMU 7.2 marks FS Dirty only
 * for instructions that write an f register, so these leave FS Clean there. */
#include "test.h"

/* fflags = 0 with FS Dirty, then FS = fs */
.macro CLEAN_FLAGS fs
  SET_FS MSTATUS_FS_DIRTY
  fsflags zero
  SET_FS \fs
.endm

/* mstatus.FS and SD both show Dirty. Clobbers a4, t5, t6. */
.macro ASSERT_DIRTY
  csrr a4, mstatus
  ASSERT_MASKED a4, (MSTATUS_FS | MSTATUS_SD), (MSTATUS_FS_DIRTY | MSTATUS_SD)
.endm

TEST_BEGIN
  FP_ENABLE
  fscsr zero
  FLI_S fa0, 0x7f800001        /* signalling NaN */
  FLI_S fa1, 0x7fc00000        /* quiet NaN */
  FLI_S fa2, 0x3fc00000        /* 1.5 */
  FLI_D fa3, 0x7ff0000000000000  /* +inf */

  TEST 1
  /* FEQ with a signalling NaN: NV */
  CLEAN_FLAGS MSTATUS_FS_CLEAN
  feq.s a0, fa0, fa2
  ASSERT_DIRTY
  ASSERT_FFLAGS FFLAG_NV
  TEST 2
  /* FLT / FLE with a quiet NaN: NV */
  CLEAN_FLAGS MSTATUS_FS_INITIAL
  flt.s a0, fa1, fa2
  ASSERT_DIRTY
  CLEAN_FLAGS MSTATUS_FS_CLEAN
  fle.s a0, fa2, fa1
  ASSERT_DIRTY
  ASSERT_FFLAGS FFLAG_NV
  TEST 3
  /* FCVT to an integer: inexact (NX), out of range (NV) */
  CLEAN_FLAGS MSTATUS_FS_CLEAN
  fcvt.w.s a0, fa2, rtz
  ASSERT_DIRTY
  ASSERT_FFLAGS FFLAG_NX
  CLEAN_FLAGS MSTATUS_FS_INITIAL
  fcvt.lu.d a0, fa3
  ASSERT_DIRTY
  ASSERT_FFLAGS FFLAG_NV
  TEST 4
  /* a flag added to ones already set is a change too */
  SET_FS MSTATUS_FS_DIRTY
  fsflagsi FFLAG_NX
  SET_FS MSTATUS_FS_CLEAN
  feq.s a0, fa2, fa0
  ASSERT_DIRTY
  ASSERT_FFLAGS FFLAG_NV | FFLAG_NX
  TEST 5
  /* in S, FS Clean written through sstatus */
  SET_FS MSTATUS_FS_DIRTY
  fsflags zero
  ENTER_MODE PRV_S, 1f
1:
  li a0, MSTATUS_FS
  csrc sstatus, a0
  li a0, MSTATUS_FS_CLEAN
  csrs sstatus, a0
  fle.s a1, fa0, fa0
  csrr a2, sstatus
  ECALL_TO_M 2f
2:
  ASSERT_MASKED a2, (MSTATUS_FS | MSTATUS_SD), (MSTATUS_FS_DIRTY | MSTATUS_SD)
  ASSERT_DIRTY
  ASSERT_FFLAGS FFLAG_NV

  TEST_PASS
TEST_END
