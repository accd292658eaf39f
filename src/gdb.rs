//! A GDB remote-protocol stub for `hartlab run|boot --gdb`: every hart is a thread, with its
//! integer, floating-point and CSR registers (described to gdb by a target description),
//! memory through the selected hart's translation, breakpoints and watchpoints checked by the
//! harts' inspecting loop (`sim_core::hart::debug`), single step, continue, Ctrl-C and stopping
//! on traps (`monitor trap on`).
//!
//! The machine only runs inside [`Machine::run_until_paused`], called while gdb waits for a
//! stop; between calls simulated time stands still, so a session that only continues gives the
//! results of a run without gdb. A host thread raises an attention flag every few
//! milliseconds while the machine runs; the machine pauses at the next instruction boundary,
//! the stub looks for bytes from gdb (Ctrl-C) and, if there are none, resumes. A single step
//! of one hart lets every other hart run as the scheduler has them run meanwhile (the
//! interleaving stays the one a run without gdb has), so stepping changes no result either.

use std::net::{TcpListener, TcpStream};
use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use gdbstub::arch::{Arch, RegId, Registers};
use gdbstub::common::{Signal, Tid};
use gdbstub::conn::ConnectionExt;
use gdbstub::outputln;
use gdbstub::stub::run_blocking::{BlockingEventLoop, Event, WaitForStopReasonError};
use gdbstub::stub::{DisconnectReason, GdbStub, MultiThreadStopReason};
use gdbstub::target::ext::base::multithread::{
    MultiThreadBase, MultiThreadResume, MultiThreadResumeOps, MultiThreadSchedulerLocking,
    MultiThreadSchedulerLockingOps, MultiThreadSingleStep, MultiThreadSingleStepOps,
};
use gdbstub::target::ext::base::single_register_access::{
    SingleRegisterAccess, SingleRegisterAccessOps,
};
use gdbstub::target::ext::base::BaseOps;
use gdbstub::target::ext::breakpoints::{
    Breakpoints, BreakpointsOps, HwBreakpoint, HwBreakpointOps, HwWatchpoint, HwWatchpointOps,
    SwBreakpoint, SwBreakpointOps, WatchKind,
};
use gdbstub::target::ext::monitor_cmd::{ConsoleOutput, MonitorCmd, MonitorCmdOps};
use gdbstub::target::ext::target_description_xml_override::{
    TargetDescriptionXmlOverride, TargetDescriptionXmlOverrideOps,
};
use gdbstub::target::{Target, TargetError, TargetResult};
use sim_core::bus::StatsRequest;
use sim_core::hart::debug::{self, DebugStop, HartDebug, Watchpoint};
use sim_core::machine::{Exit, Limits, Machine};

/// Where the stub listens by default.
pub const DEFAULT_ADDR: &str = "127.0.0.1:1234";

/// How often the machine pauses to look for bytes from gdb while it runs.
const POLL: Duration = Duration::from_millis(20);

/// gdb's register number of CSR 0 (`RISCV_FIRST_CSR_REGNUM`).
const FIRST_CSR: usize = 65;

/// The register layout gdb sees: the `g` packet carries x0..x31 and pc; floating-point
/// registers and CSRs are read one at a time (`p`), numbered as gdb numbers them for RISC-V.
pub enum Rv64 {}

/// x0..x31 and pc.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CoreRegs {
    x: [u64; 32],
    pc: u64,
}

impl Registers for CoreRegs {
    type ProgramCounter = u64;

    fn pc(&self) -> u64 {
        self.pc
    }

    fn gdb_serialize(&self, mut write_byte: impl FnMut(Option<u8>)) {
        for v in self.x.iter().chain(std::iter::once(&self.pc)) {
            for b in v.to_le_bytes() {
                write_byte(Some(b));
            }
        }
    }

    fn gdb_deserialize(&mut self, bytes: &[u8]) -> Result<(), ()> {
        let mut words = bytes
            .chunks_exact(8)
            .map(|c| u64::from_le_bytes(c.try_into().unwrap_or([0; 8])));
        for r in self.x.iter_mut().chain(std::iter::once(&mut self.pc)) {
            *r = words.next().ok_or(())?;
        }
        Ok(())
    }
}

