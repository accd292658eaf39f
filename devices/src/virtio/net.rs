//! The virtio-net device (virtio 1.x §5.1) behind a virtio-mmio transport, timed, with the
//! link and the host on the other end of the wire.
//!
//! Offered features: VERSION_1, MAC, STATUS (link always up) and EVENT_IDX; no checksum
//! offload, no GSO, no mergeable buffers, no indirect descriptors, one queue pair: receive
//! queue 0, transmit queue 1. Every frame carries the 12-byte `virtio_net_hdr` (with
//! `num_buffers`, always 1 on receive). This is the subset QEMU's `virtio-net-device` with
//! offloads turned off presents, so one driver (the `virtio-drivers` crate's `VirtIONet`)
//! works on both.
//!
//! Timing, all in simulated time and driven by the device's own events:
//! - transmit: a notification at `t` (or the end of the previous frame) starts the next
//!   chain: the device reads its descriptors and bytes by DMA at once, spends `frame_cost +
//!   descriptor_cost × descriptors`, then returns the chain in the used ring and puts the
//!   frame on the wire, which serialises it at the link's bandwidth ([`Wire`]);
//! - receive: a frame whose last bit arrives at `t` waits for the device (one frame at a
//!   time) and for a receive chain; the device takes the chain, spends the same costs, then
//!   writes header and frame and the used entry by DMA. Frames beyond `rx_queue_frames`
//!   waiting are dropped (counted), as are frames larger than the chain;
//! - used-buffer notifications follow the driver's suppression (NO_INTERRUPT or
//!   `used_event`); the interrupt line is a level that follows the interrupt status (PLIC
//!   mode), or a pulse per notification ([`IrqMode::Pulse`]) that wakes a task-controller
//!   handler bound to the source without any acknowledgement.
//!
//! A ring error (an address outside RAM, a looping or too long chain, an indirect
//! descriptor) sets DEVICE_NEEDS_RESET with a configuration-change interrupt, as virtio
//! prescribes, and the device stops using its queues until the driver resets it.

use std::any::Any;
use std::collections::VecDeque;

use sim_core::bus::{
    AccessCtx, AdvanceCtx, BusFault, Device, ExitRequest, Lines, Mmio, SourceLine, Statistics,
    Timed,
};
use sim_core::dma::{Dma, DmaCounts};
use sim_core::time::{SimTime, Timebase};
use sim_core::trace::{DeviceEventKind, DeviceTracer};

use crate::device_tree::{DeviceTreeNode, NodeResult, NodeWriter};

use super::mmio::{self, isr, reg, Action, Transport, F_EVENT_IDX};
use super::queue::{Chain, Queue, QueueError};
use crate::link::{NetPeer, Wire};
use crate::sim_control::Sample;

/// virtio device id of a network card.
pub const DEVICE_ID: u32 = 1;
/// Feature bit: the device has a MAC address in its configuration.
pub const F_MAC: u64 = 1 << 5;
/// Feature bit: the configuration's status field is valid.
pub const F_STATUS: u64 = 1 << 16;
/// Configuration status bit: the link is up.
pub const LINK_UP: u16 = 1;
/// Bytes of `virtio_net_hdr` with VERSION_1.
pub const HDR_BYTES: usize = 12;
/// Receive queue index.
pub const RX: usize = 0;
/// Transmit queue index.
pub const TX: usize = 1;
/// Largest frame the device transmits (bytes after the header): beyond it a chain is
/// returned unsent (counted as `tx_dropped`).
pub const MAX_FRAME: usize = 65_535;
/// How long a pulse on the interrupt line lasts in pulse mode.
pub const PULSE: SimTime = 1_000;

/// Timeline events (`--trace`): a frame the card put on the wire (its bytes and when its
/// last bit reaches the client host), a frame written into a receive buffer, a frame
/// dropped (1: the card could not hold it, 2: the chain was too small), a ring error.
static TRACE_TX: DeviceEventKind = DeviceEventKind {
    name: "tx",
    args: &["bytes", "arrival ps", "descriptors"],
};
static TRACE_RX: DeviceEventKind = DeviceEventKind {
    name: "rx",
    args: &["bytes", "arrived ps", "descriptors"],
};
static TRACE_DROP: DeviceEventKind = DeviceEventKind {
    name: "drop",
    args: &["bytes", "reason", "-"],
};
static TRACE_ERROR: DeviceEventKind = DeviceEventKind {
    name: "ring error",
    args: &["-", "-", "-"],
};

