//! The task-aware interrupt controller end to end (docs/hardware/task-controller.md): bare-metal
//! guests from `tests/guest/taskctl/` (built on `tests/guest/common/test.h`, with the register
//! map of `tests/guest/taskctl/taskctl.h`) play the kernel in M mode and check the queues and
//! their three local-queue policies, capacity and the error registers, handler wake-up by an
//! interrupt source without any hart interrupt, the preempt lines, IPC with and without
//! permission and to an offline set; and the cycle costs a hart sees, against the machine
//! configuration (a difference of two configurations, as in tests/timing.rs, plus each
//! operation against a plain device access in the same run).
//!
//! A guest passes with status 0; status N (1..=249) means its check `TEST N` failed. Nothing
//! here exists on QEMU, so these run on hartlab only.

mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use support::{build_asm_guest, describe_status, run_hartlab_toml, HartlabRun};

/// Build `tests/guest/taskctl/<name>.S` with extra preprocessor definitions.
fn guest(name: &str, suffix: &str, defines: &[&str]) -> PathBuf {
    build_asm_guest("taskctl", name, suffix, defines)
}

/// Run `elf` on the machine described by `toml` (defaults for everything it leaves out).
fn run(elf: &Path, toml: &str) -> HartlabRun {
    run_hartlab_toml(elf, toml, 20_000_000)
}

/// Build and run guest `name` on `toml`; it must pass.
fn pass(name: &str, suffix: &str, defines: &[&str], toml: &str) -> HartlabRun {
    let elf = guest(name, suffix, defines);
    let r = run(&elf, toml);
    assert_eq!(
        r.status,
        0,
        "guest {name}{suffix} on machine {toml:?} {}",
        describe_status(&r)
    );
    r
}

/// The `name=0x...` lines a guest printed.
fn printed(run: &HartlabRun) -> BTreeMap<String, u64> {
    run.console
        .lines()
        .filter_map(|l| {
            let (k, v) = l.split_once("=0x")?;
            Some((k.to_string(), u64::from_str_radix(v.trim(), 16).ok()?))
        })
        .collect()
}

fn value(values: &BTreeMap<String, u64>, key: &str) -> i64 {
    *values
        .get(key)
        .unwrap_or_else(|| panic!("the guest printed no {key}: {values:?}")) as i64
}

/// The task controller's statistics of a run.
fn counters(run: &HartlabRun) -> BTreeMap<String, u64> {
    run.report
        .stats
        .devices
        .iter()
        .find(|d| d.name == "task-controller")
        .expect("the task controller is on the board")
        .counters
        .clone()
}

const TWO_HARTS: &str = "[machine]\nharts = 2\n";

#[test]
fn queues_priorities_policies_and_capacity() {
    let r = pass("queues", "", &[], TWO_HARTS);
    let c = counters(&r);
    assert_eq!(c["set0.high_water"], 64, "filled to the default capacity");
    assert!(c["set0.steals"] >= 2, "{c:?}");
    assert_eq!(c["set0.errors"], 7, "{c:?}");
    assert_eq!(c["alloc_failures"], 1);
}

#[test]
fn queues_follow_the_configured_policy_capacity_and_sets() {
    for (policy, code, capacity, sets) in [("c-fcfs", 3, 8, 4), ("d-fcfs", 1, 1024, 2)] {
        let toml = format!(
            "{TWO_HARTS}[task_controller]\npolicy = \"{policy}\"\n\
             capacity = {capacity}\nsets = {sets}\n"
        );
        let defines = [
            format!("-DPOLICY={code}"),
            format!("-DCAPACITY={capacity}"),
            format!("-DSETS={sets}"),
        ];
        let defines: Vec<&str> = defines.iter().map(String::as_str).collect();
        let r = pass("queues", &format!("-{policy}"), &defines, &toml);
        assert_eq!(counters(&r)["set0.high_water"], capacity);
    }
}

#[test]
fn an_interrupt_wakes_its_handler_into_the_ready_queue_without_a_hart_interrupt() {
    let r = pass("irq", "", &[], "");
    let v = printed(&r);
    // Dequeued in the configured number of cycles: a DEQUEUE costs dequeue_cycles (3) more
    // than a device load that costs nothing inside the controller.
    assert_eq!(value(&v, "dequeue") - value(&v, "status"), 3, "{v:?}");
    // Seen no earlier than the wake-up latency (7 cycles) after the UART store.
    assert!(value(&v, "wake_visible") >= 7, "{v:?}");
    let c = counters(&r);
    for (key, want) in [
        ("set0.wakeups", 5),
        ("set0.dequeues", 5),
        ("set0.preempts", 2),
        ("set1.wakeups", 3),
        ("set1.preempts", 2),
        ("set1.dequeues", 3),
        ("pulses", 1),
    ] {
        assert_eq!(c.get(key), Some(&want), "{key}: {c:?}");
    }
    // Every wake-up was dequeued, so the latency histogram holds them all.
    let histogram: u64 = c
        .iter()
        .filter(|(k, _)| k.starts_with("set0.wake_to_dequeue_cycles."))
        .map(|(_, v)| v)
        .sum();
    assert_eq!(histogram, 5, "{c:?}");
    assert!(c["set0.wake_to_dequeue_cycles_max"] >= 7);
    // No interrupt but the one SSIP the guest took on purpose.
    let traps = serde_json::to_value(&r.report.stats.harts[0].traps).unwrap();
    assert_eq!(
        traps["interrupts"],
        serde_json::json!({"supervisor_software": 1}),
        "{traps}"
    );
}

