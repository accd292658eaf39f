//! A bus-mastering device's DMA write reaches a hart polling RAM at the device's time: the
//! hart's cached copy is invalidated, and it sees the new value within one poll iteration
//! and one L1 miss after the write, the same cycle whatever the number of harts, the other
//! hart's traffic on the same line, and `quantum_ns`.

use std::any::Any;

use sim_core::bus::{AccessCtx, AdvanceCtx, BusFault, Device, Mmio, Timed};
use sim_core::machine::{Exit, Interleave, Machine, MachineParams};
use sim_core::memory::Ram;
use sim_core::system_bus::SystemBus;
use sim_core::time::{Clock, SimTime, Timebase};
use sim_core::timing::TimingMode;

const RAM_BASE: u64 = 0x8000_0000;
const FLAG: u64 = RAM_BASE + 0x1000;
const TOHOST: u64 = FLAG + 0x400;
/// When the device writes the flag: 50 us, cycle 50_000 at 1 GHz.
const WRITE_AT: SimTime = 50_000_000;

/// Writes 1 to `FLAG` at `WRITE_AT`, by DMA.
struct Writer {
    done: bool,
}

impl Device for Writer {
    fn name(&self) -> &str {
        "dma-writer"
    }
    fn window_size(&self) -> u64 {
        0x1000
    }
    fn timed(&self) -> Option<&dyn Timed> {
        Some(self)
    }
    fn timed_mut(&mut self) -> Option<&mut dyn Timed> {
        Some(self)
    }
    fn as_any_mut(&mut self) -> Option<&mut dyn Any> {
        Some(self)
    }
}

impl Mmio for Writer {
    fn read(&mut self, _: u64, _: u32, _: &mut AccessCtx) -> Result<u64, BusFault> {
        Err(BusFault)
    }
    fn write(&mut self, _: u64, _: u32, _: u64, _: &mut AccessCtx) -> Result<(), BusFault> {
        Err(BusFault)
    }
}

impl Timed for Writer {
    fn next_event(&self, _now: SimTime, _: &Timebase) -> Option<SimTime> {
        (!self.done).then_some(WRITE_AT)
    }
    fn masters_memory(&self) -> bool {
        true
    }
    fn advance(&mut self, ctx: &mut AdvanceCtx) {
        if !self.done && ctx.now >= WRITE_AT {
            self.done = true;
            let dma = ctx.dma.as_mut().expect("a memory master gets DMA");
            dma.write_u32(FLAG, 1).unwrap();
        }
    }
}

fn i_type(imm: i32, rs1: u32, f3: u32, rd: u32, op: u32) -> u32 {
    ((imm as u32 & 0xfff) << 20) | rs1 << 15 | f3 << 12 | rd << 7 | op
}

fn b_type(off: i32, rs2: u32, rs1: u32, f3: u32) -> u32 {
    let o = off as u32;
    ((o >> 12) & 1) << 31
        | ((o >> 5) & 0x3f) << 25
        | rs2 << 20
        | rs1 << 15
        | f3 << 12
        | ((o >> 1) & 0xf) << 8
        | ((o >> 11) & 1) << 7
        | 0x63
}

/// A store: `rs2` to `imm(rs1)`, width `f3`.
fn s_type(imm: u32, rs2: u32, rs1: u32, f3: u32) -> u32 {
    (imm >> 5 & 0x7f) << 25 | rs2 << 20 | rs1 << 15 | f3 << 12 | (imm & 0x1f) << 7 | 0x23
}

fn jal_self() -> u32 {
    0x0000_006f
}

fn j_back(off: i32) -> u32 {
    let o = off as u32;
    ((o >> 20) & 1) << 31
        | ((o >> 1) & 0x3ff) << 21
        | ((o >> 11) & 1) << 20
        | ((o >> 12) & 0xff) << 12
        | 0x6f
}

/// Hart 0 polls FLAG, reads mcycle into t2 when it sees 1 and reports through HTIF; other
/// harts load the same line in a loop.
fn program() -> Vec<u32> {
    let (t0, t1, t2, t4, t5, a0) = (5, 6, 7, 29, 30, 10);
    vec![
        0x0000_1297,                   // 0x00 auipc t0, 1        (t0 = FLAG)
        b_type(0x20 - 0x04, 0, a0, 1), // 0x04 bnez a0, 0x20
        i_type(0, t0, 2, t1, 0x03),    // 0x08 lw t1, 0(t0)
        b_type(-4, 0, t1, 0),          // 0x0c beqz t1, 0x08
        i_type(0xb00, 0, 2, t2, 0x73), // 0x10 csrr t2, mcycle
        i_type(1, 0, 0, t4, 0x13),     // 0x14 li t4, 1
        // 0x18 sd t4, 0x400(t0)
        s_type(0x400, t4, t0, 3),
        jal_self(),                 // 0x1c j .
        i_type(8, t0, 2, t5, 0x03), // 0x20 lw t5, 8(t0)
        j_back(-4),                 // 0x24 j 0x20
    ]
}

