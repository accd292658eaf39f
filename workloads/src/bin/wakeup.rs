//! How long does it take to wake a blocked task in another process? Two processes ping-pong;
//! each one-way trip is one sample: the time from the sender's signal to the moment the
//! woken receiver runs its own code again. The experiment `experiments/wakeup.toml` sweeps
//! it over mechanisms and machines.
//!
//! ```text
//! wakeup mechanism=<futex|pipe|upcall|uipi|uipi-spin|taskctl|taskctl-preempt|poll> [rounds=N] [warmup=N] [seed=N] [think_us=N]
//! ```
//!
//! | mechanism | the receiver waits in | the sender |
//! | --- | --- | --- |
//! | `futex` | `futex_wait` on a word of shared memory (kernel IPC: a system call and a scheduler wake-up) | stores the word, `futex_wake` |
//! | `pipe` | `read` of a pipe | `write`s one byte |
//! | `upcall` | `upcall_wait`; the time is taken in its upcall handler (a signal) | `upcall_send` |
//! | `uipi` | `uintr_wait` (blocked in the kernel, which a user interrupt wakes); the time is taken in its user-interrupt handler | `uipi.send` (no system call) |
//! | `uipi-spin` | a loop in user mode, interrupted by its user-interrupt handler, where the time is taken (no kernel at all) | `uipi.send` |
//! | `poll` | a loop reading a word of shared memory (no kernel at all) | stores the word |
//! | `taskctl` | a loop dequeuing its task-controller set's local queue until the handler task it bound to its channel 0 is woken there (no kernel; hartlab only) | stores to its set's SEND register |
//! | `taskctl-preempt` | a loop in user mode (busy); the handler task has the preempt flag, so its wake-up raises USIP and the process's user-interrupt handler dequeues it, where the time is taken (no kernel; hartlab only) | stores to its set's SEND register |
//!
//! `taskctl` blocks a task the TAIC way: the receiver binds a handler task id to channel 0 of
//! its process's queue set, on the hart it runs on, just before it signals the other side;
//! the other side's SEND has the device queue that id, `wake_cycles` later, in the binding
//! hart's local queue, which the receiver's executor polls with DEQUEUE. The ping side hands
//! the pong side a descriptor of its channel 0 (inherited at spawn; `taskctl_connect` lets
//! pong's set send there), and takes a descriptor of pong's channel 0 back with
//! `dup_from_child` to connect to it. On one hart the poller yields after every empty
//! DEQUEUE, since the sender cannot run otherwise; on more harts it spins, like `poll`.
//!
//! Both legs of each round are measured (ping → pong, pong → ping). Before each round the
//! ping side thinks for a random time (0..`think_us` µs, drawn from `seed`), so that rounds
//! do not fall into step with the scheduler's tick.
//!
//! Samples (hartlab's simulator-control device; nothing is recorded without it):
//! key 0 = one-way latency in nanoseconds (from the device's picosecond clock, shared by all
//! harts). The program prints one summary line and exits 0, or 1 on failure.

#![no_std]
#![no_main]

extern crate alloc;

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU32, AtomicU64, AtomicUsize, Ordering};
use ulib::taskctl::{Sender, TaskSet};
use ulib::{io, memory, println, process, sim, syscall, taskctl, time, uintr, upcall};

ulib::main!(main);

/// Sample key of the one-way latency.
const LATENCY: u64 = 0;

/// What the two processes share.
#[repr(C)]
struct Shared {
    /// Round number the ping side has signalled (futex word for the pong side).
    ping: AtomicU32,
    /// Round number the pong side has signalled (futex word for the ping side).
    pong: AtomicU32,
    /// When the last signal was sent, in picoseconds.
    sent_ps: AtomicU64,
    /// Process ids, for upcalls.
    ping_pid: AtomicU64,
    pong_pid: AtomicU64,
    /// Failures seen by the pong side.
    errors: AtomicU32,
    /// The pong side's user-interrupt descriptor, plus one (0: not yet created).
    pong_uintr_fd: AtomicU64,
    /// `taskctl`: the pong side's descriptor of its channel 0, plus one (0: not yet made).
    pong_channel_fd: AtomicU64,
}

