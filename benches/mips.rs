//! Simulator speed: runs the integer benchmark guest (`benches/guest/intbench.c`, about 500
//! million instructions on one hart) timed and functional, and the sharing guest
//! (`benches/guest/sharing.S`, four harts bouncing a line every 16 instructions) timed under
//! exact and under quantum interleaving, and reports millions of simulated instructions per
//! host second, best and median of several runs. When `qemu-system-riscv64` is installed it
//! also runs intbench on QEMU (TCG), alternating with hartlab run by run, and reports
//! hartlab's functional speed as a fraction of QEMU's, median of the run-by-run ratios
//! (QEMU's time is its whole process, start-up included; it retires the same instructions).
//!
//! `cargo bench --bench mips` (set `HARTLAB_BENCH_RUNS` to change the number of runs).

#[path = "../tests/support/mod.rs"]
mod support;

use hartlab::config::{InterleaveName, MachineConfig, ModeName};
use hartlab::resolved::ResolvedMachine;
use hartlab::run::RunOptions;

/// The default machine with `change` applied.
fn machine(change: impl FnOnce(&mut MachineConfig)) -> ResolvedMachine {
    let mut config = MachineConfig::default();
    change(&mut config);
    config.resolve().expect("a valid bench machine")
}

fn main() {
    let root = support::repo_root();
    let diff = root.join("tests/guest/diff");
    let sources = [
        root.join("benches/guest/intbench.c"),
        diff.join("crt0.S"),
        diff.join("rt.c"),
    ];
    let sources: Vec<&std::path::Path> = sources.iter().map(|p| p.as_path()).collect();
    let include = format!("-I{}", diff.display());
    let elf = support::build_guest("intbench", &sources, &[&include]);
    let runs: usize = std::env::var("HARTLAB_BENCH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5);
    for mode in [ModeName::Timed, ModeName::Functional] {
        let options = RunOptions {
            config: machine(|c| c.timing.mode = mode),
            ..RunOptions::default()
        };
        measure(&format!("intbench {mode:?}"), &elf, &options, runs);
    }
    if support::qemu_available() {
        against_qemu(&elf, runs);
    } else {
        println!("intbench on QEMU: skipped, qemu-system-riscv64 is not installed");
    }
    let sharing = root.join("benches/guest/sharing.S");
    let sharing = support::build_guest("sharing-4", &[sharing.as_path()], &["-DNHARTS=4"]);
    for interleave in [InterleaveName::Exact, InterleaveName::Quantum] {
        let options = RunOptions {
            config: machine(|c| {
                c.machine.harts = 4;
                c.machine.interleave = interleave;
            }),
            ..RunOptions::default()
        };
        measure(
            &format!("sharing, 4 harts, {interleave:?} interleaving"),
            &sharing,
            &options,
            runs,
        );
    }
}

/// Run `elf` on QEMU and functionally on hartlab in turn, `runs` times each, and print the
/// median of hartlab's MIPS over QEMU's, pair by pair.
fn against_qemu(elf: &std::path::Path, runs: usize) {
    let options = RunOptions {
        config: machine(|c| c.timing.mode = ModeName::Functional),
        ..RunOptions::default()
    };
    let mut ratios = Vec::new();
    for i in 0..runs {
        let started = std::time::Instant::now();
        let qemu = support::qemu_command(elf, 1, std::time::Duration::from_secs(60), &[])
            .stdin(std::process::Stdio::null())
            .output()
            .expect("run qemu-system-riscv64");
        let qemu_seconds = started.elapsed().as_secs_f64();
        assert!(qemu.status.success(), "intbench failed on QEMU");
        let run = support::run_hartlab_with(elf, &options);
        assert_eq!(run.status, 0, "intbench failed:\n{}", run.console);
        let qemu_mips = run.report.stats.instret as f64 / qemu_seconds / 1e6;
        println!(
            "intbench QEMU run {}: {qemu_seconds:.3} s = {qemu_mips:.1} MIPS; hartlab functional {:.1} MIPS = {:.3} x QEMU",
            i + 1,
            run.report.mips(),
            run.report.mips() / qemu_mips
        );
        ratios.push(run.report.mips() / qemu_mips);
    }
    ratios.sort_by(f64::total_cmp);
    println!(
        "intbench functional / QEMU: median {:.3} over {} paired runs",
        ratios[ratios.len() / 2],
        ratios.len()
    );
}

/// Run `elf` `runs` times and print each run and the best and median MIPS.
fn measure(name: &str, elf: &std::path::Path, options: &RunOptions, runs: usize) {
    let mut mips = Vec::new();
    for i in 0..runs {
        let run = support::run_hartlab_with(elf, options);
        assert_eq!(run.status, 0, "{name} failed:\n{}", run.console);
        println!(
            "{name} run {}: {} instructions, CPI {:.3}, {:.3} s host = {:.1} MIPS",
            i + 1,
            run.report.stats.instret,
            run.report.stats.harts[0].cpi,
            run.report.host_seconds,
            run.report.mips()
        );
        mips.push(run.report.mips());
    }
    mips.sort_by(f64::total_cmp);
    println!(
        "{name}: best {:.1} MIPS, median {:.1} MIPS over {} runs",
        mips[mips.len() - 1],
        mips[mips.len() / 2],
        mips.len()
    );
}
