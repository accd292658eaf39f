//! Timeline tracing: a record of simulated-time events (trap entries and returns, WFI sleeps,
//! interrupt-line edges, device operations, guest spans) for viewing a run as a timeline.
//!
//! Why it looks like this: tracing must cost nothing when it is off and must never change
//! what is simulated. A [`Tracer`] is a cheap handle that is either off (no buffer: recording
//! is one predictable branch) or shares one bounded buffer; harts hold one and record only at
//! traps, xRETs and WFI, never per instruction; devices receive a [`DeviceTracer`] (the
//! handle plus their own track) when they are mapped, and interrupt-line edges are recorded
//! by [`IrqLines`](crate::bus::IrqLines) itself, attributed to the device the bus is calling.
//! Recording only appends to the buffer: nothing the simulation reads depends on it.
//!
//! `sim-core` knows no specific device, so device events name themselves through static
//! [`DeviceEventKind`]s, and guest spans carry the raw values the guest stored. Turning the
//! records into a file (the host crate writes Chrome's JSON trace format) is left to the
//! caller of [`Tracer::take`].
//!
//! The buffer holds at most a fixed number of records; the first record beyond it marks the
//! trace as cut at that record's time, and every later one is only counted.

use std::sync::{Arc, Mutex, MutexGuard};

use crate::time::SimTime;

/// A kind of device event, named by the device that records it.
#[derive(Debug, PartialEq, Eq)]
pub struct DeviceEventKind {
    /// The event's name on the timeline ("enqueue", "send", ...).
    pub name: &'static str,
    /// Names of the event's arguments, in the order of [`TraceEvent::Device`]'s `args`
    /// (unused trailing arguments have no name).
    pub args: &'static [&'static str],
}

/// What a guest asked the simulator-control device to record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GuestOp {
    /// A span opens on the hart (the value names it).
    SpanBegin,
    /// The innermost open span of the value's kind closes on the hart.
    SpanEnd,
    /// A point event (the value names it).
    Instant,
    /// An EVENT-register store (the value is its id).
    Event,
    /// A sample store with this key.
    Sample(u16),
}

/// One traced event. Hart-scoped events name the hart; device-scoped ones their track
/// (see [`Tracer::add_track`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TraceEvent {
    /// A hart entered a trap handler.
    Trap {
        /// The hart.
        hart: u32,
        /// Cause code (without the interrupt bit).
        code: u16,
        /// An interrupt (else an exception).
        interrupt: bool,
        /// Privilege mode before (0 U, 1 S, 3 M).
        from: u8,
        /// Privilege mode of the handler.
        to: u8,
        /// The interrupted or faulting pc.
        pc: u64,
        /// The trap value (`xtval`).
        tval: u64,
    },
    /// A hart returned from a trap handler (MRET, SRET, URET).
    Xret {
        /// The hart.
        hart: u32,
        /// Privilege mode before.
        from: u8,
        /// Privilege mode returned to.
        to: u8,
        /// The pc returned to.
        pc: u64,
    },
    /// A hart went to sleep in WFI.
    WfiSleep {
        /// The hart.
        hart: u32,
    },
    /// A hart woke from WFI.
    WfiWake {
        /// The hart.
        hart: u32,
    },
    /// A device changed a hart's interrupt line (`mip` bit).
    HartLine {
        /// The driving device's track.
        track: u16,
        /// The hart.
        hart: u32,
        /// The `mip` bit.
        bit: u8,
        /// The new level.
        level: bool,
    },
    /// A device changed the level of a platform interrupt source.
    Source {
        /// The driving device's track.
        track: u16,
        /// The source number.
        source: u32,
        /// The new level.
        level: bool,
    },
    /// A device-specific event.
    Device {
        /// The device's track.
        track: u16,
        /// What happened.
        kind: &'static DeviceEventKind,
        /// The hart concerned, if any.
        hart: Option<u32>,
        /// Arguments, named by `kind.args`.
        args: [u64; 3],
    },
    /// A guest span or event stored through the simulator-control device.
    Guest {
        /// The storing hart.
        hart: u32,
        /// What it asked for.
        op: GuestOp,
        /// The stored value.
        value: u64,
    },
}

/// An event and when it happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Record {
    /// Simulated time in picoseconds.
    pub time: SimTime,
    /// The event.
    pub event: TraceEvent,
}

/// What a run recorded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Trace {
    /// Records in the order they were made (the machine's deterministic order, not
    /// necessarily sorted by time).
    pub records: Vec<Record>,
    /// Device track names, indexed by track.
    pub tracks: Vec<String>,
    /// The records kept at most.
    pub limit: usize,
    /// Time of the first record that did not fit, if the trace was cut.
    pub cut_at: Option<SimTime>,
    /// Records that did not fit.
    pub dropped: u64,
}

/// Default for the number of records kept.
pub const DEFAULT_LIMIT: usize = 1_000_000;

/// A handle on a trace buffer, or off. Clones share the buffer.
#[derive(Debug, Clone, Default)]
pub struct Tracer {
    buffer: Option<Arc<Mutex<Trace>>>,
}

impl Tracer {
    /// A tracer that records nothing.
    pub fn off() -> Self {
        Self::default()
    }