/// The mechanisms.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mechanism {
    Futex,
    Pipe,
    Upcall,
    Uipi,
    UipiSpin,
    Poll,
    Taskctl,
    TaskctlPreempt,
}

impl Mechanism {
    fn is_uipi(self) -> bool {
        matches!(self, Mechanism::Uipi | Mechanism::UipiSpin)
    }

    fn is_taskctl(self) -> bool {
        matches!(self, Mechanism::Taskctl | Mechanism::TaskctlPreempt)
    }

    fn parse(name: &str) -> Option<Mechanism> {
        Some(match name {
            "futex" => Mechanism::Futex,
            "pipe" => Mechanism::Pipe,
            "upcall" => Mechanism::Upcall,
            "uipi" => Mechanism::Uipi,
            "uipi-spin" => Mechanism::UipiSpin,
            "poll" => Mechanism::Poll,
            "taskctl" => Mechanism::Taskctl,
            "taskctl-preempt" => Mechanism::TaskctlPreempt,
            _ => return None,
        })
    }
}

/// The run's settings.
struct Settings {
    mechanism: Mechanism,
    mechanism_name: String,
    rounds: u32,
    warmup: u32,
    seed: u64,
    think_us: u64,
}

fn main(args: &[&str]) -> i32 {
    match run(args) {
        Ok(()) => 0,
        Err(e) => {
            println!("wakeup: {e}");
            1
        }
    }
}

fn run(args: &[&str]) -> Result<(), String> {
    let mut settings = Settings {
        mechanism: Mechanism::Futex,
        mechanism_name: String::from("futex"),
        rounds: 200,
        warmup: 20,
        seed: 1,
        think_us: 20,
    };
    let mut role = "ping";
    let mut shared_at = 0usize;
    let mut fds = [0usize; 4];
    for arg in args.iter().skip(1) {
        let (key, value) = arg
            .split_once('=')
            .ok_or_else(|| format!("argument `{arg}` is not key=value"))?;
        let number = || -> Result<u64, String> {
            value
                .parse()
                .map_err(|_| format!("{key}: `{value}` is not a number"))
        };
        match key {
            "mechanism" => {
                settings.mechanism = Mechanism::parse(value)
                    .ok_or_else(|| format!("unknown mechanism `{value}`"))?;
                settings.mechanism_name = String::from(value);
            }
            "rounds" => settings.rounds = number()? as u32,
            "warmup" => settings.warmup = number()? as u32,
            "seed" => settings.seed = number()?,
            "think_us" => settings.think_us = number()?,
            "role" => role = if value == "pong" { "pong" } else { "ping" },
            "shared" => shared_at = number()? as usize,
            "fds" => {
                for (slot, fd) in fds.iter_mut().zip(value.split(',')) {
                    *slot = fd.parse().map_err(|_| format!("fds: bad `{value}`"))?;
                }
            }
            _ => return Err(format!("unknown argument `{key}`")),
        }
    }
    if role == "pong" {
        // SAFETY: the ping side mapped a `Shared` at this address before spawning us.
        let shared = unsafe { &*(shared_at as *const Shared) };
        SHARED_AT.store(shared_at as u64, Ordering::Release);
        if settings.mechanism == Mechanism::Upcall {
            upcall::set_handler(upcall_handler).map_err(|e| format!("upcall handler: {e:?}"))?;
        }
        let mut uipi_index = 0;
        if settings.mechanism.is_uipi() {
            let result = uipi_pong_setup(shared, fds[2]);
            if let Err(e) = &result {
                println!("wakeup pong: {e}");
                shared.errors.fetch_add(1, Ordering::Relaxed);
                // Unblock the ping side, which waits for the descriptor.
                shared.pong_uintr_fd.store(u64::MAX, Ordering::Release);
            }
            uipi_index = result?;
        }
        pong(&settings, shared, fds, uipi_index);
        return Ok(());
    }
    ping(&settings)
}

