//! Open files: what a process's file descriptors refer to.
//!
//! There is no file system; a descriptor names the console, one end of a pipe, a network
//! socket (`net::socket`), the right to send user interrupts to a receiver (`task::uintr`)
//! or a channel of a task-controller set (`taskctl`). Spawned processes inherit their parent's descriptors, sharing the open files:
//! a pipe end closes when the last descriptor referring to it, in any process, is closed.

pub mod pipe;

use crate::console;
use crate::net::socket::Socket;
use crate::task::uintr::ReceiverFd;
use crate::taskctl::Channel;
use abi::Errno;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::task::{Context, Poll, Waker};
use pipe::{PipeReader, PipeWriter};

/// Bytes moved per step of a read or write: a buffer on the kernel stack, so console and
/// pipe I/O allocate nothing (a `read` returns at most this many).
pub const CHUNK: usize = 256;

/// Most descriptors a process may have open (Linux's default limit: a server of COPS's
/// experiments holds one per connection).
const MAX_FILES: usize = 1024;

/// An open file.
pub enum File {
    /// Console input.
    ConsoleIn,
    /// Console output.
    ConsoleOut,
    /// The read end of a pipe.
    PipeRead(PipeReader),
    /// The write end of a pipe.
    PipeWrite(PipeWriter),
    /// A user-interrupt receiver senders may register (`uintr_create_fd`).
    UintrReceiver(ReceiverFd),
    /// A channel of a task-controller set: a token for `taskctl_connect`, neither readable
    /// nor writable.
    TaskChannel(Channel),
    /// A network socket (`net::socket`).
    Socket(Socket),
}

impl File {
    /// Reads up to `buf.len()` bytes; 0 at the end of the file (or, for the console, when no
    /// input is waiting).
    pub fn read(&self, buf: &mut [u8]) -> Result<usize, Errno> {
        match self {
            File::ConsoleIn => Ok(console::read(buf)),
            File::PipeRead(pipe) => pipe.read(buf),
            File::Socket(socket) => socket.read(buf),
            File::ConsoleOut
            | File::PipeWrite(_)
            | File::UintrReceiver(_)
            | File::TaskChannel(_) => Err(Errno::BadFd),
        }
    }

    /// Writes `data`; returns how much was written.
    pub fn write(&self, data: &[u8]) -> Result<usize, Errno> {
        match self {
            File::ConsoleOut => {
                console::write(data);
                Ok(data.len())
            }
            File::PipeWrite(pipe) => pipe.write(data),
            File::Socket(socket) => socket.write(data),
            File::ConsoleIn | File::PipeRead(_) | File::UintrReceiver(_) | File::TaskChannel(_) => {
                Err(Errno::BadFd)
            }
        }
    }
}

impl File {
    /// Whether a kernel coroutine can read this file ([`File::poll_read`]).
    pub fn polls_read(&self) -> bool {
        matches!(self, File::PipeRead(_) | File::Socket(_))
    }

    /// Whether a kernel coroutine can write this file ([`File::poll_write`]).
    pub fn polls_write(&self) -> bool {
        matches!(self, File::PipeWrite(_) | File::Socket(_))
    }

    /// [`File::read`] for a kernel coroutine: `Pending` (woken through `cx`) where a thread
    /// would wait.
    pub fn poll_read(&self, buf: &mut [u8], cx: &mut Context<'_>) -> Poll<Result<usize, Errno>> {
        match self {
            File::PipeRead(pipe) => pipe.poll_read(buf, cx).map(Ok),
            File::Socket(socket) => socket.poll_read(buf, cx),
            _ => Poll::Ready(Err(Errno::BadFd)),
        }
    }

    /// Writes some of `data` for a kernel coroutine (`Pending` where a thread would wait).
    pub fn poll_write(&self, data: &[u8], cx: &mut Context<'_>) -> Poll<Result<usize, Errno>> {
        match self {
            File::PipeWrite(pipe) => pipe.poll_write(data, cx),
            File::Socket(socket) => socket.poll_write(data, cx),
            _ => Poll::Ready(Err(Errno::BadFd)),
        }
    }
}

impl File {
    /// For `poll_readable`: the bytes a read of this byte stream (a pipe's read end or a TCP
    /// connection) would get now without waiting, `Some(0)` at its end; otherwise `None`,
    /// with `waker` left to be woken when that changes ([`File::forget_reader`] takes it
    /// back). Other files are [`Errno::Invalid`].
    pub fn readable_bytes(&self, waker: &Waker) -> Result<Option<usize>, Errno> {
        match self {
            File::PipeRead(pipe) => Ok(pipe.readable_bytes(waker)),
            File::Socket(socket) => socket.readable_bytes(waker),
            _ => Err(Errno::Invalid),
        }
    }

    /// Takes back a waker [`File::readable_bytes`] left.
    pub fn forget_reader(&self, waker: &Waker) {
        match self {
            File::PipeRead(pipe) => pipe.forget_reader(waker),
            File::Socket(socket) => socket.forget_reader(waker),
            _ => {}
        }
    }
}

/// A process's file descriptors.
#[derive(Clone, Default)]
pub struct FdTable {
    files: Vec<Option<Arc<File>>>,
}

impl FdTable {
    /// Descriptors 0, 1 and 2 on the console (input, output, errors).
    pub fn with_console() -> FdTable {
        let out = Arc::new(File::ConsoleOut);
        FdTable {
            files: alloc::vec![
                Some(Arc::new(File::ConsoleIn)),
                Some(out.clone()),
                Some(out)
            ],
        }
    }

    /// The file at `fd`.
    pub fn get(&self, fd: usize) -> Result<Arc<File>, Errno> {
        self.files.get(fd).cloned().flatten().ok_or(Errno::BadFd)
    }

    /// Puts `file` at the lowest free descriptor.
    pub fn insert(&mut self, file: Arc<File>) -> Result<usize, Errno> {
        let file = Some(file);
        if let Some(fd) = self.files.iter().position(Option::is_none) {
            self.files[fd] = file;
            return Ok(fd);
        }
        if self.files.len() == MAX_FILES {
            return Err(Errno::TooManyFiles);
        }
        self.files.push(file);
        Ok(self.files.len() - 1)
    }

    /// Takes the file at `fd` out of the table.
    pub fn remove(&mut self, fd: usize) -> Result<Arc<File>, Errno> {
        self.files
            .get_mut(fd)
            .and_then(Option::take)
            .ok_or(Errno::BadFd)
    }
}
