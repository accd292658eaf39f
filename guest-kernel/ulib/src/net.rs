//! Network sockets: TCP listeners and streams, UDP sockets (closed when dropped).
//!
//! The guest is `abi::net::GUEST_IP`; the other end of the wire (QEMU's host, hartlab's
//! simulated client host) is `abi::net::HOST_IP`. Reads and writes of a stream go through
//! [`crate::io`]'s `read` and `write` on its descriptor, so a stream works wherever a pipe
//! does, including the asynchronous forms of `crate::coroutine::io`.

use crate::io::{self, Fd};
use crate::syscall;
use abi::Errno;

/// A TCP socket listening for connections.
pub struct TcpListener(Fd);

/// A TCP connection.
pub struct TcpStream(Fd);

/// A UDP socket.
pub struct UdpSocket(Fd);

impl TcpListener {
    /// Listens on `port`, holding up to `backlog` connections not yet accepted.
    pub fn bind(port: u16, backlog: usize) -> Result<TcpListener, Errno> {
        let listener = TcpListener(syscall::socket(abi::socket::TCP)?);
        syscall::listen(listener.0, port, backlog)?;
        Ok(listener)
    }

    /// Waits for the next connection.
    pub fn accept(&self) -> Result<TcpStream, Errno> {
        syscall::accept(self.0).map(TcpStream)
    }

    /// The descriptor.
    pub fn fd(&self) -> Fd {
        self.0
    }
}

impl TcpStream {
    /// Connects to `addr`:`port`.
    pub fn connect(addr: [u8; 4], port: u16) -> Result<TcpStream, Errno> {
        let stream = TcpStream(syscall::socket(abi::socket::TCP)?);
        syscall::connect(stream.0, addr, port)?;
        Ok(stream)
    }

    /// Reads what has arrived (waiting for something); 0 once the peer has closed.
    pub fn read(&self, buf: &mut [u8]) -> Result<usize, Errno> {
        io::read(self.0, buf)
    }

    /// Reads exactly `buf.len()` bytes; [`Errno::ConnReset`] if the stream ends first.
    pub fn read_exact(&self, mut buf: &mut [u8]) -> Result<(), Errno> {
        while !buf.is_empty() {
            match self.read(buf)? {
                0 => return Err(Errno::ConnReset),
                n => buf = &mut buf[n..],
            }
        }
        Ok(())
    }

    /// Writes all of `buf`.
    pub fn write_all(&self, buf: &[u8]) -> Result<(), Errno> {
        io::write_all(self.0, buf)
    }

    /// The descriptor.
    pub fn fd(&self) -> Fd {
        self.0
    }

    /// Gives up the descriptor without closing it.
    pub fn into_fd(self) -> Fd {
        let fd = self.0;
        core::mem::forget(self);
        fd
    }
}

impl UdpSocket {
    /// A UDP socket receiving what is sent to `port` (0: any free port, chosen at the first
    /// send).
    pub fn bind(port: u16) -> Result<UdpSocket, Errno> {
        let socket = UdpSocket(syscall::socket(abi::socket::UDP)?);
        if port != 0 {
            syscall::bind(socket.0, port)?;
        }
        Ok(socket)
    }

    /// Sends `buf` as one datagram to `addr`:`port`.
    pub fn send_to(&self, buf: &[u8], addr: [u8; 4], port: u16) -> Result<usize, Errno> {
        syscall::send_to(self.0, buf, addr, port)
    }

    /// Waits for one datagram; its length (truncated to `buf`) and sender.
    pub fn recv_from(&self, buf: &mut [u8]) -> Result<(usize, [u8; 4], u16), Errno> {
        syscall::recv_from(self.0, buf, 0)
    }

    /// One datagram if one is there (the kernel first takes in any frame the card holds),
    /// else `None`: never waits, for servers that poll.
    pub fn try_recv_from(&self, buf: &mut [u8]) -> Result<Option<(usize, [u8; 4], u16)>, Errno> {
        match syscall::recv_from(self.0, buf, abi::socket::DONT_WAIT) {
            Ok(got) => Ok(Some(got)),
            Err(Errno::Again) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

macro_rules! close_on_drop {
    ($($t:ty),*) => {$(
        impl Drop for $t {
            fn drop(&mut self) {
                let _ = io::close(self.0);
            }
        }
    )*};
}
close_on_drop!(TcpListener, TcpStream, UdpSocket);