/// The picosecond clock: the simulator's, else the kernel's nanosecond clock.
fn now_ps() -> u64 {
    sim::now_ps().unwrap_or_else(|| time::now_ns() * 1000)
}

/// Nanoseconds since the signal sent at `shared.sent_ps`.
fn since_sent(shared: &Shared) -> u64 {
    now_ps().saturating_sub(shared.sent_ps.load(Ordering::Acquire)) / 1000
}

/// Records `ns` as a sample if this round counts; returns it.
fn sample(ns: u64, counts: bool) -> u64 {
    if counts {
        sim::sample(LATENCY, ns);
    }
    ns
}

/// Records the latency of a signal sent at `shared.sent_ps`, if this round counts; returns it.
fn record(shared: &Shared, counts: bool) -> u64 {
    sample(since_sent(shared), counts)
}

/// In a signal or interrupt handler: keeps the latency of the signal it handles for the
/// interrupted code to record.
fn note_handler_latency() {
    // SAFETY: set before any handler is registered.
    let shared = unsafe { &*(SHARED_AT.load(Ordering::Acquire) as *const Shared) };
    HANDLER_NS.store(since_sent(shared), Ordering::Relaxed);
}

/// Makes the pong side a user-interrupt receiver and a sender to the ping side's receiver
/// behind `ping_fd`; publishes its own descriptor; returns its sender index.
fn uipi_pong_setup(shared: &Shared, ping_fd: usize) -> Result<usize, String> {
    uintr::register_handler(uipi_handler).map_err(|e| format!("uintr handler: {e:?}"))?;
    let fd = uintr::create_fd(0).map_err(|e| format!("uintr_create_fd: {e:?}"))?;
    let index = uintr::register_sender(ping_fd).map_err(|e| format!("uintr sender: {e:?}"))?;
    shared.pong_uintr_fd.store(fd as u64 + 1, Ordering::Release);
    Ok(index)
}

/// User interrupts this process's handler has taken.
static UIPI_SEEN: AtomicU64 = AtomicU64::new(0);

fn uipi_handler(_pending: u64) {
    note_handler_latency();
    UIPI_SEEN.fetch_add(1, Ordering::AcqRel);
}

/// The last upcall value seen by this process's handler.
static UPCALL_SEEN: AtomicU64 = AtomicU64::new(0);
/// The latency the upcall or user-interrupt handler measured.
static HANDLER_NS: AtomicU64 = AtomicU64::new(0);
/// Where the handler finds the shared block.
static SHARED_AT: AtomicU64 = AtomicU64::new(0);

fn upcall_handler(value: usize) {
    note_handler_latency();
    UPCALL_SEEN.store(value as u64, Ordering::Release);
}

/// The record of this process's `taskctl` handler task: its address is the task id.
#[repr(align(64))]
struct Record([u8; 64]);

static HANDLER: Record = Record([0; 64]);

/// One side of the `taskctl` mechanism: its process's queue set, its handler task, and the
/// right to wake the other side's.
struct Endpoint {
    set: TaskSet,
    /// Wakes the other side's channel 0.
    sender: Sender,
    /// The handler task bound to this side's channel 0 (priority 0; the preempt flag for
    /// `taskctl-preempt`).
    handler: u64,
    /// The local queue the handler is woken into: that of the hart that bound it. (Should
    /// the process move between the lookup and the binding, steal-one still finds it.)
    queue: AtomicUsize,
    /// Whether to yield after an empty DEQUEUE (on one hart, for the sender to run).
    yield_polls: bool,
}

impl Endpoint {
    fn new(set: TaskSet, sender: Sender, preempt: bool) -> Result<Endpoint, String> {
        let harts = syscall::hart_count().map_err(|e| format!("hart_count: {e:?}"))?;
        Ok(Endpoint {
            set,
            sender,
            handler: taskctl::task_id(HANDLER.0.as_ptr() as usize, 0, preempt),
            queue: AtomicUsize::new(0),
            yield_polls: harts == 1,
        })
    }

