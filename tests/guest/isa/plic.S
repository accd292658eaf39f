/* External interrupts through the PLIC (QEMU virt layout at 0x0c00_0000; context 0 = hart 0
 * M mode, context 1 = hart 0 S mode), with the NS16550A UART (source 10) as the device: its
 * THR-empty interrupt (IER.ETBEI) holds its line high for as long as it is enabled, since the
 * transmitter is idle. (The receive path needs input, so only THRE is used.)
 *
 * Checked: priority / enable / threshold registers (3-bit priorities, WARL); the line making
 * source 10 pending; enable and threshold masking (priority <= threshold never delivered,
 * priority 0 never); mip.MEIP following the context-0 output; MEI taken in M (mcause =
 * interrupt | 11, mepc = the next instruction); claim returning 10 and clearing the pending bit
 * and MEIP, a second claim returning 0; completion with the line still high making the source
 * pending (and MEI taken) again; completion after the line dropped leaving nothing pending;
 * a claim being global (claiming through context 0 also drops context 1's request); SEI through
 * context 1 delegated with mideleg and taken in S (scause = interrupt | 9), claimed and
 * completed from S.
 *
 * QEMU 7.2's PLIC gateway samples the source only when the device drives its line, so after a
 * completion the test writes FCR (with its current value, 0) to make the UART drive its
 * (unchanged) level again before it expects the new request. It also lets the level of an
 * unclaimed source clear its pending bit, which the PLIC specification leaves open: no check
 * depends on the pending bit after the line dropped before a claim. And it does not
 * re-evaluate its outputs when an enable register is written, so every enable write here is
 * followed by a write of the context's threshold (with its current value), which does. */
#include "test.h"

#define PLIC_BASE       0x0c000000
#define PLIC_PRIO(src)  (PLIC_BASE + 4 * (src))
#define PLIC_PENDING    (PLIC_BASE + 0x1000)
#define PLIC_ENABLE(c)  (PLIC_BASE + 0x2000 + 0x80 * (c))
#define PLIC_THRESH(c)  (PLIC_BASE + 0x200000 + 0x1000 * (c))
#define PLIC_CLAIM(c)   (PLIC_BASE + 0x200004 + 0x1000 * (c))
#define CTX_M 0
#define CTX_S 1

#define UART_IRQ        10
#define UART_IER        (UART_BASE + 1)
#define UART_IIR_FCR    (UART_BASE + 2)
#define IER_ETBEI       0x02

/* 32-bit PLIC register write / read (a0 / a1 scratch; t5 / t6 untouched) */
.macro W32 addr, val
  li a0, \addr
  li a1, \val
  sw a1, 0(a0)
.endm
.macro R32 reg, addr
  li a0, \addr
  lwu \reg, 0(a0)
.endm
/* enable register of context c := val, then rewrite the threshold (QEMU 7.2, see above) */
.macro ENABLE c, val, thresh=0
  W32 PLIC_ENABLE(\c), \val
  W32 PLIC_THRESH(\c), \thresh
.endm
/* UART register byte write */
.macro UART_W addr, val
  li a0, \addr
  li a1, \val
  sb a1, 0(a0)
.endm
/* Make the UART drive its interrupt line again without changing anything (see above) */
.macro UART_POKE
  UART_W UART_IIR_FCR, 0
.endm

/* pending bit of the UART's source */
.macro ASSERT_PENDING val
  R32 a2, PLIC_PENDING
  srli a2, a2, UART_IRQ
  andi a2, a2, 1
  ASSERT_EQ a2, \val
.endm
/* mip bits MEIP / SEIP */
.macro ASSERT_EIP val
  csrr a2, mip
  ASSERT_MASKED a2, MIP_MEIP | MIP_SEIP, \val
.endm

