//! The hartlab simulator-control device (`hartlab,sim-control`), hartlab's counterpart of
//! gem5's m5ops: guest code asks the simulator for things with plain loads and stores.
//!
//! Registers (64-bit, offsets from the base):
//!
//! | offset | name   | access | meaning                                                  |
//! |--------|--------|--------|----------------------------------------------------------|
//! | 0x00   | TIMING | R/W    | 1 while harts run timed, 0 while functional; writing 1   |
//! |        |        |        | switches to timed, 0 to functional (fast-forward), for   |
//! |        |        |        | every hart, from the next instruction on                 |
//!
//! The access itself is a device access like any other (it pays the interconnect round
//! trip in timed mode). Other offsets and sizes fault.

use crate::virt;
use sim_core::bus::{AccessCtx, BusFault, Device};

/// TIMING register offset.
pub const TIMING: u64 = 0x00;

/// The simulator-control device.
#[derive(Debug, Default)]
pub struct SimControl {}

impl SimControl {
    /// Base address on hartlab's virt board (a hole in QEMU's map, next to the test finisher).
    pub const DEFAULT_BASE: u64 = virt::SIM_CONTROL_BASE;
    /// Size of the register window.
    pub const SIZE: u64 = 0x1000;

    /// The device.
    pub fn new() -> Self {
        Self::default()
    }
}

impl Device for SimControl {
    fn name(&self) -> &str {
        "sim-control"
    }

    fn read(&mut self, offset: u64, size: u32, ctx: &mut AccessCtx) -> Result<u64, BusFault> {
        match (offset, size) {
            (TIMING, 4 | 8) => Ok(ctx.control.timed as u64),
            _ => Err(BusFault),
        }
    }

    fn write(
        &mut self,
        offset: u64,
        size: u32,
        value: u64,
        ctx: &mut AccessCtx,
    ) -> Result<(), BusFault> {
        match (offset, size) {
            (TIMING, 4 | 8) if value <= 1 => {
                ctx.control.timed = value == 1;
                Ok(())
            }
            _ => Err(BusFault),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::Env;

    #[test]
    fn switches_the_timing_mode() {
        let mut env = Env::new(1, 1);
        let mut dev = SimControl::new();
        assert_eq!(env.read(&mut dev, 0, TIMING, 8), 0);
        env.write(&mut dev, 0, TIMING, 8, 1);
        assert!(env.control.timed);
        assert_eq!(env.read(&mut dev, 0, TIMING, 4), 1);
        env.write(&mut dev, 0, TIMING, 4, 0);
        assert!(!env.control.timed);
    }

    #[test]
    fn rejects_unknown_registers_and_values() {
        let mut env = Env::new(1, 1);
        let mut dev = SimControl::new();
        assert!(env.try_write(&mut dev, 0, TIMING, 8, 2).is_err());
        assert!(env.try_write(&mut dev, 0, 0x8, 8, 1).is_err());
        assert!(env.try_read(&mut dev, 0, TIMING, 1).is_err());
        assert!(!env.control.timed);
    }
}
