/* Shared pieces of the timing micro-benchmarks (chase.c, mulchain.c, branch.c), which measure
   hartlab's timing model back from inside the guest. Built with the runtime of the
   differential tests (tests/guest/diff: crt0.S, rt.c, rt.h); tests/timing.rs runs them under
   several machine configurations and checks the figures against each configuration.

   Output: one line per figure, `<program> <parameter> <value>`, the value being cycles x 100
   rounded to an integer (e.g. `chase 16384 200`).

   # How a figure is measured

   Every figure is a *difference* of two timed loops that run the same number of iterations
   `n` and differ only in how many copies of the measured instruction their body holds:

       loop A:   8 x WORK, addi n, 8 x WORK, bnez n   (16 measured instructions)
       loop B:  16 x WORK, addi n, 16 x WORK, bnez n  (32 measured instructions)

   cycles per measured instruction = (cycles(B) - cycles(A)) / (16 n).

   Everything that is the same per iteration or per run cancels exactly: the counter
   decrement and the loop branch (whether or not they hide in stall slots of the measured
   chain, and however a taken branch is charged), the mispredicted loop exit, the latency of
   the mcycle reads, the pipeline state the loop starts in. What remains is the steady-state
   cost of 16 extra measured instructions per iteration. In functional mode (CPI 1) every
   figure is therefore exactly 1.00 ("100").

   The loops are written in one asm block each, including both mcycle reads, so that the
   compiler cannot put anything between the reads; `.option norvc` gives every instruction 4
   bytes and `.balign 64` (executed as padding before the first mcycle read) starts each
   block on a cache-line boundary, so no instruction straddles two lines and the two loops'
   fetch behaviour differs only in their length. (The `.balign` comes before `.option norvc`:
   the code before it may end on a 2-byte boundary, and only with RVC on does the assembler
   reserve the 62 bytes of padding the linker may need.)

   Every timed loop lives in a noinline function that is first called untimed with a few
   iterations: the timed call then runs the very same code, already in the instruction cache,
   with its loop branch trained. (An inlined copy would be cold code: its first iteration
   would pay instruction-cache misses to DRAM.) */
#ifndef HARTLAB_TIMING_H
#define HARTLAB_TIMING_H

#include "rt.h"

/* The cycle counter the timed loops read: mcycle, or (for code running in S mode, with
   mcounteren.CY set by M mode) `cycle`, which counts the same; define it before including. */
#ifndef TIMING_COUNTER
#define TIMING_COUNTER "mcycle"
#endif

/* The asm text of a timed loop: the body is `block` repeated `reps` times, the counter
   decrement, `block` repeated `reps` times again, and the loop branch. Operands: %[n] the
   iteration count (read-write), %[c0], %[c1] the counter values before and after. */
#define TIMED_LOOP_ASM(block, reps)                                                     \
    ".balign 64\n"                                                                      \
    ".option push\n"                                                                    \
    ".option norvc\n"                                                                   \
    "csrr %[c0], " TIMING_COUNTER "\n"                                                 \
    "1:\n"                                                                              \
    ".rept " #reps "\n" block "\n.endr\n"                                               \
    "addi %[n], %[n], -1\n"                                                             \
    ".rept " #reps "\n" block "\n.endr\n"                                               \
    "bnez %[n], 1b\n"                                                                   \
    "csrr %[c1], " TIMING_COUNTER "\n"                                                 \
    ".option pop\n"

/* Cycles per extra measured instruction x 100, rounded: (b - a) / (16 n) (see above). A
   negative difference (which would mean the model charges the longer loop less) is reported
   as a negative figure rather than wrapped. */
static inline long per_insn_x100(uint64_t a, uint64_t b, long n)
{
    long diff = (long)(b - a);
    long d = 16 * n;
    return diff >= 0 ? (diff * 100 + d / 2) / d : -((-diff * 100 + d / 2) / d);
}

/* xorshift64 (Marsaglia's 13/7/17 triple): the deterministic generator of the programs. The
   branch test replays it on the host, so keep tests/timing.rs in step when changing it. */
static inline uint64_t xorshift64(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    *state = x;
    return x;
}

#endif
