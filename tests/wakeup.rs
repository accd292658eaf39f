//! The committed wake-up experiment (`experiments/wakeup.toml`, guest-kernel workload
//! `wakeup`): its regression check passes against the committed baseline, and fails, naming
//! the metric, the point and both values, when a latency parameter of the machine changes.

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

/// A fresh directory under the target directory.
fn tempfile_dir(name: &str) -> std::path::PathBuf {
    let dir = support::repo_root()
        .join("target")
        .join("test-tmp")
        .join(format!("{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
