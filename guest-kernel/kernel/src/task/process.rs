//! Processes: an address space, open files, threads, children.
//!
//! A process starts from a program bundled into the kernel image (`programs`), loaded from
//! its ELF file (`loader`), with one thread. It ends when one of its threads calls `exit` or
//! faults (the kernel kills it), or when its last thread ends. Then its threads are stopped,
//! its files closed, and it stays a zombie holding its exit status until its parent `wait`s
//! for it, which frees the rest (the address space goes with the last reference). A process
//! may have one queue set of the task controller (`taskctl`), allocated on demand and freed
//! with its files.

use super::scheduler::{self, WakeReason};
use super::thread::{self, Status, Thread};
use super::wait_queue::WaitQueue;
use crate::file::{FdTable, File};
use crate::mm::{self, Perm, SharedMemory, UserSpace};
use crate::trap::TrapFrame;
use crate::{loader, programs, taskctl};
use abi::layout::{STACK_STRIDE, STACK_TOP, THREAD_STACK_SIZE};
use abi::Errno;
use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, Ordering};
use spin::Mutex;

/// Most threads a process may have at once (each has a user stack slot, 4 GiB of address
/// space for all): high enough that RAM, not this, limits a server with a thread per task.
const MAX_THREADS: usize = 4096;

/// Every process not yet reaped, by pid (for calls that name another process).
static PROCESSES: Mutex<BTreeMap<usize, Weak<Process>>> = Mutex::new(BTreeMap::new());

/// The process with id `pid`, if it exists.
pub fn find(pid: usize) -> Option<Arc<Process>> {
    PROCESSES.lock().get(&pid).and_then(Weak::upgrade)
}

/// A process.
pub struct Process {
    /// Process id: the thread id of its first thread.
    pub pid: usize,
    /// The program it runs.
    pub name: String,
    /// Its address space.
    pub space: Mutex<UserSpace>,
    /// Set once the process is ending: its threads stop at their next return to user mode.
    exiting: AtomicBool,
    /// The process the kernel starts at boot; its end shuts the machine down.
    is_init: bool,
    /// Its user-interrupt sender table (see `uintr`).
    pub uintr: super::uintr::ProcessState,
    /// Its coroutine executor, payload and priority table, once it has set them up.
    pub coroutine: spin::Once<crate::coroutine::space::CoroutineSpace>,
    /// Its asynchronous system calls' completion ring and wake-up path, once set up.
    pub async_io: spin::Once<crate::coroutine::async_io::AsyncState>,
    inner: Mutex<ProcessInner>,
}

/// The mutable part of a process.
struct ProcessInner {
    /// Threads not yet joined (exited ones stay until joined, for their exit values).
    threads: Vec<Arc<Thread>>,
    /// Threads that have not exited.
    live_threads: usize,
    /// The exit status, once `exiting`.
    status: i32,
    /// Ended: every thread has exited; only the status is left.
    zombie: bool,
    files: FdTable,
    parent: Weak<Process>,
    children: Vec<Arc<Process>>,
    /// This process's threads waiting in `wait` for a child to end.
    child_waiters: WaitQueue,
    /// User stack slots in use (index = slot).
    stack_slots: Vec<bool>,
    /// Slots whose stacks are mapped (stacks stay mapped for reuse until the process ends).
    mapped_slots: usize,
    /// Next address `map_memory` hands out.
    map_cursor: usize,
    /// Where each device of `abi::device` is mapped, once it is.
    devices: [Option<usize>; 1],
    /// Shared memory mapped here (children spawned later map it too).
    shared: Vec<Arc<SharedMemory>>,
    /// The upcall handler's address (0: none).
    upcall_handler: usize,
    /// The task-controller queue set, once asked for (mapped at `abi::layout::TASK_SET`).
    task_set: Option<Arc<taskctl::Set>>,
}

