/* hartlab-only: an AMO that faults reports the store/AMO cause (privileged spec: AMOs raise
 * store/AMO exceptions), where QEMU 7.2 reports the load cause for some of them: access fault
 * 7 (QEMU: 5) on an address with no device, store page fault 15 (QEMU: 13) on an invalid PTE or
 * a U page touched from S without SUM, and 7 (QEMU: 5) for a PMP region without any permission;
 * also 15 / 7 for a read-only page / PMP region (QEMU agrees there). mtval = the address. */
#include "test.h"

#define HOLE   0x00200000
#define VA     0x40000000
#define RWX_AD (PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D)
#define RW_AD  (PTE_V | PTE_R | PTE_W | PTE_A | PTE_D)
#define ALL7   ((PMP_NAPOT | PMP_R | PMP_W | PMP_X) << 56)

TEST_BEGIN
  /* ---- access faults ---- */
  TEST 1
  li a5, HOLE
  TRAP_INSN CAUSE_STORE_ACCESS, a5, amoadd.w a0, a0, (a5)
  TRAP_INSN CAUSE_STORE_ACCESS, a5, amoswap.d a0, a0, (a5)
  li a5, HOLE + 0x18
  TRAP_INSN CAUSE_STORE_ACCESS, a5, amomin.d a0, a0, (a5)
  TEST 2
  ENTER_MODE PRV_U, 1f
1:
  li a5, HOLE + 4
  TRAP_INSN CAUSE_STORE_ACCESS, a5, amoxor.w a0, a0, (a5)
  ECALL_TO_M 1f
1:

  /* ---- page faults ---- */
  TEST 10
  VM_RESET
  VM_IDENTITY _start, _end, RWX_AD
  li s2, VA
  la s3, page_a
  VM_MAP_R s2, s3, (RW_AD & ~PTE_V)            /* VA: invalid */
  li s2, VA + 0x1000
  VM_MAP_R s2, s3, (RW_AD | PTE_U)             /* VA + 0x1000: U page */
  li s2, VA + 0x2000
  VM_MAP_R s2, s3, (PTE_V | PTE_R | PTE_A)     /* VA + 0x2000: read-only */
  VM_IDENTITY ucode_start, ucode_end, (PTE_V | PTE_R | PTE_X | PTE_U | PTE_A)
  VM_ENABLE
  ENTER_MODE PRV_S, 1f
1:
  li a5, VA + 0x10
  TRAP_INSN CAUSE_STORE_PAGE_FAULT, a5, amoor.d a0, a0, (a5)
  TRAP_INSN CAUSE_STORE_PAGE_FAULT, a5, amoadd.w a0, a0, (a5)
  TEST 11
  li a5, VA + 0x1020
  TRAP_INSN CAUSE_STORE_PAGE_FAULT, a5, amoswap.d a0, a0, (a5)
  TEST 12
  li a5, VA + 0x2030
  TRAP_INSN CAUSE_STORE_PAGE_FAULT, a5, amomaxu.w a0, a0, (a5)
  ECALL_TO_M 1f
1:
  TEST 13
  /* U: an S page */
  la a5, page_a
  EXPECT_TRAP CAUSE_STORE_PAGE_FAULT, u_amo, 2f, tval=a5, rmode=PRV_M
  ENTER_MODE PRV_U, u_amo
2:
  ASSERT_TRAPPED
  csrw satp, zero
  sfence.vma

  /* ---- PMP ---- */
  TEST 20
  li a0, -1
  csrw pmpaddr7, a0
  la a0, region
  srli a0, a0, 2
  ori a0, a0, 0x7              /* NAPOT 64 bytes */
  csrw pmpaddr0, a0
  li a0, ALL7 | PMP_NAPOT      /* entry 0: no permissions */
  csrw pmpcfg0, a0
  sfence.vma
  ENTER_MODE PRV_S, 1f
1:
  la a5, region + 8
  TRAP_INSN CAUSE_STORE_ACCESS, a5, amoadd.d a0, a0, (a5)
  ECALL_TO_M 1f
1:
  TEST 21
  li a0, ALL7 | PMP_NAPOT | PMP_R   /* read-only */
  csrw pmpcfg0, a0
  sfence.vma
  ENTER_MODE PRV_S, 1f
1:
  la a5, region + 16
  ld a0, 0(a5)
  TRAP_INSN CAUSE_STORE_ACCESS, a5, amoand.w a0, a0, (a5)
  ECALL_TO_M 1f
1:
  li a0, ALL7
  csrw pmpcfg0, a0
  sfence.vma

  TEST_PASS

  /* U code, in its own page */
  .balign 4096
ucode_start:
u_amo:
  amoadd.d a0, a0, (a5)
  j _fail
  .balign 4096
ucode_end:
TEST_END

  .data
  .balign 4096
page_a:
  .zero 4096
  .balign 64
region:
  .zero 64
