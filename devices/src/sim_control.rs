//! The hartlab simulator-control device (`hartlab,sim-control`), hartlab's counterpart of
//! gem5's m5ops: guest code asks the simulator for things, and hands it measurements, with
//! plain loads and stores. The full specification is `docs/hardware/sim-control.md`.
//!
//! Registers (64-bit, offsets from the base `0x0010_2000`):
//!
//! | offset | name   | access | meaning                                                  |
//! |--------|--------|--------|----------------------------------------------------------|
//! | 0x00   | TIMING | R/W    | 1 while harts run timed, 0 while functional; writing 1   |
//! |        |        |        | switches to timed, 0 to functional (fast-forward), for   |
//! |        |        |        | every hart, from the next instruction on                 |
//! | 0x10   | EVENT  | W      | records event `id` = the value, with the hart, the       |
//! |        |        |        | simulated time and the hart's cycle count                |
//! | 0x18   | STATS  | W      | 1 resets the simulator statistics, 2 dumps them          |
//! | 0x20   | NOW_PS | R      | the accessing hart's simulated time in picoseconds       |
//! | 0x28   | SPAN_BEGIN | W  | opens a timeline span (kind in bits 63..48) on the hart  |
//! | 0x30   | SPAN_END | W    | closes the hart's innermost open span of that kind       |
//! | 0x38   | TRACE_EVENT | W | marks a point on the hart's timeline                     |
//! | 0x100 + 8k | SAMPLE k | W | records sample (k, value, hart, time), k in 0..480      |
//!
//! TIMING is an ordinary device register: accesses pay the interconnect round trip in timed
//! mode, as before. The others are magic operations (`DeviceCost::magic`): they cost only
//! `access_cycles` (default 0), skip the interconnect and do not end the hart's slice, so a
//! measurement perturbs neither the timing nor the interleaving it measures. Samples and events
//! are kept in the device, up to a cap each (then counted as dropped), and collected by the
//! board after the run; statistics requests go to the machine through
//! `MachineControl::stats`. Write-only registers read as 0; other offsets, and sizes other
//! than 4 and 8 bytes, fault.
//!
//! The trace registers (SPAN_BEGIN, SPAN_END, TRACE_EVENT) are magic too, and only reach the
//! run's timeline trace (`hartlab run --trace`), together with EVENT and sample stores; when
//! no trace is recorded they do nothing but cost what any measurement access costs, so a
//! guest executes the same instructions, at the same times, traced or not. The offsets come
//! from the guest's `abi` crate, which the kernel and `ulib` use too.

use std::any::Any;

use crate::device_tree::{DeviceTreeNode, NodeResult, NodeWriter};
use abi::sim_control as regs;
use sim_core::bus::{AccessCtx, BusFault, Device, DeviceCost, Mmio, Statistics, StatsRequest};
use sim_core::time::SimTime;
use sim_core::trace::{DeviceTracer, GuestOp};

/// TIMING register offset.
pub const TIMING: u64 = regs::TIMING as u64;
/// EVENT register offset.
pub const EVENT: u64 = regs::EVENT as u64;
/// STATS register offset.
pub const STATS: u64 = regs::STATS as u64;
/// NOW_PS register offset.
pub const NOW_PS: u64 = regs::NOW_PS as u64;
/// SPAN_BEGIN register offset.
pub const SPAN_BEGIN: u64 = regs::SPAN_BEGIN as u64;
/// SPAN_END register offset.
pub const SPAN_END: u64 = regs::SPAN_END as u64;
/// TRACE_EVENT register offset.
pub const TRACE_EVENT: u64 = regs::TRACE_EVENT as u64;
/// Offset of sample register 0; sample register `k` is at `SAMPLE + 8 * k`.
pub const SAMPLE: u64 = regs::SAMPLE as u64;
/// Number of sample keys.
pub const SAMPLE_KEYS: u64 = regs::SAMPLE_KEYS as u64;
/// STATS value that resets the statistics.
pub const STATS_RESET: u64 = regs::STATS_RESET;
/// STATS value that dumps the statistics.
pub const STATS_DUMP: u64 = regs::STATS_DUMP;

/// One recorded sample.
#[derive(serde::Serialize, serde::Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sample {
    /// Key (sample register number, 0..480).
    pub key: u16,
    /// The stored value.
    pub value: u64,
    /// The hart that stored it.
    pub hart: u32,
    /// Simulated time of the store in picoseconds.
    pub time_ps: SimTime,
}

/// One recorded event.
#[derive(serde::Serialize, serde::Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
pub struct Event {
    /// The stored id.
    pub id: u64,
    /// The hart that stored it.
    pub hart: u32,
    /// Simulated time of the store in picoseconds.
    pub time_ps: SimTime,
    /// The hart's cycle count (`mcycle`) at the store.
    pub cycle: u64,
}

