/* Zicsr: CSRRW CSRRS CSRRC CSRRWI CSRRSI CSRRCI (old value to rd, rd == x0, rd == rs1,
 * 5-bit zero-extended immediates); read-only CSRs (mvendorid marchid mimpid mhartid cycle time
 * instret) read without trapping through CSRRS/CSRRC rs1 = x0 and CSRRSI/CSRRCI uimm = 0, while
 * CSRRW/CSRRWI and CSRRS/CSRRC/CSRRSI/CSRRCI setting or clearing bits are illegal (rs1 != x0
 * holding 0 is in the hartlab-only priv_strict.S: QEMU 7.2 does not trap); unknown CSRs
 * (custom 0x7c0, 0x8ff, 0xbff and unallocated 0x0ff) are illegal; M CSRs are illegal from S and
 * U, S CSRs from U. Every illegal instruction must report mtval = its encoding. Also sstatus as
 * a view of mstatus and misa's basic content. */
#include "test.h"

TEST_BEGIN
  TEST 1
  li a0, 0x0123456789abcdef
  csrw mscratch, a0
  li a1, 0xfedcba9876543210
  csrrw a2, mscratch, a1
  ASSERT_EQ a2, 0x0123456789abcdef
  csrr a3, mscratch
  ASSERT_EQ a3, 0xfedcba9876543210
  TEST 2
  /* rd == rs1: swap */
  li a0, 0x55
  csrrw a0, mscratch, a0
  ASSERT_EQ a0, 0xfedcba9876543210
  csrr a0, mscratch
  ASSERT_EQ a0, 0x55
  TEST 3
  li a0, 0xf0f0
  csrw mscratch, a0
  li a1, 0x0ff0000000000f0f
  csrrs a2, mscratch, a1
  ASSERT_EQ a2, 0xf0f0
  csrr a2, mscratch
  ASSERT_EQ a2, 0x0ff000000000ffff
  li a1, 0x0f0000000000ff00
  csrrc a2, mscratch, a1
  ASSERT_EQ a2, 0x0ff000000000ffff
  csrr a2, mscratch
  ASSERT_EQ a2, 0x00f00000000000ff
  TEST 4
  /* immediates: 5 bits, zero-extended */
  csrrwi a0, mscratch, 31
  ASSERT_EQ a0, 0x00f00000000000ff
  csrr a0, mscratch
  ASSERT_EQ a0, 31
  csrrci a0, mscratch, 0x15
  ASSERT_EQ a0, 31
  csrr a0, mscratch
  ASSERT_EQ a0, 0x0a
  csrrsi a0, mscratch, 0x11
  ASSERT_EQ a0, 0x0a
  csrr a0, mscratch
  ASSERT_EQ a0, 0x1b
  csrrwi a0, mscratch, 0
  csrr a0, mscratch
  ASSERT_EQ a0, 0
  TEST 5
  /* rd == x0 forms */
  li a0, -1
  csrw mscratch, a0
  csrc mscratch, 0xf       /* assembler makes csrrci */
  li a1, 0x100
  csrc mscratch, a1
  csrr a2, mscratch
  ASSERT_EQ a2, 0xfffffffffffffef0
  csrwi mscratch, 3
  csrsi mscratch, 4
  csrr a2, mscratch
  ASSERT_EQ a2, 7
  csrrs x0, mscratch, x0
  csrrw x0, mscratch, a1
  csrr a2, mscratch
  ASSERT_EQ a2, 0x100
  TEST 6
  /* CSRRS / CSRRC with rs1 = x0 read without writing */
  li a0, 0x77
  csrw mscratch, a0
  csrrs a1, mscratch, x0
  csrrc a2, mscratch, x0
  csrrsi a3, mscratch, 0
  csrrci a4, mscratch, 0
  ASSERT_EQ a1, 0x77
  ASSERT_EQ a2, 0x77
  ASSERT_EQ a3, 0x77
  ASSERT_EQ a4, 0x77
  csrr a0, mscratch
  ASSERT_EQ a0, 0x77

  /* read-only CSRs: reads are fine */
  TEST 10
  csrr a0, mhartid
  ASSERT_EQ a0, 0
  csrr a0, mvendorid
  csrr a0, marchid
  csrr a0, mimpid
  csrrc a0, mhartid, x0
  ASSERT_EQ a0, 0
  csrrsi a0, mhartid, 0
  ASSERT_EQ a0, 0
  csrrci a0, mhartid, 0
  ASSERT_EQ a0, 0
  csrr a0, cycle
  csrr a0, time
  csrr a0, instret
  csrrc a0, cycle, x0
  csrrsi a0, instret, 0
  TEST 11
  /* ...and writes are illegal, whatever the value and rd */
  TRAP_ILLEGAL csrw mhartid, zero
  TRAP_ILLEGAL csrrw a0, mvendorid, a0
  TRAP_ILLEGAL csrrwi a0, marchid, 0
  TRAP_ILLEGAL csrrwi zero, mimpid, 1
  TEST 12
  li a1, 1
  TRAP_ILLEGAL csrrs a0, mhartid, a1
  TRAP_ILLEGAL csrrc a0, mhartid, a1
  TRAP_ILLEGAL csrrsi a0, mhartid, 1
  TRAP_ILLEGAL csrrci zero, mhartid, 31
  TEST 13
  TRAP_ILLEGAL csrw cycle, a1
  TRAP_ILLEGAL csrw time, a1
  TRAP_ILLEGAL csrw instret, a1
  TRAP_ILLEGAL csrs cycle, a1
  TRAP_ILLEGAL csrsi time, 1
  TRAP_ILLEGAL csrci instret, 2
  TEST 14
  /* rd is not written when the instruction traps */
  li a0, 0x1234
  TRAP_ILLEGAL csrrw a0, mhartid, zero
  ASSERT_EQ a0, 0x1234

  /* unknown CSRs */
  TEST 20
  TRAP_ILLEGAL csrr a0, 0x7c0
  TRAP_ILLEGAL csrw 0x7c0, a0
  TRAP_ILLEGAL csrr a0, 0x8ff
  TRAP_ILLEGAL csrr a0, 0xbff
  TRAP_ILLEGAL csrr a0, 0x0ff
  TRAP_ILLEGAL csrrwi a0, 0x0ff, 1

  /* misa: MXL = 2 (64-bit), I M A C S U present */
  TEST 30
  csrr a0, misa
  srli a1, a0, 62
  ASSERT_EQ a1, 2
  li a2, (1 << ('I' - 'A')) | (1 << ('M' - 'A')) | (1 << ('A' - 'A')) | (1 << ('C' - 'A')) | (1 << ('S' - 'A')) | (1 << ('U' - 'A'))
  and a1, a0, a2
  ASSERT_EQR a1, a2

  /* sstatus is a restricted view of mstatus */
  TEST 31
  csrw mstatus, zero
  li a0, MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_SUM | MSTATUS_MXR
  csrs sstatus, a0
  csrr a1, mstatus
  li a2, MSTATUS_SIE | MSTATUS_SPIE | MSTATUS_SUM | MSTATUS_MXR | MSTATUS_MIE | MSTATUS_MPIE | MSTATUS_MPP | MSTATUS_SPP | MSTATUS_TVM | MSTATUS_TW | MSTATUS_TSR | MSTATUS_MPRV
  and a1, a1, a2
  ASSERT_EQR a1, a0
  li a0, MSTATUS_MIE | MSTATUS_MPIE | MSTATUS_TW
  csrs mstatus, a0
  csrr a1, sstatus
  and a1, a1, a0
  ASSERT_EQ a1, 0              /* M-only fields are invisible in sstatus */
  li a0, MSTATUS_MIE
  csrs sstatus, a0             /* and cannot be written through it */
  csrc mstatus, a0
  csrr a1, mstatus
  and a1, a1, a0
  ASSERT_EQ a1, 0
  csrw mstatus, zero

  /* privilege of CSR accesses */
  TEST 40
  ENTER_MODE PRV_S, 1f
