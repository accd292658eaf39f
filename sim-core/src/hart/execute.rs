//! The executor: one arm per operation. Each arm computes its result, writes `rd` and sets
//! the next pc; faults return an [`Exception`] and leave pc at the faulting instruction.

use super::csr::{addr, mstatus};
use super::mmu::{access_fault, Target};
use super::pmp::AccessKind;
use super::trap::{cause, Exception};
use super::{Hart, Priv};
use crate::isa::decode::{Insn, Op, RD_SINK};
use crate::system_bus::SystemBus;
use crate::trace::TraceEvent;

#[inline(always)]
fn sext32(v: u64) -> u64 {
    v as i32 as i64 as u64
}

fn div(a: i64, b: i64) -> i64 {
    if b == 0 {
        -1
    } else {
        a.wrapping_div(b)
    }
}

fn rem(a: i64, b: i64) -> i64 {
    if b == 0 {
        a
    } else {
        a.wrapping_rem(b)
    }
}

fn divu(a: u64, b: u64) -> u64 {
    a.checked_div(b).unwrap_or(u64::MAX)
}

fn remu(a: u64, b: u64) -> u64 {
    if b == 0 {
        a
    } else {
        a % b
    }
}

impl Hart {
    #[inline(always)]
    pub(super) fn rs1(&self, i: &Insn) -> u64 {
        self.x[i.rs1 as usize & 63]
    }

    #[inline(always)]
    pub(super) fn rs2(&self, i: &Insn) -> u64 {
        self.x[i.rs2 as usize & 63]
    }

    #[inline(always)]
    pub(super) fn set_rd(&mut self, i: &Insn, v: u64) {
        self.x[i.rd as usize & 63] = v;
    }