impl Process {
    /// Starts `program` with `args` as a child of `parent` (none: the init process), sharing
    /// copies of the parent's open files. Returns the new process.
    pub fn spawn(
        program: &str,
        args: &str,
        parent: Option<&Arc<Process>>,
    ) -> Result<Arc<Process>, Errno> {
        let elf = programs::find(program).ok_or(Errno::NoEntry)?;
        let pid = thread::new_tid();
        let mut space = UserSpace::new(mm::asid_for(pid))?;
        let entry = loader::load(&mut space, elf)?;
        let (files, shared, map_cursor) = match parent {
            Some(parent) => {
                let inner = parent.inner.lock();
                (inner.files.clone(), inner.shared.clone(), inner.map_cursor)
            }
            None => (FdTable::with_console(), Vec::new(), abi::layout::MAP_START),
        };
        for memory in &shared {
            space.map_shared(memory)?;
        }
        let process = Arc::new(Process {
            pid,
            name: String::from(program),
            space: Mutex::new(space),
            exiting: AtomicBool::new(false),
            is_init: parent.is_none(),
            uintr: Default::default(),
            coroutine: spin::Once::new(),
            async_io: spin::Once::new(),
            inner: Mutex::new(ProcessInner {
                threads: Vec::new(),
                live_threads: 0,
                status: 0,
                zombie: false,
                files,
                parent: parent.map(Arc::downgrade).unwrap_or_default(),
                children: Vec::new(),
                child_waiters: WaitQueue::new(),
                stack_slots: Vec::new(),
                mapped_slots: 0,
                map_cursor,
                devices: [None],
                shared,
                upcall_handler: 0,
                task_set: None,
            }),
        });
        PROCESSES.lock().insert(pid, Arc::downgrade(&process));
        let slot = process.take_stack_slot()?;
        let stack_top = slot_top(slot);
        let (sp, argc, argv) = push_arguments(&process.space.lock(), stack_top, program, args)?;
        let frame = TrapFrame::user(entry, sp, argc, argv);
        let main = Thread::new(pid, process.clone(), slot, abi::DEFAULT_PRIORITY, frame)
            .ok_or(Errno::NoMemory)?;
        {
            let mut inner = process.inner.lock();
            inner.threads.push(main.clone());
            inner.live_threads = 1;
        }
        if let Some(parent) = parent {
            parent.inner.lock().children.push(process.clone());
        }
        scheduler::start(main);
        Ok(process)
    }

    /// Starts a new thread of this process at `entry` with `a0` = `arg` and a fresh stack;
    /// returns its thread id.
    pub fn create_thread(
        self: &Arc<Self>,
        entry: usize,
        arg: usize,
        priority: usize,
    ) -> Result<usize, Errno> {
        let slot = self.take_stack_slot()?;
        let tid = thread::new_tid();
        let frame = TrapFrame::user(entry, slot_top(slot), arg, 0);
        let Some(thread) = Thread::new(tid, self.clone(), slot, priority, frame) else {
            self.inner.lock().stack_slots[slot] = false;
            return Err(Errno::NoMemory);
        };
        {
            let mut inner = self.inner.lock();
            inner.threads.push(thread.clone());
            inner.live_threads += 1;
        }
        scheduler::start(thread);
        Ok(tid)
    }

    /// A free user stack slot, its stack mapped.
    fn take_stack_slot(&self) -> Result<usize, Errno> {
        let mut inner = self.inner.lock();
        let slot = match inner.stack_slots.iter().position(|used| !used) {
            Some(slot) => slot,
            None if inner.stack_slots.len() < MAX_THREADS => {
                inner.stack_slots.push(false);
                inner.stack_slots.len() - 1
            }
            None => return Err(Errno::NoMemory),
        };
        if slot >= inner.mapped_slots {
            let top = slot_top(slot);
            self.space
                .lock()
                .map_zeroed(top - THREAD_STACK_SIZE..top, Perm::ReadWrite)?;
            inner.mapped_slots = slot + 1;
            mm::flush_local();
        }
        inner.stack_slots[slot] = true;
        Ok(slot)
    }

    /// Whether the process is ending.
    pub fn is_exiting(&self) -> bool {
        self.exiting.load(Ordering::Acquire)
    }

    /// Ends the process with `status` (the first caller's status counts): every thread stops
    /// at its next return to user mode; blocked threads are woken to do so, running ones are
    /// interrupted.
    pub fn exit(&self, status: i32) {
        let inner = &mut *self.inner.lock();
        if self.exiting.swap(true, Ordering::AcqRel) {
            return;
        }
        inner.status = status;
        crate::coroutine::async_io::cancel_all(self);
        for thread in &inner.threads {
            if !scheduler::wake(thread, WakeReason::Killed, None) {
                let sched = thread.sched.lock();
                if sched.status == Status::Running && sched.hart != crate::hart_id() {
                    crate::smp::send_ipi(sched.hart);
                }
            }
        }
    }

    /// Bytes of RAM the frames of the process's address space hold (code, data, heap, user
    /// stacks).
    pub fn frames_held(&self) -> usize {
        self.space.lock().owned_bytes()
    }

    /// Bytes of kernel stack the process's threads not yet ended hold.
    pub fn kernel_stacks_held(&self) -> usize {
        self.inner.lock().live_threads * super::thread::KERNEL_STACK_SIZE
    }

    /// Records that `thread` has ended with `value`; the last thread to end ends the process.
    pub fn thread_exited(self: &Arc<Self>, thread: &Thread, value: usize) {
        {
            let mut exit = thread.exit.lock();
            exit.value = Some(value);
            exit.joiners.wake_all();
        }
        let last = {
            let mut inner = self.inner.lock();
            inner.stack_slots[thread.stack_slot] = false;
            inner.live_threads -= 1;
            inner.live_threads == 0
        };
        if last {
            self.finish();
        }
    }

