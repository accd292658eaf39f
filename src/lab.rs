//! hartlab as the experiment runner's simulator (`experiments::Simulator`): machines are
//! checked and built by the same configuration and board code as `hartlab run` and
//! `hartlab boot`, and what the guest measured through the simulator-control device comes
//! back as samples, events and statistics dumps.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use anyhow::Result;
use experiments::schema::CheckpointPoint;
use experiments::sim::{Dropped, JobCheckpoint};
use experiments::{Event, Job, MachineError, Outcome, Sample, Simulator};
use sim_core::machine::{CheckpointAt, Exit};

use crate::board::Console;
use crate::config::MachineConfig;
use crate::resolved::ResolvedMachine;
use crate::run::{describe, run_image, CheckpointOptions, RunOptions};

/// The bundled guest image: SBI firmware with the S-mode kernel inside (built from
/// `guest-kernel/` by build.rs).
pub const GUEST_IMAGE: &[u8] = include_bytes!(env!("HARTLAB_GUEST_IMAGE"));

/// hartlab's virt machine.
#[derive(Debug, Clone, Copy, Default)]
pub struct Hartlab;

impl Hartlab {
    /// Read and resolve an experiment's machine tables, naming the key at fault.
    fn config(table: &toml::Table) -> Result<ResolvedMachine, MachineError> {
        let config: MachineConfig =
            serde_path_to_error::deserialize(toml::Value::Table(table.clone())).map_err(|e| {
                let path = e.path().to_string();
                MachineError {
                    key: (path != ".").then_some(path),
                    message: e.inner().message().to_string(),
                }
            })?;
        config.resolve().map_err(|e| MachineError {
            message: e.to_string(),
            key: Some(e.key),
        })
    }
}

impl Simulator for Hartlab {
    fn resolve_machine(&self, machine: &toml::Table) -> Result<toml::Table, MachineError> {
        let config = Self::config(machine)?;
        toml::Table::try_from(config.description()).map_err(|e| MachineError {
            key: None,
            message: format!("cannot write the machine configuration: {e}"),
        })
    }

    fn kernel_image(&self) -> Result<Vec<u8>> {
        Ok(GUEST_IMAGE.to_vec())
    }

    fn run(&self, job: &Job) -> Result<Outcome> {
        let config = Self::config(job.machine).map_err(|e| anyhow::anyhow!("{}", e.message))?;
        let (checkpoint, restore) = match job.checkpoint {
            None => (None, None),
            Some(JobCheckpoint::Write(at, path)) => (
                Some(CheckpointOptions {
                    at: match at {
                        CheckpointPoint::Insns(n) => CheckpointAt::Insns(n),
                        CheckpointPoint::TimePs(t) => CheckpointAt::Time(t),
                        CheckpointPoint::Event(id) => CheckpointAt::Event(id),
                    },
                    path: path.to_path_buf(),
                    stop: true,
                }),
                None,
            ),
            Some(JobCheckpoint::Restore(path)) => (None, Some(path.to_path_buf())),
        };
        let options = RunOptions {
            checkpoint,
            restore,
            config,
            max_insns: job.max_insns,
            max_sim_time: job.max_sim_time_ps,
            bootargs: Some(job.bootargs.to_string()),
            commit_log: None,
            gdb: None,
            trace_limit: job.trace.map(|(_, limit)| limit),
        };
        let console = BoundedConsole::new(job.console_limit);
        let sink = console.clone();
        let report = run_image(job.image_name, job.image, &options, &mut || Console {
            output: Box::new(sink.clone()),
            input: None,
        })?;
        if let (Some((path, _)), Some(timeline)) = (job.trace, &report.timeline) {
            let written = crate::trace::write_file(timeline, path)?;
            if written.cut_at.is_some() {
                eprintln!("hartlab: {}", crate::trace::describe(path, &written));
            }
        }
        let rec = &report.recording;
        Ok(Outcome {
            passed: report.exit == Exit::Pass,
            exit: describe(&report.exit),
            samples: rec
                .samples
                .iter()
                .map(|s| Sample {
                    key: s.key,
                    value: s.value,
                    hart: s.hart,
                    time_ps: s.time_ps,
                })
                .collect(),
            events: rec
                .events
                .iter()
                .map(|e| Event {
                    id: e.id,
                    hart: e.hart,
                    time_ps: e.time_ps,
                    cycle: e.cycle,
                })
                .collect(),
            dropped: Dropped {
                samples: rec.samples_dropped,
                events: rec.events_dropped,
                dumps: report.dumps_dropped,
            },
            dumps: report
                .dumps
                .iter()
                .map(serde_json::to_value)
                .collect::<Result<_, _>>()?,
            stats: serde_json::to_value(&report.stats)?,
            window_start_ps: report.stats_since,
            console: console.text(),
        })
    }
}

