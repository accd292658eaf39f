//! Preemptible user threads (`ulib::uthread`, guest workload `uthreads`): the framework's self
//! test passes under every preemption mechanism and policy on 1, 2 and 4 harts, and with 2
//! and 4 worker threads sharing the tasks (a task that never yields does not starve the
//! others, strict priority orders tasks, a blocking pipe read or futex wait blocks only its
//! task, thousands of tasks all run); 10^5 tasks of
//! Shinjuku's bimodal mix run to completion with a few dozen stacks (10^6 under every
//! mechanism and policy in an ignored test for the full profile); a 1 µs quantum, shorter
//! than an upcall, still lets tasks run; the costs written in guest-kernel/ulib/README.md hold; the
//! committed `preemption` experiment passes its check and catches a slower user trap entry.

mod support;

use support::{check_fails_with, hartlab_cli as hartlab, output_text as text};

const MECHANISMS: [&str; 4] = ["cooperative", "utimer", "uipi", "upcall"];
const POLICIES: [&str; 4] = ["fifo", "rr", "priority", "linux011"];

/// Boots `harts` harts running `uthreads ARGS`; returns the console, which must end in exit
/// status 0. A scheduler that never preempts a never-yielding task runs into the
/// instruction limit and fails.
fn uthreads(harts: usize, args: &str) -> String {
    uthreads_within(harts, 3_000_000_000, args)
}

/// As [`uthreads`], stopping after `max_insns` instructions.
fn uthreads_within(harts: usize, max_insns: u64, args: &str) -> String {
    let o = hartlab(&[
        "boot",
        "--harts",
        &harts.to_string(),
        "--max-insns",
        &max_insns.to_string(),
        "--bootargs",
        &format!("run uthreads {args}"),
    ]);
    let out = text(&o);
    assert_eq!(
        o.status.code(),
        Some(0),
        "uthreads {args} on {harts} harts:\n{out}"
    );
    assert!(out.contains("init: uthreads exited with status 0"), "{out}");
    out
}

fn selftest(harts: usize, mechanism: &str, policy: &str) {
    let out = uthreads(
        harts,
        &format!("op=selftest mechanism={mechanism} policy={policy} quantum_us=20 tasks=3000"),
    );
    let passed = format!("uthreads selftest: all passed (mechanism={mechanism} policy={policy})");
    assert!(out.contains(&passed), "{out}");
    let preemptive = mechanism != "cooperative" && policy != "fifo";
    assert_eq!(
        out.contains("uthreads selftest: never-yielding task ok"),
        preemptive,
        "{out}"
    );
    let order_check = match policy {
        "priority" => "strict priority ok",
        "fifo" => "fifo order ok",
        _ => "all finish ok",
    };
    assert!(out.contains(order_check), "{out}");
}

#[test]
fn selftest_passes_cooperatively_under_every_policy() {
    for policy in POLICIES {
        selftest(1, "cooperative", policy);
    }
}

#[test]
fn selftest_passes_with_the_user_timer_under_every_policy() {
    for policy in POLICIES {
        selftest(1, "utimer", policy);
    }
}

#[test]
fn selftest_passes_with_uipis_under_every_policy() {
    for policy in POLICIES {
        selftest(1, "uipi", policy);
    }
}

#[test]
fn selftest_passes_with_upcalls_under_every_policy() {
    for policy in POLICIES {
        selftest(1, "upcall", policy);
    }
}

#[test]
fn selftest_passes_on_two_and_four_harts() {
    for harts in [2, 4] {
        for mechanism in &MECHANISMS[1..] {
            selftest(harts, mechanism, "priority");
        }
    }
}

/// Tasks across several harts of one process: 2 and 4 worker threads (one per hart) take
/// tasks from one run queue, each preempted by its own user timer; every worker runs tasks,
/// one spinning task per worker does not starve the rest, blocking calls block one task.
#[test]
fn selftest_passes_on_several_workers() {
    for harts in [2, 4] {
        for (mechanism, policy) in [
            ("utimer", "rr"),
            ("utimer", "priority"),
            ("cooperative", "fifo"),
        ] {
            let out = uthreads(
                harts,
                &format!(
                    "op=selftest mechanism={mechanism} policy={policy} quantum_us=20 tasks=3000 workers={harts}"
                ),
            );
            let passed =
                format!("uthreads selftest: all passed (mechanism={mechanism} policy={policy})");
            assert!(out.contains(&passed), "{harts} workers:\n{out}");
            assert!(
                out.contains("uthreads selftest: tasks on every worker ok"),
                "{out}"
            );
            assert_eq!(
                out.contains("uthreads selftest: never-yielding task ok"),
                mechanism == "utimer",
                "{out}"
            );
            assert!(
                out.contains(&format!(" workers={harts} dispatched=")),
                "{out}"
            );
        }
    }
}

