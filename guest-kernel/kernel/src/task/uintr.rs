//! User interrupts: threads that take interrupts in user mode (the N extension) sent by other
//! threads with `uipi.send` through the UINTC, without the kernel on the path.
//!
//! A thread becomes a *receiver* by registering a handler: it gets a UINTC slot and its own
//! copy of the N-extension registers (`utvec`, `uscratch`, `uepc`, `ucause`, `utval`, `uie`;
//! `ustatus` lives in the trap frame's `sstatus`) and of hartlab's user timer `utimecmp`
//! (CSR 0x8C0): while it runs, user timer interrupts are delegated to it too, so it may arm
//! the timer and enable `uie.UTIE` itself; switched out, its timer is disarmed on the hart. A *sender* process has a sender table,
//! one page whose entries name receiver slots; `suist` points at it while its threads run.
//! Descriptors from `uintr_create_fd` carry the right to add a receiver to a sender table.
//!
//! Routing of a receiver's slot (the slot's hart field decides whose USIP line it raises):
//! - running on hart h: active, routed to h, `sideleg.USI` set there, so a send traps
//!   straight into its handler;
//! - ready but not running: inactive; pending bits wait in the slot until it runs again;
//! - blocked in `uintr_wait`: active and routed to a hart that runs no receiver, where
//!   `sideleg.USI` is clear, so the send raises a supervisor interrupt there and the kernel
//!   wakes the thread ([`on_interrupt`]). When every hart runs a receiver the slot is
//!   *parked* (inactive) until one hart stops running one ([`switch_out`] adopts it), since
//!   a receiver's handler must never see another thread's interrupt.
//!
//! When the kernel itself has found a receiver's slot pending (it woke the receiver, or
//! `uintr_wait` found an interrupt already there) it delivers it by setting the software
//! `sip.USIP` bit for the receiver's return to user mode, rather than waiting for the UINTC's
//! line, which rises again, `send_visibility_cycles` late, each time the slot is re-routed;
//! the handler trampoline clears that bit. A switch-out carries a set bit over to the
//! thread's next switch-in.
//!
//! The task controller drives the same USIP line for the queue set of the running receiver's
//! process (see `taskctl`), so a preempting wake-up also lands in the receiver's handler.
//!
//! Without a UINTC (QEMU) the calls fail with `NoDevice` and the hooks do nothing. CSRs are
//! named by number (`utvec` 0x005, `uscratch` 0x040, `uepc` 0x041, `ucause` 0x042, `utval`
//! 0x043, `uie` 0x004, `sideleg` 0x103, `suist` 0x1B0, `suirs` 0x1B1): the assembler no
//! longer knows the N extension's names.

use super::scheduler::{self, WakeReason};
use super::thread::{Status, Thread};
use crate::machine;
use crate::mm::frame::{self, Frame};
use crate::per_hart::{HartSet, PerHart};
use abi::Errno;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use spin::{Mutex, Once};

/// `sideleg`/`sie`/`sip` bit of the user software interrupt.
const USI: usize = 1 << 0;
/// `sideleg`/`uie` bit of the user timer interrupt (hartlab's `utimecmp`, CSR 0x8C0).
const UTI: usize = 1 << 4;
/// `ustatus.UIE`, also visible in `sstatus`.
pub const UIE: usize = 1 << 0;
/// Enable bit of `suist` and `suirs`.
const UINTR_ENABLE: usize = abi::uintc::UINTR_ENABLE as usize;
/// `scause` of a user software interrupt (code 0) taken in S mode.
pub const USI_CAUSE: usize = 1 << 63;
/// Entries of a one-page sender table (8 bytes each).
const TABLE_ENTRIES: usize = 4096 / 8;

/// The UINTC's registers.
struct Uintc {
    base: usize,
    slots: usize,
}

/// Bytes of a slot and offsets in it (`abi::uintc`).
const SLOT_BYTES: usize = abi::uintc::SLOT_BYTES as usize;
const LOW: usize = abi::uintc::LOW as usize;
const HIGH: usize = abi::uintc::HIGH as usize;

impl Uintc {
    fn reg(&self, slot: usize, offset: usize) -> *mut u64 {
        (self.base + slot * SLOT_BYTES + offset) as *mut u64
    }

    /// Routes `slot` to `hart` and (de)activates it.
    fn route(&self, slot: usize, active: bool, hart: usize) {
        // SAFETY: a slot register of the UINTC, identity mapped for the kernel.
        unsafe {
            self.reg(slot, LOW)
                .write_volatile(active as u64 | ((hart as u64) << abi::uintc::LOW_HARTID_SHIFT))
        };
    }

