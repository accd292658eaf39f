//! Timelines (`--trace`): the guest kernel on two harts and a bare-metal timer program are
//! traced, the Chrome JSON trace is parsed back, and its tracks and events are checked
//! against what the guests do; tracing changes no simulated result; the record limit cuts a
//! trace and says so; an unwritable path is one clear error.

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::Value;

/// The kernel's scheduling self tests on two harts: preemption by the timer, context
/// switches between several threads on both harts, IPIs.
const BOOT: [&str; 5] = [
    "boot",
    "--harts",
    "2",
    "--bootargs",
    "test preemption_fairness priorities",
];

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

fn events(trace: &Value) -> &Vec<Value> {
    trace["traceEvents"]
        .as_array()
        .expect("a traceEvents array")
}

/// The names given to (pid, tid) threads and to pids by the metadata events.
fn names(trace: &Value) -> (BTreeMap<(u64, u64), String>, BTreeMap<u64, String>) {
    let mut threads = BTreeMap::new();
    let mut processes = BTreeMap::new();
    for e in events(trace).iter().filter(|e| e["ph"] == "M") {
        let (pid, tid) = (e["pid"].as_u64().unwrap(), e["tid"].as_u64().unwrap());
        let name = e["args"]["name"].as_str().map(str::to_string);
        match (e["name"].as_str(), name) {
            (Some("thread_name"), Some(n)) => {
                threads.insert((pid, tid), n);
            }
            (Some("process_name"), Some(n)) => {
                processes.insert(pid, n);
            }
            _ => {}
        }
    }
    (threads, processes)
}

/// The (pid, tid) of the thread named `name`.
fn thread(trace: &Value, name: &str) -> (u64, u64) {
    let (threads, _) = names(trace);
    *threads
        .iter()
        .find(|(_, n)| *n == name)
        .unwrap_or_else(|| panic!("no thread named {name:?} in {threads:?}"))
        .0
}

fn pid_of(trace: &Value, name: &str) -> u64 {
    let (_, processes) = names(trace);
    *processes
        .iter()
        .find(|(_, n)| *n == name)
        .unwrap_or_else(|| panic!("no process named {name:?} in {processes:?}"))
        .0
}

fn on(e: &Value, track: (u64, u64)) -> bool {
    e["pid"].as_u64() == Some(track.0) && e["tid"].as_u64() == Some(track.1)
}

fn name(e: &Value) -> &str {
    e["name"].as_str().unwrap_or("")
}

/// Every event is well formed, each track's events come in time order, and its complete
/// events nest (a slice that starts inside another ends inside it).
fn check_structure(trace: &Value) {
    // Microseconds with picosecond digits, compared as whole picoseconds.
    let ps = |v: &Value| (v.as_f64().expect("a time") * 1e6).round() as i64;
    let mut last: BTreeMap<(u64, u64), i64> = BTreeMap::new();
    let mut open: BTreeMap<(u64, u64), Vec<i64>> = BTreeMap::new();
    for e in events(trace) {
        let ph = e["ph"].as_str().expect("ph");
        assert!(
            ["M", "X", "i", "C"].contains(&ph),
            "unexpected phase in {e}"
        );
        let track = (e["pid"].as_u64().unwrap(), e["tid"].as_u64().unwrap());
        if ph == "M" {
            continue;
        }
        let ts = ps(&e["ts"]);
        let previous = last.insert(track, ts).unwrap_or(0);
        assert!(ts >= previous, "track {track:?} goes back in time at {e}");
        if ph == "X" {
            let end = ts + ps(&e["dur"]);
            let stack = open.entry(track).or_default();
            while stack.last().is_some_and(|&parent_end| parent_end <= ts) {
                stack.pop();
            }
            if let Some(&parent_end) = stack.last() {
                assert!(
                    end <= parent_end,
                    "{e} overlaps its enclosing slice (ending at {parent_end})"
                );
            }
            stack.push(end);
        }
    }
}

