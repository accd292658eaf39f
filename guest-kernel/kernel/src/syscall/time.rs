//! Time calls: sleep and the clock.

use super::Args;
use crate::task::scheduler;
use crate::timer;
use abi::Errno;

/// `sleep(ns)`.
pub fn sleep(args: &Args) -> Result<usize, Errno> {
    let deadline = timer::now().saturating_add(timer::from_ns(args[0] as u64));
    let seq = scheduler::prepare_to_block();
    scheduler::sleep_until(deadline, seq);
    scheduler::block(());
    Ok(0)
}

/// `clock()`: nanoseconds since the machine started (the `time` CSR).
pub fn clock(_: &Args) -> Result<usize, Errno> {
    Ok(timer::to_ns(timer::now()) as usize)
}