/// The summary line's `key=value` number.
fn field(out: &str, prefix: &str, key: &str) -> u64 {
    let line = out
        .lines()
        .find(|l| l.starts_with(prefix))
        .unwrap_or_else(|| panic!("no `{prefix}` line:\n{out}"));
    line.split_whitespace()
        .find_map(|w| w.strip_prefix(&format!("{key}=")))
        .and_then(|v| {
            v.trim_end_matches(|c: char| c.is_alphabetic())
                .split('x')
                .next()?
                .parse()
                .ok()
        })
        .unwrap_or_else(|| panic!("no {key}= in `{line}`"))
}

/// Shinjuku's mix under `mechanism` and `policy` at a 10 µs quantum on `harts` harts: every
/// task runs, and only the long tasks (0.5 %) and the short ones caught by a deadline hold
/// stacks, so `tasks` tasks need a few dozen, and memory per task is the 48-byte record.
fn bimodal(harts: usize, mechanism: &str, policy: &str, tasks: u64, max_insns: u64) -> String {
    let out = uthreads_within(
        harts,
        max_insns,
        &format!("op=bimodal mechanism={mechanism} policy={policy} quantum_us=10 tasks={tasks}"),
    );
    let prefix = "uthreads bimodal:";
    assert_eq!(field(&out, prefix, "tasks"), tasks + 1, "{out}");
    let stacks = field(&out, prefix, "stacks");
    assert!((1..100).contains(&stacks), "{stacks} stacks:\n{out}");
    assert_eq!(field(&out, prefix, "table"), 48 * (tasks + 1), "{out}");
    out
}

/// A 1 µs quantum is shorter than an upcall's delivery (about 6 µs of kernel time): the next
/// upcall is raised while the last is handled and taken on the way back into the task, which
/// then never ran an instruction and every policy stalled (the 300 ms cap of
/// `preemption.toml`). The scheduler now sees that the interrupt came where the task was
/// resumed and doubles its quantum until it runs. And with UIPIs at 1 µs, FIFO (quanta
/// end, nobody is preempted) took 27 times its work: a deferred interrupt parked the timer
/// thread, whose wake-up made the next quantum end deferred too.
#[test]
fn a_quantum_shorter_than_the_mechanism_still_lets_tasks_run() {
    let prefix = "uthreads bimodal:";
    for policy in ["fifo", "rr", "linux011"] {
        let out = uthreads(
            2,
            &format!("op=bimodal mechanism=upcall policy={policy} quantum_us=1 tasks=400"),
        );
        assert_eq!(field(&out, prefix, "tasks"), 401, "{out}");
        assert!(
            out.contains("uthreads bimodal: 2 long tasks of 400,"),
            "{out}"
        );
        assert!(field(&out, prefix, "stretched") > 0, "{out}");
        let longest = field(&out, prefix, "longest_quantum");
        assert!((2..=64).contains(&longest), "{out}");
        // Two long tasks (1 ms of work) and 398 short ones.
        let run_us = field(&out, prefix, "run");
        assert!(run_us < 12_000, "{policy}: {run_us} µs:\n{out}");
    }
    let out = uthreads(
        2,
        "op=bimodal mechanism=uipi policy=fifo quantum_us=1 tasks=400",
    );
    let run_us = field(&out, prefix, "run");
    assert!(
        run_us < 3_000,
        "FIFO with UIPIs at 1 µs: {run_us} µs:\n{out}"
    );
    assert_eq!(field(&out, prefix, "preemptions"), 0, "{out}");
}

