//! Differential tests against QEMU: each bare-metal program under `tests/guest/diff/` runs on
//! `qemu-system-riscv64 -machine virt` (the reference) and on hartlab with the same number of
//! harts; both must end through the test finisher with status 0 and print byte-identical
//! console output. The programs print nothing that depends on timing or on how harts
//! interleave, so any difference is a hartlab bug (or a QEMU-compatibility gap).
//!
//! | program  | harts | what it checks                                                   |
//! |----------|-------|------------------------------------------------------------------|
//! | console  | 1     | integer datapath edge cases, compiled code, device tree in a1   |
//! | atomics  | 1, 4  | AMOs, LR/SC, locks built on them, exact shared totals            |
//! | ipi      | 4     | CLINT msip, MSIP delivery/masking, WFI wake-up, IPIs both ways   |
//! | timer    | 1, 4  | mtime/mtimecmp, MTIP, per-hart timer interrupts, WFI             |
//! | paging   | 1     | Sv39, A/D updates, sfence.vma, demand paging, SUM/MXR, U mode    |
//! | intbench | 1     | the benchmark guest, shortened, agrees on its checksum           |
//! | fpsweep  | 1     | every F/D instruction x operand specials x rounding modes (3 parts) |
//! | fpcalc   | 1     | ordinary float/double C code (-march=rv64gc -O2), exact results  |
//!
//! The FP programs are built with `-march=rv64gc -mabi=lp64d`; crt0.S turns the FP unit on
//! (mstatus.FS) when built for F/D. fpsweep prints one line per case and digests the large
//! cross products (`digest #G ...`); when a digest differs, the test rebuilds the program with
//! `-DFPSWEEP_EXPAND=G` and reports the first differing case of that group.

mod support;

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use support::{
    build_guest, first_difference, first_differing_line, repo_root, run_hartlab, run_qemu,
    HartlabRun, QemuRun,
};

/// QEMU runs are serialised: a 4-hart QEMU is 4 host threads spinning on guest locks, and
/// several at once on a small machine slow each other down by orders of magnitude.
static QEMU_LOCK: Mutex<()> = Mutex::new(());

const QEMU_TIMEOUT: Duration = Duration::from_secs(60);

/// The runtime every diff program links with.
const RUNTIME: &[&str] = &["tests/guest/diff/crt0.S", "tests/guest/diff/rt.c"];

/// Build `sources` (paths relative to the repository root) plus the runtime for `harts` harts.
fn build(name: &str, sources: &[&str], harts: usize, extra: &[&str]) -> PathBuf {
    let root = repo_root();
    let paths: Vec<PathBuf> = sources
        .iter()
        .chain(RUNTIME)
        .map(|s| root.join(s))
        .collect();
    let refs: Vec<&Path> = paths.iter().map(PathBuf::as_path).collect();
    let nharts = format!("-DNHARTS={harts}");
    let include = format!("-I{}", root.join("tests/guest/diff").display());
    let mut flags = vec![nharts.as_str(), include.as_str(), "-Wall"];
    flags.extend_from_slice(extra);
    build_guest(&format!("diff-{name}-{harts}"), &refs, &flags)
}

/// Run `elf` on QEMU twice (the reference must itself be deterministic, pass and print
/// `done`) and once on hartlab.
fn run_both(name: &str, elf: &Path, harts: usize) -> (QemuRun, HartlabRun) {
    let qemu = {
        let _guard = QEMU_LOCK.lock().unwrap_or_else(|e| e.into_inner());
        let first = run_qemu(elf, harts, QEMU_TIMEOUT);
        let second = run_qemu(elf, harts, QEMU_TIMEOUT);
        assert_eq!(
            first.status,
            Some(0),
            "{name} ({harts} harts) failed on QEMU with status {:?}; console:\n{}",
            first.status,
            first.console
        );
        if let Some(d) = first_difference(&first.console, &second.console) {
            panic!("{name} ({harts} harts) is not deterministic on QEMU (second run is 'hartlab' below):\n{d}");
        }
        assert_eq!(
            second.status, first.status,
            "{name}: QEMU status changed between runs"
        );
        first
    };
    assert!(
        !qemu.console.is_empty() && qemu.console.lines().any(|l| l == "done"),
        "{name} ({harts} harts) printed no `done` on QEMU; console:\n{}",
        qemu.console
    );
    let ours = run_hartlab(elf, harts);
    (qemu, ours)
}

/// What differs between the two runs (console first, then exit status), if anything.
fn mismatch(name: &str, harts: usize, qemu: &QemuRun, ours: &HartlabRun) -> Option<String> {
    if let Some(d) = first_difference(&qemu.console, &ours.console) {
        return Some(format!(
            "{name} ({harts} harts): hartlab differs from QEMU (hartlab status {}):\n{d}",
            ours.status
        ));
    }
    if Some(ours.status) != qemu.status {
        return Some(format!(
            "{name} ({harts} harts): hartlab ended with status {} but QEMU with {:?}",
            ours.status, qemu.status
        ));
    }
    None
}

/// Run `elf` on QEMU and hartlab and compare.
fn differential(name: &str, elf: &Path, harts: usize) {
    let (qemu, ours) = run_both(name, elf, harts);
    if let Some(report) = mismatch(name, harts, &qemu, &ours) {
        panic!("{report}");
    }
}

fn diff_program(name: &str, extra_sources: &[&str], harts: usize) {
    let mut sources = vec![format!("tests/guest/diff/{name}.c")];
    sources.extend(
        extra_sources
            .iter()
            .map(|s| format!("tests/guest/diff/{s}")),
    );
    let sources: Vec<&str> = sources.iter().map(String::as_str).collect();
    let elf = build(name, &sources, harts, &[]);
    differential(name, &elf, harts);
}

