# A trap handler that saves a register through an unset stack pointer: every trap store-faults
# inside the handler, a few instructions after its entry.
    .section .text.init
    .globl _start
_start:
    la t0, handler
    csrw mtvec, t0
    li sp, 0
    ecall
1:  j 1b
handler:
    addi sp, sp, -16
    sd ra, 8(sp)
    mret
