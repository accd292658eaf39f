//! Control and status registers: addresses, field masks, and the read/write rules of the
//! privileged architecture 1.12 (with Sstc) for the CSRs an RV64GC M/S/U hart has.

use super::{Hart, Priv};
use crate::system_bus::SystemBus;

/// CSR addresses.
#[allow(missing_docs)]
pub mod addr {
    pub const USTATUS: u16 = 0x000;
    pub const UIE: u16 = 0x004;
    pub const UTVEC: u16 = 0x005;
    pub const USCRATCH: u16 = 0x040;
    pub const UEPC: u16 = 0x041;
    pub const UCAUSE: u16 = 0x042;
    pub const UTVAL: u16 = 0x043;
    pub const UIP: u16 = 0x044;
    pub const SEDELEG: u16 = 0x102;
    pub const SIDELEG: u16 = 0x103;
    pub const SUIST: u16 = 0x1B0;
    pub const SUIRS: u16 = 0x1B1;
    pub const SUICFG: u16 = 0x1B2;
    /// hartlab extension: the user timer's compare register (custom user read/write range).
    pub const UTIMECMP: u16 = 0x8C0;
    pub const FFLAGS: u16 = 0x001;
    pub const FRM: u16 = 0x002;
    pub const FCSR: u16 = 0x003;
    pub const SSTATUS: u16 = 0x100;
    pub const SIE: u16 = 0x104;
    pub const STVEC: u16 = 0x105;
    pub const SCOUNTEREN: u16 = 0x106;
    pub const SENVCFG: u16 = 0x10A;
    pub const SSCRATCH: u16 = 0x140;
    pub const SEPC: u16 = 0x141;
    pub const SCAUSE: u16 = 0x142;
    pub const STVAL: u16 = 0x143;
    pub const SIP: u16 = 0x144;
    pub const STIMECMP: u16 = 0x14D;
    pub const SATP: u16 = 0x180;
    pub const MVENDORID: u16 = 0xF11;
    pub const MARCHID: u16 = 0xF12;
    pub const MIMPID: u16 = 0xF13;
    pub const MHARTID: u16 = 0xF14;
    pub const MCONFIGPTR: u16 = 0xF15;
    pub const MSTATUS: u16 = 0x300;
    pub const MISA: u16 = 0x301;
    pub const MEDELEG: u16 = 0x302;
    pub const MIDELEG: u16 = 0x303;
    pub const MIE: u16 = 0x304;
    pub const MTVEC: u16 = 0x305;
    pub const MCOUNTEREN: u16 = 0x306;
    pub const MENVCFG: u16 = 0x30A;
    pub const MCOUNTINHIBIT: u16 = 0x320;
    pub const MHPMEVENT3: u16 = 0x323;
    pub const MHPMEVENT31: u16 = 0x33F;
    pub const MSCRATCH: u16 = 0x340;
    pub const MEPC: u16 = 0x341;
    pub const MCAUSE: u16 = 0x342;
    pub const MTVAL: u16 = 0x343;
    pub const MIP: u16 = 0x344;
    pub const PMPCFG0: u16 = 0x3A0;
    pub const PMPCFG15: u16 = 0x3AF;
    pub const PMPADDR0: u16 = 0x3B0;
    pub const PMPADDR63: u16 = 0x3EF;
    pub const MCYCLE: u16 = 0xB00;
    pub const MINSTRET: u16 = 0xB02;
    pub const MHPMCOUNTER3: u16 = 0xB03;
    pub const MHPMCOUNTER31: u16 = 0xB1F;
    pub const CYCLE: u16 = 0xC00;
    pub const TIME: u16 = 0xC01;
    pub const INSTRET: u16 = 0xC02;
    pub const HPMCOUNTER3: u16 = 0xC03;
    pub const HPMCOUNTER31: u16 = 0xC1F;
    pub const TSELECT: u16 = 0x7A0;
    pub const TDATA1: u16 = 0x7A1;
    pub const TDATA3: u16 = 0x7A3;
}

