/* The task controller with two harts really running (M mode, hart 0 as the kernel, hart 1
 * as a worker): a handler bound by hart 1 wakes into hart 1's local queue and its preempt
 * flag raises SSIP on hart 1 only, waking hart 1 from WFI; hart 1's dequeue drops the line;
 * hart 0 steals the tasks hart 1 queued (steal-one) but cannot see them under d-FCFS, where
 * hart 1 dequeues its own.
 *
 * Hart 1 runs `_hl_secondary` without the test runtime: it reports through memory (`h1_*`),
 * and a trap on it records its mcause in `h1_trap` and parks it. Every wait of hart 0 is
 * bounded. */
#define HL_MULTIHART
#include "test.h"
#include "taskctl.h"

#define SOURCE 30
#define P      TASK(0x601, 1, 1)
#define A      TASK(0x602, 2, 0)
#define B      TASK(0x603, 2, 0)
#define C      TASK(0x604, 0, 0)
#define SPINS  100000

/* Wait until the doubleword at `label` is nonzero (at most SPINS reads), else fail. */
.macro WAIT_SET label
  la a0, \label
  li a1, SPINS
.Lw\@:
  ld a2, 0(a0)
  bnez a2, .Lwok\@
  addi a1, a1, -1
  bnez a1, .Lw\@
  j _fail
.Lwok\@:
  fence r, rw
.endm

/* doubleword at label = 1 */
.macro SIGNAL label
  fence rw, w
  la a0, \label
  li a1, 1
  sd a1, 0(a0)
.endm

TEST_BEGIN
  TEST 1
  ASSERT_R64 TC_ALLOC, 0
  W64 TC_HART_KSET(1), 0
  W64 TC_IRQ_GRANT, GRANT(0, SOURCE)
  SIGNAL go
  WAIT_SET h1_bound
  ASSERT_R64 TC_SET_IRQ_HANDLER(0, SOURCE), P
  ASSERT_MEM h1_trap, 0

  TEST 2
  /* let hart 1 fall asleep, then fire: the handler goes to hart 1, and so does SSIP */
  SPIN 2000
  W64 TC_PULSE, SOURCE
  WAIT_SET h1_result
  ASSERT_MEM h1_result, P
  ASSERT_MEM h1_mip_before, MIP_SSIP
  ASSERT_MEM h1_mip_after, 0
  ASSERT_MIP MIP_SSIP, 0
  ASSERT_R64 TC_SET_COUNT(0, 0), 0
  ASSERT_MEM h1_trap, 0

  TEST 3
  /* steal-one: hart 1 queued A and B in its own queue; hart 0's empty queue takes them */
  WAIT_SET h1_queued
  ASSERT_R64 TC_SET_COUNT(0, 1), 2
  ASSERT_R64 TC_SET_DEQUEUE(0, 0), A
  ASSERT_R64 TC_SET_DEQUEUE(0, 0), B
  ASSERT_R64 TC_SET_DEQUEUE(0, 0), 0

  TEST 4
  /* d-FCFS: hart 1's task stays hart 1's */
  W64 TC_SET_CTRL(0), POLICY_DFCFS
  SIGNAL go2
  WAIT_SET h1_queued2
  ASSERT_R64 TC_SET_DEQUEUE(0, 0), 0
  ASSERT_R64 TC_SET_COUNT(0, 1), 1
  SIGNAL go3
  WAIT_SET h1_result2
  ASSERT_MEM h1_result2, C
  ASSERT_R64 TC_SET_COUNT(0, 1), 0
  ASSERT_MEM h1_trap, 0
  TEST_PASS
TEST_END

/* ---- hart 1 ---- */
  .text
  .align 2
_hl_secondary:
  la t1, h1_trapped
  csrw mtvec, t1
  csrw mie, zero
  /* wait for hart 0 (unbounded: hart 0's waits are bounded and fail the test) */
1:
  la a0, go
  ld a1, 0(a0)
  beqz a1, 1b
  fence r, rw
  /* bind the preempting handler from this hart */
  li a0, TC_SET_IRQ_HANDLER(0, SOURCE)
  li a1, P
  sd a1, 0(a0)
  SIGNAL h1_bound
  /* sleep until SSIP (mie.SSIE set, mstatus.MIE clear: WFI wakes, nothing is taken) */
  li a0, MIP_SSIP
  csrw mie, a0
2:
  wfi
  csrr a2, mip
  andi a2, a2, MIP_SSIP
  beqz a2, 2b
  csrw mie, zero
  la a0, h1_mip_before
  sd a2, 0(a0)
  li a0, TC_SET_DEQUEUE(0, 1)
  ld a3, 0(a0)
  csrr a2, mip
  andi a2, a2, MIP_SSIP
  la a0, h1_mip_after
  sd a2, 0(a0)
  fence rw, w
  la a0, h1_result
  sd a3, 0(a0)
  /* two tasks into this hart's queue */
  li a0, TC_SET_ENQUEUE(0, 1)
  li a1, A
  sd a1, 0(a0)
  li a1, B
  sd a1, 0(a0)
  SIGNAL h1_queued
3:
  la a0, go2
  ld a1, 0(a0)
  beqz a1, 3b
  fence r, rw
  li a0, TC_SET_ENQUEUE(0, 1)
  li a1, C
  sd a1, 0(a0)
  SIGNAL h1_queued2
4:
  la a0, go3
  ld a1, 0(a0)
  beqz a1, 4b
  fence r, rw
  li a0, TC_SET_DEQUEUE(0, 1)
  ld a3, 0(a0)
  fence rw, w
  la a0, h1_result2
  sd a3, 0(a0)
5:
  wfi
  j 5b

  .align 2
h1_trapped:
  csrr a1, mcause
  la a0, h1_trap
  sd a1, 0(a0)
  j 5b

  .data
  .align 3
go:            .dword 0
go2:           .dword 0
go3:           .dword 0
h1_bound:      .dword 0
h1_queued:     .dword 0
h1_queued2:    .dword 0
h1_result:     .dword 0
h1_result2:    .dword 0
h1_mip_before: .dword 0
h1_mip_after:  .dword 0
h1_trap:       .dword 0
