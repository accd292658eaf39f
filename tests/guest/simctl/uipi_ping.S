/* A user-IPI wake-up microbenchmark for the experiment runner's tests: hart 0 (M mode) sends
 * ITERATIONS user IPIs to hart 1, which spins in U mode with user interrupts enabled. Hart 1's
 * handler reads NOW_PS as its first instruction and stores the send-to-handler latency in
 * picoseconds (its NOW_PS minus the sender's NOW_PS, read right before the `uipi.send`) as
 * sample key 0, then records EVENT 1 (one per wake-up). Both times are global simulated time,
 * so hart clocks and start delays do not matter. Harts above 1 park in WFI. With
 * FAIL_AT_ITERATION defined, hart 0 reports failure (status 7) at that iteration; with HANG,
 * it spins forever instead of passing. */
#define HL_MULTIHART
#include "test.h"
#include "../uintr/uintr.h"
#include "simctl.h"

#ifndef ITERATIONS
#define ITERATIONS 20
#endif
#define SPINS 1000000

/* Wait until the dword at `label` equals `reg` (not t1-t4), else fail. */
.macro WAIT_FOR label, reg
  la t1, \label
  li t3, SPINS
.Lw\@:
  ld t4, 0(t1)
  beq t4, \reg, .Lok\@
  addi t3, t3, -1
  bnez t3, .Lw\@
  j _fail
.Lok\@:
  fence r, rw
.endm

TEST_BEGIN
  TEST 1
  la a0, uist
  srli a0, a0, 12
  li a1, UINTR_EN | SUIST_PAGES(1)
  or a0, a0, a1
  csrw CSR_SUIST, a0
  li s0, SIMCTL_BASE
  li s1, 0                      /* the sender-table entry: hart 1's slot */
  li s6, 1
ping:
  WAIT_FOR h1_ready, s6
  li t1, 300
1:
  addi t1, t1, -1
  bnez t1, 1b
  ld t1, SIMCTL_NOW_PS(s0)
  la t2, send_ps
  sd t1, 0(t2)
  fence w, w
  UIPI_SEND s1
  WAIT_FOR h1_done, s6
#ifdef FAIL_AT_ITERATION
  li t1, FAIL_AT_ITERATION
  bne s6, t1, 2f
  li t1, (7 << 16) | FINISHER_FAIL
  li t2, FINISHER_BASE
  sw t1, 0(t2)
2:
#endif
  addi s6, s6, 1
  li t1, ITERATIONS + 1
  bne s6, t1, ping
#ifdef HANG
3:
  j 3b
#endif
  TEST_PASS

/* ---------- harts 1..: hart 1 is the receiver, the others park ---------- */
  .align 2
_hl_secondary:
  li t1, 1
  beq t0, t1, 1f
0:
  wfi
  j 0b
1:
  la t1, h1_mtrap
  csrw mtvec, t1
  li t1, -1
  csrw pmpaddr0, t1
  li t1, PMP_NAPOT | PMP_R | PMP_W | PMP_X
  csrw pmpcfg0, t1
  csrw mstatus, zero
  li t1, MIP_USIP
  csrw mideleg, t1
  csrw CSR_SIDELEG, t1
  csrw mie, t1
  la t1, h1_utrap
  csrw CSR_UTVEC, t1
  la t1, h1_save
  csrw CSR_USCRATCH, t1
  li t1, UINTR_EN | 1
  csrw CSR_SUIRS, t1
  li t1, UINTC_SLOT(1) + UINTC_LOW
  li t2, UINTC_LOWV(1, 1)
  sd t2, 0(t1)
  li s10, SIMCTL_BASE
  la t1, h1_u
  csrw mepc, t1
  mret
h1_u:
  csrsi CSR_USTATUS, USTATUS_UIE
  li s6, 0
h1_iter:
  addi s6, s6, 1
  csrsi CSR_UIE, MIP_USIP
  la t1, h1_ready
  fence rw, w
  sd s6, 0(t1)
h1_spin:
  j h1_spin

/* hart 1's U handler: the time first, then the sample and the event, then back to h1_iter */
  .align 6
h1_utrap:
  ld s4, SIMCTL_NOW_PS(s10)
  UIPI_READ t1
  la t1, send_ps
  ld t1, 0(t1)
  sub t1, s4, t1
  sd t1, SIMCTL_SAMPLE(0)(s10)
  li t1, 1
  sd t1, SIMCTL_EVENT(s10)
  li t1, MIP_USIP
  csrc CSR_UIE, t1
  la t1, h1_done
  fence rw, w
  sd s6, 0(t1)
  la t1, h1_iter
  csrw CSR_UEPC, t1
  URET

/* any trap of hart 1 into M fails the run with status 200 */
  .align 6
h1_mtrap:
  li t1, (200 << 16) | FINISHER_FAIL
  li t2, FINISHER_BASE
  sw t1, 0(t2)
1:
  j 1b
TEST_END

  .data
  .balign 64
h1_save:   .zero 64
  .balign 64
h1_ready:  .dword 0
  .balign 64
h1_done:   .dword 0
  .balign 64
send_ps:   .dword 0
  .balign 4096
uist:
  .dword UISTE(1, 2, 1)          /* 0: hart 1's slot, vector 2 */
  .balign 4096
