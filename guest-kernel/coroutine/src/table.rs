//! The payload's function table (COPS's vDSO `INTERFACE`, tornado's `SHARED_RAW_TABLE`) and
//! the caller's side of it.
//!
//! A payload is a flat image of read-only, position-independent code whose first bytes are a
//! [`Table`]: a magic number, the interface version, the policy's name, and one entry per
//! operation holding the operation's offset from the table. Offsets rather than addresses
//! keep the image free of relocations, so the same bytes run wherever they are mapped: in the
//! kernel at its physical address and in every process at `abi::layout::COROUTINE_PAYLOAD`.
//!
//! [`Payload::at`] checks the magic number and the version and fails with a
//! [`PayloadError`] on a mismatch; after that a caller only calls through the table.

use crate::control_block::Coroutine;
use crate::executor::Executor;

/// "COROTBL" and a zero byte, little-endian: the table's first word.
pub const TABLE_MAGIC: u64 = 0x004c_4254_4f52_4f43;
/// The interface this crate describes. A payload with another version is refused. Version 2
/// added the task-controller back end (the executor's `device` fields and what the operations
/// do with them); version 3 the entries `BIND` and `UNBIND` (a coroutine bound to a device
/// channel).
pub const VERSION: u32 = 3;

/// The operations, by their index in [`Table::offsets`].
pub mod entry {
    /// `init(executor)`: makes an empty executor of `size_of::<Executor>()` bytes of memory.
    pub const INIT: usize = 0;
    /// `spawn(executor, block, priority, kind) -> id`.
    pub const SPAWN: usize = 1;
    /// `run_next(executor, cpu) -> RunResult`: polls the next coroutine on thread `cpu`.
    pub const RUN_NEXT: usize = 2;
    /// `wake(executor, id) -> 1 if it was blocked or running, else 0`.
    pub const WAKE: usize = 3;
    /// `current(executor, cpu) -> id` thread `cpu` polls (0: none).
    pub const CURRENT: usize = 4;
    /// `set_priority(executor, id, priority) -> 1, or 0 for a bad priority`.
    pub const SET_PRIORITY: usize = 5;
    /// `best_priority(executor) -> the most urgent ready priority` (`NO_PRIORITY`: none).
    pub const BEST_PRIORITY: usize = 6;
    /// `bind(executor, id, register) -> 1 if bound, 0 if not`: on the task-controller back
    /// end, binds coroutine `id` to a channel by storing its task id to `register` (that
    /// channel's CHAN_HANDLER register), so that the device queues the coroutine itself when
    /// the channel is notified (TAIC's wake-up).
    pub const BIND: usize = 7;
    /// `unbind(executor, id, register)`: undoes a `bind` whose channel will not be notified.
    pub const UNBIND: usize = 8;
    /// How many entries version 3 has.
    pub const COUNT: usize = 9;
}

/// What one `run_next` did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(u32)]
pub enum RunResult {
    /// Nothing was ready.
    Empty = 0,
    /// A coroutine was polled and is pending (blocked, or queued again if it was woken).
    Pending = 1,
    /// A coroutine was polled and completed.
    Completed = 2,
    /// Another thread held the executor's lock for a while: try again later.
    Busy = 3,
}

impl RunResult {
    /// The result a raw value stands for (an unknown value counts as `Busy`).
    pub fn from_raw(raw: u32) -> RunResult {
        match raw {
            0 => RunResult::Empty,
            1 => RunResult::Pending,
            2 => RunResult::Completed,
            _ => RunResult::Busy,
        }
    }
}

/// The table at a payload's first byte.
#[repr(C)]
pub struct Table {
    /// [`TABLE_MAGIC`].
    pub magic: u64,
    /// [`VERSION`] of the interface the payload implements.
    pub version: u32,
    /// Entries in `offsets`.
    pub entries: u32,
    /// The policy's name, ASCII, zero-padded.
    pub policy: [u8; 16],
    /// `size_of::<Executor>()` as the payload was built.
    pub executor_size: u64,
    /// Offset of each operation from the table's first byte.
    pub offsets: [u64; entry::COUNT],
}

