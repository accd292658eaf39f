//! SiFive test finisher (`sifive,test0`), as on QEMU `virt`: lets a guest end the simulation
//! with a pass/fail status or ask for a reset, which test programs and OpenSBI's system reset
//! use.
//!
//! A 32-bit write at offset 0 whose low 16 bits are 0x5555 passes, 0x3333 fails with the code
//! in the upper 16 bits, 0x7777 resets; other values are ignored. Reads return 0.

use crate::device_tree::{DeviceTreeNode, NodeResult, NodeWriter};
use abi::board::test_finisher as codes;
use sim_core::bus::{AccessCtx, BusFault, Device, ExitRequest, Mmio};

const PASS: u64 = codes::PASS as u64;
const FAIL: u64 = codes::FAIL as u64;
const RESET: u64 = codes::RESET as u64;

/// The test finisher.
#[derive(serde::Serialize, serde::Deserialize, Debug, Default)]
pub struct TestFinisher {}

impl TestFinisher {
    /// Size of the register window.
    pub const SIZE: u64 = 0x1000;

    /// A test finisher.
    pub fn new() -> Self {
        Self::default()
    }
}

impl Device for TestFinisher {
    checkpointed!();

    fn name(&self) -> &str {
        "test-finisher"
    }

    fn window_size(&self) -> u64 {
        Self::SIZE
    }
}

/// The test finisher's node, and the poweroff and reboot nodes that use it as their syscon
/// (written only when the board gave it a phandle to be referred to by).
impl DeviceTreeNode for TestFinisher {
    fn write_node(&self, node: &mut NodeWriter) -> NodeResult {
        let test = node.begin("test")?;
        node.compatible(&["sifive,test1", "sifive,test0", "syscon"])?;
        node.reg()?;
        let phandle = node.phandle()?;
        node.end(test)?;
        let Some(phandle) = phandle else {
            return Ok(());
        };
        let f = node.fdt();
        for (name, compatible, value) in [
            ("poweroff", "syscon-poweroff", codes::PASS),
            ("reboot", "syscon-reboot", codes::RESET),
        ] {
            let syscon = f.begin_node(name)?;
            f.property_string("compatible", compatible)?;
            f.property_u32("regmap", phandle)?;
            f.property_u32("offset", 0)?;
            f.property_u32("value", value)?;
            f.end_node(syscon)?;
        }
        Ok(())
    }
}

impl Mmio for TestFinisher {
    fn read(&mut self, offset: u64, size: u32, _ctx: &mut AccessCtx) -> Result<u64, BusFault> {
        match size {
            1 | 2 | 4 | 8 if offset < Self::SIZE => Ok(0),
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
        if offset != 0 || size != 4 {
            return Err(BusFault);
        }
        let value = value & 0xffff_ffff;
        let request = match value & 0xffff {
            PASS => ExitRequest::Pass,
            FAIL => ExitRequest::Fail((value >> 16) as u32),
            RESET => ExitRequest::Reset,
            _ => return Ok(()),
        };
        ctx.control.exit = Some(request);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::Env;

    #[test]
    fn exit_codes() {
        let (mut env, mut dev) = (Env::new(1, 1), TestFinisher::new());
        env.write(&mut dev, 0, 0, 4, 0x1234);
        assert_eq!(env.control.exit, None);
        env.write(&mut dev, 0, 0, 4, 0xdead_5555);
        assert_eq!(env.control.exit, Some(ExitRequest::Pass));
        env.write(&mut dev, 0, 0, 4, (42 << 16) | 0x3333);
        assert_eq!(env.control.exit, Some(ExitRequest::Fail(42)));
        env.write(&mut dev, 0, 0, 4, 0xffff_ffff_0000_7777);
        assert_eq!(env.control.exit, Some(ExitRequest::Reset));
        env.write(&mut dev, 0, 0, 4, 0xffff_ffff_ffff_3333);
        assert_eq!(env.control.exit, Some(ExitRequest::Fail(0xffff)));
    }

    #[test]
    fn reads_zero_and_refuses_other_writes() {
        let (mut env, mut dev) = (Env::new(1, 1), TestFinisher::new());
        assert_eq!(env.read(&mut dev, 0, 0, 4), 0);
        assert_eq!(env.read(&mut dev, 0, 0xff8, 8), 0);
        assert_eq!(env.try_read(&mut dev, 0, 0x1000, 4), Err(BusFault));
        assert_eq!(env.try_write(&mut dev, 0, 0, 8, 0x5555), Err(BusFault));
        assert_eq!(env.try_write(&mut dev, 0, 4, 4, 0x5555), Err(BusFault));
        assert_eq!(env.control.exit, None);
    }
}
