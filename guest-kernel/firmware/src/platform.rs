//! The machine the firmware runs on: QEMU's `virt` board, which hartlab reproduces.
//!
//! The firmware is platform code, so it knows the device addresses; only the set of harts
//! comes from the device tree (the firmware sizes its per-hart state from it: `memory`). The kernel, in contrast, discovers everything from the tree.

/// The hart that boots the kernel; the others wait for an SBI HSM start.
pub const BOOT_HART: usize = 0;

/// NS16550A UART.
pub const UART_BASE: usize = 0x1000_0000;
/// Core-local interruptor: `msip` and `mtimecmp` per hart, `mtime`.
pub const CLINT_BASE: usize = 0x0200_0000;
/// SiFive test finisher (`sifive,test0`): ends the simulation or the QEMU process.
pub const TEST_FINISHER_BASE: usize = 0x0010_0000;
/// Start of RAM; the firmware occupies its first 2 MiB (see `firmware.ld`).
pub const RAM_BASE: usize = 0x8000_0000;
/// Bytes reserved for the firmware at the start of RAM, hidden from S mode by PMP.
pub const FIRMWARE_SIZE: usize = 0x20_0000;
