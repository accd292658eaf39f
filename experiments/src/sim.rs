//! The interface between the runner and a simulator: what one point asks for ([`Job`]) and
//! what it gives back ([`Outcome`]).

use serde::{Deserialize, Serialize};

/// A simulator the runner can drive. Implementations must be usable from several threads at
/// once: each point is run by one call to [`Simulator::run`] on one thread.
pub trait Simulator: Sync {
    /// Check a machine configuration (the tables of a `hartlab --config` file) and return it
    /// complete, with every key and its value, so each point records exactly what ran.
    fn resolve_machine(&self, machine: &toml::Table) -> Result<toml::Table, MachineError>;

    /// The bundled guest kernel image (`kind = "kernel"` workloads without `[kernel] image`).
    fn kernel_image(&self) -> anyhow::Result<Vec<u8>>;

    /// Run one point to its end. An error means the point could not be run at all (it is
    /// recorded as failed); guest failures are reported in the [`Outcome`].
    fn run(&self, job: &Job) -> anyhow::Result<Outcome>;
}

/// A rejected machine configuration: the key at fault (dotted, e.g. `uintr.uintc_slots`),
/// when known, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MachineError {
    /// The key, if the simulator could name it.
    pub key: Option<String>,
    /// The reason, one line.
    pub message: String,
}

/// One simulation to run.
#[derive(Debug, Clone)]
pub struct Job<'a> {
    /// The complete machine configuration (as [`Simulator::resolve_machine`] returned it).
    pub machine: &'a toml::Table,
    /// Name of the image, for messages.
    pub image_name: &'a str,
    /// The ELF image to boot.
    pub image: &'a [u8],
    /// The kernel command line (device tree `/chosen/bootargs`).
    pub bootargs: &'a str,
    /// Instruction limit (all harts together).
    pub max_insns: Option<u64>,
    /// Simulated-time limit in picoseconds.
    pub max_sim_time_ps: Option<u64>,
    /// Most bytes of console output to keep (head and tail).
    pub console_limit: usize,
    /// Record the point's timeline and write it to this file (`--trace`), keeping at most
    /// `.1` records; a simulator without timelines ignores it.
    pub trace: Option<(&'a std::path::Path, usize)>,
    /// Write a checkpoint and stop there, or start from one.
    pub checkpoint: Option<JobCheckpoint<'a>>,
}

/// A job's part in sharing checkpoints (see `[experiment] checkpoint_after`).
#[derive(Debug, Clone, Copy)]
pub enum JobCheckpoint<'a> {
    /// Run to this point, write the checkpoint file and stop (the outcome is not a result).
    Write(crate::schema::CheckpointPoint, &'a std::path::Path),
    /// Continue from this checkpoint file, written for the same machine, image, command
    /// line and limits.
    Restore(&'a std::path::Path),
}

/// A sample the guest recorded (simulator-control sample register `key`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sample {
    /// Key, 0..480.
    pub key: u16,
    /// Value.
    pub value: u64,
    /// Hart that stored it.
    pub hart: u32,
    /// Simulated time in picoseconds.
    pub time_ps: u64,
}

/// An event the guest recorded (simulator-control EVENT register).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// The id stored.
    pub id: u64,
    /// Hart that stored it.
    pub hart: u32,
    /// Simulated time in picoseconds.
    pub time_ps: u64,
    /// The hart's cycle count.
    pub cycle: u64,
}

/// What one point produced.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// The guest reported success.
    pub passed: bool,
    /// How the run ended, in words ("pass", "fail (code 3)", "instruction limit reached").
    pub exit: String,
    /// Samples, in the order they were stored.
    pub samples: Vec<Sample>,
    /// Events, in the order they were stored.
    pub events: Vec<Event>,
    /// Samples, events and statistics dumps the simulator dropped (over its caps).
    pub dropped: Dropped,
    /// Statistics dumps the guest asked for, in order (simulator statistics as JSON).
    pub dumps: Vec<serde_json::Value>,
    /// The simulator's statistics at the end of the run.
    pub stats: serde_json::Value,
    /// Simulated time (ps) of the guest's last statistics reset, 0 if none: the start of the
    /// measured window.
    pub window_start_ps: u64,
    /// The guest's console output, truncated to `console_limit`.
    pub console: String,
}

/// Counts of records the simulator did not keep.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dropped {
    /// Samples.
    pub samples: u64,
    /// Events.
    pub events: u64,
    /// Statistics dumps.
    pub dumps: u64,
}

/// Keep at most `limit` bytes of `text`: its head and tail, with a marker between.
pub fn truncate_console(text: &str, limit: usize) -> String {
    if text.len() <= limit {
        return text.to_string();
    }
    let head = floor_char_boundary(text, limit / 4);
    let tail_start = ceil_char_boundary(text, text.len() - (limit - limit / 4));
    format!(
        "{}\n[... {} bytes not kept ...]\n{}",
        &text[..head],
        tail_start - head,
        &text[tail_start..]
    )
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn ceil_char_boundary(s: &str, mut i: usize) -> usize {
    while !s.is_char_boundary(i) {
        i += 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn console_keeps_head_and_tail() {
        assert_eq!(truncate_console("short", 100), "short");
        let text: String = (0..1000)
            .map(|i| char::from(b'a' + (i % 26) as u8))
            .collect();
        let t = truncate_console(&text, 100);
        assert!(t.starts_with(&text[..25]), "{t}");
        assert!(t.ends_with(&text[925..]), "{t}");
        assert!(t.contains("[... 900 bytes not kept ...]"), "{t}");
        let wide = "é".repeat(100);
        let t = truncate_console(&wide, 51);
        assert!(t.contains("not kept"));
    }
}
