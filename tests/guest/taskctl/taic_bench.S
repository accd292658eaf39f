/* TAIC's FPGA micro-benchmarks (taic-test, ../shared/reference/task-controllers.md §7.4) by
 * their method, bare metal, for experiments/calibration-taic.toml and docs/calibration.md:
 * one hart, M sets the machine up and drops to S (TAIC's S tests ran in the Starry unikernel)
 * and from S to U (its U tests ran as a user process with the N extension's user trap).
 *
 * Every figure is `rdcycle` at the start and `rdcycle` at the end, as taic-test reads it:
 * single operations are bracketed (less an empty bracket, as calibration.toml's figures);
 * latencies run from a timestamp stored just before the trigger to the first instruction of
 * the handler the trap path dispatches to. The trap paths have the structure of the published
 * ones (written here, not copied):
 *   S (Starry's axtrap): a vector that tells a trap from U by sscratch, saves the 31 registers,
 *   sepc, sstatus and sscratch into a frame (from U also the seven U-mode CSRs and switches
 *   gp / tp), calls a handler that reads scause and stval and calls the interrupt dispatcher,
 *   which looks the handler up in a table by cause and calls it; two stores stand in for
 *   Starry's two FP register saves (this build has no F).
 *   U (taic-test's user trap): the caller-saved registers, ustatus, uepc, utvec and uscratch
 *   saved on the user stack, a handler reading ucause and utval and dispatching the user
 *   software interrupt to the registered handler, then clearing uip.USIP.
 *
 * Samples (simulator-control device, ROUNDS each; keys):
 *   0 enqueue, 1 dequeue, 2 register (a channel handler binding), 3 send, 13 register an
 *   external-interrupt handler (a source binding) (S, bracket less the empty one); 12 the
 *   empty bracket;
 *   4 S interrupt context switch + dispatch (sip.SSIP set by software -> S handler);
 *   5 S external-interrupt latency (PULSE on a source bound to a preempting handler of the
 *     kernel set -> SSIP -> S handler); 6 S soft-interrupt latency (SEND from another set ->
 *     SSIP -> S handler);
 *   7 U interrupt context switch + dispatch (uip.USIP); 8 U external-interrupt latency (user
 *     set, USIP); 9 U soft-interrupt latency;
 *   10 SEND from U to the kernel set's channel -> SSIP taken from U -> S handler (the
 *     receiver in S while the hart runs U); 11 u -> s -> u `ebreak` round trip. */
#include "test.h"
#include "taskctl.h"
#include "../simctl/simctl.h"

#define ROUNDS       32
#define FRAME        (42 * 8)
#define SRC_S        20
#define SRC_U        21
#define CSR_USTATUS  0x000
#define CSR_UIE      0x004
#define CSR_UTVEC    0x005
#define CSR_USCRATCH 0x040
#define CSR_UEPC     0x041
#define CSR_UCAUSE   0x042
#define CSR_UTVAL    0x043
#define CSR_UIP      0x044
#define CSR_SIDELEG  0x103
#define SAMPLE_ADDR(k) (SIMCTL_BASE + SIMCTL_SAMPLE(k))

/* kernel set 0 (sender set 1), user set 2 (sender set 3) */
#define KSET 0
#define KSEND 1
#define USET 2
#define USEND 3
#define H_EXT_S  TASK(1, 0, 1)
#define H_SOFT_S TASK(2, 0, 1)
#define H_USINT  TASK(3, 0, 1)
#define H_EXT_U  TASK(4, 0, 1)
#define H_SOFT_U TASK(5, 0, 1)

/* sample key k = value of reg (clobbers t2) */
.macro SAMPLE k, reg
  li t2, SAMPLE_ADDR(\k)
  sd \reg, 0(t2)
.endm

/* the start timestamp, just before a trigger (clobbers t0, t1) */
.macro STAMP
  rdcycle t0
  la t1, start_ts
  sd t0, 0(t1)
.endm

