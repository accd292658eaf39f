//! Exceptions, interrupts and trap entry/return: causes, delegation, the interrupt priority
//! order, and the xRET instructions.

use super::csr::{irq, mstatus};
use super::{Hart, Priv};
use crate::trace::TraceEvent;

/// Synchronous exception causes (`mcause` values with the interrupt bit clear).
#[allow(missing_docs)]
pub mod cause {
    pub const INSN_MISALIGNED: u64 = 0;
    pub const INSN_ACCESS: u64 = 1;
    pub const ILLEGAL_INSN: u64 = 2;
    pub const BREAKPOINT: u64 = 3;
    pub const LOAD_MISALIGNED: u64 = 4;
    pub const LOAD_ACCESS: u64 = 5;
    pub const STORE_MISALIGNED: u64 = 6;
    pub const STORE_ACCESS: u64 = 7;
    pub const ECALL_U: u64 = 8;
    pub const ECALL_S: u64 = 9;
    pub const ECALL_M: u64 = 11;
    pub const INSN_PAGE_FAULT: u64 = 12;
    pub const LOAD_PAGE_FAULT: u64 = 13;
    pub const STORE_PAGE_FAULT: u64 = 15;
}

/// Bit that marks an interrupt in `mcause`/`scause`.
pub const INTERRUPT_BIT: u64 = 1 << 63;

/// A synchronous exception raised by an instruction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Exception {
    /// Cause code (see [`cause`]).
    pub cause: u64,
    /// Value for `mtval`/`stval`.
    pub tval: u64,
}

impl Exception {
    /// An exception of `cause` with trap value `tval`.
    #[inline]
    pub const fn new(cause: u64, tval: u64) -> Self {
        Self { cause, tval }
    }

    /// Not an exception: the instruction must wait for the other harts before an access
    /// that leaves the hart's TLBs and L1s, and is re-executed later (see
    /// `hart::ordering`). Never reaches software.
    pub const STALL: Self = Self::new(u64::MAX, 0);

    /// Whether this is [`Self::STALL`].
    #[inline(always)]
    pub fn is_stall(&self) -> bool {
        self.cause == u64::MAX
    }

    /// Illegal instruction with the encoding as trap value.
    #[inline]
    pub const fn illegal(raw: u32) -> Self {
        Self::new(cause::ILLEGAL_INSN, raw as u64)
    }
}

/// Interrupt priority order of the privileged spec, extended by the N draft: MEI, MSI, MTI,
/// SEI, SSI, STI, UEI, USI, UTI.
const PRIORITY: [u64; 9] = [11, 3, 7, 9, 1, 5, 8, 0, 4];

/// Number of exception/interrupt cause codes counted in statistics.
pub const CAUSES: usize = 16;

/// Trap counts by cause, for statistics.
#[derive(serde::Serialize, serde::Deserialize, Debug, Clone, Default, PartialEq, Eq)]
pub struct TrapCounts {
    /// Exceptions taken, by cause code.
    pub exceptions: [u64; CAUSES],
    /// Interrupts taken, by cause code.
    pub interrupts: [u64; CAUSES],
    /// Traps taken into M mode.
    pub to_m: u64,
    /// Traps taken into S mode.
    pub to_s: u64,
    /// Traps taken into U mode (N extension).
    pub to_u: u64,
}

impl Hart {
    /// The interrupt to take now among `pending` (already masked by `mie`), if any.
    pub(crate) fn select_interrupt(&self, pending: u64) -> Option<u64> {
        let s = &self.csr;
        let m_on = self.privilege < Priv::M || s.mstatus & mstatus::MIE != 0;
        let s_on = self.privilege < Priv::S
            || (self.privilege == Priv::S && s.mstatus & mstatus::SIE != 0);
        // User interrupts are taken only in U with UIE set; elsewhere they stay pending.
        let u_on = self.privilege == Priv::U && s.mstatus & mstatus::UIE != 0;
        let m_set = if m_on { pending & !s.mideleg } else { 0 };
        let s_set = if s_on {
            pending & s.mideleg & !s.sideleg
        } else {
            0
        };
        let u_set = if u_on {
            pending & s.mideleg & s.sideleg
        } else {
            0
        };
        // Interrupts for a more privileged mode come first, then the fixed order.
        [m_set, s_set, u_set]
            .into_iter()
            .find(|&set| set & irq::ALL != 0)
            .and_then(|set| PRIORITY.into_iter().find(|&c| set & (1 << c) != 0))
    }

