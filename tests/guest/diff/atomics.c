/* atomics: NHARTS harts (built for 4 and for 1) hammer shared memory with the A extension.

   Proves that AMOs are atomic and return the right old values (amoadd/amoswap/amoand/amoor/
   amoxor/amomin/amomax, signed and unsigned, .w with sign extension and .d), that LR/SC
   reservations work (an LR/SC lock, an LR/SC increment loop, SC failing without a matching
   reservation) and that locks built from them give mutual exclusion with plain loads and
   stores. Every total printed is exact and independent of how the harts interleave. */
#include "rt.h"

#define ITERS 2000

/* ---- instruction wrappers --------------------------------------------------------------- */

#define AMO(name, insn, type)                                                         \
    static inline int64_t name(volatile type *p, type v)                              \
    {                                                                                 \
        int64_t r;                                                                    \
        asm volatile(insn " %0, %2, %1" : "=r"(r), "+A"(*p) : "r"(v) : "memory");    \
        return r;                                                                     \
    }
AMO(amoadd_w, "amoadd.w", uint32_t)
AMO(amoadd_d, "amoadd.d", uint64_t)
AMO(amoswap_w_aq, "amoswap.w.aq", uint32_t)
AMO(amoswap_w_rl, "amoswap.w.rl", uint32_t)
AMO(amoswap_d, "amoswap.d.aqrl", uint64_t)
AMO(amoand_d, "amoand.d", uint64_t)
AMO(amoor_d, "amoor.d", uint64_t)
AMO(amoxor_w, "amoxor.w", uint32_t)
AMO(amoxor_d, "amoxor.d.aqrl", uint64_t)
AMO(amomin_w, "amomin.w", uint32_t)
AMO(amomax_w, "amomax.w", uint32_t)
AMO(amominu_w, "amominu.w", uint32_t)
AMO(amomaxu_w, "amomaxu.w", uint32_t)
AMO(amomin_d, "amomin.d", uint64_t)
AMO(amomax_d, "amomax.d", uint64_t)
AMO(amominu_d, "amominu.d", uint64_t)
AMO(amomaxu_d, "amomaxu.d", uint64_t)

static inline int64_t lr_w(volatile uint32_t *p)
{
    int64_t r;
    asm volatile("lr.w %0, %1" : "=r"(r), "+A"(*p)::"memory");
    return r;
}

static inline int64_t lr_d(volatile uint64_t *p)
{
    int64_t r;
    asm volatile("lr.d %0, %1" : "=r"(r), "+A"(*p)::"memory");
    return r;
}

/* Returns SC's rd: 0 on success. */
static inline uint64_t sc_w(volatile uint32_t *p, uint32_t v)
{
    uint64_t r;
    asm volatile("sc.w %0, %2, %1" : "=&r"(r), "+A"(*p) : "r"(v) : "memory");
    return r;
}

static inline uint64_t sc_d(volatile uint64_t *p, uint64_t v)
{
    uint64_t r;
    asm volatile("sc.d %0, %2, %1" : "=&r"(r), "+A"(*p) : "r"(v) : "memory");
    return r;
}

/* ---- locks ------------------------------------------------------------------------------ */

/* LR/SC lock: spin while held, claim with SC. */
static void lrsc_lock(volatile uint32_t *l)
{
    uint32_t tmp;
    asm volatile("1: lr.w.aq %0, %1\n"
                 "   bnez %0, 1b\n"
                 "   sc.w %0, %2, %1\n"
                 "   bnez %0, 1b\n"
                 : "=&r"(tmp), "+A"(*l)
                 : "r"(1)
                 : "memory");
}

static void lrsc_unlock(volatile uint32_t *l) { amoswap_w_rl(l, 0); }

/* Test-and-set lock with amoswap. */
static void tas_lock(volatile uint32_t *l)
{
    while (amoswap_w_aq(l, 1))
        while (*l)
            cpu_relax();
}

static void tas_unlock(volatile uint32_t *l)
{
    asm volatile("fence rw, w" ::: "memory");
    *l = 0;
}

/* Ticket lock: amoadd takes a ticket, plain loads wait for it to be served. */
struct ticket_lock {
    volatile uint32_t next, serving;
};

static void ticket_lock(struct ticket_lock *t)
{
    uint32_t me = (uint32_t)amoadd_w(&t->next, 1);
    while (t->serving != me)
        cpu_relax();
    asm volatile("fence r, rw" ::: "memory");
}

static void ticket_unlock(struct ticket_lock *t)
{
    asm volatile("fence rw, w" ::: "memory");
    t->serving = t->serving + 1;
}

/* ---- shared state ----------------------------------------------------------------------- */

