//! hartlab's task controller (`hartlab,task-controller`, `docs/hardware/task-controller.md`):
//! hardware ready queues, grouped in queue sets, that IPC sends wake handler tasks into. A
//! process with a set schedules its own tasks with loads and stores to the set's registers,
//! and another process wakes one of them with one store, without a system call.
//!
//! The kernel keeps the device's global registers to itself: it allocates a set for a process
//! that asks for one ([`Set::alloc`]; the process maps the set's register region), and
//! registers the capabilities "set A may send to channel c of set B" (CAP, [`allow`]) for
//! processes holding a descriptor that names the channel ([`Channel`]). Dropping a [`Set`]
//! frees it in the device, which discards its queues and bindings and revokes every
//! capability to or from it.
//!
//! A process's set is online on a hart (HART_USET) while one of its user-interrupt receiver
//! threads runs there (`task::uintr` calls [`set_user_online`] at switch-in and switch-out):
//! a wake-up of a task with the preempt flag then raises USIP, which `sideleg` hands to that
//! thread's user-mode handler. Other processes find their woken tasks by polling DEQUEUE (an
//! offline set's queues work all the same). The kernel's own set ([`kernel_set`]) sends to
//! processes' channels and, with `net=taskctl`, holds the network's handler task, bound to
//! the card's interrupt source ([`grant_irq`], [`Set::bind_irq`]) and online in S mode on
//! the boot hart while it idles ([`set_kernel_online`]).

use crate::machine;
use abi::task_controller::{self as regs, error::QUEUE_FULL, global, set};
use abi::Errno;
use alloc::sync::{Arc, Weak};
use core::ops::Range;
use spin::{Mutex, Once};

/// A register offset of the map (`abi::task_controller`, the device's 64-bit offsets: the
/// global registers' region first, then one region per set) as an address offset.
const fn at(offset: u64) -> usize {
    offset as usize
}

/// Bytes of one register region.
const REGION: usize = at(regs::REGION);

/// The message of a [`Set`] operation that finds no device (a set exists only with one).
const WITH_DEVICE: &str = "a task-controller set without the device";

/// The device, as found in the device tree.
struct Device {
    /// The register window: the global region, then every set's.
    window: Range<usize>,
    /// Channels per set (CONFIG `[47:40]`).
    channels: usize,
}

/// The device, once looked for (`None`: the machine has none).
static DEVICE: Once<Option<Device>> = Once::new();

/// Held across each global operation and the ERROR check after it, so that ERROR reports that
/// operation's failure alone.
static GLOBAL: Mutex<()> = Mutex::new(());

/// The device, or [`Errno::NoDevice`] on a machine without one (QEMU).
fn device() -> Result<&'static Device, Errno> {
    DEVICE
        .call_once(|| {
            let window = machine::get().task_controller.clone()?;
            let config = read(window.start + at(global::CONFIG));
            Some(Device {
                window,
                channels: (config >> regs::config::CHANNELS_SHIFT & 0xff) as usize,
            })
        })
        .as_ref()
        .ok_or(Errno::NoDevice)
}

/// Channels per set; [`Errno::NoDevice`] without the device.
pub fn channels() -> Result<usize, Errno> {
    device().map(|device| device.channels)
}

/// Loads the register at `addr`.
fn read(addr: usize) -> u64 {
    // SAFETY: callers pass registers of the device's window, which the kernel maps (it is
    // one of the devices `machine` lists); the device takes aligned 8-byte accesses.
    unsafe { (addr as *const u64).read_volatile() }
}

/// Stores `value` to the register at `addr`.
fn write(addr: usize, value: u64) {
    // SAFETY: as in `read`.
    unsafe { (addr as *mut u64).write_volatile(value) }
}

/// Runs global operation `op` (given the base address) under [`GLOBAL`]; returns its value
/// and the ERROR bits it raised, which are cleared.
fn global<T>(op: impl FnOnce(usize) -> T) -> Result<(T, u64), Errno> {
    let base = device()?.window.start;
    let _global = GLOBAL.lock();
    let value = op(base);
    let error = read(base + at(global::ERROR));
    if error != 0 {
        write(base + at(global::ERROR), error);
    }
    Ok((value, error))
}

/// A queue set the kernel allocated for a process; freed in the device when dropped.
pub struct Set {
    index: usize,
}

impl Set {
    /// Allocates a set: [`Errno::NoDevice`] without the device, [`Errno::NoMemory`] when
    /// every set is taken.
    pub fn alloc() -> Result<Set, Errno> {
        let (index, error) = global(|base| read(base + at(global::ALLOC)))?;
        if error & QUEUE_FULL != 0 {
            return Err(Errno::NoMemory);
        }
        assert_eq!(error, 0, "task controller: ALLOC raised error {error:#x}");
        let set = Set {
            index: index as usize,
        };
        assert!(
            set.region().end <= device()?.window.end,
            "task controller: set {index} lies beyond the device tree's window"
        );
        Ok(set)
    }

    /// The physical address range of the set's register region (16 KiB, page aligned).
    pub fn region(&self) -> Range<usize> {
        let base = device().expect(WITH_DEVICE).window.start;
        let start = base + REGION * (1 + self.index);
        start..start + REGION
    }

