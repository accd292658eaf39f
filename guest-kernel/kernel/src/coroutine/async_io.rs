//! Asynchronous system calls (COPS §1.8–1.9): `read` and `write` on a pipe that return at
//! once and complete later in a kernel coroutine, which wakes the calling coroutine.
//!
//! A coroutine process first calls `coroutine_async(path, arg)` ([`setup`]): the kernel maps
//! the process's completion ring (`abi::Completions`, one page at
//! `abi::layout::COROUTINE_COMPLETIONS`) and remembers how to announce a completion
//! (`abi::async_wake`). A `read(fd, buf, len, key, coroutine)` with `key` ≠ 0 then checks its
//! arguments, spawns a system-call coroutine on the kernel's executor ([`submit`]) and
//! returns 0. The coroutine waits on the pipe with a waker (where a thread would block),
//! copies the bytes into the process when they come, posts `(key, coroutine, result)` to the
//! ring and announces it:
//!
//! - `POLL`: not at all; the runtime looks at the ring between coroutines;
//! - `USIP` (COPS): the kernel sets the receiver thread's `sip.USIP` (`task::uintr::raise`);
//! - `UINTC`: the kernel sends a vector to the receiver's UINTC slot (`task::uintr::send`);
//! - `TASKCTL`: the kernel's task-controller set sends to a channel of the process's set,
//!   and the device enqueues the handler the process bound there (`taskctl`);
//! - `TASKCTL_BOUND`: the same to the channel the call's key names, where the calling
//!   coroutine itself is bound, so that the device queues it as ready (TAIC's wake-up).
//!
//! Whatever the path, a virtual core of the process that waits for work is woken too (the
//! executor's epoch futex): a process that is not running learns of a completion only when
//! the kernel schedules it. At most `abi::COMPLETION_RECORDS` calls of a process are in
//! flight ([`Errno::Again`] beyond), so the ring cannot overflow; the kernel keeps its own
//! count of posted records and trusts nothing the process wrote to the ring but `head`, which
//! only decides whether the process's own records fit. When the process ends, its calls in
//! flight are cancelled and post nothing.

use crate::file::{File, CHUNK};
use crate::mm::{self, Perm, PAGE_SIZE};
use crate::syscall::net::NET_CHUNK;
use crate::task::scheduler;
use crate::task::thread::Thread;
use crate::task::wait_queue::WaitQueue;
use crate::task::Process;
use abi::layout::COROUTINE_COMPLETIONS;
use abi::{async_wake, Completion, Completions, Errno, COMPLETION_RECORDS};
use alloc::sync::{Arc, Weak};
use alloc::vec;
use alloc::vec::Vec;
use core::future::poll_fn;
use core::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use core::task::{Poll, Waker};
use spin::Mutex;

/// A process's asynchronous-call state, made by its first `coroutine_async`.
pub struct AsyncState {
    /// Physical address of the completion ring's page.
    ring: usize,
    /// The wake-up path (`abi::async_wake`) and its argument.
    path: AtomicUsize,
    arg: AtomicUsize,
    /// For `TASKCTL`: what the kernel's set writes to its SEND register.
    send: AtomicU64,
    /// The thread a user interrupt goes to (`USIP`, `UINTC`).
    receiver: Mutex<Weak<Thread>>,
    /// Records posted (the kernel's own `tail`); held while posting.
    posted: Mutex<u64>,
    /// The calls in flight, to cancel when the process ends.
    calls: Mutex<Vec<Arc<Call>>>,
}

/// One call in flight.
struct Call {
    cancelled: AtomicBool,
    /// The kernel coroutine's waker, once it has waited (to wake it for cancellation).
    waker: Mutex<Option<Waker>>,
}

impl AsyncState {
    fn ring(&self) -> *mut Completions {
        self.ring as *mut Completions
    }
}

