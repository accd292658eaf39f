//! The C header of the hardware ABI (`tests/guest/common/hw.h`), for the bare-metal test
//! programs written in assembly and C: every address, register and encoding of [`crate::board`],
//! [`crate::sim_control`], [`crate::uintc`] and [`crate::task_controller`] as a `#define`
//! that both the C compiler and the assembler understand. The simulator's tests check that
//! the committed header is what [`write`] produces (`tests/hw_header.rs`).

use crate::board::{self, clint, test_finisher};
use crate::task_controller as tc;
use crate::{sim_control, uintc, Register};
use core::fmt::{self, Write};

/// Writes the header.
pub fn write(out: &mut impl Write) -> fmt::Result {
    writeln!(
        out,
        "/* hartlab's hardware ABI for the bare-metal test programs: the board's memory map and\n \
         * the registers of its devices. GENERATED from guest-kernel/abi (abi::c_header): do not\n \
         * edit; `HARTLAB_WRITE_HW_HEADER=1 cargo test --test hw_header` rewrites it. */\n\
         #ifndef HARTLAB_HW_H\n\
         #define HARTLAB_HW_H\n"
    )?;

    writeln!(out, "/* ---- memory map (abi::board) ---- */")?;
    define(out, "RAM_BASE", board::RAM_BASE)?;
    define(out, "FINISHER_BASE", board::TEST_BASE)?;
    define(out, "FINISHER_PASS", test_finisher::PASS.into())?;
    define(out, "FINISHER_FAIL", test_finisher::FAIL.into())?;
    define(out, "UART_BASE", board::UART0_BASE)?;
    number(out, "UART_IRQ", board::UART0_IRQ as u64)?;
    define(out, "CLINT_BASE", board::CLINT_BASE)?;
    writeln!(
        out,
        "#define CLINT_MSIP (CLINT_BASE + {:#x}) /* + 4 * hart */",
        clint::MSIP
    )?;
    writeln!(
        out,
        "#define CLINT_MTIMECMP (CLINT_BASE + {:#x}) /* + 8 * hart */",
        clint::MTIMECMP
    )?;
    writeln!(
        out,
        "#define CLINT_MTIME (CLINT_BASE + {:#x})",
        clint::MTIME
    )?;
    define(out, "PLIC_BASE", board::PLIC_BASE)?;
    define(out, "SIMCTL_BASE", board::SIM_CONTROL_BASE)?;
    define(out, "UINTC_BASE", board::UINTC_BASE)?;
    number(out, "UINTC_SLOTS", board::UINTC_SLOTS as u64)?;
    define(out, "TC_BASE", board::TASK_CONTROLLER_BASE)?;

    writeln!(
        out,
        "\n/* ---- simulator control (abi::sim_control), offsets ---- */"
    )?;
    for (name, offset) in [
        ("TIMING", sim_control::TIMING),
        ("EVENT", sim_control::EVENT),
        ("STATS", sim_control::STATS),
        ("NOW_PS", sim_control::NOW_PS),
        ("SPAN_BEGIN", sim_control::SPAN_BEGIN),
        ("SPAN_END", sim_control::SPAN_END),
        ("TRACE_EVENT", sim_control::TRACE_EVENT),
    ] {
        define(out, Prefixed("SIMCTL_", name), offset as u64)?;
    }
    writeln!(
        out,
        "#define SIMCTL_SAMPLE(k) ({:#x} + 8 * (k))",
        sim_control::SAMPLE
    )?;
    number(out, "SIMCTL_SAMPLE_KEYS", sim_control::SAMPLE_KEYS as u64)?;
    number(out, "STATS_RESET", sim_control::STATS_RESET)?;
    number(out, "STATS_DUMP", sim_control::STATS_DUMP)?;

    writeln!(out, "\n/* ---- UINTC (abi::uintc) ---- */")?;
    define(out, "UINTC_SLOT_BYTES", uintc::SLOT_BYTES)?;
    writeln!(
        out,
        "#define UINTC_SLOT(i) (UINTC_BASE + UINTC_SLOT_BYTES * (i))"
    )?;
    registers(out, "UINTC_", "", uintc::REGISTERS)?;
    writeln!(
        out,
        "/* LOW: [0] active, [1] mode (RV64), [31:16] hart id */\n\
         #define UINTC_LOWV(active, hart) ((active) | {:#x} | ((hart) << {}))",
        uintc::LOW_MODE,
        uintc::LOW_HARTID_SHIFT
    )?;
    define(out, "UINTR_EN", uintc::UINTR_ENABLE)?;
    writeln!(
        out,
        "/* sender-table entry: [0] valid, [31:16] vector, [63:48] receiver slot */\n\
         #define UISTE(valid, vec, slot) ((valid) | ((vec) << {}) | ((slot) << {}))",
        uintc::ENTRY_VECTOR_SHIFT,
        uintc::ENTRY_SLOT_SHIFT
    )?;
    writeln!(
        out,
        "/* suist: EN, size in pages at [55:44], PPN */\n\
         #define SUIST_PAGES(n) ((n) << {})",
        uintc::SUIST_SIZE_SHIFT
    )?;

    writeln!(
        out,
        "\n/* ---- task controller (abi::task_controller) ---- */"
    )?;
    define(out, "TC_REGION", tc::REGION)?;
    define(out, "TC_ID_VALUE", tc::ID_VALUE)?;
    writeln!(out, "/* global region */")?;
    registers(out, "TC_", "TC_BASE + ", tc::global::REGISTERS)?;
    writeln!(
        out,
        "/* region of set s */\n#define TC_SET(s) (TC_BASE + TC_REGION * (1 + (s)))"
    )?;
    registers(out, "TC_SET_", "TC_SET(s) + ", tc::set::REGISTERS)?;
    writeln!(out, "/* CTRL / STATUS policy codes */")?;
    number(out, "POLICY_DFCFS", tc::policy::DFCFS)?;
    number(out, "POLICY_STEAL", tc::policy::STEAL)?;
    number(out, "POLICY_CFCFS", tc::policy::CFCFS)?;
    writeln!(out, "/* ERROR bits */")?;
    for &(name, bit) in tc::error::BITS {
        define(out, Prefixed("E_", name), bit)?;
    }
    writeln!(
        out,
        "/* a task id: record n (a 64-byte-aligned address / 64), priority, preempt flag */\n\
         #define TASK(n, prio, pre) (((n) << 6) | ((prio) << {}) | (pre))",
        tc::task::PRIORITY_SHIFT
    )?;
    writeln!(
        out,
        "/* SEND / CAP / IRQ_GRANT operands */\n\
         #define CHAN(set, c) (((set) << {}) | (c))\n\
         #define CAP(from, to, c) (((from) << {}) | CHAN(to, c))\n\
         #define GRANT(set, src) (((set) << {}) | (src))",
        tc::channel(1, 0).trailing_zeros(),
        tc::cap(1, 0, 0).trailing_zeros(),
        tc::grant(1, 0).trailing_zeros()
    )?;
    define(out, "REVOKE", tc::REVOKE)?;

    writeln!(out, "\n#endif /* HARTLAB_HW_H */")
}

