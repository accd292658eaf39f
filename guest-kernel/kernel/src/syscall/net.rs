//! Sockets: socket, listen, accept, connect, bind, send_to, recv_from, and the socket side of
//! read and write (which move up to [`NET_CHUNK`] bytes per step, not the pipes' 256).

use super::Args;
use crate::file::File;
use crate::net::socket::Socket;
use crate::task::{current_process, Process};
use abi::Errno;
use alloc::vec;

/// Bytes a socket `read` returns at most, and a socket `write` copies per step.
pub const NET_CHUNK: usize = 16 * 1024;

/// The largest UDP payload: a 1500-byte IP packet (the stack does not fragment).
const MAX_DATAGRAM: usize = 1472;

/// The socket at `fd` of the calling process, with the file that holds it.
fn socket_at(process: &Process, fd: usize) -> Result<alloc::sync::Arc<File>, Errno> {
    let file = process.file(fd)?;
    match &*file {
        File::Socket(_) => Ok(file),
        _ => Err(Errno::BadFd),
    }
}

/// Runs `f` on the socket at `fd`.
fn with_socket<R>(
    fd: usize,
    f: impl FnOnce(&Process, &Socket) -> Result<R, Errno>,
) -> Result<R, Errno> {
    let process = current_process();
    let file = socket_at(&process, fd)?;
    let File::Socket(socket) = &*file else {
        return Err(Errno::BadFd);
    };
    f(&process, socket)
}

/// `socket(kind)`.
pub fn socket(args: &Args) -> Result<usize, Errno> {
    let socket = Socket::new(args[0])?;
    current_process().open(File::Socket(socket))
}

/// `listen(fd, port, backlog)`.
pub fn listen(args: &Args) -> Result<usize, Errno> {
    let [fd, port, backlog, ..] = *args;
    with_socket(fd, |_, s| s.listen(port, backlog)).map(|()| 0)
}

/// `accept(fd)`.
pub fn accept(args: &Args) -> Result<usize, Errno> {
    let connection = with_socket(args[0], |_, s| s.accept())?;
    current_process().open(File::Socket(connection))
}

/// `connect(fd, ipv4, port)`.
pub fn connect(args: &Args) -> Result<usize, Errno> {
    let [fd, addr, port, ..] = *args;
    with_socket(fd, |_, s| s.connect(addr, port)).map(|()| 0)
}

/// `bind(fd, port)`.
pub fn bind(args: &Args) -> Result<usize, Errno> {
    let [fd, port, ..] = *args;
    with_socket(fd, |_, s| s.bind(port)).map(|()| 0)
}

/// `send_to(fd, buf, len, ipv4, port)`.
pub fn send_to(args: &Args) -> Result<usize, Errno> {
    let [fd, buf, len, addr, port, _] = *args;
    if len > MAX_DATAGRAM {
        return Err(Errno::Invalid);
    }
    with_socket(fd, |process, s| {
        let mut data = vec![0u8; len];
        process.space.lock().read(buf, &mut data)?;
        s.send_to(&data, addr, port)
    })
}

/// `recv_from(fd, buf, len, from, flags)`.
pub fn recv_from(args: &Args) -> Result<usize, Errno> {
    let [fd, buf, len, from, flags, _] = *args;
    if flags & !abi::socket::DONT_WAIT != 0 {
        return Err(Errno::Invalid);
    }
    with_socket(fd, |process, s| {
        let len = len.min(NET_CHUNK);
        process.space.lock().check_writable(buf, len)?;
        let mut data = vec![0u8; len];
        let (n, addr, port) = if flags & abi::socket::DONT_WAIT != 0 {
            s.try_recv_from(&mut data)?
        } else {
            s.recv_from(&mut data)?
        };
        let space = process.space.lock();
        space.write(buf, &data[..n])?;
        if from != 0 {
            let mut out = [0u8; 8];
            out[..4].copy_from_slice(&u32::from_be_bytes(addr).to_le_bytes());
            out[4..].copy_from_slice(&u32::from(port).to_le_bytes());
            space.write(from, &out)?;
        }
        Ok(n)
    })
}

/// A synchronous `read` of a socket: up to [`NET_CHUNK`] bytes.
pub fn read(process: &Process, socket: &Socket, buf: usize, len: usize) -> Result<usize, Errno> {
    let len = len.min(NET_CHUNK);
    process.space.lock().check_writable(buf, len)?;
    let mut data = vec![0u8; len];
    let n = socket.read(&mut data)?;
    process.space.lock().write(buf, &data[..n])?;
    Ok(n)
}

/// A synchronous `write` of a socket: all `len` bytes, [`NET_CHUNK`] at a time.
pub fn write(process: &Process, socket: &Socket, buf: usize, len: usize) -> Result<usize, Errno> {
    let mut data = vec![0u8; len.min(NET_CHUNK)];
    let mut done = 0;
    while done < len {
        let n = data.len().min(len - done);
        process.space.lock().read(buf + done, &mut data[..n])?;
        let written = match socket.write(&data[..n]) {
            Ok(written) => written,
            Err(_) if done > 0 => break,
            Err(e) => return Err(e),
        };
        done += written;
        if written < n {
            break;
        }
    }
    Ok(done)
}
