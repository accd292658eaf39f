/* Exceptions delegated to U (one hart): with medeleg and sedeleg, an illegal instruction
 * (utval = its encoding), an ECALL from U (ucause 8, utval 0), a breakpoint and a load
 * access fault (utval = the address) raised in U trap to utvec in U with uepc exact, UPIE <-
 * UIE, UIE <- 0, and S's trap state untouched. Without sedeleg the cause goes to S, without
 * medeleg to M; a cause delegated to U but raised in S or M is taken in S or M. */
#include "test.h"
#include "uintr.h"

#define SENTINEL_CAUSE 0x77
#define SENTINEL_TVAL  0x99
#define NO_DEVICE      0x00200000

#define U_CAUSES ((1 << CAUSE_ILLEGAL) | (1 << CAUSE_BREAKPOINT) | (1 << CAUSE_ECALL_U) | (1 << CAUSE_LOAD_ACCESS))

TEST_BEGIN
  U_SETUP urec
  csrw mstatus, zero
  li a0, SENTINEL_CAUSE
  csrw scause, a0
  la a0, sentinel_epc
  csrw sepc, a0
  li a0, SENTINEL_TVAL
  csrw stval, a0
  DELEG_U_EXC U_CAUSES
  ASSERT_CSR CSR_SEDELEG, U_CAUSES

  /* ---- delegated to U ---- */
  TEST 1
  ENTER_MODE PRV_U, 1f
1:
  U_ILLEGAL .word 0x0000000b
  ASSERT_UREC UREC_STATUS, 0
  ASSERT_UCOUNT 1
  TEST 2
  /* a privileged CSR access: utval = the encoding */
  U_ILLEGAL csrr a0, mstatus
  U_ILLEGAL csrw sie, zero
  TEST 3
  U_TRAP_INSN CAUSE_ECALL_U, zero, ecall
  TEST 4
  U_TRAP_INSN CAUSE_BREAKPOINT, NOCHECK, ebreak
  TEST 5
  li a5, NO_DEVICE
  U_TRAP_INSN CAUSE_LOAD_ACCESS, a5, ld a0, 0(a5)
  TEST 6
  /* with UIE = 1: the handler sees UPIE = 1, UIE = 0; URET sets UIE again */
  csrsi CSR_USTATUS, USTATUS_UIE
  U_ILLEGAL .word 0x0000000b
  ASSERT_UREC UREC_STATUS, USTATUS_UPIE
  csrr a0, CSR_USTATUS
  ASSERT_EQ a0, USTATUS_UIE | USTATUS_UPIE
  csrci CSR_USTATUS, USTATUS_UIE
  ASSERT_UCOUNT 7
  U_TO_M 1f
1:
  TEST 7
  /* S's trap state untouched */
  ASSERT_CSR scause, SENTINEL_CAUSE
  csrr a0, sepc
  ASSERT_ADDR a0, sentinel_epc
  ASSERT_CSR stval, SENTINEL_TVAL

  /* ---- sedeleg clear: to S ---- */
  TEST 10
  li a0, (1 << CAUSE_ILLEGAL)
  csrc CSR_SEDELEG, a0
  ENTER_MODE PRV_U, 1f
1:
  TRAP_ILLEGAL_S .word 0x0000000b
  REC_LOAD a0, REC_MODE
  ASSERT_EQ a0, PRV_S
  ASSERT_UCOUNT 7
  TEST 11
  /* the others still go to U */
  U_TRAP_INSN CAUSE_ECALL_U, zero, ecall
  ASSERT_UCOUNT 8
  U_TO_M 1f
1:

  /* ---- medeleg clear: to M ---- */
  TEST 20
  csrw medeleg, zero
  ENTER_MODE PRV_U, 1f
1:
  TRAP_ILLEGAL .word 0x0000000b
  REC_LOAD a0, REC_MODE
  ASSERT_EQ a0, PRV_M
  li a5, 0
  TRAP_INSN CAUSE_ECALL_U, a5, ecall
  ASSERT_UCOUNT 8
  ECALL_TO_M 1f
1:

  /* ---- raised above U: never to U ---- */
  TEST 30
  DELEG_U_EXC U_CAUSES
  ENTER_MODE PRV_S, 1f
1:
  TRAP_ILLEGAL_S .word 0x0000000b
  EBREAK_TVAL a5, 2f
  EXPECT_TRAP CAUSE_BREAKPOINT, 2f, 3f, tval=a5, mode=PRV_S
2:
  ebreak
  j _fail
3:
  ASSERT_TRAPPED
  ECALL_TO_M 1f
1:
  TEST 31
  TRAP_ILLEGAL .word 0x0000000b
  ASSERT_UCOUNT 8
  TEST_PASS

sentinel_epc:
  j _fail
  U_RUNTIME
TEST_END

  .data
  .align 6
urec: .zero UREC_SIZE
