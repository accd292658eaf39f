//! Upcalls: the kernel interrupts a process's first thread to run a handler the process
//! registered, like a POSIX signal with one handler and a value.
//!
//! `upcall_send` marks the target thread and wakes it if it waits in `upcall_wait`, or
//! interrupts its hart if it runs elsewhere. On the thread's next way back to user mode
//! ([`deliver`]) the kernel saves its user registers on its user stack, below its stack
//! pointer, and enters the handler with `a0` = the value; the handler's `upcall_return`
//! ([`restore`]) reloads the saved registers, so the interrupted code carries on where it
//! was.

use super::scheduler::{self, WakeReason};
use super::thread::Status;
use super::{current_process, process};
use crate::trap::TrapFrame;
use abi::Errno;
use core::sync::atomic::Ordering;

/// What is pending for a thread.
#[derive(Default)]
pub struct UpcallState {
    /// The value of an upcall not yet delivered.
    pending: Option<usize>,
    /// The thread waits in `upcall_wait`.
    waiting: bool,
    /// An upcall was delivered other than on `upcall_wait`'s own return: the next
    /// `upcall_wait` returns at once. Without it a thread that checked for its upcall and was
    /// interrupted just before calling `upcall_wait` would have the upcall delivered (the
    /// handler runs) and then wait for ever.
    delivered: bool,
    /// `upcall_wait` is returning with an upcall pending: its delivery now is the one the
    /// thread waited for.
    returning: bool,
}

/// Sends an upcall with `value` to process `pid`.
pub fn send(pid: usize, value: usize) -> Result<(), Errno> {
    let target = process::find(pid).ok_or(Errno::NoProcess)?;
    if target.upcall_handler() == 0 {
        return Err(Errno::Invalid);
    }
    let thread = target.thread(pid).ok_or(Errno::NoProcess)?;
    let mut state = thread.upcall.lock();
    state.pending = Some(value);
    thread.upcall_pending.store(true, Ordering::Release);
    if core::mem::take(&mut state.waiting) {
        scheduler::wake(&thread, WakeReason::Woken, None);
    } else {
        let sched = thread.sched.lock();
        if sched.status == Status::Running && sched.hart != crate::hart_id() {
            crate::smp::send_ipi(sched.hart);
        }
    }
    Ok(())
}

/// Waits until an upcall is pending for the running thread.
pub fn wait() {
    let thread = scheduler::current();
    let mut state = thread.upcall.lock();
    if core::mem::take(&mut state.delivered)
        || state.pending.is_some()
        || thread.process.is_exiting()
    {
        state.returning = state.pending.is_some();
        return;
    }
    state.waiting = true;
    scheduler::prepare_to_block();
    scheduler::block(state);
    let mut state = thread.upcall.lock();
    state.waiting = false;
    state.returning = state.pending.is_some();
}

/// On the way back to user mode: if an upcall is pending, enter the handler with the user
/// registers saved on the user stack. A stack that cannot take them kills the process.
pub fn deliver() {
    if !scheduler::with_current(|thread| thread.upcall_pending.load(Ordering::Acquire)) {
        return;
    }
    let thread = scheduler::current();
    let value = {
        let mut state = thread.upcall.lock();
        let Some(value) = state.pending.take() else {
            return;
        };
        state.delivered = !core::mem::take(&mut state.returning);
        value
    };
    thread.upcall_pending.store(false, Ordering::Release);
    let handler = thread.process.upcall_handler();
    if handler == 0 {
        return;
    }
    // SAFETY: the running thread's frame, only touched by this hart.
    let frame = unsafe { &mut *thread.frame() };
    let saved = frame.x[2].wrapping_sub(size_of::<TrapFrame>()) & !15;
    if thread
        .process
        .space
        .lock()
        .write(saved, as_bytes(frame))
        .is_err()
    {
        crate::println!(
            "process {} ({}) killed: no stack for an upcall at {saved:#x}",
            thread.process.pid,
            thread.process.name
        );
        thread.process.exit(abi::KILLED_BY_FAULT);
        return;
    }
    frame.x[1] = 0;
    frame.x[2] = saved;
    frame.x[10] = value;
    frame.sepc = handler;
}

/// `upcall_return`: reloads the user registers [`deliver`] saved at the user stack pointer
/// in `frame`. Only the registers come back; the privilege state stays the kernel's.
pub fn restore(frame: &mut TrapFrame) -> Result<(), Errno> {
    let mut saved = frame.clone();
    current_process()
        .space
        .lock()
        .read(frame.x[2], as_bytes_mut(&mut saved))?;
    frame.x = saved.x;
    frame.sepc = saved.sepc;
    Ok(())
}

fn as_bytes(frame: &TrapFrame) -> &[u8] {
    // SAFETY: `TrapFrame` is `repr(C)` integers.
    unsafe {
        core::slice::from_raw_parts((frame as *const TrapFrame).cast(), size_of::<TrapFrame>())
    }
}

fn as_bytes_mut(frame: &mut TrapFrame) -> &mut [u8] {
    // SAFETY: as above; any bytes are a valid `TrapFrame`.
    unsafe {
        core::slice::from_raw_parts_mut((frame as *mut TrapFrame).cast(), size_of::<TrapFrame>())
    }
}