/// A register gdb reads or writes on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reg {
    /// x0..x31.
    X(usize),
    /// The program counter.
    Pc,
    /// f0..f31.
    F(usize),
    /// A CSR by number.
    Csr(u16),
}

impl RegId for Reg {
    fn from_raw_id(id: usize) -> Option<(Self, Option<NonZeroUsize>)> {
        let reg = match id {
            0..=31 => Reg::X(id),
            32 => Reg::Pc,
            33..=64 => Reg::F(id - 33),
            _ if (FIRST_CSR..FIRST_CSR + 4096).contains(&id) => Reg::Csr((id - FIRST_CSR) as u16),
            _ => return None,
        };
        Some((reg, NonZeroUsize::new(8)))
    }
}

impl Arch for Rv64 {
    type Usize = u64;
    type Registers = CoreRegs;
    type BreakpointKind = usize;
    type RegId = Reg;
}

const X_NAMES: [&str; 32] = [
    "zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "fp", "s1", "a0", "a1", "a2", "a3", "a4",
    "a5", "a6", "a7", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11", "t3", "t4",
    "t5", "t6",
];

const F_NAMES: [&str; 32] = [
    "ft0", "ft1", "ft2", "ft3", "ft4", "ft5", "ft6", "ft7", "fs0", "fs1", "fa0", "fa1", "fa2",
    "fa3", "fa4", "fa5", "fa6", "fa7", "fs2", "fs3", "fs4", "fs5", "fs6", "fs7", "fs8", "fs9",
    "fs10", "fs11", "ft8", "ft9", "ft10", "ft11",
];

/// The CSRs gdb is told about, by the names it knows them by.
const CSRS: &[(u16, &str)] = &[
    (0x001, "fflags"),
    (0x002, "frm"),
    (0x003, "fcsr"),
    (0x100, "sstatus"),
    (0x104, "sie"),
    (0x105, "stvec"),
    (0x106, "scounteren"),
    (0x10a, "senvcfg"),
    (0x140, "sscratch"),
    (0x141, "sepc"),
    (0x142, "scause"),
    (0x143, "stval"),
    (0x144, "sip"),
    (0x14d, "stimecmp"),
    (0x180, "satp"),
    (0x300, "mstatus"),
    (0x301, "misa"),
    (0x302, "medeleg"),
    (0x303, "mideleg"),
    (0x304, "mie"),
    (0x305, "mtvec"),
    (0x306, "mcounteren"),
    (0x30a, "menvcfg"),
    (0x340, "mscratch"),
    (0x341, "mepc"),
    (0x342, "mcause"),
    (0x343, "mtval"),
    (0x344, "mip"),
    (0xb00, "mcycle"),
    (0xb02, "minstret"),
    (0xc00, "cycle"),
    (0xc01, "time"),
    (0xc02, "instret"),
    (0xf11, "mvendorid"),
    (0xf12, "marchid"),
    (0xf13, "mimpid"),
    (0xf14, "mhartid"),
];

/// The target description: gdb's RISC-V cpu, fpu and csr features.
fn target_xml() -> String {
    let mut xml = String::from(
        "<?xml version=\"1.0\"?>\n<!DOCTYPE target SYSTEM \"gdb-target.dtd\">\n<target version=\"1.0\">\n\
         <architecture>riscv:rv64</architecture>\n<feature name=\"org.gnu.gdb.riscv.cpu\">\n",
    );
    for (i, name) in X_NAMES.iter().enumerate() {
        let ty = match i {
            1 => "code_ptr",
            2 | 8 => "data_ptr",
            _ => "int",
        };
        xml += &format!("<reg name=\"{name}\" bitsize=\"64\" type=\"{ty}\" regnum=\"{i}\"/>\n");
    }
    xml += "<reg name=\"pc\" bitsize=\"64\" type=\"code_ptr\" regnum=\"32\"/>\n</feature>\n";
    xml += "<feature name=\"org.gnu.gdb.riscv.fpu\">\n";
    for (i, name) in F_NAMES.iter().enumerate() {
        xml += &format!(
            "<reg name=\"{name}\" bitsize=\"64\" type=\"ieee_double\" regnum=\"{}\"/>\n",
            33 + i
        );
    }
    for &(csr, name) in &CSRS[..3] {
        xml += &format!(
            "<reg name=\"{name}\" bitsize=\"64\" type=\"int\" regnum=\"{}\"/>\n",
            FIRST_CSR + csr as usize
        );
    }
    xml += "</feature>\n<feature name=\"org.gnu.gdb.riscv.csr\">\n";
    for &(csr, name) in &CSRS[3..] {
        xml += &format!(
            "<reg name=\"{name}\" bitsize=\"64\" type=\"int\" regnum=\"{}\" group=\"system\"/>\n",
            FIRST_CSR + csr as usize
        );
    }
    xml += "</feature>\n</target>\n";
    xml
}

