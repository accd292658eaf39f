//! NS16550A UART, the console of QEMU `virt` (one-byte register stride).
//!
//! Written here rather than taken from vm-superio because the PLIC needs a level-triggered
//! interrupt line, which vm-superio's edge `Trigger` model does not give.
//!
//! Transmission is instantaneous: a byte written to THR goes straight to the output sink, so THR
//! is always empty again by the next access. Reception is paced: host input waits in a backlog
//! and enters the 16-byte RX FIFO only in [`Timed::advance`], at most one character per
//! character time and only while the FIFO has room (host input is never lost to overrun), so
//! runs stay deterministic. The interrupt output is the level of the enabled interrupt
//! conditions, driven onto a platform interrupt source after every access and advance.

use crate::device_tree::{DeviceTreeNode, NodeResult, NodeWriter};
use sim_core::bus::{AccessCtx, AdvanceCtx, BusFault, Device, Lines, Mmio, SourceLine, Timed};
use sim_core::time::{SimTime, Timebase, PS_PER_SEC};
use std::collections::VecDeque;
use std::io::Write;
use std::sync::mpsc::{Receiver, TryRecvError};

// Register offsets.
const RBR_THR_DLL: u64 = 0;
const IER_DLM: u64 = 1;
const IIR_FCR: u64 = 2;
const LCR: u64 = 3;
const MCR: u64 = 4;
const LSR: u64 = 5;
const MSR: u64 = 6;
const SCR: u64 = 7;

// IER bits.
const IER_ERBFI: u8 = 1 << 0;
const IER_ETBEI: u8 = 1 << 1;
const IER_ELSI: u8 = 1 << 2;
const IER_EDSSI: u8 = 1 << 3;

// IIR interrupt identifications, highest priority first.
const IIR_RX_LINE_STATUS: u8 = 0x06;
const IIR_RX_DATA: u8 = 0x04;
const IIR_RX_TIMEOUT: u8 = 0x0c;
const IIR_THR_EMPTY: u8 = 0x02;
const IIR_MODEM_STATUS: u8 = 0x00;
const IIR_NONE: u8 = 0x01;
const IIR_FIFOS_ENABLED: u8 = 0xc0;

// FCR bits.
const FCR_ENABLE: u8 = 1 << 0;
const FCR_CLEAR_RX: u8 = 1 << 1;
const FCR_STORED: u8 = 0xc9;

const LCR_DLAB: u8 = 1 << 7;
const MCR_LOOP: u8 = 1 << 4;

// LSR bits.
const LSR_DR: u8 = 1 << 0;
const LSR_OE: u8 = 1 << 1;
const LSR_THRE: u8 = 1 << 5;
const LSR_TEMT: u8 = 1 << 6;

// MSR input lines (upper nibble); the lower nibble holds their change bits.
const MSR_CTS: u8 = 1 << 4;
const MSR_DSR: u8 = 1 << 5;
const MSR_RI: u8 = 1 << 6;
const MSR_DCD: u8 = 1 << 7;

const FIFO_SIZE: usize = 16;

/// An NS16550A UART.
#[derive(serde::Serialize, serde::Deserialize)]
pub struct Uart {
    irq_source: SourceLine,
    #[serde(skip, default = "no_output")]
    output: Box<dyn Write + Send>,
    #[serde(skip)]
    input: Option<Receiver<u8>>,
    /// Host input not yet received.
    backlog: VecDeque<u8>,
    rx_fifo: VecDeque<u8>,
    ier: u8,
    fcr: u8,
    lcr: u8,
    mcr: u8,
    scr: u8,
    dll: u8,
    dlm: u8,
    /// Overrun error, cleared by reading LSR.
    overrun: bool,
    /// THR-empty interrupt condition.
    thre_pending: bool,
    /// MSR change bits, cleared by reading MSR.
    msr_delta: u8,
    char_time: SimTime,
    /// Earliest time the next backlog byte may be received.
    rx_next: SimTime,
    /// Last time a character entered or left the RX FIFO (character-timeout reference).
    rx_activity: SimTime,
    /// Interrupt level last driven.
    line: bool,
}