    /// A tracer keeping at most `limit` records (at least 1).
    pub fn with_limit(limit: usize) -> Self {
        Self {
            buffer: Some(Arc::new(Mutex::new(Trace {
                limit: limit.max(1),
                ..Trace::default()
            }))),
        }
    }

    /// Whether it records.
    #[inline(always)]
    pub fn is_on(&self) -> bool {
        self.buffer.is_some()
    }

    fn lock(buffer: &Mutex<Trace>) -> MutexGuard<'_, Trace> {
        // A panic while holding the lock leaves a consistent Vec: carry on with it.
        buffer
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Record `event` at `time`.
    #[inline]
    pub fn record(&self, time: SimTime, event: TraceEvent) {
        if let Some(buffer) = &self.buffer {
            Self::push(buffer, time, event);
        }
    }

    #[cold]
    fn push(buffer: &Mutex<Trace>, time: SimTime, event: TraceEvent) {
        let mut trace = Self::lock(buffer);
        if trace.records.len() < trace.limit {
            trace.records.push(Record { time, event });
        } else {
            trace.cut_at.get_or_insert(time);
            trace.dropped += 1;
        }
    }

    /// A new device track named `name`; 0 when off.
    pub fn add_track(&self, name: &str) -> u16 {
        let Some(buffer) = &self.buffer else {
            return 0;
        };
        let mut trace = Self::lock(buffer);
        trace.tracks.push(name.to_string());
        (trace.tracks.len() - 1) as u16
    }

    /// Take what has been recorded (leaving the buffer empty, with its tracks and limit);
    /// `None` when off.
    pub fn take(&self) -> Option<Trace> {
        let buffer = self.buffer.as_ref()?;
        let mut trace = Self::lock(buffer);
        let taken = Trace {
            records: std::mem::take(&mut trace.records),
            tracks: trace.tracks.clone(),
            limit: trace.limit,
            cut_at: trace.cut_at.take(),
            dropped: std::mem::take(&mut trace.dropped),
        };
        Some(taken)
    }
}

/// A device's capability to record on its own track (see [`crate::bus::Device::attach_tracer`]).
#[derive(Debug, Clone, Default)]
pub struct DeviceTracer {
    tracer: Tracer,
    track: u16,
}

impl DeviceTracer {
    /// Recording through `tracer` on `track`.
    pub fn new(tracer: Tracer, track: u16) -> Self {
        Self { tracer, track }
    }

    /// Whether it records.
    #[inline(always)]
    pub fn is_on(&self) -> bool {
        self.tracer.is_on()
    }

    /// Record a `kind` event at `time`, concerning `hart` if any.
    #[inline]
    pub fn event(
        &self,
        time: SimTime,
        kind: &'static DeviceEventKind,
        hart: Option<usize>,
        args: [u64; 3],
    ) {
        let track = self.track;
        self.tracer.record(
            time,
            TraceEvent::Device {
                track,
                kind,
                hart: hart.map(|h| h as u32),
                args,
            },
        );
    }

    /// Record a guest operation of `hart` at `time`.
    #[inline]
    pub fn guest(&self, time: SimTime, hart: usize, op: GuestOp, value: u64) {
        self.tracer.record(
            time,
            TraceEvent::Guest {
                hart: hart as u32,
                op,
                value,
            },
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static POKE: DeviceEventKind = DeviceEventKind {
        name: "poke",
        args: &["n"],
    };

    #[test]
    fn off_records_nothing() {
        let t = Tracer::off();
        assert!(!t.is_on());
        t.record(5, TraceEvent::WfiSleep { hart: 0 });
        assert_eq!(t.add_track("x"), 0);
        assert_eq!(t.take(), None);
    }

    #[test]
    fn clones_share_one_buffer_in_recording_order() {
        let t = Tracer::with_limit(10);
        let track = t.add_track("dev");
        let dev = DeviceTracer::new(t.clone(), track);
        t.record(20, TraceEvent::WfiSleep { hart: 1 });
        dev.event(10, &POKE, Some(1), [7, 0, 0]);
        dev.guest(30, 0, GuestOp::Sample(3), 99);
        let trace = t.take().unwrap();
        assert_eq!(trace.tracks, ["dev"]);
        assert_eq!(
            trace.records.iter().map(|r| r.time).collect::<Vec<_>>(),
            [20, 10, 30]
        );
        assert_eq!(
            trace.records[1].event,
            TraceEvent::Device {
                track: 0,
                kind: &POKE,
                hart: Some(1),
                args: [7, 0, 0]
            }
        );
        assert_eq!(trace.cut_at, None);
        assert!(t.take().unwrap().records.is_empty(), "taken");
    }

    #[test]
    fn the_limit_cuts_and_counts() {
        let t = Tracer::with_limit(3);
        for i in 0..10 {
            t.record(100 * i, TraceEvent::WfiWake { hart: 0 });
        }
        let trace = t.take().unwrap();
        assert_eq!(trace.records.len(), 3);
        assert_eq!(trace.cut_at, Some(300));
        assert_eq!(trace.dropped, 7);
        assert_eq!(trace.limit, 3);
    }
}
