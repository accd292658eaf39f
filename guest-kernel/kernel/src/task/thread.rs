//! Threads: what the scheduler runs.
//!
//! A thread belongs to a process and has a kernel stack of its own. The top of that stack
//! holds the thread's user registers ([`TrapFrame`]) while it is in the kernel or switched
//! out; below it the kernel runs the thread's system calls and traps. A switched-out thread's
//! kernel registers are in its [`Context`].

use super::context::Context;
use super::process::Process;
use super::scheduler::WakeReason;
use super::wait_queue::WaitQueue;
use crate::trap::{self, TrapFrame};
use alloc::sync::Arc;
use core::arch::naked_asm;
use core::cell::UnsafeCell;
use core::mem::MaybeUninit;
use core::sync::atomic::{AtomicUsize, Ordering};
use spin::Mutex;

/// Bytes of kernel stack per thread.
pub const KERNEL_STACK_SIZE: usize = 16 * 1024;

/// A thread's kernel stack.
#[repr(C, align(16))]
struct KernelStack([u8; KERNEL_STACK_SIZE]);

/// A kernel stack on the heap, allocated fallibly (a heap full of stacks must make thread
/// creation fail, not the kernel panic).
struct KernelStackBox(core::ptr::NonNull<MaybeUninit<KernelStack>>);

impl KernelStackBox {
    fn new() -> Option<KernelStackBox> {
        // SAFETY: a non-zero-sized layout; the memory is used uninitialised only as a stack.
        let ptr = unsafe { alloc::alloc::alloc(core::alloc::Layout::new::<KernelStack>()) };
        core::ptr::NonNull::new(ptr.cast()).map(KernelStackBox)
    }

    fn as_ptr(&self) -> *mut MaybeUninit<KernelStack> {
        self.0.as_ptr()
    }
}

impl Drop for KernelStackBox {
    fn drop(&mut self) {
        // SAFETY: allocated in `new` with this layout; the thread no longer runs on it.
        unsafe {
            alloc::alloc::dealloc(
                self.0.as_ptr().cast(),
                core::alloc::Layout::new::<KernelStack>(),
            )
        };
    }
}

// SAFETY: the stack is plain memory owned by its thread.
unsafe impl Send for KernelStackBox {}
unsafe impl Sync for KernelStackBox {}

/// Where a thread is in its life.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// In a run queue, or about to be put in one.
    Ready,
    /// On a hart.
    Running,
    /// Waiting for a wake-up.
    Blocked,
    /// Finished; never runs again.
    Exited,
}

/// What the scheduler keeps about a thread, under the thread's lock.
pub struct SchedState {
    pub status: Status,
    /// 0 (highest) to `abi::PRIORITIES - 1`.
    pub priority: usize,
    /// The hart the thread last ran on.
    pub hart: usize,
    /// Still on a hart's stack (from being picked until the scheduler loop has switched
    /// away from it). A thread woken while on its hart is queued by that hart's scheduler
    /// loop, never by the waker, so no two harts ever run one kernel stack.
    pub on_cpu: bool,
    /// Put back on the same hart's queue when it leaves the hart (yield, preemption).
    pub requeue_here: bool,
    /// Why the thread was last woken.
    pub wake_reason: WakeReason,
    /// Counts the thread's waits; a timer set for an earlier wait must not end a later one.
    pub wait_seq: u64,
}

/// How a thread ended, for `thread_join`.
pub struct ExitState {
    /// The value passed to `thread_exit` once the thread has ended.
    pub value: Option<usize>,
    /// Threads waiting in `thread_join`.
    pub joiners: WaitQueue,
}

