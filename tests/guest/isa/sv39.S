/* Sv39 translation in S and U: 4 KiB, 2 MiB and 1 GiB leaves (low and upper canonical half),
 * two virtual pages aliasing one physical page, executing through a mapping, A and D set by
 * hardware on read / write / fetch, the U bit (S access to U pages faults with SUM = 0 and works
 * with SUM = 1; S never executes from a U page; U cannot touch S pages), MXR making
 * execute-only pages readable, page faults delegated to S (scause / sepc / stval exact) and
 * taken in M (mcause / mepc / mtval exact). The image is identity-mapped (S pages) so the code,
 * the handlers and the test data keep working; user code sits in its own pages. */
#include "test.h"

#define VA4K     0x40000000        /* 4 KiB pages at 0x4000_0000 + n * 0x1000 */
#define VA2M     0x40200000
#define PA2M     0x80400000        /* a 2 MiB-aligned RAM region above the image */
#define VA1G     0x100000000
#define VA1G_HI  0xffffffffc0000000
#define VACODE   0x40400000

#define RWX_AD   (PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D)
#define RW_AD    (PTE_V | PTE_R | PTE_W | PTE_A | PTE_D)

/* From M: run the U routine `ulabel` which ends with an ECALL at `ulabel`_ecall; back in M */
.macro RUN_U ulabel
  EXPECT_TRAP CAUSE_ECALL_U, \ulabel\()_ecall, .Lru\@, rmode=PRV_M
  ENTER_MODE PRV_U, \ulabel
.Lru\@:
  ASSERT_TRAPPED
.endm

TEST_BEGIN
  /* ---- page tables ---- */
  VM_RESET
  VM_IDENTITY _start, _end, RWX_AD
  /* user code pages */
  VM_IDENTITY ucode_start, ucode_end, (PTE_V | PTE_R | PTE_X | PTE_U | PTE_A | PTE_D)
  /* 4 KiB pages */
  li s2, VA4K
  la s3, page_a
  VM_MAP_R s2, s3, RW_AD                        /* VA4K + 0x0000 -> page_a */
  li s2, VA4K + 0x1000
  VM_MAP_R s2, s3, RW_AD                        /* VA4K + 0x1000 -> page_a (alias) */
  li s2, VA4K + 0x2000
  la s3, page_b
  VM_MAP_R s2, s3, (PTE_V | PTE_R | PTE_W)      /* A = D = 0 */
  li s2, VA4K + 0x3000
  la s3, page_c
  VM_MAP_R s2, s3, (RW_AD | PTE_U)              /* user data */
  li s2, VA4K + 0x4000
  la s3, page_d
  VM_MAP_R s2, s3, (PTE_V | PTE_X | PTE_A)      /* execute-only */
  li s2, VA4K + 0x5000
  la s3, page_c
  VM_MAP_R s2, s3, (PTE_V | PTE_R | PTE_U | PTE_A)   /* user read-only alias of page_c */
  li s2, VACODE
  la s3, vcode
  VM_MAP_R s2, s3, (PTE_V | PTE_R | PTE_X)      /* code, A = 0 */
  li s2, VACODE + 0x1000
  la s3, vcode
  VM_MAP_R s2, s3, (PTE_V | PTE_R | PTE_X | PTE_U | PTE_A)   /* the same code as U */
  /* 2 MiB and 1 GiB */
  li s2, VA2M
  li s3, PA2M
  VM_MAP_R s2, s3, RW_AD, 1
  li s2, VA1G
  li s3, RAM_BASE
  VM_MAP_R s2, s3, RW_AD, 2
  li s2, VA1G_HI
  VM_MAP_R s2, s3, RW_AD, 2
  VM_ENABLE

  /* ---- S: basic translation ---- */
  TEST 1
  ENTER_MODE PRV_S, 1f
