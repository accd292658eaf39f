//! Pipes: a bounded byte buffer between a read end and a write end.
//!
//! A reader waits while the pipe is empty and a writer exists; it then gets what is there
//! (up to its buffer). A writer waits while the pipe is full and a reader exists, and returns
//! once all its bytes are in. Reading after the last writer has gone gives the end of file
//! (0); writing after the last reader has gone is [`Errno::BrokenPipe`].
//!
//! Kernel coroutines (asynchronous calls, `coroutine::async_io`) use the same pipe through
//! [`PipeReader::poll_read`] and [`PipeWriter::poll_write`]: they wait with a waker where a
//! thread waits in a wait queue, and every wake-up of the pipe wakes both kinds.

use crate::task::scheduler;
use crate::task::wait_queue::WaitQueue;
use abi::Errno;
use alloc::collections::VecDeque;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::task::{Context, Poll, Waker};
use spin::Mutex;

/// Bytes a pipe holds.
pub const CAPACITY: usize = 4096;

/// The shared part of a pipe.
struct Pipe {
    state: Mutex<PipeState>,
}

struct PipeState {
    buffer: VecDeque<u8>,
    readers: usize,
    writers: usize,
    /// Readers waiting for bytes.
    read_waiters: WaitQueue,
    /// Writers waiting for room.
    write_waiters: WaitQueue,
    /// Kernel coroutines waiting for bytes.
    read_wakers: Vec<Waker>,
    /// Kernel coroutines waiting for room.
    write_wakers: Vec<Waker>,
}

impl PipeState {
    /// Bytes arrived, or the last writer left: wake every reader.
    fn wake_readers(&mut self) {
        self.read_waiters.wake_all();
        self.read_wakers.drain(..).for_each(Waker::wake);
    }

    /// Room appeared, or the last reader left: wake every writer.
    fn wake_writers(&mut self) {
        self.write_waiters.wake_all();
        self.write_wakers.drain(..).for_each(Waker::wake);
    }

    /// Moves up to `buf.len()` bytes out (at least one is there).
    fn take(&mut self, buf: &mut [u8]) -> usize {
        let n = buf.len().min(self.buffer.len());
        for (dst, src) in buf.iter_mut().zip(self.buffer.drain(..n)) {
            *dst = src;
        }
        self.wake_writers();
        n
    }

    /// Moves as much of `data` in as there is room for.
    fn put(&mut self, data: &[u8]) -> usize {
        let n = (CAPACITY - self.buffer.len()).min(data.len());
        self.buffer.extend(&data[..n]);
        if n > 0 {
            self.wake_readers();
        }
        n
    }
}

/// The read end (closing it is dropping it).
pub struct PipeReader(Arc<Pipe>);
/// The write end (closing it is dropping it).
pub struct PipeWriter(Arc<Pipe>);

/// A new pipe's two ends.
pub fn new() -> (PipeReader, PipeWriter) {
    let pipe = Arc::new(Pipe {
        state: Mutex::new(PipeState {
            buffer: VecDeque::with_capacity(CAPACITY),
            readers: 1,
            writers: 1,
            read_waiters: WaitQueue::new(),
            write_waiters: WaitQueue::new(),
            read_wakers: Vec::new(),
            write_wakers: Vec::new(),
        }),
    });
    (PipeReader(pipe.clone()), PipeWriter(pipe))
}

/// Whether the running thread's process is ending (a wait then gives up).
fn interrupted() -> bool {
    crate::task::current_process().is_exiting()
}

impl PipeReader {
    /// Reads up to `buf.len()` bytes, waiting for some; 0 at the end of the file.
    pub fn read(&self, buf: &mut [u8]) -> Result<usize, Errno> {
        if buf.is_empty() {
            return Ok(0);
        }
        loop {
            let mut state = self.0.state.lock();
            if !state.buffer.is_empty() {
                return Ok(state.take(buf));
            }
            if state.writers == 0 || interrupted() {
                return Ok(0);
            }
            scheduler::prepare_to_block();
            state.read_waiters.push(scheduler::current());
            scheduler::block(state);
        }
    }

    /// [`PipeReader::read`] for a kernel coroutine: `Pending` (woken later through `cx`)
    /// where a thread would wait.
    pub fn poll_read(&self, buf: &mut [u8], cx: &mut Context<'_>) -> Poll<usize> {
        let mut state = self.0.state.lock();
        if !buf.is_empty() && !state.buffer.is_empty() {
            return Poll::Ready(state.take(buf));
        }
        if buf.is_empty() || state.writers == 0 {
            return Poll::Ready(0);
        }
        state.read_wakers.push(cx.waker().clone());
        Poll::Pending
    }
}

impl PipeReader {
    /// For `poll_readable`: the bytes a read would get now without waiting (`Some(0)`: the
    /// end of the file), or `None` after leaving `waker` to be woken when there are some. A
    /// waker already left there is not left twice.
    pub fn readable_bytes(&self, waker: &Waker) -> Option<usize> {
        let mut state = self.0.state.lock();
        if !state.buffer.is_empty() || state.writers == 0 {
            return Some(state.buffer.len());
        }
        if !state.read_wakers.iter().any(|w| w.will_wake(waker)) {
            state.read_wakers.push(waker.clone());
        }
        None
    }

    /// Takes back a waker [`PipeReader::readable_bytes`] left.
    pub fn forget_reader(&self, waker: &Waker) {
        self.0
            .state
            .lock()
            .read_wakers
            .retain(|w| !w.will_wake(waker));
    }
}

impl PipeWriter {
    /// Writes all of `data`, waiting for room as needed.
    pub fn write(&self, data: &[u8]) -> Result<usize, Errno> {
        let mut written = 0;
        loop {
            let mut state = self.0.state.lock();
            if state.readers == 0 {
                return if written > 0 {
                    Ok(written)
                } else {
                    Err(Errno::BrokenPipe)
                };
            }
            written += state.put(&data[written..]);
            if written == data.len() || interrupted() {
                return Ok(written);
            }
            scheduler::prepare_to_block();
            state.write_waiters.push(scheduler::current());
            scheduler::block(state);
        }
    }

    /// One step of [`PipeWriter::write`] for a kernel coroutine: as much of `data` as there
    /// is room for (at least one byte), `Pending` while the pipe is full.
    pub fn poll_write(&self, data: &[u8], cx: &mut Context<'_>) -> Poll<Result<usize, Errno>> {
        let mut state = self.0.state.lock();
        if state.readers == 0 {
            return Poll::Ready(Err(Errno::BrokenPipe));
        }
        if data.is_empty() {
            return Poll::Ready(Ok(0));
        }
        match state.put(data) {
            0 => {
                state.write_wakers.push(cx.waker().clone());
                Poll::Pending
            }
            n => Poll::Ready(Ok(n)),
        }
    }
}

impl Drop for PipeReader {
    fn drop(&mut self) {
        let mut state = self.0.state.lock();
        state.readers -= 1;
        if state.readers == 0 {
            state.wake_writers();
        }
    }
}

impl Drop for PipeWriter {
    fn drop(&mut self) {
        let mut state = self.0.state.lock();
        state.writers -= 1;
        if state.writers == 0 {
            state.wake_readers();
        }
    }
}