static volatile uint32_t cnt_w;                 /* amoadd.w +1 */
static volatile uint32_t cnt_w_wrap = 0x7fffffffu - NHARTS * ITERS / 2; /* crosses INT32_MAX */
static volatile uint64_t cnt_d;                 /* amoadd.d +(1<<32 | 3) */
static volatile uint64_t old_sum, old_xor;      /* of the values amoadd.w returned */
static volatile uint64_t wrap_old_sum;          /* of the sign-extended values on cnt_w_wrap */
static volatile uint64_t old_out_of_range;      /* amoadd.w old values >= total */
static volatile uint64_t lrsc_direct;           /* lr.d/sc.d increment loop */
static volatile uint32_t lrsc_lock_word;
static volatile uint64_t lrsc_plain, lrsc_a, lrsc_b, lrsc_broken;
static volatile uint32_t tas_lock_word;
static volatile uint64_t tas_plain, tas_broken;
static volatile uint32_t tas_inside;
static struct ticket_lock tlock;
static volatile uint64_t ticket_plain;
static volatile uint32_t max_w = 0x80000000u, min_w = 0x7fffffffu;
static volatile uint32_t maxu_w, minu_w = 0xffffffffu;
static volatile uint64_t max_d = 0x8000000000000000UL, min_d = 0x7fffffffffffffffUL;
static volatile uint64_t maxu_d, minu_d = ~0UL;
static volatile uint64_t or_bits, and_bits = ~0UL;
static volatile uint32_t xor_w;
static volatile uint64_t xor_d;
static volatile uint64_t swap_word = 0;
static volatile uint64_t swap_seen_sum;
static barrier_t bar;
static volatile uint64_t checks_failed;

/* Values each hart feeds to min/max: signed spread around zero, deterministic per (hart, i). */
static int64_t mix(unsigned long hart, unsigned i)
{
    uint64_t x = (hart + 1) * 0x9e3779b97f4a7c15UL ^ (uint64_t)i * 0xbf58476d1ce4e5b9UL;
    x ^= x >> 29;
    x *= 0x94d049bb133111ebUL;
    x ^= x >> 32;
    return (int64_t)x;
}

/* Single-hart semantics, run by hart 0 before the others start. */
static void semantics(void)
{
    static volatile uint64_t w[2];
    static volatile uint32_t h[4];
    uint64_t r, s;

    rt_printf("== single-hart semantics ==\n");
    w[0] = 5;
    r = (uint64_t)lr_d(&w[0]);
    s = sc_d(&w[0], 6);
    rt_printf("lr.d/sc.d: loaded %lu, sc rd=%lu, memory %lu\n", r, s, w[0]);
    s = sc_d(&w[0], 7);
    rt_printf("second sc.d without lr: %s, memory %lu\n", s ? "failed" : "succeeded", w[0]);
    r = (uint64_t)lr_d(&w[0]);
    s = sc_d(&w[1], 8);
    rt_printf("sc.d to another address than lr: %s, memory %lu\n", s ? "failed" : "succeeded", w[1]);
    s = sc_d(&w[0], 9);
    rt_printf("sc.d after that: %s, memory %lu\n", s ? "failed" : "succeeded", w[0]);
    h[0] = 0x80000001u;
    r = (uint64_t)lr_w(&h[0]);
    s = sc_w(&h[0], 0x12345678u);
    rt_printf("lr.w sign-extends: %lx, sc.w rd=%lu, memory %x\n", r, s, h[0]);

    h[1] = 0x7fffffffu;
    h[2] = 0xa5a5a5a5u;
    r = (uint64_t)amoadd_w(&h[1], 1);
    s = (uint64_t)amoadd_w(&h[1], 1);
    rt_printf("amoadd.w across INT32_MAX: old %lx then %lx, memory %x, neighbour %x\n", r, s, h[1], h[2]);
    h[1] = 0xffffffffu;
    r = (uint64_t)amomin_w(&h[1], 1);
    rt_printf("amomin.w(-1, 1): old %lx, memory %x\n", r, h[1]);
    h[1] = 0xffffffffu;
    r = (uint64_t)amominu_w(&h[1], 1);
    rt_printf("amominu.w(-1, 1): old %lx, memory %x\n", r, h[1]);
    h[1] = 0xffffffffu;
    r = (uint64_t)amomax_w(&h[1], 1);
    rt_printf("amomax.w(-1, 1): old %lx, memory %x\n", r, h[1]);
    h[1] = 1;
    r = (uint64_t)amomaxu_w(&h[1], 0x80000000u);
    rt_printf("amomaxu.w(1, 0x80000000): old %lx, memory %x\n", r, h[1]);
    w[0] = 0x8000000000000000UL;
    r = (uint64_t)amomin_d(&w[0], 0);
    rt_printf("amomin.d(INT64_MIN, 0): old %lx, memory %lx\n", r, w[0]);
    r = (uint64_t)amomaxu_d(&w[0], 1);
    rt_printf("amomaxu.d(INT64_MIN, 1): old %lx, memory %lx\n", r, w[0]);
    w[0] = 0xf0f0f0f0f0f0f0f0UL;
    r = (uint64_t)amoand_d(&w[0], 0xff00ff00ff00ff00UL);
    s = (uint64_t)amoor_d(&w[0], 0x0fUL);
    rt_printf("amoand.d/amoor.d: old %lx then %lx, memory %lx\n", r, s, w[0]);
    r = (uint64_t)amoxor_d(&w[0], ~0UL);
    rt_printf("amoxor.d: old %lx, memory %lx\n", r, w[0]);
    r = (uint64_t)amoswap_d(&w[0], 42);
    rt_printf("amoswap.d: old %lx, memory %lu\n", r, w[0]);
    h[3] = 0x80000000u;
    r = (uint64_t)amoswap_w_aq(&h[3], 3);
    rt_printf("amoswap.w sign-extends: old %lx, memory %x\n", r, h[3]);
}

