//! Debugging and commit logging: a hart with a [`HartDebug`] attached runs its slices through
//! a separate, inspecting loop that looks at each instruction before it executes (breakpoints,
//! watchpoints, a debugger's interrupt) and at what it did after (single steps, traps, Spike's
//! commit-log lines).
//!
//! Why a separate loop: a hart without a `HartDebug` runs the ordinary hot loops untouched, so
//! neither feature costs anything when it is off. The inspecting loop executes each instruction
//! with the same `step` as the hot loop and only reads state around it, without side effects
//! (a peek translates without filling TLBs or charging the timing model), so a run with a
//! debugger that only continues, or with a commit log, has the same simulated results. A stop
//! always falls on an instruction boundary, before the instruction it names.

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use super::csr::addr;
use super::{Hart, Priv};
use crate::isa::decode::{decode, insn_len, Insn, Op};
use crate::system_bus::SystemBus;
use crate::time::SimTime;

/// What a watchpoint watches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WatchKind {
    /// Stores.
    Write,
    /// Loads.
    Read,
    /// Loads and stores.
    Access,
}

/// A watched range of virtual addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Watchpoint {
    /// First byte.
    pub addr: u64,
    /// Length in bytes.
    pub len: u64,
    /// Which accesses trigger it.
    pub kind: WatchKind,
}

/// Why a hart stopped for the debugger.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DebugStop {
    /// At a breakpoint (before the instruction at pc).
    Breakpoint,
    /// Before an access that a watchpoint covers: the watched address and what the access does.
    Watch {
        /// An address of the access inside the watchpoint.
        addr: u64,
        /// Whether the access writes.
        write: bool,
        /// Whether the access reads.
        read: bool,
    },
    /// After the single step it was asked for.
    Step,
    /// Right after entering a trap handler (with stop-on-trap on).
    Trap,
    /// The host asked the machine to look at its debugger connection.
    Attention,
}

/// Where commit-log lines go: one sink shared by every hart (harts run on one host thread,
/// so lines come out in the machine's deterministic order).
pub type CommitSink = Arc<Mutex<Box<dyn Write + Send>>>;

/// Which instructions a commit log covers: those a hart retires while its own `minstret` is
/// in `from..to` and its simulated time is in `from_ps..to_ps`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommitWindow {
    /// First instruction (0-based count of the hart's retired instructions).
    pub from: u64,
    /// End (exclusive).
    pub to: u64,
    /// Earliest simulated time (picoseconds) of a logged instruction.
    pub from_ps: SimTime,
    /// End of the window in simulated time (exclusive).
    pub to_ps: SimTime,
}

impl CommitWindow {
    fn contains(&self, instret: u64, now: SimTime) -> bool {
        (self.from..self.to).contains(&instret) && (self.from_ps..self.to_ps).contains(&now)
    }
}

impl Default for CommitWindow {
    fn default() -> Self {
        Self {
            from: 0,
            to: u64::MAX,
            from_ps: 0,
            to_ps: SimTime::MAX,
        }
    }
}

/// A hart's debugging state. Attaching one (see [`Hart::attach_debug`]) routes the hart's
/// slices through the inspecting loop.
pub struct HartDebug {
    /// Breakpoint addresses (software and hardware breakpoints alike: the simulator checks the
    /// pc, it never patches memory).
    pub breakpoints: Vec<u64>,
    /// Watchpoints.
    pub watchpoints: Vec<Watchpoint>,
    /// Stop after the next instruction (or trap entry).
    pub step: bool,
    /// Stop right after entering any trap handler.
    pub stop_on_trap: bool,
    /// Set by the host (the debugger's poller) to make the hart stop at the next boundary.
    pub attention: Option<Arc<AtomicBool>>,
    /// Why the hart stopped, once it has; the debugger clears it before resuming.
    pub stop: Option<DebugStop>,
    commits: Option<(CommitSink, CommitWindow)>,
    line: Vec<u8>,
    traps_seen: u64,
}

impl HartDebug {
    /// No breakpoints, no commit log.
    pub fn new() -> Self {
        Self {
            breakpoints: Vec::new(),
            watchpoints: Vec::new(),
            step: false,
            stop_on_trap: false,
            attention: None,
            stop: None,
            commits: None,
            line: Vec::new(),
            traps_seen: 0,
        }
    }

