/* N extension CSRs and their masks (one hart).
 *
 * misa.N; mideleg accepting the U bits 0/4/8; mie and mip implementing them, M writing the
 * mip software bits USIP/UTIP/UEIP; ustatus as the UIE/UPIE view of mstatus (also through
 * sstatus); sideleg writable only in {0,4,8} & mideleg; sedeleg writable only in medeleg &
 * delegable, bits 9-11 never; uie = mie & mideleg & sideleg (writes change only those bits);
 * uip = mip & mideleg & sideleg with only USIP writable; sip writes by S (SSIP, USIP, UEIP
 * where delegated, never UTIP); utvec WARL (modes 0 and 1, a write of mode 2 or 3 ignored);
 * uscratch / ucause / utval plain, uepc bit 0 zero; suist / suirs / suicfg plain registers,
 * suicfg resetting to the UINTC base; utimecmp resetting to all ones, user read/write and
 * raising UTIP while time >= utimecmp; which of them U may access. */
#include "test.h"
#include "uintr.h"

TEST_BEGIN
  li a0, 7
  csrw mcounteren, a0
  csrw scounteren, a0

  /* ---- misa, reset values ---- */
  TEST 1
  csrr a0, misa
  ASSERT_MASKED a0, (1 << 13), (1 << 13)
  /* (TEST_BEGIN does not touch these) */
  ASSERT_CSR CSR_SUICFG, UINTC_BASE
  ASSERT_CSR CSR_UTIMECMP, -1
  ASSERT_CSR CSR_SIDELEG, 0
  ASSERT_CSR CSR_SEDELEG, 0
  ASSERT_CSR CSR_SUIST, 0
  ASSERT_CSR CSR_SUIRS, 0
  ASSERT_CSR CSR_USTATUS, 0

  /* ---- mideleg, mie, mip ---- */
  TEST 2
  li a0, -1
  csrw mideleg, a0
  ASSERT_CSR mideleg, MIP_S_ALL | MIP_U_ALL
  csrw mideleg, zero
  TEST 3
  li a0, -1
  csrw mie, a0
  csrr a1, mie
  ASSERT_MASKED a1, MIP_U_ALL, MIP_U_ALL
  csrw mie, zero
  ASSERT_CSR mie, 0
  TEST 4
  /* M writes the software bits USIP, UTIP, UEIP (no device drives them here) */
  li a0, MIP_U_ALL
  csrs mip, a0
  csrr a1, mip
  ASSERT_EQ a1, MIP_U_ALL
  li a0, MIP_UTIP
  csrc mip, a0
  ASSERT_CSR mip, MIP_USIP | MIP_UEIP
  csrw mip, zero
  ASSERT_CSR mip, 0

  /* ---- ustatus ---- */
  TEST 5
  li a0, MSTATUS_MPP_S | MSTATUS_SPP
  csrw mstatus, a0
  csrsi CSR_USTATUS, USTATUS_UIE
  csrr a1, mstatus
  ASSERT_MASKED a1, 0x1fff, MSTATUS_MPP_S | MSTATUS_SPP | MSTATUS_UIE
  csrr a1, sstatus
  ASSERT_MASKED a1, MSTATUS_UIE | MSTATUS_UPIE, MSTATUS_UIE
  li a0, -1
  csrw CSR_USTATUS, a0
  ASSERT_CSR CSR_USTATUS, USTATUS_UIE | USTATUS_UPIE
  /* nothing else of mstatus changed */
  csrr a1, mstatus
  ASSERT_MASKED a1, 0x1fff, MSTATUS_MPP_S | MSTATUS_SPP | MSTATUS_UIE | MSTATUS_UPIE
  csrw CSR_USTATUS, zero
  csrr a1, mstatus
  ASSERT_MASKED a1, 0x1fff, MSTATUS_MPP_S | MSTATUS_SPP
  TEST 6
  /* through sstatus and mstatus */
  li a0, MSTATUS_UPIE
  csrs sstatus, a0
  ASSERT_CSR CSR_USTATUS, USTATUS_UPIE
  csrc sstatus, a0
  li a0, MSTATUS_UIE
  csrs mstatus, a0
  ASSERT_CSR CSR_USTATUS, USTATUS_UIE
  csrw mstatus, zero
  ASSERT_CSR CSR_USTATUS, 0

  /* ---- sideleg ---- */
  TEST 10
  /* nothing delegated by M: nothing sticks */
  csrw mideleg, zero
  li a0, -1
  csrw CSR_SIDELEG, a0
  ASSERT_CSR CSR_SIDELEG, 0
  TEST 11
  /* only USI delegated by M */
  li a0, MIP_USIP
  csrw mideleg, a0
  li a0, -1
  csrw CSR_SIDELEG, a0
  ASSERT_CSR CSR_SIDELEG, MIP_USIP
  TEST 12
  /* everything delegated by M: the U bits, never the S bits */
  li a0, -1
  csrw mideleg, a0
  csrw CSR_SIDELEG, a0
  ASSERT_CSR CSR_SIDELEG, MIP_U_ALL
  li a0, MIP_S_ALL | MIP_UTIP
  csrw CSR_SIDELEG, a0
  ASSERT_CSR CSR_SIDELEG, MIP_UTIP
  TEST 13
  /* delegated in mideleg: UEI and the S bits; asking for all: UEI only */
  li a0, MIP_S_ALL | MIP_UEIP
  csrw mideleg, a0
  li a0, -1
  csrw CSR_SIDELEG, a0
  ASSERT_CSR CSR_SIDELEG, MIP_UEIP
  csrw CSR_SIDELEG, zero
  csrw mideleg, zero

  /* ---- sedeleg ---- */
  TEST 20
  csrw medeleg, zero
  li a0, -1
  csrw CSR_SEDELEG, a0
  ASSERT_CSR CSR_SEDELEG, 0
  TEST 21
  /* everything M can delegate, minus ECALL from S (9) (10 and 11 are not in medeleg) */
  li a0, -1
  csrw medeleg, a0
  csrr a2, medeleg
  csrw CSR_SEDELEG, a0
  csrr a1, CSR_SEDELEG
  li a3, ~(0x7 << 9)
  and a3, a2, a3
  ASSERT_EQR a1, a3
  ASSERT_MASKED a1, (0x7 << 9), 0
  ASSERT_MASKED a1, 0xb1ff, 0xb1ff
  TEST 22
  /* only what medeleg delegates */
  li a0, (1 << CAUSE_ILLEGAL) | (1 << CAUSE_ECALL_S) | (1 << CAUSE_ECALL_U)
  csrw medeleg, a0
  li a0, -1
  csrw CSR_SEDELEG, a0
  ASSERT_CSR CSR_SEDELEG, (1 << CAUSE_ILLEGAL) | (1 << CAUSE_ECALL_U)
  li a0, (1 << CAUSE_ECALL_S) | (1 << CAUSE_BREAKPOINT)
  csrw CSR_SEDELEG, a0
  ASSERT_CSR CSR_SEDELEG, 0
  csrw CSR_SEDELEG, zero
  csrw medeleg, zero

  /* ---- uie ---- */
  TEST 30
  li a0, -1
  csrw mideleg, a0
  csrw CSR_SIDELEG, a0
  csrw mie, zero
  csrw CSR_UIE, a0
  ASSERT_CSR CSR_UIE, MIP_U_ALL
  ASSERT_CSR mie, MIP_U_ALL
  TEST 31
  /* uie shows only the bits sideleg delegates, and writes only those */
  li a0, MIP_USIP
  csrw CSR_SIDELEG, a0
  ASSERT_CSR CSR_UIE, MIP_USIP
  csrw CSR_UIE, zero
  ASSERT_CSR mie, MIP_UTIP | MIP_UEIP
  li a0, MIP_MSIP | MIP_MTIP | MIP_SSIP | MIP_UTIP
  csrw CSR_UIE, a0
  ASSERT_CSR mie, MIP_UTIP | MIP_UEIP
  TEST 32
  /* nothing delegated to U: uie reads 0, writes nothing */
  csrw CSR_SIDELEG, zero
  ASSERT_CSR CSR_UIE, 0
  li a0, -1
  csrw CSR_UIE, a0
  ASSERT_CSR mie, MIP_UTIP | MIP_UEIP
  csrw mie, zero

  /* ---- uip ---- */
  TEST 40
  li a0, -1
  csrw mideleg, a0
  csrw CSR_SIDELEG, a0
  li a0, MIP_U_ALL | MIP_SSIP
  csrw mip, a0
  ASSERT_CSR CSR_UIP, MIP_U_ALL
  li a0, MIP_USIP
  csrw CSR_SIDELEG, a0
  ASSERT_CSR CSR_UIP, MIP_USIP
  TEST 41
  /* only USIP is writable through uip */
  li a0, -1
  csrw CSR_SIDELEG, a0
  csrw CSR_UIP, zero
  ASSERT_CSR mip, MIP_UTIP | MIP_UEIP | MIP_SSIP
  csrw mip, zero
  li a0, -1
  csrw CSR_UIP, a0
  ASSERT_CSR mip, MIP_USIP
  csrw mip, zero
  TEST 42
  /* not delegated to U: uip reads 0 and writes nothing */
  li a0, MIP_UTIP | MIP_UEIP
  csrw CSR_SIDELEG, a0
  li a0, MIP_USIP
  csrw CSR_UIP, a0
  ASSERT_CSR mip, 0
  csrw CSR_SIDELEG, zero
  li a0, MIP_USIP
  csrw mip, a0
  ASSERT_CSR CSR_UIP, 0
  csrw mip, zero

  /* ---- sip written by S ---- */
  TEST 50
  li a0, -1
  csrw mideleg, a0
  csrw mip, zero
  ENTER_MODE PRV_S, 1f