    /// After the last thread: close the files, free the task-controller set, become a
    /// zombie, tell the parent.
    fn finish(self: &Arc<Self>) {
        let (status, parent, files, task_set) = {
            let mut inner = self.inner.lock();
            inner.zombie = true;
            let files = core::mem::take(&mut inner.files);
            let task_set = inner.task_set.take();
            (inner.status, inner.parent.upgrade(), files, task_set)
        };
        crate::coroutine::space::forget(self);
        // Closing may wake other processes (pipe readers see the end of file).
        drop(files);
        // Frees the set in the device (its region stays mapped, but no thread runs here any
        // more), revoking the capabilities to and from it.
        drop(task_set);
        if let Some(parent) = parent {
            parent.inner.lock().child_waiters.wake_all();
        }
        if self.is_init {
            crate::init::finished(&self.name, status);
        }
    }

    /// Waits for a child (`pid` = -1: any) to end; returns its pid and exit status.
    pub fn wait(&self, pid: isize) -> Result<(usize, i32), Errno> {
        loop {
            let mut inner = self.inner.lock();
            let candidates = || {
                inner
                    .children
                    .iter()
                    .filter(|c| pid == -1 || c.pid as isize == pid)
            };
            if candidates().next().is_none() {
                return Err(Errno::NoChild);
            }
            if let Some(index) = inner
                .children
                .iter()
                .position(|c| (pid == -1 || c.pid as isize == pid) && c.inner.lock().zombie)
            {
                let child = inner.children.remove(index);
                let status = {
                    let mut child_inner = child.inner.lock();
                    // Threads and their process refer to each other: letting go of the
                    // (exited) threads lets the process, its memory and its kernel stacks go
                    // once the last hart that ran it has switched away.
                    child_inner.threads.clear();
                    child_inner.status
                };
                return Ok((child.pid, status));
            }
            if self.is_exiting() {
                return Err(Errno::NoChild);
            }
            scheduler::prepare_to_block();
            inner.child_waiters.push(scheduler::current());
            scheduler::block(inner);
        }
    }

    /// Waits for thread `tid` of this process to end; returns its exit value.
    pub fn join(&self, tid: usize) -> Result<usize, Errno> {
        if tid == scheduler::current().tid {
            return Err(Errno::Deadlock);
        }
        let thread = self
            .inner
            .lock()
            .threads
            .iter()
            .find(|t| t.tid == tid)
            .cloned()
            .ok_or(Errno::NoProcess)?;
        loop {
            let mut exit = thread.exit.lock();
            if let Some(value) = exit.value {
                drop(exit);
                self.inner.lock().threads.retain(|t| t.tid != tid);
                return Ok(value);
            }
            if self.is_exiting() {
                return Err(Errno::NoProcess);
            }
            scheduler::prepare_to_block();
            exit.joiners.push(scheduler::current());
            scheduler::block(exit);
        }
    }

    /// A thread of this process by id.
    pub fn thread(&self, tid: usize) -> Option<Arc<Thread>> {
        self.inner
            .lock()
            .threads
            .iter()
            .find(|t| t.tid == tid)
            .cloned()
    }

    /// The file open as `fd`.
    pub fn file(&self, fd: usize) -> Result<Arc<File>, Errno> {
        self.inner.lock().files.get(fd)
    }

    /// Opens `file` at the lowest free descriptor.
    pub fn open(&self, file: File) -> Result<usize, Errno> {
        self.open_shared(Arc::new(file))
    }

    /// Opens `file`, which other descriptors may share, at the lowest free descriptor.
    pub fn open_shared(&self, file: Arc<File>) -> Result<usize, Errno> {
        self.inner.lock().files.insert(file)
    }

    /// This process's child `pid`, if it has not been waited for.
    pub fn child(&self, pid: usize) -> Option<Arc<Process>> {
        self.inner
            .lock()
            .children
            .iter()
            .find(|child| child.pid == pid)
            .cloned()
    }

    /// Closes `fd`.
    pub fn close(&self, fd: usize) -> Result<(), Errno> {
        let file = self.inner.lock().files.remove(fd)?;
        // Dropped outside the lock: closing a pipe end wakes the other side.
        drop(file);
        Ok(())
    }

    /// Maps `len` bytes of fresh memory; returns the address.
    pub fn map_memory(&self, len: usize) -> Result<usize, Errno> {
        if len == 0 || len > abi::layout::DEVICE_START - abi::layout::MAP_START {
            return Err(Errno::Invalid);
        }
        let len = mm::page_ceil(len);
        let mut inner = self.inner.lock();
        let start = inner.map_cursor;
        if start + len > abi::layout::DEVICE_START {
            return Err(Errno::NoMemory);
        }
        if len / mm::PAGE_SIZE > mm::free_frames() {
            return Err(Errno::NoMemory);
        }
        self.space
            .lock()
            .map_zeroed(start..start + len, Perm::ReadWrite)?;
        inner.map_cursor += len;
        mm::flush_local();
        Ok(start)
    }