    /// Write a commit-log line for every instruction retired in `window` to `sink`.
    pub fn with_commit_log(mut self, sink: CommitSink, window: CommitWindow) -> Self {
        self.commits = Some((sink, window));
        self
    }

    /// Whether this state writes a commit log.
    pub fn logs_commits(&self) -> bool {
        self.commits.is_some()
    }

    fn watches(&self) -> bool {
        !self.watchpoints.is_empty()
    }
}

impl Default for HartDebug {
    fn default() -> Self {
        Self::new()
    }
}

/// What an instruction is about to do, read without side effects.
#[derive(Debug, Clone, Copy)]
struct Peek {
    raw: u32,
    insn: Insn,
    /// Virtual address, size in bytes, and whether it loads and stores.
    access: Option<(u64, u32, bool, bool)>,
    /// The value a plain store or SC stores (its source register before it executes).
    store_value: u64,
}

/// Which register file an operation's `rd` is in.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Dest {
    None,
    X,
    F,
}

fn dest(op: Op) -> Dest {
    use Op::*;
    match op {
        Beq | Bne | Blt | Bge | Bltu | Bgeu | Sb | Sh | Sw | Sd | Fsw | Fsd | Fence | FenceI
        | Ecall | Ebreak | Mret | Sret | Uret | Wfi | SfenceVma | Illegal | UipiSend
        | UipiWrite | UipiActivate | UipiDeactivate => Dest::None,
        FcvtWS | FcvtWuS | FcvtLS | FcvtLuS | FmvXW | FeqS | FltS | FleS | FclassS | FcvtWD
        | FcvtWuD | FcvtLD | FcvtLuD | FmvXD | FeqD | FltD | FleD | FclassD => Dest::X,
        _ if op.is_fp() => Dest::F,
        _ => Dest::X,
    }
}

/// The memory access of `insn` given its first source register: (size, loads, stores, whether
/// the immediate is an offset).
fn access_of(op: Op) -> Option<(u32, bool, bool, bool)> {
    use Op::*;
    Some(match op {
        Lb | Lbu => (1, true, false, true),
        Lh | Lhu => (2, true, false, true),
        Lw | Lwu | Flw => (4, true, false, true),
        Ld | Fld => (8, true, false, true),
        Sb => (1, false, true, true),
        Sh => (2, false, true, true),
        Sw | Fsw => (4, false, true, true),
        Sd | Fsd => (8, false, true, true),
        LrW => (4, true, false, false),
        LrD => (8, true, false, false),
        ScW => (4, false, true, false),
        ScD => (8, false, true, false),
        _ if op.is_word_amo() => (4, true, true, false),
        AmoSwapD | AmoAddD | AmoXorD | AmoAndD | AmoOrD | AmoMinD | AmoMaxD | AmoMinuD
        | AmoMaxuD => (8, true, true, false),
        _ => return None,
    })
}

/// Append `0x` and the low `digits` hex digits of `v` (commit-log lines are hot when logging:
/// this avoids the formatting machinery).
fn push_hex(out: &mut Vec<u8>, v: u64, digits: usize) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.extend_from_slice(b"0x");
    for i in (0..digits).rev() {
        out.push(HEX[((v >> (4 * i)) & 15) as usize]);
    }
}

