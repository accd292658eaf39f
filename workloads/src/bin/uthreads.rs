//! Preemptible user threads (`ulib::uthread`) under each preemption mechanism and policy:
//! their costs, Shinjuku's bimodal mix, and a self test. For `experiments/preemption.toml`
//! and `tests/uthreads.rs`.
//!
//! ```text
//! uthreads op=bimodal|overhead|switch|accuracy|selftest mechanism=utimer|uipi|upcall|cooperative
//!          policy=fifo|rr|priority|linux011 quantum_us=Q tasks=N seed=S stack_kib=K workers=W
//! ```
//!
//! `workers=W` runs the tasks on W threads of the process (one per hart) from one shared run
//! queue, each preempted by its own user timer (`utimer` or `cooperative` only).
//!
//! | op | what |
//! | --- | --- |
//! | `bimodal` | N tasks, exactly round(0.005 N) of 500 µs of work at positions drawn from the seed and the rest of 0.5 µs, spawned by one root task; each task's completion time (spawn to end) |
//! | `overhead` | Aspen's preemption cost: N tasks of `work_us` each, run cooperatively under FIFO and then under the mechanism and policy; (time with − time without) / preemptions |
//! | `switch` | a voluntary switch: N tasks yielding `rounds` times each, cooperatively |
//! | `accuracy` | embassy_preempt's timer accuracy: how late a task's 50 ms sleep ends while 6 busy tasks run |
//! | `selftest` | checks the framework under the mechanism and policy; exits 1 on a failure |
//!
//! Work is a calibrated loop (iterations per µs measured at the start), so a task's work
//! takes the same instructions however often it is preempted.
//!
//! Samples (hartlab's simulator-control device):
//!
//! | key | value |
//! | --- | --- |
//! | 0 | `bimodal`: completion time of a short task, ns (at most 4000 per run, evenly spread) |
//! | 1 | `bimodal`: completion time of a long task, ns (at most 4000 per run) |
//! | 2 | timeout rate, ppm (preemptions / switches) |
//! | 3 | switches |
//! | 4 | preemptions |
//! | 5 | run time, ns |
//! | 6 | throughput, tasks per second |
//! | 7 | delay from a quantum's deadline to the next task running, ns (per preemption, at most 4000) |
//! | 8 | memory per task: task table plus the most stacks in use at once, over N, bytes |
//! | 9 | stacks in use at most at once |
//! | 10 | `overhead`: preemption cost, ns per preemption |
//! | 11 | `switch`: ns per voluntary switch |
//! | 12 | `accuracy`: how late the 50 ms sleep ended, ns |
//! | 13 | `bimodal`: scheduling cost per task: (run time − the tasks' nominal work) / N, ns (one worker; 0 when several run the work in parallel) |

#![no_std]
#![no_main]

extern crate alloc;

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::hint::black_box;
use core::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicUsize, Ordering};
use ulib::args::KeyValues;
use ulib::uthread::{self, Config, Mechanism, PolicyKind, Report};
use ulib::{io, println, sim};

ulib::main!(main);

const SHORT: u64 = 0;
const LONG: u64 = 1;
const TIMEOUT_RATE: u64 = 2;
const SWITCHES: u64 = 3;
const PREEMPTIONS: u64 = 4;
const RUN_NS: u64 = 5;
const THROUGHPUT: u64 = 6;
const LATENCY: u64 = 7;
const BYTES_PER_TASK: u64 = 8;
const STACKS: u64 = 9;
const OVERHEAD: u64 = 10;
const SWITCH_NS: u64 = 11;
const LATENESS: u64 = 12;
const COST_PER_TASK: u64 = 13;

/// Most samples of one kind per run.
const MAX_SAMPLES: u64 = 4000;

fn main(args: &[&str]) -> i32 {
    match run(args) {
        Ok(()) => 0,
        Err(e) => {
            println!("uthreads: {e}");
            1
        }
    }
}

/// The run's settings.
struct Settings {
    op: String,
    config: Config,
    tasks: u64,
    seed: u64,
    work_us: u64,
    rounds: u64,
}