/// How the device drives its interrupt source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum IrqMode {
    /// A level that follows the interrupt status until the driver acknowledges it (virtio's,
    /// for the PLIC).
    #[default]
    Level,
    /// A pulse of [`PULSE`] per used-buffer notification, so that each notification is an
    /// edge (for a task-controller handler bound to the source, which needs no
    /// acknowledgement and latches edges).
    Pulse,
}

/// The device's parameters (`[net]` of the machine configuration).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NetConfig {
    /// The MAC address in the configuration space.
    pub mac: [u8; 6],
    /// Link bandwidth in bits per second, each direction.
    pub bandwidth_bps: u64,
    /// Propagation latency of the link.
    pub latency: SimTime,
    /// Device time per frame, each direction.
    pub frame_cost: SimTime,
    /// Device time per descriptor of a chain.
    pub descriptor_cost: SimTime,
    /// The platform interrupt source it drives.
    pub irq: SourceLine,
    /// Level or pulse.
    pub irq_mode: IrqMode,
    /// QueueNumMax.
    pub queue_max: u16,
    /// Received frames the device holds while it waits for receive buffers.
    pub rx_queue_frames: usize,
    /// End the run (pass) once the peer's work is done.
    pub stop_when_done: bool,
}

impl Default for NetConfig {
    fn default() -> Self {
        Self {
            mac: abi::net::GUEST_MAC,
            bandwidth_bps: 1_000_000_000,
            latency: 1_000_000,
            frame_cost: 200_000,
            descriptor_cost: 20_000,
            irq: crate::wiring::virtio(0),
            irq_mode: IrqMode::Level,
            queue_max: 256,
            rx_queue_frames: 256,
            stop_when_done: false,
        }
    }
}

/// A chain being processed, with the time the device is done with it.
#[derive(Debug)]
struct Active {
    done: SimTime,
    /// When the frame reached the card (receive) or was taken (transmit).
    arrived: SimTime,
    chain: Chain,
    frame: Vec<u8>,
}

#[derive(Debug, Default, Clone, Copy)]
struct Counters {
    rx_frames: u64,
    rx_bytes: u64,
    rx_dropped: u64,
    rx_dropped_too_big: u64,
    tx_frames: u64,
    tx_bytes: u64,
    tx_dropped: u64,
    notifies: u64,
    interrupts: u64,
    errors: u64,
    dma: DmaCounts,
}

/// The virtio-net device.
pub struct VirtioNet {
    config: NetConfig,
    transport: Transport,
    peer: Box<dyn NetPeer>,
    /// Host to guest.
    to_guest: Wire,
    /// Guest to host.
    to_host: Wire,
    /// Frames that reached the device, waiting for it (arrival time, bytes).
    rx_fifo: VecDeque<(SimTime, Vec<u8>)>,
    /// The receive side stopped for want of buffers until the driver notifies queue 0.
    rx_starved: bool,
    rx_active: Option<Active>,
    /// When the receive side is free for the next frame.
    rx_free: SimTime,
    /// When the transmit side looks at its queue next (after a notification).
    tx_kick: Option<SimTime>,
    tx_active: Option<Active>,
    /// The level of the interrupt source, and when a pulse ends.
    line: bool,
    pulse_end: Option<SimTime>,
    /// Frames the peer transmitted in its last poll (kept to reuse the allocation).
    peer_out: Vec<Vec<u8>>,
    /// The exit was posted (stop_when_done).
    exit_posted: bool,
    counters: Counters,
    tracer: DeviceTracer,
    /// The time of the update under way (for trace events from deep inside it).
    now: SimTime,
}

impl VirtioNet {
    /// Bytes of the register window (one virtio-mmio slot).
    pub const SIZE: u64 = mmio::SLOT_SIZE;

