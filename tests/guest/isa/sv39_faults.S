/* Sv39 page faults (taken in M, mcause / mepc / mtval exact): invalid leaf (V = 0) for load,
 * store, LR and fetch; reserved W-without-R encodings; store / AMO / SC to a read-only page;
 * fetch from a non-executable page; a 32-bit instruction straddling into an unmapped page
 * (mepc = its start, mtval = the second page); misaligned 2 MiB and 1 GiB superpages;
 * non-canonical virtual addresses (load, store, fetch); a pointer PTE at the last level; a
 * missing level-2 entry; SFENCE.VMA (global and by address) making changed PTEs visible. */
#include "test.h"

#define VA      0x40000000
#define PA2M    0x80400000
#define RWX_AD  (PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D)
#define RW_AD   (PTE_V | PTE_R | PTE_W | PTE_A | PTE_D)
#define R_AD    (PTE_V | PTE_R | PTE_A | PTE_D)

TEST_BEGIN
  VM_RESET
  VM_IDENTITY _start, _end, RWX_AD
  li s2, VA
  la s3, page_a
  VM_MAP_R s2, s3, RW_AD                /* VA + 0x0000: page_a, changed by the tests */
  li s2, VA + 0x1000
  VM_MAP_R s2, s3, R_AD                 /* VA + 0x1000: page_a read-only */
  li s2, VA + 0x2000
  la s3, cpage
  VM_MAP_R s2, s3, RWX_AD               /* VA + 0x2000: code page; VA + 0x3000 unmapped */
  li s2, VA + 0x4000
  la s3, cpage
  VM_MAP_R s2, s3, RW_AD                /* VA + 0x4000: the code page without X */
  li s2, VA + 0x5000
  la s3, page_b
  VM_MAP_R s2, s3, RW_AD                /* VA + 0x5000: page_b */
  /* PTE addresses used below */
  li a0, VA
  VM_PTE_ADDR s4, a0                    /* s4 = &PTE(VA) */
  li a0, VA + 0x5000
  VM_PTE_ADDR s6, a0                    /* s6 = &PTE(VA + 0x5000) */
  li a0, 0x40600000
  VM_PTE_ADDR s7, a0, 1                 /* s7 = &level-1 PTE of 0x4060_0000 (2 MiB slot) */
  li a0, 0x140000000
  VM_PTE_ADDR s8, a0, 2                 /* s8 = &level-2 PTE of 0x1_4000_0000 (1 GiB slot) */
  li a0, 0x40800000
  VM_PTE_ADDR s9, a0, 1                 /* s9 = &level-1 PTE of 0x4080_0000 */
  VM_ENABLE
  la s3, page_a

  /* ---- invalid leaf ---- */
  TEST 1
  MAKE_PTE a0, s3, (RW_AD & ~PTE_V)
  sd a0, 0(s4)
  sfence.vma
  ENTER_MODE PRV_S, 1f
1:
  li a5, VA + 0x10
  TRAP_INSN CAUSE_LOAD_PAGE_FAULT, a5, ld a0, 0(a5)
  TRAP_INSN CAUSE_STORE_PAGE_FAULT, a5, sd a0, 0(a5)
  /* (an AMO here must raise 15: in the hartlab-only amo_faults.S, QEMU 7.2 raises 13) */
  TRAP_INSN CAUSE_LOAD_PAGE_FAULT, a5, lr.d a0, (a5)
  li a5, VA + 0x100
  EXPECT_TRAP CAUSE_FETCH_PAGE_FAULT, VA + 0x100, 2f, tval=a5
  jalr ra, 0(a5)
2:
  ASSERT_TRAPPED
  ECALL_TO_M 1f
1:
  /* ---- reserved: W without R ---- */
  TEST 2
  MAKE_PTE a0, s3, (PTE_V | PTE_W | PTE_A | PTE_D)
  sd a0, 0(s4)
  sfence.vma
  ENTER_MODE PRV_S, 1f
1:
  li a5, VA + 0x18
  TRAP_INSN CAUSE_LOAD_PAGE_FAULT, a5, ld a0, 0(a5)
  TRAP_INSN CAUSE_STORE_PAGE_FAULT, a5, sd a0, 0(a5)
  ECALL_TO_M 1f
