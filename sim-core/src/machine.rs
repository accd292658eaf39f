//! The machine: harts and the system bus, interleaved deterministically by simulated time.
//!
//! Time advances in rounds. Each round picks a horizon: the next device or hart-timer event,
//! or one quantum ahead, whichever is first; every hart then runs, in hart-id order, until its
//! local time reaches the horizon; then devices catch up. When every hart sleeps in WFI with
//! nothing pending, time jumps straight to the next event, so idle time costs no host time.
//! Nothing depends on the host: the same image and configuration give the same results.

use crate::bus::ExitRequest;
use crate::hart::{Hart, HartStop};
use crate::system_bus::SystemBus;
use crate::time::{Clock, SimTime};
use crate::timing::cache::MemoryHierarchy;
use crate::timing::{HartTiming, TimingConfig, TimingConfigError, TimingMode};

/// Why a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// The guest reported success.
    Pass,
    /// The guest reported failure with this code.
    Fail(u32),
    /// The guest asked for a reset.
    Reset,
    /// The instruction limit was reached.
    MaxInsns,
    /// A hart kept faulting at its trap handler's entry.
    TrapLoop {
        /// The stuck hart.
        hart: usize,
        /// Its pc (the handler entry).
        pc: u64,
    },
    /// Every hart waits for an interrupt and no device will ever raise one.
    Deadlock,
}

/// Machine-wide parameters.
#[derive(Debug, Clone)]
pub struct MachineParams {
    /// The clock of each hart (one entry per hart; harts may run at different rates).
    pub hart_clocks: Vec<Clock>,
    /// Longest time a hart runs before the others get their turn.
    pub quantum: SimTime,
    /// The timing model's parameters.
    pub timing: TimingConfig,
    /// The mode harts start in.
    pub mode: TimingMode,
    /// Switch from functional to timed once this many instructions have retired (all harts
    /// together), like gem5's switch from an atomic to a timing CPU.
    pub timed_from_insn: Option<u64>,
    /// Reset value of each hart's `suicfg` CSR: the board's UINTC base, so software that
    /// never writes it reaches the UINTC.
    pub suicfg_reset: u64,
}

impl MachineParams {
    /// `harts` harts at `clock`, the default quantum (1 us) and the default timing model.
    pub fn new(harts: usize, clock: Clock) -> Self {
        Self {
            hart_clocks: vec![clock; harts],
            quantum: 1_000_000,
            timing: TimingConfig::default(),
            mode: TimingMode::Timed,
            timed_from_insn: None,
            suicfg_reset: 0,
        }
    }
}

/// Harts plus the bus.
pub struct Machine {
    /// The harts, indexed by hart id.
    pub harts: Vec<Hart>,
    /// RAM, devices and shared state.
    pub bus: SystemBus,
    params: MachineParams,
    now: SimTime,
}

impl Machine {
    /// A machine whose harts all start at `entry` in M mode with a0 = hart id and a1 = `a1`
    /// (the device-tree address, as QEMU passes it). Fails on an invalid timing model.
    pub fn new(
        params: MachineParams,
        mut bus: SystemBus,
        entry: u64,
        a1: u64,
    ) -> Result<Self, TimingConfigError> {
        let n = params.hart_clocks.len();
        params.timing.validate(n)?;
        bus.caches = MemoryHierarchy::new(n, &params.timing.memory)?;
        bus.control.timed = params.mode == TimingMode::Timed && params.timed_from_insn.is_none();
        let harts = params
            .hart_clocks
            .iter()
            .enumerate()
            .map(|(id, &clock)| {
                let mut h = Hart::new(id, clock, entry, HartTiming::new(&params.timing)?);
                h.set_reg(10, id as u64);
                h.set_reg(11, a1);
                h.set_suicfg(params.suicfg_reset);
                Ok(h)
            })
            .collect::<Result<_, TimingConfigError>>()?;
        Ok(Self {
            harts,
            bus,
            params,
            now: 0,
        })
    }

    /// Global simulated time.
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// Instructions retired by all harts.
    pub fn instret(&self) -> u64 {
        self.harts.iter().map(|h| h.stats().instret).sum()
    }

    fn next_event(&self) -> Option<SimTime> {
        let now = self.now;
        self.harts
            .iter()
            .filter_map(|h| h.next_event(&self.bus))
            .chain(self.bus.next_event(now))
            .filter(|&t| t > now)
            .min()
    }

    /// A horizon by which the harts together retire at most about `remaining` more
    /// instructions: CPI >= 1, so with the remainder shared among the harts no round retires
    /// more than its share per hart.
    fn insn_horizon(&self, remaining: u64, period: SimTime) -> SimTime {
        let share = remaining.div_ceil(self.harts.len() as u64);
        self.now.saturating_add(share.saturating_mul(period))
    }

    /// Run until the guest ends, or `max_insns` instructions have retired in total.
    pub fn run(&mut self, max_insns: Option<u64>) -> Exit {
        // The shortest clock period: no hart retires more than one instruction per period.
        let period = self
            .params
            .hart_clocks
            .iter()
            .map(|c| c.time_of(1).max(1))
            .min()
            .unwrap_or(1);
        loop {
            self.bus.advance(self.now);
            let asleep = self
                .harts
                .iter()
                .all(|h| h.is_waiting() && !h.wakeup_pending(&self.bus));
            let event = self.next_event();
            let mut horizon = if asleep {
                match event {
                    Some(t) => t,
                    None if self.bus.awaits_host_input() => {
                        // Only a live terminal can wake the machine: let host time pass.
                        std::thread::sleep(std::time::Duration::from_millis(1));
                        self.now.saturating_add(self.params.quantum.max(period))
                    }
                    None => return Exit::Deadlock,
                }
            } else {
                let q = self.now.saturating_add(self.params.quantum.max(period));
                event.map_or(q, |t| t.min(q))
            };
            if let (false, Some(at)) = (self.bus.control.timed, self.params.timed_from_insn) {
                let done = self.instret();
                if done >= at {
                    self.bus.control.timed = true;
                } else {
                    horizon = horizon.min(self.insn_horizon(at - done, period));
                }
            }
            if let Some(max) = max_insns {
                let done = self.instret();
                if done >= max {
                    return Exit::MaxInsns;
                }
                horizon = horizon.min(self.insn_horizon(max - done, period));
            }
            for h in &mut self.harts {
                match h.run(&mut self.bus, horizon) {
                    HartStop::Horizon => {}
                    HartStop::ExitRequested => break,
                    HartStop::TrapLoop => {
                        return Exit::TrapLoop {
                            hart: h.id,
                            pc: h.pc(),
                        }
                    }
                }
            }
            if let Some(req) = self.bus.control.exit.take() {
                return match req {
                    ExitRequest::Pass => Exit::Pass,
                    ExitRequest::Fail(code) => Exit::Fail(code),
                    ExitRequest::Reset => Exit::Reset,
                };
            }
            self.now = horizon;
        }
    }
}
