//! The `hartlab run` command line: exit statuses, error messages, statistics and help.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use support::hartlab_cli as hartlab;

fn guest(name: &str) -> PathBuf {
    let src = support::repo_root().join(format!("tests/guest/cli/{name}.S"));
    support::build_guest(&format!("cli_{name}"), &[&src], &[])
}

fn status(o: &Output) -> i32 {
    o.status.code().expect("exit status")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn run(elf: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["run", elf.to_str().unwrap()];
    args.extend_from_slice(extra);
    hartlab(&args)
}

#[test]
fn pass_prints_console_and_exits_zero() {
    let o = run(&guest("hello"), &["--harts", "4"]);
    assert_eq!(status(&o), 0, "{}", stderr(&o));
    assert_eq!(String::from_utf8_lossy(&o.stdout), "hello from hartlab\n");
}

#[test]
fn guest_failure_code_is_the_exit_status() {
    let o = run(&guest("exit_code"), &[]);
    assert_eq!(status(&o), 42);
}

#[test]
fn max_insns_has_its_own_status() {
    let o = run(&guest("spin"), &["--max-insns", "100000"]);
    assert_eq!(status(&o), 252);
    assert!(stderr(&o).contains("instruction limit"), "{}", stderr(&o));
    assert_eq!(stderr(&o).lines().count(), 1);
}

#[test]
fn trap_loop_is_detected() {
    let o = run(&guest("trap_loop"), &["--max-insns", "100000000"]);
    assert_eq!(status(&o), 253, "{}", stderr(&o));
    assert!(stderr(&o).contains("0x40000000"), "{}", stderr(&o));
}

#[test]
fn handler_faulting_on_its_stack_is_a_trap_loop() {
    let o = run(&guest("trap_loop_stack"), &["--max-insns", "100000000"]);
    assert_eq!(status(&o), 253, "{}", stderr(&o));
}

#[test]
fn sleeping_forever_is_detected_without_spinning() {
    let o = run(&guest("sleep_forever"), &[]);
    assert_eq!(status(&o), 254, "{}", stderr(&o));
}

#[test]
fn invalid_elfs_give_one_clear_line() {
    let dir = support::repo_root().join("target/guest");
    std::fs::create_dir_all(&dir).unwrap();
    let text = dir.join("not_an_elf.bin");
    std::fs::write(&text, b"this is not an ELF file").unwrap();
    let o = run(&text, &[]);
    assert_eq!(status(&o), 251);
    let e = stderr(&o);
    assert!(
        e.contains("not_an_elf.bin") && e.contains("not a valid ELF"),
        "{e}"
    );
    assert_eq!(e.lines().count(), 1, "{e}");

    // A truncated RISC-V ELF.
    let good = std::fs::read(guest("hello")).unwrap();
    let cut = dir.join("truncated.elf");
    std::fs::write(&cut, &good[..good.len().min(300)]).unwrap();
    let o = run(&cut, &[]);
    assert_eq!(status(&o), 251, "{}", stderr(&o));
    assert!(stderr(&o).contains("truncated.elf"), "{}", stderr(&o));

    // An ELF for another machine: the host's own hartlab binary.
    let o = run(Path::new(env!("CARGO_BIN_EXE_hartlab")), &[]);
    assert_eq!(status(&o), 251);
    assert!(stderr(&o).contains("not a RISC-V ELF"), "{}", stderr(&o));

    // A missing file.
    let o = run(Path::new("/nonexistent/prog.elf"), &[]);
    assert_eq!(status(&o), 251);
    assert!(
        stderr(&o).contains("/nonexistent/prog.elf"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn segment_outside_ram_is_rejected() {
    let src = support::repo_root().join("tests/guest/cli/spin.S");
    let elf = support::build_guest(
        "cli_outside_ram",
        &[&src],
        &["-Wl,--section-start=.text.init=0x40000000"],
    );
    let o = run(&elf, &[]);
    assert_eq!(status(&o), 251);
    assert!(stderr(&o).contains("outside RAM"), "{}", stderr(&o));
}

#[test]
fn bad_config_names_file_and_key() {
    let dir = support::repo_root().join("target/guest");
    std::fs::create_dir_all(&dir).unwrap();
    let cfg = dir.join("bad.toml");
    std::fs::write(&cfg, "[machine]\nharts = 2\nturbo = true\n").unwrap();
    let o = run(&guest("hello"), &["--config", cfg.to_str().unwrap()]);
    assert_eq!(status(&o), 251);
    let e = stderr(&o);
    assert!(e.contains("bad.toml") && e.contains("turbo"), "{e}");
    std::fs::write(&cfg, "[machine]\nharts = 100000\n").unwrap();
    let o = run(&guest("hello"), &["--config", cfg.to_str().unwrap()]);
    assert!(stderr(&o).contains("machine.harts"), "{}", stderr(&o));
}

#[test]
fn a_range_error_is_one_line_naming_the_file_or_the_option() {
    let dir = support::repo_root().join("target/guest");
    std::fs::create_dir_all(&dir).unwrap();
    let cfg = dir.join("range.toml");
    std::fs::write(&cfg, "[task_controller]\ncapacity = 5000\n").unwrap();
    let o = run(&guest("hello"), &["--config", cfg.to_str().unwrap()]);
    assert_eq!(status(&o), 251);
    let e = stderr(&o);
    let lines: Vec<&str> = e.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "{e}");
    assert!(
        lines[0].contains(&format!(
            "{}: task_controller.capacity = 5000",
            cfg.display()
        )) && lines[0].contains("between 1 and 1024"),
        "{e}"
    );
    // A key the command line set is blamed on the command line, not on the file.
    std::fs::write(&cfg, "[machine]\nharts = 2\n").unwrap();
    let o = run(
        &guest("hello"),
        &["--config", cfg.to_str().unwrap(), "--harts", "100000"],
    );
    let e = stderr(&o);
    assert!(
        e.contains("command-line")
            && e.contains("machine.harts = 100000")
            && !e.contains("range.toml"),
        "{e}"
    );
    let o = run(&guest("hello"), &["--memory", "12 parsecs"]);
    assert_eq!(status(&o), 2, "clap rejects the value: {}", stderr(&o));
}

#[test]
fn stats_json_has_per_hart_counts() {
    let dir = support::repo_root().join("target/guest");
    let stats = dir.join("hello_stats.json");
    let o = run(
        &guest("hello"),
        &["--harts", "2", "--stats", stats.to_str().unwrap()],
    );
    assert_eq!(status(&o), 0);
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&stats).unwrap()).unwrap();
    let harts = v["harts"].as_array().unwrap();
    assert_eq!(harts.len(), 2);
    assert!(harts[0]["instret"].as_u64().unwrap() > 50);
    assert!(harts[0]["cycles"].as_u64().unwrap() >= harts[0]["instret"].as_u64().unwrap());
    assert!(harts[1]["traps"].is_object());
    for key in ["sim_seconds", "instret"] {
        assert!(v[key].is_number(), "{key} missing");
    }
    assert_eq!(v["exit"], "pass");
    let uart = v["devices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == "uart")
        .cloned();
    assert!(
        uart.is_some_and(|u| u["writes"].as_u64().unwrap() >= 19),
        "{v}"
    );
}

#[test]
fn help_explains_every_option() {
    let o = hartlab(&["run", "--help"]);
    assert!(o.status.success());
    let text = String::from_utf8_lossy(&o.stdout);
    for opt in [
        "--harts",
        "--memory",
        "--max-insns",
        "--config",
        "--stats",
        "Exit status",
    ] {
        assert!(text.contains(opt), "help lacks {opt}:\n{text}");
    }
    assert!(hartlab(&["--help"]).status.success());
}

#[test]
fn stdin_feeds_the_uart() {
    use std::io::Write;
    let elf = guest("echo");
    let mut child = Command::new(env!("CARGO_BIN_EXE_hartlab"))
        .args(["run", elf.to_str().unwrap(), "--max-insns", "2000000000"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"hello, uart\n")
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert_eq!(status(&o), 0);
    assert_eq!(String::from_utf8_lossy(&o.stdout), "HELLO, UART\n");
}

#[test]
fn max_insns_counts_all_harts_together() {
    let stats = support::repo_root().join("target/guest/spin_stats.json");
    let o = run(
        &guest("spin"),
        &[
            "--harts",
            "4",
            "--max-insns",
            "1000000",
            "--stats",
            stats.to_str().unwrap(),
        ],
    );
    assert_eq!(status(&o), 252);
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&stats).unwrap()).unwrap();
    let total: u64 = v["harts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["instret"].as_u64().unwrap())
        .sum();
    assert_eq!(total, 1_000_000);
    assert_eq!(v["exit"], "instruction limit reached");
}

#[test]
fn stats_dash_prints_a_table_and_host_speed_to_stderr() {
    let o = run(&guest("hello"), &["--stats", "-"]);
    assert_eq!(status(&o), 0, "{}", stderr(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.starts_with("hello from hartlab\n"), "{out}");
    for row in [
        "Begin Simulation Statistics",
        "hart0.cycles",
        "hart0.cpi",
        "hart0.l1i.misses",
        "hart0.l1d.hits",
        "hart0.dtlb.walk_cycles",
        "hart0.branch.mispredicts",
        "hart0.mode_cycles.m",
        "l2.misses",
        "uart.writes",
        "mode                    ",
    ] {
        assert!(out.contains(row), "{row} missing from\n{out}");
    }
    let (machine, simulator) = out
        .split_once("End Simulation Statistics")
        .expect("the machine's table ends before the simulator diagnostics");
    assert!(!machine.contains("page_walks") && !machine.contains("soft_tlb_fills"));
    for row in [
        "Simulator Diagnostics",
        "simulator.hart0.page_walks",
        "simulator.hart0.soft_tlb_fills",
    ] {
        assert!(simulator.contains(row), "{row} missing from\n{simulator}");
    }
    assert!(stderr(&o).contains("MIPS"), "{}", stderr(&o));
}

#[test]
fn timing_flag_selects_functional_mode() {
    let dir = support::repo_root().join("target/guest");
    let stats = dir.join("hello_functional.json");
    let o = run(
        &guest("hello"),
        &["--timing", "functional", "--stats", stats.to_str().unwrap()],
    );
    assert_eq!(status(&o), 0, "{}", stderr(&o));
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&stats).unwrap()).unwrap();
    assert_eq!(v["mode"], "functional");
    let h = &v["harts"][0];
    assert!(
        h.get("soft_tlb_fills").is_none(),
        "simulator counters in the hart: {h}"
    );
    assert!(
        v["simulator"]["harts"][0]["soft_tlb_fills"]
            .as_u64()
            .unwrap()
            > 0,
        "simulator diagnostics: {}",
        v["simulator"]
    );
    assert_eq!(
        h["cycles"].as_u64().unwrap() - h["wfi_cycles"].as_u64().unwrap(),
        h["instret"].as_u64().unwrap() + h["traps"]["to_m"].as_u64().unwrap(),
        "functional: one cycle per instruction (and per trap): {h}"
    );
    assert_eq!(h["l1d"]["hits"], 0, "no caches when functional: {h}");
    let o = run(&guest("hello"), &["--timing", "fast"]);
    assert_eq!(status(&o), 2, "clap rejects the mode: {}", stderr(&o));
}

#[test]
fn guest_memory_larger_than_the_host_is_reserved_lazily() {
    // 64 GiB, the largest machine.memory, is more than this kind of host has: the guest only
    // pays for the pages it touches.
    let o = run(&guest("hello"), &["--memory", "64G"]);
    assert_eq!(status(&o), 0, "{}", stderr(&o));
    assert_eq!(String::from_utf8_lossy(&o.stdout), "hello from hartlab\n");
}

#[test]
fn guest_memory_the_host_refuses_is_one_clear_line() {
    // A 2 GiB address-space limit leaves hartlab room to run but not a 4 GiB guest.
    let o = Command::new("sh")
        .arg("-c")
        .arg(r#"ulimit -v 2000000 && exec "$0" run "$1" --memory 4G"#)
        .arg(env!("CARGO_BIN_EXE_hartlab"))
        .arg(guest("hello"))
        .output()
        .expect("run sh");
    assert_eq!(status(&o), 251, "{}", stderr(&o));
    let e = stderr(&o);
    assert_eq!(e.lines().count(), 1, "{e}");
    assert!(e.contains("machine.memory = 4294967296"), "{e}");
}

#[test]
fn jobs_are_bounded_before_any_work() {
    let out = support::repo_root().join("target/guest/jobs-refused");
    let _ = std::fs::remove_dir_all(&out);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let too_many = (4 * cores + 1).to_string();
    for jobs in ["40000", too_many.as_str(), "0"] {
        let o = hartlab(&[
            "experiment",
            "experiments/wakeup.toml",
            "--quick",
            "--jobs",
            jobs,
            "--out",
            out.to_str().unwrap(),
        ]);
        let e = stderr(&o);
        assert_eq!(status(&o), 251, "--jobs {jobs}: {e}");
        assert_eq!(e.lines().count(), 1, "{e}");
        assert!(e.contains(&format!("--jobs {jobs}")), "{e}");
        assert!(!out.exists(), "--jobs {jobs} started the sweep");
    }
}
