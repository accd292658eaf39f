//! The committed wake-up experiments (`experiments/wakeup.toml` and `wakeup-uintr.toml`,
//! guest-kernel workload `wakeup`): their regression checks pass against the committed
//! baselines, and fail, naming the metric, the point and both values, when a latency
//! parameter of the machine changes.

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

/// Checks experiment `name` against its committed baseline (must pass), then the same
/// experiment with `extra` TOML appended (must fail); returns the failing run's output.
fn check_fails_with(name: &str, extra: &str) -> String {
    let root = support::repo_root();
    let experiment = root.join(format!("experiments/{name}.toml"));
    let baseline = root.join(format!("results/baselines/{name}.json"));
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

    let dir = tempfile_dir(&format!("{name}-changed"));
    let changed = dir.join(format!("{name}.toml"));
    let body = std::fs::read_to_string(&experiment).unwrap();
    std::fs::write(&changed, format!("{body}\n{extra}")).unwrap();
    let fail = args(&changed);
    let o = hartlab(&fail.iter().map(String::as_str).collect::<Vec<_>>());
    let out = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    out
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
