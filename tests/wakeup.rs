//! The committed wake-up experiments (`experiments/wakeup.toml` and `wakeup-uintr.toml`,
//! guest-kernel workload `wakeup`): their regression checks pass against the committed
//! baselines, and fail, naming the metric, the point and both values, when a latency
//! parameter of the machine changes; the workload's `taskctl` mechanism wakes through the
//! task controller; the workload runs on every hart of machines beyond 16 harts.

mod support;

use support::{check_fails_with, hartlab_cli as hartlab, output_text as text, tempfile_dir};

#[test]
fn wakeup_check_passes_and_catches_a_slower_trap_entry() {
    // Every trap into S mode 500 cycles dearer: every mechanism that goes through the kernel
    // (system calls, IPIs) slows down beyond the tolerance.
    let out = check_fails_with("wakeup", "[traps]\nentry_cycles_s = 500\n");
    for mechanism in ["futex", "pipe", "upcall"] {
        assert!(
            out.contains(&format!(
                "check failed: latency.p50 at machine.harts=2 workload.mechanism={mechanism}: baseline "
            )),
            "{mechanism}:\n{out}"
        );
    }
}

#[test]
fn wakeup_uintr_check_passes_and_catches_a_slower_user_trap_entry() {
    // Traps into U mode 200 cycles dearer: the user-interrupt handler starts later.
    let out = check_fails_with("wakeup-uintr", "[traps]\nentry_cycles_u = 200\n");
    assert!(
        out.contains(
            "check failed: latency.p50 at uintr.send_visibility_cycles=1 uintr.uipi_cycles=4 \
             workload.mechanism=uipi-spin: baseline "
        ),
        "{out}"
    );
}

/// The `taskctl` mechanism on 1 and 2 harts: every one-way trip is one task-controller SEND
/// that wakes the other process's handler task (the device's counters for both processes'
/// sets say so), the device refuses nothing, both sets are freed when the processes end, and
/// the return trip takes what the device's costs and the scheduling make it: on one hart a
/// process switch besides the SEND and DEQUEUEs (about 1 µs); on two the SEND, the wake-up
/// and a DEQUEUE or two (about 0.1 µs).
#[test]
fn taskctl_mechanism_wakes_the_other_process_through_the_task_controller() {
    let dir = tempfile_dir("wakeup-taskctl");
    for (harts, mean_ns) in [(1, 500..2000), (2, 60..300)] {
        let stats = dir.join(format!("stats-{harts}.json"));
        let o = hartlab(&[
            "boot",
            "--harts",
            &harts.to_string(),
            "--bootargs",
            "run wakeup mechanism=taskctl rounds=30 warmup=5",
            "--stats",
            stats.to_str().unwrap(),
        ]);
        let out = text(&o);
        assert_eq!(o.status.code(), Some(0), "{out}");
        let mean: u64 = out
            .lines()
            .find_map(|l| l.strip_prefix("wakeup mechanism=taskctl rounds=30 mean_return_ns="))
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or_else(|| panic!("no summary line:\n{out}"));
        assert!(mean_ns.contains(&mean), "{harts} hart(s): mean {mean} ns");
        let stats: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&stats).unwrap()).unwrap();
        let device = stats["devices"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["name"] == "task-controller")
            .expect("no task-controller statistics");
        let counter = |name: &str| device["counters"][name].as_u64().unwrap_or(0);
        assert_eq!((counter("allocs"), counter("frees")), (2, 2), "{device}");
        for set in ["set0", "set1"] {
            for (name, want) in [("sends", 35), ("wakeups", 35), ("dequeues", 35)] {
                assert_eq!(
                    counter(&format!("{set}.{name}")),
                    want,
                    "{set}.{name}: {device}"
                );
            }
            for name in ["errors", "sends_denied", "wake_lost"] {
                assert_eq!(
                    counter(&format!("{set}.{name}")),
                    0,
                    "{set}.{name}: {device}"
                );
            }
        }
        assert_eq!(counter("errors"), 0, "{device}");
    }
}

