//! Marks on hartlab's timeline trace (`hartlab boot --trace`): the kernel tells the
//! simulator-control device which thread each hart runs and which threads it wakes, so a
//! trace shows context switches and wake-ups on per-hart tracks.
//!
//! Each mark is one store to a magic register (`abi::sim_control`), which costs the hart what
//! a NOP costs and nothing more. The stores are made whether or not the simulator records a
//! trace: a kernel that asked first would run other instructions when traced, and tracing
//! must not change what it measures. Without the device (QEMU) nothing is stored.

use crate::machine;
use abi::sim_control::{trace, SPAN_BEGIN, SPAN_END, TRACE_EVENT};
use core::sync::atomic::{AtomicUsize, Ordering};

/// The device's registers (identity-mapped in every address space), 0 without it.
static BASE: AtomicUsize = AtomicUsize::new(0);

/// Finds the device (after `machine::init`).
pub fn init() {
    if let Some(registers) = &machine::get().sim_control {
        BASE.store(registers.start, Ordering::Relaxed);
    }
}

#[inline]
fn store(offset: usize, value: u64) {
    let base = BASE.load(Ordering::Relaxed);
    if base != 0 {
        // SAFETY: `base` is the device's register window, mapped in every address space;
        // `offset` is one of its write-only registers.
        unsafe { ((base + offset) as *mut u64).write_volatile(value) }
    }
}

/// The timeline name of thread `tid` of process `pid` (a `THREAD` span value), kept in the
/// thread.
pub const fn thread_id(pid: usize, tid: usize) -> u64 {
    trace::value(trace::THREAD, trace::thread(pid, tid))
}

/// The thread named `id` ([`thread_id`]) starts running on this hart.
#[inline]
pub fn switch_in(id: u64) {
    store(SPAN_BEGIN, id);
}

/// The thread running on this hart has left it.
#[inline]
pub fn switch_out() {
    store(SPAN_END, trace::value(trace::THREAD, 0));
}

/// The thread named `id` ([`thread_id`]) is made ready.
#[inline]
pub fn wake(id: u64) {
    store(TRACE_EVENT, trace::value(trace::WAKE, trace::arg(id)));
}
