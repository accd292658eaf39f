/* timer: machine timer interrupts through the CLINT's mtime/mtimecmp (built for 1 and 4 harts).

   Proves that mtime advances monotonically and agrees with the time CSR, that mtimecmp reads
   back (also written as two 32-bit halves), that mip.MTIP follows mtime >= mtimecmp whether
   or not the interrupt is enabled, and that each hart takes exactly its own timer interrupts
   (mcause = 7|interrupt), never early, waking from WFI, with the handler re-arming a fixed
   number of times. Only counts and yes/no verdicts are printed, never times. */
#include "rt.h"

#define TICKS 8
#define INTERVAL(h) (500UL + 250UL * (h)) /* mtime ticks (10 MHz): 50 us + 25 us per hart */

struct hart_result {
    uint32_t ticks;          /* timer interrupts taken */
    uint32_t early;          /* taken while mtime < mtimecmp */
    uint32_t backwards;      /* mtime at entry not above the previous entry's */
    uint32_t short_gap;      /* entries closer than the interval */
    uint32_t mtip_stuck;     /* MTIP still pending after mtimecmp moved past mtime */
    uint32_t wrong_cause;
    int mtime_monotonic, mtime_advances, time_csr_agrees, cmp_readback, cmp_halves;
    int mtip_masked_set, mtip_masked_clear, mtip_after_last_clear;
};

static struct hart_result res[MAX_HARTS];
static uint64_t cmp_now[MAX_HARTS], last_entry[MAX_HARTS];
static barrier_t bar;

static int poll_mip(unsigned long bit, unsigned long want)
{
    for (int i = 0; i < 200000; i++)
        if ((csr_read(mip) & bit) == want)
            return 1;
    return 0;
}

static void timer_handler(struct trap_frame *f)
{
    unsigned long me = csr_read(mhartid);
    struct hart_result *r = &res[me];
    if (f->cause != CAUSE_M_TIMER) {
        r->wrong_cause++;
        rt_unexpected_trap(f, "M");
    }
    uint64_t now = mtime();
    if (now < cmp_now[me])
        r->early++;
    if (r->ticks) {
        if (now <= last_entry[me])
            r->backwards++;
        if (now - last_entry[me] < INTERVAL(me))
            r->short_gap++;
    }
    last_entry[me] = now;
    r->ticks++;
    cmp_now[me] = r->ticks < TICKS ? now + INTERVAL(me) : ~0UL;
    set_mtimecmp(me, cmp_now[me]);
    /* MTIP must drop, unless mtime has legitimately reached the new mtimecmp already (the
       host may have descheduled this hart for longer than the interval). */
    for (int i = 0;; i++) {
        if (!(csr_read(mip) & MIP_MTIP) || mtime() >= cmp_now[me])
            break;
        if (i == 200000) {
            r->mtip_stuck++;
            break;
        }
    }
}

static void run_hart(unsigned long me)
{
    struct hart_result *r = &res[me];

    /* mtime never goes backwards and does advance. */
    uint64_t prev = mtime(), first = prev;
    int mono = 1;
    for (int i = 0; i < 2000; i++) {
        uint64_t t = mtime();
        mono &= t >= prev;
        prev = t;
    }
    r->mtime_monotonic = mono;
    for (long i = 0; i < 10000000 && mtime() == first; i++)
        cpu_relax();
    r->mtime_advances = mtime() > first;

    /* The time CSR reads the same clock. */
    uint64_t before = mtime();
    uint64_t t = csr_read(time);
    uint64_t after = mtime();
    r->time_csr_agrees = before <= t && t <= after;

    /* mtimecmp reads back, also when written as two 32-bit halves (high first). */
    set_mtimecmp(me, 0x123456789abcdef0UL);
    r->cmp_readback = mmio_read64(CLINT_MTIMECMP(me)) == 0x123456789abcdef0UL;
    mmio_write32(CLINT_MTIMECMP(me) + 4, 0x7fffffffu);
    mmio_write32(CLINT_MTIMECMP(me), 0x89abcdefu);
    r->cmp_halves = mmio_read64(CLINT_MTIMECMP(me)) == 0x7fffffff89abcdefUL &&
                    mmio_read32(CLINT_MTIMECMP(me) + 4) == 0x7fffffffu;

    /* MTIP follows the comparison while the interrupt is masked. */
    csr_clear(mie, MIP_MTIP);
    set_mtimecmp(me, mtime());
    r->mtip_masked_set = poll_mip(MIP_MTIP, MIP_MTIP);
    set_mtimecmp(me, ~0UL);
    r->mtip_masked_clear = poll_mip(MIP_MTIP, 0);

    /* TICKS interrupts; sleep in WFI between them with MIE clear around the check. */
    cmp_now[me] = mtime() + INTERVAL(me);
    set_mtimecmp(me, cmp_now[me]);
    csr_set(mie, MIP_MTIP);
    while (*(volatile uint32_t *)&r->ticks < TICKS) {
        csr_clear(mstatus, MSTATUS_MIE);
        if (*(volatile uint32_t *)&r->ticks < TICKS)
            wfi();
        csr_set(mstatus, MSTATUS_MIE);
    }
    csr_clear(mstatus, MSTATUS_MIE);
    csr_clear(mie, MIP_MTIP);
    r->mtip_after_last_clear = (csr_read(mip) & MIP_MTIP) == 0;
}

static const char *yes(int c) { return c ? "yes" : "no"; }

int main(unsigned long hart, void *dtb)
{
    (void)dtb;
    m_trap_hook = timer_handler;
    barrier_wait(&bar, NHARTS);
    run_hart(hart);
    barrier_wait(&bar, NHARTS);
    if (hart != 0)
        return 0;

    rt_printf("timer: %d harts, %d ticks each\n", NHARTS, TICKS);
    int bad = 0;
    for (unsigned long h = 0; h < NHARTS; h++) {
        struct hart_result *r = &res[h];
        rt_printf("hart %lu: ticks=%u early=%u backwards=%u short-gaps=%u mtip-stuck=%u\n", h,
                  r->ticks, r->early, r->backwards, r->short_gap, r->mtip_stuck);
        rt_printf("hart %lu: mtime monotonic=%s advances=%s; time CSR agrees=%s\n", h,
                  yes(r->mtime_monotonic), yes(r->mtime_advances), yes(r->time_csr_agrees));
        rt_printf("hart %lu: mtimecmp readback=%s, as halves=%s\n", h, yes(r->cmp_readback),
                  yes(r->cmp_halves));
        rt_printf("hart %lu: MTIP masked: set=%s cleared=%s; clear after last tick=%s\n", h,
                  yes(r->mtip_masked_set), yes(r->mtip_masked_clear),
                  yes(r->mtip_after_last_clear));
        bad |= r->ticks != TICKS || r->early || r->backwards || r->short_gap || r->mtip_stuck ||
               !r->mtime_monotonic || !r->mtime_advances || !r->cmp_readback ||
               !r->cmp_halves || !r->mtip_masked_set || !r->mtip_masked_clear ||
               !r->mtip_after_last_clear;
    }
    rt_printf("done\n");
    return bad ? 4 : 0;
}