1:
  TEST 3
  MAKE_PTE a0, s3, (PTE_V | PTE_W | PTE_X | PTE_A | PTE_D)
  sd a0, 0(s4)
  sfence.vma
  ENTER_MODE PRV_S, 1f
1:
  li a5, VA + 0x20
  TRAP_INSN CAUSE_LOAD_PAGE_FAULT, a5, lw a0, 0(a5)
  TRAP_INSN CAUSE_STORE_PAGE_FAULT, a5, sw a0, 0(a5)
  ECALL_TO_M 1f
1:
  /* ---- read-only page ---- */
  TEST 4
  ENTER_MODE PRV_S, 1f
1:
  li a5, VA + 0x1ff8
  ld a0, 0(a5)                          /* readable */
  ASSERT_EQ a0, 0xaaaa0000000001ff
  TRAP_INSN CAUSE_STORE_PAGE_FAULT, a5, sd a0, 0(a5)
  TRAP_INSN CAUSE_STORE_PAGE_FAULT, a5, sb a0, 0(a5)
  TRAP_INSN CAUSE_STORE_PAGE_FAULT, a5, amoswap.d a0, a0, (a5)
  TRAP_INSN CAUSE_STORE_PAGE_FAULT, a5, amoadd.w a0, a0, (a5)
  lr.d a0, (a5)
  TRAP_INSN CAUSE_STORE_PAGE_FAULT, a5, sc.d a1, a0, (a5)
  ECALL_TO_M 1f
1:
  /* ---- fetch ---- */
  TEST 5
  ENTER_MODE PRV_S, 1f
1:
  /* the code page works through VA + 0x2000 ... */
  li a0, 0
  li a1, VA + 0x2000
  jalr ra, 0(a1)
  ASSERT_EQ a0, 0x77
  /* ... but not without X */
  li a5, VA + 0x4000
  EXPECT_TRAP CAUSE_FETCH_PAGE_FAULT, VA + 0x4000, 2f, tval=a5
  jalr ra, 0(a5)
2:
  ASSERT_TRAPPED
  TEST 6
  /* a 32-bit instruction in the last 2 bytes of the page, the next page unmapped */
  li a5, VA + 0x3000
  EXPECT_TRAP CAUSE_FETCH_PAGE_FAULT, VA + 0x2ffe, 2f, tval=a5
  li a0, VA + 0x2ffe
  jalr ra, 0(a0)
2:
  ASSERT_TRAPPED
  ECALL_TO_M 1f
1:
  /* ---- misaligned superpages ---- */
  TEST 10
  li a0, PA2M + 0x1000                  /* ppn[0] != 0 in a 2 MiB leaf */
  MAKE_PTE a1, a0, RW_AD
  sd a1, 0(s7)
  li a0, RAM_BASE + 0x200000            /* ppn[1] != 0 in a 1 GiB leaf */
  MAKE_PTE a1, a0, RW_AD
  sd a1, 0(s8)
  sfence.vma
  ENTER_MODE PRV_S, 1f
1:
  li a5, 0x40600008
  TRAP_INSN CAUSE_LOAD_PAGE_FAULT, a5, ld a0, 0(a5)
  TRAP_INSN CAUSE_STORE_PAGE_FAULT, a5, sd a0, 0(a5)
  li a5, 0x140000010
  TRAP_INSN CAUSE_LOAD_PAGE_FAULT, a5, ld a0, 0(a5)
  ECALL_TO_M 1f
1:
  TEST 11
  /* the same slots with aligned physical addresses work */
  li a0, PA2M
  MAKE_PTE a1, a0, RW_AD
  sd a1, 0(s7)
  li a0, RAM_BASE
  MAKE_PTE a1, a0, RW_AD
  sd a1, 0(s8)
  sfence.vma
  la a0, page_a
  li a1, RAM_BASE
  sub s5, a0, a1                        /* offset of page_a in RAM */
  ENTER_MODE PRV_S, 1f
1:
  li a0, 0x40600008
  ld a1, 0(a0)
  li a0, 0x140000000
  add a0, a0, s5
  ld a1, 8(a0)
  ASSERT_EQ a1, 0xaaaa000000000001
  ECALL_TO_M 1f
1:
  /* ---- non-canonical addresses (bits 63:39 != bit 38) ---- */
  TEST 20
  ENTER_MODE PRV_S, 1f
