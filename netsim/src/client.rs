//! The client host on the far side of the wire: a `smoltcp` stack stepped in simulated time
//! (10.0.2.2, `abi::net::HOST_MAC`; it answers ARP) running the configured load against the
//! guest, measuring each request where the reference systems measured, at the client.
//!
//! The stack sees time in whole microseconds (smoltcp's resolution); the load and the
//! measurements use the exact picosecond times of the events (a frame's arrival, a
//! request's due time). A request's latency runs from its first byte entering the client's
//! socket (closed loop, echo, ping) or from its arrival time (open loop: the time the client
//! wanted to send it, so queueing at the client counts) to the arrival of its response's
//! last byte. TCP runs without Nagle and with immediate acknowledgements, so no client-side
//! timer adds to a latency.

use std::collections::VecDeque;

use smoltcp::iface::{Config, Interface, SocketHandle, SocketSet};
use smoltcp::phy::{self, DeviceCapabilities, Medium};
use smoltcp::socket::{icmp, tcp, udp};
use smoltcp::time::Instant;
use smoltcp::wire::{
    EthernetAddress, HardwareAddress, Icmpv4Message, Icmpv4Packet, IpAddress, IpCidr, Ipv4Address,
};

use abi::net::RequestHeader;
use devices::link::NetPeer;
use devices::sim_control::Sample;
use sim_core::time::SimTime;

use crate::config::{ClientConfig, LoadKind, Transport};
use crate::hostfwd::HostFwd;
use crate::load::{Completed, InFlight, Requests, Responses, Schedule, PS_PER_US};
use crate::rng::Rng;

/// Bytes of each TCP socket buffer.
const TCP_BUFFER: usize = 256 * 1024;
/// First local port of the load's connections.
const FIRST_PORT: u16 = 49152;
/// A ping not answered within this time is lost.
const PING_TIMEOUT: SimTime = 1_000_000_000_000;

/// The frames between the stack and the wire (smoltcp's `phy::Device`).
#[derive(Debug, Default)]
pub struct Port {
    /// Frames received, not yet seen by the stack.
    pub rx: VecDeque<Vec<u8>>,
    /// Frames the stack sent.
    pub tx: Vec<Vec<u8>>,
}

/// A received frame handed to the stack.
pub struct RxToken(Vec<u8>);

/// Room for one frame the stack sends.
pub struct TxToken<'a>(&'a mut Vec<Vec<u8>>);

impl phy::RxToken for RxToken {
    fn consume<R, F: FnOnce(&[u8]) -> R>(self, f: F) -> R {
        f(&self.0)
    }
}

impl phy::TxToken for TxToken<'_> {
    fn consume<R, F: FnOnce(&mut [u8]) -> R>(self, len: usize, f: F) -> R {
        let mut frame = vec![0; len];
        let r = f(&mut frame);
        self.0.push(frame);
        r
    }
}

impl phy::Device for Port {
    type RxToken<'a> = RxToken;
    type TxToken<'a> = TxToken<'a>;

    fn receive(&mut self, _t: Instant) -> Option<(RxToken, TxToken<'_>)> {
        let frame = self.rx.pop_front()?;
        Some((RxToken(frame), TxToken(&mut self.tx)))
    }

    fn transmit(&mut self, _t: Instant) -> Option<TxToken<'_>> {
        Some(TxToken(&mut self.tx))
    }

    fn capabilities(&self) -> DeviceCapabilities {
        let mut caps = DeviceCapabilities::default();
        caps.medium = Medium::Ethernet;
        caps.max_transmission_unit = 1514;
        caps
    }
}

/// The client's counters.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counters {
    /// Requests started.
    pub sent: u64,
    /// Requests completed.
    pub completed: u64,
    /// Bytes of requests put into sockets.
    pub bytes_sent: u64,
    /// Bytes of responses received.
    pub bytes_received: u64,
    /// Requests lost with their connection, and pings not answered.
    pub dropped: u64,
    /// Responses whose header named another request (or whose echo differed).
    pub mismatched: u64,
    /// Bytes received beyond every expected response.
    pub unexpected_bytes: u64,
    /// Connections opened (first attempts and retries).
    pub connects: u64,
    /// Connections lost (refused or reset) before the load was done.
    pub connections_lost: u64,
    /// Samples beyond the cap, not kept.
    pub samples_dropped: u64,
}

