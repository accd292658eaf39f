//! The first process, chosen by the kernel command line (`/chosen/bootargs`).
//!
//! ```text
//! [option=value ...] [test [filter ...] | run <program> [argument ...]]
//! ```
//!
//! - `test [filter ...]` (also the default, with nothing after the options): run the self-test
//!   suite, the `selftest` program, with the filters as its arguments;
//! - `run <program> [argument ...]`: run a bundled program.
//!
//! Options: `tick_us=N` sets the scheduler's time slice (default 100 µs); `sched=NAME` its
//! policy (`per_hart`, the default, or `global`; see `task::scheduler::policy`); `coroutine=NAME`
//! chooses the coroutine-scheduler payload processes get by default (`strict`, the default,
//! or `aging`); `coroutine_queues=NAME` where their ready coroutines are by default
//! (`software`, the default, or `taskctl`: the task controller, where the machine has one);
//! `net=MODE` how the kernel learns of arriving network frames (`irq`, the default, or
//! `poll`; see the `net` module).
//!
//! When the first process ends, the kernel reports its exit status and shuts the machine
//! down: success (the test finisher's pass) if the status is 0, failure otherwise.

use crate::task::scheduler::policy;
use crate::task::Process;

/// What the command line asks for.
pub struct Command<'a> {
    /// Scheduler time slice in microseconds.
    pub tick_us: u64,
    /// The thread-scheduling policy.
    pub sched: policy::Choice,
    /// The default coroutine-scheduler payload (`coroutine::NAMES`).
    pub coroutine: &'a str,
    /// The default coroutine ready-queue back end (`abi::coroutine_queues`).
    pub coroutine_queues: u64,
    /// How the kernel learns of arriving network frames.
    pub net: crate::net::Notify,
    /// The program to run first.
    pub program: &'a str,
    /// Its arguments, space separated.
    pub args: &'a str,
}

/// Default time slice, in microseconds.
const DEFAULT_TICK_US: u64 = 100;

/// Parses the kernel command line.
pub fn parse(bootargs: &str) -> Result<Command<'_>, &str> {
    let mut command = Command {
        tick_us: DEFAULT_TICK_US,
        sched: policy::NAMES[0].1,
        coroutine: crate::coroutine::NAMES[0],
        coroutine_queues: abi::coroutine_queues::SOFTWARE,
        net: crate::net::Notify::Interrupt,
        program: "selftest",
        args: "",
    };
    let mut rest = bootargs.trim_start();
    while let Some((word, tail)) = split_word(rest) {
        let Some((key, value)) = word.split_once('=') else {
            break;
        };
        match key {
            "tick_us" => {
                command.tick_us = value.parse().ok().filter(|&us| us > 0).ok_or(word)?;
            }
            "sched" => {
                command.sched = policy::NAMES
                    .iter()
                    .find(|(name, _)| *name == value)
                    .ok_or(word)?
                    .1;
            }
            "coroutine" => {
                command.coroutine = crate::coroutine::NAMES
                    .into_iter()
                    .find(|&name| name == value)
                    .ok_or(word)?;
            }
            "coroutine_queues" => {
                command.coroutine_queues = abi::coroutine_queues::NAMES
                    .iter()
                    .position(|&name| name == value)
                    .ok_or(word)? as u64;
            }
            "net" => {
                command.net = crate::net::NOTIFY_NAMES
                    .iter()
                    .find(|(name, _)| *name == value)
                    .ok_or(word)?
                    .1;
            }
            _ => return Err(word),
        }
        rest = tail;
    }
    match split_word(rest) {
        None => {}
        Some(("test", filters)) => command.args = filters.trim(),
        Some(("run", program_args)) => {
            let (program, args) = split_word(program_args).ok_or("run")?;
            command.program = program;
            command.args = args.trim();
        }
        Some((word, _)) => return Err(word),
    }
    Ok(command)
}

/// The first word of `s` and what follows it.
fn split_word(s: &str) -> Option<(&str, &str)> {
    let s = s.trim_start();
    if s.is_empty() {
        return None;
    }
    Some(s.split_once(' ').unwrap_or((s, "")))
}

/// Starts the first process.
pub fn start(command: &Command) {
    crate::println!("init: running {} {}", command.program, command.args);
    if let Err(e) = Process::spawn(command.program, command.args, None) {
        crate::println!("init: cannot start {}: {e:?}", command.program);
        shutdown(false);
    }
}

/// The first process has ended with `status`: report it and shut down.
pub fn finished(program: &str, status: i32) {
    crate::println!("init: {program} exited with status {status}");
    shutdown(status == 0);
}

/// Ends the machine: success or failure through SBI system reset.
pub fn shutdown(success: bool) -> ! {
    if success {
        sbi_rt::system_reset(sbi_rt::Shutdown, sbi_rt::NoReason);
    } else {
        sbi_rt::system_reset(sbi_rt::Shutdown, sbi_rt::SystemFailure);
    }
    unreachable!("SBI system_reset returned");
}
