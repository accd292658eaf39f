/* ipi: machine-mode software interrupts through the CLINT's msip registers (built for 4 harts).

   Proves that a write to msip[k] raises mip.MSIP on hart k only, that WFI wakes on it (also
   with mstatus.MIE clear), that the interrupt is taken through mtvec with mcause = 3|interrupt
   when mie.MSIE and mstatus.MIE allow it and not otherwise, that clearing msip clears mip.MSIP,
   that msip reads back, and that IPIs flow in both directions. Hart 0 drives every exchange
   and waits for each acknowledgement, so the printed sequence is deterministic. */
#include "rt.h"

enum { CMD_ACK = 1, CMD_SEND_TO_0 = 2, CMD_EXIT = 3 };

static volatile uint32_t mailbox[MAX_HARTS];    /* command for the next IPI, set by hart 0 */
static volatile uint32_t token[MAX_HARTS];      /* posted by hart 0 with each command */
static volatile uint32_t ack[MAX_HARTS];        /* the target copies token here when done */
static volatile uint32_t ack_seq[MAX_HARTS];    /* global order number of the last IPI handled */
static volatile uint32_t recv_count[MAX_HARTS]; /* IPIs each hart's handler took */
static volatile uint32_t seq_next;
static volatile uint32_t exit_flag[MAX_HARTS];
static volatile uint32_t h0_sender;             /* who raised hart 0's msip */
static volatile uint32_t h0_log[32];
static volatile uint32_t h0_count;
static volatile uint32_t stuck_msip;
static barrier_t bar;

static void ipi_handler(struct trap_frame *f)
{
    unsigned long me = csr_read(mhartid);
    if (f->cause != CAUSE_M_SOFT)
        rt_unexpected_trap(f, "M");
    set_msip(me, 0);
    (void)get_msip(me); /* read back: the clear has reached the CLINT */
    for (int i = 0; i < 100000 && (csr_read(mip) & MIP_MSIP); i++)
        cpu_relax();
    if (csr_read(mip) & MIP_MSIP)
        stuck_msip = 1;
    recv_count[me]++;
    if (me == 0) {
        h0_log[h0_count & 31] = h0_sender;
        fence();
        h0_count++;
        return;
    }
    ack_seq[me] = (uint32_t)__atomic_fetch_add(&seq_next, 1, __ATOMIC_ACQ_REL);
    uint32_t cmd = mailbox[me];
    if (cmd == CMD_SEND_TO_0) {
        h0_sender = (uint32_t)me;
        fence();
        set_msip(0, 1);
    } else if (cmd == CMD_EXIT) {
        exit_flag[me] = 1;
    }
    fence();
    ack[me] = token[me];
}

static uint32_t next_token;

static uint32_t send(unsigned long hart, uint32_t cmd)
{
    uint32_t t = ++next_token;
    token[hart] = t;
    mailbox[hart] = cmd;
    fence();
    set_msip(hart, 1);
    return t;
}

static void wait_ack(unsigned long hart, uint32_t t)
{
    while (ack[hart] != t)
        cpu_relax();
    fence();
}

static void wait_h0_count(uint32_t n)
{
    while (h0_count < n)
        cpu_relax();
    fence();
}

/* Poll mip until (mip & bit) == want; true if it got there. */
static int poll_mip(unsigned long bit, unsigned long want)
{
    for (int i = 0; i < 100000; i++)
        if ((csr_read(mip) & bit) == want)
            return 1;
    return 0;
}

static void worker(unsigned long me)
{
    csr_set(mie, MIP_MSIP);
    barrier_wait(&bar, NHARTS);
    /* Sleep until an IPI says to leave. MIE is clear around the check and the WFI so an IPI
       between them is not lost: WFI still wakes on a pending enabled interrupt. */
    while (!exit_flag[me]) {
        csr_clear(mstatus, MSTATUS_MIE);
        if (!exit_flag[me])
            wfi();
        csr_set(mstatus, MSTATUS_MIE);
    }
    csr_clear(mstatus, MSTATUS_MIE);
    csr_clear(mie, MIP_MSIP);
}

static const char *yes(int c) { return c ? "yes" : "no"; }

