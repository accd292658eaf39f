/* Interrupt binding and wake-up from bare metal (1 hart, M mode as the kernel): a handler task
 * bound to the UART's source 10 enters its set's ready queue when the UART raises its line,
 * with no hart interrupt (the PLIC has nothing enabled, mie = 0); the binding is single-shot;
 * an edge with no handler bound is latched; binding needs a grant; the PULSE register; the
 * preempt flag raising SSIP (kernel set online) and USIP (user set online), the line
 * dropping on DEQUEUE or ACK, and a preempt request for an offline set raising its line when
 * the set comes online.
 *
 * Prints (for tests/task_controller.rs): wake_visible = cycles from the UART store that
 * raised the line to the poll that first saw the handler queued, poll = cycles of one poll,
 * dequeue = cycles of the DEQUEUE load that returned it, status = cycles of a STATUS load (a
 * device read costing nothing inside the controller). */
#include "test.h"
#include "taskctl.h"

#define H1 TASK(0x101, 2, 0)
#define H2 TASK(0x102, 2, 0)
#define H3 TASK(0x103, 1, 0)
#define P1 TASK(0x201, 0, 1)
#define P2 TASK(0x202, 0, 1)
#define U1 TASK(0x301, 0, 1)
#define U2 TASK(0x302, 0, 1)

TEST_BEGIN
  /* UART interrupts off, so that the first edge is ours */
  li a0, UART_IER
  sb zero, 0(a0)

  TEST 1
  ASSERT_R64 TC_ALLOC, 0
  /* binding an ungranted source is refused */
  W64 TC_SET_IRQ_HANDLER(0, UART_IRQ), H1
  TAKE_ERROR 0, E_NO_PERMISSION
  ASSERT_R64 TC_SET_IRQ_HANDLER(0, UART_IRQ), 0
  W64 TC_IRQ_GRANT, GRANT(0, UART_IRQ)
  W64 TC_SET_IRQ_HANDLER(0, UART_IRQ), H1
  ASSERT_R64 TC_SET_IRQ_HANDLER(0, UART_IRQ), H1
  ASSERT_R64 TC_SET_ERROR(0), 0

  TEST 2
  /* the UART raises source 10: the handler is queued without any hart interrupt */
  li s0, UART_IER
  li s1, IER_ETBEI
  li s6, TC_SET_COUNT(0, 0)
  csrr s7, mcycle
  sb s1, 0(s0)
1:
  ld a2, 0(s6)
  beqz a2, 1b
  csrr s8, mcycle
  sub s8, s8, s7
  /* one more poll, timed (warm) */
  MEASURE s9, ld a2, 0(s6)
  ASSERT_EQ a2, 1
  ASSERT_MIP (MIP_USIP | MIP_SSIP | MIP_MEIP | MIP_SEIP), 0
  /* the binding was consumed */
  ASSERT_R64 TC_SET_IRQ_HANDLER(0, UART_IRQ), 0
  /* dequeued with one load; then empty */
  li s6, TC_SET_DEQUEUE(0, 0)
  csrr s7, mcycle
  ld s3, 0(s6)
  csrr s10, mcycle
  sub s10, s10, s7
  ASSERT_EQ s3, H1
  li s6, TC_SET_STATUS(0)
  csrr s7, mcycle
  ld s4, 0(s6)
  csrr s4, mcycle
  sub s4, s4, s7
  ASSERT_R64 TC_SET_DEQUEUE(0, 0), 0
  PRINT wake_visible, s8
  PRINT poll, s9
  PRINT dequeue, s10
  PRINT status, s4

  TEST 3
  /* the line staying high is no new edge: a new binding waits for the next one */
  W64 TC_SET_IRQ_HANDLER(0, UART_IRQ), H2
  SPIN 200
  ASSERT_R64 TC_SET_COUNT(0, 0), 0
  UART_EDGE
  WAIT_R64 TC_SET_COUNT(0, 0), 1
  ASSERT_R64 TC_SET_DEQUEUE(0, 0), H2

  TEST 4
  /* an edge while nothing is bound is latched, and wakes the next handler bound */
  UART_EDGE
  SPIN 200
  ASSERT_R64 TC_SET_COUNT(0, 0), 0
  W64 TC_SET_IRQ_HANDLER(0, UART_IRQ), H3
  WAIT_R64 TC_SET_COUNT(0, 0), 1
  ASSERT_R64 TC_SET_DEQUEUE(0, 0), H3
  ASSERT_MIP (MIP_USIP | MIP_SSIP | MIP_MEIP | MIP_SEIP), 0

  TEST 5
  /* preempt flag, kernel set online on this hart: SSIP, taken as an interrupt */
  W64 TC_HART_KSET(0), 0
  ASSERT_R64 TC_HART_KSET(0), 0
  W64 TC_SET_IRQ_HANDLER(0, UART_IRQ), P1
  UART_EDGE
  WAIT_MIP MIP_SSIP, MIP_SSIP
  ASSERT_MIP MIP_USIP, 0
  li a0, MIP_SSIP
  csrw mie, a0
  EXPECT_TRAP (IRQ_BIT | IRQ_S_SOFT), ANY, 2f
  csrsi mstatus, MSTATUS_MIE
