/* Start-up code and trap vectors of hartlab's differential test programs.

   QEMU virt with `-bios none` starts every hart at the ELF entry in M mode with a0 = hartid and
   a1 = device-tree address. Each hart below NHARTS gets its own stack and calls
   main(hartid, dtb); harts at or above NHARTS park. .bss is not cleared here: the ELF loader
   (QEMU's and hartlab's) zero-fills it and RAM starts zeroed. */

#ifndef NHARTS
#define NHARTS 1
#endif
#define STACK_SIZE 16384
#define MAX_HARTS 8
#define FRAME_SIZE 288

    .section .text.init, "ax", @progbits
    .globl _start
_start:
    csrw mie, zero
    la t0, m_trap_vector
    csrw mtvec, t0
    li t0, NHARTS
    bgeu a0, t0, park
    li t0, MAX_HARTS
    bgeu a0, t0, park
    /* sp = rt_stacks + (hartid + 1) * STACK_SIZE */
    la sp, rt_stacks
    addi t0, a0, 1
    li t1, STACK_SIZE
    mul t0, t0, t1
    add sp, sp, t0
    mv s0, a0
#ifdef __riscv_flen
    /* Built for F/D (e.g. -march=rv64gc): turn the FP unit on (mstatus.FS = Initial) with
       fcsr cleared, once the stack is set up so that a machine without F/D reports the
       illegal instruction. Programs built without F/D are unaffected. */
    li t0, 1 << 13
    csrs mstatus, t0
    csrw fcsr, zero
#endif
    call main
    bnez s0, park
    call rt_exit              /* hart 0: main's return value ends the run */
park:
    csrw mie, zero
1:  wfi
    j 1b

/* Trap vectors: save every register into a struct trap_frame on the current stack, call the C
   dispatcher, restore epc/status and the registers, return. */
.macro TRAP_VECTOR name, epc, cause, tval, status, dispatch, ret
    .section .text, "ax", @progbits
    .balign 4
    .globl \name
\name:
    addi sp, sp, -FRAME_SIZE
    sd x1, 1*8(sp)
    sd x3, 3*8(sp)
    sd x4, 4*8(sp)
    sd x5, 5*8(sp)
    sd x6, 6*8(sp)
    sd x7, 7*8(sp)
    sd x8, 8*8(sp)
    sd x9, 9*8(sp)
    sd x10, 10*8(sp)
    sd x11, 11*8(sp)
    sd x12, 12*8(sp)
    sd x13, 13*8(sp)
    sd x14, 14*8(sp)
    sd x15, 15*8(sp)
    sd x16, 16*8(sp)
    sd x17, 17*8(sp)
    sd x18, 18*8(sp)
    sd x19, 19*8(sp)
    sd x20, 20*8(sp)
    sd x21, 21*8(sp)
    sd x22, 22*8(sp)
    sd x23, 23*8(sp)
    sd x24, 24*8(sp)
    sd x25, 25*8(sp)
    sd x26, 26*8(sp)
    sd x27, 27*8(sp)
    sd x28, 28*8(sp)
    sd x29, 29*8(sp)
    sd x30, 30*8(sp)
    sd x31, 31*8(sp)
    sd zero, 0(sp)
    addi t0, sp, FRAME_SIZE
    sd t0, 2*8(sp)
    csrr t0, \epc
    sd t0, 32*8(sp)
    csrr t0, \cause
    sd t0, 33*8(sp)
    csrr t0, \tval
    sd t0, 34*8(sp)
    csrr t0, \status
    sd t0, 35*8(sp)
    mv a0, sp
    call \dispatch
    ld t0, 32*8(sp)
    csrw \epc, t0
    ld t0, 35*8(sp)
    csrw \status, t0
    ld x1, 1*8(sp)
    ld x3, 3*8(sp)
    ld x4, 4*8(sp)
    ld x5, 5*8(sp)
    ld x6, 6*8(sp)
    ld x7, 7*8(sp)
    ld x8, 8*8(sp)
    ld x9, 9*8(sp)
    ld x10, 10*8(sp)
    ld x11, 11*8(sp)
    ld x12, 12*8(sp)
    ld x13, 13*8(sp)
    ld x14, 14*8(sp)
    ld x15, 15*8(sp)
    ld x16, 16*8(sp)
    ld x17, 17*8(sp)
    ld x18, 18*8(sp)
    ld x19, 19*8(sp)
    ld x20, 20*8(sp)
    ld x21, 21*8(sp)
    ld x22, 22*8(sp)
    ld x23, 23*8(sp)
    ld x24, 24*8(sp)
    ld x25, 25*8(sp)
    ld x26, 26*8(sp)
    ld x27, 27*8(sp)
    ld x28, 28*8(sp)
    ld x29, 29*8(sp)
    ld x30, 30*8(sp)
    ld x31, 31*8(sp)
    addi sp, sp, FRAME_SIZE
    \ret
.endm

    TRAP_VECTOR m_trap_vector, mepc, mcause, mtval, mstatus, rt_m_trap, mret
    TRAP_VECTOR s_trap_vector, sepc, scause, stval, sstatus, rt_s_trap, sret

    .section .bss
    .balign 16
    .globl rt_stacks
rt_stacks:
    .skip STACK_SIZE * MAX_HARTS
