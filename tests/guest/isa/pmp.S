/* PMP: granularity 4 bytes (G = 0, as QEMU); TOR, NA4 and NAPOT
 * (8 bytes, 4 KiB) regions denying S and U reads / writes / fetches with access faults 5 / 7 / 1
 * (mtval = address); lower-numbered entries take priority; M unaffected by unlocked entries
 * but failing accesses that only partly match an entry; the page-table walk checked by PMP
 * (access fault, mtval = the virtual address); the L bit applying to M and freezing the
 * entry's pmpcfg byte and pmpaddr, and the pmpaddr below a locked TOR entry. Entry 7 covers all
 * memory RWX so that everything not under a test region keeps working. */
#include "test.h"

#define RWX_AD (PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D)
#define RW_AD  (PTE_V | PTE_R | PTE_W | PTE_A | PTE_D)
#define VA     0x40000000

/* pmpcfg0 byte n */
#define CFG(n, v) ((v) << (8 * (n)))
#define ALL7      CFG(7, PMP_NAPOT | PMP_R | PMP_W | PMP_X)

TEST_BEGIN
  li a0, -1
  csrw pmpaddr7, a0
  li a0, ALL7
  csrw pmpcfg0, a0
  sfence.vma

  /* ---- WARL ---- */
  TEST 1
  /* all-ones with the entry OFF reads back with no low bit cleared: G = 0 (bits 63:54 are
   * checked in the hartlab-only priv_strict.S: QEMU 7.2 keeps them) */
  li a0, -1
  csrw pmpaddr1, a0
  csrr a1, pmpaddr1
  ASSERT_MASKED a1, 0x003fffffffffffff, 0x003fffffffffffff
  csrw pmpaddr1, zero
  csrr a1, pmpcfg0
  ASSERT_EQ a1, ALL7

  /* ---- TOR: [tor_lo, tor_hi) read-only for S / U ---- */
  TEST 10
  la a0, tor_lo
  srli a0, a0, 2
  csrw pmpaddr0, a0            /* entry 0 OFF: only the bottom of entry 1 */
  la a0, tor_hi
  srli a0, a0, 2
  csrw pmpaddr1, a0
  li a0, ALL7 | CFG(1, PMP_TOR | PMP_R)
  csrw pmpcfg0, a0
  sfence.vma
  ENTER_MODE PRV_S, 1f
1:
  la a5, tor_lo
  ld a0, 0(a5)                 /* read allowed */
  ASSERT_EQ a0, 0x1111
  TRAP_INSN CAUSE_STORE_ACCESS, a5, sd a0, 0(a5)
  la a5, tor_hi - 8
  TRAP_INSN CAUSE_STORE_ACCESS, a5, sd a0, 0(a5)
  la a5, tor_hi
  sd a0, 0(a5)                 /* just above: entry 7 */
  la a5, tor_lo - 8
  sd a0, 0(a5)                 /* just below */
  TEST 11
  /* fetch from the region (it holds a "ret") */
  la a5, tor_code
  EXPECT_TRAP CAUSE_FETCH_ACCESS, tor_code, 2f, tval=a5
  jalr ra, 0(a5)
2:
  ASSERT_TRAPPED
  ECALL_TO_M 1f
1:
  TEST 12
  /* U: same */
  ENTER_MODE PRV_U, 1f
1:
  la a5, tor_lo + 8
  ld a0, 0(a5)
  ASSERT_EQ a0, 0x2222
  TRAP_INSN CAUSE_STORE_ACCESS, a5, sw a0, 0(a5)
  ECALL_TO_M 1f
1:
  TEST 13
  /* M: not restricted by an unlocked entry */
  la a5, tor_lo + 8
  li a0, 0x2222
  sd a0, 0(a5)
  la a5, tor_code
  jalr ra, 0(a5)
  TEST 14
  /* R|W|X = 0 on the same range: now reads fail too */
  li a0, ALL7 | CFG(1, PMP_TOR)
  csrw pmpcfg0, a0
  sfence.vma
  ENTER_MODE PRV_S, 1f
1:
  la a5, tor_lo + 16
  TRAP_INSN CAUSE_LOAD_ACCESS, a5, lbu a0, 0(a5)
  TRAP_INSN CAUSE_LOAD_ACCESS, a5, lr.w a0, (a5)
  ECALL_TO_M 1f
