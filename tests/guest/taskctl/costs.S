/* Per-operation cycle costs of the task controller as a hart sees them (2 harts, hart 1
 * parks; M mode).
 * Every figure is the mcycle difference across one access (the second of two runs, with
 * warm caches); tests/task_controller.rs runs this program under two configurations and
 * checks that each figure moves by exactly the change of its configured cost, and that within
 * one run each operation costs its configured cycles more than a plain device access.
 *
 * Prints: none (two mcycle reads back to back), load (STATUS, no cost inside the controller),
 * store (ERROR written with 0, no cost inside), enqueue, dequeue, dequeue_empty, steal,
 * register (a channel handler binding), send, alloc. */
#include "test.h"
#include "taskctl.h"

TEST_BEGIN
  TEST 1
  ASSERT_R64 TC_ALLOC, 0
  W64 TC_SET_CTRL(0), POLICY_STEAL
  W64 TC_CAP, CAP(0, 0, 1)
  ASSERT_R64 TC_ERROR, 0

  li s0, TC_SET(0)
  li s1, TASK(1, 0, 0)

  MEASURE s6, nop
  csrr s3, mcycle
  csrr s4, mcycle
  sub s6, s4, s3
  PRINT none, s6

  MEASURE s6, ld a3, 0x008(s0)                 /* STATUS */
  PRINT load, s6
  MEASURE s6, sd zero, 0x010(s0)               /* ERROR, writing 0 clears nothing */
  PRINT store, s6

  TEST 2
  /* two enqueues into local queue 0, two dequeues from it */
  li s7, 0x1000
  add s7, s7, s0                               /* ENQUEUE[0] */
  MEASURE s6, sd s1, 0(s7)
  PRINT enqueue, s6
  ASSERT_R64 TC_SET_COUNT(0, 0), 2
  li s7, 0x2000
  add s7, s7, s0                               /* DEQUEUE[0] */
  MEASURE s6, ld a3, 0(s7)
  PRINT dequeue, s6
  ASSERT_EQ a3, TASK(1, 0, 0)
  MEASURE s6, ld a3, 0(s7)
  PRINT dequeue_empty, s6
  ASSERT_EQ a3, 0

  TEST 3
  /* local queue 0 empty, two tasks in hart 1's queue (the machine has 2 harts; hart 1
   * parks): each dequeue steals one */
  W64 TC_SET_ENQUEUE(0, 1), TASK(2, 0, 0)
  W64 TC_SET_ENQUEUE(0, 1), TASK(3, 0, 0)
  MEASURE s6, ld a3, 0(s7)
  PRINT steal, s6
  ASSERT_EQ a3, TASK(3, 0, 0)
  ASSERT_R64 TC_SET_COUNT(0, 1), 0

  TEST 4
  li s7, 0x808
  add s7, s7, s0                               /* CHAN_HANDLER[1] */
  MEASURE s6, sd s1, 0(s7)
  PRINT register, s6
  ASSERT_R64 TC_SET_CHAN_HANDLER(0, 1), TASK(1, 0, 0)
  W64 TC_SET_CHAN_HANDLER(0, 1), 0
  li s8, CHAN(0, 1)
  MEASURE s6, sd s8, 0x018(s0)                 /* SEND to our own channel 1: latched */
  PRINT send, s6
  ASSERT_R64 TC_SET_ERROR(0), 0
  ASSERT_R64 TC_SET_CHAN_PENDING(0), (1 << 1)
  li s7, TC_ALLOC
  MEASURE s6, ld a3, 0(s7)
  PRINT alloc, s6
  ASSERT_EQ a3, 2
  ASSERT_R64 TC_SET_ERROR(0), 0
  TEST_PASS
TEST_END
