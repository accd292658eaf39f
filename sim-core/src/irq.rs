//! Interrupt lines between devices and harts, and the handles through which a device drives
//! the lines it was wired to.
//!
//! [`IrqLines`] holds every line's level and edge times; it belongs to the system bus. A
//! device never sees it whole: it is handed the lines it drives at construction, as
//! [`HartLine`] (a `mip` bit on each hart) and [`SourceLine`] (a platform interrupt source)
//! values, and during a call it drives them through the [`Lines`] view, which accepts nothing
//! else. Interrupt controllers also read the sources' levels through that view.

use crate::time::SimTime;
use crate::trace::{TraceEvent, Tracer};

/// Number of low `mip` bits whose rise time is tracked.
const TIMED_BITS: usize = 16;
/// Devices that may drive the same `mip` bit of a hart.
pub const SHARED_DRIVERS: usize = 4;

/// Interrupt lines between devices and harts.
///
/// `hart_lines` are the `mip` bits driven from outside the hart (MSIP, MTIP, SEIP, MEIP ...);
/// `sources` are the platform interrupt sources (source 0 unused, as on the PLIC) whose levels
/// devices set and an interrupt controller reads.
///
/// Harts' local times differ, so a line carries the simulated times at which it last rose and
/// fell: a hart whose local time is earlier than a rise does not see the line yet, and one
/// whose time is earlier than a fall still sees it. A change is stamped with the time of the
/// access or device update that caused it (see [`IrqLines::set_now`]), or with an explicit
/// time (a timer that expired between updates). Only the latest rise and fall of each line
/// are kept.
#[derive(serde::Serialize, serde::Deserialize, Debug, Clone)]
pub struct IrqLines {
    hart_lines: Vec<u64>,
    rise: Vec<[SimTime; TIMED_BITS]>,
    fall: Vec<[SimTime; TIMED_BITS]>,
    /// Per hart, the low bits that have fallen since they last rose (those whose fall time
    /// means anything).
    fallen: Vec<u64>,
    /// Levels of the bits that several devices drive together (see
    /// [`IrqLines::set_shared_hart_line_at`]), per hart and driver.
    shared: Vec<[u64; SHARED_DRIVERS]>,
    now: SimTime,
    sources: Vec<bool>,
    sources_dirty: bool,
    /// Records line edges when on (see [`IrqLines::set_tracer`]).
    #[serde(skip)]
    tracer: Tracer,
    /// The trace track of the device driving the lines now (see [`IrqLines::set_driver`]).
    driver: u16,
}

impl IrqLines {
    /// Lines for `harts` harts and `sources` platform interrupt sources (numbered 1..sources).
    pub fn new(harts: usize, sources: usize) -> Self {
        Self {
            hart_lines: vec![0; harts],
            rise: vec![[0; TIMED_BITS]; harts],
            fall: vec![[0; TIMED_BITS]; harts],
            fallen: vec![0; harts],
            shared: vec![[0; SHARED_DRIVERS]; harts],
            now: 0,
            sources: vec![false; sources.max(1)],
            sources_dirty: false,
            tracer: Tracer::off(),
            driver: 0,
        }
    }

    /// Number of harts these lines connect.
    pub fn harts(&self) -> usize {
        self.hart_lines.len()
    }

    /// Record every line edge through `tracer` from now on.
    pub fn set_tracer(&mut self, tracer: Tracer) {
        self.tracer = tracer;
    }

    /// The tracer edges are recorded with.
    pub fn tracer(&self) -> &Tracer {
        &self.tracer
    }

    /// Attribute the edges that follow to the device on trace track `track` (the bus sets it
    /// before each call into a device).
    #[inline]
    pub fn set_driver(&mut self, track: u16) {
        self.driver = track;
    }

    /// Set the time that rising lines are stamped with (the time of the current access or
    /// device update).
    pub fn set_now(&mut self, now: SimTime) {
        self.now = now;
    }

    /// The time rising lines are stamped with now: that of the access or device update under
    /// way.
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// Drive the `mip` bit(s) in `mask` of `hart` to `level`, rising now. Out-of-range harts
    /// are ignored.
    pub fn set_hart_line(&mut self, hart: usize, mask: u64, level: bool) {
        let now = self.now;
        self.set_hart_line_at(hart, mask, level, now);
    }