    /// Reads and clears `slot`'s pending word.
    fn take_pending(&self, slot: usize) -> u64 {
        // SAFETY: as in `route`.
        unsafe { self.reg(slot, HIGH).read_volatile() }
    }

    /// Whether `slot` has vectors pending, leaving them pending (the device has no plain
    /// read: this reads and clears, then puts the bits back).
    fn is_pending(&self, slot: usize) -> bool {
        let bits = self.take_pending(slot);
        if bits != 0 {
            // SAFETY: as in `route`; a HIGH write ORs into the pending word, so a send that
            // landed in between is kept too.
            unsafe { self.reg(slot, HIGH).write_volatile(bits) };
        }
        bits != 0
    }
}

static UINTC: Once<Uintc> = Once::new();

/// Slots in use, one bit each.
static SLOTS_USED: Mutex<Vec<u64>> = Mutex::new(Vec::new());

/// Some thread has become a receiver or some process a sender: until then the context-switch
/// hooks return at once, so the kernel's switch costs do not change for programs that never
/// use user interrupts.
static IN_USE: AtomicBool = AtomicBool::new(false);

/// Per hart: its CSRs hold user-interrupt state of the running thread (to skip the hooks for
/// threads that never used user interrupts).
static LOADED: PerHart<AtomicBool> = PerHart::new();

/// Per hart: a task-controller set is online for the running receiver (HART_USET).
static USET_ONLINE: PerHart<AtomicBool> = PerHart::new();

/// Per hart: the kernel, on another hart, asked for a user interrupt for the receiver loaded
/// here ([`raise`]); taken on the way back to user mode or by the receiver's switch-out.
static INJECT_REQUEST: PerHart<AtomicBool> = PerHart::new();

/// Harts running a receiver (`sideleg.USI` set). Changed under [`ROUTING`]'s lock.
static RECEIVER_RUNNING: HartSet = HartSet::new();

/// Allocates the per-hart state of user interrupts (see `per_hart`). Called once, on the boot
/// hart, before any hart runs a thread.
pub fn init() {
    LOADED.init(|_| AtomicBool::new(false));
    USET_ONLINE.init(|_| AtomicBool::new(false));
    INJECT_REQUEST.init(|_| AtomicBool::new(false));
    RECEIVER_RUNNING.init();
}

/// Finds the UINTC and prepares this hart: user software interrupts reach S mode (none are
/// delegated to U until a receiver runs). The firmware delegates USI to S (`mideleg` bit 0).
pub fn init_hart() {
    let Some(regs) = machine::get().uintc.clone() else {
        return;
    };
    UINTC.call_once(|| {
        let slots = regs.len() / SLOT_BYTES;
        *SLOTS_USED.lock() = alloc::vec![0; slots.div_ceil(64)];
        Uintc {
            base: regs.start,
            slots,
        }
    });
    // SAFETY: user-interrupt CSRs of this hart; nothing is delegated to U yet.
    unsafe {
        core::arch::asm!("csrw 0x103, zero");
        core::arch::asm!("csrs sie, {}", in(reg) USI);
    }
}

/// A UINTC receiver slot, owned by a receiver thread and by the descriptors and sender
/// tables naming it; free again when the last of them is gone.
pub struct Slot(usize);

impl Slot {
    fn alloc() -> Option<Arc<Slot>> {
        let mut used = SLOTS_USED.lock();
        let slots = UINTC.get()?.slots;
        let (word, bits) = used
            .iter_mut()
            .enumerate()
            .find(|(_, bits)| **bits != u64::MAX)?;
        let slot = word * 64 + bits.trailing_ones() as usize;
        if slot >= slots {
            return None;
        }
        *bits |= 1 << (slot % 64);
        Some(Arc::new(Slot(slot)))
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        if let Some(uintc) = UINTC.get() {
            uintc.route(self.0, false, 0);
            uintc.take_pending(self.0);
        }
        SLOTS_USED.lock()[self.0 / 64] &= !(1 << (self.0 % 64));
    }
}

/// A receiver's N-extension registers while it is switched out.
#[derive(Clone, Copy, Default)]
struct UserCsrs {
    utvec: usize,
    uscratch: usize,
    uepc: usize,
    ucause: usize,
    utval: usize,
    uie: usize,
    /// The user timer's compare value (all ones: never).
    utimecmp: usize,
}

