//! Futexes: user threads sleep on a word of their memory until another thread wakes them.
//!
//! User-space locks keep their state in a 32-bit word and ask the kernel only to wait when
//! the lock is taken and to wake waiters when it is released. The kernel keeps a wait queue
//! per word, named by its physical address (so processes sharing memory share futexes), and
//! checks the word under the table's lock, so a `wake` between the user's check and the
//! kernel's sleep is never lost.

use crate::task::scheduler::{self, WakeReason};
use crate::task::wait_queue::WaitQueue;
use crate::task::Process;
use crate::timer;
use abi::Errno;
use alloc::collections::BTreeMap;
use spin::Mutex;

/// Waiters by the physical address of the word.
static FUTEXES: Mutex<BTreeMap<usize, WaitQueue>> = Mutex::new(BTreeMap::new());

/// Sleeps while the `u32` at `addr` in `process` equals `expected`, until woken or (with
/// `timeout_ns` > 0) until the timeout passes.
pub fn wait(process: &Process, addr: usize, expected: u32, timeout_ns: u64) -> Result<(), Errno> {
    let word = process.space.lock().word_address(addr)?;
    let key = word;
    let mut table = FUTEXES.lock();
    // SAFETY: `word` is the physical (identity-mapped) address of an aligned user word of
    // this process's RAM; the user may change it at any time, hence the volatile read.
    let value = unsafe { (word as *const u32).read_volatile() };
    if value != expected {
        return Err(Errno::Again);
    }
    let seq = scheduler::prepare_to_block();
    table.entry(key).or_default().push(scheduler::current());
    if timeout_ns > 0 {
        scheduler::sleep_until(timer::now().saturating_add(timer::from_ns(timeout_ns)), seq);
    }
    match scheduler::block(table) {
        WakeReason::Woken => Ok(()),
        reason => {
            let mut table = FUTEXES.lock();
            if let Some(queue) = table.get_mut(&key) {
                queue.remove(&scheduler::current());
                if queue.is_empty() {
                    table.remove(&key);
                }
            }
            if reason == WakeReason::TimedOut {
                Err(Errno::TimedOut)
            } else {
                Ok(())
            }
        }
    }
}

/// Wakes up to `count` threads of `process` waiting on `addr`; returns how many.
pub fn wake(process: &Process, addr: usize, count: usize) -> Result<usize, Errno> {
    let key = process.space.lock().word_address(addr)?;
    Ok(wake_word(key, count))
}

/// Wakes up to `count` threads waiting on the word at physical address `key`; returns how
/// many.
pub fn wake_word(key: usize, count: usize) -> usize {
    let mut table = FUTEXES.lock();
    let Some(queue) = table.get_mut(&key) else {
        return 0;
    };
    let mut woken = 0;
    while woken < count && queue.wake_one() {
        woken += 1;
    }
    if queue.is_empty() {
        table.remove(&key);
    }
    woken
}
