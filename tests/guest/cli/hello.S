# Prints a line on the UART, then passes.
    .section .text.init
    .globl _start
_start:
    csrr t0, mhartid
    bnez t0, park
    la a0, msg
    li t1, 0x10000000
1:  lbu t2, 0(a0)
    beqz t2, 3f
2:  lbu t3, 5(t1)
    andi t3, t3, 0x20
    beqz t3, 2b
    sb t2, 0(t1)
    addi a0, a0, 1
    j 1b
3:  li t0, 0x100000
    li t1, 0x5555
    sw t1, 0(t0)
park:
    wfi
    j park
    .section .rodata
msg: .asciz "hello from hartlab\n"