impl UserCsrs {
    fn save() -> UserCsrs {
        let mut c = UserCsrs::default();
        // SAFETY: reading this hart's user-interrupt CSRs.
        unsafe {
            core::arch::asm!("csrr {}, 0x005", out(reg) c.utvec);
            core::arch::asm!("csrr {}, 0x040", out(reg) c.uscratch);
            core::arch::asm!("csrr {}, 0x041", out(reg) c.uepc);
            core::arch::asm!("csrr {}, 0x042", out(reg) c.ucause);
            core::arch::asm!("csrr {}, 0x043", out(reg) c.utval);
            core::arch::asm!("csrr {}, 0x004", out(reg) c.uie);
            core::arch::asm!("csrr {}, 0x8C0", out(reg) c.utimecmp);
            // The timer stays with the thread: it must not fire for the next one, nor reach
            // the kernel once `sideleg` stops delegating it.
            core::arch::asm!("csrc 0x004, {}", in(reg) UTI);
            core::arch::asm!("csrw 0x8C0, {}", in(reg) usize::MAX);
        }
        c
    }

    /// Loads the registers; `uie` after `sideleg` has delegated USI and UTI (it only holds
    /// delegated bits), the user timer last.
    fn load(&self) {
        // SAFETY: this hart's user-interrupt CSRs, for the thread about to run.
        unsafe {
            core::arch::asm!("csrw 0x005, {}", in(reg) self.utvec);
            core::arch::asm!("csrw 0x040, {}", in(reg) self.uscratch);
            core::arch::asm!("csrw 0x041, {}", in(reg) self.uepc);
            core::arch::asm!("csrw 0x042, {}", in(reg) self.ucause);
            core::arch::asm!("csrw 0x043, {}", in(reg) self.utval);
            core::arch::asm!("csrs 0x103, {}", in(reg) USI | UTI);
            core::arch::asm!("csrw 0x004, {}", in(reg) self.uie);
            core::arch::asm!("csrw 0x8C0, {}", in(reg) self.utimecmp);
        }
    }
}

/// A receiver thread's state.
struct Receiver {
    slot: Arc<Slot>,
    csrs: UserCsrs,
    /// The software `sip.USIP` was set for it when it was switched out.
    injected: bool,
    /// The hart whose CSRs hold its state (between switch-in and switch-out).
    loaded_on: Option<usize>,
}

/// Whether this hart's `sip.USIP` is set (software bit or a visible UINTC line).
fn usip() -> bool {
    let sip: usize;
    // SAFETY: reads this hart's `sip`.
    unsafe { core::arch::asm!("csrr {}, sip", out(reg) sip) };
    sip & USI != 0
}

/// Sets the software `sip.USIP`: with `sideleg.USI`, the running receiver takes a user
/// interrupt as soon as it is back in user mode with `ustatus.UIE` set.
fn inject() {
    // SAFETY: only the running receiver's interrupt; see the module documentation.
    unsafe { core::arch::asm!("csrs sip, {}", in(reg) USI) };
}

/// A thread's user-interrupt state.
#[derive(Default)]
pub struct ThreadState {
    receiver: Option<Receiver>,
}

/// A process's sender table: one zeroed page of entries `[0]` valid, `[31:16]` vector,
/// `[63:48]` receiver slot.
pub struct SenderTable {
    frame: Frame,
    /// The slots the entries name, by index (kept allocated while named).
    receivers: Vec<Arc<Slot>>,
}

impl Drop for SenderTable {
    fn drop(&mut self) {
        // SAFETY: only this table used the frame; no hart's `suist` points at it any more
        // (its process is gone).
        unsafe { frame::dealloc(self.frame) };
    }
}

/// A process's user-interrupt state.
#[derive(Default)]
pub struct ProcessState {
    /// `suist` for the process's threads (0: no sender table).
    suist: AtomicUsize,
    table: Mutex<Option<SenderTable>>,
}

/// What a `uintr_create_fd` descriptor names: bit `vector` of a receiver's slot.
pub struct ReceiverFd {
    slot: Arc<Slot>,
    vector: usize,
}

/// A receiver blocked in [`wait`].
struct Blocked {
    slot: usize,
    thread: Arc<Thread>,
    /// The hart its slot is routed to; `None`: parked (inactive).
    hart: Option<usize>,
}

/// Routing of slots of blocked receivers (and, under the same lock, [`RECEIVER_RUNNING`]).
struct Routing {
    blocked: Vec<Blocked>,
}