#[test]
fn a_hundred_thousand_tasks_run_to_completion() {
    let tasks = 100_000;
    let out = bimodal(1, "utimer", "rr", tasks, 3_000_000_000);
    // Exactly 0.5 % of the tasks are long, whatever the seed draws.
    let longs = tasks / 200;
    assert!(
        out.contains(&format!("uthreads bimodal: {longs} long tasks of {tasks},")),
        "{out}"
    );
    // Every long task (500 µs) is preempted about 50 times at a 10 µs quantum.
    let preemptions = field(&out, "uthreads bimodal:", "preemptions");
    assert!(
        (40 * longs..70 * longs).contains(&preemptions),
        "{preemptions} preemptions for about {longs} long tasks:\n{out}"
    );
}

/// The "a million preemptible user tasks under each mechanism and policy": two harts
/// (the UIPI's timer thread spins on the second), each combination once. Host times per
/// combination are in guest-kernel/ulib/README.md.
#[test]
#[ignore = "full profile: 16 runs of 10^6 tasks, 1-6 min of host time each (release build)"]
fn a_million_tasks_run_under_every_mechanism_and_policy() {
    for mechanism in MECHANISMS {
        for policy in POLICIES {
            bimodal(2, mechanism, policy, 1_000_000, 60_000_000_000);
        }
    }
}

/// The number before `unit` on the console line starting with `prefix`.
fn figure(out: &str, prefix: &str, unit: &str) -> u64 {
    out.lines()
        .filter_map(|l| l.strip_prefix(prefix))
        .find(|rest| rest.contains(unit))
        .and_then(|rest| {
            rest.split(unit)
                .next()?
                .split_whitespace()
                .last()?
                .parse()
                .ok()
        })
        .unwrap_or_else(|| panic!("no `{prefix} ... {unit}` line:\n{out}"))
}

fn within_15_percent(what: &str, measured: u64, readme: u64) {
    let (low, high) = (readme * 85 / 100, readme * 115 / 100);
    assert!(
        (low..=high).contains(&measured),
        "{what}: measured {measured} ns, guest-kernel/ulib/README.md says {readme} ns"
    );
}

#[test]
fn costs_match_the_readme() {
    // The README's table, default machine: a voluntary switch (round robin), and Aspen's
    // preemption cost with the user timer (2 harts, 20 tasks of 1 ms, 10 µs quantum).
    let out = uthreads(
        1,
        "op=switch mechanism=cooperative policy=rr tasks=20 rounds=200",
    );
    let switch = figure(&out, "uthreads switch: ", " ns per voluntary switch");
    within_15_percent("voluntary switch", switch, README_SWITCH_NS);
    let out = uthreads(
        2,
        "op=overhead mechanism=utimer policy=rr quantum_us=10 tasks=20 work_us=1000",
    );
    let cost = figure(&out, "uthreads overhead: ", " ns per preemption");
    within_15_percent("user-timer preemption", cost, README_UTIMER_PREEMPTION_NS);
}

/// guest-kernel/ulib/README.md, "Costs", default machine.
const README_SWITCH_NS: u64 = 636;
const README_UTIMER_PREEMPTION_NS: u64 = 1123;

#[test]
fn bad_arguments_are_named() {
    for (args, complaint) in [
        ("mechanism=signal", "uthreads: mechanism: unknown `signal`"),
        ("policy=cfs", "uthreads: policy: unknown `cfs`"),
        (
            "quantum_us=0",
            "uthreads: quantum_us=0 stack_kib=8: need quantum_us > 0",
        ),
        ("speed=3", "uthreads: unknown argument `speed`"),
        ("workers=9", "uthreads: workers=9: need 1..=8"),
        (
            "workers=2 mechanism=uipi",
            "uthreads: workers=2: mechanism uipi preempts one thread",
        ),
    ] {
        let o = hartlab(&["boot", "--bootargs", &format!("run uthreads {args}")]);
        let out = text(&o);
        assert_eq!(o.status.code(), Some(1), "{args}: {out}");
        assert!(out.contains(complaint), "{args}: {out}");
    }
}

#[test]
fn preemption_check_passes_and_catches_a_slower_user_trap_entry() {
    // Traps into U mode 500 cycles dearer: the user timer's and the UIPI's handlers start
    // later, so the deadline-to-next-task delay grows beyond the tolerance.
    let out = check_fails_with("preemption", "[traps]\nentry_cycles_u = 500\n");
    assert!(
        out.contains(
            "check failed: latency.p50 at workload.mechanism=utimer workload.policy=rr \
             workload.quantum_us=10: baseline "
        ),
        "{out}"
    );
}
