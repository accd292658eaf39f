# Waits for an interrupt with none enabled: nothing can ever wake the hart.
    .section .text.init
    .globl _start
_start:
    csrw mie, zero
1:  wfi
    j 1b