static void worker(unsigned long hart)
{
    uint64_t my_old_sum = 0, my_old_xor = 0, my_wrap_sum = 0, my_out = 0, my_swap = 0;
    const uint32_t total = NHARTS * ITERS;

    for (unsigned i = 0; i < ITERS; i++) {
        /* Counters and the values they hand out. */
        uint32_t old = (uint32_t)amoadd_w(&cnt_w, 1);
        my_old_sum += old;
        my_old_xor ^= old;
        my_out += old >= total;
        my_wrap_sum += (uint64_t)amoadd_w(&cnt_w_wrap, 1);
        amoadd_d(&cnt_d, (1UL << 32) | 3);

        /* LR/SC increment loop. */
        for (;;) {
            uint64_t v = (uint64_t)lr_d(&lrsc_direct);
            if (sc_d(&lrsc_direct, v + 1) == 0)
                break;
        }

        /* LR/SC lock around plain read-modify-writes; a and b must always sum to zero. */
        lrsc_lock(&lrsc_lock_word);
        if (lrsc_a + lrsc_b != 0)
            lrsc_broken++;
        lrsc_plain = lrsc_plain + 1;
        lrsc_a = lrsc_a + 1;
        lrsc_b = lrsc_b - 1;
        lrsc_unlock(&lrsc_lock_word);

        /* Test-and-set lock; nobody else may be inside. */
        tas_lock(&tas_lock_word);
        if (tas_inside)
            tas_broken++;
        tas_inside = 1;
        tas_plain = tas_plain + 1;
        tas_inside = 0;
        tas_unlock(&tas_lock_word);

        /* Ticket lock, on every 8th iteration only: a FIFO lock crawls when the host
           deschedules the next owner's vCPU thread, as happens to QEMU on a loaded machine. */
        if (i % 8 == 0) {
            ticket_lock(&tlock);
            ticket_plain = ticket_plain + 2;
            ticket_unlock(&tlock);
        }

        /* Min/max, bit sets, xor. */
        int64_t m = mix(hart, i);
        amomax_w(&max_w, (uint32_t)m);
        amomin_w(&min_w, (uint32_t)m);
        amomaxu_w(&maxu_w, (uint32_t)m);
        amominu_w(&minu_w, (uint32_t)m);
        amomax_d(&max_d, (uint64_t)m);
        amomin_d(&min_d, (uint64_t)m);
        amomaxu_d(&maxu_d, (uint64_t)m);
        amominu_d(&minu_d, (uint64_t)m);
        amoor_d(&or_bits, 1UL << ((hart * 16 + i) & 63));
        amoand_d(&and_bits, ~(1UL << ((hart * 8 + i * 3) & 63)));
        amoxor_w(&xor_w, (uint32_t)m);
        amoxor_d(&xor_d, (uint64_t)m);

        /* Every value swapped in is swapped out exactly once (or left at the end). */
        my_swap += (uint64_t)amoswap_d(&swap_word, hart * ITERS + i + 1);
    }
    amoadd_d(&old_sum, my_old_sum);
    amoxor_d(&old_xor, my_old_xor);
    amoadd_d(&wrap_old_sum, my_wrap_sum);
    amoadd_d(&old_out_of_range, my_out);
    amoadd_d(&swap_seen_sum, my_swap);
}

static void report(const char *what, uint64_t got, uint64_t want)
{
    rt_printf("%s: %lx (expected %lx) %s\n", what, got, want, got == want ? "ok" : "MISMATCH");
    if (got != want)
        checks_failed++;
}

