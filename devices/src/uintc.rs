//! UINTC user-IPI controller (profile U1 of the user-interrupt reference): one 32-byte slot per
//! receiver holding its 64 pending vector bits, which a sender's `uipi.send` (or a kernel's
//! plain store) sets and the receiver collects with a read-and-clear. The layout is that of the
//! final UINTC QEMU `virt` (base 0x02F1_0000, 512 slots, 0x4000 bytes).
//!
//! Slot `i` lies at `32 * i`; only naturally aligned 8-byte accesses exist, anything else
//! faults:
//!
//! | Offset | Read | Write |
//! |---|---|---|
//! | +0x00 SEND | 0 (reserved) | `pending \|= 1 << data[5:0]` |
//! | +0x08 LOW | `[0]` active, `[1]` mode, `[31:16]` hartid | sets active, mode, hartid from the same bits |
//! | +0x10 HIGH | `pending`, and clears it (atomic read-and-clear) | `pending \|= data` |
//! | +0x18 ACTIVE | `[0]` active | `active = data[0]` |
//!
//! Output: hart `h`'s line is the OR over slots of `active && pending != 0 && hartid == h`,
//! driven as a level on `mip.USIP` of hart `h` (the hart ORs it with its own software USIP
//! bit); hart ids the machine does not have drive nothing. A rising line becomes visible to
//! the hart `visibility` after the access that raised it (the "SEND to USIP visible" latency);
//! a falling line drops at once. Each slot changes the line of at most its old and its new
//! hart, so an access updates a per-hart count of asserting slots instead of scanning slots.
//!
//! Where the sources disagree (reference §8):
//! - Level semantics, the line recomputed on every slot change (item 5): as Rocket; the QEMU
//!   models never lower the line, which would leave USIP stuck after the handler's read.
//! - HIGH at +0x10 is a 64-bit atomic read-and-clear, vectors 0..=63 (item 6): as Rocket; QEMU
//!   truncates the word through a 32-bit value and clears only on a +0x14 read.
//! - Base 0x02F1_0000 with 512 slots (item 9): the final UINTC QEMU, which published software
//!   targets; the Rocket layout (0x0300_0000, 32 slots) is just another `new(32, ..)`.
//! - No sender feedback (item 11): spec v0.1.1 dropped the status register, so SEND to any
//!   slot always succeeds silently, active or not.
//!
//! Statistics ([`Statistics::counters`]): `sends`, `high_writes`, `reads_cleared` (HIGH reads that
//! returned nonzero), `pending_high_water_max` (most pending bits any slot held at once) and
//! `slot<N>.pending_high_water` for every slot that was ever written.

use crate::device_tree::{DeviceTreeNode, NodeResult, NodeWriter};
use abi::uintc::{ACTIVE, HIGH, LOW, LOW_ACTIVE, LOW_HARTID_SHIFT, LOW_MODE, SEND};
use sim_core::bus::{
    AccessCtx, AdvanceCtx, BusFault, Device, HartLine, Lines, Mmio, Statistics, Timed,
};
use sim_core::time::{SimTime, Timebase};
use sim_core::trace::{DeviceEventKind, DeviceTracer};

/// Timeline event (`hartlab run --trace`): a SEND to a receiver slot, by the storing hart.
static TRACE_SEND: DeviceEventKind = DeviceEventKind {
    name: "send",
    args: &["slot", "vector"],
};

/// One receiver's state.
#[derive(serde::Serialize, serde::Deserialize, Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Slot {
    active: bool,
    /// The LOW mode bit (1 = RV64); stored and read back, no effect on delivery.
    mode: bool,
    hartid: u16,
    pending: u64,
    /// Whether the slot was ever written (it then appears in the statistics).
    used: bool,
    /// Most pending bits held at once.
    high_water: u32,
}

impl Slot {
    fn low(&self) -> u64 {
        (self.active as u64)
            | ((self.mode as u64) << 1)
            | ((self.hartid as u64) << LOW_HARTID_SHIFT)
    }
}

/// A UINTC with a fixed number of receiver slots serving a fixed number of harts.
#[derive(serde::Serialize, serde::Deserialize, Debug)]
pub struct Uintc {
    /// The line it drives on each hart (USIP).
    line: HartLine,
    slots: Vec<Slot>,
    /// For each hart, the number of slots asserting its line.
    asserting: Vec<usize>,
    /// For each hart whose line is up, the time from which the hart sees it.
    visible_at: Vec<Option<SimTime>>,
    visibility: SimTime,
    sends: u64,
    high_writes: u64,
    reads_cleared: u64,
    high_water_max: u32,
    #[serde(skip)]
    tracer: DeviceTracer,
}