    /// Drive the `mip` bit(s) in `mask` of `hart` to `level`; bits that change are stamped
    /// `at`.
    pub fn set_hart_line_at(&mut self, hart: usize, mask: u64, level: bool, at: SimTime) {
        let (Some(lines), Some(rise), Some(fall), Some(fallen)) = (
            self.hart_lines.get_mut(hart),
            self.rise.get_mut(hart),
            self.fall.get_mut(hart),
            self.fallen.get_mut(hart),
        ) else {
            return;
        };
        let new = if level { *lines | mask } else { *lines & !mask };
        let (rising, falling) = (new & !*lines, *lines & !new);
        for bit in 0..TIMED_BITS {
            if rising & (1 << bit) != 0 {
                rise[bit] = at;
            }
            if falling & (1 << bit) != 0 {
                fall[bit] = at;
            }
        }
        *fallen = (*fallen | falling) & !rising & ((1 << TIMED_BITS) - 1);
        *lines = new;
        if self.tracer.is_on() && rising | falling != 0 {
            self.trace_edges(hart, rising, falling, at);
        }
    }

    #[cold]
    fn trace_edges(&self, hart: usize, rising: u64, falling: u64, at: SimTime) {
        let mut changed = rising | falling;
        while changed != 0 {
            let bit = changed.trailing_zeros();
            changed &= changed - 1;
            self.tracer.record(
                at,
                TraceEvent::HartLine {
                    track: self.driver,
                    hart: hart as u32,
                    bit: bit as u8,
                    level: rising >> bit & 1 != 0,
                },
            );
        }
    }

    /// Drive the bit(s) in `mask` of `hart` as `driver` (below [`SHARED_DRIVERS`]), one of
    /// several devices that share them (the UINTC and the task controller both raise USIP):
    /// a bit is high while any driver holds it high, and keeps the time it first rose.
    pub fn set_shared_hart_line_at(
        &mut self,
        driver: usize,
        hart: usize,
        mask: u64,
        level: bool,
        at: SimTime,
    ) {
        let Some(levels) = self.shared.get_mut(hart) else {
            return;
        };
        let Some(d) = levels.get_mut(driver) else {
            return;
        };
        if level {
            *d |= mask;
        } else {
            *d &= !mask;
        }
        let high = levels.iter().fold(0, |a, &b| a | b) & mask;
        self.set_hart_line_at(hart, high, true, at);
        self.set_hart_line_at(hart, mask & !high, false, at);
    }

    /// The externally driven `mip` bits of `hart`, whatever their rise time (0 for an unknown
    /// hart).
    #[inline]
    pub fn hart_lines(&self, hart: usize) -> u64 {
        self.hart_lines.get(hart).copied().unwrap_or(0)
    }

    /// The externally driven `mip` bits of `hart` as seen at local time `t`: lines that rose
    /// later than `t` are not visible yet, lines that fell later than `t` still are.
    #[inline]
    pub fn hart_lines_at(&self, hart: usize, t: SimTime) -> u64 {
        let (Some(&lines), Some(rise), Some(fall), Some(&fallen)) = (
            self.hart_lines.get(hart),
            self.rise.get(hart),
            self.fall.get(hart),
            self.fallen.get(hart),
        ) else {
            return 0;
        };
        let mut visible = lines;
        let mut timed = lines & ((1 << TIMED_BITS) - 1);
        while timed != 0 {
            let bit = timed.trailing_zeros() as usize;
            if rise[bit] > t {
                visible &= !(1 << bit);
            }
            timed &= timed - 1;
        }
        let mut low = fallen;
        while low != 0 {
            let bit = low.trailing_zeros() as usize;
            if fall[bit] > t && rise[bit] <= t {
                visible |= 1 << bit;
            }
            low &= low - 1;
        }
        visible
    }

    /// When the raised line `bit` (below 16) of `hart` rose, if it is raised.
    pub fn rise_time(&self, hart: usize, bit: u32) -> Option<SimTime> {
        let (&lines, rise) = (self.hart_lines.get(hart)?, self.rise.get(hart)?);
        let rise = rise.get(bit as usize)?;
        (lines >> bit & 1 != 0).then_some(*rise)
    }

    /// The earliest time after `t` at which a raised line of `hart` becomes visible.
    pub fn next_rise(&self, hart: usize, t: SimTime) -> Option<SimTime> {
        let (&lines, rise) = (self.hart_lines.get(hart)?, self.rise.get(hart)?);
        (0..TIMED_BITS)
            .filter(|&bit| lines & (1 << bit) != 0 && rise[bit] > t)
            .map(|bit| rise[bit])
            .min()
    }