/// One TCP connection of the load.
struct Conn {
    index: usize,
    priority: u32,
    handle: SocketHandle,
    attempts: u16,
    schedule: Schedule,
    responses: Responses,
    /// Bytes of requests waiting for room in the socket.
    pending: VecDeque<u8>,
    /// Echo's bytes in flight, to compare the echo with.
    echo_expect: VecDeque<u8>,
    /// The socket was active (so its closing means the connection was lost or ended).
    active: bool,
    retry_at: Option<SimTime>,
    closed: bool,
}

/// One ICMP echo stream.
struct Ping {
    index: usize,
    priority: u32,
    handle: SocketHandle,
    ident: u16,
    schedule: Schedule,
    /// (sequence number, send time) of unanswered requests.
    in_flight: VecDeque<(u16, SimTime)>,
    seq: u16,
}

/// One UDP stream of requests (an open loop's connection over UDP).
struct Datagrams {
    index: usize,
    priority: u32,
    handle: SocketHandle,
    schedule: Schedule,
    /// Requests sent and not answered, in sending order.
    in_flight: VecDeque<InFlight>,
}

/// Most samples kept.
const MAX_SAMPLES: usize = 10_000_000;

/// The simulated client host.
pub struct ClientHost {
    config: ClientConfig,
    iface: Interface,
    sockets: SocketSet<'static>,
    port: Port,
    conns: Vec<Conn>,
    pings: Vec<Ping>,
    datagrams: Vec<Datagrams>,
    requests: Requests,
    /// Draws each UDP request's port when `ports` > 1 (a stream of its own, so that the
    /// other draws do not depend on it).
    steering: Rng,
    samples: Vec<Sample>,
    counters: Counters,
    /// When the host needs polling next.
    wake: Option<SimTime>,
    /// When the measurement ends (`end_us`), and whether it has.
    end: Option<SimTime>,
    ended: bool,
    /// Live mode's forwarded ports.
    hostfwd: Vec<HostFwd>,
    guest: IpAddress,
}

fn ip(a: [u8; 4]) -> Ipv4Address {
    Ipv4Address::new(a[0], a[1], a[2], a[3])
}

/// smoltcp's time for simulated time `t` (whole microseconds).
fn instant(t: SimTime) -> Instant {
    Instant::from_micros((t / PS_PER_US).min(i64::MAX as u64) as i64)
}

