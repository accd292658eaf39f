//! Sockets: TCP connections, TCP listeners and UDP endpoints of the stack, as open files.
//!
//! A [`Socket`] is a key into the stack's table of [`Entry`]s, so that every socket's state
//! lives under the stack's one lock with the smoltcp sockets it uses. A blocking operation
//! tries under the lock; if it cannot finish, the thread waits in the entry's readers or
//! writers and the stack wakes it when the socket becomes ready (`Stack::wake_ready`). The
//! asynchronous forms (`poll_read`, `poll_write`) leave a waker there instead.

use super::{lock, Stack, Waiters};
use crate::task::scheduler;
use abi::Errno;
use alloc::vec;
use alloc::vec::Vec;
use core::ops::Range;
use core::task::{Context, Poll, Waker};
use smoltcp::iface::SocketHandle;
use smoltcp::socket::{tcp, udp};
use smoltcp::wire::{IpAddress, IpEndpoint, Ipv4Address};

/// Bytes of each TCP connection's receive and send buffers.
const TCP_BUFFER: usize = 16 * 1024;
/// Datagrams and bytes of each UDP socket's receive and send buffers: room for the queue of
/// a server near saturation (256 small requests; the queueing validation's M/G/1 at ρ = 0.9
/// must lose none, experiments/README.md "Queueing theory").
const UDP_DATAGRAMS: usize = 256;
const UDP_BUFFER: usize = 32 * 1024;
/// Most connections a listener holds before they are accepted: each waits in a smoltcp
/// socket listening with its buffers allocated (32 KiB), and a peer connecting while every
/// one is taken is reset, so a server that accepts 256 connections at once needs them all.
const MAX_BACKLOG: usize = 256;
/// Local ports for outgoing connections and unbound UDP sockets.
pub const EPHEMERAL_PORTS: Range<u16> = 49152..61000;

/// What a socket is.
enum State {
    /// A TCP socket neither listening nor connected.
    NewTcp,
    /// A UDP socket not yet bound.
    NewUdp,
    /// A TCP socket listening on a port: the connections it can take in, each a smoltcp
    /// socket listening on the port until a peer connects.
    Listener {
        port: u16,
        backlog: Vec<SocketHandle>,
    },
    /// A TCP connection.
    Tcp(SocketHandle),
    /// A bound UDP socket.
    Udp(SocketHandle),
}

/// A socket's entry in the stack: its state and who waits on it.
pub struct Entry {
    state: State,
    pub(super) readers: Waiters,
    pub(super) writers: Waiters,
}

impl Entry {
    fn new(state: State) -> Entry {
        Entry {
            state,
            readers: Waiters::default(),
            writers: Waiters::default(),
        }
    }

    /// Whether a reader (or `accept`) can make progress.
    pub(super) fn readable(&self, sockets: &smoltcp::iface::SocketSet) -> bool {
        match &self.state {
            State::Listener { backlog, .. } => backlog
                .iter()
                .any(|&h| connected(sockets.get::<tcp::Socket>(h).state())),
            State::Tcp(h) => {
                let s = sockets.get::<tcp::Socket>(*h);
                s.can_recv() || !s.may_recv()
            }
            State::Udp(h) => sockets.get::<udp::Socket>(*h).can_recv(),
            State::NewTcp | State::NewUdp => true,
        }
    }

    /// Whether a writer (or `connect`) can make progress.
    pub(super) fn writable(&self, sockets: &smoltcp::iface::SocketSet) -> bool {
        match &self.state {
            State::Tcp(h) => {
                let s = sockets.get::<tcp::Socket>(*h);
                s.can_send() || !s.may_send() && s.state() != tcp::State::SynSent
            }
            State::Udp(h) => sockets.get::<udp::Socket>(*h).can_send(),
            State::Listener { .. } | State::NewTcp | State::NewUdp => true,
        }
    }
}

/// Whether a connection has got past its handshake (an `accept` may take it).
fn connected(state: tcp::State) -> bool {
    !matches!(
        state,
        tcp::State::Listen | tcp::State::SynReceived | tcp::State::SynSent
    )
}