1:
  j _fail
2:
  ASSERT_TRAPPED
  csrci mstatus, MSTATUS_MIE
  /* taking the interrupt does not drop the line: the DEQUEUE does */
  ASSERT_MIP MIP_SSIP, MIP_SSIP
  ASSERT_R64 TC_SET_DEQUEUE(0, 0), P1
  ASSERT_MIP MIP_SSIP, 0

  TEST 6
  /* ... or an ACK */
  W64 TC_SET_IRQ_HANDLER(0, UART_IRQ), P2
  UART_EDGE
  WAIT_MIP MIP_SSIP, MIP_SSIP
  W64 TC_SET_ACK(0), 0
  ASSERT_MIP MIP_SSIP, 0
  ASSERT_R64 TC_SET_COUNT(0, 0), 1
  ASSERT_R64 TC_SET_DEQUEUE(0, 0), P2

  TEST 7
  /* a user set online on this hart: USIP */
  ASSERT_R64 TC_ALLOC, 1
  W64 TC_HART_USET(0), 1
  W64 TC_IRQ_GRANT, GRANT(1, UART_IRQ)
  W64 TC_SET_IRQ_HANDLER(1, UART_IRQ), U1
  UART_EDGE
  WAIT_MIP MIP_USIP, MIP_USIP
  ASSERT_MIP MIP_SSIP, 0
  ASSERT_R64 TC_SET_COUNT(0, 0), 0
  ASSERT_R64 TC_SET_DEQUEUE(1, 0), U1
  ASSERT_MIP MIP_USIP, 0

  TEST 8
  /* the user set offline: the task waits in its queue, no line; online again: USIP */
  W64 TC_HART_USET(0), -1
  ASSERT_R64 TC_HART_USET(0), -1
  W64 TC_SET_IRQ_HANDLER(1, UART_IRQ), U2
  UART_EDGE
  WAIT_R64 TC_SET_COUNT(1, 0), 1
  SPIN 200
  ASSERT_MIP MIP_USIP, 0
  W64 TC_HART_USET(0), 1
  ASSERT_MIP MIP_USIP, MIP_USIP
  ASSERT_R64 TC_SET_DEQUEUE(1, 0), U2
  ASSERT_MIP MIP_USIP, 0

  TEST 9
  /* PULSE: an edge on a source without touching any device */
  W64 TC_IRQ_GRANT, GRANT(1, 20)
  W64 TC_SET_IRQ_HANDLER(1, 20), H1
  W64 TC_PULSE, 20
  WAIT_R64 TC_SET_COUNT(1, 0), 1
  ASSERT_R64 TC_SET_DEQUEUE(1, 0), H1
  /* the grant moved source 10 to set 1: set 0 may no longer bind it */
  W64 TC_SET_IRQ_HANDLER(0, UART_IRQ), H1
  TAKE_ERROR 0, E_NO_PERMISSION
  W64 TC_PULSE, 0
  TAKE_GERROR E_BAD_INDEX

  /* quiet again */
  li a0, UART_IER
  sb zero, 0(a0)
  csrw mie, zero
  TEST_PASS
TEST_END
