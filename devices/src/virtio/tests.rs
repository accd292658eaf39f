//! The virtio-net device driven by a fake driver written here: rings built in RAM, feature
//! negotiation, frames both ways with their exact times, notification suppression, and
//! guest errors that must never panic.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use proptest::prelude::*;
use sim_core::bus::{AdvanceCtx, Lines, MachineControl, Statistics, Timed};
use sim_core::dma::Dma;
use sim_core::memory::Ram;
use sim_core::time::SimTime;

use super::mmio::{reg, status, F_EVENT_IDX, F_VERSION_1};
use super::net::{F_MAC, F_STATUS, HDR_BYTES};
use super::queue::{AVAIL_F_NO_INTERRUPT, DESC_F_NEXT, DESC_F_WRITE, USED_F_NO_NOTIFY};
use super::{IrqMode, NetConfig, VirtioNet};
use crate::link::{NetPeer, Wire};
use crate::testutil::Env;

const RAM_BASE: u64 = 0x8000_0000;
const QSIZE: u16 = 8;

/// What the test's end of the wire saw and will send.
#[derive(Default)]
struct Wires {
    received: Vec<(SimTime, Vec<u8>)>,
    to_send: VecDeque<(SimTime, Vec<u8>)>,
}

struct TestPeer(Arc<Mutex<Wires>>);

impl NetPeer for TestPeer {
    fn receive(&mut self, now: SimTime, frame: &[u8]) {
        self.0.lock().unwrap().received.push((now, frame.to_vec()));
    }
    fn poll(&mut self, now: SimTime, out: &mut Vec<Vec<u8>>) {
        let mut w = self.0.lock().unwrap();
        while w.to_send.front().is_some_and(|(t, _)| *t <= now) {
            if let Some((_, f)) = w.to_send.pop_front() {
                out.push(f);
            }
        }
    }
    fn poll_at(&self) -> Option<SimTime> {
        self.0.lock().unwrap().to_send.front().map(|(t, _)| *t)
    }
}

/// The fake driver's machine: RAM, the device's environment and queue layout.
struct Rig {
    ram: Ram,
    env: Env,
    dev: VirtioNet,
    wires: Arc<Mutex<Wires>>,
    control: MachineControl,
    /// Per queue: descriptor table, avail ring, used ring addresses; next free descriptor
    /// and the driver's avail index.
    rings: [(u64, u64, u64); 2],
    next_desc: [u16; 2],
    avail_idx: [u16; 2],
}

impl Rig {
    fn new(config: NetConfig) -> Self {
        let wires = Arc::new(Mutex::new(Wires::default()));
        let dev = VirtioNet::new(config, Box::new(TestPeer(wires.clone())));
        let rings = [
            (RAM_BASE, RAM_BASE + 0x1000, RAM_BASE + 0x2000),
            (RAM_BASE + 0x4000, RAM_BASE + 0x5000, RAM_BASE + 0x6000),
        ];
        Self {
            ram: Ram::new(RAM_BASE, 1 << 20).unwrap(),
            env: Env::new(1, 16),
            dev,
            wires,
            control: MachineControl::default(),
            rings,
            next_desc: [0; 2],
            avail_idx: [0; 2],
        }
    }

    fn r(&mut self, off: u64) -> u64 {
        self.env.read(&mut self.dev, 0, off, 4)
    }

    fn w(&mut self, off: u64, v: u64) {
        self.env.write(&mut self.dev, 0, off, 4, v)
    }

