//! The client host against a tiny guest stand-in written here (a second smoltcp stack at the
//! guest's addresses serving requests over TCP and UDP, echo and ping) over the simulated link: requests
//! complete, latencies are what the link and the server make them, and two runs are equal.

use smoltcp::iface::{Config, Interface, SocketHandle, SocketSet};
use smoltcp::socket::{tcp, udp};
use smoltcp::time::Instant;
use smoltcp::wire::{EthernetAddress, HardwareAddress, IpAddress, IpCidr, IpEndpoint, Ipv4Address};

use abi::net::RequestHeader;
use devices::link::{NetPeer, Wire};
use devices::sim_control::Sample;
use netsim::client::Port;
use netsim::config::{Arrival, ClientConfig, LoadKind, ServiceKind, Transport};
use netsim::ClientHost;
use sim_core::time::SimTime;

/// The guest stand-in: listens on the request and echo ports (several sockets each), answers
/// each request after its requested service time with `response_bytes`.
struct Server {
    iface: Interface,
    sockets: SocketSet<'static>,
    port: Port,
    handles: Vec<(SocketHandle, u16)>,
    /// Per socket: bytes of the request being read, and responses due (time, bytes).
    partial: Vec<Vec<u8>>,
    due: Vec<Vec<(SimTime, Vec<u8>)>>,
    /// The UDP request sockets (ports `REQUEST_PORT` + 0..4), the requests each received,
    /// and the responses due (time, bytes, to, socket).
    udp: Vec<SocketHandle>,
    udp_received: [u64; 4],
    udp_due: Vec<(SimTime, Vec<u8>, IpEndpoint, usize)>,
    wake: Option<SimTime>,
}

impl Server {
    fn new() -> Self {
        let mut port = Port::default();
        let mut c = Config::new(HardwareAddress::Ethernet(EthernetAddress(
            abi::net::GUEST_MAC,
        )));
        c.random_seed = 99;
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
        let mut handles = Vec::new();
        for p in [abi::net::REQUEST_PORT, abi::net::ECHO_PORT] {
            for _ in 0..4 {
                let s = tcp::Socket::new(
                    tcp::SocketBuffer::new(vec![0; 65536]),
                    tcp::SocketBuffer::new(vec![0; 65536]),
                );
                handles.push((sockets.add(s), p));
            }
        }
        let n = handles.len();
        let buffer =
            || udp::PacketBuffer::new(vec![udp::PacketMetadata::EMPTY; 64], vec![0; 64 * 1500]);
        let udp = (0..4)
            .map(|k| {
                let mut u = udp::Socket::new(buffer(), buffer());
                u.bind(abi::net::REQUEST_PORT + k).unwrap();
                sockets.add(u)
            })
            .collect();
        Self {
            udp,
            udp_received: [0; 4],
            udp_due: Vec::new(),
            iface,
            sockets,
            port,
            handles,
            partial: vec![Vec::new(); n],
            due: vec![Vec::new(); n],
            wake: Some(0),
        }
    }
}

impl NetPeer for Server {
    fn receive(&mut self, now: SimTime, frame: &[u8]) {
        self.port.rx.push_back(frame.to_vec());
        self.wake = Some(self.wake.map_or(now, |w| w.min(now)));
    }

