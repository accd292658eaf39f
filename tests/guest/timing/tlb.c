/* Data TLB: the cost of a DTLB miss measured by a pointer chase through Sv39 pages, in S mode.

   M mode opens PMP, lets S mode read the `cycle` counter (mcounteren.CY), builds Sv39 tables
   and mrets to S mode, which sets satp (Sv39, ASID 1) and runs every measurement:

       tlb <N> <x100>               N nodes, one per 4 KiB page (N pages, N DTLB entries)
       tlb_superpage <N> <x100>     N nodes, one per 2 MiB megapage (N entries)
       tlb_one_superpage <N> <x100> N nodes 4 KiB apart inside one megapage (one entry)

   for N = 8, 16, 32, 64, 128, 256: cycles per dependent load x 100, a difference of two
   timed loops of 16 and 32 loads per iteration as in chase.c (see timing.h).

   # Layout

   Physical: every chase uses the same 256 data lines, node k (k < 256) at
   DATA_PA + k * 4 KiB + node_offset(k), where node_offset(k) = (k % 63 + 1) * 64. With the
   default L1 D (32 KiB, 8 ways, 64 B lines: 64 sets, so a line's set is its index within its
   4 KiB page) node k lives in set k % 63 + 1: at most 5 data lines per set, none in set 0.

   Virtual (root table entries):
     0  gigapage: identity, devices (UART, CLINT, finisher)
     1  -> l1_4k: entry 0 -> l0: VA_4K + k * 4 KiB maps page k of DATA_PA (k < 256);
                  entry 1: megapage VA_ONE onto DATA_PA
     2  gigapage: identity, RAM 0x8000_0000.. (code, stack, tables, and DATA_PA, through
        which the chains are written)
     3  -> l1_mega: entry k: megapage VA_MEGA + k * 2 MiB onto DATA_PA (k < 256, all aliases)
   so in the `tlb_superpage` chase node k sits at VA_MEGA + k * 2 MiB + k * 4 KiB +
   node_offset(k), the very line it occupies in the `tlb` chase. Code and stack are one ITLB
   and one DTLB entry (the RAM gigapage); the measured loops touch nothing but the chain.

   # Expected figures (derived from the model: sim-core/src/timing/tlb.rs, hart_timing.rs)

   A dependent load costs its latency: l1d.hit_cycles for an L1 D hit, plus the cycles its
   DTLB lookup added. A hit adds nothing. A miss walks Sv39 from the root, one PTE read per
   level down to the leaf, each read charged what the cache hierarchy charges a load to it
   (l1d.hit_cycles on an L1 D hit); the walk has no fixed cost of its own.

   Each chase visits its N pages in one fixed random cyclic order; every phase starts with a
   full SFENCE.VMA and walks the cycle twice before the timed loops. With a fully associative
   true-LRU DTLB of E entries (default 32):
     N <= E: every page stays in the TLB, every load hits: l1d.hit_cycles.
     N >  E: each page is the least recently used one when the walk comes back to it, so
             every load misses and walks: 4 KiB pages read root, level-1 and level-0 PTEs,
             3 reads; megapages stop at the level-1 leaf, 2 reads.
   The PTEs read stay in the L1 D: the root line, line 0 of the level-1 table, and the 32
   lines of level-0 (or level-1) PTEs of 256 pages (8 PTEs per line), next to the 256 data
   lines, 290 lines in all in a 512-line L1 D with at most 6 in any set, so
     tlb               N <= E: l1d          N > E: l1d + 3 x l1d   (defaults: 2.00 / 8.00)
     tlb_superpage     N <= E: l1d          N > E: l1d + 2 x l1d   (defaults: 2.00 / 6.00)
     tlb_one_superpage every N: l1d (one entry covers all 256 pages)        (2.00)
   With N = E exactly the code between the loops (one stack access through the RAM gigapage)
   evicts one chain page before each timed loop; the cascade of misses that restores the
   chain is the same before both loops and cancels in the difference.

   The timed loops' iteration count is TLB_ITERS (default 1024); tests/timing.rs also builds
   the program with another count and checks the difference of the two runs' statistics:
   every extra load of a missing chase is exactly one DTLB miss and one walk of
   levels x l1d.hit_cycles, and none misses the L1 D. In functional mode every figure is
   1.00. */
/* S mode cannot read mcycle; M mode sets mcounteren.CY so `cycle` (the same count) is readable. */
#define TIMING_COUNTER "cycle"
#include "timing.h"

#define PAGE 4096UL
#define MEGA (2UL << 20)
#define LINE 64UL
#define MAX_NODES 256UL

#define PTE_V 0x01UL
#define PTE_R 0x02UL
#define PTE_W 0x04UL
#define PTE_X 0x08UL
#define PTE_A 0x40UL
#define PTE_D 0x80UL
#define SATP_SV39 (8UL << 60)
#define ASID 1UL

#define DATA_PA 0x80800000UL /* 2 MiB aligned, above the image (checked) */
#define VA_4K 0x40000000UL   /* root 1, l1_4k 0: 4 KiB pages */
#define VA_ONE 0x40200000UL  /* root 1, l1_4k 1: one megapage */
#define VA_MEGA 0xC0000000UL /* root 3: one megapage per node */