impl ClientHost {
    /// A client host running `config`'s load, seeded with `seed` (mixed with the config's
    /// own), with the arrival times of `trace` (microseconds, for `arrival = "trace"`) dealt
    /// to the connections in turn.
    pub fn new(config: &ClientConfig, seed: u64, trace: &[f64]) -> Self {
        let seed = seed ^ config.seed.wrapping_mul(0xd134_2543_de82_ef95);
        let mut port = Port::default();
        let mut iface_config = Config::new(HardwareAddress::Ethernet(EthernetAddress(
            abi::net::HOST_MAC,
        )));
        iface_config.random_seed = seed;
        let mut iface = Interface::new(iface_config, &mut port, Instant::ZERO);
        iface.update_ip_addrs(|addrs| {
            // Capacity for one address is guaranteed by smoltcp's default configuration.
            let _ = addrs.push(IpCidr::new(
                IpAddress::Ipv4(ip(abi::net::HOST_IP)),
                abi::net::PREFIX_LEN,
            ));
        });
        let mut sockets = SocketSet::new(Vec::new());
        let mut conns = Vec::new();
        let mut pings = Vec::new();
        let mut datagrams = Vec::new();
        for index in 0..config.connections {
            let priority = config.priorities[index % config.priorities.len()];
            let mine: Vec<f64> = trace
                .iter()
                .skip(index)
                .step_by(config.connections)
                .copied()
                .collect();
            let schedule = Schedule::new(config, index, mine, seed);
            match config.kind {
                LoadKind::None => {}
                LoadKind::Ping => {
                    let rx = icmp::PacketBuffer::new(
                        vec![icmp::PacketMetadata::EMPTY; 64],
                        vec![0; 64 * 1600],
                    );
                    let tx = icmp::PacketBuffer::new(
                        vec![icmp::PacketMetadata::EMPTY; 64],
                        vec![0; 64 * 1600],
                    );
                    let mut s = icmp::Socket::new(rx, tx);
                    let ident = 0x4800 + index as u16;
                    // Binding a fresh socket to an identifier cannot fail.
                    let _ = s.bind(icmp::Endpoint::Ident(ident));
                    pings.push(Ping {
                        index,
                        priority,
                        handle: sockets.add(s),
                        ident,
                        schedule,
                        in_flight: VecDeque::new(),
                        seq: 0,
                    });
                }
                LoadKind::Open if config.transport == Transport::Udp => {
                    let buffer = || {
                        udp::PacketBuffer::new(
                            vec![udp::PacketMetadata::EMPTY; 1024],
                            vec![0; 1024 * 1500],
                        )
                    };
                    let mut s = udp::Socket::new(buffer(), buffer());
                    // Binding a fresh socket to a port of its own cannot fail.
                    let _ = s.bind(FIRST_PORT.wrapping_add(index as u16));
                    datagrams.push(Datagrams {
                        index,
                        priority,
                        handle: sockets.add(s),
                        schedule,
                        in_flight: VecDeque::new(),
                    });
                }
                LoadKind::Closed | LoadKind::Open | LoadKind::Echo => {
                    let mut s = tcp::Socket::new(
                        tcp::SocketBuffer::new(vec![0; TCP_BUFFER]),
                        tcp::SocketBuffer::new(vec![0; TCP_BUFFER]),
                    );
                    s.set_nagle_enabled(false);
                    s.set_ack_delay(None);
                    conns.push(Conn {
                        index,
                        priority,
                        handle: sockets.add(s),
                        attempts: 0,
                        retry_at: schedule.next_due(),
                        schedule,
                        responses: Responses::new(config.kind != LoadKind::Echo),
                        pending: VecDeque::new(),
                        echo_expect: VecDeque::new(),
                        active: false,
                        closed: false,
                    });
                }
            }
        }
        let wake = conns
            .iter()
            .filter_map(|c| c.retry_at)
            .chain(pings.iter().filter_map(|p| p.schedule.next_due()))
            .chain(datagrams.iter().filter_map(|d| d.schedule.next_due()))
            .min();
        let end = (config.end_us > 0).then(|| {
            config
                .start_us
                .saturating_add(config.end_us)
                .saturating_mul(PS_PER_US)
        });
        Self {
            config: config.clone(),
            iface,
            sockets,
            port,
            conns,
            pings,
            datagrams,
            requests: Requests::new(config, seed.rotate_left(17)),
            steering: Rng::new(seed.rotate_left(29) ^ 0x5eed_57ee_0000_0001),
            samples: Vec::new(),
            counters: Counters::default(),
            wake: wake.into_iter().chain(end).min(),
            end,
            ended: false,
            hostfwd: Vec::new(),
            guest: IpAddress::Ipv4(ip(abi::net::GUEST_IP)),
        }
    }

    /// Forward host connections (live mode) through this host's stack (one call per
    /// forwarded port).
    pub fn with_hostfwd(mut self, fwd: HostFwd) -> Self {
        self.hostfwd.push(fwd);
        self.wake = Some(0);
        self
    }

    /// The counters so far.
    pub fn stats(&self) -> Counters {
        self.counters
    }