    /// Execute one decoded instruction at the current pc.
    #[inline(always)]
    pub(super) fn execute<const TIMED: bool>(
        &mut self,
        bus: &mut SystemBus,
        i: Insn,
        raw: u32,
        len: u32,
    ) -> Result<(), Exception> {
        let pc = self.pc;
        let next = pc.wrapping_add(len as u64);
        let imm = i.imm as i64 as u64;
        macro_rules! alu {
            ($e:expr) => {{
                let v = $e;
                self.set_rd(&i, v);
                self.pc = next;
            }};
        }
        macro_rules! branch {
            ($cond:expr) => {{
                self.pc = if $cond { pc.wrapping_add(imm) } else { next };
            }};
        }
        macro_rules! load {
            ($size:literal, $ext:expr) => {{
                let addr = self.rs1(&i).wrapping_add(imm);
                let raw = self.load::<$size, TIMED>(bus, addr)?;
                let ext: fn(u64) -> u64 = $ext;
                self.set_rd(&i, ext(raw));
                self.pc = next;
            }};
        }
        macro_rules! store {
            ($size:literal) => {{
                let addr = self.rs1(&i).wrapping_add(imm);
                let v = self.rs2(&i);
                self.store::<$size, TIMED>(bus, addr, v)?;
                self.pc = next;
            }};
        }
        match i.op {
            Op::Illegal => return Err(Exception::illegal(raw)),
            Op::Lui => alu!(imm),
            Op::Auipc => alu!(pc.wrapping_add(imm)),
            Op::Jal => {
                self.set_rd(&i, next);
                self.pc = pc.wrapping_add(imm);
            }
            Op::Jalr => {
                let target = self.rs1(&i).wrapping_add(imm) & !1;
                self.set_rd(&i, next);
                self.pc = target;
            }
            Op::Beq => branch!(self.rs1(&i) == self.rs2(&i)),
            Op::Bne => branch!(self.rs1(&i) != self.rs2(&i)),
            Op::Blt => branch!((self.rs1(&i) as i64) < self.rs2(&i) as i64),
            Op::Bge => branch!((self.rs1(&i) as i64) >= self.rs2(&i) as i64),
            Op::Bltu => branch!(self.rs1(&i) < self.rs2(&i)),
            Op::Bgeu => branch!(self.rs1(&i) >= self.rs2(&i)),
            Op::Lb => load!(1, |v| v as i8 as i64 as u64),
            Op::Lh => load!(2, |v| v as i16 as i64 as u64),
            Op::Lw => load!(4, |v| v as i32 as i64 as u64),
            Op::Ld => load!(8, |v| v),
            Op::Lbu => load!(1, |v| v),
            Op::Lhu => load!(2, |v| v),
            Op::Lwu => load!(4, |v| v),
            Op::Sb => store!(1),
            Op::Sh => store!(2),
            Op::Sw => store!(4),
            Op::Sd => store!(8),
            Op::Addi => alu!(self.rs1(&i).wrapping_add(imm)),
            Op::Slti => alu!(((self.rs1(&i) as i64) < imm as i64) as u64),
            Op::Sltiu => alu!((self.rs1(&i) < imm) as u64),
            Op::Xori => alu!(self.rs1(&i) ^ imm),
            Op::Ori => alu!(self.rs1(&i) | imm),
            Op::Andi => alu!(self.rs1(&i) & imm),
            Op::Slli => alu!(self.rs1(&i) << (imm & 63)),
            Op::Srli => alu!(self.rs1(&i) >> (imm & 63)),
            Op::Srai => alu!(((self.rs1(&i) as i64) >> (imm & 63)) as u64),
            Op::Add => alu!(self.rs1(&i).wrapping_add(self.rs2(&i))),
            Op::Sub => alu!(self.rs1(&i).wrapping_sub(self.rs2(&i))),
            Op::Sll => alu!(self.rs1(&i) << (self.rs2(&i) & 63)),
            Op::Slt => alu!(((self.rs1(&i) as i64) < self.rs2(&i) as i64) as u64),
            Op::Sltu => alu!((self.rs1(&i) < self.rs2(&i)) as u64),
            Op::Xor => alu!(self.rs1(&i) ^ self.rs2(&i)),
            Op::Srl => alu!(self.rs1(&i) >> (self.rs2(&i) & 63)),
            Op::Sra => alu!(((self.rs1(&i) as i64) >> (self.rs2(&i) & 63)) as u64),
            Op::Or => alu!(self.rs1(&i) | self.rs2(&i)),
            Op::And => alu!(self.rs1(&i) & self.rs2(&i)),
            Op::Addiw => alu!(sext32(self.rs1(&i).wrapping_add(imm))),
            Op::Slliw => alu!(sext32(self.rs1(&i) << (imm & 31))),
            Op::Srliw => alu!(sext32(((self.rs1(&i) as u32) >> (imm & 31)) as u64)),
            Op::Sraiw => alu!(((self.rs1(&i) as i32) >> (imm & 31)) as i64 as u64),
            Op::Addw => alu!(sext32(self.rs1(&i).wrapping_add(self.rs2(&i)))),
            Op::Subw => alu!(sext32(self.rs1(&i).wrapping_sub(self.rs2(&i)))),
            Op::Sllw => alu!(sext32(self.rs1(&i) << (self.rs2(&i) & 31))),
            Op::Srlw => alu!(sext32(
                ((self.rs1(&i) as u32) >> (self.rs2(&i) & 31)) as u64
            )),
            Op::Sraw => alu!(((self.rs1(&i) as i32) >> (self.rs2(&i) & 31)) as i64 as u64),
            Op::Mul => alu!(self.rs1(&i).wrapping_mul(self.rs2(&i))),
            Op::Mulh => {
                alu!(((self.rs1(&i) as i64 as i128 * self.rs2(&i) as i64 as i128) >> 64) as u64)
            }
            Op::Mulhsu => alu!(
                ((self.rs1(&i) as i64 as i128).wrapping_mul(self.rs2(&i) as i128) >> 64) as u64
            ),
            Op::Mulhu => alu!(((self.rs1(&i) as u128 * self.rs2(&i) as u128) >> 64) as u64),
            Op::Div => alu!(div(self.rs1(&i) as i64, self.rs2(&i) as i64) as u64),
            Op::Divu => alu!(divu(self.rs1(&i), self.rs2(&i))),
            Op::Rem => alu!(rem(self.rs1(&i) as i64, self.rs2(&i) as i64) as u64),
            Op::Remu => alu!(remu(self.rs1(&i), self.rs2(&i))),
            Op::Mulw => alu!(sext32(self.rs1(&i).wrapping_mul(self.rs2(&i)))),
            Op::Divw => alu!(
                div(self.rs1(&i) as i32 as i64, self.rs2(&i) as i32 as i64) as i32 as i64 as u64
            ),
            Op::Divuw => alu!(sext32(divu(
                self.rs1(&i) as u32 as u64,
                self.rs2(&i) as u32 as u64
            ))),
            Op::Remw => alu!(
                rem(self.rs1(&i) as i32 as i64, self.rs2(&i) as i32 as i64) as i32 as i64 as u64
            ),
            Op::Remuw => alu!(sext32(remu(
                self.rs1(&i) as u32 as u64,
                self.rs2(&i) as u32 as u64
            ))),
            Op::Fence | Op::FenceI => {
                // Memory is sequentially consistent here and fetch sees every write (the decode
                // cache is tagged by encoding, predecoded blocks by their page's code
                // generation), so both fences have nothing to order.
                self.pc = next;
            }
            Op::Ecall => {
                let c = match self.privilege {
                    Priv::U => cause::ECALL_U,
                    Priv::S => cause::ECALL_S,
                    Priv::M => cause::ECALL_M,
                };
                return Err(Exception::new(c, 0));
            }
            // mtval is 0 for EBREAK, as on QEMU (the spec allows 0 or the pc).
            Op::Ebreak => return Err(Exception::new(cause::BREAKPOINT, 0)),
            Op::Mret => {
                if self.privilege != Priv::M {
                    return Err(Exception::illegal(raw));
                }
                self.mret();
                self.instret_retire_xret();
            }
            Op::Uret => {
                self.uret();
                self.instret_retire_xret();
            }
            Op::UipiSend | Op::UipiRead | Op::UipiWrite | Op::UipiActivate | Op::UipiDeactivate => {
                self.exec_uipi(bus, &i)?;
                self.pc = next;
            }
            Op::Sret => {
                let tsr = self.csr.mstatus & mstatus::TSR != 0;
                if self.privilege == Priv::U || (self.privilege == Priv::S && tsr) {
                    return Err(Exception::illegal(raw));
                }
                self.sret();
                self.instret_retire_xret();
            }
            Op::Wfi => {
                let tw = self.csr.mstatus & mstatus::TW != 0;
                if self.privilege == Priv::U || (self.privilege == Priv::S && tw) {
                    return Err(Exception::illegal(raw));
                }
                self.pc = next;
                self.wfi = true;
                self.slice_end = 0;
                if self.tracer.is_on() {
                    self.trace(TraceEvent::WfiSleep {
                        hart: self.id as u32,
                    });
                }
            }
            Op::SfenceVma => {
                let tvm = self.csr.mstatus & mstatus::TVM != 0;
                if self.privilege == Priv::U || (self.privilege == Priv::S && tvm) {
                    return Err(Exception::illegal(raw));
                }
                // Software-TLB entries are not ASID-tagged (they are dropped on every satp
                // change), so an ASID-specific fence flushes the same set as a global one. The
                // modelled TLBs are tagged and flush exactly what the fence names.
                let va = (i.rs1 != 0).then(|| self.rs1(&i));
                let asid = (i.rs2 != 0).then(|| self.rs2(&i) as u16);
                self.timing.sfence(va, asid);
                match va {
                    None => self.flush_translations(),
                    Some(va) => self.tlb.flush_page(va),
                }
                self.pc = next;
            }
            Op::Csrrw | Op::Csrrs | Op::Csrrc | Op::Csrrwi | Op::Csrrsi | Op::Csrrci => {
                self.exec_csr(bus, &i, raw)?;
                self.pc = next;
            }
            Op::LrW | Op::LrD => {
                let size = if i.op == Op::LrW { 4 } else { 8 };
                let pa = self.reservable(bus, self.rs1(&i), size, AccessKind::Load)?;
                let v = bus.ram.read(pa, size).unwrap_or(0);
                bus.reserve(self.id, pa);
                // Other harts drop their store-TLB entries when they see the new generation,
                // so their stores to the reserved granule break it; this hart's own stores
                // never break its reservation, so its store TLB stays.
                self.seen_reservation_gen = bus.reservation_gen();
                self.set_rd(&i, if size == 4 { sext32(v) } else { v });
                self.pc = next;
            }
            Op::ScW | Op::ScD => {
                let size = if i.op == Op::ScW { 4 } else { 8 };
                let pa = self.reservable(bus, self.rs1(&i), size, AccessKind::Store)?;
                let ok = bus.take_reservation(self.id, pa);
                if ok {
                    bus.ram.write(pa, size, self.rs2(&i));
                    self.code_stored(bus, pa);
                    bus.store_seen(self.id, pa, size);
                    bus.htif_store(pa);
                }
                self.set_rd(&i, (!ok) as u64);
                self.pc = next;
            }
            Op::AmoSwapW
            | Op::AmoAddW
            | Op::AmoXorW
            | Op::AmoAndW
            | Op::AmoOrW
            | Op::AmoMinW
            | Op::AmoMaxW
            | Op::AmoMinuW
            | Op::AmoMaxuW
            | Op::AmoSwapD
            | Op::AmoAddD
            | Op::AmoXorD
            | Op::AmoAndD
            | Op::AmoOrD
            | Op::AmoMinD
            | Op::AmoMaxD
            | Op::AmoMinuD
            | Op::AmoMaxuD => {
                self.exec_amo(bus, &i)?;
                self.pc = next;
            }
            // F and D execute out of line to keep this function small; they are listed one by
            // one so the dispatch stays a single jump table.
            Op::Flw
            | Op::Fsw
            | Op::Fld
            | Op::Fsd
            | Op::FmaddS
            | Op::FmsubS
            | Op::FnmsubS
            | Op::FnmaddS
            | Op::FaddS
            | Op::FsubS
            | Op::FmulS
            | Op::FdivS
            | Op::FsqrtS
            | Op::FsgnjS
            | Op::FsgnjnS
            | Op::FsgnjxS
            | Op::FminS
            | Op::FmaxS
            | Op::FcvtWS
            | Op::FcvtWuS
            | Op::FcvtLS
            | Op::FcvtLuS
            | Op::FmvXW
            | Op::FeqS
            | Op::FltS
            | Op::FleS
            | Op::FclassS
            | Op::FcvtSW
            | Op::FcvtSWu
            | Op::FcvtSL
            | Op::FcvtSLu
            | Op::FmvWX
            | Op::FmaddD
            | Op::FmsubD
            | Op::FnmsubD
            | Op::FnmaddD
            | Op::FaddD
            | Op::FsubD
            | Op::FmulD
            | Op::FdivD
            | Op::FsqrtD
            | Op::FsgnjD
            | Op::FsgnjnD
            | Op::FsgnjxD
            | Op::FminD
            | Op::FmaxD
            | Op::FcvtSD
            | Op::FcvtDS
            | Op::FcvtWD
            | Op::FcvtWuD
            | Op::FcvtLD
            | Op::FcvtLuD
            | Op::FmvXD
            | Op::FeqD
            | Op::FltD
            | Op::FleD
            | Op::FclassD
            | Op::FcvtDW
            | Op::FcvtDWu
            | Op::FcvtDL
            | Op::FcvtDLu
            | Op::FmvDX => return self.exec_fp::<TIMED>(bus, &i, raw, next),
        }
        Ok(())
    }