/// Why a payload cannot be used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PayloadError {
    /// The first word is not [`TABLE_MAGIC`]: not a payload.
    BadMagic(u64),
    /// The payload implements another interface version.
    Version {
        /// The payload's version.
        found: u32,
        /// The version this code was built for.
        want: u32,
    },
    /// The table is too short, or an entry points outside the payload.
    BadTable,
    /// The payload's executor layout differs from this code's.
    ExecutorSize(u64),
}

/// A checked payload: call its operations.
#[derive(Clone, Copy)]
pub struct Payload {
    base: usize,
    len: usize,
}

type InitFn = unsafe extern "C" fn(*mut Executor);
type SpawnFn = unsafe extern "C" fn(*mut Executor, *mut Coroutine, u32, u32) -> usize;
type RunNextFn = unsafe extern "C" fn(*mut Executor, usize) -> u32;
type WakeFn = unsafe extern "C" fn(*mut Executor, usize) -> u32;
type CurrentFn = unsafe extern "C" fn(*mut Executor, usize) -> usize;
type SetPriorityFn = unsafe extern "C" fn(*mut Executor, usize, u32) -> u32;
type BestPriorityFn = unsafe extern "C" fn(*mut Executor) -> u32;
type BindFn = unsafe extern "C" fn(*mut Executor, usize, usize) -> u32;
type UnbindFn = unsafe extern "C" fn(*mut Executor, usize, usize);

impl Payload {
    /// The payload mapped at `base` (`len` bytes, executable), checked.
    ///
    /// # Safety
    /// `base..base + len` must be mapped readable for as long as the `Payload` is used.
    pub unsafe fn at(base: usize, len: usize) -> Result<Payload, PayloadError> {
        if len < core::mem::size_of::<Table>() {
            return Err(PayloadError::BadTable);
        }
        // SAFETY: mapped and large enough, as the caller promises; the table is 8-aligned.
        let table = unsafe { &*(base as *const Table) };
        if table.magic != TABLE_MAGIC {
            return Err(PayloadError::BadMagic(table.magic));
        }
        if table.version != VERSION {
            return Err(PayloadError::Version {
                found: table.version,
                want: VERSION,
            });
        }
        if (table.entries as usize) < entry::COUNT
            || table
                .offsets
                .iter()
                .any(|&offset| offset as usize >= len || offset % 2 != 0)
        {
            return Err(PayloadError::BadTable);
        }
        if table.executor_size != core::mem::size_of::<Executor>() as u64 {
            return Err(PayloadError::ExecutorSize(table.executor_size));
        }
        Ok(Payload { base, len })
    }

    fn table(&self) -> &Table {
        // SAFETY: checked by `at`.
        unsafe { &*(self.base as *const Table) }
    }

    /// Where the payload is mapped.
    pub fn base(&self) -> usize {
        self.base
    }

    /// Its length in bytes.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether it is empty (never, once checked).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The name of its policy.
    pub fn policy(&self) -> &str {
        let name = &self.table().policy;
        let end = name.iter().position(|&b| b == 0).unwrap_or(name.len());
        core::str::from_utf8(&name[..end]).unwrap_or("?")
    }

    /// The interface version.
    pub fn version(&self) -> u32 {
        self.table().version
    }

    fn function(&self, index: usize) -> usize {
        self.base + self.table().offsets[index] as usize
    }

    /// Makes `executor` an empty executor.
    ///
    /// # Safety
    /// `executor` must be writable memory of `size_of::<Executor>()` bytes, not in use.
    pub unsafe fn init(&self, executor: *mut Executor) {
        // SAFETY: the entry is the payload's `init`, checked to lie inside it.
        let f: InitFn = unsafe { core::mem::transmute(self.function(entry::INIT)) };
        unsafe { f(executor) }
    }