/// The wake-up workload of `experiments/wakeup.toml` on 16 and 32 harts runs on every hart of
/// the machine: the guest reports (and brings up) all of them, so the two machines are told
/// apart. (A guest that stopped at 16 harts ran the same 16-hart simulation for both and
/// reported identical numbers without a complaint.)
#[test]
fn wakeup_workload_uses_every_hart_of_the_machine() {
    let dir = tempfile_dir("wakeup-harts");
    let experiment = dir.join("wakeup-harts.toml");
    // experiments/wakeup.toml's machine and workload, one mechanism, few rounds.
    std::fs::write(
        &experiment,
        r#"
[experiment]
name = "wakeup-harts"
description = "wakeup's futex mechanism on 16 and 32 harts"
seeds = 1
max_sim_time = "200ms"

[kernel]
bootargs = "tick_us=100"

[workload]
kind = "kernel"
program = "wakeup"
mechanism = "futex"
rounds = 20
warmup = 5
think_us = 20

[sweep]
machine.harts = [16, 32]

[metrics]
latency = { key = 0, unit = "ns" }
"#,
    )
    .unwrap();
    let out = dir.join("out");
    let o = hartlab(&[
        "experiment",
        experiment.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let points: Vec<serde_json::Value> = std::fs::read_to_string(out.join("points.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let point = |harts: u64| {
        points
            .iter()
            .find(|p| p["params"]["machine.harts"] == harts)
            .unwrap_or_else(|| panic!("no point for {harts} harts: {points:?}"))
    };
    for harts in [16, 32] {
        let console = point(harts)["console"].as_str().unwrap();
        for line in [
            format!("[firmware] RustSBI 0.4.1 on {harts} hart(s); "),
            format!("device tree: {harts} harts, "),
            format!("hart {} up\n", harts - 1),
            format!("all {harts} harts up\n"),
        ] {
            assert!(
                console.contains(&line),
                "{harts} harts: no `{line}` in\n{console}"
            );
        }
    }
    let latency = |harts: u64| point(harts)["metrics"]["latency"].clone();
    assert_ne!(
        latency(16),
        latency(32),
        "16 and 32 harts gave the identical run"
    );
}

/// The wake-up latencies are the machine's, not the simulation's: the quick profile of
/// `experiments/wakeup.toml` gives the identical samples whatever `machine.quantum_ns`, and
/// quantum interleaving (the approximation kept for fast-forwarding) gives different ones.
#[test]
fn wakeup_latencies_do_not_depend_on_the_quantum() {
    let dir = tempfile_dir("wakeup-quantum");
    let body = std::fs::read_to_string(support::repo_root().join("experiments/wakeup.toml"))
        .unwrap()
        .replace("[kernel]", "[machine]\nMACHINE\n[kernel]")
        .replace(
            r#"workload.mechanism = ["futex", "pipe", "upcall", "uipi", "uipi-spin", "taskctl", "taskctl-preempt", "poll"]"#,
            r#"workload.mechanism = ["futex", "uipi-spin", "taskctl", "poll"]"#,
        )
        // The labels name `uipi`, which this subset does not sweep.
        .replace(r#"uipi = "uipi (blocked)", "#, "");
    let run = |name: &str, machine: &str| {
        let experiment = dir.join(format!("{name}.toml"));
        std::fs::write(&experiment, body.replace("MACHINE", machine)).unwrap();
        let out = dir.join(name);
        let o = hartlab(&[
            "experiment",
            experiment.to_str().unwrap(),
            "--quick",
            "--out",
            out.to_str().unwrap(),
        ]);
        assert_eq!(o.status.code(), Some(0), "{}", text(&o));
        std::fs::read_to_string(out.join("points.jsonl"))
            .unwrap()
            .lines()
            .map(|l| {
                let p: serde_json::Value = serde_json::from_str(l).unwrap();
                (p["params"].to_string(), p["metrics"]["latency"].clone())
            })
            .collect::<Vec<_>>()
    };
    let fine = run("fine", "quantum_ns = 10");
    let coarse = run("coarse", "quantum_ns = 100000");
    assert_eq!(fine.len(), 4);
    assert_eq!(fine, coarse);
    let rounds = run("rounds", "interleave = \"quantum\"\nquantum_ns = 1000");
    assert_ne!(fine, rounds, "quantum interleaving gave the exact samples");
}
