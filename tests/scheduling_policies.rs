//! The guest kernel's thread-scheduling policies (`sched=` on the kernel command line,
//! `guest-kernel/kernel/src/task/scheduler/policy.rs`): the self-test suite passes under each,
//! and they share the harts differently: with three threads that never yield on two harts,
//! per-hart run queues give one thread a hart of its own and the other two half a hart each
//! (none changes harts), one global queue gives each two thirds of a hart and moves them
//! between harts.

mod support;

use support::hartlab_cli as hartlab;

/// The console of a `hartlab boot` that must pass.
fn boot(args: &[&str]) -> String {
    let mut all = vec!["boot"];
    all.extend_from_slice(args);
    let o = hartlab(&all);
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    assert_eq!(
        o.status.code(),
        Some(0),
        "hartlab {all:?} failed:\n{out}\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    out
}

/// Boots the whole self-test suite under `policy` on `harts` harts; every test passes.
fn suite_passes(policy: &str, harts: usize) {
    let bootargs = format!("sched={policy}");
    let out = boot(&["--harts", &harts.to_string(), "--bootargs", &bootargs]);
    assert!(out.contains(&format!("scheduler: {policy}\n")), "{out}");
    let report: Vec<&str> = out.lines().filter(|l| l.starts_with("test ")).collect();
    assert!(report.len() > 30, "too few self tests ran:\n{out}");
    assert!(
        report.iter().all(|l| l.ends_with(" ... ok")),
        "self tests failed under sched={policy} on {harts} harts:\n{out}"
    );
    assert!(
        out.ends_with("init: selftest exited with status 0\n"),
        "{out}"
    );
}

#[test]
fn self_tests_pass_under_the_global_policy_on_four_harts() {
    suite_passes("global", 4);
}

#[test]
fn self_tests_pass_under_the_per_hart_policy_named() {
    suite_passes("per_hart", 4);
}

/// Fairness and strict priorities hold under the global queue as under per-hart queues
/// (`tests/boot.rs`), on more harts.
#[test]
fn global_policy_is_fair_and_strict_on_eight_harts() {
    let out = boot(&[
        "--harts",
        "8",
        "--bootargs",
        "sched=global test preemption_fairness priorities",
    ]);
    assert!(out.contains("selftest: 2 passed, 0 failed\n"), "{out}");
}

/// Each spinner's (share of a hart in per mille, hart changes) from `spinners`' report.
fn spinners(policy: &str) -> Vec<(u64, u64)> {
    let bootargs = format!("sched={policy} run spinners threads=3 ms=20");
    let out = boot(&["--harts", "2", "--bootargs", &bootargs]);
    assert!(
        out.contains("spinners: 3 threads on 2 harts for 20 ms\n"),
        "{out}"
    );
    let shares: Vec<(u64, u64)> = out
        .lines()
        .filter_map(|l| {
            let rest = l.strip_prefix("spinner ")?;
            let (_, fields) = rest.split_once(": ")?;
            let (share, changes) = fields.split_once(" per mille of a hart, ")?;
            let changes = changes.strip_suffix(" hart changes")?;
            Some((share.parse().ok()?, changes.parse().ok()?))
        })
        .collect();
    assert_eq!(shares.len(), 3, "{out}");
    shares
}

#[test]
fn the_policies_share_two_harts_among_three_spinners_differently() {
    // Per-hart queues: one spinner alone on a hart, two taking turns on the other; threads
    // stay where they were placed.
    let mut per_hart = spinners("per_hart");
    per_hart.sort();
    let shares: Vec<u64> = per_hart.iter().map(|s| s.0).collect();
    assert!(
        shares[0] <= 550 && shares[1] <= 550 && shares[2] >= 900,
        "per_hart: {per_hart:?}"
    );
    assert!(per_hart.iter().all(|s| s.1 == 0), "per_hart: {per_hart:?}");
    // One global queue: two thirds of a hart each, moving between the harts.
    let global = spinners("global");
    assert!(
        global.iter().all(|s| (600..=730).contains(&s.0)),
        "global: {global:?}"
    );
    assert!(global.iter().all(|s| s.1 >= 10), "global: {global:?}");
}

#[test]
fn an_unknown_policy_stops_the_boot() {
    let o = hartlab(&["boot", "--bootargs", "sched=lottery run hello"]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(
        out.contains("bootargs: cannot understand `sched=lottery`"),
        "{out}"
    );
}
