//! hartlab's task controller from user mode: the process's queue set of hardware ready queues
//! and the IPC wake-ups between sets (`docs/hardware/task-controller.md`).
//!
//! [`TaskSet::open`] asks the kernel for the process's set and maps its registers. Tasks are
//! non-zero 64-bit ids carrying a priority ([`task_id`]); they are enqueued, dequeued in
//! priority order and bound as the handlers of the set's channels, each with one load or
//! store, no system call. A channel is woken by a SEND from a set the kernel lets send there:
//! the receiver makes a descriptor naming the channel ([`TaskSet::channel`]), a process given
//! that descriptor connects to it ([`TaskSet::connect`]) and gets a [`Sender`], whose
//! [`Sender::send`] puts the handler bound to the channel into the receiver's ready queue.
//! Children inherit the descriptor at spawn; a parent takes one from a child with
//! [`crate::syscall::dup_from_child`].
//!
//! The device exists on hartlab only: on QEMU [`TaskSet::open`] fails with
//! [`Errno::NoDevice`]. An operation the device refuses sets a bit of the set's sticky error
//! register ([`TaskSet::error`], bits in [`error`]) and changes nothing; a refused read
//! returns 0. The kernel puts the set online on a hart while one of the process's
//! user-interrupt receivers ([`crate::uintr::register_handler`]) runs there: a wake-up of a
//! task with the preempt flag then interrupts that thread, whose handler dequeues it. Without
//! a receiver the process finds woken tasks by dequeuing.

use crate::io::Fd;
use crate::syscall;
use abi::task_controller::{self as regs, policy, set, status};
use abi::Errno;

/// A set-region register of the map (`abi::task_controller::set`, the device's 64-bit
/// offsets from the region's start) as an address offset.
const fn at(offset: u64) -> usize {
    offset as usize
}

const CTRL: usize = at(set::CTRL);
const STATUS: usize = at(set::STATUS);
const ERROR: usize = at(set::ERROR);
const SEND: usize = at(set::SEND);
const CHAN_PENDING: usize = at(set::CHAN_PENDING);
const BEST: usize = at(set::BEST);
const CHAN_HANDLER: usize = at(set::CHAN_HANDLER);
const ENQUEUE: usize = at(set::ENQUEUE);
const DEQUEUE: usize = at(set::DEQUEUE);
const COUNT: usize = at(set::COUNT);

/// Entries of each local-queue register array (one 4 KiB page of 8-byte registers); queue
/// numbers below this but beyond the harts are the device's BAD_INDEX errors.
const QUEUE_SLOTS: usize = regs::MAX_HARTS;

/// Bits of the error register ([`TaskSet::error`]).
pub use abi::task_controller::error;

/// The task id of the record at `record` (non-zero, 64-byte aligned) with `priority`
/// (0 highest; the set has 8 levels by default, up to 32) and the preempt flag: the record's
/// address with the priority in bits 5:1 and the flag in bit 0.
///
/// # Panics
/// If `record` is 0 or not 64-byte aligned, or `priority` does not fit 5 bits.
pub fn task_id(record: usize, priority: u32, preempt: bool) -> u64 {
    assert!(
        record != 0 && record.is_multiple_of(64),
        "task record {record:#x} is not a non-zero 64-byte-aligned address"
    );
    assert!(
        priority < 32,
        "task priority {priority} does not fit 5 bits"
    );
    record as u64 | (priority as u64) << regs::task::PRIORITY_SHIFT | preempt as u64
}

/// The priority field of task id `task`.
pub fn priority(task: u64) -> u32 {
    regs::task::priority(task) as u32
}

/// How a set's local queues (one per hart) share their tasks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Policy {
    /// d-FCFS: a dequeue of queue q takes only q's tasks.
    Local = policy::DFCFS as isize,
    /// Steal-one (TAIC's): a dequeue of an empty queue takes one task from another queue.
    StealOne = policy::STEAL as isize,
    /// c-FCFS: all harts share one queue.
    Shared = policy::CFCFS as isize,
}