fn new_tcp() -> tcp::Socket<'static> {
    tcp::Socket::new(
        tcp::SocketBuffer::new(vec![0; TCP_BUFFER]),
        tcp::SocketBuffer::new(vec![0; TCP_BUFFER]),
    )
}

fn new_udp() -> udp::Socket<'static> {
    udp::Socket::new(
        udp::PacketBuffer::new(
            vec![udp::PacketMetadata::EMPTY; UDP_DATAGRAMS],
            vec![0; UDP_BUFFER],
        ),
        udp::PacketBuffer::new(
            vec![udp::PacketMetadata::EMPTY; UDP_DATAGRAMS],
            vec![0; UDP_BUFFER],
        ),
    )
}

/// An IPv4 address given as a big-endian `u32` (`a.b.c.d` = `a << 24 | ...`).
fn ipv4(addr: usize) -> IpAddress {
    IpAddress::Ipv4(Ipv4Address::from((addr as u32).to_be_bytes()))
}

impl Stack {
    fn entry(&mut self, key: u64) -> Result<&mut Entry, Errno> {
        self.entries.get_mut(&key).ok_or(Errno::BadFd)
    }

    fn add(&mut self, state: State) -> u64 {
        let key = self.next_key;
        self.next_key += 1;
        self.entries.insert(key, Entry::new(state));
        key
    }

    fn ephemeral_port(&mut self) -> u16 {
        let port = self.next_port;
        self.next_port = if port + 1 >= EPHEMERAL_PORTS.end {
            EPHEMERAL_PORTS.start
        } else {
            port + 1
        };
        port
    }

    /// A fresh smoltcp socket listening on `port`.
    fn listening(&mut self, port: u16) -> Result<SocketHandle, Errno> {
        let mut s = new_tcp();
        s.listen(port).map_err(|_| Errno::Invalid)?;
        Ok(self.sockets.add(s))
    }

    /// Whether the socket `key` is ready in `direction` (a missing socket is: the attempt
    /// then reports it).
    fn ready(&self, key: u64, direction: Direction) -> bool {
        self.entries.get(&key).is_none_or(|entry| match direction {
            Direction::Read => entry.readable(&self.sockets),
            Direction::Write => entry.writable(&self.sockets),
        })
    }

    /// Makes `attempt` on socket `key` and runs the stack after it if the attempt needs it
    /// ([`Stack::run_after_success`], [`Stack::run_after_failure`]).
    fn attempt<R>(
        &mut self,
        key: u64,
        direction: Direction,
        attempt: &mut impl FnMut(&mut Stack, u64) -> Option<Result<R, Errno>>,
    ) -> Option<Result<R, Errno>> {
        let run_after_success = self.run_after_success(key, direction);
        let result = attempt(self, key);
        let run = match result {
            Some(_) => run_after_success,
            None => self.run_after_failure(direction),
        };
        if run {
            self.run();
        }
        result
    }

    /// Whether a successful attempt in `direction` on socket `key` must run the stack after
    /// it: a write does, to send what it
    /// queued; a read of a TCP connection only if its receive buffer is at least half full
    /// before it, so that the window the read opens is announced now. Running the stack walks
    /// every socket (smoltcp's egress and timers), so a server with many connections must not
    /// do it for every read.
    fn run_after_success(&self, key: u64, direction: Direction) -> bool {
        if matches!(direction, Direction::Write) {
            return true;
        }
        match self.entries.get(&key).map(|e| &e.state) {
            Some(State::Tcp(h)) => {
                let s = self.sockets.get::<tcp::Socket>(*h);
                2 * s.recv_queue() >= s.recv_capacity()
            }
            _ => true,
        }
    }

    /// Whether a failed attempt in `direction` must run the stack after it: a write does
    /// (to send and make room), a read only if a frame waits to be taken in; what arrived
    /// earlier the stack took in when it came, and its timers run at their deadlines.
    fn run_after_failure(&self, direction: Direction) -> bool {
        matches!(direction, Direction::Write) || self.nic.has_received()
    }

