/* Four harts (run with 4 harts on both machines, see MULTI_HART in tests/isa.rs).
 *
 * Every hart starts at _start in M with a0 = its mhartid; the ids are 0..3, each once. Harts
 * meet at barriers built from AMOADD; 4 x 1000 concurrent AMOADDs lose no update and AMOADD
 * hands out each ticket once. LR/SC across harts: hart 0 takes a reservation (LR), then waits
 * (through flags in memory, so the order is the same on every machine) until another hart has
 * written a different value into the reserved doubleword, by a store (hart 1), an AMO (hart 2)
 * or a store to its upper half (hart 3): each time hart 0's SC must fail and leave the other
 * hart's value; an LR/SC pair with nothing in between then succeeds, and a second SC fails.
 * IPIs through the CLINT's msip registers: hart 0 -> hart 3 (taken by hart 3 as a machine
 * software interrupt; its handler clears its msip), hart 3 -> hart 0 (mip.MSIP of hart 0 set,
 * the interrupt taken by hart 0 with mepc exact), and hart 0 -> harts 1 and 2; no IPI reaches
 * a hart it was not sent to.
 *
 * Harts 1..3 run `_hl_secondary` with their own trap handler and no stack; when one of them
 * finds an error it prints `FAIL multihart: hart H test N` and reports check N through the
 * finisher itself. Every wait is bounded, so a lost hart fails the check instead of hanging. */
#define HL_MULTIHART
#include "test.h"

#define NHARTS   4
#define SPINS    20000000          /* iterations of a bounded wait */
#define AMO_ADDS 1000
#define RESV_INIT   0x5555555555555555
#define RESV_HART1  0x1111111111111111
#define RESV_HART2  0x0000000200000002
#define RESV_HART3  0x33333333
#define RESV_SC     0x0000000000000cc0

/* Wait until the 32-bit word at `label` equals `val`, else jump to `fail`.
 * Clobbers t1-t4. */
.macro WAIT_EQ label, val, fail
  la t1, \label
  li t2, \val
  li t3, SPINS
.Lw\@:
  lw t4, 0(t1)
  beq t4, t2, .Lwok\@
  addi t3, t3, -1
  bnez t3, .Lw\@
  j \fail
.Lwok\@:
  fence r, rw
.endm

/* Same with the value in register `reg` (not t1-t4) */
.macro WAIT_EQ_R label, reg, fail
  la t1, \label
  li t3, SPINS
.Lw\@:
  lw t4, 0(t1)
  beq t4, \reg, .Lwok\@
  addi t3, t3, -1
  bnez t3, .Lw\@
  j \fail
.Lwok\@:
  fence r, rw
.endm

/* Hart 0: lr_phase = k, then wait for st_phase = k (fails the current check on timeout) */
.macro LR_SIGNAL k
  la a1, lr_phase
  li a2, \k
  fence rw, w
  sw a2, 0(a1)
  WAIT_EQ st_phase, \k, _fail
.endm

/* Barrier n: count in, then wait for all NHARTS. Clobbers t1-t4. */
.macro BARRIER n, fail
  la t1, barriers + 4 * \n
  li t2, 1
  amoadd.w.aqrl zero, t2, (t1)
  WAIT_EQ barriers + 4 * \n, NHARTS, \fail
.endm

/* reg = address of the dword `label`[hart in `idx` (register)] */
.macro ELEM reg, label, idx
  la \reg, \label
  slli t4, \idx, 3
  add \reg, \reg, t4
.endm

TEST_BEGIN
  /* ---- hart 0 at entry ---- */
  TEST 1
  la a1, _hl_boot_a0
  ld a0, 0(a1)
  ASSERT_EQ a0, 0
  csrr a0, mhartid
  ASSERT_EQ a0, 0
  li a1, 1
  la a2, present
  amoor.w zero, a1, (a2)

  /* ---- barrier: everyone is there, each id once ---- */
  TEST 2
  BARRIER 0, _fail
  la a2, present
  lw a0, 0(a2)
  ASSERT_EQ a0, (1 << NHARTS) - 1
  TEST 3
  /* what harts 1..3 found at entry: a0 = mhartid = their index */
  li s0, 1