impl Uintc {
    /// Bytes per receiver slot.
    pub const SLOT_BYTES: u64 = abi::uintc::SLOT_BYTES;

    /// A UINTC with `slots` receiver slots for `harts` harts, driving `line` of each; a line
    /// that rises becomes visible to its hart `visibility` after the access that raised it.
    /// All slots reset inactive, with hartid 0 and nothing pending.
    pub fn new(slots: usize, harts: usize, visibility: SimTime, line: HartLine) -> Self {
        Self {
            line,
            slots: vec![Slot::default(); slots],
            asserting: vec![0; harts],
            visible_at: vec![None; harts],
            visibility,
            sends: 0,
            high_writes: 0,
            reads_cleared: 0,
            high_water_max: 0,
            tracer: DeviceTracer::default(),
        }
    }

    /// Size of the register window: `slots * 32` bytes.
    pub fn size(&self) -> u64 {
        abi::uintc::window_size(self.slots.len() as u64)
    }

    /// Number of receiver slots.
    pub fn slots(&self) -> usize {
        self.slots.len()
    }

    /// The slot and register an access addresses, if it is a naturally aligned 8-byte access
    /// inside the window.
    fn decode(&self, offset: u64, size: u32) -> Result<(usize, u64), BusFault> {
        if size != 8 || !offset.is_multiple_of(8) || offset >= self.size() {
            return Err(BusFault);
        }
        Ok((
            (offset / Self::SLOT_BYTES) as usize,
            offset % Self::SLOT_BYTES,
        ))
    }

    /// The hart whose line slot `idx` asserts, if any.
    fn asserts(&self, idx: usize) -> Option<usize> {
        let s = &self.slots[idx];
        let hart = s.hartid as usize;
        (s.active && s.pending != 0 && hart < self.asserting.len()).then_some(hart)
    }

    /// Apply `f` to slot `idx`, then update the statistics and the lines of the harts it
    /// asserted before and after (the only lines the change can affect).
    fn modify<R>(
        &mut self,
        idx: usize,
        now: SimTime,
        irq: &mut Lines,
        f: impl FnOnce(&mut Slot) -> R,
    ) -> R {
        let before = self.asserts(idx);
        let result = f(&mut self.slots[idx]);
        let slot = &mut self.slots[idx];
        let held = slot.pending.count_ones();
        slot.high_water = slot.high_water.max(held);
        self.high_water_max = self.high_water_max.max(held);
        let after = self.asserts(idx);
        if before != after {
            if let Some(h) = before {
                self.asserting[h] -= 1;
                self.drive(h, now, irq);
            }
            if let Some(h) = after {
                self.asserting[h] += 1;
                self.drive(h, now, irq);
            }
        }
        result
    }

    /// Drive hart `hart`'s line from its count of asserting slots: a rise is stamped
    /// `now + visibility`, a fall takes effect at once.
    fn drive(&mut self, hart: usize, now: SimTime, irq: &mut Lines) {
        let level = self.asserting[hart] > 0;
        match (level, self.visible_at[hart]) {
            (true, None) => {
                let at = now.saturating_add(self.visibility);
                self.visible_at[hart] = Some(at);
                irq.set_at(self.line, hart, true, at);
            }
            (false, Some(_)) => {
                self.visible_at[hart] = None;
                irq.set_at(self.line, hart, false, now);
            }
            _ => {}
        }
    }
}

impl Device for Uintc {
    capabilities!(timed, statistics);

    checkpointed!(tracer);

    fn name(&self) -> &str {
        "uintc"
    }

    fn window_size(&self) -> u64 {
        self.size()
    }

    fn attach_tracer(&mut self, tracer: DeviceTracer) {
        self.tracer = tracer;
    }
}

impl DeviceTreeNode for Uintc {
    fn write_node(&self, node: &mut NodeWriter) -> NodeResult {
        let uintc = node.begin("uintc")?;
        node.compatible(&["riscv,uintc0"])?;
        node.reg()?;
        node.every_hart(&[self.line])?;
        node.end(uintc)
    }
}

impl Mmio for Uintc {
    fn read(&mut self, offset: u64, size: u32, ctx: &mut AccessCtx) -> Result<u64, BusFault> {
        let (idx, reg) = self.decode(offset, size)?;
        let slot = &self.slots[idx];
        Ok(match reg {
            SEND => 0,
            LOW => slot.low(),
            ACTIVE => slot.active as u64,
            _ => {
                let pending = self.modify(idx, ctx.now, &mut ctx.irq, |s| {
                    std::mem::take(&mut s.pending)
                });
                self.reads_cleared += (pending != 0) as u64;
                pending
            }
        })
    }

