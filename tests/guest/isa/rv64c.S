/* RV64C: every RV64C integer instruction with its explicit c. mnemonic (branch targets are
 * kept local and near so that the assembler never relaxes one into a 32-bit branch):
 * C.ADDI4SPN C.LW C.LD C.SW C.SD / C.NOP C.ADDI C.ADDIW C.LI C.ADDI16SP C.LUI C.SRLI C.SRAI
 * C.ANDI C.SUB C.XOR C.OR C.AND C.SUBW C.ADDW C.J C.BEQZ C.BNEZ / C.SLLI C.LWSP C.LDSP C.JR C.MV
 * C.EBREAK C.JALR C.ADD C.SWSP C.SDSP. Checks the immediates' scaling and sign extension, link =
 * pc + 2, C.EBREAK (cause 3, mepc = its address, mtval = 0 as on QEMU 7.2, see EBREAK_TVAL),
 * that the all-zero halfword and the reserved encodings (C.ADDI4SPN / C.ADDI16SP / C.LUI with a
 * zero immediate, C.JR / C.LWSP / C.LDSP with x0, ...) are illegal instructions with mtval =
 * their 16 bits, and a trap at a pc that is 2 mod 4. */
#include "test.h"

TEST_BEGIN
  .option rvc
  la sp, cdata            /* sp-relative forms use cdata */

  /* ---- quadrant 0 ---- */
  TEST 1
  c.addi4spn a0, sp, 4
  la a1, cdata + 4
  ASSERT_EQR a0, a1
  c.addi4spn s1, sp, 1020
  la a1, cdata + 1020
  ASSERT_EQR s1, a1
  c.addi4spn a5, sp, 0x208
  la a1, cdata + 0x208
  ASSERT_EQR a5, a1
  TEST 2
  /* c.lw sign-extends, c.ld */
  la s0, cdata
  c.lw a0, 0(s0)
  ASSERT_EQ a0, 0xffffffff80000001
  c.lw a1, 4(s0)
  ASSERT_EQ a1, 0x7ffffffe
  c.lw a2, 124(s0)
  ASSERT_EQ a2, 0x1234567c
  c.ld a3, 8(s0)
  ASSERT_EQ a3, 0xfedcba9876543210
  c.ld a4, 248(s0)
  ASSERT_EQ a4, 0xfffffffc000000f8
  c.ld s0, 8(s0)         /* rd == rs1 */
  ASSERT_EQ s0, 0xfedcba9876543210
  TEST 3
  la s1, cbuf
  li a0, 0x1111111111111111
  sd a0, 0(s1)
  sd a0, 8(s1)
  li a5, 0xaabbccdd99887766
  c.sw a5, 4(s1)
  ld a2, 0(s1)
  ASSERT_EQ a2, 0x9988776611111111
  c.sd a5, 8(s1)
  ld a2, 8(s1)
  ASSERT_EQ a2, 0xaabbccdd99887766
  c.sw a5, 124(s1)
  lwu a2, 124(s1)
  ASSERT_EQ a2, 0x99887766
  c.sd a5, 248(s1)
  ld a2, 248(s1)
  ASSERT_EQR a2, a5

  /* ---- quadrant 1 ---- */
  TEST 10
  li a0, 5
  c.nop
  ASSERT_EQ a0, 5
  c.addi a0, 31
  ASSERT_EQ a0, 36
  c.addi a0, -32
  ASSERT_EQ a0, 4
  li t0, 0x7fffffffffffffff
  c.addi t0, 1
  ASSERT_EQ t0, 0x8000000000000000
  TEST 11
  li a0, 0x7fffffff
  c.addiw a0, 1
  ASSERT_EQ a0, 0xffffffff80000000
  li a1, 0x123456789abcdef0
  c.addiw a1, 0          /* sext.w */
  ASSERT_EQ a1, 0xffffffff9abcdef0
  li a2, 0xffffffff00000000
  c.addiw a2, -1
  ASSERT_EQ a2, -1
  TEST 12
  c.li a0, 31
  ASSERT_EQ a0, 31
  c.li a0, -32
  ASSERT_EQ a0, -32
  c.li t6, 0
  ASSERT_EQ t6, 0
  TEST 13
  mv s2, sp
  c.addi16sp sp, 496
  addi s3, s2, 496
  ASSERT_EQR sp, s3
  c.addi16sp sp, -512
  addi s3, s2, -16
  ASSERT_EQR sp, s3
  c.addi16sp sp, 16
  ASSERT_EQR sp, s2
  TEST 14
  c.lui a0, 1
  ASSERT_EQ a0, 0x1000
  c.lui a0, 0x1f
  ASSERT_EQ a0, 0x1f000
  c.lui a0, 0xfffff
  ASSERT_EQ a0, 0xfffffffffffff000
  c.lui a0, 0xfffe0
  ASSERT_EQ a0, 0xfffffffffffe0000
  TEST 15
  li a0, 0x8000000000000000
  c.srli a0, 63
  ASSERT_EQ a0, 1
  li a0, 0x8000000000000000
  c.srli a0, 32
  ASSERT_EQ a0, 0x80000000
  li a0, 0xf0
  c.srli a0, 4
  ASSERT_EQ a0, 0xf
  TEST 16
  li a0, 0x8000000000000000
  c.srai a0, 63
  ASSERT_EQ a0, -1
  li a0, 0x8000000000000000
  c.srai a0, 32
  ASSERT_EQ a0, 0xffffffff80000000
  li a0, 0x70
  c.srai a0, 4
  ASSERT_EQ a0, 7
  TEST 17
  li a0, -1
  c.andi a0, 31
  ASSERT_EQ a0, 31
  li a0, 0x123456789abcdef0
  c.andi a0, -32
  ASSERT_EQ a0, 0x123456789abcdee0
  li a0, 0x55
  c.andi a0, 0
  ASSERT_EQ a0, 0
  TEST 18
  li s0, 10
  li s1, 3
  c.sub s0, s1
  ASSERT_EQ s0, 7
  li s0, 0
  c.sub s0, s1
  ASSERT_EQ s0, -3
  li a0, 0xff00ff00ff00ff00
  li a1, 0x0ff00ff00ff00ff0
  mv a2, a0
  c.xor a2, a1
  ASSERT_EQ a2, 0xf0f0f0f0f0f0f0f0
  mv a2, a0
  c.or a2, a1
  ASSERT_EQ a2, 0xfff0fff0fff0fff0
  mv a2, a0
  c.and a2, a1
  ASSERT_EQ a2, 0x0f000f000f000f00
  TEST 19
  li a3, 0x7fffffff
  li a4, 1
  c.addw a3, a4
  ASSERT_EQ a3, 0xffffffff80000000
  li a3, 0x1234567800000000
  li a4, 1
  c.subw a3, a4
  ASSERT_EQ a3, -1
  li a3, 0xffffffff80000000
  li a4, 0x0000000100000001
  c.subw a3, a4
  ASSERT_EQ a3, 0x7fffffff
  TEST 20
  /* c.j forward and backward */
  li a0, 0
  c.j 2f