int main(unsigned long hart, void *dtb)
{
    (void)dtb;
    m_trap_hook = ipi_handler;
    if (hart != 0) {
        worker(hart);
        return 0;
    }

    rt_printf("ipi: %d harts\n", NHARTS);
    barrier_wait(&bar, NHARTS);

    /* Round 1 and 2: hart 0 interrupts each other hart in turn, forwards then backwards. */
    for (int round = 1; round <= 2; round++)
        for (unsigned long i = 1; i < NHARTS; i++) {
            unsigned long k = round == 1 ? i : NHARTS - i;
            uint32_t t = send(k, CMD_ACK);
            wait_ack(k, t);
            rt_printf("round %d: hart %lu acked token %u as ipi #%u\n", round, k, t, ack_seq[k]);
        }

    /* Round 3: all at once; only the counts are deterministic. */
    uint32_t toks[MAX_HARTS];
    for (unsigned long k = 1; k < NHARTS; k++)
        toks[k] = send(k, CMD_ACK);
    for (unsigned long k = 1; k < NHARTS; k++)
        wait_ack(k, toks[k]);
    rt_printf("round 3: broadcast acked by %d harts, %u ipis handled so far\n", NHARTS - 1, seq_next);

    /* Hart 0's own msip while masked: pending in mip, never taken. */
    csr_clear(mie, MIP_MSIP);
    csr_set(mstatus, MSTATUS_MIE);
    rt_printf("msip[0] reads %u before\n", get_msip(0));
    set_msip(0, 1);
    rt_printf("msip[0] reads %u after writing 1\n", get_msip(0));
    rt_printf("mip.MSIP pending while mie.MSIE=0: %s\n", yes(poll_mip(MIP_MSIP, MIP_MSIP)));
    rt_printf("interrupt taken while masked: %s\n", yes(h0_count != 0));
    set_msip(0, 0);
    rt_printf("mip.MSIP clears with msip: %s\n", yes(poll_mip(MIP_MSIP, 0)));

    /* WFI with mstatus.MIE=0 wakes on the pending enabled interrupt; it is taken once MIE is
       set again. */
    csr_clear(mstatus, MSTATUS_MIE);
    csr_set(mie, MIP_MSIP);
    h0_sender = 0;
    set_msip(0, 1);
    poll_mip(MIP_MSIP, MIP_MSIP);
    wfi();
    rt_printf("wfi returned with MSIP pending and MIE=0; taken before MIE set: %s\n",
              yes(h0_count != 0));
    csr_set(mstatus, MSTATUS_MIE);
    wait_h0_count(1);
    rt_printf("self ipi taken after MIE set: count %u, sender %u\n", h0_count, h0_log[0]);

    /* Round 4: each other hart interrupts hart 0 when told to (from its own handler). */
    for (unsigned long k = 1; k < NHARTS; k++) {
        uint32_t before = h0_count;
        uint32_t t = send(k, CMD_SEND_TO_0);
        wait_ack(k, t);
        wait_h0_count(before + 1);
        rt_printf("round 4: hart 0 interrupted by hart %u (ipi #%u at hart 0)\n",
                  h0_log[before & 31], before + 1);
    }
    /* Round 5: reverse order. */
    for (unsigned long i = 1; i < NHARTS; i++) {
        unsigned long k = NHARTS - i;
        uint32_t before = h0_count;
        uint32_t t = send(k, CMD_SEND_TO_0);
        wait_ack(k, t);
        wait_h0_count(before + 1);
        rt_printf("round 5: hart 0 interrupted by hart %u (ipi #%u at hart 0)\n",
                  h0_log[before & 31], before + 1);
    }

    /* Tell everyone to stop, then report the counts. */
    for (unsigned long k = 1; k < NHARTS; k++)
        wait_ack(k, send(k, CMD_EXIT));
    csr_clear(mstatus, MSTATUS_MIE);
    for (unsigned long k = 0; k < NHARTS; k++)
        rt_printf("hart %lu handled %u ipis\n", k, recv_count[k]);
    rt_printf("total ipis at harts 1..: %u\n", seq_next);
    rt_printf("msip stuck after clear: %s\n", yes(stuck_msip));
    rt_printf("done\n");
    return stuck_msip ? 3 : 0;
}