1:
  li a0, -1
  csrw sip, a0
  csrr a1, sip
  ECALL_TO_M 1f
1:
  /* SSIP, USIP, UEIP; not UTIP, STIP, SEIP */
  ASSERT_EQ a1, MIP_SSIP | MIP_USIP | MIP_UEIP
  ASSERT_CSR mip, MIP_SSIP | MIP_USIP | MIP_UEIP
  csrw mip, zero
  TEST 51
  /* only where mideleg delegates */
  li a0, MIP_USIP
  csrw mideleg, a0
  ENTER_MODE PRV_S, 1f
1:
  li a0, -1
  csrw sip, a0
  ECALL_TO_M 1f
1:
  ASSERT_CSR mip, MIP_USIP
  csrw mip, zero
  csrw mideleg, zero

  /* ---- utvec ---- */
  TEST 60
  la a2, utbase
  csrw CSR_UTVEC, a2
  csrr a0, CSR_UTVEC
  ASSERT_EQR a0, a2
  ori a3, a2, 1
  csrw CSR_UTVEC, a3
  csrr a0, CSR_UTVEC
  ASSERT_EQR a0, a3
  /* modes 2 and 3: the write is ignored */
  ori a4, a2, 2
  csrw CSR_UTVEC, a4
  csrr a0, CSR_UTVEC
  ASSERT_EQR a0, a3
  ori a4, a2, 3
  csrw CSR_UTVEC, a4
  csrr a0, CSR_UTVEC
  ASSERT_EQR a0, a3
  csrw CSR_UTVEC, a2

  /* ---- uscratch, uepc, ucause, utval ---- */
  TEST 61
  li a2, 0xa5a5a5a55a5a5a5b
  csrw CSR_USCRATCH, a2
  csrr a0, CSR_USCRATCH
  ASSERT_EQR a0, a2
  csrw CSR_UCAUSE, a2
  csrr a0, CSR_UCAUSE
  ASSERT_EQR a0, a2
  csrw CSR_UTVAL, a2
  csrr a0, CSR_UTVAL
  ASSERT_EQR a0, a2
  csrw CSR_UEPC, a2
  csrr a0, CSR_UEPC
  ASSERT_EQ a0, 0xa5a5a5a55a5a5a5a
  li a2, -1
  csrw CSR_UEPC, a2
  csrr a0, CSR_UEPC
  ASSERT_EQ a0, -2

  /* ---- suist, suirs, suicfg ---- */
  TEST 70
  li a2, 0x8123456789abcdef
  csrw CSR_SUIST, a2
  csrr a0, CSR_SUIST
  ASSERT_EQR a0, a2
  csrw CSR_SUIRS, a2
  csrr a0, CSR_SUIRS
  ASSERT_EQR a0, a2
  csrw CSR_SUICFG, a2
  csrr a0, CSR_SUICFG
  ASSERT_EQR a0, a2
  TEST 71
  /* S mode reaches them */
  ENTER_MODE PRV_S, 1f