1:
  addi a0, a0, 1
  c.j 3f
2:
  addi a0, a0, 10
  c.j 1b
3:
  ASSERT_EQ a0, 11
  TEST 21
  li s0, 0
  li s1, 1
  c.beqz s0, 1f
  j _fail
1:
  c.beqz s1, 9f
  c.bnez s1, 1f
  j _fail
1:
  c.bnez s0, 9f
  li a5, 0x8000000000000000
  c.beqz a5, 9f             /* only all 64 bits zero is zero */
  li a5, 0x100000000
  c.bnez a5, 1f
9:
  j _fail
1:
  /* backward conditional branch */
  li a4, 3
  li a0, 0
1:
  addi a0, a0, 1
  addi a4, a4, -1
  c.bnez a4, 1b
  ASSERT_EQ a0, 3

  /* ---- quadrant 2 ---- */
  TEST 30
  li a0, 1
  c.slli a0, 63
  ASSERT_EQ a0, 0x8000000000000000
  li a0, 0x123456789abcdef0
  c.slli a0, 32
  ASSERT_EQ a0, 0x9abcdef000000000
  li t3, 3
  c.slli t3, 1
  ASSERT_EQ t3, 6
  TEST 31
  /* c.lwsp (sign-extends) / c.ldsp */
  c.lwsp a0, 0(sp)
  ASSERT_EQ a0, 0xffffffff80000001
  c.lwsp t4, 252(sp)
  ASSERT_EQ t4, 0xfffffffffffffffc
  c.ldsp a1, 8(sp)
  ASSERT_EQ a1, 0xfedcba9876543210
  c.ldsp ra, 504(sp)
  ASSERT_EQ ra, 0x1f8
  TEST 32
  li a0, 0x0102030405060708
  c.swsp a0, 256 - 4(sp)
  c.sdsp a0, 504(sp)
  c.sdsp a0, 16(sp)
  lw a1, 252(sp)
  ASSERT_EQ a1, 0x05060708
  ld a1, 504(sp)
  ASSERT_EQR a1, a0
  ld a1, 16(sp)
  ASSERT_EQR a1, a0
  c.swsp zero, 16(sp)
  ld a1, 16(sp)
  ASSERT_EQ a1, 0x0102030400000000
  TEST 33
  /* c.jr */
  la a0, 1f
  c.jr a0
  j _fail