/// The device's configuration (`[sim_control]` in the machine TOML).
#[derive(serde::Serialize, serde::Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
pub struct SimControlConfig {
    /// Cycles a measurement access (EVENT, STATS, NOW_PS, samples) costs the hart.
    pub access_cycles: u32,
    /// Samples kept per run; later ones are counted as dropped.
    pub max_samples: usize,
    /// Events kept per run; later ones are counted as dropped.
    pub max_events: usize,
}

impl Default for SimControlConfig {
    fn default() -> Self {
        Self {
            access_cycles: 0,
            max_samples: 1_000_000,
            max_events: 100_000,
        }
    }
}

/// What the guest recorded during a run.
#[derive(serde::Serialize, serde::Deserialize, Debug, Clone, Default, PartialEq, Eq)]
pub struct Recording {
    /// Samples in the order they were stored.
    pub samples: Vec<Sample>,
    /// Events in the order they were stored.
    pub events: Vec<Event>,
    /// Samples beyond `max_samples`, not kept.
    pub samples_dropped: u64,
    /// Events beyond `max_events`, not kept.
    pub events_dropped: u64,
}

/// The simulator-control device.
#[derive(serde::Serialize, serde::Deserialize, Debug, Default)]
pub struct SimControl {
    config: SimControlConfig,
    recording: Recording,
    #[serde(skip)]
    tracer: DeviceTracer,
}

impl SimControl {
    /// Size of the register window.
    pub const SIZE: u64 = 0x1000;

    /// The device with the default configuration.
    pub fn new() -> Self {
        Self::default()
    }

    /// The device with `config`.
    pub fn with_config(config: SimControlConfig) -> Self {
        Self {
            config,
            recording: Recording::default(),
            tracer: DeviceTracer::default(),
        }
    }

    /// What the guest has recorded so far.
    pub fn recording(&self) -> &Recording {
        &self.recording
    }

    /// Take what the guest has recorded, leaving the device empty.
    pub fn take_recording(&mut self) -> Recording {
        std::mem::take(&mut self.recording)
    }

    /// The sample key of a register offset, if it is a sample register.
    fn sample_key(offset: u64) -> Option<u16> {
        let k = offset.checked_sub(SAMPLE)?;
        (k % 8 == 0 && k / 8 < SAMPLE_KEYS).then_some((k / 8) as u16)
    }

    /// Whether `offset` is a measurement register (everything but TIMING).
    fn measurement(offset: u64) -> bool {
        matches!(
            offset,
            EVENT | STATS | NOW_PS | SPAN_BEGIN | SPAN_END | TRACE_EVENT
        ) || Self::sample_key(offset).is_some()
    }
}

impl Device for SimControl {
    capabilities!(statistics);

    checkpointed!(tracer);

    fn name(&self) -> &str {
        "sim-control"
    }

    fn window_size(&self) -> u64 {
        Self::SIZE
    }

    fn as_any_mut(&mut self) -> Option<&mut dyn Any> {
        Some(self)
    }

    fn attach_tracer(&mut self, tracer: DeviceTracer) {
        self.tracer = tracer;
    }
}

impl DeviceTreeNode for SimControl {
    fn write_node(&self, node: &mut NodeWriter) -> NodeResult {
        let control = node.begin("sim-control")?;
        node.compatible(&["hartlab,sim-control"])?;
        node.reg()?;
        node.end(control)
    }
}

impl Mmio for SimControl {
    fn read(&mut self, offset: u64, size: u32, ctx: &mut AccessCtx) -> Result<u64, BusFault> {
        if !matches!(size, 4 | 8) {
            return Err(BusFault);
        }
        match offset {
            TIMING => Ok(ctx.control.timed as u64),
            NOW_PS => Ok(ctx.now),
            EVENT | STATS | SPAN_BEGIN | SPAN_END | TRACE_EVENT => Ok(0),
            _ if Self::sample_key(offset).is_some() => Ok(0),
            _ => Err(BusFault),
        }
    }