/// `mstatus` fields.
#[allow(missing_docs)]
pub mod mstatus {
    pub const UIE: u64 = 1 << 0;
    pub const UPIE: u64 = 1 << 4;
    pub const SIE: u64 = 1 << 1;
    pub const MIE: u64 = 1 << 3;
    pub const SPIE: u64 = 1 << 5;
    pub const MPIE: u64 = 1 << 7;
    pub const SPP: u64 = 1 << 8;
    pub const MPP_SHIFT: u32 = 11;
    pub const MPP: u64 = 3 << MPP_SHIFT;
    pub const FS: u64 = 3 << 13;
    pub const MPRV: u64 = 1 << 17;
    pub const SUM: u64 = 1 << 18;
    pub const MXR: u64 = 1 << 19;
    pub const TVM: u64 = 1 << 20;
    pub const TW: u64 = 1 << 21;
    pub const TSR: u64 = 1 << 22;
    pub const UXL: u64 = 3 << 32;
    pub const SXL: u64 = 3 << 34;
    pub const SD: u64 = 1 << 63;
    /// Bits `mstatus` writes may change.
    pub const WRITABLE: u64 =
        UIE | UPIE | SIE | MIE | SPIE | MPIE | SPP | MPP | FS | MPRV | SUM | MXR | TVM | TW | TSR;
    /// Bits visible through `sstatus`.
    pub const SSTATUS_VIEW: u64 = UIE | UPIE | SIE | SPIE | SPP | FS | SUM | MXR | UXL | SD;
    /// Bits `sstatus` writes may change.
    pub const SSTATUS_WRITABLE: u64 = UIE | UPIE | SIE | SPIE | SPP | FS | SUM | MXR;
    /// Bits visible and writable through `ustatus` (N extension).
    pub const USTATUS_VIEW: u64 = UIE | UPIE;
}

/// Interrupt bits of `mip`/`mie`.
#[allow(missing_docs)]
pub mod irq {
    pub const USI: u64 = 1 << 0;
    pub const UTI: u64 = 1 << 4;
    pub const UEI: u64 = 1 << 8;
    pub const SSI: u64 = 1 << 1;
    pub const MSI: u64 = 1 << 3;
    pub const STI: u64 = 1 << 5;
    pub const MTI: u64 = 1 << 7;
    pub const SEI: u64 = 1 << 9;
    pub const MEI: u64 = 1 << 11;
    /// All interrupts this hart implements.
    pub const ALL: u64 = USI | UTI | UEI | SSI | MSI | STI | MTI | SEI | MEI;
    /// Supervisor-level interrupts (delegable through `mideleg`).
    pub const S_LEVEL: u64 = SSI | STI | SEI;
    /// User-level interrupts of the N extension (delegable through `mideleg`, then
    /// `sideleg`).
    pub const U_LEVEL: u64 = USI | UTI | UEI;
}

/// Exceptions `medeleg` may delegate (all but ECALL from M, which cannot be delegated).
const MEDELEG_WRITABLE: u64 = 0xb3ff;
/// Exceptions `sedeleg` may delegate to U: not the ECALLs from S, H or M (bits 9-11).
const SEDELEG_WRITABLE: u64 = MEDELEG_WRITABLE & !(0b111 << 9);
/// `menvcfg.STCE`: enables Sstc's `stimecmp`.
pub const MENVCFG_STCE: u64 = 1 << 63;
const MENVCFG_WRITABLE: u64 = MENVCFG_STCE | 1;
const SATP_MODE_BARE: u64 = 0;
const SATP_MODE_SV39: u64 = 8;

/// Why a CSR access failed: always an illegal-instruction trap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CsrIllegal;

