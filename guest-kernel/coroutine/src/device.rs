//! The task-controller back end's accesses to the device: a ready coroutine is one ENQUEUE
//! store of its id, taking the next one is one DEQUEUE load (`docs/hardware/task-controller.md`).
//!
//! A coroutine's id in the device is its control block's address with its priority in bits
//! 5:1 (the device's encoding, MOIC's and TAIC's; the block is 64-byte aligned, so the bits
//! are free, and the preempt flag in bit 0 stays clear): the ATS-INTC/TAIC driver pattern, in
//! which what the device hands back leads straight to the control block.
//!
//! The executor owns `device.limit` entries of the set and counts the ones it has filled
//! (`device.tasks`): an entry is reserved before the store and given back when a load takes
//! the coroutine out, so the device never refuses an ENQUEUE with QUEUE_FULL and no coroutine
//! is ever lost; a coroutine that finds no room goes to the software queues instead
//! (`run.rs`).

use crate::control_block::Coroutine;
use crate::executor::Executor;
use crate::NO_PRIORITY;
use core::sync::atomic::Ordering::AcqRel;

/// The id bits that are not the block's address: priority (5:1) and preempt (0).
const FLAG_BITS: u64 = 0x3f;

/// Takes one of the executor's entries of the set; false when all are in use.
pub(crate) fn reserve(e: &Executor) -> bool {
    let device = &e.device;
    if device.tasks.fetch_add(1, AcqRel) < device.limit {
        return true;
    }
    device.tasks.fetch_sub(1, AcqRel);
    false
}

/// Gives back an entry [`reserve`] took and no coroutine filled.
pub(crate) fn unreserve(e: &Executor) {
    e.device.tasks.fetch_sub(1, AcqRel);
}

/// Queues `block` at `priority` in the device, in an entry already reserved.
///
/// # Safety
/// `block` is valid and in no queue; the executor's device fields name a mapped set.
pub(crate) unsafe fn enqueue(e: &Executor, block: *mut Coroutine, priority: u32) {
    // SAFETY: the ENQUEUE register of the process's set, as the caller promises.
    unsafe { store_id(e.device.enqueue, block, priority) };
}

/// Binds `block` at `priority` to the channel whose CHAN_HANDLER register is `register`, in
/// an entry already reserved: the device queues it when the channel is notified.
///
/// # Safety
/// `block` is valid; `register` is a mapped CHAN_HANDLER register of the executor's set.
pub(crate) unsafe fn bind(register: usize, block: *mut Coroutine, priority: u32) {
    // SAFETY: as the caller promises.
    unsafe { store_id(register, block, priority) };
}

/// Stores `block`'s task id at `priority` to the device register `register`.
///
/// # Safety
/// `register` is an aligned, mapped 8-byte register of the set that takes a task id.
unsafe fn store_id(register: usize, block: *mut Coroutine, priority: u32) {
    let id = block as u64 | ((u64::from(priority) << 1) & 0x3e);
    // The block's fields reach memory before the device can hand the id to another thread.
    release_fence();
    // SAFETY: as the caller promises.
    unsafe { (register as *mut u64).write_volatile(id) };
}

/// Takes the most urgent coroutine from the device and gives back its entry.
///
/// # Safety
/// The executor's device fields name a mapped set that holds only this executor's ids.
pub(crate) unsafe fn dequeue(e: &Executor) -> Option<*mut Coroutine> {
    // SAFETY: as the caller promises.
    let block = unsafe { take(e) }?;
    e.device.tasks.fetch_sub(1, AcqRel);
    Some(block)
}

/// Takes the most urgent coroutine from the device and keeps its entry (to queue it again).
///
/// # Safety
/// As for [`dequeue`].
pub(crate) unsafe fn take(e: &Executor) -> Option<*mut Coroutine> {
    // SAFETY: the DEQUEUE register of the process's set, an aligned 8-byte register.
    let id = unsafe { (e.device.dequeue as *const u64).read_volatile() };
    // The block's fields as the enqueuing thread left them, not older.
    acquire_fence();
    (id != 0).then_some((id & !FLAG_BITS) as *mut Coroutine)
}

/// The most urgent priority queued in the device ([`NO_PRIORITY`] when none).
///
/// # Safety
/// The executor's device fields name a mapped set.
pub(crate) unsafe fn best(e: &Executor) -> u32 {
    // SAFETY: the BEST register of the process's set.
    let best = unsafe { (e.device.best as *const u64).read_volatile() };
    ((best & 0xff) as u32).min(NO_PRIORITY)
}

/// Orders the memory accesses before it before the device accesses after it.
fn release_fence() {
    #[cfg(target_arch = "riscv64")]
    // SAFETY: a fence has no effect but ordering.
    unsafe {
        core::arch::asm!("fence rw, o", options(nostack, preserves_flags))
    };
    #[cfg(not(target_arch = "riscv64"))]
    core::sync::atomic::fence(core::sync::atomic::Ordering::SeqCst);
}

/// Orders the device accesses before it before the memory accesses after it.
fn acquire_fence() {
    #[cfg(target_arch = "riscv64")]
    // SAFETY: as above.
    unsafe {
        core::arch::asm!("fence i, rw", options(nostack, preserves_flags))
    };
    #[cfg(not(target_arch = "riscv64"))]
    core::sync::atomic::fence(core::sync::atomic::Ordering::SeqCst);
}
