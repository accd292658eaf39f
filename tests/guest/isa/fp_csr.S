/* The F / D control state: misa.F and misa.D; fcsr (0x003), frm (0x002) and fflags (0x001) with
 * every CSR instruction, their aliasing (fcsr = frm << 5 | fflags, bits 63:8 read 0 and ignore
 * writes, frm and fflags read zero-extended and keep only 3 / 5 bits), frm holding the reserved
 * values 5-7 (only their use with rm = DYN traps: rv64f_arith.S), the accrued flags being sticky.
 * mstatus.FS: with FS = Off every FP instruction - arithmetic, FMA, compares, FCLASS,
 * conversions, moves, loads and stores (compressed ones too) - and every access to the FP CSRs,
 * reads included, raises illegal instruction with mtval = the instruction's bits, in M, S and U,
 * leaving registers and memory unchanged; FS = Off does not destroy the FP state. FS = Initial /
 * Clean becomes Dirty when an instruction changes an f register (FLW, FLD, C.FLDSP, FMV.W.X,
 * FMV.D.X, arithmetic, conversions) or fcsr through a CSR write, in M and in S. SD (bit 63 of
 * mstatus and sstatus) reads 1 exactly when FS, VS or XS is Dirty, and cannot be written;
 * sstatus shows and writes the same FS. (FS becoming Dirty when only fflags changes, through an
 * FP instruction writing an integer register: fp_csr_strict.S, as QEMU 7.2 misses it.)
 * QEMU 7.2 with -bios none starts with FS = Off; TEST_BEGIN sets FS = Off anyway. */
#include "test.h"

/* reg = an mstatus / sstatus value: its SD bit must equal (FS == 3 || VS == 3 || XS == 3).
 * Clobbers a5, a6, a7, t5, t6. */
.macro CHECK_SD reg
  li a7, 0
  srli a5, \reg, 13
  andi a5, a5, 3
  addi a5, a5, -3
  seqz a5, a5
  or a7, a7, a5
  srli a5, \reg, 9
  andi a5, a5, 3
  addi a5, a5, -3
  seqz a5, a5
  or a7, a7, a5
  srli a5, \reg, 15
  andi a5, a5, 3
  addi a5, a5, -3
  seqz a5, a5
  or a7, a7, a5
  srli a6, \reg, 63
  ASSERT_EQR a6, a7
.endm

/* mstatus.FS must read fs (an MSTATUS_FS_* value) and SD must agree. Clobbers a4-a7, t5, t6. */
.macro ASSERT_FS_STATE fs
  csrr a4, mstatus
  ASSERT_MASKED a4, MSTATUS_FS, \fs
  CHECK_SD a4
.endm

