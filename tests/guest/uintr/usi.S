/* User interrupts taken in U (one hart): a self interrupt through uip.USIP; U entry (uepc =
 * the next instruction, ucause = interrupt | 0, utval = 0, UPIE <- UIE, UIE <- 0, handler in U,
 * M and S trap state untouched) and URET (UIE <- UPIE, UPIE <- 1); ustatus.UIE and uie gating;
 * the priority UEI > USI > UTI among pending user interrupts (set by M in mip), each taken at
 * the first U instruction after an MRET; an S-level interrupt taken first (into S) even though
 * a user interrupt is pending, and the user interrupt then taken at the first U instruction
 * after the SRET; vectored utvec (interrupt c at BASE + 4c, exceptions at BASE). */
#include "test.h"
#include "uintr.h"

#define SENTINEL_CAUSE 0x5a
#define SENTINEL_TVAL  0x1234567

TEST_BEGIN
  U_SETUP urec
  DELEG_U_IRQ MIP_U_ALL
  li a0, MIP_U_ALL
  csrw mie, a0
  csrw mstatus, zero
  /* S trap state that no U trap may touch */
  li a0, SENTINEL_CAUSE
  csrw scause, a0
  la a0, sentinel_epc
  csrw sepc, a0
  li a0, SENTINEL_TVAL
  csrw stval, a0

  /* ---- a self interrupt ---- */
  TEST 1
  /* the probing handler checks it runs in U before the usual one records the trap */
  la a0, probe_utrap
  csrw CSR_UTVEC, a0
  ENTER_MODE PRV_U, 1f
1:
  csrsi CSR_USTATUS, USTATUS_UIE
  csrsi CSR_UIP, MIP_USIP
t1_next:
  ASSERT_UCOUNT 1
  ASSERT_UREC UREC_CAUSE, IRQ_BIT | IRQ_U_SOFT
  ASSERT_UREC_ADDR UREC_EPC, t1_next
  ASSERT_UREC UREC_TVAL, 0
  /* at entry: UIE = 0, UPIE = the old UIE (1) */
  ASSERT_UREC UREC_STATUS, USTATUS_UPIE
  /* after URET: UIE = UPIE = 1 */
  csrr a0, CSR_USTATUS
  ASSERT_EQ a0, USTATUS_UIE | USTATUS_UPIE
  /* USIP is a software bit: still pending, USIE masked by the handler */
  csrr a0, CSR_UIP
  ASSERT_EQ a0, MIP_USIP
  csrr a0, CSR_UIE
  ASSERT_EQ a0, MIP_UTIP | MIP_UEIP
  csrci CSR_UIP, MIP_USIP
  csrr a0, CSR_UIP
  ASSERT_EQ a0, 0
  ECALL_TO_M 1f
1:
  TEST 2
  /* the probe's illegal instruction in the U handler was taken by M from U */
  REC_LOAD a0, REC_COUNT
  ASSERT_EQ a0, 1
  REC_LOAD a0, REC_CAUSE
  ASSERT_EQ a0, CAUSE_ILLEGAL
  REC_LOAD a0, REC_EPC
  ASSERT_ADDR a0, probe_insn
  REC_LOAD a0, REC_STATUS
  ASSERT_MASKED a0, MSTATUS_MPP, 0
  TEST 3
  /* S trap state untouched */
  ASSERT_CSR scause, SENTINEL_CAUSE
  csrr a0, sepc
  ASSERT_ADDR a0, sentinel_epc
  ASSERT_CSR stval, SENTINEL_TVAL
  csrr a0, sstatus
  ASSERT_MASKED a0, MSTATUS_SPP | MSTATUS_SPIE | MSTATUS_SIE, 0
  /* the U trap CSRs as M sees them */
  csrr a0, CSR_UCAUSE
  ASSERT_EQ a0, IRQ_BIT | IRQ_U_SOFT
  csrr a0, CSR_UEPC
  ASSERT_ADDR a0, t1_next

  /* ---- gating by ustatus.UIE and uie ---- */
  TEST 10
  la a0, _utrap
  csrw CSR_UTVEC, a0
  UREC_RESET
  li a0, MIP_U_ALL
  csrw mie, a0
  csrw mstatus, zero
  ENTER_MODE PRV_U, 1f
1:
  /* UIE = 0: stays pending */
  csrsi CSR_UIP, MIP_USIP
  nop
  nop
  nop
  ASSERT_UCOUNT 0
  csrr a0, CSR_UIP
  ASSERT_EQ a0, MIP_USIP
  /* taken right after UIE is set */
  csrsi CSR_USTATUS, USTATUS_UIE
t10_next:
  ASSERT_UCOUNT 1
  ASSERT_UREC_ADDR UREC_EPC, t10_next
  TEST 11
  /* UIE = 1 but USIE = 0 (masked by the handler): stays pending until USIE is set */
  nop
  nop
  ASSERT_UCOUNT 1
  csrsi CSR_UIE, MIP_USIP
t11_next:
  ASSERT_UCOUNT 2
  ASSERT_UREC_ADDR UREC_EPC, t11_next
  ASSERT_UREC UREC_CAUSE, IRQ_BIT | IRQ_U_SOFT
  csrci CSR_UIP, MIP_USIP
  TEST 12
  /* a pending, enabled USI with UIE cleared by U itself: not taken */
  csrci CSR_USTATUS, USTATUS_UIE
  csrsi CSR_UIE, MIP_USIP
  csrsi CSR_UIP, MIP_USIP
  nop
  ASSERT_UCOUNT 2
  csrci CSR_UIP, MIP_USIP
  ECALL_TO_M 1f
