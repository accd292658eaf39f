//! Asynchronous `read` and `write` (COPS's asynchronous system calls): the call returns at
//! once, a kernel coroutine does the work, and the calling coroutine is woken when it is done.
//!
//! ```ignore
//! coroutine::io::setup(WakePath::Uintc { vector: 0 })?;
//! let (result, buf) = coroutine::io::read(fd, vec![0; 64]).await;
//! ```
//!
//! [`setup`] chooses how the kernel announces a completion (`abi::async_wake`): not at all
//! (the runtime looks between coroutines), a user interrupt it raises itself (COPS's
//! `uip.USIP`), a UINTC send, or a task-controller channel wake-up. Every completion is a
//! record `(key, coroutine, result)` in the process's ring (`abi::Completions`), which the
//! runtime drains between coroutines and the user-interrupt handler drains at once.
//!
//! A call's buffer is owned by the future and handed back with the result: the kernel writes
//! into it after the call has returned, so it must outlive the call. A future dropped while
//! its call is in flight leaks its buffer (the kernel may still write there) and ignores the
//! result.
//!
//! Waiting calls sit in a fixed table of [`COMPLETION_RECORDS`] slots, moved between states
//! with compare-and-swap only, so the interrupt handler never waits for a lock the code it
//! interrupted might hold. A call's key is its slot and a generation, so a late record of a
//! dropped call is recognised and ignored.

use super::{current, executor, payload};
use crate::io::Fd;
use crate::syscall;
use crate::taskctl::{self, TaskSet};
use abi::layout::COROUTINE_COMPLETIONS;
use abi::{async_wake, Completion, Errno, COMPLETION_RECORDS};
use alloc::vec::Vec;
use core::cell::UnsafeCell;
use core::future::Future;
use core::pin::Pin;
use core::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, AtomicUsize, Ordering};
use core::task::{Context, Poll, Waker};

/// How the kernel announces a completed call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WakePath {
    /// No announcement: the runtime finds completions between coroutines.
    Poll,
    /// COPS: the kernel sets this thread's `sip.USIP` itself.
    Usip,
    /// The kernel sends user-interrupt `vector` (below 64) to this thread's UINTC slot.
    Uintc { vector: usize },
    /// The kernel's task-controller set wakes a channel of this process's set. On the
    /// software queues the runtime binds a marker of its own to `channel` and wakes the
    /// coroutine when the device hands the marker out; on the task controller's queues each
    /// waiting coroutine binds itself to a channel of its call, and the device queues it
    /// as ready with no thread's help (TAIC's wake-up; `channel` is unused).
    TaskCtl { channel: usize },
}

impl WakePath {
    /// The path named `name` (`poll`, `usip`, `uintc`, `taskctl`), with vector or channel 0.
    pub fn from_name(name: &str) -> Option<WakePath> {
        match name {
            "poll" => Some(WakePath::Poll),
            "usip" => Some(WakePath::Usip),
            "uintc" => Some(WakePath::Uintc { vector: 0 }),
            "taskctl" => Some(WakePath::TaskCtl { channel: 0 }),
            _ => None,
        }
    }

    /// `abi::async_wake`'s number and argument.
    fn encode(self) -> (usize, usize) {
        match self {
            WakePath::Poll => (async_wake::POLL, 0),
            WakePath::Usip => (async_wake::USIP, 0),
            WakePath::Uintc { vector } => (async_wake::UINTC, vector),
            WakePath::TaskCtl { channel } => (async_wake::TASKCTL, channel),
        }
    }
}

/// The ring is mapped (a first [`setup`] succeeded).
static READY: AtomicBool = AtomicBool::new(false);
/// The calling thread registered the user-interrupt handler.
static RECEIVER: AtomicBool = AtomicBool::new(false);
/// For [`WakePath::TaskCtl`]: the set's address (0: another path) and the channel.
static TASK_SET: AtomicUsize = AtomicUsize::new(0);
static CHANNEL: AtomicUsize = AtomicUsize::new(0);
/// For [`WakePath::TaskCtl`] on the task controller's queues: the set's address, to whose
/// channels calls bind their coroutines (0: another path).
static BOUND_SET: AtomicUsize = AtomicUsize::new(0);
/// Calls whose coroutine was bound to a channel.
static BOUND_CALLS: AtomicU64 = AtomicU64::new(0);

