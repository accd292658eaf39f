//! The execution engine is an optimisation, not a model: a set of guests run in both timing
//! modes (and, with several harts, both interleavings) must give byte for byte the console
//! output, exit status and statistics recorded in `tests/data/engine/` by an earlier engine.
//!
//! The guests are the repository's own bare-metal programs (ISA programs, differential and
//! timing guests, the benchmark guests), built with the pinned guest toolchain; none of them
//! is the guest kernel or a workload, whose images change whenever their code does. A golden
//! file records one case: its status, console and the machine's statistics as JSON. The
//! statistics' `simulator` section (the engine's own software-TLB counters) is left out: it
//! describes the engine, which is what may change here, not the machine.
//!
//! A deliberate change of the model (or of one of these guests) is recorded anew with
//! `HARTLAB_RECORD_GOLDENS=1 cargo test --profile ci --test engine_goldens`, and the diff of
//! `tests/data/engine/` then shows every statistic it moved.

mod support;

use hartlab::config::{InterleaveName, ModeName};
use hartlab::run::RunOptions;
use std::path::{Path, PathBuf};
use support::{build_guest, repo_root};

/// How one guest is built.
#[derive(Clone, Copy)]
enum Source {
    /// `tests/guest/isa/<name>.S`, with extra compiler flags.
    Isa(&'static [&'static str]),
    /// `tests/guest/diff/<name>.c` with the differential guests' runtime.
    Diff,
    /// `tests/guest/timing/<name>.c` with the differential guests' runtime.
    Timing,
    /// `benches/guest/intbench.c` with the differential guests' runtime.
    Intbench,
    /// `benches/guest/sharing.S` for four harts.
    Sharing,
}

/// One guest and the machine it runs on.
struct Case {
    name: &'static str,
    source: Source,
    harts: usize,
    /// Stop after this many instructions (all harts together).
    max_insns: u64,
    /// Extra machine configuration (TOML).
    toml: &'static str,
}

const FD: &[&str] = &["-march=rv64gc", "-mabi=lp64d"];
const LIMIT: u64 = 50_000_000;

const CASES: &[Case] = &[
    isa("rv64i_ctrl"),
    isa("rv64i_mem"),
    isa("rv64m"),
    isa("rv64a"),
    isa("rv64c"),
    Case {
        source: Source::Isa(FD),
        ..isa("rv64fd_cvt")
    },
    Case {
        source: Source::Isa(FD),
        ..isa("rv64fc")
    },
    isa("zicsr"),
    isa("zifencei"),
    isa("traps"),
    isa("interrupts"),
    isa("irq_priority"),
    isa("sv39"),
    isa("sv39_faults"),
    isa("mprv"),
    isa("pmp"),
    isa("sstc"),
    isa("sfence_asid"),
    isa("fetch_fault"),
    isa("plic"),
    isa("misaligned"),
    Case {
        source: Source::Isa(FD),
        toml: "[machine]\nmisaligned = \"hardware\"\n",
        ..isa("misaligned_hw")
    },
    isa("amo_faults"),
    Case {
        harts: 4,
        ..isa("multihart")
    },
    Case {
        harts: 4,
        ..diff("atomics")
    },
    Case {
        harts: 4,
        ..diff("ipi")
    },
    Case {
        harts: 4,
        ..diff("timer")
    },
    diff("paging"),
    diff("console"),
    Case {
        source: Source::Timing,
        ..diff("chase")
    },
    Case {
        source: Source::Timing,
        ..diff("branch")
    },
    Case {
        source: Source::Timing,
        ..diff("mode_switch")
    },
    Case {
        source: Source::Timing,
        ..diff("mulchain")
    },
    Case {
        source: Source::Intbench,
        max_insns: 20_000_000,
        ..diff("intbench")
    },
    Case {
        source: Source::Sharing,
        harts: 4,
        max_insns: 5_000_000,
        ..diff("sharing")
    },
    Case {
        source: Source::Intbench,
        max_insns: 3_000_000,
        toml: "[timing]\nmode = \"functional\"\ntimed_from_insn = 1000000\n",
        ..diff("intbench_switch")
    },
];

const fn isa(name: &'static str) -> Case {
    Case {
        name,
        source: Source::Isa(&[]),
        harts: 1,
        max_insns: LIMIT,
        toml: "",
    }
}

const fn diff(name: &'static str) -> Case {
    Case {
        source: Source::Diff,
        ..isa(name)
    }
}

/// Build a C guest from `main` and the differential guests' runtime.
fn build_c(name: &str, main: &Path) -> PathBuf {
    let root = repo_root();
    let diff = root.join("tests/guest/diff");
    let mut sources = vec![main.to_path_buf(), diff.join("crt0.S"), diff.join("rt.c")];
    if name == "paging" {
        sources.push(diff.join("paging_user.S"));
    }
    let sources: Vec<&Path> = sources.iter().map(PathBuf::as_path).collect();
    let include_diff = format!("-I{}", diff.display());
    let include_timing = format!("-I{}", root.join("tests/guest/timing").display());
    build_guest(
        &format!("golden-{name}"),
        &sources,
        &[&include_diff, &include_timing],
    )
}