/// Append `v` in decimal, right-aligned in `width` columns.
fn push_dec(out: &mut Vec<u8>, v: u64, width: usize) {
    let mut digits = [0u8; 20];
    let mut n = 0;
    let mut v = v;
    loop {
        digits[n] = b'0' + (v % 10) as u8;
        n += 1;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    out.extend(std::iter::repeat_n(b' ', width.saturating_sub(n)));
    out.extend(digits[..n].iter().rev());
}

/// Spike's name of a CSR in commit logs (`c<number>_<name>`).
fn csr_name(csr: u16) -> &'static str {
    use addr::*;
    match csr {
        FFLAGS => "fflags",
        FRM => "frm",
        FCSR => "fcsr",
        SSTATUS => "sstatus",
        SIE => "sie",
        STVEC => "stvec",
        SCOUNTEREN => "scounteren",
        SENVCFG => "senvcfg",
        SSCRATCH => "sscratch",
        SEPC => "sepc",
        SCAUSE => "scause",
        STVAL => "stval",
        SIP => "sip",
        STIMECMP => "stimecmp",
        SATP => "satp",
        MSTATUS => "mstatus",
        MISA => "misa",
        MEDELEG => "medeleg",
        MIDELEG => "mideleg",
        MIE => "mie",
        MTVEC => "mtvec",
        MCOUNTEREN => "mcounteren",
        MENVCFG => "menvcfg",
        MCOUNTINHIBIT => "mcountinhibit",
        MSCRATCH => "mscratch",
        MEPC => "mepc",
        MCAUSE => "mcause",
        MTVAL => "mtval",
        MIP => "mip",
        MCYCLE => "mcycle",
        MINSTRET => "minstret",
        0x3a0..=0x3af => "pmpcfg",
        0x3b0..=0x3ef => "pmpaddr",
        _ => "unknown",
    }
}

impl Hart {
    /// Attach debugging state: from the next slice on the hart runs the inspecting loop.
    pub fn attach_debug(&mut self, mut debug: HartDebug) {
        debug.traps_seen = self.trap_total();
        self.debug = Some(Box::new(debug));
        self.slice_end = 0;
    }

    /// Detach the debugging state: the hart runs the ordinary loops again.
    pub fn detach_debug(&mut self) -> Option<HartDebug> {
        self.slice_end = 0;
        self.debug.take().map(|d| *d)
    }

    /// The attached debugging state, if any.
    pub fn debug(&self) -> Option<&HartDebug> {
        self.debug.as_deref()
    }

    /// The attached debugging state, if any, to change breakpoints or resume.
    pub fn debug_mut(&mut self) -> Option<&mut HartDebug> {
        self.debug.as_deref_mut()
    }

    /// Flush the commit log's buffered lines (call at the end of a run).
    pub fn flush_commit_log(&self) {
        if let Some((sink, _)) = self.debug.as_ref().and_then(|d| d.commits.as_ref()) {
            if let Ok(mut out) = sink.lock() {
                let _ = out.flush();
            }
        }
    }

    fn trap_total(&self) -> u64 {
        self.traps.to_m + self.traps.to_s + self.traps.to_u
    }

    /// The inspecting loop: run the slice instruction by instruction, stopping for the
    /// debugger where [`HartDebug`] asks. Kept out of line (and cold), so that it does not
    /// change how the ordinary loop around it is compiled.
    #[cold]
    #[inline(never)]
    pub(super) fn run_debug<const TIMED: bool>(&mut self, bus: &mut SystemBus) {
        while self.cycle < self.slice_end {
            let Some(d) = self.debug.as_deref() else {
                return;
            };
            if d.stop.is_some() {
                self.slice_end = 0;
                return;
            }
            let traps = self.trap_total();
            if d.traps_seen != traps {
                // An interrupt was taken between slices.
                let stop = d.stop_on_trap;
                self.debug_note_traps(traps, stop);
                if stop {
                    continue;
                }
            }
            let Some(d) = self.debug.as_deref() else {
                return;
            };
            if d.attention
                .as_ref()
                .is_some_and(|a| a.load(Ordering::Relaxed))
            {
                self.debug_stop(DebugStop::Attention);
                continue;
            }
            if d.breakpoints.contains(&self.pc) {
                self.debug_stop(DebugStop::Breakpoint);
                continue;
            }
            let logging = d
                .commits
                .as_ref()
                .is_some_and(|(_, w)| w.contains(self.instret, self.now()));
            let peek = if logging || d.watches() {
                self.peek(bus)
            } else {
                None
            };
            if let Some(stop) = peek.and_then(|p| self.watch_hit(&p)) {
                self.debug_stop(stop);
                continue;
            }
            let (pc, instret, privilege) = (self.pc, self.instret, self.privilege);
            let before = logging.then(|| self.before_commit(peek.as_ref()));
            // One instruction through the hot loop: a slice that ends one cycle on (every
            // instruction takes at least one). An instruction that ends the slice itself
            // (device access, CSR write, stall, ...) leaves `slice_end` at 0, as it would.
            let end = self.slice_end;
            self.slice_end = self.cycle + 1;
            self.run_slice::<TIMED>(bus);
            if self.slice_end != 0 {
                self.slice_end = end;
            }
            if let Some((saved_fflags, status)) = before {
                let raised = match saved_fflags {
                    Some(saved) => {
                        let raised = self.csr.fflags;
                        self.csr.fflags |= saved;
                        raised
                    }
                    None => 0,
                };
                if self.instret != instret {
                    if let Some(p) = &peek {
                        self.log_commit(bus, pc, privilege, p, raised, status);
                    }
                }
            }
            let progressed = self.instret != instret || self.pc != pc;
            let traps = self.trap_total();
            let Some(d) = self.debug.as_deref() else {
                return;
            };
            let trapped = traps != d.traps_seen;
            if trapped {
                let stop = d.stop_on_trap;
                self.debug_note_traps(traps, stop);
            }
            let Some(d) = self.debug.as_deref_mut() else {
                return;
            };
            if d.step && (progressed || trapped) && d.stop.is_none() {
                d.step = false;
                d.stop = Some(DebugStop::Step);
                self.slice_end = 0;
            }
        }
    }