    fn write(
        &mut self,
        offset: u64,
        size: u32,
        value: u64,
        ctx: &mut AccessCtx,
    ) -> Result<(), BusFault> {
        if !matches!(size, 4 | 8) {
            return Err(BusFault);
        }
        let r = &mut self.recording;
        let trace = |op| self.tracer.guest(ctx.now, ctx.hart, op, value);
        match offset {
            TIMING if value <= 1 => ctx.control.timed = value == 1,
            SPAN_BEGIN => trace(GuestOp::SpanBegin),
            SPAN_END => trace(GuestOp::SpanEnd),
            TRACE_EVENT => trace(GuestOp::Instant),
            EVENT => {
                trace(GuestOp::Event);
                ctx.control.guest_event(value);
                if r.events.len() < self.config.max_events {
                    r.events.push(Event {
                        id: value,
                        hart: ctx.hart as u32,
                        time_ps: ctx.now,
                        cycle: ctx.cycle,
                    });
                } else {
                    r.events_dropped += 1;
                }
            }
            STATS => {
                ctx.control.stats = Some(match value {
                    STATS_RESET => StatsRequest::Reset,
                    STATS_DUMP => StatsRequest::Dump,
                    _ => return Err(BusFault),
                })
            }
            _ => {
                let key = Self::sample_key(offset).ok_or(BusFault)?;
                trace(GuestOp::Sample(key));
                if r.samples.len() < self.config.max_samples {
                    r.samples.push(Sample {
                        key,
                        value,
                        hart: ctx.hart as u32,
                        time_ps: ctx.now,
                    });
                } else {
                    r.samples_dropped += 1;
                }
            }
        }
        Ok(())
    }

    /// Measurement registers are magic and cost the configured cycles; the rest are
    /// ordinary device registers.
    fn cost(&self, offset: u64, _write: bool) -> DeviceCost {
        let magic = Self::measurement(offset);
        DeviceCost {
            cycles: if magic { self.config.access_cycles } else { 0 },
            magic,
        }
    }
}

impl Statistics for SimControl {
    fn counters(&self) -> Vec<(String, u64)> {
        let r = &self.recording;
        vec![
            ("samples".to_string(), r.samples.len() as u64),
            ("samples_dropped".to_string(), r.samples_dropped),
            ("events".to_string(), r.events.len() as u64),
            ("events_dropped".to_string(), r.events_dropped),
        ]
    }

    /// The samples and events are the run's results, not statistics: a reset keeps them.
    fn reset_counters(&mut self) {}
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::Env;

    #[test]
    fn switches_the_timing_mode() {
        let mut env = Env::new(1, 1);
        let mut dev = SimControl::new();
        assert_eq!(env.read(&mut dev, 0, TIMING, 8), 0);
        env.write(&mut dev, 0, TIMING, 8, 1);
        assert!(env.control.timed);
        assert_eq!(env.read(&mut dev, 0, TIMING, 4), 1);
        env.write(&mut dev, 0, TIMING, 4, 0);
        assert!(!env.control.timed);
        assert!(
            !dev.cost(TIMING, true).magic,
            "TIMING crosses the interconnect"
        );
        assert_eq!(dev.cost(TIMING, true).cycles, 0);
    }

    #[test]
    fn rejects_unknown_registers_and_values() {
        let mut env = Env::new(1, 1);
        let mut dev = SimControl::new();
        assert!(env.try_write(&mut dev, 0, TIMING, 8, 2).is_err());
        assert!(env.try_write(&mut dev, 0, 0x8, 8, 1).is_err());
        assert!(env.try_read(&mut dev, 0, TIMING, 1).is_err());
        assert!(env.try_write(&mut dev, 0, STATS, 8, 3).is_err());
        assert!(env.try_write(&mut dev, 0, STATS, 8, 0).is_err());
        assert!(
            env.try_write(&mut dev, 0, SAMPLE + 4, 4, 1).is_err(),
            "misaligned key"
        );
        assert!(env.try_write(&mut dev, 0, SAMPLE + 8 * 480, 8, 1).is_err());
        assert!(env.try_read(&mut dev, 0, 0x40, 8).is_err());
        assert!(env.try_write(&mut dev, 0, EVENT, 2, 1).is_err());
        assert!(!env.control.timed);
        assert_eq!(env.control.stats, None);
        assert_eq!(dev.recording(), &Recording::default());
    }

    #[test]
    fn records_samples_and_events_with_hart_time_and_cycle() {
        let mut env = Env::new(2, 1);
        let mut dev = SimControl::new();
        env.now = 1_500;
        env.cycle = 7;
        env.write(&mut dev, 1, EVENT, 8, 42);
        env.write(&mut dev, 0, SAMPLE, 8, 10);
        env.now = 2_000;
        env.write(&mut dev, 1, SAMPLE + 8 * 479, 4, u32::MAX as u64);
        assert_eq!(env.read(&mut dev, 1, NOW_PS, 8), 2_000);
        assert_eq!(env.read(&mut dev, 1, SAMPLE, 8), 0, "write-only");
        assert_eq!(env.read(&mut dev, 1, EVENT, 8), 0, "write-only");
        let r = dev.take_recording();
        assert_eq!(
            r.events,
            [Event {
                id: 42,
                hart: 1,
                time_ps: 1_500,
                cycle: 7
            }]
        );
        assert_eq!(
            r.samples,
            [
                Sample {
                    key: 0,
                    value: 10,
                    hart: 0,
                    time_ps: 1_500
                },
                Sample {
                    key: 479,
                    value: u32::MAX as u64,
                    hart: 1,
                    time_ps: 2_000
                }
            ]
        );
        assert!(dev.recording().samples.is_empty(), "taken");
    }