1:
  ELEM a1, entry_a0, s0
  ld a0, 0(a1)
  ASSERT_EQR a0, s0
  ELEM a1, entry_id, s0
  ld a0, 0(a1)
  ASSERT_EQR a0, s0
  addi s0, s0, 1
  li a1, NHARTS
  bltu s0, a1, 1b

  /* ---- AMOs from all harts at once ---- */
  TEST 4
  call amo_work
  BARRIER 1, _fail
  la a2, amo_count
  lw a0, 0(a2)
  ASSERT_EQ a0, NHARTS * AMO_ADDS
  la a2, tickets
  lw a0, 0(a2)
  ASSERT_EQ a0, (1 << NHARTS) - 1

  /* ---- LR/SC ---- */
  /* Round k (1..3): hart 0 reserves resv (LR), sets lr_phase = k and waits for st_phase = k;
   * hart k meanwhile writes into the reserved doubleword (hart 1: SD, hart 2: AMOADD.D,
   * hart 3: SW to its upper half) and sets st_phase = k. Hart 0's SC must then fail. */
  TEST 10
  la s1, resv
  lr.d a0, (s1)
  li a1, RESV_INIT
  ASSERT_EQR a0, a1
  LR_SIGNAL 1
  li a2, RESV_SC
  sc.d a3, a2, (s1)
  ASSERT_NE a3, 0
  ld a0, 0(s1)
  ASSERT_EQ a0, RESV_HART1
  TEST 11
  lr.d a0, (s1)
  LR_SIGNAL 2
  li a2, RESV_SC
  sc.d a3, a2, (s1)
  ASSERT_NE a3, 0
  ld a0, 0(s1)
  ASSERT_EQ a0, RESV_HART1 + RESV_HART2
  TEST 12
  lr.d a0, (s1)
  LR_SIGNAL 3
  li a2, RESV_SC
  sc.d a3, a2, (s1)
  ASSERT_NE a3, 0
  ld a0, 0(s1)
  ASSERT_EQ a0, ((RESV_HART3 << 32) | ((RESV_HART1 + RESV_HART2) & 0xffffffff))
  TEST 13
  /* an uninterrupted LR/SC pair succeeds */
  li a2, RESV_SC
  lr.d a0, (s1)
  sc.d a3, a2, (s1)
  ASSERT_EQ a3, 0
  ld a0, 0(s1)
  ASSERT_EQ a0, RESV_SC
  TEST 14
  /* an SC with no reservation (the last SC consumed it) fails */
  li a2, 0x77
  sc.d a3, a2, (s1)
  ASSERT_NE a3, 0
  ld a0, 0(s1)
  ASSERT_EQ a0, RESV_SC
  BARRIER 2, _fail

  /* ---- IPIs ---- */
  TEST 20
  /* hart 0 -> hart 3 */
  li a0, CLINT_MSIP + 4 * 3
  li a1, 1
  sw a1, 0(a0)
  WAIT_EQ ipi_seen + 8 * 3, 1, _fail
  la a2, ipi_cause
  ld a0, 24(a2)
  ASSERT_EQ a0, IRQ_BIT | IRQ_M_SOFT
  li a0, CLINT_MSIP + 4 * 3
  lw a1, 0(a0)                  /* hart 3 cleared its msip */
  ASSERT_EQ a1, 0
  TEST 21
  /* nobody else got it: not harts 1, 2, not hart 0 */
  la a2, ipi_seen
  ld a0, 8(a2)
  ASSERT_EQ a0, 0
  ld a0, 16(a2)
  ASSERT_EQ a0, 0
  csrr a0, mip
  ASSERT_MASKED a0, MIP_MSIP, 0
  TEST 22
  /* hart 3 -> hart 0: mip.MSIP of hart 0 goes up; taken once enabled */
  li a1, 1
  la a2, reply_go
  sw a1, 0(a2)
  li t3, SPINS