1:
  TEST 34
  /* c.jalr: link = address of c.jalr + 2 */
  la a0, 1f
  c.jalr a0
2:
  j _fail
1:
  ASSERT_ADDR ra, 2b
  /* c.jalr with rs1 == ra: target from the old ra */
  la ra, 1f
  c.jalr ra
2:
  j _fail
1:
  ASSERT_ADDR ra, 2b
  /* c.jalr through a routine and c.jr ra back */
  li a1, 0
  la a2, c_routine
  c.jalr a2
  ASSERT_EQ a1, 0x99
  TEST 35
  li a0, 0x1234
  c.mv a1, a0
  ASSERT_EQ a1, 0x1234
  c.mv t6, a1
  ASSERT_EQ t6, 0x1234
  li a2, 0xfff
  c.add a1, a2
  ASSERT_EQ a1, 0x2233
  li a2, -1
  c.add a2, a2
  ASSERT_EQ a2, -2
  TEST 36
  /* c.ebreak: cause 3, epc = its own address; resume after it (2 bytes) */
  EBREAK_TVAL a5, 1f
  EXPECT_TRAP CAUSE_BREAKPOINT, 1f, 2f, tval=a5
1:
  c.ebreak
  j _fail
2:
  ASSERT_TRAPPED
  TEST 37
  /* the all-zero halfword is illegal, mtval = 0 */
  li a5, 0
  EXPECT_TRAP CAUSE_ILLEGAL, 1f, 2f, tval=a5
1:
  .hword 0
  j _fail
2:
  ASSERT_TRAPPED
  TEST 38
  /* reserved encodings are illegal, mtval = the 16 bits */
  TRAP_ILLEGAL .hword 0x0004       /* c.addi4spn with nzuimm = 0 */
  TRAP_ILLEGAL .hword 0x6081       /* c.lui ra, 0 */
  TRAP_ILLEGAL .hword 0x6101       /* c.addi16sp with nzimm = 0 */
  TRAP_ILLEGAL .hword 0x8002       /* c.jr x0 */
  TRAP_ILLEGAL .hword 0x4002       /* c.lwsp x0 */
  TRAP_ILLEGAL .hword 0x6002       /* c.ldsp x0 */
  TRAP_ILLEGAL .hword 0x9c41       /* reserved in the c.subw / c.addw group */
  TEST 39
  /* a trap at a 2-byte aligned (pc % 4 == 2) compressed instruction */
  j 3f
_c_fail:
  j _fail
c_routine:
  li a1, 0x99
  c.jr ra
3:
  EBREAK_TVAL a5, 4f
  EXPECT_TRAP CAUSE_BREAKPOINT, 4f, 5f, tval=a5
  .balign 4
  c.nop
4:
  c.ebreak
  j _fail
5:
  ASSERT_TRAPPED
  REC_LOAD a0, REC_EPC
  andi a0, a0, 3
  ASSERT_EQ a0, 2

  .option norvc
  TEST_PASS
TEST_END

  .data
  .align 12
cdata:
  .word 0x80000001          /* +0 */
  .word 0x7ffffffe          /* +4 */
  .dword 0xfedcba9876543210 /* +8 */
  .skip 124 - 16
  .word 0x1234567c          /* +124 */
  .skip 248 - 128
  .dword 0xfffffffc000000f8 /* +248; its upper word is +252 */
  .skip 504 - 256
  .dword 0x1f8              /* +504 */
  .skip 1024 - 512
  .align 8
cbuf:
  .zero 256
