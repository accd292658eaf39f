//! CLINT (core-local interruptor) as on QEMU `virt` and SiFive cores: per-hart `msip` software
//! interrupt bits and `mtimecmp` comparators against the shared `mtime`.
//!
//! `mtime` itself lives in the machine's [`Timebase`], so the CLINT only compares against it:
//! MTIP of hart `h` is the level `mtime >= mtimecmp[h]`, re-evaluated on every write and in
//! [`Timed::advance`], and [`Timed::next_event`] tells the machine when the next one rises.

use crate::device_tree::{DeviceTreeNode, NodeResult, NodeWriter};
use abi::board::clint::{MSIP, MTIME, MTIMECMP};
use sim_core::bus::{AccessCtx, AdvanceCtx, BusFault, Device, HartLine, Lines, Mmio, Timed};
use sim_core::time::{SimTime, Timebase};

/// The part of a 64-bit register an access of `size` bytes at byte `rel` within it touches,
/// as `(shift, mask)`: the whole register or one aligned 32-bit half.
fn reg64_part(rel: u64, size: u32) -> Option<(u32, u64)> {
    match (rel, size) {
        (0, 8) => Some((0, u64::MAX)),
        (0, 4) => Some((0, 0xffff_ffff)),
        (4, 4) => Some((32, 0xffff_ffff)),
        _ => None,
    }
}

/// Replace the part `(shift, mask)` of `reg` with `value`.
fn merge_part(reg: u64, (shift, mask): (u32, u64), value: u64) -> u64 {
    (reg & !(mask << shift)) | ((value & mask) << shift)
}

/// The lines a CLINT drives on every hart it serves.
#[derive(serde::Serialize, serde::Deserialize, Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClintLines {
    /// The software interrupt (MSIP).
    pub msip: HartLine,
    /// The timer interrupt (MTIP).
    pub mtip: HartLine,
}

/// A CLINT serving a fixed number of harts.
#[derive(serde::Serialize, serde::Deserialize, Debug)]
pub struct Clint {
    lines: ClintLines,
    msip: Vec<bool>,
    mtimecmp: Vec<u64>,
    /// The MTIP level last driven for each hart.
    mtip: Vec<bool>,
}

/// The register an offset addresses.
enum Reg {
    Msip(usize),
    /// Comparator of a hart, with the access's byte offset within it.
    Mtimecmp(usize, u64),
    /// Byte offset within `mtime`.
    Mtime(u64),
}

impl Clint {
    /// Size of the register window.
    pub const SIZE: u64 = abi::board::clint::SIZE;

    /// A CLINT for `harts` harts (at most 4095, the number of `mtimecmp` slots) driving
    /// `lines`; `mtimecmp` resets to `u64::MAX`, so no timer interrupt is pending.
    pub fn new(harts: usize, lines: ClintLines) -> Self {
        let harts = harts.min(((MTIME - MTIMECMP) / 8) as usize);
        Self {
            lines,
            msip: vec![false; harts],
            mtimecmp: vec![u64::MAX; harts],
            mtip: vec![false; harts],
        }
    }

    fn decode(&self, offset: u64) -> Option<Reg> {
        let harts = self.msip.len() as u64;
        match offset {
            MSIP..MTIMECMP if (offset - MSIP) / 4 < harts => {
                Some(Reg::Msip(((offset - MSIP) / 4) as usize))
            }
            MTIMECMP..MTIME if (offset - MTIMECMP) / 8 < harts => Some(Reg::Mtimecmp(
                ((offset - MTIMECMP) / 8) as usize,
                (offset - MTIMECMP) % 8,
            )),
            MTIME..=0xbfff => Some(Reg::Mtime(offset - MTIME)),
            _ => None,
        }
    }

    /// Drive every hart's MTIP from `mtime` at `now`. A timer that expired since the last
    /// update rises at the exact time `mtime` reached `mtimecmp`, so harts whose local time is
    /// still earlier do not see it early.
    fn update_timers(&mut self, now: SimTime, timebase: &Timebase, irq: &mut Lines) {
        let mtime = timebase.mtime(now);
        for (hart, (&cmp, level)) in self.mtimecmp.iter().zip(&mut self.mtip).enumerate() {
            *level = mtime >= cmp;
            let rose_at = timebase.time_of_mtime(0, cmp).unwrap_or(0).min(now);
            irq.set_at(self.lines.mtip, hart, *level, rose_at);
        }
    }
}