1:
  csrr a0, mip
  andi a0, a0, MIP_MSIP
  bnez a0, 2f
  addi t3, t3, -1
  bnez t3, 1b
  j _fail
2:
  li a0, MIP_MSIP
  csrw mie, a0
  EXPECT_TRAP (IRQ_BIT | IRQ_M_SOFT), 1f, 2f
  csrsi mstatus, MSTATUS_MIE
1:
  j _fail
2:
  ASSERT_TRAPPED
  csrci mstatus, MSTATUS_MIE
  li a0, CLINT_MSIP
  lw a1, 0(a0)
  ASSERT_EQ a1, 1
  sw zero, 0(a0)
  csrr a0, mip
  ASSERT_MASKED a0, MIP_MSIP, 0
  TEST 23
  /* hart 0 -> harts 1 and 2; hart 3 gets nothing more */
  li a0, CLINT_MSIP + 4 * 1
  li a1, 1
  sw a1, 0(a0)
  sw a1, 4(a0)
  WAIT_EQ ipi_seen + 8 * 1, 1, _fail
  WAIT_EQ ipi_seen + 8 * 2, 1, _fail
  la a2, ipi_cause
  ld a0, 8(a2)
  ASSERT_EQ a0, IRQ_BIT | IRQ_M_SOFT
  ld a0, 16(a2)
  ASSERT_EQ a0, IRQ_BIT | IRQ_M_SOFT
  la a2, ipi_seen
  ld a0, 24(a2)
  ASSERT_EQ a0, 1
  li a0, CLINT_MSIP
  lw a1, 4(a0)
  ASSERT_EQ a1, 0
  lw a1, 8(a0)
  ASSERT_EQ a1, 0
  TEST_PASS

/* ---------- every hart: AMO work (a leaf; hart id in s0 is not needed) ---------- */
/* AMO_ADDS increments of amo_count, then one ticket from ticket_next marked in tickets.
 * Clobbers t1-t4. */
amo_work:
  la t1, amo_count
  li t2, AMO_ADDS
  li t3, 1
1:
  amoadd.w zero, t3, (t1)
  addi t2, t2, -1
  bnez t2, 1b
  la t1, ticket_next
  amoadd.w t2, t3, (t1)          /* t2 = my ticket, 0..3 */
  sll t2, t3, t2
  la t1, tickets
  amoor.w zero, t2, (t1)
  ret

/* ---------- harts 1..3 ---------- */
  .align 2
_hl_secondary:
  csrr s0, mhartid
  mv s1, a0                      /* a0 at entry */
  ELEM t1, entry_a0, s0
  sd s1, 0(t1)
  ELEM t1, entry_id, s0
  sd s0, 0(t1)
  la t1, sec_trap
  csrw mtvec, t1
  csrw mie, zero
  li TESTNUM, 100
  bne s1, s0, sec_fail           /* a0 = mhartid */
  li t1, NHARTS
  bgeu s0, t1, sec_fail
  li t1, 1
  sll t1, t1, s0
  la t2, present
  amoor.w zero, t1, (t2)
  li TESTNUM, 101
  BARRIER 0, sec_fail
  li TESTNUM, 102
  call amo_work
  BARRIER 1, sec_fail
  /* harts 1..3: write into hart 0's reservation in round = own id */
  li TESTNUM, 103
  WAIT_EQ_R lr_phase, s0, sec_fail
  la t1, resv
  li t2, 1
  beq s0, t2, 1f
  li t2, 2
  beq s0, t2, 2f
  li t2, RESV_HART3
  sw t2, 4(t1)
  j 3f
1:
  li t2, RESV_HART1
  sd t2, 0(t1)
  j 3f