    /// Advance every TCP connection of the load at `now`; whether anything was sent.
    fn drive_conns(&mut self, now: SimTime) -> bool {
        let mut sent_any = false;
        let mut done = Vec::new();
        let mut buf = vec![0u8; 64 * 1024];
        for i in 0..self.conns.len() {
            let c = &mut self.conns[i];
            if c.closed {
                continue;
            }
            let socket = self.sockets.get_mut::<tcp::Socket>(c.handle);
            // (Re)connect when due.
            if !socket.is_open() && c.retry_at.is_some_and(|r| r <= now) {
                c.retry_at = None;
                let local = FIRST_PORT
                    .wrapping_add(c.index as u16)
                    .wrapping_add(c.attempts.wrapping_mul(self.config.connections as u16));
                let remote = (self.guest, self.config.target_port());
                if socket.connect(self.iface.context(), remote, local).is_ok() {
                    c.attempts = c.attempts.wrapping_add(1);
                    c.active = true;
                    self.counters.connects += 1;
                    sent_any = true;
                }
                continue;
            }
            if c.active && !socket.is_open() {
                // Refused, reset or closed by the guest.
                c.active = false;
                let lost = c.responses.clear() as u64;
                c.pending.clear();
                c.echo_expect.clear();
                self.counters.dropped += lost;
                if c.schedule.open(now) {
                    self.counters.connections_lost += 1;
                    c.retry_at = Some(now.saturating_add(self.config.retry_us * PS_PER_US));
                } else {
                    c.closed = true;
                }
                continue;
            }
            while socket.can_recv() {
                let Ok(n) = socket.recv_slice(&mut buf) else {
                    break;
                };
                if n == 0 {
                    break;
                }
                self.counters.bytes_received += n as u64;
                if self.config.kind == LoadKind::Echo {
                    let same = buf[..n]
                        .iter()
                        .zip(c.echo_expect.drain(..n.min(c.echo_expect.len())))
                        .all(|(a, b)| *a == b);
                    if !same {
                        self.counters.mismatched += 1;
                    }
                }
                self.counters.unexpected_bytes += c.responses.received(now, &buf[..n], &mut done);
            }
            for d in done.drain(..) {
                let Completed {
                    request,
                    at,
                    mismatched,
                } = d;
                self.counters.completed += 1;
                self.counters.mismatched += mismatched as u64;
                let (priority, index) = (c.priority, c.index);
                if !request.sampled {
                    continue;
                }
                if self.samples.len() < MAX_SAMPLES {
                    self.samples.push(Sample {
                        key: self.config.sample_key + priority as u16,
                        value: at.saturating_sub(request.sent) / 1000,
                        hart: index as u32,
                        time_ps: at,
                    });
                } else {
                    self.counters.samples_dropped += 1;
                }
            }
            if !socket.may_send() {
                continue;
            }
            // Start the requests the schedule and the window allow.
            let window = match self.config.kind {
                LoadKind::Open => usize::MAX,
                _ => self.config.outstanding as usize,
            };
            while c.pending.is_empty() && c.responses.len() < window {
                let Some(due) = c.schedule.take(now) else {
                    break;
                };
                let start = if self.config.kind == LoadKind::Open {
                    due
                } else {
                    now
                };
                let (id, bytes, expect) = if self.config.kind == LoadKind::Echo {
                    let bytes: Vec<u8> = (0..self.config.request_bytes)
                        .map(|k| (k as u64 + c.schedule.started) as u8)
                        .collect();
                    c.echo_expect.extend(bytes.iter().copied());
                    (c.schedule.started, bytes, self.config.request_bytes)
                } else {
                    let (h, bytes) = self.requests.next(c.priority);
                    (h.id, bytes, h.response_bytes)
                };
                c.responses.push(InFlight {
                    id,
                    sent: start,
                    expect,
                    sampled: c.schedule.started > self.config.warmup_requests,
                });
                self.counters.sent += 1;
                self.counters.bytes_sent += bytes.len() as u64;
                c.pending.extend(bytes);
            }
            while !c.pending.is_empty() && socket.can_send() {
                let (a, _) = c.pending.as_slices();
                match socket.send_slice(a) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        c.pending.drain(..n);
                        sent_any = true;
                    }
                }
            }
            // Done: nothing left to start or to wait for.
            if !c.schedule.open(now) && c.responses.is_empty() && c.pending.is_empty() {
                socket.close();
                c.closed = true;
            }
        }
        sent_any
    }

    /// Advance the ping streams at `now`; whether anything was sent.
    fn drive_pings(&mut self, now: SimTime) -> bool {
        let mut sent_any = false;
        let mut buf = vec![0u8; 2048];
        for i in 0..self.pings.len() {
            let p = &mut self.pings[i];
            let socket = self.sockets.get_mut::<icmp::Socket>(p.handle);
            while let Ok((n, _from)) = socket.recv_slice(&mut buf) {
                let Ok(pkt) = Icmpv4Packet::new_checked(&buf[..n]) else {
                    continue;
                };
                if pkt.msg_type() != Icmpv4Message::EchoReply || pkt.echo_ident() != p.ident {
                    continue;
                }
                let seq = pkt.echo_seq_no();
                if let Some(k) = p.in_flight.iter().position(|(s, _)| *s == seq) {
                    if let Some((_, sent)) = p.in_flight.remove(k) {
                        self.counters.completed += 1;
                        self.counters.bytes_received += n as u64;
                        if self.samples.len() < MAX_SAMPLES {
                            self.samples.push(Sample {
                                key: self.config.sample_key + p.priority as u16,
                                value: now.saturating_sub(sent) / 1000,
                                hart: p.index as u32,
                                time_ps: now,
                            });
                        } else {
                            self.counters.samples_dropped += 1;
                        }
                    }
                }
            }
            while p
                .in_flight
                .front()
                .is_some_and(|(_, t)| now >= t + PING_TIMEOUT)
            {
                p.in_flight.pop_front();
                self.counters.dropped += 1;
            }
            while socket.can_send() {
                if p.schedule.take(now).is_none() {
                    break;
                }
                let len = 8 + self.config.request_bytes as usize;
                let Ok(out) = socket.send(len, self.guest) else {
                    break;
                };
                let mut pkt = Icmpv4Packet::new_unchecked(out);
                pkt.set_msg_type(Icmpv4Message::EchoRequest);
                pkt.set_msg_code(0);
                pkt.set_echo_ident(p.ident);
                pkt.set_echo_seq_no(p.seq);
                for (k, b) in pkt.data_mut().iter_mut().enumerate() {
                    *b = k as u8;
                }
                pkt.fill_checksum();
                p.in_flight.push_back((p.seq, now));
                p.seq = p.seq.wrapping_add(1);
                self.counters.sent += 1;
                self.counters.bytes_sent += len as u64;
                sent_any = true;
            }
        }
        sent_any
    }

    /// Advance the UDP streams at `now`; whether anything was sent.
    fn drive_datagrams(&mut self, now: SimTime) -> bool {
        let mut sent_any = false;
        let mut buf = vec![0u8; 2048];
        for d in &mut self.datagrams {
            let socket = self.sockets.get_mut::<udp::Socket>(d.handle);
            while let Ok((n, _from)) = socket.recv_slice(&mut buf) {
                self.counters.bytes_received += n as u64;
                let found = RequestHeader::decode(&buf[..n]).and_then(|h| {
                    let k = d.in_flight.iter().position(|r| r.id == h.id)?;
                    d.in_flight.remove(k)
                });
                let Some(request) = found.filter(|r| r.expect as usize == n) else {
                    self.counters.mismatched += 1;
                    continue;
                };
                self.counters.completed += 1;
                if !request.sampled {
                    continue;
                }
                if self.samples.len() < MAX_SAMPLES {
                    self.samples.push(Sample {
                        key: self.config.sample_key + d.priority as u16,
                        value: now.saturating_sub(request.sent) / 1000,
                        hart: d.index as u32,
                        time_ps: now,
                    });
                } else {
                    self.counters.samples_dropped += 1;
                }
            }
            while socket.can_send() {
                let Some(due) = d.schedule.take(now) else {
                    break;
                };
                let (h, bytes) = self.requests.next(d.priority);
                let port = match self.config.ports {
                    1 => self.config.target_port(),
                    n => {
                        let k = self.steering.next_u64() % u64::from(n);
                        self.config.target_port() + k as u16
                    }
                };
                if socket.send_slice(&bytes, (self.guest, port)).is_err() {
                    self.counters.dropped += 1;
                    continue;
                }
                d.in_flight.push_back(InFlight {
                    id: h.id,
                    sent: due,
                    expect: h.response_bytes,
                    sampled: d.schedule.started > self.config.warmup_requests,
                });
                self.counters.sent += 1;
                self.counters.bytes_sent += bytes.len() as u64;
                sent_any = true;
            }
        }
        sent_any
    }

    /// Run the host at `now`.
    fn step(&mut self, now: SimTime) {
        if self.end.is_some_and(|end| now >= end) {
            self.ended = true;
        }
        let ts = instant(now);
        // A few rounds: the stack takes frames in, the load reacts, the stack sends.
        for _ in 0..8 {
            self.iface.poll(ts, &mut self.port, &mut self.sockets);
            let mut sent = self.drive_conns(now);
            sent |= self.drive_pings(now);
            sent |= self.drive_datagrams(now);
            for fwd in &mut self.hostfwd {
                sent |= fwd.relay(&mut self.iface, &mut self.sockets, self.guest, now);
            }
            if !sent && self.port.rx.is_empty() {
                break;
            }
        }
        self.iface.poll(ts, &mut self.port, &mut self.sockets);
        // The next time anything is due: the stack's timers (in whole microseconds, after
        // `now`), the load's next request or reconnection, live mode's next look at the host.
        let stack = self.iface.poll_at(ts, &self.sockets).map(|t| {
            let ps = (t.total_micros().max(0) as u64).saturating_mul(PS_PER_US);
            ps.max((now / PS_PER_US + 1) * PS_PER_US)
        });
        let window = match self.config.kind {
            LoadKind::Open => usize::MAX,
            _ => self.config.outstanding as usize,
        };
        let conns = self.conns.iter().filter(|c| !c.closed).filter_map(|c| {
            let open = self.sockets.get::<tcp::Socket>(c.handle).may_send();
            // A closed loop's next request is due when a response frees the window: the
            // response's arrival wakes the host then.
            let due = if open && c.pending.is_empty() && c.responses.len() < window {
                c.schedule.next_due()
            } else {
                None
            };
            [c.retry_at, due].into_iter().flatten().min()
        });
        let pings = self.pings.iter().flat_map(|p| {
            [
                p.schedule.next_due(),
                p.in_flight.front().map(|(_, t)| t + PING_TIMEOUT),
            ]
        });
        let datagrams = self.datagrams.iter().filter_map(|d| d.schedule.next_due());
        let fwd = self.hostfwd.iter().map(|f| f.next_look(now)).min();
        let end = self.end.filter(|_| !self.ended);
        self.wake = stack
            .into_iter()
            .chain(end)
            .chain(conns)
            .chain(pings.flatten())
            .chain(datagrams)
            .chain(fwd)
            .map(|t| t.max(now + 1))
            .min();
    }
}

