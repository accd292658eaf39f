/* The simulator-control device's measurement registers, from one hart in M mode (checked by
 * tests/sim_control.rs from the run's report):
 *   - EVENT 1 at the start and 2 at the end;
 *   - NOW_PS read twice must increase (checked here); the second value is stored as sample
 *     key 20;
 *   - samples 0..4 under key 3;
 *   - STATS reset, a 1000-iteration loop, two dumps;
 *   - the same LOOPS-iteration timed loop four times, each run twice (the second, with warm
 *     caches, is measured with mcycle) and stored as a sample: key 10 with a sample store
 *     in its body, 11 with a store to (cached) RAM, 12 with a NOP, 13 with a store to the
 *     TIMING register (an ordinary device register: it pays the interconnect round trip). */
#include "test.h"
#include "simctl.h"

#define LOOPS 100

/* Time LOOPS iterations of `body` (second of two passes) into sample `key`. */
.macro TIMED_LOOP key, body:vararg
  li t2, 2
.Lpass\@:
  li t1, LOOPS
  csrr s3, mcycle
.Lloop\@:
  \body
  addi t1, t1, -1
  bnez t1, .Lloop\@
  csrr s4, mcycle
  addi t2, t2, -1
  bnez t2, .Lpass\@
  sub s4, s4, s3
  sd s4, SIMCTL_SAMPLE(\key)(s0)
.endm

TEST_BEGIN
  TEST 1
  li s0, SIMCTL_BASE
  li t0, 1
  sd t0, SIMCTL_EVENT(s0)
  ld s1, SIMCTL_NOW_PS(s0)
  .rept 10
  nop
  .endr
  ld s2, SIMCTL_NOW_PS(s0)
  ASSERT_LTU s1, s2
  sd s2, SIMCTL_SAMPLE(20)(s0)
  li t0, 0
  li t1, 5
1:
  sd t0, SIMCTL_SAMPLE(3)(s0)
  addi t0, t0, 1
  bne t0, t1, 1b

  TEST 2
  li t0, STATS_RESET
  sd t0, SIMCTL_STATS(s0)
  li t1, 1000
2:
  addi t1, t1, -1
  bnez t1, 2b
  li t0, STATS_DUMP
  sd t0, SIMCTL_STATS(s0)
  sd t0, SIMCTL_STATS(s0)

  TEST 3
  la s5, scratch
  li s6, 1
  TIMED_LOOP 10, sd t1, SIMCTL_SAMPLE(30)(s0)
  TIMED_LOOP 11, sd t1, 0(s5)
  TIMED_LOOP 12, nop
  TIMED_LOOP 13, sd s6, SIMCTL_TIMING(s0)
  li t0, 2
  sd t0, SIMCTL_EVENT(s0)
  TEST_PASS
TEST_END

  .data
  .balign 64
scratch: .dword 0