1:

  /* ---- NA4 ---- */
  TEST 20
  la a0, na4_word
  srli a0, a0, 2
  csrw pmpaddr2, a0
  li a0, ALL7 | CFG(2, PMP_NA4)
  csrw pmpcfg0, a0
  sfence.vma
  ENTER_MODE PRV_S, 1f
1:
  la a5, na4_word
  TRAP_INSN CAUSE_LOAD_ACCESS, a5, lw a0, 0(a5)
  TRAP_INSN CAUSE_STORE_ACCESS, a5, sh a0, 0(a5)
  addi a5, a5, 3
  TRAP_INSN CAUSE_LOAD_ACCESS, a5, lb a0, 0(a5)
  la a4, na4_word
  lw a0, 4(a4)                 /* the neighbouring words are fine */
  ASSERT_EQ a0, 0x5678
  lw a0, -4(a4)
  ASSERT_EQ a0, 0x1234
  lbu a0, -1(a4)
  ECALL_TO_M 1f
1:
  TEST 21
  /* an access only partly inside a matching entry fails, even in M */
  la a4, na4_word
  addi a5, a4, -4
  TRAP_INSN CAUSE_LOAD_ACCESS, a5, ld a0, 0(a5)
  TRAP_INSN CAUSE_STORE_ACCESS, a5, sd a0, 0(a5)
  /* while M can access the word itself */
  lw a0, 0(a4)
  ASSERT_EQ a0, 0xdead

  /* ---- NAPOT ---- */
  TEST 30
  /* 8 bytes at napot8 (pmpaddr = base >> 2, no trailing ones) */
  la a0, napot8
  srli a0, a0, 2
  csrw pmpaddr3, a0
  /* 4 KiB at napot_page, read / write but no execute */
  la a0, napot_page
  srli a0, a0, 2
  ori a0, a0, 0x1ff
  csrw pmpaddr4, a0
  li a0, ALL7 | CFG(3, PMP_NAPOT) | CFG(4, PMP_NAPOT | PMP_R | PMP_W)
  csrw pmpcfg0, a0
  sfence.vma
  ENTER_MODE PRV_S, 1f
1:
  la a5, napot8
  TRAP_INSN CAUSE_LOAD_ACCESS, a5, lw a0, 0(a5)
  addi a5, a5, 4
  TRAP_INSN CAUSE_STORE_ACCESS, a5, sw a0, 0(a5)
  la a4, napot8
  ld a0, 8(a4)
  ASSERT_EQ a0, 0x8888
  TEST 31
  la a5, napot_page
  ld a0, 0(a5)                 /* readable: holds code */
  li a1, 0x1000
  add a1, a5, a1
  addi a1, a1, -8
  sd a0, 0(a1)                 /* writable, to its last dword */
  EXPECT_TRAP CAUSE_FETCH_ACCESS, napot_page, 2f, tval=a5
  jalr ra, 0(a5)
2:
  ASSERT_TRAPPED
  ECALL_TO_M 1f
1:
  TEST 32
  /* priority: entry 2 (NA4, no access) wins over entry 4 (page, RW) where both match */
  la a0, napot_page
  addi a0, a0, 16
  srli a0, a0, 2
  csrw pmpaddr2, a0
  li a0, ALL7 | CFG(2, PMP_NA4) | CFG(3, PMP_NAPOT) | CFG(4, PMP_NAPOT | PMP_R | PMP_W)
  csrw pmpcfg0, a0
  sfence.vma
  ENTER_MODE PRV_S, 1f
1:
  la a5, napot_page + 16
  TRAP_INSN CAUSE_LOAD_ACCESS, a5, lw a0, 0(a5)
  lw a0, 20(a5)
  ECALL_TO_M 1f
1:
  TEST 33
  /* M runs code in the non-executable region: not restricted */
  la a5, napot_page
  jalr ra, 0(a5)
  li a0, ALL7
  csrw pmpcfg0, a0
  sfence.vma

  /* ---- the page-table walk is checked too ---- */
  TEST 40
  VM_RESET
  VM_IDENTITY _start, _end, RWX_AD
  li s2, VA
  la s3, tor_lo
  VM_MAP_R s2, s3, RW_AD
  li a0, VA
  VM_PTE_ADDR s4, a0
  srli s4, s4, 12
  slli s4, s4, 12              /* s4 = the level-0 table holding VA's PTE */
  VM_ENABLE
  ENTER_MODE PRV_S, 1f