    fn poll(&mut self, now: SimTime, out: &mut Vec<Vec<u8>>) {
        let ts = Instant::from_micros((now / 1_000_000) as i64);
        for _ in 0..4 {
            self.iface.poll(ts, &mut self.port, &mut self.sockets);
            for (i, &(h, port)) in self.handles.iter().enumerate() {
                let s = self.sockets.get_mut::<tcp::Socket>(h);
                if !s.is_open() {
                    self.partial[i].clear();
                    s.listen(port).unwrap();
                }
                let mut buf = [0u8; 4096];
                while let Ok(n) = s.recv_slice(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    if port == abi::net::ECHO_PORT {
                        self.due[i].push((now, buf[..n].to_vec()));
                    } else {
                        self.partial[i].extend_from_slice(&buf[..n]);
                    }
                }
                while let Some(h) = RequestHeader::decode(&self.partial[i]) {
                    if self.partial[i].len() < h.request_bytes as usize {
                        break;
                    }
                    self.partial[i].drain(..h.request_bytes as usize);
                    let mut resp = h.encode().to_vec();
                    resp.resize(h.response_bytes as usize, 7);
                    let at = now + h.service_ns * 1000;
                    self.due[i].push((at, resp));
                }
                let mut k = 0;
                while k < self.due[i].len() {
                    if self.due[i][k].0 <= now
                        && s.send_capacity() - s.send_queue() >= self.due[i][k].1.len()
                    {
                        let (_, bytes) = self.due[i].remove(k);
                        s.send_slice(&bytes).unwrap();
                    } else {
                        k += 1;
                    }
                }
            }
        }
        let mut buf = [0u8; 2048];
        for (i, &handle) in self.udp.iter().enumerate() {
            let u = self.sockets.get_mut::<udp::Socket>(handle);
            while let Ok((n, meta)) = u.recv_slice(&mut buf) {
                let h = RequestHeader::decode(&buf[..n]).unwrap();
                let mut resp = h.encode().to_vec();
                resp.resize(h.response_bytes as usize, 7);
                self.udp_received[i] += 1;
                self.udp_due
                    .push((now + h.service_ns * 1000, resp, meta.endpoint, i));
            }
        }
        while let Some(k) = self.udp_due.iter().position(|d| d.0 <= now) {
            let (_, bytes, to, i) = self.udp_due.remove(k);
            let u = self.sockets.get_mut::<udp::Socket>(self.udp[i]);
            u.send_slice(&bytes, to).unwrap();
        }
        self.iface.poll(ts, &mut self.port, &mut self.sockets);
        out.append(&mut self.port.tx);
        let next_due = self
            .due
            .iter()
            .flatten()
            .map(|(t, _)| *t)
            .chain(self.udp_due.iter().map(|d| d.0))
            .filter(|&t| t > now)
            .min();
        let stack = self
            .iface
            .poll_at(ts, &self.sockets)
            .map(|t| (t.total_micros() as u64 * 1_000_000).max((now / 1_000_000 + 1) * 1_000_000));
        self.wake = [next_due, stack].into_iter().flatten().min();
    }

    fn poll_at(&self) -> Option<SimTime> {
        self.wake
    }
}

/// What a run gives: the client's samples and counters, and when it ended.
type Outcome = (Vec<Sample>, Vec<(String, u64)>, SimTime);

/// Run the client against the server over a link until the client is done (or `limit`).
fn run(config: &ClientConfig, seed: u64, limit: SimTime) -> Outcome {
    run_counting(config, seed, limit).0
}

/// [`run`], also giving the UDP requests each of the server's four ports received.
fn run_counting(config: &ClientConfig, seed: u64, limit: SimTime) -> (Outcome, [u64; 4]) {
    let mut client = ClientHost::new(config, seed, &[]);
    let mut server = Server::new();
    let latency = 1_000_000;
    let mut to_server = Wire::new(1_000_000_000, latency);
    let mut to_client = Wire::new(1_000_000_000, latency);
    let mut out = Vec::new();
    let mut now = 0;
    while now < limit && !client.done() {
        let next = [
            client.poll_at(),
            server.poll_at(),
            to_server.next_arrival(),
            to_client.next_arrival(),
        ]
        .into_iter()
        .flatten()
        .min();
        let Some(t) = next else { break };
        now = t.max(now);
        while let Some((at, f)) = to_server.receive(now) {
            server.receive(at, &f);
        }
        while let Some((at, f)) = to_client.receive(now) {
            client.receive(at, &f);
        }
        if client.poll_at().is_some_and(|p| p <= now) {
            client.poll(now, &mut out);
            for f in out.drain(..) {
                to_server.send(now, f);
            }
        }
        if server.poll_at().is_some_and(|p| p <= now) {
            server.poll(now, &mut out);
            for f in out.drain(..) {
                to_client.send(now, f);
            }
        }
    }
    (
        (client.take_samples(), client.counters(), now),
        server.udp_received,
    )
}