2:
  li t2, RESV_HART2
  amoadd.d zero, t2, (t1)
3:
  fence rw, w
  la t1, st_phase
  sw s0, 0(t1)
  li TESTNUM, 104
  BARRIER 2, sec_fail
  /* wait for IPIs */
  li TESTNUM, 105
  li t1, MIP_MSIP
  csrw mie, t1
  csrsi mstatus, MSTATUS_MIE
2:
  wfi
  j 2b

/* M trap handler of harts 1..3: only a machine software interrupt is expected. It records
 * mcause, clears the hart's msip, counts the IPI; hart 3 then waits for hart 0's go and sends
 * an IPI to hart 0. (The waiting loop above uses no registers but s0 and TESTNUM.) */
  .align 6
sec_trap:
  csrr t1, mcause
  li t2, IRQ_BIT | IRQ_M_SOFT
  li TESTNUM, 106
  bne t1, t2, sec_fail
  ELEM t2, ipi_cause, s0
  sd t1, 0(t2)
  li t2, CLINT_MSIP
  slli t3, s0, 2
  add t2, t2, t3
  sw zero, 0(t2)
  ELEM t2, ipi_seen, s0
  li t3, 1
  fence rw, w
  amoadd.d zero, t3, (t2)
  li t1, 3
  bne s0, t1, 1f
  li TESTNUM, 107
  WAIT_EQ reply_go, 1, sec_fail
  li t1, CLINT_MSIP
  li t2, 1
  sw t2, 0(t1)
1:
  mret

/* A secondary hart's failure: print `FAIL multihart: hart H test N`, report N. */
sec_fail:
  csrw mie, zero
  la s1, sec_msg
1:
  lbu a0, 0(s1)
  beqz a0, 2f
  jal sec_putc
  addi s1, s1, 1
  j 1b
2:
  addi a0, s0, '0'
  jal sec_putc
  la s1, sec_msg2
3:
  lbu a0, 0(s1)
  beqz a0, 4f
  jal sec_putc
  addi s1, s1, 1
  j 3b
4:
  /* TESTNUM in decimal (100..249 here): three digits */
  mv a1, TESTNUM
  li a2, 100
  li a0, '0'
5:
  bltu a1, a2, 6f
  sub a1, a1, a2
  addi a0, a0, 1
  j 5b
6:
  jal sec_putc
  li a2, 10
  li a0, '0'
7:
  bltu a1, a2, 8f
  sub a1, a1, a2
  addi a0, a0, 1
  j 7b
8:
  jal sec_putc
  addi a0, a1, '0'
  jal sec_putc
  li a0, '\n'
  jal sec_putc
  slli t1, TESTNUM, 16
  li t2, FINISHER_FAIL
  or t1, t1, t2
  li t2, FINISHER_BASE
  sw t1, 0(t2)
9:
  wfi
  j 9b

/* a0 = character (leaf; clobbers t1-t3) */
sec_putc:
  li t1, UART_BASE
  li t2, 100000
1:
  lbu t3, 5(t1)
  andi t3, t3, 0x20
  bnez t3, 2f
  addi t2, t2, -1
  bnez t2, 1b
2:
  sb a0, 0(t1)
  ret
TEST_END

  .section .rodata
sec_msg:  .asciz "FAIL multihart: hart "
sec_msg2: .asciz " test "

  .data
  .balign 64
barriers:    .word 0, 0, 0, 0
present:     .word 0
amo_count:   .word 0
ticket_next: .word 0
tickets:     .word 0
  .balign 64
entry_a0:    .dword -1, -1, -1, -1
entry_id:    .dword -1, -1, -1, -1
  .balign 64
resv:        .dword RESV_INIT
  .balign 64
lr_phase:    .word 0
  .balign 64
st_phase:    .word 0
  .balign 64
reply_go:    .word 0
  .balign 64
ipi_seen:    .dword 0, 0, 0, 0
ipi_cause:   .dword 0, 0, 0, 0