    /// Set the level of platform interrupt source `source`. Unknown sources are ignored.
    pub fn set_source(&mut self, source: usize, level: bool) {
        if let Some(s) = self.sources.get_mut(source) {
            if *s != level {
                *s = level;
                self.sources_dirty = true;
                self.tracer.record(
                    self.now,
                    TraceEvent::Source {
                        track: self.driver,
                        source: source as u32,
                        level,
                    },
                );
            }
        }
    }

    /// Level of platform interrupt source `source` (false for an unknown source).
    pub fn source(&self, source: usize) -> bool {
        self.sources.get(source).copied().unwrap_or(false)
    }

    /// Number of source slots (including the unused source 0).
    pub fn source_count(&self) -> usize {
        self.sources.len()
    }

    /// Whether any source changed since the last call; clears the flag.
    pub fn take_sources_dirty(&mut self) -> bool {
        std::mem::take(&mut self.sources_dirty)
    }
}

/// A `mip` bit that a device drives on the harts it serves, handed to the device when it is
/// built. The line is the device's alone, or shared with other devices as driver number
/// `driver` (below [`SHARED_DRIVERS`]; the UINTC and the task controller both raise USIP): a
/// shared bit is high while any of its drivers holds it high.
#[derive(
    serde::Serialize, serde::Deserialize, Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord,
)]
pub struct HartLine {
    bit: u8,
    driver: Option<u8>,
}

impl HartLine {
    /// `mip` bit `bit` (below 64), driven by this device alone.
    pub const fn exclusive(bit: u32) -> Self {
        assert!(bit < 64, "a mip bit is below 64");
        Self {
            bit: bit as u8,
            driver: None,
        }
    }

    /// `mip` bit `bit` (below 64), shared with other devices as driver `driver`.
    pub const fn shared(bit: u32, driver: usize) -> Self {
        assert!(bit < 64, "a mip bit is below 64");
        assert!(driver < SHARED_DRIVERS, "too many drivers of a shared line");
        Self {
            bit: bit as u8,
            driver: Some(driver as u8),
        }
    }

    /// The `mip` bit number (the device tree's interrupt specifier).
    pub const fn bit(self) -> u32 {
        self.bit as u32
    }

    /// The `mip` bit as a mask.
    pub const fn mask(self) -> u64 {
        1 << self.bit
    }
}

/// A platform interrupt source (numbered from 1, as on the PLIC) that a device drives, handed
/// to the device when it is built.
#[derive(serde::Serialize, serde::Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
pub struct SourceLine(u32);

impl SourceLine {
    /// Source `number`.
    pub const fn new(number: usize) -> Self {
        Self(number as u32)
    }

    /// The source's number (the device tree's interrupt specifier).
    pub const fn number(self) -> usize {
        self.0 as usize
    }
}

/// A device's view of the interrupt lines during one call into it: it drives the lines it
/// holds handles for and reads the platform sources' levels (as an interrupt controller
/// does), and can touch nothing else.
pub struct Lines<'a> {
    irq: &'a mut IrqLines,
}

impl<'a> Lines<'a> {
    /// The view a device gets of `irq` (the bus makes one per call; tests of devices too).
    #[inline]
    pub fn new(irq: &'a mut IrqLines) -> Self {
        Self { irq }
    }

    /// The time of the access or update under way: a line driven without an explicit time
    /// changes then (an interrupt controller times a source's edge by it).
    #[inline]
    pub fn now(&self) -> SimTime {
        self.irq.now()
    }

    /// Drive `line` of `hart` to `level`, changing now. Out-of-range harts are ignored.
    #[inline]
    pub fn set(&mut self, line: HartLine, hart: usize, level: bool) {
        let now = self.irq.now();
        self.set_at(line, hart, level, now);
    }

    /// Drive `line` of `hart` to `level`; a change is stamped `at` (a timer that expired
    /// between updates rises at its expiry).
    #[inline]
    pub fn set_at(&mut self, line: HartLine, hart: usize, level: bool, at: SimTime) {
        match line.driver {
            None => self.irq.set_hart_line_at(hart, line.mask(), level, at),
            Some(driver) => {
                self.irq
                    .set_shared_hart_line_at(driver as usize, hart, line.mask(), level, at)
            }
        }
    }