/// `coroutine_async(path, arg)` for `thread`: maps the ring on the first call and sets the
/// wake-up path. `USIP` and `UINTC` need `thread` to be a user-interrupt receiver; `TASKCTL`
/// needs the process's task-controller set (`taskctl_open`) and `arg` below its channels.
pub fn setup(thread: &Arc<Thread>, path: usize, arg: usize) -> Result<usize, Errno> {
    let process = &thread.process;
    if process.coroutine.get().is_none() {
        return Err(Errno::Invalid);
    }
    let send = match path {
        async_wake::POLL => 0,
        async_wake::USIP | async_wake::UINTC => {
            if !crate::task::uintr::is_receiver(thread) || arg >= 64 {
                return Err(Errno::Invalid);
            }
            0
        }
        async_wake::TASKCTL => {
            if arg >= crate::taskctl::channels()? {
                return Err(Errno::Invalid);
            }
            let set = process.existing_task_set().ok_or(Errno::Invalid)?;
            let send = crate::taskctl::allow(crate::taskctl::kernel_set()?, &set, arg);
            // A receiver running here puts the set online now, so that the device's
            // wake-ups interrupt it (it would otherwise wait for its next switch-in).
            crate::task::uintr::switch_in(thread);
            send
        }
        async_wake::TASKCTL_BOUND => {
            let set = process.existing_task_set().ok_or(Errno::Invalid)?;
            let kernel = crate::taskctl::kernel_set()?;
            // Every channel a key can name; the value for channel 0, to which a call's
            // channel is added.
            let mut send = 0;
            for channel in (0..crate::taskctl::channels()?.min(64)).rev() {
                send = crate::taskctl::allow(kernel, &set, channel);
            }
            send
        }
        _ => return Err(Errno::Invalid),
    };
    let state = process.async_io.try_call_once(|| {
        let ring = {
            let mut space = process.space.lock();
            space.map_zeroed(
                COROUTINE_COMPLETIONS..COROUTINE_COMPLETIONS + PAGE_SIZE,
                Perm::ReadWrite,
            )?;
            space
                .physical(COROUTINE_COMPLETIONS)
                .ok_or(Errno::NoMemory)?
        };
        mm::flush_local();
        Ok::<AsyncState, Errno>(AsyncState {
            ring,
            path: AtomicUsize::new(path),
            arg: AtomicUsize::new(arg),
            send: AtomicU64::new(send),
            receiver: Mutex::new(Weak::new()),
            posted: Mutex::new(0),
            calls: Mutex::new(Vec::new()),
        })
    })?;
    state.path.store(path, Ordering::Release);
    state.arg.store(arg, Ordering::Release);
    state.send.store(send, Ordering::Release);
    *state.receiver.lock() = Arc::downgrade(thread);
    Ok(COROUTINE_COMPLETIONS)
}

/// The most one step of a call on `file` moves: a socket's larger steps keep a response
/// to one run of the network stack.
fn step(file: &File) -> usize {
    if matches!(file, File::Socket(_)) {
        NET_CHUNK
    } else {
        CHUNK
    }
}

/// What an asynchronous call does.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Read,
    Write,
}

/// An asynchronous `read`/`write` of `len` bytes at `buf` on `file` for `process`: checks,
/// spawns the kernel coroutine, returns 0.
pub fn submit(
    process: &Arc<Process>,
    file: Arc<File>,
    op: Op,
    [buf, len, key, coroutine]: [usize; 4],
) -> Result<usize, Errno> {
    let state = process.async_io.get().ok_or(Errno::Invalid)?;
    check(process, &file, op, buf, len)?;
    let call = Arc::new(Call {
        cancelled: AtomicBool::new(false),
        waker: Mutex::new(None),
    });
    {
        let mut calls = state.calls.lock();
        if calls.len() >= COMPLETION_RECORDS {
            return Err(Errno::Again);
        }
        calls.push(call.clone());
    }
    let process = process.clone();
    super::kernel_executor::spawn_syscall(async move {
        let result = match op {
            Op::Read => read(&process, &file, &call, buf, step(&file).min(len)).await,
            Op::Write => write(&process, &file, &call, buf, len).await,
        };
        let state = process.async_io.get().expect("set up before the call");
        state.calls.lock().retain(|c| !Arc::ptr_eq(c, &call));
        if let Some(result) = result {
            post(&process, state, key as u64, coroutine as u64, result);
        }
    });
    Ok(0)
}

/// Whether `op` can be done on `file` by a kernel coroutine, with a read's buffer writable
/// (checked before the call, so a bad pointer loses no input).
fn check(process: &Process, file: &File, op: Op, buf: usize, len: usize) -> Result<(), Errno> {
    match op {
        Op::Read if file.polls_read() => process
            .space
            .lock()
            .check_writable(buf, step(file).min(len)),
        Op::Write if file.polls_write() => Ok(()),
        _ => Err(Errno::BadFd),
    }
}

/// A `read`/`write` with `abi::BLOCKING_KEY` (COPS's KCUT): a kernel system-call coroutine
/// does it, as for an asynchronous call, and wakes the calling thread, which blocks until
/// then; returns the call's result.
pub fn call_blocking(
    process: &Arc<Process>,
    file: Arc<File>,
    op: Op,
    buf: usize,
    len: usize,
) -> Result<usize, Errno> {
    check(process, &file, op, buf, len)?;
    // The result once the coroutine has it, and the thread waiting for it.
    let done: Arc<Mutex<(Option<isize>, WaitQueue)>> =
        Arc::new(Mutex::new((None, WaitQueue::new())));
    let finished = done.clone();
    let owner = process.clone();
    super::kernel_executor::spawn_syscall(async move {
        // Nobody cancels it: the thread waits for it, and a process that ends closes the file,
        // which ends the call.
        let call = Call {
            cancelled: AtomicBool::new(false),
            waker: Mutex::new(None),
        };
        let result = match op {
            Op::Read => read(&owner, &file, &call, buf, step(&file).min(len)).await,
            Op::Write => write(&owner, &file, &call, buf, len).await,
        };
        let mut slot = finished.lock();
        slot.0 = Some(result.unwrap_or_else(|| Errno::Again.to_ret()));
        slot.1.wake_one();
    });
    loop {
        let mut slot = done.lock();
        if let Some(result) = slot.0 {
            return Errno::check(result);
        }
        scheduler::prepare_to_block();
        slot.1.push(scheduler::current());
        scheduler::block(slot);
    }
}

