//! User-level interrupts beyond the trap logic: the UINTC user-IPI instructions (`uipi.*`,
//! custom-3) and their statistics. The N extension's CSRs live in `csr.rs`, its trap entry,
//! priorities and URET in `trap.rs`; the UINTC itself is a device.
//!
//! A `uipi` instruction reaches the UINTC whose base is in `suicfg` through the bus, like any
//! other master: receiver slot `i` is the block at `suicfg + SLOT_BYTES * i`, with the slot
//! layout and the sender-table encoding of the shared hardware ABI (`abi::uintc`). `uipi.send`
//! first reads its sender-table entry, 8 bytes at `(suist.PPN << 12) + 8 rs1`, physically
//! with S-mode permission. Nothing a `uipi` instruction does can trap: a disabled table or
//! slot, an index outside the table, an invalid entry or an access that faults leaves
//! everything unchanged (the sender gets no feedback, as on every reference design), and is
//! counted as a failure in the statistics.

use std::collections::BTreeMap;

use super::pmp::AccessKind;
use super::trap::Exception;
use super::{Hart, Priv};
use crate::bus::AccessAt;
use crate::isa::decode::{Insn, Op};
use crate::system_bus::SystemBus;
use crate::timing::cache::Access;
use crate::timing::Landing;

use abi::uintc::{
    ACTIVE, ENTRY_SLOT_SHIFT, ENTRY_VALID, ENTRY_VECTOR_SHIFT, HIGH, SEND, SLOT_BYTES,
    SUIST_PPN_MASK, SUIST_SIZE_MASK, SUIST_SIZE_SHIFT, UINTR_ENABLE,
};

/// User-interrupt statistics of one hart.
#[derive(serde::Serialize, serde::Deserialize, Debug, Clone, Default, PartialEq, Eq)]
pub struct UintrStats {
    /// `uipi.send` instructions that reached the UINTC.
    pub sends: u64,
    /// `uipi.*` instructions that had no effect (disabled, out of range, invalid, faulting).
    pub failures: u64,
    /// `uipi.read` instructions that returned pending bits.
    pub reads: u64,
    /// User software interrupts taken, by cycles from the moment the interrupt line became
    /// visible to this hart to the trap into `utvec` (a histogram: cycles -> count). A line
    /// raised by a UINTC SEND becomes visible the configured SEND-to-USIP delay after the
    /// SEND.
    pub usi_latency: BTreeMap<u64, u64>,
}

impl Hart {
    /// Execute a `uipi` operation; fails only with [`Exception::STALL`].
    pub(super) fn exec_uipi(&mut self, bus: &mut SystemBus, i: &Insn) -> Result<(), Exception> {
        self.record_accesses();
        let ok = match i.op {
            Op::UipiSend => self.uipi_send(bus, self.rs1(i))?,
            _ => self.uipi_receiver_op(bus, i)?,
        };
        if !ok {
            self.uintr.failures += 1;
        }
        self.charge_uipi();
        // Device state (and with it interrupt lines) may have changed.
        self.device_changed();
        Ok(())
    }

    /// `uipi.send index`: look the entry up and SEND its vector to its receiver.
    fn uipi_send(&mut self, bus: &mut SystemBus, index: u64) -> Result<bool, Exception> {
        let suist = self.csr.suist;
        if suist & UINTR_ENABLE == 0 {
            return Ok(false);
        }
        let pages = (suist >> SUIST_SIZE_SHIFT) & SUIST_SIZE_MASK;
        if index >= pages * 4096 / 8 {
            return Ok(false);
        }
        let entry_addr = ((suist & SUIST_PPN_MASK) << 12) + index * 8;
        if !self.pmp.check(entry_addr, 8, AccessKind::Load, Priv::S) {
            return Ok(false);
        }
        if !bus.ram.contains(entry_addr, 8) {
            return Ok(false);
        }
        self.charge_physical(bus, entry_addr, Access::Load, Landing::Ram(entry_addr))?;
        let entry = bus.ram.read(entry_addr, 8).unwrap_or(0);
        if entry & ENTRY_VALID == 0 {
            return Ok(false);
        }
        let vector = (entry >> ENTRY_VECTOR_SHIFT) & 0xffff;
        let receiver = entry >> ENTRY_SLOT_SHIFT;
        // The SEND leaves once the table read has returned: in timed mode it reaches the
        // UINTC after the instruction's fetch and the read's cycles beyond an L1 hit (the
        // sender then waits for the write's acknowledgement, which its own cost accounts for).
        let at = self.access_time(self.timing.mem_extra);
        let ok = self.uintc_write_at(bus, receiver, SEND, vector, at)?;
        if ok {
            self.uintr.sends += 1;
        }
        Ok(ok)
    }