    fn write(
        &mut self,
        offset: u64,
        size: u32,
        value: u64,
        ctx: &mut AccessCtx,
    ) -> Result<(), BusFault> {
        let (idx, reg) = self.decode(offset, size)?;
        self.slots[idx].used = true;
        match reg {
            SEND => {
                self.sends += 1;
                self.tracer.event(
                    ctx.now,
                    &TRACE_SEND,
                    Some(ctx.hart),
                    [idx as u64, value & 63, 0],
                );
            }
            HIGH => self.high_writes += 1,
            _ => {}
        }
        self.modify(idx, ctx.now, &mut ctx.irq, |s| match reg {
            SEND => s.pending |= 1 << (value & 63),
            LOW => {
                s.active = value & LOW_ACTIVE != 0;
                s.mode = value & LOW_MODE != 0;
                s.hartid = (value >> LOW_HARTID_SHIFT) as u16;
            }
            HIGH => s.pending |= value,
            _ => s.active = value & 1 != 0,
        });
        Ok(())
    }
}

/// The UINTC keeps time only to report when a raised line becomes visible.
impl Timed for Uintc {
    /// The earliest time after `now` at which a raised line becomes visible to its hart.
    ///
    /// Needed: harts do not consult [`IrqLines::next_rise`] (`Hart::recompute_deadline` asks
    /// only its own timer and the bus's `next_event`), and a machine whose harts all sleep
    /// takes its wake-up time from `next_event` alone, so without this a hart in WFI would
    /// wake late, or the machine would report a deadlock, when a send's rise lies in the
    /// future.
    fn next_event(&self, now: SimTime, _timebase: &Timebase) -> Option<SimTime> {
        self.visible_at
            .iter()
            .flatten()
            .copied()
            .filter(|&t| t > now)
            .min()
    }

    /// Nothing happens at that time in the device: the line's rise time already says when
    /// the hart sees it.
    fn advance(&mut self, _ctx: &mut AdvanceCtx) {}
}

impl Statistics for Uintc {
    fn reset_counters(&mut self) {
        self.sends = 0;
        self.high_writes = 0;
        self.reads_cleared = 0;
        for s in self.slots.iter_mut() {
            s.high_water = s.pending.count_ones();
        }
        self.high_water_max = self.slots.iter().map(|s| s.high_water).max().unwrap_or(0);
    }