/// Whether `call` was cancelled; otherwise keeps `waker` to wake it for cancellation.
fn cancelled(call: &Call, waker: &Waker) -> bool {
    let mut slot = call.waker.lock();
    if call.cancelled.load(Ordering::Acquire) {
        return true;
    }
    if !slot.as_ref().is_some_and(|w| w.will_wake(waker)) {
        *slot = Some(waker.clone());
    }
    false
}

/// Reads up to `len` (≤ [`step`]) bytes into `buf`; `None` if cancelled.
async fn read(
    process: &Process,
    file: &File,
    call: &Call,
    buf: usize,
    len: usize,
) -> Option<isize> {
    let mut data = vec![0u8; len];
    poll_fn(|cx| {
        if cancelled(call, cx.waker()) {
            return Poll::Ready(None);
        }
        let read = core::task::ready!(file.poll_read(&mut data, cx));
        let copied = read.and_then(|n| process.space.lock().write(buf, &data[..n]).map(|()| n));
        Poll::Ready(Some(match copied {
            Ok(n) => n as isize,
            Err(errno) => errno.to_ret(),
        }))
    })
    .await
}

/// Writes all `len` bytes at `buf`; `None` if cancelled.
async fn write(
    process: &Process,
    file: &File,
    call: &Call,
    buf: usize,
    len: usize,
) -> Option<isize> {
    let mut done = 0;
    let mut data = vec![0u8; step(file).min(len)];
    poll_fn(|cx| loop {
        if cancelled(call, cx.waker()) {
            return Poll::Ready(None);
        }
        if done == len {
            return Poll::Ready(Some(done as isize));
        }
        let n = data.len().min(len - done);
        if let Err(errno) = process.space.lock().read(buf + done, &mut data[..n]) {
            return Poll::Ready(Some(if done > 0 {
                done as isize
            } else {
                errno.to_ret()
            }));
        }
        match core::task::ready!(file.poll_write(&data[..n], cx)) {
            Ok(written) => done += written,
            Err(errno) => {
                return Poll::Ready(Some(if done > 0 {
                    done as isize
                } else {
                    errno.to_ret()
                }))
            }
        }
    })
    .await
}

/// Posts a completion to `process`'s ring and announces it by the process's path.
fn post(process: &Process, state: &AsyncState, key: u64, coroutine: u64, result: isize) {
    if process.is_exiting() {
        return;
    }
    {
        let mut posted = state.posted.lock();
        let ring = state.ring();
        // SAFETY: the ring's page is the process's, identity mapped in the kernel and alive
        // with the process (the call holds it); the process may write it at any time, so it
        // is read and written with volatile word accesses only.
        unsafe {
            let head = (&raw const (*ring).head).read_volatile();
            // A process that corrupted `head` loses only its own completions.
            if posted.wrapping_sub(head) >= COMPLETION_RECORDS as u64 {
                return;
            }
            let slot = (*posted % COMPLETION_RECORDS as u64) as usize;
            (&raw mut (*ring).records[slot]).write_volatile(Completion {
                key,
                coroutine,
                result: result as i64,
                reserved: 0,
            });
            *posted += 1;
            core::sync::atomic::fence(Ordering::Release);
            (&raw mut (*ring).tail).write_volatile(*posted);
        }
    }
    match state.path.load(Ordering::Acquire) {
        async_wake::USIP => {
            if let Some(thread) = state.receiver.lock().upgrade() {
                let _ = crate::task::uintr::raise(&thread);
            }
        }
        async_wake::UINTC => {
            if let Some(thread) = state.receiver.lock().upgrade() {
                let _ = crate::task::uintr::send(&thread, state.arg.load(Ordering::Relaxed));
            }
        }
        async_wake::TASKCTL => {
            if let Ok(set) = crate::taskctl::kernel_set() {
                set.send(state.send.load(Ordering::Relaxed));
            }
        }
        async_wake::TASKCTL_BOUND => {
            if let (Some(channel), Ok(set)) =
                (async_wake::bound_channel(key), crate::taskctl::kernel_set())
            {
                set.send(state.send.load(Ordering::Relaxed) | channel as u64);
            }
        }
        _ => {}
    }
    if let Some(space) = process.coroutine.get() {
        space.wake_idle();
    }
}

/// `process` is ending: its calls in flight post nothing and end.
pub fn cancel_all(process: &Process) {
    let Some(state) = process.async_io.get() else {
        return;
    };
    let calls = core::mem::take(&mut *state.calls.lock());
    for call in calls {
        let waker = {
            let mut slot = call.waker.lock();
            call.cancelled.store(true, Ordering::Release);
            slot.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}