/// Lets this coroutine process make asynchronous calls, announced by `path`. A path the
/// machine cannot offer (QEMU has neither UINTC nor task controller) fails with
/// [`Errno::NoDevice`] and changes nothing. [`WakePath::Usip`] and [`WakePath::Uintc`] make
/// the calling thread (a virtual core of [`super::block_on`]) the one interrupts go to.
/// [`WakePath::TaskCtl`] on the task controller's queues binds each waiting coroutine
/// itself (`abi::async_wake::TASKCTL_BOUND`).
pub fn setup(path: WakePath) -> Result<(), Errno> {
    let _ = payload();
    if matches!(path, WakePath::TaskCtl { .. }) && super::on_task_controller() {
        let set = TaskSet::open()?.address();
        // SAFETY: the arguments are numbers.
        unsafe { syscall::call(abi::nr::COROUTINE_ASYNC, &[async_wake::TASKCTL_BOUND, 0]) }?;
        TASK_SET.store(0, Ordering::Release);
        BOUND_SET.store(set, Ordering::Release);
        READY.store(true, Ordering::Release);
        return Ok(());
    }
    BOUND_SET.store(0, Ordering::Release);
    let mut set = 0;
    match path {
        WakePath::Poll => {}
        WakePath::Usip | WakePath::Uintc { .. } => {
            if !RECEIVER.load(Ordering::Acquire) {
                crate::uintr::register_handler(on_user_interrupt)?;
                RECEIVER.store(true, Ordering::Release);
            }
        }
        WakePath::TaskCtl { .. } => {
            set = TaskSet::open()?.address();
            // With a receiver running, the device's wake-up interrupts it (the preempt flag);
            // without a UINTC the runtime still finds it between coroutines.
            if !RECEIVER.load(Ordering::Acquire)
                && crate::uintr::register_handler(on_user_interrupt).is_ok()
            {
                RECEIVER.store(true, Ordering::Release);
            }
        }
    }
    let (number, arg) = path.encode();
    // SAFETY: the arguments are numbers.
    unsafe { syscall::call(abi::nr::COROUTINE_ASYNC, &[number, arg]) }?;
    CHANNEL.store(arg, Ordering::Relaxed);
    TASK_SET.store(set, Ordering::Release);
    READY.store(true, Ordering::Release);
    Ok(())
}

/// Reads up to `buf.len()` bytes (at most 256 from a pipe, 16 KiB from a socket) from `fd`
/// without blocking the thread; the future gives back the result and the buffer.
pub fn read(fd: Fd, buf: Vec<u8>) -> Call {
    Call::new(abi::nr::READ, fd, buf)
}

/// Writes all of `buf` to the pipe or socket `fd` without blocking the thread; the future gives back
/// the result and the buffer.
pub fn write(fd: Fd, buf: Vec<u8>) -> Call {
    Call::new(abi::nr::WRITE, fd, buf)
}

/// Slot states (the low 32 bits of a slot's word; the high 32 are its generation, bumped at
/// each reuse and part of the call's key, so a late record of an earlier call never
/// completes a later one).
const FREE: u64 = 0;
/// Taken by a call that has not yet made its system call.
const ARMING: u64 = 1;
/// A call whose coroutine is bound to the slot's channel was dropped in flight: the slot
/// waits for the call's record, so that no other call binds the channel before the device
/// has fired it.
const ORPHANED: u64 = 5;
/// The call is in flight; the slot holds its waker.
const WAITING: u64 = 2;
/// A drainer is taking the waker.
const COMPLETING: u64 = 3;
/// The result is in.
const DONE: u64 = 4;