impl std::fmt::Debug for Uart {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Uart")
            .field("irq_source", &self.irq_source)
            .field("rx_fifo", &self.rx_fifo)
            .field("backlog", &self.backlog.len())
            .field("ier", &self.ier)
            .field("lcr", &self.lcr)
            .field("mcr", &self.mcr)
            .finish_non_exhaustive()
    }
}

impl Uart {
    /// Size of the register window.
    pub const SIZE: u64 = 0x100;
    /// Default time per received character: 10 bits (8N1) at 115200 baud.
    pub const DEFAULT_CHAR_TIME: SimTime = (10 * PS_PER_SEC).div_ceil(115_200);

    /// A UART driving platform interrupt source `irq_source` and transmitting to `output`.
    pub fn new(irq_source: SourceLine, output: Box<dyn Write + Send>) -> Self {
        Self {
            irq_source,
            output,
            input: None,
            backlog: VecDeque::new(),
            rx_fifo: VecDeque::with_capacity(FIFO_SIZE),
            ier: 0,
            fcr: 0,
            lcr: 0,
            mcr: 0,
            scr: 0,
            dll: 0,
            dlm: 0,
            overrun: false,
            thre_pending: false,
            msr_delta: 0,
            char_time: Self::DEFAULT_CHAR_TIME,
            rx_next: 0,
            rx_activity: 0,
            line: false,
        }
    }

    /// Also receive the bytes sent on `rx` (for example host stdin read by another thread);
    /// they are collected at [`Timed::advance`] calls only.
    pub fn with_input(mut self, rx: Receiver<u8>) -> Self {
        self.input = Some(rx);
        self
    }

    /// Set the time one received character takes on the line (at least 1 ps); it paces host
    /// input and sets the 4-character receive timeout.
    pub fn with_char_time(mut self, char_time: SimTime) -> Self {
        self.char_time = char_time.max(1);
        self
    }

    /// Queue host input; it is received at later [`Timed::advance`] calls.
    pub fn push_input(&mut self, bytes: &[u8]) {
        self.backlog.extend(bytes);
    }

    fn fifo_enabled(&self) -> bool {
        self.fcr & FCR_ENABLE != 0
    }

    fn loopback(&self) -> bool {
        self.mcr & MCR_LOOP != 0
    }

    fn rx_capacity(&self) -> usize {
        if self.fifo_enabled() {
            FIFO_SIZE
        } else {
            1
        }
    }

    fn rx_trigger(&self) -> usize {
        if self.fifo_enabled() {
            [1, 4, 8, 14][usize::from(self.fcr >> 6)]
        } else {
            1
        }
    }

    fn rx_timed_out(&self, now: SimTime) -> bool {
        self.fifo_enabled() && !self.rx_fifo.is_empty() && now >= self.rx_timeout_at()
    }

    fn rx_timeout_at(&self) -> SimTime {
        self.rx_activity
            .saturating_add(self.char_time.saturating_mul(4))
    }

    /// The highest-priority enabled interrupt condition at `now`, as an IIR identification.
    fn interrupt(&self, now: SimTime) -> Option<u8> {
        let enabled = |bit| self.ier & bit != 0;
        if enabled(IER_ELSI) && self.overrun {
            Some(IIR_RX_LINE_STATUS)
        } else if enabled(IER_ERBFI) && self.rx_fifo.len() >= self.rx_trigger() {
            Some(IIR_RX_DATA)
        } else if enabled(IER_ERBFI) && self.rx_timed_out(now) {
            Some(IIR_RX_TIMEOUT)
        } else if enabled(IER_ETBEI) && self.thre_pending {
            Some(IIR_THR_EMPTY)
        } else if enabled(IER_EDSSI) && self.msr_delta != 0 {
            Some(IIR_MODEM_STATUS)
        } else {
            None
        }
    }