/// A thread.
pub struct Thread {
    /// Thread id, unique in the system.
    pub tid: usize,
    /// Its name on hartlab's timeline (`crate::trace`), formed once here so that marking a
    /// switch or a wake-up reads nothing beyond the thread's first cache line.
    pub trace_id: u64,
    /// The process the thread belongs to.
    pub process: Arc<Process>,
    /// Which user stack (see `abi::layout`) the thread uses.
    pub stack_slot: usize,
    pub sched: Mutex<SchedState>,
    pub exit: Mutex<ExitState>,
    /// Upcalls sent to the thread (see `upcall`).
    pub upcall: Mutex<super::upcall::UpcallState>,
    /// An upcall is pending (checked without the lock on every return to user mode).
    pub upcall_pending: core::sync::atomic::AtomicBool,
    /// User-interrupt receiver state (see `uintr`).
    pub uintr: Mutex<super::uintr::ThreadState>,
    /// The virtual core of its process's coroutine executor this thread is
    /// (`coroutine::space::NO_CPU`: none).
    pub coroutine_cpu: AtomicUsize,
    /// Its priority before it became a virtual core (restored when it stops being one).
    pub coroutine_base_priority: AtomicUsize,
    /// Its core's coroutine switches already counted in the hart statistics.
    pub coroutine_switches_seen: core::sync::atomic::AtomicU64,
    kernel_stack: KernelStackBox,
    /// Kernel registers while switched out. Only the hart switching the thread in or out
    /// touches it, and the scheduler's `on_cpu` protocol keeps that to one hart at a time.
    context: UnsafeCell<Context>,
}

// SAFETY: `context` is accessed only under the scheduler's protocol described above; the
// rest is locked or immutable.
unsafe impl Sync for Thread {}

static NEXT_TID: AtomicUsize = AtomicUsize::new(1);

/// A fresh thread id (also used as process id for a process's first thread).
pub fn new_tid() -> usize {
    NEXT_TID.fetch_add(1, Ordering::Relaxed)
}

impl Thread {
    /// A thread of `process` with id `tid` that starts in user mode with the registers in
    /// `frame`, using user stack `stack_slot`, at `priority`; `None` when the kernel heap has
    /// no room for its stack.
    pub fn new(
        tid: usize,
        process: Arc<Process>,
        stack_slot: usize,
        priority: usize,
        frame: TrapFrame,
    ) -> Option<Arc<Thread>> {
        let kernel_stack = KernelStackBox::new()?;
        let thread = Arc::new(Thread {
            tid,
            trace_id: crate::trace::thread_id(process.pid, tid),
            process,
            stack_slot,
            sched: Mutex::new(SchedState {
                status: Status::Ready,
                priority,
                hart: crate::hart_id(),
                on_cpu: false,
                requeue_here: false,
                wake_reason: WakeReason::Woken,
                wait_seq: 0,
            }),
            exit: Mutex::new(ExitState {
                value: None,
                joiners: WaitQueue::new(),
            }),
            upcall: Mutex::new(super::upcall::UpcallState::default()),
            upcall_pending: core::sync::atomic::AtomicBool::new(false),
            uintr: Mutex::new(super::uintr::ThreadState::default()),
            coroutine_cpu: AtomicUsize::new(crate::coroutine::space::NO_CPU),
            coroutine_base_priority: AtomicUsize::new(priority),
            coroutine_switches_seen: core::sync::atomic::AtomicU64::new(0),
            kernel_stack,
            context: UnsafeCell::new(Context::default()),
        });
        let frame_ptr = thread.frame();
        // SAFETY: the frame is inside the new thread's own stack, which nothing uses yet.
        unsafe {
            frame_ptr.write(frame);
            *thread.context.get() = Context::new(
                thread_start as *const () as usize,
                frame_ptr as usize,
                frame_ptr as usize,
            );
        }
        Some(thread)
    }

    /// The thread's user registers, at the top of its kernel stack.
    pub fn frame(&self) -> *mut TrapFrame {
        let base = self.kernel_stack.as_ptr() as usize;
        (base + KERNEL_STACK_SIZE - size_of::<TrapFrame>()) as *mut TrapFrame
    }

    /// Where the thread's kernel registers are saved while it is switched out.
    pub fn context(&self) -> *mut Context {
        self.context.get()
    }
}

/// Where a new thread starts on its first switch-in: `s0` holds its frame; enter user mode.
#[unsafe(naked)]
unsafe extern "C" fn thread_start() -> ! {
    naked_asm!("mv a0, s0", "j {}", sym trap::return_to_user)
}