/// A call's place in the table.
struct Slot {
    /// Generation `<< 32 |` state.
    word: AtomicU64,
    result: AtomicI64,
    /// Written in `ARMING`, taken in `COMPLETING` or by the dropping call.
    waker: UnsafeCell<Option<Waker>>,
}

impl Slot {
    /// Moves generation `generation` from state `from` to `to`.
    fn shift(&self, generation: u64, from: u64, to: u64) -> Result<(), u64> {
        self.word
            .compare_exchange(
                generation << 32 | from,
                generation << 32 | to,
                Ordering::AcqRel,
                Ordering::Acquire,
            )
            .map(|_| ())
            .map_err(|word| word & 0xffff_ffff)
    }
}

/// The waiting calls.
struct Slots([Slot; COMPLETION_RECORDS]);

// SAFETY: `waker` is only touched by the one party the state machine admits.
unsafe impl Sync for Slots {}

static SLOTS: Slots = Slots(
    [const {
        Slot {
            word: AtomicU64::new(FREE),
            result: AtomicI64::new(0),
            waker: UnsafeCell::new(None),
        }
    }; COMPLETION_RECORDS],
);

/// The key of slot `index` in generation `generation` (never 0).
fn key(index: usize, generation: u64) -> u64 {
    generation << 8 | (index as u64 + 1)
}

/// An asynchronous call ([`read`], [`write`]).
pub struct Call {
    nr: usize,
    fd: Fd,
    buf: Option<Vec<u8>>,
    /// The slot and its generation, once the call is made.
    slot: Option<(usize, u64)>,
    /// Whether its coroutine is bound to the slot's channel.
    bound: bool,
}

impl Call {
    fn new(nr: usize, fd: Fd, buf: Vec<u8>) -> Call {
        Call {
            nr,
            fd,
            buf: Some(buf),
            slot: None,
            bound: false,
        }
    }

    /// Takes a free slot, arms it with `waker` and makes the system call.
    fn start(&mut self, waker: &Waker) -> Result<(usize, u64), Errno> {
        if !READY.load(Ordering::Acquire) {
            return Err(Errno::Invalid);
        }
        let (index, generation) = (0..COMPLETION_RECORDS)
            .find_map(|i| {
                let slot = &SLOTS.0[i];
                let word = slot.word.load(Ordering::Acquire);
                let next = ((word >> 32) + 1) & 0xff_ffff;
                (word & 0xffff_ffff == FREE
                    && slot
                        .word
                        .compare_exchange(
                            word,
                            next << 32 | ARMING,
                            Ordering::AcqRel,
                            Ordering::Relaxed,
                        )
                        .is_ok())
                .then_some((i, next))
            })
            .ok_or(Errno::Again)?;
        let slot = &SLOTS.0[index];
        let mut key = key(index, generation);
        // Bound before the call, so that its channel is never notified with nothing bound.
        let binding = bind(key);
        if binding.is_some() {
            key |= async_wake::BOUND;
            self.bound = true;
            BOUND_CALLS.fetch_add(1, Ordering::Relaxed);
        } else {
            // SAFETY: `ARMING` is ours alone.
            unsafe { *slot.waker.get() = Some(waker.clone()) };
        }
        slot.word
            .store(generation << 32 | WAITING, Ordering::Release);
        let buf = self.buf.as_mut().expect("buffer until completion");
        // SAFETY: the buffer lives until the call completes (or is leaked on drop).
        let made = unsafe {
            syscall::call(
                self.nr,
                &[
                    self.fd,
                    buf.as_mut_ptr() as usize,
                    buf.len(),
                    key as usize,
                    current(),
                ],
            )
        };
        if let Err(errno) = made {
            if let Some(register) = binding {
                // SAFETY: bound above; a refused call posts nothing, so nothing fired it.
                unsafe { payload().unbind(executor(), current(), register) };
                self.bound = false;
            }
            release(index, generation);
            return Err(errno);
        }
        Ok((index, generation))
    }
}

