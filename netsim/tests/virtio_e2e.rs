//! The whole path: the client host's load crosses the link into the virtio-net card, whose
//! rings a fake guest driver written here serves, with a smoltcp stack as the guest's
//! server. Requests complete, the card's DMA and interrupts carry every frame, and two runs
//! give the same samples.

use std::collections::VecDeque;

use smoltcp::iface::{Config, Interface, SocketHandle, SocketSet};
use smoltcp::socket::tcp;
use smoltcp::time::Instant;
use smoltcp::wire::{EthernetAddress, HardwareAddress, IpAddress, IpCidr, Ipv4Address};

use abi::net::RequestHeader;
use devices::sim_control::Sample;
use devices::virtio::mmio::{reg, status, F_EVENT_IDX, F_VERSION_1};
use devices::virtio::net::{F_MAC, F_STATUS, HDR_BYTES};
use devices::virtio::{NetConfig, VirtioNet};
use netsim::client::Port;
use netsim::config::{ClientConfig, LoadKind};
use netsim::ClientHost;
use sim_core::bus::{
    AccessCtx, AdvanceCtx, IrqLines, Lines, MachineControl, Mmio, Statistics, Timed,
};
use sim_core::dma::Dma;
use sim_core::memory::Ram;
use sim_core::time::{SimTime, Timebase};

const RAM_BASE: u64 = 0x8000_0000;
const Q: u16 = 16;
const BUF: u64 = 2048;

/// A listening socket, the request being read, and responses due (time, bytes).
type ServerSocket = (SocketHandle, Vec<u8>, Vec<(SimTime, Vec<u8>)>);

/// The fake guest: RAM, rings, the card's environment and a smoltcp server.
struct Guest {
    ram: Ram,
    timebase: Timebase,
    irq: IrqLines,
    control: MachineControl,
    /// Per queue: descriptor table, avail ring, used ring.
    rings: [(u64, u64, u64); 2],
    avail: [u16; 2],
    last_used: [u16; 2],
    tx_free: VecDeque<u16>,
    iface: Interface,
    sockets: SocketSet<'static>,
    port: Port,
    server: Vec<ServerSocket>,
    interrupts: u64,
}

fn buf_addr(q: usize, i: u16) -> u64 {
    RAM_BASE + 0x10_0000 + (q as u64 * Q as u64 + i as u64) * BUF
}

impl Guest {
    fn new() -> Self {
        let mut port = Port::default();
        let mut c = Config::new(HardwareAddress::Ethernet(EthernetAddress(
            abi::net::GUEST_MAC,
        )));
        c.random_seed = 5;
        let mut iface = Interface::new(c, &mut port, Instant::ZERO);
        let [a, b, cc, d] = abi::net::GUEST_IP;
        iface.update_ip_addrs(|x| {
            x.push(IpCidr::new(
                IpAddress::Ipv4(Ipv4Address::new(a, b, cc, d)),
                24,
            ))
            .unwrap();
        });
        let mut sockets = SocketSet::new(Vec::new());
        let server = (0..4)
            .map(|_| {
                let s = tcp::Socket::new(
                    tcp::SocketBuffer::new(vec![0; 65536]),
                    tcp::SocketBuffer::new(vec![0; 65536]),
                );
                (sockets.add(s), Vec::new(), Vec::new())
            })
            .collect();
        Self {
            ram: Ram::new(RAM_BASE, 4 << 20).unwrap(),
            timebase: Timebase::new(10_000_000),
            irq: IrqLines::new(1, 16),
            control: MachineControl::default(),
            rings: [
                (RAM_BASE, RAM_BASE + 0x1000, RAM_BASE + 0x2000),
                (RAM_BASE + 0x4000, RAM_BASE + 0x5000, RAM_BASE + 0x6000),
            ],
            avail: [0; 2],
            last_used: [0; 2],
            tx_free: (0..Q).collect(),
            iface,
            sockets,
            port,
            server,
            interrupts: 0,
        }
    }

