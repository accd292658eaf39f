/* Send-to-handler latency of a user IPI (run with 2 harts, timed). Prints `name=0x...` lines
 * that tests/user_interrupts.rs checks against the timing model; the program itself only
 * checks that every interrupt arrived.
 *
 * The sender reads `cycle` right before its uipi.send (`csrr s2, cycle; uipi.send`): s2 is
 * the cycle at which the send issues. The receiver's handler reads `cycle` as its first
 * instruction (`csrr s4, cycle`). Latency = s4 - s2. Six runs of each kind, all through the
 * same code: runs 0..3 with one sender-table entry (run 0 with cold caches), runs 4 and 5 with
 * an entry in a table line not touched before: run 4 reads it from DRAM, run 5 from L1.
 *   same:  hart 0 sends to its own slot (0) from U, with UIE / USIE set; the interrupt lands
 *          in a run of NOPs behind the send (entries 0, then 128).
 *   cross: hart 1 spins in U (`j .`, one cycle per iteration) with UIE / USIE set on slot 1;
 *          hart 0 sends from U (entries 1, then 64).
 *   uret:  in hart 1's handler, cycles from a `csrr cycle` (followed by three NOPs) to the
 *          first instruction after its URET (last run).
 *   same_fetch_cold / _warm, cross_fetch_cold / _warm: as same / cross (entries 0 / 1, table
 *          line cached), with the uipi.send the first instruction of an instruction-cache
 *          line (the `csrr` the last of the line before), twice through the same code: the
 *          first time the send's own fetch misses (from DRAM), the second time it hits.
 * The warm runs' cross, same and uret figures are also stored as samples (keys 0, 1, 2).
 * Harts interleave by quanta with hart 0 first, so hart 1 sees hart 0's send at its exact
 * time. Registers: s2 send cycle, s3 / s5 entry indices (hart 1: s5, s9 for the URET), s4
 * handler cycle (reserved for the handlers on both harts), s6 run, s7 / s8 pointers. */
#define HL_MULTIHART
#include "test.h"
#include "uintr.h"

#define SPINS  200000
#define RUNS   6
#define SAME_IDX        0
#define CROSS_IDX       1
#define CROSS_COLD_IDX  64      /* 512 bytes into the table: a line of its own */
#define SAME_COLD_IDX   128     /* 1024 bytes in */

/* Wait until the dword at `label` equals the register `reg` (not t1-t4), else fail. */
.macro WAIT_EQ_R label, reg
  la t1, \label
  li t3, SPINS
.Lw\@:
  ld t4, 0(t1)
  beq t4, \reg, .Lwok\@
  addi t3, t3, -1
  bnez t3, .Lw\@
  j _fail
.Lwok\@:
  fence r, rw
.endm

/* print "name=0x<reg>\n" (M mode; reg not a0-a2, t0-t2) */
.macro PRINT name, reg
  la a0, 9f
  call _hl_puts
  mv a0, \reg
  call _hl_puthex
  li a0, '\n'
  call _hl_putc
  .section .rodata
9: .asciz "\name="
  .text
.endm
.macro PRINT_MEM name, label
  la s8, \label
  ld s8, 0(s8)
  PRINT \name, s8
.endm

/* One same-hart measurement with entry `idxreg`; latency stored at 0(s7). The interrupt
 * lands in the NOPs (up to 96 cycles after the send). Every run executes this same code, so
 * from run 1 on it is in the instruction cache. */
.macro SAME_ONE idxreg
  la t1, h0_vec
  sd zero, 0(t1)
  csrsi CSR_UIE, MIP_USIP
  nop
  nop
  nop
  nop
  csrr s2, cycle
  UIPI_SEND \idxreg
  .rept 96
  nop
  .endr
  sub t1, s4, s2
  sd t1, 0(s7)
  la t1, h0_vec
  ld t1, 0(t1)
  bnez t1, .Lgot\@
  j _fail
.Lgot\@:
.endm

/* The same, with the send at the start of an instruction-cache line of its own (the
 * `csrr` ends the line before): executed twice, the send's fetch misses the first time. */
.macro SAME_FETCH_BLOCK idxreg
  la t1, h0_vec
  sd zero, 0(t1)
  csrsi CSR_UIE, MIP_USIP
  j .Lblk\@
  .balign 64
.Lblk\@:
  .rept 15
  nop
  .endr
  csrr s2, cycle
  UIPI_SEND \idxreg
  .rept 32
  nop
  .endr
  sub t1, s4, s2
  sd t1, 0(s7)
  la t1, h0_vec
  ld t1, 0(t1)
  bnez t1, .Lgot\@
  j _fail
.Lgot\@:
.endm

/* One cross-hart measurement with entry `idxreg`, run number in s6 (hart 1 is waiting for
 * ready = s6); latency stored at 0(s7). */
