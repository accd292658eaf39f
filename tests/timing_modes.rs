//! Timing modes: functional and timed runs, the functional-to-timed switch (by instruction
//! count and from the guest through the simulator-control device), harts at different
//! clock rates, and determinism of timed runs across concurrent host threads.

mod support;

use hartlab::config::MachineConfig;
use hartlab::run::RunOptions;

fn runtime_guest(dir: &str, name: &str, flags: &[&str]) -> std::path::PathBuf {
    let root = support::repo_root();
    let rt = root.join("tests/guest/diff");
    let srcs = [
        rt.join("crt0.S"),
        rt.join("rt.c"),
        root.join(format!("tests/guest/{dir}/{name}.c")),
    ];
    let srcs: Vec<&std::path::Path> = srcs.iter().map(|p| p.as_path()).collect();
    let include = format!("-I{}", rt.display());
    let mut all = vec![include.as_str()];
    all.extend_from_slice(flags);
    support::build_guest(&format!("modes_{name}"), &srcs, &all)
}

fn options(toml: &str) -> RunOptions {
    RunOptions {
        config: MachineConfig::from_toml(toml)
            .and_then(|c| Ok(c.resolve()?))
            .unwrap_or_else(|e| panic!("{e:#}")),
        max_insns: Some(100_000_000),
        ..RunOptions::default()
    }
}

/// The "mode A B" and "chain X Y" lines of mode_switch.c.
fn mode_switch(toml: &str) -> ([u64; 2], [u64; 2], String) {
    let elf = runtime_guest("timing", "mode_switch", &[]);
    let run = support::run_hartlab_with(&elf, &options(toml));
    assert_eq!(run.status, 0, "{}", run.console);
    let field = |key: &str| -> [u64; 2] {
        let line = run
            .console
            .lines()
            .find(|l| l.starts_with(key))
            .unwrap_or_else(|| panic!("no {key} line in {}", run.console));
        let v: Vec<u64> = line
            .split_whitespace()
            .skip(1)
            .map(|x| x.parse().unwrap())
            .collect();
        [v[0], v[1]]
    };
    (
        field("mode"),
        field("chain"),
        run.report.stats.mode.to_string(),
    )
}

/// The timed chain under the default configuration (MUL latency 3).
fn chain_cycles() -> u64 {
    let (mode, chain, _) = mode_switch("");
    assert_eq!(mode, [1, 1], "timed from the start");
    assert_eq!(chain[0], chain[1]);
    chain[0]
}

#[test]
fn guest_switches_from_functional_to_timed() {
    let (mode, chain, end) =
        mode_switch("[timing]\nmode = \"functional\"\n[core]\nmul_latency = 5\n");
    assert_eq!(mode, [0, 1], "TIMING register before and after the switch");
    assert!(
        (64..=70).contains(&chain[0]),
        "functional: about one cycle per instruction, got {}",
        chain[0]
    );
    // 63 of the 64 multiplies wait for their predecessor: 2 more cycles each than at the
    // default latency 3.
    assert_eq!(chain[1], chain_cycles() + 63 * 2, "timed after the switch");
    assert_eq!(end, "timed");
}

#[test]
fn instruction_count_switches_to_timed() {
    // Switch right away: both measurements timed.
    let timed = chain_cycles();
    let (mode, chain, _) = mode_switch("[timing]\nmode = \"functional\"\ntimed_from_insn = 1\n");
    assert_eq!(mode, [1, 1]);
    assert_eq!(chain, [timed; 2]);
    // Switch far beyond the end of the program: never timed until the guest asks.
    let (mode, chain, _) =
        mode_switch("[timing]\nmode = \"functional\"\ntimed_from_insn = 1000000000\n");
    assert_eq!(mode, [0, 1]);
    assert!(chain[0] < 70 && chain[1] == timed, "{chain:?}");
}

#[test]
fn harts_run_at_their_own_clock_rates() {
    let elf = runtime_guest("diff", "ipi", &["-DNHARTS=2"]);
    let run = support::run_hartlab_with(
        &elf,
        &options(
            "[machine]\nharts = 2\nhart_frequencies = [1000000000, 250000000]\ntimebase_frequency = 10000000\n",
        ),
    );
    assert_eq!(run.status, 0, "{}", run.console);
    let s = &run.report.stats;
    // Both harts live through the same simulated time, each at its own rate: its cycles
    // over its frequency is the run's simulated time, to within the quantum (1 us) by which
    // a hart may be behind when another ends the run.
    for (h, hz) in s.harts.iter().zip([1e9, 0.25e9]) {
        let seconds = h.cycles as f64 / hz;
        assert!(
            (seconds - s.sim_seconds).abs() <= 1.01e-6,
            "hart {}: {} cycles at {hz} Hz = {seconds} s, run {} s",
            h.hart,
            h.cycles,
            s.sim_seconds
        );
    }
    assert!(s.harts[1].cycles * 3 < s.harts[0].cycles);
}

/// Concurrent simulations on several host threads give the statistics of a lone run: no
/// state is shared between machines.
#[test]
fn concurrent_timed_runs_match_a_lone_run() {
    let elf = runtime_guest("diff", "atomics", &["-DNHARTS=4"]);
    let preset =
        std::fs::read_to_string(support::repo_root().join("configs/fpga-100mhz.toml")).unwrap();
    let opts = options(&preset);
    let lone = support::run_hartlab_with(&elf, &opts);
    assert_eq!(lone.status, 0, "{}", lone.console);
    let lone = serde_json::to_string(&lone.report.stats).unwrap();
    let runs: Vec<String> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..2)
            .map(|_| {
                s.spawn(|| {
                    let r = support::run_hartlab_with(&elf, &opts);
                    serde_json::to_string(&r.report.stats).unwrap()
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for r in runs {
        assert_eq!(r, lone, "a concurrent run's statistics differ");
    }
}

/// Device accesses bypass the caches and cost the interconnect's round trip (the virt
/// devices declare no extra cycles of their own).
#[test]
fn device_accesses_cost_the_interconnect_round_trip() {
    let elf = runtime_guest("diff", "console", &[]);
    for mmio in [20, 7] {
        let run = support::run_hartlab_with(
            &elf,
            &options(&format!("[interconnect]\nmmio_cycles = {mmio}\n")),
        );
        assert_eq!(run.status, 0, "{}", run.console);
        let h = &run.report.stats.harts[0];
        let device_accesses: u64 = run
            .report
            .stats
            .devices
            .iter()
            .map(|d| d.reads + d.writes)
            .sum();
        assert!(h.mmio_accesses > 100, "{h:?}");
        assert_eq!(h.mmio_accesses, device_accesses);
        assert_eq!(h.mmio_cycles, h.mmio_accesses * mmio);
        assert!(h.pipeline.mem_stalls >= h.mmio_cycles);
    }
}
