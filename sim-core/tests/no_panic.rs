//! A guest can never crash the simulator: random instruction words in random memory, with
//! random registers, run on a multi-hart machine until an instruction limit; the run must end
//! without a panic whatever the words do (traps, CSR writes, paging, PMP, WFI, MMIO).

use proptest::prelude::*;
use sim_core::bus::{AccessCtx, BusFault, Device, HartLine, Mmio};
use sim_core::machine::{Machine, MachineParams};
use sim_core::memory::Ram;
use sim_core::system_bus::SystemBus;
use sim_core::time::{Clock, Timebase};
use sim_core::timing::TimingMode;

const RAM_BASE: u64 = 0x8000_0000;

/// A device that answers every access with data derived from the address, and refuses some;
/// a write drives one of the low 12 `mip` bits of the writing hart.
struct Echo;

/// The lines [`Echo`] drives.
const ECHO_LINES: [HartLine; 12] = {
    let mut lines = [HartLine::exclusive(0); 12];
    let mut bit = 0;
    while bit < 12 {
        lines[bit] = HartLine::exclusive(bit as u32);
        bit += 1;
    }
    lines
};

impl Device for Echo {
    fn name(&self) -> &str {
        "echo"
    }
    fn window_size(&self) -> u64 {
        0x1000
    }
}

impl Mmio for Echo {
    fn read(&mut self, offset: u64, _size: u32, _ctx: &mut AccessCtx) -> Result<u64, BusFault> {
        if offset.is_multiple_of(3) {
            Err(BusFault)
        } else {
            Ok(offset.wrapping_mul(0x9e37_79b9_7f4a_7c15))
        }
    }
    fn write(
        &mut self,
        offset: u64,
        _size: u32,
        value: u64,
        ctx: &mut AccessCtx,
    ) -> Result<(), BusFault> {
        let line = ECHO_LINES[(value % 12) as usize];
        ctx.irq.set(line, ctx.hart, offset.is_multiple_of(2));
        Ok(())
    }
}

fn run_words(words: &[u32], regs: &[u64], harts: usize, insns: u64) {
    let mut ram = Ram::new(RAM_BASE, 1 << 20).unwrap();
    // Prologue: mtvec and stvec point at x1 (inside the random words), so traps keep running
    // random code instead of faulting at address 0.
    let prologue = [
        (0x305 << 20) | (1 << 15) | (1 << 12) | 0x73,
        (0x105 << 20) | (1 << 15) | (1 << 12) | 0x73,
    ];
    for (i, w) in prologue.iter().chain(words).enumerate() {
        ram.write(RAM_BASE + 4 * i as u64, 4, *w as u64);
    }
    let mut bus = SystemBus::new(ram, harts, 16, Timebase::new(10_000_000));
    bus.map(0x1000_0000, Box::new(Echo)).unwrap();
    let mut params = MachineParams::new(harts, Clock::new(1_000_000_000));
    params.quantum = 50_000;
    // Half the programs run under the timing model, half functionally.
    if regs.first().is_some_and(|r| r & 1 == 1) {
        params.mode = TimingMode::Functional;
    }
    let mut m = Machine::new(params, bus, RAM_BASE, RAM_BASE + 0x8_0000).unwrap();
    for h in &mut m.harts {
        for (i, r) in regs.iter().enumerate() {
            // Point some registers into RAM and the device so loads and stores land somewhere.
            let v = match i % 3 {
                0 => RAM_BASE + (r % (4 * words.len() as u64 + 8)),
                1 => 0x1000_0000 + (r % 0x1000),
                _ => *r,
            };
            h.set_reg(1 + i, v);
        }
    }
    let _ = m.run(Some(insns));
}

/// Instruction words biased towards valid encodings of every major opcode.
fn word() -> impl Strategy<Value = u32> {
    let opcodes = prop::sample::select(vec![
        0x03u32, 0x0f, 0x13, 0x17, 0x1b, 0x23, 0x2f, 0x33, 0x37, 0x3b, 0x63, 0x67, 0x6f, 0x73,
        0x07, 0x27, 0x43, 0x47, 0x4b, 0x4f, 0x53, 0x53, 0x53,
    ]);
    prop_oneof![
        any::<u32>(),
        (opcodes, any::<u32>()).prop_map(|(op, rest)| (rest & !0x7f) | op),
        // SYSTEM instructions touching the CSRs that change translation and interrupts.
        (
            prop::sample::select(vec![
                0x300u32, 0x302, 0x303, 0x304, 0x305, 0x344, 0x180, 0x3a0, 0x3b0, 0x14d, 0x30a,
                0x105, 0x100
            ]),
            0u32..32,
            1u32..8,
            0u32..32
        )
            .prop_map(|(csr, rs1, f3, rd)| (csr << 20)
                | (rs1 << 15)
                | (f3 << 12)
                | (rd << 7)
                | 0x73),
        any::<u16>().prop_map(|h| h as u32 | ((h as u32) << 16)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, .. ProptestConfig::default() })]

    #[test]
    fn random_programs_never_panic(
        words in prop::collection::vec(word(), 1..256),
        regs in prop::collection::vec(any::<u64>(), 31),
        harts in 1usize..4,
    ) {
        run_words(&words, &regs, harts, 3000);
    }
}

#[test]
fn long_random_streams_never_panic() {
    // A deterministic xorshift stream: many more words than proptest's cases cover.
    let mut x = 0x2545_f491_4f6c_dd1du64;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    for _ in 0..20 {
        let words: Vec<u32> = (0..16384).map(|_| next() as u32).collect();
        let regs: Vec<u64> = (0..31).map(|_| next()).collect();
        run_words(&words, &regs, 2, 200_000);
    }
}
