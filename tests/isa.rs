//! ISA conformance: every self-checking guest program in `tests/guest/isa/*.S` (see
//! `tests/guest/common/test.h` for how they report) is built with the RISC-V GNU toolchain and
//! run on hartlab and, unless it is hartlab-only, on QEMU 7.2 (the reference: a program failing
//! there is itself wrong), with one hart unless listed in [`MULTI_HART`] (the F / D programs are
//! built for RV64GC, see [`BUILD_FLAGS`]). A program passes with
//! status 0; status N (1..=249) means its check `TEST N` failed (250: it failed before its first
//! numbered check; 251..=254 are hartlab's own ends, see the README), and the console carries a
//! `FAIL <program>: test N` line with the trap CSRs.
//!
//! Hartlab-only programs check behaviour where QEMU 7.2 is allowed to differ or deviates from
//! the specs; the reason is given next to each.

mod support;

use std::path::PathBuf;
use std::time::Duration;

/// QEMU's wall-clock limit per program (each finishes in well under a second).
const QEMU_TIMEOUT: Duration = Duration::from_secs(10);

/// Programs run with more than one hart (on both machines), and how many.
const MULTI_HART: &[(&str, usize)] = &[("multihart", 4)];

/// Harts to run `name` with.
fn harts_for(name: &str) -> usize {
    MULTI_HART
        .iter()
        .find(|(n, _)| *n == name)
        .map_or(1, |&(_, harts)| harts)
}

/// Programs run on hartlab with a machine configuration of their own (TOML); QEMU runs them
/// as it is.
const CONFIGS: &[(&str, &str)] = &[("misaligned_hw", "[machine]\nmisaligned = \"hardware\"\n")];

/// Flags of the F / D programs: with F and D (appended after `support::build_guest`'s
/// `-march=rv64imac_zicsr_zifencei -mabi=lp64`, so these win).
const FD: &[&str] = &["-march=rv64gc", "-mabi=lp64d"];

/// Programs built with extra compiler flags.
const BUILD_FLAGS: &[(&str, &[&str])] = &[
    ("rv64f_arith", FD),
    ("rv64d_arith", FD),
    ("rv64fd_cmp", FD),
    ("rv64fd_cvt", FD),
    ("rv64fd_mem", FD),
    ("rv64fc", FD),
    ("fp_csr", FD),
    ("fp_csr_strict", FD),
    ("misaligned_hw", FD),
];

/// Extra compiler flags for `name`.
fn flags_for(name: &str) -> &'static [&'static str] {
    BUILD_FLAGS
        .iter()
        .find(|(n, _)| *n == name)
        .map_or(&[], |&(_, flags)| flags)
}

fn source(name: &str) -> PathBuf {
    support::repo_root()
        .join("tests/guest/isa")
        .join(format!("{name}.S"))
}

/// What a nonzero status means, for the failure message.
fn describe(status: Option<i32>, console: &str) -> String {
    let what = match status {
        Some(n @ 1..=249) => format!("failed check TEST {n} (status {n})"),
        Some(250) => "failed before its first numbered check (status 250)".to_string(),
        Some(251) => "could not be loaded (status 251)".to_string(),
        Some(252) => "hit the instruction limit: hung? (status 252)".to_string(),
        Some(253) => "is stuck in a double-fault loop (status 253)".to_string(),
        Some(254) => "waits for an interrupt nothing will raise (status 254)".to_string(),
        Some(n) => format!("ended with status {n}"),
        None => "did not finish (killed: timeout or signal)".to_string(),
    };
    let console = console.trim_end();
    if console.is_empty() {
        format!("{what}; console empty")
    } else {
        format!("{what}; console:\n{console}")
    }
}

/// Build `name` into an ELF.
fn build(name: &str) -> PathBuf {
    let src = source(name);
    support::build_guest(&format!("isa-{name}"), &[src.as_path()], flags_for(name))
}

/// Build `name` and run it on hartlab; panic naming the program and the failing check.
fn run_on_hartlab(name: &str) {
    let elf = build(name);
    let harts = harts_for(name);
    let hl = match CONFIGS.iter().find(|(n, _)| *n == name) {
        Some((_, toml)) => support::run_hartlab_toml(&elf, toml, 2_000_000_000),
        None => support::run_hartlab(&elf, harts),
    };
    assert!(
        hl.status == 0,
        "ISA program {name} ({}) on hartlab ({harts} hart(s)): {}",
        source(name).display(),
        describe(Some(hl.status), &hl.console)
    );
}

/// Build `name` and run it on QEMU, the reference: a failure there means the test program
/// itself is suspect.
fn run_on_qemu(name: &str) {
    let elf = build(name);
    let harts = harts_for(name);
    let run = support::run_qemu(&elf, harts, QEMU_TIMEOUT);
    assert!(
        run.status == Some(0),
        "ISA program {name} ({}) on QEMU ({harts} hart(s); the reference, so the test program \
         itself is suspect): {}",
        source(name).display(),
        describe(run.status, &run.console)
    );
}

