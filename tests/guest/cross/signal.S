/* One hart signals the other (run with 2 harts, timed, in M mode), in either direction:
 * SENDER (0 or 1) is the signalling hart, the other one receives. MECH chooses how:
 *
 *   1  an IPI: the sender writes the receiver's CLINT MSIP; the receiver spins (`j .`) with
 *      MSIE set and its handler's first instruction reads `cycle`;
 *   2  a polled store: the sender stores 1 to a line both harts hold; the receiver spins
 *      loading it and reads `cycle` once it sees the 1;
 *   3  ping-pong: the harts take turns incrementing a shared counter ROUNDS times, each
 *      spinning until the other has written the next value (the sender starts);
 *   4  a task-controller wake-up: the receiver owns set B, online as its hart's kernel set,
 *      with a preempting handler bound to channel 3; the sender SENDs to it from set A and
 *      the controller's SSIP interrupts the spinning receiver, whose handler's first
 *      instruction reads `cycle`.
 *
 * Hart 0 prints `latency=0x...`: for 1 and 2 the cycles from the sender's `csrr cycle` right
 * before its store to the receiver's `csrr cycle`; for 3 the mean cycles per round trip.
 * Harts share one clock and start together, so their `cycle` counters read the same time.
 * For tests/cross_hart.rs. */
#define HL_MULTIHART
#include "test.h"
#include "../taskctl/taskctl.h"

#ifndef SENDER
#define SENDER 1
#endif
#ifndef MECH
#define MECH 1
#endif
#define RECEIVER (1 - SENDER)
#define ROUNDS 64
/* MECH 4: the sets the receiver allocates (the controller hands out the lowest free). */
#define SET_A 0
#define SET_B 1
#define SPINS 1000000

/* Spin until the doubleword at \label is \value (at most SPINS reads), else fail. */
.macro WAIT_FOR label, value
  la t4, \label
  li t5, SPINS
.Lw\@:
  ld t6, 0(t4)
  li t3, \value
  beq t6, t3, .Lok\@
  addi t5, t5, -1
  bnez t5, .Lw\@
  j fail
.Lok\@:
.endm

/* ready = 1: the receiver is in place. */
.macro SIGNAL_READY
  fence rw, w
  la t4, ready
  li t5, 1
  sd t5, 0(t4)
.endm

TEST_BEGIN
  TEST 1
  jal ra, role
  WAIT_FOR done, 1
  TEST 2
  la t1, recv
  ld s4, 0(t1)
  la t1, sent
  ld s2, 0(t1)
  ASSERT_NE s4, 0
  ASSERT_NE s2, 0
  sub s4, s4, s2
#if MECH == 3
  li t1, ROUNDS / 2
  divu s4, s4, t1
#endif
  la a0, 9f
  call _hl_puts
  mv a0, s4
  call _hl_puthex
  li a0, '\n'
  call _hl_putc
  TEST_PASS
  .section .rodata
9: .asciz "latency="
  .text

/* ---------- both harts: play this hart's role, return with `ra` ---------- */
role:
  mv s10, ra
  csrr t0, mhartid
  li t1, SENDER
  beq t0, t1, sender

receiver:
#if MECH == 1 || MECH == 4
  la t1, ipi_trap
  csrw mtvec, t1
#if MECH == 1
  li t1, MIP_MSIP
#else
  R64 t2, TC_ALLOC
  li t1, SET_A
  bne t2, t1, fail
  R64 t2, TC_ALLOC
  li t1, SET_B
  bne t2, t1, fail
  W64 TC_CAP, CAP(SET_A, SET_B, 3)
  W64 TC_SET_CHAN_HANDLER(SET_B, 3), TASK(0x101, 0, 1)
  W64 TC_HART_KSET(RECEIVER), SET_B
  li t1, MIP_SSIP
#endif
  csrw mie, t1
  csrsi mstatus, MSTATUS_MIE
  SIGNAL_READY
1:
  j 1b
#elif MECH == 2
  la t1, flag
  ld t2, 0(t1)
  SIGNAL_READY
1:
  ld t2, 0(t1)
  beqz t2, 1b
  csrr s4, cycle
  la t1, recv
  sd s4, 0(t1)
  jr s10
#else
  SIGNAL_READY
  li s3, 2
1:
  addi t2, s3, -1
  la t1, ball
2:
  ld t3, 0(t1)
  bne t3, t2, 2b
  sd s3, 0(t1)
  addi s3, s3, 2
  li t2, ROUNDS
  ble s3, t2, 1b
  /* the receiver's part of `recv` is the sender's: nothing to record */
  jr s10
#endif

#if MECH == 1 || MECH == 4
  .align 6
ipi_trap:
  csrr s4, cycle
  csrw mie, zero
  csrci mstatus, MSTATUS_MIE
#if MECH == 1
  li t1, CLINT_MSIP + 4 * RECEIVER
  sw zero, 0(t1)
#else
  W64 TC_SET_ACK(SET_B), 0
#endif
  la t1, recv
  sd s4, 0(t1)
  la t1, h1_mtrap
  csrr t0, mhartid
  bnez t0, 1f
  la t1, _mtrap
1:
  csrw mtvec, t1
  jr s10
#endif

sender:
#if MECH == 2
  la t1, flag
  ld t2, 0(t1)
#endif
  WAIT_FOR ready, 1
  /* let the receiver settle into its loop */
  li t1, 300
1:
  addi t1, t1, -1
  bnez t1, 1b
#if MECH == 1
  li t1, CLINT_MSIP + 4 * RECEIVER
  li t2, 1
  csrr s2, cycle
  sw t2, 0(t1)
#elif MECH == 4
  li t1, TC_SET_SEND(SET_A)
  li t2, CHAN(SET_B, 3)
  csrr s2, cycle
  sd t2, 0(t1)
#elif MECH == 2
  la t1, flag
  li t2, 1
  csrr s2, cycle
  sd t2, 0(t1)
#else
  la t1, ball
  csrr s2, cycle
  li s3, 1
1:
  sd s3, 0(t1)
  addi t2, s3, 1
2:
  ld t3, 0(t1)
  bne t3, t2, 2b
  addi s3, s3, 2
  li t2, ROUNDS
  blt s3, t2, 1b
  csrr s4, cycle
  la t1, recv
  sd s4, 0(t1)
#endif
  la t1, sent
  sd s2, 0(t1)
  jr s10

/* ---------- hart 1 ---------- */
_hl_secondary:
  la t1, h1_mtrap
  csrw mtvec, t1
  jal ra, role
  fence rw, w
  la t1, done
  li t2, 1
  sd t2, 0(t1)
1:
  j 1b

/* a failed wait on hart 1, or any unexpected trap of hart 1: status 200 */
  .align 6
h1_mtrap:
fail:
  csrr t0, mhartid
  beqz t0, 1f
  li t1, (200 << 16) | FINISHER_FAIL
  li t2, FINISHER_BASE
  sw t1, 0(t2)
2:
  j 2b
1:
  ASSERT_EQ t0, 1
TEST_END

  .data
  .balign 64
ready: .dword 0
  .balign 64
done:  .dword 0
  .balign 64
flag:  .dword 0
  .balign 64
ball:  .dword 0
  .balign 64
sent:  .dword 0
recv:  .dword 0