fn run(args: &[&str]) -> Result<(), String> {
    let kv = KeyValues::parse(
        args,
        &[
            "op",
            "mechanism",
            "policy",
            "quantum_us",
            "tasks",
            "seed",
            "stack_kib",
            "work_us",
            "rounds",
            "workers",
        ],
    )?;
    let mechanism = kv.text("mechanism", "utimer");
    let mechanism = Mechanism::parse(mechanism).ok_or_else(|| {
        format!("mechanism: unknown `{mechanism}` (utimer, uipi, upcall, cooperative)")
    })?;
    let policy = kv.text("policy", "rr");
    let policy = PolicyKind::parse(policy)
        .ok_or_else(|| format!("policy: unknown `{policy}` (fifo, rr, priority, linux011)"))?;
    let quantum_us = kv.number("quantum_us", 100)?;
    let stack_kib = kv.number("stack_kib", 8)?;
    let workers = kv.number("workers", 1)?;
    if !(1..=uthread::MAX_WORKERS as u64).contains(&workers) {
        return Err(format!(
            "workers={workers}: need 1..={}",
            uthread::MAX_WORKERS
        ));
    }
    if quantum_us == 0 || !(1..=1024).contains(&stack_kib) {
        return Err(format!(
            "quantum_us={quantum_us} stack_kib={stack_kib}: need quantum_us > 0, stack_kib 1..=1024"
        ));
    }
    let s = Settings {
        op: String::from(kv.text("op", "bimodal")),
        config: Config {
            mechanism,
            policy,
            quantum_ns: quantum_us * 1000,
            stack_bytes: stack_kib as usize * 1024,
            capacity: 1024,
            latency_key: None,
            workers: workers as usize,
        },
        tasks: kv.number("tasks", 1000)?,
        seed: kv.number("seed", 1)?,
        work_us: kv.number("work_us", 1000)?,
        rounds: kv.number("rounds", 100)?,
    };
    calibrate();
    match s.op.as_str() {
        "bimodal" => bimodal(&s),
        "overhead" => overhead(&s),
        "switch" => switch(&s),
        "accuracy" => accuracy(&s),
        "selftest" => selftest(&s),
        op => Err(format!("op: unknown `{op}`")),
    }
}

// ---- work -------------------------------------------------------------------------------

/// Work-loop iterations per 1000 µs.
static ITERS_PER_MS: AtomicU64 = AtomicU64::new(0);

fn spin(iterations: u64) {
    let mut x = 0u64;
    for i in 0..iterations {
        x = black_box(x.wrapping_add(i));
    }
    black_box(x);
}

/// Measures the work loop's speed (no scheduler runs yet).
fn calibrate() {
    let hz = uthread::timebase_hz();
    let n = 100_000;
    let t0 = uthread::now_ticks();
    spin(n);
    let ticks = (uthread::now_ticks() - t0).max(1);
    ITERS_PER_MS.store(n * hz / 1000 / ticks, Ordering::Relaxed);
}

/// Does `ns` nanoseconds of work.
fn work_ns(ns: u64) {
    spin(ns * ITERS_PER_MS.load(Ordering::Relaxed) / 1_000_000);
}

fn ticks_to_ns(ticks: u64) -> u64 {
    (ticks as u128 * 1_000_000_000 / uthread::timebase_hz() as u128) as u64
}

fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn report_common(r: &Report, tasks: u64) {
    sim::sample(TIMEOUT_RATE, r.timeout_rate_ppm());
    sim::sample(SWITCHES, r.switches);
    sim::sample(PREEMPTIONS, r.preemptions);
    let ns = ticks_to_ns(r.ticks);
    sim::sample(RUN_NS, ns);
    sim::sample(THROUGHPUT, tasks * 1_000_000_000 / ns.max(1));
    let bytes = r.table_bytes + r.stacks_high_water * r.stack_bytes;
    sim::sample(BYTES_PER_TASK, bytes as u64 / tasks.max(1));
    sim::sample(STACKS, r.stacks_high_water as u64);
}

