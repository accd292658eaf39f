/* Task controller queues from bare metal (run with 2 harts; hart 1 parks, hart 0 addresses
 * both local queues): identification, allocation, priority order and FIFO within a priority,
 * the three local-queue policies (d-FCFS, steal-one, c-FCFS), capacity exhaustion and the
 * error register, and running out of sets.
 *
 * Build-time parameters (the Rust test passes the machine's configuration): POLICY = the
 * CTRL code a new set starts with, CAPACITY = entries per set, SETS = queue sets. */
#include "test.h"
#include "taskctl.h"

#ifndef POLICY
#define POLICY POLICY_STEAL
#endif
#ifndef CAPACITY
#define CAPACITY 64
#endif
#ifndef SETS
#define SETS 16
#endif

TEST_BEGIN
  TEST 1
  ASSERT_R64 TC_ID, TC_ID_VALUE
  /* sets, capacity, 8 priorities, 64 channels, 2 harts */
  ASSERT_R64 TC_CONFIG, (SETS | (CAPACITY << 16) | (8 << 32) | (64 << 40) | (2 << 48))

  TEST 2
  /* the first set is 0, allocated, with the configured policy, empty */
  ASSERT_R64 TC_SET_STATUS(0), 0
  ASSERT_R64 TC_ALLOC, 0
  ASSERT_R64 TC_SET_STATUS(0), (1 | (POLICY << 1))
  ASSERT_R64 TC_SET_CTRL(0), POLICY
  ASSERT_R64 TC_SET_DEQUEUE(0, 0), 0
  ASSERT_R64 TC_SET_ERROR(0), 0

  TEST 3
  /* highest priority (lowest number) first, FIFO within a priority */
  W64 TC_SET_CTRL(0), POLICY_DFCFS
  W64 TC_SET_ENQUEUE(0, 0), TASK(1, 5, 0)
  W64 TC_SET_ENQUEUE(0, 0), TASK(2, 0, 0)
  W64 TC_SET_ENQUEUE(0, 0), TASK(3, 7, 1)
  W64 TC_SET_ENQUEUE(0, 0), TASK(4, 5, 0)
  W64 TC_SET_ENQUEUE(0, 0), TASK(5, 0, 1)
  W64 TC_SET_ENQUEUE(0, 0), TASK(6, 3, 0)
  ASSERT_R64 TC_SET_COUNT(0, 0), 6
  ASSERT_R64 TC_SET_STATUS(0), (1 | (POLICY_DFCFS << 1) | (6 << 16))
  ASSERT_R64 TC_SET_DEQUEUE(0, 0), TASK(2, 0, 0)
  ASSERT_R64 TC_SET_DEQUEUE(0, 0), TASK(5, 0, 1)
  ASSERT_R64 TC_SET_DEQUEUE(0, 0), TASK(6, 3, 0)
  ASSERT_R64 TC_SET_DEQUEUE(0, 0), TASK(1, 5, 0)
  ASSERT_R64 TC_SET_DEQUEUE(0, 0), TASK(4, 5, 0)
  ASSERT_R64 TC_SET_DEQUEUE(0, 0), TASK(3, 7, 1)
  ASSERT_R64 TC_SET_DEQUEUE(0, 0), 0
  ASSERT_R64 TC_SET_ERROR(0), 0

  TEST 4
  /* d-FCFS: a task in hart 1's queue is invisible to hart 0's */
  W64 TC_SET_ENQUEUE(0, 1), TASK(7, 2, 0)
  ASSERT_R64 TC_SET_DEQUEUE(0, 0), 0
  ASSERT_R64 TC_SET_COUNT(0, 0), 0
  ASSERT_R64 TC_SET_COUNT(0, 1), 1
  ASSERT_R64 TC_SET_DEQUEUE(0, 1), TASK(7, 2, 0)
  ASSERT_R64 TC_SET_DEQUEUE(0, 1), 0

  TEST 5
  /* steal-one: an empty local queue takes one task from the other, best priority first;
   * its own tasks come first, whatever their priority */
  W64 TC_SET_CTRL(0), POLICY_STEAL
  ASSERT_R64 TC_SET_CTRL(0), POLICY_STEAL
  W64 TC_SET_ENQUEUE(0, 1), TASK(8, 3, 0)
  W64 TC_SET_ENQUEUE(0, 1), TASK(9, 1, 0)
  W64 TC_SET_ENQUEUE(0, 0), TASK(10, 6, 0)
  ASSERT_R64 TC_SET_DEQUEUE(0, 0), TASK(10, 6, 0)
  ASSERT_R64 TC_SET_DEQUEUE(0, 0), TASK(9, 1, 0)
  ASSERT_R64 TC_SET_COUNT(0, 1), 1
  ASSERT_R64 TC_SET_DEQUEUE(0, 0), TASK(8, 3, 0)
  ASSERT_R64 TC_SET_DEQUEUE(0, 0), 0
  ASSERT_R64 TC_SET_DEQUEUE(0, 1), 0

  TEST 6
  /* c-FCFS: one queue for both harts, FIFO across them */
  W64 TC_SET_CTRL(0), POLICY_CFCFS
  ASSERT_R64 TC_SET_CTRL(0), POLICY_CFCFS
  W64 TC_SET_ENQUEUE(0, 1), TASK(11, 4, 0)
  W64 TC_SET_ENQUEUE(0, 0), TASK(12, 4, 0)
  ASSERT_R64 TC_SET_COUNT(0, 0), 2
  ASSERT_R64 TC_SET_COUNT(0, 1), 2
  ASSERT_R64 TC_SET_DEQUEUE(0, 1), TASK(11, 4, 0)
  ASSERT_R64 TC_SET_DEQUEUE(0, 0), TASK(12, 4, 0)
  ASSERT_R64 TC_SET_DEQUEUE(0, 1), 0

  TEST 7
  /* switching to c-FCFS merges the local queues: queue 0's tasks, then queue 1's */
  W64 TC_SET_CTRL(0), POLICY_DFCFS
  W64 TC_SET_ENQUEUE(0, 1), TASK(13, 2, 0)
  W64 TC_SET_ENQUEUE(0, 0), TASK(14, 2, 0)
  W64 TC_SET_CTRL(0), POLICY_CFCFS
  ASSERT_R64 TC_SET_DEQUEUE(0, 1), TASK(14, 2, 0)
  ASSERT_R64 TC_SET_DEQUEUE(0, 1), TASK(13, 2, 0)
  /* CTRL = 0 is the configured default */
  W64 TC_SET_CTRL(0), 0
  ASSERT_R64 TC_SET_CTRL(0), POLICY

  TEST 8
  /* capacity: CAPACITY entries over both local queues, then QUEUE_FULL and nothing stored */
  W64 TC_SET_CTRL(0), POLICY_DFCFS
  li s6, 0