    /// The device with `config`, wired to `peer`.
    pub fn new(config: NetConfig, peer: Box<dyn NetPeer>) -> Self {
        Self {
            transport: Transport::new(
                DEVICE_ID,
                F_MAC | F_STATUS | F_EVENT_IDX,
                2,
                config.queue_max.max(1),
            ),
            peer,
            to_guest: Wire::new(config.bandwidth_bps, config.latency),
            to_host: Wire::new(config.bandwidth_bps, config.latency),
            rx_fifo: VecDeque::new(),
            rx_starved: false,
            rx_active: None,
            rx_free: 0,
            tx_kick: None,
            tx_active: None,
            line: false,
            pulse_end: None,
            peer_out: Vec::new(),
            exit_posted: false,
            counters: Counters::default(),
            tracer: DeviceTracer::default(),
            now: 0,
            config,
        }
    }

    /// The peer's samples (taken once, after the run).
    pub fn take_samples(&mut self) -> Vec<Sample> {
        self.peer.take_samples()
    }

    /// The configuration space: mac, status.
    fn config_bytes(&self) -> [u8; 8] {
        let mut b = [0; 8];
        b[..6].copy_from_slice(&self.config.mac);
        b[6..8].copy_from_slice(&LINK_UP.to_le_bytes());
        b
    }

    fn event_idx(&self) -> bool {
        self.transport.negotiated(F_EVENT_IDX)
    }

    fn queue_usable(&self, q: usize) -> bool {
        self.transport.live() && self.transport.queues.get(q).is_some_and(|q| q.ready)
    }

    /// When the receive side takes its next frame, if it can.
    fn rx_start_at(&self) -> Option<SimTime> {
        if self.rx_active.is_some() || self.rx_starved || !self.queue_usable(RX) {
            return None;
        }
        self.rx_fifo.front().map(|(t, _)| (*t).max(self.rx_free))
    }

    /// The earliest of the device's own events.
    fn next_internal(&self) -> Option<SimTime> {
        [
            self.peer.poll_at(),
            self.to_host.next_arrival(),
            self.to_guest.next_arrival(),
            self.rx_start_at(),
            self.rx_active.as_ref().map(|a| a.done),
            self.tx_kick,
            self.tx_active.as_ref().map(|a| a.done),
            self.pulse_end,
        ]
        .into_iter()
        .flatten()
        .min()
    }

    fn cost(&self, chain: &Chain) -> SimTime {
        self.config.frame_cost.saturating_add(
            self.config
                .descriptor_cost
                .saturating_mul(chain.buffers.len() as u64),
        )
    }

    /// Work on one queue with the ring-error handling in one place.
    fn with_queue<R>(
        &mut self,
        q: usize,
        dma: &mut Dma,
        f: impl FnOnce(&mut Queue, &mut Dma, bool) -> Result<R, QueueError>,
    ) -> Option<R> {
        let event_idx = self.event_idx();
        let queue = self.transport.queues.get_mut(q)?;
        match f(queue, dma, event_idx) {
            Ok(r) => Some(r),
            Err(_) => {
                self.fail();
                None
            }
        }
    }

    /// A ring error: the device needs a reset and stops using its queues.
    fn fail(&mut self) {
        self.counters.errors += 1;
        self.tracer.event(self.now, &TRACE_ERROR, None, [0; 3]);
        self.transport.needs_reset();
        self.rx_active = None;
        self.tx_active = None;
        self.tx_kick = None;
    }

    /// Return `active`'s chain on queue `q` with `len` bytes written, and notify if the
    /// driver wants it.
    fn complete(&mut self, q: usize, dma: &mut Dma, head: u16, len: u32, now: SimTime) {
        let notify = self.with_queue(q, dma, |queue, dma, event_idx| {
            queue.push_used(dma, head, len)?;
            Ok(queue.needs_interrupt(dma, event_idx)?)
        });
        if notify == Some(true) {
            self.counters.interrupts += 1;
            self.transport.isr |= isr::USED_BUFFER;
            if self.config.irq_mode == IrqMode::Pulse {
                self.pulse_end = Some(now.saturating_add(PULSE));
            }
        }
    }

    /// Drive the interrupt source from the interrupt status (level) or the pulse.
    fn update_line(&mut self, irq: &mut Lines) {
        let level = match self.config.irq_mode {
            IrqMode::Level => self.transport.isr != 0,
            IrqMode::Pulse => self.pulse_end.is_some(),
        };
        if level != self.line {
            self.line = level;
            irq.set_source(self.config.irq, level);
        }
    }

