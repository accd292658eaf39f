/* IPC through the task controller from bare metal (1 hart, M mode as the kernel): a send
 * needs a capability the kernel registered (an unregistered send sets NO_PERMISSION and wakes
 * nothing); a permitted send wakes the receiver's handler; a send with no handler bound is
 * latched; capabilities are per channel and direction and can be revoked; a send to an
 * offline set is held in the device and raises the set's USIP when the set comes online; a
 * send to a full set fails with QUEUE_FULL for both sides. */
#include "test.h"
#include "taskctl.h"

#ifndef CAPACITY
#define CAPACITY 64
#endif

#define A 0
#define B 1
#define H1 TASK(0x401, 3, 0)
#define H2 TASK(0x402, 3, 0)
#define P1 TASK(0x501, 0, 1)

TEST_BEGIN
  ASSERT_R64 TC_ALLOC, A
  ASSERT_R64 TC_ALLOC, B

  TEST 1
  /* no capability: refused, nothing woken, the handler stays bound */
  W64 TC_SET_CHAN_HANDLER(B, 3), H1
  W64 TC_SET_SEND(A), CHAN(B, 3)
  TAKE_ERROR A, E_NO_PERMISSION
  ASSERT_R64 TC_SET_ERROR(B), 0
  SPIN 200
  ASSERT_R64 TC_SET_COUNT(B, 0), 0
  ASSERT_R64 TC_SET_STATUS(B), (1 | (POLICY_STEAL << 1))
  ASSERT_R64 TC_SET_CHAN_HANDLER(B, 3), H1

  TEST 2
  /* with the capability: the handler is woken in B's queue, and consumed */
  W64 TC_CAP, CAP(A, B, 3)
  ASSERT_R64 TC_ERROR, 0
  W64 TC_SET_SEND(A), CHAN(B, 3)
  ASSERT_R64 TC_SET_ERROR(A), 0
  WAIT_R64 TC_SET_COUNT(B, 0), 1
  ASSERT_R64 TC_SET_CHAN_HANDLER(B, 3), 0
  ASSERT_R64 TC_SET_DEQUEUE(B, 0), H1
  ASSERT_R64 TC_SET_COUNT(A, 0), 0

  TEST 3
  /* no handler bound: latched, delivered on binding */
  W64 TC_SET_SEND(A), CHAN(B, 3)
  ASSERT_R64 TC_SET_CHAN_PENDING(B), (1 << 3)
  SPIN 200
  ASSERT_R64 TC_SET_COUNT(B, 0), 0
  W64 TC_SET_CHAN_HANDLER(B, 3), H2
  ASSERT_R64 TC_SET_CHAN_PENDING(B), 0
  WAIT_R64 TC_SET_COUNT(B, 0), 1
  ASSERT_R64 TC_SET_DEQUEUE(B, 0), H2

  TEST 4
  /* a capability is for one channel, one direction */
  W64 TC_SET_CHAN_HANDLER(A, 3), H1
  W64 TC_SET_SEND(B), CHAN(A, 3)
  TAKE_ERROR B, E_NO_PERMISSION
  W64 TC_SET_SEND(A), CHAN(B, 4)
  TAKE_ERROR A, E_NO_PERMISSION
  ASSERT_R64 TC_SET_CHAN_HANDLER(A, 3), H1

  TEST 5
  /* revoked */
  W64 TC_CAP, (REVOKE | CAP(A, B, 3))
  W64 TC_SET_CHAN_HANDLER(B, 3), H1
  W64 TC_SET_SEND(A), CHAN(B, 3)
  TAKE_ERROR A, E_NO_PERMISSION
  ASSERT_R64 TC_SET_CHAN_HANDLER(B, 3), H1

  TEST 6
  /* A runs on this hart, B is offline: a preempting send to B is held, no line; B comes
   * online: USIP; the dequeue takes it and drops the line */
  W64 TC_HART_USET(0), A
  W64 TC_CAP, CAP(A, B, 4)
  W64 TC_SET_CHAN_HANDLER(B, 4), P1
  W64 TC_SET_SEND(A), CHAN(B, 4)
  ASSERT_R64 TC_SET_ERROR(A), 0
  WAIT_R64 TC_SET_COUNT(B, 0), 1
  SPIN 200
  ASSERT_MIP MIP_USIP, 0
  W64 TC_HART_USET(0), B
  ASSERT_MIP MIP_USIP, MIP_USIP
  ASSERT_R64 TC_SET_DEQUEUE(B, 0), P1
  ASSERT_MIP MIP_USIP, 0
  W64 TC_HART_USET(0), -1

  TEST 7
  /* sends to a set nobody allocated, or to a channel that does not exist */
  W64 TC_SET_SEND(A), CHAN(7, 4)
  TAKE_ERROR A, E_NOT_INIT
  W64 TC_SET_SEND(A), CHAN(B, 64)
  TAKE_ERROR A, E_BAD_INDEX
  W64 TC_CAP, CAP(A, 7, 1)
  TAKE_GERROR E_NOT_INIT

  TEST 8
  /* a send into a full set: QUEUE_FULL for sender and receiver, the handler stays bound */
  li s6, 0
1:
  W64 TC_SET_ENQUEUE(B, 0), TASK(9, 7, 0)
  addi s6, s6, 1
  li t0, CAPACITY
  bltu s6, t0, 1b
  ASSERT_R64 TC_SET_ERROR(B), 0
  W64 TC_SET_CHAN_HANDLER(B, 4), H2
  W64 TC_SET_SEND(A), CHAN(B, 4)
  TAKE_ERROR A, E_QUEUE_FULL
  TAKE_ERROR B, E_QUEUE_FULL
  ASSERT_R64 TC_SET_CHAN_HANDLER(B, 4), H2
  /* room for one: the next send gets through, ahead of the priority-7 tasks */
  ASSERT_R64 TC_SET_DEQUEUE(B, 0), TASK(9, 7, 0)
  W64 TC_SET_SEND(A), CHAN(B, 4)
  ASSERT_R64 TC_SET_ERROR(A), 0
  SPIN 100
  ASSERT_R64 TC_SET_DEQUEUE(B, 0), H2
  TEST_PASS
TEST_END
