/* mstatus.MPRV in M: loads, stores and AMOs are translated and checked with the privilege in
 * MPP (S or U: U-bit rules, SUM, page faults with mcause / mepc / mtval exact) while
 * instruction fetch stays untranslated M; MPP = M means no translation. */
#include "test.h"

#define VA_S   0x40000000       /* S page -> page_a */
#define VA_U   0x40001000       /* U page -> page_b */
#define RWX_AD (PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D)
#define RW_AD  (PTE_V | PTE_R | PTE_W | PTE_A | PTE_D)

/* mstatus = MPRV | extra with MPP = mode */
.macro MPRV_ON mode, extra=0
  li t6, MSTATUS_MPRV | ((\mode) << 11) | (\extra)
  csrw mstatus, t6
.endm
.macro MPRV_OFF
  csrw mstatus, zero
.endm

TEST_BEGIN
  VM_RESET
  VM_IDENTITY _start, _end, RWX_AD
  li s2, VA_S
  la s3, page_a
  VM_MAP_R s2, s3, RW_AD
  li s2, VA_U
  la s3, page_b
  VM_MAP_R s2, s3, (RW_AD | PTE_U)
  /* page_c's own address is remapped to page_d */
  la s2, page_c
  la s3, page_d
  VM_MAP_R s2, s3, RW_AD
  VM_ENABLE

  TEST 1
  /* MPP = S: translated loads and stores */
  li a1, VA_S
  la a2, page_c
  MPRV_ON PRV_S
  ld a0, 8(a1)
  ld a3, 8(a2)                 /* page_c's address -> page_d */
  li a4, 0x4242
  sd a4, 16(a1)
  amoadd.d a5, a4, (a1)
  MPRV_OFF
  ASSERT_EQ a0, 0xaaaa000000000001
  ASSERT_EQ a3, 0xdddd000000000001
  ASSERT_EQ a5, 0xaaaa000000000000
  la a1, page_a
  ld a0, 16(a1)
  ASSERT_EQ a0, 0x4242
  ld a0, 0(a1)
  ASSERT_EQ a0, 0xaaaa000000004242
  TEST 2
  /* without MPRV, and with MPRV and MPP = M: physical */
  la a2, page_c
  ld a3, 8(a2)
  ASSERT_EQ a3, 0xcccc000000000001
  MPRV_ON PRV_M
  ld a3, 8(a2)
  MPRV_OFF
  ASSERT_EQ a3, 0xcccc000000000001
  TEST 3
  /* MPP = S, SUM = 0: U page faults; mepc = the M-mode load */
  li a5, VA_U + 0x20
  EXPECT_TRAP CAUSE_LOAD_PAGE_FAULT, 1f, 2f, tval=a5
  MPRV_ON PRV_S
1:
  ld a0, 0(a5)
  MPRV_OFF
  j _fail
2:
  MPRV_OFF
  ASSERT_TRAPPED
  REC_LOAD a0, REC_STATUS       /* trapped from M */
  ASSERT_MASKED a0, MSTATUS_MPP, MSTATUS_MPP_M
  EXPECT_TRAP CAUSE_STORE_PAGE_FAULT, 1f, 2f, tval=a5
  MPRV_ON PRV_S
1:
  sd a0, 0(a5)
  MPRV_OFF
  j _fail
2:
  MPRV_OFF
  ASSERT_TRAPPED
  TEST 4
  /* SUM = 1: allowed */
  li a5, VA_U + 0x20
  MPRV_ON PRV_S, MSTATUS_SUM
  ld a0, 0(a5)
  MPRV_OFF
  ASSERT_EQ a0, 0xbbbb000000000004
  TEST 5
  /* MPP = U: the U page works, the S page faults */
  li a5, VA_U + 0x28
  MPRV_ON PRV_U
  ld a0, 0(a5)
  li a1, 0x99
  sd a1, 0(a5)
  MPRV_OFF
  ASSERT_EQ a0, 0xbbbb000000000005
  la a2, page_b
  ld a0, 0x28(a2)
  ASSERT_EQ a0, 0x99
  li a5, VA_S + 0x30
  EXPECT_TRAP CAUSE_LOAD_PAGE_FAULT, 1f, 2f, tval=a5
  MPRV_ON PRV_U
1:
  lw a0, 0(a5)
  MPRV_OFF
  j _fail
2:
  MPRV_OFF
  ASSERT_TRAPPED
  EXPECT_TRAP CAUSE_STORE_PAGE_FAULT, 1f, 2f, tval=a5
  MPRV_ON PRV_U
1:
  sw a0, 0(a5)
  MPRV_OFF
  j _fail
2:
  MPRV_OFF
  ASSERT_TRAPPED
  TEST 6
  /* an unmapped address with MPRV faults as a page fault, not an access fault */
  li a5, 0x40100000
  EXPECT_TRAP CAUSE_LOAD_PAGE_FAULT, 1f, 2f, tval=a5
  MPRV_ON PRV_S
1:
  ld a0, 0(a5)
  MPRV_OFF
  j _fail
2:
  MPRV_OFF
  ASSERT_TRAPPED

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
page_c: FILL_PAGE 0xcccc
page_d: FILL_PAGE 0xdddd