    fn drive(&mut self, now: SimTime, irq: &mut Lines) {
        self.line = self.interrupt(now).is_some();
        irq.set_source(self.irq_source, self.line);
    }

    /// The modem-status input lines: looped back from MCR in loopback mode, otherwise those of
    /// a connected terminal (CTS, DSR, DCD).
    fn modem_inputs(&self) -> u8 {
        if self.loopback() {
            let m = self.mcr;
            (if m & 0x02 != 0 { MSR_CTS } else { 0 })
                | (if m & 0x01 != 0 { MSR_DSR } else { 0 })
                | (if m & 0x04 != 0 { MSR_RI } else { 0 })
                | (if m & 0x08 != 0 { MSR_DCD } else { 0 })
        } else {
            MSR_CTS | MSR_DSR | MSR_DCD
        }
    }

    /// A character arrives at the receiver at `now`.
    fn receive(&mut self, byte: u8, now: SimTime) {
        if self.rx_fifo.len() >= self.rx_capacity() {
            self.overrun = true;
            if self.fifo_enabled() {
                return;
            }
            self.rx_fifo.clear();
        }
        self.rx_fifo.push_back(byte);
        self.rx_activity = now;
    }

    fn transmit(&mut self, byte: u8, now: SimTime) {
        if self.loopback() {
            self.receive(byte, now);
        } else {
            // A failing host sink must not stop the guest: the byte is dropped.
            let _ = self
                .output
                .write_all(&[byte])
                .and_then(|()| self.output.flush());
        }
        // The byte left THR at once, so THR is empty again.
        self.thre_pending = true;
    }

    fn read_reg(&mut self, offset: u64, now: SimTime) -> u8 {
        let dlab = self.lcr & LCR_DLAB != 0;
        match offset {
            RBR_THR_DLL if dlab => self.dll,
            RBR_THR_DLL => match self.rx_fifo.pop_front() {
                Some(byte) => {
                    self.rx_activity = now;
                    byte
                }
                None => 0,
            },
            IER_DLM if dlab => self.dlm,
            IER_DLM => self.ier,
            IIR_FCR => {
                let id = self.interrupt(now);
                if id == Some(IIR_THR_EMPTY) {
                    self.thre_pending = false;
                }
                let fifos = if self.fifo_enabled() {
                    IIR_FIFOS_ENABLED
                } else {
                    0
                };
                id.unwrap_or(IIR_NONE) | fifos
            }
            LCR => self.lcr,
            MCR => self.mcr,
            LSR => {
                let dr = if self.rx_fifo.is_empty() { 0 } else { LSR_DR };
                let oe = if self.overrun { LSR_OE } else { 0 };
                self.overrun = false;
                dr | oe | LSR_THRE | LSR_TEMT
            }
            MSR => self.modem_inputs() | std::mem::take(&mut self.msr_delta),
            _ => self.scr,
        }
    }

    fn write_reg(&mut self, offset: u64, value: u8, now: SimTime) {
        let dlab = self.lcr & LCR_DLAB != 0;
        match offset {
            RBR_THR_DLL if dlab => self.dll = value,
            RBR_THR_DLL => self.transmit(value, now),
            IER_DLM if dlab => self.dlm = value,
            IER_DLM => {
                let value = value & 0x0f;
                // Enabling the THR-empty interrupt while THR is empty raises it.
                if value & !self.ier & IER_ETBEI != 0 {
                    self.thre_pending = true;
                }
                self.ier = value;
            }
            IIR_FCR => {
                // The other bits are programmed only together with FIFO enable; changing the
                // enable clears the FIFOs.
                let fcr = if value & FCR_ENABLE != 0 {
                    value & FCR_STORED
                } else {
                    0
                };
                if value & FCR_CLEAR_RX != 0 || (fcr ^ self.fcr) & FCR_ENABLE != 0 {
                    self.rx_fifo.clear();
                }
                self.fcr = fcr;
            }
            LCR => self.lcr = value,
            MCR => {
                let before = self.modem_inputs();
                self.mcr = value & 0x1f;
                let after = self.modem_inputs();
                let changed = before ^ after;
                self.msr_delta |= (changed & (MSR_CTS | MSR_DSR | MSR_DCD)) >> 4;
                // Trailing edge of RI.
                if before & !after & MSR_RI != 0 {
                    self.msr_delta |= MSR_RI >> 4;
                }
            }
            // LSR and MSR are read-only.
            LSR | MSR => {}
            _ => self.scr = value,
        }
    }
}

