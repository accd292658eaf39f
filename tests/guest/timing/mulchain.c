/* Multiplier and divider timing: prints

       mulchain mul_dep <x100>     a chain of dependent MULs: cycles per MUL = result latency
       mulchain mul_indep <x100>   independent MULs: the issue interval of the multiplier
       mulchain div_dep <x100>     a chain of dependent DIVs: the division latency
       mulchain div_indep <x100>   independent DIVs: the divider's occupancy (unpipelined:
                                   the same as its latency)

   Each figure is the difference of two loops of the same iteration count holding 16 and 32
   of the measured instructions (see timing.h). Independent instructions write eight
   different registers in turn, none of which is read, so nothing but the unit itself can
   hold them up. The dependent division divides by 1, so its operand stays the same large
   number (a divider with an early out would still need all 63 quotient bits). In functional
   mode (CPI 1) every figure is exactly 100. */
#include "timing.h"

#define ITERS 256
#define WARM_ITERS 4

/* Eight independent instances of `op dst, %[x], %[k]`, one per scratch register. */
#define INDEP8(op) ".irp r, t0, t1, t2, t3, t4, t5, t6, a7\n" op " \\r, %[x], %[k]\n.endr"

#define SCRATCH "t0", "t1", "t2", "t3", "t4", "t5", "t6", "a7"

/* A timed loop `name_suffix(n, x, k)` whose two half-bodies are `block` repeated `reps` times:
   the _a loops hold 16 measured instructions per iteration, the _b loops 32. */
#define DEFINE_LOOP(name, suffix, block, reps)                                          \
    static __attribute__((noinline)) uint64_t name##_##suffix(long n, uint64_t x,       \
                                                              uint64_t k)               \
    {                                                                                   \
        uint64_t c0, c1;                                                                \
        asm volatile(TIMED_LOOP_ASM(block, reps)                                        \
                     : [n] "+r"(n), [x] "+r"(x), [c0] "=&r"(c0), [c1] "=&r"(c1)         \
                     : [k] "r"(k)                                                       \
                     : SCRATCH, "memory");                                              \
        return c1 - c0;                                                                 \
    }

DEFINE_LOOP(mul_dep, a, "mul %[x], %[x], %[k]", 8)
DEFINE_LOOP(mul_dep, b, "mul %[x], %[x], %[k]", 16)
DEFINE_LOOP(mul_indep, a, INDEP8("mul"), 1)
DEFINE_LOOP(mul_indep, b, INDEP8("mul"), 2)
DEFINE_LOOP(div_dep, a, "div %[x], %[x], %[k]", 8)
DEFINE_LOOP(div_dep, b, "div %[x], %[x], %[k]", 16)
DEFINE_LOOP(div_indep, a, INDEP8("div"), 1)
DEFINE_LOOP(div_indep, b, INDEP8("div"), 2)

typedef uint64_t (*loop_fn)(long n, uint64_t x, uint64_t k);

static long measure(loop_fn a, loop_fn b, uint64_t x, uint64_t k)
{
    a(WARM_ITERS, x, k);
    b(WARM_ITERS, x, k);
    uint64_t ca = a(ITERS, x, k);
    uint64_t cb = b(ITERS, x, k);
    return per_insn_x100(ca, cb, ITERS);
}

int main(unsigned long hartid, void *dtb)
{
    (void)hartid;
    (void)dtb;
    const uint64_t odd = 0x9E3779B97F4A7C15ULL, big = 0x7FFFFFFFFFFFFFF1ULL;
    long mul_dep = measure(mul_dep_a, mul_dep_b, 3, odd);
    long mul_indep = measure(mul_indep_a, mul_indep_b, 12345, odd);
    long div_dep = measure(div_dep_a, div_dep_b, big, 1);
    long div_indep = measure(div_indep_a, div_indep_b, big, 7);
    rt_printf("mulchain mul_dep %ld\n", mul_dep);
    rt_printf("mulchain mul_indep %ld\n", mul_indep);
    rt_printf("mulchain div_dep %ld\n", div_dep);
    rt_printf("mulchain div_indep %ld\n", div_indep);
    return 0;
}