    /// Negotiate `features` and set both queues up; returns the status read back.
    fn init(&mut self, features: u64) -> u64 {
        self.w(reg::STATUS, 0);
        self.w(reg::STATUS, (status::ACKNOWLEDGE | status::DRIVER) as u64);
        self.w(reg::DRIVER_FEATURES_SEL, 0);
        self.w(reg::DRIVER_FEATURES, features & 0xffff_ffff);
        self.w(reg::DRIVER_FEATURES_SEL, 1);
        self.w(reg::DRIVER_FEATURES, features >> 32);
        self.w(
            reg::STATUS,
            (status::ACKNOWLEDGE | status::DRIVER | status::FEATURES_OK) as u64,
        );
        for q in 0..2 {
            let (d, a, u) = self.rings[q];
            self.w(reg::QUEUE_SEL, q as u64);
            assert_eq!(self.r(reg::QUEUE_NUM_MAX), 256);
            self.w(reg::QUEUE_NUM, QSIZE as u64);
            self.w(reg::QUEUE_DESC_LOW, d & 0xffff_ffff);
            self.w(reg::QUEUE_DESC_HIGH, d >> 32);
            self.w(reg::QUEUE_DRIVER_LOW, a & 0xffff_ffff);
            self.w(reg::QUEUE_DRIVER_HIGH, a >> 32);
            self.w(reg::QUEUE_DEVICE_LOW, u & 0xffff_ffff);
            self.w(reg::QUEUE_DEVICE_HIGH, u >> 32);
            self.w(reg::QUEUE_READY, 1);
        }
        let s = self.r(reg::STATUS);
        self.w(reg::STATUS, s | status::DRIVER_OK as u64);
        self.r(reg::STATUS)
    }

    /// Make a chain of (addr, len, writable) buffers available on queue `q`.
    fn post(&mut self, q: usize, bufs: &[(u64, u32, bool)]) -> u16 {
        let (d, a, _) = self.rings[q];
        let head = self.next_desc[q];
        for (i, &(addr, len, write)) in bufs.iter().enumerate() {
            let idx = (head + i as u16) % QSIZE;
            let at = d + 16 * idx as u64;
            let last = i + 1 == bufs.len();
            let flags = if write { DESC_F_WRITE } else { 0 } | if last { 0 } else { DESC_F_NEXT };
            self.ram.write(at, 8, addr);
            self.ram.write(at + 8, 4, len as u64);
            self.ram.write(at + 12, 2, flags as u64);
            self.ram.write(at + 14, 2, ((idx + 1) % QSIZE) as u64);
        }
        self.next_desc[q] = (head + bufs.len() as u16) % QSIZE;
        let slot = self.avail_idx[q] % QSIZE;
        self.ram.write(a + 4 + 2 * slot as u64, 2, head as u64);
        self.avail_idx[q] = self.avail_idx[q].wrapping_add(1);
        self.ram.write(a + 2, 2, self.avail_idx[q] as u64);
        head
    }

    fn used_idx(&self, q: usize) -> u16 {
        self.ram.read(self.rings[q].2 + 2, 2).unwrap() as u16
    }

    fn used(&self, q: usize, n: u16) -> (u32, u32) {
        let at = self.rings[q].2 + 4 + 8 * (n % QSIZE) as u64;
        (
            self.ram.read(at, 4).unwrap() as u32,
            self.ram.read(at + 4, 4).unwrap() as u32,
        )
    }

    /// Run the device's events up to `until`, as the bus would.
    fn run(&mut self, until: SimTime) {
        loop {
            let t = match self.dev.next_event(self.env.now, &self.env.timebase) {
                Some(t) if t <= until => t.max(self.env.now),
                _ => break,
            };
            self.advance_to(t);
        }
        self.advance_to(until);
    }

    fn advance_to(&mut self, t: SimTime) {
        self.env.now = t;
        self.env.irq.set_now(t);
        let mut ctx = AdvanceCtx {
            now: t,
            timebase: &self.env.timebase,
            irq: Lines::new(&mut self.env.irq),
            dma: Some(Dma::ram_only(&mut self.ram)),
            control: &mut self.control,
        };
        self.dev.advance(&mut ctx);
    }

    fn notify(&mut self, q: u64) {
        self.w(reg::QUEUE_NOTIFY, q);
    }

    fn counter(&self, name: &str) -> u64 {
        self.dev
            .counters()
            .into_iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
            .unwrap()
    }
}

fn ethernet_frame(len: usize, fill: u8) -> Vec<u8> {
    let mut f = vec![fill; len];
    f[..6].copy_from_slice(&abi::net::GUEST_MAC);
    f[6..12].copy_from_slice(&abi::net::HOST_MAC);
    f
}