    /// Maps `len` bytes of fresh memory shared with the children spawned from now on; returns
    /// the address.
    pub fn map_shared(&self, len: usize) -> Result<usize, Errno> {
        if len == 0 || len > abi::layout::DEVICE_START - abi::layout::MAP_START {
            return Err(Errno::Invalid);
        }
        let len = mm::page_ceil(len);
        let mut inner = self.inner.lock();
        let start = inner.map_cursor;
        if start + len > abi::layout::DEVICE_START || len / mm::PAGE_SIZE > mm::free_frames() {
            return Err(Errno::NoMemory);
        }
        let memory = Arc::new(SharedMemory::new(start, len / mm::PAGE_SIZE)?);
        self.space.lock().map_shared(&memory)?;
        inner.shared.push(memory);
        inner.map_cursor += len;
        mm::flush_local();
        Ok(start)
    }

    /// Sets the upcall handler (0: none).
    pub fn set_upcall_handler(&self, entry: usize) {
        self.inner.lock().upcall_handler = entry;
    }

    /// The upcall handler (0: none).
    pub fn upcall_handler(&self) -> usize {
        self.inner.lock().upcall_handler
    }

    /// The process's task-controller queue set, if it has asked for one.
    pub fn existing_task_set(&self) -> Option<Arc<taskctl::Set>> {
        self.inner.lock().task_set.clone()
    }

    /// The process's task-controller queue set, allocated and its register region mapped at
    /// `abi::layout::TASK_SET` on the first call.
    pub fn task_set(&self) -> Result<Arc<taskctl::Set>, Errno> {
        let mut inner = self.inner.lock();
        if let Some(set) = &inner.task_set {
            return Ok(set.clone());
        }
        let set = Arc::new(taskctl::Set::alloc()?);
        // The region's four pages share one leaf table, so running out of memory can only
        // fail the first page's mapping: nothing stays mapped to a set that is freed again.
        self.space
            .lock()
            .map_device(abi::layout::TASK_SET, set.region())?;
        mm::flush_local();
        inner.task_set = Some(set.clone());
        crate::coroutine::space::note_task_set(self, &set);
        Ok(set)
    }

    /// The process's task-controller set if it has one (never allocates one).
    pub fn open_task_set(&self) -> Option<Arc<taskctl::Set>> {
        self.inner.lock().task_set.clone()
    }

    /// Maps device `device` (`abi::device`) at `phys`; returns its user address (the same
    /// one on every call).
    pub fn map_device(&self, device: usize, phys: core::ops::Range<usize>) -> Result<usize, Errno> {
        let mut inner = self.inner.lock();
        let slot = inner.devices.get_mut(device).ok_or(Errno::Invalid)?;
        if let Some(addr) = *slot {
            return Ok(addr);
        }
        let addr = abi::layout::DEVICE_START + device * 0x10_0000;
        self.space.lock().map_device(addr, phys)?;
        *slot = Some(addr);
        mm::flush_local();
        Ok(addr)
    }
}

/// The top of user stack `slot`.
fn slot_top(slot: usize) -> usize {
    STACK_TOP - slot * STACK_STRIDE
}

/// Puts `argv` (the program name, then `args` split at spaces) on the stack below
/// `stack_top` as `abi::start` describes; returns `sp`, `argc` and `argv`.
fn push_arguments(
    space: &UserSpace,
    stack_top: usize,
    program: &str,
    args: &str,
) -> Result<(usize, usize, usize), Errno> {
    let words: Vec<&str> = core::iter::once(program)
        .chain(args.split(' ').filter(|w| !w.is_empty()))
        .collect();
    let mut at = stack_top;
    let mut pointers = Vec::with_capacity(words.len() + 1);
    for word in &words {
        at -= word.len() + 1;
        space.write(at, word.as_bytes())?;
        space.write(at + word.len(), &[0])?;
        pointers.push(at);
    }
    pointers.push(0);
    at &= !7;
    at -= pointers.len() * 8;
    let argv = at;
    for (i, pointer) in pointers.iter().enumerate() {
        space.write(argv + i * 8, &pointer.to_le_bytes())?;
    }
    if stack_top - at > THREAD_STACK_SIZE / 2 {
        return Err(Errno::Invalid);
    }
    Ok((at & !15, words.len(), argv))
}

impl Drop for Process {
    fn drop(&mut self) {
        PROCESSES.lock().remove(&self.pid);
    }
}