/// `#define NAME VALUE`, the value in hex (an address, offset or bits).
fn define(out: &mut impl Write, name: impl fmt::Display, value: u64) -> fmt::Result {
    writeln!(out, "#define {name} {value:#x}")
}

/// `#define NAME VALUE`, the value in decimal (a number or count).
fn number(out: &mut impl Write, name: &str, value: u64) -> fmt::Result {
    writeln!(out, "#define {name} {value}")
}

/// A register map: `PREFIX<NAME>` for each register at `(<base><offset>)`; the base's `(s)`
/// (a set's region) makes the macro take `s`, an array register takes its index `i` too.
fn registers(out: &mut impl Write, prefix: &str, base: &str, regs: &[Register]) -> fmt::Result {
    let set = base.contains("(s)");
    for r in regs {
        let params = match (set, r.is_array()) {
            (false, false) => "",
            (false, true) => "(i)",
            (true, false) => "(s)",
            (true, true) => "(s, i)",
        };
        let index = if r.is_array() { " + 8 * (i)" } else { "" };
        if base.is_empty() && index.is_empty() {
            writeln!(out, "#define {prefix}{} {:#x}", r.name, r.offset)?;
        } else {
            writeln!(
                out,
                "#define {prefix}{}{params} ({base}{:#x}{index})",
                r.name, r.offset
            )?;
        }
    }
    Ok(())
}

/// A name with a prefix, displayed without allocating.
struct Prefixed<'a>(&'a str, &'a str);

impl fmt::Display for Prefixed<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.0, self.1)
    }
}
