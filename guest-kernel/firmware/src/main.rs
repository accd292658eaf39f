//! hartlab's M-mode firmware: the SBI layer under the guest kernel.
//!
//! The image is this firmware with the kernel inside it. Every hart starts at [`_start`] in
//! M mode with `a0` = its hart id and `a1` = the device tree's address, as on QEMU `virt`
//! with `-bios none` and on hartlab. Then:
//!
//! 1. Each hart gets its own M-mode stack.
//! 2. The boot hart (hart 0) clears `.bss`, records the harts of the device tree as stopped
//!    (`hsm`), copies the kernel to its load address (`payload`) and prints a banner; then
//!    it lets the other harts go on.
//! 3. Every hart configures itself (`init_hart`): trap delegation to S mode, PMP, counter
//!    access.
//! 4. The boot hart enters the kernel in S mode (`a0` = hart id, `a1` = device tree); the
//!    others wait in [`hsm::park`] until the kernel starts them with SBI `hart_start`.
//!
//! From then on the firmware only runs when S mode traps into it (`trap`): SBI calls
//! (console, timer, IPI, HSM, system reset, implemented with `rustsbi` in `sbi`), misaligned
//! loads and stores it performs for S and U mode (`misaligned`), and the machine timer and
//! software interrupts it relays to S mode (`clint`).

#![no_std]
#![no_main]

mod clint;
mod hsm;
mod misaligned;
mod payload;
mod platform;
mod reset;
mod sbi;
mod trap;
mod uart;

use core::arch::naked_asm;
use core::sync::atomic::{AtomicBool, Ordering};
use platform::{BOOT_HART, MAX_HARTS, STACK_SIZE};
use riscv::register::{mcounteren, mie, pmpaddr0, pmpaddr1, pmpcfg0};
use riscv::register::{Permission, Range};

/// Set by the boot hart once shared state (`.bss`, the HSM slots) is ready.
static BOOT_DONE: AtomicBool = AtomicBool::new(false);

/// The first instruction of every hart: set up this hart's stack, then [`firmware_main`].
/// A hart whose id is too large for the firmware sleeps forever.
#[unsafe(naked)]
#[unsafe(no_mangle)]
#[unsafe(link_section = ".text.entry")]
unsafe extern "C" fn _start() -> ! {
    naked_asm!(
        "csrw mie, zero",
        "csrr t0, mhartid",
        "li t1, {max_harts}",
        "bgeu t0, t1, 1f",
        // sp = STACKS + (hartid + 1) * STACK_SIZE (a power of two)
        "addi t0, t0, 1",
        "slli t0, t0, {stack_shift}",
        "la sp, {stacks}",
        "add sp, sp, t0",
        "j {main}", // a0 = hart id, a1 = device tree, untouched
        "1: wfi",
        "j 1b",
        max_harts = const MAX_HARTS,
        stack_shift = const STACK_SIZE.trailing_zeros(),
        stacks = sym trap::STACKS,
        main = sym firmware_main,
    )
}

extern "C" fn firmware_main(hart: usize, dtb: usize) -> ! {
    if hart == BOOT_HART {
        // SAFETY: only the boot hart runs here, and the others wait for `BOOT_DONE`.
        unsafe {
            clear_bss();
        }
        let harts = discover_harts(dtb);
        println!(
            "[firmware] RustSBI {} on {harts} hart(s); kernel at {:#x} ({} bytes)",
            rustsbi::VERSION,
            payload::LOAD_ADDRESS,
            payload::IMAGE.len()
        );
        BOOT_DONE.store(true, Ordering::Release);
        init_hart();
        hsm::mark_started(hart);
        trap::enter_supervisor(hart, payload::ENTRY, dtb)
    } else {
        while !BOOT_DONE.load(Ordering::Acquire) {
            core::hint::spin_loop();
        }
        init_hart();
        hsm::park()
    }
}

/// Zeroes `.bss`.
///
/// # Safety
/// Nothing may be using `.bss`.
unsafe fn clear_bss() {
    unsafe extern "C" {
        static mut __bss_start: u8;
        static mut __bss_end: u8;
    }
    let start = &raw mut __bss_start;
    let end = &raw mut __bss_end;
    // SAFETY: the linker script's bounds of .bss.
    unsafe { core::ptr::write_bytes(start, 0, end as usize - start as usize) };
}

/// Records every hart of the device tree with HSM; returns how many there are. Without a
/// readable device tree only the boot hart runs.
fn discover_harts(dtb: usize) -> usize {
    hsm::add_hart(BOOT_HART);
    // SAFETY: the boot protocol puts a device tree at `dtb`; the crate checks its header.
    let Ok(fdt) = (unsafe { fdt::Fdt::from_ptr(dtb as *const u8) }) else {
        println!("[firmware] no device tree at {dtb:#x}: starting hart {BOOT_HART} only");
        return 1;
    };
    // Sstc's `stimecmp` is handed to S mode only when every hart has it (the kernel makes
    // the same decision from the same device tree).
    let sstc = fdt.cpus().all(|cpu| {
        cpu.property("riscv,isa-extensions")
            .is_some_and(|p| p.value.split(|&b| b == 0).any(|ext| ext == b"sstc"))
            || cpu
                .property("riscv,isa")
                .and_then(|p| p.as_str())
                .is_some_and(|isa| isa.split('_').any(|ext| ext == "sstc"))
    });
    SSTC.store(sstc, Ordering::Relaxed);
    for id in fdt.cpus().map(|cpu| cpu.ids().first()) {
        if id >= MAX_HARTS {
            println!("[firmware] hart {id} is beyond the firmware's {MAX_HARTS}: left stopped");
        } else if !hsm::is_present(id) {
            hsm::add_hart(id);
        }
    }
    (0..MAX_HARTS).filter(|&id| hsm::is_present(id)).count()
}

/// Per-hart M-mode setup before any S-mode code runs on this hart.
fn init_hart() {
    trap::delegate_to_supervisor();
    // SAFETY: configures this hart only.
    unsafe {
        // PMP: entry 0 hides the firmware from S and U mode, entry 1 opens everything else.
        // (Without a matching entry, S and U mode can access nothing.)
        pmpaddr0::write(napot(platform::RAM_BASE, platform::FIRMWARE_SIZE));
        pmpaddr1::write(usize::MAX >> 10); // the whole 56-bit physical address space
        pmpcfg0::set_pmp(0, Range::NAPOT, Permission::NONE, false);
        pmpcfg0::set_pmp(1, Range::NAPOT, Permission::RWX, false);
        // Let S mode read `time`, `cycle` and `instret`.
        mcounteren::set_cy();
        mcounteren::set_tm();
        mcounteren::set_ir();
        // IPIs (CLINT msip) reach every hart, the boot hart included; the handler turns
        // them into the kernel's supervisor software interrupt.
        mie::set_msoft();
        // menvcfg.STCE (bit 63): S mode gets `stimecmp`.
        if SSTC.load(Ordering::Relaxed) {
            core::arch::asm!("csrs 0x30a, {}", in(reg) 1usize << 63);
        }
    }
}

/// Whether the harts have Sstc (from the device tree).
static SSTC: AtomicBool = AtomicBool::new(false);

/// The `pmpaddr` value of a naturally aligned power-of-two region.
const fn napot(base: usize, size: usize) -> usize {
    (base + (size / 2 - 1)) >> 2
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    println!("[firmware] panic: {info}");
    reset::fail(3)
}