1:
  li a0, VA
  ld a1, 0(a0)
  ASSERT_EQ a1, 0x1111
  ECALL_TO_M 1f
1:
  srli a0, s4, 2
  ori a0, a0, 0x1ff
  csrw pmpaddr0, a0
  li a0, ALL7 | CFG(0, PMP_NAPOT)
  csrw pmpcfg0, a0
  sfence.vma
  ENTER_MODE PRV_S, 1f
1:
  li a5, VA + 8
  TRAP_INSN CAUSE_LOAD_ACCESS, a5, ld a0, 0(a5)
  TRAP_INSN CAUSE_STORE_ACCESS, a5, sd a0, 0(a5)
  ECALL_TO_M 1f
1:
  li a0, ALL7
  csrw pmpcfg0, a0
  csrw satp, zero
  sfence.vma

  /* ---- the L bit (last: locks stay until reset) ---- */
  TEST 50
  /* entry 5: NA4, locked, no permissions: applies to M */
  la a0, lock_word
  srli a0, a0, 2
  csrw pmpaddr5, a0
  li a0, ALL7 | CFG(5, PMP_L | PMP_NA4)
  csrw pmpcfg0, a0
  sfence.vma
  la a5, lock_word
  TRAP_INSN CAUSE_LOAD_ACCESS, a5, lw a0, 0(a5)
  TRAP_INSN CAUSE_STORE_ACCESS, a5, sw a0, 0(a5)
  lw a0, 4(a5)                 /* the next word is fine */
  ASSERT_EQ a0, 0x4444
  TEST 51
  /* the locked entry's cfg byte and address ignore writes; other bytes still change */
  li a0, ALL7 | CFG(5, PMP_NAPOT | PMP_R | PMP_W | PMP_X) | CFG(6, PMP_NA4 | PMP_R)
  csrw pmpcfg0, a0
  csrr a1, pmpcfg0
  ASSERT_EQ a1, ALL7 | CFG(5, PMP_L | PMP_NA4) | CFG(6, PMP_NA4 | PMP_R)
  csrw pmpaddr5, zero
  csrr a1, pmpaddr5
  la a0, lock_word
  srli a0, a0, 2
  ASSERT_EQR a1, a0
  TRAP_INSN CAUSE_LOAD_ACCESS, a5, lw a0, 0(a5)
  TEST 52
  /* a locked TOR entry (3) also freezes pmpaddr of the entry below (2), not its cfg byte */
  la a0, tor_lo
  srli a0, a0, 2
  csrw pmpaddr2, a0
  la a0, tor_hi
  srli a0, a0, 2
  csrw pmpaddr3, a0
  li a0, ALL7 | CFG(5, PMP_L | PMP_NA4) | CFG(3, PMP_L | PMP_TOR | PMP_R)
  csrw pmpcfg0, a0
  sfence.vma
  csrw pmpaddr2, zero
  csrr a1, pmpaddr2
  la a0, tor_lo
  srli a0, a0, 2
  ASSERT_EQR a1, a0
  li a0, ALL7 | CFG(5, PMP_L | PMP_NA4) | CFG(3, PMP_L | PMP_TOR | PMP_R) | CFG(2, PMP_NA4 | PMP_X)
  csrw pmpcfg0, a0
  csrr a1, pmpcfg0
  ASSERT_EQR a1, a0
  /* and the locked read-only range now stops M writes */
  la a5, tor_lo + 8
  ld a0, 0(a5)
  ASSERT_EQ a0, 0x2222
  TRAP_INSN CAUSE_STORE_ACCESS, a5, sd a0, 0(a5)

  TEST_PASS
TEST_END

  .data
  .balign 4096
  .dword 0
tor_lo_minus:
  .balign 4096
tor_lo:
  .dword 0x1111, 0x2222, 0x3333
  .balign 64
tor_code:
  ret
  .balign 256
tor_hi:
  .dword 0
  .balign 64
  .word 0x1234
na4_word:
  .word 0xdead
  .word 0x5678
  .balign 64
napot8:
  .dword 0
  .dword 0x8888
  .balign 64
  .word 0x3333
lock_word:
  .word 0
  .word 0x4444
  .balign 4096
napot_page:
  ret
  .balign 4096
