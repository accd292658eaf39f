//! Simulator speed: runs the integer benchmark guest (`benches/guest/intbench.c`, about 500
//! million instructions on one hart) timed and functional, and the sharing guest
//! (`benches/guest/sharing.S`, four harts bouncing a line every 16 instructions) timed under
//! exact and under quantum interleaving, and reports millions of simulated instructions per
//! host second, best and median of several runs.
//!
//! `cargo bench --bench mips` (set `HARTLAB_BENCH_RUNS` to change the number of runs).

#[path = "../tests/support/mod.rs"]
mod support;

use hartlab::config::{InterleaveName, ModeName};
use hartlab::run::RunOptions;

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
        let mut options = RunOptions::default();
        options.config.timing.mode = mode;
        measure(&format!("intbench {mode:?}"), &elf, &options, runs);
    }
    let sharing = root.join("benches/guest/sharing.S");
    let sharing = support::build_guest("sharing-4", &[sharing.as_path()], &["-DNHARTS=4"]);
    for interleave in [InterleaveName::Exact, InterleaveName::Quantum] {
        let mut options = RunOptions::default();
        options.config.machine.harts = 4;
        options.config.machine.interleave = interleave;
        measure(
            &format!("sharing, 4 harts, {interleave:?} interleaving"),
            &sharing,
            &options,
            runs,
        );
    }
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
