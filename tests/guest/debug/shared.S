/* A small multi-hart program for the gdb test (tests/gdb.rs): hart 1 increments the shared
 * variable `shared` three times; hart 0 waits until it reads 3, then takes an ECALL trap into
 * `trap_handler`, does some floating point and passes through the SiFive test finisher. The
 * other harts park in WFI. Symbols are global so that gdb can name them. */
  .section .text.init
  .globl _start
_start:
  csrr t0, mhartid
  bnez t0, secondary
  la t0, trap_handler
  csrw mtvec, t0
  li t0, 0x2000
  csrs mstatus, t0
  li t1, 3
  la t2, shared
wait:
  ld t3, 0(t2)
  blt t3, t1, wait
  ecall
  .globl after_trap
after_trap:
  fcvt.d.l f1, t3
  fadd.d f2, f1, f1
  li t0, 0x100000
  li t1, 0x5555
  sw t1, 0(t0)
1: j 1b

secondary:
  li t0, 1
  bne a0, t0, park
  la t2, shared
  li t4, 3
loop:
  li t5, 200
delay:
  addi t5, t5, -1
  bnez t5, delay
  ld t3, 0(t2)
  addi t3, t3, 1
  sd t3, 0(t2)
  blt t3, t4, loop
park:
  wfi
  j park

  .align 2
  .globl trap_handler
trap_handler:
  csrr t0, mepc
  addi t0, t0, 4
  csrw mepc, t0
  mret

  .data
  .align 3
  .globl shared
shared: .dword 0
