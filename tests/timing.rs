//! The timing model measured back from inside the guest. Four bare-metal micro-benchmarks
//! (`tests/guest/timing/`) time themselves with `mcycle` (tlb, in S mode, with `cycle`) and
//! print cycles x 100; each test runs one of them on the `hartlab` binary under a machine
//! configuration and checks every figure against what that configuration says it should be:
//!
//! | program    | measures                                  | expected                          |
//! |------------|-------------------------------------------|-----------------------------------|
//! | chase      | cycles per dependent load vs. working set | L1 hit, L1 + L2, L1 + L2 + DRAM   |
//! | mulchain   | dependent / independent MUL and DIV       | mul latency, mul interval, div    |
//! | branch     | cycles per iteration of a patterned branch| misprediction rate x penalty      |
//! | tlb        | cycles per dependent load vs. Sv39 pages  | access + PTE reads on a DTLB miss |
//!
//! Every figure is a difference of two loops (see `tests/guest/timing/timing.h`), so loop
//! overhead and fixed costs cancel and, in the model as specified, the figures are exact:
//! the tolerances only absorb the rounding of the printed x100 values, plus a margin well
//! below one cycle so that an off-by-one latency still fails.
//!
//! In functional mode every instruction costs one cycle, so every chase and mulchain figure
//! is 1.00 (one more instruction per extra measured instruction) and every branch figure is
//! 6.00 (six instructions per iteration).

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

use support::{build_guest, repo_root};

// ---- guest programs -------------------------------------------------------------------------

#[derive(Clone, Copy, Debug)]
enum Program {
    Chase,
    Mulchain,
    Branch,
}

impl Program {
    fn name(self) -> &'static str {
        match self {
            Program::Chase => "chase",
            Program::Mulchain => "mulchain",
            Program::Branch => "branch",
        }
    }

    /// The ELF, built once per test binary.
    fn elf(self) -> &'static Path {
        static BUILT: [OnceLock<PathBuf>; 3] = [OnceLock::new(), OnceLock::new(), OnceLock::new()];
        BUILT[self as usize].get_or_init(|| {
            let root = repo_root();
            let sources = [
                root.join(format!("tests/guest/timing/{}.c", self.name())),
                root.join("tests/guest/diff/crt0.S"),
                root.join("tests/guest/diff/rt.c"),
            ];
            let sources: Vec<&Path> = sources.iter().map(PathBuf::as_path).collect();
            let diff = format!("-I{}", root.join("tests/guest/diff").display());
            let timing = format!("-I{}", root.join("tests/guest/timing").display());
            build_guest(
                &format!("timing-{}", self.name()),
                &sources,
                &[&diff, &timing, "-Wall"],
            )
        })
    }
}

// ---- machine configurations -----------------------------------------------------------------

/// One cache level as configured (64-byte lines throughout: the chase nodes are 64 B apart).
#[derive(Clone, Copy, Debug)]
struct Cache {
    size: u64,
    ways: u32,
    hit_cycles: u32,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Predictor {
    Bimodal,
    Static,
}

/// The configuration keys the assertions depend on. `Machine::default()` holds the documented
/// defaults, which a run without `--config` must use.
#[derive(Clone, Copy, Debug)]
struct Machine {
    functional: bool,
    mul_latency: u32,
    mul_interval: u32,
    div_overhead: u32,
    div_bits_per_cycle: u32,
    mispredict_penalty: u32,
    predictor: Predictor,
    dram_latency_cycles: u32,
    l1d: Cache,
    l2: Cache,
    /// Run with this file of `configs/` (whose values the fields above copy) and
    /// `--stats -`, instead of a generated config.
    preset: Option<&'static str>,
}

impl Default for Machine {
    fn default() -> Self {
        Machine {
            functional: false,
            mul_latency: 3,
            mul_interval: 1,
            div_overhead: 1,
            div_bits_per_cycle: 2,
            mispredict_penalty: 3,
            predictor: Predictor::Bimodal,
            dram_latency_cycles: 100,
            l1d: Cache {
                size: 32 << 10,
                ways: 8,
                hit_cycles: 2,
            },
            l2: Cache {
                size: 512 << 10,
                ways: 8,
                hit_cycles: 12,
            },
            preset: None,
        }
    }
}

/// "32KiB", "8MiB", or a byte count.
fn size_text(bytes: u64) -> String {
    if bytes >= 1 << 20 && bytes.is_multiple_of(1 << 20) {
        format!("{}MiB", bytes >> 20)
    } else if bytes >= 1 << 10 && bytes.is_multiple_of(1 << 10) {
        format!("{}KiB", bytes >> 10)
    } else {
        format!("{bytes}")
    }
}

impl Machine {
    /// The TOML machine description, every key the assertions depend on written out.
    fn toml(&self) -> String {
        let cache = |name: &str, c: &Cache| {
            format!(
                "[memory.{name}]\nsize = \"{}\"\nways = {}\nline_bytes = 64\nhit_cycles = {}\n",
                size_text(c.size),
                c.ways,
                c.hit_cycles
            )
        };
        format!(
            "[timing]\nmode = \"{}\"\n\n\
             [core]\nmul_latency = {}\nmul_interval = {}\ndiv_overhead = {}\n\
             div_bits_per_cycle = {}\nmispredict_penalty = {}\n\n\
             [branch]\npredictor = \"{}\"\n\n\
             [memory]\ndram_latency_cycles = {}\n\n{}\n{}",
            if self.functional {
                "functional"
            } else {
                "timed"
            },
            self.mul_latency,
            self.mul_interval,
            self.div_overhead,
            self.div_bits_per_cycle,
            self.mispredict_penalty,
            match self.predictor {
                Predictor::Bimodal => "bimodal",
                Predictor::Static => "static",
            },
            self.dram_latency_cycles,
            cache("l1d", &self.l1d),
            cache("l2", &self.l2),
        )
    }