/// The machine- and supervisor-level CSR state of one hart.
#[derive(serde::Serialize, serde::Deserialize, Debug, Clone)]
pub struct CsrFile {
    pub(crate) mstatus: u64,
    pub(crate) misa: u64,
    pub(crate) medeleg: u64,
    pub(crate) mideleg: u64,
    pub(crate) mie: u64,
    /// Software-writable pending bits (SSIP, STIP, SEIP); device lines are ORed in on read.
    pub(crate) mip: u64,
    pub(crate) mtvec: u64,
    pub(crate) mscratch: u64,
    pub(crate) mepc: u64,
    pub(crate) mcause: u64,
    pub(crate) mtval: u64,
    pub(crate) mcounteren: u64,
    pub(crate) mcountinhibit: u64,
    pub(crate) menvcfg: u64,
    pub(crate) stvec: u64,
    pub(crate) sscratch: u64,
    pub(crate) sepc: u64,
    pub(crate) scause: u64,
    pub(crate) stval: u64,
    pub(crate) scounteren: u64,
    pub(crate) senvcfg: u64,
    pub(crate) satp: u64,
    pub(crate) stimecmp: u64,
    /// Added to the hart's cycle count to give `mcycle` (so software can write it).
    pub(crate) mcycle_offset: u64,
    pub(crate) minstret_offset: u64,
    pub(crate) frozen_cycle: u64,
    pub(crate) frozen_instret: u64,
    /// Accrued FP exception flags (`fflags`, 5 bits).
    pub(crate) fflags: u8,
    /// Dynamic FP rounding mode (`frm`, 3 bits).
    pub(crate) frm: u8,
    // N extension.
    pub(crate) utvec: u64,
    pub(crate) uscratch: u64,
    pub(crate) uepc: u64,
    pub(crate) ucause: u64,
    pub(crate) utval: u64,
    pub(crate) sedeleg: u64,
    pub(crate) sideleg: u64,
    /// hartlab's user timer: UTIP is pending while `time >= utimecmp`.
    pub(crate) utimecmp: u64,
    // UINTC (user-IPI) CSRs.
    pub(crate) suist: u64,
    pub(crate) suirs: u64,
    pub(crate) suicfg: u64,
}

/// `misa` of an RV64IMAFDC (RV64GC) hart with S and U modes and the N draft extension.
pub const MISA_RV64GCSU: u64 = (2 << 62)
    | (1 << 0) // A
    | (1 << 2) // C
    | (1 << 3) // D
    | (1 << 5) // F
    | (1 << 8) // I
    | (1 << 12) // M
    | (1 << 13) // N (user-level interrupts, draft)
    | (1 << 18) // S
    | (1 << 20); // U

impl CsrFile {
    /// Reset state.
    pub fn new() -> Self {
        Self {
            mstatus: mstatus::UXL & (2 << 32) | mstatus::SXL & (2 << 34),
            misa: MISA_RV64GCSU,
            medeleg: 0,
            mideleg: 0,
            mie: 0,
            mip: 0,
            mtvec: 0,
            mscratch: 0,
            mepc: 0,
            mcause: 0,
            mtval: 0,
            mcounteren: 0,
            mcountinhibit: 0,
            menvcfg: 0,
            stvec: 0,
            sscratch: 0,
            sepc: 0,
            scause: 0,
            stval: 0,
            scounteren: 0,
            senvcfg: 0,
            satp: 0,
            stimecmp: u64::MAX,
            mcycle_offset: 0,
            minstret_offset: 0,
            frozen_cycle: 0,
            frozen_instret: 0,
            fflags: 0,
            frm: 0,
            utvec: 0,
            uscratch: 0,
            uepc: 0,
            ucause: 0,
            utval: 0,
            sedeleg: 0,
            sideleg: 0,
            utimecmp: u64::MAX,
            suist: 0,
            suirs: 0,
            suicfg: 0,
        }
    }

    /// Whether Sstc's `stimecmp` drives STIP.
    #[inline]
    pub fn sstc_enabled(&self) -> bool {
        self.menvcfg & MENVCFG_STCE != 0
    }
}

impl Default for CsrFile {
    fn default() -> Self {
        Self::new()
    }
}

fn legal_tvec(old: u64, new: u64) -> u64 {
    // Modes 0 (direct) and 1 (vectored) exist; a write of a reserved mode leaves the CSR alone.
    if new & 3 < 2 {
        new & !2
    } else {
        old
    }
}

impl Hart {
    /// Pending interrupt bits as software sees them in `mip`.
    #[inline]
    pub(crate) fn mip(&self, bus: &SystemBus) -> u64 {
        let now = self.now();
        let mut mip = self.csr.mip | bus.irq.hart_lines_at(self.id, now);
        let sstc = self.csr.sstc_enabled();
        if sstc {
            mip &= !irq::STI;
        }
        // The two comparators on `time`: Sstc's stimecmp and the user timer.
        if sstc || self.csr.utimecmp != u64::MAX {
            let time = bus.timebase.mtime(now);
            if sstc && time >= self.csr.stimecmp {
                mip |= irq::STI;
            }
            if self.csr.utimecmp != u64::MAX && time >= self.csr.utimecmp {
                mip |= irq::UTI;
            }
        }
        mip
    }

