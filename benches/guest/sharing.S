/* A multi-hart workload with heavy sharing, for measuring the simulator's speed when harts
 * interact constantly: every hart runs ITERS iterations of a little private work (ALU
 * operations, loads and stores to its own line) and one atomic add to a counter all harts
 * share, reading a table all harts share; the last hart to finish reports pass through the
 * SiFive test finisher. Any number of harts (a0 = hart id at entry, as on QEMU virt). */
#define FINISHER 0x100000
#define ITERS 200000

  .section .text.init, "ax", @progbits
  .globl _start
_start:
  csrr s0, mhartid
  la s1, private
  slli t0, s0, 6
  add s1, s1, t0          /* this hart's own line */
  la s2, counter
  la s3, table
  li s4, ITERS
1:
  /* private work */
  ld t0, 0(s1)
  addi t0, t0, 1
  xor t1, t0, s0
  slli t2, t1, 3
  add t3, t2, t0
  srli t4, t3, 2
  sd t4, 8(s1)
  sd t0, 0(s1)
  /* shared reads and one shared read-modify-write */
  andi t5, s4, 7
  slli t5, t5, 3
  add t5, t5, s3
  ld t6, 0(t5)
  li t6, 1
  amoadd.d zero, t6, (s2)
  addi s4, s4, -1
  bnez s4, 1b
  /* the last hart out reports pass */
  la t0, finished
  li t1, 1
  amoadd.d t2, t1, (t0)
  addi t2, t2, 1
  la t3, harts
  ld t3, 0(t3)
  bne t2, t3, 2f
  li t0, FINISHER
  li t1, 0x5555
  sw t1, 0(t0)
2:
  wfi
  j 2b

  .data
  .balign 64
counter:  .dword 0
  .balign 64
finished: .dword 0
  .balign 64
harts:    .dword NHARTS
  .balign 64
table:    .dword 1, 2, 3, 4, 5, 6, 7, 8
  .balign 64
private:  .space 64 * 64