    fn mmio(&mut self, dev: &mut VirtioNet, now: SimTime, off: u64, v: Option<u32>) -> u64 {
        let mut ctx = AccessCtx {
            hart: 0,
            now,
            cycle: 0,
            timebase: &mut self.timebase,
            irq: Lines::new(&mut self.irq),
            control: &mut self.control,
        };
        match v {
            Some(v) => {
                dev.write(off, 4, v as u64, &mut ctx).unwrap();
                0
            }
            None => dev.read(off, 4, &mut ctx).unwrap(),
        }
    }

    /// Make descriptor `i` of queue `q` (a single buffer) available.
    fn post(&mut self, q: usize, i: u16, len: u32, write: bool) {
        let (d, a, _) = self.rings[q];
        let at = d + 16 * i as u64;
        self.ram.write(at, 8, buf_addr(q, i));
        self.ram.write(at + 8, 4, len as u64);
        self.ram.write(at + 12, 2, if write { 2 } else { 0 });
        let slot = self.avail[q] % Q;
        self.ram.write(a + 4 + 2 * slot as u64, 2, i as u64);
        self.avail[q] = self.avail[q].wrapping_add(1);
        self.ram.write(a + 2, 2, self.avail[q] as u64);
    }

    fn init(&mut self, dev: &mut VirtioNet) {
        let features = F_VERSION_1 | F_MAC | F_STATUS | F_EVENT_IDX;
        self.mmio(dev, 0, reg::STATUS, Some(0));
        self.mmio(
            dev,
            0,
            reg::STATUS,
            Some(status::ACKNOWLEDGE | status::DRIVER),
        );
        self.mmio(dev, 0, reg::DRIVER_FEATURES_SEL, Some(0));
        self.mmio(dev, 0, reg::DRIVER_FEATURES, Some(features as u32));
        self.mmio(dev, 0, reg::DRIVER_FEATURES_SEL, Some(1));
        self.mmio(dev, 0, reg::DRIVER_FEATURES, Some((features >> 32) as u32));
        let s = status::ACKNOWLEDGE | status::DRIVER | status::FEATURES_OK;
        self.mmio(dev, 0, reg::STATUS, Some(s));
        assert_eq!(self.mmio(dev, 0, reg::STATUS, None), s as u64);
        for q in 0..2 {
            let (d, a, u) = self.rings[q];
            self.mmio(dev, 0, reg::QUEUE_SEL, Some(q as u32));
            self.mmio(dev, 0, reg::QUEUE_NUM, Some(Q as u32));
            for (off, v) in [
                (reg::QUEUE_DESC_LOW, d),
                (reg::QUEUE_DRIVER_LOW, a),
                (reg::QUEUE_DEVICE_LOW, u),
            ] {
                self.mmio(dev, 0, off, Some(v as u32));
                self.mmio(dev, 0, off + 4, Some((v >> 32) as u32));
            }
            self.mmio(dev, 0, reg::QUEUE_READY, Some(1));
        }
        self.mmio(dev, 0, reg::STATUS, Some(s | status::DRIVER_OK));
        for i in 0..Q {
            self.post(0, i, BUF as u32, true);
        }
        self.mmio(dev, 0, reg::QUEUE_NOTIFY, Some(0));
    }

    /// Take what the card returned: received frames go to the stack, receive buffers are
    /// posted again, transmit buffers become free.
    fn reap(&mut self, dev: &mut VirtioNet, now: SimTime) {
        if self.irq.source(1) {
            self.interrupts += 1;
            let isr = self.mmio(dev, now, reg::INTERRUPT_STATUS, None);
            self.mmio(dev, now, reg::INTERRUPT_ACK, Some(isr as u32));
        }
        let mut repost = false;
        for q in 0..2 {
            let u = self.rings[q].2;
            let idx = self.ram.read(u + 2, 2).unwrap() as u16;
            while self.last_used[q] != idx {
                let slot = self.last_used[q] % Q;
                let id = self.ram.read(u + 4 + 8 * slot as u64, 4).unwrap() as u16;
                let len = self.ram.read(u + 8 + 8 * slot as u64, 4).unwrap();
                self.last_used[q] = self.last_used[q].wrapping_add(1);
                if q == 0 {
                    let frame = self
                        .ram
                        .slice(buf_addr(0, id) + HDR_BYTES as u64, len - HDR_BYTES as u64)
                        .unwrap()
                        .to_vec();
                    self.port.rx.push_back(frame);
                    self.post(0, id, BUF as u32, true);
                    repost = true;
                } else {
                    self.tx_free.push_back(id);
                }
            }
            // Ask for an interrupt at the next used entry.
            let used_event = self.rings[q].1 + 4 + 2 * Q as u64;
            self.ram.write(used_event, 2, self.last_used[q] as u64);
        }
        if repost {
            self.mmio(dev, now, reg::QUEUE_NOTIFY, Some(0));
        }
    }