/* handler prologue: a0 = now - start timestamp, stored as sample k (clobbers a1, t2) */
.macro LATENCY k
  rdcycle a0
  la a1, start_ts
  ld a1, 0(a1)
  sub a0, a0, a1
  SAMPLE \k, a0
.endm

/* the handler has run: done = 1 */
.macro DONE
  la a1, done
  li a0, 1
  sd a0, 0(a1)
.endm

/* wait until a handler ran (bounded), then clear the flag */
.macro WAIT_DONE
  la t0, done
  li t1, 100000
.Lwd\@:
  ld t2, 0(t0)
  bnez t2, .Lwdok\@
  addi t1, t1, -1
  bnez t1, .Lwd\@
  j _fail
.Lwdok\@:
  sd zero, 0(t0)
.endm

/* sample k = cycles across the instruction given, less the empty bracket in s4 */
.macro BRACKET k, insn:vararg
  rdcycle t0
  \insn
  rdcycle t1
  sub t1, t1, t0
  sub t1, t1, s4
  SAMPLE \k, t1
.endm

TEST_BEGIN
  TEST 1
  /* counters readable from S and U */
  li a0, 7
  csrw mcounteren, a0
  csrw scounteren, a0
  /* SSIP to S, USIP to S and on to U; breakpoints to S */
  li a0, MIP_SSIP | MIP_USIP
  csrw mideleg, a0
  li a0, MIP_USIP
  csrw CSR_SIDELEG, a0
  li a0, (1 << CAUSE_BREAKPOINT)
  csrw medeleg, a0
  li a0, MIP_SSIP | MIP_USIP
  csrw mie, a0
  la a0, s_vec
  csrw stvec, a0
  la a0, u_vec
  csrw CSR_UTVEC, a0
  csrw sscratch, zero

  /* the controller: sets 0..3, kernel set online in S, user set in U on hart 0 */
  ASSERT_R64 TC_ALLOC, KSET
  ASSERT_R64 TC_ALLOC, KSEND
  ASSERT_R64 TC_ALLOC, USET
  ASSERT_R64 TC_ALLOC, USEND
  W64 TC_HART_KSET(0), KSET
  W64 TC_HART_USET(0), USET
  W64 TC_IRQ_GRANT, GRANT(KSET, SRC_S)
  W64 TC_IRQ_GRANT, GRANT(USET, SRC_U)
  W64 TC_CAP, CAP(KSEND, KSET, 1)
  W64 TC_CAP, CAP(KSEND, KSET, 5)
  W64 TC_CAP, CAP(USET, KSET, 2)
  W64 TC_CAP, CAP(USEND, USET, 1)
  ASSERT_R64 TC_ERROR, 0

  la sp, kstack_top
  ENTER_MODE PRV_S, s_main

/* ---------------- S mode ---------------- */
s_main:
  TEST 2
  csrsi sstatus, MSTATUS_SIE
  /* single operations */
  li s5, TC_SET_ENQUEUE(KSET, 0)
  li s6, TC_SET_DEQUEUE(KSET, 0)
  li s8, TC_SET_CHAN_HANDLER(KSET, 6)
  li s10, TC_SET_SEND(KSEND)
  li s1, TASK(7, 0, 0)
  li s7, TASK(6, 0, 0)
  li s9, CHAN(KSET, 5)
  li s2, TC_SET_IRQ_HANDLER(KSET, SRC_S)
  li s0, TASK(8, 0, 0)
  li s3, ROUNDS
1:
  rdcycle t0
  rdcycle t1
  sub s4, t1, t0
  SAMPLE 12, s4
  BRACKET 0, sd s1, 0(s5)
  BRACKET 1, ld a3, 0(s6)
  BRACKET 2, sd s7, 0(s8)
  BRACKET 3, sd s9, 0(s10)
  BRACKET 13, sd s0, 0(s2)
  ASSERT_EQ a3, TASK(7, 0, 0)
  addi s3, s3, -1
  bnez s3, 1b

  TEST 3
  /* interrupt context switch + dispatch: sip.SSIP set by software */
  la a0, h_ctx_s
  la a1, s_irq_table
  sd a0, 8(a1)                   /* entry IRQ_S_SOFT */
  li s3, ROUNDS