1:
  li a2, UINTC_BASE
  csrw CSR_SUICFG, a2
  csrw CSR_SUIST, zero
  csrw CSR_SUIRS, zero
  csrr a3, CSR_SUICFG
  csrr a4, CSR_SIDELEG
  csrr a5, CSR_SEDELEG
  ECALL_TO_M 1f
1:
  ASSERT_EQ a3, UINTC_BASE
  ASSERT_CSR CSR_SUIST, 0
  ASSERT_CSR CSR_SUIRS, 0

  /* ---- utimecmp ---- */
  TEST 80
  csrw mideleg, zero
  csrw mip, zero
  ASSERT_CSR mip, 0
  /* a compare value in the past raises UTIP; all ones never does */
  csrw CSR_UTIMECMP, zero
  csrr a0, mip
  ASSERT_EQ a0, MIP_UTIP
  li a1, -1
  csrw CSR_UTIMECMP, a1
  ASSERT_CSR mip, 0
  TEST 81
  /* in the future: not yet */
  csrr a1, time
  li a2, 1000000
  add a1, a1, a2
  csrw CSR_UTIMECMP, a1
  ASSERT_CSR mip, 0
  csrr a0, CSR_UTIMECMP
  ASSERT_EQR a0, a1
  TEST 82
  /* the timer's UTIP cannot be cleared through mip (the software bit is separate) */
  csrw CSR_UTIMECMP, zero
  li a0, MIP_UTIP
  csrc mip, a0
  ASSERT_CSR mip, MIP_UTIP
  li a1, -1
  csrw CSR_UTIMECMP, a1
  ASSERT_CSR mip, 0

  /* ---- what U can access ---- */
  TEST 90
  li a0, -1
  csrw mideleg, a0
  csrw CSR_SIDELEG, a0
  csrw mstatus, zero
  ENTER_MODE PRV_U, 1f