1:
  /* running translated (identity) */
  la a0, page_a
  ld a1, 8(a0)
  ASSERT_EQ a1, 0xaaaa000000000001
  TEST 2
  li a0, VA4K
  ld a1, 8(a0)
  ASSERT_EQ a1, 0xaaaa000000000001
  li a2, VA4K + 0xff8
  ld a1, 0(a2)
  ASSERT_EQ a1, 0xaaaa0000000001ff
  TEST 3
  /* store through one alias, read through the other and physically */
  li a2, 0x1234567890abcdef
  sd a2, 16(a0)
  li a3, VA4K + 0x1000
  ld a4, 16(a3)
  ASSERT_EQR a4, a2
  la a3, page_a
  ld a4, 16(a3)
  ASSERT_EQR a4, a2
  TEST 4
  /* 2 MiB page: VA2M + x -> PA2M + x (written physically below by M before: see TEST 0 data) */
  li a0, VA2M + 0x12340
  li a1, 0x0badc0de
  sw a1, 0(a0)
  li a0, VA2M + 0x1ffff8
  li a1, 0x600d
  sd a1, 0(a0)
  TEST 5
  /* 1 GiB pages map all of the first GiB of RAM: page_a seen at VA1G + offset */
  la a0, page_a
  li a1, RAM_BASE
  sub a0, a0, a1
  li a2, VA1G
  add a2, a2, a0
  ld a3, 8(a2)
  ASSERT_EQ a3, 0xaaaa000000000001
  li a2, VA1G_HI
  add a2, a2, a0
  ld a3, 8(a2)
  ASSERT_EQ a3, 0xaaaa000000000001
  sd a3, 24(a2)
  la a4, page_a
  ld a4, 24(a4)
  ASSERT_EQ a4, 0xaaaa000000000001
  TEST 6
  /* execute through a mapping */
  li a0, 0
  li a1, VACODE
  jalr ra, 0(a1)
  ASSERT_EQ a0, 0x5a
  ECALL_TO_M 1f
1:
  TEST 7
  /* M checks what S wrote into the 2 MiB page */
  li a0, PA2M + 0x12340
  lwu a1, 0(a0)
  ASSERT_EQ a1, 0x0badc0de
  li a0, PA2M + 0x1ffff8
  ld a1, 0(a0)
  ASSERT_EQ a1, 0x600d

  /* ---- A / D ---- */
  TEST 10
  /* the fetch through VACODE set A */
  li a0, VACODE
  VM_PTE_ADDR s4, a0
  ld a1, 0(s4)
  ASSERT_MASKED a1, PTE_A | PTE_D, PTE_A
  TEST 11
  li a0, VA4K + 0x2000
  VM_PTE_ADDR s4, a0
  ld a1, 0(s4)
  ASSERT_MASKED a1, PTE_A | PTE_D, 0
  ENTER_MODE PRV_S, 1f
1:
  li a0, VA4K + 0x2000
  ld a1, 0(a0)
  ASSERT_EQ a1, 0xbbbb000000000000
  ECALL_TO_M 1f
1:
  ld a1, 0(s4)
  ASSERT_MASKED a1, PTE_A | PTE_D, PTE_A       /* read: A only */
  TEST 12
  ENTER_MODE PRV_S, 1f
1:
  li a0, VA4K + 0x2000
  li a1, 0x77
  sd a1, 8(a0)
  ECALL_TO_M 1f
1:
  ld a1, 0(s4)
  ASSERT_MASKED a1, PTE_A | PTE_D, PTE_A | PTE_D
  la a0, page_b
  ld a1, 8(a0)
  ASSERT_EQ a1, 0x77
  TEST 13
  /* a store to a page with A = D = 0 sets both */
  ld a1, 0(s4)
  andi a1, a1, ~(PTE_A | PTE_D)
  sd a1, 0(s4)
  sfence.vma
  ENTER_MODE PRV_S, 1f
1:
  li a0, VA4K + 0x2000
  sw zero, 16(a0)
  ECALL_TO_M 1f
1:
  ld a1, 0(s4)
  ASSERT_MASKED a1, PTE_A | PTE_D, PTE_A | PTE_D

  /* ---- U bit and SUM ---- */
  TEST 20
  /* S touching a U page with SUM = 0: page faults (taken in M here) */
  csrw mstatus, zero
  li a5, VA4K + 0x3008
  ENTER_MODE PRV_S, 1f
1:
  TRAP_INSN CAUSE_LOAD_PAGE_FAULT, a5, ld a0, 0(a5)
  TRAP_INSN CAUSE_STORE_PAGE_FAULT, a5, sd a0, 0(a5)
  TEST 21
  /* SUM = 1: allowed */
  li a0, MSTATUS_SUM
  csrs sstatus, a0
  ld a0, 0(a5)
  ASSERT_EQ a0, 0xcccc000000000001
  li a1, 0x5555
  sd a1, 0(a5)
  ld a0, 0(a5)
  ASSERT_EQ a0, 0x5555
  TEST 22
  /* S never executes from a U page, SUM or not: fault at the target */
  li a5, VACODE + 0x1000
  EXPECT_TRAP CAUSE_FETCH_PAGE_FAULT, VACODE + 0x1000, 2f, tval=a5
  jalr ra, 0(a5)
2:
  ASSERT_TRAPPED
  li a0, MSTATUS_SUM
  csrc sstatus, a0
  ECALL_TO_M 1f
