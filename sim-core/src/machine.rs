//! The machine: harts and the system bus, interleaved deterministically by simulated time.
//!
//! Timed harts interleave exactly by default (see `sim-core/TIMING.md`, "Time across
//! harts"): the machine always runs the hart whose next action is earliest, as far as the
//! others' earliest possible effect on it, and a hart performs an access that leaves its own
//! TLBs and L1s only once every other hart has passed that access's time (`hart::ordering`).
//! Harts asleep in WFI cost nothing until their wake-up time.
//!
//! Functional harts (and timed ones under `Interleave::Quantum`) run in rounds instead: each
//! round picks a horizon (the next device or hart-timer event, or one quantum ahead), every
//! hart runs to it in hart-id order, then devices catch up; a hart sees another's effects up
//! to a quantum early or late. When every hart sleeps in WFI with nothing pending, time jumps
//! straight to the next event, so idle time costs no host time.
//!
//! Nothing depends on the host: the same image and configuration give the same results.

use std::sync::atomic::{AtomicBool, Ordering};

use crate::bus::{ExitRequest, StatsRequest};
use crate::checkpoint::{self, StateError};
use crate::hart::{Hart, HartStop, PerformLimit};
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
    /// The simulated-time limit was reached.
    MaxTime,
    /// A hart kept faulting at its trap handler's entry.
    TrapLoop {
        /// The stuck hart.
        hart: usize,
        /// Its pc (the handler entry).
        pc: u64,
    },
    /// Every hart waits for an interrupt and no device will ever raise one.
    Deadlock,
    /// The host ended the run once it had written a checkpoint.
    Checkpointed,
}

/// The exit a device's request ends the run with.
fn exit_of(req: ExitRequest) -> Exit {
    match req {
        ExitRequest::Pass => Exit::Pass,
        ExitRequest::Fail(code) => Exit::Fail(code),
        ExitRequest::Reset => Exit::Reset,
    }
}

/// How timed harts interleave.
#[derive(serde::Serialize, serde::Deserialize, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Interleave {
    /// Every cross-hart effect at the simulated time the model gives it, whatever the hart
    /// ids (the default).
    #[default]
    Exact,
    /// Rounds of at most one quantum in hart-id order: faster with many busy harts, but a
    /// hart sees another's stores and interrupts up to a quantum early or late.
    Quantum,
}

/// Machine-wide parameters.
#[derive(Debug, Clone)]
pub struct MachineParams {
    /// The clock of each hart (one entry per hart; harts may run at different rates).
    pub hart_clocks: Vec<Clock>,
    /// Longest time a hart runs before the others get their turn, when harts run in rounds
    /// (functional mode, or `Interleave::Quantum`).
    pub quantum: SimTime,
    /// How timed harts interleave.
    pub interleave: Interleave,
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
    /// Cycles each hart waits after reset before its first instruction (reset-release skew;
    /// empty: none).
    pub start_delays: Vec<u64>,
    /// Harts perform misaligned loads and stores instead of trapping on them.
    pub misaligned_in_hardware: bool,
}

/// Where a run pauses to be checkpointed: at the first step boundary (between two harts'
/// chunks under exact interleaving, between rounds otherwise) at or after the point, so
/// pausing there changes nothing in the run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckpointAt {
    /// Once this many instructions have retired (all harts together).
    Insns(u64),
    /// Once simulated time has reached this.
    Time(SimTime),
    /// Once the guest has signalled this event id (see [`crate::bus::MachineControl::guest_event`]).
    Event(u64),
}

/// The machine's own part of a checkpoint.
#[derive(serde::Serialize, serde::Deserialize)]
struct MachineState {
    now: SimTime,
    stats_since: SimTime,
    slots: Vec<Slot>,
    pending: Vec<usize>,
    slots_gen: u64,
    ran: Option<usize>,
    lookahead: SimTime,
    round: Option<(SimTime, usize)>,
    chunk: Option<(usize, SimTime, PerformLimit)>,
    harts: Vec<Vec<u8>>,
    bus: Vec<u8>,
}