fn build(case: &Case) -> PathBuf {
    let root = repo_root();
    match case.source {
        Source::Isa(flags) => {
            let src = root.join(format!("tests/guest/isa/{}.S", case.name));
            build_guest(&format!("golden-isa-{}", case.name), &[&src], flags)
        }
        Source::Diff => build_c(
            case.name,
            &root.join(format!("tests/guest/diff/{}.c", case.name)),
        ),
        Source::Timing => build_c(
            case.name,
            &root.join(format!("tests/guest/timing/{}.c", case.name)),
        ),
        Source::Intbench => build_c("intbench", &root.join("benches/guest/intbench.c")),
        Source::Sharing => {
            let src = root.join("benches/guest/sharing.S");
            build_guest("golden-sharing-4", &[&src], &["-DNHARTS=4"])
        }
    }
}

/// Status, console and statistics of `case` run on `mode` and `interleave`, as the text a
/// golden file holds.
fn record(case: &Case, elf: &Path, mode: ModeName, interleave: InterleaveName) -> String {
    let mut config = hartlab::config::MachineConfig::from_toml(case.toml)
        .unwrap_or_else(|e| panic!("{}: bad machine config: {e:#}", case.name));
    config.machine.harts = case.harts;
    config.machine.interleave = interleave;
    if config.timing.timed_from_insn.is_none() {
        config.timing.mode = mode;
    }
    let options = RunOptions {
        config: config
            .resolve()
            .unwrap_or_else(|e| panic!("{}: bad machine config: {e}", case.name)),
        max_insns: Some(case.max_insns),
        ..Default::default()
    };
    let run = support::run_hartlab_with(elf, &options);
    let stats =
        serde_json::to_string_pretty(&run.report.stats.machine_json()).expect("statistics as JSON");
    format!(
        "status {}\n--- console\n{}\n--- statistics\n{stats}\n",
        run.status, run.console
    )
}

/// The variants a case runs in: both modes, and both interleavings with several harts (a
/// mode switch mid-run has one mode only).
fn variants(case: &Case) -> Vec<(ModeName, InterleaveName)> {
    let modes: &[ModeName] = if case.toml.contains("timed_from_insn") {
        &[ModeName::Functional]
    } else {
        &[ModeName::Timed, ModeName::Functional]
    };
    let interleaves: &[InterleaveName] = if case.harts > 1 {
        &[InterleaveName::Exact, InterleaveName::Quantum]
    } else {
        &[InterleaveName::Exact]
    };
    modes
        .iter()
        .flat_map(|&m| interleaves.iter().map(move |&i| (m, i)))
        .collect()
}

fn golden_path(case: &Case, mode: ModeName, interleave: InterleaveName) -> PathBuf {
    let mode = format!("{mode:?}").to_lowercase();
    let interleave = format!("{interleave:?}").to_lowercase();
    repo_root().join(format!(
        "tests/data/engine/{}-{mode}-{interleave}.txt",
        case.name
    ))
}

/// The first line where the recorded text and this run's differ, as both show it.
fn first_difference(recorded: &str, now: &str) -> Option<String> {
    let mut recorded_lines = recorded.lines();
    let mut now_lines = now.lines();
    for line in 1.. {
        match (recorded_lines.next(), now_lines.next()) {
            (None, None) => return None,
            (a, b) if a == b => {}
            (a, b) => {
                return Some(format!(
                    "line {line}: recorded {:?}, now {:?}",
                    a.unwrap_or("<end>"),
                    b.unwrap_or("<end>")
                ))
            }
        }
    }
    None
}

#[test]
fn statistics_match_the_recorded_engine() {
    let recording = std::env::var_os("HARTLAB_RECORD_GOLDENS").is_some();
    let jobs: Vec<(&Case, ModeName, InterleaveName)> = CASES
        .iter()
        .flat_map(|c| variants(c).into_iter().map(move |(m, i)| (c, m, i)))
        .collect();
    let elfs: Vec<PathBuf> = CASES.iter().map(build).collect();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let next = std::sync::atomic::AtomicUsize::new(0);
    let failures = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| loop {
                let k = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(&(case, mode, interleave)) = jobs.get(k) else {
                    break;
                };
                let i = CASES.iter().position(|c| c.name == case.name).unwrap();
                let got = record(case, &elfs[i], mode, interleave);
                let path = golden_path(case, mode, interleave);
                if recording {
                    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                    std::fs::write(&path, &got).unwrap();
                    continue;
                }
                let want = std::fs::read_to_string(&path).unwrap_or_else(|e| {
                    panic!(
                        "{}: {e}; record it with HARTLAB_RECORD_GOLDENS=1",
                        path.display()
                    )
                });
                if let Some(diff) = first_difference(&want, &got) {
                    failures
                        .lock()
                        .unwrap()
                        .push(format!("{}: {diff}", path.display()));
                }
            });
        }
    });
    let failures = failures.into_inner().unwrap();
    assert!(
        failures.is_empty(),
        "{} of {} runs differ from their recorded statistics:\n{}",
        failures.len(),
        jobs.len(),
        failures.join("\n")
    );
}