1:
  csrr a0, sscratch            /* S CSRs are fine in S */
  csrw sscratch, a0
  csrr a0, sstatus
  TRAP_ILLEGAL csrr a0, mscratch
  TRAP_ILLEGAL csrw mstatus, zero
  TRAP_ILLEGAL csrr a0, mhartid
  TRAP_ILLEGAL csrs mie, zero
  TRAP_ILLEGAL csrr a0, medeleg
  TRAP_ILLEGAL csrr a0, 0x7c0
  TEST 41
  ECALL_TO_M 1f
1:
  ENTER_MODE PRV_U, 1f
1:
  TRAP_ILLEGAL csrr a0, sscratch
  TRAP_ILLEGAL csrr a0, sstatus
  TRAP_ILLEGAL csrw stvec, a0
  TRAP_ILLEGAL csrr a0, satp
  TRAP_ILLEGAL csrr a0, mstatus
  TRAP_ILLEGAL csrr a0, mhartid
  TRAP_ILLEGAL csrr a0, 0x8ff
  ECALL_TO_M 1f
1:
  TEST 42
  /* the trap from U was taken in M with MPP = U */
  REC_LOAD a0, REC_STATUS
  li a1, MSTATUS_MPP
  and a0, a0, a1
  ASSERT_EQ a0, 0

  TEST_PASS
TEST_END