    /// `uipi.read`, `uipi.write`, `uipi.activate`, `uipi.deactivate` on this hart's receiver
    /// slot (`suirs`).
    fn uipi_receiver_op(&mut self, bus: &mut SystemBus, i: &Insn) -> Result<bool, Exception> {
        let suirs = self.csr.suirs;
        if suirs & UINTR_ENABLE == 0 {
            return Ok(false);
        }
        let slot = suirs & 0xffff;
        match i.op {
            Op::UipiRead => {
                let Some(v) = self.uintc_read(bus, slot, HIGH)? else {
                    return Ok(false);
                };
                if v != 0 {
                    self.uintr.reads += 1;
                }
                self.set_rd(i, v);
                Ok(true)
            }
            Op::UipiWrite => self.uintc_write(bus, slot, HIGH, self.rs1(i)),
            Op::UipiActivate => self.uintc_write(bus, slot, ACTIVE, 1),
            _ => self.uintc_write(bus, slot, ACTIVE, 0),
        }
    }

    fn uintc_addr(&self, slot: u64, reg: u64) -> u64 {
        self.csr.suicfg.wrapping_add(slot * SLOT_BYTES + reg)
    }

    fn uintc_write(
        &mut self,
        bus: &mut SystemBus,
        slot: u64,
        reg: u64,
        value: u64,
    ) -> Result<bool, Exception> {
        let at = self.access_time(0);
        self.uintc_write_at(bus, slot, reg, value, at)
    }

    /// Write a UINTC register, the write reaching the device at time `at`.
    fn uintc_write_at(
        &mut self,
        bus: &mut SystemBus,
        slot: u64,
        reg: u64,
        value: u64,
        at: AccessAt,
    ) -> Result<bool, Exception> {
        let addr = self.uintc_addr(slot, reg);
        if bus.ram.contains(addr, 8) || !self.pmp.check(addr, 8, AccessKind::Store, Priv::S) {
            return Ok(false);
        }
        let landing = Landing::device(bus.device_cost(addr, true));
        self.charge_physical(bus, addr, Access::Store, landing)?;
        Ok(bus.mmio_write(self.id, at, addr, 8, value).is_ok())
    }

    fn uintc_read(
        &mut self,
        bus: &mut SystemBus,
        slot: u64,
        reg: u64,
    ) -> Result<Option<u64>, Exception> {
        let addr = self.uintc_addr(slot, reg);
        if bus.ram.contains(addr, 8) || !self.pmp.check(addr, 8, AccessKind::Load, Priv::S) {
            return Ok(None);
        }
        let landing = Landing::device(bus.device_cost(addr, false));
        self.charge_physical(bus, addr, Access::Load, landing)?;
        Ok(bus.mmio_read(self.id, self.access_time(0), addr, 8).ok())
    }

    /// Charge a physical access (no translation) when running timed; fails with
    /// [`Exception::STALL`] when it must wait for the other harts.
    fn charge_physical(
        &mut self,
        bus: &mut SystemBus,
        pa: u64,
        kind: Access,
        landing: Landing,
    ) -> Result<(), Exception> {
        if self.timed && !self.charge_access(bus, pa, 8, kind, None, landing) {
            return Err(Exception::STALL);
        }
        Ok(())
    }

    /// The UIPI unit's own cycles (its state machine), when running timed.
    fn charge_uipi(&mut self) {
        if self.timed {
            self.timing.mem_extra += self.timing.uipi_cycles;
        }
    }

    /// Record a user software interrupt taken into U (latency from the line's rise).
    pub(super) fn note_user_software_interrupt(&mut self, bus: &SystemBus) {
        if let Some(rise) = bus.irq.rise_time(self.id, 0) {
            let cycles = self.clock.cycles_at(self.now().saturating_sub(rise));
            *self.uintr.usi_latency.entry(cycles).or_insert(0) += 1;
        }
    }
}
