//! The committed wake-up experiment (`experiments/wakeup.toml`, guest-kernel workload
//! `wakeup`): its regression check passes against the committed baseline, and fails, naming
//! the metric, the point and both values, when a latency parameter of the machine changes;
//! the workload's `taskctl` mechanism wakes through the task controller.

mod support;

use std::path::Path;
use support::hartlab_cli as hartlab;

fn text(o: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[test]
fn wakeup_check_passes_and_catches_a_slower_trap_entry() {
    let root = support::repo_root();
    let experiment = root.join("experiments/wakeup.toml");
    let baseline = root.join("results/baselines/wakeup.json");
    let args = |file: &Path| {
        vec![
            "check".to_string(),
            file.display().to_string(),
            "--baseline".to_string(),
            baseline.display().to_string(),
        ]
    };
    let pass = args(&experiment);
    let o = hartlab(&pass.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));

    // The same experiment with every trap into S mode 500 cycles dearer: every mechanism that
    // goes through the kernel (system calls, IPIs) slows down beyond the tolerance.
    let dir = tempfile_dir("wakeup-slower-traps");
    let changed = dir.join("wakeup.toml");
    let body = std::fs::read_to_string(&experiment).unwrap();
    std::fs::write(&changed, format!("{body}\n[traps]\nentry_cycles_s = 500\n")).unwrap();
    let fail = args(&changed);
    let o = hartlab(&fail.iter().map(String::as_str).collect::<Vec<_>>());
    let out = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    for mechanism in ["futex", "pipe", "upcall"] {
        assert!(
            out.contains(&format!(
                "check failed: latency.p50 at machine.harts=2 workload.mechanism={mechanism}: baseline "
            )),
            "{mechanism}:\n{out}"
        );
    }
}

/// The `taskctl` mechanism on 1 and 2 harts: every one-way trip is one task-controller SEND
/// that wakes the other process's handler task (the device's counters for both processes'
/// sets say so), the device refuses nothing, both sets are freed when the processes end, and
/// the return trip takes what the device's costs and the scheduling make it: on one hart a
/// process switch besides the SEND and DEQUEUEs, on two at most about a quantum (1 µs).
#[test]
fn taskctl_mechanism_wakes_the_other_process_through_the_task_controller() {
    for (harts, mean_ns) in [(1, 500..2000), (2, 20..1100)] {
        let dir = tempfile_dir(&format!("wakeup-taskctl-{harts}"));
        let stats = dir.join("stats.json");
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

/// A fresh directory under the target directory.
fn tempfile_dir(name: &str) -> std::path::PathBuf {
    let dir = support::repo_root()
        .join("target")
        .join("test-tmp")
        .join(format!("{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
