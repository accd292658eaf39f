/* User IPIs between two harts (run with 2 harts). Hart 1 receives in UINTC slot 1 (LOW hart
 * id 1), hart 0 in slot 0; both run their U code with ustatus.UIE = 1.
 *
 * Hart 0's uipi.send (from U) to slot 1 interrupts hart 1 in U (ucause = interrupt | 0) and
 * not hart 0; hart 1 collects the vector with uipi.read. With hart 1's slot deactivated, two
 * sends (two vectors) leave hart 1 alone; when hart 1 activates its slot, one interrupt
 * delivers both vectors in one read. Hart 0's send to its own slot interrupts hart 0 only,
 * right after the send; hart 1's send to slot 0 interrupts hart 0 while it waits in U. Hart
 * 1's kernel (M) asleep in WFI is woken by a send to hart 1 and returns to U, where the
 * interrupt is taken.
 *
 * Hart 1 runs a small service loop in U: after each interrupt it reads its pending word into
 * `h1_got` (ORed) and publishes its trap count in `h1_count`; it executes commands hart 0
 * posts in `h1_cmd` (low 4 bits: 1 deactivate, 2 activate, 3 send entry 2, 4 sleep in M)
 * and acknowledges each by copying it to `h1_ack`. Any other trap of hart 1 into M is a
 * failure (status 200); every wait of hart 0 is bounded. */
#define HL_MULTIHART
#include "test.h"
#include "uintr.h"

#define SPINS       200000
#define QUIET_SPINS 3000

#define CMD_DEACTIVATE 1
#define CMD_ACTIVATE   2
#define CMD_SEND       3
#define CMD_SLEEP      4

/* Wait until the dword at `label` equals `val`, else fail. Clobbers t1-t4. */
.macro WAIT_EQ label, val
  la t1, \label
  li t2, \val
  li t3, SPINS
.Lw\@:
  ld t4, 0(t1)
  beq t4, t2, .Lwok\@
  addi t3, t3, -1
  bnez t3, .Lw\@
  j _fail
.Lwok\@:
  fence r, rw
.endm

/* Spin a while (long enough for the other hart to have reacted). Clobbers t1. */
.macro QUIET
  li t1, QUIET_SPINS
.Lq\@:
  addi t1, t1, -1
  bnez t1, .Lq\@
.endm

/* Post command `cmd` (unique value) to hart 1 and wait for its acknowledgement. */
.macro H1_CMD cmd
  la t1, h1_cmd
  li t2, \cmd
  fence rw, w
  sd t2, 0(t1)
  WAIT_EQ h1_ack, \cmd
.endm

.macro SEND idx
  li a0, \idx
  UIPI_SEND a0
.endm

.macro ASSERT_MEM_EQ label, val
  la t5, \label
  ld t5, 0(t5)
  ASSERT_EQ t5, \val
.endm

/* suist for `uist`, one page */
.macro SET_SUIST
  la a0, uist
  srli a0, a0, 12
  li a1, UINTR_EN | SUIST_PAGES(1)
  or a0, a0, a1
  csrw CSR_SUIST, a0
.endm

TEST_BEGIN
  TEST 1
  SET_SUIST
  li a0, UINTR_EN | 0
  csrw CSR_SUIRS, a0
  SD64 UINTC_SLOT(0) + UINTC_LOW, UINTC_LOWV(0, 0)
  U_SETUP urec0
  DELEG_U_IRQ MIP_USIP
  li a0, MIP_USIP
  csrw mie, a0
  csrw mstatus, zero
  WAIT_EQ h1_ready, 1
  LD64 a2, UINTC_SLOT(1) + UINTC_LOW
  ASSERT_EQ a2, UINTC_LOWV(1, 1)

  /* ---- hart 0 -> hart 1 ---- */
  TEST 2
  ENTER_MODE PRV_U, 1f
1:
  csrsi CSR_USTATUS, USTATUS_UIE
  csrsi CSR_UIE, MIP_USIP
  SEND 0
  WAIT_EQ h1_count, 1
  ASSERT_MEM_EQ h1_got, (1 << 3)
  ASSERT_MEM_EQ urec1 + UREC_CAUSE, IRQ_BIT | IRQ_U_SOFT
  /* not hart 0 */
  ASSERT_UCOUNT 0
  csrr a2, CSR_UIP
  ASSERT_EQ a2, 0

  /* ---- receiver deactivated, then activated ---- */
  TEST 3
  la a0, h1_got
  sd zero, 0(a0)
  H1_CMD 0x10 | CMD_DEACTIVATE
  SEND 0
  SEND 1
  QUIET
  ASSERT_MEM_EQ h1_count, 1
  TEST 4
  H1_CMD 0x20 | CMD_ACTIVATE
  WAIT_EQ h1_count, 2
  ASSERT_MEM_EQ h1_got, (1 << 3) | (1 << 10)

  /* ---- hart 0 -> hart 0 ---- */
  TEST 5
  la a0, h1_got
  sd zero, 0(a0)
  UIPI_ACTIVATE
  SEND 2
t5_next:
  ASSERT_UCOUNT 1
  ASSERT_UREC_ADDR UREC_EPC, t5_next
  UIPI_READ a2
  ASSERT_EQ a2, (1 << 4)
  QUIET
  ASSERT_MEM_EQ h1_count, 2
  ASSERT_MEM_EQ h1_got, 0

  /* ---- hart 1 -> hart 0 ---- */
  TEST 6
  csrsi CSR_UIE, MIP_USIP
  H1_CMD 0x30 | CMD_SEND
  li t3, SPINS