1:
  STAMP
  csrsi sip, MIP_SSIP
  WAIT_DONE
  addi s3, s3, -1
  bnez s3, 1b

  TEST 4
  /* external interrupt: a preempting handler bound to a source, the source pulsed */
  la a0, h_ext_s
  la a1, s_irq_table
  sd a0, 8(a1)                   /* entry IRQ_S_SOFT */
  li s5, TC_SET_IRQ_HANDLER(KSET, SRC_S)
  li s6, H_EXT_S
  li s7, TC_PULSE
  li s8, SRC_S
  li s3, ROUNDS
1:
  sd s6, 0(s5)
  STAMP
  sd s8, 0(s7)
  WAIT_DONE
  addi s3, s3, -1
  bnez s3, 1b

  TEST 5
  /* soft interrupt: SEND from the sender set to the kernel set's channel 1 */
  W64 TC_SET_CHAN_HANDLER(KSET, 1), H_SOFT_S
  la a0, h_soft_s
  la a1, s_irq_table
  sd a0, 8(a1)                   /* entry IRQ_S_SOFT */
  li s7, TC_SET_SEND(KSEND)
  li s8, CHAN(KSET, 1)
  li s3, ROUNDS
1:
  STAMP
  sd s8, 0(s7)
  WAIT_DONE
  addi s3, s3, -1
  bnez s3, 1b

  TEST 6
  /* to U, which sends to the kernel set (receiver in S) */
  W64 TC_SET_CHAN_HANDLER(KSET, 2), H_USINT
  la a0, h_usint
  la a1, s_irq_table
  sd a0, 8(a1)                   /* entry IRQ_S_SOFT */
  csrw sscratch, sp
  S_ENTER_U u_main

/* ---------------- U mode ---------------- */
u_main:
  la sp, ustack_top
  li s7, TC_SET_SEND(USET)
  li s8, CHAN(KSET, 2)
  li s3, ROUNDS
1:
  STAMP
  sd s8, 0(s7)
  WAIT_DONE
  addi s3, s3, -1
  bnez s3, 1b

  TEST 7
  /* u -> s -> u: an ebreak the S handler steps over */
  li s3, ROUNDS
1:
  rdcycle t0
  ebreak
  rdcycle t1
  sub t1, t1, t0
  SAMPLE 11, t1
  addi s3, s3, -1
  bnez s3, 1b

  TEST 8
  /* U interrupt context switch + dispatch: uip.USIP set by software */
  la a0, h_ctx_u
  la a1, u_soft_handler
  sd a0, 0(a1)
  csrsi CSR_UIE, MIP_USIP
  csrsi CSR_USTATUS, 1
  li s3, ROUNDS
1:
  STAMP
  csrsi CSR_UIP, MIP_USIP
  WAIT_DONE
  addi s3, s3, -1
  bnez s3, 1b

  TEST 9
  /* U external interrupt: the user set's handler bound to a source, the source pulsed */
  la a0, h_ext_u
  la a1, u_soft_handler
  sd a0, 0(a1)
  li s5, TC_SET_IRQ_HANDLER(USET, SRC_U)
  li s6, H_EXT_U
  li s7, TC_PULSE
  li s8, SRC_U
  li s3, ROUNDS
1:
  sd s6, 0(s5)
  STAMP
  sd s8, 0(s7)
  WAIT_DONE
  addi s3, s3, -1
  bnez s3, 1b

  TEST 10
  /* U soft interrupt: SEND from the user sender set to the user set's channel 1 */
  W64 TC_SET_CHAN_HANDLER(USET, 1), H_SOFT_U
  la a0, h_soft_u
  la a1, u_soft_handler
  sd a0, 0(a1)
  li s7, TC_SET_SEND(USEND)
  li s8, CHAN(USET, 1)
  li s3, ROUNDS
