//! Timelines: writing what `sim_core::trace` recorded during a run as a Chrome JSON trace
//! (the "Trace Event Format"), which ui.perfetto.dev and chrome://tracing open.
//!
//! Layout: a process "harts" with two threads per hart: "hart N" (the privilege mode as
//! slices, WFI sleeps nested in them, trap entries and returns as instant events) and
//! "hart N guest" (what the guest marked through the simulator-control device: spans such
//! as the thread the kernel runs, wake-ups, EVENT and sample stores). Then a process per
//! device: its interrupt lines as counters (`hart N MTIP`, `source 10`: 1 while raised) and
//! its own events (task-controller enqueue, dequeue, wake, send; UINTC send) on a thread.
//!
//! Records are sorted by simulated time (stably, so ties keep the machine's deterministic
//! order) before they are turned into events; spans are written as complete ("X") events
//! once both ends are known, and a guest span still open at the end (or an end without a
//! beginning) is closed at the end of the trace (or ignored), so the file is always well
//! nested. Timestamps are microseconds with picosecond digits. The same trace gives the
//! same bytes.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::Path;

use abi::sim_control::trace as kinds;
use anyhow::{Context, Result};
use serde_json::{json, Map, Value};
use sim_core::time::SimTime;
use sim_core::trace::{DeviceEventKind, GuestOp, Trace, TraceEvent};

/// A run's trace and what is needed to lay it out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Timeline {
    /// The records.
    pub trace: Trace,
    /// Number of harts.
    pub harts: usize,
    /// Simulated time at the end of the run: spans still open close here.
    pub end: SimTime,
}

/// What a written trace holds, for the message after a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Written {
    /// Trace events written (metadata included).
    pub events: usize,
    /// Records kept.
    pub records: usize,
    /// When the trace was cut (the record limit was reached), if it was.
    pub cut_at: Option<SimTime>,
    /// Records beyond the limit, not kept.
    pub dropped: u64,
}

/// The process of the harts' tracks.
const HARTS_PID: u64 = 1;

/// The process of device track `track`.
fn device_pid(track: u16) -> u64 {
    2 + track as u64
}

/// The thread of hart `hart`'s mode track.
fn hart_tid(hart: u32) -> u64 {
    2 * hart as u64 + 1
}

/// The thread of hart `hart`'s guest track.
fn guest_tid(hart: u32) -> u64 {
    2 * hart as u64 + 2
}

/// A device's own events' thread.
const DEVICE_TID: u64 = 1;

fn mode_name(mode: u8) -> &'static str {
    match mode {
        0 => "user",
        1 => "supervisor",
        _ => "machine",
    }
}

fn mode_letter(mode: u8) -> &'static str {
    match mode {
        0 => "U",
        1 => "S",
        _ => "M",
    }
}

/// The name of interrupt cause `code` (the `mip` bit of the same number).
fn interrupt_name(code: u16) -> String {
    let name = match code {
        0 => "USIP",
        1 => "SSIP",
        3 => "MSIP",
        4 => "UTIP",
        5 => "STIP",
        7 => "MTIP",
        8 => "UEIP",
        9 => "SEIP",
        11 => "MEIP",
        _ => return format!("bit {code}"),
    };
    name.to_string()
}

fn interrupt_cause(code: u16) -> String {
    let name = match code {
        0 => "user software",
        1 => "supervisor software",
        3 => "machine software",
        4 => "user timer",
        5 => "supervisor timer",
        7 => "machine timer",
        8 => "user external",
        9 => "supervisor external",
        11 => "machine external",
        _ => return format!("interrupt {code}"),
    };
    name.to_string()
}

fn exception_cause(code: u16) -> String {
    let name = match code {
        0 => "instruction misaligned",
        1 => "instruction access fault",
        2 => "illegal instruction",
        3 => "breakpoint",
        4 => "load misaligned",
        5 => "load access fault",
        6 => "store misaligned",
        7 => "store access fault",
        8 => "ecall from U",
        9 => "ecall from S",
        11 => "ecall from M",
        12 => "instruction page fault",
        13 => "load page fault",
        15 => "store page fault",
        _ => return format!("exception {code}"),
    };
    name.to_string()
}

/// The name of a guest trace kind.
fn kind_name(kind: u16) -> Option<&'static str> {
    kinds::NAMES
        .iter()
        .find(|(k, _)| *k == kind)
        .map(|(_, name)| *name)
}