#[test]
#[cfg_attr(
    not(qemu),
    ignore = "needs qemu-system-riscv64 (scripts/install-test-deps)"
)]
fn console_1_hart() {
    diff_program("console", &[], 1);
}

#[test]
#[cfg_attr(
    not(qemu),
    ignore = "needs qemu-system-riscv64 (scripts/install-test-deps)"
)]
fn atomics_1_hart() {
    diff_program("atomics", &[], 1);
}

#[test]
#[cfg_attr(
    not(qemu),
    ignore = "needs qemu-system-riscv64 (scripts/install-test-deps)"
)]
fn atomics_4_harts() {
    diff_program("atomics", &[], 4);
}

#[test]
#[cfg_attr(
    not(qemu),
    ignore = "needs qemu-system-riscv64 (scripts/install-test-deps)"
)]
fn ipi_4_harts() {
    diff_program("ipi", &[], 4);
}

#[test]
#[cfg_attr(
    not(qemu),
    ignore = "needs qemu-system-riscv64 (scripts/install-test-deps)"
)]
fn timer_1_hart() {
    diff_program("timer", &[], 1);
}

#[test]
#[cfg_attr(
    not(qemu),
    ignore = "needs qemu-system-riscv64 (scripts/install-test-deps)"
)]
fn timer_4_harts() {
    diff_program("timer", &[], 4);
}

#[test]
#[cfg_attr(
    not(qemu),
    ignore = "needs qemu-system-riscv64 (scripts/install-test-deps)"
)]
fn paging_1_hart() {
    diff_program("paging", &["paging_user.S"], 1);
}

/// The benchmark guest with a few iterations: it builds, passes, and hartlab computes the same
/// checksum.
#[test]
#[cfg_attr(
    not(qemu),
    ignore = "needs qemu-system-riscv64 (scripts/install-test-deps)"
)]
fn intbench_short() {
    let elf = build(
        "intbench",
        &["benches/guest/intbench.c"],
        1,
        &["-DITERATIONS=3"],
    );
    differential("intbench", &elf, 1);
}

/// Flags of the programs that use floating point.
const FP_FLAGS: &[&str] = &["-march=rv64gc", "-mabi=lp64d"];

/// One part of the FP sweep (see tests/guest/diff/fpsweep.c).
fn fpsweep(part: u32) {
    let name = format!("fpsweep{part}");
    let define = format!("-DPART={part}");
    let mut flags = FP_FLAGS.to_vec();
    flags.push(&define);
    let elf = build(&name, &["tests/guest/diff/fpsweep.c"], 1, &flags);
    let (qemu, ours) = run_both(&name, &elf, 1);
    let Some(report) = mismatch(&name, 1, &qemu, &ours) else {
        return;
    };
    // A digested group differs: print that group's cases as lines on both and report the first
    // case that differs.
    let group = first_differing_line(&qemu.console, &ours.console).and_then(|(_, line)| {
        line.strip_prefix("digest #")?
            .split(' ')
            .next()?
            .parse::<u32>()
            .ok()
    });
    let Some(group) = group else {
        panic!("{report}");
    };
    let expand = format!("-DFPSWEEP_EXPAND={group}");
    flags.push(&expand);
    let expanded_name = format!("{name}-expand{group}");
    let elf = build(&expanded_name, &["tests/guest/diff/fpsweep.c"], 1, &flags);
    let (q, o) = run_both(&expanded_name, &elf, 1);
    let detail = first_difference(&q.console, &o.console)
        .unwrap_or_else(|| "  (the expanded build shows no difference)\n".to_string());
    panic!(
        "{report}\nfirst differing case of digest group {group} (rebuilt with {expand}):\n{detail}"
    );
}

#[test]
#[cfg_attr(
    not(qemu),
    ignore = "needs qemu-system-riscv64 (scripts/install-test-deps)"
)]
fn fpsweep_single() {
    fpsweep(1);
}

#[test]
#[cfg_attr(
    not(qemu),
    ignore = "needs qemu-system-riscv64 (scripts/install-test-deps)"
)]
fn fpsweep_double() {
    fpsweep(2);
}

#[test]
#[cfg_attr(
    not(qemu),
    ignore = "needs qemu-system-riscv64 (scripts/install-test-deps)"
)]
fn fpsweep_conversions() {
    fpsweep(3);
}

/// Ordinary C code computing with float and double prints exactly what QEMU prints.
#[test]
#[cfg_attr(
    not(qemu),
    ignore = "needs qemu-system-riscv64 (scripts/install-test-deps)"
)]
fn fpcalc_1_hart() {
    let mut flags = FP_FLAGS.to_vec();
    flags.push("-fno-math-errno"); // __builtin_sqrt is fsqrt, with no libm call
    let elf = build("fpcalc", &["tests/guest/diff/fpcalc.c"], 1, &flags);
    differential("fpcalc", &elf, 1);
}

#[test]
fn first_difference_reports_the_line() {
    assert_eq!(first_difference("a\nb\n", "a\nb\n"), None);
    let d = first_difference("a\nb\nc\n", "a\nx\nc\n").unwrap();
    assert!(d.contains("line 2"), "{d}");
    assert!(d.contains("QEMU    > \"b\""), "{d}");
    assert!(d.contains("hartlab > \"x\""), "{d}");
    let d = first_difference("a\n", "a\nextra\n").unwrap();
    assert!(d.contains("<end of output>") || d.contains("\"\""), "{d}");
    assert_eq!(first_differing_line("a\nb\n", "a\nb\n"), None);
    assert_eq!(
        first_differing_line("a\ndigest #7 x\nc", "a\ndigest #7 y\nc"),
        Some((1, "digest #7 x"))
    );
}
