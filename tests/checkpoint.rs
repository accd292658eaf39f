//! Checkpoints (`--checkpoint-at`, `--restore`, `[experiment] checkpoint_after`): a run
//! restored from a checkpoint ends exactly as the uninterrupted run does (console, statistics,
//! samples), in both timing modes; broken, foreign and other-machine checkpoints give one
//! clear error; a sweep whose points start from checkpoints gives the same records.

mod support;

use std::path::Path;
use std::process::Output;

/// The guest kernel on 4 harts running the wake-up benchmark (a short one).
const KERNEL_ON_4: &[&str] = &[
    "boot",
    "--harts",
    "4",
    "--bootargs",
    "tick_us=100 run wakeup seed=3 mechanism=pipe rounds=30 think_us=20 warmup=5",
];

fn hartlab(args: &[&str]) -> Output {
    support::hartlab_cli(args)
}

fn text(o: &Output) -> String {
    format!(
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Run `base` plus `extra`, writing statistics to `stats`; must pass. Returns the console
/// and the statistics JSON.
fn run(base: &[&str], extra: &[&str], stats: &Path) -> (Vec<u8>, String) {
    let stats_arg = stats.display().to_string();
    let mut args = base.to_vec();
    args.extend_from_slice(extra);
    args.extend_from_slice(&["--stats", &stats_arg]);
    let o = hartlab(&args);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    (o.stdout, std::fs::read_to_string(stats).unwrap())
}

/// The uninterrupted run, the run that writes a checkpoint at `at` and goes on, and the run
/// restored from that checkpoint all print and count exactly the same.
fn restore_matches(mode: &str, at: &str) {
    let dir = tempfile::tempdir().unwrap();
    let ckpt = dir.path().join("run.ckpt");
    let ckpt_arg = ckpt.display().to_string();
    let stats = dir.path().join("stats.json");
    let mode_args = ["--timing", mode];
    let (console, json) = run(KERNEL_ON_4, &mode_args, &stats);
    let mut writing = mode_args.to_vec();
    writing.extend_from_slice(&["--checkpoint-at", at, "--checkpoint", &ckpt_arg]);
    let (written_console, written_json) = run(KERNEL_ON_4, &writing, &stats);
    assert!(ckpt.exists(), "no checkpoint written at {at}");
    let mut restoring = mode_args.to_vec();
    restoring.extend_from_slice(&["--restore", &ckpt_arg]);
    let (restored_console, restored_json) = run(KERNEL_ON_4, &restoring, &stats);
    let console = String::from_utf8_lossy(&console);
    assert!(
        console.contains("init: wakeup exited with status 0"),
        "{console}"
    );
    assert_eq!(console, String::from_utf8_lossy(&written_console));
    assert_eq!(console, String::from_utf8_lossy(&restored_console));
    assert_eq!(json, written_json, "checkpointing changed the statistics");
    assert_eq!(json, restored_json, "the restored run's statistics differ");
}

#[test]
fn kernel_on_4_harts_restores_byte_identically_timed() {
    restore_matches("timed", "time:2ms");
}

#[test]
fn kernel_on_4_harts_restores_byte_identically_functional() {
    restore_matches("functional", "insns:1500000");
}

#[test]
fn a_guest_event_is_a_checkpoint_point() {
    // The benchmark stores no EVENT: a point that never comes writes nothing and changes
    // nothing.
    let dir = tempfile::tempdir().unwrap();
    let ckpt = dir.path().join("never.ckpt");
    let ckpt_arg = ckpt.display().to_string();
    let stats = dir.path().join("stats.json");
    let (console, _) = run(
        KERNEL_ON_4,
        &["--checkpoint-at", "event:77", "--checkpoint", &ckpt_arg],
        &stats,
    );
    assert!(String::from_utf8_lossy(&console).contains("exited with status 0"));
    assert!(!ckpt.exists());
}

/// One line on stderr naming `file`, containing `want`, exit status 251.
fn assert_one_error(o: &Output, file: &Path, want: &str) {
    assert_eq!(o.status.code(), Some(251), "{}", text(o));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(stderr.trim_end().lines().count(), 1, "{stderr}");
    assert!(stderr.contains(&file.display().to_string()), "{stderr}");
    assert!(stderr.contains(want), "{stderr}");
}

#[test]
fn foreign_corrupt_and_other_machine_checkpoints_give_one_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let ckpt = dir.path().join("boot.ckpt");
    let ckpt_arg = ckpt.display().to_string();
    let mut args = KERNEL_ON_4.to_vec();
    args.extend_from_slice(&[
        "--checkpoint-at",
        "time:1ms",
        "--checkpoint",
        &ckpt_arg,
        "--checkpoint-exit",
    ]);
    let o = hartlab(&args);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let good = std::fs::read(&ckpt).unwrap();
    let restore = |bytes: &[u8], extra: &[&str]| {
        let path = dir.path().join("bad.ckpt");
        std::fs::write(&path, bytes).unwrap();
        let path_arg = path.display().to_string();
        let mut args = KERNEL_ON_4.to_vec();
        args.extend_from_slice(extra);
        args.extend_from_slice(&["--restore", &path_arg]);
        (hartlab(&args), path)
    };
    // Another format version (the four bytes after the magic).
    let mut other_version = good.clone();
    other_version[8] ^= 0x7f;
    let (o, path) = restore(&other_version, &[]);
    assert_one_error(&o, &path, "was written by hartlab");
    let (o, path) = restore(&good[..good.len() / 2], &[]);
    assert_one_error(&o, &path, "corrupt or truncated");
    let mut flipped = good.clone();
    let at = good.len() - 100;
    flipped[at] ^= 0x10;
    let (o, path) = restore(&flipped, &[]);
    assert_one_error(&o, &path, "corrupt or truncated");
    let (o, path) = restore(b"hello", &[]);
    assert_one_error(&o, &path, "not a hartlab checkpoint");
    let (o, path) = restore(&good, &["--memory", "512MiB"]);
    assert_one_error(&o, &path, "another machine configuration");
    let (o, path) = restore(&good, &["--timing", "functional"]);
    assert_one_error(&o, &path, "another machine configuration");
}

#[test]
fn bad_checkpoint_points_name_the_flag_and_value() {
    for bad in ["insns:many", "time:5 fortnights", "event:", "later"] {
        let o = hartlab(&["boot", "--checkpoint-at", bad, "--checkpoint", "x.ckpt"]);
        assert_eq!(o.status.code(), Some(2), "{}", text(&o));
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert!(
            stderr.contains(&format!("--checkpoint-at {bad}")),
            "{stderr}"
        );
    }
}

#[test]
fn a_machine_with_a_network_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("net.toml");
    std::fs::write(&config, "[net]\nenabled = true\n").unwrap();
    let ckpt = dir.path().join("net.ckpt");
    let o = hartlab(&[
        "boot",
        "--config",
        &config.display().to_string(),
        "--bootargs",
        "run hello",
        "--checkpoint-at",
        "insns:1000",
        "--checkpoint",
        &ckpt.display().to_string(),
    ]);
    assert_one_error(&o, &ckpt, "device virtio-net cannot be checkpointed");
}

