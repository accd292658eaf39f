/* The UINTC and the uipi instructions on one hart (receiver slot 3, hart 0).
 *
 * UINTC registers through plain 8-byte accesses from M: LOW / ACTIVE fields, SEND setting bit
 * (data & 63), HIGH read-and-clear (a second read returns 0) and HIGH writes ORing; the USIP
 * line (mip bit 0) following "active and something pending" for this hart.
 * uipi from U: a send to the own slot while inactive leaves the vector pending and raises
 * nothing; active, it interrupts right after the uipi.send (uepc = the next instruction,
 * ucause = interrupt | 0); uipi.read returns and clears the pending word (the line falls, a
 * second read returns 0); several vectors accumulate; a slot deactivated keeps what arrives
 * and interrupts right after uipi.activate; uipi.write ORs into the pending word. Sends that
 * must fail have no effect and do not trap: an invalid entry, an index beyond the table
 * (1 page: 512 entries; the last one works; 2 pages: index 512 works), suist.EN clear, the
 * table or the UINTC denied to S by PMP (from M as well: uipi accesses use S permission), suicfg pointing at RAM or at nothing; with suirs.EN
 * clear, uipi.read leaves rd unchanged and the pending word alone, uipi.write and
 * uipi.activate do nothing. uipi from M and S; a send to another slot; a slot retargeted to a
 * hart id the machine does not have raises nothing until retargeted back; custom-3 encodings
 * with another funct7, funct3 or a nonzero rs2 are illegal instructions. */
#include "test.h"
#include "uintr.h"

#define OWN       3
#define OTHER     4
#define NOWHERE   0x30000000

/* suist for the table at `uist` with `pages` pages and EN = en (clobbers a0, a1) */
.macro SET_SUIST pages, en=1
  la a0, uist
  srli a0, a0, 12
  li a1, SUIST_PAGES(\pages)
  or a0, a0, a1
  .if \en
    li a1, UINTR_EN
    or a0, a0, a1
  .endif
  csrw CSR_SUIST, a0
.endm

/* U: uipi.send of table entry idx (a constant) */
.macro SEND idx
  li a0, \idx
  UIPI_SEND a0
.endm

TEST_BEGIN
  csrw mie, zero
  csrw mstatus, zero

  /* ---- the UINTC through plain accesses (M) ---- */
  TEST 1
  SD64 UINTC_SLOT(OWN) + UINTC_LOW, -1
  LD64 a2, UINTC_SLOT(OWN) + UINTC_LOW
  ASSERT_EQ a2, 0xffff0003
  LD64 a2, UINTC_SLOT(OWN) + UINTC_ACTIVE
  ASSERT_EQ a2, 1
  SD64 UINTC_SLOT(OWN) + UINTC_ACTIVE, 0
  LD64 a2, UINTC_SLOT(OWN) + UINTC_LOW
  ASSERT_EQ a2, 0xffff0002
  SD64 UINTC_SLOT(OWN) + UINTC_LOW, UINTC_LOWV(0, 0)
  LD64 a2, UINTC_SLOT(OWN) + UINTC_LOW
  ASSERT_EQ a2, 2
  LD64 a2, UINTC_SLOT(OWN) + UINTC_HIGH
  ASSERT_EQ a2, 0
  TEST 2
  /* SEND sets bit (data & 63); HIGH returns and clears; SEND reads 0 */
  SD64 UINTC_SLOT(OWN) + UINTC_SEND, 1
  SD64 UINTC_SLOT(OWN) + UINTC_SEND, 64 + 6
  LD64 a2, UINTC_SLOT(OWN) + UINTC_SEND
  ASSERT_EQ a2, 0
  LD64 a2, UINTC_SLOT(OWN) + UINTC_HIGH
  ASSERT_EQ a2, (1 << 1) | (1 << 6)
  LD64 a2, UINTC_SLOT(OWN) + UINTC_HIGH
  ASSERT_EQ a2, 0
  /* HIGH writes OR */
  SD64 UINTC_SLOT(OWN) + UINTC_HIGH, 0x100
  SD64 UINTC_SLOT(OWN) + UINTC_HIGH, 0x8000000000000001
  LD64 a2, UINTC_SLOT(OWN) + UINTC_HIGH
  ASSERT_EQ a2, 0x8000000000000101
  LD64 a2, UINTC_SLOT(OWN) + UINTC_HIGH
  ASSERT_EQ a2, 0
  TEST 3
  /* the line: pending but inactive, no USIP; active, USIP; cleared, none */
  SD64 UINTC_SLOT(OWN) + UINTC_SEND, 1
  csrr a2, mip
  ASSERT_EQ a2, 0
  SD64 UINTC_SLOT(OWN) + UINTC_ACTIVE, 1
  csrr a2, mip
  ASSERT_EQ a2, MIP_USIP
  /* the software bit is separate: clearing mip.USIP leaves the line */
  li a0, MIP_USIP
  csrc mip, a0
  csrr a2, mip
  ASSERT_EQ a2, MIP_USIP
  LD64 a2, UINTC_SLOT(OWN) + UINTC_HIGH
  ASSERT_EQ a2, 2
  csrr a2, mip
  ASSERT_EQ a2, 0
  SD64 UINTC_SLOT(OWN) + UINTC_ACTIVE, 0

  /* ---- set-up: this hart receives in slot OWN; the table ---- */
  U_SETUP urec
  DELEG_U_IRQ MIP_USIP
  SET_SUIST 1
  li a0, UINTR_EN | OWN
  csrw CSR_SUIRS, a0

  /* ---- uipi from U ---- */
  TEST 10
  ENTER_MODE PRV_U, 1f