    /// Queues the coroutine `block` at `priority`; returns its id.
    ///
    /// # Safety
    /// `executor` must be initialised; `block` must stay valid until its `release` runs.
    pub unsafe fn spawn(
        &self,
        executor: *mut Executor,
        block: *mut Coroutine,
        priority: u32,
        kind: u32,
    ) -> usize {
        // SAFETY: as for `init`.
        let f: SpawnFn = unsafe { core::mem::transmute(self.function(entry::SPAWN)) };
        unsafe { f(executor, block, priority, kind) }
    }

    /// Polls the next coroutine, as thread `cpu` (below `MAX_CPUS`).
    ///
    /// # Safety
    /// `executor` must be initialised.
    pub unsafe fn run_next(&self, executor: *mut Executor, cpu: usize) -> RunResult {
        // SAFETY: as for `init`.
        let f: RunNextFn = unsafe { core::mem::transmute(self.function(entry::RUN_NEXT)) };
        RunResult::from_raw(unsafe { f(executor, cpu) })
    }

    /// Wakes coroutine `id`; returns whether it was blocked or running.
    ///
    /// # Safety
    /// `id` must name a coroutine of `executor` that has not been released.
    pub unsafe fn wake(&self, executor: *mut Executor, id: usize) -> bool {
        // SAFETY: as for `init`.
        let f: WakeFn = unsafe { core::mem::transmute(self.function(entry::WAKE)) };
        unsafe { f(executor, id) != 0 }
    }

    /// The coroutine thread `cpu` polls (0: none).
    ///
    /// # Safety
    /// `executor` must be initialised.
    pub unsafe fn current(&self, executor: *mut Executor, cpu: usize) -> usize {
        // SAFETY: as for `init`.
        let f: CurrentFn = unsafe { core::mem::transmute(self.function(entry::CURRENT)) };
        unsafe { f(executor, cpu) }
    }

    /// Sets coroutine `id`'s priority; returns false for a priority out of range.
    ///
    /// # Safety
    /// As for [`Payload::wake`].
    pub unsafe fn set_priority(&self, executor: *mut Executor, id: usize, priority: u32) -> bool {
        // SAFETY: as for `init`.
        let f: SetPriorityFn = unsafe { core::mem::transmute(self.function(entry::SET_PRIORITY)) };
        unsafe { f(executor, id, priority) != 0 }
    }

    /// The most urgent ready priority (`NO_PRIORITY` when nothing is ready).
    ///
    /// # Safety
    /// `executor` must be initialised.
    pub unsafe fn best_priority(&self, executor: *mut Executor) -> u32 {
        // SAFETY: as for `init`.
        let f: BestPriorityFn =
            unsafe { core::mem::transmute(self.function(entry::BEST_PRIORITY)) };
        unsafe { f(executor) }
    }

    /// Binds coroutine `id` to the device channel whose CHAN_HANDLER register is at
    /// `register`: when the channel is notified, the device queues the coroutine as ready,
    /// with no thread's help. False when the executor is not on the task controller or has
    /// no entry of its set free for the wake-up.
    ///
    /// # Safety
    /// As for [`Payload::wake`]; `register` is a CHAN_HANDLER register of the executor's set,
    /// mapped, and no other binding of this executor waits on that channel.
    pub unsafe fn bind(&self, executor: *mut Executor, id: usize, register: usize) -> bool {
        // SAFETY: as for `init`.
        let f: BindFn = unsafe { core::mem::transmute(self.function(entry::BIND)) };
        unsafe { f(executor, id, register) != 0 }
    }

    /// Undoes a [`Payload::bind`] whose channel will never be notified.
    ///
    /// # Safety
    /// `id` and `register` are those of a binding `bind` made that the device has not fired.
    pub unsafe fn unbind(&self, executor: *mut Executor, id: usize, register: usize) {
        // SAFETY: as for `init`.
        let f: UnbindFn = unsafe { core::mem::transmute(self.function(entry::UNBIND)) };
        unsafe { f(executor, id, register) }
    }
}