static ROUTING: Mutex<Routing> = Mutex::new(Routing {
    blocked: Vec::new(),
});

impl Routing {
    /// Takes the blocked receivers routed to `hart` whose slot has something pending off
    /// the list into `woken`, deactivating their slots (the kernel delivers the interrupt when
    /// they run). With `evict` (`hart` is about to run a receiver) the others are moved to a
    /// hart that runs none, or parked.
    fn sweep(&mut self, uintc: &Uintc, hart: usize, evict: bool, woken: &mut Vec<Arc<Thread>>) {
        let free_hart = evict
            .then(|| {
                machine::get()
                    .harts()
                    .find(|&h| h != hart && !RECEIVER_RUNNING.contains(h))
            })
            .flatten();
        self.blocked.retain_mut(|b| {
            if b.hart != Some(hart) {
                return true;
            }
            if uintc.is_pending(b.slot) {
                uintc.route(b.slot, false, hart);
                woken.push(b.thread.clone());
                return false;
            }
            if evict {
                // A send landing from here on stays pending in the slot: seen where it is
                // routed to, or when a parked slot is adopted.
                b.hart = free_hart;
                uintc.route(b.slot, free_hart.is_some(), free_hart.unwrap_or(hart));
            }
            true
        });
    }

    /// Routes the parked slots to `hart`, which has stopped running a receiver.
    fn adopt_parked(&mut self, uintc: &Uintc, hart: usize) {
        for b in self.blocked.iter_mut().filter(|b| b.hart.is_none()) {
            b.hart = Some(hart);
            uintc.route(b.slot, true, hart);
        }
    }
}

/// Wakes the threads in `woken` (outside the routing lock).
fn wake_all(woken: Vec<Arc<Thread>>) {
    for thread in woken {
        scheduler::wake(&thread, WakeReason::Woken, None);
    }
}

/// Loads `thread`'s user-interrupt state on this hart as it is switched in.
pub fn switch_in(thread: &Thread) {
    if !IN_USE.load(Ordering::Relaxed) {
        return;
    }
    let Some(uintc) = UINTC.get() else { return };
    let hart = crate::hart_id();
    let suist = thread.process.uintr.suist.load(Ordering::Acquire);
    let mut state = thread.uintr.lock();
    if state.receiver.is_none() && suist == 0 && !LOADED.get(hart).load(Ordering::Relaxed) {
        return;
    }
    // SAFETY: user-interrupt CSRs of this hart, for the thread about to run.
    unsafe { core::arch::asm!("csrw 0x1B0, {}", in(reg) suist) };
    let Some(receiver) = &mut state.receiver else {
        // SAFETY: as above.
        unsafe { core::arch::asm!("csrw 0x1B1, zero") };
        LOADED.get(hart).store(suist != 0, Ordering::Relaxed);
        return;
    };
    let slot = receiver.slot.0;
    let mut woken = Vec::new();
    {
        let mut routing = ROUTING.lock();
        RECEIVER_RUNNING.insert(hart);
        // Its own wait is over (it may have been woken by its process ending).
        routing.blocked.retain(|b| b.slot != slot);
        routing.sweep(uintc, hart, true, &mut woken);
        uintc.route(slot, true, hart);
    }
    // SAFETY: as above.
    unsafe { core::arch::asm!("csrw 0x1B1, {}", in(reg) UINTR_ENABLE | slot) };
    // The process's task-controller set raises its preempt line for this thread's handler.
    if let Some(set) = thread.process.existing_task_set() {
        crate::taskctl::set_user_online(hart, Some(&set));
        USET_ONLINE.get(hart).store(true, Ordering::Relaxed);
    }
    receiver.csrs.load();
    receiver.loaded_on = Some(hart);
    if receiver.injected {
        inject();
    }
    LOADED.get(hart).store(true, Ordering::Relaxed);
    drop(state);
    wake_all(woken);
}