1:
  csrsi CSR_USTATUS, USTATUS_UIE
  csrsi CSR_UIE, MIP_USIP
  /* inactive: the vector waits, nothing is raised */
  SEND 0
  nop
  nop
  ASSERT_UCOUNT 0
  csrr a2, CSR_UIP
  ASSERT_EQ a2, 0
  UIPI_READ a2
  ASSERT_EQ a2, (1 << 5)
  UIPI_READ a2
  ASSERT_EQ a2, 0
  TEST 11
  /* active: interrupted right after the send */
  UIPI_ACTIVATE
  li a0, UINTC_SLOT(OWN) + UINTC_ACTIVE
  ld a2, 0(a0)
  ASSERT_EQ a2, 1
  SEND 0
t11_next:
  ASSERT_UCOUNT 1
  ASSERT_UREC UREC_CAUSE, IRQ_BIT | IRQ_U_SOFT
  ASSERT_UREC_ADDR UREC_EPC, t11_next
  ASSERT_UREC UREC_TVAL, 0
  /* the line stays up until the pending word is read */
  csrr a2, CSR_UIP
  ASSERT_EQ a2, MIP_USIP
  UIPI_READ a2
  ASSERT_EQ a2, (1 << 5)
  csrr a2, CSR_UIP
  ASSERT_EQ a2, 0
  UIPI_READ a2
  ASSERT_EQ a2, 0
  TEST 12
  /* with UIE = 0, vectors accumulate; one read returns them all */
  csrci CSR_USTATUS, USTATUS_UIE
  csrsi CSR_UIE, MIP_USIP
  SEND 0
  SEND 2
  SEND 4
  SEND 2
  csrr a2, CSR_UIP
  ASSERT_EQ a2, MIP_USIP
  ASSERT_UCOUNT 1
  UIPI_READ a2
  ASSERT_EQ a2, (1 << 5) | (1 << 63) | 1
  UIPI_READ a2
  ASSERT_EQ a2, 0
  csrr a2, CSR_UIP
  ASSERT_EQ a2, 0
  TEST 13
  /* deactivated: a send waits; activation raises it, taken right after uipi.activate */
  UIPI_DEACTIVATE
  csrsi CSR_USTATUS, USTATUS_UIE
  SEND 0
  nop
  nop
  ASSERT_UCOUNT 1
  csrr a2, CSR_UIP
  ASSERT_EQ a2, 0
  UIPI_ACTIVATE
t13_next:
  ASSERT_UCOUNT 2
  ASSERT_UREC_ADDR UREC_EPC, t13_next
  UIPI_READ a2
  ASSERT_EQ a2, (1 << 5)
  TEST 14
  /* uipi.write ORs into the own pending word */
  csrci CSR_USTATUS, USTATUS_UIE
  li a3, 0x30
  UIPI_WRITE a3
  csrr a2, CSR_UIP
  ASSERT_EQ a2, MIP_USIP
  li a3, 0x1
  UIPI_WRITE a3
  UIPI_READ a2
  ASSERT_EQ a2, 0x31
  UIPI_READ a2
  ASSERT_EQ a2, 0
  TEST 15
  /* failed sends: invalid entry, beyond the table; none traps */
  SEND 1
  SEND 512
  li a0, -1
  UIPI_SEND a0
  UIPI_READ a2
  ASSERT_EQ a2, 0
  /* the table's last entry works */
  SEND 511
  UIPI_READ a2
  ASSERT_EQ a2, (1 << 9)
  ASSERT_UCOUNT 2
  ECALL_TO_M 1f