    fn counter_enabled(&self, csr: u16, p: Priv) -> bool {
        let bit = 1u64 << (csr & 31);
        match p {
            Priv::M => true,
            Priv::S => self.csr.mcounteren & bit != 0,
            Priv::U => self.csr.mcounteren & bit != 0 && self.csr.scounteren & bit != 0,
        }
    }

    /// `mcycle` as software reads it.
    pub fn mcycle(&self) -> u64 {
        if self.csr.mcountinhibit & 1 != 0 {
            return self.csr.frozen_cycle;
        }
        self.cycle.wrapping_add(self.csr.mcycle_offset)
    }

    /// `minstret` as software reads it.
    pub fn minstret(&self) -> u64 {
        if self.csr.mcountinhibit & 4 != 0 {
            return self.csr.frozen_instret;
        }
        self.instret.wrapping_add(self.csr.minstret_offset)
    }

    /// Read CSR `csr` at the current privilege level.
    pub(crate) fn csr_read(&self, bus: &SystemBus, csr: u16) -> Result<u64, CsrIllegal> {
        self.csr_read_at(bus, csr, self.privilege)
    }

    /// Read CSR `csr` as privilege level `p` would.
    pub(crate) fn csr_read_at(
        &self,
        bus: &SystemBus,
        csr: u16,
        p: Priv,
    ) -> Result<u64, CsrIllegal> {
        use addr::*;
        if (csr >> 8) & 3 > p as u16 {
            return Err(CsrIllegal);
        }
        let c = &self.csr;
        Ok(match csr {
            USTATUS => self.read_mstatus() & mstatus::USTATUS_VIEW,
            UIE => c.mie & c.mideleg & c.sideleg,
            UTVEC => c.utvec,
            USCRATCH => c.uscratch,
            UEPC => c.uepc,
            UCAUSE => c.ucause,
            UTVAL => c.utval,
            UIP => self.mip(bus) & c.mideleg & c.sideleg,
            UTIMECMP => c.utimecmp,
            SEDELEG => c.sedeleg,
            SIDELEG => c.sideleg,
            SUIST => c.suist,
            SUIRS => c.suirs,
            SUICFG => c.suicfg,
            FFLAGS | FRM | FCSR if !self.fp_enabled() => return Err(CsrIllegal),
            FFLAGS => c.fflags as u64,
            FRM => c.frm as u64,
            FCSR => (c.frm as u64) << 5 | c.fflags as u64,
            SSTATUS => self.read_mstatus() & mstatus::SSTATUS_VIEW,
            SIE => c.mie & c.mideleg,
            STVEC => c.stvec,
            SCOUNTEREN => c.scounteren,
            SENVCFG => c.senvcfg,
            SSCRATCH => c.sscratch,
            SEPC => c.sepc,
            SCAUSE => c.scause,
            STVAL => c.stval,
            SIP => self.mip(bus) & c.mideleg,
            STIMECMP => {
                self.check_stimecmp_access(p)?;
                c.stimecmp
            }
            SATP => {
                if p == Priv::S && c.mstatus & mstatus::TVM != 0 {
                    return Err(CsrIllegal);
                }
                c.satp
            }
            MVENDORID | MARCHID | MIMPID | MCONFIGPTR => 0,
            MHARTID => self.id as u64,
            MSTATUS => self.read_mstatus(),
            MISA => c.misa,
            MEDELEG => c.medeleg,
            MIDELEG => c.mideleg,
            MIE => c.mie,
            MTVEC => c.mtvec,
            MCOUNTEREN => c.mcounteren,
            MENVCFG => c.menvcfg,
            MCOUNTINHIBIT => c.mcountinhibit,
            MHPMEVENT3..=MHPMEVENT31 => 0,
            MSCRATCH => c.mscratch,
            MEPC => c.mepc,
            MCAUSE => c.mcause,
            MTVAL => c.mtval,
            MIP => self.mip(bus),
            PMPCFG0..=PMPCFG15 => {
                if csr & 1 != 0 {
                    return Err(CsrIllegal);
                }
                self.pmp.read_cfg(((csr - PMPCFG0) / 2) as usize)
            }
            PMPADDR0..=PMPADDR63 => self.pmp.read_addr((csr - PMPADDR0) as usize),
            MCYCLE => self.mcycle(),
            MINSTRET => self.minstret(),
            MHPMCOUNTER3..=MHPMCOUNTER31 => 0,
            CYCLE | TIME | INSTRET | HPMCOUNTER3..=HPMCOUNTER31 => {
                if !self.counter_enabled(csr, p) {
                    return Err(CsrIllegal);
                }
                match csr {
                    CYCLE => self.mcycle(),
                    TIME => bus.timebase.mtime(self.now()),
                    INSTRET => self.minstret(),
                    _ => 0,
                }
            }
            // No debug triggers: tselect reads back a value that selects no trigger.
            TSELECT => 0,
            TDATA1..=TDATA3 => 0,
            _ => return Err(CsrIllegal),
        })
    }