/// The output of a UART decoded from a checkpoint, before it takes the live one's.
fn no_output() -> Box<dyn Write + Send> {
    Box::new(std::io::sink())
}

impl Device for Uart {
    capabilities!(timed);

    checkpointed!(output, input);

    fn name(&self) -> &str {
        "uart"
    }

    fn window_size(&self) -> u64 {
        Self::SIZE
    }
}

impl DeviceTreeNode for Uart {
    fn write_node(&self, node: &mut NodeWriter) -> NodeResult {
        let serial = node.begin("serial")?;
        node.compatible(&["ns16550a"])?;
        node.reg()?;
        node.fdt().property_u32("clock-frequency", 3_686_400)?;
        node.source(self.irq_source)?;
        node.end(serial)
    }
}

impl Mmio for Uart {
    fn read(&mut self, offset: u64, size: u32, ctx: &mut AccessCtx) -> Result<u64, BusFault> {
        if size != 1 || offset > SCR {
            return Err(BusFault);
        }
        let value = self.read_reg(offset, ctx.now);
        self.drive(ctx.now, &mut ctx.irq);
        Ok(value.into())
    }

    fn write(
        &mut self,
        offset: u64,
        size: u32,
        value: u64,
        ctx: &mut AccessCtx,
    ) -> Result<(), BusFault> {
        if size != 1 || offset > SCR {
            return Err(BusFault);
        }
        self.write_reg(offset, value as u8, ctx.now);
        self.drive(ctx.now, &mut ctx.irq);
        Ok(())
    }
}

impl Timed for Uart {
    fn next_event(&self, now: SimTime, _timebase: &Timebase) -> Option<SimTime> {
        if self.interrupt(now).is_some() != self.line {
            return Some(now);
        }
        let receive = (!self.backlog.is_empty()
            && !self.loopback()
            && self.rx_fifo.len() < self.rx_capacity())
        .then(|| self.rx_next.max(now));
        let timeout = (self.ier & IER_ERBFI != 0
            && self.fifo_enabled()
            && !self.rx_fifo.is_empty()
            && self.rx_timeout_at() > now)
            .then(|| self.rx_timeout_at());
        receive.into_iter().chain(timeout).min()
    }

    fn awaits_host_input(&self) -> bool {
        self.input.is_some()
    }