    /// xRET changes privilege and may unmask interrupts: leave the inner loop.
    #[inline]
    fn instret_retire_xret(&mut self) {
        self.slice_end = 0;
    }

    /// The physical RAM address an LR (`Load`) or SC (`Store`) of `size` bytes at `addr`
    /// reserves: it must be aligned and in RAM (reservations on devices are access faults).
    fn reservable(
        &mut self,
        bus: &mut SystemBus,
        addr: u64,
        size: u32,
        kind: AccessKind,
    ) -> Result<u64, Exception> {
        if addr & (size as u64 - 1) != 0 {
            let c = if kind == AccessKind::Load {
                cause::LOAD_MISALIGNED
            } else {
                cause::STORE_MISALIGNED
            };
            return Err(Exception::new(c, addr));
        }
        if let Some(pa) = self.translate_cached(bus, addr, size, kind)? {
            return Ok(pa);
        }
        match self.translate(bus, addr, size, kind)? {
            Target::Ram(pa) => Ok(pa),
            Target::Io(_) => Err(access_fault(kind, addr)),
        }
    }

    fn exec_csr(&mut self, bus: &mut SystemBus, i: &Insn, raw: u32) -> Result<(), Exception> {
        let csr = (i.imm as u32 & 0xfff) as u16;
        let illegal = Exception::illegal(raw);
        let operand = match i.op {
            Op::Csrrwi | Op::Csrrsi | Op::Csrrci => i.rs1 as u64,
            _ => self.rs1(i),
        };
        let writes = match i.op {
            Op::Csrrw | Op::Csrrwi => true,
            _ => i.rs1 != 0,
        };
        let reads = !matches!(i.op, Op::Csrrw | Op::Csrrwi) || i.rd != RD_SINK;
        if writes && !self.csr_writable(csr) {
            return Err(illegal);
        }
        let old = if reads || writes {
            self.csr_read(bus, csr).map_err(|_| illegal)?
        } else {
            0
        };
        if writes {
            // In a read-modify-write of `mip` (or its S and U views), the pending bits that
            // device lines drive take part with their software-writable bit only, not with
            // the line (privileged spec, "mip.SEIP"): otherwise an M-mode `csrs mip, ...`
            // while a line is high would latch the line into the software bit for ever.
            let base = if matches!(csr, addr::MIP | addr::SIP | addr::UIP) {
                let lines = bus.irq.hart_lines_at(self.id, self.now());
                (old & !lines) | (self.csr.mip & lines)
            } else {
                old
            };
            let new = match i.op {
                Op::Csrrw | Op::Csrrwi => operand,
                Op::Csrrs | Op::Csrrsi => base | operand,
                _ => base & !operand,
            };
            self.csr_write(bus, csr, new).map_err(|_| illegal)?;
            self.slice_end = 0;
            self.deadline_dirty = true;
        }
        self.set_rd(i, old);
        Ok(())
    }

