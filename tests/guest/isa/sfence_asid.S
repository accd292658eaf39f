/* Sv39 address spaces told apart by ASID: spaces A (ASID 1) and B (ASID 2) map the same virtual
 * page VA_P to different frames; switching satp between them (no SFENCE.VMA: the ASIDs differ)
 * shows each space its own data, for loads and stores. A changed PTE becomes visible after
 * SFENCE.VMA rs1 = the address (rs2 = x0, and rs2 = the space's ASID, also while the other space
 * is current) and after SFENCE.VMA rs1 = x0, rs2 = the ASID; a leaf made invalid faults in its
 * space only. A global mapping (G = 1, one set of tables under both roots) is seen alike by
 * both spaces, and a change to it is visible in both after SFENCE.VMA rs1 = its address,
 * rs2 = x0. Fetches follow the spaces as well: one virtual code page runs different code in A
 * and B, and a changed code PTE takes effect after SFENCE.VMA rs1 = the address, rs2 = the
 * ASID. The code runs through a global 1 GiB identity page present in both spaces.
 *
 * The tables are built here (not with the VM_* helpers, which keep one root). */
#include "test.h"

#define VA_P    0x40000000          /* private: root index 1 */
#define VA_X    0x40001000          /* private code page: next to VA_P */
#define VA_G    0x100000000         /* global: root index 4 */
#define ASID_A  1
#define ASID_B  2
#define ASID_SHIFT 44

#define RW_AD   (PTE_V | PTE_R | PTE_W | PTE_A | PTE_D)
#define RX_AD   (PTE_V | PTE_R | PTE_X | PTE_A | PTE_D)
#define RWX_ADG (PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D | PTE_G)

/* *(dst_table + 8 * idx) = pointer PTE to table `next` (labels). Clobbers a0-a2. */
.macro LINK table, idx, next
  la a0, \table
  la a1, \next
  MAKE_PTE a2, a1, PTE_V
  sd a2, (8 * \idx)(a0)
.endm
/* *(table + 8 * idx) = leaf PTE for frame `frame` (labels). Clobbers a0-a2. */
.macro LEAF table, idx, frame, flags
  la a0, \table
  la a1, \frame
  MAKE_PTE a2, a1, \flags
  sd a2, (8 * \idx)(a0)
.endm
/* reg = leaf PTE value for `frame` (label) with flags. Clobbers a1. */
.macro LEAF_VAL reg, frame, flags
  la a1, \frame
  MAKE_PTE \reg, a1, \flags
.endm

TEST_BEGIN
  /* ---- tables ---- */
  li a3, PTE(RAM_BASE, RWX_ADG)
  la a0, root_a
  sd a3, 16(a0)                     /* 0x8000_0000..: global identity gigapage */
  la a0, root_b
  sd a3, 16(a0)
  LINK root_a, 1, l1_a
  LINK root_b, 1, l1_b
  LINK root_a, 4, l1_g              /* one shared subtree for VA_G */
  LINK root_b, 4, l1_g
  LINK l1_a, 0, l0_a
  LINK l1_b, 0, l0_b
  LINK l1_g, 0, l0_g
  LEAF l0_a, 0, frame_a, RW_AD
  LEAF l0_b, 0, frame_b, RW_AD
  LEAF l0_g, 0, frame_g, (RW_AD | PTE_G)
  LEAF l0_a, 1, code_a, RX_AD
  LEAF l0_b, 1, code_b, RX_AD
  /* s2 / s3 = satp of A / B; s4 = VA_P, s5 = VA_G; s6 / s7 / s8 = the leaf PTEs' addresses */
  la a0, root_a
  srli a0, a0, 12
  li a1, SATP_SV39 | (ASID_A << ASID_SHIFT)
  or s2, a0, a1
  la a0, root_b
  srli a0, a0, 12
  li a1, SATP_SV39 | (ASID_B << ASID_SHIFT)
  or s3, a0, a1
  li s4, VA_P
  li s5, VA_G
  la s6, l0_a
  la s7, l0_b
  la s8, l0_g
  li s1, VA_X
  li s9, ASID_A
  li s10, ASID_B

  /* ---- ASIDs are implemented (else switching without a fence would be meaningless) ---- */
  TEST 1
  csrw satp, s2
  csrr a0, satp
  ASSERT_EQR a0, s2
  csrw satp, s3
  csrr a0, satp
  ASSERT_EQR a0, s3
  sfence.vma
  csrw satp, zero

  ENTER_MODE PRV_S, 1f
