//! The same ELF and configuration give the same console output and statistics, run after run:
//! nothing in a run depends on host timing.

mod support;

fn diff_program(name: &str) -> std::path::PathBuf {
    let dir = support::repo_root().join("tests/guest/diff");
    let srcs = [
        dir.join("crt0.S"),
        dir.join("rt.c"),
        dir.join(format!("{name}.c")),
    ];
    let srcs: Vec<&std::path::Path> = srcs.iter().map(|p| p.as_path()).collect();
    support::build_guest(&format!("det_{name}"), &srcs, &[])
}

/// Everything in the statistics that is simulated, i.e. all but host time and speed.
fn simulated(run: &support::HartlabRun) -> String {
    serde_json::to_string(&run.report.stats).unwrap()
}

#[test]
fn multi_hart_runs_are_identical() {
    for (name, harts) in [("atomics", 4), ("ipi", 4), ("timer", 4)] {
        let elf = diff_program(name);
        let a = support::run_hartlab(&elf, harts);
        let b = support::run_hartlab(&elf, harts);
        assert_eq!(a.status, 0, "{name}: {}", a.console);
        assert_eq!(a.console, b.console, "{name}: console differs between runs");
        assert_eq!(
            simulated(&a),
            simulated(&b),
            "{name}: statistics differ between runs"
        );
    }
}
