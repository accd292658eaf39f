//! Random-program differential test: seeded, reproducible random RISC-V programs (see
//! `random_programs/generator.rs` for what they contain and what they avoid) run on QEMU and on
//! hartlab, which must leave the same architectural state: all integer registers, mscratch,
//! all FP registers (raw bits) and fcsr, and the contents of the memory they wrote, as printed
//! by `tests/guest/diff/randprog.c`. A hash of the registers after each segment (block or
//! loop) is printed first, so the first differing line names the segment where hartlab
//! diverges.
//!
//! Two families: `rv64imac` programs (integer only, they run on a hart without F/D) and
//! `rv64gc` programs (integer plus F and D). CI runs seeds 0..8 of the first and 0..16 of
//! the second. `HARTLAB_RANDOM_SEEDS` replaces both seed lists: a count `N` (seeds 0..N) or a
//! range `A..B`; e.g. `HARTLAB_RANDOM_SEEDS=100..200 cargo test --release --test
//! random_programs`. The generated sources are kept under `target/random_programs/`; a
//! failure names the seed, the source and the first differing line.

#[path = "random_programs/generator.rs"]
mod generator;
mod support;

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use generator::Mode;
use support::{build_guest, first_difference, repo_root, run_hartlab_with, run_qemu};

const INTEGER_SEEDS: Range<u64> = 0..8;
const FULL_SEEDS: Range<u64> = 0..16;
const QEMU_TIMEOUT: Duration = Duration::from_secs(30);
/// The programs retire a few tens of thousands of instructions: a hartlab run that goes much
/// further is lost (and is reported as such rather than taking minutes).
const MAX_INSNS: u64 = 20_000_000;

/// The seeds to run: `HARTLAB_RANDOM_SEEDS` (`N` or `A..B`) or the default.
fn seeds(default: Range<u64>) -> Vec<u64> {
    match std::env::var("HARTLAB_RANDOM_SEEDS") {
        Ok(v) => parse_seeds(&v).unwrap_or_else(|| {
            panic!("HARTLAB_RANDOM_SEEDS={v:?}: expected a count (e.g. 200) or a range (e.g. 100..200)")
        }),
        Err(_) => default.collect(),
    }
}

fn parse_seeds(v: &str) -> Option<Vec<u64>> {
    let v = v.trim();
    if let Some((a, b)) = v.split_once("..") {
        let (a, b) = (a.trim().parse::<u64>().ok()?, b.trim().parse::<u64>().ok()?);
        (a < b).then(|| (a..b).collect())
    } else {
        Some((0..v.parse::<u64>().ok()?).collect())
    }
}

/// Write the program of `seed` to target/random_programs/ and build it.
fn build(seed: u64, mode: Mode) -> (PathBuf, PathBuf) {
    let root = repo_root();
    let dir = root.join("target").join("random_programs");
    std::fs::create_dir_all(&dir).expect("create target/random_programs");
    let source = dir.join(format!("{}-{seed}.S", mode.name()));
    std::fs::write(&source, generator::generate(seed, mode)).expect("write the generated program");
    let sources: Vec<PathBuf> = [
        "tests/guest/diff/randprog.c",
        "tests/guest/diff/crt0.S",
        "tests/guest/diff/rt.c",
    ]
    .iter()
    .map(|s| root.join(s))
    .chain([source.clone()])
    .collect();
    let refs: Vec<&Path> = sources.iter().map(PathBuf::as_path).collect();
    let include = format!("-I{}", root.join("tests/guest/diff").display());
    let mut flags = vec![include.as_str(), "-DNHARTS=1"];
    if mode == Mode::Full {
        flags.extend(["-march=rv64gc", "-mabi=lp64d"]);
    }
    let elf = build_guest(&format!("random-{}-{seed}", mode.name()), &refs, &flags);
    (source, elf)
}