1:

  /* ---- priority among user interrupts ---- */
  TEST 20
  UREC_RESET
  li a0, MIP_U_ALL
  csrw mie, a0
  csrw mip, a0
  csrsi CSR_USTATUS, USTATUS_UIE
  /* MRET into U with all three pending: UEI, then USI, then UTI, each at the first U
   * instruction (the handler masks each in uie) */
  ENTER_MODE PRV_U, t20_u
t20_u:
  ASSERT_UCOUNT 3
  ASSERT_ULOG 0, IRQ_BIT | IRQ_U_EXT
  ASSERT_ULOG 1, IRQ_BIT | IRQ_U_SOFT
  ASSERT_ULOG 2, IRQ_BIT | IRQ_U_TIMER
  ASSERT_UREC_ADDR UREC_EPC, t20_u
  csrr a0, CSR_UIE
  ASSERT_EQ a0, 0
  ECALL_TO_M 1f
1:
  csrw mip, zero

  /* ---- an S interrupt comes first ---- */
  TEST 30
  UREC_RESET
  li a0, MIP_SSIP
  csrs mideleg, a0
  li a0, MIP_SSIP | MIP_USIP
  csrw mie, a0
  csrw mip, a0
  csrsi CSR_USTATUS, USTATUS_UIE
  /* into U: SSI (delegated to S only) is taken first, by S, at the first U instruction; its
   * SRET back to U then meets the pending USI, taken at once */
  EXPECT_TRAP (IRQ_BIT | IRQ_S_SOFT), t30_u, t30_resume, mode=PRV_S, rmode=PRV_U
  ENTER_MODE PRV_U, t30_u
t30_u:
  j _fail
t30_resume:
  ASSERT_TRAPPED
  ASSERT_UCOUNT 1
  ASSERT_UREC_ADDR UREC_EPC, t30_resume
  ASSERT_UREC UREC_CAUSE, IRQ_BIT | IRQ_U_SOFT
  ECALL_TO_M 1f
1:
  TEST 31
  /* S's trap state is S's own: scause from the SSI (sepc is where _strap resumed), not
   * touched by the USI that followed */
  ASSERT_CSR scause, IRQ_BIT | IRQ_S_SOFT
  csrr a0, sepc
  ASSERT_ADDR a0, t30_resume
  csrw mip, zero
  li a0, MIP_SSIP
  csrc mideleg, a0

  /* ---- vectored utvec ---- */
  TEST 40
  la a0, _uvec
  ori a0, a0, 1
  csrw CSR_UTVEC, a0
  DELEG_U_EXC (1 << CAUSE_ILLEGAL)
  li a0, MIP_U_ALL
  csrw mie, a0
  csrsi CSR_USTATUS, USTATUS_UIE
  /* USI: BASE + 0 */
  UREC_RESET
  li a0, MIP_USIP
  csrw mip, a0
  ENTER_MODE PRV_U, 1f
1:
  ASSERT_UCOUNT 1
  ASSERT_UREC UREC_VEC, 0
  ASSERT_UREC UREC_CAUSE, IRQ_BIT | IRQ_U_SOFT
  ECALL_TO_M 1f
1:
  TEST 41
  /* UTI: BASE + 16 */
  UREC_RESET
  li a0, MIP_UTIP
  csrw mip, a0
  li a0, MIP_U_ALL
  csrw mie, a0
  ENTER_MODE PRV_U, 1f
1:
  ASSERT_UCOUNT 1
  ASSERT_UREC UREC_VEC, IRQ_U_TIMER
  ASSERT_UREC UREC_CAUSE, IRQ_BIT | IRQ_U_TIMER
  ECALL_TO_M 1f
1:
  TEST 42
  /* UEI: BASE + 32 */
  UREC_RESET
  li a0, MIP_UEIP
  csrw mip, a0
  li a0, MIP_U_ALL
  csrw mie, a0
  ENTER_MODE PRV_U, 1f
1:
  ASSERT_UCOUNT 1
  ASSERT_UREC UREC_VEC, IRQ_U_EXT
  ASSERT_UREC UREC_CAUSE, IRQ_BIT | IRQ_U_EXT
  ECALL_TO_M 1f
1:
  csrw mip, zero
  TEST 43
  /* an exception (illegal instruction, code 2): BASE, not BASE + 8 */
  UREC_RESET
  ENTER_MODE PRV_U, 1f
1:
  U_ILLEGAL .word 0x0000000b
  ASSERT_UREC UREC_VEC, 0
  ECALL_TO_M 1f
1:
  TEST_PASS

/* U handler that first proves it runs in U: an access to mstatus must trap to M from U (the
 * M handler checks and resumes in U), then the usual handler. t5 / t6 saved in the record. */
  .align 6
probe_utrap:
  csrrw t0, CSR_USCRATCH, t0
  sd t5, UREC_SAVE + 16(t0)
  sd t6, UREC_SAVE + 24(t0)
  csrrw t0, CSR_USCRATCH, t0
  EXPECT_TRAP CAUSE_ILLEGAL, probe_insn, probe_resume
probe_insn:
  csrr zero, mstatus
  j _fail
probe_resume:
  csrrw t0, CSR_USCRATCH, t0
  ld t5, UREC_SAVE + 16(t0)
  ld t6, UREC_SAVE + 24(t0)
  csrrw t0, CSR_USCRATCH, t0
  j _utrap

sentinel_epc:
  j _fail
  U_RUNTIME
TEST_END

  .data
  .align 6
urec: .zero UREC_SIZE