int main(unsigned long hart, void *dtb)
{
    (void)dtb;
    if (hart == 0) {
        rt_printf("atomics: %d harts x %d iterations\n", NHARTS, ITERS);
        semantics();
    }
    barrier_wait(&bar, NHARTS);
    worker(hart);
    barrier_wait(&bar, NHARTS);
    if (hart != 0)
        return 0;

    /* Expected values, computed the slow way by hart 0 alone. */
    const uint64_t total = (uint64_t)NHARTS * ITERS;
    uint64_t want_xor = 0, want_wrap = 0;
    uint32_t w = 0x7fffffffu - NHARTS * ITERS / 2;
    for (uint64_t v = 0; v < total; v++, w++) {
        want_xor ^= v;
        want_wrap += (uint64_t)(int64_t)(int32_t)w;
    }
    int32_t e_max_w = INT32_MIN, e_min_w = INT32_MAX;
    uint32_t e_maxu_w = 0, e_minu_w = 0xffffffffu, e_xor_w = 0;
    int64_t e_max_d = INT64_MIN, e_min_d = INT64_MAX;
    uint64_t e_maxu_d = 0, e_minu_d = ~0UL, e_or = 0, e_and = ~0UL, e_xor_d = 0;
    for (unsigned long h = 0; h < NHARTS; h++)
        for (unsigned i = 0; i < ITERS; i++) {
            int64_t m = mix(h, i);
            int32_t m32 = (int32_t)(uint32_t)m;
            e_max_w = m32 > e_max_w ? m32 : e_max_w;
            e_min_w = m32 < e_min_w ? m32 : e_min_w;
            e_maxu_w = (uint32_t)m > e_maxu_w ? (uint32_t)m : e_maxu_w;
            e_minu_w = (uint32_t)m < e_minu_w ? (uint32_t)m : e_minu_w;
            e_max_d = m > e_max_d ? m : e_max_d;
            e_min_d = m < e_min_d ? m : e_min_d;
            e_maxu_d = (uint64_t)m > e_maxu_d ? (uint64_t)m : e_maxu_d;
            e_minu_d = (uint64_t)m < e_minu_d ? (uint64_t)m : e_minu_d;
            e_or |= 1UL << ((h * 16 + i) & 63);
            e_and &= ~(1UL << ((h * 8 + i * 3) & 63));
            e_xor_w ^= (uint32_t)m;
            e_xor_d ^= (uint64_t)m;
        }

    rt_printf("== totals ==\n");
    report("amoadd.w counter", cnt_w, total);
    report("amoadd.w old-value sum", old_sum, total * (total - 1) / 2);
    report("amoadd.w old-value xor", old_xor, want_xor);
    report("amoadd.w old values out of range", old_out_of_range, 0);
    report("amoadd.w wrapping counter", cnt_w_wrap, (uint32_t)(0x7fffffffu - NHARTS * ITERS / 2 + total));
    report("amoadd.w sign-extended old-value sum", wrap_old_sum, want_wrap);
    report("amoadd.d counter", cnt_d, total * ((1UL << 32) | 3));
    report("lr/sc increment loop", lrsc_direct, total);
    report("lr/sc lock plain counter", lrsc_plain, total);
    report("lr/sc lock pair", lrsc_a + lrsc_b, 0);
    report("lr/sc lock violations", lrsc_broken, 0);
    report("amoswap lock plain counter", tas_plain, total);
    report("amoswap lock violations", tas_broken, 0);
    const uint64_t tickets = (uint64_t)NHARTS * ((ITERS + 7) / 8);
    report("ticket lock plain counter", ticket_plain, 2 * tickets);
    report("ticket lock next/serving", ((uint64_t)tlock.next << 32) | tlock.serving,
           (tickets << 32) | tickets);
    report("amomax.w", (uint64_t)(int64_t)(int32_t)max_w, (uint64_t)(int64_t)e_max_w);
    report("amomin.w", (uint64_t)(int64_t)(int32_t)min_w, (uint64_t)(int64_t)e_min_w);
    report("amomaxu.w", maxu_w, e_maxu_w);
    report("amominu.w", minu_w, e_minu_w);
    report("amomax.d", max_d, (uint64_t)e_max_d);
    report("amomin.d", min_d, (uint64_t)e_min_d);
    report("amomaxu.d", maxu_d, e_maxu_d);
    report("amominu.d", minu_d, e_minu_d);
    report("amoor.d", or_bits, e_or);
    report("amoand.d", and_bits, e_and);
    report("amoxor.w", xor_w, e_xor_w);
    report("amoxor.d", xor_d, e_xor_d);
    /* Swapped-in values are 1..total (plus the initial 0): each is swapped out exactly once
       or is still in swap_word, whichever hart came last. */
    report("amoswap.d values swapped out + left", swap_seen_sum + swap_word, total * (total + 1) / 2);
    report("amoswap.d last value in range", swap_word >= 1 && swap_word <= total, 1);
    rt_printf("checks failed: %lu\n", checks_failed);
    rt_printf("done\n");
    return checks_failed ? 2 : 0;
}
