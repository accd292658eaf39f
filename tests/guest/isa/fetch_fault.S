/* Instruction-fetch faults, with mepc / mtval (sepc / stval) exact. In M (bare): an access fault
 * at a jump target with no device behind it and at a device (CLINT, PLIC: I/O regions are not
 * executable); the jump itself completes (its link register is written). PMP: an access fault
 * at a target S and U may not execute (M, unbound by an unlocked entry, runs it), and for an
 * instruction straddling into such a page (mepc = its start, mtval = the second page). Under Sv39,
 * from S: an instruction page fault at an unmapped target and at a non-executable page
 * (mepc = mtval = the target); an access fault at a mapped virtual page with nothing or the CLINT
 * behind it (mtval = the virtual address); a 32-bit instruction straddling two pages runs when
 * both are executable, and when the second page is invalid or not executable faults with
 * mepc = the instruction's start and mtval = the second page, whether jumped to directly or
 * reached sequentially (the instructions before it retire), also when delegated to S. */
#include "test.h"

#define HOLE    0x00200000
#define VA      0x40000000
#define RWX_AD  (PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D)
#define RW_AD   (PTE_V | PTE_R | PTE_W | PTE_A | PTE_D)
#define RX_AD   (PTE_V | PTE_R | PTE_X | PTE_A | PTE_D)

/* a5 = target: jump to it with jalr ra; the fetch must fault with `cause` at mepc = epcreg,
 * mtval = tvalreg, taken by handler `mode`; afterwards ra must hold the jump's return address. */
.macro JUMP_FAULT cause, epcreg, tvalreg, mode=3
  EXPECT_TRAP_R \cause, \epcreg, .Ljf_after\@, tval=\tvalreg, mode=\mode
.Ljf_at\@:
  jalr ra, 0(a5)
  j _fail
.Ljf_after\@:
  ASSERT_TRAPPED
  la t6, .Ljf_at\@ + 4
  ASSERT_EQR ra, t6
.endm

TEST_BEGIN
  /* ---- M, bare: nothing at the target ---- */
  TEST 1
  li a5, HOLE
  JUMP_FAULT CAUSE_FETCH_ACCESS, a5, a5
  TEST 2
  li a5, HOLE + 0x7fc
  JUMP_FAULT CAUSE_FETCH_ACCESS, a5, a5
  TEST 3
  /* devices */
  li a5, CLINT_BASE
  JUMP_FAULT CAUSE_FETCH_ACCESS, a5, a5
  li a5, CLINT_MTIME
  JUMP_FAULT CAUSE_FETCH_ACCESS, a5, a5
  TEST 4
  li a5, 0x0c000000            /* PLIC: priority registers */
  JUMP_FAULT CAUSE_FETCH_ACCESS, a5, a5
  /* (not the UART: QEMU 7.2 fetches from it, reading RBR, and raises illegal instruction) */

  /* ---- PMP: a page without X ---- */
  TEST 5
  /* entry 0: nx_page, R only; entry 1: everything, RWX */
  la a0, nx_page
  srli a0, a0, 2
  ori a0, a0, 0x1ff            /* NAPOT 4 KiB */
  csrw pmpaddr0, a0
  li a0, -1
  csrw pmpaddr1, a0
  li a0, (PMP_NAPOT | PMP_R) | ((PMP_NAPOT | PMP_R | PMP_W | PMP_X) << 8)
  csrw pmpcfg0, a0
  sfence.vma
  /* M is not bound by an unlocked entry: runs */
  li a0, 0
  la a5, nx_page
  jalr ra, 0(a5)
  ASSERT_EQ a0, 0x77
  TEST 6
  /* S: access fault at the target; S can still read the page */
  ENTER_MODE PRV_S, 1f
1:
  la a5, nx_page
  ld a0, 0(a5)
  li a0, 0
  JUMP_FAULT CAUSE_FETCH_ACCESS, a5, a5
  ASSERT_EQ a0, 0
  TEST 7
  /* U too */
  S_ENTER_U 1f
1:
  la a5, nx_page
  JUMP_FAULT CAUSE_FETCH_ACCESS, a5, a5
  ECALL_TO_M 1f
1:
  TEST 8
  /* straddling into a page PMP denies execution to (S, bare): access fault, mepc = the
   * instruction's start, mtval = the second page */
  la a0, spage1
  srli a0, a0, 2
  ori a0, a0, 0x1ff
  csrw pmpaddr0, a0
  sfence.vma
  la s5, spage0 + 0xffe
  la s6, spage1
  ENTER_MODE PRV_S, 1f
1:
  li a0, 0
  la a5, spage0 + 0xffe
  JUMP_FAULT CAUSE_FETCH_ACCESS, s5, s6
  ASSERT_EQ a0, 0
  la a5, spage0 + 0xff8
  JUMP_FAULT CAUSE_FETCH_ACCESS, s5, s6
  ASSERT_EQ a0, 3
  ECALL_TO_M 1f
1:
  li a0, -1
  csrw pmpaddr0, a0
  csrw pmpaddr1, zero
  li a0, PMP_NAPOT | PMP_R | PMP_W | PMP_X
  csrw pmpcfg0, a0
  sfence.vma

  /* ---- Sv39 ---- */
  VM_RESET
  VM_IDENTITY _start, _end, RWX_AD
  /* VA + 0x0000: unmapped */
  li s2, VA + 0x1000
  la s3, cpage
  VM_MAP_R s2, s3, RW_AD                /* the code page, without X */
  li s2, VA + 0x2000
  la s3, spage0
  VM_MAP_R s2, s3, RX_AD                /* straddle: first page */
  li s2, VA + 0x3000
  la s3, spage1
  VM_MAP_R s2, s3, RX_AD                /* straddle: second page (changed below) */
  li s2, VA + 0x5000
  li s3, HOLE
  VM_MAP_R s2, s3, RWX_AD               /* executable, but nothing behind it */
  li s2, VA + 0x6000
  li s3, CLINT_BASE
  VM_MAP_R s2, s3, RWX_AD               /* executable, but the CLINT behind it */
  li a0, VA + 0x3000
  VM_PTE_ADDR s4, a0                    /* s4 = &PTE(VA + 0x3000) */
  VM_ENABLE

  TEST 10
  /* unmapped target */
  ENTER_MODE PRV_S, 1f
