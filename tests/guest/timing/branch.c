/* Branch prediction: one conditional branch whose direction follows a precomputed pattern.
   Prints, for each pattern,

       branch <pattern> <cycles per iteration x 100>
       branch_taken <pattern> <taken outcomes in the measured iterations>

   The loop (one asm block, 4-byte instructions, starting on a cache-line boundary):

       1: lbu   t0, 0(p)        load the pattern byte (0 or 1)
          addi  p, p, 1
          addi  n, n, -1
          bnez  t0, 2f          THE PATTERN BRANCH: forward, taken when the byte is 1
          addi  a, a, 1         not-taken path ...
          bnez  n, 1b           ... with its own copy of the (backward) loop branch
          j     3f              (loop exit only)
       2: addi  b, b, 1         taken path ...
          bnez  n, 1b           ... with its own copy of the loop branch
       3:

   Both paths execute the same six instructions per iteration (no jump inside the loop), the
   two loop branches are always taken except at the exit, and the load's result is used three
   instructions later, so every pattern costs the same except for its mispredictions: with
   penalty P, cycles per iteration = base + rate x P, and the host test gets the
   misprediction rate from two runs with different penalties.

   Patterns (T = taken), over iterations i = 0 .. N2-1:
     always     T
     alternate  T, N, T, N, ... (T at even i)
     period8    T T T T T T T N (N at i % 8 == 7)
     random     the top bit of xorshift64, one step per iteration, seed RNG_SEED
   Iterations 0..3 are overridden with the lead-in N, N, N, T: three not-taken outcomes bring
   a 2-bit counter to 0 from whatever state earlier code (or an aliasing branch) left it in,
   and the T puts the branch in the BTB. Without it the alternating pattern would depend on
   history: fed T, N, T, N, ... a 2-bit counter settles into 1 <-> 2 (every prediction
   wrong) when the first T meets it weakly not-taken, but into 0 <-> 1 or 2 <-> 3 (every
   other prediction wrong) from other states — e.g. right after the `always` pattern has
   saturated it. After the lead-in the counter is at 1 when the alternation starts with a T
   at i = 4, so a bimodal predictor mispredicts every outcome.
   Finally iteration N1-1 copies the outcome of iteration N2-1, so that the runs of N1 and of
   N2 iterations leave the loop the same way (through the same loop branch).

   Measurement: each pattern runs N2 iterations (warm-up), then N1, then N2; the figure is
   (cycles(N2) - cycles(N1)) / (N2 - N1), the cost of iterations N1 .. N2-1 in steady state
   (lead-in, loop entry and the mispredicted exit cancel). The `branch_taken` line lets the
   host test check that its replay of the patterns (tests/timing.rs) is in step. In
   functional mode (CPI 1) every figure is exactly 600. Nothing is printed until every
   pattern has been measured. */
#include "timing.h"

#define N1 1024
#define N2 3072
#define RNG_SEED 0x9E3779B97F4A7C15ULL

enum { ALWAYS, ALTERNATE, PERIOD8, RANDOM, PATTERNS };
static const char *const names[PATTERNS] = {"always", "alternate", "period8", "random"};

static uint8_t pattern[N2];

static void make_pattern(int kind)
{
    uint64_t rng = RNG_SEED;
    for (unsigned i = 0; i < N2; i++) {
        uint64_t r = xorshift64(&rng);
        int t;
        switch (kind) {
        case ALWAYS:
            t = 1;
            break;
        case ALTERNATE:
            t = i % 2 == 0;
            break;
        case PERIOD8:
            t = i % 8 != 7;
            break;
        default:
            t = (int)(r >> 63);
            break;
        }
        if (i < 3)
            t = 0;
        else if (i == 3)
            t = 1;
        pattern[i] = (uint8_t)t;
    }
    pattern[N1 - 1] = pattern[N2 - 1];
}

/* Run the loop over the first n pattern bytes; returns the elapsed mcycle. Not inlined: every
   run, the warm-up included, must execute the same copy of the loop. */
static __attribute__((noinline)) uint64_t run(long n)
{
    const uint8_t *p = pattern;
    long left = n, not_taken = 0, taken = 0;
    uint64_t c0, c1;
    asm volatile(".balign 64\n"
                 ".option push\n"
                 ".option norvc\n"
                 "csrr %[c0], mcycle\n"
                 "1: lbu t0, 0(%[p])\n"
                 "addi %[p], %[p], 1\n"
                 "addi %[n], %[n], -1\n"
                 "bnez t0, 2f\n"
                 "addi %[a], %[a], 1\n"
                 "bnez %[n], 1b\n"
                 "j 3f\n"
                 "2: addi %[b], %[b], 1\n"
                 "bnez %[n], 1b\n"
                 "3: csrr %[c1], mcycle\n"
                 ".option pop\n"
                 : [p] "+r"(p), [n] "+r"(left), [a] "+r"(not_taken), [b] "+r"(taken),
                   [c0] "=&r"(c0), [c1] "=&r"(c1)
                 :
                 : "t0", "memory");
    /* The loop did what it should: every iteration went one way or the other, as the
       pattern says. */
    long expect_taken = 0;
    for (long i = 0; i < n; i++)
        expect_taken += pattern[i];
    CHECK(left == 0);
    CHECK(not_taken + taken == n);
    CHECK(taken == expect_taken);
    return c1 - c0;
}

int main(unsigned long hartid, void *dtb)
{
    (void)hartid;
    (void)dtb;
    long x100[PATTERNS], taken[PATTERNS];
    for (int k = 0; k < PATTERNS; k++) {
        make_pattern(k);
        run(N2);
        uint64_t a = run(N1);
        uint64_t b = run(N2);
        long d = N2 - N1;
        x100[k] = ((long)(b - a) * 100 + d / 2) / d;
        taken[k] = 0;
        for (unsigned i = N1; i < N2; i++)
            taken[k] += pattern[i];
    }
    for (int k = 0; k < PATTERNS; k++) {
        rt_printf("branch %s %ld\n", names[k], x100[k]);
        rt_printf("branch_taken %s %ld\n", names[k], taken[k]);
    }
    return 0;
}