    /// Blocks the handler task: binds it to channel 0 from the hart this runs on.
    fn arm(&self) -> Result<(), String> {
        let hart = syscall::current_hart().map_err(|e| format!("current_hart: {e:?}"))?;
        self.queue.store(hart, Ordering::Relaxed);
        self.set.bind_channel(0, self.handler);
        Ok(())
    }

    /// Dequeues until the handler task is woken.
    fn wait(&self) -> Result<(), String> {
        let queue = self.queue.load(Ordering::Relaxed);
        loop {
            match self.set.dequeue(queue) {
                Some(task) if task == self.handler => return Ok(()),
                Some(task) => return Err(format!("dequeued a stranger, task {task:#x}")),
                None if self.yield_polls => {
                    syscall::yield_now().map_err(|e| format!("yield: {e:?}"))?
                }
                None => core::hint::spin_loop(),
            }
        }
    }

    /// Fails if the device refused any operation of this side (its error bits are sticky).
    fn check(&self) -> Result<(), String> {
        match self.set.error() {
            0 => Ok(()),
            error => Err(format!("task controller error bits {error:#x}")),
        }
    }
}

/// `taskctl-preempt`: the endpoint this process's user-interrupt handler dequeues from.
static TASKCTL_ENDPOINT: AtomicUsize = AtomicUsize::new(0);
/// Handler tasks the user-interrupt handler has dequeued.
static TASKCTL_SEEN: AtomicU64 = AtomicU64::new(0);
/// A task the handler dequeued that was not ours (0: none).
static TASKCTL_STRANGER: AtomicU64 = AtomicU64::new(0);

/// For `taskctl-preempt`: makes the running thread a user-interrupt receiver whose handler
/// dequeues `endpoint`'s handler task (the kernel puts the process's set online on the hart
/// while the thread runs, so a preempting wake-up raises its USIP).
fn enable_preemption(settings: &Settings, endpoint: Option<&Endpoint>) -> Result<(), String> {
    let (Mechanism::TaskctlPreempt, Some(endpoint)) = (settings.mechanism, endpoint) else {
        return Ok(());
    };
    TASKCTL_ENDPOINT.store(endpoint as *const Endpoint as usize, Ordering::Release);
    uintr::register_handler(taskctl_interrupt)
        .map(|_| ())
        .map_err(|e| format!("uintr handler: {e:?}"))
}

/// The user-interrupt handler of `taskctl-preempt`: the DEQUEUE takes the woken handler task
/// and lowers the task controller's line.
fn taskctl_interrupt(_pending: u64) {
    let at = TASKCTL_ENDPOINT.load(Ordering::Acquire);
    if at == 0 {
        return;
    }
    // SAFETY: the endpoint outlives the rounds, the only time its tasks are woken.
    let endpoint = unsafe { &*(at as *const Endpoint) };
    match endpoint.set.dequeue(endpoint.queue.load(Ordering::Relaxed)) {
        Some(task) if task == endpoint.handler => {
            note_handler_latency();
            TASKCTL_SEEN.fetch_add(1, Ordering::AcqRel);
        }
        Some(task) => TASKCTL_STRANGER.store(task, Ordering::Relaxed),
        None => {}
    }
}

/// The pong side's endpoint: connects to the ping side's channel 0 (descriptor `fd`), binds
/// its handler to its own channel 0 and publishes a descriptor of that channel in `shared`.
fn pong_endpoint(shared: &Shared, fd: usize, preempt: bool) -> Result<Endpoint, String> {
    let set = TaskSet::open().map_err(|e| format!("taskctl_open: {e:?}"))?;
    let sender = set
        .connect(fd)
        .map_err(|e| format!("taskctl_connect: {e:?}"))?;
    let channel = set
        .channel(0)
        .map_err(|e| format!("taskctl_channel: {e:?}"))?;
    let endpoint = Endpoint::new(set, sender, preempt)?;
    endpoint.arm()?;
    shared
        .pong_channel_fd
        .store(channel as u64 + 1, Ordering::Release);
    Ok(endpoint)
}

