//! The caller's side of the scheduler (kernel and ulib): a future boxed behind a control
//! block, the waker that wakes it through the payload, and `yield_now`.
//!
//! A [`Host`] says where the caller's payload is and what to do after a wake-up (a process
//! wakes a thread that waits for work; the kernel has nothing to do). The block is the first
//! field of a heap allocation, so the id (the block's address) leads straight to the future.
//!
//! References: the executor holds one until the future completes; every waker holds one. The
//! last one frees the allocation, so a waker kept after completion stays safe to use (waking
//! a completed coroutine does nothing).

use crate::control_block::Coroutine;
use crate::executor::Executor;
use crate::table::Payload;
use alloc::boxed::Box;
use core::future::Future;
use core::marker::PhantomData;
use core::mem::ManuallyDrop;
use core::pin::Pin;
use core::sync::atomic::Ordering::{AcqRel, Relaxed};
use core::task::{Context, Poll, RawWaker, RawWakerVTable, Waker};

/// Where a caller's scheduler lives.
pub trait Host: 'static {
    /// The payload this address space calls.
    fn payload() -> &'static Payload;
    /// Called after a waker queued a coroutine of `executor` (e.g. to wake an idle thread).
    fn after_wake(executor: *mut Executor);
}

/// A control block with its future behind it.
#[repr(C)]
struct Task<F, H> {
    block: Coroutine,
    future: ManuallyDrop<F>,
    host: PhantomData<H>,
}

/// A new control block around `future`, on the heap, ready to be spawned.
pub fn new_block<H: Host, F: Future<Output = ()> + Send + 'static>(future: F) -> *mut Coroutine {
    let task = Box::new(Task::<F, H> {
        block: Coroutine::new(poll::<F, H>, drop_future::<F, H>, release::<F, H>),
        future: ManuallyDrop::new(future),
        host: PhantomData,
    });
    Box::into_raw(task).cast()
}

/// Bytes one coroutine with a future of type `F` takes on the heap.
pub const fn block_size<F>() -> usize {
    core::mem::size_of::<Task<F, ()>>()
}

/// Polls the future behind `block` with a waker that names it.
unsafe extern "C" fn poll<F: Future<Output = ()>, H: Host>(block: *mut Coroutine) -> u32 {
    // A borrowed waker: it holds no reference (its clones do).
    let waker = ManuallyDrop::new(
        // SAFETY: the vtable's functions expect a live block, which `block` is while polled.
        unsafe { Waker::from_raw(RawWaker::new(block as *const (), Vtable::<H>::get())) },
    );
    let mut context = Context::from_waker(&waker);
    let task = block.cast::<Task<F, H>>();
    // SAFETY: the future sits in its heap allocation until dropped: it never moves.
    let future = unsafe { Pin::new_unchecked(&mut *(*task).future) };
    match future.poll(&mut context) {
        Poll::Ready(()) => 1,
        Poll::Pending => 0,
    }
}

/// Drops the completed future behind `block`.
unsafe extern "C" fn drop_future<F, H>(block: *mut Coroutine) {
    let task = block.cast::<Task<F, H>>();
    // SAFETY: called once, after the last poll.
    unsafe { ManuallyDrop::drop(&mut (*task).future) };
}

/// Frees `block`'s allocation (its future is already dropped).
unsafe extern "C" fn release<F, H>(block: *mut Coroutine) {
    // SAFETY: made by `new_block` with this `F`; the last reference is gone.
    drop(unsafe { Box::from_raw(block.cast::<Task<F, H>>()) });
}

/// The waker functions for host `H`.
struct Vtable<H>(PhantomData<H>);

impl<H: Host> Vtable<H> {
    const VTABLE: RawWakerVTable =
        RawWakerVTable::new(Self::clone, Self::wake, Self::wake_by_ref, Self::drop);

    fn get() -> &'static RawWakerVTable {
        &Self::VTABLE
    }

    unsafe fn clone(data: *const ()) -> RawWaker {
        // SAFETY: a waker's data is a live block.
        let block = unsafe { &*(data as *const Coroutine) };
        block.refs.fetch_add(1, Relaxed);
        RawWaker::new(data, Self::get())
    }

    unsafe fn wake(data: *const ()) {
        // SAFETY: as for `clone`; the waker's reference is given up after.
        unsafe {
            Self::wake_by_ref(data);
            Self::drop(data);
        }
    }

    unsafe fn wake_by_ref(data: *const ()) {
        // SAFETY: as for `clone`.
        let block = unsafe { &*(data as *const Coroutine) };
        // SAFETY: the block is one of this executor's and is alive.
        unsafe { H::payload().wake(block.executor, data as usize) };
        H::after_wake(block.executor);
    }

    unsafe fn drop(data: *const ()) {
        // SAFETY: as for `clone`.
        let block = unsafe { &*(data as *const Coroutine) };
        if block.refs.fetch_sub(1, AcqRel) == 1 {
            // SAFETY: the last reference.
            unsafe { (block.release)(data as *mut Coroutine) };
        }
    }
}

/// Spawns `future` at `priority` into `executor` through `H`'s payload; returns its id.
///
/// # Safety
/// `executor` is an initialised executor of this address space.
pub unsafe fn spawn<H: Host, F: Future<Output = ()> + Send + 'static>(
    executor: *mut Executor,
    future: F,
    priority: u32,
    kind: crate::Kind,
) -> usize {
    let block = new_block::<H, F>(future);
    // SAFETY: a fresh block, kept alive by its references.
    let id = unsafe { H::payload().spawn(executor, block, priority, kind as u32) };
    H::after_wake(executor);
    id
}

/// A future that is pending once, queued again at the end of its priority's queue: lets the
/// other ready coroutines of the same or a more urgent priority run.
pub struct YieldNow {
    yielded: bool,
}

/// Gives the other ready coroutines a turn (`yield_now().await`).
pub fn yield_now() -> YieldNow {
    YieldNow { yielded: false }
}

impl Future for YieldNow {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.yielded {
            return Poll::Ready(());
        }
        self.yielded = true;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}