TEST_BEGIN
  /* a known state: UART interrupts off, source 10 at priority 0, nothing enabled */
  UART_W UART_IER, 0
  W32 PLIC_PRIO(UART_IRQ), 0
  W32 PLIC_ENABLE(CTX_M), 0
  W32 PLIC_ENABLE(CTX_S), 0
  W32 PLIC_THRESH(CTX_M), 0
  W32 PLIC_THRESH(CTX_S), 0

  /* ---- registers ---- */
  TEST 1
  /* priorities have 3 bits (QEMU virt): WARL */
  W32 PLIC_PRIO(UART_IRQ), 0xffffffff
  R32 a2, PLIC_PRIO(UART_IRQ)
  ASSERT_EQ a2, 7
  W32 PLIC_PRIO(UART_IRQ), 1
  R32 a2, PLIC_PRIO(UART_IRQ)
  ASSERT_EQ a2, 1
  TEST 2
  W32 PLIC_ENABLE(CTX_M), (1 << UART_IRQ)
  R32 a2, PLIC_ENABLE(CTX_M)
  ASSERT_EQ a2, (1 << UART_IRQ)
  W32 PLIC_ENABLE(CTX_M), 0
  R32 a2, PLIC_ENABLE(CTX_M)
  ASSERT_EQ a2, 0
  W32 PLIC_THRESH(CTX_M), 5
  R32 a2, PLIC_THRESH(CTX_M)
  ASSERT_EQ a2, 5
  W32 PLIC_THRESH(CTX_M), 0
  R32 a2, PLIC_THRESH(CTX_S)
  ASSERT_EQ a2, 0

  /* ---- the line ---- */
  TEST 3
  /* line low: nothing pending, no request */
  ASSERT_PENDING 0
  ASSERT_EIP 0
  R32 a2, PLIC_CLAIM(CTX_M)
  ASSERT_EQ a2, 0
  TEST 4
  /* THRE interrupt enabled: the line goes high and source 10 becomes pending; not enabled in
   * any context, so no request */
  UART_W UART_IER, IER_ETBEI
  ASSERT_PENDING 1
  ASSERT_EIP 0
  TEST 5
  /* not enabled: claim returns 0 and leaves it pending */
  R32 a2, PLIC_CLAIM(CTX_M)
  ASSERT_EQ a2, 0
  ASSERT_PENDING 1

  /* ---- enable and threshold masking ---- */
  TEST 10
  /* enabled for context 0 at priority 1 > threshold 0: MEIP */
  ENABLE CTX_M, (1 << UART_IRQ)
  ASSERT_EIP MIP_MEIP
  /* enable off again: no request, still pending */
  ENABLE CTX_M, 0
  ASSERT_EIP 0
  ASSERT_PENDING 1
  ENABLE CTX_M, (1 << UART_IRQ)
  ASSERT_EIP MIP_MEIP
  TEST 11
  /* threshold = priority: masked, and a claim finds nothing */
  W32 PLIC_THRESH(CTX_M), 1
  ASSERT_EIP 0
  R32 a2, PLIC_CLAIM(CTX_M)
  ASSERT_EQ a2, 0
  ASSERT_PENDING 1
  TEST 12
  /* priority 3 vs threshold 3: masked; threshold 2: delivered */
  W32 PLIC_PRIO(UART_IRQ), 3
  W32 PLIC_THRESH(CTX_M), 3
  ASSERT_EIP 0
  W32 PLIC_THRESH(CTX_M), 2
  ASSERT_EIP MIP_MEIP
  W32 PLIC_THRESH(CTX_M), 7
  ASSERT_EIP 0
  W32 PLIC_THRESH(CTX_M), 0
  ASSERT_EIP MIP_MEIP
  TEST 13
  /* priority 0 never interrupts, even with threshold 0 */
  W32 PLIC_PRIO(UART_IRQ), 0
  ASSERT_EIP 0
  R32 a2, PLIC_CLAIM(CTX_M)
  ASSERT_EQ a2, 0
  W32 PLIC_PRIO(UART_IRQ), 1
  ASSERT_EIP MIP_MEIP

  /* ---- MEI in M ---- */
  TEST 20
  /* MEIE = 0 or MIE = 0: not taken */
  csrsi mstatus, MSTATUS_MIE
  nop
  csrci mstatus, MSTATUS_MIE
  li a0, MIP_MEIP
  csrw mie, a0
  nop
  nop
  /* MIE = 1: taken right after the csrs, mcause = interrupt | 11, mtval = 0 */
  li a5, 0
  EXPECT_TRAP (IRQ_BIT | IRQ_M_EXT), 1f, 2f, tval=a5
  csrsi mstatus, MSTATUS_MIE