/// Waits for round `round`'s signal on `word` (futex or poll) or `fd` (pipe) or by upcall or
/// user interrupt or at `endpoint` (taskctl); returns the measured latency in nanoseconds.
fn wait_for(
    settings: &Settings,
    shared: &Shared,
    word: &AtomicU32,
    fd: usize,
    endpoint: Option<&Endpoint>,
    round: u32,
    counts: bool,
) -> Result<u64, String> {
    Ok(match settings.mechanism {
        Mechanism::Futex => {
            while word.load(Ordering::Acquire) < round {
                match syscall::futex_wait(word, round - 1, 0) {
                    Ok(()) | Err(ulib::abi::Errno::Again) => {}
                    Err(e) => return Err(format!("futex_wait: {e:?}")),
                }
            }
            record(shared, counts)
        }
        Mechanism::Poll => {
            while word.load(Ordering::Acquire) < round {
                core::hint::spin_loop();
            }
            record(shared, counts)
        }
        Mechanism::Pipe => {
            let mut byte = [0u8];
            match io::read(fd, &mut byte) {
                Ok(1) => {}
                other => return Err(format!("pipe read: {other:?}")),
            }
            record(shared, counts)
        }
        Mechanism::Upcall | Mechanism::Uipi | Mechanism::UipiSpin => {
            let seen = if settings.mechanism == Mechanism::Upcall {
                &UPCALL_SEEN
            } else {
                &UIPI_SEEN
            };
            while seen.load(Ordering::Acquire) < round as u64 {
                match settings.mechanism {
                    Mechanism::Upcall => {
                        upcall::wait().map_err(|e| format!("upcall_wait: {e:?}"))?
                    }
                    Mechanism::Uipi => uintr::wait().map_err(|e| format!("uintr_wait: {e:?}"))?,
                    _ => core::hint::spin_loop(),
                }
            }
            sample(HANDLER_NS.load(Ordering::Relaxed), counts)
        }
        Mechanism::Taskctl => {
            endpoint.ok_or("taskctl without an endpoint")?.wait()?;
            record(shared, counts)
        }
        Mechanism::TaskctlPreempt => {
            while TASKCTL_SEEN.load(Ordering::Acquire) < round as u64 {
                core::hint::spin_loop();
            }
            match TASKCTL_STRANGER.load(Ordering::Relaxed) {
                0 => {}
                task => return Err(format!("dequeued a stranger, task {task:#x}")),
            }
            sample(HANDLER_NS.load(Ordering::Relaxed), counts)
        }
    })
}

/// Signals round `round` on `word` / `fd` / by upcall to `pid` / by user interrupt through
/// sender-table entry `uipi_index` / at `endpoint`'s peer (the endpoint's own handler is
/// bound first, ready for the answer).
fn signal(
    settings: &Settings,
    shared: &Shared,
    word: &AtomicU32,
    (fd, uipi_index): (usize, usize),
    pid: usize,
    endpoint: Option<&Endpoint>,
    round: u32,
) -> Result<(), String> {
    if let Some(endpoint) = endpoint {
        endpoint.arm()?;
    }
    shared.sent_ps.store(now_ps(), Ordering::Release);
    match settings.mechanism {
        Mechanism::Futex => {
            word.store(round, Ordering::Release);
            syscall::futex_wake(word, 1).map_err(|e| format!("futex_wake: {e:?}"))?;
        }
        Mechanism::Poll => word.store(round, Ordering::Release),
        Mechanism::Pipe => {
            io::write_all(fd, &[round as u8]).map_err(|e| format!("pipe write: {e:?}"))?
        }
        Mechanism::Upcall => {
            upcall::send(pid, round as usize).map_err(|e| format!("upcall_send: {e:?}"))?
        }
        Mechanism::Uipi | Mechanism::UipiSpin => uintr::send(uipi_index),
        Mechanism::Taskctl | Mechanism::TaskctlPreempt => {
            endpoint.ok_or("taskctl without an endpoint")?.sender.send()
        }
    }
    Ok(())
}