fn counter(c: &[(String, u64)], k: &str) -> u64 {
    c.iter().find(|(n, _)| n == k).map(|(_, v)| *v).unwrap()
}

#[test]
fn closed_loop_requests_complete_with_the_expected_latency() {
    let config = ClientConfig {
        kind: LoadKind::Closed,
        connections: 2,
        priorities: vec![0, 3],
        requests: 20,
        service_ns: 50_000,
        request_bytes: 100,
        response_bytes: 1000,
        start_us: 10,
        ..ClientConfig::default()
    };
    config.validate().unwrap();
    let (samples, counters, end) = run(&config, 1, 10_000_000_000_000);
    assert_eq!(counter(&counters, "completed"), 40, "{counters:?}");
    assert_eq!(counter(&counters, "mismatched"), 0);
    assert_eq!(samples.len(), 40);
    assert_eq!(samples.iter().filter(|s| s.key == 403).count(), 20);
    assert!(samples.iter().filter(|s| s.key == 403).all(|s| s.hart == 1));
    // Latency: the 50 us service, the link's 1 us each way, the serialisation of the
    // request (100 + 54 header + 24 wire bytes: 1.424 us) and of the response (1000 + 54 +
    // 24: 8.624 us), plus a few microseconds of the stacks' microsecond clocks and, when
    // both connections' responses leave together, the other response's 8.624 us.
    for s in &samples {
        assert!(s.value >= 62_048 && s.value < 72_000, "{s:?}");
    }
    assert!(end < 10_000_000_000_000);
    // Deterministic: the same run gives the same samples.
    let again = run(&config, 1, 10_000_000_000_000);
    assert_eq!(again.0, samples);
    assert_eq!(again.1, counters);
}

#[test]
fn open_loop_echo_and_ping_loads_run_to_completion() {
    let open = ClientConfig {
        kind: LoadKind::Open,
        arrival: Arrival::Poisson,
        interval_us: 20.0,
        requests: 50,
        service: ServiceKind::Exponential,
        service_ns: 5_000,
        ..ClientConfig::default()
    };
    let (samples, counters, _) = run(&open, 7, 10_000_000_000_000);
    assert_eq!(counter(&counters, "completed"), 50, "{counters:?}");
    assert_eq!(samples.len(), 50);
    let other_seed = run(&open, 8, 10_000_000_000_000).0;
    assert_ne!(other_seed, samples, "the seed changes the arrivals");

    let echo = ClientConfig {
        kind: LoadKind::Echo,
        request_bytes: 3000,
        requests: 10,
        ..ClientConfig::default()
    };
    let (samples, counters, _) = run(&echo, 1, 10_000_000_000_000);
    assert_eq!(counter(&counters, "completed"), 10, "{counters:?}");
    assert_eq!(counter(&counters, "mismatched"), 0);
    // At least one full-sized frame (1514 + 24 bytes: 12.3 us) each way.
    assert!(samples.iter().all(|s| s.value > 2 * 12_300), "{samples:?}");

    let ping = ClientConfig {
        kind: LoadKind::Ping,
        request_bytes: 56,
        requests: 5,
        interval_us: 1000.0,
        ..ClientConfig::default()
    };
    let (samples, counters, _) = run(&ping, 1, 10_000_000_000_000);
    assert_eq!(counter(&counters, "completed"), 5, "{counters:?}");
    // 98-byte frames: 2 x (serialisation 0.976 us + 1 us), the responder's stack polling on
    // microsecond boundaries adds at most 1 us each way.
    for s in &samples[1..] {
        assert!(s.value >= 3_900 && s.value <= 6_000, "{s:?}");
    }
}