/// Saves `thread`'s user-interrupt state as it leaves this hart (back in the scheduler loop);
/// a receiver that has exited gives up its slot.
pub fn switch_out(thread: &Thread) {
    if !IN_USE.load(Ordering::Relaxed) {
        return;
    }
    let Some(uintc) = UINTC.get() else { return };
    let hart = crate::hart_id();
    if !LOADED.get(hart).swap(false, Ordering::Relaxed) {
        return;
    }
    let mut state = thread.uintr.lock();
    if let Some(receiver) = &mut state.receiver {
        if USET_ONLINE.get(hart).swap(false, Ordering::Relaxed) {
            crate::taskctl::set_user_online(hart, None);
        }
        receiver.csrs = UserCsrs::save();
        // The software bit goes with the thread; a UINTC line stays set after the clear.
        let set = usip();
        // SAFETY: this hart's software USIP bit.
        unsafe { core::arch::asm!("csrc sip, {}", in(reg) USI) };
        // Taken whatever the bit said: a request left here would be injected into the next
        // thread, which is no receiver, and its USI would trap into the kernel for ever.
        let requested = INJECT_REQUEST.get(hart).swap(false, Ordering::AcqRel);
        receiver.injected = set && !usip() || requested;
        receiver.loaded_on = None;
        let slot = receiver.slot.0;
        let mut routing = ROUTING.lock();
        if !routing.blocked.iter().any(|b| b.slot == slot) {
            uintc.route(slot, false, hart);
        }
        RECEIVER_RUNNING.remove(hart);
        // SAFETY: this hart's delegation: user software interrupts reach the kernel again
        // (`UserCsrs::save` has disabled and disarmed the user timer).
        unsafe { core::arch::asm!("csrc 0x103, {}", in(reg) USI | UTI) };
        routing.adopt_parked(uintc, hart);
    }
    if thread.sched.lock().status == Status::Exited {
        state.receiver = None;
    }
    // SAFETY: as above.
    unsafe {
        core::arch::asm!("csrw 0x1B1, zero");
        core::arch::asm!("csrw 0x1B0, zero");
    }
}

/// A user software interrupt taken in S mode: a blocked receiver's slot routed here has
/// something pending. Wakes the receivers concerned.
pub fn on_interrupt() {
    let Some(uintc) = UINTC.get() else { return };
    let mut woken = Vec::new();
    let hart = crate::hart_id();
    if !RECEIVER_RUNNING.contains(hart) {
        // No receiver runs here, so a software `sip.USIP` is stale: nothing else would clear
        // it and the hart would take this interrupt for ever. A receiver it was meant for
        // loses nothing: its completions and pending vectors stay where it will look.
        // SAFETY: this hart's software USIP bit.
        unsafe { core::arch::asm!("csrc sip, {}", in(reg) USI) };
    }
    ROUTING.lock().sweep(uintc, hart, false, &mut woken);
    crate::stats::add(
        crate::stats::Counter::UserInterruptWakeups,
        woken.len() as u64,
    );
    // This hart took the interrupt, so it is awake (usually idle): prefer it for the thread.
    for thread in &woken {
        thread.sched.lock().hart = hart;
    }
    wake_all(woken);
}

/// Raises a user interrupt for receiver `thread` from the kernel, without the UINTC (COPS's
/// path for asynchronous system calls): the software `sip.USIP` now if it runs on this hart,
/// at its next return to user mode if it runs on another (which an IPI brings about at
/// once), at its next switch-in otherwise. [`Errno::Invalid`] if it is no receiver.
pub fn raise(thread: &Thread) -> Result<(), Errno> {
    let mut state = thread.uintr.lock();
    let receiver = state.receiver.as_mut().ok_or(Errno::Invalid)?;
    match receiver.loaded_on {
        None => receiver.injected = true,
        Some(hart) if hart == crate::hart_id() => inject(),
        Some(hart) => {
            INJECT_REQUEST.get(hart).store(true, Ordering::Release);
            crate::smp::send_ipi(hart);
        }
    }
    Ok(())
}

/// On the way back to user mode: a user interrupt another hart [`raise`]d for the receiver
/// running here.
#[inline(always)]
pub fn take_inject_request() {
    if IN_USE.load(Ordering::Relaxed) && INJECT_REQUEST.this().swap(false, Ordering::AcqRel) {
        inject();
    }
}

/// Sends user-interrupt vector `vector` (below 64) to receiver `thread`'s UINTC slot from the
/// kernel, as another thread's `uipi.send` would: the device ORs it into the slot's pending
/// word and raises the line wherever the slot is routed. [`Errno::Invalid`] if `thread` is no
/// receiver, [`Errno::NoDevice`] without a UINTC.
pub fn send(thread: &Thread, vector: usize) -> Result<(), Errno> {
    let uintc = UINTC.get().ok_or(Errno::NoDevice)?;
    let state = thread.uintr.lock();
    let slot = state.receiver.as_ref().ok_or(Errno::Invalid)?.slot.0;
    // SAFETY: the slot's pending word; a write ORs the bits in (a send).
    unsafe { uintc.reg(slot, HIGH).write_volatile(1 << (vector % 64)) };
    Ok(())
}