    fn debug_note_traps(&mut self, traps: u64, stop: bool) {
        if let Some(d) = self.debug.as_deref_mut() {
            d.traps_seen = traps;
            if stop && d.stop.is_none() {
                d.step = false;
                d.stop = Some(DebugStop::Trap);
                self.slice_end = 0;
            }
        }
    }

    fn debug_stop(&mut self, stop: DebugStop) {
        if let Some(d) = self.debug.as_deref_mut() {
            d.stop = Some(stop);
        }
        self.slice_end = 0;
    }

    /// Before an instruction the commit log records: for a floating-point instruction, start
    /// `fflags` from zero so that what it raises can be told apart (the accrued flags are put
    /// back after). Returns the saved flags (floating point only) and `mstatus`.
    fn before_commit(&mut self, peek: Option<&Peek>) -> (Option<u8>, u64) {
        let status = self.csr.mstatus;
        let fp = peek.is_some_and(|p| p.insn.op.is_fp());
        (fp.then(|| std::mem::take(&mut self.csr.fflags)), status)
    }

    /// The instruction at pc and its memory access, read without side effects; `None` when
    /// the pc does not translate to RAM (the instruction will fault).
    fn peek(&self, bus: &SystemBus) -> Option<Peek> {
        let pc = self.pc;
        let low = self.debug_read(bus, pc, 2, self.privilege)? as u32;
        let raw = if low & 3 == 3 {
            low | (self.debug_read(bus, pc.wrapping_add(2), 2, self.privilege)? as u32) << 16
        } else {
            low
        };
        let insn = decode(raw);
        let access = access_of(insn.op).map(|(size, load, store, offset)| {
            let base = self.x[insn.rs1 as usize & 63];
            let va = if offset {
                base.wrapping_add(insn.imm as i64 as u64)
            } else {
                base
            };
            (va, size, load, store)
        });
        let store_value = match insn.op {
            Op::Fsw | Op::Fsd => self.f[insn.rs2 as usize & 31],
            _ => self.x[insn.rs2 as usize & 63],
        };
        Some(Peek {
            raw,
            insn,
            access,
            store_value,
        })
    }

    fn watch_hit(&self, peek: &Peek) -> Option<DebugStop> {
        let (va, size, load, store) = peek.access?;
        let d = self.debug.as_deref()?;
        d.watchpoints.iter().find_map(|w| {
            let overlaps = va < w.addr.wrapping_add(w.len) && w.addr < va.wrapping_add(size as u64);
            let kind = match w.kind {
                WatchKind::Write => store,
                WatchKind::Read => load,
                WatchKind::Access => true,
            };
            (overlaps && kind).then_some(DebugStop::Watch {
                addr: va.max(w.addr),
                write: store,
                read: load,
            })
        })
    }