impl Device for Clint {
    capabilities!(timed);

    checkpointed!();

    fn name(&self) -> &str {
        "clint"
    }

    fn window_size(&self) -> u64 {
        Self::SIZE
    }
}

impl DeviceTreeNode for Clint {
    fn write_node(&self, node: &mut NodeWriter) -> NodeResult {
        let clint = node.begin("clint")?;
        node.compatible(&["sifive,clint0", "riscv,clint0"])?;
        node.reg()?;
        node.every_hart(&[self.lines.msip, self.lines.mtip])?;
        node.end(clint)
    }
}

impl Mmio for Clint {
    fn read(&mut self, offset: u64, size: u32, ctx: &mut AccessCtx) -> Result<u64, BusFault> {
        match self.decode(offset).ok_or(BusFault)? {
            Reg::Msip(hart) if size == 4 => Ok(self.msip[hart] as u64),
            Reg::Msip(_) => Err(BusFault),
            Reg::Mtimecmp(hart, rel) => {
                let (shift, mask) = reg64_part(rel, size).ok_or(BusFault)?;
                Ok((self.mtimecmp[hart] >> shift) & mask)
            }
            Reg::Mtime(rel) => {
                let (shift, mask) = reg64_part(rel, size).ok_or(BusFault)?;
                Ok((ctx.timebase.mtime(ctx.now) >> shift) & mask)
            }
        }
    }

    fn write(
        &mut self,
        offset: u64,
        size: u32,
        value: u64,
        ctx: &mut AccessCtx,
    ) -> Result<(), BusFault> {
        match self.decode(offset).ok_or(BusFault)? {
            Reg::Msip(hart) if size == 4 => {
                self.msip[hart] = value & 1 != 0;
                ctx.irq.set(self.lines.msip, hart, self.msip[hart]);
                return Ok(());
            }
            Reg::Msip(_) => return Err(BusFault),
            Reg::Mtimecmp(hart, rel) => {
                let part = reg64_part(rel, size).ok_or(BusFault)?;
                self.mtimecmp[hart] = merge_part(self.mtimecmp[hart], part, value);
            }
            Reg::Mtime(rel) => {
                let part = reg64_part(rel, size).ok_or(BusFault)?;
                let mtime = merge_part(ctx.timebase.mtime(ctx.now), part, value);
                ctx.timebase.set_mtime(ctx.now, mtime);
            }
        }
        self.update_timers(ctx.now, ctx.timebase, &mut ctx.irq);
        Ok(())
    }
}

impl Timed for Clint {
    fn next_event(&self, now: SimTime, timebase: &Timebase) -> Option<SimTime> {
        self.mtimecmp
            .iter()
            .zip(&self.mtip)
            .filter(|&(_, &level)| !level)
            .filter_map(|(&cmp, _)| {
                let t = timebase.time_of_mtime(now, cmp)?;
                // Keep only times at which mtime really reaches the comparator: once software has
                // set mtime below the ticks elapsed since reset, `time_of_mtime` can answer `now`
                // for a comparator that mtime reaches only beyond the representable future.
                (timebase.mtime(t) >= cmp).then_some(t)
            })
            .min()
    }