const FEATURES: u64 = F_VERSION_1 | F_MAC | F_STATUS;

#[test]
fn identifies_negotiates_and_shows_its_configuration() {
    let mut rig = Rig::new(NetConfig::default());
    assert_eq!(rig.r(reg::MAGIC), 0x7472_6976);
    assert_eq!(rig.r(reg::VERSION), 2);
    assert_eq!(rig.r(reg::DEVICE_ID), 1);
    rig.w(reg::DEVICE_FEATURES_SEL, 0);
    let low = rig.r(reg::DEVICE_FEATURES);
    rig.w(reg::DEVICE_FEATURES_SEL, 1);
    let high = rig.r(reg::DEVICE_FEATURES);
    assert_eq!(low | high << 32, FEATURES | F_EVENT_IDX);
    let mac: Vec<u8> = (0..6)
        .map(|i| rig.env.read(&mut rig.dev, 0, reg::CONFIG + i, 1) as u8)
        .collect();
    assert_eq!(mac, abi::net::GUEST_MAC);
    assert_eq!(
        rig.env.read(&mut rig.dev, 0, reg::CONFIG + 6, 2),
        1,
        "link up"
    );
    // A driver without VERSION_1 (legacy) or asking for what is not offered is refused.
    assert_eq!(
        rig.init(F_MAC) & status::FEATURES_OK as u64,
        0,
        "no VERSION_1"
    );
    assert_eq!(rig.init(FEATURES | 1 << 0) & status::FEATURES_OK as u64, 0);
    let s = rig.init(FEATURES);
    assert_eq!(
        s,
        (status::ACKNOWLEDGE | status::DRIVER | status::FEATURES_OK | status::DRIVER_OK) as u64
    );
    // Reset clears everything.
    rig.w(reg::STATUS, 0);
    assert_eq!(rig.r(reg::STATUS), 0);
    rig.w(reg::QUEUE_SEL, 0);
    assert_eq!(rig.r(reg::QUEUE_READY), 0);
    // A queue beyond the two reads QueueNumMax 0.
    rig.w(reg::QUEUE_SEL, 2);
    assert_eq!(rig.r(reg::QUEUE_NUM_MAX), 0);
}

#[test]
fn a_frame_is_transmitted_and_arrives_at_the_computed_time() {
    let config = NetConfig::default();
    let mut rig = Rig::new(config);
    rig.init(FEATURES);
    // Header and frame in two descriptors (a chained descriptor).
    let frame = ethernet_frame(1000, 0xab);
    rig.ram.write_bytes(RAM_BASE + 0x10_000, &[0; HDR_BYTES]);
    rig.ram.write_bytes(RAM_BASE + 0x11_000, &frame);
    let head = rig.post(
        1,
        &[
            (RAM_BASE + 0x10_000, HDR_BYTES as u32, false),
            (RAM_BASE + 0x11_000, 1000, false),
        ],
    );
    rig.env.now = 10_000;
    rig.notify(1);
    rig.run(100_000_000);
    let done = 10_000 + config.frame_cost + 2 * config.descriptor_cost;
    let arrival = done + Wire::new(config.bandwidth_bps, 0).serialization(1000) + config.latency;
    let w = rig.wires.lock().unwrap();
    assert_eq!(w.received, vec![(arrival, frame)]);
    drop(w);
    assert_eq!(rig.used_idx(1), 1);
    assert_eq!(rig.used(1, 0), (head as u32, 0));
    assert_eq!(rig.r(reg::INTERRUPT_STATUS), 1);
    assert!(rig.env.irq.source(1));
    rig.w(reg::INTERRUPT_ACK, 1);
    assert!(!rig.env.irq.source(1));
    assert_eq!(rig.counter("tx_frames"), 1);
    // While it worked the device asked for no notifications, and asked again once idle.
    assert_eq!(rig.ram.read(rig.rings[1].2, 2), Some(0));
}