/// One `#[test]` per program on hartlab, and one in `on_qemu` per program that QEMU runs too
/// (reported as ignored where QEMU is missing); `name => "why"` is hartlab only.
macro_rules! isa_programs {
    ($($name:ident $(=> $why:literal)?),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                run_on_hartlab(stringify!($name));
            }
        )*
        /// The same programs on QEMU, the reference.
        mod on_qemu {
            $(isa_programs!(@qemu $name $($why)?);)*
        }
        /// Every program, for the completeness check.
        const PROGRAMS: &[&str] = &[$(stringify!($name)),*];
    };
    (@qemu $name:ident) => {
        #[test]
        #[cfg_attr(not(qemu), ignore = "needs qemu-system-riscv64 (scripts/install-test-deps)")]
        fn $name() {
            super::run_on_qemu(stringify!($name));
        }
    };
    (@qemu $name:ident $why:literal) => {};
}

isa_programs! {
    // RV64I / M / A / C
    rv64i_rr,
    rv64i_imm,
    rv64i_w,
    rv64i_ctrl,
    rv64i_mem,
    rv64m,
    rv64a,
    rv64c,
    // F / D
    rv64f_arith,
    rv64d_arith,
    rv64fd_cmp,
    rv64fd_cvt,
    rv64fd_mem,
    rv64fc,
    fp_csr,
    // Zicsr / Zicntr / Zifencei
    zicsr,
    zicntr,
    zifencei,
    // traps and privilege
    traps,
    priv_xret,
    priv_trapctl,
    deleg,
    interrupts,
    mprv,
    // virtual memory, PMP, Sstc
    sv39,
    sv39_faults,
    pmp,
    sstc,
    sfence_asid,
    fetch_fault,
    // devices, several harts
    plic,
    multihart,
    // misaligned accesses performed in hardware (machine.misaligned = "hardware")
    misaligned_hw,
    // hartlab-only
    misaligned => "QEMU 7.2 performs misaligned loads and stores instead of trapping, and reports \
                   a misaligned AMO as cause 4 instead of 6",
    amo_faults => "QEMU 7.2 reports some AMO access / page faults with the load cause (5 / 13) \
                   instead of the store/AMO cause (7 / 15)",
    irq_priority => "QEMU 7.2 without AIA takes the lowest-numbered pending interrupt first \
                     instead of MEI > MSI > MTI > SEI > SSI > STI",
    priv_strict => "QEMU 7.2 keeps MPRV on MRET/SRET below M, stores mepc[0] / sepc[0], lets \
                    MPP hold 2, keeps pmpaddr bits 63:54, and does not trap CSRRS/CSRRC with a \
                    zero-valued rs1 != x0 on read-only CSRs",
    htif => "QEMU virt has no HTIF (tohost / fromhost)",
    fp_csr_strict => "QEMU 7.2 sets mstatus.FS to Dirty only for instructions that write an f \
                      register, not for FEQ / FLT / FLE / FCVT-to-integer changing only fflags",
    counters => "QEMU 7.2 stores mcountinhibit.TM (read-only 0), keeps counting an inhibited \
                 mcycle / minstret once it has been written (and reads one never written as 0), \
                 and without -icount counts both from host ticks, so a written minstret neither \
                 stays put nor counts instructions exactly",
}

/// Every `tests/guest/isa/*.S` has a test above, and every test has its program.
#[test]
fn every_program_is_listed() {
    let dir = support::repo_root().join("tests/guest/isa");
    let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .filter_map(|entry| {
            let path = entry.ok()?.path();
            (path.extension()? == "S").then(|| path.file_stem()?.to_str().map(str::to_owned))?
        })
        .collect();
    on_disk.sort();
    let mut listed: Vec<String> = PROGRAMS.iter().map(|s| s.to_string()).collect();
    listed.sort();
    assert_eq!(
        on_disk, listed,
        "tests/guest/isa/*.S and the isa_programs! list in tests/isa.rs disagree"
    );
    for (name, _) in BUILD_FLAGS {
        assert!(
            PROGRAMS.contains(name),
            "BUILD_FLAGS names {name}, which is not in the isa_programs! list"
        );
    }
    for (name, harts) in MULTI_HART {
        assert!(
            PROGRAMS.contains(name),
            "MULTI_HART names {name}, which is not in the isa_programs! list"
        );
        assert!(*harts >= 2, "MULTI_HART: {name} with {harts} hart(s)");
    }
}

/// A misaligned access performed in hardware costs `core.misaligned_penalty` on top of what the
/// caches charge for its two parts: raising the penalty by 100 adds exactly 100 cycles per
/// misaligned access misaligned_hw makes (36; the store PMP refuses is not performed), and the
/// instruction count does not move.
#[test]
fn misaligned_hw_pays_its_penalty_per_access() {
    let elf = support::build_guest(
        "isa-misaligned_hw",
        &[source("misaligned_hw").as_path()],
        flags_for("misaligned_hw"),
    );
    let run = |penalty: u32| {
        let toml = format!(
            "[machine]\nmisaligned = \"hardware\"\n[core]\nmisaligned_penalty = {penalty}\n"
        );
        let r = support::run_hartlab_toml(&elf, &toml, 2_000_000_000);
        assert_eq!(r.status, 0, "{}", support::describe_status(&r));
        let h = &r.report.stats.harts[0];
        (h.cycles, h.instret)
    };
    let (base_cycles, base_insns) = run(1);
    let (cycles, insns) = run(101);
    assert_eq!(insns, base_insns);
    assert_eq!(cycles - base_cycles, 36 * 100);
}