    /// Append the commit-log line of the instruction that just retired, in Spike's format
    /// (`spike --log-commits`): hart, privilege before it, pc, encoding, the registers it
    /// wrote (x, f and CSRs, in Spike's order), then the addresses it loaded and the addresses
    /// and values it stored.
    fn log_commit(
        &mut self,
        bus: &SystemBus,
        pc: u64,
        privilege: Priv,
        peek: &Peek,
        raised: u8,
        status_before: u64,
    ) {
        let i = peek.insn;
        // (Spike's key: register << 4 | file (0 x, 1 f, 4 CSR), value, hex digits)
        let mut writes: [(u32, u64); 4] = [(0, 0); 4];
        let mut n = 0;
        let mut push = |key: u32, value: u64| {
            if n < writes.len() {
                writes[n] = (key, value);
                n += 1;
            }
        };
        let rd = (i.rd & 31) as u32;
        let is_csr = matches!(
            i.op,
            Op::Csrrw | Op::Csrrs | Op::Csrrc | Op::Csrrwi | Op::Csrrsi | Op::Csrrci
        );
        match dest(i.op) {
            Dest::X if rd != 0 => push(rd << 4, self.x[rd as usize]),
            Dest::F => push(rd << 4 | 1, self.f[rd as usize]),
            _ => {}
        }
        let mut csr_written = None;
        if is_csr {
            let writes_csr = matches!(i.op, Op::Csrrw | Op::Csrrwi) || i.rs1 != 0;
            if writes_csr {
                let csr = (i.imm as u32 & 0xfff) as u16;
                csr_written = Some(csr);
                if let Ok(v) = self.csr_read(bus, csr) {
                    push((csr as u32) << 4 | 4, v);
                }
            }
        } else if raised != 0 {
            push((addr::FFLAGS as u32) << 4 | 4, self.csr.fflags as u64);
        }
        if self.csr.mstatus != status_before && csr_written != Some(addr::MSTATUS) {
            if let Ok(s) = self.csr_read(bus, addr::MSTATUS) {
                push((addr::MSTATUS as u32) << 4 | 4, s);
            }
        }
        writes[..n].sort_unstable_by_key(|w| w.0);
        let Some(d) = self.debug.as_deref_mut() else {
            return;
        };
        let mut line = std::mem::take(&mut d.line);
        line.clear();
        line.extend_from_slice(b"core");
        push_dec(&mut line, self.id as u64, 4);
        line.extend_from_slice(b": ");
        push_dec(&mut line, privilege as u64, 1);
        line.push(b' ');
        push_hex(&mut line, pc, 16);
        line.extend_from_slice(b" (");
        push_hex(&mut line, peek.raw as u64, insn_len(peek.raw) as usize * 2);
        line.push(b')');
        for &(key, value) in &writes[..n] {
            let r = key >> 4;
            match key & 15 {
                file @ (0 | 1) => {
                    line.extend_from_slice(if file == 0 { b" x" } else { b" f" });
                    push_dec(&mut line, r as u64, 0);
                    if r < 10 {
                        line.push(b' ');
                    }
                }
                _ => {
                    line.extend_from_slice(b" c");
                    push_dec(&mut line, r as u64, 0);
                    line.push(b'_');
                    line.extend_from_slice(csr_name(r as u16).as_bytes());
                }
            }
            line.push(b' ');
            push_hex(&mut line, value, 16);
        }
        if let Some((va, size, load, store)) = peek.access {
            if load {
                line.extend_from_slice(b" mem ");
                push_hex(&mut line, va, 16);
            }
            let stored = match i.op {
                Op::ScW | Op::ScD => self.x[rd as usize] == 0 || rd == 0,
                _ => store,
            };
            if stored {
                let value = if load {
                    // An AMO: what it left in memory.
                    self.debug_read(bus, va, size, self.data_privilege())
                        .unwrap_or(0)
                } else {
                    peek.store_value & (u64::MAX >> (64 - 8 * size))
                };
                line.extend_from_slice(b" mem ");
                push_hex(&mut line, va, 16);
                line.push(b' ');
                push_hex(&mut line, value, size as usize * 2);
            }
        }
        line.push(b'\n');
        let Some(d) = self.debug.as_deref_mut() else {
            return;
        };
        if let Some((sink, _)) = &d.commits {
            if let Ok(mut out) = sink.lock() {
                let _ = out.write_all(&line);
            }
        }
        d.line = line;
    }