1:
  STAMP
  sd s8, 0(s7)
  WAIT_DONE
  addi s3, s3, -1
  bnez s3, 1b

  TEST 11
  /* no operation failed, nothing left queued */
  ASSERT_R64 TC_ERROR, 0
  ASSERT_R64 TC_SET_ERROR(KSET), 0
  ASSERT_R64 TC_SET_ERROR(KSEND), 0
  ASSERT_R64 TC_SET_ERROR(USET), 0
  ASSERT_R64 TC_SET_ERROR(USEND), 0
  ASSERT_R64 TC_SET_COUNT(KSET, 0), 0
  ASSERT_R64 TC_SET_COUNT(USET, 0), 0
  TEST_PASS

/* ---------------- handlers (the first instruction is the end timestamp) ---------------- */
  .align 2
h_ctx_s:
  LATENCY 4
  csrci sip, MIP_SSIP
  DONE
  ret
h_ext_s:
  LATENCY 5
  li a1, TC_SET_DEQUEUE(KSET, 0)
  ld a1, 0(a1)
  DONE
  ret
h_soft_s:
  LATENCY 6
  li a1, TC_SET_DEQUEUE(KSET, 0)
  ld a1, 0(a1)
  li a1, TC_SET_CHAN_HANDLER(KSET, 1)
  li a0, H_SOFT_S
  sd a0, 0(a1)
  DONE
  ret
h_usint:
  LATENCY 10
  li a1, TC_SET_DEQUEUE(KSET, 0)
  ld a1, 0(a1)
  li a1, TC_SET_CHAN_HANDLER(KSET, 2)
  li a0, H_USINT
  sd a0, 0(a1)
  DONE
  ret
h_ctx_u:
  LATENCY 7
  DONE
  ret
h_ext_u:
  LATENCY 8
  li a1, TC_SET_DEQUEUE(USET, 0)
  ld a1, 0(a1)
  DONE
  ret
h_soft_u:
  LATENCY 9
  li a1, TC_SET_DEQUEUE(USET, 0)
  ld a1, 0(a1)
  li a1, TC_SET_CHAN_HANDLER(USET, 1)
  li a0, H_SOFT_U
  sd a0, 0(a1)
  DONE
  ret

/* ---------------- S trap path ---------------- */
.macro S_SAVE from_user
  addi sp, sp, -FRAME
  sd x1, 1*8(sp)
  .irp n, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
  sd x\n, \n*8(sp)
  .endr
  csrr t0, sepc
  csrr t1, sstatus
  csrrw t2, sscratch, zero
  sd t0, 31*8(sp)
  sd t1, 32*8(sp)
  sd t2, 2*8(sp)
  sd zero, 33*8(sp)
  sd zero, 34*8(sp)
.if \from_user
  csrr t0, CSR_UEPC
  sd t0, 35*8(sp)
  csrr t0, CSR_USTATUS
  sd t0, 36*8(sp)
  csrr t0, CSR_UTVEC
  sd t0, 37*8(sp)
  csrr t0, CSR_UTVAL
  sd t0, 38*8(sp)
  csrr t0, CSR_UCAUSE
  sd t0, 39*8(sp)
  csrr t0, CSR_UIP
  sd t0, 40*8(sp)
  csrr t0, CSR_UIE
  sd t0, 41*8(sp)
  la t2, kernel_gp_tp
  ld t1, 0(t2)
  ld t0, 8(t2)
  mv gp, t1
  mv tp, t0
.endif
.endm

.macro S_RESTORE from_user
.if \from_user
  ld t0, 35*8(sp)
  csrw CSR_UEPC, t0
  ld t0, 36*8(sp)
  csrw CSR_USTATUS, t0
  ld t0, 37*8(sp)
  csrw CSR_UTVEC, t0
  ld t0, 38*8(sp)
  csrw CSR_UTVAL, t0
  ld t0, 39*8(sp)
  csrw CSR_UCAUSE, t0
  ld t0, 40*8(sp)
  csrw CSR_UIP, t0
  ld t0, 41*8(sp)
  csrw CSR_UIE, t0
  addi t0, sp, FRAME
  csrw sscratch, t0