1:
  /* the U CSRs and utimecmp */
  csrsi CSR_USTATUS, USTATUS_UPIE
  csrr a0, CSR_USTATUS
  ASSERT_EQ a0, USTATUS_UPIE
  csrci CSR_USTATUS, USTATUS_UPIE
  li a1, MIP_USIP
  csrw CSR_UIE, a1
  csrr a0, CSR_UIE
  ASSERT_EQ a0, MIP_USIP
  csrw CSR_UIE, zero
  la a1, utbase
  csrw CSR_UTVEC, a1
  csrr a0, CSR_UTVEC
  ASSERT_EQR a0, a1
  li a1, 0x1234
  csrw CSR_USCRATCH, a1
  csrr a0, CSR_USCRATCH
  ASSERT_EQR a0, a1
  csrw CSR_UEPC, a1
  csrw CSR_UCAUSE, a1
  csrw CSR_UTVAL, a1
  csrr a0, CSR_UEPC
  ASSERT_EQR a0, a1
  csrr a0, CSR_UIP
  ASSERT_EQ a0, 0
  li a1, 0x7777
  csrw CSR_UTIMECMP, a1
  csrr a0, CSR_UTIMECMP
  ASSERT_EQR a0, a1
  li a1, -1
  csrw CSR_UTIMECMP, a1
  TEST 91
  /* not the S-level ones */
  TRAP_ILLEGAL csrr a0, CSR_SIDELEG
  TRAP_ILLEGAL csrr a0, CSR_SEDELEG
  TRAP_ILLEGAL csrw CSR_SIDELEG, zero
  TRAP_ILLEGAL csrr a0, CSR_SUIST
  TRAP_ILLEGAL csrr a0, CSR_SUIRS
  TRAP_ILLEGAL csrr a0, CSR_SUICFG
  TRAP_ILLEGAL csrw CSR_SUIST, zero
  TRAP_ILLEGAL csrr a0, sstatus
  TEST 92
  /* the trap on those came from U (and left U there) */
  REC_LOAD a0, REC_STATUS
  ASSERT_MASKED a0, MSTATUS_MPP, 0
  ECALL_TO_M 1f
1:
  csrw mideleg, zero
  csrw CSR_SIDELEG, zero
  TEST_PASS

  .align 6
utbase:
  j _fail
TEST_END