1:
  TEST 23
  /* U: its own pages work (load, store, fetch through the U alias of vcode) */
  li a4, VA4K + 0x3000
  RUN_U u_access
  ASSERT_EQ a0, 0xcccc000000000000
  ASSERT_EQ a1, 0x5a
  la a2, page_c
  ld a3, 0x10(a2)
  ASSERT_EQ a3, 0x1234
  TEST 24
  /* U: S pages fault */
  la a4, page_a
  mv a5, a4
  EXPECT_TRAP CAUSE_LOAD_PAGE_FAULT, u_load, 2f, tval=a5, rmode=PRV_M
  ENTER_MODE PRV_U, u_load
2:
  ASSERT_TRAPPED
  EXPECT_TRAP CAUSE_STORE_PAGE_FAULT, u_store, 2f, tval=a5, rmode=PRV_M
  ENTER_MODE PRV_U, u_store
2:
  ASSERT_TRAPPED
  la a4, page_a
  mv a5, a4
  EXPECT_TRAP CAUSE_FETCH_PAGE_FAULT, page_a, 2f, tval=a5, rmode=PRV_M
  ENTER_MODE PRV_U, u_jump
2:
  ASSERT_TRAPPED
  TEST 25
  /* U: store to a read-only U page */
  li a4, VA4K + 0x5000
  mv a5, a4
  EXPECT_TRAP CAUSE_STORE_PAGE_FAULT, u_store, 2f, tval=a5, rmode=PRV_M
  ENTER_MODE PRV_U, u_store
2:
  ASSERT_TRAPPED
  /* ...which it can read */
  RUN_U u_load
  ASSERT_EQ a0, 0xcccc000000000000

  /* ---- MXR ---- */
  TEST 30
  li a5, VA4K + 0x4000
  ENTER_MODE PRV_S, 1f
1:
  TRAP_INSN CAUSE_LOAD_PAGE_FAULT, a5, ld a0, 0(a5)
  li a0, MSTATUS_MXR
  csrs sstatus, a0
  ld a0, 0(a5)
  ASSERT_EQ a0, 0xdddd000000000000
  /* MXR does not make it writable */
  TRAP_INSN CAUSE_STORE_PAGE_FAULT, a5, sd a0, 0(a5)
  li a0, MSTATUS_MXR
  csrc sstatus, a0
  ECALL_TO_M 1f
1:

  /* ---- delegated page faults ---- */
  TEST 40
  li a0, (1 << CAUSE_LOAD_PAGE_FAULT) | (1 << CAUSE_STORE_PAGE_FAULT) | (1 << CAUSE_FETCH_PAGE_FAULT)
  csrw medeleg, a0
  li a5, VA4K + 0x3ff0
  ENTER_MODE PRV_S, 1f
1:
  TRAP_INSN_S CAUSE_LOAD_PAGE_FAULT, a5, lw a0, 0(a5)
  TRAP_INSN_S CAUSE_STORE_PAGE_FAULT, a5, sh a0, 0(a5)
  li a5, VACODE + 0x1000
  EXPECT_TRAP CAUSE_FETCH_PAGE_FAULT, VACODE + 0x1000, 2f, tval=a5, mode=PRV_S
  jalr ra, 0(a5)
2:
  ASSERT_TRAPPED
  ECALL_TO_M 1f
1:
  TEST 41
  /* from U, delegated: sstatus.SPP = U */
  la a4, page_a
  mv a5, a4
  EXPECT_TRAP CAUSE_LOAD_PAGE_FAULT, u_load, 2f, tval=a5, mode=PRV_S, rmode=PRV_S
  ENTER_MODE PRV_U, u_load
2:
  ASSERT_TRAPPED
  REC_LOAD a0, REC_STATUS
  ASSERT_MASKED a0, MSTATUS_SPP, 0
  ECALL_TO_M 1f
1:
  csrw medeleg, zero
  csrw satp, zero
  sfence.vma
  TEST_PASS

/* ---------- code executed through VACODE (own page) ---------- */
  .balign 4096
vcode:
  li a0, 0x5a
  ret
  .balign 4096

/* ---------- user pages ---------- */
ucode_start:
u_access:                    /* a4 = user data page */
  ld a0, 0(a4)
  li a2, 0x1234
  sd a2, 0x10(a4)
  li a1, VACODE + 0x1000
  mv s5, a0
  jalr ra, 0(a1)             /* a0 = 0x5a */
  mv a1, a0
  mv a0, s5
u_access_ecall:
  ecall
u_load:
  ld a0, 0(a4)
u_load_ecall:
  ecall
u_store:
  sd a0, 0(a4)
u_store_ecall:
  ecall
u_jump:
  jalr ra, 0(a4)
u_jump_ecall:
  ecall
  .balign 4096
ucode_end:
TEST_END

  .data
  .balign 4096
/* page_x: dword i = 0xXXXX0000_00000000 | i */
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