/// A small sweep of the wake-up benchmark on the guest kernel.
const WAKEUP: &str = r#"[experiment]
name = "wakeup-ckpt"
max_sim_time = "100ms"
CHECKPOINT

[kernel]
bootargs = "tick_us=100"

[workload]
kind = "kernel"
program = "wakeup"
mechanism = "futex"
rounds = 20
warmup = 4
think_us = 20

[machine]
harts = 2

[sweep]
workload.mechanism = ["futex", "uipi"]

[metrics]
latency = { key = 0, unit = "ns" }
"#;

fn sweep(dir: &Path, name: &str, checkpoint_after: Option<&str>) -> String {
    let experiment = WAKEUP.replace(
        "CHECKPOINT",
        &checkpoint_after.map_or(String::new(), |at| format!("checkpoint_after = \"{at}\"")),
    );
    let file = dir.join(format!("{name}.toml"));
    std::fs::write(&file, experiment).unwrap();
    let out = dir.join(name);
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_hartlab"))
        .args(["experiment", &file.display().to_string(), "--jobs", "2"])
        .arg("--out")
        .arg(&out)
        .current_dir(dir)
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    std::fs::read_to_string(out.join("points.jsonl")).unwrap()
}

#[test]
fn a_sweep_from_checkpoints_gives_the_same_records() {
    let dir = tempfile::tempdir().unwrap();
    let plain = sweep(dir.path(), "plain", None);
    assert!(plain.contains("\"status\":\"ok\""), "{plain}");
    let first = sweep(dir.path(), "first", Some("time:2ms"));
    let kept: Vec<_> = std::fs::read_dir(dir.path().join("results/checkpoints"))
        .unwrap()
        .collect();
    assert_eq!(kept.len(), 2, "one checkpoint per distinct boot");
    let again = sweep(dir.path(), "again", Some("time:2ms"));
    assert_eq!(plain, first, "points written from fresh checkpoints differ");
    assert_eq!(plain, again, "points restored from kept checkpoints differ");
    // A point the run never reaches: every point runs from the start.
    let late = sweep(dir.path(), "late", Some("time:10s"));
    assert_eq!(plain, late);
}

#[test]
fn a_bad_checkpoint_after_names_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bad.toml");
    std::fs::write(
        &file,
        WAKEUP.replace("CHECKPOINT", "checkpoint_after = \"boot\""),
    )
    .unwrap();
    let o = hartlab(&["experiment", &file.display().to_string()]);
    assert_eq!(o.status.code(), Some(251), "{}", text(&o));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains("checkpoint_after"), "{stderr}");
}