    /// Drive source `line` to `level`.
    #[inline]
    pub fn set_source(&mut self, line: SourceLine, level: bool) {
        self.irq.set_source(line.number(), level);
    }

    /// Level of platform interrupt source `source` (false for an unknown source).
    #[inline]
    pub fn source(&self, source: usize) -> bool {
        self.irq.source(source)
    }

    /// Number of source slots (including the unused source 0).
    #[inline]
    pub fn source_count(&self) -> usize {
        self.irq.source_count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_visible_from_their_rise_time() {
        let mut irq = IrqLines::new(2, 4);
        irq.set_now(1000);
        irq.set_hart_line(0, 1 << 3, true);
        irq.set_hart_line_at(1, 1 << 7, true, 500);
        assert_eq!(irq.hart_lines_at(0, 999), 0);
        assert_eq!(irq.hart_lines_at(0, 1000), 1 << 3);
        assert_eq!(irq.next_rise(0, 10), Some(1000));
        assert_eq!(irq.next_rise(0, 1000), None);
        assert_eq!(irq.hart_lines_at(1, 499), 0);
        assert_eq!(irq.hart_lines_at(1, 500), 1 << 7);
        // A line that stays high keeps its first rise time.
        irq.set_hart_line_at(1, 1 << 7, true, 900);
        assert_eq!(irq.hart_lines_at(1, 600), 1 << 7);
        irq.set_now(2000);
        irq.set_hart_line(1, 1 << 7, false);
        assert_eq!(irq.hart_lines(1), 0);
        // A hart still before the fall sees the line high.
        assert_eq!(irq.hart_lines_at(1, 1999), 1 << 7);
        assert_eq!(irq.hart_lines_at(1, 2000), 0);
        assert_eq!(irq.hart_lines_at(1, 499), 0);
    }

    #[test]
    fn traced_lines_record_each_edge_once_with_its_driver() {
        use crate::trace::Record;
        let tracer = Tracer::with_limit(10);
        let mut irq = IrqLines::new(2, 4);
        irq.set_hart_line(0, 1 << 1, true);
        irq.set_tracer(tracer.clone());
        irq.set_driver(3);
        irq.set_now(100);
        irq.set_hart_line(1, (1 << 7) | (1 << 3), true);
        irq.set_hart_line(1, 1 << 7, true);
        irq.set_hart_line_at(1, 1 << 3, false, 200);
        irq.set_driver(1);
        irq.set_source(2, true);
        irq.set_source(2, true);
        let line = |time, bit, level| Record {
            time,
            event: TraceEvent::HartLine {
                track: 3,
                hart: 1,
                bit,
                level,
            },
        };
        assert_eq!(
            tracer.take().unwrap().records,
            [
                line(100, 3, true),
                line(100, 7, true),
                line(200, 3, false),
                Record {
                    time: 100,
                    event: TraceEvent::Source {
                        track: 1,
                        source: 2,
                        level: true
                    }
                },
            ]
        );
    }

    #[test]
    fn a_device_drives_only_its_handles_and_shared_lines_stay_up_while_any_driver_holds_them() {
        let mut irq = IrqLines::new(2, 8);
        let usip_a = HartLine::shared(0, 0);
        let usip_b = HartLine::shared(0, 1);
        let mtip = HartLine::exclusive(7);
        let source = SourceLine::new(3);
        irq.set_now(100);
        let mut lines = Lines::new(&mut irq);
        lines.set(usip_a, 1, true);
        lines.set_at(usip_b, 1, true, 50);
        lines.set(usip_a, 1, false);
        lines.set_at(mtip, 0, true, 40);
        lines.set_source(source, true);
        assert!(lines.source(3) && !lines.source(2));
        assert_eq!(lines.now(), 100);
        assert_eq!(irq.hart_lines(1), 1, "driver 1 still holds USIP");
        assert_eq!(irq.rise_time(1, 0), Some(100), "USIP keeps its first rise");
        assert_eq!(irq.hart_lines_at(0, 39), 0);
        assert_eq!(irq.hart_lines_at(0, 40), 1 << 7);
        Lines::new(&mut irq).set(usip_b, 1, false);
        assert_eq!(irq.hart_lines(1), 0);
        assert_eq!((mtip.bit(), mtip.mask(), source.number()), (7, 1 << 7, 3));
    }
}