    /// Latency of a 64-bit division: fixed overhead plus one step per `div_bits_per_cycle`
    /// quotient bits.
    fn div_cycles(&self) -> f64 {
        (self.div_overhead + 64u32.div_ceil(self.div_bits_per_cycle)) as f64
    }

    fn describe(&self) -> String {
        if self.functional {
            return "functional mode".into();
        }
        format!(
            "L1D {} {}-way {} cy, L2 {} {}-way {} cy, DRAM {} cy; mul {}/{}, div {}+64/{}; \
             {:?} predictor, penalty {}",
            size_text(self.l1d.size),
            self.l1d.ways,
            self.l1d.hit_cycles,
            size_text(self.l2.size),
            self.l2.ways,
            self.l2.hit_cycles,
            self.dram_latency_cycles,
            self.mul_latency,
            self.mul_interval,
            self.div_overhead,
            self.div_bits_per_cycle,
            self.predictor,
            self.mispredict_penalty
        )
    }
}

/// The slow-memory configuration: a slower L2 and DRAM.
fn slow_memory() -> Machine {
    let d = Machine::default();
    Machine {
        dram_latency_cycles: 250,
        l2: Cache {
            hit_cycles: 20,
            ..d.l2
        },
        ..d
    }
}

/// Small caches with other latencies: 8 KiB 2-way 3-cycle L1D, 256 KiB 4-way 8-cycle L2,
/// 60-cycle DRAM.
fn small_caches() -> Machine {
    Machine {
        l1d: Cache {
            size: 8 << 10,
            ways: 2,
            hit_cycles: 3,
        },
        l2: Cache {
            size: 256 << 10,
            ways: 4,
            hit_cycles: 8,
        },
        dram_latency_cycles: 60,
        ..Machine::default()
    }
}

/// The 100 MHz FPGA preset, its values read from `configs/fpga-100mhz.toml`.
fn fpga_preset() -> Machine {
    const NAME: &str = "fpga-100mhz.toml";
    let c = hartlab::config::MachineConfig::from_file(&repo_root().join("configs").join(NAME))
        .unwrap_or_else(|e| panic!("{e:#}"));
    let t = c.timing_config();
    let cache = |c: sim_core::timing::cache::CacheConfig| Cache {
        size: c.size_bytes,
        ways: c.ways,
        hit_cycles: c.hit_latency,
    };
    Machine {
        mul_latency: t.core.mul_latency,
        mul_interval: t.core.mul_interval,
        div_overhead: t.core.div_overhead,
        div_bits_per_cycle: t.core.div_bits_per_cycle,
        mispredict_penalty: t.core.mispredict_penalty,
        dram_latency_cycles: t.memory.dram_latency,
        l1d: cache(t.memory.l1d),
        l2: cache(t.memory.l2),
        preset: Some(NAME),
        ..Machine::default()
    }
}

fn functional() -> Machine {
    Machine {
        functional: true,
        ..Machine::default()
    }
}

// ---- running --------------------------------------------------------------------------------

/// One printed figure: `<name> <param> <value>`.
#[derive(Debug)]
struct Figure {
    name: String,
    param: String,
    value: i64,
}

/// What a guest printed.
struct Output {
    label: String,
    figures: Vec<Figure>,
    /// The `--stats -` table, when the run printed one.
    table: String,
}

impl Output {
    /// The value of `name param`, panicking with the whole output when it is missing.
    fn get(&self, name: &str, param: &str) -> i64 {
        self.figures
            .iter()
            .find(|f| f.name == name && f.param == param)
            .map(|f| f.value)
            .unwrap_or_else(|| {
                panic!(
                    "{}: the guest printed no `{name} {param} <value>` line; it printed:\n{:#?}",
                    self.label, self.figures
                )
            })
    }

    /// (param, value) of every `name` line, in printed order.
    fn all(&self, name: &str) -> Vec<(&str, i64)> {
        self.figures
            .iter()
            .filter(|f| f.name == name)
            .map(|f| (f.param.as_str(), f.value))
            .collect()
    }
}

/// Guard against a guest that never ends (the largest, chase, runs about 10 M instructions).
const MAX_INSNS: &str = "200000000";

/// Run `program` on the `hartlab` binary, under `machine` written to a config file, or with
/// no `--config` at all (the documented defaults) when `machine` is `None`. Panics with the
/// status, stderr, console and configuration unless the guest passes.
fn run(program: Program, label: &str, machine: Option<&Machine>) -> Output {
    let elf = program.elf();
    let label = format!("{} [{label}]", program.name());
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_hartlab"));
    cmd.args(["run", "--max-insns", MAX_INSNS]);
    let preset = machine.and_then(|m| m.preset);
    let config = machine.filter(|m| m.preset.is_none()).map(|m| {
        static SERIAL: AtomicUsize = AtomicUsize::new(0);
        let dir = repo_root().join("target").join("timing");
        std::fs::create_dir_all(&dir).expect("create target/timing");
        let path = dir.join(format!(
            "{}-{}-{}.toml",
            program.name(),
            std::process::id(),
            SERIAL.fetch_add(1, Ordering::Relaxed)
        ));
        let text = m.toml();
        std::fs::write(&path, &text).expect("write the machine config");
        (path, text)
    });
    if let Some((path, _)) = &config {
        cmd.arg("--config").arg(path);
    }
    if let Some(name) = preset {
        cmd.arg("--config")
            .arg(repo_root().join("configs").join(name))
            .args(["--stats", "-"]);
    }
    let out = cmd
        .arg(elf)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run the hartlab binary");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let config_text = match &config {
        Some((path, text)) => {
            let _ = std::fs::remove_file(path);
            text.clone()
        }
        None => match preset {
            Some(name) => format!("configs/{name}\n"),
            None => "(none: no --config, the documented defaults)\n".into(),
        },
    };
    assert!(
        out.status.success(),
        "{label}: hartlab {} exited with {}\n--- stderr:\n{}--- console:\n{stdout}--- config:\n{config_text}",
        elf.display(),
        out.status,
        String::from_utf8_lossy(&out.stderr),
    );
    // With `--stats -` the statistics table follows the guest's output.
    let (console, table) = match stdout.find(STATS_BEGIN) {
        Some(i) => stdout.split_at(i),
        None => (stdout.as_str(), ""),
    };
    let figures = console
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let f: Vec<&str> = line.split_whitespace().collect();
            match f[..] {
                [name, param, value] if value.parse::<i64>().is_ok() => Figure {
                    name: name.into(),
                    param: param.into(),
                    value: value.parse().unwrap(),
                },
                _ => panic!("{label}: unexpected console line {line:?}; console:\n{stdout}"),
            }
        })
        .collect();
    Output {
        label,
        figures,
        table: table.to_string(),
    }
}