/// Outcome of one seed: `Err` with a report on a mismatch.
fn check(seed: u64, mode: Mode) -> Result<(), String> {
    let (source, elf) = build(seed, mode);
    let what = format!(
        "random {} program, seed {seed} (source {}; rerun with HARTLAB_RANDOM_SEEDS={seed}..{})",
        mode.name(),
        source.display(),
        seed + 1
    );
    let qemu = run_qemu(&elf, 1, QEMU_TIMEOUT);
    if qemu.status != Some(0) || !qemu.console.lines().any(|l| l == "done") {
        return Err(format!(
            "{what}: failed on QEMU (status {:?}), a generator bug; console:\n{}",
            qemu.status, qemu.console
        ));
    }
    let mut options = hartlab::run::RunOptions::default();
    assert_eq!(
        options.config.machine.harts, 1,
        "the default machine has one hart"
    );
    options.max_insns = Some(MAX_INSNS);
    let ours = run_hartlab_with(&elf, &options);
    if let Some(d) = first_difference(&qemu.console, &ours.console) {
        let differing: Vec<String> = qemu
            .console
            .lines()
            .zip(ours.console.lines())
            .filter(|(a, b)| a != b)
            .take(8)
            .map(|(a, b)| format!("    QEMU {a:<40} hartlab {b}"))
            .collect();
        return Err(format!(
            "{what}: hartlab (status {}) differs from QEMU\n{d}  first differing lines \
             (`after segment K` hashes the registers after the code under `# block K` or \
             `# loop K` in the source):\n{}",
            ours.status,
            differing.join("\n")
        ));
    }
    if ours.status != 0 {
        return Err(format!("{what}: hartlab ended with status {}", ours.status));
    }
    Ok(())
}

/// Run every seed (on a few threads), then report every failure at once.
fn run_seeds(mode: Mode, seeds: &[u64]) {
    let next = AtomicUsize::new(0);
    let failures = Mutex::new(Vec::new());
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2)
        .clamp(1, 4);
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(&seed) = seeds.get(i) else { break };
                if let Err(e) = check(seed, mode) {
                    failures.lock().unwrap().push((seed, e));
                }
            });
        }
    });
    let mut failures = failures.into_inner().unwrap();
    failures.sort_by_key(|(seed, _)| *seed);
    if !failures.is_empty() {
        let failed: Vec<String> = failures.iter().map(|(s, _)| s.to_string()).collect();
        let reports: Vec<&str> = failures.iter().map(|(_, r)| r.as_str()).collect();
        panic!(
            "{} of {} random {} programs differ (seeds {}):\n\n{}",
            failures.len(),
            seeds.len(),
            mode.name(),
            failed.join(", "),
            reports.join("\n\n")
        );
    }
}

#[test]
#[cfg_attr(
    not(qemu),
    ignore = "needs qemu-system-riscv64 (scripts/install-test-deps)"
)]
fn random_integer_programs() {
    run_seeds(Mode::Integer, &seeds(INTEGER_SEEDS));
}

#[test]
#[cfg_attr(
    not(qemu),
    ignore = "needs qemu-system-riscv64 (scripts/install-test-deps)"
)]
fn random_rv64gc_programs() {
    run_seeds(Mode::Full, &seeds(FULL_SEEDS));
}

#[test]
fn generator_is_deterministic() {
    for mode in [Mode::Integer, Mode::Full] {
        assert_eq!(generator::generate(7, mode), generator::generate(7, mode));
        assert_ne!(generator::generate(7, mode), generator::generate(8, mode));
    }
    let int = generator::generate(3, Mode::Integer);
    assert!(!int.contains("fadd") && !int.contains("flw") && !int.contains("fcsr"));
    assert!(generator::generate(3, Mode::Full).contains("fsd f0,"));
}

#[test]
fn seed_lists_parse() {
    assert_eq!(parse_seeds("3"), Some(vec![0, 1, 2]));
    assert_eq!(parse_seeds("5..8"), Some(vec![5, 6, 7]));
    assert_eq!(parse_seeds(" 10 .. 11 "), Some(vec![10]));
    assert_eq!(parse_seeds("8..5"), None);
    assert_eq!(parse_seeds("x"), None);
}
