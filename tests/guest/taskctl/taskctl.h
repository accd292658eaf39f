/* hartlab's task controller (docs/hardware/task-controller.md) for the bare-metal guests of
 * tests/task_controller.rs: register addresses, task ids, and small access macros on top of
 * tests/guest/common/test.h. M mode plays the kernel throughout.
 *
 * Scratch registers: the access macros use a0 / a1; PRINT uses s2 and clobbers a0-a2, t0-t2,
 * ra; MEASURE uses s3-s5. */
#ifndef HARTLAB_TASKCTL_H
#define HARTLAB_TASKCTL_H

/* Addresses, registers and operand encodings (TC_*, POLICY_*, E_*, TASK, CHAN, CAP, GRANT,
 * REVOKE) come from hw.h, included by test.h. */

#define MIP_USIP         0x1

/* UART (source UART_IRQ): THR-empty interrupt enable toggles the line */
#define UART_IER         (UART_BASE + 1)
#define IER_ETBEI        0x02

/* 64-bit register write of a constant / of a register, read into reg */
.macro W64 addr, val
  li a0, \addr
  li a1, \val
  sd a1, 0(a0)
.endm
.macro W64R addr, reg
  li a0, \addr
  sd \reg, 0(a0)
.endm
.macro R64 reg, addr
  li a0, \addr
  ld \reg, 0(a0)
.endm
/* register at addr == val (read into a2) */
.macro ASSERT_R64 addr, val
  R64 a2, \addr
  ASSERT_EQ a2, \val
.endm
/* read-and-clear a set's ERROR, which must equal val */
.macro TAKE_ERROR s, val
  R64 a2, TC_SET_ERROR(\s)
  ASSERT_EQ a2, \val
  W64R TC_SET_ERROR(\s), a2
.endm
.macro TAKE_GERROR val
  R64 a2, TC_ERROR
  ASSERT_EQ a2, \val
  W64R TC_ERROR, a2
.endm

/* UART line for source 10 low then high: one rising edge */
.macro UART_EDGE
  li a0, UART_IER
  sb zero, 0(a0)
  li a1, IER_ETBEI
  sb a1, 0(a0)
.endm

/* Poll the register at addr until it equals val (at most 1000 reads), else fail. */
.macro WAIT_R64 addr, val
  li a0, \addr
  li a1, 1000
.Lw\@:
  ld a2, 0(a0)
  li t6, \val
  beq a2, t6, .Lwok\@
  addi a1, a1, -1
  bnez a1, .Lw\@
  j _fail
.Lwok\@:
.endm

/* Poll mip until (mip & mask) == val (at most 1000 reads), else fail. */
.macro WAIT_MIP mask, val
  li a1, 1000
.Lw\@:
  csrr a2, mip
  li t6, \mask
  and a2, a2, t6
  li t6, \val
  beq a2, t6, .Lwok\@
  addi a1, a1, -1
  bnez a1, .Lw\@
  j _fail
.Lwok\@:
.endm

/* mip & mask == val */
.macro ASSERT_MIP mask, val
  csrr a2, mip
  ASSERT_MASKED a2, \mask, \val
.endm

/* Spin for about n iterations (lets simulated time pass). */
.macro SPIN n
  li a1, \n
.Ls\@:
  addi a1, a1, -1
  bnez a1, .Ls\@
.endm

/* Print "name=0x<reg in hex>" and a newline on the UART (M mode; needs sp). */
.macro PRINT name, reg
  mv s2, \reg
  la a0, .Lpr\@
  call _hl_puts
  mv a0, s2
  call _hl_puthex
  li a0, '\n'
  call _hl_putc
  .pushsection .rodata
.Lpr\@: .asciz "\name="
  .popsection
.endm

/* reg = mcycle difference across the instruction(s) given, run twice (the second time with
 * warm caches and predictor); so the instructions execute twice. */
.macro MEASURE reg, insn:vararg
  li s5, 2
.Lm\@:
  csrr s3, mcycle
  \insn
  csrr s4, mcycle
  addi s5, s5, -1
  bnez s5, .Lm\@
  sub \reg, s4, s3
.endm

#endif /* HARTLAB_TASKCTL_H */