/// What the status register says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Status {
    /// The policy in force.
    pub policy: Option<Policy>,
    /// Tasks queued, in all local queues.
    pub queued: u64,
    /// Wake-ups on their way into the queues.
    pub in_flight: u64,
}

/// What the BEST register says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Best {
    /// The most urgent priority queued in any local queue; the set's number of priorities
    /// when nothing is queued.
    pub priority: u32,
    /// Entries free: the set's capacity less the tasks queued and the wake-ups in flight.
    pub free: u64,
}

/// The process's queue set.
#[derive(Clone, Copy, Debug)]
pub struct TaskSet {
    /// Where its registers are mapped.
    base: usize,
}

impl TaskSet {
    /// The process's set, allocated and mapped by the kernel on the first call
    /// ([`Errno::NoDevice`] without the device, [`Errno::NoMemory`] if every set is taken).
    pub fn open() -> Result<TaskSet, Errno> {
        syscall::taskctl_open().map(|base| TaskSet { base })
    }

    /// The set whose registers [`TaskSet::open`] mapped at `base`.
    pub(crate) fn at(base: usize) -> TaskSet {
        TaskSet { base }
    }

    /// Where the set's registers are mapped.
    pub fn address(&self) -> usize {
        self.base
    }

    /// A descriptor naming this set's channel `channel` (below [`abi::TASKCTL_CHANNELS`]),
    /// to pass to a child that is to wake it; [`Errno::Invalid`] for a bad channel.
    pub fn channel(&self, channel: usize) -> Result<Fd, Errno> {
        syscall::taskctl_channel(channel)
    }

    /// Lets this set send to the channel `fd` names; [`Errno::BadFd`] if `fd` names no
    /// channel, [`Errno::BrokenPipe`] if the channel's process has ended.
    pub fn connect(&self, fd: Fd) -> Result<Sender, Errno> {
        syscall::taskctl_connect(fd).map(|value| self.sender(value as u64))
    }

    /// A sender of SEND value `value` as [`TaskSet::connect`] returns it (one made up is
    /// refused by the device with [`error::NO_PERMISSION`] unless the capability exists).
    pub fn sender(&self, value: u64) -> Sender {
        Sender {
            register: self.base + SEND,
            value,
        }
    }

    /// Enqueues `task` into local queue `queue` at its priority, behind the tasks of that
    /// priority already there.
    pub fn enqueue(&self, queue: usize, task: u64) {
        self.write(ENQUEUE + queue_offset(queue), task)
    }

    /// Takes the best task for local queue `queue` (what the policy allows), if any is
    /// ready.
    pub fn dequeue(&self, queue: usize) -> Option<u64> {
        Some(self.read(DEQUEUE + queue_offset(queue))).filter(|&task| task != 0)
    }

    /// Tasks queued in local queue `queue` (in the shared queue under [`Policy::Shared`]).
    pub fn count(&self, queue: usize) -> u64 {
        self.read(COUNT + queue_offset(queue))
    }

    /// The most urgent priority queued in the whole set, and the entries free.
    pub fn best(&self) -> Best {
        let best = self.read(BEST);
        Best {
            priority: (best & regs::best::PRIORITY_MASK) as u32,
            free: best >> regs::best::FREE_SHIFT & 0xffff,
        }
    }

    /// The addresses of local queue `queue`'s ENQUEUE and DEQUEUE registers and of the BEST
    /// register, for code that accesses them itself (the coroutine scheduler's payload).
    pub fn queue_registers(&self, queue: usize) -> (usize, usize, usize) {
        let offset = queue_offset(queue);
        (
            self.base + ENQUEUE + offset,
            self.base + DEQUEUE + offset,
            self.base + BEST,
        )
    }