/// First line of the `--stats -` table.
const STATS_BEGIN: &str = "---------- Begin Simulation Statistics";

/// Printed x100 value as cycles.
fn cycles(x100: i64) -> f64 {
    x100 as f64 / 100.0
}

/// Whether `measured` is within the tolerance of `expected` cycles: 0.2 % + 0.1 cycle (the
/// printed values are rounded to 0.01 cycle; an off-by-one latency is always outside).
fn close(measured: f64, expected: f64) -> bool {
    (measured - expected).abs() <= 0.002 * expected.abs() + 0.1
}

// ---- chase ----------------------------------------------------------------------------------

/// The working-set sizes chase prints.
const CHASE_SIZES: std::ops::RangeInclusive<u32> = 12..=23; // 4 KiB ..= 8 MiB, as log2

/// Where a working set of `size` bytes must be served from under `m`, if that is clear-cut.
///
/// The first three classes are the wide ones: well inside the L1D, well between the levels,
/// far beyond the L2. The chase walks a random cycle, so with true-LRU caches (and nothing
/// else touching data memory during the measurement) the cut is in fact sharp: a set that
/// has to hold more lines than it has ways misses on every access, and the two `LRU` classes
/// check that at twice the capacity.
fn chase_expectation(size: u64, m: &Machine) -> Option<(&'static str, f64)> {
    let l1 = m.l1d.hit_cycles as f64;
    let l2 = l1 + m.l2.hit_cycles as f64;
    let dram = l2 + m.dram_latency_cycles as f64;
    if size <= m.l1d.size / 2 {
        Some(("L1 hit", l1))
    } else if size >= 4 * m.l1d.size && size <= m.l2.size / 4 {
        Some(("L2 hit", l2))
    } else if size >= 8 * m.l2.size {
        Some(("DRAM", dram))
    } else if size >= 2 * m.l1d.size && size <= m.l2.size / 2 {
        Some(("L2 hit (LRU)", l2))
    } else if size >= 2 * m.l2.size {
        Some(("DRAM (LRU)", dram))
    } else {
        None
    }
}

fn chase(label: &str, machine: Option<&Machine>) -> Output {
    let m = machine.copied().unwrap_or_default();
    let out = run(Program::Chase, label, machine);
    let mut table = format!(
        "{}: cycles per dependent load ({})\n      bytes  measured  expected\n",
        out.label,
        m.describe()
    );
    let mut failures = Vec::new();
    let mut classes = Vec::new();
    let mut previous: Option<(u64, f64)> = None;
    for log2 in CHASE_SIZES {
        let size = 1u64 << log2;
        let measured = cycles(out.get("chase", &size.to_string()));
        let expectation = chase_expectation(size, &m);
        let verdict = match expectation {
            Some((class, expected)) => {
                classes.push(class.split(' ').next().unwrap());
                if close(measured, expected) {
                    format!("{expected:>8.2}  {class}")
                } else {
                    failures.push(size);
                    format!("{expected:>8.2}  {class}   <-- WRONG")
                }
            }
            None => "       -  (between levels: not checked)".into(),
        };
        // A larger working set never gets faster.
        if let Some((prev_size, prev)) = previous {
            if measured < prev - 0.1 {
                failures.push(size);
                table.push_str(&format!(
                    "  (faster than the {prev_size}-byte working set: {measured:.2} < {prev:.2})\n"
                ));
            }
        }
        previous = Some((size, measured));
        table.push_str(&format!("{size:>11}  {measured:>8.2}  {verdict}\n"));
    }
    for class in ["L1", "L2", "DRAM"] {
        assert!(
            classes.contains(&class),
            "test design: no chase size falls in the {class} class for this configuration:\n{table}"
        );
    }
    assert!(
        failures.is_empty(),
        "chase latencies do not match the configuration (tolerance 0.2 % + 0.1 cycle) at {failures:?}:\n{table}"
    );
    eprintln!("{table}");
    out
}