    fn counters(&self) -> Vec<(String, u64)> {
        let mut out = vec![
            ("sends".to_string(), self.sends),
            ("high_writes".to_string(), self.high_writes),
            ("reads_cleared".to_string(), self.reads_cleared),
            (
                "pending_high_water_max".to_string(),
                self.high_water_max as u64,
            ),
        ];
        out.extend(
            self.slots
                .iter()
                .enumerate()
                .filter(|(_, s)| s.used)
                .map(|(i, s)| (format!("slot{i}.pending_high_water"), s.high_water as u64)),
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mip;
    use crate::testutil::Env;
    use proptest::prelude::*;

    /// Visibility latency used by most tests (10 ns).
    const VIS: SimTime = 10_000;

    fn slot(i: u64) -> u64 {
        i * Uintc::SLOT_BYTES
    }

    fn low(active: bool, mode: bool, hartid: u64) -> u64 {
        (active as u64) | ((mode as u64) << 1) | (hartid << 16)
    }

    /// USIP of `hart` as driven, whatever its rise time.
    fn line(env: &Env, hart: usize) -> bool {
        env.irq.hart_lines(hart) & mip::USIP != 0
    }

    fn setup(slots: usize, harts: usize, vis: SimTime) -> (Env, Uintc) {
        (
            Env::new(harts, 1),
            Uintc::new(slots, harts, vis, crate::wiring::UINTC),
        )
    }

    #[test]
    fn geometry_and_name() {
        let u = Uintc::new(crate::virt::UINTC_SLOTS, 4, 0, crate::wiring::UINTC);
        assert_eq!(u.size(), 0x4000);
        assert_eq!(u.slots(), 512);
        assert_eq!(Uintc::SLOT_BYTES, 32);
        assert_eq!(Uintc::new(32, 1, 0, crate::wiring::UINTC).size(), 0x400);
        assert_eq!(Uintc::new(0, 1, 0, crate::wiring::UINTC).size(), 0);
        assert_eq!(u.name(), "uintc");
    }

    #[test]
    fn registers_reset_to_zero() {
        let (mut env, mut u) = setup(4, 2, 0);
        for i in 0..4 {
            for reg in [SEND, LOW, HIGH, ACTIVE] {
                assert_eq!(env.read(&mut u, 0, slot(i) + reg, 8), 0);
            }
        }
        assert!(!line(&env, 0) && !line(&env, 1));
    }

    #[test]
    fn send_reads_zero_and_sets_one_bit() {
        let (mut env, mut u) = setup(4, 2, 0);
        env.write(&mut u, 0, slot(1) + SEND, 8, 0);
        env.write(&mut u, 0, slot(1) + SEND, 8, 63);
        assert_eq!(env.read(&mut u, 0, slot(1) + SEND, 8), 0);
        assert_eq!(env.read(&mut u, 0, slot(1) + HIGH, 8), 1 | 1 << 63);
        // Only data[5:0] selects the vector.
        env.write(&mut u, 0, slot(1) + SEND, 8, 64 + 5);
        assert_eq!(env.read(&mut u, 0, slot(1) + HIGH, 8), 1 << 5);
        env.write(&mut u, 0, slot(1) + SEND, 8, u64::MAX);
        assert_eq!(env.read(&mut u, 0, slot(1) + HIGH, 8), 1 << 63);
        env.write(&mut u, 0, slot(1) + SEND, 8, 0xffff_ff80);
        assert_eq!(env.read(&mut u, 0, slot(1) + HIGH, 8), 1);
        // Other slots are untouched.
        assert_eq!(env.read(&mut u, 0, slot(0) + HIGH, 8), 0);
        assert_eq!(env.read(&mut u, 0, slot(2) + HIGH, 8), 0);
    }

    #[test]
    fn low_holds_active_mode_and_hartid_only() {
        let (mut env, mut u) = setup(2, 4, 0);
        env.write(&mut u, 0, slot(1) + LOW, 8, low(true, true, 0xbeef));
        assert_eq!(
            env.read(&mut u, 0, slot(1) + LOW, 8),
            low(true, true, 0xbeef)
        );
        // Bits outside [1:0] and [31:16] are ignored.
        env.write(&mut u, 0, slot(1) + LOW, 8, u64::MAX);
        assert_eq!(env.read(&mut u, 0, slot(1) + LOW, 8), 0xffff_0003);
        env.write(&mut u, 0, slot(1) + LOW, 8, 0xffff_fff0_0000_fffc);
        assert_eq!(env.read(&mut u, 0, slot(1) + LOW, 8), 0);
        env.write(&mut u, 0, slot(1) + LOW, 8, low(false, true, 3));
        assert_eq!(env.read(&mut u, 0, slot(1) + LOW, 8), low(false, true, 3));
        assert_eq!(env.read(&mut u, 0, slot(1) + ACTIVE, 8), 0);
        assert_eq!(env.read(&mut u, 0, slot(0) + LOW, 8), 0);
    }

    #[test]
    fn active_register_aliases_the_low_active_bit() {
        let (mut env, mut u) = setup(2, 4, 0);
        env.write(&mut u, 0, slot(0) + LOW, 8, low(false, true, 2));
        env.write(&mut u, 0, slot(0) + ACTIVE, 8, 0xffff_ffff_ffff_fff1);
        assert_eq!(env.read(&mut u, 0, slot(0) + ACTIVE, 8), 1);
        assert_eq!(env.read(&mut u, 0, slot(0) + LOW, 8), low(true, true, 2));
        env.write(&mut u, 0, slot(0) + ACTIVE, 8, 2);
        assert_eq!(env.read(&mut u, 0, slot(0) + ACTIVE, 8), 0);
        assert_eq!(env.read(&mut u, 0, slot(0) + LOW, 8), low(false, true, 2));
        env.write(&mut u, 0, slot(0) + LOW, 8, low(true, false, 2));
        assert_eq!(env.read(&mut u, 0, slot(0) + ACTIVE, 8), 1);
    }

    #[test]
    fn high_write_ors_and_read_clears() {
        let (mut env, mut u) = setup(2, 1, 0);
        env.write(&mut u, 0, slot(0) + HIGH, 8, 0x00f0);
        env.write(&mut u, 0, slot(0) + HIGH, 8, 0x8000_0000_0000_0f00);
        env.write(&mut u, 0, slot(0) + HIGH, 8, 0);
        env.write(&mut u, 0, slot(0) + SEND, 8, 1);
        assert_eq!(
            env.read(&mut u, 0, slot(0) + HIGH, 8),
            0x8000_0000_0000_0ff2
        );
        assert_eq!(env.read(&mut u, 0, slot(0) + HIGH, 8), 0);
        // All 64 bits come back in one read (no 32-bit truncation).
        env.write(&mut u, 0, slot(0) + HIGH, 8, u64::MAX);
        assert_eq!(env.read(&mut u, 0, slot(0) + HIGH, 8), u64::MAX);
        assert_eq!(env.read(&mut u, 0, slot(0) + HIGH, 8), 0);
    }

    #[test]
    fn active_slot_with_pending_raises_its_harts_line_until_read() {
        let (mut env, mut u) = setup(4, 2, 0);
        env.write(&mut u, 0, slot(2) + LOW, 8, low(true, true, 1));
        assert!(!line(&env, 1), "active but nothing pending");
        env.write(&mut u, 0, slot(2) + SEND, 8, 7);
        assert!(line(&env, 1));
        assert!(!line(&env, 0));
        assert_eq!(env.irq.hart_lines(1), mip::USIP);
        // The receiver's read-and-clear lowers the line; a HIGH write raises it again.
        assert_eq!(env.read(&mut u, 1, slot(2) + HIGH, 8), 1 << 7);
        assert!(!line(&env, 1));
        env.write(&mut u, 1, slot(2) + HIGH, 8, 1 << 9);
        assert!(line(&env, 1));
        // Reading other registers does not clear anything.
        env.read(&mut u, 1, slot(2) + LOW, 8);
        env.read(&mut u, 1, slot(2) + ACTIVE, 8);
        env.read(&mut u, 1, slot(2) + SEND, 8);
        assert!(line(&env, 1));
    }

    #[test]
    fn inactive_slot_keeps_pending_and_raises_when_activated() {
        let (mut env, mut u) = setup(4, 2, 0);
        env.write(&mut u, 0, slot(3) + LOW, 8, low(false, true, 1));
        env.write(&mut u, 0, slot(3) + SEND, 8, 4);
        env.write(&mut u, 0, slot(3) + SEND, 8, 6);
        assert!(!line(&env, 1));
        env.write(&mut u, 0, slot(3) + ACTIVE, 8, 1);
        assert!(line(&env, 1));
        // Deactivating (the kernel switching the receiver out) lowers the line but keeps the
        // pending bits for the next activation.
        env.write(&mut u, 0, slot(3) + ACTIVE, 8, 0);
        assert!(!line(&env, 1));
        env.write(&mut u, 0, slot(3) + LOW, 8, low(true, true, 1));
        assert!(line(&env, 1));
        assert_eq!(env.read(&mut u, 1, slot(3) + HIGH, 8), (1 << 4) | (1 << 6));
        assert!(!line(&env, 1));
    }

    #[test]
    fn hartid_retargeting_moves_the_line() {
        let (mut env, mut u) = setup(2, 3, 0);
        env.write(&mut u, 0, slot(0) + LOW, 8, low(true, true, 0));
        env.write(&mut u, 0, slot(0) + SEND, 8, 1);
        assert!(line(&env, 0) && !line(&env, 1) && !line(&env, 2));
        env.write(&mut u, 0, slot(0) + LOW, 8, low(true, true, 2));
        assert!(!line(&env, 0) && !line(&env, 1) && line(&env, 2));
        env.write(&mut u, 0, slot(0) + LOW, 8, low(true, true, 1));
        assert!(!line(&env, 0) && line(&env, 1) && !line(&env, 2));
        // Retargeting while inactive moves nothing until activation.
        env.write(&mut u, 0, slot(0) + LOW, 8, low(false, true, 0));
        assert!(!line(&env, 0) && !line(&env, 1));
        env.write(&mut u, 0, slot(0) + ACTIVE, 8, 1);
        assert!(line(&env, 0) && !line(&env, 1));
    }

    #[test]
    fn hartids_beyond_the_machine_drive_nothing() {
        let (mut env, mut u) = setup(2, 2, 0);
        env.write(&mut u, 0, slot(0) + LOW, 8, low(true, true, 2));
        env.write(&mut u, 0, slot(0) + SEND, 8, 1);
        env.write(&mut u, 0, slot(1) + LOW, 8, low(true, true, 0xffff));
        env.write(&mut u, 0, slot(1) + SEND, 8, 1);
        assert_eq!(env.irq.hart_lines(0), 0);
        assert_eq!(env.irq.hart_lines(1), 0);
        assert_eq!(u.next_event(0, &env.timebase), None);
        // Retargeting an asserting slot from nowhere to a real hart raises it, and back.
        env.write(&mut u, 0, slot(0) + LOW, 8, low(true, true, 1));
        assert!(line(&env, 1));
        env.write(&mut u, 0, slot(0) + LOW, 8, low(true, true, 7));
        assert!(!line(&env, 1));
        assert_eq!(env.read(&mut u, 0, slot(1) + HIGH, 8), 1 << 1);
    }

    #[test]
    fn two_slots_on_one_hart_keep_the_line_until_both_clear() {
        let (mut env, mut u) = setup(4, 2, 0);
        env.write(&mut u, 0, slot(0) + LOW, 8, low(true, true, 1));
        env.write(&mut u, 0, slot(3) + LOW, 8, low(true, true, 1));
        env.write(&mut u, 0, slot(0) + SEND, 8, 1);
        env.write(&mut u, 0, slot(3) + SEND, 8, 2);
        assert!(line(&env, 1));
        assert_eq!(env.read(&mut u, 1, slot(0) + HIGH, 8), 1 << 1);
        assert!(line(&env, 1), "slot 3 still asserts");
        env.write(&mut u, 1, slot(3) + ACTIVE, 8, 0);
        assert!(!line(&env, 1));
        env.write(&mut u, 1, slot(3) + ACTIVE, 8, 1);
        assert!(line(&env, 1));
        env.write(&mut u, 1, slot(0) + SEND, 8, 3);
        assert_eq!(env.read(&mut u, 1, slot(3) + HIGH, 8), 1 << 2);
        assert!(line(&env, 1), "slot 0 asserts again");
        assert_eq!(env.read(&mut u, 1, slot(0) + HIGH, 8), 1 << 3);
        assert!(!line(&env, 1));
        assert!(!line(&env, 0));
    }

    #[test]
    fn a_rise_is_visible_after_the_latency_and_a_fall_at_once() {
        let (mut env, mut u) = setup(2, 2, VIS);
        env.now = 1_000_000;
        env.write(&mut u, 0, slot(0) + LOW, 8, low(true, true, 1));
        env.write(&mut u, 0, slot(0) + SEND, 8, 0);
        let at = env.now + VIS;
        assert!(line(&env, 1));
        // A hart whose local time is earlier than now + visibility does not see it yet.
        assert_eq!(env.irq.hart_lines_at(1, env.now), 0);
        assert_eq!(env.irq.hart_lines_at(1, at - 1), 0);
        assert_eq!(env.irq.hart_lines_at(1, at), mip::USIP);
        assert_eq!(env.irq.hart_lines_at(0, at), 0);
        // The machine is told when to look again.
        assert_eq!(u.next_event(env.now, &env.timebase), Some(at));
        assert_eq!(u.next_event(at - 1, &env.timebase), Some(at));
        assert_eq!(u.next_event(at, &env.timebase), None);

        // Further sends while the line is up do not postpone it.
        env.now += VIS / 2;
        env.write(&mut u, 0, slot(0) + SEND, 8, 1);
        assert_eq!(env.irq.hart_lines_at(1, at), mip::USIP);
        assert_eq!(u.next_event(env.now, &env.timebase), Some(at));

        // Advancing changes nothing by itself.
        env.advance(&mut u, at);
        assert_eq!(env.irq.hart_lines_at(1, at), mip::USIP);
        assert_eq!(u.next_event(at, &env.timebase), None);

        // The read-and-clear drops the line at once, even for harts that saw it rise.
        env.now = at + 5;
        assert_eq!(env.read(&mut u, 1, slot(0) + HIGH, 8), 0b11);
        assert_eq!(env.irq.hart_lines(1), 0);
        assert_eq!(env.irq.hart_lines_at(1, u64::MAX), 0);
        assert_eq!(u.next_event(env.now, &env.timebase), None);

        // A new rise gets a new stamp.
        env.write(&mut u, 0, slot(0) + SEND, 8, 2);
        assert_eq!(env.irq.hart_lines_at(1, env.now + VIS - 1), 0);
        assert_eq!(env.irq.hart_lines_at(1, env.now + VIS), mip::USIP);
        assert_eq!(u.next_event(env.now, &env.timebase), Some(env.now + VIS));
    }

    #[test]
    fn a_fall_before_visibility_cancels_the_event() {
        let (mut env, mut u) = setup(1, 1, VIS);
        env.write(&mut u, 0, slot(0) + LOW, 8, low(true, true, 0));
        env.write(&mut u, 0, slot(0) + SEND, 8, 0);
        assert_eq!(u.next_event(0, &env.timebase), Some(VIS));
        env.now = VIS / 2;
        env.write(&mut u, 0, slot(0) + ACTIVE, 8, 0);
        assert_eq!(u.next_event(env.now, &env.timebase), None);
        assert_eq!(env.irq.hart_lines_at(0, u64::MAX), 0);
    }

    #[test]
    fn next_event_reports_the_earliest_hart() {
        let (mut env, mut u) = setup(2, 2, VIS);
        env.write(&mut u, 0, slot(0) + LOW, 8, low(true, true, 0));
        env.write(&mut u, 0, slot(1) + LOW, 8, low(true, true, 1));
        env.now = 300;
        env.write(&mut u, 0, slot(1) + SEND, 8, 0);
        env.now = 100;
        env.write(&mut u, 1, slot(0) + SEND, 8, 0);
        assert_eq!(u.next_event(0, &env.timebase), Some(100 + VIS));
        assert_eq!(u.next_event(100 + VIS, &env.timebase), Some(300 + VIS));
        assert_eq!(u.next_event(300 + VIS, &env.timebase), None);
    }

    #[test]
    fn zero_visibility_is_immediate_and_needs_no_event() {
        let (mut env, mut u) = setup(1, 1, 0);
        env.now = 777;
        env.write(&mut u, 0, slot(0) + LOW, 8, low(true, true, 0));
        env.write(&mut u, 0, slot(0) + SEND, 8, 0);
        assert_eq!(env.irq.hart_lines_at(0, 776), 0);
        assert_eq!(env.irq.hart_lines_at(0, 777), mip::USIP);
        assert_eq!(u.next_event(777, &env.timebase), None);
    }

    #[test]
    fn visibility_saturates_at_the_end_of_time() {
        let (mut env, mut u) = setup(1, 1, SimTime::MAX);
        env.now = 5;
        env.write(&mut u, 0, slot(0) + LOW, 8, low(true, true, 0));
        env.write(&mut u, 0, slot(0) + SEND, 8, 0);
        assert_eq!(u.next_event(5, &env.timebase), Some(SimTime::MAX));
        assert_eq!(env.irq.hart_lines_at(0, SimTime::MAX - 1), 0);
    }

    #[test]
    fn bad_sizes_and_offsets_fault_without_effect() {
        let (mut env, mut u) = setup(4, 1, 0);
        env.write(&mut u, 0, slot(0) + LOW, 8, low(true, true, 0));
        for size in [0, 1, 2, 4, 16, u32::MAX] {
            for reg in [SEND, LOW, HIGH, ACTIVE] {
                assert_eq!(env.try_read(&mut u, 0, slot(1) + reg, size), Err(BusFault));
                assert_eq!(
                    env.try_write(&mut u, 0, slot(0) + reg, size, 1),
                    Err(BusFault)
                );
            }
        }
        // Misaligned 8-byte accesses (the bus normally prevents them; the device still refuses).
        for off in [1, 4, 0x0c, 0x14, 0x1f] {
            assert_eq!(env.try_read(&mut u, 0, off, 8), Err(BusFault));
            assert_eq!(env.try_write(&mut u, 0, off, 8, 1), Err(BusFault));
        }
        // Beyond the last slot.
        for off in [u.size(), u.size() + 8, 0x4000, u64::MAX - 7, u64::MAX] {
            assert_eq!(env.try_read(&mut u, 0, off, 8), Err(BusFault));
            assert_eq!(env.try_write(&mut u, 0, off, 8, 1), Err(BusFault));
        }
        let last = u.size() - 8;
        assert_eq!(env.read(&mut u, 0, last, 8), 0);
        // Nothing changed: no pending bits, no line, no statistics but the one LOW write.
        assert_eq!(env.irq.hart_lines(0), 0);
        for i in 0..4 {
            assert_eq!(env.read(&mut u, 0, slot(i) + HIGH, 8), 0);
        }
        assert_eq!(env.read(&mut u, 0, slot(0) + LOW, 8), low(true, true, 0));
        assert_eq!(
            u.counters(),
            vec![
                ("sends".to_string(), 0),
                ("high_writes".to_string(), 0),
                ("reads_cleared".to_string(), 0),
                ("pending_high_water_max".to_string(), 0),
                ("slot0.pending_high_water".to_string(), 0),
            ]
        );
        // A UINTC without slots refuses everything.
        let mut empty = Uintc::new(0, 1, 0, crate::wiring::UINTC);
        assert_eq!(env.try_read(&mut empty, 0, 0, 8), Err(BusFault));
        assert_eq!(env.try_write(&mut empty, 0, 0, 8, 1), Err(BusFault));
    }

    #[test]
    fn counters_report_sends_writes_clears_and_high_water() {
        let (mut env, mut u) = setup(8, 2, 0);
        assert_eq!(u.counters().len(), 4, "no slot used yet");
        // Slot 5: three distinct vectors at once, one repeated.
        for v in [1, 2, 3, 3] {
            env.write(&mut u, 0, slot(5) + SEND, 8, v);
        }
        assert_eq!(env.read(&mut u, 0, slot(5) + HIGH, 8), 0b1110);
        assert_eq!(env.read(&mut u, 0, slot(5) + HIGH, 8), 0, "empty read");
        env.write(&mut u, 0, slot(5) + SEND, 8, 9);
        // Slot 2: a HIGH write of ten bits, read back once.
        env.write(&mut u, 0, slot(2) + HIGH, 8, 0x3ff);
        env.write(&mut u, 0, slot(2) + HIGH, 8, 0x1);
        assert_eq!(env.read(&mut u, 0, slot(2) + HIGH, 8), 0x3ff);
        // Slot 7 is configured but never receives anything; slot 6 is only read.
        env.write(&mut u, 0, slot(7) + LOW, 8, low(true, true, 1));
        env.read(&mut u, 0, slot(6) + HIGH, 8);
        let c = u.counters();
        assert_eq!(
            c,
            vec![
                ("sends".to_string(), 5),
                ("high_writes".to_string(), 2),
                ("reads_cleared".to_string(), 2),
                ("pending_high_water_max".to_string(), 10),
                ("slot2.pending_high_water".to_string(), 10),
                ("slot5.pending_high_water".to_string(), 3),
                ("slot7.pending_high_water".to_string(), 0),
            ]
        );
        // A statistics reset zeroes the counts; high-water marks restart at what is pending
        // (slot 5 still holds vector 9).
        u.reset_counters();
        assert_eq!(
            u.counters(),
            vec![
                ("sends".to_string(), 0),
                ("high_writes".to_string(), 0),
                ("reads_cleared".to_string(), 0),
                ("pending_high_water_max".to_string(), 1),
                ("slot2.pending_high_water".to_string(), 0),
                ("slot5.pending_high_water".to_string(), 1),
                ("slot7.pending_high_water".to_string(), 0),
            ]
        );
    }

    #[derive(Debug, Clone)]
    enum Op {
        Read { off: u64, size: u32 },
        Write { off: u64, size: u32, value: u64 },
        Advance { dt: SimTime },
    }

    fn op() -> impl Strategy<Value = Op> {
        let off = prop_oneof![
            8 => (0u64..6, 0u64..4).prop_map(|(s, r)| s * 32 + r * 8),
            1 => 0u64..0x100,
            1 => any::<u64>(),
        ];
        let size = prop_oneof![8 => Just(8u32), 1 => prop::sample::select(vec![0u32, 1, 2, 4, 16])];
        let value = prop_oneof![
            (0u64..4, 0u64..4).prop_map(|(hart, bits)| (hart << 16) | bits),
            0u64..128,
            any::<u64>(),
            Just(0),
        ];
        prop_oneof![
            3 => (off.clone(), size.clone()).prop_map(|(off, size)| Op::Read { off, size }),
            6 => (off, size, value).prop_map(|(off, size, value)| Op::Write { off, size, value }),
            1 => (0u64..30).prop_map(|dt| Op::Advance { dt }),
        ]
    }

    proptest! {
        /// Random accesses never panic, and the incrementally maintained lines always equal a
        /// full scan of the slots, with rises stamped no later than now + visibility.
        #[test]
        fn lines_match_a_full_scan(ops in prop::collection::vec(op(), 1..300)) {
            let (harts, vis) = (3usize, 20);
            let (mut env, mut u) = setup(5, harts, vis);
            for op in ops {
                match op {
                    Op::Read { off, size } => {
                        let _ = env.try_read(&mut u, 0, off, size);
                    }
                    Op::Write { off, size, value } => {
                        let _ = env.try_write(&mut u, 0, off, size, value);
                    }
                    Op::Advance { dt } => {
                        let now = env.now + dt;
                        env.advance(&mut u, now);
                    }
                }
                for h in 0..harts {
                    let want = u
                        .slots
                        .iter()
                        .any(|s| s.active && s.pending != 0 && s.hartid as usize == h);
                    prop_assert_eq!(line(&env, h), want);
                    prop_assert_eq!(u.visible_at[h].is_some(), want);
                    if want {
                        prop_assert_eq!(env.irq.hart_lines_at(h, env.now + vis), mip::USIP);
                    }
                }
                if let Some(t) = u.next_event(env.now, &env.timebase) {
                    prop_assert!(t > env.now && t <= env.now + vis);
                }
                let max = u.slots.iter().map(|s| s.high_water).max().unwrap_or(0);
                prop_assert_eq!(u.high_water_max, max);
            }
        }
    }
}