    /// The physical address of the set's BEST register (for [`best_priority`]).
    pub fn best_register(&self) -> usize {
        self.region().start + at(set::BEST)
    }
}

/// The most urgent priority queued in a set, read from its BEST register at `register` (from
/// [`Set::best_register`]): a read without side effects, so a set freed meanwhile only reads
/// 0 (and notes NOT_INIT in that set's ERROR, which ALLOC clears).
pub fn best_priority(register: usize) -> usize {
    (read(register) & regs::best::PRIORITY_MASK) as usize
}

impl Drop for Set {
    fn drop(&mut self) {
        let index = self.index;
        let (_, error) =
            global(|base| write(base + at(global::FREE), index as u64)).expect(WITH_DEVICE);
        assert_eq!(
            error, 0,
            "task controller: FREE of set {index}: error {error:#x}"
        );
    }
}

/// The kernel's own set, once a kernel coroutine needed to wake a process's channel
/// (`None`: the device had no set free).
static KERNEL_SET: Once<Option<Set>> = Once::new();

/// The kernel's own set, allocated on first use.
pub fn kernel_set() -> Result<&'static Set, Errno> {
    device()?;
    KERNEL_SET
        .call_once(|| Set::alloc().ok())
        .as_ref()
        .ok_or(Errno::NoMemory)
}

impl Set {
    /// Sends from this set: `value` as [`allow`] returned it. Returns the ERROR bits the send
    /// raised (cleared again), 0 when the device took it.
    pub fn send(&self, value: u64) -> u64 {
        let region = self.region();
        write(region.start + at(set::SEND), value);
        let error = read(region.start + at(set::ERROR));
        if error != 0 {
            write(region.start + at(set::ERROR), error);
        }
        error
    }
}

/// A HART_xSET value naming no set.
const NO_SET: u64 = regs::NONE;

/// Puts `set` online for user mode on `hart` (`None`: no set). One store; no global error
/// can result for an allocated set, so no lock is taken.
pub fn set_user_online(hart: usize, set: Option<&Set>) {
    if let Ok(device) = device() {
        let value = set.map_or(NO_SET, |set| set.index as u64);
        write(
            device.window.start + at(global::HART_USET) + 8 * hart,
            value,
        );
    }
}

/// Lets set `sender` send to channel `channel` (below [`channels`]) of set `receiver`, until
/// either set is freed; returns the value `sender` stores to its SEND register to do so.
pub fn allow(sender: &Set, receiver: &Set, channel: usize) -> u64 {
    let send = regs::channel(receiver.index as u64, channel as u64);
    let cap = regs::cap(sender.index as u64, receiver.index as u64, channel as u64);
    let (_, error) = global(|base| write(base + at(global::CAP), cap)).expect(WITH_DEVICE);
    assert_eq!(error, 0, "task controller: CAP {cap:#x}: error {error:#x}");
    send
}

/// A channel of a set, as a descriptor names it (`file::File::TaskChannel`): whoever holds
/// the descriptor may have the kernel let its own set send to the channel. It does not keep
/// the set alive: once the set's process has ended, the channel is gone.
pub struct Channel {
    set: Weak<Set>,
    number: usize,
}

impl Channel {
    /// Channel `number` of `set`.
    pub fn new(set: &Arc<Set>, number: usize) -> Channel {
        Channel {
            set: Arc::downgrade(set),
            number,
        }
    }

    /// The set, or [`Errno::BrokenPipe`] if it is gone (its process ended).
    pub fn set(&self) -> Result<Arc<Set>, Errno> {
        self.set.upgrade().ok_or(Errno::BrokenPipe)
    }

    /// The channel's number within its set.
    pub fn number(&self) -> usize {
        self.number
    }
}

/// Lets `set` bind PLIC source `source` (clearing the source's latch).
pub fn grant_irq(set: &Set, source: usize) -> Result<(), Errno> {
    let grant = regs::grant(set.index as u64, source as u64);
    let (_, error) = global(|base| write(base + at(global::IRQ_GRANT), grant))?;
    if error != 0 {
        return Err(Errno::Invalid);
    }
    Ok(())
}

/// Puts `set` online for S mode on `hart` (`None`: no set): a wake-up of one of its tasks
/// with the preempt flag then raises the hart's SSIP.
pub fn set_kernel_online(hart: usize, set: Option<&Set>) {
    if let Ok(device) = device() {
        let value = set.map_or(NO_SET, |set| set.index as u64);
        write(
            device.window.start + at(global::HART_KSET) + 8 * hart,
            value,
        );
    }
}

impl Set {
    /// Binds `task` as the handler of PLIC source `source` (granted to this set), into the
    /// local queue of the calling hart; single shot. Returns the ERROR bits raised.
    pub fn bind_irq(&self, source: usize, task: u64) -> u64 {
        let region = self.region();
        write(region.start + at(set::IRQ_HANDLER) + 8 * source, task);
        let error = read(region.start + at(set::ERROR));
        if error != 0 {
            write(region.start + at(set::ERROR), error);
        }
        error
    }

    /// Takes the next task of local queue `queue` (0: none ready).
    pub fn dequeue(&self, queue: usize) -> u64 {
        read(self.region().start + at(set::DEQUEUE) + 8 * queue)
    }
}
