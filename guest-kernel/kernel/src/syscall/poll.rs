//! `poll_readable`: one thread waits until any of a set of byte streams (TCP connections,
//! pipes' read ends) can be read, and learns which and how many bytes each holds.
//!
//! COPS's KTUC model (../shared/reference/seed-systems.md §1.10) has a kernel thread poll the
//! sockets and wake the user coroutines whose data came, as epoll does. This kernel has no
//! kernel threads of its own, so a server runs the poll on a thread of its own process: the
//! call's kernel context, blocked here for the whole set, is that kernel thread. Like Linux's
//! `poll`, every wait leaves one waker on each stream that is not ready and takes it back
//! before returning; the streams wake the thread through it.

use super::Args;
use crate::file::File;
use crate::task::current_process;
use crate::task::scheduler;
use crate::task::wait_queue::WaitQueue;
use abi::Errno;
use alloc::sync::Arc;
use alloc::task::Wake;
use alloc::vec::Vec;
use core::task::Waker;
use spin::Mutex;

/// Most streams one call watches (a process's descriptor limit).
const MAX_STREAMS: usize = 1024;

/// What a waiting `poll_readable` is woken through: a flag (a stream became readable since
/// the last look) and the waiting thread.
#[derive(Default)]
struct Signal {
    state: Mutex<(bool, WaitQueue)>,
}

impl Wake for Signal {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        let mut state = self.state.lock();
        state.0 = true;
        state.1.wake_all();
    }
}

/// `poll_readable(fds: *const usize, count, ready: *mut [usize; 2], max) -> n`.
pub fn poll_readable(args: &Args) -> Result<usize, Errno> {
    let [fds, count, out, max, ..] = *args;
    if count == 0 || count > MAX_STREAMS || max == 0 {
        return Err(Errno::Invalid);
    }
    let process = current_process();
    let mut words = alloc::vec![0u8; count * 8];
    process.space.lock().read(fds, &mut words)?;
    let files = words
        .chunks_exact(8)
        .map(|w| process.file(u64::from_le_bytes(w.try_into().unwrap_or([0; 8])) as usize))
        .collect::<Result<Vec<_>, _>>()?;
    let max = max.min(count);
    process.space.lock().check_writable(out, max * 16)?;
    let signal = Arc::new(Signal::default());
    let waker = Waker::from(signal.clone());
    let ready = wait_readable(&files, max, &signal, &waker);
    for file in &files {
        file.forget_reader(&waker);
    }
    let ready = ready?;
    let mut bytes = Vec::with_capacity(ready.len() * 16);
    for (index, available) in &ready {
        bytes.extend_from_slice(&(*index as u64).to_le_bytes());
        bytes.extend_from_slice(&(*available as u64).to_le_bytes());
    }
    process.space.lock().write(out, &bytes)?;
    Ok(ready.len())
}

/// Waits until some of `files` are readable; returns up to `max` of them as (index, bytes).
fn wait_readable(
    files: &[Arc<File>],
    max: usize,
    signal: &Signal,
    waker: &Waker,
) -> Result<Vec<(usize, usize)>, Errno> {
    loop {
        signal.state.lock().0 = false;
        let mut ready = Vec::new();
        for (index, file) in files.iter().enumerate() {
            if let Some(available) = file.readable_bytes(waker)? {
                ready.push((index, available));
                if ready.len() == max {
                    break;
                }
            }
        }
        if !ready.is_empty() {
            return Ok(ready);
        }
        let mut state = signal.state.lock();
        // A stream became readable while the others were looked at: look again.
        if state.0 {
            continue;
        }
        if current_process().is_exiting() {
            return Err(Errno::Again);
        }
        scheduler::prepare_to_block();
        state.1.push(scheduler::current());
        scheduler::block(state);
    }
}
