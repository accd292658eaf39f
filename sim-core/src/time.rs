//! Simulated time.
//!
//! Time is global and counted in picoseconds from reset, never read from the host clock.
//! Harts convert it to their own cycles through their clock period; `mtime` is derived from it
//! through the platform [`Timebase`].

/// Simulated time in picoseconds since reset.
pub type SimTime = u64;

/// Picoseconds per second.
pub const PS_PER_SEC: u64 = 1_000_000_000_000;

/// A clock of `hz` cycles per second, as seen from simulated time.
#[derive(serde::Serialize, serde::Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
pub struct Clock {
    hz: u64,
    /// The period in picoseconds when it is a whole number (every frequency that divides
    /// 1 THz: 1 GHz, 100 MHz, ...), 0 otherwise: conversions then need no 128-bit division.
    period: u64,
}

impl Clock {
    /// A clock running at `hz` (must be non-zero and at most 1 THz).
    pub fn new(hz: u64) -> Self {
        let hz = hz.clamp(1, PS_PER_SEC);
        Self {
            hz,
            period: if PS_PER_SEC.is_multiple_of(hz) {
                PS_PER_SEC / hz
            } else {
                0
            },
        }
    }

    /// Frequency in Hz.
    pub fn hz(&self) -> u64 {
        self.hz
    }

    /// Number of whole cycles elapsed at time `t`.
    #[inline]
    pub fn cycles_at(&self, t: SimTime) -> u64 {
        if let Some(cycles) = t.checked_div(self.period) {
            return cycles;
        }
        ((t as u128 * self.hz as u128) / PS_PER_SEC as u128) as u64
    }

    /// The earliest time at which `cycles` cycles have elapsed.
    #[inline]
    pub fn time_of(&self, cycles: u64) -> SimTime {
        if self.period != 0 {
            return cycles.saturating_mul(self.period);
        }
        let ps = (cycles as u128 * PS_PER_SEC as u128).div_ceil(self.hz as u128);
        ps.min(u64::MAX as u128) as u64
    }
}

/// The platform timebase that `mtime` and the `time` CSR count in.
#[derive(serde::Serialize, serde::Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timebase {
    clock: Clock,
    /// Added to the tick count, so software can write `mtime`.
    offset: u64,
}

impl Timebase {
    /// A timebase ticking at `hz`.
    pub fn new(hz: u64) -> Self {
        Self {
            clock: Clock::new(hz),
            offset: 0,
        }
    }

    /// Ticking frequency in Hz.
    pub fn hz(&self) -> u64 {
        self.clock.hz()
    }

    /// Value of `mtime` at time `now`.
    #[inline]
    pub fn mtime(&self, now: SimTime) -> u64 {
        self.clock.cycles_at(now).wrapping_add(self.offset)
    }

    /// Make `mtime` read `value` at time `now`.
    pub fn set_mtime(&mut self, now: SimTime, value: u64) {
        self.offset = value.wrapping_sub(self.clock.cycles_at(now));
    }

    /// The earliest time at or after `now` at which `mtime >= target`; `now` if it already is.
    /// `None` if that lies beyond the representable future.
    pub fn time_of_mtime(&self, now: SimTime, target: u64) -> Option<SimTime> {
        let current = self.mtime(now);
        if current >= target {
            return Some(now);
        }
        // Count forward from now in raw ticks, so a written mtime (offset) cannot wrap.
        let raw = self.clock.cycles_at(now).checked_add(target - current)?;
        let t = self.clock.time_of(raw);
        (t != u64::MAX).then_some(t.max(now))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_timebase_is_100ns_per_tick() {
        let tb = Timebase::new(10_000_000);
        assert_eq!(tb.mtime(99_999), 0);
        assert_eq!(tb.mtime(100_000), 1);
        assert_eq!(tb.time_of_mtime(0, 5), Some(500_000));
    }

    #[test]
    fn written_mtime_keeps_ticking() {
        let mut tb = Timebase::new(10_000_000);
        tb.set_mtime(1_000_000, 1000);
        assert_eq!(tb.mtime(1_000_000), 1000);
        assert_eq!(tb.mtime(1_100_000), 1001);
        assert_eq!(tb.time_of_mtime(1_000_000, 1002), Some(1_200_000));
        // Written below the elapsed tick count: the unreachable reset comparator stays unreachable.
        tb.set_mtime(1_000_000, 0);
        assert_eq!(tb.time_of_mtime(1_000_000, u64::MAX), None);
    }

    #[test]
    fn clock_round_trips() {
        let c = Clock::new(1_000_000_000);
        assert_eq!(c.time_of(3), 3000);
        assert_eq!(c.cycles_at(2999), 2);
        let odd = Clock::new(3);
        assert_eq!(odd.cycles_at(odd.time_of(7)), 7);
    }

    #[test]
    fn whole_periods_convert_like_the_general_formula() {
        for hz in [1_000_000_000, 100_000_000, 50_000_000, 1] {
            let c = Clock::new(hz);
            assert_ne!(c.period, 0);
            let general = Clock { hz, period: 0 };
            for v in [0, 1, 999, 1000, 1001, 123_456_789, u64::MAX / 2, u64::MAX] {
                assert_eq!(c.cycles_at(v), general.cycles_at(v), "{hz} Hz, t = {v}");
                assert_eq!(c.time_of(v), general.time_of(v), "{hz} Hz, cycles = {v}");
            }
        }
    }
}