/// Whether `thread` is a user-interrupt receiver.
pub fn is_receiver(thread: &Thread) -> bool {
    thread.uintr.lock().receiver.is_some()
}

/// `uintr_register_handler(entry)`: makes the running thread a receiver.
pub fn register_handler(entry: usize) -> Result<usize, Errno> {
    UINTC.get().ok_or(Errno::NoDevice)?;
    if !entry.is_multiple_of(4) || entry == 0 {
        return Err(Errno::Invalid);
    }
    let thread = scheduler::current();
    let slot = {
        let mut state = thread.uintr.lock();
        if state.receiver.is_some() {
            return Err(Errno::Invalid);
        }
        let slot = Slot::alloc().ok_or(Errno::NoMemory)?;
        IN_USE.store(true, Ordering::Relaxed);
        let index = slot.0;
        state.receiver = Some(Receiver {
            slot,
            csrs: UserCsrs {
                utvec: entry,
                uie: USI,
                utimecmp: usize::MAX,
                ..UserCsrs::default()
            },
            injected: false,
            loaded_on: None,
        });
        index
    };
    // SAFETY: the running thread's own frame; user interrupts enabled when it returns.
    unsafe { (*thread.frame()).sstatus |= UIE };
    switch_in(&thread);
    Ok(slot)
}

/// `uintr_create_fd(vector)`: a descriptor for senders to the running receiver.
pub fn create_fd(vector: usize) -> Result<ReceiverFd, Errno> {
    UINTC.get().ok_or(Errno::NoDevice)?;
    if vector >= 64 {
        return Err(Errno::Invalid);
    }
    let thread = scheduler::current();
    let state = thread.uintr.lock();
    let receiver = state.receiver.as_ref().ok_or(Errno::Invalid)?;
    Ok(ReceiverFd {
        slot: receiver.slot.clone(),
        vector,
    })
}

/// `uintr_register_sender(fd)`: adds the receiver of `fd` to the running thread's process's
/// sender table; returns the entry's index.
pub fn register_sender(fd: &ReceiverFd) -> Result<usize, Errno> {
    let thread = scheduler::current();
    let process = &thread.process;
    let index = {
        let mut table = process.uintr.table.lock();
        if table.is_none() {
            let frame = frame::alloc().ok_or(Errno::NoMemory)?;
            *table = Some(SenderTable {
                frame,
                receivers: Vec::new(),
            });
        }
        let table = table.as_mut().expect("just created");
        let index = table.receivers.len();
        if index == TABLE_ENTRIES {
            return Err(Errno::NoMemory);
        }
        IN_USE.store(true, Ordering::Relaxed);
        let entry = abi::uintc::sender_entry(true, fd.vector as u64, fd.slot.0 as u64);
        // SAFETY: entry `index` of the table's own page (identity mapped).
        unsafe {
            table
                .frame
                .as_mut_ptr::<u64>()
                .add(index)
                .write_volatile(entry)
        };
        table.receivers.push(fd.slot.clone());
        // [63] enable, [55:44] one page, [43:0] the page number.
        let suist = UINTR_ENABLE | 1 << abi::uintc::SUIST_SIZE_SHIFT | table.frame.addr() >> 12;
        process.uintr.suist.store(suist, Ordering::Release);
        index
    };
    switch_in(&thread);
    Ok(index)
}

/// `uintr_wait()`: blocks the running receiver until a user interrupt is pending for it.
pub fn wait() -> Result<usize, Errno> {
    let uintc = UINTC.get().ok_or(Errno::NoDevice)?;
    let thread = scheduler::current();
    let slot = thread
        .uintr
        .lock()
        .receiver
        .as_ref()
        .ok_or(Errno::Invalid)?
        .slot
        .0;
    let mut routing = ROUTING.lock();
    if uintc.is_pending(slot) {
        inject();
        return Ok(0);
    }
    if thread.process.is_exiting() {
        return Ok(0);
    }
    // The slot is active and routed here; once this thread has left the hart, `sideleg`
    // no longer delegates USI here and a send interrupts the kernel.
    routing.blocked.push(Blocked {
        slot,
        thread: thread.clone(),
        hart: Some(crate::hart_id()),
    });
    scheduler::prepare_to_block();
    drop(thread);
    // Woken (not killed): the kernel found the slot pending and took it off the list.
    if scheduler::block(routing) == WakeReason::Woken {
        inject();
    }
    Ok(0)
}