/// The timeline name of a guest span or event value.
fn guest_name(value: u64, what: &str) -> String {
    let (kind, arg) = (kinds::kind(value), kinds::arg(value));
    match kind {
        kinds::THREAD | kinds::WAKE => {
            let (pid, tid) = kinds::thread_ids(arg);
            let prefix = if kind == kinds::WAKE { "wake " } else { "" };
            format!("{prefix}pid {pid} tid {tid}")
        }
        _ => match kind_name(kind) {
            Some(name) => format!("{name} {arg}"),
            None => format!("{what} {kind}:{arg}"),
        },
    }
}

fn guest_args(value: u64) -> Value {
    let (kind, arg) = (kinds::kind(value), kinds::arg(value));
    let mut args = Map::new();
    args.insert(
        "kind".into(),
        match kind_name(kind) {
            Some(name) => json!(name),
            None => json!(kind),
        },
    );
    args.insert("arg".into(), json!(arg));
    if matches!(kind, kinds::THREAD | kinds::WAKE) {
        let (pid, tid) = kinds::thread_ids(arg);
        args.insert("pid".into(), json!(pid));
        args.insert("tid".into(), json!(tid));
    }
    Value::Object(args)
}

/// What a trace event shows; its name and arguments are formed only when it is written, so
/// that a large trace is held compactly.
#[derive(Clone, Copy)]
enum What {
    /// A privilege-mode slice.
    Mode(u8),
    /// A WFI sleep.
    Wfi,
    /// A trap entry.
    Trap {
        code: u16,
        interrupt: bool,
        from: u8,
        to: u8,
        pc: u64,
        tval: u64,
    },
    /// A trap return.
    Xret { from: u8, to: u8, pc: u64 },
    /// A hart's interrupt line (a counter).
    Line { hart: u32, bit: u8, level: bool },
    /// A platform interrupt source (a counter).
    Source { source: u32, level: bool },
    /// A device's own event.
    Device {
        kind: &'static DeviceEventKind,
        hart: Option<u32>,
        args: [u64; 3],
    },
    /// A guest span or event.
    Guest { op: GuestOp, value: u64 },
    /// The end of a cut trace.
    Cut { limit: usize, dropped: u64 },
}

impl What {
    fn name(&self) -> String {
        match *self {
            What::Mode(mode) => mode_name(mode).into(),
            What::Wfi => "wfi".into(),
            What::Trap {
                code, interrupt, ..
            } => match interrupt {
                true => format!("interrupt: {}", interrupt_cause(code)),
                false => format!("exception: {}", exception_cause(code)),
            },
            What::Xret { to, .. } => format!("return to {}", mode_letter(to)),
            What::Line { hart, .. } => format!("hart {hart}"),
            What::Source { .. } => "source".into(),
            What::Device { kind, .. } => kind.name.into(),
            What::Guest { op, value } => match op {
                GuestOp::SpanBegin | GuestOp::SpanEnd => guest_name(value, "span"),
                GuestOp::Instant => guest_name(value, "event"),
                GuestOp::Event => format!("EVENT {value}"),
                GuestOp::Sample(key) => format!("sample {key}"),
            },
            What::Cut { limit, dropped } => {
                format!("trace cut: record limit {limit} reached, {dropped} more dropped")
            }
        }
    }

    fn args(&self) -> Value {
        match *self {
            What::Mode(_) | What::Wfi => Value::Null,
            What::Trap {
                code,
                from,
                to,
                pc,
                tval,
                ..
            } => json!({
                "cause": code,
                "from": mode_letter(from),
                "to": mode_letter(to),
                "pc": format!("{pc:#x}"),
                "tval": format!("{tval:#x}"),
            }),
            What::Xret { from, pc, .. } => {
                json!({ "from": mode_letter(from), "pc": format!("{pc:#x}") })
            }
            What::Line { bit, level, .. } => {
                let mut args = Map::new();
                args.insert(interrupt_name(bit as u16), json!(level as u8));
                Value::Object(args)
            }
            What::Source { source, level } => {
                let mut args = Map::new();
                args.insert(source.to_string(), json!(level as u8));
                Value::Object(args)
            }
            What::Device { kind, hart, args } => {
                let mut map = Map::new();
                if let Some(h) = hart {
                    map.insert("hart".into(), json!(h));
                }
                for (name, value) in kind.args.iter().zip(args) {
                    map.insert((*name).into(), json!(value));
                }
                Value::Object(map)
            }
            What::Guest { op, value } => match op {
                GuestOp::SpanBegin | GuestOp::SpanEnd | GuestOp::Instant => guest_args(value),
                GuestOp::Event => json!({ "id": value }),
                GuestOp::Sample(key) => json!({ "key": key, "value": value }),
            },
            What::Cut { limit, dropped } => json!({ "limit": limit, "dropped": dropped }),
        }
    }
}