    /// Whether a listener already uses `port`.
    fn port_listened(&self, port: u16) -> bool {
        self.entries
            .values()
            .any(|e| matches!(e.state, State::Listener { port: p, .. } if p == port))
    }
}

/// Which direction an operation waits for.
#[derive(Clone, Copy)]
enum Direction {
    Read,
    Write,
}

/// A socket: an open file naming an entry of the stack.
pub struct Socket {
    key: u64,
}

impl Socket {
    /// A new socket of `kind` (`abi::socket`).
    pub fn new(kind: usize) -> Result<Socket, Errno> {
        let state = match kind {
            abi::socket::TCP => State::NewTcp,
            abi::socket::UDP => State::NewUdp,
            _ => return Err(Errno::Invalid),
        };
        let mut stack = lock().ok_or(Errno::NoDevice)?;
        Ok(Socket {
            key: stack.add(state),
        })
    }

    /// Runs `attempt` under the stack's lock until it gives a result, waiting in between for
    /// the socket to become ready in `direction`. The stack runs after every attempt that
    /// needs it ([`Stack::attempt`]), so what an attempt queued is sent at once.
    fn wait<R>(
        &self,
        direction: Direction,
        mut attempt: impl FnMut(&mut Stack, u64) -> Option<Result<R, Errno>>,
    ) -> Result<R, Errno> {
        loop {
            let mut stack = lock().ok_or(Errno::NoDevice)?;
            if let Some(result) = stack.attempt(self.key, direction, &mut attempt) {
                return result;
            }
            // Running the stack may have brought what the attempt lacked (nobody waited
            // yet to be woken for it): try again before waiting.
            if stack.ready(self.key, direction) {
                continue;
            }
            if crate::task::current_process().is_exiting() {
                return Err(Errno::Again);
            }
            scheduler::prepare_to_block();
            let entry = stack.entry(self.key)?;
            let waiters = match direction {
                Direction::Read => &mut entry.readers,
                Direction::Write => &mut entry.writers,
            };
            waiters.threads.push(scheduler::current());
            scheduler::block(stack);
        }
    }

    /// The asynchronous form of [`Socket::wait`]: one attempt, else a waker left.
    fn poll<R>(
        &self,
        direction: Direction,
        cx: &mut Context<'_>,
        mut attempt: impl FnMut(&mut Stack, u64) -> Option<Result<R, Errno>>,
    ) -> Poll<Result<R, Errno>> {
        let Some(mut stack) = lock() else {
            return Poll::Ready(Err(Errno::NoDevice));
        };
        loop {
            if let Some(result) = stack.attempt(self.key, direction, &mut attempt) {
                return Poll::Ready(result);
            }
            // As in `wait`: the stack's run may have made the socket ready.
            if !stack.ready(self.key, direction) {
                break;
            }
        }
        let Ok(entry) = stack.entry(self.key) else {
            return Poll::Ready(Err(Errno::BadFd));
        };
        match direction {
            Direction::Read => entry.readers.wakers.push(cx.waker().clone()),
            Direction::Write => entry.writers.wakers.push(cx.waker().clone()),
        }
        Poll::Pending
    }

    /// `listen`: take connections to `port`, up to `backlog` not yet accepted.
    pub fn listen(&self, port: usize, backlog: usize) -> Result<(), Errno> {
        let port = u16::try_from(port)
            .ok()
            .filter(|&p| p != 0)
            .ok_or(Errno::Invalid)?;
        if !(1..=MAX_BACKLOG).contains(&backlog) {
            return Err(Errno::Invalid);
        }
        let mut stack = lock().ok_or(Errno::NoDevice)?;
        if !matches!(stack.entry(self.key)?.state, State::NewTcp) {
            return Err(Errno::Invalid);
        }
        if stack.port_listened(port) {
            return Err(Errno::AddrInUse);
        }
        let backlog = (0..backlog)
            .map(|_| stack.listening(port))
            .collect::<Result<Vec<_>, _>>()?;
        stack.entry(self.key)?.state = State::Listener { port, backlog };
        Ok(())
    }