    /// Take the next transmit chain at `now`, if there is one.
    fn tx_start(&mut self, now: SimTime, dma: &mut Dma) {
        let chain = self.with_queue(TX, dma, |q, dma, event_idx| {
            // While the device works through the queue it needs no notifications; when it
            // finds the queue empty it asks for them again and looks once more, so a chain
            // made available in between is not missed.
            match q.pop(dma)? {
                Some(c) => {
                    q.set_notify(dma, event_idx, false)?;
                    Ok(Some(c))
                }
                None => {
                    q.set_notify(dma, event_idx, true)?;
                    q.pop(dma)
                }
            }
        });
        let Some(Some(chain)) = chain else {
            return;
        };
        let frame = if chain.readable_len() > (HDR_BYTES + MAX_FRAME) as u64 {
            None
        } else {
            match chain.read_all(dma, HDR_BYTES + MAX_FRAME) {
                Ok(bytes) => Some(bytes),
                Err(_) => {
                    self.fail();
                    return;
                }
            }
        };
        let frame = match frame {
            Some(bytes) if bytes.len() >= HDR_BYTES + 14 => bytes[HDR_BYTES..].to_vec(),
            _ => {
                self.counters.tx_dropped += 1;
                Vec::new()
            }
        };
        let done = now.saturating_add(self.cost(&chain));
        self.tx_active = Some(Active {
            done,
            arrived: now,
            chain,
            frame,
        });
    }

    fn tx_done(&mut self, now: SimTime, dma: &mut Dma) {
        let Some(active) = self.tx_active.take() else {
            return;
        };
        self.complete(TX, dma, active.chain.head, 0, now);
        if !active.frame.is_empty() {
            self.counters.tx_frames += 1;
            self.counters.tx_bytes += active.frame.len() as u64;
            let len = active.frame.len() as u64;
            let arrival = self.to_host.send(now, active.frame);
            let descriptors = active.chain.buffers.len() as u64;
            self.tracer
                .event(now, &TRACE_TX, None, [len, arrival, descriptors]);
        }
        if self.queue_usable(TX) {
            self.tx_kick = Some(now);
        }
    }

    fn rx_start(&mut self, now: SimTime, dma: &mut Dma) {
        let chain = self.with_queue(RX, dma, |q, dma, event_idx| match q.pop(dma)? {
            Some(c) => {
                q.set_notify(dma, event_idx, false)?;
                Ok(Some(c))
            }
            None => {
                // Starved: ask the driver to say when it adds buffers, then look again.
                q.set_notify(dma, event_idx, true)?;
                q.pop(dma)
            }
        });
        match chain {
            None => {}
            Some(None) => self.rx_starved = true,
            Some(Some(chain)) => {
                let Some((arrived, frame)) = self.rx_fifo.pop_front() else {
                    return;
                };
                let done = now.saturating_add(self.cost(&chain));
                self.rx_active = Some(Active {
                    done,
                    arrived,
                    chain,
                    frame,
                });
            }
        }
    }

    fn rx_done(&mut self, now: SimTime, dma: &mut Dma) {
        let Some(active) = self.rx_active.take() else {
            return;
        };
        self.rx_free = now;
        let mut bytes = vec![0u8; HDR_BYTES];
        // num_buffers = 1: no mergeable buffers.
        bytes[10] = 1;
        bytes.extend_from_slice(&active.frame);
        let written = if (bytes.len() as u64) <= active.chain.writable_len() {
            match active.chain.write_all(dma, &bytes) {
                Ok(n) => n,
                Err(_) => {
                    self.fail();
                    return;
                }
            }
        } else {
            // Too small a chain (the driver should post at least 1526 bytes): the frame is
            // dropped and the chain returned empty.
            self.counters.rx_dropped_too_big += 1;
            0
        };
        let len = active.frame.len() as u64;
        if written > 0 {
            self.counters.rx_frames += 1;
            self.counters.rx_bytes += len;
            let descriptors = active.chain.buffers.len() as u64;
            self.tracer
                .event(now, &TRACE_RX, None, [len, active.arrived, descriptors]);
        } else {
            self.tracer.event(now, &TRACE_DROP, None, [len, 2, 0]);
        }
        self.complete(RX, dma, active.chain.head, written as u32, now);
    }