#[test]
fn the_wake_up_latency_follows_the_configuration() {
    let elf = guest("irq", "", &[]);
    let measure = |wake: u32| {
        let toml = format!("[task_controller]\nwake_cycles = {wake}\n");
        let r = run(&elf, &toml);
        assert_eq!(r.status, 0, "wake_cycles = {wake}: {}", describe_status(&r));
        printed(&r)
    };
    let (fast, slow) = (measure(7), measure(307));
    let poll = value(&fast, "poll").max(value(&slow, "poll"));
    let delta = value(&slow, "wake_visible") - value(&fast, "wake_visible");
    // The handler shows up at the first poll after the latency: within one poll of 300 more.
    assert!(
        (300 - poll..=300 + poll).contains(&delta),
        "wake_visible moved by {delta} for 300 more wake cycles (poll {poll}): {fast:?} {slow:?}"
    );
    assert!(value(&slow, "wake_visible") >= 307);
}

#[test]
fn ipc_needs_permission_and_reaches_offline_sets() {
    pass("ipc", "", &[], "");
    let r = pass(
        "ipc",
        "-cap8",
        &["-DCAPACITY=8"],
        "[task_controller]\ncapacity = 8\n",
    );
    let c = counters(&r);
    assert_eq!(c["set0.sends_denied"], 3, "{c:?}");
    assert_eq!(c["set1.sends_denied"], 1, "{c:?}");
    assert_eq!(c["set1.wake_lost"], 1, "{c:?}");
    assert_eq!(c["set1.high_water"], 8, "{c:?}");
}

#[test]
fn two_harts_preempt_wake_from_wfi_and_steal() {
    let r = pass("multihart", "", &[], TWO_HARTS);
    let c = counters(&r);
    assert_eq!(c["set0.steals"], 2, "{c:?}");
    assert_eq!(c["set0.preempts"], 1, "{c:?}");
    // Hart 1 slept in WFI until the controller's SSIP woke it.
    assert!(r.report.stats.harts[1].wfi_cycles > 0);
}

/// The per-operation costs of one configuration, as the guest measured them.
fn costs(toml: &str) -> BTreeMap<String, u64> {
    static ELF: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    let elf = ELF.get_or_init(|| guest("costs", "", &[]));
    let r = run(elf, &format!("{TWO_HARTS}{toml}"));
    assert_eq!(r.status, 0, "costs on {toml:?}: {}", describe_status(&r));
    printed(&r)
}

#[test]
fn operation_costs_match_the_configuration() {
    // (printed name, configured cycles under the defaults and under the second config)
    let defaults = costs("");
    let other = costs(
        "[task_controller]\nenqueue_cycles = 10\ndequeue_cycles = 20\nsteal_cycles = 7\n\
         register_cycles = 30\nsend_cycles = 40\n[interconnect]\nmmio_cycles = 5\n",
    );
    for (v, enqueue, dequeue, steal, register, send, mmio) in [
        (&defaults, 3, 3, 2, 9, 9, 20),
        (&other, 10, 20, 7, 30, 40, 5),
    ] {
        let at = |k: &str| value(v, k);
        // Each operation costs its configured cycles more than a plain device access of the
        // same direction, in the same run ...
        assert_eq!(at("enqueue") - at("store"), enqueue, "{v:?}");
        assert_eq!(at("dequeue") - at("load"), dequeue, "{v:?}");
        assert_eq!(at("dequeue_empty") - at("load"), dequeue, "{v:?}");
        assert_eq!(at("steal") - at("load"), dequeue + steal, "{v:?}");
        assert_eq!(at("register") - at("store"), register, "{v:?}");
        assert_eq!(at("send") - at("store"), send, "{v:?}");
        assert_eq!(at("alloc") - at("load"), register, "{v:?}");
        // ... and a plain device access costs the interconnect's round trip on top of an
        // instruction.
        assert_eq!(at("load") - at("none"), 1 + mmio, "{v:?}");
        assert_eq!(at("store") - at("none"), 1 + mmio, "{v:?}");
    }
    // Between the two configurations every figure moves by exactly its configured change.
    let delta = |k: &str| value(&other, k) - value(&defaults, k);
    assert_eq!(delta("none"), 0);
    assert_eq!(delta("load"), 5 - 20);
    assert_eq!(delta("enqueue"), (10 - 3) + (5 - 20));
    assert_eq!(delta("dequeue"), (20 - 3) + (5 - 20));
    assert_eq!(delta("steal"), (20 + 7 - 3 - 2) + (5 - 20));
    assert_eq!(delta("register"), (30 - 9) + (5 - 20));
    assert_eq!(delta("send"), (40 - 9) + (5 - 20));
}