1:
  UREC_LOAD t4, UREC_COUNT
  li t2, 2
  beq t4, t2, 2f
  addi t3, t3, -1
  bnez t3, 1b
  j _fail
2:
  UIPI_READ a2
  ASSERT_EQ a2, (1 << 4)
  ASSERT_MEM_EQ h1_count, 2

  /* ---- hart 1 asleep in M: woken, back in U, interrupted ---- */
  TEST 7
  la a0, h1_got
  sd zero, 0(a0)
  H1_CMD 0x40 | CMD_SLEEP
  QUIET
  ASSERT_MEM_EQ h1_count, 2
  SEND 1
  WAIT_EQ h1_count, 3
  ASSERT_MEM_EQ h1_got, (1 << 10)
  ECALL_TO_M 1f
1:
  TEST_PASS

/* ---------- hart 1 ---------- */
  .align 2
_hl_secondary:
  la t1, h1_mtrap
  csrw mtvec, t1
  li s11, 200
  /* PMP: all of memory for S and U (TEST_BEGIN sets up hart 0 only) */
  li t1, -1
  csrw pmpaddr0, t1
  li t1, PMP_NAPOT | PMP_R | PMP_W | PMP_X
  csrw pmpcfg0, t1
  csrw mie, zero
  csrw mip, zero
  csrw mstatus, zero
  li t1, MIP_USIP
  csrw mideleg, t1
  csrw CSR_SIDELEG, t1
  csrw mie, t1
  li t1, 7
  csrw mcounteren, t1
  csrw scounteren, t1
  la t1, _utrap
  csrw CSR_UTVEC, t1
  la t1, urec1
  csrw CSR_USCRATCH, t1
  la t1, uist
  srli t1, t1, 12
  li t2, UINTR_EN | SUIST_PAGES(1)
  or t1, t1, t2
  csrw CSR_SUIST, t1
  li t1, UINTR_EN | 1
  csrw CSR_SUIRS, t1
  /* slot 1: hart 1, inactive until U activates it */
  li t1, UINTC_SLOT(1) + UINTC_LOW
  li t2, UINTC_LOWV(0, 1)
  sd t2, 0(t1)
  la t1, h1_u
  csrw mepc, t1
  mret

h1_u:
  csrsi CSR_USTATUS, USTATUS_UIE
  csrsi CSR_UIE, MIP_USIP
  UIPI_ACTIVATE
  la t1, h1_ready
  li t2, 1
  fence rw, w
  sd t2, 0(t1)
h1_loop:
  /* a new interrupt: collect the vectors, publish the count, re-enable */
  csrr t1, CSR_USCRATCH
  ld t1, UREC_COUNT(t1)
  la t2, h1_count
  ld t3, 0(t2)
  beq t1, t3, 1f
  UIPI_READ a0
  la t3, h1_got
  ld a1, 0(t3)
  or a1, a1, a0
  sd a1, 0(t3)
  fence rw, w
  sd t1, 0(t2)
  csrsi CSR_UIE, MIP_USIP
1:
  /* a new command */
  la t1, h1_cmd
  ld t2, 0(t1)
  la t1, h1_ack
  ld t3, 0(t1)
  beq t2, t3, h1_loop
  andi t4, t2, 0xf
  li t5, CMD_DEACTIVATE
  bne t4, t5, 2f
  UIPI_DEACTIVATE
2:
  li t5, CMD_ACTIVATE
  bne t4, t5, 3f
  UIPI_ACTIVATE
3:
  li t5, CMD_SEND
  bne t4, t5, 4f
  li a0, 2
  UIPI_SEND a0
4:
  fence rw, w
  sd t2, 0(t1)
  li t5, CMD_SLEEP
  bne t4, t5, h1_loop
  /* the "kernel" (M) sleeps in WFI until the user IPI is pending, then returns here */
  ecall
  j h1_loop

/* hart 1's M handler: an ECALL from U sleeps in WFI (interrupts off in M) until USIP is
 * pending, then returns to U; any other trap fails the run with status 200 */
  .align 6
h1_mtrap:
  csrr t1, mcause
  li t2, CAUSE_ECALL_U
  bne t1, t2, h1_fail
1:
  wfi
  csrr t1, mip
  andi t1, t1, MIP_USIP
  beqz t1, 1b
  csrr t1, mepc
  addi t1, t1, 4
  csrw mepc, t1
  mret
h1_fail:
  li t1, (200 << 16) | FINISHER_FAIL
  li t2, FINISHER_BASE
  sw t1, 0(t2)
1:
  j 1b
  U_RUNTIME
TEST_END

  .data
  .balign 64
urec0:    .zero UREC_SIZE
urec1:    .zero UREC_SIZE
  .balign 64
h1_ready: .dword 0
  .balign 64
h1_count: .dword 0
  .balign 64
h1_got:   .dword 0
  .balign 64
h1_cmd:   .dword 0
  .balign 64
h1_ack:   .dword 0

  .balign 4096
uist:
  .dword UISTE(1, 3, 1)          /* 0: to hart 1's slot */
  .dword UISTE(1, 10, 1)         /* 1: to hart 1's slot */
  .dword UISTE(1, 4, 0)          /* 2: to hart 0's slot */
  .balign 4096