    fn advance(&mut self, ctx: &mut AdvanceCtx) {
        let now = ctx.now;
        if let Some(input) = &self.input {
            loop {
                match input.try_recv() {
                    Ok(byte) => self.backlog.push_back(byte),
                    Err(TryRecvError::Empty) => break,
                    Err(TryRecvError::Disconnected) => {
                        self.input = None;
                        break;
                    }
                }
            }
        }
        // In loopback mode the receiver is cut off from the line.
        if !self.loopback() && now >= self.rx_next && self.rx_fifo.len() < self.rx_capacity() {
            if let Some(byte) = self.backlog.pop_front() {
                self.receive(byte, now);
                self.rx_next = now.saturating_add(self.char_time);
            }
        }
        self.drive(now, &mut ctx.irq);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testutil::Env;
    use crate::virt;
    use std::sync::{Arc, Mutex};

    const IRQ: usize = virt::UART0_IRQ;
    const CT: SimTime = 1000;

    /// An output sink tests can look into.
    #[derive(Clone, Default)]
    struct Sink(Arc<Mutex<Vec<u8>>>);

    impl Write for Sink {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().expect("sink").extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn setup() -> (Env, Uart, Sink) {
        let sink = Sink::default();
        let uart = Uart::new(SourceLine::new(IRQ), Box::new(sink.clone())).with_char_time(CT);
        (Env::new(1, virt::PLIC_SOURCES), uart, sink)
    }

    /// Run the UART for `dt` past now, advancing it at every event it reports.
    fn run(env: &mut Env, uart: &mut Uart, dt: SimTime) {
        let until = env.now + dt;
        while let Some(t) = uart
            .next_event(env.now, &env.timebase)
            .filter(|&t| t <= until)
        {
            env.advance(uart, t);
        }
        env.advance(uart, until);
    }

    #[test]
    fn a_restored_uart_has_the_saved_registers_and_keeps_its_own_output() {
        let (mut env, mut uart, first) = setup();
        env.write(&mut uart, 0, SCR, 1, 0x5a);
        env.write(&mut uart, 0, 0, 1, b'a'.into());
        let state = uart.save_state().unwrap();
        let (_, mut restored, second) = setup();
        restored.restore_state(&state).unwrap();
        assert_eq!(env.read(&mut restored, 0, SCR, 1), 0x5a);
        env.write(&mut restored, 0, 0, 1, b'b'.into());
        assert_eq!(*first.0.lock().unwrap(), b"a");
        assert_eq!(*second.0.lock().unwrap(), b"b");
        assert!(restored.restore_state(&state[..state.len() - 1]).is_err());
    }

    #[test]
    fn transmits_to_output_at_once() {
        let (mut env, mut uart, sink) = setup();
        for &b in b"hi\n" {
            env.write(&mut uart, 0, 0, 1, b.into());
        }
        assert_eq!(*sink.0.lock().unwrap(), b"hi\n");
        assert_eq!(
            env.read(&mut uart, 0, LSR, 1) as u8 & (LSR_THRE | LSR_TEMT),
            0x60
        );
    }

    #[test]
    fn only_byte_accesses_to_eight_registers() {
        let (mut env, mut uart, _) = setup();
        assert_eq!(env.try_read(&mut uart, 0, 0, 4), Err(BusFault));
        assert_eq!(env.try_write(&mut uart, 0, 8, 1, 0), Err(BusFault));
        env.write(&mut uart, 0, SCR, 1, 0x5a);
        assert_eq!(env.read(&mut uart, 0, SCR, 1), 0x5a);
    }

    #[test]
    fn dlab_switches_divisor_latch() {
        let (mut env, mut uart, sink) = setup();
        env.write(&mut uart, 0, IER_DLM, 1, 0x05);
        env.write(&mut uart, 0, LCR, 1, 0x83);
        env.write(&mut uart, 0, RBR_THR_DLL, 1, 0x01);
        env.write(&mut uart, 0, IER_DLM, 1, 0x02);
        assert_eq!(env.read(&mut uart, 0, RBR_THR_DLL, 1), 0x01);
        assert_eq!(env.read(&mut uart, 0, IER_DLM, 1), 0x02);
        env.write(&mut uart, 0, LCR, 1, 0x03);
        assert_eq!(env.read(&mut uart, 0, IER_DLM, 1), 0x05);
        assert_eq!(env.read(&mut uart, 0, LCR, 1), 0x03);
        assert!(
            sink.0.lock().unwrap().is_empty(),
            "DLL write is no transmission"
        );
    }

    #[test]
    fn input_is_paced_into_the_fifo_and_read_in_order() {
        let (mut env, mut uart, _) = setup();
        env.write(&mut uart, 0, IIR_FCR, 1, 0x01);
        uart.push_input(b"abc");
        assert_eq!(
            env.read(&mut uart, 0, LSR, 1) as u8 & LSR_DR,
            0,
            "only at advance"
        );
        assert_eq!(uart.next_event(0, &env.timebase), Some(0));
        env.advance(&mut uart, 0);
        assert_eq!(uart.next_event(0, &env.timebase), Some(CT));
        run(&mut env, &mut uart, 10 * CT);
        assert_eq!(env.read(&mut uart, 0, LSR, 1) as u8 & LSR_DR, LSR_DR);
        let got: Vec<u8> = (0..3).map(|_| env.read(&mut uart, 0, 0, 1) as u8).collect();
        assert_eq!(got, b"abc");
        assert_eq!(env.read(&mut uart, 0, LSR, 1) as u8 & LSR_DR, 0);
    }

    #[test]
    fn full_fifo_holds_back_host_input() {
        let (mut env, mut uart, _) = setup();
        env.write(&mut uart, 0, IIR_FCR, 1, 0x01);
        let input: Vec<u8> = (0..40).collect();
        uart.push_input(&input);
        run(&mut env, &mut uart, 100 * CT);
        assert_eq!(uart.rx_fifo.len(), FIFO_SIZE);
        assert_eq!(uart.next_event(env.now, &env.timebase), None);
        assert_eq!(env.read(&mut uart, 0, LSR, 1) as u8 & LSR_OE, 0);
        let mut got = Vec::new();
        for _ in 0..10 {
            while env.read(&mut uart, 0, LSR, 1) as u8 & LSR_DR != 0 {
                got.push(env.read(&mut uart, 0, 0, 1) as u8);
            }
            run(&mut env, &mut uart, 100 * CT);
        }
        assert_eq!(got, input);
    }

    #[test]
    fn non_fifo_mode_holds_one_character() {
        let (mut env, mut uart, _) = setup();
        uart.push_input(b"xy");
        run(&mut env, &mut uart, 10 * CT);
        assert_eq!(uart.rx_fifo.len(), 1);
        assert_eq!(env.read(&mut uart, 0, 0, 1), u64::from(b'x'));
    }

    #[test]
    fn rx_data_interrupt_at_trigger_level_and_timeout() {
        let (mut env, mut uart, _) = setup();
        // FIFO on, trigger level 4, RX data interrupt enabled.
        env.write(&mut uart, 0, IIR_FCR, 1, 0x41);
        env.write(&mut uart, 0, IER_DLM, 1, IER_ERBFI.into());
        uart.push_input(b"12");
        run(&mut env, &mut uart, CT);
        assert!(!env.irq.source(IRQ), "below trigger level, no timeout yet");
        assert_eq!(env.read(&mut uart, 0, IIR_FCR, 1), 0xc1);
        assert_eq!(uart.next_event(env.now, &env.timebase), Some(5 * CT));
        run(&mut env, &mut uart, 4 * CT);
        assert!(env.irq.source(IRQ));
        assert_eq!(env.read(&mut uart, 0, IIR_FCR, 1), 0xcc);
        env.read(&mut uart, 0, 0, 1);
        assert!(
            !env.irq.source(IRQ),
            "reading a character restarts the timeout"
        );

        uart.push_input(b"345");
        run(&mut env, &mut uart, CT);
        assert_eq!(uart.rx_fifo.len(), 3);
        assert!(!env.irq.source(IRQ));
        run(&mut env, &mut uart, CT);
        assert_eq!(uart.rx_fifo.len(), 4);
        assert!(env.irq.source(IRQ));
        assert_eq!(env.read(&mut uart, 0, IIR_FCR, 1), 0xc4);
    }

    #[test]
    fn thr_empty_interrupt_clear_semantics() {
        let (mut env, mut uart, _) = setup();
        assert_eq!(env.read(&mut uart, 0, IIR_FCR, 1), 0x01);
        env.write(&mut uart, 0, IER_DLM, 1, IER_ETBEI.into());
        assert!(env.irq.source(IRQ), "enabling with THR empty raises it");
        assert_eq!(env.read(&mut uart, 0, IIR_FCR, 1), 0x02);
        assert!(
            !env.irq.source(IRQ),
            "reading IIR that reports it clears it"
        );
        assert_eq!(env.read(&mut uart, 0, IIR_FCR, 1), 0x01);
        env.write(&mut uart, 0, IER_DLM, 1, IER_ETBEI.into());
        assert!(!env.irq.source(IRQ), "no re-arm without a 0 -> 1 enable");
        env.write(&mut uart, 0, 0, 1, b'x'.into());
        assert!(env.irq.source(IRQ), "THR written and emptied again");
        env.write(&mut uart, 0, IER_DLM, 1, 0);
        assert!(!env.irq.source(IRQ));
    }

    #[test]
    fn iir_reports_highest_priority_and_keeps_lower_ones() {
        let (mut env, mut uart, _) = setup();
        env.write(&mut uart, 0, IIR_FCR, 1, 0x01);
        env.write(&mut uart, 0, IER_DLM, 1, 0x0f);
        // Modem status change via loopback, then RX data and an overrun, all pending at once.
        env.write(&mut uart, 0, MCR, 1, (MCR_LOOP | 0x03).into());
        for b in 0..17 {
            env.write(&mut uart, 0, 0, 1, b);
        }
        assert_eq!(env.read(&mut uart, 0, IIR_FCR, 1), 0xc6);
        assert_eq!(
            env.read(&mut uart, 0, LSR, 1),
            u64::from(LSR_DR | LSR_OE | 0x60)
        );
        assert_eq!(env.read(&mut uart, 0, IIR_FCR, 1), 0xc4);
        while env.read(&mut uart, 0, LSR, 1) as u8 & LSR_DR != 0 {
            env.read(&mut uart, 0, 0, 1);
        }
        assert_eq!(
            env.read(&mut uart, 0, IIR_FCR, 1),
            0xc2,
            "THRE survived the others"
        );
        assert_eq!(env.read(&mut uart, 0, IIR_FCR, 1), 0xc0);
        assert_eq!(
            env.read(&mut uart, 0, MSR, 1),
            u64::from(MSR_CTS | MSR_DSR | 0x08),
            "entering loopback drops DCD"
        );
        assert_eq!(env.read(&mut uart, 0, IIR_FCR, 1), 0xc1);
        assert!(!env.irq.source(IRQ));
    }

    #[test]
    fn loopback_keeps_bytes_off_the_output_and_the_line_off_the_receiver() {
        let (mut env, mut uart, sink) = setup();
        env.write(&mut uart, 0, MCR, 1, MCR_LOOP.into());
        uart.push_input(b"host");
        run(&mut env, &mut uart, 10 * CT);
        env.write(&mut uart, 0, 0, 1, b'L'.into());
        assert!(sink.0.lock().unwrap().is_empty());
        assert_eq!(env.read(&mut uart, 0, 0, 1), u64::from(b'L'));
        assert_eq!(env.read(&mut uart, 0, LSR, 1) as u8 & LSR_DR, 0);
        env.write(&mut uart, 0, MCR, 1, 0);
        run(&mut env, &mut uart, CT);
        assert_eq!(env.read(&mut uart, 0, 0, 1), u64::from(b'h'));
    }

    #[test]
    fn fcr_clears_rx_fifo() {
        let (mut env, mut uart, _) = setup();
        env.write(&mut uart, 0, IIR_FCR, 1, 0x01);
        uart.push_input(b"ab");
        run(&mut env, &mut uart, 5 * CT);
        env.write(&mut uart, 0, IIR_FCR, 1, 0x03);
        assert_eq!(env.read(&mut uart, 0, LSR, 1) as u8 & LSR_DR, 0);
        env.write(&mut uart, 0, IIR_FCR, 1, 0xc0);
        assert_eq!(
            env.read(&mut uart, 0, IIR_FCR, 1),
            0x01,
            "FIFO disabled, bits not stored"
        );
    }

    #[test]
    fn host_channel_input() {
        let (tx, rx) = std::sync::mpsc::channel();
        let (mut env, uart, _) = setup();
        let mut uart = uart.with_input(rx);
        tx.send(b'q').unwrap();
        drop(tx);
        env.advance(&mut uart, 0);
        assert_eq!(env.read(&mut uart, 0, 0, 1), u64::from(b'q'));
        env.advance(&mut uart, CT);
        assert!(uart.input.is_none());
    }
}