/// The acceptance run: `hartlab run --config configs/fpga-100mhz.toml --stats -` on
/// the pointer chase shows the preset's latencies, and its statistics show where the loads
/// went.
#[test]
fn chase_fpga_preset() {
    let out = chase("FPGA preset", Some(&fpga_preset()));
    let stat = |name: &str| -> u64 {
        out.table
            .lines()
            .find(|l| l.split_whitespace().next() == Some(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("no {name} in the statistics table:\n{}", out.table))
    };
    let (hits, misses) = (stat("hart0.l1d.hits"), stat("hart0.l1d.misses"));
    assert!(
        misses > 100_000 && hits > misses,
        "L1 D {hits} hits, {misses} misses"
    );
    assert!(stat("l2.misses") > 50_000, "{}", out.table);
    assert!(stat("hart0.pipeline.mem_stalls") > stat("hart0.pipeline.fetch_stalls"));
}

#[test]
fn chase_default_hierarchy() {
    chase("defaults", None);
}

#[test]
fn chase_slow_memory() {
    chase("slow L2 and DRAM", Some(&slow_memory()));
}

#[test]
fn chase_small_caches() {
    chase("small caches", Some(&small_caches()));
}

// ---- mulchain -------------------------------------------------------------------------------

fn mulchain(label: &str, machine: Option<&Machine>) {
    let m = machine.copied().unwrap_or_default();
    let out = run(Program::Mulchain, label, machine);
    let expected = [
        ("mul_dep", m.mul_latency as f64, "mul_latency"),
        ("mul_indep", m.mul_interval as f64, "mul_interval"),
        (
            "div_dep",
            m.div_cycles(),
            "div_overhead + ceil(64 / div_bits_per_cycle)",
        ),
        (
            "div_indep",
            m.div_cycles(),
            "the same: the divider is not pipelined",
        ),
    ];
    let mut table = format!("{}: cycles per instruction ({})\n", out.label, m.describe());
    let mut wrong = Vec::new();
    for (param, want, why) in expected {
        let got = cycles(out.get("mulchain", param));
        let ok = close(got, want);
        if !ok {
            wrong.push(param);
        }
        table.push_str(&format!(
            "  {param:<10} {got:>7.2}  expected {want:>6.2} = {why}{}\n",
            if ok { "" } else { "   <-- WRONG" }
        ));
    }
    assert!(
        wrong.is_empty(),
        "multiplier/divider timing does not match the configuration at {wrong:?}:\n{table}"
    );
    eprintln!("{table}");
}

#[test]
fn mulchain_default_units() {
    mulchain("defaults", None);
}

#[test]
fn mulchain_slow_units() {
    let m = Machine {
        mul_latency: 6,
        div_bits_per_cycle: 1,
        ..Machine::default()
    };
    mulchain("mul_latency 6, div_bits_per_cycle 1", Some(&m));
}

#[test]
fn mulchain_iterative_units() {
    let m = Machine {
        mul_latency: 4,
        mul_interval: 2,
        div_overhead: 3,
        div_bits_per_cycle: 4,
        ..Machine::default()
    };
    mulchain("mul 4/2, div 3+64/4", Some(&m));
}

// ---- branch ---------------------------------------------------------------------------------

// The branch program's patterns, replayed on the host (keep in step with
// tests/guest/timing/branch.c; its `branch_taken` lines check that we are).
const BRANCH_N1: usize = 1024;
const BRANCH_N2: usize = 3072;
const BRANCH_SEED: u64 = 0x9E37_79B9_7F4A_7C15;
const PATTERNS: [&str; 4] = ["always", "alternate", "period8", "random"];

fn xorshift64(x: &mut u64) -> u64 {
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    *x
}

/// Outcomes (true = taken) of the pattern branch over iterations 0..N2.
fn branch_pattern(name: &str) -> Vec<bool> {
    let mut rng = BRANCH_SEED;
    let mut p: Vec<bool> = (0..BRANCH_N2)
        .map(|i| {
            let r = xorshift64(&mut rng);
            let t = match name {
                "always" => true,
                "alternate" => i % 2 == 0,
                "period8" => i % 8 != 7,
                "random" => r >> 63 == 1,
                _ => unreachable!(),
            };
            // The lead-in N, N, N, T.
            match i {
                0..=2 => false,
                3 => true,
                _ => t,
            }
        })
        .collect();
    p[BRANCH_N1 - 1] = p[BRANCH_N2 - 1];
    p
}

/// Mispredictions of the pattern branch in the measured iterations N1..N2 of a run of N2
/// iterations under a bimodal predictor: a 2-bit saturating counter (0, 1 predict not
/// taken; 2, 3 taken if the BTB holds the branch), the BTB filled by taken outcomes. The
/// loop's other branches are within 64 bytes, so they alias neither its counter nor its BTB
/// entry. Whatever state earlier code left (every counter value, BTB entry or not), the
/// lead-in makes the answer the same; this is checked.
///
/// For `alternate` the answer is every iteration. The lead-in N, N, N drives the counter to
/// 0 and the T at i = 3 to 1 (and fills the BTB). Then T at 1: predicted not taken, wrong,
/// counter 2; N at 2: predicted taken (BTB hit), wrong, counter 1; and so on: the counter
/// oscillates between weakly-not-taken and weakly-taken and each prediction is the previous
/// outcome, always wrong. (The same as a fresh branch starting weakly not-taken meeting
/// T, N, T, N, ...)
fn bimodal_mispredicts(pattern: &[bool]) -> usize {
    let mut answers = Vec::new();
    for counter0 in 0u8..4 {
        for btb0 in [false, true] {
            let (mut counter, mut btb, mut wrong) = (counter0, btb0, 0);
            for (i, &taken) in pattern.iter().enumerate() {
                let predicted = counter >= 2 && btb;
                if i >= BRANCH_N1 && predicted != taken {
                    wrong += 1;
                }
                counter = if taken {
                    (counter + 1).min(3)
                } else {
                    counter.saturating_sub(1)
                };
                btb |= taken;
            }
            answers.push(wrong);
        }
    }
    assert!(
        answers.iter().all(|&a| a == answers[0]),
        "test design: the lead-in does not make the bimodal figure independent of history: {answers:?}"
    );
    answers[0]
}

/// Mispredictions in N1..N2 under static BTFN: the pattern branch jumps forward, so it is
/// predicted not taken, and wrong whenever it is taken.
fn static_mispredicts(pattern: &[bool]) -> usize {
    pattern[BRANCH_N1..].iter().filter(|&&t| t).count()
}

/// Runs the branch program at penalties 3 and 13 under `predictor`; the misprediction rate of
/// each pattern is the difference in cycles per iteration over the difference in penalty.
fn branch(predictor: Predictor) {
    let (low, high) = (3, 13);
    let machine = |penalty| Machine {
        predictor,
        mispredict_penalty: penalty,
        ..Machine::default()
    };
    let (m_low, m_high) = (machine(low), machine(high));
    let lo = run(
        Program::Branch,
        &format!("{predictor:?}, penalty {low}"),
        Some(&m_low),
    );
    let hi = run(
        Program::Branch,
        &format!("{predictor:?}, penalty {high}"),
        Some(&m_high),
    );
    let segment = (BRANCH_N2 - BRANCH_N1) as f64;
    let mut table = format!(
        "branch, {predictor:?} predictor: cycles per iteration at penalty {low} and {high}\n  \
         pattern     p={low:<5} p={high:<5} rate  expected   base (cycles - rate x penalty)\n"
    );
    let mut wrong = Vec::new();
    let mut bases = Vec::new();
    for name in PATTERNS {
        let pattern = branch_pattern(name);
        let taken = static_mispredicts(&pattern);
        for out in [&lo, &hi] {
            assert_eq!(
                out.get("branch_taken", name),
                taken as i64,
                "{}: the host replay of the `{name}` pattern is out of step with branch.c",
                out.label
            );
        }
        let expected_wrong = match predictor {
            Predictor::Bimodal => bimodal_mispredicts(&pattern),
            Predictor::Static => static_mispredicts(&pattern),
        };
        let expected = expected_wrong as f64 / segment;
        let (c_lo, c_hi) = (
            cycles(lo.get("branch", name)),
            cycles(hi.get("branch", name)),
        );
        let rate = (c_hi - c_lo) / (high - low) as f64;
        let base = c_lo - rate * low as f64;
        bases.push(base);
        // Printed values are rounded to 0.01 cycle: the rate to about 0.001.
        let ok = (rate - expected).abs() <= 0.005;
        if !ok {
            wrong.push(name);
        }
        table.push_str(&format!(
            "  {name:<10} {c_lo:>7.2} {c_hi:>7.2}  {rate:>5.3}  {expected:>5.3}  {base:>7.2}{}\n",
            if ok { "" } else { "   <-- WRONG" }
        ));
    }
    // What the patterns are for, on the replay itself (a test-design check): a bimodal
    // predictor gets `always` right, `alternate` always wrong, a fair coin half wrong; BTFN
    // gets this forward branch wrong whenever it is taken.
    let replay = |name: &str| {
        let p = branch_pattern(name);
        let wrong = match predictor {
            Predictor::Bimodal => bimodal_mispredicts(&p),
            Predictor::Static => static_mispredicts(&p),
        };
        wrong as f64 / segment
    };
    match predictor {
        Predictor::Bimodal => {
            assert_eq!(replay("always"), 0.0, "test design");
            assert_eq!(replay("alternate"), 1.0, "test design");
            assert_eq!(replay("period8"), 1.0 / 8.0, "test design");
            assert!((replay("random") - 0.5).abs() <= 0.1, "test design");
        }
        Predictor::Static => {
            assert_eq!(replay("always"), 1.0, "test design");
            assert_eq!(replay("alternate"), 0.5, "test design");
            assert_eq!(replay("period8"), 7.0 / 8.0, "test design");
            assert!((replay("random") - 0.5).abs() <= 0.1, "test design");
        }
    }
    assert!(
        wrong.is_empty(),
        "misprediction rates (cycles at penalty {high} - at {low}) / {}) do not match a {predictor:?} \
         predictor for {wrong:?}:\n{table}",
        high - low
    );
    // Both paths through the loop are six instructions with no stall: apart from
    // mispredictions every pattern costs the same. (This also catches a misprediction that
    // costs a fixed amount on top of `mispredict_penalty`, which the rate cannot see.)
    let spread = bases.iter().cloned().fold(f64::MIN, f64::max)
        - bases.iter().cloned().fold(f64::MAX, f64::min);
    assert!(
        spread <= 0.02,
        "the cost per iteration without mispredictions (cycles - rate x penalty) differs between \
         patterns by {spread:.2} cycles: either the taken and not-taken paths of the loop cost \
         differently or a misprediction costs more than mispredict_penalty:\n{table}"
    );
    eprintln!("{table}");
}

#[test]
fn branch_bimodal() {
    branch(Predictor::Bimodal);
}

#[test]
fn branch_static() {
    branch(Predictor::Static);
}

// ---- functional mode ------------------------------------------------------------------------

/// In functional mode every instruction is one cycle and there are no caches: every chase
/// size measures the same figure, one instruction per extra load; so do the multiplier and
/// divider; the branch loop is six instructions per iteration whatever the pattern.
#[test]
fn functional_mode_is_one_cycle_per_instruction() {
    let m = functional();
    let chase = run(Program::Chase, "functional", Some(&m));
    let sizes = chase.all("chase");
    assert_eq!(
        sizes.len(),
        CHASE_SIZES.count(),
        "{}: expected one line per size: {sizes:?}",
        chase.label
    );
    assert!(
        sizes.iter().all(|&(_, v)| v == sizes[0].1),
        "{}: in functional mode every working-set size must measure the same (no caches), got \
         (bytes, cycles x 100): {sizes:?}",
        chase.label
    );
    assert!(
        sizes.iter().all(|&(_, v)| v == 100),
        "{}: in functional mode a chase figure is one instruction per extra load (100), got \
         (bytes, cycles x 100): {sizes:?}",
        chase.label
    );
    let mul = run(Program::Mulchain, "functional", Some(&m));
    let figures = mul.all("mulchain");
    assert!(
        figures.len() == 4 && figures.iter().all(|&(_, v)| v == 100),
        "{}: in functional mode every mulchain figure is one cycle per instruction (100), got: \
         {figures:?}",
        mul.label
    );
    let branch = run(Program::Branch, "functional", Some(&m));
    let figures = branch.all("branch");
    assert!(
        figures.len() == PATTERNS.len() && figures.iter().all(|&(_, v)| v == 600),
        "{}: in functional mode every branch pattern costs six instructions per iteration (600), \
         got: {figures:?}",
        branch.label
    );
}

// ---- tlb ------------------------------------------------------------------------------------

/// The page counts the tlb program chases over (`tests/guest/timing/tlb.c`).
const TLB_PAGES: [u64; 6] = [8, 16, 32, 64, 128, 256];

/// Iterations of the tlb program's timed loops as normally built (its default `TLB_ITERS`),
/// and in the variant whose statistics the tests subtract from the normal build's.
const TLB_ITERS: u64 = 1024;
const TLB_ITERS_SHORT: u64 = 512;

/// The tlb program's three chases.
#[derive(Clone, Copy, Debug)]
enum TlbChase {
    /// One node per 4 KiB page: N pages, N DTLB entries.
    Pages,
    /// One node per 2 MiB megapage: N entries.
    Superpages,
    /// N nodes 4 KiB apart inside one megapage: one entry.
    OneSuperpage,
}

const TLB_CHASES: [TlbChase; 3] = [
    TlbChase::Pages,
    TlbChase::Superpages,
    TlbChase::OneSuperpage,
];

impl TlbChase {
    /// The name of its figures.
    fn name(self) -> &'static str {
        match self {
            TlbChase::Pages => "tlb",
            TlbChase::Superpages => "tlb_superpage",
            TlbChase::OneSuperpage => "tlb_one_superpage",
        }
    }

    /// DTLB entries a chase over `pages` nodes needs.
    fn entries(self, pages: u64) -> u64 {
        match self {
            TlbChase::Pages | TlbChase::Superpages => pages,
            TlbChase::OneSuperpage => 1,
        }
    }

    /// PTE reads of a walk: down to level 0 for a 4 KiB page, to level 1 for a megapage.
    fn walk_reads(self) -> u64 {
        match self {
            TlbChase::Pages => 3,
            TlbChase::Superpages | TlbChase::OneSuperpage => 2,
        }
    }
}