    /// Run the server's stack at `now` and transmit what it sends.
    fn serve(&mut self, dev: &mut VirtioNet, now: SimTime) {
        let ts = Instant::from_micros((now / 1_000_000) as i64);
        for _ in 0..4 {
            self.iface.poll(ts, &mut self.port, &mut self.sockets);
            for (h, partial, due) in self.server.iter_mut() {
                let s = self.sockets.get_mut::<tcp::Socket>(*h);
                if !s.is_open() {
                    partial.clear();
                    s.listen(abi::net::REQUEST_PORT).unwrap();
                }
                let mut buf = [0u8; 4096];
                while let Ok(n) = s.recv_slice(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    partial.extend_from_slice(&buf[..n]);
                }
                while let Some(h) = RequestHeader::decode(partial) {
                    if partial.len() < h.request_bytes as usize {
                        break;
                    }
                    partial.drain(..h.request_bytes as usize);
                    let mut resp = h.encode().to_vec();
                    resp.resize(h.response_bytes as usize, 3);
                    due.push((now + h.service_ns * 1000, resp));
                }
                due.retain(|(t, bytes)| {
                    if *t <= now && s.send_capacity() - s.send_queue() >= bytes.len() {
                        s.send_slice(bytes).unwrap();
                        false
                    } else {
                        true
                    }
                });
            }
        }
        let frames: Vec<Vec<u8>> = self.port.tx.drain(..).collect();
        let mut sent = false;
        for f in frames {
            let Some(i) = self.tx_free.pop_front() else {
                panic!("transmit ring full");
            };
            let mut bytes = vec![0u8; HDR_BYTES];
            bytes.extend_from_slice(&f);
            self.ram.write_bytes(buf_addr(1, i), &bytes);
            self.post(1, i, bytes.len() as u32, false);
            sent = true;
        }
        if sent {
            self.mmio(dev, now, reg::QUEUE_NOTIFY, Some(1));
        }
    }

    fn next(&mut self, now: SimTime) -> Option<SimTime> {
        let ts = Instant::from_micros((now / 1_000_000) as i64);
        let stack = self
            .iface
            .poll_at(ts, &self.sockets)
            .map(|t| (t.total_micros() as u64 * 1_000_000).max((now / 1_000_000 + 1) * 1_000_000));
        let due = self
            .server
            .iter()
            .flat_map(|(_, _, d)| d.iter().map(|(t, _)| *t))
            .filter(|&t| t > now)
            .min();
        [stack, due].into_iter().flatten().min()
    }

    fn advance(&mut self, dev: &mut VirtioNet, now: SimTime) {
        self.irq.set_now(now);
        let mut ctx = AdvanceCtx {
            now,
            timebase: &self.timebase,
            irq: Lines::new(&mut self.irq),
            dma: Some(Dma::ram_only(&mut self.ram)),
            control: &mut self.control,
        };
        dev.advance(&mut ctx);
    }
}

/// Samples, counters, interrupts taken, and whether the card ended the run.
type Outcome = (Vec<Sample>, Vec<(String, u64)>, u64, bool);

fn run(config: &ClientConfig) -> Outcome {
    run_host(ClientHost::new(config, 1, &[]), &|| false)
}

