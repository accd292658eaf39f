//! A read-modify-write of `mip` while a device line is high must not latch the line into
//! `mip`'s software-writable bit: the privileged spec lets only the software bit take part
//! in `csrrs`/`csrrc`. Found as an interrupt storm: the firmware's `csrs mip, SSIP` (an IPI
//! forwarded to S mode) ran while the PLIC held SEIP high, and the kernel then took
//! supervisor external interrupts for ever after the PLIC had lowered the line.

use sim_core::machine::{Machine, MachineParams};
use sim_core::memory::Ram;
use sim_core::system_bus::SystemBus;
use sim_core::time::{Clock, Timebase};

const RAM_BASE: u64 = 0x8000_0000;
const SSIP: u64 = 1 << 1;
const SEIP: u64 = 1 << 9;

/// `csr* rd, csr, rs1` (funct3 2 = csrrs, 3 = csrrc).
fn csr_op(funct3: u32, rd: u32, csr: u32, rs1: u32) -> u32 {
    (csr << 20) | (rs1 << 15) | (funct3 << 12) | (rd << 7) | 0x73
}

#[test]
fn csrrs_and_csrrc_on_mip_leave_a_device_line_out_of_the_software_bit() {
    let program = [
        0x0020_0293,             // addi t0, zero, 2 (SSIP)
        csr_op(2, 0, 0x344, 5),  // csrrs zero, mip, t0  (the line is high here)
        csr_op(3, 0, 0x344, 5),  // csrrc zero, mip, t0
        csr_op(2, 6, 0x344, 5),  // csrrs t1, mip, t0    (t1: mip with SEIP and no SSIP)
        csr_op(2, 10, 0x344, 0), // csrr a0, mip        (after the line fell)
    ];
    let mut ram = Ram::new(RAM_BASE, 1 << 16).unwrap();
    for (i, w) in program.iter().enumerate() {
        ram.write(RAM_BASE + 4 * i as u64, 4, u64::from(*w));
    }
    let bus = SystemBus::new(ram, 1, 16, Timebase::new(10_000_000));
    let params = MachineParams::new(1, Clock::new(1_000_000_000));
    let mut m = Machine::new(params, bus, RAM_BASE, RAM_BASE + 0x8000).unwrap();
    m.bus.irq.set_hart_line(0, SEIP, true);
    m.run(Some(4));
    assert_eq!(
        m.harts[0].reg(6) & (SEIP | SSIP),
        SEIP,
        "a read shows the line"
    );
    m.bus.irq.set_hart_line(0, SEIP, false);
    m.run(Some(5));
    assert_eq!(
        m.harts[0].reg(10) & (SEIP | SSIP),
        SSIP,
        "the line fell and nobody wrote SEIP; the software SSIP stays"
    );
}