/// The tlb program, built with `TLB_ITERS = iters` (once per test binary and count).
fn tlb_elf(iters: u64) -> &'static Path {
    static BUILT: [OnceLock<PathBuf>; 2] = [OnceLock::new(), OnceLock::new()];
    let slot = match iters {
        TLB_ITERS => 0,
        TLB_ITERS_SHORT => 1,
        _ => unreachable!("no tlb build with {iters} iterations"),
    };
    BUILT[slot].get_or_init(|| {
        let root = repo_root();
        let sources = [
            root.join("tests/guest/timing/tlb.c"),
            root.join("tests/guest/diff/crt0.S"),
            root.join("tests/guest/diff/rt.c"),
        ];
        let sources: Vec<&Path> = sources.iter().map(PathBuf::as_path).collect();
        let diff = format!("-I{}", root.join("tests/guest/diff").display());
        let timing = format!("-I{}", root.join("tests/guest/timing").display());
        let define = format!("-DTLB_ITERS={iters}");
        build_guest(
            &format!("timing-tlb-{iters}"),
            &sources,
            &[&diff, &timing, &define, "-Wall"],
        )
    })
}

/// A machine for the tlb program: the `Machine` keys plus the data TLB's geometry.
#[derive(Clone, Copy, Debug)]
struct TlbMachine {
    machine: Machine,
    dtlb_entries: u32,
    dtlb_ways: u32,
}