    /// `accept`: waits for a connection and returns it as a new socket.
    pub fn accept(&self) -> Result<Socket, Errno> {
        self.wait(Direction::Read, |stack, key| {
            let State::Listener { port, backlog } = &stack.entries.get(&key)?.state else {
                return Some(Err(Errno::NotConnected));
            };
            let port = *port;
            // A connection reset during its handshake listens again.
            let (i, handle) = backlog.iter().copied().enumerate().find(|&(_, h)| {
                let state = stack.sockets.get::<tcp::Socket>(h).state();
                connected(state)
            })?;
            let fresh = match stack.listening(port) {
                Ok(h) => h,
                Err(e) => return Some(Err(e)),
            };
            if let Some(Entry {
                state: State::Listener { backlog, .. },
                ..
            }) = stack.entries.get_mut(&key)
            {
                backlog[i] = fresh;
            }
            Some(Ok(Socket {
                key: stack.add(State::Tcp(handle)),
            }))
        })
    }

    /// `connect`: connects to `addr`:`port` and waits until the connection is established.
    pub fn connect(&self, addr: usize, port: usize) -> Result<(), Errno> {
        let port = u16::try_from(port)
            .ok()
            .filter(|&p| p != 0)
            .ok_or(Errno::Invalid)?;
        {
            let mut stack = lock().ok_or(Errno::NoDevice)?;
            if !matches!(stack.entry(self.key)?.state, State::NewTcp) {
                return Err(Errno::Invalid);
            }
            let local = stack.ephemeral_port();
            let mut s = new_tcp();
            let Stack { iface, .. } = &mut *stack;
            s.connect(iface.context(), (ipv4(addr), port), local)
                .map_err(|_| Errno::Invalid)?;
            let handle = stack.sockets.add(s);
            stack.entry(self.key)?.state = State::Tcp(handle);
        }
        self.wait(Direction::Write, |stack, key| {
            let State::Tcp(h) = stack.entries.get(&key)?.state else {
                return Some(Err(Errno::NotConnected));
            };
            match stack.sockets.get::<tcp::Socket>(h).state() {
                tcp::State::SynSent | tcp::State::SynReceived => None,
                tcp::State::Closed => Some(Err(Errno::ConnRefused)),
                _ => Some(Ok(())),
            }
        })
    }

    /// One step of a read: what is there, the end of the stream (0), or None to wait.
    fn try_read(stack: &mut Stack, key: u64, buf: &mut [u8]) -> Option<Result<usize, Errno>> {
        match stack.entries.get(&key)?.state {
            State::Tcp(h) => {
                let s = stack.sockets.get_mut::<tcp::Socket>(h);
                if s.can_recv() {
                    Some(s.recv_slice(buf).map_err(|_| Errno::ConnReset))
                } else if !s.may_recv() {
                    Some(Ok(0))
                } else {
                    None
                }
            }
            State::Udp(h) => {
                let s = stack.sockets.get_mut::<udp::Socket>(h);
                s.can_recv().then(|| {
                    s.recv_slice(buf)
                        .map(|(n, _)| n)
                        .map_err(|_| Errno::Invalid)
                })
            }
            _ => Some(Err(Errno::NotConnected)),
        }
    }

    /// One step of a write of `data` of which `done` bytes are in: how many more went in
    /// (Some(Ok) once all are, or the peer no longer takes any), or None to wait.
    fn try_write(
        stack: &mut Stack,
        key: u64,
        data: &[u8],
        done: &mut usize,
    ) -> Option<Result<usize, Errno>> {
        let State::Tcp(h) = stack.entries.get(&key)?.state else {
            return Some(Err(Errno::NotConnected));
        };
        let s = stack.sockets.get_mut::<tcp::Socket>(h);
        if !s.may_send() {
            return Some(if *done > 0 {
                Ok(*done)
            } else {
                Err(Errno::BrokenPipe)
            });
        }
        *done += s.send_slice(&data[*done..]).unwrap_or(0);
        (*done == data.len()).then_some(Ok(*done))
    }