1:
  li a5, 0x0000008000000000
  TRAP_INSN CAUSE_LOAD_PAGE_FAULT, a5, ld a0, 0(a5)
  li a5, 0x8000000040000000
  TRAP_INSN CAUSE_LOAD_PAGE_FAULT, a5, ld a0, 0(a5)
  li a5, 0xffffffbfc0000000
  TRAP_INSN CAUSE_STORE_PAGE_FAULT, a5, sd a0, 0(a5)
  li a5, 0x0000004000000000 + VA
  EXPECT_TRAP_R CAUSE_FETCH_PAGE_FAULT, a5, 2f, tval=a5
  jalr ra, 0(a5)
2:
  ASSERT_TRAPPED
  ECALL_TO_M 1f
1:
  /* ---- malformed walks ---- */
  TEST 21
  /* level-1 entry points to a table whose level-0 entry is a pointer (V only) */
  la a0, ptr_table
  MAKE_PTE a1, a0, PTE_V
  sd a1, 0(s9)                          /* level 1 of 0x4080_0000 -> ptr_table */
  sd a1, 0(a0)                          /* ptr_table[0] -> ptr_table: a pointer at level 0 */
  sfence.vma
  ENTER_MODE PRV_S, 1f
1:
  li a5, 0x40800040
  TRAP_INSN CAUSE_LOAD_PAGE_FAULT, a5, ld a0, 0(a5)
  TEST 22
  /* no level-2 entry at all */
  li a5, 0x2000000000
  TRAP_INSN CAUSE_LOAD_PAGE_FAULT, a5, ld a0, 0(a5)
  ECALL_TO_M 1f
1:
  /* ---- SFENCE.VMA ---- */
  TEST 30
  ENTER_MODE PRV_S, 1f
1:
  li a4, VA + 0x5000
  ld a0, 8(a4)
  ASSERT_EQ a0, 0xbbbb000000000001
  ECALL_TO_M 1f
1:
  la a0, page_a
  MAKE_PTE a1, a0, RW_AD
  sd a1, 0(s6)                          /* VA + 0x5000 -> page_a */
  ENTER_MODE PRV_S, 1f
1:
  sfence.vma
  ld a0, 8(a4)
  ASSERT_EQ a0, 0xaaaa000000000001
  ECALL_TO_M 1f
1:
  TEST 31
  la a0, page_b
  MAKE_PTE a1, a0, RW_AD
  sd a1, 0(s6)                          /* back to page_b */
  ENTER_MODE PRV_S, 1f
1:
  sfence.vma a4, zero                   /* by address */
  ld a0, 8(a4)
  ASSERT_EQ a0, 0xbbbb000000000001
  ECALL_TO_M 1f
1:
  TEST 32
  sd zero, 0(s6)                        /* unmap */
  ENTER_MODE PRV_S, 1f
1:
  li a0, VA + 0x5abc
  sfence.vma a0, zero                   /* any address within the page */
  li a5, VA + 0x5008
  TRAP_INSN CAUSE_LOAD_PAGE_FAULT, a5, ld a0, 0(a5)
  ECALL_TO_M 1f
1:
  TEST 33
  /* and mapped again, made visible by an SFENCE.VMA for ASID 0 */
  la a0, page_b
  MAKE_PTE a1, a0, RW_AD
  sd a1, 0(s6)
  ENTER_MODE PRV_S, 1f
1:
  sfence.vma zero, zero
  ld a0, 8(a4)
  ASSERT_EQ a0, 0xbbbb000000000001
  ECALL_TO_M 1f
1:
  csrw satp, zero
  sfence.vma
  TEST_PASS
TEST_END

  .data
  .balign 4096
.macro FILL_PAGE tag
  .set i, 0
  .rept 512
  .dword (\tag << 48) | i
  .set i, i + 1
  .endr
.endm
page_a: FILL_PAGE 0xaaaa
page_b: FILL_PAGE 0xbbbb
/* code page: a routine at its start, the first half of a 32-bit instruction at its end */
cpage:
  li a0, 0x77
  ret
  .skip cpage + 4096 - 2 - .
  .hword 0x0513                         /* low half of addi a0, zero, ... */
ptr_table:
  .zero 4096
