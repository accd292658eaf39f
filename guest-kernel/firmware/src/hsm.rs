//! Hart state management: the SBI HSM extension and the firmware's parking loop.
//!
//! Each hart listed in the device tree has a slot holding its HSM state. A hart that is not
//! running the kernel waits in [`park`]: it sleeps with `wfi` until its `msip` is raised,
//! and leaves when its slot says `START_PENDING`, entering S mode at the address the starter
//! gave. `hart_stop` puts the calling hart back into [`park`].
//!
//! ```text
//!              hart_start (other hart)           hart reaches park()
//!   STOPPED ---------------------------> START_PENDING ----------------> STARTED
//!      ^                                                                    |
//!      +---------------------------- hart_stop (this hart) -----------------+
//! ```
//!
//! The slots are carved from the firmware's free memory for the hart ids of the device tree
//! ([`init`]). Every hart's slot starts as `STOPPED` before any hart can call `hart_start`,
//! so a start request may reach a hart that has not arrived in [`park`] yet: the raised
//! `msip` keeps its first `wfi` from sleeping.

use crate::clint::{clear_msip, set_msip};
use crate::memory;
use crate::trap::enter_supervisor;
use riscv::register::{mhartid, mie, mip};
use rustsbi::spec::hsm::hart_state::{STARTED, START_PENDING, STOPPED};
use rustsbi::SbiRet;
use spin::{Mutex, Once};

/// A hart's HSM state and, while a start is pending, where it is to start.
#[derive(Clone, Copy)]
struct Slot {
    /// `None`: no such hart. Otherwise one of `STOPPED`, `START_PENDING`, `STARTED`.
    state: Option<usize>,
    start_addr: usize,
    opaque: usize,
}

/// A slot per hart id, indexed by it (after [`init`]).
static SLOTS: Once<&'static [Mutex<Slot>]> = Once::new();

/// Carves the slots of hart ids `0..harts`, every one "no such hart" for now. Called once by
/// the boot hart before any other hart runs.
pub fn init(harts: usize) {
    let what = "the HSM slots";
    let bytes = harts * size_of::<Mutex<Slot>>();
    let base = memory::carve(bytes, align_of::<Mutex<Slot>>(), what).cast::<Mutex<Slot>>();
    let empty = Slot {
        state: None,
        start_addr: 0,
        opaque: 0,
    };
    // SAFETY: `carve` hands out this memory, aligned and sized for `harts` slots, for ever
    // and to this caller alone; every slot is initialised before the slice is made.
    let slots = unsafe {
        for i in 0..harts {
            base.add(i).write(Mutex::new(empty));
        }
        core::slice::from_raw_parts(base, harts)
    };
    SLOTS.call_once(|| slots);
}

/// `hart`'s slot, if the device tree gave it one.
fn slot(hart: usize) -> Option<&'static Mutex<Slot>> {
    SLOTS.get()?.get(hart)
}

/// `hart`'s slot; it must have one (it runs, or a caller checked [`is_present`]).
fn own_slot(hart: usize) -> &'static Mutex<Slot> {
    slot(hart).expect("a hart without an HSM slot")
}

/// Records that `hart` (below [`init`]'s `harts`) exists and is stopped. Called by the boot
/// hart, for every hart in the device tree, before any hart enters S mode.
pub fn add_hart(hart: usize) {
    own_slot(hart).lock().state = Some(STOPPED);
}

/// Whether `hart` exists.
pub fn is_present(hart: usize) -> bool {
    slot(hart).is_some_and(|slot| slot.lock().state.is_some())
}

/// The harts that exist, by id.
pub fn harts() -> impl Iterator<Item = usize> {
    let slots = SLOTS.get().map_or(&[][..], |slots| slots);
    (0..slots.len()).filter(|&hart| is_present(hart))
}

/// Marks the boot hart as started; it enters the kernel without passing through `park`.
pub fn mark_started(hart: usize) {
    own_slot(hart).lock().state = Some(STARTED);
}

/// Waits in M mode until another hart starts this one, then enters S mode there.
pub fn park() -> ! {
    let hart = mhartid::read();
    // Sleep with only the machine software interrupt able to wake us; S-mode interrupt
    // state left behind by a stopped kernel must not keep `wfi` from sleeping.
    // SAFETY: this hart's own interrupt bits; M-mode interrupts stay globally disabled
    // (`mstatus.MIE` = 0), so a pending `msip` only ends `wfi`, it does not trap.
    unsafe {
        mie::clear_stimer();
        mie::clear_ssoft();
        mie::clear_sext();
        mie::clear_mtimer();
        mip::clear_stimer();
        mip::clear_ssoft();
        mie::set_msoft();
    }
    // A start request raised before this point is seen in the slot below, so a stale
    // `msip` (such as an IPI meant for the kernel that stopped) can go.
    clear_msip(hart);
    loop {
        {
            let mut slot = own_slot(hart).lock();
            if slot.state == Some(START_PENDING) {
                slot.state = Some(STARTED);
                let (start_addr, opaque) = (slot.start_addr, slot.opaque);
                drop(slot);
                clear_msip(hart);
                enter_supervisor(hart, start_addr, opaque);
            }
        }
        riscv::asm::wfi();
    }
}

/// The SBI HSM extension.
pub struct SbiHsm;

impl rustsbi::Hsm for SbiHsm {
    fn hart_start(&self, hartid: usize, start_addr: usize, opaque: usize) -> SbiRet {
        let Some(slot) = slot(hartid) else {
            return SbiRet::invalid_param();
        };
        let mut slot = slot.lock();
        match slot.state {
            None => SbiRet::invalid_param(),
            Some(STOPPED) => {
                *slot = Slot {
                    state: Some(START_PENDING),
                    start_addr,
                    opaque,
                };
                drop(slot);
                set_msip(hartid);
                SbiRet::success(0)
            }
            Some(_) => SbiRet::already_available(),
        }
    }

    fn hart_stop(&self) -> SbiRet {
        own_slot(mhartid::read()).lock().state = Some(STOPPED);
        park()
    }

    fn hart_get_status(&self, hartid: usize) -> SbiRet {
        match slot(hartid).and_then(|slot| slot.lock().state) {
            Some(state) => SbiRet::success(state),
            None => SbiRet::invalid_param(),
        }
    }
}