fn print_report(what: &str, s: &Settings, r: &Report) {
    println!(
        "uthreads {what}: mechanism={} policy={} quantum={}us tasks={} run={}us switches={} preemptions={} quantum_ends={} deferred={} stale={} stretched={} longest_quantum={}q timeout_rate={}ppm stacks={}x{}B table={}B workers={} dispatched={}",
        s.config.mechanism.name(),
        s.config.policy.name(),
        s.config.quantum_ns / 1000,
        r.spawned,
        ticks_to_ns(r.ticks) / 1000,
        r.switches,
        r.preemptions,
        r.quantum_ends,
        r.deferred,
        r.stale,
        r.stretched,
        r.longest_quantum,
        r.timeout_rate_ppm(),
        r.stacks_high_water,
        r.stack_bytes,
        r.table_bytes,
        r.workers,
        r.dispatched[..r.workers.max(1)]
            .iter()
            .map(|d| format!("{d}"))
            .collect::<Vec<_>>()
            .join("/"),
    );
}

fn run_tasks(config: &Config, root: fn(usize), arg: usize) -> Result<Report, String> {
    uthread::run(config, root, arg).map_err(|e| match e {
        uthread::Error::Absent(m, errno) => {
            format!(
                "mechanism {} is absent on this machine ({errno:?})",
                m.name()
            )
        }
        uthread::Error::Busy => String::from("a scheduler already runs"),
        uthread::Error::Workers(m, n) => format!(
            "workers={n}: mechanism {} preempts one thread; several workers need utimer or cooperative (at most {})",
            m.name(),
            uthread::MAX_WORKERS
        ),
        uthread::Error::Thread(errno) => format!("a worker thread could not be made ({errno:?})"),
    })
}

// ---- bimodal ----------------------------------------------------------------------------

/// Shinjuku's mix: a long task per 200 (0.5 %), 500 µs against 0.5 µs.
const LONG_NS: u64 = 500_000;
const SHORT_NS: u64 = 500;

/// Per task: its spawn time (ticks since the run began, low 32 bits).
static SPAWNED_AT: AtomicUsize = AtomicUsize::new(0);
static BIMODAL_TASKS: AtomicU64 = AtomicU64::new(0);
/// The long tasks' indices, ascending (a leaked slice), and how many.
static LONG_AT: AtomicUsize = AtomicUsize::new(0);
static LONG_COUNT: AtomicUsize = AtomicUsize::new(0);
static RUN_START: AtomicU64 = AtomicU64::new(0);
static SAMPLE_EVERY: AtomicU64 = AtomicU64::new(1);
/// A task's argument: its index, with this bit set for a long task.
const LONG_BIT: usize = 1 << 40;

/// How many of `n` tasks are long: round(0.005 n), so the mix is the same at every size
/// (a draw per task made the work of small runs follow the seed: 0 long tasks of 10, 2 of
/// 100, 4 of 1000).
fn long_count(n: u64) -> u64 {
    (5 * n + 500) / 1000
}

/// Which `k` of the tasks `0..n` are long, ascending: a uniform choice of `k` distinct
/// positions drawn from `seed` (Floyd's algorithm: each step adds one new position).
fn long_positions(n: u64, k: u64, seed: u64) -> Vec<u32> {
    let mut chosen: Vec<u32> = Vec::with_capacity(k as usize);
    for j in n - k..n {
        let t = (splitmix(seed ^ j.wrapping_mul(0x1000_0001)) % (j + 1)) as u32;
        let pick = match chosen.binary_search(&t) {
            Ok(_) => j as u32,
            Err(_) => t,
        };
        let at = chosen.binary_search(&pick).unwrap_err();
        chosen.insert(at, pick);
    }
    chosen
}

fn spawn_times() -> &'static [AtomicU32] {
    let n = BIMODAL_TASKS.load(Ordering::Relaxed) as usize;
    // SAFETY: `bimodal` leaked a slice of `n` words at this address for the whole run.
    unsafe {
        core::slice::from_raw_parts(SPAWNED_AT.load(Ordering::Relaxed) as *const AtomicU32, n)
    }
}

fn long_at() -> &'static [u32] {
    // SAFETY: `bimodal` leaked this slice for the whole run.
    unsafe {
        core::slice::from_raw_parts(
            LONG_AT.load(Ordering::Relaxed) as *const u32,
            LONG_COUNT.load(Ordering::Relaxed),
        )
    }
}