1:

  /* ---- suirs.EN clear ---- */
  TEST 20
  li a0, OWN
  csrw CSR_SUIRS, a0
  SD64 UINTC_SLOT(OWN) + UINTC_ACTIVE, 0
  SD64 UINTC_SLOT(OWN) + UINTC_SEND, 2
  ENTER_MODE PRV_U, 1f
1:
  li a2, 0x1234
  UIPI_READ a2
  ASSERT_EQ a2, 0x1234
  UIPI_ACTIVATE
  li a3, 0x10
  UIPI_WRITE a3
  li a0, UINTC_SLOT(OWN) + UINTC_ACTIVE
  ld a2, 0(a0)
  ASSERT_EQ a2, 0
  ECALL_TO_M 1f
1:
  LD64 a2, UINTC_SLOT(OWN) + UINTC_HIGH
  ASSERT_EQ a2, (1 << 2)
  li a0, UINTR_EN | OWN
  csrw CSR_SUIRS, a0
  SD64 UINTC_SLOT(OWN) + UINTC_ACTIVE, 1

  /* ---- suist: EN clear, size 0, two pages ---- */
  TEST 21
  SET_SUIST 1, en=0
  ENTER_MODE PRV_U, 1f
1:
  SEND 0
  UIPI_READ a2
  ASSERT_EQ a2, 0
  ECALL_TO_M 1f
1:
  SET_SUIST 0
  ENTER_MODE PRV_U, 1f
1:
  SEND 0
  UIPI_READ a2
  ASSERT_EQ a2, 0
  ECALL_TO_M 1f
1:
  TEST 22
  SET_SUIST 2
  ENTER_MODE PRV_U, 1f
1:
  SEND 512
  UIPI_READ a2
  ASSERT_EQ a2, (1 << 10)
  SEND 1024
  UIPI_READ a2
  ASSERT_EQ a2, 0
  ECALL_TO_M 1f
1:
  SET_SUIST 1

  /* ---- PMP ---- */
  TEST 30
  /* entry 0: the table's first page, no access; entry 1: everything else */
  la a0, uist
  srli a0, a0, 2
  ori a0, a0, 0x1ff
  csrw pmpaddr0, a0
  li a0, -1
  csrw pmpaddr1, a0
  li a0, (PMP_NAPOT) | ((PMP_NAPOT | PMP_R | PMP_W | PMP_X) << 8)
  csrw pmpcfg0, a0
  sfence.vma
  ENTER_MODE PRV_U, 1f
1:
  SEND 0
  UIPI_READ a2
  ASSERT_EQ a2, 0
  ECALL_TO_M 1f
1:
  /* uipi accesses use S permission whatever the mode: from M, too, the send fails */
  SEND 0
  UIPI_READ a2
  ASSERT_EQ a2, 0
  TEST 31
  /* entry 0: the UINTC */
  li a0, (UINTC_BASE >> 2) | 0x7ff
  csrw pmpaddr0, a0
  sfence.vma
  SD64 UINTC_SLOT(OWN) + UINTC_HIGH, 0x40
  ENTER_MODE PRV_U, 1f
1:
  SEND 2
  li a2, 0x5678
  UIPI_READ a2
  ASSERT_EQ a2, 0x5678
  ECALL_TO_M 1f
1:
  LD64 a2, UINTC_SLOT(OWN) + UINTC_HIGH
  ASSERT_EQ a2, 0x40
  li a0, -1
  csrw pmpaddr0, a0
  li a0, PMP_NAPOT | PMP_R | PMP_W | PMP_X
  csrw pmpcfg0, a0
  sfence.vma

  /* ---- suicfg ---- */
  TEST 40
  /* at RAM: nothing happens there, nothing traps */
  la a0, scratch
  csrw CSR_SUICFG, a0
  ENTER_MODE PRV_U, 1f
1:
  SEND 0
  li a2, 0x99
  UIPI_READ a2
  ASSERT_EQ a2, 0x99
  UIPI_ACTIVATE
  ECALL_TO_M 1f