.macro CROSS_ONE idxreg
  WAIT_EQ_R h1_ready, s6
  li t1, 200
.Ld\@:
  addi t1, t1, -1
  bnez t1, .Ld\@
  csrr s2, cycle
  UIPI_SEND \idxreg
  WAIT_EQ_R h1_done, s6
  la t1, h1_cycle
  ld t1, 0(t1)
  sub t1, t1, s2
  sd t1, 0(s7)
.endm

/* The same, with the send at the start of an instruction-cache line of its own. */
.macro CROSS_FETCH_BLOCK idxreg
  WAIT_EQ_R h1_ready, s6
  li t1, 200
.Ld\@:
  addi t1, t1, -1
  bnez t1, .Ld\@
  j .Lblk\@
  .balign 64
.Lblk\@:
  .rept 15
  nop
  .endr
  csrr s2, cycle
  UIPI_SEND \idxreg
  WAIT_EQ_R h1_done, s6
  la t1, h1_cycle
  ld t1, 0(t1)
  sub t1, t1, s2
  sd t1, 0(s7)
.endm

TEST_BEGIN
  TEST 1
  /* the table, this hart's slot 0 */
  la a0, uist
  srli a0, a0, 12
  li a1, UINTR_EN | SUIST_PAGES(1)
  or a0, a0, a1
  csrw CSR_SUIST, a0
  li a0, UINTR_EN | 0
  csrw CSR_SUIRS, a0
  SD64 UINTC_SLOT(0) + UINTC_LOW, UINTC_LOWV(1, 0)
  li a0, 7
  csrw mcounteren, a0
  csrw scounteren, a0
  li a0, MIP_USIP
  csrw mideleg, a0
  csrw CSR_SIDELEG, a0
  csrw mie, a0
  la a0, lat_utrap0
  csrw CSR_UTVEC, a0
  la a0, h0_save
  csrw CSR_USCRATCH, a0
  csrw mstatus, zero
  li s3, SAME_IDX
  li s5, CROSS_IDX
  ENTER_MODE PRV_U, 1f
1:
  csrsi CSR_USTATUS, USTATUS_UIE

  /* ---- same hart ---- */
  TEST 2
  la s7, same_lat
  la s8, same_idx
  li s6, RUNS
1:
  ld s3, 0(s8)
  SAME_ONE s3
  addi s7, s7, 8
  addi s8, s8, 8
  addi s6, s6, -1
  bnez s6, 1b

  /* ---- across harts ---- */
  TEST 3
  la s7, cross_lat
  la s8, cross_idx
  li s6, 1
1:
  ld s5, 0(s8)
  CROSS_ONE s5
  addi s7, s7, 8
  addi s8, s8, 8
  addi s6, s6, 1
  li t1, RUNS + 1
  bne s6, t1, 1b

  /* ---- the send's own fetch: twice through each block, cold then warm ---- */
  TEST 4
  li s3, SAME_IDX
  la s7, same_fetch
  li s8, 2
1:
  SAME_FETCH_BLOCK s3
  addi s7, s7, 8
  addi s8, s8, -1
  bnez s8, 1b
  TEST 5
  li s5, CROSS_IDX
  la s7, cross_fetch
1:
  CROSS_FETCH_BLOCK s5
  addi s7, s7, 8
  addi s6, s6, 1
  li t1, RUNS + 3
  bne s6, t1, 1b
  ECALL_TO_M 1f
1:
  TEST 6
  /* every vector arrived on hart 1 */
  la a0, h1_vecs
  ld a1, 0(a0)
  ASSERT_EQ a1, (1 << 2) | (1 << 6)
  PRINT_MEM same0, same_lat + 0
  PRINT_MEM same1, same_lat + 8
  PRINT_MEM same2, same_lat + 16
  PRINT_MEM same3, same_lat + 24
  PRINT_MEM same4, same_lat + 32
  PRINT_MEM same5, same_lat + 40
  PRINT_MEM cross0, cross_lat + 0
  PRINT_MEM cross1, cross_lat + 8
  PRINT_MEM cross2, cross_lat + 16
  PRINT_MEM cross3, cross_lat + 24
  PRINT_MEM cross4, cross_lat + 32
  PRINT_MEM cross5, cross_lat + 40
  PRINT_MEM uret, h1_ret
  PRINT_MEM same_fetch_cold, same_fetch
  PRINT_MEM same_fetch_warm, same_fetch + 8
  PRINT_MEM cross_fetch_cold, cross_fetch
  PRINT_MEM cross_fetch_warm, cross_fetch + 8
  /* the warm runs' figures as samples of the simulator-control device as well, for
   * experiments/calibration-uintc.toml: key 0 cross, 1 same, 2 uret */
  li a0, 0x102100
  la a1, cross_lat
  ld a2, 8(a1)
  sd a2, 0(a0)
  la a1, same_lat
  ld a2, 8(a1)
  sd a2, 8(a0)
  la a1, h1_ret
  ld a2, 0(a1)
  sd a2, 16(a0)
  TEST_PASS