fn bimodal_root(_: usize) {
    let n = BIMODAL_TASKS.load(Ordering::Relaxed);
    let times = spawn_times();
    let mut longs = long_at().iter().peekable();
    let start = RUN_START.load(Ordering::Relaxed);
    for i in 0..n {
        let long = longs.next_if(|&&at| at as u64 == i).is_some();
        times[i as usize].store((uthread::now_ticks() - start) as u32, Ordering::Relaxed);
        let arg = i as usize | if long { LONG_BIT } else { 0 };
        uthread::spawn(bimodal_task, arg, uthread::PRIORITIES / 2);
    }
}

fn bimodal_task(arg: usize) {
    let long = arg & LONG_BIT != 0;
    let i = arg & !LONG_BIT;
    work_ns(if long { LONG_NS } else { SHORT_NS });
    let every = SAMPLE_EVERY.load(Ordering::Relaxed);
    if long || (i as u64).is_multiple_of(every) {
        let spawned = spawn_times()[i].load(Ordering::Relaxed) as u64;
        let now = uthread::now_ticks() - RUN_START.load(Ordering::Relaxed);
        let ns = ticks_to_ns(now.saturating_sub(spawned));
        sim::sample(if long { LONG } else { SHORT }, ns);
    }
}

fn bimodal(s: &Settings) -> Result<(), String> {
    let n = s.tasks.max(1);
    if n >= 1 << 32 {
        return Err(format!("tasks={n}: at most {} for op=bimodal", u32::MAX));
    }
    let times: Vec<AtomicU32> = (0..n).map(|_| AtomicU32::new(0)).collect();
    SPAWNED_AT.store(times.leak().as_ptr() as usize, Ordering::Relaxed);
    BIMODAL_TASKS.store(n, Ordering::Relaxed);
    let longs = long_count(n);
    let positions = long_positions(n, longs, splitmix(s.seed)).leak();
    LONG_AT.store(positions.as_ptr() as usize, Ordering::Relaxed);
    LONG_COUNT.store(positions.len(), Ordering::Relaxed);
    SAMPLE_EVERY.store(n.div_ceil(MAX_SAMPLES).max(1), Ordering::Relaxed);
    let mut config = s.config.clone();
    config.capacity = n as usize + 1;
    config.latency_key = Some(LATENCY);
    RUN_START.store(uthread::now_ticks(), Ordering::Relaxed);
    let r = run_tasks(&config, bimodal_root, 0)?;
    report_common(&r, n);
    let work_ns = longs * LONG_NS + (n - longs) * SHORT_NS;
    let run_ns = ticks_to_ns(r.ticks);
    sim::sample(COST_PER_TASK, run_ns.saturating_sub(work_ns) / n);
    print_report("bimodal", s, &r);
    println!(
        "uthreads bimodal: {longs} long tasks of {n}, {} us of work in {} us, {} ns per task beyond its work",
        work_ns / 1000,
        run_ns / 1000,
        run_ns.saturating_sub(work_ns) / n
    );
    Ok(())
}

// ---- overhead, switch, accuracy ---------------------------------------------------------

static WORK_NS: AtomicU64 = AtomicU64::new(0);
static ROOT_TASKS: AtomicU64 = AtomicU64::new(0);

fn spawn_all(entry: fn(usize)) {
    for i in 0..ROOT_TASKS.load(Ordering::Relaxed) {
        uthread::spawn(entry, i as usize, uthread::PRIORITIES / 2);
    }
}

fn worker(_: usize) {
    work_ns(WORK_NS.load(Ordering::Relaxed));
}

fn overhead_root(_: usize) {
    spawn_all(worker);
}

fn overhead(s: &Settings) -> Result<(), String> {
    ROOT_TASKS.store(s.tasks.max(1), Ordering::Relaxed);
    WORK_NS.store(s.work_us * 1000, Ordering::Relaxed);
    let mut without = s.config.clone();
    without.mechanism = Mechanism::Cooperative;
    without.policy = PolicyKind::Fifo;
    let base = run_tasks(&without, overhead_root, 0)?;
    let mut with = s.config.clone();
    with.latency_key = Some(LATENCY);
    let r = run_tasks(&with, overhead_root, 0)?;
    report_common(&r, s.tasks.max(1));
    let extra = ticks_to_ns(r.ticks).saturating_sub(ticks_to_ns(base.ticks));
    let cost = extra.checked_div(r.preemptions).unwrap_or(0);
    if r.preemptions > 0 {
        sim::sample(OVERHEAD, cost);
    }
    print_report("overhead", s, &r);
    println!(
        "uthreads overhead: without preemption {} us, with {} us, {} ns per preemption",
        ticks_to_ns(base.ticks) / 1000,
        ticks_to_ns(r.ticks) / 1000,
        cost
    );
    Ok(())
}