#[test]
fn udp_requests_complete_and_warm_up_requests_are_not_sampled() {
    let udp = ClientConfig {
        kind: LoadKind::Open,
        transport: Transport::Udp,
        arrival: Arrival::Poisson,
        interval_us: 30.0,
        requests: 200,
        warmup_requests: 20,
        service: ServiceKind::Fixed,
        service_ns: 10_000,
        start_us: 10,
        ..ClientConfig::default()
    };
    udp.validate().unwrap();
    let (samples, counters, _) = run(&udp, 3, 10_000_000_000_000);
    assert_eq!(counter(&counters, "completed"), 200, "{counters:?}");
    assert_eq!(counter(&counters, "mismatched"), 0);
    assert_eq!(samples.len(), 180, "the first 20 are the warm-up");
    // Each: the 10 us service, 1 us of link each way, two 64-byte datagrams (0.84 us each
    // on the wire), the stacks' microsecond clocks.
    for s in &samples {
        assert!(s.value >= 13_600 && s.value < 17_000, "{s:?}");
    }
    assert_eq!(run(&udp, 3, 10_000_000_000_000).0, samples, "deterministic");
    let closed = ClientConfig {
        kind: LoadKind::Closed,
        ..udp.clone()
    };
    assert!(closed
        .validate()
        .unwrap_err()
        .to_string()
        .starts_with("net.client.transport"));
    let big = ClientConfig {
        request_bytes: 2000,
        ..udp
    };
    assert!(big
        .validate()
        .unwrap_err()
        .to_string()
        .starts_with("net.client.request_bytes = 2000"));
}

#[test]
fn udp_requests_are_steered_at_random_over_ports_and_all_answered() {
    let steered = ClientConfig {
        kind: LoadKind::Open,
        transport: Transport::Udp,
        arrival: Arrival::Poisson,
        interval_us: 30.0,
        requests: 4000,
        service: ServiceKind::Fixed,
        service_ns: 1_000,
        start_us: 10,
        ports: 4,
        ..ClientConfig::default()
    };
    steered.validate().unwrap();
    let ((_, counters, _), ports) = run_counting(&steered, 5, 10_000_000_000_000);
    assert_eq!(counter(&counters, "completed"), 4000, "{counters:?}");
    assert_eq!(ports.iter().sum::<u64>(), 4000);
    // Uniform: 1000 each, standard deviation about 27.
    for n in ports {
        assert!((900..1100).contains(&n), "{ports:?}");
    }
    assert_eq!(run_counting(&steered, 5, 10_000_000_000_000).1, ports);
    // One port (the default) sends everything to `port`, with the same arrival and service
    // draws as before the steering existed.
    let one = ClientConfig {
        ports: 1,
        ..steered.clone()
    };
    assert_eq!(run_counting(&one, 5, 10_000_000_000_000).1, [4000, 0, 0, 0]);
    let tcp = ClientConfig {
        transport: Transport::Tcp,
        ..steered.clone()
    };
    assert!(tcp
        .validate()
        .unwrap_err()
        .to_string()
        .starts_with("net.client.ports = 4"));
    let zero = ClientConfig {
        ports: 0,
        ..steered
    };
    assert!(zero
        .validate()
        .unwrap_err()
        .to_string()
        .starts_with("net.client.ports = 0"));
}

#[test]
fn end_us_ends_the_load_at_its_time_and_counts_what_is_unanswered() {
    // 10 requests a millisecond apart to a server that spends 2.5 ms on each: after 5 ms,
    // about two have been answered and the rest are still due.
    let config = ClientConfig {
        kind: LoadKind::Open,
        interval_us: 1000.0,
        requests: 10,
        service_ns: 2_500_000,
        start_us: 10,
        end_us: 5_000,
        ..ClientConfig::default()
    };
    config.validate().unwrap();
    let (samples, counters, end) = run(&config, 1, 10_000_000_000_000);
    assert_eq!(
        end,
        (10 + 5_000) * 1_000_000,
        "the run ends at start_us + end_us"
    );
    let (sent, completed) = (counter(&counters, "sent"), counter(&counters, "completed"));
    assert!((1..sent).contains(&completed), "{counters:?}");
    assert_eq!(counter(&counters, "unanswered"), sent - completed);
    assert_eq!(samples.len() as u64, completed);
    let unlimited = ClientConfig {
        end_us: 0,
        ..config
    };
    let (_, counters, _) = run(&unlimited, 1, 10_000_000_000_000);
    assert_eq!(
        counter(&counters, "completed"),
        10,
        "without end_us every request is answered"
    );
}
