/* Driver of the random differential programs (tests/random_programs.rs): runs the generated
   assembly routine rp_run, which saves the C state, seeds every register, runs the random
   instructions and stores the final registers into rp_dump, then prints a hash of the
   registers after each segment (block or loop) of the program, so that the first differing
   line names the segment where two runs diverge, and the architectural state it left:
   the 31 integer registers, mscratch, and (when built for F/D) the 32 FP
   registers as raw 64-bit patterns and fcsr, then checksums of the scratch memory and of the
   stack frame the program used, 256 bytes per line. */
#include "rt.h"

/* Defined by the generated assembly. */
extern void rp_run(void);
extern uint64_t rp_dump[];          /* x0..x31, mscratch, then f0..f31, fcsr */
extern unsigned char rp_scratch[];  /* RP_SCRATCH_SIZE bytes */
extern unsigned char rp_stackcopy[]; /* RP_FRAME_SIZE bytes */
extern const uint64_t rp_seed;
extern uint64_t rp_ckpt[][66];      /* the same as rp_dump after each segment */
extern const uint64_t rp_nckpt;     /* number of segments */

#define RP_SCRATCH_SIZE 4096
#define RP_FRAME_SIZE 512

static uint64_t fnv(const unsigned char *p, unsigned n)
{
    uint64_t h = 0xcbf29ce484222325UL;
    for (unsigned i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3UL;
    }
    return h;
}

int main(unsigned long hartid, void *dtb)
{
    (void)hartid;
    (void)dtb;
    rt_printf("random program, seed %lu\n", rp_seed);
    rp_run();
    for (uint64_t k = 0; k < rp_nckpt; k++) {
        rt_printf("after segment %2lu: x %016lx", k, fnv((unsigned char *)rp_ckpt[k], 33 * 8));
#ifdef __riscv_flen
        rt_printf(" f %016lx", fnv((unsigned char *)&rp_ckpt[k][33], 33 * 8));
#endif
        rt_printf("\n");
    }
    for (int i = 1; i < 32; i++)
        rt_printf("x%-2d %016lx\n", i, rp_dump[i]);
    rt_printf("mscratch %016lx\n", rp_dump[32]);
#ifdef __riscv_flen
    for (int i = 0; i < 32; i++)
        rt_printf("f%-2d %016lx\n", i, rp_dump[33 + i]);
    rt_printf("fcsr %02lx (frm %lu, fflags %02lx)\n", rp_dump[65], rp_dump[65] >> 5,
              rp_dump[65] & 0x1f);
#endif
    for (int i = 0; i < RP_SCRATCH_SIZE; i += 256)
        rt_printf("scratch[%04x..] %016lx\n", i, fnv(rp_scratch + i, 256));
    for (int i = 0; i < RP_FRAME_SIZE; i += 256)
        rt_printf("frame[%03x..] %016lx\n", i, fnv(rp_stackcopy + i, 256));
    rt_printf("done\n");
    return 0;
}