/// What gdb asked a hart to do on the next resume.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    Continue,
    Step,
}

/// The machine as gdb's target.
pub struct GdbTarget<'a> {
    machine: &'a mut Machine,
    limits: Limits,
    on_stats: &'a mut dyn FnMut(&Machine, usize, StatsRequest),
    attention: Arc<AtomicBool>,
    actions: Vec<Option<Action>>,
    breakpoints: Vec<u64>,
    watchpoints: Vec<Watchpoint>,
    stop_on_trap: bool,
    /// The hart gdb last heard of (Ctrl-C stops are reported on it).
    current: usize,
    exit: Option<Exit>,
    xml: String,
}

fn tid(hart: usize) -> Tid {
    NonZeroUsize::new(hart + 1).unwrap_or(NonZeroUsize::MIN)
}

fn hart_of(tid: Tid) -> usize {
    tid.get() - 1
}

impl<'a> GdbTarget<'a> {
    fn new(
        machine: &'a mut Machine,
        limits: Limits,
        on_stats: &'a mut dyn FnMut(&Machine, usize, StatsRequest),
    ) -> Self {
        let attention = Arc::new(AtomicBool::new(false));
        for h in &mut machine.harts {
            match h.debug_mut() {
                Some(d) => d.attention = Some(attention.clone()),
                None => {
                    let mut d = HartDebug::new();
                    d.attention = Some(attention.clone());
                    h.attach_debug(d);
                }
            }
        }
        let n = machine.harts.len();
        Self {
            machine,
            limits,
            on_stats,
            attention,
            actions: vec![None; n],
            breakpoints: Vec::new(),
            watchpoints: Vec::new(),
            stop_on_trap: false,
            current: 0,
            exit: None,
            xml: target_xml(),
        }
    }

    fn hart(&self, tid: Tid) -> TargetResult<&sim_core::hart::Hart, Self> {
        self.machine
            .harts
            .get(hart_of(tid))
            .ok_or(TargetError::NonFatal)
    }

    /// Give every hart the current breakpoints, watchpoints and trap setting.
    fn sync(&mut self) {
        for h in &mut self.machine.harts {
            if let Some(d) = h.debug_mut() {
                d.breakpoints.clone_from(&self.breakpoints);
                d.watchpoints.clone_from(&self.watchpoints);
                d.stop_on_trap = self.stop_on_trap;
            }
        }
    }

    /// Run until a hart stops for gdb or the guest ends; `None` when the attention flag
    /// paused the machine with no hart stopped.
    fn run(&mut self) -> Option<MultiThreadStopReason<u64>> {
        if let Some(exit) =
            self.machine
                .run_until_paused(self.limits, self.on_stats, Some(self.attention.as_ref()))
        {
            self.exit = Some(exit);
            return Some(MultiThreadStopReason::Exited(exit_code(&exit)));
        }
        let mut reason = None;
        for (i, h) in self.machine.harts.iter_mut().enumerate() {
            let Some(d) = h.debug_mut() else { continue };
            let stop = d.stop.take();
            d.step = false;
            let r = match stop {
                None | Some(DebugStop::Attention) => continue,
                Some(DebugStop::Breakpoint) => {
                    if self.breakpoints.contains(&h.pc()) {
                        MultiThreadStopReason::SwBreak(tid(i))
                    } else {
                        MultiThreadStopReason::HwBreak(tid(i))
                    }
                }
                Some(DebugStop::Watch { addr, write, read }) => MultiThreadStopReason::Watch {
                    tid: tid(i),
                    kind: match (read, write) {
                        (true, true) => WatchKind::ReadWrite,
                        (true, false) => WatchKind::Read,
                        _ => WatchKind::Write,
                    },
                    addr,
                },
                Some(DebugStop::Step) | Some(DebugStop::Trap) => {
                    MultiThreadStopReason::SignalWithThread {
                        tid: tid(i),
                        signal: Signal::SIGTRAP,
                    }
                }
            };
            if reason.is_none() {
                self.current = i;
                reason = Some(r);
            }
        }
        if reason.is_some() {
            for h in &mut self.machine.harts {
                if let Some(d) = h.debug_mut() {
                    d.step = false;
                }
            }
        }
        reason
    }
}