    fn advance(&mut self, ctx: &mut AdvanceCtx) {
        self.update_timers(ctx.now, ctx.timebase, &mut ctx.irq);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mip;
    use crate::testutil::Env;

    const TICK: SimTime = 100_000;

    #[test]
    fn msip_drives_msip_of_its_hart_only() {
        let (mut env, mut clint) = (Env::new(2, 1), Clint::new(2, crate::wiring::CLINT));
        env.write(&mut clint, 0, 4, 4, 0xffff_ffff);
        assert_eq!(env.irq.hart_lines(1), mip::MSIP);
        assert_eq!(env.irq.hart_lines(0), 0);
        assert_eq!(env.read(&mut clint, 0, 4, 4), 1);
        env.write(&mut clint, 0, 4, 4, 2);
        assert_eq!(env.irq.hart_lines(1), 0);
        assert_eq!(env.try_read(&mut clint, 0, 4, 8), Err(BusFault));
        assert_eq!(env.try_write(&mut clint, 0, 8, 4, 1), Err(BusFault));
    }

    #[test]
    fn mtimecmp_resets_to_max_and_has_32_bit_halves() {
        let (mut env, mut clint) = (Env::new(2, 1), Clint::new(2, crate::wiring::CLINT));
        assert_eq!(env.read(&mut clint, 0, 0x4008, 8), u64::MAX);
        env.write(&mut clint, 0, 0x4008, 4, 0x1234);
        env.write(&mut clint, 0, 0x400c, 4, 0);
        assert_eq!(env.read(&mut clint, 0, 0x4008, 8), 0x1234);
        assert_eq!(env.read(&mut clint, 0, 0x400c, 4), 0);
        assert_eq!(env.read(&mut clint, 0, 0x4000, 8), u64::MAX);
        assert_eq!(env.try_read(&mut clint, 0, 0x4010, 8), Err(BusFault));
        assert_eq!(env.try_read(&mut clint, 0, 0x4008, 2), Err(BusFault));
    }

    #[test]
    fn mtime_reads_and_writes_the_timebase() {
        let (mut env, mut clint) = (Env::new(1, 1), Clint::new(1, crate::wiring::CLINT));
        env.now = 50 * TICK;
        assert_eq!(env.read(&mut clint, 0, 0xbff8, 8), 50);
        env.write(&mut clint, 0, 0xbffc, 4, 1);
        assert_eq!(env.read(&mut clint, 0, 0xbff8, 8), (1 << 32) | 50);
        env.write(&mut clint, 0, 0xbff8, 4, 7);
        assert_eq!(env.timebase.mtime(env.now + TICK), (1 << 32) | 8);
        assert_eq!(env.read(&mut clint, 0, 0xbffc, 4), 1);
    }

    #[test]
    fn mtip_follows_mtimecmp_and_next_event() {
        let (mut env, mut clint) = (Env::new(2, 1), Clint::new(2, crate::wiring::CLINT));
        assert_eq!(clint.next_event(0, &env.timebase), None);
        env.write(&mut clint, 0, 0x4000, 8, 10);
        env.write(&mut clint, 0, 0x4008, 8, 4);
        assert_eq!(env.irq.hart_lines(0) & mip::MTIP, 0);
        assert_eq!(clint.next_event(0, &env.timebase), Some(4 * TICK));

        env.advance(&mut clint, 4 * TICK);
        assert_eq!(env.irq.hart_lines(1), mip::MTIP);
        assert_eq!(env.irq.hart_lines(0), 0);
        assert_eq!(clint.next_event(env.now, &env.timebase), Some(10 * TICK));

        // Moving the comparator away lowers the line at once; moving it into the past raises it.
        env.write(&mut clint, 0, 0x4008, 8, 100);
        assert_eq!(env.irq.hart_lines(1), 0);
        env.write(&mut clint, 0, 0x4000, 4, 1);
        assert_eq!(env.irq.hart_lines(0), mip::MTIP);
        assert_eq!(clint.next_event(env.now, &env.timebase), Some(100 * TICK));
    }

    #[test]
    fn mtime_writes_reevaluate_mtip() {
        let (mut env, mut clint) = (Env::new(1, 1), Clint::new(1, crate::wiring::CLINT));
        env.write(&mut clint, 0, 0x4000, 8, 1000);
        env.write(&mut clint, 0, 0xbff8, 8, 1000);
        assert_eq!(env.irq.hart_lines(0), mip::MTIP);
        env.write(&mut clint, 0, 0xbff8, 8, 990);
        assert_eq!(env.irq.hart_lines(0), 0);
        assert_eq!(clint.next_event(env.now, &env.timebase), Some(10 * TICK));
    }

    #[test]
    fn overdue_comparator_is_reported_now_until_advanced() {
        let (mut env, mut clint) = (Env::new(1, 1), Clint::new(1, crate::wiring::CLINT));
        env.write(&mut clint, 0, 0x4000, 8, 3);
        assert_eq!(clint.next_event(9 * TICK, &env.timebase), Some(9 * TICK));
        env.advance(&mut clint, 9 * TICK);
        assert_eq!(clint.next_event(9 * TICK, &env.timebase), None);
    }

    #[test]
    fn unreachable_comparator_after_mtime_set_back_is_no_event() {
        let (mut env, mut clint) = (Env::new(1, 1), Clint::new(1, crate::wiring::CLINT));
        env.now = 1000 * TICK;
        env.write(&mut clint, 0, 0xbff8, 8, 0);
        assert_eq!(clint.next_event(env.now, &env.timebase), None);
        env.write(&mut clint, 0, 0x4000, 8, 5);
        assert_eq!(clint.next_event(env.now, &env.timebase), Some(1005 * TICK));
    }
}
