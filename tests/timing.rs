//! The timing model measured back from inside the guest. Three bare-metal micro-benchmarks
//! (`tests/guest/timing/`) time themselves with `mcycle` and print cycles x 100; each test runs
//! one of them on the `hartlab` binary under a machine configuration and checks every figure
//! against what that configuration says it should be:
//!
//! | program    | measures                                  | expected                          |
//! |------------|-------------------------------------------|-----------------------------------|
//! | chase      | cycles per dependent load vs. working set | L1 hit, L1 + L2, L1 + L2 + DRAM   |
//! | mulchain   | dependent / independent MUL and DIV       | mul latency, mul interval, div    |
//! | branch     | cycles per iteration of a patterned branch| misprediction rate x penalty      |
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