/// The status gdb is told the guest exited with (the process's own exit status).
fn exit_code(exit: &Exit) -> u8 {
    match exit {
        Exit::Pass => 0,
        Exit::Fail(code) => (*code).clamp(1, 250) as u8,
        Exit::MaxInsns => 252,
        Exit::TrapLoop { .. } => 253,
        _ => 254,
    }
}

impl Target for GdbTarget<'_> {
    type Arch = Rv64;
    type Error = anyhow::Error;

    fn base_ops(&mut self) -> BaseOps<'_, Rv64, anyhow::Error> {
        BaseOps::MultiThread(self)
    }

    fn support_breakpoints(&mut self) -> Option<BreakpointsOps<'_, Self>> {
        Some(self)
    }

    fn support_monitor_cmd(&mut self) -> Option<MonitorCmdOps<'_, Self>> {
        Some(self)
    }

    fn support_target_description_xml_override(
        &mut self,
    ) -> Option<TargetDescriptionXmlOverrideOps<'_, Self>> {
        Some(self)
    }
}

impl MultiThreadBase for GdbTarget<'_> {
    fn read_registers(&mut self, regs: &mut CoreRegs, tid: Tid) -> TargetResult<(), Self> {
        let h = self.hart(tid)?;
        for (i, r) in regs.x.iter_mut().enumerate() {
            *r = h.reg(i);
        }
        regs.pc = h.pc();
        Ok(())
    }

    fn write_registers(&mut self, regs: &CoreRegs, tid: Tid) -> TargetResult<(), Self> {
        let h = self
            .machine
            .harts
            .get_mut(hart_of(tid))
            .ok_or(TargetError::NonFatal)?;
        for (i, &r) in regs.x.iter().enumerate() {
            h.set_reg(i, r);
        }
        h.set_pc(regs.pc);
        Ok(())
    }

    fn read_addrs(&mut self, start: u64, data: &mut [u8], tid: Tid) -> TargetResult<usize, Self> {
        let h = self.hart(tid)?;
        let bus = &self.machine.bus;
        for (i, byte) in data.iter_mut().enumerate() {
            let pa = h.debugger_address(bus, start.wrapping_add(i as u64));
            match bus.ram.read(pa, 1) {
                Some(v) => *byte = v as u8,
                None if i == 0 => return Err(TargetError::NonFatal),
                None => return Ok(i),
            }
        }
        Ok(data.len())
    }

    fn write_addrs(&mut self, start: u64, data: &[u8], tid: Tid) -> TargetResult<(), Self> {
        let i = hart_of(tid);
        if i >= self.machine.harts.len() {
            return Err(TargetError::NonFatal);
        }
        for (k, &byte) in data.iter().enumerate() {
            let pa = self.machine.harts[i]
                .debugger_address(&self.machine.bus, start.wrapping_add(k as u64));
            if !self.machine.bus.ram.write(pa, 1, byte as u64) {
                return Err(TargetError::NonFatal);
            }
        }
        Ok(())
    }

    fn list_active_threads(&mut self, active: &mut dyn FnMut(Tid)) -> Result<(), anyhow::Error> {
        for i in 0..self.machine.harts.len() {
            active(tid(i));
        }
        Ok(())
    }

    fn support_single_register_access(&mut self) -> Option<SingleRegisterAccessOps<'_, Tid, Self>> {
        Some(self)
    }

    fn support_resume(&mut self) -> Option<MultiThreadResumeOps<'_, Self>> {
        Some(self)
    }
}