/// Under `TASKCTL_BOUND`, binds the calling coroutine to the channel a call with key `key`
/// names (`abi::async_wake::bound_channel`); returns the channel's register if it did. Slots
/// beyond the set's 64 channels, or no entry of the set free, leave the call unbound: then
/// it is found in the ring between coroutines and woken by its waker.
fn bind(key: u64) -> Option<usize> {
    let base = BOUND_SET.load(Ordering::Acquire);
    if base == 0 || (key & 0xff) > 64 {
        return None;
    }
    let channel = async_wake::bound_channel(key | async_wake::BOUND)?;
    let register = TaskSet::at(base).channel_register(channel);
    // SAFETY: the running coroutine of this process's executor; the channel is this slot's
    // alone while the call is in flight.
    unsafe { payload().bind(executor(), current(), register) }.then_some(register)
}

/// Calls whose coroutine was bound to a channel of the task controller (TAIC's wake-up) so
/// far.
pub fn bound_calls() -> u64 {
    BOUND_CALLS.load(Ordering::Relaxed)
}

/// Frees slot `index` (generation `generation`) of a call that never got in flight or is
/// being dropped.
fn release(index: usize, generation: u64) {
    let slot = &SLOTS.0[index];
    loop {
        match slot.shift(generation, WAITING, ARMING) {
            Ok(()) => {
                // SAFETY: `ARMING` is ours alone again.
                drop(unsafe { (*slot.waker.get()).take() });
                break;
            }
            Err(DONE) => break,
            // A drainer is between taking the waker and storing the result.
            Err(_) => core::hint::spin_loop(),
        }
    }
    slot.word.store(generation << 32 | FREE, Ordering::Release);
}

impl Future for Call {
    type Output = (Result<usize, Errno>, Vec<u8>);

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let (index, generation) = match self.slot {
            Some(slot) => slot,
            None => match self.start(cx.waker()) {
                Ok(slot) => {
                    self.slot = Some(slot);
                    slot
                }
                Err(errno) => {
                    return Poll::Ready((Err(errno), self.buf.take().expect("not yet given")))
                }
            },
        };
        drain();
        let slot = &SLOTS.0[index];
        if slot.word.load(Ordering::Acquire) == generation << 32 | DONE {
            let result = slot.result.load(Ordering::Relaxed);
            slot.word.store(generation << 32 | FREE, Ordering::Release);
            self.slot = None;
            let buf = self.buf.take().expect("not yet given");
            let result = Errno::check(result as isize);
            return Poll::Ready((result, buf));
        }
        bind_channel();
        Poll::Pending
    }
}

impl Drop for Call {
    fn drop(&mut self) {
        if let Some((index, generation)) = self.slot.take() {
            let slot = &SLOTS.0[index];
            // A bound call's channel stays armed until its record comes: the slot with it.
            if !(self.bound && slot.shift(generation, WAITING, ORPHANED).is_ok()) {
                release(index, generation);
            }
            // The kernel may still write into it.
            core::mem::forget(self.buf.take());
        }
    }
}

/// The task [`WakePath::TaskCtl`] binds to its channel: a record of its own, never a
/// coroutine (the device may hand it out after the call it was bound for has completed, when
/// a coroutine's block could be gone), with the preempt flag so that a wake-up interrupts a
/// running receiver.
#[repr(C, align(64))]
struct Marker(u8);
static MARKER: Marker = Marker(0);

fn marker() -> u64 {
    taskctl::task_id(&MARKER as *const Marker as usize, 0, true)
}

/// For [`WakePath::TaskCtl`]: binds the marker to the channel (single-shot, so bound again
/// at every wait).
fn bind_channel() {
    if let Some(set) = task_set() {
        set.bind_channel(CHANNEL.load(Ordering::Relaxed), marker());
    }
}

/// The process's set, if the path is [`WakePath::TaskCtl`].
fn task_set() -> Option<TaskSet> {
    let base = TASK_SET.load(Ordering::Acquire);
    (base != 0).then(|| TaskSet::at(base))
}