1:
  /* ---- each space its own frame ---- */
  TEST 2
  csrw satp, s2
  ld a0, 0(s4)
  ASSERT_EQ a0, 0xaaaa000000000000
  ld a0, 8(s4)                      /* (again: now surely cached) */
  ASSERT_EQ a0, 0xaaaa000000000001
  csrw satp, s3
  ld a0, 0(s4)
  ASSERT_EQ a0, 0xbbbb000000000000
  ld a0, 8(s4)
  ASSERT_EQ a0, 0xbbbb000000000001
  csrw satp, s2
  ld a0, 8(s4)
  ASSERT_EQ a0, 0xaaaa000000000001
  TEST 3
  /* stores land in the current space's frame */
  li a1, 0x1111
  sd a1, 16(s4)                     /* A */
  csrw satp, s3
  li a1, 0x2222
  sd a1, 16(s4)                     /* B */
  ld a0, 16(s4)
  ASSERT_EQ a0, 0x2222
  csrw satp, s2
  ld a0, 16(s4)
  ASSERT_EQ a0, 0x1111
  /* and physically (through the identity page) */
  la a2, frame_a
  ld a0, 16(a2)
  ASSERT_EQ a0, 0x1111
  la a2, frame_b
  ld a0, 16(a2)
  ASSERT_EQ a0, 0x2222
  TEST 4
  /* the global mapping: the same frame from both spaces */
  ld a0, 0(s5)
  ASSERT_EQ a0, 0x6666000000000000
  csrw satp, s3
  ld a0, 0(s5)
  ASSERT_EQ a0, 0x6666000000000000
  li a1, 0x3333
  sd a1, 8(s5)                      /* written from B... */
  csrw satp, s2
  ld a0, 8(s5)
  ASSERT_EQ a0, 0x3333              /* ...read from A */

  TEST 5
  /* fetches too: VA_X runs code_a in A, code_b in B */
  li a0, 0
  jalr ra, 0(s1)
  ASSERT_EQ a0, 0xa
  csrw satp, s3
  jalr ra, 0(s1)
  ASSERT_EQ a0, 0xb
  csrw satp, s2
  jalr ra, 0(s1)
  ASSERT_EQ a0, 0xa

  /* ---- SFENCE.VMA ---- */
  TEST 10
  /* in A: A's PTE -> frame_c; SFENCE.VMA VA_P, x0 */
  ld a0, 0(s4)                      /* (cached) */
  LEAF_VAL a2, frame_c, RW_AD
  sd a2, 0(s6)
  sfence.vma s4, zero
  ld a0, 0(s4)
  ASSERT_EQ a0, 0xcccc000000000000
  TEST 11
  /* B unaffected */
  csrw satp, s3
  ld a0, 0(s4)
  ASSERT_EQ a0, 0xbbbb000000000000
  csrw satp, s2
  ld a0, 0(s4)
  ASSERT_EQ a0, 0xcccc000000000000
  TEST 12
  /* in A, B's PTE -> frame_d; SFENCE.VMA VA_P, ASID_B from A; B sees it, A does not */
  LEAF_VAL a2, frame_d, RW_AD
  sd a2, 0(s7)
  sfence.vma s4, s10
  csrw satp, s3
  ld a0, 0(s4)
  ASSERT_EQ a0, 0xdddd000000000000
  csrw satp, s2
  ld a0, 0(s4)
  ASSERT_EQ a0, 0xcccc000000000000
  TEST 13
  /* SFENCE.VMA x0, ASID_A: A's PTE back to frame_a */
  LEAF_VAL a2, frame_a, RW_AD
  sd a2, 0(s6)
  sfence.vma zero, s9
  ld a0, 0(s4)
  ASSERT_EQ a0, 0xaaaa000000000000
  csrw satp, s3
  ld a0, 0(s4)
  ASSERT_EQ a0, 0xdddd000000000000
  TEST 14
  /* SFENCE.VMA VA_P, ASID_A while B is current: A's PTE -> frame_c again */
  LEAF_VAL a2, frame_c, RW_AD
  sd a2, 0(s6)
  sfence.vma s4, s9
  ld a0, 0(s4)
  ASSERT_EQ a0, 0xdddd000000000000
  csrw satp, s2
  ld a0, 0(s4)
  ASSERT_EQ a0, 0xcccc000000000000
  TEST 15
  /* the global PTE -> frame_h; SFENCE.VMA VA_G, x0: both spaces see it */
  ld a0, 0(s5)                      /* (cached in A) */
  csrw satp, s3
  ld a0, 0(s5)                      /* (and in B) */
  LEAF_VAL a2, frame_h, (RW_AD | PTE_G)
  sd a2, 0(s8)
  sfence.vma s5, zero
  ld a0, 0(s5)
  ASSERT_EQ a0, 0x8888000000000000
  csrw satp, s2
  ld a0, 0(s5)
  ASSERT_EQ a0, 0x8888000000000000
  TEST 16
  /* A's code page -> code_b (SFENCE.VMA VA_X, ASID_A): A now runs code_b */
  jalr ra, 0(s1)
  ASSERT_EQ a0, 0xa
  LEAF_VAL a2, code_b, RX_AD
  sd a2, 8(s6)
  sfence.vma s1, s9
  jalr ra, 0(s1)
  ASSERT_EQ a0, 0xb
  TEST 17
  /* B's leaf made invalid (SFENCE.VMA VA_P, ASID_B, from A): faults in B only, mtval = VA */
  sd zero, 0(s7)
  sfence.vma s4, s10
  ld a0, 0(s4)
  ASSERT_EQ a0, 0xcccc000000000000
  csrw satp, s3
  mv a5, s4
  TRAP_INSN CAUSE_LOAD_PAGE_FAULT, a5, ld a0, 0(a5)
  TRAP_INSN CAUSE_STORE_PAGE_FAULT, a5, sd a0, 0(a5)
  ld a0, 0(s5)                      /* the global page still there */
  ASSERT_EQ a0, 0x8888000000000000
  csrw satp, s2
  ld a0, 0(s4)
  ASSERT_EQ a0, 0xcccc000000000000
  csrw satp, zero
  ECALL_TO_M 1f
1:
  sfence.vma
  TEST_PASS
TEST_END

  .data
/* frame_x: dword i = 0xXXXX0000_00000000 | i (first 8 dwords; rest 0) */
.macro FRAME name, tag
  .balign 4096
\name:
  .set i, 0
  .rept 8
  .dword (\tag << 48) | i
  .set i, i + 1
  .endr
  .balign 4096
.endm
  FRAME frame_a, 0xaaaa
  FRAME frame_b, 0xbbbb
  FRAME frame_c, 0xcccc
  FRAME frame_d, 0xdddd
  FRAME frame_g, 0x6666
  FRAME frame_h, 0x8888

  .text
  .balign 4096
code_a:
  li a0, 0xa
  ret
  .balign 4096
code_b:
  li a0, 0xb
  ret
  .balign 4096

  .bss
  .balign 4096
root_a: .zero 4096
root_b: .zero 4096
l1_a:   .zero 4096
l1_b:   .zero 4096
l1_g:   .zero 4096
l0_a:   .zero 4096
l0_b:   .zero 4096
l0_g:   .zero 4096