TEST_BEGIN
  la s0, buf

  /* ---- misa ---- */
  TEST 1
  csrr a0, misa
  ASSERT_MASKED a0, (MISA_F | MISA_D), (MISA_F | MISA_D)

  /* ---- FS = Off (as TEST_BEGIN leaves it): every FP instruction is illegal ---- */
  TEST 2
  ASSERT_FS_STATE 0
  li a0, 0x1111111111111111
  sd a0, 0(s0)
  sd a0, 8(s0)
  li a0, 0x2222
  TRAP_ILLEGAL flw fa0, 0(s0)
  TRAP_ILLEGAL fsw fa0, 0(s0)
  TRAP_ILLEGAL fld fa0, 8(s0)
  TRAP_ILLEGAL fsd fa0, 8(s0)
  TRAP_ILLEGAL fmv.x.w a0, fa0
  TRAP_ILLEGAL fmv.w.x fa0, a0
  TRAP_ILLEGAL fmv.x.d a0, fa0
  TRAP_ILLEGAL fmv.d.x fa0, a0
  ld a1, 0(s0)                 /* the stores wrote nothing */
  ASSERT_EQ a1, 0x1111111111111111
  ld a1, 8(s0)
  ASSERT_EQ a1, 0x1111111111111111
  ASSERT_EQ a0, 0x2222         /* nor did FMV.X.W / FMV.X.D */
  TEST 3
  TRAP_ILLEGAL fadd.s fa0, fa1, fa2
  TRAP_ILLEGAL fsub.d fa0, fa1, fa2, rtz
  TRAP_ILLEGAL fmul.s ft0, ft1, ft2, rne
  TRAP_ILLEGAL fdiv.d f31, f30, f29
  TRAP_ILLEGAL fsqrt.s fa0, fa1
  TRAP_ILLEGAL fsqrt.d fa0, fa1
  TRAP_ILLEGAL fmin.d fa0, fa1, fa2
  TRAP_ILLEGAL fmax.s fa0, fa1, fa2
  TRAP_ILLEGAL fsgnj.s fa0, fa1, fa2
  TRAP_ILLEGAL fmv.d fa0, fa1
  TRAP_ILLEGAL fsgnjx.d fa0, fa1, fa2
  TRAP_ILLEGAL fneg.s fa0, fa1
  TRAP_ILLEGAL fmadd.s fa0, fa1, fa2, fa3
  TRAP_ILLEGAL fmsub.d fa0, fa1, fa2, fa3
  TRAP_ILLEGAL fnmsub.s fa0, fa1, fa2, fa3
  TRAP_ILLEGAL fnmadd.d fa0, fa1, fa2, fa3
  TEST 4
  TRAP_ILLEGAL feq.s a0, fa1, fa2
  TRAP_ILLEGAL flt.d a0, fa1, fa2
  TRAP_ILLEGAL fle.s a0, fa1, fa2
  TRAP_ILLEGAL fclass.d a0, fa1
  TRAP_ILLEGAL fcvt.w.s a0, fa1, rtz
  TRAP_ILLEGAL fcvt.lu.d a0, fa1
  TRAP_ILLEGAL fcvt.s.w fa0, a1
  TRAP_ILLEGAL fcvt.d.l fa0, a1
  TRAP_ILLEGAL fcvt.d.wu fa0, a1
  TRAP_ILLEGAL fcvt.s.d fa0, fa1
  TRAP_ILLEGAL fcvt.d.s fa0, fa1
  ASSERT_EQ a0, 0x2222
  TEST 5
  /* the FP CSRs, reads included, by name and by number */
  TRAP_ILLEGAL csrr a0, fflags
  TRAP_ILLEGAL csrr a0, frm
  TRAP_ILLEGAL csrr a0, fcsr
  TRAP_ILLEGAL csrw fflags, zero
  TRAP_ILLEGAL csrwi frm, 1
  TRAP_ILLEGAL csrrw a0, fcsr, a1
  TRAP_ILLEGAL csrrs a0, 0x001, zero
  TRAP_ILLEGAL csrrc a0, 0x002, zero
  TRAP_ILLEGAL csrrsi a0, 0x003, 0
  TRAP_ILLEGAL csrrci zero, fflags, 1
  TRAP_ILLEGAL frflags a0
  TRAP_ILLEGAL fsrmi 2
  TRAP_ILLEGAL fscsr a0, a1
  ASSERT_EQ a0, 0x2222
  TEST 6
  /* compressed loads and stores: mtval = the 16 bits */
  .option rvc
  mv a2, s0
  TRAP_ILLEGAL c.fld fa0, 0(a2)
  TRAP_ILLEGAL c.fsd fa0, 8(a2)
  mv t0, sp
  mv sp, s0
  TRAP_ILLEGAL c.fldsp ft0, 0(sp)
  TRAP_ILLEGAL c.fsdsp ft0, 8(sp)
  mv sp, t0
  .option norvc
  ld a1, 8(s0)
  ASSERT_EQ a1, 0x1111111111111111

  /* ---- FS = Off does not destroy the FP state ---- */
  TEST 7
  SET_FS MSTATUS_FS_DIRTY
  FLI_D fs5, 0x0123456789abcdef
  FLI_S ft7, 0x12345678
  li a0, 0x5b
  fscsr a0                     /* frm = 2, fflags = NV DZ UF NX */
  SET_FS 0
  TRAP_ILLEGAL fmv.x.d a1, fs5
  SET_FS MSTATUS_FS_INITIAL
  ASSERT_FD fs5, 0x0123456789abcdef
  ASSERT_FS ft7, 0x12345678
  frcsr a1
  ASSERT_EQ a1, 0x5b

  /* ---- FS = Off in S and U ---- */
  TEST 8
  SET_FS 0
  ENTER_MODE PRV_S, 1f
1:
  TRAP_ILLEGAL fadd.d fa0, fa1, fa2
  TRAP_ILLEGAL csrr a0, fcsr
  ECALL_TO_M 2f
2:
  TEST 9
  ENTER_MODE PRV_U, 1f
1:
  TRAP_ILLEGAL fmv.w.x fa0, zero
  TRAP_ILLEGAL frrm a0
  TRAP_ILLEGAL fsd fa0, 0(s0)
  ECALL_TO_M 2f