impl Default for TlbMachine {
    /// The documented defaults: a 32-entry fully associative DTLB.
    fn default() -> Self {
        TlbMachine {
            machine: Machine::default(),
            dtlb_entries: 32,
            dtlb_ways: 32,
        }
    }
}

impl TlbMachine {
    fn toml(&self) -> String {
        format!(
            "{}\n[mmu]\ndtlb_entries = {}\ndtlb_ways = {}\n",
            self.machine.toml(),
            self.dtlb_entries,
            self.dtlb_ways
        )
    }

    fn describe(&self) -> String {
        format!(
            "{}; DTLB {} entries, {} ways",
            self.machine.describe(),
            self.dtlb_entries,
            self.dtlb_ways
        )
    }
}

/// Where the tlb program's working set (its 256 data lines and the page-table lines its
/// walks read) is served from in steady state.
#[derive(Clone, Copy, Debug)]
struct TlbLines {
    /// Cycles of one access (a load's latency, or the charge of one PTE read).
    cycles: f64,
    /// Every access hits the L1 D (else every access misses it and hits the L2).
    in_l1: bool,
    why: &'static str,
}

/// Where the tlb program's working set is served from under `m`.
///
/// Either the working set fits the L1 D: with 64-byte lines and at most 64 sets, the set of
/// a line of a 4 KiB-aligned page is its index in the page modulo the sets, so the guest's
/// layout puts data node k in set (k % 63 + 1) % sets, and the walks of the 4 KiB chase read
/// line 0 of the root and of the level-1 table and lines 0..32 of the level-0 table (the
/// megapage chase reads one line fewer); with true LRU and no set holding more of these than
/// it has ways, every access hits. Or the L1 D is a single line: every access is to another
/// line than the one before (node, root PTE, level-1 PTE, level-0 PTE, next node), so every
/// access misses and hits in the L2, which holds everything.
fn tlb_lines(m: &Machine) -> TlbLines {
    const LINE: u64 = 64;
    let l1 = m.l1d.hit_cycles as f64;
    if m.l1d.size == LINE {
        return TlbLines {
            cycles: l1 + m.l2.hit_cycles as f64,
            in_l1: false,
            why: "a one-line L1 D: every access an L2 hit",
        };
    }
    let sets = m.l1d.size / LINE / m.l1d.ways as u64;
    assert!(
        sets.is_power_of_two() && sets <= 4096 / LINE,
        "test design: no expectation for an L1 D of {sets} sets"
    );
    let mut per_set = vec![0u32; sets as usize];
    for k in 0..256 {
        per_set[((k % 63 + 1) % sets) as usize] += 1;
    }
    per_set[0] += 2; // the root's and the level-1 table's line 0
    for j in 0..32 {
        per_set[(j % sets) as usize] += 1; // the level-0 table
    }
    let fullest = *per_set.iter().max().unwrap();
    assert!(
        fullest <= m.l1d.ways,
        "test design: the tlb working set puts {fullest} lines in one L1 D set of {} ways",
        m.l1d.ways
    );
    TlbLines {
        cycles: l1,
        in_l1: true,
        why: "the working set fits the L1 D: every access an L1 hit",
    }
}

