//! The platform-level interrupt controller (PLIC), as the kernel uses it: device interrupt
//! sources routed to one hart's S-mode context, claimed and completed by the trap handler.
//!
//! Register layout (the RISC-V PLIC specification): a 4-byte priority per source from 0, a
//! 128-byte block of enable bits per context from 0x2000, and per context a 4 KiB block from
//! 0x20_0000 with the priority threshold at +0 and claim/complete at +4.

use crate::machine;
use core::sync::atomic::{AtomicUsize, Ordering};

const ENABLE: usize = 0x2000;
const ENABLE_STRIDE: usize = 0x80;
const CONTEXT: usize = 0x20_0000;
const CONTEXT_STRIDE: usize = 0x1000;
const CLAIM: usize = 4;

/// The PLIC's base address, or 0 before [`enable`] found one.
static BASE: AtomicUsize = AtomicUsize::new(0);

fn reg(offset: usize) -> *mut u32 {
    (BASE.load(Ordering::Relaxed) + offset) as *mut u32
}

/// The S-mode context of `hart`, if the PLIC has one.
fn s_context(hart: usize) -> Option<usize> {
    let plic = machine::get().plic.as_ref()?;
    let (_, context) = plic.s_contexts.iter().find(|(h, _)| *h == hart)?;
    Some(*context)
}

/// Routes `source` to `hart`'s S-mode context at priority 1 and lets the hart take external
/// interrupts. Returns false if the machine has no PLIC or no such context.
pub fn enable(source: usize, hart: usize) -> bool {
    let Some(plic) = machine::get().plic.as_ref() else {
        return false;
    };
    let Some(context) = s_context(hart) else {
        return false;
    };
    BASE.store(plic.regs.start, Ordering::Relaxed);
    let enable = reg(ENABLE + context * ENABLE_STRIDE + source / 32 * 4);
    // SAFETY: the PLIC's registers, mapped by the kernel (`machine::COMMON_DEVICES`);
    // read-modify-write of the enable word is only done here, at boot.
    unsafe {
        reg(source * 4).write_volatile(1);
        enable.write_volatile(enable.read_volatile() | 1 << (source % 32));
        reg(CONTEXT + context * CONTEXT_STRIDE).write_volatile(0);
        riscv::register::sie::set_sext();
    }
    true
}

/// Claims the most urgent pending source of this hart's S-mode context (None if none).
pub fn claim(hart: usize) -> Option<usize> {
    let context = s_context(hart)?;
    // SAFETY: the PLIC's claim register of this hart's context.
    let source = unsafe { reg(CONTEXT + context * CONTEXT_STRIDE + CLAIM).read_volatile() };
    (source != 0).then_some(source as usize)
}

/// An external interrupt on this hart: claim every pending source, hand it to its driver,
/// complete it.
pub fn on_interrupt() {
    let hart = crate::hart_id();
    while let Some(source) = claim(hart) {
        if !crate::net::on_interrupt(source) {
            crate::println!("plic: interrupt from source {source}, which no driver serves");
        }
        complete(hart, source);
    }
}

/// Tells the PLIC this hart has handled `source`.
pub fn complete(hart: usize, source: usize) {
    if let Some(context) = s_context(hart) {
        // SAFETY: the PLIC's complete register of this hart's context.
        unsafe { reg(CONTEXT + context * CONTEXT_STRIDE + CLAIM).write_volatile(source as u32) };
    }
}
