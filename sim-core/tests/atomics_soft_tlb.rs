//! LR, SC and AMOs go through the software TLB like loads and stores: a loop of them on one
//! page fills each software TLB about once instead of on every atomic (an LR used to empty
//! the hart's store TLB and every AMO translated afresh), and still computes the same values.

use sim_core::machine::{Exit, Machine, MachineParams};
use sim_core::memory::Ram;
use sim_core::system_bus::SystemBus;
use sim_core::time::{Clock, Timebase};
use sim_core::timing::TimingMode;

const RAM_BASE: u64 = 0x8000_0000;
const DATA: u64 = RAM_BASE + 0x1000;
const ITERATIONS: u64 = 1000;

fn amo(funct5: u32, rd: u32, rs1: u32, rs2: u32) -> u32 {
    funct5 << 27 | rs2 << 20 | rs1 << 15 | 3 << 12 | rd << 7 | 0x2f
}

fn addi(rd: u32, rs1: u32, imm: i32) -> u32 {
    ((imm as u32) & 0xfff) << 20 | rs1 << 15 | rd << 7 | 0x13
}

fn bne(rs1: u32, rs2: u32, imm: i32) -> u32 {
    let i = imm as u32;
    (i >> 12 & 1) << 31
        | (i >> 5 & 0x3f) << 25
        | rs2 << 20
        | rs1 << 15
        | 1 << 12
        | (i >> 1 & 0xf) << 8
        | (i >> 11 & 1) << 7
        | 0x63
}

/// x5 = DATA, x6 = ITERATIONS, x7 = 1; each iteration does one AMOADD.D, an LR.D/SC.D
/// increment and a store next to it; then the hart spins.
fn program() -> Vec<u32> {
    vec![
        amo(0b00000, 0, 5, 7), // amoadd.d x0, x7, (x5)
        amo(0b00010, 8, 5, 0), // lr.d x8, (x5)
        addi(8, 8, 1),
        amo(0b00011, 9, 5, 8),                       // sc.d x9, x8, (x5)
        8 << 20 | 5 << 15 | 3 << 12 | 8 << 7 | 0x23, // sd x8, 8(x5)
        addi(6, 6, -1),
        bne(6, 0, -24),
        0x6f, // j .
    ]
}

fn run(mode: TimingMode) -> Machine {
    let mut ram = Ram::new(RAM_BASE, 1 << 20).unwrap();
    for (i, w) in program().iter().enumerate() {
        ram.write(RAM_BASE + 4 * i as u64, 4, *w as u64);
    }
    let bus = SystemBus::new(ram, 1, 16, Timebase::new(10_000_000));
    let mut params = MachineParams::new(1, Clock::new(1_000_000_000));
    params.mode = mode;
    let mut m = Machine::new(params, bus, RAM_BASE, RAM_BASE + 0x8_0000).unwrap();
    m.harts[0].set_reg(5, DATA);
    m.harts[0].set_reg(6, ITERATIONS);
    m.harts[0].set_reg(7, 1);
    let exit = m.run(Some(7 * ITERATIONS + 10));
    assert!(matches!(exit, Exit::MaxInsns), "{exit:?}");
    m
}

#[test]
fn atomics_hit_the_software_tlb() {
    for mode in [TimingMode::Functional, TimingMode::Timed] {
        let m = run(mode);
        assert_eq!(m.harts[0].reg(6), 0, "{mode:?}: the loop finished");
        assert_eq!(m.bus.ram.read(DATA, 8), Some(2 * ITERATIONS), "{mode:?}");
        assert_eq!(
            m.bus.ram.read(DATA + 8, 8),
            Some(2 * ITERATIONS),
            "{mode:?}"
        );
        let s = m.harts[0].stats();
        assert_eq!(s.tlb_walks, 0, "{mode:?}: M mode does not translate");
        assert!(
            s.tlb_fills < 10,
            "{mode:?}: {} software-TLB fills for {ITERATIONS} iterations",
            s.tlb_fills
        );
    }
}