    #[test]
    fn statistics_requests_reach_the_machine() {
        let mut env = Env::new(1, 1);
        let mut dev = SimControl::new();
        env.write(&mut dev, 0, STATS, 8, STATS_RESET);
        assert_eq!(env.control.stats.take(), Some(StatsRequest::Reset));
        env.write(&mut dev, 0, STATS, 4, STATS_DUMP);
        assert_eq!(env.control.stats.take(), Some(StatsRequest::Dump));
    }

    #[test]
    fn caps_bound_memory_and_count_what_they_drop() {
        let mut env = Env::new(1, 1);
        let mut dev = SimControl::with_config(SimControlConfig {
            access_cycles: 0,
            max_samples: 3,
            max_events: 1,
        });
        for v in 0..10 {
            env.write(&mut dev, 0, SAMPLE + 8, 8, v);
            env.write(&mut dev, 0, EVENT, 8, v);
        }
        let r = dev.recording();
        assert_eq!(r.samples.len(), 3);
        assert_eq!(r.samples_dropped, 7);
        assert_eq!(r.events.len(), 1);
        assert_eq!(r.events_dropped, 9);
        let counters = dev.counters();
        assert!(counters.contains(&("samples_dropped".to_string(), 7)));
        assert!(counters.contains(&("events".to_string(), 1)));
    }

    #[test]
    fn trace_registers_reach_the_timeline_only() {
        use sim_core::trace::{TraceEvent, Tracer};
        let mut env = Env::new(2, 1);
        let mut untraced = SimControl::new();
        env.write(&mut untraced, 0, SPAN_BEGIN, 8, 5);
        assert_eq!(untraced.recording(), &Recording::default());
        let tracer = Tracer::with_limit(100);
        let mut dev = SimControl::new();
        dev.attach_tracer(DeviceTracer::new(tracer.clone(), 0));
        env.now = 1_000;
        env.write(&mut dev, 1, SPAN_BEGIN, 8, 0x0001_0000_0000_0007);
        env.write(&mut dev, 1, TRACE_EVENT, 4, 9);
        env.write(&mut dev, 0, EVENT, 8, 42);
        env.write(&mut dev, 0, SAMPLE + 16, 8, 77);
        env.now = 2_000;
        env.write(&mut dev, 1, SPAN_END, 8, 0x0001_0000_0000_0000);
        for off in [SPAN_BEGIN, SPAN_END, TRACE_EVENT] {
            assert_eq!(env.read(&mut dev, 0, off, 8), 0, "write-only");
        }
        let guest = |time, hart, op, value| sim_core::trace::Record {
            time,
            event: TraceEvent::Guest { hart, op, value },
        };
        assert_eq!(
            tracer.take().unwrap().records,
            [
                guest(1_000, 1, GuestOp::SpanBegin, 0x0001_0000_0000_0007),
                guest(1_000, 1, GuestOp::Instant, 9),
                guest(1_000, 0, GuestOp::Event, 42),
                guest(1_000, 0, GuestOp::Sample(2), 77),
                guest(2_000, 1, GuestOp::SpanEnd, 0x0001_0000_0000_0000),
            ]
        );
        assert_eq!(dev.recording().events.len(), 1, "EVENT still records");
        assert_eq!(dev.recording().samples.len(), 1);
    }

    #[test]
    fn measurement_registers_are_magic_and_priced_by_the_configuration() {
        let dev = SimControl::new();
        for off in [
            EVENT,
            STATS,
            NOW_PS,
            SPAN_BEGIN,
            SPAN_END,
            TRACE_EVENT,
            SAMPLE,
            SAMPLE + 8 * 479,
        ] {
            assert!(dev.cost(off, true).magic, "{off:#x}");
            assert_eq!(dev.cost(off, true).cycles, 0, "{off:#x}");
        }
        assert!(!dev.cost(SAMPLE + 8 * 480, true).magic);
        let dev = SimControl::with_config(SimControlConfig {
            access_cycles: 5,
            ..SimControlConfig::default()
        });
        assert_eq!(dev.cost(SAMPLE + 16, true).cycles, 5);
        assert_eq!(dev.cost(NOW_PS, false).cycles, 5);
        assert_eq!(dev.cost(TIMING, true).cycles, 0);
    }
}