1:
  j _fail
2:
  ASSERT_TRAPPED
  csrci mstatus, MSTATUS_MIE
  /* taking the trap does not claim: still requested */
  ASSERT_EIP MIP_MEIP
  ASSERT_PENDING 1
  TEST 21
  /* claim: 10, the pending bit and MEIP clear */
  R32 a2, PLIC_CLAIM(CTX_M)
  ASSERT_EQ a2, UART_IRQ
  ASSERT_PENDING 0
  ASSERT_EIP 0
  TEST 22
  /* in service: a second claim returns 0 */
  R32 a2, PLIC_CLAIM(CTX_M)
  ASSERT_EQ a2, 0
  ASSERT_EIP 0

  /* ---- completion ---- */
  TEST 30
  /* the line is still high: after completion the source is pending again */
  W32 PLIC_CLAIM(CTX_M), UART_IRQ
  UART_POKE
  ASSERT_PENDING 1
  ASSERT_EIP MIP_MEIP
  TEST 31
  /* ...and MEI is taken again */
  li a0, MIP_MEIP
  csrw mie, a0
  EXPECT_TRAP (IRQ_BIT | IRQ_M_EXT), 1f, 2f
  csrsi mstatus, MSTATUS_MIE
1:
  j _fail
2:
  ASSERT_TRAPPED
  csrci mstatus, MSTATUS_MIE
  R32 a2, PLIC_CLAIM(CTX_M)
  ASSERT_EQ a2, UART_IRQ
  ASSERT_EIP 0
  TEST 32
  /* the device drops its line while in service: completing leaves nothing pending */
  UART_W UART_IER, 0
  W32 PLIC_CLAIM(CTX_M), UART_IRQ
  UART_POKE
  ASSERT_PENDING 0
  ASSERT_EIP 0
  R32 a2, PLIC_CLAIM(CTX_M)
  ASSERT_EQ a2, 0
  TEST 33
  /* raising it again gives a new request */
  UART_W UART_IER, IER_ETBEI
  ASSERT_PENDING 1
  ASSERT_EIP MIP_MEIP
  R32 a2, PLIC_CLAIM(CTX_M)
  ASSERT_EQ a2, UART_IRQ
  UART_W UART_IER, 0
  W32 PLIC_CLAIM(CTX_M), UART_IRQ
  UART_POKE
  ASSERT_PENDING 0
  ASSERT_EIP 0

  /* ---- two contexts ---- */
  TEST 40
  /* enabled in both contexts: MEIP and SEIP; one claim (through context 0) takes the source
   * out of both */
  ENABLE CTX_S, (1 << UART_IRQ)
  UART_W UART_IER, IER_ETBEI
  ASSERT_EIP MIP_MEIP | MIP_SEIP
  R32 a2, PLIC_CLAIM(CTX_M)
  ASSERT_EQ a2, UART_IRQ
  ASSERT_EIP 0
  R32 a2, PLIC_CLAIM(CTX_S)
  ASSERT_EQ a2, 0
  TEST 41
  /* context thresholds are separate: masking context 1 leaves context 0 */
  W32 PLIC_THRESH(CTX_S), 1
  W32 PLIC_CLAIM(CTX_M), UART_IRQ
  UART_POKE
  ASSERT_EIP MIP_MEIP
  W32 PLIC_THRESH(CTX_S), 0
  ASSERT_EIP MIP_MEIP | MIP_SEIP
  TEST 42
  /* only context 1 enabled: SEIP alone, and a claim through context 0 finds nothing */
  ENABLE CTX_M, 0
  ASSERT_EIP MIP_SEIP
  R32 a2, PLIC_CLAIM(CTX_M)
  ASSERT_EQ a2, 0
  ASSERT_EIP MIP_SEIP

  /* ---- SEI delegated to S ---- */
  TEST 50
  li a0, MIP_SEIP
  csrw mideleg, a0
  csrw mie, a0
  csrw mstatus, zero
  ENTER_MODE PRV_S, 1f