static ROUNDS: AtomicU64 = AtomicU64::new(0);

fn yielder(_: usize) {
    for _ in 0..ROUNDS.load(Ordering::Relaxed) {
        uthread::yield_now();
    }
}

fn switch_root(_: usize) {
    spawn_all(yielder);
}

fn switch(s: &Settings) -> Result<(), String> {
    ROOT_TASKS.store(s.tasks.max(2), Ordering::Relaxed);
    ROUNDS.store(s.rounds, Ordering::Relaxed);
    // The same run with no yields: what is not switching.
    let mut config = s.config.clone();
    config.mechanism = Mechanism::Cooperative;
    let rounds = s.rounds;
    ROUNDS.store(0, Ordering::Relaxed);
    let base = run_tasks(&config, switch_root, 0)?;
    ROUNDS.store(rounds, Ordering::Relaxed);
    let r = run_tasks(&config, switch_root, 0)?;
    let extra = ticks_to_ns(r.ticks).saturating_sub(ticks_to_ns(base.ticks));
    let switches = r.switches - base.switches;
    let per = extra.checked_div(switches).unwrap_or(0);
    sim::sample(SWITCH_NS, per);
    print_report("switch", s, &r);
    println!("uthreads switch: {per} ns per voluntary switch ({switches} switches)");
    Ok(())
}

static BUSY_STOP: AtomicBool = AtomicBool::new(false);
static LATE_NS: AtomicU64 = AtomicU64::new(0);

fn busy(_: usize) {
    while !BUSY_STOP.load(Ordering::Relaxed) {
        work_ns(1000);
    }
}

fn sleeper(_: usize) {
    let t0 = uthread::now_ticks();
    uthread::sleep_ns(50_000_000);
    let slept = ticks_to_ns(uthread::now_ticks() - t0);
    LATE_NS.store(slept.saturating_sub(50_000_000), Ordering::Relaxed);
    BUSY_STOP.store(true, Ordering::Relaxed);
}

fn accuracy_root(_: usize) {
    uthread::spawn(sleeper, 0, 0);
    for i in 0..6 {
        uthread::spawn(busy, i, uthread::PRIORITIES / 2);
    }
}

fn accuracy(s: &Settings) -> Result<(), String> {
    BUSY_STOP.store(false, Ordering::Relaxed);
    if matches!(s.config.mechanism, Mechanism::Cooperative) || s.config.policy == PolicyKind::Fifo {
        return Err(String::from(
            "accuracy: busy tasks never yield; needs preemption (not cooperative, not fifo)",
        ));
    }
    let r = run_tasks(&s.config, accuracy_root, 0)?;
    let late = LATE_NS.load(Ordering::Relaxed);
    sim::sample(LATENESS, late);
    print_report("accuracy", s, &r);
    println!("uthreads accuracy: a 50 ms sleep ended {late} ns late among 6 busy tasks");
    Ok(())
}

// ---- self test --------------------------------------------------------------------------

static FLAG: AtomicBool = AtomicBool::new(false);
static ORDER: AtomicU64 = AtomicU64::new(0);
static FINISHED: [AtomicU64; 8] = [const { AtomicU64::new(0) }; 8];
static SUM: AtomicU64 = AtomicU64::new(0);
static PIPE: [AtomicUsize; 2] = [AtomicUsize::new(0), AtomicUsize::new(0)];
static FUTEX: AtomicU32 = AtomicU32::new(0);
static COUNTED: AtomicU64 = AtomicU64::new(0);
static COUNT_AT_READ: AtomicU64 = AtomicU64::new(0);
static READ_BYTE: AtomicU64 = AtomicU64::new(0);