.endif
  ld t0, 31*8(sp)
  ld t1, 32*8(sp)
  csrw sepc, t0
  csrw sstatus, t1
  ld t2, 33*8(sp)
  ld t2, 34*8(sp)
  ld x1, 1*8(sp)
  .irp n, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31
  ld x\n, \n*8(sp)
  .endr
  ld sp, 2*8(sp)
.endm

  .align 6
s_vec:
  csrrw sp, sscratch, sp
  bnez sp, s_from_u
  csrr sp, sscratch
  j s_from_s
s_from_s:
  S_SAVE 0
  mv a0, sp
  li a1, 0
  call s_trap_handler
  S_RESTORE 0
  sret
s_from_u:
  S_SAVE 1
  mv a0, sp
  li a1, 1
  call s_trap_handler
  S_RESTORE 1
  sret

/* a0 = frame, a1 = from U */
s_trap_handler:
  addi sp, sp, -16
  sd ra, 8(sp)
  csrr t0, scause
  csrr t1, stval
  bgez t0, 1f
  mv a0, t0
  call s_handle_irq
  j 2f
1:
  li t2, CAUSE_BREAKPOINT
  beq t0, t2, 3f
  j _fail
3:
  ld t2, 31*8(a0)
  addi t2, t2, 4
  sd t2, 31*8(a0)
2:
  ld ra, 8(sp)
  addi sp, sp, 16
  ret

/* a0 = scause of an interrupt: call the handler registered for its code */
s_handle_irq:
  slli a0, a0, 1
  srli a0, a0, 1
  li t0, 16
  bgeu a0, t0, 1f
  la t0, s_irq_table
  slli a0, a0, 3
  add t0, t0, a0
  ld t0, 0(t0)
  beqz t0, 1f
  jr t0
1:
  j _fail

/* ---------------- U trap path ---------------- */
  .align 4
u_vec:
  addi sp, sp, -35*8
  sd x1, 1*8(sp)
  sd x3, 3*8(sp)
  .irp n, 5, 6, 7, 10, 11, 12, 13, 14, 15, 16, 17, 28, 29, 30, 31
  sd x\n, \n*8(sp)
  .endr
  csrr t0, CSR_USTATUS
  csrr t1, CSR_UEPC
  csrr t2, CSR_UTVEC
  sd t0, 32*8(sp)
  sd t1, 33*8(sp)
  sd t2, 34*8(sp)
  csrr t3, CSR_USCRATCH
  sd t3, 2*8(sp)
  mv a0, sp
  call u_trap_handler
  mv sp, a0
  ld t0, 32*8(sp)
  ld t1, 33*8(sp)
  ld t2, 34*8(sp)
  ld t3, 2*8(sp)
  csrw CSR_USTATUS, t0
  csrw CSR_UEPC, t1
  csrw CSR_UTVEC, t2
  csrw CSR_USCRATCH, t3
  ld x1, 1*8(sp)
  ld x3, 3*8(sp)
  .irp n, 5, 6, 7, 10, 11, 12, 13, 14, 15, 16, 17, 28, 29, 30, 31
  ld x\n, \n*8(sp)
  .endr
  addi sp, sp, 35*8
  uret

/* a0 = context, returned */
u_trap_handler:
  addi sp, sp, -16
  sd ra, 8(sp)
  sd s0, 0(sp)
  mv s0, a0
  csrr t0, CSR_UCAUSE
  csrr t1, CSR_UTVAL
  li t2, IRQ_BIT
  bne t0, t2, 1f
  la t0, u_soft_handler
  ld t0, 0(t0)
  beqz t0, 1f
  jalr t0
  csrci CSR_UIP, MIP_USIP
  mv a0, s0
  ld s0, 0(sp)
  ld ra, 8(sp)
  addi sp, sp, 16
  ret
1:
  j _fail

  .data
  .align 6
start_ts:       .dword 0
done:           .dword 0
u_soft_handler: .dword 0
kernel_gp_tp:   .dword 0, 0
  .align 6
s_irq_table:    .zero 16 * 8
  .bss
  .align 12
kstack:         .zero 4096
kstack_top:
ustack:         .zero 4096
ustack_top:
  .text
TEST_END