/// Takes every record the kernel has posted and wakes their calls. Safe in the
/// user-interrupt handler: no lock, no allocation.
pub(super) fn drain() {
    if !READY.load(Ordering::Acquire) {
        return;
    }
    let ring = COROUTINE_COMPLETIONS as *mut abi::Completions;
    // SAFETY: the ring's page is mapped read-write by `setup`; its words are accessed
    // atomically (the kernel writes them from any hart).
    let (head, tail) = unsafe {
        (
            &*((&raw mut (*ring).head) as *const AtomicU64),
            &*((&raw mut (*ring).tail) as *const AtomicU64),
        )
    };
    loop {
        let at = head.load(Ordering::Acquire);
        if at == tail.load(Ordering::Acquire) {
            return;
        }
        // SAFETY: a record the kernel published before advancing `tail`.
        let record: Completion = unsafe {
            (&raw const (*ring).records[(at % COMPLETION_RECORDS as u64) as usize]).read_volatile()
        };
        if head
            .compare_exchange(at, at + 1, Ordering::AcqRel, Ordering::Relaxed)
            .is_ok()
        {
            complete(record);
        }
    }
}

/// Hands `record`'s result to its call and wakes it (nothing if the call was dropped).
fn complete(record: Completion) {
    let index = (record.key & 0xff) as usize;
    let Some(slot) = index.checked_sub(1).and_then(|i| SLOTS.0.get(i)) else {
        return;
    };
    let generation = (record.key & !async_wake::BOUND) >> 8;
    if slot.shift(generation, ORPHANED, FREE).is_ok() {
        return;
    }
    if slot.shift(generation, WAITING, COMPLETING).is_err() {
        return;
    }
    // SAFETY: `COMPLETING` is ours alone.
    let waker = unsafe { (*slot.waker.get()).take() };
    slot.result.store(record.result, Ordering::Relaxed);
    slot.word.store(generation << 32 | DONE, Ordering::Release);
    if let Some(waker) = waker {
        waker.wake();
    }
}

/// For [`WakePath::TaskCtl`]: takes the device's wake-ups of the marker from the set (which
/// also lowers the preempt line); the runtime owns the set under this path.
fn take_device_wakeups() {
    if let Some(set) = task_set() {
        while set.dequeue(0).is_some() {
            DEVICE_WAKEUPS.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// Wake-ups of the marker taken from the task controller.
static DEVICE_WAKEUPS: AtomicU64 = AtomicU64::new(0);

/// How many task-controller wake-ups ([`WakePath::TaskCtl`]) the runtime has taken from the
/// set so far: with the preempt flag they interrupt a receiver running on the hart that bound
/// the channel; a receiver that has moved to another hart finds them here instead.
pub fn device_wakeups() -> u64 {
    DEVICE_WAKEUPS.load(Ordering::Relaxed)
}

/// Whether the kernel has posted records not yet taken (an idle core then does not wait).
pub(super) fn pending() -> bool {
    if !READY.load(Ordering::Acquire) {
        return false;
    }
    let ring = COROUTINE_COMPLETIONS as *const abi::Completions;
    // SAFETY: as in `drain`.
    unsafe {
        (&raw const (*ring).head).read_volatile() != (&raw const (*ring).tail).read_volatile()
    }
}

/// Between coroutines: the device's wake-ups, then the ring.
pub(super) fn poll_completions() {
    if READY.load(Ordering::Acquire) {
        take_device_wakeups();
        drain();
    }
}

/// User interrupts the handler has taken (for tests and measurements).
static INTERRUPTS: AtomicU64 = AtomicU64::new(0);

/// How many user interrupts announced completions so far.
pub fn interrupts() -> u64 {
    INTERRUPTS.load(Ordering::Relaxed)
}

/// The user-interrupt handler: a completion was announced.
fn on_user_interrupt(_pending: u64) {
    INTERRUPTS.fetch_add(1, Ordering::Relaxed);
    take_device_wakeups();
    drain();
}