#[test]
fn a_kernel_boot_shows_context_switches_and_interrupts_on_per_hart_tracks() {
    let dir = support::tempfile_dir("trace-boot");
    let (traced, again, plain) = (dir.join("t.json"), dir.join("t2.json"), dir.join("plain"));
    let run = |trace: Option<&Path>, stats: &Path| {
        let mut args: Vec<String> = BOOT.iter().map(|s| s.to_string()).collect();
        args.extend(["--stats".into(), stats.display().to_string()]);
        if let Some(t) = trace {
            args.extend(["--trace".into(), t.display().to_string()]);
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = support::hartlab_cli(&args);
        assert_eq!(out.status.code(), Some(0), "{}", support::output_text(&out));
        out
    };
    let with = run(Some(&traced), &dir.join("s-traced.json"));
    let without = run(None, &plain);
    // Tracing changes nothing simulated: console and statistics are identical.
    assert_eq!(with.stdout, without.stdout);
    assert_eq!(
        std::fs::read(dir.join("s-traced.json")).unwrap(),
        std::fs::read(&plain).unwrap()
    );
    let stderr = String::from_utf8_lossy(&with.stderr);
    assert!(
        stderr.contains(&format!("trace {}: ", traced.display()))
            && stderr.contains("ui.perfetto.dev"),
        "{stderr}"
    );
    // The same run gives the same bytes.
    run(Some(&again), &dir.join("s-again.json"));
    assert_eq!(
        std::fs::read(&traced).unwrap(),
        std::fs::read(&again).unwrap()
    );

    let trace = read_json(&traced);
    check_structure(&trace);
    assert_eq!(trace["displayTimeUnit"], "ns");
    assert_eq!(trace["otherData"]["dropped"], 0);
    assert_eq!(pid_of(&trace, "harts"), 1);
    let ev = events(&trace);
    for hart in 0..2 {
        let cpu = thread(&trace, &format!("hart {hart}"));
        let guest = thread(&trace, &format!("hart {hart} guest"));
        let on_cpu: Vec<&Value> = ev.iter().filter(|e| on(e, cpu)).collect();
        let count = |n: &str| on_cpu.iter().filter(|e| name(e) == n).count();
        // Privilege modes as slices: the kernel returns to its threads in U.
        assert!(
            count("user") > 10 && count("supervisor") > 10,
            "hart {hart}"
        );
        assert!(count("return to U") > 10, "hart {hart}");
        // Timer preemption: Sstc supervisor timer interrupts, and IPIs through the firmware.
        assert!(count("interrupt: supervisor timer") > 10, "hart {hart}");
        assert!(count("interrupt: machine software") > 0, "hart {hart}");
        let trap = on_cpu
            .iter()
            .find(|e| name(e) == "interrupt: supervisor timer")
            .unwrap();
        assert_eq!(
            (trap["ph"].as_str(), trap["args"]["to"].as_str()),
            (Some("i"), Some("S"))
        );
        // Context switches: the kernel's thread spans, of several threads of the test process.
        let threads: BTreeSet<&str> = ev
            .iter()
            .filter(|e| on(e, guest) && e["ph"] == "X" && e["args"]["kind"] == "thread")
            .map(name)
            .collect();
        assert!(threads.len() >= 2, "hart {hart} ran threads {threads:?}");
        assert!(threads.iter().all(|t| t.starts_with("pid ")), "{threads:?}");
    }
    // Wake-ups marked by the kernel.
    assert!(ev.iter().any(|e| name(e).starts_with("wake pid ")));
    // The CLINT's track: the IPI lines (MSIP) raised and cleared for both harts.
    let clint = pid_of(&trace, "clint");
    for hart in 0..2 {
        let levels: Vec<u64> = ev
            .iter()
            .filter(|e| e["pid"] == clint && e["ph"] == "C" && name(e) == format!("hart {hart}"))
            .filter_map(|e| e["args"]["MSIP"].as_u64())
            .collect();
        assert!(
            levels.contains(&1) && levels.contains(&0),
            "hart {hart}: {levels:?}"
        );
    }
}

#[test]
fn a_machine_timer_program_shows_mtip_on_the_clint_track_and_runs_unchanged() {
    let dir = support::repo_root().join("tests/guest/diff");
    let srcs = [dir.join("crt0.S"), dir.join("rt.c"), dir.join("timer.c")];
    let srcs: Vec<&Path> = srcs.iter().map(|p| p.as_path()).collect();
    let elf = support::build_guest("trace_timer-2", &srcs, &["-DNHARTS=2"]);
    let mut config = hartlab::config::MachineConfig::default();
    config.machine.harts = 2;
    let mut options = hartlab::run::RunOptions {
        config: config.resolve().unwrap(),
        ..Default::default()
    };
    options.max_insns = Some(2_000_000_000);
    let plain = support::run_hartlab_with(&elf, &options);
    options.trace_limit = Some(sim_core::trace::DEFAULT_LIMIT);
    let traced = support::run_hartlab_with(&elf, &options);
    assert_eq!(traced.status, 0, "{}", traced.console);
    assert_eq!(traced.console, plain.console);
    assert_eq!(
        serde_json::to_string(&traced.report.stats).unwrap(),
        serde_json::to_string(&plain.report.stats).unwrap()
    );
    assert!(plain.report.timeline.is_none());
    let timeline = traced.report.timeline.expect("a timeline");
    let mut bytes = Vec::new();
    let written = hartlab::trace::write_chrome_json(&timeline, &mut bytes).unwrap();
    assert_eq!(written.cut_at, None);
    let trace: Value = serde_json::from_slice(&bytes).unwrap();
    check_structure(&trace);
    let ev = events(&trace);
    let clint = pid_of(&trace, "clint");
    for hart in 0..2u64 {
        let mtip: Vec<&Value> = ev
            .iter()
            .filter(|e| e["pid"] == clint && name(e) == format!("hart {hart}"))
            .filter(|e| e["args"].get("MTIP").is_some())
            .collect();
        let rises = mtip.iter().filter(|e| e["args"]["MTIP"] == 1).count();
        let falls = mtip.iter().filter(|e| e["args"]["MTIP"] == 0).count();
        // The program takes 8 timer interrupts per hart, each handler moving mtimecmp on.
        assert!(
            rises >= 8 && falls >= 8,
            "hart {hart}: {rises} rises, {falls} falls"
        );
        let cpu = thread(&trace, &format!("hart {hart}"));
        let taken: Vec<&Value> = ev
            .iter()
            .filter(|e| on(e, cpu) && name(e) == "interrupt: machine timer")
            .collect();
        assert!(
            taken.len() >= 8,
            "hart {hart}: {} timer interrupts",
            taken.len()
        );
        // Each interrupt is taken no earlier than its line rose.
        let first_rise = mtip.iter().find(|e| e["args"]["MTIP"] == 1).unwrap()["ts"]
            .as_f64()
            .unwrap();
        assert!(taken[0]["ts"].as_f64().unwrap() >= first_rise);
        // The program sleeps in WFI for its interrupts.
        assert!(ev
            .iter()
            .any(|e| on(e, cpu) && name(e) == "wfi" && e["ph"] == "X"));
    }
}

#[test]
fn the_record_limit_cuts_the_trace_and_says_when() {
    let dir = support::tempfile_dir("trace-cut");
    let path = dir.join("cut.json");
    let mut args = BOOT.to_vec();
    let path_text = path.display().to_string();
    args.extend(["--trace", &path_text, "--trace-limit", "200"]);
    let out = support::hartlab_cli(&args);
    assert_eq!(out.status.code(), Some(0), "{}", support::output_text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    let line = stderr
        .lines()
        .find(|l| l.contains("cut at simulated time"))
        .unwrap_or_else(|| panic!("no message about the cut: {stderr}"));
    assert!(
        line.contains("--trace-limit") && line.contains(&path_text),
        "{line}"
    );
    let trace = read_json(&path);
    check_structure(&trace);
    assert_eq!(trace["otherData"]["records"], 200);
    assert!(trace["otherData"]["dropped"].as_u64().unwrap() > 0);
    let cut_ps = trace["otherData"]["cut_at_ps"].as_u64().unwrap();
    assert!(line.contains(&format!("{cut_ps} ps")), "{line}");
    let cut = events(&trace)
        .iter()
        .find(|e| name(e).starts_with("trace cut"))
        .expect("a trace-cut event");
    assert_eq!(cut["s"], "g");
    assert_eq!(cut["ts"].as_f64().unwrap(), cut_ps as f64 / 1e6);
}

#[test]
fn an_unwritable_trace_path_is_one_clear_error() {
    let out = support::hartlab_cli(&["boot", "--trace", "/nonexistent-dir/t.json"]);
    assert_eq!(out.status.code(), Some(251));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("cannot write the trace file /nonexistent-dir/t.json"),
        "{stderr}"
    );
    assert!(out.stdout.is_empty(), "nothing ran");
}

#[test]
fn an_experiment_writes_a_timeline_per_point_and_the_same_results() {
    let dir = support::tempfile_dir("trace-experiment");
    let file = support::repo_root().join("experiments/wakeup.toml");
    let run = |out: &Path, trace: bool| {
        let (file, out) = (file.display().to_string(), out.display().to_string());
        let mut args = vec![
            "experiment",
            &file,
            "--quick",
            "--only",
            "workload.mechanism=taskctl-preempt",
            "--out",
            &out,
        ];
        if trace {
            args.push("--trace");
        }
        let o = support::hartlab_cli(&args);
        assert_eq!(o.status.code(), Some(0), "{}", support::output_text(&o));
    };
    let (traced, plain) = (dir.join("traced"), dir.join("plain"));
    run(&traced, true);
    run(&plain, false);
    for name in ["points.jsonl", "summary.csv"] {
        assert_eq!(
            std::fs::read(traced.join(name)).unwrap(),
            std::fs::read(plain.join(name)).unwrap(),
            "{name}"
        );
    }
    assert!(!plain.join("traces").exists());
    let path = traced
        .join("traces")
        .join("0006_machine.harts=2_workload.mechanism=taskctl-preempt_seed1.json");
    let trace = read_json(&path);
    check_structure(&trace);
    // The task controller wakes the handler (raising USIP on its hart), the hart takes the
    // user software interrupt, and the handler dequeues its task.
    let tc = pid_of(&trace, "task-controller");
    let ev = events(&trace);
    for op in ["send", "wake", "dequeue"] {
        assert!(
            ev.iter().any(|e| e["pid"] == tc && name(e) == op),
            "no {op}"
        );
    }
    assert!(ev
        .iter()
        .any(|e| e["pid"] == tc && e["ph"] == "C" && e["args"].get("USIP").is_some()));
    assert!(ev.iter().any(|e| name(e) == "interrupt: user software"));
    assert!(ev.iter().any(|e| name(e) == "sample 0"));
}