fn seen_at(harts: usize, mode: TimingMode, interleave: Interleave, quantum: SimTime) -> u64 {
    let mut ram = Ram::new(RAM_BASE, 1 << 20).unwrap();
    for (i, w) in program().iter().enumerate() {
        ram.write(RAM_BASE + 4 * i as u64, 4, *w as u64);
    }
    let mut bus = SystemBus::new(ram, harts, 16, Timebase::new(10_000_000));
    bus.map(0x1000_1000, Box::new(Writer { done: false }))
        .unwrap();
    bus.set_htif(TOHOST, None, Box::new(std::io::sink()));
    let mut params = MachineParams::new(harts, Clock::new(1_000_000_000));
    params.mode = mode;
    params.interleave = interleave;
    params.quantum = quantum;
    let mut m = Machine::new(params, bus, RAM_BASE, 0).unwrap();
    assert_eq!(m.run(Some(10_000_000)), Exit::Pass);
    m.harts[0].reg(7)
}

#[test]
fn a_polling_hart_sees_a_dma_write_at_its_time_whatever_the_interleaving() {
    let write_cycle = WRITE_AT / 1000;
    // The poll loop's phase at the write depends on how the harts started (their misses
    // on the shared code and data lines), so each machine size has its own figure, which
    // the quantum must not change.
    for harts in [1, 2, 3] {
        let reference = seen_at(harts, TimingMode::Timed, Interleave::Exact, 1_000_000);
        assert!(
            reference >= write_cycle && reference < write_cycle + 40,
            "{harts} harts: seen at cycle {reference}, written at {write_cycle}"
        );
        for quantum in [10_000, 100_000_000] {
            assert_eq!(
                seen_at(harts, TimingMode::Timed, Interleave::Exact, quantum),
                reference,
                "{harts} harts, quantum {quantum} ps"
            );
        }
    }
    // Functional rounds end at device events: the write is seen on the next poll.
    let functional = seen_at(2, TimingMode::Functional, Interleave::Exact, 1_000_000);
    assert!(
        functional >= write_cycle && functional < write_cycle + 4,
        "{functional}"
    );
}

/// Ends the run from its update at 1 ms.
struct Stopper;

impl Device for Stopper {
    fn name(&self) -> &str {
        "stopper"
    }
    fn window_size(&self) -> u64 {
        0x1000
    }
    fn timed(&self) -> Option<&dyn Timed> {
        Some(self)
    }
    fn timed_mut(&mut self) -> Option<&mut dyn Timed> {
        Some(self)
    }
}

impl Mmio for Stopper {
    fn read(&mut self, _: u64, _: u32, _: &mut AccessCtx) -> Result<u64, BusFault> {
        Err(BusFault)
    }
    fn write(&mut self, _: u64, _: u32, _: u64, _: &mut AccessCtx) -> Result<(), BusFault> {
        Err(BusFault)
    }
}

impl Timed for Stopper {
    fn next_event(&self, now: SimTime, _: &Timebase) -> Option<SimTime> {
        (now < 1_000_000_000).then_some(1_000_000_000)
    }
    fn masters_memory(&self) -> bool {
        true
    }
    fn advance(&mut self, ctx: &mut AdvanceCtx) {
        if ctx.now >= 1_000_000_000 {
            ctx.control.exit = Some(sim_core::bus::ExitRequest::Pass);
        }
    }
}

#[test]
fn a_device_ends_the_run_from_its_update_while_harts_sleep() {
    for harts in [1, 2] {
        for mode in [TimingMode::Timed, TimingMode::Functional] {
            let mut ram = Ram::new(RAM_BASE, 1 << 20).unwrap();
            ram.write(RAM_BASE, 4, 0x1050_0073); // wfi
            ram.write(RAM_BASE + 4, 4, j_back(-4) as u64);
            let mut bus = SystemBus::new(ram, harts, 16, Timebase::new(10_000_000));
            bus.map(0x1000_1000, Box::new(Stopper)).unwrap();
            let mut params = MachineParams::new(harts, Clock::new(1_000_000_000));
            params.mode = mode;
            let mut m = Machine::new(params, bus, RAM_BASE, 0).unwrap();
            assert_eq!(m.run(None), Exit::Pass, "{harts} harts, {mode:?}");
        }
    }
}