#ifndef TLB_ITERS
#define TLB_ITERS 1024
#endif
#define WARM_ITERS 8

static uint64_t root[512] __attribute__((aligned(4096)));
static uint64_t l1_4k[512] __attribute__((aligned(4096)));
static uint64_t l0[512] __attribute__((aligned(4096)));
static uint64_t l1_mega[512] __attribute__((aligned(4096)));
static uint32_t order[MAX_NODES];

enum kind { PAGES_4K, SUPERPAGES, ONE_SUPERPAGE, KINDS };
static const char *const kind_name[KINDS] = {"tlb", "tlb_superpage", "tlb_one_superpage"};

static uint64_t pte(uint64_t pa, uint64_t flags) { return ((pa >> 12) << 10) | flags; }

/* Offset of node k within its 4 KiB page: line k % 63 + 1 (never line 0, which the page
   tables' first lines occupy in set 0). */
static uint64_t node_offset(unsigned long k) { return (k % 63 + 1) * LINE; }

static uint64_t node_pa(unsigned long k) { return DATA_PA + k * PAGE + node_offset(k); }

static uint64_t node_va(enum kind kind, unsigned long k)
{
    switch (kind) {
    case PAGES_4K:
        return VA_4K + k * PAGE + node_offset(k);
    case SUPERPAGES:
        return VA_MEGA + k * MEGA + k * PAGE + node_offset(k);
    default:
        return VA_ONE + k * PAGE + node_offset(k);
    }
}

/* Link nodes 0..n-1 into one random cycle of virtual addresses of `kind` (written through
   the identity mapping of RAM, so no chase page enters the DTLB); returns a node of it. */
static void *build(enum kind kind, unsigned long n, uint64_t *rng)
{
    for (unsigned long i = 0; i < n; i++)
        order[i] = (uint32_t)i;
    for (unsigned long i = n - 1; i > 0; i--) {
        uint64_t r = xorshift64(rng) >> 32;
        unsigned long j = (unsigned long)((r * (i + 1)) >> 32);
        uint32_t t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    for (unsigned long i = 0; i < n; i++) {
        unsigned long next = i + 1 == n ? order[0] : order[i + 1];
        *(volatile uint64_t *)node_pa(order[i]) = node_va(kind, next);
    }
    return (void *)node_va(kind, order[0]);
}

static void *walk(void *p, unsigned long loads)
{
    while (loads--)
        p = *(void *volatile *)p;
    return p;
}

/* As in chase.c: not inlined, so the warm-up calls run the very code the timed calls run. */
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

static void s_main(void) __attribute__((noreturn));
static void s_main(void)
{
    csr_write(satp, SATP_SV39 | (ASID << 44) | ((uint64_t)root >> 12));
    asm volatile("sfence.vma" ::: "memory");
    uint64_t rng = 0x9E3779B97F4A7C15ULL;
    for (int kind = 0; kind < KINDS; kind++) {
        for (unsigned long n = 8; n <= MAX_NODES; n *= 2) {
            void *p = build((enum kind)kind, n, &rng);
            fence();
            /* Start cold: the previous phase's pages leave no trace in either TLB. */
            asm volatile("sfence.vma" ::: "memory");
            p = walk(p, 2 * n);
            chase16(&p, WARM_ITERS);
            chase32(&p, WARM_ITERS);
            uint64_t a = chase16(&p, TLB_ITERS);
            uint64_t b = chase32(&p, TLB_ITERS);
            rt_printf("%s %lu %ld\n", kind_name[kind], n, per_insn_x100(a, b, TLB_ITERS));
        }
    }
    rt_exit(0);
}

int main(unsigned long hartid, void *dtb)
{
    (void)hartid;
    (void)dtb;
    if ((unsigned long)_end > DATA_PA)
        rt_fail(20, "image overlaps the data pages");

    /* PMP: everything RWX for S mode; S mode may read `cycle`. */
    csr_write(pmpaddr0, ~0UL);
    csr_write(pmpcfg0, 0x1f);
    csr_write(mcounteren, 1);

    const uint64_t data = PTE_V | PTE_R | PTE_W | PTE_A | PTE_D;
    root[0] = pte(0, data);
    root[1] = pte((uint64_t)l1_4k, PTE_V);
    root[2] = pte(RAM_BASE, data | PTE_X);
    root[3] = pte((uint64_t)l1_mega, PTE_V);
    l1_4k[0] = pte((uint64_t)l0, PTE_V);
    l1_4k[1] = pte(DATA_PA, data);
    for (unsigned long k = 0; k < MAX_NODES; k++) {
        l0[k] = pte(DATA_PA + k * PAGE, data);
        l1_mega[k] = pte(DATA_PA, data);
    }
    fence();

    /* Drop to S mode at s_main, on this stack. No trap is delegated: any trap reaches M mode,
       which reports it as unexpected and fails the run. */
    csr_clear(mstatus, MSTATUS_MPP);
    csr_set(mstatus, 1UL << MSTATUS_MPP_SHIFT);
    csr_write(mepc, (uint64_t)s_main);
    asm volatile("mret" ::: "memory");
    __builtin_unreachable();
}
