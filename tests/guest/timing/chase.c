/* Pointer chase: the load-to-use latency of the memory hierarchy as a function of the
   working-set size.

   For each size from 4 KiB to 8 MiB (powers of two) the program links nodes one cache line
   (64 B) apart in a static buffer into one random cycle (a shuffled visiting order, so no
   stride is visible), walks the whole cycle twice to warm it, then times a chain of dependent
   loads `p = *(void **)p` and prints

       chase <bytes> <cycles per load x 100>

   Steady state: with true-LRU caches a cyclic walk over a working set either fits a cache
   level entirely (after the warm-up every load hits there) or, when more lines map to a set
   than it has ways, misses on every access (each line is evicted before the walk comes back
   to it). Two warm passes also leave no dirty line behind from building the cycle. Nothing
   but the chain touches data memory between the warm-up and the end of the measurement.

   The figure is the difference of two loops of the same iteration count holding 16 and 32
   loads (see timing.h), so the loop counter and branch do not distort it, whatever the load
   latency. In functional mode (CPI 1) it is exactly 100 for every size. */
#include "timing.h"

#define LINE 64
#define MIN_BYTES (4UL << 10)
#define MAX_BYTES (8UL << 20)
#define MAX_NODES (MAX_BYTES / LINE)

/* Iterations of each timed loop: 1024 x (16 + 32) = 49152 measured loads per size. */
#define ITERS 1024
/* Iterations of the untimed run of each loop that warms its code and branch first. */
#define WARM_ITERS 8

static char buf[MAX_BYTES] __attribute__((aligned(4096)));
static uint32_t order[MAX_NODES];

/* Link `nodes` lines of buf into one cycle in a random order; returns a node of it. */
static void *build(unsigned long nodes, uint64_t *rng)
{
    for (unsigned long i = 0; i < nodes; i++)
        order[i] = (uint32_t)i;
    /* Fisher-Yates: j uniform in [0, i] by multiply-shift. */
    for (unsigned long i = nodes - 1; i > 0; i--) {
        uint64_t r = xorshift64(rng) >> 32;
        unsigned long j = (unsigned long)((r * (i + 1)) >> 32);
        uint32_t t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    for (unsigned long i = 0; i < nodes; i++) {
        unsigned long next = i + 1 == nodes ? order[0] : order[i + 1];
        *(void **)(buf + (unsigned long)order[i] * LINE) = buf + next * LINE;
    }
    return buf + (unsigned long)order[0] * LINE;
}

/* Follow the chain for `loads` steps (untimed). */
static void *walk(void *p, unsigned long loads)
{
    while (loads--)
        p = *(void *volatile *)p;
    return p;
}

/* Time `n` iterations of 16 (chase16) or 32 (chase32) dependent loads, continuing the chain
   from *pp; returns the elapsed mcycle. Not inlined: the warm-up call must run the very code
   the timed call runs, or the timed call pays cold instruction-cache misses. */
static __attribute__((noinline)) uint64_t chase16(void **pp, long n)
{
    void *p = *pp;
    uint64_t c0, c1;
    asm volatile(TIMED_LOOP_ASM("ld %[p], 0(%[p])", 8)
                 : [p] "+r"(p), [n] "+r"(n), [c0] "=&r"(c0), [c1] "=&r"(c1)
                 :
                 : "memory");
    *pp = p;
    return c1 - c0;
}

static __attribute__((noinline)) uint64_t chase32(void **pp, long n)
{
    void *p = *pp;
    uint64_t c0, c1;
    asm volatile(TIMED_LOOP_ASM("ld %[p], 0(%[p])", 16)
                 : [p] "+r"(p), [n] "+r"(n), [c0] "=&r"(c0), [c1] "=&r"(c1)
                 :
                 : "memory");
    *pp = p;
    return c1 - c0;
}

int main(unsigned long hartid, void *dtb)
{
    (void)hartid;
    (void)dtb;
    uint64_t rng = 0x2545F4914F6CDD1DULL;
    for (unsigned long bytes = MIN_BYTES; bytes <= MAX_BYTES; bytes *= 2) {
        unsigned long nodes = bytes / LINE;
        void *p = build(nodes, &rng);
        p = walk(p, 2 * nodes);
        chase16(&p, WARM_ITERS);
        chase32(&p, WARM_ITERS);
        uint64_t a = chase16(&p, ITERS);
        uint64_t b = chase32(&p, ITERS);
        rt_printf("chase %lu %ld\n", bytes, per_insn_x100(a, b, ITERS));
    }
    return 0;
}
