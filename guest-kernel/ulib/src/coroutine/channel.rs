//! A channel between coroutines of one process: any number of senders, one receiver that
//! waits (`recv().await`) without blocking its thread.
//!
//! Sending takes the queue's lock, pushes, and wakes the receiver if it waits; it never
//! waits itself (the channel is unbounded). COPS's server passes each request from a
//! connection's receiver to its handler and on to its sender this way.

use crate::sync::Mutex;
use alloc::collections::VecDeque;
use alloc::sync::Arc;
use core::future::poll_fn;
use core::task::{Poll, Waker};

struct Shared<T> {
    queue: VecDeque<T>,
    waiting: Option<Waker>,
    senders: usize,
}

/// The sending end; clone it for more senders.
pub struct Sender<T>(Arc<Mutex<Shared<T>>>);

/// The receiving end.
pub struct Receiver<T>(Arc<Mutex<Shared<T>>>);

/// A new channel.
pub fn channel<T>() -> (Sender<T>, Receiver<T>) {
    let shared = Arc::new(Mutex::new(Shared {
        queue: VecDeque::new(),
        waiting: None,
        senders: 1,
    }));
    (Sender(shared.clone()), Receiver(shared))
}

impl<T> Sender<T> {
    /// Queues `value` and wakes the receiver.
    pub fn send(&self, value: T) {
        let waker = {
            let mut shared = self.0.lock();
            shared.queue.push_back(value);
            shared.waiting.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

impl<T> Clone for Sender<T> {
    fn clone(&self) -> Self {
        self.0.lock().senders += 1;
        Sender(self.0.clone())
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        let waker = {
            let mut shared = self.0.lock();
            shared.senders -= 1;
            if shared.senders == 0 {
                shared.waiting.take()
            } else {
                None
            }
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

impl<T> Receiver<T> {
    /// The next value, waiting for one; `None` once every sender is gone and the queue is
    /// empty.
    pub async fn recv(&self) -> Option<T> {
        poll_fn(|cx| {
            let mut shared = self.0.lock();
            if let Some(value) = shared.queue.pop_front() {
                return Poll::Ready(Some(value));
            }
            if shared.senders == 0 {
                return Poll::Ready(None);
            }
            shared.waiting = Some(cx.waker().clone());
            Poll::Pending
        })
        .await
    }
}
