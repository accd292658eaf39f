//! hartlab's M-mode firmware: the SBI layer under the guest kernel.
//!
//! The image is this firmware with the kernel inside it. Every hart starts at [`_start`] in
//! M mode with `a0` = its hart id and `a1` = the device tree's address, as on QEMU `virt`
//! with `-bios none` and on hartlab. Then:
//!
//! 1. The boot hart (hart 0) starts on a static stack, clears `.bss` and reads the harts of
//!    the device tree: it carves their HSM slots, recorded as stopped (`hsm`), and their
//!    M-mode stacks (`stack`) from the firmware's free memory (`memory`), then wakes the
//!    other harts, which sleep in `_start` until they have a stack. There is no fixed hart
//!    limit; harts that do not fit stop the machine with a message. It prints a banner.
//! 2. Every hart configures itself (`init_hart`): trap delegation to S mode, PMP, counter
//!    access.
//! 3. The boot hart enters the kernel in S mode (`a0` = hart id, `a1` = device tree); the
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
mod memory;
mod misaligned;
mod payload;
mod platform;
mod reset;
mod sbi;
mod stack;
mod trap;
mod uart;

use core::arch::naked_asm;
use core::sync::atomic::{AtomicBool, Ordering};
use platform::BOOT_HART;
use riscv::register::{mcounteren, mie, pmpaddr0, pmpaddr1, pmpcfg0};
use riscv::register::{Permission, Range};

// `_start` multiplies by the stack size with shifts.
const _: () = assert!(stack::HART_STACK_SIZE == 3 << 10);

/// The first instruction of every hart. The boot hart takes the boot stack and goes on to
/// [`firmware_main`]; the others sleep, without a stack, until the boot hart has carved their
/// stacks (`stack`), then take theirs and follow. A hart the device tree does not list (so
/// without a stack) sleeps forever.
#[unsafe(naked)]
#[unsafe(no_mangle)]
#[unsafe(link_section = ".text.entry")]
unsafe extern "C" fn _start() -> ! {
    naked_asm!(
        "csrw mie, zero",
        "csrr t0, mhartid",
        "li t1, {boot_hart}",
        "bne t0, t1, 1f",
        "la sp, {boot_stack}",
        "li t1, {boot_stack_size}",
        "add sp, sp, t1",
        "j {main}", // a0 = hart id, a1 = device tree, untouched
        // Sleep until `STACKS.base` is set (the boot hart then raises every hart's `msip`,
        // which ends `wfi` without a trap: `mstatus.MIE` is clear), then
        // sp = base + (hart id + 1) * HART_STACK_SIZE.
        "1: li t1, {msie}",
        "csrw mie, t1",
        "la t1, {stacks}",
        "2: ld t2, 0(t1)",
        "bnez t2, 4f",
        "wfi",
        "j 2b",
        "4: fence r, rw", // acquire: what the boot hart set up before is visible
        "ld t3, 8(t1)",
        "bgeu t0, t3, 3f",
        "addi t0, t0, 1",
        "slli t0, t0, 10", // (hart id + 1) KiB
        "slli t1, t0, 1",
        "add t0, t0, t1", // (hart id + 1) * 3 KiB
        "add sp, t2, t0",
        "j {main}",
        "3: wfi",
        "j 3b",
        boot_hart = const BOOT_HART,
        msie = const 1 << 3,
        boot_stack = sym stack::BOOT_STACK,
        boot_stack_size = const stack::BOOT_STACK_SIZE,
        stacks = sym stack::STACKS,
        main = sym firmware_main,
    )
}

extern "C" fn firmware_main(hart: usize, dtb: usize) -> ! {
    if hart == BOOT_HART {
        // SAFETY: only the boot hart runs here; the others wait for their stacks.
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
        init_hart();
        hsm::mark_started(hart);
        trap::enter_supervisor(hart, payload::ENTRY, dtb)
    } else {
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

/// Reads the harts of the device tree: carves their HSM slots (each stopped) and M-mode
/// stacks, and lets the other harts go on (`stack::init`); returns how many there are.
/// Without a readable device tree only the boot hart runs.
fn discover_harts(dtb: usize) -> usize {
    // SAFETY: the boot protocol puts a device tree at `dtb`; the crate checks its header.
    let fdt = unsafe { fdt::Fdt::from_ptr(dtb as *const u8) }.ok();
    let ids = || {
        fdt.iter()
            .flat_map(|fdt| fdt.cpus().map(|cpu| cpu.ids().first()))
    };
    let limit = ids().chain([BOOT_HART]).max().unwrap_or(BOOT_HART) + 1;
    hsm::init(limit);
    hsm::add_hart(BOOT_HART);
    ids().for_each(hsm::add_hart);
    if let Some(fdt) = &fdt {
        // Sstc's `stimecmp` is handed to S mode only when every hart has it (the kernel
        // makes the same decision from the same device tree).
        let sstc = fdt.cpus().all(|cpu| {
            cpu.property("riscv,isa-extensions")
                .is_some_and(|p| p.value.split(|&b| b == 0).any(|ext| ext == b"sstc"))
                || cpu
                    .property("riscv,isa")
                    .and_then(|p| p.as_str())
                    .is_some_and(|isa| isa.split('_').any(|ext| ext == "sstc"))
        });
        SSTC.store(sstc, Ordering::Relaxed);
    } else {
        println!("[firmware] no device tree at {dtb:#x}: starting hart {BOOT_HART} only");
    }
    stack::init(limit);
    hsm::harts().count()
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