#[test]
fn a_frame_is_received_into_a_posted_buffer() {
    let config = NetConfig::default();
    let mut rig = Rig::new(config);
    rig.init(FEATURES);
    let head = rig.post(
        0,
        &[
            (RAM_BASE + 0x20_000, 100, true),
            (RAM_BASE + 0x21_000, 1526, true),
        ],
    );
    rig.notify(0);
    let frame = ethernet_frame(300, 0x5a);
    rig.wires
        .lock()
        .unwrap()
        .to_send
        .push_back((5_000_000, frame.clone()));
    let ser = Wire::new(config.bandwidth_bps, 0).serialization(300);
    let done = 5_000_000 + ser + config.latency + config.frame_cost + 2 * config.descriptor_cost;
    rig.run(done - 1);
    assert_eq!(rig.used_idx(0), 0, "not before the computed time");
    assert!(!rig.env.irq.source(1));
    rig.run(done);
    assert_eq!(rig.used_idx(0), 1);
    assert_eq!(rig.used(0, 0), (head as u32, (HDR_BYTES + 300) as u32));
    let mut got = rig.ram.slice(RAM_BASE + 0x20_000, 100).unwrap().to_vec();
    got.extend_from_slice(rig.ram.slice(RAM_BASE + 0x21_000, 212).unwrap());
    assert_eq!(&got[..HDR_BYTES], &[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0]);
    assert_eq!(&got[HDR_BYTES..], &frame[..]);
    assert!(rig.env.irq.source(1));
    assert_eq!(rig.counter("rx_frames"), 1);
}

#[test]
fn frames_wait_for_buffers_and_suppression_is_honoured() {
    let mut rig = Rig::new(NetConfig::default());
    rig.init(FEATURES);
    // Driver asks for no interrupts.
    let avail = rig.rings[0].1;
    rig.ram.write(avail, 2, AVAIL_F_NO_INTERRUPT as u64);
    for i in 0..3 {
        rig.wires
            .lock()
            .unwrap()
            .to_send
            .push_back((1_000 * i, ethernet_frame(60, i as u8)));
    }
    rig.run(50_000_000);
    assert_eq!(rig.used_idx(0), 0);
    // Starved: the device asks for a notification (NO_NOTIFY clear).
    assert_eq!(rig.ram.read(rig.rings[0].2, 2), Some(0));
    for i in 0..3 {
        rig.post(0, &[(RAM_BASE + 0x30_000 + 0x1000 * i, 2048, true)]);
    }
    rig.notify(0);
    rig.run(100_000_000);
    assert_eq!(rig.used_idx(0), 3);
    assert_eq!(rig.r(reg::INTERRUPT_STATUS), 0, "suppressed");
    assert!(!rig.env.irq.source(1));
    // Frames in order.
    for i in 0..3u64 {
        assert_eq!(
            rig.ram
                .read(RAM_BASE + 0x30_000 + 0x1000 * i + HDR_BYTES as u64 + 12, 1),
            Some(i)
        );
    }
    // Busy with buffers in hand: no notifications wanted.
    assert_eq!(
        rig.ram.read(rig.rings[0].2, 2),
        Some(USED_F_NO_NOTIFY as u64)
    );
}

#[test]
fn event_idx_interrupts_only_when_used_event_is_passed() {
    let mut rig = Rig::new(NetConfig::default());
    rig.init(FEATURES | F_EVENT_IDX);
    let used_event = rig.rings[0].1 + 4 + 2 * QSIZE as u64;
    // Interrupt once the used index passes 2 (i.e. at the third buffer).
    rig.ram.write(used_event, 2, 2);
    for i in 0..3 {
        rig.post(0, &[(RAM_BASE + 0x30_000 + 0x1000 * i, 2048, true)]);
    }
    rig.notify(0);
    for i in 0..3u64 {
        rig.wires
            .lock()
            .unwrap()
            .to_send
            .push_back((20_000_000 * i, ethernet_frame(60, 0)));
        rig.run(20_000_000 * i + 10_000_000);
        assert_eq!(rig.used_idx(0), i as u16 + 1);
        assert_eq!(rig.r(reg::INTERRUPT_STATUS), (i == 2) as u64, "frame {i}");
    }
    // avail_event tells the driver where to notify next.
    let avail_event = rig.rings[0].2 + 4 + 8 * QSIZE as u64;
    assert_eq!(rig.ram.read(avail_event, 2), Some(3));
}

