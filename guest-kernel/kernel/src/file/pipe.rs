//! Pipes: a bounded byte buffer between a read end and a write end.
//!
//! A reader waits while the pipe is empty and a writer exists; it then gets what is there
//! (up to its buffer). A writer waits while the pipe is full and a reader exists, and returns
//! once all its bytes are in. Reading after the last writer has gone gives the end of file
//! (0); writing after the last reader has gone is [`Errno::BrokenPipe`].

use crate::task::scheduler;
use crate::task::wait_queue::WaitQueue;
use abi::Errno;
use alloc::collections::VecDeque;
use alloc::sync::Arc;
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
                let n = buf.len().min(state.buffer.len());
                for (dst, src) in buf.iter_mut().zip(state.buffer.drain(..n)) {
                    *dst = src;
                }
                state.write_waiters.wake_all();
                return Ok(n);
            }
            if state.writers == 0 || interrupted() {
                return Ok(0);
            }
            scheduler::prepare_to_block();
            state.read_waiters.push(scheduler::current());
            scheduler::block(state);
        }
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
            let room = CAPACITY - state.buffer.len();
            let n = room.min(data.len() - written);
            state.buffer.extend(&data[written..written + n]);
            written += n;
            if n > 0 {
                state.read_waiters.wake_all();
            }
            if written == data.len() || interrupted() {
                return Ok(written);
            }
            scheduler::prepare_to_block();
            state.write_waiters.push(scheduler::current());
            scheduler::block(state);
        }
    }
}

impl Drop for PipeReader {
    fn drop(&mut self) {
        let mut state = self.0.state.lock();
        state.readers -= 1;
        if state.readers == 0 {
            state.write_waiters.wake_all();
        }
    }
}

impl Drop for PipeWriter {
    fn drop(&mut self) {
        let mut state = self.0.state.lock();
        state.writers -= 1;
        if state.writers == 0 {
            state.read_waiters.wake_all();
        }
    }
}
