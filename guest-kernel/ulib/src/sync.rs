//! Locks for threads of one process.
//!
//! [`Mutex`] keeps its state in one 32-bit word and sleeps in the kernel with the futex
//! calls when it has to wait, so a waiting thread uses no hart time and cannot keep the
//! lock's holder from running:
//!
//! | word | meaning |
//! | --- | --- |
//! | 0 | unlocked |
//! | 1 | locked, nobody waiting |
//! | 2 | locked, maybe someone waiting (whoever unlocks must wake one waiter) |
//!
//! `lock` takes a free lock with one compare-and-swap (0 → 1) and no system call. Otherwise
//! it sets the word to 2 and sleeps with `futex_wait(word, 2)` until its swap to 2 finds
//! the lock free (0); it then holds the lock with the word at 2, which may make the next
//! unlock wake a thread needlessly, but never lose one. `unlock` sets the word to 0 and
//! calls `futex_wake` only if it was 2. (This is the classic three-state futex mutex.)
//!
//! [`Channel`] passes values between threads: sending never waits; a receiver with nothing
//! to take sleeps on a futex word that counts the values sent.
//!
//! [`futex_wait`] and [`futex_wake`] are here too, for building other waiting schemes.

use crate::syscall;
use abi::Errno;
use alloc::collections::VecDeque;
use core::cell::UnsafeCell;
use core::marker::PhantomData;
use core::ops::{Deref, DerefMut};
use core::sync::atomic::{AtomicU32, Ordering};

pub use syscall::{futex_wait, futex_wake};

const UNLOCKED: u32 = 0;
const LOCKED: u32 = 1;
const CONTENDED: u32 = 2;

/// A mutual-exclusion lock around a `T`; [`Mutex::lock`] returns a guard that unlocks when
/// dropped.
pub struct Mutex<T: ?Sized> {
    state: AtomicU32,
    value: UnsafeCell<T>,
}

// SAFETY: the lock hands out the value to one thread at a time.
unsafe impl<T: ?Sized + Send> Send for Mutex<T> {}
unsafe impl<T: ?Sized + Send> Sync for Mutex<T> {}

impl<T> Mutex<T> {
    /// An unlocked mutex holding `value`.
    pub const fn new(value: T) -> Self {
        Mutex {
            state: AtomicU32::new(UNLOCKED),
            value: UnsafeCell::new(value),
        }
    }

    /// The value, taken out of the mutex.
    pub fn into_inner(self) -> T {
        self.value.into_inner()
    }
}

impl<T: ?Sized> Mutex<T> {
    /// Waits until the lock is free and takes it.
    pub fn lock(&self) -> MutexGuard<'_, T> {
        if self
            .state
            .compare_exchange(UNLOCKED, LOCKED, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
        {
            self.lock_contended();
        }
        MutexGuard::new(self)
    }

    /// Takes the lock if it is free.
    pub fn try_lock(&self) -> Option<MutexGuard<'_, T>> {
        self.state
            .compare_exchange(UNLOCKED, LOCKED, Ordering::Acquire, Ordering::Relaxed)
            .ok()
            .map(|_| MutexGuard::new(self))
    }

    /// The value, through a unique reference (no locking needed).
    pub fn get_mut(&mut self) -> &mut T {
        self.value.get_mut()
    }

    /// The slow path of [`Mutex::lock`]: mark the lock contended and sleep until it is free.
    #[cold]
    fn lock_contended(&self) {
        while self.state.swap(CONTENDED, Ordering::Acquire) != UNLOCKED {
            // Returns at once (Again) if the word is no longer 2: then just try again.
            match futex_wait(&self.state, CONTENDED, 0) {
                Ok(()) | Err(Errno::Again) => {}
                Err(e) => panic!("futex_wait on a mutex failed: {e:?}"),
            }
        }
    }

    fn unlock(&self) {
        if self.state.swap(UNLOCKED, Ordering::Release) == CONTENDED {
            // Cannot fail: the word is ours and mapped.
            let _ = futex_wake(&self.state, 1);
        }
    }
}

impl<T: Default> Default for Mutex<T> {
    fn default() -> Self {
        Mutex::new(T::default())
    }
}

/// Access to a locked [`Mutex`]'s value; dropping it unlocks.
pub struct MutexGuard<'a, T: ?Sized> {
    mutex: &'a Mutex<T>,
    /// Makes the guard `Sync` only if `T` is (sharing the guard shares the `&T` inside).
    _value: PhantomData<&'a mut T>,
}

impl<'a, T: ?Sized> MutexGuard<'a, T> {
    fn new(mutex: &'a Mutex<T>) -> Self {
        MutexGuard {
            mutex,
            _value: PhantomData,
        }
    }
}

impl<T: ?Sized> Deref for MutexGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        // SAFETY: the guard holds the lock.
        unsafe { &*self.mutex.value.get() }
    }
}

impl<T: ?Sized> DerefMut for MutexGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: the guard holds the lock.
        unsafe { &mut *self.mutex.value.get() }
    }
}

impl<T: ?Sized> Drop for MutexGuard<'_, T> {
    fn drop(&mut self) {
        self.mutex.unlock();
    }
}

/// A queue between threads of one process.
pub struct Channel<T> {
    queue: Mutex<VecDeque<T>>,
    /// Values sent so far (wrapping): the word receivers sleep on.
    sent: AtomicU32,
    /// Receivers about to sleep or sleeping: a send makes a system call only if there are.
    sleepers: AtomicU32,
}

impl<T> Channel<T> {
    /// An empty channel.
    pub const fn new() -> Self {
        Channel {
            queue: Mutex::new(VecDeque::new()),
            sent: AtomicU32::new(0),
            sleepers: AtomicU32::new(0),
        }
    }

    /// Queues `value` and wakes a sleeping receiver.
    pub fn send(&self, value: T) {
        self.queue.lock().push_back(value);
        self.sent.fetch_add(1, Ordering::SeqCst);
        if self.sleepers.load(Ordering::SeqCst) > 0 {
            // Cannot fail: the word is ours and mapped.
            let _ = futex_wake(&self.sent, 1);
        }
    }

    /// The next value, sleeping until there is one.
    pub fn recv(&self) -> T {
        loop {
            let seen = self.sent.load(Ordering::SeqCst);
            if let Some(value) = self.queue.lock().pop_front() {
                return value;
            }
            // A send after `seen` changes the word, so the wait returns at once (Again).
            self.sleepers.fetch_add(1, Ordering::SeqCst);
            let waited = futex_wait(&self.sent, seen, 0);
            self.sleepers.fetch_sub(1, Ordering::SeqCst);
            match waited {
                Ok(()) | Err(Errno::Again) => {}
                Err(e) => panic!("futex_wait on a channel failed: {e:?}"),
            }
        }
    }
}

impl<T> Default for Channel<T> {
    fn default() -> Self {
        Self::new()
    }
}