1:
  la a0, scratch
  li a1, 0x200
2:
  ld a2, 0(a0)
  ASSERT_EQ a2, 0
  addi a0, a0, 8
  addi a1, a1, -8
  bnez a1, 2b
  TEST 41
  /* at nothing */
  li a0, NOWHERE
  csrw CSR_SUICFG, a0
  ENTER_MODE PRV_U, 1f
1:
  SEND 0
  li a2, 0x99
  UIPI_READ a2
  ASSERT_EQ a2, 0x99
  ECALL_TO_M 1f
1:
  li a0, UINTC_BASE
  csrw CSR_SUICFG, a0
  LD64 a2, UINTC_SLOT(OWN) + UINTC_HIGH
  ASSERT_EQ a2, 0

  /* ---- uipi from M and S ---- */
  TEST 50
  SEND 0
  LD64 a2, UINTC_SLOT(OWN) + UINTC_HIGH
  ASSERT_EQ a2, (1 << 5)
  SEND 2
  UIPI_READ a2
  ASSERT_EQ a2, (1 << 63)
  TEST 51
  ENTER_MODE PRV_S, 1f
1:
  SEND 4
  UIPI_READ a2
  ASSERT_EQ a2, 1
  ECALL_TO_M 1f
1:

  /* ---- another slot ---- */
  TEST 60
  ENTER_MODE PRV_U, 1f
1:
  SEND 3
  UIPI_READ a2
  ASSERT_EQ a2, 0
  ECALL_TO_M 1f
1:
  LD64 a2, UINTC_SLOT(OTHER) + UINTC_HIGH
  ASSERT_EQ a2, (1 << 7)

  /* ---- retargeting ---- */
  TEST 70
  /* slot OWN belongs to hart 1, which this machine does not have: no line here */
  SD64 UINTC_SLOT(OWN) + UINTC_LOW, UINTC_LOWV(1, 1)
  UREC_RESET
  li a0, MIP_USIP
  csrw mie, a0
  ENTER_MODE PRV_U, 1f
1:
  csrsi CSR_USTATUS, USTATUS_UIE
  SEND 0
  nop
  nop
  ASSERT_UCOUNT 0
  csrr a2, CSR_UIP
  ASSERT_EQ a2, 0
  ECALL_TO_M 1f
1:
  TEST 71
  /* back to hart 0: the pending vector interrupts at the first U instruction */
  SD64 UINTC_SLOT(OWN) + UINTC_LOW, UINTC_LOWV(1, 0)
  ENTER_MODE PRV_U, t71_u
t71_u:
  ASSERT_UCOUNT 1
  ASSERT_UREC_ADDR UREC_EPC, t71_u
  UIPI_READ a2
  ASSERT_EQ a2, (1 << 5)

  /* ---- encodings that are not uipi instructions ---- */
  TEST 80
  TRAP_ILLEGAL .insn r 0x7b, 6, 5, x0, x0, x0
  TRAP_ILLEGAL .insn r 0x7b, 6, 0x7f, x0, a0, x0
  /* rs2 must be 0 */
  TRAP_ILLEGAL .insn r 0x7b, 6, 0, x0, a0, a1
  /* the older funct3 = 2 encoding (spec v0.1.1) is not decoded */
  TRAP_ILLEGAL .insn r 0x7b, 2, 0, x0, a0, x0
  ECALL_TO_M 1f
1:
  TEST_PASS
  U_RUNTIME
TEST_END

  .data
  .align 6
urec:    .zero UREC_SIZE
scratch: .zero 0x200

  /* the sender table: two pages of its own */
  .balign 4096
uist:
  .dword UISTE(1, 5, OWN)        /* 0 */
  .dword UISTE(0, 6, OWN)        /* 1: invalid */
  .dword UISTE(1, 63, OWN)       /* 2 */
  .dword UISTE(1, 7, OTHER)      /* 3: another slot */
  .dword UISTE(1, 0, OWN)        /* 4: vector 0 */
  .org uist + 8 * 511
  .dword UISTE(1, 9, OWN)        /* 511: the last entry of page 0 */
  .dword UISTE(1, 10, OWN)       /* 512: page 1 */
  .org uist + 8 * 1024
  .dword UISTE(1, 11, OWN)       /* 1024: beyond two pages */
  .balign 4096