/// Run until the client host ends the run, or `stop` says so.
fn run_host(host: ClientHost, stop: &dyn Fn() -> bool) -> Outcome {
    let mut dev = VirtioNet::new(
        NetConfig {
            stop_when_done: true,
            ..NetConfig::default()
        },
        Box::new(host),
    );
    let mut g = Guest::new();
    g.init(&mut dev);
    let mut now = 0;
    for _ in 0..2_000_000 {
        if g.control.exit.is_some() || stop() {
            break;
        }
        let t = [dev.next_event(now, &g.timebase), g.next(now)]
            .into_iter()
            .flatten()
            .min();
        let Some(t) = t else { break };
        now = t.max(now);
        g.advance(&mut dev, now);
        g.reap(&mut dev, now);
        g.serve(&mut dev, now);
    }
    let exited = g.control.exit.is_some();
    (dev.take_samples(), dev.counters(), g.interrupts, exited)
}

fn counter(c: &[(String, u64)], k: &str) -> u64 {
    c.iter().find(|(n, _)| n == k).map(|(_, v)| *v).unwrap()
}

#[test]
fn client_requests_cross_the_card_and_complete_deterministically() {
    let config = ClientConfig {
        kind: LoadKind::Closed,
        connections: 3,
        priorities: vec![1, 2],
        outstanding: 2,
        requests: 30,
        request_bytes: 200,
        response_bytes: 3000,
        service_ns: 20_000,
        ..ClientConfig::default()
    };
    let (samples, counters, interrupts, exited) = run(&config);
    assert!(exited, "the load ended the run (stop_when_done)");
    assert_eq!(counter(&counters, "client.completed"), 90, "{counters:?}");
    assert_eq!(counter(&counters, "client.mismatched"), 0);
    assert_eq!(counter(&counters, "ring_errors"), 0);
    assert_eq!(counter(&counters, "rx_dropped"), 0);
    assert!(counter(&counters, "rx_frames") > 90);
    // Requests come in by DMA writes, responses leave by DMA reads.
    assert!(counter(&counters, "dma_write_bytes") > 90 * 200);
    assert!(counter(&counters, "dma_read_bytes") > 90 * 3000);
    assert!(interrupts > 0);
    assert_eq!(samples.len(), 90);
    assert_eq!(samples.iter().filter(|s| s.key == 401).count(), 60);
    assert!(samples.iter().filter(|s| s.key == 402).all(|s| s.hart == 1));
    // Service, the link's latency both ways, the card's costs both ways, three 1514-byte
    // frames of response: never less than 20 + 2 + 0.44 + 3 x 12.3 us.
    assert!(samples.iter().all(|s| s.value > 59_000), "{samples:?}");
    let (again, counters_again, _, _) = run(&config);
    assert_eq!(again, samples);
    assert_eq!(counters_again, counters);
}

#[test]
fn live_mode_forwards_a_host_connection_to_the_guest_server() {
    use std::io::{Read, Write};
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;

    let fwd = netsim::HostFwd::listen(0, abi::net::REQUEST_PORT).unwrap();
    let port = fwd.host_port();
    let host = ClientHost::new(&ClientConfig::default(), 1, &[]).with_hostfwd(fwd);
    let done = Arc::new(AtomicBool::new(false));
    let flag = done.clone();
    let client = std::thread::spawn(move || {
        let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        s.set_read_timeout(Some(std::time::Duration::from_secs(20)))
            .unwrap();
        let h = RequestHeader {
            request_bytes: 40,
            response_bytes: 100,
            priority: 0,
            service_ns: 1000,
            id: 77,
        };
        let mut req = h.encode().to_vec();
        req.resize(40, 0);
        s.write_all(&req).unwrap();
        let mut resp = vec![0u8; 100];
        s.read_exact(&mut resp).unwrap();
        flag.store(true, Ordering::SeqCst);
        RequestHeader::decode(&resp)
    });
    run_host(host, &|| done.load(Ordering::SeqCst));
    let answer = client.join().unwrap();
    assert_eq!(answer.map(|h| h.id), Some(77));
}