1:
  li a5, VA + 0x100
  JUMP_FAULT CAUSE_FETCH_PAGE_FAULT, a5, a5
  TEST 11
  /* non-executable page (readable: the mapping itself is fine) */
  li a5, VA + 0x1000
  ld a0, 0(a5)
  JUMP_FAULT CAUSE_FETCH_PAGE_FAULT, a5, a5
  li a5, VA + 0x1ffc
  JUMP_FAULT CAUSE_FETCH_PAGE_FAULT, a5, a5
  TEST 12
  /* through the identity mapping the same code runs */
  li a0, 0
  la a5, cpage
  jalr ra, 0(a5)
  ASSERT_EQ a0, 0x55
  TEST 13
  /* mapped, executable, but no device: access fault, mtval = the virtual address */
  li a5, VA + 0x5010
  JUMP_FAULT CAUSE_FETCH_ACCESS, a5, a5
  li a5, VA + 0x6000
  JUMP_FAULT CAUSE_FETCH_ACCESS, a5, a5

  /* ---- straddling ---- */
  TEST 20
  /* both pages executable: from VA + 0x2ff8 the three instructions add 1 + 2 + 4 and return */
  li a0, 0
  li a5, VA + 0x2ff8
  jalr ra, 0(a5)
  ASSERT_EQ a0, 7
  TEST 21
  /* jumping onto the straddling instruction: adds 4 */
  li a0, 0
  li a5, VA + 0x2ffe
  jalr ra, 0(a5)
  ASSERT_EQ a0, 4
  ECALL_TO_M 1f
1:
  TEST 22
  /* second page invalid: jump onto the instruction -> mepc = VA + 0x2ffe, mtval = VA + 0x3000 */
  ld a0, 0(s4)
  andi a0, a0, ~PTE_V
  sd a0, 0(s4)
  sfence.vma
  li s5, VA + 0x2ffe
  li s6, VA + 0x3000
  ENTER_MODE PRV_S, 1f
1:
  li a0, 0
  li a5, VA + 0x2ffe
  JUMP_FAULT CAUSE_FETCH_PAGE_FAULT, s5, s6
  ASSERT_EQ a0, 0
  TEST 23
  /* reached sequentially: the two instructions before it retire (a0 = 3), then the fault */
  li a0, 0
  li a5, VA + 0x2ff8
  JUMP_FAULT CAUSE_FETCH_PAGE_FAULT, s5, s6
  ASSERT_EQ a0, 3
  ECALL_TO_M 1f
1:
  TEST 24
  /* delegated: scause / sepc / stval the same */
  li a0, 1 << CAUSE_FETCH_PAGE_FAULT
  csrw medeleg, a0
  ENTER_MODE PRV_S, 1f
1:
  li a0, 0
  li a5, VA + 0x2ffe
  JUMP_FAULT CAUSE_FETCH_PAGE_FAULT, s5, s6, PRV_S
  li a5, VA + 0x2ff8
  JUMP_FAULT CAUSE_FETCH_PAGE_FAULT, s5, s6, PRV_S
  ASSERT_EQ a0, 3
  ECALL_TO_M 1f
1:
  csrw medeleg, zero
  TEST 25
  /* second page valid but not executable: the same fault */
  la a1, spage1
  MAKE_PTE a0, a1, RW_AD
  sd a0, 0(s4)
  sfence.vma
  ENTER_MODE PRV_S, 1f
1:
  li a5, VA + 0x2ffe
  JUMP_FAULT CAUSE_FETCH_PAGE_FAULT, s5, s6
  ECALL_TO_M 1f
1:
  TEST 26
  /* second page executable again: runs */
  la a1, spage1
  MAKE_PTE a0, a1, RX_AD
  sd a0, 0(s4)
  sfence.vma
  ENTER_MODE PRV_S, 1f
1:
  li a0, 0
  li a5, VA + 0x2ff8
  jalr ra, 0(a5)
  ASSERT_EQ a0, 7
  ECALL_TO_M 1f
1:
  csrw satp, zero
  sfence.vma
  TEST_PASS

/* ---------- code pages ---------- */
  .balign 4096
cpage:
  li a0, 0x55
  ret
  .balign 4096
nx_page:
  li a0, 0x77
  ret
  .balign 4096
/* spage0 + 0xff8: addi a0, a0, 1; +0xffc: c.addi a0, 2; +0xffe: addi a0, a0, 4 (its upper
 * half at spage1 + 0); spage1 + 2: ret. Written as halfwords to pin the layout. */
spage0:
  .skip 0xff8
  .2byte 0x0513, 0x0015          /* addi a0, a0, 1 */
  .2byte 0x0509                  /* c.addi a0, 2 */
  .2byte 0x0513                  /* addi a0, a0, 4: low half */
spage1:
  .2byte 0x0045                  /* ...high half */
  .2byte 0x8067, 0x0000          /* ret (jalr x0, 0(ra)) */
  .balign 4096
TEST_END
