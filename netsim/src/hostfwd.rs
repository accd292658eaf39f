//! Live mode: host TCP connections forwarded to a guest port through the client host's
//! stack, like QEMU's `hostfwd=tcp::HOSTPORT-:GUESTPORT`. This is the one place host timing
//! enters a run: connections arrive when a person makes them, so a run with forwarding is
//! not deterministic (the CLI says so on stderr). To keep a person's session responsive,
//! simulated time is held back to at most a little ahead of host time while forwarding is on.

use std::collections::VecDeque;
use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant as HostInstant};

use smoltcp::iface::{Interface, SocketHandle, SocketSet};
use smoltcp::socket::tcp;
use smoltcp::wire::IpAddress;

use sim_core::time::SimTime;

/// How often (simulated) the host's side is looked at.
const LOOK: SimTime = 100_000_000;
/// How far simulated time may run ahead of host time.
const AHEAD: Duration = Duration::from_millis(20);
/// Local ports of forwarded connections.
const FIRST_PORT: u16 = 40000;

/// A forwarded connection: the host's stream and the client host's socket to the guest.
struct Forwarded {
    host: TcpStream,
    socket: SocketHandle,
    to_guest: VecDeque<u8>,
    to_host: VecDeque<u8>,
    host_eof: bool,
    guest_eof: bool,
}

/// The forwarding of one host port.
pub struct HostFwd {
    guest_port: u16,
    incoming: Receiver<TcpStream>,
    links: Vec<Forwarded>,
    next_port: u16,
    started: HostInstant,
    host_port: u16,
}

impl HostFwd {
    /// Listen on `127.0.0.1:host_port` (0: any free port) and forward each connection to the guest's
    /// `guest_port`.
    pub fn listen(host_port: u16, guest_port: u16) -> std::io::Result<Self> {
        let listener = TcpListener::bind(("127.0.0.1", host_port))?;
        let host_port = listener.local_addr()?.port();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                if tx.send(stream).is_err() {
                    break;
                }
            }
        });
        Ok(Self {
            guest_port,
            incoming: rx,
            links: Vec::new(),
            next_port: FIRST_PORT,
            started: HostInstant::now(),
            host_port,
        })
    }

    /// The host port listened on (the one given, or the one the system chose for 0).
    pub fn host_port(&self) -> u16 {
        self.host_port
    }

    /// When to look at the host again.
    pub fn next_look(&self, now: SimTime) -> SimTime {
        now.saturating_add(LOOK)
    }

    /// Hold simulated time `now` back to host time (plus [`AHEAD`]).
    fn pace(&self, now: SimTime) {
        let sim = Duration::from_nanos(now / 1000);
        let host = self.started.elapsed();
        if sim > host + AHEAD {
            std::thread::sleep((sim - host - AHEAD).min(Duration::from_millis(50)));
        }
    }

    /// Move bytes both ways; whether anything went to the guest's side.
    pub fn relay(
        &mut self,
        iface: &mut Interface,
        sockets: &mut SocketSet<'static>,
        guest: IpAddress,
        now: SimTime,
    ) -> bool {
        self.pace(now);
        let mut moved = false;
        while let Ok(host) = self.incoming.try_recv() {
            if host.set_nonblocking(true).is_err() {
                continue;
            }
            let mut s = tcp::Socket::new(
                tcp::SocketBuffer::new(vec![0; 64 * 1024]),
                tcp::SocketBuffer::new(vec![0; 64 * 1024]),
            );
            s.set_nagle_enabled(false);
            let port = self.next_port;
            self.next_port = self.next_port.wrapping_add(1).max(FIRST_PORT);
            if s.connect(iface.context(), (guest, self.guest_port), port)
                .is_err()
            {
                continue;
            }
            moved = true;
            self.links.push(Forwarded {
                host,
                socket: sockets.add(s),
                to_guest: VecDeque::new(),
                to_host: VecDeque::new(),
                host_eof: false,
                guest_eof: false,
            });
        }
        let mut buf = [0u8; 16 * 1024];
        self.links.retain_mut(|l| {
            let socket = sockets.get_mut::<tcp::Socket>(l.socket);
            if !l.host_eof && l.to_guest.len() < 64 * 1024 {
                match l.host.read(&mut buf) {
                    Ok(0) => l.host_eof = true,
                    Ok(n) => l.to_guest.extend(&buf[..n]),
                    Err(e) if e.kind() == ErrorKind::WouldBlock => {}
                    Err(_) => l.host_eof = true,
                }
            }
            while !l.to_guest.is_empty() && socket.can_send() {
                let (a, _) = l.to_guest.as_slices();
                match socket.send_slice(a) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        l.to_guest.drain(..n);
                        moved = true;
                    }
                }
            }
            if l.host_eof && l.to_guest.is_empty() && socket.may_send() {
                socket.close();
                moved = true;
            }
            while socket.can_recv() {
                match socket.recv_slice(&mut buf) {
                    Ok(n) if n > 0 => l.to_host.extend(&buf[..n]),
                    _ => break,
                }
            }
            while !l.to_host.is_empty() {
                let (a, _) = l.to_host.as_slices();
                match l.host.write(a) {
                    Ok(0) => break,
                    Ok(n) => {
                        l.to_host.drain(..n);
                    }
                    Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                    Err(_) => {
                        l.to_host.clear();
                        l.host_eof = true;
                    }
                }
            }
            if !socket.may_recv() && l.to_host.is_empty() && !l.guest_eof && !socket.is_open() {
                l.guest_eof = true;
                let _ = l.host.shutdown(Shutdown::Write);
            }
            let finished = !socket.is_open() && l.to_host.is_empty();
            if finished {
                let _ = l.host.shutdown(Shutdown::Both);
                sockets.remove(l.socket);
            }
            !finished
        });
        moved
    }
}