    fn check_stimecmp_access(&self, p: Priv) -> Result<(), CsrIllegal> {
        if p == Priv::S && (!self.csr.sstc_enabled() || self.csr.mcounteren & 2 == 0) {
            return Err(CsrIllegal);
        }
        Ok(())
    }

    fn read_mstatus(&self) -> u64 {
        let s = self.csr.mstatus;
        if s & mstatus::FS == mstatus::FS {
            s | mstatus::SD
        } else {
            s
        }
    }

    /// Write CSR `csr`. Privilege and read-only checks have been done by the caller through
    /// [`Hart::csr_check_write`].
    pub(crate) fn csr_write(
        &mut self,
        bus: &SystemBus,
        csr: u16,
        value: u64,
    ) -> Result<(), CsrIllegal> {
        use addr::*;
        if matches!(csr, FFLAGS | FRM | FCSR) {
            if !self.fp_enabled() {
                return Err(CsrIllegal);
            }
            self.fp_dirty();
        }
        let c = &mut self.csr;
        match csr {
            USTATUS => {
                let w = mstatus::USTATUS_VIEW;
                c.mstatus = (c.mstatus & !w) | (value & w);
            }
            UIE => {
                let m = c.mideleg & c.sideleg & irq::U_LEVEL;
                c.mie = (c.mie & !m) | (value & m);
            }
            UTVEC => c.utvec = legal_tvec(c.utvec, value),
            USCRATCH => c.uscratch = value,
            UEPC => c.uepc = value & !1,
            UCAUSE => c.ucause = value,
            UTVAL => c.utval = value,
            UIP => {
                let m = c.mideleg & c.sideleg & irq::USI;
                c.mip = (c.mip & !m) | (value & m);
            }
            UTIMECMP => c.utimecmp = value,
            SEDELEG => c.sedeleg = value & SEDELEG_WRITABLE & c.medeleg,
            SIDELEG => c.sideleg = value & irq::U_LEVEL & c.mideleg,
            SUIST => c.suist = value,
            SUIRS => c.suirs = value,
            SUICFG => c.suicfg = value,
            FFLAGS => c.fflags = value as u8 & 0x1f,
            FRM => c.frm = value as u8 & 7,
            FCSR => {
                c.fflags = value as u8 & 0x1f;
                c.frm = (value >> 5) as u8 & 7;
            }
            SSTATUS => {
                let w = mstatus::SSTATUS_WRITABLE;
                c.mstatus = (c.mstatus & !w) | (value & w);
                self.mmu_context_changed();
            }
            SIE => {
                let m = c.mideleg & irq::ALL;
                c.mie = (c.mie & !m) | (value & m);
            }
            STVEC => c.stvec = legal_tvec(c.stvec, value),
            SCOUNTEREN => c.scounteren = value & 0xffff_ffff,
            SENVCFG => c.senvcfg = value & 1,
            SSCRATCH => c.sscratch = value,
            SEPC => c.sepc = value & !1,
            SCAUSE => c.scause = value,
            STVAL => c.stval = value,
            SIP => {
                // SSIP, and the user software and external bits the kernel may raise for U.
                let m = c.mideleg & (irq::SSI | irq::USI | irq::UEI);
                c.mip = (c.mip & !m) | (value & m);
            }
            STIMECMP => {
                self.check_stimecmp_access(self.privilege)?;
                self.csr.stimecmp = value;
            }
            SATP => {
                if self.privilege == Priv::S && c.mstatus & mstatus::TVM != 0 {
                    return Err(CsrIllegal);
                }
                let mode = value >> 60;
                if mode == SATP_MODE_BARE || mode == SATP_MODE_SV39 {
                    // Bare mode has no ASID or root: the whole register reads zero.
                    let value = if mode == SATP_MODE_BARE { 0 } else { value };
                    if value != c.satp {
                        c.satp = value;
                        self.flush_translations();
                    }
                }
            }
            MSTATUS => {
                let mut v = value & mstatus::WRITABLE;
                // MPP is WARL over {U, S, M}: the reserved value 2 keeps the old field.
                if (v & mstatus::MPP) >> mstatus::MPP_SHIFT == 2 {
                    v = (v & !mstatus::MPP) | (c.mstatus & mstatus::MPP);
                }
                c.mstatus = (c.mstatus & !mstatus::WRITABLE) | v;
                self.mmu_context_changed();
            }
            MISA => {}
            MEDELEG => c.medeleg = value & MEDELEG_WRITABLE,
            MIDELEG => c.mideleg = value & (irq::S_LEVEL | irq::U_LEVEL),
            MIE => c.mie = value & irq::ALL,
            MTVEC => c.mtvec = legal_tvec(c.mtvec, value),
            MCOUNTEREN => c.mcounteren = value & 0xffff_ffff,
            MENVCFG => c.menvcfg = value & MENVCFG_WRITABLE,
            MCOUNTINHIBIT => {
                // Freeze or resume by capturing the current values; reads of an inhibited
                // counter return the captured value, and resuming re-bases the offset on it.
                let (cycle, instret) = (self.mcycle(), self.minstret());
                let c = &mut self.csr;
                c.mcountinhibit = value & 0b101;
                c.frozen_cycle = cycle;
                c.frozen_instret = instret;
                c.mcycle_offset = cycle.wrapping_sub(self.cycle);
                c.minstret_offset = instret.wrapping_sub(self.instret);
            }
            MHPMEVENT3..=MHPMEVENT31 | MHPMCOUNTER3..=MHPMCOUNTER31 => {}
            MSCRATCH => c.mscratch = value,
            MEPC => c.mepc = value & !1,
            MCAUSE => c.mcause = value,
            MTVAL => c.mtval = value,
            MIP => {
                let mut m = irq::SSI | irq::SEI | irq::U_LEVEL;
                if !c.sstc_enabled() {
                    m |= irq::STI;
                }
                c.mip = (c.mip & !m) | (value & m);
            }
            PMPCFG0..=PMPCFG15 => {
                if csr & 1 != 0 {
                    return Err(CsrIllegal);
                }
                self.pmp.write_cfg(((csr - PMPCFG0) / 2) as usize, value);
                self.flush_translations();
            }
            PMPADDR0..=PMPADDR63 => {
                self.pmp.write_addr((csr - PMPADDR0) as usize, value);
                self.flush_translations();
            }
            MCYCLE => {
                c.mcycle_offset = value.wrapping_sub(self.cycle);
                c.frozen_cycle = value;
            }
            MINSTRET => {
                c.frozen_instret = value;
                // The writing instruction itself retires afterwards; compensate so the next
                // read sees exactly the written value plus later instructions.
                c.minstret_offset = value.wrapping_sub(self.instret).wrapping_sub(1);
            }
            TSELECT | TDATA1..=TDATA3 => {}
            _ => return Err(CsrIllegal),
        }
        let _ = bus;
        Ok(())
    }

    /// Whether `csr` may be written at the current privilege (exists, not read-only).
    pub(crate) fn csr_writable(&self, csr: u16) -> bool {
        csr >> 10 != 3 && (csr >> 8) & 3 <= self.privilege as u16
    }
}
