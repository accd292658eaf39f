//! `sleep(ns).await`: timers kept by the process's runtime.
//!
//! A sleeping coroutine leaves its waker in a deadline-ordered map; each virtual core fires
//! the due ones before it polls, and an idle core waits no longer than the first deadline.

use crate::sync::Mutex;
use crate::time;
use alloc::collections::BTreeMap;
use core::future::Future;
use core::pin::Pin;
use core::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use core::task::{Context, Poll, Waker};

/// Wakers by (deadline in ns, sequence number).
static TIMERS: Mutex<BTreeMap<(u64, u64), Waker>> = Mutex::new(BTreeMap::new());
/// Timers in `TIMERS` (checked without the lock).
static ARMED: AtomicUsize = AtomicUsize::new(0);
static SEQUENCE: AtomicU64 = AtomicU64::new(0);

/// A future that completes `ns` nanoseconds after it is first polled.
pub struct Sleep {
    ns: u64,
    deadline: Option<u64>,
    key: Option<(u64, u64)>,
}

/// Sleeps at least `ns` nanoseconds without holding the thread (`sleep(ns).await`).
pub fn sleep(ns: u64) -> Sleep {
    Sleep {
        ns,
        deadline: None,
        key: None,
    }
}

impl Future for Sleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let now = time::now_ns();
        let ns = self.ns;
        let deadline = *self.deadline.get_or_insert(now.saturating_add(ns));
        if now >= deadline {
            if let Some(key) = self.key.take() {
                if TIMERS.lock().remove(&key).is_some() {
                    ARMED.fetch_sub(1, Ordering::Relaxed);
                }
            }
            return Poll::Ready(());
        }
        let mut timers = TIMERS.lock();
        if let Some(key) = self.key {
            if let Some(waker) = timers.get_mut(&key) {
                waker.clone_from(cx.waker());
                return Poll::Pending;
            }
        }
        // Not armed (first poll, or fired while the deadline had not quite passed).
        let key = (deadline, SEQUENCE.fetch_add(1, Ordering::Relaxed));
        timers.insert(key, cx.waker().clone());
        ARMED.fetch_add(1, Ordering::Relaxed);
        self.key = Some(key);
        Poll::Pending
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        if let Some(key) = self.key.take() {
            if TIMERS.lock().remove(&key).is_some() {
                ARMED.fetch_sub(1, Ordering::Relaxed);
            }
        }
    }
}

/// Wakes the coroutines whose deadlines have passed.
pub(super) fn fire_due() {
    if ARMED.load(Ordering::Relaxed) == 0 {
        return;
    }
    let now = time::now_ns();
    loop {
        let due = {
            let mut timers = TIMERS.lock();
            match timers.first_key_value() {
                Some((&(deadline, _), _)) if deadline <= now => timers.pop_first(),
                _ => None,
            }
        };
        let Some((_, waker)) = due else { break };
        ARMED.fetch_sub(1, Ordering::Relaxed);
        waker.wake();
    }
}

/// Nanoseconds until the first deadline (0: one is due), or `None` with no timer armed.
pub(super) fn until_next() -> Option<u64> {
    if ARMED.load(Ordering::Relaxed) == 0 {
        return None;
    }
    let first = TIMERS
        .lock()
        .first_key_value()
        .map(|(&(deadline, _), _)| deadline)?;
    Some(first.saturating_sub(time::now_ns()))
}