/// The pong side: answers every round with the same mechanism.
fn pong(settings: &Settings, shared: &Shared, fds: [usize; 4], uipi_index: usize) {
    let [ping_to_pong, pong_to_ping, ping_channel, ..] = fds;
    let ping_pid = shared.ping_pid.load(Ordering::Acquire) as usize;
    let total = settings.warmup + settings.rounds;
    let endpoint = match settings.mechanism {
        Mechanism::Taskctl | Mechanism::TaskctlPreempt => Some(pong_endpoint(
            shared,
            ping_channel,
            settings.mechanism == Mechanism::TaskctlPreempt,
        )),
        _ => None,
    }
    .transpose();
    let result = endpoint.and_then(|endpoint| {
        let endpoint = endpoint.as_ref();
        enable_preemption(settings, endpoint)?;
        (1..=total).try_for_each(|round| {
            let counts = round > settings.warmup;
            wait_for(
                settings,
                shared,
                &shared.ping,
                ping_to_pong,
                endpoint,
                round,
                counts,
            )?;
            signal(
                settings,
                shared,
                &shared.pong,
                (pong_to_ping, uipi_index),
                ping_pid,
                endpoint,
                round,
            )
        })?;
        endpoint.map_or(Ok(()), Endpoint::check)
    });
    if let Err(e) = result {
        println!("wakeup pong: {e}");
        shared.errors.fetch_add(1, Ordering::Relaxed);
    }
}

/// The ping side: sets up, spawns the pong side, runs the rounds.
fn ping(settings: &Settings) -> Result<(), String> {
    let at = memory::map_shared(size_of::<Shared>()).map_err(|e| format!("map_shared: {e:?}"))?;
    // SAFETY: fresh zeroed shared memory, large enough; all fields are atomics.
    let shared = unsafe { &*(at as *const Shared) };
    SHARED_AT.store(at as u64, Ordering::Release);
    shared
        .ping_pid
        .store(process::getpid() as u64, Ordering::Release);
    if settings.mechanism == Mechanism::Upcall {
        upcall::set_handler(upcall_handler).map_err(|e| format!("upcall handler: {e:?}"))?;
    }
    let mut uipi_fd = 0;
    if settings.mechanism.is_uipi() {
        uintr::register_handler(uipi_handler).map_err(|e| format!("uintr handler: {e:?}"))?;
        uipi_fd = uintr::create_fd(0).map_err(|e| format!("uintr_create_fd: {e:?}"))?;
    }
    let mut ping_set = None;
    if settings.mechanism.is_taskctl() {
        let set = TaskSet::open().map_err(|e| format!("taskctl_open: {e:?}"))?;
        // The pong side finds the channel's descriptor where the user-interrupt one goes.
        uipi_fd = set
            .channel(0)
            .map_err(|e| format!("taskctl_channel: {e:?}"))?;
        ping_set = Some(set);
    }
    let (to_pong_r, to_pong_w) = io::pipe().map_err(|e| format!("pipe: {e:?}"))?;
    let (to_ping_r, to_ping_w) = io::pipe().map_err(|e| format!("pipe: {e:?}"))?;
    let words: Vec<String> = [
        format!("mechanism={}", settings.mechanism_name),
        format!("rounds={}", settings.rounds),
        format!("warmup={}", settings.warmup),
        format!("seed={}", settings.seed),
        String::from("role=pong"),
        format!("shared={}", at as usize),
        format!("fds={to_pong_r},{to_ping_w},{uipi_fd}"),
    ]
    .into();
    let word_refs: Vec<&str> = words.iter().map(String::as_str).collect();
    let pong_pid = process::spawn("wakeup", &word_refs).map_err(|e| format!("spawn: {e:?}"))?;
    shared.pong_pid.store(pong_pid as u64, Ordering::Release);
    let uipi_index = if settings.mechanism.is_uipi() {
        uipi_ping_connect(shared, pong_pid)?
    } else {
        0
    };
    let endpoint = match ping_set {
        Some(set) => Some(ping_endpoint(
            shared,
            set,
            pong_pid,
            settings.mechanism == Mechanism::TaskctlPreempt,
        )?),
        None => None,
    };
    let endpoint = endpoint.as_ref();
    enable_preemption(settings, endpoint)?;
    let mut rng = settings.seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let total = settings.warmup + settings.rounds;
    let mut sum_ns = 0u64;
    let result = (1..=total).try_for_each(|round| {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        if settings.think_us > 0 {
            time::sleep_ns(rng % (settings.think_us * 1000));
        }
        let counts = round > settings.warmup;
        signal_until_accepted(
            settings,
            shared,
            pong_pid,
            (to_pong_w, uipi_index),
            endpoint,
            round,
        )?;
        let ns = wait_for(
            settings,
            shared,
            &shared.pong,
            to_ping_r,
            endpoint,
            round,
            counts,
        )?;
        if counts {
            sum_ns += ns;
        }
        Ok::<(), String>(())
    });
    let waited = process::wait(pong_pid);
    result?;
    endpoint.map_or(Ok(()), Endpoint::check)?;
    match waited {
        Ok((_, 0)) if shared.errors.load(Ordering::Relaxed) == 0 => {}
        other => return Err(format!("pong side: {other:?}")),
    }
    println!(
        "wakeup mechanism={} rounds={} mean_return_ns={}",
        settings.mechanism_name,
        settings.rounds,
        sum_ns / settings.rounds.max(1) as u64
    );
    Ok(())
}

