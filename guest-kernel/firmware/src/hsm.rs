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
//! Every hart's slot starts as `STOPPED` before any hart can call `hart_start`, so a start
//! request may reach a hart that has not arrived in [`park`] yet: the raised `msip` keeps its
//! first `wfi` from sleeping.

use crate::clint::{clear_msip, set_msip};
use crate::platform::MAX_HARTS;
use crate::trap::enter_supervisor;
use riscv::register::{mhartid, mie, mip};
use rustsbi::spec::hsm::hart_state::{STARTED, START_PENDING, STOPPED};
use rustsbi::SbiRet;
use spin::Mutex;

/// A hart's HSM state and, while a start is pending, where it is to start.
#[derive(Clone, Copy)]
struct Slot {
    /// `None`: no such hart. Otherwise one of `STOPPED`, `START_PENDING`, `STARTED`.
    state: Option<usize>,
    start_addr: usize,
    opaque: usize,
}

static SLOTS: [Mutex<Slot>; MAX_HARTS] = [const {
    Mutex::new(Slot {
        state: None,
        start_addr: 0,
        opaque: 0,
    })
}; MAX_HARTS];

/// Records that `hart` exists and is stopped. Called by the boot hart, for every hart in
/// the device tree, before any hart enters S mode.
pub fn add_hart(hart: usize) {
    SLOTS[hart].lock().state = Some(STOPPED);
}

/// Whether `hart` exists.
pub fn is_present(hart: usize) -> bool {
    hart < MAX_HARTS && SLOTS[hart].lock().state.is_some()
}

/// Marks the boot hart as started; it enters the kernel without passing through `park`.
pub fn mark_started(hart: usize) {
    SLOTS[hart].lock().state = Some(STARTED);
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
            let mut slot = SLOTS[hart].lock();
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
        if hartid >= MAX_HARTS {
            return SbiRet::invalid_param();
        }
        let mut slot = SLOTS[hartid].lock();
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
        SLOTS[mhartid::read()].lock().state = Some(STOPPED);
        park()
    }

    fn hart_get_status(&self, hartid: usize) -> SbiRet {
        match SLOTS.get(hartid).and_then(|slot| slot.lock().state) {
            Some(state) => SbiRet::success(state),
            None => SbiRet::invalid_param(),
        }
    }
}
