//! The hartlab guest kernel.
//!
//! The firmware (`../firmware`) enters the kernel in S mode on hart 0 at [`_start`] with
//! `a0` = hart id and `a1` = the device tree's address, translation off. The kernel then
//!
//! 1. clears `.bss`, starts the kernel heap and installs its trap handler (`trap`);
//! 2. reads the harts, memory and devices from the device tree (`machine`);
//! 3. sets up the frame allocator and the kernel's Sv39 address space and turns paging on
//!    (`mm`; every other hart turns it on as it comes up), then allocates the per-hart state
//!    for the harts the device tree lists (`per_hart`: there is no fixed hart limit);
//! 4. starts every other hart with SBI HSM at [`secondary_entry`], on a stack carved from
//!    RAM for it (`smp`);
//!    It brings up the network if the machine has a card (`net`);
//! 5. starts the first process as the command line says (`init`) and joins the scheduler
//!    (`task::scheduler`) like every other hart. The machine shuts down when that process
//!    ends.
//!
//! Every hart keeps its hart id in `tp` while in the kernel (see [`hart_id`]).

#![no_std]
#![no_main]

extern crate alloc;

mod console;
mod coroutine;
mod file;
mod futex;
mod init;
mod loader;
mod machine;
mod mm;
mod net;
mod per_hart;
mod plic;
mod programs;
mod smp;
mod stats;
mod syscall;
mod task;
mod taskctl;
mod timer;
mod trace;
mod trap;

use core::arch::naked_asm;

/// The boot hart's kernel stack (the other harts' are carved from RAM by `smp`, once the
/// device tree has said how many there are).
#[unsafe(link_section = ".stack")]
static mut BOOT_STACK: [u8; smp::STACK_SIZE] = [0; smp::STACK_SIZE];

/// Where the firmware enters the kernel on the boot hart: `tp` = hart id, `sp` = the top of
/// [`BOOT_STACK`], then [`kernel_main`] (`a0`, `a1` untouched).
#[unsafe(naked)]
#[unsafe(no_mangle)]
#[unsafe(link_section = ".text.entry")]
unsafe extern "C" fn _start(hart: usize, dtb: usize) -> ! {
    naked_asm!(
        "mv tp, a0",
        "la sp, {stack}",
        "li t0, {size}",
        "add sp, sp, t0",
        "j {main}",
        stack = sym BOOT_STACK,
        size = const smp::STACK_SIZE,
        main = sym kernel_main,
    )
}

/// Where the other harts enter the kernel (the `start_addr` of SBI `hart_start`), with
/// `a1` = the top of the stack `smp::start_secondaries` carved for the hart: `tp` = hart id,
/// `sp` = that top, then [`secondary_main`].
///
/// # Safety
/// Only the firmware enters here, on a started hart, with `a0` = its hart id and `a1` = the
/// top of a stack nothing else uses.
#[unsafe(naked)]
pub unsafe extern "C" fn secondary_entry(hart: usize, stack_top: usize) -> ! {
    naked_asm!(
        "mv tp, a0",
        "mv sp, a1",
        "j {main}",
        main = sym secondary_main,
    )
}

/// The id of the hart running this code.
pub fn hart_id() -> usize {
    let id;
    // SAFETY: `tp` holds the hart id from the hart's entry on (see `hart_entry!`).
    unsafe { core::arch::asm!("mv {}, tp", out(reg) id) };
    id
}

extern "C" fn kernel_main(hart: usize, dtb: usize) -> ! {
    // SAFETY: no other hart runs kernel code yet.
    unsafe { clear_bss() };
    mm::init_heap();
    trap::init_hart();
    println!("hartlab guest kernel: booting on hart {hart}");

    // SAFETY: the firmware passes the device tree's address in a1.
    let machine = unsafe { machine::init(dtb) };
    trace::init();
    println!(
        "device tree: {} harts, {} MiB of memory",
        machine.hart_count(),
        machine.memory_bytes >> 20
    );
    if !machine.bootargs().is_empty() {
        println!("bootargs: {}", machine.bootargs());
    }
    if machine.hartlab_devices.iter().any(|&found| found) {
        print!("hartlab devices:");
        for (found, (_, name)) in machine.hartlab_devices.iter().zip(machine::HARTLAB_DEVICES) {
            if *found {
                print!(" {name}");
            }
        }
        println!();
    } else {
        println!("hartlab devices: none (not running on hartlab); carrying on without them");
    }
    let command = init::parse(machine.bootargs()).unwrap_or_else(|word| {
        println!("bootargs: cannot understand `{word}` (see the kernel's init module)");
        init::shutdown(false)
    });
    timer::init(machine.timebase_hz as u64, machine.sstc, command.tick_us);
    println!(
        "timer: {}, time slice {} us",
        if machine.sstc {
            "Sstc stimecmp"
        } else {
            "SBI set_timer"
        },
        command.tick_us
    );
    println!("scheduler: {}", command.sched.name());
    let mapped = mm::init(machine);
    println!(
        "paging on: {} KiB of RAM mapped in {} page-table frames",
        mapped.bytes >> 10,
        mapped.table_frames
    );
    // Per-hart state, for the harts of the device tree, on the heap `mm::init` has grown.
    stats::init();
    smp::init();
    task::init(command.sched);
    coroutine::init(command.coroutine, command.coroutine_queues);
    net::init(command.net, hart);
    print!("programs:");
    for name in programs::names() {
        print!(" {name}");
    }
    println!();
    task::uintr::init_hart();
    println!("hart {hart} up");
    smp::mark_online(hart);
    smp::start_secondaries(machine, hart);
    println!("all {} harts up", machine.hart_count());
    init::start(&command);
    task::scheduler::run_hart()
}

extern "C" fn secondary_main(hart: usize, _stack_top: usize) -> ! {
    trap::init_hart();
    mm::init_hart();
    task::uintr::init_hart();
    println!("hart {hart} up");
    smp::mark_online(hart);
    task::scheduler::run_hart()
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

#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    println!("kernel panic on hart {}: {info}", hart_id());
    init::shutdown(false)
}
