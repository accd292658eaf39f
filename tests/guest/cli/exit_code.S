# Reports failure code 42 through the SiFive test finisher.
    .section .text.init
    .globl _start
_start:
    li t0, 0x100000
    li t1, (42 << 16) | 0x3333
    sw t1, 0(t0)
1:  j 1b