#[test]
fn pulse_mode_gives_an_edge_per_notification() {
    let config = NetConfig {
        irq_mode: IrqMode::Pulse,
        ..NetConfig::default()
    };
    let mut rig = Rig::new(config);
    rig.init(FEATURES);
    rig.post(0, &[(RAM_BASE + 0x30_000, 2048, true)]);
    rig.wires
        .lock()
        .unwrap()
        .to_send
        .push_back((0, ethernet_frame(60, 0)));
    let mut edges = 0;
    let mut level = false;
    let mut t = 0;
    while t < 20_000_000 {
        t += 100;
        rig.run(t);
        let now = rig.env.irq.source(1);
        if now && !level {
            edges += 1;
        }
        level = now;
    }
    assert_eq!(edges, 1);
    assert!(!level, "the pulse ends without an acknowledgement");
}

#[test]
fn bad_descriptor_addresses_need_a_reset_and_never_panic() {
    let mut rig = Rig::new(NetConfig::default());
    rig.init(FEATURES);
    rig.post(1, &[(0x1234, 64, false)]);
    rig.notify(1);
    rig.run(10_000_000);
    let s = rig.r(reg::STATUS);
    assert_ne!(s & status::DEVICE_NEEDS_RESET as u64, 0);
    assert_eq!(rig.r(reg::INTERRUPT_STATUS) & 2, 2, "configuration change");
    assert_eq!(rig.counter("ring_errors"), 1);
    // A reset recovers.
    rig.init(FEATURES);
    assert_eq!(rig.r(reg::STATUS) & status::DEVICE_NEEDS_RESET as u64, 0);
    // A ring outside RAM.
    rig.w(reg::STATUS, 0);
    rig.rings[0] = (u64::MAX - 8, 0x10, 0);
    rig.init(FEATURES);
    rig.wires
        .lock()
        .unwrap()
        .to_send
        .push_back((20_000_000, ethernet_frame(60, 0)));
    rig.run(40_000_000);
    assert_ne!(rig.r(reg::STATUS) & status::DEVICE_NEEDS_RESET as u64, 0);
}

proptest! {
    /// Random register writes and random RAM (descriptors, rings) never panic the device,
    /// and its events never lie in the past.
    #[test]
    fn random_registers_and_rings_never_panic(
        writes in prop::collection::vec((0u64..0x110, any::<u32>(), 0u8..4), 1..120),
        junk in prop::collection::vec(any::<u8>(), 0x7000),
        frames in prop::collection::vec((0u64..50_000_000, 0usize..3000), 0..6),
        features in any::<u64>(),
    ) {
        let mut rig = Rig::new(NetConfig::default());
        rig.ram.write_bytes(RAM_BASE, &junk);
        for (t, len) in frames {
            rig.wires.lock().unwrap().to_send.push_back((t, vec![0x11; len]));
        }
        if features & 1 == 1 {
            rig.init(features & (FEATURES | F_EVENT_IDX));
        }
        let mut now = 0;
        for (off, value, kind) in writes {
            let off = off & !3;
            match kind {
                0 => { let _ = rig.env.try_read(&mut rig.dev, 0, off, 4); }
                1 => { let _ = rig.env.try_write(&mut rig.dev, 0, off, 4, value as u64); }
                2 => { let _ = rig.env.try_write(&mut rig.dev, 0, off, (value % 9).max(1), value as u64); }
                _ => {
                    now += value as u64 % 5_000_000;
                    rig.run(now);
                }
            }
            if let Some(t) = rig.dev.next_event(rig.env.now, &rig.env.timebase) {
                prop_assert!(t >= rig.env.now || t + 1 > rig.env.now);
            }
        }
        rig.run(now + 100_000_000);
    }
}