    /// Translate `va` as this hart would for an access at privilege `p`, without side
    /// effects: no TLB fill, no A/D update, no permission check beyond validity. `None` when the page tables do not map it.
    pub fn debug_translate(&self, bus: &SystemBus, va: u64, p: Priv) -> Option<u64> {
        if p == Priv::M || self.csr.satp >> 60 != 8 {
            return Some(va);
        }
        self.debug_walk(bus, va)
    }

    /// The Sv39 walk of [`Self::debug_translate`], whatever the privilege.
    fn debug_walk(&self, bus: &SystemBus, va: u64) -> Option<u64> {
        if self.csr.satp >> 60 != 8 || ((va as i64) << 25 >> 25) as u64 != va {
            return None;
        }
        let mut table = (self.csr.satp & ((1 << 44) - 1)) << 12;
        for level in (0..3).rev() {
            let vpn = (va >> (12 + 9 * level)) & 0x1ff;
            let pte = bus.ram.read(table + vpn * 8, 8)?;
            if pte & 1 == 0 {
                return None;
            }
            let ppn = (pte >> 10) & ((1 << 44) - 1);
            if pte & 0b1010 == 0 {
                table = ppn << 12;
                continue;
            }
            let offset_mask = (1u64 << (12 + 9 * level)) - 1;
            return Some(((ppn << 12) & !offset_mask) | (va & offset_mask));
        }
        None
    }

    /// Read `size` bytes (1, 2, 4, 8) of RAM at `va` as translated for privilege `p`.
    fn debug_read(&self, bus: &SystemBus, va: u64, size: u32, p: Priv) -> Option<u64> {
        let pa = self.debug_translate(bus, va, p)?;
        bus.ram.read(pa, size)
    }

    /// The physical address a debugger's access to `va` reaches: through the hart's current
    /// translation when it has one (S or U mode with paging on), else physical; an address
    /// the page tables do not map is taken as physical (so physical memory stays reachable).
    pub fn debugger_address(&self, bus: &SystemBus, va: u64) -> u64 {
        let paged = self.csr.satp >> 60 == 8;
        if paged && self.privilege != Priv::M {
            return self.debug_walk(bus, va).unwrap_or(va);
        }
        if bus.ram.contains(va, 1) || !paged {
            return va;
        }
        self.debug_walk(bus, va).unwrap_or(va)
    }

    /// Floating-point register `i` (f0..f31, as stored: single precision NaN-boxed).
    pub fn freg(&self, i: usize) -> u64 {
        self.f[i & 31]
    }

    /// Set floating-point register `i`.
    pub fn set_freg(&mut self, i: usize, value: u64) {
        self.f[i & 31] = value;
    }

    /// Read a CSR for a debugger: as M-mode software would, except that the floating-point
    /// CSRs read even while `mstatus.FS` is Off.
    pub fn debug_csr(&self, bus: &SystemBus, csr: u16) -> Option<u64> {
        let c = &self.csr;
        match csr {
            addr::FFLAGS => Some(c.fflags as u64),
            addr::FRM => Some(c.frm as u64),
            addr::FCSR => Some((c.frm as u64) << 5 | c.fflags as u64),
            _ => self.csr(bus, csr),
        }
    }

    /// Write a CSR as M-mode software would (for a debugger; the floating-point CSRs also
    /// while `mstatus.FS` is Off); `false` if it does not exist or is read-only.
    pub fn set_csr(&mut self, bus: &SystemBus, csr: u16, value: u64) -> bool {
        let c = &mut self.csr;
        match csr {
            addr::FFLAGS => c.fflags = value as u8 & 0x1f,
            addr::FRM => c.frm = value as u8 & 7,
            addr::FCSR => {
                c.fflags = value as u8 & 0x1f;
                c.frm = (value >> 5) as u8 & 7;
            }
            _ => {}
        }
        if matches!(csr, addr::FFLAGS | addr::FRM | addr::FCSR) {
            return true;
        }
        if !self.csr_writable(csr) {
            return false;
        }
        let ok = self.csr_write(bus, csr, value).is_ok();
        self.mmu_context_changed();
        self.flush_translations();
        self.deadline_dirty = true;
        ok
    }
}