/// Spins, never yielding, until `FLAG` is set.
fn never_yields(_: usize) {
    while !FLAG.load(Ordering::Relaxed) {
        core::hint::spin_loop();
    }
    FINISHED[0].store(ORDER.fetch_add(1, Ordering::Relaxed) + 1, Ordering::Relaxed);
}

fn sets_flag(_: usize) {
    FLAG.store(true, Ordering::Relaxed);
    FINISHED[1].store(ORDER.fetch_add(1, Ordering::Relaxed) + 1, Ordering::Relaxed);
}

/// One never-yielding task per worker, then the one that sets the flag: it runs only if a
/// worker preempts its spinner.
fn starvation_root(workers: usize) {
    for _ in 0..workers {
        uthread::spawn(never_yields, 0, 4);
    }
    uthread::spawn(sets_flag, 0, 4);
}

/// Task `slot` of the priority test: works, then records when it finished.
fn prioritized(slot: usize) {
    work_ns(20_000);
    FINISHED[slot].store(ORDER.fetch_add(1, Ordering::Relaxed) + 1, Ordering::Relaxed);
}

fn priority_root(_: usize) {
    // Slots 0..3 at the lowest priority first, then 4..7 at the highest.
    for slot in 0..4 {
        uthread::spawn(prioritized, slot, uthread::PRIORITIES - 1);
    }
    for slot in 4..8 {
        uthread::spawn(prioritized, slot, 0);
    }
    uthread::yield_now();
}

fn reader(_: usize) {
    let mut byte = [0u8; 1];
    let got = uthread::read(PIPE[0].load(Ordering::Relaxed), &mut byte);
    COUNT_AT_READ.store(COUNTED.load(Ordering::Relaxed), Ordering::Relaxed);
    READ_BYTE.store(
        if got == Ok(1) { byte[0] as u64 } else { 0 },
        Ordering::Relaxed,
    );
}

fn writer(_: usize) {
    uthread::sleep_ns(2_000_000);
    let _ = io::write(PIPE[1].load(Ordering::Relaxed), &[42]);
}

fn counter(_: usize) {
    for _ in 0..200 {
        COUNTED.fetch_add(1, Ordering::Relaxed);
        uthread::sleep_ns(5_000);
    }
}

fn futex_waiter(_: usize) {
    let _ = uthread::futex_wait(&FUTEX, 0, 0);
    FINISHED[2].store(FUTEX.load(Ordering::Relaxed) as u64, Ordering::Relaxed);
}

fn futex_waker(_: usize) {
    uthread::sleep_ns(1_000_000);
    FUTEX.store(7, Ordering::Relaxed);
    let _ = ulib::sync::futex_wake(&FUTEX, 1);
}

fn blocking_root(_: usize) {
    uthread::spawn(reader, 0, 4);
    uthread::spawn(futex_waiter, 0, 4);
    uthread::spawn(counter, 0, 4);
    uthread::spawn(writer, 0, 4);
    uthread::spawn(futex_waker, 0, 4);
}

fn adder(i: usize) {
    if i.is_multiple_of(7) {
        uthread::yield_now();
    }
    SUM.fetch_add(i as u64, Ordering::Relaxed);
}

fn many_root(_: usize) {
    spawn_all(adder);
}

fn check(name: &str, ok: bool, detail: String) -> Result<(), String> {
    if ok {
        println!("uthreads selftest: {name} ok");
        Ok(())
    } else {
        Err(format!("selftest {name} FAILED: {detail}"))
    }
}

fn reset() {
    FLAG.store(false, Ordering::Relaxed);
    ORDER.store(0, Ordering::Relaxed);
    for f in &FINISHED {
        f.store(0, Ordering::Relaxed);
    }
}

