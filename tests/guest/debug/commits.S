/* A short single-hart program for the commit-log comparison with Spike (tests/commit_log.rs):
 * integer ALU, loads and stores of every width, an AMO, LR/SC, floating point, CSR reads and
 * writes, and a trap (ECALL to an M-mode handler that returns with MRET); it ends through the
 * HTIF `tohost` mailbox, which both simulators implement. Only machine-independent CSRs are
 * read, so both logs agree instruction for instruction. */
  .section .text.init
  .globl _start
_start:
  la t0, handler
  csrw mtvec, t0
  li a0, 5
  li a1, -3
  add a2, a0, a1
  sub a3, a0, a1
  sll a4, a0, a0
  sra a5, a1, 1
  mul a6, a0, a1
  div a7, a6, a0
  addiw s2, a1, 7
  lui s3, 0x12345
  la s4, buffer
  sd a3, 0(s4)
  sw a1, 8(s4)
  sh a0, 12(s4)
  sb a1, 14(s4)
  ld t1, 0(s4)
  lw t2, 8(s4)
  lhu t3, 12(s4)
  lb t4, 14(s4)
  amoadd.d t5, a0, (s4)
  lr.d t6, (s4)
  sc.d s5, a1, (s4)
  /* floating point: enable the FPU first */
  li t0, 0x2000
  csrs mstatus, t0
  fcvt.d.l f1, a0
  fcvt.d.l f2, a1
  fadd.d f3, f1, f2
  fmul.d f4, f1, f2
  fdiv.d f5, f1, f2
  fsd f5, 16(s4)
  fld f6, 16(s4)
  fcvt.s.d f7, f5
  fsw f7, 24(s4)
  flw f8, 24(s4)
  fcvt.l.d s6, f4
  feq.d s7, f3, f3
  csrr s8, fflags
  csrwi fflags, 0
  csrr s9, fcsr
  /* CSRs */
  csrr s10, mscratch
  li t0, 0x1234
  csrw mscratch, t0
  csrrs s10, mscratch, a0
  csrrc s11, mscratch, a0
  /* a trap: ECALL from M to handler, which skips it */
  ecall
  li a0, 42
  /* done: tohost = 1 */
  la t0, tohost
  li t1, 1
  sd t1, 0(t0)
1: j 1b

  .align 2
handler:
  csrr t0, mepc
  addi t0, t0, 4
  csrw mepc, t0
  csrr t1, mcause
  mret

  .section .tohost, "aw", @progbits
  .align 6
  .globl tohost
tohost: .dword 0
  .align 6
  .globl fromhost
fromhost: .dword 0

  .data
  .align 4
buffer: .zero 64