    /// A frame from the wire reached the device: it waits for a buffer, or is dropped
    /// (counted in `rx_dropped`) when the card is not running (before DRIVER_OK, or after a
    /// ring error) or already holds `rx_queue_frames`.
    fn arrive(&mut self, at: SimTime, frame: Vec<u8>) {
        if !self.transport.live() || self.rx_fifo.len() >= self.config.rx_queue_frames {
            self.counters.rx_dropped += 1;
            self.tracer
                .event(at, &TRACE_DROP, None, [frame.len() as u64, 1, 0]);
            return;
        }
        self.rx_fifo.push_back((at, frame));
    }

    /// Process every event due by `now`, in time order.
    fn run_to(&mut self, now: SimTime, dma: &mut Dma, irq: &mut Lines) {
        // Each step consumes an event or moves it past `t`, so this ends; the bound keeps a
        // misbehaving peer from hanging the machine.
        for _ in 0..1_000_000 {
            let Some(t) = self.next_internal().filter(|&t| t <= now) else {
                break;
            };
            self.now = t;
            if self.pulse_end.is_some_and(|e| e <= t) {
                self.pulse_end = None;
                self.update_line(irq);
            }
            if self.to_host.next_arrival().is_some_and(|a| a <= t) {
                if let Some((at, frame)) = self.to_host.receive(t) {
                    self.peer.receive(at, &frame);
                }
                continue;
            }
            if self.peer.poll_at().is_some_and(|p| p <= t) {
                let mut out = std::mem::take(&mut self.peer_out);
                self.peer.poll(t, &mut out);
                for frame in out.drain(..) {
                    self.to_guest.send(t, frame);
                }
                self.peer_out = out;
                continue;
            }
            if self.to_guest.next_arrival().is_some_and(|a| a <= t) {
                if let Some((at, frame)) = self.to_guest.receive(t) {
                    self.arrive(at, frame);
                }
                continue;
            }
            if self.tx_active.as_ref().is_some_and(|a| a.done <= t) {
                self.tx_done(t, dma);
            } else if self.rx_active.as_ref().is_some_and(|a| a.done <= t) {
                self.rx_done(t, dma);
            } else if self.tx_kick.is_some_and(|k| k <= t) {
                self.tx_kick = None;
                if self.tx_active.is_none() && self.queue_usable(TX) {
                    self.tx_start(t, dma);
                }
            } else if self.rx_start_at().is_some_and(|s| s <= t) {
                self.rx_start(t, dma);
            }
            self.update_line(irq);
        }
        self.update_line(irq);
    }

    fn on_action(&mut self, action: Action, now: SimTime) {
        match action {
            Action::None | Action::InterruptAck | Action::DriverOk => {}
            Action::Notify(q) => {
                // The card looks at the queue at the notification's own time (when the
                // write reaches it); its DMA writes come `frame_ns + descriptor_ns` later,
                // beyond the harts' lookahead with the defaults. With both costs 0 a write
                // could land at the notification's time, which a hart that has already run
                // a few cycles past it sees that much late.
                self.counters.notifies += 1;
                if q as usize == TX {
                    if self.tx_active.is_none() {
                        self.tx_kick = Some(self.tx_kick.map_or(now, |k| k.min(now)));
                    }
                } else {
                    // Frames that waited for buffers are taken from now on, not from their
                    // arrival (which lies in the past).
                    if self.rx_starved || !self.rx_fifo.is_empty() {
                        self.rx_free = self.rx_free.max(now);
                    }
                    self.rx_starved = false;
                }
            }
            Action::Reset => {
                self.rx_fifo.clear();
                self.rx_starved = false;
                self.rx_active = None;
                self.rx_free = now;
                self.tx_kick = None;
                self.tx_active = None;
                self.to_guest.clear();
                self.pulse_end = None;
            }
        }
    }
}

impl Device for VirtioNet {
    capabilities!(timed, statistics);

    fn name(&self) -> &str {
        "virtio-net"
    }

    fn window_size(&self) -> u64 {
        Self::SIZE
    }

    fn attach_tracer(&mut self, tracer: DeviceTracer) {
        self.tracer = tracer;
    }

    fn as_any_mut(&mut self) -> Option<&mut dyn Any> {
        Some(self)
    }
}