/// One trace event before it is written.
struct Out {
    ts: SimTime,
    /// For complete events.
    dur: Option<SimTime>,
    ph: &'static str,
    pid: u64,
    tid: u64,
    what: What,
}

impl Out {
    fn json(&self) -> Value {
        let mut e = Map::new();
        e.insert("name".into(), json!(self.what.name()));
        e.insert("ph".into(), json!(self.ph));
        e.insert("ts".into(), micros(self.ts));
        if let Some(dur) = self.dur {
            e.insert("dur".into(), micros(dur));
        }
        e.insert("pid".into(), json!(self.pid));
        e.insert("tid".into(), json!(self.tid));
        if self.ph == "i" {
            e.insert("s".into(), json!(if self.pid == 0 { "g" } else { "t" }));
        }
        let args = self.what.args();
        if !args.is_null() {
            e.insert("args".into(), args);
        }
        Value::Object(e)
    }
}

/// Picoseconds as the format's microseconds.
fn micros(ps: SimTime) -> Value {
    json!(ps as f64 / 1e6)
}

/// An open slice: its start and what it shows.
#[derive(Clone, Copy)]
struct Open {
    since: SimTime,
    what: What,
}

/// Turns sorted records into trace events.
struct Builder {
    out: Vec<Out>,
    threads: BTreeSet<(u64, u64)>,
    modes: Vec<(u8, SimTime)>,
    wfi: Vec<Option<SimTime>>,
    /// Per hart, the open guest spans (kind, span), innermost last.
    spans: Vec<Vec<(u16, Open)>>,
}

impl Builder {
    fn new(harts: usize) -> Self {
        Self {
            out: Vec::new(),
            threads: BTreeSet::new(),
            modes: vec![(3, 0); harts],
            wfi: vec![None; harts],
            spans: (0..harts).map(|_| Vec::new()).collect(),
        }
    }

    fn emit(&mut self, ts: SimTime, ph: &'static str, (pid, tid): (u64, u64), what: What) {
        self.threads.insert((pid, tid));
        self.out.push(Out {
            ts,
            dur: None,
            ph,
            pid,
            tid,
            what,
        });
    }

    fn complete(&mut self, (pid, tid): (u64, u64), open: Open, end: SimTime) {
        self.threads.insert((pid, tid));
        self.out.push(Out {
            ts: open.since,
            dur: Some(end.saturating_sub(open.since)),
            ph: "X",
            pid,
            tid,
            what: open.what,
        });
    }

    fn hart(&self, hart: u32) -> Option<usize> {
        let h = hart as usize;
        (h < self.modes.len()).then_some(h)
    }

    /// Hart `hart` is in `mode` from `t` on.
    fn mode(&mut self, hart: u32, mode: u8, t: SimTime) {
        let Some(h) = self.hart(hart) else {
            return;
        };
        let (old, since) = self.modes[h];
        if old == mode {
            return;
        }
        self.modes[h] = (mode, t);
        self.mode_slice(hart, old, since, t);
    }

    fn mode_slice(&mut self, hart: u32, mode: u8, since: SimTime, end: SimTime) {
        if end > since {
            let open = Open {
                since,
                what: What::Mode(mode),
            };
            self.complete((HARTS_PID, hart_tid(hart)), open, end);
        }
    }