/// The ping side's endpoint on `set`: connected to the pong side's channel 0 once the pong
/// side has published its descriptor (within a second of simulated time).
fn ping_endpoint(
    shared: &Shared,
    set: TaskSet,
    pong_pid: usize,
    preempt: bool,
) -> Result<Endpoint, String> {
    let deadline = time::now_ns() + 1_000_000_000;
    let theirs = loop {
        match shared.pong_channel_fd.load(Ordering::Acquire) {
            0 if shared.errors.load(Ordering::Relaxed) == 0 && time::now_ns() < deadline => {
                time::sleep_ns(1000)
            }
            0 => {
                return Err(String::from(
                    "the pong side did not set up its taskctl endpoint",
                ))
            }
            fd => break fd as usize - 1,
        }
    };
    let fd =
        syscall::dup_from_child(pong_pid, theirs).map_err(|e| format!("dup_from_child: {e:?}"))?;
    let sender = set
        .connect(fd)
        .map_err(|e| format!("taskctl_connect: {e:?}"))?;
    Endpoint::new(set, sender, preempt)
}

/// Signals round `round` to the pong side; an upcall is retried until the pong side has its
/// handler (it registers it after it starts).
fn signal_until_accepted(
    settings: &Settings,
    shared: &Shared,
    pong_pid: usize,
    to_pong: (usize, usize),
    endpoint: Option<&Endpoint>,
    round: u32,
) -> Result<(), String> {
    loop {
        match signal(
            settings,
            shared,
            &shared.ping,
            to_pong,
            pong_pid,
            endpoint,
            round,
        ) {
            Err(e) if settings.mechanism == Mechanism::Upcall && e.contains("Invalid") => {
                time::sleep_ns(1000);
            }
            other => return other,
        }
    }
}

/// Waits for the pong side's user-interrupt descriptor, opens it here and registers it as a
/// target; returns the sender index.
fn uipi_ping_connect(shared: &Shared, pong_pid: usize) -> Result<usize, String> {
    let fd = loop {
        match shared.pong_uintr_fd.load(Ordering::Acquire) {
            0 => time::sleep_ns(1000),
            u64::MAX => return Err(String::from("the pong side could not set up")),
            fd => break fd as usize - 1,
        }
    };
    let fd = syscall::dup_from_child(pong_pid, fd).map_err(|e| format!("dup_from_child: {e:?}"))?;
    uintr::register_sender(fd).map_err(|e| format!("uintr sender: {e:?}"))
}