/// Expected cycles per load of `chase` over `pages` nodes under `t`: one access to the node's
/// line, plus, when the chase needs more entries than the DTLB holds, a walk of
/// `walk_reads()` PTE reads, each an access like the node's (the walk has no other cost).
/// With true LRU and the same cyclic order every pass, a chase either fits (every load hits
/// after the warm-up) or every load misses.
fn tlb_expected(chase: TlbChase, pages: u64, t: &TlbMachine) -> (f64, bool) {
    assert_eq!(
        t.dtlb_entries, t.dtlb_ways,
        "test design: expectations assume a fully associative DTLB"
    );
    let access = tlb_lines(&t.machine).cycles;
    let misses = chase.entries(pages) > t.dtlb_entries as u64;
    let reads = if misses { 1 + chase.walk_reads() } else { 1 };
    (access * reads as f64, misses)
}

/// Run the tlb program built with `iters` timed iterations on the `hartlab` binary with
/// `--stats FILE`, under `machine` (or no `--config`: the documented defaults); returns its
/// figures and statistics. Panics with the status, stderr, console and configuration
/// unless the guest passes.
fn run_tlb(iters: u64, label: &str, machine: Option<&TlbMachine>) -> (Output, serde_json::Value) {
    static SERIAL: AtomicUsize = AtomicUsize::new(0);
    let elf = tlb_elf(iters);
    let label = format!("tlb [{label}, TLB_ITERS {iters}]");
    let dir = repo_root().join("target").join("timing");
    std::fs::create_dir_all(&dir).expect("create target/timing");
    let stem = format!(
        "tlb-{}-{}",
        std::process::id(),
        SERIAL.fetch_add(1, Ordering::Relaxed)
    );
    let stats_path = dir.join(format!("{stem}.json"));
    let config = machine.map(|m| {
        let path = dir.join(format!("{stem}.toml"));
        let text = m.toml();
        std::fs::write(&path, &text).expect("write the machine config");
        (path, text)
    });
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_hartlab"));
    cmd.args(["run", "--max-insns", MAX_INSNS]);
    if let Some((path, _)) = &config {
        cmd.arg("--config").arg(path);
    }
    let out = cmd
        .arg("--stats")
        .arg(&stats_path)
        .arg(elf)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run the hartlab binary");
    let console = String::from_utf8_lossy(&out.stdout).into_owned();
    let config_text = match &config {
        Some((path, text)) => {
            let _ = std::fs::remove_file(path);
            text.clone()
        }
        None => "(none: no --config, the documented defaults)\n".into(),
    };
    let stats = std::fs::read_to_string(&stats_path);
    let _ = std::fs::remove_file(&stats_path);
    assert!(
        out.status.success(),
        "{label}: hartlab {} exited with {}\n--- stderr:\n{}--- console:\n{console}--- config:\n{config_text}",
        elf.display(),
        out.status,
        String::from_utf8_lossy(&out.stderr),
    );
    let stats: serde_json::Value = serde_json::from_str(&stats.expect("read the statistics"))
        .expect("the statistics are JSON");
    let figures = console
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(
            |line| match line.split_whitespace().collect::<Vec<_>>()[..] {
                [name, param, value] if value.parse::<i64>().is_ok() => Figure {
                    name: name.into(),
                    param: param.into(),
                    value: value.parse().unwrap(),
                },
                _ => panic!("{label}: unexpected console line {line:?}; console:\n{console}"),
            },
        )
        .collect();
    let output = Output {
        label,
        figures,
        table: String::new(),
    };
    (output, stats)
}

/// A counter of hart 0 in `--stats` JSON, e.g. `("dtlb", "walk_cycles")`.
fn hart0_stat(stats: &serde_json::Value, group: &str, name: &str) -> u64 {
    stats["harts"][0][group][name]
        .as_u64()
        .unwrap_or_else(|| panic!("no harts[0].{group}.{name} in the statistics:\n{stats:#}"))
}