    fn record(&mut self, time: SimTime, event: &TraceEvent) {
        match *event {
            TraceEvent::Trap {
                hart,
                code,
                interrupt,
                from,
                to,
                pc,
                tval,
            } => {
                let what = What::Trap {
                    code,
                    interrupt,
                    from,
                    to,
                    pc,
                    tval,
                };
                self.emit(time, "i", (HARTS_PID, hart_tid(hart)), what);
                self.mode(hart, to, time);
            }
            TraceEvent::Xret { hart, from, to, pc } => {
                let what = What::Xret { from, to, pc };
                self.emit(time, "i", (HARTS_PID, hart_tid(hart)), what);
                self.mode(hart, to, time);
            }
            TraceEvent::WfiSleep { hart } => {
                if let Some(h) = self.hart(hart) {
                    self.wfi[h].get_or_insert(time);
                }
            }
            TraceEvent::WfiWake { hart } => {
                if let Some(since) = self.hart(hart).and_then(|h| self.wfi[h].take()) {
                    let open = Open {
                        since,
                        what: What::Wfi,
                    };
                    self.complete((HARTS_PID, hart_tid(hart)), open, time);
                }
            }
            TraceEvent::HartLine {
                track,
                hart,
                bit,
                level,
            } => {
                let what = What::Line { hart, bit, level };
                self.emit(time, "C", (device_pid(track), 0), what);
            }
            TraceEvent::Source {
                track,
                source,
                level,
            } => {
                let what = What::Source { source, level };
                self.emit(time, "C", (device_pid(track), 0), what);
            }
            TraceEvent::Device {
                track,
                kind,
                hart,
                args,
            } => {
                let what = What::Device { kind, hart, args };
                self.emit(time, "i", (device_pid(track), DEVICE_TID), what);
            }
            TraceEvent::Guest { hart, op, value } => self.guest(time, hart, op, value),
        }
    }

    fn guest(&mut self, time: SimTime, hart: u32, op: GuestOp, value: u64) {
        let Some(h) = self.hart(hart) else {
            return;
        };
        let track = (HARTS_PID, guest_tid(hart));
        let what = What::Guest { op, value };
        match op {
            GuestOp::SpanBegin => {
                self.spans[h].push((kinds::kind(value), Open { since: time, what }))
            }
            GuestOp::SpanEnd => {
                let kind = kinds::kind(value);
                if let Some(at) = self.spans[h].iter().rposition(|(k, _)| *k == kind) {
                    let closed: Vec<_> = self.spans[h].drain(at..).collect();
                    for (_, open) in closed.into_iter().rev() {
                        self.complete(track, open, time);
                    }
                }
            }
            GuestOp::Instant | GuestOp::Event | GuestOp::Sample(_) => {
                self.emit(time, "i", track, what)
            }
        }
    }

    /// Close everything still open at `end`.
    fn finish(&mut self, end: SimTime) {
        for h in 0..self.modes.len() {
            let hart = h as u32;
            if let Some(since) = self.wfi[h].take() {
                let open = Open {
                    since,
                    what: What::Wfi,
                };
                self.complete((HARTS_PID, hart_tid(hart)), open, end.max(since));
            }
            let (mode, since) = self.modes[h];
            self.mode_slice(hart, mode, since, end);
            let open: Vec<_> = std::mem::take(&mut self.spans[h]);
            for (_, span) in open.into_iter().rev() {
                let end = end.max(span.since);
                self.complete((HARTS_PID, guest_tid(hart)), span, end);
            }
        }
    }
}

fn metadata(name: &str, pid: u64, tid: u64, args: Value) -> Value {
    json!({ "name": name, "ph": "M", "pid": pid, "tid": tid, "args": args })
}