impl SingleRegisterAccess<Tid> for GdbTarget<'_> {
    fn read_register(&mut self, tid: Tid, reg: Reg, buf: &mut [u8]) -> TargetResult<usize, Self> {
        let h = self.hart(tid)?;
        let value = match reg {
            Reg::X(i) => h.reg(i),
            Reg::Pc => h.pc(),
            Reg::F(i) => h.freg(i),
            Reg::Csr(c) => h
                .debug_csr(&self.machine.bus, c)
                .ok_or(TargetError::NonFatal)?,
        };
        let bytes = value.to_le_bytes();
        let n = buf.len().min(8);
        buf[..n].copy_from_slice(&bytes[..n]);
        Ok(n)
    }

    fn write_register(&mut self, tid: Tid, reg: Reg, val: &[u8]) -> TargetResult<(), Self> {
        let mut bytes = [0u8; 8];
        let n = val.len().min(8);
        bytes[..n].copy_from_slice(&val[..n]);
        let value = u64::from_le_bytes(bytes);
        let i = hart_of(tid);
        let Some(h) = self.machine.harts.get_mut(i) else {
            return Err(TargetError::NonFatal);
        };
        match reg {
            Reg::X(r) => h.set_reg(r, value),
            Reg::Pc => h.set_pc(value),
            Reg::F(r) => h.set_freg(r, value),
            Reg::Csr(c) => {
                if !h.set_csr(&self.machine.bus, c, value) {
                    return Err(TargetError::NonFatal);
                }
            }
        }
        Ok(())
    }
}

impl MultiThreadResume for GdbTarget<'_> {
    fn resume(&mut self) -> Result<(), anyhow::Error> {
        for (h, action) in self.machine.harts.iter_mut().zip(&self.actions) {
            if let Some(d) = h.debug_mut() {
                d.step = *action == Some(Action::Step);
                d.stop = None;
            }
        }
        self.attention.store(false, Ordering::Relaxed);
        Ok(())
    }

    fn clear_resume_actions(&mut self) -> Result<(), anyhow::Error> {
        self.actions.iter_mut().for_each(|a| *a = None);
        Ok(())
    }

    fn set_resume_action_continue(
        &mut self,
        tid: Tid,
        _signal: Option<Signal>,
    ) -> Result<(), anyhow::Error> {
        if let Some(a) = self.actions.get_mut(hart_of(tid)) {
            *a = Some(Action::Continue);
        }
        Ok(())
    }

    fn support_single_step(&mut self) -> Option<MultiThreadSingleStepOps<'_, Self>> {
        Some(self)
    }

    fn support_scheduler_locking(&mut self) -> Option<MultiThreadSchedulerLockingOps<'_, Self>> {
        Some(self)
    }
}

impl MultiThreadSchedulerLocking for GdbTarget<'_> {
    /// gdb asks that only the named harts run (it does when it steps one hart over a
    /// watchpoint, or with `set scheduler-locking on`). The other harts run all the same, as
    /// the machine's scheduler has them run: holding them back would change the interleaving,
    /// and with it the results. They still stop at breakpoints and watchpoints.
    fn set_resume_action_scheduler_lock(&mut self) -> Result<(), anyhow::Error> {
        Ok(())
    }
}

impl MultiThreadSingleStep for GdbTarget<'_> {
    fn set_resume_action_step(
        &mut self,
        tid: Tid,
        _signal: Option<Signal>,
    ) -> Result<(), anyhow::Error> {
        if let Some(a) = self.actions.get_mut(hart_of(tid)) {
            *a = Some(Action::Step);
        }
        Ok(())
    }
}

impl Breakpoints for GdbTarget<'_> {
    fn support_sw_breakpoint(&mut self) -> Option<SwBreakpointOps<'_, Self>> {
        Some(self)
    }

    fn support_hw_breakpoint(&mut self) -> Option<HwBreakpointOps<'_, Self>> {
        Some(self)
    }

    fn support_hw_watchpoint(&mut self) -> Option<HwWatchpointOps<'_, Self>> {
        Some(self)
    }
}