    /// `read`: up to `buf.len()` bytes, waiting for some; 0 at the end of the stream.
    pub fn read(&self, buf: &mut [u8]) -> Result<usize, Errno> {
        self.wait(Direction::Read, |stack, key| {
            Self::try_read(stack, key, buf)
        })
    }

    /// `write`: all of `data`, waiting for room as needed.
    pub fn write(&self, data: &[u8]) -> Result<usize, Errno> {
        let mut done = 0;
        self.wait(Direction::Write, |stack, key| {
            Self::try_write(stack, key, data, &mut done)
        })
    }

    /// [`Socket::read`] for a kernel coroutine.
    pub fn poll_read(&self, buf: &mut [u8], cx: &mut Context<'_>) -> Poll<Result<usize, Errno>> {
        self.poll(Direction::Read, cx, |stack, key| {
            Self::try_read(stack, key, buf)
        })
    }

    /// For `poll_readable`: the bytes a read of this TCP connection would get now without
    /// waiting (`Some(0)`: the end of the stream), or `None` after leaving `waker` to be woken
    /// when there are some. A waker already left there is not left twice.
    pub fn readable_bytes(&self, waker: &Waker) -> Result<Option<usize>, Errno> {
        let mut stack = lock().ok_or(Errno::NoDevice)?;
        // Take in what arrived but the stack has not seen yet (as a failed read would).
        if stack.nic.has_received() {
            stack.run();
        }
        let Stack {
            entries, sockets, ..
        } = &mut *stack;
        let entry = entries.get_mut(&self.key).ok_or(Errno::BadFd)?;
        let State::Tcp(h) = entry.state else {
            return Err(Errno::Invalid);
        };
        let s = sockets.get::<tcp::Socket>(h);
        if s.can_recv() {
            return Ok(Some(s.recv_queue()));
        }
        if !s.may_recv() {
            return Ok(Some(0));
        }
        let wakers = &mut entry.readers.wakers;
        if !wakers.iter().any(|w| w.will_wake(waker)) {
            wakers.push(waker.clone());
        }
        Ok(None)
    }

    /// Takes back a waker [`Socket::readable_bytes`] left.
    pub fn forget_reader(&self, waker: &Waker) {
        if let Some(mut stack) = lock() {
            if let Some(entry) = stack.entries.get_mut(&self.key) {
                entry.readers.wakers.retain(|w| !w.will_wake(waker));
            }
        }
    }

    /// [`Socket::write`] for a kernel coroutine: as much of `data` as fits now, or `Pending`
    /// if nothing does.
    pub fn poll_write(&self, data: &[u8], cx: &mut Context<'_>) -> Poll<Result<usize, Errno>> {
        self.poll(Direction::Write, cx, |stack, key| {
            let mut done = 0;
            match Self::try_write(stack, key, data, &mut done) {
                None if done > 0 => Some(Ok(done)),
                other => other,
            }
        })
    }

    /// `bind`: the UDP socket receives what is sent to `port`.
    pub fn bind(&self, port: usize) -> Result<(), Errno> {
        let port = u16::try_from(port)
            .ok()
            .filter(|&p| p != 0)
            .ok_or(Errno::Invalid)?;
        let mut stack = lock().ok_or(Errno::NoDevice)?;
        Self::bind_locked(&mut stack, self.key, port)
    }

    fn bind_locked(stack: &mut Stack, key: u64, port: u16) -> Result<(), Errno> {
        if !matches!(stack.entry(key)?.state, State::NewUdp) {
            return Err(Errno::Invalid);
        }
        let mut s = new_udp();
        s.bind(port).map_err(|_| Errno::AddrInUse)?;
        let handle = stack.sockets.add(s);
        stack.entry(key)?.state = State::Udp(handle);
        Ok(())
    }