fn selftest(s: &Settings) -> Result<(), String> {
    let config = &s.config;
    // 0. The `time` CSR and the simulator's clock agree: the deadline-to-task delays (key 7)
    //    subtract one from the other.
    if let Some(before) = sim::now_ps() {
        let ticks = uthread::now_ticks();
        let after = sim::now_ps().unwrap_or(before);
        let ps_per_tick = 1_000_000_000_000 / uthread::timebase_hz();
        let at = ticks * ps_per_tick;
        check(
            "clocks agree",
            at <= after && at + ps_per_tick >= before,
            format!("time {ticks} ticks = {at} ps, simulator clock {before}..{after} ps"),
        )?;
    }
    let preemptive =
        config.mechanism != Mechanism::Cooperative && config.policy != PolicyKind::Fifo;
    // 1. A task that never yields does not starve the others.
    if preemptive {
        reset();
        let r = run_tasks(config, starvation_root, config.workers)?;
        check(
            "never-yielding task",
            FINISHED[1].load(Ordering::Relaxed) == 1
                && FINISHED[0].load(Ordering::Relaxed) == config.workers as u64 + 1
                && r.preemptions > 0,
            format!(
                "finish order {:?}, {} preemptions",
                [
                    FINISHED[0].load(Ordering::Relaxed),
                    FINISHED[1].load(Ordering::Relaxed)
                ],
                r.preemptions
            ),
        )?;
    }
    // 2. Priorities: the high-priority tasks end before the low ones (strict priority), or
    //    the spawn order holds (fifo).
    reset();
    run_tasks(config, priority_root, 0)?;
    let order: Vec<u64> = FINISHED.iter().map(|f| f.load(Ordering::Relaxed)).collect();
    // With several workers a low-priority task may start on an idle worker while the root
    // still spawns, so only the single-worker orders are strict.
    let policy = if config.workers > 1 {
        PolicyKind::RoundRobin
    } else {
        config.policy
    };
    match policy {
        PolicyKind::Priority => check(
            "strict priority",
            order[4..]
                .iter()
                .all(|&h| order[..4].iter().all(|&l| h < l)),
            format!("finish order by slot {order:?} (slots 4..8 are the high ones)"),
        )?,
        PolicyKind::Fifo => check(
            "fifo order",
            order
                .iter()
                .enumerate()
                .all(|(slot, &o)| o == slot as u64 + 1),
            format!("finish order by slot {order:?}"),
        )?,
        _ => check(
            "all finish",
            order.iter().all(|&o| o > 0),
            format!("finish order by slot {order:?}"),
        )?,
    }
    // 3. Blocking calls block only their task.
    reset();
    COUNTED.store(0, Ordering::Relaxed);
    FUTEX.store(0, Ordering::Relaxed);
    let (read_end, write_end) = io::pipe().map_err(|e| format!("pipe: {e:?}"))?;
    PIPE[0].store(read_end, Ordering::Relaxed);
    PIPE[1].store(write_end, Ordering::Relaxed);
    let r = run_tasks(config, blocking_root, 0)?;
    let counted = COUNT_AT_READ.load(Ordering::Relaxed);
    check(
        "blocking read and futex",
        READ_BYTE.load(Ordering::Relaxed) == 42
            && counted > 0
            && FINISHED[2].load(Ordering::Relaxed) == 7
            && r.blocks >= 2,
        format!(
            "read {} after the counter reached {counted}; futex saw {}; {} blocks",
            READ_BYTE.load(Ordering::Relaxed),
            FINISHED[2].load(Ordering::Relaxed),
            r.blocks
        ),
    )?;
    // 4. Many tasks, all run once.
    SUM.store(0, Ordering::Relaxed);
    let n = s.tasks.max(1);
    ROOT_TASKS.store(n, Ordering::Relaxed);
    let mut many = config.clone();
    many.capacity = n as usize + 1;
    let r = run_tasks(&many, many_root, 0)?;
    check(
        "many tasks",
        SUM.load(Ordering::Relaxed) == n * (n - 1) / 2 && r.spawned == n + 1,
        format!(
            "sum {} of {} tasks, {} spawned",
            SUM.load(Ordering::Relaxed),
            n,
            r.spawned
        ),
    )?;
    if config.workers > 1 {
        let dispatched = &r.dispatched[..config.workers];
        check(
            "tasks on every worker",
            r.workers == config.workers && dispatched.iter().all(|&d| d > 0),
            format!(
                "{} of {} workers ran, dispatches per worker {dispatched:?}",
                r.workers, config.workers
            ),
        )?;
    }
    print_report("selftest", s, &r);
    println!(
        "uthreads selftest: all passed (mechanism={} policy={})",
        config.mechanism.name(),
        config.policy.name()
    );
    Ok(())
}