impl SwBreakpoint for GdbTarget<'_> {
    fn add_sw_breakpoint(&mut self, addr: u64, _kind: usize) -> TargetResult<bool, Self> {
        self.breakpoints.push(addr);
        self.sync();
        Ok(true)
    }

    fn remove_sw_breakpoint(&mut self, addr: u64, _kind: usize) -> TargetResult<bool, Self> {
        let Some(at) = self.breakpoints.iter().position(|&a| a == addr) else {
            return Ok(false);
        };
        self.breakpoints.swap_remove(at);
        self.sync();
        Ok(true)
    }
}

impl HwBreakpoint for GdbTarget<'_> {
    fn add_hw_breakpoint(&mut self, addr: u64, kind: usize) -> TargetResult<bool, Self> {
        self.add_sw_breakpoint(addr, kind)
    }

    fn remove_hw_breakpoint(&mut self, addr: u64, kind: usize) -> TargetResult<bool, Self> {
        self.remove_sw_breakpoint(addr, kind)
    }
}

/// The simulator's watchpoint for gdb's `(addr, len, kind)` (a length of 0 watches a byte).
fn watchpoint(addr: u64, len: u64, kind: WatchKind) -> Watchpoint {
    Watchpoint {
        addr,
        len: len.max(1),
        kind: match kind {
            WatchKind::Write => debug::WatchKind::Write,
            WatchKind::Read => debug::WatchKind::Read,
            WatchKind::ReadWrite => debug::WatchKind::Access,
        },
    }
}

impl HwWatchpoint for GdbTarget<'_> {
    fn add_hw_watchpoint(
        &mut self,
        addr: u64,
        len: u64,
        kind: WatchKind,
    ) -> TargetResult<bool, Self> {
        self.watchpoints.push(watchpoint(addr, len, kind));
        self.sync();
        Ok(true)
    }

    fn remove_hw_watchpoint(
        &mut self,
        addr: u64,
        len: u64,
        kind: WatchKind,
    ) -> TargetResult<bool, Self> {
        let w = watchpoint(addr, len, kind);
        let Some(at) = self.watchpoints.iter().position(|&x| x == w) else {
            return Ok(false);
        };
        self.watchpoints.swap_remove(at);
        self.sync();
        Ok(true)
    }
}

impl MonitorCmd for GdbTarget<'_> {
    fn handle_monitor_cmd(
        &mut self,
        cmd: &[u8],
        mut out: ConsoleOutput<'_>,
    ) -> Result<(), anyhow::Error> {
        let cmd = String::from_utf8_lossy(cmd);
        match cmd.split_whitespace().collect::<Vec<_>>().as_slice() {
            ["trap", "on"] => {
                self.stop_on_trap = true;
                self.sync();
                outputln!(out, "stopping on traps");
            }
            ["trap", "off"] => {
                self.stop_on_trap = false;
                self.sync();
                outputln!(out, "not stopping on traps");
            }
            ["time"] => {
                outputln!(out, "simulated time {} ps", self.machine.now());
                for (i, h) in self.machine.harts.iter().enumerate() {
                    outputln!(
                        out,
                        "hart {i}: {} ps, {} instructions, {:?} mode",
                        h.now(),
                        h.instret(),
                        h.privilege()
                    );
                }
            }
            _ => {
                outputln!(out, "hartlab monitor commands:");
                outputln!(
                    out,
                    "  trap on|off  stop (or not) when a hart enters a trap handler"
                );
                outputln!(
                    out,
                    "  time         simulated time and each hart's progress"
                );
            }
        }
        Ok(())
    }
}

impl TargetDescriptionXmlOverride for GdbTarget<'_> {
    fn target_description_xml(
        &self,
        annex: &[u8],
        offset: u64,
        length: usize,
        buf: &mut [u8],
    ) -> TargetResult<usize, Self> {
        if annex != b"target.xml" {
            return Err(TargetError::NonFatal);
        }
        let xml = self.xml.as_bytes();
        let start = usize::try_from(offset).unwrap_or(usize::MAX).min(xml.len());
        let end = start
            .saturating_add(length)
            .min(xml.len())
            .min(start + buf.len());
        buf[..end - start].copy_from_slice(&xml[start..end]);
        Ok(end - start)
    }
}

