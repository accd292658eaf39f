//! Simulator speed: runs the integer benchmark guest (`benches/guest/intbench.c`, about 500
//! million instructions on one hart) and reports millions of simulated instructions per host
//! second, best and median of several runs.
//!
//! `cargo bench --bench mips` (set `HARTLAB_BENCH_RUNS` to change the number of runs).

#[path = "../tests/support/mod.rs"]
mod support;

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
    let mut mips = Vec::new();
    for i in 0..runs {
        let run = support::run_hartlab(&elf, 1);
        assert_eq!(run.status, 0, "intbench failed:\n{}", run.console);
        let s = &run.report.stats;
        println!(
            "run {}: {} instructions in {:.3} s host = {:.1} MIPS",
            i + 1,
            s.harts[0].instret,
            s.host_seconds,
            s.mips
        );
        mips.push(s.mips);
    }
    mips.sort_by(f64::total_cmp);
    println!(
        "intbench: best {:.1} MIPS, median {:.1} MIPS over {} runs",
        mips[mips.len() - 1],
        mips[mips.len() / 2],
        mips.len()
    );
}