1:
  andi a3, s6, 1                 /* alternate local queues */
  slli a3, a3, 3
  li a0, TC_SET_ENQUEUE(0, 0)
  add a0, a0, a3
  addi a1, s6, 1
  slli a1, a1, 6                 /* TASK(i + 1, 0, 0) */
  sd a1, 0(a0)
  addi s6, s6, 1
  li t0, CAPACITY
  bltu s6, t0, 1b
  ASSERT_R64 TC_SET_ERROR(0), 0
  R64 a2, TC_SET_STATUS(0)
  srli a2, a2, 16
  ASSERT_EQ a2, CAPACITY
  W64 TC_SET_ENQUEUE(0, 1), TASK(999, 0, 0)
  TAKE_ERROR 0, E_QUEUE_FULL
  ASSERT_R64 TC_SET_ERROR(0), 0
  /* drain: CAPACITY tasks in order, none of them the rejected one */
  li s6, 0
  li s7, 0
2:
  andi a3, s6, 1
  slli a3, a3, 3
  li a0, TC_SET_DEQUEUE(0, 0)
  add a0, a0, a3
  ld a2, 0(a0)
  beqz a2, 3f
  addi s7, s7, 1
  addi a1, s6, 1
  slli a1, a1, 6
  ASSERT_EQR a2, a1
  addi s6, s6, 1
  j 2b
3:
  ASSERT_EQ s7, CAPACITY
  ASSERT_R64 TC_SET_STATUS(0), (1 | (POLICY_DFCFS << 1))

  TEST 9
  /* errors name their cause and change nothing */
  W64 TC_SET_ENQUEUE(0, 0), TASK(1, 8, 0)          /* priority 8 of 8 */
  TAKE_ERROR 0, E_BAD_INDEX
  W64 TC_SET_ENQUEUE(0, 2), TASK(1, 0, 0)          /* local queue of a third hart */
  ASSERT_R64 TC_SET_DEQUEUE(0, 2), 0
  TAKE_ERROR 0, E_BAD_INDEX
  W64 TC_SET_ENQUEUE(0, 0), 0                      /* no task */
  TAKE_ERROR 0, E_BAD_TASK
  W64 TC_SET_ENQUEUE(SETS - 1, 0), TASK(1, 0, 0)   /* a set nobody allocated */
  ASSERT_R64 TC_SET_DEQUEUE(SETS - 1, 0), 0
  TAKE_ERROR (SETS - 1), E_NOT_INIT
  /* errors are sticky until written back */
  W64 TC_SET_ENQUEUE(0, 0), 0
  W64 TC_SET_ENQUEUE(0, 0), TASK(1, 31, 0)
  ASSERT_R64 TC_SET_ERROR(0), (E_BAD_TASK | E_BAD_INDEX)
  W64 TC_SET_ERROR(0), E_BAD_TASK
  ASSERT_R64 TC_SET_ERROR(0), E_BAD_INDEX
  W64 TC_SET_ERROR(0), -1
  ASSERT_R64 TC_SET_STATUS(0), (1 | (POLICY_DFCFS << 1))
  ASSERT_R64 TC_ERROR, 0

  TEST 10
  /* sets run out: the next ALLOC returns all ones with QUEUE_FULL; FREE makes room */
  li s6, 1
1:
  R64 a2, TC_ALLOC
  ASSERT_EQR a2, s6
  addi s6, s6, 1
  li t0, SETS
  bltu s6, t0, 1b
  ASSERT_R64 TC_ALLOC, -1
  TAKE_GERROR E_QUEUE_FULL
  W64 TC_FREE, 1
  ASSERT_R64 TC_SET_STATUS(1), 0
  ASSERT_R64 TC_ALLOC, 1
  W64 TC_FREE, SETS
  TAKE_GERROR E_BAD_INDEX
  TEST_PASS
TEST_END