/// Write `timeline` as a Chrome JSON trace to `out`.
pub fn write_chrome_json(timeline: &Timeline, out: &mut dyn Write) -> Result<Written> {
    let trace = &timeline.trace;
    let mut records: Vec<_> = trace.records.iter().collect();
    records.sort_by_key(|r| r.time);
    let last = records.last().map_or(0, |r| r.time);
    let end = match trace.cut_at {
        Some(cut) => cut.max(last),
        None => timeline.end.max(last),
    };
    let mut b = Builder::new(timeline.harts);
    for r in &records {
        b.record(r.time, &r.event);
    }
    b.finish(end);
    if let Some(cut) = trace.cut_at {
        let what = What::Cut {
            limit: trace.limit,
            dropped: trace.dropped,
        };
        b.emit(cut, "i", (0, 0), what);
    }
    // Time order; at equal times the longer slice first, so parents precede children.
    let mut events = std::mem::take(&mut b.out);
    events.sort_by(|a, b| {
        a.ts.cmp(&b.ts)
            .then_with(|| b.dur.unwrap_or(0).cmp(&a.dur.unwrap_or(0)))
    });
    let mut meta = vec![
        metadata("process_name", HARTS_PID, 0, json!({ "name": "harts" })),
        metadata(
            "process_sort_index",
            HARTS_PID,
            0,
            json!({ "sort_index": 0 }),
        ),
    ];
    for h in 0..timeline.harts as u32 {
        for (tid, name) in [
            (hart_tid(h), format!("hart {h}")),
            (guest_tid(h), format!("hart {h} guest")),
        ] {
            if tid == hart_tid(h) || b.threads.contains(&(HARTS_PID, tid)) {
                meta.push(metadata(
                    "thread_name",
                    HARTS_PID,
                    tid,
                    json!({ "name": name }),
                ));
                meta.push(metadata(
                    "thread_sort_index",
                    HARTS_PID,
                    tid,
                    json!({ "sort_index": tid }),
                ));
            }
        }
    }
    for (track, name) in trace.tracks.iter().enumerate() {
        let pid = device_pid(track as u16);
        if !b.threads.iter().any(|&(p, _)| p == pid) {
            continue;
        }
        meta.push(metadata("process_name", pid, 0, json!({ "name": name })));
        meta.push(metadata(
            "process_sort_index",
            pid,
            0,
            json!({ "sort_index": pid }),
        ));
        if b.threads.contains(&(pid, DEVICE_TID)) {
            meta.push(metadata(
                "thread_name",
                pid,
                DEVICE_TID,
                json!({ "name": format!("{name} events") }),
            ));
        }
    }
    out.write_all(b"{\"traceEvents\":[\n")?;
    let mut first = true;
    let all = meta.iter().cloned().chain(events.iter().map(Out::json));
    let mut count = 0;
    for event in all {
        if !first {
            out.write_all(b",\n")?;
        }
        first = false;
        serde_json::to_writer(&mut *out, &event)?;
        count += 1;
    }
    let other = json!({
        "generator": "hartlab",
        "harts": timeline.harts,
        "records": trace.records.len(),
        "record_limit": trace.limit,
        "dropped": trace.dropped,
        "cut_at_ps": trace.cut_at,
        "end_ps": end,
    });
    out.write_all(b"\n],\"displayTimeUnit\":\"ns\",\"otherData\":")?;
    serde_json::to_writer(&mut *out, &other)?;
    out.write_all(b"}\n")?;
    out.flush()?;
    Ok(Written {
        events: count,
        records: trace.records.len(),
        cut_at: trace.cut_at,
        dropped: trace.dropped,
    })
}

/// Make sure a trace can be written to `path` before a run spends time on it.
pub fn check_writable(path: &Path) -> Result<()> {
    std::fs::File::create(path)
        .map(drop)
        .with_context(|| format!("cannot write the trace file {}", path.display()))
}

/// Write `timeline` to the file at `path`.
pub fn write_file(timeline: &Timeline, path: &Path) -> Result<Written> {
    let file = std::fs::File::create(path)
        .with_context(|| format!("cannot write the trace file {}", path.display()))?;
    let mut w = std::io::BufWriter::new(file);
    write_chrome_json(timeline, &mut w)
        .with_context(|| format!("cannot write the trace file {}", path.display()))
}