/// A console sink that keeps the first quarter of `limit` bytes and the last three
/// quarters, so a guest printing without end cannot exhaust memory.
#[derive(Clone)]
struct BoundedConsole(Arc<Mutex<ConsoleBuf>>);

struct ConsoleBuf {
    head: Vec<u8>,
    tail: VecDeque<u8>,
    total: usize,
    limit: usize,
}

impl BoundedConsole {
    fn new(limit: usize) -> Self {
        Self(Arc::new(Mutex::new(ConsoleBuf {
            head: Vec::new(),
            tail: VecDeque::new(),
            total: 0,
            limit,
        })))
    }

    fn text(&self) -> String {
        let Ok(b) = self.0.lock() else {
            return String::new();
        };
        let mut bytes = b.head.clone();
        let kept = b.head.len() + b.tail.len();
        if b.total > kept {
            bytes.extend_from_slice(
                format!("\n[... {} bytes not kept ...]\n", b.total - kept).as_bytes(),
            );
        }
        bytes.extend(b.tail.iter());
        String::from_utf8_lossy(&bytes).into_owned()
    }
}

impl std::io::Write for BoundedConsole {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let mut b = self
            .0
            .lock()
            .map_err(|_| std::io::Error::other("console lock poisoned"))?;
        b.total += buf.len();
        let head_room = (b.limit / 4).saturating_sub(b.head.len());
        let (to_head, rest) = buf.split_at(head_room.min(buf.len()));
        b.head.extend_from_slice(to_head);
        let tail_limit = b.limit - b.limit / 4;
        b.tail.extend(rest.iter());
        let excess = b.tail.len().saturating_sub(tail_limit);
        b.tail.drain(..excess);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn machine_errors_name_their_key() {
        let t = |s: &str| -> toml::Table { s.parse().unwrap() };
        let e = Hartlab
            .resolve_machine(&t("[machine]\nharts = 0\n"))
            .unwrap_err();
        assert_eq!(e.key.as_deref(), Some("machine.harts"), "{e:?}");
        let e = Hartlab
            .resolve_machine(&t("[uintr]\nslots = 3\n"))
            .unwrap_err();
        assert_eq!(e.key.as_deref(), Some("uintr.slots"), "{e:?}");
        assert!(e.message.contains("unknown field"), "{e:?}");
        let e = Hartlab.resolve_machine(&t("[uintrr]\n")).unwrap_err();
        assert_eq!(e.key.as_deref(), Some("uintrr"), "{e:?}");
        let e = Hartlab
            .resolve_machine(&t("[interconnect]\nmmio_cycles = \"x\"\n"))
            .unwrap_err();
        assert_eq!(e.key.as_deref(), Some("interconnect.mmio_cycles"), "{e:?}");
        let full = Hartlab
            .resolve_machine(&t("[machine]\nharts = 2\n"))
            .unwrap();
        assert_eq!(full["machine"]["harts"].as_integer(), Some(2));
        assert_eq!(
            full["interconnect"]["mmio_cycles"].as_integer(),
            Some(20),
            "defaults filled in"
        );
        let e = Hartlab
            .resolve_machine(&t("[memory.l1d]\nsize = 3000\n"))
            .unwrap_err();
        assert_eq!(e.key.as_deref(), Some("memory.l1d"), "{e:?}");
        assert!(e.message.starts_with("memory.l1d: "), "{e:?}");
    }

    #[test]
    fn console_keeps_its_ends_within_the_limit() {
        let mut c = BoundedConsole::new(40);
        for i in 0..100u8 {
            c.write_all(&[b'a' + i % 26]).unwrap();
        }
        let text = c.text();
        assert!(text.starts_with("abcdefghij"), "{text}");
        assert!(text.contains("[... 60 bytes not kept ...]"), "{text}");
        assert!(text.ends_with("opqrstuv"), "{text}");
    }
}