/// A virtio-mmio slot, as QEMU virt lays them out.
impl DeviceTreeNode for VirtioNet {
    fn write_node(&self, node: &mut NodeWriter) -> NodeResult {
        let virtio = node.begin("virtio_mmio")?;
        node.compatible(&["virtio,mmio"])?;
        node.reg()?;
        node.source(self.config.irq)?;
        node.end(virtio)
    }
}

impl Mmio for VirtioNet {
    fn read(&mut self, offset: u64, size: u32, _ctx: &mut AccessCtx) -> Result<u64, BusFault> {
        if offset >= reg::CONFIG {
            let cfg = self.config_bytes();
            let start = (offset - reg::CONFIG) as usize;
            if !matches!(size, 1 | 2 | 4 | 8) {
                return Err(BusFault);
            }
            let mut v = 0u64;
            for i in (0..size as usize).rev() {
                v = v << 8 | cfg.get(start + i).copied().unwrap_or(0) as u64;
            }
            return Ok(v);
        }
        if size != 4 {
            return Err(BusFault);
        }
        Ok(self.transport.read(offset) as u64)
    }

    fn write(
        &mut self,
        offset: u64,
        size: u32,
        value: u64,
        ctx: &mut AccessCtx,
    ) -> Result<(), BusFault> {
        if offset >= reg::CONFIG {
            // The configuration space is read-only (MAC and status): writes are ignored.
            return if matches!(size, 1 | 2 | 4 | 8) {
                Ok(())
            } else {
                Err(BusFault)
            };
        }
        if size != 4 {
            return Err(BusFault);
        }
        let action = self.transport.write(offset, value as u32);
        self.on_action(action, ctx.now);
        if action == Action::Reset {
            // The reset lowers the line at once.
            self.transport.isr = 0;
        }
        self.update_line(&mut ctx.irq);
        Ok(())
    }
}

impl Timed for VirtioNet {
    fn next_event(&self, _now: SimTime, _timebase: &Timebase) -> Option<SimTime> {
        self.next_internal()
    }

    fn masters_memory(&self) -> bool {
        true
    }

    /// Runs only with the DMA handle the bus gives a memory master.
    fn advance(&mut self, ctx: &mut AdvanceCtx) {
        let Some(dma) = ctx.dma.as_mut() else {
            return;
        };
        self.run_to(ctx.now, dma, &mut ctx.irq);
        self.counters.dma = add_counts(self.counters.dma, dma.counts());
        if self.config.stop_when_done && !self.exit_posted && self.peer.done() {
            self.exit_posted = true;
            ctx.control.exit = Some(ExitRequest::Pass);
        }
    }

    fn awaits_host_input(&self) -> bool {
        self.peer.awaits_host_input()
    }
}

impl Statistics for VirtioNet {
    fn counters(&self) -> Vec<(String, u64)> {
        let c = &self.counters;
        let mut out: Vec<(String, u64)> = [
            ("rx_frames", c.rx_frames),
            ("rx_bytes", c.rx_bytes),
            ("rx_dropped", c.rx_dropped),
            ("rx_dropped_too_big", c.rx_dropped_too_big),
            ("tx_frames", c.tx_frames),
            ("tx_bytes", c.tx_bytes),
            ("tx_dropped", c.tx_dropped),
            ("notifies", c.notifies),
            ("interrupts", c.interrupts),
            ("ring_errors", c.errors),
            ("dma_read_bytes", c.dma.read_bytes),
            ("dma_write_bytes", c.dma.write_bytes),
            ("dma_read_lines", c.dma.read_lines),
            ("dma_write_lines", c.dma.write_lines),
            ("dma_faults", c.dma.faults),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        out.extend(
            self.peer
                .counters()
                .into_iter()
                .map(|(k, v)| (format!("client.{k}"), v)),
        );
        out
    }

    fn reset_counters(&mut self) {
        self.counters = Counters::default();
    }
}

fn add_counts(a: DmaCounts, b: DmaCounts) -> DmaCounts {
    DmaCounts {
        read_bytes: a.read_bytes + b.read_bytes,
        write_bytes: a.write_bytes + b.write_bytes,
        read_lines: a.read_lines + b.read_lines,
        write_lines: a.write_lines + b.write_lines,
        faults: a.faults + b.faults,
    }
}