/// When a run stops on its own.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Limits {
    /// Stop once this many instructions have retired (all harts together).
    pub max_insns: Option<u64>,
    /// Stop once simulated time reaches this.
    pub max_time: Option<SimTime>,
}

impl MachineParams {
    /// `harts` harts at `clock`, the default quantum (1 us) and the default timing model.
    pub fn new(harts: usize, clock: Clock) -> Self {
        Self {
            hart_clocks: vec![clock; harts],
            quantum: 1_000_000,
            interleave: Interleave::Exact,
            timing: TimingConfig::default(),
            mode: TimingMode::Timed,
            timed_from_insn: None,
            suicfg_reset: 0,
            start_delays: Vec::new(),
            misaligned_in_hardware: false,
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
    /// When the statistics were last reset (0: never).
    stats_since: SimTime,
    /// Each hart's next-action key and promise under exact interleaving, kept between steps.
    slots: Vec<Slot>,
    /// The harts whose slot has a finite key (the others sleep with nothing to wake them and
    /// take no part in a step).
    pending: Vec<usize>,
    /// The device generation the slots were computed at.
    slots_gen: u64,
    /// The hart that ran last (its slot is out of date).
    ran: Option<usize>,
    /// The shortest time after which any hart, running, can affect another.
    lookahead: SimTime,
    /// A round (functional or quantum interleaving) a debugger stop interrupted: its horizon
    /// and the hart to run next, so the round resumes exactly as it would have gone on.
    round: Option<(SimTime, usize)>,
    /// Likewise a hart's run under exact interleaving: the hart, its horizon and its limit.
    chunk: Option<(usize, SimTime, PerformLimit)>,
    /// Where to pause for a checkpoint, if anywhere.
    checkpoint_at: Option<CheckpointAt>,
    /// The run paused at `checkpoint_at`.
    checkpoint_paused: bool,
}

/// A participant's next action in exact interleaving: when, with a tie-breaker, and the
/// earliest time it can affect another hart.
#[derive(serde::Serialize, serde::Deserialize, Debug, Clone, Copy)]
struct Slot {
    key: (SimTime, usize),
    promise: SimTime,
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
        let harts: Vec<Hart> = params
            .hart_clocks
            .iter()
            .enumerate()
            .map(|(id, &clock)| {
                let mut h = Hart::new(id, clock, entry, HartTiming::new(&params.timing)?);
                h.set_reg(10, id as u64);
                h.set_reg(11, a1);
                h.set_suicfg(params.suicfg_reset);
                h.set_misaligned_in_hardware(params.misaligned_in_hardware);
                h.delay_start(params.start_delays.get(id).copied().unwrap_or(0));
                h.set_tracer(bus.tracer().clone());
                Ok(h)
            })
            .collect::<Result<_, TimingConfigError>>()?;
        let lookahead = harts.iter().map(|h| h.lookahead()).min().unwrap_or(1);
        Ok(Self {
            harts,
            bus,
            params,
            now: 0,
            stats_since: 0,
            slots: Vec::new(),
            pending: Vec::with_capacity(n),
            slots_gen: 0,
            ran: None,
            lookahead,
            round: None,
            chunk: None,
            checkpoint_at: None,
            checkpoint_paused: false,
        })
    }

    /// Pause [`Self::run_until_paused`] at `at` (see [`CheckpointAt`]); `None`: nowhere.
    pub fn set_checkpoint_at(&mut self, at: Option<CheckpointAt>) {
        self.checkpoint_at = at;
        self.bus.control.checkpoint_due = false;
        self.bus.control.checkpoint_event = match at {
            Some(CheckpointAt::Event(id)) => Some(id),
            _ => None,
        };
    }

    /// Whether the run paused at the checkpoint point (once: the point is then cleared).
    pub fn take_checkpoint_pause(&mut self) -> bool {
        std::mem::take(&mut self.checkpoint_paused)
    }

    /// Whether the run has reached its checkpoint point.
    fn checkpoint_reached(&self) -> bool {
        match self.checkpoint_at {
            None => false,
            Some(CheckpointAt::Insns(n)) => self.instret() >= n,
            Some(CheckpointAt::Time(t)) => self.now >= t,
            Some(CheckpointAt::Event(_)) => self.bus.control.checkpoint_due,
        }
    }

    /// The whole machine's state (harts, RAM, devices, timing model, interleaving), taken
    /// where [`Self::run_until_paused`] paused or before the run; host-side handles are not
    /// included (see [`crate::checkpoint`]).
    pub fn save_state(&self) -> Result<Vec<u8>, StateError> {
        Ok(checkpoint::encode(&MachineState {
            now: self.now,
            stats_since: self.stats_since,
            slots: self.slots.clone(),
            pending: self.pending.clone(),
            slots_gen: self.slots_gen,
            ran: self.ran,
            lookahead: self.lookahead,
            round: self.round,
            chunk: self.chunk,
            harts: self.harts.iter().map(Hart::save_state).collect(),
            bus: self.bus.save_state()?,
        }))
    }

    /// Take on the state [`Self::save_state`] gave, in a machine freshly built from the same
    /// configuration: running on then goes exactly as the saved machine's run went on.
    pub fn restore_state(&mut self, bytes: &[u8]) -> Result<(), StateError> {
        let state: MachineState = checkpoint::decode(bytes)?;
        if state.harts.len() != self.harts.len() {
            return Err(StateError::Mismatch(format!(
                "{} harts, not {}",
                state.harts.len(),
                self.harts.len()
            )));
        }
        let n = self.harts.len();
        if state.slots.len() > n
            || state.pending.iter().chain(&state.ran).any(|&i| i >= n)
            || state.round.is_some_and(|(_, i)| i > n)
            || state.chunk.is_some_and(|(i, _, _)| i >= n)
        {
            return Err(StateError::Corrupt("hart indices out of range".into()));
        }
        self.bus.restore_state(&state.bus)?;
        for (h, saved) in self.harts.iter_mut().zip(&state.harts) {
            h.restore_state(saved, &self.bus)?;
        }
        self.now = state.now;
        self.stats_since = state.stats_since;
        self.slots = state.slots;
        self.pending = state.pending;
        self.slots_gen = state.slots_gen;
        self.ran = state.ran;
        self.lookahead = state.lookahead;
        self.round = state.round;
        self.chunk = state.chunk;
        Ok(())
    }

    /// Global simulated time.
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// When the statistics were last reset (0 if never): they cover the time since.
    pub fn stats_since(&self) -> SimTime {
        self.stats_since
    }

    /// Zero the statistics of every hart, cache and device at `hart`'s current time; the
    /// architectural counters and all model state carry on.
    pub fn reset_stats(&mut self, hart: usize) {
        for h in &mut self.harts {
            h.reset_stats();
        }
        self.bus.caches.reset_stats();
        self.bus.reset_device_counters();
        self.stats_since = self.harts.get(hart).map_or(self.now, |h| h.now());
    }

    /// Instructions retired by all harts since reset (whatever the statistics count).
    pub fn instret(&self) -> u64 {
        self.harts.iter().map(|h| h.instret()).sum()
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

    /// Whether harts run under exact interleaving now (timed, more than one hart).
    fn ordered(&self) -> bool {
        self.bus.control.timed
            && self.params.interleave == Interleave::Exact
            && self.harts.len() > 1
    }

    /// The next-action key and promise of hart `i` (see [`Self::step_ordered`]).
    fn slot_of(&self, i: usize) -> Slot {
        let n = self.harts.len();
        let h = &self.harts[i];
        if let Some(at) = h.stalled_until() {
            return Slot {
                key: (at, 1 + i),
                promise: at,
            };
        }
        let t = h.now();
        if h.is_waiting() && !h.wakeup_pending(&self.bus) {
            // Asleep: woken by its own timers or a line raised for it (device events are
            // the devices' own slot).
            let wake = [h.next_event(&self.bus), self.bus.irq.next_rise(i, t)]
                .into_iter()
                .flatten()
                .min()
                .map(|w| w.max(t));
            return match wake {
                Some(w) => Slot {
                    key: (w, 1 + n + i),
                    promise: h.promise_from(w),
                },
                None => Slot {
                    key: (SimTime::MAX, 1 + n + i),
                    promise: SimTime::MAX,
                },
            };
        }
        Slot {
            key: (t, 1 + n + i),
            promise: h.promise(),
        }
    }

    /// Let every hart asleep in WFI sleep on up to `t`, or to its wake-up if that is earlier
    /// (see [`Hart::sleep_until`]); the machine's time becomes at least `t`.
    fn settle_sleepers(&mut self, t: SimTime) {
        for i in 0..self.harts.len() {
            let slot = self.slot_of(i);
            let h = &self.harts[i];
            if h.is_waiting() && h.stalled_until().is_none() && !h.wakeup_pending(&self.bus) {
                let until = t.min(slot.key.0);
                self.harts[i].sleep_until(until);
            }
        }
        self.slots.clear();
        self.now = self.now.max(t);
    }

    /// One step of exact interleaving: run the hart whose next action is earliest, as far as
    /// the others' earliest possible effect on it (and no later than `cap`), or bring the
    /// devices up to their next event. Each participant's next action is keyed (time, tie):
    /// the devices' next event at its time, tie 0 (a device event precedes everything at its
    /// time); a stalled hart's abandoned access at the time it reaches the shared level, tie
    /// 1 + id (between accesses the lower id goes first); a running hart's next instruction at
    /// its local time, and a sleeping hart's wake-up at the earliest time its timers or a line
    /// raised for it wake it, tie above every access (an access performed at a time precedes
    /// instructions issuing then). Keys change only for the hart that ran, and for sleeping
    /// harts when devices changed, so only those are recomputed.
    fn step_ordered(
        &mut self,
        cap: SimTime,
        on_stats: &mut dyn FnMut(&Machine, usize, StatsRequest),
    ) -> Option<Exit> {
        let n = self.harts.len();
        if self.slots.len() != n || self.slots_gen != self.bus.device_gen() {
            self.slots = (0..n).map(|i| self.slot_of(i)).collect();
            self.slots_gen = self.bus.device_gen();
            self.pending = (0..n)
                .filter(|&i| self.slots[i].key.0 != SimTime::MAX)
                .collect();
        } else if let Some(i) = self.ran.take() {
            let slot = self.slot_of(i);
            self.slots[i] = slot;
            let at = self.pending.iter().position(|&j| j == i);
            match (slot.key.0 != SimTime::MAX, at) {
                (true, None) => self.pending.push(i),
                (false, Some(at)) => {
                    self.pending.swap_remove(at);
                }
                _ => {}
            }
        }
        // A device event affects harts through interrupt lines no earlier than the lookahead
        // after it, but a bus master's event may write RAM at its very time.
        let device_lookahead = if self.bus.has_memory_masters() {
            0
        } else {
            self.lookahead
        };
        let device = self.bus.next_event(self.bus.device_time()).map(|e| Slot {
            key: (e, 0),
            promise: e.saturating_add(device_lookahead),
        });
        // The earliest key, and the two smallest keys and promises (to take "every other
        // participant's" minimum without a second pass).
        let mut keys = [((SimTime::MAX, usize::MAX), usize::MAX); 2];
        let mut promises = [(SimTime::MAX, usize::MAX); 2];
        let participants = self
            .pending
            .iter()
            .map(|&i| (i, &self.slots[i]))
            .chain(device.iter().map(|d| (n, d)));
        for (i, slot) in participants {
            if slot.key < keys[0].0 {
                keys[1] = keys[0];
                keys[0] = (slot.key, i);
            } else if slot.key < keys[1].0 {
                keys[1] = (slot.key, i);
            }
            if slot.promise < promises[0].0 {
                promises[1] = promises[0];
                promises[0] = (slot.promise, i);
            } else if slot.promise < promises[1].0 {
                promises[1] = (slot.promise, i);
            }
        }
        let ((time, _), next) = keys[0];
        if time == SimTime::MAX {
            if !self.bus.awaits_host_input() {
                return Some(Exit::Deadlock);
            }
            // Only a live terminal can wake the machine: let host time pass.
            std::thread::sleep(std::time::Duration::from_millis(1));
            let earliest = self.harts.iter().map(|h| h.now()).min().unwrap_or(self.now);
            self.now = self.now.max(earliest).saturating_add(self.params.quantum);
            let horizon = self.now;
            self.bus.advance(horizon);
            for h in &mut self.harts {
                h.run(&mut self.bus, horizon);
            }
            self.slots.clear();
            return None;
        }
        self.now = self.now.max(time.min(cap));
        if time >= cap {
            // A limit's horizon: the caller checks the limits again from here.
            return None;
        }
        if next == n {
            self.bus.advance(time);
            // A device may end the run from its update (a load generator that is done).
            if let Some(req) = self.bus.control.exit.take() {
                self.settle_sleepers(time);
                return Some(exit_of(req));
            }
            return None;
        }
        let until = if promises[0].1 == next {
            promises[1].0
        } else {
            promises[0].0
        }
        .min(cap);
        // keys[0] is the hart itself.
        let (limit_time, limit_tie) = keys[1].0;
        let limit = PerformLimit {
            time: limit_time,
            inclusive: 1 + next < limit_tie,
        };
        self.run_chunk(next, until, limit, on_stats)
    }

    /// Run hart `next` under exact interleaving while it issues before `until`, performing
    /// accesses up to `limit`, and serve what it stopped for. A debugger stop keeps the
    /// chunk in `self.chunk`, to be finished on resuming.
    fn run_chunk(
        &mut self,
        next: usize,
        until: SimTime,
        limit: PerformLimit,
        on_stats: &mut dyn FnMut(&Machine, usize, StatsRequest),
    ) -> Option<Exit> {
        self.ran = Some(next);
        let stop = self.harts[next].run_ordered(&mut self.bus, until, limit);
        if stop == HartStop::Debug {
            self.chunk = Some((next, until, limit));
            return None;
        }
        if matches!(stop, HartStop::ExitRequested | HartStop::StatsRequested)
            || self.bus.control.exit.is_some()
        {
            // Sleeping harts have not counted their idle time since they fell asleep: bring
            // them to the requesting hart's time, as far as nothing wakes them before.
            let t = self.harts[next].now();
            self.settle_sleepers(t);
        }
        match stop {
            HartStop::Horizon | HartStop::Stalled | HartStop::ExitRequested | HartStop::Debug => {}
            HartStop::StatsRequested => {
                if let Some(request) = self.bus.control.stats.take() {
                    if request == StatsRequest::Reset {
                        self.reset_stats(next);
                    }
                    on_stats(self, next, request);
                }
            }
            HartStop::TrapLoop => {
                let h = &self.harts[next];
                return Some(Exit::TrapLoop {
                    hart: h.id,
                    pc: h.pc(),
                });
            }
        }
        self.bus.control.exit.take().map(exit_of)
    }

    /// Run until the guest ends, or `max_insns` instructions have retired in total.
    /// Statistics requests reset the statistics (dumps have nowhere to go).
    pub fn run(&mut self, max_insns: Option<u64>) -> Exit {
        let limits = Limits {
            max_insns,
            max_time: None,
        };
        self.run_with(limits, &mut |_, _, _| {})
    }

    /// Run until the guest ends or a limit is reached. When a hart asks for a statistics
    /// reset or dump, the machine (after resetting, for a reset) calls
    /// `on_stats(machine, hart, request)` before that hart runs on.
    pub fn run_with(
        &mut self,
        limits: Limits,
        on_stats: &mut dyn FnMut(&Machine, usize, StatsRequest),
    ) -> Exit {
        loop {
            if let Some(exit) = self.run_until_paused(limits, on_stats, None) {
                return exit;
            }
        }
    }

    /// [`Self::run_with`] for a debugger: returns `None` when a hart stopped for it (see
    /// [`crate::hart::debug::HartDebug::stop`]) or when `attention` is raised, at a point from
    /// which calling again goes on exactly as if the run had not paused (simulated time does
    /// not pass in between, so pausing changes no result).
    pub fn run_until_paused(
        &mut self,
        limits: Limits,
        on_stats: &mut dyn FnMut(&Machine, usize, StatsRequest),
        attention: Option<&AtomicBool>,
    ) -> Option<Exit> {
        let max_insns = limits.max_insns;
        // The shortest clock period: no hart retires more than one instruction per period.
        let period = self
            .params
            .hart_clocks
            .iter()
            .map(|c| c.time_of(1).max(1))
            .min()
            .unwrap_or(1);
        loop {
            if let Some((next, until, limit)) = self.chunk.take() {
                if let Some(exit) = self.run_chunk(next, until, limit, on_stats) {
                    return Some(exit);
                }
                if self.chunk.is_some() || self.stopped_for_debugger(next) {
                    return None;
                }
                continue;
            }
            if self.round.is_none() && attention.is_some_and(|a| a.load(Ordering::Relaxed)) {
                return None;
            }
            if self.round.is_none() && self.checkpoint_reached() {
                self.set_checkpoint_at(None);
                self.checkpoint_paused = true;
                return None;
            }
            if self.round.is_none() && self.ordered() {
                let mut cap = SimTime::MAX;
                if let Some(max) = max_insns {
                    let done = self.instret();
                    if done >= max {
                        self.settle_sleepers(self.now);
                        return Some(Exit::MaxInsns);
                    }
                    cap = cap.min(self.insn_horizon(max - done, period));
                }
                if let Some(max) = limits.max_time {
                    if self.now >= max {
                        self.settle_sleepers(max);
                        return Some(Exit::MaxTime);
                    }
                    cap = cap.min(max);
                }
                match self.step_ordered(cap, on_stats) {
                    Some(exit) => return Some(exit),
                    None if self.chunk.is_some()
                        || self.ran.is_some_and(|i| self.stopped_for_debugger(i)) =>
                    {
                        return None
                    }
                    None => continue,
                }
            }
            let (horizon, first) = match self.round.take() {
                Some(round) => round,
                None => match self.next_round(limits, period) {
                    Ok(horizon) => (horizon, 0),
                    Err(exit) => return Some(exit),
                },
            };
            let mut i = first;
            while i < self.harts.len() {
                match self.harts[i].run(&mut self.bus, horizon) {
                    // Without an ordering limit no access waits.
                    HartStop::Horizon | HartStop::Stalled => {
                        i += 1;
                        if self.stopped_for_debugger(i - 1) {
                            // Stopped at its last instruction: the round goes on from the next hart.
                            self.round = Some((horizon, i));
                            return None;
                        }
                    }
                    HartStop::ExitRequested => break,
                    HartStop::Debug => {
                        self.round = Some((horizon, i));
                        return None;
                    }
                    HartStop::StatsRequested => {
                        // The same hart runs on to the horizon once the request is served.
                        if let Some(request) = self.bus.control.stats.take() {
                            if request == StatsRequest::Reset {
                                self.reset_stats(i);
                            }
                            on_stats(self, i, request);
                        }
                    }
                    HartStop::TrapLoop => {
                        let h = &self.harts[i];
                        return Some(Exit::TrapLoop {
                            hart: h.id,
                            pc: h.pc(),
                        });
                    }
                }
            }
            if let Some(req) = self.bus.control.exit.take() {
                return Some(exit_of(req));
            }
            self.now = horizon;
        }
    }

    /// Whether hart `i` has stopped for the debugger.
    fn stopped_for_debugger(&self, i: usize) -> bool {
        self.harts[i].debug().is_some_and(|d| d.stop.is_some())
    }

    /// The horizon of the next round of functional (or quantum) interleaving, or how the run
    /// ends before it.
    fn next_round(&mut self, limits: Limits, period: SimTime) -> Result<SimTime, Exit> {
        // Harts move in rounds: the slots of exact interleaving are out of date.
        self.slots.clear();
        self.bus.advance(self.now);
        // A device may end the run from its update (a load generator that is done).
        if let Some(req) = self.bus.control.exit.take() {
            return Err(exit_of(req));
        }
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
                None => return Err(Exit::Deadlock),
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
        if let Some(max) = limits.max_insns {
            let done = self.instret();
            if done >= max {
                return Err(Exit::MaxInsns);
            }
            horizon = horizon.min(self.insn_horizon(max - done, period));
        }
        if let Some(max) = limits.max_time {
            if self.now >= max {
                return Err(Exit::MaxTime);
            }
            horizon = horizon.min(max);
        }
        Ok(horizon)
    }
}