/* hart 0's U handler: the cycle first, then collect the vector, mask USIE */
  .align 6
lat_utrap0:
  csrr s4, cycle
  csrrw t0, CSR_USCRATCH, t0
  sd t1, 0(t0)
  UIPI_READ t1
  sd t1, 8(t0)
  li t1, MIP_USIP
  csrc CSR_UIE, t1
  ld t1, 0(t0)
  csrrw t0, CSR_USCRATCH, t0
  URET

/* ---------- hart 1: the spinning receiver ---------- */
  .align 2
_hl_secondary:
  la t1, h1_mtrap
  csrw mtvec, t1
  li t1, -1
  csrw pmpaddr0, t1
  li t1, PMP_NAPOT | PMP_R | PMP_W | PMP_X
  csrw pmpcfg0, t1
  csrw mstatus, zero
  li t1, 7
  csrw mcounteren, t1
  csrw scounteren, t1
  li t1, MIP_USIP
  csrw mideleg, t1
  csrw CSR_SIDELEG, t1
  csrw mie, t1
  la t1, lat_utrap1
  csrw CSR_UTVEC, t1
  la t1, h1_save
  csrw CSR_USCRATCH, t1
  li t1, UINTR_EN | 1
  csrw CSR_SUIRS, t1
  li t1, UINTC_SLOT(1) + UINTC_LOW
  li t2, UINTC_LOWV(1, 1)
  sd t2, 0(t1)
  la t1, h1_u
  csrw mepc, t1
  mret
h1_u:
  csrsi CSR_USTATUS, USTATUS_UIE
  li s6, 0
h1_iter:
  addi s6, s6, 1
  csrsi CSR_UIE, MIP_USIP
  la t1, h1_ready
  fence rw, w
  sd s6, 0(t1)
h1_spin:
  j h1_spin
h1_after:
  csrr s9, cycle
  sub s9, s9, s5
  la t1, h1_ret
  sd s9, 0(t1)
  la t1, h1_cycle
  sd s4, 0(t1)
  la t1, h1_done
  fence rw, w
  sd s6, 0(t1)
  j h1_iter

/* hart 1's U handler: the cycle first; collect the vector, mask USIE, resume at h1_after */
  .align 6
lat_utrap1:
  csrr s4, cycle
  csrrw t0, CSR_USCRATCH, t0
  sd t1, 0(t0)
  sd t2, 8(t0)
  UIPI_READ t1
  la t2, h1_vecs
  ld t2, 0(t2)
  or t1, t1, t2
  la t2, h1_vecs
  sd t1, 0(t2)
  la t1, h1_after
  csrw CSR_UEPC, t1
  li t1, MIP_USIP
  csrc CSR_UIE, t1
  ld t1, 0(t0)
  ld t2, 8(t0)
  csrrw t0, CSR_USCRATCH, t0
  /* the URET's cost: from here to h1_after's `csrr s9, cycle` (three NOPs let every
   * earlier result, this read's included, complete, so URET does not wait to drain) */
  csrr s5, cycle
  nop
  nop
  nop
  URET

/* any trap of hart 1 into M fails the run with status 200 */
  .align 6
h1_mtrap:
  li t1, (200 << 16) | FINISHER_FAIL
  li t2, FINISHER_BASE
  sw t1, 0(t2)
1:
  j 1b
TEST_END

  .data
  .balign 64
h0_save:   .zero 64
h0_vec = h0_save + 8
h1_save:   .zero 64
  .balign 64
h1_ready:  .dword 0
  .balign 64
h1_done:   .dword 0
  .balign 64
h1_cycle:  .dword 0
  .balign 64
h1_vecs:   .dword 0
h1_ret:    .dword 0
  .balign 64
same_lat:   .zero 8 * RUNS
cross_lat:  .zero 8 * RUNS
same_fetch:  .dword 0, 0
cross_fetch: .dword 0, 0
same_idx:   .dword SAME_IDX, SAME_IDX, SAME_IDX, SAME_IDX, SAME_COLD_IDX, SAME_COLD_IDX
cross_idx:  .dword CROSS_IDX, CROSS_IDX, CROSS_IDX, CROSS_IDX, CROSS_COLD_IDX, CROSS_COLD_IDX

  .balign 4096
uist:
  .dword UISTE(1, 1, 0)          /* 0: hart 0's own slot */
  .dword UISTE(1, 2, 1)          /* 1: hart 1's slot */
  .org uist + 8 * CROSS_COLD_IDX
  .dword UISTE(1, 6, 1)
  .org uist + 8 * SAME_COLD_IDX
  .dword UISTE(1, 5, 0)
  .balign 4096
