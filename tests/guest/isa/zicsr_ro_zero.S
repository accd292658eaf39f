/* hartlab-only (QEMU 7.2 deviates): CSRRS / CSRRC whose rs1 is not x0 count as CSR writes even
 * when the register holds 0 (privileged spec, Zicsr: "if rs1 != x0 ... the instruction will
 * still attempt to write the unmodified value back"), so on a read-only CSR they raise an
 * illegal-instruction exception with mtval = the encoding. QEMU 7.2 only traps when the value
 * is nonzero. The rs1 = x0 / uimm = 0 forms must still not trap. */
#include "test.h"

TEST_BEGIN
  TEST 1
  li a1, 0
  TRAP_ILLEGAL csrrs a0, mhartid, a1
  TEST 2
  TRAP_ILLEGAL csrrc a0, mhartid, a1
  TEST 3
  TRAP_ILLEGAL csrrs zero, cycle, a1
  TEST 4
  TRAP_ILLEGAL csrrc a0, instret, a1
  TEST 5
  TRAP_ILLEGAL csrrs a0, mvendorid, a1
  TEST 6
  /* the read-only forms do not trap */
  csrrs a0, mhartid, x0
  csrrc a0, mhartid, x0
  csrrsi a0, cycle, 0
  csrrci a0, time, 0
  ASSERT_EQ TESTNUM, 6
  TEST_PASS
TEST_END