    /// Enter the trap handler for an exception or interrupt at the current pc.
    pub(crate) fn trap(&mut self, code: u64, tval: u64, interrupt: bool) {
        let c = &mut self.csr;
        let deleg = if interrupt { c.mideleg } else { c.medeleg };
        let to_s = self.privilege <= Priv::S && (deleg >> code) & 1 != 0;
        let user_deleg = if interrupt { c.sideleg } else { c.sedeleg };
        let to_u = to_s && self.privilege == Priv::U && (user_deleg >> code) & 1 != 0;
        let cause = code | if interrupt { INTERRUPT_BIT } else { 0 };
        let pc = self.pc;
        let from = self.privilege;
        let vector = |tvec: u64| {
            let base = tvec & !3;
            if interrupt && tvec & 1 != 0 {
                base.wrapping_add(4 * code)
            } else {
                base
            }
        };
        if to_u {
            // N extension: the handler runs in U; M- and S-level trap state is untouched.
            c.uepc = pc;
            c.ucause = cause;
            c.utval = tval;
            let uie = c.mstatus & mstatus::UIE != 0;
            c.mstatus &= !(mstatus::UPIE | mstatus::UIE);
            if uie {
                c.mstatus |= mstatus::UPIE;
            }
            self.pc = vector(c.utvec);
            self.traps.to_u += 1;
        } else if to_s {
            c.sepc = pc;
            c.scause = cause;
            c.stval = tval;
            let sie = c.mstatus & mstatus::SIE != 0;
            c.mstatus &= !(mstatus::SPIE | mstatus::SIE | mstatus::SPP);
            if sie {
                c.mstatus |= mstatus::SPIE;
            }
            if self.privilege == Priv::S {
                c.mstatus |= mstatus::SPP;
            }
            self.pc = vector(c.stvec);
            self.set_privilege(Priv::S);
            self.traps.to_s += 1;
        } else {
            c.mepc = pc;
            c.mcause = cause;
            c.mtval = tval;
            let mie = c.mstatus & mstatus::MIE != 0;
            c.mstatus &= !(mstatus::MPIE | mstatus::MIE | mstatus::MPP);
            if mie {
                c.mstatus |= mstatus::MPIE;
            }
            c.mstatus |= (self.privilege as u64) << mstatus::MPP_SHIFT;
            self.pc = vector(c.mtvec);
            self.set_privilege(Priv::M);
            self.traps.to_m += 1;
        }
        let counts = if interrupt {
            &mut self.traps.interrupts
        } else {
            &mut self.traps.exceptions
        };
        counts[(code as usize) % CAUSES] += 1;
        self.mmu_context_changed();
        if self.tracer.is_on() {
            let to = if to_u { Priv::U } else { self.privilege };
            self.trace(TraceEvent::Trap {
                hart: self.id as u32,
                code: code as u16,
                interrupt,
                from: from as u8,
                to: to as u8,
                pc,
                tval,
            });
        }
    }

    /// Record a return from a trap handler in `from` mode (to the current mode and pc).
    fn trace_xret(&self, from: Priv) {
        if self.tracer.is_on() {
            self.trace(TraceEvent::Xret {
                hart: self.id as u32,
                from: from as u8,
                to: self.privilege as u8,
                pc: self.pc,
            });
        }
    }

    /// Take exception `e` raised by the instruction at the current pc.
    pub(crate) fn exception(&mut self, e: Exception) {
        // The same fault at the same pc, again and again with only a few instructions retired
        // in between (a handler that faults on its own entry or its first stores), is a
        // double-fault loop; the machine stops it after a bound. A handler that fixes the
        // cause (demand paging) or emulates the instruction moves on or retires more.
        let fault = (self.pc, e.cause);
        if fault == self.last_fault && self.instret - self.instret_at_trap < 16 {
            self.trap_loop += 1;
        } else {
            self.trap_loop = 0;
        }
        self.last_fault = fault;
        self.instret_at_trap = self.instret;
        self.trap(e.cause, e.tval, false);
    }

    /// MRET: return from an M-mode trap.
    pub(crate) fn mret(&mut self) {
        let c = &mut self.csr;
        let mpp = Priv::from_bits((c.mstatus & mstatus::MPP) >> mstatus::MPP_SHIFT);
        let mpie = c.mstatus & mstatus::MPIE != 0;
        c.mstatus &= !(mstatus::MIE | mstatus::MPP);
        c.mstatus |= mstatus::MPIE;
        if mpie {
            c.mstatus |= mstatus::MIE;
        }
        if mpp != Priv::M {
            c.mstatus &= !mstatus::MPRV;
        }
        self.pc = c.mepc;
        self.set_privilege(mpp);
        self.mmu_context_changed();
        self.trace_xret(Priv::M);
    }

    /// URET (N extension): return to U from a user-mode trap. Allowed in any mode, as the
    /// draft specifies (from S or M it drops to U).
    pub(crate) fn uret(&mut self) {
        let from = self.privilege;
        let c = &mut self.csr;
        let upie = c.mstatus & mstatus::UPIE != 0;
        c.mstatus |= mstatus::UPIE;
        c.mstatus &= !mstatus::UIE;
        if upie {
            c.mstatus |= mstatus::UIE;
        }
        if self.privilege == Priv::M {
            c.mstatus &= !mstatus::MPRV;
        }
        self.pc = c.uepc;
        self.set_privilege(Priv::U);
        self.mmu_context_changed();
        self.trace_xret(from);
    }

    /// SRET: return from an S-mode trap.
    pub(crate) fn sret(&mut self) {
        let from = self.privilege;
        let c = &mut self.csr;
        let spp = if c.mstatus & mstatus::SPP != 0 {
            Priv::S
        } else {
            Priv::U
        };
        let spie = c.mstatus & mstatus::SPIE != 0;
        c.mstatus &= !(mstatus::SIE | mstatus::SPP | mstatus::MPRV);
        c.mstatus |= mstatus::SPIE;
        if spie {
            c.mstatus |= mstatus::SIE;
        }
        self.pc = c.sepc;
        self.set_privilege(spp);
        self.mmu_context_changed();
        self.trace_xret(from);
    }
}