    /// `send_to`: one datagram to `addr`:`port` (binding an unbound socket to a free port).
    pub fn send_to(&self, data: &[u8], addr: usize, port: usize) -> Result<usize, Errno> {
        let port = u16::try_from(port)
            .ok()
            .filter(|&p| p != 0)
            .ok_or(Errno::Invalid)?;
        let to = IpEndpoint::new(ipv4(addr), port);
        self.wait(Direction::Write, |stack, key| {
            if matches!(stack.entries.get(&key)?.state, State::NewUdp) {
                let local = stack.ephemeral_port();
                if let Err(e) = Self::bind_locked(stack, key, local) {
                    return Some(Err(e));
                }
            }
            let State::Udp(h) = stack.entries.get(&key)?.state else {
                return Some(Err(Errno::Invalid));
            };
            let s = stack.sockets.get_mut::<udp::Socket>(h);
            match s.send_slice(data, to) {
                Ok(()) => Some(Ok(data.len())),
                Err(udp::SendError::BufferFull) => None,
                Err(udp::SendError::Unaddressable) => Some(Err(Errno::Invalid)),
            }
        })
    }

    /// `recv_from`: waits for one datagram; its length (truncated to `buf`) and sender.
    pub fn recv_from(&self, buf: &mut [u8]) -> Result<Datagram, Errno> {
        self.wait(Direction::Read, |stack, key| take_datagram(stack, key, buf))
    }

    /// `recv_from` without waiting: a datagram if one is there once the stack has taken in
    /// what the card holds, else `Again`.
    pub fn try_recv_from(&self, buf: &mut [u8]) -> Result<Datagram, Errno> {
        let mut stack = lock().ok_or(Errno::NoDevice)?;
        loop {
            if let Some(result) =
                stack.attempt(self.key, Direction::Read, &mut |stack: &mut Stack, key| {
                    take_datagram(stack, key, buf)
                })
            {
                return result;
            }
            // As in `wait`: the stack's run may have brought a datagram.
            if !stack.ready(self.key, Direction::Read) {
                return Err(Errno::Again);
            }
        }
    }
}

/// A received datagram: its length, its sender's address and port.
type Datagram = (usize, [u8; 4], u16);

/// One datagram of UDP socket `key` into `buf`, if one is there (`None`: none yet).
fn take_datagram(stack: &mut Stack, key: u64, buf: &mut [u8]) -> Option<Result<Datagram, Errno>> {
    let State::Udp(h) = stack.entries.get(&key)?.state else {
        return Some(Err(Errno::Invalid));
    };
    let s = stack.sockets.get_mut::<udp::Socket>(h);
    if !s.can_recv() {
        return None;
    }
    Some(match s.recv_slice(buf) {
        Ok((n, meta)) => {
            let IpAddress::Ipv4(addr) = meta.endpoint.addr;
            Ok((n, addr.octets(), meta.endpoint.port))
        }
        Err(udp::RecvError::Truncated) => Ok((buf.len(), [0; 4], 0)),
        Err(_) => Err(Errno::Invalid),
    })
}

impl Drop for Socket {
    /// Closing: a connection sends its FIN and is forgotten once closed; a listener drops the
    /// connections it has not handed out; waiters are woken (and find the socket gone).
    fn drop(&mut self) {
        let Some(mut stack) = lock() else { return };
        let Some(mut entry) = stack.entries.remove(&self.key) else {
            return;
        };
        match entry.state {
            State::Tcp(h) => {
                stack.sockets.get_mut::<tcp::Socket>(h).close();
                stack.closing.push(h);
            }
            State::Listener { ref backlog, .. } => {
                for &h in backlog {
                    stack.sockets.get_mut::<tcp::Socket>(h).abort();
                    stack.closing.push(h);
                }
            }
            State::Udp(h) => {
                stack.sockets.remove(h);
            }
            State::NewTcp | State::NewUdp => {}
        }
        entry.readers.wake();
        entry.writers.wake();
        stack.run();
    }
}