impl NetPeer for ClientHost {
    fn receive(&mut self, now: SimTime, frame: &[u8]) {
        self.port.rx.push_back(frame.to_vec());
        self.wake = Some(self.wake.map_or(now, |w| w.min(now)));
    }

    fn poll(&mut self, now: SimTime, out: &mut Vec<Vec<u8>>) {
        self.step(now);
        out.append(&mut self.port.tx);
    }

    fn poll_at(&self) -> Option<SimTime> {
        self.wake
    }

    fn done(&self) -> bool {
        self.ended
            || self.config.kind != LoadKind::None
                && self.conns.iter().all(|c| c.closed)
                && self
                    .pings
                    .iter()
                    .all(|p| p.schedule.next_due().is_none() && p.in_flight.is_empty())
                && self
                    .datagrams
                    .iter()
                    .all(|d| d.schedule.next_due().is_none() && d.in_flight.is_empty())
    }

    fn take_samples(&mut self) -> Vec<Sample> {
        std::mem::take(&mut self.samples)
    }

    fn counters(&self) -> Vec<(String, u64)> {
        let c = &self.counters;
        [
            ("sent", c.sent),
            ("completed", c.completed),
            ("bytes_sent", c.bytes_sent),
            ("bytes_received", c.bytes_received),
            ("dropped", c.dropped),
            (
                "unanswered",
                c.sent.saturating_sub(c.completed).saturating_sub(c.dropped),
            ),
            ("mismatched", c.mismatched),
            ("unexpected_bytes", c.unexpected_bytes),
            ("connects", c.connects),
            ("connections_lost", c.connections_lost),
            ("samples_dropped", c.samples_dropped),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
    }

    fn awaits_host_input(&self) -> bool {
        !self.hostfwd.is_empty()
    }
}