    /// Binds `task` as the handler of channel `channel`, for the next notification only,
    /// woken into the local queue of the hart this runs on (0 cancels the binding). A
    /// notification that came while nothing was bound wakes it at once.
    pub fn bind_channel(&self, channel: usize, task: u64) {
        self.write(channel_offset(channel), task)
    }

    /// The address of channel `channel`'s CHAN_HANDLER register, for code that binds to it
    /// itself (the coroutine scheduler's payload).
    pub fn channel_register(&self, channel: usize) -> usize {
        self.base + channel_offset(channel)
    }

    /// The handler bound to channel `channel`, if one is.
    pub fn channel_handler(&self, channel: usize) -> Option<u64> {
        Some(self.read(channel_offset(channel))).filter(|&task| task != 0)
    }

    /// The channels notified while no handler was bound (bit c: channel c).
    pub fn pending_channels(&self) -> u64 {
        self.read(CHAN_PENDING)
    }

    /// Switches the set's local queues to `policy`.
    pub fn set_policy(&self, policy: Policy) {
        self.write(CTRL, policy as u64)
    }

    /// The status register.
    pub fn status(&self) -> Status {
        let status = self.read(STATUS);
        Status {
            policy: match status >> status::POLICY_SHIFT & policy::MASK {
                policy::DFCFS => Some(Policy::Local),
                policy::STEAL => Some(Policy::StealOne),
                policy::CFCFS => Some(Policy::Shared),
                _ => None,
            },
            queued: status >> status::QUEUED_SHIFT & 0xffff,
            in_flight: status >> status::IN_FLIGHT_SHIFT & 0xffff,
        }
    }

    /// The error bits ([`error`]) raised since they were last cleared.
    pub fn error(&self) -> u64 {
        self.read(ERROR)
    }

    /// Clears the error bits `bits`.
    pub fn clear_error(&self, bits: u64) {
        self.write(ERROR, bits)
    }

    fn read(&self, offset: usize) -> u64 {
        // SAFETY: the kernel mapped the set's 16 KiB region at `base`, and `offset` is one of
        // its 8-byte registers (the only access the device takes).
        unsafe { ((self.base + offset) as *const u64).read_volatile() }
    }

    fn write(&self, offset: usize, value: u64) {
        // SAFETY: as in `read`.
        unsafe { ((self.base + offset) as *mut u64).write_volatile(value) }
    }
}

/// The offset of local queue `queue` in a queue register array.
///
/// # Panics
/// If `queue` lies beyond the array.
fn queue_offset(queue: usize) -> usize {
    assert!(queue < QUEUE_SLOTS, "local queue {queue} out of range");
    8 * queue
}

/// The offset of channel `channel`'s handler register.
///
/// # Panics
/// If `channel` is not below [`abi::TASKCTL_CHANNELS`].
fn channel_offset(channel: usize) -> usize {
    assert!(
        channel < abi::TASKCTL_CHANNELS,
        "channel {channel} out of range"
    );
    CHAN_HANDLER + 8 * channel
}

/// A right to wake one channel of another set (or of this one): [`Sender::send`] wakes the
/// handler bound there, or, with none bound, marks the channel pending until one is.
#[derive(Clone, Copy, Debug)]
pub struct Sender {
    /// The sending set's SEND register.
    register: usize,
    /// What is stored there: `(receiver set << 16) | channel`.
    value: u64,
}

impl Sender {
    /// Notifies the channel: one store. A refusal shows in the sending set's error register
    /// ([`error::NO_PERMISSION`] without the capability, [`error::NOT_INIT`] if the receiver
    /// is gone, [`error::QUEUE_FULL`] if its queues are full).
    pub fn send(&self) {
        // SAFETY: `register` is the SEND register of the process's mapped set.
        unsafe { (self.register as *mut u64).write_volatile(self.value) }
    }

    /// The SEND value.
    pub fn value(&self) -> u64 {
        self.value
    }
}