    fn exec_amo(&mut self, bus: &mut SystemBus, i: &Insn) -> Result<(), Exception> {
        let word = i.op.is_word_amo();
        let size: u32 = if word { 4 } else { 8 };
        let addr = self.rs1(i);
        if addr & (size as u64 - 1) != 0 {
            return Err(Exception::new(cause::STORE_MISALIGNED, addr));
        }
        let target = match self.translate_cached(bus, addr, size, AccessKind::Store)? {
            Some(pa) => Target::Ram(pa),
            None => self.translate(bus, addr, size, AccessKind::Store)?,
        };
        let fault = || access_fault(AccessKind::Store, addr);
        let old = match target {
            Target::Ram(pa) => bus.ram.read(pa, size).ok_or_else(fault)?,
            Target::Io(pa) => {
                self.device_changed();
                bus.mmio_read(self.id, self.access_time(0), pa, size)
                    .map_err(|_| fault())?
            }
        };
        let old = if word { sext32(old) } else { old };
        let src = if word {
            sext32(self.rs2(i))
        } else {
            self.rs2(i)
        };
        let new = match i.op {
            Op::AmoSwapW | Op::AmoSwapD => src,
            Op::AmoAddW | Op::AmoAddD => old.wrapping_add(src),
            Op::AmoXorW | Op::AmoXorD => old ^ src,
            Op::AmoAndW | Op::AmoAndD => old & src,
            Op::AmoOrW | Op::AmoOrD => old | src,
            Op::AmoMinW | Op::AmoMinD => (old as i64).min(src as i64) as u64,
            Op::AmoMaxW | Op::AmoMaxD => (old as i64).max(src as i64) as u64,
            Op::AmoMinuW | Op::AmoMinuD => old.min(src),
            _ => old.max(src),
        };
        match target {
            Target::Ram(pa) => {
                bus.ram.write(pa, size, new);
                self.code_stored(bus, pa);
                bus.store_seen(self.id, pa, size);
                bus.htif_store(pa);
            }
            Target::Io(pa) => {
                self.device_changed();
                bus.mmio_write(self.id, self.access_time(0), pa, size, new)
                    .map_err(|_| fault())?;
            }
        }
        self.set_rd(i, old);
        Ok(())
    }
}
