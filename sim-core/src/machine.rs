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
#[derive(Debug, Clone, Copy)]
pub struct MachineParams {
    /// Number of harts.
    pub harts: usize,
    /// Hart clock.
    pub hart_clock: Clock,
    /// Longest time a hart runs before the others get their turn.
    pub quantum: SimTime,
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
    /// (the device-tree address, as QEMU passes it).
    pub fn new(params: MachineParams, bus: SystemBus, entry: u64, a1: u64) -> Self {
        let harts = (0..params.harts)
            .map(|id| {
                let mut h = Hart::new(id, params.hart_clock, entry);
                h.set_reg(10, id as u64);
                h.set_reg(11, a1);
                h
            })
            .collect();
        Self {
            harts,
            bus,
            params,
            now: 0,
        }
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

    /// Run until the guest ends, or `max_insns` instructions have retired in total.
    pub fn run(&mut self, max_insns: Option<u64>) -> Exit {
        let period = self.params.hart_clock.time_of(1).max(1);
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
            if let Some(max) = max_insns {
                let done = self.instret();
                if done >= max {
                    return Exit::MaxInsns;
                }
                // CPI >= 1, so with the remainder shared among the harts no round can retire
                // more than the limit allows.
                let share = (max - done).div_ceil(self.harts.len() as u64);
                horizon = horizon.min(self.now.saturating_add(share.saturating_mul(period)));
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