2:
  TEST 10
  /* ... and FP works there with FS on */
  SET_FS MSTATUS_FS_DIRTY
  ENTER_MODE PRV_U, 1f
1:
  li a0, 0x40400000
  fmv.w.x fa0, a0
  fadd.s fa1, fa0, fa0
  fmv.x.w a1, fa1
  frflags a2
  ECALL_TO_M 2f
2:
  ASSERT_EQ a1, 0x40c00000
  ASSERT_EQ a2, 0x1b

  /* ---- fcsr / frm / fflags ---- */
  TEST 11
  fscsr zero
  li a0, 0xff
  csrw fcsr, a0
  frcsr a1
  ASSERT_EQ a1, 0xff
  frrm a1
  ASSERT_EQ a1, 7
  frflags a1
  ASSERT_EQ a1, 0x1f
  TEST 12
  /* bits 63:8 of fcsr: writes ignored, read 0; CSRRW returns the old value */
  li a0, -1
  csrrw a1, fcsr, a0
  ASSERT_EQ a1, 0xff
  csrr a1, fcsr
  ASSERT_EQ a1, 0xff
  li a0, 0x1234500
  csrrw a1, fcsr, a0
  ASSERT_EQ a1, 0xff
  csrr a1, fcsr
  ASSERT_EQ a1, 0
  TEST 13
  /* frm: 3 bits, at fcsr 7:5 */
  li a0, 0x12
  csrw fflags, a0
  li a0, 0xfa
  csrrw a1, frm, a0            /* keeps 0xfa & 7 = 2 */
  ASSERT_EQ a1, 0
  csrr a1, frm
  ASSERT_EQ a1, 2
  csrr a1, fcsr
  ASSERT_EQ a1, 0x52
  csrr a1, fflags
  ASSERT_EQ a1, 0x12
  TEST 14
  /* fflags: 5 bits, at fcsr 4:0 */
  li a0, -1
  csrrw a1, fflags, a0
  ASSERT_EQ a1, 0x12
  csrr a1, fflags
  ASSERT_EQ a1, 0x1f
  csrr a1, fcsr
  ASSERT_EQ a1, 0x5f
  csrr a1, frm
  ASSERT_EQ a1, 2
  TEST 15
  /* set / clear forms */
  csrwi fcsr, 0
  csrsi fflags, FFLAG_UF | FFLAG_NX
  csrr a1, fcsr
  ASSERT_EQ a1, 0x03
  csrrsi a1, frm, 4
  ASSERT_EQ a1, 0
  csrr a1, fcsr
  ASSERT_EQ a1, 0x83
  li a0, 0x121                 /* bit 8 ignored, frm |= 1, flags |= NX */
  csrrs a1, fcsr, a0
  ASSERT_EQ a1, 0x83
  csrr a1, fcsr
  ASSERT_EQ a1, 0xa3
  csrrci a1, fcsr, 0x1f        /* clears the flags only */
  ASSERT_EQ a1, 0xa3
  csrr a1, fcsr
  ASSERT_EQ a1, 0xa0
  li a0, 0xf0
  csrc fcsr, a0
  csrr a1, fcsr
  ASSERT_EQ a1, 0
  csrsi frm, 7
  csrci frm, 2
  csrr a1, fcsr
  ASSERT_EQ a1, 0xa0
  csrwi fflags, FFLAG_NV | FFLAG_OF
  csrrc a1, fflags, zero       /* a read: nothing cleared */
  ASSERT_EQ a1, 0x14
  csrr a1, fcsr
  ASSERT_EQ a1, 0xb4
  TEST 16
  /* the CSR numbers, and the swapping pseudo-instructions */
  li a0, 0x61
  csrw 0x003, a0
  csrr a1, 0x001
  ASSERT_EQ a1, 0x01
  csrr a1, 0x002
  ASSERT_EQ a1, 3
  li a0, 0x04
  fsflags a1, a0
  ASSERT_EQ a1, 0x01
  li a0, 1
  fsrm a1, a0
  ASSERT_EQ a1, 3
  li a0, 0x88
  fscsr a1, a0
  ASSERT_EQ a1, 0x24
  frcsr a1
  ASSERT_EQ a1, 0x88
  fsflagsi a1, 0x10
  ASSERT_EQ a1, 0x08
  fsrmi a1, 0
  ASSERT_EQ a1, 4
  frcsr a1
  ASSERT_EQ a1, 0x10
  TEST 17
  /* frm holds the reserved values */
  fsrmi 5
  frrm a1
  ASSERT_EQ a1, 5
  fsrmi 6
  frrm a1
  ASSERT_EQ a1, 6
  li a0, 0xe5
  csrw fcsr, a0
  frrm a1
  ASSERT_EQ a1, 7
  frflags a1
  ASSERT_EQ a1, 0x05
  fscsr zero

  /* ---- the accrued flags are sticky; operations leave frm alone ---- */
  TEST 18
  fsrmi FRM_RUP
  FLI_S fa1, 0x3f800000        /* 1 */
  FLI_S fa2, 0x40400000        /* 3 */
  FLI_S fa3, 0                 /* 0 */
  FLI_D fa4, 0x7fefffffffffffff
  FLI_D fa5, 0x0010000000000000
  fdiv.s fa0, fa1, fa2, rne    /* NX */
  frflags a1
  ASSERT_EQ a1, FFLAG_NX
  fdiv.s fa0, fa1, fa3         /* DZ */
  frflags a1
  ASSERT_EQ a1, FFLAG_NX | FFLAG_DZ
  fadd.s fa0, fa1, fa2         /* exact: nothing cleared */
  frflags a1
  ASSERT_EQ a1, FFLAG_NX | FFLAG_DZ
  fmul.d fa0, fa4, fa4         /* OF NX */
  frflags a1
  ASSERT_EQ a1, FFLAG_NX | FFLAG_DZ | FFLAG_OF
  fmul.d fa0, fa5, fa5, rtz    /* UF NX */
  frflags a1
  ASSERT_EQ a1, FFLAG_NX | FFLAG_DZ | FFLAG_OF | FFLAG_UF
  feq.s a0, fa1, fa1           /* no flag */
  fle.d a0, fa0, fa4           /* fa0 = 0: no flag */
  frflags a1
  ASSERT_EQ a1, 0x0f
  fsgnjn.s fa0, fa3, fa3       /* no flag */
  fsqrt.s fa0, fa0             /* -0: no flag */
  fsqrt.s fa0, fa2, rne        /* NX only */
  frflags a1
  ASSERT_EQ a1, 0x0f
  fcvt.w.s a0, fa1, rtz        /* exact */
  fclass.d a0, fa4
  fmin.s fa0, fa1, fa2
  frflags a1
  ASSERT_EQ a1, 0x0f
  flt.s a0, fa1, fa3
  fcvt.wu.d a0, fa4            /* NV */
  frcsr a1
  ASSERT_EQ a1, (FRM_RUP << 5) | 0x1f
  fscsr zero

  /* ---- FS: Initial / Clean -> Dirty when the FP state changes ---- */
  TEST 19
  SET_FS MSTATUS_FS_INITIAL
  ASSERT_FS_STATE MSTATUS_FS_INITIAL
  li a0, 0x40490fdb
  fmv.w.x fa0, a0              /* fa0 was 0x7fefffffffffffff */
  ASSERT_FS_STATE MSTATUS_FS_DIRTY
  TEST 20
  SET_FS MSTATUS_FS_CLEAN
  ASSERT_FS_STATE MSTATUS_FS_CLEAN
  fadd.s fa0, fa0, fa0
  ASSERT_FS_STATE MSTATUS_FS_DIRTY
  TEST 21
  li a0, 0x0123456789abcdef
  sd a0, 0(s0)
  SET_FS MSTATUS_FS_CLEAN
  flw fa1, 0(s0)
  ASSERT_FS_STATE MSTATUS_FS_DIRTY
  SET_FS MSTATUS_FS_CLEAN
  fld fa2, 0(s0)
  ASSERT_FS_STATE MSTATUS_FS_DIRTY
  SET_FS MSTATUS_FS_INITIAL
  .option rvc
  mv t0, sp
  mv sp, s0
  c.fldsp ft3, 0(sp)
  mv sp, t0
  .option norvc
  ASSERT_FS_STATE MSTATUS_FS_DIRTY
  ASSERT_FD ft3, 0x0123456789abcdef
  TEST 22
  SET_FS MSTATUS_FS_CLEAN
  fmv.d.x fa3, a0
  ASSERT_FS_STATE MSTATUS_FS_DIRTY
  SET_FS MSTATUS_FS_CLEAN
  li a1, 7
  fcvt.d.w fa3, a1
  ASSERT_FS_STATE MSTATUS_FS_DIRTY
  SET_FS MSTATUS_FS_INITIAL
  fmadd.d fa3, fa3, fa3, fa3
  ASSERT_FS_STATE MSTATUS_FS_DIRTY
  SET_FS MSTATUS_FS_CLEAN
  fsgnjn.d fa3, fa3, fa3
  ASSERT_FS_STATE MSTATUS_FS_DIRTY
  TEST 23
  /* fcsr changed through the CSRs */
  fscsr zero
  SET_FS MSTATUS_FS_CLEAN
  csrwi fflags, FFLAG_NX
  ASSERT_FS_STATE MSTATUS_FS_DIRTY
  SET_FS MSTATUS_FS_CLEAN
  fsrmi FRM_RTZ
  ASSERT_FS_STATE MSTATUS_FS_DIRTY
  SET_FS MSTATUS_FS_INITIAL
  li a0, 0x47
  csrw fcsr, a0
  ASSERT_FS_STATE MSTATUS_FS_DIRTY
  SET_FS MSTATUS_FS_CLEAN
  csrci fcsr, 0x7
  ASSERT_FS_STATE MSTATUS_FS_DIRTY
  fscsr zero

  /* ---- SD: read-only, = (FS == Dirty || VS == Dirty || XS == Dirty) ---- */
  TEST 24
  li a0, MSTATUS_SD | MSTATUS_FS | MSTATUS_VS | MSTATUS_XS
  csrc mstatus, a0             /* FS = VS = XS = Off */
  li a0, MSTATUS_SD
  csrs mstatus, a0             /* no effect */
  ASSERT_FS_STATE 0
  ASSERT_MASKED a4, MSTATUS_SD, 0
  .irp fs, MSTATUS_FS_INITIAL, MSTATUS_FS_CLEAN, MSTATUS_FS_DIRTY
    SET_FS \fs
    csrs mstatus, a0
    ASSERT_FS_STATE \fs
    csrr a1, sstatus
    CHECK_SD a1
  .endr
  ASSERT_MASKED a4, MSTATUS_SD, MSTATUS_SD
  li a0, MSTATUS_SD
  csrc mstatus, a0             /* no effect either */
  ASSERT_FS_STATE MSTATUS_FS_DIRTY
  ASSERT_MASKED a4, MSTATUS_SD, MSTATUS_SD
  TEST 25
  /* VS and XS written as Dirty with FS Clean: SD follows what they read back (they may be
   * read-only zero: no V, no custom state) */
  SET_FS MSTATUS_FS_CLEAN
  li a0, MSTATUS_VS | MSTATUS_XS
  csrs mstatus, a0
  csrr a1, mstatus
  CHECK_SD a1
  csrr a1, sstatus
  CHECK_SD a1
  csrc mstatus, a0
  ASSERT_FS_STATE MSTATUS_FS_CLEAN
  ASSERT_MASKED a4, MSTATUS_SD, 0

  /* ---- sstatus: the same FS, and SD ---- */
  TEST 26
  csrr a1, sstatus
  ASSERT_MASKED a1, (MSTATUS_FS | MSTATUS_SD), MSTATUS_FS_CLEAN
  SET_FS MSTATUS_FS_DIRTY
  csrr a1, sstatus
  ASSERT_MASKED a1, (MSTATUS_FS | MSTATUS_SD), (MSTATUS_FS_DIRTY | MSTATUS_SD)
  li a0, MSTATUS_FS
  csrc sstatus, a0
  li a0, MSTATUS_FS_INITIAL
  csrs sstatus, a0
  ASSERT_FS_STATE MSTATUS_FS_INITIAL
  TEST 27
  /* in S: FS Clean (written through sstatus) becomes Dirty; FS Off through sstatus traps */
  ENTER_MODE PRV_S, 1f
1:
  li a0, MSTATUS_FS
  csrc sstatus, a0
  li a0, MSTATUS_FS_CLEAN
  csrs sstatus, a0
  csrr a2, sstatus
  li a1, 0x3f800000
  fmv.w.x fa0, a1
  csrr a3, sstatus
  li a0, MSTATUS_FS
  csrc sstatus, a0
  TRAP_ILLEGAL fmv.x.w a1, fa0
  TRAP_ILLEGAL fsflags zero
  ECALL_TO_M 2f
2:
  ASSERT_MASKED a2, (MSTATUS_FS | MSTATUS_SD), MSTATUS_FS_CLEAN
  ASSERT_MASKED a3, (MSTATUS_FS | MSTATUS_SD), (MSTATUS_FS_DIRTY | MSTATUS_SD)
  ASSERT_FS_STATE 0
  SET_FS MSTATUS_FS_CLEAN
  ASSERT_FS fa0, 0x3f800000

  TEST_PASS
TEST_END

  .data
  .align 4
buf:
  .zero 64