/// Runs the tlb program under `machine` (`None`: no `--config`, the defaults) and checks
///
/// * every figure against [`tlb_expected`];
/// * the statistics of the run minus those of the build with fewer timed iterations: those
///   extra iterations are `(TLB_ITERS - TLB_ITERS_SHORT) x 48` loads per chase and nothing
///   else (every chase starts from an SFENCE.VMA, so what precedes its timed loops is the
///   same in both builds), so the DTLB must count exactly one miss and a walk of
///   `walk_reads()` charged accesses for each such load of a chase that misses, one hit for
///   each of the others, and the L1 D (and L2) must see exactly the loads and PTE reads, served
///   where [`tlb_lines`] says; no extra fetch misses the ITLB;
/// * over the whole run, the ITLB misses only once after each SFENCE.VMA (code and stack are
///   one gigapage).
fn tlb(label: &str, machine: Option<&TlbMachine>) {
    let t = machine.copied().unwrap_or_default();
    let (out, stats) = run_tlb(TLB_ITERS, label, machine);
    let (short, short_stats) = run_tlb(TLB_ITERS_SHORT, label, machine);
    let lines = tlb_lines(&t.machine);
    let (access, served) = (lines.cycles, lines.why);
    let mut table = format!(
        "{}: cycles per dependent load ({}; {served})\n  chase               pages  measured  \
         expected  (TLB_ITERS {TLB_ITERS_SHORT})\n",
        out.label,
        t.describe()
    );
    let mut wrong = Vec::new();
    // Chases in the extra iterations: those that miss, and their PTE reads per load.
    let (mut missing, mut hitting, mut walk_reads) = (0, 0, 0);
    for chase in TLB_CHASES {
        for pages in TLB_PAGES {
            let (expected, misses) = tlb_expected(chase, pages, &t);
            if misses {
                missing += 1;
                walk_reads += chase.walk_reads();
            } else {
                hitting += 1;
            }
            let param = pages.to_string();
            let measured = cycles(out.get(chase.name(), &param));
            let measured_short = cycles(short.get(chase.name(), &param));
            let ok = close(measured, expected) && close(measured_short, expected);
            if !ok {
                wrong.push(format!("{} {pages}", chase.name()));
            }
            table.push_str(&format!(
                "  {:<18} {pages:>6}  {measured:>8.2}  {expected:>8.2}  ({measured_short:.2}){}{}\n",
                chase.name(),
                if misses { "  DTLB miss + walk" } else { "" },
                if ok { "" } else { "   <-- WRONG" }
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "data TLB timing does not match the configuration (tolerance 0.2 % + 0.1 cycle) at \
         {wrong:?}:\n{table}"
    );
    assert!(
        missing > 0 && hitting > 0,
        "test design: every chase fits or none does:\n{table}"
    );

    let loads = (TLB_ITERS - TLB_ITERS_SHORT) * 48;
    let delta = |group: &str, name: &str| -> i64 {
        hart0_stat(&stats, group, name) as i64 - hart0_stat(&short_stats, group, name) as i64
    };
    let reads = (loads * (missing + hitting + walk_reads)) as i64;
    let (l1_hits, l1_misses) = if lines.in_l1 { (reads, 0) } else { (0, reads) };
    let expected = [
        (
            "dtlb",
            "misses",
            (loads * missing) as i64,
            "one per load of a missing chase",
        ),
        (
            "dtlb",
            "hits",
            (loads * hitting) as i64,
            "one per load of a fitting chase",
        ),
        (
            "dtlb",
            "walk_cycles",
            (loads * walk_reads) as i64 * access as i64,
            "3 (4 KiB) or 2 (2 MiB) PTE reads per miss",
        ),
        ("itlb", "misses", 0, "the loop's code is one gigapage"),
        ("l1d", "hits", l1_hits, served),
        ("l1d", "misses", l1_misses, served),
    ];
    let mut counts = format!(
        "statistics of TLB_ITERS {TLB_ITERS} minus TLB_ITERS {TLB_ITERS_SHORT}: {loads} more loads \
         per chase, {missing} chases missing ({walk_reads} PTE reads per load in all), {hitting} \
         fitting\n"
    );
    let mut wrong = Vec::new();
    for (group, name, want, why) in expected {
        let got = delta(group, name);
        counts.push_str(&format!(
            "  {group}.{name:<12} {got:>10}  expected {want:>10}  ({why}){}\n",
            if got == want { "" } else { "   <-- WRONG" }
        ));
        if got != want {
            wrong.push(format!("{group}.{name}"));
        }
    }
    let l2 = |s: &serde_json::Value, name: &str| -> i64 {
        s["l2"][name]
            .as_u64()
            .unwrap_or_else(|| panic!("no l2.{name} in the statistics:\n{s:#}")) as i64
    };
    let l2_misses = l2(&stats, "misses") - l2(&short_stats, "misses");
    counts.push_str(&format!(
        "  l2.misses         {l2_misses:>10}  expected          0  (the L2 holds everything)\n"
    ));
    if l2_misses != 0 {
        wrong.push("l2.misses".into());
    }
    // Over the whole run: the satp write and every chase's SFENCE.VMA leave the ITLB empty,
    // and the next fetch fills the code's gigapage entry; nothing else misses.
    let flushes = hart0_stat(&stats, "itlb", "flushes");
    let itlb_misses = hart0_stat(&stats, "itlb", "misses");
    counts.push_str(&format!(
        "  whole run: itlb.misses {itlb_misses}, at most {} (one after satp is set and one \
         after each of {flushes} SFENCE.VMA)\n",
        flushes + 1
    ));
    if itlb_misses > flushes + 1 {
        wrong.push("whole-run itlb.misses".into());
    }
    assert!(
        wrong.is_empty(),
        "{}: the statistics do not account for the DTLB misses as the model specifies at \
         {wrong:?}:\n{counts}\n{table}",
        out.label
    );
    eprintln!("{table}{counts}");
}

#[test]
fn tlb_default_dtlb() {
    tlb("defaults", None);
}

/// 64 entries, and a slower L1 D that every PTE read pays: 4 KiB chases up to 64 pages fit,
/// a miss costs 3 x 3 cycles.
#[test]
fn tlb_64_entries_slower_l1() {
    let d = Machine::default();
    let t = TlbMachine {
        machine: Machine {
            l1d: Cache {
                hit_cycles: 3,
                ..d.l1d
            },
            ..d
        },
        dtlb_entries: 64,
        dtlb_ways: 64,
    };
    tlb("64-entry DTLB, 3-cycle L1 D", Some(&t));
}

/// A one-line L1 D: every load and every PTE read misses it and hits in the L2, so a walk
/// costs 3 (or 2) x (L1 + L2) cycles: PTE reads go through the cache hierarchy.
#[test]
fn tlb_walks_through_l2() {
    let d = Machine::default();
    let t = TlbMachine {
        machine: Machine {
            l1d: Cache {
                size: 64,
                ways: 1,
                hit_cycles: 2,
            },
            ..d
        },
        ..TlbMachine::default()
    };
    tlb("one-line L1 D", Some(&t));
}

/// In functional mode there are no TLBs or caches: every tlb figure is one instruction per
/// extra load.
#[test]
fn tlb_functional_mode() {
    let t = TlbMachine {
        machine: functional(),
        ..TlbMachine::default()
    };
    let (out, stats) = run_tlb(TLB_ITERS, "functional", Some(&t));
    for chase in TLB_CHASES {
        let figures = out.all(chase.name());
        assert!(
            figures.len() == TLB_PAGES.len() && figures.iter().all(|&(_, v)| v == 100),
            "{}: in functional mode every {} figure is 1.00 (100), got (pages, cycles x 100): \
             {figures:?}",
            out.label,
            chase.name()
        );
    }
    assert_eq!(
        hart0_stat(&stats, "dtlb", "misses") + hart0_stat(&stats, "dtlb", "hits"),
        0,
        "{}: no DTLB lookups in functional mode",
        out.label
    );
}