/// The line a command prints about a written trace (on stderr).
pub fn describe(path: &Path, written: &Written) -> String {
    match written.cut_at {
        Some(cut) => format!(
            "trace {}: cut at simulated time {} ps ({:.6} ms): the record limit {} was reached \
             and {} later records were dropped (raise it with --trace-limit)",
            path.display(),
            cut,
            cut as f64 / 1e9,
            written.records,
            written.dropped
        ),
        None => format!(
            "trace {}: {} records, {} trace events (open it in ui.perfetto.dev)",
            path.display(),
            written.records,
            written.events
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sim_core::trace::Record;

    static POKE: DeviceEventKind = DeviceEventKind {
        name: "poke",
        args: &["n"],
    };

    fn rec(time: SimTime, event: TraceEvent) -> Record {
        Record { time, event }
    }

    fn write(timeline: &Timeline) -> (Value, String) {
        let mut bytes = Vec::new();
        write_chrome_json(timeline, &mut bytes).unwrap();
        let text = String::from_utf8(bytes).unwrap();
        (serde_json::from_str(&text).unwrap(), text)
    }

    fn events(v: &Value) -> &Vec<Value> {
        v["traceEvents"].as_array().unwrap()
    }

    fn sample() -> Timeline {
        let thread = kinds::value(kinds::THREAD, kinds::thread(3, 4));
        Timeline {
            trace: Trace {
                records: vec![
                    rec(
                        5_000,
                        TraceEvent::Trap {
                            hart: 0,
                            code: 5,
                            interrupt: true,
                            from: 0,
                            to: 1,
                            pc: 0x1000,
                            tval: 0,
                        },
                    ),
                    rec(
                        2_000,
                        TraceEvent::Xret {
                            hart: 0,
                            from: 3,
                            to: 0,
                            pc: 0x1000,
                        },
                    ),
                    rec(
                        1_000,
                        TraceEvent::Guest {
                            hart: 0,
                            op: GuestOp::SpanBegin,
                            value: thread,
                        },
                    ),
                    rec(
                        3_000,
                        TraceEvent::HartLine {
                            track: 0,
                            hart: 0,
                            bit: 5,
                            level: true,
                        },
                    ),
                    rec(
                        4_000,
                        TraceEvent::Device {
                            track: 1,
                            kind: &POKE,
                            hart: Some(0),
                            args: [9, 0, 0],
                        },
                    ),
                    rec(
                        6_000,
                        TraceEvent::Guest {
                            hart: 0,
                            op: GuestOp::SpanEnd,
                            value: kinds::value(kinds::THREAD, 0),
                        },
                    ),
                    rec(
                        6_500,
                        TraceEvent::Guest {
                            hart: 0,
                            op: GuestOp::SpanEnd,
                            value: kinds::value(kinds::COROUTINE, 0),
                        },
                    ),
                ],
                tracks: vec!["clint".into(), "gadget".into()],
                limit: 100,
                cut_at: None,
                dropped: 0,
            },
            harts: 1,
            end: 10_000,
        }
    }

    #[test]
    fn lays_out_modes_traps_lines_devices_and_guest_spans() {
        let (v, _) = write(&sample());
        let ev = events(&v);
        let find = |name: &str| {
            ev.iter()
                .find(|e| e["name"] == name)
                .unwrap_or_else(|| panic!("no {name} in {ev:#?}"))
        };
        assert_eq!(find("thread_name")["args"]["name"], "hart 0");
        // M from 0 to the return at 2 ns, U to the trap at 5 ns, S to the end.
        let machine = find("machine");
        assert_eq!(
            (machine["ph"].as_str(), machine["dur"].as_f64()),
            (Some("X"), Some(0.002))
        );
        assert_eq!(find("user")["ts"], 0.002);
        assert_eq!(find("supervisor")["dur"], 0.005);
        let trap = find("interrupt: supervisor timer");
        assert_eq!(trap["args"]["to"], "S");
        assert_eq!(trap["tid"], hart_tid(0));
        let line = ev.iter().find(|e| e["ph"] == "C").unwrap();
        assert_eq!(
            (line["name"].as_str(), line["args"]["STIP"].as_u64()),
            (Some("hart 0"), Some(1))
        );
        assert_eq!(line["pid"], device_pid(0));
        assert_eq!(find("poke")["args"]["n"], 9);
        let span = find("pid 3 tid 4");
        assert_eq!(
            (span["ts"].as_f64(), span["dur"].as_f64()),
            (Some(0.001), Some(0.005))
        );
        assert_eq!(span["tid"], guest_tid(0));
        assert!(ev.iter().all(|e| e["ph"] != "B" && e["ph"] != "E"));
        // Sorted by time after the metadata.
        let ts: Vec<f64> = ev
            .iter()
            .filter(|e| e["ph"] != "M")
            .map(|e| e["ts"].as_f64().unwrap())
            .collect();
        assert!(ts.windows(2).all(|w| w[0] <= w[1]), "{ts:?}");
        assert_eq!(v["displayTimeUnit"], "ns");
    }

    #[test]
    fn the_same_trace_gives_the_same_bytes() {
        assert_eq!(write(&sample()).1, write(&sample()).1);
    }

    #[test]
    fn a_cut_trace_says_so_and_closes_at_the_cut() {
        let mut timeline = sample();
        timeline.trace.cut_at = Some(7_000);
        timeline.trace.dropped = 12;
        let (v, _) = write(&timeline);
        let ev = events(&v);
        let cut = ev
            .iter()
            .find(|e| e["name"].as_str().unwrap().starts_with("trace cut"))
            .unwrap();
        assert_eq!(
            (cut["ts"].as_f64(), cut["s"].as_str()),
            (Some(0.007), Some("g"))
        );
        assert_eq!(cut["args"]["dropped"], 12);
        let s = ev.iter().find(|e| e["name"] == "supervisor").unwrap();
        assert_eq!(s["dur"], 0.002, "closed at the cut");
        assert_eq!(v["otherData"]["cut_at_ps"], 7000);
    }
}
