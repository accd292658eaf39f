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

mod support;

use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

use support::{build_guest, repo_root, run_hartlab, run_qemu};

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

/// A readable report of the first line where `reference` and `ours` differ, if any.
fn first_difference(reference: &str, ours: &str) -> Option<String> {
    if reference == ours {
        return None;
    }
    let a: Vec<&str> = reference.split('\n').collect();
    let b: Vec<&str> = ours.split('\n').collect();
    let i = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut report = format!(
        "consoles differ at line {} (QEMU printed {} lines, hartlab {}):\n",
        i + 1,
        a.len(),
        b.len()
    );
    for (n, line) in a.iter().enumerate().take(i).skip(i.saturating_sub(3)) {
        report.push_str(&format!("  {:>5} | {line}\n", n + 1));
    }
    let show = |v: &[&str]| match v.get(i) {
        Some(l) => format!("{l:?}"),
        None => "<end of output>".to_string(),
    };
    report.push_str(&format!("  QEMU    > {}\n", show(&a)));
    report.push_str(&format!("  hartlab > {}\n", show(&b)));
    Some(report)
}

/// Run `elf` on QEMU twice (the reference must itself be deterministic) and on hartlab, and
/// compare.
fn differential(name: &str, elf: &Path, harts: usize) {
    let qemu = {
        let _guard = QEMU_LOCK.lock().unwrap_or_else(|e| e.into_inner());
        let Some(first) = run_qemu(elf, harts, QEMU_TIMEOUT) else {
            return; // QEMU missing: support::run_qemu has said so
        };
        let second = run_qemu(elf, harts, QEMU_TIMEOUT).expect("QEMU vanished between runs");
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
    if let Some(d) = first_difference(&qemu.console, &ours.console) {
        panic!(
            "{name} ({harts} harts): hartlab differs from QEMU (hartlab status {}):\n{d}",
            ours.status
        );
    }
    assert_eq!(
        Some(ours.status),
        qemu.status,
        "{name} ({harts} harts): hartlab ended with status {} but QEMU with {:?}",
        ours.status,
        qemu.status
    );
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
fn console_1_hart() {
    diff_program("console", &[], 1);
}

#[test]
fn atomics_1_hart() {
    diff_program("atomics", &[], 1);
}

#[test]
fn atomics_4_harts() {
    diff_program("atomics", &[], 4);
}

#[test]
fn ipi_4_harts() {
    diff_program("ipi", &[], 4);
}

#[test]
fn timer_1_hart() {
    diff_program("timer", &[], 1);
}

#[test]
fn timer_4_harts() {
    diff_program("timer", &[], 4);
}

#[test]
fn paging_1_hart() {
    diff_program("paging", &["paging_user.S"], 1);
}

/// The benchmark guest with a few iterations: it builds, passes, and hartlab computes the same
/// checksum.
#[test]
fn intbench_short() {
    let elf = build(
        "intbench",
        &["benches/guest/intbench.c"],
        1,
        &["-DITERATIONS=3"],
    );
    differential("intbench", &elf, 1);
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
}