/// The event loop: run the machine until a stop, polling the connection for Ctrl-C.
struct EventLoop<'a>(std::marker::PhantomData<&'a ()>);

impl<'a> BlockingEventLoop for EventLoop<'a> {
    type Target = GdbTarget<'a>;
    type Connection = TcpStream;
    type StopReason = MultiThreadStopReason<u64>;

    fn wait_for_stop_reason(
        target: &mut GdbTarget<'a>,
        conn: &mut TcpStream,
    ) -> Result<
        Event<MultiThreadStopReason<u64>>,
        WaitForStopReasonError<anyhow::Error, std::io::Error>,
    > {
        loop {
            if let Some(reason) = target.run() {
                return Ok(Event::TargetStopped(reason));
            }
            target.attention.store(false, Ordering::Relaxed);
            if conn
                .peek()
                .map_err(WaitForStopReasonError::Connection)?
                .is_some()
            {
                let byte = conn.read().map_err(WaitForStopReasonError::Connection)?;
                return Ok(Event::IncomingData(byte));
            }
        }
    }

    fn on_interrupt(
        target: &mut GdbTarget<'a>,
    ) -> Result<Option<MultiThreadStopReason<u64>>, anyhow::Error> {
        Ok(Some(MultiThreadStopReason::SignalWithThread {
            tid: tid(target.current),
            signal: Signal::SIGINT,
        }))
    }
}

/// Listen on `addr`, wait for gdb, and run `machine` under its control (it starts stopped
/// before the first instruction). Returns how the guest ended; if gdb detaches first, the
/// machine runs on to the end without it.
pub fn serve(
    machine: &mut Machine,
    limits: Limits,
    on_stats: &mut dyn FnMut(&Machine, usize, StatsRequest),
    addr: &str,
) -> Result<Exit> {
    let listener =
        TcpListener::bind(addr).with_context(|| format!("--gdb {addr}: cannot listen there"))?;
    let local = listener
        .local_addr()
        .map_or_else(|_| addr.to_string(), |a| a.to_string());
    eprintln!("hartlab: waiting for gdb on {local} (target remote {local})");
    let (stream, peer) = listener
        .accept()
        .with_context(|| format!("--gdb {addr}: accepting a connection"))?;
    stream.set_nodelay(true).ok();
    eprintln!("hartlab: gdb connected from {peer}");
    let reason = {
        let mut target = GdbTarget::new(machine, limits, on_stats);
        let attention = target.attention.clone();
        let done = Arc::new(AtomicBool::new(false));
        let ticker = {
            let done = done.clone();
            std::thread::spawn(move || {
                while !done.load(Ordering::Relaxed) {
                    std::thread::sleep(POLL);
                    attention.store(true, Ordering::Relaxed);
                }
            })
        };
        let result = run_stub(stream, &mut target);
        done.store(true, Ordering::Relaxed);
        let _ = ticker.join();
        let exit = target.exit;
        (result, exit)
    };
    for h in &mut machine.harts {
        let keep = h.debug().is_some_and(|d| d.logs_commits());
        if keep {
            if let Some(d) = h.debug_mut() {
                d.breakpoints.clear();
                d.watchpoints.clear();
                d.stop_on_trap = false;
                d.step = false;
                d.stop = None;
                d.attention = None;
            }
        } else {
            h.detach_debug();
        }
    }
    match reason {
        (Ok(_), Some(exit)) => Ok(exit),
        (Ok(DisconnectReason::Kill), None) => bail!("the debugger killed the run"),
        (Ok(_), None) => {
            eprintln!("hartlab: gdb detached; running on");
            Ok(machine.run_with(limits, on_stats))
        }
        (Err(e), _) => Err(e),
    }
}

fn run_stub<'a>(stream: TcpStream, target: &mut GdbTarget<'a>) -> Result<DisconnectReason> {
    GdbStub::new(stream)
        .run_blocking::<EventLoop<'a>>(target)
        .map_err(|e| anyhow::anyhow!("gdb session: {e}"))
}
