//! Doorbells: how another process wakes a coroutine of this one.
//!
//! The kernel sets bit `b` of the executor page's doorbell word when a related process calls
//! [`notify`]`(pid, b)` (`coroutine_notify`) and wakes an idle virtual core. Each core takes
//! the rung bits before it polls and wakes the coroutine waiting in [`doorbell`]`(b)`; a
//! ring with nobody waiting is kept until someone does (rings coalesce).

use crate::sync::Mutex;
use crate::syscall;
use abi::{Errno, COROUTINE_DOORBELLS};
use core::future::Future;
use core::pin::Pin;
use core::sync::atomic::{AtomicU64, Ordering};
use core::task::{Context, Poll, Waker};
use coroutine::Executor;

/// Rings taken from the executor page and not yet consumed by a waiter.
static RUNG: AtomicU64 = AtomicU64::new(0);
/// The coroutine waiting for each doorbell.
static WAITERS: Mutex<[Option<Waker>; COROUTINE_DOORBELLS]> =
    Mutex::new([const { None }; COROUTINE_DOORBELLS]);

/// Rings doorbell `doorbell` of coroutine process `pid` (the caller itself, its parent or
/// one of its children).
pub fn notify(pid: usize, doorbell: usize) -> Result<(), Errno> {
    syscall::coroutine_notify(pid, doorbell)
}

/// A future that completes once doorbell `b` of this process has rung.
pub struct Doorbell {
    bit: u64,
}

/// Waits for doorbell `b` (below [`COROUTINE_DOORBELLS`]) to ring (`doorbell(b).await`).
pub fn doorbell(b: usize) -> Doorbell {
    Doorbell {
        bit: 1 << (b % COROUTINE_DOORBELLS),
    }
}

impl Future for Doorbell {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let index = self.bit.trailing_zeros() as usize;
        if RUNG.fetch_and(!self.bit, Ordering::AcqRel) & self.bit != 0 {
            return Poll::Ready(());
        }
        WAITERS.lock()[index] = Some(cx.waker().clone());
        // Rung between the check and the registration: do not miss it.
        if RUNG.fetch_and(!self.bit, Ordering::AcqRel) & self.bit != 0 {
            WAITERS.lock()[index] = None;
            return Poll::Ready(());
        }
        Poll::Pending
    }
}

/// Takes the doorbells the kernel rang and wakes their waiters.
pub(super) fn take_rung(state: &Executor) {
    if state.doorbells.load(Ordering::Relaxed) == 0 {
        return;
    }
    let rung = state.doorbells.swap(0, Ordering::AcqRel);
    RUNG.fetch_or(rung, Ordering::AcqRel);
    let mut bits = rung;
    while bits != 0 {
        let index = bits.trailing_zeros() as usize;
        bits &= bits - 1;
        let waker = WAITERS.lock()[index].take();
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}