1:
  csrr a2, sip
  ASSERT_MASKED a2, MIP_SEIP, MIP_SEIP
  /* SIE = 0: not taken in S */
  nop
  nop
  li a5, 0
  EXPECT_TRAP (IRQ_BIT | IRQ_S_EXT), 2f, 3f, tval=a5, mode=PRV_S
  csrsi sstatus, MSTATUS_SIE
2:
  j _fail
3:
  ASSERT_TRAPPED
  csrci sstatus, MSTATUS_SIE
  REC_LOAD a2, REC_MODE
  ASSERT_EQ a2, PRV_S
  TEST 51
  /* S claims through context 1 */
  R32 a2, PLIC_CLAIM(CTX_S)
  ASSERT_EQ a2, UART_IRQ
  csrr a2, sip
  ASSERT_MASKED a2, MIP_SEIP, 0
  R32 a2, PLIC_CLAIM(CTX_S)
  ASSERT_EQ a2, 0
  TEST 52
  /* completion from S with the line high: requested again (taken in S again) */
  W32 PLIC_CLAIM(CTX_S), UART_IRQ
  UART_POKE
  csrr a2, sip
  ASSERT_MASKED a2, MIP_SEIP, MIP_SEIP
  li a0, MIP_SEIP
  csrs sie, a0
  EXPECT_TRAP (IRQ_BIT | IRQ_S_EXT), 2f, 3f, mode=PRV_S
  csrsi sstatus, MSTATUS_SIE
2:
  j _fail
3:
  ASSERT_TRAPPED
  csrci sstatus, MSTATUS_SIE
  TEST 53
  /* S silences the device and completes */
  R32 a2, PLIC_CLAIM(CTX_S)
  ASSERT_EQ a2, UART_IRQ
  UART_W UART_IER, 0
  W32 PLIC_CLAIM(CTX_S), UART_IRQ
  UART_POKE
  csrr a2, sip
  ASSERT_MASKED a2, MIP_SEIP, 0
  ECALL_TO_M 1f
1:
  TEST 54
  /* undelegated, the same request from S goes to M (M's mie.SEIE, mstatus.MIE irrelevant
   * below M), mcause = interrupt | 9 */
  csrw mideleg, zero
  li a0, MIP_SEIP
  csrw mie, a0
  UART_W UART_IER, IER_ETBEI
  ASSERT_EIP MIP_SEIP
  EXPECT_TRAP (IRQ_BIT | IRQ_S_EXT), 1f, 2f, rmode=PRV_M
  ENTER_MODE PRV_S, 1f
1:
  j _fail
2:
  ASSERT_TRAPPED
  R32 a2, PLIC_CLAIM(CTX_S)
  ASSERT_EQ a2, UART_IRQ
  UART_W UART_IER, 0
  W32 PLIC_CLAIM(CTX_S), UART_IRQ
  UART_POKE
  ASSERT_EIP 0
  ASSERT_PENDING 0

  /* leave the PLIC quiet */
  ENABLE CTX_S, 0
  W32 PLIC_PRIO(UART_IRQ), 0
  csrw mie, zero
  TEST_PASS
TEST_END
